"""Bluesky's Jetstream wire format, and the pure functions that read it.

Jetstream (``wss://HOST/subscribe``, no account) sends every public Bluesky post as one
compact JSON text frame, and has no hashtag filter (shared/SOURCES.md, "Bluesky"). These
functions turn its bytes into values without any I/O, fast enough to read the whole post
firehose on one core:

- ``Sieve.pick`` rejects a frame on its raw bytes when it cannot carry a wanted tag, and
  decodes the rest once, with ``parse_frame``, into typed ``Frame`` values;
- ``matching_tags`` compares a record's tag facets and ``tags[]`` with the event's
  hashtags, case-insensitively;
- ``pictures`` lists a post's images on the CDN, and ``parse_post`` turns a post record,
  its author's profile and the pictures Murmur stored into a ``Post``.

``wall.sources.bluesky`` is the I/O loop around them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import msgspec

from moderation.post import Author, LinkCard, Media, Post

NETWORK = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
DEFAULT_CDN = "https://cdn.bsky.app"
# Self-labels an author sets on their own post (com.atproto.label.defs#selfLabels); "gore"
# is the older name of "graphic-media".
SENSITIVE_LABELS = frozenset({"porn", "sexual", "nudity", "graphic-media", "gore"})

_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}")
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
_CID = re.compile(r"[A-Za-z0-9]{8,200}")
_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")

# -- the wire format ---------------------------------------------------------------------
# Only the fields Murmur reads; msgspec skips the rest without building anything.


class _Link(msgspec.Struct, frozen=True):
    link: str = msgspec.field(name="$link")


class Blob(msgspec.Struct, frozen=True, kw_only=True):
    """A blob reference: ``{"ref": {"$link": CID}}``, or the legacy ``{"cid": CID}``."""

    ref: _Link | None = None
    cid: str | None = None

    @property
    def link(self) -> str | None:
        return self.ref.link if self.ref is not None else self.cid


class AspectRatio(msgspec.Struct, frozen=True):
    width: int
    height: int


class Image(msgspec.Struct, frozen=True, kw_only=True):
    image: Blob | None = None
    alt: str = ""
    aspect_ratio: AspectRatio | None = msgspec.field(name="aspectRatio", default=None)


class StrongRef(msgspec.Struct, frozen=True, kw_only=True):
    """``{uri, cid}``; in a ``recordWithMedia`` embed, ``record`` wraps one more level."""

    uri: str | None = None
    cid: str | None = None
    record: StrongRef | None = None


class External(msgspec.Struct, frozen=True, kw_only=True):
    """``app.bsky.embed.external``: a link's preview card, its thumbnail a blob."""

    uri: str = ""
    title: str = ""
    description: str = ""
    thumb: Blob | None = None


class Embed(msgspec.Struct, frozen=True, kw_only=True):
    type: str = msgspec.field(name="$type", default="")
    images: list[Image] | None = None  # app.bsky.embed.images
    external: External | None = None  # app.bsky.embed.external: a link card
    record: StrongRef | None = None  # app.bsky.embed.record(WithMedia): the quoted post
    media: Embed | None = None  # app.bsky.embed.recordWithMedia: images, video, external


class Feature(msgspec.Struct, frozen=True, kw_only=True):
    type: str = msgspec.field(name="$type", default="")
    tag: str | None = None  # app.bsky.richtext.facet#tag, without the '#'
    uri: str | None = None  # #link
    did: str | None = None  # #mention


class ByteSlice(msgspec.Struct, frozen=True):
    byte_start: int = msgspec.field(name="byteStart")
    byte_end: int = msgspec.field(name="byteEnd")


class Facet(msgspec.Struct, frozen=True, kw_only=True):
    index: ByteSlice | None = None  # UTF-8 byte offsets into ``text``
    features: list[Feature] | None = None


class Label(msgspec.Struct, frozen=True):
    val: str = ""


