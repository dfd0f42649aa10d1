// One request, complaint or repair (PROCEDURE §4): its status and clocks, details, photos and
// files, the timeline of its history, and only the actions that its state and the person's role
// allow (web/js/tickets.js mirrors the rules of src/core/ticket.c). Customers get their side of
// it, made for a phone: the company's replies, the out-of-contract offer to confirm or decline,
// the rating. Staff get the console: every step with who and when, internal notes marked.

import { h, clear, append, icon } from '../dom.js';
import { t, fmtTime } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { session } from '../session.js';
import {
  button, pageHeader, card, formField, input, textarea, select, FormErrors, openModal, confirmDialog, toast,
} from '../ui.js';
import {
  allowedActions, mayCommentInternal, mayAttach, mayCorrect, customerTask, statusTag, kindTag, clockLine,
  resolutionClock, fmtDuration, SCOPES, SATISFACTION, SOURCES,
} from '../tickets.js';
import { uploader, attachmentGrid, timeline, knownNames, userLabel, choiceGroup } from '../ticket-ui.js';

const MAX_REASON = 2000;
const MAX_NOTE = 5000;

export async function renderTicket(content, ctx) {
  const st = { id: Number(ctx.params[0]), tk: null, atts: [], staff: null, ctx, content, parts: {} };
  try {
    [st.tk, st.atts] = await Promise.all([api.get(`/tickets/${st.id}`), api.get(`/tickets/${st.id}/attachments`)]);
  } catch (err) {
    if (!ctx.alive()) return;
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
      clear(content).append(backLink(),
        h('div', { class: 'alert alert-warn', role: 'alert', 'data-testid': 'ticket-missing' }, icon('warn', 16), t('common.not_found')));
      return;
    }
    throw err;
  }
  // staff see colleagues by name (assignees, the pickers): the directory of the project
  if (!isCustomer()) st.staff = await api.get('/staff', { project_id: st.tk.project_id }).catch(() => null);
  if (!ctx.alive()) return;
  draw(st);
}

const isCustomer = () => session.user.role === 'customer';

function backLink() {
  return isCustomer()
    ? h('a', { href: '#/requests', class: 'back-link' }, icon('back', 14), h('span', null, t('tk.back_portal')))
    : h('a', { href: '#/tickets', class: 'back-link' }, icon('back', 14), h('span', null, t('tk.back_queue')));
}

/** Fetch the ticket and its files again and draw the page. */
async function reload(st) {
  const [tk, atts] = await Promise.all([api.get(`/tickets/${st.id}`), api.get(`/tickets/${st.id}/attachments`)]);
  if (!st.ctx.alive()) return;
  st.tk = tk; st.atts = atts;
  draw(st);
}

/** Send one action; the answer is the ticket with its history, drawn at once. */
async function act(st, body) {
  const tk = await api.post(`/tickets/${st.id}/actions`, body);
  if (!st.ctx.alive()) return tk;
  st.tk = tk;
  draw(st);
  return tk;
}

/** After a refused action: a changed state (409) reloads the page, anything else stays in the form. */
function refused(st, err, errs, fallback, close) {
  if (err instanceof ApiError && err.status === 409) {
    toast(t('tk.err.changed'), 'error');
    if (close) close();
    reload(st).catch(() => {});
    return;
  }
  errs.api(err, fallback);
}

function lastEntry(tk, action) {
  const list = (tk.history || []).filter((e) => e.action === action);
  return list.length ? list[list.length - 1] : null;
}

/* ---------- the page ---------- */

