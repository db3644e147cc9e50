// The spotlight's words fitted to its card (the card itself is built by
// /static/conversation.js, shared with the desk): the post's text and the institution's
// answer take the largest size at which the whole card fits the screen, a short post
// beside a picture as large as the words' side allows; at the floor, the post is cut after
// a whole word, then the answer, rather than cut off at the card's edge.

import { cutToFit, restore, vmin } from "/static/wall/fit.js";

// In vmin (1 % of the screen's smaller side): the floor is the wall's (26 px on a 1080p
// screen, 52 px in 4K); the ceiling, a short cry across a hall.
const MIN = 2.4;
const MAX = 9;
// The answer a little smaller than the question it answers.
const REPLY_SCALE = 0.8;

function fit(card) {
  const text = card.querySelector(".spotlight-text");
  const reply = card.querySelector(".card-reply-text");
  for (const el of [text, reply]) if (el?.dataset.cut) restore(el);
  const unit = vmin();
  const min = MIN * unit;
  const fits = () => card.scrollHeight <= card.clientHeight + 1;
  const set = (size) => {
    if (text) text.style.fontSize = `${size}px`;
    if (reply) reply.style.fontSize = `${Math.max(min, size * REPLY_SCALE)}px`;
    return fits();
  };
  if (!text && !reply) return;
  if (set(MAX * unit)) return;
  if (!set(min)) {
    if (text && cutToFit(text, fits)) return;
    if (reply) cutToFit(reply, fits);
    return;
  }
  let low = min;
  let high = MAX * unit;
  // To within half a pixel: about eight layouts of one card.
  while (high - low > 0.5) {
    const mid = (low + high) / 2;
    if (set(mid)) low = mid;
    else high = mid;
  }
  set(Math.floor(low * 2) / 2);
}

function fitShown() {
  const card = document.querySelector(".spotlight > .spotlight-card");
  if (!card) return;
  fit(card);
  // The picture takes its room once it has loaded: fit the words to what is left.
  const img = card.querySelector(".spotlight-media img");
  if (img && !img.complete) img.addEventListener("load", () => fit(card), { once: true });
}

/** Fit every spotlight the page shows, now and whenever one appears or changes. */
export function fitSpotlights() {
  const observer = new MutationObserver((changes) => {
    const touched = changes.some((change) =>
      [...change.addedNodes].some(
        (node) => node.nodeType === Node.ELEMENT_NODE && node.matches(".spotlight, .spotlight-card"),
      ),
    );
    if (touched) fitShown();
  });
  observer.observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", fitShown);
  return { refit: fitShown };
}
