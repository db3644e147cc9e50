"""The attendees' page: ``/submit/{event}``, its API, and the QR code that leads to it.

An attendee sends a name (optional), a text and one photo as ``multipart/form-data`` to
``POST /api/events/{event}/submissions``. The post then takes the same road as every
source's: ``hub.ingest`` normalises it and the event's rules decide (in pre-moderation it
waits for a moderator; in post-moderation it shows unless a rule holds it).

The form is anonymous, so the session's CSRF token does not apply. What protects it:

- the request must come from Murmur's own page: ``Sec-Fetch-Site`` (when the browser sends
  it, as every current one does) must be ``same-origin``, and ``Origin`` (when sent) must
  be Murmur's own, ``server.public_url`` or one of ``server.allowed_origins``;
- it must carry the device cookie that the page sets: a random id, signed with the
  server's secret, ``HttpOnly`` and ``SameSite=Strict``, so a request made from another
  site never has it;
- each device and each client address may post a limited number of times per hour
  (sliding windows); a refusal says how long to wait, with ``Retry-After``.

Limits on the body (the photo's size plus 64 KiB), the text, the name, one file, and
image types, each refused with a status that fits and a sentence saying what to do.
Errors carry a ``code`` so the page can say it in the attendee's language.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from itsdangerous import BadSignature, Signer
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from moderation import Author, Media, Post, Status, Why
from wall.hub import Hub
from wall.ingest import clean_text
from wall.media import MediaError
from wall.ratelimit import HitLog, RateLimit, admit
from wall.screen_view import attendee_reason, attendee_why
from wall.settings import SubmissionSettings
from wall.web import qr
from wall.web.errors import Refusal
from wall.web.operations import ApiRoute, Operation
from wall.web.pages import STATIC
from wall.web.qr import submit_url
from wall.web.security import own_origin
from wall.web.session_cookies import secure
from wall.web.submit_form import photo_of, read_form, refuse, text_field, text_too_long

DEVICE_COOKIE = "murmur_device"
DEVICE_DAYS = 30
MAX_NAME = 60
HOUR = 3600.0
ANONYMOUS = {"fr": "Anonyme", "en": "Anonymous"}
_HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")


class Retention(msgspec.Struct):
    fr: str
    en: str


class FormSettings(msgspec.Struct, kw_only=True):
    slug: str
    # The page's absolute address (what the QR code holds); null for a suspicious Host.
    url: str | None
    title: str
    hashtags: list[str]
    language: Literal["fr", "en"] | None
    moderation: Literal["pre", "post"]
    enabled: bool
    max_text: int
    max_name: int
    max_photo_bytes: int
    # How long posts are kept, for the consent line.
    retention: Retention
    # The organiser's own consent line (French, English); empty: the page builds it.
    consent: Retention = msgspec.field(default_factory=lambda: Retention(fr="", en=""))


class Submitted(msgspec.Struct, omit_defaults=True):
    """The post was received: it waits, shows, or was refused (``reason`` says why)."""

    status: Status
    reason: str | None = None
    # ``reason`` as a code and facts, for the page to word in the attendee's language.
    why: Why | None = None
    # The post's number, to follow it on GET …/submissions/mine.
    id: int | None = None


class SubmitDesk:
    """What the attendees' endpoints keep between requests: the signer and the limits."""

    def __init__(self, secret: str, *, log: HitLog | None = None) -> None:
        self.signer = Signer(secret, salt="murmur-device")
        self._limits: dict[tuple[str, str], RateLimit] = {}
        # Several processes: one log in Redis for every limit; else each keeps its own.
        self._log = log

    def limit(self, slug: str, kind: str, per_hour: int) -> RateLimit:
        key = (slug, kind)
        limit = self._limits.get(key)
        if limit is None or limit.limit != per_hour:
            limit = self._limits[key] = RateLimit(
                per_hour, window=HOUR, log=self._log, name=f"{slug}:{kind}"
            )
        return limit

    def new_device(self) -> tuple[str, str]:
        """A new device id and the signed cookie value that carries it."""
        device = secrets.token_hex(16)
        return device, self.signer.sign(device).decode()

    def device_of(self, request: Request) -> str | None:
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw or len(raw) > 200:
            return None
        try:
            device = self.signer.unsign(raw).decode()
        except BadSignature:
            return None
        return device if re.fullmatch(r"[0-9a-f]{32}", device) else None


