"""Serve fakes over real HTTP on 127.0.0.1, so code that is not Python (or not yours) can use them too.

One port serves every fake, each under its own name: ``http://127.0.0.1:<port>/upflow/v1/...`` reaches
``FakeUpflow`` as ``/v1/...``. Faults injected into a fake behave over the socket as they would on the
internet: a drop closes the connection without an answer, a timeout stalls past the client's patience.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Mapping
from types import TracebackType

import httpx
from typing_extensions import Self

from ._fake import FakeProvider

__all__ = ["FakeServer"]


class FakeServer:
    """Serve *fakes* (name -> fake) on *host*:*port* (0 picks a free port) in a background thread.

    *stall* is how long a request with an injected timeout is held before the connection is closed.
    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self, fakes: Mapping[str, FakeProvider], *, host: str = "127.0.0.1", port: int = 0, stall: float = 5.0
    ) -> None:
        self.fakes = dict(fakes)
        self.stall = stall
        self._httpd = http.server.ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:8765``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def base_url(self, name: str) -> str:
        """The ``base_url=`` to give a client for the fake called *name*."""
        return f"{self.url}/{name}{self.fakes[name].prefix}"

    def start(self) -> Self:
        """Serve in a background thread; returns the server, so ``FakeServer(...).start()`` chains."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="invoicekit-fakes", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and wait for the background thread."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (Ctrl-C)."""
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _handler_for(server: FakeServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in two writes; without this, Nagle's algorithm meets the client's
            # delayed ACK and every answer waits ~40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the fakes keep their own request log."""

        def _serve(self) -> None:
            name, _, rest = self.path.lstrip("/").partition("/")
            fake = server.fakes.get(name)
            body = self._read_body()
            if body is None:  # the client broke off mid-body: a server never acts on half a request
                self.close_connection = True
                return
            if fake is None:
                self._reply(httpx.Response(404, json={"message": f"no fake named {name!r}"}))
                return
            request = httpx.Request(
                self.command,
                f"http://{self.headers.get('Host', 'localhost')}/{rest}",
                headers=list(self.headers.items()),
                content=body,
            )
            delay, outcome = fake.dispatch(request)
            time.sleep(delay)
            if isinstance(outcome, httpx.TimeoutException):
                time.sleep(server.stall)
            if isinstance(outcome, Exception):
                self.close_connection = True  # no answer at all, as a crashed server gives
                return
            self._reply(outcome)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def _read_body(self) -> bytes | None:
            """The whole body, or None when the connection ended before it did."""
            try:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        line = self.rfile.readline()
                        if not line.endswith(b"\n"):
                            return None
                        size = int(line.split(b";")[0], 16)
                        chunk = self.rfile.read(size)
                        if len(chunk) < size:
                            return None
                        chunks.append(chunk)
                        self.rfile.readline()
                        if size == 0:
                            return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
            except (OSError, ValueError):
                return None
            return body if len(body) == length else None

        def _reply(self, response: httpx.Response) -> None:
            content = response.read()
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in {"content-length", "transfer-encoding", "connection"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

    return Handler
