"""Issue 12's "done when", tried as a new organiser would, with only a browser and an
organiser account (French, 1440×900), a moderator on an English tablet and an attendee on a
phone: create an event with two hashtags, a Mastodon and a Bluesky source (fakes of both
networks on 127.0.0.1), pre-moderation and a theme; invite the moderator by QR code; watch
the figures move as posts come in and are decided; then export, print the report, erase
one attendee's post (gone from the open wall without a reload) and set the retention."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import playwright.sync_api as playwright_api
import pytest
from PIL import Image

from tests.browser.test_pages import PASSWORD, TABLET, Pages
from tests.chromium import SCREEN, launch
from tests.fakes.jetstream import FakeJetstream, did, post_record
from tests.fakes.mastodon import FakeMastodon
from tests.live import LiveServer, test_event
from wall.settings import ServerSettings

expect = playwright_api.expect

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "a tablet at the front desk"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
T = TypeVar("T")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    # The networks are fakes on this machine: the fetch guard lets Murmur reach them.
    server = LiveServer(
        tmp_path / "data",
        events=[test_event("demo-day")],
        server=ServerSettings(fetch_allow=["127.0.0.0/8"]),
    ).start()
    server.add_user("olga", PASSWORD, "organiser")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


def on_loop(live: LiveServer, fn: Callable[[], T]) -> T:
    """Run ``fn`` on the server's event loop (the fakes live there)."""

    async def run() -> T:
        return fn()

    return live.call(run)


def started(live: LiveServer, opening: Callable[[], Awaitable[T]]) -> T:
    return live.call(opening)


def shot(page: Any, name: str, **kw: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"walkthrough-{name}.png"), **kw)


def number(admin: Any, key: str) -> Any:
    return admin.locator(f'#figures-numbers .figures-number:has(dt:text-is("{key}")) dd')


def test_a_new_organiser_runs_an_event_from_the_browser_alone(pages, live):
    mastodon = started(live, lambda: FakeMastodon().start())
    jetstream = started(live, lambda: FakeJetstream().__aenter__())
    try:
        walk(pages, live, mastodon, jetstream)
    finally:
        live.call(mastodon.close)
        live.call(lambda: jetstream.__aexit__(None, None, None))


