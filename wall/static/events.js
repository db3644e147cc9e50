// The events, for organisers: each with its state (upcoming, live, ended, archived) and
// window, links to its wall, desk, screens and settings; archive or bring one back; create
// one, blank or as a copy of another (POST /api/events, docs/organisers.md).

import { applyI18n, lang, t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";
import { loginUrl } from "/static/socket.js";

const $ = (id) => document.getElementById(id);
const form = $("create");
let csrf = "";

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) {
    location.assign(loginUrl());
    throw new Error("not logged in");
  }
  return response;
}

function stateOf(event, now = Date.now()) {
  if (event.archived) return "archived";
  if (event.starts_at && Date.parse(event.starts_at) > now) return "upcoming";
  if (event.ends_at && Date.parse(event.ends_at) <= now) return "ended";
  return "live";
}

function when(event) {
  const format = new Intl.DateTimeFormat(lang() === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
  const start = event.starts_at ? format.format(new Date(event.starts_at)) : "";
  const end = event.ends_at ? format.format(new Date(event.ends_at)) : "";
  if (start && end) return t("events.from_until", { start, end });
  if (start) return t("events.from", { start });
  if (end) return t("events.until", { end });
  return t("events.always");
}

function link(href, key) {
  const a = document.createElement("a");
  a.className = "btn btn--ghost";
  a.href = href;
  a.textContent = t(key);
  return a;
}

function row(event) {
  const tr = document.createElement("tr");
  tr.dataset.slug = event.slug;
  const name = document.createElement("th");
  name.scope = "row";
  name.dir = "auto";
  name.textContent = event.title;
  const state = stateOf(event);
  const pill = document.createElement("span");
  pill.className = "state";
  pill.dataset.state = state === "live" ? "online" : state === "upcoming" ? "silent" : "offline";
  pill.textContent = t(`events.state.${state}`);
  const stateTd = document.createElement("td");
  stateTd.append(pill);
  const whenTd = document.createElement("td");
  whenTd.textContent = when(event);
  const actions = document.createElement("td");
  actions.className = "event-actions-cell";
  const slug = encodeURIComponent(event.slug);
  actions.append(
    link(`/wall/${slug}`, "events.open_wall"),
    link(`/moderate/${slug}`, "events.open_desk"),
    link(`/admin/${slug}`, "events.open_admin"),
    link(`/admin/${slug}/event`, "events.open_settings"),
  );
  const archive = document.createElement("button");
  archive.type = "button";
  archive.className = event.archived ? "btn" : "btn btn--danger-outline";
  archive.textContent = t(event.archived ? "events.unarchive" : "events.archive");
  archive.addEventListener("click", () => setArchived(event, !event.archived));
  actions.append(archive);
  tr.append(name, stateTd, whenTd, actions);
  return tr;
}

async function setArchived(event, archived) {
  if (archived && !confirm(t("events.archive_confirm", { title: event.title }))) return;
  const response = await api(`/api/events/${encodeURIComponent(event.slug)}/archive`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify({ archived }),
  });
  if (!response.ok) {
    $("error").textContent = errorText(await response.json().catch(() => ({}))) || t("events.failed");
    $("error").hidden = false;
  }
  await load();
}

async function load() {
  const events = (await (await api("/api/events")).json()).events ?? [];
  $("events-body").replaceChildren(...events.map(row));
  const copy = form.copy_from;
  const chosen = copy.value;
  copy.replaceChildren(
    new Option(t("events.copy_none"), ""),
    ...events.map((e) => new Option(e.title, e.slug)),
  );
  copy.value = chosen;
  document.body.dataset.state = "ready";
}

function clearErrors() {
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

async function create(submit) {
  submit.preventDefault();
  clearErrors();
  const iso = (value) => (value ? new Date(value).toISOString() : null);
  const body = {
    slug: form.slug.value.trim(),
    title: form.title.value.trim(),
    hashtags: form.hashtags.value.split(/[\s,]+/).map((v) => v.replace(/^#/, "")).filter(Boolean),
    copy_from: form.copy_from.value || null,
    starts_at: iso(form.starts_at.value),
    ends_at: iso(form.ends_at.value),
  };
  const response = await api("/api/events", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
  });
  const reply = await response.json().catch(() => ({}));
  const status = $("create-status");
  if (!response.ok) {
    const path = String(reply.params?.path ?? reply.field ?? "").split(/[.[]/)[0];
    const wrap = form.querySelector(`.field[data-path="${CSS.escape(path)}"]`);
    const label = wrap?.querySelector("label")?.textContent.trim() ?? "";
    const text = errorText(reply, label) || t("events.failed");
    if (wrap) {
      const input = wrap.querySelector("input, select");
      input.setAttribute("aria-invalid", "true");
      const note = document.createElement("p");
      note.className = "field-error";
      note.textContent = text;
      input.after(note);
      input.focus();
    }
    status.textContent = text;
    status.dataset.kind = "error";
    return;
  }
  const left = reply.left_behind ?? [];
  status.textContent = left.length
    ? t("events.left_behind", { title: reply.event.title, sources: left.join(", ") })
    : t("events.created", { title: reply.event.title });
  status.dataset.kind = "ok";
  form.reset();
  await load();
}

async function start() {
  applyI18n();
  document.title = t("events.heading");
  const session = await api("/api/session");
  csrf = String((await session.json()).csrf_token ?? "");
  await load();
}

form.addEventListener("submit", (event) => create(event).catch(() => {}));
start().catch(() => {
  $("error").textContent = t("events.failed");
  $("error").hidden = false;
});
