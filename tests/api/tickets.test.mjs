// Tickets (issue 5, PROCEDURE §4 and 5.3.3): requests, complaints and repairs over HTTP, as the
// customer and the staff who handle them would drive them. First-contact ownership (take, the
// take race, hand-over, assignment), the three-way triage, special-request approval, the quality
// dept's verification of repairs, the customer's rating (unsatisfied reopens), comments and what
// customers never see, visibility across customers and projects, the queue's filters and paging,
// full-text search in Chinese, the response and resolution clocks under an injected clock, and
// the audit chain. Every refusal is checked for its status, code and field, and for changing
// nothing: the ticket (as staff see it) and the row counts are the same before and after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import { spawn } from 'node:child_process';
import { startServer, cli, sql, PG } from '../lib/server.mjs';
import { api, ok, err, show, tokenClient, RFC3339, uniq, ids, postBuffer } from './_util.mjs';

const T = '/api/v1/tickets';
// The demo company (kefu init --demo): customer 1 owns projects 1 (construction) and 2
// (warranty); 3 (pre-contract) is customer 2's, 4 (post-warranty, wu.lei) customer 3's, 5
// (construction, zheng.kai) customer 4's. The user "project" is a member of 1 and 2.
const PROJECT = { construction: 1, warranty: 2, pre_contract: 3, post_warranty: 4, other_customer: 5 };
const STAFF = ['leader', 'cm', 'quality', 'business', 'project', 'safety']; // ticket staff: not admin
const USERS = ['admin', ...STAFF, 'customer', 'zheng.kai', 'wu.lei'];
const STATES = ['new', 'awaiting_customer', 'awaiting_approval', 'in_progress', 'awaiting_verification', 'resolved', 'closed'];
const KINDS = ['complaint', 'repair', 'inquiry', 'special_request', 'suspension_claim', 'environment_safety'];
const TICKET_KEYS = ['id', 'number', 'project_id', 'project_code', 'project_name', 'kind', 'title', 'description',
  'channel', 'location', 'required_by', 'status', 'scope', 'owner_id', 'owner_name', 'assignee_ids', 'created_by',
  'created_by_name', 'created_at', 'updated_at', 'responded_at', 'response_due', 'resolved_at', 'closed_at',
  'satisfaction', 'overdue', 'overdue_response', 'overdue_resolution', 'escalated_to', 'improvement_needs'].sort();
const HISTORY_KEYS = ['id', 'action', 'user_id', 'user_name', 'at', 'text', 'internal', 'data'].sort();
const HOUR = 3600 * 1000;
const OTHER_PW = 'another-customer-pw-2026';

let s; // the server of every test but the tamper test
let C; // token clients by username; C.other is a user of the customer of project 5
let users; // by username
let projects; // by id, as admin sees them
let V = null; // docs/openapi.yaml validators of the ticket answers, when documented
let undocumented = [];

before(async () => {
  s = await startServer();
  C = Object.fromEntries(USERS.map((u) => [u, tokenClient(s, u)]));
  projects = Object.fromEntries(ok(await C.admin.get('/api/v1/projects'), 200).map((p) => [p.id, p]));
  const other = projects[PROJECT.other_customer].customer_id;
  assert.notEqual(other, projects[1].customer_id, 'project 5 is another customer\'s');
  s.addUser('other.customer', 'customer', OTHER_PW, ['--customer', String(other)]);
  C.other = tokenClient(s, 'other.customer');
  users = Object.fromEntries(ok(await C.admin.get('/api/v1/users'), 200).map((u) => [u.username, u]));
  const doc = await SwaggerParser.dereference(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'openapi.yaml'));
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const schema = (path, method, status) => {
    const op = doc.paths?.[path]?.[method];
    const sc = op?.responses?.[status]?.content?.['application/json']?.schema;
    if (!sc) { undocumented.push(`${method.toUpperCase()} ${path} ${status}`); return null; }
    return ajv.compile(sc);
  };
  V = {
    created: schema('/api/v1/tickets', 'post', '201'),
    list: schema('/api/v1/tickets', 'get', '200'),
    one: schema('/api/v1/tickets/{id}', 'get', '200'),
    acted: schema('/api/v1/tickets/{id}/actions', 'post', '200'),
  };
});
after(async () => {
  if (psql) { psql.p.stdin.end(); await new Promise((r) => psql.p.on('exit', r)); }
  await s?.stop();
});

// ---- helpers -----------------------------------------------------------------------------

const uid = (username) => users[username].id;
const rfc = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const secs = (t) => Date.parse(t) / 1000;
const q = (params) => '?' + new URLSearchParams(params).toString();
const strip = ({ history, ...rest }) => rest;
const sorted = (a) => [...a].sort((x, y) => x - y);

function conforms(validate, body, what) {
  if (!validate) return;
  assert.ok(validate(body), `${what} does not match docs/openapi.yaml: ${JSON.stringify(validate.errors)}`);
}

/** The shape every ticket answer has, and what must hold between its members. */
function checkTicket(t, { history = false, what = '' } = {}) {
  const keys = Object.keys(t).filter((k) => k !== 'history').sort();
  assert.deepEqual(keys, TICKET_KEYS, `ticket members ${what}`);
  assert.ok(Number.isInteger(t.id) && t.id > 0, `id ${what}`);
  assert.match(t.number, /^KF-\d{4}-\d{6}$/, `number ${what}`);
  assert.equal(t.number.slice(3, 7), t.created_at.slice(0, 4), `number carries the year of creation ${what}`);
  assert.ok(KINDS.includes(t.kind), `kind ${t.kind} ${what}`);
  assert.ok(STATES.includes(t.status), `status ${t.status} ${what}`);
  for (const k of ['created_at', 'updated_at']) assert.match(t[k], RFC3339, `${k} ${what}`);
  for (const k of ['required_by', 'responded_at', 'response_due', 'resolved_at', 'closed_at']) {
    assert.ok(t[k] === null || RFC3339.test(t[k]), `${k} = ${t[k]} ${what}`);
  }
  assert.ok(secs(t.updated_at) >= secs(t.created_at), `updated_at before created_at ${what}`);
  for (const k of ['overdue', 'overdue_response', 'overdue_resolution']) assert.equal(typeof t[k], 'boolean', `${k} ${what}`);
  assert.equal(t.overdue, t.overdue_response || t.overdue_resolution, `overdue is either ${what}`);
  assert.ok(Array.isArray(t.escalated_to) && t.escalated_to.every((u) => Number.isInteger(u.id) && typeof u.name === 'string'
    && Object.keys(u).length === 2), `escalated_to ${what}`);
  if (!t.overdue) assert.deepEqual(t.escalated_to, [], `escalated_to when not overdue ${what}`);
  assert.equal(t.owner_id === null, t.owner_name === null, `owner_id and owner_name ${what}`);
  assert.ok(Array.isArray(t.assignee_ids) && t.assignee_ids.every(Number.isInteger), `assignee_ids ${what}`);
  assert.ok(Number.isInteger(t.improvement_needs) && t.improvement_needs >= 0, `improvement_needs ${what}`);
  assert.ok(t.scope === null || ['in_contract', 'out_of_contract', 'cannot_handle'].includes(t.scope), `scope ${what}`);
  assert.ok(t.satisfaction === null || ['satisfied', 'average', 'unsatisfied'].includes(t.satisfaction), `satisfaction ${what}`);
  assert.equal(t.status === 'closed', t.closed_at !== null, `closed_at exactly when closed ${what}`);
  if (t.response_due) assert.equal(secs(t.response_due) - secs(t.created_at), 24 * 3600, `response_due is 24 h after receipt ${what}`);
  if (history) {
    assert.ok(Array.isArray(t.history) && t.history.length > 0, `history ${what}`);
    assert.equal(t.history[0].action, 'created', `the first history entry ${what}`);
    t.history.forEach((h, i) => {
      assert.deepEqual(Object.keys(h).sort(), HISTORY_KEYS, `history[${i}] members ${what}`);
      assert.match(h.at, RFC3339, `history[${i}].at ${what}`);
      assert.equal(typeof h.internal, 'boolean', `history[${i}].internal ${what}`);
      assert.ok(h.text === null || typeof h.text === 'string', `history[${i}].text ${what}`);
      assert.ok(Number.isInteger(h.user_id) && typeof h.user_name === 'string', `history[${i}] who ${what}`);
      if (i) assert.ok(h.id > t.history[i - 1].id && secs(h.at) >= secs(t.history[i - 1].at), `history oldest first ${what}`);
    });
  } else {
    assert.equal(t.history, undefined, `no history ${what}`);
  }
}

/** A complaint body for project 1 (what the customer sends from the portal), with EXTRA. */
const body = (extra = {}) => ({
  project_id: PROJECT.construction, kind: 'complaint', title: '三楼走廊墙面开裂',
  description: '三楼东侧走廊墙面出现多条裂缝，最长约一米，担心影响结构安全。', channel: 'portal', ...extra,
});
const staffBody = (extra = {}) => body({ channel: 'phone', ...extra });

/**
 * One SQL statement on the server's database. On PostgreSQL through one psql that stays open
 * (a psql per statement costs a quarter of a second, and the refusals ask hundreds of times).
 */
let psql = null;
function dbq(statement) {
  if (!PG) return Promise.resolve(s.sql(statement));
  if (!psql) {
    const p = spawn('psql', [s.db, '-qAtX'], { stdio: ['pipe', 'pipe', 'pipe'] });
    psql = { p, out: '', err: '', waiting: [] };
    p.stdout.setEncoding('utf8');
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d) => { psql.err += d; });
    p.stdout.on('data', (d) => {
      psql.out += d;
      let i;
      while ((i = psql.out.indexOf('__kefu_end__\n')) >= 0) {
        const text = psql.out.slice(0, i).trim();
        psql.out = psql.out.slice(i + 13);
        const w = psql.waiting.shift();
        if (psql.err) { const e = psql.err; psql.err = ''; w.reject(new Error(`sql failed: ${w.statement}: ${e}`)); } else w.resolve(text);
      }
    });
  }
  return new Promise((resolve, reject) => {
    psql.waiting.push({ resolve, reject, statement });
    psql.p.stdin.write(`${statement.replace(/;\s*$/, '')};\n\\echo __kefu_end__\n`);
  });
}
const count = async (table) => Number(await dbq(`SELECT count(*) FROM ${table}`));
/** Rows of every ticket table and of the audit log, in one query. */
const counts = () => dbq('SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM ticket_events),'
  + ' (SELECT count(*) FROM ticket_assignees), (SELECT count(*) FROM audit_log)');

async function get(id, c = C.cm) {
  const r = await c.get(`${T}/${id}`);
  const t = ok(r, 200);
  checkTicket(t, { history: true, what: show(r) });
  conforms(V?.one, t, show(r));
  return t;
}

/** Create as C: 201, the contract's shape, GET and the list answer the same. */
async function create(c, b) {
  const n = await count('audit_log');
  const r = await c.post(T, b);
  const t = ok(r, 201);
  conforms(V?.created, t, show(r));
  const { history, ...plain } = t;
  checkTicket(plain, { what: show(r) });
  assert.deepEqual(strip(await get(t.id, c)), plain, 'GET answers what POST answered');
  assert.ok(await count('audit_log') > n, `${show(r)}: not in the audit log`);
  return plain;
}

/** A move that must succeed: 200, the ticket with its history, the same as GET, audited. */
async function act(c, id, move) {
  const n = await count('audit_log');
  const r = await c.post(`${T}/${id}/actions`, move);
  const t = ok(r, 200);
  checkTicket(t, { history: true, what: show(r) });
  conforms(V?.acted, t, show(r));
  assert.ok(await count('audit_log') > n, `${show(r)} ${JSON.stringify(move)}: not in the audit log`);
  assert.deepEqual(await get(id, c), t, `GET answers what ${JSON.stringify(move)} answered`);
  return t;
}

/** A move that must be refused with STATUS, CODE (and FIELD) and change nothing at all. */
async function refused(c, id, move, status, code, field) {
  const before = await get(id);
  const n = await counts();
  const r = await c.post(`${T}/${id}/actions`, move);
  err(r, status, code, field);
  assert.deepEqual(await get(id), before, `${show(r)} for ${JSON.stringify(move)} changed the ticket`);
  assert.equal(await counts(), n, `${show(r)} for ${JSON.stringify(move)} wrote rows`);
  return r;
}

/** A create that must be refused and create nothing. */
async function createRefused(c, b, status, code, field, what) {
  const n = await counts();
  const r = typeof b === 'string' ? await c.post(T, b, { raw: true, headers: { 'content-type': 'application/json' } }) : await c.post(T, b);
  try {
    err(r, status, code, field);
  } catch (e) { e.message = `${what}: ${e.message}`; throw e; }
  assert.equal(await counts(), n, `${what}: ${show(r)} wrote rows`);
  return r;
}

/** The last history entry. */
const last = (t) => t.history[t.history.length - 1];
const actions = (t) => t.history.map((h) => h.action);

/** What a customer must see of the ticket STAFF saw: no internal entries, no data.note. */
function customerView(staff) {
  const history = staff.history.filter((h) => !h.internal).map((h) => ({ ...h, data: noNote(h.data) }));
  return { ...staff, history };
}
function noNote(d) {
  if (d === null || typeof d !== 'object') return d;
  const { note, ...rest } = d;
  return rest;
}
/** data {} and null are the same to a reader. */
const normData = (t) => ({ ...t, history: t.history.map((h) => ({ ...h, data: h.data && Object.keys(h.data).length ? h.data : null })) });

/** A customer's complaint (unowned), taken by OWNER. */
async function owned(owner = 'cm', extra = {}) {
  const t = await create(C.customer, body(extra));
  return act(C[owner], t.id, { action: 'take' });
}
/** ... and triaged in contract: in progress (a special request: awaiting approval). */
async function working(owner = 'cm', extra = {}) {
  const t = await owned(owner, extra);
  return act(C[owner], t.id, { action: 'triage', scope: 'in_contract' });
}
/** ... and resolved (a repair: awaiting verification). */
async function resolved(owner = 'cm', extra = {}) {
  const t = await working(owner, extra);
  return act(C[owner], t.id, { action: 'resolve', note: '已处理完毕' });
}

/** Every item of the list at PATH (walking next_cursor with LIMIT) as client C. */
async function walk(c, params = {}, limit = 200) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 10000; page++) {
    const r = await c.get(T + q({ ...params, limit: String(limit), ...(cursor ? { cursor } : {}) }));
    const b = ok(r, 200);
    conforms(V?.list, b, show(r));
    assert.deepEqual(Object.keys(b).sort(), ['items', 'next_cursor'], show(r));
    assert.ok(b.items.length <= limit, `${show(r)}: more than limit`);
    for (const t of b.items) checkTicket(t, { what: `listed by ${show(r)}` });
    items.push(...b.items);
    if (b.next_cursor === null) return items;
    assert.equal(typeof b.next_cursor, 'string', show(r));
    assert.ok(b.items.length > 0, `${show(r)}: an empty page with a next_cursor`);
    cursor = b.next_cursor;
  }
  throw new Error('paging never ended');
}
const listIds = async (c, params) => ids(await walk(c, params));

// ---- the contract's surface ----------------------------------------------------------------

test('the ticket routes are documented in docs/openapi.yaml', () => {
  assert.deepEqual(undocumented, [], 'undocumented ticket answers');
});

// ---- create --------------------------------------------------------------------------------

