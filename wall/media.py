"""Murmur's local media store: hostile image bytes in, small clean WebP files out.

Every picture a screen shows is served by Murmur from this store (DESIGN.md, promise 5).
``MediaStore.put_image`` takes the bytes of an uploaded or fetched image and:

1. refuses more than ``max_bytes`` of input;
2. decodes it with ``wall.decoder``: JPEG, PNG, WebP and GIF only, the declared pixels
   checked against ``max_pixels`` and the memory the decode needs against a budget that
   all workers share (``decode_bytes``) *before* decoding a single pixel, a JPEG decoded
   at reduced scale, the first frame only (an animated GIF or WebP becomes its poster
   frame), upright, in sRGB, without any metadata (EXIF, GPS, ICC, XMP, comments);
3. scales it so its long side is at most ``max_side`` and encodes it as WebP, then does
   the same for each smaller rendition in ``variants`` (480 and 1080 pixels by default);
4. names the files after the SHA-256 of the main rendition, so the same picture is stored
   once, and writes each atomically (temporary file, then ``os.replace``).

Files and names, for a picture whose main rendition has long side ``L``::

    /media/<32 hex>.webp          the main rendition (long side L ≤ max_side)
    /media/<32 hex>-1080.webp     long side 1080, present when 1080 < L
    /media/<32 hex>-480.webp      long side 480, present when 480 < L

so a client builds a ``srcset`` from the URL, width and height it was given, without
asking. WebP only: every browser a screen or tablet runs (Chromium, Firefox, Safari 14+)
reads it, so a JPEG copy would double the disk and the work for nobody.

The CPU work runs in worker threads, at most ``workers`` pictures at once (by default one
less than the machine's cores), off the event loop; the pictures being decoded and encoded
hold at most ``decode_bytes`` of memory together (160 MiB by default; bench/media.py
shows each kind's peak).
The store keeps itself under ``cache_bytes``: when a write takes it over, the least
recently used pictures (by the time a file was last written or served) are deleted until
it is back under 90 %.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import re
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from moderation.post import Media
from wall.decoder import DEFAULT_BUDGET, Decoder, MediaError, Refusal, fit

_NAME = re.compile(r"^(?P<stem>[0-9a-f]{32})(?:-(?P<side>[0-9]{2,4}))?\.webp$")
_WEBP_QUALITY = 82
# libwebp's method 2: a third of method 4's time for the same size and quality, within
# 0.1 dB PSNR, on 1600-pixel photos (method 3 and up add rate-distortion passes that a
# wall seen from across a room does not need). See bench/README.md.
_WEBP_METHOD = 2
_TOUCH_EVERY = 600.0  # seconds: how stale a "last used" time may get before it is renewed
_STALE_TMP = 3600.0  # seconds: a temporary file this old was left by a crash


def default_workers() -> int:
    """One less than the cores (at least 1, at most 4): the event loop keeps a core."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


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
        variants: Sequence[int] = (1080, 480),
        cache_bytes: int = 2048 * 1024 * 1024,
        workers: int = 0,
        decode_bytes: int = DEFAULT_BUDGET,
    ) -> None:
        self.root = Path(root)
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.max_side = max_side
        self.variants = tuple(sorted((s for s in variants if s < max_side), reverse=True))
        self.cache_bytes = cache_bytes
        self.workers = workers or default_workers()
        self._slots = asyncio.Semaphore(self.workers)
        self.decoder = Decoder(max_pixels=max_pixels, max_side=max_side, budget=decode_bytes)
        self._lock = threading.Lock()  # eviction and the usage count, across workers
        self._usage: int | None = None  # bytes on disk; None until first counted

    async def put_image(self, data: bytes, *, alt: str = "") -> Media:
        """Store a cleaned copy of the image in ``data`` and describe its main rendition.

        Raises ``MediaError`` when the bytes are too many, not an accepted format, declare
        too many pixels, need more memory to decode than ``decode_bytes``, or are damaged.
        Storing the same picture twice writes it once.
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

    def forget(self, url: str) -> int:
        """Delete the picture behind ``url`` and its renditions (an erasure); the number of
        files deleted. A URL that is not one of this store's names deletes nothing."""
        match = _NAME.fullmatch(url.removeprefix("/media/"))
        if match is None:
            return 0
        stem = match["stem"]
        names = [f"{stem}.webp", *(f"{stem}-{side}.webp" for side in self.variants)]
        deleted = 0
        with self._lock:
            for name in names:
                path = self.root / name
                try:
                    size = path.stat().st_size
                    path.unlink()
                except FileNotFoundError:
                    continue
                deleted += 1
                if self._usage is not None:
                    self._usage -= size
        return deleted

    def usage(self) -> int:
        """Bytes the store's pictures take on disk (counted once, then kept up to date)."""
        with self._lock:
            if self._usage is None:
                self._usage = sum(size for _, size in self._scan().values())
            return self._usage

    # -- in a worker thread --------------------------------------------------------------

    def _store(self, data: bytes) -> tuple[str, int, int]:
        # The decoder's budget stays held while the picture is encoded: that memory counts.
        with self.decoder.decoded(data) as image:
            main = self._encode(image)
            stem = hashlib.sha256(main).hexdigest()[:32]
            path = self.root / f"{stem}.webp"
            if path.is_file():
                self._touch(path, force=True)
                return path.name, image.width, image.height
            written = 0
            # The smaller renditions first: once the main file exists, all of them do. Each
            # is scaled from the one before it (cheaper than from the largest, as sharp).
            small = image
            for side in self.variants:
                if side < max(image.size):
                    small = small.resize(fit(small.size, side), Image.Resampling.LANCZOS)
                    written += self._write(f"{stem}-{side}.webp", self._encode(small))
            written += self._write(path.name, main)
        self._account(written, keep=stem)
        return path.name, image.width, image.height

    def _encode(self, image: Image.Image) -> bytes:
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=_WEBP_QUALITY, method=_WEBP_METHOD)
        return out.getvalue()

    def _write(self, name: str, encoded: bytes) -> int:
        """Write ``encoded`` as ``name`` atomically; return the bytes written."""
        path = self.root / name
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp makes the file 0600: Murmur serves it (a proxy in front asks Murmur), and
        # the cache may hold pictures of posts nobody approved.
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(encoded)
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


__all__ = ["MediaError", "MediaStore", "Refusal", "default_workers"]
