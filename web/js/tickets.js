// Requests, complaints and repairs (PROCEDURE §4) in the browser: who may move a ticket how in
// which state — the rules of src/core/ticket.c, mirrored here in one place so that every page
// shows only the actions the state and the person's role allow (the server decides again) —
// the response and resolution clocks (P-5.3.3), and the small tags that show a ticket.

import { h, icon } from './dom.js';
import { t } from './i18n.js';

export const KINDS = ['repair', 'complaint', 'inquiry', 'special_request', 'suspension_claim', 'environment_safety'];
export const STATES = ['new', 'awaiting_customer', 'awaiting_approval', 'in_progress', 'awaiting_verification', 'resolved', 'closed'];
export const CHANNELS = ['portal', 'phone', 'visit', 'email', 'fax', 'meeting', 'letter'];
/** How staff heard the customer's word (a rating, a written confirmation): never the portal. */
export const SOURCES = CHANNELS.filter((c) => c !== 'portal');
export const SCOPES = ['in_contract', 'out_of_contract', 'cannot_handle'];
export const SATISFACTION = ['satisfied', 'average', 'unsatisfied'];

/** Staff who take, own and work on requests: every staff role but the system administrator. */
const TICKET_STAFF = new Set(['leader', 'cm', 'quality', 'business', 'project', 'safety']);

export function isTicketStaff(role) { return TICKET_STAFF.has(role); }
/** Customers file requests on their projects; ticket staff record them from a call or a visit. */
export function mayCreateTicket(role) { return role === 'customer' || TICKET_STAFF.has(role); }
/** Corrective actions for common defects are the construction management dept's (P-5.2.3h). */
export function mayCorrect(role) { return role === 'cm'; }

/**
 * The actions USER ({id, role}) may take on ticket TK now, in the order a page offers them.
 * Mirrors ticket_apply() in src/core/ticket.c: the role and ownership (may()), then the state.
 *  take      ticket staff; nobody owns it yet; not closed
 *  triage    the owner; new
 *  confirm / decline   the customer, or staff with the written evidence; awaiting_customer
 *  approve   the leader; a special request awaiting approval
 *  resolve   the owner or an assignee; in progress
 *  paperwork the owner or an assignee; a suspension or claim request not closed (P-5.2.2f)
 *  verify    the quality dept; a repair awaiting verification
 *  rate      the customer, or staff with the source; resolved
 *  assign / handover   the owner; not closed
 *  comment   the customer, or ticket staff, in any state (internal ones: staff only); the
 *            system administrator takes no part in requests
 */
export function allowedActions(tk, user) {
  if (!tk || !user) return [];
  const role = user.role;
  const staff = TICKET_STAFF.has(role);
  const customer = role === 'customer';
  const owner = tk.owner_id !== null && tk.owner_id !== undefined && tk.owner_id === user.id;
  const assignee = (tk.assignee_ids || []).includes(user.id);
  const s = tk.status;
  const out = [];
  if (staff && !tk.owner_id && s !== 'closed') out.push('take');
  if (staff && owner && s === 'new') out.push('triage');
  if ((customer || staff) && s === 'awaiting_customer') out.push('confirm', 'decline');
  if (role === 'leader' && tk.kind === 'special_request' && s === 'awaiting_approval') out.push('approve');
  if (staff && (owner || assignee) && s === 'in_progress') out.push('resolve');
  if (staff && (owner || assignee) && tk.kind === 'suspension_claim' && s !== 'closed') out.push('paperwork');
  if (role === 'quality' && tk.kind === 'repair' && s === 'awaiting_verification') out.push('verify');
  if ((customer || staff) && s === 'resolved') out.push('rate');
  if (staff && owner && s !== 'closed') out.push('assign', 'handover');
  if (customer || staff) out.push('comment');
  return out;
}

/** Internal comments are ticket staff's; customers never write or see them. */
export function mayCommentInternal(user) { return Boolean(user) && TICKET_STAFF.has(user.role); }
/** The customer and ticket staff add files to a ticket they see until it is closed. */
export function mayAttach(tk, user) {
  return Boolean(tk && user) && (user.role === 'customer' || TICKET_STAFF.has(user.role)) && tk.status !== 'closed';
}

/** What a customer is asked to do on TK, or null. */
export function customerTask(tk) {
  return tk.status === 'awaiting_customer' ? 'confirm' : tk.status === 'resolved' ? 'rate' : null;
}