test('create: a customer\'s request on its own project arrives new, without an owner', async () => {
  const due = rfc(Date.now() + 10 * 24 * HOUR);
  const b = body({ required_by: due, location: '3号楼3层东侧走廊', description: '裂缝一：长约一米。\n裂缝二：长约三十厘米。' });
  const t = await create(C.customer, b);
  assert.equal(t.status, 'new');
  assert.equal(t.owner_id, null);
  assert.equal(t.owner_name, null);
  assert.deepEqual(t.assignee_ids, []);
  assert.equal(t.scope, null);
  assert.equal(t.responded_at, null, 'a customer\'s request waits for its first response');
  assert.equal(t.resolved_at, null);
  assert.equal(t.closed_at, null);
  assert.equal(t.satisfaction, null);
  assert.equal(t.improvement_needs, 0);
  assert.equal(t.overdue, false);
  for (const k of ['project_id', 'kind', 'title', 'description', 'channel', 'location', 'required_by']) assert.equal(t[k], b[k], k);
  assert.equal(t.project_code, projects[1].code);
  assert.equal(t.project_name, projects[1].name);
  assert.equal(t.created_by, uid('customer'));
  assert.equal(t.created_by_name, users.customer.name);
  assert.ok(Math.abs(secs(t.created_at) - Date.now() / 1000) < 60, `created_at ${t.created_at} is now`);
  assert.equal(t.response_due, rfc(Date.parse(t.created_at) + 24 * HOUR), 'every complaint has a response deadline');
  // The history starts with its receipt, by the customer.
  const full = await get(t.id, C.customer);
  assert.equal(full.history.length, 1);
  assert.equal(full.history[0].user_id, uid('customer'));
  assert.equal(full.history[0].user_name, users.customer.name);
  assert.equal(full.history[0].internal, false);

  // Without the optional members: null.
  const bare = await create(C.customer, body({ kind: 'inquiry' }));
  assert.equal(bare.location, null);
  assert.equal(bare.required_by, null);
  assert.equal(bare.response_due, null, 'an inquiry has no response deadline');
  // Boundaries: a 200-character title, a 5000-character description, a 200-character location.
  const big = await create(C.customer, body({ title: '墙'.repeat(200), description: '裂'.repeat(5000), location: '位'.repeat(200) }));
  assert.equal(big.title, '墙'.repeat(200));
  assert.equal(big.description.length, 5000);
  // required_by in another offset is the same instant.
  const at = Date.now() + 30 * 24 * HOUR;
  const local = new Date(at + 8 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+08:00');
  const off = await create(C.customer, body({ required_by: local }));
  assert.equal(off.required_by, rfc(at), `required_by ${local}`);
  // Every kind, on the warranty project too.
  for (const kind of KINDS) assert.equal((await create(C.customer, body({ kind, project_id: PROJECT.warranty }))).kind, kind);
});

test('create: staff recording a call or visit own the ticket at once, and it counts as responded', async () => {
  for (const role of STAFF) {
    const t = await create(C[role], staffBody({ title: `${role} 电话记录：地下室渗水` }));
    assert.equal(t.status, 'new', role);
    assert.equal(t.owner_id, uid(role), role);
    assert.equal(t.owner_name, users[role].name, role);
    assert.equal(t.created_by, uid(role), role);
    assert.equal(t.responded_at, t.created_at, `${role}: responded at once`);
    assert.equal(t.overdue_response, false, role);
  }
  for (const channel of ['portal', 'phone', 'visit', 'email', 'fax', 'meeting', 'letter']) {
    assert.equal((await create(C.cm, staffBody({ channel }))).channel, channel);
  }
  // A project team member records on its member projects; safety on any project.
  assert.equal((await create(C['zheng.kai'], staffBody({ project_id: PROJECT.other_customer }))).owner_id, uid('zheng.kai'));
  assert.equal((await create(C.safety, staffBody({ project_id: PROJECT.post_warranty, kind: 'environment_safety' }))).owner_id, uid('safety'));
  // A staff-owned ticket cannot be taken by anyone else.
  const t = await create(C.cm, staffBody());
  await refused(C.quality, t.id, { action: 'take' }, 409, 'conflict', 'action');
  await refused(C.cm, t.id, { action: 'take' }, 409, 'conflict', 'action');
});

test('create: numbers are KF-YYYY-NNNNNN, consecutive, and distinct under concurrency', async () => {
  const made = [];
  for (let i = 0; i < 5; i++) made.push(await create(i % 2 ? C.cm : C.customer, i % 2 ? staffBody() : body()));
  const seq = (t) => Number(t.number.slice(8));
  for (let i = 1; i < made.length; i++) {
    assert.equal(made[i].number.slice(0, 8), made[0].number.slice(0, 8), 'same year');
    assert.equal(seq(made[i]), seq(made[i - 1]) + 1, `${made[i].number} follows ${made[i - 1].number}`);
    assert.ok(made[i].id > made[i - 1].id);
  }
  assert.equal(made[0].number.slice(3, 7), String(new Date().getUTCFullYear()));
  // 20 at once: 20 different numbers, without a gap, after the last one.
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? C.cm.post(T, staffBody()) : C.customer.post(T, body()))));
  for (const r of rs) ok(r, 201);
  const nums = rs.map((r) => seq(r.body)).sort((a, b) => a - b);
  assert.equal(new Set(rs.map((r) => r.body.number)).size, 20);
  assert.deepEqual(nums, Array.from({ length: 20 }, (_, i) => seq(made[4]) + 1 + i), 'contiguous numbers');
});

test('create refused: every bad input with status, code and field; nothing is created', async () => {
  const drop = (b, k) => { const x = { ...b }; delete x[k]; return x; };
  const good = body();
  const past = rfc(Date.now() - 60 * 1000);
  const future = (d) => rfc(Date.now() + d * 24 * HOUR).slice(0, 10);
  /** [what, client, body, status, code, field] */
  const BAD = [
    ['project_id absent', C.customer, drop(good, 'project_id'), 400, 'missing_field', 'project_id'],
    ['project_id "1"', C.customer, { ...good, project_id: '1' }, 400, 'invalid', 'project_id'],
    ['project_id 0', C.customer, { ...good, project_id: 0 }, 400, 'invalid', 'project_id'],
    ['project_id -1', C.customer, { ...good, project_id: -1 }, 400, 'invalid', 'project_id'],
    ['project_id 1.5', C.customer, { ...good, project_id: 1.5 }, 400, 'invalid', 'project_id'],
    ['project_id null', C.customer, { ...good, project_id: null }, 400, 'invalid', 'project_id'],
    ['kind absent', C.customer, drop(good, 'kind'), 400, 'missing_field', 'kind'],
    ['kind question', C.customer, { ...good, kind: 'question' }, 400, 'invalid', 'kind'],
    ['kind Complaint', C.customer, { ...good, kind: 'Complaint' }, 400, 'invalid', 'kind'],
    ['kind 投诉', C.customer, { ...good, kind: '投诉' }, 400, 'invalid', 'kind'],
    ['kind empty', C.customer, { ...good, kind: '' }, 400, 'invalid', 'kind'],
    ['kind a number', C.customer, { ...good, kind: 1 }, 400, 'invalid', 'kind'],
    ['kind null', C.customer, { ...good, kind: null }, 400, 'invalid', 'kind'],
    ['title absent', C.customer, drop(good, 'title'), 400, 'missing_field', 'title'],
    ['title empty', C.customer, { ...good, title: '' }, 400, 'invalid', 'title'],
    ['title 201 characters', C.customer, { ...good, title: '墙'.repeat(201) }, 400, 'too_long', 'title'],
    ['title with a control character', C.customer, { ...good, title: '墙面\u0007开裂' }, 400, 'invalid', 'title'],
    ['title with NUL', C.customer, { ...good, title: '墙面\u0000开裂' }, 400, 'invalid', 'title'],
    ['title a number', C.customer, { ...good, title: 12 }, 400, 'invalid', 'title'],
    ['title null', C.customer, { ...good, title: null }, 400, 'invalid', 'title'],
    ['description absent', C.customer, drop(good, 'description'), 400, 'missing_field', 'description'],
    ['description empty', C.customer, { ...good, description: '' }, 400, 'invalid', 'description'],
    ['description 5001 characters', C.customer, { ...good, description: '裂'.repeat(5001) }, 400, 'too_long', 'description'],
    ['description an array', C.customer, { ...good, description: ['裂缝'] }, 400, 'invalid', 'description'],
    ['channel absent', C.customer, drop(good, 'channel'), 400, 'missing_field', 'channel'],
    ['channel wechat', C.customer, { ...good, channel: 'wechat' }, 400, 'invalid', 'channel'],
    ['channel Phone', C.cm, { ...good, channel: 'Phone' }, 400, 'invalid', 'channel'],
    ['channel null', C.cm, { ...good, channel: null }, 400, 'invalid', 'channel'],
    ['required_by tomorrow', C.customer, { ...good, required_by: 'tomorrow' }, 400, 'invalid', 'required_by'],
    ['required_by a date only', C.customer, { ...good, required_by: future(10) }, 400, 'invalid', 'required_by'],
    ['required_by without T', C.customer, { ...good, required_by: `${future(10)} 10:00:00Z` }, 400, 'invalid', 'required_by'],
    ['required_by without a zone', C.customer, { ...good, required_by: `${future(10)}T10:00:00` }, 400, 'invalid', 'required_by'],
    ['required_by month 13', C.customer, { ...good, required_by: '2030-13-01T10:00:00Z' }, 400, 'invalid', 'required_by'],
    ['required_by 30 February', C.customer, { ...good, required_by: '2030-02-30T10:00:00Z' }, 400, 'invalid', 'required_by'],
    ['required_by hour 25', C.customer, { ...good, required_by: '2030-06-01T25:00:00Z' }, 400, 'invalid', 'required_by'],
    ['required_by a number', C.customer, { ...good, required_by: 1924992000 }, 400, 'invalid', 'required_by'],
    ['required_by empty', C.customer, { ...good, required_by: '' }, 400, 'invalid', 'required_by'],
    ['required_by in the past (a minute ago)', C.customer, { ...good, required_by: past }, 422, null, 'required_by'],
    ['required_by in 2020', C.cm, { ...good, required_by: '2020-01-01T00:00:00Z' }, 422, null, 'required_by'],
    ['location 201 characters', C.customer, { ...good, location: '位'.repeat(201) }, 400, 'too_long', 'location'],
    ['location a number', C.customer, { ...good, location: 3 }, 400, 'invalid', 'location'],
    ['unknown member status', C.customer, { ...good, status: 'closed' }, 400, 'unknown_field', 'status'],
    ['unknown member owner_id', C.cm, { ...good, owner_id: uid('quality') }, 400, 'unknown_field', 'owner_id'],
    ['unknown member number', C.cm, { ...good, number: 'KF-2026-000001' }, 400, 'unknown_field', 'number'],
    ['unknown member created_by', C.customer, { ...good, created_by: uid('cm') }, 400, 'unknown_field', 'created_by'],
    // whose project
    ['customer on another customer\'s project', C.customer, { ...good, project_id: PROJECT.other_customer }, 404, 'not_found', undefined],
    ['customer on a pre-contract project of another customer', C.customer, { ...good, project_id: PROJECT.pre_contract }, 404, 'not_found', undefined],
    ['customer on a project that does not exist', C.customer, { ...good, project_id: 999999 }, 404, 'not_found', undefined],
    ['the other customer on project 1', C.other, good, 404, 'not_found', undefined],
    ['project team on a project it is not a member of', C['zheng.kai'], staffBody(), 404, 'not_found', undefined],
    ['admin', C.admin, staffBody(), 403, 'forbidden', undefined],
  ];
  for (const [what, c, b, status, code, field] of BAD) await createRefused(c, b, status, code, field, what);
  // Not JSON, not an object, not signed in.
  await createRefused(C.customer, 'not json', 400, 'invalid_json', undefined, 'malformed JSON');
  await createRefused(C.customer, '[]', 400, 'invalid_json', undefined, 'an array');
  await createRefused(C.customer, '"投诉"', 400, 'invalid_json', undefined, 'a string');
  await createRefused(api(s.url), good, 401, 'unauthorized', undefined, 'not signed in');
  // Staff on a project that does not exist: 404, or a refused reference naming project_id.
  const n = await counts();
  const r = await C.cm.post(T, staffBody({ project_id: 999999 }));
  assert.ok(r.status === 404 || ((r.status === 400 || r.status === 422) && r.body?.error?.field === 'project_id'), show(r));
  assert.equal(await counts(), n, 'nothing created');
});

// ---- the three triage paths ----------------------------------------------------------------

test('triage in_contract: in progress, resolved with the result the customer is sent, rated satisfied: closed', async () => {
  const t0 = await create(C.customer, body({ title: '卫生间地面积水' }));
  // Triage before anyone owns it: only the owner triages.
  await refused(C.cm, t0.id, { action: 'triage', scope: 'in_contract' }, 403, 'forbidden', 'action');
  const taken = await act(C.cm, t0.id, { action: 'take' });
  assert.equal(taken.owner_id, uid('cm'));
  assert.equal(taken.owner_name, users.cm.name);
  assert.equal(taken.status, 'new');
  assert.ok(taken.responded_at, 'take is the first response');
  assert.equal(last(taken).action, 'take');
  assert.equal(last(taken).user_id, uid('cm'));
  // A bad scope: refused by name.
  await refused(C.cm, t0.id, { action: 'triage' }, 400, 'missing_field', 'scope');
  await refused(C.cm, t0.id, { action: 'triage', scope: 'maybe' }, 400, 'invalid', 'scope');
  await refused(C.cm, t0.id, { action: 'triage', scope: null }, 400, 'invalid', 'scope');
  // Resolve or rate before triage: the state does not allow it.
  await refused(C.cm, t0.id, { action: 'resolve', note: '已处理' }, 409, 'conflict', 'action');
  await refused(C.customer, t0.id, { action: 'rate', satisfaction: 'satisfied' }, 409, 'conflict', 'action');

  const tr = await act(C.cm, t0.id, { action: 'triage', scope: 'in_contract', reason: '属于合同约定的保修范围' });
  assert.equal(tr.status, 'in_progress');
  assert.equal(tr.scope, 'in_contract');
  assert.equal(tr.responded_at, taken.responded_at, 'the first response stays the take');
  assert.equal(last(tr).action, 'triage');
  // Triaged already.
  await refused(C.cm, t0.id, { action: 'triage', scope: 'cannot_handle', reason: '改主意' }, 409, 'conflict', 'action');
  // Resolve needs the note the customer is sent.
  await refused(C.cm, t0.id, { action: 'resolve' }, 400, 'missing_field', 'note');
  // The customer cannot report the result; nor rate work in progress.
  await refused(C.customer, t0.id, { action: 'resolve', note: '我自己修好了' }, 403, 'forbidden', 'action');
  await refused(C.customer, t0.id, { action: 'rate', satisfaction: 'satisfied' }, 409, 'conflict', 'action');

  const note = '已疏通地漏并重做防滑坡度，经泼水试验无积水。';
  const res = await act(C.cm, t0.id, { action: 'resolve', note });
  assert.equal(res.status, 'resolved');
  assert.ok(res.resolved_at);
  assert.equal(last(res).text, note);
  assert.equal(last(res).user_id, uid('cm'));
  // The customer sees the result.
  const seen = await get(t0.id, C.customer);
  assert.equal(last(seen).action, 'resolve');
  assert.equal(last(seen).text, note);
  // A bad rating.
  await refused(C.customer, t0.id, { action: 'rate' }, 400, 'missing_field', 'satisfaction');
  await refused(C.customer, t0.id, { action: 'rate', satisfaction: 'happy' }, 400, 'invalid', 'satisfaction');
  await refused(C.customer, t0.id, { action: 'rate', satisfaction: '满意' }, 400, 'invalid', 'satisfaction');

  const rated = await act(C.customer, t0.id, { action: 'rate', satisfaction: 'satisfied', comment: '处理及时，谢谢。' });
  assert.equal(rated.status, 'closed');
  assert.equal(rated.satisfaction, 'satisfied');
  assert.ok(rated.closed_at);
  assert.equal(rated.resolved_at, res.resolved_at);
  assert.equal(rated.owner_id, uid('cm'), 'the owner stays the owner');
  assert.equal(rated.improvement_needs, 0);
  assert.equal(last(rated).user_id, uid('customer'));
  assert.equal(last(rated).text, '处理及时，谢谢。');
  assert.deepEqual(actions(await get(t0.id)), ['created', 'take', 'triage', 'resolve', 'rate']);
  // Closed: nothing moves it any more (comments aside).
  await refused(C.customer, t0.id, { action: 'rate', satisfaction: 'unsatisfied' }, 409, 'conflict', 'action');
  await refused(C.cm, t0.id, { action: 'resolve', note: '再次处理' }, 409, 'conflict', 'action');
  await refused(C.quality, t0.id, { action: 'take' }, 409, 'conflict', 'action');
  await refused(C.cm, t0.id, { action: 'handover', to_user_id: uid('quality'), reason: '转交' }, 409, 'conflict', 'action');
  await refused(C.cm, t0.id, { action: 'assign', user_ids: [uid('quality')] }, 409, 'conflict', 'action');

  // average closes as well.
  const t1 = await resolved('cm', { title: '窗户密封条脱落' });
  const avg = await act(C.customer, t1.id, { action: 'rate', satisfaction: 'average' });
  assert.equal(avg.status, 'closed');
  assert.equal(avg.satisfaction, 'average');
  assert.equal(avg.improvement_needs, 0);
});

