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

from .._registry import package_names as _package_names
from . import _models
from ._client import AsyncSalesbricks, Salesbricks
from ._models import Attachment, InvoiceUpdateResult, Target

if TYPE_CHECKING:
    from ._parts import Add, Keep

__all__ = ["Add", "AsyncSalesbricks", "Attachment", "InvoiceUpdateResult", "Keep", "Salesbricks", "Target"]


if not TYPE_CHECKING:  # visible to type checkers, a module __getattr__ makes every misspelt name `Any`
    __getattr__, __dir__ = _package_names(globals(), _models)  # with the models loaded on first use
