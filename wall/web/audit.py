"""The audit, for organisers: who did what, when, why; as JSON or as a CSV download."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from wall.auth import Role
from wall.store.audit import AuditEntry
from wall.web.api import JSON, current_user, event_of, hub_of
from wall.web.errors import ApiError
from wall.web.operations import ApiRoute, Operation
from wall.web.params import query

AUDIT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "type",
    "post_id",
    "network",
    "author",
    "text",
    "reason",
)


class AuditQuery(msgspec.Struct):
    format: Literal["json", "csv"] = "json"


class AuditList(msgspec.Struct):
    """Every decision and change of the event, oldest first."""

    entries: list[AuditEntry]


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: posted content is hostile, so a value that
    would start a formula gets a leading apostrophe (OWASP, "CSV injection")."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def audit(request: Request) -> Response:
    _, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers read the audit log.", code="organisers_only")
    slug = event_of(request)
    fmt = query(request, AuditQuery).format
    entries = await hub_of(request).store.audit(slug)
    if fmt == "json":
        return JSON(AuditList(entries))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AUDIT_COLUMNS)
    for entry in entries:
        writer.writerow([_cell(getattr(entry, column)) for column in AUDIT_COLUMNS])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="murmur-{slug}-audit.csv"'},
    )


routes = [
    ApiRoute(
        "/api/events/{event}/audit",
        audit,
        "GET",
        Operation(
            "Who did what, when, why (organisers only); JSON or CSV",
            ok=AuditList,
            ok_also={"text/csv": {"type": "string"}},
            query=AuditQuery,
            errors={403: None},
        ),
    )
]
