// The organiser's page for one event: which screens are open (and which went quiet), how
// the sources are doing, and what every screen shows (theme, layout, participation banner,
// announcements), changed live with PUT /api/events/{event}/display.
//
// Screen names, errors and announcement texts are shown with textContent only.

import { applyI18n, lang, relativeTime, setLanguage, t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";
import { loginUrl } from "/static/socket.js";

const REFRESH_MS = 5_000;
const MAX_ANNOUNCEMENTS = 20;
// An announcement's picture: an image in Murmur's own media cache (docs/protocol.md).
const MEDIA_URL = /^\/media\/[0-9a-f]{32}\.webp$/;
const SCREEN_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/;
const STATE_ORDER = { silent: 0, offline: 1, online: 2 };
const SOURCE_STATES = new Set([
  "connecting",
  "live",
  "reconnecting",
  "rate limited",
  "failing",
  "failing: bad credentials",
  "failing: not found",
  "stopped",
]);

const slug = eventSlug();
const $ = (id) => document.getElementById(id);
const form = $("display");
const announcementsEl = $("announcements");
const rowTemplate = $("announcement-row");

let csrf = "";
let themes = [];
let dirty = false;
let saving = false;
let lastScreens = [];
let lastSources = [];

function eventSlug() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { Accept: "application/json", ...(options.headers ?? {}) },
    ...options,
  });
  if (response.status === 401) {
    location.assign(loginUrl());
    throw new Error("not logged in");
  }
  return response;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

// ---------------------------------------------------------------- times

function ago(seconds) {
  if (!Number.isFinite(seconds)) return "—";
  return relativeTime(new Date(seconds * 1000).toISOString());
}

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return t("admin.seconds", { count: s });
  return t("admin.minutes", { count: Math.round(s / 60) });
}

// ---------------------------------------------------------------- screens

function stateCell(state, lastSeen) {
  const cell = element("td");
  const pill = element("span", "state", t(`admin.state_${state}`));
  pill.dataset.state = state;
  cell.append(pill);
  if (state === "silent" && Number.isFinite(lastSeen)) {
    const quiet = Date.now() / 1000 - lastSeen;
    cell.append(element("span", "state-note", t("admin.silent_for", { time: duration(quiet) })));
  }
  return cell;
}

function renderScreens(screens) {
  lastScreens = screens;
  const rows = [...screens].sort(
    (a, b) =>
      (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3) ||
      String(a.screen).localeCompare(String(b.screen)),
  );
  $("screens-body").replaceChildren(
    ...rows.map((screen) => {
      const row = element("tr");
      row.dataset.screen = String(screen.screen);
      row.dataset.state = String(screen.state);
      const name = element("th", "screen-name", String(screen.screen));
      name.scope = "row";
      name.dir = "ltr";
      const size =
        Number.isInteger(screen.width) && Number.isInteger(screen.height)
          ? `${screen.width} × ${screen.height}`
          : "—";
      row.append(
        name,
        stateCell(String(screen.state), screen.last_seen),
        element("td", "", screen.layout ? t(`layout.${screen.layout}`) : "—"),
        element("td", "num", size),
        element("td", "", ago(screen.last_seen)),
        element("td", "", ago(screen.connected_at)),
      );
      return row;
    }),
  );
  $("screens").hidden = rows.length === 0;
  $("screens-empty").hidden = rows.length !== 0;
  $("screens-empty").textContent = t("admin.screens_empty", {
    example: `/wall/${slug}?screen=hall-a`,
  });
  const count = (state) => rows.filter((s) => s.state === state).length;
  const summary = [t("admin.summary_online", { count: count("online") })];
  if (count("silent")) summary.push(t("admin.summary_silent", { count: count("silent") }));
  if (count("offline")) summary.push(t("admin.summary_offline", { count: count("offline") }));
  $("screens-summary").textContent = rows.length ? summary.join(" · ") : "";
  document.body.dataset.silent = String(count("silent"));
}

// ---------------------------------------------------------------- sources

/** The source's last failure in the reader's language; the technical detail on hover. */
function sourceError(source) {
  const code = String(source.error_code ?? "");
  const key = `source.error.${code}`;
  const worded = code && t(key) !== key ? t(key) : String(source.last_error ?? "");
  const cell = element("td", "source-error", worded);
  if (source.last_error) cell.title = String(source.last_error);
  return cell;
}

