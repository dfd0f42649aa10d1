// Users (admin only): list, create and edit accounts.

import { h, clear } from '../dom.js';
import { t, fmtTime } from '../i18n.js';
import { api } from '../api.js';
import { session, ROLES } from '../session.js';
import {
  button, tag, pageHeader, emptyState, dataTable, formField, input, select, FormErrors, openModal, toast,
} from '../ui.js';

const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,31}$/;
/** The roles with department heads (core/model.h ROLES_DEPARTMENT). */
const DEPARTMENTS = ['cm', 'quality', 'business', 'project', 'safety'];

export async function renderUsers(content, { alive }) {
  const [users, customers] = await Promise.all([api.get('/users'), api.get('/customers')]);
  if (!alive()) return;
  const custName = (id) => (customers.find((c) => c.id === id) || {}).name || (id ? `#${id}` : t('common.none'));

  let table = null;
  const reload = async () => {
    const r = await api.get('/users');
    if (alive()) table.setRows(r);
  };
  table = dataTable({
    testid: 'users-table',
    rows: users,
    columns: [
      { key: 'username', title: t('users.username'), sort: (u) => u.username, className: 'mono',
        render: (u) => [u.username, u.id === session.user.id ? h('span', { class: 'muted' }, t('users.you')) : null] },
      { key: 'name', title: t('users.name'), sort: (u) => u.name, render: (u) => u.name || t('common.none') },
      { key: 'role', title: t('users.role'), sort: (u) => ROLES.indexOf(u.role),
        render: (u) => [tag(t(`role.${u.role}`), u.role === 'customer' ? 'purple' : u.role === 'admin' ? 'red' : 'blue'),
          u.department_head ? h('span', { class: 'tag tag-gold', 'data-testid': 'head-tag' }, t('users.head')) : null] },
      { key: 'customer', title: t('users.customer'), sort: (u) => (u.customer_id ? custName(u.customer_id) : ''),
        render: (u) => (u.customer_id ? custName(u.customer_id) : t('common.none')) },
      { key: 'active', title: t('users.active'), sort: (u) => (u.active ? 0 : 1),
        render: (u) => h('span', { class: ['status', u.active ? 'status-on' : 'status-off'] },
          u.active ? t('users.active.on') : t('users.active.off')) },
      { key: 'created', title: t('customers.created'), sort: (u) => u.created_at, className: 'nowrap muted col-optional',
        render: (u) => fmtTime(u.created_at) },
      { key: 'actions', title: t('users.actions'), className: 'actions',
        render: (u) => button(t('common.edit'), { kind: 'link', small: true, iconName: 'edit', testid: `edit-user-${u.username}`,
          onclick: () => openEdit(u, customers, reload) }) },
    ],
    empty: () => emptyState(t('users.empty')),
  });

  clear(content).append(
    pageHeader({ title: t('users.title'), desc: t('users.desc'),
      actions: [button(t('users.new'), { kind: 'primary', iconName: 'plus', testid: 'new-user',
        onclick: () => openCreate(customers, reload) })] }),
    h('section', { class: 'card' }, h('div', { class: 'card-body' }, table.el)));
}

function roleSelect(current) {
  return select([{ value: '', label: t('users.role_pick'), disabled: Boolean(current) },
    ...ROLES.map((r) => ({ value: r, label: t(`role.${r}`), selected: r === current }))], { name: 'role', 'data-testid': 'user-role-select' });
}

function customerSelect(customers, current) {
  return select([{ value: '', label: t('users.customer_pick') },
    ...customers.map((c) => ({ value: c.id, label: c.name, selected: c.id === current }))],
  { name: 'customer_id', 'data-testid': 'user-customer' });
}

/** Shows the customer field only while the role is "customer". */
function linkRoleCustomer(roleField, custField) {
  const sync = () => { custField.el.hidden = roleField.control.value !== 'customer'; };
  roleField.control.addEventListener('change', sync);
  sync();
}

function openCreate(customers, reload) {
  const errs = new FormErrors();
  const username = errs.add('username', formField({ label: t('users.username'), required: true, hint: t('users.username_hint'),
    control: input({ name: 'username', maxlength: 32, autocapitalize: 'none', spellcheck: 'false', 'data-testid': 'user-username' }) }));
  const name = errs.add('name', formField({ label: t('users.name'), required: true,
    control: input({ name: 'name', maxlength: 100, 'data-testid': 'user-name' }) }));
  const role = errs.add('role', formField({ label: t('users.role'), required: true, control: roleSelect('') }));
  const cust = errs.add('customer_id', formField({ label: t('users.customer'), required: true, control: customerSelect(customers, null) }));
  const pass = errs.add('password', formField({ label: t('users.password'), required: true, hint: t('users.password_hint'),
    control: input({ type: 'password', name: 'password', autocomplete: 'new-password', 'data-testid': 'user-password' }) }));
  linkRoleCustomer(role, cust);

  const submit = button(t('common.create'), { kind: 'primary', type: 'submit', testid: 'user-submit' });
  submit.setAttribute('form', 'user-create-form');
  const cancel = button(t('common.cancel'));
  const form = h('form', { class: 'form', id: 'user-create-form', novalidate: true },
    errs.alert, username.el, name.el, role.el, cust.el, pass.el);
  const m = openModal({ title: t('users.form.title'), body: form, footer: [cancel, submit], testid: 'user-form' });
  cancel.addEventListener('click', () => m.close());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const body = {
      username: username.control.value.trim(), name: name.control.value.trim(),
      role: role.control.value, password: pass.control.value,
    };
    if (!body.username) errs.set('username', t('v.required'));
    else if (!USERNAME_RE.test(body.username)) errs.set('username', t('v.username'));
    if (!body.name) errs.set('name', t('v.required'));
    if (!body.role) errs.set('role', t('v.select'));
    if (body.role === 'customer') {
      if (!cust.control.value) errs.set('customer_id', t('v.select'));
      else body.customer_id = Number(cust.control.value);
    }
    if ([...body.password].length < 12) errs.set('password', t('v.password'));
    if (form.querySelector('.has-error')) { errs.focusFirst(); return; }
    submit.disabled = true;
    try {
      const u = await api.post('/users', body);
      m.close();
      toast(t('users.created_ok', { username: u.username }));
      await reload();
    } catch (err) {
      errs.api(err, { conflict: 'username' });
      submit.disabled = false;
    }
  });
}

