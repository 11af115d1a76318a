"""The local relay between the web processes of one machine (``web.commission.relay``):
what one process publishes reaches every other process's socket whole and in order, a
socket left behind by a dead process is removed, and the directory is this account's only."""
from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import socket
import stat
from pathlib import Path

import pytest

from web.commission.relay import LocalRelay
from web.local import opened, shared_dir


def _bound(directory: Path, channel: str = "guichet") -> LocalRelay:
    relay = LocalRelay(directory, channel=channel)
    relay.bind()
    return relay


def test_a_message_reaches_every_other_process_whole_and_in_order(tmp_path: Path) -> None:
    sender, first, second = (_bound(tmp_path / "rooms") for _ in range(3))
    try:
        stroke = {"method": "emit", "event": "annotation", "host_id": sender.host_id,
                  "data": [{"points": [[12345.678901234567, 23456.78901234567]] * 5000}]}
        assert len(json.dumps(stroke)) > 200_000  # more than a Unix datagram carries
        sender._publish(stroke)  # noqa: SLF001 - what the pub/sub manager calls
        sender._publish({"method": "emit", "event": "chat", "data": ["after"], "host_id": sender.host_id})  # noqa: SLF001
        for receiver in (first, second):
            messages = receiver._listen()  # noqa: SLF001
            assert next(messages) == stroke
            assert next(messages)["data"] == ["after"]
        assert sorted(sender.peers()) == sorted([first.path, second.path])  # never itself
    finally:
        for relay in (sender, first, second):
            relay.close()


def test_another_channel_is_not_heard(tmp_path: Path) -> None:
    sender, other, receiver = _bound(tmp_path), _bound(tmp_path, channel="another"), _bound(tmp_path)
    try:
        LocalRelay(tmp_path, channel="another")._publish({"n": 1})  # noqa: SLF001 - not bound: tells all
        sender._publish({"n": 2})  # noqa: SLF001
        assert next(receiver._listen()) == {"n": 2}  # noqa: SLF001 - the other channel's message skipped
        assert next(other._listen()) == {"n": 1}  # noqa: SLF001
    finally:
        for relay in (sender, other, receiver):
            relay.close()


def test_a_socket_left_by_a_dead_process_is_removed(tmp_path: Path) -> None:
    sender = _bound(tmp_path)
    dead = tmp_path / "4242-deadbeef0000.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as gone:
        gone.bind(str(dead))  # bound, never listening, then closed: as a killed process leaves it
    try:
        sender._publish({"method": "emit"})  # noqa: SLF001
        assert not dead.exists()
        assert sender.peers() == []
    finally:
        sender.close()
    assert not sender.path or not sender.path.exists()  # its own socket is gone at close


def test_the_shared_directory_is_this_accounts_only(tmp_path: Path) -> None:
    one, other = shared_dir("sqlite:////srv/a.sqlite"), shared_dir("postgresql://u:secret@db/guichet")
    assert one != other and one == shared_dir("sqlite:////srv/a.sqlite")
    assert "secret" not in str(other)
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    assert stat.S_IMODE(opened(loose).stat().st_mode) == 0o700


def test_a_directory_of_another_account_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    with pytest.raises(PermissionError):
        opened(tmp_path)


@pytest.mark.parametrize(("url", "queue", "shared"), [
    ("sqlite:///{tmp}/guichet.sqlite", None, True),
    ("postgresql+psycopg://nobody@127.0.0.1:1/none", None, True),
    ("sqlite:///{tmp}/guichet.sqlite", "redis://127.0.0.1:6379/7", False),  # the queue shares them
    ("sqlite:///:memory:", None, False),  # one process's database
])
def test_guichet_serve_shares_the_rooms_unless_a_queue_does(tmp_path: Path, url: str, queue: str | None,
                                                            shared: bool) -> None:
    from socketio import PubSubManager

    from web import create_app
    from web.commission.sockets import share_rooms_locally
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.format(tmp=tmp_path), "TESTING": True,
                      "SOCKETIO_MESSAGE_QUEUE": queue})
    server = app.extensions["socketio"].server
    before = server.manager
    assert share_rooms_locally(app) is shared
    if shared:
        assert isinstance(server.manager, LocalRelay) and server.manager.server is server
        assert server.manager.directory == shared_dir(url.format(tmp=tmp_path))
    else:
        assert server.manager is before
        assert isinstance(before, PubSubManager) == bool(queue)


def test_the_projects_gunicorn_settings_share_the_rooms_of_guichets_app_only(tmp_path: Path) -> None:
    """``gunicorn.conf.py``'s worker hook, as gunicorn calls it once a worker has loaded its
    app: Guichet's app gets the relay (no queue configured); another app served with the
    same settings (the benchmarks' floor) is left as it is."""
    import runpy
    from types import SimpleNamespace

    from flask import Flask

    from web import create_app
    hook = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))["post_worker_init"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/guichet.sqlite", "TESTING": True})
    other = Flask("floor")
    threshold = gc.get_threshold()
    try:
        hook(SimpleNamespace(wsgi=app))
        hook(SimpleNamespace(wsgi=other))
    finally:  # the hook's garbage collector settings are a worker's, not the test run's
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert isinstance(app.extensions["socketio"].server.manager, LocalRelay)
    assert "socketio" not in other.extensions


def test_each_forked_worker_has_its_own_id_and_hears_the_others(tmp_path: Path) -> None:
    """The manager is made before the server forks: a worker must not carry its parent's id
    (every worker would then drop the others' events as its own)."""
    relay = LocalRelay(tmp_path, channel="guichet")
    parent_id = relay.host_id
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the worker: its own id, its own socket; tells its id, then reads one event
        try:
            relay.bind()
            os.write(writer, relay.host_id.encode() + b"\n")
            event = next(relay._listen())  # noqa: SLF001
            os.write(writer, json.dumps(event).encode() + b"\n")
        finally:
            relay.close()
            os._exit(0)
    try:
        with os.fdopen(reader) as lines:
            child_id = lines.readline().strip()
            assert child_id and child_id != parent_id and relay.host_id == parent_id
            relay._publish({"method": "emit", "host_id": relay.host_id, "data": ["from the parent"]})  # noqa: SLF001
            assert json.loads(lines.readline()) == {"method": "emit", "host_id": parent_id, "data": ["from the parent"]}
    finally:
        os.close(writer)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)  # a child still waiting for an event that never came
        os.waitpid(child, 0)
