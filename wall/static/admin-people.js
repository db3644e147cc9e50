// The organiser page's People panel: users, their roles and events, their open sessions
// (log one out, or all), removal, and invitations by link or QR code (docs/organisers.md,
// "People"). Names, browsers and addresses are shown with textContent only.
//
// Its styles are in admin-people.css, linked from here so that admin.html only gains the
// panel's <section> and this script.

import { applyI18n, lang, relativeTime, t } from "/static/i18n.js";
import { errorText } from "/static/reasons.js";
import { loginUrl } from "/static/socket.js";

const REFRESH_MS = 10_000;
const HOURS = [1, 4, 12, 24, 48, 168];
const DEFAULT_HOURS = 24;

const $ = (id) => document.getElementById(id);
const section = $("people-body").closest("section");
const status = $("people-status");
const inviteForm = $("invite");

let csrf = "";
let me = "";
let events = []; // [{slug, title}]
let busy = false;

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function say(text, kind = "info") {
  status.textContent = text;
  status.dataset.kind = kind;
}

async function api(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers ?? {}) };
  if (options.method && options.method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (options.body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { credentials: "same-origin", ...options, headers });
  if (response.status === 401) {
    location.assign(loginUrl());
    throw new Error("not logged in");
  }
  const text = await response.text();
  let body = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  return { ok: response.ok, status: response.status, body };
}

/** Run a change; say its refusal in the page's language; reload the lists after. */
async function change(path, options, done) {
  busy = true;
  try {
    const result = await api(path, options);
    if (!result.ok) {
      say(errorText(result.body) || t("people.failed"), "error");
      return;
    }
    say(done(result.body), "ok");
  } catch {
    say(t("people.failed"), "error");
  } finally {
    busy = false;
  }
  await refresh();
}

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

function eventNames(slugs) {
  if (!slugs.length) return t("people.every_event");
  const titles = new Map(events.map((e) => [e.slug, e.title]));
  return slugs.map((slug) => titles.get(slug) ?? slug).join(", ");
}

