// The organiser page's privacy panel: erase one person everywhere, download what Murmur
// holds about them, and set how long the event keeps its posts (docs/privacy.md).
//
// An erasure asks first, in words that say it cannot be undone; its answer is the
// receipt, offered as a file to keep (Murmur does not keep it).

import { applyI18n, t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";
import { loginUrl } from "/static/socket.js";

const $ = (id) => document.getElementById(id);
const slug = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() ?? "");
const form = $("privacy");
const status = $("privacy-status");

let csrf = "";

async function session() {
  if (csrf) return csrf;
  const response = await fetch("/api/session", { credentials: "same-origin" });
  if (response.status === 401) {
    location.assign(loginUrl());
    throw new Error("not logged in");
  }
  csrf = String((await response.json()).csrf_token ?? "");
  return csrf;
}

function say(text, kind = "info") {
  status.textContent = text;
  status.dataset.kind = kind;
}

/** The person as the form names them, or null (and a sentence) when it does not. */
function who() {
  const post = Number(form.post.value);
  if (Number.isInteger(post) && post > 0) return { event: slug, post };
  const handle = form.handle.value.trim();
  if (!handle) {
    say(t("privacy.name_them"), "error");
    form.handle.focus();
    return null;
  }
  return { network: form.network.value, handle };
}

function download(name, data) {
  const url = URL.createObjectURL(new Blob([data], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function access() {
  const person = who();
  if (!person) return;
  const query = new URLSearchParams(Object.entries(person).map(([k, v]) => [k, String(v)]));
  say(t("privacy.working"));
  const response = await fetch(`/api/privacy/person?${query}`, { credentials: "same-origin" });
  const text = await response.text();
  if (!response.ok) {
    say(errorText(JSON.parse(text || "{}")) || t("privacy.failed"), "error");
    return;
  }
  const data = JSON.parse(text);
  download(`murmur-${person.handle ?? `post-${person.post}`}.json`, text);
  say(t("privacy.found", { count: data.posts.length }), "ok");
}

async function erase() {
  const person = who();
  if (!person) return;
  const named = person.handle ? `${person.network} ${person.handle}` : `#${person.post}`;
  if (!confirm(t("privacy.confirm", { who: named }))) return;
  say(t("privacy.working"));
  const response = await fetch("/api/privacy/erase", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": await session() },
    body: JSON.stringify(person),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    say(errorText(body) || t("privacy.failed"), "error");
    return;
  }
  download(`murmur-erasure-${body.number}.json`, JSON.stringify(body, null, 2));
  say(
    t("privacy.erased", { count: body.posts.length, pictures: body.pictures, number: body.number }),
    "ok",
  );
  form.handle.value = "";
  form.post.value = "";
}

async function loadRetention() {
  const response = await fetch(`/api/events/${encodeURIComponent(slug)}/settings`, {
    credentials: "same-origin",
  });
  if (!response.ok) return;
  const settings = await response.json();
  form.retention_days.value = String(settings.privacy?.retention_days ?? 0);
}

async function saveRetention() {
  const days = Number(form.retention_days.value);
  const response = await fetch(`/api/events/${encodeURIComponent(slug)}/settings`, {
    method: "PATCH",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": await session() },
    body: JSON.stringify({ privacy: { retention_days: days } }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    say(errorText(body, t("privacy.retention_label")) || t("privacy.failed"), "error");
    return;
  }
  say(t("privacy.retention_saved", { count: body.settings.privacy.retention_days }), "ok");
}

$("privacy-access").addEventListener("click", () => access().catch(() => say(t("privacy.failed"), "error")));
$("privacy-erase").addEventListener("click", () => erase().catch(() => say(t("privacy.failed"), "error")));
$("retention-save").addEventListener("click", () =>
  saveRetention().catch(() => say(t("privacy.failed"), "error")),
);
applyI18n(form.closest("section"));
loadRetention().catch(() => {});
