// Score sheets 6.1-6.3 (PROCEDURE §7): the shipped sheets, reading them, publishing versions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import { startServer, cli } from '../lib/server.mjs';
import { api, ok, err, show, tokenClient, loginClient, RFC3339 } from './_util.mjs';

const ROLES = ['admin', 'leader', 'cm', 'quality', 'business', 'project', 'safety', 'customer'];
const SHIPPED = {
  pre: { record: '6.1', weight: 20, items: 8, title: '前期服务顾客满意度评价表', title_en: 'Pre-contract service score sheet' },
  process: { record: '6.2', weight: 50, items: 10, title: '过程服务顾客满意度评价表', title_en: 'In-construction service score sheet' },
  post: { record: '6.3', weight: 30, items: 8, title: '后期服务顾客满意度评价表', title_en: 'Post-completion service score sheet' },
};
const ITEM_KEY = /^[a-z][a-z0-9_]{0,39}$/;

let s, admin, adminId, shipped, validateForm, validateList;

before(async () => {
  s = await startServer();
  admin = tokenClient(s, 'admin');
  adminId = ok(await admin.get('/api/v1/me'), 200).user.id;
  shipped = ok(await admin.get('/api/v1/forms'), 200);
  // The answers are checked against docs/openapi.yaml too.
  const doc = await SwaggerParser.dereference(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'openapi.yaml'));
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  validateForm = ajv.compile(doc.components.schemas.Form);
  validateList = ajv.compile(doc.paths['/api/v1/forms'].get.responses['200'].content['application/json'].schema);
});
after(async () => { await s?.stop(); });

const listForms = async (c = admin) => ok(await c.get('/api/v1/forms'), 200);
const getForm = async (id, c = admin) => ok(await c.get(`/api/v1/forms/${id}`), 200);
const publish = (body, c = admin) => c.post('/api/v1/forms', body);
const sum = (items) => items.reduce((a, it) => a + it.points, 0);
const byKey = (list) => Object.fromEntries(list.map((f) => [f.key, f]));
const versionRows = () => Number(s.sql('SELECT count(*) FROM form_versions'));

function conforms(validate, body, what) {
  assert.ok(validate(body), `${what} does not match docs/openapi.yaml: ${JSON.stringify(validate.errors)}`);
}

/** Items with keys k0, k1, … and the given points. */
const items = (points, extra = {}) => points.map((p, i) => ({ key: `k${i}`, title: `第${i + 1}项`, points: p, ...extra }));
const valid = (key = 'pre') => ({ key, items: items([60, 40]) });

/** Run fn; the sheets as listed, every version row and the audit log must be unchanged. */
async function unchanged(fn, what) {
  const before = { list: await listForms(), rows: versionRows(), audit: s.sql('SELECT count(*) FROM audit_log') };
  await fn();
  const after = { list: await listForms(), rows: versionRows(), audit: s.sql('SELECT count(*) FROM audit_log') };
  assert.deepEqual(after, before, `${what}: something changed`);
}

test('shipped sheets: pre, process, post v1 with 8, 10 and 8 items of points adding up to 100', () => {
  assert.deepEqual(shipped.map((f) => f.key), ['pre', 'process', 'post']);
  conforms(validateList, shipped, 'GET /api/v1/forms');
  assert.equal(new Set(shipped.map((f) => f.id)).size, 3, 'distinct ids');
  for (const f of shipped) {
    const want = SHIPPED[f.key];
    assert.deepEqual(Object.keys(f).sort(),
      ['created_at', 'id', 'items', 'key', 'record', 'title', 'title_en', 'user_id', 'version', 'weight']);
    assert.equal(typeof f.id, 'number');
    assert.equal(f.record, want.record);
    assert.equal(f.title, want.title);
    assert.equal(f.title_en, want.title_en);
    assert.equal(f.version, 1);
    assert.equal(f.weight, want.weight);
    assert.equal(f.user_id, null, 'published by the system');
    assert.match(f.created_at, RFC3339);
    assert.equal(f.items.length, want.items, `${f.key}: item count`);
    assert.equal(sum(f.items), 100, `${f.key}: points add up to 100`);
    assert.equal(new Set(f.items.map((it) => it.key)).size, f.items.length, `${f.key}: item keys unique`);
    for (const it of f.items) {
      assert.deepEqual(Object.keys(it).sort(), ['key', 'points', 'title', 'title_en']);
      assert.match(it.key, ITEM_KEY);
      assert.ok(Number.isInteger(it.points) && it.points >= 1 && it.points <= 100, `${f.key}.${it.key} points ${it.points}`);
      assert.match(it.title, /\p{Script=Han}/u, `${f.key}.${it.key}: Chinese title`);
      assert.ok(it.title_en.length > 0, `${f.key}.${it.key}: English title`);
    }
  }
  assert.equal(shipped.reduce((a, f) => a + f.weight, 0), 100, 'weights 20 + 50 + 30');
});

