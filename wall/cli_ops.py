"""``murmur backup | restore | config check | config diff | config reset``: running an event.

These commands open the data folder's database directly, never through a running server.
``config reset`` therefore only clears what is stored; the server reads it at its next
start (a running server is reset from the organiser page or the API instead), because two
processes must never both append to the event log.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from wall.backup import DATABASE, backup, restore
from wall.config import load_settings
from wall.settings import Settings

Common = Callable[[argparse.ArgumentParser], None]


def add_parsers(sub: argparse._SubParsersAction, common: Common) -> None:  # type: ignore[type-arg]
    take = sub.add_parser("backup", help="copy the data folder to one file, while serving")
    common(take)
    take.add_argument("file", type=Path, help="the backup file to write (.tar.gz)")

    put = sub.add_parser("restore", help="put a backup back into a data folder (server stopped)")
    common(put)
    put.add_argument("file", type=Path, help="a file written by murmur backup")
    put.add_argument("--force", action="store_true", help="replace the folder's database")

    config = sub.add_parser("config", help="check the config file; see or undo live changes")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="read the config file and list what it sets up")
    common(check)
    diff = config_sub.add_parser("diff", help="show settings changed live over the file's")
    common(diff)
    reset = config_sub.add_parser("reset", help="drop an event's live changes (server stopped)")
    common(reset)
    reset.add_argument("event")


def _say(message: str) -> None:
    print(f"murmur: {message}", file=sys.stderr)


def _database(settings: Settings) -> Path:
    path = settings.data_dir / DATABASE
    if not settings.data_dir.exists():
        raise ValueError(f"the data folder {settings.data_dir} does not exist: check --data")
    if not settings.data_dir.is_dir():
        raise ValueError(f"{settings.data_dir} is a file, not a data folder: check --data")
    if not path.is_file():
        raise ValueError(f"there is no Murmur database in {settings.data_dir}: check --data")
    return path


def _sqlite_only(args: argparse.Namespace, what: str) -> None:
    """``murmur backup`` and ``restore`` copy an SQLite data folder, not PostgreSQL."""
    if args.config is not None and load_settings(args.config, data_dir=args.data).store.url:
        raise ValueError(
            f"the store is in PostgreSQL ([store] url): {what} it with pg_dump and pg_restore"
            " (docs/scaling.md, Backups); murmur backup and restore copy an SQLite data folder"
        )


def run_backup(args: argparse.Namespace) -> int:
    _sqlite_only(args, "back up")
    report = backup(args.data, args.file, progress=lambda step: _say(f"backup: {step}"))
    _say(
        f"wrote {report.path}: {report.posts} posts, {report.log_entries} log entries, "
        f"{report.media_files} pictures ({report.media_bytes / 1e6:.1f} MB), schema "
        f"{report.schema}"
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    _sqlite_only(args, "restore")
    report = restore(
        args.file, args.data, force=args.force, progress=lambda s: _say(f"restore: {s}")
    )
    _say(
        f"restored {report.posts} posts and {report.media_files} pictures into {args.data}; "
        "start the server with this --data"
    )
    return 0


def run_config(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, data_dir=args.data)
    if args.config_command == "check":
        return _check(settings)
    if args.config_command == "diff":
        return _diff(settings)
    return _reset(settings, args.event)


def _check(settings: Settings) -> int:
    where = settings.config_path or "(no file: defaults)"
    print(f"{where}: valid")
    if not settings.events:
        print("no events yet: add an [[events]] table (murmur init writes an example)")
    for event in settings.events:
        names = ", ".join(type(s).__name__.removesuffix("Source").lower() for s in event.sources)
        print(
            f"event {event.slug!r}: {event.title!r}, {event.moderation}-moderation, "
            f"hashtags {' '.join('#' + t for t in event.hashtags) or '(none)'}, "
            f"sources: {names or '(none: attendees only)'}"
        )
    return 0


def _stored(path: Path) -> dict[str, dict[str, Any]]:
    """Each event's live changes: ``{slug: {key: value}}`` (display under "display")."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        found: dict[str, dict[str, Any]] = {}
        for table, wrap in (("event_overrides", False), ("event_display", True)):
            for slug, data in conn.execute(f"SELECT event, data FROM {table}"):
                value = msgspec.json.decode(data)
                found.setdefault(slug, {}).update({"display": value} if wrap else value)
        return found
    finally:
        conn.close()


def _diff(settings: Settings) -> int:
    stored = _stored(_database(settings))
    configured = {e.slug: msgspec.to_builtins(e) for e in settings.events}
    changed = False
    for slug, live in sorted(stored.items()):
        file_values = configured.get(slug)
        if file_values is None:
            continue  # an event no longer in the file: its live changes are unused
        for key, value in sorted(live.items()):
            if file_values.get(key) == value:
                continue
            changed = True
            print(f"{slug}.{key}:")
            print(f"  file: {msgspec.json.encode(file_values.get(key)).decode()}")
            print(f"  live: {msgspec.json.encode(value).decode()}")
    if not changed:
        print("no live changes: every event runs on the file's settings")
    return 0


def _reset(settings: Settings, slug: str) -> int:
    path = _database(settings)
    if slug not in {e.slug for e in settings.events}:
        raise ValueError(f"no event {slug!r} in {settings.config_path or 'the config'}")
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            removed = sum(
                conn.execute(f"DELETE FROM {table} WHERE event = ?", (slug,)).rowcount
                for table in ("event_overrides", "event_display")
            )
    finally:
        conn.close()
    if removed:
        _say(f"{slug}: live changes dropped; restart the server to apply the file's settings")
    else:
        _say(f"{slug}: no live changes to drop")
    return 0
