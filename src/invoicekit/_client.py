"""The client core: a provider declares a :class:`Provider`; :class:`SyncClient` and :class:`AsyncClient`
send its calls. Everything that decides anything (building a request, whether to retry, what an answer
means) is a plain method on :class:`BaseClient`; only the two send loops below do I/O.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import httpx

from ._auth import Auth, Redactor, check_sendable
from ._call import Call, Safety, build_request, new_boundary, with_extra_headers
from ._errors import APIError, DecodeError, OutcomeUnknownError, TransportError, ValidationError, api_error
from ._response import Meta, rate_limit, record, safe_headers
from ._retry import MAY_HAVE_RUN_STATUSES, NOT_SENT, RetryPolicy, retry_after

if TYPE_CHECKING:  # annotations only: typing_extensions costs ~3 ms of import time
    from typing_extensions import Self

__all__ = ["AsyncClient", "BaseClient", "Failure", "Provider", "Resource", "SyncClient"]

R = TypeVar("R")
C = TypeVar("C", bound="BaseClient")
logger = logging.getLogger("invoicekit")
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid")
DEFAULT_TIMEOUT = 60.0


@attrs.frozen
class Failure:
    """What a provider's error reader found in an answer: its message, and optionally a status *hint*
    (so an HTTP-200 envelope failure raises the class of its HTTP twin) and field *errors*.
    """

    message: str
    hint: int | None = None
    errors: Mapping[str, Sequence[str]] = attrs.field(factory=dict)


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
        start, end = lowered.find("<title>"), lowered.find("</title>")
        title = " ".join(text[start + 7 : end].split()) if 0 <= start < end else ""
        return f"an HTML page{f' ({title[:limit]})' if title else ''} instead of JSON"
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def no_envelope(data: Any) -> Failure | None:
    return None


@attrs.frozen
class Provider:
    """What a provider declares: its name, URLs, how to read an error and how to spot a failed envelope."""

    name: str
    base_url: str | None
    sandbox_url: str | None = None
    read_error: Callable[[int, Any], Failure] = read_error
    check_envelope: Callable[[Any], Failure | None] = no_envelope


@attrs.define
class _Attempts:
    """Strictly private: the counters of one logical call across its attempts."""

    tries: int = 0
    rate_limited: int = 0
    boundary: str = attrs.field(factory=new_boundary)
    #: True once an attempt ended in a way that may have left it running or applied (no answer, a 5xx).
    may_have_run: bool = False


class BaseClient:
    """Everything a client does that is not I/O. Strictly private; use a provider's client."""

    _provider: Provider
    _http: Any

    def __init__(
        self,
        provider: Provider,
        auth: Auth,
        *,
        base_url: str | None,
        sandbox: bool,
        timeout: float | httpx.Timeout | None,
        retry: RetryPolicy | None,
    ) -> None:
        check_sendable(auth)
        self._provider = provider
        self._auth = auth
        self._base_url = _choose_url(provider, base_url, sandbox)
        self._timeout = _timeout(timeout)
        self._retry = retry if retry is not None else RetryPolicy()
        self._redactor = Redactor(auth.secrets())
        self._owns_http = True

    def __repr__(self) -> str:
        # getattr: a client whose constructor failed still has a repr (tracebacks with locals call it)
        return f"{type(self).__name__}(base_url={getattr(self, '_base_url', None)!r})"

    @property
    def base_url(self) -> str:
        """The URL every path is appended to."""
        return self._base_url

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, retry: RetryPolicy | None = None
    ) -> Self:
        """A copy that sends through the same connection pool with another *timeout* or *retry* policy.

        Closing the copy does not close the pool: the original client owns it.
        """
        clone = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, Resource):  # rebind client.invoices & co. to the copy
                setattr(clone, name, type(value)(clone))
        clone._owns_http = False
        if timeout is not None:
            clone._timeout = _timeout(timeout)
        if retry is not None:
            clone._retry = retry
        return clone

    # -- pure steps shared by both send loops ---------------------------------------------------------

    def _begin(self, call: Call[R], extra_headers: Mapping[str, str] | None) -> tuple[Call[R], _Attempts]:
        """The call with the caller's *extra_headers* (checked here, before any request) and its counters.

        A call with an idempotency key gets a multipart boundary derived from the key, so a resend under the
        same key (by the retry loop, or by the caller after a TransportError) sends the same bytes.
        """
        if extra_headers is not None:
            protected = {name for name in self._auth.apply_headers()}  # names only; no secret kept
            call = with_extra_headers(call, extra_headers, protected=protected)
        if call.idempotency_key is None:
            return call, _Attempts()
        digest = hashlib.sha256(call.idempotency_key.encode()).hexdigest()[:32]
        return call, _Attempts(boundary=digest)

    def _meta(self, response: httpx.Response, call: Call[Any], state: _Attempts) -> Meta:
        return Meta(
            status_code=response.status_code,
            headers=safe_headers(response.headers, self._redactor.text),
            request_id=self._request_id(response),
            rate_limit=rate_limit(response.headers),
            idempotency_key=call.idempotency_key,
            attempts=state.tries,
        )

    def _request_id(self, response: httpx.Response) -> str | None:
        return next(
            (self._redactor.text(response.headers[h]) for h in _REQUEST_ID_HEADERS if h in response.headers),
            None,
        )

    def _request(self, call: Call[Any], state: _Attempts, stack: ExitStack) -> httpx.Request:
        return build_request(
            call,
            base_url=self._base_url,
            headers={"User-Agent": _user_agent(), **self._auth.apply_headers()},
            form_auth=self._auth.form_fields(),
            boundary=state.boundary,
            stack=stack,
            timeout=self._timeout,
        )

    def _next_wait(
        self, call: Call[Any], state: _Attempts, outcome: httpx.Response | Exception
    ) -> float | None:
        state.tries += 1
        if isinstance(outcome, httpx.Response):
            if 200 <= outcome.status_code < 300:  # a success is final: skip the policy and the body walk
                return None
            if outcome.status_code == 429:
                state.rate_limited += 1
            elif outcome.status_code in MAY_HAVE_RUN_STATUSES:
                state.may_have_run = True
        elif not isinstance(outcome, NOT_SENT):
            state.may_have_run = True
        wait = self._retry.decide(
            outcome,
            safe=call.safety.retryable,
            replayable=call.replayable,
            tries=state.tries,
            rate_limited=state.rate_limited,
        )
        if wait is not None:
            logger.info("%s: retrying in %.2f s after %s", self._provider.name, wait, _describe(outcome))
        return wait

    def _log(
        self, request: httpx.Request, outcome: httpx.Response | Exception, started: float, state: _Attempts
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        took = (time.perf_counter() - started) * 1000
        url = self._redactor.text(str(request.url))
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d)",
            request.method,
            url,
            self._redactor.text(_describe(outcome)),
            took,
            state.tries + 1,
        )

    def _finish(self, call: Call[R], outcome: httpx.Response | Exception, state: _Attempts) -> R:
        name = self._provider.name
        if isinstance(outcome, Exception):
            raise self._transport_error(call, outcome, state) from outcome
        if call.safety is Safety.UNSAFE and outcome.status_code in MAY_HAVE_RUN_STATUSES:
            raise OutcomeUnknownError(
                f"{name} answered {outcome.status_code} to a call that must not run twice; it may or may "
                "not have been applied, so it was not resent. Check the invoice before trying again.",
                provider=name,
                attempts=state.tries,
                status_code=outcome.status_code,
                idempotency_key=call.idempotency_key,
            )
        if call.once_only and outcome.status_code in MAY_HAVE_RUN_STATUSES:
            raise OutcomeUnknownError(
                f"{name} answered {outcome.status_code} to the last of {state.tries} attempt(s) of a call "
                "that must not run twice; it may have been applied. Resend it with the same "
                "idempotency_key (the provider replays its stored answer), never a new one, or check the "
                "invoice first.",
                provider=name,
                attempts=state.tries,
                status_code=outcome.status_code,
                idempotency_key=call.idempotency_key,
            )
        if outcome.status_code == 409 and call.idempotency_key is not None and state.may_have_run:
            # The provider is still running an earlier attempt under this key: not a refusal, and a
            # resend under a new key could apply the change twice.
            raise OutcomeUnknownError(
                f"{name} answered 409 to a resend under the same idempotency key: an earlier attempt may "
                "still be running or may have been applied. Resend with the same idempotency_key later.",
                provider=name,
                attempts=state.tries,
                status_code=409,
                idempotency_key=call.idempotency_key,
            )
        result = self._conclude(call, outcome)
        record(lambda: self._meta(outcome, call, state))
        return result

    def _transport_error(self, call: Call[Any], exc: Exception, state: _Attempts) -> TransportError:
        name = self._provider.name
        what = self._redactor.text(_describe(exc))
        if isinstance(exc, NOT_SENT) or call.safety.retryable:
            return TransportError(
                f"{name}: no answer ({what}) after {state.tries} attempt(s)",
                provider=name,
                attempts=state.tries,
                idempotency_key=call.idempotency_key,
            )
        return OutcomeUnknownError(
            f"{name}: no answer ({what}) to a call that must not run twice; it may have been applied, "
            "so it was not resent. Check the invoice before trying again.",
            provider=name,
            attempts=state.tries,
            idempotency_key=call.idempotency_key,
        )

    def _conclude(self, call: Call[R], response: httpx.Response) -> R:
        status = response.status_code
        if 300 <= status < 400:
            target = httpx.URL(response.headers.get("location", "")).host or "another location"
            raise APIError(
                f"redirect to {target} not followed (redirects are never followed)",
                provider=self._provider.name,
                status_code=status,
            )
        if status >= 400 or status < 200:
            raise self._api_error(response, _decode(response, strict=False))
        data = (
            None
            if call.ignore_answer
            else _decode(response, strict=True, provider=self._provider.name, redact=self._redactor.text)
        )
        failure = self._provider.check_envelope(data)
        if failure is not None:
            raise self._api_error(response, data, failure)
        if data is not None and self._redactor.found_in(response.content):
            data = self._redactor.data(data)  # an answer echoing a credential never hands it to the caller
        return call.parse(data)

    def _api_error(self, response: httpx.Response, data: Any, failure: Failure | None = None) -> APIError:
        data = self._redactor.data(data)  # before read_error cuts an excerpt, which could halve a secret
        failure = failure or self._provider.read_error(response.status_code, data)
        hint = failure.hint if failure.hint is not None else (400 if response.status_code < 300 else None)
        return api_error(
            self._redactor.text(failure.message),
            provider=self._provider.name,
            status_code=response.status_code,
            hint=hint,
            retry_after=retry_after(response.headers),
            body=data,
            request_id=self._request_id(response),
            headers=safe_headers(response.headers, self._redactor.text),
            rate_limit=rate_limit(response.headers),
            errors={
                self._redactor.text(k): [self._redactor.text(m) for m in v] for k, v in failure.errors.items()
            },
        )


