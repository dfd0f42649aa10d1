// Shared widgets: buttons, tags, form fields with inline errors, tables, modals, toasts.

import { h, clear, icon } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './api.js';

export function button(text, { kind = 'default', iconName, type = 'button', onclick, testid, disabled, small } = {}) {
  return h('button', {
    type, class: ['btn', `btn-${kind}`, small && 'btn-sm'], onclick, disabled,
    'data-testid': testid,
  }, iconName ? icon(iconName, 14) : null, h('span', { text }));
}

const STAGE_CLASS = {
  pre_contract: 'tag-gold', construction: 'tag-blue', warranty: 'tag-green', post_warranty: 'tag-gray',
};

export function stageTag(stage) {
  return h('span', { class: ['tag', STAGE_CLASS[stage] || 'tag-gray'], 'data-stage': stage }, t(`stage.${stage}`));
}

export function tag(text, color = 'gray') {
  return h('span', { class: ['tag', `tag-${color}`] }, text);
}

export function pageHeader({ title, desc, actions = [], back }) {
  return h('div', { class: 'page-header' },
    h('div', { class: 'page-heading' },
      back || null,
      h('h1', { class: 'page-title' }, title),
      desc ? h('div', { class: 'page-desc' }, desc) : null),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

export function card(title, body, { extra, className } = {}) {
  return h('section', { class: ['card', className] },
    title ? h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, title), extra || null) : null,
    h('div', { class: 'card-body' }, body));
}

export function emptyState(text, action) {
  return h('div', { class: 'empty', 'data-testid': 'empty' },
    h('div', { class: 'empty-icon' }, icon('empty', 40)),
    h('p', { class: 'empty-text' }, text),
    action || null);
}

export function loading() {
  return h('div', { class: 'loading' }, h('span', { class: 'spinner' }), t('common.loading'));
}

export function errorBox(err, retry) {
  return h('div', { class: 'alert alert-error', role: 'alert' },
    icon('warn', 16),
    h('span', null, t('common.load_failed', { msg: errorText(err) })),
    retry ? button(t('common.retry'), { small: true, onclick: retry }) : null);
}

/* ---------- forms ---------- */

let fieldSeq = 0;

/**
 * One labelled control with a hint and an inline error below it.
 * control: an <input>/<select>/<textarea> (its id is set here).
 */
