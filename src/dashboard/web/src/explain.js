// The teaching view's reading of an app's log: each line the platform wrote, turned into what
// it did and why, with the Heroku rule behind it (the ids of lokku's specs, ../shared/spec)
// and the Dev Center article that teaches it. Pure: lines in, events out (explain.test.mjs).

const DEV = 'https://devcenter.heroku.com/articles/';

// CRASH-3: consecutive crashes wait up to these many minutes before the next attempt.
export const COOL_OFF_MINUTES = [20, 40, 60, 180, 320];

/// A log line as Heroku frames it (STATE-6): `<time> <source>[<dyno>]: <message>`.
export function parseLine(line) {
  const m = /^(\S+) ([a-z]+)\[([^\]]+)\]: (.*)$/s.exec(line);
  if (!m) return null;
  return { time: m[1], source: m[2], dyno: m[3], message: m[4], line };
}

function routerFields(message) {
  const fields = {};
  for (const m of message.matchAll(/([a-z_]+)=("([^"]*)"|\S*)/g)) {
    fields[m[1]] = m[3] ?? m[2];
  }
  return fields;
}

const H_CODES = {
  H10: ['App crashed', 'every web dyno has crashed, so the router has nowhere to send the request (CRASH-7)'],
  H12: ['Request timeout', 'the dyno sent nothing for 30 s after the request reached it (router T-2)'],
  H13: ['Connection closed without response', 'the dyno accepted the connection, then closed it without answering'],
  H14: ['No web processes running', 'web is scaled to 0: `heroku ps:scale web=1` brings it back'],
  H15: ['Idle connection', 'the dyno went silent for 55 s in the middle of its answer (router T-3)'],
  H18: ['Server Request Interrupted', 'the dyno sent part of its answer, then the socket died'],
  H27: ['Client Request Interrupted', 'the client went away before the answer was done; only logged'],
  H80: ['Maintenance mode', 'the app is in maintenance mode: the router answers with the maintenance page'],
  H81: ['Blank app', 'nothing is deployed yet: the app has no release to run'],
  H99: ['Platform error', 'every dyno was quarantined, or the router failed (LB-3)'],
};

/// Explains `lines` (oldest first). Returns events, oldest first: { time, dyno, title, why,
/// rule, link, kind } where kind is 'crash', 'restart', 'up', 'release', 'router', 'memory',
/// 'stop', 'scale' or 'build'.
export function explain(lines) {
  const crashes = new Map(); // dyno → consecutive crashes since its last reset (CRASH-4)
  const events = [];
  for (const raw of lines) {
    const l = typeof raw === 'string' ? parseLine(raw) : raw;
    if (!l) continue;
    const e = explainOne(l, crashes);
    if (e) events.push({ time: l.time, dyno: l.dyno, ...e });
  }
  return events;
}

