// The invitation page (/invite/{token}), made for a phone or a tablet: it says what the
// invitation offers, lets the invited person choose a user name and a password, and sends
// them, logged in, to the desk of their event. A used, expired or unknown link gets a
// sentence saying so and what to do.

import { applyI18n, lang, t } from "/static/i18n.js";
import { safeNext } from "/static/login.js";
import { errorText } from "/static/reasons.js";

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() ?? "");
const form = $("invite-form");

function show(state) {
  document.body.dataset.state = state;
  $("checking").hidden = state !== "loading";
  $("offer").hidden = state !== "offer";
  $("gone").hidden = state !== "gone";
}

function gone(message, canLogIn = false) {
  $("gone-text").textContent = message;
  $("gone-login").hidden = !canLogIn;
  $("heading").textContent = t("invite.gone_heading");
  show("gone");
}

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(lang(), { dateStyle: "long", timeStyle: "short" }).format(date);
}

function offer(invitation) {
  const events = invitation.titles.length
    ? invitation.titles.join(", ")
    : t("invite.every_event");
  const key = invitation.role === "organiser" ? "invite.intro_organiser" : "invite.intro_moderator";
  $("intro").textContent = t(key, { events });
  $("expires").textContent = t("invite.expires", { when: when(invitation.expires_at) });
  show("offer");
  $("username").focus();
}

function refused(message, field) {
  $("error").textContent = message;
  $("error").hidden = false;
  for (const input of form.querySelectorAll("input")) input.removeAttribute("aria-invalid");
  if (field && form[field]) {
    form[field].setAttribute("aria-invalid", "true");
    form[field].focus();
  }
}

function busy(on) {
  $("submit").disabled = on;
  $("submit").textContent = t(on ? "invite.busy" : "invite.submit");
}

async function load() {
  let response;
  try {
    response = await fetch(`/api/join/${encodeURIComponent(token)}`, { credentials: "same-origin" });
  } catch {
    gone(t("login.network"));
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    gone(errorText(body) || t("invite.failed"), body.code === "invite_used");
    return;
  }
  offer(body);
}

async function accept(event) {
  event.preventDefault();
  const username = form.username.value.trim();
  if (!username) return refused(t("invite.name_first"), "username");
  if (form.password.value !== form.again.value) return refused(t("invite.mismatch"), "again");
  busy(true);
  let response;
  try {
    response = await fetch(`/api/join/${encodeURIComponent(token)}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username, password: form.password.value }),
    });
  } catch {
    busy(false);
    return refused(t("login.network"));
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    location.assign(safeNext(body.next));
    return;
  }
  busy(false);
  if (response.status === 404 || response.status === 410) {
    gone(errorText(body) || t("invite.failed"), body.code === "invite_used");
    return;
  }
  refused(errorText(body) || t("invite.failed"), body.field);
}

form.addEventListener("submit", (event) => {
  accept(event).catch(() => {
    busy(false);
    refused(t("invite.failed"));
  });
});
applyI18n();
document.title = t("invite.title");
load().catch(() => gone(t("invite.failed")));
