"""A hostile HTTP/1.1 server on 127.0.0.1: real sockets, answers written byte by byte from a script.

Each connection is served by its own thread: the request (head and body, Content-Length or chunked) is read
whole and counted, then the current *script* writes whatever it likes to the socket (trickled headers or
body, an endless body, a gzip bomb, a body cut short, giant headers) and the connection is closed. A script
stops as soon as the client goes away, so a cut call leaves no busy thread behind for long.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

from typing_extensions import Self

Script = Callable[[socket.socket], None]


class Hostile:
    """The server. Set :attr:`script` (see the functions below) before each call."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.script: Script = answer(200, b"{}")
        self.requests: list[bytes] = []  # the head of every request fully received
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="hostile", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                head = _read_request(conn)
                if head is None:
                    return
                with self._lock:
                    self.requests.append(head)
                self.script(conn)
            except OSError:  # the client went away: the script ends here
                return

    def close(self) -> None:
        self._closed = True
        self._sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _read_request(conn: socket.socket) -> bytes | None:
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            return None
        data += more
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {
        k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
    }
    if "content-length" in headers:
        need = int(headers["content-length"]) - len(rest)
        while need > 0:
            more = conn.recv(min(need, 65536))
            if not more:
                return None
            need -= len(more)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            more = conn.recv(65536)
            if not more:
                return None
            rest += more
    return head


def _until_gone(conn: socket.socket, seconds: float) -> None:
    """Wait until the client closes the connection, or *seconds* pass."""
    conn.settimeout(seconds)
    while conn.recv(65536):
        pass


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# -- scripts ------------------------------------------------------------------------------------------


def answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> Script:
    """A whole, well-formed answer."""

    def script(conn: socket.socket) -> None:
        all_headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            "Connection": "close",
        }
        conn.sendall(_head(status, {**all_headers, **(headers or {})}) + body)

    return script


def trickled_headers(every: float = 0.05) -> Script:
    """A status line, then one header byte every *every* seconds, forever."""

    def script(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while True:
            time.sleep(every)
            conn.sendall(b"a")

    return script


def stalled_headers(stall: float = 30.0) -> Script:
    """A status line, then nothing for *stall* seconds."""

    def script(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        _until_gone(conn, stall)

    return script


def trickled_body(status: int = 200, every: float = 0.05) -> Script:
    """Headers announcing a 1 MB body, then one byte of it every *every* seconds."""

    def script(conn: socket.socket) -> None:
        conn.sendall(_head(status, {"Content-Type": "application/json", "Content-Length": str(10**6)}))
        while True:
            time.sleep(every)
            conn.sendall(b" ")

    return script


def endless_body(status: int = 200, headers: dict[str, str] | None = None) -> Script:
    """A chunked body of spaces that never ends (64 KiB chunks, as fast as the client reads)."""
    chunk = b"10000\r\n" + b" " * 65536 + b"\r\n"

    def script(conn: socket.socket) -> None:
        base = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        conn.sendall(_head(status, {**base, **(headers or {})}))
        while True:
            conn.sendall(chunk)

    return script


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(inflated: int, status: int = 200) -> Script:
    """A gzip body that inflates to *inflated* bytes of spaces (about a thousandth of that on the wire)."""
    if inflated not in _BOMBS:
        zeros = b" " * (1 << 20)
        parts = [gzip.compress(zeros, 9)] if inflated <= 1 << 20 else []
        if not parts:
            import zlib

            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            parts = [z.compress(zeros) for _ in range(inflated >> 20)] + [z.flush()]
        _BOMBS[inflated] = b"".join(parts)
    body = _BOMBS[inflated]
    return answer(status, body, {"Content-Encoding": "gzip"})


def cut_body(status: int = 200) -> Script:
    """Headers announcing 1000 bytes, 100 of them, then the connection is closed."""

    def script(conn: socket.socket) -> None:
        conn.sendall(
            _head(status, {"Content-Type": "application/json", "Content-Length": "1000"}) + b"{" * 100
        )

    return script


def giant_headers(size: int = 256 << 10) -> Script:
    """An answer whose headers hold *size* bytes."""

    def script(conn: socket.socket) -> None:
        headers = {f"X-Big-{i}": "b" * 1000 for i in range(size // 1000)}
        conn.sendall(_head(200, {**headers, "Content-Length": "2"}) + b"{}")

    return script


def claims_length(length: int, status: int = 200) -> Script:
    """Headers announcing a *length*-byte body, then nothing: reading it would wait forever."""

    def script(conn: socket.socket) -> None:
        conn.sendall(_head(status, {"Content-Type": "application/json", "Content-Length": str(length)}))
        _until_gone(conn, 30)

    return script


def endless_informational(every: float = 0.05) -> Script:
    """``103 Early Hints`` answers, one every *every* seconds, forever: each is small, so no header limit
    of the HTTP parser ever trips, and the final answer never comes.
    """

    def script(conn: socket.socket) -> None:
        while True:
            conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
            time.sleep(every)

    return script


def trickled_answer(status: int, body: bytes, headers: dict[str, str], every: float = 0.002) -> Script:
    """A whole answer whose body leaves one byte at a time, *every* seconds apart."""

    def script(conn: socket.socket) -> None:
        base = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
        conn.sendall(_head(status, {**base, **headers}))
        for byte in body:
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return script