class SelfLabels(msgspec.Struct, frozen=True):
    values: list[Label] | None = None


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    root: StrongRef | None = None
    parent: StrongRef | None = None


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """An ``app.bsky.feed.post`` record."""

    text: str = ""
    created_at: str = msgspec.field(name="createdAt", default="")
    langs: list[str] | None = None
    labels: SelfLabels | None = None
    facets: list[Facet] | None = None
    tags: list[str] | None = None  # up to 8 tags that are not in the text
    reply: Reply | None = None
    embed: Embed | None = None


class Commit(msgspec.Struct, frozen=True, kw_only=True):
    rev: str = ""
    operation: str  # create | update | delete
    collection: str
    rkey: str
    record: Record | None = None  # absent on a delete
    cid: str | None = None  # absent on a delete


class Frame(msgspec.Struct, frozen=True, kw_only=True):
    """One Jetstream event about a post (``kind`` is ``commit``). Unknown keys are ignored."""

    did: str
    time_us: int
    kind: str
    commit: Commit | None = None

    @property
    def uri(self) -> str:
        assert self.commit is not None
        return post_uri(self.did, self.commit.rkey)


class _Head(msgspec.Struct):
    time_us: int


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """What ``app.bsky.actor.getProfiles`` says about an author (the fields Murmur uses)."""

    did: str
    handle: str = ""
    display_name: str | None = msgspec.field(name="displayName", default=None)
    avatar: str | None = None
    created_at: str | None = msgspec.field(name="createdAt", default=None)  # the account's


class _Profiles(msgspec.Struct):
    profiles: list[Profile] = []


