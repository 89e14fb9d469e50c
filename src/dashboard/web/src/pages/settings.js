// Settings: config vars (hidden until revealed, as Heroku's "Reveal Config Vars"; each change
// is a new release), domains, maintenance mode, and deleting the app (confirmed by its name).
import { useState } from 'preact/hooks';
import { app as appPath, del, get, patch, post } from '../api.js';
import { html } from '../html.js';
import { useData, useLiveReload, useSubmit } from '../hooks.js';
import { Action, Empty, Problem } from '../widgets.js';

function ConfigVars({ base, live }) {
  const [shown, setShown] = useState(false);
  const vars = useData(() => (shown ? get(`${base}/config-vars`) : Promise.resolve(null)), [base, shown]);
  useLiveReload(live, vars.reload);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const { submit: add, error } = useSubmit(async () => {
    if (!key.trim()) throw new Error('Name the config var.');
    await patch(`${base}/config-vars`, { [key.trim()]: value });
    setKey('');
    setValue('');
    vars.reload();
  });
  if (!shown) {
    return html`<section aria-labelledby="cfg"><h2 id="cfg">Config vars</h2>
      <p class="muted">They become the dynos' environment; each change is a new release.</p>
      <button type="button" onClick=${() => setShown(true)}>Reveal Config Vars</button></section>`;
  }
  const entries = Object.entries(vars.data ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return html`
    <section aria-labelledby="cfg">
      <h2 id="cfg">Config vars</h2>
      <button type="button" class="link" onClick=${() => setShown(false)}>Hide Config Vars</button>
      <${Problem} error=${vars.error} />
      <table class="list config">
        <caption class="sr-only">Config vars</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Value</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          ${entries.map(([k, v]) => html`<tr key=${k}>
            <td><code>${k}</code></td>
            <td class="value"><code>${v}</code></td>
            <td><${Action} label="Remove" aria-label=${`Remove ${k}`} confirm=${`Remove ${k}? This makes a new release.`}
              run=${async () => { await patch(`${base}/config-vars`, { [k]: null }); vars.reload(); }} /></td>
          </tr>`)}
        </tbody>
      </table>
      ${entries.length === 0 && html`<${Empty}>None yet.</${Empty}>`}
      <form class="inline" onSubmit=${add} aria-label="Add or change a config var">
        <label>Name <input name="key" value=${key} onInput=${(e) => setKey(e.currentTarget.value)} autocomplete="off" /></label>
        <label>Value <input name="value" value=${value} onInput=${(e) => setValue(e.currentTarget.value)} autocomplete="off" /></label>
        <button type="submit">Add</button>
        ${error && html`<span class="problem" role="alert">${error.message}</span>`}
      </form>
    </section>`;
}

function Domains({ base, app }) {
  const domains = useData(() => get(`${base}/domains`), [base]);
  const [host, setHost] = useState('');
  const { submit: add, error } = useSubmit(async () => {
    await post(`${base}/domains`, { hostname: host.trim() });
    setHost('');
    domains.reload();
  });
  return html`
    <section aria-labelledby="domains">
      <h2 id="domains">Domains</h2>
      <${Problem} error=${domains.error} />
      <ul class="plain">
        ${domains.data?.map((d) => html`<li key=${d.id}><code>${d.hostname}</code> <span class="muted">${d.kind}</span>
          ${d.kind === 'custom' && html`<${Action} label="Remove" aria-label=${`Remove ${d.hostname}`} confirm=${`Remove ${d.hostname} from ${app.name}?`}
            run=${async () => { await del(`${base}/domains/${encodeURIComponent(d.hostname)}`); domains.reload(); }} />`}</li>`)}
      </ul>
      <form class="inline" onSubmit=${add} aria-label="Add a domain">
        <label>Domain <input name="hostname" value=${host} placeholder="www.example.localhost" onInput=${(e) => setHost(e.currentTarget.value)} /></label>
        <button type="submit">Add domain</button>
        ${error && html`<span class="problem" role="alert">${error.message}</span>`}
      </form>
    </section>`;
}

function DeleteApp({ app, base }) {
  const [typed, setTyped] = useState('');
  return html`
    <section aria-labelledby="delete" class="danger">
      <h2 id="delete">Delete app</h2>
      <p>Deleting ${app.name} stops its dynos and removes its releases, slugs, add-ons and logs. Type its name to confirm.</p>
      <label>App name <input value=${typed} onInput=${(e) => setTyped(e.currentTarget.value)} autocomplete="off" /></label>
      <${Action} label="Delete app" className="danger" disabled=${typed !== app.name}
        run=${async () => { await del(base); window.location.hash = '#/'; }} />
    </section>`;
}

export function Settings({ app, live, reloadApp }) {
  const base = appPath(app.name);
  return html`
    <${ConfigVars} base=${base} live=${live} />
    <${Domains} base=${base} app=${app} />
    <section aria-labelledby="maint">
      <h2 id="maint">Maintenance mode</h2>
      <p>${app.maintenance ? 'On: the router answers every request with the maintenance page (H80).' : 'Off.'}</p>
      <${Action} label=${app.maintenance ? 'Turn maintenance off' : 'Turn maintenance on'}
        run=${async () => { await patch(base, { maintenance: !app.maintenance }); reloadApp(); }} />
    </section>
    <${DeleteApp} app=${app} base=${base} />
  `;
}
