// Signing in: POST /api/login as JSON. The sign-in page uses it, then goes back to where
// the user was going; the desk uses logIn() for its inline login when a session ends.

import { applyI18n, t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";

/**
 * Log in; returns {ok, status, body}: body holds username, role and csrf_token when ok,
 * else the server's error. Throws when the server cannot be reached.
 */
export async function logIn(username, password) {
  const response = await fetch("/api/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username, password }),
    credentials: "same-origin",
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { ok: response.ok, status: response.status, body };
}

/** The words for a refused login: wrong password, throttled, or the server's error. */
export function loginError(status, body) {
  if (status === 401) return t("login.wrong");
  if (status === 429 && body?.error) return errorText(body);
  return body?.error ? errorText(body) : t("login.error", { status });
}

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

function loginPage(form) {
  const username = document.getElementById("username");
  const password = document.getElementById("password");
  const submit = document.getElementById("submit");
  const errorEl = document.getElementById("error");
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
    let result;
    try {
      result = await logIn(username.value.trim(), password.value);
    } catch {
      setBusy(false);
      showError(t("login.network"));
      return;
    }
    if (result.ok) {
      location.assign(next);
      return;
    }
    setBusy(false);
    showError(loginError(result.status, result.body));
    if (result.status === 401) {
      password.value = "";
      password.focus();
    }
  });

  applyI18n();
  document.title = t("login.title");
  username.focus();
}

// The sign-in page only: other pages import this module for logIn().
const form = document.getElementById("login-form");
if (form) loginPage(form);
