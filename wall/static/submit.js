// The attendees' page: a name (optional), a message and one photo, sent to
// POST /api/events/{event}/submissions as multipart/form-data.
//
// The server is the judge of every limit; this page checks the same limits first so an
// attendee hears at once what to change, and it says every refusal in their language.
// Event data goes into the page with textContent only.

import { applyI18n, lang, setLanguage, t } from "/static/i18n.js";
import { reasonText } from "/static/reasons.js";
import * as mine from "/static/submit-mine.js";

const slug = eventSlug();
const $ = (id) => document.getElementById(id);
const form = $("submit-form");
const nameInput = $("name");
const textInput = $("text");
const counter = $("counter");
const photoInput = $("photo");
const photoButton = $("photo-button");
const preview = $("preview");
const previewImg = $("preview-img");
const previewNote = $("preview-note");
const removeButton = $("photo-remove");
const consent = $("consent");
const errorEl = $("error");
const send = $("send");
const done = $("done");
const closed = $("closed");

let settings = null;
let previewUrl = null;
let busy = false;
let lastSent = null; // the id of the post the done panel speaks of

function eventSlug() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}

/** Characters as the server counts them: code points, line breaks as one. */
function length(text) {
  return Array.from(text.trim()).length;
}

// ---------------------------------------------------------------- messages

function showError(message) {
  errorEl.textContent = message;
  errorEl.hidden = false;
}

function clearError() {
  errorEl.hidden = true;
  errorEl.textContent = "";
}

/** The attendee's sentence for a refusal the server sent as {error, code, ...}. */
function refusal(status, body) {
  const code = body && typeof body.code === "string" ? body.code : "";
  const minutes = Math.max(1, Math.ceil(Number(body?.retry_after ?? 60) / 60));
  switch (code) {
    case "rate_device":
    case "rate_address":
      return t(`submit.err.${code}`, { count: minutes });
    case "text_too_long":
    case "name_too_long":
      return t(`submit.err.${code}`, { limit: Number(body.limit) || "" });
    case "photo_too_large":
      return t("submit.err.photo_too_large", { mb: megabytes() });
    case "closed":
      return t("submit.closed");
    case "unknown_event":
      return t("submit.unknown_event", { slug });
    case "empty":
    case "photo_pixels":
    case "photo_type":
    case "photo_damaged":
    case "photo_empty":
    case "one_photo":
    case "device":
    case "origin":
    case "form":
      return t(`submit.err.${code}`);
    default:
      return body?.error ? String(body.error) : t("submit.err.other", { status });
  }
}

function megabytes() {
  return Math.floor((settings?.max_photo_bytes ?? 0) / (1024 * 1024));
}

// ---------------------------------------------------------------- the form

function renderCounter() {
  const max = settings?.max_text ?? 0;
  const count = length(textInput.value);
  counter.textContent = t("submit.counter", { count, max });
  counter.dataset.over = String(count > max);
  textInput.setAttribute("aria-invalid", String(count > max));
}

function renderConsent() {
  if (!settings) return;
  const own = String(settings.consent?.[lang()] || settings.consent?.en || "").trim();
  if (own) {
    consent.textContent = own; // the organiser's words, for this event
    return;
  }
  const retention = settings.retention?.[lang()] ?? settings.retention?.en ?? "";
  const parts = [
    t(settings.moderation === "post" ? "submit.consent_post" : "submit.consent_pre"),
    t("submit.consent_keep", { retention }),
    t("submit.consent_privacy"),
    t("submit.consent_agree"),
  ];
  consent.textContent = parts.join(" ");
}

function clearPhoto() {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
  photoInput.value = "";
  previewImg.removeAttribute("src");
  preview.hidden = true;
  previewNote.hidden = true;
  photoButton.textContent = t("submit.photo_add");
}

function choosePhoto() {
  clearError();
  const file = photoInput.files?.[0];
  if (!file) {
    clearPhoto();
    return;
  }
  if (settings && file.size > settings.max_photo_bytes) {
    clearPhoto();
    showError(t("submit.err.photo_too_large", { mb: megabytes() }));
    return;
  }
  if (file.type && !file.type.startsWith("image/")) {
    clearPhoto();
    showError(t("submit.err.photo_type"));
    return;
  }
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  previewNote.hidden = true;
  previewImg.alt = t("submit.photo_alt");
  previewImg.src = previewUrl;
  preview.hidden = false;
  photoButton.textContent = t("submit.photo_change");
}

function setBusy(on) {
  busy = on;
  send.disabled = on;
  send.textContent = t(on ? "submit.sending" : "submit.send");
  form.setAttribute("aria-busy", String(on));
}

