// The wno dashboard: plain DOM, no framework. Every number comes from the
// host's own API (/health, /api/v1/queues, /api/v1/jobs, /admin/...), read
// with the admin key the operator typed in; views refresh by polling.
'use strict';

const KEY = 'wno-admin-key';
const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);

// Builds an element; strings become text nodes (never HTML), so nothing the
// host returns (job data, error messages) can inject markup.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function table(el, headers, rows) {
  el.replaceChildren(
    h('thead', {}, h('tr', {}, headers.map((c) => h('th', { class: c.num ? 'num' : '' }, c.label ?? c)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'note' }, 'none'))));
}

function facts(el, pairs) {
  el.replaceChildren(...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

const fmt = {
  num: (v, digits = 0) => (typeof v === 'number' ? v.toLocaleString(undefined, { maximumFractionDigits: digits }) : '—'),
  ratio: (v) => (typeof v === 'number' ? v.toFixed(2) : '—'),
  pct: (v) => (typeof v === 'number' && isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—'),
  bytes(v) {
    if (typeof v !== 'number') return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
  },
  time: (v) => (v ? new Date(v).toLocaleString() : '—'),
};

// ------------------------------------------------------------ the API

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  const key = sessionStorage.getItem(KEY);
  if (key) headers.Authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method || 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
    credentials: 'omit',
  });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (response.status === 401) throw new Unauthorized(body?.detail || 'the admin key was refused');
  // /health answers 503 with its usual body when the host is down.
  if (!response.ok && !(options.acceptError && body && typeof body === 'object')) {
    const detail = body && body.detail ? body.detail : `${response.status} ${response.statusText}`;
    throw new Error(`${path}: ${detail}`);
  }
  return body;
}

// ------------------------------------------------------------ views

