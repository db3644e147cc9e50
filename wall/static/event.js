// The event's settings, editable without a text editor: what is shown, how it is moderated,
// where posts come from, the attendees' page and how long posts are kept.
//
// GET /api/events/{event}/settings fills the form; Save sends PATCH with the top-level
// settings that changed (whole values, validated by the server with the config file's own
// rules); a refusal is shown beside the field it names, in the page's language. Which
// settings are live changes over the file is shown, with a way back to the file (DELETE).
// Tokens are never shown or entered here: a source says which variable holds its token
// and whether it is set.

import { applyI18n, setLanguage, t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";
import { loginUrl } from "/static/socket.js";

const $ = (id) => document.getElementById(id);
const slug = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] ?? "");
const form = $("event");
const base = `/api/events/${encodeURIComponent(slug)}/settings`;

// Each section: its title key, and its fields: [path, kind, options].
const SECTIONS = [
  ["event.section.event", [
    ["title", "text", { max: 200 }],
    ["hashtags", "tags"],
    ["moderation", "select", { choices: ["pre", "post"] }],
    ["language", "select", { choices: ["", "fr", "en"] }],
    ["starts_at", "datetime"],
    ["ends_at", "datetime"],
    ["answer_on_networks", "bool"],
  ]],
  ["event.section.words", [
    ["rules.blocked_words", "lines"],
    ["rules.held_words", "lines"],
    ["rules.allowed_words", "lines"],
    ["rules.builtin_lists", "checks", { choices: ["fr", "en"] }],
  ]],
  ["event.section.authors", [
    ["rules.trusted_authors", "lines"],
    ["rules.blocked_authors", "lines"],
    ["rules.hold_bots", "bool"],
    ["rules.min_account_age_days", "number", { min: 0, max: 3650, step: 1 }],
  ]],
  ["event.section.more_rules", [
    ["rules.required_hashtags", "tags"],
    ["rules.languages", "tags"],
    ["rules.flood_posts", "number", { min: 0, max: 50, step: 1 }],
    ["rules.flood_minutes", "number", { min: 0, max: 1440, step: "any" }],
    ["rules.duplicate_minutes", "number", { min: 0, max: 1440, step: "any" }],
  ]],
  ["event.section.sources", [["sources", "sources"]]],
  ["event.section.submissions", [
    ["submissions.enabled", "bool"],
    ["submissions.max_text", "number", { min: 1, max: 5000, step: 1 }],
    ["submissions.max_photo_mb", "number", { min: 1, max: 20, step: 1 }],
    ["submissions.per_device_per_hour", "number", { min: 0, max: 10000, step: 1 }],
    ["submissions.consent_fr", "lines1", { max: 1000 }],
    ["submissions.consent_en", "lines1", { max: 1000 }],
  ]],
  ["event.section.privacy", [["privacy.retention_days", "number", { min: 0, max: 3650, step: 1 }]]],
];

const SOURCE_FIELD = { mastodon: "server", rss: "url", bluesky: "jetstream", x: "api" };

let loaded = null; // the settings as the server last answered them
let status = { live: [], credentials: [] };

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) {
    location.assign(loginUrl());
    throw new Error("not logged in");
  }
  return response;
}

let csrf = "";
async function token() {
  if (!csrf) csrf = String((await (await api("/api/session")).json()).csrf_token ?? "");
  return csrf;
}

// ---------------------------------------------------------------- values

function get(object, path) {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), object);
}

function set(object, path, value) {
  const keys = path.split(".");
  let at = object;
  for (const key of keys.slice(0, -1)) at = at[key] ??= {};
  at[keys.at(-1)] = value;
}

const label = (path) => t(`event.field.${path}`);

// ---------------------------------------------------------------- building the form

