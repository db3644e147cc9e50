"""Dates as feeds write them, read into UTC, or recognised as unreadable.

RFC 822 / RFC 2822 dates (RSS ``pubDate``, HTTP dates) and ISO 8601 / W3C-DTF dates (Atom,
``dc:date``), in the forms real feeds send: named zones (``CET``, ``MEST``, ``JST``,
``PT``), offsets with or without a colon (``+02:00``, ``+0200``), two-digit years, a time
without seconds or no time at all, lowercase ``t`` and ``z``, a trailing ``(CET)`` comment.

A zone name Murmur does not know (or one that means different hours in different
countries, such as ``IST``) is not guessed: the date is unreadable (``None``) and the
caller flags the post, rather than place it hours off. feedparser's own date reader knows
only the US zones and reads every other name as UTC, which is why Murmur reads the dates
that feedparser hands over as text itself. A date with no zone at all is taken as UTC, as
RFC 3339 §4.3 reads an unknown local offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Minutes east of UTC. RFC 822 §5 names UT, GMT, Z and the North American zones; the rest
# are the abbreviations feeds use where each has one meaning. Single military letters
# other than Z are left out: RFC 2822 §4.3 says their sign was never used consistently.
FIXED_ZONES: dict[str, int] = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 60,
    "BST": 60,
    "CET": 60,
    "MET": 60,
    "MEZ": 60,
    "CEST": 120,
    "MEST": 120,
    "MESZ": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "PKT": 300,
    "ICT": 420,
    "WIB": 420,
    "HKT": 480,
    "SGT": 480,
    "AWST": 480,
    "PHT": 480,
    "JST": 540,
    "KST": 540,
    "ACST": 570,
    "ACDT": 630,
    "AEST": 600,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
    "NST": -210,
    "NDT": -150,
    "BRT": -180,
    "ART": -180,
    "AST": -240,
    "ADT": -180,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AKST": -540,
    "AKDT": -480,
    "HST": -600,
}

# Generic names ("Pacific Time") change offset with daylight saving: the date says which.
# The minutes are the standard offset, used where the system has no time zone database.
GENERIC_ZONES: dict[str, tuple[str, int]] = {
    "ET": ("America/New_York", -300),
    "CT": ("America/Chicago", -360),
    "MT": ("America/Denver", -420),
    "PT": ("America/Los_Angeles", -480),
}

MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

_ZONE = r"(?P<zone>[+-]\d{2}(?::?\d{2})?|(?:GMT|UTC|UT)[+-]\d{1,2}(?::?\d{2})?|[A-Za-z]{1,5})"
_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
_RFC822 = re.compile(
    r"^(?:[A-Za-z]+\.?,?\s+)?"  # the day's name, never checked against the date
    r"(?:(?P<day>\d{1,2})[\s-]+(?P<month>[A-Za-z]{3,})\.?|"
    r"(?P<month_first>[A-Za-z]{3,})\.?\s+(?P<day_second>\d{1,2}),?)[\s-]+"
    r"(?P<year>\d{4}|\d{2})"
    rf"(?:[\sT]+{_CLOCK})?"
    rf"(?:\s*{_ZONE})?$"
)
_ISO = re.compile(
    r"^(?P<year>\d{4})(?:-?(?P<month>\d{2})(?:-?(?P<day>\d{2}))?)?"
    r"(?:[Tt\s]+(?P<hour>\d{2}):?(?P<minute>\d{2})"
    r"(?::?(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    rf"(?:\s*{_ZONE})?$"
)
_COMMENT = re.compile(r"\s*\([^()]*\)$")  # "+0100 (CET)": RFC 2822 §3.2.3 comments


def parse_date(value: str | None) -> datetime | None:
    """``value`` as an aware datetime in UTC; ``None`` when it cannot be read for sure."""
    text = _COMMENT.sub("", (value or "").strip())
    if not text:
        return None
    found = _ISO.match(text) or _RFC822.match(text)
    if found is None:
        return None
    parts = found.groupdict()
    try:
        year = int(parts["year"])
        if len(parts["year"]) == 2:  # RFC 2822 §4.3
            year += 2000 if year < 50 else 1900
        month = _month(parts)
        day = int(parts.get("day") or parts.get("day_second") or 1)
        fraction = (parts["fraction"] or "0")[:6].ljust(6, "0")
        local = datetime(
            year,
            month,
            day,
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int(fraction),
        )
        zone = _zone(parts["zone"])
        if zone is None:
            return None
        return local.replace(tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):  # 30 February, 25:00, year 1 east of Greenwich
        return None


def _month(parts: dict[str, str | None]) -> int:
    name = parts.get("month_first") or parts.get("month") or ""
    if name.isdigit():
        return int(name)
    if not name:
        return 1
    number = MONTHS.get(name[:3].lower())
    if number is None:
        raise ValueError(f"no month called {name!r}")
    return number


def _zone(written: str | None) -> tzinfo | None:
    """The zone a date names; UTC when it names none; ``None`` when it is unknown."""
    if not written:
        return UTC
    name = written.upper()
    for prefix in ("GMT", "UTC", "UT"):
        if name.startswith(prefix) and name[len(prefix) :][:1] in {"+", "-"}:
            name = name[len(prefix) :]
            if len(name.split(":")[0]) == 2:  # "GMT+2" is "+02"
                name = f"{name[0]}0{name[1:]}"
            break
    if name[0] in "+-":
        digits = name[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"no offset {written!r}")
        sign = -1 if name[0] == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    if name in FIXED_ZONES:
        return timezone(timedelta(minutes=FIXED_ZONES[name]))
    if name in GENERIC_ZONES:
        key, standard = GENERIC_ZONES[name]
        try:
            return ZoneInfo(key)
        except ZoneInfoNotFoundError:
            return timezone(timedelta(minutes=standard))
    return None


__all__ = ["FIXED_ZONES", "GENERIC_ZONES", "parse_date"]
