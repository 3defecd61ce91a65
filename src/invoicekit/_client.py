"""The client core: a provider declares a :class:`Provider`; :class:`SyncClient` and :class:`AsyncClient`
send its calls. Everything that decides anything (building a request, whether to retry, what an answer
means) is a plain method on :class:`BaseClient`; only the two send loops below do I/O.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import ipaddress
import logging
import math
import os
import sys
import threading
import time
import types
import zlib
from collections.abc import Callable, Coroutine, Generator, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ._answers import (
    NOT_SENT,
    Failure,
    conclude,
    may_have_run,
    no_envelope,
    outcome_unknown,
    read_error,
    request_id,
)
from ._auth import Auth, BearerAuth, FormAuth, HeaderAuth, Redactor, check_sendable
from ._call import (
    ACCEPT,
    Call,
    Multipart,
    Opener,
    _merged,
    encode,
    files_in,
    new_boundary,
    with_extra_headers,
)
from ._errors import (
    DecodeError,
    InvoiceKitError,
    OutcomeUnknownError,
    TransportError,
    ValidationError,
    not_loaded,
    unloaded,
)
from ._files import FileReadError, release
from ._limits import (
    DEADLINE,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RETRY,
    IGNORED_BODY_BYTES,
    BodyReader,
    TooLarge,
    check_app_info,
    check_deadline,
    check_default_headers,
    check_max_response_bytes,
    check_timeout,
    clipped,
    install_deadline,
    longest,
    passed_headers,
    retry_option,
)
from ._record import Record, _set, names_for_hints
from ._response import RAW_SLOT, Meta, rate_limit, safe_headers

if TYPE_CHECKING:  # annotations only: typing_extensions costs ~3 ms of import time
    import ssl  # httpx imports it when it first makes a context

    from typing_extensions import Self

    from ._retry import RetryPolicy

__all__ = ["AsyncClient", "BaseClient", "Provider", "SyncClient"]

R = TypeVar("R")
logger = logging.getLogger("invoicekit")
logger.addHandler(logging.NullHandler())  # silent by default; here, not in __init__: a light import
DEFAULT_TIMEOUT = 60.0
_monotonic = time.monotonic  # the deadline's clock (bound once: tests may stand in for `time` here)
#: Set only inside ``invoicekit._change.describe_send``: called with each call a send starts, it raises
#: instead of sending (how ``invoicekit --dry-run`` shows a native operation's request).
DRY_RUN: ContextVar[Callable[[BaseClient, Call[Any], Mapping[str, str] | None], None] | None] = ContextVar(
    "invoicekit_dry_run", default=None
)


class Provider(Record):
    """What a provider declares: its name, URLs, how to read an error and how to spot a failed envelope."""

    __slots__ = ("name", "base_url", "sandbox_url", "read_error", "check_envelope", "base_url_env")  # noqa: RUF023 (__init__ order)
    name: str
    base_url: str | None
    sandbox_url: str | None
    read_error: Callable[[int, Any], Failure]
    check_envelope: Callable[[Any], Failure | None]
    #: The environment variable read for the base URL when the caller passes no ``base_url=``.
    base_url_env: str | None

    def __init__(
        self,
        name: str,
        base_url: str | None,
        sandbox_url: str | None = None,
        read_error: Callable[[int, Any], Failure] = read_error,
        check_envelope: Callable[[Any], Failure | None] = no_envelope,
        base_url_env: str | None = None,
    ) -> None:
        _set(self, "name", name)
        _set(self, "base_url", base_url)
        _set(self, "sandbox_url", sandbox_url)
        _set(self, "read_error", read_error)
        _set(self, "check_envelope", check_envelope)
        _set(self, "base_url_env", base_url_env)


class _Attempts:
    """Strictly private: the counters of one logical call across its attempts, and where the current
    attempt opens its files (an ExitStack made only when a file is opened: most calls open none, so no
    ExitStack and no ``with`` per attempt).
    """

    __slots__ = (
        "boundary",
        "deadline",
        "may_have_run",
        "rate_limited",
        "sent",
        "stack",
        "started",
        "tries",
        "unread",
    )

    def __init__(self, deadline: float = math.inf) -> None:
        self.tries = 0
        self.rate_limited = 0
        #: Whether any attempt may have put bytes on the wire (anything but a surely-not-sent failure).
        self.sent = False
        #: The multipart boundary of every attempt, made on the first multipart attempt (a JSON or form
        #: call needs none).
        self.boundary = ""
        #: The time.monotonic() by which the call must end (every attempt and every wait).
        self.deadline = deadline
        #: Set when the last answer's body could not be read (too large, corrupt encoding).
        self.unread: DecodeError | None = None
        #: True once an attempt ended in a way that may have left it running or applied (no answer, a 5xx).
        self.may_have_run = False
        #: The files the current attempt opened (see enter_context), None until one is.
        self.stack: ExitStack | None = None
        #: When the current attempt was sent (time.perf_counter()), with DEBUG logging on; else None.
        self.started: float | None = None

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"_Attempts({shown})"

    def enter_context(self, cm: AbstractContextManager[R]) -> R:
        """Open *cm* (a file of the current attempt's body) until :meth:`close_files`."""
        stack = self.stack
        if stack is None:
            stack = self.stack = ExitStack()
        return stack.enter_context(cm)

    def close_files(self, exc: BaseException | None = None) -> None:
        """Close what the attempt opened, as the end of a ``with`` block would (seeing *exc*, if raised)."""
        stack = self.stack
        if stack is not None:
            self.stack = None
            if exc is None:
                stack.close()
            else:
                stack.__exit__(type(exc), exc, exc.__traceback__)


class ClientClosed(RuntimeError):
    """Strictly private: the outcome of an attempt made on (or cut by) a closed client."""

    def __init__(self) -> None:
        super().__init__("the client is closed; make a new one (or use it inside its `with` block)")


class BaseClient:
    """Everything a client does that is not I/O. Strictly private; use a provider's client."""

    _provider: Provider
    _http: Any
    if TYPE_CHECKING:
        _retry: RetryPolicy
    else:  # not annotated at run time: typing.get_type_hints(client class) cannot evaluate RetryPolicy here
        #: Given ``retry=`` or ``max_retries=``, the instance's own; else the default, made when first read.
        _retry = DEFAULT_RETRY

    def __init__(
        self,
        provider: Provider,
        auth: Auth,
        *,
        base_url: str | None = None,
        sandbox: bool = False,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        app_info: str | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
    ) -> None:
        check_sendable(auth)
        _configure_logging()
        self._provider = provider
        self._auth = auth
        self._base_url = _choose_url(provider, base_url, sandbox)
        #: Every request's Host header (httpx writes it only for bodies it encodes itself).
        self._host = httpx.URL(self._base_url).netloc.decode("ascii")
        #: Whether the auth adds to the body (form credentials): asked only then, not on every call.
        self._shapes_body = isinstance(auth, FormAuth)
        self._set_timeout(check_timeout(timeout))
        if (policy := retry_option(retry, max_retries)) is not None:  # else DEFAULT_RETRY, made when read
            self._retry = policy
        self._deadline = check_deadline(deadline)
        self._max_response_bytes = check_max_response_bytes(max_response_bytes)
        self._credential_headers = _credential_names(auth)
        self._passed_headers = passed_headers(http_client, self._credential_headers)
        self._default_headers = check_default_headers(default_headers, self._credential_headers)
        self._app_info = check_app_info(app_info)
        self._headers = self._static_headers()
        self._redactor = Redactor(auth.secrets())
        self._owns_http = http_client is None
        self._http = self._open(http_client)

    #: The httpx client class *http_client* must be (httpx.Client or httpx.AsyncClient).
    _http_type: type

    def _open(self, http_client: Any) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        # getattr: a client whose constructor failed still has a repr (tracebacks with locals call it)
        return f"{type(self).__name__}(base_url={getattr(self, '_base_url', None)!r})"

    @property
    def base_url(self) -> str:
        """The URL every path is appended to."""
        return self._base_url

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        max_response_bytes: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        app_info: str | None = None,
    ) -> Self:
        """A copy that sends through the same connection pool with other options; those not given are kept.

        *default_headers* are added to the client's own (a name given again takes the new value). What
        identifies the connection (credentials, ``base_url``, ``sandbox``, ``http_client``) is not an
        option here: make a new client for that. Closing the copy does not close the pool: the original
        client owns it. Bad values raise ValidationError naming the option, as the constructor does.
        """
        new_retry = retry_option(retry, max_retries)
        new_timeout = check_timeout(timeout) if timeout is not None else None
        new_deadline = check_deadline(deadline) if deadline is not None else None
        new_max = check_max_response_bytes(max_response_bytes) if max_response_bytes is not None else None
        new_headers = check_default_headers(default_headers, self._credential_headers)
        new_app_info = check_app_info(app_info)
        clone = copy.copy(self)
        for name, value in vars(self).items():
            if getattr(value, "_client", None) is self:  # rebind client.invoices & co. to the copy
                setattr(clone, name, type(value)(clone))
        clone._owns_http = False
        if new_timeout is not None:
            clone._set_timeout(new_timeout)
        if new_retry is not None:
            clone._retry = new_retry
        if new_deadline is not None:
            clone._deadline = new_deadline
        if new_max is not None:
            clone._max_response_bytes = new_max
        if new_headers:
            clone._default_headers = {**self._default_headers, **new_headers}
        if new_app_info is not None:
            clone._app_info = new_app_info
        clone._headers = clone._static_headers()
        return clone

    def _set_timeout(self, timeout: httpx.Timeout) -> None:
        self._timeout = timeout
        self._timeout_dict = timeout.as_dict()  # each request gets a copy
        self._longest_timeout = longest(timeout)

    def _static_headers(self) -> dict[str, str]:
        """The headers every request carries but for the credentials: the *http_client*'s own, then
        ``default_headers``, then the User-Agent (with ``app_info`` appended).
        """
        agent = _user_agent() if self._app_info is None else f"{_user_agent()} {self._app_info}"
        chosen = {k.lower() for k in self._default_headers}  # header names are case-insensitive
        passed = {k: v for k, v in self._passed_headers.items() if k.lower() not in chosen}
        static = {**passed, **self._default_headers, "User-Agent": agent}
        # What every request starts from, computed once per client (a copy is taken per request).
        self._request_headers = _merged(ACCEPT, static)
        return static

    # -- pure steps shared by both send loops ---------------------------------------------------------

    def _begin(self, call: Call[R], extra_headers: Mapping[str, str] | None) -> tuple[Call[R], _Attempts]:
        """The call with the caller's *extra_headers* (checked here, before any request) and its counters.
        The send loops call it only when there is something to check (extra headers, a dry run).
        """
        try:
            capture = DRY_RUN.get()
            if capture is not None:  # a dry run (invoicekit._change.describe_send): described, never sent
                capture(self, call, extra_headers)
            if extra_headers is None:
                extra_headers = call.extra_headers
            if extra_headers is not None:
                protected = {name for name in self._auth.apply_headers()}  # names only; no secret kept
                call = with_extra_headers(call, extra_headers, protected=protected)
        except BaseException as exc:
            release(files_in(call.body))  # never sent: what the files' checks kept goes now
            if isinstance(exc, InvoiceKitError):  # a refused header's name is the caller's text
                scrub_error(exc, self._redactor.text)
            raise
        return call, _Attempts(_monotonic() + self._deadline)

    def _meta(self, response: httpx.Response, call: Call[Any], state: _Attempts) -> Meta:
        return Meta(
            status_code=response.status_code,
            headers=safe_headers(response.headers, self._redactor.text),
            request_id=request_id(response, self._redactor),
            rate_limit=rate_limit(response.headers),
            idempotency_key=call.idempotency_key,
            attempts=state.tries,
        )

    def _unread(self, response: httpx.Response, why: str) -> DecodeError:
        return DecodeError(why, provider=self._provider.name, status_code=response.status_code)

    def _too_large(self, call: Call[Any], response: httpx.Response, limit: int, state: _Attempts) -> None:
        """Past the limit: a body the call ignores is dropped; any other makes the answer unreadable."""
        response._content = b""
        if not (call.ignore_answer and 200 <= response.status_code < 300):
            state.unread = self._unread(
                response,
                f"the answer is larger than max_response_bytes ({limit} bytes, counted after "
                "decompression); it was not read further",
            )

    def _check_size(self, call: Call[Any], response: httpx.Response, state: _Attempts) -> None:
        """An answer already in memory: past its limit, it is dropped (or unreadable, see _too_large)."""
        ignored = call.ignore_answer and 200 <= response.status_code < 300
        limit = IGNORED_BODY_BYTES if ignored else self._max_response_bytes
        if len(response.content) > limit:
            self._too_large(call, response, limit, state)

    def _take_body(self, call: Call[Any], response: httpx.Response, state: _Attempts) -> BodyReader | None:
        """Before reading: a reader for the body, or None when there is nothing to read from the network
        (an answer already in memory, from a test transport) or it is unreadable from its headers alone.
        A body the call ignores is read only up to a small limit, and only counted, never decoded: its
        encoding cannot make the call fail.
        """
        state.unread = None
        if response.is_stream_consumed:  # already read (MockTransport & co.): only its size is checked
            self._check_size(call, response, state)
            return None
        ignored = call.ignore_answer and 200 <= response.status_code < 300
        limit = IGNORED_BODY_BYTES if ignored else self._max_response_bytes
        headers = response.headers
        encoding = "" if ignored else headers.get("content-encoding", "")
        length = headers.get("content-length", "")
        if not encoding and length.isdigit() and int(length) > limit:
            self._too_large(call, response, limit, state)  # known too large: not a byte is read
            return None
        try:
            return BodyReader(encoding, limit)
        except zlib.error as exc:
            response._content = b""
            state.unread = self._unread(response, str(exc))
            return None

    def _feed(
        self, call: Call[Any], response: httpx.Response, reader: BodyReader, raw: bytes, state: _Attempts
    ) -> bool:
        """One raw chunk of the body; False once reading must stop (limit passed, corrupt encoding)."""
        try:
            reader.feed(raw)
        except TooLarge:
            self._too_large(call, response, reader.limit, state)
            return False
        except zlib.error as exc:
            response._content = b""
            state.unread = self._unread(
                response, f"its {response.headers.get('content-encoding')} encoding is corrupt ({exc})"
            )
            return False
        if _monotonic() > state.deadline:
            raise httpx.ReadTimeout(
                f"the call's deadline ({self._deadline:g} s) passed while reading the answer"
            )
        return True

    def _body_done(
        self, call: Call[Any], response: httpx.Response, reader: BodyReader, state: _Attempts
    ) -> None:
        try:
            response._content = reader.body()
        except TooLarge:
            self._too_large(call, response, reader.limit, state)
        except zlib.error as exc:
            response._content = b""
            state.unread = self._unread(response, f"its encoding is corrupt ({exc})")

    def _request(self, call: Call[Any], state: _Attempts, stack: Opener) -> httpx.Request:
        """The request of one attempt (also what ``invoicekit._change.describe`` shows)."""
        body = call.body
        request = encode(
            call,
            self._base_url,
            self._request_headers,
            self._host,
            self._timeout_dict,
            stack,
            self._auth.apply_body(body) if self._shapes_body else body,
            state.boundary or (_boundary(call, state) if isinstance(body, Multipart) else ""),
        )
        # Credential headers are written last, by the auth, into the finished request: no frame that opens
        # a file or encodes a body (where an exception may start) holds them in a local variable.
        self._auth.apply(request)
        left = state.deadline - _monotonic()
        if left < self._longest_timeout:  # no wait of this attempt may pass the call's deadline
            request.extensions["timeout"] = clipped(self._timeout, left)
        return request

    def _prepare(self, call: Call[Any], state: _Attempts) -> httpx.Request | Exception:
        """The request for this attempt, or the attempt's failure when it cannot be made: the client is
        closed or a file cannot be read. Before anything was sent that is a ValidationError (raised);
        after an earlier attempt may have sent bytes, it is this attempt's outcome (a typed error then).
        The files the attempt opens are in *state* (closed here when it is not made); with DEBUG
        logging on, ``state.started`` is when it is made.
        """
        unsent: TransportError | None = None
        try:
            if self._http.is_closed:
                failure: Exception = ClientClosed()
            else:
                try:
                    request = self._request(call, state, state)
                    state.started = time.perf_counter() if logger.isEnabledFor(logging.DEBUG) else None
                    return request
                except FileReadError as exc:
                    failure = exc
                except Exception as exc:  # a module loaded on first use that could not be: see unloaded
                    unsent = unloaded(exc, self._provider.name)
                    if unsent is None:
                        raise
                    failure = exc
            if not state.sent:
                release(files_in(call.body))  # nothing sent: what the files' checks kept goes now
                if unsent is not None:
                    raise unsent from None
                raise self._unsent(failure)
        except BaseException as exc:  # refused before anything left (ValidationError), or interrupted
            state.close_files(exc)
            if isinstance(exc, InvoiceKitError):  # an encoder's refusal (see scrub_error)
                scrub_error(exc, self._redactor.text)
            raise
        state.close_files()
        return failure

    def _unsent(self, failure: Exception) -> ValidationError:
        """The ValidationError of a request that could not be made before anything was sent: *failure* is
        a file's FileReadError (or ClientClosed), which may quote what a caller's file or path object
        raised: scrubbed in place first, as when it ends a call that may have sent something (see
        _transport_error). Raise it outside any handler: nothing chained.
        """
        _scrub_chain(failure, self._redactor.text)
        field = failure.field if isinstance(failure, FileReadError) else "client"
        return ValidationError(field, f"{failure} (nothing was sent)")

    @staticmethod
    def _failed(exc: Exception, state: _Attempts, sent: bool = True) -> Exception:
        """What a send that raised means; *state* learns whether bytes may have left. *sent* is False when
        no loop runs and httpx's own transport never reported writing the request (see _Sending).
        """
        if isinstance(exc, RuntimeError) and _text(exc).startswith("Cannot send a request, as the client"):
            return ClientClosed()  # httpx refused it before it left: nothing of it was sent
        if not isinstance(exc, NOT_SENT):  # any other RuntimeError ("Event loop is closed", a loop mixup)
            if not sent:  # (no loop to connect on, say): as a failed connect, nothing of it left
                unsent = httpx.ConnectError(f"the request was never sent ({_describe(exc)})")
                unsent.__cause__ = exc
                return unsent
            state.sent = True  # may come after bytes left: typed like any broken send, never raised raw
        return exc

    def _next_wait(
        self,
        call: Call[Any],
        state: _Attempts,
        outcome: httpx.Response | Exception,
        request: httpx.Request | Exception,
    ) -> float | None:
        """The end of an attempt, for both send loops: close the files it opened, log it (DEBUG), and say
        how long to wait before the next one (None: *outcome* is final, for ``_finish``).
        """
        if state.stack is not None:
            state.close_files()
        if state.started is not None:
            self._log(request, outcome, state.started, state)
        state.tries += 1
        if isinstance(outcome, httpx.Response):
            state.sent = True
            if 200 <= outcome.status_code < 300:  # a success is final: skip the policy and the body walk
                return None
            if outcome.status_code == 429:
                state.rate_limited += 1
            elif may_have_run(outcome.status_code):
                state.may_have_run = True
        elif not isinstance(outcome, (*NOT_SENT, ClientClosed)):  # a closed client sent nothing of it
            state.may_have_run = True
        try:
            policy = self._retry  # the default is made (RetryPolicy imported) on a client's first failure
        except Exception as exc:  # that import failed (a process at its open-file limit): not retried
            logger.warning(
                "%s: not retrying after %s: the retry policy could not be loaded (%s)",
                self._provider.name,
                self._redactor.text(_describe(outcome)),
                self._redactor.text(_describe(exc)),
            )
            return None
        wait = policy.decide(
            outcome,
            safe=call.safety.retryable,
            replayable=call.replayable,
            tries=state.tries,
            rate_limited=state.rate_limited,
        )
        if wait is not None and _monotonic() + wait >= state.deadline:
            logger.info(
                "%s: not retrying after %s: waiting %.2f s would pass the deadline (%g s)",
                self._provider.name,
                self._redactor.text(_describe(outcome)),
                wait,
                self._deadline,
            )
            return None
        if wait is not None:
            logger.info(
                "%s: retrying in %.2f s after %s",
                self._provider.name,
                wait,
                self._redactor.text(_describe(outcome)),
            )
        return wait

    def _log(
        self,
        request: httpx.Request | Exception,
        outcome: httpx.Response | Exception,
        started: float,
        state: _Attempts,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG) or isinstance(request, Exception):
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
            raise self._transport_error(call, outcome, state) from _chained(outcome, self._redactor.text)
        if outcome.status_code >= 400:  # 408, 409 and 5xx: what they mean for this call is _answers' rule
            unknown = outcome_unknown(name, call, outcome.status_code, state.tries, state.may_have_run)
            if unknown is not None:
                raise unknown
        if state.unread is not None:
            raise state.unread
        result = conclude(self._provider, self._redactor, call, outcome)
        slot = RAW_SLOT.get()  # set only inside a with_raw_response call
        if slot is not None:
            slot.append(self._meta(outcome, call, state))
        return result

    def _transport_error(self, call: Call[Any], exc: Exception, state: _Attempts) -> TransportError:
        name = self._provider.name
        _scrub_chain(exc, self._redactor.text)  # chained as __cause__: its text may quote the server
        what = self._redactor.text(_describe(exc))  # a caller's exception's text need not be its args
        if isinstance(exc, FileReadError):
            what = f"the upload broke off: {what}"
        if _monotonic() >= state.deadline and "deadline" not in what:
            what += f"; the call's deadline ({self._deadline:g} s) passed"
        # A closed client started no attempt: the call may have run only if an earlier one may have.
        unsent = isinstance(exc, ClientClosed) and not state.may_have_run
        if isinstance(exc, NOT_SENT) or call.safety.retryable or not state.sent or unsent:
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


