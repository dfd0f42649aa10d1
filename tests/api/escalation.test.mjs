// Issue 4, the rest of PROCEDURE §6-8 over HTTP: amendments (P-5.6), the 6.4 summary of a project
// and the quarterly company table (P-5.5.2, P-5.4.2c), penalty cases by the Reading of §8
// (P-5.5.4) with the leader's decision, and improvement reviews (§6, last sentence).
//
// Every expected number is computed here from PROCEDURE §7 (not taken from the server): sheets
// are built with ratings that give exactly the wanted score, and summaries are recomputed with
// integer tenths and half-up rounding. Each test makes its own projects, walked to the stage a
// sheet needs by stage events, so the tests do not depend on each other or on the demo data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import { startServer, cli, sql, tamper, PG } from '../lib/server.mjs';
import { api, ok, err, show, tokenClient, loginClient, RFC3339, uniq } from './_util.mjs';

const PASSWORD = 'kefu-demo-2026';
const ROLES = ['admin', 'leader', 'cm', 'quality', 'business', 'project', 'safety', 'customer'];
const STAFF = ROLES.filter((r) => r !== 'customer');
// PROCEDURE §7: an item scores this percentage of its points; weights of the 6.4 summary.
const PCT = { satisfied: 100, fairly_satisfied: 90, average: 70, acceptable: 50 };
const WEIGHT = { pre: 20, process: 50, post: 30 };
const PHASES = ['pre', 'process', 'post'];
const GRADE_RANK = { fail: 0, qualified: 1, excellent: 2 };
// The stage events that walk a new project forward (dates before every evaluation below).
const WALK = [['contract_signed', '2024-01-10', 'construction'], ['completion_filed', '2024-12-20', 'warranty'],
  ['warranty_ended', '2025-06-30', 'post_warranty']];
const STAGE_ORDER = ['pre_contract', 'construction', 'warranty', 'post_warranty'];

let s; // the server of most tests
let c; // token clients by username
let sheets, users, ownCustomer, otherCustomer, V;

before(async () => {
  s = await startServer();
  c = Object.fromEntries([...ROLES, 'zheng.kai'].map((u) => [u, tokenClient(s, u)]));
  sheets = Object.fromEntries(ok(await c.admin.get('/api/v1/forms'), 200).map((f) => [f.key, f]));
  users = Object.fromEntries(ok(await c.admin.get('/api/v1/users'), 200).map((u) => [u.username, u]));
  // The demo user "customer" belongs to the customer of demo project 1.
  ownCustomer = ok(await c.admin.get('/api/v1/projects/1'), 200).customer_id;
  otherCustomer = ok(await c.admin.post('/api/v1/customers', { name: uniq('升级测试客户') }), 201).id;
  // Every answer is checked against docs/openapi.yaml too.
  const doc = await SwaggerParser.dereference(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'openapi.yaml'));
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const json = (path, method = 'get', status = '200') => ajv.compile(doc.paths[path][method].responses[status].content['application/json'].schema);
  V = {
    evaluation: ajv.compile(doc.components.schemas.Evaluation),
    evalList: json('/api/v1/projects/{id}/evaluations'),
    amendment: json('/api/v1/evaluations/{id}/amendments', 'post', '201'),
    summary: json('/api/v1/projects/{id}/summary'),
    table: json('/api/v1/summaries'),
    caseList: json('/api/v1/penalty-cases'),
    case: json('/api/v1/penalty-cases/{id}'),
    decided: json('/api/v1/penalty-cases/{id}/decision', 'post'),
    reviewList: json('/api/v1/reviews'),
    review: json('/api/v1/reviews/{id}'),
    closed: json('/api/v1/reviews/{id}/close', 'post'),
  };
});
after(async () => { await s?.stop(); });

function conforms(validate, body, what) {
  assert.ok(validate(body), `${what} does not match docs/openapi.yaml: ${JSON.stringify(validate.errors)}`);
}

// ---- score sheets with exactly the wanted score -------------------------------------------

/**
 * Every sheet score reachable on SHEET (in tenths), each with one list of ratings giving it.
 * FIXED pins item i to a rating ([rating, penalty] for serious).
 */
function reachable(sheet, fixed = {}) {
  let m = new Map([[0, []]]);
  sheet.items.forEach((it, i) => {
    const next = new Map();
    const options = fixed[i] ? [fixed[i]] : Object.keys(PCT);
    for (const [sum, rs] of m) {
      for (const r of options) {
        const t = Array.isArray(r) ? r[1] * 10 : (it.points * PCT[r]) / 10;
        if (!next.has(sum + t)) next.set(sum + t, [...rs, r]);
      }
    }
    m = next;
  });
  return m;
}
const reachCache = new Map();
function reach(sheet, fixed = {}) {
  const k = `${sheet.id}:${JSON.stringify(fixed)}`;
  if (!reachCache.has(k)) reachCache.set(k, reachable(sheet, fixed));
  return reachCache.get(k);
}

/** Ratings of every item of SHEET scoring exactly SCORE points (items [{key, rating[, penalty]}]). */
function itemsFor(sheet, score, fixed = {}) {
  const ratings = reach(sheet, fixed).get(Math.round(score * 10));
  assert.ok(ratings, `no ratings of sheet ${sheet.key} v${sheet.version} score ${score}`);
  return sheet.items.map((it, i) => {
    const r = ratings[i];
    return Array.isArray(r) ? { key: it.key, rating: r[0], penalty: r[1] } : { key: it.key, rating: r };
  });
}

/**
 * The body of an official sheet FORM scoring SCORE: opts.date, opts.serious [itemIndex, penalty]
 * (or a list of them) with opts.deduction (default 5), opts.kind/period/comment/customer_rep, opts.sheet (version).
 */
function body(form, score, opts = {}) {
  const sheet = opts.sheet || sheets[form];
  const fixed = {};
  if (opts.serious) for (const [i, pen] of Array.isArray(opts.serious[0]) ? opts.serious : [opts.serious]) fixed[i] = ['serious', pen];
  const b = { form, kind: opts.kind || 'official', date: opts.date || '2026-03-20', items: itemsFor(sheet, score, fixed) };
  if (opts.serious) b.summary_deduction = opts.deduction ?? 5;
  for (const k of ['period', 'comment', 'customer_rep']) if (opts[k] !== undefined) b[k] = opts[k];
  if (b.kind === 'self_check' && !b.period) b.period = `${b.date.slice(0, 7)}`;
  return b;
}

const submit = (cl, pid, b) => cl.post(`/api/v1/projects/${pid}/evaluations`, b);
const amend = (cl, id, b) => cl.post(`/api/v1/evaluations/${id}/amendments`, b);

/** Submit an official sheet as cm on project P: 201 and the evaluation. */
async function off(p, form, score, opts = {}) {
  const r = await submit(c.cm, p.id, body(form, score, opts));
  const e = ok(r, 201);
  conforms(V.evaluation, e, show(r));
  assert.equal(e.score, score, `score of ${show(r)}`);
  return e;
}
/** A self-check by the project team (user "project", a member of P) on sheet 6.2. */
async function selfCheck(p, score, opts = {}) {
  const e = ok(await submit(c.project, p.id, body('process', score, { ...opts, kind: 'self_check' })), 201);
  assert.equal(e.kind, 'self_check');
  assert.equal(e.score, score);
  return e;
}
const getEval = async (id, cl = c.cm) => ok(await cl.get(`/api/v1/evaluations/${id}`), 200);
const listEvals = async (pid, cl = c.cm) => ok(await cl.get(`/api/v1/projects/${pid}/evaluations`), 200);
const withoutItems = ({ items, ...rest }) => rest;

// ---- projects -------------------------------------------------------------------------

/** A new project of CUSTOMER (default: the demo customer's), walked to STAGE; MANAGER a username. */
async function newProject({ stage = 'construction', customer = ownCustomer, manager = null } = {}) {
  const b = { code: uniq('ESC').toUpperCase().slice(0, 32), name: `升级测试工程${uniq('')}`, customer_id: customer };
  if (manager) b.manager_id = users[manager].id;
  const p = ok(await c.admin.post('/api/v1/projects', b), 201);
  await walk(p, stage);
  return p;
}
/** Record the stage events that move P on to STAGE. */
async function walk(p, stage, admin = c.admin) {
  const cur = ok(await admin.get(`/api/v1/projects/${p.id}`), 200).stage;
  for (const [type, date, to] of WALK) {
    if (STAGE_ORDER.indexOf(to) <= STAGE_ORDER.indexOf(cur)) continue;
    if (STAGE_ORDER.indexOf(to) > STAGE_ORDER.indexOf(stage)) break;
    ok(await admin.post(`/api/v1/projects/${p.id}/events`, { type, date }), 201);
  }
  p.stage = stage;
  return p;
}

// ---- the 6.4 summary, recomputed ------------------------------------------------------

/** Round N/D (D > 0) half up, away from zero for exactly .5 (PROCEDURE §7, scoring.h). */
const roundHalfUp = (n, d) => (n >= 0 ? Math.floor((2 * n + d) / (2 * d)) : -Math.floor((-2 * n + d) / (2 * d)));
const gradeOf = (t) => (t >= 900 ? 'excellent' : t >= 700 ? 'qualified' : 'fail');

/**
 * The summary PROCEDURE §7 gives for the sheets USED ({pre, process, post}: evaluation JSON or
 * null), with or without an open review opened for a serious item.
 */
function expectSummary(pid, used, openSerious = false) {
  const phases = {};
  let num = 0;
  let den = 0;
  let deduction = 0;
  let sheetsOk = true;
  for (const p of PHASES) {
    const e = used[p];
    if (!e) { phases[p] = null; continue; }
    phases[p] = { score: e.score, evaluation_id: e.id, date: e.date, deduction: e.summary_deduction };
    const t = Math.round(e.score * 10);
    num += WEIGHT[p] * t;
    den += WEIGHT[p];
    deduction += e.summary_deduction;
    if (t < 800) sheetsOk = false;
  }
  if (den === 0) return { project_id: pid, phases, deduction: 0, total: null, provisional: true, grade: null, satisfied_project: false };
  const tenths = roundHalfUp(num - deduction * 10 * den, den);
  const all = PHASES.every((p) => used[p]);
  return {
    project_id: pid, phases, deduction, total: tenths / 10, provisional: !all, grade: gradeOf(tenths),
    satisfied_project: all && tenths >= 900 && sheetsOk && !openSerious,
  };
}

/** GET the summary of P as CL: 200, documented. */
async function summary(p, cl = c.cm) {
  const r = await cl.get(`/api/v1/projects/${p.id}/summary`);
  const b = ok(r, 200);
  conforms(V.summary, b, show(r));
  return b;
}

// ---- cases and reviews -----------------------------------------------------------------

const bare = ({ id, created_at: at, ...rest }) => rest;
const count = (table, where = '') => Number(s.sql(`SELECT count(*) FROM ${table} ${where}`));