test('triage out_of_contract: waits for the customer, who confirms (work starts) or declines (closed)', async () => {
  // Confirmed by the customer.
  const a = await owned('cm', { kind: 'inquiry', title: '能否加装阳台护栏' });
  const tr = await act(C.cm, a.id, { action: 'triage', scope: 'out_of_contract', reason: '合同外项目，需另行报价：约 3000 元' });
  assert.equal(tr.status, 'awaiting_customer');
  assert.equal(tr.scope, 'out_of_contract');
  assert.equal(last(await get(a.id, C.customer)).text, '合同外项目，需另行报价：约 3000 元', 'the customer sees the offer');
  // Work cannot start before the customer's word.
  await refused(C.cm, a.id, { action: 'resolve', note: '已加装' }, 409, 'conflict', 'action');
  await refused(C.customer, a.id, { action: 'rate', satisfaction: 'satisfied' }, 409, 'conflict', 'action');
  // Only the customer of the project, or staff with the written confirmation.
  await refused(C.other, a.id, { action: 'confirm' }, 404, 'not_found');
  await refused(C.admin, a.id, { action: 'confirm', evidence: '传真' }, 403, 'forbidden', 'action');
  const ok1 = await act(C.customer, a.id, { action: 'confirm' });
  assert.equal(ok1.status, 'in_progress');
  assert.equal(last(ok1).action, 'confirm');
  assert.equal(last(ok1).user_id, uid('customer'));
  await refused(C.customer, a.id, { action: 'confirm' }, 409, 'conflict', 'action');
  await refused(C.customer, a.id, { action: 'decline' }, 409, 'conflict', 'action');
  const done = await act(C.cm, a.id, { action: 'resolve', note: '护栏已加装完成' });
  assert.equal(done.status, 'resolved');
  assert.equal((await act(C.customer, a.id, { action: 'rate', satisfaction: 'satisfied' })).status, 'closed');

  // Declined by the customer: closed.
  const b = await owned('cm', { kind: 'inquiry', title: '能否更换全部入户门' });
  await act(C.cm, b.id, { action: 'triage', scope: 'out_of_contract', reason: '合同外，需另行签订补充协议' });
  const dec = await act(C.customer, b.id, { action: 'decline' });
  assert.equal(dec.status, 'closed');
  assert.ok(dec.closed_at);
  assert.equal(dec.resolved_at, null);
  assert.equal(last(dec).action, 'decline');
  await refused(C.customer, b.id, { action: 'confirm' }, 409, 'conflict', 'action');
  await refused(C.cm, b.id, { action: 'resolve', note: '已处理' }, 409, 'conflict', 'action');

  // Staff record the customer's written confirmation: only with the evidence.
  const c = await owned('cm', { kind: 'inquiry', title: '能否增设门禁系统' });
  await act(C.cm, c.id, { action: 'triage', scope: 'out_of_contract', reason: '合同外，报价另附' });
  await refused(C.cm, c.id, { action: 'confirm' }, 400, 'missing_field', 'evidence');
  await refused(C.business, c.id, { action: 'confirm' }, 400, 'missing_field', 'evidence');
  await refused(C.cm, c.id, { action: 'decline' }, 400, 'missing_field', 'evidence');
  const evidence = '顾客 2026 年 3 月 20 日签字的确认函（传真）';
  const conf = await act(C.business, c.id, { action: 'confirm', evidence });
  assert.equal(conf.status, 'in_progress');
  assert.equal(last(conf).user_id, uid('business'));
  assert.ok(JSON.stringify(last(conf)).includes(evidence), 'the evidence is in the history');
  // ... and the customer's written refusal, likewise.
  const d = await owned('cm', { kind: 'inquiry', title: '能否扩建地下车库' });
  await act(C.cm, d.id, { action: 'triage', scope: 'out_of_contract', reason: '合同外' });
  const dec2 = await act(C.cm, d.id, { action: 'decline', evidence: '顾客来函拒绝' });
  assert.equal(dec2.status, 'closed');
});

test('triage cannot_handle: needs the written reason; closed with it, and the customer sees it', async () => {
  const t = await owned('cm', { kind: 'inquiry', title: '请求调整小区规划' });
  await refused(C.cm, t.id, { action: 'triage', scope: 'cannot_handle' }, 400, 'missing_field', 'reason');
  await refused(C.cm, t.id, { action: 'triage', scope: 'cannot_handle', reason: null }, 400, ['missing_field', 'invalid'], 'reason');
  await refused(C.cm, t.id, { action: 'triage', scope: 'cannot_handle', reason: '' }, 400, ['missing_field', 'invalid'], 'reason');
  await refused(C.quality, t.id, { action: 'triage', scope: 'cannot_handle', reason: '不是我的' }, 403, 'forbidden', 'action');
  const reason = '小区规划由建设单位和规划部门决定，不属于我公司的施工范围，建议联系建设单位。';
  const closed = await act(C.cm, t.id, { action: 'triage', scope: 'cannot_handle', reason });
  assert.equal(closed.status, 'closed');
  assert.equal(closed.scope, 'cannot_handle');
  assert.ok(closed.closed_at);
  assert.equal(closed.satisfaction, null);
  const seen = await get(t.id, C.customer);
  const entry = seen.history.find((h) => h.action === 'triage');
  assert.ok(entry, 'the customer sees the triage');
  assert.equal(entry.text, reason, 'the customer is sent the reason');
  assert.equal(entry.internal, false);
  await refused(C.cm, t.id, { action: 'resolve', note: '已处理' }, 409, 'conflict', 'action');
  await refused(C.customer, t.id, { action: 'confirm' }, 409, 'conflict', 'action');
  await refused(C.customer, t.id, { action: 'rate', satisfaction: 'unsatisfied' }, 409, 'conflict', 'action');
});

// ---- ownership -----------------------------------------------------------------------------

test('ownership: the first staff member takes it; the rest is the owner\'s: triage, hand-over, assignment', async () => {
  const t = await create(C.customer, body({ title: '外墙瓷砖脱落' }));
  // Who cannot take at all.
  await refused(C.customer, t.id, { action: 'take' }, 403, 'forbidden', 'action');
  await refused(C.admin, t.id, { action: 'take' }, 403, 'forbidden', 'action');
  await refused(C['zheng.kai'], t.id, { action: 'take' }, 404, 'not_found');
  await refused(C.other, t.id, { action: 'take' }, 404, 'not_found');
  const taken = await act(C.quality, t.id, { action: 'take' });
  assert.equal(taken.owner_id, uid('quality'));
  await refused(C.cm, t.id, { action: 'take' }, 409, 'conflict', 'action');
  await refused(C.quality, t.id, { action: 'take' }, 409, 'conflict', 'action');
  // Only the owner triages, hands over and assigns.
  for (const who of ['cm', 'leader', 'project', 'safety']) {
    await refused(C[who], t.id, { action: 'triage', scope: 'in_contract' }, 403, 'forbidden', 'action');
    await refused(C[who], t.id, { action: 'handover', to_user_id: uid('business'), reason: '我来处理' }, 403, 'forbidden', 'action');
    await refused(C[who], t.id, { action: 'assign', user_ids: [uid('business')] }, 403, 'forbidden', 'action');
  }
  await refused(C.customer, t.id, { action: 'handover', to_user_id: uid('cm'), reason: '换人' }, 403, 'forbidden', 'action');
  await refused(C.customer, t.id, { action: 'assign', user_ids: [uid('cm')] }, 403, 'forbidden', 'action');

  // Hand-over: to whom, and with what.
  const gone = s.addUser(uniq('gone'), 'cm', 'gone-user-password-1');
  ok(await C.admin.patch(`/api/v1/users/${gone}`, { active: false }), 200);
  const BAD_TARGETS = [
    ['a customer user', uid('customer')],
    ['the admin', uid('admin')],
    ['a project user who is not a member of the project', uid('zheng.kai')],
    ['another project user who is not a member', uid('wu.lei')],
    ['the owner itself', uid('quality')],
    ['a deactivated user', gone],
    ['a user who does not exist', 999999],
  ];
  for (const [what, id] of BAD_TARGETS) {
    try {
      await refused(C.quality, t.id, { action: 'handover', to_user_id: id, reason: '转交' }, 422, undefined, 'to_user_id');
    } catch (e) { e.message = `handover to ${what}: ${e.message}`; throw e; }
  }
  await refused(C.quality, t.id, { action: 'handover', reason: '转交' }, 400, 'missing_field', 'to_user_id');
  await refused(C.quality, t.id, { action: 'handover', to_user_id: 'cm', reason: '转交' }, 400, 'invalid', 'to_user_id');

  const reason = '该问题涉及施工工艺，转施工管理部处理';
  const ho = await act(C.quality, t.id, { action: 'handover', to_user_id: uid('cm'), reason });
  assert.equal(ho.owner_id, uid('cm'));
  assert.equal(ho.owner_name, users.cm.name);
  assert.equal(ho.status, 'new', 'a hand-over does not move the state');
  assert.equal(ho.responded_at, taken.responded_at);
  const h = last(ho);
  assert.equal(h.action, 'handover');
  assert.equal(h.user_id, uid('quality'), 'logged as the former owner\'s act');
  assert.ok(JSON.stringify(h).includes(reason), `the reason is in the history: ${JSON.stringify(h)}`);
  // The former owner has no say any more; the new owner has.
  await refused(C.quality, t.id, { action: 'triage', scope: 'in_contract' }, 403, 'forbidden', 'action');
  await refused(C.quality, t.id, { action: 'handover', to_user_id: uid('business'), reason: '要回来' }, 403, 'forbidden', 'action');
  await refused(C.quality, t.id, { action: 'take' }, 409, 'conflict', 'action');
  // A hand-over to a project team member of the ticket's project is fine.
  const ho2 = await act(C.cm, t.id, { action: 'handover', to_user_id: uid('project'), reason: '由项目部负责维修' });
  assert.equal(ho2.owner_id, uid('project'));
  const back = await act(C.project, t.id, { action: 'handover', to_user_id: uid('cm'), reason: '需施工管理部协调' });
  assert.equal(back.owner_id, uid('cm'));
  assert.deepEqual(actions(back), ['created', 'take', 'handover', 'handover', 'handover']);

  // Assignment adds people who work on it; the owner stays the owner.
  for (const [what, id] of BAD_TARGETS.filter(([, i]) => i !== uid('quality'))) {
    try {
      await refused(C.cm, t.id, { action: 'assign', user_ids: [uid('business'), id] }, 422, undefined, 'user_ids');
    } catch (e) { e.message = `assign ${what}: ${e.message}`; throw e; }
  }
  await refused(C.cm, t.id, { action: 'assign' }, 400, 'missing_field', 'user_ids');
  await refused(C.cm, t.id, { action: 'assign', user_ids: 'quality' }, 400, 'invalid', 'user_ids');
  await refused(C.cm, t.id, { action: 'assign', user_ids: [uid('quality'), uid('quality')] }, 400, 'invalid', 'user_ids');
  const as1 = await act(C.cm, t.id, { action: 'assign', user_ids: [uid('quality'), uid('project')] });
  assert.equal(as1.owner_id, uid('cm'));
  assert.deepEqual(sorted(as1.assignee_ids), sorted([uid('quality'), uid('project')]));
  assert.equal(last(as1).action, 'assign');
  const as2 = await act(C.cm, t.id, { action: 'assign', user_ids: [uid('business')] });
  assert.deepEqual(sorted(as2.assignee_ids), sorted([uid('quality'), uid('project'), uid('business')]), 'assign adds');
  assert.equal(as2.owner_id, uid('cm'));
  // An assignee works on it but does not own it.
  await refused(C.project, t.id, { action: 'triage', scope: 'in_contract' }, 403, 'forbidden', 'action');
  await refused(C.project, t.id, { action: 'handover', to_user_id: uid('business'), reason: '我来' }, 403, 'forbidden', 'action');
  await refused(C.project, t.id, { action: 'assign', user_ids: [uid('safety')] }, 403, 'forbidden', 'action');
  await act(C.cm, t.id, { action: 'triage', scope: 'in_contract' });
  // Someone neither owner nor assignee cannot report the result; an assignee can.
  await refused(C.leader, t.id, { action: 'resolve', note: '已处理' }, 403, 'forbidden', 'action');
  await refused(C.safety, t.id, { action: 'resolve', note: '已处理' }, 403, 'forbidden', 'action');
  const res = await act(C.project, t.id, { action: 'resolve', note: '脱落瓷砖已全部重新粘贴' });
  assert.equal(res.status, 'resolved');
  assert.equal(res.owner_id, uid('cm'));
  assert.equal(last(res).user_id, uid('project'));
  // The owner does not assign itself (the contract: the same check as hand-over, not the caller).
  await refused(C.cm, t.id, { action: 'assign', user_ids: [uid('cm')] }, 422, undefined, 'user_ids');
});

test('the take race: two staff take the same ticket at the same moment, exactly one wins (and other moves at once)', async () => {
  const race = async (clients, what) => {
    const t = await create(C.customer, body({ title: '抢单测试' }));
    const n = await count('audit_log');
    const rs = await Promise.all(clients.map(([, c]) => c.post(`${T}/${t.id}/actions`, { action: 'take' })));
    const won = rs.filter((r) => r.status === 200);
    const lost = rs.filter((r) => r.status !== 200);
    assert.equal(won.length, 1, `${what}: ${rs.map(show).join(' | ')}`);
    for (const r of lost) err(r, 409, 'conflict', 'action');
    const winner = clients[rs.indexOf(won[0])][0];
    const now = await get(t.id);
    assert.equal(now.owner_id, uid(winner), `${what}: the owner is the winner`);
    assert.deepEqual(strip(now), strip(won[0].body), `${what}: the winner's answer is the ticket`);
    assert.equal(actions(now).filter((a) => a === 'take').length, 1, `${what}: one take in the history`);
    assert.ok(await count('audit_log') > n);
    return winner;
  };
  const winners = [];
  for (let i = 0; i < 10; i++) winners.push(await race([['cm', C.cm], ['quality', C.quality]], `race ${i}`));
  for (let i = 0; i < 5; i++) await race([['cm', C.cm], ['quality', C.quality], ['leader', C.leader], ['business', C.business], ['project', C.project]], `five at once ${i}`);
  // Other moves at once on one ticket: one wins, the other finds the state moved (409).
  for (let i = 0; i < 5; i++) {
    const t = await owned('cm');
    const [a, b] = await Promise.all([
      C.cm.post(`${T}/${t.id}/actions`, { action: 'triage', scope: 'in_contract' }),
      C.cm.post(`${T}/${t.id}/actions`, { action: 'triage', scope: 'cannot_handle', reason: '无法处理' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409], `two triages: ${show(a)} | ${show(b)}`);
    const now = await get(t.id);
    assert.equal(actions(now).filter((x) => x === 'triage').length, 1);
    assert.equal(now.status, a.status === 200 ? 'in_progress' : 'closed');
    if (now.status === 'in_progress') {
      const rs = await Promise.all([1, 2, 3].map((k) => C.cm.post(`${T}/${t.id}/actions`, { action: 'resolve', note: `结果 ${k}` })));
      assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409, 409], rs.map(show).join(' | '));
      const rated = await Promise.all([
        C.customer.post(`${T}/${t.id}/actions`, { action: 'rate', satisfaction: 'unsatisfied' }),
        C.quality.post(`${T}/${t.id}/actions`, { action: 'rate', satisfaction: 'satisfied', source: 'phone' }),
      ]);
      assert.deepEqual(rated.map((r) => r.status).sort(), [200, 409], rated.map(show).join(' | '));
      const end = await get(t.id);
      assert.equal(actions(end).filter((x) => x === 'rate').length, 1);
      assert.equal(end.improvement_needs, end.status === 'in_progress' ? 1 : 0);
    }
  }
  // Two servers on the same database.
  const s2 = await startServer({ db: s.db, demo: false });
  try {
    const q2 = api(s2.url, { token: s.token('quality') });
    for (let i = 0; i < 5; i++) await race([['cm', C.cm], ['quality', q2]], `two servers ${i}`);
  } finally {
    await s2.stop();
  }
});

