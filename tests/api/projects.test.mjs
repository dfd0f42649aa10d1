// Projects: create, conflicts, references, filters, members, visibility.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { ok, err, uniq, tokenClient, RFC3339, ids } from './_util.mjs';

let s, admin, cust, projUserId, cmUserId;
before(async () => {
  s = await startServer();
  admin = tokenClient(s, 'admin');
  cust = ok(await admin.post('/api/v1/customers', { name: uniq('项目测试客户') }), 201);
  projUserId = ok(await tokenClient(s, 'project').get('/api/v1/me'), 200).user.id;
  cmUserId = ok(await tokenClient(s, 'cm').get('/api/v1/me'), 200).user.id;
});
after(async () => { await s?.stop(); });

const sorted = (a) => [...a].sort((x, y) => x - y);
const code = () => uniq('P').toUpperCase().slice(0, 32);
const allProjects = async () => ok(await admin.get('/api/v1/projects'), 200);
const q = (o) => '?' + new URLSearchParams(o).toString();

test('create → 201 PROJECT in stage pre_contract', async () => {
  const c = code();
  const p = ok(await admin.post('/api/v1/projects', { code: c, name: '朝阳区住宅楼工程', customer_id: cust.id }), 201);
  assert.equal(typeof p.id, 'number');
  assert.equal(p.code, c);
  assert.equal(p.name, '朝阳区住宅楼工程');
  assert.equal(p.customer_id, cust.id);
  assert.equal(p.customer_name, cust.name);
  assert.equal(p.stage, 'pre_contract');
  assert.equal(p.manager_id, null);
  assert.equal(p.manager_name, null);
  assert.equal(p.contract_date, null);
  assert.equal(p.completion_date, null);
  assert.equal(p.warranty_end_date, null);
  assert.deepEqual(p.member_ids, []);
  assert.match(p.created_at, RFC3339);
  assert.match(p.updated_at, RFC3339);
  assert.deepEqual(ok(await admin.get(`/api/v1/projects/${p.id}`), 200), p);
  assert.ok(ids(await allProjects()).includes(p.id));
});

test('create with manager: manager_name set and manager becomes a member', async () => {
  const p = ok(await admin.post('/api/v1/projects', { code: code(), name: '带经理项目', customer_id: cust.id, manager_id: projUserId }), 201);
  assert.equal(p.manager_id, projUserId);
  assert.equal(typeof p.manager_name, 'string');
  assert.ok(p.manager_name.length > 0);
  assert.ok(p.member_ids.includes(projUserId));
  assert.ok(ids(ok(await tokenClient(s, 'project').get('/api/v1/projects'), 200)).includes(p.id));
});

test('roles: business and cm create; quality/leader/safety/project/customer → 403', async () => {
  for (const who of ['business', 'cm']) ok(await tokenClient(s, who).post('/api/v1/projects', { code: code(), name: `${who}项目`, customer_id: cust.id }), 201);
  const n = (await allProjects()).length;
  for (const who of ['quality', 'leader', 'safety', 'project', 'customer']) {
    err(await tokenClient(s, who).post('/api/v1/projects', { code: code(), name: '禁止', customer_id: cust.id }), 403, 'forbidden');
  }
  assert.equal((await allProjects()).length, n);
});

test('duplicate code → 409 conflict (create and patch), nothing changed', async () => {
  const c = code();
  const a = ok(await admin.post('/api/v1/projects', { code: c, name: '原项目', customer_id: cust.id }), 201);
  const n = (await allProjects()).length;
  err(await admin.post('/api/v1/projects', { code: c, name: '重复项目', customer_id: cust.id }), 409, 'conflict');
  assert.equal((await allProjects()).length, n);
  const b = ok(await admin.post('/api/v1/projects', { code: code(), name: '另一个', customer_id: cust.id }), 201);
  err(await admin.patch(`/api/v1/projects/${b.id}`, { code: c }), 409, 'conflict');
  assert.equal(ok(await admin.get(`/api/v1/projects/${b.id}`), 200).code, b.code);
  assert.equal(ok(await admin.get(`/api/v1/projects/${a.id}`), 200).name, '原项目');
});

