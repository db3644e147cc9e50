// The desk's dialogs: writing an answer, blocking an author, the keyboard help, and the
// audit log for organisers (desk/audit.js).

import { t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";
import { perform } from "/static/desk/actions.js";
import { openAudit } from "/static/desk/audit.js";
import { $ } from "/static/desk/dom.js";
import { toast } from "/static/desk/notices.js";
import { known, slug } from "/static/desk/state.js";

const REPLY_MAX = 500;

// ---------------------------------------------------------------- answers

const replyDialog = $("reply-dialog");
const replying = { id: null, replaces: null };

export function openReply(id) {
  const post = known.posts.get(id);
  if (!post) return;
  replying.id = id;
  replying.replaces = post.reply?.at ?? null;
  $("reply-post").textContent = String(post.text ?? "");
  $("reply-text").value = String(post.reply?.text ?? "");
  $("reply-withdraw").hidden = !post.reply;
  $("reply-error").textContent = "";
  countReply();
  replyDialog.showModal();
  $("reply-text").focus();
}

function countReply() {
  $("reply-count").textContent = t("desk.reply.count", {
    count: $("reply-text").value.length,
    max: REPLY_MAX,
  });
}

async function saveReply(withdraw) {
  const { id, replaces } = replying;
  if (id === null) return;
  const text = $("reply-text").value.trim();
  if (!withdraw && !text) {
    $("reply-error").textContent = t("desk.reply.empty");
    return;
  }
  await perform(id, withdraw ? "withdraw-reply" : "reply", {
    method: withdraw ? "DELETE" : "PUT",
    path: "reply",
    body: withdraw ? { replaces } : { text, replaces },
    onRefused(response, body) {
      if (response.status !== 409 && response.status !== 400) return false;
      // Keep the dialog open with what the moderator wrote; saving again replaces the
      // newer answer on purpose.
      $("reply-error").textContent = errorText(body);
      if (body?.post && replying.id === id) replying.replaces = body.post.reply?.at ?? null;
      return !body?.claim;
    },
    onDone() {
      replying.id = null;
      replyDialog.close();
    },
  });
}

$("reply-form").addEventListener("submit", (event) => {
  event.preventDefault();
  saveReply(false);
});
$("reply-withdraw").addEventListener("click", () => saveReply(true));
$("reply-cancel").addEventListener("click", () => replyDialog.close());
$("reply-text").addEventListener("input", countReply);

// ---------------------------------------------------------------- author blocks

const blockDialog = $("block-dialog");
const blocking = { id: null };

export function openBlock(id) {
  const post = known.posts.get(id);
  if (!post) return;
  blocking.id = id;
  const handle = String(post.author?.handle ?? "");
  $("block-title").textContent = t("desk.block.title", {
    who: handle.startsWith("@") ? handle : `@${handle}`,
  });
  $("block-body").textContent = t("desk.block.body", { network: String(post.network ?? "") });
  $("block-why").value = "";
  $("block-remove").checked = false;
  $("block-error").textContent = "";
  blockDialog.showModal();
}

$("block-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { id } = blocking;
  if (id === null) return;
  await perform(id, "block-author", {
    body: { why: $("block-why").value.trim(), remove_shown: $("block-remove").checked },
    onRefused(response, body) {
      $("block-error").textContent = errorText(body);
      return response.status === 409 && !body?.claim;
    },
    onDone() {
      blocking.id = null;
      blockDialog.close();
    },
  });
});
$("block-cancel").addEventListener("click", () => blockDialog.close());

// ---------------------------------------------------------------- help, audit

const help = $("help");

export function toggleHelp() {
  if (help.open) help.close();
  else help.showModal();
}

$("help-button").addEventListener("click", toggleHelp);
$("help-close").addEventListener("click", () => help.close());
$("audit-button").addEventListener("click", () =>
  openAudit(slug).catch(() => toast(t("mod.network_error"), "error")),
);
