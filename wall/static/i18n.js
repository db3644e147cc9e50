// Fixed strings of every Murmur page, in English and French.
//
// The language is the server's choice when it sets <html data-lang="fr|en">, otherwise the
// browser's: French when navigator.language starts with "fr", English otherwise.
// Strings may hold {name} placeholders; a string given as {one, other} is chosen by the
// plural rule for vars.count.
// The moderation desk's strings are in static/desk/strings.js, merged in below: one
// catalogue, one t().

import { DESK_STRINGS } from "/static/desk/strings.js";
import { REASON_STRINGS } from "/static/reason-strings.js";

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
    "wall.announcement": "From the organisers",
    "wall.boosted_by": "Shared by {name}",
    "wall.poll": "Poll",
    "wall.poll_closed": "Poll results",
    "wall.starts_at": "Starts at {time}",
    "wall.starts_on": "Starts on {day} at {time}",
    "wall.ended": "Thank you for taking part! The wall is closed.",
    "wall.announcement_short": "Info",
    "wall.join": "Post with {tags} or scan to send yours",
    "wall.join_no_tags": "Scan to send yours",
    "wall.join_qr_alt": "QR code: the page to send a post to this wall",
    "wall.logo_alt": "Logo",
    "wall.visitor": "A visitor",
    "wall.on_site": "On site",

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

    "layout.grid": "Grid of posts",
    "layout.single": "One post at a time",
    "layout.ticker": "Ticker",
    "layout.stage": "Stage overlay",
    "layout.grid_help": "Columns of cards, newest first. For halls and large screens.",
    "layout.single_help":
      "One large post at a time, about 8 seconds each. For a library or corridor screen.",
    "layout.ticker_help":
      "A strip of posts scrolling along the bottom, under the event’s title and QR code.",
    "layout.stage_help":
      "One post at a time as a lower third on a transparent background, for video mixing (add ?bg=green to a screen’s address for a chroma key).",

    "source.connecting": "connecting",
    "source.live": "live",
    "source.reconnecting": "reconnecting",
    "source.rate limited": "rate limited",
    "source.failing": "failing",
    "source.failing: bad credentials": "failing: bad credentials",
    "source.failing: not found": "failing: not found",
    "source.stopped": "stopped",

    "admin.title": "Screens — {title}",
    "admin.heading": "Screens and display",
    "admin.open_wall": "Open the wall",
    "admin.open_desk": "Moderation desk",
    "admin.logout": "Log out",
    "admin.signed_in_as": "Signed in as {user}",
    "admin.screens": "Screens",
    "admin.screens_empty": "No screen is open. Open {example} on a screen to see it here.",
    "admin.col_screen": "Screen",
    "admin.col_state": "State",
    "admin.col_layout": "Layout",
    "admin.col_size": "Size",
    "admin.col_last_seen": "Last heard from",
    "admin.col_connected": "Connected",
    "admin.state_online": "Online",
    "admin.state_silent": "Silent",
    "admin.state_offline": "Offline",
    "admin.silent_for": "not heard from for {time}",
    "admin.seconds": { one: "{count} second", other: "{count} seconds" },
    "admin.minutes": { one: "{count} minute", other: "{count} minutes" },
    "admin.summary_online": { one: "{count} screen online", other: "{count} screens online" },
    "admin.summary_silent": { one: "{count} silent", other: "{count} silent" },
    "admin.summary_offline": { one: "{count} offline", other: "{count} offline" },
    "admin.new_screen": "Link for a new screen",
    "admin.new_screen_placeholder": "Screen name, e.g. hall-a",
    "admin.layout_event": "The event’s layout",
    "admin.sources": "Sources",
    "admin.sources_empty": "No source is configured for this event.",
    "admin.col_source": "Source",
    "admin.col_posts": "Posts",
    "admin.col_last_post": "Last post",
    "admin.col_error": "Last error",
    "admin.retry_at": "next try {time}",
    "admin.display": "What the screens show",
    "admin.theme": "Theme",
    "admin.layout": "Layout",
    "admin.show_qr": "Show the hashtags and the QR code to take part",
    "admin.quiet_seconds": "Quiet moment after (seconds without a new post)",
    "admin.announcements": "Announcements",
    "admin.announcements_help":
      "Shown between earlier posts when the wall is quiet, and over the wall on their schedule however busy it is (at most 20, 280 characters each).",
    "admin.add_announcement": "Add an announcement",
    "admin.announcement_text": "Text",
    "admin.announcement_image": "Picture (optional: a /media/… address)",
    "admin.announcement_upload": "Or send a picture",
    "admin.upload_sending": "Sending the picture…",
    "admin.upload_done": "Picture ready: save to show it.",
    "admin.upload_failed": "The picture could not be sent: check the connection and try again.",
    "admin.remove_announcement": "Remove",
    "admin.every_posts": "Over the wall every … new posts (0: no)",
    "admin.every_minutes": "… or at least every … minutes (0: no)",
    "admin.announcement_seconds": "For … seconds",
    "admin.show_now": "Show now on every screen",
    "admin.show_save_first": "Apply your changes first: “Show now” shows the announcements as saved.",
    "admin.shown_now": {"one": "Shown on every screen for {count} second.", "other": "Shown on every screen for {count} seconds."},
    "admin.announcement_empty": "An announcement has no text: write one or remove it.",
    "admin.announcement_image_bad":
      "A picture must be an image from Murmur (an address such as /media/3f2a….webp), or nothing.",
    "admin.save": "Apply to every screen",
    "admin.saving": "Applying…",
    "admin.saved": "Applied: every screen follows now.",
    "admin.save_failed": "The server could not apply it (error {status}). Try again.",
    "admin.forbidden": "Only organisers change what the screens show.",
    "admin.network_error": "Connection lost — nothing was changed. Try again.",
    "admin.offline": "Cannot reach the server — what is shown below may be out of date.",

    "submit.title": "Post on the wall — {title}",
    "submit.kicker": "Post on the wall",
    "submit.intro": "Your words and your photo on the event’s screens.",
    "submit.name": "Your name",
    "submit.optional": "(optional)",
    "submit.name_hint": "Leave it empty to post as “Anonymous”.",
    "submit.text": "Your message",
    "submit.text_placeholder": "What are you seeing, thinking, enjoying?",
    "submit.counter": "{count} / {max}",
    "submit.photo_add": "Add a photo",
    "submit.photo_change": "Change the photo",
    "submit.photo_remove": "Remove the photo",
    "submit.photo_alt": "Your photo",
    "submit.no_preview": "No preview for this file; it will be checked when you send it.",
    "submit.send": "Send",
    "submit.sending": "Sending…",
    "submit.consent_pre":
      "After a moderator approves it, your post is shown on the event’s screens: your name if you give one, your text and your photo.",
    "submit.consent_post":
      "Your post is shown on the event’s screens at once (moderators may take it down): your name if you give one, your text and your photo.",
    "submit.consent_keep": "It is kept {retention}.",
    "submit.consent_privacy": "Location and camera details are removed from photos.",
    "submit.consent_agree": "By sending it, you agree.",
    "submit.done_pending": "Thank you! Your post is waiting for a moderator.",
    "submit.done_pending_more": "It will appear on the wall once approved.",
    "submit.done_approved": "Thank you! Your post is on the wall.",
    "submit.done_approved_more": "Look up at the screens.",
    "submit.done_rejected": "Your post will not be shown.",
    "submit.done_rejected_more": "It does not follow the event’s rules ({reason}).",
    "submit.done_removed": "Your post was taken off the wall.",
    "submit.done_removed_more": "The organisers decided not to show it any more.",
    "submit.mine_title": "Your posts",
    "submit.where.waiting": "Waiting for a moderator…",
    "submit.where.shown": "On the wall now",
    "submit.where.declined": "Not shown at this event",
    "submit.where.removed": "Taken off the wall",
    "submit.answer": "The organisers answered:",
    "submit.photo_sent": "A photo",
    "submit.again": "Post something else",
    "submit.closed": "This event does not take posts from this page.",
    "submit.unknown_event": "There is no event called “{slug}”.",
    "submit.err.empty": "Write a message or add a photo, then send.",
    "submit.err.text_too_long":
      "Your message is too long: {limit} characters at most. Shorten it and send it again.",
    "submit.err.name_too_long": "Your name is too long: {limit} characters at most.",
    "submit.err.photo_too_large":
      "This photo is too large: {mb} MB at most. Choose a smaller one, or take a screenshot of it.",
    "submit.err.photo_pixels": "This photo has too many pixels. Choose a smaller one.",
    "submit.err.photo_type":
      "This file is not a photo the wall accepts: choose a JPEG, PNG, WebP or GIF picture.",
    "submit.err.photo_damaged":
      "This photo is damaged or incomplete: choose it again, or take a new one.",
    "submit.err.photo_empty": "This photo is empty: choose it again.",
    "submit.err.one_photo": "One photo at most.",
    "submit.err.rate_device": {
      one: "You have sent the most posts allowed for now. Try again in {count} minute.",
      other: "You have sent the most posts allowed for now. Try again in {count} minutes.",
    },
    "submit.err.rate_address": {
      one: "Too many posts from this network right now. Try again in {count} minute.",
      other: "Too many posts from this network right now. Try again in {count} minutes.",
    },
    "submit.err.device": "Your browser did not keep this page’s cookie. Reload the page and try again.",
    "submit.err.origin": "Open this page from the wall’s QR code and send your post from there.",
    "submit.err.form": "The form could not be sent. Reload the page and try again.",
    "submit.err.network":
      "The connection was lost: your post was not sent. Check your connection and try again.",
    "submit.err.other": "The server could not take your post (error {status}). Try again.",
    "privacy.title": "Privacy",
    "privacy.help": "Erase one person from every event, or download what Murmur holds about them. Name them by network and handle, or by one of their posts.",
    "privacy.network": "Network",
    "privacy.handle": "Handle",
    "privacy.post": "Or the number of one of their posts in this event",
    "privacy.access": "Download what Murmur holds",
    "privacy.erase": "Erase everywhere…",
    "privacy.retention": "Keep posts for (days; 0: until erased by hand)",
    "privacy.retention_label": "Days to keep posts",
    "privacy.retention_save": "Save the retention",
    "privacy.retention_saved": {"one": "Saved: posts are erased {count} day after they came in.", "other": "Saved: posts are erased {count} days after they came in."},
    "privacy.name_them": "Name the person first: a handle, or the number of one of their posts.",
    "privacy.working": "Working…",
    "privacy.failed": "That did not work: check the connection and try again.",
    "privacy.found": {"one": "{count} post found: the file is downloading.", "other": "{count} posts found: the file is downloading."},
    "privacy.confirm": "Erase every post of {who}, in every event, from the screens and the archive? This cannot be undone.",
    "privacy.erased": {"one": "Erased: {count} post and {pictures} picture(s). Receipt {number} is downloading: keep it.", "other": "Erased: {count} posts and {pictures} picture(s). Receipt {number} is downloading: keep it."},
    "event.heading": "Event settings",
    "event.back": "Screens and display",
    "event.save": "Save and apply",
    "event.reset": "Back to the file’s settings",
    "event.title": "{title} — event settings",
    "event.section.event": "The event",
    "event.section.words": "Words",
    "event.section.authors": "Authors",
    "event.section.more_rules": "More rules",
    "event.section.sources": "Sources",
    "event.section.submissions": "The attendees’ page",
    "event.section.privacy": "Privacy",
    "event.field.title": "Title",
    "event.field.hashtags": "Hashtags",
    "event.field.moderation": "Moderation",
    "event.field.language": "Language of the pages",
    "event.field.rules.blocked_words": "Blocked words (one per line)",
    "event.field.rules.held_words": "Words that hold a post for a moderator (one per line)",
    "event.field.rules.allowed_words": "Words the built-in lists never catch (one per line)",
    "event.field.rules.builtin_lists": "Built-in offensive-word lists",
    "event.field.rules.trusted_authors": "Trusted authors, shown at once (one per line)",
    "event.field.rules.blocked_authors": "Blocked authors (one per line)",
    "event.field.rules.hold_bots": "Hold posts from accounts the network marks as bots",
    "event.field.rules.min_account_age_days": "Hold accounts younger than (days; 0: no)",
    "event.field.rules.required_hashtags": "A post must carry one of these hashtags (empty: any)",
    "event.field.rules.languages": "Languages shown (codes such as fr en; empty: any)",
    "event.field.rules.flood_posts": "Posts one author may send in a row before a moderator looks (0: no limit)",
    "event.field.rules.flood_minutes": "Counted over (minutes)",
    "event.field.rules.duplicate_minutes": "Hold repeated texts seen within (minutes; 0: no)",
    "event.field.sources": "Where posts come from",
    "event.field.submissions.enabled": "Attendees may post from the page behind the QR code",
    "event.field.submissions.max_text": "Longest text (characters)",
    "event.field.submissions.max_photo_mb": "Largest photo (MB)",
    "event.field.submissions.per_device_per_hour": "Posts per phone per hour (0: no limit)",
    "event.field.submissions.consent_fr": "Consent line in French (empty: Murmur’s own)",
    "event.field.submissions.consent_en": "Consent line in English (empty: Murmur’s own)",
    "event.field.privacy.retention_days": "Erase posts this many days after they came in (0: keep)",
    "event.help.hashtags": "Separated by spaces, with or without #. Sources follow them.",
    "event.help.rules.blocked_words": "Matched as whole words, through capitals, accents and symbol swaps.",
    "event.help.sources": "Tokens are set in the server’s configuration file and environment, never here.",
    "event.choice.moderation.pre": "Pre-moderation: a moderator approves every post",
    "event.choice.moderation.post": "Post-moderation: shown at once, taken down if needed",
    "event.choice.language.none": "The reader’s browser decides",
    "event.choice.language.fr": "French",
    "event.choice.language.en": "English",
    "event.choice.rules.builtin_lists.fr": "French",
    "event.choice.rules.builtin_lists.en": "English",
    "event.live_badge": "changed live",
    "event.source.type": "Kind of source",
    "event.source.where": "Address",
    "event.source.remove": "Remove",
    "event.source.add": "Add a source",
    "event.source.mastodon": "Mastodon",
    "event.source.bluesky": "Bluesky",
    "event.source.rss": "RSS or Atom feed",
    "event.source.x": "X",
    "event.source.demo": "Demo",
    "event.source.placeholder.mastodon": "https://mastodon.social",
    "event.source.placeholder.bluesky": "wss://jetstream2.us-east.bsky.network",
    "event.source.placeholder.rss": "https://www.univ.example/feed.xml",
    "event.source.placeholder.x": "https://api.x.com",
    "event.source.placeholder.demo": "",
    "event.source.token_set": "Token set in {name}.",
    "event.source.token_missing": "Token missing: set {name} in the server’s environment, then restart Murmur.",
    "event.nothing_changed": "Nothing to save: no setting changed.",
    "event.saved": "Saved: every screen, desk and source follows at once.",
    "event.reset_confirm": "Forget the changes made here and use the configuration file’s settings again?",
    "event.reset_done": "Back to the file’s settings.",
    "event.origin_live": "Changed here, over the configuration file: {keys}. The file’s values apply again if you go back to them.",
    "event.origin_file": "Every setting comes from the configuration file.",
    "event.key.title": "title",
    "event.key.hashtags": "hashtags",
    "event.key.moderation": "moderation",
    "event.key.language": "language",
    "event.key.rules": "rules",
    "event.key.sources": "sources",
    "event.key.submissions": "attendees’ page",
    "event.key.privacy": "privacy",
    "event.key.display": "display",
    "admin.event_settings": "Event settings",
    "admin.preview_title": "Preview of a screen",
    "admin.preview_help": "Preview: what a 1920×1080 screen shows with these settings. The screens change only when you apply them.",
    "event.field.starts_at": "Starts (screens say when, sources wait)",
    "event.field.ends_at": "Ends (screens close, sources stop)",
    "event.key.starts_at": "start",
    "event.key.ends_at": "end",
    "events.title": "Events",
    "events.heading": "Murmur — events",
    "events.col_event": "Event",
    "events.col_state": "State",
    "events.col_when": "When",
    "events.col_actions": "Open",
    "events.state.upcoming": "Upcoming",
    "events.state.live": "Live",
    "events.state.ended": "Ended",
    "events.state.archived": "Archived",
    "events.open_wall": "Wall",
    "events.open_desk": "Desk",
    "events.open_admin": "Screens",
    "events.open_settings": "Settings",
    "events.archive": "Archive",
    "events.unarchive": "Bring back",
    "events.archive_confirm": "Archive “{title}”? Its sources stop and its screens show the closing slide.",
    "events.create": "Create an event",
    "events.slug": "Address (letters, digits and dashes: /wall/…)",
    "events.name": "Title",
    "events.hashtags": "Hashtags",
    "events.copy_from": "Copy the settings of",
    "events.copy_none": "Nothing: a blank event",
    "events.starts": "Starts (optional)",
    "events.ends": "Ends (optional)",
    "events.create_button": "Create",
    "events.created": "Created: {title}.",
    "events.left_behind": "Created: {title}. Left behind, as they need a token set in the configuration file: {sources}.",
    "events.always": "No window: always open",
    "events.from": "From {start}",
    "events.until": "Until {end}",
    "events.from_until": "{start} → {end}",
    "events.failed": "That did not work: check the connection and try again.",
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
    "wall.unknown_event": "Il n’existe pas d’événement « {slug} ».",
    "wall.announcement": "Les organisateurs",
    "wall.boosted_by": "Partagé par {name}",
    "wall.poll": "Sondage",
    "wall.poll_closed": "Résultats du sondage",
    "wall.starts_at": "Commence à {time}",
    "wall.starts_on": "Commence le {day} à {time}",
    "wall.ended": "Merci d’avoir participé ! Le mur est fermé.",
    "wall.announcement_short": "Info",
    "wall.join": "Publiez avec {tags} ou scannez pour envoyer le vôtre",
    "wall.join_no_tags": "Scannez pour envoyer le vôtre",
    "wall.join_qr_alt": "Code QR : la page pour envoyer un message sur ce mur",
    "wall.logo_alt": "Logo",
    "wall.visitor": "Un·e participant·e",
    "wall.on_site": "Sur place",

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

    "layout.grid": "Mur de messages",
    "layout.single": "Un message à la fois",
    "layout.ticker": "Bandeau défilant",
    "layout.stage": "Incrustation (scène)",
    "layout.grid_help": "Des colonnes de cartes, les plus récentes en haut. Pour les amphis et les grands écrans.",
    "layout.single_help":
      "Un grand message à la fois, environ 8 secondes chacun. Pour un écran de bibliothèque ou de couloir.",
    "layout.ticker_help":
      "Un bandeau de messages qui défile en bas, sous le titre de l’événement et le code QR.",
    "layout.stage_help":
      "Un message à la fois en bas de l’image, sur fond transparent, pour la régie vidéo (ajoutez ?bg=green à l’adresse d’un écran pour une incrustation sur fond vert).",

    "source.connecting": "connexion",
    "source.live": "en direct",
    "source.reconnecting": "reconnexion",
    "source.rate limited": "limite de débit atteinte",
    "source.failing": "en échec",
    "source.failing: bad credentials": "en échec : identifiants refusés",
    "source.failing: not found": "en échec : introuvable",
    "source.stopped": "arrêtée",

    "admin.title": "Écrans — {title}",
    "admin.heading": "Écrans et affichage",
    "admin.open_wall": "Ouvrir le mur",
    "admin.open_desk": "Modération",
    "admin.logout": "Se déconnecter",
    "admin.signed_in_as": "Connecté·e : {user}",
    "admin.screens": "Écrans",
    "admin.screens_empty":
      "Aucun écran n’est ouvert. Ouvrez {example} sur un écran pour le voir ici.",
    "admin.col_screen": "Écran",
    "admin.col_state": "État",
    "admin.col_layout": "Disposition",
    "admin.col_size": "Taille",
    "admin.col_last_seen": "Dernier signe de vie",
    "admin.col_connected": "Connecté",
    "admin.state_online": "En ligne",
    "admin.state_silent": "Muet",
    "admin.state_offline": "Hors ligne",
    "admin.silent_for": "sans nouvelles depuis {time}",
    "admin.seconds": { one: "{count} seconde", other: "{count} secondes" },
    "admin.minutes": { one: "{count} minute", other: "{count} minutes" },
    "admin.summary_online": { one: "{count} écran en ligne", other: "{count} écrans en ligne" },
    "admin.summary_silent": { one: "{count} muet", other: "{count} muets" },
    "admin.summary_offline": { one: "{count} hors ligne", other: "{count} hors ligne" },
    "admin.new_screen": "Lien pour un nouvel écran",
    "admin.new_screen_placeholder": "Nom de l’écran, par ex. hall-a",
    "admin.layout_event": "La disposition de l’événement",
    "admin.sources": "Sources",
    "admin.sources_empty": "Aucune source n’est configurée pour cet événement.",
    "admin.col_source": "Source",
    "admin.col_posts": "Messages",
    "admin.col_last_post": "Dernier message",
    "admin.col_error": "Dernière erreur",
    "admin.retry_at": "prochain essai {time}",
    "admin.display": "Ce que montrent les écrans",
    "admin.theme": "Thème",
    "admin.layout": "Disposition",
    "admin.show_qr": "Afficher les hashtags et le code QR pour participer",
    "admin.quiet_seconds": "Moment calme après (secondes sans nouveau message)",
    "admin.announcements": "Annonces",
    "admin.announcements_help":
      "Affichées entre d’anciens messages quand le mur est calme, et par-dessus le mur à leur rythme même quand il est animé (20 au plus, 280 caractères chacune).",
    "admin.add_announcement": "Ajouter une annonce",
    "admin.announcement_text": "Texte",
    "admin.announcement_image": "Image (facultative : une adresse /media/…)",
    "admin.announcement_upload": "Ou envoyez une image",
    "admin.upload_sending": "Envoi de l’image…",
    "admin.upload_done": "Image prête : enregistrez pour l’afficher.",
    "admin.upload_failed": "L’image n’a pas pu être envoyée : vérifiez la connexion et réessayez.",
    "admin.remove_announcement": "Supprimer",
    "admin.every_posts": "Par-dessus le mur tous les … nouveaux messages (0 : non)",
    "admin.every_minutes": "… ou au moins toutes les … minutes (0 : non)",
    "admin.announcement_seconds": "Pendant … secondes",
    "admin.show_now": "Afficher maintenant sur tous les écrans",
    "admin.show_save_first": "Appliquez d’abord vos changements : « Afficher maintenant » montre les annonces enregistrées.",
    "admin.shown_now": {"one": "Affichée sur tous les écrans pendant {count} seconde.", "other": "Affichée sur tous les écrans pendant {count} secondes."},
    "admin.announcement_empty": "Une annonce n’a pas de texte : écrivez-en un ou supprimez-la.",
    "admin.announcement_image_bad":
      "Une image doit venir de Murmur (une adresse comme /media/3f2a….webp), ou rien.",
    "admin.save": "Appliquer à tous les écrans",
    "admin.saving": "Application…",
    "admin.saved": "Appliqué : tous les écrans suivent.",
    "admin.save_failed": "Le serveur n’a pas pu l’appliquer (erreur {status}). Réessayez.",
    "admin.forbidden": "Seuls les organisateurs changent ce que montrent les écrans.",
    "admin.network_error": "Connexion perdue — rien n’a été changé. Réessayez.",
    "admin.offline": "Le serveur est injoignable — ce qui est affiché peut être dépassé.",

    "submit.title": "Publier sur le mur — {title}",
    "submit.kicker": "Publier sur le mur",
    "submit.intro": "Vos mots et votre photo sur les écrans de l’événement.",
    "submit.name": "Votre nom",
    "submit.optional": "(facultatif)",
    "submit.name_hint": "Laissez vide pour publier en « Anonyme ».",
    "submit.text": "Votre message",
    "submit.text_placeholder": "Ce que vous voyez, pensez, aimez ?",
    "submit.counter": "{count} / {max}",
    "submit.photo_add": "Ajouter une photo",
    "submit.photo_change": "Changer de photo",
    "submit.photo_remove": "Retirer la photo",
    "submit.photo_alt": "Votre photo",
    "submit.no_preview": "Pas d’aperçu pour ce fichier ; il sera vérifié à l’envoi.",
    "submit.send": "Envoyer",
    "submit.sending": "Envoi…",
    "submit.consent_pre":
      "Après validation par la modération, votre message s’affiche sur les écrans de l’événement : votre nom si vous l’indiquez, votre texte et votre photo.",
    "submit.consent_post":
      "Votre message s’affiche aussitôt sur les écrans de l’événement (la modération peut le retirer) : votre nom si vous l’indiquez, votre texte et votre photo.",
    "submit.consent_keep": "Il est conservé {retention}.",
    "submit.consent_privacy": "La localisation et les informations de l’appareil sont retirées des photos.",
    "submit.consent_agree": "En l’envoyant, vous l’acceptez.",
    "submit.done_pending": "Merci ! Votre message attend la modération.",
    "submit.done_pending_more": "Il s’affichera sur le mur une fois validé.",
    "submit.done_approved": "Merci ! Votre message est sur le mur.",
    "submit.done_approved_more": "Levez les yeux vers les écrans.",
    "submit.done_rejected": "Votre message ne sera pas affiché.",
    "submit.done_rejected_more": "Il ne respecte pas les règles de l’événement ({reason}).",
    "submit.done_removed": "Votre message a été retiré du mur.",
    "submit.done_removed_more": "Les organisateurs ont décidé de ne plus l’afficher.",
    "submit.mine_title": "Vos messages",
    "submit.where.waiting": "En attente de modération…",
    "submit.where.shown": "Sur le mur en ce moment",
    "submit.where.declined": "Pas affiché à cet événement",
    "submit.where.removed": "Retiré du mur",
    "submit.answer": "Réponse des organisateurs :",
    "submit.photo_sent": "Une photo",
    "submit.again": "Publier autre chose",
    "submit.closed": "Cet événement ne reçoit pas de messages depuis cette page.",
    "submit.unknown_event": "Il n’existe pas d’événement « {slug} ».",
    "submit.err.empty": "Écrivez un message ou ajoutez une photo, puis envoyez.",
    "submit.err.text_too_long":
      "Votre message est trop long : {limit} caractères au plus. Raccourcissez-le et renvoyez-le.",
    "submit.err.name_too_long": "Votre nom est trop long : {limit} caractères au plus.",
    "submit.err.photo_too_large":
      "Cette photo est trop lourde : {mb} Mo au plus. Choisissez-en une plus petite, ou faites-en une capture d’écran.",
    "submit.err.photo_pixels": "Cette photo a trop de pixels. Choisissez-en une plus petite.",
    "submit.err.photo_type":
      "Ce fichier n’est pas une photo acceptée : choisissez une image JPEG, PNG, WebP ou GIF.",
    "submit.err.photo_damaged":
      "Cette photo est abîmée ou incomplète : choisissez-la de nouveau, ou prenez-en une autre.",
    "submit.err.photo_empty": "Cette photo est vide : choisissez-la de nouveau.",
    "submit.err.one_photo": "Une seule photo au plus.",
    "submit.err.rate_device": {
      one: "Vous avez envoyé le maximum de messages pour l’instant. Réessayez dans {count} minute.",
      other: "Vous avez envoyé le maximum de messages pour l’instant. Réessayez dans {count} minutes.",
    },
    "submit.err.rate_address": {
      one: "Trop de messages depuis ce réseau en ce moment. Réessayez dans {count} minute.",
      other: "Trop de messages depuis ce réseau en ce moment. Réessayez dans {count} minutes.",
    },
    "submit.err.device":
      "Votre navigateur n’a pas gardé le cookie de cette page. Rechargez la page et réessayez.",
    "submit.err.origin":
      "Ouvrez cette page depuis le QR code du mur et envoyez votre message depuis celle-ci.",
    "submit.err.form": "Le formulaire n’a pas pu être envoyé. Rechargez la page et réessayez.",
    "submit.err.network":
      "La connexion a été perdue : votre message n’est pas parti. Vérifiez la connexion et réessayez.",
    "submit.err.other": "Le serveur n’a pas pu prendre votre message (erreur {status}). Réessayez.",
    "privacy.title": "Vie privée",
    "privacy.help": "Effacez une personne de tous les événements, ou téléchargez ce que Murmur garde à son sujet. Désignez-la par réseau et identifiant, ou par l’un de ses messages.",
    "privacy.network": "Réseau",
    "privacy.handle": "Identifiant",
    "privacy.post": "Ou le numéro de l’un de ses messages dans cet événement",
    "privacy.access": "Télécharger ce que Murmur garde",
    "privacy.erase": "Effacer partout…",
    "privacy.retention": "Garder les messages (jours ; 0 : jusqu’à effacement manuel)",
    "privacy.retention_label": "Jours de conservation",
    "privacy.retention_save": "Enregistrer la conservation",
    "privacy.retention_saved": {"one": "Enregistré : les messages sont effacés {count} jour après leur arrivée.", "other": "Enregistré : les messages sont effacés {count} jours après leur arrivée."},
    "privacy.name_them": "Désignez d’abord la personne : un identifiant, ou le numéro de l’un de ses messages.",
    "privacy.working": "En cours…",
    "privacy.failed": "Cela n’a pas marché : vérifiez la connexion et réessayez.",
    "privacy.found": {"one": "{count} message trouvé : le fichier se télécharge.", "other": "{count} messages trouvés : le fichier se télécharge."},
    "privacy.confirm": "Effacer tous les messages de {who}, dans tous les événements, des écrans et des archives ? C’est définitif.",
    "privacy.erased": {"one": "Effacé : {count} message et {pictures} image(s). Le reçu {number} se télécharge : gardez-le.", "other": "Effacé : {count} messages et {pictures} image(s). Le reçu {number} se télécharge : gardez-le."},
    "event.heading": "Réglages de l’événement",
    "event.back": "Écrans et affichage",
    "event.save": "Enregistrer et appliquer",
    "event.reset": "Revenir aux réglages du fichier",
    "event.title": "{title} — réglages de l’événement",
    "event.section.event": "L’événement",
    "event.section.words": "Mots",
    "event.section.authors": "Auteurs",
    "event.section.more_rules": "Autres règles",
    "event.section.sources": "Sources",
    "event.section.submissions": "La page des participants",
    "event.section.privacy": "Vie privée",
    "event.field.title": "Titre",
    "event.field.hashtags": "Hashtags",
    "event.field.moderation": "Modération",
    "event.field.language": "Langue des pages",
    "event.field.rules.blocked_words": "Mots bloqués (un par ligne)",
    "event.field.rules.held_words": "Mots qui retiennent un message pour un modérateur (un par ligne)",
    "event.field.rules.allowed_words": "Mots que les listes intégrées ne bloquent jamais (un par ligne)",
    "event.field.rules.builtin_lists": "Listes intégrées de mots offensants",
    "event.field.rules.trusted_authors": "Auteurs de confiance, affichés aussitôt (un par ligne)",
    "event.field.rules.blocked_authors": "Auteurs bloqués (un par ligne)",
    "event.field.rules.hold_bots": "Retenir les messages des comptes que le réseau marque comme automatisés",
    "event.field.rules.min_account_age_days": "Retenir les comptes de moins de (jours ; 0 : non)",
    "event.field.rules.required_hashtags": "Un message doit porter l’un de ces hashtags (vide : n’importe lequel)",
    "event.field.rules.languages": "Langues affichées (codes comme fr en ; vide : toutes)",
    "event.field.rules.flood_posts": "Messages d’un même auteur avant qu’un modérateur regarde (0 : sans limite)",
    "event.field.rules.flood_minutes": "Comptés sur (minutes)",
    "event.field.rules.duplicate_minutes": "Retenir les textes répétés vus dans les (minutes ; 0 : non)",
    "event.field.sources": "D’où viennent les messages",
    "event.field.submissions.enabled": "Les participants peuvent publier depuis la page du code QR",
    "event.field.submissions.max_text": "Texte le plus long (caractères)",
    "event.field.submissions.max_photo_mb": "Photo la plus lourde (Mo)",
    "event.field.submissions.per_device_per_hour": "Messages par téléphone et par heure (0 : sans limite)",
    "event.field.submissions.consent_fr": "Phrase de consentement en français (vide : celle de Murmur)",
    "event.field.submissions.consent_en": "Phrase de consentement en anglais (vide : celle de Murmur)",
    "event.field.privacy.retention_days": "Effacer les messages ce nombre de jours après leur arrivée (0 : garder)",
    "event.help.hashtags": "Séparés par des espaces, avec ou sans #. Les sources les suivent.",
    "event.help.rules.blocked_words": "Reconnus en mots entiers, malgré majuscules, accents et symboles.",
    "event.help.sources": "Les jetons se règlent dans le fichier de configuration et l’environnement du serveur, jamais ici.",
    "event.choice.moderation.pre": "A priori : un modérateur approuve chaque message",
    "event.choice.moderation.post": "A posteriori : affiché aussitôt, retiré si besoin",
    "event.choice.language.none": "Le navigateur du lecteur décide",
    "event.choice.language.fr": "Français",
    "event.choice.language.en": "Anglais",
    "event.choice.rules.builtin_lists.fr": "Français",
    "event.choice.rules.builtin_lists.en": "Anglais",
    "event.live_badge": "modifié en direct",
    "event.source.type": "Type de source",
    "event.source.where": "Adresse",
    "event.source.remove": "Retirer",
    "event.source.add": "Ajouter une source",
    "event.source.mastodon": "Mastodon",
    "event.source.bluesky": "Bluesky",
    "event.source.rss": "Flux RSS ou Atom",
    "event.source.x": "X",
    "event.source.demo": "Démo",
    "event.source.placeholder.mastodon": "https://mastodon.social",
    "event.source.placeholder.bluesky": "wss://jetstream2.us-east.bsky.network",
    "event.source.placeholder.rss": "https://www.univ.example/feed.xml",
    "event.source.placeholder.x": "https://api.x.com",
    "event.source.placeholder.demo": "",
    "event.source.token_set": "Jeton réglé dans {name}.",
    "event.source.token_missing": "Jeton manquant : réglez {name} dans l’environnement du serveur, puis redémarrez Murmur.",
    "event.nothing_changed": "Rien à enregistrer : aucun réglage n’a changé.",
    "event.saved": "Enregistré : écrans, bureaux de modération et sources suivent aussitôt.",
    "event.reset_confirm": "Oublier les changements faits ici et reprendre les réglages du fichier de configuration ?",
    "event.reset_done": "Retour aux réglages du fichier.",
    "event.origin_live": "Modifié ici, par-dessus le fichier de configuration : {keys}. Les valeurs du fichier reviennent si vous y retournez.",
    "event.origin_file": "Tous les réglages viennent du fichier de configuration.",
    "event.key.title": "titre",
    "event.key.hashtags": "hashtags",
    "event.key.moderation": "modération",
    "event.key.language": "langue",
    "event.key.rules": "règles",
    "event.key.sources": "sources",
    "event.key.submissions": "page des participants",
    "event.key.privacy": "vie privée",
    "event.key.display": "affichage",
    "admin.event_settings": "Réglages de l’événement",
    "admin.preview_title": "Aperçu d’un écran",
    "admin.preview_help": "Aperçu : ce qu’un écran 1920×1080 montre avec ces réglages. Les écrans ne changent que lorsque vous les appliquez.",
    "event.field.starts_at": "Début (les écrans annoncent l’heure, les sources attendent)",
    "event.field.ends_at": "Fin (les écrans ferment, les sources s’arrêtent)",
    "event.key.starts_at": "début",
    "event.key.ends_at": "fin",
    "events.title": "Événements",
    "events.heading": "Murmur — événements",
    "events.col_event": "Événement",
    "events.col_state": "État",
    "events.col_when": "Quand",
    "events.col_actions": "Ouvrir",
    "events.state.upcoming": "À venir",
    "events.state.live": "En cours",
    "events.state.ended": "Terminé",
    "events.state.archived": "Archivé",
    "events.open_wall": "Mur",
    "events.open_desk": "Modération",
    "events.open_admin": "Écrans",
    "events.open_settings": "Réglages",
    "events.archive": "Archiver",
    "events.unarchive": "Rétablir",
    "events.archive_confirm": "Archiver « {title} » ? Ses sources s’arrêtent et ses écrans montrent la page de clôture.",
    "events.create": "Créer un événement",
    "events.slug": "Adresse (lettres, chiffres et tirets : /wall/…)",
    "events.name": "Titre",
    "events.hashtags": "Hashtags",
    "events.copy_from": "Reprendre les réglages de",
    "events.copy_none": "Rien : un événement vierge",
    "events.starts": "Début (facultatif)",
    "events.ends": "Fin (facultatif)",
    "events.create_button": "Créer",
    "events.created": "Créé : {title}.",
    "events.left_behind": "Créé : {title}. Laissées de côté, car elles demandent un jeton réglé dans le fichier de configuration : {sources}.",
    "events.always": "Sans horaire : toujours ouvert",
    "events.from": "À partir du {start}",
    "events.until": "Jusqu’au {end}",
    "events.from_until": "{start} → {end}",
    "events.failed": "Cela n’a pas marché : vérifiez la connexion et réessayez.",
  },
};

for (const part of [DESK_STRINGS, REASON_STRINGS]) {
  for (const [code, strings] of Object.entries(part)) {
    for (const key of Object.keys(strings)) {
      if (key in STRINGS[code]) console.warn(`murmur i18n: ${key} is defined twice`);
    }
    Object.assign(STRINGS[code], strings);
  }
}

/** Every string, by language: for the tests that check both languages say everything. */
export const CATALOGUE = STRINGS;

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

/**
 * Fill elements marked data-i18n, data-i18n-placeholder, data-i18n-aria-label,
 * data-i18n-title and data-i18n-alt.
 */
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
  for (const el of root.querySelectorAll("[data-i18n-alt]")) {
    el.setAttribute("alt", t(el.dataset.i18nAlt));
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
