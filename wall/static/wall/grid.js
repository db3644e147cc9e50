// The grid layout: a wall of cards in columns, newest first (a masonry).
//
// The grid's own tracks (CSS decides how many fit) give the column width, and this module
// stacks the cards in them. A card keeps its column for life, so a new post only pushes
// down the cards of the one column it enters (the column whose top post is the oldest):
// the rest of the wall stays still and readable. Cards are placed with the `translate`
// property, so a transition slides them. A card that does not fit whole above the bottom
// edge is hidden (`card--beyond`): the room never reads half a post.
//
// Quiet moments: earlier posts no longer in view come back to the top, and the
// organiser's announcements take a turn as cards.

import { buildAnnouncement, buildCard } from "/static/wall/cards.js";

// Cards kept in the page; older ones are dropped so a wall can run for days.
export const MAX_CARDS = 40;
// In a quiet moment, one item comes back this often.
const QUIET_STEP_MS = 10_000;
// Several posts in a short while (a replay after a reconnect, a moderator catching up):
// no animation, or the cards would be forever half-way somewhere.
const BURST_WINDOW_MS = 2_000;
const BURST_SIZE = 3;

export function createGrid({ root, playlist, isQuiet, reducedMotion }) {
  root.className = "posts posts--grid";
  root.replaceChildren();
  playlist.clearFresh();

  let layoutQueued = false;
  let columnCount = 0;
  let lastQuietStep = 0;
  const recentAdds = [];

  // A card changes height when its image loads or the screen is resized: lay out again.
  const resizes = new ResizeObserver(() => queueLayout());
  resizes.observe(root);

  function track(card) {
    resizes.observe(card);
    return card;
  }

  function drop(card) {
    resizes.unobserve(card);
    card.remove();
  }

  function cards() {
    return Array.from(root.children);
  }

  function cardFor(id) {
    for (const card of root.children) {
      if (card.dataset.id === String(id)) return card;
    }
    return null;
  }

  /** Keep at most MAX_CARDS cards: the oldest go first, but a pinned post stays on screen. */
  function trim() {
    while (root.children.length > MAX_CARDS) {
      let victim = root.lastElementChild;
      while (victim && victim.dataset.pinned === "true") victim = victim.previousElementSibling;
      drop(victim ?? root.lastElementChild);
    }
  }

  function columnsOf() {
    const tracks = getComputedStyle(root).gridTemplateColumns.split(" ").map(parseFloat);
    return tracks.filter((width) => width > 0);
  }

  /** The column a new card enters: an empty one, else the one whose top card is the oldest. */
  function columnForNewCard() {
    const count = Math.max(1, columnCount);
    const topIndex = new Array(count).fill(-1);
    cards().forEach((card, index) => {
      const column = Number(card.dataset.column);
      if (column < count && topIndex[column] === -1) topIndex[column] = index;
    });
    const empty = topIndex.indexOf(-1);
    if (empty !== -1) return empty;
    return topIndex.indexOf(Math.max(...topIndex));
  }

  /**
   * Place every card. `instant` skips the slide (a burst of posts, a replay); `reflow`
   * deals all cards out again, newest first, each to the shortest column (a snapshot, or
   * a screen whose number of columns changed).
   */
  function layout({ instant = false, reflow = false } = {}) {
    layoutQueued = false;
    if (!root.isConnected) return;
    const style = getComputedStyle(root);
    const gap = parseFloat(style.columnGap) || 0;
    const left = parseFloat(style.paddingLeft) || 0;
    const top = parseFloat(style.paddingTop) || 0;
    const bottom = root.clientHeight - (parseFloat(style.paddingBottom) || 0);
    const tracks = columnsOf();
    const count = Math.max(1, tracks.length);
    const width = tracks[0] ?? root.clientWidth - 2 * left;
    const all = cards();
    // Write every width, then read every height: one reflow, not one per card.
    for (const card of all) card.style.width = `${width}px`;
    const cardHeights = all.map((card) => card.offsetHeight);

    const dealt = reflow || count !== columnCount;
    columnCount = count;
    const heights = new Array(count).fill(0);
    const placed = [];
    all.forEach((card, index) => {
      let column = Number(card.dataset.column);
      if (dealt || !(column >= 0 && column < count)) {
        column = heights.indexOf(Math.min(...heights));
        card.dataset.column = String(column);
      }
      const x = left + column * (width + gap);
      const y = top + heights[column];
      // The first card of a column always shows; the others only when they fit whole.
      const beyond = heights[column] > 0 && y + cardHeights[index] > bottom;
      card.classList.toggle("card--beyond", beyond);
      if (instant || dealt || !card.dataset.placed) {
        // Appear in place: do not slide in from the corner or across the wall.
        card.classList.add("card--placing");
        placed.push(card);
        card.dataset.placed = "true";
      }
      card.style.translate = `${x}px ${y}px`;
      heights[column] += cardHeights[index] + gap;
    });
    if (placed.length) {
      void root.offsetHeight; // commit the positions before transitions come back
      for (const card of placed) card.classList.remove("card--placing");
    }
  }

  let instantPending = false;

  /** Lay out at the next frame, once for any number of changes before it. */
  function queueLayout({ instant = false } = {}) {
    if (instant) instantPending = true;
    if (layoutQueued) return;
    layoutQueued = true;
    requestAnimationFrame(() => {
      const wasInstant = instantPending;
      instantPending = false;
      if (layoutQueued) layout({ instant: wasInstant });
    });
  }

  function inBurst() {
    const now = performance.now();
    while (recentAdds.length && now - recentAdds[0] >= BURST_WINDOW_MS) recentAdds.shift();
    recentAdds.push(now);
    if (recentAdds.length > BURST_SIZE) recentAdds.shift();
    return recentAdds.length >= BURST_SIZE;
  }

  function glow(card) {
    card.classList.add("card--new");
    card.addEventListener("animationend", (event) => {
      if (event.animationName === "card-glow") card.classList.remove("card--new");
    });
  }

  /** Put a new card at the top of the wall, in the column that makes room for it. */
  function enter(card, { animate }) {
    track(card);
    card.dataset.column = String(columnForNewCard());
    if (animate) glow(card);
    root.prepend(card);
    trim();
    // One post: place it now, so that it slides in. A burst: once at the next frame.
    if (animate) layout();
    else queueLayout({ instant: true });
  }

  function add(post) {
    const existing = cardFor(post.id);
    if (existing) {
      // Already shown (a replay, or an edit): refresh it where it stands.
      const fresh = track(buildCard(post));
      fresh.dataset.column = existing.dataset.column ?? "";
      fresh.dataset.placed = existing.dataset.placed ?? "";
      fresh.style.translate = existing.style.translate;
      existing.replaceWith(fresh);
      resizes.unobserve(existing);
      layout();
      return;
    }
    const burst = inBurst();
    enter(buildCard(post), { animate: !reducedMotion.matches && !burst });
  }

  function remove(id) {
    // At once, no exit animation: a removed post must leave every screen now.
    const card = cardFor(id);
    if (!card) return;
    drop(card);
    layout();
    refresh();
  }

  function reset(posts) {
    for (const card of cards()) drop(card);
    const fresh = posts.slice(0, MAX_CARDS).map((post) => track(buildCard(post)));
    root.replaceChildren(...fresh);
    layout({ reflow: true });
  }

  /** A post is "in view" when its card shows on the wall (not hidden below the edge). */
  function inView(post) {
    const card = cardFor(post.id);
    return Boolean(card) && !card.classList.contains("card--beyond");
  }

  function beat(now) {
    if (!isQuiet() || now - lastQuietStep < QUIET_STEP_MS) return;
    lastQuietStep = now;
    const item = playlist.rotation(inView);
    if (!item) return;
    const animate = !reducedMotion.matches;
    if (item.kind === "post") {
      const old = cardFor(item.post.id);
      if (old) drop(old);
      const card = buildCard(item.post);
      card.classList.add("card--again");
      enter(card, { animate });
    } else {
      for (const old of root.querySelectorAll(".card--announcement")) drop(old);
      enter(buildAnnouncement(item.announcement), { animate });
    }
  }

  /** Nothing on the wall: an announcement, when there is one, rather than a blank wall. */
  function refresh() {
    // An announcement the organiser took back leaves the wall.
    const texts = new Set(playlist.announcements.map((a) => String(a.text)));
    for (const card of root.querySelectorAll(".card--announcement")) {
      if (texts.has(card.querySelector(".card-text")?.textContent ?? "")) continue;
      drop(card);
      queueLayout();
    }
    if (root.children.length || playlist.size) return;
    const item = playlist.rotation();
    if (item?.kind === "announcement") enter(buildAnnouncement(item.announcement), { animate: false });
  }

  return {
    name: "grid",
    reset(posts) {
      reset(posts);
      refresh();
    },
    add,
    remove,
    beat,
    refresh,
    relayout: () => layout({ reflow: true }),
    isEmpty: () => root.children.length === 0,
    destroy() {
      resizes.disconnect();
      for (const card of cards()) card.remove();
    },
  };
}