export function formField({ label, control, hint, required = false, optional = false, wide = false }) {
  const id = `f${++fieldSeq}`;
  control.id = id;
  const errId = `${id}-err`;
  const err = h('div', { class: 'field-error', id: errId, role: 'alert', hidden: true });
  const hintEl = hint ? h('div', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  control.setAttribute('aria-describedby', [hintEl && `${id}-hint`, errId].filter(Boolean).join(' '));
  const el = h('div', { class: ['field', wide && 'field-wide'] },
    h('label', { for: id, class: ['field-label', required && 'required'] }, label,
      optional ? h('span', { class: 'field-optional' }, `（${t('common.optional')}）`) : null),
    control, hintEl, err);
  const f = {
    el, control,
    setError(msg) {
      err.textContent = msg; err.hidden = false;
      el.classList.add('has-error'); control.setAttribute('aria-invalid', 'true');
      if (hintEl) hintEl.hidden = true;
    },
    clear() {
      err.textContent = ''; err.hidden = true;
      el.classList.remove('has-error'); control.removeAttribute('aria-invalid');
      if (hintEl) hintEl.hidden = false;
    },
  };
  const clearOnEdit = () => f.clear();
  control.addEventListener('input', clearOnEdit);
  control.addEventListener('change', clearOnEdit);
  return f;
}

export function input(attrs = {}) { return h('input', { type: 'text', class: 'input', autocomplete: 'off', ...attrs }); }
export function textarea(attrs = {}) { return h('textarea', { class: 'input textarea', rows: 3, ...attrs }); }

/** options: [{value, label}] */
export function select(options, attrs = {}) {
  return h('select', { class: 'input select', ...attrs },
    options.map((o) => h('option', { value: String(o.value), selected: o.selected, disabled: o.disabled }, o.label)));
}

/** Groups named fields; maps an API error's `field` to the matching input. */
export class FormErrors {
  constructor() {
    this.fields = {};
    this.alert = h('div', { class: 'alert alert-error form-alert', role: 'alert', hidden: true });
  }
  add(name, f) { this.fields[name] = f; return f; }
  clear() {
    for (const f of Object.values(this.fields)) f.clear();
    this.alert.hidden = true; clear(this.alert);
  }
  set(name, msg) {
    const f = this.fields[name];
    if (f) { f.setError(msg); return; }
    this.showAlert(msg);
  }
  showAlert(msg) { clear(this.alert); this.alert.append(icon('warn', 16), h('span', null, msg)); this.alert.hidden = false; }
  /**
   * Show an ApiError next to its field (focusing it) or at the top of the form.
   * fallback: {code: fieldName} for errors that arrive without a field (e.g. conflict → code).
   */
  api(err, fallback = {}) {
    const name = (err && err.field) || (err && fallback[err.code]);
    if (name && !err.field) err.field = name;
    const f = name && this.fields[name];
    if (f) { f.setError(errorText(err)); f.control.focus(); } else this.showAlert(errorText(err));
  }
  focusFirst() {
    const f = Object.values(this.fields).find((x) => x.el.classList.contains('has-error'));
    if (f) f.control.focus();
  }
}

/* ---------- modal, confirm, toast ---------- */

/** Opens a modal <dialog>. Returns {el, close}. */
export function openModal({ title, body, footer = [], width = 560, onClose, testid }) {
  const closeBtn = h('button', { type: 'button', class: 'modal-x', 'aria-label': t('common.close') }, icon('x', 16));
  const dlg = h('dialog', { class: 'modal', style: { width: `min(${width}px, calc(100vw - 32px))` }, 'data-testid': testid },
    h('div', { class: 'modal-head' }, h('h2', { class: 'modal-title' }, title), closeBtn),
    h('div', { class: 'modal-body' }, body),
    footer.length ? h('div', { class: 'modal-foot' }, footer) : null);
  let closed = false;
  const close = () => {
    if (closed) return; closed = true;
    if (dlg.open) dlg.close();
    dlg.remove();
    if (onClose) onClose();
  };
  closeBtn.addEventListener('click', close);
  dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
  document.body.append(dlg);
  dlg.showModal();
  const first = dlg.querySelector('.modal-body input, .modal-body select, .modal-body textarea');
  if (first) first.focus();
  return { el: dlg, close };
}

/** Resolves true when the person confirms. */
export function confirmDialog({ title, message, warn, okText, danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = button(okText || t('common.submit'), { kind: danger ? 'danger' : 'primary', testid: 'confirm-ok' });
    const cancel = button(t('common.cancel'), { testid: 'confirm-cancel' });
    const m = openModal({
      title, width: 440, testid: 'confirm-dialog',
      body: h('div', { class: 'confirm' },
        h('div', { class: 'confirm-icon' }, icon('warn', 22)),
        h('div', null, h('p', { class: 'confirm-msg' }, message),
          warn ? h('p', { class: 'confirm-warn' }, warn) : null)),
      footer: [cancel, ok],
      onClose: () => resolve(answer),
    });
    cancel.addEventListener('click', () => m.close());
    ok.addEventListener('click', () => { answer = true; m.close(); });
    ok.focus();
  });
}

let toastBox = null;
export function toast(msg, kind = 'success') {
  if (!toastBox || !toastBox.isConnected) {
    toastBox = h('div', { class: 'toasts', 'aria-live': 'polite' });
    document.body.append(toastBox);
  }
  const el = h('div', { class: ['toast', `toast-${kind}`], role: 'status' },
    icon(kind === 'success' ? 'check' : 'warn', 16), h('span', null, msg));
  toastBox.append(el);
  setTimeout(() => { el.classList.add('toast-out'); setTimeout(() => el.remove(), 300); }, 3000);
}

