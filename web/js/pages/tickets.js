// Lists of tickets: the staff console's queues (mine, unowned, overdue, by project, kind and
// status, a full-text search, paged with next_cursor) with the warranty response clock on every
// row, and the customer's "my requests" — cards with the status in words, made for a phone.

import { h, clear, icon } from '../dom.js';
import { t, fmtTime } from '../i18n.js';
import { api } from '../api.js';
import { session } from '../session.js';
import { button, pageHeader, emptyState, errorBox, loading, input, select } from '../ui.js';
import {
  KINDS, STATES, isTicketStaff, mayCreateTicket, customerTask, statusTag, kindTag, clockLine, fmtShort,
} from '../tickets.js';

const PAGE = 50;

/* ---------- the staff console ---------- */

/** The queues a role works from; role queues show what waits for that role alone. */
function queuesFor(role, user) {
  const staff = isTicketStaff(role);
  // P-5.3.3: overdue requests go up to department heads, project managers and leaders
  const escalates = role === 'leader' || role === 'project' || Boolean(user.department_head);
  return [
    staff && { key: 'mine', params: { owner_id: 'me' } },
    staff && { key: 'unowned', params: { unowned: 'true' } },
    { key: 'overdue', params: { overdue: 'true' } },
    staff && escalates && { key: 'escalated', params: { escalated: 'true' } },
    role === 'quality' && { key: 'verify', params: { kind: 'repair', status: 'awaiting_verification' } },
    role === 'leader' && { key: 'approval', params: { kind: 'special_request', status: 'awaiting_approval' } },
    { key: 'all', params: {} },
  ].filter(Boolean);
}

