// Durability: whatever the API acknowledged survives kill -9.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { api, ok, uniq, show } from './_util.mjs';

let s, token;
before(async () => {
  s = await startServer();
  token = s.token('admin');
});
after(async () => { await s?.stop(); });

const c = () => api(s.url, { token });

test('a created customer survives SIGKILL right after the 201', async () => {
  const name = uniq('断电客户');
  const made = ok(await c().post('/api/v1/customers', { name, contact: '赵' }), 201);
  await s.kill();
  await s.restart();
  const g = ok(await c().get(`/api/v1/customers/${made.id}`), 200);
  assert.equal(g.name, name);
  assert.equal(g.contact, '赵');
  // the API token (written before) still works, and the server takes writes again
  ok(await c().post('/api/v1/customers', { name: uniq('重启后') }), 201);
});

test('burst of 50 concurrent creates, SIGKILL mid-burst: every 201\'d id survives', async () => {
  const cl = c();
  const acked = [];
  const bad = [];
  let settled = 0;
  let killing = null;
  const reqs = Array.from({ length: 50 }, (_, i) => {
    const name = uniq(`突发${i}-`);
    return cl.post('/api/v1/customers', { name }).then((r) => {
      if (r.status === 201) acked.push({ id: r.body.id, name });
      else bad.push(show(r));
    }, () => { /* connection cut by the kill: not acknowledged */ }).finally(() => {
      settled += 1;
      if (settled === 25 && !killing) killing = s.kill();
    });
  });
  await Promise.allSettled(reqs);
  await (killing || s.kill());
  assert.deepEqual(bad, [], 'non-201 answers before the kill');
  assert.ok(acked.length >= 25, `only ${acked.length} of the first 25 answers were 201`);
  await s.restart();
  const list = ok(await c().get('/api/v1/customers'), 200);
  const byId = new Map(list.map((x) => [x.id, x]));
  const lost = acked.filter((a) => !byId.has(a.id) || byId.get(a.id).name !== a.name);
  assert.deepEqual(lost, [], `${lost.length} acknowledged customers lost`);
  assert.equal(new Set(acked.map((a) => a.id)).size, acked.length, 'duplicate ids acknowledged');
});

test('a stage event and a project survive SIGKILL', async () => {
  const cl = c();
  const cust = ok(await cl.post('/api/v1/customers', { name: uniq('持久客户') }), 201);
  const p = ok(await cl.post('/api/v1/projects', { code: uniq('D'), name: '持久项目', customer_id: cust.id }), 201);
  ok(await cl.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-03-03' }), 201);
  await s.kill();
  await s.restart();
  const g = ok(await c().get(`/api/v1/projects/${p.id}`), 200);
  assert.equal(g.stage, 'construction');
  assert.equal(g.contract_date, '2026-03-03');
  assert.equal(ok(await c().get(`/api/v1/projects/${p.id}/events`), 200).length, 1);
});
