"""invoicekit: change invoices at Upflow, Salesbricks, Payabli, Invoro and WHMCS from one library.

The front door. Provider clients load on first use, so ``import invoicekit`` stays light::

    import invoicekit
    with invoicekit.Upflow() as client:           # credentials from UPFLOW_API_KEY / UPFLOW_API_SECRET
        client.invoices.upload_pdf(invoicekit.ExternalId("ERP-42"), "invoice.pdf")
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    InvoiceKitError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from ._files import File, FileInput
from ._unset import UNSET, Unset, is_set

if TYPE_CHECKING:
    from ._retry import RetryPolicy

    # -- provider exports (one line each; keep sorted) --
    from .upflow import AsyncUpflow, ExternalId, Upflow

__all__ = [
    "UNSET",
    "APIError",
    "AsyncUpflow",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DecodeError",
    "ExternalId",
    "File",
    "FileInput",
    "InvoiceKitError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "Unset",
    "Upflow",
    "ValidationError",
    "is_set",
]

# Names loaded on first use: name -> module. Providers add their clients here.
_LAZY: dict[str, str] = {
    "RetryPolicy": "._retry",
    "AsyncUpflow": ".upflow",
    "ExternalId": ".upflow",
    "Upflow": ".upflow",
}

logging.getLogger("invoicekit").addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("invoicekit")
        except PackageNotFoundError:  # running from a source tree that was never installed
            return "0+unknown"
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


for _name in (
    "File",
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
):
    globals()[_name].__module__ = __name__
del _name