// ---- special requests ----------------------------------------------------------------------

test('special request: work waits for the leader\'s approval; reject closes it', async () => {
  const t = await owned('cm', { kind: 'special_request', title: '要求夜间施工以赶工期' });
  const tr = await act(C.cm, t.id, { action: 'triage', scope: 'in_contract' });
  assert.equal(tr.status, 'awaiting_approval');
  // No work before the approval.
  await refused(C.cm, t.id, { action: 'resolve', note: '已安排夜间施工' }, 409, 'conflict', 'action');
  await refused(C.customer, t.id, { action: 'rate', satisfaction: 'satisfied' }, 409, 'conflict', 'action');
  // Only the leader approves.
  for (const who of ['cm', 'quality', 'business', 'project', 'safety', 'admin', 'customer']) {
    await refused(C[who], t.id, { action: 'approve', decision: 'approve', note: '同意' }, 403, 'forbidden', 'action');
  }
  await refused(C.leader, t.id, { action: 'approve' }, 400, 'missing_field', 'decision');
  await refused(C.leader, t.id, { action: 'approve', decision: 'yes' }, 400, 'invalid', 'decision');
  const ap = await act(C.leader, t.id, { action: 'approve', decision: 'approve', note: '同意，注意噪声控制' });
  assert.equal(ap.status, 'in_progress');
  assert.equal(last(ap).action, 'approve');
  assert.equal(last(ap).user_id, uid('leader'));
  assert.equal(ap.owner_id, uid('cm'), 'the owner stays the owner');
  await refused(C.leader, t.id, { action: 'approve', decision: 'reject' }, 409, 'conflict', 'action');
  const res = await act(C.cm, t.id, { action: 'resolve', note: '夜间施工已按计划完成' });
  assert.equal(res.status, 'resolved');

  // Rejected: closed, and nothing more happens.
  const r = await owned('cm', { kind: 'special_request', title: '要求更换外立面颜色' });
  await act(C.cm, r.id, { action: 'triage', scope: 'in_contract' });
  const rej = await act(C.leader, r.id, { action: 'approve', decision: 'reject', note: '与规划审批不符' });
  assert.equal(rej.status, 'closed');
  assert.ok(rej.closed_at);
  await refused(C.cm, r.id, { action: 'resolve', note: '已处理' }, 409, 'conflict', 'action');
  await refused(C.leader, r.id, { action: 'approve', decision: 'approve' }, 409, 'conflict', 'action');

  // Out of contract: after the customer confirms, it still waits for the leader.
  const o = await owned('cm', { kind: 'special_request', title: '要求增加一处车库出入口' });
  await act(C.cm, o.id, { action: 'triage', scope: 'out_of_contract', reason: '合同外，需另行报价' });
  const conf = await act(C.customer, o.id, { action: 'confirm' });
  assert.equal(conf.status, 'awaiting_approval');
  await refused(C.cm, o.id, { action: 'resolve', note: '已施工' }, 409, 'conflict', 'action');
  assert.equal((await act(C.leader, o.id, { action: 'approve', decision: 'approve' })).status, 'in_progress');

  // Nothing else is approved.
  const c = await working('cm');
  await refused(C.leader, c.id, { action: 'approve', decision: 'approve' }, 409, 'conflict', 'action');
  const n = await create(C.customer, body({ kind: 'special_request' }));
  await refused(C.leader, n.id, { action: 'approve', decision: 'approve' }, 409, 'conflict', 'action');
});

// ---- repairs ----------------------------------------------------------------------------

test('suspension and claims: their paperwork steps are logged in the history, by the owner or an assignee, until closed (P-5.2.2f)', async () => {
  const t = await create(C.project, staffBody({ kind: 'suspension_claim', title: '因暴雨停工七天，申请顺延工期', description: '7月20日至26日连续暴雨，现场停工。' }));
  const paper = (c, step, text, extra = {}) => c.post(`${T}/${t.id}/actions`, { action: 'paperwork', step, text, ...extra });
  const nums = async () => (await counts()).split('|').map(Number);
  const n0 = await nums();
  // before triage too: the notice comes first
  ok(await paper(C.project, 'notice', '停工通知 BJ-TZ-2026-031，7月20日送达建设单位'), 200);
  await act(C.project, t.id, { action: 'triage', scope: 'in_contract' });
  await act(C.project, t.id, { action: 'assign', user_ids: [uid('cm')] });
  ok(await paper(C.cm, 'evidence', '气象局暴雨预警证明、现场停工照片 12 张'), 200);
  ok(await paper(C.project, 'claim', '申请顺延工期 7 天，窝工费 3.2 万元'), 200);
  const x = ok(await paper(C.project, 'agreement', '建设单位签认：顺延 7 天，费用 2.8 万元'), 200);
  const steps = x.history.filter((e) => e.action === 'paperwork');
  assert.deepEqual(steps.map((e) => e.data.step), ['notice', 'evidence', 'claim', 'agreement']);
  assert.deepEqual(steps.map((e) => e.user_id), [uid('project'), uid('cm'), uid('project'), uid('project')]);
  assert.equal(steps[3].text, '建设单位签认：顺延 7 天，费用 2.8 万元');
  assert.equal(x.status, 'in_progress', 'paperwork does not move the request');
  // the customer reads every step; search finds their text
  const seen = await get(t.id, C.customer);
  assert.deepEqual(seen.history.filter((e) => e.action === 'paperwork').map((e) => e.text), steps.map((e) => e.text));
  assert.ok(ids(await walk(C.customer, { q: '窝工费' })).includes(t.id));
  // refusals change nothing
  const n1 = await nums();
  assert.ok(n1[1] - n0[1] >= 4, 'the steps are events');
  err(await paper(C.customer, 'claim', '顾客不记录'), 403, 'forbidden', 'action');
  err(await paper(C.quality, 'claim', '未指派的员工'), 403, 'forbidden', 'action');
  err(await paper(C.project, 'invoice', '不是一类文件'), 400, 'invalid', 'step');
  err(await C.project.post(`${T}/${t.id}/actions`, { action: 'paperwork', text: '没有类别' }), 400, 'missing_field', 'step');
  err(await paper(C.project, 'review', ''), 400, undefined, 'text');
  err(await C.project.post(`${T}/${t.id}/actions`, { action: 'paperwork', step: 'review' }), 400, 'missing_field', 'text');
  err(await paper(C.project, 'review', '多余的字段', { internal: true }), 400, 'invalid', 'internal');
  const other = await create(C.project, staffBody({ title: '普通投诉不走索赔文件' }));
  err(await C.project.post(`${T}/${other.id}/actions`, { action: 'paperwork', step: 'notice', text: '不适用' }), 409, 'conflict', 'action');
  assert.deepEqual((await nums()).slice(0, 3), [n1[0] + 1, n1[1] + 1, n1[2]], 'only the other ticket was created');
  // closed: no more paperwork
  await act(C.project, t.id, { action: 'resolve', note: '工期顺延已签认' });
  await act(C.customer, t.id, { action: 'rate', satisfaction: 'satisfied' });
  err(await paper(C.project, 'resumption', '7月27日复工'), 409, 'conflict', 'action');
});

test('repair: resolved work waits for the quality dept; fail sends it back, pass resolves it; the customer closes it', async () => {
  const t = await create(C.customer, body({ kind: 'repair', project_id: PROJECT.warranty, title: '教室屋面漏水', location: '2号教学楼顶层' }));
  assert.ok(t.response_due, 'a repair in warranty has a response deadline');
  await act(C.project, t.id, { action: 'take' });
  await act(C.project, t.id, { action: 'triage', scope: 'in_contract' });
  await refused(C.quality, t.id, { action: 'verify', result: 'pass' }, 409, 'conflict', 'action');
  const r1 = await act(C.project, t.id, { action: 'resolve', note: '屋面卷材局部修补完成' });
  assert.equal(r1.status, 'awaiting_verification');
  // Not rated, not resolved again, before the verification.
  await refused(C.customer, t.id, { action: 'rate', satisfaction: 'satisfied' }, 409, 'conflict', 'action');
  await refused(C.project, t.id, { action: 'resolve', note: '再报一次' }, 409, 'conflict', 'action');
  // Only the quality dept verifies.
  for (const who of ['cm', 'project', 'leader', 'business', 'safety', 'admin', 'customer']) {
    await refused(C[who], t.id, { action: 'verify', result: 'pass' }, 403, 'forbidden', 'action');
  }
  await refused(C.quality, t.id, { action: 'verify' }, 400, 'missing_field', 'result');
  await refused(C.quality, t.id, { action: 'verify', result: 'ok' }, 400, 'invalid', 'result');
  const failNote = '淋水试验仍有渗漏点，返工';
  const f = await act(C.quality, t.id, { action: 'verify', result: 'fail', note: failNote });
  assert.equal(f.status, 'in_progress');
  assert.equal(last(f).action, 'verify');
  assert.equal(last(f).user_id, uid('quality'));
  assert.ok(JSON.stringify(last(f)).includes(failNote), 'the verification note is in the history');
  await refused(C.quality, t.id, { action: 'verify', result: 'pass' }, 409, 'conflict', 'action');
  const r2 = await act(C.project, t.id, { action: 'resolve', note: '渗漏点已返工，淋水试验无渗漏' });
  assert.equal(r2.status, 'awaiting_verification');
  const p = await act(C.quality, t.id, { action: 'verify', result: 'pass', note: '复验合格' });
  assert.equal(p.status, 'resolved');
  assert.ok(p.resolved_at);
  await refused(C.quality, t.id, { action: 'verify', result: 'pass' }, 409, 'conflict', 'action');
  const closed = await act(C.customer, t.id, { action: 'rate', satisfaction: 'satisfied' });
  assert.equal(closed.status, 'closed');
  assert.deepEqual(actions(await get(t.id)), ['created', 'take', 'triage', 'resolve', 'verify', 'resolve', 'verify', 'rate']);
  // The customer sees the repair's steps, but no "note" inside data.
  const seen = await get(t.id, C.customer);
  assert.ok(seen.history.every((h) => !h.data || typeof h.data !== 'object' || !('note' in h.data)), 'no data.note for the customer');

  // Verify on anything but a repair: 409.
  const c = await resolved('cm');
  assert.equal(c.status, 'resolved', 'a complaint is resolved at once');
  await refused(C.quality, c.id, { action: 'verify', result: 'pass' }, 409, 'conflict', 'action');
  const w = await working('cm', { kind: 'inquiry' });
  await refused(C.quality, w.id, { action: 'verify', result: 'fail' }, 409, 'conflict', 'action');
});

// ---- rating ------------------------------------------------------------------------------

test('rating: unsatisfied reopens it and records an improvement need; staff record a rating with its source', async () => {
  const t = await resolved('cm', { title: '入户门关闭不严' });
  const un = await act(C.customer, t.id, { action: 'rate', satisfaction: 'unsatisfied', comment: '门还是关不严' });
  assert.equal(un.status, 'in_progress');
  assert.equal(un.improvement_needs, 1);
  assert.equal(un.closed_at, null);
  assert.equal(un.owner_id, uid('cm'), 'the owner stays the owner until the customer is satisfied');
  assert.equal(last(un).text, '门还是关不严');
  await act(C.cm, t.id, { action: 'resolve', note: '更换门锁和合页' });
  const un2 = await act(C.customer, t.id, { action: 'rate', satisfaction: 'unsatisfied' });
  assert.equal(un2.status, 'in_progress');
  assert.equal(un2.improvement_needs, 2);
  await act(C.cm, t.id, { action: 'resolve', note: '整樘门重新安装调试' });
  // Staff write down what the customer said: with its source.
  await refused(C.cm, t.id, { action: 'rate', satisfaction: 'satisfied' }, 400, 'missing_field', 'source');
  await refused(C.cm, t.id, { action: 'rate', satisfaction: 'satisfied', source: 'pigeon' }, 400, 'invalid', 'source');
  await refused(C.admin, t.id, { action: 'rate', satisfaction: 'satisfied', source: 'phone' }, 403, 'forbidden', 'action');
  const ok1 = await act(C.quality, t.id, { action: 'rate', satisfaction: 'satisfied', source: 'phone', comment: '顾客电话回访表示满意' });
  assert.equal(ok1.status, 'closed');
  assert.equal(ok1.satisfaction, 'satisfied');
  assert.equal(ok1.improvement_needs, 2, 'the improvement needs stay recorded');
  assert.equal(last(ok1).user_id, uid('quality'));
  assert.ok(JSON.stringify(last(ok1)).includes('phone'), 'the source is in the history');
  // Every source of the contract.
  for (const source of ['phone', 'visit', 'email', 'fax', 'meeting', 'letter']) {
    const x = await resolved('cm');
    const y = await act(C.cm, x.id, { action: 'rate', satisfaction: source === 'fax' ? 'unsatisfied' : 'average', source });
    assert.equal(y.status, source === 'fax' ? 'in_progress' : 'closed', source);
  }
  // The portal is where the customer rates in person: staff cannot claim it as the source.
  const z = await resolved('cm');
  await refused(C.cm, z.id, { action: 'rate', satisfaction: 'satisfied', source: 'portal' }, 400, 'invalid', 'source');
});

// ---- comments ----------------------------------------------------------------------------

