// Fixed strings of every Murmur page, in English and French.
//
// The language is the server's choice when it sets <html data-lang="fr|en">, otherwise the
// browser's: French when navigator.language starts with "fr", English otherwise.
// Strings may hold {name} placeholders; a string given as {one, other} is chosen by the
// plural rule for vars.count.

const STRINGS = {
  en: {
    "app.name": "Murmur",

    "conn.online": "Live",
    "conn.offline": "Offline — reconnecting…",
    "conn.connecting": "Connecting…",
    "conn.unknown_event": "Unknown event — retrying…",

    "time.now": "just now",

    "status.pending": "pending",
    "status.approved": "approved",
    "status.rejected": "rejected",
    "status.removed": "removed",

    "wall.title": "Murmur wall",
    "wall.empty": "Posts with {tags} will appear here",
    "wall.empty_no_tags": "Posts will appear here",
    "wall.or": " or ",
    "wall.unknown_event": "There is no event called “{slug}”.",

    "mod.title": "Moderation — {title}",
    "mod.heading": "Moderation",
    "mod.queue": "Queue",
    "mod.queue_count": { one: "{count} waiting", other: "{count} waiting" },
    "mod.queue_oldest": "oldest: {age}",
    "mod.queue_empty": "Nothing is waiting. New posts will appear here.",
    "mod.onscreen": "On screen",
    "mod.onscreen_count": { one: "{count} post", other: "{count} posts" },
    "mod.onscreen_empty": "Nothing is on the screens yet.",
    "mod.decided": "Rejected / removed",
    "mod.decided_empty": "Nothing has been rejected or removed.",
    "mod.open_wall": "Open the wall",
    "mod.logout": "Log out",
    "mod.signed_in_as": "Signed in as {user}",
    "mod.help_button": "Keyboard shortcuts",
    "mod.help_title": "Keyboard shortcuts",
    "mod.help_move": "Select the next / previous card",
    "mod.help_column": "Switch column",
    "mod.help_approve": "Approve the selected card",
    "mod.help_reject": "Reject the selected card",
    "mod.help_remove": "Remove the selected card from the screens",
    "mod.help_help": "Show or hide this help",
    "mod.help_close": "Close",
    "mod.sensitive": "Sensitive media — tap to show",
    "mod.cw": "Content warning: {text}",
    "mod.no_alt": "No image description",
    "mod.by.approved": "Approved by {who}",
    "mod.by.rejected": "Rejected by {who}",
    "mod.by.removed": "Removed by {who}",
    "mod.auto.approved": "Approved automatically",
    "mod.auto.rejected": "Rejected automatically",
    "mod.auto.removed": "Removed",
    "mod.done.approve": "Approved: the post is on the screens.",
    "mod.done.reject": "Rejected.",
    "mod.done.remove": "Removed from every screen.",
    "mod.done.restore": "Restored: the post is back on the screens.",
    "mod.conflict_by":
      "Someone else decided first: this post is already {status} (by {who}).",
    "mod.conflict": "Someone else decided first: this post is already {status}.",
    "mod.network_error": "Connection lost — your action was not saved, try again.",
    "mod.not_found": "This post no longer exists.",
    "mod.forbidden": "You are not allowed to do this. Reload the page and try again.",
    "mod.error": "The server could not do this (error {status}). Try again.",
    "mod.logout_failed": "Could not log out: the connection was lost. Try again.",
    "mod.unknown_event": "There is no event called “{slug}”.",

    "action.approve": "Approve",
    "action.reject": "Reject",
    "action.remove": "Remove",
    "action.restore": "Restore",

    "login.title": "Sign in — Murmur",
    "login.heading": "Sign in to Murmur",
    "login.intro": "Moderators and organisers sign in here.",
    "login.username": "User name",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.busy": "Signing in…",
    "login.wrong": "Wrong user name or password.",
    "login.network": "Cannot reach the server. Check the connection and try again.",
    "login.error": "Sign-in failed (error {status}). Try again.",
  },

  fr: {
    "app.name": "Murmur",

    "conn.online": "En direct",
    "conn.offline": "Hors ligne — reconnexion…",
    "conn.connecting": "Connexion…",
    "conn.unknown_event": "Événement inconnu — nouvel essai…",

    "time.now": "à l’instant",

    "status.pending": "en attente",
    "status.approved": "approuvé",
    "status.rejected": "refusé",
    "status.removed": "retiré",

    "wall.title": "Mur Murmur",
    "wall.empty": "Les messages avec {tags} s’afficheront ici",
    "wall.empty_no_tags": "Les messages s’afficheront ici",
    "wall.or": " ou ",
    "wall.unknown_event": "Il n’existe pas d’événement « {slug} ».",

    "mod.title": "Modération — {title}",
    "mod.heading": "Modération",
    "mod.queue": "À valider",
    "mod.queue_count": { one: "{count} en attente", other: "{count} en attente" },
    "mod.queue_oldest": "le plus ancien : {age}",
    "mod.queue_empty": "Rien en attente. Les nouveaux messages apparaîtront ici.",
    "mod.onscreen": "À l’écran",
    "mod.onscreen_count": { one: "{count} message", other: "{count} messages" },
    "mod.onscreen_empty": "Rien à l’écran pour l’instant.",
    "mod.decided": "Refusés / retirés",
    "mod.decided_empty": "Aucun message refusé ni retiré.",
    "mod.open_wall": "Ouvrir le mur",
    "mod.logout": "Se déconnecter",
    "mod.signed_in_as": "Connecté·e : {user}",
    "mod.help_button": "Raccourcis clavier",
    "mod.help_title": "Raccourcis clavier",
    "mod.help_move": "Sélectionner la carte suivante / précédente",
    "mod.help_column": "Changer de colonne",
    "mod.help_approve": "Approuver la carte sélectionnée",
    "mod.help_reject": "Refuser la carte sélectionnée",
    "mod.help_remove": "Retirer la carte sélectionnée des écrans",
    "mod.help_help": "Afficher ou masquer cette aide",
    "mod.help_close": "Fermer",
    "mod.sensitive": "Média sensible — toucher pour afficher",
    "mod.cw": "Avertissement : {text}",
    "mod.no_alt": "Pas de description de l’image",
    "mod.by.approved": "Approuvé par {who}",
    "mod.by.rejected": "Refusé par {who}",
    "mod.by.removed": "Retiré par {who}",
    "mod.auto.approved": "Approuvé automatiquement",
    "mod.auto.rejected": "Refusé automatiquement",
    "mod.auto.removed": "Retiré",
    "mod.done.approve": "Approuvé : le message est à l’écran.",
    "mod.done.reject": "Refusé.",
    "mod.done.remove": "Retiré de tous les écrans.",
    "mod.done.restore": "Rétabli : le message est de nouveau à l’écran.",
    "mod.conflict_by":
      "Quelqu’un a décidé avant vous : ce message est déjà {status} (par {who}).",
    "mod.conflict": "Quelqu’un a décidé avant vous : ce message est déjà {status}.",
    "mod.network_error":
      "Connexion perdue — votre action n’a pas été enregistrée, réessayez.",
    "mod.not_found": "Ce message n’existe plus.",
    "mod.forbidden":
      "Vous n’avez pas le droit de faire cela. Rechargez la page et réessayez.",
    "mod.error": "Le serveur n’a pas pu le faire (erreur {status}). Réessayez.",
    "mod.logout_failed": "Déconnexion impossible : la connexion est perdue. Réessayez.",
    "mod.unknown_event": "Il n’existe pas d’événement « {slug} ».",

    "action.approve": "Approuver",
    "action.reject": "Refuser",
    "action.remove": "Retirer",
    "action.restore": "Rétablir",

    "login.title": "Connexion — Murmur",
    "login.heading": "Connexion à Murmur",
    "login.intro": "Espace des modérateurs et des organisateurs.",
    "login.username": "Nom d’utilisateur",
    "login.password": "Mot de passe",
    "login.submit": "Se connecter",
    "login.busy": "Connexion…",
    "login.wrong": "Nom d’utilisateur ou mot de passe incorrect.",
    "login.network": "Le serveur est injoignable. Vérifiez la connexion et réessayez.",
    "login.error": "La connexion a échoué (erreur {status}). Réessayez.",
  },
};

