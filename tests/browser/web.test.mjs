// Browser tests of the web app: a real kefu server on a fresh demo database, driven through
// Debian's chromium with playwright-core, the way a person would use it.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useBrowser, SHOTS } from '../lib/browser.mjs';
import { client, DEMO_PASSWORD } from '../lib/server.mjs';


/** Yesterday in UTC as YYYY-MM-DD: never in the future for the server whatever its rules. */
function yesterday() {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

// Top-level tests (not one suite) so that scripts/check.sh counts each one.
let srv; let ctx; let page; let dirs;
let pageErrors;

useBrowser({ ready: (h) => ({ srv, ctx, page, pageErrors, dirs } = h) });

async function signIn(username, password = DEMO_PASSWORD) {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

async function signInAndWait(username) {
  await signIn(username);
  await page.getByTestId('user-box').waitFor();
  await page.getByTestId('projects-table').waitFor();
}

it('serves the app without external resources and loads without script errors', async () => {
  const external = [];
  const listener = (req) => { if (!req.url().startsWith(srv.url) && !req.url().startsWith('data:')) external.push(req.url()); };
  page.on('request', listener);
  await page.reload();
  await page.locator('.login-card').waitFor();
  page.off('request', listener);
  assert.deepEqual(external, []);
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.deepEqual(pageErrors, []);
});

it('shows an error message for a wrong password and stays on the sign-in page', async () => {
  await signIn('business', 'not-the-right-password');
  const alert = page.locator('.login-card [role=alert]:not([hidden])').first();
  await alert.waitFor();
  assert.match(await alert.textContent(), /用户名或密码错误/);
  assert.equal(await page.getByTestId('user-box').count(), 0);
  assert.equal(await page.getByLabel('密码').inputValue(), '');
  await page.screenshot({ path: join(SHOTS, 'login-error.png') });
  // Empty fields are caught next to the field, before asking the server.
  await page.getByLabel('用户名').fill('');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('请填写此项').first().waitFor();
});

it('business records the contract-signed event of a pre-contract project through the form', async () => {
  await signInAndWait('business');
  assert.equal(await page.getByTestId('user-role').textContent(), '经营部');
  await page.getByTestId('filter-stage').selectOption('pre_contract');
  await page.locator('[data-testid=projects-table] tbody tr td [data-stage]').first().waitFor();
  const stages = await page.locator('[data-testid=projects-table] tbody [data-stage]').allTextContents();
  assert.ok(stages.length > 0, 'the demo company has pre-contract projects');
  assert.ok(stages.every((s) => s === '前期'), `only 前期 after filtering, got ${stages}`);
  const link = page.locator('[data-testid=projects-table] tbody tr a').first();
  const name = (await link.textContent()).trim();
  await link.click();

  await page.getByTestId('timeline').waitFor();
  assert.equal(await page.getByTestId('project-title').textContent(), name);
  assert.equal(await page.getByTestId('project-stage').textContent(), '前期');
  assert.equal(await page.locator('[data-stage=pre_contract][data-status=current]').count(), 1);
  const eventType = page.getByTestId('event-type');
  assert.equal(await eventType.getAttribute('data-type'), 'contract_signed');
  assert.match(await eventType.textContent(), /施工合同签订/);

  const date = yesterday();
  await page.getByTestId('event-date').fill(date);
  await page.getByTestId('event-note').fill('合同编号 HT-测试-001 <b>不是标记</b>');

  // Cancelling the confirmation records nothing.
  await page.getByTestId('event-submit').click();
  await page.getByTestId('confirm-dialog').waitFor();
  await page.getByTestId('confirm-cancel').click();
  await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('project-stage').textContent(), '前期');

  await page.getByTestId('event-submit').click();
  const dlg = page.getByTestId('confirm-dialog');
  await dlg.waitFor();
  const msg = await dlg.textContent();
  assert.match(msg, /不可撤销/);
  assert.match(msg, new RegExp(date));
  await page.screenshot({ path: join(SHOTS, 'event-confirm.png') });
  await page.getByTestId('confirm-ok').click();

  await page.locator('[data-stage=construction][data-status=current]').waitFor();
  assert.equal(await page.getByTestId('project-stage').textContent(), '过程');
  const step = page.locator('[data-testid=timeline] [data-stage=construction]');
  const stepText = await step.textContent();
  assert.match(stepText, /施工合同签订/);
  assert.match(stepText, new RegExp(date));
  assert.match(stepText, /记录/);
  assert.match(stepText, /<b>不是标记<\/b>/, 'the note is shown as text, not markup');
  assert.equal(await page.locator('[data-stage=pre_contract][data-status=done]').count(), 1);
  // The form now offers the next event only.
  assert.equal(await page.getByTestId('event-type').getAttribute('data-type'), 'completion_filed');
  await page.screenshot({ path: join(SHOTS, 'project-after-event.png'), fullPage: true });

  // After a reload (session restored through GET /me) the page still says 过程.
  await page.reload();
  await page.getByTestId('timeline').waitFor();
  assert.equal(await page.getByTestId('project-stage').textContent(), '过程');
  assert.match(await page.locator('[data-testid=timeline] [data-stage=construction]').textContent(), new RegExp(date));

  // A date before the contract date is refused by the server and shown next to the field.
  const before = new Date(Date.parse(date) - 30 * 86_400_000).toISOString().slice(0, 10);
  await page.getByTestId('event-date').fill(before);
  await page.getByTestId('event-submit').click();
  await page.getByTestId('confirm-ok').click();
  const fieldErr = page.locator('.field.has-error .field-error');
  await fieldErr.waitFor();
  assert.ok((await fieldErr.textContent()).length > 0);
  assert.equal(await page.getByTestId('project-stage').textContent(), '过程');
});

it('business creates a project with the form, with inline validation', async () => {
  await signInAndWait('business');
  await page.getByTestId('new-project').click();
  await page.getByTestId('project-form').waitFor();
  assert.equal(await page.getByTestId('project-manager').count(), 0, 'non-admins cannot list users for a manager');
  await page.getByTestId('project-code').fill('坏 编号');
  await page.getByTestId('project-submit').click();
  const codeField = page.locator('.field', { has: page.getByTestId('project-code') });
  assert.match(await codeField.locator('.field-error').textContent(), /字母、数字/);
  assert.match(await page.locator('.field', { has: page.getByTestId('project-name') }).locator('.field-error').textContent(), /请填写/);

  // A code already in use: the server's 409 lands next to the code field.
  const api = client(srv.url);
  await api.login('business');
  const existing = (await api.get('/api/v1/projects')).body[0];
  await page.getByTestId('project-code').fill(existing.code);
  await page.getByTestId('project-name').fill('浏览器测试项目');
  await page.getByTestId('project-customer').selectOption({ index: 1 });
  await page.getByTestId('project-submit').click();
  await page.locator('.field.has-error', { has: page.getByTestId('project-code') }).waitFor();
  assert.match(await codeField.locator('.field-error').textContent(), /已被使用|已存在/);

  await page.getByTestId('project-code').fill('WEB-TEST-001');
  await page.getByTestId('project-submit').click();
  await page.getByTestId('timeline').waitFor();
  assert.equal(await page.getByTestId('project-title').textContent(), '浏览器测试项目');
  assert.equal(await page.getByTestId('project-stage').textContent(), '前期');
  const created = (await api.get('/api/v1/projects?q=WEB-TEST-001')).body;
  assert.equal(created.length, 1);
  assert.equal(created[0].stage, 'pre_contract');
});

it('customer sees only its own customer’s projects and no create buttons', async () => {
  const api = client(srv.url);
  await api.login('customer');
  const me = (await api.get('/api/v1/me')).body.user;
  const mine = (await api.get('/api/v1/projects')).body;
  const admin = client(srv.url);
  await admin.login('admin');
  const all = (await admin.get('/api/v1/projects')).body;
  const expected = all.filter((p) => p.customer_id === me.customer_id).map((p) => p.code).sort();
  assert.ok(expected.length > 0 && expected.length < all.length, 'demo data has projects of other customers');
  assert.deepEqual(mine.map((p) => p.code).sort(), expected);

  // A customer starts at its requests (the portal); its projects are one tap away.
  await signIn('customer');
  await page.locator('[data-nav=requests].active').waitFor();
  assert.equal(await page.getByTestId('user-role').textContent(), '顾客');
  assert.equal(await page.locator('[data-nav=projects]').textContent(), '我的项目');
  await page.locator('[data-nav=projects]').click();
  await page.locator('[data-testid=projects-table] tbody tr').first().waitFor();
  const codes = (await page.locator('[data-testid=projects-table] tbody tr td:first-child').allTextContents()).map((s) => s.trim()).sort();
  assert.deepEqual(codes, expected);
  const customerName = all.find((p) => p.customer_id === me.customer_id).customer_name;
  const names = await page.locator('[data-testid=projects-table] tbody tr td:nth-child(3)').allTextContents();
  assert.ok(names.every((n) => n.trim() === customerName));
  assert.equal(await page.getByTestId('new-project').count(), 0);
  assert.equal(await page.getByText('新建项目').count(), 0);
  assert.equal(await page.locator('[data-nav=users]').count(), 0, 'no users page for customers');
  await page.screenshot({ path: join(SHOTS, 'customer-projects.png') });

  // The project page has no event form for a customer.
  await page.locator('[data-testid=projects-table] tbody tr a').first().click();
  await page.getByTestId('timeline').waitFor();
  assert.equal(await page.getByTestId('event-form').count(), 0);

  // Another customer's project is not shown.
  const other = all.find((p) => p.customer_id !== me.customer_id);
  await page.goto(`${srv.url}/#/projects/${other.id}`);
  await page.getByText('找不到该记录').waitFor();

  // The customers page is not among the portal's entries, but its own record is there to read.
  assert.equal(await page.locator('[data-nav=customers]').count(), 0);
  await page.goto(`${srv.url}/#/customers`);
  await page.getByTestId('customers-table').waitFor();
  assert.equal(await page.getByTestId('new-customer').count(), 0);
  assert.equal(await page.locator('[data-testid=customers-table] tbody tr').count(), 1);
});

it('switches to English and back, remembering the choice', async () => {
  await signInAndWait('cm');
  assert.equal(await page.locator('[data-nav=projects]').textContent(), '项目管理');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.locator('[data-nav=customers]').textContent(), 'Customers');
  assert.equal(await page.getByTestId('user-role').textContent(), 'Construction management');
  assert.equal(await page.getByTestId('logout').textContent(), 'Sign out');
  const heads = await page.locator('[data-testid=projects-table] thead th').allTextContents();
  assert.deepEqual(heads.slice(0, 5), ['Code', 'Name', 'Customer', 'Project manager', 'Stage']);
  const tags = new Set(await page.locator('[data-testid=projects-table] tbody [data-stage]').allTextContents());
  assert.ok([...tags].every((s) => ['Pre-contract', 'Construction', 'In warranty', 'Post-warranty'].includes(s)), [...tags].join());
  assert.ok(await page.getByRole('button', { name: 'New project' }).isVisible());
  // Sorting by a column header, ascending then descending.
  const codes = () => page.locator('[data-testid=projects-table] tbody tr td:first-child').allTextContents();
  await page.getByRole('button', { name: 'Code' }).click();
  const asc = await codes();
  assert.deepEqual(asc, [...asc].sort());
  assert.equal(await page.locator('th[aria-sort=ascending]').count(), 1);
  await page.getByRole('button', { name: 'Code' }).click();
  assert.deepEqual(await codes(), [...asc].reverse());
  await page.screenshot({ path: join(SHOTS, 'projects-en.png') });

  await page.reload();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.getByTestId('logout').click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.getByRole('button', { name: '中文' }).click();
  await page.getByRole('button', { name: '登录' }).waitFor();
});

