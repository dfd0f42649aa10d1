// Evaluations (PROCEDURE §6-7): filled score sheets — their scores and grades, who submits which
// kind, which sheet fits which stage, who sees them; a submitted evaluation never changes and
// every submission is in the audit chain. Scores are recomputed here from PROCEDURE §7.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import { startServer, cli, sql, tamper, PG } from '../lib/server.mjs';
import { api, ok, err, show, tokenClient, loginClient, RFC3339, ids } from './_util.mjs';

const PASSWORD = 'kefu-demo-2026';
// The demo company's projects (kefu init --demo): customer 1 owns 1 and 2, the user "project" is
// a member of 1 and 2, "zheng.kai" (project) of 5; 5 belongs to another customer.
const PROJECT = { construction: 1, warranty: 2, pre_contract: 3, post_warranty: 4, other_customer: 5 };
const FITS = { pre: ['construction', 'warranty', 'post_warranty'], process: ['construction'], post: ['warranty'] };
// PROCEDURE §7: an item scores this percentage of its points; serious scores its penalty.
const PCT = { satisfied: 100, fairly_satisfied: 90, average: 70, acceptable: 50 };
const STAFF_NOT_EVALUATING = ['admin', 'leader', 'quality', 'business', 'safety'];
const ALL_STAFF = ['admin', 'leader', 'cm', 'quality', 'business', 'project', 'safety'];

let s, cm, project, customer, admin, sheets, users, validateEval, validateList;

before(async () => {
  s = await startServer();
  cm = tokenClient(s, 'cm');
  project = tokenClient(s, 'project');
  customer = tokenClient(s, 'customer');
  admin = tokenClient(s, 'admin');
  sheets = Object.fromEntries(ok(await admin.get('/api/v1/forms'), 200).map((f) => [f.key, f]));
  users = Object.fromEntries(ok(await admin.get('/api/v1/users'), 200).map((u) => [u.username, u]));
  // The answers are checked against docs/openapi.yaml too.
  const doc = await SwaggerParser.dereference(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'openapi.yaml'));
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  validateEval = ajv.compile(doc.components.schemas.Evaluation);
  validateList = ajv.compile(doc.paths['/api/v1/projects/{id}/evaluations'].get.responses['200'].content['application/json'].schema);
});
after(async () => { await s?.stop(); });

function conforms(validate, body, what) {
  assert.ok(validate(body), `${what} does not match docs/openapi.yaml: ${JSON.stringify(validate.errors)}`);
}

/** Item score in tenths of a point, by PROCEDURE §7 (not by the server). */
const tenths = (points, rating, penalty) => (rating === 'serious' ? penalty * 10 : (points * PCT[rating]) / 10);
const gradeOf = (t) => (t >= 900 ? 'excellent' : t >= 700 ? 'qualified' : 'fail');

/**
 * Ratings of every item of the current sheet FORM: RATINGS is one rating for all, or an array
 * with one entry per item, each a rating or [rating, penalty].
 */
const rate = (form, ratings) => sheets[form].items.map((it, i) => {
  const r = Array.isArray(ratings) ? ratings[i] : ratings;
  return Array.isArray(r) ? { key: it.key, rating: r[0], penalty: r[1] } : { key: it.key, rating: r };
});
const official = (form, items, extra = {}) => ({ form, kind: 'official', date: '2026-03-20', items, ...extra });
const selfCheck = (items, extra = {}) => ({ form: 'process', kind: 'self_check', period: '2026-02', date: '2026-03-04', items, ...extra });
const submit = (c, pid, body) => c.post(`/api/v1/projects/${pid}/evaluations`, body);
const listOf = async (pid, c = cm) => ok(await c.get(`/api/v1/projects/${pid}/evaluations`), 200);
const getOne = async (id, c = cm) => ok(await c.get(`/api/v1/evaluations/${id}`), 200);
const withoutItems = ({ items, ...rest }) => rest;

/** The evaluation the server must answer for BODY on project PID by USERNAME (id and created_at aside). */
function expected(body, pid, username) {
  const sheet = sheets[body.form];
  const given = Object.fromEntries(body.items.map((x) => [x.key, x]));
  let total = 0;
  const items = sheet.items.map((it) => {
    const g = given[it.key];
    const t = tenths(it.points, g.rating, g.penalty);
    total += t;
    return { key: it.key, title: it.title, points: it.points, rating: g.rating, penalty: g.rating === 'serious' ? g.penalty : null, score: t / 10 };
  });
  return {
    project_id: pid, form: body.form, form_id: sheet.id, form_version: sheet.version, kind: body.kind,
    period: body.period ?? null, date: body.date, score: total / 10, grade: gradeOf(total),
    serious: items.some((x) => x.rating === 'serious'), summary_deduction: body.summary_deduction ?? 0,
    customer_rep: body.customer_rep ?? null, comment: body.comment ?? null,
    amends_id: null, reason: null, superseded_by: null,
    user_id: users[username].id, user_name: users[username].name, items,
  };
}

/** Submit BODY as USERNAME (client C) on PID: 201, exactly the expected evaluation, and GET gives the same. */
async function submitOk(c, username, pid, body) {
  const r = await submit(c, pid, body);
  const e = ok(r, 201);
  conforms(validateEval, e, show(r));
  const { id, created_at: at, case_id: caseId, review_id: reviewId, ...rest } = e;
  assert.ok(Number.isInteger(id) && id > 0, `id: ${show(r)}`);
  assert.match(at, RFC3339);
  // A failing official sheet, or one with a serious item, opens a review; cases are escalation.test.mjs's.
  const opensReview = body.kind === 'official' && (e.grade === 'fail' || e.serious);
  assert.equal(reviewId !== null, opensReview, `review_id: ${show(r)}`);
  assert.ok(caseId === null || (body.kind === 'official' && e.grade === 'fail'), `case_id: ${show(r)}`);
  assert.deepEqual(rest, expected(body, pid, username), `${show(r)}\nfor ${JSON.stringify(body)}`);
  assert.deepEqual(await getOne(id), e, 'GET answers what POST answered');
  const listed = (await listOf(pid)).find((x) => x.id === id);
  assert.deepEqual(listed, withoutItems(e), 'listed without its items');
  return e;
}

