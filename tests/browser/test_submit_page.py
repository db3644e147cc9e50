"""The attendees' page in real Chromium: a phone posts a photo, a moderator approves it,
the wall shows it upright and clean, served by Murmur; every refusal is said clearly."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import playwright.sync_api as playwright_api
import pytest
from PIL import Image

from moderation import Status
from tests.chromium import PHONE, SCREEN, Tabs, launch
from tests.client import Client
from tests.live import LiveServer, test_event
from tests.uploads import phone_photo, png_bomb
from wall.settings import SubmissionSettings

expect = playwright_api.expect

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as browser:
        yield browser


@pytest.fixture
def tabs(browser: Any, live: LiveServer) -> Iterator[Tabs]:
    opened = Tabs(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


def file(name: str, data: bytes, mime: str = "image/jpeg") -> dict[str, Any]:
    return {"name": name, "mimeType": mime, "buffer": data}


def ready(tabs: Tabs, **kw: Any) -> Any:
    page = tabs.open("/submit/jpo", **kw)
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    return page


def test_a_phone_photo_reaches_the_wall_upright_and_clean_served_by_murmur(live, tabs):
    page = ready(tabs)
    expect(page.locator("#event-title")).to_have_text("Journées portes ouvertes")
    expect(page.locator("#hashtags")).to_have_text("#JPO2026")
    consent = page.locator("#consent")
    expect(consent).to_contain_text("After a moderator approves it")
    expect(consent).to_contain_text("kept until the end of the event")
    expect(consent).to_contain_text("Location and camera details are removed from photos")

    page.fill("#name", "Inès")
    page.fill("#text", "Vue depuis l’amphi A")
    expect(page.locator("#counter")).to_have_text("20 / 500")
    page.set_input_files("#photo", file("IMG_0001.jpg", phone_photo()))
    expect(page.locator("#preview")).to_be_visible()
    assert page.locator("#preview-img").get_attribute("src").startswith("blob:")
    expect(page.locator("#photo-button")).to_have_text("Change the photo")
    page.click("#send")

    expect(page.locator("#done-title")).to_have_text(
        "Thank you! Your post is waiting for a moderator."
    )
    expect(page.locator("#done-text")).to_have_text("It will appear on the wall once approved.")
    (post,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=10))[1]
    assert post.author.name == "Inès" and post.network == "submit"

    live.add_user("alice", PASSWORD)
    moderator = Client(live.url)
    moderator.login("alice", PASSWORD)
    assert moderator.post(f"/api/events/jpo/posts/{post.id}/approve").status == 200

    wall = tabs.open("/wall/jpo", viewport=SCREEN)
    img = wall.locator(f'article.card[data-id="{post.id}"] img').last
    expect(img).to_have_attribute("src", post.media[0].url)
    expect(wall.locator(f'article.card[data-id="{post.id}"]')).to_contain_text("Vue depuis")
    size = img.evaluate("el => el.decode().then(() => [el.naturalWidth, el.naturalHeight])")
    assert size == [300, 400]  # taken sideways, shown upright
    served = Client(live.url).get(post.media[0].url)
    image = Image.open(io.BytesIO(served.body))
    assert not image.getexif() and "exif" not in image.info  # no GPS on the screens


def test_the_page_speaks_french_and_checks_limits_before_sending(live, tabs):
    page = ready(tabs, locale="fr-FR")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("label[for=text]")).to_have_text("Votre message")
    expect(page.locator("#consent")).to_contain_text("conservé jusqu’à la fin de l’événement")

    page.click("#send")
    expect(page.locator("#error")).to_have_text(
        "Écrivez un message ou ajoutez une photo, puis envoyez."
    )
    page.fill("#text", "é" * 501)
    expect(page.locator("#counter")).to_have_attribute("data-over", "true")
    page.click("#send")
    expect(page.locator("#error")).to_contain_text("500 caractères au plus")
    assert live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=10))[1] == []


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (file("holiday.jpg", b"<html>Not a photo</html>"), "not a photo the wall accepts"),
        (file("bomb.png", png_bomb(30_000, 30_000), "image/png"), "too many pixels"),
    ],
    ids=["lying-type", "bomb"],
)
def test_a_refused_photo_says_why_and_what_to_do(live, tabs, upload, says):
    page = ready(tabs)
    page.fill("#text", "look")
    page.set_input_files("#photo", upload)
    expect(page.locator("#preview-note")).to_be_visible()  # the browser cannot show it
    page.click("#send")
    expect(page.locator("#error")).to_contain_text(says)
    expect(page.locator("#text")).to_have_value("look")  # nothing typed is lost


def test_a_device_over_its_limit_is_told_when_to_try_again(tmp_path, browser):
    event = msgspec.structs.replace(
        test_event(), submissions=SubmissionSettings(per_device_per_hour=1)
    )
    server = LiveServer(tmp_path / "data", events=[event]).start()
    tabs = Tabs(browser, server)
    try:
        page = ready(tabs)
        page.fill("#text", "first")
        page.click("#send")
        expect(page.locator("#done")).to_be_visible()
        page.click("#again")
        page.fill("#text", "second")
        page.click("#send")
        expect(page.locator("#error")).to_have_text(
            "You have sent the most posts allowed for now. Try again in 60 minutes."
        )
        tabs.close()
        assert tabs.problems == []
    finally:
        server.stop()


def test_a_closed_page_says_so(tmp_path, browser):
    event = msgspec.structs.replace(test_event(), submissions=SubmissionSettings(enabled=False))
    server = LiveServer(Path(tmp_path) / "data", events=[event]).start()
    tabs = Tabs(browser, server)
    try:
        page = tabs.open("/submit/jpo")
        expect(page.locator("#closed")).to_have_text(
            "This event does not take posts from this page."
        )
        expect(page.locator("#submit-form")).to_be_hidden()
        tabs.close()
        assert tabs.problems == []
    finally:
        server.stop()


def test_the_page_fits_a_phone_with_large_targets(live, tabs):
    page = ready(tabs, viewport={"width": 360, "height": 640})
    page.set_input_files("#photo", file("a.jpg", phone_photo()))
    expect(page.locator("#preview")).to_be_visible()
    heights = page.eval_on_selector_all(
        "button, input[type=text], textarea",
        "els => els.filter(e => e.offsetParent).map(e => e.offsetHeight)",
    )
    assert heights and min(heights) >= 48
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    font = page.locator("#text").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert font >= 16  # or the phone zooms in on focus
    assert PHONE["width"] >= 360


# ---------------------------------------------------------------- the post, followed


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_the_phone_sees_its_post_go_on_the_wall_and_get_an_answer(live, tabs, locale):
    french = locale == "fr-FR"
    page = ready(tabs, locale=locale)
    page.fill("#text", "Où se trouve l’amphi B ?")
    page.set_input_files("#photo", file("IMG_0002.jpg", phone_photo()))
    page.click("#send")
    item = page.locator("#mine-list .mine-item").first
    # What was sent, at once: the words and the photo, still on this phone.
    expect(item.locator(".sent-text")).to_have_text("Où se trouve l’amphi B ?")
    assert item.locator(".mine-photo").get_attribute("src").startswith("blob:")
    expect(item.locator(".mine-where")).to_have_text(
        "En attente de modération…" if french else "Waiting for a moderator…"
    )
    (post,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=10))[1]

    live.add_user("alice", PASSWORD)
    moderator = Client(live.url)
    assert moderator.login("alice", PASSWORD).status == 200
    assert moderator.post(f"/api/events/jpo/posts/{post.id}/approve").status == 200
    # No reload: the page asks while its post waits.
    expect(item.locator(".mine-where")).to_have_text(
        "Sur le mur en ce moment" if french else "On the wall now"
    )
    on_the_wall = (
        "Merci ! Votre message est sur le mur."
        if french
        else "Thank you! Your post is on the wall."
    )
    expect(page.locator("#done-title")).to_have_text(on_the_wall)
    answer = {"text": "Au bout du couloir, à gauche !", "replaces": None}
    reply = moderator.request("PUT", f"/api/events/jpo/posts/{post.id}/reply", answer)
    assert reply.status == 200
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # back on the page
    expect(item.locator(".mine-answer .reply-text")).to_have_text("Au bout du couloir, à gauche !")
    expect(item.locator(".mine-photo")).to_have_attribute("src", post.media[0].url)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-followed-{locale[:2]}.png"), full_page=True)

    # Taken down later: the phone says so too.
    assert moderator.post(f"/api/events/jpo/posts/{post.id}/remove").status == 200
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(item.locator(".mine-where")).to_have_text(
        "Retiré du mur" if french else "Taken off the wall"
    )
    expect(item.locator(".mine-answer")).to_have_count(0)


def test_a_declined_post_is_said_without_the_moderators_words(live, tabs):
    page = ready(tabs, locale="fr-FR")
    page.fill("#text", "Un message")
    page.click("#send")
    expect(page.locator("#mine-list .mine-item")).to_have_count(1)
    (post,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=10))[1]
    live.add_user("alice", PASSWORD)
    moderator = Client(live.url)
    assert moderator.login("alice", PASSWORD).status == 200
    reply = moderator.post(f"/api/events/jpo/posts/{post.id}/reject", {"reason": "hors sujet"})
    assert reply.status == 200
    item = page.locator("#mine-list .mine-item").first
    expect(item.locator(".mine-where")).to_have_text("Pas affiché à cet événement")
    expect(item.locator(".mine-note")).to_have_text(
        "Ce message ne peut pas être affiché à cet événement."
    )
    expect(page.locator("#done-title")).to_have_text("Votre message ne sera pas affiché.")
    assert "hors sujet" not in page.content() and "alice" not in page.content()
