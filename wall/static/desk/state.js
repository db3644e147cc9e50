// What the desk knows and what the moderator is doing, in three objects owned here:
// `known` (what the server last said), `me` (who is signed in) and `ui` (this desk's
// selection, marks, pause, actions in flight). Other modules read them and change posts
// through remember() and forget(), so that a late message never overwrites a newer state.

export const MAX_ONSCREEN = 200;
export const MAX_DECIDED = 150;

// Which action each status allows, and where each status is shown.
export const ACTIONS = {
  pending: ["approve", "reject"],
  approved: ["remove"],
  rejected: ["approve"],
  removed: ["restore"],
};
export const STATUS_ACTIONS = new Set(["approve", "reject", "remove", "restore"]);
export const COLUMN = {
  pending: "queue",
  approved: "onscreen",
  rejected: "decided",
  removed: "decided",
};
// What a swipe does on a card of each status.
export const SWIPES = {
  pending: { right: "approve", left: "reject" },
  approved: { right: null, left: "remove" },
  rejected: { right: "approve", left: null },
  removed: { right: "restore", left: null },
};

function eventSlug() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}

export const slug = eventSlug();

export const postUrl = (id, what) =>
  `/api/events/${encodeURIComponent(slug)}/posts/${encodeURIComponent(id)}/${what}`;

/** What the server said: posts, who holds which card, who is online, the spotlight. */
export const known = {
  posts: new Map(), // id → post
  seqs: new Map(), // id → seq of the change last applied to it
  claims: new Map(), // id → {by, until}
  moderators: [], // [{name, role}]
  spotlight: null, // {id, until, post}
  settings: { undo_seconds: 10, claim_seconds: 30, spotlight_seconds: 15 },
};

/** Who is signed in at this desk, and whether the session still holds. */
export const me = { name: "", role: "", csrf: "", ended: false };

/** This desk: selection, marks, pause, actions in flight, the connection. */
export const ui = {
  selection: { column: "queue", id: null, index: 0 },
  marked: new Set(), // ids selected for a bulk action
  busy: new Set(), // ids with an action in flight
  inflight: new Map(), // id → the action in flight, which the next one waits for
  paused: null, // null, or the Set of queue ids shown when the queue was paused
  selecting: false,
  lastInput: Date.now(),
  connection: "connecting",
  connectionCode: undefined,
  socket: null,
};

const stamp = (post) => Date.parse(post.received_at ?? post.created_at ?? "") || 0;
const decidedStamp = (post) => Date.parse(post.decided_at ?? "") || stamp(post);

export const oldestFirst = (a, b) => stamp(a) - stamp(b) || Number(a.id) - Number(b.id);
const newestDecidedFirst = (a, b) =>
  decidedStamp(b) - decidedStamp(a) || Number(b.id) - Number(a.id);

/** Record what the server says about a post, unless we already know a later state. */
export function remember(post, seq = null) {
  if (!post || typeof post !== "object" || post.id === undefined || post.id === null) return;
  if (post.event && post.event !== slug) return;
  const id = String(post.id);
  const seen = known.seqs.get(id);
  if (seq !== null && seen !== undefined && seq < seen) return;
  known.posts.set(id, post);
  if (seq !== null) known.seqs.set(id, seq);
  if (post.status !== "pending") ui.marked.delete(id);
}

export function forget(id) {
  known.posts.delete(id);
  known.seqs.delete(id);
  ui.marked.delete(id);
}

/** The posts of each column, in the column's order; forgets the oldest decisions. */
export function groups() {
  const result = { queue: [], onscreen: [], decided: [] };
  for (const post of known.posts.values()) result[COLUMN[post.status]]?.push(post);
  result.queue.sort(oldestFirst);
  result.onscreen.sort(newestDecidedFirst);
  result.decided.sort(newestDecidedFirst);
  // A long event: keep memory bounded by forgetting the oldest decisions.
  for (const post of result.onscreen.splice(MAX_ONSCREEN)) forget(String(post.id));
  for (const post of result.decided.splice(MAX_DECIDED)) forget(String(post.id));
  return result;
}
