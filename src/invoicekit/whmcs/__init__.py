"""WHMCS (classic API): ``UpdateInvoice`` with every parameter, and any other action through ``call()``.

::

    import invoicekit
    from invoicekit import whmcs

    with invoicekit.Whmcs("https://billing.example.com") as client:  # WHMCS_IDENTIFIER / WHMCS_SECRET
        line = whmcs.ItemChange("Hosting", Decimal("9.95"), taxed=True)
        client.invoices.update(42, status="Unpaid", items={13: line})
"""

from typing import TYPE_CHECKING

from .._registry import lazy_package as _lazy_package
from . import _models
from ._answers import MESSAGE_HINTS
from ._client import MAX_INPUT_VARS, AsyncWhmcs, Whmcs
from ._models import STATUSES, Status, UpdateInvoiceResult

if TYPE_CHECKING:
    from ._parts import Invoice, InvoiceItem, ItemChange, NewItem

__all__ = [
    "MAX_INPUT_VARS",
    "MESSAGE_HINTS",
    "STATUSES",
    "AsyncWhmcs",
    "Invoice",
    "InvoiceItem",
    "ItemChange",
    "NewItem",
    "Status",
    "UpdateInvoiceResult",
    "Whmcs",
]


_lazy_package(globals(), _models)  # its __getattr__ and __dir__: the models loaded on first use
