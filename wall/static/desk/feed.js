// The desk socket's messages (docs/protocol.md) applied to the desk's state.

import { decorate, cards } from "/static/desk/card.js";
import { renderPresence, scheduleRender } from "/static/desk/render.js";
import { showSpotlight } from "/static/desk/spotlight.js";
import { forget, known, remember } from "/static/desk/state.js";

export function applyMessage(message) {
  switch (message.type) {
    case "snapshot":
      known.posts.clear();
      known.seqs.clear();
      for (const post of Array.isArray(message.posts) ? message.posts : []) {
        remember(post, message.seq);
      }
      showSpotlight(message.spotlight ?? null);
      break;
    case "post.queued":
    case "post.approved":
    case "post.rejected":
    case "post.updated":
      remember(message.post, message.seq);
      break;
    case "post.removed": {
      const old = known.posts.get(String(message.id));
      if (message.erased) {
        forget(String(message.id)); // erased for privacy: the card goes, not to "removed"
      } else if (old) {
        const removed = {
          ...old,
          status: "removed",
          decided_by: message.by ?? null,
          decided_at: new Date().toISOString(),
          reason: null,
        };
        remember(removed, message.seq);
      }
      if (known.spotlight && String(known.spotlight.id) === String(message.id)) {
        showSpotlight(null);
      }
      break;
    }
    case "spotlight":
      showSpotlight(message.id === null ? null : message);
      break;
    case "claims":
      known.claims.clear();
      for (const claim of Array.isArray(message.claims) ? message.claims : []) {
        if (claim && claim.id !== undefined) known.claims.set(String(claim.id), claim);
      }
      for (const card of cards.values()) decorate(card);
      return;
    case "presence":
      known.moderators = Array.isArray(message.moderators) ? message.moderators : [];
      renderPresence();
      return;
    default:
      return;
  }
  scheduleRender();
}
