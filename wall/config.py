"""Loading the TOML config file into ``Settings``, with errors that name the file, line and key.

``wall.settings`` declares the shape; this module reads the file, lets msgspec check it,
and turns msgspec's ``$.events[0].sources[1].rate`` into ``murmur.toml:14:
events[0].sources[1].rate: expected a number > 0, got -1``. It is also the only place that
reads the environment for secrets (``env_secret``).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect as mi

from wall.settings import Settings

Key = tuple[str | int, ...]  # ("events", 0, "sources", 1, "rate")

# Settings fields that the command line sets; a config file may not.
_COMMAND_LINE_ONLY = {"data_dir": "--data", "config_path": "--config"}
_TYPE_NAMES = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "array": "a list",
    "object": "a table",
}
_MISSING: Any = object()


class ConfigError(Exception):
    """A config Murmur cannot use. ``str()`` is the message for the person who wrote it.

    ``file``, ``line`` (1-based) and ``key`` (``events[0].sources[1].rate``) are set when
    known; ``problem`` is the message without them.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(problem)
        self.problem, self.file, self.line, self.key = problem, file, line, key

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        text = f"{self.key}: {self.problem}" if self.key else self.problem
        return f"{where}: {text}" if where else text


def load_settings(path: Path | None, *, data_dir: Path | None = None) -> Settings:
    """Read the config file at ``path`` (``None``: all defaults, no events).

    ``data_dir`` (the ``--data`` flag) replaces the default data folder when given; the
    result's ``config_path`` is ``path``. Raises ``ConfigError`` for a missing, unreadable
    or invalid file, with the first problem found.
    """
    settings = Settings() if path is None else _load_file(path)
    changes: dict[str, Any] = {"config_path": path}
    if data_dir is not None:
        changes["data_dir"] = data_dir
    return msgspec.structs.replace(settings, **changes)


def env_secret(name: str) -> str | None:
    """The secret in environment variable ``name``; ``None`` when it is unset or empty.

    The config file only ever names the variable (``token_env = "MASTODON_TOKEN"``), so a
    config can be shared without leaking credentials.
    """
    return os.environ.get(name) or None


