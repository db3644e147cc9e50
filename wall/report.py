"""The printable after-event report: one A4 page with the event's figures and a collage of
approved posts chosen by the organiser, drawn with Pillow, as PNG or PDF, in English or
French (docs/organisers.md).

Everything on the page comes from the store (the figures of ``wall.figures``, the posts and
the pictures Murmur keeps): nothing is fetched. Every drawn element is also recorded as a
``Drawn`` (what, where), so tests check the layout a person would see: nothing outside the
page, no two cards over each other, the chosen posts all there or said to be left out.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from wall.figures import Figures
from wall.report_words import bucket_words, day, network_name, span, word
from wall.views import PostView

DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 80
GAP = 28
INK = (28, 27, 38)
MUTED = (98, 96, 115)
ACCENT = (91, 75, 219)
PAPER = (255, 255, 255)
CARD = (246, 245, 251)
BARS = 48
_BUCKETS = (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
# Emoji and their joiners: the report's fonts have no colour glyphs, and a box in their
# place reads as a fault. Symbols the fonts do have (U+2600–U+27BF: ★ ✓ ☀) stay.
_NO_GLYPH = re.compile("[\U0001f000-\U0001faff\ufe0f\u200d\u20e3]+")

FONT_FILES = (
    ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    ("noto/NotoSans-Regular.ttf", "noto/NotoSans-Bold.ttf"),
    ("liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf"),
)
FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/local/share/fonts"))

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Drawn:
    kind: str  # "text", "card", "picture", "bar", "figure"
    box: tuple[int, int, int, int]  # left, top, right, bottom
    text: str = ""
    post: int | None = None


@dataclass
class Chosen:
    post: PostView
    # The picture Murmur keeps for it, if it has one it may show.
    picture: Path | None = None


@dataclass
class Report:
    title: str
    lang: str
    figures: Figures
    chosen: list[Chosen]
    # The event's local time: its window's offset when it has one, else UTC.
    zone: timedelta = timedelta(0)
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@cache
def _font_pair() -> tuple[Path, Path] | None:
    for regular, bold in FONT_FILES:
        for folder in FONT_DIRS:
            if (folder / regular).is_file() and (folder / bold).is_file():
                return folder / regular, folder / bold
    return None


@cache
def font(size: int, *, bold: bool = False) -> Font:
    """A sans-serif font from the system (DejaVu, Noto or Liberation), else Pillow's own."""
    pair = _font_pair()
    if pair is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(pair[1] if bold else pair[0]), size)


def clean(text: str) -> str:
    return _NO_GLYPH.sub("", text).strip()


def wrap(text: str, face: Font, width: int, max_lines: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``; the last ends with … when text is left."""
    lines: list[str] = []
    for paragraph in clean(text).splitlines() or [""]:
        line = ""
        for token in paragraph.split():
            candidate = f"{line} {token}".strip()
            if face.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while face.getlength(token) > width:  # a long link or word: cut it
                cut = len(token)
                while cut > 1 and face.getlength(token[:cut]) > width:
                    cut -= 1
                lines.append(token[:cut])
                token = token[cut:]
            line = token
        lines.append(line)
    lines = [line for line in lines if line] or [""]
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and face.getlength(last + " …") > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], f"{last.rstrip()} …"]
    return lines


class Page:
    """A page being drawn, with the record of what was put where."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", PAGE, PAPER)
        self.draw = ImageDraw.Draw(self.image)
        self.drawn: list[Drawn] = []

    def text(
        self, xy: tuple[int, int], text: str, face: Font, fill: tuple[int, int, int] = INK
    ) -> int:
        """Draw one line; the y below it."""
        left, top, right, bottom = self.draw.textbbox(xy, text, font=face)
        self.draw.text(xy, text, font=face, fill=fill)
        self.drawn.append(Drawn("text", (int(left), int(top), int(right), int(bottom)), text))
        size = face.size if isinstance(face, ImageFont.FreeTypeFont) else 12
        return xy[1] + int(size * 1.3)

    def lines(
        self, xy: tuple[int, int], lines: list[str], face: Font, fill: tuple[int, int, int] = INK
    ) -> int:
        x, y = xy
        for line in lines:
            y = self.text((x, y), line, face, fill)
        return y