test('unknown customer_id → 400 invalid_reference field customer_id', async () => {
  const n = (await allProjects()).length;
  err(await admin.post('/api/v1/projects', { code: code(), name: 'x', customer_id: 999999 }), 400, 'invalid_reference', 'customer_id');
  assert.equal((await allProjects()).length, n);
  const p = ok(await admin.post('/api/v1/projects', { code: code(), name: 'x', customer_id: cust.id }), 201);
  err(await admin.patch(`/api/v1/projects/${p.id}`, { customer_id: 999999 }), 400, 'invalid_reference', 'customer_id');
  assert.equal(ok(await admin.get(`/api/v1/projects/${p.id}`), 200).customer_id, cust.id);
});

test('manager_id of a non-project user or unknown user → 400 invalid_reference field manager_id', async () => {
  const n = (await allProjects()).length;
  err(await admin.post('/api/v1/projects', { code: code(), name: 'x', customer_id: cust.id, manager_id: cmUserId }), 400, 'invalid_reference', 'manager_id');
  err(await admin.post('/api/v1/projects', { code: code(), name: 'x', customer_id: cust.id, manager_id: 999999 }), 400, 'invalid_reference', 'manager_id');
  // an inactive project user is not a valid manager either
  const pw = 'inactive-manager-2026';
  const uid = s.addUser(uniq('pm').toLowerCase(), 'project', pw);
  ok(await admin.patch(`/api/v1/users/${uid}`, { active: false }), 200);
  err(await admin.post('/api/v1/projects', { code: code(), name: 'x', customer_id: cust.id, manager_id: uid }), 400, 'invalid_reference', 'manager_id');
  assert.equal((await allProjects()).length, n);
});

test('filters: stage, customer_id', async () => {
  const all = await allProjects();
  const stages = new Set(all.map((p) => p.stage));
  for (const st of ['pre_contract', 'construction', 'warranty', 'post_warranty']) {
    assert.ok(stages.has(st), `demo company has no project in ${st}`);
    const got = ok(await admin.get('/api/v1/projects' + q({ stage: st })), 200);
    assert.deepEqual(sorted(ids(got)), sorted(ids(all.filter((p) => p.stage === st))), `stage=${st}`);
  }
  const cid = all[0].customer_id;
  const got = ok(await admin.get('/api/v1/projects' + q({ customer_id: cid })), 200);
  assert.deepEqual(sorted(ids(got)), sorted(ids(all.filter((p) => p.customer_id === cid))));
  const both = ok(await admin.get('/api/v1/projects' + q({ customer_id: cid, stage: 'post_warranty' })), 200);
  assert.deepEqual(sorted(ids(both)), sorted(ids(all.filter((p) => p.customer_id === cid && p.stage === 'post_warranty'))));
});

