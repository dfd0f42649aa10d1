// Browser tests of the evaluation pages (issue 4): an inspector fills a score sheet on a tablet,
// amends one, the leader decides a penalty case, cm closes an improvement review, the quarterly
// table sorts and exports CSV; customers see none of the staff pages; English labels.
// A real kefu server on a fresh demo database, driven through Debian's chromium (playwright-core).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBrowser, apiSessions, SHOTS } from '../lib/browser.mjs';
import { DEMO_PASSWORD } from '../lib/server.mjs';

const TABLET = { width: 1024, height: 768 };
const TABLET_PORTRAIT = { width: 768, height: 1024 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };
// The demo company (kefu init --demo): project 1 in construction, 2 in warranty, 3 pre-contract,
// 4 post-warranty (customer 1 owns 1 and 2), 5 in construction (zheng.kai's); "project" is a
// member of 1 and 2.
const P = { construction: 1, warranty: 2, pre_contract: 3, post_warranty: 4, other: 5 };
const PCT = { satisfied: 100, fairly_satisfied: 90, average: 70, acceptable: 50 };
const ZH_RATING = { satisfied: '满意', fairly_satisfied: '较满意', average: '一般', acceptable: '合格', serious: '严重问题' };

/** Exact tenths, as PROCEDURE §7 — computed here, independently of the page and the server. */
const tenths = (points, rating, penalty) => (rating === 'serious' ? penalty * 10 : (points * PCT[rating]) / 10);
const fmt = (t) => `${t < 0 ? '-' : ''}${Math.floor(Math.abs(t) / 10)}.${Math.abs(t) % 10}`;
const gradeZh = (t) => (t >= 900 ? '优良' : t >= 700 ? '合格' : '不合格');
const num = (n) => (n === null || n === undefined ? '—' : n.toFixed(1));

/** Today in the browser's (and server's) time zone, as the page defaults it. */
function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
function currentQuarter() {
  const d = new Date();
  return `${d.getFullYear()}-Q${Math.floor(d.getMonth() / 3) + 1}`;
}

let srv; let ctx; let page; let sheets; let dirs;
let pageErrors;

/** A signed-in API client (cookie session) for USERNAME, made once. */
const as = apiSessions(() => srv.url);

/** Every item of SHEET rated RATING (or one rating per item from a list); [rating, penalty] for serious. */
function rateAll(form, ratings) {
  return sheets[form].items.map((it, i) => {
    const r = Array.isArray(ratings) ? ratings[i] : ratings;
    return Array.isArray(r) ? { key: it.key, rating: r[0], penalty: r[1] } : { key: it.key, rating: r };
  });
}

async function evaluate(username, pid, body) {
  const c = await as(username);
  const r = await c.post(`/api/v1/projects/${pid}/evaluations`, body);
  assert.equal(r.status, 201, `POST evaluation: ${r.status} ${r.text}`);
  return r.body;
}

useBrowser({
  viewport: TABLET,
  context: { hasTouch: true, acceptDownloads: true },
  ready: async (h) => {
    ({ srv, ctx, page, pageErrors, dirs } = h);
    const admin = await as('admin');
    const forms = (await admin.get('/api/v1/forms')).body;
    sheets = Object.fromEntries(forms.map((f) => [f.key, f]));
  },
});

async function signIn(username) {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('user-box').waitFor();
  // Customers start at their requests (the portal), staff at the projects.
  if (username === 'customer') await page.locator('[data-nav=requests].active').waitFor();
  else await page.getByTestId('projects-table').waitFor();
}

async function openProject(pid) {
  await page.goto(`${srv.url}/#/projects/${pid}`);
  await page.getByTestId('timeline').waitFor();
  await page.locator('.summary-card').waitFor();
}

const item = (key) => page.getByTestId(`item-${key}`);
const rateBtn = (key, rating) => item(key).locator(`.rate-btn[data-rating=${rating}]`);

