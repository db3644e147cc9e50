// The event's window on the wall: before it starts, a slide that says when; after it ends
// (or once an organiser archived it), a closing slide. Inside the window, nothing: the
// layout shows the posts. The slide changes by itself when the time comes.

import { lang, t } from "/static/i18n.js";
import { element } from "/static/wall/cards.js";

const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit (about 24 days)

export function createSchedule() {
  let event = null;
  let timer = 0;
  let slide = null;

  function show(kind, title, text) {
    if (!slide) {
      slide = element("div", "schedule-slide");
      slide.setAttribute("role", "status");
      document.body.append(slide);
    }
    slide.dataset.kind = kind;
    const card = element("article", "schedule-card");
    const heading = element("h2", "schedule-title", title);
    heading.dir = "auto";
    card.append(heading, element("p", "schedule-text", text));
    slide.replaceChildren(card);
    document.body.dataset.schedule = kind;
  }

  function hide() {
    slide?.remove();
    slide = null;
    delete document.body.dataset.schedule;
  }

  function when(date) {
    const locale = lang() === "fr" ? "fr-FR" : "en-GB";
    const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(date);
    const today = new Date().toDateString() === date.toDateString();
    if (today) return t("wall.starts_at", { time });
    const day = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long" })
      .format(date);
    return t("wall.starts_on", { day, time });
  }

  function render() {
    clearTimeout(timer);
    if (!event) return hide();
    const now = Date.now();
    const starts = Date.parse(event.starts_at ?? "");
    const ends = Date.parse(event.ends_at ?? "");
    const title = String(event.title ?? "");
    if (event.archived || ends <= now) {
      show("ended", title, t("wall.ended"));
      return;
    }
    if (starts > now) {
      show("upcoming", title, when(new Date(starts)));
      timer = setTimeout(render, Math.min(starts - now + 250, MAX_TIMER_MS));
      return;
    }
    hide();
    if (ends > now) timer = setTimeout(render, Math.min(ends - now + 250, MAX_TIMER_MS));
  }

  return {
    /** The event as GET /api/events/{event} or an `event` message says it. */
    setEvent(next) {
      event = next && typeof next === "object" ? next : null;
      render();
    },
    relabel: render,
  };
}
