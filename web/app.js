// Entry point: restores the session, draws the layout and routes #/… hashes to pages.

import { h, clear, icon } from './js/dom.js';
import { t, getLang, setLang } from './js/i18n.js';
import { api, setCsrf, setUnauthorizedHandler } from './js/api.js';
import { session, isAdmin, isStaff } from './js/session.js';
import { loading, errorBox, toast } from './js/ui.js';
import { mayLeave, heldHash, releaseLeave } from './js/guard.js';
import { renderLogin } from './js/pages/login.js';
import { renderProjects } from './js/pages/projects.js';
import { renderProject } from './js/pages/project.js';
import { renderCustomers } from './js/pages/customers.js';
import { renderUsers } from './js/pages/users.js';
import { renderEvaluate } from './js/pages/evaluate.js';
import { renderEvaluation } from './js/pages/evaluation.js';
import { renderCases, renderReviews } from './js/pages/cases.js';
import { renderSummaries } from './js/pages/summaries.js';

const root = document.getElementById('app');

const ROUTES = [
  { re: /^\/projects$/, page: renderProjects, nav: 'projects' },
  { re: /^\/projects\/(\d+)$/, page: renderProject, nav: 'projects' },
  { re: /^\/projects\/(\d+)\/evaluate$/, page: renderEvaluate, nav: 'projects' },
  { re: /^\/evaluations\/(\d+)$/, page: renderEvaluation, nav: 'projects' },
  { re: /^\/customers$/, page: renderCustomers, nav: 'customers' },
  { re: /^\/summaries$/, page: renderSummaries, nav: 'summaries', staff: true },
  { re: /^\/cases$/, page: renderCases, nav: 'cases', staff: true },
  { re: /^\/reviews$/, page: renderReviews, nav: 'reviews', staff: true },
  { re: /^\/users$/, page: renderUsers, nav: 'users', admin: true },
];

const NAV = [
  { key: 'projects', href: '#/projects', icon: 'project', label: 'nav.projects' },
  { key: 'customers', href: '#/customers', icon: 'customer', label: 'nav.customers' },
  { key: 'summaries', href: '#/summaries', icon: 'table', label: 'nav.summaries', staff: true },
  { key: 'cases', href: '#/cases', icon: 'gavel', label: 'nav.cases', staff: true },
  { key: 'reviews', href: '#/reviews', icon: 'review', label: 'nav.reviews', staff: true },
  { key: 'users', href: '#/users', icon: 'users', label: 'nav.users', admin: true },
];

let routeSeq = 0;
let loginNotice = null;
let afterLogin = '#/projects';

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/projects';
  const [path, qs] = raw.split('?');
  return { path: path || '/projects', query: new URLSearchParams(qs || '') };
}