it('cm fills the 6.2 sheet on a tablet: live score, a serious item with penalty and deduction, confirmation, summary and history', async () => {
  await signIn('cm');
  await openProject(P.construction);
  // Construction: the pre-contract and in-construction sheets fit, the post-completion one does not.
  assert.equal(await page.getByTestId('evaluate-pre').count(), 1);
  assert.equal(await page.getByTestId('evaluate-process').count(), 1);
  assert.equal(await page.getByTestId('evaluate-post').count(), 0);
  assert.equal(await page.getByTestId('evaluate-self-check').count(), 0, 'cm makes official evaluations only');
  await page.getByTestId('evaluate-process').tap();
  await page.getByTestId('eval-form').waitFor();
  assert.match(page.url(), /#\/projects\/1\/evaluate\?form=process$/);
  const sheet = sheets.process;
  assert.equal(await page.locator('.eval-item').count(), sheet.items.length);
  assert.equal(await page.getByTestId('sheet-title').textContent(), sheet.title);
  assert.equal(await page.getByTestId('eval-date').inputValue(), today(), 'the date defaults to today');
  assert.equal(await page.getByTestId('eval-score').textContent(), '0.0');
  assert.equal(await page.getByTestId('deduction-field').isVisible(), false, 'no deduction field before a serious item');

  // Each rating button is a large touch target.
  const box = await rateBtn(sheet.items[0].key, 'satisfied').boundingBox();
  assert.ok(box.height >= 44 && box.width >= 44, `touch target ${box.width}x${box.height}`);
  const labels = await item(sheet.items[0].key).locator('.rate-label').allTextContents();
  assert.deepEqual(labels, Object.values(ZH_RATING));

  // The inspector taps a rating per item; the sheet score follows each tap, exactly.
  const plan = ['satisfied', 'fairly_satisfied', 'serious', 'average', 'acceptable',
    'satisfied', 'satisfied', 'fairly_satisfied', 'satisfied', 'satisfied'].slice(0, sheet.items.length);
  while (plan.length < sheet.items.length) plan.push('satisfied');
  const SERIOUS = 2; const PENALTY = -8; const DEDUCTION = 10;
  let running = 0;
  for (let i = 0; i < sheet.items.length; i++) {
    const it = sheet.items[i];
    if (i === sheet.items.length - 1) {
      // One item left unrated: submitting marks that row, asks nothing.
      await page.getByTestId('eval-submit').tap();
      await item(it.key).locator('.item-error:not([hidden])').waitFor();
      assert.equal(await page.getByTestId('confirm-dialog').count(), 0);
      assert.match(await page.getByTestId('items-error').textContent(), /未评价/);
    }
    await rateBtn(it.key, plan[i]).tap();
    assert.equal(await rateBtn(it.key, plan[i]).getAttribute('aria-pressed'), 'true');
    if (plan[i] === 'serious') {
      // The penalty field appears for that item only, and the summary deduction field for the sheet.
      await item(it.key).getByTestId('item-penalty').waitFor();
      await page.getByTestId('deduction-field').waitFor();
      assert.equal(await page.locator('.penalty-field:visible').count(), 1);
      assert.equal(await item(it.key).getByTestId('item-score').textContent(), '—', 'no score before the penalty is chosen');
      await item(it.key).getByTestId('item-penalty').selectOption(String(PENALTY));
      running += PENALTY * 10;
    } else {
      running += tenths(it.points, plan[i]);
    }
    assert.equal(await page.getByTestId('eval-score').textContent(), fmt(running), `score after item ${i + 1}`);
    assert.equal(await item(it.key).getByTestId('item-score').textContent(),
      fmt(plan[i] === 'serious' ? PENALTY * 10 : tenths(it.points, plan[i])));
  }
  // A changed mind: the first item from satisfied to average, then back.
  const first = sheet.items[0];
  await rateBtn(first.key, 'average').tap();
  assert.equal(await rateBtn(first.key, 'satisfied').getAttribute('aria-pressed'), 'false');
  assert.equal(await page.getByTestId('eval-score').textContent(), fmt(running - tenths(first.points, 'satisfied') + tenths(first.points, 'average')));
  await rateBtn(first.key, 'satisfied').tap();
  assert.equal(await page.getByTestId('eval-score').textContent(), fmt(running));
  assert.equal(await page.getByTestId('eval-grade').textContent(), gradeZh(running));
  assert.match(await page.getByTestId('eval-progress').textContent(), new RegExp(`${sheet.items.length}/${sheet.items.length}`));

  // The deduction is required with a serious item, 5 to 20.
  await page.getByTestId('eval-deduction').fill('30');
  await page.getByTestId('eval-submit').tap();
  await page.locator('.deduction-field.has-error').waitFor();
  assert.equal(await page.getByTestId('confirm-dialog').count(), 0);
  await page.getByTestId('eval-deduction').fill(String(DEDUCTION));
  await page.getByTestId('eval-rep').fill('张伟');
  await page.getByTestId('eval-comment').fill('脚手架临边防护缺失，已要求当日整改。');
  await page.screenshot({ path: join(SHOTS, 'eval-tablet-filled.png') });

  // Cancel first: nothing is stored.
  await page.getByTestId('eval-submit').tap();
  await page.getByTestId('confirm-dialog').waitFor();
  const msg = await page.getByTestId('confirm-dialog').textContent();
  assert.ok(msg.includes(fmt(running)) && msg.includes(gradeZh(running)), msg);
  assert.match(msg, /不能修改/);
  await page.getByTestId('confirm-cancel').tap();
  await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
  const cm = await as('cm');
  assert.equal((await cm.get(`/api/v1/projects/${P.construction}/evaluations`)).body.length, 0);

  await page.getByTestId('eval-submit').tap();
  await page.getByTestId('confirm-ok').tap();
  await page.getByTestId('timeline').waitFor();
  assert.match(page.url(), /#\/projects\/1$/);

  // Stored exactly as tapped.
  const list = (await cm.get(`/api/v1/projects/${P.construction}/evaluations`)).body;
  assert.equal(list.length, 1);
  const ev = (await cm.get(`/api/v1/evaluations/${list[0].id}`)).body;
  assert.equal(ev.kind, 'official');
  assert.equal(ev.form, 'process');
  assert.equal(Math.round(ev.score * 10), running);
  assert.equal(ev.summary_deduction, DEDUCTION);
  assert.equal(ev.customer_rep, '张伟');
  assert.deepEqual(ev.items.map((x) => x.rating), plan);
  assert.equal(ev.items[SERIOUS].penalty, PENALTY);

  // The summary card shows what the API's summary says; the history lists the evaluation.
  const sum = (await cm.get(`/api/v1/projects/${P.construction}/summary`)).body;
  await page.getByTestId('summary-process').getByTestId('phase-score').waitFor();
  assert.equal(await page.getByTestId('summary-process').getByTestId('phase-score').textContent(), fmt(running));
  assert.equal(await page.getByTestId('summary-pre').getByTestId('phase-score').textContent(), '—');
  assert.equal(await page.getByTestId('total-score').textContent(), num(sum.total));
  assert.equal(sum.provisional, true);
  assert.equal(await page.getByTestId('summary-total').getByTestId('provisional').count(), 1);
  assert.match(await page.getByTestId('summary-deduction').textContent(), new RegExp(`${DEDUCTION}`));
  assert.equal(await page.getByTestId('summary-grade').getAttribute('data-grade'), sum.grade);
  assert.equal(await page.getByTestId('satisfied-badge').count(), 0);
  const row = page.locator('[data-testid=evaluations-table] tbody tr').first();
  const text = await row.textContent();
  for (const s of [today(), '正式评价', fmt(running), gradeZh(running), '孙明华', '有效']) assert.ok(text.includes(s), `${s} in ${text}`);
  // Staff see the project's cases and reviews: the serious item opened a review.
  await page.getByTestId('project-reviews').waitFor();
  assert.match(await page.getByTestId('project-reviews').textContent(), /存在严重问题/);
  await page.screenshot({ path: join(SHOTS, 'project-tablet.png'), fullPage: true });

  // The detail page: the sheet read-only with each rating and score.
  await row.locator(`[data-testid=view-evaluation-${ev.id}]`).click();
  await page.getByTestId('evaluation-items').waitFor();
  assert.equal(await page.getByTestId('evaluation-score').textContent(), fmt(running));
  const cells = await page.locator('[data-testid=evaluation-items] tbody tr td:nth-child(4)').allTextContents();
  assert.deepEqual(cells, plan.map((r) => ZH_RATING[r]));
  assert.equal(await page.locator('[data-testid=evaluation-items] tbody tr.row-serious td:last-child').textContent(), fmt(PENALTY * 10));
  assert.equal(await page.getByTestId('amend-evaluation').count(), 1, 'cm may amend an official evaluation');
  assert.deepEqual(pageErrors, []);
});

it('an amendment with a reason: both stay in the history, the reason shown; API errors land on the item row', async () => {
  const items = rateAll('pre', ['acceptable', 'satisfied', 'satisfied', 'satisfied', 'satisfied', 'satisfied', 'satisfied', 'satisfied']);
  const orig = await evaluate('cm', P.construction, { form: 'pre', kind: 'official', date: today(), items, customer_rep: '李娜' });
  await signIn('cm');
  await openProject(P.construction);
  await page.getByTestId(`amend-${orig.id}`).click();
  await page.getByTestId('eval-form').waitFor();
  assert.match(await page.getByTestId('eval-title').textContent(), new RegExp(`#${orig.id}`));
  assert.match(await page.getByTestId('amend-note').textContent(), new RegExp(fmt(Math.round(orig.score * 10))));
  // The original's answers are filled in.
  const k0 = sheets.pre.items[0].key;
  assert.equal(await rateBtn(k0, 'acceptable').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByTestId('eval-rep').inputValue(), '李娜');
  assert.equal(await page.getByTestId('eval-score').textContent(), fmt(Math.round(orig.score * 10)));

  // Without a reason the form says so, next to the reason field.
  await rateBtn(k0, 'satisfied').tap();
  await page.getByTestId('eval-submit').tap();
  await page.locator('.field.has-error', { has: page.getByTestId('eval-reason') }).waitFor();
  assert.equal(await page.getByTestId('confirm-dialog').count(), 0);

  // A server-side refusal names its field: drop item 2's rating from the request on its way,
  // and the server's 400 items[…] error lands on a row.
  const reason = '顾客代表复核后确认第一项评价记录有误';
  await page.getByTestId('eval-reason').fill(reason);
  let tampered = false;
  await page.route('**/api/v1/evaluations/*/amendments', async (route) => {
    if (tampered) return route.continue();
    tampered = true;
    const body = JSON.parse(route.request().postData());
    body.items[2].rating = 'excellent'; // not a rating
    return route.continue({ postData: JSON.stringify(body) });
  });
  await page.getByTestId('eval-submit').tap();
  await page.getByTestId('confirm-ok').tap();
  const badRow = item(sheets.pre.items[2].key);
  await badRow.locator('.item-error:not([hidden])').waitFor();
  assert.ok(await badRow.evaluate((el) => el.classList.contains('has-error')));
  assert.match(await page.getByTestId('items-error').textContent(), /第 3 项/);
  await page.screenshot({ path: join(SHOTS, 'eval-item-error.png') });

  await page.getByTestId('eval-submit').tap();
  await page.getByTestId('confirm-ok').tap();
  await page.getByTestId('timeline').waitFor();
  await page.unroute('**/api/v1/evaluations/*/amendments');

  const cm = await as('cm');
  const after = (await cm.get(`/api/v1/evaluations/${orig.id}`)).body;
  assert.ok(after.superseded_by, 'the original is superseded');
  const amendment = (await cm.get(`/api/v1/evaluations/${after.superseded_by}`)).body;
  assert.equal(amendment.amends_id, orig.id);
  assert.equal(amendment.reason, reason);
  assert.equal(amendment.score, 100);

  // Both rows in the history: the original "amended by", the amendment "amends" with the reason.
  const origRow = page.locator('[data-testid=evaluations-table] tbody tr', { has: page.getByTestId(`view-evaluation-${orig.id}`) });
  const newRow = page.locator('[data-testid=evaluations-table] tbody tr', { has: page.getByTestId(`view-evaluation-${amendment.id}`) });
  assert.match(await origRow.getByTestId('superseded').textContent(), new RegExp(`#${amendment.id}`));
  assert.equal(await origRow.getByTestId(`amend-${orig.id}`).count(), 0, 'a superseded evaluation offers no amend');
  assert.match(await newRow.getByTestId('amends').textContent(), new RegExp(`#${orig.id}`));
  assert.equal(await newRow.getByTestId('amend-reason').textContent(), `原因：${reason}`);
  assert.equal(await page.getByTestId('summary-pre').getByTestId('phase-score').textContent(), '100.0', 'the summary uses the amendment');
  await page.locator('.history-card').screenshot({ path: join(SHOTS, 'history-amendment.png') });

  // The original's page says it was amended and links to the amendment.
  await page.goto(`${srv.url}/#/evaluations/${orig.id}`);
  await page.getByTestId('superseded-note').waitFor();
  assert.equal(await page.getByTestId('amend-evaluation').count(), 0);
  await page.getByTestId('superseded-note').getByRole('link').click();
  await page.getByTestId('amends-note').waitFor();
  assert.match(await page.getByTestId('amends-note').textContent(), new RegExp(reason));
  // Amending a superseded one through its URL is refused on the page.
  await page.goto(`${srv.url}/#/projects/${P.construction}/evaluate?amend=${orig.id}`);
  await page.getByTestId('eval-notice').waitFor();
  assert.equal(await page.getByTestId('eval-form').count(), 0);
});

it('the leader decides an open penalty case (with an amendment on it); others read it only', async () => {
  // Two failing official post-completion evaluations of the project in warranty → a level-1 case.
  const fail = rateAll('post', 'acceptable');
  const e1 = await evaluate('cm', P.warranty, { form: 'post', kind: 'official', date: today(), items: fail });
  const e2 = await evaluate('cm', P.warranty, { form: 'post', kind: 'official', date: today(), items: fail });
  const cm = await as('cm');
  const r = await cm.post(`/api/v1/evaluations/${e1.id}/amendments`,
    { form: 'post', kind: 'official', date: today(), items: rateAll('post', 'satisfied'), reason: '维修回访记录补齐后复评' });
  assert.equal(r.status, 201, r.text);
  const leader = await as('leader');
  const cases = (await leader.get(`/api/v1/penalty-cases?project_id=${P.warranty}&status=open`)).body;
  assert.equal(cases.length, 1, JSON.stringify(cases));
  const kase = cases[0];
  assert.equal(kase.evaluation_id, e2.id);

  // cm reads it, cannot decide.
  await signIn('cm');
  await page.locator('[data-nav=cases]').click();
  await page.getByTestId(`case-${kase.id}`).waitFor();
  assert.equal(await page.getByTestId(`case-${kase.id}`).getByTestId('decide-form').count(), 0);
  assert.equal(await page.getByTestId(`case-${kase.id}`).getByTestId('case-waiting').count(), 1);
  await page.getByTestId('logout').click();
  await page.locator('.login-card').waitFor();

  await signIn('leader');
  await page.locator('[data-nav=cases]').click();
  const card = page.getByTestId(`case-${kase.id}`);
  await card.waitFor();
  assert.equal(await card.locator('[data-level]').textContent(), '一级处罚');
  assert.equal(await card.getByTestId('case-reason').textContent(), '连续两次评价不合格');
  assert.equal(await card.getByTestId('case-status').textContent(), '待决定');
  const evs = await card.locator('.case-eval').evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
  assert.deepEqual(evs, [e1.id, e2.id]);
  // The amendment of the first fail is shown under it, with its reason.
  await card.getByTestId('case-amendment').waitFor();
  assert.match(await card.getByTestId('case-amendment').textContent(), /维修回访记录补齐后复评/);
  assert.match(await card.getByTestId('case-amendment').textContent(), /100\.0/);
  await page.screenshot({ path: join(SHOTS, 'cases-leader-open.png'), fullPage: true });

  const decision = '对项目经理通报批评，30 日内完成整改并复查。';
  await card.getByTestId('decide-submit').click();
  await card.locator('.field.has-error').waitFor(); // empty text: asked for, nothing sent
  await card.getByTestId('decide-text').fill(decision);
  await card.getByTestId('decide-submit').click();
  await page.getByTestId('confirm-dialog').waitFor();
  assert.match(await page.getByTestId('confirm-dialog').textContent(), /不能修改/);
  await page.getByTestId('confirm-ok').click();
  // Decided: gone from the open list, shown under "decided" with the text and who decided.
  await card.waitFor({ state: 'detached' });
  await page.locator('[data-testid=cases-list-filter] [data-status=decided]').click();
  const decided = page.getByTestId(`case-${kase.id}`);
  await decided.waitFor();
  assert.equal(await decided.getByTestId('case-status').textContent(), '已决定');
  assert.match(await decided.getByTestId('case-decision').textContent(), new RegExp(decision));
  assert.match(await decided.getByTestId('case-decision').textContent(), /赵立新/);
  assert.equal((await leader.get(`/api/v1/penalty-cases/${kase.id}`)).body.status, 'decided');
});

it('cm closes an improvement review with findings', async () => {
  // A failing official evaluation opens a review for cm.
  const e = await evaluate('cm', P.post_warranty, { form: 'pre', kind: 'official', date: today(), items: rateAll('pre', 'acceptable') });
  const cm = await as('cm');
  const review = (await cm.get(`/api/v1/reviews?project_id=${P.post_warranty}&status=open`)).body.find((x) => x.evaluation_id === e.id);
  assert.ok(review, 'a review was opened');

  await signIn('cm');
  await page.locator('[data-nav=reviews]').click();
  const card = page.getByTestId(`review-${review.id}`);
  await card.waitFor();
  assert.match(await card.textContent(), /评价不合格/);
  assert.equal(await card.getByTestId('review-status').textContent(), '待处理');
  const findings = '已约谈项目经理，补充前期交底记录，下月复查。';
  await card.getByTestId('close-review-text').fill(findings);
  await card.getByTestId('close-review-submit').click();
  await page.getByTestId('confirm-ok').click();
  await card.waitFor({ state: 'detached' });
  await page.locator('[data-testid=reviews-list-filter] [data-status=closed]').click();
  const closed = page.getByTestId(`review-${review.id}`);
  await closed.waitFor();
  assert.match(await closed.getByTestId('review-findings').textContent(), new RegExp(findings));
  assert.match(await closed.getByTestId('review-findings').textContent(), /孙明华/);
  assert.equal((await cm.get(`/api/v1/reviews/${review.id}`)).body.status, 'closed');
  await page.screenshot({ path: join(SHOTS, 'reviews-cm-closed.png'), fullPage: true });
});

it('the quarterly table sorts by total and downloads the CSV with the Chinese header', async () => {
  await evaluate('cm', P.other, { form: 'process', kind: 'official', date: today(), items: rateAll('process', 'fairly_satisfied') });
  await evaluate('cm', P.post_warranty, { form: 'pre', kind: 'official', date: today(), items: rateAll('pre', 'satisfied') });
  await signIn('quality');
  await page.locator('[data-nav=summaries]').click();
  await page.getByTestId('summary-table').waitFor();
  assert.equal(await page.getByTestId('quarter-select').inputValue(), currentQuarter(), 'the current quarter by default');
  await page.locator('[data-testid=summary-row]').first().waitFor();
  const quality = await as('quality');
  const apiRows = (await quality.get(`/api/v1/summaries?quarter=${currentQuarter()}`)).body;
  assert.ok(apiRows.length >= 2, JSON.stringify(apiRows));
  assert.equal(await page.locator('[data-testid=summary-row]').count(), apiRows.length);
  assert.equal(await page.locator('th[data-key=code]').getAttribute('aria-sort'), 'ascending');

  const totals = async () => (await page.locator('[data-testid=row-total]').allTextContents()).map(Number);
  const codes = () => page.locator('[data-testid=summary-row] td:first-child').allTextContents();
  await page.getByTestId('sort-total').click();
  await page.locator('th[data-key=total][aria-sort=ascending]').waitFor();
  await page.waitForFunction(() => document.querySelector('th[data-key=code]').getAttribute('aria-sort') === 'none');
  let want = (await quality.get(`/api/v1/summaries?quarter=${currentQuarter()}&sort=total`)).body.map((x) => x.code);
  await page.waitForFunction((w) => [...document.querySelectorAll('[data-testid=summary-row] td:first-child')].map((td) => td.textContent).join() === w.join(), want);
  const asc = await totals();
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  await page.getByTestId('sort-total').click();
  await page.locator('th[data-key=total][aria-sort=descending]').waitFor();
  want = (await quality.get(`/api/v1/summaries?quarter=${currentQuarter()}&sort=-total`)).body.map((x) => x.code);
  await page.waitForFunction((w) => [...document.querySelectorAll('[data-testid=summary-row] td:first-child')].map((td) => td.textContent).join() === w.join(), want);
  const desc = await totals();
  assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
  assert.deepEqual(await codes(), want);
  assert.match(page.url(), /sort=-total/);
  // Grade colours and the provisional mark follow the rows.
  const first = apiRows.find((x) => x.code === want[0]);
  const firstRow = page.locator('[data-testid=summary-row]').first();
  assert.equal(await firstRow.locator('[data-col=grade] [data-grade]').getAttribute('data-grade'), first.grade);
  assert.equal(await firstRow.getByTestId('provisional').count(), first.provisional ? 1 : 0);
  await page.screenshot({ path: join(SHOTS, 'summaries-sorted.png'), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-download').click()]);
  assert.equal(download.suggestedFilename(), `summary-${currentQuarter()}.csv`);
  const file = join(dirs[0], 'summary.csv');
  await download.saveAs(file);
  const csv = readFileSync(file, 'utf8');
  assert.ok(csv.startsWith('\ufeff'), 'UTF-8 BOM');
  const lines = csv.slice(1).split(/\r?\n/).filter(Boolean);
  assert.equal(lines[0], '项目编号,项目名称,前期(6.1),过程(6.2),后期(6.3),扣分,总分,等级,满意工程,暂定');
  assert.equal(lines.length, apiRows.length + 1);
  assert.ok(lines[1].startsWith(want[0] + ','), 'in the order shown');

  // Another quarter: the previous one has fewer or equal rows, and the picker says so.
  await page.getByTestId('quarter-prev').click();
  await page.waitForFunction(() => /quarter=\d{4}-Q[1-4]/.test(location.hash));
  assert.notEqual(await page.getByTestId('quarter-select').inputValue(), currentQuarter());
});

it('customers see neither cases, reviews nor the quarterly table; their project page has the summary', async () => {
  await evaluate('cm', P.construction, { form: 'process', kind: 'official', date: today(), items: rateAll('process', 'satisfied') });
  const project = await as('project');
  const sc = await project.post(`/api/v1/projects/${P.construction}/evaluations`,
    { form: 'process', kind: 'self_check', period: today().slice(0, 7), date: today(), items: rateAll('process', 'average') });
  assert.equal(sc.status, 201, sc.text);

  await signIn('customer');
  for (const nav of ['cases', 'reviews', 'summaries']) assert.equal(await page.locator(`[data-nav=${nav}]`).count(), 0, nav);
  await page.goto(`${srv.url}/#/cases`);
  await page.getByText('您没有权限访问此页面').waitFor();
  await openProject(P.construction);
  assert.equal(await page.locator('.project-cases-card').count(), 0);
  assert.equal(await page.locator('[data-testid^=evaluate-]').count(), 0, 'no evaluation buttons');
  const kinds = await page.locator('[data-testid=evaluations-table] tbody [data-kind]').evaluateAll((els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 'official'), `customers see official evaluations only: ${kinds}`);
  assert.equal(await page.locator('a[data-testid^=amend-]').count(), 0, 'customers amend nothing');
  await page.screenshot({ path: join(SHOTS, 'project-customer.png'), fullPage: true });

  // The project team: its self-check button on its construction project, and amend on self-checks only.
  await page.getByTestId('logout').click();
  await page.locator('.login-card').waitFor();
  await signIn('project');
  await openProject(P.construction);
  assert.equal(await page.getByTestId('evaluate-self-check').count(), 1);
  assert.equal(await page.locator('[data-testid=evaluate-process], [data-testid=evaluate-pre]').count(), 0);
  assert.equal(await page.getByTestId(`amend-${sc.body.id}`).count(), 1);
  await page.getByTestId('evaluate-self-check').click();
  await page.getByTestId('eval-form').waitFor();
  assert.match(await page.getByTestId('eval-period').inputValue(), /^\d{4}-\d{2}$/);
  // cm: nothing fits a pre-contract project.
  await page.getByTestId('logout').click();
  await page.locator('.login-card').waitFor();
  await signIn('cm');
  await openProject(P.pre_contract);
  assert.equal(await page.locator('[data-testid^=evaluate-]').count(), 0);
  await page.goto(`${srv.url}/#/projects/${P.pre_contract}/evaluate?form=process`);
  await page.getByTestId('eval-notice').waitFor();
  assert.match(await page.getByTestId('eval-notice').textContent(), /不适用/);
});

it('the English switch shows English labels on the new pages', async () => {
  await signIn('cm');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  assert.equal(await page.locator('[data-nav=cases]').textContent(), 'Penalty cases');
  assert.equal(await page.locator('[data-nav=reviews]').textContent(), 'Improvement reviews');
  assert.equal(await page.locator('[data-nav=summaries]').textContent(), 'Quarterly summary');

  await page.goto(`${srv.url}/#/projects/${P.warranty}/evaluate?form=post`);
  await page.getByTestId('eval-form').waitFor();
  const labels = await page.locator('.eval-item').first().locator('.rate-label').allTextContents();
  assert.deepEqual(labels, ['Satisfied', 'Fairly satisfied', 'Average', 'Acceptable', 'Serious problem']);
  assert.equal(await page.getByTestId('eval-submit').textContent(), 'Submit evaluation');
  assert.equal(await page.getByTestId('sheet-title').textContent(), sheets.post.title_en);
  const firstTitle = await page.locator('.eval-item-title').first().textContent();
  assert.equal(firstTitle, sheets.post.items[0].title_en || sheets.post.items[0].title);
  await page.screenshot({ path: join(SHOTS, 'eval-en.png') });

  await openProject(P.warranty);
  await page.getByRole('heading', { name: 'Evaluation summary (6.4)', exact: true }).waitFor();
  await page.getByRole('heading', { name: 'Evaluations', exact: true }).waitFor();
  await page.locator('[data-nav=cases]').click();
  await page.getByRole('heading', { name: 'Penalty cases', exact: true }).waitFor();
  await page.locator('[data-nav=reviews]').click();
  await page.getByRole('heading', { name: 'Improvement reviews', exact: true }).waitFor();
  await page.locator('[data-nav=summaries]').click();
  await page.getByRole('heading', { name: 'Quarterly summary (6.4)' }).waitFor();
  assert.equal(await page.getByTestId('sort-total').textContent(), 'Total');
  assert.equal(await page.getByTestId('csv-download').textContent(), 'Download CSV');
  await page.getByRole('button', { name: '中文' }).click();
  await page.getByRole('heading', { name: '季度评价汇总表（6.4）' }).waitFor();
});

it('screenshots of the new pages on tablet, phone and desktop; no horizontal overflow of the sheet', async () => {
  await signIn('cm');
  const shots = [
    ['eval', `#/projects/${P.construction}/evaluate?form=process`, 'eval-form'],
    ['project', `#/projects/${P.construction}`, 'evaluations-table'],
    ['summaries', '#/summaries', 'summary-table'],
    ['cases', '#/cases?status=all', 'cases-list'],
    ['reviews', '#/reviews?status=all', 'reviews-list'],
  ];
  const cm = await as('cm');
  const one = (await cm.get(`/api/v1/projects/${P.construction}/evaluations`)).body.find((e) => e.form === 'process')
    || await evaluate('cm', P.construction, { form: 'process', kind: 'official', date: today(), items: rateAll('process', 'average') });
  shots.push(['evaluation', `#/evaluations/${one.id}`, 'evaluation-items']);
  for (const [name, size] of [['tablet', TABLET], ['tablet-portrait', TABLET_PORTRAIT], ['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(size);
    for (const [page_, hash, testid] of shots) {
      await page.goto(`${srv.url}/${hash}`);
      await page.locator(`[data-testid=${testid}], [data-testid=empty]`).first().waitFor();
      if (page_ === 'eval') {
        // A serious item, so that its penalty and the deduction field are in the picture.
        const keys = sheets.process.items.map((x) => x.key);
        await rateBtn(keys[0], 'satisfied').click();
        await rateBtn(keys[1], 'serious').click();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${name}: the sheet overflows by ${overflow}px`);
      }
      await page.screenshot({ path: join(SHOTS, `${page_}-${name}.png`), fullPage: page_ !== 'eval' });
      if (page_ === 'eval') {
        await page.screenshot({ path: join(SHOTS, `${page_}-${name}-full.png`), fullPage: true });
        // A half-filled sheet: leaving asks first; "cancel" stays with the ratings kept.
        const here = page.url();
        await page.locator('[data-nav=summaries]').click();
        await page.getByTestId('confirm-dialog').waitFor();
        await page.getByTestId('confirm-cancel').click();
        await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
        assert.equal(page.url(), here);
        assert.equal(await rateBtn(sheets.process.items[1].key, 'serious').getAttribute('aria-pressed'), 'true');
        await page.locator('[data-nav=projects]').click();
        await page.getByTestId('confirm-ok').click();
        await page.getByTestId('projects-table').waitFor();
      }
    }
  }
  assert.deepEqual(pageErrors, []);
});
