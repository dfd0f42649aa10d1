// Sign-in page.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { api, errorText } from '../api.js';
import { formField, input, FormErrors } from '../ui.js';

export function renderLogin({ notice, langSwitch, onSignedIn }) {
  const errs = new FormErrors();
  const user = errs.add('username', formField({
    label: t('login.username'), required: true,
    control: input({ name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' }),
  }));
  const pass = errs.add('password', formField({
    label: t('login.password'), required: true,
    control: input({ type: 'password', name: 'password', autocomplete: 'current-password' }),
  }));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block btn-lg', 'data-testid': 'login-submit' },
    t('login.submit'));

  const form = h('form', { class: 'login-form', novalidate: true },
    notice ? h('div', { class: ['alert', notice.kind === 'warn' ? 'alert-warn' : 'alert-info'], role: 'status' },
      icon(notice.kind === 'warn' ? 'warn' : 'check', 16), h('span', null, t(notice.text))) : null,
    errs.alert, user.el, pass.el, submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const username = user.control.value.trim();
    const password = pass.control.value;
    if (!username) errs.set('username', t('v.required'));
    if (!password) errs.set('password', t('v.required'));
    if (!username || !password) { errs.focusFirst(); return; }
    submit.disabled = true; submit.textContent = t('login.submitting');
    try {
      const r = await api.post('/session', { username, password }, { quiet401: true });
      onSignedIn(r.user, r.csrf_token);
    } catch (err) {
      if (err.status === 401) errs.showAlert(t('login.bad_credentials'));
      else if (err.status === 429) errs.showAlert(t('login.rate_limited'));
      else errs.showAlert(errorText(err));
      pass.control.value = '';
      pass.control.focus();
      submit.disabled = false; submit.textContent = t('login.submit');
    }
  });

  queueMicrotask(() => user.control.focus());

  return h('div', { class: 'login-page' },
    h('div', { class: 'login-top' }, langSwitch),
    h('div', { class: 'login-center' },
      h('div', { class: 'login-brand' },
        h('span', { class: 'brand-logo brand-logo-lg' }, '客'),
        h('div', null,
          h('div', { class: 'login-app' }, t('app.name')),
          h('div', { class: 'login-company' }, t('app.company')))),
      h('div', { class: 'login-card' },
        h('h1', { class: 'login-title' }, t('login.title')),
        h('p', { class: 'login-sub' }, t('login.subtitle')),
        form),
      h('p', { class: 'login-footer' }, t('login.footer'))));
}
