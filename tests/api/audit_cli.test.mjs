// Audit chain verification, tamper detection, and the command line — on SQLite and PostgreSQL.
// The tamper tests copy the stopped server's database (a file copy on SQLite, CREATE DATABASE …
// TEMPLATE on PostgreSQL) and change the copy behind kefu's back with sqlite3 or psql.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, cli, sql, freshDb, tamper as tamperRow, KEFU, PG, ENGINE } from '../lib/server.mjs';
import { api, ok, uniq } from './_util.mjs';

let s, admin, tmp, stoppedDb, apiCustomerId;
const pgCopies = [];

/** Run kefu with a time limit (a command that should fail must not start serving forever). */
function kefu(args, { input = '', env = {}, timeout = 10000 } = {}) {
  const r = spawnSync(KEFU, args, { input, encoding: 'utf8', timeout, env: { ...process.env, ...env } });
  const why = r.status === null ? `[signal ${r.signal}${r.error ? `, ${r.error.message}` : ''}] ` : '';
  return { status: r.status, signal: r.signal, stdout: r.stdout || '', stderr: r.stderr || '', out: `${why}${r.stdout || ''}${r.stderr || ''}` };
}

const isPg = (db) => db.startsWith('postgres');
const dbName = (uri) => new URL(uri).pathname.slice(1);

/**
 * A copy of the stopped server's database: the file (with WAL files if any) on SQLite,
 * CREATE DATABASE … TEMPLATE on PostgreSQL (the source has no connections: the server is stopped).
 */
function copyDb(name) {
  if (isPg(stoppedDb)) {
    const copy = `kefu_cp${process.pid}_${name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`.slice(0, 63);
    sql(PG, `DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`);
    sql(PG, `CREATE DATABASE "${copy}" TEMPLATE "${dbName(stoppedDb)}"`);
    pgCopies.push(copy);
    const u = new URL(stoppedDb);
    u.pathname = '/' + copy;
    return u.toString();
  }
  const dst = join(tmp, `${name}.db`);
  copyFileSync(stoppedDb, dst);
  for (const ext of ['-wal', '-shm']) if (existsSync(stoppedDb + ext)) copyFileSync(stoppedDb + ext, dst + ext);
  return dst;
}