# typing.get_type_hints(Upflow.with_options) (Sphinx, pydantic-style tools): RetryPolicy, imported here for
# type checkers only, is loaded when the hints are read, not with this module
names_for_hints(BaseClient, {"invoicekit._retry": ("RetryPolicy",), "typing_extensions": ("Self",)})


class SyncClient(BaseClient):
    """The blocking send loop. Strictly private; use a provider's client."""

    _http: httpx.Client
    _http_type = httpx.Client

    def _open(self, http_client: httpx.Client | None) -> httpx.Client:
        if http_client is None:
            http_client = httpx.Client(follow_redirects=False, verify=_ssl_context())
        # Cuts trickled headers and endless 1xx answers too. On a caller's client it changes nothing
        # outside an invoicekit call: the deadline is a ContextVar, unset there.
        install_deadline(http_client)
        return http_client

    def _send(self, call: Call[R], extra_headers: Mapping[str, str] | None = None) -> R:
        # One frame for the common case (one attempt, an answer read whole): the attempt and its read are
        # written inline (what differs from the async loop); making the request (_prepare), what the
        # outcome means (_next_wait, _finish) and what is rare (a streamed body, a failure) are the
        # methods BaseClient shares with the async loop.
        if extra_headers is None and call.extra_headers is None and DRY_RUN.get() is None:
            state = _Attempts(_monotonic() + self._deadline)  # nothing to check: what _begin gives
        else:
            call, state = self._begin(call, extra_headers)
        token = DEADLINE.set(state.deadline)
        try:
            while True:
                request = self._prepare(call, state)
                if isinstance(request, Exception):
                    outcome: httpx.Response | Exception = request
                else:
                    try:
                        response = self._http.send(request, stream=True, follow_redirects=False)
                        if response.is_stream_consumed:  # read already (MockTransport & co.): size only
                            state.unread = None
                            try:
                                size = len(response.content)
                                if size > IGNORED_BODY_BYTES or size > self._max_response_bytes:
                                    self._check_size(call, response, state)
                            finally:
                                response.close()
                        else:
                            self._read(call, response, state)
                        outcome = response
                    except Exception as exc:  # httpx's, idna's (a Location), or a caller's transport's own
                        outcome = self._failed(exc, state)
                    except BaseException as exc:
                        state.close_files(exc)
                        raise
                wait = self._next_wait(call, state, outcome, request)
                if wait is None:
                    return self._finish(call, outcome, state)
                time.sleep(wait)
                if _monotonic() >= state.deadline:  # the wait overslept the deadline: no attempt starts now
                    return self._finish(call, outcome, state)
        finally:
            DEADLINE.reset(token)

    def _read(self, call: Call[Any], response: httpx.Response, state: _Attempts) -> None:
        """Read the body as it streams in, within max_response_bytes and the deadline; then close."""
        try:
            reader = self._take_body(call, response, state)
            if reader is not None:
                for raw in response.iter_raw():
                    if not self._feed(call, response, reader, raw, state):
                        return
                self._body_done(call, response, reader, state)
        finally:
            response.close()

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

    _http: httpx.AsyncClient
    _http_type = httpx.AsyncClient
    #: Whether the transport of the client's base URL is httpx's own (trusted to report what it sent, see
    #: _Sending); found on its first call.
    _traced: bool | None = None

    def _open(self, http_client: httpx.AsyncClient | None) -> httpx.AsyncClient:
        return http_client or httpx.AsyncClient(follow_redirects=False, verify=_ssl_context())

    async def _send(self, call: Call[R], extra_headers: Mapping[str, str] | None = None) -> R:
        if extra_headers is None and call.extra_headers is None and DRY_RUN.get() is None:
            state = _Attempts(_monotonic() + self._deadline)  # nothing to check: what _begin gives
        else:
            call, state = self._begin(call, extra_headers)
        # On asyncio (3.11+), one timer cuts the whole call at its deadline, every attempt and wait; on
        # trio (and 3.10), each attempt runs in anyio's scope instead (see _attempts).
        timer = _CallTimer.start(state.deadline)
        if timer is None:
            return await self._attempts(call, state, None)
        calls = self._attempts(call, state, timer)
        try:  # run until the call first waits: until then nothing could cut it, so no timer is armed
            waiting = calls.send(None)
        except StopIteration as done:  # it never waited (an answer already in memory, as in tests)
            return done.value  # type: ignore[no-any-return]
        return await _timed(timer, calls, waiting)

    async def _attempts(self, call: Call[R], state: _Attempts, timer: _CallTimer | None) -> R:
        # One coroutine for the whole call: each attempt and its read written inline (see SyncClient._send);
        # the rest is the methods shared with the sync loop.
        while True:
            request = self._prepare(call, state)
            if isinstance(request, Exception):
                outcome: httpx.Response | Exception = request
            else:
                sending = _Sending(self, request)
                try:
                    # The whole attempt, headers and body, ends at the deadline, whatever the server trickles.
                    if timer is not None:  # the call's one timer (asyncio) cuts it
                        response = await self._http.send(request, stream=True, follow_redirects=False)
                        if response.is_stream_consumed:  # read already (MockTransport & co.): size only
                            state.unread = None
                            timer.answer = response  # being closed: the deadline cuts nothing (see _fire)
                            try:
                                size = len(response.content)
                                if size > IGNORED_BODY_BYTES or size > self._max_response_bytes:
                                    self._check_size(call, response, state)
                            finally:
                                try:
                                    await response.aclose()
                                finally:
                                    timer.answer = None
                        else:
                            await self._read(call, response, state, timer)
                    else:
                        handed = False  # to httpx: until then, a failure sent nothing (anyio not loaded)
                        import anyio  # httpx's dependency; imported late so `import invoicekit` stays light

                        with anyio.fail_after(max(state.deadline - _monotonic(), 0.0)) as scope:
                            handed = True
                            response = await self._http.send(request, stream=True, follow_redirects=False)
                            await self._read(call, response, state)
                    outcome = response
                # anyio's scope (an asyncio.TimeoutError is a TimeoutError from 3.11)
                except TimeoutError as exc:
                    if timer is not None or not scope.cancelled_caught:  # the transport's own (timers cancel)
                        outcome = self._failed(exc, state)
                    else:
                        outcome = sending.cut(self._deadline)
                        if sending.sent:
                            state.sent = True  # cut mid-flight: bytes may have left
                except Exception as exc:  # httpx's, idna's (a Location), or a caller's transport's own
                    if timer is None and not handed and (what := not_loaded(exc)) is not None:
                        outcome = httpx.ConnectError(f"the request was never sent ({what})")  # unchained
                    else:
                        # no loop runs (driven by hand): httpx's own transport, its trace silent, sent nothing
                        outcome = self._failed(exc, state, sending.sent or _loop_runs())
                except _CANCELLED as exc:
                    if timer is None or not timer.ours():
                        state.close_files(exc)
                        raise  # the caller's own cancellation (or another's): never swallowed
                    outcome = sending.cut(self._deadline)
                    if sending.sent:
                        state.sent = True
                except BaseException as exc:
                    state.close_files(exc)
                    raise
            wait = self._next_wait(call, state, outcome, request)
            if wait is None or (timer is not None and timer.fired):
                return self._finish(call, outcome, state)
            try:
                await _async_sleep(wait)
            except _CANCELLED:
                if timer is None or not timer.ours():
                    raise  # the caller's own cancellation
                return self._finish(call, outcome, state)  # the deadline came during the wait
            except Exception as exc:  # the wait's anyio, loaded on a first wait, that could not be loaded
                if not_loaded(exc) is None:
                    raise
                logger.warning(  # not retried, as when the retry policy cannot be loaded: this outcome
                    "%s: not retrying after %s: the wait could not be made (%s)",
                    self._provider.name,
                    self._redactor.text(_describe(outcome)),
                    self._redactor.text(_describe(exc)),
                )
                return self._finish(call, outcome, state)
            if _monotonic() >= state.deadline:  # the loop came back late (a turn ran past it): never resent
                return self._finish(call, outcome, state)

    async def _read(
        self, call: Call[Any], response: httpx.Response, state: _Attempts, timer: _CallTimer | None = None
    ) -> None:
        """Read the body as it streams in, within max_response_bytes; then close."""
        if timer is not None:
            timer.answer = response  # once it is being closed, the deadline cuts nothing (see _fire)
        try:
            reader = self._take_body(call, response, state)
            if reader is not None:
                async for raw in response.aiter_raw():
                    if not self._feed(call, response, reader, raw, state):
                        return
                self._body_done(call, response, reader, state)
        finally:
            try:
                await response.aclose()
            finally:
                if timer is not None:
                    timer.answer = None

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


