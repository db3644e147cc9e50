"""The RSS and Atom source: the pure parser on documents, then the connector against a
fake feed server, with a real store, media store, guarded session and supervisor."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aiohttp
import msgspec
import pytest

from moderation import Post
from tests.fakes.feed import BILLION_LAUGHS, FakeFeed, Fault
from wall.fetch import Guard, GuardedResolver, make_session
from wall.ingest import sanitise_html
from wall.media import MediaStore
from wall.settings import EventSettings, RssSource
from wall.sources import Source
from wall.sources.context import Cursor, SourceContext
from wall.sources.errors import (
    BadCredentials,
    Disconnected,
    NotFoundOnNetwork,
    RateLimited,
    SourceFailure,
)
from wall.sources.feed_guard import without_dtd
from wall.sources.rss import FeedCursor, RssFeed, parse_date, retry_after
from wall.sources.rss_wire import FeedError, parse_feed, read_feed
from wall.store import Store
from wall.supervisor import Health, Supervisor

FEED_URL = "https://news.univ.example/feed.xml"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
EVENT = EventSettings(slug="jpo", title="Journée portes ouvertes", hashtags=["#JPO2026"])
LOCAL = Guard(["127.0.0.0/8"])


def rss(items: str, *, channel: str = "", namespaces: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:atom="http://www.w3.org/2005/Atom" {namespaces}>
<channel>
  <title>Université — actualités</title>
  <link>https://univ.example/news</link>
  <atom:link href="{FEED_URL}" rel="self"/>
  <language>fr-FR</language>
  <lastBuildDate>Wed, 11 Mar 2026 08:00:00 GMT</lastBuildDate>
  {channel}
  {items}
</channel>
</rss>""".encode()


