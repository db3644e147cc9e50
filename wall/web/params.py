"""Numbers and other values from outside (query, path, headers), parsed strictly.

``str.isdigit`` and ``int()`` accept far more than a client should send: ``"²"`` is a
digit to ``isdigit`` and not to ``int``; ``"٣"`` (Arabic-Indic three) and ``" 3 "`` are
numbers to ``int``; and SQLite stores nothing beyond a signed 64-bit integer. Every number
the HTTP side reads goes through here: ASCII digits only, a bounded length, a bounded value.

A query string is described by a ``msgspec.Struct`` whose fields are its parameters (the
same Struct documents them in ``/api/openapi.json``); ``query(request, Kind)`` reads it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

import msgspec
from starlette.requests import Request

from wall.web.errors import ApiError

T = TypeVar("T")

# The largest id SQLite can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1
PostId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="A post's id")]
RuleId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="An author block's id")]

_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only; 19 digits hold every int64


def whole_number(raw: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``raw`` as an int from ``low`` to ``high``, or None unless it is plain ASCII digits."""
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def parse_int(raw: str, *, name: str, low: int = 0, high: int = MAX_ID) -> int:
    """``raw`` as a bounded int, or a 400 that names ``name`` and says what to send."""
    value = whole_number(raw, low=low, high=high)
    if value is None:
        raise ApiError(
            400,
            f"{name} must be a whole number from {low} to {high}.",
            code="whole_number",
            params={"path": name, "low": low, "high": high},
            field=name,
        )
    return value


def path_id(
    request: Request, missing: str = "There is no post {id} in this event.", code: str = "no_post"
) -> int:
    """The ``{id}`` in the path; an id that cannot exist is a 404, like one that does not
    (``missing`` is its message, with ``{id}`` in it)."""
    raw = str(request.path_params["id"])
    value = whole_number(raw, low=1)
    if value is None:
        raise ApiError(404, missing.format(id=raw[:30]), code=code, params={"id": raw[:30]})
    return value


def header_length(request: Request) -> int | None:
    """The declared ``Content-Length``, or None when absent or not a plain number."""
    raw = request.headers.get("content-length")
    return None if raw is None else whole_number(raw)


def query(request: Request, kind: type[T]) -> T:
    """Read the query parameters that ``kind`` (a Struct) declares; others are ignored.

    Integer fields are parsed strictly, within the bounds their ``Meta`` gives (and within
    a signed 64-bit integer when it gives none); every other field is validated by msgspec.
    A bad value is a 400 naming the parameter.
    """
    info = msgspec.inspect.type_info(kind)
    assert isinstance(info, msgspec.inspect.StructType)
    values: dict[str, Any] = {}
    for field in info.fields:
        raw = request.query_params.get(field.encode_name)
        if raw is None:
            continue
        ints = _int_type(field.type)
        if ints is not None:
            low = ints.ge if ints.ge is not None else 0
            high = ints.le if ints.le is not None else MAX_ID
            values[field.encode_name] = parse_int(raw, name=field.encode_name, low=low, high=high)
        else:
            values[field.encode_name] = raw
    try:
        return msgspec.convert(values, kind)
    except msgspec.ValidationError as exc:
        name = str(exc).rsplit("`$.", 1)[-1].rstrip("`") if "`$." in str(exc) else None
        choices = _choices(info, name)
        hint = f"{name} must be one of: {', '.join(choices)}." if choices else f"{exc}."
        raise ApiError(
            400,
            hint,
            code="choice" if choices else "invalid",
            params={"path": name, **({"choices": ", ".join(choices)} if choices else {})},
            field=name,
        ) from None


def _int_type(kind: msgspec.inspect.Type) -> msgspec.inspect.IntType | None:
    if isinstance(kind, msgspec.inspect.IntType):
        return kind
    return None


def _choices(info: msgspec.inspect.StructType, name: str | None) -> list[str]:
    for field in info.fields:
        if field.encode_name != name:
            continue
        kind = field.type
        if isinstance(kind, msgspec.inspect.EnumType):
            return [str(member.value) for member in kind.cls]
        if isinstance(kind, msgspec.inspect.LiteralType):
            return [str(value) for value in kind.values]
    return []


__all__ = [
    "MAX_ID",
    "PostId",
    "RuleId",
    "header_length",
    "parse_int",
    "path_id",
    "query",
    "whole_number",
]