test('every role reads the sheets, customer included; GET by id equals the list entry; 401 and 404', async () => {
  for (const role of ROLES) {
    const c = tokenClient(s, role);
    assert.deepEqual(await listForms(c), shipped, `${role}: list`);
    for (const f of shipped) assert.deepEqual(await getForm(f.id, c), f, `${role}: GET ${f.id}`);
  }
  const cookieCustomer = await loginClient(s, 'customer', 'kefu-demo-2026');
  assert.deepEqual(await listForms(cookieCustomer), shipped, 'customer with a cookie session');
  for (const f of shipped) conforms(validateForm, await getForm(f.id), `GET /api/v1/forms/${f.id}`);

  const anon = api(s.url);
  err(await anon.get('/api/v1/forms'), 401, 'unauthorized');
  err(await anon.get(`/api/v1/forms/${shipped[0].id}`), 401, 'unauthorized');
  for (const id of ['999999', '0', 'abc', '-1']) err(await admin.get(`/api/v1/forms/${id}`), 404);
  err(await tokenClient(s, 'customer').get('/api/v1/forms/999999'), 404, 'not_found');
});

test('admin publishes v2: version + 1, titles kept, v1 unchanged by id, list changes for that key only', async () => {
  const v1 = byKey(await listForms()).process;
  const body = {
    key: 'process',
    items: [
      { key: 'works_quality', title: '工程实体质量（结构、装饰、材料）', title_en: 'Quality of the works', points: 40 },
      { key: 'schedule', title: '进度计划执行与计划报送', points: 35 },
      { key: 'site_safety_2', title: '现场管理、安全与文明施工', title_en: 'Site, safety and civilised works', points: 25 },
    ],
  };
  const r = await publish(body);
  const v2 = ok(r, 201);
  conforms(validateForm, v2, 'POST /api/v1/forms 201');
  assert.notEqual(v2.id, v1.id);
  assert.equal(v2.key, 'process');
  assert.equal(v2.record, '6.2');
  assert.equal(v2.weight, 50);
  assert.equal(v2.version, v1.version + 1);
  assert.equal(v2.title, v1.title, 'title kept from the current version');
  assert.equal(v2.title_en, v1.title_en, 'title_en kept from the current version');
  assert.equal(v2.user_id, adminId);
  assert.match(v2.created_at, RFC3339);
  assert.deepEqual(v2.items, body.items.map((it) => ({ title_en: '', ...it })), 'items as sent (title_en "" when absent)');

  assert.deepEqual(await getForm(v2.id), v2, 'GET the new version');
  assert.deepEqual(await getForm(v1.id), v1, 'v1 unchanged and still readable');
  const now = byKey(await listForms());
  assert.deepEqual(now.process, v2, 'the list shows v2 for process');
  const was = byKey(shipped);
  assert.deepEqual(now.pre, was.pre, 'pre untouched');
  assert.deepEqual(now.post, was.post, 'post untouched');

  // New titles are taken; a later version without titles keeps those, not the shipped ones.
  const v3 = ok(await publish({ key: 'process', title: '过程服务评价表（2027版）', title_en: 'In-construction sheet (2027)', items: items([100]) }), 201);
  assert.equal(v3.version, v2.version + 1);
  assert.equal(v3.title, '过程服务评价表（2027版）');
  assert.equal(v3.title_en, 'In-construction sheet (2027)');
  const v4 = ok(await publish({ key: 'process', items: items([50, 50]) }), 201);
  assert.equal(v4.version, v3.version + 1);
  assert.equal(v4.title, v3.title);
  assert.equal(v4.title_en, v3.title_en);
  for (const old of [v1, v2, v3]) assert.deepEqual(await getForm(old.id), old, `version ${old.version} unchanged`);
  assert.deepEqual(byKey(await listForms()).process, v4);
  conforms(validateList, await listForms(), 'GET /api/v1/forms after publishing');

  // Every other role reads the new version and the old ones.
  const customer = tokenClient(s, 'customer');
  assert.deepEqual(byKey(await listForms(customer)).process, v4);
  assert.deepEqual(await getForm(v1.id, customer), v1);
});

