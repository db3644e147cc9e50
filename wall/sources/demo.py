"""The demo source: a living wall with no account anywhere (``murmur serve --demo``).

``make_post`` writes one realistic campus-event post from a seeded ``random.Random``, with
no I/O, so a seeded stream is reproducible and testable without an event loop. The
pictures it refers to (an avatar per author, a handful of captioned scenes) are drawn
with Pillow and put through the media store once, up front, by ``build_gallery``.
``DemoFeed`` is the source: it builds the gallery, then yields ``make_post`` results at
the configured rate, forever.
"""

from __future__ import annotations

import asyncio
import html
import io
import random
import secrets
import unicodedata
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import count
from typing import NamedTuple

import msgspec
from PIL import Image, ImageDraw, ImageFont

from moderation.post import Author, Media, Post
from wall.media import MediaStore
from wall.settings import DemoSource, EventSettings

Color = tuple[int, int, int]
LANGUAGES = ("fr", "en")


class Persona(NamedTuple):
    name: str
    handle: str
    color: Color


class Scene(NamedTuple):
    caption: str  # drawn on the picture
    colours: tuple[str, str]  # its colours in words, French and English, for the alt text
    top: Color
    bottom: Color
    portrait: bool = False

    def alt(self, lang: str) -> str:
        # The pictures are abstract: the alt text says what they show, not a made-up photo.
        if lang == "fr":
            return f"Illustration {self.colours[0]} légendée « {self.caption} »"
        return f"{self.colours[1]} illustration captioned “{self.caption}”"


PERSONAS: tuple[Persona, ...] = (
    Persona("Inès Moreau", "ines@campus.social", (214, 92, 92)),
    Persona("Jordan Lee", "jordan@campus.social", (66, 133, 196)),
    Persona("Chloé Nguyen", "chloe.nguyen@campus.social", (155, 89, 182)),
    Persona("Mehdi Benali", "mehdi@campus.social", (39, 174, 96)),
    Persona("Zoé Lefèvre", "zoe.lefevre@mastodon.example", (230, 126, 34)),
    Persona("Priya Raman", "priya@campus.social", (22, 160, 133)),
    Persona("Lucas Martin", "lucas_m@campus.social", (52, 73, 94)),
    Persona("Aïcha Diallo", "aicha@campus.social", (192, 57, 43)),
    Persona("Sam O'Connor", "sam.oc@social.example", (41, 128, 185)),
    Persona("Élodie Faure", "elodie@campus.social", (142, 68, 173)),
    Persona("Noah Kim", "noahk@campus.social", (211, 84, 0)),
    Persona("Yasmine El Amrani", "yasmine@campus.social", (26, 188, 156)),
    Persona("BU Campus", "bu@campus.social", (44, 62, 80)),
    Persona("BDE Sciences", "bde.sciences@campus.social", (243, 156, 18)),
)

SCENES: tuple[Scene, ...] = (
    Scene("Amphi A", ("orangée", "Orange"), (255, 183, 94), (237, 94, 104)),
    Scene("Library", ("bleu ciel", "Sky-blue"), (102, 166, 255), (137, 247, 254), portrait=True),
    Scene("Fablab", ("verte", "Green"), (67, 233, 123), (56, 249, 215)),
    Scene("Main Hall", ("rose et jaune", "Pink and yellow"), (250, 112, 154), (254, 225, 64)),
    Scene("Cafétéria", ("mauve", "Mauve"), (161, 140, 209), (251, 194, 235), portrait=True),
    Scene("Stage", ("turquoise et violette", "Teal and purple"), (48, 207, 208), (51, 8, 103)),
)

EMOJI = ("🎉", "📚", "☕", "🤖", "🔥", "✨", "👏", "🎶", "😍", "🙌", "💡", "🥐")

PLACES = {
    "fr": ("l'amphi A", "la BU", "le Fablab", "le hall", "la cafét'", "la salle 204"),
    "en": ("Amphi A", "the library", "the Fablab", "the main hall", "the cafeteria", "room 204"),
}