def _figures_row(page: Page, report: Report, y: int) -> int:
    found, lang = report.figures, report.lang
    wait = found.wait_median_seconds
    numbers = [
        ("posts", str(found.posts), ""),
        ("approved", str(by_status(found, "approved")), ""),
        ("answered", str(found.answered), ""),
        ("wait", "—" if wait is None else word(lang, "seconds", count=round(wait)), ""),
        ("screens", str(found.screens_peak), ""),
    ]
    if found.approval_rate is not None:
        percent = "\u00a0%" if lang == "fr" else "%"
        rate = word(lang, "rate", rate=f"{round(found.approval_rate * 100)}{percent}")
        numbers[1] = (*numbers[1][:2], rate)
    width = (PAGE[0] - 2 * MARGIN) // len(numbers)
    bottom = y
    for index, (key, value, below) in enumerate(numbers):
        x = MARGIN + index * width
        top = page.lines((x, y), wrap(word(lang, key), font(20), width - 16, 2), font(20), MUTED)
        top = max(top, y + 26)
        top = page.text((x, top + 4), value, font(38, bold=True)) + 4
        if below:
            top = page.text((x, top), below, font(18), MUTED)
        page.drawn.append(Drawn("figure", (x, y, x + width - 16, top), key))
        bottom = max(bottom, top)
    return bottom + 20


def by_status(found: Figures, status: str) -> int:
    return found.by_status.get(status, 0)


