"""Photos per second through Murmur's media pipeline, beside a bare Pillow baseline.

    python bench/media.py [--images 24] [--rounds 3] [--workers 1,2] [--quick] [--json]

Generates a fixed corpus of large JPEG photos with EXIF (orientation, GPS, camera), then
runs each path in a fresh process of its own, so peak memory is each path's alone:

- baseline: one thread, for each photo, ``Image.open`` and ``thumbnail((1600, 1600))``:
  the least any image pipeline does (no orientation, no metadata stripping, no encoding);
- murmur: ``MediaStore.put_image`` for every photo at once from one event loop, as a
  burst of attendees' uploads would arrive: identify, pixel cap, reduced-scale decode,
  orientation, sRGB, metadata dropped, three WebP renditions written to disk, with at most
  ``--workers`` photos in worker threads (each count is a path of its own). A ticker on
  the loop measures how long the loop was kept from running beyond its 10 ms tick.

Each path runs ``--rounds`` times, interleaved; the best round is reported (the one least
disturbed by anything else on the machine), and the median beside it.

Then the peak memory of one picture of each kind (JPEG, PNG, animated GIF, WebP, and the
security review's 6000×6000 PNG), Murmur beside bare Pillow: bench/media_memory.py.

What runs and how to read the figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SELF = Path(__file__).resolve()
ROOT = SELF.parent.parent
sys.path.insert(0, str(ROOT))

from bench import media_memory  # noqa: E402
from wall.media import MediaStore, default_workers  # noqa: E402

WIDTH, HEIGHT = 4000, 3000
TICK = 0.010  # seconds between two ticks of the loop-lag probe
IDLE_PROBE = 2.0  # seconds the probe runs with nothing to do, for comparison
Json = dict[str, Any]


# ---------------------------------------------------------------- the corpus


def photo(seed: int) -> bytes:
    """A 4000×3000 JPEG that compresses like a photo (smooth areas, edges, grain), with EXIF
    as a phone writes it: half of them stored sideways (orientation 6), all with GPS."""
    from PIL import ExifTags, Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    small = (WIDTH // 16, HEIGHT // 16)
    base = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    image = base.filter(ImageFilter.GaussianBlur(6)).resize(
        (WIDTH, HEIGHT), Image.Resampling.BICUBIC
    )
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        w, h = rng.randrange(80, 900), rng.randrange(80, 900)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=colour)  # type: ignore[arg-type]
    grain = Image.frombytes("L", (WIDTH // 2, HEIGHT // 2), rng.randbytes(WIDTH * HEIGHT // 4))
    grain = grain.resize((WIDTH, HEIGHT)).convert("RGB")
    image = Image.blend(image, grain, 0.06)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Murmur Bench Camera"
    exif[ExifTags.Base.Model] = "BC-1"
    exif[ExifTags.Base.Orientation] = 6 if seed % 2 else 1
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0)}
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def make_corpus(folder: Path, count: int) -> list[Path]:
    paths = []
    for n in range(count):
        path = folder / f"photo-{n:02d}.jpg"
        path.write_bytes(photo(n))
        paths.append(path)
    return paths


# ---------------------------------------------------------------- the two paths (children)


def _reset_peak() -> None:
    """Start counting the peak resident memory afresh (Linux; a no-op elsewhere).

    A child's ``ru_maxrss`` starts from its parent's peak at fork, so it cannot be used:
    ``/proc/self/clear_refs`` resets the kernel's high-water mark (VmHWM) instead.
    """
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _memory_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) from /proc, in MB; ru_maxrss elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm_up() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(out, format="JPEG")
    return out.getvalue()


def run_baseline(corpus: list[bytes]) -> Json:
    from PIL import Image

    Image.open(io.BytesIO(_warm_up())).thumbnail((1600, 1600))
    _reset_peak()
    rest = _memory_mb("VmRSS")
    start = time.perf_counter()
    for data in corpus:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((1600, 1600))
    elapsed = time.perf_counter() - start
    return {"elapsed": elapsed, "rss_rest_mb": rest, "rss_peak_mb": _memory_mb("VmHWM")}


async def _lags(until: asyncio.Event | float) -> list[float]:
    """How late each 10 ms tick of the event loop came, in ms, until an event or a time."""
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    while not (until.is_set() if isinstance(until, asyncio.Event) else loop.time() >= until):
        before = loop.time()
        await asyncio.sleep(TICK)
        lags.append((loop.time() - before - TICK) * 1000)
    return lags


def _p99(lags: list[float]) -> float:
    return sorted(lags)[int(len(lags) * 0.99)] if lags else 0.0


async def _murmur(corpus: list[bytes], workers: int, out: Path) -> Json:
    store = MediaStore(out, workers=workers, cache_bytes=1 << 40)
    await store.put_image(_warm_up())
    loop = asyncio.get_running_loop()
    # The same probe with nothing to do first: what the machine alone does to the loop.
    idle = await _lags(loop.time() + IDLE_PROBE)
    _reset_peak()
    rest = _memory_mb("VmRSS")
    done = asyncio.Event()
    ticker = asyncio.create_task(_lags(done))
    start = time.perf_counter()
    media = await asyncio.gather(*(store.put_image(data) for data in corpus))
    elapsed = time.perf_counter() - start
    done.set()
    busy = await ticker
    return {
        "elapsed": elapsed,
        "rss_rest_mb": rest,
        "rss_peak_mb": _memory_mb("VmHWM"),
        "loop_lag_ms": _p99(busy),
        "loop_lag_max_ms": max(busy, default=0.0),
        "idle_lag_ms": _p99(idle),
        "sizes": sorted({(m.width, m.height) for m in media}),
    }


def child(path: str, corpus_dir: Path, workers: int) -> None:
    corpus = [p.read_bytes() for p in sorted(corpus_dir.glob("*.jpg"))]
    if path == "baseline":
        result = run_baseline(corpus)
    else:
        with tempfile.TemporaryDirectory(prefix="murmur-bench-media-") as out:
            result = asyncio.run(_murmur(corpus, workers, Path(out)))
            files = [p for p in Path(out).iterdir() if p.name != "photo-00.jpg"]
            files = [p for p in files if p.suffix == ".webp"]
            result["files"] = len(files) - 1  # the warm-up picture is too small for copies
            stored = sum(p.stat().st_size for p in files)
            result["stored_kb_per_photo"] = stored / 1024 / len(corpus)
    sys.stdout.write(json.dumps(result) + "\n")


def spawn(path: str, corpus_dir: Path, workers: int) -> Json:
    args = [sys.executable, str(SELF), "--child", path, "--corpus", str(corpus_dir)]
    args += ["--workers", str(workers)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench/media.py: the {path} run failed")
    result: Json = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------- the driver


def _best(runs: list[Json], count: int) -> Json:
    """The fastest round of a path (the least disturbed by anything else on the machine)."""
    best = dict(min(runs, key=lambda r: r["elapsed"]))
    best["per_second"] = count / best["elapsed"]
    best["median_per_second"] = count / statistics.median(r["elapsed"] for r in runs)
    best["rss_peak_mb"] = max(r["rss_peak_mb"] for r in runs)
    best["rss_extra_mb"] = max(r["rss_peak_mb"] - r["rss_rest_mb"] for r in runs)
    for key in ("loop_lag_ms", "idle_lag_ms"):
        if key in best:
            best[key] = statistics.median(r[key] for r in runs)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=24, help="photos in the corpus")
    parser.add_argument(
        "--workers", default="1,2", help="MediaStore worker counts to run, comma-separated"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs of each path, interleaved")
    parser.add_argument("--quick", action="store_true", help="4 photos, 1 round: the CI size")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", choices=["baseline", "murmur"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.corpus, int(args.workers))
        return 0
    count, rounds = (4, 1) if args.quick else (args.images, args.rounds)
    paths = {"baseline": ("baseline", 1)}
    for workers in sorted({int(w) for w in args.workers.split(",")}):
        paths[f"murmur {workers}"] = ("murmur", workers)
    runs: dict[str, list[Json]] = {name: [] for name in paths}

    with tempfile.TemporaryDirectory(prefix="murmur-bench-corpus-") as folder:
        started = time.perf_counter()
        files = make_corpus(Path(folder), count)
        made = time.perf_counter() - started
        corpus_mb = sum(p.stat().st_size for p in files) / (1024 * 1024)
        for _ in range(rounds):
            for name, (path, workers) in paths.items():
                runs[name].append(spawn(path, Path(folder), workers))

    best = {name: _best(results, count) for name, results in runs.items()}
    for r in best.values():
        r["ratio"] = r["per_second"] / best["baseline"]["per_second"]
        r["median_ratio"] = r["median_per_second"] / best["baseline"]["median_per_second"]
    murmur = best[list(paths)[1]]
    report = {
        "photos": count,
        "size": f"{WIDTH}x{HEIGHT}",
        "corpus_mb": corpus_mb,
        "rounds": rounds,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "default_workers": default_workers(),
        "paths": best,
    }
    ok = all(
        r["files"] == 3 * count and r["sizes"] == [[1200, 1600], [1600, 1200]]
        for name, r in best.items()
        if name != "baseline"
    )
    report["memory"] = media_memory.measure()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"{count} photos {WIDTH}x{HEIGHT} JPEG with EXIF, {corpus_mb / count:.1f} MB each "
            f"(generated in {made:.1f} s); {os.cpu_count()} cores; best of {rounds} round(s)"
        )
        print(
            f"{'path':<11}{'photos/s':>9}{'s/photo':>9}{'ratio':>7}{'median/s':>10}"
            f"{'ratio':>7}{'peak RSS':>10}{'above rest':>12}{'loop p99':>10}{'idle p99':>10}"
        )
        for name, r in best.items():
            lag = f"{r['loop_lag_ms']:.0f} ms" if "loop_lag_ms" in r else "-"
            idle = f"{r['idle_lag_ms']:.0f} ms" if "idle_lag_ms" in r else "-"
            print(
                f"{name:<11}{r['per_second']:>9.2f}{r['elapsed'] / count:>9.3f}"
                f"{r['ratio']:>6.2f}x{r['median_per_second']:>10.2f}{r['median_ratio']:>6.2f}x"
                f"{r['rss_peak_mb']:>7.0f} MB{r['rss_extra_mb']:>9.0f} MB{lag:>10}{idle:>10}"
            )
        print("ratio: murmur / baseline, photos per second (1.00x: as fast as bare Pillow)")
        print(
            f"murmur stores 3 WebP renditions per photo, {murmur['stored_kb_per_photo']:.0f} KB "
            f"in all; default workers here: {default_workers()}; "
            f"load average {report['load_average']:.1f} at the end"
        )
        print()
        media_memory.print_table(report["memory"])
    if not ok:
        print("bench/media.py: the pipeline did not store every photo in 3 sizes", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
