"""Serve fakes over real HTTP on 127.0.0.1, so code that is not Python (or not yours) can use them too.

One port serves every fake, each under its own name: ``http://127.0.0.1:<port>/upflow/v1/...`` reaches
``FakeUpflow`` as ``/v1/...``. Faults injected into a fake behave over the socket as they would on the
internet: a drop closes the connection without an answer, a timeout stalls past the client's patience.

Two paths belong to the server itself (no fake is named ``_faults``, nor the empty name):

* ``GET /`` lists the mounted fakes as JSON: ``{"fakes": {"upflow": {"base_url": ..., "class": "FakeUpflow",
  "requests": 3, "faults_queued": 0}, ...}}``.
* ``POST /_faults/{name}`` with a JSON object queues a fault on that fake (answer ``{"queued": n}``), see
  ``inject``; ``DELETE /_faults/{name}`` forgets every queued fault and lifts a rate limit.
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx
from typing_extensions import Self

from ._fake import FakeProvider

__all__ = ["FAULT_KINDS", "FakeServer", "inject", "parse_fault"]

#: What ``inject`` (and so ``POST /_faults/{name}`` and ``--fault``) accepts as ``kind``.
FAULT_KINDS = ("status", "refuse", "drop", "timeout", "slow", "rate_limit")
_FAULT_KEYS = frozenset(
    {"kind", "times", "status", "retry_after", "body", "after_apply", "seconds", "limit", "per"}
)


def inject(fake: FakeProvider, spec: Mapping[str, Any]) -> int:
    """Queue the fault *spec* describes on *fake*; returns how many requests it affects.

    *spec* is a JSON object: ``kind`` (one of :data:`FAULT_KINDS`) and ``times`` (default 1), plus
    ``status`` (default 503), ``retry_after`` and ``body`` for ``status``; ``after_apply`` (default false)
    for ``drop`` and ``timeout``; ``seconds`` for ``slow``; ``limit`` and ``per`` (default 60) for
    ``rate_limit`` (a limit of null lifts it). A spec that does not fit raises ``ValueError`` saying why.
    """
    if not isinstance(spec, Mapping):
        raise ValueError("the fault must be a JSON object with a 'kind'")
    unknown = sorted(set(spec) - _FAULT_KEYS)
    if unknown:
        raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
    kind = spec.get("kind")
    times = spec.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 10_000:
        raise ValueError("times must be an integer from 1 to 10000")
    after_apply = spec.get("after_apply", False)
    if not isinstance(after_apply, bool):
        raise ValueError("after_apply must be true or false")
    if kind == "status":
        status = spec.get("status", 503)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code (100-599)")
        retry_after = spec.get("retry_after")
        if retry_after is not None and not _header_value(retry_after):
            raise ValueError("retry_after must be a number of seconds or an HTTP date (printable ASCII)")
        fake.fail_next(status, retry_after=None if retry_after is None else str(retry_after),
                       body=spec.get("body"), times=times)  # fmt: skip
    elif kind == "refuse":
        fake.refuse_next(times)
    elif kind == "drop":
        fake.drop_next(after_apply=after_apply, times=times)
    elif kind == "timeout":
        fake.timeout_next(after_apply=after_apply, times=times)
    elif kind == "slow":
        seconds = spec.get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds <= 3600:
            raise ValueError("slow needs seconds, a number from 0 to 3600")
        fake.slow_next(float(seconds), times)
    elif kind == "rate_limit":
        limit, per = spec.get("limit"), spec.get("per", 60.0)
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
            raise ValueError("rate_limit needs limit, a non-negative integer (or null to lift it)")
        if not isinstance(per, int | float) or isinstance(per, bool) or not 0 < per < float("inf"):
            raise ValueError("per must be a positive number of seconds")
        fake.rate_limit(limit, float(per))
        return 0
    else:
        raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}, not {kind!r}")
    return times


def _header_value(value: object) -> bool:
    """Whether *value* can travel as a header value: a finite number >= 0, or printable ASCII text."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0 <= value < float("inf")
    return isinstance(value, str) and value.isascii() and value.isprintable()