/** The case PROCEDURE §8 opens, as the API shows it (id and created_at aside). */
function expectCase(p, level, reason, trigger, covered) {
  return {
    project_id: p.id, project_code: p.code, project_name: p.name, level, reason,
    evaluation_id: trigger.id, evaluation_ids: covered.map((e) => e.id),
    evaluations: covered.map((e) => ({ id: e.id, form: e.form, date: e.date, score: e.score, grade: e.grade, superseded_by: e.superseded_by ?? null })),
    status: 'open', decision: null, decided_by: null, decided_by_name: null, decided_at: null,
  };
}

const listCases = async (query = '', cl = c.leader) => {
  const r = await cl.get(`/api/v1/penalty-cases${query}`);
  const b = ok(r, 200);
  conforms(V.caseList, b, show(r));
  return b;
};
const getCase = async (id, cl = c.leader) => {
  const r = await cl.get(`/api/v1/penalty-cases/${id}`);
  const b = ok(r, 200);
  conforms(V.case, b, show(r));
  return b;
};

/** P's cases must be exactly WANT (oldest first; listed newest first); returns them oldest first. */
async function assertCases(p, want, what = '') {
  const list = await listCases(`?project_id=${p.id}`);
  assert.deepEqual(list.map(bare), [...want].reverse(), `cases of project ${p.id} ${what}`);
  const ids = list.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'listed newest first');
  for (const x of list) {
    assert.ok(Number.isInteger(x.id) && x.id > 0);
    assert.match(x.created_at, RFC3339);
    assert.deepEqual(await getCase(x.id), x, 'GET one answers what the list shows');
  }
  return [...list].reverse();
}

/** A customer asking for a case or a review: 403 forbidden or 404 not_found (never the object). */
function hidden(r) {
  assert.ok([403, 404].includes(r.status), show(r));
  err(r, r.status, r.status === 403 ? 'forbidden' : 'not_found');
}

const listReviews = async (query = '', cl = c.cm) => {
  const r = await cl.get(`/api/v1/reviews${query}`);
  const b = ok(r, 200);
  conforms(V.reviewList, b, show(r));
  return b;
};
const getReview = async (id, cl = c.cm) => {
  const r = await cl.get(`/api/v1/reviews/${id}`);
  const b = ok(r, 200);
  conforms(V.review, b, show(r));
  return b;
};
const byId = (a, b) => a.id - b.id;

/** The open review of evaluation E of project P (id and created_at aside). */
const expectReview = (p, e) => ({
  project_id: p.id, project_code: p.code, project_name: p.name, evaluation_id: e.id, form: e.form,
  score: e.score, grade: e.grade, serious: e.serious, fail: e.grade === 'fail', status: 'open',
  findings: null, closed_by: null, closed_by_name: null, closed_at: null,
});

/**
 * Run FN: the evaluations (rows, items, the lists of PIDS), every case and review and the audit
 * log must be unchanged.
 */
async function unchanged(fn, what, pids = []) {
  const snap = async () => ({
    evaluations: count('evaluations'), items: count('evaluation_items'), audit: count('audit_log'),
    caseRows: count('penalty_cases'), reviewRows: count('reviews'),
    cases: await listCases(), reviews: await listReviews(),
    lists: await Promise.all(pids.map((pid) => listEvals(pid))),
  });
  const before = await snap();
  await fn();
  assert.deepEqual(await snap(), before, `${what}: something changed`);
}

/** `kefu audit verify` on DB (the server keeps running: verify reads a consistent snapshot). */
function verify(db = s.db) {
  const r = cli(['audit', 'verify', '--db', db]);
  return { status: r.status, out: r.stdout + r.stderr };
}

// =======================================================================================
// Amendments (P-5.6)
// =======================================================================================

test('an amendment: the same body plus a reason; it supersedes the original and both stay visible', async () => {
  const p = await newProject();
  const b0 = body('process', 80, { date: '2026-02-10', period: '2026-Q1', customer_rep: '张伟', comment: '原始记录' });
  const e = ok(await submit(c.cm, p.id, b0), 201);
  assert.equal(e.superseded_by, null);
  assert.equal(e.amends_id, null);
  assert.equal(e.reason, null);

  const b1 = { ...body('process', 92, { date: '2026-02-11', period: '2026-Q1', customer_rep: '张伟', comment: '更正：复核后' }), reason: '顾客代表复核后更正第二、三项评分' };
  const r = await amend(c.cm, e.id, b1);
  const a = ok(r, 201);
  conforms(V.amendment, a, show(r));
  conforms(V.evaluation, a, show(r));
  assert.ok(a.id > e.id, 'a new evaluation');
  assert.equal(a.amends_id, e.id);
  assert.equal(a.reason, b1.reason);
  assert.equal(a.superseded_by, null);
  assert.equal(a.project_id, p.id);
  assert.equal(a.form, 'process');
  assert.equal(a.kind, 'official');
  assert.equal(a.form_id, e.form_id);
  assert.equal(a.form_version, e.form_version);
  assert.equal(a.date, '2026-02-11');
  assert.equal(a.period, '2026-Q1');
  assert.equal(a.comment, '更正：复核后');
  assert.equal(a.customer_rep, '张伟');
  assert.equal(a.score, 92);
  assert.equal(a.grade, 'excellent');
  assert.equal(a.user_id, users.cm.id);
  assert.equal(a.user_name, users.cm.name);
  assert.match(a.created_at, RFC3339);
  assert.deepEqual(a.items.map((it) => [it.key, it.rating]), b1.items.map((it) => [it.key, it.rating]));
  assert.deepEqual(await getEval(a.id), a, 'GET answers what POST answered');

  // The original is unchanged but for superseded_by.
  assert.deepEqual(await getEval(e.id), { ...e, superseded_by: a.id });
  const list = await listEvals(p.id);
  conforms(V.evalList, list, 'list');
  assert.deepEqual(list, [{ ...withoutItems(e), superseded_by: a.id }, withoutItems(a)], 'both listed');

  // The amendment is amended in turn: a chain, each pointing at the one it replaces.
  const b2 = { ...body('process', 85.5, { date: '2026-02-12' }), reason: '第三次更正' };
  const a2 = ok(await amend(c.cm, a.id, b2), 201);
  assert.equal(a2.amends_id, a.id);
  assert.equal(a2.score, 85.5);
  assert.equal(a2.period, null);
  assert.equal(a2.comment, null);
  assert.equal((await getEval(a.id)).superseded_by, a2.id);
  assert.equal((await getEval(e.id)).superseded_by, a.id, 'the first still points at its own amendment');
  assert.deepEqual((await listEvals(p.id)).map((x) => [x.id, x.amends_id, x.superseded_by]),
    [[e.id, null, a.id], [a.id, e.id, a2.id], [a2.id, a.id, null]]);

  // A superseded evaluation cannot be amended again: amend the latest one.
  await unchanged(async () => {
    err(await amend(c.cm, e.id, { ...b1, reason: '再次更正' }), 409, 'conflict');
    err(await amend(c.cm, a.id, { ...b1, reason: '再次更正' }), 409, 'conflict');
  }, 'amending a superseded evaluation', [p.id]);

  // Audited as evaluation.amend.
  for (const x of [a, a2]) {
    assert.ok(count('audit_log', `WHERE action = 'evaluation.amend' AND entity_id = ${x.id}`) >= 1, `audit entry for amendment ${x.id}`);
  }
  assert.equal(count('audit_log', `WHERE action = 'evaluation.amend' AND entity_id = ${e.id}`), 0);
});

