// The after-event report on the organiser page: choose up to eight approved posts and the
// language, then download the page as PNG or PDF (GET /api/events/{event}/report, drawn on
// the server with Pillow; docs/organisers.md). The choice starts as the server's own
// default: pinned posts, then answered ones, then those with a picture, then the newest.

import { lang, t } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);
const slug = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] ?? "");
const base = `/api/events/${encodeURIComponent(slug)}`;
const MAX = 8;
const DEFAULT = 6;
const REFRESH_MS = 30_000;
const chosen = [];
let touched = false;
let shown = "";

function rank(post) {
  return [!post.pinned, !post.reply, !(post.media ?? []).length, post.sensitive].map(Number);
}

function byRank(a, b) {
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < ra.length; i += 1) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return 0; // the list is newest first: a stable sort keeps it so within a rank
}

function links() {
  const params = new URLSearchParams({ lang: $("report-lang").value });
  if (chosen.length) params.set("posts", chosen.join(","));
  $("report-png").href = `${base}/report?${params}`;
  $("report-pdf").href = `${base}/report?${params}&format=pdf`;
  const full = chosen.length >= MAX;
  for (const box of $("report-posts").querySelectorAll("input")) {
    box.disabled = full && !box.checked;
    box.title = box.disabled ? t("report.full") : "";
  }
}

function item(post) {
  const li = document.createElement("li");
  li.className = "field field--check report-post";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = `report-post-${post.id}`;
  box.value = String(post.id);
  box.checked = chosen.includes(post.id);
  box.addEventListener("change", () => {
    touched = true;
    const at = chosen.indexOf(post.id);
    if (box.checked && at < 0) chosen.push(post.id);
    if (!box.checked && at >= 0) chosen.splice(at, 1);
    links();
  });
  const label = document.createElement("label");
  label.htmlFor = box.id;
  const who = document.createElement("strong");
  who.textContent = post.author.name || post.author.handle;
  const text = document.createElement("span");
  text.className = "report-text";
  text.textContent = post.text;
  const marks = [
    post.pinned && t("report.pinned"),
    post.reply && t("report.answered"),
    (post.media ?? []).length && !post.media_hidden && t("report.picture"),
  ].filter(Boolean);
  label.append(who, " ", text);
  if (marks.length) {
    const tags = document.createElement("span");
    tags.className = "report-marks";
    tags.textContent = marks.join(" · ");
    label.append(" ", tags);
  }
  li.append(box, label);
  return li;
}

async function refresh() {
  const response = await fetch(`${base}/posts?status=approved&limit=200`, {
    credentials: "same-origin",
  });
  if (!response.ok) return;
  const { posts } = await response.json();
  const ids = new Set(posts.map((p) => p.id));
  for (let i = chosen.length - 1; i >= 0; i -= 1) if (!ids.has(chosen[i])) chosen.splice(i, 1);
  if (!touched) {
    chosen.splice(0, chosen.length, ...[...posts].sort(byRank).slice(0, DEFAULT).map((p) => p.id));
  }
  // Rebuilt only when the posts change, not under the organiser's finger every 30 s.
  const signature = posts.map((p) => `${p.id}:${p.pinned}:${Boolean(p.reply)}`).join(",");
  if (signature !== shown) $("report-posts").replaceChildren(...posts.map(item));
  shown = signature;
  $("report-empty").hidden = posts.length > 0;
  links();
}

$("report-lang").value = lang() === "fr" ? "fr" : "en";
$("report-lang").addEventListener("change", links);
links();
refresh().catch(() => {});
setInterval(() => refresh().catch(() => {}), REFRESH_MS);
