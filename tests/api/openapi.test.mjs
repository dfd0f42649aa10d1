// docs/openapi.yaml: a valid OpenAPI 3.1 document that documents exactly the routes of the server.
//
// The route check reads the route tables from the C sources instead of asking a running server:
// every src/http/api-*.c declares rows like  { "GET", "/api/v1/projects/{id}", handler, ... },
// so the document and the code can be compared without building anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SPEC = join(root, 'docs', 'openapi.yaml');
const HTTP_DIR = join(root, 'src', 'http');

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const STATE_CHANGING = new Set(['post', 'put', 'patch', 'delete']);
const ROLES = ['admin', 'leader', 'cm', 'quality', 'business', 'project', 'safety', 'customer'];
// Error codes the contract names (CONTRACT.md "HTTP API"); the server may add more (see below).
const CONTRACT_ERROR_CODES = ['invalid_json', 'invalid', 'unknown_field', 'missing_field',
  'too_long', 'invalid_reference', 'unauthorized', 'invalid_credentials', 'csrf', 'forbidden',
  'not_found', 'conflict', 'too_large', 'unsupported_media_type', 'stage_order', 'rate_limited',
  'internal'];

/** The raw (not dereferenced) document, parsed from YAML by swagger-parser. */
const raw = () => SwaggerParser.parse(SPEC);

/** [{method, path, op, pathItem}] for every operation of a document. */
function operations(doc) {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of HTTP_METHODS) {
      if (item[method]) out.push({ method, path, op: item[method], pathItem: item });
    }
  }
  return out;
}

/** "/api/v1/projects/{project_id}" and "/api/v1/projects/{id}" are the same route. */
const normalize = (path) => path.replace(/\{[^}]*\}/g, '{}');
const key = (method, path) => `${method.toUpperCase()} ${normalize(path)}`;

/** Blank out C comments (keeping string literals and line numbers intact). */
function stripComments(src) {
  return src.replace(/("(?:\\.|[^"\\\n])*")|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g,
    (m, str) => (str !== undefined ? str : m.replace(/[^\n]/g, ' ')));
}

/** Route rows { "METHOD", "/path", ... } of every src/http/api-*.c, or null when none exist. */
function routeTables() {
  if (!existsSync(HTTP_DIR)) return null;
  const files = readdirSync(HTTP_DIR).filter((f) => /^api-.*\.c$/.test(f)).sort();
  if (files.length === 0) return null;
  const routes = [];
  const row = /\{\s*"(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)"\s*,\s*"(\/[^"]*)"([^}]*)\}/g;
  for (const f of files) {
    const src = stripComments(readFileSync(join(HTTP_DIR, f), 'utf8'));
    for (const m of src.matchAll(row)) {
      const line = src.slice(0, m.index).split('\n').length;
      // The rest of the row: , handler, roles, exec, body, obj, flags
      const rest = m[3].split(',').map((x) => x.trim());
      routes.push({ method: m[1], path: m[2], where: `src/http/${f}:${line}`,
        roles: rest[2], flags: rest.slice(3).join(',') });
    }
  }
  return { files, routes };
}

/** #define NAME body from every header under src/ (continuation lines joined). */
function cMacros() {
  const dir = join(root, 'src');
  const macros = new Map();
  for (const f of readdirSync(dir, { recursive: true }).filter((x) => x.endsWith('.h'))) {
    const src = stripComments(readFileSync(join(dir, f), 'utf8')).replace(/\\\n/g, ' ');
    for (const m of src.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?!\()[ \t]+(.+)$/gm)) {
      macros.set(m[1], m[2]);
    }
  }
  return macros;
}

/**
 * The role keys a route table's roles expression allows: ROLES_ANY, MAY_…, ROLE_BIT(ROLE_X),
 * combined with |, & and ~ (e.g. ROLES_STAFF & ~ROLE_BIT(ROLE_ADMIN)) and parentheses.
 */
function rolesOf(expr, macros, depth = 0) {
  assert.ok(depth < 10, `roles expression ${expr} nests too deep`);
  const tokens = [...expr.matchAll(/ROLE_BIT\s*\(\s*ROLE_([A-Z]+)\s*\)|\b([A-Z_][A-Z0-9_]*)\b|([|&~()])|(\S)/g)];
  let i = 0;
  const peek = () => tokens[i]?.[3];
  const atom = () => {
    const m = tokens[i++];
    assert.ok(m && !m[4], `cannot read the roles expression ${expr}`);
    if (m[1]) return new Set([m[1].toLowerCase()]);
    if (m[3] === '~') { const w = atom(); return new Set(ROLES.filter((r) => !w.has(r))); }
    if (m[3] === '(') {
      const v = or();
      assert.equal(tokens[i++]?.[3], ')', `unbalanced parentheses in ${expr}`);
      return v;
    }
    assert.ok(m[2], `cannot read the roles expression ${expr}`);
    assert.ok(macros.has(m[2]), `cannot resolve ${m[2]} in the roles expression ${expr}`);
    return rolesOf(macros.get(m[2]), macros, depth + 1);
  };
  const and = () => {
    let v = atom();
    while (peek() === '&') { i++; const w = atom(); v = new Set([...v].filter((r) => w.has(r))); }
    return v;
  };
  const or = () => {
    let v = and();
    while (peek() === '|') { i++; v = new Set([...v, ...and()]); }
    return v;
  };
  const roles = or();
  assert.equal(i, tokens.length, `cannot read the roles expression ${expr}`);
  return roles;
}

