"""Test invoicekit code with no account and no network: stateful fakes of every provider.

Each fake keeps invoices in memory, answers in the provider's exact wire format, records what it
received, and fails on request::

    import httpx, invoicekit
    from invoicekit.testing import FakeUpflow

    fake = FakeUpflow()
    client = invoicekit.Upflow(api_key=fake.api_key, api_secret=fake.api_secret,
                               http_client=httpx.Client(transport=fake.transport))
    fake.fail_next(503)                  # the next request gets a 503; the client retries
"""

from __future__ import annotations

from ._fake import FakeProvider, Fault
from ._invoro import FakeInvoro
from ._payabli import FakePayabli
from ._salesbricks import FakeSalesbricks
from ._upflow import FakeUpflow
from ._whmcs import FakeWhmcs

__all__ = ["FakeInvoro", "FakePayabli", "FakeProvider", "FakeSalesbricks", "FakeUpflow", "FakeWhmcs", "Fault"]