test('comments: internal ones never reach the customer; public ones do, both ways', async () => {
  const t = await owned('cm', { title: '楼梯扶手松动' });
  const secret = '内部：该班组上月已有同类问题，考虑扣减分包款';
  const ic = await act(C.cm, t.id, { action: 'comment', text: secret, internal: true });
  assert.equal(last(ic).internal, true);
  assert.equal(last(ic).text, secret);
  assert.equal(ic.status, 'new', 'a comment does not move the state');
  const pub = '已安排明天上午上门查看';
  const pc = await act(C.cm, t.id, { action: 'comment', text: pub });
  assert.equal(last(pc).internal, false, 'a comment is public unless marked internal');
  const pc2 = await act(C.project, t.id, { action: 'comment', text: '项目部已知悉', internal: false });
  assert.equal(last(pc2).user_id, uid('project'));
  // The customer sees the public ones and nothing of the internal one.
  const seen = await get(t.id, C.customer);
  assert.ok(!JSON.stringify(seen).includes(secret), 'the internal comment is shown to the customer');
  assert.ok(seen.history.every((h) => !h.internal), 'an internal entry is shown to the customer');
  assert.ok(seen.history.some((h) => h.action === 'comment' && h.text === pub));
  assert.deepEqual(normData(seen), normData(customerView(await get(t.id))), 'the customer sees the staff view less internal entries and notes');
  // The customer cannot write internal comments; writes public ones, which staff see.
  await refused(C.customer, t.id, { action: 'comment', text: '我也想内部', internal: true }, 403, 'forbidden', 'action');
  const mine = await act(C.customer, t.id, { action: 'comment', text: '明天上午家里有人' });
  assert.ok(!JSON.stringify(mine).includes(secret), 'the customer\'s own answer does not carry the internal comment');
  assert.equal(last(mine).user_id, uid('customer'));
  assert.equal(last(await get(t.id)).text, '明天上午家里有人');
  // Refused comments.
  await refused(C.cm, t.id, { action: 'comment' }, 400, 'missing_field', 'text');
  await refused(C.cm, t.id, { action: 'comment', text: '' }, 400, ['invalid', 'missing_field'], 'text');
  await refused(C.cm, t.id, { action: 'comment', text: '备注', internal: 'yes' }, 400, 'invalid', 'internal');
  await refused(C.other, t.id, { action: 'comment', text: '路过' }, 404, 'not_found');
  await refused(C['zheng.kai'], t.id, { action: 'comment', text: '路过', internal: true }, 404, 'not_found');
  // A closed ticket still takes comments, and the customer's rating stays.
  await act(C.cm, t.id, { action: 'triage', scope: 'in_contract' });
  await act(C.cm, t.id, { action: 'resolve', note: '扶手已加固' });
  await act(C.customer, t.id, { action: 'rate', satisfaction: 'satisfied' });
  const after = await act(C.customer, t.id, { action: 'comment', text: '谢谢' });
  assert.equal(after.status, 'closed');
  assert.equal(after.satisfaction, 'satisfied');
  const after2 = await act(C.cm, t.id, { action: 'comment', text: '内部：回访完成', internal: true });
  assert.equal(after2.status, 'closed');
  assert.deepEqual(normData(await get(t.id, C.customer)), normData(customerView(await get(t.id))));
});

// ---- visibility --------------------------------------------------------------------------

test('visibility: other customers and other projects\' teams get 404 and never see the ticket listed', async () => {
  const mine = await owned('cm', { title: '可见性测试：本顾客的投诉' });
  await act(C.cm, mine.id, { action: 'comment', text: '内部备注', internal: true });
  const theirs = await create(C.other, body({ project_id: PROJECT.other_customer, title: '可见性测试：另一顾客的投诉' }));
  assert.equal(theirs.owner_id, null);
  const p4 = await create(C.cm, staffBody({ project_id: PROJECT.post_warranty, title: '可见性测试：项目4' }));

  const MOVES = [
    { action: 'take' }, { action: 'comment', text: '看看' }, { action: 'confirm' }, { action: 'decline' },
    { action: 'rate', satisfaction: 'satisfied' }, { action: 'triage', scope: 'in_contract' },
  ];
  const hidden = async (c, t, who) => {
    err(await c.get(`${T}/${t.id}`), 404, 'not_found');
    for (const m of MOVES) {
      try { await refused(c, t.id, m, 404, 'not_found'); } catch (e) { e.message = `${who} ${m.action} on ${t.id}: ${e.message}`; throw e; }
    }
    const list = await listIds(c, {});
    assert.ok(!list.includes(t.id), `${who} sees ${t.id} listed`);
    assert.ok(!(await listIds(c, { q: t.title })).includes(t.id), `${who} finds ${t.id}`);
  };
  await hidden(C.other, mine, 'the other customer');
  await hidden(C.customer, theirs, 'the customer');
  await hidden(C.customer, p4, 'the customer');
  await hidden(C['zheng.kai'], mine, 'zheng.kai');
  await hidden(C['wu.lei'], mine, 'wu.lei');
  await hidden(C.project, theirs, 'project');
  await hidden(C.project, p4, 'project');

  // Those it belongs to see it, the same as staff (less internal entries).
  assert.deepEqual(normData(await get(mine.id, C.customer)), normData(customerView(await get(mine.id))));
  assert.deepEqual(normData(await get(theirs.id, C.other)), normData(customerView(await get(theirs.id))));
  assert.deepEqual(await get(mine.id, C.project), await get(mine.id), 'the project team sees its project\'s ticket as staff do');
  assert.deepEqual(await get(p4.id, C['wu.lei']), await get(p4.id));
  assert.deepEqual(await get(theirs.id, C['zheng.kai']), await get(theirs.id));
  for (const who of ['leader', 'quality', 'business', 'safety', 'admin']) {
    for (const t of [mine, theirs, p4]) assert.deepEqual(await get(t.id, C[who]), await get(t.id), `${who} sees ${t.id}`);
  }
  // Listed exactly for those who may see them.
  const custProjects = Object.values(projects).filter((p) => p.customer_id === projects[1].customer_id).map((p) => p.id);
  const cl = await walk(C.customer);
  assert.ok(cl.length > 0 && cl.every((t) => custProjects.includes(t.project_id)), 'the customer\'s list holds only its projects\' tickets');
  assert.ok(ids(cl).includes(mine.id));
  const ol = await walk(C.other);
  assert.ok(ol.every((t) => t.project_id === PROJECT.other_customer));
  assert.ok(ids(ol).includes(theirs.id));
  const pl = await walk(C.project);
  assert.ok(pl.every((t) => [1, 2].includes(t.project_id)), 'the project team\'s list holds only its projects');
  assert.ok(ids(pl).includes(mine.id));
  const zl = await walk(C['zheng.kai']);
  assert.ok(zl.every((t) => t.project_id === PROJECT.other_customer) && ids(zl).includes(theirs.id));
  const all = ids(await walk(C.cm));
  for (const t of [mine, theirs, p4]) assert.ok(all.includes(t.id));
  assert.deepEqual(ids(await walk(C.safety)), all, 'safety sees every ticket');
  // A listed item is the ticket without its history; for the customer too.
  const item = cl.find((t) => t.id === mine.id);
  assert.deepEqual(item, strip(await get(mine.id, C.customer)));
  // Not signed in, and tickets that do not exist.
  err(await api(s.url).get(`${T}/${mine.id}`), 401, 'unauthorized');
  err(await api(s.url).get(T), 401, 'unauthorized');
  err(await api(s.url).post(`${T}/${mine.id}/actions`, { action: 'comment', text: '匿名' }), 401, 'unauthorized');
  err(await C.cm.get(`${T}/999999`), 404, 'not_found');
  err(await C.cm.post(`${T}/999999/actions`, { action: 'take' }), 404, 'not_found');
});

test('actions refused by their shape: unknown, missing or malformed action; nothing changes', async () => {
  const t = await owned('cm');
  await refused(C.cm, t.id, { action: 'escalate' }, 400, 'invalid', 'action');
  await refused(C.cm, t.id, { action: 'Take' }, 400, 'invalid', 'action');
  await refused(C.cm, t.id, { action: '' }, 400, 'invalid', 'action');
  await refused(C.cm, t.id, { action: 7 }, 400, 'invalid', 'action');
  await refused(C.cm, t.id, { action: null }, 400, 'invalid', 'action');
  await refused(C.cm, t.id, {}, 400, 'missing_field', 'action');
  await refused(C.cm, t.id, { scope: 'in_contract' }, 400, 'missing_field', 'action');
  const before = await get(t.id);
  for (const raw of ['not json', '[]', '"take"']) {
    const r = await C.cm.post(`${T}/${t.id}/actions`, raw, { raw: true, headers: { 'content-type': 'application/json' } });
    err(r, 400, 'invalid_json');
  }
  assert.deepEqual(await get(t.id), before);
});

// ---- attachments --------------------------------------------------------------------------

