"""``GET /metrics``: Prometheus' text format, for the addresses operations allow.

Everyone else gets the same 404 as any unknown page: the figures (queue depth, screens,
failed logins) are for the people who run the server, and the route's existence is not
advertised. The client address is the one ``wall.web.proxy`` settled on.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from wall.metrics import CONTENT_TYPE, Metrics
from wall.web.proxy import Network


def _allowed(request: Request, networks: list[Network]) -> bool:
    if request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


async def metrics(request: Request) -> Response:
    if not _allowed(request, request.app.state.metrics_allow):
        return PlainTextResponse("Not Found", status_code=404)
    figures: Metrics = request.app.state.metrics
    await figures.refresh()
    return Response(figures.render(), media_type=CONTENT_TYPE)


routes = [Route("/metrics", metrics, methods=["GET"])]
