"""Credentials stay where the operator put them: no organiser can make Murmur send a token,
or the session secret, to a host of their choosing (issue 9, finding 1).

Each test runs a real listener on 127.0.0.1 that records every byte it receives, allowed
by ``fetch_allow`` so that the fetch guard is not what stops the request: the credential
rules are.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time

import msgspec
import pytest

from tests.client import Client
from tests.live import LiveServer, test_event
from wall.credentials import CredentialRefused, Vault, check_live_sources
from wall.settings import MastodonSource, ServerSettings, XSource

SECRET = "s3cr3t-session-key-value-that-must-never-leave-0123456789"
TOKEN = "mastodon-token-value-only-for-the-file-host"
PASSWORD = "correct horse"


class Listener:
    """A TCP server that answers nothing useful and keeps everything it is sent."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.settimeout(2)
            try:
                self.received += conn.recv(65536)
                conn.sendall(b"HTTP/1.1 500 Nope\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener():
    opened = Listener()
    yield opened
    opened.close()


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("MURMUR_SECRET_KEY", SECRET)
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    monkeypatch.setenv("OTHER_TOKEN", "another-token-value")


def _server(tmp_path, sources):
    event = msgspec.structs.replace(test_event("jpo"), sources=sources)
    live = LiveServer(
        tmp_path / "data",
        events=[event],
        server=ServerSettings(secret_key_env="MURMUR_SECRET_KEY", fetch_allow=["127.0.0.0/8"]),
    ).start()
    live.add_user("olga", PASSWORD, "organiser")
    return live


def _organiser(live):
    client = Client(live.url)
    assert client.login("olga", PASSWORD).status == 200
    return client


def _leaked(listener: Listener) -> bool:
    time.sleep(1.0)  # give a misbehaving source time to connect
    data = listener.received
    return SECRET.encode() in data or TOKEN.encode() in data or b"another-token" in data


@pytest.mark.parametrize(
    "source",
    [
        {"type": "mastodon", "server": "http://127.0.0.1:{port}", "token_env": "MURMUR_SECRET_KEY"},
        {"type": "mastodon", "server": "http://127.0.0.1:{port}", "token_env": "OTHER_TOKEN"},
        {"type": "mastodon", "server": "http://127.0.0.1:{port}", "token_env": "PATH"},
        {"type": "x", "api": "http://127.0.0.1:{port}"},
        {"type": "x", "api": "http://127.0.0.1:{port}", "token_env": "MASTODON_TOKEN"},
    ],
)
def test_an_organiser_cannot_add_a_source_that_sends_a_credential(tmp_path, env, listener, source):
    live = _server(tmp_path, [])
    try:
        body = {k: v.format(port=listener.port) for k, v in source.items()}
        reply = _organiser(live).request("PATCH", "/api/events/jpo/settings", {"sources": [body]})
        assert reply.status == 400, reply.body
        assert "token_env" in reply.json()["error"]
        assert not _leaked(listener)
    finally:
        live.stop()


def test_an_organiser_cannot_point_the_files_token_at_another_host(tmp_path, env, listener):
    file_source = MastodonSource(server="https://mastodon.example", token_env="MASTODON_TOKEN")
    live = _server(tmp_path, [file_source])
    try:
        moved = {
            "type": "mastodon",
            "server": f"http://127.0.0.1:{listener.port}",
            "token_env": "MASTODON_TOKEN",
        }
        reply = _organiser(live).request("PATCH", "/api/events/jpo/settings", {"sources": [moved]})
        assert reply.status == 400
        assert reply.json()["error"].startswith("sources[0].token_env")
        streaming = {
            "type": "mastodon",
            "server": "https://mastodon.example",
            "streaming": f"http://127.0.0.1:{listener.port}",
            "token_env": "MASTODON_TOKEN",
        }
        reply = _organiser(live).request(
            "PATCH", "/api/events/jpo/settings", {"sources": [streaming]}
        )
        assert reply.status == 400
        assert not _leaked(listener)
    finally:
        live.stop()


def test_a_live_change_that_keeps_the_files_credential_is_accepted(tmp_path, env):
    file_source = MastodonSource(server="https://mastodon.example", token_env="MASTODON_TOKEN")
    live = _server(tmp_path, [file_source])
    try:
        same = {
            "type": "mastodon",
            "server": "https://mastodon.example",
            "token_env": "MASTODON_TOKEN",
            "poll_seconds": 30,
        }
        reply = _organiser(live).request("PATCH", "/api/events/jpo/settings", {"sources": [same]})
        assert reply.status == 200, reply.body
        # A public source with no credential may be added live, too.
        public = {"type": "mastodon", "server": "https://other.example"}
        reply = _organiser(live).request(
            "PATCH", "/api/events/jpo/settings", {"sources": [same, public]}
        )
        assert reply.status == 200, reply.body
    finally:
        live.stop()


def test_a_stored_live_change_that_moved_a_token_is_dropped_at_start(tmp_path, env, listener):
    """Live settings saved by an older Murmur, before these rules, are not believed."""
    file_source = MastodonSource(server="https://mastodon.example", token_env="MASTODON_TOKEN")
    live = _server(tmp_path, [file_source])
    live.stop()
    moved = [
        {
            "type": "mastodon",
            "server": f"http://127.0.0.1:{listener.port}",
            "token_env": "MASTODON_TOKEN",
            "poll_seconds": 0.05,
        }
    ]
    with sqlite3.connect(tmp_path / "data" / "murmur.sqlite3") as db:
        db.execute(
            "INSERT INTO event_overrides (event, data, updated_by, updated_at)"
            " VALUES ('jpo', ?, 'olga', '2026-12-05T10:00:00+00:00')",
            (msgspec.json.encode({"sources": moved}).decode(),),
        )
    live.start()
    try:
        assert live.hub.events["jpo"].sources == [file_source]
        assert not _leaked(listener)
    finally:
        live.stop()


def test_a_config_file_cannot_name_the_session_secret_as_a_token(tmp_path):
    from wall.config import ConfigError, load_settings

    path = tmp_path / "murmur.toml"
    path.write_text(
        '[[events]]\nslug = "jpo"\ntitle = "JPO"\nhashtags = ["x"]\n'
        '[[events.sources]]\ntype = "mastodon"\nserver = "https://m.example"\n'
        'token_env = "MURMUR_SECRET_KEY"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "murmur.toml:8" in message and "token_env" in message and "_TOKEN" in message


def test_a_source_is_handed_only_the_token_its_file_binding_allows():
    vault = Vault({"MASTODON_TOKEN": TOKEN, "X_BEARER_TOKEN": "x"}.get, secret_key_env=None)
    file_sources = [MastodonSource(server="https://m.example", token_env="MASTODON_TOKEN")]
    same = vault.reader("m", file_sources[0], file_sources)
    assert same("MASTODON_TOKEN") == TOKEN
    assert same("X_BEARER_TOKEN") is None  # only its own variable
    moved = MastodonSource(server="https://evil.example", token_env="MASTODON_TOKEN")
    assert vault.reader("m", moved, file_sources)("MASTODON_TOKEN") is None
    x = XSource(api="https://evil.example")
    assert vault.reader("x", x, file_sources)("X_BEARER_TOKEN") is None
    with pytest.raises(CredentialRefused, match=r"sources\[1\]\.token_env"):
        check_live_sources(file_sources, [file_sources[0], moved])