def atom(entries: str, *, head: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"
      xml:lang="en">
  <title type="text">Campus blog</title>
  <id>tag:univ.example,2026:blog</id>
  <updated>2026-03-11T08:00:00Z</updated>
  <link rel="alternate" href="https://univ.example/blog"/>
  <author><name>Campus Blog Team</name></author>
  {head}
  {entries}
</feed>""".encode()


def parse(data: bytes, url: str = FEED_URL) -> list[Post]:
    return [entry.post for entry in parse_feed(data, feed_url=url, now=NOW)]


# -- parsing RSS 2.0 --------------------------------------------------------------------

RSS_ITEM = """
<item>
  <title>Journée portes ouvertes : le programme</title>
  <link>https://univ.example/news/jpo</link>
  <guid>https://univ.example/news/jpo</guid>
  <pubDate>Tue, 10 Mar 2026 09:30:00 +0100</pubDate>
  <dc:creator>Service communication</dc:creator>
  <description>&lt;p&gt;Rendez-vous en &lt;a href="https://univ.example/amphi"&gt;amphi A&lt;/a&gt;
    à 10 h #JPO2026&lt;/p&gt;&lt;p&gt;Café offert&lt;br&gt;toute la journée&lt;/p&gt;</description>
  <category>Vie étudiante</category>
  <category>#Campus</category>
  <enclosure url="/img/affiche.jpg" type="image/jpeg" length="1234"/>
  <enclosure url="https://univ.example/podcast.mp3" type="audio/mpeg" length="999"/>
  <media:content url="https://cdn.univ.example/hall.png" medium="image">
    <media:description>The main hall, full of visitors</media:description>
  </media:content>
</item>
"""


def test_an_rss_item_becomes_a_post() -> None:
    [entry] = parse_feed(
        rss(RSS_ITEM, channel="<image><url>/logo.png</url></image>"), feed_url=FEED_URL, now=NOW
    )
    post = entry.post

    assert post.network == "rss"
    assert post.network_id == "https://univ.example/news/jpo"
    assert post.url == "https://univ.example/news/jpo"
    assert post.author.name == "Service communication"
    assert post.author.handle == "news.univ.example"
    assert post.author.profile_url == "https://univ.example/news"
    assert post.author.avatar_url is None  # fetched by the loop, never a remote URL
    assert post.text == (
        "Journée portes ouvertes : le programme\n\n"
        "Rendez-vous en amphi A à 10 h #JPO2026\n\nCafé offert\ntoute la journée"
    )
    assert post.html.startswith("<p><strong>Journée portes ouvertes : le programme</strong></p>")
    assert '<a href="https://univ.example/amphi">amphi A</a>' in post.html
    assert post.created_at == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    assert post.language == "fr"
    assert post.hashtags == ("Vieétudiante", "Campus", "JPO2026")
    assert post.media == ()
    assert [(p.url, p.alt) for p in entry.pictures] == [
        ("https://news.univ.example/img/affiche.jpg", ""),
        ("https://cdn.univ.example/hall.png", "The main hall, full of visitors"),
    ]
    assert entry.avatar_url == "https://news.univ.example/logo.png"


def test_an_item_without_author_is_signed_by_the_feed_and_an_email_is_never_shown() -> None:
    posts = parse(
        rss(
            """
            <item><guid>https://u.example/1</guid><title>One</title></item>
            <item><guid>https://u.example/2</guid><title>Two</title>
              <author>press@univ.example (Press office)</author></item>
            <item><guid>https://u.example/3</guid><title>Three</title>
              <author>press@univ.example</author></item>
            """
        )
    )

    assert [p.author.name for p in posts] == [
        "Université — actualités",
        "Press office",
        "Université — actualités",
    ]


def test_a_mastodon_tag_feed_is_read() -> None:
    # The shape of https://mastodon.example/tags/jpo2026.rss: no titles, HTML descriptions
    # with hashtag links, pictures as media:content with their alt text.
    posts = parse_feed(
        rss(
            """
            <item>
              <guid isPermaLink="true">https://mastodon.example/@ines/11223344</guid>
              <link>https://mastodon.example/@ines/11223344</link>
              <pubDate>Tue, 10 Mar 2026 10:02:03 +0000</pubDate>
              <description>&lt;p&gt;Super ambiance !
                &lt;a href="https://mastodon.example/tags/JPO2026" class="mention hashtag"
                rel="tag"&gt;#&lt;span&gt;JPO2026&lt;/span&gt;&lt;/a&gt;&lt;/p&gt;
              </description>
              <media:content url="https://files.mastodon.example/a.jpg" type="image/jpeg"
                fileSize="1000" medium="image">
                <media:rating scheme="urn:simple">nonadult</media:rating>
                <media:description type="plain">Students in the hall</media:description>
              </media:content>
              <category>jpo2026</category>
            </item>
            """
        ),
        feed_url="https://mastodon.example/tags/jpo2026.rss",
        now=NOW,
    )
    [entry] = posts

    assert entry.post.text == "Super ambiance ! #JPO2026"
    assert entry.post.hashtags == ("jpo2026",)
    assert entry.post.sensitive is False
    assert entry.pictures[0].alt == "Students in the hall"


def test_a_plain_text_description_keeps_its_lines_and_is_escaped_as_html() -> None:
    [post] = parse(
        rss("<item><guid>g:1</guid><description>Tom &amp; Jerry\nat 5 &lt; 6</description></item>")
    )

    assert post.text == "Tom & Jerry\nat 5 < 6"
    assert post.html == "<p>Tom &amp; Jerry<br>at 5 &lt; 6</p>"


def test_rss_1_rdf_is_read() -> None:
    data = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://lab.example/">
    <title>Lab news</title><link>https://lab.example/</link>
    <dc:language>en</dc:language>
  </channel>
  <item rdf:about="https://lab.example/n/7">
    <title>New microscope</title><link>https://lab.example/n/7</link>
    <description>It is big.</description>
    <dc:date>2026-03-10T11:00:00+01:00</dc:date>
    <dc:creator>Dr Lee</dc:creator><dc:subject>science</dc:subject>
  </item>
</rdf:RDF>"""
    [post] = parse(data, "https://lab.example/index.rdf")

    assert post.network_id == "https://lab.example/n/7"
    assert post.text == "New microscope\n\nIt is big."
    assert post.author.name == "Dr Lee"
    assert post.created_at == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    assert post.hashtags == ("science",)
    assert post.language == "en"


# -- parsing Atom -----------------------------------------------------------------------


def test_an_atom_entry_becomes_a_post() -> None:
    [entry] = parse_feed(
        atom(
            """
            <entry>
              <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
              <title type="html">Robots &lt;em&gt;everywhere&lt;/em&gt;</title>
              <link rel="alternate" href="/blog/robots"/>
              <link rel="enclosure" type="image/png" href="https://univ.example/r.png"
                    title="A robot arm"/>
              <published>2026-03-10T09:00:00+01:00</published>
              <updated>2026-03-11T09:00:00Z</updated>
              <author><name>Jordan Lee</name></author>
              <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">
                <p>The <b>robotics</b> club shows its arm. #Fablab</p></div></summary>
              <category term="robotics"/>
            </entry>
            """,
            head="<icon>https://univ.example/icon.png</icon>",
        ),
        feed_url="https://univ.example/blog.atom",
        now=NOW,
    )
    post = entry.post

    assert post.network_id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert post.url == "https://univ.example/blog/robots"
    assert post.text == "Robots everywhere\n\nThe robotics club shows its arm. #Fablab"
    assert "<p>The <b>robotics</b> club shows its arm. #Fablab</p>" in post.html
    assert post.created_at == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # published wins
    assert post.author.name == "Jordan Lee"
    assert post.author.handle == "univ.example"
    assert post.author.profile_url == "https://univ.example/blog"
    assert post.language == "en"
    assert post.hashtags == ("robotics", "Fablab")
    assert [(p.url, p.alt) for p in entry.pictures] == [
        ("https://univ.example/r.png", "A robot arm")
    ]
    assert entry.avatar_url == "https://univ.example/icon.png"


def test_atom_text_content_is_text_and_the_feed_author_signs_unsigned_entries() -> None:
    [post] = parse(
        atom(
            """
            <entry><id>tag:univ.example,2026:2</id><title>5 &lt; 6</title>
              <updated>2026-03-10T10:00:00Z</updated>
              <content type="text">&lt;b&gt;not bold&lt;/b&gt;</content></entry>
            """
        )
    )

    assert post.text == "5 < 6\n\n<b>not bold</b>"
    assert "&lt;b&gt;not bold&lt;/b&gt;" in post.html
    assert post.author.name == "Campus Blog Team"
    assert post.created_at == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # updated, no published


# -- hostile content --------------------------------------------------------------------


def test_hostile_html_in_titles_and_descriptions_never_reaches_the_text() -> None:
    [post] = parse(
        rss(
            """
            <item><guid>https://u.example/x</guid>
              <title>&lt;script&gt;alert("title")&lt;/script&gt;Breaking
                &lt;b&gt;news&lt;/b&gt;</title>
              <description><![CDATA[<img src=x onerror="alert(1)"><style>p{display:none}</style>
                <p onclick="steal()">Read <a href="javascript:alert(2)">this</a></p>
                <script>document.cookie</script><iframe src="https://evil.example"></iframe>]]>
              </description>
            </item>
            """
        )
    )

    assert post.text == "Breaking news\n\nRead this"
    assert "alert" not in post.text
    assert "cookie" not in post.text
    assert "<script" not in post.html.split("</strong>")[0]  # the title is escaped text
    clean = sanitise_html(post.html)  # what ingest stores
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<style"):
        assert bad not in clean


def test_hostile_links_are_dropped() -> None:
    [entry] = parse_feed(
        rss(
            """
            <item><guid>https://u.example/y</guid><title>Hi</title>
              <link>javascript:alert(1)</link>
              <enclosure url="file:///etc/passwd" type="image/png"/>
              <media:thumbnail url="data:image/png;base64,AAAA"/>
            </item>
            """
        ),
        feed_url=FEED_URL,
    )

    assert entry.post.url is None
    assert entry.pictures == ()


def test_adult_media_mark_the_post_sensitive() -> None:
    [post] = parse(
        rss(
            """<item><guid>g:2</guid><title>Fake blood at the drama club</title>
            <media:content url="https://u.example/b.jpg" medium="image">
              <media:rating scheme="urn:simple">adult</media:rating></media:content></item>"""
        )
    )

    assert post.sensitive is True


# -- pictures ---------------------------------------------------------------------------


def test_thumbnails_and_inline_images_are_fallbacks_and_pictures_are_capped() -> None:
    entries = parse_feed(
        rss(
            """
            <item><guid>g:thumb</guid><title>Thumb</title>
              <media:group><media:thumbnail url="https://u.example/t.jpg"/></media:group></item>
            <item><guid>g:both</guid><title>Both</title>
              <media:thumbnail url="https://u.example/t.jpg"/>
              <media:content url="https://u.example/full.webp"/></item>
            <item><guid>g:inline</guid><title>Inline</title>
              <description>&lt;p&gt;&lt;img src="/i.gif" alt="A cat"&gt;&lt;/p&gt;</description>
            </item>
            <item><guid>g:many</guid><title>Many</title>
              <enclosure url="https://u.example/1.png" type="image/png"/>
              <enclosure url="https://u.example/2.png" type="image/png"/>
              <enclosure url="https://u.example/2.png" type="image/png"/>
              <enclosure url="https://u.example/3.png" type="image/png"/>
              <enclosure url="https://u.example/4.png" type="image/png"/>
              <enclosure url="https://u.example/5.png" type="image/png"/></item>
            """
        ),
        feed_url=FEED_URL,
    )
    pictures = {e.post.text: [p.url for p in e.pictures] for e in entries}

    assert pictures["Thumb"] == ["https://u.example/t.jpg"]
    assert pictures["Both"] == ["https://u.example/full.webp"]
    assert pictures["Inline"] == ["https://news.univ.example/i.gif"]
    assert pictures["Many"] == [f"https://u.example/{n}.png" for n in range(1, 5)]


# -- dates, hashtags, ids ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Tue, 10 Mar 2026 09:30:00 GMT", datetime(2026, 3, 10, 9, 30, tzinfo=UTC)),
        ("Tue, 10 Mar 2026 09:30:00 +0100", datetime(2026, 3, 10, 8, 30, tzinfo=UTC)),
        ("10 Mar 2026 09:30:00 -0000", datetime(2026, 3, 10, 9, 30, tzinfo=UTC)),
        ("Tue, 10 Mar 2026 04:30:00 EST", datetime(2026, 3, 10, 9, 30, tzinfo=UTC)),
        ("2026-03-10T09:30:00Z", datetime(2026, 3, 10, 9, 30, tzinfo=UTC)),
        ("2026-03-10T09:30:00.250+02:00", datetime(2026, 3, 10, 7, 30, 0, 250000, tzinfo=UTC)),
        ("2026-03-10T09:30:00", datetime(2026, 3, 10, 9, 30, tzinfo=UTC)),
        ("2026-03-10", datetime(2026, 3, 10, tzinfo=UTC)),
        ("  ", None),
        ("yesterday", None),
        ("Tue, 99 Foo 2026", None),
        ("0001-01-01T00:00:00+01:00", None),
        ("9999-12-31T23:59:59-01:00", None),
    ],
)
def test_dates_in_rfc_822_and_iso_8601(written: str, expected: datetime | None) -> None:
    assert parse_date(written) == expected


