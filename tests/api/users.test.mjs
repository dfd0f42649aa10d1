// User administration (admin only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { api, ok, err, uniq, tokenClient, loginClient, RFC3339, show } from './_util.mjs';

let s, admin, cm;
before(async () => {
  s = await startServer();
  admin = await loginClient(s, 'admin'); // cookie session: exercises CSRF on every write
  cm = tokenClient(s, 'cm');
});
after(async () => { await s?.stop(); });

const uname = () => uniq('u').toLowerCase();
const PW = 'user-password-2026';
const listUsers = async () => ok(await admin.get('/api/v1/users'), 200);

function checkUser(u) {
  assert.equal(typeof u.id, 'number');
  for (const k of ['username', 'name', 'role', 'created_at']) assert.equal(typeof u[k], 'string', `user.${k}`);
  assert.match(u.created_at, RFC3339);
  assert.ok(Array.isArray(u.project_ids), 'project_ids not an array');
  assert.equal(typeof u.active, 'boolean');
  for (const k of Object.keys(u)) assert.ok(!/pass|hash|salt|secret/i.test(k), `user exposes ${k}`);
}

test('create → 201 USER; the new user can sign in', async () => {
  const username = uname();
  const u = ok(await admin.post('/api/v1/users', { username, name: '质量部 王工', role: 'quality', password: PW }), 201);
  checkUser(u);
  assert.equal(u.username, username);
  assert.equal(u.name, '质量部 王工');
  assert.equal(u.role, 'quality');
  assert.equal(u.customer_id, null);
  assert.deepEqual(u.project_ids, []);
  assert.equal(u.active, true);
  const c = api(s.url);
  const li = ok(await c.login(username, PW), 201);
  assert.equal(li.user.id, u.id);
});

test('list and get: every user well-formed, no password material; get equals list entry', async () => {
  const username = uname();
  const u = ok(await admin.post('/api/v1/users', { username, name: '列表用户', role: 'safety', password: PW }), 201);
  const list = await listUsers();
  assert.ok(Array.isArray(list));
  list.forEach(checkUser);
  for (const n of ['admin', 'leader', 'cm', 'quality', 'business', 'project', 'safety', 'customer', username]) {
    assert.ok(list.some((x) => x.username === n), `user ${n} not listed`);
  }
  const one = ok(await admin.get(`/api/v1/users/${u.id}`), 200);
  assert.deepEqual(one, list.find((x) => x.id === u.id));
  assert.deepEqual(one, u);
  err(await admin.get('/api/v1/users/999999'), 404, 'not_found');
});

test('patch name and role', async () => {
  const u = ok(await admin.post('/api/v1/users', { username: uname(), name: '旧名字', role: 'quality', password: PW }), 201);
  const p = ok(await admin.patch(`/api/v1/users/${u.id}`, { name: '新名字', role: 'business' }), 200);
  assert.equal(p.name, '新名字');
  assert.equal(p.role, 'business');
  assert.equal(p.username, u.username);
  const g = ok(await admin.get(`/api/v1/users/${u.id}`), 200);
  assert.equal(g.name, '新名字');
  assert.equal(g.role, 'business');
  // the new role takes effect: business may create customers, quality may not
  const t = tokenClient(s, u.username);
  ok(await t.post('/api/v1/customers', { name: uniq('角色变更客户') }), 201);
});

test('patch project_ids: a project user then sees exactly those projects', async () => {
  const projects = ok(await admin.get('/api/v1/projects'), 200);
  assert.ok(projects.length >= 2, 'demo company has fewer than 2 projects');
  const pick = [projects[0].id, projects[projects.length - 1].id].sort((a, b) => a - b);
  const u = ok(await admin.post('/api/v1/users', { username: uname(), name: '项目部 李工', role: 'project', password: PW }), 201);
  const p = ok(await admin.patch(`/api/v1/users/${u.id}`, { project_ids: pick }), 200);
  assert.deepEqual([...p.project_ids].sort((a, b) => a - b), pick);
  const seen = ok(await tokenClient(s, u.username).get('/api/v1/projects'), 200).map((x) => x.id).sort((a, b) => a - b);
  assert.deepEqual(seen, pick);
  const proj = ok(await admin.get(`/api/v1/projects/${pick[0]}`), 200);
  assert.ok(proj.member_ids.includes(u.id), 'project.member_ids does not list the user');
  err(await admin.patch(`/api/v1/users/${u.id}`, { project_ids: [999999] }), 400, ['invalid_reference', 'invalid'], 'project_ids');
  const after = ok(await admin.get(`/api/v1/users/${u.id}`), 200);
  assert.deepEqual([...after.project_ids].sort((a, b) => a - b), pick);
});

