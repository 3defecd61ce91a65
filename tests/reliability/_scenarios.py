"""One scenario per provider: a fake, a seeded invoice, a safe and an unsafe call, and how to read the
fake's state back. Every reliability test is written once against this table.

Upflow and Invoro have no unsafe operation in their public API (a PDF replace and a full draft PUT are
idempotent); their "unsafe" call is the same request sent through the core with ``Safety.UNSAFE``, so the
core's unsafe path is still exercised against those fakes.
"""

from __future__ import annotations

import collections
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import attrs
import httpx

import support
from invoicekit import RetryPolicy, invoro, payabli, whmcs
from invoicekit._call import Safety
from invoicekit.invoro._client import update_draft_call
from invoicekit.testing import FakeInvoro, FakePayabli, FakeProvider, FakeSalesbricks, FakeUpflow, FakeWhmcs
from invoicekit.upflow._client import upload_pdf_call

PDF = b"%PDF-1.4\n% invoicekit reliability fixture\n%%EOF\n"
FAST = RetryPolicy(initial=0, jitter=False)  # 3 attempts, no waiting
PROVIDERS = support.PROVIDERS  # from the provider registry


@attrs.define
class Scenario:
    """How to drive one provider's fake. *key* is a small int naming the invoice within a test."""

    name: str
    make: Callable[..., FakeProvider]
    seed: Callable[[Any, int], Any]
    call: Callable[[Any, Any, int, bool], Any]
    effects: Callable[[Any, Any], int]
    applied: Callable[[Any, Any, int, bool], bool]
    #: An HTTP-200 answer the provider uses to say "failed", and the error class it maps to.
    envelope: Any = None
    envelope_error: str | None = None
    #: Constructor credential options for a fake/client, from one random secret.
    credentials: Callable[[str], dict[str, str]] = lambda secret: {"api_key": secret}

    def fake(self, **credentials: str) -> FakeProvider:
        return self.make(**credentials)

    def client(self, fake: Any, kind: str, **options: Any) -> Any:
        options.setdefault("retry", FAST)
        return fake.client(**options) if kind == "sync" else fake.async_client(**options)


async def run(kind: str, client: Any, call: Callable[[Any], Any]) -> Any:
    """Run *call* on a sync or async client and close it afterwards."""
    if kind == "sync":
        with client:
            return call(client)
    async with client:
        result = call(client)
        assert isinstance(result, Awaitable)
        return await result


# -- upflow -------------------------------------------------------------------------------------------


def _upflow_seed(fake: FakeUpflow, key: int) -> str:
    return fake.add_invoice(f"inv_{key}", external_id=f"ERP-{key}").id


def _pdf(key: int) -> bytes:
    return PDF + f"% {key}\n".encode()


def _upflow_call(client: Any, invoice: str, key: int, unsafe: bool) -> Any:
    if not unsafe:
        return client.invoices.upload_pdf(invoice, _pdf(key))
    call = upload_pdf_call(invoice, _pdf(key), encoding="multipart")
    return client._send(call.replace(safety=Safety.UNSAFE))


UPFLOW = Scenario(
    "upflow",
    FakeUpflow,
    _upflow_seed,
    _upflow_call,
    effects=lambda fake, inv: fake.invoices[inv].uploads,
    applied=lambda fake, inv, key, unsafe: fake.invoices[inv].pdf == _pdf(key),
    credentials=lambda s: {"api_key": s, "api_secret": s[::-1] + "-2"},
)

# -- salesbricks --------------------------------------------------------------------------------------


def _sb_call(client: Any, invoice: str, key: int, unsafe: bool) -> Any:
    # idempotency_key=None: no key (else one is generated per call and the fake replays, not re-applies),
    # so the matrix sees the plain safety classes; sending the invoice is the unsafe call under test.
    extra: dict[str, Any] = {"idempotency_key": None, **({"send_invoice": True} if unsafe else {})}
    return client.invoices.update(invoice, invoice_memo=f"memo {key}", **extra)


def _sb_applied(fake: FakeSalesbricks, inv: str, key: int, unsafe: bool) -> bool:
    invoice = fake.invoices[inv]
    return invoice.invoice_memo == f"memo {key}" and (invoice.times_sent == 1 if unsafe else True)


SALESBRICKS = Scenario(
    "salesbricks",
    FakeSalesbricks,
    lambda fake, key: fake.add_invoice(str(uuid.UUID(int=key + 1))).invoice_id,
    _sb_call,
    effects=lambda fake, inv: fake.invoices[inv].updates,
    applied=_sb_applied,
    credentials=lambda s: {"api_key": s},
)

