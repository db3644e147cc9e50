"""Feeds as the web really serves them (tests/data/real/feeds, see tests/data/README.md for
origins and licences), from feedparser's test corpus: eight real texts in legacy encodings
that never say which, and a real Movable Type Atom feed of 2009. Each is asserted to the
exact posts Murmur makes of it, directly and through the RSS connector on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from moderation import Post
from wall.fetch import Guard, make_session
from wall.media import MediaStore
from wall.settings import EventSettings, RssSource
from wall.sources.context import Cursor, SourceContext
from wall.sources.rss import RssFeed
from wall.sources.rss_wire import read_feed
from wall.store import Store

REAL = Path(__file__).parent / "data" / "real"

# -- RSS/Atom ------------------------------------------------------------------------------

UNDECLARED = {
    # feedparser's corpus: real texts in legacy encodings, with no encoding declared anywhere
    "big5.xml": [],  # a feed title only, no entry
    "eucjp.xml": ["ゲーム三昧な正月"],
    "euckr.xml": ["EUC-KR 에서 TypeKey 한글닉네임 표시하기"],
    "gb2312.xml": ["不归移民漫画系列：专业工作"],
    "koi8r.xml": ["Как пережить новогоднюю ночь"],
    "shiftjis.xml": ["DrecomRSSに記事投稿が反映されない…"],
    "tis620.xml": ["สำนักงานส่งเสริมอุตสาหกรรมซอฟต์แวร์แห่งชาติ หรือ SIPA ร่วมกับ"],
    "windows1255.xml": ["האם תדפיס נייר של אתר אינטרנט שמוצג על מסך משתמש הוא העתק נא"],
}


@pytest.mark.parametrize("name", sorted(UNDECLARED))
def test_a_feed_that_never_says_its_encoding_is_read_in_the_right_one(name):
    feed = read_feed((REAL / "feeds" / name).read_bytes(), feed_url="https://campus.example/f")
    firsts = [e.post.text.split("\n")[0] for e in feed.entries]
    assert [f[: len(w)] for f, w in zip(firsts, UNDECLARED[name], strict=True)] == UNDECLARED[name]
    assert feed.skipped == []


# -- a real Movable Type Atom feed: touchnokia.ru, 2009 -------------------------------------

NOKIA = REAL / "feeds" / "touchnokia-atom.xml"
# Entry id's last number, its date (UTC), its title.
NOKIA_ENTRIES = [
    ("666", "2009-09-09 14:19:45", "Невидимая броня для Вашего Nokia 5800"),
    ("814", "2009-05-31 10:22:58", "Программы для Nokia 5800 и Nokia N97: ZXLightControl v.1.0.0"),
    ("813", "2009-05-31 09:57:06", "Программы для Nokia 5800 и Nokia N97: Voice Inbox v.1.09.112"),
    ("812", "2009-05-31 09:24:12", "Программы для Nokia 5800 и Nokia N97: Smart Movie v.4.15"),
    ("811", "2009-05-31 09:13:04", "Программы для Nokia 5800 и Nokia N97: PowerMP3 v.1.15 Beta"),
    ("810", "2009-05-31 08:57:55", "Программы для Nokia 5800 и Nokia N97: XpressCut v.0.1"),
    (
        "808",
        "2009-05-31 08:37:27",
        "Игры для Nokia 5800 и Nokia N97: Asphalt 4 Elite Racing 3D v.1.0.1",
    ),
    ("809", "2009-05-30 19:47:24", "Игры для Nokia 5800 и Nokia N97: 3D Fast and Furious"),
    (
        "807",
        "2009-05-30 19:16:24",
        "Программы для Nokia 5800 и Nokia N97: Kaspersky Mobile Security 8.0 release v.8.0.51 "
        "- Обновление",
    ),
    ("806", "2009-05-30 18:37:40", "Программы для Nokia 5800 и Nokia N97: Dudu Recorder v.3.20"),
    (
        "805",
        "2009-05-30 17:58:41",
        "Программы для Nokia 5800 и Nokia N97: MyPhone v.2.11 - Обновление",
    ),
    ("804", "2009-05-30 17:47:01", "Программы для Nokia 5800 и Nokia N97: Eye Call v.1.04"),
    ("803", "2009-05-28 19:57:54", "Программы для Nokia 5800 и Nokia N97: OVI Store"),
    ("802", "2009-05-28 19:16:28", "Программы для Nokia 5800 и Nokia N97: Talkonaut v.5.51.68"),
    ("801", "2009-05-27 20:38:05", "Программы для Nokia 5800 и Nokia N97: MobileAgent v.1.51"),
]


def test_a_real_movable_type_feed_gives_each_entry_its_title_date_and_id():
    feed = read_feed(NOKIA.read_bytes(), feed_url="http://touchnokia.ru/atom.xml")
    assert feed.skipped == []
    assert [
        (
            e.post.network_id.removeprefix("tag:touchnokia.ru,2009://1."),
            e.post.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.post.text.split("\n")[0],
        )
        for e in feed.entries
    ] == NOKIA_ENTRIES
    assert {e.post.author.name for e in feed.entries} == {"iPod"}
    first = feed.entries[0]
    assert (
        first.post.url
        == "http://touchnokia.ru/2009/09/nevidimaja-bronja-dlja-vashego-nokia-5800.html"
    )
    assert first.post.text.startswith(
        "Невидимая броня для Вашего Nokia 5800\n\nНевидимая броня для Вашего девайса.\n\n"
        "Вы из тех, кто хотел бы защитить корпус и дисплей своего девайса от царапин и грязи,"
    )
    # Movable Type's categories and tags are the entry's hashtags, spaces taken out.
    assert first.post.hashtags == ("Новости", "nokia", "броня", "Вашего", "для", "Невидимая")
    assert [p.alt for p in first.pictures] == [
        "SaveCase - невидимая броня для вашего девайса.",
        "SaveCase",
        "SaveCase",
    ]


def test_entities_movable_type_leaves_in_its_text_summaries_do_not_reach_the_wall():
    feed = read_feed(NOKIA.read_bytes(), feed_url="http://touchnokia.ru/atom.xml")
    ovi = next(e.post for e in feed.entries if e.post.network_id.endswith(".803"))
    # The summary is written "Разработчик:&nbsp;Язык:&nbsp;Русский" in a text element. Its
    # words run together where Movable Type took the tags out: that is how it was sent.
    assert ovi.text.startswith(
        "Программы для Nokia 5800 и Nokia N97: OVI Store\n\n"
        "OVI StoreРазработчик: Язык: РусскийСостояние: FreeОписание: Программа"
    )
    assert not any("&nbsp;" in e.post.text or "&amp;" in e.post.text for e in feed.entries)


@pytest.fixture
def served() -> Iterator[str]:
    """tests/data/real on 127.0.0.1, each file with a feed's media type and no charset."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (REAL / self.path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("name", "count"), [("touchnokia-atom.xml", 15), ("koi8r.xml", 1)])
async def test_the_rss_source_reads_the_real_feeds_as_served(
    name: str, count: int, served: str, tmp_path: Path
) -> None:
    store = Store(tmp_path / "murmur.sqlite3")
    await store.open()
    await store.save_event("jpo", "JPO", "{}")
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
    source = RssFeed(RssSource(url=f"{served}/feeds/{name}"), ctx, "rss-1")
    assert count <= source.first_run  # a first poll takes the newest 20: here, all of them
    got: list[Post] = []
    try:
        async with contextlib.aclosing(source.posts()) as posts:
            async for post in posts:
                got.append(post)
                if len(got) == count:
                    break
    finally:
        await http.close()
        await store.close()

    direct = read_feed((REAL / "feeds" / name).read_bytes(), feed_url=f"{served}/feeds/{name}")
    wanted = sorted((e.post for e in direct.entries), key=lambda p: p.created_at)

    def seen(p: Post) -> tuple[object, ...]:
        # An entry without a date is dated when it arrives: that time is not compared.
        return (p.network_id, p.text, p.undated, None if p.undated else p.created_at)

    assert [seen(p) for p in got] == [seen(p) for p in wanted]  # oldest first
    assert all(p.created_at.tzinfo is UTC for p in got)