class Picture(msgspec.Struct, frozen=True, kw_only=True):
    """A picture of a post, on the network's CDN: what Murmur fetches and stores."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


class Deletion(msgspec.Struct, frozen=True, kw_only=True):
    """Its author deleted a post this feed delivered: ``ctx.deleted`` takes it down.

    Recognised: posts delivered since the feed started and the event's latest stored
    Bluesky posts (up to 50,000, read at start), so a restart does not forget them; the
    firehose deletes many posts a second, nearly all of them never on the wall.
    """

    network: str = NETWORK
    network_id: str
    time_us: int


_frame_decoder = msgspec.json.Decoder(Frame)
_head_decoder = msgspec.json.Decoder(_Head)
_profiles_decoder = msgspec.json.Decoder(_Profiles)

# -- pure functions ----------------------------------------------------------------------


def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST_COLLECTION}/{rkey}"


class Malformed(ValueError):
    """A frame that is not what Jetstream sends; the message says what is wrong."""


def read_frame(raw: str | bytes) -> Frame | None:
    """Decode one Jetstream frame about a post; ``None`` for the events of no interest.

    ``None`` for ``identity`` and ``account`` events, which arrive whatever the filter, and
    for commits to collections other than posts. Raises ``Malformed`` for a frame that is
    not JSON, has wrong types, an impossible DID or record key, an unknown operation, or a
    create without its record.
    """
    try:
        frame = _frame_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise Malformed(str(exc)) from None
    commit = frame.commit
    if frame.kind != "commit" or commit is None or commit.collection != POST_COLLECTION:
        return None
    if not _DID.fullmatch(frame.did):
        raise Malformed(f"{frame.did[:100]!r} is not a DID")
    if not _RKEY.fullmatch(commit.rkey) or commit.rkey in {".", ".."}:
        raise Malformed(f"{commit.rkey[:100]!r} is not a record key")
    if commit.operation == "delete":
        return frame
    if commit.operation not in {"create", "update"}:
        raise Malformed(f"unknown operation {commit.operation[:100]!r}")
    if commit.record is None:
        raise Malformed(f"a {commit.operation} without its record")
    return frame


def parse_frame(raw: str | bytes) -> Frame | None:
    """Decode one Jetstream frame about a post; ``None`` for anything else.

    ``None`` for a malformed frame as well as for the events of no interest (see
    ``read_frame``, which tells them apart).
    """
    try:
        return read_frame(raw)
    except Malformed:
        return None


def frame_time_us(raw: str | bytes) -> int | None:
    """The ``time_us`` of any frame (identity and account events too), for the cursor."""
    try:
        return _head_decoder.decode(raw).time_us
    except msgspec.DecodeError:
        return None


def normalise_tag(tag: str) -> str:
    """The form tags are compared in: no leading '#', NFC, case-folded."""
    return unicodedata.normalize("NFC", tag.lstrip("#")).casefold()


def post_tags(record: Record) -> list[str]:
    """Every tag of a post, facets first, as written, each once (case-insensitively)."""
    seen: dict[str, str] = {}
    for facet in record.facets or ():
        for feature in facet.features or ():
            if feature.type == "app.bsky.richtext.facet#tag" and feature.tag:
                seen.setdefault(normalise_tag(feature.tag), feature.tag.lstrip("#"))
    for tag in record.tags or ():
        if isinstance(tag, str) and tag.strip("#"):
            seen.setdefault(normalise_tag(tag), tag.lstrip("#"))
    return list(seen.values())


def matching_tags(record: Record, wanted: Iterable[str]) -> set[str]:
    """The ``wanted`` tags the post carries, normalised (see ``normalise_tag``).

    Tags come from the text's tag facets and from the record-level ``tags[]``; ``wanted``
    may be written with or without '#', in any case.
    """
    wanted = {normalise_tag(w) for w in wanted}
    return {normalise_tag(tag) for tag in post_tags(record)} & wanted


def pictures(did: str, record: Record, *, cdn: str = DEFAULT_CDN) -> list[Picture]:
    """The pictures of ``app.bsky.embed.images``, alone or in ``recordWithMedia``."""
    embed = record.embed
    if embed is not None and embed.media is not None:
        embed = embed.media
    if embed is None or not embed.images:
        return []
    found: list[Picture] = []
    for image in embed.images[:4]:
        cid = image.image.link if image.image is not None else None
        if not cid or not _CID.fullmatch(cid):
            continue
        ratio = image.aspect_ratio
        found.append(
            Picture(
                url=f"{cdn.rstrip('/')}/img/feed_fullsize/plain/{did}/{cid}@jpeg",
                alt=image.alt,
                width=ratio.width if ratio and ratio.width > 0 else None,
                height=ratio.height if ratio and ratio.height > 0 else None,
            )
        )
    return found


def link_card(
    did: str, record: Record, *, cdn: str = DEFAULT_CDN
) -> tuple[LinkCard, str | None] | None:
    """The link card of ``app.bsky.embed.external`` (alone or in ``recordWithMedia``), and
    its thumbnail's CDN URL to fetch (None: no thumbnail)."""
    embed = record.embed
    if embed is not None and embed.media is not None:
        embed = embed.media
    external = embed.external if embed is not None else None
    if external is None or not external.uri.startswith(("https://", "http://")):
        return None
    if not external.title.strip():
        return None
    card = LinkCard(
        url=external.uri, title=external.title[:300], description=external.description[:500]
    )
    cid = external.thumb.link if external.thumb is not None else None
    if not cid or not _CID.fullmatch(cid):
        return card, None
    return card, f"{cdn.rstrip('/')}/img/feed_thumbnail/plain/{did}/{cid}@jpeg"


def quoted_uri(record: Record) -> str | None:
    """The ``at://`` URI of the post a quote embeds, if any (a Post has no field for it)."""
    ref = record.embed.record if record.embed is not None else None
    if ref is not None and ref.record is not None:
        ref = ref.record
    return ref.uri if ref is not None else None


