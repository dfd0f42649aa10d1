// Sign-in, sessions, CSRF, API tokens, rate limit, deactivation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO_PASSWORD } from '../lib/server.mjs';
import { api, ok, err, uniq, tokenClient, loginClient, show } from './_util.mjs';

let s, admin;
before(async () => {
  s = await startServer();
  admin = tokenClient(s, 'admin');
});
after(async () => { await s?.stop(); });

const customerNames = async () => ok(await admin.get('/api/v1/customers'), 200).map((c) => c.name);

test('sign-in: 201, user, csrf_token, cookie HttpOnly + SameSite=Strict + Path=/', async () => {
  const c = api(s.url);
  const r = await c.post('/api/v1/session', { username: 'admin', password: DEMO_PASSWORD });
  const b = ok(r, 201);
  assert.equal(b.user.username, 'admin');
  assert.equal(b.user.role, 'admin');
  assert.equal(b.user.active, true);
  assert.equal(typeof b.csrf_token, 'string');
  assert.ok(b.csrf_token.length >= 16, 'csrf_token too short');
  for (const k of Object.keys(b.user)) assert.ok(!/pass|hash|salt/i.test(k), `user exposes ${k}`);
  const set = r.headers.get('set-cookie') || '';
  assert.match(set, /^kefu_session=[^;]{16,}/, set);
  const attrs = set.split(';').map((x) => x.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), `no HttpOnly: ${set}`);
  assert.ok(attrs.includes('samesite=strict'), `no SameSite=Strict: ${set}`);
  assert.ok(attrs.includes('path=/'), `no Path=/: ${set}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
});

test('wrong password and unknown user: both 401 invalid_credentials, same message', async () => {
  const c = api(s.url);
  const a = await c.post('/api/v1/session', { username: 'leader', password: 'wrong-password-123' });
  const b = await c.post('/api/v1/session', { username: 'nosuchuser', password: 'wrong-password-123' });
  err(a, 401, 'invalid_credentials');
  err(b, 401, 'invalid_credentials');
  assert.equal(a.body.error.message, b.body.error.message, 'message reveals whether the user exists');
  assert.equal(a.headers.get('set-cookie'), null, 'failed sign-in sets a cookie');
});

test('GET /me with cookie and with Bearer token; no auth → 401', async () => {
  const c = await loginClient(s, 'cm');
  const me = ok(await c.get('/api/v1/me'), 200);
  assert.equal(me.user.username, 'cm');
  assert.equal(me.user.role, 'cm');
  assert.equal(me.csrf_token, c.csrf);

  const t = tokenClient(s, 'quality');
  const me2 = ok(await t.get('/api/v1/me'), 200);
  assert.equal(me2.user.username, 'quality');
  assert.equal(me2.csrf_token, null);

  err(await api(s.url).get('/api/v1/me'), 401, 'unauthorized');
  err(await api(s.url, { token: 'not-a-real-token-000000000000000000' }).get('/api/v1/me'), 401, 'unauthorized');
  const forged = api(s.url); forged.cookie = 'kefu_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  err(await forged.get('/api/v1/me'), 401, 'unauthorized');
  err(await api(s.url).get('/api/v1/customers'), 401, 'unauthorized');
});

test('DELETE /session → 204, then the cookie is dead (401)', async () => {
  const c = await loginClient(s, 'business');
  const cookie = c.cookie;
  ok(await c.del('/api/v1/session'), 204);
  const again = api(s.url); again.cookie = cookie;
  err(await again.get('/api/v1/me'), 401, 'unauthorized');
  err(await again.get('/api/v1/customers'), 401, 'unauthorized');
});

test('DELETE /session via cookie without X-CSRF-Token → 403 csrf, session survives', async () => {
  const c = await loginClient(s, 'business');
  const bare = api(s.url); bare.cookie = c.cookie;
  err(await bare.del('/api/v1/session'), 403, 'csrf');
  ok(await c.get('/api/v1/me'), 200);
});

test('cookie POST without X-CSRF-Token → 403 csrf and nothing created', async () => {
  const c = await loginClient(s, 'admin');
  const bare = api(s.url); bare.cookie = c.cookie; // no csrf
  const name = uniq('无令牌客户');
  err(await bare.post('/api/v1/customers', { name }), 403, 'csrf');
  err(await bare.patch('/api/v1/customers/1', { name }), 403, 'csrf');
  assert.ok(!(await customerNames()).includes(name), 'customer was created without CSRF token');
  const c1 = ok(await admin.get('/api/v1/customers/1'), 200);
  assert.notEqual(c1.name, name, 'customer patched without CSRF token');
});

test('cookie POST with wrong X-CSRF-Token → 403 csrf; another session\'s token also refused', async () => {
  const c = await loginClient(s, 'admin');
  const other = await loginClient(s, 'cm');
  const name = uniq('错令牌客户');
  err(await c.post('/api/v1/customers', { name }, { headers: { 'x-csrf-token': 'wrong' } }), 403, 'csrf');
  err(await c.post('/api/v1/customers', { name }, { headers: { 'x-csrf-token': other.csrf } }), 403, 'csrf');
  err(await c.post('/api/v1/customers', { name }, { headers: { 'x-csrf-token': '' } }), 403, 'csrf');
  assert.ok(!(await customerNames()).includes(name));
  // and the right token works
  const made = ok(await c.post('/api/v1/customers', { name }), 201);
  assert.equal(made.name, name);
});

test('Bearer token needs no CSRF token', async () => {
  const name = uniq('令牌客户');
  const made = ok(await admin.post('/api/v1/customers', { name }), 201);
  assert.equal(made.name, name);
  assert.ok((await customerNames()).includes(name));
});

test('token created with the CLI while the server runs works at once', async () => {
  const t = api(s.url, { token: s.token('safety') });
  const me = ok(await t.get('/api/v1/me'), 200);
  assert.equal(me.user.username, 'safety');
});

test('user added with the CLI while the server runs can sign in at once', async () => {
  const username = uniq('cli').toLowerCase();
  const pw = 'cli-password-2026';
  const id = s.addUser(username, 'quality', pw, ['--name', '命令行用户']);
  assert.ok(Number.isInteger(id) && id > 0, `user add printed ${id}`);
  const c = api(s.url);
  const b = ok(await c.login(username, pw), 201);
  assert.equal(b.user.id, id);
  assert.equal(b.user.username, username);
  assert.equal(b.user.role, 'quality');
  assert.equal(b.user.name, '命令行用户');
});

test('deactivated user loses sessions and tokens at once; reactivation restores sign-in', async () => {
  const username = uniq('deact').toLowerCase();
  const pw = 'deact-password-2026';
  const id = s.addUser(username, 'cm', pw);
  const cookie = await loginClient(s, username, pw);
  const tok = tokenClient(s, username);
  ok(await cookie.get('/api/v1/me'), 200);
  ok(await tok.get('/api/v1/me'), 200);

  const off = ok(await admin.patch(`/api/v1/users/${id}`, { active: false }), 200);
  assert.equal(off.active, false);

  err(await cookie.get('/api/v1/me'), 401, 'unauthorized');
  err(await tok.get('/api/v1/me'), 401, 'unauthorized');
  const name = uniq('停用后');
  const r = await tok.post('/api/v1/customers', { name });
  err(r, 401, 'unauthorized');
  assert.ok(!(await customerNames()).includes(name));
  const again = api(s.url);
  const li = await again.login(username, pw);
  assert.equal(li.status, 401, `deactivated user signed in: ${show(li)}`);

  const on = ok(await admin.patch(`/api/v1/users/${id}`, { active: true }), 200);
  assert.equal(on.active, true);
  const back = api(s.url);
  ok(await back.login(username, pw), 201);
  ok(await back.get('/api/v1/me'), 200);
});

test('sign-in with missing or mistyped fields → 400, no cookie', async () => {
  const c = api(s.url);
  err(await c.post('/api/v1/session', { username: 'admin' }), 400, 'missing_field', 'password');
  err(await c.post('/api/v1/session', { password: DEMO_PASSWORD }), 400, 'missing_field', 'username');
  err(await c.post('/api/v1/session', { username: 'admin', password: 123456789012 }), 400, 'invalid', 'password');
  err(await c.post('/api/v1/session', { username: 'admin', password: DEMO_PASSWORD, remember: true }), 400, 'unknown_field', 'remember');
  const r = await c.post('/api/v1/session', '{"username":', { raw: true, headers: { 'content-type': 'application/json' } });
  err(r, 400, 'invalid_json');
  assert.equal(r.headers.get('set-cookie'), null);
});

test('cookie PUT/PATCH/DELETE without X-CSRF-Token → 403 csrf, nothing changed', async () => {
  const c = await loginClient(s, 'admin');
  const bare = api(s.url); bare.cookie = c.cookie;
  const projects = ok(await admin.get('/api/v1/projects'), 200);
  const p = projects[0];
  err(await bare.put(`/api/v1/projects/${p.id}/members`, { user_ids: [] }), 403, 'csrf');
  err(await bare.patch(`/api/v1/projects/${p.id}`, { name: '无令牌改名' }), 403, 'csrf');
  err(await bare.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-01' }), 403, 'csrf');
  err(await bare.patch('/api/v1/users/1', { name: '无令牌' }), 403, 'csrf');
  err(await bare.post('/api/v1/users', { username: uniq('nocsrf'), name: 'x', role: 'cm', password: 'no-csrf-password-1' }), 403, 'csrf');
  const after = ok(await admin.get(`/api/v1/projects/${p.id}`), 200);
  assert.deepEqual(after, p);
  assert.notEqual(ok(await admin.get('/api/v1/users/1'), 200).name, '无令牌');
  // a CSRF token sent with a Bearer request is ignored, not an error
  ok(await admin.get('/api/v1/me', { headers: { 'x-csrf-token': 'whatever' } }), 200);
});

test('each sign-in gets a fresh session; signing out ends only that session', async () => {
  const a = await loginClient(s, 'leader');
  const b = api(s.url); b.cookie = a.cookie; // sign in again while sending the old cookie
  ok(await b.login('leader'), 201);
  assert.notEqual(b.cookie, a.cookie, 'session id reused across sign-ins (fixation)');
  assert.notEqual(b.csrf, a.csrf);
  ok(await a.del('/api/v1/session'), 204);
  err(await a.get('/api/v1/me'), 401, 'unauthorized');
  assert.equal(ok(await b.get('/api/v1/me'), 200).user.username, 'leader');
});