export async function renderQueue(content, ctx) {
  const role = session.user.role;
  const queues = queuesFor(role, session.user);
  const q = ctx.query;
  const filters = {
    queue: queues.some((x) => x.key === q.get('queue')) ? q.get('queue') : queues[0].key,
    project_id: /^\d+$/.test(q.get('project_id') || '') ? q.get('project_id') : '',
    kind: KINDS.includes(q.get('kind')) ? q.get('kind') : '',
    status: STATES.includes(q.get('status')) ? q.get('status') : '',
    q: (q.get('q') || '').slice(0, 200),
  };
  const projects = await api.get('/projects');
  if (!ctx.alive()) return;

  const seg = h('div', { class: 'seg seg-filter tk-queues', role: 'group', 'aria-label': t('tk.queue.label'), 'data-testid': 'queues' });
  const counts = {};
  function drawSeg() {
    clear(seg);
    for (const x of queues) {
      const n = counts[x.key];
      seg.append(h('button', {
        type: 'button', class: ['seg-btn', filters.queue === x.key && 'active', ['overdue', 'escalated'].includes(x.key) && n && n !== '0' && 'seg-alert'],
        'aria-pressed': String(filters.queue === x.key), 'data-queue': x.key, 'data-testid': `queue-${x.key}`,
        onclick: () => { if (filters.queue !== x.key) { filters.queue = x.key; drawSeg(); apply(); } },
      }, t(`tk.queue.${x.key}`), n !== undefined ? h('span', { class: 'seg-count', 'data-testid': `count-${x.key}` }, n) : null));
    }
  }

  const projSel = select([{ value: '', label: t('tk.filter.project') },
    ...projects.map((p) => ({ value: p.id, label: `${p.code} ${p.name}` }))], { 'aria-label': t('tk.f.project'), 'data-testid': 'filter-project' });
  projSel.value = filters.project_id;
  const kindSel = select([{ value: '', label: t('tk.filter.kind') }, ...KINDS.map((k) => ({ value: k, label: t(`tk.kind.${k}`) }))],
    { 'aria-label': t('tk.f.kind'), 'data-testid': 'filter-kind' });
  kindSel.value = filters.kind;
  const statusSel = select([{ value: '', label: t('tk.filter.status') }, ...STATES.map((s) => ({ value: s, label: t(`tk.status.${s}`) }))],
    { 'aria-label': t('tk.f.status'), 'data-testid': 'filter-status' });
  statusSel.value = filters.status;
  const qInput = input({ type: 'search', maxlength: 200, placeholder: t('tk.filter.q'), 'aria-label': t('tk.filter.q'),
    'data-testid': 'filter-q', value: filters.q });
  const form = h('form', { class: 'filter-bar tk-filters', role: 'search' },
    projSel, kindSel, statusSel,
    h('div', { class: 'search-box' }, icon('search', 14), qInput),
    button(t('common.search'), { kind: 'primary', type: 'submit', iconName: 'search', testid: 'filter-submit' }),
    button(t('common.reset'), { testid: 'filter-reset', onclick: () => {
      projSel.value = ''; kindSel.value = ''; statusSel.value = ''; qInput.value = ''; apply();
    } }));
  form.addEventListener('submit', (e) => { e.preventDefault(); apply(); });
  for (const s of [projSel, kindSel, statusSel]) s.addEventListener('change', () => apply());

  const tbody = h('tbody');
  const table = h('table', { class: 'table tk-table', 'data-testid': 'ticket-table' },
    h('thead', null, h('tr', null,
      h('th', null, t('tk.col.number')), h('th', null, t('tk.col.title')), h('th', { class: 'tk-col-project' }, t('tk.col.project')),
      h('th', null, t('tk.col.kind')), h('th', null, t('tk.col.status')), h('th', null, t('tk.col.owner')),
      h('th', null, t('tk.col.clock')))),
    tbody);
  const more = button(t('tk.more'), { testid: 'load-more' });
  const foot = h('div', { class: 'table-foot' });
  const listArea = h('div', { class: 'list-area' }, loading());
  let cursor = null;
  let shown = 0;
  let seq = 0;

  function params() {
    const qx = queues.find((x) => x.key === filters.queue);
    return { project_id: filters.project_id, kind: filters.kind, status: filters.status, q: filters.q, ...qx.params };
  }

  async function load(append_ = false) {
    const my = ++seq;
    if (!append_) { cursor = null; shown = 0; clear(listArea).append(loading()); }
    more.disabled = true;
    try {
      const r = await api.get('/tickets', { ...params(), limit: PAGE, cursor: append_ ? cursor : '' });
      if (!ctx.alive() || my !== seq) return;
      if (!append_) clear(tbody);
      for (const tk of r.items) tbody.append(row(tk));
      shown += r.items.length;
      cursor = r.next_cursor;
      if (!append_) {
        clear(listArea).append(shown ? h('div', { class: 'table-wrap' }, h('div', { class: 'table-scroll' }, table), foot)
          : emptyState(t(filters.q || filters.project_id || filters.kind || filters.status ? 'tk.empty.filtered' : `tk.empty.${filters.queue}`)));
      }
      clear(foot).append(h('span', { class: 'table-total', 'data-testid': 'shown' }, t(cursor ? 'tk.shown_more' : 'tk.shown', { n: shown })));
      if (cursor) foot.append(more);
      more.disabled = false;
    } catch (err) {
      if (!ctx.alive() || err.status === 401 || my !== seq) return;
      if (append_) { more.disabled = false; foot.append(h('span', { class: 'field-error' }, t('common.load_failed', { msg: err.message }))); return; }
      clear(listArea).append(errorBox(err, () => load()));
    }
  }
  more.addEventListener('click', () => load(true));

  function row(tk) {
    const tr = h('tr', { class: ['clickable', tk.overdue && 'row-overdue'], 'data-id': tk.id, 'data-testid': 'ticket-row', 'data-status': tk.status },
      h('td', { class: 'nowrap' }, h('a', { href: `#/tickets/${tk.id}`, class: 'mono tk-no' }, tk.number),
        h('div', { class: 'cell-sub' }, fmtShort(Date.parse(tk.created_at)))),
      h('td', { class: 'wrap' }, h('a', { href: `#/tickets/${tk.id}`, class: 'link', 'data-testid': 'ticket-row-title' }, tk.title),
        tk.location ? h('div', { class: 'cell-sub' }, tk.location) : null,
        h('div', { class: 'cell-sub only-narrow' }, `${tk.project_code} ${tk.project_name}`)),
      h('td', { class: 'wrap tk-col-project' }, h('span', { class: 'mono' }, tk.project_code), h('div', { class: 'cell-sub' }, tk.project_name)),
      h('td', null, kindTag(tk.kind)),
      h('td', null, statusTag(tk.status)),
      h('td', { class: 'nowrap' }, tk.owner_name ? tk.owner_name : h('span', { class: 'tk-unowned' }, t('tk.unowned')),
        tk.escalated_to?.length ? h('div', { class: 'cell-sub tk-escalated', 'data-testid': 'row-escalated' },
          `${t('tk.f.escalated_to')} ${tk.escalated_to.map((u) => u.name).join('、')}`) : null),
      h('td', { class: 'nowrap', 'data-testid': 'row-clock' }, clockLine(tk)));
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a,button,input,select')) return;
      ctx.navigate(`#/tickets/${tk.id}`);
    });
    return tr;
  }

  function apply() {
    filters.project_id = projSel.value;
    filters.kind = kindSel.value;
    filters.status = statusSel.value;
    filters.q = qInput.value.trim().slice(0, 200);
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v && !(k === 'queue' && v === queues[0].key)) qs.set(k, v);
    const s = qs.toString();
    history.replaceState(null, '', `#/tickets${s ? '?' + s : ''}`);
    load();
  }

  /** How many wait in each queue: one small page each (100+ shows as "99+"). */
  async function loadCounts() {
    await Promise.all(queues.filter((x) => x.key !== 'all').map(async (x) => {
      try {
        const r = await api.get('/tickets', { ...x.params, limit: 100 });
        counts[x.key] = r.next_cursor ? '99+' : String(r.items.length);
      } catch { /* no count */ }
    }));
    if (ctx.alive()) drawSeg();
  }

  const actions = mayCreateTicket(role)
    ? [button(t('tk.record'), { kind: 'primary', iconName: 'phone', testid: 'record-ticket', onclick: () => ctx.navigate('#/tickets/new') })]
    : [];
  drawSeg();
  clear(content).append(
    pageHeader({ title: t('tk.queue.title'), desc: t('tk.queue.desc'), actions }),
    h('section', { class: 'card' }, h('div', { class: 'card-body' }, seg, form, listArea)));
  loadCounts();
  await load();
}

