// The page side of bench/dashboard.py: in Debian's chromium (playwright-core), measures the
// dashboard's loads and its live log view. Prints one line per figure, with its target.
import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';

const require = createRequire(path.join(process.env.LOKKU_BROWSER_TOOLS, 'package.json'));
const { chromium } = require('playwright-core');

const base = process.env.DASHBOARD_URL;
const app = process.env.APP;
const apps = Number(process.env.APPS);
const rounds = Number(process.env.ROUNDS || 5);
const routerPort = Number(process.env.ROUTER_PORT);

const median = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function get(pathname) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: routerPort, path: pathname, headers: { Host: `${app}.localhost` } }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let failed = false;
const report = (what, ms, target) => {
  const ok = ms < target;
  failed ||= !ok;
  console.log(`${what.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms   (target < ${target} ms: ${ok ? 'met' : 'NOT met'})`);
};
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.log(`console: ${m.text()}`));
  await page.goto(`${base}login`);
  await page.getByLabel('API token').fill(process.env.LOKKU_TOKEN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();

  // A load, timed from navigation start: first contentful paint, and until `ready` holds.
  // (Predicates are functions: the page's CSP forbids evaluating strings.)
  async function load(url, ready, arg) {
    await page.goto('about:blank');
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(ready, arg, { timeout: 30000, polling: 'raf' });
    return page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      data: performance.now(),
    }));
  }
  const list = [];
  const metrics = [];
  for (let i = 0; i < rounds; i++) {
    list.push(await load(base, (n) => document.querySelectorAll('.cards .card').length === n, apps));
    metrics.push(await load(`${base}#/apps/${app}/metrics`, () => document.querySelectorAll('.uplot').length >= 4));
  }
  // The 24 h zoom: 1 440 one-minute points per chart.
  const day = [];
  for (let i = 0; i < rounds; i++) {
    await page.goto('about:blank');
    await page.goto(`${base}#/apps/${app}/metrics`, { waitUntil: 'commit' });
    await page.waitForFunction(() => document.querySelectorAll('.uplot').length >= 4, null, { timeout: 30000 });
    const t0 = await page.evaluate(() => performance.now());
    await page.getByRole('radio', { name: '24h' }).check();
    await page.waitForFunction(() => document.querySelector('p[data-requests]')?.dataset.zoom === '24h' && document.querySelectorAll('.uplot').length >= 4, null, { timeout: 30000, polling: 'raf' });
    day.push((await page.evaluate(() => performance.now())) - t0);
    const points = await page.evaluate(() => document.querySelector('[data-requests]').dataset.requests);
    if (i === 0) console.log(`24 h view: ${points} requests over the day`);
  }
  report(`apps list (${apps} apps): first contentful paint`, median(list.map((x) => x.fcp)), 1000);
  report(`apps list (${apps} apps): the apps shown`, median(list.map((x) => x.data)), 1000);
  report('metrics tab: first contentful paint', median(metrics.map((x) => x.fcp)), 1000);
  report('metrics tab (1 h): charts drawn', median(metrics.map((x) => x.data)), 1000);
  report('metrics tab: switch to 24 h, charts drawn', median(day), 1000);

  // Live logs at 1 000 lines/s for 10 s: each second, /print/1000 then a marker line. The
  // view shows the app's own lines (source app), while the router's for the background load
  // go on in the log.
  await page.goto(`${base}#/apps/${app}/logs`);
  await page.locator('pre.log').waitFor();
  await page.getByLabel('Source').selectOption('app');
  await page.waitForTimeout(1000);
  await page.evaluate(() => {
    window.__gaps = { last: performance.now(), max: 0 };
    const tick = () => {
      const now = performance.now();
      window.__gaps.max = Math.max(window.__gaps.max, now - window.__gaps.last);
      window.__gaps.last = now;
      window.__gaps.raf = requestAnimationFrame(tick);
    };
    window.__gaps.raf = requestAnimationFrame(tick);
  });
  const lags = [];
  for (let s = 0; s < 10; s++) {
    const started = Date.now();
    await get('/print/1000');
    await get(`/say/marker-${s}`);
    const sent = Date.now();
    await page.locator('pre.log', { hasText: `marker-${s}` }).first().waitFor({ timeout: 10000 });
    lags.push(Date.now() - sent);
    const rest = 1000 - (Date.now() - started);
    if (rest > 0) await page.waitForTimeout(rest);
  }
  const gap = await page.evaluate(() => { cancelAnimationFrame(window.__gaps.raf); return window.__gaps.max; });
  const shown = await page.locator('pre.log .line').count();
  console.log(`live logs: 10 000 lines in 10 s; the view holds the last ${shown}`);
  report('live logs: a second\'s last line on screen (median)', median(lags), 1000);
  report('live logs: the same, worst second', Math.max(...lags), 1000);
  report('live logs: longest gap between two frames', gap, 200);
} catch (e) {
  console.log(e.message);
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