function draw(st) {
  const { tk } = st;
  const customer = isCustomer();
  st.names = knownNames(tk, st.staff);
  const header = pageHeader({
    back: backLink(),
    title: h('span', { class: 'title-with-tag' },
      h('span', { 'data-testid': 'ticket-title' }, tk.title),
      statusTag(tk.status, { 'data-testid': 'ticket-status' }, { taken: customer && Boolean(tk.owner_id) }),
      tk.overdue ? h('span', { class: 'tag tag-red', 'data-testid': 'ticket-overdue' }, t('tk.overdue')) : null),
    desc: h('span', { class: 'tk-desc' },
      h('span', { class: 'mono', 'data-testid': 'ticket-number' }, tk.number), kindTag(tk.kind),
      h('span', null, customer ? tk.project_name : h('a', { href: `#/projects/${tk.project_id}`, class: 'link' },
        h('span', { class: 'mono' }, tk.project_code), ' ', tk.project_name))),
  });
  st.parts.history = h('div', { class: 'tk-history-box' });
  st.parts.atts = h('div', { class: 'tk-att-box' });
  drawHistory(st);
  drawAttachments(st);
  const historyCard = card(t(customer ? 'tk.replies' : 'tk.timeline'),
    [st.parts.history, allowedActions(tk, session.user).includes('comment') ? commentForm(st) : null],
    { className: 'tk-history-card' });
  const attCard = card(t('tk.attachments'), [st.parts.atts, mayAttach(tk, session.user) ? uploader({
    ticketId: tk.id, testid: 'add-files', onUploaded: () => refreshParts(st),
  }).el : null], { className: 'tk-att-card' });

  if (customer) {
    clear(st.content).append(h('div', { class: ['tk-page', 'tk-portal'], 'data-testid': 'ticket-page', 'data-status': tk.status },
      header, statusCard(st), taskCard(st), descriptionCard(st), attCard, historyCard));
    return;
  }
  clear(st.content).append(h('div', { class: 'tk-page tk-console', 'data-testid': 'ticket-page', 'data-status': tk.status },
    header,
    h('div', { class: 'grid-2 tk-grid' },
      h('div', { class: 'side-stack tk-main' }, descriptionCard(st), attCard, historyCard),
      h('div', { class: 'side-stack tk-side' }, statusCard(st), actionsCard(st)))));
}

/** After an upload or a comment: the files and the history, without redrawing the uploader. */
async function refreshParts(st) {
  try {
    const [tk, atts] = await Promise.all([api.get(`/tickets/${st.id}`), api.get(`/tickets/${st.id}/attachments`)]);
    if (!st.ctx.alive()) return;
    st.tk = tk; st.atts = atts;
    st.names = knownNames(tk, st.staff);
    drawHistory(st);
    drawAttachments(st);
  } catch { /* the next full load shows it */ }
}

function drawHistory(st) {
  clear(st.parts.history).append(timeline(st.tk, { names: st.names, me: session.user, customer: isCustomer() }));
}

function drawAttachments(st) {
  clear(st.parts.atts).append(attachmentGrid(st.tk.id, st.atts));
}

/** What the customer reads about where the request stands. */
function statusWords(tk) {
  if (tk.status === 'new') return tk.owner_name ? t('tk.say.new_owned', { name: tk.owner_name }) : t('tk.say.new');
  if (tk.status !== 'closed') return t(`tk.say.${tk.status}`);
  if (tk.satisfaction) return t('tk.say.closed_rated', { s: t(`tk.sat.${tk.satisfaction}`) });
  if (tk.scope === 'cannot_handle') return t('tk.say.closed_cannot');
  const lastMove = [...(tk.history || [])].reverse().find((e) => ['decline', 'approve'].includes(e.action));
  if (lastMove && lastMove.action === 'decline') return t('tk.say.closed_declined');
  if (lastMove && lastMove.action === 'approve') return t('tk.say.closed_rejected');
  return t('tk.say.closed');
}

function statusCard(st) {
  const { tk } = st;
  const customer = isCustomer();
  const row = (label, value, attrs = {}) => [h('dt', null, label), h('dd', attrs, value)];
  const rc = resolutionClock(tk);
  const reso = rc.state === 'none' ? null : h('span', { class: ['clock', rc.state === 'overdue' ? 'clock-overdue' : rc.state === 'met' ? 'clock-ok' : 'clock-running'],
    'data-testid': 'resolution-clock', 'data-clock': rc.state },
  h('span', { class: 'clock-main' }, fmtTime(tk.required_by)),
  rc.state === 'overdue' ? h('span', null, t('tk.clock.overdue', { d: fmtDuration(rc.ms) }))
    : rc.state === 'running' ? h('span', { class: 'clock-due' }, t('tk.clock.left', { d: fmtDuration(rc.ms) })) : null);
  const assignees = (tk.assignee_ids || []).map((id) => userLabel(st.names, id)).join('、');
  const body = [
    customer ? h('p', { class: 'tk-say', 'data-testid': 'status-words' }, statusWords(tk)) : null,
    h('dl', { class: 'desc-list tk-facts', 'data-testid': 'ticket-facts' },
      row(t('tk.f.owner'), tk.owner_name || h('span', { class: 'tk-unowned' }, t('tk.unowned')), { 'data-testid': 'ticket-owner' }),
      !customer && assignees ? row(t('tk.f.assignees'), assignees, { 'data-testid': 'ticket-assignees' }) : null,
      tk.escalated_to?.length ? row(t('tk.f.escalated_to'), h('span', { class: 'tk-escalated' }, tk.escalated_to.map((u) => u.name).join('、')),
        { 'data-testid': 'ticket-escalated' }) : null,
      tk.response_due ? row(customer ? t('tk.f.response_customer') : t('tk.f.response'), clockLine(tk, { long: true }),
        { 'data-testid': 'response-clock' }) : null,
      tk.response_due && !customer ? row(t('tk.f.response_due'), fmtTime(tk.response_due)) : null,
      reso ? row(t('tk.f.required_by'), reso) : null,
      tk.scope && !customer ? row(t('tk.f.scope'), t(`tk.scope.${tk.scope}`)) : null,
      tk.satisfaction ? row(t('tk.f.satisfaction'), h('span', { class: ['tk-sat', `tk-sat-${tk.satisfaction}`] }, t(`tk.sat.${tk.satisfaction}`))) : null,
      tk.improvement_needs && !customer ? row(t('tk.f.improvement'), String(tk.improvement_needs)) : null,
      tk.resolved_at ? row(t('tk.f.resolved_at'), fmtTime(tk.resolved_at)) : null,
      tk.closed_at ? row(t('tk.f.closed_at'), fmtTime(tk.closed_at)) : null)];
  return card(t('tk.status_card'), body, { className: ['tk-status-card', `tk-st-${tk.status}`].join(' ') });
}

