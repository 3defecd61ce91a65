"""Response metadata: what came back besides the parsed result (status, headers, request id, rate limit).

The shape is openai-python's: ``client.invoices.with_raw_response.update(...)`` takes the same arguments
as ``client.invoices.update(...)`` and returns a :class:`RawResponse` whose ``.parsed`` is what the plain
call returns (a model, ``None`` for Upflow's upload, a dict for ``Whmcs.call``). Every
:class:`~invoicekit.APIError` carries the same metadata (``.status_code``, ``.headers``, ``.request_id``,
``.rate_limit``).

The core records the metadata of the final answer in a context variable that only a ``with_raw_response``
wrapper sets, so the plain call pays nothing and concurrent calls (threads, tasks) never see each other's.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

from ._record import Record, later_names, load_for_hints

if TYPE_CHECKING:
    from ._raw import RateLimit, RawResponse

_set = object.__setattr__

__all__ = ["RateLimit", "RawResponse", "async_raw_response", "raw_response"]

T = TypeVar("T")
P = ParamSpec("P")

#: The module of the public result classes (:class:`RawResponse`, :class:`RateLimit`): a plain call makes
#: neither, so they are created on first use (``invoicekit.RawResponse``, a raw response, a rate limit).
RAW: Final = "invoicekit._raw"
RAW_NAMES: Final = ("RateLimit", "RawResponse")

if not TYPE_CHECKING:  # visible to type checkers, it would make every misspelt name `Any`
    __getattr__ = later_names(globals(), RAW, RAW_NAMES)

#: Response headers whose value is never kept (session cookies, challenges that may echo a realm/token).
SECRET_HEADERS: frozenset[str] = frozenset(
    {"set-cookie", "set-cookie2", "authorization", "proxy-authorization", "cookie", "www-authenticate"}
)
#: Words that make a header name look like it carries a credential; such a value is never kept either.
_SECRET_WORDS = ("key", "token", "secret", "password", "session", "auth", "cookie", "credential", "signature")
REDACTED = "[redacted]"


class Meta(Record):
    """Strictly private: what the core records about a final answer (a :class:`~invoicekit._record.Record`,
    not an attrs class: no ``compile()`` at import)."""

    __slots__ = ("status_code", "headers", "request_id", "rate_limit", "idempotency_key", "attempts")  # noqa: RUF023
    status_code: int
    headers: Mapping[str, str]
    request_id: str | None
    rate_limit: RateLimit | None
    idempotency_key: str | None
    attempts: int

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str],
        request_id: str | None,
        rate_limit: RateLimit | None,
        idempotency_key: str | None,
        attempts: int,
    ) -> None:
        _set(self, "status_code", status_code)
        _set(self, "headers", headers)
        _set(self, "request_id", request_id)
        _set(self, "rate_limit", rate_limit)
        _set(self, "idempotency_key", idempotency_key)
        _set(self, "attempts", attempts)


_SLOT: contextvars.ContextVar[list[Meta] | None] = contextvars.ContextVar("invoicekit_raw", default=None)
#: The send loops ask it directly (no callback made per call): set only inside a ``with_raw_response`` call.
RAW_SLOT = _SLOT


def _wrap(parsed: T, slot: list[Meta]) -> RawResponse[T]:
    from ._raw import RawResponse

    meta = slot[-1]
    return RawResponse(
        parsed,
        meta.status_code,
        meta.headers,
        meta.request_id,
        meta.rate_limit,
        meta.idempotency_key,
        meta.attempts,
    )


def raw_response(func: Callable[P, T]) -> Callable[P, RawResponse[T]]:
    """*func* (a blocking operation) returning a :class:`RawResponse` around its result."""

    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        slot: list[Meta] = []
        token = _SLOT.set(slot)
        try:
            parsed = func(*args, **kwargs)
        finally:
            _SLOT.reset(token)
        return _wrap(parsed, slot)

    return wrapped


def async_raw_response(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """*func* (an async operation) returning a :class:`RawResponse` around its result."""

    @functools.wraps(func)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        slot: list[Meta] = []
        token = _SLOT.set(slot)
        try:
            parsed = await func(*args, **kwargs)
        finally:
            _SLOT.reset(token)
        return _wrap(parsed, slot)

    return wrapped


def safe_headers(headers: Any, redact: Callable[[str], str]) -> dict[str, str]:
    """The answer's headers to keep: secret-looking ones replaced by ``[redacted]``, the rest scrubbed of
    the client's own credentials (a provider may echo one back).
    """
    kept: dict[str, str] = {}
    for raw_name, value in headers.multi_items():
        name = redact(raw_name)  # a token is a valid header name: an echo may come back as one
        lowered = name.lower()
        secret = lowered in SECRET_HEADERS or any(w in lowered for w in _SECRET_WORDS)
        text = REDACTED if secret else redact(value)
        name = redact(name)  # a name may echo a credential too
        kept[name] = f"{kept[name]}, {text}" if name in kept else text
    return kept


def rate_limit(headers: Mapping[str, str]) -> RateLimit | None:
    """The ``X-RateLimit-*`` state, or None when the answer carries none of the three headers."""
    found = [headers.get(f"x-ratelimit-{part}") for part in ("limit", "remaining", "reset")]
    if all(value is None for value in found):
        return None
    limit, remaining, reset = found
    from ._raw import RateLimit

    return RateLimit(_int(limit), _int(remaining), _number(reset))


def _int(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number == int(number) else None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


load_for_hints(globals(), RAW, RAW_NAMES)  # Meta's hints name RateLimit: reading them loads it