/** Follow a local "#/components/..." reference in doc. */
function resolve(doc, obj) {
  while (obj && obj.$ref) {
    assert.match(obj.$ref, /^#\//, `only local references are used: ${obj.$ref}`);
    obj = obj.$ref.slice(2).split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o, k) => o?.[k], doc);
    assert.ok(obj, 'reference resolves');
  }
  return obj;
}

test('docs/openapi.yaml is a valid OpenAPI 3.1 document', async () => {
  const api = await SwaggerParser.validate(SPEC);
  assert.match(api.openapi, /^3\.1\.\d+$/);
  assert.ok(Object.keys(api.paths).length > 0, 'documents some paths');
});

test('every operation has an id, a summary and its roles (x-roles and description)', async () => {
  const doc = await raw();
  assert.deepEqual([...doc.components.schemas.Role.enum].sort(), [...ROLES].sort(),
    'Role enum matches the contract');
  const ids = new Set();
  for (const { method, path, op } of operations(doc)) {
    const name = `${method.toUpperCase()} ${path}`;
    assert.ok(op.operationId, `${name}: operationId`);
    assert.ok(!ids.has(op.operationId), `${name}: operationId ${op.operationId} is unique`);
    ids.add(op.operationId);
    assert.ok(op.summary, `${name}: summary`);
    assert.ok(Array.isArray(op['x-roles']), `${name}: x-roles is a list`);
    for (const r of op['x-roles']) assert.ok(ROLES.includes(r), `${name}: x-roles has unknown role ${r}`);
    assert.match(op.description || '', /Roles:/, `${name}: description states the roles`);
    const isPublic = Array.isArray(op.security) && op.security.length === 0;
    assert.equal(op['x-roles'].length === 0, isPublic,
      `${name}: x-roles is empty exactly when the operation needs no sign-in`);
  }
});

/**
 * Error codes the C sources can put in an answer: kf_fail(err, KF_E…, "code", …),
 * fail(r, KF_E…, "code", …) and the router's { KF_E…, status, "code" } table rows.
 * null when there are no sources yet.
 */
function sourceErrorCodes() {
  const dir = join(root, 'src');
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.c'));
  if (files.length === 0) return null;
  const codes = new Map();
  const re = /\bKF_E[A-Z]+\s*,\s*(?:\d{3}\s*,\s*)?"([a-z_]+)"/g;
  for (const f of files) {
    const src = stripComments(readFileSync(join(dir, f), 'utf8'));
    for (const m of src.matchAll(re)) if (!codes.has(m[1])) codes.set(m[1], `src/${f}`);
  }
  return codes;
}

test('error envelope and codes match the contract and the server', async () => {
  const doc = await raw();
  const err = doc.components.schemas.Error;
  assert.deepEqual(err.required, ['error']);
  assert.equal(err.additionalProperties, false);
  const inner = err.properties.error;
  assert.deepEqual(inner.required, ['code', 'message']);
  assert.deepEqual(Object.keys(inner.properties).sort(), ['code', 'field', 'message']);
  const codeSchema = resolve(doc, inner.properties.code);
  const documented = new Set(codeSchema.enum);
  const missing = CONTRACT_ERROR_CODES.filter((c) => !documented.has(c));
  assert.deepEqual(missing, [], 'contract error codes missing from the ErrorCode enum');
  for (const c of documented) {
    assert.match(codeSchema.description, new RegExp('`' + c + '`'), `ErrorCode describes ${c}`);
  }

  const fromSource = sourceErrorCodes();
  if (fromSource) {
    const undocumented = [...fromSource].filter(([c]) => !documented.has(c)).map(([c, f]) => `${c} (${f})`);
    const invented = [...documented].filter((c) => !fromSource.has(c) && !CONTRACT_ERROR_CODES.includes(c));
    assert.deepEqual({ undocumented, invented }, { undocumented: [], invented: [] },
      'undocumented: codes the server emits that ErrorCode lacks; '
      + 'invented: ErrorCode values neither in the contract nor in src/');
  }
});

