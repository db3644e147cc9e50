// Putting the desk's state on the page: the three columns, their counts and notes, who is
// online, the connection. One render per burst of messages (a replay can be long); cards
// are moved, never rebuilt, unless their post changed (desk/card.js).

import { relativeTime, t } from "/static/i18n.js";
import { cardFor, cards, decorate } from "/static/desk/card.js";
import { $, lists } from "/static/desk/dom.js";
import { Hold } from "/static/desk/hold.js";
import { keepSelection } from "/static/desk/selection.js";
import { groups, known, me, ui } from "/static/desk/state.js";
import { element, hue, initials, refreshTimes as refreshCardTimes } from "/static/wall/cards.js";

const queued = { render: false };

/** Render once for a burst of messages. */
export function scheduleRender() {
  if (queued.render) return;
  queued.render = true;
  const run = () => {
    if (!queued.render) return;
    queued.render = false;
    render();
  };
  requestAnimationFrame(run);
  setTimeout(run, 50);
}

// The On-screen column keeps still while the moderator is in it (desk/hold.js).
export const onscreenHold = new Hold(lists.onscreen, scheduleRender);

/** Put exactly `wanted` in `container`, in order, moving only what is out of place. */
function reconcile(container, wanted) {
  wanted.forEach((card, index) => {
    const current = container.children[index];
    if (current !== card) container.insertBefore(card, current ?? null);
  });
  while (container.children.length > wanted.length) container.lastElementChild.remove();
}

export function render() {
  queued.render = false;
  const active = document.activeElement;
  const selectedCard = ui.selection.id === null ? null : cards.get(ui.selection.id);
  const hadFocus = Boolean(
    selectedCard && (selectedCard === active || selectedCard.contains(active)),
  );

  const grouped = groups();
  const waiting = grouped.queue.length;
  // A paused queue keeps showing what it showed; newcomers wait below the note.
  const shownQueue = ui.paused
    ? grouped.queue.filter((p) => ui.paused.has(String(p.id)))
    : grouped.queue;
  const onscreen = onscreenHold.arrange(grouped.onscreen.map((p) => String(p.id)));
  reconcile(lists.queue, shownQueue.map(cardFor));
  reconcile(
    lists.onscreen,
    onscreen.ids.map((id) => cardFor(known.posts.get(id))),
  );
  reconcile(lists.decided, grouped.decided.map(cardFor));
  for (const [id, card] of cards) {
    if (!known.posts.has(id)) {
      card.remove();
      cards.delete(id);
    }
  }

  $("queue-count").textContent = String(waiting);
  $("queue-count").setAttribute("aria-label", t("mod.queue_count", { count: waiting }));
  $("onscreen-count").textContent = String(grouped.onscreen.length);
  $("onscreen-count").setAttribute(
    "aria-label",
    t("mod.onscreen_count", { count: grouped.onscreen.length }),
  );
  $("decided-count").textContent = String(grouped.decided.length);
  $("queue-empty").hidden = shownQueue.length > 0 || Boolean(ui.paused);
  $("onscreen-empty").hidden = grouped.onscreen.length > 0;
  $("decided-empty").hidden = grouped.decided.length > 0;
  const held = $("onscreen-held");
  held.hidden = onscreen.waiting === 0;
  held.textContent = onscreen.waiting ? t("desk.onscreen.held", { count: onscreen.waiting }) : "";
  document.body.dataset.pending = String(waiting);
  renderOldest(grouped.queue[0]);
  renderPaused(waiting - shownQueue.length);
  renderBulk();
  keepSelection(hadFocus);
}

function renderOldest(oldest) {
  $("queue-oldest").textContent = oldest
    ? t("mod.queue_oldest", { age: relativeTime(oldest.received_at ?? oldest.created_at) })
    : "";
}

function renderPaused(hiddenCount) {
  const note = $("queue-paused");
  const button = $("pause");
  button.textContent = ui.paused ? t("desk.resume") : t("desk.pause");
  button.setAttribute("aria-pressed", ui.paused ? "true" : "false");
  document.body.dataset.paused = ui.paused ? "true" : "false";
  note.hidden = !ui.paused;
  note.textContent = !ui.paused
    ? ""
    : hiddenCount > 0
      ? t("desk.paused", { count: hiddenCount })
      : t("desk.paused_none");
}

export function renderBulk() {
  const count = ui.marked.size;
  $("bulk-bar").hidden = count === 0;
  $("bulk-count").textContent = t("desk.marked", { count });
  $("bulk-approve").textContent = t("desk.bulk_approve", { count });
  $("bulk-reject").textContent = t("desk.bulk_reject", { count });
}

/** Selection mode for bulk actions: a checkbox on every waiting card. */
export function setSelecting(on) {
  ui.selecting = on;
  if (!on) ui.marked.clear();
  document.body.dataset.selecting = on ? "true" : "false";
  $("select-mode").setAttribute("aria-pressed", on ? "true" : "false");
  $("select-mode").textContent = on ? t("desk.select_done") : t("desk.select");
  for (const card of cards.values()) decorate(card);
  renderBulk();
}

/** Who has the desk open: a name each (initials only where the bar is narrow). */
export function renderPresence() {
  $("presence").replaceChildren(
    ...known.moderators.map((m) => {
      const name = String(m.name ?? "");
      const label = name === me.name ? t("desk.you", { name }) : name;
      const item = element("li", "presence-user", label);
      item.dataset.name = name;
      item.dataset.role = String(m.role ?? "");
      item.dataset.initials = initials(name);
      item.title = label;
      item.style.setProperty("--avatar-hue", String(hue(name)));
      return item;
    }),
  );
}

/** The connection indicator: live, reconnecting, or signed out (never "Live" then). */
export function renderStatus() {
  const state = me.ended ? "signed-out" : ui.connection;
  document.body.dataset.connection = ui.connection;
  document.body.dataset.session = me.ended ? "ended" : "live";
  $("status").dataset.state = state;
  const unknown = ui.connection !== "online" && ui.connectionCode === 4404;
  $("status-text").textContent = me.ended
    ? t("desk.conn.signed_out")
    : unknown
      ? t("conn.unknown_event")
      : t(`conn.${ui.connection}`);
}

export function refreshTimes() {
  refreshCardTimes(document.querySelector(".desk"));
  const first = lists.queue.firstElementChild;
  renderOldest(first ? known.posts.get(first.dataset.id) : undefined);
}

export function togglePause() {
  ui.paused = ui.paused
    ? null
    : new Set(Array.from(lists.queue.children, (card) => card.dataset.id));
  render();
}
