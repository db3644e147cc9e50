"""The data folder is private: only the user Murmur runs as may read it.

It holds password hashes, sessions, posts nobody approved and the session secret, so the
folder is 0700 and its files 0600, whatever the umask. ``make_private`` creates the folder
that way, or tightens one made by an older Murmur (or by hand), saying so in the log;
``private_file`` creates a file 0600 before a library opens it (SQLite makes its ``-wal``
and ``-shm`` files with the database file's mode).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

_OTHERS = stat.S_IRWXG | stat.S_IRWXO  # 0o077: every permission of group and others


def make_private(folder: Path) -> None:
    """Create ``folder`` with mode 0700, or take group and others' access away from it and
    from everything in it (folders 0700, files 0600). Logs what it had to change."""
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return
    folder = folder.resolve()  # a data folder may be a link to a bigger disk
    folders = files = 0
    failed: list[str] = []
    for path, is_dir in _tree(folder):
        try:
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode) or not mode & _OTHERS:
                continue
            path.chmod(stat.S_IMODE(mode) & ~_OTHERS)
        except OSError as exc:
            failed.append(f"{path}: {exc.strerror or exc}")
            continue
        folders, files = (folders + 1, files) if is_dir else (folders, files + 1)
    if folders or files:
        log.warning(
            "the data folder %s was open to other users of this machine: made %d folder(s) "
            "and %d file(s) private (folders 0700, files 0600)",
            folder,
            folders,
            files,
        )
    if failed:
        log.error(
            "could not make everything in the data folder %s private (%s); run as its "
            "owner, or: chmod -R go= %s",
            folder,
            "; ".join(failed[:3]),
            folder,
        )


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (an existing file is kept).

    An existing file is never opened: closing any descriptor of a file drops every POSIX
    lock the process holds on it, and SQLite's locks on an open database are such locks
    (https://www.sqlite.org/howtocorrupt.html, section 2.2). Opening and closing the
    database here for each new reader connection gave other connections "disk I/O error".
    """
    if path.exists():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return  # created meanwhile by another process: keep it


def _tree(folder: Path) -> list[tuple[Path, bool]]:
    """``folder`` and everything below it, as ``(path, is a folder)``; links not followed."""
    found = [(folder, True)]
    for root, dirs, names in os.walk(folder, followlinks=False):
        found += [(Path(root, name), True) for name in dirs]
        found += [(Path(root, name), False) for name in names]
    return found


__all__ = ["make_private", "private_file"]
