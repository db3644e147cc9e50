// A grid card given more height than its words need (its column's spare room, shared out
// by grid.js) sets its words larger rather than float them in an empty box: the post's
// text and the answer grow together, by one factor (`--grow`, wall.css), up to MAX_GROW.

// Larger would turn a short card into a shout louder than the posts beside it.
const MAX_GROW = 1.6;
// Worth growing for: below this share of the card's height, the room is a margin.
const MIN_SPARE = 0.06;
const STEP = 0.04;

/** Forget the growth (before measuring the card's own height). */
export function shrink(card) {
  card.style.removeProperty("--grow");
}

/**
 * Grow the words of `card` (already at its final height, with `--grow` unset) into the
 * room its body has spare. The text's height goes with the square of its size (lines
 * longer and taller), so the first guess is the square root of the room's share; it
 * comes down by steps until the whole card fits.
 */
export function grow(card) {
  const body = card.querySelector(":scope > .card-body");
  const texts = [...card.querySelectorAll(".card-text, .card-reply-text")];
  // A text cut at the floor is as large as the card allows already.
  if (!body || !texts.length || card.querySelector("[data-cut]")) return;
  const words = texts.reduce((sum, text) => sum + text.offsetHeight, 0);
  const inBody = body.querySelector(".card-text")?.offsetHeight ?? 0;
  const spare = body.clientHeight - inBody;
  if (words <= 0 || spare < MIN_SPARE * card.clientHeight) return;
  const fits = () =>
    card.scrollHeight <= card.clientHeight + 1 &&
    texts.every((text) => text.scrollWidth <= text.clientWidth + 1);
  let factor = Math.min(MAX_GROW, Math.sqrt((words + spare) / words));
  while (factor > 1 + STEP / 2) {
    card.style.setProperty("--grow", factor.toFixed(3));
    if (fits()) return;
    factor -= STEP;
  }
  shrink(card);
}
