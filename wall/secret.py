"""The secret that signs session cookies and the attendees' device cookies.

Anyone who knows it can forge a session, so Murmur refuses to start with a weak one
rather than run with it: a secret from the environment variable ``[server]
secret_key_env`` names, or else ``secret.key`` in the data folder, which Murmur writes
once (48 random bytes, mode 0600) and reads at every start. An empty, short or trivial
secret stops ``murmur serve`` with one sentence saying what to do.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from wall.config import ConfigError, env_secret
from wall.datadir import make_private
from wall.settings import Settings

FILE = "secret.key"
MIN_LENGTH = 32  # characters; token_urlsafe(48) writes 64
MIN_DISTINCT = 8  # "xxxxxxxx…" or "changemechangeme…" is a placeholder, not a secret
_HOW_TO_MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def session_secret(settings: Settings) -> str:
    """The session-signing secret, from the environment or the data folder.

    Raises ``ConfigError`` with the fix in its message when the secret is missing, too
    short or trivial, or its file cannot be read.
    """
    name = settings.server.secret_key_env
    if name:
        value = env_secret(name)
        if value is None:
            raise ConfigError(
                f"environment variable {name} is not set: set it to a random secret "
                f"(for example the output of {_HOW_TO_MAKE_ONE}), or remove secret_key_env so "
                "that Murmur keeps a secret in its data folder",
                key="server.secret_key_env",
            )
        if problem := _weakness(value):
            raise ConfigError(
                f"environment variable {name} {problem}: set it to a random secret of at "
                f"least {MIN_LENGTH} characters (for example the output of {_HOW_TO_MAKE_ONE})",
                key="server.secret_key_env",
            )
        return value
    make_private(settings.data_dir)
    path = settings.data_dir / FILE
    value = _read(path) if path.exists() else _create(path)
    if problem := _weakness(value):
        raise ConfigError(
            f"{path} {problem}: delete it and Murmur writes a new one at the next start "
            "(everyone logs in again), or put a random secret of at least "
            f"{MIN_LENGTH} characters in it"
        )
    return value


def _weakness(value: str) -> str | None:
    """What makes ``value`` unfit to sign sessions, as the end of a sentence; or None."""
    length = len(value)
    if length < MIN_LENGTH:
        return f"holds {length} character{'s' if length != 1 else ''}, too short for a secret"
    if len(set(value)) < MIN_DISTINCT:
        return f"holds only {len(set(value))} different characters, a placeholder"
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        raise ConfigError(
            f"{path} cannot be read ({why}): give it back to the user Murmur runs as, or "
            "delete it and Murmur writes a new one at the next start (everyone logs in again)"
        ) from None


def _create(path: Path) -> str:
    """Write a new secret to ``path`` (0600), atomically: a crash leaves no empty file,
    and when two processes start at once both end up with the one that won."""
    value = secrets.token_urlsafe(48)
    temporary = path.with_name(f".{FILE}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(value)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # never replaces a secret another process wrote
        except FileExistsError:
            return _read(path)
        except OSError:  # a file system without hard links
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return value


__all__ = ["FILE", "MIN_LENGTH", "session_secret"]