def short_id(device: str) -> str:
    """The 8-character name of a device on the moderator's desk (not the cookie's id)."""
    return hashlib.sha256(f"murmur-device:{device}".encode()).hexdigest()[:8]


def device_prefix(device: str) -> str:
    """How a device's posts' network ids begin: 64 bits of a hash of the device's id, so
    the phone can find its own posts again (wall.web.attendee) and no one else's."""
    return hashlib.sha256(f"murmur-device-posts:{device}".encode()).hexdigest()[:16] + "-"


def address_key(request: Request) -> str:
    """The client's address; an IPv6 client counts as its /64 (one host often has all of it)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _desk(request: Request) -> SubmitDesk:
    desk: SubmitDesk = request.app.state.submit_desk
    return desk


def _event(request: Request) -> tuple[str, SubmissionSettings]:
    slug = str(request.path_params["event"])
    event = _hub(request).events.get(slug)
    if event is None:
        raise refuse(404, "unknown_event", f"There is no event “{slug[:60]}”.")
    return slug, event.submissions


# ---------------------------------------------------------------- the page


def _device_cookie(request: Request, response: Response) -> None:
    """Give the browser a device id, unless it already has a valid one."""
    desk = _desk(request)
    if desk.device_of(request) is not None:
        return
    _, value = desk.new_device()
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 24 * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure(request.scope, _hub(request).settings.server.secure_cookies),
    )


async def submit_page(request: Request) -> Response:
    if request.path_params["event"] not in _hub(request).events:
        return FileResponse(STATIC / "notfound.html", status_code=404, media_type="text/html")
    response = FileResponse(
        STATIC / "submit.html", media_type="text/html", headers={"Cache-Control": "no-store"}
    )
    _device_cookie(request, response)
    return response


async def form_settings(request: Request) -> Response:
    """What the page needs to know: the event, the limits and the consent line's parts."""
    slug, settings = _event(request)
    event = _hub(request).events[slug]
    return JSONResponse(
        msgspec.to_builtins(
            FormSettings(
                slug=slug,
                url=submit_url(request, slug),
                title=event.title,
                hashtags=event.hashtags,
                language=event.language,
                moderation=event.moderation,
                enabled=settings.enabled,
                max_text=settings.max_text,
                max_name=MAX_NAME,
                max_photo_bytes=settings.max_photo_mb * 1024 * 1024,
                retention=Retention(fr=settings.retention_fr, en=settings.retention_en),
                consent=Retention(fr=settings.consent_fr, en=settings.consent_en),
            )
        ),
        headers={"Cache-Control": "no-cache"},
    )


# ---------------------------------------------------------------- the submission


def _check_origin(request: Request) -> None:
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    server = _hub(request).settings.server
    allowed = {own_origin(request), *(o.lower().rstrip("/") for o in server.allowed_origins)}
    if server.public_url:
        allowed.add(server.public_url.lower().rstrip("/"))
    if (site is not None and site != "same-origin") or (
        origin is not None and origin.lower().rstrip("/") not in allowed
    ):
        raise refuse(
            403,
            "origin",
            "Posts are accepted from this event's own page only: open it from the wall's "
            "QR code and send your post from there.",
        )


