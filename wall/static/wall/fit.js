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
