"""The fakes agree with the wire tests, and their faults behave as named through every client.

Part one replays, per provider, the calls whose requests tests/providers/test_<p>.py pin (their inputs,
keys and canned answers are read from those modules, so the two cannot drift apart) into the fake: the
fake must accept exactly that request and answer with the status and body shape the wire test's mock
gives. Part two injects each fault into each fake and checks what the client does and what the fake applied.
What one fake alone does (its validation, its semantics) is in test_fake_<p>.py.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest

import invoicekit
from invoicekit import (
    ExternalId,
    File,
    Invoro,
    OutcomeUnknownError,
    Payabli,
    RateLimitError,
    RetryPolicy,
    Salesbricks,
    ServerError,
    Upflow,
    Whmcs,
    invoro,
    payabli,
    salesbricks,
    whmcs,
)
from invoicekit.testing import (
    FakeInvoro,
    FakePayabli,
    FakeProvider,
    FakeSalesbricks,
    FakeUpflow,
    FakeWhmcs,
    SalesbricksAttachment,
    WhmcsLine,
)

FAST = RetryPolicy(initial=0, jitter=False)


def wire_tests(provider: str) -> ModuleType:
    """tests/providers/test_<provider>.py, loaded for its constants and helpers (not collected twice)."""
    path = Path(__file__).parent.parent / "providers" / f"test_{provider}.py"
    spec = importlib.util.spec_from_file_location(f"_wire_{provider}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


UPFLOW, SALESBRICKS, PAYABLI, INVORO, WHMCS = map(
    wire_tests, ["upflow", "salesbricks", "payabli", "invoro", "whmcs"]
)


class Tap(httpx.BaseTransport):
    """Forwards to a fake and keeps every answer, read, so a test sees exactly what the fake said."""

    def __init__(self, fake: FakeProvider) -> None:
        self.fake = fake
        self.answers: list[httpx.Response] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.fake.handle_request(request)
        response.read()
        self.answers.append(response)
        return response


def shape(value: Any) -> Any:
    """A JSON value with the values replaced by their kind: what the client's decoder depends on."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return None
    return (
        "number" if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else type(value)
    )


def same_shape(
    fake_answer: Any,
    wire_answer: Any,
    *,
    optional: frozenset[str] = frozenset(),
    opaque: frozenset[str] = frozenset(),
) -> None:
    """The fake's answer has the wire answer's keys (bar *optional* ones, at any depth) with values of the
    same kind; under an *opaque* key only the kind of the value is compared (free-form documents).
    """
    if isinstance(wire_answer, dict):
        assert isinstance(fake_answer, dict)
        assert set(fake_answer) == set(wire_answer) - optional, (sorted(fake_answer), sorted(wire_answer))
        for key, value in fake_answer.items():
            if value is None or wire_answer[key] is None:
                continue
            if key in opaque:
                assert type(value) is type(wire_answer[key]), key
            else:
                same_shape(value, wire_answer[key], optional=optional, opaque=opaque)
    else:
        assert shape(fake_answer) == shape(wire_answer)


# -- part one: the requests the wire tests pin are accepted, and answered as the wire tests expect ------


@pytest.mark.parametrize("encoding", ["multipart", "base64"])
@pytest.mark.parametrize(("value", "segment"), UPFLOW.HOSTILE_EXTERNAL)
def test_upflow_pinned_paths_reach_the_invoice(value: str, segment: str, encoding: Any) -> None:
    """Every external-id path the wire tests pin finds its invoice at the fake, answered 204 and empty."""
    fake = FakeUpflow(UPFLOW.KEY, UPFLOW.SECRET)
    fake.add_invoice("inv_1", external_id=value)
    tap = Tap(fake)
    with Upflow(UPFLOW.KEY, UPFLOW.SECRET, http_client=httpx.Client(transport=tap)) as client:
        client.invoices.upload_pdf(ExternalId(value), UPFLOW.PDF, encoding=encoding)
    (request,) = fake.requests
    assert request.url.raw_path == f"/v1/invoices/{segment}/pdf".encode()
    assert [(a.status_code, a.content) for a in tap.answers] == [(204, b"")]
    assert fake.pdfs[ExternalId(value)] == UPFLOW.PDF
    assert fake.invoices["inv_1"].encoding == encoding


