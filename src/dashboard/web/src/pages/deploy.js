// Deploy: the releases, newest first, with Rollback on each earlier one (a new release of
// that one's slug and config, REL-7); the builds with their whole output.
import { useState } from 'preact/hooks';
import { app as appPath, get, post, sameOrigin } from '../api.js';
import { ago } from '../format.js';
import { html } from '../html.js';
import { useData, useLiveReload } from '../hooks.js';
import { Action, Empty, Problem } from '../widgets.js';

function BuildOutput({ base, build }) {
  const [text, setText] = useState(null);
  const [error, setError] = useState(null);
  const show = async () => {
    setError(null);
    try {
      const fresh = await get(`${base}/builds/${build.id}`); // a new stream URL: each is good once
      const res = await fetch(sameOrigin(fresh.output_stream_url));
      setText(await res.text());
    } catch (e) {
      setError(e);
    }
  };
  return html`
    <div>
      ${text === null
        ? html`<button type="button" class="link" onClick=${show} aria-label=${`Show the output of the build of ${ago(build.created_at)}`}>Show output</button>`
        : html`<pre class="output" tabindex="0" aria-label="Build output">${text}</pre>`}
      <${Problem} error=${error} />
    </div>`;
}

export function Deploy({ app, live }) {
  const base = appPath(app.name);
  const data = useData(async () => {
    const [releases, builds, coupling] = await Promise.all([
      get(`${base}/releases`),
      get(`${base}/builds`),
      get(`${base}/pipeline-couplings`).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
    ]);
    return { releases: releases.slice().reverse(), builds: builds.slice().reverse(), coupling };
  }, [base]);
  useLiveReload(live, data.reload);
  const d = data.data;
  return html`
    <${Problem} error=${data.error} />
    <h2>Pipeline</h2>
    ${d && (d.coupling
      ? html`<p>In the pipeline <strong>${d.coupling.pipeline?.name}</strong> as its <strong>${d.coupling.stage}</strong> app. <a href="#/pipelines">Pipelines</a> has Promote.</p>`
      : html`<${Empty}>Not in a pipeline. <code>lokku pipelines:create NAME -a ${app.name}</code> makes one.</${Empty}>`)}
    <h2>Releases</h2>
    ${d?.releases.length === 0 && html`<${Empty}>No releases yet.</${Empty}>`}
    <table class="list">
      <caption class="sr-only">Releases, newest first</caption>
      <thead><tr><th scope="col">Version</th><th scope="col">Description</th><th scope="col">By</th><th scope="col">When</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        ${d?.releases.map((r) => html`
          <tr key=${r.id} class=${r.current ? 'current' : ''}>
            <td><strong>v${r.version}</strong>${r.current ? html` <span class="badge">current</span>` : ''}${r.status && r.status !== 'succeeded' ? html` <span class="badge warn">${r.status}</span>` : ''}</td>
            <td>${r.description}</td>
            <td>${r.user?.email ?? ''}</td>
            <td>${ago(r.created_at)}</td>
            <td>${!r.current && r.slug && html`<${Action}
              label=${`Roll back to v${r.version}`}
              confirm=${`Roll back ${app.name} to v${r.version}? This makes a new release of v${r.version}'s slug and config vars.`}
              run=${async () => { await post(`${base}/releases`, { release: r.id }); data.reload(); }} />`}</td>
          </tr>`)}
      </tbody>
    </table>
    <h2>Builds</h2>
    ${d?.builds.length === 0 && html`<${Empty}>No builds yet: <code>git push lokku main</code>.</${Empty}>`}
    <ul class="plain">
      ${d?.builds.map((b) => html`
        <li key=${b.id} class="card">
          <p><span class=${`badge ${b.status === 'failed' ? 'warn' : ''}`}>${b.status}</span> ${b.source_blob?.version ? html`<code>${b.source_blob.version}</code>` : ''} <span class="muted">${ago(b.created_at)}</span></p>
          <${BuildOutput} base=${base} build=${b} />
        </li>`)}
    </ul>
  `;
}