test('refused amendments: reason, form and kind, the body\'s rules; nothing is stored', async () => {
  const p = await newProject({ manager: 'project' });
  const e = await off(p, 'process', 80, { date: '2026-02-10' });
  const sc = await selfCheck(p, 90, { date: '2026-03-03', period: '2026-02' });
  const good = () => ({ ...body('process', 90), reason: '更正' });
  const drop = (b, m) => { const x = { ...b }; delete x[m]; return x; };
  const BAD = [
    ['reason absent', c.cm, e, drop(good(), 'reason'), 400, 'missing_field', 'reason'],
    ['reason null', c.cm, e, { ...good(), reason: null }, 400, ['missing_field', 'invalid'], 'reason'],
    ['reason empty', c.cm, e, { ...good(), reason: '' }, 400, 'invalid', 'reason'],
    ['reason 501 characters', c.cm, e, { ...good(), reason: '改'.repeat(501) }, 400, 'too_long', 'reason'],
    ['reason a number', c.cm, e, { ...good(), reason: 5 }, 400, 'invalid', 'reason'],
    ['form pre on a process sheet', c.cm, e, { ...body('pre', 90), reason: '更正' }, 422, 'amend_mismatch', 'form'],
    ['form post on a process sheet', c.cm, e, { ...body('post', 90), reason: '更正' }, 422, 'amend_mismatch', 'form'],
    ['kind self_check on an official sheet', c.cm, e, { ...body('process', 90, { kind: 'self_check', period: '2026-02' }), reason: '更正' }, 422, 'amend_mismatch', 'kind'],
    ['kind official on a self-check', c.project, sc, { ...body('process', 90), reason: '更正' }, 422, 'amend_mismatch', 'kind'],
    ['form unknown', c.cm, e, { ...good(), form: 'during' }, 400, 'invalid', 'form'],
    ['kind absent', c.cm, e, drop(good(), 'kind'), 400, 'missing_field', 'kind'],
    ['date absent', c.cm, e, drop(good(), 'date'), 400, 'missing_field', 'date'],
    ['date 2026-02-30', c.cm, e, { ...good(), date: '2026-02-30' }, 400, 'invalid', 'date'],
    ['items absent', c.cm, e, drop(good(), 'items'), 400, 'missing_field', 'items'],
    ['an item not rated', c.cm, e, { ...good(), items: good().items.slice(1) }, 400, 'missing_field', 'items'],
    ['items of another sheet', c.cm, e, { ...good(), items: body('pre', 90).items }, 400, 'invalid', 'items[0]'],
    ['serious without a deduction', c.cm, e, drop({ ...body('process', 80, { serious: [0, -5] }), reason: '更正' }, 'summary_deduction'), 400, 'invalid', 'summary_deduction'],
    ['a deduction without a serious item', c.cm, e, { ...good(), summary_deduction: 5 }, 400, 'invalid', 'summary_deduction'],
    ['unknown member', c.cm, e, { ...good(), amends_id: 1 }, 400, 'unknown_field', 'amends_id'],
    ['self-check without a period', c.project, sc, drop({ ...body('process', 90, { kind: 'self_check' }), reason: '更正' }, 'period'), 400, 'missing_field', 'period'],
  ];
  for (const [what, cl, orig, b, status, code, field] of BAD) {
    await unchanged(async () => err(await amend(cl, orig.id, b), status, code, field), what, [p.id]);
  }
  await unchanged(async () => {
    err(await amend(c.cm, 999999, good()), 404, 'not_found');
    err(await amend(api(s.url), e.id, good()), 401, 'unauthorized');
    err(await c.cm.request('POST', `/api/v1/evaluations/${e.id}/amendments`, '{"reason":', { raw: true, headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    err(await c.cm.request('POST', `/api/v1/evaluations/${e.id}/amendments`, JSON.stringify(good()), { raw: true, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    const cookie = await loginClient(s, 'cm', PASSWORD);
    err(await cookie.post(`/api/v1/evaluations/${e.id}/amendments`, good(), { headers: { 'x-csrf-token': 'wrong' } }), 403, 'csrf');
  }, 'other refusals', [p.id]);
  assert.equal((await getEval(e.id)).superseded_by, null);
  assert.equal((await getEval(sc.id)).superseded_by, null);
});

test('who amends: cm the official sheets, the project team its self-checks; others 403, hidden ones 404', async () => {
  const p = await newProject({ manager: 'project' }); // of the demo customer; "project" is a member
  const e = await off(p, 'process', 80, { date: '2026-02-10' });
  const sc = await selfCheck(p, 70, { date: '2026-03-03', period: '2026-02' });
  const offBody = { ...body('process', 90), reason: '更正' };
  const scBody = { ...body('process', 90, { kind: 'self_check', period: '2026-02', date: '2026-03-04' }), reason: '自查更正' };

  await unchanged(async () => {
    err(await amend(c.project, e.id, offBody), 403, 'forbidden'); // an official sheet is cm's
    err(await amend(c.cm, sc.id, scBody), 403, 'forbidden'); // a self-check is the project team's
    for (const role of ['admin', 'leader', 'quality', 'business', 'safety']) {
      err(await amend(c[role], e.id, offBody), 403, 'forbidden');
      err(await amend(c[role], sc.id, scBody), 403, 'forbidden');
    }
    err(await amend(c.customer, e.id, offBody), 403, 'forbidden'); // its own project's official sheet
    err(await amend(c.customer, sc.id, scBody), 404, 'not_found'); // self-checks are invisible to customers
    err(await amend(c['zheng.kai'], sc.id, scBody), 404, 'not_found'); // not a member
    err(await amend(c['zheng.kai'], e.id, offBody), 404, 'not_found');
  }, 'amendments by the wrong role', [p.id]);

  // Another customer's project: invisible to the demo customer.
  const q = await newProject({ customer: otherCustomer });
  const f = await off(q, 'process', 80);
  await unchanged(async () => err(await amend(c.customer, f.id, offBody), 404, 'not_found'), 'customer, another customer\'s project', [q.id]);

  const a = ok(await amend(c.project, sc.id, scBody), 201);
  assert.equal(a.kind, 'self_check');
  assert.equal(a.amends_id, sc.id);
  assert.equal(a.user_id, users.project.id);
  assert.equal(a.period, '2026-02');
  const b = ok(await amend(c.cm, e.id, offBody), 201);
  assert.equal(b.user_id, users.cm.id);
  const cookie = await loginClient(s, 'cm', PASSWORD);
  ok(await amend(cookie, b.id, { ...offBody, reason: '经会话更正' }), 201);
});

test('stage fit is not checked for amendments: an earlier sheet is amended in any later stage', async () => {
  const p = await newProject({ manager: 'project' });
  const pre = await off(p, 'pre', 85, { date: '2024-01-15' });
  const proc = await off(p, 'process', 80, { date: '2024-05-10' });
  const sc = await selfCheck(p, 75, { date: '2024-06-03', period: '2024-05' });
  await walk(p, 'warranty');
  // Sheet 6.2 no longer fits a new submission, but its amendment is allowed.
  await unchanged(async () => err(await submit(c.cm, p.id, body('process', 90)), 422, 'stage_fit', 'form'), 'a new process sheet in warranty', [p.id]);
  const a1 = ok(await amend(c.cm, proc.id, { ...body('process', 90, { date: '2024-05-10' }), reason: '竣工后更正' }), 201);
  assert.equal(a1.amends_id, proc.id);
  const a2 = ok(await amend(c.project, sc.id, { ...body('process', 85, { kind: 'self_check', period: '2024-05', date: '2024-06-03' }), reason: '保修期内更正自查' }), 201);
  assert.equal(a2.amends_id, sc.id);
  const post = await off(p, 'post', 90, { date: '2025-03-10' });
  await walk(p, 'post_warranty');
  await unchanged(async () => err(await submit(c.cm, p.id, body('post', 90)), 422, 'stage_fit', 'form'), 'a new post sheet after warranty', [p.id]);
  for (const [orig, form] of [[post, 'post'], [pre, 'pre'], [a1, 'process']]) {
    const a = ok(await amend(c.cm, orig.id, { ...body(form, 95, { date: orig.date }), reason: '保修期满后更正' }), 201);
    assert.equal(a.amends_id, orig.id);
    assert.equal(a.form, form);
    assert.equal(a.score, 95);
  }
});

test('an amendment is filled on the sheet version of the original, even after a new version', async () => {
  const t = await startServer();
  try {
    const cm = tokenClient(t, 'cm');
    const admin = tokenClient(t, 'admin');
    const v1 = ok(await admin.get('/api/v1/forms'), 200).find((f) => f.key === 'process');
    const e = ok(await submit(cm, 1, body('process', 80, { sheet: v1 })), 201);
    assert.equal(e.form_version, 1);
    const v2 = ok(await admin.post('/api/v1/forms', { key: 'process', items: [
      { key: 'quality', title: '工程质量', points: 55 }, { key: 'service', title: '服务态度', points: 45 }] }), 201);
    assert.equal(v2.version, 2);

    // The v1 items: accepted, scored on v1 (its points and titles), and the amendment says v1.
    const a = ok(await amend(cm, e.id, { ...body('process', 92, { sheet: v1 }), reason: '按原版本更正' }), 201);
    conforms(V.evaluation, a, 'amendment on v1');
    assert.equal(a.form_id, v1.id);
    assert.equal(a.form_version, 1);
    assert.equal(a.score, 92);
    assert.deepEqual(a.items.map((it) => [it.key, it.title, it.points]), v1.items.map((it) => [it.key, it.title, it.points]));
    // The v2 items are not the original's sheet.
    const rows = () => t.sql('SELECT count(*) FROM evaluations');
    const n = rows();
    err(await amend(cm, a.id, { ...body('process', 100, { sheet: v2 }), reason: '按新版本' }), 400, 'invalid', 'items[0]');
    assert.equal(rows(), n, 'nothing stored');
    assert.equal(ok(await cm.get(`/api/v1/evaluations/${a.id}`), 200).superseded_by, null);
    // A new sheet uses v2; its amendment v2 as well.
    const n2 = ok(await submit(cm, 1, body('process', 100, { sheet: v2 })), 201);
    assert.equal(n2.form_version, 2);
    const a2 = ok(await amend(cm, n2.id, { ...body('process', 77.5, { sheet: v2 }), reason: '更正' }), 201);
    assert.equal(a2.form_id, v2.id);
    assert.equal(a2.score, 77.5);
    const v = verify(t.db);
    assert.equal(v.status, 0, v.out);
  } finally {
    await t.stop();
  }
});

test('two amendments of one evaluation at once: exactly one 201, the other 409', async () => {
  const p = await newProject();
  const cookie = await loginClient(s, 'cm', PASSWORD);
  for (let round = 0; round < 6; round++) {
    const e = await off(p, 'process', 80, { date: `2026-04-${String(round + 1).padStart(2, '0')}` });
    const rs = await Promise.all([
      amend(c.cm, e.id, { ...body('process', 90), reason: `甲${round}` }),
      amend(round % 2 ? cookie : c.cm, e.id, { ...body('process', 70), reason: `乙${round}` }),
    ]);
    assert.deepEqual(rs.map((r) => r.status).sort(), [201, 409], rs.map(show).join('\n'));
    const won = rs.find((r) => r.status === 201).body;
    err(rs.find((r) => r.status === 409), 409, 'conflict');
    assert.equal((await getEval(e.id)).superseded_by, won.id);
    assert.equal(count('evaluations', `WHERE amends_id = ${e.id}`), 1);
    assert.equal(count('audit_log', `WHERE action = 'evaluation.amend' AND entity_id = ${won.id}`) >= 1, true);
  }
  const v = verify();
  assert.equal(v.status, 0, v.out);
});

// =======================================================================================
// The 6.4 summary of one project (P-5.5.2)
// =======================================================================================

/** A project with a pre, a process (in construction) and a post sheet (in warranty), in stage order. */
async function threePhases(pre, process, post, opts = {}) {
  const p = await newProject(opts.project || {});
  const e = {};
  e.pre = pre === null ? null : await off(p, 'pre', pre, { date: '2026-01-20', ...(opts.pre || {}) });
  e.process = process === null ? null : await off(p, 'process', process, { date: '2026-03-20', ...(opts.process || {}) });
  await walk(p, 'warranty');
  e.post = post === null ? null : await off(p, 'post', post, { date: '2026-10-20', ...(opts.post || {}) });
  return { p, e };
}

test('the worked example: pre 95, process 88, post 92 → 90.6, excellent, a satisfied project', async () => {
  const { p, e } = await threePhases(95, 88, 92, { project: { manager: 'project' } });
  const got = await summary(p);
  assert.deepEqual(got, {
    project_id: p.id,
    phases: {
      pre: { score: 95, evaluation_id: e.pre.id, date: '2026-01-20', deduction: 0 },
      process: { score: 88, evaluation_id: e.process.id, date: '2026-03-20', deduction: 0 },
      post: { score: 92, evaluation_id: e.post.id, date: '2026-10-20', deduction: 0 },
    },
    deduction: 0, total: 90.6, provisional: false, grade: 'excellent', satisfied_project: true,
  });
  assert.deepEqual(got, expectSummary(p.id, e), 'recomputed');
  // Every role that sees the project gets the same summary, the customer of the project too.
  for (const role of ROLES) assert.deepEqual(await summary(p, c[role]), got, role);
});

test('provisional totals: one or two phases, weights scaled over the phases present, rounded half up', async () => {
  // One phase: the sheet's own score.
  const one = await newProject();
  const pre = await off(one, 'pre', 85);
  let got = await summary(one);
  assert.deepEqual(got, { project_id: one.id, phases: { pre: { score: 85, evaluation_id: pre.id, date: pre.date, deduction: 0 }, process: null, post: null },
    deduction: 0, total: 85, provisional: true, grade: 'qualified', satisfied_project: false });

  // Two phases, each with its total written out: (w1·s1 + w2·s2) / (w1 + w2).
  const CASES = [
    // pre + process: (20·95 + 50·88) / 70 = 90.0 exactly
    { pre: 95, process: 88, total: 90, grade: 'excellent' },
    // (20·95 + 50·88.5) / 70 = 90.357… → 90.4 (up)
    { pre: 95, process: 88.5, total: 90.4, grade: 'excellent' },
    // (20·90 + 50·88.5) / 70 = 88.928… → 88.9
    { pre: 90, process: 88.5, total: 88.9, grade: 'qualified' },
    // process + post: (50·88 + 30·90) / 80 = 88.75 exactly → 88.8 (half up, not 88.7)
    { process: 88, post: 90, total: 88.8, grade: 'qualified' },
    // (50·69 + 30·71) / 80 = 69.75 → 69.8, still a fail
    { process: 69, post: 71, total: 69.8, grade: 'fail' },
    // pre + post: (20·95 + 30·92) / 50 = 93.2
    { pre: 95, post: 92, total: 93.2, grade: 'excellent' },
  ];
  for (const k of CASES) {
    const { p, e } = await threePhases(k.pre ?? null, k.process ?? null, k.post ?? null);
    got = await summary(p);
    const what = JSON.stringify(k);
    assert.equal(got.total, k.total, what);
    assert.equal(got.grade, k.grade, what);
    assert.equal(got.provisional, true, what);
    assert.equal(got.satisfied_project, false, `${what}: a phase is missing`);
    for (const ph of PHASES) assert.equal(got.phases[ph] === null, k[ph] === undefined, `${what} ${ph}`);
    assert.deepEqual(got, expectSummary(p.id, e), `${what}: recomputed`);
  }
});

test('the summary deduction of the sheets used is subtracted from the total', async () => {
  // The 5-point item of 6.2 serious at -5, the others giving 93: 88, with a deduction of 10.
  assert.equal(sheets.process.items[7].points, 5);
  const { p, e } = await threePhases(95, 88, 92, { process: { serious: [7, -5], deduction: 10 } });
  assert.equal(e.process.serious, true);
  assert.equal(e.process.summary_deduction, 10);
  const got = await summary(p);
  assert.equal(got.deduction, 10);
  assert.deepEqual(got.phases.process, { score: 88, evaluation_id: e.process.id, date: '2026-03-20', deduction: 10 });
  assert.equal(got.total, 80.6, '90.6 - 10');
  assert.equal(got.grade, 'qualified');
  assert.equal(got.satisfied_project, false);
  assert.deepEqual(got, expectSummary(p.id, e, true));

  // Deductions of two sheets add up; a provisional total loses them too.
  const two = await newProject();
  const a = await off(two, 'pre', 70, { serious: [0, -10], deduction: 7 });
  const b = await off(two, 'process', 80, { serious: [7, -10], deduction: 20 });
  const g2 = await summary(two);
  assert.equal(g2.deduction, 27);
  // (20·70 + 50·80) / 70 = 77.142… → 77.1; minus 27 = 50.1
  assert.equal(g2.total, 50.1);
  assert.equal(g2.grade, 'fail');
  assert.deepEqual(g2, expectSummary(two.id, { pre: a, process: b, post: null }, true));
});

test('grades are judged on the rounded total: 89.95 → 90.0 excellent, 69.95 → 70.0 qualified', async () => {
  // Three phases: total×10 = 2·pre + 5·process + 3·post (in tenths), so .5 occurs; find sheets for each.
  const R = { pre: [...reach(sheets.pre).keys()], process: new Set(reach(sheets.process).keys()), post: [...reach(sheets.post).keys()] };
  function find(x10) {
    for (const a of R.pre) {
      for (const c3 of R.post) {
        const rest = x10 - 2 * a - 3 * c3;
        if (rest % 5 === 0 && R.process.has(rest / 5)) return [a / 10, rest / 50, c3 / 10];
      }
    }
    assert.fail(`no sheets for total×100 = ${x10}`);
  }
  for (const [x10, total, grade] of [[8995, 90, 'excellent'], [8990, 89.9, 'qualified'], [6995, 70, 'qualified'], [6990, 69.9, 'fail'], [9005, 90.1, 'excellent']]) {
    const [pre, process, post] = find(x10);
    const { p, e } = await threePhases(pre, process, post);
    const got = await summary(p);
    const what = `pre ${pre}, process ${process}, post ${post}`;
    assert.equal(got.total, total, what);
    assert.equal(got.grade, grade, what);
    assert.deepEqual(got, expectSummary(p.id, e), what);
  }
});

test('each phase uses its latest official sheet by date (then id); self-checks are ignored; amendments replace', async () => {
  const p = await newProject({ manager: 'project' });
  const pre = await off(p, 'pre', 95, { date: '2026-01-10' });
  const late = await off(p, 'process', 70, { date: '2026-05-01' });
  const early = await off(p, 'process', 88, { date: '2026-03-01' }); // submitted later, dated earlier
  let got = await summary(p);
  assert.equal(got.phases.process.evaluation_id, late.id, 'the latest date wins, not the latest submission');
  assert.equal(got.phases.process.score, 70);
  assert.deepEqual(got, expectSummary(p.id, { pre, process: late, post: null }));
  const same = await off(p, 'process', 75, { date: '2026-05-01' }); // the same date: the higher id
  got = await summary(p);
  assert.equal(got.phases.process.evaluation_id, same.id);
  assert.equal(got.phases.process.score, 75);

  // Self-checks, whatever their date and score, are not the phase's sheet.
  await selfCheck(p, 50, { date: '2026-06-03', period: '2026-05' });
  await selfCheck(p, 100, { date: '2026-07-03', period: '2026-06' });
  assert.deepEqual(await summary(p), got, 'unchanged by self-checks');

  // The amendment of the phase's sheet is used.
  const a = ok(await amend(c.cm, same.id, { ...body('process', 88, { date: '2026-05-01' }), reason: '更正' }), 201);
  got = await summary(p);
  assert.deepEqual(got.phases.process, { score: 88, evaluation_id: a.id, date: '2026-05-01', deduction: 0 });
  // Amending the latest by date with an earlier date: the earlier sheets compete again by date.
  const a2 = ok(await amend(c.cm, a.id, { ...body('process', 60, { date: '2026-02-01' }), reason: '日期更正' }), 201);
  got = await summary(p);
  assert.equal(got.phases.process.evaluation_id, late.id, `latest non-superseded by date is ${late.id} (2026-05-01), not ${a2.id} (2026-02-01)`);
  assert.equal(got.phases.process.score, 70);
  ok(await amend(c.cm, late.id, { ...body('process', 88, { date: '2026-05-01' }), reason: '更正' }), 201);
  await walk(p, 'warranty');
  const post = await off(p, 'post', 92, { date: '2026-10-01' });
  got = await summary(p);
  assert.equal(got.total, 90.6);
  assert.equal(got.satisfied_project, true);
  // The amendment of pre is used too.
  const apre = ok(await amend(c.cm, pre.id, { ...body('pre', 75, { date: '2026-01-10' }), reason: '更正' }), 201);
  got = await summary(p);
  assert.deepEqual(got.phases.pre, { score: 75, evaluation_id: apre.id, date: '2026-01-10', deduction: 0 });
  assert.equal(got.satisfied_project, false, 'pre is now below 80');
  assert.ok(post.id);
});

test('a satisfied project: all three phases, total ≥ 90, every sheet ≥ 80, no open review of a serious item', async () => {
  const CASES = [
    // [pre, process, post, total, grade, satisfied, why]
    [75, 95, 95, 91, 'excellent', false, 'pre below 80'],
    [100, 100, 79, 93.7, 'excellent', false, 'post below 80'],
    [95, 79.5, 100, 88.8, 'qualified', false, 'process below 80 (and so the total below 90)'],
    [85, 90, 90, 89, 'qualified', false, 'total below 90'],
    [90, 90, 90, 90, 'excellent', true, 'total exactly 90.0'],
    [80, 95, 90, 90.5, 'excellent', true, 'a sheet exactly 80.0'],
    [95, 95, null, 95, 'excellent', false, 'the post phase missing'],
    [null, 95, 95, 95, 'excellent', false, 'the pre phase missing'],
  ];
  for (const [pre, process, post, total, grade, satisfied, why] of CASES) {
    const { p, e } = await threePhases(pre, process, post);
    const got = await summary(p);
    assert.equal(got.total, total, why);
    assert.equal(got.grade, grade, why);
    assert.equal(got.satisfied_project, satisfied, why);
    assert.deepEqual(got, expectSummary(p.id, e), why);
  }

  // An open review of a serious item blocks it, even of a sheet no longer used; a fail alone does not.
  const p = await newProject();
  const pre = await off(p, 'pre', 95, { date: '2026-01-20' });
  const failing = await off(p, 'process', 60, { date: '2026-02-01' }); // review: fail, not serious
  const serious = await off(p, 'process', 80, { date: '2026-02-15', serious: [7, -5], deduction: 5 }); // review: serious
  const proc = await off(p, 'process', 88, { date: '2026-03-20' });
  await walk(p, 'warranty');
  const post = await off(p, 'post', 92, { date: '2026-10-20' });
  let got = await summary(p);
  assert.equal(got.total, 90.6, 'the serious sheet is not used: no deduction');
  assert.equal(got.deduction, 0);
  assert.equal(got.satisfied_project, false, 'the serious item\'s review is open');
  assert.deepEqual(got, expectSummary(p.id, { pre, process: proc, post }, true));
  const reviews = (await listReviews(`?project_id=${p.id}`)).sort(byId);
  assert.deepEqual(reviews.map((r) => [r.evaluation_id, r.fail, r.serious, r.status]),
    [[failing.id, true, false, 'open'], [serious.id, false, true, 'open']]);
  ok(await c.cm.post(`/api/v1/reviews/${reviews[1].id}/close`, { findings: '临边防护已整改，复查合格。' }), 200);
  got = await summary(p);
  assert.equal(got.satisfied_project, true, 'closed: satisfied again (the open fail review does not count)');
  assert.deepEqual(got, expectSummary(p.id, { pre, process: proc, post }));

  // A fail (its review open) amended into a pass with a serious item: the amendment's own review
  // is of a serious item and blocks the project until it is closed.
  const q = await newProject();
  const qpre = await off(q, 'pre', 100, { date: '2026-01-20' });
  const qfail = await off(q, 'process', 50, { date: '2026-03-20' });
  const qa = ok(await amend(c.cm, qfail.id, { ...body('process', 90, { date: '2026-03-20', serious: [7, -5], deduction: 5 }), reason: '复核：一项严重问题' }), 201);
  assert.ok(Number.isInteger(qa.review_id), 'the amendment opens its own review while the original\'s is open');
  assert.notEqual(qa.review_id, qfail.review_id);
  assert.deepEqual(bare(await getReview(qa.review_id)), expectReview(q, qa));
  await walk(q, 'warranty');
  const qpost = await off(q, 'post', 100, { date: '2026-10-20' });
  got = await summary(q);
  assert.equal(got.total, 90, '20 + 45 + 30 - 5');
  assert.equal(got.satisfied_project, false, 'the serious item\'s review is open');
  assert.deepEqual(got, expectSummary(q.id, { pre: qpre, process: qa, post: qpost }, true));
  ok(await c.cm.post(`/api/v1/reviews/${qa.review_id}/close`, { findings: '已整改。' }), 200);
  assert.equal((await summary(q)).satisfied_project, true, 'closed (the original\'s fail review still open does not count)');
});

test('a project without official sheets: no total; the summary follows the project\'s visibility', async () => {
  const p = await newProject({ manager: 'project' });
  await selfCheck(p, 95, { date: '2026-03-03', period: '2026-02' });
  const empty = { project_id: p.id, phases: { pre: null, process: null, post: null }, deduction: 0, total: null, provisional: true, grade: null, satisfied_project: false };
  for (const role of ROLES) assert.deepEqual(await summary(p, c[role]), empty, role);
  const fresh = await newProject({ stage: 'pre_contract' });
  assert.deepEqual(await summary(fresh), { ...empty, project_id: fresh.id });

  const other = await newProject({ customer: otherCustomer });
  await off(other, 'pre', 90);
  err(await c.customer.get(`/api/v1/projects/${other.id}/summary`), 404, 'not_found');
  err(await c.project.get(`/api/v1/projects/${other.id}/summary`), 404, 'not_found');
  err(await c['zheng.kai'].get(`/api/v1/projects/${p.id}/summary`), 404, 'not_found');
  err(await c.cm.get('/api/v1/projects/999999/summary'), 404, 'not_found');
  err(await api(s.url).get(`/api/v1/projects/${p.id}/summary`), 401, 'unauthorized');
  for (const role of STAFF.filter((r) => r !== 'project')) assert.equal((await summary(other, c[role])).total, 90, role);
});

// =======================================================================================
// The quarterly company table 6.4 (P-5.4.2c), on its own server so that every row is known
// =======================================================================================

test('the quarterly table: rows per quarter, sorting, CSV, refusals', async () => {
  const t = await startServer();
  try {
    const T = Object.fromEntries([...ROLES, 'zheng.kai'].map((u) => [u, tokenClient(t, u)]));
    const tusers = Object.fromEntries(ok(await T.admin.get('/api/v1/users'), 200).map((u) => [u.username, u]));
    const cust = ok(await T.admin.post('/api/v1/customers', { name: '季度汇总测试客户' }), 201).id;
    const evals = new Map(); // project id -> its official evaluations
    const mk = async (code, name, stage, manager) => {
      const b = { code, name, customer_id: cust };
      if (manager) b.manager_id = tusers[manager].id;
      const p = ok(await T.admin.post('/api/v1/projects', b), 201);
      await walk(p, stage, T.admin);
      evals.set(p.id, []);
      return p;
    };
    const sub = async (p, form, score, date, opts = {}) => {
      const e = ok(await submit(T.cm, p.id, body(form, score, { date, ...opts })), 201);
      assert.equal(e.score, score);
      evals.get(p.id).push(e);
      return e;
    };
    const A = await mk('QA-01', '教学楼,"一期"工程', 'construction', 'project');
    await sub(A, 'pre', 95, '2026-01-15');
    await sub(A, 'process', 88, '2026-03-31'); // the quarter's last day: in Q1
    await sub(A, 'process', 70, '2026-04-01'); // the next day: Q2 only
    const B = await mk('QB-02', '=SUM(A1:A9)', 'construction');
    await sub(B, 'pre', 80, '2026-02-01');
    const C = await mk('QC-03', '@西区', 'construction');
    await sub(C, 'pre', 90, '2026-04-10');
    const D = await mk('QD-04', '+东区', 'construction', 'project'); // only a self-check: never a row
    ok(await submit(T.project, D.id, body('process', 50, { kind: 'self_check', period: '2026-02', date: '2026-03-03' })), 201);
    const E = await mk('QE-05', '-负分工程', 'construction');
    // every item serious at -10
    await sub(E, 'process', -100, '2026-02-20', { deduction: 20, serious: sheets.process.items.map((_, i) => [i, -10]) });
    assert.equal(evals.get(E.id)[0].score, -100);
    const F = await mk('QF-06', 'Warranty "W" 保修', 'warranty');
    await sub(F, 'post', 92, '2026-03-15');
    const G = await mk('QG-07', '满意工程', 'construction');
    await sub(G, 'pre', 95, '2026-01-10');
    await sub(G, 'process', 88, '2026-02-10');
    await walk(G, 'warranty', T.admin);
    await sub(G, 'post', 92, '2026-03-10');
    const H = await mk('-QH-08', '普通工程', 'construction');
    await sub(H, 'pre', 85, '2026-03-01');
    const projects = [A, B, C, D, E, F, G, H];
    const stages = Object.fromEntries(await Promise.all(projects.map(async (p) => [p.id, ok(await T.admin.get(`/api/v1/projects/${p.id}`), 200).stage])));

    /** The row of P in the table of the quarter ending LAST (null when P has no official sheet by then). */
    const rowOf = (p, last) => {
      const used = {};
      for (const ph of PHASES) {
        const mine = evals.get(p.id).filter((e) => e.form === ph && e.date <= last)
          .sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : x.id - y.id));
        used[ph] = mine.length ? mine[mine.length - 1] : null;
      }
      if (!PHASES.some((ph) => used[ph])) return null;
      const { project_id: pid, ...sm } = expectSummary(p.id, used, p === E);
      return { project_id: pid, code: p.code, name: p.name, stage: stages[p.id], ...sm };
    };
    const table = (last) => projects.map((p) => rowOf(p, last)).filter(Boolean).sort((x, y) => (x.code < y.code ? -1 : 1));
    const get = async (q, cl = T.cm) => {
      const r = await cl.get(`/api/v1/summaries?${q}`);
      const b = ok(r, 200);
      conforms(V.table, b, show(r));
      return b;
    };

    // Rows of each quarter, default order by code.
    const q1 = await get('quarter=2026-Q1');
    assert.deepEqual(q1, table('2026-03-31'));
    assert.deepEqual(q1.map((r) => r.code), ['-QH-08', 'QA-01', 'QB-02', 'QE-05', 'QF-06', 'QG-07']);
    const a1 = q1.find((r) => r.code === 'QA-01');
    assert.deepEqual([a1.phases.pre.score, a1.phases.process.score, a1.total, a1.provisional, a1.grade], [95, 88, 90, true, 'excellent']);
    const g1 = q1.find((r) => r.code === 'QG-07');
    assert.deepEqual([g1.total, g1.grade, g1.satisfied_project, g1.provisional], [90.6, 'excellent', true, false]);
    const e1 = q1.find((r) => r.code === 'QE-05');
    assert.deepEqual([e1.phases.process.score, e1.deduction, e1.total, e1.grade], [-100, 20, -120, 'fail']);
    const q2 = await get('quarter=2026-Q2');
    assert.deepEqual(q2, table('2026-06-30'));
    assert.equal(q2.find((r) => r.code === 'QA-01').total, 77.1, '(20·95 + 50·70) / 70 = 77.14…');
    assert.ok(q2.some((r) => r.code === 'QC-03'));
    assert.ok(!q1.some((r) => r.code === 'QC-03'), 'C is evaluated only after Q1');
    assert.ok(!q2.some((r) => r.code === 'QD-04'), 'a self-check alone makes no row');
    assert.deepEqual(await get('quarter=2025-Q4'), [], 'nothing evaluated by the end of 2025');
    assert.deepEqual(await get('quarter=2027-Q1'), q2, 'nothing new after Q2');
    // The latest quarter's row is the project's own summary.
    for (const r of q2) {
      const { code, name, stage, ...sm } = r;
      assert.deepEqual(ok(await T.cm.get(`/api/v1/projects/${r.project_id}/summary`), 200), sm, code);
    }

    // Every staff role reads the table; the project team only its own projects; customers never.
    for (const role of STAFF.filter((r) => r !== 'project')) assert.deepEqual(await get('quarter=2026-Q1', T[role]), q1, role);
    assert.deepEqual(await get('quarter=2026-Q1', T.project), q1.filter((r) => r.code === 'QA-01'), 'project: its member projects');
    assert.deepEqual(await get('quarter=2026-Q1', T['zheng.kai']), []);
    err(await T.customer.get('/api/v1/summaries?quarter=2026-Q1'), 403, 'forbidden');
    err(await api(t.url).get('/api/v1/summaries?quarter=2026-Q1'), 401, 'unauthorized');

    // Sorting: every key, ascending and descending ("-"); nulls last either way.
    const KEYS = {
      code: (r) => r.code, name: (r) => r.name,
      pre: (r) => r.phases.pre?.score ?? null, process: (r) => r.phases.process?.score ?? null, post: (r) => r.phases.post?.score ?? null,
      deduction: (r) => r.deduction, total: (r) => r.total, grade: (r) => (r.grade === null ? null : GRADE_RANK[r.grade]),
      satisfied: (r) => (r.satisfied_project ? 1 : 0),
    };
    const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
    for (const [key, f] of Object.entries(KEYS)) {
      for (const desc of [false, true]) {
        const got = await get(`quarter=2026-Q2&sort=${desc ? '-' : ''}${key}`);
        assert.deepEqual([...got].sort((x, y) => x.project_id - y.project_id), [...q2].sort((x, y) => x.project_id - y.project_id), `sort ${key}: the same rows`);
        const vals = got.map(f);
        const want = [...vals].sort((x, y) => (x === null ? (y === null ? 0 : 1) : y === null ? -1 : desc ? cmp(y, x) : cmp(x, y)));
        assert.deepEqual(vals, want, `sort=${desc ? '-' : ''}${key}: ${JSON.stringify(vals)}`);
      }
    }
    assert.deepEqual(await get('quarter=2026-Q2&sort=code'), q2, 'code is the default');
    assert.deepEqual((await get('quarter=2026-Q2&sort=-code')).map((r) => r.code), q2.map((r) => r.code).reverse());

    // Refusals: status, code and field.
    for (const [q, code, field] of [
      ['', 'missing_field', 'quarter'], ['sort=code', 'missing_field', 'quarter'],
      ['quarter=', ['missing_field', 'invalid'], 'quarter'], ['quarter=2026-Q5', 'invalid', 'quarter'], ['quarter=2026-Q0', 'invalid', 'quarter'],
      ['quarter=2026Q1', 'invalid', 'quarter'], ['quarter=2026-q1', 'invalid', 'quarter'], ['quarter=26-Q1', 'invalid', 'quarter'],
      ['quarter=2026-03', 'invalid', 'quarter'], ['quarter=2026-Q1x', 'invalid', 'quarter'], ['quarter=2026-Q1&sort=nope', 'invalid', 'sort'],
      ['quarter=2026-Q1&sort=--code', 'invalid', 'sort'], ['quarter=2026-Q1&sort=-', 'invalid', 'sort'], ['quarter=2026-Q1&sort=Total', 'invalid', 'sort'],
      ['quarter=2026-Q1&sort=satisfied_project', 'invalid', 'sort'], ['quarter=2026-Q1&sort=', 'invalid', 'sort'],
    ]) {
      err(await T.cm.get(`/api/v1/summaries?${q}`), 400, code, field);
    }

    // CSV: BOM, header in Chinese (English with lang=en), attachment, the rows in the same order.
    const csv = async (q, cl = T.cm) => {
      const res = await fetch(`${t.url}/api/v1/summaries?${q}`, { headers: { accept: 'text/csv', authorization: `Bearer ${cl.token}` } });
      const buf = Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, buf, text: buf.toString('utf8') };
    };
    const ZH = ['项目编号', '项目名称', '前期(6.1)', '过程(6.2)', '后期(6.3)', '扣分', '总分', '等级', '满意工程', '暂定'];
    const EN = ['code', 'name', 'pre', 'process', 'post', 'deduction', 'total', 'grade', 'satisfied_project', 'provisional'];
    const ZH_GRADE = { fail: '不合格', qualified: '合格', excellent: '优良' };
    const guard = (v) => (/^[=+\-@]/.test(v) && !/^-\d+(\.\d+)?$/.test(v) ? `'${v}` : v);
    const fields = (r, en) => {
      const sc = (ph) => (r.phases[ph] ? r.phases[ph].score.toFixed(1) : '');
      const yes = (b) => (en ? (b ? '1' : '0') : b ? '是' : '否');
      return [guard(r.code), guard(r.name), sc('pre'), sc('process'), sc('post'), String(r.deduction),
        r.total === null ? '' : r.total.toFixed(1), r.grade === null ? '' : en ? r.grade : ZH_GRADE[r.grade],
        yes(r.satisfied_project), yes(r.provisional)];
    };
    for (const [q, header, en, rows] of [
      ['quarter=2026-Q1', ZH, false, q1],
      ['quarter=2026-Q1&lang=en', EN, true, q1],
      ['quarter=2026-Q2&sort=-total', ZH, false, await get('quarter=2026-Q2&sort=-total')],
      ['quarter=2026-Q2&sort=name&lang=en', EN, true, await get('quarter=2026-Q2&sort=name')],
      ['quarter=2025-Q4&lang=en', EN, true, []],
    ]) {
      const r = await csv(q);
      assert.equal(r.status, 200, `${q}: ${r.text.slice(0, 300)}`);
      assert.match(r.headers.get('content-type'), /^text\/csv;\s*charset=utf-8$/i, q);
      const quarter = /quarter=([^&]*)/.exec(q)[1];
      assert.equal(r.headers.get('content-disposition'), `attachment; filename="summary-${quarter}.csv"`, q);
      assert.deepEqual([...r.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], `${q}: UTF-8 BOM`);
      const parsed = parseCsv(r.text.slice(1));
      assert.deepEqual(parsed[0], header, `${q}: header`);
      assert.equal(parsed.length, rows.length + 1, `${q}: one line per row`);
      rows.forEach((row, i) => {
        const want = fields(row, en);
        const got = parsed[i + 1];
        assert.equal(got.length, want.length, `${q} row ${i}`);
        assert.equal(Number(got[5]), row.deduction, `${q} row ${i} deduction ${got[5]}`);
        assert.match(got[5], /^\d+(\.0)?$/);
        got[5] = want[5];
        assert.deepEqual(got, want, `${q} row ${i}`);
      });
    }
    // What a spreadsheet would open: quoting and the formula guard, in the raw text (a guarded
    // field may be quoted or not: the same field either way).
    const zh = (await csv('quarter=2026-Q1')).text;
    assert.ok(zh.includes('QA-01,"教学楼,""一期""工程",95.0,88.0,,'), 'a name with a comma and quotes is quoted, quotes doubled');
    assert.match(zh, /(^|\n)QB-02,("?)'=SUM\(A1:A9\)\2,80\.0,/m, 'a name starting with = is prefixed with \'');
    assert.match(zh, /(^|\n)QE-05,("?)'-负分工程\2,,-100\.0,,20(\.0)?,-120\.0,不合格,/m, 'a plain negative number is not prefixed, a text starting with - is');
    assert.match(zh, /(^|\n)("?)'-QH-08\2,普通工程,85\.0,/m, 'a code starting with - is prefixed');
    assert.ok(zh.includes('QG-07,满意工程,95.0,88.0,92.0,0,90.6,优良,是,否') || zh.includes('QG-07,满意工程,95.0,88.0,92.0,0.0,90.6,优良,是,否'), zh);
    assert.ok(zh.includes('"Warranty ""W"" 保修"'), 'quotes quoted');
    const q2csv = (await csv('quarter=2026-Q2')).text;
    assert.match(q2csv, /(^|\n)QC-03,("?)'@西区\2,90\.0,/m, 'a name starting with @ is prefixed');

    // The CSV is refused like the JSON.
    const r403 = await csv('quarter=2026-Q1', T.customer);
    assert.equal(r403.status, 403, r403.text);
    const r400 = await csv('quarter=2026-Q9');
    assert.equal(r400.status, 400, r400.text);
    assert.equal(JSON.parse(r400.text).error.field, 'quarter');
  } finally {
    await t.stop();
  }
});

/** RFC 4180 fields: quoted fields may hold commas, doubled quotes and line breaks; lines end in CRLF or LF. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let f = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (ch === '"') quoted = false; else f += ch;
      continue;
    }
    if (ch === '"') {
      assert.ok(f === '' && !wasQuoted, `a quote inside an unquoted field: ${JSON.stringify(text.slice(Math.max(0, i - 40), i + 40))}`);
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') { row.push(f); f = ''; wasQuoted = false; } else if (ch === '\r' && text[i + 1] === '\n') { /* CRLF */ } else if (ch === '\n') {
      row.push(f); rows.push(row); row = []; f = ''; wasQuoted = false;
    } else f += ch;
  }
  assert.ok(!quoted, 'unterminated quoted field');
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}

// =======================================================================================
// Penalty cases (P-5.5.4, the Reading of PROCEDURE §8)
// =======================================================================================

const fail = (p, date, opts) => off(p, 'process', 50, { date, ...opts });
const pass = (p, date, opts) => off(p, 'process', 100, { date, ...opts });
const refresh = async (...es) => Promise.all(es.map((e) => getEval(e.id)));

test('fail, fail, fail, fail: level 1 on the second, level 2 (the last three) on the third and the fourth', async () => {
  const p = await newProject();
  const e1 = await fail(p, '2026-01-10');
  assert.equal(e1.case_id, null);
  await assertCases(p, [], 'after one fail');
  const e2 = await fail(p, '2026-02-10');
  const want = [expectCase(p, 1, 'two_consecutive_fails', e2, [e1, e2])];
  let cases = await assertCases(p, want, 'after two fails');
  assert.equal(e2.case_id, cases[0].id, 'the answer to the submission names the case it opened');
  const e3 = await fail(p, '2026-03-10');
  want.push(expectCase(p, 2, 'three_consecutive_fails', e3, [e1, e2, e3]));
  cases = await assertCases(p, want, 'after three fails');
  assert.equal(e3.case_id, cases[1].id);
  const e4 = await fail(p, '2026-04-10');
  want.push(expectCase(p, 2, 'three_consecutive_fails', e4, [e2, e3, e4]));
  cases = await assertCases(p, want, 'after four fails');
  // Each evaluation names the case it opened (not one that merely covers it).
  assert.deepEqual((await refresh(e1, e2, e3, e4)).map((e) => e.case_id), [null, ...cases.map((x) => x.id)]);
  // A pass ends the run; the next fail, in the same year with earlier fails all in cases, opens none.
  await pass(p, '2026-05-10');
  const e6 = await fail(p, '2026-06-10');
  await assertCases(p, want, 'fail after a pass, earlier fails all in cases');
  assert.equal(e6.case_id, null);
  // ... and a new run of two does.
  const e7 = await fail(p, '2026-07-10');
  want.push(expectCase(p, 1, 'two_consecutive_fails', e7, [e6, e7]));
  await assertCases(p, want, 'a new run of two');
});

test('fail, pass, fail in one calendar year: one level-1 two_fails_in_year case', async () => {
  const p = await newProject();
  const f1 = await fail(p, '2026-02-01');
  await pass(p, '2026-05-01');
  const f3 = await fail(p, '2026-09-01');
  const want = [expectCase(p, 1, 'two_fails_in_year', f3, [f1, f3])];
  const [c1] = await assertCases(p, want);
  assert.equal(f3.case_id, c1.id);
  // Both earlier fails of the year are in a case now: another fail after a pass opens none.
  await pass(p, '2026-10-01');
  await fail(p, '2026-11-01');
  await assertCases(p, want, 'a third fail in the year, the others already in a case');

  // A fail the next year, after a pass: the year's first fail, no case.
  const q = await newProject();
  const g1 = await fail(q, '2025-03-01');
  await pass(q, '2025-06-01');
  await fail(q, '2026-03-01');
  await assertCases(q, [], 'fails in two different years with a pass between');
  // The second fail of 2026, after a pass: with the March one.
  const g4 = await pass(q, '2026-04-01');
  const g5 = await fail(q, '2026-05-01');
  const list = ok(await c.cm.get(`/api/v1/projects/${q.id}/evaluations`), 200);
  const g3 = list.find((e) => e.date === '2026-03-01');
  await assertCases(q, [expectCase(q, 1, 'two_fails_in_year', g5, [g3, g5])]);
  assert.ok(g1 && g4);
});

test('a fail in December, a pass, a fail in January: none; two consecutive fails across the new year: a case', async () => {
  const p = await newProject();
  await fail(p, '2025-12-15');
  await pass(p, '2026-01-05');
  await fail(p, '2026-01-20');
  await assertCases(p, [], 'December fail, pass, January fail');

  const q = await newProject();
  const a = await fail(q, '2025-12-15');
  const b = await fail(q, '2026-01-20');
  await assertCases(q, [expectCase(q, 1, 'two_consecutive_fails', b, [a, b])]);
  // The run goes on across the year: the third is level 2.
  const d = await fail(q, '2026-02-20');
  await assertCases(q, [expectCase(q, 1, 'two_consecutive_fails', b, [a, b]), expectCase(q, 2, 'three_consecutive_fails', d, [a, b, d])]);
});

test('self-checks never count: they open no case and no review, and do not break or extend a run', async () => {
  const p = await newProject({ manager: 'project' });
  const o1 = await fail(p, '2025-11-10');
  const s1 = await selfCheck(p, 50, { date: '2026-01-03', period: '2025-12' });
  await pass(p, '2026-02-10');
  const s2 = await selfCheck(p, 55, { date: '2026-03-03', period: '2026-02' });
  const s3 = await selfCheck(p, 60, { date: '2026-04-03', period: '2026-03' });
  const o2 = await fail(p, '2026-04-10');
  await assertCases(p, [], 'two official fails in different years with a pass between; self-check fails around');
  for (const e of await refresh(s1, s2, s3)) {
    assert.equal(e.case_id, null, `self-check ${e.id}`);
    assert.equal(e.review_id, null, `self-check ${e.id}: no review`);
  }
  assert.deepEqual((await listReviews(`?project_id=${p.id}`)).map((r) => r.evaluation_id).sort((a, b) => a - b), [o1.id, o2.id]);
  // A self-check between two official fails does not break their run.
  await selfCheck(p, 95, { date: '2026-05-03', period: '2026-04' });
  const o3 = await fail(p, '2026-05-10');
  await assertCases(p, [expectCase(p, 1, 'two_consecutive_fails', o3, [o2, o3])], 'a passing self-check does not break the run');
  // A self-check with a serious item opens no review either.
  const s4 = await selfCheck(p, 80, { date: '2026-06-03', period: '2026-05', serious: [7, -5], deduction: 5 });
  assert.equal(s4.serious, true);
  assert.equal((await getEval(s4.id)).review_id, null);
});

test('amendments and cases: no duplicates; a case stays when its fail becomes a pass, and shows the amendment', async () => {
  const p = await newProject();
  const f1 = await fail(p, '2026-01-10');
  const f2 = await fail(p, '2026-02-10');
  const [k] = await assertCases(p, [expectCase(p, 1, 'two_consecutive_fails', f2, [f1, f2])]);

  // The trigger amended, still failing: no second case (it opened one already).
  const a2 = ok(await amend(c.cm, f2.id, { ...body('process', 55, { date: '2026-02-10' }), reason: '分数更正' }), 201);
  assert.equal(a2.grade, 'fail');
  assert.equal(a2.case_id, null);
  // The other covered fail amended, still failing: none either.
  const a1 = ok(await amend(c.cm, f1.id, { ...body('process', 60, { date: '2026-01-10' }), reason: '分数更正' }), 201);
  assert.equal(a1.case_id, null);
  // The trigger's amendment amended into a pass: the case stays, open, and shows the amendment.
  const a3 = ok(await amend(c.cm, a2.id, { ...body('process', 95, { date: '2026-02-10' }), reason: '复核后改为满意' }), 201);
  assert.equal(a3.grade, 'excellent');
  const a4 = ok(await amend(c.cm, a1.id, { ...body('process', 90, { date: '2026-01-10' }), reason: '复核后改为满意' }), 201);
  const [k2] = await assertCases(p, [expectCase(p, 1, 'two_consecutive_fails', f2,
    [{ ...f1, superseded_by: a1.id }, { ...f2, superseded_by: a2.id }])], 'after the amendments');
  assert.equal(k2.id, k.id);
  assert.equal(k2.status, 'open');
  // Now both are passes: a new fail is the first of its run and of its year.
  await fail(p, '2026-03-10');
  await assertCases(p, [expectCase(p, 1, 'two_consecutive_fails', f2, [{ ...f1, superseded_by: a1.id }, { ...f2, superseded_by: a2.id }])], 'a fail after the amended passes');
  assert.equal(count('penalty_cases', `WHERE evaluation_id IN (${[f1, f2, a1, a2, a3, a4].map((e) => e.id).join(',')})`), 1);
  const dup = s.sql('SELECT evaluation_id FROM penalty_cases GROUP BY evaluation_id HAVING count(*) > 1');
  assert.equal(dup, '', 'one case per evaluation');
});

test('an amendment that turns a pass into a fail opens the case it triggers', async () => {
  const p = await newProject();
  const f1 = await fail(p, '2026-01-10');
  const p2 = await pass(p, '2026-02-10');
  await assertCases(p, []);
  const a = ok(await amend(c.cm, p2.id, { ...body('process', 60, { date: '2026-02-10' }), reason: '复核后不合格' }), 201);
  const [k] = await assertCases(p, [expectCase(p, 1, 'two_consecutive_fails', a, [f1, a])]);
  assert.equal(a.case_id, k.id, 'the amendment names the case it opened');
  assert.equal(typeof a.review_id, 'number', 'and its review');
});

test('cases: only staff see them, the project team its own; the leader alone decides, once', async () => {
  const p = await newProject({ manager: 'project' });
  const q = await newProject({ customer: otherCustomer });
  await fail(p, '2026-01-10');
  await fail(p, '2026-02-10');
  await fail(q, '2026-01-10');
  await fail(q, '2026-02-10');
  const [kp] = await assertCases(p, [expectCase(p, 1, 'two_consecutive_fails', (await listEvals(p.id))[1], (await listEvals(p.id)))]);
  const [kq] = await assertCases(q, [expectCase(q, 1, 'two_consecutive_fails', (await listEvals(q.id))[1], (await listEvals(q.id)))]);

  // Who sees what.
  for (const role of STAFF.filter((r) => r !== 'project')) {
    const all = await listCases('', c[role]);
    assert.ok(all.some((x) => x.id === kp.id) && all.some((x) => x.id === kq.id), role);
    assert.deepEqual(await getCase(kq.id, c[role]), kq, role);
  }
  const mine = await listCases('', c.project);
  assert.ok(mine.some((x) => x.id === kp.id), 'project: its project\'s case');
  assert.ok(!mine.some((x) => x.id === kq.id), 'project: not another project\'s');
  const visible = new Set(ok(await c.project.get('/api/v1/projects'), 200).map((x) => x.id));
  assert.ok(mine.every((x) => visible.has(x.project_id)), 'project: only cases of its projects');
  assert.deepEqual(await getCase(kp.id, c.project), kp);
  err(await c.project.get(`/api/v1/penalty-cases/${kq.id}`), 404, 'not_found');
  err(await c['zheng.kai'].get(`/api/v1/penalty-cases/${kp.id}`), 404, 'not_found');
  assert.ok(!(await listCases('', c['zheng.kai'])).some((x) => x.id === kp.id || x.id === kq.id));
  err(await c.customer.get('/api/v1/penalty-cases'), 403, 'forbidden');
  err(await c.customer.get(`/api/v1/penalty-cases?project_id=${p.id}`), 403, 'forbidden');
  hidden(await c.customer.get(`/api/v1/penalty-cases/${kp.id}`));
  err(await c.leader.get('/api/v1/penalty-cases/999999'), 404, 'not_found');
  err(await api(s.url).get('/api/v1/penalty-cases'), 401, 'unauthorized');

  // Refused decisions change nothing.
  const text = '对项目经理通报批评，限期一个月整改。';
  await unchanged(async () => {
    for (const role of ['admin', 'cm', 'quality', 'business', 'safety', 'project']) {
      err(await c[role].post(`/api/v1/penalty-cases/${kp.id}/decision`, { text }), 403, 'forbidden');
    }
    hidden(await c.customer.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text }));
    err(await c.project.post(`/api/v1/penalty-cases/${kq.id}/decision`, { text }), 404, 'not_found');
    err(await c.leader.post(`/api/v1/penalty-cases/${kp.id}/decision`, {}), 400, 'missing_field', 'text');
    err(await c.leader.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text: null }), 400, ['missing_field', 'invalid'], 'text');
    err(await c.leader.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text: '' }), 400, 'invalid', 'text');
    err(await c.leader.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text: '决'.repeat(2001) }), 400, 'too_long', 'text');
    err(await c.leader.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text: 7 }), 400, 'invalid', 'text');
    err(await c.leader.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text, status: 'decided' }), 400, 'unknown_field', 'status');
    err(await c.leader.post('/api/v1/penalty-cases/999999/decision', { text }), 404, 'not_found');
    const cookie = await loginClient(s, 'leader', PASSWORD);
    err(await cookie.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text }, { headers: { 'x-csrf-token': 'wrong' } }), 403, 'csrf');
  }, 'refused decisions');

  // The leader decides: recorded with who and when, and audited.
  const audit = count('audit_log');
  const r = await c.leader.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text: `${text}\n二、扣减项目部季度考核分。` });
  const d = ok(r, 200);
  conforms(V.decided, d, show(r));
  assert.deepEqual(d, { ...kp, status: 'decided', decision: `${text}\n二、扣减项目部季度考核分。`, decided_by: users.leader.id,
    decided_by_name: users.leader.name, decided_at: d.decided_at });
  assert.match(d.decided_at, RFC3339);
  assert.deepEqual(await getCase(kp.id), d);
  assert.deepEqual(await getCase(kp.id, c.project), d, 'the project team sees the decision');
  assert.ok(count('audit_log') > audit, 'the decision is audited');
  // Once.
  await unchanged(async () => {
    err(await c.leader.post(`/api/v1/penalty-cases/${kp.id}/decision`, { text: '改判' }), 409, 'conflict');
  }, 'a second decision');

  // Filters.
  const decided = await listCases('?status=decided');
  assert.ok(decided.some((x) => x.id === kp.id) && decided.every((x) => x.status === 'decided'));
  assert.ok(!decided.some((x) => x.id === kq.id));
  const open = await listCases('?status=open');
  assert.ok(open.some((x) => x.id === kq.id) && open.every((x) => x.status === 'open'));
  assert.ok(!open.some((x) => x.id === kp.id));
  assert.deepEqual(await listCases(`?project_id=${p.id}&status=open`), []);
  assert.deepEqual((await listCases(`?project_id=${p.id}&status=decided`)).map((x) => x.id), [kp.id]);
  assert.deepEqual((await listCases(`?project_id=${q.id}`)).map((x) => x.id), [kq.id]);
  const all = await listCases();
  assert.deepEqual(all.map((x) => x.id), [...all.map((x) => x.id)].sort((a, b) => b - a), 'newest first');
  err(await c.leader.get('/api/v1/penalty-cases?status=closed'), 400, 'invalid', 'status');
  err(await c.leader.get('/api/v1/penalty-cases?project_id=abc'), 400, 'invalid', 'project_id');
});