it('follows a browser that prefers English', async () => {
  // Same context (no second browser launch): the page sees navigator.language = en-US.
  const p = await ctx.newPage();
  try {
    await p.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'language', { get: () => 'en-US' });
      Object.defineProperty(Navigator.prototype, 'languages', { get: () => ['en-US', 'en'] });
    });
    await p.goto(srv.url + '/');
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.ok(await p.getByLabel('Username').isVisible());
    assert.equal(await p.locator('html').getAttribute('lang'), 'en');
  } finally { await p.close(); }
});

it('admin manages users: inline errors, create a customer user, deactivate it', async () => {
  await signInAndWait('admin');
  // The admin may choose a project manager among the users of role 项目部.
  await page.getByTestId('new-project').click();
  await page.locator('[data-testid=project-manager] option').nth(1).waitFor({ state: 'attached' });
  const api = client(srv.url);
  await api.login('admin');
  const projectUsers = (await api.get('/api/v1/users')).body.filter((u) => u.role === 'project' && u.active);
  assert.equal(await page.locator('[data-testid=project-manager] option').count(), projectUsers.length + 1);
  await page.keyboard.press('Escape');
  await page.getByTestId('project-form').waitFor({ state: 'detached' });

  await page.locator('[data-nav=users]').click();
  await page.getByTestId('users-table').waitFor();
  const roles = await page.locator('[data-testid=users-table] tbody tr td:nth-child(3)').allTextContents();
  for (const r of ['系统管理员', '经营部', '项目部', '顾客']) assert.ok(roles.includes(r), `role ${r} shown`);

  await page.getByTestId('new-user').click();
  const form = page.getByTestId('user-form');
  await form.waitFor();
  await form.getByTestId('user-username').fill('wangfang');
  await form.getByTestId('user-name').fill('王芳');
  await form.getByTestId('user-role-select').selectOption('customer');
  await form.getByTestId('user-customer').selectOption({ index: 1 });
  await form.getByTestId('user-password').fill('short');
  await page.getByTestId('user-submit').click();
  assert.match(await form.locator('.field.has-error .field-error').textContent(), /12/);
  await form.getByTestId('user-password').fill('a-long-enough-password');
  await page.getByTestId('user-submit').click();
  await form.waitFor({ state: 'detached' });
  const row = page.locator('[data-testid=users-table] tbody tr', { hasText: 'wangfang' });
  await row.waitFor();
  assert.match(await row.textContent(), /王芳/);
  assert.match(await row.textContent(), /在用/);
  await page.screenshot({ path: join(SHOTS, 'users.png') });

  await page.getByTestId('edit-user-wangfang').click();
  const edit = page.getByTestId('user-edit');
  await edit.waitFor();
  assert.equal(await edit.getByTestId('user-head').isVisible(), false, 'customers have no department to head');
  await edit.locator('label.switch', { has: page.getByTestId('user-active') }).click();
  await page.getByTestId('user-submit').click();
  await edit.waitFor({ state: 'detached' });
  await page.locator('[data-testid=users-table] tbody tr', { hasText: 'wangfang' }).getByText('已停用').waitFor();

  // The quality dept gets a head (P-5.3.3: overdue requests go up to them).
  await page.getByTestId('edit-user-quality').click();
  await edit.waitFor();
  await edit.locator('label.switch', { has: page.getByTestId('user-head') }).click();
  await page.getByTestId('user-submit').click();
  await edit.waitFor({ state: 'detached' });
  await page.locator('[data-testid=users-table] tbody tr', { hasText: 'quality' }).getByTestId('head-tag').waitFor();
  const admin = client(srv.url);
  await admin.login('admin');
  assert.equal((await admin.get('/api/v1/users')).body.find((u) => u.username === 'quality').department_head, true);
});

it('escapes text from the server', async () => {
  const api = client(srv.url);
  await api.login('cm');
  const evil = '<img src=x onerror="window.__pwned=1">顾客';
  const r = await api.post('/api/v1/customers', { name: evil });
  assert.equal(r.status, 201);
  await signInAndWait('cm');
  await page.locator('[data-nav=customers]').click();
  await page.getByTestId('customers-table').waitFor();
  await page.getByText(evil).waitFor();
  assert.equal(await page.locator('[data-testid=customers-table] img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
});

it('signs out', async () => {
  await signInAndWait('leader');
  assert.equal(await page.getByTestId('new-project').count(), 0, 'leader may not create projects');
  await page.getByTestId('logout').click();
  await page.locator('.login-card').waitFor();
  await page.getByText('您已安全退出').waitFor();
  await page.goto(srv.url + '/#/projects');
  await page.reload();
  await page.locator('.login-card').waitFor();
  assert.deepEqual(pageErrors, []);
});
