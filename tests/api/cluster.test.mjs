// Several kefu servers on one PostgreSQL database (issue 3): what one server writes or revokes,
// the other sees at once; races between servers resolve cleanly; crashes of kefu or of
// PostgreSQL lose nothing acknowledged; bad input is answered exactly as on SQLite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { startServer, cli, sql, PG } from '../lib/server.mjs';
import { api, ok, err, uniq, show, postBuffer, tokenClient, loginClient } from './_util.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PGSH = join(root, 'scripts', 'pg.sh');
const PW = 'cluster-password-2026';

if (!PG) {
  test.skip('several servers on one PostgreSQL database (needs PostgreSQL: set KEFU_TEST_PG)', () => {});
} else {
  let a, b, adminA, adminB;
  const cleanups = [];

  before(async () => {
    a = await startServer();
    b = await startServer({ db: a.db, demo: false }); // b's init on a's live database is idempotent
    adminA = tokenClient(a, 'admin');
    adminB = tokenClient(b, 'admin');
  });
  after(async () => {
    for (const f of cleanups.reverse()) await f();
    await b?.stop();
    await a?.stop(); // a owns the database: stopped last, it drops it
  });

  const no5xx = (rs, what) => assert.deepEqual(rs.filter((r) => !r || r.status >= 500).map((r) => r ? show(r) : 'no answer'), [], `5xx answers: ${what}`);
  const newCustomer = async (c, name = uniq('集群客户')) => ok(await c.post('/api/v1/customers', { name }), 201);
  const newProject = async (c, customerId) => ok(await c.post('/api/v1/projects', { code: uniq('CL'), name: '集群项目', customer_id: customerId }), 201);

  test('a cookie session issued by a works on b at once (GET and POST with CSRF); sign-out on a ends it on b', async () => {
    const ca = await loginClient(a, 'cm');
    const cb = api(b.url);
    cb.cookie = ca.cookie;
    cb.csrf = ca.csrf;
    const me = ok(await cb.get('/api/v1/me'), 200);
    assert.equal(me.user.username, 'cm');
    assert.equal(me.csrf_token, ca.csrf);
    const made = ok(await cb.post('/api/v1/customers', { name: uniq('乙服务器会话') }), 201);
    assert.equal(ok(await ca.get(`/api/v1/customers/${made.id}`), 200).name, made.name);
    // the CSRF check on b uses the token a issued: missing or wrong → 403 csrf
    const bare = api(b.url);
    bare.cookie = ca.cookie;
    err(await bare.post('/api/v1/customers', { name: uniq('无令牌') }), 403, 'csrf');
    err(await bare.post('/api/v1/customers', { name: uniq('错令牌') }, { headers: { 'x-csrf-token': 'x' + ca.csrf } }), 403, 'csrf');
    // sign out through a: the session is gone on b (and on a) at once
    assert.equal((await ca.del('/api/v1/session')).status, 204);
    err(await cb.get('/api/v1/me'), 401, 'unauthorized');
    err(await cb.post('/api/v1/customers', { name: uniq('已退出') }), 401, 'unauthorized');
    err(await ca.get('/api/v1/me'), 401, 'unauthorized');
  });

  test('a session signed in on b works on a; an API token made with the CLI works on both', async () => {
    const cb = await loginClient(b, 'business');
    const ca = api(a.url);
    ca.cookie = cb.cookie;
    ca.csrf = cb.csrf;
    assert.equal(ok(await ca.get('/api/v1/me'), 200).user.username, 'business');
    ok(await ca.post('/api/v1/customers', { name: uniq('甲服务器会话') }), 201);
    const t = cli(['token', 'create', 'quality', '--db', a.db]);
    assert.equal(t.status, 0, t.stderr);
    for (const s of [a, b]) {
      const me = ok(await api(s.url, { token: t.stdout.trim() }).get('/api/v1/me'), 200);
      assert.equal(me.user.username, 'quality');
      assert.equal(me.csrf_token, null);
    }
  });

  test('a user deactivated through a is refused on b at once; a user added with the CLI is accepted by both', async () => {
    const name = uniq('clu').toLowerCase();
    const u = ok(await adminA.post('/api/v1/users', { username: name, name: '集群用户', role: 'cm', password: PW }), 201);
    const sess = await loginClient(b, name, PW);
    const tok = api(b.url, { token: a.token(name) });
    const tokA = api(a.url, { token: tok.token });
    ok(await sess.get('/api/v1/me'), 200);
    ok(await tok.get('/api/v1/me'), 200);
    ok(await adminA.patch(`/api/v1/users/${u.id}`, { active: false }), 200);
    err(await sess.get('/api/v1/me'), 401, 'unauthorized');
    err(await sess.post('/api/v1/customers', { name: uniq('停用') }), 401, 'unauthorized');
    err(await tok.get('/api/v1/me'), 401, 'unauthorized');
    err(await tok.post('/api/v1/customers', { name: uniq('停用') }), 401, 'unauthorized');
    err(await tokA.get('/api/v1/me'), 401, 'unauthorized');
    assert.equal((await api(b.url).login(name, PW)).status, 401, 'a deactivated user signed in on b');
    // reactivated through b: a new sign-in on a works
    ok(await adminB.patch(`/api/v1/users/${u.id}`, { active: true }), 200);
    await loginClient(a, name, PW);

    const cliName = uniq('cli').toLowerCase();
    const id = a.addUser(cliName, 'business', PW, ['--name', '命令行']);
    for (const s of [a, b]) {
      const c = await loginClient(s, cliName, PW);
      assert.equal(ok(await c.get('/api/v1/me'), 200).user.id, id);
      assert.equal(ok(await adminB.get(`/api/v1/users/${id}`), 200).username, cliName);
    }
    const t = b.token(cliName);
    for (const s of [a, b]) assert.equal(ok(await api(s.url, { token: t }).get('/api/v1/me'), 200).user.id, id);
  });

  test('what a writes b reads at once (customer, project, stage event); a PATCH through b is seen through a', async () => {
    const c = ok(await adminA.post('/api/v1/customers', { name: uniq('甲写'), contact: '钱', phone: '021-5555' }), 201);
    assert.deepEqual(ok(await adminB.get(`/api/v1/customers/${c.id}`), 200), c);
    assert.ok(ok(await adminB.get('/api/v1/customers'), 200).some((x) => x.id === c.id), 'not listed on b');
    const p = await newProject(adminA, c.id);
    assert.deepEqual(ok(await adminB.get(`/api/v1/projects/${p.id}`), 200), p);
    const e = ok(await adminA.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-04-01', note: '甲签约' }), 201);
    assert.deepEqual(ok(await adminB.get(`/api/v1/projects/${p.id}/events`), 200), [e]);
    const pb = ok(await adminB.get(`/api/v1/projects/${p.id}`), 200);
    assert.equal(pb.stage, 'construction');
    assert.equal(pb.contract_date, '2026-04-01');
    assert.ok(ok(await adminB.get('/api/v1/projects?stage=construction'), 200).some((x) => x.id === p.id));

    const pc = ok(await adminB.patch(`/api/v1/customers/${c.id}`, { contact: '孙', email: 'sun@example.com' }), 200);
    assert.deepEqual(ok(await adminA.get(`/api/v1/customers/${c.id}`), 200), pc);
    assert.equal(pc.contact, '孙');
    const pp = ok(await adminB.patch(`/api/v1/projects/${p.id}`, { name: '乙改名' }), 200);
    assert.deepEqual(ok(await adminA.get(`/api/v1/projects/${p.id}`), 200), pp);
    const e2 = ok(await adminB.post(`/api/v1/projects/${p.id}/events`, { type: 'completion_filed', date: '2026-09-01' }), 201);
    assert.deepEqual(ok(await adminA.get(`/api/v1/projects/${p.id}/events`), 200), [e, e2]);
    assert.equal(ok(await adminA.get(`/api/v1/projects/${p.id}`), 200).stage, 'warranty');
  });

  test('the same stage event through a and b at once (10 projects): exactly one 201, never two, never 5xx', async () => {
    const c = await newCustomer(adminA);
    const body = { type: 'contract_signed', date: '2026-02-10' };
    for (let k = 0; k < 10; k++) {
      const p = await newProject(k % 2 ? adminB : adminA, c.id);
      const path = `/api/v1/projects/${p.id}/events`;
      const [ra, rb] = await Promise.all([adminA.post(path, body), adminB.post(path, body)]);
      no5xx([ra, rb], `project ${p.id}`);
      const st = [ra.status, rb.status].sort();
      assert.equal(st[0], 201, `project ${p.id}: no 201: ${show(ra)} | ${show(rb)}`);
      assert.ok([409, 422].includes(st[1]), `project ${p.id}: want one 201 and one 409/422: ${show(ra)} | ${show(rb)}`);
      const loser = ra.status === 201 ? rb : ra;
      err(loser, loser.status, ['stage_order', 'conflict']);
      for (const s of [adminA, adminB]) {
        const evs = ok(await s.get(path), 200);
        assert.equal(evs.length, 1, `project ${p.id} has ${evs.length} events`);
        assert.equal(evs[0].type, 'contract_signed');
        const g = ok(await s.get(`/api/v1/projects/${p.id}`), 200);
        assert.equal(g.stage, 'construction');
        assert.equal(g.contract_date, '2026-02-10');
      }
    }
  });

  test('concurrent load through both servers: all 201, distinct ids, zero 5xx; the audit chain verifies', async () => {
    const c = await newCustomer(adminA);
    const projects = [];
    for (let k = 0; k < 6; k++) projects.push(await newProject(adminA, c.id));
    const names = [];
    const reqs = [];
    for (let i = 0; i < 150; i++) {
      for (const [tag, cl] of [['a', adminA], ['b', adminB]]) {
        const name = uniq(`负载${tag}${i}-`);
        names.push(name);
        reqs.push(cl.post('/api/v1/customers', { name }).then((r) => ({ ...r, name }), (e) => ({ status: 0, text: String(e), req: 'POST (network error)', name })));
      }
      if (i % 25 === 0) {
        const p = projects[i / 25];
        reqs.push((i % 50 ? adminB : adminA).post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-05-05' }));
      }
    }
    const rs = await Promise.all(reqs);
    no5xx(rs, 'load');
    assert.deepEqual(rs.filter((r) => r.status !== 201).map(show), [], 'non-201 answers');
    const made = rs.filter((r) => r.name);
    assert.equal(made.length, 300);
    assert.equal(new Set(made.map((r) => r.body.id)).size, 300, 'customer ids not distinct');
    made.forEach((r) => assert.equal(r.body.name, r.name));
    const listB = new Map(ok(await adminB.get('/api/v1/customers'), 200).map((x) => [x.id, x.name]));
    const listA = new Map(ok(await adminA.get('/api/v1/customers'), 200).map((x) => [x.id, x.name]));
    for (const r of made) {
      assert.equal(listA.get(r.body.id), r.name, `customer ${r.body.id} missing on a`);
      assert.equal(listB.get(r.body.id), r.name, `customer ${r.body.id} missing on b`);
    }
    for (const p of projects) assert.equal(ok(await adminB.get(`/api/v1/projects/${p.id}`), 200).stage, 'construction');
    const v = cli(['audit', 'verify', '--db', a.db]);
    assert.equal(v.status, 0, `audit verify after concurrent writes from two servers: ${v.stdout}${v.stderr}`);
  });

  test('durability across kill -9 of one server: what a acknowledged, b reads', async () => {
    const c = ok(await adminA.post('/api/v1/customers', { name: uniq('杀前客户'), address: '北京路1号' }), 201);
    const p = await newProject(adminA, c.id);
    const e = ok(await adminA.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-06-06' }), 201);
    await a.kill();
    assert.deepEqual(ok(await adminB.get(`/api/v1/customers/${c.id}`), 200), c);
    assert.deepEqual(ok(await adminB.get(`/api/v1/projects/${p.id}/events`), 200), [e]);
    assert.equal(ok(await adminB.get(`/api/v1/projects/${p.id}`), 200).stage, 'construction');
    // b still writes while a is down; a comes back on the same database and sees it
    const c2 = ok(await adminB.post('/api/v1/customers', { name: uniq('甲停机时') }), 201);
    await a.restart(); // on a new port
    adminA = api(a.url, { token: adminA.token });
    assert.deepEqual(ok(await adminA.get(`/api/v1/customers/${c2.id}`), 200), c2);
  });

  test('durability across a PostgreSQL crash (its own throwaway PostgreSQL): the same server reconnects', async () => {
    const port = await new Promise((res) => { const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => res(p)); }); });
    const dir = mkdtempSync(join(tmpdir(), 'kefu-pg2-'));
    const started = spawnSync(PGSH, ['start', dir, String(port)], { encoding: 'utf8' });
    cleanups.push(async () => { spawnSync(PGSH, ['stop', dir]); rmSync(dir, { recursive: true, force: true }); });
    assert.equal(started.status, 0, `second PostgreSQL: ${started.stderr}`);
    const admin2 = started.stdout.trim();
    sql(admin2, 'CREATE DATABASE kefu_crash');
    const u = new URL(admin2);
    u.pathname = '/kefu_crash';
    const db = u.toString();
    const s = await startServer({ db });
    cleanups.push(() => s.stop());
    const c = api(s.url, { token: s.token('admin') });
    const cust = ok(await c.post('/api/v1/customers', { name: uniq('崩溃前客户'), contact: '吴' }), 201);
    const p = await newProject(c, cust.id);
    const e = ok(await c.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-07-07' }), 201);

    const r = spawnSync(PGSH, ['restart-immediate', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `pg_ctl restart -m immediate: ${r.stderr}`);

    // the first request may find the dead connection (503 once at most); none after that
    let first = await c.get(`/api/v1/customers/${cust.id}`);
    if (first.status === 503) first = await c.get(`/api/v1/customers/${cust.id}`);
    assert.deepEqual(ok(first, 200), cust);
    const after = [
      await c.get(`/api/v1/projects/${p.id}/events`),
      await c.get(`/api/v1/projects/${p.id}`),
      await c.post('/api/v1/customers', { name: uniq('崩溃后客户') }),
      ...(await Promise.all(Array.from({ length: 20 }, () => c.get(`/api/v1/customers/${cust.id}`)))),
      ...(await Promise.all(Array.from({ length: 10 }, (_, i) => c.post('/api/v1/customers', { name: uniq(`崩溃后并发${i}-`) })))),
    ];
    no5xx(after, 'after the PostgreSQL restart');
    assert.deepEqual(ok(after[0], 200), [e]);
    assert.equal(ok(after[1], 200).stage, 'construction');
    ok(after[2], 201);
    for (const x of after.slice(3, 23)) assert.deepEqual(ok(x, 200), cust);
    for (const x of after.slice(23)) ok(x, 201);
    // a signed-in session still works (credentials are in the database)
    const sess = await loginClient(s, 'cm');
    ok(await sess.post('/api/v1/customers', { name: uniq('崩溃后会话') }), 201);

    // a freshly started second server on the same database reads everything
    const s2 = await startServer({ db, demo: false });
    try {
      const c2 = api(s2.url, { token: s2.token('admin') });
      assert.deepEqual(ok(await c2.get(`/api/v1/customers/${cust.id}`), 200), cust);
      assert.deepEqual(ok(await c2.get(`/api/v1/projects/${p.id}/events`), 200), [e]);
      assert.equal(ok(await c2.get(`/api/v1/customers/${after[2].body.id}`), 200).name, after[2].body.name);
    } finally {
      await s2.stop();
    }
    const v = cli(['audit', 'verify', '--db', db]);
    assert.equal(v.status, 0, `audit verify after the PostgreSQL crash: ${v.stdout}${v.stderr}`);
  });

  test('bad input: exactly the same (status, body) on PostgreSQL as on SQLite', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kefu-parity-'));
    const lite = await startServer({ db: join(tmp, 'parity.db') }); // an explicit path: SQLite even with PG set
    const pg = await startServer();
    cleanups.push(async () => { await lite.stop(); await pg.stop(); rmSync(tmp, { recursive: true, force: true }); });
    assert.ok(!lite.db.startsWith('postgres') && pg.db.startsWith('postgres'));
    const code = uniq('DUP');
    const run = async (s) => {
      const tok = s.token('admin');
      const ad = api(s.url, { token: tok });
      const cust = await newCustomer(ad, '对照客户');
      const proj = ok(await ad.post('/api/v1/projects', { code, name: '对照项目', customer_id: cust.id }), 201);
      const proj2 = ok(await ad.post('/api/v1/projects', { code: code + 'X', name: '对照项目二', customer_id: cust.id }), 201);
      ok(await ad.post(`/api/v1/projects/${proj2.id}/events`, { type: 'contract_signed', date: '2026-03-01' }), 201);
      const custUser = tokenClient(s, 'customer');
      const quality = tokenClient(s, 'quality');
      const cm = await loginClient(s, 'cm');
      const noCsrf = api(s.url);
      noCsrf.cookie = cm.cookie;
      const raw = (path, text, ct = 'application/json') => ad.post(path, Buffer.from(text), { raw: true, headers: { 'content-type': ct } });
      const bytes = (path, parts) => ad.post(path, Buffer.concat(parts.map((x) => Buffer.from(x))), { raw: true, headers: { 'content-type': 'application/json' } });
      const ev = (pid, type, date) => ad.post(`/api/v1/projects/${pid}/events`, { type, date });
      const cases = [
        ['malformed JSON', () => raw('/api/v1/customers', '{"name":')],
        ['trailing garbage', () => raw('/api/v1/customers', '{"name":"x"} x')],
        ['array body', () => raw('/api/v1/customers', '[{"name":"数组"}]')],
        ['empty body', () => raw('/api/v1/projects', '')],
        ['wrong type name', () => ad.post('/api/v1/customers', { name: 12345 })],
        ['wrong type customer_id', () => ad.post('/api/v1/projects', { code: 'T1', name: 'x', customer_id: String(cust.id) })],
        ['fractional customer_id', () => ad.post('/api/v1/projects', { code: 'T1', name: 'x', customer_id: 1.5 })],
        ['missing name', () => ad.post('/api/v1/customers', { contact: '张' })],
        ['missing customer_id', () => ad.post('/api/v1/projects', { code: 'T2', name: 'x' })],
        ['unknown field', () => ad.post('/api/v1/customers', { name: 'x', vip: true })],
        ['stage not patchable', () => ad.patch(`/api/v1/projects/${proj.id}`, { stage: 'warranty' })],
        ['too long name', () => ad.post('/api/v1/customers', { name: '建'.repeat(101) })],
        ['too long code', () => ad.post('/api/v1/projects', { code: 'C'.repeat(33), name: 'x', customer_id: cust.id })],
        ['bad code characters', () => ad.post('/api/v1/projects', { code: '有中文', name: 'x', customer_id: cust.id })],
        ['invalid UTF-8', () => bytes('/api/v1/customers', ['{"name":"坏', [0xff, 0xfe], '字"}'])],
        ['truncated UTF-8', () => bytes('/api/v1/customers', ['{"name":"坏', [0xe5, 0xbb], '"}'])],
        ['surrogate in UTF-8', () => bytes('/api/v1/customers', ['{"name":"', [0xed, 0xa0, 0x80], '"}'])],
        ['escaped NUL', () => ad.post('/api/v1/customers', { name: 'a\u0000b' })],
        ['raw NUL byte', () => bytes('/api/v1/customers', ['{"name":"a', [0], 'b"}'])],
        ['control char in name', () => ad.post('/api/v1/customers', { name: 'a\u0007b' })],
        ['bad date', () => ev(proj.id, 'contract_signed', '2026-02-30')],
        ['bad date format', () => ev(proj.id, 'contract_signed', '2026/01/02')],
        ['bad event type', () => ev(proj.id, 'started', '2026-01-02')],
        ['stage skip', () => ev(proj.id, 'completion_filed', '2026-05-01')],
        ['stage repeat', () => ev(proj2.id, 'contract_signed', '2026-04-01')],
        ['date before previous event', () => ev(proj2.id, 'completion_filed', '2026-02-01')],
        ['unknown customer', () => ad.get('/api/v1/customers/999999')],
        ['unknown project', () => ad.patch('/api/v1/projects/999999', { name: 'x' })],
        ['non-numeric id', () => ad.get('/api/v1/customers/abc')],
        ['unknown customer_id reference', () => ad.post('/api/v1/projects', { code: 'T3', name: 'x', customer_id: 999999 })],
        ['manager not a project user', () => ad.post('/api/v1/projects', { code: 'T4', name: 'x', customer_id: cust.id, manager_id: 1 })],
        ['members: unknown user', () => ad.put(`/api/v1/projects/${proj.id}/members`, { user_ids: [999999] })],
        ["another customer's customer", () => custUser.get(`/api/v1/customers/${cust.id}`)],
        ["another customer's project", () => custUser.get(`/api/v1/projects/${proj.id}`)],
        ["another customer's project events", () => custUser.post(`/api/v1/projects/${proj.id}/events`, { type: 'contract_signed', date: '2026-01-01' })],
        ['role not allowed', () => quality.post('/api/v1/customers', { name: '质检' })],
        ['duplicate code', () => ad.post('/api/v1/projects', { code, name: 'x', customer_id: cust.id })],
        ['duplicate username', () => ad.post('/api/v1/users', { username: 'admin', name: 'x', role: 'cm', password: PW })],
        ['short password', () => ad.post('/api/v1/users', { username: 'shortpw', name: 'x', role: 'cm', password: 'short' })],
        ['customer role without customer_id', () => ad.post('/api/v1/users', { username: 'nocust', name: 'x', role: 'customer', password: PW })],
        ['413', () => postBuffer(s.url, '/api/v1/customers', Buffer.from(JSON.stringify({ name: 'x', address: 'a'.repeat(1024 * 1024 + 10) })), { 'content-type': 'application/json', authorization: `Bearer ${tok}` })],
        ['415', () => raw('/api/v1/customers', '{"name":"x"}', 'text/plain')],
        ['CSRF missing', () => noCsrf.post('/api/v1/customers', { name: '无令牌' })],
        ['CSRF wrong', () => noCsrf.post('/api/v1/customers', { name: '错令牌' }, { headers: { 'x-csrf-token': 'wrong' } })],
        ['not signed in', () => api(s.url).post('/api/v1/customers', { name: 'x' })],
        ['bad token', () => api(s.url, { token: 'nope' }).get('/api/v1/me')],
        ['bad credentials', () => api(s.url).post('/api/v1/session', { username: 'admin', password: 'wrong-password-1' })],
      ];
      const out = [];
      for (const [what, f] of cases) {
        const r = await f();
        out.push({ what, status: r.status, body: r.body ?? r.text });
      }
      // nothing above changed anything: the same customers and projects as after the setup
      const lists = { c: ok(await ad.get('/api/v1/customers'), 200).length, p: ok(await ad.get('/api/v1/projects'), 200).length };
      return { out, lists, ids: [cust.id, proj.id, proj2.id] };
    };
    const [rl, rp] = [await run(lite), await run(pg)];
    assert.deepEqual(rp.ids, rl.ids, 'setup ids differ between engines (demo data differs?)');
    no5xx(rp.out.map((x) => ({ ...x, text: JSON.stringify(x.body) })), 'bad input on PostgreSQL');
    no5xx(rl.out.map((x) => ({ ...x, text: JSON.stringify(x.body) })), 'bad input on SQLite');
    for (const x of [...rl.out, ...rp.out]) assert.ok(x.status >= 400 && x.status < 500, `${x.what}: ${x.status} ${JSON.stringify(x.body)}`);
    const diff = rl.out.map((x, i) => [x, rp.out[i]]).filter(([x, y]) => JSON.stringify(x) !== JSON.stringify(y))
      .map(([x, y]) => `${x.what}: sqlite ${x.status} ${JSON.stringify(x.body)} | postgresql ${y.status} ${JSON.stringify(y.body)}`);
    assert.deepEqual(diff, [], 'answers differ between engines');
    assert.deepEqual(rp.out, rl.out);
    assert.deepEqual(rp.lists, rl.lists);
  });
}
