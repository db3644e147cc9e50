// The wall: approved posts of one event, live from /ws/wall/{event}, in the layout and
// theme the organiser chose (docs/protocol.md, "Display"; docs/screens.md).
//
// URL parameters, all optional: ?screen=hall-a names the screen for the organiser's fleet
// view; ?layout=grid|single|ticker|stage overrides the event's layout for this screen;
// ?bg=transparent|green makes the background an overlay for video mixing.
//
// Post content is hostile: every post-derived string goes in with textContent or a safe
// attribute (see wall/cards.js), and images load only from Murmur's own /media/.

import { applyI18n, setLanguage, t } from "/static/i18n.js";
import { connect } from "/static/socket.js";
// The moderation desk's side of the wall: answers, pins, hidden pictures, the spotlight.
import { onWallMessage } from "/static/conversation.js";
import { element, highlighted, refreshTimes } from "/static/wall/cards.js";
import { createDrift } from "/static/wall/drift.js";
import { createGrid } from "/static/wall/grid.js";
import { createPaged } from "/static/wall/paged.js";
import { fitSpotlights } from "/static/wall/spotlight.js";
import { Playlist } from "/static/wall/playlist.js";
import { createSchedule } from "/static/wall/schedule.js";
import { createTakeover } from "/static/wall/takeover.js";
import { createTicker } from "/static/wall/ticker.js";

const LAYOUTS = {
  grid: (ctx) => createGrid(ctx),
  single: (ctx) => createPaged({ ...ctx, variant: "single" }),
  ticker: (ctx) => createTicker(ctx),
  stage: (ctx) => createPaged({ ...ctx, variant: "stage" }),
};
const BACKGROUNDS = new Set(["transparent", "green"]);
const THEME_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const SCREEN_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/;
const DEFAULT_DISPLAY = {
  theme: "dark",
  layout: "grid",
  show_qr: false,
  announcements: [],
  quiet_seconds: 20,
};

const BEAT_MS = 1_000;
const TIME_REFRESH_BEATS = 30;
const DRIFT_BEATS = 60;
const CURSOR_IDLE_MS = 3_000;

const slug = eventSlug();
const params = new URLSearchParams(location.search);
const screenName = SCREEN_NAME.test(params.get("screen") ?? "") ? params.get("screen") : null;
const screenLayout = params.get("layout") in LAYOUTS ? params.get("layout") : null;
const screenBackground = BACKGROUNDS.has(params.get("bg")) ? params.get("bg") : null;
// In the organiser page's frame: shows unsaved display settings sent by that page, and is
// not counted as a screen.
const preview = params.get("preview") === "1" && window.parent !== window;

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const postsEl = $("posts");
const emptyEl = $("empty");
const errorEl = $("error");
const statusEl = $("status");
const statusText = $("status-text");
const titleEl = $("event-title");
const tagsEl = $("hashtags");
const clockEl = $("clock");
const joinEl = $("join");
const joinQr = $("join-qr");
const joinText = $("join-text");
const joinUrl = $("join-url");
const bandMark = $("band-mark");
const bandLogo = $("band-logo");

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
// Before the first message: a spotlight in the snapshot is fitted as it appears.
const spotlights = fitSpotlights();
// Announcements over the wall: scheduled, or shown now by an organiser.
const takeover = createTakeover();
// Before the event's window, and after it: a slide instead of the posts.
const schedule = createSchedule();
const playlist = new Playlist();
const drift = createDrift(root);

let display = { ...DEFAULT_DISPLAY };
let layout = null;
let hashtags = [];
let connection = "connecting";
let connectionCode;
let lastNewAt = performance.now();
let beats = 0;
let themeWanted = null;
let socket = null;

function eventSlug() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}

function isQuiet() {
  return performance.now() - lastNewAt >= display.quiet_seconds * 1000;
}

// ---------------------------------------------------------------- layout