def test_future_dates_come_back_to_now_and_undated_entries_take_the_feeds_date() -> None:
    future, undated = parse(
        rss(
            """<item><guid>g:f</guid><title>F</title>
                 <pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
               <item><guid>g:u</guid><title>U</title></item>"""
        )
    )

    assert future.created_at == NOW
    assert undated.created_at == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # lastBuildDate


def test_hashtags_come_from_categories_and_the_text_once_each() -> None:
    [post] = parse(
        rss(
            """<item><guid>g:h</guid>
              <title>#JPO2026 and #jpo2026 again, #Fablab!</title>
              <description>See https://u.example/page#section, #123, issue&#35;12,
                #Élèves</description>
              <category>Campus Life</category><category>JPO2026</category>
              <category>a/b</category><category></category></item>"""
        )
    )

    assert post.hashtags == ("CampusLife", "JPO2026", "Fablab", "Élèves")


def test_ids_fall_back_from_guid_to_link_to_a_stable_hash() -> None:
    data = rss(
        """
        <item><guid isPermaLink="false">1234</guid><title>Numbered</title></item>
        <item><link>https://u.example/linked</link><title>Linked</title></item>
        <item><title>Only a title</title><pubDate>Tue, 10 Mar 2026 09:30:00 GMT</pubDate></item>
        """
    )
    numbered, linked, hashed = parse(data)

    assert numbered.network_id == f"{FEED_URL}#1234"  # only unique within its feed
    assert numbered.url is None  # not a permalink
    assert linked.network_id == "https://u.example/linked"
    assert hashed.network_id.startswith("sha256:")
    assert parse(data)[2].network_id == hashed.network_id
    [long] = parse(rss(f"<item><guid>https://u.example/{'x' * 1000}</guid><title>L</title></item>"))
    assert long.network_id.startswith("sha256:")
    assert len(long.network_id) < 100