// =======================================================================================
// Improvement reviews (PROCEDURE §6, last sentence)
// =======================================================================================

test('reviews: opened for a failing official sheet or one with a serious item; cm closes them with findings', async () => {
  const p = await newProject({ manager: 'project' });
  const failing = await off(p, 'process', 60, { date: '2026-01-10' });
  const serious = await off(p, 'process', 80, { date: '2026-02-10', serious: [7, -5], deduction: 5 });
  const both = await off(p, 'pre', 55, { date: '2026-02-20', serious: [0, -5], deduction: 10 });
  const fine = await off(p, 'process', 90, { date: '2026-03-10' });
  const sc = await selfCheck(p, 50, { date: '2026-04-03', period: '2026-03' });
  assert.equal(fine.review_id, null, 'a passing sheet without serious items: no review');
  assert.equal(sc.review_id, null, 'a self-check: no review');
  assert.deepEqual([serious.grade, serious.serious, both.grade, both.serious], ['qualified', true, 'fail', true]);

  const list = (await listReviews(`?project_id=${p.id}`)).sort(byId);
  assert.deepEqual(list.map(bare), [failing, serious, both].map((e) => expectReview(p, e)));
  for (const [e, r] of [[failing, list[0]], [serious, list[1]], [both, list[2]]]) {
    assert.equal(e.review_id, r.id, `evaluation ${e.id} names its review`);
    assert.match(r.created_at, RFC3339);
    assert.deepEqual(await getReview(r.id), r);
  }
  assert.equal(count('reviews', `WHERE evaluation_id IN (${fine.id}, ${sc.id})`), 0);

  // Who sees them: staff; the project team its own; never customers.
  const q = await newProject({ customer: otherCustomer });
  const qf = await off(q, 'process', 50);
  const [rq] = await listReviews(`?project_id=${q.id}`);
  assert.equal(rq.evaluation_id, qf.id);
  for (const role of STAFF.filter((r) => r !== 'project')) assert.deepEqual(await getReview(rq.id, c[role]), rq, role);
  const mine = await listReviews('', c.project);
  assert.ok(list.every((r) => mine.some((m) => m.id === r.id)));
  assert.ok(!mine.some((m) => m.id === rq.id));
  err(await c.project.get(`/api/v1/reviews/${rq.id}`), 404, 'not_found');
  err(await c['zheng.kai'].get(`/api/v1/reviews/${list[0].id}`), 404, 'not_found');
  err(await c.customer.get('/api/v1/reviews'), 403, 'forbidden');
  hidden(await c.customer.get(`/api/v1/reviews/${list[0].id}`));
  err(await c.cm.get('/api/v1/reviews/999999'), 404, 'not_found');
  err(await api(s.url).get('/api/v1/reviews'), 401, 'unauthorized');

  // Refused closes change nothing.
  const findings = '已约谈项目经理，质量缺陷已整改，复查合格。';
  await unchanged(async () => {
    for (const role of ['admin', 'leader', 'quality', 'business', 'safety', 'project']) {
      err(await c[role].post(`/api/v1/reviews/${list[0].id}/close`, { findings }), 403, 'forbidden');
    }
    hidden(await c.customer.post(`/api/v1/reviews/${list[0].id}/close`, { findings }));
    err(await c.cm.post(`/api/v1/reviews/${list[0].id}/close`, {}), 400, 'missing_field', 'findings');
    err(await c.cm.post(`/api/v1/reviews/${list[0].id}/close`, { findings: '' }), 400, 'invalid', 'findings');
    err(await c.cm.post(`/api/v1/reviews/${list[0].id}/close`, { findings: '查'.repeat(2001) }), 400, 'too_long', 'findings');
    err(await c.cm.post(`/api/v1/reviews/${list[0].id}/close`, { findings, status: 'closed' }), 400, 'unknown_field', 'status');
    err(await c.cm.post('/api/v1/reviews/999999/close', { findings }), 404, 'not_found');
  }, 'refused closes');

  // cm closes one, with its findings, who and when.
  const audit = count('audit_log');
  const r = await c.cm.post(`/api/v1/reviews/${list[0].id}/close`, { findings: `${findings}\n附：整改照片已归档。` });
  const closed = ok(r, 200);
  conforms(V.closed, closed, show(r));
  assert.deepEqual(closed, { ...list[0], status: 'closed', findings: `${findings}\n附：整改照片已归档。`, closed_by: users.cm.id,
    closed_by_name: users.cm.name, closed_at: closed.closed_at });
  assert.match(closed.closed_at, RFC3339);
  assert.deepEqual(await getReview(list[0].id), closed);
  assert.ok(count('audit_log') > audit, 'closing is audited');
  await unchanged(async () => err(await c.cm.post(`/api/v1/reviews/${list[0].id}/close`, { findings: '再次关闭' }), 409, 'conflict'), 'a second close');

  // Filters.
  assert.deepEqual((await listReviews(`?project_id=${p.id}&status=closed`)).map((x) => x.id), [list[0].id]);
  assert.deepEqual((await listReviews(`?project_id=${p.id}&status=open`)).map((x) => x.id).sort((a, b) => a - b), [list[1].id, list[2].id]);
  assert.ok((await listReviews('?status=open')).every((x) => x.status === 'open'));
  assert.ok((await listReviews('?status=closed')).every((x) => x.status === 'closed'));
  err(await c.cm.get('/api/v1/reviews?status=decided'), 400, 'invalid', 'status');
  err(await c.cm.get('/api/v1/reviews?project_id=x'), 400, 'invalid', 'project_id');

  // An amendment that still fails opens its own review.
  const a = ok(await amend(c.cm, failing.id, { ...body('process', 65, { date: '2026-01-10' }), reason: '更正' }), 201);
  assert.equal(typeof a.review_id, 'number');
  assert.notEqual(a.review_id, failing.review_id);
  assert.deepEqual(bare(await getReview(a.review_id)), expectReview(p, a));
  // One amended into a pass without serious items opens none.
  const b = ok(await amend(c.cm, serious.id, { ...body('process', 95, { date: '2026-02-10' }), reason: '更正' }), 201);
  assert.equal(b.review_id, null);
  assert.equal(s.sql('SELECT evaluation_id FROM reviews GROUP BY evaluation_id HAVING count(*) > 1'), '', 'one review per evaluation');
});

