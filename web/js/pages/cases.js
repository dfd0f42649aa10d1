// Penalty cases (PROCEDURE §8: the leader records the decision) and improvement reviews
// (§6: cm closes them with findings). Staff only; customers never see either.

import { h, clear, icon } from '../dom.js';
import { t, fmtTime } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { canDecideCase, canCloseReview } from '../session.js';
import {
  button, pageHeader, emptyState, errorBox, loading, formField, textarea, FormErrors, confirmDialog, toast,
} from '../ui.js';
import { fmtScore, gradeTag, formLabel } from '../scoring.js';

const MAX_TEXT = 2000;

/** Status filter buttons (aria-pressed), a project filter chip, and the list below them. */
function listPage(content, ctx, { title, desc, statuses, path, testid, renderItem, emptyKey, statusKey }) {
  const q = ctx.query;
  const projectId = /^\d+$/.test(q.get('project_id') || '') ? q.get('project_id') : '';
  let status = statuses.includes(q.get('status')) || q.get('status') === 'all' ? q.get('status') : 'open';
  const listArea = h('div', { class: 'list-area' }, loading());
  const seg = h('div', { class: 'seg seg-filter', role: 'group', 'aria-label': t('cases.filter'), 'data-testid': `${testid}-filter` });
  const chip = h('span', { class: 'filter-chip', hidden: !projectId, 'data-testid': 'project-chip' });

  function drawSeg() {
    clear(seg);
    for (const s of [...statuses, 'all']) {
      seg.append(h('button', {
        type: 'button', class: ['seg-btn', status === s && 'active'], 'aria-pressed': String(status === s), 'data-status': s,
        onclick: () => { if (status !== s) { status = s; drawSeg(); syncUrl(); load(); } },
      }, s === 'all' ? t('common.all') : t(`${statusKey}.${s}`)));
    }
  }
  function syncUrl() {
    const qs = new URLSearchParams();
    if (projectId) qs.set('project_id', projectId);
    if (status !== 'open') qs.set('status', status);
    const s = qs.toString();
    history.replaceState(null, '', `#/${path}${s ? '?' + s : ''}`);
  }

  async function load() {
    try {
      const rows = await api.get(`/${path === 'cases' ? 'penalty-cases' : 'reviews'}`,
        { project_id: projectId, status: status === 'all' ? '' : status });
      if (!ctx.alive()) return;
      if (projectId) {
        clear(chip).append(h('span', null, t('cases.project_filter', {
          p: rows[0] ? `${rows[0].project_code} ${rows[0].project_name}` : `#${projectId}` })),
        h('a', { href: `#/${path}`, class: 'chip-x', 'aria-label': t('common.reset') }, icon('x', 12)));
      }
      clear(listArea).append(rows.length
        ? h('div', { class: 'case-list', 'data-testid': testid }, rows.map((r) => renderItem(r, load)))
        : emptyState(t(status === 'open' ? `${emptyKey}.open` : emptyKey)));
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      clear(listArea).append(errorBox(err, load));
    }
  }

  drawSeg();
  clear(content).append(
    pageHeader({ title, desc }),
    h('div', { class: 'filter-bar' }, seg, chip),
    listArea);
  return load();
}

/* ---------- penalty cases ---------- */

export function renderCases(content, ctx) {
  return listPage(content, ctx, {
    title: t('cases.title'), desc: t('cases.desc'), statuses: ['open', 'decided'], path: 'cases',
    testid: 'cases-list', emptyKey: 'cases.empty', statusKey: 'cases.status', renderItem: caseCard,
  });
}

function projectLink(r) {
  return h('a', { href: `#/projects/${r.project_id}`, class: 'link case-project' },
    h('span', { class: 'mono' }, r.project_code), ' ', r.project_name);
}

