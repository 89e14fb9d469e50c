// The dashboard's front-end: a page per Heroku Dashboard tab, chosen by the URL's hash
// (`#/apps/NAME/resources`), so that no path of the Platform API is ever shadowed.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { AppsPage } from './pages/apps.js';
import { PipelinesPage } from './pages/pipelines.js';
import { AppPage } from './pages/app.js';

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'apps' && parts[1]) {
    return { page: 'app', app: parts[1], tab: parts[2] ?? 'overview' };
  }
  if (parts[0] === 'pipelines') {
    return { page: 'pipelines' };
  }
  return { page: 'apps' };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Shell() {
  const route = useRoute();
  const first = useRef(true);
  useEffect(() => {
    // Another page: focus its heading, as a screen reader's user expects (not on the first
    // load, where focus starts at the top: the skip link).
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector('main h1')?.focus();
  }, [route.page, route.app, route.tab]);
  let page;
  if (route.page === 'app') {
    page = html`<${AppPage} name=${route.app} tab=${route.tab} />`;
  } else if (route.page === 'pipelines') {
    page = html`<${PipelinesPage} />`;
  } else {
    page = html`<${AppsPage} />`;
  }
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
    <header class="top">
      <a class="brand" href="#/">lokku</a>
      <nav aria-label="Dashboard">
        <a href="#/" aria-current=${route.page === 'apps' ? 'page' : undefined}>Apps</a>
        <a href="#/pipelines" aria-current=${route.page === 'pipelines' ? 'page' : undefined}>Pipelines</a>
      </nav>
      <form method="post" action="/logout" class="logout">
        <input type="hidden" name="csrf" value=${csrf} />
        <button type="submit" class="link">Log out</button>
      </form>
    </header>
    <main id="main" tabindex="-1">${page}</main>
  `;
}

const root = document.getElementById('app');
root.textContent = ''; // the page's "Loading…"
render(html`<${Shell} />`, root);
