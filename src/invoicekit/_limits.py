"""Bounded time and memory for one call, and the checks of the client options that set the bounds.

- :class:`BodyReader` reads an answer's body as it streams in: it decompresses gzip and deflate itself,
  in pieces of at most :data:`PIECE` bytes, and counts what it keeps, so neither a 1 GiB body nor a gzip
  bomb is ever held whole; past the limit it stops.
- :class:`DeadlineBackend` wraps the network backend of the connection pool a client opens itself: every
  connect, read and write waits at most until the call's deadline (held in :data:`DEADLINE`), so a server
  trickling its headers one byte at a time is cut too, which per-read timeouts alone never do.
- The option checks raise :class:`ValidationError` naming the option, when a client is made.
"""

from __future__ import annotations

import contextvars
import math
import re
import time
import zlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._checks import header_value
from ._errors import ValidationError

if TYPE_CHECKING:
    from ._retry import RetryPolicy

__all__ = [
    "DEADLINE",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RETRY",
    "IGNORED_BODY_BYTES",
    "BodyReader",
    "check_app_info",
    "check_deadline",
    "check_default_headers",
    "check_max_response_bytes",
    "check_timeout",
    "clipped",
    "install_deadline",
    "passed_headers",
    "retry_option",
]

DEFAULT_DEADLINE = 300.0
DEFAULT_MAX_RESPONSE_BYTES = 16 << 20
#: The most seconds a timeout or deadline may be (11.6 days): far more would overflow the socket layer.
MAX_SECONDS = 10**6
#: How much of a body the call ignores (e.g. Upflow's 2xx) is read before the connection is closed.
IGNORED_BODY_BYTES = 64 << 10
#: The most a single decompression step may produce (a 64 KiB gzip chunk can inflate to 64 MiB at once).
PIECE = 64 << 10
#: The most content codings an answer may stack (``gzip, gzip`` is two).
MAX_CODINGS = 3
#: The time.monotonic() by which the current call must end, or None outside a call.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("invoicekit_deadline", default=None)


# -- option checks ------------------------------------------------------------------------------------