test('filter q: 2-character Chinese substring of name, customer name, code', async () => {
  const c2 = ok(await admin.post('/api/v1/customers', { name: '甄嬛建材有限公司' }), 201);
  const pa = ok(await admin.post('/api/v1/projects', { code: code(), name: '鹭洲琥珀花园三期', customer_id: cust.id }), 201);
  const pb = ok(await admin.post('/api/v1/projects', { code: code(), name: '普通厂房', customer_id: c2.id }), 201);
  const byName = ok(await admin.get('/api/v1/projects' + q({ q: '琥珀' })), 200);
  assert.deepEqual(ids(byName), [pa.id]);
  const byName3 = ok(await admin.get('/api/v1/projects' + q({ q: '琥珀花' })), 200);
  assert.deepEqual(ids(byName3), [pa.id]);
  const byCust = ok(await admin.get('/api/v1/projects' + q({ q: '甄嬛' })), 200);
  assert.deepEqual(ids(byCust), [pb.id]);
  const byCode = ok(await admin.get('/api/v1/projects' + q({ q: pa.code.slice(2) })), 200);
  assert.ok(ids(byCode).includes(pa.id));
  // a name from the demo company: every hit contains the query somewhere
  const demo = (await allProjects()).find((p) => /[\u4e00-\u9fff]{2}/.test(p.name) && p.id !== pa.id && p.id !== pb.id);
  assert.ok(demo, 'no Chinese project name in demo data');
  const sub = demo.name.match(/[\u4e00-\u9fff]{2}/)[0];
  const hits = ok(await admin.get('/api/v1/projects' + q({ q: sub })), 200);
  assert.ok(ids(hits).includes(demo.id), `q=${sub} does not find ${demo.name}`);
  for (const h of hits) assert.ok(`${h.code}\n${h.name}\n${h.customer_name}`.includes(sub), `q=${sub} returned ${h.name}`);
  assert.deepEqual(ok(await admin.get('/api/v1/projects' + q({ q: '不存在的词语组合' })), 200), []);
});

test('members PUT replaces member_ids; customers and unknown users refused', async () => {
  const p = ok(await admin.post('/api/v1/projects', { code: code(), name: '成员项目', customer_id: cust.id, manager_id: projUserId }), 201);
  const qid = ok(await tokenClient(s, 'quality').get('/api/v1/me'), 200).user.id;
  const r = ok(await admin.put(`/api/v1/projects/${p.id}/members`, { user_ids: [qid, cmUserId] }), 200);
  assert.deepEqual(sorted(r.member_ids), sorted([qid, cmUserId]));
  assert.deepEqual(sorted(ok(await admin.get(`/api/v1/projects/${p.id}`), 200).member_ids), sorted([qid, cmUserId]));
  const custUserId = ok(await tokenClient(s, 'customer').get('/api/v1/me'), 200).user.id;
  err(await admin.put(`/api/v1/projects/${p.id}/members`, { user_ids: [qid, custUserId] }), 400, 'invalid_reference', 'user_ids');
  err(await admin.put(`/api/v1/projects/${p.id}/members`, { user_ids: [999999] }), 400, 'invalid_reference', 'user_ids');
  assert.deepEqual(sorted(ok(await admin.get(`/api/v1/projects/${p.id}`), 200).member_ids), sorted([qid, cmUserId]));
  ok(await admin.put(`/api/v1/projects/${p.id}/members`, { user_ids: [] }), 200);
  assert.deepEqual(ok(await admin.get(`/api/v1/projects/${p.id}`), 200).member_ids, []);
  err(await tokenClient(s, 'quality').put(`/api/v1/projects/${p.id}/members`, { user_ids: [qid] }), 403, 'forbidden');
  err(await admin.put('/api/v1/projects/999999/members', { user_ids: [] }), 404, 'not_found');
});

