// Announcements over the wall, on every layout: on a schedule ("every N posts", "every N
// minutes", however busy the wall is) or shown now by an organiser (the `announce`
// message, in the snapshot too for a screen that connects meanwhile).
//
// The announcement covers the layout for its `seconds`, then goes: the cards under it
// stay where they are, so nothing blanks or jumps. One shows at a time; a scheduled one
// that falls due meanwhile waits its turn, and an organiser's "show now" takes over at
// once. Quiet moments still bring announcements into the layouts (playlist.js).

import { t } from "/static/i18n.js";
import { element, isLocalMedia } from "/static/wall/cards.js";

const CHECK_EVERY_MS = 1_000;

export function createTakeover() {
  let list = []; // the display's announcements
  let counts = []; // new posts since each was last shown
  let lastShown = []; // when each was last shown (ms)
  let current = null; // {overlay, timer, now}
  const waiting = []; // indexes due while another one shows

  function card(announcement) {
    const box = element("article", "takeover-card card--announcement");
    box.append(element("p", "takeover-label", t("wall.announcement")));
    if (isLocalMedia(announcement.image)) {
      const img = element("img", "takeover-image");
      img.alt = "";
      img.src = announcement.image;
      img.addEventListener("error", () => img.remove(), { once: true });
      box.append(img);
    }
    const text = element("p", "takeover-text", String(announcement.text ?? ""));
    text.dir = "auto";
    box.append(text);
    return box;
  }

  function show(announcement, until, now = false) {
    hide();
    const left = until - Date.now();
    if (!announcement || typeof announcement.text !== "string" || !(left > 0)) return;
    const overlay = element("div", "takeover");
    overlay.setAttribute("role", "region");
    overlay.setAttribute("aria-label", t("wall.announcement"));
    overlay.append(card(announcement));
    document.body.append(overlay);
    document.body.dataset.announcing = now ? "now" : "scheduled";
    current = { overlay, now, timer: setTimeout(done, left) };
  }

  function hide() {
    if (!current) return;
    clearTimeout(current.timer);
    current.overlay.remove();
    current = null;
    delete document.body.dataset.announcing;
  }

  function done() {
    hide();
    const next = waiting.shift();
    if (next !== undefined && list[next]) showScheduled(next);
  }

  function showScheduled(index) {
    const announcement = list[index];
    counts[index] = 0;
    lastShown[index] = Date.now();
    show(announcement, Date.now() + seconds(announcement) * 1000);
  }

  function due(index) {
    counts[index] = 0;
    lastShown[index] = Date.now();
    if (current) {
      if (!waiting.includes(index)) waiting.push(index);
      return;
    }
    showScheduled(index);
  }

  function check() {
    const now = Date.now();
    list.forEach((announcement, index) => {
      const minutes = Number(announcement.every_minutes) || 0;
      if (minutes > 0 && now - lastShown[index] >= minutes * 60_000) due(index);
    });
  }
  setInterval(check, CHECK_EVERY_MS);

  return {
    /** The display's announcements: schedules start over from now. */
    setAnnouncements(announcements) {
      const next = (Array.isArray(announcements) ? announcements : []).filter(
        (a) => a && typeof a.text === "string" && a.text.trim(),
      );
      if (JSON.stringify(next) === JSON.stringify(list)) return; // a theme change, say
      list = next;
      counts = list.map(() => 0);
      lastShown = list.map(() => Date.now());
      waiting.length = 0;
    },

    /** A new post reached the wall: count it for the "every N posts" announcements. */
    newPost() {
      list.forEach((announcement, index) => {
        const every = Number(announcement.every_posts) || 0;
        if (every <= 0) return;
        counts[index] += 1;
        if (counts[index] >= every) due(index);
      });
    },

    /** The server's word: a snapshot's `announcing`, or an `announce` message. */
    fromMessage(message) {
      if (message?.type === "snapshot") {
        const now = message.announcing;
        if (now) show(now.announcement, Date.parse(now.until), true);
        else if (current?.now) hide();
      } else if (message?.type === "announce") {
        if (message.announcement) show(message.announcement, Date.parse(message.until), true);
        else if (current?.now) hide();
      }
    },
  };
}

function seconds(announcement) {
  const value = Number(announcement.seconds);
  return value >= 3 ? Math.min(value, 300) : 10;
}
