// Pipelines, as Heroku's board shows them: a column per stage, its apps, and Promote, which
// copies an app's slug to the next stage's apps (POST /pipeline-promotions).
import { get, post } from '../api.js';
import { ago } from '../format.js';
import { html } from '../html.js';
import { useData } from '../hooks.js';
import { Action, Empty, Loading, Problem } from '../widgets.js';

const STAGES = ['review', 'development', 'staging', 'production'];

async function loadBoard() {
  const pipelines = await get('/pipelines');
  return Promise.all(
    pipelines.map(async (p) => {
      const couplings = await get(`/pipelines/${p.id}/pipeline-couplings`);
      const apps = await Promise.all(
        couplings.map(async (c) => {
          const [app, releases] = await Promise.all([get(`/apps/${c.app.id}`), get(`/apps/${c.app.id}/releases`)]);
          return { coupling: c, app, current: releases.filter((r) => r.current).pop() };
        }),
      );
      return { pipeline: p, apps };
    }),
  );
}

function nextStage(stage) {
  const i = STAGES.indexOf(stage);
  return i >= 1 && i < STAGES.length - 1 ? STAGES[i + 1] : null;
}

function Board({ board, reload }) {
  const { pipeline, apps } = board;
  return html`
    <section class="pipeline" aria-labelledby=${`p-${pipeline.id}`}>
      <h2 id=${`p-${pipeline.id}`}>${pipeline.name}</h2>
      <div class="stages">
        ${STAGES.map((stage) => {
          const here = apps.filter((a) => a.coupling.stage === stage);
          const next = nextStage(stage);
          const targets = next ? apps.filter((a) => a.coupling.stage === next) : [];
          return html`
            <section class="stage" aria-label=${`${pipeline.name}: ${stage}`}>
              <h3>${stage}</h3>
              ${here.length === 0 && html`<${Empty}>No apps</${Empty}>`}
              ${here.map(({ app, current }) => html`
                <div class="card" key=${app.id}>
                  <a href=${`#/apps/${encodeURIComponent(app.name)}`}>${app.name}</a>
                  <p class="release">${current ? `v${current.version} · ${current.description}` : 'No release yet'}</p>
                  <p class="muted">${app.released_at ? `released ${ago(app.released_at)}` : 'never released'}</p>
                  ${targets.length > 0 && html`
                    <${Action}
                      label=${`Promote to ${next}`}
                      aria-label=${`Promote ${app.name} to ${next}`}
                      confirm=${`Promote ${app.name}'s slug to ${targets.map((t) => t.app.name).join(', ')}?`}
                      run=${async () => {
                        await post('/pipeline-promotions', {
                          pipeline: { id: pipeline.id },
                          source: { app: { id: app.id } },
                          targets: targets.map((t) => ({ app: { id: t.app.id } })),
                        });
                        reload();
                      }} />`}
                </div>`)}
            </section>`;
        })}
      </div>
    </section>`;
}

export function PipelinesPage() {
  const boards = useData(loadBoard, []);
  return html`
    <h1 tabindex="-1">Pipelines</h1>
    <${Problem} error=${boards.error} />
    ${boards.data === undefined && !boards.error && html`<${Loading} what="pipelines" />`}
    ${boards.data?.length === 0 && html`<${Empty}>No pipelines. <code>lokku pipelines:create</code> makes one.</${Empty}>`}
    ${boards.data?.map((b) => html`<${Board} key=${b.pipeline.id} board=${b} reload=${boards.reload} />`)}
  `;
}
