// Activity: what happened to the app, newest first: releases and builds, as Heroku's feed.
import { app as appPath, get } from '../api.js';
import { ago, when } from '../format.js';
import { html } from '../html.js';
import { useData, useLiveReload } from '../hooks.js';
import { Empty, Problem } from '../widgets.js';

export function Activity({ app, live }) {
  const base = appPath(app.name);
  const data = useData(async () => {
    const [releases, builds] = await Promise.all([get(`${base}/releases`), get(`${base}/builds`)]);
    const items = [
      ...releases.map((r) => ({ at: r.created_at, key: `r${r.id}`, what: `Released v${r.version}: ${r.description}`, who: r.user?.email })),
      ...builds.map((b) => ({ at: b.created_at, key: `b${b.id}`, what: `Build ${b.status}`, who: b.user?.email })),
    ];
    return items.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  }, [base]);
  useLiveReload(live, data.reload);
  return html`
    <${Problem} error=${data.error} />
    <h2>Activity</h2>
    ${data.data?.length === 0 && html`<${Empty}>Nothing yet.</${Empty}>`}
    <ol class="feed">
      ${data.data?.map((i) => html`<li key=${i.key}><p>${i.what}</p><p class="muted">${i.who ?? ''} · <time datetime=${i.at} title=${when(i.at)}>${ago(i.at)}</time></p></li>`)}
    </ol>
  `;
}
