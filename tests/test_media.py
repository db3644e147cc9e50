"""The media store: hostile bytes in, clean WebP files out (DESIGN.md, promise 5)."""

from __future__ import annotations

import asyncio
import io
import os
import random
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile

from moderation.post import Media
from wall.media import MediaError, MediaStore

RED = (220, 30, 30)
BLUE = (30, 30, 220)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def noise(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Incompressible pixels, so encoded files are big enough to cut in half."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width``×``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def tagged_jpeg() -> bytes:
    """300×200, left half red, right half blue, stored sideways (EXIF orientation 6),
    with a camera make, a GPS position and an ICC profile."""
    image = Image.new("RGB", (300, 200), BLUE)
    image.paste(RED, (0, 0, 150, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Murmur Test Camera"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0)}
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(image, "JPEG", quality=95, exif=exif.tobytes(), icc_profile=icc)


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")


def stored(store: MediaStore, media: Media) -> Image.Image:
    path = store.path_for(media.url.removeprefix("/media/"))
    assert path is not None
    image = Image.open(path)
    image.load()
    return image


def never_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_a_media_error_is_a_value_error() -> None:
    assert issubclass(MediaError, ValueError)


async def test_a_png_is_stored_as_webp_and_described(store: MediaStore) -> None:
    media = await store.put_image(encode(Image.new("RGB", (320, 240), RED), "PNG"), alt="Red")

    assert media.kind == "image"
    assert media.alt == "Red"
    assert (media.width, media.height) == (320, 240)
    assert media.url.startswith("/media/") and media.url.endswith(".webp")
    assert stored(store, media).format == "WEBP"


async def test_exif_orientation_is_applied_and_all_metadata_dropped(store: MediaStore) -> None:
    data = tagged_jpeg()
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input does carry GPS
    assert "icc_profile" in source.info

    media = await store.put_image(data)

    image = stored(store, media)
    assert (media.width, media.height) == image.size == (200, 300)  # upright: portrait
    top = image.convert("RGB").getpixel((100, 40))
    bottom = image.convert("RGB").getpixel((100, 260))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2]  # the red half is now on top
    assert bottom[2] > 150 > bottom[0]
    assert not image.getexif()
    for key in ("exif", "icc_profile", "xmp"):
        assert key not in image.info


async def test_first_frame_of_an_animation_is_kept(store: MediaStore) -> None:
    frames = [Image.new("RGB", (64, 64), RED), Image.new("RGB", (64, 64), BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    image = stored(store, await store.put_image(data))

    pixel = image.convert("RGB").getpixel((32, 32))
    assert isinstance(pixel, tuple)
    assert pixel[0] > 150 > pixel[2]


async def test_transparency_survives(store: MediaStore) -> None:
    data = encode(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "PNG")

    image = stored(store, await store.put_image(data))

    assert image.mode == "RGBA"
    assert image.getpixel((10, 10)) == (0, 0, 0, 0)


async def test_webp_input_is_accepted(store: MediaStore) -> None:
    media = await store.put_image(encode(Image.new("RGB", (50, 40), BLUE), "WEBP"))

    assert (media.width, media.height) == (50, 40)


@pytest.mark.parametrize(
    ("fmt", "size", "expected"),
    [("JPEG", (4000, 3000), (1600, 1200)), ("PNG", (1000, 3000), (533, 1600))],
)
async def test_a_big_image_is_downscaled_to_the_long_side_limit(
    store: MediaStore, fmt: str, size: tuple[int, int], expected: tuple[int, int]
) -> None:
    media = await store.put_image(encode(Image.new("RGB", size, RED), fmt))

    assert (media.width, media.height) == expected
    assert stored(store, media).size == expected


@pytest.mark.parametrize("side", [30_000, 10_000])  # Pillow's own bomb error, then warning
async def test_a_decompression_bomb_is_refused_without_decoding(
    store: MediaStore, monkeypatch: pytest.MonkeyPatch, side: int
) -> None:
    data = png_header(side, side)
    assert len(data) < 200
    never_decode(monkeypatch)

    with pytest.raises(MediaError, match="image too large"):
        await store.put_image(data)
    assert not store.root.exists()


async def test_too_many_pixels_is_refused_with_the_size_before_decoding(
    store: MediaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    never_decode(monkeypatch)

    with pytest.raises(MediaError) as caught:
        await store.put_image(png_header(8000, 6000))

    assert str(caught.value) == ("image too large: 8000×6000 pixels exceeds the 40-megapixel limit")


async def test_a_truncated_jpeg_is_refused(store: MediaStore) -> None:
    data = encode(noise((400, 300)), "JPEG", quality=90)

    with pytest.raises(MediaError, match=r"^the image file is damaged or truncated$"):
        await store.put_image(data[: len(data) // 2])


async def test_a_text_file_named_jpg_is_refused(store: MediaStore, tmp_path: Path) -> None:
    fake = tmp_path / "holiday.jpg"
    fake.write_text("Not a picture, just words.\n")

    with pytest.raises(MediaError) as caught:
        await store.put_image(fake.read_bytes())

    assert str(caught.value) == "not an image Murmur accepts (allowed: JPEG, PNG, WebP, GIF)"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
async def test_formats_outside_the_allowlist_are_refused(store: MediaStore, fmt: str) -> None:
    data = encode(Image.new("RGB", (32, 32), RED), fmt)

    with pytest.raises(MediaError, match="not an image Murmur accepts"):
        await store.put_image(data)


async def test_too_many_bytes_are_refused_before_anything_else(tmp_path: Path) -> None:
    store = MediaStore(tmp_path, max_bytes=1024 * 1024)

    with pytest.raises(MediaError) as caught:
        await store.put_image(b"\0" * (2 * 1024 * 1024))

    assert str(caught.value) == "image too large: 2.0 MB exceeds the 1 MB limit"


async def test_the_same_picture_is_stored_once(store: MediaStore) -> None:
    data = encode(noise((200, 150), seed=1), "PNG")

    first = await store.put_image(data, alt="une photo")
    path = store.path_for(first.url.removeprefix("/media/"))
    assert path is not None
    before = path.stat()
    second = await store.put_image(data, alt="a photo")

    assert second.url == first.url
    assert (second.alt, first.alt) == ("a photo", "une photo")
    assert [p.name for p in store.root.iterdir()] == [path.name]  # no temporary file left
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


async def test_path_for_finds_a_stored_file(store: MediaStore) -> None:
    media = await store.put_image(encode(Image.new("RGB", (10, 10), RED), "PNG"))
    name = media.url.removeprefix("/media/")

    assert store.path_for(name) == store.root / name
    assert store.path_for(name.replace(name[0], "f" if name[0] != "f" else "e", 1)) is None


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "../" + "a" * 32 + ".webp",
        "a" * 32 + ".webp/../../etc/passwd",
        "A" * 32 + ".webp",
        "a" * 31 + ".webp",
        "a" * 32 + ".png",
        "a" * 32 + ".webp\n",
        "",
    ],
)
def test_path_for_rejects_bad_names(store: MediaStore, name: str) -> None:
    store.root.mkdir(parents=True)
    (store.root / ("a" * 32 + ".webp")).write_bytes(b"x")

    assert store.path_for(name) is None


# -- codes for HTTP callers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (png_header(30_000, 30_000), "too_large"),
        (encode(noise((400, 300)), "JPEG")[:20_000], "damaged"),
        (b"plain words", "unsupported"),
    ],
)
async def test_each_refusal_carries_a_code(store: MediaStore, data: bytes, code: str) -> None:
    with pytest.raises(MediaError) as caught:
        await store.put_image(data)
    assert caught.value.code == code


# -- renditions ----------------------------------------------------------------------------


async def test_a_big_photo_gets_three_renditions_named_for_srcset(store: MediaStore) -> None:
    media = await store.put_image(encode(noise((4000, 3000), seed=2), "JPEG", quality=80))

    stem = media.url.removeprefix("/media/").removesuffix(".webp")
    assert (media.width, media.height) == (1600, 1200)
    assert store.renditions(media) == [
        (media.url, 1600),
        (f"/media/{stem}-1080.webp", 1080),
        (f"/media/{stem}-480.webp", 480),
    ]
    sizes = {}
    for url, _ in store.renditions(media):
        path = store.path_for(url.removeprefix("/media/"))
        assert path is not None
        with Image.open(path) as image:
            assert image.format == "WEBP"
            sizes[url] = image.size
    assert sorted(sizes.values()) == [(480, 360), (1080, 810), (1600, 1200)]
    assert len(list(store.root.iterdir())) == 3


async def test_a_photo_smaller_than_a_rendition_is_not_scaled_up(store: MediaStore) -> None:
    media = await store.put_image(encode(Image.new("RGB", (800, 600), RED), "PNG"))

    names = sorted(p.name for p in store.root.iterdir())
    assert len(names) == 2 and names[0].endswith("-480.webp")
    assert store.renditions(media)[1:] == [(media.url.replace(".webp", "-480.webp"), 480)]


def test_only_known_rendition_sizes_are_served(store: MediaStore) -> None:
    store.root.mkdir(parents=True)
    for name in ("a" * 32 + ".webp", "a" * 32 + "-480.webp", "a" * 32 + "-999.webp"):
        (store.root / name).write_bytes(b"x")

    assert store.path_for("a" * 32 + "-480.webp") is not None
    assert store.path_for("a" * 32 + "-999.webp") is None
    assert store.path_for("a" * 32 + "-0480.webp") is None


# -- animations ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
async def test_an_animation_becomes_its_first_frame_as_a_still(store: MediaStore, fmt: str) -> None:
    frames = [Image.new("RGB", (64, 64), RED), Image.new("RGB", (64, 64), BLUE)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(io.BytesIO(data)) as source:
        assert getattr(source, "n_frames", 1) == 2  # the input is animated

    media = await store.put_image(data)

    assert media.kind == "image"
    image = stored(store, media)
    assert getattr(image, "n_frames", 1) == 1
    pixel = image.convert("RGB").getpixel((32, 32))
    assert isinstance(pixel, tuple) and pixel[0] > 150 > pixel[2]


# -- colour --------------------------------------------------------------------------------


async def test_a_broken_colour_profile_is_ignored_not_fatal(store: MediaStore) -> None:
    data = encode(Image.new("RGB", (40, 30), RED), "JPEG", icc_profile=b"not a profile" * 10)

    image = stored(store, await store.put_image(data))

    assert "icc_profile" not in image.info
    pixel = image.convert("RGB").getpixel((20, 15))
    assert isinstance(pixel, tuple) and pixel[0] > 180


# -- off the loop, a few at a time ------------------------------------------------------------


async def test_work_runs_in_worker_threads_at_most_workers_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = MediaStore(tmp_path, workers=2)
    loop_thread = threading.get_ident()
    running: list[int] = []
    peak = 0
    lock = threading.Lock()
    real = store._store

    def tracked(data: bytes) -> tuple[str, int, int]:
        nonlocal peak
        assert threading.get_ident() != loop_thread
        with lock:
            running.append(1)
            peak = max(peak, len(running))
        time.sleep(0.05)
        try:
            return real(data)
        finally:
            with lock:
                running.pop()

    monkeypatch.setattr(store, "_store", tracked)
    pictures = [encode(noise((64, 48), seed=n), "PNG") for n in range(6)]

    results = await asyncio.gather(*(store.put_image(p) for p in pictures))

    assert len({m.url for m in results}) == 6
    assert peak == 2


# -- the size cap ----------------------------------------------------------------------------


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


async def test_the_cache_evicts_the_least_recently_used_pictures(tmp_path: Path) -> None:
    store = MediaStore(tmp_path, cache_bytes=10**9)
    media = [await store.put_image(encode(noise((300, 200), seed=n), "PNG")) for n in range(4)]
    paths = [store.root / m.url.removeprefix("/media/") for m in media]
    size = paths[0].stat().st_size
    for n, path in enumerate(paths):
        age(path, 10_000 - n * 1000)  # the first written is the oldest
    assert store.path_for(paths[0].name) is not None  # ... but a screen just showed it
    assert store.usage() == sum(p.stat().st_size for p in paths)

    store.cache_bytes = int(sum(p.stat().st_size for p in paths) + size * 0.5)
    fresh = await store.put_image(encode(noise((300, 200), seed=9), "PNG"))

    kept = {p.name for p in store.root.iterdir()}
    assert fresh.url.removeprefix("/media/") in kept
    assert paths[0].name in kept  # served recently
    assert paths[1].name not in kept  # the least recently used
    assert store.usage() <= store.cache_bytes * 0.9 + 1
    assert store.usage() == sum(p.stat().st_size for p in store.root.iterdir())


async def test_eviction_takes_a_pictures_renditions_with_it(tmp_path: Path) -> None:
    store = MediaStore(tmp_path, cache_bytes=10**9)
    old = await store.put_image(encode(noise((1200, 900), seed=3), "JPEG"))
    for url, _ in store.renditions(old):
        age(store.root / url.removeprefix("/media/"), 5000)
    store.cache_bytes = 1  # anything new overflows it

    new = await store.put_image(encode(noise((1200, 900), seed=4), "JPEG"))

    names = {p.name for p in store.root.iterdir()}
    assert names == {url.removeprefix("/media/") for url, _ in store.renditions(new)}


async def test_serving_marks_a_picture_used_without_changing_its_modified_time(
    store: MediaStore,
) -> None:
    media = await store.put_image(encode(Image.new("RGB", (20, 20), RED), "PNG"))
    path = store.root / media.url.removeprefix("/media/")
    age(path, 5000)
    before = path.stat()

    store.path_for(path.name)

    after = path.stat()
    assert after.st_mtime_ns == before.st_mtime_ns
    assert after.st_atime > before.st_atime + 4000


async def test_a_temporary_file_left_by_a_crash_is_cleaned_up(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    stale = tmp_path / ".abc.tmp"
    stale.write_bytes(b"half a picture")
    age(stale, 7200)
    recent = tmp_path / ".def.tmp"
    recent.write_bytes(b"being written")

    await store.put_image(encode(Image.new("RGB", (20, 20), RED), "PNG"))

    assert not stale.exists() and recent.exists()


def test_by_default_a_core_is_left_to_the_event_loop(tmp_path: Path) -> None:
    from wall.media import default_workers

    store = MediaStore(tmp_path)

    assert store.workers == default_workers() == max(1, min(4, (os.cpu_count() or 1) - 1))


def test_the_decode_budget_comes_from_the_config(tmp_path):
    from wall.config import load_settings
    from wall.hub import Hub

    path = tmp_path / "murmur.toml"
    path.write_text("[media]\ndecode_mb = 64\n")
    hub = Hub(load_settings(path, data_dir=tmp_path / "d"))
    assert hub.media.decoder.budget.total == 64 * 1024 * 1024
