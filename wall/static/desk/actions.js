// Doing things to posts: approve, reject, remove, restore, the card tools, undo, bulk.
//
// The server is the judge (compare-and-set), so a card shows what the server says; a 409
// says who decided first, or who holds the card. Nothing here is retried by itself: after
// a refusal, a lost connection or an ended session, the moderator decides again.

import { t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";
import { request } from "/static/desk/api.js";
import { cards, decorate, setBusy } from "/static/desk/card.js";
import { cancelClaim } from "/static/desk/claims.js";
import { hideUndo, offer, offerUndo, toast } from "/static/desk/notices.js";
import {
  onscreenHold,
  render,
  renderBulk,
  scheduleRender,
  setSelecting,
} from "/static/desk/render.js";
import { select } from "/static/desk/selection.js";
import {
  ACTIONS,
  COLUMN,
  STATUS_ACTIONS,
  forget,
  known,
  postUrl,
  remember,
  slug,
  ui,
} from "/static/desk/state.js";

function conflictMessage(post) {
  const status = t(`status.${post.status}`);
  return post.decided_by
    ? t("mod.conflict_by", { status, who: post.decided_by })
    : t("mod.conflict", { status });
}

function doneText(kind, reply) {
  if (STATUS_ACTIONS.has(kind)) return t(`mod.done.${kind}`);
  if (kind === "block-author") {
    return t("desk.done.block-author", { count: reply?.posts?.length ?? 0 });
  }
  return t(`desk.done.${kind}`);
}

/**
 * Do `kind` to post `id` ("approve", "pin", "reply"…) and show the outcome: the new state
 * and an undo button, or why not. Returns the reply on success, null otherwise.
 * options: method, path, body; onRefused(response, body) → true when it said why;
 * onDone(reply) after a success (close the dialog it was typed in).
 */
export async function perform(id, kind, options = {}) {
  // A second key pressed while an action on the same post is in flight waits its turn
  // (it used to be dropped without a word); each then succeeds or says why not.
  const before = ui.inflight.get(id);
  const run = (async () => {
    if (before) await before.catch(() => null);
    return performNow(id, kind, options);
  })();
  ui.inflight.set(id, run);
  try {
    return await run;
  } finally {
    if (ui.inflight.get(id) === run) ui.inflight.delete(id);
  }
}

async function performNow(id, kind, options) {
  const { method = "POST", path = kind, body = {}, onRefused, onDone } = options;
  if (ui.busy.has(id)) return null;
  // A decision is on the post as the moderator sees it: if another moderator decided it
  // meanwhile, the server refuses (409) rather than overturn their decision.
  const seen = known.posts.get(id)?.status;
  const decision = STATUS_ACTIONS.has(kind) && seen && body.seen === undefined;
  const sent = decision ? { ...body, seen } : body;
  cancelClaim();
  setBusy(id, true);
  let result;
  try {
    result = await request(method, postUrl(id, path), sent);
  } catch {
    toast(t("mod.network_error"), "error");
    return null;
  } finally {
    setBusy(id, false);
  }
  const { response, body: reply, ended } = result;
  if (ended) return null; // the inline login is up; the moderator decides again after it
  if (response.ok && reply) {
    const seq = Number.isFinite(reply.seq) ? reply.seq : null;
    if (reply.post) remember(reply.post, seq);
    for (const post of Array.isArray(reply.posts) ? reply.posts : []) remember(post, seq);
    if (kind === "undo") {
      hideUndo();
      toast(t("desk.done.undo"));
      focusRestored(id);
    } else {
      offerUndo(id, () => doneText(kind, reply));
      scheduleRender();
    }
    onDone?.(reply);
    return reply;
  }
  if (response.status === 409 && reply?.post) remember(reply.post);
  if (onRefused?.(response, reply)) {
    scheduleRender();
    return null;
  }
  if (response.status === 409 && reply?.claim) {
    // Someone else holds the card: say who, and let the moderator act anyway.
    const who = reply.claim.by;
    toast(who ? t("desk.claim.held", { who }) : errorText(reply), "warning", {
      label: t("desk.claim.act_anyway"),
      run: () => perform(id, kind, { ...options, body: { ...body, override: true } }),
    });
  } else if (response.status === 409 && reply?.post && STATUS_ACTIONS.has(kind)) {
    toast(conflictMessage(reply.post), "warning"); // the server's state wins: say who
  } else if (response.status === 409 && reply?.error) {
    toast(errorText(reply), "warning");
  } else if (response.status === 404) {
    forget(id);
    toast(t("mod.not_found"), "warning");
  } else if (response.status === 403) {
    toast(reply?.error ? errorText(reply) : t("mod.forbidden"), "error");
  } else {
    toast(reply?.error ? errorText(reply) : t("mod.error", { status: response.status }), "error");
  }
  scheduleRender();
  return null;
}

/** After an undo, the post is back where it was: open it there, with the focus. */
function focusRestored(id) {
  const post = known.posts.get(id);
  if (!post) return;
  onscreenHold.letGo(); // the moderator asked for it back: show it, even under the finger
  render();
  select(COLUMN[post.status], id, { focus: true });
}

/**
 * Undo the last action. Pressed while a decision is still on its way (the card may already
 * have moved, from the socket, before the server's answer came back), it waits for that
 * answer and undoes it: a quick "u" after "r" is never lost.
 */
export async function undo() {
  const pending = [...ui.inflight.values()];
  if (pending.length) await Promise.all(pending.map((run) => run.catch(() => null)));
  if (offer.id !== null) perform(offer.id, "undo");
}

/** Approve, reject, remove or restore the selected card (keys a, r, d). */
export function actOnSelected(key) {
  const id = ui.selection.id;
  const post = id === null ? null : known.posts.get(id);
  if (!post) return;
  // "a" approves what waits or was rejected, and restores what was removed.
  const action = key === "approve" && post.status === "removed" ? "restore" : key;
  if ((ACTIONS[post.status] ?? []).includes(action)) perform(id, action);
}

// ---------------------------------------------------------------- bulk

export function toggleMark(id) {
  const post = known.posts.get(id);
  if (!post || post.status !== "pending") return;
  if (ui.marked.has(id)) ui.marked.delete(id);
  else ui.marked.add(id);
  if (ui.marked.size) setSelecting(true);
  const card = cards.get(id);
  if (card) decorate(card);
  renderBulk();
}

export async function bulk(action) {
  const ids = Array.from(ui.marked);
  if (!ids.length) return;
  let result;
  try {
    result = await request("POST", `/api/events/${encodeURIComponent(slug)}/posts/bulk`, {
      action,
      ids: ids.map(Number),
    });
  } catch {
    toast(t("mod.network_error"), "error");
    return;
  }
  const { response, body, ended } = result;
  if (ended) return;
  if (!response.ok || !Array.isArray(body?.results)) {
    toast(body?.error ? errorText(body) : t("mod.error", { status: response.status }), "error");
    return;
  }
  const refused = [];
  for (const outcome of body.results) {
    if (outcome.post) remember(outcome.post, outcome.status === 200 ? (outcome.seq ?? null) : null);
    if (outcome.status !== 200) refused.push(outcome);
  }
  setSelecting(false);
  const ok = body.results.length - refused.length;
  if (refused.length) {
    const first = errorText(refused[0]);
    toast(t("desk.bulk_done", { ok, failed: refused.length, first }), "warning");
  } else {
    toast(t("desk.bulk_all_done", { count: ok }));
  }
  scheduleRender();
}
