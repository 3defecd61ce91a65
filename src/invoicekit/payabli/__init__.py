"""Payabli: update an invoice (``PUT /Invoice/{idInvoice}``): its fields, lines, customer and files.

::

    from decimal import Decimal
    import invoicekit
    from invoicekit import payabli

    with invoicekit.Payabli() as client:   # PAYABLI_API_KEY
        client.invoices.update(
            332,
            invoice_data=payabli.BillData(
                invoice_amount=Decimal("982.37"),
                items=[payabli.BillItem(item_product_name="Deposit", item_cost=Decimal("982.37"),
                                        item_qty=1, item_mode=0, item_total_amount=Decimal("982.37"))],
                attachments=["INV-6.pdf"],
            ),
        )
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._registry import lazy_package as _lazy_package
from . import _models
from ._client import (
    ATTACHMENTS_APPEND,
    MAX_UPLOAD_BASE64,
    AsyncInvoices,
    AsyncPayabli,
    Invoices,
    Payabli,
)
from ._models import BillData, InvoiceResponse

if TYPE_CHECKING:
    from ._parts import (
        BillItem,
        BillOptions,
        FileContent,
        FileType,
        Frequency,
        InvoiceRecord,
        InvoiceRecordItem,
        PaymentTerms,
        PayorData,
    )

__all__ = [
    "ATTACHMENTS_APPEND",
    "MAX_UPLOAD_BASE64",
    "AsyncInvoices",
    "AsyncPayabli",
    "BillData",
    "BillItem",
    "BillOptions",
    "FileContent",
    "FileType",
    "Frequency",
    "InvoiceRecord",
    "InvoiceRecordItem",
    "InvoiceResponse",
    "Invoices",
    "Payabli",
    "PaymentTerms",
    "PayorData",
]


_lazy_package(globals(), _models)  # its __getattr__ and __dir__: the models loaded on first use