const count = (table) => Number(s.sql(`SELECT count(*) FROM ${table}`));

/** Run fn; every project's list, the evaluation rows, their items and the audit log must be unchanged. */
async function unchanged(fn, what) {
  const snap = async () => ({
    lists: await Promise.all([1, 2, 3, 4, 5, 6].map((pid) => listOf(pid))),
    rows: count('evaluations'), items: count('evaluation_items'), audit: count('audit_log'),
  });
  const before = await snap();
  await fn();
  assert.deepEqual(await snap(), before, `${what}: something changed`);
}

test('each rating scores its share of the item points; the sheet score is their exact sum', async () => {
  // One rating for all items: the sheet scores that percentage of 100 (P-5.5.2: points add up to 100).
  const uniform = { satisfied: [100, 'excellent'], fairly_satisfied: [90, 'excellent'], average: [70, 'qualified'], acceptable: [50, 'fail'] };
  for (const [form, stage] of [['pre', 'construction'], ['process', 'construction'], ['post', 'warranty']]) {
    for (const [rating, [score, grade]] of Object.entries(uniform)) {
      const e = await submitOk(cm, 'cm', PROJECT[stage], official(form, rate(form, rating)));
      assert.equal(e.score, score, `${form} all ${rating}`);
      assert.equal(e.grade, grade, `${form} all ${rating}`);
      for (const it of e.items) assert.equal(it.score, (it.points * PCT[rating]) / 100, `${form} ${it.key} ${rating}`);
    }
  }

  // Mixed: the in-construction sheet (points 15,10,10,10,10,10,10,5,10,10) rated in turn.
  assert.deepEqual(sheets.process.items.map((it) => it.points), [15, 10, 10, 10, 10, 10, 10, 5, 10, 10]);
  const cycle = ['satisfied', 'fairly_satisfied', 'average', 'acceptable'];
  const mixed = official('process', rate('process', sheets.process.items.map((_, i) => cycle[i % 4])),
    { period: '2026-Q1', customer_rep: '张伟', comment: '整体良好。\n资料报送略有滞后。' });
  const e = await submitOk(cm, 'cm', PROJECT.construction, mixed);
  assert.deepEqual(e.items.map((it) => it.score), [15, 9, 7, 5, 10, 9, 7, 2.5, 10, 9]);
  assert.equal(e.items[7].score, 2.5, 'a 5-point item rated acceptable is 2.5, not rounded');
  assert.equal(e.score, 83.5);
  assert.equal(e.grade, 'qualified');
  assert.equal(e.customer_rep, '张伟');
  assert.equal(e.comment, '整体良好。\n资料报送略有滞后。');
  assert.ok(!validateEval({ ...e, extra: 1 }) && !validateEval(withoutItems(e)), 'the documented Evaluation is closed and has items');

  // Ratings in any order: the answer lists the items in the sheet's order, with the same score.
  const reversed = await submitOk(cm, 'cm', PROJECT.construction, { ...mixed, items: [...mixed.items].reverse() });
  assert.deepEqual(reversed.items, e.items);
  assert.equal(reversed.score, 83.5);
  assert.notEqual(reversed.id, e.id);

  // Item scores of every rating on 15-, 10- and 5-point items, as PROCEDURE §7 states them.
  const byRating = { satisfied: [15, 10, 5], fairly_satisfied: [13.5, 9, 4.5], average: [10.5, 7, 3.5], acceptable: [7.5, 5, 2.5] };
  for (const [rating, want] of Object.entries(byRating)) {
    const got = await submitOk(cm, 'cm', PROJECT.construction, official('process', rate('process', rating)));
    assert.deepEqual([got.items[0].score, got.items[1].score, got.items[7].score], want, rating);
  }
});

test('grades at their boundaries: 69.5 fail, 70 qualified, 89.5 qualified, 90 excellent', async () => {
  const avg = Array(10).fill('average');
  const fair = Array(10).fill('fairly_satisfied');
  const at = (arr, changes) => { const a = [...arr]; for (const [i, r] of Object.entries(changes)) a[i] = r; return a; };
  const cases = [
    [at(avg, { 7: 'satisfied', 1: 'acceptable' }), 69.5, 'fail'],
    [avg, 70, 'qualified'],
    [at(fair, { 0: 'satisfied', 1: 'average' }), 89.5, 'qualified'],
    [fair, 90, 'excellent'],
  ];
  for (const [ratings, score, grade] of cases) {
    const items = rate('process', ratings);
    const mine = items.reduce((t, x, i) => t + tenths(sheets.process.items[i].points, x.rating), 0);
    assert.equal(mine / 10, score, 'the case is built right');
    const e = await submitOk(cm, 'cm', PROJECT.construction, official('process', items));
    assert.equal(e.score, score);
    assert.equal(e.grade, grade, `${score}`);
  }
});

