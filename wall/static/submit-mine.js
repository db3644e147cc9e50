// "Your posts" on the attendees' page: what this phone sent, and where each post is now.
//
// GET /api/events/{event}/submissions/mine answers the device behind the page's cookie
// (wall/web/attendee.py). The page asks again every few seconds while a post waits for a
// moderator, less often while a post on the wall may still get the organisers' answer,
// and not at all otherwise; and at once when the phone comes back to the page. Post text
// is the attendee's own, shown with textContent only.

import { t } from "/static/i18n.js";
import { reasonText } from "/static/reasons.js";

const WAITING_EVERY_MS = 4_000;
const ANSWER_EVERY_MS = 15_000;
const ANSWER_FOR_MS = 20 * 60_000; // an answer usually comes within minutes
const WHERE = new Set(["waiting", "shown", "declined", "removed"]);

const $ = (id) => document.getElementById(id);
const section = $("mine");
const list = $("mine-list");

let slug = "";
let posts = [];
let timer = null;
let onChange = () => {};
// Photos just sent, as this phone still has them (the server shows it only once on the wall).
const localPhotos = new Map();

/** Start following this device's posts; `changed(posts)` hears every new answer. */
export function follow(eventSlug, changed) {
  slug = eventSlug;
  onChange = changed;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
  refresh();
}

/** The post `id` was just sent, with `photoUrl` (an object URL this module now owns). */
export function sent(id, photoUrl) {
  if (photoUrl && Number.isInteger(id)) localPhotos.set(id, photoUrl);
  refresh();
}

export function postById(id) {
  return posts.find((post) => post.id === id) ?? null;
}

export function relabel() {
  render();
}

async function refresh() {
  clearTimeout(timer);
  timer = null;
  try {
    const response = await fetch(`/api/events/${encodeURIComponent(slug)}/submissions/mine`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.ok) {
      const body = await response.json();
      posts = (Array.isArray(body.posts) ? body.posts : []).filter((p) => WHERE.has(p.where));
      render();
      onChange(posts);
    }
  } catch {
    // Offline for a moment: the next round, or the phone coming back, asks again.
  }
  schedule();
}

function schedule() {
  if (document.visibilityState === "hidden") return; // asked again when it comes back
  const now = Date.now();
  const waiting = posts.some((p) => p.where === "waiting");
  const mayBeAnswered = posts.some(
    (p) => p.where === "shown" && !p.answer && now - Date.parse(p.sent_at) < ANSWER_FOR_MS,
  );
  const every = waiting ? WAITING_EVERY_MS : mayBeAnswered ? ANSWER_EVERY_MS : 0;
  if (every) timer = setTimeout(refresh, every);
}

function item(post) {
  const li = document.createElement("li");
  li.className = "mine-item";
  li.dataset.where = post.where;
  li.dataset.id = String(post.id);
  const where = document.createElement("p");
  where.className = "mine-where";
  where.textContent = t(`submit.where.${post.where}`);
  li.append(where);
  const photo = post.picture ?? localPhotos.get(post.id);
  if (photo) {
    const img = document.createElement("img");
    img.className = "mine-photo";
    img.alt = t("submit.photo_alt");
    img.src = photo;
    li.append(img);
  }
  if (post.text) {
    const text = document.createElement("p");
    text.className = "sent-text";
    text.textContent = post.text;
    li.append(text);
  } else if (post.photo && !photo) {
    const note = document.createElement("p");
    note.className = "mine-note";
    note.textContent = t("submit.photo_sent");
    li.append(note);
  }
  if (post.where === "declined") {
    const why = reasonText(post);
    if (why) {
      const note = document.createElement("p");
      note.className = "mine-note";
      note.textContent = why;
      li.append(note);
    }
  }
  if (post.answer) {
    const answer = document.createElement("blockquote");
    answer.className = "mine-answer";
    const label = document.createElement("p");
    label.className = "mine-answer-label";
    label.textContent = t("submit.answer");
    const text = document.createElement("p");
    text.className = "reply-text";
    text.textContent = post.answer;
    answer.append(label, text);
    li.append(answer);
  }
  return li;
}

function render() {
  list.replaceChildren(...posts.map(item));
  section.hidden = posts.length === 0;
}