function layoutName() {
  return screenLayout ?? (display.layout in LAYOUTS ? display.layout : "grid");
}

function useLayout(name) {
  if (layout?.name === name) return;
  layout?.destroy();
  document.body.dataset.layout = name;
  const bg = screenBackground ?? (name === "stage" ? "transparent" : "");
  document.body.dataset.bg = bg;
  root.dataset.bg = bg;
  layout = LAYOUTS[name]({ root: postsEl, playlist, isQuiet, reducedMotion });
  layout.reset(playlist.posts);
  updateEmpty();
  socket?.hello();
}

// ---------------------------------------------------------------- messages

function onMessage(received) {
  const message = onWallMessage(received); // spotlight; hidden pictures left out (desk)
  takeover.fromMessage(message); // an organiser's "show now"
  switch (message.type) {
    case "snapshot":
      playlist.reset(message.posts);
      if (message.display && typeof message.display === "object") applyDisplay(message.display);
      layout.reset(playlist.posts);
      break;
    case "post.approved":
    case "post.updated": {
      // post.updated (desk): a pin, an answer or a hidden picture; rebuilt where it stands.
      const change = playlist.add(message.post);
      if (change === "new") {
        lastNewAt = performance.now();
        takeover.newPost();
      }
      if (change) layout.add(message.post);
      break;
    }
    case "post.removed":
      playlist.remove(message.id);
      layout.remove(message.id);
      break;
    case "display":
      if (message.display && typeof message.display === "object") applyDisplay(message.display);
      break;
    case "event":
      // Renamed, new hashtags, a new window, archived: every screen follows at once.
      if (message.event && typeof message.event === "object") renderEvent(message.event);
      break;
    default:
      return; // Messages for other clients, or newer than this page: ignore.
  }
  updateEmpty();
}

// ---------------------------------------------------------------- display

function applyDisplay(next) {
  const quiet = Number(next.quiet_seconds);
  display = {
    theme: typeof next.theme === "string" ? next.theme : display.theme,
    layout: typeof next.layout === "string" ? next.layout : display.layout,
    show_qr: Boolean(next.show_qr),
    announcements: Array.isArray(next.announcements) ? next.announcements : [],
    quiet_seconds: Number.isFinite(quiet) ? Math.min(3600, Math.max(5, quiet)) : 20,
  };
  playlist.setAnnouncements(display.announcements);
  takeover.setAnnouncements(display.announcements);
  applyTheme(display.theme);
  useLayout(layoutName());
  layout.refresh?.();
  renderJoin();
}

function themeOfLink(link) {
  const match = /\/themes\/([a-z0-9-]+)\/theme\.css$/.exec(link?.getAttribute("href") ?? "");
  return match ? match[1] : null;
}

/** Swap the theme's stylesheet; the old one goes once the new one has loaded (no flash). */
function applyTheme(name) {
  if (!THEME_NAME.test(name) || name === themeWanted) return;
  themeWanted = name;
  const current = $("theme");
  // The theme counts as applied (body[data-theme]) once its logo is in place too.
  const done = async () => {
    await showLogo(name);
    if (themeWanted !== name) return;
    document.body.dataset.theme = name;
    layout?.relayout();
  };
  if (themeOfLink(current) === name) {
    if (current.sheet) done();
    else current.addEventListener("load", () => themeWanted === name && done(), { once: true });
    return;
  }
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.dataset.theme = name;
  link.addEventListener(
    "load",
    () => {
      if (themeWanted !== name) {
        link.remove();
        return;
      }
      for (const old of document.querySelectorAll("link#theme, link[data-theme]")) {
        if (old !== link) old.remove();
      }
      link.id = "theme";
      done();
    },
    { once: true },
  );
  link.addEventListener(
    "error",
    () => {
      link.remove();
      console.warn(`murmur wall: theme ${name} could not be loaded`);
    },
    { once: true },
  );
  link.href = `/themes/${name}/theme.css`;
  // Last in <head>: after wall.css, so the theme's custom properties win.
  document.head.append(link);
}

