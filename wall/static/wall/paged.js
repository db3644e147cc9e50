// Paged layouts: one item at a time, each on screen for at least PACE_MS.
//
// `single` is a library screen: one large post, its text fitted to the screen. `stage`
// is a lower third for video mixing, over a transparent or chroma-key background. New posts
// are shown in the order they arrived; when none arrived for display.quiet_seconds, earlier
// posts come back with the organiser's announcements between them.

import { buildAnnouncement, buildCard } from "/static/wall/cards.js";
import { fitTogether, vmin } from "/static/wall/fit.js";

export const PACE_MS = 8_000;
// How long the outgoing item may take to leave (its animation), at most.
const LEAVE_MS = 900;

// Text sizes, in vmin (1 % of the screen's smaller side): a floor readable from 10 m
// (about 37 px on a 1080p screen, 74 px on a 4K one) and a ceiling for a short cry.
const SIZES = {
  single: { min: 3.4, max: 9.5 },
  stage: { min: 2.8, max: 5.4 },
};

export function createPaged({ root, playlist, isQuiet, reducedMotion, variant }) {
  root.className = `posts posts--paged posts--${variant}`;
  root.replaceChildren();
  playlist.clearFresh();
  const sizes = SIZES[variant];

  let current = null; // {item, card, shownAt, fresh}
  let leaving = null;
  let leaveTimer = 0;

  const resizes = new ResizeObserver(() => fit());
  resizes.observe(root);

  /**
   * The post's text and the institution's answer are sized together: both as large as the
   * card allows, neither below the floor; what is still too long is cut at a word. The
   * card itself never overflows (nothing spills past its edge or off the screen).
   */
  /**
   * A poll, a quoted post and a link card share at most half the body (wall.css): those
   * that do not fit whole are left out, the link card first, never shown cut in half.
   */
  function fitExtras(card) {
    const box = card.querySelector(".card-extras");
    if (!box) return;
    const blocks = [...box.children];
    for (const block of blocks) block.style.removeProperty("display");
    while (blocks.length > 1 && box.scrollHeight > box.clientHeight + 1) {
      blocks.pop().style.display = "none";
    }
  }

  function fit() {
    if (!current) return;
    const card = current.card;
    fitExtras(card);
    const text = card.querySelector(".card-text");
    const box = card.querySelector(".card-body");
    if (!text || !box) return;
    const unit = vmin();
    const reply = card.querySelector(".card-reply");
    // The body holds the text and, under it, a poll, a quoted post or a link card.
    const fits = () =>
      text.offsetHeight <= box.clientHeight + 1 &&
      box.scrollHeight <= box.clientHeight + 1 &&
      text.scrollWidth <= text.clientWidth + 1 &&
      card.scrollHeight <= card.clientHeight + 1 &&
      (!reply || reply.scrollHeight <= reply.clientHeight + 1);
    fitTogether(card, { min: sizes.min * unit, max: sizes.max * unit, fits });
  }

  function finishLeaving() {
    clearTimeout(leaveTimer);
    leaveTimer = 0;
    if (leaving) leaving.remove();
    leaving = null;
  }

  function build(item) {
    return item.kind === "post"
      ? buildCard(item.post, variant)
      : buildAnnouncement(item.announcement, variant);
  }

  function show(item, { fresh = false, animate = !reducedMotion.matches } = {}) {
    finishLeaving();
    const card = build(item);
    if (current) {
      leaving = current.card;
      if (animate) {
        leaving.classList.add("card--leaving");
        leaving.setAttribute("aria-hidden", "true");
        leaveTimer = setTimeout(finishLeaving, LEAVE_MS);
      } else {
        finishLeaving();
      }
    }
    if (animate) card.classList.add("card--entering");
    root.append(card);
    current = { item, card, shownAt: performance.now(), fresh };
    fit();
    // A picture changes the room left for the text once it has loaded.
    const img = card.querySelector(".card-media img");
    if (img && !img.complete) img.addEventListener("load", fit, { once: true });
  }

  function clear() {
    finishLeaving();
    if (current) current.card.remove();
    current = null;
  }

  const showing = (post) => current?.item.kind === "post" && String(current.item.post.id) === String(post.id);

  function next({ animate } = {}) {
    const post = playlist.takeFresh();
    if (post) return show({ kind: "post", post }, { fresh: true, animate });
    const item = playlist.rotation((p) => showing(p) && playlist.size > 1);
    if (item) return show(item, { animate });
    return clear();
  }

  function add(post) {
    if (showing(post)) {
      // An edit of the post on screen: show the new text in place.
      playlist.fresh = playlist.fresh.filter((id) => id !== String(post.id));
      show({ kind: "post", post }, { fresh: true, animate: false });
      return;
    }
    const now = performance.now();
    if (!current || !current.fresh || now - current.shownAt >= PACE_MS) {
      const fresh = playlist.takeFresh();
      if (fresh) show({ kind: "post", post: fresh }, { fresh: true });
    }
  }

  function remove(id) {
    // At once: a removed post must leave every screen now.
    if (leaving?.dataset.id === String(id)) finishLeaving();
    if (current?.item.kind === "post" && String(current.item.post.id) === String(id)) {
      const card = current.card;
      current = null;
      card.remove();
      next({ animate: false });
    }
  }

  function reset(posts) {
    clear();
    if (posts.length) show({ kind: "post", post: posts[0] }, { fresh: true, animate: false });
    else next({ animate: false });
  }

  function beat(now) {
    if (current && now - current.shownAt < PACE_MS) return;
    if (!current || playlist.fresh.length || isQuiet()) next();
  }

  /** Announcements changed: an empty screen may now have something to show. */
  function refresh() {
    if (!current) next({ animate: false });
    else if (current.item.kind === "announcement") next();
  }

  return {
    name: variant,
    reset,
    add,
    remove,
    beat,
    refresh,
    relayout: fit,
    isEmpty: () => current === null,
    destroy() {
      resizes.disconnect();
      clear();
    },
  };
}
