// The wall's side of the moderation desk: the institution's answer shown with the post it
// answers (one conversation card), pinned posts, pictures a moderator hid, and the
// spotlight (one post full-screen for a moment). See docs/moderation-desk.md.
//
// Layout-agnostic: each function takes a card element built from a post by any layout,
// or the post itself. Post content and answers are hostile: textContent only.
//
// How the wall uses it (static/wall.js):
//   - every message first goes through onWallMessage(message), which handles the spotlight
//     and returns the message with hidden pictures taken out of its posts;
//   - `post.updated` is handled like `post.approved`: the card is rebuilt where it stands;
//   - every card built from a post: decorate(card, post) (static/wall/cards.js).

import { t } from "/static/i18n.js";
import { boostedLine, extras } from "/static/wall/extras.js";

const STYLESHEET = "/static/conversation.css";
const LOCAL_MEDIA = /^\/media\/[\w.-]+$/;

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The module's stylesheet, once per page (CSP allows 'self' stylesheets). */
function ensureStyles() {
  if (document.querySelector(`link[href="${STYLESHEET}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = STYLESHEET;
  document.head.append(link);
}

ensureStyles();

/** The post as screens may show it: without its pictures when a moderator hid them. */
export function forWall(post) {
  if (!post || typeof post !== "object" || !post.media_hidden) return post;
  return { ...post, media: [] };
}

/** Show `reply` ({text, by, at} or null) under the post's text in `cardEl`. */
export function renderReply(cardEl, reply) {
  for (const old of cardEl.querySelectorAll(":scope > .card-reply")) old.remove();
  const text = reply && typeof reply === "object" ? String(reply.text ?? "").trim() : "";
  cardEl.classList.toggle("card--answered", Boolean(text));
  if (!text) return;
  const section = element("section", "card-reply");
  section.append(element("p", "card-reply-label", t("conversation.answer")));
  const body = element("p", "card-reply-text", text);
  body.dir = "auto";
  section.append(body);
  // After the text and picture, before the footer (time, network) when there is one.
  const footer = cardEl.querySelector(":scope > .card-meta, :scope > footer");
  cardEl.insertBefore(section, footer ?? null);
}

/** Mark `cardEl` as pinned (a badge; layouts keep `[data-pinned="true"]` cards on screen). */
export function applyPinned(cardEl, pinned) {
  cardEl.dataset.pinned = pinned ? "true" : "false";
  for (const old of cardEl.querySelectorAll(":scope > .card-pin")) old.remove();
  if (pinned) cardEl.prepend(element("span", "card-pin", t("conversation.pinned")));
}

/** Take a hidden picture out of `cardEl` (when the card was built before the change). */
export function applyMediaHidden(cardEl, hidden) {
  if (!hidden) return;
  for (const figure of cardEl.querySelectorAll("figure")) figure.remove();
  cardEl.classList.remove("card--media");
}

/** Everything the desk adds to a post's card: pin, hidden picture, answer. */
export function decorate(cardEl, post) {
  if (!cardEl || !post || typeof post !== "object") return cardEl;
  applyPinned(cardEl, Boolean(post.pinned));
  applyMediaHidden(cardEl, Boolean(post.media_hidden));
  renderReply(cardEl, post.reply ?? null);
  return cardEl;
}

// ---------------------------------------------------------------- spotlight

let current = null; // {id, overlay, timer}

function spotlightCard(post) {
  const card = element("article", "spotlight-card");
  card.dataset.id = String(post.id);
  const author = post.author && typeof post.author === "object" ? post.author : {};
  const head = element("header", "spotlight-author");
  const name = element("span", "spotlight-name", String(author.name || author.handle || ""));
  name.dir = "auto";
  head.append(name);
  if (author.handle) {
    const handle = String(author.handle);
    const el = element("span", "spotlight-handle", handle.startsWith("@") ? handle : `@${handle}`);
    el.dir = "ltr";
    head.append(el);
  }
  const boosted = boostedLine(post);
  if (boosted) head.append(boosted);
  card.append(head);
  if (post.text) {
    const text = element("p", "spotlight-text", String(post.text));
    text.dir = "auto";
    card.append(text);
  }
  const more = extras(post);
  if (more.length) {
    const box = element("div", "card-extras");
    box.append(...more);
    card.append(box);
  }
  const media = post.media_hidden
    ? undefined
    : (Array.isArray(post.media) ? post.media : []).find(
        (m) => m && typeof m.url === "string" && LOCAL_MEDIA.test(m.url),
      );
  if (media) {
    const figure = element("figure", "spotlight-media");
    const img = element("img");
    img.alt = String(media.alt ?? "");
    img.decoding = "async";
    img.addEventListener("error", () => figure.remove(), { once: true });
    img.src = media.url;
    figure.append(img);
    card.append(figure);
  }
  renderReply(card, post.reply ?? null);
  return card;
}

/** Show `post` full-screen until `until` (an ISO date); a past `until` shows nothing. */
export function showSpotlight(post, until) {
  endSpotlight();
  const end = Date.parse(until ?? "");
  if (!post || typeof post !== "object" || !(end > Date.now())) return;
  const overlay = element("div", "spotlight");
  overlay.setAttribute("role", "region");
  overlay.setAttribute("aria-label", t("desk.card.spotlight"));
  overlay.append(spotlightCard(post));
  document.body.append(overlay);
  document.body.dataset.spotlight = String(post.id);
  current = { id: String(post.id), overlay, timer: setTimeout(endSpotlight, end - Date.now()) };
}

export function endSpotlight() {
  if (!current) return;
  clearTimeout(current.timer);
  current.overlay.remove();
  current = null;
  delete document.body.dataset.spotlight;
}

/**
 * Handle the spotlight in any wall message, and return the message as the layouts should
 * see it: the posts it carries without the pictures a moderator hid.
 */
export function onWallMessage(message) {
  spotlightFrom(message);
  if (!message || typeof message !== "object") return message;
  if (message.post) return { ...message, post: forWall(message.post) };
  if (Array.isArray(message.posts)) return { ...message, posts: message.posts.map(forWall) };
  return message;
}

function spotlightFrom(message) {
  switch (message?.type) {
    case "snapshot":
      if (message.spotlight) showSpotlight(message.spotlight.post, message.spotlight.until);
      else endSpotlight();
      break;
    case "spotlight":
      if (message.id === null || message.id === undefined) endSpotlight();
      else showSpotlight(message.post, message.until);
      break;
    case "post.removed":
      if (current && current.id === String(message.id)) endSpotlight();
      break;
    case "post.approved":
    case "post.updated":
      // An answer written while the post is in the spotlight shows there too.
      if (current && message.post && current.id === String(message.post.id)) {
        current.overlay.replaceChildren(spotlightCard(message.post));
      }
      break;
    default:
      break;
  }
}
