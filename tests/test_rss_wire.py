"""Feed documents as the web sends them, read by feedparser inside Murmur's guards:
encodings, HTML entities, old namespaces, base64 content, dates that cannot be read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from moderation import Post
from wall.sources.rss_wire import read_feed

FEED_URL = "https://news.example/feed.xml"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def document(title: str, body: str, *, encoding: str, date: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0"><channel><title>News</title>'
        f"<item><guid>https://news.example/1</guid><title>{title}</title>"
        f"<description>{body}</description>"
        f"<pubDate>{date or 'Tue, 10 Mar 2026 09:30:00 GMT'}</pubDate></item>"
        "</channel></rss>"
    )


def posts(data: bytes, content_type: str | None = None) -> list[Post]:
    feed = read_feed(data, feed_url=FEED_URL, content_type=content_type, now=NOW)
    return [entry.post for entry in feed.entries]


@pytest.mark.parametrize(
    ("declared", "codec", "title", "body"),
    [
        ("gb2312", "gb2312", "校园开放日", "欢迎参观图书馆"),
        ("GB2312", "gb18030", "校园开放日", "欢迎参观图书馆"),
        ("big5", "big5", "校園開放日", "歡迎參觀圖書館"),
        ("euc-kr", "euc-kr", "캠퍼스 공개의 날", "도서관에 오신 것을 환영합니다"),
        ("shift_jis", "shift_jis", "オープンキャンパス", "図書館へようこそ"),
        ("utf16", "utf-16", "Journée", "Bienvenue à la bibliothèque"),
        ("u16", "utf-16", "Journée", "Bienvenue à la bibliothèque"),
        ("utf-16", "utf-16-be", "Journée", "Bienvenue à la bibliothèque"),
        ("utf-32", "utf-32", "Journée", "Bienvenue à la bibliothèque"),
        ("windows-1252", "cp1252", "“Open” day", "Don’t miss it – really"),
    ],
)
def test_a_feed_in_any_encoding_is_read(declared: str, codec: str, title: str, body: str) -> None:
    data = document(title, body, encoding=declared).encode(codec)

    [post] = posts(data, "application/rss+xml")

    assert post.text == f"{title}\n\n{body}"


def test_an_unknown_declared_encoding_falls_back_to_utf8() -> None:
    data = document("Café", "Crème brûlée", encoding="x-made-up").encode("utf-8")

    [post] = posts(data, "application/rss+xml")

    assert post.text == "Café\n\nCrème brûlée"


@pytest.mark.parametrize("content_type", [None, "application/rss+xml", "text/xml; charset=latin1"])
def test_windows_1252_quotes_in_a_feed_declared_latin1_stay_quotes(
    content_type: str | None,
) -> None:
    # Bytes 0x92, 0x93, 0x94, 0x85 are C1 controls in latin-1 and quotes in windows-1252:
    # what the author typed, and what browsers show.
    data = document(
        "Don\x92t miss it", "\x93Open day\x94 \x85 caf\xe9", encoding="iso-8859-1"
    ).encode("latin-1")

    [post] = posts(data, content_type)

    assert post.text == "Don’t miss it\n\n“Open day” … café"


def test_html_entities_are_read_not_refused() -> None:
    data = document(
        "Caf&eacute; &amp; cr&egrave;me&hellip;",
        "&lt;p&gt;Entr&eacute;e libre &ndash; 10&nbsp;h&lt;/p&gt;",
        encoding="utf-8",
    ).encode()

    [post] = posts(data, "application/rss+xml")

    assert post.text == "Café & crème…\n\nEntrée libre – 10 h"


def test_an_entity_left_escaped_in_a_text_summary_reads_as_its_character() -> None:
    # Movable Type writes an Atom summary (type text) as HTML without its tags but with its
    # entities (tests/data/real/feeds/touchnokia-atom.xml): "&nbsp;" must not reach a wall.
    data = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>'
        "<entry><id>tag:blog.example,2009://1.803</id><title>OVI Store</title>"
        "<updated>2009-05-28T19:57:54Z</updated>"
        "<summary><![CDATA[Язык:&nbsp;Русский, Tom &amp; Jerry]]></summary></entry></feed>"
    ).encode()

    [post] = posts(data, "application/atom+xml")

    assert post.text == "OVI Store\n\nЯзык: Русский, Tom & Jerry"


def test_rss_in_the_old_userland_namespace_is_read() -> None:
    data = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns="http://backend.userland.com/rss2">
<channel><title>Scripting News</title><link>http://scripting.example/</link>
<item><title>Old namespace</title><link>http://scripting.example/2026/03/10</link>
<description>Still RSS.</description><pubDate>Tue, 10 Mar 2026 09:30:00 GMT</pubDate>
</item></channel></rss>"""

    [post] = posts(data)

    assert post.text == "Old namespace\n\nStill RSS."
    assert post.url == "http://scripting.example/2026/03/10"
    assert post.created_at == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def test_rss_0_91_with_the_netscape_dtd_is_read() -> None:
    data = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Library</title><link>https://lib.example/</link>
