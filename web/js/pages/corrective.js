// Corrective actions for common quality defects (P-5.2.3h): the construction management dept
// opens one for the tickets concerned with its treatment plan, and records its acceptance
// together with the customer's representative (accepted, or rework). Other staff read them.

import { h, clear, icon } from '../dom.js';
import { t, fmtTime } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { session } from '../session.js';
import {
  button, pageHeader, emptyState, loading, errorBox, formField, input, textarea, FormErrors, openModal, confirmDialog, toast,
} from '../ui.js';
import { mayCorrect, statusTag } from '../tickets.js';
import { choiceGroup } from '../ticket-ui.js';

const STATUS_COLOR = { open: 'gold', accepted: 'green', rework: 'red' };

export async function renderCorrective(content, ctx) {
  const cm = mayCorrect(session.user.role);
  const listArea = h('div', { class: 'list-area' }, loading());
  const tickets = new Map(); // id → ticket, fetched once for the labels

  async function ticketLabel(id, el) {
    try {
      if (!tickets.has(id)) tickets.set(id, api.get(`/tickets/${id}`));
      const tk = await tickets.get(id);
      clear(el).append(h('span', { class: 'mono' }, tk.number), ' ', tk.title, ' ', statusTag(tk.status));
    } catch { /* keep the id */ }
  }

  async function load() {
    try {
      const rows = await api.get('/corrective-actions');
      if (!ctx.alive()) return;
      clear(listArea).append(rows.length ? h('div', { class: 'case-list', 'data-testid': 'corrective-list' }, rows.map(item))
        : emptyState(t(cm ? 'ca.empty_cm' : 'ca.empty')));
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      clear(listArea).append(errorBox(err, load));
    }
  }

  function item(c) {
    const links = h('ul', { class: 'mini-list ca-tickets', 'data-testid': 'ca-tickets' }, c.ticket_ids.map((id) => {
      const label = h('span', null, t('tk.user_ticket', { id }));
      ticketLabel(id, label);
      return h('li', { class: 'mini-item' }, h('a', { href: `#/tickets/${id}`, class: 'link' }, label));
    }));
    const acc = (c.acceptances || []).map((a) => h('div', { class: 'case-decision ca-acceptance', 'data-testid': 'ca-acceptance', 'data-result': a.result },
      h('div', { class: 'case-decision-label' }, t(`ca.result.${a.result}`), ' · ', t('ca.rep_is', { name: a.customer_rep })),
      h('p', { class: 'pre-wrap case-decision-text' }, a.appraisal),
      h('div', { class: 'muted case-decision-by' }, t('ca.recorded_by', { name: a.user_name || `#${a.user_id}`, at: fmtTime(a.created_at) }))));
    const accept = cm && c.status !== 'accepted'
      ? button(t('ca.accept'), { kind: 'primary', testid: `ca-accept-${c.id}`, onclick: () => openAccept(c, load) }) : null;
    return h('article', { class: ['case-card', c.status === 'accepted' ? 'case-decided' : 'case-open'], 'data-testid': `ca-${c.id}`, 'data-status': c.status },
      h('header', { class: 'case-head' },
        h('span', { class: 'case-title' }, `#${c.id} `, h('span', { 'data-testid': 'ca-title' }, c.title)),
        h('span', { class: ['tag', `tag-${STATUS_COLOR[c.status] || 'gray'}`], 'data-testid': 'ca-status' }, t(`ca.status.${c.status}`))),
      h('div', { class: 'case-meta muted' }, t('ca.opened', { name: c.user_name || `#${c.user_id}`, at: fmtTime(c.created_at) })),
      h('div', { class: 'case-sub' }, t('ca.plan')),
      h('p', { class: 'pre-wrap ca-plan' }, c.plan),
      h('div', { class: 'case-sub' }, t('ca.tickets', { n: c.ticket_ids.length })),
      links, acc, accept ? h('div', { class: 'form-actions ca-actions' }, accept) : null);
  }

  const actions = cm ? [button(t('ca.new'), { kind: 'primary', iconName: 'plus', testid: 'new-corrective', onclick: () => openCreate([], load) })] : [];
  clear(content).append(pageHeader({ title: t('ca.title'), desc: t('ca.desc'), actions }), listArea);
  await load();
  const pre = ctx.query.get('new');
  if (cm && /^\d+$/.test(pre || '') && ctx.alive()) {
    history.replaceState(null, '', '#/corrective');
    openCreate([Number(pre)], load);
  }
}

