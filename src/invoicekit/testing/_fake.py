"""The base of every fake: routing, a request log, injected faults and a rate limiter.

A fake is a plain object with an in-memory store. Its :attr:`FakeProvider.transport` is an httpx
transport that serves both ``httpx.Client`` and ``httpx.AsyncClient``, so one fake tests sync and async
code alike; ``python -m invoicekit.testing`` serves the same objects over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import collections
import decimal
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import attrs
import httpx

__all__ = ["FakeProvider", "Fault", "Route"]

Handler = Callable[[httpx.Request, dict[str, str]], httpx.Response]

#: What a server computes money in: the default context (28 digits, half-even, the usual traps), whatever
#: decimal context the test that calls an in-process fake has set on its own thread.
_SERVER_DECIMALS = decimal.Context()


@attrs.frozen
class Fault:
    """One injected failure. *kind*: ``status`` (answer *status*), ``refuse`` (connection refused),
    ``drop`` (connection dropped, no answer), ``timeout`` (read timeout) or ``slow`` (answer after
    *delay* seconds). With *after_apply*, the fake applies the request before dropping or timing out,
    as a real server that crashed mid-answer would.
    """

    kind: str
    status: int = 503
    retry_after: str | None = None
    body: Any = None
    after_apply: bool = False
    delay: float = 0.0


@attrs.frozen
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class FakeProvider(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Base of the provider fakes. Subclasses register routes with :meth:`route` and hold their state."""

    #: The provider's base URL path prefix, e.g. ``/v1`` for Upflow; routes are relative to it.
    prefix: str = ""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._routes: list[Route] = []
        self._faults: collections.deque[Fault] = collections.deque()
        self._limit: tuple[int, float] | None = None
        self._hits: collections.deque[float] = collections.deque()
        self._lock = threading.RLock()

    # -- what tests use ------------------------------------------------------------------------------

    @property
    def transport(self) -> FakeProvider:
        """An httpx transport (sync and async) that answers as the provider would."""
        return self

    def fail_next(
        self, status: int = 503, *, retry_after: float | str | None = None, body: Any = None, times: int = 1
    ) -> None:
        """Answer the next *times* requests with *status* (and ``Retry-After``, and a JSON *body*)."""
        ra = None if retry_after is None else str(retry_after)
        self._queue(Fault("status", status=status, retry_after=ra, body=body), times)

    def refuse_next(self, times: int = 1) -> None:
        """Refuse the next connections: the request never reaches the provider."""
        self._queue(Fault("refuse"), times)

    def drop_next(self, *, after_apply: bool = False, times: int = 1) -> None:
        """Drop the connection without an answer, before (default) or after applying the request."""
        self._queue(Fault("drop", after_apply=after_apply), times)

    def timeout_next(self, *, after_apply: bool = False, times: int = 1) -> None:
        """Let the next requests time out, before (default) or after applying them."""
        self._queue(Fault("timeout", after_apply=after_apply), times)

    def slow_next(self, seconds: float, times: int = 1) -> None:
        """Answer the next requests normally, but only after *seconds*."""
        self._queue(Fault("slow", delay=seconds), times)

    def rate_limit(self, limit: int | None, per: float = 60.0) -> None:
        """Answer 429 (with ``Retry-After``) above *limit* requests per *per* seconds; None lifts it."""
        with self._lock:
            self._limit = None if limit is None else (limit, per)
            self._hits.clear()

    @property
    def faults_queued(self) -> int:
        """How many injected faults wait for a request."""
        with self._lock:
            return len(self._faults)

    def reset_faults(self) -> None:
        """Forget every queued fault."""
        with self._lock:
            self._faults.clear()

    def seed_demo(self) -> str:
        """Seed the demo invoices ``python -m invoicekit.testing`` serves; returns what they are, in words.
        A fake that does not override it is served empty.
        """
        return "no demo invoices"

    # -- what subclasses use -------------------------------------------------------------------------

    def client_kwargs(
        self, defaults: dict[str, Any], options: dict[str, Any], *, asynchronous: bool
    ) -> dict[str, Any]:
        """Constructor arguments for a client wired to this fake: *defaults* (the fake's credentials),
        overridden by the caller's *options*, plus an ``http_client`` on :attr:`transport` unless given.
        """
        merged = {**defaults, **options}
        if "http_client" not in merged:
            merged["http_client"] = (
                httpx.AsyncClient(transport=self) if asynchronous else httpx.Client(transport=self)
            )
        return merged

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Answer *method* on paths matching *pattern* (a regex over the raw, still-escaped path after
        :attr:`prefix`; named groups reach *handler* percent-decoded).
        """
        self._routes.append(Route(method, re.compile(pattern), handler))

    def authenticate(self, request: httpx.Request) -> httpx.Response | None:
        """Return an error answer when *request* carries the wrong credentials (subclasses override)."""
        return None

    @staticmethod
    def json(status: int, data: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        """A JSON answer."""
        return httpx.Response(
            status,
            content=json.dumps(data, default=str).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    # -- the transport -------------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer *request* for an ``httpx.Client`` (httpx calls this; tests rarely do)."""
        request.read()
        delay, outcome = self.dispatch(request)
        if delay:
            time.sleep(delay)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer *request* for an ``httpx.AsyncClient``; a slow answer waits without blocking the loop."""
        await request.aread()
        delay, outcome = self.dispatch(request)
        if delay:
            import anyio

            await anyio.sleep(delay)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def dispatch(self, request: httpx.Request) -> tuple[float, httpx.Response | Exception]:
        """Decide the answer to *request*: (seconds to wait first, a response or an exception to raise)."""
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            if fault is not None and fault.kind == "refuse":
                return 0.0, httpx.ConnectError("connection refused (injected)", request=request)
            self.requests.append(request)
            if fault is not None and fault.kind == "status":
                return 0.0, self._fault_answer(fault)
            limited = self._over_limit()
            if limited is not None:
                return 0.0, limited
            if fault is not None and not fault.after_apply and fault.kind in {"drop", "timeout"}:
                return 0.0, _broken(fault, request)
            with decimal.localcontext(_SERVER_DECIMALS):  # the server's arithmetic, not the caller's context
                response = self._answer(request)
            if fault is not None and fault.kind in {"drop", "timeout"}:
                return 0.0, _broken(fault, request)
            return (fault.delay if fault is not None else 0.0), response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        refused = self.authenticate(request)
        if refused is not None:
            return refused
        raw = request.url.raw_path.decode("ascii").split("?", 1)[0]
        if not raw.startswith(self.prefix):
            return self.json(404, {"message": f"no route {raw}"})
        path = raw[len(self.prefix) :]
        allowed = False
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method != request.method:
                allowed = True
                continue
            return route.handler(request, {k: unquote(v) for k, v in match.groupdict().items()})
        return self.json(405 if allowed else 404, {"message": f"no route {request.method} {raw}"})

    def _queue(self, fault: Fault, times: int) -> None:
        with self._lock:
            self._faults.extend([fault] * times)

    def _fault_answer(self, fault: Fault) -> httpx.Response:
        headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
        body = fault.body if fault.body is not None else {"message": f"injected {fault.status}"}
        if isinstance(body, str | bytes):
            return httpx.Response(fault.status, content=body, headers=headers)
        return self.json(fault.status, body, headers)

    def _over_limit(self) -> httpx.Response | None:
        if self._limit is None:
            return None
        limit, per = self._limit
        now = time.monotonic()
        while self._hits and self._hits[0] <= now - per:
            self._hits.popleft()
        if len(self._hits) < limit:
            self._hits.append(now)
            return None
        wait = max(self._hits[0] + per - now, 0.001)
        return self.json(429, {"message": "rate limit exceeded"}, {"Retry-After": f"{wait:.3f}"})


def _broken(fault: Fault, request: httpx.Request) -> Exception:
    if fault.kind == "timeout":
        return httpx.ReadTimeout("read timed out (injected)", request=request)
    return httpx.RemoteProtocolError("server disconnected without an answer (injected)", request=request)