TEMPLATES = {
    "fr": (
        "Super ambiance dans {place} ce matin {e}",
        "Qui est aussi dans {place} ? On se retrouve à la pause {e}",
        "Première fois sur le campus et déjà conquise {e}",
        "Le stand robotique est incroyable, allez-y ! {e}",
        "Merci aux bénévoles, tout est super bien organisé {e}",
        "Conférence passionnante sur l'IA et l'éthique dans {place} {e}",
        "Rendez-vous à 14 h dans {place} pour la démo {e}",
        "Le café de {place} mérite une médaille {e}",
    ),
    "en": (
        "Great vibe in {place} this morning {e}",
        "Anyone else in {place}? Let's meet at the break {e}",
        "First time on campus and already hooked {e}",
        "The robotics booth is amazing, go see it! {e}",
        "Huge thanks to the volunteers, everything runs so smoothly {e}",
        "Fascinating talk on AI and ethics in {place} {e}",
        "Meet us at 2 pm in {place} for the demo {e}",
        "The coffee in {place} deserves a medal {e}",
    ),
}

LONG = {
    "fr": (
        "Bilan de la matinée : trois conférences, deux ateliers, un nombre déraisonnable de "
        "cafés et une discussion géniale avec l'équipe du Fablab sur l'impression 3D de "
        "prothèses. Si vous passez par {place} cet après-midi, prenez le temps de parler aux "
        "étudiants, ils sont passionnants {e}",
    ),
    "en": (
        "Morning recap: three talks, two workshops, an unreasonable amount of coffee and a "
        "brilliant chat with the Fablab team about 3D-printed prosthetics. If you're around "
        "{place} this afternoon, take the time to talk to the students running the booths, "
        "they are fantastic {e}",
    ),
}

BLOCKED = {
    "fr": ("Franchement, ce wifi… {word} ! {e}", "Gagnez un iPhone ici !!! {word} {word}"),
    "en": ("Honestly, this wifi… {word}! {e}", "Win a free iPhone here!!! {word} {word}"),
}

WARNINGS = {
    "fr": (
        "Spoiler du quiz de ce soir",
        "Araignée géante imprimée en 3D",
        "Lumières stroboscopiques",
    ),
    "en": ("Spoiler for tonight's quiz", "Giant 3D-printed spider", "Strobe lights"),
}

SENSITIVE = {
    "fr": "Faux sang et maquillage au stand du club théâtre {e}",
    "en": "Fake blood and make-up at the drama club's booth {e}",
}


@dataclass(frozen=True)
class Gallery:
    """The demo's stored pictures: avatars by handle, scenes by (index, language)."""

    avatars: Mapping[str, Media] = field(default_factory=dict)
    pictures: Mapping[tuple[int, str], Media] = field(default_factory=dict)


def make_post(
    rng: random.Random,
    n: int,
    event: EventSettings,
    *,
    run_id: str,
    images: float = 0.3,
    gallery: Gallery | None = None,
    now: datetime | None = None,
) -> Post:
    """The ``n``-th demo post of run ``run_id``, drawn from ``rng`` alone.

    About 1 in 12 posts contains one of the event's blocked words, 1 in 20 carries a
    content warning or is marked sensitive, 1 in 15 is long; ``images`` is the share
    with a picture (taken from ``gallery``; none when it has no such picture).
    """
    gallery = gallery or Gallery()
    persona = rng.choice(PERSONAS)
    lang = LANGUAGES[0] if rng.random() < 0.55 else LANGUAGES[1]
    values = {"place": rng.choice(PLACES[lang]), "e": rng.choice(EMOJI)}
    roll, warning, sensitive = rng.random(), "", False
    words = event.rules.blocked_words
    if roll < 1 / 12 and words:  # rules should reject it
        values["word"] = rng.choice(words)
        text = rng.choice(BLOCKED[lang])
    elif 1 / 12 <= roll < 1 / 12 + 1 / 20:  # rules should hold it for a human
        if rng.random() < 0.5:
            warning, text = rng.choice(WARNINGS[lang]), rng.choice(TEMPLATES[lang])
        else:
            sensitive, text = True, SENSITIVE[lang]
    elif roll < 1 / 12 + 1 / 20 + 1 / 15:
        text = rng.choice(LONG[lang])
    else:
        text = rng.choice(TEMPLATES[lang])
    text = text.format_map(values)

    tags = [tag.lstrip("#") for tag in event.hashtags]
    if tags:
        tags = rng.sample(tags, k=min(len(tags), 1 if rng.random() < 0.6 else 2))
        text = " ".join([text, *(f"#{tag}" for tag in tags)])

    wants_picture = rng.random() < images or sensitive
    picture = gallery.pictures.get((rng.randrange(len(SCENES)), lang))
    avatar = gallery.avatars.get(persona.handle)
    return Post(
        network="demo",
        network_id=f"{run_id}-{n}",
        author=Author(
            name=persona.name, handle=persona.handle, avatar_url=avatar.url if avatar else None
        ),
        text=text,
        html=f"<p>{html.escape(text)}</p>",
        created_at=now or datetime.now(UTC),
        url=None,
        media=(picture,) if picture and wants_picture else (),
        language=lang,
        content_warning=warning,
        sensitive=sensitive,
        hashtags=tuple(tags),
    )