def render_html(text: str, facets: Iterable[Facet] = ()) -> str:
    """``text`` escaped, in paragraphs, with its tag, link and mention facets as links.

    Facets whose byte offsets overlap, run past the text or cut a character are ignored.
    """
    data = text.encode()
    pieces: list[str] = []
    pos = 0
    spans = sorted(
        (f for f in facets if f.index is not None and f.features),
        key=lambda f: f.index.byte_start if f.index else 0,
    )
    for facet in spans:
        assert facet.index is not None
        start, end = facet.index.byte_start, facet.index.byte_end
        if not pos <= start < end <= len(data):
            continue
        href = next(filter(None, map(_href, facet.features or ())), None)
        if href is None:
            continue
        try:
            before, label = data[pos:start].decode(), data[start:end].decode()
        except UnicodeDecodeError:
            continue
        pieces.append(html.escape(before))
        pieces.append(f'<a href="{html.escape(href)}">{html.escape(label)}</a>')
        pos = end
    pieces.append(html.escape(data[pos:].decode()))
    paragraphs = re.split(r"\n[ \t]*\n", "".join(pieces).strip())
    return "".join(f"<p>{p.strip().replace(chr(10), '<br>')}</p>" for p in paragraphs if p)


def _href(feature: Feature) -> str | None:
    if feature.type == "app.bsky.richtext.facet#tag" and feature.tag:
        return f"https://bsky.app/hashtag/{quote(feature.tag.lstrip('#'), safe='')}"
    if feature.type == "app.bsky.richtext.facet#link" and feature.uri:
        return feature.uri if feature.uri.startswith(("https://", "http://")) else None
    if feature.type == "app.bsky.richtext.facet#mention" and feature.did:
        return f"https://bsky.app/profile/{feature.did}" if _DID.fullmatch(feature.did) else None
    return None


def _when(value: str | None) -> datetime | None:
    """An atproto datetime (ISO 8601, ``Z`` or an offset); naive ones are taken as UTC."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _created_at(value: str, time_us: int | None) -> datetime:
    """The post's ``createdAt``, but never later than Jetstream saw it (clocks lie)."""
    seen = (
        datetime.fromtimestamp(time_us / 1_000_000, UTC)
        if time_us is not None
        else datetime.now(UTC)
    )
    created = _when(value)
    return seen if created is None else min(created, seen + timedelta(minutes=5))


def parse_post(
    did: str,
    rkey: str,
    record: Record,
    profile: Profile | None,
    *,
    time_us: int | None = None,
    cdn: str = DEFAULT_CDN,
    stored: Mapping[str, Media] | None = None,
) -> Post:
    """A ``Post`` from a post record and its author's profile (``None``: unknown author).

    ``stored`` maps the network's picture URLs (``pictures(...)``, the profile's avatar)
    to the copies Murmur keeps; a picture that is not there is left out, so a post never
    points screens at another host.
    """
    stored = stored or {}
    handle = did
    name = ""
    avatar = None
    joined = None
    if profile is not None:
        joined = _when(profile.created_at)
        if _HANDLE.fullmatch(profile.handle) and profile.handle != "handle.invalid":
            handle = profile.handle
        name = (profile.display_name or "").strip()
        if profile.avatar and (kept := stored.get(profile.avatar)):
            avatar = kept.url
    media: list[Media] = []
    for picture in pictures(did, record, cdn=cdn):
        if kept := stored.get(picture.url):
            media.append(
                Media(
                    url=kept.url,
                    alt=picture.alt,
                    width=kept.width or picture.width,
                    height=kept.height or picture.height,
                )
            )
    link = None
    if (found := link_card(did, record, cdn=cdn)) is not None:
        link, thumb = found
        if thumb and (kept := stored.get(thumb)):
            link = msgspec.structs.replace(link, image=kept)
    labels = {label.val for label in (record.labels.values or ())} if record.labels else set()
    return Post(
        network=NETWORK,
        network_id=post_uri(did, rkey),
        author=Author(
            name=name or handle,
            handle=handle,
            avatar_url=avatar,
            profile_url=f"https://bsky.app/profile/{handle}",
            created_at=joined,
        ),
        text=record.text,
        html=render_html(record.text, record.facets or ()),
        created_at=_created_at(record.created_at, time_us),
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        media=tuple(media),
        language=record.langs[0] if record.langs else None,
        sensitive=bool(labels & SENSITIVE_LABELS),
        hashtags=tuple(post_tags(record)),
        link=link,
    )


