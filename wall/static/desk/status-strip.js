// The desk's status strip: how the event's sources are doing and which screens are open,
// so that a moderator sees at a glance that a source failed or a screen went silent.
// Polls GET /api/events/{event}/sources and /screens (docs/protocol.md); names, states
// and errors go into the page with textContent only. Where the top bar is narrow, a short
// form shows ("Sources 1/2 · Screens 3"); the sentence stays for screen readers.

import { t } from "/static/i18n.js";
import { sessionEnded, endSession } from "/static/desk/api.js";
import { element } from "/static/wall/cards.js";

const REFRESH_MS = 10_000;

function sourceState(state) {
  const key = `source.${state}`;
  const label = t(key);
  return label === key ? state : label;
}

function part(long, short) {
  const el = element("span", "desk-status-part");
  const shortEl = element("span", "desk-status-short", short);
  shortEl.setAttribute("aria-hidden", "true");
  el.append(element("span", "desk-status-long", long), shortEl);
  return el;
}

export function renderStrip(root, sources, screens) {
  const live = sources.filter((src) => src.state === "live").length;
  const failing = sources.filter((src) => String(src.state).startsWith("failing"));
  const online = screens.filter((scr) => scr.state === "online").length;
  const silent = screens.filter((scr) => scr.state === "silent");
  const sourcesText = sources.length
    ? t("desk.status.live", { live, count: sources.length })
    : t("desk.status.none_sources");
  const screenParts = [t("desk.status.online", { online })];
  if (silent.length) screenParts.push(t("desk.status.silent", { count: silent.length }));
  const screensText = screens.length ? screenParts.join(", ") : t("desk.status.none_screens");
  root.querySelector("summary").replaceChildren(
    part(
      t("desk.status.sources", { text: sourcesText }),
      sources.length
        ? t("desk.status.short_sources", { live, count: sources.length })
        : t("desk.status.short_none_sources"),
    ),
    part(
      t("desk.status.screens", { text: screensText }),
      t("desk.status.short_screens", { online }),
    ),
  );
  root.dataset.state = failing.length || silent.length ? "warn" : "ok";
  root.querySelector("ul").replaceChildren(
    ...sources.map((src) => {
      const item = element(
        "li",
        "",
        t("desk.status.failing", { name: src.name, state: sourceState(src.state) }),
      );
      item.dataset.source = String(src.name);
      item.dataset.state = String(src.state);
      if (src.last_error) item.append(element("span", "desk-status-error", ` — ${src.last_error}`));
      if (src.skipped > 0) {
        const skipped = element(
          "span",
          "desk-status-skipped",
          ` — ${t("desk.status.skipped", { count: src.skipped })}`,
        );
        if (src.last_skipped) skipped.title = String(src.last_skipped);
        item.append(skipped);
      }
      return item;
    }),
    ...screens.map((scr) => {
      const state = t(`admin.state_${scr.state}`);
      const item = element("li", "", t("desk.status.failing", { name: scr.screen, state }));
      item.dataset.screen = String(scr.screen);
      item.dataset.state = String(scr.state);
      return item;
    }),
  );
}

/** Keep `root` (the <details> in the top bar) up to date; returns {refresh()}. */
export function statusStrip(root, slug) {
  const last = { sources: null, screens: null };
  async function refresh() {
    if (document.visibilityState === "hidden") return;
    try {
      const base = `/api/events/${encodeURIComponent(slug)}`;
      const answers = await Promise.all([
        fetch(`${base}/sources`, { credentials: "same-origin" }),
        fetch(`${base}/screens`, { credentials: "same-origin" }),
      ]);
      const bodies = await Promise.all(answers.map((r) => r.json().catch(() => null)));
      if (answers.some((r, i) => sessionEnded(r, bodies[i]))) {
        endSession();
        return;
      }
      if (!answers.every((r) => r.ok)) return;
      last.sources = bodies[0]?.sources ?? [];
      last.screens = bodies[1]?.screens ?? [];
      renderStrip(root, last.sources, last.screens);
    } catch {
      // Offline: the connection indicator already says so; try again at the next tick.
    }
  }
  refresh();
  setInterval(refresh, REFRESH_MS);
  return {
    refresh,
    /** The language changed: the same figures, in the new words. */
    relabel() {
      if (last.sources) renderStrip(root, last.sources, last.screens);
    },
  };
}