/** The new corrective action: title, plan, and the tickets it covers (searched, ticked). */
function openCreate(preselected, reload) {
  const errs = new FormErrors();
  const title = errs.add('title', formField({ label: t('ca.f.title'), required: true,
    control: input({ maxlength: 200, placeholder: t('ca.f.title_ph'), 'data-testid': 'ca-title-input' }) }));
  const plan = errs.add('plan', formField({ label: t('ca.f.plan'), required: true,
    control: textarea({ maxlength: 5000, rows: 4, placeholder: t('ca.f.plan_ph'), 'data-testid': 'ca-plan' }) }));
  const chosen = new Map(); // id → label
  const chips = h('div', { class: 'ca-chips', 'data-testid': 'ca-chosen', tabindex: '-1' });
  const picked = errs.add('ticket_ids', formField({ label: t('ca.f.tickets'), required: true, hint: t('ca.f.tickets_hint'), control: chips }));
  const q = input({ type: 'search', maxlength: 200, placeholder: t('ca.f.search_ph'), 'data-testid': 'ca-search' });
  const results = h('div', { class: 'check-list ca-results', 'data-testid': 'ca-results' });

  function drawChips() {
    clear(chips);
    if (!chosen.size) { chips.append(h('span', { class: 'muted' }, t('ca.f.none'))); return; }
    for (const [id, label] of chosen) {
      chips.append(h('span', { class: 'filter-chip', 'data-id': id }, label,
        h('button', { type: 'button', class: 'chip-x', 'aria-label': t('common.reset'), onclick: () => { chosen.delete(id); drawChips(); drawResults(last); } }, icon('x', 12))));
    }
  }
  let last = [];
  function drawResults(items) {
    last = items;
    clear(results);
    if (!items.length) { results.append(h('p', { class: 'muted list-empty' }, t('ca.f.no_results'))); return; }
    for (const tk of items) {
      const cb = h('input', { type: 'checkbox', checked: chosen.has(tk.id), 'data-testid': `ca-pick-${tk.id}` });
      cb.addEventListener('change', () => {
        if (cb.checked) chosen.set(tk.id, `${tk.number} ${tk.title}`); else chosen.delete(tk.id);
        drawChips();
        picked.clear();
      });
      results.append(h('label', { class: 'check-row' }, cb,
        h('span', null, h('span', { class: 'mono' }, tk.number), ' ', tk.title, h('span', { class: 'muted' }, ` · ${tk.project_name}`))));
    }
  }
  async function search() {
    const v = q.value.trim();
    clear(results).append(loading());
    try {
      const r = await api.get('/tickets', { q: v.slice(0, 200), limit: 20 });
      drawResults(r.items);
    } catch (err) {
      clear(results).append(h('p', { class: 'field-error' }, t('common.load_failed', { msg: err.message })));
    }
  }
  const searchBtn = button(t('common.search'), { iconName: 'search', testid: 'ca-search-btn', onclick: search });
  q.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); search(); } });
  for (const id of preselected) {
    chosen.set(id, t('tk.user_ticket', { id }));
    api.get(`/tickets/${id}`).then((tk) => { if (chosen.has(id)) { chosen.set(id, `${tk.number} ${tk.title}`); drawChips(); } }).catch(() => {});
  }
  drawChips();

  const submit = button(t('common.create'), { kind: 'primary', type: 'submit', testid: 'ca-submit' });
  submit.setAttribute('form', 'ca-create-form');
  const cancel = button(t('common.cancel'));
  const form = h('form', { class: 'form', id: 'ca-create-form', novalidate: true },
    errs.alert, title.el, plan.el, picked.el,
    h('div', { class: 'ca-search-row' }, h('div', { class: 'search-box' }, icon('search', 14), q), searchBtn), results);
  const m = openModal({ title: t('ca.new'), body: form, footer: [cancel, submit], width: 640, testid: 'ca-form' });
  cancel.addEventListener('click', () => m.close());
  search();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const body = { title: title.control.value.trim(), plan: plan.control.value.trim(), ticket_ids: [...chosen.keys()] };
    if (!body.title) errs.set('title', t('v.required'));
    else if ([...body.title].length > 200) errs.set('title', t('v.too_long', { n: 200 }));
    if (!body.plan) errs.set('plan', t('v.required'));
    if (!body.ticket_ids.length) errs.set('ticket_ids', t('ca.f.pick'));
    if (form.querySelector('.has-error')) { errs.focusFirst(); return; }
    submit.disabled = true;
    try {
      const c = await api.post('/corrective-actions', body);
      m.close();
      toast(t('ca.created', { id: c.id }));
      reload();
    } catch (err) {
      submit.disabled = false;
      errs.api(err);
    }
  });
}

