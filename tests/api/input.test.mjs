// Bad input: every refusal is a clear 4xx JSON error, and nothing changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { api, ok, err, uniq, show, rawGet, postBuffer } from './_util.mjs';

let s, admin, token, cust;
before(async () => {
  s = await startServer();
  token = s.token('admin');
  admin = api(s.url, { token });
  cust = ok(await admin.post('/api/v1/customers', { name: uniq('输入测试客户') }), 201);
});
after(async () => { await s?.stop(); });

const snapshot = async () => JSON.stringify({
  c: ok(await admin.get('/api/v1/customers'), 200),
  p: ok(await admin.get('/api/v1/projects'), 200),
});
/** Run FN and assert that customers and projects are exactly as before. */
async function unchanged(fn) {
  const a = await snapshot();
  await fn();
  assert.equal(await snapshot(), a, 'data changed by a refused request');
}
const rawPost = (path, text, ct = 'application/json') => admin.post(path, text, { raw: true, headers: { 'content-type': ct } });

test('malformed JSON → 400 invalid_json', async () => {
  await unchanged(async () => {
    for (const t of ['{"name":', '{name:"x"}', "{'name':'x'}", '{"name":"x",}', '', '{"name":"x"} trailing', '\u0000']) {
      err(await rawPost('/api/v1/customers', t), 400, 'invalid_json');
    }
  });
});

test('JSON array / scalar instead of object → 400', async () => {
  await unchanged(async () => {
    err(await rawPost('/api/v1/customers', '[{"name":"数组"}]'), 400, ['invalid_json', 'invalid']);
    err(await rawPost('/api/v1/customers', '"名字"'), 400, ['invalid_json', 'invalid']);
    err(await rawPost('/api/v1/customers', '42'), 400, ['invalid_json', 'invalid']);
    err(await rawPost('/api/v1/customers', 'null'), 400, ['invalid_json', 'invalid']);
    err(await rawPost('/api/v1/projects', '[]'), 400, ['invalid_json', 'invalid']);
  });
});

test('wrong types → 400 invalid with the field named', async () => {
  await unchanged(async () => {
    err(await admin.post('/api/v1/customers', { name: 12345 }), 400, 'invalid', 'name');
    err(await admin.post('/api/v1/customers', { name: ['a'] }), 400, 'invalid', 'name');
    err(await admin.post('/api/v1/customers', { name: 'ok', phone: 13800000000 }), 400, 'invalid', 'phone');
    err(await admin.post('/api/v1/projects', { code: uniq('T'), name: 'x', customer_id: String(cust.id) }), 400, 'invalid', 'customer_id');
    err(await admin.post('/api/v1/projects', { code: uniq('T'), name: 'x', customer_id: 1.5 }), 400, ['invalid', 'invalid_reference'], 'customer_id');
    err(await admin.post('/api/v1/projects', { code: uniq('T'), name: 'x', customer_id: true }), 400, 'invalid', 'customer_id');
    err(await admin.patch(`/api/v1/customers/${cust.id}`, { name: { zh: '对象' } }), 400, 'invalid', 'name');
  });
});

test('missing required field → 400 missing_field naming it', async () => {
  await unchanged(async () => {
    err(await admin.post('/api/v1/customers', {}), 400, 'missing_field', 'name');
    err(await admin.post('/api/v1/customers', { contact: '张' }), 400, 'missing_field', 'name');
    err(await admin.post('/api/v1/projects', { name: 'x', customer_id: cust.id }), 400, 'missing_field', 'code');
    err(await admin.post('/api/v1/projects', { code: uniq('T'), customer_id: cust.id }), 400, 'missing_field', 'name');
    err(await admin.post('/api/v1/projects', { code: uniq('T'), name: 'x' }), 400, 'missing_field', 'customer_id');
  });
});

test('unknown field → 400 unknown_field naming it', async () => {
  await unchanged(async () => {
    err(await admin.post('/api/v1/customers', { name: 'x', vip: true }), 400, 'unknown_field', 'vip');
    err(await admin.post('/api/v1/customers', { name: 'x', id: 77777 }), 400, 'unknown_field', 'id');
    err(await admin.patch(`/api/v1/customers/${cust.id}`, { created_at: '2020-01-01T00:00:00Z' }), 400, 'unknown_field', 'created_at');
    err(await admin.post('/api/v1/projects', { code: uniq('T'), name: 'x', customer_id: cust.id, stage: 'warranty' }), 400, 'unknown_field', 'stage');
  });
});