test('every error response of every operation is the shared Error envelope', async () => {
  const doc = await raw();
  for (const { method, path, op } of operations(doc)) {
    for (const [status, resp] of Object.entries(op.responses)) {
      if (!/^[45]/.test(status)) continue;
      const name = `${method.toUpperCase()} ${path} ${status}`;
      assert.match(resp.$ref || '', /^#\/components\/responses\//, `${name}: uses a shared response`);
      const schema = resolve(doc, resp).content?.['application/json']?.schema;
      assert.equal(schema?.$ref, '#/components/schemas/Error', `${name}: body is Error`);
    }
  }
});

test('statuses follow the contract: auth, roles, CSRF, bodies, visibility', async () => {
  const doc = await raw();
  for (const { method, path, op, pathItem } of operations(doc)) {
    const name = `${method.toUpperCase()} ${path}`;
    const has = (s) => Object.hasOwn(op.responses, s);
    const isPublic = Array.isArray(op.security) && op.security.length === 0;
    if (path.startsWith('/api/v1/')) assert.ok(has('500'), `${name}: documents 500`);
    if (!isPublic) {
      assert.ok(has('401'), `${name}: signed-in operation documents 401`);
      if (op['x-roles'].length < ROLES.length) assert.ok(has('403'), `${name}: role-restricted, documents 403`);
    }
    if (STATE_CHANGING.has(method) && !isPublic) {
      const security = op.security || doc.security;
      const cookie = security.filter((req) => 'cookieSession' in req);
      assert.ok(cookie.length > 0, `${name}: accepts the session cookie`);
      for (const req of cookie) assert.ok('csrfToken' in req, `${name}: cookie requires X-CSRF-Token`);
      assert.ok(security.some((req) => 'bearerToken' in req), `${name}: accepts bearer tokens`);
      assert.ok(has('403'), `${name}: documents 403 csrf`);
    }
    if (op.requestBody) {
      for (const s of ['400', '413', '415']) assert.ok(has(s), `${name}: has a body, documents ${s}`);
      // A JSON body is closed; a raw body (a file upload) has no JSON schema to close.
      const json = resolve(doc, op.requestBody).content['application/json'];
      if (json) {
        const schema = resolve(doc, json.schema);
        assert.equal(schema.additionalProperties, false, `${name}: request body is closed`);
      }
    }
    const params = [...(pathItem.parameters || []), ...(op.parameters || [])].map((p) => resolve(doc, p));
    if (params.some((p) => p.in === 'path')) assert.ok(has('404'), `${name}: has an id, documents 404`);
  }
});

test('every pattern is an ECMA-262 unicode regex and every example fits its schema', async (t) => {
  const doc = await SwaggerParser.dereference(SPEC);
  const patterns = [];
  (function walk(o) {
    if (!o || typeof o !== 'object') return;
    if (typeof o.pattern === 'string') patterns.push(o.pattern);
    for (const v of Object.values(o)) walk(v);
  })(doc.components.schemas);
  for (const p of patterns) assert.doesNotThrow(() => new RegExp(p, 'u'), `pattern ${p}`);

  // ajv comes with swagger-parser; its 2020-12 build understands OpenAPI 3.1 schemas.
  let Ajv2020;
  try {
    Ajv2020 = (await import('ajv/dist/2020.js')).default;
  } catch {
    t.skip('ajv (a dependency of swagger-parser) is not importable; examples not checked');
    return;
  }
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const check = (schema, value, where) => {
    const validate = ajv.compile(schema);
    assert.ok(validate(value), `${where}: ${ajv.errorsText(validate.errors)}`);
  };
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    (schema.examples || []).forEach((ex, i) => check(schema, ex, `schema ${name} example ${i}`));
  }
  for (const { method, path, op } of operations(doc)) {
    const media = [op.requestBody?.content?.['application/json'],
      ...Object.values(op.responses).map((r) => r.content?.['application/json'])];
    for (const m of media.filter(Boolean)) {
      const examples = m.example !== undefined ? [m.example]
        : Object.values(m.examples || {}).map((e) => e.value);
      for (const ex of examples) check(m.schema, ex, `${method.toUpperCase()} ${path} example`);
    }
  }
});

test('every route in src/http/api-*.c is documented, and every documented /api/v1 operation is routed', async (t) => {
  const tables = routeTables();
  if (!tables) {
    t.skip('no route tables yet: src/http/api-*.c does not exist');
    return;
  }
  assert.ok(tables.routes.length > 0,
    `no rows like { "GET", "/api/v1/…", handler, … } found in ${tables.files.join(', ')}`);
  const doc = await raw();
  const documented = new Map(operations(doc).map(({ method, path }) => [key(method, path), path]));
  const routed = new Map(tables.routes.map((r) => [key(r.method, r.path), r]));

  const undocumented = tables.routes
    .filter((r) => !documented.has(key(r.method, r.path)))
    .map((r) => `${r.method} ${r.path} (${r.where})`);
  const unrouted = [...documented.keys()]
    .filter((k) => documented.get(k).startsWith('/api/v1/') && !routed.has(k))
    .map((k) => `${k.split(' ')[0]} ${documented.get(k)}`);

  // x-roles must say what the route row enforces (public rows: no roles).
  const macros = cMacros();
  const byKey = new Map(operations(doc).map((o) => [key(o.method, o.path), o]));
  const wrongRoles = [];
  for (const r of tables.routes) {
    const o = byKey.get(key(r.method, r.path));
    if (!o) continue;
    const want = /\bROUTE_PUBLIC\b/.test(r.flags) ? [] : [...rolesOf(r.roles, macros)].sort();
    const have = [...(o.op['x-roles'] || [])].sort();
    if (want.join() !== have.join()) {
      wrongRoles.push(`${r.method} ${r.path}: x-roles [${have}] but ${r.where} allows [${want}]`);
    }
  }
  assert.deepEqual(wrongRoles, [], 'x-roles differ from the route tables');

  // One assertion, so that a failure lists both directions at once.
  assert.deepEqual({ undocumented, unrouted }, { undocumented: [], unrouted: [] },
    'undocumented: routes missing from docs/openapi.yaml; '
    + 'unrouted: documented /api/v1 operations with no row in src/http/api-*.c');
});