/** The theme's logo (theme.toml `logo`, listed by GET /api/themes) in the band, if any. */
async function showLogo(name) {
  let logo = null;
  try {
    const response = await fetch("/api/themes", { headers: { Accept: "application/json" } });
    if (response.ok) {
      const body = await response.json();
      const theme = (Array.isArray(body.themes) ? body.themes : []).find((t) => t.name === name);
      if (typeof theme?.logo === "string" && theme.logo.startsWith(`/themes/${name}/`)) {
        logo = theme.logo;
      }
    }
  } catch {
    // No logo this time: the Murmur mark stays.
  }
  if (themeWanted !== name) return;
  if (logo) {
    bandLogo.src = logo;
    bandLogo.alt = t("wall.logo_alt");
    try {
      await bandLogo.decode();
    } catch {
      logo = null; // A broken logo file: the Murmur mark stays.
    }
    if (themeWanted !== name) return;
  }
  if (!logo) bandLogo.removeAttribute("src");
  bandLogo.hidden = !logo;
  bandMark.hidden = Boolean(logo);
}

// ---------------------------------------------------------------- chrome

function updateEmpty() {
  const empty = !layout || layout.isEmpty();
  emptyEl.hidden = !empty;
  document.body.dataset.count = String(postsEl.querySelectorAll("[data-id]").length);
}

function tagList() {
  return hashtags.map((tag) => `#${tag}`).join(t("wall.or"));
}

function renderEmptyText() {
  emptyEl.textContent = hashtags.length
    ? t("wall.empty", { tags: tagList() })
    : t("wall.empty_no_tags");
}

function renderJoin() {
  joinEl.hidden = !display.show_qr;
  if (!display.show_qr) return;
  const qr = `/qr/${encodeURIComponent(slug)}.svg`;
  if (joinQr.getAttribute("src") !== qr) {
    joinQr.hidden = false;
    joinQr.addEventListener("error", () => (joinQr.hidden = true), { once: true });
    joinQr.src = qr;
  }
  const text = hashtags.length ? t("wall.join", { tags: tagList() }) : t("wall.join_no_tags");
  joinText.replaceChildren(...highlighted(text));
  // Breaks after a slash only: "/submit/" then the event's name, kept whole.
  joinUrl.replaceChildren(
    element("span", "join-host", location.host),
    document.createElement("wbr"),
    "/submit/",
    document.createElement("wbr"),
    element("span", "join-slug", encodeURIComponent(slug)),
  );
}

function renderStatus() {
  document.body.dataset.connection = connection;
  statusEl.dataset.state = connection;
  const unknown = connection !== "online" && connectionCode === 4404;
  statusText.textContent = unknown ? t("conn.unknown_event") : t(`conn.${connection}`);
}

