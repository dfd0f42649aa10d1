// Stage events: the forward-only path of a project through its stages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { ok, err, uniq, tokenClient, RFC3339 } from './_util.mjs';

let s, admin, adminId, cust, projUserId;
before(async () => {
  s = await startServer();
  admin = tokenClient(s, 'admin');
  adminId = ok(await admin.get('/api/v1/me'), 200).user.id;
  cust = ok(await admin.post('/api/v1/customers', { name: uniq('阶段客户') }), 201);
  projUserId = ok(await tokenClient(s, 'project').get('/api/v1/me'), 200).user.id;
});
after(async () => { await s?.stop(); });

const newProject = async (extra = {}) => ok(await admin.post('/api/v1/projects', { code: uniq('E').toUpperCase(), name: '阶段测试项目', customer_id: cust.id, ...extra }), 201);
const ev = (c, pid, type, date, note) => c.post(`/api/v1/projects/${pid}/events`, note === undefined ? { type, date } : { type, date, note });
const events = async (pid) => ok(await admin.get(`/api/v1/projects/${pid}/events`), 200);
const stage = async (pid) => ok(await admin.get(`/api/v1/projects/${pid}`), 200).stage;

test('full forward path pre_contract → construction → warranty → post_warranty with dates', async () => {
  const p = await newProject();
  const e1 = ok(await ev(admin, p.id, 'contract_signed', '2026-01-10', '签订建设工程施工合同'), 201);
  assert.equal(typeof e1.id, 'number');
  assert.equal(e1.project_id, p.id);
  assert.equal(e1.type, 'contract_signed');
  assert.equal(e1.date, '2026-01-10');
  assert.equal(e1.note, '签订建设工程施工合同');
  assert.equal(e1.from_stage, 'pre_contract');
  assert.equal(e1.to_stage, 'construction');
  assert.equal(e1.user_id, adminId);
  assert.equal(typeof e1.user_name, 'string');
  assert.match(e1.created_at, RFC3339);
  let g = ok(await admin.get(`/api/v1/projects/${p.id}`), 200);
  assert.equal(g.stage, 'construction');
  assert.equal(g.contract_date, '2026-01-10');

  const e2 = ok(await ev(admin, p.id, 'completion_filed', '2026-10-20'), 201);
  assert.equal(e2.from_stage, 'construction');
  assert.equal(e2.to_stage, 'warranty');
  assert.equal(e2.note, null);
  g = ok(await admin.get(`/api/v1/projects/${p.id}`), 200);
  assert.equal(g.stage, 'warranty');
  assert.equal(g.completion_date, '2026-10-20');

  const e3 = ok(await ev(admin, p.id, 'warranty_ended', '2028-10-20'), 201);
  assert.equal(e3.from_stage, 'warranty');
  assert.equal(e3.to_stage, 'post_warranty');
  g = ok(await admin.get(`/api/v1/projects/${p.id}`), 200);
  assert.equal(g.stage, 'post_warranty');
  assert.equal(g.contract_date, '2026-01-10');
  assert.equal(g.completion_date, '2026-10-20');
  assert.equal(g.warranty_end_date, '2028-10-20');

  // stage filter follows the events
  const list = ok(await admin.get('/api/v1/projects?stage=post_warranty'), 200);
  assert.ok(list.some((x) => x.id === p.id));
});

test('GET events: oldest first, who (user_id, user_name) and when', async () => {
  const p = await newProject({ manager_id: projUserId });
  const pu = tokenClient(s, 'project');
  ok(await ev(admin, p.id, 'contract_signed', '2026-02-01'), 201);
  ok(await ev(pu, p.id, 'completion_filed', '2026-09-01'), 201);
  const list = await events(p.id);
  assert.equal(list.length, 2);
  assert.deepEqual(list.map((e) => e.type), ['contract_signed', 'completion_filed']);
  assert.deepEqual(list.map((e) => e.user_id), [adminId, projUserId]);
  const admName = ok(await admin.get(`/api/v1/users/${adminId}`), 200).name;
  const pName = ok(await admin.get(`/api/v1/users/${projUserId}`), 200).name;
  assert.deepEqual(list.map((e) => e.user_name), [admName, pName]);
  for (const e of list) { assert.match(e.created_at, RFC3339); assert.equal(e.project_id, p.id); }
  assert.ok(list[0].created_at <= list[1].created_at);
  assert.ok(list[0].id < list[1].id);
  assert.deepEqual(ok(await pu.get(`/api/v1/projects/${p.id}/events`), 200), list);
});

test('skipping a stage → 422 stage_order, nothing recorded', async () => {
  const p = await newProject();
  err(await ev(admin, p.id, 'completion_filed', '2026-03-01'), 422, 'stage_order');
  err(await ev(admin, p.id, 'warranty_ended', '2026-03-01'), 422, 'stage_order');
  assert.equal(await stage(p.id), 'pre_contract');
  assert.deepEqual(await events(p.id), []);
  ok(await ev(admin, p.id, 'contract_signed', '2026-03-01'), 201);
  err(await ev(admin, p.id, 'warranty_ended', '2026-04-01'), 422, 'stage_order');
  assert.equal(await stage(p.id), 'construction');
  assert.equal((await events(p.id)).length, 1);
});

