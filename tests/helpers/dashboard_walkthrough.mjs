// The dashboard in a real browser (issue #24, Must show): Debian's chromium, driven by
// playwright-core, walks through what a learner does: logs in (after a wrong token), scales
// web 1 → 2 and sees two dynos up, sets a config var holding markup and sees it as text and a
// new release, rolls back, watches a request in the live logs and in the metrics chart, makes a
// dyno crash and reads the timeline's explanation, promotes in a pipeline, and sees the app on
// a phone's width. A screenshot of each page goes to $ARTEFACTS. Any JavaScript error, or an
// alert (markup run as script), fails it. Prints each step; exits 1 at the first failure.
//
// Environment: DASHBOARD_URL, LOKKU_TOKEN, APP, TARGET_APP (its pipeline's production app),
// ROUTER_PORT, ARTEFACTS, LOKKU_BROWSER_TOOLS (tools/browser), CHROMIUM (/usr/bin/chromium).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const require = createRequire(path.join(env('LOKKU_BROWSER_TOOLS'), 'package.json'));
const { chromium } = require('playwright-core');

const base = env('DASHBOARD_URL');
const token = env('LOKKU_TOKEN');
const app = env('APP');
const target = env('TARGET_APP');
const routerPort = Number(env('ROUTER_PORT'));
const artefacts = env('ARTEFACTS');
fs.mkdirSync(artefacts, { recursive: true });

const problems = [];
function step(what) {
  console.log(`step: ${what}`);
}
function check(ok, what) {
  if (!ok) throw new Error(`failed: ${what}`);
}