test('serious items score their penalty (-5 or -10), carry a 5-20 summary deduction, and can make the sheet negative', async () => {
  // 15-point item serious at -5, the rest satisfied: 85 - 5 = 80, deduction 5 (not taken off the sheet).
  const a = await submitOk(cm, 'cm', PROJECT.construction,
    official('process', rate('process', [['serious', -5], ...Array(9).fill('satisfied')]), { summary_deduction: 5 }));
  assert.equal(a.score, 80);
  assert.equal(a.grade, 'qualified');
  assert.equal(a.serious, true);
  assert.equal(a.summary_deduction, 5);
  assert.deepEqual([a.items[0].rating, a.items[0].penalty, a.items[0].score], ['serious', -5, -5]);
  assert.ok(a.items.slice(1).every((it) => it.penalty === null), 'no penalty on the other items');

  // The post-completion sheet in warranty: a 20-point item serious at -10, deduction 20: 80 - 10 = 70.
  const post = sheets.post.items.map((it) => (it.key === 'warranty_response' ? ['serious', -10] : 'satisfied'));
  const b = await submitOk(cm, 'cm', PROJECT.warranty, official('post', rate('post', post), { summary_deduction: 20 }));
  assert.equal(b.score, 70);
  assert.equal(b.grade, 'qualified');
  assert.equal(b.summary_deduction, 20);

  // Two serious items on the pre-contract sheet (points 15,15,10,15,10,10,15,10): 70 - 5 - 10 = 55.
  assert.deepEqual(sheets.pre.items.map((it) => it.points), [15, 15, 10, 15, 10, 10, 15, 10]);
  const c = await submitOk(cm, 'cm', PROJECT.construction,
    official('pre', rate('pre', [['serious', -5], ['serious', -10], ...Array(6).fill('satisfied')]), { summary_deduction: 12 }));
  assert.equal(c.score, 55);
  assert.equal(c.grade, 'fail');

  // Every item serious at -10: the sheet scores -100 (not clamped).
  const d = await submitOk(cm, 'cm', PROJECT.construction,
    official('process', rate('process', Array(10).fill(['serious', -10])), { summary_deduction: 20 }));
  assert.equal(d.score, -100);
  assert.equal(d.grade, 'fail');
  assert.ok(d.items.every((it) => it.score === -10));
  const e = await submitOk(cm, 'cm', PROJECT.construction,
    official('process', rate('process', Array(10).fill(['serious', -5])), { summary_deduction: 5 }));
  assert.equal(e.score, -50);

  // A penalty of null on a non-serious item, and a deduction of 0 or null without one, are no penalty.
  const f = await submitOk(cm, 'cm', PROJECT.construction,
    official('process', rate('process', 'satisfied').map((x, i) => (i === 2 ? { ...x, penalty: null } : x)), { summary_deduction: 0 }));
  assert.equal(f.summary_deduction, 0);
  assert.equal(f.serious, false);
  await submitOk(cm, 'cm', PROJECT.construction, official('process', rate('process', 'satisfied'), { summary_deduction: null }));
});

/** A valid official in-construction sheet (all satisfied) whose item 3 is replaced by ITEM. */
const item3 = (item, extra = {}) => official('process', rate('process', 'satisfied').map((x, i) => (i === 3 ? item : x)), extra);
/** Item 3 serious with PENALTY; the sheet carries DEDUCTION (5 when not given; undefined: no member). */
const serious3 = (penalty, ...deduction) => {
  const it = { key: sheets.process.items[3].key, rating: 'serious' };
  if (penalty !== undefined) it.penalty = penalty;
  const d = deduction.length ? deduction[0] : 5;
  return item3(it, d === undefined ? {} : { summary_deduction: d });
};
const drop = (body, member) => { const b = { ...body }; delete b[member]; return b; };