def write_init(path: Path, *, force: bool = False) -> None:
    """Write ``INIT_TEMPLATE`` to ``path``; an existing file is kept unless ``force``."""
    try:
        with path.open("w" if force else "x", encoding="utf-8") as file:
            file.write(INIT_TEMPLATE)
    except FileExistsError:
        raise ConfigError(
            "already exists; not overwritten (use --force to replace it)", file=str(path)
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot write: {exc.strerror}", file=str(path)) from exc


def _load_file(path: Path) -> Settings:
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # Windows editors may add a BOM
    except FileNotFoundError:
        raise ConfigError("no such file (create one with `murmur init`)", file=name) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (bad byte at offset {exc.start})", file=name) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=name) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(str(exc), name, text) from exc
    lines = _locate(text)

    def error(key: Key, problem: str) -> ConfigError:
        return ConfigError(problem, file=name, line=_line(lines, key), key=_dotted(key))

    for field, flag in _COMMAND_LINE_ONLY.items():
        if field in raw:
            raise error((field,), f"not read from the config file (use the {flag} option)")
    try:
        settings = msgspec.convert(raw, Settings)
    except msgspec.ValidationError as exc:
        raise error(*_explain(str(exc), raw)) from exc
    if problem := _check(raw, settings):
        raise error(*problem)
    return settings


def _check(raw: dict[str, Any], settings: Settings) -> tuple[Key, str] | None:
    """What msgspec cannot check: slugs are unique; every source names its ``type``; a
    shared media folder goes with a shared store."""
    if settings.media.folder and not settings.store.url:
        return ("media", "folder"), (
            "a shared media folder is for several processes: set [store] url too, or leave"
            " it out (one process keeps its pictures in its data folder, with its backups)"
        )
    seen: dict[str, int] = {}
    for i, event in enumerate(settings.events):
        if event.slug in seen:
            first = f"events[{seen[event.slug]}]"
            return ("events", i, "slug"), f'duplicate slug "{event.slug}" ({first} has it too)'
        seen[event.slug] = i
        # msgspec lets a lone tagged struct go without its tag; once SourceSettings is a
        # union it will insist itself, with this very message.
        for j, source in enumerate(raw["events"][i].get("sources", [])):
            if "type" not in source:
                at = f"$.events[{i}].sources[{j}]"
                return _explain(f"Object missing required field `type` - at `{at}`", raw)
    return None


def _syntax_error(message: str, name: str, text: str) -> ConfigError:
    m = re.fullmatch(r"(.*) \(at (?:line (\d+), column (\d+)|end of document)\)", message)
    if m is None:
        return ConfigError(f"TOML syntax error: {message}", file=name)
    problem = f"TOML syntax error: {m[1][:1].lower()}{m[1][1:]}"
    if m[2] is None:  # at the end of the document: a string or a table left open
        return ConfigError(
            f"{problem} (at the end of the file)", file=name, line=max(len(text.splitlines()), 1)
        )
    return ConfigError(f"{problem} (column {m[3]})", file=name, line=int(m[2]))


# ---- From msgspec's message to the key and a sentence -----------------------------------


def _explain(message: str, raw: dict[str, Any]) -> tuple[Key, str]:
    """``Expected `int` >= 0 - at `$.server.port``` -> ``("server", "port")`` and a sentence."""
    m = re.fullmatch(r"(.*?)(?: - at `\$(.*)`)?", message, re.S)
    assert m is not None  # the pattern matches any text
    text = m[1]
    key: Key = tuple(int(i) if i else k for k, i in re.findall(r"\.(\w+)|\[(\d+)\]", m[2] or ""))
    t = _type_at(key, raw)
    if f := re.fullmatch(r"Object contains unknown field `(.+)`", text):
        struct = _pick(t, _get_path(raw, key))
        if not isinstance(struct, mi.StructType):
            return (*key, f[1]), "unknown key"
        keys = [f.encode_name for f in struct.fields if f.name not in _COMMAND_LINE_ONLY]
        keys = [struct.tag_field, *keys] if struct.tag_field else keys
        return (*key, f[1]), f"unknown key (expected one of: {', '.join(keys)})"
    if f := re.fullmatch(r"Object missing required field `(.+)`", text):
        tags = _tags(t, f[1])
        hint = f" (expected {_either(tags)})" if tags else ""
        return (*key, f[1]), f"missing required key{hint}"
    value = _get_path(raw, key)
    got = "" if value is _MISSING else f", got {_show(value)}"
    if text.startswith(("Invalid value", "Invalid enum value")):
        choices: list[Any] = [
            v for m in _members(t) if isinstance(m, mi.LiteralType) for v in m.values
        ]
        choices = choices or _tags(_type_at(key[:-1], raw), str(key[-1]) if key else "")
        return key, f"expected {_either(choices)}{got}"
    if f := re.fullmatch(r"Expected `([^`]+)`(?:, got `[^`]*`)?(.*)", text, re.S):
        if described := _description(t):
            return key, f"expected {described}{got}"
        names = " or ".join(_TYPE_NAMES.get(n, n) for n in f[1].split(" | ") if n != "null")
        bounds = re.sub(r"(\d)\.0\b", r"\1", f[2])  # "> 0.0" -> "> 0"
        return key, f"expected {names}{bounds}{got}"
    return key, text[:1].lower() + text[1:]


def _type_at(key: Key, raw: dict[str, Any]) -> Any:
    """msgspec's type info for ``key`` (a union is left whole), or ``None``."""
    t: Any = mi.type_info(Settings)
    for n, part in enumerate(key):
        t = _pick(t, _get_path(raw, key[:n]))
        if isinstance(t, mi.ListType) and isinstance(part, int):
            t = t.item_type
        elif isinstance(t, mi.StructType):
            t = next((f.type for f in t.fields if f.encode_name == part), None)
        else:
            return None
    return t


def _members(t: Any) -> list[Any]:
    types = t.types if isinstance(t, mi.UnionType) else () if t is None else (t,)
    return [
        m.type if isinstance(m, mi.Metadata) else m for m in types if not isinstance(m, mi.NoneType)
    ]


def _pick(t: Any, node: Any) -> Any:
    """The member of union ``t`` that describes ``node``: a tagged struct by its tag."""
    members = _members(t)
    tagged = [
        m
        for m in members
        if isinstance(m, mi.StructType)
        and m.tag is not None
        and isinstance(node, dict)
        and node.get(m.tag_field) == m.tag
    ]
    return (tagged or members or [None])[0]


def _tags(t: Any, field: str) -> list[str]:
    return [
        str(m.tag)
        for m in _members(t)
        if isinstance(m, mi.StructType) and m.tag_field == field and m.tag is not None
    ]


def _description(t: Any) -> str | None:
    """The ``Meta(description=...)`` of a type in ``wall.settings``, if it has one."""
    for m in t.types if isinstance(t, mi.UnionType) else (t,):
        if isinstance(m, mi.Metadata) and m.extra_json_schema:
            return m.extra_json_schema.get("description")
    return None


def _either(values: list[Any]) -> str:
    shown = [_show(v) for v in values]
    return " or ".join(filter(None, (", ".join(shown[:-1]), shown[-1]))) if shown else "?"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _get_path(node: Any, key: Key) -> Any:
    for part in key:
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


def _dotted(key: Key) -> str | None:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in key).lstrip(".") or None