test('length limits count characters: 100 Chinese chars OK, 101 chars → 400 too_long', async () => {
  await unchanged(async () => {
    err(await admin.post('/api/v1/customers', { name: 'a'.repeat(101) }), 400, 'too_long', 'name');
    err(await admin.post('/api/v1/customers', { name: '建'.repeat(101) }), 400, 'too_long', 'name');
    err(await admin.post('/api/v1/customers', { name: 'x', contact: '张'.repeat(51) }), 400, 'too_long', 'contact');
    err(await admin.post('/api/v1/customers', { name: 'x', phone: '1'.repeat(31) }), 400, 'too_long', 'phone');
    err(await admin.post('/api/v1/customers', { name: 'x', address: '路'.repeat(201) }), 400, 'too_long', 'address');
    err(await admin.patch(`/api/v1/customers/${cust.id}`, { name: 'b'.repeat(101) }), 400, 'too_long', 'name');
    err(await admin.post('/api/v1/projects', { code: 'C'.repeat(33), name: 'x', customer_id: cust.id }), 400, 'too_long', 'code');
  });
  const zh = '建'.repeat(99) + '𠀀'; // includes a 4-byte UTF-8 character, still one character
  const c = ok(await admin.post('/api/v1/customers', { name: zh, contact: '张'.repeat(50), address: '路'.repeat(200) }), 201);
  assert.equal(c.name, zh);
  assert.equal(ok(await admin.get(`/api/v1/customers/${c.id}`), 200).name, zh);
  const a = ok(await admin.post('/api/v1/customers', { name: 'a'.repeat(100) }), 201);
  assert.equal(a.name.length, 100);
});

test('empty name → 400 field name; project code with bad characters → 400 field code', async () => {
  await unchanged(async () => {
    err(await admin.post('/api/v1/customers', { name: '' }), 400, undefined, 'name');
    for (const bad of ['有中文', 'a b', 'a/b', "a'b"]) {
      err(await admin.post('/api/v1/projects', { code: bad, name: 'x', customer_id: cust.id }), 400, 'invalid', 'code');
    }
  });
});

