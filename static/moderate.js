// The moderator desk: the queue (pending, oldest first), what is on screen (approved,
// newest first) and what was turned down, live from /ws/moderate/{event}.
//
// Decisions go through the HTTP API; the server is the judge (compare-and-set), so a card
// shows what the server says, and a 409 tells the moderator who decided first.
// Post content is hostile: textContent and safe attributes only.

import { applyI18n, relativeTime, setLanguage, t } from "/static/i18n.js";
import { connect, loginUrl } from "/static/socket.js";

const MAX_ONSCREEN = 200;
const MAX_DECIDED = 150;
const TIME_REFRESH_MS = 15_000;
const TOAST_MS = { info: 3500, warning: 9000, error: 9000 };

// Which action each status allows, and where each status is shown.
const ACTIONS = {
  pending: ["approve", "reject"],
  approved: ["remove"],
  rejected: ["approve"],
  removed: ["restore"],
};
const COLUMN = { pending: "queue", approved: "onscreen", rejected: "decided", removed: "decided" };
const BUTTON_STYLE = {
  approve: "btn--ok",
  reject: "btn--danger-outline",
  remove: "btn--danger",
  restore: "btn--ok",
};

const slug = eventSlug();
const $ = (id) => document.getElementById(id);
const lists = { queue: $("queue-list"), onscreen: $("onscreen-list"), decided: $("decided-list") };
const toastEl = $("toast");
const help = $("help");

const posts = new Map(); // id → post, as the server last described it
const postSeq = new Map(); // id → seq of the change last applied to it
const cards = new Map(); // id → <article>
const rendered = new WeakMap(); // <article> → the post object it shows
const busy = new Set(); // ids with an action in flight
let csrf = "";
let socket = null;
let connection = "connecting";
let connectionCode;
let selection = { column: "queue", id: null, index: 0 };

function eventSlug() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}

// ---------------------------------------------------------------- cards

