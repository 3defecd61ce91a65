"""Salesbricks: update an invoice's overrides and PDF attachments (``PATCH /api/v2/invoices/{id}``).

::

    import invoicekit
    from invoicekit import salesbricks

    with invoicekit.Salesbricks() as client:  # SALESBRICKS_API_KEY
        client.invoices.update(
            "3c90c3cc-0d44-4b50-8888-8dd25736052a",
            invoice_memo="Net 30",
            attachments=[salesbricks.Keep("9d1e..."), salesbricks.Add("sow.pdf", target="subscription")],
        )
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._registry import lazy_package as _lazy_package
from . import _models
from ._client import AsyncSalesbricks, Salesbricks
from ._models import Attachment, InvoiceUpdateResult, Target

if TYPE_CHECKING:
    from ._parts import Add, Keep

__all__ = ["Add", "AsyncSalesbricks", "Attachment", "InvoiceUpdateResult", "Keep", "Salesbricks", "Target"]


_lazy_package(globals(), _models)  # its __getattr__ and __dir__: the models loaded on first use