function descriptionCard(st) {
  const { tk } = st;
  const row = (label, value, attrs = {}) => [h('dt', null, label), h('dd', attrs, value)];
  return card(t('tk.details'), [
    h('p', { class: 'tk-description pre-wrap', 'data-testid': 'ticket-description' }, tk.description),
    h('dl', { class: 'desc-list tk-details', 'data-testid': 'ticket-details' },
      row(t('tk.f.project'), `${tk.project_code} ${tk.project_name}`),
      row(t('tk.f.kind'), t(`tk.kind.${tk.kind}`)),
      tk.location ? row(t('tk.f.location'), tk.location, { 'data-testid': 'ticket-location' }) : null,
      row(t('tk.f.channel'), t(`tk.channel.${tk.channel}`)),
      row(t('tk.f.created'), t('tk.f.created_by', { at: fmtTime(tk.created_at), name: tk.created_by_name || '' })))],
  { className: 'tk-desc-card' });
}

/* ---------- comments ---------- */

function commentForm(st) {
  const errs = new FormErrors();
  const staff = mayCommentInternal(session.user);
  const text = errs.add('text', formField({ label: t(staff ? 'tk.comment.label_staff' : 'tk.comment.label'),
    control: textarea({ maxlength: MAX_NOTE, rows: 3, placeholder: t(staff ? 'tk.comment.ph_staff' : 'tk.comment.ph'), 'data-testid': 'comment-text' }) }));
  const label = h('span', null, t(staff ? 'tk.comment.send_public' : 'tk.comment.send'));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'comment-submit' }, icon('send', 14), label);
  let internal = null;
  let sw = null;
  const form = h('form', { class: 'form tk-comment', novalidate: true, 'data-testid': 'comment-form' });
  if (staff) {
    internal = h('input', { type: 'checkbox', class: 'switch-input', 'data-testid': 'comment-internal' });
    sw = h('label', { class: 'switch tk-internal-switch' }, internal, h('span', { class: 'switch-track' }),
      h('span', null, icon('lock', 12), ' ', t('tk.comment.internal')));
    internal.addEventListener('change', () => {
      label.textContent = t(internal.checked ? 'tk.comment.send_internal' : 'tk.comment.send_public');
      form.classList.toggle('is-internal', internal.checked);
    });
  }
  append(form, [errs.alert, text.el, h('div', { class: 'form-actions tk-comment-actions' }, sw, submit)]);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const v = text.control.value.trim();
    if (!v) { errs.set('text', t('v.required')); text.control.focus(); return; }
    if ([...v].length > MAX_NOTE) { errs.set('text', t('v.too_long', { n: MAX_NOTE })); return; }
    const body = { action: 'comment', text: v };
    if (internal && internal.checked) body.internal = true;
    submit.disabled = true;
    try {
      st.tk = await api.post(`/tickets/${st.id}/actions`, body);
      if (!st.ctx.alive()) return;
      st.names = knownNames(st.tk, st.staff);
      drawHistory(st);
      text.control.value = '';
      toast(t(body.internal ? 'tk.comment.saved_internal' : 'tk.comment.saved'));
    } catch (err) {
      errs.api(err, { missing_field: 'text', invalid: 'text', too_long: 'text' });
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/* ---------- the customer's part ---------- */

/** What the customer is asked now: confirm or decline an offer, or rate the result. */
function taskCard(st) {
  const task = customerTask(st.tk);
  if (task === 'confirm' && allowedActions(st.tk, session.user).includes('confirm')) return offerCard(st);
  if (task === 'rate' && allowedActions(st.tk, session.user).includes('rate')) return rateCard(st);
  return null;
}

function offerCard(st) {
  const offer = lastEntry(st.tk, 'triage');
  const yes = button(t('tk.offer.yes'), { kind: 'primary', testid: 'act-confirm', iconName: 'check' });
  const no = button(t('tk.offer.no'), { testid: 'act-decline' });
  yes.dataset.offer = 'confirm';
  no.dataset.offer = 'decline';
  for (const b of [yes, no]) b.classList.add('btn-lg');
  yes.addEventListener('click', async () => {
    if (!(await confirmDialog({ title: t('tk.offer.yes_title'), message: t('tk.offer.yes_body'), okText: t('tk.offer.yes') }))) return;
    yes.disabled = true;
    try { await act(st, { action: 'confirm' }); toast(t('tk.offer.confirmed')); } catch (err) { yes.disabled = false; toastErr(st, err); }
  });
  no.addEventListener('click', async () => {
    if (!(await confirmDialog({ title: t('tk.offer.no_title'), message: t('tk.offer.no_body'), warn: t('tk.offer.no_warn'),
      okText: t('tk.offer.no'), danger: true }))) return;
    no.disabled = true;
    try { await act(st, { action: 'decline' }); toast(t('tk.offer.declined')); } catch (err) { no.disabled = false; toastErr(st, err); }
  });
  return card(t('tk.offer.title'), [
    h('p', { class: 'tk-task-intro' }, t(st.tk.kind === 'special_request' ? 'tk.offer.intro_special' : 'tk.offer.intro')),
    offer && offer.text ? h('blockquote', { class: 'tk-quote pre-wrap', 'data-testid': 'offer-text' }, offer.text) : null,
    h('div', { class: 'tk-task-buttons' }, yes, no)], { className: 'tk-task-card' });
}

function toastErr(st, err) {
  if (err instanceof ApiError && err.status === 409) { toast(t('tk.err.changed'), 'error'); reload(st).catch(() => {}); return; }
  toast(t('err.generic', { msg: err.message }), 'error');
}

const SAT_ICON = { satisfied: 'star', average: 'check', unsatisfied: 'warn' };

function satisfactionChoices(testid) {
  return choiceGroup(SATISFACTION.map((s) => ({ value: s, label: t(`tk.sat.${s}`), iconName: SAT_ICON[s], className: `sat-${s}` })),
    { testid, label: t('tk.rate.choose'), className: 'choice-3' });
}

function rateCard(st) {
  const result = lastEntry(st.tk, 'resolve');
  const errs = new FormErrors();
  const sat = errs.add('satisfaction', formField({ label: t('tk.rate.choose'), required: true, control: satisfactionChoices('rate') }));
  const comment = errs.add('comment', formField({ label: t('tk.rate.comment'), optional: true,
    control: textarea({ maxlength: MAX_NOTE, rows: 2, placeholder: t('tk.rate.comment_ph'), 'data-testid': 'rate-comment' }) }));
  const submit = button(t('tk.rate.submit'), { kind: 'primary', type: 'submit', testid: 'rate-submit' });
  submit.classList.add('btn-lg', 'btn-block');
  const form = h('form', { class: 'form', novalidate: true, 'data-testid': 'rate-form', 'data-offer': 'rate' }, errs.alert, sat.el, comment.el, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const s = sat.control.value;
    if (!s) { errs.set('satisfaction', t('tk.rate.pick')); return; }
    const c = comment.control.value.trim();
    if ([...c].length > MAX_NOTE) { errs.set('comment', t('v.too_long', { n: MAX_NOTE })); return; }
    const ok = await confirmDialog({ title: t('tk.rate.confirm_title'), message: t('tk.rate.confirm_body', { s: t(`tk.sat.${s}`) }),
      warn: t(s === 'unsatisfied' ? 'tk.rate.warn_reopen' : 'tk.rate.warn_close'), okText: t('tk.rate.submit') });
    if (!ok) return;
    submit.disabled = true;
    try {
      await act(st, { action: 'rate', satisfaction: s, ...(c ? { comment: c } : {}) });
      toast(t(s === 'unsatisfied' ? 'tk.rate.reopened' : 'tk.rate.thanks'));
    } catch (err) {
      submit.disabled = false;
      refused(st, err, errs, { missing_field: 'satisfaction' });
    }
  });
  return card(t('tk.rate.title'), [
    h('p', { class: 'tk-task-intro' }, t('tk.rate.intro')),
    result && result.text ? h('blockquote', { class: 'tk-quote pre-wrap', 'data-testid': 'result-text' }, result.text) : null,
    form], { className: 'tk-task-card' });
}

