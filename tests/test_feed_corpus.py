"""The feed corpus (tests/data/feeds, see its README): every file gives exactly these posts,
or is refused with exactly this reason; and the connector reads them as served."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from moderation import Post
from wall.fetch import Guard, make_session
from wall.media import MediaStore
from wall.settings import EventSettings, RssSource
from wall.sources.context import Cursor, SourceContext
from wall.sources.rss import RssFeed
from wall.sources.rss_wire import Entry, FeedError, read_feed
from wall.store import Store

CORPUS = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
BASE = "https://campus.example/feeds"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class Shown(NamedTuple):
    """What a post carries that a person sees or that identifies it."""

    text: str
    created_at: datetime
    undated: bool
    url: str | None
    network_id: str
    author: str
    language: str | None
    hashtags: tuple[str, ...] = ()
    pictures: tuple[tuple[str, str], ...] = ()


def shown(entry: Entry) -> Shown:
    post = entry.post
    return Shown(
        post.text,
        post.created_at,
        post.undated,
        post.url,
        post.network_id,
        post.author.name,
        post.language,
        post.hashtags,
        tuple((p.url, p.alt) for p in entry.pictures),
    )


NEWS = "https://news.campus.example"
EXPECTED: dict[str, list[Shown]] = {
    "gb2312.xml": [
        Shown(
            "校园开放日活动安排\n\n欢迎参观图书馆和实验室。",
            utc(2026, 3, 10, 1, 30),
            False,
            f"{NEWS}/2026/0310/jpo.html",
            f"{NEWS}/2026/0310/jpo.html",
            "校园新闻",
            "zh",
        ),
        Shown(
            "图书馆延长开放时间\n\n期末考试期间，图书馆开放至晚上十一点。",
            utc(2026, 3, 9, 8, 0),
            False,
            f"{NEWS}/2026/0309/lib.html",
            f"{NEWS}/2026/0309/lib.html",
            "校园新闻",
            "zh",
        ),
    ],
    "big5.xml": [
        Shown(
            "校園開放日\n\n歡迎參觀圖書館",
            utc(2026, 3, 10, 1, 30),
            False,
            f"{NEWS}/tw/101",
            f"{NEWS}/tw/101",
            "校園新聞",
            "zh",
        )
    ],
    "euc-kr.xml": [
        Shown(
            "캠퍼스 공개의 날\n\n도서관에 오신 것을 환영합니다",
            utc(2026, 3, 10, 9, 30),
            False,
            f"{NEWS}/kr/7",
            f"{NEWS}/kr/7",
            "캠퍼스 소식",
            "ko",
        )
    ],
    "shift_jis-rdf.xml": [
        Shown(
            "オープンキャンパス\n\n図書館へようこそ",
            utc(2026, 3, 10, 9, 30),
            False,
            "https://lab.campus.example/2026/03/open",
            "https://lab.campus.example/2026/03/open",
            "山田",
            "ja",
            ("JPO2026",),
        )
    ],
    "utf16-bom.xml": [
        Shown(
            "Nocturnes à la BU\n\nOuverte jusqu’à 23 h pendant les partiels.",
            utc(2026, 3, 10, 8, 0),
            False,
            "https://bu.campus.example/nocturnes",
            "tag:bu.campus.example,2026:42",
            "La BU",
            "fr",
        )
    ],
    "u16-be.xml": [
        Shown(
            "Journée portes ouvertes\n\nCafé offert à l’entrée.",
            utc(2026, 3, 10, 9, 30),
            False,
            "https://campus.example/n/3",
            "https://campus.example/n/3",
            "Campus news",
            None,
        )
    ],
    "unknown-encoding.xml": [
        Shown(
            "Crème brûlée au resto U\n\nJeudi midi, dessert offert.",
            utc(2026, 3, 12, 10, 0),
            False,
            "https://campus.example/a/1",
            "https://campus.example/a/1",
            "Actualités",
            None,
        )
    ],
    "latin1-cp1252.xml": [
        Shown(
            "Don’t miss the “Nuit des assos”\n\nEntrée 2€… venez nombreux !",
            utc(2026, 3, 10, 19, 0),
            False,
            "https://campus.example/ve/12",
            "https://campus.example/ve/12",
            "Vie étudiante",
            "fr",
        ),
        Shown(
            "Café d’été\n\nTerrasse ouverte.",
            utc(2025, 7, 10, 8, 0),
            False,
            "https://campus.example/ve/13",
            "https://campus.example/ve/13",
            "Vie étudiante",
            "fr",
        ),
    ],
    "html-entities.xml": [
        Shown(
            "Café & crème…\n\nEntrée libre – c’est gratuit",
            utc(2026, 3, 10, 7, 30),
            False,
            "https://campus.example/e/1",
            "https://campus.example/e/1",
            "Actualités du campus",
            "fr",
        ),
        Shown(
            "« Portes ouvertes »\n\nÀ bientôt !",
            utc(2026, 3, 10, 8, 30),
            False,
            "https://campus.example/e/2",
            "https://campus.example/e/2",
            "Actualités du campus",
            "fr",
        ),
    ],
    "userland.xml": [
        Shown(
            "Feeds still work\n\nTwenty years on.",
            utc(2026, 3, 10, 13, 30),  # PT is PDT once daylight saving began (8 March)
            False,
            "http://scripting.campus.example/2026/03/10#a1",
            "http://scripting.campus.example/2026/03/10#a1",
            "Scripting News",
            None,
        ),
        Shown(
            "Eastern time\n\nSame hour, other coast.",
            utc(2026, 3, 10, 14, 30),
            False,
            "http://scripting.campus.example/2026/03/10#a2",
            "http://scripting.campus.example/2026/03/10#a2",
            "Scripting News",
            None,
        ),
    ],
    "netscape-091.xml": [
        Shown(
            "Horaires d'été\n\nOuvert jusqu'à 20 h.",
            NOW,
            True,
            "https://bu.campus.example/ete",
            "https://bu.campus.example/ete",
            "Bibliothèque",
            "fr",
        )
    ],
    "atom-base64.xml": [
        Shown(
            "Encoded body\n\nHello world #Fablab",
            utc(2026, 3, 10, 9, 30),
            False,
            None,
            "tag:lab.campus.example,2026:b64",
            "Lab notes",
            None,
            ("Fablab",),
        ),
        Shown(
            "5 < 6\n\nInline XHTML",
            utc(2026, 3, 9),
            False,
            "https://campus.example/notes/xhtml",
            "tag:lab.campus.example,2026:xhtml",
            "Lab notes",
            None,
        ),
    ],
    "mastodon-tag.xml": [
        Shown(
            "Trois photos de la journée #jpo2026",
            utc(2026, 3, 10, 10, 2, 3),
            False,
            "https://mastodon.campus.example/@ines/112233",
            "https://mastodon.campus.example/@ines/112233",
            "#jpo2026",
            None,
            ("jpo2026",),
            (
                ("https://files.campus.example/a.jpg", "Le hall plein de visiteurs"),
                ("https://files.campus.example/b.jpg", ""),
                ("https://files.campus.example/c.jpg", "La scène, <vue de face>"),
            ),
        )
    ],
    "unreadable-dates.xml": [
        Shown(
            f"{title}\n\n{body}",
            NOW,
            True,
            f"https://campus.example/ag/{n}",
            f"https://campus.example/ag/{n}",
            "Agenda",
            None,
        )
        for n, title, body in [
            (1, "Concert", "Le soir."),
            (2, "Yoga", "Le matin."),
            (3, "Expo", "Tout le mois."),
        ]
    ],
    "one-empty-entry.xml": [
        Shown(
            "Second\n\nKept.",
            utc(2026, 3, 10, 9, 30),
            False,
            "https://campus.example/x/2",
            "https://campus.example/x/2",
            "News",
            None,
        )
    ],
    "billion-laughs.xml": [
        Shown(
            "&lol9;",
            NOW,
            True,
            "https://attacker.example/lol",
            "https://attacker.example/lol",
            "lol",
            None,
        )
    ],
    "xxe-local-file.xml": [
        Shown(
            "Leak: &xxe;",
            NOW,
            True,
            "https://attacker.example/xxe",
            "https://attacker.example/xxe",
            "xxe",
            None,
        )
    ],
    "xxe-local-url.xml": [
        Shown(
            "Leak: &xxe;",
            NOW,
            True,
            "https://attacker.example/ssrf",
            "https://attacker.example/ssrf",
            "xxe",
            None,
        )
    ],
}

REFUSED = {
    "captive-portal.html": (
        "it is a web page (HTML), not a feed: give the address of the site's RSS or Atom "
        "feed instead"
    ),
}

SKIPPED = {
    "one-empty-entry.xml": ["entry 2 skipped: nothing to show in https://campus.example/x/1"]
}


def test_every_file_of_the_corpus_is_listed_here() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted([*EXPECTED, *REFUSED])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_corpus_feed_gives_exactly_its_posts(name: str) -> None:
    data = (CORPUS / name).read_bytes()

    feed = read_feed(data, feed_url=f"{BASE}/{name}", content_type="application/rss+xml", now=NOW)

    assert [shown(e) for e in feed.entries] == EXPECTED[name]
    assert [s.reason for s in feed.skipped] == SKIPPED.get(name, [])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_corpus_document_that_is_no_feed_is_refused_with_its_reason(name: str) -> None:
    with pytest.raises(FeedError) as caught:
        read_feed((CORPUS / name).read_bytes(), feed_url=f"{BASE}/{name}", now=NOW)

    assert str(caught.value) == REFUSED[name]


# -- through the connector, as a server sends them ---------------------------------------


@pytest.fixture
def served() -> Iterator[str]:
    """The corpus on 127.0.0.1, each file with a feed's media type and no charset."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = CORPUS / self.path.lstrip("/")
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(path.read_bytes())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(tmp_path / "murmur.sqlite3")
    await store.open()
    await store.save_event("jpo", "JPO", "{}")
    yield store
    await store.close()


