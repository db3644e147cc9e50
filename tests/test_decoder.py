"""The decoder's memory: what a picture needs is known before decoding, and kept to.

Peaks are measured in a child process of their own (the kernel's high-water mark of
resident memory, reset just before the decode), so nothing else the test run holds counts.
The assertions compare bytes with the budget given to the store, never times.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageFile

from wall.decoder import DEFAULT_BUDGET, Decoder, MediaError, fit, need
from wall.media import MediaStore

ROOT = Path(__file__).resolve().parent.parent
MiB = 2**20
# What a process allocates around a decode besides pixels (Python objects, libwebp's and
# zlib's state, the WebP encoder's buffers): a fixed allowance, not a ratio.
OVERHEAD = 12 * MiB


def solid_png(width: int, height: int, mode: str = "RGB") -> bytes:
    """A real, complete PNG of one colour, written row by row: a huge picture in a small
    file (6000×6000 RGB is about 100 KB), made without holding its pixels in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    colour_type, pixel = {"RGB": (2, b"\xdc\x1e\x1e"), "RGBA": (6, b"\xdc\x1e\x1e\x80")}[mode]
    row = b"\0" + pixel * width
    deflate = zlib.compressobj(9)
    idat = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


# The child: warm the libraries up, reset the high-water mark, store the pictures (all at
# once, from one event loop, as a burst of uploads), report the peak above rest.
CHILD = """
import asyncio, json, sys, tempfile
from pathlib import Path
from wall.media import MediaStore, MediaError

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

args = json.loads(sys.argv[1])
pictures = [Path(p).read_bytes() for p in args["pictures"]]

async def run(root):
    store = MediaStore(root, workers=args["workers"], decode_bytes=args["budget"])
    warm = Path(args["warm"]).read_bytes()
    await store.put_image(warm)
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    rest = status("VmRSS")
    results = await asyncio.gather(*(store.put_image(p) for p in pictures), return_exceptions=True)
    outcome = [str(r) if isinstance(r, MediaError) else [r.width, r.height] for r in results]
    return {"extra": status("VmHWM") - rest, "outcome": outcome}

with tempfile.TemporaryDirectory() as root:
    print(json.dumps(asyncio.run(run(Path(root)))))
"""


def peak(tmp_path: Path, pictures: list[bytes], *, budget: int, workers: int = 1) -> dict[str, Any]:
    """Store ``pictures`` at once in a fresh process; its peak memory above rest, and what
    became of each picture (its size, or the refusal)."""
    paths = []
    for n, data in enumerate(pictures):
        path = tmp_path / f"picture-{n}"
        path.write_bytes(data)
        paths.append(str(path))
    warm = tmp_path / "warm.png"
    warm.write_bytes(encode(Image.new("RGB", (2000, 1500), (10, 20, 30)), "PNG"))
    args = {"pictures": paths, "warm": str(warm), "budget": budget, "workers": workers}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def needed(data: bytes, side: int = 1600) -> int:
    """What ``need`` says the picture in ``data`` takes, as the decoder works it out."""
    with Image.open(io.BytesIO(data)) as image:
        if image.format == "JPEG":
            image.draft("RGB", fit(image.size, side))
        keep = "RGBA" if image.has_transparency_data else "RGB"
        return need(image.format or "", image.mode, image.size, keep, side)


# -- the hostile PNG of the security review ----------------------------------------------

HOSTILE = solid_png(6000, 6000)


def test_the_hostile_png_is_small_and_under_the_pixel_cap() -> None:
    assert len(HOSTILE) < 150_000
    assert MediaStore(Path("unused")).max_pixels > 6000 * 6000


async def test_a_6000_by_6000_png_is_refused_before_decoding_saying_how_much_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    store = MediaStore(tmp_path / "media")

    with pytest.raises(MediaError) as caught:
        await store.put_image(HOSTILE)

    assert caught.value.code == "too_large"
    assert str(caught.value) == (
        "image too large: 6000×6000 pixels would take 193 MB of memory to decode, "
        f"more than the {DEFAULT_BUDGET // MiB} MB limit"
    )
    assert not store.root.exists()


def test_refusing_the_hostile_png_costs_next_to_no_memory(tmp_path: Path) -> None:
    result = peak(tmp_path, [HOSTILE], budget=DEFAULT_BUDGET)

    assert result["outcome"][0].startswith("image too large: 6000×6000 pixels would take")
    assert result["extra"] < OVERHEAD


def test_with_a_larger_budget_the_hostile_png_is_processed_within_it(tmp_path: Path) -> None:
    budget = 256 * MiB  # the store's decode_bytes, as an operator may set it
    assert needed(HOSTILE) <= budget

    result = peak(tmp_path, [HOSTILE], budget=budget)

    assert result["outcome"] == [[1600, 1600]]
    assert result["extra"] <= needed(HOSTILE) + OVERHEAD <= budget + OVERHEAD


def test_pictures_decoded_at_once_share_one_budget(tmp_path: Path) -> None:
    picture = solid_png(3000, 3000)
    budget = 100 * MiB  # room for one of them at a time, not two
    assert needed(picture) <= budget < 2 * needed(picture)

    result = peak(tmp_path, [picture] * 3, budget=budget, workers=3)

    assert result["outcome"] == [[1600, 1600]] * 3
    assert result["extra"] <= budget + OVERHEAD


# -- what a decode needs is an upper bound of what it takes, for every kind ---------------


def animated_gif() -> bytes:
    frames = [Image.new("P", (2000, 2000), n) for n in range(4)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def kinds() -> dict[str, bytes]:
    photo = Image.effect_noise((2000, 1500), 40).convert("RGB").resize((4000, 3000))
    return {
        "jpeg 4000x3000": encode(photo, "JPEG", quality=90),
        "png rgb 3000x3000": solid_png(3000, 3000),
        "png rgba 3000x3000": solid_png(3000, 3000, "RGBA"),
        "png palette 3000x3000": encode(Image.new("P", (3000, 3000), 7), "PNG"),
        "gif animated 2000x2000": animated_gif(),
        "webp 3000x2000": encode(photo.resize((3000, 2000)), "WEBP", quality=80),
    }


KINDS = kinds()


@pytest.mark.parametrize("kind", list(KINDS))
def test_what_a_decode_needs_bounds_what_it_takes(tmp_path: Path, kind: str) -> None:
    data = KINDS[kind]

    result = peak(tmp_path, [data], budget=DEFAULT_BUDGET)

    assert isinstance(result["outcome"][0], list), result["outcome"]
    assert result["extra"] <= needed(data) + OVERHEAD


# -- the budget itself ---------------------------------------------------------------------


def test_a_picture_that_needs_more_than_the_whole_budget_is_refused_not_queued() -> None:
    decoder = Decoder(max_pixels=40_000_000, max_side=1600, budget=10 * MiB)
    with pytest.raises(MediaError, match="more than the 10 MB limit"):
        decoder.decode(solid_png(2000, 2000))


def test_a_transparent_edge_keeps_its_colour_when_shrunk() -> None:
    # Invisible red pixels beside opaque blue ones: shrinking must not bleed the red
    # (Lanczos and the box filter both work on premultiplied pixels).
    image = Image.new("RGBA", (4000, 4000), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (2000, 0, 4000, 4000))
    clean = Decoder(max_pixels=40_000_000, max_side=400).decode(encode(image, "PNG"))

    edge = clean.getpixel((200, 200))
    assert isinstance(edge, tuple) and clean.size == (400, 400)
    assert edge[0] < 30, edge  # no red on the blue side of the edge
