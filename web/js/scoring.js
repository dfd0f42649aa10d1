// Score sheets in the browser: ratings, exact item scores in tenths (PROCEDURE §7), grades,
// which sheet fits which stage (§6), and the small tags that show them. The server scores again.

import { h, icon } from './dom.js';
import { t, getLang, today } from './i18n.js';

export const FORMS = ['pre', 'process', 'post'];
export const RECORD = { pre: '6.1', process: '6.2', post: '6.3' };
export const WEIGHT = { pre: 20, process: 50, post: 30 };
export const RATINGS = ['satisfied', 'fairly_satisfied', 'average', 'acceptable', 'serious'];
/** Share of an item's points per rating, in percent; `serious` scores its penalty instead. */
export const PCT = { satisfied: 100, fairly_satisfied: 90, average: 70, acceptable: 50 };
export const PENALTIES = [-5, -6, -7, -8, -9, -10];
export const DEDUCTION_MIN = 5;
export const DEDUCTION_MAX = 20;

/** PROCEDURE §6: the stages in which a new evaluation on each sheet may be made. */
export const FITS = {
  pre: ['construction', 'warranty', 'post_warranty'],
  process: ['construction'],
  post: ['warranty'],
};

export function fitsStage(form, stage) { return (FITS[form] || []).includes(stage); }

/** Item score in tenths of a point: points × 100/90/70/50 % (exact integers), or penalty × 10. */
export function itemTenths(points, rating, penalty) {
  if (rating === 'serious') return Number.isInteger(penalty) ? penalty * 10 : null;
  if (!(rating in PCT)) return null;
  return (points * PCT[rating]) / 10;
}

/** PROCEDURE §7: below 70 fail, 70 up to 90 qualified, 90 and above excellent. */
export function gradeOfTenths(tenths) {
  return tenths >= 900 ? 'excellent' : tenths >= 700 ? 'qualified' : 'fail';
}

/** 906 → "90.6", -55 → "-5.5": integer arithmetic, no floating point rounding. */
export function fmtTenths(tenths) {
  if (tenths === null || tenths === undefined) return t('common.none');
  const neg = tenths < 0;
  const a = Math.abs(Math.trunc(tenths));
  return `${neg ? '-' : ''}${Math.floor(a / 10)}.${a % 10}`;
}

/** A score from the API (a number with one decimal) → "90.6"; null → "—". */
export function fmtScore(n) {
  if (n === null || n === undefined) return t('common.none');
  return fmtTenths(Math.round(Number(n) * 10));
}

const GRADE_COLOR = { excellent: 'green', qualified: 'blue', fail: 'red' };

export function gradeTag(grade, attrs = {}) {
  if (!grade) return h('span', { class: 'muted', ...attrs }, t('common.none'));
  return h('span', { class: ['tag', `tag-${GRADE_COLOR[grade] || 'gray'}`, 'grade-tag'], 'data-grade': grade, ...attrs },
    t(`grade.${grade}`));
}

export function gradeClass(grade) { return grade ? `grade-${grade}` : 'grade-none'; }

const RATING_COLOR = { satisfied: 'green', fairly_satisfied: 'cyan', average: 'blue', acceptable: 'gold', serious: 'red' };

export function ratingTag(rating) {
  return h('span', { class: ['tag', `tag-${RATING_COLOR[rating] || 'gray'}`], 'data-rating': rating }, t(`rating.${rating}`));
}

export function kindTag(kind) {
  return h('span', { class: ['tag', kind === 'self_check' ? 'tag-purple' : 'tag-blue'], 'data-kind': kind }, t(`kind.${kind}`));
}

export function provisionalTag() {
  return h('span', { class: 'tag tag-gold', title: t('summary.provisional_hint'), 'data-testid': 'provisional' },
    t('summary.provisional'));
}

/** The 顾客服务满意工程 badge; short: the compact form for table cells (full name as its title). */
export function satisfiedBadge(short = false) {
  return h('span', { class: 'badge-satisfied', 'data-testid': 'satisfied-badge', title: t('summary.satisfied') },
    icon('award', 14), t(short ? 'summary.satisfied_short' : 'summary.satisfied'));
}

/** "6.2 过程服务" — the record number and the short name of a sheet. */
export function formLabel(form) { return `${RECORD[form] || ''} ${t(`form.${form}`)}`.trim(); }

/** The sheet's own title in the current language. */
export function sheetTitle(sheet) {
  return getLang() === 'en' && sheet.title_en ? sheet.title_en : sheet.title;
}

/** An item's title in the current language (English when the sheet version has one). */
export function itemTitle(item, enTitles) {
  if (getLang() !== 'en') return item.title;
  const en = item.title_en || (enTitles && enTitles[item.key]);
  return en || item.title;
}

/** "YYYY-Qn" of a YYYY-MM-DD date (default: today in the browser). */
export function quarterOf(date) {
  const d = date || today();
  const [y, m] = d.split('-').map(Number);
  return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
}

export function shiftQuarter(q, by) {
  const [y, n] = q.split('-Q').map(Number);
  const i = y * 4 + (n - 1) + by;
  return `${Math.floor(i / 4)}-Q${(i % 4) + 1}`;
}

export function quarterLabel(q) {
  const [y, n] = q.split('-Q');
  return t('quarter.label', { y, q: n });
}
