"""invoicekit: change invoices at Upflow, Salesbricks, Payabli, Invoro and WHMCS from one library.

The front door. Provider clients load on first use, so ``import invoicekit`` stays light::

    import invoicekit
    with invoicekit.Upflow() as client:           # credentials from UPFLOW_API_KEY / UPFLOW_API_SECRET
        client.invoices.upload_pdf(invoicekit.ExternalId("ERP-42"), "invoice.pdf")
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING

from . import _registry
from ._unset import UNSET, Unset, is_set
from ._version import (
    __version__ as __version__,
)  # written here, not looked up: importlib.metadata costs ~7 ms

if TYPE_CHECKING:
    # What type checkers see: every lazy name with its real type, so a typo (`invoicekit.Upflw`) is an
    # error; at run time the module __getattr__ below (hidden from checkers) loads them on first use.
    from . import bulk as bulk
    from . import invoro as invoro
    from . import payabli as payabli
    from . import salesbricks as salesbricks
    from . import testing as testing
    from . import upflow as upflow
    from . import whmcs as whmcs
    from ._capabilities import capabilities
    from ._change import Applied, InvoiceChange, Plan
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
    from ._response import RateLimit, RawResponse
    from ._retry import RetryPolicy

    # -- provider exports, for type checkers: one line per entry of _registry.py (a test checks they agree) --
    from .invoro import AsyncInvoro, Invoro
    from .payabli import AsyncPayabli, Payabli
    from .salesbricks import AsyncSalesbricks, Salesbricks
    from .upflow import AsyncUpflow, ExternalId, Upflow
    from .whmcs import AsyncWhmcs, Whmcs

__all__ = [  # static, for type checkers; tests/test_registry.py checks it against _registry.py
    "UNSET",
    "APIError",
    "Applied",
    "AsyncInvoro",
    "AsyncPayabli",
    "AsyncSalesbricks",
    "AsyncUpflow",
    "AsyncWhmcs",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DecodeError",
    "ExternalId",
    "File",
    "FileInput",
    "InvoiceChange",
    "InvoiceKitError",
    "Invoro",
    "NotFoundError",
    "OutcomeUnknownError",
    "Payabli",
    "PermissionDeniedError",
    "Plan",
    "RateLimit",
    "RateLimitError",
    "RawResponse",
    "RetryPolicy",
    "Salesbricks",
    "ServerError",
    "TransportError",
    "Unset",
    "Upflow",
    "ValidationError",
    "Whmcs",
    "capabilities",
    "is_set",
]

#: The error classes, loaded on first use from invoicekit._errors (its ``__all__`` is this tuple).
_ERRORS = (
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
)

# Core names loaded on first use: name -> module. Providers' names come from the registry (_registry.py).
_LAZY: dict[str, str] = {
    **dict.fromkeys(_ERRORS, "._errors"),
    "File": "._files",
    "FileInput": "._files",
    "RetryPolicy": "._retry",
    "RateLimit": "._response",
    "RawResponse": "._response",
    "Applied": "._change",
    "InvoiceChange": "._change",
    "Plan": "._change",
    "capabilities": "._capabilities",
}

# The provider and testing subpackages, reachable as invoicekit.payabli etc. after `import invoicekit`.
_SUBMODULES = frozenset(
    {
        "bulk",
        "testing",
        *(s.module.rpartition(".")[2] for s in _registry.providers() if s.module.startswith(f"{__name__}.")),
    }
)

# The "invoicekit" logger gets its NullHandler where it logs (invoicekit._client): `import logging` costs
# ~8 ms that `import invoicekit` (and `invoicekit --help`) need not pay.

if not TYPE_CHECKING:  # a module __getattr__ visible to type checkers would make every misspelt name `Any`

    def __getattr__(name: str) -> object:
        if name in _SUBMODULES:
            return _importlib.import_module(f".{name}", __name__)  # the import binds it in globals()
        module = _LAZY.get(name) or _registry.export_module(name)
        if module is None:
            msg = f"module {__name__!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(_importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The public names, the provider modules and ``__version__``; no imports or helpers."""
    return sorted(
        {
            *__all__,
            *_SUBMODULES,
            "__version__",
            *(n for s in _registry.providers() for n in s.package_exports),
        }
    )
