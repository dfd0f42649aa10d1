// One submitted evaluation, read-only: the sheet with each item's rating and score, who and
// when, and how it stands among amendments (an evaluation never changes; P-5.6).

import { h, clear, append, icon } from '../dom.js';
import { t, fmtTime, fmtDate } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { canEvaluateKind } from '../session.js';
import { button, pageHeader, card } from '../ui.js';
import {
  RECORD, gradeTag, kindTag, ratingTag, fmtScore, sheetTitle, itemTitle, gradeClass,
} from '../scoring.js';

export async function renderEvaluation(content, ctx) {
  const id = Number(ctx.params[0]);
  let ev; let project; let sheet = null;
  try {
    ev = await api.get(`/evaluations/${id}`);
    [project, sheet] = await Promise.all([
      api.get(`/projects/${ev.project_id}`),
      api.get(`/forms/${ev.form_id}`).catch(() => null),
    ]);
  } catch (err) {
    if (!ctx.alive()) return;
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
      clear(content).append(
        h('a', { href: '#/projects', class: 'back-link' }, icon('back', 14), h('span', null, t('project.back'))),
        h('div', { class: 'alert alert-warn', role: 'alert' }, icon('warn', 16), t('common.not_found')));
      return;
    }
    throw err;
  }
  if (!ctx.alive()) return;

  const enTitles = sheet ? Object.fromEntries(sheet.items.map((x) => [x.key, x.title_en])) : {};
  const title = sheet ? sheetTitle(sheet) : t(`form.${ev.form}`);
  const canAmend = !ev.superseded_by && canEvaluateKind(ev.kind, project);
  const actions = canAmend
    ? [button(t('history.amend'), { iconName: 'edit', testid: 'amend-evaluation',
      onclick: () => ctx.navigate(`#/projects/${project.id}/evaluate?amend=${ev.id}`) })]
    : [];

  const alerts = [];
  if (ev.superseded_by) {
    alerts.push(h('div', { class: 'alert alert-warn', role: 'status', 'data-testid': 'superseded-note' }, icon('warn', 16),
      h('span', null, t('evaluation.superseded', { id: ev.superseded_by })),
      h('a', { href: `#/evaluations/${ev.superseded_by}`, class: 'link alert-link' }, t('evaluation.open', { id: ev.superseded_by }))));
  }
  if (ev.amends_id) {
    alerts.push(h('div', { class: 'alert alert-info', role: 'status', 'data-testid': 'amends-note' }, icon('edit', 16),
      h('span', null, t('evaluation.amends', { id: ev.amends_id }), ev.reason ? ` ${t('history.reason', { r: ev.reason })}` : ''),
      h('a', { href: `#/evaluations/${ev.amends_id}`, class: 'link alert-link' }, t('evaluation.open', { id: ev.amends_id }))));
  }

  const row = (label, value, attrs = {}) => [h('dt', null, label), h('dd', attrs, value)];
  const info = h('dl', { class: 'desc-list', 'data-testid': 'evaluation-info' },
    row(t('projects.name'), h('a', { href: `#/projects/${project.id}`, class: 'link' }, `${project.code} ${project.name}`)),
    row(t('eval.sheet'), `${RECORD[ev.form]} ${title}（${t('eval.version', { v: ev.form_version })}）`),
    row(t('eval.kind'), kindTag(ev.kind)),
    row(t('eval.date'), fmtDate(ev.date)),
    row(t('eval.period'), ev.period || t('common.none')),
    row(t('evaluation.by'), ev.user_name || `#${ev.user_id}`),
    row(t('evaluation.created'), fmtTime(ev.created_at)),
    row(t('eval.customer_rep'), ev.customer_rep || t('common.none')),
    row(t('eval.comment'), ev.comment ? h('span', { class: 'pre-wrap' }, ev.comment) : t('common.none')),
    ev.case_id ? row(t('evaluation.case'), h('a', { href: `#/cases?project_id=${project.id}&status=all`, class: 'link' }, `#${ev.case_id}`)) : null,
    ev.review_id ? row(t('evaluation.review'), h('a', { href: `#/reviews?project_id=${project.id}&status=all`, class: 'link' }, `#${ev.review_id}`)) : null);

  const scorePanel = h('div', { class: ['score-panel', gradeClass(ev.grade)] },
    h('div', { class: 'score-panel-label' }, t('eval.score')),
    h('div', { class: 'score-panel-num', 'data-testid': 'evaluation-score' }, fmtScore(ev.score)),
    h('div', { class: 'score-panel-grade', 'data-testid': 'evaluation-grade' }, gradeTag(ev.grade)),
    ev.serious ? h('div', { class: 'score-panel-ded', 'data-testid': 'evaluation-deduction' },
      t('evaluation.deduction', { d: ev.summary_deduction })) : null);

  const itemsTable = h('div', { class: 'table-wrap' }, h('div', { class: 'table-scroll' },
    h('table', { class: 'table items-table', 'data-testid': 'evaluation-items' },
      h('thead', null, h('tr', null,
        h('th', { class: 'num col-no' }, t('evaluation.col.no')),
        h('th', null, t('evaluation.col.item')),
        h('th', { class: 'num col-points' }, t('evaluation.col.points')),
        h('th', null, t('evaluation.col.rating')),
        h('th', { class: 'num' }, t('evaluation.col.score')))),
      h('tbody', null, ev.items.map((it, i) => h('tr', { class: it.rating === 'serious' ? 'row-serious' : null, 'data-key': it.key },
        h('td', { class: 'num muted col-no' }, String(i + 1)),
        h('td', { class: 'wrap' }, itemTitle(it, enTitles),
          h('div', { class: 'cell-sub only-narrow' }, t('eval.points', { n: it.points }))),
        h('td', { class: 'num col-points' }, String(it.points)),
        h('td', null, ratingTag(it.rating)),
        h('td', { class: ['num', 'strong', it.score < 0 && 'neg'] }, fmtScore(it.score))))),
      h('tfoot', null, h('tr', null,
        h('td', { class: 'col-no' }), h('td', { class: 'strong' }, t('evaluation.total')),
        h('td', { class: 'col-points' }), h('td'),
        h('td', { class: 'num strong' }, fmtScore(ev.score)))))));

  append(clear(content), [
    pageHeader({
      back: h('a', { href: `#/projects/${project.id}`, class: 'back-link' }, icon('back', 14), h('span', null, t('eval.back'))),
      title: h('span', { class: 'title-with-tag' },
        h('span', { 'data-testid': 'evaluation-title' }, `${RECORD[ev.form]} ${title} #${ev.id}`),
        kindTag(ev.kind), gradeTag(ev.grade)),
      desc: h('span', null, h('span', { class: 'mono' }, project.code), ' ', project.name),
      actions,
    }),
    alerts,
    h('div', { class: 'grid-2 evaluation-grid' },
      card(t('evaluation.items'), itemsTable, { className: 'evaluation-items-card' }),
      h('div', { class: 'side-stack' },
        card(null, scorePanel, { className: 'score-card' }),
        card(t('evaluation.info'), info)))]);
}
