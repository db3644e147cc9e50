// Talking to the server: one JSON call with the session's CSRF token, and the one place
// that notices the session has ended, whatever the call was.
//
// An ended session (logged out elsewhere, expired, revoked) answers 401, with
// {"code": "session_expired"} when the server knows; a request that reaches the CSRF check
// first answers 403 saying so. Both mean the same to a moderator: log in again. The desk
// then shows its inline login (desk/session.js) and retries nothing by itself.

import { me } from "/static/desk/state.js";

const listeners = new Set();

/** Call `fn()` whenever a request finds the session ended. */
export function onSessionEnded(fn) {
  listeners.add(fn);
}

/** Whether this answer means "your session has ended: log in again". */
export function sessionEnded(response, body) {
  if (response.status === 401) return true;
  if (body?.code === "session_expired" || body?.code === "login_required") return true;
  return response.status === 403 && /csrf/i.test(`${body?.code ?? ""} ${body?.error ?? ""}`);
}

export function endSession() {
  for (const fn of listeners) fn();
}

/**
 * One API call; returns {response, body, ended}; throws when the server cannot be
 * reached. `ended` is true when the session has ended (the inline login is showing).
 */
export async function request(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let parsed = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = null;
  }
  const ended = sessionEnded(response, parsed);
  if (ended) endSession();
  return { response, body: parsed, ended };
}
