// What a post carries besides its words and pictures, on the wall and on the desk: who
// boosted it, its poll (with results once closed), the post it quotes, the page it links
// to (a card with its title, host and picture, served by Murmur). Everything is text
// (textContent); pictures only from Murmur's own /media/.

import { t } from "/static/i18n.js";
import { element, isLocalMedia } from "/static/wall/cards.js";

/** "Boosted by Claire": above the author line. */
export function boostedLine(post) {
  const by = post?.boosted_by;
  if (!by || typeof by !== "object") return null;
  const line = element("p", "card-boosted", t("wall.boosted_by", { name: String(by.name || by.handle || "") }));
  line.dir = "auto";
  return line;
}

function pollBlock(poll) {
  const options = Array.isArray(poll?.options) ? poll.options.slice(0, 10) : [];
  if (!options.length) return null;
  const total = options.reduce((sum, o) => sum + (Number(o.votes) || 0), 0);
  // Over the people who voted, when the network says (a multiple-choice poll's shares add
  // up to more than 100 %, as Mastodon shows them), else over the votes.
  const voters = Number(poll.voters);
  const base = Number.isInteger(voters) && voters > 0 ? voters : total;
  const results = Boolean(poll.closed) && total > 0;
  const list = element("ol", "card-poll");
  list.dataset.closed = String(Boolean(poll.closed));
  for (const option of options) {
    const item = element("li", "card-poll-option");
    const title = element("span", "card-poll-title", String(option.title ?? ""));
    title.dir = "auto";
    item.append(title);
    if (results) {
      const share = Math.min(100, Math.round(((Number(option.votes) || 0) / base) * 100));
      item.style.setProperty("--share", `${share}%`);
      item.append(element("span", "card-poll-share", `${share}\u00a0%`));
    }
    list.append(item);
  }
  const wrap = element("div", "card-poll-wrap");
  wrap.append(element("p", "card-poll-label", t(poll.closed ? "wall.poll_closed" : "wall.poll")), list);
  return wrap;
}

function quoteBlock(quote) {
  if (!quote || typeof quote !== "object" || !quote.text) return null;
  const block = element("blockquote", "card-quote");
  const who = quote.author && typeof quote.author === "object" ? quote.author : {};
  const name = element("p", "card-quote-author", String(who.name || who.handle || ""));
  name.dir = "auto";
  block.append(name);
  // The quoted post's own warning, above its words (a moderator chose to show them).
  if (quote.content_warning) {
    const warning = element("p", "card-quote-cw", String(quote.content_warning));
    warning.dir = "auto";
    block.append(warning);
  }
  const text = element("p", "card-quote-text", String(quote.text));
  text.dir = "auto";
  block.append(text);
  return block;
}

function host(url) {
  try {
    return new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return "";
  }
}

/** Whether the post's link card has a picture of Murmur's (hidden with its pictures). */
export function hasLinkPicture(post) {
  return isLocalMedia(post?.link?.image?.url);
}

function linkBlock(link, hidden) {
  if (!link || typeof link !== "object" || !link.title) return null;
  const card = element("div", "card-link");
  // The desk still shows a picture a moderator hid from the screens, marked so.
  if (hidden) card.dataset.hidden = "true";
  if (link.image && isLocalMedia(link.image.url)) {
    const img = element("img", "card-link-image");
    img.alt = "";
    img.decoding = "async";
    img.src = link.image.url;
    img.addEventListener("error", () => img.remove(), { once: true });
    card.append(img);
  }
  const words = element("div", "card-link-words");
  const title = element("p", "card-link-title", String(link.title));
  title.dir = "auto";
  words.append(title, element("p", "card-link-host", host(String(link.url ?? ""))));
  card.append(words);
  return card;
}

/** The blocks under a post's text: its poll, quoted post and link card (those it has). */
export function extras(post) {
  const link = linkBlock(post?.link, Boolean(post?.media_hidden));
  return [pollBlock(post?.poll), quoteBlock(post?.quote), link].filter(Boolean);
}
