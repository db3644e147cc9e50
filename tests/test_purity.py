"""The pure core imports no I/O: no event loop, no network, no database, no web."""

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = {
    "asyncio",
    "socket",
    "ssl",
    "sqlite3",
    "select",
    "selectors",
    "subprocess",
    "urllib.request",
    "http.client",
    "http.server",
    "aiohttp",
    "starlette",
    "uvicorn",
    "websockets",
    "tweepy",
    "wall",
    "PIL",
    "nh3",
    "requests",
    "httpx",
}
ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_core_loads_no_io_module():
    code = (
        "import sys, moderation, moderation.rules, moderation.status, moderation.post;"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    loaded = {name.split(".")[0] for name in out} | set(out)
    assert not loaded & FORBIDDEN, f"the core pulled in {sorted(loaded & FORBIDDEN)}"


def test_no_core_module_names_an_io_package():
    for path in (ROOT / "moderation").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN and name not in FORBIDDEN, (
                    f"{path.name} imports {name}"
                )


def test_one_process_on_sqlite_never_imports_redis(tmp_path: Path):
    # The shared state (wall.shared) and the bus between processes (wall.cluster) are
    # for several processes only: a laptop's Murmur builds its app and hub, claims,
    # presence, fleet, limits and sources in memory, and its bus is in the process.
    code = (
        "import sys, pathlib\n"
        "from wall.settings import Settings\n"
        "from wall.web.app import create_app\n"
        f"app = create_app(Settings(data_dir=pathlib.Path({str(tmp_path)!r})))\n"
        "hub = app.state.hub\n"
        "assert hub.shared is None and hub.relay is None, (hub.shared, hub.relay)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    several = ("redis.", "wall.shared", "wall.cluster")
    assert not [m for m in out if m == "redis" or m.startswith(several)]
