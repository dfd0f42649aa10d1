// A new request: the customer submits one from the portal on a phone (project, kind, what and
// where, by when, and photos taken on the spot), or staff record one from a call or a visit
// (owned by them at once). The ticket is created first, then each file is uploaded on its own
// with its state shown; a file that fails leaves the ticket in place, to retry or add later.

import { h, clear, append, icon } from '../dom.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { session } from '../session.js';
import { holdLeave, releaseLeave } from '../guard.js';
import { button, pageHeader, card, formField, input, textarea, select, FormErrors, toast } from '../ui.js';
import { KINDS, CHANNELS, mayCreateTicket } from '../tickets.js';
import { uploader, choiceGroup } from '../ticket-ui.js';

const MAX = { title: 200, description: 5000, location: 200 };

/** "2026-12-01T10:00" (local, from <input type=datetime-local>) → "2026-12-01T02:00:00Z". */
function toRfc3339(local) {
  const d = new Date(local);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Now in the browser's zone as the value of a datetime-local input. */
function localNow() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function renderNewRequest(content, ctx) { return renderForm(content, ctx, { staff: false }); }
export function renderRecordTicket(content, ctx) { return renderForm(content, ctx, { staff: true }); }

async function renderForm(content, ctx, { staff }) {
  const back = h('a', { href: staff ? '#/tickets' : '#/requests', class: 'back-link' }, icon('back', 14),
    h('span', null, t(staff ? 'tk.back_queue' : 'tk.back_portal')));
  if (!mayCreateTicket(session.user.role)) {
    clear(content).append(back, h('div', { class: 'alert alert-warn', role: 'alert' }, icon('warn', 16), t('new.forbidden')));
    return;
  }
  const projects = await api.get('/projects');
  if (!ctx.alive()) return;
  const errs = new FormErrors();
  const hash = location.hash;
  const dirty = () => { if (ctx.alive()) holdLeave(hash, t('new.leave')); };

  const wanted = ctx.query.get('project_id');
  const pre = projects.find((p) => String(p.id) === wanted) || (projects.length === 1 ? projects[0] : null);
  const project = errs.add('project_id', formField({ label: t('tk.f.project'), required: true,
    hint: projects.length ? null : t('new.no_projects'),
    control: select([{ value: '', label: t('new.project_pick') },
      ...projects.map((p) => ({ value: p.id, label: staff ? `${p.code} ${p.name}` : p.name, selected: pre && p.id === pre.id }))],
    { name: 'project_id', 'data-testid': 'new-project' }) }));
  const kind = errs.add('kind', formField({ label: t('tk.f.kind'), required: true,
    control: choiceGroup(KINDS.map((k) => ({ value: k, label: t(`tk.kind.${k}`), sub: t(`new.kind_sub.${k}`) })),
      { testid: 'new-kind', label: t('tk.f.kind'), className: 'choice-kinds' }) }));
  let channel = null;
  if (staff) {
    channel = errs.add('channel', formField({ label: t('tk.f.channel'), required: true,
      control: select(CHANNELS.filter((c) => c !== 'portal').map((c) => ({ value: c, label: t(`tk.channel.${c}`), selected: c === 'phone' })),
        { name: 'channel', 'data-testid': 'new-channel' }) }));
  }
  const title = errs.add('title', formField({ label: t('tk.f.title'), required: true,
    control: input({ name: 'title', maxlength: MAX.title, placeholder: t('new.title_ph'), 'data-testid': 'new-title' }) }));
  const description = errs.add('description', formField({ label: t('tk.f.description'), required: true, wide: true,
    control: textarea({ name: 'description', maxlength: MAX.description, rows: 4, placeholder: t(staff ? 'new.description_ph_staff' : 'new.description_ph'),
      'data-testid': 'new-description' }) }));
  const where = errs.add('location', formField({ label: t('tk.f.location'), optional: true,
    control: input({ name: 'location', maxlength: MAX.location, placeholder: t('new.location_ph'), 'data-testid': 'new-location' }) }));
  const by = errs.add('required_by', formField({ label: t('tk.f.required_by'), optional: true, hint: t('new.required_by_hint'),
    control: input({ type: 'datetime-local', name: 'required_by', min: localNow(), 'data-testid': 'new-required-by' }) }));
  const up = uploader({ testid: 'new-files' });
  const files = formField({ label: t(staff ? 'new.files_staff' : 'new.files'), optional: true, wide: true, control: up.el });
  const note = h('div', { class: 'alert alert-info tk-warranty-note', role: 'status', hidden: true, 'data-testid': 'warranty-note' },
    icon('clock', 16), h('span', null, t('new.warranty_note')));
  const syncNote = () => {
    const p = projects.find((x) => String(x.id) === project.control.value);
    note.hidden = !(p && p.stage === 'warranty' && kind.control.value === 'repair') && kind.control.value !== 'complaint';
  };
  project.control.addEventListener('change', syncNote);
  kind.control.addEventListener('change', syncNote);

  const submit = button(t(staff ? 'new.submit_staff' : 'new.submit'), { kind: 'primary', type: 'submit', testid: 'new-submit', iconName: 'send' });
  submit.classList.add('btn-lg');
  const status = h('div', { class: 'tk-submit-status', 'aria-live': 'polite', 'data-testid': 'new-status' });
  const form = h('form', { class: 'form tk-new-form', novalidate: true, 'data-testid': 'new-form' },
    errs.alert,
    card(null, h('div', { class: 'form-grid' }, project.el, channel ? channel.el : null, h('div', { class: 'field-wide' }, kind.el), note,
      title.el, where.el, description.el, by.el)),
    card(t(staff ? 'new.files_staff' : 'new.files'), files.el, { className: 'tk-files-card' }),
    h('div', { class: 'tk-submit-bar' }, status, submit));
  files.el.querySelector('.field-label').hidden = true;
  form.addEventListener('input', dirty);
  form.addEventListener('change', dirty);

  let created = null; // once the ticket exists, the form only retries the files
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (created) { await sendFiles(created); return; }
    errs.clear();
    const body = {};
    if (!project.control.value) errs.set('project_id', t('v.select'));
    else body.project_id = Number(project.control.value);
    if (!kind.control.value) errs.set('kind', t('v.select'));
    else body.kind = kind.control.value;
    body.channel = staff ? channel.control.value : 'portal';
    const tv = title.control.value.trim();
    if (!tv) errs.set('title', t('v.required'));
    else if ([...tv].length > MAX.title) errs.set('title', t('v.too_long', { n: MAX.title }));
    else body.title = tv;
    const dv = description.control.value.trim();
    if (!dv) errs.set('description', t('v.required'));
    else if ([...dv].length > MAX.description) errs.set('description', t('v.too_long', { n: MAX.description }));
    else body.description = dv;
    const lv = where.control.value.trim();
    if ([...lv].length > MAX.location) errs.set('location', t('v.too_long', { n: MAX.location }));
    else if (lv) body.location = lv;
    const rv = by.control.value;
    if (rv) {
      const at = toRfc3339(rv);
      if (!at) errs.set('required_by', t('new.err.required_by'));
      else if (Date.parse(at) <= Date.now()) errs.set('required_by', t('new.err.required_by_past'));
      else body.required_by = at;
    }
    if (form.querySelector('.has-error')) { errs.focusFirst(); return; }
    submit.disabled = true;
    status.textContent = t('new.sending');
    try {
      created = await api.post('/tickets', body);
    } catch (err) {
      submit.disabled = false;
      status.textContent = '';
      if (err instanceof ApiError && err.status === 422 && err.field === 'required_by') errs.set('required_by', t('new.err.required_by_past'));
      else if (err instanceof ApiError && err.status === 404) errs.set('project_id', t('new.err.project'));
      else errs.api(err);
      return;
    }
    for (const el of form.querySelectorAll('.form-grid input, .form-grid select, .form-grid textarea, .form-grid button')) el.disabled = true;
    await sendFiles(created);
  });

  async function sendFiles(tk) {
    submit.disabled = true;
    if (up.count()) {
      status.textContent = t('new.uploading', { number: tk.number });
      const r = await up.uploadTo(tk.id);
      if (!ctx.alive()) return;
      if (r && r.failed) {
        releaseLeave();
        status.textContent = '';
        errs.showAlert(t('new.files_failed', { number: tk.number, n: r.failed }));
        clear(errs.alert).append(icon('warn', 16), h('span', null, t('new.files_failed', { number: tk.number, n: r.failed })),
          h('a', { href: `#/tickets/${tk.id}`, class: 'link alert-link', 'data-testid': 'open-created' }, t('new.open', { number: tk.number })));
        submit.disabled = false;
        submit.querySelector('span').textContent = t('new.retry_files');
        return;
      }
    }
    releaseLeave();
    toast(t(staff ? 'new.recorded' : 'new.submitted', { number: tk.number }));
    ctx.navigate(`#/tickets/${tk.id}`);
  }

  append(clear(content), [
    pageHeader({ back, title: t(staff ? 'new.title_staff' : 'new.title'), desc: t(staff ? 'new.desc_staff' : 'new.desc') }),
    form]);
  syncNote();
}
