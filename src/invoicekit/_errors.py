"""The one error tree, and the one table that turns an HTTP status (or an envelope's hint) into a class.

::

    InvoiceKitError
    ├── ValidationError        (also a ValueError) bad input, raised before any network call
    ├── TransportError         no HTTP answer: connect error, timeout, TLS
    │   └── OutcomeUnknownError   an unsafe call may have reached the provider; it was not retried
    ├── APIError               the provider said no: .provider .status_code .message .body .request_id
    │   ├── BadRequestError        400/422, or an envelope rejecting the input (.errors: field -> messages)
    │   ├── AuthenticationError    401
    │   ├── PermissionDeniedError  403
    │   ├── NotFoundError          404, or an envelope saying the invoice does not exist
    │   ├── ConflictError          409, or a state conflict (e.g. the invoice is not a draft)
    │   ├── RateLimitError         429 (.retry_after seconds, or None)
    │   └── ServerError            5xx
    └── DecodeError            the answer could not be read into the response model

Envelope failures that arrive with HTTP 200 (WHMCS ``result=error``, Payabli ``isSuccess=false``, Invoro
``success=false``) raise the same classes as their HTTP twins: the provider names a status *hint* and
:func:`api_error` picks the class from the same table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _ERRORS
from ._record import names_for_hints

if TYPE_CHECKING:
    from ._response import RateLimit

__all__ = list(_ERRORS)  # one list: the package's, which loads these names from here on first use


class InvoiceKitError(Exception):
    """Base of every error invoicekit raises. Catch this to catch them all.

    Every error pickles and copies (to and from a ``ProcessPoolExecutor`` worker, Celery, joblib, Dask) with
    its type, message and attributes; what it carries was scrubbed of credentials when it was made.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The constructors take keyword-only arguments, which Exception's default reduce cannot replay:
        # rebuild from the message and the attributes instead.
        return (_rebuild, (type(self), self.args, dict(vars(self))))


class ValidationError(InvoiceKitError, ValueError):
    """Bad input, found before any request was sent.

    *field* names the offending parameter (a dotted path for nested values, e.g.
    ``invoice_data.items[2].item_cost``) and *rule* says what it must be.
    """

    def __init__(self, field: str, rule: str) -> None:
        # A rule may quote the value it refuses, a path a mapping's key: a huge one is shown by its ends.
        field, rule = _bounded(field, _MAX_FIELD), _bounded(rule, _MAX_RULE)
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


#: The longest *field* and *rule* a ValidationError keeps whole (a value quoted in it may be megabytes).
_MAX_FIELD = 300
_MAX_RULE = 500


def _bounded(text: str, limit: int) -> str:
    """*text*, or its two ends around a count of what was left out when it is longer than *limit*."""
    if len(text) <= limit:
        return text
    keep = (limit - 40) // 2
    return f"{text[:keep]}…[{len(text) - 2 * keep} characters]…{text[-keep:]}"


class TransportError(InvoiceKitError):
    """No HTTP answer came back: the connection failed, timed out, or broke.

    The original ``httpx`` exception is chained as ``__cause__``. *attempts* counts the requests tried.
    """

    def __init__(
        self, message: str, *, provider: str, attempts: int = 1, idempotency_key: str | None = None
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.attempts = attempts
        #: The idempotency key the call carried (Salesbricks), or None: resend with the same key to have
        #: the provider apply the change at most once.
        self.idempotency_key = idempotency_key


class OutcomeUnknownError(TransportError):
    """An unsafe call (one that must not run twice) may have reached the provider, and was not resent.

    Raised when a request that emails a customer, appends lines or creates a record failed after it may
    have been sent: a read timeout, a dropped connection, or a 5xx answer. The change may or may not have
    been applied. Look at the invoice before trying again. *status_code* is set when the provider answered
    with a 5xx. A call carrying an idempotency key (*idempotency_key*) was retried under it, and ends here
    when it still may have run: a 5xx to its last attempt of a change that emails a customer, or a 409 to
    a resend while an earlier attempt under the key may still run; resend it under the same key only.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        attempts: int = 1,
        status_code: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, attempts=attempts, idempotency_key=idempotency_key)
        self.status_code = status_code


class APIError(InvoiceKitError):
    """The provider answered and said no.

    Attributes: *provider* (``"upflow"``, …), *status_code* (the HTTP status; 200 for an envelope failure),
    *message* (the provider's own words), *body* (the decoded answer, secrets redacted), *request_id*
    (when the provider sends one), *errors* (field name -> messages, when the provider lists them),
    *headers* (the answer's headers, secret-looking ones redacted) and *rate_limit* (the provider's
    ``X-RateLimit-*`` state as a :class:`~invoicekit.RateLimit`, or None).
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int,
        body: Any = None,
        request_id: str | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        text = f"{provider} answered {status_code}: {message}"
        if request_id:
            text += f" (request id {request_id})"
        super().__init__(text)
        self.provider = provider
        self.status_code = status_code
        self.message = message
        self.body = body
        self.request_id = request_id
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        self.headers: dict[str, str] = dict(headers or {})
        self.rate_limit = rate_limit

    def __repr__(self) -> str:
        extra = f", request_id={self.request_id!r}" if self.request_id else ""
        return (
            f"{type(self).__name__}({self.message!r}, provider={self.provider!r}, "
            f"status_code={self.status_code!r}{extra})"
        )


class BadRequestError(APIError):
    """400 or 422, or an envelope rejecting the input. *errors* maps field names to messages."""


class AuthenticationError(APIError):
    """401: the credentials were refused."""


class PermissionDeniedError(APIError):
    """403: the credentials are valid but may not do this (or the caller's IP is not allowed)."""


class NotFoundError(APIError, LookupError):
    """404, or an envelope saying the invoice does not exist."""


class ConflictError(APIError):
    """409, or a state conflict such as an invoice that is no longer a draft."""


class RateLimitError(APIError):
    """429: too many requests. *retry_after* is the wait the provider asked for, in seconds, or None."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the provider failed."""


class DecodeError(InvoiceKitError):
    """The answer could not be read into the response model (not JSON, or not the expected shape).

    The request reached the provider and was answered, so it is never retried. *status_code* is the
    HTTP status that came back, *reason* what was wrong with the answer.
    """

    def __init__(self, message: str, *, provider: str, status_code: int) -> None:
        super().__init__(f"{provider} answered {status_code}, but {message}")
        self.provider = provider
        self.status_code = status_code
        self.reason = message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.reason!r}, provider={self.provider!r}, "
            f"status_code={self.status_code!r})"
        )


