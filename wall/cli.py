"""The ``murmur`` command: serve, init, user (``wall.cli_users``), export."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from pathlib import Path

import msgspec

from moderation import Status
from wall import cli_users
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
    return parser


def _settings(args: argparse.Namespace) -> Settings:
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
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    for slug in (e.slug for e in settings.events):
        print(
            f"murmur: wall at http://{host}:{port}/wall/{slug}  "
            f"moderation at http://{host}:{port}/moderate/{slug}",
            file=sys.stderr,
        )
    uvicorn.run(
        app,
        host=host,
        port=port,
        ws_per_message_deflate=False,
        ws_max_size=64 * 1024,
        log_level="info",
        proxy_headers=False,
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

    async def run() -> None:
        store = Store(settings.data_dir / "murmur.sqlite3")
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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"serve": serve, "init": init, "export": export}
    try:
        if args.command == "user":
            return cli_users.run(args)
        return commands[args.command](args)
    except (ConfigError, ValueError, StoreError) as exc:
        print(f"murmur: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"murmur: cannot use the database in {args.data}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nmurmur: cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
