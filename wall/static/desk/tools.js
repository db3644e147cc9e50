// A tool of the open card (pin, spotlight, answer, picture, block), by key or by tap.

import { perform } from "/static/desk/actions.js";
import { toolsFor } from "/static/desk/card.js";
import { openBlock, openReply } from "/static/desk/dialogs.js";
import { endSpotlight } from "/static/desk/spotlight.js";
import { known } from "/static/desk/state.js";

// One key for both ways: p pins or unpins, m hides or shows the picture.
const EITHER = { pin: ["pin", "unpin"], "hide-media": ["hide-media", "show-media"] };

export function useTool(id, tool) {
  const post = known.posts.get(id);
  if (!post) return;
  const offered = toolsFor(post);
  const chosen = (EITHER[tool] ?? [tool]).find((name) => offered.includes(name));
  if (!chosen) return;
  if (chosen === "spotlight" && known.spotlight && String(known.spotlight.id) === id) {
    endSpotlight(); // s again on the post in the spotlight ends it
    return;
  }
  if (chosen === "reply") openReply(id);
  else if (chosen === "block-author") openBlock(id);
  else perform(id, chosen);
}