# ---- Where a key is written: a line scanner for valid TOML ----------------------------------

_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEYS = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEYS})\s*\]")
_ASSIGN = re.compile(rf"\s*({_KEYS})\s*=")
_TOKEN = re.compile(r'"""|\'\'\'|"(?:[^"\\]|\\.)*"|\'[^\']*\'|#|[\[\]{}]')


def _locate(text: str) -> dict[Key, int]:
    """Map each table and key written in ``text`` (already valid TOML) to its first line.

    Best effort for values spread over several lines (arrays, multi-line strings): what
    they contain is not mapped; a lookup falls back to the key that holds them.
    """
    lines: dict[Key, int] = {}
    counts: dict[Key, int] = {}  # arrays of tables ([[events]]): how many so far
    table: Key = ()
    depth, quote = 0, ""
    for n, line in enumerate(text.splitlines(), 1):
        if not depth and not quote:
            if h := _HEADER.match(line):
                names = _split(h[2])
                table = (*_resolve(names[:-1], counts), names[-1])
                if h[1] == "[[":
                    counts[table] = counts.get(table, 0) + 1
                    table = (*table, counts[table] - 1)
                _record(lines, table, n)
            elif a := _ASSIGN.match(line):
                _record(lines, (*table, *_split(a[1])), n)
        depth, quote = _scan(line, depth, quote)
    return lines


def _split(keys: str) -> list[str]:
    return [k[1:-1] if k[0] in "\"'" else k for k in re.findall(_KEY, keys)]


def _resolve(names: list[str], counts: dict[Key, int]) -> Key:
    """``events.sources`` in a header means the sources of the latest ``[[events]]``."""
    key: Key = ()
    for name in names:
        key = (*key, name)
        if key in counts:
            key = (*key, counts[key] - 1)
    return key


def _record(lines: dict[Key, int], key: Key, n: int) -> None:
    for end in range(1, len(key) + 1):
        lines.setdefault(key[:end], n)


def _scan(line: str, depth: int, quote: str) -> tuple[int, str]:
    """Bracket depth and open multi-line string delimiter after ``line``."""
    pos = 0
    while True:
        if quote:
            end = line.find(quote, pos)
            if end < 0:
                return depth, quote
            pos, quote = end + 3, ""
        token = _TOKEN.search(line, pos)
        if token is None or token[0] == "#":
            return depth, quote
        pos = token.end()
        if token[0] in ('"""', "'''"):
            quote = token[0]
        elif token[0] in ("[", "{"):
            depth += 1
        elif token[0] in ("]", "}"):
            depth -= 1


