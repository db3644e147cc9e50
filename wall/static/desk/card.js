// A post as a desk card: compact, so that four wait in view on a 1024×768 tablet.
//
// One line says who and when, then the post's whole text (never cut: a moderator reads
// all of it before deciding) with a small picture beside it, then ONE line saying why the
// card is here: the rule's reason for a waiting post, or who decided. The big buttons sit
// beside the text; the selected card also shows its tools. The avatar, hashtag and emoji
// helpers are the wall's (static/wall/cards.js). Post content is hostile: textContent only.

import { relativeTime, t } from "/static/i18n.js";
import { ACTIONS, known, me, ui } from "/static/desk/state.js";
import { reasonText } from "/static/reasons.js";
import { avatar, element, firstImage, networkLabel, textBlock } from "/static/wall/cards.js";
import { boostedLine, extras, hasLinkPicture } from "/static/wall/extras.js";

const BUTTON_STYLE = {
  approve: "btn--ok",
  reject: "btn--danger-outline",
  remove: "btn--danger",
  restore: "btn--ok",
};

export const cards = new Map(); // id → <article>
const rendered = new WeakMap(); // <article> → the post object it shows

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
    frame.append(element("span", "card-thumb-hidden", t("desk.card.media_hidden")));
  }
  figure.append(frame);
  const caption = element("figcaption", "card-alt", String(media.alt || t("mod.no_alt")));
  if (!media.alt) caption.classList.add("card-alt--missing");
  figure.append(caption);
  return figure;
}

/** The post's text, with the hashtags it was found by that the text does not show. */
function postText(post) {
  const text = String(post.text ?? "");
  const p = textBlock("p", "card-text", text, post.language, post.emoji);
  const folded = text.toLowerCase();
  const extra = (Array.isArray(post.hashtags) ? post.hashtags : [])
    .map((tag) => `#${String(tag).replace(/^#/, "")}`)
    .filter((tag) => !folded.includes(tag.toLowerCase()));
  for (const tag of extra) p.append(" ", element("span", "card-hashtag card-hashtag--extra", tag));
  return text || extra.length ? p : null;
}

/** The reason, in the reader's language, unless it only repeats who decided. */
function ownReason(post) {
  if (post.why?.code === "decided") return "";
  const reason = reasonText(post).trim();
  if (!reason || !post.decided_by || post.why) return reason;
  const lower = reason.toLowerCase();
  const who = String(post.decided_by).toLowerCase();
  return /^\p{L}+ by /u.test(lower) && lower.endsWith(` by ${who}`) ? "" : reason;
}

/** The one line saying why the card is where it is. */
function whyLine(post) {
  if (post.status === "pending") {
    const reason = reasonText(post).trim();
    return reason ? element("p", "card-reason", reason) : null;
  }
  const decision = post.decided_by
    ? t(`mod.by.${post.status}`, { who: post.decided_by })
    : t(`mod.auto.${post.status}`);
  const line = element("p", "card-decision", decision);
  const reason = ownReason(post);
  if (reason) line.append(element("span", "card-reason", ` · ${reason}`));
  line.title = line.textContent;
  return line;
}

/** The tools a card offers besides its status actions (shown on the selected card). */
export function toolsFor(post) {
  const tools = [];
  if (post.status === "approved") tools.push(post.pinned ? "unpin" : "pin", "spotlight");
  if (post.status === "pending" || post.status === "approved") {
    tools.push("reply");
    if (firstImage(post) || hasLinkPicture(post)) {
      tools.push(post.media_hidden ? "show-media" : "hide-media");
    }
  }
  if (post.status !== "removed") tools.push("block-author");
  return tools;
}

function head(post, id) {
  const author = post.author && typeof post.author === "object" ? post.author : {};
  const row = element("header", "card-head");
  row.append(avatar(author, 28));
  const who = element("div", "card-who");
  const name = element("span", "card-name", String(author.name || author.handle || ""));
  name.dir = "auto";
  who.append(name);
  if (author.handle) {
    const handle = String(author.handle);
    const el = element("span", "card-handle", handle.startsWith("@") ? handle : `@${handle}`);
    el.dir = "ltr";
    who.append(el);
  }
  row.append(who);
  const meta = element("div", "card-meta");
  if (post.pinned) meta.append(element("span", "card-badge card-badge--pinned", t("desk.card.pinned")));
  if (known.spotlight && String(known.spotlight.id) === id) {
    meta.append(element("span", "card-badge card-badge--spotlight", t("desk.card.spotlight")));
  }
  // "On site" / "Sur place" for attendees' posts, as on the wall; a network by its name.
  if (post.network) meta.append(element("span", "card-network", networkLabel(post)));
  const time = element("time", "card-time", relativeTime(post.created_at));
  if (post.created_at) time.setAttribute("datetime", String(post.created_at));
  meta.append(time);
  row.append(meta);
  return row;
}

function buttons(post, id) {
  const actions = element("div", "card-actions");
  for (const action of ACTIONS[post.status] ?? []) {
    const button = element("button", `btn ${BUTTON_STYLE[action]}`, t(`action.${action}`));
    button.type = "button";
    button.dataset.action = action;
    button.disabled = ui.busy.has(id);
    actions.append(button);
  }
  return actions;
}