function isLocalMedia(url) {
  return typeof url === "string" && url.startsWith("/media/") && !url.includes("..");
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function initials(name) {
  const words = String(name || "?").trim().split(/\s+/u).filter(Boolean);
  return words.slice(0, 2).map((w) => Array.from(w)[0] ?? "").join("").toUpperCase() || "?";
}

function hue(text) {
  let h = 0;
  for (const ch of String(text)) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

function avatar(author) {
  const fallback = element("span", "avatar avatar--initials", initials(author.name));
  fallback.setAttribute("aria-hidden", "true");
  fallback.style.setProperty("--avatar-hue", String(hue(author.handle || author.name)));
  if (!isLocalMedia(author.avatar_url)) return fallback;
  const img = element("img", "avatar");
  img.alt = "";
  img.width = 48;
  img.height = 48;
  img.loading = "lazy";
  img.addEventListener("error", () => img.replaceWith(fallback), { once: true });
  img.src = author.avatar_url;
  return img;
}

function thumbnail(post) {
  const media = Array.isArray(post.media)
    ? post.media.find((m) => m && isLocalMedia(m.url) && (m.kind ?? "image") === "image")
    : undefined;
  if (!media) return null;
  const figure = element("figure", "card-thumb");
  const frame = element("div", "card-thumb-frame");
  const img = element("img");
  img.alt = String(media.alt ?? "");
  img.loading = "lazy";
  img.decoding = "async";
  if (Number.isInteger(media.width) && Number.isInteger(media.height)) {
    img.width = media.width;
    img.height = media.height;
  }
  img.src = media.url;
  frame.append(img);
  if (post.sensitive) {
    figure.dataset.sensitive = "true";
    const reveal = element("button", "card-reveal", t("mod.sensitive"));
    reveal.type = "button";
    reveal.dataset.reveal = "";
    frame.append(reveal);
  }
  figure.append(frame);
  const caption = element("figcaption", "card-alt", String(media.alt || t("mod.no_alt")));
  if (!media.alt) caption.classList.add("card-alt--missing");
  figure.append(caption);
  return figure;
}

function decisionText(post) {
  if (post.status === "pending") return "";
  return post.decided_by
    ? t(`mod.by.${post.status}`, { who: post.decided_by })
    : t(`mod.auto.${post.status}`);
}

function fillCard(card, post) {
  const author = post.author && typeof post.author === "object" ? post.author : {};
  card.dataset.status = String(post.status);
  card.setAttribute("aria-busy", busy.has(String(post.id)) ? "true" : "false");

  const head = element("header", "card-head");
  head.append(avatar(author));
  const who = element("div", "card-who");
  who.append(element("span", "card-name", String(author.name || author.handle || "")));
  if (author.handle) {
    const handle = String(author.handle);
    who.append(element("span", "card-handle", handle.startsWith("@") ? handle : `@${handle}`));
  }
  head.append(who);
  const meta = element("div", "card-meta");
  if (post.network) meta.append(element("span", "card-network", String(post.network)));
  const time = element("time", "card-time", relativeTime(post.created_at));
  if (post.created_at) time.setAttribute("datetime", String(post.created_at));
  meta.append(time);
  head.append(meta);

  const parts = [head];
  if (post.content_warning) {
    parts.push(element("p", "card-cw", t("mod.cw", { text: String(post.content_warning) })));
  }
  const body = element("div", "card-body");
  if (post.text) body.append(element("p", "card-text", String(post.text)));
  const thumb = thumbnail(post);
  if (thumb) {
    body.append(thumb);
    body.classList.add("card-body--media");
  }
  parts.push(body);

  const decision = decisionText(post);
  if (decision) parts.push(element("p", "card-decision", decision));
  if (post.reason) parts.push(element("p", "card-reason", String(post.reason)));

  if (Array.isArray(post.hashtags) && post.hashtags.length) {
    const tags = element("ul", "card-tags");
    for (const tag of post.hashtags) {
      tags.append(element("li", "card-tag", `#${String(tag).replace(/^#/, "")}`));
    }
    parts.push(tags);
  }

  const actions = element("div", "card-actions");
  for (const action of ACTIONS[post.status] ?? []) {
    const button = element("button", `btn ${BUTTON_STYLE[action]}`, t(`action.${action}`));
    button.type = "button";
    button.dataset.action = action;
    button.disabled = busy.has(String(post.id));
    actions.append(button);
  }
  parts.push(actions);

  card.replaceChildren(...parts);
  rendered.set(card, post);
}

function cardFor(post) {
  const id = String(post.id);
  let card = cards.get(id);
  if (!card) {
    card = element("article", "card");
    card.dataset.id = id;
    card.tabIndex = -1;
    cards.set(id, card);
  }
  if (rendered.get(card) !== post) fillCard(card, post);
  return card;
}

// ---------------------------------------------------------------- state

const stamp = (post) => Date.parse(post.received_at ?? post.created_at ?? "") || 0;
const decidedStamp = (post) => Date.parse(post.decided_at ?? "") || stamp(post);

function oldestFirst(a, b) {
  return stamp(a) - stamp(b) || Number(a.id) - Number(b.id);
}

function newestDecidedFirst(a, b) {
  return decidedStamp(b) - decidedStamp(a) || Number(b.id) - Number(a.id);
}

/** Record what the server says about a post, unless we already know a later state. */
function remember(post, seq = null) {
  if (!post || typeof post !== "object" || post.id === undefined || post.id === null) return;
  if (post.event && post.event !== slug) return;
  const id = String(post.id);
  const known = postSeq.get(id);
  if (seq !== null && known !== undefined && seq < known) return;
  posts.set(id, post);
  if (seq !== null) postSeq.set(id, seq);
}

function forget(id) {
  posts.delete(id);
  postSeq.delete(id);
}

function groups() {
  const result = { queue: [], onscreen: [], decided: [] };
  for (const post of posts.values()) result[COLUMN[post.status]]?.push(post);
  result.queue.sort(oldestFirst);
  result.onscreen.sort(newestDecidedFirst);
  result.decided.sort(newestDecidedFirst);
  // A long event: keep memory bounded by forgetting the oldest decisions.
  for (const post of result.onscreen.splice(MAX_ONSCREEN)) forget(String(post.id));
  for (const post of result.decided.splice(MAX_DECIDED)) forget(String(post.id));
  return result;
}

function applyMessage(message) {
  switch (message.type) {
    case "snapshot":
      posts.clear();
      postSeq.clear();
      for (const post of Array.isArray(message.posts) ? message.posts : []) {
        remember(post, message.seq);
      }
      break;
    case "post.queued":
    case "post.approved":
    case "post.rejected":
      remember(message.post, message.seq);
      break;
    case "post.removed": {
      const old = posts.get(String(message.id));
      if (old) {
        const removed = {
          ...old,
          status: "removed",
          decided_by: message.by ?? null,
          decided_at: new Date().toISOString(),
          reason: null,
        };
        remember(removed, message.seq);
      }
      break;
    }
    default:
      return;
  }
  scheduleRender();
}

// ---------------------------------------------------------------- rendering

let renderQueued = false;

/** Render once for a burst of messages (a replay after a reconnect can be long). */
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  const run = () => {
    if (!renderQueued) return;
    renderQueued = false;
    render();
  };
  requestAnimationFrame(run);
  setTimeout(run, 50);
}

/** Put exactly `wanted` in `container`, in order, moving only what is out of place. */
function reconcile(container, wanted) {
  wanted.forEach((card, index) => {
    const current = container.children[index];
    if (current !== card) container.insertBefore(card, current ?? null);
  });
  while (container.children.length > wanted.length) container.lastElementChild.remove();
}

function render() {
  const active = document.activeElement;
  const selectedCard = selection.id === null ? null : cards.get(selection.id);
  const hadFocus = Boolean(
    selectedCard && (selectedCard === active || selectedCard.contains(active)),
  );

  const grouped = groups();
  for (const [name, group] of Object.entries(grouped)) {
    reconcile(lists[name], group.map(cardFor));
  }
  for (const [id, card] of cards) {
    if (!posts.has(id)) {
      card.remove();
      cards.delete(id);
    }
  }

  $("queue-count").textContent = String(grouped.queue.length);
  $("queue-count").setAttribute("aria-label", t("mod.queue_count", { count: grouped.queue.length }));
  $("onscreen-count").textContent = String(grouped.onscreen.length);
  $("onscreen-count").setAttribute(
    "aria-label",
    t("mod.onscreen_count", { count: grouped.onscreen.length }),
  );
  $("decided-count").textContent = String(grouped.decided.length);
  $("queue-empty").hidden = grouped.queue.length > 0;
  $("onscreen-empty").hidden = grouped.onscreen.length > 0;
  $("decided-empty").hidden = grouped.decided.length > 0;
  document.body.dataset.pending = String(grouped.queue.length);
  renderOldest(grouped.queue[0]);
  keepSelection(hadFocus);
}

function renderOldest(oldest) {
  const note = $("queue-oldest");
  note.textContent = oldest
    ? t("mod.queue_oldest", { age: relativeTime(oldest.received_at ?? oldest.created_at) })
    : "";
}

function refreshTimes() {
  const now = Date.now();
  for (const time of document.querySelectorAll("time.card-time")) {
    time.textContent = relativeTime(time.getAttribute("datetime"), now);
  }
  const first = lists.queue.firstElementChild;
  renderOldest(first ? posts.get(first.dataset.id) : undefined);
}

// ---------------------------------------------------------------- selection

function columnCards(column) {
  return Array.from(lists[column].children);
}

function select(column, id, { focus = true } = {}) {
  const previous = selection.id === null ? null : cards.get(selection.id);
  if (previous) {
    previous.classList.remove("is-selected");
    previous.removeAttribute("aria-current");
    previous.tabIndex = -1;
  }
  const card = id === null ? null : cards.get(id);
  if (!card) {
    selection = { column, id: null, index: 0 };
    return;
  }
  selection = { column, id, index: Math.max(0, columnCards(column).indexOf(card)) };
  card.classList.add("is-selected");
  card.setAttribute("aria-current", "true");
  card.tabIndex = 0;
  if (focus) {
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }
}

/** After a render: follow the selected card, or take its neighbour if it left the column. */
function keepSelection(hadFocus) {
  if (selection.id === null) return;
  const list = columnCards(selection.column);
  const card = cards.get(selection.id);
  if (card && list.includes(card)) {
    selection.index = list.indexOf(card);
    if (hadFocus && document.activeElement !== card) card.focus({ preventScroll: true });
    return;
  }
  if (card) {
    card.classList.remove("is-selected");
    card.removeAttribute("aria-current");
    card.tabIndex = -1;
  }
  const next = list[Math.min(selection.index, list.length - 1)];
  if (next) {
    select(selection.column, next.dataset.id, { focus: hadFocus });
  } else {
    selection = { column: selection.column, id: null, index: 0 };
  }
}

function navigableColumns() {
  return $("decided").open ? ["queue", "onscreen", "decided"] : ["queue", "onscreen"];
}

function move(delta) {
  let column = selection.column;
  let list = columnCards(column);
  if (selection.id === null || !cards.has(selection.id)) {
    if (!list.length) {
      column = navigableColumns().find((name) => columnCards(name).length) ?? column;
      list = columnCards(column);
    }
    if (list.length) select(column, list[0].dataset.id);
    return;
  }
  const index = list.indexOf(cards.get(selection.id));
  const next = list[Math.max(0, Math.min(list.length - 1, index + delta))];
  if (next) select(column, next.dataset.id);
}

function switchColumn(delta) {
  const columns = navigableColumns();
  let at = columns.indexOf(selection.column);
  for (let step = 0; step < columns.length - 1; step += 1) {
    at = (at + delta + columns.length) % columns.length;
    const list = columnCards(columns[at]);
    if (list.length) {
      select(columns[at], list[Math.min(selection.index, list.length - 1)].dataset.id);
      return;
    }
  }
}

// ---------------------------------------------------------------- actions

function toast(message, kind = "info") {
  toastEl.textContent = message;
  toastEl.dataset.kind = kind;
  toastEl.dataset.visible = "true";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    toastEl.dataset.visible = "false";
  }, TOAST_MS[kind] ?? TOAST_MS.info);
}

