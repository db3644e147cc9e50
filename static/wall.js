// The wall: approved posts of one event, newest first, live from /ws/wall/{event}.
//
// Post content is hostile: every post-derived string goes in with textContent or a safe
// attribute, and images load only from Murmur's own /media/.

import { applyI18n, relativeTime, setLanguage, t } from "/static/i18n.js";
import { connect } from "/static/socket.js";

// Cards kept in the page; older ones are dropped so a wall can run for days.
const MAX_CARDS = 40;
// Text at most this long gets the larger type.
const SHORT_TEXT = 90;
const TIME_REFRESH_MS = 30_000;
const CURSOR_IDLE_MS = 3_000;

const slug = eventSlug();
const postsEl = document.getElementById("posts");
const emptyEl = document.getElementById("empty");
const errorEl = document.getElementById("error");
const statusEl = document.getElementById("status");
const statusText = document.getElementById("status-text");
const titleEl = document.getElementById("event-title");
const tagsEl = document.getElementById("hashtags");
const clockEl = document.getElementById("clock");

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
let hashtags = [];
let connection = "connecting";
let connectionCode;

function eventSlug() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}

// ---------------------------------------------------------------- cards

/** Media URLs are used only when they point at Murmur's own media cache. */
function isLocalMedia(url) {
  return typeof url === "string" && url.startsWith("/media/") && !url.includes("..");
}

function initials(name) {
  const words = String(name || "?").trim().split(/\s+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0] ?? "");
  return letters.join("").toUpperCase() || "?";
}