test('boundaries accepted: 30 items, one item of 100 points, 40-character item keys', async () => {
  const thirty = ok(await publish({ key: 'post', items: items([...Array(20).fill(3), ...Array(10).fill(4)]) }), 201);
  assert.equal(thirty.items.length, 30);
  assert.equal(sum(thirty.items), 100);
  const long = ok(await publish({ key: 'post', items: [{ key: 'a'.repeat(40), title: '甲', points: 1 }, { key: 'z9_', title: '乙', points: 99 }] }), 201);
  assert.equal(long.version, thirty.version + 1);
  assert.equal(long.items[0].key, 'a'.repeat(40));
  const one = ok(await publish({ key: 'pre', items: [{ key: 'overall', title: '总体满意度', points: 100 }] }), 201);
  assert.deepEqual(one.items, [{ key: 'overall', title: '总体满意度', title_en: '', points: 100 }]);
});

test('publishing with a cookie session needs the CSRF token', async () => {
  const c = await loginClient(s, 'admin', 'kefu-demo-2026');
  await unchanged(async () => {
    err(await c.post('/api/v1/forms', valid(), { headers: { 'x-csrf-token': 'wrong' } }), 403, 'csrf');
  }, 'wrong CSRF token');
  ok(await c.post('/api/v1/forms', valid()), 201);
});

test('Chinese and other titles round-trip verbatim', async () => {
  const title = '前期服务“顾客”满意度评价表（试行）—— 第二版🏗'; // quotes, full-width, emoji (4-byte UTF-8)
  const hundred = '评'.repeat(100);
  const body = {
    key: 'pre',
    title,
    title_en: '  Pre-contract sheet \\ "quoted" <b>&amp;</b> 中文  ', // not trimmed, not escaped
    items: [
      { key: 'seven_one', title: '“七通一平”等开工准备的支持', title_en: 'Seven connections and one levelling', points: 30 },
      { key: 'hundred', title: hundred, title_en: 'é'.repeat(200), points: 30 },
      { key: 'mixed', title: ' 顾客要求（含𠀋、ｆｕｌｌ－ｗｉｄｔｈ、e\u0301）', points: 40 },
    ],
  };
  const f = ok(await publish(body), 201);
  const check = (got, where) => {
    assert.equal(got.title, body.title, `${where}: title`);
    assert.equal(got.title_en, body.title_en, `${where}: title_en`);
    assert.deepEqual(got.items, body.items.map((it) => ({ title_en: '', ...it })), `${where}: items`);
  };
  check(f, 'POST');
  check(await getForm(f.id), 'GET by id');
  check(byKey(await listForms()).pre, 'GET list');
  check(byKey(await listForms(tokenClient(s, 'customer'))).pre, 'GET list as customer');

  const top = ok(await publish({ key: 'pre', title: hundred, items: items([100]) }), 201);
  assert.equal(top.title, hundred, '100 Chinese characters are 100 characters, not 300 bytes');
});

test('roles other than admin get 403 and nothing changes', async () => {
  const clients = ROLES.filter((r) => r !== 'admin').map((r) => [r, tokenClient(s, r)]);
  clients.push(['customer (cookie)', await loginClient(s, 'customer', 'kefu-demo-2026')]);
  clients.push(['cm (cookie)', await loginClient(s, 'cm', 'kefu-demo-2026')]);
  for (const [who, c] of clients) {
    await unchanged(async () => {
      err(await publish(valid('process'), c), 403, 'forbidden');
      // The role is checked before the body.
      err(await publish({ key: 'nope', items: 'x' }, c), 403, 'forbidden');
    }, who);
  }
  await unchanged(async () => {
    err(await api(s.url).post('/api/v1/forms', valid()), 401, 'unauthorized');
  }, 'not signed in');
});

