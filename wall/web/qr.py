"""The QR code on the screens that leads to the attendees' page: ``/qr/{event}.svg``."""

from __future__ import annotations

import io
import re

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wall.hub import Hub

_HOST = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def submit_url(request: Request, slug: str) -> str | None:
    """The absolute address of ``slug``'s attendees' page, or None for a suspicious Host."""
    public = _hub(request).settings.server.public_url
    if public:
        return f"{public.rstrip('/')}/submit/{slug}"
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):
        return None
    return f"{request.url.scheme}://{host}/submit/{slug}"


async def qr_code(request: Request) -> Response:
    slug = str(request.path_params["event"])
    if slug not in _hub(request).events:
        return JSONResponse(
            {"error": f"There is no event “{slug[:60]}”.", "code": "no_event"}, status_code=404
        )
    url = submit_url(request, slug)
    if url is None:
        return JSONResponse(
            {"error": "The request's Host header is not valid.", "code": "host"}, 400
        )
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out,
        kind="svg",
        border=4,
        xmldecl=False,
        omitsize=True,
        title=url,
        dark="#000",
        light="#fff",
    )
    return Response(
        out.getvalue(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=300", "Vary": "Host"},
    )