function hue(text) {
  let h = 0;
  for (const ch of String(text)) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function avatar(author) {
  const fallback = element("span", "avatar avatar--initials", initials(author.name));
  fallback.setAttribute("aria-hidden", "true");
  fallback.style.setProperty("--avatar-hue", String(hue(author.handle || author.name)));
  if (!isLocalMedia(author.avatar_url)) return fallback;
  const img = element("img", "avatar");
  img.alt = "";
  img.decoding = "async";
  img.width = 96;
  img.height = 96;
  img.addEventListener("error", () => img.replaceWith(fallback), { once: true });
  img.src = author.avatar_url;
  return img;
}

function handleText(handle) {
  if (!handle) return "";
  return handle.startsWith("@") ? handle : `@${handle}`;
}

const TAG_OR_MENTION = /((?<![\p{L}\p{N}_@#])[#@][\p{L}\p{N}_]+(?:@[\w-]+(?:\.[\w-]+)+)?)/u;

/** The text as nodes, hashtags and mentions in their own spans (all as text, never HTML). */
function highlighted(text) {
  return text.split(TAG_OR_MENTION).map((part, index) => {
    if (index % 2 === 0) return document.createTextNode(part);
    return element("span", part.startsWith("#") ? "card-hashtag" : "card-mention", part);
  });
}

function buildCard(post) {
  const author = post.author && typeof post.author === "object" ? post.author : {};
  const card = element("article", "card");
  card.dataset.id = String(post.id);
  if (post.network) card.dataset.network = String(post.network);

  const head = element("header", "card-author");
  head.append(avatar(author));
  const who = element("div", "card-who");
  who.append(element("span", "card-name", String(author.name || author.handle || "")));
  const handle = handleText(String(author.handle || ""));
  if (handle) who.append(element("span", "card-handle", handle));
  head.append(who);
  card.append(head);

  if (post.content_warning) {
    card.append(element("p", "card-cw", String(post.content_warning)));
  }

  const text = String(post.text ?? "");
  if (text) {
    const body = element("p", "card-text");
    body.append(...highlighted(text));
    if (text.length <= SHORT_TEXT) card.classList.add("card--short");
    card.append(body);
  }

  const media = Array.isArray(post.media)
    ? post.media.find((m) => m && isLocalMedia(m.url) && (m.kind ?? "image") === "image")
    : undefined;
  if (media) {
    const figure = element("figure", "card-media");
    const img = element("img");
    img.alt = String(media.alt ?? "");
    img.decoding = "async";
    if (Number.isInteger(media.width) && Number.isInteger(media.height)) {
      img.width = media.width;
      img.height = media.height;
    }
    img.addEventListener("error", () => figure.remove(), { once: true });
    img.src = media.url;
    figure.append(img);
    card.append(figure);
    card.classList.add("card--media");
  }

  const meta = element("footer", "card-meta");
  const time = element("time", "card-time");
  if (post.created_at) time.setAttribute("datetime", String(post.created_at));
  time.textContent = relativeTime(post.created_at);
  meta.append(time);
  if (post.network) meta.append(element("span", "card-network", String(post.network)));
  card.append(meta);
  return card;
}

// ---------------------------------------------------------------- state

function cardFor(id) {
  for (const card of postsEl.children) {
    if (card.dataset.id === String(id)) return card;
  }
  return null;
}

function trim() {
  while (postsEl.children.length > MAX_CARDS) drop(postsEl.lastElementChild);
}


function showSnapshot(posts) {
  const cards = [];
  const seen = new Set();
  for (const post of Array.isArray(posts) ? posts : []) {
    if (!post || post.id === undefined || seen.has(String(post.id))) continue;
    seen.add(String(post.id));
    cards.push(buildCard(post));
    if (cards.length >= MAX_CARDS) break;
  }
  for (const card of Array.from(postsEl.children)) drop(card);
  postsEl.replaceChildren(...cards.map(track));
  layout({ reflow: true });
}

// ---------------------------------------------------------------- layout
//
// Columns, like a masonry: the grid's own tracks (CSS decides how many fit) give the
// column width, and wall.js stacks the cards in them. A card keeps its column for life, so
// a new post only pushes down the cards of the one column it enters (the column whose top
// post is the oldest): the rest of the wall stays still and readable. Cards are placed
// with the `translate` property, so a transition slides them.

let layoutQueued = false;
let columnCount = 0;

function columnsOf(container) {
  const tracks = getComputedStyle(container).gridTemplateColumns.split(" ").map(parseFloat);
  return tracks.filter((width) => width > 0);
}

/** The column a new post enters: an empty one, else the one whose top post is the oldest. */
function columnForNewPost() {
  const count = Math.max(1, columnCount);
  const topIndex = new Array(count).fill(-1);
  Array.from(postsEl.children).forEach((card, index) => {
    const column = Number(card.dataset.column);
    if (column < count && topIndex[column] === -1) topIndex[column] = index;
  });
  const empty = topIndex.indexOf(-1);
  if (empty !== -1) return empty;
  return topIndex.indexOf(Math.max(...topIndex));
}

/**
 * Place every card. `instant` skips the slide (a burst of posts, a replay); `reflow`
 * deals all cards out again, newest first, each to the shortest column (a snapshot, or
 * a screen whose number of columns changed).
 */
function layout({ instant = false, reflow = false } = {}) {
  layoutQueued = false;
  const style = getComputedStyle(postsEl);
  const gap = parseFloat(style.columnGap) || 0;
  const left = parseFloat(style.paddingLeft) || 0;
  const top = parseFloat(style.paddingTop) || 0;
  const tracks = columnsOf(postsEl);
  const count = Math.max(1, tracks.length);
  const width = tracks[0] ?? postsEl.clientWidth - 2 * left;
  const cards = Array.from(postsEl.children);
  // Write every width, then read every height: one reflow, not one per card.
  for (const card of cards) card.style.width = `${width}px`;
  const cardHeights = cards.map((card) => card.offsetHeight);

  const dealt = reflow || count !== columnCount;
  columnCount = count;
  const heights = new Array(count).fill(0);
  const placed = [];
  cards.forEach((card, index) => {
    let column = Number(card.dataset.column);
    if (dealt || !(column >= 0 && column < count)) {
      column = heights.indexOf(Math.min(...heights));
      card.dataset.column = String(column);
    }
    const x = left + column * (width + gap);
    const y = top + heights[column];
    if (instant || dealt || !card.dataset.placed) {
      // Appear in place: do not slide in from the corner or across the wall.
      card.classList.add("card--placing");
      placed.push(card);
      card.dataset.placed = "true";
    }
    card.style.translate = `${x}px ${y}px`;
    heights[column] += cardHeights[index] + gap;
  });
  if (placed.length) {
    void postsEl.offsetHeight; // commit the positions before transitions come back
    for (const card of placed) card.classList.remove("card--placing");
  }
}

function queueLayout() {
  if (layoutQueued) return;
  layoutQueued = true;
  requestAnimationFrame(() => layout());
}

// A card changes height when its image loads or the screen is resized: lay out again.
const resizes = new ResizeObserver(queueLayout);
resizes.observe(postsEl);

function track(card) {
  resizes.observe(card);
  return card;
}

function drop(card) {
  resizes.unobserve(card);
  card.remove();
}

// Several posts in a short while (a replay after a reconnect, a moderator catching up):
// no animation, or the cards would be forever half-way somewhere.
const BURST_WINDOW_MS = 2_000;
const BURST_SIZE = 3;
let recentAdds = [];

function inBurst() {
  const now = performance.now();
  recentAdds = recentAdds.filter((at) => now - at < BURST_WINDOW_MS);
  recentAdds.push(now);
  return recentAdds.length >= BURST_SIZE;
}

function addPost(post) {
  if (!post || post.id === undefined) return;
  const existing = cardFor(post.id);
  if (existing) {
    // Already shown (a replay, or an edit): refresh it where it stands.
    const fresh = track(buildCard(post));
    fresh.dataset.column = existing.dataset.column ?? "";
    existing.replaceWith(fresh);
    resizes.unobserve(existing);
    layout();
    return;
  }
  const card = track(buildCard(post));
  card.dataset.column = String(columnForNewPost());
  const burst = inBurst();
  if (!reducedMotion.matches && !burst) {
    card.classList.add("card--new");
    card.addEventListener("animationend", (event) => {
      if (event.animationName === "card-glow") card.classList.remove("card--new");
    });
  }
  postsEl.prepend(card);
  trim();
  layout({ instant: burst });
}

function removePost(id) {
  // At once, no exit animation: a removed post must leave every screen now.
  const card = cardFor(id);
  if (!card) return;
  drop(card);
  layout();
}

function onMessage(message) {
  switch (message.type) {
    case "snapshot":
      showSnapshot(message.posts);
      break;
    case "post.approved":
      addPost(message.post);
      break;
    case "post.removed":
      removePost(message.id);
      break;
    default:
      return; // Messages for other clients, or newer than this page: ignore.
  }
  updateEmpty();
}

// ---------------------------------------------------------------- chrome

function updateEmpty() {
  emptyEl.hidden = postsEl.children.length > 0;
  document.body.dataset.count = String(postsEl.children.length);
}

function renderEmptyText() {
  const tags = hashtags.map((tag) => `#${tag}`);
  emptyEl.textContent = tags.length
    ? t("wall.empty", { tags: tags.join(t("wall.or")) })
    : t("wall.empty_no_tags");
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
  renderEmptyText();
  renderStatus();
  refreshTimes();
}

function refreshTimes() {
  const now = Date.now();
  for (const time of postsEl.querySelectorAll("time.card-time")) {
    time.textContent = relativeTime(time.getAttribute("datetime"), now);
  }
  clockEl.textContent = new Intl.DateTimeFormat(document.documentElement.lang, {
    hour: "2-digit",
    minute: "2-digit",
  }).format(now);
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

// ---------------------------------------------------------------- start

applyI18n();
titleEl.textContent = slug;
document.title = `${slug} — ${t("app.name")}`;
renderEmptyText();
renderStatus();
updateEmpty();
refreshTimes();
setInterval(refreshTimes, TIME_REFRESH_MS);
hideIdleCursor();
keepAwake();
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") keepAwake();
});

loadEvent();

const socket = connect(`/ws/wall/${encodeURIComponent(slug)}`, {
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

// For debugging from the console.
window.murmurWall = { socket };
