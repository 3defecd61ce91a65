"""Test code that uses invoicekit with no account and no network: stateful fakes of all five providers.

Each fake keeps invoices in memory, speaks its provider's exact wire format (the one invoicekit's wire
tests pin), records every request it received, and fails on request. A fake *is* an httpx transport, for
sync and async clients alike, so your code under test runs unchanged::

    import invoicekit
    from invoicekit.testing import FakeUpflow

    fake = FakeUpflow()
    fake.add_invoice("inv_1", external_id="ERP-42")     # seed
    with fake.client() as client:                        # an invoicekit.Upflow wired to the fake
        client.invoices.upload_pdf(invoicekit.ExternalId("ERP-42"), b"%PDF-1.7 ...")
    assert fake.pdfs["inv_1"].startswith(b"%PDF-")      # inspect state
    assert fake.requests[-1].headers["X-API-KEY"] == fake.api_key   # inspect what was received

To hand the fake to code that builds its own client, pass
``http_client=httpx.Client(transport=fake.transport)`` (``httpx.AsyncClient`` for the async clients) together
with the fake's credentials.

Every fake has the same surface:

- the credentials it accepts, as attributes (``api_key``, ``api_secret``; WHMCS: ``identifier``, ``secret``,
  ``access_key``), with test defaults, or your own given to the constructor;
- ``add_invoice(...)`` to seed an invoice, returning the record the fake keeps (:class:`UpflowInvoice`,
  :class:`SalesbricksInvoice`, :class:`PayabliInvoice`, :class:`InvoroInvoice`, :class:`WhmcsInvoice`);
- ``invoices``, every record by id, and ``requests``, every :class:`httpx.Request` received, in order;
- ``client(**options)`` and ``async_client(**options)``, a client wired to the fake with its credentials
  (*options* are constructor arguments and win, so ``client(retry=RetryPolicy(initial=0))`` works);
- faults from :class:`FakeProvider`: :meth:`~FakeProvider.fail_next`, :meth:`~FakeProvider.refuse_next`,
  :meth:`~FakeProvider.drop_next`, :meth:`~FakeProvider.timeout_next`, :meth:`~FakeProvider.slow_next`,
  :meth:`~FakeProvider.rate_limit` and :meth:`~FakeProvider.reset_faults`.

:class:`FakeServer` serves fakes over real HTTP on 127.0.0.1, for code that is not Python or does not let you
pass a transport; ``python -m invoicekit.testing`` (or ``invoicekit-fakes``) serves all five, seeded with demo
invoices. ``invoicekit.testing.pytest_plugin`` is an opt-in pytest plugin with a fixture per fake and per
client. See ``docs/testing.md`` for the whole story.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING

from .. import _registry
from ._fake import FakeProvider, Fault
from ._server import FakeServer

if TYPE_CHECKING:
    # What type checkers see; at run time the fakes (and their records) come from the provider registry
    # (invoicekit/_registry.py), which tests/test_registry.py checks this against.
    from ._invoro import FakeInvoro, InvoroInvoice
    from ._payabli import FakePayabli, PayabliAttachment, PayabliInvoice
    from ._salesbricks import FakeSalesbricks, SalesbricksAttachment, SalesbricksInvoice
    from ._upflow import FakeUpflow, UpflowInvoice
    from ._whmcs import FakeWhmcs, WhmcsInvoice, WhmcsLine

__all__ = [
    "FakeInvoro",
    "FakePayabli",
    "FakeProvider",
    "FakeSalesbricks",
    "FakeServer",
    "FakeUpflow",
    "FakeWhmcs",
    "Fault",
    "InvoroInvoice",
    "PayabliAttachment",
    "PayabliInvoice",
    "SalesbricksAttachment",
    "SalesbricksInvoice",
    "UpflowInvoice",
    "WhmcsInvoice",
    "WhmcsLine",
]

# Every fake of the registry, loaded with the module (as a test expects `from invoicekit.testing import *`).
for _spec in _registry.providers():
    _module = _importlib.import_module(_spec.fake.partition(":")[0])
    for _name in _spec.testing_exports:
        globals()[_name] = getattr(_module, _name)
del _spec, _module, _name

if not TYPE_CHECKING:  # a provider registered later is found on first use; hidden from type checkers

    def __getattr__(name: str) -> object:
        module = _registry.fake_export(name)
        if module is None:
            msg = f"module {__name__!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(_importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*__all__, *(n for s in _registry.providers() for n in s.testing_exports)})