# -- payabli ------------------------------------------------------------------------------------------


def _pb_call(client: Any, invoice: int, key: int, unsafe: bool) -> Any:
    data = payabli.BillData(invoice_number=f"N-{key}", invoice_amount=Decimal("10.50"))
    if unsafe:
        customer = payabli.PayorData(first_name="Ada", last_name=f"L{key}")
        return client.invoices.update(
            invoice, invoice_data=data, customer_data=customer, force_customer_creation=True
        )
    return client.invoices.update(invoice, invoice_data=data)


def _pb_applied(fake: FakePayabli, inv: int, key: int, unsafe: bool) -> bool:
    invoice = fake.invoices[inv]
    ok = invoice.invoice_data.get("invoiceNumber") == f"N-{key}"
    return ok and (invoice.customer_data.get("lastName") == f"L{key}" if unsafe else True)


PAYABLI = Scenario(
    "payabli",
    FakePayabli,
    lambda fake, key: fake.add_invoice(1000 + key).id_invoice,
    _pb_call,
    effects=lambda fake, inv: fake.invoices[inv].updates,
    applied=_pb_applied,
    envelope={
        "isSuccess": False,
        "responseCode": 3003,
        "responseText": "Declined",
        "responseData": "Invoice 1000 not found",
    },
    envelope_error="NotFoundError",
    credentials=lambda s: {"api_key": s},
)

# -- invoro -------------------------------------------------------------------------------------------


def _draft(key: int) -> invoro.DraftInvoice:
    return invoro.DraftInvoice(header=invoro.Header(invoice_number=f"INV-{key}", currency="EUR"))


def _inv_call(client: Any, invoice: str, key: int, unsafe: bool) -> Any:
    if not unsafe:
        return client.invoices.update_draft(invoice, _draft(key))
    return client._send(update_draft_call(invoice, _draft(key)).replace(safety=Safety.UNSAFE))


INVORO = Scenario(
    "invoro",
    FakeInvoro,
    lambda fake, key: fake.add_invoice(str(uuid.UUID(int=key + 7))).id,
    _inv_call,
    effects=lambda fake, inv: fake.invoices[inv].updates,
    applied=lambda fake, inv, key, unsafe: (
        fake.invoices[inv].document.get("header", {}).get("invoice_number") == f"INV-{key}"
    ),
    envelope={"success": False, "data": None, "message": "Invoice is not in draft state.", "errors": None},
    envelope_error="ConflictError",
    credentials=lambda s: {"api_key": s},
)

# -- whmcs --------------------------------------------------------------------------------------------


class CountingWhmcs(FakeWhmcs):
    """FakeWhmcs that counts, per invoice, the UpdateInvoice actions it applied."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.applied: collections.Counter[int] = collections.Counter()
        update = self._actions["updateinvoice"]

        def counted(form: dict[str, Any]) -> dict[str, Any]:
            answer = update(form)
            self.applied[int(form["invoiceid"])] += 1
            return answer

        self._actions["updateinvoice"] = counted


def _wh_call(client: Any, invoice: int, key: int, unsafe: bool) -> Any:
    if unsafe:
        return client.invoices.update(
            invoice, notes=f"note {key}", new_items=[whmcs.NewItem(f"line {key}", Decimal("1.00"), False)]
        )
    return client.invoices.update(invoice, notes=f"note {key}", due_date=dt.date(2030, 1, 1))


def _wh_applied(fake: CountingWhmcs, inv: int, key: int, unsafe: bool) -> bool:
    invoice = fake.invoices[inv]
    lines = sum(1 for line in invoice.lines.values() if line.description == f"line {key}")
    return invoice.notes == f"note {key}" and lines == (1 if unsafe else 0)


WHMCS = Scenario(
    "whmcs",
    CountingWhmcs,
    lambda fake, key: fake.add_invoice(2000 + key, lines=[("base", Decimal("5.00"), False)]).id,
    _wh_call,
    effects=lambda fake, inv: fake.applied[inv],
    applied=_wh_applied,
    envelope={"result": "error", "message": "Invoice ID Not Found"},
    envelope_error="NotFoundError",
    credentials=lambda s: {"identifier": s, "secret": s[::-1] + "-2", "access_key": "ak-" + s},
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (UPFLOW, SALESBRICKS, PAYABLI, INVORO, WHMCS)}


class NoNetwork(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport that fails the test on any request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)
