"""The after-event report's words, in English and French, and its dates as people write them.

The report is a picture made on the server (``wall.report``), so its words live here rather
than in the pages' catalogues. French puts a no-break space before ``:`` as on the pages.
"""

from __future__ import annotations

from datetime import datetime

LANGUAGES = ("en", "fr")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "After-event report",
        "posts": "Posts",
        "approved": "Approved",
        "answered": "Answered",
        "wait": "Median wait",
        "screens": "Most screens at once",
        "moderators": "Moderators",
        "over_time": "Posts over time (one bar: {bucket})",
        "networks": "Where posts came from",
        "chosen": "Chosen posts",
        "answer": "Our answer",
        "left_out": "{count} more chosen posts did not fit on the page.",
        "left_out_one": "One more chosen post did not fit on the page.",
        "rate": "{rate} of decisions",
        "none_chosen": "No approved post to show.",
        "made": "Made with Murmur on {date}",
        "minutes": "{count} min",
        "hours": "{count} h",
        "day": "1 day",
        "seconds": "{count} s",
        "times": "{start} – {end}",
        "attendee": "Attendees' page",
        "demo": "Demo",
    },
    "fr": {
        "title": "Bilan de l\u2019événement",
        "posts": "Messages",
        "approved": "Approuvés",
        "answered": "Avec réponse",
        "wait": "Attente médiane",
        "screens": "Écrans à la fois, au plus",
        "moderators": "Modérateurs",
        "over_time": "Messages dans le temps (une barre\u00a0: {bucket})",
        "networks": "D\u2019où viennent les messages",
        "chosen": "Messages choisis",
        "answer": "Notre réponse",
        "left_out": "{count} autres messages choisis n\u2019ont pas tenu sur la page.",
        "left_out_one": "Un autre message choisi n\u2019a pas tenu sur la page.",
        "rate": "{rate} des décisions",
        "none_chosen": "Aucun message approuvé à montrer.",
        "made": "Fait avec Murmur le {date}",
        "minutes": "{count}\u00a0min",
        "hours": "{count}\u00a0h",
        "day": "1\u00a0jour",
        "seconds": "{count}\u00a0s",
        "times": "{start} – {end}",
        "attendee": "Page des participants",
        "demo": "Démo",
    },
}

NETWORKS = {"mastodon": "Mastodon", "bluesky": "Bluesky", "x": "X", "rss": "RSS"}

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
}  # fmt: skip


def word(lang: str, key: str, **params: object) -> str:
    return WORDS[lang][key].format(**params)


def network_name(lang: str, network: str) -> str:
    if network in ("attendee", "demo"):
        return word(lang, network)
    return NETWORKS.get(network, network)


def day(lang: str, when: datetime) -> str:
    month = _MONTHS[lang][when.month - 1]
    return f"{when.day} {month} {when.year}"


def clock(lang: str, when: datetime) -> str:
    return f"{when.hour:02d}\u00a0h\u00a0{when.minute:02d}" if lang == "fr" else f"{when:%H:%M}"


def span(lang: str, start: datetime, end: datetime) -> str:
    """``12 June 2026, 09:00 – 17:30``, or two days when the event spans more than one."""
    if start.date() == end.date():
        times = word(lang, "times", start=clock(lang, start), end=clock(lang, end))
        return f"{day(lang, start)}, {times}"
    return word(lang, "times", start=day(lang, start), end=day(lang, end))


def bucket_words(lang: str, minutes: int) -> str:
    if minutes >= 1440:
        return word(lang, "day")
    if minutes >= 60:
        return word(lang, "hours", count=minutes // 60)
    return word(lang, "minutes", count=minutes)


__all__ = ["LANGUAGES", "bucket_words", "clock", "day", "network_name", "span", "word"]