test('refused submissions: status, code and field; nothing is stored', async () => {
  const good = () => official('process', rate('process', 'satisfied'));
  const key3 = () => sheets.process.items[3].key;
  /** [what, client, project, body, status, code, field] */
  const BAD = [
    // the top-level members
    ['form during', cm, 1, { ...good(), form: 'during' }, 400, 'invalid', 'form'],
    ['form 6.2', cm, 1, { ...good(), form: '6.2' }, 400, 'invalid', 'form'],
    ['form a number', cm, 1, { ...good(), form: 2 }, 400, 'invalid', 'form'],
    ['form absent', cm, 1, drop(good(), 'form'), 400, 'missing_field', 'form'],
    ['kind spot_check', cm, 1, { ...good(), kind: 'spot_check' }, 400, 'invalid', 'kind'],
    ['kind absent', cm, 1, drop(good(), 'kind'), 400, 'missing_field', 'kind'],
    ['date 2026-02-30', cm, 1, { ...good(), date: '2026-02-30' }, 400, 'invalid', 'date'],
    ['date 2026-02-29', cm, 1, { ...good(), date: '2026-02-29' }, 400, 'invalid', 'date'],
    ['date 2026-3-1', cm, 1, { ...good(), date: '2026-3-1' }, 400, 'invalid', 'date'],
    ['date 2026/03/01', cm, 1, { ...good(), date: '2026/03/01' }, 400, 'invalid', 'date'],
    ['date null', cm, 1, { ...good(), date: null }, 400, 'invalid', 'date'],
    ['date a timestamp', cm, 1, { ...good(), date: '2026-03-01T08:00:00Z' }, 400, ['invalid', 'too_long'], 'date'],
    ['date absent', cm, 1, drop(good(), 'date'), 400, 'missing_field', 'date'],
    ['period 2026-13', cm, 1, { ...good(), period: '2026-13' }, 400, 'invalid', 'period'],
    ['period 2026-00', cm, 1, { ...good(), period: '2026-00' }, 400, 'invalid', 'period'],
    ['period 2026-Q5', cm, 1, { ...good(), period: '2026-Q5' }, 400, 'invalid', 'period'],
    ['period 2026-Q0', cm, 1, { ...good(), period: '2026-Q0' }, 400, 'invalid', 'period'],
    ['period 2026-q1', cm, 1, { ...good(), period: '2026-q1' }, 400, 'invalid', 'period'],
    ['period 2026/01', cm, 1, { ...good(), period: '2026/01' }, 400, 'invalid', 'period'],
    ['period 2026-1', cm, 1, { ...good(), period: '2026-1' }, 400, 'invalid', 'period'],
    ['period empty', cm, 1, { ...good(), period: '' }, 400, 'invalid', 'period'],
    ['period 2026-001', cm, 1, { ...good(), period: '2026-001' }, 400, ['invalid', 'too_long'], 'period'],
    ['period a number', cm, 1, { ...good(), period: 202601 }, 400, 'invalid', 'period'],
    ['unknown member score', cm, 1, { ...good(), score: 100 }, 400, 'unknown_field', 'score'],
    ['unknown member project_id', cm, 1, { ...good(), project_id: 2 }, 400, 'unknown_field', 'project_id'],
    ['customer_rep 51 characters', cm, 1, { ...good(), customer_rep: '王'.repeat(51) }, 400, 'too_long', 'customer_rep'],
    ['customer_rep with a line break', cm, 1, { ...good(), customer_rep: '张\n伟' }, 400, 'invalid', 'customer_rep'],
    ['comment 2001 characters', cm, 1, { ...good(), comment: '评'.repeat(2001) }, 400, 'too_long', 'comment'],
    // items as a whole
    ['items absent', cm, 1, drop(good(), 'items'), 400, 'missing_field', 'items'],
    ['items empty', cm, 1, { ...good(), items: [] }, 400, 'missing_field', 'items'],
    ['items a string', cm, 1, { ...good(), items: 'satisfied' }, 400, 'invalid', 'items'],
    ['items an object', cm, 1, { ...good(), items: { works_quality: 'satisfied' } }, 400, 'invalid', 'items'],
    ['items null', cm, 1, { ...good(), items: null }, 400, 'invalid', 'items'],
    ['31 items', cm, 1, { ...good(), items: [...good().items, ...good().items, ...good().items, good().items[0]] }, 400, 'too_long', 'items'],
    ['first item not rated', cm, 1, { ...good(), items: good().items.slice(1) }, 400, 'missing_field', 'items'],
    ['last item not rated', cm, 1, { ...good(), items: good().items.slice(0, -1) }, 400, 'missing_field', 'items'],
    ['items of the pre-contract sheet on form process', cm, 1, { ...good(), items: rate('pre', 'satisfied') }, 400, 'invalid', 'items[0]'],
    // one rating (index 3 in the request)
    ['item key not on the sheet', cm, 1, item3({ key: 'nope', rating: 'satisfied' }), 400, 'invalid', 'items[3]'],
    ['item key absent', cm, 1, item3({ rating: 'satisfied' }), 400, 'invalid', 'items[3]'],
    ['item key a number', cm, 1, item3({ key: 3, rating: 'satisfied' }), 400, 'invalid', 'items[3]'],
    ['item rated twice', cm, 1, item3({ key: sheets.process.items[0].key, rating: 'satisfied' }), 400, 'invalid', 'items[3]'],
    ['item rated twice (extra at the end)', cm, 1, { ...good(), items: [...good().items, good().items[0]] }, 400, 'invalid', 'items[10]'],
    ['rating unsatisfied', cm, 1, item3({ key: key3(), rating: 'unsatisfied' }), 400, 'invalid', 'items[3]'],
    ['rating Satisfied', cm, 1, item3({ key: key3(), rating: 'Satisfied' }), 400, 'invalid', 'items[3]'],
    ['rating 满意', cm, 1, item3({ key: key3(), rating: '满意' }), 400, 'invalid', 'items[3]'],
    ['rating null', cm, 1, item3({ key: key3(), rating: null }), 400, 'invalid', 'items[3]'],
    ['rating absent', cm, 1, item3({ key: key3() }), 400, 'invalid', 'items[3]'],
    ['rating a number', cm, 1, item3({ key: key3(), rating: 100 }), 400, 'invalid', 'items[3]'],
    ['rating with member points', cm, 1, item3({ key: key3(), rating: 'satisfied', points: 10 }), 400, 'unknown_field', 'items[3]'],
    ['rating with member score', cm, 1, item3({ key: key3(), rating: 'satisfied', score: 10 }), 400, 'unknown_field', 'items[3]'],
    ['rating null item', cm, 1, item3(null), 400, 'invalid', 'items[3]'],
    ['rating a string', cm, 1, item3('satisfied'), 400, 'invalid', 'items[3]'],
    ['rating an array', cm, 1, item3([key3(), 'satisfied']), 400, 'invalid', 'items[3]'],
    ['penalty -5.5', cm, 1, serious3(-5.5), 400, 'invalid', 'items[3]'],
    ['penalty "-5"', cm, 1, serious3('-5'), 400, 'invalid', 'items[3]'],
    ['penalty true', cm, 1, serious3(true), 400, 'invalid', 'items[3]'],
    // penalty exactly when serious, within -10..-5 (scoring_check: items[N].penalty)
    ['serious without a penalty', cm, 1, serious3(undefined), 400, 'invalid', 'items[3].penalty'],
    ['serious with penalty null', cm, 1, serious3(null), 400, 'invalid', 'items[3].penalty'],
    ['serious with penalty 0', cm, 1, serious3(0), 400, 'invalid', 'items[3].penalty'],
    ['serious with penalty -4', cm, 1, serious3(-4), 400, 'invalid', 'items[3].penalty'],
    ['serious with penalty -11', cm, 1, serious3(-11), 400, 'invalid', 'items[3].penalty'],
    ['serious with penalty 5', cm, 1, serious3(5), 400, 'invalid', 'items[3].penalty'],
    ['serious with penalty -100', cm, 1, serious3(-100), 400, 'invalid', 'items[3].penalty'],
    ['serious with penalty -2^32-5 (not wrapped to -5)', cm, 1, serious3(-4294967301), 400, 'invalid', 'items[3].penalty'],
    ['penalty -5 on a satisfied item', cm, 1, item3({ key: key3(), rating: 'satisfied', penalty: -5 }), 400, 'invalid', 'items[3].penalty'],
    ['penalty -10 on an acceptable item', cm, 1, item3({ key: key3(), rating: 'acceptable', penalty: -10 }), 400, 'invalid', 'items[3].penalty'],
    ['penalty 0 on a satisfied item', cm, 1, item3({ key: key3(), rating: 'satisfied', penalty: 0 }), 400, 'invalid', 'items[3].penalty'],
    // summary deduction exactly when some item is serious, within 5..20
    ['serious without a deduction', cm, 1, serious3(-5, undefined), 400, 'invalid', 'summary_deduction'],
    ['serious with deduction null', cm, 1, serious3(-5, null), 400, 'invalid', 'summary_deduction'],
    ['serious with deduction 0', cm, 1, serious3(-5, 0), 400, 'invalid', 'summary_deduction'],
    ['serious with deduction 4', cm, 1, serious3(-5, 4), 400, 'invalid', 'summary_deduction'],
    ['serious with deduction 21', cm, 1, serious3(-10, 21), 400, 'invalid', 'summary_deduction'],
    ['serious with deduction -5', cm, 1, serious3(-10, -5), 400, 'invalid', 'summary_deduction'],
    ['serious with deduction 2^32+5 (not wrapped to 5)', cm, 1, serious3(-5, 4294967301), 400, 'invalid', 'summary_deduction'],
    ['serious with deduction 5.5', cm, 1, serious3(-5, 5.5), 400, 'invalid', 'summary_deduction'],
    ['serious with deduction "5"', cm, 1, serious3(-5, '5'), 400, 'invalid', 'summary_deduction'],
    ['deduction 5 without a serious item', cm, 1, { ...good(), summary_deduction: 5 }, 400, 'invalid', 'summary_deduction'],
    ['deduction 20 without a serious item', cm, 1, { ...good(), summary_deduction: 20 }, 400, 'invalid', 'summary_deduction'],
    ['deduction -5 without a serious item', cm, 1, { ...good(), summary_deduction: -5 }, 400, 'invalid', 'summary_deduction'],
    // who makes which kind (P-5.4)
    ['official by project', project, 1, good(), 403, 'forbidden', 'kind'],
    ['self_check by cm', cm, 1, selfCheck(rate('process', 'satisfied')), 403, 'forbidden', 'kind'],
    // self-check rules
    ['self_check on pre', project, 1, selfCheck(rate('pre', 'satisfied'), { form: 'pre' }), 422, 'self_check_form', 'form'],
    ['self_check on post', project, 2, selfCheck(rate('post', 'satisfied'), { form: 'post' }), 422, 'self_check_form', 'form'],
    ['self_check without a period', project, 1, drop(selfCheck(rate('process', 'satisfied')), 'period'), 400, 'missing_field', 'period'],
    ['self_check with period null', project, 1, selfCheck(rate('process', 'satisfied'), { period: null }), 400, 'missing_field', 'period'],
    ['self_check for a quarter', project, 1, selfCheck(rate('process', 'satisfied'), { period: '2026-Q1' }), 400, 'invalid', 'period'],
    ['self_check for month 13', project, 1, selfCheck(rate('process', 'satisfied'), { period: '2026-13' }), 400, 'invalid', 'period'],
    ['self_check in warranty', project, 2, selfCheck(rate('process', 'satisfied')), 422, 'stage_fit', 'form'],
  ];
  for (const [what, c, pid, body, status, code, field] of BAD) {
    await unchanged(async () => err(await submit(c, pid, body), status, code, field), what);
  }
});

