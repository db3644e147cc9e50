// The audit log on the desk, for organisers: who did what, when and why, newest first,
// with links to download it whole (GET /api/events/{event}/audit, docs/protocol.md).
// Post text in the log is hostile: textContent only.

import { relativeTime, t } from "/static/i18n.js";
import { $ } from "/static/desk/dom.js";
import { reasonText } from "/static/reasons.js";

const ROWS = 300; // the most recent; the downloads hold everything

const dialog = $("audit-dialog");

function cell(text, className = "") {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

/** "approve" → "Approved" / "Approuvé"; an action this page does not know, as it is. */
function actionName(action) {
  const key = `desk.audit.action.${action}`;
  const name = t(key);
  return name === key ? action : name;
}

function row(entry) {
  const tr = document.createElement("tr");
  const at = document.createElement("td");
  const time = document.createElement("time");
  time.textContent = relativeTime(entry.at);
  time.setAttribute("datetime", String(entry.at));
  time.title = String(entry.at);
  at.append(time);
  tr.append(
    at,
    cell(String(entry.actor ?? t("desk.audit.rules"))),
    cell(actionName(String(entry.action ?? ""))),
    cell(entry.text ? `${entry.author ?? ""}: ${entry.text}` : "", "audit-post"),
    cell(reasonText(entry)),
  );
  return tr;
}

/** Open the audit dialog for `slug` and fill it; rejects when the log cannot be read. */
export async function openAudit(slug) {
  const base = `/api/events/${encodeURIComponent(slug)}/audit`;
  $("audit-csv").href = `${base}?format=csv`;
  $("audit-json").href = `${base}?format=json`;
  dialog.showModal();
  const response = await fetch(base, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const entries = (await response.json()).entries ?? [];
  const rows = entries.slice(-ROWS).reverse().map(row);
  $("audit-rows").replaceChildren(...rows);
  $("audit-empty").hidden = rows.length > 0;
}

$("audit-close").addEventListener("click", () => dialog.close());
