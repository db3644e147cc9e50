"""``murmur user add | list | remove | passwd | role``: who may moderate.

Each command opens the data folder's database directly, so it works whether or not the
server runs (SQLite lets both write). A new password, another role or a removal ends the
user's sessions at once: their next request answers 401 and an open desk is closed
within ``wall.sessions.RECHECK_SECONDS``.

Mistakes get one sentence on standard error and a non-zero exit: 2 for bad input (a
short password, a closed standard input), 1 when the user does not exist.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

from wall.accounts import Accounts, UserSummary
from wall.auth import MAX_PASSWORD, MIN_PASSWORD, Role, check_username, hash_password
from wall.config import load_settings
from wall.sessions import is_alive
from wall.settings import Settings
from wall.store import Store

T = TypeVar("T")
DATABASE = "murmur.sqlite3"


class UnknownUser(Exception):
    """The named user does not exist (exit status 1)."""


def add_parsers(
    user_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    def stdin_flag(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input (for scripts)",
        )

    add = user_sub.add_parser("add", help="create a user, or set a user's password and role")
    common(add)
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in Role], required=True)
    stdin_flag(add)

    listing = user_sub.add_parser("list", help="list users and their open sessions")
    common(listing)

    remove = user_sub.add_parser("remove", help="remove a user and end their sessions")
    common(remove)
    remove.add_argument("name")

    passwd = user_sub.add_parser("passwd", help="set a user's password; ends their sessions")
    common(passwd)
    passwd.add_argument("name")
    stdin_flag(passwd)

    role = user_sub.add_parser("role", help="set a user's role; ends their sessions")
    common(role)
    role.add_argument("name")
    role.add_argument("role", choices=[r.value for r in Role])


def run(args: argparse.Namespace) -> int:
    if args.data.exists() and not args.data.is_dir():
        raise ValueError(f"{args.data} is a file, not a data folder: check --data")
    settings = load_settings(args.config, data_dir=args.data)
    command: str = args.user_command
    try:
        if command == "add":
            return _add(args, settings)
        if command == "list":
            return _list(settings)
        if command == "remove":
            return _remove(args, settings)
        if command == "passwd":
            return _passwd(args, settings)
        return _role(args, settings)
    except UnknownUser as exc:
        print(f"murmur: {exc}", file=sys.stderr)
        return 1


def _accounts(settings: Settings, work: Callable[[Accounts], Awaitable[T]]) -> T:
    async def go() -> T:
        store = Store(settings.data_dir / DATABASE, url=settings.store.url)
        await store.open()
        try:
            return await work(Accounts(store))
        finally:
            await store.close()

    return asyncio.run(go())


def _where(settings: Settings) -> str:
    """Where the users are: the data folder, or the PostgreSQL database of ``[store]``."""
    if settings.store.url:
        parts = urlsplit(settings.store.url)
        return f"PostgreSQL at {parts.hostname or 'localhost'}{parts.path}"
    return str(settings.data_dir)


def _existing(settings: Settings) -> Settings:
    """Refuse to create an empty database just to say that nobody is in it."""
    if not settings.store.url and not (settings.data_dir / DATABASE).exists():
        raise ValueError(
            f"there is no Murmur database in {settings.data_dir}: check --data "
            "(murmur user add creates one)"
        )
    return settings


def _unknown(name: str, settings: Settings) -> UnknownUser:
    return UnknownUser(
        f"there is no user “{name}” in {_where(settings)}; murmur user list shows who exists"
    )


def read_password(from_stdin: bool) -> str:
    """The new password, from standard input or typed twice; ``ValueError`` if none."""
    if from_stdin:
        line = sys.stdin.readline() if sys.stdin is not None and not sys.stdin.closed else ""
        if not line:
            raise ValueError("no password on standard input (it is empty or closed)")
        password = line.rstrip("\r\n")
    else:
        if not _terminal():
            raise ValueError(
                "there is no terminal to type the password on (standard input is not one); "
                "for scripts, pipe it with --password-stdin"
            )
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password again: ")
        except EOFError:
            print(file=sys.stderr)  # end the prompt's line
            raise ValueError("no password was typed; nothing was changed") from None
        if again != password:
            raise ValueError("the two passwords differ; nothing was changed")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"a password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def _terminal() -> bool:
    """Whether getpass can ask on a terminal (it reads /dev/tty, not standard input)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _add(args: argparse.Namespace, settings: Settings) -> int:
    name: str = args.name
    check_username(name)
    hashed = hash_password(read_password(args.password_stdin))
    created = _accounts(settings, lambda a: a.add_user(name, hashed, args.role))
    what = "added" if created else "updated (their sessions are ended)"
    print(f"murmur: user {name} ({args.role}) {what} in {_where(settings)}")
    return 0


def _list(settings: Settings) -> int:
    users = _accounts(_existing(settings), lambda a: a.list_users())
    if not users:
        print("murmur: no users yet; add one with: murmur user add NAME --role organiser")
        return 0
    for line in describe(users, settings, now=time.time()):
        print(line)
    return 0


def describe(users: list[UserSummary], settings: Settings, *, now: float) -> list[str]:
    """One line per user, then one per open session."""
    idle = settings.server.session_idle_minutes * 60.0
    absolute = settings.server.session_hours * 3600.0
    lines = []
    for user in users:
        sessions = [s for s in user.sessions if is_alive(s, now, idle=idle, absolute=absolute)]
        count = {0: "no open session", 1: "1 open session"}.get(
            len(sessions), f"{len(sessions)} open sessions"
        )
        role = f"{user.role} of {', '.join(user.events)}" if user.events else user.role
        lines.append(f"{user.username}  {role}  {count}")
        for s in sessions:
            agent = s.agent or "unknown browser"
            lines.append(
                f"    since {_when(s.created_at)}, last used {_when(s.seen_at)}, "
                f"from {s.address or 'unknown address'}, {agent[:60]}"
            )
    return lines


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    name: str = args.name
    if not _accounts(_existing(settings), lambda a: a.remove_user(name)):
        raise _unknown(name, settings)
    print(f"murmur: user {name} removed; their sessions are ended")
    return 0


def _passwd(args: argparse.Namespace, settings: Settings) -> int:
    name: str = args.name
    if _accounts(_existing(settings), lambda a: a.get_user(name)) is None:
        raise _unknown(name, settings)  # before asking for a password in vain
    hashed = hash_password(read_password(args.password_stdin))
    if not _accounts(settings, lambda a: a.set_password(name, hashed)):
        raise _unknown(name, settings)
    print(f"murmur: password of {name} changed; their sessions are ended")
    return 0


def _role(args: argparse.Namespace, settings: Settings) -> int:
    name: str = args.name
    if not _accounts(_existing(settings), lambda a: a.set_role(name, args.role)):
        raise _unknown(name, settings)
    print(f"murmur: {name} is now {args.role}; their sessions are ended")
    return 0
