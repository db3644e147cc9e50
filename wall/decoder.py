"""Hostile image bytes in, a small clean Pillow image out, within a memory budget.

A picture's file says little about the memory its pixels take: a 117 KB PNG of
6000×6000 pixels decodes to 144 MB, and a naive pipeline (decode, convert, resize) holds
two or three such copies at once. ``Decoder.decode`` therefore:

1. identifies the bytes (JPEG, PNG, WebP and GIF only) and reads the declared size from
   the header, refusing more than ``max_pixels`` before decoding a single pixel;
2. lets libjpeg decode a JPEG at 1/2, 1/4 or 1/8 scale when the picture is much larger
   than what is kept (``Image.draft``): a 48-megapixel photo decodes to 3 megapixels;
3. works out what the decode needs (``need``: width × height × the bytes Pillow keeps
   per pixel, for each copy the steps below hold at once) and refuses a picture that
   needs more than the whole budget, with a sentence saying so;
4. waits until the budget, shared by every worker, has room for it, and holds its share
   until the picture is encoded (``decoded`` is a context manager), so pictures processed
   at the same time never hold more than ``budget`` bytes together;
5. decodes the first frame only, converts it only when its mode is not already the one
   kept, shrinks it by an integer factor (``reduce``, a box filter straight from the big
   copy) then to ``max_side`` with Lanczos, and rebuilds it without any metadata; then
   applies the EXIF orientation and converts colours from an embedded ICC profile (a
   phone's Display P3) to sRGB, on the small copy.
"""

from __future__ import annotations

import ctypes
import io
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Literal

from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
DEFAULT_BUDGET = 160 * 1024 * 1024
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
# What Pillow's decoders raise on damaged input: truncated files raise OSError, broken
# headers SyntaxError or ValueError, short reads EOFError or struct.error.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)
# Pillow keeps 1 byte per pixel for "1", "L" and "P", 2 for "I;16", and 4 for everything
# else: RGB too is stored as 4 bytes a pixel (Pillow's Storage.c, "pixelsize").
_ONE_BYTE = {"1", "L", "P"}
# Pillow decodes a WebP through libwebp's animation decoder, which keeps its own RGBA
# canvas and the previous frame's, and hands the frame over as a bytes object that
# Pillow then copies: about 4 copies of 4 bytes a pixel, measured (bench/media.py).
_WEBP_COPIES = 4
# Keep at least this many times the final size before Lanczos, as Pillow's
# ``reducing_gap=2.0``: the box filter's shortcut is then invisible after Lanczos.
_REDUCING_GAP = 2

# glibc's mallopt(3) parameter M_MMAP_THRESHOLD (malloc.h), and the size from which
# Murmur asks for every allocation to be a mapping of its own.
_M_MMAP_THRESHOLD = -3
_MAP_FROM = 1024 * 1024

Refusal = Literal["too_large", "unsupported", "damaged"]


class MediaError(ValueError):
    """An image Murmur refuses, with a sentence that says why.

    ``code`` sorts the refusal for callers that answer HTTP: ``too_large`` (bytes, pixels
    or memory), ``unsupported`` (not an accepted format) or ``damaged``.
    """

    def __init__(self, message: str, *, code: Refusal) -> None:
        super().__init__(message)
        self.code: Refusal = code


class Budget:
    """Bytes of pixels that the pictures being decoded may hold together, across threads."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._used = 0
        self._room = threading.Condition()

    @contextmanager
    def hold(self, need: int) -> Iterator[None]:
        """Wait until ``need`` bytes fit beside what others hold, and hold them meanwhile."""
        need = min(need, self.total)
        with self._room:
            self._room.wait_for(lambda: self._used + need <= self.total)
            self._used += need
        try:
            yield
        finally:
            with self._room:
                self._used -= need
                self._room.notify_all()


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down so its long side is at most ``side`` (never scaled up)."""
    width, height = size
    scale = side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _pixel_bytes(mode: str) -> int:
    return 1 if mode in _ONE_BYTE else 2 if mode.startswith("I;16") else 4