def test_salesbricks_every_field_request_is_applied() -> None:
    """The every-field PATCH of the wire test is accepted whole; the answer has the wire ANSWER's shape."""
    kept_sub, kept_inv = "9d1e0000-0000-4000-8000-000000000001", "9d1e0000-0000-4000-8000-000000000002"
    fake = FakeSalesbricks(SALESBRICKS.KEY)
    invoice = fake.add_invoice(
        SALESBRICKS.INVOICE,
        attachments=[
            SalesbricksAttachment("terms.pdf", attachment_id=kept_sub),
            SalesbricksAttachment("po.pdf", attachment_id=kept_inv),
            SalesbricksAttachment("dropped.pdf"),
        ],
    )
    tap = Tap(fake)
    with Salesbricks(SALESBRICKS.KEY, http_client=httpx.Client(transport=tap)) as client:
        result = client.invoices.update(
            SALESBRICKS.INVOICE,
            due_at=dt.date(2024, 7, 31),
            purchase_order="PO-778",
            persist_purchase_order=True,
            billing_address={"line1": "1 Rue de Rivoli", "city": "Paris", "country": "FR"},
            company_name="Acmé SAS",
            accounts_payable_emails=["ap@acme.example", "finance@acme.example"],
            invoice_memo="Net 30 — thanks",
            persist_memo=False,
            line_item_overrides={"li_1": "Seats (annual)", "li_2": "Onboarding"},
            show_brick_descriptions=False,
            tax_id="FR40303265045",
            reason_for_updating="Customer sent a new PO",
            send_invoice=True,
            attachments=[
                salesbricks.Keep(kept_sub, target="subscription"),
                salesbricks.Add(File(SALESBRICKS.PDF, filename="sow.pdf")),
                salesbricks.Add(SALESBRICKS.PDF2, target="subscription"),
                salesbricks.Keep(kept_inv),
            ],
            idempotency_key="op-0b7d9a0e",
        )
    (answer,) = tap.answers
    assert answer.status_code == 200
    same_shape(answer.json(), SALESBRICKS.ANSWER)
    assert [(a.file_name, a.target) for a in invoice.attachments] == [
        ("terms.pdf", "subscription"),
        ("sow.pdf", "invoice"),
        ("attachment-2.pdf", "subscription"),
        ("po.pdf", "invoice"),
    ]
    assert [a.content for a in invoice.attachments[1:3]] == [SALESBRICKS.PDF, SALESBRICKS.PDF2]
    assert (invoice.due_at, invoice.purchase_order, invoice.company_name) == (
        dt.date(2024, 7, 31),
        "PO-778",
        "Acmé SAS",
    )
    assert invoice.accounts_payable_emails == ["ap@acme.example", "finance@acme.example"]
    assert invoice.line_item_overrides == {"li_1": "Seats (annual)", "li_2": "Onboarding"}
    assert (invoice.show_brick_descriptions, invoice.tax_id, invoice.times_sent) == (
        False,
        "FR40303265045",
        1,
    )
    assert invoice.subscription["purchase_order"] == "PO-778"
    assert "op-0b7d9a0e" in fake.idempotency
    assert result.invoice_id == SALESBRICKS.INVOICE