def walk(pages: Pages, live: LiveServer, mastodon: FakeMastodon, jetstream: Any) -> None:
    # 1. The event: created on /admin, then set up on its settings page.
    events = pages.open("/admin", login="olga", viewport=DESKTOP, locale="fr-FR")
    events.fill("#new-slug", "jpo")
    events.fill("#new-title", "Journée portes ouvertes")
    events.fill("#new-hashtags", "#JPO2026 #Campus")
    events.click("#create button[type=submit]")
    expect(events.locator("#create-status")).to_have_text("Créé\u00a0: Journée portes ouvertes.")
    expect(events.locator('tr[data-slug="jpo"] .state')).to_have_text("En cours")

    settings = pages.open("/admin/jpo/event", login="olga", viewport=DESKTOP, locale="fr-FR")
    expect(settings.locator("body")).to_have_attribute("data-state", "ready")
    settings.locator('.field[data-path="moderation"] [data-kind]').select_option("pre")
    add = settings.locator(".sources-editor button.btn:not(.btn--danger-outline)")
    for kind, where in (("mastodon", mastodon.url), ("bluesky", jetstream.url)):
        add.click()
        row = settings.locator(".source-row").last
        row.locator('select[name="type"]').select_option(kind)
        row.locator('input[name="where"]').fill(where)
    settings.click("#save")
    expect(settings.locator("#save-status")).to_contain_text("Enregistré")
    event = live.hub.events["jpo"]
    assert event.hashtags == ["JPO2026", "Campus"] and event.moderation == "pre"
    assert [type(s).__name__ for s in event.sources] == ["MastodonSource", "BlueskySource"]
    shot(settings, "1-settings", full_page=True)

    admin = pages.open("/admin/jpo", login="olga", viewport=DESKTOP, locale="fr-FR")
    admin.select_option("#theme", "high-contrast")
    admin.click("#save")
    expect(admin.locator("#save-status")).to_contain_text("écran")
    wall = pages.open("/wall/jpo", viewport=SCREEN, locale="fr-FR")
    expect(wall.locator("body")).to_have_attribute("data-theme", "high-contrast")
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")

    # 2. A moderator, invited by QR code, joins from a tablet.
    people = admin.locator(".panel--people")
    people.locator("#invite-role").select_option("moderator")
    people.locator('#invite-events input[value="jpo"]').check()
    people.locator("#invite-create").click()
    expect(people.locator("#invite-qr")).to_be_visible()
    link = people.locator("#invite-link").get_attribute("href")
    assert link is not None
    tablet = pages.open(urlsplit(link).path, viewport=TABLET, locale="en-GB", has_touch=True)
    tablet.locator("#username").fill("camille")
    tablet.locator("#password").fill(NEW_PASSWORD)
    tablet.locator("#again").fill(NEW_PASSWORD)
    tablet.locator("#submit").tap()
    expect(tablet).to_have_url(f"{live.url}/moderate/jpo")
    expect(tablet.locator("body")).to_have_attribute("data-connection", "online")

    # 3. Posts come in from both networks and from an attendee's phone.
    on_loop(live, lambda: mastodon.publish(text="Bravo aux étudiants", tags=["JPO2026"]))
    on_loop(live, lambda: mastodon.publish(text="Quelle arnaque", tags=["JPO2026"]))
    author = did()
    on_loop(live, lambda: jetstream.post(author, post_record("Le campus est beau #Campus")))
    phone = pages.open("/submit/jpo", viewport=PHONE, locale="fr-FR", has_touch=True)
    phone.fill("#name", "Inès")
    phone.fill("#text", "Un message de mon téléphone")
    phone.click("#send")
    expect(phone.locator("#done-title")).to_contain_text("Merci")

    queue = tablet.locator("article.card")
    expect(queue).to_have_count(4, timeout=30_000)  # the Mastodon fake is polled
    for text in ("Bravo aux étudiants", "Le campus est beau", "Un message de mon téléphone"):
        card = tablet.locator("article.card", has_text=text)
        card.locator("button[data-action=approve]").tap()
        expect(wall.locator("article.card", has_text=text)).to_be_visible()
    tablet.locator("article.card", has_text="Quelle arnaque").locator(
        "button[data-action=reject]"
    ).tap()
    expect(tablet.locator("#queue article.card")).to_have_count(0)
    shot(wall, "2-wall")

    # 4. The figures moved.
    admin.reload()
    expect(number(admin, "Messages")).to_have_text("4")
    expect(number(admin, "En attente")).to_have_text("0")
    expect(number(admin, "Approuvés")).to_have_text("75\u00a0%")
    admin.locator(".panel--figures").scroll_into_view_if_needed()
    shot(admin, "3-figures")

    # 5. After the event: export, report, erase the attendee, set the retention.
    with admin.expect_download() as download:
        admin.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted(r["status"] for r in rows) == ["approved"] * 3 + ["rejected"]
    with admin.expect_download() as download:
        admin.click("#report-png")
    report = Image.open(Path(download.value.path()))
    assert report.size == (1240, 1754)
    report.save(ARTIFACTS / "walkthrough-4-report.png")

    mine = wall.locator("article.card", has_text="Un message de mon téléphone")
    post_id = mine.get_attribute("data-id")
    assert post_id is not None and re.fullmatch(r"\d+", post_id)
    admin.fill("#privacy-post", post_id)
    admin.on("dialog", lambda dialog: dialog.accept())
    with admin.expect_download():
        admin.click("#privacy-erase")
    expect(admin.locator("#privacy-status")).to_contain_text("Effacé\u00a0: 1 message")
    expect(mine).to_have_count(0)  # gone from the open wall, no reload
    expect(wall.locator("article.card", has_text="Le campus est beau")).to_be_visible()
    admin.fill("#retention_days", "30")
    admin.click("#retention-save")
    expect(admin.locator("#privacy-status")).to_contain_text("30 jours")
    assert live.hub.events["jpo"].privacy.retention_days == 30
    shot(admin, "5-privacy")