test('patch password: old password fails, new one works', async () => {
  const username = uname();
  const u = ok(await admin.post('/api/v1/users', { username, name: '改密码', role: 'leader', password: PW }), 201);
  const NEW = 'brand-new-password-99';
  ok(await admin.patch(`/api/v1/users/${u.id}`, { password: NEW }), 200);
  err(await api(s.url).login(username, PW), 401, 'invalid_credentials');
  ok(await api(s.url).login(username, NEW), 201);
  err(await admin.patch(`/api/v1/users/${u.id}`, { password: 'short-pw' }), 400, undefined, 'password');
  ok(await api(s.url).login(username, NEW), 201);
});

test('non-admin → 403 on list, get, create, patch', async () => {
  const before = (await listUsers()).length;
  for (const who of ['cm', 'leader', 'project', 'customer']) {
    const c = tokenClient(s, who);
    err(await c.get('/api/v1/users'), 403, 'forbidden');
    err(await c.get('/api/v1/users/1'), 403, 'forbidden');
    err(await c.post('/api/v1/users', { username: uname(), name: 'x', role: 'admin', password: PW }), 403, 'forbidden');
    const me = ok(await c.get('/api/v1/me'), 200).user;
    err(await c.patch(`/api/v1/users/${me.id}`, { role: 'admin' }), 403, 'forbidden');
    assert.equal(ok(await admin.get(`/api/v1/users/${me.id}`), 200).role, who, `${who} promoted itself`);
  }
  assert.equal((await listUsers()).length, before, 'a non-admin created a user');
});

test('duplicate username → 409 conflict', async () => {
  const before = (await listUsers()).length;
  err(await admin.post('/api/v1/users', { username: 'admin', name: '重复', role: 'cm', password: PW }), 409, 'conflict');
  const username = uname();
  ok(await admin.post('/api/v1/users', { username, name: 'a', role: 'cm', password: PW }), 201);
  err(await admin.post('/api/v1/users', { username, name: 'b', role: 'quality', password: PW }), 409, 'conflict');
  assert.equal((await listUsers()).length, before + 1);
});

test('password: 11 chars → 400 field password; 12 chars → 201', async () => {
  const before = (await listUsers()).length;
  const username = uname();
  err(await admin.post('/api/v1/users', { username, name: 'x', role: 'cm', password: '12345678901' }), 400, undefined, 'password');
  assert.equal((await listUsers()).length, before);
  ok(await admin.post('/api/v1/users', { username, name: 'x', role: 'cm', password: '123456789012' }), 201);
});

test('role customer needs customer_id; staff must not have one; customer user with one → 201', async () => {
  const before = (await listUsers()).length;
  err(await admin.post('/api/v1/users', { username: uname(), name: '客户', role: 'customer', password: PW }), 400, undefined, 'customer_id');
  err(await admin.post('/api/v1/users', { username: uname(), name: '员工', role: 'cm', password: PW, customer_id: 1 }), 400, undefined, 'customer_id');
  err(await admin.post('/api/v1/users', { username: uname(), name: '客户', role: 'customer', password: PW, customer_id: 999999 }), 400, 'invalid_reference', 'customer_id');
  assert.equal((await listUsers()).length, before);
  const u = ok(await admin.post('/api/v1/users', { username: uname(), name: '客户代表', role: 'customer', password: PW, customer_id: 1 }), 201);
  assert.equal(u.customer_id, 1);
  assert.equal(u.role, 'customer');
});

test('bad role → 400 invalid field role; bad username → 400 field username', async () => {
  const before = (await listUsers()).length;
  err(await admin.post('/api/v1/users', { username: uname(), name: 'x', role: 'superuser', password: PW }), 400, 'invalid', 'role');
  err(await admin.post('/api/v1/users', { username: uname(), name: 'x', role: 'ADMIN', password: PW }), 400, 'invalid', 'role');
  for (const bad of ['Upper', 'a', '-lead', 'has space', 'x'.repeat(33), '用户名']) {
    err(await admin.post('/api/v1/users', { username: bad, name: 'x', role: 'cm', password: PW }), 400, undefined, 'username');
  }
  const u = ok(await admin.post('/api/v1/users', { username: uname(), name: 'x', role: 'cm', password: PW }), 201);
  err(await admin.patch(`/api/v1/users/${u.id}`, { role: 'root' }), 400, 'invalid', 'role');
  assert.equal(ok(await admin.get(`/api/v1/users/${u.id}`), 200).role, 'cm');
  assert.equal((await listUsers()).length, before + 1);
});

test('unknown user id → 404', async () => {
  err(await admin.patch('/api/v1/users/999999', { name: 'x' }), 404, 'not_found');
  const r = await admin.get('/api/v1/users/abc');
  assert.ok([400, 404].includes(r.status), show(r));
});