def unloaded(exc: BaseException, provider: str) -> TransportError | None:
    """The typed error of a call that could not load a part of invoicekit (or of a library it uses) before
    sending anything, when *exc* is that failure (see :func:`not_loaded`); None for any other exception.

    Several modules are imported on their first use, inside a call (a provider's models, ``apply``'s
    machinery, ...). Nothing was sent, so it is a :class:`TransportError` with ``attempts=0``, like the
    connect that fails at the same open-file limit; a later call loads the module once files can be opened
    again (a failed import leaves nothing in ``sys.modules``). Nothing is chained (no frame of the call, its
    arguments, rides along). The call boundaries ask it (``invoicekit._operations``: every operation,
    ``apply`` and ``plan``; the client's request building): a new lazy import needs nothing else.
    """
    what = not_loaded(exc)
    if what is None:
        return None
    return TransportError(
        f"{provider}: nothing was sent: {what}; the process may be at its open-file limit",
        provider=provider,
        attempts=0,
    )


def not_loaded(exc: BaseException) -> str | None:
    """``"<module> could not be loaded (<error>)"`` when *exc* is a failed import: an ``ImportError``, or an
    ``OSError`` raised through ``importlib._bootstrap`` (in a process at its open-file limit, EMFILE, the
    import system cannot open the module's file); None for any other exception (a file the call reads).
    The text is the module's name and the error's own (a path and an errno: no secret), on one line.
    """
    if isinstance(exc, ImportError):
        module: str | None = exc.name or "a module"
    elif isinstance(exc, OSError):
        module = None
        tb = exc.__traceback__
        while tb is not None:  # the innermost import under way: the module whose file could not be read
            code = tb.tb_frame.f_code
            if code.co_name == "_find_and_load" and code.co_filename.startswith("<frozen importlib"):
                name = tb.tb_frame.f_locals.get("name")
                module = name if isinstance(name, str) else module
            tb = tb.tb_next
        if module is None:
            return None
    else:
        return None
    return f"{module} could not be loaded ({clean_text(f'{type(exc).__name__}: {exc}')[:300]})"


def bad_answer(reason: str) -> DecodeError:
    """The DecodeError a parser raises for an answer of the wrong shape. The client core re-raises it with
    the provider's name and the real HTTP status, *reason* scrubbed of credentials and control characters.
    """
    return DecodeError(reason, provider="", status_code=0)


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def class_for_status(status: int) -> type[APIError]:
    """The error class for an HTTP status (or a provider's status hint for an envelope failure)."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return BadRequestError
    return APIError


def api_error(
    message: str,
    *,
    provider: str,
    status_code: int,
    hint: int | None = None,
    retry_after: float | None = None,
    **details: Any,
) -> APIError:
    """Build the error for an answer: the class comes from *hint* when given, else from *status_code*."""
    cls = class_for_status(hint if hint is not None else status_code)
    if cls is RateLimitError:
        return RateLimitError(
            message, retry_after=retry_after, provider=provider, status_code=status_code, **details
        )
    return cls(message, provider=provider, status_code=status_code, **details)


def _rebuild(cls: type[InvoiceKitError], args: tuple[Any, ...], state: dict[str, Any]) -> InvoiceKitError:
    """Unpickle an error: its class, its message (``args``) and its attributes, without calling
    ``__init__`` (whose keyword-only arguments pickle cannot pass).
    """
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


# CSI (colours, cursor moves) and OSC (window titles, hyperlinks) sequences, whole; then any other C0/C1
# control, DEL, the Unicode line and paragraph separators and the bidirectional overrides.
# Compiled on first use (text that is not printable: never on a call that succeeds), not at import.
_ESCAPES = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x9b[0-?]*[ -/]*[@-~]"
_CONTROLS = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+"


def controls() -> re.Pattern[str]:
    """Runs of control characters (and the separators and bidirectional overrides), compiled once."""
    return re.compile(_CONTROLS)  # re's own cache keeps it


def clean_text(text: str) -> str:
    """Text taken from an answer, made safe to print or log on one line: escape sequences are removed and
    every run of control characters (CR, LF, tab, ESC, NUL, …) becomes one space.
    """
    if text.isprintable():  # the common case: nothing to do (isprintable is False for every control)
        return text
    return controls().sub(" ", re.sub(_ESCAPES, "", text)).strip()


# typing.get_type_hints(APIError.__init__): RateLimit, named for type checkers only, loaded when read
names_for_hints(APIError, {"invoicekit._response": ("RateLimit",)})

# Public classes present themselves as invoicekit.X (in reprs, tracebacks and docs), as httpx's do; the
# package exports them lazily, so `import invoicekit` (and `invoicekit --help`) does not load this module.
for _name in __all__:
    globals()[_name].__module__ = "invoicekit"
del _name