function toolRow(post, id) {
  const tools = toolsFor(post);
  if (!tools.length) return null;
  const row = element("div", "card-tools");
  for (const tool of tools) {
    const label = tool === "reply" && post.reply ? t("desk.tool.edit_reply") : t(`desk.tool.${tool}`);
    const button = element("button", "btn btn--tool", label);
    button.type = "button";
    button.dataset.tool = tool;
    button.disabled = ui.busy.has(id);
    if (tool === "block-author") button.classList.add("btn--tool-danger");
    row.append(button);
  }
  return row;
}

function fillCard(card, post) {
  const id = String(post.id);
  card.dataset.status = String(post.status);
  card.dataset.pinned = post.pinned ? "true" : "false";
  card.setAttribute("aria-busy", ui.busy.has(id) ? "true" : "false");

  const main = element("div", "card-main");
  if (post.status === "pending") {
    // A big tap target for bulk selection, shown in selection mode.
    const mark = element("label", "card-mark");
    const box = element("input");
    box.type = "checkbox";
    box.dataset.mark = "";
    box.setAttribute("aria-label", t("desk.mark"));
    mark.append(box);
    main.append(mark);
  }
  const boosted = boostedLine(post);
  if (boosted) main.append(boosted);
  main.append(head(post, id));
  const claim = element("p", "card-claim");
  claim.hidden = true;
  main.append(claim);
  if (post.content_warning) {
    main.append(element("p", "card-cw", t("mod.cw", { text: String(post.content_warning) })));
  }
  const body = element("div", "card-body");
  const text = postText(post);
  if (text) body.append(text);
  const thumb = thumbnail(post);
  if (thumb) {
    body.append(thumb);
    body.classList.add("card-body--media");
  }
  main.append(body);
  // A poll, a quoted post, a link card: the moderator reads all of it before deciding.
  main.append(...extras(post));
  if (post.reply && typeof post.reply === "object") {
    const reply = element("section", "card-reply");
    reply.append(element("p", "card-reply-label", t("desk.card.answer")));
    const answer = element("p", "card-reply-text", String(post.reply.text ?? ""));
    answer.dir = "auto";
    reply.append(answer);
    if (post.reply.by) {
      reply.append(element("p", "card-reply-by", t("desk.card.answer_by", { who: post.reply.by })));
    }
    const out = publication(post.reply.published);
    if (out) reply.append(out);
    main.append(reply);
  }
  const why = whyLine(post);
  if (why) main.append(why);

  card.replaceChildren(...[main, buttons(post, id), toolRow(post, id)].filter(Boolean));
  rendered.set(card, post);
  decorate(card);
}

/** What changes without the post changing: who holds the card, whether it is marked. */
export function decorate(card) {
  const id = card.dataset.id;
  const claim = known.claims.get(id);
  const other = claim && claim.by !== me.name ? claim.by : null;
  if (other) card.dataset.claimedBy = other;
  else delete card.dataset.claimedBy;
  const label = card.querySelector(".card-claim");
  if (label) {
    label.hidden = !other;
    label.textContent = other ? t("desk.claimed_by", { who: other }) : "";
  }
  const box = card.querySelector("input[data-mark]");
  if (box) box.checked = ui.marked.has(id);
  card.classList.toggle("is-marked", ui.marked.has(id));
}

/** The card for `post`, built or rebuilt only when the post changed. */
export function cardFor(post) {
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

/** Rebuild this card at the next render (its post did not change, but what it shows did). */
export function invalidate(id) {
  const card = id === undefined || id === null ? null : cards.get(String(id));
  if (card) rendered.delete(card);
}

/** Rebuild every card at the next render (the language changed). */
export function invalidateAll() {
  for (const card of cards.values()) rendered.delete(card);
}

export function setBusy(id, on) {
  if (on) ui.busy.add(id);
  else ui.busy.delete(id);
  const card = cards.get(id);
  if (!card) return;
  card.setAttribute("aria-busy", on ? "true" : "false");
  for (const button of card.querySelectorAll("button[data-action], button[data-tool]")) {
    button.disabled = on;
  }
}

const WHY_CODES = new Set([
  "reply_not_allowed",
  "reply_post_not_found",
  "reply_rejected",
  "reply_unreachable",
  "reply_network_unavailable",
]);

/** Where the answer went on the post's network: a link, "sending…", or why not, in words. */
function publication(published) {
  if (!published || typeof published !== "object") return null;
  const network = { mastodon: "Mastodon", bluesky: "Bluesky", x: "X" }[published.network];
  const name = network ?? String(published.network ?? "");
  const line = element("p", "card-reply-published");
  line.dataset.state = String(published.state ?? "");
  if (published.state === "published" && typeof published.url === "string" &&
      /^https?:\/\//.test(published.url)) {
    const link = element("a", "", t("desk.card.published", { network: name }));
    link.href = published.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    line.append(link);
    if (published.why === "reply_edit_unsupported") {
      line.append(" ", t("reply.why.reply_edit_unsupported", { network: name }));
    }
  } else if (published.state === "failed") {
    const why = WHY_CODES.has(published.why) ? published.why : "other";
    line.textContent = t("desk.card.publish_failed", { network: name, why: t(`reply.why.${why}`) });
  } else {
    line.textContent = t("desk.card.publishing", { network: name });
  }
  return line;
}
