// Project list with filters, and the "new project" form.

import { h, clear, icon } from '../dom.js';
import { t, fmtTime } from '../i18n.js';
import { api } from '../api.js';
import { session, isAdmin, canCreateProject, STAGES } from '../session.js';
import {
  button, stageTag, pageHeader, emptyState, errorBox, dataTable, formField, input, select,
  FormErrors, openModal, toast, loading,
} from '../ui.js';

const CODE_RE = /^[A-Za-z0-9_-]+$/;

export async function renderProjects(content, { query, alive, navigate }) {
  const filters = {
    stage: query.get('stage') || '',
    customer_id: query.get('customer_id') || '',
    q: query.get('q') || '',
  };
  const customers = await api.get('/customers');
  if (!alive()) return;
  const isCustomer = session.user.role === 'customer';

  const stageSel = select([{ value: '', label: t('stage.all') }, ...STAGES.map((s) => ({ value: s, label: t(`stage.${s}`) }))],
    { 'aria-label': t('projects.stage'), 'data-testid': 'filter-stage' });
  stageSel.value = filters.stage;
  const custSel = select([{ value: '', label: t('projects.filter.customer') },
    ...customers.map((c) => ({ value: c.id, label: c.name }))],
  { 'aria-label': t('projects.customer'), 'data-testid': 'filter-customer' });
  custSel.value = filters.customer_id;
  const qInput = input({ type: 'search', placeholder: t('projects.filter.q'), 'aria-label': t('projects.filter.q'),
    'data-testid': 'filter-q', value: filters.q });

  const filterForm = h('form', { class: 'filter-bar', role: 'search' },
    stageSel, isCustomer ? null : custSel,
    h('div', { class: 'search-box' }, icon('search', 14), qInput),
    button(t('common.search'), { kind: 'primary', type: 'submit', iconName: 'search' }),
    button(t('common.reset'), { onclick: () => { stageSel.value = ''; custSel.value = ''; qInput.value = ''; apply(); } }));
  filterForm.addEventListener('submit', (e) => { e.preventDefault(); apply(); });
  stageSel.addEventListener('change', () => apply());
  custSel.addEventListener('change', () => apply());

  const filtered = () => Boolean(filters.stage || filters.customer_id || filters.q);
  const table = dataTable({
    testid: 'projects-table',
    onRowClick: (p) => navigate(`#/projects/${p.id}`),
    columns: [
      { key: 'code', title: t('projects.code'), sort: (p) => p.code, className: 'mono nowrap', render: (p) => p.code },
      { key: 'name', title: t('projects.name'), sort: (p) => p.name,
        render: (p) => h('a', { href: `#/projects/${p.id}`, class: 'link' }, p.name) },
      { key: 'customer', title: t('projects.customer'), sort: (p) => p.customer_name, render: (p) => p.customer_name || t('common.none') },
      { key: 'manager', title: t('projects.manager'), sort: (p) => p.manager_name, render: (p) => p.manager_name || t('common.none') },
      { key: 'stage', title: t('projects.stage'), sort: (p) => STAGES.indexOf(p.stage), render: (p) => stageTag(p.stage) },
      { key: 'updated', title: t('projects.updated'), sort: (p) => p.updated_at, className: 'nowrap muted col-optional', render: (p) => fmtTime(p.updated_at) },
    ],
    empty: () => emptyState(filtered() ? t('projects.empty.filtered')
      : canCreateProject() ? t('projects.empty.create') : t('projects.empty.view')),
  });

  const listArea = h('div', { class: 'list-area' }, loading());

  async function load() {
    try {
      const rows = await api.get('/projects', {
        stage: filters.stage, customer_id: filters.customer_id, q: filters.q,
      });
      if (!alive()) return;
      table.setRows(rows);
      clear(listArea).append(table.el);
    } catch (err) {
      if (!alive() || err.status === 401) return;
      clear(listArea).append(errorBox(err, load));
    }
  }

  function apply() {
    filters.stage = stageSel.value;
    filters.customer_id = isCustomer ? '' : custSel.value;
    filters.q = qInput.value.trim();
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) qs.set(k, v);
    const s = qs.toString();
    history.replaceState(null, '', `#/projects${s ? '?' + s : ''}`);
    load();
  }

  const actions = canCreateProject()
    ? [button(t('projects.new'), { kind: 'primary', iconName: 'plus', testid: 'new-project',
      onclick: () => openCreate(customers, (p) => navigate(`#/projects/${p.id}`)) })]
    : [];

  clear(content).append(
    pageHeader({ title: t('projects.title'), desc: t('projects.desc'), actions }),
    h('section', { class: 'card' }, h('div', { class: 'card-body' }, filterForm, listArea)));
  await load();
}