class _Sending:
    """Strictly private: whether an async attempt may have sent a byte, for the class of a deadline cut.

    httpcore reports each step of an exchange to a ``trace`` extension; until it starts writing the request
    (waiting for a pooled connection, connecting), nothing has left. Only httpx's own transport is trusted
    to report: with any other, a cut counts as possibly sent.
    """

    __slots__ = ("_extensions", "sent")

    def __init__(self, client: AsyncClient, request: httpx.Request) -> None:
        self.sent = True
        self._extensions = extensions = request.extensions
        if "trace" in extensions:
            return
        trusted = client._traced
        if trusted is None:  # asked once per client: every request goes to its one base URL
            transport_for = getattr(client._http, "_transport_for_url", None)
            trusted = (
                transport_for is not None and type(transport_for(request.url)) is httpx.AsyncHTTPTransport
            )
            client._traced = trusted
        if trusted:
            self.sent = False
            extensions["trace"] = self._trace

    async def _trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event.endswith("send_request_headers.started"):
            self.sent = True
            # Nothing more to learn: httpcore reads the extension at each later step, and skips the
            # report (a string and a coroutine per step) once it is gone.
            self._extensions.pop("trace", None)

    def cut(self, deadline: float) -> httpx.TransportError:
        if self.sent:
            return httpx.ReadTimeout(f"the call's deadline ({deadline:g} s) passed")
        return httpx.PoolTimeout(f"the call's deadline ({deadline:g} s) passed before the request was sent")


