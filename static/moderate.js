// The moderator desk: the queue (pending, oldest first), what is on screen (approved,
// newest first) and what was turned down, live from /ws/moderate/{event}.
//
// Decisions go through the HTTP API; the server is the judge (compare-and-set), so a card
// shows what the server says, and a 409 tells the moderator who decided first.
// Several moderators share one truth: opening (selecting) a card reserves it for a short
// while, and every desk shows who holds which card and who is online (docs/moderation-desk.md).
// Post content is hostile: textContent and safe attributes only.

import { applyI18n, relativeTime, setLanguage, t } from "/static/i18n.js";
import { connect, loginUrl } from "/static/socket.js";
import { applyDeskStrings, dt } from "/static/desk-strings.js";
import { openAudit } from "/static/desk-audit.js";
import { swipeable } from "/static/swipe.js";
import { withEmoji } from "/static/wall/cards.js";

const MAX_ONSCREEN = 200;
const MAX_DECIDED = 150;
const TIME_REFRESH_MS = 15_000;
const TOAST_MS = { info: 3500, warning: 9000, error: 9000 };
// Selecting a card reserves it after this pause (arrow keys fly over cards without it).
const CLAIM_DELAY_MS = 250;
// A desk nobody touched for this long stops renewing its reservation: it lapses.
const IDLE_MS = 60_000;

// Which action each status allows, and where each status is shown.
const ACTIONS = {
  pending: ["approve", "reject"],
  approved: ["remove"],
  rejected: ["approve"],
  removed: ["restore"],
};
const STATUS_ACTIONS = new Set(["approve", "reject", "remove", "restore"]);
const COLUMN = { pending: "queue", approved: "onscreen", rejected: "decided", removed: "decided" };
const BUTTON_STYLE = {
  approve: "btn--ok",
  reject: "btn--danger-outline",
  remove: "btn--danger",
  restore: "btn--ok",
};
// What a swipe does on a card of each status.
const SWIPES = {
  pending: { right: "approve", left: "reject" },
  approved: { right: null, left: "remove" },
  rejected: { right: "approve", left: null },
  removed: { right: "restore", left: null },
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
const inflight = new Map(); // id -> the action in flight, which the next one waits for
const claims = new Map(); // id → {by, until}: who holds which card
const marked = new Set(); // ids selected for a bulk action
let moderators = []; // [{name, role}] online now
let me = "";
let role = "";
let desk = { undo_seconds: 10, claim_seconds: 30, spotlight_seconds: 15 };
let csrf = "";
let socket = null;
let connection = "connecting";
let connectionCode;
let selection = { column: "queue", id: null, index: 0 };
let paused = null; // null, or the Set of queue ids shown when the queue was paused
let selecting = false;
let spotlight = null; // {id, until, post} while a post is in the spotlight
let lastInput = Date.now();

function eventSlug() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}

const postUrl = (id, what) =>
  `/api/events/${encodeURIComponent(slug)}/posts/${encodeURIComponent(id)}/${what}`;

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

function firstImage(post) {
  return Array.isArray(post.media)
    ? post.media.find((m) => m && isLocalMedia(m.url) && (m.kind ?? "image") === "image")
    : undefined;
}

