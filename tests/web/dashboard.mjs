// The dashboard in a real browser: Debian's chromium, headless, driven by
// puppeteer-core (which never downloads a browser) against a live wno-host
// on config/default.json with an admin key. It signs in, finds a failed
// job, presses Retry and watches it complete, invalidates a cache tag and
// sees the count, and saves a screenshot of every page (laptop and phone
// widths) under --out. Any console error, page error or failed request
// fails the run.
//
// usage: node dashboard.mjs --host BINARY --config FILE --out DIR [--chromium PATH]
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import { startHost, stopAll, tempDir, waitFor } from './support/processes.mjs';

const { values: args } = parseArgs({
  options: { host: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' },
             chromium: { type: 'string', default: '/usr/bin/chromium' } },
});
const ADMIN_KEY = 'dashboard-test-key';
const out = resolve(args.out);
mkdirSync(out, { recursive: true });

const problems = [];  // console errors, page errors, failed requests
const steps = [];
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    steps.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    steps.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e.message}`);
    throw e;
  }
}

async function json(host, path, options = {}) {
  const r = await fetch(`${host.url}${path}`, {
    ...options,
    headers: { 'Content-Type': 'application/json', ...(options.headers || {}) },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  if (!r.ok) throw new Error(`${options.method || 'GET'} ${path}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}