/** The acceptance, together with the customer's representative: accepted, or rework. */
function openAccept(c, reload) {
  const errs = new FormErrors();
  const rep = errs.add('customer_rep', formField({ label: t('ca.f.rep'), required: true,
    control: input({ maxlength: 50, 'data-testid': 'ca-rep' }) }));
  const appraisal = errs.add('appraisal', formField({ label: t('ca.f.appraisal'), required: true,
    control: textarea({ maxlength: 2000, rows: 3, placeholder: t('ca.f.appraisal_ph'), 'data-testid': 'ca-appraisal' }) }));
  const result = errs.add('result', formField({ label: t('ca.f.result'), required: true,
    control: choiceGroup([{ value: 'accepted', label: t('ca.result.accepted'), iconName: 'check' },
      { value: 'rework', label: t('ca.result.rework'), iconName: 'x', className: 'choice-danger' }], { testid: 'ca-result', label: t('ca.f.result') }) }));
  const submit = button(t('ca.accept'), { kind: 'primary', type: 'submit', testid: 'ca-accept-submit' });
  submit.setAttribute('form', 'ca-accept-form');
  const cancel = button(t('common.cancel'));
  const form = h('form', { class: 'form', id: 'ca-accept-form', novalidate: true },
    h('div', { class: 'form-note' }, `#${c.id} ${c.title}`), errs.alert, rep.el, appraisal.el, result.el);
  const m = openModal({ title: t('ca.accept'), body: form, footer: [cancel, submit], testid: 'ca-accept-form' });
  cancel.addEventListener('click', () => m.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errs.clear();
    const body = { customer_rep: rep.control.value.trim(), appraisal: appraisal.control.value.trim(), result: result.control.value };
    if (!body.customer_rep) errs.set('customer_rep', t('v.required'));
    else if ([...body.customer_rep].length > 50) errs.set('customer_rep', t('v.too_long', { n: 50 }));
    if (!body.appraisal) errs.set('appraisal', t('v.required'));
    if (!body.result) errs.set('result', t('v.select'));
    if (form.querySelector('.has-error')) { errs.focusFirst(); return; }
    const ok = await confirmDialog({ title: t('ca.confirm_title'), message: t('ca.confirm_body', { rep: body.customer_rep, r: t(`ca.result.${body.result}`) }),
      warn: t('ca.confirm_warn'), okText: t('ca.accept') });
    if (!ok) return;
    submit.disabled = true;
    try {
      await api.post(`/corrective-actions/${c.id}/acceptance`, body);
      m.close();
      toast(t('ca.accepted_ok'));
      reload();
    } catch (err) {
      submit.disabled = false;
      if (err instanceof ApiError && err.status === 409) { errs.showAlert(t('cases.err.already')); return; }
      errs.api(err);
    }
  });
}
