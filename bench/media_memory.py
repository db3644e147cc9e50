"""Peak memory per kind of picture, Murmur's pipeline beside bare Pillow (bench/media.py).

    python bench/media_memory.py [--json]      # also printed by python bench/media.py

Each input is measured in a fresh process of its own, after a warm-up picture, from the
kernel's high-water mark of resident memory reset just before the work (Linux
``/proc/self/clear_refs``), so the figure is what that one picture took above rest:

- pillow: ``Image.open``, ``thumbnail((1600, 1600))`` and ``load``: decode and scale only;
- murmur: ``MediaStore.put_image`` with the default decode budget (``decode_bytes``),
  and what the decoder reserves for the picture from that budget (``need``).

The last input is the security review's: a 117 KB PNG of 6000×6000 pixels, under the
pixel cap. Murmur refuses it from its header with the default budget; the row below it
gives Murmur a 256 MiB budget to show what processing it costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

SELF = Path(__file__).resolve()
sys.path.insert(0, str(SELF.parent.parent))

from wall.decoder import DEFAULT_BUDGET, fit, need  # noqa: E402
from wall.media import MediaError, MediaStore  # noqa: E402

MiB = 1024 * 1024
Json = dict[str, Any]


def _solid_png(width: int, height: int) -> bytes:
    """A complete one-colour RGB PNG, written row by row (never holding its pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    deflate = zlib.compressobj(9)
    row = b"\0" + b"\xdc\x1e\x1e" * width
    idat = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def inputs(folder: Path) -> dict[str, Path]:
    """One file per kind: a phone photo, a screenshot, an animated GIF, a WebP, the hostile
    PNG. Made from seeded noise, so every run measures the same bytes."""
    from PIL import Image

    def save(name: str, image: Image.Image, fmt: str, **params: Any) -> Path:
        out = io.BytesIO()
        image.save(out, format=fmt, **params)
        path = folder / name
        path.write_bytes(out.getvalue())
        return path

    photo = Image.effect_noise((1000, 750), 60).convert("RGB").resize((4000, 3000))
    screen = Image.effect_noise((1290, 2796), 30).convert("RGBA")
    frames = [
        Image.effect_noise((120, 120), 20 + n).convert("RGB").resize((2400, 2400)).quantize(16)
        for n in range(4)
    ]
    hostile = folder / "hostile.png"
    hostile.write_bytes(_solid_png(6000, 6000))
    return {
        "JPEG photo 4000x3000": save("photo.jpg", photo, "JPEG", quality=90),
        "PNG screenshot 1290x2796 RGBA": save("screen.png", screen, "PNG"),
        "GIF animated 2400x2400, 4 frames": save(
            "anim.gif", frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80
        ),
        "WebP 3840x2160": save("still.webp", photo.resize((3840, 2160)), "WEBP", quality=80),
        "PNG 6000x6000 (hostile)": hostile,
    }


# ---------------------------------------------------------------- the child


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("bench/media_memory.py: needs Linux's /proc/self/status")


def child(path: str, data: Path, budget: int) -> Json:
    from PIL import Image

    picture = data.read_bytes()
    warm = io.BytesIO()
    Image.new("RGB", (2000, 1500), (10, 20, 30)).save(warm, format="PNG")
    with tempfile.TemporaryDirectory(prefix="murmur-bench-memory-") as root:
        store = MediaStore(Path(root), decode_bytes=budget)
        asyncio.run(store.put_image(warm.getvalue()))
        Image.open(io.BytesIO(warm.getvalue())).thumbnail((1600, 1600))
        Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
        rest = _status("VmRSS")
        outcome = "stored"
        if path == "pillow":
            with Image.open(io.BytesIO(picture)) as image:
                image.thumbnail((1600, 1600))  # decodes at reduced scale when it can
                image.load()  # and decodes a picture already small enough, too
        else:
            try:
                asyncio.run(store.put_image(picture))
            except MediaError:
                outcome = "refused"
        return {"extra": _status("VmHWM") - rest, "outcome": outcome}


def _need(data: Path) -> int:
    from PIL import Image

    with Image.open(data) as image:
        if image.format == "JPEG":
            image.draft("RGB", fit(image.size, 1600))
        keep = "RGBA" if image.has_transparency_data else "RGB"
        return need(image.format or "", image.mode, image.size, keep, 1600)


def _spawn(path: str, data: Path, budget: int) -> Json:
    args = [sys.executable, str(SELF), "--child", path, "--input", str(data)]
    done = subprocess.run(
        [*args, "--budget", str(budget)], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench/media_memory.py: the {path} run on {data.name} failed")
    result: Json = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------- the driver


def measure() -> list[Json]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="murmur-bench-kinds-") as folder:
        for kind, data in inputs(Path(folder)).items():
            pillow = _spawn("pillow", data, DEFAULT_BUDGET)
            runs = [(DEFAULT_BUDGET, _spawn("murmur", data, DEFAULT_BUDGET))]
            if runs[0][1]["outcome"] == "refused":
                runs.append((256 * MiB, _spawn("murmur", data, 256 * MiB)))
            for budget, murmur in runs:
                rows.append(
                    {
                        "kind": kind,
                        "file_kb": data.stat().st_size / 1024,
                        "pillow_mb": pillow["extra"] / MiB,
                        "murmur_mb": murmur["extra"] / MiB,
                        "need_mb": _need(data) / MiB,
                        "budget_mb": budget / MiB,
                        "outcome": murmur["outcome"],
                    }
                )
    return rows


def print_table(rows: list[Json]) -> None:
    print(f"{'input':<35}{'file':>9}{'pillow':>9}{'murmur':>9}{'need':>8}{'budget':>8}  outcome")
    for r in rows:
        print(
            f"{r['kind']:<35}{r['file_kb']:>6.0f} KB{r['pillow_mb']:>6.0f} MB"
            f"{r['murmur_mb']:>6.0f} MB{r['need_mb']:>5.0f} MB{r['budget_mb']:>5.0f} MB"
            f"  {r['outcome']}"
        )
    print(
        "peak resident memory above rest, MiB, each in a fresh process; need: what the "
        "decoder reserves from the budget (an upper bound); pillow: open + thumbnail only"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", choices=["pillow", "murmur"], help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.input, args.budget)))
        return 0
    rows = measure()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows)
    with contextlib.suppress(StopIteration):
        over = next(r for r in rows if r["outcome"] == "stored" and r["murmur_mb"] > r["budget_mb"])
        print(f"bench/media_memory.py: {over['kind']} went over its budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