#: Task.cancelling/uncancel (what a timer needs to tell its own cut from a caller's cancel): Python 3.11.
_HAS_ASYNCIO_TIMEOUT = sys.version_info >= (3, 11)
#: What an asyncio cancel raises: set by _CallTimer.start once it sees an asyncio task (asyncio is never
#: imported here; until then, nothing is caught).
_CANCELLED: type[BaseException] | tuple[()] = ()


class _CallTimer:
    """Strictly private: on an asyncio task, the one timer that cuts a whole call at its deadline.

    It does what ``asyncio.timeout`` does around the call (a timer handle that cancels the task, then
    ``uncancel`` to tell its own cut from anyone else's cancel), with one handle per call instead of one
    ``Timeout`` per attempt, made only once the call first waits (see :func:`_timed`). A CancelledError
    seen while it ``fired`` is its cut only when :meth:`ours` says so: a caller's own cancellation always
    goes on.
    """

    __slots__ = ("_cancelling", "_cut", "_deadline", "_done", "_handle", "_task", "answer", "fired")

    @classmethod
    def start(cls, deadline: float) -> _CallTimer | None:
        """The timer of a call ending at *deadline* (``_monotonic()`` time), or None off asyncio (trio,
        Python 3.10, no task), where each attempt uses anyio's scope.
        """
        asyncio = sys.modules.get("asyncio")  # never imported here: a program on asyncio has it loaded
        if asyncio is None:  # trio's loop, or none at all: a coroutine driven by hand (send(None))
            if "trio" in sys.modules and _on_trio():
                return None
            # No loop: anyio's scope would fail for want of one (after nothing was sent), and nothing can
            # cut the call. A timer that never arms (see arm) lets it run as any awaited code would.
            return cls(deadline)
        if not _HAS_ASYNCIO_TIMEOUT:
            return None
        if "trio" in sys.modules:  # both loaded: is this call on an asyncio task?
            try:
                if asyncio.current_task() is None:
                    return None
            except RuntimeError:  # no asyncio loop runs in this thread: trio's, or none at all
                if _on_trio():
                    return None
                # none (a coroutine driven by hand): anyio's scope would need a loop; nothing can cut it
        global _CANCELLED
        _CANCELLED = asyncio.CancelledError
        return cls(deadline)

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        self._task: Any = None
        self._cancelling = 0
        self._handle: Any = None
        self._done = False
        self.fired = False
        self._cut = 0  # how many times it cancelled the task (what ours and close take back)
        #: The answer the call is reading (AsyncClient._read), if any: see _fire.
        self.answer: httpx.Response | None = None

    def arm(self) -> None:
        """The call waits for the first time: from now on the loop may run past the deadline."""
        asyncio = sys.modules.get("asyncio")
        if asyncio is None:  # driven by hand in a program without asyncio: nothing can cut
            return
        try:
            task = asyncio.current_task()
        except RuntimeError:  # awaited on no loop at all (a coroutine driven by hand): nothing can cut
            return
        if task is None:
            return
        self._task = task
        self._cancelling = task.cancelling()
        loop = task.get_loop()
        # A plain function, not a bound method: asyncio checks a callback is no coroutine function on
        # every call_at, and that check costs less than half as much for a function.
        self._handle = loop.call_at(loop.time() + max(self._deadline - _monotonic(), 0.0), _fire, self)

    def ours(self) -> bool:
        """On a CancelledError: whether it is this timer's cut (every cancel it issued taken back, once) and
        not another cancel."""
        if not self._cut or self._done:
            return False
        self._done = True
        return bool(self._take_back() <= self._cancelling)

    def close(self) -> None:
        """The call ended: the handle goes; a cut not seen as a CancelledError is taken back all the same."""
        if self._handle is not None:
            self._handle.cancel()
        if self._cut and not self._done:
            self._done = True
            self._take_back()

    def _take_back(self) -> int:
        """Uncancel the task once per cancel this timer issued (its cut, and any re-cut): its count after."""
        task = self._task
        left = 0
        for _ in range(self._cut):
            left = task.uncancel()
        return left


