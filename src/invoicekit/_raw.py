"""The public classes of an answer's metadata: :class:`RawResponse` (what ``with_raw_response`` returns) and
:class:`RateLimit` (its and an error's ``X-RateLimit-*`` state). A plain successful call makes neither, so
this module is loaded on first use (``invoicekit.RawResponse``, the first raw response or rate limit read),
not by ``import invoicekit.<provider>``. Its names are names of :mod:`invoicekit._response` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

import attrs

from . import _response
from ._record import publish

__all__ = ["RateLimit", "RawResponse"]

T = TypeVar("T")


@attrs.frozen
class RateLimit:
    """The provider's rate-limit state from ``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset``.

    Each is None when the header is absent or not a number. *reset* is the number as the provider sent it
    (seconds until the window resets, or a Unix time: the providers do not document which).
    """

    limit: int | None
    remaining: int | None
    reset: float | None


@attrs.frozen
class RawResponse(Generic[T]):
    """A result with the metadata of the answer that produced it.

    *parsed* is what the plain call returns. *status_code* and *headers* are the final answer's
    (secret-looking headers redacted), *request_id* the provider's request id when it sends one,
    *rate_limit* its ``X-RateLimit-*`` state (None when it sends none), *idempotency_key* the key the call
    carried (Salesbricks) and *attempts* how many requests the call took.
    """

    parsed: T
    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    request_id: str | None
    rate_limit: RateLimit | None
    idempotency_key: str | None = None
    attempts: int = 1


publish({"RateLimit": RateLimit, "RawResponse": RawResponse}, _response)