<description>News</description><language>fr</language>
<item><title>Horaires d'\xe9t\xe9</title><link>https://lib.example/ete</link>
<description>Ouvert jusqu'&agrave; 20 h.</description></item>
</channel></rss>"""

    [post] = posts(data)

    assert post.text == "Horaires d'été\n\nOuvert jusqu'à 20 h."
    assert post.network_id == "https://lib.example/ete"
    assert post.language == "fr"


def test_base64_atom_content_is_decoded() -> None:
    data = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Lab</title><id>tag:lab.example,2026:f</id>
<updated>2026-03-10T09:30:00Z</updated>
<entry><id>tag:lab.example,2026:1</id><title>Encoded</title>
<updated>2026-03-10T09:30:00Z</updated>
<content type="text/html" mode="base64">PHA+SGVsbG8gPGI+d29ybGQ8L2I+PC9wPg==</content>
</entry></feed>"""

    [post] = posts(data, "application/atom+xml")

    assert post.text == "Encoded\n\nHello world"
    assert "<b>world</b>" in post.html


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Tue, 10 Mar 2026 09:30:00 CET", datetime(2026, 3, 10, 8, 30, tzinfo=UTC)),
        ("Tue, 10 Mar 2026 09:30:00 +02:00", datetime(2026, 3, 10, 7, 30, tzinfo=UTC)),
        ("2026-03-10", datetime(2026, 3, 10, tzinfo=UTC)),
    ],
)
def test_entry_dates_keep_their_zone(written: str, expected: datetime) -> None:
    [post] = posts(document("T", "B", encoding="utf-8", date=written).encode())

    assert post.created_at == expected
    assert post.undated is False


def test_an_unreadable_date_is_the_arrival_time_and_the_post_says_so() -> None:
    [post] = posts(document("T", "B", encoding="utf-8", date="le 10 mars vers midi").encode())

    assert post.created_at == NOW
    assert post.undated is True


def test_media_rss_alt_texts_stay_on_their_pictures_and_out_of_the_text() -> None:
    # Mastodon's tag feeds: each picture's alt text inside its media:content, and one of
    # them may come before the description (feedparser takes it for the entry's text).
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>#jpo</title>
<item><guid>https://m.example/@ines/1</guid>
<description>&lt;p&gt;Three pictures&lt;/p&gt;</description>
<media:content url="https://f.example/a.jpg" type="image/jpeg" medium="image">
  <media:rating scheme="urn:simple">nonadult</media:rating>
  <media:description type="plain">The hall</media:description></media:content>
<media:content url="https://f.example/b.jpg" type="image/jpeg" medium="image"/>
<media:content url="https://f.example/c.jpg" type="image/jpeg" medium="image">
  <media:rating scheme="urn:simple">adult</media:rating>
  <media:description type="plain"><![CDATA[The <stage>]]></media:description></media:content>
</item>
<item><guid>https://m.example/@ines/2</guid>
<media:content url="https://f.example/d.jpg" medium="image">
  <media:description>A cat</media:description></media:content>
<description>Alt text first</description></item>
</channel></rss>"""

    first, second = read_feed(data, feed_url=FEED_URL, now=NOW).entries

    assert first.post.text == "Three pictures"
    assert [(p.url, p.alt) for p in first.pictures] == [
        ("https://f.example/a.jpg", "The hall"),
        ("https://f.example/b.jpg", ""),
        ("https://f.example/c.jpg", "The <stage>"),
    ]
    assert first.post.sensitive is True  # one picture is rated adult
    assert second.post.text == "Alt text first"
    assert [(p.url, p.alt) for p in second.pictures] == [("https://f.example/d.jpg", "A cat")]
    assert second.post.sensitive is False