function caseCard(c, reload) {
  const evals = h('ul', { class: 'case-evals', 'data-testid': 'case-evaluations' },
    (c.evaluations || []).map((e) => {
      const amend = h('div', { class: 'case-amend' });
      if (e.superseded_by) fillAmendments(amend, e.superseded_by);
      return h('li', { class: ['case-eval', e.superseded_by && 'superseded', e.id === c.evaluation_id && 'trigger'], 'data-id': e.id },
        h('div', { class: 'case-eval-line' },
          h('span', { class: 'case-eval-date' }, e.date),
          h('a', { href: `#/evaluations/${e.id}`, class: 'link' }, `${formLabel(e.form)} #${e.id}`),
          h('span', { class: 'num strong' }, fmtScore(e.score)), gradeTag(e.grade),
          e.id === c.evaluation_id ? h('span', { class: 'tag tag-gray' }, t('cases.trigger')) : null),
        amend);
    }));

  let decision;
  if (c.status === 'decided') {
    decision = h('div', { class: 'case-decision', 'data-testid': 'case-decision' },
      h('div', { class: 'case-decision-label' }, t('cases.decision')),
      h('p', { class: 'pre-wrap case-decision-text' }, c.decision),
      h('div', { class: 'muted case-decision-by' }, t('cases.decided_by', { name: c.decided_by_name || `#${c.decided_by}`, at: fmtTime(c.decided_at) })));
  } else if (canDecideCase()) {
    decision = textForm({
      label: t('cases.decision'), placeholder: t('cases.decide_ph'), submitText: t('cases.decide'), testid: 'decide',
      confirm: (text) => ({ title: t('cases.confirm_title'), message: t('cases.confirm_body', { id: c.id, project: c.project_code, text }),
        warn: t('cases.confirm_warn'), okText: t('cases.decide') }),
      send: (text) => api.post(`/penalty-cases/${c.id}/decision`, { text }),
      done: () => { toast(t('cases.decided_ok')); reload(); },
    });
  } else {
    decision = h('p', { class: 'case-waiting muted', 'data-testid': 'case-waiting' }, icon('warn', 14), t('cases.waiting'));
  }

  return h('article', { class: ['case-card', `case-${c.status}`], 'data-testid': `case-${c.id}`, 'data-status': c.status },
    h('header', { class: 'case-head' },
      h('span', { class: ['tag', c.level === 2 ? 'tag-red' : 'tag-gold', 'case-level'], 'data-level': c.level },
        t('cases.level', { n: t(`cases.level.${c.level}`) })),
      h('span', { class: 'case-title' }, `#${c.id} `, h('span', { 'data-testid': 'case-reason' }, t(`cases.reason.${c.reason}`))),
      h('span', { class: ['status', c.status === 'open' ? 'status-open' : 'status-on'], 'data-testid': 'case-status' },
        t(`cases.status.${c.status}`))),
    h('div', { class: 'case-meta' }, projectLink(c),
      h('span', { class: 'muted' }, t('cases.opened', { at: fmtTime(c.created_at) }))),
    h('div', { class: 'case-sub' }, t('cases.evaluations')),
    evals,
    decision);
}

/** Under a superseded evaluation: the amendment(s) that replaced it, with score and reason. */
async function fillAmendments(box, firstId) {
  let id = firstId;
  for (let i = 0; id && i < 10; i++) {
    let e;
    try { e = await api.get(`/evaluations/${id}`); } catch { return; }
    box.append(h('div', { class: 'case-amend-line', 'data-testid': 'case-amendment' }, icon('edit', 12),
      h('a', { href: `#/evaluations/${e.id}`, class: 'link' }, t('cases.amended_to', { id: e.id })),
      h('span', { class: 'num strong' }, fmtScore(e.score)), gradeTag(e.grade),
      e.reason ? h('span', { class: 'muted case-amend-reason' }, t('history.reason', { r: e.reason })) : null));
    id = e.superseded_by;
  }
}

