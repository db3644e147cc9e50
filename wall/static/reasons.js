// A post's reason, worded in the reader's language from its code and facts.
//
// The server sends `why: {code, params}` beside its English `reason` (moderation.Why).
// Facts are never sentences: names and words as written, numbers, ISO times, language
// codes; this module turns them into the sentence a moderator or an attendee reads.
// An unknown code, or a post decided before codes existed, falls back to the English.

import { CATALOGUE, lang, t } from "/static/i18n.js";

const intlLocale = () => (lang() === "fr" ? "fr-FR" : "en-GB");

/** "German" / "allemand" for "de"; the code itself when the browser cannot name it. */
export function languageName(code) {
  try {
    const name = new Intl.DisplayNames([intlLocale()], { type: "language" }).of(code);
    return name && name !== code ? name : code;
  } catch {
    return code;
  }
}

const languageNames = (codes) =>
  String(codes ?? "")
    .split(",")
    .filter(Boolean)
    .map(languageName)
    .join(", ");

/** "just now", "3 minutes ago", "5 hours ago", "2 days ago", as the server counts them. */
export function ago(seconds) {
  const minutes = Math.floor(Math.max(0, Number(seconds) || 0) / 60);
  if (minutes < 1) return t("reason.ago.now");
  if (minutes < 120) return t("reason.ago.minutes", { count: minutes });
  if (minutes < 48 * 60) return t("reason.ago.hours", { count: Math.floor(minutes / 60) });
  return t("reason.ago.days", { count: Math.floor(minutes / (24 * 60)) });
}

function day(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return new Intl.DateTimeFormat(intlLocale(), {
    day: "numeric",
    month: "short",
    year: "numeric",
  }).format(when);
}

function clock(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  return new Intl.DateTimeFormat(intlLocale(), {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).format(when);
}

const human = (text) => t("reason.human", { text });

/** `author x is blocked (by Claire on 12 May 2026: spam; until 14 May 2026 18:00 UTC)`. */
function author(key, p) {
  let said = [
    p.by ? t("reason.author_by", { by: p.by }) : "",
    p.on ? t("reason.author_on", { day: day(p.on) }) : "",
  ]
    .filter(Boolean)
    .join(" ");
  if (p.note) said = said ? t("reason.and_note", { text: said, note: p.note }) : String(p.note);
  if (p.until) {
    const until = t("reason.author_until", { day: day(p.until), clock: clock(p.until) });
    said = said ? t("reason.and_then", { text: said, then: until }) : until;
  }
  const text = t(key, { author: p.author });
  return said ? `${text} (${said})` : text;
}

function wordList(p) {
  const list = t("reason.list", { language: languageName(p.list) });
  let where = p.read_as
    ? t("reason.read_as", { word: p.word, list })
    : t("reason.on_list", { list });
  if (p.ordinary_in) {
    where = t("reason.ordinary_in", { where, languages: languageNames(p.ordinary_in) });
  } else if (p.innocent) {
    where = t("reason.innocent", { where });
  }
  const text = t("reason.word_list", { written: p.written, where });
  return p.held ? human(text) : text;
}

function alike(percent) {
  return Number(percent) >= 100 ? t("reason.word_for_word") : t("reason.alike", { percent });
}

const WORDING = {
  author_blocked: (p) => author("reason.author_blocked", p),
  author_held: (p) => human(author("reason.author_held", p)),
  author_trusted: (p) => author("reason.author_trusted", p),
  word: (p) => {
    const text = t(`reason.${p.phrase ? "phrase" : "word"}_${p.held ? "held" : "blocked"}`, p);
    return p.held ? human(text) : text;
  },
  word_list: wordList,
  required_hashtags: (p) => t("reason.required_hashtags", p),
  sensitive: (p) =>
    human(p.warning ? t("reason.warning", { warning: p.warning }) : t("reason.sensitive")),
  language: (p) =>
    human(
      t(p.declared ? "reason.written_in" : "reason.looks_like", {
        language: languageName(p.lang),
        code: p.lang,
        shown: languageNames(p.shown),
      }),
    ),
  bot: (p) => human(t("reason.bot", p)),
  account_age: (p) =>
    human(
      t("reason.account_age", {
        ago: ago(p.seconds),
        days: t("reason.days", { count: Number(p.days) }),
      }),
    ),
  other_event: (p) => human(t(p.event ? "reason.other_event_named" : "reason.other_event", p)),
  repeat_same: (p) => t("reason.repeat_same", { ago: ago(p.seconds), alike: alike(p.percent) }),
  repeat_other: (p) =>
    human(
      t("reason.repeat_other", {
        handle: p.handle,
        ago: ago(p.seconds),
        alike: alike(p.percent),
      }),
    ),
  flood: (p) =>
    human(
      t("reason.flood", {
        number: p.number,
        handle: p.handle,
        limit: p.limit,
        minutes: t("reason.minutes", { count: Number(p.minutes) }),
      }),
    ),
  mode_post: () => t("reason.mode_post"),
  mode_pre: () => t("reason.mode_pre"),
  decided: (p) => t(`reason.decided.${p.action}`, { by: p.by }),
  note: (p) => String(p.text ?? ""),
  edited: (p) => {
    const then = p.then ? reasonText({ why: p.then }) : "";
    return then ? t("reason.edited", { then }) : t("reason.edited_plain");
  },
  deleted_on_network: (p) => t("reason.deleted_on_network", p),
  author_blocked_by: (p) => {
    const text = t("reason.author_blocked_by", { by: p.by });
    return p.note ? t("reason.and_note", { text, note: p.note }) : text;
  },
  not_accepted: () => t("reason.not_accepted"),
  erased: (p) => t("reason.erased", p),
  undo: (p) => {
    const key = `reason.undo.${p.action}`;
    return key in CATALOGUE.en ? t(key) : t("reason.undo", { action: p.action });
  },
};

/** The codes this page can word (a test checks it against the server's list). */
export const REASON_CODES = Object.freeze(Object.keys(WORDING));

/**
 * A post's (or an attendee's answer's) reason in the reader's language: from `why`
 * when its code is known, else the server's English `reason`.
 */
export function reasonText(post) {
  const why = post?.why;
  const wording = why && typeof why.code === "string" ? WORDING[why.code] : undefined;
  if (wording) {
    try {
      return wording(why.params && typeof why.params === "object" ? why.params : {});
    } catch {
      // A malformed why is worded by the server's sentence instead.
    }
  }
  return String(post?.reason ?? "");
}

const hasString = (key) => key in CATALOGUE.en;

/**
 * An API refusal `{error, code, params}` in the reader's language; `field` names the
 * setting at fault as the page shows it (its label), when the page has one. A code this
 * page does not know keeps the server's English sentence.
 */
export function errorText(body, field = "") {
  const code = typeof body?.code === "string" ? body.code : "";
  const key = `error.${code}`;
  if (!code || !(key in CATALOGUE.en)) return String(body?.error ?? "");
  const params = body.params && typeof body.params === "object" ? { ...body.params } : {};
  params.path = field || params.path || t("error.top");
  if (params.expected && hasString(`error.type.${params.expected}`)) {
    params.expected = t(`error.type.${params.expected}`);
  }
  if (params.status && hasString(`status.${params.status}`)) {
    params.status = t(`status.${params.status}`);
  }
  return t(key, params);
}
