// Which card the moderator has open: one per desk, followed across renders, moved by the
// keys, and reserved for them after a moment (desk/claims.js).

import { cards } from "/static/desk/card.js";
import { wantClaim } from "/static/desk/claims.js";
import { $, lists } from "/static/desk/dom.js";
import { ui } from "/static/desk/state.js";

export function columnCards(column) {
  return Array.from(lists[column].children);
}

function unmark(card) {
  card.classList.remove("is-selected");
  card.removeAttribute("aria-current");
  card.tabIndex = -1;
}

/** Open the card `id` in `column` (null: none); focus it unless told not to. */
export function select(column, id, { focus = true } = {}) {
  const previous = ui.selection.id === null ? null : cards.get(ui.selection.id);
  if (previous) unmark(previous);
  const card = id === null ? null : cards.get(id);
  if (!card) {
    ui.selection = { column, id: null, index: 0 };
    return;
  }
  const changed = ui.selection.id !== id;
  ui.selection = { column, id, index: Math.max(0, columnCards(column).indexOf(card)) };
  card.classList.add("is-selected");
  card.setAttribute("aria-current", "true");
  card.tabIndex = 0;
  if (focus) {
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }
  if (changed) wantClaim(id);
}

/** The selected card, focused again (after a dialog, or the inline login). */
export function refocus() {
  const card = ui.selection.id === null ? null : cards.get(ui.selection.id);
  if (card?.isConnected) card.focus({ preventScroll: true });
}

/** After a render: follow the selected card, or take its neighbour if it left the column. */
export function keepSelection(hadFocus) {
  const { selection } = ui;
  if (selection.id === null) return;
  const list = columnCards(selection.column);
  const card = cards.get(selection.id);
  if (card && list.includes(card)) {
    selection.index = list.indexOf(card);
    card.classList.add("is-selected");
    if (hadFocus && document.activeElement !== card) card.focus({ preventScroll: true });
    return;
  }
  if (card) unmark(card);
  const next = list[Math.min(selection.index, list.length - 1)];
  if (next) select(selection.column, next.dataset.id, { focus: hadFocus });
  else ui.selection = { column: selection.column, id: null, index: 0 };
}

function navigableColumns() {
  return $("decided").open ? ["queue", "onscreen", "decided"] : ["queue", "onscreen"];
}

export function move(delta) {
  let column = ui.selection.column;
  let list = columnCards(column);
  if (ui.selection.id === null || !cards.has(ui.selection.id)) {
    if (!list.length) {
      column = navigableColumns().find((name) => columnCards(name).length) ?? column;
      list = columnCards(column);
    }
    if (list.length) select(column, list[0].dataset.id);
    return;
  }
  const index = list.indexOf(cards.get(ui.selection.id));
  const next = list[Math.max(0, Math.min(list.length - 1, index + delta))];
  if (next) select(column, next.dataset.id);
}

export function switchColumn(delta) {
  const columns = navigableColumns();
  let at = columns.indexOf(ui.selection.column);
  for (let step = 0; step < columns.length - 1; step += 1) {
    at = (at + delta + columns.length) % columns.length;
    const list = columnCards(columns[at]);
    if (list.length) {
      select(columns[at], list[Math.min(ui.selection.index, list.length - 1)].dataset.id);
      return;
    }
  }
}
