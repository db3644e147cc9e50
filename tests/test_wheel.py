"""Murmur as a wheel, installed outside the checkout: every asset every page uses answers.

Pages, scripts, styles, fonts and themes are package data read through
``importlib.resources``; before, pages were found by walking up from ``__file__`` and
only an editable install worked. The wheel is built with ``pip wheel``, installed into a
fresh virtual environment in a temporary folder, and ``murmur serve --demo`` runs from
there. Its dependencies come from the test environment's site-packages (a ``.pth``
line), so the test needs no download, and the checkout is never on ``sys.path``.
"""

from __future__ import annotations

import http.cookiejar
import re
import site
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.live import _free_port

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "/",
    "/login",
    "/wall/demo",
    "/moderate/demo",
    "/admin/demo",
    "/admin/demo/event",
    "/submit/demo",
    "/invite/a-token-the-page-asks-about",
]
_HTML_REF = re.compile(r'(?:src|href)="(/[^"]*)"')
_JS_IMPORT = re.compile(
    r'(?:import|export)\s[^"\']*?from\s*["\']([^"\']+)["\']|import\(\s*["\']([^"\']+)["\']|^import\s*["\']([^"\']+)["\']',
    re.M,
)
_JS_ASSET = re.compile(r'["\'](/static/[\w./-]+\.(?:css|js))["\']')
_CSS_REF = re.compile(r'url\(\s*["\']?([^"\')]+)["\']?\s*\)|@import\s+["\']([^"\']+)["\']')


_jar = http.cookiejar.CookieJar()
_opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(_jar))


def _get(url: str, body: bytes | None = None) -> tuple[int, bytes, str]:
    headers = {"Accept": "text/html,*/*", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with _opener.open(request, timeout=30) as answer:
            return answer.status, answer.read(), answer.headers.get("content-type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("content-type", "")


def _references(url: str, body: bytes, kind: str) -> set[str]:
    text = body.decode("utf-8", "replace")
    found: set[str] = set()
    if "html" in kind:
        found |= set(_HTML_REF.findall(text))
    elif "javascript" in kind:
        for groups in _JS_IMPORT.findall(text):
            found |= {g for g in groups if g}
        found |= set(_JS_ASSET.findall(text))  # stylesheets a module adds itself
    elif "css" in kind:
        for groups in _CSS_REF.findall(text):
            found |= {g for g in groups if g and not g.startswith("data:")}
    return {urljoin(url, ref) for ref in found}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = folder.glob("murmur-*.whl")
    env = folder / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (own,) = (env / "lib").glob("python3*/site-packages")
    (own / "murmur-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return env


def test_the_wheel_holds_pages_themes_and_fonts(installed):
    where = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import wall, pathlib; print(pathlib.Path(wall.__file__).parent)",
        ],
        capture_output=True,
        text=True,
        cwd=installed,
        timeout=60,
    )
    package = Path(where.stdout.strip())
    assert installed in package.parents, "wall was imported from the checkout, not the wheel"
    for name in (
        "static/wall.html",
        "static/wall.js",
        "static/fonts/fonts.css",
        "themes/dark/theme.css",
        "static/desk",
    ):
        assert (package / name).exists(), name


def test_murmur_serve_demo_from_the_wheel_serves_every_asset_its_pages_use(installed, tmp_path):
    murmur = installed / "bin" / "murmur"
    version = subprocess.run(
        [str(murmur), "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert version.returncode == 0 and version.stdout.startswith("murmur 0"), version

    added = subprocess.run(
        [
            str(murmur),
            "user",
            "add",
            "olga",
            "--role",
            "organiser",
            "--password-stdin",
            "--data",
            str(tmp_path / "d"),
        ],
        input="a long passphrase\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(murmur), "serve", "--demo", "--port", str(port), "--data", str(tmp_path / "d")],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)

        login = b'{"username": "olga", "password": "a long passphrase"}'
        assert _get(base + "/api/login", login)[0] == 200  # the desk and admin pages too
        seen: dict[str, int] = {}
        queue = [base + page for page in PAGES]
        status, body, _ = _get(base + "/api/themes")
        assert status == 200
        queue += [
            f"{base}/themes/{name}/theme.css"
            for name in re.findall(r'"name":"([a-z0-9-]+)"', body.decode())
        ]
        while queue:
            url = queue.pop()
            if url in seen or urlsplit(url).netloc != urlsplit(base).netloc:
                continue
            status, body, kind = _get(url)
            seen[url] = status
            if status == 200:
                queue += _references(url, body, kind)
    finally:
        server.terminate()
        server.wait(20)
        log.close()

    broken = {url: status for url, status in seen.items() if status != 200}
    assert not broken, broken
    fetched = {urlsplit(u).path for u in seen}
    assert any(path.endswith(".woff2") for path in fetched), "fonts were followed from CSS"
    # Every script and style the package ships is reached from a page: none is missing
    # from the wheel, and none is left behind unused.
    package = Path(
        subprocess.run(
            [
                str(installed / "bin" / "python"),
                "-c",
                "import wall.web.pages as p; print(p.STATIC)",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        ).stdout.strip()
    )
    shipped = {
        "/static/" + str(path.relative_to(package))
        for path in package.rglob("*")
        if path.suffix in {".js", ".css"}
    }
    assert shipped and shipped <= fetched, sorted(shipped - fetched)
