// Unsaved work: a page (the evaluation sheet) marks itself dirty; leaving it — another page, the
// language switch, signing out, closing the tab — asks first, so a half-filled sheet is not lost.

import { t } from './i18n.js';
import { confirmDialog } from './ui.js';

let active = null; // {hash, message}
let asking = null; // the question on screen, so that two quick taps ask once

/** The page at `hash` holds unsaved work; `message` says what would be lost. */
export function holdLeave(hash, message) { active = { hash, message }; }
export function releaseLeave() { active = null; }

/** Resolves true when nothing is unsaved or the person agrees to drop it (then the hold ends). */
export function mayLeave() {
  if (!active) return Promise.resolve(true);
  if (asking) return asking;
  const held = active;
  asking = confirmDialog({
    title: t('leave.title'), message: held.message, warn: t('leave.warn'), okText: t('leave.ok'), danger: true,
  }).then((ok) => {
    asking = null;
    if (ok && active === held) active = null;
    return ok;
  });
  return asking;
}

/** The hash of the page holding unsaved work, or null. */
export function heldHash() { return active ? active.hash : null; }

window.addEventListener('beforeunload', (e) => {
  if (!active) return;
  e.preventDefault();
  e.returnValue = '';
});
