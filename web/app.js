// Entry point: restores the session, draws the layout and routes #/… hashes to pages.

import { h, clear, icon } from './js/dom.js';
import { t, getLang, setLang } from './js/i18n.js';
import { api, setCsrf, setUnauthorizedHandler } from './js/api.js';
import { session, isAdmin, isStaff, isCustomer } from './js/session.js';
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
import { renderQueue, renderRequests } from './js/pages/tickets.js';
import { renderTicket } from './js/pages/ticket.js';
import { renderNewRequest, renderRecordTicket } from './js/pages/ticket-new.js';
import { renderCorrective } from './js/pages/corrective.js';

const root = document.getElementById('app');

// customer: true — the customer portal's pages; staff: true — never a customer's.
const ROUTES = [
  { re: /^\/requests$/, page: renderRequests, nav: 'requests', customer: true },
  { re: /^\/requests\/new$/, page: renderNewRequest, nav: 'new-request', customer: true },
  { re: /^\/tickets$/, page: renderQueue, nav: 'tickets', staff: true },
  { re: /^\/tickets\/new$/, page: renderRecordTicket, nav: 'tickets', staff: true },
  { re: /^\/tickets\/(\d+)$/, page: renderTicket, nav: 'tickets' },
  { re: /^\/corrective$/, page: renderCorrective, nav: 'corrective', staff: true },
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

// Customers see their portal only: their requests, a new one, their projects.
const NAV = [
  { key: 'requests', href: '#/requests', icon: 'inbox', label: 'nav.requests', customer: true },
  { key: 'new-request', href: '#/requests/new', icon: 'camera', label: 'nav.new_request', customer: true },
  { key: 'projects', href: '#/projects', icon: 'project', label: 'nav.projects', customerLabel: 'nav.my_projects' },
  { key: 'tickets', href: '#/tickets', icon: 'inbox', label: 'nav.tickets', staff: true },
  { key: 'customers', href: '#/customers', icon: 'customer', label: 'nav.customers', staff: true },
  { key: 'corrective', href: '#/corrective', icon: 'tool', label: 'nav.corrective', staff: true },
  { key: 'summaries', href: '#/summaries', icon: 'table', label: 'nav.summaries', staff: true },
  { key: 'cases', href: '#/cases', icon: 'gavel', label: 'nav.cases', staff: true },
  { key: 'reviews', href: '#/reviews', icon: 'review', label: 'nav.reviews', staff: true },
  { key: 'users', href: '#/users', icon: 'users', label: 'nav.users', admin: true },
];

let routeSeq = 0;
let loginNotice = null;
let afterLogin = null;

/** Where a person starts: customers at their requests, staff at the projects. */
function home() { return isCustomer() ? '#/requests' : '#/projects'; }

function parseHash() {
  const raw = location.hash.replace(/^#/, '');
  const [path, qs] = raw.split('?');
  return { path: path || '', query: new URLSearchParams(qs || '') };
}

function navLabel(n) { return t(isCustomer() && n.customerLabel ? n.customerLabel : n.label); }

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
  for (const el of document.querySelectorAll('.toasts .toast')) el.remove(); // the last user's notices
  loginNotice = { kind: 'info', text: 'login.signed_out' };
  afterLogin = null;
  navigate('#/login');
}

function layout(active) {
  const u = session.user;
  const nav = h('nav', { class: 'nav', 'aria-label': t('app.name') },
    NAV.filter((n) => (!n.admin || isAdmin()) && (!n.staff || isStaff()) && (!n.customer || isCustomer())).map((n) =>
      h('a', { href: n.href, class: ['nav-item', n.key === active && 'active'], 'aria-current': n.key === active ? 'page' : null,
        title: navLabel(n), 'data-nav': n.key },
        icon(n.icon, 18), h('span', { class: 'nav-label' }, navLabel(n)))));
  const content = h('main', { class: 'content', id: 'content' });
  const initial = (u.name || u.username || '?').trim().slice(0, 1).toUpperCase();
  const el = h('div', { class: ['layout', isCustomer() && 'layout-portal'] },
    h('aside', { class: 'sider' }, h('div', { class: 'sider-inner' },
      h('a', { class: 'brand', href: home() },
        h('span', { class: 'brand-logo' }, '客'),
        h('span', { class: 'brand-text' },
          h('span', { class: 'brand-name' }, t('app.name')),
          h('span', { class: 'brand-sub' }, t('app.company')))),
      nav)),
    h('div', { class: 'main' },
      h('header', { class: 'header' },
        h('a', { class: 'header-brand', href: home(), 'aria-hidden': 'true', tabindex: '-1' },
          h('span', { class: 'brand-logo' }, '客'), h('span', { class: 'header-brand-name' }, t('portal.brand'))),
        h('div', { class: 'header-title' }, h('span', null, t('app.short')), h('span', null, '/'),
          h('span', { class: 'crumb-cur' }, navLabel(NAV.find((n) => n.key === active) || NAV[0]))),
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
        const next = afterLogin && !afterLogin.startsWith('#/login') ? afterLogin : home();
        afterLogin = null;
        navigate(next);
      },
    }));
    return;
  }
  if (path === '/login' || path === '/' || path === '') { navigate(home()); return; }
  // The customer's portal and the staff console each have their own list and form.
  const other = isCustomer() ? { '/tickets': '#/requests', '/tickets/new': '#/requests/new' }
    : { '/requests': '#/tickets', '/requests/new': '#/tickets/new' };
  if (other[path]) { navigate(other[path]); return; }

  const r = ROUTES.find((x) => x.re.test(path));
  if (!r) { navigate(home()); return; }
  const { el, content } = layout(isCustomer() && r.nav === 'tickets' ? 'requests' : r.nav);
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
