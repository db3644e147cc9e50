// Strings of the moderation desk's newer parts (claims, tools, undo, replies, audit) and
// of the wall's conversation cards, in English and French. Same rules as i18n.js: {name}
// placeholders, {one, other} plurals on vars.count; the language is i18n.js's.

import { lang, t } from "/static/i18n.js";

const STRINGS = {
  en: {
    "desk.online": "Online",
    "desk.you": "{name} (you)",
    "desk.claimed_by": "{who} is on this card",
    "desk.claimed_by_you": "You have this card",
    "desk.pause": "Pause",
    "desk.resume": "Resume",
    "desk.paused": { one: "Paused — {count} new post waits below", other: "Paused — {count} new posts wait below" },
    "desk.paused_none": "Paused: new posts wait until you resume",
    "desk.select": "Select",
    "desk.select_done": "Done",
    "desk.mark": "Select this post",
    "desk.marked": { one: "{count} selected", other: "{count} selected" },
    "desk.bulk_approve": { one: "Approve {count}", other: "Approve {count}" },
    "desk.bulk_reject": { one: "Reject {count}", other: "Reject {count}" },
    "desk.bulk_cancel": "Clear",
    "desk.bulk_done": "{ok} done, {failed} refused: {first}",
    "desk.bulk_all_done": { one: "{count} post done.", other: "{count} posts done." },

    "tool.pin": "Pin",
    "tool.unpin": "Unpin",
    "tool.spotlight": "Spotlight",
    "tool.reply": "Answer",
    "tool.edit_reply": "Edit answer",
    "tool.hide-media": "Hide picture",
    "tool.show-media": "Show picture",
    "tool.block-author": "Block author",

    "done.pin": "Pinned: it stays on the screens.",
    "done.unpin": "Unpinned.",
    "done.spotlight": "In the spotlight on every screen.",
    "done.hide-media": "Picture hidden from the screens.",
    "done.show-media": "Picture shown again.",
    "done.reply": "Answer saved: the screens show it with the post.",
    "done.withdraw-reply": "Answer withdrawn.",
    "done.block-author": { one: "Author blocked; {count} post turned down.", other: "Author blocked; {count} posts turned down." },
    "done.undo": "Undone.",

    "undo.button": "Undo",
    "undo.key": "Undo (u)",
    "claim.act_anyway": "Act anyway",

    "card.pinned": "Pinned",
    "card.media_hidden": "Hidden from the screens",
    "card.answer": "Our answer",
    "card.answer_by": "Answer by {who}",
    "card.sensitive": "Sensitive media — tap to show",
    "card.spotlight": "In the spotlight",

    "reply.title": "Answer this post",
    "reply.label": "The answer the screens show with the post",
    "reply.count": "{count} / {max}",
    "reply.save": "Save the answer",
    "reply.withdraw": "Withdraw the answer",
    "reply.cancel": "Cancel",
    "reply.empty": "Write the answer first.",

    "block.title": "Block {who}?",
    "block.body": "Their posts waiting in the queue are rejected, and their next posts on {network} are rejected at once.",
    "block.why": "Why (for the audit)",
    "block.remove_shown": "Also take their posts on the screens off now",
    "block.confirm": "Block",
    "block.cancel": "Cancel",

    "spotlight.now": "In the spotlight: {who}",
    "spotlight.end": "End",

    "audit.button": "Audit log",
    "audit.title": "Audit log",
    "audit.csv": "Download CSV",
    "audit.json": "Download JSON",
    "audit.close": "Close",
    "audit.empty": "Nothing has happened yet.",
    "audit.col_at": "When",
    "audit.col_actor": "Who",
    "audit.col_action": "What",
    "audit.col_post": "Post",
    "audit.col_reason": "Why",
    "audit.rules": "rules",

    "help.pin": "Pin or unpin",
    "help.spotlight": "Spotlight on every screen (again: end it)",
    "help.reply": "Write or edit the answer",
    "help.media": "Hide or show the picture",
    "help.block": "Block the author",
    "help.undo": "Undo your last action",
    "help.mark": "Select for a bulk action",
    "help.bulk": "Approve or reject every selected post",
    "help.pause": "Pause or resume the queue",
    "help.swipe": "On a tablet: swipe a card right to approve, left to reject.",

    "wall.answer": "Our answer",
    "wall.pinned": "Pinned",
  },
  fr: {
    "desk.online": "En ligne",
    "desk.you": "{name} (vous)",
    "desk.claimed_by": "{who} traite cette carte",
    "desk.claimed_by_you": "Vous traitez cette carte",
    "desk.pause": "Pause",
    "desk.resume": "Reprendre",
    "desk.paused": { one: "En pause — {count} nouveau message attend", other: "En pause — {count} nouveaux messages attendent" },
    "desk.paused_none": "En pause : les nouveaux messages attendent votre reprise",
    "desk.select": "Sélectionner",
    "desk.select_done": "Terminé",
    "desk.mark": "Sélectionner ce message",
    "desk.marked": { one: "{count} sélectionné", other: "{count} sélectionnés" },
    "desk.bulk_approve": { one: "Approuver {count}", other: "Approuver {count}" },
    "desk.bulk_reject": { one: "Refuser {count}", other: "Refuser {count}" },
    "desk.bulk_cancel": "Effacer",
    "desk.bulk_done": "{ok} faits, {failed} refusés : {first}",
    "desk.bulk_all_done": { one: "{count} message traité.", other: "{count} messages traités." },

    "tool.pin": "Épingler",
    "tool.unpin": "Désépingler",
    "tool.spotlight": "À la une",
    "tool.reply": "Répondre",
    "tool.edit_reply": "Modifier la réponse",
    "tool.hide-media": "Masquer l’image",
    "tool.show-media": "Montrer l’image",
    "tool.block-author": "Bloquer l’auteur",

    "done.pin": "Épinglé : il reste à l’écran.",
    "done.unpin": "Désépinglé.",
    "done.spotlight": "À la une sur tous les écrans.",
    "done.hide-media": "Image masquée sur les écrans.",
    "done.show-media": "Image de nouveau visible.",
    "done.reply": "Réponse enregistrée : les écrans l’affichent avec le message.",
    "done.withdraw-reply": "Réponse retirée.",
    "done.block-author": { one: "Auteur bloqué ; {count} message refusé.", other: "Auteur bloqué ; {count} messages refusés." },
    "done.undo": "Annulé.",

    "undo.button": "Annuler",
    "undo.key": "Annuler (u)",
    "claim.act_anyway": "Agir quand même",

    "card.pinned": "Épinglé",
    "card.media_hidden": "Masquée sur les écrans",
    "card.answer": "Notre réponse",
    "card.answer_by": "Réponse de {who}",
    "card.sensitive": "Média sensible — toucher pour afficher",
    "card.spotlight": "À la une",

    "reply.title": "Répondre à ce message",
    "reply.label": "La réponse que les écrans affichent avec le message",
    "reply.count": "{count} / {max}",
    "reply.save": "Enregistrer la réponse",
    "reply.withdraw": "Retirer la réponse",
    "reply.cancel": "Annuler",
    "reply.empty": "Écrivez d’abord la réponse.",

    "block.title": "Bloquer {who} ?",
    "block.body": "Ses messages en attente sont refusés, et ses prochains messages sur {network} le seront aussitôt.",
    "block.why": "Pourquoi (pour le journal)",
    "block.remove_shown": "Retirer aussi tout de suite ses messages à l’écran",
    "block.confirm": "Bloquer",
    "block.cancel": "Annuler",

    "spotlight.now": "À la une : {who}",
    "spotlight.end": "Terminer",

    "audit.button": "Journal",
    "audit.title": "Journal de modération",
    "audit.csv": "Télécharger en CSV",
    "audit.json": "Télécharger en JSON",
    "audit.close": "Fermer",
    "audit.empty": "Rien ne s’est encore passé.",
    "audit.col_at": "Quand",
    "audit.col_actor": "Qui",
    "audit.col_action": "Quoi",
    "audit.col_post": "Message",
    "audit.col_reason": "Pourquoi",
    "audit.rules": "règles",

    "help.pin": "Épingler ou désépingler",
    "help.spotlight": "Mettre à la une sur tous les écrans (à nouveau : arrêter)",
    "help.reply": "Écrire ou modifier la réponse",
    "help.media": "Masquer ou montrer l’image",
    "help.block": "Bloquer l’auteur",
    "help.undo": "Annuler votre dernière action",
    "help.mark": "Sélectionner pour une action groupée",
    "help.bulk": "Approuver ou refuser tous les messages sélectionnés",
    "help.pause": "Mettre la file en pause ou la reprendre",
    "help.swipe": "Sur tablette : glisser une carte à droite pour approuver, à gauche pour refuser.",

    "wall.answer": "Notre réponse",
    "wall.pinned": "Épinglé",
  },
};

/** The desk string for key, else i18n.js's; placeholders and plurals as in t(). */
export function dt(key, vars = {}) {
  const current = lang();
  let entry = STRINGS[current]?.[key] ?? STRINGS.en[key];
  if (entry === undefined) return t(key, vars);
  if (typeof entry === "object") {
    const rule = new Intl.PluralRules(current).select(Number(vars.count ?? 0));
    entry = entry[rule] ?? entry.other;
  }
  return entry.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

/** Fill elements marked data-dt (text) and data-dt-aria-label. */
export function applyDeskStrings(root = document) {
  for (const el of root.querySelectorAll("[data-dt]")) el.textContent = dt(el.dataset.dt);
  for (const el of root.querySelectorAll("[data-dt-aria-label]")) {
    el.setAttribute("aria-label", dt(el.dataset.dtAriaLabel));
  }
}
