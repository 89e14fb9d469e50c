// Overview: the formation, the add-ons, the latest activity and where the app answers.
import { app as appPath, get } from '../api.js';
import { ago, plural } from '../format.js';
import { html } from '../html.js';
import { useData, useLiveReload } from '../hooks.js';
import { Empty, Problem } from '../widgets.js';

export function Overview({ app, live }) {
  const base = appPath(app.name);
  const data = useData(async () => {
    const [formation, addons, releases, dynos] = await Promise.all([
      get(`${base}/formation`),
      get(`${base}/addons`),
      get(`${base}/releases`),
      get(`${base}/dynos`),
    ]);
    return { formation, addons, releases: releases.slice(-5).reverse(), dynos };
  }, [base]);
  useLiveReload(live, data.reload);
  const d = data.data;
  return html`
    <${Problem} error=${data.error} />
    <div class="grid">
      <section aria-labelledby="ov-dynos">
        <h2 id="ov-dynos">Dyno formation</h2>
        ${d?.formation.length === 0 && html`<${Empty}>No process types: deploy a Procfile.</${Empty}>`}
        <ul class="plain">
          ${d?.formation.map((f) => {
            const up = d.dynos.filter((x) => x.type === f.type && x.state === 'up').length;
            return html`<li key=${f.type}><strong>${f.type}</strong> ${plural(f.quantity, 'dyno')} · ${f.size} · <span class="muted">${up} up</span></li>`;
          })}
        </ul>
        <p><a href=${`#/apps/${encodeURIComponent(app.name)}/resources`}>Configure dynos</a></p>
      </section>
      <section aria-labelledby="ov-addons">
        <h2 id="ov-addons">Add-ons</h2>
        ${d?.addons.length === 0 && html`<${Empty}>None.</${Empty}>`}
        <ul class="plain">
          ${d?.addons.map((a) => html`<li key=${a.id}><strong>${a.addon_service?.name}</strong> ${a.name} · ${a.state}</li>`)}
        </ul>
      </section>
      <section aria-labelledby="ov-activity">
        <h2 id="ov-activity">Latest activity</h2>
        ${d?.releases.length === 0 && html`<${Empty}>Nothing released yet.</${Empty}>`}
        <ul class="plain">
          ${d?.releases.map((r) => html`<li key=${r.id}><strong>v${r.version}</strong> ${r.description} <span class="muted">${ago(r.created_at)}</span></li>`)}
        </ul>
      </section>
      <section aria-labelledby="ov-url">
        <h2 id="ov-url">Where it answers</h2>
        <p><a class="url" href=${app.web_url} target="_blank" rel="noopener noreferrer">${app.web_url}</a></p>
        <p class="muted">Region ${app.region?.name ?? ''} · stack ${app.stack?.name ?? ''}${app.maintenance ? ' · maintenance mode on' : ''}</p>
      </section>
    </div>
  `;
}