/* ---------- the staff console's actions ---------- */

const PRIMARY = new Set(['take', 'triage', 'approve', 'resolve', 'verify']);
/** The paperwork of a suspension or claim, in the order it is usually exchanged (core/ticket.h). */
const PAPER_STEPS = ['notice', 'evidence', 'claim', 'review', 'agreement', 'resumption'];

function actionsCard(st) {
  const acts = allowedActions(st.tk, session.user).filter((a) => a !== 'comment');
  const open = {
    take: takeAction, triage: triageModal, confirm: (s) => onBehalfModal(s, 'confirm'), decline: (s) => onBehalfModal(s, 'decline'),
    approve: approveModal, resolve: resolveModal, verify: verifyModal, rate: rateModal, assign: assignModal, handover: handoverModal,
    paperwork: paperworkModal,
  };
  const buttons = acts.map((a) => {
    const b = button(t(`tk.act.${a}`), { kind: PRIMARY.has(a) ? 'primary' : 'default', testid: `act-${a}`, onclick: () => open[a](st) });
    b.classList.add('btn-block');
    b.dataset.offer = a;
    return b;
  });
  const corrective = mayCorrect(session.user.role)
    ? h('a', { class: 'link tk-corrective-link', href: `#/corrective?new=${st.tk.id}`, 'data-testid': 'start-corrective' },
      icon('tool', 14), ' ', t('tk.start_corrective')) : null;
  return card(t('tk.actions'), [
    buttons.length ? h('div', { class: 'tk-actions', 'data-testid': 'ticket-actions' }, buttons)
      : h('p', { class: 'muted tk-no-actions', 'data-testid': 'no-actions' }, t(`tk.wait.${st.tk.status}`)),
    corrective], { className: 'tk-actions-card' });
}

