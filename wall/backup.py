"""Backups of a data folder while Murmur runs, and their restoration.

A backup is one gzip'd tar file holding:

- ``murmur.sqlite3``: a copy made with SQLite's online backup API (``sqlite3.Connection.
  backup``, https://www.sqlite.org/backup.html). Copied in one step, the copy is a single
  consistent snapshot: every transaction committed before the copy began is in it, none
  half-written, and the server keeps writing meanwhile (WAL mode lets it).
- ``media/``: the cleaned pictures Murmur serves (content-addressed, never rewritten, so a
  file listed is a file complete).
- ``secret.key`` when the folder has one, so sessions survive a restore.
- ``MANIFEST.json``: what the archive holds and the database's schema version and checksum.

Both directions check the database with ``PRAGMA integrity_check`` and write nothing half
done: a backup appears under its name only once complete; a restore replaces the folder's
files only after the archive has been read and checked.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DATABASE = "murmur.sqlite3"
SECRET = "secret.key"  # noqa: S105 (a file name)
MEDIA = "media"
MANIFEST = "MANIFEST.json"
FORMAT = 1
# Media names as wall.media writes them; anything else in an archive is refused.
_MEDIA_NAME = re.compile(r"[0-9a-f]{32}(?:-[0-9]{2,4})?\.webp")

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Report:
    path: Path
    schema: int
    posts: int
    log_entries: int
    media_files: int
    media_bytes: int


def _integrity(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        first = result[0][0] if result else "no answer"
        raise BackupError(f"{what} is damaged (SQLite integrity_check: {first})")


def _count(conn: sqlite3.Connection, table: str) -> int:
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # a table a very old schema does not have
        return 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _media_files(data_dir: Path) -> list[Path]:
    folder = data_dir / MEDIA
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and _MEDIA_NAME.fullmatch(p.name))


def backup(data_dir: Path, target: Path, *, progress: Progress | None = None) -> Report:
    """Write a backup of ``data_dir`` (which a server may be using) to ``target``."""
    say = progress or (lambda _: None)
    source_path = data_dir / DATABASE
    if not source_path.is_file():
        raise BackupError(
            f"{data_dir} holds no Murmur database ({DATABASE}): check --data "
            "(the folder murmur serve was started with)"
        )
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a folder: give the name of the backup file to write")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist: create it first")

    with tempfile.TemporaryDirectory(prefix="murmur-backup-", dir=target.parent) as scratch:
        copy_path = Path(scratch) / DATABASE
        say("copying the database")
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        try:
            copy = sqlite3.connect(copy_path)
            try:
                source.backup(copy)  # pages=-1: one step, so one consistent snapshot
                _integrity(copy, "the copied database")
                schema = int(copy.execute("PRAGMA user_version").fetchone()[0])
                posts, entries = _count(copy, "posts"), _count(copy, "log")
            finally:
                copy.close()
        except sqlite3.Error as exc:
            raise BackupError(f"could not read {source_path}: {exc}") from exc
        finally:
            source.close()

        media = _media_files(data_dir)
        media_bytes = sum(p.stat().st_size for p in media)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "schema": schema,
            "posts": posts,
            "log_entries": entries,
            "database_sha256": _sha256(copy_path),
            "media": [p.name for p in media],
            "secret_key": (data_dir / SECRET).is_file(),
        }
        partial = target.with_name(target.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            body = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(copy_path, arcname=DATABASE, recursive=False)
            if manifest["secret_key"]:
                tar.add(data_dir / SECRET, arcname=SECRET, recursive=False)
            for number, path in enumerate(media, start=1):
                if number % 200 == 0:
                    say(f"media {number}/{len(media)}")
                tar.add(path, arcname=f"{MEDIA}/{path.name}", recursive=False)
        os.replace(partial, target)
    say("done")
    return Report(target, schema, posts, entries, len(media), media_bytes)


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """The archive's members by name, refusing anything a Murmur backup never holds."""
    found: dict[str, tarfile.TarInfo] = {}
    for member in tar.getmembers():
        name = member.name
        allowed = name in {DATABASE, SECRET, MANIFEST} or (
            name.startswith(f"{MEDIA}/") and _MEDIA_NAME.fullmatch(name[len(MEDIA) + 1 :])
        )
        if not allowed or not member.isfile():
            raise BackupError(f"this is not a Murmur backup: unexpected entry {name!r}")
        found[name] = member
    if DATABASE not in found or MANIFEST not in found:
        raise BackupError("this is not a Murmur backup: no database or manifest in it")
    return found


def restore(
    archive: Path, data_dir: Path, *, force: bool = False, progress: Progress | None = None
) -> Report:
    """Put the backup ``archive`` in ``data_dir``. Stop the server first.

    Refuses a folder that already holds a database unless ``force``; the files the archive
    replaces are only touched once it has been read in full and checked.
    """
    say = progress or (lambda _: None)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist or is not a file")
    if (data_dir / DATABASE).exists() and not force:
        raise BackupError(
            f"{data_dir} already holds a Murmur database; stop the server and add --force "
            "to replace it, or restore into an empty folder"
        )
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        tar = tarfile.open(archive, mode="r:gz")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a readable backup ({exc})") from exc
    with tar, tempfile.TemporaryDirectory(prefix="murmur-restore-", dir=data_dir) as scratch:
        work = Path(scratch)
        say("reading the archive")
        try:
            members = _members(tar)
            manifest = json.loads(_read(tar, members[MANIFEST]))
            for name, member in members.items():
                if name == MANIFEST:
                    continue
                destination = work / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                with destination.open("wb") as out:
                    out.write(_read(tar, member))
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            raise BackupError(f"{archive} is damaged or truncated ({exc})") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{archive} was written by another Murmur version's backup format")
        if _sha256(work / DATABASE) != manifest.get("database_sha256"):
            raise BackupError(f"{archive}: the database does not match its checksum")
        conn = sqlite3.connect(work / DATABASE)
        try:
            _integrity(conn, "the database in the backup")
            schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
            posts, entries = _count(conn, "posts"), _count(conn, "log")
        finally:
            conn.close()

        say("replacing the data folder's files")
        for stale in (f"{DATABASE}-wal", f"{DATABASE}-shm"):
            (data_dir / stale).unlink(missing_ok=True)
        media_dir = data_dir / MEDIA
        media_dir.mkdir(mode=0o700, exist_ok=True)
        media = sorted((work / MEDIA).iterdir()) if (work / MEDIA).is_dir() else []
        for path in media:
            path.chmod(0o600)
            os.replace(path, media_dir / path.name)
        if (work / SECRET).is_file():
            (work / SECRET).chmod(0o600)
            os.replace(work / SECRET, data_dir / SECRET)
        (work / DATABASE).chmod(0o600)
        os.replace(work / DATABASE, data_dir / DATABASE)
    say("done")
    size = sum((media_dir / p.name).stat().st_size for p in media)
    return Report(data_dir, schema, posts, entries, len(media), size)


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    file = tar.extractfile(member)
    if file is None:
        raise BackupError(f"this is not a Murmur backup: {member.name!r} is not a file")
    with file:
        return file.read()
