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

import asyncio
import hashlib
import io
import ipaddress
import re
import secrets
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
import segno
from itsdangerous import BadSignature, Signer
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from moderation import Author, Media, Post, Status
from wall.hub import Hub
from wall.ingest import clean_text
from wall.media import MediaError
from wall.ratelimit import RateLimit
from wall.settings import SubmissionSettings
from wall.web.errors import ApiError, Refusal
from wall.web.operations import ApiRoute, Operation
from wall.web.pages import STATIC
from wall.web.params import header_length
from wall.web.security import own_origin

DEVICE_COOKIE = "murmur_device"
DEVICE_DAYS = 30
MAX_NAME = 60
FORM_OVERHEAD = 64 * 1024  # the text fields and multipart framing around the photo
MAX_FIELD = 16 * 1024  # one text field, in bytes, at least (500 characters of emoji fit)
HOUR = 3600.0
# A body up to this many times the limit is read to its end before the 413 (see _discard).
DRAIN_FACTOR = 2
DRAIN_SECONDS = 10.0
ANONYMOUS = {"fr": "Anonyme", "en": "Anonymous"}
_HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")


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


class Submitted(msgspec.Struct, omit_defaults=True):
    """The post was received: it waits, shows, or was refused (``reason`` says why)."""

    status: Status
    reason: str | None = None


class SubmitDesk:
    """What the attendees' endpoints keep between requests: the signer and the limits."""

    def __init__(self, secret: str) -> None:
        self.signer = Signer(secret, salt="murmur-device")
        self._limits: dict[tuple[str, str], RateLimit] = {}

    def limit(self, slug: str, kind: str, per_hour: int) -> RateLimit:
        key = (slug, kind)
        limit = self._limits.get(key)
        if limit is None or limit.limit != per_hour:
            limit = self._limits[key] = RateLimit(per_hour, window=HOUR)
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


def _refuse(status: int, code: str, message: str, **extra: Any) -> ApiError:
    field = extra.pop("field", None)
    headers = extra.pop("headers", None)
    return ApiError(status, message, field=field, extra={"code": code, **extra}, headers=headers)


def _event(request: Request) -> tuple[str, SubmissionSettings]:
    slug = str(request.path_params["event"])
    event = _hub(request).events.get(slug)
    if event is None:
        raise _refuse(404, "unknown_event", f"There is no event “{slug[:60]}”.")
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
        secure=_hub(request).settings.server.secure_cookies,
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
        raise _refuse(
            403,
            "origin",
            "Posts are accepted from this event's own page only: open it from the wall's "
            "QR code and send your post from there.",
        )