def _chart(page: Page, report: Report, y: int) -> int:
    """Posts over the event's span in at most ``BARS`` bars, and the share of each network."""
    lang, found = report.lang, report.figures
    per_minute: Counter[datetime] = Counter()
    for row in found.per_minute:
        per_minute[datetime.fromisoformat(f"{row.minute}:00+00:00")] += row.posts
    if not per_minute:
        return y
    first, last = min(per_minute), max(per_minute)
    total = int((last - first).total_seconds() // 60) + 1
    bucket = next((b for b in _BUCKETS if total / b <= BARS), _BUCKETS[-1])
    counts: Counter[int] = Counter()
    for minute, posts in per_minute.items():
        counts[int((minute - first).total_seconds() // 60) // bucket] += posts
    bars = max(counts) + 1
    page.text((MARGIN, y), word(lang, "over_time", bucket=bucket_words(lang, bucket)), font(22))
    top, height, width = y + 40, 110, PAGE[0] - 2 * MARGIN
    step, peak = width / max(bars, 12), max(counts.values())
    for index in range(bars):
        value = counts.get(index, 0)
        if not value:
            continue
        h = max(3, round(value / peak * height))
        box = (
            MARGIN + round(index * step) + 2,
            top + height - h,
            MARGIN + round((index + 1) * step) - 2,
            top + height,
        )
        page.draw.rounded_rectangle(box, radius=3, fill=ACCENT)
        page.drawn.append(Drawn("bar", box, str(value)))
    page.draw.line((MARGIN, top + height, PAGE[0] - MARGIN, top + height), fill=MUTED, width=1)
    local = report.zone
    start = first + local
    end = last + timedelta(minutes=bucket) + local
    axis = top + height + 8
    page.text((MARGIN, axis), span(lang, start, end), font(18), MUTED)
    shares = ", ".join(
        f"{network_name(lang, network)} {count}"
        for network, count in sorted(found.by_network.items(), key=lambda kv: -kv[1])
    )
    colon = "\u00a0: " if lang == "fr" else ": "
    page.text((MARGIN, axis + 30), f"{word(lang, 'networks')}{colon}{shares}", font(18), MUTED)
    return axis + 80


COLUMNS = 2
CARD_PAD = 24
PICTURE_MAX = 320
# A picture smaller than this says nothing: the card is left out rather than shown so.
PICTURE_MIN = 140
BOTTOM = PAGE[1] - MARGIN - 40  # the footer's line


@dataclass
class CardLayout:
    """What one card holds, top to bottom, wrapped to its width, and its height."""

    name: list[str]
    source: list[str]
    text: list[str]
    picture_height: int
    answer: list[str]
    height: int


def _layout(chosen: Chosen, lang: str, width: int, picture_max: int = PICTURE_MAX) -> CardLayout:
    post, inner = chosen.post, width - 2 * CARD_PAD
    handle = f"@{post.author.handle}" if post.network not in ("attendee", "rss") else ""
    source = " · ".join(x for x in (network_name(lang, post.network), handle) if x)
    text = wrap(post.text, font(22), inner, 9)
    height = CARD_PAD + 34 + 30 + len(text) * 29 + 8
    picture_height = 0
    if chosen.picture is not None:
        with Image.open(chosen.picture) as picture:
            ratio = picture.height / max(1, picture.width)
        picture_height = min(picture_max, round(inner * ratio))
        height += picture_height + 14
    answer: list[str] = []
    if post.reply is not None:
        answer = wrap(post.reply.text, font(21), inner - 20, 6)
        height += 30 + len(answer) * 28 + 22
    return CardLayout(
        name=wrap(post.author.name or post.author.handle, font(24, bold=True), inner, 1),
        source=wrap(source, font(18), inner, 1),
        text=text,
        picture_height=picture_height,
        answer=answer,
        height=height + CARD_PAD - 8,
    )


def _card(page: Page, chosen: Chosen, layout: CardLayout, lang: str, x: int, top: int) -> None:
    width = (PAGE[0] - 2 * MARGIN - GAP * (COLUMNS - 1)) // COLUMNS
    box = (x, top, x + width, top + layout.height)
    page.draw.rounded_rectangle(box, radius=18, fill=CARD)
    page.drawn.append(Drawn("card", box, post=chosen.post.id))
    x, y = x + CARD_PAD, top + CARD_PAD
    inner = width - 2 * CARD_PAD
    y = page.lines((x, y), layout.name, font(24, bold=True)) + 4
    y = page.lines((x, y), layout.source, font(18), MUTED) + 4
    y = page.lines((x, y), layout.text, font(22)) + 8
    if layout.picture_height:
        y = _picture(page, chosen, (x, y, x + inner, y + layout.picture_height)) + 14
    if layout.answer:
        bar_top = y
        y = page.text((x + 20, y), word(lang, "answer"), font(19, bold=True), ACCENT)
        y = page.lines((x + 20, y), layout.answer, font(21))
        page.draw.rectangle((x, bar_top, x + 5, y - 6), fill=ACCENT)


def _picture(page: Page, chosen: Chosen, box: tuple[int, int, int, int]) -> int:
    """The picture whole (never cropped), centred in ``box``; the y below the box."""
    assert chosen.picture is not None
    left, top, right, bottom = box
    with Image.open(chosen.picture) as opened:
        picture = opened.convert("RGB")
    picture.thumbnail((right - left, bottom - top), Image.Resampling.LANCZOS)
    x = left + (right - left - picture.width) // 2
    page.image.paste(picture, (x, top))
    placed = (x, top, x + picture.width, top + picture.height)
    page.drawn.append(Drawn("picture", placed, post=chosen.post.id))
    return bottom


def _collage(page: Page, report: Report, y: int) -> None:
    """The chosen posts in two columns, each card going to the shorter one."""
    lang = report.lang
    y = page.text((MARGIN, y), word(lang, "chosen"), font(28, bold=True)) + 10
    if not report.chosen:
        page.text((MARGIN, y), word(lang, "none_chosen"), font(22), MUTED)
        return
    width = (PAGE[0] - 2 * MARGIN - GAP * (COLUMNS - 1)) // COLUMNS
    tops = [y] * COLUMNS
    limit = BOTTOM - 40
    left_out = 0
    for chosen in report.chosen:
        column = min(range(COLUMNS), key=lambda c: tops[c])
        layout = _layout(chosen, lang, width)
        if tops[column] + layout.height > limit and layout.picture_height:
            # Smaller, the picture may let the card in: it stays whole, only smaller.
            room = limit - tops[column] - (layout.height - layout.picture_height)
            if room >= PICTURE_MIN:
                layout = _layout(chosen, lang, width, room)
        if tops[column] + layout.height > limit:
            left_out += 1
            continue
        _card(page, chosen, layout, lang, MARGIN + column * (width + GAP), tops[column])
        tops[column] += layout.height + GAP
    if left_out:
        key = "left_out_one" if left_out == 1 else "left_out"
        page.text((MARGIN, BOTTOM - 34), word(lang, key, count=left_out), font(18), MUTED)


def render(report: Report) -> Page:
    """Draw the report's page."""
    page = Page()
    lang = report.lang
    y = page.text((MARGIN, MARGIN), word(lang, "title").upper(), font(20, bold=True), ACCENT)
    for line in wrap(report.title, font(48, bold=True), PAGE[0] - 2 * MARGIN, 2):
        y = page.text((MARGIN, y + 4), line, font(48, bold=True))
    y = _figures_row(page, report, y + 36)
    y = _chart(page, report, y + 10)
    _collage(page, report, y + 20)
    made = word(lang, "made", date=day(lang, report.made_at + report.zone))
    page.draw.line((MARGIN, BOTTOM, PAGE[0] - MARGIN, BOTTOM), fill=CARD, width=2)
    page.text((MARGIN, BOTTOM + 12), made, font(16), MUTED)
    return page


def encode(page: Page, kind: str) -> bytes:
    """The page as ``png`` or ``pdf`` (one page, A4, 150 dpi)."""
    out = io.BytesIO()
    if kind == "pdf":
        page.image.save(out, "PDF", resolution=DPI, title="Murmur")
    else:
        page.image.save(out, "PNG", optimize=True, dpi=(DPI, DPI))
    return out.getvalue()


__all__ = ["PAGE", "Chosen", "Drawn", "Page", "Report", "encode", "render", "wrap"]
