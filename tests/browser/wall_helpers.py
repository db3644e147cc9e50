"""What the wall tests share: a live server with screens, posts of every shape, figures
measured in the page (coverage, columns, overflow)."""

from __future__ import annotations

import io
from typing import Any

import playwright.sync_api as playwright_api
from PIL import Image

from moderation import Media
from tests.chromium import Tabs
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer

expect = playwright_api.expect

PASSWORD = "correct horse battery"
SIZES = {
    "1080p": {"width": 1920, "height": 1080},
    "4k": {"width": 3840, "height": 2160},
    "portrait": {"width": 1080, "height": 1920},
}
# Posts of the lengths a real event gets: a cry, a sentence, a paragraph.
TEXTS = [
    "Bravo ! #JPO2026",
    "Le hall B est plein, venez tôt pour la démo de robotique #JPO2026",
    "Short!",
    "La bibliothèque universitaire est ouverte jusqu’à 22 h ce soir pendant les journées "
    "portes ouvertes : venez découvrir les nouvelles salles de travail en groupe au deuxième "
    "étage, et le fablab au sous-sol. #JPO2026",
    "Merci pour l’accueil, super journée 🎉",
    "Qui vient à la conférence de 14 h sur le climat ? #JPO2026 #climat",
    "Première fois sur le campus, tout le monde est très sympa",
    "Le stand de chimie fait des glaces à l’azote liquide 🧪 " * 3,
    "#JPO2026",
    "Les étudiants de master présentent leurs projets dans l’amphi C jusqu’à 17 h, "
    "avec une séance de questions à la fin. #JPO2026",
    "On cherche la cafétéria, quelqu’un sait ?",
    "Superbe visite des labos, merci aux doctorants pour leurs explications !",
]


def calm(olga: Client, slug: str, **changes: Any) -> None:
    """A display with no surprises: no quiet moments, no announcements, unless asked."""
    base = {
        "theme": "dark",
        "layout": "grid",
        "show_qr": True,
        "quiet_seconds": 3600,
        "announcements": [],
    }
    reply = olga.request("PUT", f"/api/events/{slug}/display", {**base, **changes})
    assert reply.status == 200, reply.body


def approved(server: LiveServer, bob: Client, slug: str, text: str, **kw: Any) -> int:
    post_id = server.ingest(slug, make_post(text, **kw))
    assert bob.post(f"/api/events/{slug}/posts/{post_id}/approve").status == 200
    return post_id


def photo(server: LiveServer, width: int, height: int, alt: str = "") -> Media:
    png = io.BytesIO()
    Image.radial_gradient("L").resize((width, height)).convert("RGB").save(png, "PNG")
    media: Media = server.call(lambda: server.hub.media.put_image(png.getvalue(), alt=alt))
    return media


def open_wall(tabs: Tabs, path: str, viewport: dict[str, int], **kw: Any) -> Any:
    page = tabs.open(path, viewport=viewport, **kw)
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    return page


def settle(page: Any) -> None:
    """Fonts and pictures in, and the slides over (a card's place is where it ends up)."""
    page.evaluate("document.fonts.ready.then(() => true)")
    page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => 0)))")
    page.wait_for_timeout(1_200)


# The share of the grid's content area (inside its padding) covered by shown cards.
COVERAGE = """() => {
    const posts = document.getElementById("posts");
    const s = getComputedStyle(posts);
    const r = posts.getBoundingClientRect();
    const area = {
        left: r.left + parseFloat(s.paddingLeft), right: r.right - parseFloat(s.paddingRight),
        top: r.top + parseFloat(s.paddingTop), bottom: r.bottom - parseFloat(s.paddingBottom),
    };
    let covered = 0;
    for (const card of posts.querySelectorAll(":scope > article.card")) {
        if (getComputedStyle(card).visibility === "hidden") continue;
        const c = card.getBoundingClientRect();
        const w = Math.min(c.right, area.right) - Math.max(c.left, area.left);
        const h = Math.min(c.bottom, area.bottom) - Math.max(c.top, area.top);
        if (w > 0 && h > 0) covered += w * h;
    }
    return covered / ((area.right - area.left) * (area.bottom - area.top));
}"""

# Every ~100 ms: how many of the grid's columns show no readable card (geometry, not the
# module's own bookkeeping: a card counts in the track its centre falls in).
START_SAMPLING = """() => {
    window.__samples = [];
    window.__sampler = setInterval(() => {
        const posts = document.getElementById("posts");
        const s = getComputedStyle(posts);
        const tracks = s.gridTemplateColumns.split(" ").map(parseFloat).filter((w) => w > 0);
        const r = posts.getBoundingClientRect();
        const left = r.left + parseFloat(s.paddingLeft);
        const gap = parseFloat(s.columnGap) || 0;
        const seen = new Array(tracks.length).fill(false);
        for (const card of posts.querySelectorAll(":scope > article.card")) {
            const cs = getComputedStyle(card);
            if (cs.visibility === "hidden" || parseFloat(cs.opacity) < 0.3) continue;
            const c = card.getBoundingClientRect();
            if (c.top >= r.bottom || c.bottom <= r.top) continue;
            const column = Math.floor((c.left + c.width / 2 - left) / (tracks[0] + gap));
            if (column >= 0 && column < seen.length) seen[column] = true;
        }
        window.__samples.push(seen.filter((v) => !v).length);
    }, 100);
}"""

STOP_SAMPLING = "() => { clearInterval(window.__sampler); return window.__samples; }"

# Elements whose text does not fit their box (scrollHeight above clientHeight).
OVERFLOWING = """(card) => [card, ...card.querySelectorAll("*")]
    .filter((e) => e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflow !== "visible"
        || e.scrollWidth > e.clientWidth + 1 && e.matches(".card-text, .card-reply-text"))
    .map((e) => `${e.className}: ${e.scrollHeight} > ${e.clientHeight}`)"""
