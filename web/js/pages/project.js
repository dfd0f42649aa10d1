// One project: details, stage timeline and the form that records the next stage event.

import { h, clear, icon } from '../dom.js';
import { t, fmtTime, fmtDate, today } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { canRecordEvent, STAGES, NEXT_EVENT } from '../session.js';
import {
  button, stageTag, pageHeader, card, formField, input, textarea, FormErrors, confirmDialog, toast,
} from '../ui.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s) {
  if (!DATE_RE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export async function renderProject(content, ctx) {
  const id = Number(ctx.params[0]);
  let project; let events;
  try {
    [project, events] = await Promise.all([api.get(`/projects/${id}`), api.get(`/projects/${id}/events`)]);
  } catch (err) {
    if (!ctx.alive()) return;
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
      clear(content).append(backLink(),
        h('div', { class: 'alert alert-warn', role: 'alert' }, icon('warn', 16), t('common.not_found')));
      return;
    }
    throw err;
  }
  if (!ctx.alive()) return;

  const reload = () => renderProject(content, ctx);
  const side = canRecordEvent(project) ? eventCard(project, events, reload) : null;

  clear(content).append(
    pageHeader({
      back: backLink(),
      title: h('span', { class: 'title-with-tag' }, h('span', { 'data-testid': 'project-title' }, project.name),
        h('span', { 'data-testid': 'project-stage' }, stageTag(project.stage))),
      desc: h('span', { class: 'mono' }, project.code),
    }),
    card(t('project.timeline'), timeline(project, events), { className: 'timeline-card' }),
    h('div', { class: ['grid-2', !side && 'grid-single'] }, detailsCard(project), side));
}

function backLink() {
  return h('a', { href: '#/projects', class: 'back-link' }, icon('back', 14), h('span', null, t('project.back')));
}

function detailsCard(p) {
  const row = (label, value, attrs = {}) => [h('dt', null, label), h('dd', attrs, value)];
  return card(t('project.details'), h('dl', { class: 'desc-list', 'data-testid': 'project-details' },
    row(t('projects.code'), p.code, { class: 'mono' }),
    row(t('projects.name'), p.name),
    row(t('projects.customer'), p.customer_name || t('common.none')),
    row(t('projects.manager'), p.manager_name || t('common.none')),
    row(t('projects.stage'), stageTag(p.stage)),
    row(t('project.contract_date'), fmtDate(p.contract_date)),
    row(t('project.completion_date'), fmtDate(p.completion_date)),
    row(t('project.warranty_end_date'), fmtDate(p.warranty_end_date)),
    row(t('project.created'), fmtTime(p.created_at))));
}

function timeline(p, events) {
  const cur = STAGES.indexOf(p.stage);
  const byStage = {};
  for (const e of events) byStage[e.to_stage] = e;
  const steps = STAGES.map((stage, i) => {
    const status = i < cur ? 'done' : i === cur ? 'current' : 'future';
    const ev = byStage[stage];
    const lines = [];
    if (i === 0) {
      lines.push(h('div', { class: 'step-event' }, t('event.registered')));
    } else if (ev && status !== 'future') {
      lines.push(h('div', { class: 'step-event' }, t(`event.${ev.type}`)));
      lines.push(h('div', { class: 'step-date', 'data-testid': 'step-date' }, ev.date));
      lines.push(h('div', { class: 'step-who' }, t('project.recorded_by', { name: ev.user_name || `#${ev.user_id}` })));
      if (ev.note) lines.push(h('div', { class: 'step-note', title: ev.note }, ev.note));
    } else {
      const nextType = NEXT_EVENT[STAGES[i - 1]].type;
      lines.push(h('div', { class: 'step-event muted' }, t(`event.${nextType}`)));
    }
    return h('li', { class: ['step', `step-${status}`], 'data-stage': stage, 'data-status': status,
      'aria-current': status === 'current' ? 'step' : null },
    h('div', { class: 'step-head' },
      h('span', { class: 'step-dot' }, status === 'done' ? icon('check', 14) : String(i + 1)),
      h('span', { class: 'step-line' })),
    h('div', { class: 'step-body' },
      h('div', { class: 'step-title' }, t(`stage.${stage}`),
        h('span', { class: 'step-status' }, t(`project.step.${status}`))),
      lines));
  });
  return h('ol', { class: 'steps', 'data-testid': 'timeline' }, steps);
}

function eventCard(p, events, reload) {
  const next = NEXT_EVENT[p.stage];
  if (!next) {
    return card(t('project.event.title'), h('p', { class: 'muted', 'data-testid': 'event-final' }, t('project.event.final')));
  }
  const errs = new FormErrors();
  const typeBox = h('div', { class: 'event-type', 'data-testid': 'event-type', 'data-type': next.type },
    h('span', { class: 'event-type-name' }, t(`event.${next.type}`)),
    h('span', { class: 'event-type-moves' },
      stageTag(p.stage), h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'), stageTag(next.to)));
  const typeField = h('div', { class: 'field' },
    h('div', { class: 'field-label' }, t('project.event.type')), typeBox);
  const last = events.length ? events[events.length - 1].date : null;
  const date = errs.add('date', formField({ label: t('project.event.date'), required: true,
    control: input({ type: 'date', name: 'date', value: today(), min: last || undefined, 'data-testid': 'event-date' }) }));
  const note = errs.add('note', formField({ label: t('project.event.note'), optional: true,
    control: textarea({ name: 'note', maxlength: 500, placeholder: t('project.event.note_ph'), 'data-testid': 'event-note' }) }));
  errs.add('type', { el: typeField, control: typeBox, setError: (m) => errs.showAlert(m), clear() {} });
  const submit = button(t('project.event.submit'), { kind: 'primary', type: 'submit', testid: 'event-submit' });
  const form = h('form', { class: 'form', novalidate: true, 'data-testid': 'event-form' },
    errs.alert, typeField, date.el, note.el, h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const d = date.control.value.trim();
    if (!d) { errs.set('date', t('v.required')); date.control.focus(); return; }
    if (!validDate(d)) { errs.set('date', t('v.date')); date.control.focus(); return; }
    const noteText = note.control.value;
    if ([...noteText].length > 500) { errs.set('note', t('v.too_long', { n: 500 })); return; }
    const names = { event: t(`event.${next.type}`), from: t(`stage.${p.stage}`), to: t(`stage.${next.to}`) };
    const ok = await confirmDialog({
      title: t('project.event.confirm_title'),
      message: t('project.event.confirm_body', { ...names, date: d }),
      warn: t('project.event.confirm_warn'),
      okText: t('project.event.confirm_ok'),
    });
    if (!ok) return;
    submit.disabled = true;
    const body = { type: next.type, date: d };
    if (noteText.trim()) body.note = noteText;
    try {
      await api.post(`/projects/${p.id}/events`, body);
      toast(t('project.event.recorded', names));
      await reload();
    } catch (err) {
      errs.api(err);
      submit.disabled = false;
    }
  });
  return card(t('project.event.title'), form, { className: 'event-card' });
}
