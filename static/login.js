// The sign-in form: POST /api/login as JSON, then back to where the user was going.

import { applyI18n, t } from "/static/i18n.js";

const form = document.getElementById("login-form");
const username = document.getElementById("username");
const password = document.getElementById("password");
const submit = document.getElementById("submit");
const errorEl = document.getElementById("error");

/** Where to go after signing in: `next` when it is a path on this site, else "/". */
export function safeNext(raw) {
  if (typeof raw !== "string" || !raw.startsWith("/") || raw.startsWith("//")) return "/";
  // Backslashes and control characters can turn a path into another host in some browsers.
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return "/";
  try {
    const target = new URL(raw, location.origin);
    if (target.origin !== location.origin) return "/";
    return target.pathname + target.search + target.hash;
  } catch {
    return "/";
  }
}

const next = safeNext(new URLSearchParams(location.search).get("next"));

function showError(message) {
  errorEl.textContent = message;
  errorEl.hidden = false;
}

function setBusy(on) {
  submit.disabled = on;
  submit.textContent = t(on ? "login.busy" : "login.submit");
  form.setAttribute("aria-busy", on ? "true" : "false");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!username.value.trim()) {
    username.focus();
    return;
  }
  if (!password.value) {
    password.focus();
    return;
  }
  errorEl.hidden = true;
  setBusy(true);
  let response;
  try {
    response = await fetch("/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username: username.value.trim(), password: password.value }),
      credentials: "same-origin",
    });
  } catch {
    setBusy(false);
    showError(t("login.network"));
    return;
  }
  if (response.ok) {
    location.assign(next);
    return;
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  setBusy(false);
  if (response.status === 401) {
    showError(t("login.wrong"));
    password.value = "";
    password.focus();
  } else if (response.status === 429 && body?.error) {
    showError(String(body.error));
  } else {
    showError(body?.error ? String(body.error) : t("login.error", { status: response.status }));
  }
});

applyI18n();
document.title = t("login.title");
username.focus();