function setBusy(id, on) {
  if (on) busy.add(id);
  else busy.delete(id);
  const card = cards.get(id);
  if (!card) return;
  card.setAttribute("aria-busy", on ? "true" : "false");
  for (const button of card.querySelectorAll("button[data-action]")) button.disabled = on;
}

function conflictMessage(post) {
  const status = t(`status.${post.status}`);
  return post.decided_by
    ? t("mod.conflict_by", { status, who: post.decided_by })
    : t("mod.conflict", { status });
}

async function act(id, action) {
  if (busy.has(id)) return;
  setBusy(id, true);
  let response;
  try {
    response = await fetch(
      `/api/events/${encodeURIComponent(slug)}/posts/${encodeURIComponent(id)}/${action}`,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: "{}",
        credentials: "same-origin",
      },
    );
  } catch {
    setBusy(id, false);
    toast(t("mod.network_error"), "error");
    return;
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  setBusy(id, false);

  if (response.ok && body && body.post) {
    remember(body.post, Number.isFinite(body.seq) ? body.seq : null);
    toast(t(`mod.done.${action}`));
  } else if (response.status === 409 && body && body.post) {
    // The server's current state wins; say who decided first.
    remember(body.post);
    toast(conflictMessage(body.post), "warning");
  } else if (response.status === 401) {
    location.assign(loginUrl());
    return;
  } else if (response.status === 404) {
    forget(id);
    toast(t("mod.not_found"), "warning");
  } else if (response.status === 403) {
    toast(body?.error ? String(body.error) : t("mod.forbidden"), "error");
  } else {
    toast(body?.error ? String(body.error) : t("mod.error", { status: response.status }), "error");
  }
  scheduleRender();
}