function fieldFor(path, kind, options = {}) {
  const wrap = document.createElement("div");
  wrap.className = kind === "bool" ? "field field--check" : "field";
  wrap.dataset.path = path;
  const id = `f-${path.replaceAll(".", "-")}`;
  let input;
  if (kind === "select") {
    input = document.createElement("select");
    for (const choice of options.choices) {
      input.append(new Option(t(`event.choice.${path}.${choice || "none"}`), choice));
    }
  } else if (kind === "lines" || kind === "lines1") {
    input = document.createElement("textarea");
    input.rows = kind === "lines" ? 4 : 3;
    if (options.max) input.maxLength = options.max;
  } else if (kind === "checks") {
    input = document.createElement("fieldset");
    input.className = "field-checks";
    for (const choice of options.choices) {
      const box = document.createElement("label");
      const check = document.createElement("input");
      check.type = "checkbox";
      check.value = choice;
      box.append(check, ` ${t(`event.choice.${path}.${choice}`)}`);
      input.append(box);
    }
  } else if (kind === "sources") {
    input = document.createElement("div");
    input.className = "sources-editor";
  } else {
    input = document.createElement("input");
    input.type =
      kind === "number" ? "number" : kind === "bool" ? "checkbox" : kind === "datetime" ? "datetime-local" : "text";
    if (kind === "number") {
      input.min = String(options.min);
      input.max = String(options.max);
      input.step = String(options.step);
      input.inputMode = options.step === 1 ? "numeric" : "decimal";
    }
    if (options.max && kind === "text") input.maxLength = options.max;
  }
  input.id = id;
  input.dataset.kind = kind;
  const name = document.createElement(kind === "checks" || kind === "sources" ? "p" : "label");
  name.className = "field-label";
  name.textContent = label(path);
  if (name.tagName === "LABEL") name.htmlFor = id;
  const help = document.createElement("p");
  help.className = "field-help";
  help.id = `${id}-help`;
  const helpText = t(`event.help.${path}`);
  help.textContent = helpText === `event.help.${path}` ? "" : helpText;
  if (kind !== "checks" && kind !== "sources") input.setAttribute("aria-describedby", help.id);
  if (kind === "bool") wrap.append(input, name, help);
  else wrap.append(name, input, help);
  return wrap;
}

function build() {
  const sections = SECTIONS.map(([title, fields]) => {
    const panel = document.createElement("section");
    panel.className = "panel";
    const head = document.createElement("h2");
    head.textContent = t(title);
    if (fields.some(([path]) => status.live.includes(path.split(".")[0]))) {
      const badge = document.createElement("span");
      badge.className = "origin-badge";
      badge.textContent = t("event.live_badge");
      head.append(badge);
    }
    panel.append(head, ...fields.map(([path, kind, options]) => fieldFor(path, kind, options)));
    return panel;
  });
  $("sections").replaceChildren(...sections);
}

// ---------------------------------------------------------------- sources

function sourceRow(source, index) {
  const row = document.createElement("div");
  row.className = "source-row";
  row.dataset.index = String(index);
  row.dataset.original = JSON.stringify(source);
  const type = document.createElement("select");
  type.name = "type";
  type.setAttribute("aria-label", t("event.source.type"));
  for (const kind of ["mastodon", "bluesky", "rss", "x", ...(source.type === "demo" ? ["demo"] : [])]) {
    type.append(new Option(t(`event.source.${kind}`), kind));
  }
  type.value = source.type;
  const where = document.createElement("input");
  where.type = "text";
  where.name = "where";
  where.spellcheck = false;
  where.dir = "ltr";
  const field = SOURCE_FIELD[source.type];
  where.value = field ? String(source[field] ?? "") : "";
  where.disabled = !field;
  where.setAttribute("aria-label", t("event.source.where"));
  where.placeholder = t(`event.source.placeholder.${source.type}`);
  type.addEventListener("change", () => {
    where.placeholder = t(`event.source.placeholder.${type.value}`);
    where.disabled = !SOURCE_FIELD[type.value];
  });
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "btn btn--danger-outline";
  remove.textContent = t("event.source.remove");
  remove.addEventListener("click", () => row.remove());
  row.append(type, where, remove);
  const credential = status.credentials.find((c) => c.source === index);
  if (credential) {
    const note = document.createElement("p");
    note.className = "credential";
    note.dataset.set = String(credential.set);
    note.textContent = t(credential.set ? "event.source.token_set" : "event.source.token_missing", {
      name: credential.token_env,
    });
    row.append(note);
  }
  return row;
}

