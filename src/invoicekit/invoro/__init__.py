"""Invoro (Peppol e-invoicing): replace a draft invoice, amounts in Decimal here and cents on the wire.

::

    from decimal import Decimal
    import invoicekit
    from invoicekit import invoro

    draft = invoro.DraftInvoice(
        header=invoro.Header(invoice_number="INV-2025-0042", currency="EUR"),
        lines=[invoro.Line(name="Support", quantity=Decimal(3), price=Decimal("49.50"),
                           line_total=Decimal("148.50"))],
        totals=invoro.Totals(line_total=Decimal("148.50")),
    )
    with invoicekit.Invoro() as client:   # INVORO_API_KEY
        invoice = client.invoices.update_draft("7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", draft)
        print(invoice.state, invoice.total)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._registry import lazy_package as _lazy_package
from . import _models
from ._client import (
    AUTH_SCHEMES,
    MAX_ATTACHMENT_BYTES,
    AsyncInvoices,
    AsyncInvoro,
    AuthScheme,
    Invoices,
    Invoro,
)
from ._models import (
    CREDIT_NOTE_TYPES,
    DOCUMENT_TYPES,
    INVOICE_TYPES,
    DraftInvoice,
    Header,
    Invoice,
    Line,
)
from ._rules import LINE_ROUNDING, expected_line_total

if TYPE_CHECKING:
    from ._parts import (
        Address,
        AllowanceCharge,
        Attachment,
        Identifier,
        InvoicePeriod,
        ItemAttribute,
        Party,
        Payment,
        Totals,
    )

__all__ = [
    "AUTH_SCHEMES",
    "CREDIT_NOTE_TYPES",
    "DOCUMENT_TYPES",
    "INVOICE_TYPES",
    "LINE_ROUNDING",
    "MAX_ATTACHMENT_BYTES",
    "Address",
    "AllowanceCharge",
    "AsyncInvoices",
    "AsyncInvoro",
    "Attachment",
    "AuthScheme",
    "DraftInvoice",
    "Header",
    "Identifier",
    "Invoice",
    "InvoicePeriod",
    "Invoices",
    "Invoro",
    "ItemAttribute",
    "Line",
    "Party",
    "Payment",
    "Totals",
    "expected_line_total",
]


_lazy_package(globals(), _models)  # its __getattr__ and __dir__: the models loaded on first use
