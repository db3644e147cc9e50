// The desk's status strip: how the event's sources are doing and which screens are open,
// so that a moderator sees at a glance that a source failed or a screen went silent.
// Polls GET /api/events/{event}/sources and /screens (docs/protocol.md); names, states
// and errors go into the page with textContent only.

import { lang, t } from "/static/i18n.js";

const REFRESH_MS = 10_000;
const STRINGS = {
  en: {
    sources: "Sources",
    screens: "Screens",
    live: "{live} of {count} live",
    online: "{online} online",
    silent: "{silent} silent",
    none_sources: "no source",
    none_screens: "no screen open",
    failing: "{name}: {state}",
  },
  fr: {
    sources: "Sources",
    screens: "Écrans",
    live: "{live} sur {count} en direct",
    online: "{online} en ligne",
    silent: "{silent} muet(s)",
    none_sources: "aucune source",
    none_screens: "aucun écran ouvert",
    failing: "{name} : {state}",
  },
};

function s(key, vars = {}) {
  const text = (STRINGS[lang()] ?? STRINGS.en)[key] ?? STRINGS.en[key];
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function sourceState(state) {
  const key = `source.${state}`;
  const label = t(key);
  return label === key ? state : label;
}

export function renderStatus(root, sources, screens) {
  const live = sources.filter((src) => src.state === "live").length;
  const failing = sources.filter((src) => String(src.state).startsWith("failing"));
  const online = screens.filter((scr) => scr.state === "online").length;
  const silent = screens.filter((scr) => scr.state === "silent");
  const sourcesText = sources.length
    ? s("live", { live, count: sources.length })
    : s("none_sources");
  const screenParts = [s("online", { online })];
  if (silent.length) screenParts.push(s("silent", { silent: silent.length }));
  const summary = root.querySelector("summary");
  summary.replaceChildren(
    element("span", "desk-status-part", `${s("sources")}: ${sourcesText}`),
    element(
      "span",
      "desk-status-part",
      `${s("screens")}: ${screens.length ? screenParts.join(", ") : s("none_screens")}`,
    ),
  );
  root.dataset.state = failing.length || silent.length ? "warn" : "ok";
  const list = root.querySelector("ul");
  list.replaceChildren(
    ...sources.map((src) => {
      const item = element("li", "", s("failing", { name: src.name, state: sourceState(src.state) }));
      item.dataset.source = String(src.name);
      item.dataset.state = String(src.state);
      if (src.last_error) item.append(element("span", "desk-status-error", ` — ${src.last_error}`));
      return item;
    }),
    ...screens.map((scr) => {
      const item = element("li", "", `${scr.screen}: ${t(`admin.state_${scr.state}`)}`);
      item.dataset.screen = String(scr.screen);
      item.dataset.state = String(scr.state);
      return item;
    }),
  );
}

async function refresh(root, slug) {
  if (document.visibilityState === "hidden") return;
  try {
    const base = `/api/events/${encodeURIComponent(slug)}`;
    const [sources, screens] = await Promise.all([
      fetch(`${base}/sources`, { credentials: "same-origin" }),
      fetch(`${base}/screens`, { credentials: "same-origin" }),
    ]);
    if (!sources.ok || !screens.ok) return;
    renderStatus(root, (await sources.json()).sources ?? [], (await screens.json()).screens ?? []);
  } catch {
    // Offline: the connection indicator already says so; try again at the next tick.
  }
}

const root = document.getElementById("desk-status");
const slug = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] ?? "");
if (root && slug) {
  refresh(root, slug);
  setInterval(() => refresh(root, slug), REFRESH_MS);
}
