// Small pieces every page uses.
import { html } from './html.js';
import { useSubmit } from './hooks.js';

export function Problem({ error }) {
  if (!error) return null;
  return html`<p class="problem" role="alert">${error.message ?? String(error)}</p>`;
}

export function Loading({ what }) {
  return html`<p class="loading" role="status">Loading ${what}…</p>`;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

/// A button that runs an async action, disabled while it runs; its failure shows beside it.
export function Action({ label, run, className = '', confirm, disabled = false, ...rest }) {
  const { submit, busy, error } = useSubmit(run);
  const click = () => {
    if (confirm && !window.confirm(confirm)) return;
    submit();
  };
  return html`<span class="action">
    <button type="button" class=${className} disabled=${busy || disabled} aria-busy=${busy} onClick=${click} ...${rest}>${label}</button>
    ${error && html`<span class="problem" role="alert">${error.message}</span>`}
  </span>`;
}