function thumbnail(post) {
  const media = firstImage(post);
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
  // Sensitive media and pictures behind a content warning stay blurred until tapped.
  if (post.sensitive || post.content_warning) {
    figure.dataset.sensitive = "true";
    const reveal = element("button", "card-reveal", t("mod.sensitive"));
    reveal.type = "button";
    reveal.dataset.reveal = "";
    frame.append(reveal);
  }
  if (post.media_hidden) {
    figure.dataset.hidden = "true";
    frame.append(element("span", "card-thumb-hidden", dt("card.media_hidden")));
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

/** The tools a card offers besides its status actions (shown on the selected card). */
function toolsFor(post) {
  const tools = [];
  if (post.status === "approved") {
    tools.push(post.pinned ? "unpin" : "pin", "spotlight");
  }
  if (post.status === "pending" || post.status === "approved") {
    tools.push("reply");
    if (firstImage(post)) tools.push(post.media_hidden ? "show-media" : "hide-media");
  }
  if (post.status !== "removed") tools.push("block-author");
  return tools;
}

function toolLabel(tool, post) {
  if (tool === "reply" && post.reply) return dt("tool.edit_reply");
  return dt(`tool.${tool}`);
}

function fillCard(card, post) {
  const author = post.author && typeof post.author === "object" ? post.author : {};
  const id = String(post.id);
  card.dataset.status = String(post.status);
  card.dataset.pinned = post.pinned ? "true" : "false";
  card.setAttribute("aria-busy", busy.has(id) ? "true" : "false");

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

  const parts = [];
  if (post.status === "pending") {
    // A big tap target for bulk selection, shown in selection mode.
    const mark = element("label", "card-mark");
    const box = element("input");
    box.type = "checkbox";
    box.dataset.mark = "";
    box.setAttribute("aria-label", dt("desk.mark"));
    mark.append(box);
    parts.push(mark);
  }
  parts.push(head);
  const claim = element("p", "card-claim");
  claim.hidden = true;
  parts.push(claim);

  const badges = [];
  if (post.pinned) badges.push(element("li", "card-badge card-badge--pinned", dt("card.pinned")));
  if (spotlight && String(spotlight.id) === id) {
    badges.push(element("li", "card-badge card-badge--spotlight", dt("card.spotlight")));
  }
  if (badges.length) {
    const list = element("ul", "card-badges");
    list.append(...badges);
    parts.push(list);
  }

  if (post.content_warning) {
    parts.push(element("p", "card-cw", t("mod.cw", { text: String(post.content_warning) })));
  }
  const body = element("div", "card-body");
  if (post.text) {
    const text = element("p", "card-text");
    text.append(...withEmoji([document.createTextNode(String(post.text))], post.emoji));
    body.append(text);
  }
  const thumb = thumbnail(post);
  if (thumb) {
    body.append(thumb);
    body.classList.add("card-body--media");
  }
  parts.push(body);

  if (post.reply && typeof post.reply === "object") {
    const reply = element("section", "card-reply");
    reply.append(element("p", "card-reply-label", dt("card.answer")));
    reply.append(element("p", "card-reply-text", String(post.reply.text ?? "")));
    if (post.reply.by) {
      reply.append(element("p", "card-reply-by", dt("card.answer_by", { who: post.reply.by })));
    }
    parts.push(reply);
  }

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
    button.disabled = busy.has(id);
    actions.append(button);
  }
  parts.push(actions);

  const tools = toolsFor(post);
  if (tools.length) {
    const row = element("div", "card-tools");
    for (const tool of tools) {
      const button = element("button", "btn btn--tool", toolLabel(tool, post));
      button.type = "button";
      button.dataset.tool = tool;
      button.disabled = busy.has(id);
      if (tool === "block-author") button.classList.add("btn--tool-danger");
      row.append(button);
    }
    parts.push(row);
  }

  card.replaceChildren(...parts);
  rendered.set(card, post);
  decorate(card);
}

/** What changes without the post changing: who holds the card, whether it is marked. */
function decorate(card) {
  const id = card.dataset.id;
  const claim = claims.get(id);
  const other = claim && claim.by !== me ? claim.by : null;
  if (other) card.dataset.claimedBy = other;
  else delete card.dataset.claimedBy;
  const label = card.querySelector(".card-claim");
  if (label) {
    label.hidden = !other;
    label.textContent = other ? dt("desk.claimed_by", { who: other }) : "";
  }
  const box = card.querySelector("input[data-mark]");
  if (box) box.checked = marked.has(id);
  card.classList.toggle("is-marked", marked.has(id));
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

function redrawAll() {
  for (const card of cards.values()) rendered.delete(card);
  scheduleRender();
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
  if (post.status !== "pending") marked.delete(id);
}

function forget(id) {
  posts.delete(id);
  postSeq.delete(id);
  marked.delete(id);
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
      showSpotlight(message.spotlight ?? null);
      break;
    case "post.queued":
    case "post.approved":
    case "post.rejected":
    case "post.updated":
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
      if (spotlight && String(spotlight.id) === String(message.id)) showSpotlight(null);
      break;
    }
    case "spotlight":
      showSpotlight(message.id === null ? null : message);
      break;
    case "claims":
      claims.clear();
      for (const claim of Array.isArray(message.claims) ? message.claims : []) {
        if (claim && claim.id !== undefined) claims.set(String(claim.id), claim);
      }
      for (const card of cards.values()) decorate(card);
      return;
    case "presence":
      moderators = Array.isArray(message.moderators) ? message.moderators : [];
      renderPresence();
      return;
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
  const waiting = grouped.queue.length;
  // A paused queue keeps showing what it showed; newcomers wait below the note.
  const shownQueue = paused ? grouped.queue.filter((p) => paused.has(String(p.id))) : grouped.queue;
  reconcile(lists.queue, shownQueue.map(cardFor));
  reconcile(lists.onscreen, grouped.onscreen.map(cardFor));
  reconcile(lists.decided, grouped.decided.map(cardFor));
  for (const [id, card] of cards) {
    if (!posts.has(id)) {
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
  $("queue-empty").hidden = shownQueue.length > 0 || Boolean(paused);
  $("onscreen-empty").hidden = grouped.onscreen.length > 0;
  $("decided-empty").hidden = grouped.decided.length > 0;
  document.body.dataset.pending = String(waiting);
  renderOldest(grouped.queue[0]);
  renderPaused(waiting - shownQueue.length);
  renderBulk();
  keepSelection(hadFocus);
}

function renderOldest(oldest) {
  const note = $("queue-oldest");
  note.textContent = oldest
    ? t("mod.queue_oldest", { age: relativeTime(oldest.received_at ?? oldest.created_at) })
    : "";
}

function renderPaused(hiddenCount) {
  const note = $("queue-paused");
  const button = $("pause");
  button.textContent = paused ? dt("desk.resume") : dt("desk.pause");
  button.setAttribute("aria-pressed", paused ? "true" : "false");
  document.body.dataset.paused = paused ? "true" : "false";
  note.hidden = !paused;
  note.textContent = !paused
    ? ""
    : hiddenCount > 0
      ? dt("desk.paused", { count: hiddenCount })
      : dt("desk.paused_none");
}

function renderPresence() {
  const list = $("presence");
  list.replaceChildren(
    ...moderators.map((m) => {
      const name = String(m.name ?? "");
      const item = element("li", "presence-user", name === me ? dt("desk.you", { name }) : name);
      item.dataset.name = name;
      item.dataset.role = String(m.role ?? "");
      item.style.setProperty("--avatar-hue", String(hue(name)));
      return item;
    }),
  );
}

function refreshTimes() {
  const now = Date.now();
  for (const time of document.querySelectorAll("time.card-time")) {
    time.textContent = relativeTime(time.getAttribute("datetime"), now);
  }
  const first = lists.queue.firstElementChild;
  renderOldest(first ? posts.get(first.dataset.id) : undefined);
}

function togglePause() {
  if (paused) {
    paused = null;
  } else {
    paused = new Set(Array.from(lists.queue.children, (card) => card.dataset.id));
  }
  render();
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
  const changed = selection.id !== id;
  selection = { column, id, index: Math.max(0, columnCards(column).indexOf(card)) };
  card.classList.add("is-selected");
  card.setAttribute("aria-current", "true");
  card.tabIndex = 0;
  if (focus) {
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }
  if (changed) wantClaim(id);
}

/** After a render: follow the selected card, or take its neighbour if it left the column. */
function keepSelection(hadFocus) {
  if (selection.id === null) return;
  const list = columnCards(selection.column);
  const card = cards.get(selection.id);
  if (card && list.includes(card)) {
    selection.index = list.indexOf(card);
    card.classList.add("is-selected");
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

// ---------------------------------------------------------------- claims

let claimTimer = 0;
let renewTimer = 0;
let claimedId = null; // the card this desk reserved last

/** The moderator opened a card: reserve it once they stay on it a moment. */
function wantClaim(id) {
  clearTimeout(claimTimer);
  clearTimeout(renewTimer);
  claimTimer = setTimeout(() => claim(id), CLAIM_DELAY_MS);
}

async function claim(id) {
  if (selection.id !== id || !posts.has(id)) return;
  const held = claims.get(id);
  if (held && held.by !== me) {
    releaseMine(); // the card shows who has it; ours, elsewhere, is free again
    return;
  }
  if (Date.now() - lastInput > IDLE_MS) return; // nobody at the desk: let it lapse
  let response;
  try {
    response = await request("POST", postUrl(id, "claim"), {});
  } catch {
    return; // the connection indicator says why; the next selection tries again
  }
  if (response.response.ok) {
    claimedId = id;
    clearTimeout(renewTimer);
    renewTimer = setTimeout(() => claim(id), (desk.claim_seconds * 1000) / 3);
  }
}

function releaseMine() {
  const id = claimedId;
  claimedId = null;
  if (id === null || claims.get(id)?.by !== me) return;
  request("POST", postUrl(id, "release"), {}).catch(() => {});
}

// ---------------------------------------------------------------- talking to the server

/** One API call; returns {response, body}; throws when the server cannot be reached. */
async function request(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let parsed = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = null;
  }
  return { response, body: parsed };
}

function toast(message, kind = "info", action = null) {
  toastEl.replaceChildren(document.createTextNode(message));
  if (action) {
    const button = element("button", "btn btn--primary toast-action", action.label);
    button.type = "button";
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      toastEl.dataset.visible = "false";
      action.run();
    });
    toastEl.append(" ", button);
  }
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
  for (const button of card.querySelectorAll("button[data-action], button[data-tool]")) {
    button.disabled = on;
  }
}

function conflictMessage(post) {
  const status = t(`status.${post.status}`);
  return post.decided_by
    ? t("mod.conflict_by", { status, who: post.decided_by })
    : t("mod.conflict", { status });
}

function doneText(kind, reply) {
  if (STATUS_ACTIONS.has(kind)) return t(`mod.done.${kind}`);
  if (kind === "block-author") return dt("done.block-author", { count: reply?.posts?.length ?? 0 });
  return dt(`done.${kind}`);
}

/**
 * Do `kind` to post `id` ("approve", "pin", "reply"…) and show the outcome: the new state
 * and an undo button, or why not. Returns the reply on success, null otherwise.
 */
async function perform(id, kind, options = {}) {
  // A second key pressed while an action on the same post is in flight waits its turn
  // (it used to be dropped without a word); each then succeeds or says why not.
  const before = inflight.get(id);
  const run = (async () => {
    if (before) await before.catch(() => null);
    return performNow(id, kind, options);
  })();
  inflight.set(id, run);
  try {
    return await run;
  } finally {
    if (inflight.get(id) === run) inflight.delete(id);
  }
}

async function performNow(id, kind, { method = "POST", path = kind, body = {}, onRefused } = {}) {
  if (busy.has(id)) return null;
  clearTimeout(claimTimer);
  setBusy(id, true);
  let result;
  try {
    result = await request(method, postUrl(id, path), body);
  } catch {
    setBusy(id, false);
    toast(t("mod.network_error"), "error");
    return null;
  }
  setBusy(id, false);
  const { response, body: reply } = result;
  if (response.ok && reply) {
    const seq = Number.isFinite(reply.seq) ? reply.seq : null;
    if (reply.post) remember(reply.post, seq);
    for (const post of Array.isArray(reply.posts) ? reply.posts : []) remember(post, seq);
    if (kind === "undo") {
      hideUndo();
      toast(dt("done.undo"));
    } else {
      offerUndo(id, doneText(kind, reply));
    }
    // Done, possibly after "Act anyway": the box it was typed in has served.
    if (kind === "reply" || kind === "withdraw-reply") replyDialog.close();
    if (kind === "block-author") blockDialog.close();
    scheduleRender();
    return reply;
  }
  if (response.status === 409 && reply?.post) remember(reply.post);
  if (onRefused && onRefused(response, reply)) {
    scheduleRender();
    return null;
  }
  if (response.status === 409 && reply?.claim) {
    // Someone else holds the card: say who, and let the moderator act anyway.
    toast(String(reply.error), "warning", {
      label: dt("claim.act_anyway"),
      run: () => perform(id, kind, { method, path, body: { ...body, override: true } }),
    });
  } else if (response.status === 409 && reply?.post && STATUS_ACTIONS.has(kind)) {
    // The server's current state wins; say who decided first.
    toast(conflictMessage(reply.post), "warning");
  } else if (response.status === 409 && reply?.error) {
    toast(String(reply.error), "warning");
  } else if (response.status === 401) {
    location.assign(loginUrl());
    return null;
  } else if (response.status === 404) {
    forget(id);
    toast(t("mod.not_found"), "warning");
  } else if (response.status === 403) {
    toast(reply?.error ? String(reply.error) : t("mod.forbidden"), "error");
  } else {
    toast(reply?.error ? String(reply.error) : t("mod.error", { status: response.status }), "error");
  }
  scheduleRender();
  return null;
}

function act(id, action) {
  return perform(id, action);
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

/** A tool of the selected card (pin, spotlight, reply…), by key or by tap. */
function useTool(id, tool) {
  const post = posts.get(id);
  if (!post) return;
  const offered = toolsFor(post);
  // One key for both ways: p pins or unpins, m hides or shows the picture.
  const pick = { pin: ["pin", "unpin"], "hide-media": ["hide-media", "show-media"] }[tool] ?? [
    tool,
  ];
  const chosen = pick.find((name) => offered.includes(name));
  if (!chosen) return;
  if (chosen === "spotlight" && spotlight && String(spotlight.id) === id) {
    endSpotlight(); // s again on the post in the spotlight ends it
    return;
  }
  if (chosen === "reply") openReply(id);
  else if (chosen === "block-author") openBlock(id);
  else perform(id, chosen);
}

// ---------------------------------------------------------------- undo

let undoTarget = null; // {id, timer}

function offerUndo(id, message) {
  clearTimeout(undoTarget?.timer);
  $("undo-text").textContent = message;
  $("undo-bar").hidden = false;
  undoTarget = { id, timer: setTimeout(hideUndo, desk.undo_seconds * 1000) };
}

function hideUndo() {
  clearTimeout(undoTarget?.timer);
  undoTarget = null;
  $("undo-bar").hidden = true;
}

function undo() {
  if (undoTarget) perform(undoTarget.id, "undo");
}

// ---------------------------------------------------------------- bulk

function toggleMark(id) {
  const post = posts.get(id);
  if (!post || post.status !== "pending") return;
  if (marked.has(id)) marked.delete(id);
  else marked.add(id);
  if (marked.size) setSelecting(true);
  const card = cards.get(id);
  if (card) decorate(card);
  renderBulk();
}

function setSelecting(on) {
  selecting = on;
  if (!on) marked.clear();
  document.body.dataset.selecting = on ? "true" : "false";
  $("select-mode").setAttribute("aria-pressed", on ? "true" : "false");
  $("select-mode").textContent = on ? dt("desk.select_done") : dt("desk.select");
  for (const card of cards.values()) decorate(card);
  renderBulk();
}

function renderBulk() {
  const count = marked.size;
  $("bulk-bar").hidden = count === 0;
  $("bulk-count").textContent = dt("desk.marked", { count });
  $("bulk-approve").textContent = dt("desk.bulk_approve", { count });
  $("bulk-reject").textContent = dt("desk.bulk_reject", { count });
}

async function bulk(action) {
  const ids = Array.from(marked);
  if (!ids.length) return;
  let result;
  try {
    result = await request("POST", `/api/events/${encodeURIComponent(slug)}/posts/bulk`, {
      action,
      ids: ids.map(Number),
    });
  } catch {
    toast(t("mod.network_error"), "error");
    return;
  }
  const { response, body } = result;
  if (!response.ok || !Array.isArray(body?.results)) {
    if (response.status === 401) location.assign(loginUrl());
    else toast(body?.error ? String(body.error) : t("mod.error", { status: response.status }), "error");
    return;
  }
  const refused = [];
  for (const outcome of body.results) {
    if (outcome.post) remember(outcome.post, outcome.status === 200 ? (outcome.seq ?? null) : null);
    if (outcome.status !== 200) refused.push(outcome);
  }
  setSelecting(false);
  const ok = body.results.length - refused.length;
  if (refused.length) {
    toast(
      dt("desk.bulk_done", { ok, failed: refused.length, first: String(refused[0].error ?? "") }),
      "warning",
    );
  } else {
    toast(dt("desk.bulk_all_done", { count: ok }));
  }
  scheduleRender();
}

// ---------------------------------------------------------------- replies

const replyDialog = $("reply-dialog");
let replying = null; // {id, replaces}

function openReply(id) {
  const post = posts.get(id);
  if (!post) return;
  replying = { id, replaces: post.reply?.at ?? null };
  $("reply-post").textContent = String(post.text ?? "");
  $("reply-text").value = String(post.reply?.text ?? "");
  $("reply-withdraw").hidden = !post.reply;
  $("reply-error").textContent = "";
  countReply();
  replyDialog.showModal();
  $("reply-text").focus();
}

function countReply() {
  $("reply-count").textContent = dt("reply.count", {
    count: $("reply-text").value.length,
    max: 500,
  });
}

async function saveReply(withdraw) {
  if (!replying) return;
  const { id, replaces } = replying;
  const text = $("reply-text").value.trim();
  if (!withdraw && !text) {
    $("reply-error").textContent = dt("reply.empty");
    return;
  }
  const refused = (response, body) => {
    if (response.status !== 409 && response.status !== 400) return false;
    // Keep the dialog open with what the moderator wrote; saving again replaces the newer
    // answer on purpose.
    $("reply-error").textContent = String(body?.error ?? "");
    if (body?.post && replying?.id === id) replying.replaces = body.post.reply?.at ?? null;
    return !body?.claim;
  };
  const done = await perform(id, withdraw ? "withdraw-reply" : "reply", {
    method: withdraw ? "DELETE" : "PUT",
    path: "reply",
    body: withdraw ? { replaces } : { text, replaces },
    onRefused: refused,
  });
  if (done) {
    replying = null;
    replyDialog.close();
  }
}

$("reply-form").addEventListener("submit", (event) => {
  event.preventDefault();
  saveReply(false);
});
$("reply-withdraw").addEventListener("click", () => saveReply(true));
$("reply-cancel").addEventListener("click", () => replyDialog.close());
$("reply-text").addEventListener("input", countReply);

// ---------------------------------------------------------------- author blocks

const blockDialog = $("block-dialog");
let blocking = null;

function openBlock(id) {
  const post = posts.get(id);
  if (!post) return;
  blocking = id;
  const handle = String(post.author?.handle ?? "");
  $("block-title").textContent = dt("block.title", {
    who: handle.startsWith("@") ? handle : `@${handle}`,
  });
  $("block-body").textContent = dt("block.body", { network: String(post.network ?? "") });
  $("block-why").value = "";
  $("block-remove").checked = false;
  $("block-error").textContent = "";
  blockDialog.showModal();
}

$("block-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (blocking === null) return;
  const id = blocking;
  const done = await perform(id, "block-author", {
    body: { why: $("block-why").value.trim(), remove_shown: $("block-remove").checked },
    onRefused: (response, body) => {
      $("block-error").textContent = String(body?.error ?? "");
      return response.status === 409 && !body?.claim;
    },
  });
  if (done) {
    blocking = null;
    blockDialog.close();
  }
});
$("block-cancel").addEventListener("click", () => blockDialog.close());

// ---------------------------------------------------------------- spotlight

let spotlightTimer = 0;

function showSpotlight(message) {
  clearTimeout(spotlightTimer);
  const until = message ? Date.parse(message.until ?? "") : Number.NaN;
  const live = message && message.id !== null && until > Date.now();
  const before = spotlight?.id;
  spotlight = live ? { id: message.id, until, post: message.post ?? null } : null;
  $("spotlight-bar").hidden = !live;
  if (live) {
    const handle = String(message.post?.author?.handle ?? message.id);
    $("spotlight-text").textContent = dt("spotlight.now", {
      who: handle.startsWith("@") ? handle : `@${handle}`,
    });
    spotlightTimer = setTimeout(() => showSpotlight(null), until - Date.now());
  }
  for (const id of [before, spotlight?.id]) {
    const card = id === undefined || id === null ? null : cards.get(String(id));
    if (card) rendered.delete(card);
  }
  scheduleRender();
}

async function endSpotlight() {
  try {
    await request("DELETE", `/api/events/${encodeURIComponent(slug)}/spotlight`, {});
  } catch {
    toast(t("mod.network_error"), "error");
  }
}

$("spotlight-end").addEventListener("click", endSpotlight);

// ---------------------------------------------------------------- audit (organisers)

$("audit-button").addEventListener("click", () =>
  openAudit(slug).catch(() => toast(t("mod.network_error"), "error")),
);

// ---------------------------------------------------------------- hands and keys

document.querySelector(".desk").addEventListener("click", (event) => {
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
  const post = posts.get(id);
  if (post) select(COLUMN[post.status], id, { focus: false });
  const button = event.target.closest("button[data-action]");
  if (button && !button.disabled) act(id, button.dataset.action);
  const tool = event.target.closest("button[data-tool]");
  if (tool && !tool.disabled) useTool(id, tool.dataset.tool);
});

swipeable(document.querySelector(".desk"), {
  selector: "article.card",
  actionsFor(card) {
    const post = posts.get(card.dataset.id);
    return post && !busy.has(card.dataset.id) ? (SWIPES[post.status] ?? {}) : {};
  },
  onSwipe(card, action) {
    const post = posts.get(card.dataset.id);
    if (post) select(COLUMN[post.status], card.dataset.id, { focus: false });
    act(card.dataset.id, action);
  },
});

const onSelected = (fn) => () => {
  if (selection.id !== null) fn(selection.id);
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
    lastInput = Date.now();
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

function toggleHelp() {
  if (help.open) help.close();
  else help.showModal();
}

$("help-button").addEventListener("click", toggleHelp);
$("help-close").addEventListener("click", () => help.close());
$("undo-button").addEventListener("click", undo);
$("pause").addEventListener("click", togglePause);
$("queue-paused").addEventListener("click", togglePause);
$("select-mode").addEventListener("click", () => setSelecting(!selecting));
$("bulk-approve").addEventListener("click", () => bulk("approve"));
$("bulk-reject").addEventListener("click", () => bulk("reject"));
$("bulk-clear").addEventListener("click", () => setSelecting(false));
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

async function loadDesk() {
  try {
    const response = await fetch(`/api/events/${encodeURIComponent(slug)}/desk`, {
      credentials: "same-origin",
    });
    if (response.ok) desk = { ...desk, ...(await response.json()) };
  } catch {
    // Defaults apply until the next page load.
  }
}

function relabel() {
  applyI18n();
  applyDeskStrings();
  renderStatus();
  renderPresence();
  setSelecting(selecting);
  redrawAll();
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
  applyDeskStrings();
  $("event-title").textContent = slug;
  document.title = t("mod.title", { title: slug });
  $("open-wall").href = `/wall/${encodeURIComponent(slug)}`;
  renderStatus();
  setSelecting(false);
  render();
  setInterval(refreshTimes, TIME_REFRESH_MS);

  const session = await loadSession();
  if (!session) return;
  csrf = String(session.csrf_token ?? "");
  me = String(session.username ?? "");
  role = String(session.role ?? "");
  const signedIn = t("mod.signed_in_as", { user: me });
  $("user").textContent = signedIn;
  $("logout").title = signedIn;
  document.body.dataset.user = me;
  document.body.dataset.role = role;
  $("audit-button").hidden = role !== "organiser";
  loadEvent();
  loadDesk();

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