/** Column names of TABLE, in order. */
function columns(db, table) {
  const out = isPg(db)
    ? sql(db, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' ORDER BY ordinal_position`)
    : sql(db, `SELECT name FROM pragma_table_info('${table}')`);
  return out.split('\n').filter(Boolean);
}

/**
 * Change a row behind kefu's back, as a tamperer would: drop any guard triggers on TABLE first
 * (on SQLite audit_log_no_update and audit_log_no_delete; on PostgreSQL one trigger,
 * audit_log_no_update, covers UPDATE and DELETE).
 */
function tamper(db, table, statement) {
  const dropped = tamperRow(db, table, statement);
  const guards = isPg(db) ? ['audit_log_no_update'] : ['audit_log_no_update', 'audit_log_no_delete'];
  if (table === 'audit_log') for (const t of guards) assert.ok(dropped.includes(t), `audit_log triggers: ${dropped.join(', ')}`);
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kefu-audit-'));
  s = await startServer();
  admin = api(s.url, { token: s.token('admin') });
  // activity of every kind
  const c = ok(await admin.post('/api/v1/customers', { name: uniq('审计客户'), contact: '周' }), 201);
  apiCustomerId = c.id;
  ok(await admin.patch(`/api/v1/customers/${c.id}`, { phone: '010-12345678' }), 200);
  const p = ok(await admin.post('/api/v1/projects', { code: uniq('AU'), name: '审计项目', customer_id: c.id }), 201);
  ok(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-02' }), 201);
  ok(await admin.patch(`/api/v1/projects/${p.id}`, { name: '审计项目二' }), 200);
  const u = ok(await admin.post('/api/v1/users', { username: uniq('au').toLowerCase(), name: '审计用户', role: 'cm', password: 'audit-password-2026' }), 201);
  ok(await admin.patch(`/api/v1/users/${u.id}`, { active: false }), 200);
  await admin.post('/api/v1/customers', { name: 'x'.repeat(101) }); // refused; must not break anything
});

after(async () => {
  await s?.stop();
  for (const name of pgCopies) sql(PG, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('audit verify on a running server\'s database → exit 0', () => {
  const r = kefu(['audit', 'verify', '--db', s.db]);
  assert.equal(r.status, 0, r.out);
});

test('audit verify after a graceful stop → exit 0', async () => {
  const { code } = await s.stop({ keep: true });
  assert.equal(code, 0);
  stoppedDb = s.db;
  const r = kefu(['audit', 'verify', '--db', stoppedDb]);
  assert.equal(r.status, 0, r.out);
  const viaEnv = kefu(['audit', 'verify'], { env: { KEFU_DB: stoppedDb } });
  assert.equal(viaEnv.status, 0, `KEFU_DB: ${viaEnv.out}`);
});

test('tamper: customer 1 renamed behind kefu\'s back → verify exits 1 and names customer 1', () => {
  assert.ok(stoppedDb, 'previous test did not stop the server');
  const db = copyDb('cust1');
  assert.notEqual(sql(db, 'SELECT name FROM customers WHERE id=1'), 'x');
  tamper(db, 'customers', "UPDATE customers SET name='x' WHERE id=1");
  const r = kefu(['audit', 'verify', '--db', db]);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /customer/i, r.out);
  assert.match(r.out, /\b1\b/, r.out);
});

test('tamper: customer created through the API → verify exits 1 and names it', () => {
  const db = copyDb('custapi');
  tamper(db, 'customers', `UPDATE customers SET contact='篡改' WHERE id=${apiCustomerId}`);
  const r = kefu(['audit', 'verify', '--db', db]);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /customer/i, r.out);
  assert.match(r.out, new RegExp(`\\b${apiCustomerId}\\b`), r.out);
});

test('tamper: an audit_log row\'s data → verify exits 1 and names that row id', () => {
  const db = copyDb('auditrow');
  const cols = columns(db, 'audit_log');
  assert.ok(cols.length > 1, 'no audit_log table');
  const dataCol = cols.find((c) => /^(data|payload|details?|body|json|changes?|after|new_data|new_values?)$/i.test(c))
    || cols.find((c) => /data|payload|detail|change/i.test(c));
  assert.ok(dataCol, `no data column in audit_log(${cols.join(', ')})`);
  const n = Number(sql(db, 'SELECT count(*) FROM audit_log'));
  assert.ok(n >= 5, `only ${n} audit rows after the activity`);
  const id = Number(sql(db, `SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET ${Math.floor(n / 2)}`));
  tamper(db, 'audit_log', `UPDATE audit_log SET "${dataCol}" = '{"tampered":true}' WHERE id=${id}`);
  const r = kefu(['audit', 'verify', '--db', db]);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, new RegExp(`\\b${id}\\b`), `row ${id} not named: ${r.out}`);
});

test('tamper: a deleted audit_log row is detected', () => {
  const db = copyDb('auditdel');
  const n = Number(sql(db, 'SELECT count(*) FROM audit_log'));
  const id = Number(sql(db, `SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET ${Math.floor(n / 3)}`));
  tamper(db, 'audit_log', `DELETE FROM audit_log WHERE id=${id}`);
  const r = kefu(['audit', 'verify', '--db', db]);
  assert.equal(r.status, 1, r.out);
});

test('tamper: a deleted customer and a changed stage event are detected', () => {
  const db = copyDb('deleted');
  tamper(db, 'customers', `DELETE FROM customers WHERE id=${apiCustomerId}`);
  const r = kefu(['audit', 'verify', '--db', db]);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, new RegExp(`\\b${apiCustomerId}\\b`), r.out);
  const db2 = copyDb('event');
  const id = sql(db2, 'SELECT id FROM stage_events ORDER BY id DESC LIMIT 1');
  tamper(db2, 'stage_events', `UPDATE stage_events SET date='2020-01-01' WHERE id=${id}`);
  const r2 = kefu(['audit', 'verify', '--db', db2]);
  assert.equal(r2.status, 1, r2.out);
});