test('a penalty fault names the rating as sent (items[N] counted in the request), whatever the order', async () => {
  const reversed = rate('process', 'satisfied').reverse(); // request index 0 is the sheet's last item
  await unchanged(async () => {
    const bad = reversed.map((x, i) => (i === 0 ? { ...x, rating: 'serious', penalty: -4 } : x));
    err(await submit(cm, 1, official('process', bad, { summary_deduction: 5 })), 400, 'invalid', 'items[0].penalty');
    const stray = reversed.map((x, i) => (i === 1 ? { ...x, penalty: -5 } : x));
    err(await submit(cm, 1, official('process', stray)), 400, 'invalid', 'items[1].penalty');
  }, 'reordered ratings with a penalty fault');
});

test('other body faults: not JSON, not an object, duplicate members, wrong content type', async () => {
  const json = { headers: { 'content-type': 'application/json' }, raw: true };
  await unchanged(async () => {
    err(await cm.request('POST', '/api/v1/projects/1/evaluations', '{"form":"process"', json), 400, 'invalid_json');
    err(await cm.request('POST', '/api/v1/projects/1/evaluations', '[]', json), 400, 'invalid_json');
    err(await cm.request('POST', '/api/v1/projects/1/evaluations', '{"form":"process","form":"pre","kind":"official","date":"2026-03-01","items":[]}', json), 400, 'invalid_json');
    err(await cm.request('POST', '/api/v1/projects/1/evaluations', JSON.stringify(official('process', rate('process', 'satisfied'))),
      { raw: true, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
  }, 'malformed bodies');
});

test('roles: cm and project submit; every other role 403, invisible projects 404; nothing stored', async () => {
  const body = official('process', rate('process', 'satisfied'));
  for (const role of STAFF_NOT_EVALUATING) {
    const c = tokenClient(s, role);
    await unchanged(async () => {
      err(await submit(c, 1, body), 403, 'forbidden');
      err(await submit(c, 1, selfCheck(rate('process', 'satisfied'))), 403, 'forbidden');
      err(await submit(c, 1, { form: 'nope' }), 403, 'forbidden'); // the role before the body
    }, role);
  }
  await unchanged(async () => {
    err(await submit(customer, PROJECT.construction, body), 403, 'forbidden'); // its own project: visible
    err(await submit(customer, PROJECT.other_customer, body), 404, 'not_found'); // another customer's: invisible
    for (const pid of [3, 4, 5, 6]) {
      err(await submit(project, pid, selfCheck(rate('process', 'satisfied'))), 404, 'not_found');
    }
    err(await submit(tokenClient(s, 'zheng.kai'), 1, selfCheck(rate('process', 'satisfied'))), 404, 'not_found');
    err(await submit(cm, 999999, body), 404, 'not_found');
    err(await submit(api(s.url), 1, body), 401, 'unauthorized');
  }, 'not allowed or not visible');

  // Cookie sessions need the CSRF token; with it both evaluating roles submit.
  const cmCookie = await loginClient(s, 'cm', PASSWORD);
  await unchanged(async () => {
    err(await cmCookie.post('/api/v1/projects/1/evaluations', body, { headers: { 'x-csrf-token': 'wrong' } }), 403, 'csrf');
  }, 'wrong CSRF token');
  await submitOk(cmCookie, 'cm', 1, body);
  const pjCookie = await loginClient(s, 'project', PASSWORD);
  await submitOk(pjCookie, 'project', 1, selfCheck(rate('process', 'fairly_satisfied')));
  // zheng.kai, a project user, self-checks its own project 5 (in construction).
  await submitOk(tokenClient(s, 'zheng.kai'), 'zheng.kai', PROJECT.other_customer, selfCheck(rate('process', 'average')));
});

test('stage fit: pre from the contract signing on, process in construction, post in warranty', async () => {
  const stageOf = async (pid) => ok(await admin.get(`/api/v1/projects/${pid}`), 200).stage;
  async function tryAll(pid, stage) {
    assert.equal(await stageOf(pid), stage, `project ${pid}`);
    for (const form of ['pre', 'process', 'post']) {
      const body = official(form, rate(form, 'fairly_satisfied'), { date: '2026-02-10' });
      if (FITS[form].includes(stage)) {
        const e = await submitOk(cm, 'cm', pid, body);
        assert.equal(e.form, form);
      } else {
        await unchanged(async () => err(await submit(cm, pid, body), 422, 'stage_fit', 'form'), `${form} in ${stage}`);
      }
    }
  }
  // The demo projects in each stage.
  for (const stage of ['construction', 'warranty', 'pre_contract', 'post_warranty']) await tryAll(PROJECT[stage], stage);
  // One project walked through every stage: the fit follows the stage it is in now.
  const pid = 6;
  await tryAll(pid, 'pre_contract');
  for (const [type, date, stage] of [['contract_signed', '2024-01-10', 'construction'], ['completion_filed', '2025-06-30', 'warranty'], ['warranty_ended', '2026-06-30', 'post_warranty']]) {
    ok(await admin.post(`/api/v1/projects/${pid}/events`, { type, date }), 201);
    await tryAll(pid, stage);
  }
});

test('self-checks: the project team, on 6.2, for a month; official ones for a month, a quarter or none', async () => {
  const a = await submitOk(project, 'project', 1, selfCheck(rate('process', 'satisfied'), { period: '2026-01', date: '2026-02-03', comment: '一月自查' }));
  assert.equal(a.kind, 'self_check');
  assert.equal(a.period, '2026-01');
  assert.equal(a.form, 'process');
  assert.equal(a.user_id, users.project.id);
  const b = await submitOk(project, 'project', 1,
    selfCheck(rate('process', [['serious', -5], ...Array(9).fill('satisfied')]), { period: '2026-12', summary_deduction: 5 }));
  assert.equal(b.score, 80);
  for (const period of ['2026-Q1', '2026-Q4', '2026-03', '2026-12', null]) {
    const e = await submitOk(cm, 'cm', 1, official('process', rate('process', 'satisfied'), { period }));
    assert.equal(e.period, period);
  }
  const none = await submitOk(cm, 'cm', 1, official('process', rate('process', 'satisfied')));
  assert.equal(none.period, null);
});

test('visibility: customers never see self-checks; others\' projects are 404', async () => {
  const self = await submitOk(project, 'project', 1, selfCheck(rate('process', 'acceptable'), { period: '2026-04', date: '2026-05-02' }));
  const off = await submitOk(cm, 'cm', 1, official('process', rate('process', 'average'), { date: '2026-05-02' }));
  const other = await submitOk(cm, 'cm', PROJECT.other_customer, official('process', rate('process', 'satisfied')));
  const all = await listOf(1);
  conforms(validateList, all, 'GET /api/v1/projects/1/evaluations');
  assert.ok(all.some((e) => e.kind === 'self_check') && all.some((e) => e.kind === 'official'), 'both kinds on project 1');

  // The customer of project 1: its officials only, the same as staff see them.
  const mine = await listOf(1, customer);
  conforms(validateList, mine, 'customer list');
  // ... without the links to penalty cases and reviews, which are internal.
  const forCustomer = ({ case_id: c, review_id: r, ...rest }) => rest;
  assert.deepEqual(mine, all.filter((e) => e.kind === 'official').map(forCustomer), 'customer sees exactly the official evaluations');
  assert.deepEqual(await getOne(off.id, customer), forCustomer(off));
  err(await customer.get(`/api/v1/evaluations/${self.id}`), 404, 'not_found');
  assert.ok((await listOf(2, customer)).every((e) => e.kind === 'official'));
  err(await customer.get(`/api/v1/projects/${PROJECT.other_customer}/evaluations`), 404, 'not_found');
  err(await customer.get(`/api/v1/evaluations/${other.id}`), 404, 'not_found');
  const customerCookie = await loginClient(s, 'customer', PASSWORD);
  assert.deepEqual(await listOf(1, customerCookie), mine);

  // The project team sees its projects' evaluations, self-checks included, and nothing else.
  assert.deepEqual(await listOf(1, project), all);
  assert.deepEqual(await getOne(self.id, project), self);
  err(await project.get(`/api/v1/evaluations/${other.id}`), 404, 'not_found');
  for (const pid of [3, 4, 5, 6]) err(await project.get(`/api/v1/projects/${pid}/evaluations`), 404, 'not_found');
  const zk = tokenClient(s, 'zheng.kai');
  err(await zk.get('/api/v1/projects/1/evaluations'), 404, 'not_found');
  err(await zk.get(`/api/v1/evaluations/${self.id}`), 404, 'not_found');
  err(await zk.get(`/api/v1/evaluations/${off.id}`), 404, 'not_found');
  assert.ok((await listOf(PROJECT.other_customer, zk)).some((e) => e.id === other.id));

  // Other staff see everything, self-checks included.
  for (const role of ALL_STAFF.filter((r) => r !== 'project')) {
    const c = tokenClient(s, role);
    assert.deepEqual(await listOf(1, c), all, role);
    assert.deepEqual(await getOne(self.id, c), self, role);
    assert.deepEqual(await getOne(other.id, c), other, role);
  }
  err(await api(s.url).get(`/api/v1/evaluations/${off.id}`), 401, 'unauthorized');
  err(await cm.get('/api/v1/evaluations/999999'), 404, 'not_found');
  err(await cm.get('/api/v1/projects/999999/evaluations'), 404, 'not_found');
});

test('the list is ordered by date, then by id', async () => {
  const dates = ['2026-09-01', '2025-03-01', '2026-06-15', '2025-03-01', '2027-01-31'];
  const made = [];
  for (const date of dates) made.push(await submitOk(cm, 'cm', PROJECT.warranty, official('post', rate('post', 'satisfied'), { date })));
  const list = await listOf(PROJECT.warranty);
  conforms(validateList, list, 'GET /api/v1/projects/2/evaluations');
  const sorted = [...list].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id));
  assert.deepEqual(ids(list), ids(sorted));
  const mine = ids(list).filter((id) => made.some((e) => e.id === id));
  assert.deepEqual(mine, [made[1].id, made[3].id, made[2].id, made[0].id, made[4].id]);
  for (const e of list) assert.equal(e.items, undefined, 'listed without items');
});

test('a submitted evaluation never changes: PATCH, PUT, DELETE are 405', async () => {
  const e = await submitOk(cm, 'cm', 1, official('process', rate('process', [['serious', -10], ...Array(9).fill('average')]), { summary_deduction: 10, comment: '原始' }));
  const cookie = await loginClient(s, 'cm', PASSWORD);
  for (const c of [cm, admin, cookie, project]) {
    await unchanged(async () => {
      err(await c.patch(`/api/v1/evaluations/${e.id}`, { score: 100, comment: '改' }), 405, 'method_not_allowed');
      err(await c.patch(`/api/v1/evaluations/${e.id}`, { items: rate('process', 'satisfied') }), 405, 'method_not_allowed');
      err(await c.put(`/api/v1/evaluations/${e.id}`, official('process', rate('process', 'satisfied'))), 405, 'method_not_allowed');
      err(await c.del(`/api/v1/evaluations/${e.id}`), 405, 'method_not_allowed');
      err(await c.post(`/api/v1/evaluations/${e.id}`, official('process', rate('process', 'satisfied'))), 405, 'method_not_allowed');
    }, 'changing an evaluation');
  }
  assert.deepEqual(await getOne(e.id), e, 'unchanged');
  assert.equal(s.sql(`SELECT count(*) FROM evaluation_items WHERE evaluation_id = ${e.id}`), '10');
});

test('concurrent submissions are all stored, each once', async () => {
  const before = count('evaluations');
  const bodies = Array.from({ length: 8 }, (_, i) => official('process', rate('process', i % 2 ? 'average' : 'satisfied'), { date: `2026-07-${String(i + 1).padStart(2, '0')}` }));
  const rs = await Promise.all(bodies.map((b) => submit(cm, 1, b)));
  for (const r of rs) ok(r, 201);
  assert.equal(new Set(rs.map((r) => r.body.id)).size, 8);
  assert.equal(count('evaluations'), before + 8);
  rs.forEach((r, i) => assert.equal(r.body.score, i % 2 ? 70 : 100));
});

test('a new sheet version: new evaluations use it, earlier ones keep theirs', async () => {
  const earlier = (await listOf(1)).filter((e) => e.form === 'process');
  const before = await Promise.all(earlier.map((e) => getOne(e.id)));
  const v2 = ok(await admin.post('/api/v1/forms', { key: 'process', items: [
    { key: 'quality', title: '工程质量', points: 55 },
    { key: 'service', title: '服务态度', points: 45 },
  ] }), 201);
  const v1 = sheets.process;
  // The old items are no longer the sheet's.
  await unchanged(async () => err(await submit(cm, 1, official('process', rate('process', 'satisfied'))), 400, 'invalid', 'items[0]'), 'v1 items on v2');
  sheets.process = v2;
  try {
    const e = await submitOk(cm, 'cm', 1, official('process', rate('process', ['acceptable', 'fairly_satisfied'])));
    assert.equal(e.form_id, v2.id);
    assert.equal(e.form_version, v1.version + 1);
    assert.equal(e.score, 27.5 + 40.5);
    assert.equal(e.grade, 'fail');
    await unchanged(async () => err(await submit(cm, 1, official('process', [{ key: 'quality', rating: 'satisfied' }])), 400, 'missing_field', 'items'), 'v2 half rated');
    assert.deepEqual(await Promise.all(earlier.map((x) => getOne(x.id))), before, 'earlier evaluations keep their sheet version');
    assert.ok(before.every((x) => x.form_id === v1.id && x.items.length === 10));
  } finally {
    sheets.process = v1;
  }
});

test('every submission is in the audit chain and kefu audit verify exits 0', async () => {
  const all = s.sql('SELECT id FROM evaluations ORDER BY id').split('\n').map(Number);
  assert.ok(all.length > 50, `${all.length} evaluations submitted`);
  for (const entity of ['evaluation', 'evaluation_items']) {
    const audited = s.sql(`SELECT entity_id FROM audit_log WHERE action = 'evaluation.submit' AND entity = '${entity}' ORDER BY entity_id`).split('\n').map(Number);
    assert.deepEqual(audited, all, `one evaluation.submit entry for entity ${entity} per evaluation`);
  }
  const v = cli(['audit', 'verify', '--db', s.db]);
  assert.equal(v.status, 0, `kefu audit verify: ${v.stdout}${v.stderr}`);
});


test('tamper: an evaluation or one of its rated items changed behind kefu\'s back → verify exits 1 naming it', async () => {
  const t = await startServer();
  let stopped = false;
  try {
    const c = tokenClient(t, 'cm');
    const pj = tokenClient(t, 'project');
    const forms = Object.fromEntries(ok(await c.get('/api/v1/forms'), 200).map((f) => [f.key, f]));
    const items = (form, r) => forms[form].items.map((it) => ({ key: it.key, rating: r }));
    const a = ok(await submit(c, 1, official('process', items('process', 'average'))), 201);
    const b = ok(await submit(pj, 1, selfCheck(items('process', 'satisfied'))), 201);
    const d = ok(await submit(c, 2, official('post', items('post', 'fairly_satisfied'))), 201);
    const verify = () => { const r = cli(['audit', 'verify', '--db', t.db]); return { status: r.status, out: r.stdout + r.stderr }; };
    assert.equal(verify().status, 0, verify().out);
    await t.stop({ keep: true });
    stopped = true;
    const db = t.db;
    assert.equal(verify().status, 0, `after a graceful stop: ${verify().out}`);

    // The score of an evaluation raised: detected, and named.
    const score = sql(db, `SELECT score FROM evaluations WHERE id = ${a.id}`);
    assert.equal(score, '700');
    tamper(db, 'evaluations', `UPDATE evaluations SET score = 950, grade = 'excellent' WHERE id = ${a.id}`);
    let r = verify();
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, new RegExp(`\\bevaluation\\b[^\\n]*\\b${a.id}\\b`), `evaluation ${a.id} not named: ${r.out}`);
    tamper(db, 'evaluations', `UPDATE evaluations SET score = ${score}, grade = 'qualified' WHERE id = ${a.id}`);
    assert.equal(verify().status, 0, `restored: ${verify().out}`);

    // A self-check turned into an official one: detected.
    tamper(db, 'evaluations', `UPDATE evaluations SET kind = 'official' WHERE id = ${b.id}`);
    r = verify();
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, new RegExp(`\\bevaluation\\b[^\\n]*\\b${b.id}\\b`), r.out);
    tamper(db, 'evaluations', `UPDATE evaluations SET kind = 'self_check' WHERE id = ${b.id}`);
    assert.equal(verify().status, 0, `restored: ${verify().out}`);

    // One rated item of an evaluation changed: detected, and the evaluation's items named.
    tamper(db, 'evaluation_items', `UPDATE evaluation_items SET rating = 'satisfied', score = 200 WHERE evaluation_id = ${d.id} AND position = 2`);
    r = verify();
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, new RegExp(`\\bevaluation_items\\b[^\\n]*\\b${d.id}\\b`), `evaluation_items ${d.id} not named: ${r.out}`);
    tamper(db, 'evaluation_items', `UPDATE evaluation_items SET rating = 'fairly_satisfied', score = 180 WHERE evaluation_id = ${d.id} AND position = 2`);
    assert.equal(verify().status, 0, `restored: ${verify().out}`);

    // A rated item deleted: detected.
    const row = sql(db, `SELECT key, title, points, rating, penalty, score FROM evaluation_items WHERE evaluation_id = ${a.id} AND position = 0`);
    assert.ok(row, 'item 0 of a exists');
    tamper(db, 'evaluation_items', `DELETE FROM evaluation_items WHERE evaluation_id = ${a.id} AND position = 0`);
    r = verify();
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, new RegExp(`\\bevaluation_items\\b[^\\n]*\\b${a.id}\\b`), r.out);
  } finally {
    if (!stopped) await t.stop();
    else {
      rmSync(t.dir, { recursive: true, force: true });
      if (PG && t.db.startsWith('postgres')) sql(PG, `DROP DATABASE IF EXISTS ${new URL(t.db).pathname.slice(1)} WITH (FORCE)`);
    }
  }
});

test('an evaluation inserted behind kefu\'s back, with no audit entry, is detected on its own', async () => {
  const t = await startServer();
  let stopped = false;
  try {
    const c = tokenClient(t, 'cm');
    const forms = Object.fromEntries(ok(await c.get('/api/v1/forms'), 200).map((f) => [f.key, f]));
    const d = ok(await submit(c, 2, official('post', forms.post.items.map((it) => ({ key: it.key, rating: 'satisfied' })))), 201);
    await t.stop({ keep: true });
    stopped = true;
    tamper(t.db, 'evaluations', `INSERT INTO evaluations (project_id, form_id, form, kind, period, date, score, grade, serious, summary_deduction, user_id, created_at)
      SELECT project_id, form_id, form, kind, period, date, 1000, 'excellent', 0, 0, user_id, created_at FROM evaluations WHERE id = ${d.id}`);
    const r = cli(['audit', 'verify', '--db', t.db]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
  } finally {
    if (!stopped) await t.stop();
    else {
      rmSync(t.dir, { recursive: true, force: true });
      if (PG && t.db.startsWith('postgres')) sql(PG, `DROP DATABASE IF EXISTS ${new URL(t.db).pathname.slice(1)} WITH (FORCE)`);
    }
  }
});
