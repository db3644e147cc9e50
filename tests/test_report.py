"""The printable after-event report, from a real server: an A4 page as PNG or PDF, in English
and French, with the figures and the chosen posts laid out as a person would read them (no
card over another or off the page, pictures whole, answers under their post), for organisers
only; a choice that is not an approved post is refused in words."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer, test_event
from wall.figures import figures
from wall.report import PAGE, Chosen, Report, render, wrap
from wall.report import font as report_font
from wall.web.report import _picture

PASSWORD = "correct horse battery"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def login(live: LiveServer, name: str, role: str) -> Client:
    live.add_user(name, PASSWORD, role)
    client = Client(live.url)
    assert client.login(name, PASSWORD).status == 200
    return client


def picture(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def seeded(tmp_path):
    live = LiveServer(tmp_path / "data", events=[test_event("jpo")]).start()
    bob, olga = login(live, "bob", "moderator"), login(live, "olga", "organiser")
    portrait = live.call(lambda: live.hub.media.put_image(picture(600, 900), alt="a poster"))
    ids = {
        "pinned": live.ingest("jpo", make_post("Le hall est plein 🎉 #JPO2026", media=(portrait,))),
        "asked": live.ingest("jpo", make_post("Où est l'amphi B ? #JPO2026", name="Léa")),
        "plain": live.ingest("jpo", make_post("Merci pour l'accueil #JPO2026", name="Tom")),
        "waiting": live.ingest("jpo", make_post("Pas encore vu #JPO2026")),
    }
    for key in ("pinned", "asked", "plain"):
        assert bob.post(f"/api/events/jpo/posts/{ids[key]}/approve").status == 200
    assert bob.post(f"/api/events/jpo/posts/{ids['pinned']}/pin").status == 200
    answer = {"text": "Au bout du couloir, à gauche.", "replaces": None}
    assert bob.request("PUT", f"/api/events/jpo/posts/{ids['asked']}/reply", answer).status == 200
    yield live, bob, olga, ids
    live.stop()


def test_the_report_is_an_a4_png_or_pdf_in_either_language(seeded):
    _, _, olga, _ = seeded
    english = olga.get("/api/events/jpo/report")
    assert english.status == 200 and english.headers["content-type"] == "image/png"
    assert 'filename="murmur-jpo-report-en.png"' in english.headers["content-disposition"]
    page = Image.open(io.BytesIO(english.body))
    assert page.size == PAGE and page.info["dpi"] == pytest.approx((150, 150), abs=0.1)
    french = olga.get("/api/events/jpo/report?lang=fr")
    assert french.status == 200 and french.body != english.body
    ARTIFACTS.mkdir(exist_ok=True)  # pictures for docs/organisers.md, looked at by a person
    (ARTIFACTS / "report-en.png").write_bytes(english.body)
    (ARTIFACTS / "report-fr.png").write_bytes(french.body)
    pdf = olga.get("/api/events/jpo/report?format=pdf&lang=fr")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-")
    # One A4 page: 595 x 842 points, as a printer expects it.
    box = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf.body)
    assert box and round(float(box[1])) == 595 and round(float(box[2])) == 842
    assert pdf.body.count(b"/Type /Page\n") + pdf.body.count(b"/Type /Page ") == 1


def test_the_report_is_for_organisers_and_refuses_a_post_not_on_the_screens(seeded):
    live, bob, olga, ids = seeded
    assert bob.get("/api/events/jpo/report").status == 403
    assert Client(live.url).get("/api/events/jpo/report").status == 401
    refused = olga.get(f"/api/events/jpo/report?posts={ids['asked']},{ids['waiting']}")
    assert refused.status == 400
    error = refused.json()
    assert error["code"] == "report_post_not_approved" and error["params"] == {"id": ids["waiting"]}
    assert "approved" in error["error"]
    for bad in ("1,,2", "x", ",".join(["1"] * 9)):
        assert olga.get(f"/api/events/jpo/report?posts={bad}").status == 400
    assert olga.get(f"/api/events/jpo/report?posts={ids['plain']}").status == 200


def _report(live: LiveServer, ids: list[int], lang: str) -> Report:
    posts = [live.call(lambda i=i: live.hub.store.get_post("jpo", i)) for i in ids]
    found = live.call(lambda: figures(live.hub.store, "jpo"))
    return Report(
        title="Journée portes ouvertes 2026 — Campus Nord",
        lang=lang,
        figures=found,
        chosen=[_picture(live.hub, p) for p in posts if p is not None],
        made_at=datetime(2026, 6, 12, 18, 0, tzinfo=UTC),
    )


def _inside(box: tuple[int, int, int, int]) -> bool:
    left, top, right, bottom = box
    return 0 <= left < right <= PAGE[0] and 0 <= top < bottom <= PAGE[1]


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_chosen_posts_are_laid_out_whole_with_their_answer_and_picture(seeded):
    live, _, _, ids = seeded
    page = render(_report(live, [ids["pinned"], ids["asked"], ids["plain"]], "fr"))
    cards = [d for d in page.drawn if d.kind == "card"]
    assert [c.post for c in cards] == [ids["pinned"], ids["asked"], ids["plain"]]
    assert all(_inside(d.box) for d in page.drawn)
    assert not any(_overlap(a.box, b.box) for a in cards for b in cards if a is not b)
    texts = [d.text for d in page.drawn if d.kind == "text"]
    assert "BILAN DE L\u2019ÉVÉNEMENT" in texts and "Notre réponse" in texts
    assert "Au bout du couloir, à gauche." in texts
    assert "Le hall est plein #JPO2026" in texts  # the emoji, with no glyph, is left out
    # The portrait picture is shown whole, as a portrait, inside its card.
    (shown,) = [d for d in page.drawn if d.kind == "picture"]
    left, top, right, bottom = shown.box
    assert (bottom - top) / (right - left) == pytest.approx(900 / 600, rel=0.02)
    card = next(c for c in cards if c.post == ids["pinned"])
    assert _overlap(shown.box, card.box) and shown.box[3] <= card.box[3]
    # Each text line stays inside the card it belongs to.
    lowest = max(c.box[3] for c in cards)
    for drawn in page.drawn:
        if drawn.kind == "text" and cards[0].box[1] < drawn.box[1] < lowest:
            holder = [c for c in cards if _overlap(drawn.box, c.box)]
            assert holder and all(drawn.box[2] <= c.box[2] for c in holder), drawn


def test_too_many_long_posts_are_said_to_be_left_out_never_drawn_off_the_page(seeded):
    live, bob, _, _ = seeded
    long = "Une très longue question sur les bourses, les logements et les transports " * 12
    many = [live.ingest("jpo", make_post(f"{long} #JPO2026 n°{n}")) for n in range(8)]
    for post_id in many:
        assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    page = render(_report(live, many, "en"))
    cards = [d for d in page.drawn if d.kind == "card"]
    assert 2 <= len(cards) < 8
    assert all(_inside(d.box) for d in page.drawn)
    left_out = [d.text for d in page.drawn if "did not fit" in d.text]
    assert left_out == [f"{8 - len(cards)} more chosen posts did not fit on the page."]
    # A long text ends with an ellipsis rather than running off its card.
    assert any(d.text.endswith(" …") for d in page.drawn if d.kind == "text")


def test_a_word_longer_than_a_line_is_cut_not_drawn_past_the_edge():
    face = report_font(22)
    lines = wrap("https://campus.example/" + "a" * 200 + " fin", face, 300, 20)
    assert len(lines) > 2 and lines[-1].endswith("fin")
    assert all(face.getlength(line) <= 300 for line in lines)


def test_the_default_choice_puts_pinned_and_answered_posts_first(seeded):
    _, _, olga, ids = seeded
    default = olga.get("/api/events/jpo/report")
    chosen = olga.get(f"/api/events/jpo/report?posts={ids['pinned']},{ids['asked']},{ids['plain']}")
    assert default.body == chosen.body  # same posts, same order, same page


def test_a_hidden_picture_stays_out_of_the_report(seeded):
    live, bob, _, ids = seeded
    post = f"/api/events/jpo/posts/{ids['pinned']}"
    assert bob.post(f"{post}/hide-media").status == 200
    report = _report(live, [ids["pinned"]], "en")
    assert report.chosen == [Chosen(report.chosen[0].post)]
    assert not [d for d in render(report).drawn if d.kind == "picture"]
