// Taps, swipes and keys. Every action has a button of at least 48px and most have a key
// (the help dialog lists them); swipes are a shortcut for a thumb, labelled while they
// happen ("Approve" / "Reject" appears on the card with its colour).

import { t } from "/static/i18n.js";
import { actOnSelected, bulk, toggleMark, undo, perform } from "/static/desk/actions.js";
import { $ } from "/static/desk/dom.js";
import { toggleHelp } from "/static/desk/dialogs.js";
import { onscreenHold, render, setSelecting, togglePause } from "/static/desk/render.js";
import { move, select, switchColumn } from "/static/desk/selection.js";
import { COLUMN, SWIPES, known, ui } from "/static/desk/state.js";
import { useTool } from "/static/desk/tools.js";
import { swipeable } from "/static/swipe.js";

const desk = document.querySelector(".desk");
const help = $("help");

desk.addEventListener("click", (event) => {
  const card = event.target.closest("article.card");
  if (!card) return;
  const reveal = event.target.closest("[data-reveal]");
  if (reveal) {
    reveal.closest(".card-thumb").dataset.revealed = "true";
    reveal.remove();
    return;
  }
  const id = card.dataset.id;
  if (event.target.closest("input[data-mark]")) {
    toggleMark(id);
    return;
  }
  const post = known.posts.get(id);
  if (post) select(COLUMN[post.status], id, { focus: false });
  const button = event.target.closest("button[data-action]");
  if (button && !button.disabled) perform(id, button.dataset.action);
  const tool = event.target.closest("button[data-tool]");
  if (tool && !tool.disabled) useTool(id, tool.dataset.tool);
});

swipeable(desk, {
  selector: "article.card",
  actionsFor(card) {
    const post = known.posts.get(card.dataset.id);
    return post && !ui.busy.has(card.dataset.id) ? (SWIPES[post.status] ?? {}) : {};
  },
  labelFor: (action) => t(`action.${action}`),
  onSwipe(card, action) {
    const post = known.posts.get(card.dataset.id);
    if (post) select(COLUMN[post.status], card.dataset.id, { focus: false });
    perform(card.dataset.id, action);
  },
});

const onSelected = (fn) => () => {
  if (ui.selection.id !== null) fn(ui.selection.id);
};

const KEYS = {
  ArrowDown: () => move(1),
  j: () => move(1),
  ArrowUp: () => move(-1),
  k: () => move(-1),
  ArrowLeft: () => switchColumn(-1),
  h: () => switchColumn(-1),
  ArrowRight: () => switchColumn(1),
  l: () => switchColumn(1),
  a: () => actOnSelected("approve"),
  r: () => actOnSelected("reject"),
  d: () => actOnSelected("remove"),
  Delete: () => actOnSelected("remove"),
  p: onSelected((id) => useTool(id, "pin")),
  s: onSelected((id) => useTool(id, "spotlight")),
  e: onSelected((id) => useTool(id, "reply")),
  m: onSelected((id) => useTool(id, "hide-media")),
  b: onSelected((id) => useTool(id, "block-author")),
  u: () => undo(),
  x: onSelected((id) => toggleMark(id)),
  A: () => bulk("approve"),
  R: () => bulk("reject"),
  " ": () => togglePause(),
  "?": () => toggleHelp(),
};

for (const kind of ["pointerdown", "keydown"]) {
  document.addEventListener(kind, () => {
    ui.lastInput = Date.now();
  });
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey) return;
  if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
  if (document.querySelector("dialog[open]:not(#help)")) return;
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z" && !event.shiftKey) {
    event.preventDefault();
    undo();
    return;
  }
  if (event.ctrlKey || event.metaKey) return;
  if (help.open) {
    if (event.key === "?") {
      event.preventDefault();
      help.close();
    }
    return;
  }
  // Space on a button presses it; elsewhere it pauses the queue.
  if (event.key === " " && event.target.closest?.("button, summary, a")) return;
  const handler = KEYS[event.key];
  if (!handler) return;
  event.preventDefault();
  handler();
});

$("undo-button").addEventListener("click", undo);
$("pause").addEventListener("click", togglePause);
$("queue-paused").addEventListener("click", togglePause);
$("select-mode").addEventListener("click", () => setSelecting(!ui.selecting));
$("bulk-approve").addEventListener("click", () => bulk("approve"));
$("bulk-reject").addEventListener("click", () => bulk("reject"));
$("bulk-clear").addEventListener("click", () => setSelecting(false));
// The note over a still On-screen column: show what waited, now.
$("onscreen-held").addEventListener("click", () => {
  onscreenHold.letGo();
  render();
});
