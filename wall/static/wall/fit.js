// Fit text: the largest font size at which a text fits its box, between a floor (readable
// from 10 m) and a ceiling. Short posts grow, long ones shrink. A text too long to fit at
// the floor is cut at a whole line, with an ellipsis, rather than set any smaller.

/** One percent of the screen's smaller side, in CSS pixels (what `1vmin` is). */
export function vmin() {
  return Math.min(window.innerWidth, window.innerHeight) / 100;
}

/**
 * Set `text`'s font size so that it fits inside `box` (its height and width), between
 * `min` and `max` CSS pixels. Returns the size chosen.
 */
export function fitText(text, box, { min, max }) {
  text.classList.remove("is-clamped");
  text.style.removeProperty("--lines");
  const fits = (size) => {
    text.style.fontSize = `${size}px`;
    return (
      text.offsetHeight <= box.clientHeight + 1 && text.scrollWidth <= text.clientWidth + 1
    );
  };
  if (box.clientHeight <= 0 || box.clientWidth <= 0) {
    text.style.fontSize = `${min}px`;
    return min;
  }
  if (fits(max)) return max;
  let low = min;
  let high = max;
  if (!fits(low)) {
    // Too long even at the floor: keep the floor, show the lines that fit.
    const line = parseFloat(getComputedStyle(text).lineHeight) || min * 1.3;
    const lines = Math.max(1, Math.floor(box.clientHeight / line));
    text.style.setProperty("--lines", String(lines));
    text.classList.add("is-clamped");
    return min;
  }
  // Binary search to within half a pixel: about eight layouts.
  while (high - low > 0.5) {
    const mid = (low + high) / 2;
    if (fits(mid)) low = mid;
    else high = mid;
  }
  text.style.fontSize = `${Math.floor(low * 2) / 2}px`;
  return low;
}

// ---------------------------------------------------------------- cutting at a word

const ORIGINAL = new WeakMap(); // element -> its child nodes as built (before any cut)

/** Put back the whole text of `el` (undo cutTo). */
export function restore(el) {
  const nodes = ORIGINAL.get(el);
  if (nodes) el.replaceChildren(...nodes.map((node) => node.cloneNode(true)));
  delete el.dataset.cut;
}

/**
 * The words of `el`, as [node, start, end] pieces: a hashtag, a mention or a custom emoji
 * is one word (an element child), so a cut never falls inside one.
 */
function words(nodes) {
  const list = [];
  nodes.forEach((node, index) => {
    if (node.nodeType !== Node.TEXT_NODE) {
      list.push({ index, end: null });
      return;
    }
    const text = node.textContent;
    const pattern = /\S+/gu;
    let match;
    while ((match = pattern.exec(text))) list.push({ index, end: match.index + match[0].length });
  });
  return list;
}

/** Keep the first `count` words of `el` and an ellipsis. */
function cutTo(el, count) {
  const nodes = ORIGINAL.get(el);
  const list = words(nodes);
  if (count >= list.length) {
    restore(el);
    return;
  }
  const last = list[Math.max(0, count - 1)];
  const kept = [];
  for (let i = 0; i < last.index; i += 1) kept.push(nodes[i].cloneNode(true));
  if (count > 0) {
    const node = nodes[last.index];
    kept.push(
      last.end === null
        ? node.cloneNode(true)
        : document.createTextNode(node.textContent.slice(0, last.end)),
    );
  }
  kept.push(document.createTextNode("…"));
  el.replaceChildren(...kept);
  el.dataset.cut = "true";
}

/**
 * Cut `el` at the last whole word for which `fits()` holds (binary search over the word
 * count). The cut never falls inside a word, a hashtag or a mention.
 */
export function cutToFit(el, fits) {
  if (!ORIGINAL.has(el)) ORIGINAL.set(el, Array.from(el.childNodes, (n) => n.cloneNode(true)));
  restore(el);
  if (fits()) return true;
  const total = words(ORIGINAL.get(el)).length;
  let low = 0;
  let high = total;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    cutTo(el, mid);
    if (fits()) low = mid;
    else high = mid;
  }
  cutTo(el, low);
  return fits();
}

/**
 * Size a card's post text and its answer together, so that both fit `fits()`: one scale
 * for both (the answer a little smaller), between `min` and `max` CSS pixels; at the floor,
 * the post is cut at a word, then the answer. Returns the post text's size.
 */
export function fitTogether(card, { min, max, fits, replyScale = 0.85 }) {
  const text = card.querySelector(".card-text");
  const reply = card.querySelector(".card-reply-text");
  for (const el of [text, reply]) if (el && ORIGINAL.has(el)) restore(el);
  const set = (size) => {
    if (text) text.style.fontSize = `${size}px`;
    if (reply) reply.style.fontSize = `${Math.max(min, size * replyScale)}px`;
    return fits();
  };
  if (set(max)) return max;
  if (!set(min)) {
    if (text && cutToFit(text, fits)) return min;
    if (reply) cutToFit(reply, fits);
    return min;
  }
  let low = min;
  let high = max;
  while (high - low > 0.5) {
    const mid = (low + high) / 2;
    if (set(mid)) low = mid;
    else high = mid;
  }
  set(Math.floor(low * 2) / 2);
  return low;
}
