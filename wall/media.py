"""Murmur's local media store: hostile image bytes in, small clean WebP files out.

Every picture a screen shows is served by Murmur from this store (DESIGN.md, promise 5).
``MediaStore.put_image`` takes the bytes of an uploaded or fetched image and:

1. refuses more than ``max_bytes`` of input;
2. identifies it, allowing only JPEG, PNG, WebP and GIF;
3. reads the declared size from the header and refuses more than ``max_pixels`` *before*
   decoding a single pixel, so a decompression bomb costs nothing;
4. decodes the first frame, applies the EXIF orientation, converts to RGB (RGBA when the
   image has transparency) and drops every piece of metadata (EXIF, GPS, ICC, XMP);
5. scales it down so its long side is at most ``max_side`` and encodes it as WebP;
6. names the file after the SHA-256 of the output, so the same picture is stored once,
   and writes it atomically (temporary file, then ``os.replace``).

The CPU work runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import struct
import tempfile
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from moderation.post import Media

_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_NAME = re.compile(r"^[0-9a-f]{32}\.webp$")
_WEBP_QUALITY = 82

# What Pillow's decoders raise on damaged input: truncated files raise OSError, broken
# headers SyntaxError or ValueError, short reads EOFError or struct.error.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


class MediaError(ValueError):
    """An image Murmur refuses, with a sentence that says why."""


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _megabytes(size: int, *, digits: str = ".1f") -> str:
    return f"{size / (1024 * 1024):{digits}}"


class MediaStore:
    """Clean, content-addressed image files under ``root``, served as ``/media/<name>``."""

    def __init__(
        self,
        root: Path,
        *,
        max_pixels: int = 40_000_000,
        max_bytes: int = 20 * 1024 * 1024,
        max_side: int = 1600,
    ) -> None:
        self.root = Path(root)
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.max_side = max_side

    async def put_image(self, data: bytes, *, alt: str = "") -> Media:
        """Store a cleaned copy of the image in ``data`` and describe it.

        Raises ``MediaError`` when the bytes are too many, not an accepted format, declare
        too many pixels, or are damaged. Storing the same picture twice writes one file.
        """
        if len(data) > self.max_bytes:
            raise MediaError(
                f"image too large: {_megabytes(len(data))} MB exceeds the "
                f"{_megabytes(self.max_bytes, digits='g')} MB limit"
            )
        name, width, height = await asyncio.to_thread(self._store, data)
        return Media(url=f"/media/{name}", kind="image", alt=alt, width=width, height=height)

    def path_for(self, name: str) -> Path | None:
        """The file behind ``/media/<name>``, or None if the name is invalid or unknown."""
        if not _NAME.fullmatch(name):
            return None
        path = self.root / name
        return path if path.is_file() else None

    # -- in the worker thread ------------------------------------------------------------

    def _store(self, data: bytes) -> tuple[str, int, int]:
        image = self._clean(data)
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=_WEBP_QUALITY, method=4)
        encoded = out.getvalue()
        name = f"{hashlib.sha256(encoded).hexdigest()[:32]}.webp"
        self._write_once(name, encoded)
        return name, image.width, image.height

    def _clean(self, data: bytes) -> Image.Image:
        """Decode ``data`` into a fresh image: upright, first frame, resized, no metadata."""
        try:
            source = Image.open(io.BytesIO(data), formats=_FORMATS)
        except UnidentifiedImageError:
            allowed = "JPEG, PNG, WebP, GIF"
            raise MediaError(f"not an image Murmur accepts (allowed: {allowed})") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Pillow's own (higher) limit tripped while reading the header. When its warning
            # is not escalated to an error, the check below refuses the image instead.
            raise MediaError(
                f"image too large: it declares more than the "
                f"{_megapixels(self.max_pixels)}-megapixel limit"
            ) from None
        except _DECODE_ERRORS:
            raise MediaError("the image file is damaged or truncated") from None

        with source:
            width, height = source.size
            if width * height > self.max_pixels:
                raise MediaError(
                    f"image too large: {width}×{height} pixels exceeds the "
                    f"{_megapixels(self.max_pixels)}-megapixel limit"
                )
            try:
                if source.format == "JPEG":
                    # Let libjpeg decode at a reduced scale when the picture is much bigger
                    # than what we keep: less memory and time, same result.
                    source.draft("RGB", (self.max_side, self.max_side))
                source.load()  # the first frame of an animation
                ImageOps.exif_transpose(source, in_place=True)
                mode = "RGBA" if source.has_transparency_data else "RGB"
                frame = source.convert(mode)
            except _DECODE_ERRORS:
                raise MediaError("the image file is damaged or truncated") from None

        # A new image holds only pixels: EXIF, GPS, ICC profiles and XMP stay behind.
        clean = Image.new(frame.mode, frame.size)
        clean.paste(frame)
        clean.thumbnail((self.max_side, self.max_side), Image.Resampling.LANCZOS)
        return clean

    def _write_once(self, name: str, encoded: bytes) -> None:
        path = self.root / name
        if path.is_file():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(encoded)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a front proxy may serve it
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


__all__ = ["MediaError", "MediaStore"]