/** A textarea + button that sends once, after a confirmation. */
function textForm({ label, placeholder, submitText, testid, confirm, send, done }) {
  const errs = new FormErrors();
  const field = errs.add('text', formField({ label, required: true,
    control: textarea({ maxlength: MAX_TEXT, rows: 3, placeholder, 'data-testid': `${testid}-text` }) }));
  const submit = button(submitText, { kind: 'primary', type: 'submit', testid: `${testid}-submit` });
  const form = h('form', { class: 'form case-form', novalidate: true, 'data-testid': `${testid}-form` },
    errs.alert, field.el, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const text = field.control.value.trim();
    if (!text) { errs.set('text', t('v.required')); field.control.focus(); return; }
    if ([...text].length > MAX_TEXT) { errs.set('text', t('v.too_long', { n: MAX_TEXT })); return; }
    if (!(await confirmDialog(confirm(text)))) return;
    submit.disabled = true;
    try {
      await send(text);
      done();
    } catch (err) {
      submit.disabled = false;
      if (err instanceof ApiError && err.status === 409) errs.showAlert(t('cases.err.already'));
      else errs.api(err, { invalid: 'text', missing_field: 'text', too_long: 'text' });
    }
  });
  // The API names the field "text" or "findings": both land on the textarea.
  errs.fields.findings = field;
  return form;
}

/* ---------- improvement reviews ---------- */

export function renderReviews(content, ctx) {
  return listPage(content, ctx, {
    title: t('reviews.title'), desc: t('reviews.desc'), statuses: ['open', 'closed'], path: 'reviews',
    testid: 'reviews-list', emptyKey: 'reviews.empty', statusKey: 'reviews.status', renderItem: reviewCard,
  });
}

function reviewCard(r, reload) {
  let end;
  if (r.status === 'closed') {
    end = h('div', { class: 'case-decision', 'data-testid': 'review-findings' },
      h('div', { class: 'case-decision-label' }, t('reviews.findings')),
      h('p', { class: 'pre-wrap case-decision-text' }, r.findings),
      h('div', { class: 'muted case-decision-by' }, t('reviews.closed_by', { name: r.closed_by_name || `#${r.closed_by}`, at: fmtTime(r.closed_at) })));
  } else if (canCloseReview()) {
    end = textForm({
      label: t('reviews.findings'), placeholder: t('reviews.findings_ph'), submitText: t('reviews.close'), testid: 'close-review',
      confirm: (text) => ({ title: t('reviews.confirm_title'), message: t('reviews.confirm_body', { id: r.id, project: r.project_code, text }),
        warn: t('reviews.confirm_warn'), okText: t('reviews.close') }),
      send: (text) => api.post(`/reviews/${r.id}/close`, { findings: text }),
      done: () => { toast(t('reviews.closed_ok')); reload(); },
    });
  } else {
    end = h('p', { class: 'case-waiting muted', 'data-testid': 'review-waiting' }, icon('warn', 14), t('reviews.waiting'));
  }
  const why = [r.fail && t('reviews.why.fail'), r.serious && t('reviews.why.serious')].filter(Boolean);
  return h('article', { class: ['case-card', `case-${r.status}`], 'data-testid': `review-${r.id}`, 'data-status': r.status },
    h('header', { class: 'case-head' },
      why.map((w, i) => h('span', { class: ['tag', i === 0 && r.fail ? 'tag-red' : 'tag-gold'] }, w)),
      h('span', { class: 'case-title' }, `#${r.id} `,
        h('a', { href: `#/evaluations/${r.evaluation_id}`, class: 'link' }, `${formLabel(r.form)} #${r.evaluation_id}`)),
      h('span', { class: 'num strong' }, fmtScore(r.score)), gradeTag(r.grade),
      h('span', { class: ['status', r.status === 'open' ? 'status-open' : 'status-on'], 'data-testid': 'review-status' },
        t(`reviews.status.${r.status}`))),
    h('div', { class: 'case-meta' }, projectLink(r),
      h('span', { class: 'muted' }, t('reviews.opened', { at: fmtTime(r.created_at) }))),
    end);
}
