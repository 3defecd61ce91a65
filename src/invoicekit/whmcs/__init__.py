"""WHMCS (classic API): ``UpdateInvoice`` with every parameter, and any other action through ``call()``.

::

    import invoicekit
    from invoicekit import whmcs

    with invoicekit.Whmcs("https://billing.example.com") as client:  # WHMCS_IDENTIFIER / WHMCS_SECRET
        line = whmcs.ItemChange("Hosting", Decimal("9.95"), taxed=True)
        client.invoices.update(42, status="Unpaid", items={13: line})
"""

from typing import TYPE_CHECKING

from .._record import later_names as _later_names
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


if not TYPE_CHECKING:  # visible to type checkers, it would make every misspelt name `Any`
    # the models a common first call does not need, loaded on first use
    __getattr__ = _later_names(globals(), _models.PARTS, [n for n in _models.PART_NAMES if n in __all__])


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