/** [what, body, status, code, field] — each refused with nothing changed. */
const BAD = [
  // the total (P-5.5.2)
  ['points add up to 99', { key: 'pre', items: items([50, 49]) }, 422, 'points_total', 'items'],
  ['points add up to 101', { key: 'process', items: items([50, 51]) }, 422, 'points_total', 'items'],
  ['one item of 99 points', { key: 'post', items: items([99]) }, 422, 'points_total', 'items'],
  ['30 items of 1 point', { key: 'post', items: items(Array(30).fill(1)) }, 422, 'points_total', 'items'],
  ['100 × 3 points', { key: 'pre', items: items([100, 100, 100]) }, 422, 'points_total', 'items'],
  // key
  ['key during', { key: 'during', items: items([100]) }, 400, 'invalid', 'key'],
  ['key PRE', { key: 'PRE', items: items([100]) }, 400, 'invalid', 'key'],
  ['key 6.1', { key: '6.1', items: items([100]) }, 400, 'invalid', 'key'],
  ['key empty', { key: '', items: items([100]) }, 400, 'invalid', 'key'],
  ['key number', { key: 1, items: items([100]) }, 400, 'invalid', 'key'],
  ['key null', { key: null, items: items([100]) }, 400, 'invalid', 'key'],
  ['key 17 characters', { key: 'p'.repeat(17), items: items([100]) }, 400, ['invalid', 'too_long'], 'key'],
  ['key absent', { items: items([100]) }, 400, 'missing_field', 'key'],
  // items as a whole
  ['items absent', { key: 'pre' }, 400, 'missing_field', 'items'],
  ['items an object', { key: 'pre', items: { k0: 100 } }, 400, 'invalid', 'items'],
  ['items null', { key: 'pre', items: null }, 400, 'invalid', 'items'],
  ['items empty', { key: 'pre', items: [] }, 400, 'invalid', 'items'],
  ['31 items', { key: 'pre', items: items([...Array(30).fill(3), 10]) }, 400, 'too_long', 'items'],
  // top-level members
  ['unknown top-level member', { ...valid(), version: 7 }, 400, 'unknown_field', 'version'],
  ['unknown top-level member record', { ...valid(), record: '6.1' }, 400, 'unknown_field', 'record'],
  ['title empty', { ...valid(), title: '' }, 400, 'invalid', 'title'],
  ['title 101 characters', { ...valid(), title: '表'.repeat(101) }, 400, 'too_long', 'title'],
  ['title with a control character', { ...valid(), title: '评价\u0007表' }, 400, 'invalid', 'title'],
  ['title with a line break', { ...valid(), title: '评价\n表' }, 400, 'invalid', 'title'],
  ['title null', { ...valid(), title: null }, 400, 'invalid', 'title'],
  ['title a number', { ...valid(), title: 6 }, 400, 'invalid', 'title'],
  ['title_en empty', { ...valid(), title_en: '' }, 400, 'invalid', 'title_en'],
  ['title_en 201 characters', { ...valid(), title_en: 'x'.repeat(201) }, 400, 'too_long', 'title_en'],
];

/** A sheet whose item at index 2 is BAD; the other two are valid and BAD's 20 points would make 100. */
const withItem = (bad) => ({ key: 'process', items: [...items([50, 30]), bad] });
for (const [what, item] of [
  ['item key upper case', { key: 'Abc', title: '甲', points: 20 }],
  ['item key starting with a digit', { key: '1abc', title: '甲', points: 20 }],
  ['item key starting with _', { key: '_abc', title: '甲', points: 20 }],
  ['item key with -', { key: 'a-b', title: '甲', points: 20 }],
  ['item key with a space', { key: 'a b', title: '甲', points: 20 }],
  ['item key Chinese', { key: '质量', title: '甲', points: 20 }],
  ['item key empty', { key: '', title: '甲', points: 20 }],
  ['item key 41 characters', { key: 'a'.repeat(41), title: '甲', points: 20 }],
  ['item key absent', { title: '甲', points: 20 }],
  ['item key a number', { key: 7, title: '甲', points: 20 }],
  ['item title empty', { key: 'k9', title: '', points: 20 }],
  ['item title absent', { key: 'k9', points: 20 }],
  ['item title null', { key: 'k9', title: null, points: 20 }],
  ['item title 101 characters', { key: 'k9', title: '项'.repeat(101), points: 20 }],
  ['item title with a control character', { key: 'k9', title: '甲\u0001', points: 20 }],
  ['item title with a line break', { key: 'k9', title: '甲\n乙', points: 20 }],
  ['item title with DEL', { key: 'k9', title: '甲\u007f', points: 20 }],
  ['item title_en 201 characters', { key: 'k9', title: '甲', title_en: 'e'.repeat(201), points: 20 }],
  ['item title_en null', { key: 'k9', title: '甲', title_en: null, points: 20 }],
  ['item title_en a number', { key: 'k9', title: '甲', title_en: 1, points: 20 }],
  ['item title_en with a tab', { key: 'k9', title: '甲', title_en: 'a\tb', points: 20 }],
  ['item points fractional', { key: 'k9', title: '甲', points: 20.5 }],
  ['item points a string', { key: 'k9', title: '甲', points: '20' }],
  ['item points null', { key: 'k9', title: '甲', points: null }],
  ['item points true', { key: 'k9', title: '甲', points: true }],
  ['item points absent', { key: 'k9', title: '甲' }],
  ['item a string', 'k9'],
  ['item null', null],
  ['item an array', [{ key: 'k9', title: '甲', points: 20 }]],
]) BAD.push([what, withItem(item), 400, 'invalid', 'items[2]']);
BAD.push(['unknown member in an item', withItem({ key: 'k9', title: '甲', points: 20, weight: 1 }), 400, 'unknown_field', 'items[2]']);
BAD.push(['unknown member id in an item', withItem({ key: 'k9', title: '甲', points: 20, id: 3 }), 400, 'unknown_field', 'items[2]']);

