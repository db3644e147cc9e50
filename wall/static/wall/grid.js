// The grid layout: a wall of cards in columns, newest first (a masonry).
//
// The grid's own tracks (CSS decides how many fit) give the column width, and this module
// stacks the cards in them. A new card enters the column whose cards end highest, at its
// top; the cards below it move down, and one that no longer fits moves to a column with
// room, else waits below the edge (`card--beyond`: the room never reads half a post).
// Pinned posts are dealt first: they keep the top of their column whatever arrives.
// The cards of each column then share out what is left down to the bottom edge, so the
// wall is covered edge to edge. Cards are placed with the `translate` property, so a
// transition slides them.
//
// Quiet moments: earlier posts no longer in view come back to the top, and the
// organiser's announcements take a turn as cards.

import { buildAnnouncement, buildCard } from "/static/wall/cards.js";
import { cutToFit } from "/static/wall/fit.js";
import { grow, shrink } from "/static/wall/grow.js";

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
    // A picture that loads may change the card's height (its box is fixed once placed).
    for (const img of card.querySelectorAll("img")) {
      img.addEventListener("load", () => {
        delete card.dataset.fitted;
        queueLayout();
      }, { once: true });
    }
    return card;
  }

  function drop(card) {
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

  /** The column a new card enters: the one whose cards (at their own height) end highest. */
  function columnForNewCard() {
    const count = Math.max(1, columnCount);
    const heights = new Array(count).fill(0);
    for (const card of cards()) {
      const column = Number(card.dataset.column);
      if (column >= 0 && column < count && !card.classList.contains("card--beyond")) {
        heights[column] += Number(card.dataset.natural) || card.offsetHeight;
      }
    }
    return heights.indexOf(Math.min(...heights));
  }

  /**
   * Keep a card within what the room can read: its text cut at a whole word after
   * --text-lines lines, and the whole card (post and answer) no taller than the wall.
   */
  function fitCard(card, room) {
    const text = card.querySelector(".card-text");
    const reply = card.querySelector(".card-reply-text");
    const lines = parseFloat(getComputedStyle(card).getPropertyValue("--text-lines")) || 9;
    const within = () => card.offsetHeight <= room;
    if (text) {
      const line = parseFloat(getComputedStyle(text).lineHeight) || 30;
      cutToFit(text, () => text.offsetHeight <= lines * line + 1 && within());
    }
    if (reply && !within()) cutToFit(reply, within);
  }

  /** The order cards are dealt in: pinned posts first (a featured place), then newest first. */
  function dealOrder(all) {
    const pinned = all.filter((card) => card.dataset.pinned === "true");
    return [...pinned, ...all.filter((card) => card.dataset.pinned !== "true")];
  }

  /**
   * Place every card. `instant` skips the slide (a burst of posts, a replay); `reflow`
   * deals all cards out again, newest first, each to the shortest column (a snapshot, or
   * a screen whose number of columns changed).
   *
   * A card keeps its column while it fits there; one that no longer fits goes to another
   * column with room (it fills a hole), else it waits below the edge. A column never stays
   * empty while another holds two cards. Last, each column's cards share out what is left
   * down to the bottom edge, so the wall is covered and has no ragged holes.
   */
  function layout({ instant = false, reflow = false } = {}) {
    layoutQueued = false;
    if (!root.isConnected) return;
    const style = getComputedStyle(root);
    const gap = parseFloat(style.rowGap) || 0;
    const colGap = parseFloat(style.columnGap) || 0;
    const left = parseFloat(style.paddingLeft) || 0;
    const top = parseFloat(style.paddingTop) || 0;
    const room = root.clientHeight - top - (parseFloat(style.paddingBottom) || 0);
    const tracks = columnsOf();
    const count = Math.max(1, tracks.length);
    const width = tracks[0] ?? root.clientWidth - 2 * left;
    const all = cards();
    // Write every width, then read every height: one reflow, not one per card.
    for (const card of all) {
      card.style.width = `${width}px`;
      card.style.height = "";
      shrink(card);
    }
    for (const card of all) {
      const key = `${Math.round(width)}x${Math.round(room)}`;
      if (card.dataset.fitted !== key) {
        fitCard(card, room);
        card.dataset.fitted = key;
      }
    }
    const natural = new Map(all.map((card) => [card, card.offsetHeight]));

    const dealt = reflow || count !== columnCount;
    columnCount = count;
    const used = new Array(count).fill(0);
    const columns = Array.from({ length: count }, () => []);
    const beyond = [];
    const byRoom = () => [...used.keys()].sort((a, b) => used[a] - used[b]);
    const fitsIn = (column, h) => columns[column].length === 0 || used[column] + gap + h <= room;
    const put = (card, column) => {
      used[column] += (columns[column].length ? gap : 0) + natural.get(card);
      columns[column].push(card);
      card.dataset.column = String(column);
    };
    for (const card of dealOrder(all)) {
      const h = natural.get(card);
      const own = Number(card.dataset.column);
      const keeps = !dealt && own >= 0 && own < count && card.dataset.column !== "";
      const choices = keeps ? [own, ...byRoom().filter((c) => c !== own)] : byRoom();
      const column = choices.find((c) => fitsIn(c, h));
      if (column === undefined) beyond.push(card);
      else put(card, column);
    }
    // No empty column: the newest waiting card, else the last card of a column of several.
    for (let column = 0; column < count; column += 1) {
      if (columns[column].length) continue;
      let card = beyond.shift();
      if (!card) {
        const from = byRoom().reverse().find((c) => columns[c].length > 1);
        if (from === undefined) continue;
        card = columns[from].pop();
        used[from] -= gap + natural.get(card);
      }
      put(card, column);
    }

    const placed = [];
    const show = (card, x, y, height) => {
      card.classList.remove("card--beyond");
      if (instant || dealt || !card.dataset.placed) {
        // Appear in place: do not slide in from the corner or across the wall.
        card.classList.add("card--placing");
        placed.push(card);
        card.dataset.placed = "true";
      }
      card.dataset.natural = String(natural.get(card));
      card.style.height = `${height}px`;
      card.style.translate = `${x}px ${y}px`;
    };
    columns.forEach((list, column) => {
      const x = left + column * (width + colGap);
      const total = list.reduce((sum, card) => sum + natural.get(card), 0);
      const spare = Math.max(0, room - total - gap * Math.max(0, list.length - 1));
      let y = top;
      for (const card of list) {
        // Each card grows in proportion to its own height: a short one stays short.
        const height = natural.get(card) + (total ? (spare * natural.get(card)) / total : 0);
        show(card, x, y, height);
        y += height + gap;
      }
    });
    // Words into the room each card was given (after every card has its height: one
    // reflow per guess, not one per card written).
    for (const list of columns) for (const card of list) grow(card);
    for (const card of beyond) {
      card.classList.add("card--beyond");
      card.dataset.natural = String(natural.get(card));
    }
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
    relayout() {
      // Fonts or theme changed: every text measures anew.
      for (const card of cards()) delete card.dataset.fitted;
      layout({ reflow: true });
    },
    isEmpty: () => root.children.length === 0,
    destroy() {
      resizes.disconnect();
      for (const card of cards()) card.remove();
    },
  };
}
