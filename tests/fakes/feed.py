"""A fake feed server: RSS 2.0 or Atom on 127.0.0.1, with real conditional GET.

It answers ``GET /feed.xml`` with the entries published so far, an ``ETag`` (a hash of the
body) and a ``Last-Modified`` (the last publication), and a 304 when ``If-None-Match``
matches or, without it, when nothing changed since ``If-Modified-Since`` (RFC 9110
§13.2.2). ``/img/NAME.png`` serves a small picture for enclosures; ``/moved`` redirects to
the feed. ``misbehave`` queues faults for the next feed requests: an HTTP error (with a
``Retry-After`` if given), a connection dropped mid-body, a stall, malformed XML, bytes
that are no XML, a web page, a huge body, a billion-laughs or XXE document. Every feed
request is recorded in ``requests``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from types import TracebackType
from typing import Literal, Self

from aiohttp import web
from PIL import Image

Fault = Literal[
    "401",
    "403",
    "404",
    "410",
    "429",
    "500",
    "503",
    "drop",
    "stall",
    "malformed",
    "not-xml",
    "web-page",
    "huge",
    "huge-declared",
    "bomb",
    "xxe",
]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>lol</title>
<item><guid>lol</guid><title>&lol9;</title></item></channel></rss>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>xxe</title>
<item><guid>xxe</guid><title>&xxe;</title></item></channel></rss>
"""

MALFORMED = b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>broken</channel>"
# What a captive portal or a moved site sends instead of the feed.
WEB_PAGE = b"<!DOCTYPE html><html><head><title>Log in</title></head><body>Wi-Fi</body></html>"
NOT_XML = b"\x89 this is not XML at all {"

HUGE = 6 * 1024 * 1024


@dataclass
class FakeEntry:
    id: str
    title: str
    text: str
    published: datetime
    categories: tuple[str, ...] = ()
    image: str | None = None  # the enclosure's URL
    unreadable: bool = False  # listed with its link only: nothing a wall could show


@dataclass(frozen=True)
class Served:
    """One request for the feed, as the fake saw it."""

    if_none_match: str | None
    if_modified_since: str | None
    status: int


def png(size: int = 16) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


