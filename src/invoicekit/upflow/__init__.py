"""Upflow: upload or replace the PDF of an invoice, addressed by Upflow's id or by your own.

::

    import invoicekit
    from invoicekit import ExternalId

    with invoicekit.Upflow() as client:   # UPFLOW_API_KEY, UPFLOW_API_SECRET
        client.invoices.upload_pdf(ExternalId("ERP-42"), "ERP-42.pdf")
"""

from __future__ import annotations

from ._client import AsyncInvoices, AsyncUpflow, Encoding, Invoices, Upflow
from ._models import ExternalId

__all__ = ["AsyncInvoices", "AsyncUpflow", "Encoding", "ExternalId", "Invoices", "Upflow"]