/* ---------- the customer's requests ---------- */

export async function renderRequests(content, ctx) {
  const list = h('div', { class: 'tk-cards', 'data-testid': 'requests' });
  const more = button(t('tk.more'), { testid: 'load-more' });
  more.classList.add('btn-block');
  const listArea = h('div', { class: 'list-area' }, loading());
  let cursor = null;

  async function load(append_ = false) {
    more.disabled = true;
    try {
      const r = await api.get('/tickets', { limit: 20, cursor: append_ ? cursor : '' });
      if (!ctx.alive()) return;
      if (!append_) clear(list);
      for (const tk of r.items) list.append(requestCard(tk));
      cursor = r.next_cursor;
      more.disabled = false;
      more.hidden = !cursor;
      if (!append_) {
        clear(listArea).append(...(list.childElementCount ? [list, more]
          : [emptyState(t('portal.empty'), button(t('portal.new'), { kind: 'primary', iconName: 'plus', onclick: () => ctx.navigate('#/requests/new') }))]));
      }
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      if (append_) { more.disabled = false; return; }
      clear(listArea).append(errorBox(err, () => load()));
    }
  }
  more.addEventListener('click', () => load(true));

  const newBtn = button(t('portal.new'), { kind: 'primary', iconName: 'camera', testid: 'new-request', onclick: () => ctx.navigate('#/requests/new') });
  clear(content).append(
    pageHeader({ title: t('portal.title'), desc: t('portal.desc'), actions: [newBtn] }),
    listArea);
  await load();
}

function requestCard(tk) {
  const task = customerTask(tk);
  return h('a', { class: ['tk-card', task && 'tk-card-task'], href: `#/tickets/${tk.id}`, 'data-testid': 'request-card',
    'data-id': tk.id, 'data-status': tk.status },
  h('div', { class: 'tk-card-top' }, statusTag(tk.status, {}, { taken: Boolean(tk.owner_id) }), kindTag(tk.kind),
    h('span', { class: 'tk-card-no mono' }, tk.number)),
  h('div', { class: 'tk-card-title' }, tk.title),
  h('div', { class: 'tk-card-sub' }, [tk.project_name, tk.location].filter(Boolean).join(' · ')),
  task ? h('div', { class: 'tk-card-ask', 'data-testid': 'request-task' }, icon('warn', 14), t(`portal.task.${task}`))
    : h('div', { class: 'tk-card-foot' }, t('portal.updated', { at: fmtTime(tk.updated_at) })));
}