function actOnSelected(key) {
  if (selection.id === null) return;
  const post = posts.get(selection.id);
  if (!post) return;
  const allowed = ACTIONS[post.status] ?? [];
  // "a" approves what waits or was rejected, and restores what was removed.
  const action = key === "approve" && post.status === "removed" ? "restore" : key;
  if (allowed.includes(action)) act(selection.id, action);
}

document.querySelector(".desk").addEventListener("click", (event) => {
  const card = event.target.closest("article.card");
  if (!card) return;
  const reveal = event.target.closest("[data-reveal]");
  if (reveal) {
    reveal.closest(".card-thumb").dataset.revealed = "true";
    reveal.remove();
    return;
  }
  const post = posts.get(card.dataset.id);
  if (post) select(COLUMN[post.status], card.dataset.id, { focus: false });
  const button = event.target.closest("button[data-action]");
  if (button && !button.disabled) act(card.dataset.id, button.dataset.action);
});

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
  "?": () => toggleHelp(),
};

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
  if (help.open) {
    if (event.key === "?") {
      event.preventDefault();
      help.close();
    }
    return;
  }
  const handler = KEYS[event.key];
  if (!handler) return;
  event.preventDefault();
  handler();
});

function toggleHelp() {
  if (help.open) help.close();
  else help.showModal();
}