def _seconds(value: object, option: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(option, f"must be a number of seconds, not {type(value).__name__}")
    if not 0 < value <= MAX_SECONDS:  # also NaN and infinities; no float() of a huge int (OverflowError)
        raise ValidationError(
            option, f"must be a finite number of seconds above 0 and at most {MAX_SECONDS}, not {value!r:.40}"
        )
    return float(value)


def check_timeout(value: object) -> httpx.Timeout:
    """``timeout=``: seconds (above 0, finite) or an ``httpx.Timeout`` whose parts are such or None."""
    if isinstance(value, httpx.Timeout):
        for part, seconds in value.as_dict().items():
            if seconds is not None:
                _seconds(seconds, f"timeout.{part}")
        return value
    if value is None:
        raise ValidationError(
            "timeout",
            "must be a number of seconds or httpx.Timeout (no timeout is "
            "not offered: a hung provider would hang your program)",
        )
    return httpx.Timeout(_seconds(value, "timeout"))


def check_deadline(value: object) -> float:
    """``deadline=``: seconds for the whole call, above 0 and finite."""
    return _seconds(value, "deadline")


def check_max_response_bytes(value: object) -> int:
    """``max_response_bytes=``: a positive int."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("max_response_bytes", f"must be an int, not {type(value).__name__}")
    if value <= 0:
        raise ValidationError("max_response_bytes", f"must be above 0, not {value}")
    return value


def retry_option(retry: object, max_retries: object) -> RetryPolicy | None:
    """``retry=`` or its shorthand ``max_retries=`` (never both); None when neither is given.

    ``max_retries=n`` retries every kind of failure at most *n* times:
    ``RetryPolicy(attempts=n + 1, rate_limit_attempts=n + 1)``; ``max_retries=0`` turns retries off.
    """
    if retry is None and max_retries is None:
        return None  # the default policy (DEFAULT_RETRY): RetryPolicy is not even imported
    from ._retry import RetryPolicy

    if max_retries is not None:
        if retry is not None:
            raise ValidationError("max_retries", "give max_retries or retry, not both")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int):
            raise ValidationError("max_retries", f"must be an int, not {type(max_retries).__name__}")
        if not 0 <= max_retries <= 100:
            raise ValidationError("max_retries", f"must be between 0 and 100, not {max_retries}")
        return RetryPolicy(attempts=max_retries + 1, rate_limit_attempts=max_retries + 1)
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise ValidationError("retry", f"must be a RetryPolicy, not {type(retry).__name__}")
    return retry


class _DefaultRetry:
    """``BaseClient._retry`` of a client given neither ``retry=`` nor ``max_retries=``: the default
    ``RetryPolicy()``, made when first read. A call is retried only after a failure, and only then is its
    policy read: a program whose calls succeed never creates the RetryPolicy class (``invoicekit._retry``,
    an attrs class: its generated methods are compiled when the module is imported).
    """

    __slots__ = ("_policy",)

    def __init__(self) -> None:
        self._policy: RetryPolicy | None = None

    def __get__(self, obj: object, owner: type | None = None) -> RetryPolicy:
        policy = self._policy
        if policy is None:  # two threads may both make one: equal, frozen, either will do
            from ._retry import RetryPolicy

            policy = self._policy = RetryPolicy()
        return policy


#: The class attribute a client's ``_retry`` falls back to (a descriptor: see _DefaultRetry).
DEFAULT_RETRY: Any = _DefaultRetry()


#: RFC 9110 field-name, compiled (and cached by ``re``) when a client is given default headers
_HEADER_NAME = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
#: Headers the client writes itself: a default header may not replace them.
_RESERVED = frozenset(
    {
        "accept",
        "authorization",
        "connection",
        "content-length",
        "content-type",
        "cookie",
        "host",
        "idempotency-key",
        "proxy-authorization",
        "transfer-encoding",
        "user-agent",
    }
)


def check_default_headers(
    headers: object, credential_headers: Iterable[str], option: str = "default_headers"
) -> dict[str, str]:
    """``default_headers=``: a mapping of header names to printable-ASCII values, none of which may replace
    a credential header or one the client writes itself (Content-Type, Content-Length, Host, ...).
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ValidationError(option, f"must be a mapping of str to str, not {type(headers).__name__}")
    reserved = _RESERVED | {h.lower() for h in credential_headers}
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or re.fullmatch(_HEADER_NAME, name) is None:
            raise ValidationError(option, f"{name!r} is not an HTTP header name")
        if name.lower() in reserved:
            hint = " (use app_info= to add to it)" if name.lower() == "user-agent" else ""
            raise ValidationError(
                f"{option}[{name!r}]",
                f"is written by the client (credentials, body or identity headers) and cannot be set{hint}",
            )
        if not isinstance(value, str):
            raise ValidationError(f"{option}[{name!r}]", f"must be a str, not {type(value).__name__}")
        out[name] = header_value(value, f"{option}[{name!r}]", name)
    return out


_PRODUCT = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:/[!#$%&'*+\-.^_`|~0-9A-Za-z]+)?"
_APP_INFO = rf"{_PRODUCT}(?: {_PRODUCT})*(?: \([\x20-\x27\x2a-\x5b\x5d-\x7e]*\))?"  # compiled when used


def check_app_info(value: object) -> str | None:
    """``app_info=``: product tokens such as ``"myapp/1.2"`` (optionally ``"myapp/1.2 (+https://x.example)"``),
    appended to the User-Agent.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("app_info", f"must be a str, not {type(value).__name__}")
    if len(value) > 200 or not re.fullmatch(_APP_INFO, value):
        raise ValidationError(
            "app_info",
            f"{value!r} is not a User-Agent product such as 'myapp/1.2' or 'myapp/1.2 (+https://x.example)' "
            "(ASCII tokens, at most 200 characters)",
        )
    return value


#: What httpx puts on every client it makes: not the caller's choice, so not sent.
_HTTPX_DEFAULTS = frozenset({"accept", "accept-encoding", "connection", "user-agent"})


def passed_headers(
    http_client: httpx.Client | httpx.AsyncClient | None, credential_headers: Iterable[str]
) -> dict[str, str]:
    """The headers set on a caller's *http_client* (as it is now), but for the four httpx sets on every
    client; checked like ``default_headers``.
    """
    if http_client is None:
        return {}
    headers = http_client.headers
    spelled = {
        n.decode("latin-1").lower(): n.decode("latin-1") for n, _ in headers.raw
    }  # as the caller wrote them, for the wire
    own = {spelled.get(k, k): v for k, v in headers.items() if k not in _HTTPX_DEFAULTS}
    return check_default_headers(own, credential_headers, option="http_client.headers")


# -- time ---------------------------------------------------------------------------------------------


def clipped(timeout: httpx.Timeout, left: float) -> dict[str, float]:
    """The per-attempt timeouts: each part at most *left* seconds (a part that is None becomes *left*)."""
    left = max(left, 0.001)
    return {k: left if v is None or v > left else v for k, v in timeout.as_dict().items()}


def longest(timeout: httpx.Timeout) -> float:
    parts = timeout.as_dict().values()
    return math.inf if any(v is None for v in parts) else max(v for v in parts if v is not None)


def _left(timeout: float | None, what: str) -> float | None:
    """*timeout* clipped to the call's deadline; past it, raises httpcore's exception named *what*.

    httpcore (with h11, anyio, certifi: ~20 ms of a cold start) is named, not imported here: httpx imports
    it when it makes a connection pool, the only thing these classes wrap, so a program whose httpx client
    has another transport never loads it.
    """
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        import httpcore

        raise getattr(httpcore, what)("the call's deadline passed")
    return left if timeout is None or timeout > left else timeout


class DeadlineStream:
    """A network stream whose every wait ends at the call's deadline."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, _left(timeout, "ReadTimeout"))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, "WriteTimeout"))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        return DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _left(timeout, "ConnectTimeout"))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend:
    """A network backend that hands out :class:`DeadlineStream`\\ s."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, **kwargs: Any
    ) -> DeadlineStream:
        timeout = _left(timeout, "ConnectTimeout")
        return DeadlineStream(self._inner.connect_tcp(host, port, timeout, **kwargs))

    def connect_unix_socket(self, path: str, timeout: float | None = None, **kwargs: Any) -> DeadlineStream:
        timeout = _left(timeout, "ConnectTimeout")
        return DeadlineStream(self._inner.connect_unix_socket(path, timeout, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadline(http_client: httpx.Client) -> bool:
    """Make every socket wait of *http_client* (one the client opened itself) end at the call's deadline.

    httpx offers no whole-exchange timeout on a blocking client, so this reaches into its connection pools
    (``transport._pool._network_backend``); tests/reliability/test_hostile.py proves it still works.
    Returns whether every pool was reached.
    """
    transports = [getattr(http_client, "_transport", None), *getattr(http_client, "_mounts", {}).values()]
    reached = True
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            reached = reached and transport is None
            continue
        if not isinstance(backend, DeadlineBackend):
            pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
    return reached


# -- memory -------------------------------------------------------------------------------------------


class TooLarge(Exception):
    """Strictly private: the body passed its limit."""


class BodyReader:
    """Collects a body's decoded bytes, at most *limit* of them, from its raw chunks.

    *encoding* is a Content-Encoding value: one coding or several (``"gzip, gzip"``, listed in the order
    they were applied, so undone last to first), each ``identity``, ``gzip``/``x-gzip`` or ``deflate``.
    """

    __slots__ = ("_chunks", "_inflaters", "count", "limit")

    def __init__(self, encoding: str, limit: int) -> None:
        self._chunks: list[bytes] = []
        self.count = 0
        self.limit = limit
        codings = [c.strip().lower() for c in encoding.split(",")]
        self._inflaters: list[Any] = []
        if len(codings) > MAX_CODINGS:
            raise zlib.error(
                f"the answer stacks {len(codings)} content encodings; invoicekit reads {MAX_CODINGS}"
            )
        for coding in reversed(codings):
            if coding in {"gzip", "x-gzip"}:
                self._inflaters.append(zlib.decompressobj(zlib.MAX_WBITS | 16))
            elif coding == "deflate":
                self._inflaters.append(_Deflate())
            elif coding not in {"", "identity"}:
                raise zlib.error(f"the answer uses a content encoding invoicekit does not read ({coding!r})")

    def feed(self, raw: bytes) -> None:
        """Take one raw chunk; raises TooLarge past the limit, zlib.error on a corrupt encoding."""
        if not self._inflaters:
            self._keep(raw)
        else:
            self._inflate(0, raw)

    def _inflate(self, step: int, data: bytes) -> None:
        """Undo coding *step* of *data*, handing its output on in pieces of at most PIECE bytes."""
        if step == len(self._inflaters):
            self._keep(data)
            return
        inflater = self._inflaters[step]
        while True:
            piece = inflater.decompress(data, PIECE)
            self._inflate(step + 1, piece)
            data = inflater.unconsumed_tail
            if not data and len(piece) < PIECE:
                return

    def _keep(self, piece: bytes) -> None:
        if piece:
            self.count += len(piece)
            if self.count > self.limit:
                raise TooLarge
            self._chunks.append(piece)

    def body(self) -> bytes:
        for step, inflater in enumerate(self._inflaters):
            self._inflate(step + 1, inflater.flush())
        return self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)


class _Deflate:
    """HTTP ``deflate``: zlib-wrapped as the RFC says, or raw deflate as some servers send it."""

    def __init__(self) -> None:
        self._inner: Any = None
        self._head = b""
        self.unconsumed_tail = b""

    def decompress(self, data: bytes, limit: int) -> bytes:
        if self._inner is None:
            data = self._head + data
            if len(data) < 2:  # the zlib header is two bytes: one cannot tell zlib from raw deflate
                self._head = data
                return b""
            self._inner = zlib.decompressobj()
            try:
                out: bytes = self._inner.decompress(data, limit)
            except zlib.error:
                self._inner = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self._inner.decompress(data, limit)
        else:
            out = self._inner.decompress(data, limit)
        self.unconsumed_tail = self._inner.unconsumed_tail
        return out

    def flush(self) -> bytes:
        if self._inner is None:
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(self._head) if self._head else b""
        return bytes(self._inner.flush())