let browser;
let exitCode = 1;
try {
  const cwd = tempDir('wno-dashboard-');
  // One optional plugin that is not installed: the plugins page lists it as refused, with the reason.
  const host = await startHost({ binary: args.host, config: resolve(args.config), cwd,
                                 sets: ['/plugins/load/7={"name":"not_installed","required":false}'],
                                 env: { WNO_ADMIN_KEY: ADMIN_KEY, WNO_CURSOR_SECRET: 'dashboard-cursor-secret-0123456789' } });

  // The failed job the operator retries: moderation of content 1 before
  // content 1 exists fails for good ("does not exist"); once the row is
  // there, a retry completes it.
  const job = await json(host, '/api/v1/jobs', { method: 'POST',
    body: { type: 'process_content', data: { content_id: 1 }, attempts: 1, job_id: 'moderate-content-1' } });
  await waitFor('the job to fail', async () => (await json(host, `/api/v1/jobs/${job.id}`)).state === 'failed');
  const user = await json(host, '/api/v1/users', { method: 'POST', body: { username: 'dashboard-user' } });
  // Read twice: the second read is a cache hit, so region "users" has entries to invalidate.
  await json(host, `/api/v1/users/${user.id}`);
  await json(host, `/api/v1/users/${user.id}`);

  browser = await puppeteer.launch({
    executablePath: args.chromium,
    headless: true,
    userDataDir: tempDir('wno-chromium-'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()} ${JSON.stringify(m.location())}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    // Every request the dashboard makes must succeed (a 401 or 500 is a bug).
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  await page.setViewport({ width: 1280, height: 900 });
  const shot = (name) => page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  const text = (selector) => page.$eval(selector, (el) => el.textContent.trim());

  await step('the login form asks for the key, and the key never goes in a URL', async () => {
    await page.goto(`${host.url}/admin/ui`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#login-form', { visible: true });
    if (!(await page.$eval('#nav', (el) => el.hidden))) throw new Error('the navigation shows before signing in');
    await shot('login');
    await page.type('#key', ADMIN_KEY);
    await Promise.all([page.waitForSelector('#nav', { visible: true }), page.click('#login-form button[type=submit]')]);
    if (page.url().includes(ADMIN_KEY)) throw new Error(`the key is in the URL: ${page.url()}`);
  });

  await step('overview: health, load factor with signals and history, probes, breakers, resources', async () => {
    await page.waitForFunction(() => ['up', 'degraded', 'down'].includes(document.getElementById('health-status').textContent));
    await page.waitForSelector('#signals tbody tr td');
    await page.waitForSelector('#probes tbody tr td');
    // The chart draws once the host has two load samples (one a second).
    await page.waitForSelector('#load-chart polyline', { timeout: 15000 });
    const probes = await page.$$eval('#probes tbody tr', (rows) => rows.map((r) => r.cells[0].textContent));
    if (!probes.some((p) => p.startsWith('cpu'))) throw new Error(`probe cpu missing: ${probes}`);
    const resources = await page.$$eval('#resources dt', (dts) => dts.length);
    if (resources === 0) throw new Error('no process resources shown');
    await shot('overview');
  });

  await step('queues and jobs: counts, the failed job, its detail', async () => {
    await page.click('a[data-view=jobs]');
    await page.waitForSelector('#queues tbody tr[data-queue=default]');
    await page.waitForFunction(() => Number(document.querySelector('#queues tr[data-queue=default] td[data-state=failed]')?.textContent) >= 1);
    await page.select('#job-filter select[name=state]', 'failed');
    await page.click('#job-filter button[type=submit]');
    await page.waitForSelector(`#jobs tr[data-job="${job.id}"][data-state=failed]`);
    // Clicked inside the page in one turn: polling re-renders the table every
    // 2 s, so a row handle taken earlier may be detached by the time of a click.
    await page.$eval(`#jobs tr[data-job="${job.id}"]`, (row) => row.click());
    await page.waitForFunction(() => document.querySelector('[data-testid=job-state]')?.textContent === 'failed');
    const error = await text('#job-error');
    if (!error.includes('does not exist')) throw new Error(`last error not shown: ${error}`);
    await shot('jobs-failed');
  });

  await step('retry: the failed job runs again and completes', async () => {
    await json(host, '/api/v1/contents', { method: 'POST', body: { user_id: user.id, kind: 'text', body: 'gm, wild ones' } });
    await page.waitForFunction(() => !document.getElementById('job-retry').disabled);
    await page.click('#job-retry');
    await page.waitForFunction(() => document.querySelector('[data-testid=job-state]')?.textContent === 'completed', { timeout: 30000 });
    const result = await text('#job-result');
    if (!result.includes('"content_id": 1')) throw new Error(`result not shown: ${result}`);
    await shot('jobs-retried');
  });

  await step('cache: stats per region and level, invalidate a tag and see the count', async () => {
    await page.click('a[data-view=cache]');
    await page.waitForSelector('#regions tbody tr[data-region=users]');
    const before = Number(await text('#regions tr[data-region=users] td[data-field=misses]'));
    await page.type('#invalidate-form input[name=tags]', 'users');
    await page.click('#invalidate-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-testid=invalidate-result]').dataset.count !== undefined);
    const count = Number(await page.$eval('[data-testid=invalidate-result]', (el) => el.dataset.count));
    if (!(count >= 1)) throw new Error(`invalidated ${count} entries, expected at least 1`);
    // The next read misses (the entry is gone), and the live table shows it.
    await json(host, `/api/v1/users/${user.id}`);
    await page.waitForFunction((b) => Number(document.querySelector('#regions tr[data-region=users] td[data-field=misses]').textContent) > b,
      { timeout: 15000 }, before);
    await shot('cache');
  });

  await step('plugins: loaded with their components, refused with the reason', async () => {
    await page.click('a[data-view=plugins]');
    await page.waitForSelector('#plugins tbody tr td');
    const names = await page.$$eval('#plugins tbody tr', (rows) => rows.map((r) => r.cells[0].textContent));
    for (const expected of ['memory_cache', 'sqlite', 'process_content']) {
      if (!names.includes(expected)) throw new Error(`plugin ${expected} not listed: ${names}`);
    }
    const refused = await page.$$eval('#refused tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    if (!refused.some(([name, reason]) => name === 'not_installed' && reason.includes('file not found'))) {
      throw new Error(`the refused plugin is not listed with its reason: ${JSON.stringify(refused)}`);
    }
    await shot('plugins');
  });

  await step('readable on a phone', async () => {
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await page.click('a[data-view=overview]');
    await page.waitForSelector('#probes tbody tr td');
    // Wide tables scroll inside their cards; the page itself never does.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - 390);
    if (overflow > 0) throw new Error(`the page is ${overflow}px wider than the phone`);
    await shot('phone-overview');
    await page.click('a[data-view=jobs]');
    await page.waitForSelector('#queues tbody tr');
    const jobsOverflow = await page.evaluate(() => document.documentElement.scrollWidth - 390);
    if (jobsOverflow > 0) throw new Error(`the jobs page is ${jobsOverflow}px wider than the phone`);
    await shot('phone-jobs');
  });

  await step('no console errors, page errors or failed requests', async () => {
    if (problems.length) throw new Error(problems.join('\n'));
  });
  exitCode = 0;
} catch (e) {
  if (!steps.length || steps[steps.length - 1].ok) console.log(`FAIL ${e.stack ?? e}`);
  if (problems.length) console.log(problems.join('\n'));
} finally {
  if (browser) await browser.close();
  for (const failure of await stopAll()) {
    console.log(`FAIL ${failure}`);
    steps.push({ name: 'wno-host exits cleanly', ok: false });
    exitCode = 1;
  }
}
const passed = steps.filter((s) => s.ok).length;
console.log(`dashboard: screenshots in ${out}`);
console.log(`${passed} passed, ${steps.length - passed} failed`);
process.exit(exitCode);