$("help-button").addEventListener("click", toggleHelp);
$("help-close").addEventListener("click", () => help.close());
toastEl.addEventListener("click", () => {
  toastEl.dataset.visible = "false";
});

$("logout").addEventListener("click", async () => {
  try {
    await fetch("/api/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: "{}",
      credentials: "same-origin",
    });
  } catch {
    toast(t("mod.logout_failed"), "error");
    return;
  }
  socket?.close();
  location.assign("/login");
});

// ---------------------------------------------------------------- start

function renderStatus() {
  document.body.dataset.connection = connection;
  const status = $("status");
  status.dataset.state = connection;
  const unknown = connection !== "online" && connectionCode === 4404;
  $("status-text").textContent = unknown ? t("conn.unknown_event") : t(`conn.${connection}`);
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
    if (typeof event.language === "string" && setLanguage(event.language)) relabel();
    const title = String(event.title ?? slug);
    $("event-title").textContent = title;
    document.title = t("mod.title", { title });
  } catch (err) {
    console.warn("murmur moderate: cannot load the event", err);
    setTimeout(loadEvent, 10_000);
  }
}

function relabel() {
  applyI18n();
  renderStatus();
  for (const card of cards.values()) rendered.delete(card);
  scheduleRender();
}

async function loadSession() {
  for (;;) {
    try {
      const response = await fetch("/api/session", { credentials: "same-origin" });
      if (response.status === 401) {
        location.assign(loginUrl());
        return null;
      }
      if (response.ok) return await response.json();
    } catch {
      // The server is unreachable: say so and retry below.
    }
    toast(t("conn.offline"), "error");
    await new Promise((resolve) => setTimeout(resolve, 3000 + Math.random() * 3000));
  }
}

async function start() {
  applyI18n();
  $("event-title").textContent = slug;
  document.title = t("mod.title", { title: slug });
  $("open-wall").href = `/wall/${encodeURIComponent(slug)}`;
  renderStatus();
  render();
  setInterval(refreshTimes, TIME_REFRESH_MS);

  const session = await loadSession();
  if (!session) return;
  csrf = String(session.csrf_token ?? "");
  const signedIn = t("mod.signed_in_as", { user: String(session.username ?? "") });
  $("user").textContent = signedIn;
  $("logout").title = signedIn;
  document.body.dataset.user = String(session.username ?? "");
  loadEvent();

  socket = connect(`/ws/moderate/${encodeURIComponent(slug)}`, {
    onMessage(message) {
      applyMessage(message);
      if (Number.isFinite(message.seq)) document.body.dataset.seq = String(message.seq);
    },
    onStatus(state, info) {
      connection = state;
      connectionCode = info.code;
      renderStatus();
    },
  });
  window.murmurDesk = { socket };
}

start();