function renderSources(sources) {
  lastSources = sources;
  $("sources-body").replaceChildren(
    ...sources.map((source) => {
      const row = element("tr");
      row.dataset.source = String(source.name);
      const name = element("th", "", String(source.name));
      name.scope = "row";
      const state = String(source.state ?? "");
      const pill = element("span", "state", SOURCE_STATES.has(state) ? t(`source.${state}`) : state);
      pill.dataset.state = state.startsWith("failing")
        ? "offline"
        : state === "live"
          ? "online"
          : "silent";
      const stateTd = element("td");
      stateTd.append(pill);
      if (Number.isFinite(source.next_retry_at) && state !== "live") {
        stateTd.append(
          element("span", "state-note", t("admin.retry_at", { time: ago(source.next_retry_at) })),
        );
      }
      // Items the source could not read and left out; the last one's reason on hover.
      const skipped = element("td", "num source-skipped", String(source.skipped ?? 0));
      if (source.last_skipped) skipped.title = String(source.last_skipped);
      row.append(
        name,
        stateTd,
        element("td", "num", String(source.posts ?? 0)),
        skipped,
        element("td", "", ago(source.last_post_at)),
        sourceError(source),
      );
      return row;
    }),
  );
  $("sources").hidden = sources.length === 0;
  $("sources-empty").hidden = sources.length !== 0;
}

async function refresh() {
  if (document.visibilityState === "hidden") return;
  try {
    const [screens, sources] = await Promise.all([
      api(`/api/events/${encodeURIComponent(slug)}/screens`),
      api(`/api/events/${encodeURIComponent(slug)}/sources`),
    ]);
    if (screens.ok) renderScreens((await screens.json()).screens ?? []);
    if (sources.ok) renderSources((await sources.json()).sources ?? []);
    if (!dirty && !saving) await loadDisplay();
    showError("");
    document.body.dataset.state = "ready";
  } catch (err) {
    if (err.message !== "not logged in") showError(t("admin.offline"));
  }
}

// ---------------------------------------------------------------- display form

/** A theme's label and description in the page's language (the theme file's `[fr]`). */
function themeWords(theme) {
  const own = theme?.words?.[lang()];
  return own?.label ? own : { label: theme?.label ?? "", description: theme?.description ?? "" };
}

function renderThemeHelp() {
  const theme = themes.find((th) => th.name === form.theme.value);
  $("theme-help").textContent = theme ? themeWords(theme).description : "";
}

function renderThemeOptions() {
  const chosen = form.theme.value;
  form.theme.replaceChildren(
    ...themes.map((th) => new Option(String(themeWords(th).label), String(th.name))),
  );
  if (chosen) form.theme.value = chosen;
}

function renderLayoutHelp() {
  $("layout-help").textContent = t(`layout.${form.layout.value}_help`);
}

function addAnnouncement(announcement = { text: "", image: null }) {
  const row = rowTemplate.content.firstElementChild.cloneNode(true);
  applyI18n(row);
  row.querySelector("textarea").value = String(announcement.text ?? "");
  row.querySelector('input[name="image"]').value = String(announcement.image ?? "");
  row.querySelector('input[name="every_posts"]').value = String(announcement.every_posts ?? 0);
  row.querySelector('input[name="every_minutes"]').value = String(announcement.every_minutes ?? 0);
  row.querySelector('input[name="seconds"]').value = String(announcement.seconds ?? 10);
  announcementsEl.append(row);
  updateAnnouncementButtons();
  return row;
}

function updateAnnouncementButtons() {
  $("add-announcement").disabled = announcementsEl.children.length >= MAX_ANNOUNCEMENTS;
}

function fillForm(display) {
  if (!themes.some((th) => th.name === display.theme)) {
    form.theme.append(new Option(display.theme, display.theme));
  }
  form.theme.value = display.theme;
  form.layout.value = display.layout;
  form.show_qr.checked = Boolean(display.show_qr);
  form.quiet_seconds.value = String(display.quiet_seconds);
  announcementsEl.replaceChildren();
  for (const announcement of display.announcements ?? []) addAnnouncement(announcement);
  updateAnnouncementButtons();
  renderThemeHelp();
  renderLayoutHelp();
  clearInvalid();
  dirty = false;
  announceForm();
}