test('invalid UTF-8 in body → 400, nothing created', async () => {
  await unchanged(async () => {
    for (const bytes of [[0xff, 0xfe], [0xc0, 0xaf], [0xe5, 0xbb], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      const body = Buffer.concat([Buffer.from('{"name":"坏'), Buffer.from(bytes), Buffer.from('字"}')]);
      const r = await postBuffer(s.url, '/api/v1/customers', body, { 'content-type': 'application/json', authorization: `Bearer ${token}` });
      assert.equal(r.status, 400, `bytes ${bytes.map((b) => b.toString(16))}: ${show(r)}`);
      assert.ok(r.body?.error?.code, show(r));
    }
  });
});

test('body over 1 MiB → 413 too_large (with Content-Length and chunked)', async () => {
  await unchanged(async () => {
    const big = Buffer.from(JSON.stringify({ name: 'x', address: 'a'.repeat(1024 * 1024 + 10) }));
    const h = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const r = await postBuffer(s.url, '/api/v1/customers', big, h);
    err(r, 413, 'too_large');
    const r2 = await postBuffer(s.url, '/api/v1/customers', big, h, { chunked: true });
    err(r2, 413, 'too_large');
  });
  // the server is still fine afterwards
  ok(await admin.get('/api/v1/customers'), 200);
});

test('Content-Type not application/json → 415; with charset parameter → accepted', async () => {
  await unchanged(async () => {
    err(await rawPost('/api/v1/customers', JSON.stringify({ name: '纯文本' }), 'text/plain'), 415, 'unsupported_media_type');
    err(await rawPost('/api/v1/customers', 'name=x', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
    err(await rawPost('/api/v1/customers', JSON.stringify({ name: 'xml' }), 'application/xml'), 415, 'unsupported_media_type');
  });
  const name = uniq('字符集');
  ok(await rawPost('/api/v1/customers', JSON.stringify({ name }), 'application/json; charset=utf-8'), 201);
});

test('unknown and non-numeric ids → 404 (or 400), never 200/500', async () => {
  for (const p of ['/api/v1/customers/999999', '/api/v1/projects/999999', '/api/v1/users/999999', '/api/v1/customers/0']) {
    err(await admin.get(p), 404, 'not_found');
  }
  for (const id of ['abc', '1abc', '-1', '1.0', '99999999999999999999999', '1%00', '1;']) {
    for (const base of ['/api/v1/customers/', '/api/v1/projects/']) {
      const r = await admin.get(base + id);
      assert.ok([400, 404].includes(r.status), show(r));
      assert.ok(r.body?.error?.code, show(r));
    }
  }
  await unchanged(async () => {
    const r = await admin.patch('/api/v1/customers/abc', { name: 'x' });
    assert.ok([400, 404].includes(r.status), show(r));
  });
});

test('path traversal on static paths → 404, never file content', async () => {
  for (const p of ['/static/../../etc/passwd', '/static/%2e%2e/%2e%2e/etc/passwd', '/static/..%2f..%2f..%2fetc%2fpasswd',
    '/static/....//....//etc/passwd', '/../../../../etc/passwd', '/static/%2e%2e%2f%2e%2e%2fetc/passwd', '/static/..\\..\\etc\\passwd']) {
    const r = await rawGet(s.url, p);
    assert.ok(!/root:.*:0:0:/.test(r.body), `${p} leaked /etc/passwd`);
    assert.ok([400, 404].includes(r.status), `${p} → ${r.status}`);
    if (p === '/static/../../etc/passwd' || p === '/static/%2e%2e/%2e%2e/etc/passwd') assert.equal(r.status, 404, `${p} → ${r.status}`);
  }
  const r = await rawGet(s.url, '/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/proc/self/environ');
  assert.ok(!/PATH=/.test(r.body), 'leaked /proc/self/environ');
});

test('SQL metacharacters are stored and returned verbatim in every text field', async () => {
  const evil = ["'; DROP TABLE customers; --", '" OR 1=1 --', '%_\\', "Robert'); DELETE FROM projects;--", '\\x27 \\\\ %% __'];
  const made = [];
  for (const v of evil) {
    const body = { name: v, contact: v.slice(0, 50), address: v };
    const c = ok(await admin.post('/api/v1/customers', body), 201);
    for (const [k, x] of Object.entries(body)) assert.equal(c[k], x, k);
    const g = ok(await admin.get(`/api/v1/customers/${c.id}`), 200);
    for (const [k, x] of Object.entries(body)) assert.equal(g[k], x, k);
    const p = ok(await admin.post('/api/v1/projects', { code: uniq('SQL'), name: v, customer_id: c.id }), 201);
    assert.equal(p.name, v);
    assert.equal(p.customer_name, v);
    const e = ok(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-01', note: v }), 201);
    assert.equal(e.note, v);
    const pc = ok(await admin.patch(`/api/v1/customers/${c.id}`, { contact: v.slice(0, 50) + '' }), 200);
    assert.equal(pc.contact, v.slice(0, 50));
    made.push({ c, p });
  }
  const users = ok(await admin.post('/api/v1/users', { username: uniq('sql').toLowerCase(), name: evil[0], role: 'cm', password: 'sql-password-2026' }), 201);
  assert.equal(users.name, evil[0]);
  // the tables are still there and hold everything
  const list = ok(await admin.get('/api/v1/customers'), 200);
  for (const { c } of made) assert.ok(list.some((x) => x.id === c.id && x.name === c.name));
  // LIKE wildcards in q are literal: '%_\' matches only the project named so
  const all = ok(await admin.get('/api/v1/projects'), 200);
  const hits = ok(await admin.get('/api/v1/projects?q=' + encodeURIComponent('%_\\')), 200);
  const want = all.filter((p) => `${p.code}\n${p.name}\n${p.customer_name}`.includes('%_\\')).map((p) => p.id).sort();
  assert.deepEqual(hits.map((p) => p.id).sort(), want);
  assert.ok(want.length >= 1 && want.length < all.length);
  const hits2 = ok(await admin.get('/api/v1/projects?q=' + encodeURIComponent("' OR 1=1 --")), 200);
  assert.deepEqual(hits2, []);
});

test('NUL and control characters in strings → 400 with the field named', async () => {
  await unchanged(async () => {
    err(await admin.post('/api/v1/customers', { name: 'a\u0000b' }), 400, 'invalid', 'name');
    err(await admin.post('/api/v1/customers', { name: '\u0000' }), 400, 'invalid', 'name');
    err(await admin.post('/api/v1/customers', { name: 'ok', contact: 'x\u0000' }), 400, 'invalid', 'contact');
    err(await admin.post('/api/v1/customers', { name: 'bell\u0007' }), 400, 'invalid', 'name');
    err(await admin.post('/api/v1/customers', { name: 'line\nbreak' }), 400, 'invalid', 'name');
    err(await admin.post('/api/v1/customers', { name: 'esc\u001b[31m' }), 400, 'invalid', 'name');
    err(await admin.patch(`/api/v1/customers/${cust.id}`, { name: 'x\u0000y' }), 400, 'invalid', 'name');
  });
  // newline and tab are fine in addresses
  const c = ok(await admin.post('/api/v1/customers', { name: uniq('换行'), address: '北京市\n海淀区\t中关村' }), 201);
  assert.equal(c.address, '北京市\n海淀区\t中关村');
});

test('more limits: email 101 → too_long; project name 100 Chinese OK, 101 → too_long; note with control char → 400', async () => {
  await unchanged(async () => {
    err(await admin.post('/api/v1/customers', { name: 'x', email: 'a'.repeat(93) + '@test.cn' }), 400, 'too_long', 'email');
    err(await admin.post('/api/v1/projects', { code: uniq('L'), name: '楼'.repeat(101), customer_id: cust.id }), 400, 'too_long', 'name');
    err(await admin.post('/api/v1/projects', { code: '', name: 'x', customer_id: cust.id }), 400, undefined, 'code');
  });
  const p = ok(await admin.post('/api/v1/projects', { code: uniq('L'), name: '楼'.repeat(100), customer_id: cust.id }), 201);
  assert.equal(p.name, '楼'.repeat(100));
  err(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-01', note: 'a\u0001b' }), 400, 'invalid', 'note');
  err(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-01', note: 'a\u0000b' }), 400, 'invalid', 'note');
  assert.equal(ok(await admin.get(`/api/v1/projects/${p.id}`), 200).stage, 'pre_contract');
  const e = ok(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'contract_signed', date: '2026-01-01', note: '第一行\n第二行\t制表' }), 201);
  assert.equal(e.note, '第一行\n第二行\t制表');
  const n = ok(await admin.post(`/api/v1/projects/${p.id}/events`, { type: 'completion_filed', date: '2026-02-01', note: '注'.repeat(500) }), 201);
  assert.equal(n.note.length, 500);
});

test('hostile JSON: deep nesting, lone surrogate escape, huge numbers → 400 and the server lives on', async () => {
  await unchanged(async () => {
    const deep = await rawPost('/api/v1/customers', '['.repeat(100000) + ']'.repeat(100000));
    assert.equal(deep.status, 400, show(deep));
    const deepObj = await rawPost('/api/v1/customers', '{"name":"x","contact":' + '{"a":'.repeat(50000) + '1' + '}'.repeat(50001));
    assert.equal(deepObj.status, 400, show(deepObj));
    const sur = await rawPost('/api/v1/customers', '{"name":"坏\\ud800字"}');
    assert.equal(sur.status, 400, show(sur));
    err(await rawPost('/api/v1/projects', `{"code":"${uniq('H')}","name":"x","customer_id":1e400}`), 400, ['invalid', 'invalid_json', 'invalid_reference']);
    err(await rawPost('/api/v1/projects', `{"code":"${uniq('H')}","name":"x","customer_id":99999999999999999999999}`), 400, ['invalid', 'invalid_json', 'invalid_reference']);
    err(await rawPost('/api/v1/projects', `{"code":"${uniq('H')}","name":"x","customer_id":-1}`), 400, undefined, 'customer_id');
  });
  ok(await admin.get('/healthz'), 200);
});

test('odd query strings: invalid UTF-8 in q, unknown stage, bad customer_id → 4xx or empty, never 5xx, never a leak', async () => {
  for (const qs of ['q=%ff%fe', 'q=%00', 'stage=nosuch', 'customer_id=abc', 'customer_id=-1', 'q=' + 'x'.repeat(5000)]) {
    const r = await admin.get('/api/v1/projects?' + qs);
    assert.ok(r.status < 500, show(r));
    if (r.status === 200) assert.deepEqual(r.body, [], show(r));
    else assert.ok(r.status === 400 && r.body?.error?.code, show(r));
  }
});