test('project user sees only member projects; non-member id → 404 (never 403)', async () => {
  const pu = tokenClient(s, 'project');
  const all = await allProjects();
  const mine = all.filter((p) => p.member_ids.includes(projUserId));
  const notMine = all.filter((p) => !p.member_ids.includes(projUserId));
  assert.ok(mine.length > 0 && notMine.length > 0);
  assert.deepEqual(sorted(ids(ok(await pu.get('/api/v1/projects'), 200))), sorted(ids(mine)));
  for (const p of notMine.slice(0, 5)) {
    err(await pu.get(`/api/v1/projects/${p.id}`), 404, 'not_found');
    err(await pu.get(`/api/v1/projects/${p.id}/events`), 404, 'not_found');
    err(await pu.patch(`/api/v1/projects/${p.id}`, { name: '越权' }), 404, 'not_found');
    err(await pu.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-05' }), 404, 'not_found');
  }
  for (const p of mine.slice(0, 3)) ok(await pu.get(`/api/v1/projects/${p.id}`), 200);
  const q2 = ok(await pu.get('/api/v1/projects' + q({ stage: notMine[0].stage })), 200);
  for (const p of q2) assert.ok(p.member_ids.includes(projUserId), 'filter leaks non-member project');
});

test('customer user sees only its customer\'s projects; others → 404 on GET, PATCH, events', async () => {
  const cu = tokenClient(s, 'customer');
  const me = ok(await cu.get('/api/v1/me'), 200).user;
  const all = await allProjects();
  const own = all.filter((p) => p.customer_id === me.customer_id);
  const other = all.filter((p) => p.customer_id !== me.customer_id);
  assert.ok(own.length > 0 && other.length > 0);
  assert.deepEqual(sorted(ids(ok(await cu.get('/api/v1/projects'), 200))), sorted(ids(own)));
  ok(await cu.get(`/api/v1/projects/${own[0].id}`), 200);
  for (const p of other.slice(0, 5)) {
    err(await cu.get(`/api/v1/projects/${p.id}`), 404, 'not_found');
    err(await cu.patch(`/api/v1/projects/${p.id}`, { name: '越权' }), 404, 'not_found');
    err(await cu.get(`/api/v1/projects/${p.id}/events`), 404, 'not_found');
    err(await cu.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-05' }), 404, 'not_found');
  }
  // filtering by another customer's id yields nothing
  assert.deepEqual(ok(await cu.get('/api/v1/projects' + q({ customer_id: other[0].customer_id })), 200), []);
  for (const p of other.slice(0, 5)) assert.equal(ok(await admin.get(`/api/v1/projects/${p.id}`), 200).name, p.name);
});

test('PATCH: name/manager change; "stage" → 400 unknown_field field stage, stage unchanged', async () => {
  const p = ok(await admin.post('/api/v1/projects', { code: code(), name: '改名前', customer_id: cust.id }), 201);
  const r = ok(await admin.patch(`/api/v1/projects/${p.id}`, { name: '改名后', manager_id: projUserId }), 200);
  assert.equal(r.name, '改名后');
  assert.equal(r.manager_id, projUserId);
  assert.equal(r.code, p.code);
  err(await admin.patch(`/api/v1/projects/${p.id}`, { stage: 'warranty' }), 400, 'unknown_field', 'stage');
  err(await admin.patch(`/api/v1/projects/${p.id}`, { name: '再改', stage: 'construction' }), 400, 'unknown_field', 'stage');
  const g = ok(await admin.get(`/api/v1/projects/${p.id}`), 200);
  assert.equal(g.stage, 'pre_contract');
  assert.equal(g.name, '改名后');
  err(await tokenClient(s, 'quality').patch(`/api/v1/projects/${p.id}`, { name: 'q' }), 403, 'forbidden');
  err(await admin.patch('/api/v1/projects/999999', { name: 'x' }), 404, 'not_found');
});

test('q filter never widens visibility (customer and project users)', async () => {
  const all = await allProjects();
  const cu = tokenClient(s, 'customer');
  const me = ok(await cu.get('/api/v1/me'), 200).user;
  const foreign = all.find((p) => p.customer_id !== me.customer_id && /[\u4e00-\u9fff]{2}/.test(p.name));
  const sub = foreign.name.match(/[\u4e00-\u9fff]{2}/)[0];
  for (const p of ok(await cu.get('/api/v1/projects' + q({ q: sub })), 200)) assert.equal(p.customer_id, me.customer_id, `q=${sub} leaks project ${p.id}`);
  for (const p of ok(await cu.get('/api/v1/projects' + q({ q: foreign.code })), 200)) assert.equal(p.customer_id, me.customer_id);
  const pu = tokenClient(s, 'project');
  const hidden = all.find((p) => !p.member_ids.includes(projUserId));
  for (const p of ok(await pu.get('/api/v1/projects' + q({ q: hidden.code })), 200)) assert.ok(p.member_ids.includes(projUserId), `q leaks project ${p.id}`);
});
