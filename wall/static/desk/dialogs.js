// The desk's dialogs: writing an answer, blocking an author, the keyboard help, and the
// audit log for organisers (desk/audit.js).

import { t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";
import { perform } from "/static/desk/actions.js";
import { request } from "/static/desk/api.js";
import { openAudit } from "/static/desk/audit.js";
import { $ } from "/static/desk/dom.js";
import { toast } from "/static/desk/notices.js";
import { known, slug } from "/static/desk/state.js";

const REPLY_MAX = 500;

// ---------------------------------------------------------------- answers

const replyDialog = $("reply-dialog");
const replying = { id: null, replaces: null, network: null };
// The networks this event may answer on (an account configured, its token set).
const replyNetworks = { networks: [], limits: {} };
const NETWORK_NAMES = { mastodon: "Mastodon", bluesky: "Bluesky", x: "X" };
const URL_RE = /https?:\/\/\S+/g;
const MENTION_RE = /@([A-Za-z0-9_]+)@[A-Za-z0-9.-]+/g;

request("GET", `/api/events/${encodeURIComponent(slug)}/replies`)
  .then(({ response, body }) => {
    if (response.ok && body) Object.assign(replyNetworks, body);
  })
  .catch(() => {});

/** The reply as the network will get it: addressed to the author, as the server does
 * (X addresses a reply itself, outside its text). */
function asSent(text, handle, network) {
  if (network === "x") return text;
  const mention = `@${handle}`;
  return text.toLowerCase().includes(mention.toLowerCase()) ? text : `${mention} ${text}`;
}

/** The length as the network counts it. Mastodon: every link 23 characters, a mention by
 * the user's name only. Bluesky: graphemes (what a reader sees as one character). X: weights
 * (wall/reply_x.py). */
function networkLength(text, network) {
  if (network === "x") return xWeight(text);
  if (network === "bluesky") {
    return [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].length;
  }
  return [...text.replace(URL_RE, "x".repeat(23)).replace(MENTION_RE, "@$1")].length;
}

const isEmoji = (c) =>
  (c >= 0x1f000 && c <= 0x1faff) || (c >= 0x2600 && c <= 0x27bf) || (c >= 0x2b00 && c <= 0x2bff);
const LIGHT = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];

/** X's count (twitter-text v3): links 23, an emoji sequence 2, Latin, Greek, Cyrillic… 1 a
 * code point, others (CJK) 2. The same walk as wall/reply_x.py's weighted_length. */
function xWeight(text) {
  const normal = text.normalize("NFC");
  let total = 23 * (normal.match(URL_RE) ?? []).length;
  let inEmoji = false;
  let joined = false;
  let flagOpen = false;
  for (const char of normal.replace(URL_RE, "")) {
    const c = char.codePointAt(0);
    const part = c === 0xfe0e || c === 0xfe0f || c === 0x20e3 ||
      (c >= 0x1f3fb && c <= 0x1f3ff) || (c >= 0xe0020 && c <= 0xe007f);
    if (inEmoji && part) continue;
    if (inEmoji && c === 0x200d) {
      joined = true;
      continue;
    }
    if (joined && isEmoji(c)) {
      joined = false;
      continue;
    }
    joined = false;
    if (c >= 0x1f1e6 && c <= 0x1f1ff) {
      flagOpen = !flagOpen;
      if (!flagOpen) continue;
    }
    inEmoji = isEmoji(c);
    total += LIGHT.some(([start, end]) => c >= start && c <= end) ? 1 : 2;
  }
  return total;
}

export function openReply(id) {
  const post = known.posts.get(id);
  if (!post) return;
  replying.id = id;
  replying.replaces = post.reply?.at ?? null;
  $("reply-post").textContent = String(post.text ?? "");
  $("reply-text").value = String(post.reply?.text ?? "");
  $("reply-withdraw").hidden = !post.reply;
  $("reply-error").textContent = "";
  const network = replyNetworks.networks.includes(post.network) ? post.network : null;
  replying.network = network;
  replying.handle = post.author?.handle ?? "";
  // An answer already on its network follows the edits there: no box to tick.
  const out = post.reply?.published;
  const follows = out?.state === "published" ? out.network : null;
  $("reply-publish-row").hidden = network === null || follows !== null;
  $("reply-publish").checked = false;
  $("reply-follows").hidden = follows === null;
  if (follows) {
    $("reply-follows").textContent = t(
      follows === "bluesky" || follows === "x" ? "desk.reply.follows_no_edit" : "desk.reply.follows",
      { network: NETWORK_NAMES[follows] ?? follows },
    );
  }
  if (network) {
    $("reply-publish-label").textContent = t("desk.reply.publish", {
      network: NETWORK_NAMES[network] ?? network,
    });
  }
  countReply();
  replyDialog.showModal();
  $("reply-text").focus();
}

function countReply() {
  $("reply-count").textContent = t("desk.reply.count", {
    count: $("reply-text").value.length,
    max: REPLY_MAX,
  });
  const counting = replying.network && $("reply-publish").checked;
  const line = $("reply-network-count");
  line.hidden = !counting;
  if (!counting) return;
  const max = replyNetworks.limits[replying.network] ?? REPLY_MAX;
  const sent = asSent($("reply-text").value.trim(), replying.handle, replying.network);
  const count = networkLength(sent, replying.network);
  line.textContent = t("desk.reply.network_count", {
    network: NETWORK_NAMES[replying.network] ?? replying.network,
    count,
    max,
  });
  line.dataset.over = String(count > max);
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
    body: withdraw
      ? { replaces }
      : { text, replaces, publish: Boolean(replying.network && $("reply-publish").checked) },
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
$("reply-publish").addEventListener("change", countReply);

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