test('repeating or going back → 422 stage_order', async () => {
  const p = await newProject();
  ok(await ev(admin, p.id, 'contract_signed', '2026-03-01'), 201);
  err(await ev(admin, p.id, 'contract_signed', '2026-03-02'), 422, 'stage_order');
  ok(await ev(admin, p.id, 'completion_filed', '2026-08-01'), 201);
  err(await ev(admin, p.id, 'completion_filed', '2026-08-02'), 422, 'stage_order');
  err(await ev(admin, p.id, 'contract_signed', '2026-08-02'), 422, 'stage_order');
  ok(await ev(admin, p.id, 'warranty_ended', '2028-08-01'), 201);
  for (const t of ['contract_signed', 'completion_filed', 'warranty_ended']) {
    err(await ev(admin, p.id, t, '2028-09-01'), 422, 'stage_order');
  }
  err(await admin.patch(`/api/v1/projects/${p.id}`, { stage: 'pre_contract' }), 400, 'unknown_field', 'stage');
  assert.equal(await stage(p.id), 'post_warranty');
  assert.equal((await events(p.id)).length, 3);
});

test('invalid dates → 400 field date; valid leap day accepted', async () => {
  const p = await newProject();
  for (const d of ['2026-02-30', '2026-13-01', '2026-00-10', '2026-1-5', '20260105', '2026/01/05', '2026-01-05T00:00:00Z', '', '2025-02-29']) {
    err(await ev(admin, p.id, 'contract_signed', d), 400, undefined, 'date');
  }
  err(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: 20260105 }), 400, undefined, 'date');
  err(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed' }), 400, 'missing_field', 'date');
  err(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'signed', date: '2026-01-05' }), 400, 'invalid', 'type');
  err(await ev(admin, p.id, 'contract_signed', '2026-01-05', 'x'.repeat(501)), 400, 'too_long', 'note');
  assert.equal(await stage(p.id), 'pre_contract');
  assert.deepEqual(await events(p.id), []);
  ok(await ev(admin, p.id, 'contract_signed', '2028-02-29'), 201);
});

test('date earlier than the previous event → 422 field date; same day is fine', async () => {
  const p = await newProject();
  ok(await ev(admin, p.id, 'contract_signed', '2026-05-10'), 201);
  err(await ev(admin, p.id, 'completion_filed', '2026-05-09'), 422, undefined, 'date');
  assert.equal(await stage(p.id), 'construction');
  ok(await ev(admin, p.id, 'completion_filed', '2026-05-10'), 201);
  err(await ev(admin, p.id, 'warranty_ended', '2025-12-31'), 422, undefined, 'date');
  assert.equal(await stage(p.id), 'warranty');
  assert.equal((await events(p.id)).length, 2);
});

test('who may record: customer on own project → 403; quality/safety/leader → 403; cm, business → 201', async () => {
  const cu = tokenClient(s, 'customer');
  const custId = ok(await cu.get('/api/v1/me'), 200).user.customer_id;
  const own = ok(await admin.post('/api/v1/projects', { code: uniq('C').toUpperCase(), name: '客户自己的项目', customer_id: custId }), 201);
  ok(await cu.get(`/api/v1/projects/${own.id}`), 200);
  err(await ev(cu, own.id, 'contract_signed', '2026-01-05'), 403, 'forbidden');
  for (const who of ['quality', 'safety', 'leader']) err(await ev(tokenClient(s, who), own.id, 'contract_signed', '2026-01-05'), 403, 'forbidden');
  assert.equal(await stage(own.id), 'pre_contract');
  assert.deepEqual(await events(own.id), []);
  // the customer may read its project's events
  ok(await cu.get(`/api/v1/projects/${own.id}/events`), 200);
  ok(await ev(tokenClient(s, 'business'), own.id, 'contract_signed', '2026-01-05'), 201);
  ok(await ev(tokenClient(s, 'cm'), own.id, 'completion_filed', '2026-06-05'), 201);
  assert.equal(await stage(own.id), 'warranty');
});

test('project staff: member records (201), non-member gets 404', async () => {
  const p = await newProject();
  ok(await admin.put(`/api/v1/projects/${p.id}/members`, { user_ids: [projUserId] }), 200);
  const pu = tokenClient(s, 'project');
  const e = ok(await ev(pu, p.id, 'contract_signed', '2026-04-01'), 201);
  assert.equal(e.user_id, projUserId);
  const other = s.addUser(uniq('pj').toLowerCase(), 'project', 'other-project-2026');
  assert.ok(other > 0);
  const outsider = tokenClient(s, (ok(await admin.get(`/api/v1/users/${other}`), 200)).username);
  err(await ev(outsider, p.id, 'completion_filed', '2026-09-01'), 404, 'not_found');
  err(await outsider.get(`/api/v1/projects/${p.id}/events`), 404, 'not_found');
  assert.equal(await stage(p.id), 'construction');
  // removed from the members → 404 from then on
  ok(await admin.put(`/api/v1/projects/${p.id}/members`, { user_ids: [other] }), 200);
  err(await ev(pu, p.id, 'completion_filed', '2026-09-01'), 404, 'not_found');
  ok(await ev(outsider, p.id, 'completion_filed', '2026-09-01'), 201);
});

test('unknown project → 404', async () => {
  err(await ev(admin, 999999, 'contract_signed', '2026-01-01'), 404, 'not_found');
  err(await admin.get('/api/v1/projects/999999/events'), 404, 'not_found');
});
