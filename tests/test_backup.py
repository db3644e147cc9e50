"""Backups taken while the server approves posts, and restores from them."""

from __future__ import annotations

import io
import sqlite3
import tarfile
import threading

import pytest

from moderation import Action
from tests.factories import make_post
from tests.live import LiveServer
from wall.backup import DATABASE, BackupError, backup, restore


@pytest.fixture
def live(tmp_path):
    server = LiveServer(tmp_path / "data").start()
    yield server
    server.stop()


def _approved(db: sqlite3.Connection) -> set[int]:
    return {r[0] for r in db.execute("SELECT id FROM posts WHERE status = 'approved'")}


def test_a_backup_under_approval_load_is_whole_and_holds_every_acknowledged_approval(
    live, tmp_path
):
    ids = [live.ingest("jpo", make_post(f"post {n} #JPO2026")) for n in range(300)]
    acknowledged: list[int] = []
    stop = threading.Event()

    def approve_all() -> None:
        for post_id in ids:
            if stop.is_set():
                return
            live.call(lambda p=post_id: live.hub.act("jpo", p, Action.APPROVE, actor="alice"))
            acknowledged.append(post_id)

    worker = threading.Thread(target=approve_all)
    worker.start()
    while len(acknowledged) < 50:  # the load is running before the backup begins
        threading.Event().wait(0.01)
    before = list(acknowledged)  # every approval acknowledged before the backup began
    target = tmp_path / "event.tar.gz"
    report = backup(live.settings.data_dir, target)
    during = len(acknowledged)
    stop.set()
    worker.join(60)

    assert during > len(before), "approvals went on while the backup ran"
    with tarfile.open(target) as tar:
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(tar.extractfile(DATABASE).read())  # type: ignore[union-attr]
    db = sqlite3.connect(copy)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert set(before) <= _approved(db)
    assert report.posts == 300
    assert target.stat().st_mode & 0o077 == 0, "the backup is readable by its owner only"


def test_restore_brings_back_posts_and_decisions_into_a_fresh_folder(live, tmp_path):
    post_id = live.ingest("jpo", make_post("kept #JPO2026"))
    live.call(lambda: live.hub.act("jpo", post_id, Action.APPROVE, actor="alice"))
    target = tmp_path / "b.tar.gz"
    backup(live.settings.data_dir, target)

    fresh = tmp_path / "restored"
    report = restore(target, fresh)
    assert report.posts == 1
    assert (fresh / DATABASE).stat().st_mode & 0o077 == 0
    restarted = LiveServer(fresh).start()
    try:
        view = restarted.call(lambda: restarted.hub.store.get_post("jpo", post_id))
        assert view is not None and view.status == "approved" and view.text == "kept #JPO2026"
    finally:
        restarted.stop()


def test_restore_refuses_to_overwrite_a_database_without_force(live, tmp_path):
    target = tmp_path / "b.tar.gz"
    backup(live.settings.data_dir, target)
    with pytest.raises(BackupError, match="--force"):
        restore(target, live.settings.data_dir)


def test_backup_of_a_folder_without_a_database_says_to_check_data(tmp_path):
    with pytest.raises(BackupError, match="check --data"):
        backup(tmp_path / "nothing", tmp_path / "b.tar.gz")


@pytest.mark.parametrize(
    ("name", "content"),
    [("../../etc/passwd", b"x"), ("media/../../evil.sh", b"x"), ("notes.txt", b"x")],
)
def test_restore_refuses_an_archive_with_foreign_entries_and_writes_nothing(
    tmp_path, name, content
):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    target = tmp_path / "data"
    with pytest.raises(BackupError, match="not a Murmur backup"):
        restore(archive, target)
    assert not (target / DATABASE).exists()
    assert not (tmp_path / "evil.sh").exists()


def test_restore_refuses_a_truncated_archive(live, tmp_path):
    target = tmp_path / "b.tar.gz"
    backup(live.settings.data_dir, target)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    with pytest.raises(BackupError, match=r"damaged|truncated|not a readable"):
        restore(cut, tmp_path / "fresh")
    assert not (tmp_path / "fresh" / DATABASE).exists()