# Characters that are not ASCII but whose NFC case fold is (ß -> ss, the Kelvin sign -> k,
# the ligature ﬁ -> fi): a tag written with them matches an ASCII hashtag without
# containing its ASCII spelling. tests/test_source_bluesky.py checks the list is complete.
CASEFOLD_TO_ASCII = "ßſẞ\u212a\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"


class Sieve:
    """Picks the frames a feed wants out of the firehose, on one core.

    Most frames are rejected on their raw bytes, with no decoding: a post can only carry a
    tag through a tag facet (``"$type":"app.bsky.richtext.facet#tag"``) or the record's
    ``"tags":`` array, and an ASCII hashtag only through its own letters in some case
    (found in ``raw.lower()``), a ``\\u`` escape, or one of ``CASEFOLD_TO_ASCII``. A frame
    that passes is decoded once and matched exactly. Jetstream writes compact JSON from Go,
    which never escapes ASCII letters, '#' or '$' (it escapes only <, >, & and controls).
    """

    def __init__(self, hashtags: Iterable[str]) -> None:
        self.wanted = frozenset(normalise_tag(t) for t in hashtags) - {""}
        # With a non-ASCII hashtag, bytes.lower() cannot stand in for case folding.
        self._needles = (
            tuple(w.encode() for w in self.wanted)
            if all(w.isascii() for w in self.wanted)
            else None
        )
        self.deletes = False  # also pick deletes of posts (set once a post was delivered)
        self.malformed = 0  # frames that might have matched but could not be read
        self.last_malformed = ""

    def maybe(self, raw: bytes) -> bool:
        """False only when ``raw`` cannot carry a wanted tag."""
        if b'facet#tag"' not in raw and b'"tags":' not in raw:
            return False
        if self._needles is None:
            return True
        lowered = raw.lower()
        if any(needle in lowered for needle in self._needles):
            return True
        if b"\\u" in raw:
            return True
        if raw.isascii():
            return False
        try:
            text = raw.decode()  # searching str is much faster than bytes for these
        except UnicodeDecodeError:
            return True  # parse_frame rejects it
        return any(c in text for c in CASEFOLD_TO_ASCII)

    def pick(self, raw: bytes) -> Frame | None:
        """The frame, decoded, if it creates a post with a wanted tag (or deletes a post)."""
        if not (self.deletes and b'"operation":"delete"' in raw) and not (
            self.wanted and self.maybe(raw)
        ):
            return None
        try:
            frame = read_frame(raw)
        except Exception as exc:  # one unreadable frame costs that frame only
            self.malformed += 1
            self.last_malformed = (
                str(exc) if isinstance(exc, Malformed) else f"{type(exc).__name__}: {exc}"
            )
            return None
        if frame is None or frame.commit is None:
            return None
        if frame.commit.operation == "delete":
            return frame if self.deletes else None
        record = frame.commit.record
        return frame if record is not None and self.matches(record) else None

    def matches(self, record: Record) -> bool:
        return any(normalise_tag(tag) in self.wanted for tag in post_tags(record))


def decode_profiles(body: bytes) -> list[Profile]:
    """The profiles in an ``app.bsky.actor.getProfiles`` answer (``msgspec.DecodeError``)."""
    return _profiles_decoder.decode(body).profiles


__all__ = [
    "CASEFOLD_TO_ASCII",
    "DEFAULT_CDN",
    "NETWORK",
    "POST_COLLECTION",
    "SENSITIVE_LABELS",
    "Deletion",
    "Embed",
    "Facet",
    "Feature",
    "Frame",
    "Malformed",
    "Picture",
    "Profile",
    "Record",
    "Sieve",
    "decode_profiles",
    "frame_time_us",
    "link_card",
    "matching_tags",
    "normalise_tag",
    "parse_frame",
    "parse_post",
    "pictures",
    "post_tags",
    "post_uri",
    "quoted_uri",
    "read_frame",
    "render_html",
]