test('customer users get no project_ids; inactive users cannot become members; admin cannot lock itself out', async () => {
  const cu = ok(await admin.post('/api/v1/users', { username: uname(), name: '客户甲', role: 'customer', customer_id: 1, password: PW }), 201);
  const projects = ok(await admin.get('/api/v1/projects'), 200);
  const foreign = projects.find((p) => p.customer_id !== 1);
  err(await admin.patch(`/api/v1/users/${cu.id}`, { project_ids: [foreign.id] }), 400, undefined, 'project_ids');
  err(await tokenClient(s, cu.username).get(`/api/v1/projects/${foreign.id}`), 404, 'not_found');

  const pu = ok(await admin.post('/api/v1/users', { username: uname(), name: '停用项目', role: 'project', password: PW }), 201);
  ok(await admin.patch(`/api/v1/users/${pu.id}`, { active: false }), 200);
  err(await admin.put(`/api/v1/projects/${foreign.id}/members`, { user_ids: [pu.id] }), 400, 'invalid_reference', 'user_ids');
  assert.ok(!ok(await admin.get(`/api/v1/projects/${foreign.id}`), 200).member_ids.includes(pu.id));

  const me = ok(await admin.get('/api/v1/me'), 200).user;
  const r = await admin.patch(`/api/v1/users/${me.id}`, { active: false });
  assert.ok(r.status >= 400 && r.status < 500, `admin deactivated itself: ${show(r)}`);
  const me2 = ok(await admin.get('/api/v1/me'), 200).user;
  assert.equal(me2.active, true);
  assert.equal(me2.role, 'admin');
});

test('department_head: on department roles only, in the user and the audit log; cleared when the role changes', async () => {
  const u = ok(await admin.post('/api/v1/users', { username: uname(), role: 'quality', password: PW, department_head: true }), 201);
  checkUser(u);
  assert.equal(u.department_head, true);
  assert.equal(ok(await admin.get(`/api/v1/users/${u.id}`), 200).department_head, true);
  assert.equal(ok(await admin.patch(`/api/v1/users/${u.id}`, { department_head: false }), 200).department_head, false);
  assert.equal(ok(await admin.patch(`/api/v1/users/${u.id}`, { department_head: true, name: '质量部 部长' }), 200).department_head, true);
  // a head who changes department stops being one, unless the same request says so
  assert.equal(ok(await admin.patch(`/api/v1/users/${u.id}`, { role: 'safety' }), 200).department_head, false);
  assert.equal(ok(await admin.patch(`/api/v1/users/${u.id}`, { role: 'cm', department_head: true }), 200).department_head, true);
  for (const [role, extra] of [['leader', {}], ['admin', {}], ['customer', { customer_id: 1 }]]) {
    const before = await listUsers();
    err(await admin.post('/api/v1/users', { username: uname(), role, password: PW, department_head: true, ...extra }), 400, 'invalid', 'department_head');
    assert.equal((await listUsers()).length, before.length, `no ${role} user created`);
  }
  err(await admin.patch(`/api/v1/users/${u.id}`, { role: 'leader', department_head: true }), 400, 'invalid', 'department_head');
  assert.equal(ok(await admin.get(`/api/v1/users/${u.id}`), 200).role, 'cm', 'the refused patch changed nothing');
  // a cm head made a leader stops being a head
  assert.equal(ok(await admin.patch(`/api/v1/users/${u.id}`, { role: 'leader' }), 200).department_head, false);
  for (const x of await listUsers()) assert.equal(typeof x.department_head, 'boolean');
});

test('the staff directory: active staff by name and department for every staff role; by project; customers 403', async () => {
  const gone = ok(await admin.post('/api/v1/users', { username: uname(), name: '已离职员工', role: 'quality', password: PW }), 201);
  ok(await admin.patch(`/api/v1/users/${gone.id}`, { active: false }), 200);
  const users = await listUsers();
  const by = Object.fromEntries(users.map((u) => [u.username, u]));
  const all = ok(await cm.get('/api/v1/staff'), 200);
  const want = users.filter((u) => u.active && !['admin', 'customer'].includes(u.role));
  assert.deepEqual(all.map((u) => u.id).sort((a, b) => a - b), want.map((u) => u.id).sort((a, b) => a - b));
  for (const u of all) {
    assert.deepEqual(Object.keys(u).sort(), ['department_head', 'id', 'name', 'role']);
    assert.equal(u.name, users.find((x) => x.id === u.id).name);
  }
  const roles = all.map((u) => u.role);
  assert.deepEqual(roles, [...roles].sort(), 'ordered by role');
  // on project 1: its project team (the user "project"), not another project's (zheng.kai); every department
  const p1 = ok(await cm.get('/api/v1/staff?project_id=1'), 200).map((u) => u.id);
  assert.ok(p1.includes(by.project.id) && !p1.includes(by['zheng.kai'].id), JSON.stringify(p1));
  for (const r of ['cm', 'quality', 'leader', 'safety', 'business']) assert.ok(p1.includes(by[r].id), `${r} sees project 1`);
  // a project-team member asks: their own project yes, another one 404
  const pc = tokenClient(s, 'project');
  assert.deepEqual(ok(await pc.get('/api/v1/staff?project_id=1'), 200).map((u) => u.id), p1);
  err(await pc.get('/api/v1/staff?project_id=5'), 404, 'not_found');
  err(await cm.get('/api/v1/staff?project_id=abc'), 400, 'invalid', 'project_id');
  err(await tokenClient(s, 'customer').get('/api/v1/staff'), 403, 'forbidden');
});