class Resource(Generic[C]):
    """A group of operations (``client.invoices``) bound to one client."""

    def __init__(self, client: C) -> None:
        self._client = client


class SyncClient(BaseClient):
    """The blocking send loop. Strictly private; use a provider's client."""

    def __init__(
        self,
        provider: Provider,
        auth: Auth,
        *,
        base_url: str | None = None,
        sandbox: bool = False,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(provider, auth, base_url=base_url, sandbox=sandbox, timeout=timeout, retry=retry)
        self._owns_http = http_client is None
        self._http: httpx.Client = http_client or httpx.Client(follow_redirects=False)

    def _send(self, call: Call[R], extra_headers: Mapping[str, str] | None = None) -> R:
        call, state = self._begin(call, extra_headers)
        while True:
            outcome = self._attempt(call, state)
            wait = self._next_wait(call, state, outcome)
            if wait is None:
                return self._finish(call, outcome, state)
            time.sleep(wait)

    def _attempt(self, call: Call[Any], state: _Attempts) -> httpx.Response | Exception:
        with ExitStack() as stack:
            request = self._request(call, state, stack)
            started = time.perf_counter()
            try:
                outcome: httpx.Response | Exception = self._http.send(request, follow_redirects=False)
            except (httpx.HTTPError, OSError) as exc:
                outcome = exc
            self._log(request, outcome, started, state)
            return outcome

    def close(self) -> None:
        """Close the connection pool, if this client opened it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient(BaseClient):
    """The asyncio (or trio) send loop. Strictly private; use a provider's ``Async*`` client."""

    def __init__(
        self,
        provider: Provider,
        auth: Auth,
        *,
        base_url: str | None = None,
        sandbox: bool = False,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(provider, auth, base_url=base_url, sandbox=sandbox, timeout=timeout, retry=retry)
        self._owns_http = http_client is None
        self._http: httpx.AsyncClient = http_client or httpx.AsyncClient(follow_redirects=False)

    async def _send(self, call: Call[R], extra_headers: Mapping[str, str] | None = None) -> R:
        call, state = self._begin(call, extra_headers)
        while True:
            outcome = await self._attempt(call, state)
            wait = self._next_wait(call, state, outcome)
            if wait is None:
                return self._finish(call, outcome, state)
            await _async_sleep(wait)

    async def _attempt(self, call: Call[Any], state: _Attempts) -> httpx.Response | Exception:
        with ExitStack() as stack:
            request = self._request(call, state, stack)
            started = time.perf_counter()
            try:
                outcome: httpx.Response | Exception = await self._http.send(request, follow_redirects=False)
            except (httpx.HTTPError, OSError) as exc:
                outcome = exc
            self._log(request, outcome, started, state)
            return outcome

    async def aclose(self) -> None:
        """Close the connection pool, if this client opened it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


async def _async_sleep(seconds: float) -> None:
    import anyio  # httpx's own dependency; imported late so `import invoicekit` stays light

    await anyio.sleep(seconds)


def _choose_url(provider: Provider, base_url: str | None, sandbox: bool) -> str:
    if base_url is not None:
        url = base_url
    elif sandbox:
        if provider.sandbox_url is None:
            raise ValidationError("sandbox", f"{provider.name} has no sandbox URL; pass base_url=")
        url = provider.sandbox_url
    elif provider.base_url is None:
        raise ValidationError("base_url", f"{provider.name} has no default URL; pass base_url=")
    else:
        url = provider.base_url
    parsed = httpx.URL(url)
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise ValidationError("base_url", f"{url!r} is not an http(s) URL")
    return url.rstrip("/")


def _timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if value is None:
        raise ValidationError(
            "timeout",
            "must be a number of seconds or httpx.Timeout (no timeout is "
            "not offered: a hung provider would hang your program)",
        )
    return httpx.Timeout(value)


def _decode(
    response: httpx.Response, *, strict: bool, provider: str = "", redact: Callable[[str], str] = str
) -> Any:
    if not response.content.strip():  # no local copy of the answer: tracebacks with locals show frames
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        cause = _scrubbed(exc, redact)  # raised below, outside the handler: no __context__ either
    if not strict:
        return response.text
    raise DecodeError(
        f"the answer is not JSON ({excerpt(redact(response.text))})",
        provider=provider,
        status_code=response.status_code,
    ) from cause


def _scrubbed(exc: ValueError, redact: Callable[[str], str]) -> ValueError:
    """The parse error to chain, without the raw answer it carries (``.doc``, ``.object``), which may
    echo a credential back.
    """
    if isinstance(exc, json.JSONDecodeError):
        return json.JSONDecodeError(exc.msg, redact(exc.doc), exc.pos)
    return ValueError(str(exc))  # a UnicodeDecodeError's .object is the raw body; its str is not


def _describe(outcome: httpx.Response | Exception) -> str:
    if isinstance(outcome, httpx.Response):
        return f"HTTP {outcome.status_code}"
    detail = str(outcome)
    return f"{type(outcome).__name__}: {detail}" if detail else type(outcome).__name__


@functools.cache
def _user_agent() -> str:
    import invoicekit  # loaded already; `from . import __version__` would look the version up twice

    return f"invoicekit/{invoicekit.__version__} httpx/{httpx.__version__}"


def _configure_logging() -> None:
    level = os.environ.get("INVOICEKIT_LOG", "").strip().lower()
    if level in {"debug", "info"} and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


_configure_logging()
