// The desk's FR/EN switch. A moderator's choice is remembered on this device
// (localStorage) and wins over the event's language; without one, the page speaks the
// event's language, else the browser's (i18n.js).

import { lang, setLanguage } from "/static/i18n.js";
import { $ } from "/static/desk/dom.js";

const KEY = "murmur.desk.lang";

function saved() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null; // storage refused (private mode): the choice lasts for this page only
  }
}

/** Apply the remembered choice, if any; true when the moderator chose a language. */
export function restoreLanguage() {
  const code = saved();
  if (code) setLanguage(code);
  return Boolean(code);
}

/** Whether the event's language may decide (the moderator has not chosen). */
export const eventMayChoose = () => !saved();

function mark() {
  for (const button of $("lang-switch").querySelectorAll("button[data-lang]")) {
    button.setAttribute("aria-pressed", button.dataset.lang === lang() ? "true" : "false");
  }
}

/** Wire the switch; `relabel()` re-words the page after a change. */
export function languageSwitch(relabel) {
  mark();
  $("lang-switch").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-lang]");
    if (!button) return;
    try {
      localStorage.setItem(KEY, button.dataset.lang);
    } catch {
      // See saved().
    }
    if (setLanguage(button.dataset.lang)) relabel();
    mark();
  });
  return { mark };
}