@lru_cache(maxsize=8)
def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """A font at ``size``, and whether it has accented letters (Pillow's default lacks them)."""
    for name in ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf"):
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size=size), False


def _label(text: str, size: int) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    font, accents = _font(size)
    if not accents:
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return text, font


def render_avatar(persona: Persona, *, size: int = 256) -> bytes:
    """A PNG: the persona's colour in a circle with their initials."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, size - 1, size - 1), fill=persona.color)
    initials, font = _label("".join(w[0] for w in persona.name.split()[:2]), size * 2 // 5)
    draw.text((size / 2, size / 2), initials.upper(), fill="white", font=font, anchor="mm")
    return _png(image)


def render_picture(index: int) -> bytes:
    """A PNG of scene ``index``: a gradient, soft shapes and the scene's caption."""
    scene = SCENES[index]
    size = width, height = (853, 1280) if scene.portrait else (1280, 853)
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(
        Image.new("RGB", size, scene.bottom), Image.new("RGB", size, scene.top), mask
    )
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    local = random.Random(index)  # the same scene is the same picture on every run
    for _ in range(7):
        x, y, r = local.randrange(width), local.randrange(height), local.randrange(40, 220)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, local.randrange(25, 70)))
    for _ in range(4):
        x, y = local.randrange(width - 200), local.randrange(height - 200)
        w, h, a = local.randrange(80, 200), local.randrange(80, 200), local.randrange(20, 50)
        draw.rounded_rectangle((x, y, x + w, y + h), radius=18, fill=(255, 255, 255, a))
    caption, font = _label(scene.caption, height // 12)
    left, top, right, bottom = draw.textbbox((0, 0), caption, font=font)
    pad, x0, y1 = height // 40, height // 20, height - height // 20  # bottom-left corner
    x1, y0 = x0 + right - left + 2 * pad, y1 - (bottom - top) - 2 * pad
    draw.rounded_rectangle((x0, y0, x1, y1), radius=pad, fill=(0, 0, 0, 110))
    draw.text((x0 + pad - left, y0 + pad - top), caption, fill="white", font=font)
    image.paste(overlay, mask=overlay)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


async def build_gallery(media: MediaStore) -> Gallery:
    """Draw every avatar and scene and put each through ``media`` once."""

    async def avatar(persona: Persona) -> tuple[str, Media]:
        data = await asyncio.to_thread(render_avatar, persona)
        return persona.handle, await media.put_image(data, alt=persona.name)

    async def picture(index: int) -> list[tuple[tuple[int, str], Media]]:
        data = await asyncio.to_thread(render_picture, index)
        # One file per scene, stored once; each language gets its own alt text.
        stored = await media.put_image(data)
        return [
            ((index, lang), msgspec.structs.replace(stored, alt=SCENES[index].alt(lang)))
            for lang in LANGUAGES
        ]

    avatars = await asyncio.gather(*(avatar(p) for p in PERSONAS))
    pictures = await asyncio.gather(*(picture(i) for i in range(len(SCENES))))
    return Gallery(avatars=dict(avatars), pictures=dict(p for ps in pictures for p in ps))


class DemoFeed:
    """The demo source: generated posts at ``settings.rate`` per second, forever."""

    def __init__(self, settings: DemoSource, *, event: EventSettings, media: MediaStore) -> None:
        self.name = "demo"
        self._settings = settings
        self._event = event
        self._media = media
        self._gallery: Gallery | None = None

    async def posts(self) -> AsyncIterator[Post]:
        """Yield demo posts: the first at once, then one every ``1 / rate`` seconds."""
        if self._gallery is None:
            self._gallery = await build_gallery(self._media)
        settings, gallery = self._settings, self._gallery
        rng = random.Random(settings.seed)
        run_id = secrets.token_hex(4)  # network ids stay unique across runs and restarts
        for n in count():
            if n:
                await asyncio.sleep(1 / settings.rate)
            yield make_post(
                rng, n, self._event, run_id=run_id, images=settings.images, gallery=gallery
            )


__all__ = ["DemoFeed", "Gallery", "Persona", "Scene", "build_gallery", "make_post"]
