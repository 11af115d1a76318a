"""The visio rooms shared by the web processes of one machine, with no message queue.

``guichet serve`` runs several worker processes, and the members of one room land on
whichever worker accepted their socket. Without a queue (SOCKETIO_MESSAGE_QUEUE unset) the
processes serving the same database on this machine tell each other of every room event
through Unix sockets in their shared directory (``web.local``, reachable by this account only):
python-socketio's pub/sub manager does the rooms' part (who is where, acknowledgements
across processes), this module only carries its messages. Each process listens on its own
socket (bound when its first room socket connects) and sends each message to every other
socket of the directory on a connection of its own: no size limit (a 5,000-point stroke
fits), and one sender's messages arrive in the order they were sent. A socket left behind
by a process that died refuses the connection and is removed. Several machines need a
queue (Redis or RabbitMQ), as before.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from socketio import PubSubManager

from ..local import opened

log = logging.getLogger(__name__)

SUFFIX = ".sock"
TIMEOUT = 2.0  # seconds a peer has to accept and read a message
LARGEST = 8 * 1024 * 1024  # bytes: a room event is a few KB; a stroke at most a few hundred


class LocalRelay(PubSubManager):  # type: ignore[misc]
    """A python-socketio client manager whose pub/sub is this machine's Unix sockets."""

    name = "local"

    def __init__(self, directory: Path, channel: str = "socketio"):
        super().__init__(channel=channel)
        self.directory = directory
        self.path: Path | None = None
        self._listener: socket.socket | None = None

    def initialize(self) -> None:
        """Bind this process's socket, then start the listening thread (the base class)."""
        self.bind()
        super().initialize()

    def bind(self) -> None:
        """Listen on this process's socket. It is bound under a name the peers do not look
        at, and renamed once listening: a peer never meets it refusing connections (and
        never removes it for a dead process's)."""
        opened(self.directory)
        # the manager is made before the server forks its workers: with the id it was made
        # with, every worker would take the others' events for its own and drop them
        self.host_id = uuid.uuid4().hex
        name = f"{os.getpid()}-{self.host_id[:12]}"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.directory / f".{name}.binding"))
        listener.listen(128)
        os.rename(self.directory / f".{name}.binding", self.directory / f"{name}{SUFFIX}")
        self.path, self._listener = self.directory / f"{name}{SUFFIX}", listener
        atexit.register(self.close)

    def close(self) -> None:
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        if self._listener is not None:
            self._listener.close()

    def peers(self) -> list[Path]:
        """The other processes' sockets (this process's own handles its events itself)."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        own = self.path.name if self.path is not None else None
        return [self.directory / n for n in names if n.endswith(SUFFIX) and n != own]

    def _publish(self, data: Any) -> None:
        payload = json.dumps({"channel": self.channel, "data": data}, separators=(",", ":")).encode()
        for peer in self.peers():
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as out:
                    out.settimeout(TIMEOUT)
                    out.connect(str(peer))
                    out.sendall(payload)
            except (ConnectionRefusedError, FileNotFoundError):  # its process is gone
                with contextlib.suppress(FileNotFoundError):
                    peer.unlink()
            except OSError as exc:  # a live peer that did not read in time: logged, the others still told
                log.warning("room event not relayed to %s: %s", peer.name, exc)

    def _listen(self) -> Iterator[Any]:
        assert self._listener is not None
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:  # closed at exit
                return
            with conn:
                conn.settimeout(TIMEOUT)
                payload = _read_all(conn)
            if payload is None:
                continue
            try:
                message = json.loads(payload)
            except ValueError:
                log.warning("unreadable room event dropped (%d bytes)", len(payload))
                continue
            if isinstance(message, dict) and message.get("channel") == self.channel:
                yield message.get("data")


def _read_all(conn: socket.socket) -> bytes | None:
    parts, size = [], 0
    try:
        while chunk := conn.recv(65536):
            parts.append(chunk)
            size += len(chunk)
            if size > LARGEST:
                log.warning("room event over %d bytes dropped", LARGEST)
                return None
    except OSError as exc:
        log.warning("room event not read: %s", exc)
        return None
    return b"".join(parts)
