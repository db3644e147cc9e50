// Building blocks shared by the wall's layouts: a post as a card, an announcement slide.
//
// Post content is hostile: every post-derived string goes in with textContent or a safe
// attribute, and images load only from Murmur's own /media/. Text elements carry
// dir="auto" so right-to-left and mixed scripts lay out by their own first strong letter.

import { relativeTime, t } from "/static/i18n.js";
import { decorate } from "/static/conversation.js";
import { boostedLine, extras } from "/static/wall/extras.js";

/** Media URLs are used only when they point at Murmur's own media cache. */
export function isLocalMedia(url) {
  return typeof url === "string" && /^\/media\/[\w.-]+$/.test(url) && !url.includes("..");
}

export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
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

export function avatar(author, size = 96) {
  const fallback = element("span", "avatar avatar--initials", initials(author.name));
  fallback.setAttribute("aria-hidden", "true");
  fallback.style.setProperty("--avatar-hue", String(hue(author.handle || author.name)));
  if (!isLocalMedia(author.avatar_url)) return fallback;
  const img = element("img", "avatar");
  img.alt = "";
  img.decoding = "async";
  img.width = size;
  img.height = size;
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
export function highlighted(text) {
  return String(text)
    .split(TAG_OR_MENTION)
    .map((part, index) => {
      if (index % 2 === 0) return document.createTextNode(part);
      const span = element("span", part.startsWith("#") ? "card-hashtag" : "card-mention", part);
      // Isolated, in its own direction: "#JPO2026" stays so inside an Arabic sentence.
      span.dir = "auto";
      return span;
    });
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const SHORTCODE = /:([A-Za-z0-9_]{1,64}):/;
const EMOJI_URL = /^\/media\/[0-9a-f]{32}(-\d+)?\.webp$/;

/** Custom emoji (`:shortcode:`) in text nodes become their pictures, served by Murmur. */
export function withEmoji(nodes, emoji) {
  const pictures = new Map();
  for (const e of Array.isArray(emoji) ? emoji : []) {
    if (e && typeof e.shortcode === "string" && EMOJI_URL.test(String(e.url))) {
      pictures.set(e.shortcode, String(e.url));
    }
  }
  if (!pictures.size) return nodes;
  return nodes.flatMap((node) => {
    if (node.nodeType !== Node.TEXT_NODE) return [node];
    return node.textContent.split(SHORTCODE).map((part, index) => {
      if (index % 2 === 0 || !pictures.has(part)) {
        return document.createTextNode(index % 2 === 0 ? part : `:${part}:`);
      }
      const img = document.createElement("img");
      img.className = "emoji";
      img.src = pictures.get(part);
      img.alt = `:${part}:`;
      img.title = `:${part}:`;
      img.decoding = "async";
      return img;
    });
  });
}

/** A text element for hostile text: dir="auto", the post's language when it is sane. */
export function textBlock(tag, className, text, language, emoji) {
  const el = element(tag, className);
  el.dir = "auto";
  if (typeof language === "string" && LANGUAGE.test(language)) el.lang = language;
  el.append(...withEmoji(highlighted(text), emoji));
  return el;
}

/**
 * How much larger (> 1) or smaller (< 1) than the base size a text of this length is set
 * in a grid card: a short cry is shouted, a long thread is set smaller. The floor keeps
 * the smallest text readable from 10 m (wall.css sets the base from the screen's size).
 */
export function lengthScale(text) {
  const length = Array.from(String(text)).length;
  const points = [
    [0, 1.5],
    [40, 1.5],
    [90, 1.28],
    [160, 1.06],
    [240, 0.96],
    [400, 0.92],
  ];
  for (let i = 1; i < points.length; i += 1) {
    const [x1, y1] = points[i];
    if (length <= x1) {
      const [x0, y0] = points[i - 1];
      return y0 + ((y1 - y0) * (length - x0)) / (x1 - x0 || 1);
    }
  }
  return points[points.length - 1][1];
}

export function firstImage(post) {
  return Array.isArray(post.media)
    ? post.media.find((m) => m && isLocalMedia(m.url) && (m.kind ?? "image") === "image")
    : undefined;
}

export function mediaFigure(media, className = "card-media") {
  const figure = element("figure", className);
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
  return figure;
}

// What the attendees' form (network "submit") puts when no name was given.
const UNNAMED = new Set(["anonymous", "anonyme"]);

/**
 * The author as the wall shows it. An attendee who posted from the phone page is shown
 * by the name they gave, else as "A visitor": never by their device's short id.
 */
export function authorOf(post) {
  const author = post.author && typeof post.author === "object" ? post.author : {};
  if (post.network !== "submit") return author;
  const given = String(author.name ?? "").trim();
  const name = given && !UNNAMED.has(given.toLowerCase()) ? given : t("wall.visitor");
  return { name, handle: "", avatar_url: author.avatar_url };
}

/** Where the post comes from, in words: the network's name, or "On site" for attendees. */
export function networkLabel(post) {
  if (!post.network) return "";
  return post.network === "submit" ? t("wall.on_site") : String(post.network);
}

export function authorLine(post, className = "card-author") {
  const author = authorOf(post);
  const head = element("header", className);
  head.append(avatar(author));
  const who = element("div", "card-who");
  const name = element("span", "card-name", String(author.name || author.handle || ""));
  name.dir = "auto";
  who.append(name);
  const handle = handleText(String(author.handle || ""));
  if (handle) {
    const el = element("span", "card-handle", handle);
    el.dir = "ltr";
    who.append(el);
  }
  head.append(who);
  return head;
}

export function metaLine(post) {
  const meta = element("footer", "card-meta");
  const time = element("time", "card-time");
  if (post.created_at) time.setAttribute("datetime", String(post.created_at));
  time.textContent = relativeTime(post.created_at);
  meta.append(time);
  const network = networkLabel(post);
  if (network) meta.append(element("span", "card-network", network));
  return meta;
}

/** A post as a card (grid, single, stage); `variant` adds a class for the layout. */
export function buildCard(post, variant = "") {
  const card = element("article", variant ? `card card--${variant}` : "card");
  card.dataset.id = String(post.id);
  if (post.network) card.dataset.network = String(post.network);
  const head = authorLine(post);
  // Who shared it sits with who wrote it: no row of its own in the paged layouts' grids.
  const boosted = boostedLine(post);
  if (boosted) head.querySelector(".card-who")?.prepend(boosted);
  card.append(head);

  if (post.content_warning) {
    const cw = element("p", "card-cw", String(post.content_warning));
    cw.dir = "auto";
    card.append(cw);
  }

  const text = String(post.text ?? "");
  const body = element("div", "card-body");
  if (text) {
    body.append(textBlock("p", "card-text", text, post.language, post.emoji));
    card.style.setProperty("--fit", lengthScale(text).toFixed(3));
  }
  const more = extras(post);
  if (more.length) {
    const box = element("div", "card-extras");
    box.append(...more);
    body.append(box);
  }
  card.append(body);

  const media = firstImage(post);
  if (media) {
    card.append(mediaFigure(media));
    card.classList.add("card--media");
  }
  card.append(metaLine(post));
  return decorate(card, post); // the desk's pin, hidden picture and answer
}

/** An organiser's announcement as a card: the text and, when given, its picture. */
export function buildAnnouncement(announcement, variant = "") {
  const card = element("article", `card card--announcement${variant ? ` card--${variant}` : ""}`);
  card.dataset.announcement = "true";
  const head = element("header", "card-author card-kicker");
  head.append(element("span", "announcement-mark"));
  head.append(element("span", "card-name", t("wall.announcement")));
  card.append(head);
  const text = String(announcement.text ?? "");
  const body = element("div", "card-body");
  body.append(textBlock("p", "card-text", text));
  card.style.setProperty("--fit", lengthScale(text).toFixed(3));
  card.append(body);
  if (isLocalMedia(announcement.image)) {
    card.append(mediaFigure({ url: announcement.image, alt: "" }));
    card.classList.add("card--media");
  }
  return card;
}

/** Refresh the relative times ("3 minutes ago") under root. */
export function refreshTimes(root, now = Date.now()) {
  for (const time of root.querySelectorAll("time.card-time")) {
    time.textContent = relativeTime(time.getAttribute("datetime"), now);
  }
}

// The desk shares these too (static/desk/card.js): initials and colours match the wall's.
export { hue, initials };
