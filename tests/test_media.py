"""The media store: hostile bytes in, clean WebP files out (DESIGN.md, promise 5)."""

from __future__ import annotations

import io
import random
import struct
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
