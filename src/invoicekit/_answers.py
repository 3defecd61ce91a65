"""What an answer means: decoding, error reading, envelope checks, status hints and the one status rule.

The send loops in ``_client.py`` read a body (within ``max_response_bytes``) and hand the finished
``httpx.Response`` here. Everything that decides what it says lives in this module, written once:

- :func:`may_have_run`: the one rule for what a status says about a call that may have reached the
  provider. The retry policy (retry a safe call) and the conclusion (an unsafe call ends as
  ``OutcomeUnknownError``, never as a ``ServerError`` that reads as a refusal) both ask it.
- :func:`decode`: JSON (``None`` for an empty body), with exact Decimals and no ``NaN``.
- :class:`Failure`, :func:`read_error`, :func:`excerpt`: what a provider's error reader returns, and the
  default reader; :class:`Hints`: a provider's declared message -> status table, for errors whose class
  is written only in words (an HTTP-200 envelope saying the invoice does not exist is a NotFoundError).
- :func:`conclude`: a finished answer -> the call's result or the typed error, scrubbed of credentials.

A call's ``parse`` sees only the decoded answer of a 2xx, never the status: what a status means is
decided here, by one rule, so no provider can decide it a second way. A parser that fails is wrapped in a
``DecodeError`` carrying the status that really came back (a 201 or 203 says so) by :func:`conclude`.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ._call import Safety
from ._errors import (
    APIError,
    DecodeError,
    InvoiceKitError,
    OutcomeUnknownError,
    api_error,
    clean_text,
    not_loaded,
)
from ._json import loads
from ._record import Record, _set
from ._response import rate_limit, safe_headers

if TYPE_CHECKING:
    from ._auth import Redactor
    from ._call import Call
    from ._client import Provider

__all__ = [
    "Failure",
    "Hints",
    "conclude",
    "decode",
    "excerpt",
    "may_have_run",
    "no_envelope",
    "outcome_unknown",
    "read_error",
    "request_id",
    "retry_after",
]

R = TypeVar("R")
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid")
#: 5xx answers that say the request was not understood, so nothing of it ran: 501 Not Implemented and 505
#: HTTP Version Not Supported.
_NOT_RUN_5XX = frozenset({501, 505})


def may_have_run(status: int) -> bool:
    """Whether an answer with *status* leaves the call possibly applied: 408 and every 5xx (500, 502-504,
    Cloudflare's 520-527, any other) but 501 and 505. The one rule: a safe call answered so is retried, an
    unsafe (or once-only) one ends as ``OutcomeUnknownError``. A 429 is a refusal before anything ran.
    """
    return status == 408 or (status >= 500 and status not in _NOT_RUN_5XX)


#: The transport errors that prove the request never left (retried whatever the call: see _retry).
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class Failure(Record):
    """What a provider's error reader found in an answer: its message, and optionally a status *hint*
    (so an HTTP-200 envelope failure raises the class of its HTTP twin) and field *errors*.
    """

    __slots__ = ("message", "hint", "errors")  # noqa: RUF023 (__init__ order)
    message: str
    hint: int | None
    errors: Mapping[str, Sequence[str]]

    def __init__(
        self, message: str, hint: int | None = None, errors: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        _set(self, "message", message)
        _set(self, "hint", hint)
        _set(self, "errors", {} if errors is None else errors)


class Regex(str):
    """A regular expression in a :class:`Hints` table, kept as text until the table is first read."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Regex({str.__repr__(self)})"


class Hints:
    """A provider's message -> status table, declared once: the status whose error class a failure whose
    message says so raises (``NotFoundError`` for 404, ``ConflictError`` for 409, …)::

        HINTS = Hints(("not found", 404), (re.compile(r"\bdraft\b"), 409))
        HINTS("Invoice ID Not Found")          # 404
        HINTS("bad date", default=400)         # 400

    Each rule is ``(text, status)``: *text* is a plain phrase found anywhere in the message, or a
    :class:`Regex` (or a compiled ``re.Pattern``) searched in it; case never matters; the first rule that
    matches wins. A ``Regex`` is compiled with the table, on the first failure read: not at import.
    """

    __slots__ = ("_compiled", "rules")

    def __init__(self, *rules: tuple[str | re.Pattern[str], int]) -> None:
        self.rules = rules
        #: The rules compiled, on the first failure read (a table is made at import, and read only then).
        self._compiled: tuple[tuple[re.Pattern[str], int], ...] | None = None

    def __repr__(self) -> str:
        return f"Hints{self.rules!r}"

    def __call__(self, message: str, default: int | None = None) -> int | None:
        """The status of the first rule (in table order) that *message* matches, else *default*."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = tuple(
                (
                    re.compile(text.pattern, text.flags | re.IGNORECASE)
                    if isinstance(text, re.Pattern)
                    else re.compile(str.__str__(text), re.IGNORECASE)
                    if isinstance(text, Regex)
                    else re.compile(re.escape(text), re.IGNORECASE),
                    status,
                )
                for text, status in self.rules
            )
        return next((status for pattern, status in compiled if pattern.search(message)), default)


#: An answer the JSON parser read but that is nested deeper than any walk of it (scrubbing, reading the
#: error) can go: a hostile or broken server's, never a provider's.
_TOO_DEEP = Failure("the answer is JSON nested too deeply to read")
#: What conclude() holds while an answer that is not JSON waits to be reported (outside the handler).
_UNREAD: Any = object()


def read_error(status: int, data: Any) -> Failure:
    """The default error reader: ``message``/``error``/``detail``/``title``, else the text itself."""
    if isinstance(data, dict):
        for key in ("message", "error", "detail", "title", "error_description", "responseText"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return Failure(value.strip())
        return Failure(excerpt(json.dumps(data, default=str)))
    if isinstance(data, str) and data.strip():
        return Failure(excerpt(data))
    return Failure(f"HTTP {status} with no message")


def excerpt(text: str, limit: int = 200) -> str:
    """A short, single-line excerpt of an answer; an HTML page is named as such with its title."""
    lowered = text.lower()
    if "<html" in lowered or "<!doctype html" in lowered:
        # Searched in *text* itself: lower() may change its length ("İ" becomes two characters).
        start = re.compile(_TITLE_OPEN, re.IGNORECASE).search(text)  # compiled once, by re's cache
        end = re.compile(_TITLE_CLOSE, re.IGNORECASE).search(text, start.end()) if start else None
        title = " ".join(text[start.end() : end.start()].split()) if start and end else ""
        return f"an HTML page{f' ({title[:limit]})' if title else ''} instead of JSON"
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_TITLE_OPEN = "<title>"  # compiled on the first HTML answer, not at import
_TITLE_CLOSE = "</title>"


def no_envelope(data: Any) -> Failure | None:
    return None


def decode(
    response: httpx.Response, *, strict: bool, provider: str = "", redact: Callable[[str], str] = str
) -> Any:
    if not response.content.strip():  # no local copy of the answer: tracebacks with locals show frames
        return None
    try:
        return loads(response.content)  # orjson with the `fast` extra; exact Decimals either way
    except (ValueError, UnicodeDecodeError) as exc:
        cause = _scrubbed(exc, redact)  # raised below, outside the handler: no __context__ either
    if not strict:
        return answer_text(response)
    raise DecodeError(
        f"the answer is not JSON ({excerpt(redact(answer_text(response)))})",
        provider=provider,
        status_code=response.status_code,
    ) from cause


def answer_text(response: httpx.Response) -> str:
    """The answer as text: in its declared charset when that reads it, else as UTF-8 (errors replaced).

    httpx decodes with whatever codec the Content-Type names, and a server may name one that is no text
    encoding (``base64``, ``zlib``, ``rot13``: AssertionError, TypeError), refuses ``errors="replace"``
    (``idna``) or fails anyway (UTF-16 without a BOM).
    """
    try:
        return response.text
    except Exception:  # any codec's failure: the bytes are still there, read as UTF-8
        return response.content.decode("utf-8", "replace")


def _scrubbed(exc: ValueError, redact: Callable[[str], str]) -> ValueError:
    """The parse error to chain, without the raw answer it carries (``.doc``, ``.object``), which may
    echo a credential back.
    """
    if isinstance(exc, json.JSONDecodeError):
        return json.JSONDecodeError(exc.msg, redact(exc.doc), exc.pos)
    return ValueError(str(exc))  # a UnicodeDecodeError's .object is the raw body; its str is not


def scrub(redactor: Redactor, text: str) -> str:
    """Text from an answer, fit for a message: no credential, no control character. Scrubbed again
    after cleaning, so control characters inserted into a credential cannot hide it.
    """
    return redactor.text(clean_text(redactor.text(text)))


def request_id(response: httpx.Response, redactor: Redactor) -> str | None:
    return next(
        (scrub(redactor, response.headers[h]) for h in _REQUEST_ID_HEADERS if h in response.headers),
        None,
    )


def outcome_unknown(
    provider: str, call: Call[Any], status: int, tries: int, may_have_run_before: bool
) -> OutcomeUnknownError | None:
    """The OutcomeUnknownError a final answer with *status* means for *call*, or None when it means
    what its class says. Whether the call may have run comes from :func:`may_have_run` alone.
    """
    if may_have_run(status) and call.safety is Safety.UNSAFE:
        return OutcomeUnknownError(
            f"{provider} answered {status} to a call that must not run twice; it may or may "
            "not have been applied, so it was not resent. Check the invoice before trying again.",
            provider=provider,
            attempts=tries,
            status_code=status,
            idempotency_key=call.idempotency_key,
        )
    if may_have_run(status) and call.once_only:
        return OutcomeUnknownError(
            f"{provider} answered {status} to the last of {tries} attempt(s) of a call "
            "that must not run twice; it may have been applied. Resend it with the same "
            "idempotency_key (the provider replays its stored answer), never a new one, or check the "
            "invoice first.",
            provider=provider,
            attempts=tries,
            status_code=status,
            idempotency_key=call.idempotency_key,
        )
    if status == 409 and call.idempotency_key is not None and may_have_run_before:
        # The provider is still running an earlier attempt under this key: not a refusal, and a
        # resend under a new key could apply the change twice.
        return OutcomeUnknownError(
            f"{provider} answered 409 to a resend under the same idempotency key: an earlier attempt may "
            "still be running or may have been applied. Resend with the same idempotency_key later.",
            provider=provider,
            attempts=tries,
            status_code=409,
            idempotency_key=call.idempotency_key,
        )
    return None


def conclude(provider: Provider, redactor: Redactor, call: Call[R], response: httpx.Response) -> R:
    """A final answer (its body read) -> the call's result, or the APIError/DecodeError it means."""
    status = response.status_code
    if 300 <= status < 400:
        target = scrub(redactor, _location_host(response)) or "another location"
        raise APIError(
            f"redirect to {target} not followed (redirects are never followed)",
            provider=provider.name,
            status_code=status,
        )
    if status >= 400 or status < 200:
        raise error_for(provider, redactor, response, decode(response, strict=False))
    try:
        data = None
        if not call.ignore_answer:
            content = response.content
            if content.strip():
                try:
                    data = loads(content)  # what decode() does, without a frame (most answers)
                except (ValueError, UnicodeDecodeError):
                    data = _UNREAD
                if data is _UNREAD:  # outside the handler: decode() raises the DecodeError, scrubbed
                    decode(response, strict=True, provider=provider.name, redact=lambda t: scrub(redactor, t))
                if data is not None and redactor.may_hold(content):
                    data = redactor.data(data)  # a result (its .extra too) never holds an echoed credential
        failure = provider.check_envelope(data)
    except RecursionError:  # JSON the parser read, nested deeper than a walk of it can go
        failure = _TOO_DEEP
    if failure is _TOO_DEEP:  # raised here, outside the handler: nothing chained
        raise DecodeError(failure.message, provider=provider.name, status_code=status)
    if failure is not None:
        raise error_for(provider, redactor, response, data, failure)
    # Run the call's parser; a failure is a DecodeError with the real status and provider, its text
    # scrubbed, and nothing chained (a chained error would carry the answer's text).
    try:
        return call.parse(data)
    except DecodeError as exc:
        reason = exc.reason
    except InvoiceKitError:
        raise
    except Exception as exc:  # a parser tripped on an answer it did not expect: still a typed error
        # (or the models it reads into could not be loaded: a process at its open-file limit)
        reason = f"the answer could not be read ({not_loaded(exc) or type(exc).__name__})"
    # Raised here, outside the handler: no __cause__ and no __context__.
    raise DecodeError(scrub(redactor, reason), provider=provider.name, status_code=status)


def _location_host(response: httpx.Response) -> str:
    """The host a 3xx points to, or "" when its Location is absent or unparsable (an invalid URL, a host
    IDNA refuses): httpx reads it only for the 3xx it would follow, so a 300, 304 or 399 arrives unread.
    """
    try:
        return httpx.URL(response.headers.get("location", "")).host
    except (httpx.InvalidURL, UnicodeError):
        return ""


def error_for(
    provider: Provider,
    redactor: Redactor,
    response: httpx.Response,
    data: Any,
    failure: Failure | None = None,
) -> APIError:
    """The APIError an error answer (or a failed envelope) means, its text scrubbed."""
    try:
        data = redactor.data(data)  # before read_error cuts an excerpt, which could halve a secret
        failure = failure or provider.read_error(response.status_code, data)
    except RecursionError:  # JSON nested deeper than a walk of it can go: the status still says what it is
        data, failure = None, _TOO_DEEP
    hint = failure.hint if failure.hint is not None else (400 if response.status_code < 300 else None)
    return api_error(
        scrub(redactor, failure.message),
        provider=provider.name,
        status_code=response.status_code,
        hint=hint,
        retry_after=retry_after(response.headers),
        body=data,
        request_id=request_id(response, redactor),
        headers=safe_headers(response.headers, redactor.text),
        rate_limit=rate_limit(response.headers),
        errors={scrub(redactor, k): [scrub(redactor, m) for m in v] for k, v in failure.errors.items()},
    )


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait a response asks for, in seconds: ``retry-after-ms``, ``Retry-After`` (seconds or HTTP
    date), or ``X-RateLimit-Reset`` (seconds, or a Unix time). None when absent or unreadable.
    """
    now = time.time() if now is None else now
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0), ("x-ratelimit-reset", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        wait = _seconds(raw.strip(), now)
        if wait is not None:
            wait *= scale
            if name == "x-ratelimit-reset" and wait > 1e9:  # a Unix time, not a delay
                wait -= now
            return max(wait, 0.0)
    return None


def _seconds(raw: str, now: float) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
            stamp = when.timestamp() if when.tzinfo is not None else None
        except (TypeError, ValueError, IndexError, OverflowError):  # Overflow: a year or offset past a C long
            return None
        return None if stamp is None else stamp - now
    return value if math.isfinite(value) else None