function renderEvent(event) {
  titleEl.textContent = String(event.title ?? slug);
  document.title = `${event.title ?? slug} — ${t("app.name")}`;
  hashtags = (Array.isArray(event.hashtags) ? event.hashtags : [])
    .map((tag) => String(tag).replace(/^#/, ""))
    .filter(Boolean);
  tagsEl.replaceChildren(...hashtags.map((tag) => element("li", "band-tag", `#${tag}`)));
  renderEmptyText();
  renderJoin();
  schedule.setEvent(event);
}

async function loadEvent() {
  try {
    const response = await fetch(`/api/events/${encodeURIComponent(slug)}`, {
      headers: { Accept: "application/json" },
    });
    if (response.status === 404) {
      errorEl.textContent = t("wall.unknown_event", { slug });
      errorEl.hidden = false;
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const event = await response.json();
    errorEl.hidden = true;
    if (typeof event.language === "string" && setLanguage(event.language)) relabel();
    renderEvent(event);
  } catch (err) {
    // The wall keeps going without its title; try again a little later.
    console.warn("murmur wall: cannot load the event", err);
    setTimeout(loadEvent, 10_000 + Math.random() * 10_000);
  }
}

function relabel() {
  applyI18n();
  schedule.relabel();
  renderEmptyText();
  renderJoin();
  renderStatus();
  refreshClock();
}

function refreshClock(now = Date.now()) {
  refreshTimes(postsEl, now);
  clockEl.textContent = new Intl.DateTimeFormat(root.lang, {
    hour: "2-digit",
    minute: "2-digit",
  }).format(now);
}

/** Once a second: the layout's pacing, and now and then the clock and the drift. */
function beat() {
  beats = (beats + 1) % (TIME_REFRESH_BEATS * DRIFT_BEATS);
  layout.beat(performance.now());
  if (beats % TIME_REFRESH_BEATS === 0) refreshClock();
  if (beats % DRIFT_BEATS === 0) drift.step();
  updateEmpty();
}

/** Hide the mouse pointer when it has not moved for a while (a screen has no user). */
function hideIdleCursor() {
  let timer = 0;
  const wake = () => {
    document.body.classList.remove("cursor-idle");
    clearTimeout(timer);
    timer = setTimeout(() => document.body.classList.add("cursor-idle"), CURSOR_IDLE_MS);
  };
  window.addEventListener("pointermove", wake, { passive: true });
  wake();
}

/** Keep the screen awake where the browser allows it (secure contexts only). */
async function keepAwake() {
  if (!("wakeLock" in navigator)) return;
  try {
    await navigator.wakeLock.request("screen");
  } catch {
    // Not allowed here (plain http, or hidden page): the screen's own settings apply.
  }
}

function hello() {
  const message = {
    type: "hello",
    layout: layout?.name ?? layoutName(),
    width: Math.round(window.innerWidth),
    height: Math.round(window.innerHeight),
  };
  if (screenName) message.screen = screenName;
  return message;
}

// ---------------------------------------------------------------- start

applyI18n();
titleEl.textContent = slug;
document.title = `${slug} — ${t("app.name")}`;
useLayout(layoutName());
renderEmptyText();
renderStatus();
refreshClock();
setInterval(beat, BEAT_MS);
hideIdleCursor();
if (!preview) {
  keepAwake();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") keepAwake();
  });
}
// A screen turned or resized tells the organiser its new size (once it has settled).
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => socket?.hello(), 1_000);
});
// Once a font has loaded (the theme's, or a weight first used), text measures differently:
// fit and place again.
document.fonts?.addEventListener("loadingdone", () => {
  layout.relayout();
  spotlights.refit();
});
document.fonts?.ready.then(() => {
  layout.relayout();
  spotlights.refit();
});

loadEvent();

if (preview) {
  document.body.dataset.preview = "true";
  window.addEventListener("message", (event) => {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    const data = event.data;
    if (data?.type === "murmur-preview" && data.display && typeof data.display === "object") {
      applyDisplay(data.display);
    }
  });
  window.parent.postMessage({ type: "murmur-preview-ready" }, location.origin);
}

socket = connect(`/ws/wall/${encodeURIComponent(slug)}`, {
  params: { ...(screenName ? { screen: screenName } : {}), ...(preview ? { preview: "1" } : {}) },
  hello,
  onMessage(message) {
    onMessage(message);
    if (Number.isFinite(message.seq)) document.body.dataset.seq = String(message.seq);
  },
  onStatus(state, info) {
    connection = state;
    connectionCode = info.code;
    renderStatus();
  },
});

// For debugging from the console, and for the tests' look at memory.
window.murmurWall = {
  socket,
  stats: () => ({
    layout: layout.name,
    pool: playlist.size,
    fresh: playlist.fresh.length,
    announcements: playlist.announcements.length,
    nodes: document.getElementsByTagName("*").length,
  }),
};
