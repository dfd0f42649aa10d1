// The evaluation page: an inspector fills a score sheet at the customer's site (made for a
// tablet: large rating buttons, the score always in view), or amends a submitted evaluation.
// #/projects/{id}/evaluate?form=pre|process|post[&kind=self_check]  or  …?amend={evaluation id}

import { h, clear, append, icon } from '../dom.js';
import { t, today } from '../i18n.js';
import { api, ApiError, errorText } from '../api.js';
import { canEvaluateKind } from '../session.js';
import { holdLeave, releaseLeave } from '../guard.js';
import {
  button, stageTag, pageHeader, card, formField, input, textarea, select, FormErrors, confirmDialog, toast,
} from '../ui.js';
import {
  FORMS, RATINGS, PCT, PENALTIES, DEDUCTION_MIN, DEDUCTION_MAX, RECORD, itemTenths, gradeOfTenths, fmtTenths,
  gradeTag, kindTag, fitsStage, sheetTitle, itemTitle, quarterOf,
} from '../scoring.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
const PERIOD_RE = /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/;

function validDate(s) {
  if (!DATE_RE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** The month a self-check written today is most likely for: last month until the 5th (§6). */
function defaultMonth() {
  const d = today();
  const [y, m, day] = d.split('-').map(Number);
  if (day > 5) return d.slice(0, 7);
  const pm = m === 1 ? 12 : m - 1;
  return `${m === 1 ? y - 1 : y}-${String(pm).padStart(2, '0')}`;
}

function notice(content, pid, kind, text, extra) {
  clear(content).append(backTo(pid),
    h('div', { class: ['alert', kind === 'error' ? 'alert-error' : 'alert-warn'], role: 'alert', 'data-testid': 'eval-notice' },
      icon('warn', 16), h('span', null, text), extra || null));
}

function backTo(pid) {
  return h('a', { href: pid ? `#/projects/${pid}` : '#/projects', class: 'back-link' }, icon('back', 14),
    h('span', null, t(pid ? 'eval.back' : 'project.back')));
}

export async function renderEvaluate(content, ctx) {
  const pid = Number(ctx.params[0]);
  const amendId = /^\d+$/.test(ctx.query.get('amend') || '') ? Number(ctx.query.get('amend')) : null;
  let project; let sheet; let original = null;
  try {
    project = await api.get(`/projects/${pid}`);
    if (amendId) {
      original = await api.get(`/evaluations/${amendId}`);
      if (original.project_id !== pid) throw new ApiError(404, 'not_found');
      sheet = await api.get(`/forms/${original.form_id}`);
    } else {
      const formKey = ctx.query.get('form');
      if (!FORMS.includes(formKey)) throw new ApiError(404, 'not_found');
      sheet = (await api.get('/forms')).find((f) => f.key === formKey);
      if (!sheet) throw new ApiError(404, 'not_found');
    }
  } catch (err) {
    if (!ctx.alive()) return;
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
      notice(content, project ? pid : null, 'warn', t('common.not_found'));
      return;
    }
    throw err;
  }
  if (!ctx.alive()) return;

  const form = sheet.key;
  const kind = original ? original.kind : (ctx.query.get('kind') === 'self_check' ? 'self_check' : 'official');
  if (!canEvaluateKind(kind, project)) { notice(content, pid, 'warn', t(`eval.forbidden.${kind}`)); return; }
  if (kind === 'self_check' && form !== 'process') { notice(content, pid, 'warn', t('err.self_check_form')); return; }
  if (original && original.superseded_by) {
    notice(content, pid, 'warn', t('eval.amend.superseded', { id: original.superseded_by }),
      h('a', { href: `#/evaluations/${original.superseded_by}`, class: 'link alert-link' }, t('eval.amend.open_latest')));
    return;
  }
  if (!original && !fitsStage(form, project.stage)) {
    notice(content, pid, 'warn', t('eval.not_fit', { stage: t(`stage.${project.stage}`), form: `${RECORD[form]} ${t(`form.${form}`)}` }));
    return;
  }
  drawSheet(content, ctx, { project, sheet, kind, original });
}

function drawSheet(content, ctx, { project, sheet, kind, original }) {
  const pid = project.id;
  const form = sheet.key;
  const errs = new FormErrors();
  const state = {}; // item key → {rating, penalty}
  const prev = original ? Object.fromEntries(original.items.map((x) => [x.key, x])) : {};
  for (const it of sheet.items) {
    const p = prev[it.key];
    state[it.key] = p ? { rating: p.rating, penalty: p.rating === 'serious' ? p.penalty : null } : { rating: null, penalty: null };
  }

  /* ---- the items ---- */
  const rows = sheet.items.map((it, i) => itemRow(it, i, state[it.key], () => { dirty(); recalc(); }));
  const itemsAlert = h('div', { class: 'alert alert-error', role: 'alert', hidden: true, 'data-testid': 'items-error' });

  /* ---- the sheet's other fields ---- */
  const dedInput = input({ type: 'number', name: 'summary_deduction', min: DEDUCTION_MIN, max: DEDUCTION_MAX, step: 1,
    inputmode: 'numeric', placeholder: `${DEDUCTION_MIN}–${DEDUCTION_MAX}`, 'data-testid': 'eval-deduction',
    value: original && original.serious ? String(original.summary_deduction) : '' });
  const ded = errs.add('summary_deduction', formField({ label: t('eval.deduction'), required: true,
    hint: t('eval.deduction_hint'), control: dedInput }));
  ded.el.classList.add('deduction-field');
  ded.el.setAttribute('data-testid', 'deduction-field');

  const date = errs.add('date', formField({ label: t('eval.date'), required: true,
    control: input({ type: 'date', name: 'date', value: original ? original.date : today(), max: today(), 'data-testid': 'eval-date' }) }));
  const periodDefault = original ? (original.period || '')
    : kind === 'self_check' ? defaultMonth() : form === 'pre' ? '' : quarterOf();
  const period = errs.add('period', formField({ label: t('eval.period'), required: kind === 'self_check',
    optional: kind !== 'self_check',
    hint: t(kind === 'self_check' ? 'eval.period_hint_month' : 'eval.period_hint_any'),
    control: input({ name: 'period', value: periodDefault, maxlength: 7, autocapitalize: 'characters',
      placeholder: kind === 'self_check' ? '2026-07' : '2026-Q3', 'data-testid': 'eval-period' }) }));
  const rep = errs.add('customer_rep', formField({ label: t('eval.customer_rep'), optional: true,
    control: input({ name: 'customer_rep', maxlength: 50, value: original ? original.customer_rep || '' : '',
      'data-testid': 'eval-rep' }) }));
  const comment = errs.add('comment', formField({ label: t('eval.comment'), optional: true, wide: true,
    control: textarea({ name: 'comment', maxlength: 2000, rows: 3, placeholder: t('eval.comment_ph'),
      value: original ? original.comment || '' : '', 'data-testid': 'eval-comment' }) }));
  let reason = null;
  if (original) {
    reason = errs.add('reason', formField({ label: t('eval.reason'), required: true, wide: true, hint: t('eval.reason_hint'),
      control: textarea({ name: 'reason', maxlength: 500, rows: 2, 'data-testid': 'eval-reason' }) }));
  }

  /* ---- the score bar, always in view ---- */
  const scoreEl = h('span', { class: 'eval-score-num', 'data-testid': 'eval-score' });
  const gradeEl = h('span', { class: 'eval-grade', 'data-testid': 'eval-grade' });
  const progressEl = h('span', { class: 'eval-progress', 'data-testid': 'eval-progress' });
  const dedNote = h('span', { class: 'eval-ded-note', 'data-testid': 'eval-ded-note' });
  const meter = h('progress', { class: 'eval-meter', max: sheet.items.length, value: 0, 'aria-hidden': 'true' });
  const submit = button(t(original ? 'eval.submit_amend' : 'eval.submit'), { kind: 'primary', type: 'submit', testid: 'eval-submit' });
  submit.classList.add('btn-lg');
  const bar = h('div', { class: 'eval-bar', 'data-testid': 'eval-bar' },
    h('div', { class: 'eval-bar-score', 'aria-live': 'polite' },
      h('span', { class: 'eval-bar-label' }, t('eval.score')), scoreEl, gradeEl),
    h('div', { class: 'eval-bar-meta' }, progressEl, meter, dedNote),
    submit);

  // Once anything is filled in, leaving the page asks first (a tablet is easily tapped away).
  const hash = location.hash;
  const dirty = () => { if (ctx.alive()) holdLeave(hash, t('eval.leave')); };

  function totals() {
    let total = 0; let rated = 0; let complete = true; let serious = 0;
    for (const it of sheet.items) {
      const s = state[it.key];
      if (s.rating) rated++;
      if (s.rating === 'serious') serious++;
      const tn = s.rating ? itemTenths(it.points, s.rating, s.penalty) : null;
      if (tn === null) complete = false; else total += tn;
    }
    return { total, rated, complete, serious };
  }

  function recalc() {
    const { total, rated, complete, serious } = totals();
    for (const r of rows) r.refresh();
    scoreEl.textContent = fmtTenths(total);
    clear(gradeEl);
    if (complete) {
      gradeEl.append(gradeTag(gradeOfTenths(total)));
      scoreEl.classList.remove('pending');
    } else {
      gradeEl.append(h('span', { class: 'muted' }, t('eval.grade_pending')));
      scoreEl.classList.add('pending');
    }
    progressEl.textContent = t('eval.rated', { n: rated, total: sheet.items.length });
    meter.value = rated;
    ded.el.hidden = serious === 0;
    const d = Number(dedInput.value);
    const dedOk = dedInput.value.trim() !== '' && Number.isInteger(d) && d >= DEDUCTION_MIN && d <= DEDUCTION_MAX;
    dedNote.textContent = !serious ? '' : dedOk ? t('eval.serious_note', { n: serious, d }) : t('eval.serious_note_nod', { n: serious });
    if (rated === sheet.items.length && !itemsAlert.hidden) itemsAlert.hidden = true;
  }
  dedInput.addEventListener('input', () => recalc());

  const head = h('div', { class: 'eval-sheet-head' },
    h('div', { class: 'eval-sheet-title' },
      h('span', { class: 'eval-record' }, RECORD[form]),
      h('span', { 'data-testid': 'sheet-title' }, sheetTitle(sheet))),
    h('div', { class: 'eval-sheet-meta' }, kindTag(kind),
      h('span', { class: 'muted' }, t('eval.version', { v: sheet.version })),
      h('span', { class: 'muted' }, t('eval.legend'))));

  const fields = h('div', { class: 'form-grid eval-fields' }, date.el, period.el, rep.el, comment.el, reason ? reason.el : null);
  const formEl = h('form', { class: 'eval-form', novalidate: true, 'data-testid': 'eval-form' },
    errs.alert,
    card(null, [head, itemsAlert, h('ol', { class: 'eval-items', 'data-testid': 'eval-items' }, rows.map((r) => r.el)), ded.el],
      { className: 'eval-sheet' }),
    card(t(original ? 'eval.amend.fields' : 'eval.fields'), fields),
    bar);

  formEl.addEventListener('input', () => dirty());
  formEl.addEventListener('change', () => dirty());

  formEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear(); itemsAlert.hidden = true;
    for (const r of rows) r.clearError();
    // Every item rated; every serious item with its penalty.
    let firstBad = null;
    rows.forEach((r) => {
      const s = state[r.key];
      if (!s.rating) { r.setError(t('eval.unrated')); firstBad = firstBad || r; } else if (s.rating === 'serious' && !Number.isInteger(s.penalty)) {
        r.penalty.setError(t('eval.err.penalty')); firstBad = firstBad || r;
      }
    });
    const { total, complete, serious } = totals();
    const body = { form, kind, items: sheet.items.map((it) => {
      const s = state[it.key];
      return s.rating === 'serious' ? { key: it.key, rating: s.rating, penalty: s.penalty } : { key: it.key, rating: s.rating };
    }) };
    if (serious) {
      const raw = dedInput.value.trim();
      const d = Number(raw);
      if (!raw) errs.set('summary_deduction', t('eval.err.deduction'));
      else if (!Number.isInteger(d) || d < DEDUCTION_MIN || d > DEDUCTION_MAX) errs.set('summary_deduction', t('eval.err.deduction'));
      else body.summary_deduction = d;
    }
    const dv = date.control.value.trim();
    if (!dv) errs.set('date', t('v.required'));
    else if (!validDate(dv)) errs.set('date', t('v.date'));
    else body.date = dv;
    const pv = period.control.value.trim().toUpperCase();
    if (kind === 'self_check') {
      if (!pv) errs.set('period', t('v.required'));
      else if (!MONTH_RE.test(pv)) errs.set('period', t('eval.err.period_month'));
      else body.period = pv;
    } else if (pv) {
      if (!PERIOD_RE.test(pv)) errs.set('period', t('eval.err.period'));
      else body.period = pv;
    }
    const rv = rep.control.value.trim();
    if ([...rv].length > 50) errs.set('customer_rep', t('v.too_long', { n: 50 }));
    else if (rv) body.customer_rep = rv;
    const cv = comment.control.value;
    if ([...cv].length > 2000) errs.set('comment', t('v.too_long', { n: 2000 }));
    else if (cv.trim()) body.comment = cv;
    if (reason) {
      const why = reason.control.value.trim();
      if (!why) errs.set('reason', t('eval.err.reason'));
      else if ([...why].length > 500) errs.set('reason', t('v.too_long', { n: 500 }));
      else body.reason = why;
    }
    if (firstBad) {
      showItemsAlert(t('eval.err.items'));
      firstBad.focus();
      return;
    }
    if (formEl.querySelector('.has-error')) { errs.focusFirst(); scrollToError(); return; }
    if (!complete) return;

    const grade = gradeOfTenths(total);
    const ok = await confirmDialog({
      title: t(original ? 'eval.confirm_amend_title' : 'eval.confirm_title'),
      message: t('eval.confirm_body', {
        form: `${RECORD[form]} ${sheetTitle(sheet)}`, date: body.date, score: fmtTenths(total), grade: t(`grade.${grade}`),
      }) + (serious ? t('eval.confirm_serious', { n: serious, d: body.summary_deduction }) : ''),
      warn: t(original ? 'eval.confirm_warn_amend' : 'eval.confirm_warn'),
      okText: t('eval.confirm_ok'),
    });
    if (!ok) return;
    submit.disabled = true;
    try {
      const saved = original
        ? await api.post(`/evaluations/${original.id}/amendments`, body)
        : await api.post(`/projects/${pid}/evaluations`, body);
      releaseLeave();
      toast(t(original ? 'eval.amended' : 'eval.saved', { score: fmtTenths(Math.round(saved.score * 10)), grade: t(`grade.${saved.grade}`) }));
      ctx.navigate(`#/projects/${pid}`);
    } catch (err) {
      submit.disabled = false;
      showApiError(err);
    }
  });

  function showItemsAlert(msg) {
    clear(itemsAlert).append(icon('warn', 16), h('span', null, msg));
    itemsAlert.hidden = false;
  }

  function scrollToError() {
    const el = formEl.querySelector('.has-error, .eval-item.has-error');
    if (el && el.scrollIntoView) el.scrollIntoView({ block: 'center' });
  }

  /** An API error goes next to the field it names: items[N] → row N, items[N].penalty → its penalty. */
  function showApiError(err) {
    const f = (err && err.field) || '';
    const m = /^items\[(\d+)\](\.penalty)?/.exec(f);
    if (m && rows[Number(m[1])]) {
      const r = rows[Number(m[1])];
      if (m[2]) r.penalty.setError(t('eval.err.penalty')); else r.setError(t('eval.err.item'));
      showItemsAlert(t('eval.err.item_at', { n: Number(m[1]) + 1 }));
      r.focus();
      return;
    }
    if (f === 'items') { showItemsAlert(err.code === 'missing_field' ? t('eval.err.items') : errorText(err)); itemsAlert.scrollIntoView({ block: 'center' }); return; }
    if (f === 'summary_deduction') { errs.set('summary_deduction', t('eval.err.deduction')); dedInput.focus(); return; }
    if (err && err.status === 409 && err.code === 'conflict') { errs.showAlert(t('eval.err.superseded')); formEl.scrollIntoView({ block: 'start' }); return; }
    if (f === 'date' && err.status === 422) { errs.set('date', errorText(err)); date.control.focus(); return; }
    errs.api(err);
    if (!errs.alert.hidden) errs.alert.scrollIntoView({ block: 'center' });
  }

  const title = original ? t('eval.amend.title', { id: original.id }) : t(kind === 'self_check' ? 'eval.title.self_check' : 'eval.title.official');
  append(clear(content), [
    pageHeader({
      back: backTo(pid),
      title: h('span', { 'data-testid': 'eval-title' }, title),
      desc: h('span', { class: 'eval-project' }, h('span', { class: 'mono' }, project.code), ' ', project.name, ' ', stageTag(project.stage)),
    }),
    original ? h('div', { class: 'alert alert-info', 'data-testid': 'amend-note' }, icon('edit', 16),
      h('span', null, t('eval.amend.note', { id: original.id, score: fmtTenths(Math.round(original.score * 10)), date: original.date }))) : null,
    formEl]);
  recalc();
}

