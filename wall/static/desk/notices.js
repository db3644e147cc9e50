// What the desk tells the moderator: one message at a time (a new one replaces the last),
// and the undo offer. Both live in one stack at the bottom of the page (.notices), the
// message above the undo bar, so a message can never cover the Undo button.

import { $ } from "/static/desk/dom.js";
import { known } from "/static/desk/state.js";
import { element } from "/static/wall/cards.js";

const TOAST_MS = { info: 3500, warning: 9000, error: 9000 };
const toastEl = $("toast");
const timers = { toast: 0, undo: 0 };

/** What Undo would undo now: {id, words: () => text}, or null. */
export const offer = { id: null, words: null };

export function hideToast() {
  clearTimeout(timers.toast);
  toastEl.dataset.visible = "false";
  toastEl.replaceChildren();
}

/** Say `message`; `action` ({label, run}) adds a button, e.g. "Act anyway". */
export function toast(message, kind = "info", action = null) {
  toastEl.replaceChildren(document.createTextNode(message));
  if (action) {
    const button = element("button", "btn btn--primary toast-action", action.label);
    button.type = "button";
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      hideToast();
      action.run();
    });
    toastEl.append(" ", button);
  }
  toastEl.dataset.kind = kind;
  toastEl.dataset.visible = "true";
  clearTimeout(timers.toast);
  timers.toast = setTimeout(hideToast, TOAST_MS[kind] ?? TOAST_MS.info);
}

/** Offer to undo the last action on `id`; `words()` says what was done (any language). */
export function offerUndo(id, words) {
  clearTimeout(timers.undo);
  offer.id = id;
  offer.words = words;
  $("undo-text").textContent = words();
  $("undo-bar").hidden = false;
  timers.undo = setTimeout(hideUndo, known.settings.undo_seconds * 1000);
}

export function hideUndo() {
  clearTimeout(timers.undo);
  offer.id = null;
  offer.words = null;
  $("undo-bar").hidden = true;
}

/** The language changed: re-word the undo offer; a message in the old language goes. */
export function relabelNotices() {
  if (offer.words) $("undo-text").textContent = offer.words();
  hideToast();
}

toastEl.addEventListener("click", hideToast);