// =======================================================================================
// The evaluation JSON, the audit chain
// =======================================================================================

test('evaluations show case_id and review_id to staff, and omit them for customers', async () => {
  const p = await newProject({ manager: 'project' });
  const e1 = await fail(p, '2026-01-10');
  const e2 = await fail(p, '2026-02-10');
  const e3 = await pass(p, '2026-03-10');
  const [k] = await assertCases(p, [expectCase(p, 1, 'two_consecutive_fails', e2, [e1, e2])]);
  const [staff1, staff2, staff3] = await refresh(e1, e2, e3);
  assert.deepEqual([staff1.case_id, staff2.case_id, staff3.case_id], [null, k.id, null]);
  assert.ok(Number.isInteger(staff1.review_id) && Number.isInteger(staff2.review_id));
  assert.equal(staff3.review_id, null);
  for (const role of STAFF) {
    const list = await listEvals(p.id, c[role]);
    assert.deepEqual(list.map((x) => [x.case_id, x.review_id]), [staff1, staff2, staff3].map((x) => [x.case_id, x.review_id]), role);
    assert.deepEqual(await getEval(e2.id, c[role]), staff2, role);
  }
  const strip = ({ case_id: a, review_id: b, ...rest }) => rest;
  for (const e of [staff1, staff2, staff3]) {
    const mine = await getEval(e.id, c.customer);
    conforms(V.evaluation, mine, 'customer view');
    assert.ok(!('case_id' in mine) && !('review_id' in mine), `customer: no case_id/review_id in ${JSON.stringify(mine).slice(0, 200)}`);
    assert.deepEqual(mine, strip(e));
  }
  const clist = await listEvals(p.id, c.customer);
  conforms(V.evalList, clist, 'customer list');
  assert.ok(clist.every((x) => !('case_id' in x) && !('review_id' in x)));
  assert.deepEqual(clist, [staff1, staff2, staff3].map((x) => withoutItems(strip(x))));
  // An amendment's answer to a customer-visible sheet is staff's: it has them.
  const a = ok(await amend(c.cm, e3.id, { ...body('process', 100, { date: '2026-03-10' }), reason: '更正' }), 201);
  assert.ok('case_id' in a && 'review_id' in a);
});

