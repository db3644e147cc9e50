"""An event's figures and its posts, for organisers: JSON, or CSV for a spreadsheet.

``GET /api/events/{event}/figures`` and ``GET /api/events/{event}/export`` (every post with
its decision and answer). CSV cells that a spreadsheet would run as a formula are
neutralised, as in the audit's export.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from moderation import Status
from wall.auth import Role
from wall.figures import Figures, figures
from wall.web.api import JSON, current_user, event_of, hub_of
from wall.web.audit import _cell
from wall.web.errors import ApiError
from wall.web.operations import ApiRoute, Operation
from wall.web.params import query


class FormatQuery(msgspec.Struct):
    format: Literal["json", "csv"] = "json"


class ExportedPost(msgspec.Struct, kw_only=True):
    id: int
    network: str
    url: str | None
    author: str
    handle: str
    text: str
    status: str
    rule: str
    why: str | None
    decided_by: str | None
    decided_at: datetime | None
    received_at: datetime
    created_at: datetime
    answer: str | None


class ExportList(msgspec.Struct):
    posts: list[ExportedPost]


EXPORT_COLUMNS = [f.name for f in msgspec.structs.fields(ExportedPost)]


def _organiser(request: Request) -> None:
    _, role = current_user(request)
    if role != Role.ORGANISER:
        raise ApiError(403, "Only organisers read the figures.", code="organisers_only")


def _csv(rows: list[list[Any]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def figure_rows(found: Figures) -> list[list[Any]]:
    """The figures as one long table: figure, key, value (a spreadsheet pivots it)."""
    rows: list[list[Any]] = [["figure", "key", "value"]]
    rows += [["posts", "", found.posts], ["queue", "", found.queue]]
    rows += [["approval_rate", "", found.approval_rate], ["answered", "", found.answered]]
    rows += [["wait_median_seconds", "", found.wait_median_seconds]]
    rows += [["answer_median_seconds", "", found.answer_median_seconds]]
    rows += [["published_replies", k, v] for k, v in sorted(found.published_replies.items())]
    rows += [["unpublished_replies", "", found.unpublished_replies]]
    rows += [["wait_p90_seconds", "", found.wait_p90_seconds]]
    for name in ("by_status", "by_network", "by_rule", "rejected_why"):
        table: dict[str, int] = getattr(found, name)
        rows += [[name, key, value] for key, value in sorted(table.items())]
    rows += [[f"per_minute:{m.network}", m.minute, m.posts] for m in found.per_minute]
    rows += [["queue_waiting", q.minute, q.waiting] for q in found.queue_per_minute]
    rows += [["screens_online", s.minute, s.screens] for s in found.screens]
    rows += [["screens_peak", "", found.screens_peak]]
    for mod in found.moderators:
        rows += [["moderator_decisions", mod.name, mod.decisions]]
        rows += [["moderator_median_seconds", mod.name, mod.median_seconds]]
    rows += [
        ["top_contributor", f"{c.network}:{c.handle}", c.approved] for c in found.top_contributors
    ]
    return rows


async def event_figures(request: Request) -> Response:
    _organiser(request)
    slug = event_of(request)
    found = await figures(hub_of(request).store, slug)
    if query(request, FormatQuery).format == "json":
        return JSON(found)
    return _csv(figure_rows(found), f"murmur-{slug}-figures.csv")


async def export_posts(request: Request) -> Response:
    _organiser(request)
    slug = event_of(request)
    store = hub_of(request).store
    posts: list[ExportedPost] = []
    for status in Status:
        _, views = await store.posts(slug, status, limit=100_000)
        posts += [
            ExportedPost(
                id=v.id,
                network=v.network,
                url=v.url,
                author=v.author.name,
                handle=v.author.handle,
                text=v.text,
                status=v.status.value,
                rule=v.rule,
                why=v.why.code if v.why else None,
                decided_by=v.decided_by,
                decided_at=v.decided_at,
                received_at=v.received_at,
                created_at=v.created_at,
                answer=v.reply.text if v.reply else None,
            )
            for v in views
        ]
    posts.sort(key=lambda p: p.id)
    if query(request, FormatQuery).format == "json":
        return Response(
            msgspec.json.encode(ExportList(posts)),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="murmur-{slug}-posts.json"'},
        )
    rows: list[list[Any]] = [EXPORT_COLUMNS]
    rows += [[getattr(p, column) for column in EXPORT_COLUMNS] for p in posts]
    return _csv(rows, f"murmur-{slug}-posts.csv")


_ORGANISERS = {403: None}

routes = [
    ApiRoute(
        "/api/events/{event}/figures",
        event_figures,
        "GET",
        Operation(
            "The event's figures, live and after (organisers only); JSON or CSV",
            ok=Figures,
            ok_also={"text/csv": {"type": "string"}},
            query=FormatQuery,
            errors=_ORGANISERS,
        ),
    ),
    ApiRoute(
        "/api/events/{event}/export",
        export_posts,
        "GET",
        Operation(
            "Every post of the event with its decision and answer (organisers only); JSON or CSV",
            ok=ExportList,
            ok_also={"text/csv": {"type": "string"}},
            query=FormatQuery,
            errors=_ORGANISERS,
        ),
    ),
]

__all__ = ["routes"]