function fillSources(container, sources) {
  const rows = sources.map(sourceRow);
  const add = document.createElement("button");
  add.type = "button";
  add.className = "btn";
  add.textContent = t("event.source.add");
  add.addEventListener("click", () => {
    add.before(sourceRow({ type: "bluesky" }, -1));
  });
  container.replaceChildren(...rows, add);
}

function readSources(container) {
  return [...container.querySelectorAll(".source-row")].map((row) => {
    const original = JSON.parse(row.dataset.original);
    const type = row.querySelector('select[name="type"]').value;
    const source = type === original.type ? { ...original } : { type };
    const field = SOURCE_FIELD[type];
    const where = row.querySelector('input[name="where"]').value.trim();
    if (field && where) source[field] = where;
    else if (field) delete source[field];
    return source;
  });
}

// ---------------------------------------------------------------- filling and reading

/** "2026-06-12T09:00" in the browser's time zone, as a datetime-local input wants it. */
function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(
    date.getHours(),
  )}:${pad(date.getMinutes())}`;
}

function fill(settings) {
  for (const wrap of form.querySelectorAll(".field[data-path]")) {
    const path = wrap.dataset.path;
    const input = wrap.querySelector("[data-kind]");
    const value = get(settings, path);
    switch (input.dataset.kind) {
      case "tags":
        input.value = (value ?? []).map((v) => (path === "hashtags" ? `#${v}` : v)).join(" ");
        break;
      case "lines":
        input.value = (value ?? []).join("\n");
        break;
      case "checks":
        for (const box of input.querySelectorAll("input")) box.checked = (value ?? []).includes(box.value);
        break;
      case "bool":
        input.checked = Boolean(value);
        break;
      case "datetime":
        input.value = value ? localInput(new Date(value)) : "";
        break;
      case "sources":
        fillSources(input, value ?? []);
        break;
      default:
        input.value = value == null ? "" : String(value);
    }
  }
}