/**
 * A modal form for one action: FIELDS (formField results by API member name) in an errs group;
 * COLLECT returns the body's members or null; CONFIRM(body) the confirmation to ask, or null.
 */
function actionModal(st, { action, title, intro, fields, collect, confirm, okText, testid, done }) {
  const errs = fields.errs;
  const submit = button(okText || t(`tk.act.${action}`), { kind: 'primary', type: 'submit', testid: 'action-submit' });
  const formId = `act-form-${action}`;
  submit.setAttribute('form', formId);
  const cancel = button(t('common.cancel'));
  const form = h('form', { class: 'form', id: formId, novalidate: true },
    intro ? h('div', { class: 'form-note' }, intro) : null, errs.alert, fields.els);
  const m = openModal({ title, body: form, footer: [cancel, submit], testid: testid || `modal-${action}` });
  cancel.addEventListener('click', () => m.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const members = collect();
    if (!members || form.querySelector('.has-error')) { errs.focusFirst(); return; }
    const body = { action, ...members };
    const ask = confirm ? confirm(body) : null;
    if (ask && !(await confirmDialog(ask))) return;
    submit.disabled = true;
    try {
      await act(st, body);
      m.close();
      toast(done ? done(body) : t('tk.done', { a: t(`tk.act.${action}`) }));
    } catch (err) {
      submit.disabled = false;
      refused(st, err, errs, {}, () => m.close());
    }
  });
  return m;
}

/** A text field that must not be empty (REQUIRED) and not too long; sets the error itself. */
function readText(errs, name, field, max, required) {
  const v = field.control.value.trim();
  if (!v) { if (required) errs.set(name, t('v.required')); return null; }
  if ([...v].length > max) { errs.set(name, t('v.too_long', { n: max })); return null; }
  return v;
}

async function takeAction(st) {
  const ok = await confirmDialog({ title: t('tk.take.title'), message: t('tk.take.body', { number: st.tk.number }),
    okText: t('tk.act.take') });
  if (!ok) return;
  try {
    await act(st, { action: 'take' });
    toast(t('tk.take.done'));
  } catch (err) { toastErr(st, err); }
}

