// Contract run: real requests, success and error cases for every operation
// in the host's /openapi.json, sent through Stoplight Prism's validating
// proxy to a live wno-host. Any response that does not match the document
// (status not declared, wrong content type, body not matching its schema,
// or a valid request the document calls invalid) is a mismatch; so is an
// operation the run did not exercise.
//
// usage: node contract.mjs --host BINARY --config FILE --out DIR [--production]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startHost, startPostgres, startProcess, startRedis, stopAll, tempDir, waitFor } from './support/processes.mjs';
import { filterValue, fullBody, resolve, valueFor } from './support/schema_values.mjs';
import SwaggerParser from '@apidevtools/swagger-parser';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { host: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' }, production: { type: 'boolean' } },
});
const ADMIN_KEY = 'contract-admin-key';

async function startServices() {
  const env = { WNO_ADMIN_KEY: ADMIN_KEY, WNO_CURSOR_SECRET: 'contract-cursor-secret-0123456789' };
  const plugins = resolvePath(dirname(args.host), '..', 'lib', 'wno', 'plugins');
  if (args.production) {
    const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    Object.assign(env, { WNO_DATABASE_URL: pg.url, WNO_REDIS_URL: redis.url, WNO_PLUGIN_DIR: plugins });
  }
  const cwd = tempDir('wno-contract-');
  const host = await startHost({ binary: args.host, config: resolvePath(args.config), env, cwd });
  const port = await freePort();
  const docPath = join(cwd, 'openapi.json');
  const doc = await (await fetch(`${host.url}/openapi.json`)).json();
  writeFileSync(docPath, JSON.stringify(doc, null, 2));
  const prismBin = join(here, 'node_modules', '.bin', 'prism');
  const prism = startProcess('prism', prismBin,
    ['proxy', docPath, host.url, '--host', '127.0.0.1', '--port', String(port), '--errors', 'false']);
  const logs = prism.logs;
  await waitFor('prism proxy', async () => {
    if (prism.exited) throw new Error(`prism exited: ${logs.join('').slice(-3000)}`);
    await fetch(`http://127.0.0.1:${port}/livez`);
    return true;
  }, 120000);
  return { host, doc, proxy: `http://127.0.0.1:${port}`, prismLogs: logs };
}

// ---------------------------------------------------------------- the run

const results = [];  // { op, name, status, expected, error, violations[], mismatches[] }

function operationOf(doc, method, path) {
  const clean = path.split('?')[0];
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(clean) && doc.paths[template][method.toLowerCase()]) {
      // Literal paths win over templated ones, as in the host and in Prism.
      const literal = Object.keys(doc.paths).find((t) => t === clean && doc.paths[t][method.toLowerCase()]);
      return `${method} ${literal ?? template}`;
    }
  }
  return `${method} ${clean} (not in the document)`;
}

async function send(ctx, { name, method = 'GET', path, headers = {}, body, expect, error = false, auth = true, raw }) {
  const h = { ...headers };
  if (auth && path.startsWith('/admin/')) h.Authorization = `Bearer ${ADMIN_KEY}`;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    h['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const response = await fetch(`${ctx.proxy}${path}`, { method, headers: h, body: payload });
  const text = await response.text();
  const violations = JSON.parse(response.headers.get('sl-violations') ?? '[]');
  const expected = Array.isArray(expect) ? expect : [expect];
  const mismatches = [];
  if (!expected.includes(response.status)) mismatches.push(`status ${response.status}, expected ${expected.join('|')}: ${text.slice(0, 300)}`);
  for (const v of violations) {
    const where = (v.location ?? []).join('.');
    const isRequest = where.startsWith('request');
    // A deliberately invalid request is expected to be called invalid.
    if (isRequest && error) continue;
    mismatches.push(`${v.severity ?? ''} ${where}: ${v.message}`);
  }
  const result = { op: operationOf(ctx.doc, method, path), name, method, path, status: response.status, error, violations, mismatches };
  results.push(result);
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: response.status, headers: response.headers, json, text };
}