export const LANGUAGES = Object.freeze(Object.keys(STRINGS));

function detect() {
  const forced = document.documentElement.dataset.lang;
  if (forced && forced in STRINGS) return forced;
  const nav = (navigator.language || "").toLowerCase();
  return nav.startsWith("fr") ? "fr" : "en";
}

let current = detect();
document.documentElement.lang = current;

/** The language in use: "en" or "fr". */
export function lang() {
  return current;
}

/** Switch language (e.g. to the event's configured one) unless the server forced one. */
export function setLanguage(code) {
  if (document.documentElement.dataset.lang) return false;
  if (!(code in STRINGS) || code === current) return false;
  current = code;
  document.documentElement.lang = code;
  return true;
}

/** The string for key in the current language, with {placeholders} filled from vars. */
export function t(key, vars = {}) {
  let entry = STRINGS[current][key] ?? STRINGS.en[key];
  if (entry === undefined) {
    console.warn(`murmur i18n: no string for ${key}`);
    return key;
  }
  if (typeof entry === "object") {
    const rule = new Intl.PluralRules(current).select(Number(vars.count ?? 0));
    entry = entry[rule] ?? entry.other;
  }
  return entry.replace(/\{(\w+)\}/g, (match, name) =>
    name in vars ? String(vars[name]) : match,
  );
}

/** Fill elements marked data-i18n, data-i18n-placeholder, data-i18n-aria-label, data-i18n-title. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  }
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) {
    el.setAttribute("title", t(el.dataset.i18nTitle));
  }
}

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago" / "il y a 3 minutes" for an ISO date; "" when the date is unreadable. */
export function relativeTime(iso, now = Date.now(), style = "long") {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.round((then - now) / 1000);
  if (Math.abs(seconds) < 45) return t("time.now");
  const format = new Intl.RelativeTimeFormat(current, { numeric: "auto", style });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "minute") {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}
