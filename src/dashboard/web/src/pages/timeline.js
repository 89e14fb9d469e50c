// Timeline, lokku's teaching view: the platform's doings from the app's log, each explained
// with the Heroku rule behind it (explain.js), newest first and live; and faults to cause on
// purpose (a restart, a crash, scaling to zero, maintenance) to watch the platform answer.
import { useEffect, useRef, useState } from 'preact/hooks';
import { app as appPath, get, patch, post, del } from '../api.js';
import { explain, explainBuild, parseLine } from '../explain.js';
import { when } from '../format.js';
import { html } from '../html.js';
import { follow } from '../live.js';
import { useData, useLiveReload } from '../hooks.js';
import { Action, Empty, Problem } from '../widgets.js';

function Faults({ app, reloadApp }) {
  const base = appPath(app.name);
  const dynos = useData(() => get(`${base}/dynos`), [base]);
  const web = (dynos.data ?? []).filter((d) => d.type === 'web').map((d) => d.name).sort();
  const [dyno, setDyno] = useState('');
  const target = dyno || web[0] || 'web.1';
  return html`
    <section class="faults" aria-labelledby="faults">
      <h2 id="faults">Cause a fault</h2>
      <p class="muted">Each is what a user or the platform could do; the timeline shows how Heroku answers.</p>
      <label>Dyno <select value=${target} onChange=${(e) => setDyno(e.currentTarget.value)}>
        ${(web.length ? web : ['web.1']).map((n) => html`<option value=${n}>${n}</option>`)}
      </select></label>
      <div class="buttons">
        <${Action} label="Restart dyno" run=${() => del(`${base}/dynos/${encodeURIComponent(target)}`)} />
        <${Action} label="Kill dyno (crash)" run=${() => post('/lokku/chaos', { kind: 'crash', app: app.name, dyno: target })} />
        <${Action} label="Scale web to 0" confirm=${`Scale ${app.name}'s web dynos to 0? The router answers H14 until you scale up again.`}
          run=${() => patch(`${base}/formation/web`, { quantity: 0 })} />
        <${Action} label=${app.maintenance ? 'Maintenance off' : 'Maintenance on'}
          run=${() => patch(base, { maintenance: !app.maintenance }).then(reloadApp)} />
      </div>
    </section>`;
}

export function Timeline({ app, live, reloadApp }) {
  const builds = useData(() => get(`${appPath(app.name)}/builds`), [app.name]);
  useLiveReload(live, builds.reload);
  const [lines, setLines] = useState([]);
  const [error, setError] = useState(null);
  const pending = useRef([]);
  useEffect(() => {
    setLines([]);
    let timer = 0;
    return follow(
      app.name,
      (line) => {
        const parsed = parseLine(line);
        if (!parsed || (parsed.source === 'app' && parsed.dyno !== 'api')) return;
        pending.current.push(parsed);
        if (!timer) {
          timer = setTimeout(() => {
            timer = 0;
            const more = pending.current;
            pending.current = [];
            setLines((old) => old.concat(more).slice(-3000));
          }, 100);
        }
      },
      { lines: 1500, onError: setError },
    );
  }, [app.name]);
  // Newest first: the log's events and the builds, by time (ISO 8601 sorts as text).
  const events = explain(lines)
    .concat((builds.data ?? []).map(explainBuild))
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  return html`
    <h2>What the platform did, and why</h2>
    <p class="muted">buildpack → slug → release → dynos → router: each step as it happens, with the rule of Heroku's behind it.</p>
    <${Faults} app=${app} reloadApp=${reloadApp} />
    <${Problem} error=${error} />
    ${events.length === 0 && html`<${Empty}>Nothing yet: deploy, scale or send a request.</${Empty}>`}
    <ol class="timeline" aria-label="Platform events, newest first">
      ${events.slice(0, 300).map((e, i) => html`
        <li key=${`${e.time}-${i}`} class=${`event kind-${e.kind}`}>
          <p class="title"><time datetime=${e.time}>${when(e.time)}</time> ${e.title}</p>
          <p class="why">${e.why}</p>
          <p class="rule muted">Rule ${e.rule} · <a href=${e.link} target="_blank" rel="noopener noreferrer">Heroku Dev Center</a></p>
        </li>`)}
    </ol>
  `;
}