function triageModal(st) {
  const errs = new FormErrors();
  const special = st.tk.kind === 'special_request';
  const scope = errs.add('scope', formField({ label: t('tk.triage.scope'), required: true,
    control: choiceGroup(SCOPES.map((s) => ({ value: s, label: t(`tk.scope.${s}`),
      sub: t(s === 'in_contract' && special ? 'tk.triage.sub.in_contract_special' : `tk.triage.sub.${s}`) })),
    { testid: 'triage-scope', label: t('tk.triage.scope'), className: 'choice-stack' }) }));
  const reason = errs.add('reason', formField({ label: t('tk.triage.reason'), hint: t('tk.triage.reason_hint'),
    control: textarea({ maxlength: MAX_REASON, rows: 3, 'data-testid': 'triage-reason' }) }));
  const warn = h('div', { class: 'alert alert-warn', role: 'status', hidden: true, 'data-testid': 'triage-warn' },
    icon('warn', 16), h('span', null, t('tk.triage.cannot_warn')));
  const reasonLabel = reason.el.querySelector('.field-label');
  scope.control.addEventListener('change', () => {
    const cannot = scope.control.value === 'cannot_handle';
    warn.hidden = !cannot;
    reasonLabel.classList.toggle('required', cannot);
  });
  actionModal(st, {
    action: 'triage', title: t('tk.triage.title', { number: st.tk.number }),
    fields: { errs, els: [scope.el, warn, reason.el] },
    collect: () => {
      const s = scope.control.value;
      if (!s) errs.set('scope', t('v.select'));
      const r = readText(errs, 'reason', reason, MAX_REASON, s === 'cannot_handle');
      return s ? { scope: s, ...(r ? { reason: r } : {}) } : null;
    },
    confirm: (b) => (b.scope === 'cannot_handle' ? { title: t('tk.triage.cannot_title'), message: b.reason,
      warn: t('tk.triage.cannot_confirm_warn'), okText: t('tk.triage.cannot_ok'), danger: true } : null),
    done: (b) => t(`tk.triage.done.${b.scope}`),
  });
}

function onBehalfModal(st, action) {
  const errs = new FormErrors();
  const evidence = errs.add('evidence', formField({ label: t('tk.behalf.evidence'), required: true, hint: t('tk.behalf.evidence_hint'),
    control: textarea({ maxlength: MAX_REASON, rows: 2, 'data-testid': 'behalf-evidence' }) }));
  const offer = lastEntry(st.tk, 'triage');
  actionModal(st, {
    action, title: t(`tk.behalf.${action}_title`),
    intro: offer && offer.text ? t('tk.behalf.offer', { text: offer.text }) : t('tk.behalf.intro'),
    fields: { errs, els: [evidence.el] },
    collect: () => { const v = readText(errs, 'evidence', evidence, MAX_REASON, true); return v ? { evidence: v } : null; },
    confirm: () => (action === 'decline' ? { title: t('tk.behalf.decline_title'), message: t('tk.offer.no_body'),
      warn: t('tk.offer.no_warn'), okText: t('tk.act.decline'), danger: true } : null),
  });
}

function approveModal(st) {
  const errs = new FormErrors();
  const decision = errs.add('decision', formField({ label: t('tk.approve.decision'), required: true,
    control: choiceGroup([{ value: 'approve', label: t('tk.approve.approve'), iconName: 'check' },
      { value: 'reject', label: t('tk.approve.reject'), iconName: 'x', className: 'choice-danger' }],
    { testid: 'approve-decision', label: t('tk.approve.decision') }) }));
  const note = errs.add('note', formField({ label: t('tk.approve.note'), optional: true, hint: t('tk.approve.note_hint'),
    control: textarea({ maxlength: MAX_NOTE, rows: 3, 'data-testid': 'approve-note' }) }));
  actionModal(st, {
    action: 'approve', title: t('tk.approve.title', { number: st.tk.number }), intro: st.tk.title,
    fields: { errs, els: [decision.el, note.el] },
    collect: () => {
      const d = decision.control.value;
      if (!d) errs.set('decision', t('v.select'));
      const n = readText(errs, 'note', note, MAX_NOTE, false);
      return d ? { decision: d, ...(n ? { note: n } : {}) } : null;
    },
    confirm: (b) => ({ title: t(`tk.approve.${b.decision}_title`), message: b.note || st.tk.title,
      warn: t(b.decision === 'reject' ? 'tk.approve.reject_warn' : 'tk.approve.approve_warn'),
      okText: t(`tk.approve.${b.decision}`), danger: b.decision === 'reject' }),
    done: (b) => t(`tk.approve.done_${b.decision}`),
  });
}