test('the running server answers every operation as documented', async (t) => {
  const { KEFU, startServer, client } = await import('../lib/server.mjs');
  if (!existsSync(KEFU)) {
    t.skip(`no server binary at ${KEFU}: run make first`);
    return;
  }
  let Ajv2020;
  try {
    Ajv2020 = (await import('ajv/dist/2020.js')).default;
  } catch {
    t.skip('ajv (a dependency of swagger-parser) is not importable');
    return;
  }
  const doc = await SwaggerParser.dereference(SPEC);
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const ops = new Map(operations(doc).map((o) => [o.op.operationId, o]));
  const seen = new Set(); // operationIds answered with a 2xx

  /** Check that res is a documented answer of operation id, with a body of the documented shape. */
  function conforms(id, res, status) {
    const o = ops.get(id);
    assert.ok(o, `operation ${id} is documented`);
    const where = `${id} (${o.method.toUpperCase()} ${o.path}) → ${res.status} ${res.text.slice(0, 300)}`;
    if (status !== undefined) assert.equal(res.status, status, where);
    const doc200 = o.op.responses[String(res.status)];
    assert.ok(doc200, `${where}: status ${res.status} is not documented`);
    const media = doc200.content || {};
    const ctype = (res.headers.get('content-type') || '').split(';')[0].trim();
    if (Object.keys(media).length === 0) {
      assert.equal(res.text, '', `${where}: documented without a body`);
    } else {
      assert.ok(media[ctype], `${where}: content type ${ctype} is not documented`);
      if (ctype === 'application/json') {
        const validate = ajv.compile(media[ctype].schema);
        assert.ok(validate(res.body), `${where}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    if (res.status < 300) seen.add(id);
    return res.body;
  }

  const s = await startServer();
  try {
    const anon = client(s.url);
    conforms('getHealth', await anon.get('/healthz'), 200);
    conforms('getMetrics', await anon.get('/metrics'), 200);
    conforms('getMe', await anon.get('/api/v1/me'), 401);
    conforms('createSession', await anon.post('/api/v1/session',
      { username: 'leader', password: 'not-the-password' }), 401);
    conforms('createSession', await anon.post('/api/v1/session', { username: 'leader', pw: 'x' }), 400);
    conforms('createSession', await anon.request('POST', '/api/v1/session', 'username=admin',
      { raw: true, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415);

    const admin = client(s.url);
    conforms('createSession', await admin.login('admin'), 201);
    conforms('getMe', await admin.get('/api/v1/me'), 200);

    // users
    const users = conforms('listUsers', await admin.get('/api/v1/users'), 200);
    conforms('getUser', await admin.get(`/api/v1/users/${users[0].id}`), 200);
    conforms('getUser', await admin.get('/api/v1/users/999999'), 404);
    const uname = `doc${process.pid.toString(36)}${Date.now().toString(36)}`.slice(0, 32);
    const user = conforms('createUser', await admin.post('/api/v1/users',
      { username: uname, name: '文档测试', role: 'project', password: 'openapi-check-2026' }), 201);
    conforms('createUser', await admin.post('/api/v1/users',
      { username: uname, role: 'project', password: 'openapi-check-2026' }), 409);
    conforms('updateUser', await admin.patch(`/api/v1/users/${user.id}`, { name: '文档测试员' }), 200);
    const me = (await admin.get('/api/v1/me')).body.user;
    conforms('listStaff', await admin.get('/api/v1/staff'), 200);
    conforms('listStaff', await admin.get('/api/v1/staff?project_id=1'), 200);
    conforms('listStaff', await admin.get('/api/v1/staff?project_id=abc'), 400);
    conforms('listStaff', await admin.get('/api/v1/staff?project_id=999999'), 404);
    conforms('updateUser', await admin.patch(`/api/v1/users/${me.id}`, { active: false }), 422);

    // customers
    conforms('listCustomers', await admin.get('/api/v1/customers'), 200);
    const cust = conforms('createCustomer', await admin.post('/api/v1/customers',
      { name: '文档校验有限公司', phone: '010-6512 3456', email: null }), 201);
    conforms('createCustomer', await admin.post('/api/v1/customers', { name: 'x', fax: '1' }), 400);
    conforms('createCustomer', await admin.post('/api/v1/customers', { name: 'x' },
      { headers: { 'x-csrf-token': 'wrong' } }), 403);
    conforms('getCustomer', await admin.get(`/api/v1/customers/${cust.id}`), 200);
    conforms('updateCustomer', await admin.patch(`/api/v1/customers/${cust.id}`,
      { address: '北京市\n朝阳区' }), 200);

    // projects, members, stage events
    conforms('listProjects', await admin.get('/api/v1/projects?stage=warranty'), 200);
    conforms('listProjects', await admin.get('/api/v1/projects?stage=nope'), 400);
    const code = `DOC-${Date.now().toString(36)}`;
    const proj = conforms('createProject', await admin.post('/api/v1/projects',
      { code, name: '文档校验工程', customer_id: cust.id, manager_id: user.id }), 201);
    conforms('createProject', await admin.post('/api/v1/projects',
      { code, name: '重复', customer_id: cust.id }), 409);
    conforms('getProject', await admin.get(`/api/v1/projects/${proj.id}`), 200);
    conforms('getProject', await admin.get('/api/v1/projects/999999'), 404);
    conforms('updateProject', await admin.patch(`/api/v1/projects/${proj.id}`, { stage: 'warranty' }), 400);
    conforms('updateProject', await admin.patch(`/api/v1/projects/${proj.id}`, { name: '文档校验工程二期' }), 200);
    conforms('setProjectMembers', await admin.put(`/api/v1/projects/${proj.id}/members`,
      { user_ids: [user.id] }), 200);
    conforms('createProjectEvent', await admin.post(`/api/v1/projects/${proj.id}/events`,
      { type: 'contract_signed', date: '2026-03-18', note: '施工合同已签订' }), 201);
    conforms('createProjectEvent', await admin.post(`/api/v1/projects/${proj.id}/events`,
      { type: 'warranty_ended', date: '2026-03-19' }), 422);
    conforms('createProjectEvent', await admin.post(`/api/v1/projects/${proj.id}/events`,
      { type: 'completion_filed', date: '2026-02-30' }), 400);
    conforms('listProjectEvents', await admin.get(`/api/v1/projects/${proj.id}/events`), 200);

    // score sheets
    const forms = conforms('listForms', await admin.get('/api/v1/forms'), 200);
    conforms('getForm', await admin.get(`/api/v1/forms/${forms[0].id}`), 200);
    conforms('getForm', await admin.get('/api/v1/forms/999999'), 404);
    conforms('createForm', await admin.post('/api/v1/forms', { key: 'post',
      items: [{ key: 'repair', title: '维修质量', points: 60 }, { key: 'visits', title: '回访服务', title_en: 'Return visits', points: 40 }] }), 201);
    conforms('createForm', await admin.post('/api/v1/forms', { key: 'post',
      items: [{ key: 'repair', title: '维修质量', points: 60 }] }), 422);
    conforms('createForm', await admin.post('/api/v1/forms', { key: 'during', items: [] }), 400);

    // evaluations: proj is in construction, so the in-construction sheet fits and the post one does not
    const cm = client(s.url);
    conforms('createSession', await cm.login('cm'), 201);
    const sheet = forms.find((f) => f.key === 'process');
    const rated = sheet.items.map((it, i) => (i === 0 ? { key: it.key, rating: 'serious', penalty: -5 }
      : { key: it.key, rating: ['satisfied', 'fairly_satisfied', 'average', 'acceptable'][i % 4] }));
    const evaluation = conforms('createEvaluation', await cm.post(`/api/v1/projects/${proj.id}/evaluations`,
      { form: 'process', kind: 'official', period: '2026-Q2', date: '2026-04-10', items: rated,
        summary_deduction: 5, customer_rep: '张伟', comment: '临边防护\n需整改' }), 201);
    conforms('createEvaluation', await cm.post(`/api/v1/projects/${proj.id}/evaluations`,
      { form: 'post', kind: 'official', date: '2026-04-10', items: rated }), 422);
    conforms('createEvaluation', await cm.post(`/api/v1/projects/${proj.id}/evaluations`,
      { form: 'process', kind: 'official', date: '2026-04-10' }), 400);
    conforms('createEvaluation', await admin.post(`/api/v1/projects/${proj.id}/evaluations`,
      { form: 'process', kind: 'official', date: '2026-04-10', items: rated }), 403);
    conforms('listProjectEvaluations', await cm.get(`/api/v1/projects/${proj.id}/evaluations`), 200);
    conforms('listProjectEvaluations', await cm.get('/api/v1/projects/999999/evaluations'), 404);
    conforms('getEvaluation', await cm.get(`/api/v1/evaluations/${evaluation.id}`), 200);
    conforms('getEvaluation', await cm.get('/api/v1/evaluations/999999'), 404);

    // amendments: the evaluation above is corrected once; its superseded original is not again
    const amendment = { form: 'process', kind: 'official', period: '2026-Q2', date: '2026-04-10',
      items: sheet.items.map((it) => ({ key: it.key, rating: 'fairly_satisfied' })), reason: '复核后更正' };
    const amended = conforms('amendEvaluation', await cm.post(`/api/v1/evaluations/${evaluation.id}/amendments`, amendment), 201);
    conforms('amendEvaluation', await cm.post(`/api/v1/evaluations/${evaluation.id}/amendments`, amendment), 409);
    conforms('amendEvaluation', await cm.post(`/api/v1/evaluations/${amended.id}/amendments`, { ...amendment, reason: undefined }), 400);
    conforms('amendEvaluation', await cm.post(`/api/v1/evaluations/${amended.id}/amendments`, { ...amendment, form: 'pre' }), 422);
    conforms('amendEvaluation', await admin.post(`/api/v1/evaluations/${amended.id}/amendments`, amendment), 403);
    conforms('amendEvaluation', await cm.post('/api/v1/evaluations/999999/amendments', amendment), 404);

    // two failing official sheets: a penalty case and improvement reviews
    const failing = (date) => ({ form: 'process', kind: 'official', date,
      items: sheet.items.map((it) => ({ key: it.key, rating: 'acceptable' })) });
    conforms('createEvaluation', await cm.post(`/api/v1/projects/${proj.id}/evaluations`, failing('2026-05-10')), 201);
    const second = conforms('createEvaluation', await cm.post(`/api/v1/projects/${proj.id}/evaluations`, failing('2026-06-10')), 201);
    assert.ok(second.case_id && second.review_id, 'the second fail opened a case and a review');

    // summaries
    conforms('getProjectSummary', await cm.get(`/api/v1/projects/${proj.id}/summary`), 200);
    conforms('getProjectSummary', await cm.get('/api/v1/projects/999999/summary'), 404);
    conforms('listSummaries', await cm.get('/api/v1/summaries?quarter=2026-Q2&sort=-total'), 200);
    conforms('listSummaries', await cm.get('/api/v1/summaries?quarter=2026-Q2&lang=en', { headers: { accept: 'text/csv' } }), 200);
    conforms('listSummaries', await cm.get('/api/v1/summaries?quarter=2026-Q5'), 400);

    // penalty cases: the leader decides
    const leader = client(s.url);
    conforms('createSession', await leader.login('leader'), 201);
    conforms('listPenaltyCases', await leader.get(`/api/v1/penalty-cases?project_id=${proj.id}&status=open`), 200);
    conforms('listPenaltyCases', await leader.get('/api/v1/penalty-cases?status=nope'), 400);
    conforms('getPenaltyCase', await leader.get(`/api/v1/penalty-cases/${second.case_id}`), 200);
    conforms('getPenaltyCase', await leader.get('/api/v1/penalty-cases/999999'), 404);
    conforms('decidePenaltyCase', await cm.post(`/api/v1/penalty-cases/${second.case_id}/decision`, { text: '通报批评' }), 403);
    conforms('decidePenaltyCase', await leader.post(`/api/v1/penalty-cases/${second.case_id}/decision`, {}), 400);
    conforms('decidePenaltyCase', await leader.post(`/api/v1/penalty-cases/${second.case_id}/decision`, { text: '通报批评，限期整改。' }), 200);
    conforms('decidePenaltyCase', await leader.post(`/api/v1/penalty-cases/${second.case_id}/decision`, { text: '改判' }), 409);

    // improvement reviews: cm closes them
    conforms('listReviews', await cm.get(`/api/v1/reviews?project_id=${proj.id}`), 200);
    conforms('listReviews', await cm.get('/api/v1/reviews?status=nope'), 400);
    conforms('getReview', await cm.get(`/api/v1/reviews/${second.review_id}`), 200);
    conforms('getReview', await cm.get('/api/v1/reviews/999999'), 404);
    conforms('closeReview', await leader.post(`/api/v1/reviews/${second.review_id}/close`, { findings: '已整改' }), 403);
    conforms('closeReview', await cm.post(`/api/v1/reviews/${second.review_id}/close`, { findings: '' }), 400);
    conforms('closeReview', await cm.post(`/api/v1/reviews/${second.review_id}/close`, { findings: '已约谈项目经理，整改完成。' }), 200);
    conforms('closeReview', await cm.post(`/api/v1/reviews/${second.review_id}/close`, { findings: '再次关闭' }), 409);

    // tickets (PROCEDURE §4): the customer files a warranty repair on project 2 (its own); staff
    // take it, triage it, report it done; quality verifies it; the customer rates it
    const portal = client(s.url);
    conforms('createSession', await portal.login('customer'), 201);
    const quality = client(s.url);
    conforms('createSession', await quality.login('quality'), 201);
    const projectUser = users.find((u) => u.username === 'project');
    const future = new Date(Date.now() + 10 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
    const repairBody = { project_id: 2, kind: 'repair', title: '卫生间地面渗水',
      description: '二楼卫生间地面渗水，\n楼下教室顶棚出现水渍。', channel: 'portal', required_by: future,
      location: '2号楼2层东侧卫生间' };
    const repair = conforms('createTicket', await portal.post('/api/v1/tickets', repairBody), 201);
    assert.ok(repair.response_due, 'a warranty repair has a response deadline');
    conforms('createTicket', await portal.post('/api/v1/tickets', { ...repairBody, kind: 'question' }), 400);
    conforms('createTicket', await portal.post('/api/v1/tickets', { ...repairBody, project_id: 5 }), 404);
    conforms('createTicket', await portal.post('/api/v1/tickets',
      { ...repairBody, required_by: '2020-01-01T00:00:00Z' }), 422);
    conforms('createTicket', await admin.post('/api/v1/tickets', { ...repairBody, channel: 'phone' }), 403);
    const special = conforms('createTicket', await cm.post('/api/v1/tickets', { project_id: 1,
      kind: 'special_request', title: '楼梯加装扶手', description: '顾客电话要求在东侧楼梯加装不锈钢扶手。',
      channel: 'phone', required_by: null, location: null }), 201);
    conforms('listTickets', await cm.get('/api/v1/tickets?status=new&kind=repair&limit=1'), 200);
    conforms('listTickets', await cm.get('/api/v1/tickets?owner_id=me&overdue=false'), 200);
    conforms('listTickets', await portal.get(`/api/v1/tickets?unowned=true&project_id=2&q=${encodeURIComponent('渗水')}`), 200);
    conforms('listTickets', await cm.get('/api/v1/tickets?status=nope'), 400);
    conforms('getTicket', await portal.get(`/api/v1/tickets/${repair.id}`), 200);
    conforms('getTicket', await cm.get('/api/v1/tickets/999999'), 404);
    const T = `/api/v1/tickets/${repair.id}`;
    conforms('actOnTicket', await portal.post(`${T}/actions`, { action: 'take' }), 403);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'take' }), 200);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'take' }), 409);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'escalate' }), 400);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'take', note: '多余' }), 400);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'handover', to_user_id: me.id, reason: '转交' }), 422);
    conforms('actOnTicket', await cm.post('/api/v1/tickets/999999/actions', { action: 'take' }), 404);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'assign', user_ids: [projectUser.id] }), 200);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'comment', text: '已联系防水分包。', internal: true }), 200);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'triage', scope: 'in_contract', reason: '属保修范围，明日上门维修。' }), 200);

    // attachments: the file itself as the body, recognised by content
    const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
    const upload = (c, id, name, bytes, type) => c.request('POST',
      `/api/v1/tickets/${id}/attachments${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`,
      bytes, { raw: true, headers: { 'content-type': type } });
    const photo = conforms('uploadTicketAttachment', await upload(portal, repair.id, '现场照片.jpg', PNG, 'image/jpeg'), 201);
    assert.equal(photo.type, 'image/png', 'recognised by content');
    conforms('uploadTicketAttachment', await upload(portal, repair.id, 'x.png', Buffer.from('不是照片'), 'image/png'), 415);
    conforms('uploadTicketAttachment', await upload(portal, repair.id, undefined, PNG, 'image/png'), 400);
    conforms('uploadTicketAttachment', await upload(portal, 999999, 'x.png', PNG, 'image/png'), 404);
    conforms('listTicketAttachments', await cm.get(`${T}/attachments`), 200);
    conforms('listTicketAttachments', await cm.get('/api/v1/tickets/999999/attachments'), 404);
    const file = conforms('downloadTicketAttachment', await portal.get(`${T}/attachments/${photo.id}`), 200);
    assert.equal(file, null, 'a download is not JSON');
    const got = await portal.get(`${T}/attachments/${photo.id}`);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.match(got.headers.get('content-disposition'), /^attachment; filename="[^"]*"; filename\*=UTF-8''%E7%8E%B0/);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(Number(got.headers.get('content-length')), PNG.length);
    conforms('downloadTicketAttachment', await portal.get(`${T}/attachments/999999`), 404);

    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'resolve', note: '已更换防水层并做闭水试验。' }), 200);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'verify', result: 'pass' }), 403);
    conforms('actOnTicket', await quality.post(`${T}/actions`, { action: 'verify', result: 'fail', note: '仍有渗漏' }), 200);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'resolve', note: '二次维修完成。' }), 200);
    conforms('actOnTicket', await quality.post(`${T}/actions`, { action: 'verify', result: 'pass' }), 200);
    conforms('actOnTicket', await portal.post(`${T}/actions`, { action: 'rate', satisfaction: 'unsatisfied', comment: '墙角仍潮湿' }), 200);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'handover', to_user_id: projectUser.id, reason: '转项目部保修小组' }), 200);
    conforms('actOnTicket', await cm.post(`${T}/actions`, { action: 'resolve', note: '三修' }), 403); // no longer the owner
    const projectC = client(s.url);
    conforms('createSession', await projectC.login('project'), 201);
    conforms('actOnTicket', await projectC.post(`${T}/actions`, { action: 'resolve', note: '墙角重新处理。' }), 200);
    conforms('actOnTicket', await quality.post(`${T}/actions`, { action: 'verify', result: 'pass' }), 200);
    const closed = conforms('actOnTicket', await projectC.post(`${T}/actions`,
      { action: 'rate', satisfaction: 'satisfied', source: 'phone' }), 200);
    assert.equal(closed.status, 'closed');
    assert.equal(closed.improvement_needs, 1);
    conforms('uploadTicketAttachment', await upload(portal, repair.id, 'late.png', PNG, 'image/png'), 409);
    conforms('getTicket', await portal.get(T), 200); // without internal steps and notes
    // a special request: out of contract, the customer confirms, the leader approves
    const S = `/api/v1/tickets/${special.id}/actions`;
    conforms('actOnTicket', await cm.post(S, { action: 'triage', scope: 'out_of_contract', reason: '属合同外工作，可有偿施工。' }), 200);
    conforms('actOnTicket', await cm.post(S, { action: 'confirm' }), 400);
    conforms('actOnTicket', await cm.post(S, { action: 'confirm', evidence: '顾客确认函（传真）' }), 200);
    conforms('actOnTicket', await leader.post(S, { action: 'approve', decision: 'approve', note: '同意。' }), 200);
    conforms('actOnTicket', await portal.post(S, { action: 'comment', text: '请尽快施工。' }), 200);

    // corrective actions for a common defect (P-5.2.3h): cm opens and accepts them
    const ca = conforms('createCorrectiveAction', await cm.post('/api/v1/corrective-actions',
      { title: '卫生间防水层通病整改', ticket_ids: [repair.id, special.id], plan: '1. 全面排查；\n2. 渗漏处重做。' }), 201);
    conforms('createCorrectiveAction', await cm.post('/api/v1/corrective-actions',
      { title: '未知工单', ticket_ids: [999999], plan: '无' }), 400);
    conforms('createCorrectiveAction', await cm.post('/api/v1/corrective-actions', { title: '缺计划', ticket_ids: [repair.id] }), 400);
    conforms('createCorrectiveAction', await leader.post('/api/v1/corrective-actions',
      { title: '领导', ticket_ids: [repair.id], plan: '无' }), 403);
    conforms('listCorrectiveActions', await leader.get('/api/v1/corrective-actions'), 200);
    conforms('listCorrectiveActions', await portal.get('/api/v1/corrective-actions'), 403);
    conforms('getCorrectiveAction', await quality.get(`/api/v1/corrective-actions/${ca.id}`), 200);
    conforms('getCorrectiveAction', await quality.get('/api/v1/corrective-actions/999999'), 404);
    const A = `/api/v1/corrective-actions/${ca.id}/acceptance`;
    conforms('acceptCorrectiveAction', await cm.post(A, { customer_rep: '张伟', appraisal: '仍有一处渗漏。', result: 'rework' }), 201);
    conforms('acceptCorrectiveAction', await cm.post(A, { customer_rep: '张伟', appraisal: '好', result: 'ok' }), 400);
    conforms('acceptCorrectiveAction', await leader.post(A, { customer_rep: '张伟', appraisal: '好', result: 'accepted' }), 403);
    conforms('acceptCorrectiveAction', await cm.post('/api/v1/corrective-actions/999999/acceptance',
      { customer_rep: '张伟', appraisal: '好', result: 'accepted' }), 404);
    const accepted = conforms('acceptCorrectiveAction', await cm.post(A,
      { customer_rep: '张伟', appraisal: '闭水试验无渗漏，\n顾客代表认可。', result: 'accepted' }), 201);
    assert.equal(accepted.status, 'accepted');
    assert.equal(accepted.acceptances.length, 2);
    conforms('acceptCorrectiveAction', await cm.post(A, { customer_rep: '张伟', appraisal: '再次', result: 'rework' }), 409);

    // another role
    const customer = client(s.url);
    conforms('createSession', await customer.login('customer'), 201);
    conforms('listUsers', await customer.get('/api/v1/users'), 403);
    conforms('listStaff', await customer.get('/api/v1/staff'), 403);
    conforms('createCustomer', await customer.post('/api/v1/customers', { name: '不允许' }), 403);
    conforms('getProject', await customer.get(`/api/v1/projects/${proj.id}`), 404);
    conforms('listForms', await customer.get('/api/v1/forms'), 200);
    conforms('createForm', await customer.post('/api/v1/forms', { key: 'pre',
      items: [{ key: 'a', title: '甲', points: 100 }] }), 403);
    conforms('getEvaluation', await customer.get(`/api/v1/evaluations/${evaluation.id}`), 404);
    conforms('listProjectEvaluations', await customer.get(`/api/v1/projects/${proj.id}/evaluations`), 404);
    conforms('getProjectSummary', await customer.get('/api/v1/projects/1/summary'), 200);
    conforms('listSummaries', await customer.get('/api/v1/summaries?quarter=2026-Q2'), 403);
    conforms('listPenaltyCases', await customer.get('/api/v1/penalty-cases'), 403);
    conforms('listReviews', await customer.get('/api/v1/reviews'), 403);

    conforms('deleteSession', await admin.del('/api/v1/session'), 204);
    conforms('getMe', await admin.get('/api/v1/me'), 401);

    assert.deepEqual([...ops.keys()].filter((id) => !seen.has(id)), [],
      'operations never answered successfully in this test');
  } finally {
    await s.stop();
  }
});