/* ---------- table with client-side sorting and paging ---------- */

/**
 * columns: [{key, title, render(row) → node|string, sort(row) → comparable, className}]
 * Returns {el, setRows(rows)}.
 */
export function dataTable({ columns, rows = [], pageSize = 20, empty, onRowClick, testid, sort: initialSort, className }) {
  let data = rows;
  let sort = initialSort || null; // {key, dir: 1|-1}
  let page = 1;
  const thead = h('thead');
  const tbody = h('tbody');
  const table = h('table', { class: ['table', className], 'data-testid': testid }, thead, tbody);
  const foot = h('div', { class: 'table-foot' });
  const wrap = h('div', { class: 'table-wrap' }, h('div', { class: 'table-scroll' }, table), foot);
  const collator = new Intl.Collator(['zh-CN', 'en'], { numeric: true });

  const compare = (a, b) => {
    if (a === b) return 0;
    if (a === null || a === undefined || a === '') return 1;
    if (b === null || b === undefined || b === '') return -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return collator.compare(String(a), String(b));
  };

  function renderHead() {
    clear(thead);
    thead.append(h('tr', null, columns.map((c) => {
      if (!c.sort) return h('th', { class: c.className }, c.title);
      const active = sort && sort.key === c.key;
      const aria = active ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none';
      return h('th', { class: ['sortable', c.className, active && 'sorted'], 'aria-sort': aria },
        h('button', {
          type: 'button', class: 'th-sort',
          onclick: () => {
            if (!sort || sort.key !== c.key) sort = { key: c.key, dir: 1 };
            else if (sort.dir === 1) sort = { key: c.key, dir: -1 };
            else sort = null;
            page = 1; render();
          },
        }, c.title, h('span', { class: 'sort-ind' },
          icon('sortUp', 12), icon('sortDown', 12))));
    })));
    for (const th of thead.querySelectorAll('th.sorted')) {
      th.classList.add(sort.dir > 0 ? 'asc' : 'desc');
    }
  }

  function render() {
    renderHead();
    clear(tbody); clear(foot);
    let list = data.slice();
    if (sort) {
      const col = columns.find((c) => c.key === sort.key);
      if (col) list.sort((a, b) => sort.dir * compare(col.sort(a), col.sort(b)));
    }
    if (list.length === 0) {
      tbody.append(h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length },
        typeof empty === 'function' ? empty() : empty)));
      return;
    }
    const pages = Math.max(1, Math.ceil(list.length / pageSize));
    if (page > pages) page = pages;
    const shown = list.slice((page - 1) * pageSize, page * pageSize);
    for (const row of shown) {
      const tr = h('tr', { class: onRowClick ? 'clickable' : null },
        columns.map((c) => h('td', { class: c.className, 'data-label': c.title },
          c.render ? c.render(row) : (row[c.key] ?? t('common.none')))));
      if (onRowClick) {
        tr.addEventListener('click', (e) => {
          if (e.target.closest('a,button,input,select')) return;
          onRowClick(row);
        });
      }
      tbody.append(tr);
    }
    foot.append(h('span', { class: 'table-total' }, t('common.total', { n: list.length })));
    if (pages > 1) {
      foot.append(h('div', { class: 'pager' },
        button(t('common.prev'), { small: true, disabled: page <= 1, onclick: () => { page--; render(); } }),
        h('span', { class: 'pager-info' }, t('common.page', { p: page, n: pages })),
        button(t('common.next'), { small: true, disabled: page >= pages, onclick: () => { page++; render(); } })));
    }
  }

  render();
  return { el: wrap, setRows(r) { data = r; page = 1; render(); } };
}
