// Real processes for the web tests: wno-host on a free loopback port, and
// throwaway PostgreSQL and Redis servers for the production config. Each
// start function returns an object with stop(); stopAll() stops everything
// this process started (only those: never by name).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const started = [];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  started.push({ stop: async () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls until `check` returns true or `timeoutMs` passes (then throws with `what`).
export async function waitFor(what, check, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function track(child, name, logs) {
  child.stdout?.on('data', (d) => logs.push(d.toString()));
  child.stderr?.on('data', (d) => logs.push(d.toString()));
  const entry = {
    name,
    child,
    logs,
    exited: false,
    exit: null,  // { code, signal } once it has exited
    async stop() {
      if (!entry.exited) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 20000);
        await new Promise((r) => child.once('exit', r));
        clearTimeout(killer);
      }
      return entry.exit;
    },
  };
  child.once('exit', (code, signal) => { entry.exited = true; entry.exit = { code, signal }; });
  child.once('error', (e) => { entry.exited = true; logs.push(`cannot start ${name}: ${e.message}`); });
  started.push(entry);
  return entry;
}

// Any other process the tests need (the Prism proxy): stopped by stopAll().
export function startProcess(name, command, args, options = {}) {
  const logs = [];
  return track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }), name, logs);
}

// wno-host on `config` (a path) with `sets` (--set overrides) and `env`;
// resolves once /readyz says ready.
export async function startHost({ binary, config, sets = [], env = {}, cwd }) {
  const port = await freePort();
  const args = ['--config', config, '--set', `/http/port=${port}`, '--set', '/http/host=127.0.0.1'];
  for (const s of sets) args.push('--set', s);
  const logs = [];
  const child = spawn(resolve(binary), args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const host = track(child, 'wno-host', logs);
  host.port = port;
  host.url = `http://127.0.0.1:${port}`;
  await waitFor('wno-host to be ready', async () => {
    if (host.exited) throw new Error(`wno-host exited: ${logs.join('').slice(-2000)}`);
    const r = await fetch(`${host.url}/readyz`);
    return r.status === 200;
  }, 120000);  // an ASan build on a busy CI machine starts slowly
  return host;
}

function postgresBin(name) {
  for (const v of ['15', '16', '17']) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(p)) return p;
  }
  return name;
}

// As root, PostgreSQL must run as its own user (it refuses root).
function asPostgres(cmd, args) {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export async function startPostgres() {
  const dir = tempDir('wno-web-pg-');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const [initCmd, initArgs] = asPostgres(postgresBin('initdb'), ['--no-sync', '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const [cmd, args] = asPostgres(postgresBin('postgres'), ['-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']);
  const logs = [];
  const pg = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }), 'postgres', logs);
  pg.url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await waitFor('postgres to accept connections', () => {
    if (pg.exited) throw new Error(`postgres exited: ${logs.join('').slice(-2000)}`);
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    return true;
  });
  return pg;
}

export async function startRedis() {
  const port = await freePort();
  const logs = [];
  const redis = track(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] }), 'redis-server', logs);
  redis.url = `redis://127.0.0.1:${port}/0`;
  await waitFor('redis to listen', () => logs.join('').includes('Ready to accept connections'));
  return redis;
}

// Stops in reverse order of starting: the host before its databases.
// Returns what went wrong: a wno-host that did not exit 0 after SIGTERM
// (under ASan a leak or a memory error ends it with another status).
export async function stopAll() {
  const failures = [];
  while (started.length) {
    const entry = started.pop();
    try {
      const exit = await entry.stop();
      if (entry.name === 'wno-host' && exit && exit.code !== 0) {
        failures.push(`wno-host exited with ${exit.code ?? exit.signal}: ${entry.logs.join('').slice(-4000)}`);
      }
    } catch {
      // Best effort: a process that is already gone is fine.
    }
  }
  return failures;
}

// A config file under `dir` with `sets` of the default plugin paths; the
// shipped configs are used as they are, only overridden with --set.
export function writeJson(path, value) {
  writeFileSync(path, JSON.stringify(value, null, 2));
}