/** One item of the sheet: its title and points, the five rating buttons, the penalty when serious. */
function itemRow(item, index, s, changed) {
  const scoreEl = h('span', { class: 'item-score', 'data-testid': 'item-score' });
  const err = h('div', { class: 'field-error item-error', role: 'alert', hidden: true });
  const titleId = `item-${item.key}-title`;
  const buttons = RATINGS.map((r) => h('button', {
    type: 'button', class: ['rate-btn', `rate-${r}`], 'aria-pressed': 'false', 'data-rating': r,
    onclick: () => {
      s.rating = r;
      if (r !== 'serious') s.penalty = null;
      clearError();
      changed();
      if (r === 'serious' && !Number.isInteger(s.penalty)) penaltySel.focus();
    },
  }, h('span', { class: 'rate-label' }, t(`rating.${r}`)),
  h('span', { class: 'rate-pts' }, r === 'serious' ? '−5～−10' : fmtTenths((item.points * PCT[r]) / 10))));
  const group = h('div', { class: 'rate-group', role: 'group', 'aria-labelledby': titleId }, buttons);
  const penaltySel = select([{ value: '', label: t('eval.penalty_pick') },
    ...PENALTIES.map((p) => ({ value: p, label: `−${-p}` }))], { name: `penalty-${item.key}`, 'data-testid': 'item-penalty' });
  const penalty = formField({ label: t('eval.penalty'), required: true, control: penaltySel });
  penalty.el.classList.add('penalty-field');
  penaltySel.addEventListener('change', () => {
    s.penalty = penaltySel.value ? Number(penaltySel.value) : null;
    changed();
  });
  const el = h('li', { class: 'eval-item', 'data-key': item.key, 'data-testid': `item-${item.key}` },
    h('div', { class: 'eval-item-head' },
      h('span', { class: 'eval-item-no' }, String(index + 1)),
      h('span', { class: 'eval-item-title', id: titleId }, itemTitle(item)),
      h('span', { class: 'eval-item-pts' }, t('eval.points', { n: item.points })),
      scoreEl),
    group, penalty.el, err);

  function clearError() { err.hidden = true; err.textContent = ''; el.classList.remove('has-error'); }
  function refresh() {
    for (const b of buttons) {
      const on = b.dataset.rating === s.rating;
      b.setAttribute('aria-pressed', String(on));
      b.classList.toggle('active', on);
    }
    penalty.el.hidden = s.rating !== 'serious';
    penaltySel.value = Number.isInteger(s.penalty) ? String(s.penalty) : '';
    const tn = s.rating ? itemTenths(item.points, s.rating, s.penalty) : null;
    scoreEl.textContent = tn === null ? t('common.none') : fmtTenths(tn);
    scoreEl.classList.toggle('neg', tn !== null && tn < 0);
    el.classList.toggle('rated', Boolean(s.rating));
    el.classList.toggle('is-serious', s.rating === 'serious');
  }
  return {
    el, key: item.key, penalty, refresh, clearError: () => { clearError(); penalty.clear(); },
    setError(msg) { err.textContent = msg; err.hidden = false; el.classList.add('has-error'); },
    focus() {
      el.scrollIntoView({ block: 'center' });
      if (s.rating === 'serious' && !Number.isInteger(s.penalty)) penaltySel.focus();
      else (buttons.find((b) => b.dataset.rating === s.rating) || buttons[0]).focus();
    },
  };
}