@pytest.mark.parametrize(
    ("kw", "field", "cleared"),
    [
        ({"company_name": None}, "company_name", ""),
        ({"invoice_memo": None}, "invoice_memo", ""),
        ({"purchase_order": None}, "purchase_order", None),
        ({"accounts_payable_emails": None}, "accounts_payable_emails", []),
    ],
)
def test_salesbricks_clear_forms_clear(kw: dict[str, Any], field: str, cleared: Any) -> None:
    """Each clear form the wire tests pin ("", {}, []) clears the field at the fake."""
    fake = FakeSalesbricks(SALESBRICKS.KEY)
    invoice = fake.add_invoice(
        company_name="Acme",
        invoice_memo="memo",
        purchase_order="PO-1",
        accounts_payable_emails=["a@b.example"],
    )
    with fake.client() as client:
        client.invoices.update(invoice.invoice_id, **kw)
    assert getattr(invoice, field) == cleared


@pytest.mark.parametrize("case", sorted(PAYABLI.CASES))
def test_payabli_pinned_requests_are_answered_with_the_wire_ok(case: str) -> None:
    """Each golden request (the wire tests' cases, through the client) gets exactly the wire tests' OK."""
    fake = FakePayabli(PAYABLI.KEY)
    fake.add_invoice(332, invoice_status=1)
    tap = Tap(fake)
    with Payabli(PAYABLI.KEY, sandbox=True, http_client=httpx.Client(transport=tap)) as client:
        client.invoices.update(332, **PAYABLI.CASES[case]())
    golden = PAYABLI.GOLDEN[case]
    (request,) = fake.requests
    assert str(request.url) == golden["url"]
    assert [(a.status_code, a.json()) for a in tap.answers] == [(200, PAYABLI.OK)]
    assert fake.invoices[332].last_body == golden["body"]


def test_invoro_full_draft_is_stored_as_pinned() -> None:
    """The full draft of the wire test is accepted; the fake stores the pinned body; the envelope matches."""
    fake = FakeInvoro(INVORO.KEY)
    fake.add_invoice(INVORO.ID)
    tap = Tap(fake)
    with Invoro(INVORO.KEY, http_client=httpx.Client(transport=tap)) as client:
        invoice = client.invoices.update_draft(INVORO.ID, INVORO.full_draft())
    (answer,) = tap.answers
    assert answer.status_code == 200
    # is_test is an unknown key the wire test adds to check it is kept; the draft and metadata are free-form.
    same_shape(
        answer.json(),
        INVORO.ok(),
        optional=frozenset({"is_test"}),
        opaque=frozenset({"invoice_data", "metadata"}),
    )
    assert fake.invoices[INVORO.ID].document == INVORO.FULL_WIRE
    assert invoice.total == Decimal("217.34")  # totals.tax_inclusive, in cents on the wire


def test_whmcs_documented_example_is_applied() -> None:
    """WHMCS's documented UpdateInvoice example, as pinned: the wire's answer; lines changed."""
    fake = FakeWhmcs(identifier=WHMCS.IDENTIFIER, secret=WHMCS.SECRET)
    invoice = fake.add_invoice(1, status="Draft")
    invoice.lines = {n: WhmcsLine(n, f"line {n}", Decimal(1), False) for n in (11, 12, 13)}
    tap = Tap(fake)
    with Whmcs(WHMCS.URL, WHMCS.IDENTIFIER, WHMCS.SECRET, http_client=httpx.Client(transport=tap)) as client:
        client.invoices.update(
            1,
            status="Unpaid",
            items={13: whmcs.ItemChange("Sample Updated Invoice Item", Decimal("16.95"), taxed=False)},
            new_items=[
                whmcs.NewItem("New Line Item 1", 10, True),
                whmcs.NewItem("New Line Item 2", Decimal("2.95"), False),
            ],
            delete_line_ids=[11, 12],
        )
    assert [(a.status_code, a.json()) for a in tap.answers] == [
        (200, {"result": "success", "invoiceid": "1"})
    ]
    assert str(fake.requests[0].url) == WHMCS.API
    assert [(line.description, line.amount, line.taxed) for line in invoice.lines.values()] == [
        ("Sample Updated Invoice Item", Decimal("16.95"), False),
        ("New Line Item 1", Decimal("10"), True),
        ("New Line Item 2", Decimal("2.95"), False),
    ]
    assert invoice.status == "Unpaid"


