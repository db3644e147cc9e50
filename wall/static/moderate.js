// The moderator desk: the queue (pending, oldest first), what is on screen (approved,
// newest first) and what was turned down, live from /ws/moderate/{event}.
//
// This module starts the desk; each job has its module under static/desk/:
//   state.js      what the server said, who is signed in, what this desk is doing
//   card.js       a post as a compact card (helpers shared with the wall's cards.js)
//   render.js     the columns, counts, notes, presence and connection on the page
//   hold.js       the On-screen column keeps still while the moderator is in it
//   selection.js  the open card, moved by keys and taps; claims.js reserves it
//   actions.js    decisions, tools, undo and bulk through the API (api.js)
//   hands.js      taps, swipes (swipe.js) and keys; tools.js, dialogs.js, spotlight.js
//   notices.js    one message at a time, above the undo bar
//   session.js    the signed-in user, and the inline login when the session ends
//   lang.js       the FR/EN switch; strings.js holds the desk's words for i18n.js's t()
//   feed.js       the socket's messages; status-strip.js the sources and screens
// See docs/moderation-desk.md. Post content is hostile: textContent and safe attributes.

import { applyI18n, setLanguage, t } from "/static/i18n.js";
import { connect } from "/static/socket.js";
import { endSession } from "/static/desk/api.js";
import { invalidateAll } from "/static/desk/card.js";
import { $ } from "/static/desk/dom.js";
import { applyMessage } from "/static/desk/feed.js";
import "/static/desk/hands.js";
import { eventMayChoose, languageSwitch, restoreLanguage } from "/static/desk/lang.js";
import { relabelNotices } from "/static/desk/notices.js";
import {
  refreshTimes,
  render,
  renderPresence,
  renderStatus,
  scheduleRender,
  setSelecting,
} from "/static/desk/render.js";
import { loadSession, relabelSession } from "/static/desk/session.js";
import { relabelSpotlight } from "/static/desk/spotlight.js";
import { known, slug, ui } from "/static/desk/state.js";
import { statusStrip } from "/static/desk/status-strip.js";

const TIME_REFRESH_MS = 15_000;

const page = { title: slug, strip: null, languages: null };

/** The page's words, again, in the language now in use. */
function relabel() {
  applyI18n();
  document.title = t("mod.title", { title: page.title });
  renderStatus();
  renderPresence();
  setSelecting(ui.selecting);
  relabelSession();
  relabelSpotlight();
  relabelNotices();
  page.strip?.relabel();
  page.languages?.mark();
  invalidateAll();
  scheduleRender();
}

async function loadEvent() {
  try {
    const response = await fetch(`/api/events/${encodeURIComponent(slug)}`);
    if (response.status === 404) {
      $("error").textContent = t("mod.unknown_event", { slug });
      $("error").hidden = false;
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const event = await response.json();
    page.title = String(event.title ?? slug);
    $("event-title").textContent = page.title;
    const speaks = typeof event.language === "string" && eventMayChoose();
    if (speaks && setLanguage(event.language)) relabel();
    else document.title = t("mod.title", { title: page.title });
  } catch (err) {
    console.warn("murmur moderate: cannot load the event", err);
    setTimeout(loadEvent, 10_000);
  }
}

async function loadDesk() {
  try {
    const response = await fetch(`/api/events/${encodeURIComponent(slug)}/desk`, {
      credentials: "same-origin",
    });
    if (response.ok) known.settings = { ...known.settings, ...(await response.json()) };
  } catch {
    // Defaults apply until the next page load.
  }
}

async function start() {
  restoreLanguage();
  applyI18n();
  page.languages = languageSwitch(relabel);
  $("event-title").textContent = slug;
  document.title = t("mod.title", { title: slug });
  $("open-wall").href = `/wall/${encodeURIComponent(slug)}`;
  renderStatus();
  setSelecting(false);
  render();
  setInterval(refreshTimes, TIME_REFRESH_MS);

  if (!(await loadSession())) return;
  loadEvent();
  loadDesk();
  page.strip = statusStrip($("desk-status"), slug);

  ui.socket = connect(`/ws/moderate/${encodeURIComponent(slug)}`, {
    onMessage(message) {
      applyMessage(message);
      if (Number.isFinite(message.seq)) document.body.dataset.seq = String(message.seq);
    },
    onStatus(state, info) {
      ui.connection = state;
      ui.connectionCode = info.code;
      renderStatus();
    },
    // 4401: the session ended; log in again here, keeping the desk as it is.
    onUnauthorized: endSession,
  });
  window.murmurDesk = { socket: ui.socket };
}

start();
