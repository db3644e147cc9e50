"""Sessions live on the server: a cookie is worth nothing once its session has ended.

Through the real app on a real port. Each test keeps the cookie a browser (or a thief)
held, ends the session the way an operator or a user would (logout, ``murmur user
passwd | role | remove`` in another process, time), and replays the cookie.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import trustme
import uvicorn
from itsdangerous import Signer, TimestampSigner
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.client import Client
from tests.live import LiveServer, _free_port, test_event
from wall.auth import hash_password
from wall.settings import ServerSettings, Settings
from wall.store import Store
from wall.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent.parent
HOUR = 3600.0


def murmur(live: LiveServer, *args: str, stdin: str | None = None) -> str:
    """Run ``murmur`` on the live server's data folder, in its own process, as an operator."""
    done = subprocess.run(
        [sys.executable, "-m", "wall", *args, "--data", str(live.settings.data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def logged_in(live: LiveServer, name: str = "alice", role: str = "moderator") -> Client:
    live.add_user(name, "correct horse", role)
    client = Client(live.url)
    assert client.login(name, "correct horse").status == 200
    return client


class Replayer(Client):
    """A client that sends one given cookie, as someone who copied it would."""

    def __init__(self, base: str, cookie: str) -> None:
        super().__init__(base)
        self.cookie = cookie

    def request(self, method, path, body=None, *, headers=None, **kw):
        headers = {"Cookie": self.cookie, **(headers or {})}
        return super().request(method, path, body, headers=headers, **kw)


def replay(live: LiveServer, cookie: str) -> Client:
    return Replayer(live.url, cookie)


def assert_ended(reply) -> None:
    assert reply.status == 401
    assert reply.json()["code"] == "session_expired"


def test_an_old_cookie_is_refused_after_logout(live: LiveServer) -> None:
    alice = logged_in(live)
    cookie = alice.cookie_header()
    assert alice.post("/api/logout").status == 204

    assert_ended(replay(live, cookie).get("/api/session"))
    assert_ended(replay(live, cookie).get("/api/events/jpo/posts"))


def test_an_old_cookie_is_refused_after_the_password_changes(live: LiveServer) -> None:
    alice = logged_in(live)
    cookie = alice.cookie_header()

    murmur(live, "user", "passwd", "alice", "--password-stdin", stdin="a new passphrase\n")

    assert_ended(replay(live, cookie).get("/api/session"))
    assert Client(live.url).login("alice", "correct horse").status == 401
    assert Client(live.url).login("alice", "a new passphrase").status == 200


def test_a_role_change_takes_effect_at_once(live: LiveServer) -> None:
    alice = logged_in(live, role="organiser")
    cookie = alice.cookie_header()
    assert alice.get("/admin/jpo").status == 200

    murmur(live, "user", "role", "alice", "moderator")

    assert_ended(replay(live, cookie).get("/api/session"))
    assert replay(live, cookie).get("/admin/jpo").status == 303  # to the login page
    again = Client(live.url)
    assert again.login("alice", "correct horse").json()["role"] == "moderator"
    assert again.get("/admin/jpo").status == 403
    assert again.request("PUT", "/api/events/jpo/display", {"layout": "grid"}).status == 403


def test_a_removed_users_cookie_is_refused(live: LiveServer) -> None:
    alice = logged_in(live, role="organiser")
    cookie = alice.cookie_header()

    murmur(live, "user", "remove", "alice")

    assert_ended(replay(live, cookie).get("/api/session"))
    assert Client(live.url).login("alice", "correct horse").status == 401


def _secret(live: LiveServer) -> str:
    return (live.settings.data_dir / "secret.key").read_text().strip()


def test_a_cookie_signed_with_the_real_secret_for_no_session_is_refused(live: LiveServer) -> None:
    logged_in(live, role="organiser")
    secret = _secret(live)
    made_up = Signer(secret, salt="murmur-session").sign(secrets.token_urlsafe(32)).decode()
    # What Starlette's signed-cookie sessions accepted: a user and role, no server record.
    payload = base64.b64encode(json.dumps({"user": "ghost", "role": "organiser"}).encode())
    forged = TimestampSigner(secret).sign(payload).decode()

    for value in (made_up, forged):
        reply = replay(live, f"murmur_session={value}").get("/api/session")
        assert_ended(reply)
        assert replay(live, f"murmur_session={value}").get("/admin/jpo").status == 303


def test_an_odd_cookie_from_another_app_on_the_host_does_not_hide_the_session(
    live: LiveServer,
) -> None:
    alice = logged_in(live)
    odd = f'prefs={{"theme":"dark"}}; {alice.cookie_header()}; tracker="unclosed'
    assert replay(live, odd).get("/api/session").status == 200


def test_an_ended_sessions_cookie_is_deleted_in_the_answer(live: LiveServer) -> None:
    alice = logged_in(live)
    cookie = alice.cookie_header()
    alice.post("/api/logout")

    reply = replay(live, cookie).get("/api/session")

    assert "murmur_session=" in reply.headers["Set-Cookie"]
    assert "Max-Age=0" in reply.headers["Set-Cookie"]


def test_no_cookie_at_all_is_told_to_log_in(live: LiveServer) -> None:
    reply = Client(live.url).get("/api/session")
    assert reply.status == 401 and reply.json()["code"] == "login_required"


def _clock(live: LiveServer, ahead: float) -> None:
    live.app.state.sessions.clock = lambda: time.time() + ahead


def test_a_session_ends_after_it_has_been_idle_too_long(live: LiveServer) -> None:
    alice = logged_in(live)  # defaults: 120 minutes idle, 12 hours in all

    _clock(live, 1.5 * HOUR)
    assert alice.get("/api/session").status == 200  # used: the idle time starts again
    _clock(live, 3 * HOUR)
    assert alice.get("/api/session").status == 200
    _clock(live, 5.1 * HOUR)
    assert_ended(alice.get("/api/session"))


def test_a_session_ends_after_its_absolute_lifetime_however_busy(tmp_path: Path) -> None:
    server = LiveServer(
        tmp_path / "data", server=ServerSettings(session_hours=2, session_idle_minutes=60)
    ).start()
    try:
        alice = logged_in(server)
        for hours in (0.75, 1.5, 1.99):
            _clock(server, hours * HOUR)
            assert alice.get("/api/session").status == 200
        _clock(server, 2.01 * HOUR)
        assert_ended(alice.get("/api/session"))
    finally:
        server.stop()


def test_sessions_are_listed_per_user(live: LiveServer) -> None:
    logged_in(live, "alice")
    Client(live.url).login("alice", "correct horse")
    bob = logged_in(live, "bob", "organiser")
    bob.post("/api/logout")

    listing = murmur(live, "user", "list").splitlines()

    assert listing[0] == "alice  moderator  2 open sessions"
    assert listing[1].startswith("    since ") and "from 127.0.0.1" in listing[1]
    assert listing[3] == "bob  organiser  no open session"


@contextmanager
def desk(live: LiveServer, client: Client) -> Iterator[ClientConnection]:
    """A moderator's desk socket, past its snapshot."""
    with connect(
        f"{live.ws_url}/ws/moderate/jpo", additional_headers={"Cookie": client.cookie_header()}
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
        yield ws


def closing_code(ws) -> int:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            ws.recv(timeout=20)
    assert info.value.rcvd is not None
    return info.value.rcvd.code


def test_an_open_desk_is_closed_with_4401_when_its_session_logs_out(live: LiveServer) -> None:
    alice = logged_in(live)
    with desk(live, alice) as ws:
        assert alice.post("/api/logout").status == 204
        assert closing_code(ws) == 4401


def test_an_open_desk_is_closed_with_4401_when_its_user_is_removed(live: LiveServer) -> None:
    live.app.state.sessions.recheck = 0.2  # the CLI's change is seen by the next look
    alice = logged_in(live)
    with desk(live, alice) as ws:
        murmur(live, "user", "remove", "alice")
        assert closing_code(ws) == 4401


def test_a_desk_opened_with_an_ended_session_is_closed_with_4401(live: LiveServer) -> None:
    alice = logged_in(live)
    cookie = alice.cookie_header()
    alice.post("/api/logout")
    with connect(f"{live.ws_url}/ws/moderate/jpo", additional_headers={"Cookie": cookie}) as ws:
        assert closing_code(ws) == 4401


@contextmanager
def https_server(tmp_path: Path) -> Iterator[tuple[str, ssl.SSLContext]]:
    """Murmur served over TLS by uvicorn itself, so requests arrive with scheme https."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    cert.private_key_pem.write_to_path(str(key_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    settings = Settings(server=ServerSettings(), events=[test_event()], data_dir=tmp_path / "d")
    asyncio.run(_add_alice(settings.data_dir / "murmur.sqlite3"))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_keyfile=str(key_file),
            ssl_certfile=str(cert_file),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(1000):
            if server.started:
                break
            time.sleep(0.01)
        yield f"https://127.0.0.1:{port}", context
    finally:
        server.should_exit = True
        thread.join(15)


async def _add_alice(path: Path) -> None:
    store = Store(path)
    await store.open()
    await store.add_user("alice", hash_password("correct horse"), "moderator")
    await store.close()


def _login_cookie(url: str, context: ssl.SSLContext | None) -> str:
    body = json.dumps({"username": "alice", "password": "correct horse"}).encode()
    request = urllib.request.Request(
        f"{url}/api/login", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, context=context, timeout=30) as reply:
        cookies = reply.headers.get_all("Set-Cookie")
    return next(c for c in cookies if c.startswith("murmur_session="))


def test_the_secure_flag_follows_the_scheme_the_client_used(
    live: LiveServer, tmp_path: Path
) -> None:
    live.add_user("alice", "correct horse")
    assert "secure" not in _login_cookie(live.url, None).lower()
    with https_server(tmp_path) as (url, context):
        assert "secure" in _login_cookie(url, context).lower()