async def _check_limits(
    request: Request, slug: str, settings: SubmissionSettings, device: str
) -> None:
    desk = _desk(request)
    by_device = desk.limit(slug, "device", settings.per_device_per_hour)
    checks = [
        (by_device, device),
        (desk.limit(slug, "address", settings.per_address_per_hour), address_key(request)),
    ]
    # Every attempt counts, counted as it is checked: a burst sent at once cannot slip
    # through while the first ones are still being read.
    refused = await admit(checks)
    if refused is not None:
        limit, wait = refused
        code = "rate_device" if limit is by_device else "rate_address"
        minutes = max(1, int(wait + 59) // 60)
        who = "from this phone" if code == "rate_device" else "from this network"
        raise refuse(
            429,
            code,
            f"Too many posts {who}: at most {limit.limit} an hour. "
            f"Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            limit=limit.limit,
            retry_after=int(wait) + 1,
            headers={"Retry-After": str(int(wait) + 1)},
        )


_MEDIA_REFUSALS = {
    "too_large": (413, "photo_pixels", "The photo is too large: {why}. Choose a smaller one."),
    "unsupported": (
        415,
        "photo_type",
        "This file is not a photo Murmur accepts: send a JPEG, PNG, WebP or GIF picture.",
    ),
    "damaged": (
        400,
        "photo_damaged",
        "The photo is damaged or incomplete: choose it again, or take a new one.",
    ),
}


async def submit(request: Request) -> Response:
    slug, settings = _event(request)
    if not settings.enabled:
        raise refuse(403, "closed", "This event does not take posts from its page.")
    _check_origin(request)
    desk = _desk(request)
    device = desk.device_of(request)
    if device is None:
        raise refuse(403, "device", "Your browser did not send the page's cookie: reload the page.")
    await _check_limits(request, slug, settings, device)

    form = await read_form(request, settings)
    try:
        name = text_field(form, "name").strip()
        text = text_field(form, "text").strip()
        lang = text_field(form, "lang")
        if len(name) > MAX_NAME:
            raise refuse(
                400,
                "name_too_long",
                f"The name is too long: at most {MAX_NAME} characters.",
                limit=MAX_NAME,
                field="name",
            )
        if len(text) > settings.max_text:
            raise text_too_long(settings.max_text, len(text))
        photo = await photo_of(form, settings)
    finally:
        await form.close()
    text = clean_text(text, settings.max_text)
    name = clean_text(name, MAX_NAME)
    if not text and photo is None:
        raise refuse(400, "empty", "Write a text or add a photo, then send.", field="text")

    hub = _hub(request)
    media: tuple[Media, ...] = ()
    if photo is not None:
        try:
            media = (await hub.media.put_image(photo),)
        except MediaError as exc:
            status, code, message = _MEDIA_REFUSALS[exc.code]
            raise refuse(
                status, code, message.format(why=str(exc).removeprefix("image too large: "))
            ) from None

    event = hub.events[slug]
    language = event.language or (lang if lang in ANONYMOUS else "en")
    tags = dict.fromkeys([*_HASHTAG.findall(text), *(t.lstrip("#") for t in event.hashtags)])
    post = Post(
        network="submit",
        network_id=device_prefix(device) + secrets.token_hex(8),
        author=Author(name=name or ANONYMOUS[language], handle=short_id(device)),
        text=text,
        created_at=datetime.now(UTC),
        media=media,
        hashtags=tuple(tags),
    )
    view = await hub.ingest(slug, post)
    assert view is not None  # a fresh random network_id is never a duplicate
    # The attendee's own view: a rule's reason may name a moderator and their note.
    reason, why = attendee_reason(view), attendee_why(view)
    return JSONResponse(msgspec.to_builtins(Submitted(view.status, reason, why, view.id)), 201)


class SubmissionForm(msgspec.Struct):
    """The form's fields, as ``multipart/form-data``."""

    text: str = ""
    name: Annotated[str, msgspec.Meta(max_length=MAX_NAME)] = ""
    # One picture: JPEG, PNG, WebP or GIF.
    photo: Annotated[str, msgspec.Meta(extra_json_schema={"format": "binary"})] = ""
    # The language of the anonymous name.
    lang: Literal["fr", "en"] = "en"


_SUBMISSIONS = "/api/events/{event}/submissions"

routes = [
    Route("/submit/{event}", submit_page, methods=["GET"]),
    Route("/qr/{event}.svg", qr.qr_code, methods=["GET"]),
    ApiRoute(
        _SUBMISSIONS,
        form_settings,
        "GET",
        Operation(
            "What the attendees' page needs: the event, the limits, the consent line",
            ok=FormSettings,
            login=False,
            errors={404: Refusal},
        ),
    ),
    ApiRoute(
        _SUBMISSIONS,
        submit,
        "POST",
        Operation(
            "An attendee's post (from /submit/{event}; no login, no CSRF token)",
            ok=Submitted,
            status=201,
            login=False,
            raw_body={"multipart/form-data": SubmissionForm},
            errors={status: Refusal for status in (400, 403, 404, 413, 415, 429)},
            headers={429: {"Retry-After": "Seconds to wait before the next post"}},
            description="Needs the device cookie set by /submit/{event} and a same-origin "
            "request; rate-limited per device and per address.",
        ),
    ),
]

__all__ = [
    "DEVICE_COOKIE",
    "MAX_NAME",
    "SubmitDesk",
    "device_prefix",
    "routes",
    "short_id",
    "submit_url",
]
