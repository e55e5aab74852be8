"""A TCP proxy on loopback that a test can cut, to fake a server going away.

Put between a client and a real server (PostgreSQL, the app's HTTP server),
it forwards bytes both ways until told otherwise:

- :meth:`Proxy.cut` closes every open connection (both sides, as a server
  restart does) and from then on refuses new ones: each is accepted and reset
  at once (RST), so the client fails fast, as on a restarted server's closed
  port; the listening port itself stays ours, so nothing else can take it;
- :meth:`Proxy.resume` forwards new connections again;
- :attr:`Proxy.drop_answers` forwards requests but loses what the server
  answers (closing the connection instead): the server did the work, the
  client never hears of it.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

CHUNK = 65536


class Proxy:
    """Forwards 127.0.0.1:<port> to ``target``; see the module docstring."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.refusing = False
        self.drop_answers = False
        self.accepted = 0
        self.refused = 0
        self.answers_dropped = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self) -> Proxy:
        self._acceptor.start()
        return self

    def cut(self) -> int:
        """Close every connection and refuse new ones; return how many were cut."""
        with self._lock:
            self.refusing = True
            cut = list(self._open)
            self._open.clear()
        for sock in cut:
            _close(sock)
        return len(cut) // 2

    def resume(self) -> None:
        with self._lock:
            self.refusing = False

    def stop(self) -> None:
        self._stopping.set()
        self.cut()
        self._acceptor.join(timeout=5)
        self.listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    # ------------------------------------------------------------ internals

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                refusing = self.refusing
            if refusing:
                self.refused += 1
                _reset(client)
                continue
            self._connect(client)

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        with self._lock:
            if self.refusing:  # cut while we were connecting
                _close(upstream)
                _reset(client)
                return
            self.accepted += 1
            self._open.update((client, upstream))
        for source, sink, answers in (
            (client, upstream, False),
            (upstream, client, True),
        ):
            thread = threading.Thread(
                target=self._pump, args=(source, sink, answers), daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _pump(self, source: socket.socket, sink: socket.socket, answers: bool) -> None:
        try:
            while data := source.recv(CHUNK):
                if answers and self.drop_answers:
                    with self._lock:
                        self.answers_dropped += 1
                    break
                sink.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._open.discard(source)
            self._open.discard(sink)
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST (linger 0): the client sees the connection refused/reset."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


@contextmanager
def proxy_to(host: str, port: int) -> Iterator[Proxy]:
    """A started :class:`Proxy` to ``host:port``, stopped afterwards."""
    proxy = Proxy((host, port)).start()
    try:
        yield proxy
    finally:
        proxy.stop()
