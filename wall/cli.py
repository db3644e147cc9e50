"""The ``murmur`` command: serve, init, export; user (``wall.cli_users``); backup, restore
and config (``wall.cli_ops``).

Every mistake a person can make ends in one sentence on standard error and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import logging
import logging.config
import socket
import sqlite3
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import msgspec

from moderation import Status
from wall import cli_ops, cli_store, cli_users
from wall.backup import BackupError
from wall.config import ConfigError, load_settings, write_init
from wall.settings import Settings, with_demo
from wall.store import Store, StoreError

DEFAULT_DATA = Path("murmur-data")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, default=None, help="TOML config file (murmur init writes one)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="folder for the database and media cache (default: ./murmur-data)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="murmur", description="A live social wall.")
    parser.add_argument("--version", action="version", version=f"murmur {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the wall server")
    _common(serve)
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="add a 'demo' event fed with generated posts (no account needed)",
    )
    serve.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="json: one JSON object per line, for a log collector",
    )

    init = sub.add_parser("init", help="write a commented config file")
    _common(init)
    init.add_argument("path", nargs="?", type=Path, default=Path("murmur.toml"))
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    user = sub.add_parser("user", help="manage moderators and organisers")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    cli_users.add_parsers(user_sub, _common)

    export = sub.add_parser("export", help="write an event's posts as JSON lines")
    _common(export)
    export.add_argument("event")
    export.add_argument(
        "--status",
        choices=[s.value for s in Status],
        default=None,
        help="only posts with this status (default: all)",
    )
    cli_ops.add_parsers(sub, _common)
    cli_store.add_parsers(sub, _common)
    return parser


def _version() -> str:
    try:
        return version("murmur")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


class JsonLogs(logging.Formatter):
    """One JSON object per line. Records never carry tokens or cookies: no part of Murmur
    logs a request's headers, and source errors name the variable, not its value."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# How long an idle HTTP connection stays open. Longer than the shipped proxies keep the
# connections they reuse to Murmur (60 s in deploy/nginx.conf and deploy/Caddyfile): with
# uvicorn's 5 s, a proxy sent a moderator's decision on a connection Murmur was closing at
# that moment, and the desk got a 502 (tests/browser/test_cluster_proxy.py, behind Caddy).
KEEP_ALIVE_SECONDS = 75


def _logging(log_format: str) -> dict[str, object]:
    """Configure Murmur's and uvicorn's logs alike; returns uvicorn's ``log_config``."""
    formatter = (
        {"()": JsonLogs}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"murmur": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "murmur",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True, "level": "WARNING"},
        },
    }


def _check_port(host: str, port: int) -> None:
    """Fail with a sentence, before anything starts, when the port is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ValueError(f"cannot listen on {host!r}: {exc.strerror}") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ValueError(
                    f"port {port} on {host} is already in use (another murmur?): stop it "
                    "or choose another with --port"
                ) from exc
            if exc.errno == errno.EACCES:
                raise ValueError(
                    f"not allowed to listen on port {port}: use a port above 1023 behind a "
                    "reverse proxy (docs/deployment.md)"
                ) from exc
            raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _settings(args: argparse.Namespace) -> Settings:
    if args.data.exists() and not args.data.is_dir():
        raise ValueError(f"{args.data} is a file, not a data folder: check --data")
    return load_settings(args.config, data_dir=args.data)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from wall.web.app import create_app

    settings = _settings(args)
    if args.demo:
        settings = with_demo(settings)
    if not settings.events:
        print(
            "murmur: no events configured. Add one with `murmur init`, "
            "or try `murmur serve --demo`.",
            file=sys.stderr,
        )
        return 2
    host = args.host or settings.server.host
    port = settings.server.port if args.port is None else args.port
    _check_port(host, port)
    log_config = _logging(args.log_format)
    logging.config.dictConfig(log_config)
    app = create_app(settings)
    base = settings.server.public_url or f"http://{host}:{port}"
    for slug in (e.slug for e in settings.events):
        print(
            f"murmur: wall at {base}/wall/{slug}  moderation at {base}/moderate/{slug}"
            + (f"  (listening on {host}:{port})" if settings.server.public_url else ""),
            file=sys.stderr,
        )
    uvicorn.run(
        app,
        host=host,
        port=port,
        ws_per_message_deflate=False,
        ws_max_size=64 * 1024,
        log_level="info",
        log_config=log_config,
        # Forwarding headers are read by wall.web.proxy, from trusted_proxies only.
        proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    return 0


def init(args: argparse.Namespace) -> int:
    write_init(args.path, force=args.force)
    print(f"murmur: wrote {args.path}; edit it, then run: murmur serve --config {args.path}")
    return 0


def export(args: argparse.Namespace) -> int:
    settings = _settings(args)
    statuses = [Status(args.status)] if args.status else list(Status)
    encoder = msgspec.json.Encoder()

    if args.event not in {e.slug for e in settings.events} and not _has_event(
        cli_ops._database(settings), args.event
    ):
        raise ValueError(f"no event {args.event!r} in this data folder or config: check the name")

    async def run() -> None:
        store = Store(settings.data_dir / "murmur.sqlite3", url=settings.store.url)
        await store.open()
        try:
            for status in statuses:
                _, posts = await store.posts(args.event, status, limit=1_000_000)
                for post in posts:
                    sys.stdout.write(encoder.encode(post).decode() + "\n")
        finally:
            await store.close()

    asyncio.run(run())
    return 0


def _has_event(database: Path, slug: str) -> bool:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT 1 FROM events WHERE slug = ?", (slug,)).fetchone() is not None
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {
        "serve": serve,
        "init": init,
        "export": export,
        "backup": cli_ops.run_backup,
        "restore": cli_ops.run_restore,
        "config": cli_ops.run_config,
        "store": cli_store.run,
    }
    try:
        if args.command == "user":
            return cli_users.run(args)
        return commands[args.command](args)
    except (ConfigError, ValueError, StoreError, BackupError) as exc:
        print(f"murmur: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"murmur: cannot use the database in {args.data}: {exc}", file=sys.stderr)
        return 2
    except PermissionError as exc:
        print(
            f"murmur: not allowed to use {exc.filename}: run as the folder's owner "
            "or choose another --data",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"murmur: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nmurmur: cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