def _on_trio() -> bool:
    try:
        sys.modules["trio"].lowlevel.current_trio_token()
    except (RuntimeError, AttributeError):  # not in trio.run (or a stand-in module named trio)
        return False
    return True


@types.coroutine
def _timed(timer: _CallTimer, calls: Coroutine[Any, Any, R], waiting: Any) -> Generator[Any, Any, R]:
    """Await the rest of *calls* (a call's attempts and waits) under *timer*: they ran until their first
    wait, *waiting* (what they yielded to the loop), without it (AsyncClient._send), since until then they
    gave the loop no turn and nothing could cut them. The timer is armed now; after that first wait, they
    are awaited as any coroutine is.
    """
    try:
        timer.arm()
        while True:  # the first wait's outcome passed on by hand; the rest by `yield from`
            try:
                sent = yield waiting
            except GeneratorExit:
                calls.close()
                raise
            except BaseException as exc:  # thrown in by the task (a cancel): passed on
                try:
                    waiting = calls.throw(exc)
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]
                continue
            if sent is None:  # what an asyncio task always sends: the rest runs as a plain await
                return (yield from calls)  # type: ignore[no-any-return]
            try:
                waiting = calls.send(sent)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
    finally:
        timer.close()


#: Seconds a cut call has, after each cut, to end before it is cut again (see _fire). Its CancelledError
#: reaches _attempts within a loop turn or two; httpcore's cleanup under its shield (a lock, a socket
#: closed) takes a few more, and a connect cut at the deadline waits for its attempts to end (anyio's own
#: scope, clipped to the same deadline, ends them): on a loaded machine (2 cores, load 19) a 0.25 s grace
#: re-cut 28 of 150 calls, 24 of them still in that connect, where a re-cut is needless; 1 s re-cut only the
#: 2 whose cut was really lost. A cut is only lost to a library that swallows a cancel it did not make
#: (anyio < 4.16, agronholm/anyio#1214), so this is also how late past its deadline such a call ends.
_RECUT_GRACE = 1.0


