// Customers: CRUD, roles, visibility.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { ok, err, uniq, tokenClient, RFC3339, ids } from './_util.mjs';

let s, admin;
before(async () => {
  s = await startServer();
  admin = tokenClient(s, 'admin');
});
after(async () => { await s?.stop(); });

const sorted = (a) => [...a].sort((x, y) => x - y);
const allCustomers = async () => ok(await admin.get('/api/v1/customers'), 200);

test('create → 201 CUSTOMER with id; absent optional fields are null', async () => {
  const name = uniq('北京城建客户');
  const c = ok(await admin.post('/api/v1/customers', { name }), 201);
  assert.equal(typeof c.id, 'number');
  assert.equal(c.name, name);
  for (const k of ['contact', 'phone', 'email', 'address']) assert.equal(c[k], null, `${k} should be null`);
  assert.match(c.created_at, RFC3339);
  assert.match(c.updated_at, RFC3339);

  const full = { name: uniq('中建客户'), contact: '张经理', phone: '010-8888 6666', email: 'zhang@example.cn', address: '北京市朝阳区建国路 88 号\n3 号楼' };
  const f = ok(await admin.post('/api/v1/customers', full), 201);
  for (const [k, v] of Object.entries(full)) assert.equal(f[k], v, k);
  assert.notEqual(f.id, c.id);
});

test('list contains created customers; get equals list entry', async () => {
  const made = ok(await admin.post('/api/v1/customers', { name: uniq('列表客户'), contact: '李' }), 201);
  const list = await allCustomers();
  assert.ok(Array.isArray(list));
  const entry = list.find((x) => x.id === made.id);
  assert.ok(entry, 'created customer not in list');
  assert.deepEqual(entry, made);
  assert.deepEqual(ok(await admin.get(`/api/v1/customers/${made.id}`), 200), made);
  assert.equal(new Set(ids(list)).size, list.length, 'duplicate ids in list');
});

test('patch: changes given fields only, clears with null, bumps updated_at', async () => {
  const made = ok(await admin.post('/api/v1/customers', { name: uniq('修改客户'), contact: '王', phone: '13800000000' }), 201);
  await new Promise((r) => setTimeout(r, 1100));
  const p = ok(await admin.patch(`/api/v1/customers/${made.id}`, { phone: '13900000000', address: '上海市' }), 200);
  assert.equal(p.phone, '13900000000');
  assert.equal(p.address, '上海市');
  assert.equal(p.name, made.name);
  assert.equal(p.contact, '王');
  assert.equal(p.created_at, made.created_at);
  assert.ok(p.updated_at > made.updated_at, `updated_at ${p.updated_at} not after ${made.updated_at}`);
  const g = ok(await admin.get(`/api/v1/customers/${made.id}`), 200);
  assert.deepEqual(g, p);
  const n = ok(await admin.patch(`/api/v1/customers/${made.id}`, { contact: null }), 200);
  assert.equal(n.contact, null);
  err(await admin.patch(`/api/v1/customers/${made.id}`, { name: null }), 400, undefined, 'name');
  err(await admin.patch(`/api/v1/customers/${made.id}`, { name: '' }), 400, undefined, 'name');
  assert.equal(ok(await admin.get(`/api/v1/customers/${made.id}`), 200).name, made.name);
  err(await admin.patch('/api/v1/customers/999999', { name: 'x' }), 404, 'not_found');
});

test('roles: admin, business, cm create; project/quality/leader/safety/customer → 403, nothing created', async () => {
  for (const who of ['business', 'cm']) {
    ok(await tokenClient(s, who).post('/api/v1/customers', { name: uniq(`${who}客户`) }), 201);
  }
  const before = (await allCustomers()).length;
  const names = [];
  for (const who of ['project', 'quality', 'leader', 'safety', 'customer']) {
    const c = tokenClient(s, who);
    const name = uniq(`${who}禁止`);
    names.push(name);
    err(await c.post('/api/v1/customers', { name }), 403, 'forbidden');
  }
  const list = await allCustomers();
  assert.equal(list.length, before);
  for (const n of names) assert.ok(!list.some((x) => x.name === n), `${n} created`);
  // patch refused too (on a customer each can see: the customer user's own)
  for (const who of ['quality', 'leader', 'safety', 'customer']) {
    err(await tokenClient(s, who).patch('/api/v1/customers/1', { name: `${who}改名` }), 403, 'forbidden');
  }
  assert.ok(!ok(await admin.get('/api/v1/customers/1'), 200).name.endsWith('改名'));
});

test('customer user sees only its own customer', async () => {
  const cu = tokenClient(s, 'customer');
  const me = ok(await cu.get('/api/v1/me'), 200).user;
  assert.equal(me.role, 'customer');
  assert.equal(typeof me.customer_id, 'number');
  const list = ok(await cu.get('/api/v1/customers'), 200);
  assert.deepEqual(ids(list), [me.customer_id]);
  ok(await cu.get(`/api/v1/customers/${me.customer_id}`), 200);
  const others = (await allCustomers()).filter((x) => x.id !== me.customer_id);
  assert.ok(others.length > 0);
  for (const o of others.slice(0, 5)) err(await cu.get(`/api/v1/customers/${o.id}`), 404, 'not_found');
  const fresh = ok(await admin.post('/api/v1/customers', { name: uniq('别人的客户') }), 201);
  err(await cu.get(`/api/v1/customers/${fresh.id}`), 404, 'not_found');
  // same answer as for an id that does not exist
  err(await cu.get('/api/v1/customers/999999'), 404, 'not_found');
});

test('project staff sees only customers of its member projects', async () => {
  const pu = tokenClient(s, 'project');
  const me = ok(await pu.get('/api/v1/me'), 200).user;
  const projects = ok(await admin.get('/api/v1/projects'), 200);
  const expected = new Set(projects.filter((p) => p.member_ids.includes(me.id)).map((p) => p.customer_id));
  assert.ok(expected.size > 0, 'demo project user is member of no project');
  const seen = ok(await pu.get('/api/v1/customers'), 200);
  assert.deepEqual(sorted(ids(seen)), sorted([...expected]));
  const hidden = (await allCustomers()).filter((c) => !expected.has(c.id));
  assert.ok(hidden.length > 0);
  for (const h of hidden.slice(0, 5)) err(await pu.get(`/api/v1/customers/${h.id}`), 404, 'not_found');

  // a new customer becomes visible once the user joins one of its projects
  const cust = ok(await admin.post('/api/v1/customers', { name: uniq('新项目客户') }), 201);
  err(await pu.get(`/api/v1/customers/${cust.id}`), 404, 'not_found');
  const proj = ok(await admin.post('/api/v1/projects', { code: uniq('CV'), name: '客户可见性项目', customer_id: cust.id }), 201);
  err(await pu.get(`/api/v1/customers/${cust.id}`), 404, 'not_found');
  ok(await admin.put(`/api/v1/projects/${proj.id}/members`, { user_ids: [me.id] }), 200);
  assert.equal(ok(await pu.get(`/api/v1/customers/${cust.id}`), 200).id, cust.id);
  assert.ok(ids(ok(await pu.get('/api/v1/customers'), 200)).includes(cust.id));
});

test('other staff (quality, leader, safety) see all customers', async () => {
  const all = sorted(ids(await allCustomers()));
  for (const who of ['quality', 'leader', 'safety', 'cm', 'business']) {
    assert.deepEqual(sorted(ids(ok(await tokenClient(s, who).get('/api/v1/customers'), 200))), all, who);
  }
});
