"""Builders for upload tests: pictures (honest and hostile) and multipart bodies.

``submit_form`` posts to the attendees' endpoint the way the page does (same origin, the
device cookie from ``GET /submit/{event}``), with any fields and files.
"""

from __future__ import annotations

import io
import random
import secrets
import struct
import zlib
from typing import Any

from PIL import ExifTags, Image

from tests.client import Client, Reply

RED = (220, 30, 30)
BLUE = (30, 30, 220)


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def noise(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Incompressible pixels, so encoded files are big enough to cut in half."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width``×``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def gif_bomb(width: int = 65535, height: int = 65535) -> bytes:
    """A GIF header declaring a 65535×65535 screen and image, with hardly any data."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return header + descriptor + b"\x02\x02\x44\x01\x00;"


def phone_photo(size: tuple[int, int] = (400, 300)) -> bytes:
    """A JPEG as a phone takes it: stored sideways (EXIF orientation 6), left half red and
    right half blue, with a camera make, a serial number and a GPS position."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Murmur Test Camera"
    exif[ExifTags.Base.BodySerialNumber] = "SN-123456"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
        }
    )
    return encode(image, "JPEG", quality=92, exif=exif.tobytes())


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, str, bytes]] | None = None
) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type; files are (filename, type, bytes)."""
    boundary = f"murmur-{secrets.token_hex(8)}"
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, (filename, ctype, data) in (files or {}).items():
        out.write(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Attendee(Client):
    """A phone on the attendees' page: it loads the page (and its cookie), then posts."""

    def __init__(self, base: str, event: str = "jpo") -> None:
        super().__init__(base)
        self.event = event

    def open_page(self) -> Reply:
        return self.get(f"/submit/{self.event}")

    def send(
        self,
        text: str = "Bonjour depuis l’amphi",
        *,
        name: str = "",
        photo: bytes | None = None,
        filename: str = "photo.jpg",
        ctype: str = "image/jpeg",
        headers: dict[str, str] | None = None,
        extra_files: dict[str, tuple[str, str, bytes]] | None = None,
    ) -> Reply:
        files = dict(extra_files or {})
        if photo is not None:
            files["photo"] = (filename, ctype, photo)
        body, content_type = multipart({"name": name, "text": text, "lang": "en"}, files)
        h = {"Content-Type": content_type, "Origin": self.base, "Sec-Fetch-Site": "same-origin"}
        h.update(headers or {})
        return self.request(
            "POST", f"/api/events/{self.event}/submissions", raw=body, headers=h, csrf=False
        )
