// One app, with Heroku Dashboard's tabs (and lokku's Timeline). The page follows the app's
// log stream once: a line of the platform's (a dyno's state, a release, a scale) tells the
// open tab to read its data again, so what it shows is live without polling.
import { useEffect, useMemo } from 'preact/hooks';
import { app as appPath, get } from '../api.js';
import { html } from '../html.js';
import { useData } from '../hooks.js';
import { follow, isPlatformChange } from '../live.js';
import { Loading, Problem } from '../widgets.js';
import { Overview } from './overview.js';
import { Resources } from './resources.js';
import { Deploy } from './deploy.js';
import { Metrics } from './metrics.js';
import { Activity } from './activity.js';
import { Logs } from './logs.js';
import { Settings } from './settings.js';
import { Timeline } from './timeline.js';

const TABS = [
  ['overview', 'Overview', Overview],
  ['resources', 'Resources', Resources],
  ['deploy', 'Deploy', Deploy],
  ['metrics', 'Metrics', Metrics],
  ['activity', 'Activity', Activity],
  ['logs', 'Logs', Logs],
  ['timeline', 'Timeline', Timeline],
  ['settings', 'Settings', Settings],
];

/// Listeners of one app's platform lines.
function makeLive() {
  const listeners = new Set();
  return {
    listeners,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

export function AppPage({ name, tab }) {
  const info = useData(() => get(appPath(name)), [name]);
  const live = useMemo(makeLive, [name]);
  useEffect(
    () =>
      follow(name, (line) => {
        if (isPlatformChange(line)) {
          for (const fn of live.listeners) fn(line);
        }
      }),
    [name, live],
  );
  const current = TABS.find(([id]) => id === tab) ?? TABS[0];
  const Tab = current[2];
  return html`
    <div class="app-head">
      <p class="crumbs"><a href="#/">Apps</a> ›</p>
      <h1 tabindex="-1">${name}</h1>
      ${info.data && html`<a class="url" href=${info.data.web_url} target="_blank" rel="noopener noreferrer">Open app</a>`}
    </div>
    <nav class="tabs" aria-label=${`${name}'s pages`}>
      ${TABS.map(([id, label]) => html`
        <a key=${id} href=${`#/apps/${encodeURIComponent(name)}/${id}`} aria-current=${id === current[0] ? 'page' : undefined}>${label}</a>`)}
    </nav>
    <${Problem} error=${info.error} />
    ${info.data === undefined && !info.error && html`<${Loading} what=${name} />`}
    ${info.data && html`<section class="tab" aria-label=${current[1]}><${Tab} app=${info.data} live=${live} reloadApp=${info.reload} /></section>`}
  `;
}