const u32le = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const FILES = {
  // a 1x1 PNG
  png: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex'),
  jpeg: Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.from('ffd9', 'hex')]),
  webp: Buffer.concat([Buffer.from('RIFF'), u32le(26), Buffer.from('WEBPVP8L'), u32le(14), Buffer.from('2f00000000000000000000000000', 'hex')]),
  pdf: Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'),
};
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const attachPath = (id, name) => `${T}/${id}/attachments${name === undefined ? '' : '?name=' + encodeURIComponent(name)}`;
const upload = (c, id, name, buf, type = 'application/octet-stream') => c.request('POST', attachPath(id, name), buf, { raw: true, headers: { 'content-type': type } });
/** GET the bytes of an attachment as USERNAME: {status, headers, bytes}. */
async function download(url, username, path) {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${s.token(username)}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

test('attachments: JPEG, PNG, WebP and PDF by content; anything else 415, beyond 10 MiB 413; downloads as the ticket is visible', async () => {
  const t = await owned('cm', { kind: 'repair', project_id: PROJECT.warranty, title: '附件：卫生间墙砖空鼓' });
  const history = (await get(t.id)).history.length;
  // Recognised by content: the name and the declared type do not matter.
  const GOOD = [
    ['png', '现场照片.jpg', 'image/jpeg', 'image/png', C.customer],
    ['jpeg', 'IMG_0001.png', 'application/octet-stream', 'image/jpeg', C.customer],
    ['webp', 'photo', 'image/png', 'image/webp', C.project],
    ['pdf', '维修方案 "第二版".txt', 'text/plain', 'application/pdf', C.cm],
  ];
  const made = [];
  for (const [key, name, declared, type, c] of GOOD) {
    const n = await count('audit_log');
    const r = await upload(c, t.id, name, FILES[key], declared);
    const a = ok(r, 201);
    for (const k of ['id', 'name', 'type', 'size', 'sha256']) assert.ok(k in a, `${show(r)}: no ${k}`);
    assert.equal(a.name, name);
    assert.equal(a.type, type, `${key} sent as ${declared}`);
    assert.equal(a.size, FILES[key].length);
    assert.equal(a.sha256, sha256(FILES[key]));
    assert.ok(await count('audit_log') > n, 'an upload is audited');
    if (!PG) assert.ok(existsSync(join(dirname(s.db), 'attachments', a.sha256)), 'stored by its hash next to the database');
    else if (process.env.KEFU_FILES) assert.ok(existsSync(join(process.env.KEFU_FILES, a.sha256)), 'stored by its hash');
    made.push(a);
  }
  const listed = ok(await C.cm.get(attachPath(t.id)), 200);
  assert.deepEqual(listed.map((a) => a.id), made.map((a) => a.id));
  listed.forEach((a, i) => assert.deepEqual({ ...a, ...made[i] }, a, `listed ${a.id} as uploaded`));
  assert.deepEqual(ok(await C.customer.get(attachPath(t.id)), 200), listed, 'the customer lists them too');
  // Downloads: the same bytes, as a download, never rendered.
  for (const [i, a] of made.entries()) {
    for (const who of ['cm', 'customer', 'project', 'quality']) {
      const d = await download(s.url, who, `${attachPath(t.id)}/${a.id}`);
      assert.equal(d.status, 200, `${who} downloads ${a.name}`);
      assert.ok(d.bytes.equals(FILES[GOOD[i][0]]), `${who}: the bytes of ${a.name}`);
      assert.match(d.headers.get('content-disposition') || '', /^attachment\b/, `${a.name}: Content-Disposition`);
      assert.equal(d.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(!/text\/html|svg/.test(d.headers.get('content-type') || ''), `content-type ${d.headers.get('content-type')}`);
    }
  }
  const quoted = await download(s.url, 'cm', `${attachPath(t.id)}/${made[3].id}`);
  assert.match(quoted.headers.get('content-disposition'), /^attachment; filename="[^"]*"; filename\*=UTF-8''/, 'a quote in the name does not break the header');
  // The same bytes twice: one file, two attachments.
  const again = ok(await upload(C.customer, t.id, 'again.png', FILES.png, 'image/png'), 201);
  assert.notEqual(again.id, made[0].id);
  assert.equal(again.sha256, made[0].sha256);

  // Refused: by content (415), by size (413), by name (400); nothing stored, the ticket unchanged.
  const before = await get(t.id);
  const rows = async () => `${await counts()}|${await count('ticket_attachments')}`;
  const n = await rows();
  const BAD = [
    ['text named .jpg', 'photo.jpg', Buffer.from('这不是照片'), 'image/jpeg', 415],
    ['HTML named .png', 'x.png', Buffer.from('<html><script>alert(1)</script></html>'), 'image/png', 415],
    ['SVG', 'x.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'image/svg+xml', 415],
    ['GIF', 'x.gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'image/gif', 415],
    ['ZIP (docx)', 'x.docx', Buffer.from('504b0304140000000800', 'hex'), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 415],
    ['a Windows program', 'x.exe', Buffer.from('4d5a90000300000004000000ffff0000', 'hex'), 'application/octet-stream', 415],
    ['a WAV (RIFF, not WebP)', 'x.wav', Buffer.concat([Buffer.from('RIFF'), u32le(36), Buffer.from('WAVEfmt '), Buffer.alloc(24)]), 'audio/wav', 415],
    ['PNG signature cut short', 'x.png', FILES.png.subarray(0, 6), 'image/png', 415],
    ['empty', 'x.png', Buffer.alloc(0), 'image/png', 415],
  ];
  for (const [what, name, buf, type, status] of BAD) {
    const r = await upload(C.customer, t.id, name, buf, type);
    assert.equal(r.status, status, `${what}: ${show(r)}`);
    assert.equal(typeof r.body?.error?.code, 'string', `${what}: ${show(r)}`);
  }
  for (const [what, name, field] of [['no name', undefined, 'name'], ['a name with a slash', '../../etc/passwd', 'name'], ['name ..', '..', 'name'],
    ['a name with a line break', 'a\r\nX-Evil: 1.png', 'name'], ['a 256-byte name', 'a'.repeat(252) + '.png', 'name']]) {
    const r = await upload(C.customer, t.id, name, FILES.png, 'image/png');
    assert.equal(r.status, 400, `${what}: ${show(r)}`);
    assert.equal(r.body?.error?.field, field, `${what}: ${show(r)}`);
  }
  // 10 MiB is allowed; one byte more is not.
  const auth = { authorization: `Bearer ${s.token('customer')}`, 'content-type': 'image/png' };
  const big = Buffer.concat([FILES.png, Buffer.alloc(10 * 1024 * 1024 - FILES.png.length)]);
  const over = Buffer.concat([big, Buffer.from([0])]);
  const r413 = await postBuffer(s.url, attachPath(t.id, 'big.png'), over, auth);
  assert.equal(r413.status, 413, show(r413));
  assert.equal(await rows(), n, 'nothing stored');
  assert.deepEqual(await get(t.id), before, 'the ticket unchanged');
  const r10 = await postBuffer(s.url, attachPath(t.id, 'ten.png'), big, auth);
  assert.equal(r10.status, 201, show(r10));
  assert.equal(r10.body.size, 10 * 1024 * 1024);
  if (!PG) assert.ok(!readdirSync(join(dirname(s.db), 'attachments')).some((f) => f === sha256(over)), 'the refused file is not kept');

  // Visibility: as the ticket's.
  const last10 = r10.body.id;
  for (const who of ['other', 'zheng.kai', 'wu.lei']) {
    err(await C[who].get(attachPath(t.id)), 404, 'not_found');
    const d = await download(s.url, who === 'other' ? 'other.customer' : who, `${attachPath(t.id)}/${made[0].id}`);
    assert.equal(d.status, 404, `${who} downloads`);
    assert.ok(!d.bytes.includes(FILES.png), `${who} got the bytes`);
    const m = await rows();
    err(await upload(C[who], t.id, 'x.png', FILES.png, 'image/png'), 404, 'not_found');
    assert.equal(await rows(), m, `${who}: nothing stored`);
  }
  err(await api(s.url).get(attachPath(t.id)), 401, 'unauthorized');
  err(await upload(api(s.url), t.id, 'x.png', FILES.png, 'image/png'), 401, 'unauthorized');
  assert.equal((await download(s.url, 'cm', `${attachPath(t.id)}/999999`)).status, 404);
  // An attachment of one ticket is not reachable through another.
  const t2 = await owned('cm');
  assert.equal((await download(s.url, 'cm', `${attachPath(t2.id)}/${last10}`)).status, 404);
  // The history says who attached what.
  const h = (await get(t.id)).history;
  assert.equal(h.length, history + made.length + 2, 'one history step per upload');
  // A closed ticket takes no more files.
  const closed = await owned('cm');
  await act(C.cm, closed.id, { action: 'triage', scope: 'cannot_handle', reason: '不属于施工范围' });
  const m = await rows();
  err(await upload(C.customer, closed.id, 'late.png', FILES.png, 'image/png'), 409, 'conflict');
  assert.equal(await rows(), m);
});

// ---- the queue: filters and paging ----------------------------------------------------------

test('list filters: status, kind, project_id, owner_id (me), unowned, overdue; bad values name the parameter', async () => {
  const p = ok(await C.admin.post('/api/v1/projects', { code: uniq('TK'), name: '工单筛选测试项目', customer_id: projects[1].customer_id }), 201);
  const a = await create(C.customer, body({ project_id: p.id, title: '筛选 a' }));
  const b = await create(C.customer, body({ project_id: p.id, kind: 'repair', title: '筛选 b' }));
  await act(C.cm, b.id, { action: 'take' });
  const c = await create(C.cm, staffBody({ project_id: p.id, kind: 'inquiry', title: '筛选 c' }));
  const d = await create(C.quality, staffBody({ project_id: p.id, title: '筛选 d' }));
  await act(C.quality, d.id, { action: 'triage', scope: 'in_contract' });
  const e = await create(C.customer, body({ project_id: p.id, kind: 'inquiry', title: '筛选 e' }));
  await act(C.cm, e.id, { action: 'take' });
  await act(C.cm, e.id, { action: 'triage', scope: 'cannot_handle', reason: '不在服务范围' });
  const P = String(p.id);

  const expect = async (params, want, c2 = C.cm) => {
    const got = await listIds(c2, { project_id: P, ...params });
    assert.deepEqual(got, want.map((x) => x.id), `${JSON.stringify(params)}`);
  };
  await expect({}, [e, d, c, b, a]);
  await expect({}, [e, d, c, b, a], C.customer);
  await expect({ status: 'new' }, [c, b, a]);
  await expect({ status: 'in_progress' }, [d]);
  await expect({ status: 'closed' }, [e]);
  await expect({ status: 'resolved' }, []);
  await expect({ kind: 'complaint' }, [d, a]);
  await expect({ kind: 'inquiry' }, [e, c]);
  await expect({ kind: 'repair', status: 'new' }, [b]);
  await expect({ owner_id: 'me' }, [e, c, b]);
  await expect({ owner_id: 'me' }, [d], C.quality);
  await expect({ owner_id: String(uid('quality')) }, [d]);
  await expect({ owner_id: String(uid('cm')), kind: 'inquiry' }, [e, c]);
  await expect({ unowned: 'true' }, [a]);
  await expect({ unowned: 'true' }, [a], C.customer);
  await expect({ overdue: 'true' }, []);

  // Across projects: every item matches, and the known ones are there.
  const every = async (params, pred, must) => {
    const list = await walk(C.cm, params);
    assert.ok(list.every(pred), `${JSON.stringify(params)}: an item does not match`);
    for (const x of must) assert.ok(ids(list).includes(x.id), `${JSON.stringify(params)}: ${x.id} missing`);
    return list;
  };
  await every({ status: 'new' }, (t) => t.status === 'new', [a, b, c]);
  await every({ kind: 'repair' }, (t) => t.kind === 'repair', [b]);
  await every({ owner_id: 'me' }, (t) => t.owner_id === uid('cm'), [b, c, e]);
  await every({ unowned: 'true' }, (t) => t.owner_id === null, [a]);
  await every({ overdue: 'true' }, (t) => t.overdue === true, []);
  const q1 = await every({ project_id: '1' }, (t) => t.project_id === 1, []);
  assert.ok(q1.length > 0);

  // Bad filter values: 400 naming the parameter.
  const BAD = [
    ['status', 'bogus'], ['status', 'NEW'], ['kind', 'question'], ['project_id', 'abc'], ['project_id', '0'],
    ['project_id', '-1'], ['project_id', '1.5'], ['owner_id', 'abc'], ['owner_id', 'you'], ['owner_id', '0'],
    ['unowned', 'maybe'], ['overdue', 'maybe'], ['limit', '0'], ['limit', '201'], ['limit', '-5'], ['limit', 'abc'],
    ['limit', '1e3'], ['cursor', 'not-a-cursor'],
  ];
  for (const [name, value] of BAD) {
    const n = await counts();
    err(await C.cm.get(T + q({ [name]: value })), 400, 'invalid', name);
    assert.equal(await counts(), n);
  }
  // The bounds of limit.
  assert.equal(ok(await C.cm.get(T + q({ limit: '1' })), 200).items.length, 1);
  assert.ok(ok(await C.cm.get(T + q({ limit: '200' })), 200).items.length <= 200);
});

test('list filters in every combination, with and without search, for each kind of caller: exactly the matching tickets they see, page by page', async () => {
  // The queue's statement is composed from the filters present (st-tickets.c): check every
  // combination against the caller's whole list filtered here. Some tickets of every sort exist.
  const p = PROJECT.construction;
  const mine = await create(C.customer, body({ project_id: p, kind: 'repair', title: '组合筛选 防水 维修' }));
  await act(C.project, mine.id, { action: 'take' });
  await create(C.customer, body({ project_id: p, title: '组合筛选 防水 投诉（无人接手）' }));
  const due = Date.now() + 3000;
  const late = await create(C.project, staffBody({ project_id: p, title: '组合筛选 逾期', required_by: rfc(due) }));
  await new Promise((r) => setTimeout(r, due - Date.now() + 1100));
  assert.equal((await get(late.id)).overdue, true);
  const OPTS = {
    status: [undefined, 'new', 'in_progress', 'closed'],
    kind: [undefined, 'complaint', 'repair'],
    project_id: [undefined, String(p)],
    owner_id: [undefined, 'me'],
    unowned: [undefined, 'true'],
    overdue: [undefined, 'true'],
    q: [undefined, '防水'],
  };
  const combos = Object.entries(OPTS).reduce((acc, [k, vs]) =>
    acc.flatMap((c) => vs.map((v) => (v === undefined ? c : { ...c, [k]: v }))), [{}]);
  for (const who of ['cm', 'project', 'customer']) {
    const me = uid(who);
    const all = await walk(C[who], {});
    const found = ids(await walk(C[who], { q: '防水' }));
    assert.ok(found.includes(mine.id), `${who} q=防水 finds the new repair`);
    const match = (t, f) => (!f.status || t.status === f.status) && (!f.kind || t.kind === f.kind) &&
      (!f.project_id || t.project_id === Number(f.project_id)) && (!f.owner_id || t.owner_id === me) &&
      (!f.unowned || t.owner_id === null) && (!f.overdue || t.overdue === true) &&
      (!f.q || found.includes(t.id));
    let nonEmpty = 0;
    for (const f of combos) {
      const want = all.filter((t) => match(t, f)).map((t) => t.id);
      assert.deepEqual(await listIds(C[who], f), want, `${who} ${JSON.stringify(f)}`);
      if (want.length) nonEmpty++;
    }
    assert.ok(nonEmpty >= 20, `${who}: only ${nonEmpty} combinations find anything`);
    // small pages of a combination that holds several: the cursor goes by the composed order
    const f = { project_id: String(p), q: '防水' };
    assert.deepEqual(ids(await walk(C[who], f, 1)), all.filter((t) => match(t, f)).map((t) => t.id), `${who} pages of 1`);
  }
});

test('every filter at once, with a search of each kind, for each kind of caller: 200 and only what matches', async () => {
  const all = { status: 'new', kind: 'complaint', project_id: String(PROJECT.construction), owner_id: 'me', overdue: 'true', escalated: 'true' };
  for (const who of ['cm', 'project', 'customer', 'quality']) {
    for (const word of ['防水', '卫生间', 'A3', '鲸']) {
      const r = await C[who].get(T + q({ ...all, q: word, limit: '200' }));
      const b = ok(r, 200);
      for (const t of b.items) {
        assert.equal(t.status, 'new', show(r));
        assert.equal(t.kind, 'complaint', show(r));
        assert.equal(t.owner_id, uid(who), show(r));
        assert.ok(t.overdue, show(r));
      }
    }
  }
});

test('paging: limit and next_cursor until null, newest first, no duplicates, stable while tickets arrive', async () => {
  const p = ok(await C.admin.post('/api/v1/projects', { code: uniq('PG'), name: '工单分页测试项目', customer_id: projects[1].customer_id }), 201);
  const made = [];
  for (let i = 0; i < 7; i++) made.push(await create(i % 3 ? C.customer : C.cm, (i % 3 ? body : staffBody)({ project_id: p.id, title: `分页 ${i}` })));
  const want = made.map((t) => t.id).reverse();
  const P = String(p.id);
  assert.deepEqual(await listIds(C.cm, { project_id: P }), want, 'newest first');

  // Pages of 3: 3, 3, 1 and a null cursor; a ticket arriving meanwhile is not in the later pages.
  const r1 = ok(await C.cm.get(T + q({ project_id: P, limit: '3' })), 200);
  assert.deepEqual(ids(r1.items), want.slice(0, 3));
  assert.equal(typeof r1.next_cursor, 'string');
  const late = await create(C.customer, body({ project_id: p.id, title: '分页 迟到' }));
  const r2 = ok(await C.cm.get(T + q({ project_id: P, limit: '3', cursor: r1.next_cursor })), 200);
  assert.deepEqual(ids(r2.items), want.slice(3, 6));
  const r3 = ok(await C.cm.get(T + q({ project_id: P, limit: '3', cursor: r2.next_cursor })), 200);
  assert.deepEqual(ids(r3.items), want.slice(6));
  assert.equal(r3.next_cursor, null);
  assert.deepEqual(await listIds(C.cm, { project_id: P }), [late.id, ...want]);
  // Pages that end exactly on the last ticket, and pages of one; for the customer too.
  for (const limit of [1, 2, 4, 8, 9]) {
    assert.deepEqual(ids(await walk(C.cm, { project_id: P }, limit)), [late.id, ...want], `limit ${limit}`);
    assert.deepEqual(ids(await walk(C.customer, { project_id: P }, limit)), [late.id, ...want], `customer, limit ${limit}`);
  }
  // With a filter.
  assert.deepEqual(ids(await walk(C.cm, { project_id: P, owner_id: 'me' }, 1)), made.filter((t, i) => i % 3 === 0).map((t) => t.id).reverse());

  // The whole queue, in small pages, equals it in one page: no duplicates, none missed, newest first.
  const whole = await walk(C.cm, {}, 200);
  const small = await walk(C.cm, {}, 7);
  assert.deepEqual(ids(small), ids(whole));
  assert.equal(new Set(ids(whole)).size, whole.length, 'duplicates');
  for (let i = 1; i < whole.length; i++) {
    const [x, y] = [whole[i - 1], whole[i]];
    assert.ok(secs(x.created_at) > secs(y.created_at) || (x.created_at === y.created_at && x.id > y.id), `newest first: ${x.id} before ${y.id}`);
  }
  assert.deepEqual(ids(await walk(C.customer, {}, 5)), ids(await walk(C.customer, {}, 200)));
  // The default page is 50.
  const dflt = ok(await C.cm.get(T), 200);
  assert.equal(dflt.items.length, Math.min(50, whole.length));
  assert.deepEqual(ids(dflt.items), ids(whole).slice(0, 50));
  assert.equal(dflt.next_cursor === null, whole.length <= 50);
});

// ---- full-text search in Chinese --------------------------------------------------------------

/** N random CJK characters, different each run. */
let seed = (process.pid * 2654435761 + Date.now()) >>> 0;
function cjk(n) {
  let out = '';
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out += String.fromCharCode(0x4e00 + ((seed >>> 8) % 0x5000));
  }
  return out;
}

/** What q may match in T as client C sees it: title, description and the comments it sees (and number and location). */
const searchable = (t) => [t.number, t.location || '', t.title, t.description, ...t.history.filter((h) => h.action === 'comment').map((h) => h.text || '')].join('\n');

test('search q: Chinese words of three or more and of two characters, in titles, descriptions and comments', async () => {
  const w3 = cjk(3);
  const w2 = cjk(2);
  const w4 = cjk(4);
  const inTitle = await create(C.customer, body({ title: `屋面${w3}渗漏${w2}` }));
  const inDesc = await create(C.customer, body({ description: `雨后${w2}卫生间顶棚${w3}滴水` }));
  const inComment = await create(C.customer, body({ title: '阳台门渗水' }));
  await act(C.cm, inComment.id, { action: 'take' });
  await act(C.cm, inComment.id, { action: 'comment', text: `现场查看：${w3}与${w2}有关` });
  const inInternal = await create(C.customer, body({ title: '厨房排水不畅' }));
  await act(C.cm, inInternal.id, { action: 'take' });
  await act(C.cm, inInternal.id, { action: 'comment', text: `内部：${w3}${w4}${w2}`, internal: true });
  const customerComment = await create(C.cm, staffBody({ title: '车库照明不足' }));
  await act(C.customer, customerComment.id, { action: 'comment', text: `补充：${w4.slice(0, 2)}灯具${w3}` });
  // The two characters apart: not a match of the word.
  const apart = await create(C.customer, body({ title: `${w2[0]}的${w2[1]}`, description: `${w3[0]}${w3[1]}和${w3[2]}` }));
  // On another customer's project: staff find it, the customer does not.
  const other = await create(C.cm, staffBody({ project_id: PROJECT.other_customer, title: `${w3}${w2}外墙` }));

  const find = async (c, word, params = {}) => sorted(await listIds(c, { q: word, ...params }));
  const want = (...ts) => sorted(ts.map((t) => t.id));
  assert.deepEqual(await find(C.cm, w3), want(inTitle, inDesc, inComment, inInternal, customerComment, other), `staff q=${w3}`);
  assert.deepEqual(await find(C.cm, w2), want(inTitle, inDesc, inComment, inInternal, other), `staff q=${w2} (two characters)`);
  assert.deepEqual(await find(C.cm, w4), want(inInternal), `staff q=${w4}`);
  assert.deepEqual(await find(C.cm, w4.slice(0, 2)), want(inInternal, customerComment), `staff q=${w4.slice(0, 2)}`);
  assert.deepEqual(await find(C.customer, w3), want(inTitle, inDesc, inComment, customerComment), `customer q=${w3}`);
  assert.deepEqual(await find(C.customer, w2), want(inTitle, inDesc, inComment), `customer q=${w2}`);
  assert.deepEqual(await find(C.customer, w4), [], 'a customer finds nothing by words only in an internal comment');
  assert.deepEqual(await find(C.customer, w4.slice(0, 2)), want(customerComment));
  assert.deepEqual(await find(C.other, w3), want(other));
  assert.deepEqual(await find(C.project, w3), want(inTitle, inDesc, inComment, inInternal, customerComment));
  // Combined with other filters, and paged.
  assert.deepEqual(await find(C.cm, w3, { owner_id: 'me' }), want(inComment, inInternal, customerComment, other));
  assert.deepEqual(await find(C.cm, w2, { project_id: String(PROJECT.other_customer) }), want(other));
  assert.deepEqual(await find(C.cm, w3, { status: 'new', kind: 'complaint' }), want(inTitle, inDesc, inComment, inInternal, customerComment, other));
  assert.deepEqual(sorted(ids(await walk(C.cm, { q: w3 }, 2))), want(inTitle, inDesc, inComment, inInternal, customerComment, other));
  assert.ok(!(await find(C.cm, w2)).includes(apart.id));
  // A comment added later is found at once.
  await act(C.cm, apart.id, { action: 'take' });
  await act(C.cm, apart.id, { action: 'comment', text: `后续：${w2}` });
  assert.ok((await find(C.cm, w2)).includes(apart.id));

  // 防水 (waterproofing), a real two-character word, in each place.
  const f1 = await create(C.customer, body({ title: '地下室防水层破损' }));
  const f2 = await create(C.customer, body({ description: '外墙防水涂料起皮脱落，雨天渗水。' }));
  const f3 = await create(C.customer, body({ title: '屋顶渗漏' }));
  await act(C.cm, f3.id, { action: 'take' });
  await act(C.cm, f3.id, { action: 'comment', text: '经查为防水卷材搭接不足' });
  const f4 = await create(C.customer, body({ title: '露台积水' }));
  await act(C.cm, f4.id, { action: 'take' });
  await act(C.cm, f4.id, { action: 'comment', text: '内部：防水由分包单位施工', internal: true });
  const f5 = await create(C.customer, body({ title: '防火门关不上', description: '水管漏了' }));
  for (const [c, who, must, mustNot] of [[C.cm, 'staff', [f1, f2, f3, f4], [f5]], [C.customer, 'customer', [f1, f2, f3], [f4, f5]]]) {
    const hits = await walk(c, { q: '防水' });
    for (const t of must) assert.ok(ids(hits).includes(t.id), `${who} q=防水 misses ${t.id}`);
    for (const t of mustNot) assert.ok(!ids(hits).includes(t.id), `${who} q=防水 finds ${t.id}`);
    for (const h of hits) assert.ok(searchable(await get(h.id, c)).includes('防水'), `${who} q=防水 returned ${h.id} "${h.title}"`);
  }
  for (const word of ['防水层', '防水卷材']) {
    assert.deepEqual(sorted(ids((await walk(C.cm, { q: word })).filter((t) => [f1, f2, f3, f4, f5].some((x) => x.id === t.id)))),
      want(...(word === '防水层' ? [f1] : [f3])), `q=${word}`);
  }

  // Characters that mean something to LIKE, to FTS or to SQL are plain text.
  const pct = await create(C.customer, body({ title: '进度仅完成 50% 左右', description: '工期_延误 "严重"' }));
  for (const word of ['%', '_', '50%', '"', '"严重"', '*', "'", 'OR', 'NEAR(', '^', '-', ':', '\\', '防水"', '%防水%']) {
    const r = await C.cm.get(T + q({ q: word, limit: '200' }));
    const hits = ok(r, 200).items;
    for (const h of hits.slice(0, 20)) assert.ok(searchable(await get(h.id)).includes(word), `q=${word} returned ${h.id} "${h.title}"`);
    if (['%', '_', '50%', '"', '"严重"'].includes(word)) assert.ok(ids(hits).includes(pct.id), `q=${word} misses ${pct.id}`);
  }
  assert.deepEqual(await find(C.cm, cjk(2) + cjk(2)), [], 'a word nobody wrote finds nothing');
});

test('search of Chinese words, for each kind of caller: the word itself, not its characters apart or across punctuation; one character anywhere', async () => {
  // Callers who see a few projects search such words among their projects' own words
  // (ticket_scoped on SQLite, the words' GIN indexes on PostgreSQL); staff who see them all
  // through the company's index: the same answers either way.
  // three distinct characters that none of the other text of these tickets holds (the
  // searches of one character would find that text too)
  const fixed = `墙面开裂内部吊顶变形座${body().title}${body().description}`;
  let a;
  do a = cjk(3); while (new Set(a).size < 3 || [...a].some((ch) => fixed.includes(ch)));
  const exact = await create(C.customer, body({ title: `墙面${a}开裂` }));
  const comma = await create(C.customer, body({ title: `${a[0]}${a[1]}，${a[2]}` }));
  const space = await create(C.customer, body({ title: `${a[0]}${a[1]} ${a[2]}` }));
  const rejoin = await create(C.customer, body({ title: `${a[0]}${a[1]}。${a[1]}${a[2]}` }));
  const latin = await create(C.customer, body({ description: `${a[1]}${a[2]}B座` }));
  const rare = await create(C.customer, body({ title: `𠮷${a[0]}` })); // U+20BB7, outside the BMP
  const internal = await create(C.customer, body({ title: '吊顶变形' }));
  await act(C.cm, internal.id, { action: 'take' });
  await act(C.cm, internal.id, { action: 'comment', text: `内部：${a[2]}${a[0]}`, internal: true });
  const ours = [exact, comma, space, rejoin, latin, rare, internal].map((t) => t.id);
  const want = (...ts) => sorted(ts.map((t) => t.id));
  for (const [who, c, staff] of [['cm', C.cm, true], ['project', C.project, true], ['customer', C.customer, false]]) {
    const find = async (word) => sorted((await listIds(c, { q: word })).filter((id) => ours.includes(id)));
    assert.deepEqual(await find(a), want(exact), `${who} q=${a}`);
    assert.deepEqual(await find(a[0] + a[1]), want(exact, comma, space, rejoin), `${who} q=${a[0] + a[1]}`);
    assert.deepEqual(await find(a[1] + a[2]), want(exact, rejoin, latin), `${who} q=${a[1] + a[2]}: not across "，" or " "`);
    assert.deepEqual(await find(a[2]), want(exact, comma, space, rejoin, latin, ...(staff ? [internal] : [])), `${who} q=${a[2]} (last of its run)`);
    assert.deepEqual(await find(a[1]), want(exact, comma, space, rejoin, latin), `${who} q=${a[1]} (inside a run)`);
    assert.deepEqual(await find(a[2] + a[0]), staff ? want(internal) : [], `${who} q=${a[2] + a[0]} (an internal comment)`);
    assert.deepEqual(await find(`𠮷${a[0]}`), want(rare), `${who} q=𠮷${a[0]}`);
    assert.deepEqual(await find('𠮷'), want(rare), `${who} q=𠮷`);
    assert.deepEqual(await find(`${a[2]}B座`), want(latin), `${who} q=${a[2]}B座`);
    assert.deepEqual(await find(`${a[1]}，${a[2]}`), want(comma), `${who} q=${a[1]}，${a[2]}`);
    // paged one at a time, newest first
    assert.deepEqual((await walk(c, { q: a[0] + a[1] }, 1)).map((t) => t.id).filter((id) => ours.includes(id)),
      [rejoin, space, comma, exact].map((t) => t.id), `${who} q=${a[0] + a[1]} one by one`);
  }
});

test('search within the caller\'s projects: members of many projects or of none, customers of many, words that mean something to FTS', async () => {
  const w3 = cjk(3);
  const w2 = cjk(2);
  // FTS query syntax as plain text, for callers whose search names their projects to the index.
  const w = cjk(3);
  const odd = await create(C.customer, body({ title: `查询 {body} : "严重" OR project_key NEAR( ${w}`, description: '^渗水* - 墙角' }));
  for (const [who, c] of [['customer', C.customer], ['project', C.project]]) {
    for (const word of ['{body} : "严重"', '"严重"', 'project_key', 'NEAR(', 'OR', '^渗水*', ' - ', ':', '"', `${w}"`]) {
      const r = await c.get(T + q({ q: word, limit: '200' }));
      const hits = ok(r, 200).items;
      for (const h of hits.slice(0, 10)) assert.ok(searchable(await get(h.id, c)).includes(word), `${who} q=${word} returned ${h.id} "${h.title}"`);
      if (word !== `${w}"`) assert.ok(ids(hits).includes(odd.id), `${who} q=${word} misses ${odd.id}`);
    }
  }

  // A project-team member of more projects than one index query names (64), one of none,
  // and the customer of them all: the same answers either way.
  s.addUser('wide.member', 'project', 'wide-member-pw-2026');
  s.addUser('no.member', 'project', 'no-member-pw-2026');
  const wide = tokenClient(s, 'wide.member');
  const none = tokenClient(s, 'no.member');
  const wideId = ok(await C.admin.get('/api/v1/users'), 200).find((u) => u.username === 'wide.member').id;
  const made = [];
  for (let i = 0; i < 66; i++) {
    const p = ok(await C.admin.post('/api/v1/projects', { code: uniq('WM'), name: `多项目成员测试${i}`, customer_id: projects[1].customer_id }), 201);
    ok(await C.admin.put(`/api/v1/projects/${p.id}/members`, { user_ids: [wideId] }), 200);
    made.push(p.id);
  }
  const first = await create(C.cm, staffBody({ project_id: made[0], title: `首个项目${w3}${w2}` }));
  const last = await create(C.cm, staffBody({ project_id: made[65], description: `末个项目${w2}，${w3}` }));
  const mine = await create(C.customer, body({ title: `本项目${w3}${w2}` }));
  const elsewhere = await create(C.cm, staffBody({ project_id: PROJECT.other_customer, title: `他人项目${w3}${w2}` }));
  const want = (...ts) => sorted(ts.map((t) => t.id));
  for (const word of [w3, w2]) {
    assert.deepEqual(sorted(await listIds(wide, { q: word })), want(first, last), `wide.member q=${word}`);
    assert.deepEqual(sorted(await listIds(wide, { q: word, project_id: String(made[65]) })), want(last), `wide.member q=${word} in one project`);
    assert.deepEqual(await listIds(none, { q: word }), [], `no.member q=${word}`);
    assert.deepEqual(sorted(await listIds(C.project, { q: word })), want(mine), `project q=${word}`);
    assert.deepEqual(sorted(await listIds(C.customer, { q: word })), want(first, last, mine), `customer of ${made.length + 2} projects q=${word}`);
    assert.deepEqual(sorted(await listIds(C.other, { q: word })), want(elsewhere), `other customer q=${word}`);
    assert.deepEqual(sorted(await listIds(C.cm, { q: word })), want(first, last, mine, elsewhere), `cm q=${word}`);
  }
  // Paged one by one, newest first, through the index's projects.
  assert.deepEqual(ids(await walk(wide, { q: w3 }, 1)), [last.id, first.id]);
});

// ---- deadlines under an injected clock -------------------------------------------------------

test('overdue: the response window and required_by, seen 25 hours later (KEFU_CLOCK_OFFSET)', async () => {
  const now = Date.now();
  const untaken = await create(C.customer, body({ title: '超时：无人响应的投诉' }));
  const taken = await create(C.customer, body({ title: '超时：已受理的投诉' }));
  await act(C.cm, taken.id, { action: 'take' });
  const triaged = await create(C.customer, body({ title: '超时：已分流的投诉' }));
  await act(C.cm, triaged.id, { action: 'take' });
  await act(C.cm, triaged.id, { action: 'triage', scope: 'in_contract' });
  const byStaff = await create(C.cm, staffBody({ title: '超时：员工记录的投诉' }));
  const repairW = await create(C.customer, body({ kind: 'repair', project_id: PROJECT.warranty, title: '超时：保修期维修' }));
  const repairWStaff = await create(C.project, staffBody({ kind: 'repair', project_id: PROJECT.warranty, title: '超时：保修期维修（员工）' }));
  const repairC = await create(C.customer, body({ kind: 'repair', project_id: PROJECT.construction, title: '超时：施工期维修' }));
  const inquiry = await create(C.customer, body({ kind: 'inquiry', title: '超时：咨询' }));
  const dueSoon = await create(C.customer, body({ kind: 'inquiry', title: '超时：要求两小时内解决', required_by: rfc(now + 2 * HOUR) }));
  const dueSoonDone = await create(C.customer, body({ kind: 'inquiry', title: '超时：两小时内已解决', required_by: rfc(now + 2 * HOUR) }));
  await act(C.cm, dueSoonDone.id, { action: 'take' });
  await act(C.cm, dueSoonDone.id, { action: 'triage', scope: 'in_contract' });
  await act(C.cm, dueSoonDone.id, { action: 'resolve', note: '已解决' });
  const dueLater = await create(C.customer, body({ kind: 'inquiry', title: '超时：两天内解决', required_by: rfc(now + 48 * HOUR) }));
  // another customer's project: overdue in cm's list, in no one's list who does not see it
  const theirs = await create(C.cm, staffBody({ kind: 'inquiry', project_id: PROJECT.other_customer, title: '超时：别的顾客的项目', required_by: rfc(now + 2 * HOUR) }));

  // Due times now.
  for (const t of [untaken, taken, triaged, byStaff, repairW, repairWStaff]) {
    assert.equal(t.response_due, rfc(Date.parse(t.created_at) + 24 * HOUR), `response_due of ${t.title}`);
  }
  for (const t of [repairC, inquiry, dueSoon, dueLater]) assert.equal(t.response_due, null, `no response_due for ${t.title}`);
  const all = [untaken, taken, triaged, byStaff, repairW, repairWStaff, repairC, inquiry, dueSoon, dueSoonDone, dueLater];
  for (const t of all) assert.equal((await get(t.id)).overdue, false, `${t.title} overdue already`);
  const overdueNow = await listIds(C.cm, { overdue: 'true' });
  for (const t of all) assert.ok(!overdueNow.includes(t.id), `${t.title} listed overdue already`);

  // The same database, 25 hours later.
  const later = await startServer({ db: s.db, demo: false, env: { KEFU_CLOCK_OFFSET: '90000' } });
  try {
    const L = Object.fromEntries(['cm', 'customer', 'project'].map((u) => [u, api(later.url, { token: s.token(u) })]));
    const at = async (t, c = L.cm) => {
      const r = await c.get(`${T}/${t.id}`);
      const x = ok(r, 200);
      checkTicket(x, { history: true, what: show(r) });
      return x;
    };
    const EXPECT = [
      [untaken, true, false], [taken, false, false], [triaged, false, false], [byStaff, false, false],
      [repairW, true, false], [repairWStaff, false, false], [repairC, false, false], [inquiry, false, false],
      [dueSoon, false, true], [dueSoonDone, false, false], [dueLater, false, false],
    ];
    for (const [t, resp, reso] of EXPECT) {
      const x = await at(t);
      assert.equal(x.overdue_response, resp, `overdue_response of ${t.title}`);
      assert.equal(x.overdue_resolution, reso, `overdue_resolution of ${t.title}`);
      assert.equal(x.overdue, resp || reso, `overdue of ${t.title}`);
      assert.deepEqual(strip(x), { ...strip(await get(t.id)), overdue: x.overdue, overdue_response: x.overdue_response, overdue_resolution: x.overdue_resolution, escalated_to: x.escalated_to },
        `only the flags differ 25 h later: ${t.title}`);
      assert.equal((await at(t, L.customer)).overdue, resp || reso, `the customer sees the flag of ${t.title}`);
    }
    const listed = await walk(L.cm, { overdue: 'true' });
    assert.ok(listed.every((t) => t.overdue), 'every item of ?overdue=true is overdue');
    const li = ids(listed);
    for (const [t, resp, reso] of EXPECT) assert.equal(li.includes(t.id), resp || reso, `${t.title} in ?overdue=true 25 h later`);
    const item = listed.find((t) => t.id === untaken.id);
    assert.equal(item.overdue_response, true, 'the list carries the flags');
    assert.ok(ids(await walk(L.customer, { overdue: 'true' })).includes(dueSoon.id));
    assert.ok(li.includes(theirs.id), "another customer's overdue ticket in cm's list");
    for (const who of ['customer', 'project']) {
      const mine = await walk(L[who], { overdue: 'true' });
      assert.ok(mine.length > 0, `${who} has overdue tickets to list`);
      assert.ok(!ids(mine).includes(theirs.id), `${who}: no overdue ticket of another customer's project`);
    }
    // The server of now still sees none of them overdue.
    const stillNow = await listIds(C.cm, { overdue: 'true' });
    for (const t of all) assert.ok(!stillNow.includes(t.id), `${t.title} overdue on the server of now`);

    // Taken late: no longer overdue for the response.
    const late = ok(await L.cm.post(`${T}/${untaken.id}/actions`, { action: 'take' }), 200);
    assert.equal(late.overdue_response, false, 'a late first response ends the response overdue');
    assert.ok(!ids(await walk(L.cm, { overdue: 'true' })).includes(untaken.id));
    // Resolving late ends the resolution overdue.
    ok(await L.cm.post(`${T}/${dueSoon.id}/actions`, { action: 'take' }), 200);
    ok(await L.cm.post(`${T}/${dueSoon.id}/actions`, { action: 'triage', scope: 'in_contract' }), 200);
    assert.equal(ok(await L.cm.post(`${T}/${dueSoon.id}/actions`, { action: 'resolve', note: '迟到的解决' }), 200).overdue_resolution, false);

    // required_by in the past of the shifted clock is refused on create; 24 h there is fine.
    const n = await counts();
    err(await L.customer.post(T, body({ required_by: rfc(now + 2 * HOUR) })), 422, undefined, 'required_by');
    assert.equal(await counts(), n);
    const fresh = ok(await L.customer.post(T, body({ title: '超时：偏移时钟下新建', required_by: rfc(now + 26 * HOUR) })), 201);
    assert.ok(Math.abs(secs(fresh.created_at) - (now / 1000 + 90000)) < 120, `created_at ${fresh.created_at} is the shifted now`);
    assert.equal(fresh.response_due, rfc(Date.parse(fresh.created_at) + 24 * HOUR));
    assert.equal(fresh.overdue, false);
    // A repair on the warranty project received at the shifted now: due 24 h after it.
    const rw = ok(await L.customer.post(T, body({ kind: 'repair', project_id: PROJECT.warranty })), 201);
    assert.equal(rw.response_due, rfc(Date.parse(rw.created_at) + 24 * HOUR));
    const rc = ok(await L.customer.post(T, body({ kind: 'repair', project_id: PROJECT.construction })), 201);
    assert.equal(rc.response_due, null);
  } finally {
    await later.stop();
  }
});

test('the response window is a setting: 2 hours in the settings file, overdue 3 hours later', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-tk-conf-'));
  const conf = join(dir, 'kefu.conf');
  writeFileSync(conf, 'tickets.response_window_hours = 2\n');
  const short = await startServer({ db: s.db, demo: false, extraArgs: ['--config', conf] });
  let t;
  try {
    const c = api(short.url, { token: s.token('customer') });
    t = ok(await c.post(T, body({ title: '响应时限设置为两小时' })), 201);
    assert.equal(t.response_due, rfc(Date.parse(t.created_at) + 2 * HOUR), 'due 2 h after receipt');
    const r = ok(await c.post(T, body({ kind: 'repair', project_id: PROJECT.warranty })), 201);
    assert.equal(r.response_due, rfc(Date.parse(r.created_at) + 2 * HOUR));
  } finally {
    await short.stop();
  }
  const later = await startServer({ db: s.db, demo: false, extraArgs: ['--config', conf], env: { KEFU_CLOCK_OFFSET: '10800' } });
  try {
    const x = ok(await api(later.url, { token: s.token('cm') }).get(`${T}/${t.id}`), 200);
    assert.equal(x.overdue_response, true, '3 h later, unanswered: overdue');
    assert.equal(x.response_due, t.response_due, 'the due time stays what it was at receipt');
  } finally {
    await later.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // The server of now: due in 2 h, not overdue yet.
  const now = ok(await C.cm.get(`${T}/${t.id}`), 200);
  assert.equal(now.response_due, t.response_due);
  assert.equal(now.overdue, false);
});

// ---- the audit chain -----------------------------------------------------------------------

test('escalation: an overdue ticket goes up to the project manager, the head of the owner\'s department, or the leaders (P-5.3.3)', async () => {
  const PW = 'escalation-test-pw-2026';
  const P = ok(await C.admin.post('/api/v1/projects', { code: uniq('ESC'), name: '超时升级测试项目', customer_id: projects[1].customer_id }), 201);
  const pm = s.addUser(uniq('esc.pm').toLowerCase(), 'project', PW, ['--project', String(P.id)]);
  const member = s.addUser(uniq('esc.member').toLowerCase(), 'project', PW, ['--project', String(P.id)]);
  ok(await C.admin.patch(`/api/v1/projects/${P.id}`, { manager_id: pm }), 200);
  // cm gets a head; quality and the project team have none
  const headName = uniq('esc.cmhead').toLowerCase();
  const head = ok(await C.admin.post('/api/v1/users', { username: headName, name: '施工管理部 负责人', role: 'cm', password: PW, department_head: true }), 201);
  assert.equal(head.department_head, true);
  const U = {};
  for (const [name, id] of Object.entries({ pm, member })) U[name] = tokenClient(s, ok(await C.admin.get(`/api/v1/users/${id}`), 200).username);
  U.head = tokenClient(s, headName);
  assert.equal(ok(await C.admin.get(`/api/v1/users/${pm}`), 200).department_head, false);

  // Heads only where there are departments; the request names the field and changes nothing.
  for (const [role, extra] of [['customer', { customer_id: projects[1].customer_id }], ['admin', {}], ['leader', {}]]) {
    const n = await count('users');
    err(await C.admin.post('/api/v1/users', { username: uniq('esc.bad').toLowerCase(), role, password: PW, department_head: true, ...extra }), 400, 'invalid', 'department_head');
    assert.equal(await count('users'), n);
  }
  err(await C.admin.patch(`/api/v1/users/${uid('leader')}`, { department_head: true }), 400, 'invalid', 'department_head');
  err(await C.admin.patch(`/api/v1/users/${pm}`, { department_head: 'yes' }), 400, 'invalid', 'department_head');

  const due = Date.now() + 4000;
  const on = (extra) => staffBody({ project_id: P.id, required_by: rfc(due), ...extra });
  const byMember = await create(U.member, on({ title: '升级：项目部成员负责' }));
  const byPm = await create(U.pm, on({ title: '升级：项目经理本人负责' }));
  const byCm = await create(C.cm, on({ title: '升级：施工管理部负责' }));
  const byQuality = await create(C.quality, on({ title: '升级：质量部负责' }));
  const unowned = await create(C.customer, body({ project_id: P.id, title: '升级：无人受理', required_by: rfc(due) }));
  const notDue = await create(U.member, staffBody({ project_id: P.id, title: '升级：尚未到期', required_by: rfc(due + 48 * HOUR) }));
  for (const t of [byMember, byPm, byCm, byQuality, unowned, notDue]) {
    const x = await get(t.id);
    assert.equal(x.overdue, false);
    assert.deepEqual(x.escalated_to, [], `${t.title}: escalated before it is due`);
  }
  await new Promise((r) => setTimeout(r, due - Date.now() + 1100));

  const to = async (t, c = C.cm) => (await get(t.id, c)).escalated_to;
  const leader = { id: uid('leader'), name: users.leader.name };
  const pmUser = ok(await C.admin.get(`/api/v1/users/${pm}`), 200);
  const EXPECT = [
    [byMember, [{ id: pm, name: pmUser.name }]],
    [byPm, [leader]],
    [byCm, [{ id: head.id, name: head.name }]],
    [byQuality, [leader]],
    [unowned, [{ id: head.id, name: head.name }]],
    [notDue, []],
  ];
  for (const [t, want] of EXPECT) {
    assert.deepEqual(await to(t), want, `escalated_to of ${t.title}`);
    assert.deepEqual(await to(t, C.customer), want, `the customer sees whom ${t.title} went up to`);
  }
  const listed = (await walk(C.cm, { project_id: String(P.id) })).find((t) => t.id === byMember.id);
  assert.deepEqual(listed.escalated_to, [{ id: pm, name: pmUser.name }], 'lists carry escalated_to');

  // Each one's queue of what went up to them.
  const mine = [byMember, byPm, byCm, byQuality, unowned, notDue].map((t) => t.id);
  const queue = async (c) => {
    const list = await walk(c, { escalated: 'true' });
    for (const t of list) assert.equal(t.overdue, true, `${t.title} in escalated=true is overdue`);
    return ids(list).filter((id) => mine.includes(id));
  };
  assert.deepEqual(await queue(U.pm), [byMember.id]);
  assert.deepEqual(await queue(U.head), [unowned.id, byCm.id]);
  assert.deepEqual(await queue(C.leader), [byQuality.id, byPm.id]);
  assert.deepEqual(await queue(U.member), []);
  assert.deepEqual(await queue(C.cm), []);
  assert.deepEqual(await queue(C.customer), []);
  assert.deepEqual(await listIds(U.head, { escalated: 'true', project_id: String(P.id), kind: 'complaint' }), [unowned.id, byCm.id]);
  err(await C.cm.get(T + q({ escalated: 'maybe' })), 400, 'invalid', 'escalated');

  // A head who leaves (deactivated, or no longer head): the leaders take it.
  ok(await C.admin.patch(`/api/v1/users/${head.id}`, { department_head: false }), 200);
  assert.deepEqual(await to(byCm), [leader]);
  ok(await C.admin.patch(`/api/v1/users/${head.id}`, { department_head: true }), 200);
  assert.deepEqual(await to(byCm), [{ id: head.id, name: head.name }]);
  // a head who changes department stops being one
  const moved = ok(await C.admin.patch(`/api/v1/users/${head.id}`, { role: 'quality' }), 200);
  assert.equal(moved.department_head, false);
  assert.deepEqual(await to(byCm), [leader]);
  assert.deepEqual(await to(byQuality), [leader]);
  ok(await C.admin.patch(`/api/v1/users/${pm}`, { active: false }), 200);
  assert.deepEqual(await to(byMember), [leader], 'a deactivated manager: the project team has no head, so the leaders');

  // Resolving it ends the escalation.
  await act(U.member, byMember.id, { action: 'triage', scope: 'in_contract' });
  const done = await act(U.member, byMember.id, { action: 'resolve', note: '已处理' });
  assert.equal(done.overdue, false);
  assert.deepEqual(done.escalated_to, []);
});

test('every ticket, step and assignment is in the audit chain and kefu audit verify exits 0', async () => {
  const tickets = s.sql('SELECT id FROM tickets ORDER BY id').split('\n').map(Number);
  assert.ok(tickets.length > 100, `${tickets.length} tickets`);
  const audited = new Set(s.sql("SELECT DISTINCT entity_id FROM audit_log WHERE entity = 'ticket'").split('\n').map(Number));
  assert.deepEqual(tickets.filter((id) => !audited.has(id)), [], 'tickets without an audit entry');
  const events = s.sql('SELECT id FROM ticket_events ORDER BY id').split('\n').map(Number);
  const auditedEvents = new Set(s.sql("SELECT DISTINCT entity_id FROM audit_log WHERE entity = 'ticket_event'").split('\n').map(Number));
  assert.deepEqual(events.filter((id) => !auditedEvents.has(id)), [], 'ticket events without an audit entry');
  const v = cli(['audit', 'verify', '--db', s.db]);
  assert.equal(v.status, 0, `kefu audit verify: ${v.stdout}${v.stderr}`);
});

/** Change a table behind kefu's back (guard triggers dropped, no foreign key checks), as evaluations.test.mjs does. */
function tamper(db, table, statement) {
  if (db.startsWith('postgres')) {
    const triggers = sql(db, `SELECT tgname FROM pg_trigger WHERE tgrelid = '${table}'::regclass AND NOT tgisinternal`).split('\n').filter(Boolean);
    for (const t of triggers) sql(db, `DROP TRIGGER "${t}" ON ${table}`);
    sql(db, `SET session_replication_role = replica; ${statement}`);
    return;
  }
  const triggers = sql(db, `SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='${table}'`).split('\n').filter(Boolean);
  for (const t of triggers) sql(db, `DROP TRIGGER "${t}"`);
  sql(db, statement);
}

test('tamper: a closed ticket reopened behind kefu\'s back → verify exits 1 naming the ticket', async () => {
  const t = await startServer();
  let stopped = false;
  try {
    const cm = tokenClient(t, 'cm');
    const cust = tokenClient(t, 'customer');
    const a = ok(await cust.post(T, body()), 201);
    ok(await cm.post(`${T}/${a.id}/actions`, { action: 'take' }), 200);
    ok(await cm.post(`${T}/${a.id}/actions`, { action: 'triage', scope: 'cannot_handle', reason: '不属于施工范围' }), 200);
    const verify = () => { const r = cli(['audit', 'verify', '--db', t.db]); return { status: r.status, out: r.stdout + r.stderr }; };
    assert.equal(verify().status, 0, verify().out);
    await t.stop({ keep: true });
    stopped = true;
    assert.equal(verify().status, 0, `after a graceful stop: ${verify().out}`);
    tamper(t.db, 'tickets', `UPDATE tickets SET status = 'in_progress', closed_at = NULL WHERE id = ${a.id}`);
    const r = verify();
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, new RegExp(`\\bticket\\b[^\\n]*\\b${a.id}\\b`), `ticket ${a.id} not named: ${r.out}`);
  } finally {
    if (!stopped) await t.stop();
    else {
      rmSync(t.dir, { recursive: true, force: true });
      if (PG && t.db.startsWith('postgres')) sql(PG, `DROP DATABASE IF EXISTS ${new URL(t.db).pathname.slice(1)} WITH (FORCE)`);
    }
  }
});

test('tamper: each kind of change alone is detected', async () => {
  const t = await startServer();
  let stopped = false;
  try {
    const cm = tokenClient(t, 'cm');
    const cust = tokenClient(t, 'customer');
    const mk = async () => {
      const a = ok(await cust.post(T, body()), 201);
      ok(await cm.post(`${T}/${a.id}/actions`, { action: 'take' }), 200);
      ok(await cm.post(`${T}/${a.id}/actions`, { action: 'assign', user_ids: [uid('quality')] }), 200);
      const x = ok(await cm.post(`${T}/${a.id}/actions`, { action: 'comment', text: '内部备注原文', internal: true }), 200);
      return { id: a.id, event: last(x).id };
    };
    const a = await mk();
    const b = await mk();
    const c = await mk();
    const d = await mk();
    const e0 = ok(await cust.post(T, body()), 201);
    ok(await cm.post(`${T}/${e0.id}/actions`, { action: 'take' }), 200);
    const e1 = ok(await cm.post(`${T}/${e0.id}/actions`, { action: 'triage', scope: 'cannot_handle', reason: '不属于施工范围' }), 200);
    const e = { id: e0.id, event: last(e1).id };
    await t.stop({ keep: true });
    stopped = true;
    const db = t.db;
    const verify = () => { const r = cli(['audit', 'verify', '--db', db]); return { status: r.status, out: r.stdout + r.stderr }; };
    assert.equal(verify().status, 0, verify().out);
    const cases = [
      ['the owner changed', 'tickets', `UPDATE tickets SET owner_id = ${uid('leader')} WHERE id = ${a.id}`, `UPDATE tickets SET owner_id = ${uid('cm')} WHERE id = ${a.id}`],
      ['an internal comment made public', 'ticket_events', `UPDATE ticket_events SET internal = 0 WHERE id = ${b.event}`, `UPDATE ticket_events SET internal = 1 WHERE id = ${b.event}`],
      ['an assignee removed', 'ticket_assignees', `DELETE FROM ticket_assignees WHERE ticket_id = ${c.id}`, `INSERT INTO ticket_assignees (ticket_id, user_id) VALUES (${c.id}, ${uid('quality')})`],
      ['the text the customer was sent rewritten', 'ticket_events', `UPDATE ticket_events SET text = '已处理' WHERE id = ${e.event}`, `UPDATE ticket_events SET text = '不属于施工范围' WHERE id = ${e.event}`],
      ['an assignee added', 'ticket_assignees', `INSERT INTO ticket_assignees (ticket_id, user_id) VALUES (${a.id}, ${uid('leader')})`, `DELETE FROM ticket_assignees WHERE ticket_id = ${a.id} AND user_id = ${uid('leader')}`],
      ['a history step deleted', 'ticket_events', `DELETE FROM ticket_events WHERE id = ${d.event}`, null],
    ];
    for (const [what, table, change, undo] of cases) {
      tamper(db, table, change);
      const r = verify();
      assert.equal(r.status, 1, `${what}: ${r.out}`);
      if (undo) {
        tamper(db, table, undo);
        assert.equal(verify().status, 0, `${what}, restored: ${verify().out}`);
      }
    }
  } finally {
    if (!stopped) await t.stop();
    else {
      rmSync(t.dir, { recursive: true, force: true });
      if (PG && t.db.startsWith('postgres')) sql(PG, `DROP DATABASE IF EXISTS ${new URL(t.db).pathname.slice(1)} WITH (FORCE)`);
    }
  }
});