function readForm() {
  return {
    theme: form.theme.value,
    layout: form.layout.value,
    show_qr: form.show_qr.checked,
    quiet_seconds: Number(form.quiet_seconds.value),
    announcements: Array.from(announcementsEl.children).map((row) => ({
      text: row.querySelector("textarea").value.trim(),
      image: row.querySelector('input[name="image"]').value.trim() || null,
      every_posts: Number(row.querySelector('input[name="every_posts"]').value || 0),
      every_minutes: Number(row.querySelector('input[name="every_minutes"]').value || 0),
      seconds: Number(row.querySelector('input[name="seconds"]').value || 10),
    })),
  };
}

function clearInvalid() {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

function invalid(target) {
  if (!(target instanceof HTMLElement)) return;
  target.setAttribute("aria-invalid", "true");
  target.focus();
}

/** Point at the field a 400 names; for an announcement, at its text or picture. */
function markInvalid(field, message) {
  if (field === "announcements") {
    const at = /announcements\[(\d+)\]\.(text|image)/.exec(String(message));
    const row = announcementsEl.children[at ? Number(at[1]) : 0];
    invalid(row?.querySelector(at?.[2] === "image" ? "input" : "textarea"));
    return;
  }
  if (field) invalid(form.elements.namedItem(field));
}

/** The label a person reads for the setting at `path` ("quiet_seconds"), or "". */
function fieldLabel(path) {
  const name = String(path ?? "").split(/[.[]/)[0];
  if (!name) return "";
  const el = form.elements.namedItem(name);
  const label = el?.labels?.[0] ?? el?.closest?.("fieldset")?.querySelector("legend");
  return label ? label.textContent.trim().replace(/\s*:$/, "") : name;
}

function setStatus(text, kind = "info") {
  $("save-status").textContent = text;
  $("save-status").dataset.kind = kind;
}

async function loadDisplay() {
  const response = await api(`/api/events/${encodeURIComponent(slug)}/display`);
  if (response.ok && !dirty && !saving) fillForm(await response.json());
}

async function loadThemes() {
  const response = await api("/api/themes");
  themes = response.ok ? ((await response.json()).themes ?? []) : [];
  renderThemeOptions();
}

async function save(event) {
  event.preventDefault();
  clearInvalid();
  const body = readForm();
  const empty = body.announcements.findIndex((a) => !a.text);
  if (empty !== -1) {
    invalid(announcementsEl.children[empty].querySelector("textarea"));
    setStatus(t("admin.announcement_empty"), "error");
    return;
  }
  const badImage = body.announcements.findIndex((a) => a.image && !MEDIA_URL.test(a.image));
  if (badImage !== -1) {
    invalid(announcementsEl.children[badImage].querySelector("input"));
    setStatus(t("admin.announcement_image_bad"), "error");
    return;
  }
  saving = true;
  $("save").disabled = true;
  setStatus(t("admin.saving"));
  try {
    const response = await api(`/api/events/${encodeURIComponent(slug)}/display`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    const reply = await response.json().catch(() => ({}));
    if (response.ok) {
      fillForm(reply.display ?? body);
      setStatus(t("admin.saved"), "ok");
    } else if (response.status === 400) {
      markInvalid(reply.field, reply.error);
      const said = errorText(reply, fieldLabel(reply.params?.path ?? reply.field));
      setStatus(said || t("admin.save_failed", { status: 400 }), "error");
    } else if (response.status === 403) {
      setStatus(t("admin.forbidden"), "error");
    } else {
      setStatus(t("admin.save_failed", { status: response.status }), "error");
    }
  } catch (err) {
    if (err.message !== "not logged in") setStatus(t("admin.network_error"), "error");
  } finally {
    saving = false;
    $("save").disabled = false;
  }
}

// ---------------------------------------------------------------- a link for a new screen

function renderNewScreenLink() {
  const name = $("new-screen-name").value.trim();
  const params = new URLSearchParams();
  if (SCREEN_NAME.test(name)) params.set("screen", name);
  if ($("new-screen-layout").value) params.set("layout", $("new-screen-layout").value);
  const query = params.toString();
  const href = `/wall/${encodeURIComponent(slug)}${query ? `?${query}` : ""}`;
  const link = $("new-screen-link");
  link.href = href;
  link.textContent = `${location.origin}${href}`;
}

// ---------------------------------------------------------------- start

function relabel() {
  applyI18n();
  for (const row of announcementsEl.children) applyI18n(row);
  renderThemeOptions();
  renderThemeHelp();
  renderLayoutHelp();
  renderScreens(lastScreens);
  renderSources(lastSources);
}

async function start() {
  applyI18n();
  document.title = t("admin.title", { title: slug });
  $("open-wall").href = `/wall/${encodeURIComponent(slug)}`;
  $("open-desk").href = `/moderate/${encodeURIComponent(slug)}`;
  $("open-event").href = `/admin/${encodeURIComponent(slug)}/event`;
  renderNewScreenLink();
  try {
    const session = await api("/api/session");
    const user = await session.json();
    csrf = String(user.csrf_token ?? "");
    $("user").textContent = t("admin.signed_in_as", { user: String(user.username ?? "") });
    const event = await api(`/api/events/${encodeURIComponent(slug)}`);
    if (event.ok) {
      const info = await event.json();
      if (typeof info.language === "string" && setLanguage(info.language)) relabel();
      $("event-title").textContent = String(info.title ?? slug);
      document.title = t("admin.title", { title: String(info.title ?? slug) });
    }
    await loadThemes();
    await loadDisplay();
  } catch (err) {
    if (err.message !== "not logged in") showError(t("admin.offline"));
  }
  await refresh();
  setInterval(refresh, REFRESH_MS);
}

/** Tell the preview (admin-preview.js) what the form says now, saved or not. */
function announceForm() {
  document.dispatchEvent(new CustomEvent("murmur:display", { detail: readForm() }));
}

form.addEventListener("input", () => {
  dirty = true;
  setStatus("");
  announceForm();
});
form.addEventListener("change", () => {
  dirty = true;
  announceForm();
});
form.theme.addEventListener("change", renderThemeHelp);
form.layout.addEventListener("change", renderLayoutHelp);
form.addEventListener("submit", save);
$("add-announcement").addEventListener("click", () => {
  dirty = true;
  addAnnouncement().querySelector("textarea").focus();
});
// A picture for a slide: sent to Murmur, cleaned (metadata removed, resized) and stored;
// its /media/ address goes into the slide's picture field.
announcementsEl.addEventListener("change", async (event) => {
  const input = event.target.closest('input[name="upload"]');
  if (!input || !input.files?.length) return;
  const row = input.closest("li");
  const status = row.querySelector(".upload-status");
  const file = input.files[0];
  status.textContent = t("admin.upload_sending");
  status.dataset.state = "busy";
  try {
    const response = await api(`/api/events/${encodeURIComponent(slug)}/media`, {
      method: "POST",
      headers: { "Content-Type": file.type || "application/octet-stream", "X-CSRF-Token": csrf },
      body: file,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = errorText(body) || t("admin.upload_failed");
      status.dataset.state = "error";
      return;
    }
    row.querySelector('input[name="image"]').value = String(body.url);
    status.textContent = t("admin.upload_done");
    status.dataset.state = "done";
    dirty = true;
  } catch (err) {
    if (err.message !== "not logged in") {
      status.textContent = t("admin.upload_failed");
      status.dataset.state = "error";
    }
  } finally {
    input.value = "";
  }
});
/** "Show now": the saved announcement at this row's place, over every screen at once. */
async function showNow(row) {
  if (dirty) {
    setStatus(t("admin.show_save_first"), "error");
    return;
  }
  const index = Array.from(announcementsEl.children).indexOf(row);
  const response = await api(
    `/api/events/${encodeURIComponent(slug)}/announcements/${index}/show`,
    { method: "POST", headers: { "X-CSRF-Token": csrf } },
  );
  const body = await response.json().catch(() => ({}));
  if (response.ok) setStatus(t("admin.shown_now", { count: body.announcement.seconds }), "ok");
  else setStatus(errorText(body) || t("admin.save_failed", { status: response.status }), "error");
}

announcementsEl.addEventListener("click", (event) => {
  const show = event.target.closest(".announcement-show");
  if (show) {
    showNow(show.closest("li")).catch(() => setStatus(t("admin.network_error"), "error"));
    return;
  }
  const button = event.target.closest(".announcement-remove");
  if (!button) return;
  dirty = true;
  button.closest("li").remove();
  updateAnnouncementButtons();
});
$("new-screen").addEventListener("input", renderNewScreenLink);
$("new-screen").addEventListener("submit", (event) => event.preventDefault());
$("logout").addEventListener("click", async () => {
  try {
    await fetch("/api/logout", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf },
    });
  } finally {
    location.assign("/login");
  }
});

start();
