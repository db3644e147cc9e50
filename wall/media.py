"""Murmur's local media store: hostile image bytes in, small clean WebP files out.

Every picture a screen shows is served by Murmur from this store (DESIGN.md, promise 5).
``MediaStore.put_image`` takes the bytes of an uploaded or fetched image and:

1. refuses more than ``max_bytes`` of input;
2. identifies it, allowing only JPEG, PNG, WebP and GIF;
3. reads the declared size from the header and refuses more than ``max_pixels`` *before*
   decoding a single pixel, so a decompression bomb costs nothing;
4. decodes the first frame only (an animated GIF or WebP becomes its poster frame), at a
   reduced scale when the JPEG decoder can, applies the EXIF orientation, converts colours
   from an embedded ICC profile (a phone's Display P3) to sRGB, and drops every piece of
   metadata (EXIF, GPS, ICC, XMP, comments);
5. scales it so its long side is at most ``max_side`` and encodes it as WebP, then does
   the same for each smaller rendition in ``variants`` (480 and 1080 pixels by default);
6. names the files after the SHA-256 of the main rendition, so the same picture is stored
   once, and writes each atomically (temporary file, then ``os.replace``).

Files and names, for a picture whose main rendition has long side ``L``::

    /media/<32 hex>.webp          the main rendition (long side L ≤ max_side)
    /media/<32 hex>-1080.webp     long side 1080, present when 1080 < L
    /media/<32 hex>-480.webp      long side 480, present when 480 < L

so a client builds a ``srcset`` from the URL, width and height it was given, without
asking. WebP only: every browser a screen or tablet runs (Chromium, Firefox, Safari 14+)
reads it, so a JPEG copy would double the disk and the work for nobody.

The CPU work runs in worker threads, at most ``workers`` pictures at once (by default one
less than the machine's cores), off the event loop. The store keeps itself under
``cache_bytes``: when a write takes it over, the least recently used pictures (by the
time a file was last written or served) are deleted until it is back under 90 %.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import re
import struct
import tempfile
import threading
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal

from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

from moderation.post import Media

_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_NAME = re.compile(r"^(?P<stem>[0-9a-f]{32})(?:-(?P<side>[0-9]{2,4}))?\.webp$")
_WEBP_QUALITY = 82
# libwebp's method 2: a third of method 4's time for the same size and quality, within
# 0.1 dB PSNR, on 1600-pixel photos (method 3 and up add rate-distortion passes that a
# wall seen from across a room does not need). See bench/README.md.
_WEBP_METHOD = 2
# EXIF orientation → the transpose that makes the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_MAX_ICC = 64 * 1024  # real profiles are a few KB; a bigger one is not worth parsing
_TOUCH_EVERY = 600.0  # seconds: how stale a "last used" time may get before it is renewed
_STALE_TMP = 3600.0  # seconds: a temporary file this old was left by a crash

# What Pillow's decoders raise on damaged input: truncated files raise OSError, broken
# headers SyntaxError or ValueError, short reads EOFError or struct.error.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)

Refusal = Literal["too_large", "unsupported", "damaged"]


class MediaError(ValueError):
    """An image Murmur refuses, with a sentence that says why.

    ``code`` sorts the refusal for callers that answer HTTP: ``too_large`` (bytes or
    pixels), ``unsupported`` (not an accepted format) or ``damaged``.
    """

    def __init__(self, message: str, *, code: Refusal) -> None:
        super().__init__(message)
        self.code: Refusal = code


def default_workers() -> int:
    """One less than the cores (at least 1, at most 4): the event loop keeps a core."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _megabytes(size: int, *, digits: str = ".1f") -> str:
    return f"{size / (1024 * 1024):{digits}}"


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down so its long side is at most ``side`` (never scaled up)."""
    width, height = size
    scale = side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


class MediaStore:
    """Clean, content-addressed image files under ``root``, served as ``/media/<name>``."""

    def __init__(
        self,
        root: Path,
        *,
        max_pixels: int = 40_000_000,
        max_bytes: int = 20 * 1024 * 1024,
        max_side: int = 1600,
        variants: Sequence[int] = (1080, 480),
        cache_bytes: int = 2048 * 1024 * 1024,
        workers: int = 0,
    ) -> None:
        self.root = Path(root)
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.max_side = max_side
        self.variants = tuple(sorted((s for s in variants if s < max_side), reverse=True))
        self.cache_bytes = cache_bytes
        self.workers = workers or default_workers()
        self._slots = asyncio.Semaphore(self.workers)
        self._lock = threading.Lock()  # eviction and the usage count, across workers
        self._usage: int | None = None  # bytes on disk; None until first counted

    async def put_image(self, data: bytes, *, alt: str = "") -> Media:
        """Store a cleaned copy of the image in ``data`` and describe its main rendition.

        Raises ``MediaError`` when the bytes are too many, not an accepted format, declare
        too many pixels, or are damaged. Storing the same picture twice writes it once.
        An animated image is stored as its first frame, a still: ``kind`` is ``image``.
        """
        if len(data) > self.max_bytes:
            raise MediaError(
                f"image too large: {_megabytes(len(data))} MB exceeds the "
                f"{_megabytes(self.max_bytes, digits='g')} MB limit",
                code="too_large",
            )
        async with self._slots:
            name, width, height = await asyncio.to_thread(self._store, data)
        return Media(url=f"/media/{name}", kind="image", alt=alt, width=width, height=height)

    def renditions(self, media: Media) -> list[tuple[str, int]]:
        """``(url, long side)`` of every rendition of ``media``, largest first."""
        if not media.width or not media.height:
            return [(media.url, 0)]
        side = max(media.width, media.height)
        stem = media.url.removesuffix(".webp")
        return [(media.url, side)] + [(f"{stem}-{s}.webp", s) for s in self.variants if s < side]

    def path_for(self, name: str) -> Path | None:
        """The file behind ``/media/<name>``, or None if the name is invalid or unknown.

        Serving a picture marks it as used, so eviction keeps what the screens show.
        """
        match = _NAME.fullmatch(name)
        if match is None:
            return None
        if match["side"] is not None and int(match["side"]) not in self.variants:
            return None
        path = self.root / name
        if not path.is_file():
            return None
        self._touch(self.root / f"{match['stem']}.webp")
        return path

    def usage(self) -> int:
        """Bytes the store's pictures take on disk (counted once, then kept up to date)."""
        with self._lock:
            if self._usage is None:
                self._usage = sum(size for _, size in self._scan().values())
            return self._usage

    # -- in a worker thread --------------------------------------------------------------

    def _store(self, data: bytes) -> tuple[str, int, int]:
        image = self._clean(data)
        main = self._encode(image)
        stem = hashlib.sha256(main).hexdigest()[:32]
        path = self.root / f"{stem}.webp"
        if path.is_file():
            self._touch(path, force=True)
            return path.name, image.width, image.height
        written = 0
        # The smaller renditions first: once the main file exists, all of them do. Each is
        # scaled from the one before it (cheaper than from the largest, as sharp).
        small = image
        for side in self.variants:
            if side < max(image.size):
                small = small.resize(_fit(small.size, side), Image.Resampling.LANCZOS)
                written += self._write(f"{stem}-{side}.webp", self._encode(small))
        written += self._write(path.name, main)
        self._account(written, keep=stem)
        return path.name, image.width, image.height

    def _clean(self, data: bytes) -> Image.Image:
        """Decode ``data`` into a fresh image: upright, sRGB, first frame, resized, no metadata."""
        try:
            source = Image.open(io.BytesIO(data), formats=_FORMATS)
        except UnidentifiedImageError:
            allowed = "JPEG, PNG, WebP, GIF"
            raise MediaError(
                f"not an image Murmur accepts (allowed: {allowed})", code="unsupported"
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Pillow's own (higher) limit tripped while reading the header. When its warning
            # is not escalated to an error, the check below refuses the image instead.
            raise MediaError(
                f"image too large: it declares more than the "
                f"{_megapixels(self.max_pixels)}-megapixel limit",
                code="too_large",
            ) from None
        except _DECODE_ERRORS:
            raise MediaError("the image file is damaged or truncated", code="damaged") from None

        with source:
            width, height = source.size
            if width * height > self.max_pixels:
                raise MediaError(
                    f"image too large: {width}×{height} pixels exceeds the "
                    f"{_megapixels(self.max_pixels)}-megapixel limit",
                    code="too_large",
                )
            icc = source.info.get("icc_profile")
            try:
                if source.format == "JPEG":
                    # libjpeg decodes at 1/2, 1/4 or 1/8 scale when the picture is much
                    # bigger than what we keep: less memory and time, then Lanczos below.
                    source.draft("RGB", _fit(source.size, self.max_side))
                source.load()  # the first frame of an animation
                orientation = _orientation(source)  # after load: a PNG's EXIF may follow
                mode = "RGBA" if source.has_transparency_data else "RGB"
                frame = source.convert(mode)
            except _DECODE_ERRORS:
                raise MediaError("the image file is damaged or truncated", code="damaged") from None

        if max(frame.size) > self.max_side:
            frame = frame.resize(_fit(frame.size, self.max_side), Image.Resampling.LANCZOS)
        # A new image holds only pixels: EXIF, GPS, ICC profiles and XMP stay behind.
        clean = Image.new(frame.mode, frame.size)
        clean.paste(frame)
        # Upright after scaling (the box is square, so the size is the same): cheaper.
        if orientation in _UPRIGHT:
            clean = clean.transpose(_UPRIGHT[orientation])
        if isinstance(icc, bytes) and 0 < len(icc) <= _MAX_ICC and clean.mode == "RGB":
            clean = _to_srgb(clean, icc)
        return clean

    def _encode(self, image: Image.Image) -> bytes:
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=_WEBP_QUALITY, method=_WEBP_METHOD)
        return out.getvalue()

    def _write(self, name: str, encoded: bytes) -> int:
        """Write ``encoded`` as ``name`` atomically; return the bytes written."""
        path = self.root / name
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
        return len(encoded)

    def _touch(self, path: Path, *, force: bool = False) -> None:
        """Mark ``path`` as just used, at most every ``_TOUCH_EVERY`` seconds.

        Sets the access time only (explicitly: mounts with ``noatime`` or ``relatime`` do
        not keep it), so the modification time, and the Last-Modified it gives, stay.
        """
        now = time.time()
        with contextlib.suppress(OSError):
            stat = path.stat()
            if force or now - stat.st_atime > _TOUCH_EVERY:
                os.utime(path, ns=(time.time_ns(), stat.st_mtime_ns))

    # -- the size cap --------------------------------------------------------------------

    def _account(self, written: int, *, keep: str) -> None:
        with self._lock:
            if self._usage is None:
                self._usage = sum(size for _, size in self._scan().values())
            else:
                self._usage += written
            if self._usage > self.cache_bytes:
                self._evict(keep)

    def _scan(self) -> dict[str, tuple[float, int]]:
        """Each stored picture's stem → (last used, bytes of all its renditions).

        Also removes temporary files a crash left behind.
        """
        found: dict[str, tuple[float, int]] = {}
        now = time.time()
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return found
        for entry in entries:
            with contextlib.suppress(OSError):
                stat = entry.stat()
                if entry.name.endswith(".tmp") and now - stat.st_mtime > _STALE_TMP:
                    os.unlink(entry.path)
                    continue
                match = _NAME.fullmatch(entry.name)
                if match is None:
                    continue
                used, size = found.get(match["stem"], (0.0, 0))
                if match["side"] is None:
                    used = max(stat.st_mtime, stat.st_atime)
                found[match["stem"]] = (used, size + stat.st_size)
        return found

    def _evict(self, keep: str) -> None:
        """Delete the least recently used pictures until the store is under 90 % of its cap."""
        pictures = self._scan()
        usage = sum(size for _, size in pictures.values())
        target = int(self.cache_bytes * 0.9)
        for stem, (_, size) in sorted(pictures.items(), key=lambda item: item[1][0]):
            if usage <= target:
                break
            if stem == keep:
                continue
            # The main file first: a picture without it counts as gone.
            for path in [self.root / f"{stem}.webp"] + [
                self.root / f"{stem}-{side}.webp" for side in self.variants
            ]:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            usage -= size
        self._usage = usage


def _orientation(image: Image.Image) -> int | None:
    """The EXIF orientation (1 to 8), or None when absent or unreadable."""
    try:
        value = image.getexif().get(ExifTags.Base.Orientation)
    except _DECODE_ERRORS:
        return None
    return value if isinstance(value, int) else None


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """``image``'s colours converted from the profile ``icc`` to sRGB (as is if unreadable)."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if isinstance(converted, Image.Image) else image


__all__ = ["MediaError", "MediaStore", "Refusal", "default_workers"]