function resolveModal(st) {
  const errs = new FormErrors();
  const note = errs.add('note', formField({ label: t('tk.resolve.note'), required: true, hint: t('tk.resolve.note_hint'),
    control: textarea({ maxlength: MAX_NOTE, rows: 4, 'data-testid': 'resolve-note' }) }));
  actionModal(st, {
    action: 'resolve', title: t('tk.resolve.title', { number: st.tk.number }),
    intro: st.tk.kind === 'repair' ? t('tk.resolve.intro_repair') : t('tk.resolve.intro'),
    fields: { errs, els: [note.el] },
    collect: () => { const v = readText(errs, 'note', note, MAX_NOTE, true); return v ? { note: v } : null; },
    done: () => t(st.tk.kind === 'repair' ? 'tk.resolve.done_repair' : 'tk.resolve.done'),
  });
}

/** P-5.2.2f: one document of a suspension, claim or force-majeure event, as it is exchanged. */
function paperworkModal(st) {
  const errs = new FormErrors();
  const done = new Set((st.tk.history || []).filter((e) => e.action === 'paperwork').map((e) => e.data && e.data.step));
  const next = PAPER_STEPS.find((x) => !done.has(x)) || PAPER_STEPS[PAPER_STEPS.length - 1];
  const stepSel = select(PAPER_STEPS.map((x) => ({ value: x, label: t(`tk.paper.${x}`) + (done.has(x) ? ` ${t('tk.paper.recorded')}` : '') })),
    { 'data-testid': 'paperwork-step' });
  stepSel.value = next;
  const step = errs.add('step', formField({ label: t('tk.paper.step'), required: true, control: stepSel }));
  const text = errs.add('text', formField({ label: t('tk.paper.text'), required: true, hint: t('tk.paper.text_hint'),
    control: textarea({ maxlength: MAX_NOTE, rows: 4, 'data-testid': 'paperwork-text' }) }));
  actionModal(st, {
    action: 'paperwork', title: t('tk.paper.title', { number: st.tk.number }), intro: t('tk.paper.intro'),
    fields: { errs, els: [step.el, text.el] },
    collect: () => { const v = readText(errs, 'text', text, MAX_NOTE, true); return v ? { step: stepSel.value, text: v } : null; },
    done: (b) => t('tk.paper.done', { step: t(`tk.paper.${b.step}`) }),
  });
}

function verifyModal(st) {
  const errs = new FormErrors();
  const result = errs.add('result', formField({ label: t('tk.verify.result'), required: true,
    control: choiceGroup([{ value: 'pass', label: t('tk.verify.pass'), iconName: 'check' },
      { value: 'fail', label: t('tk.verify.fail'), iconName: 'x', className: 'choice-danger' }],
    { testid: 'verify-result', label: t('tk.verify.result') }) }));
  const note = errs.add('note', formField({ label: t('tk.verify.note'), optional: true, hint: t('tk.verify.note_hint'),
    control: textarea({ maxlength: MAX_NOTE, rows: 3, 'data-testid': 'verify-note' }) }));
  const res = lastEntry(st.tk, 'resolve');
  actionModal(st, {
    action: 'verify', title: t('tk.verify.title', { number: st.tk.number }),
    intro: res && res.text ? t('tk.verify.intro', { text: res.text }) : null,
    fields: { errs, els: [result.el, note.el] },
    collect: () => {
      const r = result.control.value;
      if (!r) errs.set('result', t('v.select'));
      const n = readText(errs, 'note', note, MAX_NOTE, false);
      return r ? { result: r, ...(n ? { note: n } : {}) } : null;
    },
    confirm: (b) => ({ title: t(`tk.verify.${b.result}_title`), message: b.note || t(`tk.verify.${b.result}_body`),
      warn: t(`tk.verify.${b.result}_warn`), okText: t(`tk.verify.${b.result}`), danger: b.result === 'fail' }),
    done: (b) => t(`tk.verify.done_${b.result}`),
  });
}

function rateModal(st) {
  const errs = new FormErrors();
  const sat = errs.add('satisfaction', formField({ label: t('tk.rate.choose_behalf'), required: true, control: satisfactionChoices('rate') }));
  const source = errs.add('source', formField({ label: t('tk.rate.source'), required: true,
    control: select([{ value: '', label: t('tk.rate.source_pick') }, ...SOURCES.map((s) => ({ value: s, label: t(`tk.channel.${s}`) }))],
      { 'data-testid': 'rate-source' }) }));
  const comment = errs.add('comment', formField({ label: t('tk.rate.comment_behalf'), optional: true,
    control: textarea({ maxlength: MAX_NOTE, rows: 2, 'data-testid': 'rate-comment' }) }));
  actionModal(st, {
    action: 'rate', title: t('tk.rate.behalf_title', { number: st.tk.number }), intro: t('tk.rate.behalf_intro'),
    fields: { errs, els: [sat.el, source.el, comment.el] },
    collect: () => {
      const s = sat.control.value;
      if (!s) errs.set('satisfaction', t('tk.rate.pick'));
      const src = source.control.value;
      if (!src) errs.set('source', t('v.select'));
      const c = readText(errs, 'comment', comment, MAX_NOTE, false);
      return s && src ? { satisfaction: s, source: src, ...(c ? { comment: c } : {}) } : null;
    },
    confirm: (b) => ({ title: t('tk.rate.confirm_title'), message: t('tk.rate.confirm_behalf', { s: t(`tk.sat.${b.satisfaction}`), src: t(`tk.channel.${b.source}`) }),
      warn: t(b.satisfaction === 'unsatisfied' ? 'tk.rate.warn_reopen' : 'tk.rate.warn_close'), okText: t('tk.rate.submit') }),
    done: (b) => t(b.satisfaction === 'unsatisfied' ? 'tk.rate.reopened_staff' : 'tk.rate.recorded'),
  });
}