function read() {
  const settings = structuredClone(loaded);
  for (const wrap of form.querySelectorAll(".field[data-path]")) {
    const path = wrap.dataset.path;
    const input = wrap.querySelector("[data-kind]");
    let value;
    switch (input.dataset.kind) {
      case "tags":
        value = input.value.split(/[\s,]+/).map((v) => v.replace(/^#/, "")).filter(Boolean);
        break;
      case "lines":
        value = input.value.split("\n").map((v) => v.trim()).filter(Boolean);
        break;
      case "checks":
        value = [...input.querySelectorAll("input:checked")].map((box) => box.value);
        break;
      case "bool":
        value = input.checked;
        break;
      case "datetime":
        // The browser's local time, sent with its offset; unchanged stays as loaded.
        value = input.value ? new Date(input.value).toISOString() : null;
        if (value && get(loaded, path) && Date.parse(get(loaded, path)) === Date.parse(value)) {
          value = get(loaded, path);
        }
        break;
      case "number":
        value = input.value.trim() === "" ? get(loaded, path) : Number(input.value);
        break;
      case "sources":
        value = readSources(input);
        break;
      case "select":
        value = input.value === "" && path === "language" ? null : input.value;
        break;
      default:
        value = input.value;
    }
    set(settings, path, value);
  }
  return settings;
}

// ---------------------------------------------------------------- errors

function clearErrors() {
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** Show a refusal beside the field it names ("rules.flood_minutes", "sources[1].server"). */
function showError(body) {
  const path = String(body.params?.path ?? body.field ?? "");
  const top = path.replace(/\[\d+\].*$/, "");
  const wrap =
    form.querySelector(`.field[data-path="${CSS.escape(path)}"]`) ??
    form.querySelector(`.field[data-path="${CSS.escape(top)}"]`) ??
    form.querySelector(`.field[data-path^="${CSS.escape(top.split(".")[0])}"]`);
  const text = errorText(body, wrap ? label(wrap.dataset.path) : "");
  if (!wrap) return text;
  const input = wrap.querySelector("[data-kind]");
  input.setAttribute("aria-invalid", "true");
  const note = document.createElement("p");
  note.className = "field-error";
  note.id = `${input.id}-error`;
  note.textContent = text;
  input.after(note);
  input.setAttribute("aria-describedby", `${note.id} ${input.id}-help`);
  input.focus?.();
  return text;
}

function say(text, kind = "info") {
  $("save-status").textContent = text;
  $("save-status").dataset.kind = kind;
}

// ---------------------------------------------------------------- saving

async function save(event) {
  event.preventDefault();
  clearErrors();
  const next = read();
  const changes = {};
  for (const key of Object.keys(next)) {
    if (key !== "slug" && JSON.stringify(next[key]) !== JSON.stringify(loaded[key])) {
      changes[key] = next[key];
    }
  }
  if (!Object.keys(changes).length) {
    say(t("event.nothing_changed"));
    return;
  }
  say(t("admin.saving"));
  const response = await api(base, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": await token() },
    body: JSON.stringify(changes),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    say(showError(body) || t("admin.save_failed", { status: response.status }), "error");
    return;
  }
  await load();
  say(t("event.saved"), "ok");
}

async function reset() {
  if (!confirm(t("event.reset_confirm"))) return;
  const response = await api(base, {
    method: "DELETE",
    headers: { "X-CSRF-Token": await token() },
  });
  if (!response.ok) {
    say(t("admin.save_failed", { status: response.status }), "error");
    return;
  }
  await load();
  say(t("event.reset_done"), "ok");
}

/** The accounts answers go out from, and whether their tokens are set (never a value). */
function showReplies(accounts) {
  $("replies-none").hidden = accounts.length > 0;
  $("replies-list").replaceChildren(
    ...accounts.map((a) => {
      const item = document.createElement("li");
      item.className = "credential";
      item.dataset.set = String(a.set);
      item.textContent = t(a.set ? "event.replies.ready" : "event.replies.missing", {
        network: { bluesky: "Bluesky", x: "X" }[a.network] ?? "Mastodon",
        account: a.account,
        name: a.token_env,
      });
      return item;
    }),
  );
}

async function load() {
  const [settingsReply, statusReply] = await Promise.all([api(base), api(`${base}/status`)]);
  if (!settingsReply.ok) {
    $("error").textContent = t("admin.save_failed", { status: settingsReply.status });
    $("error").hidden = false;
    return;
  }
  loaded = await settingsReply.json();
  status = statusReply.ok ? await statusReply.json() : status;
  if (typeof loaded.language === "string") setLanguage(loaded.language);
  applyI18n();
  document.title = t("event.title", { title: loaded.title });
  $("event-title").textContent = loaded.title;
  $("origin").textContent = status.live.length
    ? t("event.origin_live", { keys: status.live.map((k) => t(`event.key.${k}`)).join(", ") })
    : t("event.origin_file");
  $("reset").hidden = status.live.length === 0;
  showReplies(status.replies ?? []);
  build();
  fill(loaded);
  document.body.dataset.state = "ready";
}

$("back").href = `/admin/${encodeURIComponent(slug)}`;
$("open-wall").href = `/wall/${encodeURIComponent(slug)}`;
form.addEventListener("submit", (event) => save(event).catch(() => say(t("admin.network_error"), "error")));
$("reset").addEventListener("click", () => reset().catch(() => say(t("admin.network_error"), "error")));
applyI18n();
load().catch(() => {});