def test_whmcs_unknown_invoice_is_the_wire_tests_http_200_error() -> None:
    """An unknown invoice is answered HTTP 200 result=error with the message the wire tests map."""
    fake = FakeWhmcs(identifier=WHMCS.IDENTIFIER, secret=WHMCS.SECRET)
    tap = Tap(fake)
    with (
        Whmcs(WHMCS.URL, WHMCS.IDENTIFIER, WHMCS.SECRET, http_client=httpx.Client(transport=tap)) as client,
        pytest.raises(invoicekit.NotFoundError),
    ):
        client.invoices.update(404, notes="x")
    assert [(a.status_code, a.json()) for a in tap.answers] == [
        (200, {"result": "error", "message": "Invoice ID Not Found"})
    ]


# -- part two: faults, through the clients -------------------------------------------------------------

SB_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
PDF = b"%PDF-1.7 fault"


@attrs.frozen
class Provider:
    """One provider for the fault matrix: a seeded fake, a call, and how often the fake applied it."""

    make: Callable[[], FakeProvider]
    call: Callable[[Any], object]
    applied: Callable[[Any], int]


def _upflow() -> FakeUpflow:
    fake = FakeUpflow()
    fake.add_invoice("inv_1")
    return fake


def _salesbricks() -> FakeSalesbricks:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_ID)
    return fake


def _payabli() -> FakePayabli:
    fake = FakePayabli()
    fake.add_invoice(1, invoice_status=1)
    return fake


def _invoro() -> FakeInvoro:
    fake = FakeInvoro()
    fake.add_invoice(INVORO_ID)
    return fake


def _whmcs() -> FakeWhmcs:
    fake = FakeWhmcs()
    fake.add_invoice(42, lines=[("Hosting", 10, True)])
    return fake


SAFE = {
    "upflow": Provider(
        _upflow, lambda c: c.invoices.upload_pdf("inv_1", PDF), lambda f: f.invoices["inv_1"].uploads
    ),
    "salesbricks": Provider(
        _salesbricks,
        lambda c: c.invoices.update(SB_ID, invoice_memo="m", idempotency_key=None),  # no key: plain retry
        lambda f: f.invoices[SB_ID].updates,
    ),
    "payabli": Provider(
        _payabli,
        lambda c: c.invoices.update(1, invoice_data=payabli.BillData(notes="n")),
        lambda f: f.invoices[1].updates,
    ),
    "invoro": Provider(
        _invoro,
        lambda c: c.invoices.update_draft(
            INVORO_ID, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
        ),
        lambda f: f.invoices[INVORO_ID].updates,
    ),
    "whmcs": Provider(_whmcs, lambda c: c.invoices.update(42, notes="n"), lambda f: f.invoices[42].updates),
}
UNSAFE = {  # calls that must never run twice: an email to the customer, a new customer, an appended line
    "salesbricks": Provider(
        _salesbricks,
        lambda c: c.invoices.update(SB_ID, send_invoice=True, idempotency_key=None),  # no key: unsafe
        lambda f: f.invoices[SB_ID].times_sent,
    ),
    "payabli": Provider(
        _payabli,
        lambda c: c.invoices.update(
            1, customer_data=payabli.PayorData(first_name="Ana"), force_customer_creation=True
        ),
        lambda f: f.customers_created,
    ),
    "whmcs": Provider(
        _whmcs,
        lambda c: c.invoices.update(42, new_items=[whmcs.NewItem("Domain", Decimal("9.95"), taxed=False)]),
        lambda f: len(f.invoices[42].lines) - 1,
    ),
}


def run(provider: Provider, inject: Callable[[Any], None], retry: RetryPolicy = FAST) -> tuple[Any, object]:
    """Seed a fake, inject a fault, make the call through the sync client: (fake, result or exception)."""
    fake: Any = provider.make()
    inject(fake)
    with fake.client(retry=retry) as client:
        try:
            return fake, provider.call(client)
        except invoicekit.InvoiceKitError as exc:
            return fake, exc


