"""Keys generated under instance/ at start-up: several processes starting at once (the server
and its workers) must all end with the same whole key, never an error or half a key."""
from __future__ import annotations

import multiprocessing
import stat

from engine.checkpoints import CheckpointKey, create_secret_file


def _load(path: str, queue) -> None:
    queue.put(CheckpointKey.load(path, create=True).key_id)


def test_processes_starting_at_once_share_one_key(tmp_path):
    path = tmp_path / "instance" / "audit_key"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_load, args=(str(path), queue)) for _ in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    ids = {queue.get(timeout=5) for _ in procs}
    assert len(ids) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["audit_key"]  # no temporary left behind


def test_an_existing_file_is_kept(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("ab" * 32)
    create_secret_file(path, "cd" * 32)
    assert path.read_text() == "ab" * 32