const views = {
  async overview() {
    const [health, history] = await Promise.all([api('/health', { acceptError: true }), api('/health/history')]);
    const status = $('health-status');
    status.textContent = health.status;
    status.className = `big status-${health.status}`;
    facts($('health-facts'), [
      ['version', health.version], ['plugin ABI', health.abi], ['uptime', `${fmt.num(health.uptime_s)} s`],
      ['accepting', String(health.accepting)], ['shedding', String(health.shedding)],
      ['in flight', fmt.num(health.http_in_flight)],
      ['jobs running here', health.jobs ? fmt.num(health.jobs.running) : '—'],
    ]);
    $('load-value').textContent = fmt.ratio(health.load_factor);
    const signals = Object.entries(health.load?.signals || {});
    table($('signals'), ['signal', { label: 'value', num: true }, { label: 'weight', num: true }],
      signals.map(([name, s]) => h('tr', {}, h('td', {}, name), h('td', { class: 'num' }, fmt.ratio(s.value)),
        h('td', { class: 'num' }, fmt.ratio(s.weight)))));
    drawChart($('load-chart'), history.samples || []);
    table($('probes'), ['probe', 'status', { label: 'latency ms', num: true }, { label: 'age ms', num: true }, { label: 'load', num: true }, 'message'],
      (health.probes || []).map((p) => h('tr', {}, h('td', {}, p.name, p.required ? ' (required)' : ''),
        h('td', { class: `status-${p.status}` }, p.status), h('td', { class: 'num' }, fmt.num(p.latency_ms, 1)),
        h('td', { class: 'num' }, fmt.num(p.age_ms)), h('td', { class: 'num' }, fmt.ratio(p.load)), h('td', {}, p.message || ''))));
    table($('breakers'), ['breaker', 'kind', 'state', { label: 'failures', num: true }],
      (health.breakers || []).map((b) => h('tr', {}, h('td', {}, b.name), h('td', {}, b.kind),
        h('td', {}, h('span', { class: `badge ${b.state}` }, b.state)), h('td', { class: 'num' }, fmt.num(b.consecutive_failures)))));
    facts($('resources'), Object.entries(health.resources || {}).map(([k, v]) =>
      [k.replace(/_/g, ' '), /bytes/.test(k) ? fmt.bytes(v) : typeof v === 'number' ? fmt.num(v, 2) : JSON.stringify(v)]));
  },

  async jobs() {
    const queues = await api('/api/v1/queues');
    const states = ['waiting', 'active', 'completed', 'failed', 'cancelled'];
    const select = document.querySelector('#job-filter select[name=queue]');
    if (select.options.length === 1) {
      for (const q of queues.queues) select.append(h('option', {}, q.name));
    }
    table($('queues'), ['queue', ...states.map((s) => ({ label: s, num: true })), 'rates', 'paused', { label: 'concurrency', num: true }, { label: 'running here', num: true }],
      queues.queues.map((q) => h('tr', { 'data-queue': q.name }, h('td', {}, q.name, q.critical ? ' (critical)' : ''),
        states.map((s) => h('td', { class: 'num', 'data-state': s }, fmt.num(q.counts?.[s] ?? 0))),
        h('td', {}, Object.entries(q.rates || {}).filter(([, v]) => typeof v === 'number')
          .map(([k, v]) => `${k.replace(/_/g, ' ')} ${fmt.num(v, 2)}`).join(', ') || '—'),
        h('td', {}, q.paused ? 'paused' : 'running'), h('td', { class: 'num' }, fmt.num(q.concurrency)),
        h('td', { class: 'num' }, fmt.num(q.running_here)))));
    await loadJobs();
    if (jobState.selected) await showJob(jobState.selected);
  },

  async cache() {
    const stats = await api('/admin/cache/stats');
    table($('levels'), ['level', 'backend', 'circuit', { label: 'timeouts', num: true }, { label: 'errors', num: true }, 'backend stats'],
      (stats.levels || []).map((l) => h('tr', {}, h('td', {}, l.name), h('td', {}, l.backend),
        h('td', {}, h('span', { class: `badge ${l.circuit}` }, l.circuit)), h('td', { class: 'num' }, fmt.num(l.timeouts)),
        h('td', { class: 'num' }, fmt.num(l.errors)),
        h('td', {}, Object.entries(l.stats || {}).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}: ${v}`).join(', ')))));
    const levelNames = (stats.levels || []).map((l) => l.name);
    table($('regions'), ['region', { label: 'hits', num: true }, ...levelNames.map((n) => ({ label: `${n} hits`, num: true })),
      { label: 'misses', num: true }, { label: 'hit rate', num: true }, { label: 'stale served', num: true }, { label: 'TTL ×', num: true }],
      Object.entries(stats.regions || {}).map(([name, r]) => h('tr', { 'data-region': name }, h('td', {}, name),
        h('td', { class: 'num', 'data-field': 'hits' }, fmt.num(r.hits)),
        levelNames.map((n) => h('td', { class: 'num' }, fmt.num(r.hits_by_level?.[n] ?? 0))),
        h('td', { class: 'num', 'data-field': 'misses' }, fmt.num(r.misses)),
        h('td', { class: 'num' }, fmt.pct(r.hits / (r.hits + r.misses))),
        h('td', { class: 'num' }, fmt.num(r.stale_served)), h('td', { class: 'num' }, fmt.ratio(r.ttl_multiplier)))));
  },

  async plugins() {
    const p = await api('/admin/plugins');
    $('host-abi').textContent = `host ABI ${p.host_abi}`;
    table($('plugins'), ['plugin', 'version', 'ABI', 'components', 'path'],
      p.plugins.map((x) => h('tr', {}, h('td', {}, x.name), h('td', {}, x.version), h('td', {}, x.abi),
        h('td', {}, x.components.map((c) => `${c.kind}:${c.name}`).join(', ')), h('td', {}, x.path))));
    table($('refused'), ['plugin', 'reason', 'fix', 'required'],
      p.refused.map((r) => h('tr', {}, h('td', {}, r.name), h('td', {}, r.reason), h('td', {}, r.fix || ''),
        h('td', {}, r.required ? 'yes' : 'no'))));
  },
};

function svgNode(tag, attrs) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

// The load factor over the samples the host keeps: 0 at the bottom, 1 at the top.
function drawChart(svg, samples) {
  const W = 600, H = 120;
  const nodes = [0.25, 0.5, 0.75].map((y) => svgNode('line', { x1: 0, x2: W, y1: H - y * H, y2: H - y * H }));
  if (samples.length > 1) {
    const first = samples[0].at_ms, span = Math.max(1, samples[samples.length - 1].at_ms - first);
    const points = samples.map((s) => `${((s.at_ms - first) / span) * W},${H - Math.min(1, Math.max(0, s.value)) * H}`).join(' ');
    nodes.push(svgNode('polyline', { points, 'data-samples': samples.length }));
  }
  svg.replaceChildren(...nodes);
}

// ------------------------------------------------------------ jobs

const jobState = { cursors: [null], page: 0, next: null, selected: null };

function jobFilter() {
  const form = new FormData($('job-filter'));
  const params = new URLSearchParams({ limit: '20' });
  for (const name of ['state', 'queue', 'type']) {
    const v = String(form.get(name) || '').trim();
    if (v) params.set(name, v);
  }
  return params;
}

async function loadJobs() {
  const params = jobFilter();
  const cursor = jobState.cursors[jobState.page];
  if (cursor) params.set('cursor', cursor);
  const page = await api(`/api/v1/jobs?${params}`);
  jobState.next = page.next_cursor;
  $('jobs-prev').disabled = jobState.page === 0;
  $('jobs-next').disabled = !page.has_more;
  table($('jobs'), ['id', 'type', 'queue', 'state', { label: 'attempts', num: true }, 'created', 'last error'],
    page.data.map((j) => h('tr', { class: `clickable${j.id === jobState.selected ? ' selected' : ''}`, 'data-job': j.id, 'data-state': j.state,
      onclick: () => showJob(j.id) },
      h('td', {}, h('code', {}, j.id)), h('td', {}, j.type), h('td', {}, j.queue),
      h('td', {}, h('span', { class: `badge ${j.state}` }, j.state)),
      h('td', { class: 'num' }, `${j.attempts_made}/${j.max_attempts}`), h('td', {}, fmt.time(j.created_at)),
      h('td', {}, (j.last_error || '').slice(0, 80)))));
}

async function showJob(id) {
  jobState.selected = id;
  const job = await api(`/api/v1/jobs/${encodeURIComponent(id)}`);
  $('job-detail').hidden = false;
  $('job-detail').dataset.state = job.state;
  $('job-id').textContent = job.id;
  facts($('job-facts'), [
    ['type', job.type], ['queue', job.queue], ['priority', job.priority],
    ['state', h('span', { class: `badge ${job.state}`, 'data-testid': 'job-state' }, job.state)],
    ['attempts', `${job.attempts_made} of ${job.max_attempts}`], ['created', fmt.time(job.created_at)],
    ['run at', fmt.time(job.run_at)], ['started', fmt.time(job.started_at)], ['finished', fmt.time(job.finished_at)],
    ['waited', job.wait_ms === null ? '—' : `${fmt.num(job.wait_ms)} ms`], ['ran', job.run_ms === null ? '—' : `${fmt.num(job.run_ms)} ms`],
  ]);
  $('job-data').textContent = JSON.stringify(job.data, null, 2);
  $('job-error').textContent = job.last_error || '—';
  $('job-result').textContent = job.result === null ? '—' : JSON.stringify(job.result, null, 2);
  $('job-retry').disabled = !['failed', 'cancelled'].includes(job.state);
  $('job-cancel').disabled = !['waiting', 'active'].includes(job.state);
  for (const row of document.querySelectorAll('#jobs tr[data-job]')) row.classList.toggle('selected', row.dataset.job === id);
}

async function jobAction(action) {
  const id = jobState.selected;
  if (!id) return;
  try {
    const job = await api(`/api/v1/jobs/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
    $('job-message').textContent = `${action === 'retry' ? 'Retried' : 'Cancelled'}: now ${job.state}`;
  } catch (e) {
    $('job-message').textContent = e.message;
  }
  await refresh();
}

// ------------------------------------------------------------ shell

let current = null;
let timer = null;

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message || '';
}

async function refresh() {
  clearTimeout(timer);
  if (!current) return;
  try {
    await views[current]();
    showError('');
    $('live').classList.remove('stale');
    $('live').textContent = `live · ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    if (e instanceof Unauthorized) return logout(e.message);
    $('live').classList.add('stale');
    showError(e.message);
  }
  // Paused while the tab is hidden; the visibilitychange handler resumes.
  if (!document.hidden) timer = setTimeout(refresh, POLL_MS);
}

function show(view) {
  if (!views[view]) view = 'overview';
  current = view;
  for (const name of Object.keys(views)) $(`view-${name}`).hidden = name !== view;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === view);
  refresh();
}

function signedIn(yes) {
  $('login').hidden = yes;
  $('nav').hidden = !yes;
  $('live').hidden = !yes;
  $('logout').hidden = !yes;
  if (!yes) {
    current = null;
    clearTimeout(timer);
    for (const name of Object.keys(views)) $(`view-${name}`).hidden = true;
  }
}

function logout(message) {
  sessionStorage.removeItem(KEY);
  signedIn(false);
  $('login-error').textContent = message || '';
}

async function login(event) {
  event.preventDefault();
  const key = $('key').value;
  $('key').value = '';
  sessionStorage.setItem(KEY, key);
  try {
    await api('/admin/plugins');
  } catch (e) {
    return logout(e instanceof Unauthorized ? 'That key was refused.' : e.message);
  }
  $('login-error').textContent = '';
  signedIn(true);
  show(location.hash.slice(1));
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => logout());
  window.addEventListener('hashchange', () => { if (!$('nav').hidden) show(location.hash.slice(1)); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  $('job-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(jobState, { cursors: [null], page: 0 });
    refresh();
  });
  $('jobs-next').addEventListener('click', () => {
    if (!jobState.next) return;
    jobState.cursors[jobState.page + 1] = jobState.next;
    jobState.page++;
    refresh();
  });
  $('jobs-prev').addEventListener('click', () => {
    if (jobState.page === 0) return;
    jobState.page--;
    refresh();
  });
  $('job-retry').addEventListener('click', () => jobAction('retry'));
  $('job-cancel').addEventListener('click', () => jobAction('cancel'));
  $('invalidate-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const tags = String(new FormData(e.target).get('tags')).split(',').map((t) => t.trim()).filter(Boolean);
    try {
      const r = await api('/admin/cache/invalidate', { method: 'POST', body: { tags } });
      $('invalidate-result').textContent = `Invalidated ${r.invalidated} ${r.invalidated === 1 ? 'entry' : 'entries'} tagged ${tags.join(', ')}`;
      $('invalidate-result').dataset.count = r.invalidated;
    } catch (err) {
      if (err instanceof Unauthorized) return logout(err.message);
      $('invalidate-result').textContent = err.message;
    }
    refresh();
  });
  if (sessionStorage.getItem(KEY) !== null) {
    // A reload of a signed-in tab: check the key is still good.
    api('/admin/plugins').then(() => { signedIn(true); show(location.hash.slice(1)); },
      (e) => logout(e instanceof Unauthorized ? 'Sign in again.' : e.message));
  } else {
    signedIn(false);
  }
});