@pytest.mark.parametrize("name", sorted(SAFE))
def test_a_503_then_success_is_one_retry(name: str) -> None:
    """fail_next(503) answers once without applying; the retry succeeds and applies once."""
    fake, result = run(SAFE[name], lambda f: f.fail_next(503))
    assert not isinstance(result, Exception)
    assert len(fake.requests) == 2
    assert SAFE[name].applied(fake) == 1


@pytest.mark.parametrize("name", sorted(SAFE))
def test_a_persistent_503_is_a_server_error_after_every_attempt(name: str) -> None:
    """fail_next(503, times=3) outlasts three attempts: the caller gets ServerError, nothing is applied."""
    fake, result = run(SAFE[name], lambda f: f.fail_next(503, times=3), RetryPolicy(attempts=3, initial=0))
    assert isinstance(result, ServerError)
    assert (len(fake.requests), SAFE[name].applied(fake)) == (3, 0)


@pytest.mark.parametrize("after_apply", [False, True])
@pytest.mark.parametrize("name", sorted(SAFE))
def test_a_dropped_safe_call_is_retried(name: str, after_apply: bool) -> None:
    """drop_next on a call that is safe to repeat: resent once; applied once, or twice when the first ran."""
    fake, result = run(SAFE[name], lambda f: f.drop_next(after_apply=after_apply))
    assert not isinstance(result, Exception)
    assert len(fake.requests) == 2
    assert SAFE[name].applied(fake) == (2 if after_apply else 1)


@pytest.mark.parametrize("fault", ["drop_next", "timeout_next"])
@pytest.mark.parametrize("after_apply", [False, True])
@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_a_lost_answer_to_an_unsafe_call_is_outcome_unknown(name: str, after_apply: bool, fault: str) -> None:
    """drop_next / timeout_next on an unsafe call: OutcomeUnknownError, never resent, applied at most once."""
    fake, result = run(UNSAFE[name], lambda f: getattr(f, fault)(after_apply=after_apply))
    assert isinstance(result, OutcomeUnknownError)
    assert len(fake.requests) == 1
    assert UNSAFE[name].applied(fake) == (1 if after_apply else 0)


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_a_503_to_an_unsafe_call_is_not_resent(name: str) -> None:
    """A 5xx may mean the call ran: an unsafe call is not resent; the caller learns the outcome is unknown."""
    fake, result = run(UNSAFE[name], lambda f: f.fail_next(503))
    assert isinstance(result, OutcomeUnknownError)
    assert (len(fake.requests), UNSAFE[name].applied(fake)) == (1, 0)


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_a_refused_connection_is_retried_even_when_unsafe(name: str) -> None:
    """refuse_next: the request never reached the provider, so even an unsafe call is sent again."""
    fake, result = run(UNSAFE[name], lambda f: f.refuse_next())
    assert not isinstance(result, Exception)
    assert (len(fake.requests), UNSAFE[name].applied(fake)) == (1, 1)


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_a_429_is_retried_even_when_unsafe(name: str) -> None:
    """A 429 means "not done": waited out (Retry-After: 0) and resent, then applied exactly once."""
    fake, result = run(UNSAFE[name], lambda f: f.fail_next(429, retry_after=0))
    assert not isinstance(result, Exception)
    assert (len(fake.requests), UNSAFE[name].applied(fake)) == (2, 1)


@pytest.mark.parametrize("name", sorted(SAFE))
def test_rate_limit_beyond_the_wait_the_caller_accepts(name: str) -> None:
    """rate_limit(1): the second call gets 429 with a Retry-After the client will not wait for."""
    provider = SAFE[name]
    fake: Any = provider.make()
    fake.rate_limit(1, per=60)
    with fake.client(retry=RetryPolicy(initial=0, max_retry_after=1)) as client:
        provider.call(client)
        with pytest.raises(RateLimitError) as info:
            provider.call(client)
    assert info.value.retry_after is not None
    assert 1 < info.value.retry_after <= 60
    assert provider.applied(fake) == 1


