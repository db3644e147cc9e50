"""Hostile files and oversized input through the attendees' real form endpoint.

Each is refused with a status that fits (400 damaged, 413 too large, 415 not a picture)
and a sentence; nothing reaches the queue and no file is left in the media store.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from moderation import Status
from tests.client import Client
from tests.live import LiveServer
from tests.test_decoder import solid_png
from tests.uploads import RED, Attendee, encode, gif_bomb, multipart, noise, png_bomb


@pytest.fixture
def phone(live: LiveServer) -> Attendee:
    attendee = Attendee(live.url)
    attendee.open_page()
    return attendee


def nothing_kept(live: LiveServer) -> None:
    posts = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=10))[1]
    assert posts == []
    root: Path = live.hub.media.root
    assert not root.exists() or list(root.iterdir()) == []


def jpeg_bomb(width: int = 65_000, height: int = 65_000) -> bytes:
    """A small JPEG whose frame header (SOF0) is rewritten to declare a huge size."""
    data = bytearray(encode(Image.new("RGB", (16, 16), RED), "JPEG"))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def truncated_png() -> bytes:
    data = encode(noise((300, 200)), "PNG")
    return data[: len(data) // 2]


def png_with_bad_crc() -> bytes:
    data = bytearray(encode(noise((64, 64)), "PNG"))
    at = data.index(b"IDAT") + 20
    data[at : at + 8] = b"\0" * 8  # corrupt the compressed pixels
    return bytes(data)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><script>document.body.dataset.pwned=1</script>"
GIFAR = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.domain);//"  # GIF + JS


@pytest.mark.parametrize(
    ("data", "filename", "ctype", "status", "code"),
    [
        (png_bomb(30_000, 30_000), "bomb.png", "image/png", 413, "photo_pixels"),
        (png_bomb(8_000, 6_000), "big.png", "image/png", 413, "photo_pixels"),
        (gif_bomb(), "bomb.gif", "image/gif", 413, "photo_pixels"),
        (jpeg_bomb(), "bomb.jpg", "image/jpeg", 413, "photo_pixels"),
        (encode(noise((400, 300)), "JPEG")[:9000], "cut.jpg", "image/jpeg", 400, "photo_damaged"),
        (truncated_png(), "cut.png", "image/png", 400, "photo_damaged"),
        (png_with_bad_crc(), "bad.png", "image/png", 400, "photo_damaged"),
        (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "junk.jpg", "image/jpeg", 415, None),
        (HTML, "holiday.jpg", "image/jpeg", 415, "photo_type"),
        (SVG, "logo.svg", "image/svg+xml", 415, "photo_type"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "scan.png", "image/png", 415, "photo_type"),
        (b"PK\x03\x04" + b"\0" * 100, "photos.zip", "image/jpeg", 415, "photo_type"),
        (b"MZ\x90\x00" + b"\0" * 100, "cat.gif", "image/gif", 415, "photo_type"),
        (encode(Image.new("RGB", (32, 32), RED), "BMP"), "a.bmp", "image/bmp", 415, None),
        (encode(Image.new("RGB", (32, 32), RED), "TIFF"), "a.tif", "image/tiff", 415, None),
        (GIFAR, "gifar.gif", "image/gif", None, None),
        (b"", "empty.jpg", "image/jpeg", 400, "photo_empty"),
    ],
    ids=[
        "png-bomb",
        "png-over-the-pixel-cap",
        "gif-bomb",
        "jpeg-bomb",
        "truncated-jpeg",
        "truncated-png",
        "corrupt-png",
        "jpeg-magic-then-junk",
        "html-named-jpg",
        "svg-with-script",
        "pdf-named-png",
        "zip-as-jpeg",
        "exe-named-gif",
        "bmp",
        "tiff",
        "gif-javascript-polyglot",
        "empty-file",
    ],
)
def test_a_hostile_file_is_refused_with_a_fitting_status_and_a_sentence(
    live, phone, data, filename, ctype, status, code
):
    reply = phone.send("look at this", photo=data, filename=filename, ctype=ctype)

    assert reply.status in ({400, 413, 415} if status is None else {status})
    body = reply.json()
    if code is not None:
        assert body["code"] == code
    assert body["error"].endswith(".") and len(body["error"]) > 30
    nothing_kept(live)


def test_a_file_that_lies_about_a_real_picture_is_judged_by_its_bytes(live, phone):
    jpeg = encode(Image.new("RGB", (64, 48), RED), "JPEG")

    reply = phone.send("a JPEG called PNG", photo=jpeg, filename="x.png", ctype="image/png")

    assert reply.status == 201
    (post,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=10))[1]
    # The post waits for a moderator: only a moderator may see its picture yet.
    assert phone.get(post.media[0].url).status == 404
    live.add_user("mo", "correct horse battery")
    moderator = Client(live.url)
    assert moderator.login("mo", "correct horse battery").status == 200
    served = moderator.get(post.media[0].url)
    assert served.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(served.body)).format == "WEBP"  # never the bytes we sent
    assert served.body != jpeg


def test_a_body_declared_larger_than_the_limit_is_refused_unread(live, phone):
    body, ctype = multipart({"text": "hello"})
    reply = phone.request(
        "POST",
        "/api/events/jpo/submissions",
        raw=body,
        headers={
            "Content-Type": ctype,
            "Origin": live.url,
            "Content-Length": str(200 * 1024 * 1024),
        },
        csrf=False,
    )
    assert reply.status == 413 and reply.json()["code"] == "photo_too_large"
    nothing_kept(live)


@pytest.mark.parametrize("size", [501, 20_000, 1_000_000])
def test_an_oversized_text_is_refused_with_its_limit(live, phone, size):
    reply = phone.send("x" * size)
    assert reply.status == 400
    assert reply.json()["code"] == "text_too_long" and reply.json()["limit"] == 500
    nothing_kept(live)


def test_an_oversized_name_is_refused(live, phone):
    reply = phone.send("hi", name="N" * 10_000)
    assert reply.status == 400 and reply.json()["field"] == "name"
    nothing_kept(live)


def test_a_flood_of_fields_is_refused(live, phone):
    body, ctype = multipart({f"f{n}": "x" for n in range(50)})
    reply = phone.request(
        "POST",
        "/api/events/jpo/submissions",
        raw=body,
        headers={"Content-Type": ctype, "Origin": live.url},
        csrf=False,
    )
    assert reply.status == 400 and reply.json()["code"] == "form"
    nothing_kept(live)


def test_a_compressed_body_is_not_inflated(live, phone):
    body, ctype = multipart({"text": "x" * 100_000})
    reply = phone.request(
        "POST",
        "/api/events/jpo/submissions",
        raw=zlib.compress(body),
        headers={"Content-Type": ctype, "Content-Encoding": "deflate", "Origin": live.url},
        csrf=False,
    )
    assert reply.status == 400  # read as the bytes they are: not a form
    nothing_kept(live)


def test_a_small_png_that_would_take_too_much_memory_is_refused_saying_so(live, phone):
    # The security review's file: 117 KB, 6000×6000 pixels (under the pixel cap), which
    # Pillow holds as 144 MB. Refused from its header, before a pixel is decoded.
    hostile = solid_png(6000, 6000)
    assert len(hostile) < 150_000

    reply = phone.send("look", photo=hostile, filename="wall.png", ctype="image/png")

    assert reply.status == 413
    body = reply.json()
    assert body["code"] == "photo_pixels"
    assert body["error"] == (
        "The photo is too large: 6000×6000 pixels would take 193 MB of memory to decode, "
        "more than the 160 MB limit. Choose a smaller one."
    )
    nothing_kept(live)
