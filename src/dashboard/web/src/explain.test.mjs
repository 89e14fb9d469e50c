// node --test: the teaching view's reading of log lines (explain.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, explainBuild, parseLine } from './explain.js';

const t = '2026-12-07T10:00:00.000000+00:00';

test('a first crash is restarted at once, the second waits up to 20 min (CRASH-2, CRASH-3)', () => {
  const events = explain([
    `${t} heroku[web.1]: State changed from up to crashed`,
    `${t} heroku[web.1]: State changed from crashed to starting`,
    `${t} heroku[web.1]: State changed from starting to crashed`,
  ]);
  assert.equal(events.length, 3);
  assert.match(events[0].why, /restarted at once/);
  assert.equal(events[0].rule, 'CRASH-1, CRASH-2');
  assert.equal(events[1].rule, 'CRASH-2');
  assert.match(events[2].why, /up to 20 min/);
  assert.equal(events[2].rule, 'CRASH-3');
});

test('a release resets the cool-off (CRASH-4)', () => {
  const events = explain([
    `${t} heroku[web.1]: State changed from up to crashed`,
    `${t} app[api]: Set FOO config vars by user@example.com`,
    `${t} heroku[web.1]: State changed from up to crashed`,
  ]);
  assert.equal(events[1].kind, 'release');
  assert.equal(events[2].rule, 'CRASH-1, CRASH-2');
});

test('router H-codes are explained, other router lines are not events', () => {
  const events = explain([
    `${t} heroku[router]: at=info method=GET path="/" host=a.localhost status=200 bytes=2`,
    `${t} heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/slow" host=a.localhost status=503`,
  ]);
  assert.equal(events.length, 1);
  assert.match(events[0].title, /^H12 Request timeout: GET \/slow answered 503/);
  assert.match(events[0].why, /30 s/);
});

test('app output and unframed lines are not events', () => {
  assert.deepEqual(explain([`${t} app[web.1]: <script>alert(1)</script>`, 'garbage']), []);
  assert.equal(parseLine('garbage'), null);
});

test('exit statuses 137 and 143 are read as signals', () => {
  const [e] = explain([`${t} heroku[web.1]: Process exited with status 137`]);
  assert.match(e.title, /SIGKILL/);
});

test('the release phase\'s exit decides the release (REL-6)', () => {
  const [ok, bad] = explain([
    `${t} heroku[release.1234]: Process exited with status 0`,
    `${t} heroku[release.1235]: Process exited with status 1`,
  ]);
  assert.equal(ok.title, 'Release phase succeeded');
  assert.equal(bad.kind, 'crash');
  assert.match(bad.why, /previous one/);
});

test('a build is buildpack → slug, or a failure that leaves the release alone (BP-9)', () => {
  const ok = explainBuild({ status: 'succeeded', created_at: t, source_blob: { version: 'abc1234def5678' } });
  assert.equal(ok.title, 'Build of abc1234def56 succeeded');
  assert.match(ok.why, /slug/);
  const failed = explainBuild({ status: 'failed', created_at: t, source_blob: {} });
  assert.equal(failed.kind, 'crash');
  assert.equal(failed.rule, 'BP-9');
});
