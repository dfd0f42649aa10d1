// Widgets of the ticket pages: the photo and file uploader (one row per file with its state),
// the attachments grid with thumbnails, and the timeline of a ticket's history.

import { h, clear, icon } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { upload, errorText } from './api.js';
import { openModal } from './ui.js';
import { fmtSize, attachmentUrl } from './tickets.js';

/* ---------- uploads ---------- */

const enc = new TextEncoder();

/** A name the server takes: no slashes or control characters, at most 255 bytes (extension kept). */
export function safeName(name) {
  const n = String(name || '').replace(/[/\\]/g, '_').replace(/[\u0000-\u001f\u007f]/g, '_').trim() || 'file';
  if (enc.encode(n).length <= 255) return n;
  const dot = n.lastIndexOf('.');
  const ext = dot > 0 && n.length - dot <= 10 ? n.slice(dot) : '';
  const base = [...(ext ? n.slice(0, dot) : n)];
  while (base.length && enc.encode(base.join('') + ext).length > 255) base.pop();
  return base.join('') + ext;
}

/** What went wrong with one file, in words: wrong type (415), too big with the limit (413), … */
export function uploadError(err) {
  if (!err) return t('up.err.generic');
  if (err.status === 415) return t('up.err.type');
  if (err.status === 413) {
    const m = /(\d+)\s*MiB/.exec(err.message || '');
    return m ? t('up.err.size', { n: m[1] }) : t('up.err.size_unknown');
  }
  if (err.status === 409) return t('up.err.closed');
  if (err.status === 400 && err.field === 'name') return t('up.err.name');
  return errorText(err);
}

/** POST one file to the ticket's attachments; resolves with the attachment, throws ApiError. */
export function uploadFile(ticketId, file) {
  return upload(`/tickets/${ticketId}/attachments`, file, { name: safeName(file.name) });
}

/**
 * Buttons to take photos on the spot (the phone's camera) and to pick photos or PDFs, and one
 * row per chosen file showing its state: waiting, uploading, uploaded, or what went wrong.
 * With ticketId, files are sent as soon as they are picked (onUploaded after each success);
 * without it, uploadTo(id) sends them after the ticket is created.
 * Returns {el, count(), uploadTo(id) → {ok, failed}, busy()}.
 */
export function uploader({ ticketId = null, onUploaded, testid = 'upload' } = {}) {
  const items = []; // {file, row, state, url}
  let busy = false;
  const list = h('ul', { class: 'upload-list', 'data-testid': `${testid}-list` });
  const summary = h('div', { class: 'upload-summary muted', 'aria-live': 'polite', 'data-testid': `${testid}-summary` });

  const cam = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, class: 'file-input',
    'data-testid': `${testid}-camera`, 'aria-label': t('up.camera') });
  const pick = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp,application/pdf', multiple: true,
    class: 'file-input', 'data-testid': `${testid}-files`, 'aria-label': t('up.pick') });
  const buttons = h('div', { class: 'upload-buttons' },
    h('label', { class: 'btn upload-btn upload-btn-camera' }, cam, icon('camera', 16), h('span', null, t('up.camera'))),
    h('label', { class: 'btn upload-btn' }, pick, icon('paperclip', 16), h('span', null, t('up.pick'))));
  const hint = h('div', { class: 'field-hint' }, t('up.hint'));

  function setState(it, state, msg, retry = false) {
    it.state = state;
    it.row.dataset.state = state;
    clear(it.stateEl);
    if (state === 'waiting') it.stateEl.append(t('up.state.waiting'));
    else if (state === 'uploading') it.stateEl.append(h('span', { class: 'spinner spinner-sm' }), t('up.state.uploading'));
    else if (state === 'done') it.stateEl.append(icon('check', 12), t('up.state.done'));
    else if (state === 'failed') it.stateEl.append(icon('warn', 12), msg);
    it.removeBtn.hidden = state === 'uploading' || state === 'done' || (ticketId !== null && state !== 'failed');
    it.retryBtn.hidden = !(state === 'failed' && retry);
    drawSummary();
  }

  function drawSummary() {
    const done = items.filter((x) => x.state === 'done').length;
    const failed = items.filter((x) => x.state === 'failed').length;
    const total = items.length;
    summary.textContent = !total ? '' : busy ? t('up.progress', { n: done, total })
      : failed ? t('up.failed_n', { n: failed }) : done === total ? t('up.all_done', { n: total }) : t('up.chosen', { n: total });
  }

  function add(files) {
    for (const file of files) {
      const isImage = /^image\//.test(file.type);
      const url = isImage ? URL.createObjectURL(file) : null;
      const stateEl = h('span', { class: 'upload-state', 'data-testid': 'upload-state' });
      const removeBtn = h('button', { type: 'button', class: 'btn btn-text btn-sm upload-x', 'aria-label': t('up.remove', { name: file.name }) }, icon('x', 14));
      const retryBtn = h('button', { type: 'button', class: 'btn btn-sm', hidden: true }, t('up.retry'));
      const row = h('li', { class: 'upload-row', 'data-name': file.name },
        url ? h('img', { class: 'upload-thumb', src: url, alt: '' }) : h('span', { class: 'upload-thumb upload-thumb-file' }, icon('file', 20)),
        h('span', { class: 'upload-meta' },
          h('span', { class: 'upload-name' }, file.name),
          h('span', { class: 'upload-line' }, h('span', { class: 'muted' }, fmtSize(file.size)), stateEl)),
        retryBtn, removeBtn);
      const it = { file, row, state: 'waiting', url, stateEl, removeBtn, retryBtn };
      removeBtn.addEventListener('click', () => {
        items.splice(items.indexOf(it), 1);
        row.remove();
        if (url) URL.revokeObjectURL(url);
        drawSummary();
      });
      retryBtn.addEventListener('click', () => { if (ticketId !== null) send([it]).catch(() => {}); });
      items.push(it);
      list.append(row);
      setState(it, 'waiting');
    }
    if (ticketId !== null) send(items.filter((x) => x.state === 'waiting')).catch(() => {});
  }

  for (const input of [cam, pick]) {
    input.addEventListener('change', () => {
      add([...input.files]);
      input.value = '';
    });
  }

  async function send(batch) {
    if (busy) { return null; }
    busy = true;
    let ok = 0;
    for (const it of batch) {
      setState(it, 'uploading');
      try {
        const a = await uploadFile(ticketId, it.file);
        setState(it, 'done');
        ok++;
        if (onUploaded) onUploaded(a);
      } catch (err) {
        if (err && err.status === 401) { busy = false; throw err; }
        // Only a lost connection or a server fault is worth sending the same bytes again.
        setState(it, 'failed', uploadError(err), !err || err.status === 0 || err.status >= 500);
      }
    }
    busy = false;
    drawSummary();
    return { ok, failed: batch.length - ok };
  }

  return {
    el: h('div', { class: 'uploader', 'data-testid': testid }, buttons, hint, list, summary),
    count: () => items.length,
    busy: () => busy,
    /** Send every file not yet uploaded to ticket ID (after the ticket is created). */
    uploadTo(id) {
      ticketId = id;
      for (const it of items) if (it.state !== 'done') it.retryBtn.hidden = true;
      return send(items.filter((x) => x.state !== 'done'));
    },
    failed: () => items.filter((x) => x.state === 'failed').length,
    disable() { cam.disabled = true; pick.disabled = true; buttons.classList.add('disabled'); },
  };
}