async function collectionCases(ctx, name) {
  const doc = ctx.doc;
  const base = `/api/v1/${name}`;
  const paths = doc.paths;
  const schemaName = resolveName(doc, name);
  const one = paths[`${base}/{id}`] ?? {};
  const list = paths[base] ?? {};
  let created;
  if (list.post) {
    const bodySchema = list.post.requestBody.content['application/json'].schema;
    const r = await send(ctx, { name: `${name}: create`, method: 'POST', path: base, body: fullBody(doc, bodySchema), expect: 201 });
    created = r.json;
    await send(ctx, { name: `${name}: create with an unknown field`, method: 'POST', path: base,
      body: { ...fullBody(doc, bodySchema), no_such_field: 1 }, expect: 400, error: true });
    await send(ctx, { name: `${name}: create with malformed JSON`, method: 'POST', path: base, raw: '{"a":', expect: 400, error: true });
    const required = resolve(doc, bodySchema).required ?? [];
    if (required.length) {
      const body = fullBody(doc, bodySchema);
      delete body[required[0]];
      await send(ctx, { name: `${name}: create without ${required[0]}`, method: 'POST', path: base, body, expect: 400, error: true });
    }
  }
  const bulk = paths[`${base}/bulk`]?.post;
  if (bulk) {
    const item = bulk.requestBody.content['application/json'].schema.items;
    const r = await send(ctx, { name: `${name}: bulk create`, method: 'POST', path: `${base}/bulk`,
      body: [fullBody(doc, item), fullBody(doc, item)], expect: 201 });
    if (!created && r.json?.ids?.length) created = { id: r.json.ids[0] };
    await send(ctx, { name: `${name}: bulk with an empty array`, method: 'POST', path: `${base}/bulk`, body: [], expect: 400, error: true });
    await send(ctx, { name: `${name}: bulk with a bad row`, method: 'POST', path: `${base}/bulk`,
      body: [fullBody(doc, item), { no_such_field: true }], expect: 400, error: true });
  }
  if (list.get) {
    const r = await send(ctx, { name: `${name}: list`, path: `${base}?limit=1`, expect: 200 });
    if (r.json?.next_cursor) {
      await send(ctx, { name: `${name}: next page`, path: `${base}?limit=1&cursor=${encodeURIComponent(r.json.next_cursor)}`, expect: 200 });
    }
    const etag = r.headers.get('etag');
    if (etag) await send(ctx, { name: `${name}: list not modified`, path: `${base}?limit=1`, headers: { 'If-None-Match': etag }, expect: 304 });
    for (const p of list.get.parameters.filter((p) => p['x-wno-operators'])) {
      await send(ctx, { name: `${name}: filter ${p.name}`, path: `${base}?${p.name}=${encodeURIComponent(filterValue(doc, p, created))}`, expect: 200 });
      await send(ctx, { name: `${name}: filter ${p.name} is.notnull`, path: `${base}?${p.name}=is.notnull&limit=2`, expect: 200 });
      await send(ctx, { name: `${name}: filter ${p.name} with a bad operator value`, path: `${base}?${p.name}=is.maybe`, expect: 400, error: true });
    }
    const sortable = list.get.parameters.find((p) => p.name === 'sort').description.match(/Sortable: ([^.]+)\./)[1].split('|');
    const key = sortable.find((f) => f !== 'id') ?? 'id';
    await send(ctx, { name: `${name}: sort`, path: `${base}?sort=-${key}&fields=id,created_at&limit=5`, expect: 200 });
    await send(ctx, { name: `${name}: sort on a field that is not sortable`, path: `${base}?sort=no_such_field`, expect: 400, error: true });
    await send(ctx, { name: `${name}: limit above the maximum`, path: `${base}?limit=100000`, expect: 400, error: true });
    await send(ctx, { name: `${name}: tampered cursor`, path: `${base}?cursor=not-a-cursor`, expect: 400, error: true });
    await send(ctx, { name: `${name}: unknown parameter`, path: `${base}?no_such_param=1`, expect: 400, error: true });
  }
  if (one.get && created) {
    const r = await send(ctx, { name: `${name}: get`, path: `${base}/${created.id}`, expect: 200 });
    const etag = r.headers.get('etag');
    await send(ctx, { name: `${name}: get not modified`, path: `${base}/${created.id}`, headers: { 'If-None-Match': etag ?? '"x"' }, expect: 304 });
    await send(ctx, { name: `${name}: get fields`, path: `${base}/${created.id}?fields=id,created_at`, expect: 200 });
  }
  if (one.get) {
    await send(ctx, { name: `${name}: get a missing row`, path: `${base}/999999999`, expect: 404, error: true });
    await send(ctx, { name: `${name}: get with a bad id`, path: `${base}/abc`, expect: 400, error: true });
  }
  if (one.patch && created) {
    const patchSchema = one.patch.requestBody.content['application/json'].schema;
    const props = Object.entries(resolve(doc, patchSchema).properties);
    const [field, fieldSchema] = props.find(([n]) => !resolve(doc, resolve(doc, doc.components.schemas[`${schemaName}`]).properties[n]).description?.includes('unique')) ?? props[0];
    const patch = { [field]: valueFor(doc, fieldSchema, field) };
    const current = await fetch(`${ctx.host.url}${base}/${created.id}`);
    const etag = current.headers.get('etag');
    await send(ctx, { name: `${name}: patch`, method: 'PATCH', path: `${base}/${created.id}`, headers: { 'If-Match': etag }, body: patch, expect: 200 });
    await send(ctx, { name: `${name}: patch with a stale ETag`, method: 'PATCH', path: `${base}/${created.id}`, headers: { 'If-Match': etag }, body: patch, expect: 412, error: true });
    await send(ctx, { name: `${name}: patch without If-Match`, method: 'PATCH', path: `${base}/${created.id}`, body: patch, expect: 428, error: true });
    await send(ctx, { name: `${name}: patch with an empty body`, method: 'PATCH', path: `${base}/${created.id}`, headers: { 'If-Match': '*' }, body: {}, expect: 400, error: true });
    await send(ctx, { name: `${name}: patch a missing row`, method: 'PATCH', path: `${base}/999999999`, headers: { 'If-Match': '*' }, body: patch, expect: 404, error: true });
  }
  if (one.delete && created) {
    await send(ctx, { name: `${name}: delete`, method: 'DELETE', path: `${base}/${created.id}`, expect: 204 });
    await send(ctx, { name: `${name}: delete again`, method: 'DELETE', path: `${base}/${created.id}`, expect: 404, error: true });
    await send(ctx, { name: `${name}: delete with a bad id`, method: 'DELETE', path: `${base}/0`, expect: 400, error: true });
  }
  await filterWriteCases(ctx, name, created);
}