@pytest.mark.parametrize("name", sorted(SAFE))
def test_a_slow_answer_arrives_late_but_whole(name: str) -> None:
    """slow_next delays the answer, and only that: the call succeeds once."""
    started = time.monotonic()
    fake, result = run(SAFE[name], lambda f: f.slow_next(0.05))
    assert time.monotonic() - started >= 0.05
    assert not isinstance(result, Exception)
    assert (len(fake.requests), SAFE[name].applied(fake)) == (1, 1)


# -- the fakes' rules are their own: a client constant changed, the fake still refuses (issue 20) -----------


def test_fakes_import_no_client_rule() -> None:
    """No fake module takes a limit, enum or prefix from a client module (clients load only for .client())."""
    import ast

    testing = Path(invoicekit.__file__).parent / "testing"
    for module in sorted(testing.glob("_*.py")):
        tree = ast.parse(module.read_text())
        for node in tree.body:  # module level only: client() imports its client class late
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 2:
                # _convert's parsers, _record's names_for_hints (type hints): core helpers, no client's rule
                allowed = {"_convert", "_record"}
                assert node.module in allowed, f"{module.name} imports ..{node.module} at module level"


def test_whmcs_fake_keeps_its_statuses_when_the_clients_list_is_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client that wrongly allowed "Overdue" sends it; WHMCS (and its fake) still refuse it."""
    import invoicekit.whmcs._models as models_module

    monkeypatch.setattr(models_module, "STATUSES", (*whmcs.STATUSES, "Overdue"))
    fake = FakeWhmcs()
    invoice = fake.add_invoice(7, status="Unpaid")
    with fake.client(retry=FAST) as client, pytest.raises(invoicekit.APIError):
        client.invoices.update(invoice.id, status="Overdue")  # type: ignore[arg-type]
    assert invoice.status == "Unpaid"


def test_upflow_fake_keeps_its_external_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client that wrote external ids as "ext:ERP-42" would reach no invoice at Upflow, nor at its fake."""
    import invoicekit.upflow._models as models

    fake = FakeUpflow()
    fake.add_invoice("inv_1", external_id="ERP-42")
    monkeypatch.setattr(models, "EXTERNAL_PREFIX", "ext:")
    with fake.client(retry=FAST) as client, pytest.raises(invoicekit.NotFoundError):
        client.invoices.upload_pdf(ExternalId("ERP-42"), b"%PDF-1.7 x")
    assert fake.invoices["inv_1"].pdf is None


def test_payabli_fake_requires_item_cost_when_the_client_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the client's checks switched off, a line without itemCost reaches the fake: 400, not stored."""
    from invoicekit import _fields

    # The core's writer for BillItem, swapped for one that writes the line without checking it.
    monkeypatch.setitem(
        _fields._WRITERS, payabli.BillItem, lambda item: {"itemProductName": "Fee", "itemQty": 1}
    )
    fake = FakePayabli()
    fake.add_invoice(332)
    item = payabli.BillItem(item_product_name="Fee", item_qty=1)
    with fake.client(retry=FAST) as client, pytest.raises(invoicekit.BadRequestError) as caught:
        client.invoices.update(332, invoice_data=payabli.BillData(items=[item]))
    assert caught.value.status_code == 400
    assert "invoiceData.items[0].itemCost" in caught.value.message
    assert fake.invoices[332].updates == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"invoiceData": None}, {"invoiceData": {}, "customerData": {}}, {"scheduledOptions": None}],
)
def test_payabli_fake_refuses_a_body_with_no_object(monkeypatch: pytest.MonkeyPatch, body: Any) -> None:
    """With the client's empty-update rule switched off, what it sends is refused by the fake (400)."""
    import invoicekit.payabli._client as client_module

    monkeypatch.setattr(client_module, "some_change", lambda changes: None)
    fake = FakePayabli()
    fake.add_invoice(332)
    kwargs = {
        "invoiceData": "invoice_data",
        "customerData": "customer_data",
        "scheduledOptions": "scheduled_options",
    }
    models = {"invoiceData": payabli.BillData, "customerData": payabli.PayorData}
    args: dict[str, Any] = {kwargs[k]: (None if v is None else models[k]()) for k, v in body.items()}
    with (
        fake.client(retry=FAST) as client,
        pytest.raises(invoicekit.BadRequestError, match="no data to update"),
    ):
        client.invoices.update(332, **args)
    assert json.loads(fake.requests[0].content) == body
    assert fake.invoices[332].updates == 0


