"""One language per person: reasons and refusals travel as codes, and each page words them.

The server sends a post's reason as ``why: {code, params}`` beside its English sentence,
and every API refusal with a ``code`` and ``params``. These tests hold the pages to it:
the English wording of every reason code says exactly what the server says (case by
case, from the real rules and the real store); the French wording leaves no English; both
catalogues have the same keys; every refusal code the server can send has words in both
languages; and the desk, the wall, the organiser's page and the phone page in French show
no English of Murmur's own, reasons and refusals included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from moderation.verdict import REASON_CODES
from tests.browser.language import english_left
from tests.browser.test_desk_layout import TABLET, desk_at, open_day
from tests.browser.test_pages import PASSWORD, Pages
from tests.chromium import PHONE, SCREEN, launch
from tests.client import Client
from tests.live import LiveServer
from tests.reason_cases import all_cases
from wall.web.validation import _FORMS

expect = playwright_api.expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screens"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    for name in ("alice", "bob"):
        live.add_user(name, PASSWORD, "moderator")
    live.add_user("olga", PASSWORD, "organiser")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


def worded(page: Any, cases: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = page.evaluate(
        """async (cases) => {
            const { reasonText } = await import("/static/reasons.js");
            return cases.map((c) => reasonText({ why: c.why }));
        }""",
        cases,
    )
    return texts


# ---------------------------------------------------------------- reasons


def test_every_reason_code_is_worded_in_english_as_the_server_says_it(pages, tmp_path):
    cases = all_cases(tmp_path / "cases.db")
    page = pages.open("/login", locale="en-GB", timezone_id="UTC")
    codes = page.evaluate(
        "async () => (await import('/static/reasons.js')).REASON_CODES.slice().sort()"
    )
    assert codes == sorted(REASON_CODES)
    assert worded(page, cases) == [case["reason"] for case in cases]


def test_every_reason_is_worded_in_french_with_no_english_left(pages, tmp_path):
    cases = all_cases(tmp_path / "cases.db")
    page = pages.open("/login", locale="fr-FR", timezone_id="UTC")
    french = worded(page, cases)
    english_pieces = page.evaluate(
        """async () => {
            const { CATALOGUE } = await import("/static/i18n.js");
            const french = Object.entries(CATALOGUE.fr).map(([, v]) => JSON.stringify(v)).join();
            return Object.entries(CATALOGUE.en)
                .filter(([key]) => key.startsWith("reason."))
                .flatMap(([, v]) => (typeof v === "string" ? [v] : Object.values(v)))
                .flatMap((s) => s.split(/\\{\\w+\\}/))
                .map((s) => s.trim())
                .filter((s) => s.length >= 4 && /\\p{L}{3}/u.test(s) && !french.includes(s));
        }"""
    )
    assert "a human decides" in ":".join(english_pieces)  # the check reads what it claims to
    for case, text in zip(cases, french, strict=True):
        assert text, case
        if case["why"]["code"] != "note":  # a moderator's note is their own words
            assert text != case["reason"], case
        left = [piece for piece in english_pieces if piece in text]
        assert left == [], (text, left)
    # Facts are worded too: dates, languages and plurals in French.
    by_code = dict(zip((c["reason"] for c in cases), french, strict=True))
    blocked = next(r for r in by_code if r.startswith("author troll@campus.example is blocked ("))
    assert by_code[blocked] == (
        "l’auteur troll@campus.example est bloqué (par Claire le 12 mai 2026\u00a0: spam\u00a0; "
        "jusqu’au 14 mai 2026 18:00 UTC)"
    )
    german = next(r for r in by_code if r.startswith("written in German"))
    assert by_code[german] == (
        "écrit en allemand (de)\u00a0; cet événement montre\u00a0: anglais, français\u00a0: "
        "à un humain de décider"
    )


def test_a_reason_without_a_code_keeps_the_servers_sentence(pages):
    page = pages.open("/login", locale="fr-FR")
    texts = page.evaluate(
        """async () => {
            const { reasonText } = await import("/static/reasons.js");
            return [
                reasonText({ reason: "older post" }),
                reasonText({ reason: "unknown code", why: { code: "from_the_future" } }),
                reasonText({ reason: "broken", why: { code: "flood", params: "not an object" } }),
            ];
        }"""
    )
    assert texts[:2] == ["older post", "unknown code"]
    assert texts[2].startswith("message n° ")


# ---------------------------------------------------------------- catalogues


def test_both_languages_have_every_key_with_the_same_placeholders(pages):
    page = pages.open("/login")
    mismatches = page.evaluate(
        """async () => {
            const { CATALOGUE } = await import("/static/i18n.js");
            const holes = (v) => JSON.stringify(
                [...new Set((typeof v === "string" ? v : Object.values(v).join(" "))
                    .match(/\\{\\w+\\}/g) ?? [])].sort());
            const out = [];
            const keys = new Set([...Object.keys(CATALOGUE.en), ...Object.keys(CATALOGUE.fr)]);
            for (const key of keys) {
                const en = CATALOGUE.en[key], fr = CATALOGUE.fr[key];
                if (en === undefined || fr === undefined) out.push(`missing: ${key}`);
                else if (holes(en) !== holes(fr)) out.push(`placeholders: ${key}`);
            }
            return out;
        }"""
    )
    assert mismatches == []


def test_french_punctuation_never_breaks_away_from_its_word(pages):
    # "Réponse des organisateurs :" must not end a line with its colon alone: French puts a
    # no-break space before : ; ! ? » and after «, in every French string.
    page = pages.open("/login")
    loose = page.evaluate(
        """async () => {
            const { CATALOGUE } = await import("/static/i18n.js");
            return Object.entries(CATALOGUE.fr)
                .flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : Object.values(v)
                    .map((s) => [k, s])))
                .filter(([, s]) => / [:;!?»]/.test(s) || /« /.test(s))
                .map(([k]) => k);
        }"""
    )
    assert loose == []


def server_refusal_codes() -> set[str]:
    """Every refusal code the API can send to the desk, the admin and the login pages."""
    sources = [
        *(ROOT / "wall" / "web").glob("*.py"),
        *(ROOT / "wall" / "store").glob("*.py"),
        ROOT / "wall" / "desk_store.py",
        ROOT / "wall" / "desk.py",
        ROOT / "moderation" / "flags.py",
    ]
    codes: set[str] = set()
    for path in sources:
        if path.name in {"submit.py", "submit_form.py"}:  # the phone page words its own
            continue
        text = path.read_text()
        codes |= set(re.findall(r"""\bcode=["']([a-z_]+)["']""", text))
        codes |= set(re.findall(r"""["']code["']: ["']([a-z_]+)["']""", text))
        codes |= set(re.findall(r"""InvalidChange\(\s*(?:f?"[^"]*",\s*)+"([a-z_]+)\"""", text))
    codes |= {"transition", "conflict", "invalid", "unknown_field", "missing_field"}
    codes |= {code for _, code in _FORMS}
    codes |= {"picture_too_large", "picture_unsupported", "picture_damaged"}
    return codes - REASON_CODES  # a reason's code (``Why(code=…)``) is worded as a reason


def test_every_refusal_code_the_server_sends_is_worded_in_both_languages(pages):
    codes = server_refusal_codes()
    assert {"csrf", "wrong_login", "already_pinned", "undo_too_late", "too_large"} <= codes
    page = pages.open("/login")
    missing = page.evaluate(
        """async (codes) => {
            const { CATALOGUE } = await import("/static/i18n.js");
            const worded = (c) => `error.${c}` in CATALOGUE.en && `error.${c}` in CATALOGUE.fr;
            return codes.filter((c) => !worded(c));
        }""",
        sorted(codes),
    )
    assert missing == []


# ---------------------------------------------------------------- refusals, from the server


def test_the_organisers_page_words_a_refused_setting_in_french_beside_its_label(pages, live):
    page = pages.open("/admin/jpo", login="olga", locale="fr-FR")
    expect(page.locator("#save")).to_be_enabled()
    # A real refusal from the server, worded by the page's own module.
    said = page.evaluate(
        """async () => {
            const { errorText } = await import("/static/reasons.js");
            const me = await (await fetch("/api/session")).json();
            const csrf = me.csrf_token;
            const response = await fetch("/api/events/jpo/display", {
                method: "PUT",
                headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
                body: JSON.stringify({ quiet_seconds: 1 }),
            });
            const body = await response.json();
            return [response.status, body.code, errorText(body, "Calme"), errorText(body)];
        }"""
    )
    assert said == [
        400,
        "too_small",
        "Calme doit valoir au moins 5.",
        "quiet_seconds doit valoir au moins 5.",
    ]


def test_a_wrong_password_is_refused_in_french(pages):
    page = pages.open("/login?next=/moderate/jpo", locale="fr-FR")
    page.fill("#username", "alice")
    page.fill("#password", "nope")
    page.click("button[type=submit]")
    expect(page.locator("#error")).to_have_text("Nom d’utilisateur ou mot de passe incorrect.")
    assert english_left(page) == []


def test_a_refused_desk_action_is_told_in_french(pages, live):
    posts = open_day(live)
    page = desk_at(pages, TABLET, "fr-FR")
    # Bob pins the post first; Alice's pin then meets the server's refusal, in French.
    bob = Client(live.url)
    assert bob.login("bob", PASSWORD).status == 200
    shown = posts["shown"][0]
    assert bob.post(f"/api/events/jpo/posts/{shown}/pin").status == 200
    text = page.evaluate(
        """async (id) => {
            const { errorText } = await import("/static/reasons.js");
            const { request } = await import("/static/desk/api.js");
            const { body } = await request("POST", `/api/events/jpo/posts/${id}/pin`, {});
            return errorText(body);
        }""",
        shown,
    )
    assert text.startswith("Ce message est déjà épinglé.")


# ---------------------------------------------------------------- whole pages in French


def test_the_french_desk_shows_reasons_in_french(pages, live):
    open_day(live)
    page = desk_at(pages, TABLET, "fr-FR")
    reasons = page.locator("#queue-list .card-reason")
    expect(reasons.first).to_be_visible()
    texts = reasons.all_text_contents()
    assert "modération a priori\u00a0: attend un modérateur" in texts
    assert "marqué sensible\u00a0: à un humain de décider" in texts
    assert english_left(page) == []


@pytest.mark.parametrize("layout", ["grid", "single", "ticker", "stage"])
def test_the_french_wall_shows_no_english_on_any_layout(pages, live, layout):
    posts = open_day(live)
    bob = Client(live.url)
    assert bob.login("bob", PASSWORD).status == 200
    answer = {"text": "Rendez-vous au hall B à 15 h !", "replaces": None}
    assert (
        bob.request("PUT", f"/api/events/jpo/posts/{posts['shown'][0]}/reply", answer).status == 200
    )
    page = pages.open(f"/wall/jpo?layout={layout}", viewport=SCREEN, locale="fr-FR")
    expect(page.locator("body")).to_have_attribute("data-layout", layout)
    expect(page.locator("#posts .card-text").first).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert english_left(page) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(ARTIFACTS / f"{layout}-fr-1080p.png"))


def test_the_french_phone_page_shows_no_english_before_and_after_sending(pages, live):
    page = pages.open("/submit/jpo", viewport=PHONE, locale="fr-FR")
    expect(page.locator("form")).to_be_visible()
    assert english_left(page) == []
    page.fill("textarea", "Bonjour de l’amphi #JPO2026")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#done")).to_be_visible()
    assert english_left(page) == []


def test_the_french_organisers_page_shows_no_english(pages, live):
    page = pages.open("/admin/jpo", login="olga", locale="fr-FR")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    expect(page.locator("select[name=theme] option", has_text="Sombre")).to_have_count(1)
    assert english_left(page) == []
    # Theme names and descriptions come from the theme files' [fr] tables.
    expect(page.locator("select[name=theme] option", has_text="Sombre")).to_have_count(1)
    options = page.locator("select[name=theme] option").all_text_contents()
    assert {"Sombre", "Clair", "Contraste élevé"} <= set(options)
    page.locator("select[name=theme]").select_option("high-contrast")
    expect(page.locator("#theme-help")).to_contain_text("Blanc sur noir")