/** The first problem the server would refuse, said in the attendee's language. */
function localProblem() {
  const text = length(textInput.value);
  if (text > settings.max_text) return t("submit.err.text_too_long", { limit: settings.max_text });
  if (length(nameInput.value) > settings.max_name) {
    return t("submit.err.name_too_long", { limit: settings.max_name });
  }
  if (text === 0 && !photoInput.files?.length) return t("submit.err.empty");
  return null;
}

async function submit(event) {
  event.preventDefault();
  if (busy || !settings) return;
  clearError();
  const problem = localProblem();
  if (problem) {
    showError(problem);
    return;
  }
  const data = new FormData();
  data.append("name", nameInput.value.trim());
  data.append("text", textInput.value.trim());
  data.append("lang", lang());
  const file = photoInput.files?.[0];
  if (file) data.append("photo", file, file.name || "photo");

  setBusy(true);
  let response;
  try {
    response = await fetch(`/api/events/${encodeURIComponent(slug)}/submissions`, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  } catch {
    setBusy(false);
    showError(t("submit.err.network"));
    return;
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  setBusy(false);
  if (response.ok && body && typeof body.status === "string") {
    lastSent = Number.isInteger(body.id) ? body.id : null;
    // The sent photo stays on this phone, in "Your posts", until the wall shows it.
    mine.sent(lastSent, previewUrl);
    previewUrl = null;
    showDone(body);
    return;
  }
  showError(refusal(response.status, body));
}

const STATUS_OF = { waiting: "pending", shown: "approved", declined: "rejected", removed: "removed" };

/** The done panel follows the post it speaks of: waiting, then on the wall (or not). */
function followed(posts) {
  if (done.hidden || lastSent === null) return;
  const post = posts.find((p) => p.id === lastSent);
  if (post) renderDone(STATUS_OF[post.where], post);
}

function renderDone(status, body) {
  $("done-title").textContent = t(`submit.done_${status}`);
  $("done-text").textContent = t(`submit.done_${status}_more`, {
    reason: reasonText(body),
  });
  done.dataset.status = status;
}

function showDone(body) {
  const status = ["pending", "approved", "rejected"].includes(body.status) ? body.status : "pending";
  renderDone(status, body);
  document.body.dataset.state = "done";
  form.hidden = true;
  done.hidden = false;
  if (status !== "rejected") {
    textInput.value = "";
    clearPhoto();
    renderCounter();
  }
  $("again").focus();
}

function again() {
  done.hidden = true;
  form.hidden = false;
  document.body.dataset.state = "ready";
  textInput.focus();
}

// ---------------------------------------------------------------- start

function renderEvent() {
  $("event-title").textContent = String(settings.title ?? slug);
  document.title = t("submit.title", { title: String(settings.title ?? slug) });
  const tags = (Array.isArray(settings.hashtags) ? settings.hashtags : [])
    .map((tag) => String(tag).replace(/^#/, ""))
    .filter(Boolean);
  $("hashtags").replaceChildren(
    ...tags.map((tag) => {
      const li = document.createElement("li");
      li.textContent = `#${tag}`;
      return li;
    }),
  );
}

function relabel() {
  applyI18n();
  mine.relabel();
  const post = lastSent === null ? null : mine.postById(lastSent);
  if (!done.hidden && post) renderDone(STATUS_OF[post.where], post);
  renderEvent();
  renderConsent();
  renderCounter();
  photoButton.textContent = t(previewUrl ? "submit.photo_change" : "submit.photo_add");
}

async function load() {
  let response;
  try {
    response = await fetch(`/api/events/${encodeURIComponent(slug)}/submissions`, {
      headers: { Accept: "application/json" },
    });
  } catch {
    closed.textContent = t("submit.err.network");
    closed.hidden = false;
    document.body.dataset.state = "error";
    return;
  }
  if (!response.ok) {
    closed.textContent =
      response.status === 404 ? t("submit.unknown_event", { slug }) : t("submit.err.other", {
        status: response.status,
      });
    closed.hidden = false;
    document.body.dataset.state = "error";
    return;
  }
  settings = await response.json();
  if (typeof settings.language === "string") setLanguage(settings.language);
  relabel();
  if (!settings.enabled) {
    closed.textContent = t("submit.closed");
    closed.hidden = false;
    document.body.dataset.state = "closed";
    return;
  }
  form.hidden = false;
  document.body.dataset.state = "ready";
  mine.follow(slug, followed);
}

form.addEventListener("submit", submit);
textInput.addEventListener("input", renderCounter);
photoInput.addEventListener("change", choosePhoto);
photoButton.addEventListener("click", () => photoInput.click());
removeButton.addEventListener("click", () => {
  clearPhoto();
  photoButton.focus();
});
previewImg.addEventListener("error", () => {
  if (!previewUrl) return;
  previewImg.removeAttribute("src");
  previewNote.textContent = t("submit.no_preview");
  previewNote.hidden = false;
});
$("again").addEventListener("click", again);
window.addEventListener("pagehide", () => {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
});

applyI18n();
load();