/// A request to the app through the router, as a user's browser would send it.
function request(pathname) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: routerPort, path: pathname, headers: { Host: `${app}.localhost` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let exitCode = 0;
let page = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A refused login is a 401 page, which chromium reports as a failed load: the steps check
    // every answer they expect, and no page may show an error (shot()).
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 401/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.on('dialog', async (d) => {
    if (d.type() === 'confirm') {
      await d.accept();
    } else {
      problems.push(`a ${d.type()} dialog opened: ${d.message()}`);
      await d.dismiss();
    }
  });
  const shot = async (name) => {
    await page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true });
    const alerts = await page.locator('main [role="alert"]').allInnerTexts();
    check(alerts.length === 0, `the ${name} page shows no error: ${alerts.join('; ')}`);
  };
  const tab = async (name) => {
    await page.getByRole('navigation', { name: `${app}'s pages` }).getByRole('link', { name }).click();
    await page.locator(`section.tab[aria-label="${name}"]`).waitFor();
  };

  step('no session: the login page');
  await page.goto(base);
  check(new URL(page.url()).pathname === '/login', `redirected to /login, at ${page.url()}`);
  await shot('login');

  step('a wrong token is refused');
  await page.getByLabel('API token').fill('not-the-token');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: "not lokku's API token" }).waitFor();

  step('the token logs in: the apps list');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
  await page.getByRole('link', { name: app, exact: true }).waitFor();
  await shot('apps');

  step('keyboard: the first Tab reaches the skip link');
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement?.textContent)) === 'Skip to content', 'skip link focused');

  step('the overview');
  await page.getByRole('link', { name: app, exact: true }).click();
  await page.getByRole('heading', { name: 'Dyno formation' }).waitFor();
  await page.locator('#ov-dynos + *').or(page.getByText(/web.*1 dyno/)).first().waitFor();
  await shot('overview');

  step('resources: scale web 1 → 2, and see two dynos up');
  await tab('Resources');
  const web = page.getByRole('form', { name: 'Scale web' });
  await web.getByLabel('Dynos').fill('2');
  await web.getByRole('button', { name: 'Save' }).click();
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="web dynos"] li.state-up').length === 2, null, { timeout: 60000 });
  await shot('resources');

  step('settings: a config var holding markup is shown as text, and makes a release');
  await tab('Settings');
  await page.getByRole('button', { name: 'Reveal Config Vars' }).click();
  const markup = '<script>alert("config")</script><b>bold</b>';
  const form = page.getByRole('form', { name: 'Add or change a config var' });
  await form.getByLabel('Name').fill('GREETING');
  await form.getByLabel('Value').fill(markup);
  await form.getByRole('button', { name: 'Add' }).click();
  await page.locator('td.value code', { hasText: markup }).waitFor();
  check((await page.locator('table.config b, table.config script').count()) === 0, 'the markup was not made elements');
  await shot('settings');

  step('deploy: the new release, and a rollback to the one before it');
  await tab('Deploy');
  await page.getByText(/In the pipeline shop as its staging app/).waitFor();
  const current = page.locator('tr.current');
  await current.filter({ hasText: 'Set GREETING config vars' }).waitFor();
  const version = Number((await current.locator('td').first().innerText()).match(/v(\d+)/)[1]);
  await page.getByRole('button', { name: `Roll back to v${version - 1}` }).click();
  await page.locator('tr.current', { hasText: `Rollback to v${version - 1}` }).waitFor();
  // The build's whole output, with the buildpacks' `-----> ` steps.
  await page.getByRole('button', { name: /Show the output of the build/ }).first().click();
  await page.locator('pre.output', { hasText: '-----> ' }).waitFor();
  await shot('deploy');

  step('logs: a request, and an app logging markup, appear live and as text');
  await tab('Logs');
  await page.locator('pre.log').waitFor();
  await page.waitForTimeout(500); // the stream is open
  check((await request('/say/%3Cscript%3Ealert(%22log%22)%3C%2Fscript%3E')) === 200, 'the app answered');
  await page.locator('pre.log', { hasText: 'app[web.' }).filter({ hasText: '<script>alert("log")</script>' }).waitFor();
  await page.locator('pre.log', { hasText: /heroku\[router\]: at=info method=GET path="\/say\// }).waitFor();
  check((await page.locator('pre.log script').count()) === 0, 'no script element in the log');
  await page.getByRole('button', { name: 'Pause' }).click();
  await shot('logs');
  await page.getByRole('button', { name: 'Resume' }).click();

  step('metrics: the requests show in the charts');
  for (let i = 0; i < 5; i++) await request('/');
  await tab('Metrics');
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-requests]');
    return s && Number(s.dataset.requests) >= 6 && document.querySelectorAll('.uplot').length >= 4;
  }, null, { timeout: 60000 });
  await page.getByRole('radio', { name: '24h' }).check();
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-requests]');
    return s?.dataset.zoom === '24h' && Number(s.dataset.requests) >= 6;
  }, null, { timeout: 30000 });
  await page.getByRole('radio', { name: '1h' }).check();
  await shot('metrics');

  step('timeline: a crash on purpose, explained');
  await tab('Timeline');
  await page.getByRole('button', { name: 'Kill dyno (crash)' }).click();
  const crash = page.locator('.timeline li.kind-crash', { hasText: 'crashed' }).first();
  await crash.waitFor({ timeout: 60000 });
  check(/restarted at once/.test(await crash.innerText()), 'the first crash is explained (CRASH-2)');
  await page.locator('.timeline li.kind-up').first().waitFor();
  // buildpack → slug → release → dynos: the build that made the slug is there too.
  await page.locator('.timeline li.kind-build', { hasText: /Build( of \w+)? succeeded/ }).filter({ hasText: 'bin/compile' }).waitFor();
  await shot('timeline');

  step('pipelines: promote to production');
  await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Pipelines' }).click();
  await page.getByRole('heading', { name: 'Pipelines', level: 1 }).waitFor();
  await page.getByRole('button', { name: `Promote ${app} to production` }).click();
  await page.locator('.stage[aria-label$="production"] .card', { hasText: target })
    .filter({ hasText: `Promote ${app} v` }).waitFor();
  await shot('pipelines');

  step('a phone\'s width: nothing wider than the screen');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}#/apps/${app}/resources`);
  await page.locator('ul[aria-label="web dynos"] li').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `the page is ${overflow} px wider than the phone's screen`);
  await shot('resources-phone');

  step('log out: the login page again');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login$/);
  await page.goto(base);
  check(new URL(page.url()).pathname === '/login', 'logged out');

  check(problems.length === 0, `no JavaScript errors or dialogs:\n${problems.join('\n')}`);
  console.log('walkthrough: ok');
} catch (e) {
  console.log(e.message);
  await page?.screenshot({ path: path.join(artefacts, 'failure.png'), fullPage: true }).catch(() => {});
  if (problems.length) console.log(problems.join('\n'));
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);