/* ---------- clocks (P-5.3.3) ---------- */

/**
 * The first-response clock: {state: 'none'} when the ticket has no response deadline;
 * 'responded' (at); 'overdue' (ms past due); 'running' (ms left). The server's flag wins
 * when it says overdue (its clock is the procedure's).
 */
export function responseClock(tk, now = Date.now()) {
  if (!tk.response_due) return { state: 'none' };
  const due = Date.parse(tk.response_due);
  if (tk.responded_at) return { state: 'responded', due, at: Date.parse(tk.responded_at) };
  const left = due - now;
  if (tk.overdue_response || left <= 0) return { state: 'overdue', due, ms: Math.max(0, -left) };
  return { state: 'running', due, ms: left };
}

/** The resolution clock against required_by: none, met (resolved or closed), overdue, running. */
export function resolutionClock(tk, now = Date.now()) {
  if (!tk.required_by) return { state: 'none' };
  const due = Date.parse(tk.required_by);
  if (tk.resolved_at || tk.status === 'closed') return { state: 'met', due };
  const left = due - now;
  if (tk.overdue_resolution || left <= 0) return { state: 'overdue', due, ms: Math.max(0, -left) };
  return { state: 'running', due, ms: left };
}

/** 93 minutes → "1 小时 33 分"; two days and more → "2 天 3 小时". */
export function fmtDuration(ms) {
  const min = Math.max(0, Math.floor(ms / 60000));
  const d = Math.floor(min / 1440);
  const hr = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return t('dur.dh', { d, h: hr });
  if (hr > 0) return t('dur.hm', { h: hr, m });
  return t('dur.m', { m });
}

/* ---------- tags ---------- */

const STATUS_COLOR = {
  new: 'gold', awaiting_customer: 'purple', awaiting_approval: 'purple', in_progress: 'blue',
  awaiting_verification: 'cyan', resolved: 'green', closed: 'gray',
};

/** The status as a tag; for the customer, a new request someone has taken up says so. */
export function statusTag(status, attrs = {}, { taken = false } = {}) {
  return h('span', { class: ['tag', `tag-${STATUS_COLOR[status] || 'gray'}`], 'data-status': status, ...attrs },
    t(taken && status === 'new' ? 'tk.status.taken' : `tk.status.${status}`));
}

export function kindTag(kind) {
  return h('span', { class: ['tag', kind === 'repair' ? 'tag-blue' : kind === 'complaint' ? 'tag-red' : 'tag-gray'], 'data-kind': kind },
    t(`tk.kind.${kind}`));
}

/** The response clock as a short line: due and time left, or overdue in red. */
export function clockLine(tk, { long = false } = {}) {
  const c = responseClock(tk);
  if (c.state === 'none') return h('span', { class: 'clock clock-none muted', 'data-clock': 'none' }, t('common.none'));
  if (c.state === 'responded') {
    return h('span', { class: 'clock clock-ok', 'data-clock': 'responded' }, icon('check', 12), t('tk.clock.responded'));
  }
  const due = h('span', { class: 'clock-due' }, t('tk.clock.due', { at: fmtShort(c.due) }));
  if (c.state === 'overdue') {
    return h('span', { class: 'clock clock-overdue', 'data-clock': 'overdue', role: long ? 'status' : null },
      h('span', { class: 'clock-main' }, icon('clock', 12), t('tk.clock.overdue', { d: fmtDuration(c.ms) })), due);
  }
  return h('span', { class: ['clock', 'clock-running', c.ms < 4 * 3600e3 && 'clock-soon'], 'data-clock': 'running' },
    h('span', { class: 'clock-main' }, icon('clock', 12), t('tk.clock.left', { d: fmtDuration(c.ms) })), due);
}

/** "11-28 18:15" (this year) or "2025-11-28 18:15". */
export function fmtShort(ms) {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return t('common.none');
  const p = (n) => String(n).padStart(2, '0');
  const md = `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  return d.getFullYear() === new Date().getFullYear() ? md : `${d.getFullYear()}-${md}`;
}

/** 1536 → "1.5 KB". */
export function fmtSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The download URL of an attachment (served as a download; an <img> shows it all the same). */
export function attachmentUrl(ticketId, attachmentId) {
  return `/api/v1/tickets/${ticketId}/attachments/${attachmentId}`;
}
