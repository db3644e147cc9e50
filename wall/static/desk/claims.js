// Reserving the card the moderator opened, so the other desks show who is on it
// (docs/moderation-desk.md, "Reserving a card").

import { request } from "/static/desk/api.js";
import { known, me, postUrl, ui } from "/static/desk/state.js";

// Selecting a card reserves it after this pause (arrow keys fly over cards without it).
const CLAIM_DELAY_MS = 250;
// A desk nobody touched for this long stops renewing its reservation: it lapses.
const IDLE_MS = 60_000;

const timers = { claim: 0, renew: 0 };
let mine = null; // the card this desk reserved last

/** The moderator opened a card: reserve it once they stay on it a moment. */
export function wantClaim(id) {
  cancelClaim();
  timers.claim = setTimeout(() => claim(id), CLAIM_DELAY_MS);
}

/** An action is on its way: no reservation now (the action itself decides). */
export function cancelClaim() {
  clearTimeout(timers.claim);
  clearTimeout(timers.renew);
}

async function claim(id) {
  if (ui.selection.id !== id || !known.posts.has(id) || me.ended) return;
  const held = known.claims.get(id);
  if (held && held.by !== me.name) {
    releaseMine(); // the card shows who has it; ours, elsewhere, is free again
    return;
  }
  if (Date.now() - ui.lastInput > IDLE_MS) return; // nobody at the desk: let it lapse
  let result;
  try {
    result = await request("POST", postUrl(id, "claim"), {});
  } catch {
    return; // the connection indicator says why; the next selection tries again
  }
  if (result.response.ok) {
    mine = id;
    clearTimeout(timers.renew);
    timers.renew = setTimeout(() => claim(id), (known.settings.claim_seconds * 1000) / 3);
  }
}

function releaseMine() {
  const id = mine;
  mine = null;
  if (id === null || known.claims.get(id)?.by !== me.name) return;
  request("POST", postUrl(id, "release"), {}).catch(() => {});
}