// PATCH and DELETE /{c}?<filter>&limit=N on a row of their own (created
// here when the collection allows it), newest first so it is the one hit.
async function filterWriteCases(ctx, name, created) {
  const doc = ctx.doc;
  const base = `/api/v1/${name}`;
  const list = doc.paths[base] ?? {};
  if (!list.patch && !list.delete) return;
  let row = created;
  if (list.post) {
    const bodySchema = list.post.requestBody.content['application/json'].schema;
    row = (await fetch(`${ctx.host.url}${base}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(fullBody(doc, bodySchema)) }).then((r) => r.json()));
  }
  const filters = (list.patch ?? list.delete).parameters.filter((p) => p['x-wno-operators']);
  const param = filters.find((p) => row?.[p.name] !== undefined && row[p.name] !== null && typeof row[p.name] !== 'object') ?? filters[0];
  if (!param) return;
  const where = `${param.name}=${encodeURIComponent(filterValue(doc, param, row))}&sort=-id`;
  if (list.patch) {
    const patchSchema = list.patch.requestBody.content['application/json'].schema;
    const props = Object.entries(resolve(doc, patchSchema).properties);
    const entity = resolve(doc, doc.components.schemas[resolveName(doc, name)]);
    const [field, fieldSchema] = props.find(([n]) => !resolve(doc, entity.properties[n]).description?.includes('unique')) ?? props[0];
    const patch = { [field]: valueFor(doc, fieldSchema, field) };
    await send(ctx, { name: `${name}: patch by filter`, method: 'PATCH', path: `${base}?${where}&limit=1`, body: patch, expect: 200 });
    await send(ctx, { name: `${name}: patch by filter, returning the rows`, method: 'PATCH', path: `${base}?${where}&limit=1`,
      headers: { Prefer: 'return=representation' }, body: patch, expect: 200 });
    await send(ctx, { name: `${name}: patch by filter without a limit`, method: 'PATCH', path: `${base}?${where}`, body: patch, expect: 400, error: true });
    await send(ctx, { name: `${name}: patch by filter without a filter`, method: 'PATCH', path: `${base}?limit=1`, body: patch, expect: 400, error: true });
    await send(ctx, { name: `${name}: patch by filter above the maximum limit`, method: 'PATCH', path: `${base}?${where}&limit=100000`, body: patch, expect: 400, error: true });
  }
  if (list.delete) {
    await send(ctx, { name: `${name}: delete by filter without a filter`, method: 'DELETE', path: `${base}?limit=1`, expect: 400, error: true });
    await send(ctx, { name: `${name}: delete by filter`, method: 'DELETE', path: `${base}?${where}&limit=1`,
      headers: { Prefer: 'return=representation' }, expect: 200 });
  }
}

function resolveName(doc, collection) {
  return collection.split('_').map((s) => s[0].toUpperCase() + s.slice(1)).join('');
}

async function userStatsCases(ctx) {
  if (!ctx.doc.paths['/api/v1/users/{id}/stats']) return;
  const user = await send(ctx, { name: 'users: create for stats', method: 'POST', path: '/api/v1/users',
    body: { username: `stats-${Date.now()}` }, expect: 201 });
  await send(ctx, { name: 'users: stats', path: `/api/v1/users/${user.json.id}/stats`, expect: 200 });
  await send(ctx, { name: 'users: stats of a missing user', path: '/api/v1/users/999999999/stats', expect: 404, error: true });
  await send(ctx, { name: 'users: stats with a bad id', path: '/api/v1/users/x/stats', expect: 400, error: true });
}

async function waitForJob(ctx, id, states) {
  let job;
  await waitFor(`job ${id} to reach ${states}`, async () => {
    job = await (await fetch(`${ctx.host.url}/api/v1/jobs/${id}`)).json();
    return states.includes(job.state);
  });
  return job;
}

async function jobCases(ctx) {
  const doc = ctx.doc;
  if (!doc.paths['/api/v1/jobs']) return;
  const types = resolve(doc, doc.components.schemas.JobRequest).properties.type.enum;
  const queues = resolve(doc, doc.components.schemas.JobRequest).properties.queue.enum;
  const type = types.includes('process_content') ? 'process_content' : types[0];
  const jobId = `contract-${Date.now()}`;
  // Valid data for the type (process_content declares content_id), for the
  // cases that are not about data; moderation of a row that does not exist fails.
  const data = type === 'process_content' ? { content_id: 999999999 } : {};
  // A job whose data its handler refuses fails for good: the failed job the retry cases need.
  const failing = await send(ctx, { name: 'jobs: enqueue', method: 'POST', path: '/api/v1/jobs',
    body: { type, data, attempts: 1, job_id: jobId, priority: 'high',
            backoff: { type: 'fixed', delay_ms: 10 } }, expect: 201 });
  await send(ctx, { name: 'jobs: enqueue the same job_id', method: 'POST', path: '/api/v1/jobs', body: { type, data, job_id: jobId }, expect: 200 });
  if (type === 'process_content') {
    await send(ctx, { name: 'jobs: enqueue with data its handler refuses', method: 'POST', path: '/api/v1/jobs',
      body: { type, data: { content_id: [1] } }, expect: 400, error: true });
  }
  await send(ctx, { name: 'jobs: enqueue an unknown type', method: 'POST', path: '/api/v1/jobs', body: { type: 'no_such_type' }, expect: 400, error: true });
  await send(ctx, { name: 'jobs: enqueue with an unknown member', method: 'POST', path: '/api/v1/jobs', body: { type, data, colour: 'red' }, expect: 400, error: true });
  await send(ctx, { name: 'jobs: enqueue with a bad priority', method: 'POST', path: '/api/v1/jobs', body: { type, data, priority: 'urgent' }, expect: 400, error: true });
  const delayed = await send(ctx, { name: 'jobs: enqueue delayed', method: 'POST', path: '/api/v1/jobs',
    body: { type, delay_ms: 3600000, queue: queues[0], data }, expect: 201 });
  await send(ctx, { name: 'jobs: bulk enqueue', method: 'POST', path: '/api/v1/jobs/bulk',
    body: [{ type, data, delay_ms: 3600000 }, { type, data, job_id: jobId }], expect: 200 });
  // Each item answers for itself: one bad item is refused in the 200 body.
  await send(ctx, { name: 'jobs: bulk enqueue with an invalid item', method: 'POST', path: '/api/v1/jobs/bulk',
    body: [{ type, data, delay_ms: 3600000 }, { type: 'no_such_type' }], expect: 200, error: true });
  await send(ctx, { name: 'jobs: bulk enqueue a non-array', method: 'POST', path: '/api/v1/jobs/bulk', body: { type, data }, expect: 400, error: true });
  await send(ctx, { name: 'jobs: get', path: `/api/v1/jobs/${failing.json.id}`, expect: 200 });
  await send(ctx, { name: 'jobs: get a missing job', path: '/api/v1/jobs/no-such-job', expect: 404, error: true });
  const page = await send(ctx, { name: 'jobs: list', path: `/api/v1/jobs?limit=1&queue=${queues[0]}&type=${type}`, expect: 200 });
  if (page.json?.next_cursor) {
    await send(ctx, { name: 'jobs: list next page', path: `/api/v1/jobs?limit=1&queue=${queues[0]}&type=${type}&cursor=${encodeURIComponent(page.json.next_cursor)}`, expect: 200 });
  }
  await send(ctx, { name: 'jobs: list with a bad state', path: '/api/v1/jobs?state=sleeping', expect: 400, error: true });
  await send(ctx, { name: 'jobs: list with a bad limit', path: '/api/v1/jobs?limit=0', expect: 400, error: true });
  await send(ctx, { name: 'jobs: list with an unknown queue', path: '/api/v1/jobs?queue=no_such_queue', expect: 400, error: true });
  await send(ctx, { name: 'jobs: cancel', method: 'POST', path: `/api/v1/jobs/${delayed.json.id}/cancel`, expect: 200 });
  await send(ctx, { name: 'jobs: cancel a cancelled job', method: 'POST', path: `/api/v1/jobs/${delayed.json.id}/cancel`, expect: 409, error: true });
  await send(ctx, { name: 'jobs: cancel a missing job', method: 'POST', path: '/api/v1/jobs/no-such-job/cancel', expect: 404, error: true });
  await waitForJob(ctx, failing.json.id, ['failed']);
  await send(ctx, { name: 'jobs: list failed', path: '/api/v1/jobs?state=failed', expect: 200 });
  await send(ctx, { name: 'jobs: retry a failed job', method: 'POST', path: `/api/v1/jobs/${failing.json.id}/retry`, expect: 200 });
  const waiting = await send(ctx, { name: 'jobs: enqueue to retry too early', method: 'POST', path: '/api/v1/jobs',
    body: { type, data, delay_ms: 3600000 }, expect: 201 });
  await send(ctx, { name: 'jobs: retry a waiting job', method: 'POST', path: `/api/v1/jobs/${waiting.json.id}/retry`, expect: 409, error: true });
  await send(ctx, { name: 'jobs: retry a missing job', method: 'POST', path: '/api/v1/jobs/no-such-job/retry', expect: 404, error: true });
  await send(ctx, { name: 'jobs: queues', path: '/api/v1/queues', expect: 200 });
}

async function systemCases(ctx) {
  await send(ctx, { name: 'livez', path: '/livez', expect: 200 });
  await send(ctx, { name: 'livez verbose', path: '/livez?verbose', expect: 200 });
  await send(ctx, { name: 'readyz', path: '/readyz', expect: 200 });
  await send(ctx, { name: 'readyz verbose', path: '/readyz?verbose', expect: 200 });
  await send(ctx, { name: 'health', path: '/health', expect: 200 });
  await send(ctx, { name: 'health history', path: '/health/history', expect: 200 });
  await send(ctx, { name: 'metrics', path: '/metrics', expect: 200 });
  const r = await send(ctx, { name: 'openapi', path: '/openapi.json', expect: 200 });
  await send(ctx, { name: 'openapi not modified', path: '/openapi.json', headers: { 'If-None-Match': r.headers.get('etag') }, expect: 304 });
  await send(ctx, { name: 'unknown route', path: '/api/v2/nothing', expect: 404, error: true });
}

async function adminCases(ctx) {
  await send(ctx, { name: 'admin: plugins', path: '/admin/plugins', expect: 200 });
  await send(ctx, { name: 'admin: plugins without the key', path: '/admin/plugins', auth: false, expect: 401, error: true });
  await send(ctx, { name: 'admin: plugins with a wrong key', path: '/admin/plugins', auth: false,
    headers: { Authorization: 'Bearer wrong' }, expect: 401, error: true });
  await send(ctx, { name: 'admin: cache stats', path: '/admin/cache/stats', expect: 200 });
  await send(ctx, { name: 'admin: cache stats without the key', path: '/admin/cache/stats', auth: false, expect: 401, error: true });
  await send(ctx, { name: 'admin: invalidate', method: 'POST', path: '/admin/cache/invalidate', body: { tags: ['users'] }, expect: 200 });
  await send(ctx, { name: 'admin: invalidate without tags', method: 'POST', path: '/admin/cache/invalidate', body: { tag: 'users' }, expect: 400, error: true });
  await send(ctx, { name: 'admin: invalidate an empty tag', method: 'POST', path: '/admin/cache/invalidate', body: { tags: [''] }, expect: 400, error: true });
  await send(ctx, { name: 'admin: invalidate without the key', method: 'POST', path: '/admin/cache/invalidate', auth: false,
    body: { tags: ['users'] }, expect: 401, error: true });
  await send(ctx, { name: 'admin: dashboard page', path: '/admin/ui', auth: false, expect: 200 });
}

// Every operation in the document was answered with success at least once,
// and every one that declares a client error of its own was sent one.
function coverage(doc) {
  const missing = [];
  const shared = new Set(['413', '429', '503', 'default']);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      const op = `${method.toUpperCase()} ${path}`;
      const declared = Object.keys(item[method].responses);
      const sent = results.filter((r) => r.op === op);
      if (!sent.some((r) => r.status < 400)) missing.push(`${op}: no success case`);
      const ownErrors = declared.filter((s) => /^4/.test(s) && !shared.has(s) && s !== '401');
      if (ownErrors.length && !sent.some((r) => r.status >= 400)) missing.push(`${op}: no error case (declares ${ownErrors.join(', ')})`);
    }
  }
  return missing;
}

let ctx;
let exitCode = 1;
try {
  ctx = await startServices();
  // The third-party validator first: a document that is not valid OpenAPI
  // 3.1 fails here, before any request.
  const validated = await SwaggerParser.validate(structuredClone(ctx.doc));
  console.log(`swagger-parser: ${args.config}: valid OpenAPI ${validated.openapi} ` +
              `(${Object.keys(validated.paths).length} paths, ${Object.keys(validated.components.schemas).length} schemas)`);
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, 'openapi.json'), JSON.stringify(ctx.doc, null, 2));
  }
  for (const path of Object.keys(ctx.doc.paths)) {
    const m = path.match(/^\/api\/v1\/([a-z_][a-z0-9_]*)$/);
    if (m && m[1] !== 'jobs' && m[1] !== 'queues') await collectionCases(ctx, m[1]);
  }
  await userStatsCases(ctx);
  await jobCases(ctx);
  await systemCases(ctx);
  await adminCases(ctx);
  const uncovered = coverage(ctx.doc);
  const mismatched = results.filter((r) => r.mismatches.length);
  for (const r of mismatched) console.log(`MISMATCH ${r.name} (${r.method} ${r.path} -> ${r.status}):\n  ${r.mismatches.join('\n  ')}`);
  for (const u of uncovered) console.log(`NOT COVERED ${u}`);
  const operations = Object.values(ctx.doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  const summary = {
    config: args.config,
    operations,
    requests: results.length,
    success_cases: results.filter((r) => !r.error).length,
    error_cases: results.filter((r) => r.error).length,
    mismatches: mismatched.length,
    uncovered: uncovered.length,
  };
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, 'contract-results.json'), JSON.stringify({ summary, results }, null, 2));
  }
  console.log(`contract ${args.config}: ${summary.requests} requests checked (${summary.success_cases} success, ${summary.error_cases} error cases) ` +
              `over ${operations} operations through prism proxy; ${summary.mismatches} mismatches, ${summary.uncovered} operations not covered`);
  exitCode = summary.mismatches === 0 && summary.uncovered === 0 ? 0 : 1;
} catch (e) {
  console.error(`contract run failed: ${e.stack ?? e}`);
  if (ctx) console.error(ctx.prismLogs.join('').slice(-3000));
} finally {
  for (const failure of await stopAll()) {
    console.log(`FAIL ${failure}`);
    exitCode = 1;
  }
}
process.exit(exitCode);