export function navigate(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

function langSwitch() {
  const cur = getLang();
  const mk = (l, label) => h('button', {
    type: 'button', class: ['seg-btn', cur === l && 'active'], 'aria-pressed': String(cur === l),
    lang: l === 'zh' ? 'zh-CN' : 'en', 'data-lang': l,
    onclick: async () => {
      if (getLang() === l || !(await mayLeave())) return;
      setLang(l); route();
    },
  }, label);
  return h('div', { class: 'seg', role: 'group', 'aria-label': t('lang.switch'), 'data-testid': 'lang-switch' },
    icon('globe', 14), mk('zh', '中文'), mk('en', 'English'));
}

async function signOut() {
  if (!(await mayLeave())) return;
  try { await api.del('/session', { quiet401: true }); } catch { /* already gone */ }
  session.user = null; setCsrf(null);
  loginNotice = { kind: 'info', text: 'login.signed_out' };
  afterLogin = '#/projects';
  navigate('#/login');
}

function layout(active) {
  const u = session.user;
  const nav = h('nav', { class: 'nav', 'aria-label': t('app.name') },
    NAV.filter((n) => (!n.admin || isAdmin()) && (!n.staff || isStaff())).map((n) =>
      h('a', { href: n.href, class: ['nav-item', n.key === active && 'active'], 'aria-current': n.key === active ? 'page' : null,
        title: t(n.label), 'data-nav': n.key },
        icon(n.icon, 18), h('span', { class: 'nav-label' }, t(n.label)))));
  const content = h('main', { class: 'content', id: 'content' });
  const initial = (u.name || u.username || '?').trim().slice(0, 1).toUpperCase();
  const el = h('div', { class: 'layout' },
    h('aside', { class: 'sider' }, h('div', { class: 'sider-inner' },
      h('a', { class: 'brand', href: '#/projects' },
        h('span', { class: 'brand-logo' }, '客'),
        h('span', { class: 'brand-text' },
          h('span', { class: 'brand-name' }, t('app.name')),
          h('span', { class: 'brand-sub' }, t('app.company')))),
      nav)),
    h('div', { class: 'main' },
      h('header', { class: 'header' },
        h('div', { class: 'header-title' }, h('span', null, t('app.short')), h('span', null, '/'),
          h('span', { class: 'crumb-cur' }, t((NAV.find((n) => n.key === active) || NAV[0]).label))),
        h('div', { class: 'header-right' },
          langSwitch(),
          h('div', { class: 'user-box', 'data-testid': 'user-box' },
            h('span', { class: 'avatar', 'aria-hidden': 'true' }, initial),
            h('span', { class: 'user-meta' },
              h('span', { class: 'user-name', 'data-testid': 'user-name' }, u.name || u.username),
              h('span', { class: 'user-role', 'data-testid': 'user-role' }, t(`role.${u.role}`)))),
          h('button', { type: 'button', class: 'btn btn-text logout', onclick: signOut, 'data-testid': 'logout' },
            icon('logout', 16), h('span', null, t('header.logout'))))),
      content));
  return { el, content };
}

async function route() {
  // Leaving a page with unsaved work (a half-filled sheet) asks first; "stay" puts its hash back.
  const held = heldHash();
  if (held && session.user && location.hash !== held) {
    if (!(await mayLeave())) {
      if (location.hash !== held) history.replaceState(null, '', held);
      return;
    }
  }
  const seq = ++routeSeq;
  const alive = () => seq === routeSeq;
  const { path, query } = parseHash();
  document.title = `${t('app.name')} · kefu`;

  if (!session.user) {
    if (path !== '/login' && location.hash.length > 2) afterLogin = location.hash;
    clear(root);
    root.append(renderLogin({
      notice: loginNotice, langSwitch: langSwitch(),
      onSignedIn: (user, csrf) => {
        session.user = user; setCsrf(csrf); loginNotice = null;
        const next = afterLogin && !afterLogin.startsWith('#/login') ? afterLogin : '#/projects';
        afterLogin = '#/projects';
        navigate(next);
      },
    }));
    return;
  }
  if (path === '/login' || path === '/') { navigate('#/projects'); return; }

  const r = ROUTES.find((x) => x.re.test(path));
  if (!r) { navigate('#/projects'); return; }
  const { el, content } = layout(r.nav);
  clear(root); root.append(el);
  if ((r.admin && !isAdmin()) || (r.staff && !isStaff())) {
    content.append(h('div', { class: 'alert alert-warn' }, icon('warn', 16), t('common.forbidden')));
    return;
  }
  const params = path.match(r.re).slice(1);
  content.append(loading());
  try {
    await r.page(content, { params, query, alive, navigate });
  } catch (err) {
    if (!alive()) return;
    if (err && err.status === 401) return; // the unauthorized handler has taken over
    clear(content); content.append(errorBox(err, () => route()));
  }
}

setUnauthorizedHandler(() => {
  if (!session.user) return;
  releaseLeave();
  session.user = null; setCsrf(null);
  loginNotice = { kind: 'warn', text: 'login.expired' };
  route();
});

async function boot() {
  clear(root); root.append(h('div', { class: 'boot' }, loading()));
  try {
    const me = await api.get('/me', undefined, { quiet401: true });
    session.user = me.user; setCsrf(me.csrf_token);
  } catch (err) {
    session.user = null;
    if (err.status !== 401) toast(t('err.network'), 'error');
  }
  window.addEventListener('hashchange', route);
  await route();
}

boot();