def _line(lines: dict[Key, int], key: Key) -> int | None:
    while key and key not in lines:
        key = key[:-1]
    return lines.get(key) if key else None


INIT_TEMPLATE = """\
# Murmur configuration. Fichier de configuration de Murmur.
# Lines starting with # are comments: remove the # to change a default.
# Every key is described in docs/configuration.md.
#
# Credentials never go in this file. Keys ending in _env name an environment variable
# that holds the secret; set that variable where Murmur runs.
# Les identifiants ne vont jamais ici : indiquez le nom d'une variable d'environnement.

[server]
# Address to listen on; "0.0.0.0" lets screens and tablets on the network connect.
# host = "127.0.0.1"
# port = 8000
# Other origins (scheme://host[:port]) allowed to open the wall's websockets.
# allowed_origins = []
# Environment variable holding the session-signing secret.
# Unset (the default): a secret is generated once and kept in the data folder.
# secret_key_env = "MURMUR_SECRET_KEY"
# true to mark cookies Secure even on plain HTTP (requests over HTTPS always get them).
# secure_cookies = false
# A moderator's session ends this many hours after logging in...
# session_hours = 12
# ... or after this many minutes without using Murmur (an open desk counts as use).
# session_idle_minutes = 120
# Networks (CIDR) that server-side fetches may reach although they are not public, such as
# a campus Mastodon on a private address. Empty: public addresses only (the SSRF guard).
# fetch_allow = []
# The address people reach Murmur at, for links that leave the server such as the QR code
# to the attendees' page. Unset: the address each request came to.
# public_url = "https://murmur.example.org"
# Behind a reverse proxy: its addresses. Only they are believed about the client's
# address and scheme (X-Forwarded-For/-Proto/-Host, Forwarded). See docs/deployment.md.
# trusted_proxies = []   # behind nginx on this machine: ["127.0.0.1/32", "::1"]
# Who may read GET /metrics (Prometheus); everyone else gets 404.
# metrics_allow = ["127.0.0.1/32", "::1/128"]

# One [[events]] block per event. Un bloc [[events]] par événement.
# The slug names its pages: /wall/jpo (screens), /moderate/jpo (tablets), /submit/jpo.
[[events]]
slug = "jpo"
title = "Journées portes ouvertes"
hashtags = ["JPO2026", "CampusLife"]
# "pre": nothing shows before a moderator approves it (modération a priori).
# "post": posts show at once; moderators take down what must go (a posteriori).
moderation = "pre"
# Language of this event's pages, "fr" or "en". Unset: follow each browser.
# language = "fr"

# Rules apply before any human sees a post. Règles appliquées avant la modération.
[events.rules]
# Reject posts containing these words (case and accents ignored, whole words).
blocked_words = ["spam", "arnaque"]
# Reject posts from these authors: "handle" or "network:handle".
blocked_authors = []
# Approve posts from these authors at once (your own accounts, for instance).
trusted_authors = []
# Reject posts that carry none of these hashtags (empty: no requirement).
required_hashtags = []

# Where posts come from: one [[events.sources]] block per source.
# "demo" generates posts, pictures included, so the wall moves without any account.
[[events.sources]]
type = "demo"
# Posts per second (more than 0, at most 100).
rate = 0.5
# Share of posts with a picture, from 0 to 1.
# images = 0.3
# A fixed seed replays the same stream every run.
# seed = 42

# More sources (plus de sources): uncomment a block and fill it in. Credentials never go
# here: token_env names the environment variable that holds them. See docs/sources.md.
#
# [[events.sources]]
# type = "mastodon"
# server = "https://mastodon.social"
# token_env = "MASTODON_TOKEN"
#
# [[events.sources]]
# type = "bluesky"
# jetstream = "wss://jetstream2.us-east.bsky.network"
# appview = "https://public.api.bsky.app"
#
# [[events.sources]]
# type = "x"
# api = "https://api.x.com"
# token_env = "X_BEARER_TOKEN"
# search_fallback = true
# poll_seconds = 30
#
# [[events.sources]]
# type = "rss"
# url = "https://www.example.edu/news/feed.xml"
"""