/**
 * Staff the owner may hand over to or assign, from the staff directory: everyone active who
 * sees the project (its team first, then the departments), by name and department.
 */
async function staffChoices(st, exclude) {
  if (!st.staff) {
    st.staff = await api.get('/staff', { project_id: st.tk.project_id });
    st.names = knownNames(st.tk, st.staff);
  }
  const skip = new Set(exclude);
  const team = (u) => (u.role === 'project' ? 0 : 1);
  return st.staff.filter((u) => !skip.has(u.id)).sort((x, y) => team(x) - team(y))
    .map((u) => ({ id: u.id, label: `${u.name}（${t(`role.${u.role}`)}）` }));
}

async function handoverModal(st) {
  const choices = await staffChoices(st, [session.user.id]);
  const errs = new FormErrors();
  const to = errs.add('to_user_id', formField({ label: t('tk.handover.to'), required: true, hint: t('tk.picker.hint'),
    control: select([{ value: '', label: t('tk.picker.pick') }, ...choices.map((c) => ({ value: c.id, label: c.label }))],
      { 'data-testid': 'handover-to' }) }));
  const reason = errs.add('reason', formField({ label: t('tk.handover.reason'), required: true,
    control: textarea({ maxlength: MAX_REASON, rows: 2, 'data-testid': 'handover-reason' }) }));
  actionModal(st, {
    action: 'handover', title: t('tk.handover.title', { number: st.tk.number }), intro: t('tk.handover.intro'),
    fields: { errs, els: [to.el, reason.el] },
    collect: () => {
      const id = to.control.value ? Number(to.control.value) : null;
      if (!id) errs.set('to_user_id', t('v.select'));
      const r = readText(errs, 'reason', reason, MAX_REASON, true);
      return id && r ? { to_user_id: id, reason: r } : null;
    },
    confirm: (b) => ({ title: t('tk.handover.confirm_title'), message: t('tk.handover.confirm_body', { name: userLabel(st.names, b.to_user_id) }),
      warn: t('tk.handover.confirm_warn'), okText: t('tk.act.handover') }),
    done: (b) => t('tk.handover.done', { name: userLabel(st.names, b.to_user_id) }),
  });
}

async function assignModal(st) {
  const choices = await staffChoices(st, [session.user.id, ...(st.tk.assignee_ids || [])]);
  const errs = new FormErrors();
  const boxes = choices.map((c) => {
    const cb = h('input', { type: 'checkbox', value: String(c.id), 'data-testid': `assign-${c.id}` });
    return { cb, el: h('label', { class: 'check-row' }, cb, h('span', null, c.label)) };
  });
  const list = h('div', { class: 'check-list', tabindex: '-1' },
    boxes.length ? boxes.map((b) => b.el) : h('p', { class: 'muted list-empty' }, t('tk.picker.none')));
  const who = errs.add('user_ids', formField({ label: t('tk.assign.who'), required: true, hint: t('tk.picker.hint'), control: list }));
  const current = (st.tk.assignee_ids || []).map((id) => userLabel(st.names, id)).join('、');
  actionModal(st, {
    action: 'assign', title: t('tk.assign.title', { number: st.tk.number }),
    intro: current ? t('tk.assign.current', { names: current }) : t('tk.assign.intro'),
    fields: { errs, els: [who.el] },
    collect: () => {
      const ids = boxes.filter((b) => b.cb.checked).map((b) => Number(b.cb.value));
      if (!ids.length) { errs.set('user_ids', t('tk.assign.pick')); return null; }
      return { user_ids: ids };
    },
    done: (b) => t('tk.assign.done', { names: b.user_ids.map((id) => userLabel(st.names, id)).join('、') }),
  });
}
