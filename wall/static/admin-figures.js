// The event's figures on the organiser page: a few numbers, and the posts, the queue and
// the screens online per minute of the last hour (of activity, once the event is over) as
// SVG bar charts drawn here (nothing loaded from elsewhere), refreshed every 30 seconds;
// the whole figures and every post as CSV (docs/organisers.md).

import { lang, t } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);
const slug = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] ?? "");
const base = `/api/events/${encodeURIComponent(slug)}`;
const SVG = "http://www.w3.org/2000/svg";
const MINUTES = 60;
const REFRESH_MS = 30_000;

function svg(tag, attributes) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  return el;
}

/** The hour the charts cover: the last one, or the event's last hour of activity after it. */
function hour(found, now = new Date()) {
  const seen = [
    ...(found.per_minute ?? []).map((r) => r.minute),
    ...(found.screens ?? []).map((r) => r.minute),
  ].sort();
  const last = seen.at(-1);
  const end = last && Date.parse(`${last}:00Z`) < now.getTime() - MINUTES * 60_000
    ? new Date(Date.parse(`${last}:00Z`))
    : now;
  const minutes = [];
  for (let i = MINUTES - 1; i >= 0; i -= 1) {
    minutes.push(new Date(end.getTime() - i * 60_000).toISOString().slice(0, 16));
  }
  return minutes;
}

/** One value per minute as bars; ``label`` words the chart for a screen reader. */
function chart(minutes, value, label, name) {
  const top = Math.max(1, ...minutes.map(value));
  const width = 600;
  const height = 90;
  const bar = width / minutes.length;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "figures-chart" });
  root.dataset.chart = name;
  root.setAttribute("aria-label", t(label, { max: top }));
  minutes.forEach((minute, index) => {
    const count = value(minute);
    if (!count) return;
    const h = Math.max(2, (count / top) * (height - 10));
    const rect = svg("rect", {
      x: index * bar + 1,
      y: height - h,
      width: bar - 2,
      height: h,
      rx: 1.5,
      class: `figures-bar figures-bar--${name}`,
    });
    rect.dataset.minute = minute;
    rect.dataset.value = String(count);
    const title = svg("title", {});
    title.textContent = `${minute.slice(11)} — ${count}`;
    rect.append(title);
    root.append(rect);
  });
  return root;
}

/** The queue is a step: each minute holds the last change at or before it. */
function queueAt(changes) {
  const sorted = [...changes].sort((a, b) => a.minute.localeCompare(b.minute));
  return (minute) => {
    let waiting = 0;
    for (const change of sorted) {
      if (change.minute > minute) break;
      waiting = change.waiting;
    }
    return waiting;
  };
}

function charts(found) {
  const minutes = hour(found);
  const clock = new Intl.DateTimeFormat(lang() === "fr" ? "fr-FR" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
  });
  const posts = new Map();
  for (const row of found.per_minute ?? []) {
    posts.set(row.minute, (posts.get(row.minute) ?? 0) + row.posts);
  }
  const screens = new Map((found.screens ?? []).map((row) => [row.minute, row.screens]));
  return [
    ["figures.chart_help", chart(minutes, (m) => posts.get(m) ?? 0, "figures.chart_label", "posts")],
    ["figures.queue_help", chart(minutes, queueAt(found.queue_per_minute ?? []), "figures.queue_label", "queue")],
    ["figures.screens_help", chart(minutes, (m) => screens.get(m) ?? 0, "figures.screens_label", "screens")],
  ].map(([help, drawn]) => {
    const figure = document.createElement("figure");
    figure.className = "figures-figure";
    const caption = document.createElement("figcaption");
    caption.className = "field-help";
    caption.textContent = t(help);
    const axis = document.createElement("div");
    axis.className = "figures-axis";
    axis.append(...[minutes[0], minutes.at(-1)].map((minute) => {
      const time = document.createElement("time");
      time.dateTime = `${minute}Z`;
      time.textContent = clock.format(new Date(`${minute}:00Z`));
      return time;
    }));
    figure.append(caption, drawn, axis);
    return figure;
  });
}

function number(key, value) {
  const item = document.createElement("div");
  item.className = "figures-number";
  const dt = document.createElement("dt");
  dt.textContent = t(key);
  const dd = document.createElement("dd");
  dd.textContent = value;
  item.append(dt, dd);
  return item;
}

function render(found) {
  const percent = new Intl.NumberFormat(lang() === "fr" ? "fr-FR" : "en-GB", { style: "percent" });
  const wait = found.wait_median_seconds;
  $("figures-numbers").replaceChildren(
    number("figures.posts", String(found.posts)),
    number("figures.queue", String(found.queue)),
    number(
      "figures.approval",
      found.approval_rate === null ? "—" : percent.format(found.approval_rate),
    ),
    number("figures.wait", wait === null ? "—" : t("figures.seconds", { count: Math.round(wait) })),
    number("figures.answered", String(found.answered)),
    number("figures.screens_peak", String(found.screens_peak ?? 0)),
  );
  $("figures-chart").replaceChildren(...charts(found));
}

async function refresh() {
  const response = await fetch(`${base}/figures`, { credentials: "same-origin" });
  if (response.ok) render(await response.json());
}

$("figures-csv").href = `${base}/figures?format=csv`;
$("export-csv").href = `${base}/export?format=csv`;
$("export-json").href = `${base}/export?format=json`;
refresh().catch(() => {});
setInterval(() => refresh().catch(() => {}), REFRESH_MS);
