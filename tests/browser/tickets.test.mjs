// Browser tests of requests, complaints and repairs (issue 5): a repair goes from the customer's
// photo on a phone to the project team's work on a desktop, the quality dept's verification on a
// tablet and the customer's rating; an out-of-contract offer confirmed by the customer; a special
// request approved by the leader; only the actions the state and the role allow; upload errors;
// a call recorded by staff; a corrective action; search in Chinese; the English portal.
// A real kefu server on a fresh demo database, driven through Debian's chromium (playwright-core).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { useBrowser, apiSessions, SHOTS } from '../lib/browser.mjs';
import { startServer, client, DEMO_PASSWORD } from '../lib/server.mjs';

const PHONE = { width: 390, height: 844 };
const TABLET = { width: 1024, height: 768 };
const DESKTOP = { width: 1366, height: 900 };
// The demo company (kefu init --demo): customer 1 ("customer") owns projects 1 (construction) and
// 2 (warranty); "project" (陈志强) is a member of 1 and 2; 5 is another customer's.
const P = { construction: 1, warranty: 2, other: 5 };
const ACTS = ['take', 'triage', 'confirm', 'decline', 'approve', 'resolve', 'verify', 'rate', 'assign', 'handover', 'paperwork'];

/* ---------- a small PNG, made here ---------- */

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A W×H RGB PNG: a gradient with a dark "crack" across it, like a photo of a wall. */
function png(w = 96, hgt = 72) {
  const rows = [];
  for (let y = 0; y < hgt; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) {
      const crack = Math.abs(y - hgt / 2 - Math.sin(x / 6) * 6) < 2;
      row[1 + x * 3] = crack ? 40 : 180 + (x % 60);
      row[2 + x * 3] = crack ? 40 : 170 + (y % 60);
      row[3 + x * 3] = crack ? 40 : 150;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(hgt, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
const PHOTO = png();

/* ---------- server, browser, helpers ---------- */

let srv; let ctx; let page; let dirs;
let pageErrors;
let users = {};

/** A signed-in API client (cookie session) for USERNAME, made once. */
const as = apiSessions(() => srv.url);

async function apiOk(username, method, path, body, status = 200) {
  const c = await as(username);
  const r = await c.request(method, path, body);
  assert.equal(r.status, status, `${method} ${path} as ${username}: ${r.status} ${r.text}`);
  return r.body;
}
const newTicket = (username, body) => apiOk(username, 'POST', '/api/v1/tickets', body, 201);
const move = (username, id, body) => apiOk(username, 'POST', `/api/v1/tickets/${id}/actions`, body);

useBrowser({
  viewport: DESKTOP,
  context: { hasTouch: true },
  ready: async (h) => {
    ({ srv, ctx, page, pageErrors, dirs } = h);
    users = Object.fromEntries((await apiOk('admin', 'GET', '/api/v1/users')).map((u) => [u.username, u]));
  },
});

async function signIn(username, size = DESKTOP) {
  await page.setViewportSize(size);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('user-box').waitFor();
  if (username === 'customer') await page.locator('[data-testid=requests], [data-testid=empty]').first().waitFor();
  else await page.getByTestId('projects-table').waitFor();
}

async function signOut() {
  await page.getByTestId('logout').click();
  await page.locator('.login-card').waitFor();
}

async function openTicket(id) {
  await page.goto(`${srv.url}/#/tickets/${id}`);
  await page.locator(`[data-testid=ticket-page]`).waitFor();
}

/** Wait until the ticket page shows STATUS. */
async function statusIs(status) {
  await page.locator(`[data-testid=ticket-page][data-status=${status}]`).waitFor();
}

/** The actions the ticket page offers (buttons, or the customer's rating form), by action name. */
async function offered() {
  await page.locator('[data-testid=ticket-page]').waitFor();
  const offers = await page.locator('[data-testid=ticket-page] [data-offer]').evaluateAll((els) => els.map((e) => e.dataset.offer));
  assert.ok(offers.every((a) => ACTS.includes(a)), offers.join());
  return offers.sort();
}

async function confirmOk() {
  const dlg = page.getByTestId('confirm-dialog');
  await dlg.waitFor();
  const text = await dlg.textContent();
  await page.getByTestId('confirm-ok').click();
  await dlg.waitFor({ state: 'detached' });
  return text;
}

/** Local "YYYY-MM-DDTHH:MM" DAYS from now, as a datetime-local input takes it. */
function localIn(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

async function noHorizontalScroll(what) {
  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(sw <= cw + 1, `${what}: the page scrolls sideways (${sw} > ${cw})`);
}

async function historyTexts() {
  return page.locator('[data-testid=history-entry]').evaluateAll((els) => els.map((e) => ({
    action: e.dataset.action, internal: e.dataset.internal === 'true', text: e.textContent,
  })));
}

/* ---------- the repair, end to end ---------- */

it('a warranty repair: the customer\'s photo on a phone, the project team, the quality dept\'s fail and pass, the customer\'s rating', async () => {
  // The customer, on site with a phone: a leaking bathroom on the warranty project, with a photo.
  await signIn('customer', PHONE);
  assert.equal(await page.locator('[data-nav]').evaluateAll((els) => els.map((e) => e.dataset.nav).join()), 'requests,new-request,projects',
    'customers see their portal only');
  await page.locator('[data-nav=new-request]').tap();
  await page.getByTestId('new-form').waitFor();
  await page.getByTestId('new-project').selectOption(String(P.warranty));
  await page.getByTestId('new-kind-repair').tap();
  assert.equal(await page.getByTestId('new-kind-repair').getAttribute('aria-checked'), 'true');
  await page.getByTestId('warranty-note').waitFor();
  const title = '三层男卫生间防水失效，楼下顶棚渗水';
  await page.getByTestId('new-title').fill(title);
  await page.getByTestId('new-description').fill('昨晚开始，二层教室顶棚出现水渍并滴水，怀疑楼上卫生间防水层破损。');
  await page.getByTestId('new-location').fill('2号教学楼三层男卫生间');
  await page.getByTestId('new-required-by').fill(localIn(5));
  await page.getByTestId('new-files-camera').setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: PHOTO });
  const row = page.locator('[data-testid=new-files-list] .upload-row');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'waiting');
  assert.equal(await row.locator('img.upload-thumb').count(), 1, 'a preview of the photo');
  await page.screenshot({ path: join(SHOTS, 'tickets-new-phone.png') });
  await noHorizontalScroll('the request form on a phone');
  await page.getByTestId('new-submit').tap();

  // Its page: new, the photo shown from the server, the response clock running.
  await page.getByTestId('ticket-page').waitFor();
  await statusIs('new');
  const id = Number(/#\/tickets\/(\d+)/.exec(page.url())[1]);
  const number = (await page.getByTestId('ticket-number').textContent()).trim();
  assert.match(number, /^KF-\d{4}-\d{6}$/);
  assert.equal(await page.getByTestId('ticket-status').textContent(), '新提交');
  assert.match(await page.getByTestId('status-words').textContent(), /已收到您的诉求/);
  const img = page.locator('[data-testid=attachments] img[data-testid=attachment-img]');
  await img.waitFor();
  await page.waitForFunction(() => { const i = document.querySelector('[data-testid=attachment-img]'); return i && i.complete && i.naturalWidth === 96; });
  assert.match(await img.getAttribute('src'), new RegExp(`^/api/v1/tickets/${id}/attachments/\\d+$`));
  assert.match(await page.getByTestId('response-clock').textContent(), /剩余/);
  await page.screenshot({ path: join(SHOTS, 'tickets-ticket-phone-new.png') });
  await noHorizontalScroll('the ticket page on a phone');
  const t0 = await apiOk('cm', 'GET', `/api/v1/tickets/${id}`);
  assert.equal(t0.kind, 'repair');
  assert.equal(t0.project_id, P.warranty);
  assert.equal(t0.channel, 'portal');
  assert.equal(t0.location, '2号教学楼三层男卫生间');
  assert.ok(t0.required_by && t0.response_due, 'a repair in warranty has its clocks');
  assert.equal((await apiOk('cm', 'GET', `/api/v1/tickets/${id}/attachments`)).length, 1);

  // Listed as new on the customer's home.
  await page.locator('[data-nav=requests]').tap();
  const card = page.locator(`[data-testid=request-card][data-id="${id}"]`);
  await card.waitFor();
  assert.equal(await card.getAttribute('data-status'), 'new');
  assert.match(await card.textContent(), /新提交/);
  assert.match(await card.textContent(), new RegExp(title));
  await page.screenshot({ path: join(SHOTS, 'tickets-portal-phone.png') });
  await noHorizontalScroll('the portal on a phone');
  await signOut();

  // The project team, at a desk: the unowned queue, the response clock, take it.
  await signIn('project', DESKTOP);
  await page.locator('[data-nav=tickets]').click();
  await page.getByTestId('ticket-table').or(page.getByTestId('empty')).first().waitFor();
  await page.getByTestId('queue-unowned').click();
  const qrow = page.locator(`[data-testid=ticket-row][data-id="${id}"]`);
  await qrow.waitFor();
  assert.equal(await qrow.locator('[data-clock]').getAttribute('data-clock'), 'running');
  assert.match(await qrow.locator('[data-testid=row-clock]').textContent(), /剩余.*时限/);
  assert.match(await qrow.textContent(), /未受理/);
  assert.match(await page.getByTestId('count-unowned').textContent(), /^[1-9]/);
  await page.screenshot({ path: join(SHOTS, 'tickets-queue-desktop.png') });
  await qrow.getByTestId('ticket-row-title').click();
  await page.getByTestId('ticket-page').waitFor();
  assert.deepEqual(await offered(), ['take'], 'unowned: only take');
  await page.getByTestId('act-take').click();
  assert.match(await confirmOk(), /首问负责制/);
  await page.getByTestId('act-triage').waitFor();
  assert.equal(await page.getByTestId('ticket-owner').textContent(), users.project.name);
  assert.match(await page.getByTestId('response-clock').textContent(), /已响应/);
  assert.deepEqual(await offered(), ['assign', 'handover', 'triage']);

  // Triage: in contract, with the reply the customer is sent.
  const reply = '属于保修范围，项目部将于明天上午上门维修。';
  await page.getByTestId('act-triage').click();
  await page.getByTestId('triage-scope-in_contract').click();
  await page.getByTestId('triage-reason').fill(reply);
  await page.getByTestId('action-submit').click();
  await statusIs('in_progress');
  assert.deepEqual(await offered(), ['assign', 'handover', 'resolve']);
  // An internal note the customer must never see.
  const secret = '内部：防水层系分包单位施工，返修费用由其承担';
  await page.getByTestId('comment-text').fill(secret);
  await page.locator('.tk-internal-switch').click();
  assert.equal(await page.getByTestId('comment-internal').isChecked(), true);
  assert.equal(await page.getByTestId('comment-submit').textContent(), '添加内部备注');
  await page.getByTestId('comment-submit').click();
  await page.locator('[data-testid=history-entry][data-internal=true]').waitFor();
  assert.match(await page.locator('[data-testid=history-entry][data-internal=true]').textContent(), /内部.*防水层系分包单位施工/);
  // Resolve with a note: a repair then waits for the quality dept.
  await page.getByTestId('act-resolve').click();
  await page.getByTestId('resolve-note').fill('已凿除破损防水层并重做，闭水试验进行中。');
  await page.getByTestId('action-submit').click();
  await statusIs('awaiting_verification');
  assert.deepEqual(await offered(), ['assign', 'handover'], 'the owner does not verify');
  await page.screenshot({ path: join(SHOTS, 'tickets-ticket-desktop.png'), fullPage: true });
  await signOut();

  // The quality dept on a tablet: its queue of repairs to verify; fail.
  await signIn('quality', TABLET);
  await page.goto(`${srv.url}/#/tickets?queue=verify`);
  const vrow = page.locator(`[data-testid=ticket-row][data-id="${id}"]`);
  await vrow.waitFor();
  await page.screenshot({ path: join(SHOTS, 'tickets-queue-tablet.png') });
  await vrow.getByTestId('ticket-row-title').click();
  await page.getByTestId('ticket-page').waitFor();
  assert.deepEqual(await offered(), ['verify'], 'quality: verify only, no take on an owned ticket');
  await page.getByTestId('act-verify').click();
  await page.getByTestId('verify-result-fail').click();
  await page.getByTestId('verify-note').fill('闭水试验 24 小时后楼下仍有渗水点，返工');
  await page.getByTestId('action-submit').click();
  await confirmOk();
  await statusIs('in_progress');
  assert.deepEqual(await offered(), [], 'quality has nothing to do on work in progress');
  assert.match(await page.getByTestId('no-actions').textContent(), /正在处理/);
  await page.screenshot({ path: join(SHOTS, 'tickets-ticket-tablet.png'), fullPage: true });
  await noHorizontalScroll('the ticket page on a tablet');
  await signOut();

  // The project team reworks it and resolves again; the quality dept passes it.
  await signIn('project');
  await openTicket(id);
  await page.getByTestId('act-resolve').click();
  await page.getByTestId('resolve-note').fill('已返工：重新铺设防水卷材，闭水试验 48 小时无渗漏。');
  await page.getByTestId('action-submit').click();
  await statusIs('awaiting_verification');
  await signOut();
  await signIn('quality', TABLET);
  await openTicket(id);
  await page.getByTestId('act-verify').click();
  await page.getByTestId('verify-result-pass').click();
  await page.getByTestId('verify-note').fill('复验合格');
  await page.getByTestId('action-submit').click();
  await confirmOk();
  await statusIs('resolved');
  await signOut();

  // The customer: the replies, not the internal note; rates satisfied; closed.
  await signIn('customer', PHONE);
  const card2 = page.locator(`[data-testid=request-card][data-id="${id}"]`);
  await card2.waitFor();
  assert.match(await card2.getByTestId('request-task').textContent(), /请您评价/);
  await card2.tap();
  await page.getByTestId('ticket-page').waitFor();
  await statusIs('resolved');
  const pageText = await page.getByTestId('ticket-page').textContent();
  assert.ok(pageText.includes(reply), 'the customer sees the reply');
  assert.ok(pageText.includes('闭水试验 48 小时无渗漏'), 'the customer sees the result');
  assert.ok(!pageText.includes('分包单位'), 'the internal note is not shown to the customer');
  assert.ok(!pageText.includes('楼下仍有渗水点'), 'the verification note is not shown to the customer');
  const entries = await historyTexts();
  assert.ok(entries.every((e) => !e.internal), 'no internal entry for the customer');
  assert.deepEqual(entries.map((e) => e.action),
    ['created', 'attachment', 'take', 'triage', 'resolve', 'verify', 'resolve', 'verify']);
  assert.match(await page.getByTestId('result-text').textContent(), /48 小时无渗漏/);
  await page.screenshot({ path: join(SHOTS, 'tickets-rate-phone.png') });
  await page.getByTestId('rate-satisfied').tap();
  await page.getByTestId('rate-comment').fill('维修及时，态度很好，谢谢！');
  await page.getByTestId('rate-submit').tap();
  assert.match(await confirmOk(), /满意/);
  await statusIs('closed');
  assert.match(await page.getByTestId('status-words').textContent(), /已关闭，您的评价：满意/);
  assert.equal(await page.getByTestId('add-files').count(), 0, 'no uploads on a closed ticket');
  await page.screenshot({ path: join(SHOTS, 'tickets-ticket-phone-closed.png'), fullPage: true });
  const end = await apiOk('cm', 'GET', `/api/v1/tickets/${id}`);
  assert.equal(end.status, 'closed');
  assert.equal(end.satisfaction, 'satisfied');
  assert.equal(end.owner_id, users.project.id);
  assert.deepEqual(end.history.map((e) => e.action),
    ['created', 'attachment', 'take', 'triage', 'comment', 'resolve', 'verify', 'resolve', 'verify', 'rate']);
  await page.locator('[data-nav=requests]').tap();
  await page.locator(`[data-testid=request-card][data-id="${id}"][data-status=closed]`).waitFor();
  assert.equal(number, end.number);
});

/* ---------- the other paths ---------- */

it('out of contract: the customer confirms the offer on the phone; staff record a written refusal with its evidence', async () => {
  const a = await newTicket('customer', { project_id: P.construction, kind: 'inquiry', title: '能否在教学楼入口加装雨棚',
    description: '雨天入口积水，希望加装雨棚。', channel: 'portal' });
  await move('cm', a.id, { action: 'take' });
  const offer = '雨棚不在合同范围内，可另行报价：约 8,000 元，工期 5 天。';
  await move('cm', a.id, { action: 'triage', scope: 'out_of_contract', reason: offer });

  await signIn('customer', PHONE);
  const card = page.locator(`[data-testid=request-card][data-id="${a.id}"]`);
  await card.waitFor();
  assert.match(await card.getByTestId('request-task').textContent(), /需要您确认/);
  await card.tap();
  await statusIs('awaiting_customer');
  assert.equal(await page.getByTestId('offer-text').textContent(), offer);
  assert.deepEqual(await offered(), ['confirm', 'decline']);
  await page.screenshot({ path: join(SHOTS, 'tickets-offer-phone.png') });
  await page.getByTestId('act-confirm').tap();
  await confirmOk();
  await statusIs('in_progress');
  assert.match(await page.getByTestId('status-words').textContent(), /正在处理/);
  assert.equal((await apiOk('cm', 'GET', `/api/v1/tickets/${a.id}`)).history.at(-1).user_id, users.customer.id);
  await signOut();

  // Staff write down the customer's refusal: only with the evidence.
  const b = await newTicket('customer', { project_id: P.construction, kind: 'inquiry', title: '能否更换全部教室门锁',
    description: '希望更换为智能门锁。', channel: 'portal' });
  await move('cm', b.id, { action: 'take' });
  await move('cm', b.id, { action: 'triage', scope: 'out_of_contract', reason: '合同外，需签补充协议' });
  await signIn('business');
  await openTicket(b.id);
  assert.deepEqual(await offered(), ['confirm', 'decline'], 'any ticket staff may record the customer\'s written answer');
  await page.getByTestId('act-decline').click();
  await page.getByTestId('action-submit').click();
  await page.locator('[data-testid=modal-decline] .field.has-error').waitFor();
  await page.getByTestId('behalf-evidence').fill('顾客 11 月 20 日来函谢绝（传真）');
  await page.getByTestId('action-submit').click();
  assert.match(await confirmOk(), /关闭/);
  await statusIs('closed');
  const h = await historyTexts();
  assert.match(h.at(-1).text, /谢绝处理.*依据.*来函谢绝/s);
});

it('a special request waits for the leader, who approves it; nobody else is offered the approval', async () => {
  const t = await newTicket('customer', { project_id: P.construction, kind: 'special_request', title: '要求周末加班赶工',
    description: '为赶在开学前交付，要求周末连续施工。', channel: 'portal' });
  await move('cm', t.id, { action: 'take' });
  await move('cm', t.id, { action: 'triage', scope: 'in_contract' });
  for (const who of ['cm', 'quality']) {
    await signIn(who);
    await openTicket(t.id);
    await statusIs('awaiting_approval');
    assert.ok(!(await offered()).includes('approve'), `${who} is not offered the approval`);
    await signOut();
  }
  await signIn('leader');
  await page.goto(`${srv.url}/#/tickets?queue=approval`);
  const row = page.locator(`[data-testid=ticket-row][data-id="${t.id}"]`);
  await row.waitFor();
  await row.getByTestId('ticket-row-title').click();
  await page.getByTestId('ticket-page').waitFor();
  assert.deepEqual(await offered(), ['approve']);
  await page.getByTestId('act-approve').click();
  await page.getByTestId('approve-decision-approve').click();
  await page.getByTestId('approve-note').fill('同意，注意夜间噪声控制');
  await page.getByTestId('action-submit').click();
  assert.match(await confirmOk(), /同意/);
  await statusIs('in_progress');
  assert.deepEqual(await offered(), [], 'the leader does not report the result');
  const x = await apiOk('cm', 'GET', `/api/v1/tickets/${t.id}`);
  assert.equal(x.history.at(-1).action, 'approve');
  assert.equal(x.history.at(-1).data.decision, 'approve');
  assert.equal(x.history.at(-1).user_id, users.leader.id);
});

it('only the actions the state and the role allow are offered (core/ticket.c), on every kind of page', async () => {
  const mk = (extra = {}) => newTicket('customer', { project_id: P.warranty, kind: 'repair', title: '动作测试', description: '动作测试', channel: 'portal', ...extra });
  const fresh = await mk({ title: '未受理的维修' });
  const working = await mk({ title: '处理中的维修' });
  await move('project', working.id, { action: 'take' });
  await move('project', working.id, { action: 'triage', scope: 'in_contract' });
  const verifying = await mk({ title: '待验证的维修' });
  await move('project', verifying.id, { action: 'take' });
  await move('project', verifying.id, { action: 'triage', scope: 'in_contract' });
  await move('project', verifying.id, { action: 'assign', user_ids: [users.cm.id] });
  await move('project', verifying.id, { action: 'resolve', note: '已修复' });
  const done = await mk({ kind: 'complaint', title: '已解决的投诉' });
  await move('cm', done.id, { action: 'take' });
  await move('cm', done.id, { action: 'triage', scope: 'in_contract' });
  await move('cm', done.id, { action: 'resolve', note: '已处理' });
  const closed = await mk({ kind: 'inquiry', title: '已关闭的咨询' });
  await move('cm', closed.id, { action: 'take' });
  await move('cm', closed.id, { action: 'triage', scope: 'cannot_handle', reason: '不属于我公司施工范围' });

  /** [user, ticket, the actions offered] — written out from PROCEDURE §4 and src/core/ticket.c. */
  const EXPECT = [
    ['customer', fresh, []], ['quality', fresh, ['take']], ['leader', fresh, ['take']], ['admin', fresh, []],
    ['project', working, ['assign', 'handover', 'resolve']], ['quality', working, []], ['cm', working, []], ['customer', working, []],
    ['quality', verifying, ['verify']], ['project', verifying, ['assign', 'handover']], ['cm', verifying, []], ['leader', verifying, []],
    ['customer', done, ['rate']], ['business', done, ['rate']], ['cm', done, ['assign', 'handover', 'rate']],
    ['cm', closed, []], ['customer', closed, []], ['project', closed, []],
  ];
  let current = null;
  for (const [who, tk, want] of EXPECT) {
    if (current !== who) {
      if (current) await signOut();
      await signIn(who, who === 'customer' ? PHONE : DESKTOP);
      current = who;
    }
    await openTicket(tk.id);
    assert.deepEqual(await offered(), want, `${who} on "${tk.title}"`);
    // The customer and ticket staff comment (only staff internally) and add files until it is
    // closed; the system administrator reads it and takes no part.
    const part = who !== 'admin';
    assert.equal(await page.getByTestId('comment-form').count(), part ? 1 : 0, `${who} comments on "${tk.title}"`);
    assert.equal(await page.getByTestId('comment-internal').count(), part && who !== 'customer' ? 1 : 0, `${who}: the internal switch`);
    assert.equal(await page.getByTestId('add-files').count(), part && tk !== closed ? 1 : 0, `${who}: uploads on "${tk.title}"`);
  }
  await signOut();
  // A project member of other projects does not see the ticket at all.
  await signIn('zheng.kai');
  await page.goto(`${srv.url}/#/tickets/${fresh.id}`);
  await page.getByTestId('ticket-missing').waitFor();
  // Customers are sent to their own list from the staff console's addresses.
  await signOut();
  await signIn('customer', PHONE);
  await page.goto(`${srv.url}/#/tickets`);
  await page.waitForFunction(() => location.hash === '#/requests');
  await page.goto(`${srv.url}/#/corrective`);
  await page.getByText('您没有权限访问此页面').waitFor();
});

it('uploads: each file shows its state; a wrong type (415) and a file over the limit (413, with the server\'s limit) are named', async () => {
  // A server whose files may have 1 MiB (a setting), so that "too large" costs little to send.
  const dir = mkdtempSync(join(tmpdir(), 'kefu-conf-'));
  dirs.push(dir);
  const conf = join(dir, 'kefu.conf');
  writeFileSync(conf, 'attachments.max_mib = 1\n');
  const small = await startServer({ extraArgs: ['--config', conf] });
  try {
    const c = client(small.url);
    assert.equal((await c.login('customer')).status, 201);
    const made = await c.post('/api/v1/tickets', { project_id: P.warranty, kind: 'repair', title: '附件错误测试', description: '附件', channel: 'portal' });
    assert.equal(made.status, 201, made.text);
    const t = made.body;
    await page.goto(`${small.url}/#/login`);
    await page.locator('.login-card').waitFor();
    await signIn('customer', PHONE);
    await page.goto(`${small.url}/#/tickets/${t.id}`);
    await page.getByTestId('ticket-page').waitFor();
    const big = Buffer.concat([PHOTO, Buffer.alloc(1024 * 1024 + 1 - PHOTO.length)]);
    await page.getByTestId('add-files-files').setInputFiles([
      { name: '检测报告.pdf', mimeType: 'application/pdf', buffer: Buffer.from('这不是 PDF 文件') },
      { name: '大照片.png', mimeType: 'image/png', buffer: big },
      { name: '裂缝.png', mimeType: 'image/png', buffer: PHOTO },
    ]);
    const row = (name) => page.locator(`[data-testid=add-files-list] .upload-row[data-name="${name}"]`);
    await page.locator('[data-testid=add-files-list] .upload-row[data-state=done]').waitFor();
    await page.locator('[data-testid=add-files-list] .upload-row[data-state=failed]').nth(1).waitFor();
    assert.equal(await row('检测报告.pdf').getAttribute('data-state'), 'failed');
    assert.match(await row('检测报告.pdf').textContent(), /文件类型不支持.*JPEG、PNG、WebP 照片或 PDF/);
    assert.equal(await row('大照片.png').getAttribute('data-state'), 'failed');
    assert.match(await row('大照片.png').textContent(), /文件过大：每个文件不能超过 1 MB/, 'the limit the server has');
    assert.equal(await row('裂缝.png').getAttribute('data-state'), 'done');
    assert.equal(await page.locator('[data-testid=add-files-list] button:not([hidden])', { hasText: '重试' }).count(), 0,
      'the same bytes would be refused again: no retry');
    assert.match(await page.getByTestId('add-files-summary').textContent(), /2 个文件上传失败/);
    // The good one is on the page (and in the history); the others are not stored.
    await page.locator('[data-testid=attachments] [data-testid=attachment-img]').waitFor();
    assert.equal(await page.locator('[data-testid=attachments] .att').count(), 1);
    const list = await c.get(`/api/v1/tickets/${t.id}/attachments`);
    assert.deepEqual(list.body.map((a) => a.name), ['裂缝.png']);
    await page.screenshot({ path: join(SHOTS, 'tickets-upload-errors-phone.png'), fullPage: true });
    // Tapping the thumbnail shows the photo large.
    await page.locator('[data-testid=attachments] .att-thumb').first().tap();
    await page.getByTestId('lightbox').waitFor();
    await page.waitForFunction(() => document.querySelector('.lightbox-img')?.naturalWidth === 96);
    await page.locator('[data-testid=lightbox] .modal-x').tap();
    await ctx.clearCookies();
  } finally {
    await small.stop();
  }
});

it('staff record a request from a phone call: owned by them at once, answered, with the channel', async () => {
  await signIn('cm');
  await page.locator('[data-nav=tickets]').click();
  await page.getByTestId('record-ticket').click();
  await page.getByTestId('new-form').waitFor();
  await page.getByTestId('new-project').selectOption(String(P.construction));
  await page.getByTestId('new-kind-complaint').click();
  assert.equal(await page.getByTestId('new-channel').inputValue(), 'phone');
  await page.getByTestId('new-title').fill('顾客来电投诉夜间施工噪声');
  await page.getByTestId('new-description').fill('王老师来电：晚上十点后仍有混凝土振捣噪声，影响附近居民休息。');
  // Nothing required left out: the form says so next to the field, before asking the server.
  await page.getByTestId('new-title').fill('');
  await page.getByTestId('new-submit').click();
  await page.locator('.field.has-error [data-testid=new-title]').waitFor();
  await page.getByTestId('new-title').fill('顾客来电投诉夜间施工噪声');
  await page.getByTestId('new-submit').click();
  await page.getByTestId('ticket-page').waitFor();
  await statusIs('new');
  assert.equal(await page.getByTestId('ticket-owner').textContent(), users.cm.name);
  assert.match(await page.getByTestId('response-clock').textContent(), /已响应/);
  assert.match(await page.getByTestId('ticket-details').textContent(), /电话/);
  assert.deepEqual(await offered(), ['assign', 'handover', 'triage']);
  // Cannot handle needs the reason the customer is sent, and closes after a confirmation.
  await page.getByTestId('act-triage').click();
  await page.getByTestId('triage-scope-cannot_handle').click();
  await page.getByTestId('triage-warn').waitFor();
  await page.getByTestId('action-submit').click();
  await page.locator('[data-testid=modal-triage] .field.has-error [data-testid=triage-reason]').waitFor();
  await page.getByTestId('triage-reason').fill('夜间施工已取得环保部门许可，我们会加强降噪措施。');
  await page.getByTestId('action-submit').click();
  assert.match(await confirmOk(), /不可撤销/);
  await statusIs('closed');
  const id = Number(/#\/tickets\/(\d+)/.exec(page.url())[1]);
  const x = await apiOk('cm', 'GET', `/api/v1/tickets/${id}`);
  assert.equal(x.channel, 'phone');
  assert.equal(x.created_by, users.cm.id);
  assert.equal(x.scope, 'cannot_handle');
});

it('assignment and hand-over through the staff directory, by name and department; the new owner works on it', async () => {
  const t = await newTicket('customer', { project_id: P.warranty, kind: 'complaint', title: '移交测试：外墙瓷砖脱落', description: '外墙瓷砖脱落', channel: 'portal' });
  await move('cm', t.id, { action: 'take' });
  await signIn('cm');
  await openTicket(t.id);
  // Assign the project manager and the quality dept's colleague: cm stays the owner.
  await page.getByTestId('act-assign').click();
  await page.getByTestId('modal-assign').waitFor();
  await page.getByTestId('action-submit').click();
  await page.locator('[data-testid=modal-assign] .field.has-error').waitFor();
  const labels = await page.locator('[data-testid=modal-assign] .check-row').allTextContents();
  assert.match(labels[0], new RegExp(`${users.project.name}（项目部）`), `the project's team first: ${labels.join(' | ')}`);
  assert.ok(labels.includes(`${users.quality.name}（质量部）`), labels.join(' | '));
  for (const u of ['cm', 'customer', 'admin', 'zheng.kai']) {
    assert.ok(!labels.some((l) => l.startsWith(users[u].name)), `${u} is not offered: ${labels.join(' | ')}`);
  }
  await page.getByTestId(`assign-${users.project.id}`).check();
  await page.getByTestId(`assign-${users.quality.id}`).check();
  await page.getByTestId('action-submit').click();
  await page.getByTestId('ticket-assignees').waitFor();
  assert.equal(await page.getByTestId('ticket-assignees').textContent(), `${users.quality.name}、${users.project.name}`);
  assert.equal(await page.getByTestId('ticket-owner').textContent(), users.cm.name);
  await page.getByTestId('act-handover').click();
  assert.ok((await page.getByTestId('handover-to').locator('option').allTextContents()).includes(`${users.quality.name}（质量部）`));
  await page.getByTestId('handover-to').selectOption(String(users.project.id));
  await page.getByTestId('handover-reason').fill('外墙维修由项目部负责');
  await page.getByTestId('action-submit').click();
  assert.match(await confirmOk(), new RegExp(users.project.name));
  await page.getByTestId('no-actions').waitFor();
  assert.equal(await page.getByTestId('ticket-owner').textContent(), users.project.name);
  assert.match((await historyTexts()).at(-1).text, new RegExp(`移交给 ${users.project.name}.*外墙维修由项目部负责`, 's'));
  await signOut();
  await signIn('project');
  await page.locator('[data-nav=tickets]').click();
  await page.locator(`[data-testid=ticket-row][data-id="${t.id}"]`).waitFor(); // "mine" is the default queue
  await openTicket(t.id);
  assert.deepEqual(await offered(), ['assign', 'handover', 'triage']);
});

it('a suspension claim: the project team records its paperwork step by step; the customer reads every step', async () => {
  const t = await newTicket('project', { project_id: P.construction, kind: 'suspension_claim', title: '暴雨停工，申请顺延工期',
    description: '7月20日起连续暴雨，现场停工七天。', channel: 'visit' });
  await move('project', t.id, { action: 'triage', scope: 'in_contract' });
  await signIn('project');
  await openTicket(t.id);
  assert.deepEqual(await offered(), ['assign', 'handover', 'paperwork', 'resolve']);
  for (const [step, text] of [['notice', '停工通知 TZ-031 已送达建设单位'], ['evidence', '气象局暴雨证明与现场照片 12 张']]) {
    await page.getByTestId('act-paperwork').click();
    await page.getByTestId('modal-paperwork').waitFor();
    assert.equal(await page.getByTestId('paperwork-step').inputValue(), step, 'the next document is chosen already');
    await page.getByTestId('action-submit').click();
    await page.locator('[data-testid=modal-paperwork] .field.has-error').waitFor();
    await page.getByTestId('paperwork-text').fill(text);
    await page.getByTestId('action-submit').click();
    await page.getByTestId('modal-paperwork').waitFor({ state: 'detached' });
  }
  const steps = (await historyTexts()).filter((e) => e.action === 'paperwork');
  assert.equal(steps.length, 2);
  assert.match(steps[0].text, /书面通知[\s\S]*停工通知 TZ-031 已送达建设单位/);
  assert.match(steps[1].text, /证据材料[\s\S]*气象局暴雨证明与现场照片 12 张/);
  await signOut();
  await signIn('customer', PHONE);
  await openTicket(t.id);
  assert.equal((await historyTexts()).filter((e) => e.action === 'paperwork').length, 2, 'the customer reads the paperwork');
  await signOut();
});

it('staff record the customer\'s rating from a phone call: unsatisfied reopens it with an improvement need', async () => {
  const t = await newTicket('customer', { project_id: P.construction, kind: 'complaint', title: '楼道灯不亮', description: '三楼楼道灯不亮', channel: 'portal' });
  await move('cm', t.id, { action: 'take' });
  await move('cm', t.id, { action: 'triage', scope: 'in_contract' });
  await move('cm', t.id, { action: 'resolve', note: '已更换灯具' });
  await signIn('quality');
  await openTicket(t.id);
  assert.deepEqual(await offered(), ['rate']);
  await page.getByTestId('act-rate').click();
  await page.getByTestId('rate-unsatisfied').click();
  await page.getByTestId('action-submit').click();
  await page.locator('[data-testid=modal-rate] .field.has-error [data-testid=rate-source]').waitFor();
  await page.getByTestId('rate-source').selectOption('phone');
  await page.getByTestId('rate-comment').fill('灯亮了两天又不亮了');
  await page.getByTestId('action-submit').click();
  assert.match(await confirmOk(), /退回继续处理/);
  await statusIs('in_progress');
  assert.match(await page.getByTestId('ticket-facts').textContent(), /改进需求\s*1/);
  assert.match((await historyTexts()).at(-1).text, /评价：不满意.*来源：电话.*已记录改进需求.*灯亮了两天又不亮了/s);
});

it('search: 防水 (two characters) and 防水层 find the tickets that say it, and not the others', async () => {
  const a = await newTicket('customer', { project_id: P.construction, kind: 'complaint', title: '地下室墙面渗水', description: '地下室外墙防水层破损，雨后渗水。', channel: 'portal' });
  const b = await newTicket('customer', { project_id: P.construction, kind: 'complaint', title: '屋面防水卷材起鼓', description: '屋面多处起鼓。', channel: 'portal' });
  const c = await newTicket('customer', { project_id: P.construction, kind: 'complaint', title: '防火门关闭不严', description: '水管接口漏水。', channel: 'portal' });
  await signIn('cm', TABLET);
  await page.goto(`${srv.url}/#/tickets?queue=all`);
  await page.getByTestId('ticket-table').waitFor();
  const ids = async () => page.locator('[data-testid=ticket-row]').evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
  for (const [word, must, mustNot] of [['防水', [a, b], [c]], ['防水层', [a], [b, c]]]) {
    await page.getByTestId('filter-q').fill(word);
    await page.getByTestId('filter-submit').click();
    await page.waitForFunction((w) => new URLSearchParams(location.hash.split('?')[1]).get('q') === w, word);
    await page.locator(`[data-testid=ticket-row][data-id="${must[0].id}"]`).waitFor();
    const got = await ids();
    for (const t of must) assert.ok(got.includes(t.id), `q=${word} finds ${t.title}`);
    for (const t of mustNot) assert.ok(!got.includes(t.id), `q=${word} does not find ${t.title}`);
  }
  await page.screenshot({ path: join(SHOTS, 'tickets-search-tablet.png') });
  // The search stays in the address: a reload shows the same list.
  await page.reload();
  await page.locator(`[data-testid=ticket-row][data-id="${a.id}"]`).waitFor();
  assert.equal(await page.getByTestId('filter-q').inputValue(), '防水层');
  // Filters: by kind and status, with paging by "load more" over more than one page.
  await page.getByTestId('filter-reset').click();
  await page.getByTestId('filter-kind').selectOption('complaint');
  await page.locator('[data-testid=ticket-row]').first().waitFor();
  const kinds = await page.locator('[data-testid=ticket-row] [data-kind]').evaluateAll((els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 'complaint'), kinds.join());
});

it('paging: "load more" follows next_cursor to the end, without duplicates', async () => {
  const p = await apiOk('admin', 'POST', '/api/v1/projects', { code: `PG-${Date.now()}`, name: '分页测试项目', customer_id: 1 }, 201);
  for (let i = 0; i < 55; i++) {
    await newTicket('cm', { project_id: p.id, kind: 'inquiry', title: `分页 ${i}`, description: '分页', channel: 'phone' });
  }
  await signIn('cm');
  await page.goto(`${srv.url}/#/tickets?queue=all&project_id=${p.id}`);
  await page.getByTestId('load-more').waitFor();
  assert.equal(await page.locator('[data-testid=ticket-row]').count(), 50);
  await page.getByTestId('load-more').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=ticket-row]').length === 55);
  const ids = await page.locator('[data-testid=ticket-row]').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.equal(new Set(ids).size, 55);
  assert.equal(await page.getByTestId('load-more').count(), 0, 'no more pages');
  assert.match(await page.getByTestId('shown').textContent(), /共 55 条/);
});

it('corrective action: cm opens one from a ticket, then records the acceptance with the customer\'s representative', async () => {
  const t = await newTicket('customer', { project_id: P.warranty, kind: 'repair', title: '多处卫生间防水渗漏', description: '多个卫生间渗漏', channel: 'portal' });
  await signIn('cm');
  await openTicket(t.id);
  await page.getByTestId('start-corrective').click();
  await page.getByTestId('ca-form').waitFor();
  await page.locator(`[data-testid=ca-chosen] [data-id="${t.id}"]`).waitFor();
  await page.getByTestId('ca-title-input').fill('卫生间防水渗漏（质量通病）');
  await page.getByTestId('ca-plan').fill('统一排查所有卫生间防水层，更换防水材料并做 48 小时闭水试验。');
  await page.getByTestId('ca-submit').click();
  const item = page.locator('[data-testid^=ca-][data-status=open]').first();
  await item.waitFor();
  assert.match(await item.textContent(), /卫生间防水渗漏（质量通病）/);
  const caId = Number((await item.getAttribute('data-testid')).slice(3));
  await page.getByTestId(`ca-accept-${caId}`).click();
  await page.getByTestId('ca-rep').fill('张伟');
  await page.getByTestId('ca-appraisal').fill('抽查 5 个卫生间，闭水试验均无渗漏。');
  await page.getByTestId('ca-result-accepted').click();
  await page.getByTestId('ca-accept-submit').click();
  await confirmOk();
  await page.locator(`[data-testid=ca-${caId}][data-status=accepted]`).waitFor();
  assert.match(await page.getByTestId(`ca-${caId}`).textContent(), /张伟/);
  await page.screenshot({ path: join(SHOTS, 'tickets-corrective-desktop.png'), fullPage: true });
  const c = await apiOk('cm', 'GET', `/api/v1/corrective-actions/${caId}`);
  assert.deepEqual(c.ticket_ids, [t.id]);
  assert.equal(c.acceptances[0].customer_rep, '张伟');
});

it('the English switch on the portal: labels, statuses and the form in English', async () => {
  const t = await newTicket('customer', { project_id: P.warranty, kind: 'repair', title: '英文界面测试', description: 'English', channel: 'portal' });
  await signIn('customer', PHONE);
  await page.getByRole('button', { name: 'English' }).tap();
  await page.getByRole('heading', { name: 'My requests' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.deepEqual(await page.locator('[data-nav] .nav-label').allTextContents(), ['My requests', 'New request', 'My projects']);
  const card = page.locator(`[data-testid=request-card][data-id="${t.id}"]`);
  assert.match(await card.textContent(), /New.*Repair/);
  await page.screenshot({ path: join(SHOTS, 'tickets-portal-phone-en.png') });
  await card.tap();
  await page.getByTestId('ticket-page').waitFor();
  assert.match(await page.getByTestId('status-words').textContent(), /We have received your request/);
  assert.equal(await page.getByRole('heading', { name: 'Photos and files' }).count(), 1);
  await page.locator('[data-nav=new-request]').tap();
  await page.getByTestId('new-form').waitFor();
  assert.match(await page.getByTestId('new-kind').textContent(), /Repair.*Complaint.*Inquiry/);
  assert.match(await page.getByTestId('new-files').textContent(), /Take photo/);
  await page.getByTestId('new-submit').tap();
  await page.getByText('Please choose one').first().waitFor();
  await page.screenshot({ path: join(SHOTS, 'tickets-new-phone-en.png'), fullPage: true });
  // Back to Chinese, remembered.
  await page.getByRole('button', { name: '中文' }).tap();
  await page.getByRole('heading', { name: '提交诉求' }).waitFor();
});

it('screenshots: the portal on a phone, the console on a desktop and a tablet; nothing scrolls sideways', async () => {
  const t = await newTicket('customer', { project_id: P.warranty, kind: 'repair', title: '截图：教室窗户密封条老化漏风',
    description: '冬季教室窗户漏风严重，密封条老化开裂。', location: '2号教学楼 203 教室', channel: 'portal' });
  const c = await as('customer');
  const up = await c.request('POST', `/api/v1/tickets/${t.id}/attachments?name=${encodeURIComponent('窗户.png')}`, PHOTO,
    { raw: true, headers: { 'content-type': 'image/png' } });
  assert.equal(up.status, 201, up.text);
  await move('project', t.id, { action: 'take' });
  await move('project', t.id, { action: 'comment', text: '内部：密封条型号需与原厂一致', internal: true });
  await move('project', t.id, { action: 'comment', text: '已安排本周四下午上门更换密封条。' });
  await signIn('customer', PHONE);
  await page.screenshot({ path: join(SHOTS, 'tickets-shot-portal-phone.png') });
  await noHorizontalScroll('portal home, phone');
  await openTicket(t.id);
  await page.screenshot({ path: join(SHOTS, 'tickets-shot-ticket-phone.png'), fullPage: true });
  await noHorizontalScroll('ticket, phone');
  await signOut();
  for (const [name, size] of [['desktop', DESKTOP], ['tablet', TABLET]]) {
    await signIn('project', size);
    await page.goto(`${srv.url}/#/tickets?queue=all`);
    await page.getByTestId('ticket-table').waitFor();
    await page.screenshot({ path: join(SHOTS, `tickets-shot-queue-${name}.png`) });
    await noHorizontalScroll(`queue, ${name}`);
    await openTicket(t.id);
    await page.screenshot({ path: join(SHOTS, `tickets-shot-ticket-${name}.png`), fullPage: true });
    await noHorizontalScroll(`ticket, ${name}`);
    await page.getByTestId('act-triage').click();
    await page.getByTestId('modal-triage').waitFor();
    await page.screenshot({ path: join(SHOTS, `tickets-shot-triage-${name}.png`), animations: 'disabled' });
    await page.locator('[data-testid=modal-triage] .modal-x').click();
    await signOut();
  }
});

it('no page had a script error', () => {
  assert.deepEqual(pageErrors, []);
});