def parse_fault(text: str) -> tuple[str, dict[str, Any]]:
    """Read a command-line fault, ``NAME:KIND[:VALUE][*TIMES]``, into (fake name, spec for ``inject``).

    KIND is ``status`` (VALUE: the code, default 503), ``refuse``, ``drop``, ``timeout`` (either with
    ``-after-apply``), ``slow`` (VALUE: seconds) or ``rate_limit`` (VALUE: requests per minute). Examples:
    ``whmcs:status:503*2``, ``salesbricks:timeout-after-apply``, ``payabli:refuse*3``, ``invoro:slow:1.5``.
    """
    body, _, count = text.partition("*")
    parts = body.split(":")
    if len(parts) not in (2, 3) or not all(parts[:2]):
        raise ValueError(f"{text!r} is not NAME:KIND[:VALUE][*TIMES]")
    name, kind = parts[0], parts[1]
    spec: dict[str, Any] = {"kind": kind}
    if kind.endswith("-after-apply"):
        spec = {"kind": kind.removesuffix("-after-apply"), "after_apply": True}
    if count:
        if not count.isdigit():
            raise ValueError(f"{text!r}: TIMES must be a whole number")
        spec["times"] = int(count)
    if len(parts) == 3:
        value = parts[2]
        key = {"status": "status", "slow": "seconds", "rate_limit": "limit"}.get(spec["kind"])
        if key is None:
            raise ValueError(f"{text!r}: {spec['kind']} takes no value")
        try:
            spec[key] = float(value) if key == "seconds" else int(value)
        except ValueError:
            raise ValueError(f"{text!r}: {value!r} is not a number") from None
    return name, spec


class FakeServer:
    """Serve *fakes* (name -> fake) on *host*:*port* (0 picks a free port) in a background thread.

    *stall* is how long a request with an injected timeout is held before the connection is closed.
    Faults are injected on the fakes themselves, or over HTTP with ``POST /_faults/{name}`` (see
    :func:`~invoicekit.testing._server.inject`); ``GET /`` lists the fakes. Use it as a context manager,
    or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self, fakes: Mapping[str, FakeProvider], *, host: str = "127.0.0.1", port: int = 0, stall: float = 5.0
    ) -> None:
        self.fakes: dict[str, FakeProvider] = dict(fakes)
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

    def describe(self) -> dict[str, dict[str, Any]]:
        """The mounted fakes, as ``GET /`` lists them."""
        return {
            name: {
                "base_url": self.base_url(name),
                "class": type(fake).__name__,
                "requests": len(fake.requests),
                "faults_queued": fake.faults_queued,
            }
            for name, fake in self.fakes.items()
        }

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
            head = self.path.lstrip("/")
            name = re.split(r"[/?]", head, maxsplit=1)[0]
            rest = head[len(name) :].removeprefix("/")
            fake = server.fakes.get(name)
            try:
                body = self._read_body()
            except ValueError as exc:  # no way to find where this request ends: answer, then hang up
                self.close_connection = True
                self._reply(httpx.Response(400, json={"message": f"unreadable request body: {exc}"}))
                return
            if body is None:  # the client broke off mid-body: a server never acts on half a request
                self.close_connection = True
                return
            if name in {"", "_faults"} and fake is None:
                self._reply(self._control(name, rest.split("?", 1)[0], body))
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

        def _control(self, name: str, target: str, body: bytes) -> httpx.Response:
            """The server's own paths: ``GET /`` and ``POST``/``DELETE /_faults/{name}``."""
            if name == "":
                if self.command != "GET":
                    return httpx.Response(405, json={"message": "GET / lists the fakes"})
                return httpx.Response(200, json={"fakes": server.describe()})
            fake = server.fakes.get(target)
            if fake is None:
                return httpx.Response(404, json={"message": f"no fake named {target!r}"})
            if self.command == "DELETE":
                fake.reset_faults()
                fake.rate_limit(None)
                return httpx.Response(200, json={"queued": 0})
            if self.command != "POST":
                return httpx.Response(405, json={"message": "POST a fault, or DELETE to clear them"})
            try:
                queued = inject(fake, json.loads(body or b"null"))
            except (ValueError, RecursionError) as exc:  # json.JSONDecodeError is a ValueError too
                return httpx.Response(400, json={"message": str(exc)})
            return httpx.Response(200, json={"queued": queued})

        def _read_body(self) -> bytes | None:
            """The whole body; None when the connection ended before it did. A request that does not say
            where its body ends (a Content-Length that is not a whole number) is a ValueError.
            """
            chunked = self.headers.get("Transfer-Encoding", "").lower() == "chunked"
            length = self.headers.get("Content-Length") or "0"
            if not chunked and not (length.isascii() and length.isdigit()):
                raise ValueError(f"Content-Length {length!r} is not a whole number")
            try:
                if chunked:
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
                body = self.rfile.read(int(length))
            except (OSError, ValueError):
                return None
            return body if len(body) == int(length) else None

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