function openEdit(user, customers, reload) {
  const errs = new FormErrors();
  const name = errs.add('name', formField({ label: t('users.name'), required: true,
    control: input({ name: 'name', maxlength: 100, value: user.name || '', 'data-testid': 'user-name' }) }));
  const role = errs.add('role', formField({ label: t('users.role'), required: true, control: roleSelect(user.role) }));
  const cust = errs.add('customer_id', formField({ label: t('users.customer'), required: true,
    control: customerSelect(customers, user.customer_id) }));
  const activeBox = h('input', { type: 'checkbox', class: 'switch-input', checked: user.active, 'data-testid': 'user-active' });
  const active = errs.add('active', formField({ label: t('users.active'), hint: t('users.active_help'),
    control: activeBox }));
  // Replace the plain checkbox row with a switch + label, keeping the same control.
  const switchLabel = h('label', { class: 'switch', for: activeBox.id },
    h('span', { class: 'switch-track' }), h('span', null, t('users.active_label')));
  activeBox.after(switchLabel);
  switchLabel.prepend(activeBox);
  const pass = errs.add('password', formField({ label: t('users.new_password'), optional: true, hint: t('users.new_password_hint'),
    control: input({ type: 'password', name: 'password', autocomplete: 'new-password', 'data-testid': 'user-password' }) }));
  linkRoleCustomer(role, cust);
  // P-5.3.3: overdue requests of a department go up to its heads.
  const headBox = h('input', { type: 'checkbox', class: 'switch-input', checked: Boolean(user.department_head), 'data-testid': 'user-head' });
  const head = errs.add('department_head', formField({ label: t('users.head'), hint: t('users.head_help'), control: headBox }));
  const headSwitch = h('label', { class: 'switch', for: headBox.id }, h('span', { class: 'switch-track' }), h('span', null, t('users.head_label')));
  headBox.after(headSwitch);
  headSwitch.prepend(headBox);
  const showHead = () => { head.el.hidden = !DEPARTMENTS.includes(role.control.value); };
  role.control.addEventListener('change', showHead);
  showHead();

  const submit = button(t('common.save'), { kind: 'primary', type: 'submit', testid: 'user-submit' });
  submit.setAttribute('form', 'user-edit-form');
  const cancel = button(t('common.cancel'));
  const form = h('form', { class: 'form', id: 'user-edit-form', novalidate: true },
    errs.alert,
    h('div', { class: 'field' }, h('div', { class: 'field-label' }, t('users.username')),
      h('div', { class: 'static-value mono' }, user.username)),
    name.el, role.el, cust.el, head.el, active.el, pass.el);
  const m = openModal({ title: t('users.edit.title', { username: user.username }), body: form,
    footer: [cancel, submit], testid: 'user-edit' });
  cancel.addEventListener('click', () => m.close());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const body = {};
    const n = name.control.value.trim();
    if (!n) errs.set('name', t('v.required'));
    else if (n !== user.name) body.name = n;
    const r = role.control.value;
    if (r !== user.role) body.role = r;
    if (r === 'customer') {
      const c = cust.control.value ? Number(cust.control.value) : null;
      if (!c) errs.set('customer_id', t('v.select'));
      else if (c !== user.customer_id) body.customer_id = c;
    } else if (user.customer_id !== null && user.customer_id !== undefined) {
      body.customer_id = null;
    }
    if (activeBox.checked !== user.active) body.active = activeBox.checked;
    const isHead = DEPARTMENTS.includes(r) && headBox.checked;
    if (isHead !== Boolean(user.department_head)) body.department_head = isHead;
    const p = pass.control.value;
    if (p) {
      if ([...p].length < 12) errs.set('password', t('v.password'));
      else body.password = p;
    }
    if (form.querySelector('.has-error')) { errs.focusFirst(); return; }
    if (Object.keys(body).length === 0) { m.close(); return; }
    submit.disabled = true;
    try {
      await api.patch(`/users/${user.id}`, body);
      m.close();
      toast(t('users.saved_ok', { username: user.username }));
      await reload();
    } catch (err) {
      errs.api(err);
      submit.disabled = false;
    }
  });
}
