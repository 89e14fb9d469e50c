// The apps list: every app of this lokku home, with its URL and its last release.
import { get } from '../api.js';
import { ago } from '../format.js';
import { html } from '../html.js';
import { useData } from '../hooks.js';
import { Empty, Loading, Problem } from '../widgets.js';

export function AppsPage() {
  const apps = useData(() => get('/apps'), []);
  const list = (apps.data ?? []).slice().sort((a, b) => a.name.localeCompare(b.name));
  return html`
    <h1 tabindex="-1">Apps</h1>
    <${Problem} error=${apps.error} />
    ${apps.data === undefined && !apps.error && html`<${Loading} what="apps" />`}
    ${apps.data && list.length === 0 &&
      html`<${Empty}>No apps yet. <code>git push lokku main</code> or <code>lokku deploy</code> makes one.</${Empty}>`}
    ${list.length > 0 && html`
      <ul class="cards" aria-label="Apps">
        ${list.map((a) => html`
          <li class="card" key=${a.id}>
            <h2><a href=${`#/apps/${encodeURIComponent(a.name)}`}>${a.name}</a></h2>
            <p><a class="url" href=${a.web_url} target="_blank" rel="noopener noreferrer">${a.web_url}</a></p>
            <p class="muted">${a.stack?.name ?? ''} · ${a.released_at ? `released ${ago(a.released_at)}` : 'never released'}${a.maintenance ? ' · maintenance on' : ''}</p>
          </li>`)}
      </ul>`}
  `;
}
