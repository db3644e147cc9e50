"""The after-event report from the organiser page, in Chromium: the approved posts listed with
the server's default choice ticked, a changed choice and language carried to the download,
and the downloaded page an A4 PNG (or PDF) of exactly the chosen posts; French and English."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest
from PIL import Image

from tests.browser.test_pages import PASSWORD, TABLET, Pages
from tests.chromium import launch
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer

expect = playwright_api.expect

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    live.add_user("olga", PASSWORD, "organiser")
    live.add_user("bob", PASSWORD, "moderator")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


def approved(live: LiveServer, count: int) -> list[int]:
    bob = Client(live.url)
    assert bob.login("bob", PASSWORD).status == 200
    ids = []
    for n in range(count):
        post_id = live.ingest(
            "jpo", make_post(f"Message numéro {n} #JPO2026", name=f"Personne {n}")
        )
        assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
        ids.append(post_id)
    # The oldest one pinned, the second answered: they come first in the default choice.
    assert bob.post(f"/api/events/jpo/posts/{ids[0]}/pin").status == 200
    answer = {"text": "Merci, à bientôt !", "replaces": None}
    assert bob.request("PUT", f"/api/events/jpo/posts/{ids[1]}/reply", answer).status == 200
    return ids


@pytest.mark.parametrize(
    ("locale", "viewport", "lang"), [("fr-FR", DESKTOP, "fr"), ("en-GB", TABLET, "en")]
)
def test_the_report_downloads_the_chosen_posts_in_the_chosen_language(
    pages, live, locale, viewport, lang
):
    ids = approved(live, 9)
    page = pages.open("/admin/jpo", login="olga", viewport=viewport, locale=locale)
    boxes = page.locator("#report-posts input[type=checkbox]")
    expect(boxes).to_have_count(9)
    ticked = page.locator("#report-posts input:checked")
    # The server's default: pinned, answered, then the newest, six in all.
    expect(ticked).to_have_count(6)
    assert {int(v) for v in ticked.evaluate_all("els => els.map(e => e.value)")} == {
        ids[0], ids[1], ids[8], ids[7], ids[6], ids[5]
    }  # fmt: skip
    first = [ids[0], ids[1], ids[8], ids[7], ids[6], ids[5]]
    assert f"posts={'%2C'.join(map(str, first))}" in page.locator("#report-png").get_attribute(
        "href"
    )
    expect(page.locator("#report-lang")).to_have_value(lang)
    with page.expect_download() as download:
        page.click("#report-png")
    default = Path(download.value.path()).read_bytes()
    assert Image.open(io.BytesIO(default)).size == (1240, 1754)
    assert download.value.suggested_filename == f"murmur-jpo-report-{lang}.png"
    # Up to eight: the ninth box cannot be ticked.
    for post_id in (ids[2], ids[3]):
        page.check(f"#report-post-{post_id}")
    expect(page.locator("#report-posts input:disabled")).to_have_count(1)
    page.uncheck(f"#report-post-{ids[0]}")
    expect(page.locator("#report-posts input:disabled")).to_have_count(0)
    other = "en" if lang == "fr" else "fr"
    page.select_option("#report-lang", other)
    href = page.locator("#report-pdf").get_attribute("href")
    assert f"lang={other}" in href and "format=pdf" in href
    chosen = [ids[1], ids[8], ids[7], ids[6], ids[5], ids[2], ids[3]]
    assert f"posts={'%2C'.join(map(str, chosen))}" in href
    with page.expect_download() as download:
        page.click("#report-pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    # The page holds exactly the posts ticked, as the server draws them for that choice.
    olga = Client(live.url)
    assert olga.login("olga", PASSWORD).status == 200
    png = page.locator("#report-png").get_attribute("href")
    with page.expect_download() as download:
        page.click("#report-png")
    assert Path(download.value.path()).read_bytes() == olga.get(png).body
    page.locator(".report").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".report").screenshot(path=str(ARTIFACTS / f"admin-report-{lang}.png"))