/* ---------- attachments ---------- */

/** Thumbnails of the photos (tap to enlarge) and links to the PDFs of a ticket. */
export function attachmentGrid(ticketId, list) {
  if (!list.length) return h('p', { class: 'muted list-empty', 'data-testid': 'attachments-empty' }, t('tk.att.none'));
  return h('ul', { class: 'att-grid', 'data-testid': 'attachments' }, list.map((a) => {
    const url = attachmentUrl(ticketId, a.id);
    const caption = h('span', { class: 'att-caption' },
      h('span', { class: 'att-name', title: a.name }, a.name),
      h('span', { class: 'att-sub muted' }, `${fmtSize(a.size)} · ${a.user_name || ''}`));
    if (/^image\//.test(a.type)) {
      return h('li', { class: 'att', 'data-id': a.id, 'data-type': a.type },
        h('button', { type: 'button', class: 'att-thumb', 'aria-label': t('tk.att.view', { name: a.name }), onclick: () => lightbox(a, url) },
          h('img', { src: url, alt: a.name, loading: 'lazy', 'data-testid': 'attachment-img' })),
        caption);
    }
    return h('li', { class: 'att att-doc', 'data-id': a.id, 'data-type': a.type },
      h('a', { class: 'att-thumb att-file', href: url, download: a.name, 'aria-label': t('tk.att.download', { name: a.name }) },
        icon('file', 28), h('span', { class: 'att-ext' }, 'PDF')),
      caption);
  }));
}

function lightbox(a, url) {
  const dl = h('a', { class: 'btn', href: url, download: a.name }, icon('download', 14), h('span', null, t('tk.att.save')));
  openModal({ title: a.name, width: 900, testid: 'lightbox',
    body: h('div', { class: 'lightbox' }, h('img', { class: 'lightbox-img', src: url, alt: a.name })),
    footer: [dl] });
}

/* ---------- history ---------- */

/** id → name of everyone the page knows of: the staff directory, the history, the owner, the creator. */
export function knownNames(tk, staff) {
  const m = new Map();
  for (const u of staff || []) m.set(u.id, u.name);
  if (tk.created_by) m.set(tk.created_by, tk.created_by_name);
  if (tk.owner_id) m.set(tk.owner_id, tk.owner_name);
  for (const e of tk.history || []) if (e.user_id && e.user_name) m.set(e.user_id, e.user_name);
  return m;
}

export function userLabel(names, id) {
  const n = names.get(id);
  return n ? n : t('tk.user_id', { id });
}