function explainOne(l, crashes) {
  const { source, dyno, message } = l;
  if (source === 'heroku' && dyno === 'router') {
    const f = routerFields(message);
    if (!f.code) return null;
    const [desc, why] = H_CODES[f.code] ?? [f.desc ?? f.code, f.desc ?? ''];
    return {
      kind: 'router',
      title: `${f.code} ${desc}: ${f.method ?? ''} ${f.path ?? ''} answered ${f.status ?? ''}`.trim(),
      why: `${f.code}: ${why}.`,
      rule: 'router.md §7',
      link: `${DEV}error-codes#${f.code.toLowerCase()}`,
    };
  }
  if (source === 'app' && dyno === 'api') {
    const release = /^Release (v\d+) created by (.*)$/.exec(message) ?? /^(.*?) by (.*)$/.exec(message);
    if (/^Deploy|^Rollback|^Set |^Unset |^Release v\d+|^Promote/.test(message)) {
      for (const key of crashes.keys()) crashes.set(key, 0); // a new release resets the cool-off
      return {
        kind: 'release',
        title: message,
        why: 'Every deploy, rollback and config change is a new numbered release; the formation restarts onto it (CYC-2) and crash cool-offs start over (CRASH-4).',
        rule: 'REL-1, CYC-2, CRASH-4',
        link: `${DEV}releases`,
        who: release?.[2],
      };
    }
    if (/^Scaled to/.test(message)) {
      return {
        kind: 'scale',
        title: message,
        why: 'Scaling changes the formation: dynos start or stop to match it, without a new release.',
        rule: 'formation',
        link: `${DEV}scaling`,
      };
    }
    return null;
  }
  if (source !== 'heroku') return null;
  let m;
  if ((m = /^State changed from (\w+) to crashed$/.exec(message))) {
    const n = (crashes.get(dyno) ?? 0) + 1;
    crashes.set(dyno, n);
    const wait = n === 1 ? null : COOL_OFF_MINUTES[Math.min(n - 2, COOL_OFF_MINUTES.length - 1)];
    return {
      kind: 'crash',
      title: `${dyno} crashed (from ${m[1]})`,
      why:
        n === 1
          ? `Any exit the platform did not ask for is a crash, status 0 included (CRASH-1). A first crash is restarted at once (CRASH-2); if it crashes again, the next attempt waits up to ${COOL_OFF_MINUTES[0]} min (Heroku's back-off, CRASH-3).`
          : `Crash ${n} in a row: Heroku waits up to ${wait} min before the next attempt (CRASH-3: 20, 40, 60, 180, then 320 min). A deploy, a restart or scaling to 0 and back starts over (CRASH-4).`,
      rule: n === 1 ? 'CRASH-1, CRASH-2' : 'CRASH-3',
      link: `${DEV}dynos#dyno-crash-restart-policy`,
    };
  }
  if ((m = /^State changed from crashed to starting$/.exec(message))) {
    const n = crashes.get(dyno) ?? 1;
    return {
      kind: 'restart',
      title: `${dyno} restarting after ${n === 1 ? 'its first crash' : `crash ${n}`}`,
      why: n === 1 ? 'A first crash is restarted at once (CRASH-2), with a new $PORT (ENV-4).' : 'The cool-off ended (CRASH-3): the platform tries again.',
      rule: n === 1 ? 'CRASH-2' : 'CRASH-3',
      link: `${DEV}dynos#dyno-crash-restart-policy`,
    };
  }
  if ((m = /^State changed from starting to up$/.exec(message))) {
    const web = dyno.startsWith('web.');
    return {
      kind: 'up',
      title: `${dyno} is up`,
      why: web
        ? 'A web dyno is up once it listens on $PORT (STATE-4); it has 60 s from launch to do so, else R10 (BOOT-1). Now the router sends it requests.'
        : 'A dyno that is not web is up as soon as its process starts (STATE-3).',
      rule: web ? 'STATE-4, BOOT-1' : 'STATE-3',
      link: `${DEV}dynos#dyno-states`,
    };
  }
  if ((m = /^State changed from (\w+) to down$/.exec(message))) {
    crashes.delete(dyno);
    return {
      kind: 'stop',
      title: `${dyno} is down`,
      why: 'The platform stopped it (a scale down, a restart, a new release): not a crash, whatever its exit status (STOP-3).',
      rule: 'STOP-3',
      link: `${DEV}dynos#dyno-states`,
    };
  }
  if (/^Stopping all processes with SIGTERM$/.test(message)) {
    return {
      kind: 'stop',
      title: `${dyno} asked to stop (SIGTERM)`,
      why: 'Every process of the dyno gets SIGTERM and has 30 s to exit; what is left then gets SIGKILL, logged as R12 (STOP-1, STOP-2).',
      rule: 'STOP-1, STOP-2',
      link: `${DEV}dynos#graceful-shutdown-with-sigterm`,
    };
  }
  if ((m = /^Process exited with status (\d+)$/.exec(message)) && dyno.startsWith('release.')) {
    const ok = m[1] === '0';
    return {
      kind: ok ? 'release' : 'crash',
      title: `Release phase ${ok ? 'succeeded' : `failed (status ${m[1]})`}`,
      why: ok
        ? 'The Procfile\'s release command ran in a one-off dyno before the new release went live; status 0 lets the release proceed and the formation restart onto it (REL-6, CYC-2).'
        : 'The release command exited non-zero: the release fails and the dynos keep running the previous one (REL-6).',
      rule: 'REL-6',
      link: `${DEV}release-phase`,
    };
  }
  if ((m = /^Process exited with status (\d+)$/.exec(message))) {
    const status = Number(m[1]);
    const meaning = status === 137 ? ' (128 + 9: killed by SIGKILL)' : status === 143 ? ' (128 + 15: ended by SIGTERM)' : '';
    return {
      kind: 'stop',
      title: `${dyno}'s process exited with status ${status}${meaning}`,
      why: 'The exit status is the process\'s own; whether it counts as a crash depends on whether the platform asked it to stop (CRASH-1, STOP-3).',
      rule: 'CRASH-1, STOP-3',
      link: `${DEV}dynos#dyno-crash-restart-policy`,
    };
  }
  if (/^Error R10 /.test(message)) {
    return {
      kind: 'crash',
      title: `R10 Boot timeout on ${dyno}`,
      why: 'A web dyno did not listen on $PORT within 60 s of launch: it is killed (SIGKILL, no grace) and treated as a crash (BOOT-4).',
      rule: 'BOOT-1, BOOT-4',
      link: `${DEV}error-codes#r10-boot-timeout`,
    };
  }
  if ((m = /^Error (R1[45]) /.exec(message))) {
    const r15 = m[1] === 'R15';
    return {
      kind: 'memory',
      title: `${m[1]} ${r15 ? 'Memory quota vastly exceeded' : 'Memory quota exceeded'} on ${dyno}`,
      why: r15
        ? 'Memory far past the dyno size\'s quota: the dyno is killed and restarted as after a crash (MEM-4).'
        : 'Memory (RSS + swap) past the quota of the dyno\'s size: nothing is killed, but the dyno swaps and slows (MEM-2, MEM-3).',
      rule: r15 ? 'MEM-4' : 'MEM-2, MEM-3',
      link: `${DEV}error-codes#${m[1].toLowerCase()}-memory-quota-${r15 ? 'vastly-' : ''}exceeded`,
    };
  }
  if (/^Cycling$/.test(message)) {
    return {
      kind: 'restart',
      title: `${dyno} cycled`,
      why: 'Every dyno restarts once a day (24 h plus up to 216 min from its last start) to stay healthy (CYC-1).',
      rule: 'CYC-1',
      link: `${DEV}dynos#automatic-dyno-restarts`,
    };
  }
  if (/^Restarting$/.test(message)) {
    crashes.delete(dyno);
    return {
      kind: 'restart',
      title: `${dyno} restarting`,
      why: 'A restart asked for (heroku ps:restart): the dyno stops with SIGTERM and starts again; crash cool-offs start over (CRASH-4).',
      rule: 'STOP-1, CRASH-4',
      link: `${DEV}dynos#restarting`,
    };
  }
  return null;
}

/// A build (GET /apps/A/builds) as a timeline event: buildpack → slug, the first steps of a
/// deploy, which the app's log does not tell.
export function explainBuild(build) {
  const ok = build.status === 'succeeded';
  const pending = build.status === 'pending';
  const version = build.source_blob?.version ? ` of ${String(build.source_blob.version).slice(0, 12)}` : '';
  return {
    time: build.created_at,
    dyno: 'build',
    kind: ok ? 'build' : pending ? 'build' : 'crash',
    title: `Build${version} ${build.status}`,
    why: ok
      ? 'The buildpacks detected the app (bin/detect), compiled it (bin/compile) and their output was packed into a slug: the compressed app that every dyno of the release will run (BP-2, BP-4, SLUG-1). A release follows.'
      : pending
        ? 'The buildpacks are running: detect, then compile; the output is at the Deploy tab (BP-8).'
        : 'A buildpack failed (bin/compile exited non-zero): no slug, no release; the app keeps running its current release (BP-9).',
    rule: ok ? 'BP-2, BP-4, SLUG-1' : pending ? 'BP-8' : 'BP-9',
    link: `${DEV}slug-compiler`,
  };
}