test('tamper: rows inserted behind kefu\'s back (no audit entry) are detected', () => {
  const checks = [
    ['customers', "INSERT INTO customers(name, created_at, updated_at) VALUES ('幽灵客户', 0, 0)"],
    ['stage_events', `INSERT INTO stage_events(project_id, type, date, from_stage, to_stage, user_id, created_at)
       SELECT id, 'contract_signed', '2026-01-01', 'pre_contract', 'construction', 1, 0 FROM projects
       WHERE stage = 'pre_contract' AND id NOT IN (SELECT project_id FROM stage_events) LIMIT 1`],
    ['project_members', `INSERT INTO project_members(project_id, user_id)
       SELECT p.id, u.id FROM projects p, users u WHERE u.role = 'project'
       AND p.id NOT IN (SELECT project_id FROM project_members) LIMIT 1`],
  ];
  const missed = [];
  for (const [table, statement] of checks) {
    const db = copyDb(`ghost-${table}`);
    const before = sql(db, `SELECT count(*) FROM ${table}`);
    tamper(db, table, statement);
    assert.notEqual(sql(db, `SELECT count(*) FROM ${table}`), before, `no row inserted into ${table}`);
    const r = kefu(['audit', 'verify', '--db', db]);
    if (r.status !== 1) missed.push(`${table}: exit ${r.status}: ${r.out.trim()}`);
  }
  assert.deepEqual(missed, [], 'unaudited rows not detected');
});

test('CLI: --version 0, unknown command 2, bad flag 2', () => {
  const v = kefu(['--version']);
  assert.equal(v.status, 0, v.out);
  assert.match(v.stdout, /\d+\.\d+/);
  const b = kefu(['bogus']);
  assert.equal(b.status, 2, b.out);
  assert.ok(b.stderr.trim().length > 0, 'no message for unknown command');
  const f = kefu(['serve', '--bogus'], { timeout: 5000 });
  assert.equal(f.signal, null, 'kefu serve --bogus kept running');
  assert.equal(f.status, 2, f.out);
  assert.ok(f.stderr.trim().length > 0);
  const a = kefu(['audit', 'verify', '--bogus']);
  assert.equal(a.status, 2, a.out);
});

test('CLI: user add with a bad role / short password / duplicate fails with a message', () => {
  const db = copyDb('cli');
  const count = () => Number(sql(db, 'SELECT count(*) FROM users'));
  const n = count();
  const x = kefu(['user', 'add', 'x', '--role', 'nosuch', '--db', db], { input: 'long-enough-password\n' });
  assert.ok([1, 2].includes(x.status), `exit ${x.status}: ${x.out}`);
  assert.ok(x.stderr.trim().length > 0, 'no message');
  const r = kefu(['user', 'add', 'validname', '--role', 'nosuch', '--db', db], { input: 'long-enough-password\n' });
  assert.ok([1, 2].includes(r.status), `exit ${r.status}: ${r.out}`);
  assert.match(r.stderr, /role|nosuch/i);
  const p = kefu(['user', 'add', 'shortpw', '--role', 'cm', '--db', db], { input: 'short\n' });
  assert.ok([1, 2].includes(p.status), `exit ${p.status}: ${p.out}`);
  assert.match(p.stderr, /password|12/i);
  const d = kefu(['user', 'add', 'admin', '--role', 'cm', '--db', db], { input: 'long-enough-password\n' });
  assert.ok([1, 2].includes(d.status), `duplicate admin: exit ${d.status}: ${d.out}`);
  assert.equal(count(), n, 'a refused user add created a user');
  const t = kefu(['token', 'create', 'nosuchuser', '--db', db]);
  assert.notEqual(t.status, 0, t.out);
  assert.equal(t.stdout.trim(), '');
  const good = kefu(['user', 'add', 'cliok', '--role', 'customer', '--customer', '1', '--db', db], { input: 'long-enough-password\n' });
  assert.equal(good.status, 0, good.out);
  assert.match(good.stdout.trim(), /^\d+$/);
  assert.equal(sql(db, 'SELECT count(*) FROM users') , String(n + 1));
  const audit = kefu(['audit', 'verify', '--db', db]);
  assert.equal(audit.status, 0, `after CLI user add: ${audit.out}`);
});