class FakeFeed:
    """``async with FakeFeed() as feed: feed.publish("Hello"); feed.url``."""

    def __init__(self, *, kind: Literal["rss", "atom"] = "rss", duplicates: bool = False) -> None:
        self.kind = kind
        self.duplicates = duplicates  # every entry listed twice
        self.limit: int | None = None  # list only the newest ``limit`` entries
        self.entries: list[FakeEntry] = []
        self.requests: list[Served] = []
        self.image_requests = 0
        self._faults: deque[tuple[Fault, str | None]] = deque()
        self._modified = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/feed.xml", self._feed)
        app.router.add_get("/moved", self._moved)
        app.router.add_get("/img/{name}.png", self._image)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"{self.base}/feed.xml"

    # -- what it serves -----------------------------------------------------------------

    def publish(
        self,
        title: str,
        *,
        text: str = "",
        categories: tuple[str, ...] = (),
        image: bool | str = False,
        unreadable: bool = False,
    ) -> FakeEntry:
        """Add an entry, one minute after the previous one.

        ``image``: True for a picture this server serves, or any URL for the enclosure.
        ``unreadable``: the entry has a link and nothing else, so Murmur must skip it.
        """
        self._modified += timedelta(minutes=1)
        number = f"{len(self.entries) + 1}"
        entry = FakeEntry(
            id=number,
            title=title,
            text=text or f"About {title}",
            published=self._modified,
            categories=categories,
            image=f"{self.base}/img/{number}.png" if image is True else image or None,
            unreadable=unreadable,
        )
        self.entries.append(entry)
        return entry

    def misbehave(self, fault: Fault, *, retry_after: str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` feed requests with ``fault``."""
        self._faults.extend([(fault, retry_after)] * times)

    def link(self, entry: FakeEntry) -> str:
        return f"{self.base}/posts/{entry.id}"

    def body(self) -> bytes:
        newest = list(reversed(self.entries))[: self.limit]
        listed = [e for e in newest for _ in range(2 if self.duplicates else 1)]
        root = self._atom(listed) if self.kind == "atom" else self._rss(listed)
        data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return data

    @property
    def etag(self) -> str:
        return f'"{hashlib.sha256(self.body()).hexdigest()[:16]}"'

    def _rss(self, entries: list[FakeEntry]) -> ET.Element:
        rss = ET.Element("rss", version="2.0")
        channel = ET.SubElement(rss, "channel")
        ET.SubElement(channel, "title").text = "Campus news"
        ET.SubElement(channel, "link").text = f"{self.base}/"
        ET.SubElement(channel, "language").text = "en"
        for e in entries:
            item = ET.SubElement(channel, "item")
            ET.SubElement(item, "guid").text = self.link(e)
            if e.unreadable:
                continue
            ET.SubElement(item, "title").text = e.title
            ET.SubElement(item, "link").text = self.link(e)
            ET.SubElement(item, "pubDate").text = format_datetime(e.published)
            ET.SubElement(item, "description").text = f"<p>{e.text}</p>"
            for category in e.categories:
                ET.SubElement(item, "category").text = category
            if e.image:
                ET.SubElement(item, "enclosure", url=e.image, type="image/png", length="100")
        return rss

    def _atom(self, entries: list[FakeEntry]) -> ET.Element:
        ns = "http://www.w3.org/2005/Atom"
        ET.register_namespace("", ns)
        feed = ET.Element(f"{{{ns}}}feed")
        ET.SubElement(feed, f"{{{ns}}}title").text = "Campus news"
        ET.SubElement(feed, f"{{{ns}}}id").text = f"{self.base}/feed.xml"
        ET.SubElement(feed, f"{{{ns}}}updated").text = self._modified.isoformat()
        ET.SubElement(feed, f"{{{ns}}}link", href=f"{self.base}/")
        for e in entries:
            entry = ET.SubElement(feed, f"{{{ns}}}entry")
            ET.SubElement(entry, f"{{{ns}}}id").text = f"tag:campus.example,2026:{e.id}"
            if e.unreadable:
                continue
            ET.SubElement(entry, f"{{{ns}}}title").text = e.title
            ET.SubElement(entry, f"{{{ns}}}link", href=self.link(e), rel="alternate")
            ET.SubElement(entry, f"{{{ns}}}published").text = e.published.isoformat()
            ET.SubElement(entry, f"{{{ns}}}updated").text = e.published.isoformat()
            ET.SubElement(entry, f"{{{ns}}}summary", type="html").text = f"<p>{e.text}</p>"
            for category in e.categories:
                ET.SubElement(entry, f"{{{ns}}}category", term=category)
            if e.image:
                ET.SubElement(
                    entry, f"{{{ns}}}link", rel="enclosure", href=e.image, type="image/png"
                )
        return feed

    # -- handlers -----------------------------------------------------------------------

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        inm = request.headers.get("If-None-Match")
        ims = request.headers.get("If-Modified-Since")
        if self._faults:
            fault, retry_after = self._faults.popleft()
            self.requests.append(Served(inm, ims, int(fault) if fault.isdigit() else 200))
            return await self._fault(request, fault, retry_after)
        response = self._answer(inm, ims)
        self.requests.append(Served(inm, ims, response.status))
        return response

    def _answer(self, inm: str | None, ims: str | None) -> web.Response:
        body, etag = self.body(), self.etag
        headers = {"ETag": etag, "Last-Modified": format_datetime(self._modified, usegmt=True)}
        if inm is not None:
            unchanged = etag in {tag.strip().removeprefix("W/") for tag in inm.split(",")}
        elif ims is not None:
            unchanged = self._modified <= parsedate_to_datetime(ims)
        else:
            unchanged = False
        if unchanged:
            return web.Response(status=304, headers=headers)
        kind = "application/atom+xml" if self.kind == "atom" else "application/rss+xml"
        return web.Response(body=body, headers=headers, content_type=kind)

    async def _fault(
        self, request: web.Request, fault: Fault, retry_after: str | None
    ) -> web.StreamResponse:
        if fault.isdigit():
            headers = {"Retry-After": retry_after} if retry_after else {}
            return web.Response(status=int(fault), text=f"fault {fault}", headers=headers)
        if fault in {"drop", "stall"}:
            body = self.body()
            response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            response.content_length = len(body)
            await response.prepare(request)
            await response.write(body[: len(body) // 2])
            if fault == "stall":
                await self._release.wait()
            assert request.transport is not None
            request.transport.close()
            return response
        if fault == "huge":
            response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            await response.write(b"<?xml version='1.0'?><rss><channel><title>")
            for _ in range(HUGE // 65536):
                await response.write(b"x" * 65536)
            await response.write(b"</title></channel></rss>")
            await response.write_eof()
            return response
        documents = {
            "huge-declared": b"<rss>" + b"x" * HUGE + b"</rss>",
            "malformed": MALFORMED,
            "not-xml": NOT_XML,
            "web-page": WEB_PAGE,
            "bomb": BILLION_LAUGHS,
            "xxe": XXE,
        }
        return web.Response(body=documents[fault], content_type="application/rss+xml")

    async def _moved(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/feed.xml")

    async def _image(self, request: web.Request) -> web.StreamResponse:
        self.image_requests += 1
        name = request.match_info["name"]
        if not any(e.id == name and e.image for e in self.entries):
            raise web.HTTPNotFound()  # only the pictures of entries published with image=True
        return web.Response(body=png(), content_type="image/png")