def test_a_malformed_entry_is_skipped_and_the_others_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    feed = read_feed(
        rss(
            """<item><guid>g:1</guid><title>Good</title></item>
               <item></item>
               <item><guid>g:3</guid></item>
               <item><guid>g:4</guid><title>Also good</title></item>"""
        ),
        feed_url=FEED_URL,
        now=NOW,
    )

    assert [e.post.text for e in feed.entries] == ["Good", "Also good"]
    assert [s.reason for s in feed.skipped] == [
        "entry 2 skipped: an entry with no id, link, title, date or text",
        "entry 3 skipped: nothing to show in g:3",
    ]
    assert "entry 2 skipped" in caplog.text
    assert "entry 3 skipped" in caplog.text


# -- documents that are not feeds, or are attacks ---------------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "the document is empty"),
        (b"   \n", "the document is empty"),
        (b"this is not XML", "it is neither RSS nor Atom (malformed XML: syntax error)"),
        (b'{"posts": []}', "it is neither RSS nor Atom (malformed XML: not well-formed"),
        (b"<?xml version='1.0'?><catalog><book/></catalog>", "it is neither RSS nor Atom"),
        (b"<!doctype html><html><body>Hi</body></html>", "it is a web page (HTML), not a feed"),
        (b"<HTML><BODY>Captive portal</BODY></HTML>", "it is a web page (HTML), not a feed"),
    ],
)
def test_a_document_that_is_not_a_feed_is_refused_with_a_reason(data: bytes, says: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(data, feed_url=FEED_URL)

    assert str(caught.value).startswith(says)


@pytest.mark.parametrize(
    "data",
    [
        b"<rss><channel><item></channel></rss>",  # read leniently: one unreadable entry
        b'<rss version="2.0"></rss>',
        b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>',
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet</title></feed>',
    ],
)
def test_a_feed_with_nothing_to_show_is_no_error(data: bytes) -> None:
    assert parse_feed(data, feed_url=FEED_URL) == []


def test_billion_laughs_is_never_expanded() -> None:
    # Expanded, &lol9; is 3 GB: that this returns at all shows nothing was expanded; the
    # reference stays as written.
    [post] = parse(BILLION_LAUGHS)

    assert post.text == "&lol9;"


@pytest.fixture
def canary(tmp_path: Path) -> Iterator[tuple[Path, str, list[str]]]:
    """A local file and a local URL that an XXE would read: (file, base URL, requests)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-7f3a")
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak "CANARY-7f3a">')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield secret, f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()


XXE_SHAPES = {
    "file, multi-line": '<!DOCTYPE rss [\n<!ENTITY leak SYSTEM "{file}">\n]>',
    "file, one line": '<!DOCTYPE rss [<!ENTITY leak SYSTEM "{file}">]>',
    "local URL": '<!DOCTYPE rss [\n<!ENTITY leak SYSTEM "{url}/entity">\n]>',
    "external DTD": '<!DOCTYPE rss SYSTEM "{url}/dtd">',
    "public DTD": '<!DOCTYPE rss PUBLIC "-//Evil//DTD//EN" "{url}/public.dtd">',
    "parameter entity": '<!DOCTYPE rss [<!ENTITY % p SYSTEM "{url}/p"> %p;]>',
    "after a comment": '<!-- hi --> <!doctype rss [<!ENTITY leak SYSTEM "{file}">]>',
    "a '>' in a quoted value": '<!DOCTYPE rss [<!ENTITY x "a>b"><!ENTITY leak SYSTEM "{file}">]>',
}


@pytest.mark.parametrize("shape", XXE_SHAPES, ids=list(XXE_SHAPES))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_external_entities_and_dtds_are_never_read(
    canary: tuple[Path, str, list[str]], shape: str, encoding: str
) -> None:
    secret, url, asked = canary
    dtd = XXE_SHAPES[shape].format(file=secret.as_uri(), url=url)
    document = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{dtd}\n<rss version="2.0"><channel>'
        "<title>xxe</title><item><guid>https://u.example/xxe</guid><title>Leak: &leak;</title>"
        "</item></channel></rss>"
    )

    [post] = parse(document.encode(encoding))

    assert post.text == "Leak: &leak;"
    assert "CANARY" not in post.text + post.html
    assert asked == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32", "gb18030"])
def test_the_dtd_is_cut_before_feedparser_sees_it_in_any_encoding(encoding: str) -> None:
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n<!-- c -->'
    body = "<rss><channel><title>中文</title></channel></rss>"
    data = (head + '<!DOCTYPE rss [<!ENTITY a "]>">]>' + body).encode(encoding)

    cut, found = without_dtd(data)

    assert found is True
    assert cut == (head + body).encode(encoding)
    assert without_dtd(cut) == (cut, False)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("0", 0.0), ("Thu, 12 Mar 2026 12:01:30 GMT", 90.0), ("soon", None)],
)
def test_retry_after_reads_seconds_and_http_dates(header: str, seconds: float | None) -> None:
    assert retry_after(header, now=NOW) == seconds


def test_retry_after_is_capped_at_a_day() -> None:
    assert retry_after("99999999999", now=NOW) == 86400.0
    assert retry_after(None) is None


# -- the connector against a fake feed --------------------------------------------------


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(tmp_path / "murmur.sqlite3")
    await store.open()
    await store.save_event("jpo", "Journée portes ouvertes", "{}")
    yield store
    await store.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    session = make_session(LOCAL)
    yield session
    await session.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeFeed]:
    async with FakeFeed() as feed:
        yield feed


Connect = Callable[..., RssFeed]


@pytest.fixture
def connect(store: Store, http: aiohttp.ClientSession, tmp_path: Path) -> Connect:
    """Build an RSS source on the test store: a new object each call, as after a restart."""

    def build(
        url: str,
        *,
        event: EventSettings = EVENT,
        require_hashtags: bool = False,
        timeout: float = 5.0,
    ) -> RssFeed:
        ctx = SourceContext(
            event=event,
            http=http,
            guard=LOCAL,
            media=MediaStore(tmp_path / "media"),
            cursor=Cursor(store, event.slug, "rss-1"),
            secret=lambda name: None,
        )
        settings = RssSource(url=url, poll_seconds=0.05, require_hashtags=require_hashtags)
        return RssFeed(settings, ctx, "rss-1", timeout=timeout)

    return build


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):  # a safety net, not a measurement
        while not condition():
            await asyncio.sleep(0.005)


async def drain(source: Source, fake: FakeFeed, *, polls: int = 2) -> list[Post]:
    """Run ``source`` until the fake has answered ``polls`` more requests for the feed.

    The connector asks again only after it has yielded and saved all of a document, so
    when the second request arrives the first document is through.
    """
    got: list[Post] = []
    start = len(fake.requests)

    async def run() -> None:
        async for post in source.posts():
            got.append(post)

    task = asyncio.create_task(run())
    try:
        await until(lambda: len(fake.requests) >= start + polls or task.done())
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return got


async def first_failure(source: RssFeed) -> SourceFailure:
    with pytest.raises(SourceFailure) as caught:
        async with contextlib.aclosing(source.posts()) as posts:
            async for _ in posts:
                pass
    return caught.value


def titles(posts: list[Post]) -> list[str]:
    return [p.text.split("\n")[0] for p in posts]


@pytest.mark.parametrize("kind", ["rss", "atom"])
async def test_entries_arrive_oldest_first_with_their_pictures_in_the_media_store(
    kind: str, connect: Connect, tmp_path: Path
) -> None:
    async with FakeFeed(kind="atom" if kind == "atom" else "rss") as fake:
        fake.publish("First", image=True)
        fake.publish("Second", categories=("JPO2026",))

        posts = await drain(connect(fake.url), fake)

    assert titles(posts) == ["First", "Second"]
    first, second = posts
    [picture] = first.media
    assert picture.url.startswith("/media/")
    assert (tmp_path / "media" / picture.url.removeprefix("/media/")).is_file()
    assert fake.image_requests == 1
    assert second.hashtags == ("JPO2026",)
    assert first.url == fake.link(fake.entries[0])
    assert first.created_at < second.created_at


async def test_conditional_get_sends_the_validators_and_an_unchanged_feed_is_a_304(
    fake: FakeFeed, connect: Connect
) -> None:
    fake.publish("Only")

    posts = await drain(connect(fake.url), fake, polls=3)

    first, second, third = fake.requests[:3]
    assert (first.if_none_match, first.if_modified_since, first.status) == (None, None, 200)
    assert second.if_none_match == fake.etag
    assert second.if_modified_since == "Tue, 10 Mar 2026 08:01:00 GMT"
    assert (second.status, third.status) == (304, 304)
    assert titles(posts) == ["Only"]


async def test_only_new_entries_are_yielded_across_polls_each_once(connect: Connect) -> None:
    async with FakeFeed(duplicates=True) as fake:  # every entry listed twice
        fake.publish("One")
        fake.publish("Two")
        source = connect(fake.url)
        before = await drain(source, fake)
        fake.publish("Three")
        fake.publish("Four")
        after = await drain(source, fake)

    assert titles(before) == ["One", "Two"]
    assert titles(after) == ["Three", "Four"]


async def test_the_first_poll_takes_only_the_newest_entries(
    fake: FakeFeed, connect: Connect, store: Store
) -> None:
    for n in range(1, 31):
        fake.publish(f"Entry {n}")
    source = connect(fake.url)

    first = await drain(source, fake)
    fake.publish("Entry 31")
    later = await drain(source, fake)

    assert titles(first) == [f"Entry {n}" for n in range(11, 31)]
    assert titles(later) == ["Entry 31"]
    assert titles(await drain(connect(fake.url), fake)) == []  # the older ten never come


async def test_require_hashtags_keeps_only_entries_carrying_the_events_hashtags(
    fake: FakeFeed, connect: Connect
) -> None:
    fake.publish("Tagged in a category", categories=("jpo2026",))
    fake.publish("Unrelated news")
    fake.publish("Tagged in the text", text="See you there #JPO2026")

    posts = await drain(connect(fake.url, require_hashtags=True), fake)
    fake.publish("More unrelated news")
    fake.publish("Late", categories=("#JPO2026",))
    more = await drain(connect(fake.url, require_hashtags=True), fake)

    assert titles(posts) == ["Tagged in a category", "Tagged in the text"]
    assert titles(more) == ["Late"]


async def test_a_restart_resumes_from_the_cursor_without_yielding_again(
    fake: FakeFeed, connect: Connect, store: Store
) -> None:
    fake.publish("One")
    fake.publish("Two")
    assert titles(await drain(connect(fake.url), fake)) == ["One", "Two"]

    restarted = connect(fake.url)  # a new object on the same store
    again = await drain(restarted, fake)
    fake.publish("Three")
    new = await drain(restarted, fake)

    assert again == []
    assert fake.requests[2].if_none_match is not None  # the saved ETag
    assert fake.requests[2].status == 304
    assert titles(new) == ["Three"]


async def test_a_source_stopped_halfway_through_a_document_loses_nothing(
    fake: FakeFeed, connect: Connect
) -> None:
    for title in ("One", "Two", "Three"):
        fake.publish(title)
    async with contextlib.aclosing(connect(fake.url).posts()) as posts:
        one = await anext(posts)
        two = await anext(posts)  # resuming saved "One"; "Two" is not saved yet

    rest = await drain(connect(fake.url), fake)

    assert titles([one, two]) == ["One", "Two"]
    assert titles(rest) == ["Two", "Three"]  # at least once: ingest drops a repeat
    assert fake.requests[1].if_none_match is None  # no validators until a document is through


async def test_the_cursor_stays_bounded_and_keeps_what_the_feed_still_lists(
    fake: FakeFeed, connect: Connect, store: Store
) -> None:
    fake.limit = 3  # the feed lists its three newest entries, as real feeds do
    source = connect(fake.url)
    source.max_seen = 4
    got: list[Post] = []
    for n in range(1, 11):
        fake.publish(f"Entry {n}")
        got += await drain(source, fake)

    cursor = msgspec.json.decode(await store.get_cursor("jpo", "rss-1") or "", type=FeedCursor)
    assert titles(got) == [f"Entry {n}" for n in range(1, 11)]
    assert len(cursor.seen) == 4


async def test_a_broken_picture_leaves_the_post_without_it(
    fake: FakeFeed, connect: Connect
) -> None:
    fake.publish("Pictured", image=True)
    fake.publish("Broken", image=f"{fake.base}/img/missing.png")  # a 404
    fake.publish("Refused", image="http://10.0.0.1/private.png")  # never fetched

    posts = await drain(connect(fake.url), fake)

    assert [len(p.media) for p in posts] == [1, 0, 0]
    assert titles(posts) == ["Pictured", "Broken", "Refused"]
    assert fake.image_requests == 2


async def test_redirects_are_followed(fake: FakeFeed, connect: Connect) -> None:
    fake.publish("Moved")

    posts = await drain(connect(f"{fake.base}/moved"), fake)

    assert titles(posts) == ["Moved"]


# -- failures, translated ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "retry", "error", "says"),
    [
        ("401", None, BadCredentials, "answered 401: it is not public"),
        ("403", None, BadCredentials, "answered 403: it is not public"),
        ("404", None, NotFoundOnNetwork, "answered 404: there is no feed at this address"),
        ("410", None, NotFoundOnNetwork, "answered 410"),
        ("429", "120", RateLimited, "answered 429: too many requests"),
        ("503", "30", RateLimited, "answered 503: the server asks to wait"),
        ("503", None, Disconnected, "answered 503: a server error"),
        ("500", None, Disconnected, "answered 500: a server error"),
        ("drop", None, Disconnected, "the connection was dropped"),
        ("stall", None, Disconnected, "no complete answer within 0.2 s"),
        ("not-xml", None, SourceFailure, "cannot be read: it is neither RSS nor Atom"),
        ("web-page", None, SourceFailure, "cannot be read: it is a web page (HTML), not a feed"),
        ("huge", None, SourceFailure, "was refused: too large: over 5242880 bytes"),
        ("huge-declared", None, SourceFailure, "was refused: too large: 6291"),
    ],
)
async def test_failures_are_translated_into_source_errors(
    fake: FakeFeed,
    connect: Connect,
    fault: Fault,
    retry: str | None,
    error: type[SourceFailure],
    says: str,
) -> None:
    fake.publish("Waiting")
    fake.misbehave(fault, retry_after=retry)

    failure = await first_failure(connect(fake.url, timeout=0.2 if fault == "stall" else 5.0))

    assert type(failure) is error
    assert str(failure).startswith(f"the feed at {fake.url}")
    assert says in str(failure)
    assert failure.retry_after == (float(retry) if retry else None)


async def test_attack_and_broken_documents_cost_their_entries_never_the_source(
    fake: FakeFeed, connect: Connect
) -> None:
    fake.publish("Real news")
    for fault in ("bomb", "xxe", "malformed"):
        fake.misbehave(fault)

    posts = await drain(connect(fake.url), fake, polls=5)

    # The entity references stay as written; the truncated document's entry has nothing.
    assert titles(posts) == ["&lol9;", "&xxe;", "Real news"]
    assert [r.status for r in fake.requests[:4]] == [200, 200, 200, 200]


async def test_a_429_without_retry_after_waits_a_minute(fake: FakeFeed, connect: Connect) -> None:
    fake.misbehave("429")

    failure = await first_failure(connect(fake.url))

    assert isinstance(failure, RateLimited)
    assert failure.retry_after == 60.0


@pytest.mark.parametrize("fault", ["500", "drop", "stall", "not-xml", "web-page"])
async def test_the_next_run_recovers_and_loses_nothing(
    fake: FakeFeed, connect: Connect, fault: Fault
) -> None:
    fake.publish("Before")
    source = connect(fake.url, timeout=0.2 if fault == "stall" else 5.0)
    before = await drain(source, fake)
    fake.publish("During")
    fake.misbehave(fault)

    failure = await first_failure(source)  # what the supervisor sees
    after = await drain(source, fake)  # and its next run

    assert isinstance(failure, SourceFailure)
    assert titles(before) == ["Before"]
    assert titles(after) == ["During"]


# -- with the supervisor ----------------------------------------------------------------


@contextlib.asynccontextmanager
async def supervised(source: Source) -> AsyncIterator[tuple[Health, list[Post]]]:
    got: list[Post] = []

    async def ingest(event: str, post: Post) -> None:
        got.append(post)

    supervisor = Supervisor(ingest)
    supervisor.start("jpo", source)
    try:
        yield supervisor.health[("jpo", source.name)], got
    finally:
        await supervisor.stop()


@pytest.mark.parametrize(
    ("fault", "state"),
    [("401", "failing: bad credentials"), ("404", "failing: not found")],
)
async def test_the_supervisor_reports_permanent_failures(
    fake: FakeFeed, connect: Connect, fault: Fault, state: str
) -> None:
    fake.misbehave(fault)

    async with supervised(connect(fake.url)) as (health, _):
        await until(lambda: health.failures > 0)

    assert health.state == state
    assert f"answered {fault}" in (health.last_error or "")


async def test_the_supervisor_waits_as_long_as_the_servers_retry_after(
    fake: FakeFeed, connect: Connect
) -> None:
    fake.misbehave("429", retry_after="120")

    async with supervised(connect(fake.url)) as (health, _):
        await until(lambda: health.failures > 0)
        assert health.state == "rate limited"
        assert health.next_retry_at == pytest.approx(time.time() + 120, abs=30)
    assert len(fake.requests) == 1  # it did not ask again in the meantime


async def test_an_entry_that_cannot_be_read_is_counted_once_in_health_and_the_feed_goes_on(
    fake: FakeFeed, store: Store, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    got: list[Post] = []

    async def ingest(event: str, post: Post) -> None:
        got.append(post)

    supervisor = Supervisor(ingest)
    ctx = SourceContext(
        event=EVENT,
        http=http,
        guard=LOCAL,
        media=MediaStore(tmp_path / "media"),
        cursor=Cursor(store, "jpo", "rss-1"),
        secret=lambda name: None,
        on_skip=functools.partial(supervisor.mark_skipped, "jpo", "rss-1"),
    )
    settings = RssSource(url=fake.url, poll_seconds=0.05)
    fake.publish("Before")
    bad = fake.publish("", unreadable=True)
    fake.publish("After")
    supervisor.start("jpo", RssFeed(settings, ctx, "rss-1"))
    try:
        await until(lambda: len(got) == 2)
        fake.publish("Later")  # a new document, which still lists the bad entry
        await until(lambda: len(got) == 3)
        health = supervisor.health[("jpo", "rss-1")]
    finally:
        await supervisor.stop()

    assert titles(got) == ["Before", "After", "Later"]
    assert health.skipped == 1
    assert health.last_skipped == (
        f"the feed at {fake.url}: entry 2 skipped: nothing to show in {fake.link(bad)}"
    )
    assert health.failures == 0


async def test_the_supervisor_brings_a_failing_feed_back_to_live(
    fake: FakeFeed, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wall.supervisor.backoff_delay", lambda *args, **kwargs: 0.0)
    fake.publish("After the storm")
    fake.misbehave("500", times=2)
    fake.misbehave("drop")

    async with supervised(connect(fake.url)) as (health, got):
        await until(lambda: bool(got))
        assert health.state == "live"

    assert titles(got) == ["After the storm"]
    assert health.last_error is not None
    assert "dropped" in health.last_error
    assert [r.status for r in fake.requests[:4]] == [500, 500, 200, 200]


# -- the SSRF guard ---------------------------------------------------------------------


@pytest.fixture
def requests_started() -> Iterator[tuple[aiohttp.TraceConfig, list[str]]]:
    started: list[str] = []
    trace = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        started.append(str(params.url))
        if params.url.host != "127.0.0.1":  # a tripwire: fail before connecting
            raise AssertionError(f"the guard let a request to {params.url} through")

    trace.on_request_start.append(on_start)
    yield trace, started


async def test_a_feed_on_a_private_address_is_refused_before_any_connection(
    store: Store, tmp_path: Path, requests_started: tuple[aiohttp.TraceConfig, list[str]]
) -> None:
    trace, started = requests_started
    guard = Guard()  # public addresses only
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(guard))
    async with aiohttp.ClientSession(connector=connector, trace_configs=[trace]) as http:
        ctx = SourceContext(
            event=EVENT,
            http=http,
            guard=guard,
            media=MediaStore(tmp_path / "media"),
            cursor=Cursor(store, "jpo", "rss-1"),
            secret=lambda name: None,
        )
        source = RssFeed(RssSource(url="http://10.0.0.1/feed"), ctx, "rss-1")

        failure = await first_failure(source)

    assert type(failure) is SourceFailure
    assert str(failure) == (
        "the feed at http://10.0.0.1/feed was refused: 10.0.0.1 is not a public address"
    )
    assert started == []


async def test_the_registry_builds_an_rss_source(
    store: Store, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    from wall.sources.registry import build_source

    ctx = SourceContext(
        event=EVENT,
        http=http,
        guard=LOCAL,
        media=MediaStore(tmp_path / "media"),
        cursor=Cursor(store, "jpo", "rss-2"),
        secret=lambda name: None,
    )
    source = build_source(RssSource(url="https://u.example/feed"), ctx, "rss-2")

    assert isinstance(source, RssFeed)
    assert source.name == "rss-2"
