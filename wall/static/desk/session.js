// Who is signed in at this desk, and what happens when the session ends mid-event.
//
// An ended session (expired, logged out elsewhere, revoked by an organiser) used to show
// "Missing or wrong CSRF token" while the bar still said Live. Now any sign of it (a 401,
// a 403 about the CSRF token, the desk socket closed with 4401) opens a login box over
// the desk: the queue, the open card, the scroll position and any dialog stay as they
// are; logging in there takes a fresh CSRF token, reconnects the socket (which replays
// what was missed) and gives the focus back to the open card. Nothing the moderator asked
// for is retried by itself: they see the card, and decide again.

import { t } from "/static/i18n.js";
import { logIn, loginError } from "/static/login.js";
import { onSessionEnded } from "/static/desk/api.js";
import { $ } from "/static/desk/dom.js";
import { toast } from "/static/desk/notices.js";
import { renderPresence, renderStatus } from "/static/desk/render.js";
import { refocus } from "/static/desk/selection.js";
import { me, ui } from "/static/desk/state.js";
import { loginUrl } from "/static/socket.js";

const dialog = $("relogin");

/** Take the session's user, role and CSRF token (GET /api/session or a login's answer). */
function applySession(session) {
  me.csrf = String(session.csrf_token ?? "");
  me.name = String(session.username ?? "");
  me.role = String(session.role ?? "");
  const signedIn = t("mod.signed_in_as", { user: me.name });
  $("user").textContent = signedIn;
  $("logout").title = signedIn;
  document.body.dataset.user = me.name;
  document.body.dataset.role = me.role;
  $("audit-button").hidden = me.role !== "organiser";
}

/** The words that depend on who is signed in, again in the page's language. */
export function relabelSession() {
  if (!me.name) return;
  const signedIn = t("mod.signed_in_as", { user: me.name });
  $("user").textContent = signedIn;
  $("logout").title = signedIn;
}

/** At start: who is signed in; without a session, off to the sign-in page (nothing to keep). */
export async function loadSession() {
  for (;;) {
    try {
      const response = await fetch("/api/session", { credentials: "same-origin" });
      if (response.status === 401) {
        location.assign(loginUrl());
        return false;
      }
      if (response.ok) {
        applySession(await response.json());
        return true;
      }
    } catch {
      // The server is unreachable: say so and retry below.
    }
    toast(t("conn.offline"), "error");
    await new Promise((resolve) => setTimeout(resolve, 3000 + Math.random() * 3000));
  }
}

function showError(message) {
  $("relogin-error").textContent = message;
  $("relogin-error").hidden = false;
}

function setBusy(on) {
  $("relogin-submit").disabled = on;
  $("relogin-submit").textContent = t(on ? "login.busy" : "desk.session.submit");
}

/** The session has ended: ask for the password again, over the desk as it is. */
function ended() {
  me.ended = true;
  renderStatus();
  if (dialog.open) return;
  $("relogin-user").value = me.name;
  $("relogin-password").value = "";
  $("relogin-error").hidden = true;
  setBusy(false);
  dialog.showModal();
  (me.name ? $("relogin-password") : $("relogin-user")).focus();
}

onSessionEnded(ended);

$("relogin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = $("relogin-user").value.trim();
  const password = $("relogin-password").value;
  if (!username) {
    $("relogin-user").focus();
    return;
  }
  if (!password) {
    $("relogin-password").focus();
    return;
  }
  setBusy(true);
  let result;
  try {
    result = await logIn(username, password);
  } catch {
    setBusy(false);
    showError(t("login.network"));
    return;
  }
  setBusy(false);
  if (!result.ok) {
    showError(loginError(result.status, result.body));
    $("relogin-password").select();
    return;
  }
  applySession(result.body ?? {});
  me.ended = false;
  dialog.close();
  renderStatus();
  renderPresence();
  ui.socket?.reconnect(); // with ?since=: the server replays what happened meanwhile
  refocus();
  toast(t("desk.session.done"));
});

// Escape closes the box but not the problem: the bar still says signed out, and the next
// action (or the socket) opens it again.
dialog.addEventListener("close", () => {
  if (!me.ended) return;
  renderStatus();
});

$("logout").addEventListener("click", async () => {
  try {
    await fetch("/api/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf },
      body: "{}",
      credentials: "same-origin",
    });
  } catch {
    toast(t("mod.logout_failed"), "error");
    return;
  }
  ui.socket?.close();
  location.assign("/login");
});