ENCODED = ["gb2312.xml", "big5.xml", "euc-kr.xml", "utf16-bom.xml", "u16-be.xml"]


@pytest.mark.parametrize("name", ENCODED)
async def test_the_rss_source_reads_a_feed_in_any_encoding_as_served(
    name: str, served: str, store: Store, tmp_path: Path
) -> None:
    guard = Guard(["127.0.0.0/8"])
    http = make_session(guard)
    ctx = SourceContext(
        event=EventSettings(slug="jpo", title="JPO"),
        http=http,
        guard=guard,
        media=MediaStore(tmp_path / "media"),
        cursor=Cursor(store, "jpo", "rss-1"),
        secret=lambda _: None,
    )
    source = RssFeed(RssSource(url=f"{served}/{name}"), ctx, "rss-1")
    got: list[Post] = []
    try:
        async with contextlib.aclosing(source.posts()) as posts:
            async for post in posts:
                got.append(post)
                if len(got) == len(EXPECTED[name]):
                    break
    finally:
        await http.close()

    # Oldest first, as the source yields them.
    wanted: list[Any] = sorted(EXPECTED[name], key=lambda s: s.created_at)
    assert [(p.text, p.created_at, p.network_id) for p in got] == [
        (s.text, s.created_at, s.network_id) for s in wanted
    ]