def _fire(timer: _CallTimer) -> None:
    """The deadline of *timer*'s call passed: its task is cancelled (see _CallTimer.ours), unless its answer
    is being closed. Closing waits on no network, but gives the loop a turn (httpcore takes a lock): a cut
    there would lose an answer read whole, and httpcore would never take the connection's pool slot back
    (it marks the stream closed first). The call then ends with that answer, once the attempt returns.

    The cut is level-triggered, as trio's and anyio's own scopes are: a library may swallow one cancel
    (anyio < 4.16 does, when one of its scopes cancels the task in the same loop turn, as
    ``anyio.connect_tcp`` does once a connection succeeds), and the call would then wait on the server as
    long as it likes. So the first fire checks again after a grace, and while the call has not ended
    (close cancels the check), cuts it again, each cut counted: ours and close take back every one. The
    answer being closed holds off a re-cut as it does the first. A re-cut can only land on a call whose
    first cut was swallowed or whose cleanup outlived the grace: at worst a socket is closed less politely.
    """
    timer.fired = True
    if timer._done:  # its cut was seen (see ours): the call ends without another wait
        return
    task = timer._task
    if task.done():
        return
    answer = timer.answer
    if answer is None or not answer.is_closed:
        timer._cut += 1
        task.cancel()
    timer._handle = task.get_loop().call_later(_RECUT_GRACE, _fire, timer)