async function openCreate(customers, done) {
  const errs = new FormErrors();
  const code = errs.add('code', formField({ label: t('projects.code'), required: true, hint: t('projects.form.code_hint'),
    control: input({ name: 'code', maxlength: 32, 'data-testid': 'project-code' }) }));
  const name = errs.add('name', formField({ label: t('projects.name'), required: true,
    control: input({ name: 'name', maxlength: 100, 'data-testid': 'project-name' }) }));
  const cust = errs.add('customer_id', formField({ label: t('projects.customer'), required: true,
    hint: customers.length ? null : t('projects.form.no_customers'),
    control: select([{ value: '', label: t('projects.form.customer_pick') },
      ...customers.map((c) => ({ value: c.id, label: c.name }))], { name: 'customer_id', 'data-testid': 'project-customer' }) }));
  let mgr = null;
  if (isAdmin()) {
    mgr = errs.add('manager_id', formField({ label: t('projects.manager'), optional: true, hint: t('projects.form.manager_hint'),
      control: select([{ value: '', label: t('projects.form.manager_pick') }], { name: 'manager_id', 'data-testid': 'project-manager' }) }));
    api.get('/users').then((users) => {
      for (const u of users.filter((x) => x.role === 'project' && x.active)) {
        mgr.control.append(h('option', { value: String(u.id) }, `${u.name || u.username}（${u.username}）`));
      }
    }).catch(() => { /* leave "not assigned" only */ });
  }

  const submit = button(t('common.create'), { kind: 'primary', type: 'submit', testid: 'project-submit' });
  submit.setAttribute('form', 'project-create-form');
  const cancel = button(t('common.cancel'));
  const form = h('form', { class: 'form', id: 'project-create-form', novalidate: true },
    errs.alert, code.el, name.el, cust.el,
    mgr ? mgr.el : h('p', { class: 'form-note' }, t('projects.form.manager_admin_only')));
  const m = openModal({ title: t('projects.form.title'), body: form, footer: [cancel, submit], testid: 'project-form' });
  cancel.addEventListener('click', () => m.close());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const body = { code: code.control.value.trim(), name: name.control.value.trim() };
    if (!body.code) errs.set('code', t('v.required'));
    else if (!CODE_RE.test(body.code)) errs.set('code', t('v.code'));
    else if (body.code.length > 32) errs.set('code', t('v.too_long', { n: 32 }));
    if (!body.name) errs.set('name', t('v.required'));
    else if ([...body.name].length > 100) errs.set('name', t('v.too_long', { n: 100 }));
    if (!cust.control.value) errs.set('customer_id', t('v.select'));
    else body.customer_id = Number(cust.control.value);
    if (mgr && mgr.control.value) body.manager_id = Number(mgr.control.value);
    if (form.querySelector('.has-error')) { errs.focusFirst(); return; }
    submit.disabled = true;
    try {
      const p = await api.post('/projects', body);
      m.close();
      toast(t('projects.created', { name: p.name }));
      done(p);
    } catch (err) {
      errs.api(err, { conflict: 'code' });
      submit.disabled = false;
    }
  });
}
