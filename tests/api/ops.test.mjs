// Operations: health, metrics, JSON everywhere under /api, 404s, logging, graceful stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO_PASSWORD } from '../lib/server.mjs';
import { api, ok, err, uniq, show } from './_util.mjs';

let s, admin;
before(async () => {
  s = await startServer();
  admin = api(s.url, { token: s.token('admin') });
});
after(async () => { await s?.stop(); });

test('/healthz → 200 {"status":"ok"} without auth', async () => {
  const r = await api(s.url).get('/healthz');
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.body, { status: 'ok' });
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
});

function requestCounterSum(text) {
  const counters = new Set([...text.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]));
  const reqCounters = [...counters].filter((n) => /request/i.test(n));
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([0-9.eE+-]+)/.exec(line);
    if (m && reqCounters.some((n) => m[1] === n || m[1] === `${n}_total`)) sum += Number(m[3]);
  }
  return { reqCounters, sum };
}

test('/metrics: Prometheus text with request counters that count requests', async () => {
  const r1 = await api(s.url).get('/metrics');
  assert.equal(r1.status, 200, show(r1));
  assert.match(r1.headers.get('content-type') || '', /^text\/plain/);
  const a = requestCounterSum(r1.text);
  assert.ok(a.reqCounters.length > 0, `no '# TYPE …request… counter' in:\n${r1.text.slice(0, 1000)}`);
  for (let i = 0; i < 7; i++) ok(await admin.get('/api/v1/customers'), 200);
  const b = requestCounterSum((await api(s.url).get('/metrics')).text);
  assert.ok(b.sum - a.sum >= 7, `request counters went from ${a.sum} to ${b.sum} after 7 requests`);
});

test('every /api response is application/json, errors included', async () => {
  const anon = api(s.url);
  const cm = api(s.url, { token: s.token('quality') });
  const rs = [
    await admin.get('/api/v1/me'),
    await admin.get('/api/v1/customers'),
    await admin.post('/api/v1/customers', { name: uniq('类型') }),
    await admin.post('/api/v1/customers', '{bad', { raw: true, headers: { 'content-type': 'application/json' } }),
    await admin.post('/api/v1/customers', 'x', { raw: true, headers: { 'content-type': 'text/plain' } }),
    await admin.post('/api/v1/customers', { name: 'x', zzz: 1 }),
    await admin.get('/api/v1/customers/999999'),
    await admin.post('/api/v1/users', { username: 'admin', name: 'x', role: 'cm', password: 'xxxxxxxxxxxxxx' }),
    await anon.get('/api/v1/customers'),
    await anon.post('/api/v1/session', { username: 'admin', password: 'wrong-password-x' }),
    await cm.post('/api/v1/customers', { name: 'x' }),
    await admin.get('/api/v1/nosuch'),
    await admin.request('DELETE', '/api/v1/customers'),
    await admin.request('PUT', '/api/v1/me', {}),
  ];
  for (const r of rs) {
    assert.match(r.headers.get('content-type') || '', /^application\/json/, show(r));
    assert.ok(r.body !== null, `not JSON: ${show(r)}`);
    if (r.status >= 400) assert.equal(typeof r.body.error?.code, 'string', show(r));
  }
});

test('unknown /api path → 404 JSON not_found; wrong method → 404 or 405 JSON', async () => {
  for (const p of ['/api/v1/nosuch', '/api/v2/customers', '/api/nosuch', '/api/v1/customers/1/nosuch', '/api/v1/']) {
    err(await admin.get(p), 404, 'not_found');
  }
  const anon = await api(s.url).get('/api/v1/nosuch');
  assert.ok([401, 404].includes(anon.status), show(anon));
  assert.ok(anon.body?.error?.code, show(anon));
  const r = await admin.request('DELETE', '/api/v1/customers');
  assert.ok([404, 405].includes(r.status), show(r));
  assert.ok(r.body?.error?.code, show(r));
});

test('web app served at /', async () => {
  const r = await fetch(s.url + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^text\/html/);
  assert.match(await r.text(), /<html|<!doctype html/i);
});

test('request log: one line per request, never the password', async () => {
  const c = api(s.url);
  await c.login('admin', DEMO_PASSWORD);
  const marker = `/api/v1/customers/${987654}`;
  await admin.get(marker);
  await new Promise((r) => setTimeout(r, 100));
  const log = s.stderr();
  assert.ok(log.split('\n').some((l) => l.includes('GET') && l.includes(marker) && /\b404\b/.test(l)), `no log line for GET ${marker} 404`);
  assert.ok(!log.includes(DEMO_PASSWORD), 'password in the log');
  assert.ok(!log.includes(c.csrf), 'csrf token in the log');
  assert.ok(!log.includes(c.cookie.split('=')[1]), 'session cookie in the log');
});

test('graceful stop: SIGTERM during writes → exit code 0, every 201 kept', async () => {
  const s2 = await startServer();
  let s3 = null;
  try {
    const token = s2.token('admin');
    const c = api(s2.url, { token });
    ok(await c.get('/healthz'), 200);
    const inflight = Array.from({ length: 20 }, (_, i) => c.post('/api/v1/customers', { name: `停机${i}` }).catch(() => ({ status: 0 })));
    await new Promise((r) => setTimeout(r, 5));
    const { code, sig } = await s2.stop({ keep: true });
    assert.equal(sig, null, `killed by ${sig}`);
    assert.equal(code, 0, `exit code ${code}; log:\n${s2.stderr().slice(-2000)}`);
    const rs = await Promise.all(inflight);
    for (const r of rs) assert.ok(r.status === 0 || r.status === 201, show(r));
    s3 = await startServer({ demo: false, db: s2.db });
    const list = ok(await api(s3.url, { token }).get('/api/v1/customers'), 200);
    for (const r of rs.filter((x) => x.status === 201)) assert.ok(list.some((x) => x.id === r.body.id), `customer ${r.body.id} lost`);
  } finally {
    await s3?.stop();
    await s2.stop();
  }
});

test('no CORS grant to other origins', async () => {
  const r = await fetch(s.url + '/api/v1/customers', { headers: { origin: 'http://evil.example', authorization: `Bearer ${admin.token}` } });
  const acao = r.headers.get('access-control-allow-origin');
  assert.ok(acao === null || (acao !== '*' && acao !== 'http://evil.example'), `access-control-allow-origin: ${acao}`);
  const pre = await fetch(s.url + '/api/v1/customers', { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
  const acao2 = pre.headers.get('access-control-allow-origin');
  assert.ok(acao2 === null || (acao2 !== '*' && acao2 !== 'http://evil.example'), `preflight access-control-allow-origin: ${acao2}`);
  assert.ok(pre.status < 500, `OPTIONS → ${pre.status}`);
});
