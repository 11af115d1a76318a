"""A TCP forwarder a test controls: put it between the app and PostgreSQL, then cut or
reset the connections it carries, or refuse new ones, while requests are running."""
from __future__ import annotations

import socket
import struct
import threading
from contextlib import suppress


class Proxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``reset()`` kills every live connection with
    a TCP RST, ``refuse(True)`` makes new connections fail at once (the server is gone)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self._refusing = False
        self._closed = False
        threading.Thread(target=self._accept, name="tcpproxy-accept", daemon=True).start()

    def url(self, database_url: str) -> str:
        """``database_url`` (postgresql+psycopg://user@host:port/db) through this proxy."""
        head, _, tail = database_url.partition("@")
        return f"{head}@127.0.0.1:{self.port}/{tail.split('/', 1)[1]}"

    def refuse(self, refusing: bool) -> None:
        self._refusing = refusing

    def reset(self) -> int:
        """Abort every carried connection (RST both ways); returns how many sockets."""
        with self._lock:
            live, self._live = self._live, set()
        for sock in live:
            _abort(sock)
        return len(live)

    @property
    def live(self) -> int:
        with self._lock:
            return len(self._live)

    def close(self) -> None:
        self._closed = True
        with suppress(OSError):
            self._listener.close()
        self.reset()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._refusing:
                _abort(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _abort(client)
                continue
            with self._lock:
                self._live |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._live -= {src, dst}


def _abort(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a RST, as when a firewall or the server drops it.
    (``shutdown`` first: a ``close`` alone would not wake the thread blocked reading it, and
    the socket would live on until that read returned.)"""
    with suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()
