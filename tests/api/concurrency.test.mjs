// Concurrency: many writers at once, and races on the same state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { api, ok, uniq, show } from './_util.mjs';

let s, admin, cust;
before(async () => {
  s = await startServer();
  admin = api(s.url, { token: s.token('admin') });
  cust = ok(await admin.post('/api/v1/customers', { name: uniq('并发客户') }), 201);
});
after(async () => { await s?.stop(); });

test('200 concurrent customer POSTs (Bearer): all 201, distinct ids, zero 5xx, all listed', async () => {
  const names = Array.from({ length: 200 }, (_, i) => uniq(`并发${i}-`));
  const rs = await Promise.all(names.map((name) => admin.post('/api/v1/customers', { name })));
  const fivexx = rs.filter((r) => r.status >= 500);
  assert.deepEqual(fivexx.map(show), [], '5xx answers');
  const not201 = rs.filter((r) => r.status !== 201);
  assert.deepEqual(not201.map(show), [], 'non-201 answers');
  const ids = rs.map((r) => r.body.id);
  assert.equal(new Set(ids).size, 200, 'ids not distinct');
  rs.forEach((r, i) => assert.equal(r.body.name, names[i]));
  const list = ok(await admin.get('/api/v1/customers'), 200);
  const byId = new Map(list.map((x) => [x.id, x.name]));
  for (let i = 0; i < 200; i++) assert.equal(byId.get(ids[i]), names[i], `customer ${ids[i]} missing or wrong`);
});

test('200 concurrent reads while writing: no errors', async () => {
  const reads = Array.from({ length: 100 }, () => admin.get(`/api/v1/customers/${cust.id}`));
  const writes = Array.from({ length: 50 }, () => admin.post('/api/v1/customers', { name: uniq('读写') }));
  const lists = Array.from({ length: 50 }, () => admin.get('/api/v1/projects'));
  const rs = await Promise.all([...reads, ...writes, ...lists]);
  const bad = rs.filter((r) => r.status !== 200 && r.status !== 201);
  assert.deepEqual(bad.map(show), []);
});

test('two concurrent identical stage events: exactly one 201, the other 422 (10 projects)', async () => {
  const results = [];
  for (let k = 0; k < 10; k++) {
    const p = ok(await admin.post('/api/v1/projects', { code: uniq('R'), name: '竞态项目', customer_id: cust.id }), 201);
    const body = { type: 'contract_signed', date: '2026-01-15' };
    const [a, b] = await Promise.all([admin.post(`/api/v1/projects/${p.id}/events`, body), admin.post(`/api/v1/projects/${p.id}/events`, body)]);
    const st = [a.status, b.status].sort();
    results.push({ pid: p.id, st, a: show(a), b: show(b) });
    assert.deepEqual(st, [201, 422], `project ${p.id}: ${show(a)} | ${show(b)}`);
    const loser = a.status === 422 ? a : b;
    assert.equal(loser.body.error.code, 'stage_order');
    const evs = ok(await admin.get(`/api/v1/projects/${p.id}/events`), 200);
    assert.equal(evs.length, 1, `project ${p.id} has ${evs.length} events`);
    assert.equal(ok(await admin.get(`/api/v1/projects/${p.id}`), 200).stage, 'construction');
  }
});

test('concurrent different events on one project: the stage ends consistent with the events', async () => {
  const p = ok(await admin.post('/api/v1/projects', { code: uniq('R'), name: '并发事件', customer_id: cust.id }), 201);
  const rs = await Promise.all([
    admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-15' }),
    admin.post(`/api/v1/projects/${p.id}/events`, { type: 'completion_filed', date: '2026-06-15' }),
    admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-16' }),
  ]);
  for (const r of rs) assert.ok([201, 422].includes(r.status), show(r));
  const evs = ok(await admin.get(`/api/v1/projects/${p.id}/events`), 200);
  assert.equal(evs.length, rs.filter((r) => r.status === 201).length);
  assert.equal(evs.filter((e) => e.type === 'contract_signed').length, 1);
  const g = ok(await admin.get(`/api/v1/projects/${p.id}`), 200);
  assert.equal(g.stage, evs[evs.length - 1].to_stage);
});

test('concurrent creates of the same username / project code: one 201, the rest 409', async () => {
  const username = uniq('race').toLowerCase();
  const us = await Promise.all(Array.from({ length: 5 }, () => admin.post('/api/v1/users', { username, name: '竞态', role: 'cm', password: 'race-password-2026' })));
  assert.deepEqual(us.map((r) => r.status).sort(), [201, 409, 409, 409, 409], us.map(show).join('\n'));
  const code = uniq('RC');
  const ps = await Promise.all(Array.from({ length: 5 }, () => admin.post('/api/v1/projects', { code, name: '同码', customer_id: cust.id })));
  assert.deepEqual(ps.map((r) => r.status).sort(), [201, 409, 409, 409, 409], ps.map(show).join('\n'));
  assert.equal(ok(await admin.get('/api/v1/projects'), 200).filter((p) => p.code === code).length, 1);
});