def _reduction(size: tuple[int, int], target: tuple[int, int]) -> int:
    """The integer factor to shrink ``size`` by with a box filter before Lanczos (1: none)."""
    factor = min(size[0] // target[0], size[1] // target[1]) // _REDUCING_GAP
    return factor if factor >= 2 else 1


def need(fmt: str, mode: str, size: tuple[int, int], keep: str, side: int) -> int:
    """Bytes of pixels that decoding an image of ``size`` in ``mode`` may hold at once, when
    it ends up in mode ``keep`` (RGB or RGBA) with its long side at most ``side``.

    An upper bound, checked against measured peaks by tests/test_media.py: every copy the
    steps of ``Decoder`` may hold together, counted as if all were alive at once.
    """
    width, height = size
    pixels = width * height
    decoded = pixels * _pixel_bytes(mode)
    # libwebp's animation decoder keeps its canvas and the previous frame's until the file
    # is closed, and hands the frame over as bytes that Pillow copies (measured).
    kept = pixels * 8 if fmt == "WEBP" else 0
    loading = decoded + kept + (pixels * 4 if fmt == "WEBP" else 0)
    converted = 0 if mode == keep else pixels * 4
    target = fit(size, side)
    # Then WebP encoding: the clean copy, and libwebp's work buffers (about twice as big).
    encoding = target[0] * target[1] * 4 * 3
    if target == size:  # the copy without metadata is the only other one
        return max(loading, kept + decoded + converted + pixels * 4, encoding)
    # Lanczos on RGBA works on a premultiplied copy (as Image.resize does).
    premultiplied = pixels * 4 if keep == "RGBA" else 0
    factor = _reduction(size, target)
    reduced = (width // factor) * (height // factor) * 4 if factor > 1 else 0
    between = target[0] * (height // factor) * 4  # Lanczos's horizontal pass
    shrunk = target[0] * target[1] * 4 * 2  # Lanczos's result, and the copy without metadata
    shrinking = kept + decoded + converted + premultiplied + reduced + between + shrunk
    return max(loading, shrinking, encoding)


class Decoder:
    """Decodes pictures no larger than ``max_pixels``, to at most ``max_side`` pixels a
    side, holding at most ``budget`` bytes of pixels across all threads at once."""

    def __init__(self, *, max_pixels: int, max_side: int, budget: int = DEFAULT_BUDGET) -> None:
        self.max_pixels = max_pixels
        self.max_side = max_side
        self.budget = Budget(budget)
        _free_big_blocks_at_once()

    def decode(self, data: bytes) -> Image.Image:
        """``data`` as a fresh image: upright, sRGB, first frame, resized, no metadata.

        Raises ``MediaError`` for a format outside the allowlist, too many pixels or too
        much memory, or damaged data.
        """
        with self.decoded(data) as clean:
            return clean

    @contextmanager
    def decoded(self, data: bytes) -> Iterator[Image.Image]:
        """``decode(data)``, holding the picture's share of the budget until the block ends:
        encode it inside, so the encoder's memory is counted too."""
        source = _open(data, self.max_pixels)
        try:
            width, height = source.size
            if width * height > self.max_pixels:
                raise MediaError(
                    f"image too large: {width}×{height} pixels exceeds the "
                    f"{_megapixels(self.max_pixels)}-megapixel limit",
                    code="too_large",
                )
            icc = source.info.get("icc_profile")
            fmt = source.format or ""
            if fmt == "JPEG":
                source.draft("RGB", fit(source.size, self.max_side))  # sets the smaller size
            keep = "RGBA" if source.has_transparency_data else "RGB"
            needed = need(fmt, source.mode, source.size, keep, self.max_side)
            if needed > self.budget.total:
                raise MediaError(
                    f"image too large: {width}×{height} pixels would take "
                    f"{needed / 2**20:.0f} MB of memory to decode, more than the "
                    f"{self.budget.total / 2**20:.0f} MB limit",
                    code="too_large",
                )
            with self.budget.hold(needed):
                try:
                    source.load()  # the first frame of an animation
                    orientation = _orientation(source)  # after load: a PNG's EXIF may follow
                    clean = self._shrink(source, keep)
                except _DECODE_ERRORS:
                    raise MediaError(
                        "the image file is damaged or truncated", code="damaged"
                    ) from None
                source.close()  # the decoder's buffers go before the encoder's come
                # Upright after scaling (the box is square, so the size is the same): cheaper.
                if orientation in _UPRIGHT:
                    clean = clean.transpose(_UPRIGHT[orientation])
                if isinstance(icc, bytes) and 0 < len(icc) <= _MAX_ICC and clean.mode == "RGB":
                    clean = _to_srgb(clean, icc)
                yield clean
        finally:
            source.close()

    def _shrink(self, source: Image.Image, keep: str) -> Image.Image:
        """``source`` in mode ``keep``, at most ``max_side`` a side, in a new image that
        holds only pixels (EXIF, GPS, ICC profiles and XMP stay behind)."""
        frame = source
        if source.mode != keep:
            frame = source.convert(keep)
            source.close()  # frees the decoded pixels now that the converted copy exists
        target = fit(frame.size, self.max_side)
        if target != frame.size:
            if keep == "RGBA":
                frame = frame.convert("RGBa")  # as Image.resize does: no dark fringes
            if (factor := _reduction(frame.size, target)) > 1:
                frame = frame.reduce(factor)
            frame = frame.resize(target, Image.Resampling.LANCZOS)
            if frame.mode == "RGBa":
                frame = frame.convert("RGBA")
        clean = Image.new(frame.mode, frame.size)
        clean.paste(frame)
        return clean


@cache
def _free_big_blocks_at_once() -> None:
    """Have glibc map every allocation of 1 MiB or more on its own, so freed pixels go
    back to the system at once.

    By default glibc raises its mapping threshold after the first big block is freed (up
    to 32 MiB), and from then on each worker thread's arena keeps the pixel blocks it
    freed: with three workers, resident memory grew to three decodes' worth while the
    budget let one run at a time (tests/test_decoder.py measures it). Setting the
    threshold also turns that adjustment off (mallopt(3), M_MMAP_THRESHOLD). Elsewhere
    than glibc, nothing is changed.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MAP_FROM)
    except (OSError, AttributeError):
        return


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise MediaError(
            "not an image Murmur accepts (allowed: JPEG, PNG, WebP, GIF)", code="unsupported"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own (higher) limit tripped while reading the header. When its warning
        # is not escalated to an error, Decoder.decode refuses the image instead.
        raise MediaError(
            f"image too large: it declares more than the {_megapixels(max_pixels)}-megapixel limit",
            code="too_large",
        ) from None
    except _DECODE_ERRORS:
        raise MediaError("the image file is damaged or truncated", code="damaged") from None


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


__all__ = ["DEFAULT_BUDGET", "FORMATS", "Budget", "Decoder", "MediaError", "Refusal", "fit", "need"]
