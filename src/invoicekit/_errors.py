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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._response import RateLimit

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DecodeError",
    "InvoiceKitError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "ValidationError",
]


class InvoiceKitError(Exception):
    """Base of every error invoicekit raises. Catch this to catch them all.

    Every error pickles (a worker process can hand one back): its message and attributes are restored
    without calling ``__init__``, whose keyword-only arguments ``Exception.__reduce__`` cannot replay.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[InvoiceKitError], args: tuple[Any, ...], state: dict[str, Any]) -> InvoiceKitError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ValidationError(InvoiceKitError, ValueError):
    """Bad input, found before any request was sent.

    *field* names the offending parameter (a dotted path for nested values, e.g.
    ``invoice_data.items[2].item_cost``) and *rule* says what it must be.
    """

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


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

    The request reached the provider and was answered, so it is never retried.
    """

    def __init__(self, message: str, *, provider: str, status_code: int) -> None:
        super().__init__(f"{provider} answered {status_code}, but {message}")
        self.provider = provider
        self.status_code = status_code


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