def _check_limits(request: Request, slug: str, settings: SubmissionSettings, device: str) -> None:
    desk = _desk(request)
    checks = [
        ("rate_device", desk.limit(slug, "device", settings.per_device_per_hour), device),
        (
            "rate_address",
            desk.limit(slug, "address", settings.per_address_per_hour),
            address_key(request),
        ),
    ]
    for code, limit, key in checks:
        wait = limit.retry_after(key)
        if wait > 0:
            minutes = max(1, int(wait + 59) // 60)
            who = "from this phone" if code == "rate_device" else "from this network"
            raise _refuse(
                429,
                code,
                f"Too many posts {who}: at most {limit.limit} an hour. "
                f"Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
                limit=limit.limit,
                retry_after=int(wait) + 1,
                headers={"Retry-After": str(int(wait) + 1)},
            )
    # Every attempt counts, counted before any await: a burst sent at once cannot slip
    # through while the first ones are still being read.
    for _, limit, key in checks:
        limit.hit(key)


def _too_large(limit: int) -> ApiError:
    return _refuse(
        413,
        "photo_too_large",
        f"The photo is too large: at most {limit // (1024 * 1024)} MB. "
        "Choose a smaller one, or take a screenshot of it.",
        limit=limit,
        field="photo",
    )


async def _discard(chunks: AsyncIterator[bytes], received: int, limit: int) -> None:
    """Read and drop the rest of a body that is a little too large, within bounds.

    A client still sending when the server answers and closes gets a broken connection
    instead of the answer (a phone would show "network error", not "too large"); reading
    the rest first lets it read the 413. Bounded in bytes and time, so a bigger body is
    cut off at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_SECONDS
    async for chunk in chunks:
        received += len(chunk)
        if received > DRAIN_FACTOR * limit or loop.time() > deadline:
            return


async def _bounded(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    chunks = request.stream()
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            await _discard(chunks, received, limit)
            raise _too_large(limit - FORM_OVERHEAD)
        yield chunk


async def _read_form(request: Request, settings: SubmissionSettings) -> FormData:
    ctype = request.headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != "multipart/form-data":
        raise _refuse(415, "form", "Send the form as multipart/form-data.")
    photo_limit = settings.max_photo_mb * 1024 * 1024
    limit = photo_limit + FORM_OVERHEAD
    declared = header_length(request)
    if declared is not None and declared > limit:
        if declared <= DRAIN_FACTOR * limit:
            await _discard(request.stream(), 0, limit)
        raise _too_large(photo_limit)
    parser = MultiPartParser(
        request.headers,
        _bounded(request, limit),
        max_files=1,
        max_fields=4,
        max_part_size=max(MAX_FIELD, settings.max_text * 4 + 1024),  # UTF-8: 4 bytes a char
    )
    try:
        return await parser.parse()
    except MultiPartException as exc:
        message = str(exc)
        if "Too many files" in message:
            raise _refuse(400, "one_photo", "Send one photo at most.", field="photo") from None
        if "Part exceeded maximum size" in message:
            raise _text_too_long(settings.max_text, None) from None
        raise _refuse(
            400, "form", "The form could not be read: reload the page and try again."
        ) from None


def _text_too_long(limit: int, length: int | None) -> ApiError:
    told = f"{length} characters, at most {limit}" if length else f"at most {limit} characters"
    return _refuse(
        400,
        "text_too_long",
        f"The text is too long: {told}. Shorten it and send it again.",
        limit=limit,
        field="text",
    )


def _text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _refuse(400, "form", f"{name} must be text, not a file.", field=name)
    return value.replace("\r\n", "\n").replace("\r", "\n")


async def _photo(form: FormData, settings: SubmissionSettings) -> bytes | None:
    value = form.get("photo")
    if value is None or isinstance(value, str):
        return None
    assert isinstance(value, UploadFile)
    if not value.filename and not value.size:
        return None  # a form whose file input was left empty sends an empty part
    limit = settings.max_photo_mb * 1024 * 1024
    if value.size is not None and value.size > limit:
        raise _too_large(limit)
    data = await value.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise _refuse(400, "photo_empty", "The photo is empty: choose it again.", field="photo")
    return data


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
        raise _refuse(403, "closed", "This event does not take posts from its page.")
    _check_origin(request)
    desk = _desk(request)
    device = desk.device_of(request)
    if device is None:
        raise _refuse(
            403, "device", "Your browser did not send the page's cookie: reload the page."
        )
    _check_limits(request, slug, settings, device)

    form = await _read_form(request, settings)
    try:
        name = _text_field(form, "name").strip()
        text = _text_field(form, "text").strip()
        lang = _text_field(form, "lang")
        if len(name) > MAX_NAME:
            raise _refuse(
                400,
                "name_too_long",
                f"The name is too long: at most {MAX_NAME} characters.",
                limit=MAX_NAME,
                field="name",
            )
        if len(text) > settings.max_text:
            raise _text_too_long(settings.max_text, len(text))
        photo = await _photo(form, settings)
    finally:
        await form.close()
    text = clean_text(text, settings.max_text)
    name = clean_text(name, MAX_NAME)
    if not text and photo is None:
        raise _refuse(400, "empty", "Write a text or add a photo, then send.", field="text")

    hub = _hub(request)
    media: tuple[Media, ...] = ()
    if photo is not None:
        try:
            media = (await hub.media.put_image(photo),)
        except MediaError as exc:
            status, code, message = _MEDIA_REFUSALS[exc.code]
            raise _refuse(
                status, code, message.format(why=str(exc).removeprefix("image too large: "))
            ) from None

    event = hub.events[slug]
    language = event.language or (lang if lang in ANONYMOUS else "en")
    tags = dict.fromkeys([*_HASHTAG.findall(text), *(t.lstrip("#") for t in event.hashtags)])
    post = Post(
        network="submit",
        network_id=secrets.token_hex(12),
        author=Author(name=name or ANONYMOUS[language], handle=short_id(device)),
        text=text,
        created_at=datetime.now(UTC),
        media=media,
        hashtags=tuple(tags),
    )
    view = await hub.ingest(slug, post)
    assert view is not None  # a fresh random network_id is never a duplicate
    reason = view.reason if view.status is Status.REJECTED else None
    return JSONResponse(msgspec.to_builtins(Submitted(view.status, reason)), 201)


# ---------------------------------------------------------------- the QR code


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
        return JSONResponse({"error": f"There is no event “{slug[:60]}”."}, status_code=404)
    url = submit_url(request, slug)
    if url is None:
        return JSONResponse({"error": "The request's Host header is not valid."}, 400)
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
    Route("/qr/{event}.svg", qr_code, methods=["GET"]),
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

__all__ = ["DEVICE_COOKIE", "MAX_NAME", "SubmitDesk", "routes", "short_id", "submit_url"]
