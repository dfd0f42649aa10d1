// Test harness: runs the real kefu binary on a fresh database and talks to it over real HTTP.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KEFU = process.env.KEFU_BIN || join(root, 'build', 'kefu');
export const DEMO_PASSWORD = 'kefu-demo-2026';
/** Admin URI of a throwaway PostgreSQL (scripts/check.sh sets it): run every server on it. */
export const PG = process.env.KEFU_TEST_PG || null;
export const ENGINE = PG ? 'postgresql' : 'sqlite';

let dbSeq = 0;
/** A fresh empty database: a file path for SQLite, a new database's URI on PostgreSQL. */
export function freshDb(dir) {
  if (!PG) return join(dir, 'kefu.db');
  const name = `kefu_t${process.pid}_${Date.now().toString(36)}_${dbSeq++}`;
  const r = spawnSync('psql', [PG, '-qAtc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`createdb failed: ${r.stderr}`);
  const u = new URL(PG);
  u.pathname = '/' + name;
  return u.toString();
}

function dropDb(uri) {
  if (!PG || !uri.startsWith('postgres')) return;
  const name = new URL(uri).pathname.slice(1);
  spawnSync('psql', [PG, '-qAtc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { encoding: 'utf8' });
}

/** Run one SQL statement on a database directly, behind kefu's back (tamper tests). */
export function sql(db, statement) {
  const r = db.startsWith('postgres')
    ? spawnSync('psql', [db, '-qAtc', statement], { encoding: 'utf8' })
    : spawnSync('sqlite3', [db, statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sql failed: ${statement}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Change a row behind kefu's back, as a tamperer would: drop the guard triggers on TABLE, then
 * run STATEMENT without foreign key checks (like the sqlite3 shell). Returns the names of the
 * triggers dropped.
 */
export function tamper(db, table, statement) {
  if (db.startsWith('postgres')) {
    const triggers = sql(db, `SELECT tgname FROM pg_trigger WHERE tgrelid = '${table}'::regclass AND NOT tgisinternal`).split('\n').filter(Boolean);
    for (const t of triggers) sql(db, `DROP TRIGGER "${t}" ON ${table}`);
    sql(db, `SET session_replication_role = replica; ${statement}`);
    return triggers;
  }
  const triggers = sql(db, `SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='${table}'`).split('\n').filter(Boolean);
  for (const t of triggers) sql(db, `DROP TRIGGER "${t}"`);
  sql(db, statement);
  return triggers;
}

/** Run a kefu CLI command synchronously; returns {status, stdout, stderr}. */
export function cli(args, { input = '', env = {} } = {}) {
  const r = spawnSync(KEFU, args, { input, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Start a server on a fresh database (demo company unless demo:false); env adds to its
 * environment (e.g. KEFU_CLOCK_OFFSET).
 * Returns {url, db, dir, proc, stderr(), stop(), kill(), restart(), addUser(), token()}.
 */
export async function startServer({ demo = true, db = null, extraArgs = [], env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-test-'));
  const dbPath = db || freshDb(dir);
  const ownDb = !db;
  const init = cli(['init', '--db', dbPath, ...(demo ? ['--demo'] : [])]);
  if (init.status !== 0) throw new Error(`kefu init failed: ${init.stderr}`);
  const s = { dir, db: dbPath, log: '' };

  s.launch = () => new Promise((resolve, reject) => {
    const proc = spawn(KEFU, ['serve', '--db', dbPath, '--listen', '127.0.0.1:0', ...extraArgs],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    s.proc = proc;
    s.exited = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig })));
    let done = false;
    let mine = ''; // this launch's output: a restart must not match the last run's line
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      s.log += chunk;
      mine += chunk;
      const m = !done && /kefu: listening on (http:\/\/[0-9.:]+)/.exec(mine);
      if (m) { done = true; s.url = m[1]; resolve(s); }
    });
    proc.on('exit', (code) => { if (!done) reject(new Error(`kefu serve exited ${code}: ${mine}`)); });
  });
  s.stderr = () => s.log;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  s.stop = async ({ keep = false } = {}) => {
    if (s.proc && s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGTERM');
    const r = s.proc ? await s.exited : { code: 0 };
    if (!keep) {
      rmSync(dir, { recursive: true, force: true });
      if (ownDb) dropDb(dbPath);
    }
    // A sanitizer report in the server's log fails the test that stops it.
    const m = /(ERROR: (Address|Leak)Sanitizer|runtime error:)[^]*/.exec(s.log);
    if (m) {
      const before = s.log.slice(Math.max(0, m.index - 1500), m.index);
      throw new Error(`kefu reported a sanitizer error:\n${m[0].slice(0, 4000)}\n-- log before it:\n${before}`);
    }
    return r;
  };
  /** kill -9 the server, keeping the database. */
  s.kill = async () => { s.proc.kill('SIGKILL'); await s.exited; };
  s.restart = () => s.launch();
  /** Run SQL on this server's database directly (psql or sqlite3). */
  s.sql = (statement) => sql(dbPath, statement);
  s.addUser = (username, role, password, flags = []) => {
    const r = cli(['user', 'add', username, '--role', role, '--db', dbPath, ...flags], { input: password + '\n' });
    if (r.status !== 0) throw new Error(`user add failed: ${r.stderr}`);
    return Number(r.stdout.trim());
  };
  s.token = (username) => {
    const r = cli(['token', 'create', username, '--db', dbPath]);
    if (r.status !== 0) throw new Error(`token create failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  await s.launch();
  return s;
}

/**
 * A client bound to one server. auth: {token} for Bearer, or call login() for a cookie session.
 * request() never throws on HTTP errors: it returns {status, headers, body (parsed JSON or null), text}.
 */
export function client(base, { token = null } = {}) {
  const c = { base, token, cookie: null, csrf: null };
  c.request = async (method, path, body, { headers = {}, raw = false } = {}) => {
    const h = { ...headers };
    if (c.token) h.authorization = `Bearer ${c.token}`;
    if (c.cookie) h.cookie = c.cookie;
    if (c.csrf && method !== 'GET' && method !== 'HEAD' && !('x-csrf-token' in h)) h['x-csrf-token'] = c.csrf;
    let payload;
    if (body !== undefined) {
      if (raw) payload = body;
      else { payload = JSON.stringify(body); if (!('content-type' in h)) h['content-type'] = 'application/json'; }
    }
    const res = await fetch(base + path, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: res.status, headers: res.headers, body: json, text };
  };
  c.get = (p, o) => c.request('GET', p, undefined, o);
  c.post = (p, b, o) => c.request('POST', p, b, o);
  c.patch = (p, b, o) => c.request('PATCH', p, b, o);
  c.put = (p, b, o) => c.request('PUT', p, b, o);
  c.del = (p, o) => c.request('DELETE', p, undefined, o);
  /** Sign in with a cookie session; keeps the cookie and CSRF token for later requests. */
  c.login = async (username, password = DEMO_PASSWORD) => {
    const r = await c.post('/api/v1/session', { username, password });
    if (r.status === 201) {
      const set = r.headers.get('set-cookie') || '';
      c.cookie = set.split(';')[0];
      c.csrf = r.body.csrf_token;
    }
    return r;
  };
  return c;
}
