// browser.mjs - what every browser test file shares: Debian's chromium through playwright-core
// (never a downloaded browser), one kefu server per file on a fresh demo database, and before
// each test a signed-out page at the sign-in screen.
import assert from 'node:assert/strict';
import { before, after, beforeEach } from 'node:test';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, client } from './server.mjs';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
export const SHOTS = join(tmpdir(), 'kefu-browser-shots');
export const STEP = 10_000; // ms for any single wait

/**
 * as(username): a signed-in API client (cookie session) for the server whose URL url() gives,
 * made once per user — for setting up what a browser test then looks at.
 */
export function apiSessions(url) {
  const made = {};
  return async function as(username) {
    if (!made[username]) {
      const c = client(url());
      const r = await c.login(username);
      assert.equal(r.status, 201, `API sign-in as ${username}: ${r.text}`);
      made[username] = c;
    }
    return made[username];
  };
}

/** A persistent Chromium context in its own profile folder DIR. */
export function launch(dir, options = {}) {
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 1366, height: 860 }, locale: 'zh-CN', ...options,
  });
}

/**
 * Register this file's hooks: before all, a kefu server (startServer(server)) and a Chromium
 * context (launch options in context); after all, both stopped and their folders removed; before
 * each test, cookies and localStorage cleared, the viewport reset (when viewport is given) and a
 * full load of the sign-in page. ready({srv, ctx, page, pageErrors, dirs}) runs once both are
 * up, so a file keeps its own variables; pageErrors collects the page's uncaught script errors,
 * dirs the folders removed at the end (the profile first; a file may add its own).
 */
export function useBrowser({ server = {}, context = {}, viewport = null, ready }) {
  const h = { srv: null, ctx: null, page: null, pageErrors: [], dirs: [] };
  const { dirs } = h;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    h.srv = await startServer(server);
    const dir = mkdtempSync(join(tmpdir(), 'kefu-chromium-'));
    dirs.push(dir);
    h.ctx = await launch(dir, viewport ? { viewport, ...context } : context);
    h.ctx.setDefaultTimeout(STEP);
    h.page = h.ctx.pages()[0] || await h.ctx.newPage();
    h.page.on('pageerror', (e) => h.pageErrors.push(e.message));
    await ready?.(h);
  });
  after(async () => {
    if (h.ctx) await h.ctx.close();
    if (h.srv) await h.srv.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  beforeEach(async () => {
    // Every test starts signed out, with no remembered language.
    await h.ctx.clearCookies();
    if (h.page.url().startsWith(h.srv.url)) await h.page.evaluate(() => localStorage.clear());
    if (viewport) await h.page.setViewportSize(viewport);
    await h.page.goto('about:blank'); // a full load of the app below, not a same-document hash change
    await h.page.goto(h.srv.url + '/#/login');
    await h.page.locator('.login-card').waitFor();
  });
  return h;
}