async def _async_sleep(seconds: float) -> None:
    import anyio  # httpx's own dependency; imported late so `import invoicekit` stays light

    try:
        await anyio.sleep(seconds)
    except RuntimeError:  # raised before any wait when no loop runs at all (a coroutine driven by hand)
        if _loop_runs():
            raise
        time.sleep(seconds)  # no loop to hand the wait to: the thread stepping the call waits, as a sync call


def _loop_runs() -> bool:
    """Whether this thread runs an event loop (asyncio's or trio's)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            return True
    return "trio" in sys.modules and _on_trio()


def _boundary(call: Call[Any], state: _Attempts) -> str:
    """The multipart boundary of a call's every attempt, made on its first (none for other bodies). A call
    with an idempotency key gets one derived from the key, so a resend under the same key (by the retry
    loop, or by the caller after a TransportError) sends the same bytes.
    """
    if not isinstance(call.body, Multipart):
        return ""
    key = call.idempotency_key
    state.boundary = new_boundary() if key is None else hashlib.sha256(key.encode()).hexdigest()[:32]
    return state.boundary


def _credential_names(auth: Auth) -> tuple[str, ...]:
    """The headers *auth* writes (names only: the values stay in the one frame that writes them)."""
    if isinstance(auth, HeaderAuth):
        return tuple(auth.headers)
    if isinstance(auth, BearerAuth):
        return (auth.header,)
    return ()


def _choose_url(provider: Provider, base_url: str | None, sandbox: bool) -> str:
    """``base_url=``, else the provider's ``<PROVIDER>_BASE_URL`` (checked the same way, named by the
    variable), else the sandbox URL when asked, else the production URL.
    """
    if not isinstance(sandbox, bool):  # "yes" or 0 would choose the URL by truthiness
        raise ValidationError("sandbox", f"must be True or False, not {type(sandbox).__name__}")
    env = provider.base_url_env
    if base_url is None and env is not None and os.environ.get(env, "").strip():
        return check_base_url(os.environ[env], env).rstrip("/")
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
    return check_base_url(url, "base_url").rstrip("/")


#: The environment variable that allows plain http:// to a host other than this machine.
INSECURE_HTTP_ENV = "INVOICEKIT_ALLOW_INSECURE_HTTP"


def check_base_url(url: str, field: str) -> str:
    """Refuse a base URL that is not plain ``http(s)://host[:port][/path]``: userinfo (it would show in
    reprs and logs), a query or a fragment (the call's path would be dropped or land inside it), and
    ``http://`` to a host other than this machine (credentials in cleartext) unless
    ``INVOICEKIT_ALLOW_INSECURE_HTTP=1`` is set. Surrounding whitespace is trimmed; whitespace inside is
    refused. Messages never quote the URL (it may hold a password).
    """
    if isinstance(url, str):  # as WHMCS's url= always did: an address pasted with a line break works
        url = url.strip()
    if any(c.isspace() for c in str(url)):
        # httpx keeps a trailing space as part of the path: every call would go to ``/v1%20/...``
        raise ValidationError(field, "must not contain whitespace (spaces in a path are written %20)")
    try:
        parsed = httpx.URL(url)
        host = parsed.host  # decoded here, lazily: a host IDNA refuses (``xn--a``) raises a UnicodeError
    except (httpx.InvalidURL, TypeError, UnicodeError):
        raise ValidationError(field, "is not a URL") from None
    if parsed.scheme not in {"http", "https"} or not host:
        raise ValidationError(field, "must be an http(s) URL, e.g. https://api.example.com")
    if parsed.userinfo:
        raise ValidationError(
            field, "must not hold a user name or password (URLs are shown in logs and reprs)"
        )
    if parsed.query or parsed.fragment or "?" in url or "#" in url:
        raise ValidationError(field, "must not have a query or a fragment (the call's path would be lost)")
    if parsed.scheme == "http" and not _is_loopback(host) and os.environ.get(INSECURE_HTTP_ENV) != "1":
        raise ValidationError(
            field,
            "http:// sends the credentials in cleartext: use https://, or set the environment variable "
            f"{INSECURE_HTTP_ENV}=1 to allow plain http to this host (loopback hosts are always allowed)",
        )
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_SSL_CONTEXTS: dict[tuple[str, str], ssl.SSLContext] = {}
_SSL_LOCK = threading.Lock()


def _new_ssl_context() -> ssl.SSLContext:
    # httpx 0.27's create_ssl_context ignores an SSL_CERT_FILE it cannot read; 0.28's raises, as we do
    if httpx.__version__.startswith("0.27."):
        return _stdlib_context()
    return httpx.create_ssl_context()


def _stdlib_context() -> ssl.SSLContext:
    """What httpx >= 0.28's ``create_ssl_context()`` makes, for httpx 0.27 (whose factory silently skips
    an unreadable file): ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi's bundle (an httpx
    dependency).
    """
    import ssl

    import certifi

    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    if capath:
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context(cafile=certifi.where())


def _ssl_context() -> ssl.SSLContext | bool:
    """The SSL context every httpx client invoicekit makes shares: made once, on first need.

    ``httpx.Client()`` loads the CA bundle into a fresh context each time (~19 ms, ~800 KiB); one shared
    context makes a client per tenant or per request cheap. It is the context httpx would make itself
    (``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi's bundle), one per value of those variables.
    An ``SSL_CERT_FILE`` that cannot be read is a :class:`ValidationError` here, at construction.
    """
    key = (os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))
    context = _SSL_CONTEXTS.get(key)
    if context is not None:
        return context
    with _SSL_LOCK:
        context = _SSL_CONTEXTS.get(key)
        if context is None:
            try:
                context = _new_ssl_context()
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
                raise ValidationError(
                    "SSL_CERT_FILE" if key[0] else "SSL_CERT_DIR" if key[1] else "verify",
                    f"the CA certificates could not be loaded ({reason})",
                ) from None
            _SSL_CONTEXTS[key] = context
    return context


def _scrub_chain(exc: BaseException, redact: Callable[[str], str]) -> None:
    """Scrub, in place, the text of *exc* and of every exception chained to it: httpx, httpcore and h11
    quote what the server sent (``illegal header line: bytearray(b'...')``), which may echo a credential.
    An httpx error's ``.request`` (and ``.response``) becomes a bare one (method and URL; status): the one
    sent held the credential headers and, read when built, the body (WHMCS' form credentials), and httpx
    pickles both.
    """
    for current in _links(exc, groups=False):
        args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in current.args)
        if args != current.args:
            current.args = args
        if isinstance(current, httpx.RequestError) and current._request is not None:
            current.request = _bare(current._request)
        elif isinstance(current, httpx.HTTPStatusError):  # a caller's hook ran raise_for_status()
            current.request = _bare(current.request)
            current.response = httpx.Response(current.response.status_code, request=current.request)
        notes = getattr(current, "__notes__", None)  # add_note()'s, shown by tracebacks (3.11+)
        if isinstance(notes, list) and all(isinstance(note, str) for note in notes):
            notes[:] = [redact(note) for note in notes]


def scrub_error(error: BaseException, redact: Callable[[str], str]) -> None:
    """Scrub, in place, an error raised before anything was sent (an operation's checks, a refused header,
    an encoder's refusal): its text and every text attribute (a ValidationError's ``field`` and ``rule``,
    which it pickles with), and what is chained to it (see :func:`_scrub_chain`). Such an error may quote
    what a caller's object raised (a file object's ``read``, a path object's ``__fspath__``), a path or a
    header name, any of which may hold a credential. Called where the error leaves the call (the
    operation's boundary, ``_operations._refused``; the send loop's checks), once the client is known.
    """
    _scrub_chain(error, redact)
    for current in _links(error, groups=False):
        if isinstance(current, InvoiceKitError):
            state = vars(current)
            for name, value in list(state.items()):
                if isinstance(value, str):
                    state[name] = redact(value)


def _links(exc: BaseException, *, groups: bool) -> Iterator[BaseException]:
    """*exc* and every exception chained to it (``__cause__``, ``__context__``; with *groups*, an
    ExceptionGroup's members too), each once, cycles included.
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]
        members = getattr(current, "exceptions", None) if groups else None
        if isinstance(members, tuple):
            todo += [member for member in members if isinstance(member, BaseException)]


def _bare(sent: httpx.Request) -> httpx.Request:
    """What a chained httpx error keeps of the request it was about: its method and URL, nothing sent."""
    return httpx.Request(sent.method, sent.url.copy_with(userinfo=b""))


class ScrubbedCause(Exception):
    """Strictly private: chained in place of a caller's exception (raised by its own transport) whose text
    could not be scrubbed in place: text its ``__str__``/``__repr__`` computes from elsewhere than its
    ``args`` (an attribute, ``OSError.filename``, a bytes arg, an ``httpx.Headers``), an ExceptionGroup's
    message or members, or a ``__str__`` that raises. It holds the type's name, the scrubbed text and the
    traceback; the original is dropped, with what it holds.
    """


def _chained(exc: Exception, redact: Callable[[str], str]) -> BaseException:
    """What a TransportError made of *exc* is raised ``from``: *exc* (its chain scrubbed already, see
    _scrub_chain) when no text of its chain shows a credential any more, else a :class:`ScrubbedCause`.
    """
    for current in _links(exc, groups=True):  # an ExceptionGroup's members: tracebacks show them
        try:
            shown = [str(current), repr(current), repr(getattr(current, "__notes__", None))]
            clean = all(type(text) is str and redact(text) == text for text in shown)
        except Exception:  # its own __str__ or __repr__ raised: it cannot be shown
            clean = False
        if not clean:
            kind = type(exc)
            scrubbed = ScrubbedCause(f"{kind.__module__}.{kind.__qualname__}: {redact(_text(exc))}")
            return scrubbed.with_traceback(exc.__traceback__)
    return exc


def _text(exc: BaseException) -> str:
    """``str(exc)`` as a plain str, never raising: a caller's exception's own ``__str__`` may raise."""
    try:
        text = str(exc)
    except Exception:  # a caller's, raising
        return "(its text cannot be shown: its __str__ raised)"
    return text if type(text) is str else str.__str__(text)


def _describe(outcome: httpx.Response | Exception) -> str:
    if isinstance(outcome, httpx.Response):
        return f"HTTP {outcome.status_code}"
    detail = _text(outcome)
    return f"{type(outcome).__name__}: {detail}" if detail else type(outcome).__name__


@functools.cache
def _user_agent() -> str:
    import invoicekit  # loaded already; `from . import __version__` would look the version up twice

    return f"invoicekit/{invoicekit.__version__} httpx/{httpx.__version__}"


_LOGGING_LOCK = threading.Lock()


@functools.cache  # once per process, when the first client is made: importing installs no handler
def _configure_logging() -> None:
    """``INVOICEKIT_LOG=debug|info``: set the logger's level, and print to stderr unless the program
    already has a handler for it (its own or the root's; the package's NullHandler does not count).
    Called by the first client made, never at import (a library adds a NullHandler at most). Under a
    lock: functools.cache lets two threads making their first client at once both run it, and the second
    must see the first one's handler.
    """
    level = os.environ.get("INVOICEKIT_LOG", "").strip().lower()
    if level not in {"debug", "info"}:
        return
    with _LOGGING_LOCK:
        logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
        handlers = [*logger.handlers, *logging.getLogger().handlers]
        if all(isinstance(h, logging.NullHandler) for h in handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
            logger.addHandler(handler)
