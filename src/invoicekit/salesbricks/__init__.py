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

from ._client import AsyncSalesbricks, Salesbricks
from ._models import Add, Attachment, InvoiceUpdateResult, Keep, Target

__all__ = ["Add", "AsyncSalesbricks", "Attachment", "InvoiceUpdateResult", "Keep", "Salesbricks", "Target"]
