"""A refused input, as a code and facts that pages word in their reader's language.

msgspec explains a validation error in one English sentence ("Expected `int` >= 5 - at
`$.quiet_seconds`"). Pages show it beside the field in French or English, so the facts
are read back out of that sentence here: which rule, which bound, which field. A sentence
this module does not know keeps its English, under the code ``invalid``.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

# (pattern, code): the named groups become params; the first match wins.
_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Expected `(?P<expected>\w+)`, got `(?P<got>\w+)`"), "invalid_type"),
    (re.compile(r"Expected `(?:int|float)` >= (?P<min>[-\d.e]+)"), "too_small"),
    (re.compile(r"Expected `(?:int|float)` > (?P<min>[-\d.e]+)"), "above"),
    (re.compile(r"Expected `(?:int|float)` <= (?P<max>[-\d.e]+)"), "too_large"),
    (re.compile(r"Expected `(?:int|float)` < (?P<max>[-\d.e]+)"), "below"),
    (re.compile(r"Expected `str` of length >= (?P<min>\d+)"), "too_short"),
    (re.compile(r"Expected `str` of length <= (?P<max>\d+)"), "too_long"),
    (re.compile(r"Expected `(?:array|object)` of length <= (?P<max>\d+)"), "too_many"),
    (re.compile(r"Expected `(?:array|object)` of length >= (?P<min>\d+)"), "too_few"),
    (re.compile(r"Expected `str` matching regex"), "pattern"),
    (re.compile(r"Invalid enum value (?P<value>.+?)(?: - at|$)"), "choice"),
    (re.compile(r"Object contains unknown field `(?P<name>[^`]+)`"), "unknown_field"),
    (re.compile(r"Object missing required field `(?P<name>[^`]+)`"), "missing_field"),
)
_WHERE = re.compile(r" - at `\$(?P<path>[^`]*)`$")


def _number(text: str) -> int | float | str:
    """``0.0`` reads ``0`` to a person; a bound that is not a number stays as written."""
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def path_of(message: str) -> str:
    """``announcements[0].text`` for "... - at `$.announcements[0].text`"; "" at the top."""
    found = _WHERE.search(message)
    return found["path"].lstrip(".") if found else ""


def describe(exc: msgspec.ValidationError | ValueError) -> tuple[str, dict[str, Any]]:
    """The code and facts of a refused input; ``params["path"]`` says where it is."""
    message = str(exc)
    where = path_of(message)
    for pattern, code in _FORMS:
        found = pattern.search(message)
        if found:
            params: dict[str, Any] = {
                k: _number(v) if k in {"min", "max"} else v
                for k, v in found.groupdict().items()
                if v is not None
            }
            if code == "unknown_field" or code == "missing_field":
                where = f"{where}.{params['name']}" if where else params["name"]
            return code, {**params, "path": where}
    detail = _WHERE.sub("", message)
    return "invalid", {"detail": detail, "path": where}


__all__ = ["describe", "path_of"]