test('refused publications: status, code and field; nothing changes', async () => {
  for (const [what, body, status, code, field] of BAD) {
    await unchanged(async () => err(await publish(body), status, code, field), what);
  }
});

/** Refused with 400 invalid; the item at fault is the one at index 2. */
const DUP_AND_RANGE = [
  ['duplicate item key', { key: 'pre', items: [{ key: 'a', title: '甲', points: 40 }, { key: 'b', title: '乙', points: 20 }, { key: 'a', title: '丙', points: 40 }] }],
  ['item points 0', { key: 'pre', items: items([50, 50, 0]) }],
  ['item points negative', { key: 'pre', items: items([60, 45, -5]) }],
  ['item points 101', { key: 'pre', items: items([50, 50, 101]) }],
  ['item points 1000', { key: 'pre', items: items([50, 50, 1000]) }],
  ['item points 2^53', { key: 'pre', items: items([50, 50, 2 ** 53]) }],
];

test('refused publications: duplicate item keys and points outside 1-100 are 400; nothing changes', async () => {
  for (const [what, body] of DUP_AND_RANGE) {
    await unchanged(async () => {
      const r = await publish(body);
      err(r, 400, 'invalid');
      assert.match(r.body.error.field, /^items(\[\d+\])?$/, show(r));
    }, what);
  }
});


test('duplicate item keys and out-of-range points name the item: field items[N]', async () => {
  for (const [what, body] of DUP_AND_RANGE) {
    await unchanged(async () => err(await publish(body), 400, 'invalid', 'items[2]'), what);
  }
});

test('points beyond the int range are refused, not wrapped', async () => {
  const t = await startServer({ demo: false });
  try {
    t.addUser('boss', 'admin', 'forms-test-password-1');
    const c = tokenClient(t, 'boss');
    const before = ok(await c.get('/api/v1/forms'), 200);
    // (int)-4294967246 is 50 and (int)-4294967196 is 100: each sheet would add up to 100.
    for (const sheet of [[-4294967246, 50], [-4294967196]]) {
      const r = await c.post('/api/v1/forms', { key: 'pre', items: items(sheet) });
      err(r, 400, 'invalid');
    }
    assert.deepEqual(ok(await c.get('/api/v1/forms'), 200), before);
  } finally {
    await t.stop();
  }
});

test('other body faults: not JSON, not an object, wrong content type', async () => {
  await unchanged(async () => {
    err(await admin.request('POST', '/api/v1/forms', '{"key":"pre","items":[', { raw: true, headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    err(await admin.request('POST', '/api/v1/forms', '[]', { raw: true, headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    err(await admin.request('POST', '/api/v1/forms', JSON.stringify(valid()), { raw: true, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    err(await admin.request('POST', '/api/v1/forms', '{"key":"pre","key":"post","items":[{"key":"a","title":"甲","points":100}]}', { raw: true, headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
  }, 'malformed bodies');
});

test('concurrent publications of one sheet get consecutive versions', async () => {
  const start = byKey(await listForms()).post.version;
  const n = 8;
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => publish({ key: 'post', items: [{ key: 'only', title: `并发${i}`, points: 100 }] })));
  for (const r of rs) ok(r, 201);
  const versions = rs.map((r) => r.body.version).sort((a, b) => a - b);
  assert.deepEqual(versions, Array.from({ length: n }, (_, i) => start + 1 + i));
  const latest = byKey(await listForms()).post;
  assert.equal(latest.version, start + n);
  assert.deepEqual(latest, rs.find((r) => r.body.version === start + n).body);
});

test('every version is in the audit chain and kefu audit verify exits 0', async () => {
  const rows = s.sql('SELECT id FROM form_versions ORDER BY id').split('\n').map(Number);
  const audited = s.sql("SELECT entity_id FROM audit_log WHERE action = 'form.publish' AND entity = 'form_version' ORDER BY entity_id")
    .split('\n').map(Number);
  assert.ok(rows.length > 3, 'versions were published');
  assert.deepEqual(audited, rows, 'one form.publish audit entry per version');
  for (const f of shipped) assert.deepEqual(await getForm(f.id), f, `shipped ${f.key} v1 unchanged at the end`);
  const v = cli(['audit', 'verify', '--db', s.db]);
  assert.equal(v.status, 0, `kefu audit verify: ${v.stdout}${v.stderr}`);
});
