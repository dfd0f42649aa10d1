// Customer list and the "new customer" form.

import { h, clear } from '../dom.js';
import { t, fmtTime } from '../i18n.js';
import { api } from '../api.js';
import { canCreateCustomer } from '../session.js';
import {
  button, pageHeader, emptyState, dataTable, formField, input, textarea, FormErrors, openModal, toast,
} from '../ui.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function renderCustomers(content, { alive }) {
  const rows = await api.get('/customers');
  if (!alive()) return;
  const none = t('common.none');
  const table = dataTable({
    testid: 'customers-table',
    rows,
    columns: [
      { key: 'name', title: t('customers.name'), sort: (c) => c.name, className: 'strong', render: (c) => c.name },
      { key: 'contact', title: t('customers.contact'), sort: (c) => c.contact, render: (c) => c.contact || none },
      { key: 'phone', title: t('customers.phone'), className: 'nowrap', render: (c) => c.phone || none },
      { key: 'email', title: t('customers.email'), sort: (c) => c.email, render: (c) => c.email || none },
      { key: 'address', title: t('customers.address'), className: 'wrap', render: (c) => c.address || none },
      { key: 'created', title: t('customers.created'), sort: (c) => c.created_at, className: 'nowrap muted col-optional',
        render: (c) => fmtTime(c.created_at) },
    ],
    empty: () => emptyState(canCreateCustomer() ? t('customers.empty.create') : t('customers.empty.view')),
  });

  const reload = async () => {
    const r = await api.get('/customers');
    if (alive()) table.setRows(r);
  };
  const actions = canCreateCustomer()
    ? [button(t('customers.new'), { kind: 'primary', iconName: 'plus', testid: 'new-customer', onclick: () => openCreate(reload) })]
    : [];
  clear(content).append(
    pageHeader({ title: t('customers.title'), desc: t('customers.desc'), actions }),
    h('section', { class: 'card' }, h('div', { class: 'card-body' }, table.el)));
}

function openCreate(reload) {
  const errs = new FormErrors();
  const mk = (name, label, { max, required = false, type = 'text', area = false, wide = false } = {}) =>
    errs.add(name, formField({
      label, required, optional: !required, wide,
      control: area ? textarea({ name, maxlength: max, rows: 2, 'data-testid': `customer-${name}` })
        : input({ name, type, maxlength: max, 'data-testid': `customer-${name}` }),
    }));
  const f = {
    name: mk('name', t('customers.name'), { max: 100, required: true, wide: true }),
    contact: mk('contact', t('customers.contact'), { max: 50 }),
    phone: mk('phone', t('customers.phone'), { max: 30, type: 'tel' }),
    email: mk('email', t('customers.email'), { max: 100, type: 'email', wide: true }),
    address: mk('address', t('customers.address'), { max: 200, area: true, wide: true }),
  };
  const limits = { name: 100, contact: 50, phone: 30, email: 100, address: 200 };
  const submit = button(t('common.create'), { kind: 'primary', type: 'submit', testid: 'customer-submit' });
  submit.setAttribute('form', 'customer-create-form');
  const cancel = button(t('common.cancel'));
  const form = h('form', { class: 'form form-grid', id: 'customer-create-form', novalidate: true },
    errs.alert, Object.values(f).map((x) => x.el));
  const m = openModal({ title: t('customers.form.title'), body: form, footer: [cancel, submit], testid: 'customer-form' });
  cancel.addEventListener('click', () => m.close());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const body = {};
    for (const [k, field] of Object.entries(f)) {
      const v = field.control.value.trim();
      if (!v) continue;
      if ([...v].length > limits[k]) errs.set(k, t('v.too_long', { n: limits[k] }));
      body[k] = v;
    }
    if (!body.name) errs.set('name', t('v.required'));
    if (body.email && !EMAIL_RE.test(body.email)) errs.set('email', t('v.email'));
    if (form.querySelector('.has-error')) { errs.focusFirst(); return; }
    submit.disabled = true;
    try {
      const c = await api.post('/customers', body);
      m.close();
      toast(t('customers.created_ok', { name: c.name }));
      await reload();
    } catch (err) {
      errs.api(err);
      submit.disabled = false;
    }
  });
}