test('after amendments, cases, decisions and reviews, kefu audit verify exits 0', async () => {
  assert.ok(count('evaluations', 'WHERE amends_id IS NOT NULL') > 10);
  assert.ok(count('penalty_cases') > 5);
  assert.ok(count('penalty_cases', "WHERE status = 'decided'") >= 1);
  assert.ok(count('reviews', "WHERE status = 'closed'") >= 1);
  const v = verify();
  assert.equal(v.status, 0, v.out);
});


test('tamper: a case\'s decision, its level or a review\'s findings changed behind kefu\'s back → verify exits 1', async () => {
  const t = await startServer();
  let stopped = false;
  try {
    const cm = tokenClient(t, 'cm');
    const leader = tokenClient(t, 'leader');
    const forms = Object.fromEntries(ok(await cm.get('/api/v1/forms'), 200).map((f) => [f.key, f]));
    const failing = (date) => ({ form: 'process', kind: 'official', date, items: forms.process.items.map((it) => ({ key: it.key, rating: 'acceptable' })) });
    ok(await submit(cm, 1, failing('2026-04-01')), 201);
    const e2 = ok(await submit(cm, 1, failing('2026-04-02')), 201);
    assert.ok(e2.case_id && e2.review_id, JSON.stringify(e2));
    ok(await leader.post(`/api/v1/penalty-cases/${e2.case_id}/decision`, { text: '通报批评' }), 200);
    ok(await cm.post(`/api/v1/reviews/${e2.review_id}/close`, { findings: '已整改' }), 200);
    await t.stop({ keep: true });
    stopped = true;
    const db = t.db;
    assert.equal(verify(db).status, 0, verify(db).out);
    const check = (what, re) => {
      const r = verify(db);
      assert.equal(r.status, 1, `${what}: ${r.out}`);
      assert.match(r.out, re, `${what} not named: ${r.out}`);
    };
    tamper(db, 'penalty_cases', `UPDATE penalty_cases SET decision = '不予处理' WHERE id = ${e2.case_id}`);
    check('decision', new RegExp(`case[^\\n]*\\b${e2.case_id}\\b`));
    tamper(db, 'penalty_cases', `UPDATE penalty_cases SET decision = '通报批评' WHERE id = ${e2.case_id}`);
    assert.equal(verify(db).status, 0, `restored: ${verify(db).out}`);
    tamper(db, 'penalty_cases', `UPDATE penalty_cases SET level = 2 WHERE id = ${e2.case_id}`);
    check('level', new RegExp(`case[^\\n]*\\b${e2.case_id}\\b`));
    tamper(db, 'penalty_cases', `UPDATE penalty_cases SET level = 1 WHERE id = ${e2.case_id}`);
    assert.equal(verify(db).status, 0, `restored: ${verify(db).out}`);
    tamper(db, 'reviews', `UPDATE reviews SET findings = '无问题' WHERE id = ${e2.review_id}`);
    check('findings', new RegExp(`review[^\\n]*\\b${e2.review_id}\\b`));
  } finally {
    if (!stopped) await t.stop();
    else {
      rmSync(t.dir, { recursive: true, force: true });
      if (PG && t.db.startsWith('postgres')) sql(PG, `DROP DATABASE IF EXISTS ${new URL(t.db).pathname.slice(1)} WITH (FORCE)`);
    }
  }
});
