// One project: details, stage timeline, the form that records the next stage event, the 6.4
// summary of its evaluations, their history with amendments, and (staff) its cases and reviews.

import { h, clear, append, icon } from '../dom.js';
import { t, fmtTime, fmtDate, today } from '../i18n.js';
import { api, ApiError, errorText } from '../api.js';
import {
  canRecordEvent, STAGES, NEXT_EVENT, isStaff, isCustomer, canEvaluateOfficial, canSelfCheck, canEvaluateKind,
} from '../session.js';
import {
  button, stageTag, tag, pageHeader, card, formField, input, textarea, FormErrors, confirmDialog, toast,
  dataTable, emptyState,
} from '../ui.js';
import {
  FORMS, RECORD, WEIGHT, fitsStage, gradeTag, kindTag, fmtScore, formLabel, gradeClass, provisionalTag,
  satisfiedBadge,
} from '../scoring.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s) {
  if (!DATE_RE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export async function renderProject(content, ctx) {
  const id = Number(ctx.params[0]);
  let project; let events; let summary; let evaluations; let cases = null; let reviews = null;
  const staff = isStaff();
  // Cases and reviews are extras of the page: a failure there leaves the rest readable.
  const soft = (p) => p.catch((e) => (e && e.status === 401 ? Promise.reject(e) : { error: e }));
  try {
    [project, events, summary, evaluations, cases, reviews] = await Promise.all([
      api.get(`/projects/${id}`), api.get(`/projects/${id}/events`),
      soft(api.get(`/projects/${id}/summary`)), soft(api.get(`/projects/${id}/evaluations`)),
      staff ? soft(api.get('/penalty-cases', { project_id: id })) : null,
      staff ? soft(api.get('/reviews', { project_id: id })) : null,
    ]);
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

  append(clear(content), [
    pageHeader({
      back: backLink(),
      title: h('span', { class: 'title-with-tag' }, h('span', { 'data-testid': 'project-title' }, project.name),
        h('span', { 'data-testid': 'project-stage' }, stageTag(project.stage))),
      desc: h('span', { class: 'mono' }, project.code),
      actions: [...evaluateActions(project, ctx.navigate), ...ticketActions(project, ctx.navigate)],
    }),
    card(t('project.timeline'), timeline(project, events), { className: 'timeline-card' }),
    summaryCard(summary),
    historyCard(project, evaluations, ctx.navigate),
    staff ? casesCard(project, cases, reviews) : null,
    h('div', { class: ['grid-2', !side && 'grid-single'] }, detailsCard(project), side)]);
}

/** The buttons that open the evaluation page: cm's official sheets, the project team's self-check. */
function evaluateActions(p, navigate) {
  const out = [];
  if (canEvaluateOfficial()) {
    for (const f of FORMS) {
      if (!fitsStage(f, p.stage)) continue;
      out.push(button(t(`eval.action.${f}`), { kind: 'primary', iconName: 'clipboard', testid: `evaluate-${f}`,
        onclick: () => navigate(`#/projects/${p.id}/evaluate?form=${f}`) }));
    }
  }
  if (canSelfCheck(p) && fitsStage('process', p.stage)) {
    out.push(button(t('eval.action.self_check'), { kind: 'primary', iconName: 'clipboard', testid: 'evaluate-self-check',
      onclick: () => navigate(`#/projects/${p.id}/evaluate?form=process&kind=self_check`) }));
  }
  return out;
}

/** The project's requests (staff), or a new one on it (its customer). */
function ticketActions(p, navigate) {
  if (isCustomer()) {
    return [button(t('portal.new'), { iconName: 'camera', testid: 'project-new-request',
      onclick: () => navigate(`#/requests/new?project_id=${p.id}`) })];
  }
  return [button(t('nav.tickets'), { iconName: 'inbox', testid: 'project-tickets',
    onclick: () => navigate(`#/tickets?queue=all&project_id=${p.id}`) })];
}

function failed(x) { return x && typeof x === 'object' && !Array.isArray(x) && x.error instanceof Error; }

function softError(x) {
  return h('div', { class: 'alert alert-error', role: 'alert' }, icon('warn', 16),
    h('span', null, t('common.load_failed', { msg: errorText(x.error) })));
}

/** Summary 6.4 of the project: the three phases, deduction, total, grade, satisfied badge. */
function summaryCard(s) {
  if (failed(s)) return card(t('summary.title'), softError(s), { className: 'summary-card' });
  const phase = (f) => {
    const ph = s.phases && s.phases[f];
    return h('div', { class: ['summary-tile', ph ? gradeClass(gradeOfPhase(ph)) : 'empty-tile'], 'data-phase': f,
      'data-testid': `summary-${f}` },
    h('div', { class: 'summary-tile-label' }, h('span', null, formLabel(f)),
      h('span', { class: 'summary-weight' }, t('summary.weight', { w: WEIGHT[f] }))),
    ph ? h('a', { class: 'summary-tile-num', href: `#/evaluations/${ph.evaluation_id}`, 'data-testid': 'phase-score' }, fmtScore(ph.score))
      : h('div', { class: 'summary-tile-num muted', 'data-testid': 'phase-score' }, t('common.none')),
    h('div', { class: 'summary-tile-sub' }, ph ? ph.date : t('summary.none'),
      ph && ph.deduction ? h('span', { class: 'neg' }, ` · ${t('summary.phase_deduction', { d: ph.deduction })}`) : null));
  };
  const totalTile = h('div', { class: ['summary-tile', 'summary-total', gradeClass(s.grade)], 'data-testid': 'summary-total' },
    h('div', { class: 'summary-tile-label' }, h('span', null, t('summary.total')),
      s.provisional ? provisionalTag() : null),
    h('div', { class: 'summary-tile-num', 'data-testid': 'total-score' }, s.total === null ? t('common.none') : fmtScore(s.total)),
    h('div', { class: 'summary-tile-sub' }, gradeTag(s.grade, { 'data-testid': 'summary-grade' })));
  const dedTile = h('div', { class: 'summary-tile summary-ded', 'data-testid': 'summary-deduction' },
    h('div', { class: 'summary-tile-label' }, t('summary.deduction')),
    h('div', { class: ['summary-tile-num', s.deduction > 0 && 'neg'] }, s.deduction > 0 ? `−${s.deduction}` : '0'),
    h('div', { class: 'summary-tile-sub' }, t('summary.deduction_sub')));
  const body = [
    h('div', { class: 'summary-grid' }, FORMS.map(phase), dedTile, totalTile),
    s.total === null ? h('p', { class: 'summary-note muted' }, t('summary.no_eval'))
      : s.provisional ? h('p', { class: 'summary-note muted' }, t('summary.provisional_hint')) : null,
  ];
  return card(t('summary.title'), body, {
    className: 'summary-card',
    extra: s.satisfied_project ? satisfiedBadge() : null,
  });
}

function gradeOfPhase(ph) { return ph.score >= 90 ? 'excellent' : ph.score >= 70 ? 'qualified' : 'fail'; }

/** Every evaluation the user may see, newest first, with amendments and their reasons. */
function historyCard(p, list, navigate) {
  if (failed(list)) return card(t('history.title'), softError(list));
  const rows = list.slice().reverse();
  const byId = Object.fromEntries(list.map((e) => [e.id, e]));
  // cm amends official evaluations, the project team its self-checks; the latest of each chain only.
  const mayAmend = (e) => !e.superseded_by && canEvaluateKind(e.kind, p);
  const anyAmend = list.some(mayAmend);
  const table = dataTable({
    testid: 'evaluations-table',
    className: 'table-compact',
    rows,
    pageSize: 10,
    onRowClick: (e) => navigate(`#/evaluations/${e.id}`),
    columns: [
      { key: 'date', title: t('eval.date'), className: 'nowrap', render: (e) => [
        h('a', { href: `#/evaluations/${e.id}`, class: 'link cell-main', 'data-testid': `view-evaluation-${e.id}`,
          title: t('history.view') }, e.date),
        e.period ? h('div', { class: 'cell-sub', title: t('eval.period') }, e.period) : null] },
      { key: 'form', title: t('eval.sheet'), className: 'nowrap', render: (e) => [
        h('div', { class: 'cell-main' }, formLabel(e.form)),
        h('div', { class: 'cell-sub' }, kindTag(e.kind), ' ', h('span', { title: t('evaluation.by') }, e.user_name || `#${e.user_id}`))] },
      { key: 'score', title: t('eval.score'), className: 'nowrap', render: (e) => h('span', { class: 'score-grade' },
        h('span', { class: 'strong num', 'data-testid': 'history-score' }, fmtScore(e.score)), gradeTag(e.grade)) },
      { key: 'status', title: t('history.status'), className: 'wrap', render: (e) => amendInfo(e, byId) },
      anyAmend && { key: 'actions', title: t('users.actions'), className: 'actions', render: (e) => (
        mayAmend(e)
          ? h('a', { href: `#/projects/${p.id}/evaluate?amend=${e.id}`, class: 'btn btn-sm', 'data-testid': `amend-${e.id}` },
            icon('edit', 14), h('span', null, t('history.amend')))
          : null) },
    ].filter(Boolean),
    empty: () => emptyState(t('history.empty')),
  });
  return card(t('history.title'), table.el, { className: 'history-card' });
}

function amendInfo(e, byId) {
  const parts = [];
  if (e.superseded_by) {
    parts.push(h('div', { class: 'amend-line', 'data-testid': 'superseded' }, tag(t('history.superseded_tag'), 'gray'), ' ',
      h('a', { href: `#/evaluations/${e.superseded_by}`, class: 'link' }, t('history.superseded', { id: e.superseded_by }))));
  }
  if (e.amends_id) {
    const o = byId[e.amends_id];
    parts.push(h('div', { class: 'amend-line', 'data-testid': 'amends' }, tag(t('history.amendment_tag'), 'purple'), ' ',
      h('a', { href: `#/evaluations/${e.amends_id}`, class: 'link' }, t('history.amends', { id: e.amends_id })),
      o ? h('span', { class: 'muted' }, ` (${fmtScore(o.score)} → ${fmtScore(e.score)})`) : null));
    if (e.reason) parts.push(h('div', { class: 'amend-reason', 'data-testid': 'amend-reason' }, t('history.reason', { r: e.reason })));
  }
  if (!parts.length) parts.push(h('span', { class: 'status status-on' }, t('history.current')));
  return parts;
}

/** Staff: the project's penalty cases and improvement reviews, open ones first. */
function casesCard(p, cases, reviews) {
  const openFirst = (a, b) => (a.status === 'open' ? 0 : 1) - (b.status === 'open' ? 0 : 1) || b.id - a.id;
  const caseList = failed(cases) ? softError(cases) : !cases.length
    ? h('p', { class: 'muted list-empty' }, t('project.cases.none'))
    : h('ul', { class: 'mini-list', 'data-testid': 'project-cases' }, cases.slice().sort(openFirst).map((c) =>
      h('li', { class: 'mini-item', 'data-status': c.status },
        h('span', { class: ['tag', c.level === 2 ? 'tag-red' : 'tag-gold'] }, t('cases.level', { n: t(`cases.level.${c.level}`) })),
        h('a', { class: 'link', href: `#/cases?project_id=${p.id}&status=all` }, `#${c.id} ${t(`cases.reason.${c.reason}`)}`),
        h('span', { class: ['status', c.status === 'open' ? 'status-open' : 'status-on'] }, t(`cases.status.${c.status}`)))));
  const reviewList = failed(reviews) ? softError(reviews) : !reviews.length
    ? h('p', { class: 'muted list-empty' }, t('project.reviews.none'))
    : h('ul', { class: 'mini-list', 'data-testid': 'project-reviews' }, reviews.slice().sort(openFirst).map((r) =>
      h('li', { class: 'mini-item', 'data-status': r.status },
        h('span', { class: 'mono' }, formLabel(r.form)),
        h('a', { class: 'link', href: `#/reviews?project_id=${p.id}&status=all` },
          `#${r.id} ${[r.fail && t('reviews.why.fail'), r.serious && t('reviews.why.serious')].filter(Boolean).join(' · ')}`),
        h('span', { class: ['status', r.status === 'open' ? 'status-open' : 'status-on'] }, t(`reviews.status.${r.status}`)))));
  return card(t('project.cases.title'), h('div', { class: 'cases-split' },
    h('div', null, h('h3', { class: 'sub-title' }, icon('gavel', 16), t('nav.cases')), caseList),
    h('div', null, h('h3', { class: 'sub-title' }, icon('review', 16), t('nav.reviews')), reviewList)),
  { className: 'project-cases-card' });
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