/** The details an entry carries besides its text, as short phrases. */
function details(e, names, customer) {
  const d = e.data || {};
  const out = [];
  switch (e.action) {
    case 'created': if (d.channel) out.push(t('tk.h.channel', { c: t(`tk.channel.${d.channel}`) })); break;
    case 'handover': if (d.to_user_id) out.push(t('tk.h.to', { name: userLabel(names, d.to_user_id) })); break;
    case 'assign': if (Array.isArray(d.user_ids)) out.push(t('tk.h.assignees', { names: d.user_ids.map((id) => userLabel(names, id)).join('、') })); break;
    case 'triage': if (d.scope) out.push(t(`tk.h.scope.${d.scope}`)); break;
    case 'approve': if (d.decision) out.push(t(`tk.h.decision.${d.decision}`)); break;
    case 'verify': if (d.result) out.push(t(`tk.h.result.${d.result}`)); break;
    case 'rate':
      if (d.satisfaction) out.push(t('tk.h.satisfaction', { s: t(`tk.sat.${d.satisfaction}`) }));
      if (d.source) out.push(t('tk.h.source', { s: t(`tk.channel.${d.source}`) }));
      if (d.improvement_need && !customer) out.push(t('tk.h.improvement'));
      break;
    case 'attachment': if (d.name) out.push(t('tk.h.file', { name: d.name })); break;
    case 'paperwork': if (d.step) out.push(t(`tk.paper.${d.step}`)); break;
    default: break;
  }
  return out;
}

/**
 * The ticket's history, oldest first: who, when, what, the text the customer was sent, and
 * (staff) internal notes marked as such. Customers get what the API shows them.
 */
export function timeline(tk, { names, me, customer }) {
  const entries = tk.history || [];
  return h('ol', { class: 'tl', 'data-testid': 'history' }, entries.map((e) => {
    const d = e.data || {};
    const note = !customer && (d.note || d.evidence);
    const mine = me && e.user_id === me.id;
    const extra = details(e, names, customer);
    return h('li', { class: ['tl-item', `tl-${e.action}`, e.internal && 'tl-internal', mine && 'tl-mine'],
      'data-action': e.action, 'data-testid': 'history-entry', 'data-internal': String(e.internal) },
    h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
    h('div', { class: 'tl-body' },
      h('div', { class: 'tl-head' },
        h('span', { class: 'tl-action' }, t(`tk.h.${e.action}`)),
        h('span', { class: 'tl-who' }, mine ? t('tk.h.me') : e.user_name || t('tk.user_id', { id: e.user_id })),
        h('time', { class: 'tl-at muted', datetime: e.at }, fmtTime(e.at)),
        e.internal ? h('span', { class: 'tag tag-gold tl-flag', 'data-testid': 'internal-flag' }, icon('lock', 11), t('tk.internal')) : null),
      extra.length ? h('div', { class: 'tl-data' }, extra.join(' · ')) : null,
      e.text ? h('div', { class: ['tl-text', 'pre-wrap', !e.internal && !(customer && mine) && 'tl-public'], 'data-testid': 'history-text' },
        !customer && !e.internal ? h('span', { class: 'tl-text-label' }, t('tk.h.to_customer')) : null,
        e.text) : null,
      note ? h('div', { class: 'tl-note pre-wrap' }, h('span', { class: 'tl-text-label' },
        t(d.evidence ? 'tk.h.evidence' : 'tk.h.note')), d.evidence || d.note) : null));
  }));
}

/* ---------- choices ---------- */

/**
 * Large buttons for one choice among a few (satisfaction, scope, decision, result, kind): a
 * radio group that is easy to tap on a phone. options: [{value, label, sub?, className?}].
 * Returns the group element with .value and a 'change' event.
 */
export function choiceGroup(options, { value = null, testid, label, className } = {}) {
  const el = h('div', { class: ['choice-group', className], role: 'radiogroup', 'aria-label': label, 'data-testid': testid, tabindex: '-1' });
  el.value = value;
  const btns = options.map((o) => h('button', {
    type: 'button', role: 'radio', class: ['choice-btn', o.className], 'data-value': o.value,
    'aria-checked': String(o.value === value), 'data-testid': testid ? `${testid}-${o.value}` : null,
    onclick: () => pick(o.value, true),
  }, o.iconName ? icon(o.iconName, 18) : null,
  h('span', { class: 'choice-label' }, o.label), o.sub ? h('span', { class: 'choice-sub' }, o.sub) : null));
  function pick(v, fire) {
    el.value = v;
    for (const b of btns) b.setAttribute('aria-checked', String(b.dataset.value === v));
    if (fire) el.dispatchEvent(new Event('change'));
  }
  el.addEventListener('keydown', (e) => {
    if (!['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp'].includes(e.key)) return;
    e.preventDefault();
    const i = Math.max(0, options.findIndex((o) => o.value === el.value));
    const n = options[(i + (e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length];
    pick(n.value, true);
    btns[options.indexOf(n)].focus();
  });
  el.setValue = (v) => pick(v, false);
  el.append(...btns);
  return el;
}
