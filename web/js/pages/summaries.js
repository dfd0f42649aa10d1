// The company's quarterly table (record 6.4): every project evaluated up to the end of the
// chosen quarter, sorted by the server, and its CSV export. #/summaries?quarter=2026-Q3&sort=-total

import { h, clear, icon } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { api, download, errorText } from '../api.js';
import { button, pageHeader, emptyState, errorBox, loading, stageTag, toast, select } from '../ui.js';
import {
  fmtScore, gradeTag, gradeClass, provisionalTag, satisfiedBadge, quarterOf, shiftQuarter, quarterLabel,
} from '../scoring.js';

const Q_RE = /^\d{4}-Q[1-4]$/;
const SORT_KEYS = ['code', 'name', 'pre', 'process', 'post', 'deduction', 'total', 'grade', 'satisfied'];

export async function renderSummaries(content, ctx) {
  const current = quarterOf();
  let quarter = Q_RE.test(ctx.query.get('quarter') || '') ? ctx.query.get('quarter') : current;
  const sortRaw = ctx.query.get('sort') || 'code';
  let sort = { key: sortRaw.replace(/^-/, ''), desc: sortRaw.startsWith('-') };
  if (!SORT_KEYS.includes(sort.key)) sort = { key: 'code', desc: false };

  /* ---- quarter picker: previous / a list of quarters / next ---- */
  const options = [];
  for (let i = 0; i < 24; i++) options.push(shiftQuarter(current, -i));
  const qSel = select(options.map((q) => ({ value: q, label: quarterLabel(q) })),
    { 'aria-label': t('sum.quarter'), 'data-testid': 'quarter-select', class: 'input select quarter-select' });
  const prev = h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': t('sum.prev'), title: t('sum.prev'),
    'data-testid': 'quarter-prev' }, icon('chevronLeft', 16));
  const next = h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': t('sum.next'), title: t('sum.next'),
    'data-testid': 'quarter-next' }, icon('chevronRight', 16));
  function setQuarter(q) {
    if (!Q_RE.test(q)) return;
    quarter = q;
    if (![...qSel.options].some((o) => o.value === q)) qSel.append(h('option', { value: q }, quarterLabel(q)));
    qSel.value = q;
    next.disabled = q >= current;
    syncUrl();
    return load();
  }
  qSel.addEventListener('change', () => setQuarter(qSel.value));
  prev.addEventListener('click', () => setQuarter(shiftQuarter(quarter, -1)));
  next.addEventListener('click', () => setQuarter(shiftQuarter(quarter, 1)));

  const csv = button(t('sum.csv'), { iconName: 'download', testid: 'csv-download', onclick: () => saveCsv() });

  const thead = h('thead');
  const tbody = h('tbody');
  const table = h('table', { class: 'table table-compact summary-table', 'data-testid': 'summary-table' }, thead, tbody);
  const foot = h('div', { class: 'table-foot' });
  const area = h('div', { class: 'list-area' }, loading());

  const COLS = [
    { key: 'code', title: t('projects.code'), className: 'mono nowrap' },
    { key: 'name', title: t('projects.name'), className: 'wrap' },
    { key: 'stage', title: t('projects.stage'), className: 'col-wide', nosort: true },
    { key: 'pre', title: t('sum.col.pre'), head: [t('stage.pre_contract'), h('small', null, '6.1')], className: 'num' },
    { key: 'process', title: t('sum.col.process'), head: [t('stage.construction'), h('small', null, '6.2')], className: 'num' },
    { key: 'post', title: t('sum.col.post'), head: [t('sum.col.post_short'), h('small', null, '6.3')], className: 'num' },
    { key: 'deduction', title: t('summary.deduction'), className: 'num' },
    { key: 'total', title: t('summary.total'), className: 'num' },
    { key: 'grade', title: t('summary.grade') },
    { key: 'satisfied', title: t('sum.col.satisfied') },
  ];

  function drawHead() {
    clear(thead).append(h('tr', null, COLS.map((c) => {
      if (c.nosort) return h('th', { class: c.className }, c.title);
      const active = sort.key === c.key;
      return h('th', {
        class: ['sortable', c.className, active && 'sorted', active && (sort.desc ? 'desc' : 'asc')],
        'aria-sort': active ? (sort.desc ? 'descending' : 'ascending') : 'none', 'data-key': c.key,
      }, h('button', {
        type: 'button', class: 'th-sort', 'data-testid': `sort-${c.key}`, 'aria-label': c.head ? c.title : null,
        onclick: () => {
          sort = active ? { key: c.key, desc: !sort.desc } : { key: c.key, desc: false };
          syncUrl(); load();
        },
        title: c.head ? c.title : null,
      }, c.head ? h('span', { class: 'th-two' }, c.head) : c.title,
      h('span', { class: 'sort-ind' }, icon('sortUp', 12), icon('sortDown', 12))));
    })));
  }

  const phaseCell = (ph) => (ph
    ? h('a', { href: `#/evaluations/${ph.evaluation_id}`, class: ['phase-link', gradeClass(ph.score >= 90 ? 'excellent' : ph.score >= 70 ? 'qualified' : 'fail')] },
      fmtScore(ph.score))
    : h('span', { class: 'muted' }, t('common.none')));

  function drawRows(rows) {
    clear(tbody); clear(foot);
    if (!rows.length) {
      tbody.append(h('tr', { class: 'empty-row' }, h('td', { colspan: COLS.length }, emptyState(t('sum.empty', { q: quarterLabel(quarter) })))));
      return;
    }
    for (const r of rows) {
      const ph = r.phases || {};
      tbody.append(h('tr', { 'data-project': r.project_id, 'data-testid': 'summary-row' },
        h('td', { class: 'mono nowrap', 'data-label': COLS[0].title }, r.code),
        h('td', { class: 'wrap', 'data-label': COLS[1].title }, h('a', { href: `#/projects/${r.project_id}`, class: 'link' }, r.name)),
        h('td', { class: 'col-wide' }, stageTag(r.stage)),
        h('td', { class: 'num', 'data-col': 'pre' }, phaseCell(ph.pre)),
        h('td', { class: 'num', 'data-col': 'process' }, phaseCell(ph.process)),
        h('td', { class: 'num', 'data-col': 'post' }, phaseCell(ph.post)),
        h('td', { class: ['num', r.deduction > 0 && 'neg'], 'data-col': 'deduction' }, r.deduction > 0 ? `−${r.deduction}` : '0'),
        h('td', { class: ['num', 'total-cell'], 'data-col': 'total' },
          h('span', { class: ['total-num', gradeClass(r.grade)], 'data-testid': 'row-total' }, r.total === null ? t('common.none') : fmtScore(r.total)),
          r.provisional ? provisionalTag() : null),
        h('td', { 'data-col': 'grade' }, gradeTag(r.grade)),
        h('td', { 'data-col': 'satisfied' }, r.satisfied_project ? satisfiedBadge(true) : h('span', { class: 'muted' }, t('common.none')))));
    }
    foot.append(h('span', { class: 'table-total' }, t('common.total', { n: rows.length })),
      h('span', { class: 'muted' }, t('sum.weights')));
  }

  function sortParam() { return `${sort.desc ? '-' : ''}${sort.key}`; }
  function syncUrl() {
    history.replaceState(null, '', `#/summaries?quarter=${quarter}${sortParam() !== 'code' ? `&sort=${encodeURIComponent(sortParam())}` : ''}`);
  }

  let seq = 0;
  async function load() {
    const mine = ++seq;
    drawHead();
    try {
      const rows = await api.get('/summaries', { quarter, sort: sortParam() });
      if (!ctx.alive() || mine !== seq) return;
      drawRows(rows);
      clear(area).append(h('div', { class: 'table-wrap' }, h('div', { class: 'table-scroll' }, table), foot));
    } catch (err) {
      if (!ctx.alive() || mine !== seq || err.status === 401) return;
      clear(area).append(errorBox(err, load));
    }
  }

  async function saveCsv() {
    csv.disabled = true;
    try {
      const { blob, filename } = await download('/summaries',
        { quarter, sort: sortParam(), lang: getLang() === 'en' ? 'en' : '' }, 'text/csv');
      const name = filename || `summary-${quarter}.csv`;
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 2000);
      toast(t('sum.downloaded', { name }));
    } catch (err) {
      if (err.status !== 401) toast(errorText(err), 'error');
    } finally {
      csv.disabled = false;
    }
  }

  clear(content).append(
    pageHeader({ title: t('sum.title'), desc: t('sum.desc'), actions: [csv] }),
    h('section', { class: 'card' }, h('div', { class: 'card-body' },
      h('div', { class: 'filter-bar quarter-bar' },
        h('span', { class: 'filter-label' }, t('sum.quarter')), prev, qSel, next),
      area)));
  await setQuarter(quarter);
}
