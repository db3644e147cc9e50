"""Reading the attendees' form: a bounded body, multipart limits, its fields and photo.

Each refusal is an ``ApiError`` with a ``code`` the page can say in the attendee's
language (see ``wall.web.submit``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from wall.settings import SubmissionSettings
from wall.web.errors import ApiError
from wall.web.params import header_length

FORM_OVERHEAD = 64 * 1024  # the text fields and multipart framing around the photo
MAX_FIELD = 16 * 1024  # one text field, in bytes, at least (500 characters of emoji fit)
# A body up to this many times the limit is read to its end before the 413 (see _discard).
DRAIN_FACTOR = 2
DRAIN_SECONDS = 10.0


def refuse(status: int, code: str, message: str, **extra: Any) -> ApiError:
    field = extra.pop("field", None)
    headers = extra.pop("headers", None)
    return ApiError(status, message, code=code, field=field, extra=extra, headers=headers)


def _too_large(limit: int) -> ApiError:
    return refuse(
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


async def read_form(request: Request, settings: SubmissionSettings) -> FormData:
    ctype = request.headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != "multipart/form-data":
        raise refuse(415, "form", "Send the form as multipart/form-data.")
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
            raise refuse(400, "one_photo", "Send one photo at most.", field="photo") from None
        if "Part exceeded maximum size" in message:
            raise text_too_long(settings.max_text, None) from None
        raise refuse(
            400, "form", "The form could not be read: reload the page and try again."
        ) from None


def text_too_long(limit: int, length: int | None) -> ApiError:
    told = f"{length} characters, at most {limit}" if length else f"at most {limit} characters"
    return refuse(
        400,
        "text_too_long",
        f"The text is too long: {told}. Shorten it and send it again.",
        limit=limit,
        field="text",
    )


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise refuse(400, "form", f"{name} must be text, not a file.", field=name)
    return value.replace("\r\n", "\n").replace("\r", "\n")


async def photo_of(form: FormData, settings: SubmissionSettings) -> bytes | None:
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
        raise refuse(400, "photo_empty", "The photo is empty: choose it again.", field="photo")
    return data
