// The event's figures on the organiser page: a few numbers and the posts per minute of the
// last hour as an SVG bar chart drawn here (nothing loaded from elsewhere), refreshed every
// 30 seconds; the whole figures and every post as CSV (docs/organisers.md).

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

/** Posts per minute over the last hour, all networks together, as bars. */
function chart(perMinute, now = new Date()) {
  const counts = new Map();
  for (const row of perMinute) counts.set(row.minute, (counts.get(row.minute) ?? 0) + row.posts);
  const minutes = [];
  for (let i = MINUTES - 1; i >= 0; i -= 1) {
    minutes.push(new Date(now.getTime() - i * 60_000).toISOString().slice(0, 16));
  }
  const top = Math.max(1, ...minutes.map((m) => counts.get(m) ?? 0));
  const width = 600;
  const height = 120;
  const bar = width / MINUTES;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "figures-chart" });
  root.setAttribute("aria-label", t("figures.chart_label", { max: top }));
  minutes.forEach((minute, index) => {
    const value = counts.get(minute) ?? 0;
    if (!value) return;
    const h = Math.max(2, (value / top) * (height - 10));
    const rect = svg("rect", {
      x: index * bar + 1,
      y: height - h,
      width: bar - 2,
      height: h,
      rx: 1.5,
      class: "figures-bar",
    });
    rect.dataset.minute = minute;
    rect.dataset.posts = String(value);
    const title = svg("title", {});
    title.textContent = `${minute.slice(11)} — ${value}`;
    rect.append(title);
    root.append(rect);
  });
  return root;
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
  );
  $("figures-chart").replaceChildren(chart(found.per_minute ?? []));
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