def test_payabli_fake_keeps_its_upload_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client whose limit were too high sends a file over 30 MB of base64; the fake still refuses it."""
    import invoicekit.payabli._client as client_module

    monkeypatch.setattr(client_module, "MAX_UPLOAD_BASE64", 10**9)
    monkeypatch.setattr(client_module, "MAX_ATTACHMENT_BYTES", 10**9)
    fake = FakePayabli()
    fake.add_invoice(332)
    big = b"%PDF-1.7\n" + b"\0" * (22_500_003 - 9)  # 30,000,004 characters of base64
    with fake.client(retry=FAST) as client, pytest.raises(invoicekit.BadRequestError, match="30 MB"):
        client.invoices.update(332, invoice_data=payabli.BillData(attachments=[big]))
    assert fake.invoices[332].attachments == []


@pytest.mark.parametrize("enum_field", ["frequency", "payment_terms"])
def test_payabli_fake_keeps_its_enums(enum_field: str) -> None:
    """The fake's enum lists are Payabli's documented ones, equal to today's client enums but not them."""
    from invoicekit.testing import _payabli as fake_module

    mine = {"frequency": fake_module.FREQUENCIES, "payment_terms": fake_module.PAYMENT_TERMS}[enum_field]
    values: set[str] = {m.value for m in payabli.Frequency}
    if enum_field == "payment_terms":
        values = {m.value for m in payabli.PaymentTerms}
    assert mine == values  # the two statements of Payabli's docs agree today; neither is made of the other
    assert isinstance(mine, frozenset)


def test_salesbricks_fake_replays_a_5xx_that_reached_it_under_the_same_key() -> None:
    """Salesbricks stores the first answer per key, 500s that reached it included [DOC]: a retry under the
    key gets the same 500 (nothing applied, nothing sent to the customer); a fresh key is applied.
    """
    fake = FakeSalesbricks()
    invoice = fake.add_invoice()
    fake.crash_next(500)
    with fake.client(retry=FAST) as client:
        # a send ending on a 5xx may have emailed the customer: the client says so, with the key to resend
        with pytest.raises(invoicekit.OutcomeUnknownError) as caught:
            client.invoices.update(invoice.invoice_id, send_invoice=True, idempotency_key="op-1")
        assert (caught.value.status_code, caught.value.idempotency_key) == (500, "op-1")
        assert (invoice.times_sent, invoice.updates) == (0, 0)
        assert fake.replays == len(fake.requests) - 1 >= 1  # every retry under op-1 was a replay
        client.invoices.update(invoice.invoice_id, send_invoice=True, idempotency_key="op-2")
    assert (invoice.times_sent, invoice.updates) == (1, 1)


def test_salesbricks_fake_refuses_the_same_key_with_another_payload() -> None:
    fake = FakeSalesbricks()
    invoice = fake.add_invoice()
    with fake.client(retry=FAST) as client:
        client.invoices.update(invoice.invoice_id, invoice_memo="a", idempotency_key="op-1")
        with pytest.raises(invoicekit.BadRequestError, match="different request payload"):
            client.invoices.update(invoice.invoice_id, invoice_memo="b", idempotency_key="op-1")
    assert invoice.invoice_memo == "a"
