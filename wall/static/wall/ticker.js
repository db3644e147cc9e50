// The ticker layout: a strip at the bottom of the screen where posts scroll by, one line
// each. New posts join the queue first; between them the strip keeps moving through
// earlier posts and the organiser's announcements, so it is never empty while there is
// anything to show. Items that have scrolled out are removed: the strip holds only what
// is (nearly) on screen.
//
// With prefers-reduced-motion, nothing scrolls: the strip shows one item at a time and
// turns to the next every PACE_MS.

import { authorOf, avatar, element, isLocalMedia, textBlock } from "/static/wall/cards.js";
import { t } from "/static/i18n.js";

const PACE_MS = 8_000;
// Scrolling speed, in font sizes per second: about eight characters a second, whatever
// the screen's resolution.
const SPEED_EM = 4.2;
// At most this many items are added in one frame (a long strip on a wide screen fills in
// a few frames).
const ADD_PER_FRAME = 2;

export function createTicker({ root, playlist, reducedMotion }) {
  root.className = "posts posts--ticker";
  const strip = element("div", "ticker");
  const track = element("div", "ticker-track");
  strip.append(track);
  root.replaceChildren(strip);

  let x = 0; // the track's offset, in px (negative: scrolled left)
  let width = 0; // the track's content width, in px
  let last = 0;
  let frame = 0;
  let pagedAt = 0;
  let destroyed = false;
  // A strip that starts full (a page load, a snapshot) rather than entering from the right.
  let startFull = true;

  function build(item) {
    const tick = element("div", "tick");
    if (item.kind === "post") {
      const post = item.post;
      const author = authorOf(post);
      tick.dataset.id = String(post.id);
      tick.append(avatar(author, 64));
      const name = element("span", "tick-name", String(author.name || author.handle || ""));
      name.dir = "auto";
      tick.append(name);
      tick.append(
        textBlock("span", "tick-text card-text", oneLine(post.text), post.language, post.emoji),
      );
      // The organisers' answer follows the question on the same line (Murmur's reply card).
      const answer = oneLine(String(post.reply?.text ?? ""));
      if (answer) {
        tick.classList.add("tick--answered");
        const reply = element("span", "card-reply tick-reply");
        reply.append(element("span", "tick-label tick-answer-label", t("conversation.answer")));
        const text = element("span", "tick-text tick-answer card-reply-text", answer);
        text.dir = "auto";
        reply.append(text);
        tick.append(reply);
      }
    } else {
      tick.classList.add("tick--announcement");
      tick.dataset.announcement = "true";
      tick.append(element("span", "tick-label", t("wall.announcement_short")));
      if (isLocalMedia(item.announcement.image)) {
        const img = element("img", "tick-image");
        img.alt = "";
        img.src = item.announcement.image;
        img.addEventListener("error", () => img.remove(), { once: true });
        tick.append(img);
      }
      tick.append(textBlock("span", "tick-text card-text", oneLine(item.announcement.text)));
    }
    return tick;
  }

  function nextItem() {
    const post = playlist.takeFresh();
    if (post) return { kind: "post", post };
    return playlist.rotation();
  }

  function gap() {
    return parseFloat(getComputedStyle(track).columnGap) || 0;
  }

  function append(item) {
    const tick = build(item);
    track.append(tick);
    width += tick.offsetWidth + gap();
  }

  function step(now) {
    frame = 0;
    if (destroyed) return;
    const dt = last ? Math.min(100, now - last) : 0;
    last = now;
    const size = parseFloat(getComputedStyle(track).fontSize) || 40;
    x -= (SPEED_EM * size * dt) / 1000;
    // Drop what has left on the left.
    let first = track.firstElementChild;
    while (first && x + first.offsetWidth + gap() < 0) {
      const out = first.offsetWidth + gap();
      x += out;
      width -= out;
      first.remove();
      first = track.firstElementChild;
    }
    // Keep the strip filled up to a screen's width past the right edge.
    for (let added = 0; added < ADD_PER_FRAME && x + width < strip.clientWidth * 2; added += 1) {
      const item = nextItem();
      if (!item) break;
      if (!track.childElementCount) x = startFull ? 0 : strip.clientWidth;
      startFull = false;
      append(item);
    }
    track.style.translate = `${Math.round(x)}px 0`;
    // Nothing to show: stop until the next beat or post.
    if (track.childElementCount) schedule();
  }

  function schedule() {
    if (!frame && !destroyed) frame = requestAnimationFrame(step);
  }

  function page(now = performance.now()) {
    // Reduced motion: one item at a time, no scrolling.
    pagedAt = now;
    const item = nextItem();
    x = 0;
    width = 0;
    track.style.translate = "0 0";
    track.replaceChildren();
    if (item) append(item);
  }

  function recount() {
    width = 0;
    for (const tick of track.children) width += tick.offsetWidth + gap();
  }

  function start() {
    cancelAnimationFrame(frame);
    frame = 0;
    last = 0;
    root.classList.toggle("posts--still", reducedMotion.matches);
    if (reducedMotion.matches) page();
    else schedule();
  }

  function remove(id) {
    // At once: a removed post must leave every screen now.
    for (const tick of Array.from(track.children)) {
      if (tick.dataset.id === String(id)) tick.remove();
    }
    recount();
    if (reducedMotion.matches && !track.childElementCount) page();
  }

  start();
  const onMotionChange = () => start();
  reducedMotion.addEventListener("change", onMotionChange);

  return {
    name: "ticker",
    reset() {
      track.replaceChildren();
      x = 0;
      width = 0;
      startFull = true;
      start();
    },
    add() {
      // Taken from the playlist's fresh queue as the strip moves on.
      if (reducedMotion.matches && !track.childElementCount) page();
      else schedule();
    },
    remove,
    beat(now) {
      if (reducedMotion.matches && now - pagedAt >= PACE_MS) page(now);
      else if (!reducedMotion.matches) schedule();
    },
    refresh() {
      if (!track.childElementCount) start();
    },
    relayout: recount,
    isEmpty: () => track.childElementCount === 0,
    destroy() {
      destroyed = true;
      cancelAnimationFrame(frame);
      reducedMotion.removeEventListener("change", onMotionChange);
      root.replaceChildren();
    },
  };
}

/** Line breaks become spaces: a ticker item is one line. */
function oneLine(text) {
  return String(text ?? "").replace(/\s+/gu, " ").trim();
}