test('CLI: init is idempotent and keeps data; KEFU_DB is the default --db', async () => {
  const db = copyDb('init');
  const before = sql(db, 'SELECT count(*) FROM customers');
  const r = cli(['init', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  const r2 = cli(['init', '--db', db, '--demo']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(sql(db, 'SELECT count(*) FROM customers'), before, 'init changed the data');
  const t = kefu(['token', 'create', 'admin'], { env: { KEFU_DB: db } });
  assert.equal(t.status, 0, t.out);
  assert.ok(t.stdout.trim().length >= 20);
  const s2 = await startServer({ demo: false, db });
  try {
    const me = ok(await api(s2.url, { token: t.stdout.trim() }).get('/api/v1/me'), 200);
    assert.equal(me.user.username, 'admin');
  } finally {
    await s2.stop();
  }
});

test(`CLI: init on an empty ${ENGINE} database, repeated, with and without --demo: the same data`, async () => {
  const db = freshDb(tmp);
  if (isPg(db)) pgCopies.push(dbName(db));
  const counts = () => ['customers', 'users', 'projects', 'stage_events', 'project_members', 'audit_log']
    .map((t) => `${t}=${sql(db, `SELECT count(*) FROM ${t}`)}`).join(' ');
  const r = cli(['init', '--db', db, '--demo']);
  assert.equal(r.status, 0, r.stderr);
  const once = counts();
  assert.doesNotMatch(once, /customers=0 |users=0 |projects=0 /, `demo company missing: ${once}`);
  for (const args of [['init', '--db', db, '--demo'], ['init', '--db', db], ['init', '--db', db, '--demo']]) {
    const again = cli(args);
    assert.equal(again.status, 0, `${args.join(' ')}: ${again.stderr}`);
    assert.equal(counts(), once, `${args.join(' ')} changed the data`);
  }
  const audit = kefu(['audit', 'verify', '--db', db]);
  assert.equal(audit.status, 0, `after repeated init: ${audit.out}`);
  // the CLI's user add and token create on this database, and a server accepts both
  const name = uniq('initcli').toLowerCase();
  const add = kefu(['user', 'add', name, '--role', 'cm', '--name', '命令行用户', '--db', db], { input: 'long-enough-password\n' });
  assert.equal(add.status, 0, add.out);
  const tok = kefu(['token', 'create', name], { env: { KEFU_DB: db } });
  assert.equal(tok.status, 0, tok.out);
  const s3 = await startServer({ demo: false, db });
  try {
    const me = ok(await api(s3.url, { token: tok.stdout.trim() }).get('/api/v1/me'), 200);
    assert.equal(me.user.username, name);
    assert.equal(me.user.id, Number(add.stdout.trim()));
    assert.equal(me.user.role, 'cm');
    const c = await api(s3.url).login(name, 'long-enough-password');
    assert.equal(c.status, 201, c.text);
  } finally {
    await s3.stop();
  }
  assert.equal(kefu(['audit', 'verify', '--db', db]).status, 0, 'audit verify after CLI user add');
});
