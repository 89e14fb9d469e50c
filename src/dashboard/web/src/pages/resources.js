// Resources: each process type's quantity and size, edited here and scaled through the same
// store as `heroku ps:scale`; its dynos and their states, live; the add-ons.
import { useState } from 'preact/hooks';
import { app as appPath, get, patch } from '../api.js';
import { ago } from '../format.js';
import { html } from '../html.js';
import { useData, useLiveReload, useSubmit } from '../hooks.js';
import { Empty, Problem } from '../widgets.js';

const SIZES = ['eco', 'basic', 'standard-1X', 'standard-2X', 'performance-M', 'performance-L'];

function sizeOption(size) {
  return SIZES.find((s) => s.toLowerCase() === String(size).toLowerCase()) ?? size;
}

function ProcessType({ base, f, dynos, onSaved }) {
  const [quantity, setQuantity] = useState(String(f.quantity));
  const [size, setSize] = useState(sizeOption(f.size));
  const { submit: save, busy, error } = useSubmit(async () => {
    const q = Number(quantity);
    if (!Number.isInteger(q) || q < 0) throw new Error('The quantity is a whole number, 0 or more.');
    await patch(`${base}/formation/${encodeURIComponent(f.type)}`, { quantity: q, size });
    onSaved();
  });
  const changed = quantity !== String(f.quantity) || size !== sizeOption(f.size);
  const mine = dynos.filter((d) => d.type === f.type).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  return html`
    <li class="process card">
      <form onSubmit=${save} aria-label=${`Scale ${f.type}`}>
        <h3><code>${f.type}</code></h3>
        <p class="command"><code>${f.command}</code></p>
        <label>Dynos <input type="number" min="0" max="100" name=${`quantity-${f.type}`} value=${quantity} onInput=${(e) => setQuantity(e.currentTarget.value)} /></label>
        <label>Size <select name=${`size-${f.type}`} value=${size} onChange=${(e) => setSize(e.currentTarget.value)}>
          ${SIZES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select></label>
        <button type="submit" disabled=${busy || !changed}>Save</button>
        ${error && html`<span class="problem" role="alert">${error.message}</span>`}
      </form>
      <ul class="dynos" aria-label=${`${f.type} dynos`}>
        ${mine.map((d) => html`<li key=${d.name} class=${`dyno state-${d.state}`}><code>${d.name}</code> <span class="state">${d.state}</span> <span class="muted">${ago(d.updated_at)}</span></li>`)}
      </ul>
    </li>`;
}

export function Resources({ app, live }) {
  const base = appPath(app.name);
  const data = useData(async () => {
    const [formation, dynos, addons] = await Promise.all([get(`${base}/formation`), get(`${base}/dynos`), get(`${base}/addons`)]);
    return { formation, dynos, addons };
  }, [base]);
  useLiveReload(live, data.reload);
  const d = data.data;
  return html`
    <${Problem} error=${data.error} />
    <h2>Dynos</h2>
    ${d?.formation.length === 0 && html`<${Empty}>No process types: deploy a Procfile.</${Empty}>`}
    <ul class="plain processes">
      ${d?.formation.map((f) => html`<${ProcessType} key=${`${f.type}-${f.quantity}-${f.size}`} base=${base} f=${f} dynos=${d.dynos} onSaved=${data.reload} />`)}
    </ul>
    <h2>Add-ons</h2>
    ${d?.addons.length === 0 && html`<${Empty}>None. <code>heroku addons:create heroku-postgresql</code> adds a real Postgres.</${Empty}>`}
    <ul class="plain">
      ${d?.addons.map((a) => html`<li key=${a.id} class="card"><strong>${a.addon_service?.name}</strong> ${a.name} · ${a.plan?.name} · <span class="state">${a.state}</span></li>`)}
    </ul>
  `;
}
