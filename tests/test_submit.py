"""The attendees' endpoint on a real port: posts enter moderation; every refusal says why."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import segno
from PIL import Image

from moderation import Status
from tests.client import Client
from tests.live import LiveServer, test_event
from tests.uploads import Attendee, encode, multipart, noise, phone_photo
from wall.settings import ServerSettings, SubmissionSettings

Serve = Callable[..., LiveServer]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """Start a server whose ``jpo`` event has the given submissions settings and rules."""
    servers: list[LiveServer] = []

    def start(
        *, moderation: str = "pre", server: ServerSettings | None = None, **options: Any
    ) -> LiveServer:
        rules = {k: options.pop(k) for k in ("blocked_words",) if k in options}
        language = options.pop("language", None)
        event = msgspec.structs.replace(
            test_event(moderation=moderation, **rules),
            submissions=SubmissionSettings(**options),
            language=language,
        )
        live = LiveServer(tmp_path / f"data{len(servers)}", events=[event], server=server)
        servers.append(live.start())
        return live

    yield start
    for live in servers:
        live.stop()


@pytest.fixture
def phone(live: LiveServer) -> Attendee:
    attendee = Attendee(live.url)
    assert attendee.open_page().status == 200
    return attendee


def pending(live: LiveServer) -> list[Any]:
    return live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=100))[1]


# ---------------------------------------------------------------- the page and its cookie


def test_the_page_gives_an_httponly_strict_device_cookie_once(live):
    attendee = Attendee(live.url)
    reply = attendee.open_page()
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    cookie = reply.headers["Set-Cookie"].lower()
    assert cookie.startswith("murmur_device=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
    assert attendee.open_page().headers.get("Set-Cookie") is None  # kept, not replaced


def test_an_unknown_event_has_no_page(live):
    assert Client(live.url).get("/submit/nope").status == 404
    reply = Client(live.url).get("/api/events/nope/submissions")
    assert reply.status == 404 and reply.json()["code"] == "unknown_event"


def test_the_form_settings_give_limits_and_the_consent_lines_parts(serve):
    live = serve(max_text=280, max_photo_mb=5, retention_en="for 30 days", retention_fr="30 jours")
    body = Client(live.url).get("/api/events/jpo/submissions").json()
    assert body["enabled"] is True and body["moderation"] == "pre"
    assert (body["max_text"], body["max_name"], body["max_photo_bytes"]) == (280, 60, 5 << 20)
    assert body["retention"] == {"en": "for 30 days", "fr": "30 jours"}
    assert body["title"] == "Journées portes ouvertes" and body["hashtags"] == ["JPO2026"]
    assert body["url"] == f"{live.url}/submit/jpo"  # what the QR code says


# ---------------------------------------------------------------- into moderation


def test_a_post_with_a_photo_waits_for_a_moderator_cleaned_and_upright(live, phone):
    reply = phone.send("Bonjour de l’amphi #Physique", name="Inès", photo=phone_photo())

    assert reply.status == 201 and reply.json() == {"status": "pending", "id": 1}
    (post,) = pending(live)
    # The id: 16 hex digits of the phone's hash, a dash, 16 random hex digits.
    assert post.network == "submit" and re.fullmatch(r"[0-9a-f]{16}-[0-9a-f]{16}", post.network_id)
    assert post.author.name == "Inès" and len(post.author.handle) == 8
    assert post.text == "Bonjour de l’amphi #Physique"
    assert set(post.hashtags) == {"Physique", "JPO2026"}  # its own, and the event's
    (media,) = post.media
    assert media.url.startswith("/media/") and (media.width, media.height) == (300, 400)
    assert Client(live.url).get(media.url).status == 404  # not shown yet: moderators only
    live.add_user("mo", "correct horse battery")
    moderator = Client(live.url)
    assert moderator.login("mo", "correct horse battery").status == 200
    served = moderator.get(media.url)
    assert served.status == 200 and served.headers["Content-Type"] == "image/webp"
    image = Image.open(io.BytesIO(served.body))
    assert image.size == (300, 400)  # the sideways photo is upright
    assert not image.getexif() and "exif" not in image.info  # no GPS, no camera serial


def test_in_post_moderation_an_attendees_post_is_shown_at_once(serve):
    live = serve(moderation="post")
    phone = Attendee(live.url)
    phone.open_page()
    reply = phone.send("Direct!")
    assert reply.status == 201 and reply.json() == {"status": "approved", "id": 1}


def test_a_post_the_rules_reject_says_so_and_why(serve):
    live = serve(blocked_words=["arnaque"])
    phone = Attendee(live.url)
    phone.open_page()
    reply = phone.send("Une arnaque !")
    assert reply.status == 201
    body = reply.json()
    assert body["status"] == "rejected" and "arnaque" in body["reason"]


def test_without_a_name_the_author_is_anonymous_in_the_events_language(serve):
    live = serve(language="fr")
    phone = Attendee(live.url)
    phone.open_page()
    assert phone.send("Salut").status == 201
    assert pending(live)[0].author.name == "Anonyme"


def test_one_device_keeps_one_short_id_that_moderators_can_block(live, phone):
    phone.send("one")
    phone.send("two")
    other = Attendee(live.url)
    other.open_page()
    other.send("three")
    handles = [p.author.handle for p in pending(live)]
    assert handles[0] == handles[1] != handles[2]
    assert all(len(h) == 8 and int(h, 16) >= 0 for h in handles)
    assert all(h not in phone.cookie_header() for h in handles)  # not the cookie's secret


def test_control_and_direction_override_characters_are_stripped(live, phone):
    reply = phone.send("pay\u202egnp.exe\u0007 ok\u200b", name="Ma\u2066llory\u0000")
    assert reply.status == 201
    (post,) = pending(live)
    assert post.text == "paygnp.exe ok" and post.author.name == "Mallory"


# ---------------------------------------------------------------- refusals


def test_a_text_over_the_limit_is_refused_naming_the_field(live, phone):
    reply = phone.send("é" * 501)
    assert reply.status == 400
    body = reply.json()
    assert (body["code"], body["field"], body["limit"]) == ("text_too_long", "text", 500)
    assert "at most 500" in body["error"]
    # Browsers send line breaks as CRLF: each counts as one character, as on the page.
    assert phone.send("a\r\n" * 166 + "ab").status == 201
    assert pending(live)[0].text.count("\n") == 166


def test_a_text_at_a_high_limit_is_taken_whatever_its_script(serve):
    live = serve(max_text=5000)
    phone = Attendee(live.url)
    phone.open_page()
    assert phone.send("😀" * 5000).status == 201  # 20,000 bytes of UTF-8
    assert phone.send("😀" * 5001).json()["code"] == "text_too_long"


def test_a_name_over_sixty_characters_is_refused(phone):
    reply = phone.send("hi", name="n" * 61)
    assert reply.status == 400 and reply.json()["field"] == "name"


def test_an_empty_post_is_refused(phone):
    reply = phone.send("   ")
    assert reply.status == 400 and reply.json()["code"] == "empty"


def test_more_than_one_file_is_refused(phone):
    reply = phone.send(
        "two", photo=phone_photo(), extra_files={"other": ("b.jpg", "image/jpeg", b"x")}
    )
    assert reply.status == 400 and reply.json()["code"] == "one_photo"


def test_a_photo_over_the_size_limit_is_refused_with_413(serve):
    live = serve(max_photo_mb=1)
    phone = Attendee(live.url)
    phone.open_page()
    big = encode(noise((700, 600)), "PNG")
    assert 1 << 20 < len(big) < 2 << 20  # read to its end, so the phone reads the answer
    reply = phone.send("big", photo=big, ctype="image/png")
    assert reply.status == 413
    assert reply.json()["code"] == "photo_too_large" and "at most 1 MB" in reply.json()["error"]
    assert pending(live) == []


def test_a_form_that_is_not_multipart_is_refused_with_415(live, phone):
    reply = phone.request(
        "POST",
        "/api/events/jpo/submissions",
        raw=b'{"text": "hi"}',
        headers={"Content-Type": "application/json", "Origin": live.url},
        csrf=False,
    )
    assert reply.status == 415


def test_a_closed_page_refuses_posts(serve):
    live = serve(enabled=False)
    phone = Attendee(live.url)
    phone.open_page()
    reply = phone.send("hello?")
    assert reply.status == 403 and reply.json()["code"] == "closed"
    assert Client(live.url).get("/api/events/jpo/submissions").json()["enabled"] is False


# ---------------------------------------------------------------- forgery


def test_a_post_without_the_pages_cookie_is_refused(live):
    stranger = Attendee(live.url)  # never opened the page
    reply = stranger.send("drive-by")
    assert reply.status == 403 and reply.json()["code"] == "device"
    assert "reload the page" in reply.json()["error"]


def test_a_forged_device_cookie_is_refused(live):
    forger = Attendee(live.url)
    body, ctype = multipart({"text": "forged"})
    reply = forger.request(
        "POST",
        "/api/events/jpo/submissions",
        raw=body,
        headers={"Content-Type": ctype, "Cookie": "murmur_device=" + "a" * 32 + ".forged"},
        csrf=False,
    )
    assert reply.status == 403 and reply.json()["code"] == "device"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
    ids=["foreign-origin", "null-origin", "cross-site", "same-site"],
)
def test_a_post_from_another_site_is_refused(live, phone, headers):
    reply = phone.send("from elsewhere", headers=headers)
    assert reply.status == 403 and reply.json()["code"] == "origin"
    assert pending(live) == []


def test_the_public_url_and_allowed_origins_count_as_the_pages_own(serve):
    live = serve(
        server=ServerSettings(
            public_url="https://wall.campus.example",
            allowed_origins=["https://screens.campus.example"],
        )
    )
    phone = Attendee(live.url)
    phone.open_page()
    for origin in ("https://wall.campus.example", "https://screens.campus.example"):
        assert phone.send("ok", headers={"Origin": origin}).status == 201


# ---------------------------------------------------------------- rate limits


def test_a_device_over_its_hourly_limit_gets_429_with_retry_after(serve):
    live = serve(per_device_per_hour=2)
    phone = Attendee(live.url)
    phone.open_page()
    assert [phone.send(f"post {n}").status for n in range(2)] == [201, 201]
    refused = phone.send("one more")
    assert refused.status == 429
    body = refused.json()
    assert body["code"] == "rate_device" and body["limit"] == 2
    retry = int(refused.headers["Retry-After"])
    assert 3590 <= retry <= 3601 and body["retry_after"] == retry
    assert "at most 2 an hour" in body["error"] and "Try again in 60 minutes" in body["error"]
    # Another phone on the same network still may.
    other = Attendee(live.url)
    other.open_page()
    assert other.send("my turn").status == 201


def test_an_address_over_its_hourly_limit_gets_429_whatever_the_device(serve):
    live = serve(per_address_per_hour=3, per_device_per_hour=0)
    statuses = []
    for n in range(4):
        phone = Attendee(live.url)  # a fresh cookie each time: dropping it does not help
        phone.open_page()
        statuses.append(phone.send(f"post {n}").status)
    assert statuses == [201, 201, 201, 429]
    assert phone.send("again").json()["code"] == "rate_address"


# ---------------------------------------------------------------- the QR code


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out,
        kind="svg",
        border=4,
        xmldecl=False,
        omitsize=True,
        title=url,
        dark="#000",
        light="#fff",
    )
    return out.getvalue()


def test_the_qr_code_points_at_the_attendees_page_on_the_requests_host(live):
    reply = Client(live.url).get("/qr/jpo.svg")
    assert reply.status == 200 and reply.headers["Content-Type"] == "image/svg+xml"
    assert reply.body == qr_svg(f"{live.url}/submit/jpo")
    assert b"<script" not in reply.body and b"viewBox" in reply.body


def test_the_qr_code_uses_the_configured_public_url(serve):
    live = serve(server=ServerSettings(public_url="https://wall.campus.example/"))
    reply = Client(live.url).get("/qr/jpo.svg")
    assert reply.body == qr_svg("https://wall.campus.example/submit/jpo")


def test_the_qr_code_refuses_unknown_events_and_odd_hosts(live):
    assert Client(live.url).get("/qr/nope.svg").status == 404
    reply = Client(live.url).get("/qr/jpo.svg", headers={"Host": "evil.example/<svg onload=x>"})
    assert reply.status == 400