/** "Firefox · Android" from a user-agent string; the raw start when it reads as neither. */
function browserName(agent) {
  if (!agent) return t("people.unknown_agent");
  const browser = [
    [/Edg\//, "Edge"],
    [/Firefox\//, "Firefox"],
    [/(Chrome|Chromium|CriOS)\//, "Chrome"],
    [/Safari\//, "Safari"],
  ].find(([pattern]) => pattern.test(agent))?.[1];
  const system = [
    [/iPad/, "iPad"],
    [/iPhone/, "iPhone"],
    [/Android/, "Android"],
    [/Windows/, "Windows"],
    [/Mac OS X|Macintosh/, "macOS"],
    [/CrOS/, "ChromeOS"],
    [/Linux/, "Linux"],
  ].find(([pattern]) => pattern.test(agent))?.[1];
  if (!browser && !system) return agent.slice(0, 40);
  return [browser, system].filter(Boolean).join(" · ");
}

// ---------------------------------------------------------------- users

function roleSelect(user) {
  const select = element("select", "people-role");
  select.setAttribute("aria-label", `${t("people.col_role")}: ${user.username}`);
  for (const role of ["moderator", "organiser"]) {
    const option = element("option", "", t(`people.role.${role}`));
    option.value = role;
    option.selected = role === user.role;
    select.append(option);
  }
  select.addEventListener("change", () => {
    const role = select.value;
    if (!confirm(t("people.confirm_role", { name: user.username, role: t(`people.role.${role}`) }))) {
      select.value = user.role;
      return;
    }
    change(
      `/api/users/${encodeURIComponent(user.username)}`,
      { method: "PATCH", body: JSON.stringify({ role }) },
      () => t("people.saved", { name: user.username }),
    );
  });
  return select;
}

function eventsCell(user) {
  const cell = element("td", "people-events-cell");
  cell.append(element("span", "people-events-now", eventNames(user.events)));
  const details = element("details", "people-edit-events");
  details.append(element("summary", "", t("people.edit_events")));
  const boxes = element("div", "people-events");
  for (const event of events) {
    const label = element("label", "people-event");
    const box = element("input");
    box.type = "checkbox";
    box.value = event.slug;
    box.checked = user.events.includes(event.slug);
    label.append(box, element("span", "", event.title));
    boxes.append(label);
  }
  const save = element("button", "btn", t("people.save_events"));
  save.type = "button";
  save.addEventListener("click", () => {
    const chosen = [...boxes.querySelectorAll("input:checked")].map((b) => b.value);
    change(
      `/api/users/${encodeURIComponent(user.username)}`,
      { method: "PATCH", body: JSON.stringify({ events: chosen }) },
      () => t("people.saved", { name: user.username }),
    );
  });
  details.append(boxes, element("p", "field-help", t("people.events_help")), save);
  cell.append(details);
  return cell;
}

function sessionsCell(user) {
  const cell = element("td", "people-sessions");
  if (!user.sessions.length) {
    cell.append(element("span", "empty", t("people.no_session")));
    return cell;
  }
  const list = element("ul", "people-session-list");
  for (const session of user.sessions) {
    const item = element("li", "people-session");
    const text = t("people.session", {
      agent: browserName(session.agent),
      address: session.address || "—",
      opened: relativeTime(session.created_at),
      seen: relativeTime(session.seen_at),
    });
    item.append(element("span", "", text));
    list.append(item);
    if (session.current) {
      // Ending one's own session is the page's "Log out": no button that locks you out.
      item.append(element("strong", "people-current", t("people.this_browser")));
      continue;
    }
    const revoke = element("button", "btn btn--small", t("people.revoke"));
    revoke.type = "button";
    revoke.addEventListener("click", () =>
      change(
        `/api/users/${encodeURIComponent(user.username)}/sessions/${encodeURIComponent(session.id)}`,
        { method: "DELETE" },
        () => t("people.revoked", { count: 1 }),
      ),
    );
    item.append(revoke);
  }
  cell.append(list);
  if (user.sessions.length > 1) {
    const all = element("button", "btn btn--small", t("people.revoke_all"));
    all.type = "button";
    all.addEventListener("click", () =>
      change(
        `/api/users/${encodeURIComponent(user.username)}/sessions`,
        { method: "DELETE" },
        (body) => t("people.revoked", { count: body.ended ?? 0 }),
      ),
    );
    cell.append(all);
  }
  return cell;
}

function userRow(user) {
  const row = element("tr");
  row.dataset.user = user.username;
  const name = element("th", "people-name", user.username);
  name.scope = "row";
  name.dir = "auto";
  if (user.username === me) name.append(element("span", "people-you", t("people.you")));
  const role = element("td");
  role.append(roleSelect(user));
  const actions = element("td", "people-actions");
  const remove = element("button", "btn btn--danger-outline btn--small", t("people.remove"));
  remove.type = "button";
  remove.addEventListener("click", () => {
    if (!confirm(t("people.confirm_remove", { name: user.username }))) return;
    change(
      `/api/users/${encodeURIComponent(user.username)}`,
      { method: "DELETE" },
      () => t("people.removed", { name: user.username }),
    );
  });
  actions.append(remove);
  row.append(name, role, eventsCell(user), sessionsCell(user), actions);
  return row;
}

function drawUsers(users) {
  const body = $("people-body");
  // An open events editor is not redrawn under the organiser's fingers.
  if (body.querySelector("details[open]")) return;
  body.replaceChildren(...users.map(userRow));
}

// ---------------------------------------------------------------- invitations

function drawPending(invites) {
  $("invites-empty").hidden = invites.length > 0;
  const items = invites.map((invite) => {
    const item = element("li", "people-invite-item");
    item.dataset.invite = String(invite.id);
    const text = t("people.pending_item", {
      role: t(`people.role.${invite.role}`),
      events: eventNames(invite.events),
      by: invite.created_by,
      when: when(invite.expires_at),
    });
    const withdraw = element("button", "btn btn--small", t("people.withdraw"));
    withdraw.type = "button";
    withdraw.addEventListener("click", () =>
      change(`/api/invites/${invite.id}`, { method: "DELETE" }, () => t("people.withdrawn")),
    );
    item.append(element("span", "", text), withdraw);
    return item;
  });
  $("invites-pending").replaceChildren(...items);
}

function drawInviteForm() {
  $("invite-events").replaceChildren(
    ...events.map((event) => {
      const label = element("label", "people-event");
      const box = element("input");
      box.type = "checkbox";
      box.name = "events";
      box.value = event.slug;
      label.append(box, element("span", "", event.title));
      return label;
    }),
  );
  $("invite-hours").replaceChildren(
    ...HOURS.map((hours) => {
      const text = hours === 168 ? t("people.week") : t("people.hours", { count: hours });
      const option = element("option", "", text);
      option.value = String(hours);
      option.selected = hours === DEFAULT_HOURS;
      return option;
    }),
  );
}

function showInvite(created) {
  // A data: address (the page's CSP allows it for pictures): the SVG never touches the DOM
  // as markup, and nothing is left to revoke.
  $("invite-qr").src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(created.qr_svg)}`;
  $("invite-link").href = created.url;
  $("invite-link").textContent = created.url;
  $("invite-ready").textContent = t("people.invite_ready", { when: when(created.expires_at) });
  $("invite-result").hidden = false;
}

async function invite(event) {
  event.preventDefault();
  const body = {
    role: inviteForm.role.value,
    events: [...inviteForm.querySelectorAll("input[name=events]:checked")].map((b) => b.value),
    hours: Number(inviteForm.hours.value),
  };
  $("invite-create").disabled = true;
  try {
    const result = await api("/api/invites", { method: "POST", body: JSON.stringify(body) });
    if (!result.ok) {
      say(errorText(result.body) || t("people.failed"), "error");
      return;
    }
    say("");
    showInvite(result.body);
    await refresh();
  } finally {
    $("invite-create").disabled = false;
  }
}

async function copyLink() {
  try {
    await navigator.clipboard.writeText($("invite-link").href);
    say(t("people.copied"), "ok");
  } catch {
    // No clipboard (plain http, or refused): the link stays on screen to select by hand.
    getSelection()?.selectAllChildren($("invite-link"));
  }
}

// ---------------------------------------------------------------- loading

async function refresh() {
  if (busy) return;
  const [users, invites] = await Promise.all([api("/api/users"), api("/api/invites")]);
  if (!users.ok) {
    // An organiser limited to some events does not manage people: no panel for them.
    section.hidden = users.status === 403;
    return;
  }
  drawUsers(users.body.users);
  if (invites.ok) drawPending(invites.body.invites);
}

async function start() {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/static/admin-people.css";
  document.head.append(link);
  const session = await api("/api/session");
  csrf = String(session.body.csrf_token ?? "");
  me = String(session.body.username ?? "");
  const listed = await api("/api/events");
  events = listed.ok ? listed.body.events.map((e) => ({ slug: e.slug, title: e.title })) : [];
  applyI18n(section);
  drawInviteForm();
  await refresh();
  setInterval(() => refresh().catch(() => {}), REFRESH_MS);
}

inviteForm.addEventListener("submit", (event) => {
  invite(event).catch(() => say(t("people.failed"), "error"));
});
$("invite-copy").addEventListener("click", () => copyLink());
start().catch(() => say(t("people.failed"), "error"));
