// The spotlight as the desk sees it: a bar saying which post every screen shows full-size,
// with a button to end it early, and a badge on that post's card.

import { t } from "/static/i18n.js";
import { request } from "/static/desk/api.js";
import { invalidate } from "/static/desk/card.js";
import { $ } from "/static/desk/dom.js";
import { toast } from "/static/desk/notices.js";
import { scheduleRender } from "/static/desk/render.js";
import { known, slug } from "/static/desk/state.js";

const timer = { end: 0 };

function handleOf(post, fallback) {
  const handle = String(post?.author?.handle ?? fallback);
  return handle.startsWith("@") ? handle : `@${handle}`;
}

/** A `spotlight` message (or a snapshot's spotlight); null or a past one: none. */
export function showSpotlight(message) {
  clearTimeout(timer.end);
  const until = message ? Date.parse(message.until ?? "") : Number.NaN;
  const live = Boolean(message && message.id !== null && until > Date.now());
  const before = known.spotlight?.id;
  known.spotlight = live ? { id: message.id, until, post: message.post ?? null } : null;
  $("spotlight-bar").hidden = !live;
  relabelSpotlight();
  if (live) timer.end = setTimeout(() => showSpotlight(null), until - Date.now());
  invalidate(before);
  invalidate(known.spotlight?.id);
  scheduleRender();
}

export function relabelSpotlight() {
  const now = known.spotlight;
  $("spotlight-text").textContent = now
    ? t("desk.spotlight.now", { who: handleOf(now.post, now.id) })
    : "";
}

export async function endSpotlight() {
  try {
    await request("DELETE", `/api/events/${encodeURIComponent(slug)}/spotlight`, {});
  } catch {
    toast(t("mod.network_error"), "error");
  }
}

$("spotlight-end").addEventListener("click", endSpotlight);
