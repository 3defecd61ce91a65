"""One change, any provider: InvoiceChange, invoices.apply / invoices.plan and the capability table.

Every wire claim is checked by parsing the bytes that reached the fake with an independent parser:
Werkzeug for multipart, tests/phpform.py (PHP's parse_str) for WHMCS forms, json for JSON.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.formparser import parse_form_data

import invoicekit
from invoicekit import UNSET, ExternalId, File, InvoiceChange, ValidationError, invoro, payabli
from invoicekit._capabilities import FIELDS, PROVIDERS, TABLES, grid, page, with_grid
from invoicekit.testing import FakeInvoro, FakePayabli, FakeProvider, FakeSalesbricks, FakeUpflow, FakeWhmcs
from phpform import parse_str

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\nanother one\n%%EOF\n"
DOCS = Path(__file__).resolve().parents[2] / "docs"
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
SB_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
DUE, ISSUED = dt.date(2026, 1, 31), dt.date(2026, 1, 1)
FULL = InvoiceChange(
    due_date=DUE,
    issue_date=ISSUED,
    memo="Paid by wire",
    po_number="PO-778",
    pdf=File(PDF, filename="inv-42.pdf"),
    customer_emails=["ap@customer.example"],
)
BASE = invoro.DraftInvoice(
    header=invoro.Header(invoice_number="INV-1", currency="EUR", notes=["old note"]),
    attachments=[
        invoro.Attachment(content=File(OTHER_PDF, filename="old.pdf")),
        invoro.Attachment(content=b"plain text", mime_type="text/plain", filename="terms.txt"),
    ],
)


# -- the world: a fake per provider, its invoice, and how each client is made ---------------------------


class World:
    """One provider's fake, seeded with one invoice, and the arguments apply takes for it."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.fake: FakeProvider
        self.invoice: Any
        self.kwargs: dict[str, Any] = {}
        if provider == "upflow":
            up = FakeUpflow()
            up.add_invoice("inv_8f3a", external_id="ERP-42")
            self.fake, self.invoice = up, ExternalId("ERP-42")
        elif provider == "salesbricks":
            sb = FakeSalesbricks()
            sb.add_invoice(SB_ID, attachments=["old.pdf"])
            self.fake, self.invoice = sb, SB_ID
        elif provider == "payabli":
            pb = FakePayabli()
            pb.add_invoice(1001, invoice_status=1, invoice_data={"invoiceAmount": 100})
            self.fake, self.invoice = pb, 1001
        elif provider == "invoro":
            ir = FakeInvoro()
            ir.add_invoice(INVORO_ID)
            self.fake, self.invoice = ir, INVORO_ID
            self.kwargs = {"base": BASE}
        else:
            wh = FakeWhmcs()
            wh.add_invoice(42)
            self.fake, self.invoice = wh, 42

    def client(self) -> Any:
        return self.fake.client()  # type: ignore[attr-defined]

    def async_client(self) -> Any:
        return self.fake.async_client()  # type: ignore[attr-defined]

    def apply(self, change: InvoiceChange, **kw: Any) -> Any:
        with self.client() as client:
            return client.invoices.apply(self.invoice, change, **{**self.kwargs, **kw})

    def plan(self, change: InvoiceChange, **kw: Any) -> Any:
        with self.client() as client:
            return client.invoices.plan(self.invoice, change, **{**self.kwargs, **kw})

    def last(self) -> httpx.Request:
        assert len(self.fake.requests) >= 1
        return self.fake.requests[-1]


def cells(settable: bool | None = None, clearable: bool | None = None) -> Iterator[tuple[str, str]]:
    for provider in PROVIDERS:
        for field in FIELDS:
            cell = TABLES[provider].cells[field]
            if settable is not None and cell.settable != settable:
                continue
            if clearable is not None and (cell.settable and cell.clearable) != clearable:
                continue
            yield provider, field


SAMPLE: dict[str, Any] = {
    "due_date": DUE,
    "issue_date": ISSUED,
    "memo": "Paid by wire",
    "po_number": "PO-778",
    "pdf": PDF,
    "customer_emails": ["ap@customer.example"],
}


# -- independent readings of a request ----------------------------------------------------------------


def multipart(request: httpx.Request) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, bytes]]]:
    """(text parts, file parts) as Werkzeug reads them, in order."""
    body = request.content
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": request.headers["content-type"],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, form, files = parse_form_data(environ)
    texts = [(k, v) for k, vs in form.lists() for v in vs]
    parts = []
    for name, stored in files.lists():
        for f in stored:
            parts.append((name, f.filename or "", f.mimetype, f.read()))
            f.close()
    return texts, parts


def reading(request: httpx.Request) -> Any:
    """The body as its content type's own parser reads it."""
    kind = request.headers.get("content-type", "").split(";")[0]
    if kind == "application/json":
        return json.loads(request.content)
    if kind == "multipart/form-data":
        return multipart(request)
    if kind == "application/x-www-form-urlencoded":
        return parse_str(request.content)
    raise AssertionError(kind)


KEY_HEADER = "x-salesbricks-idempotent-operation-key"


def same_request(a: httpx.Request, b: httpx.Request) -> None:
    assert (a.method, str(a.url)) == (b.method, str(b.url))
    # a generated idempotency key is new for each call: present on both, a UUID each, else equal
    assert (KEY_HEADER in a.headers) == (KEY_HEADER in b.headers)
    for r in (a, b):
        if KEY_HEADER in r.headers:
            uuid.UUID(r.headers[KEY_HEADER])
    drop = {"content-type", KEY_HEADER}
    assert {k: v for k, v in a.headers.items() if k not in drop} == {
        k: v for k, v in b.headers.items() if k not in drop
    }
    assert a.headers["content-type"].split(";")[0] == b.headers["content-type"].split(";")[0]
    assert reading(a) == reading(b)


def leaf_paths(value: Any, path: str = "") -> list[str]:
    """Every leaf of parsed JSON as ``a.b[0].c`` (an empty object or list is a leaf)."""
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in leaf_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list) and value:
        return [p for i, v in enumerate(value) for p in leaf_paths(v, f"{path}[{i}]")]
    return [path]


def php_names(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in php_names(v, f"{prefix}[{k}]" if prefix else str(k))]
    return [prefix]


def field_names(request: httpx.Request) -> list[str]:
    read = reading(request)
    kind = request.headers["content-type"].split(";")[0]
    if kind == "application/json":
        return leaf_paths(read)
    if kind == "multipart/form-data":
        return [k for k, _ in read[0]] + [k for k, *_ in read[1]]
    return php_names(read)


# -- the native request equals the unified one ---------------------------------------------------------


def native_and_unified(provider: str) -> tuple[Callable[[Any], Any], InvoiceChange, dict[str, Any]]:
    """Per provider: the native call for an edit, and the same edit as an InvoiceChange (+ apply args)."""
    pdf = File(PDF, filename="inv-42.pdf")
    if provider == "upflow":
        return (
            lambda c: c.invoices.upload_pdf(ExternalId("ERP-42"), pdf, encoding="base64"),
            InvoiceChange(pdf=pdf),
            {"extra": {"encoding": "base64"}},
        )
    if provider == "salesbricks":
        return (
            lambda c: c.invoices.update(
                SB_ID,
                due_at=DUE,
                invoice_memo="Paid by wire",
                purchase_order="PO-778",
                accounts_payable_emails=["ap@customer.example"],
                pdf_attachments=[pdf],
                reason_for_updating="unified",
            ),
            InvoiceChange(
                due_date=DUE,
                memo="Paid by wire",
                po_number="PO-778",
                pdf=pdf,
                customer_emails=["ap@customer.example"],
            ),
            {"extra": {"reason_for_updating": "unified"}},
        )
    if provider == "payabli":
        return (
            lambda c: c.invoices.update(
                1001,
                invoice_data=payabli.BillData(
                    invoice_due_date=DUE,
                    invoice_date=ISSUED,
                    notes="Paid by wire",
                    purchase_order="PO-778",
                    attachments=[pdf],
                    invoice_amount=120,
                ),
                customer_data=payabli.PayorData(billing_email="ap@customer.example"),
            ),
            FULL,
            {"extra": {"invoice_data": payabli.BillData(invoice_amount=120)}},
        )
    if provider == "invoro":
        header = invoro.Header(
            invoice_number="INV-1", currency="EUR", notes=["Paid by wire"], due_date=DUE, issue_date=ISSUED
        )
        draft = invoro.DraftInvoice(
            header=header,
            attachments=[BASE.attachments[1], invoro.Attachment(content=pdf)],  # type: ignore[index]
        )
        return (
            lambda c: c.invoices.update_draft(INVORO_ID, draft, calculate_totals=True),
            InvoiceChange(due_date=DUE, issue_date=ISSUED, memo="Paid by wire", pdf=pdf),
            {"base": BASE, "extra": {"calculate_totals": True}},
        )
    return (
        lambda c: c.invoices.update(42, due_date=DUE, date=ISSUED, notes="Paid by wire", status="Unpaid"),
        InvoiceChange(due_date=DUE, issue_date=ISSUED, memo="Paid by wire"),
        {"extra": {"status": "Unpaid"}},
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_apply_sends_what_the_native_method_sends(provider: str) -> None:
    native, change, kwargs = native_and_unified(provider)
    world = World(provider)
    with world.client() as client:
        native(client)
        applied = client.invoices.apply(world.invoice, change, **kwargs)
    first, second = world.fake.requests
    same_request(first, second)
    assert applied.provider == provider
    assert applied.applied == tuple(change.given())
    assert applied.skipped == ()
    assert applied.calls == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_apply_returns_the_native_result(provider: str) -> None:
    native, change, kwargs = native_and_unified(provider)
    world = World(provider)
    with world.client() as client:
        expected = native(client)
        got = client.invoices.apply(world.invoice, change, **kwargs).result
    assert type(got) is type(expected)
    if provider == "invoro":  # the stored invoice's timestamps move; the rest must match
        assert got.document == expected.document
    elif provider == "salesbricks":  # fresh attachment ids and URL signatures each time
        assert got.invoice_id == expected.invoice_id
        assert [a.file_name for a in got.attachments] == [a.file_name for a in expected.attachments]
    else:
        assert got == expected


def test_payabli_request_on_the_wire() -> None:
    """The whole JSON body of a full change, key by key."""
    world = World("payabli")
    world.apply(FULL)
    body = json.loads(world.last().content)
    assert body == {
        "customerData": {"billingEmail": "ap@customer.example"},
        "invoiceData": {
            "attachments": [
                {
                    "fContent": __import__("base64").b64encode(PDF).decode(),
                    "filename": "inv-42.pdf",
                    "ftype": "pdf",
                }
            ],
            "invoiceDate": "2026-01-01",
            "invoiceDueDate": "2026-01-31",
            "notes": "Paid by wire",
            "purchaseOrder": "PO-778",
        },
    }
    assert world.last().method == "PUT"
    assert str(world.last().url).endswith("/Invoice/1001")


def test_salesbricks_request_on_the_wire() -> None:
    world = World("salesbricks")
    world.apply(InvoiceChange(due_date=DUE, memo="m", po_number="PO-1", pdf=File(PDF, filename="a.pdf")))
    texts, files = multipart(world.last())
    assert texts == [("due_at", "2026-01-31"), ("purchase_order", '{"code":"PO-1"}'), ("invoice_memo", "m")]
    assert files == [("pdf_attachments", "a.pdf", "application/pdf", PDF)]
    assert world.last().method == "PATCH"
    # no pdf_attachments_config: the upload replaces the invoice-level attachments
    stored = world.fake.invoices[SB_ID]  # type: ignore[attr-defined]
    assert [a.file_name for a in stored.attachments] == ["a.pdf"]


def test_whmcs_request_on_the_wire() -> None:
    world = World("whmcs")
    world.apply(InvoiceChange(due_date=DUE, issue_date=ISSUED, memo="Paid"))
    form = parse_str(world.last().content)
    assert {k: form[k] for k in ("action", "invoiceid", "duedate", "date", "notes", "responsetype")} == {
        "action": "UpdateInvoice",
        "invoiceid": "42",
        "duedate": "2026-01-31",
        "date": "2026-01-01",
        "notes": "Paid",
        "responsetype": "json",
    }


def test_invoro_applies_onto_base_and_replaces_only_pdf_attachments() -> None:
    world = World("invoro")
    world.apply(InvoiceChange(memo="new", pdf=File(PDF, filename="inv.pdf")))
    body = json.loads(world.last().content)
    assert body["header"] == {"invoice_number": "INV-1", "currency": "EUR", "notes": ["new"]}
    names = [(a["filename"], a["mime_type"]) for a in body["attachments"]]
    assert names == [("terms.txt", "text/plain"), ("inv.pdf", "application/pdf")]


def test_invoro_without_base_is_refused_before_sending() -> None:
    world = World("invoro")
    with world.client() as client, pytest.raises(ValidationError) as caught:
        client.invoices.apply(INVORO_ID, InvoiceChange(memo="x"))
    assert caught.value.field == "base"
    assert "replaces the whole draft" in caught.value.rule
    assert world.fake.requests == []


def test_upflow_pdf_upload_multipart_on_the_wire() -> None:
    world = World("upflow")
    world.apply(InvoiceChange(pdf=File(PDF, filename="x.pdf")))
    assert str(world.last().url) == "https://api.upflow.io/v1/invoices/external:ERP-42/pdf"
    assert multipart(world.last()) == ([], [("file", "x.pdf", "application/pdf", PDF)])


# -- strict by default ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "field"), list(cells(settable=False)))
def test_every_unsupported_cell_raises_and_sends_nothing(provider: str, field: str) -> None:
    world = World(provider)
    with pytest.raises(ValidationError) as caught:
        world.apply(InvoiceChange(**{field: SAMPLE[field]}))
    assert caught.value.field == field
    assert "cannot set" in caught.value.rule
    assert world.fake.requests == []


@pytest.mark.parametrize(("provider", "field"), list(cells(settable=True, clearable=False)))
def test_every_unclearable_cell_refuses_none_and_sends_nothing(provider: str, field: str) -> None:
    world = World(provider)
    with pytest.raises(ValidationError) as caught:
        world.apply(InvoiceChange(**{field: None}))
    assert caught.value.field == field
    assert "cannot clear" in caught.value.rule
    assert world.fake.requests == []


@pytest.mark.parametrize("provider", sorted({p for p, _ in cells(settable=False)}))
def test_the_error_lists_every_unsupported_field(provider: str) -> None:
    world = World(provider)
    refused = [f for f in FIELDS if not TABLES[provider].cells[f].settable]
    with pytest.raises(ValidationError) as caught:
        world.apply(FULL)
    assert caught.value.field == ", ".join(refused)
    for name in refused:
        assert f"{name}: " in caught.value.rule
    assert world.fake.requests == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_skip_applies_the_rest_and_says_what_was_skipped(provider: str) -> None:
    world = World(provider)
    applied = world.apply(FULL, on_unsupported="skip")
    table = TABLES[provider].cells
    assert applied.skipped == tuple(f for f in FIELDS if not table[f].settable)
    assert applied.applied == tuple(f for f in FIELDS if table[f].settable)
    assert len(world.fake.requests) == 1


def test_skip_with_nothing_left_raises() -> None:
    world = World("whmcs")
    with pytest.raises(ValidationError) as caught:
        world.apply(InvoiceChange(po_number="PO-1", pdf=PDF), on_unsupported="skip")
    assert caught.value.field == "change"
    assert "po_number, pdf skipped" in caught.value.rule
    assert world.fake.requests == []


def test_an_empty_change_raises() -> None:
    world = World("payabli")
    with pytest.raises(ValidationError, match="nothing to apply"):
        world.apply(InvoiceChange())
    assert world.fake.requests == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"on_unsupported": "ignore"}, "on_unsupported"),
        ({"extra": {"nope": 1}}, "extra['nope']"),
        ({"extra": ["reason_for_updating"]}, "extra"),
        ({"extra": {"invoice_memo": "twice"}}, "extra['invoice_memo']"),
    ],
)
def test_bad_apply_arguments_send_nothing(kwargs: dict[str, Any], field: str) -> None:
    world = World("salesbricks")
    with pytest.raises(ValidationError) as caught:
        world.apply(InvoiceChange(memo="once"), **kwargs)
    assert caught.value.field == field
    assert world.fake.requests == []


def test_extra_model_fields_merge_but_never_override() -> None:
    world = World("payabli")
    with pytest.raises(ValidationError) as caught:
        world.apply(InvoiceChange(memo="a"), extra={"invoice_data": payabli.BillData(notes="b")})
    assert caught.value.field == "extra['invoice_data'].notes"
    assert world.fake.requests == []


def test_extra_is_checked_by_the_native_builder() -> None:
    world = World("whmcs")
    with pytest.raises(ValidationError) as caught:
        world.apply(InvoiceChange(memo="a"), extra={"status": "Sideways"})
    assert caught.value.field == "status"
    assert world.fake.requests == []


def test_payabli_takes_one_billing_email() -> None:
    world = World("payabli")
    with pytest.raises(ValidationError) as caught:
        world.apply(InvoiceChange(customer_emails=["a@x.example", "b@x.example"]))
    assert caught.value.field == "customer_emails"
    assert world.fake.requests == []


def test_not_a_change_is_refused() -> None:
    world = World("upflow")
    with world.client() as client, pytest.raises(ValidationError) as caught:
        client.invoices.apply(world.invoice, {"pdf": PDF})
    assert caught.value.field == "change"


# -- clearing, per cell --------------------------------------------------------------------------------


def _cleared(provider: str, field: str, request: httpx.Request) -> Any:
    """What the wire says for a cleared *field*, read back independently."""
    read = reading(request)
    if provider == "salesbricks":
        return read[0]
    if provider == "payabli":
        return read
    if provider == "invoro":
        return read.get("header"), [a["filename"] for a in read.get("attachments", [])]
    return {k: v for k, v in read.items() if k in ("notes",)}


CLEARED: dict[tuple[str, str], Any] = {
    ("salesbricks", "memo"): [("invoice_memo", "")],
    ("salesbricks", "po_number"): [("purchase_order", "{}")],
    ("salesbricks", "customer_emails"): [("accounts_payable_emails", "[]")],
    ("payabli", "due_date"): {"invoiceData": {"invoiceDueDate": None}},
    ("payabli", "issue_date"): {"invoiceData": {"invoiceDate": None}},
    ("payabli", "memo"): {"invoiceData": {"notes": None}},
    ("payabli", "po_number"): {"invoiceData": {"purchaseOrder": None}},
    ("payabli", "customer_emails"): {"customerData": {"billingEmail": None}},
    ("invoro", "due_date"): (
        {"invoice_number": "INV-1", "currency": "EUR", "notes": ["old note"], "due_date": None},
        ["old.pdf", "terms.txt"],
    ),
    ("invoro", "issue_date"): (
        {"invoice_number": "INV-1", "currency": "EUR", "notes": ["old note"], "issue_date": None},
        ["old.pdf", "terms.txt"],
    ),
    ("invoro", "memo"): (
        {"invoice_number": "INV-1", "currency": "EUR", "notes": None},
        ["old.pdf", "terms.txt"],
    ),
    ("invoro", "pdf"): ({"invoice_number": "INV-1", "currency": "EUR", "notes": ["old note"]}, ["terms.txt"]),
    ("whmcs", "memo"): {"notes": ""},
}


def test_the_clear_table_covers_every_clearable_cell() -> None:
    assert set(CLEARED) == set(cells(settable=True, clearable=True))


@pytest.mark.parametrize(("provider", "field"), sorted(CLEARED))
def test_none_clears_as_the_table_says(provider: str, field: str) -> None:
    world = World(provider)
    applied = world.apply(InvoiceChange(**{field: None}))
    assert applied.applied == (field,)
    assert _cleared(provider, field, world.last()) == CLEARED[provider, field]


# -- sync = async ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_async_twins_have_the_same_signatures(provider: str) -> None:
    module = __import__(f"invoicekit.{provider}._client", fromlist=["Invoices"])
    for name in ("apply", "plan"):
        sync, asyn = getattr(module.Invoices, name), getattr(module.AsyncInvoices, name)
        assert inspect.signature(sync) == inspect.signature(asyn)
        assert inspect.iscoroutinefunction(asyn)
        assert not inspect.iscoroutinefunction(sync)


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_async_sends_what_sync_sends(provider: str) -> None:
    sync_world, async_world = World(provider), World(provider)
    change = InvoiceChange(
        **{f: SAMPLE[f] for f in FIELDS if TABLES[provider].cells[f].settable and f != "customer_emails"}
    )
    sync_applied = sync_world.apply(change)
    async with async_world.async_client() as client:
        async_applied = await client.invoices.apply(async_world.invoice, change, **async_world.kwargs)
        planned = await client.invoices.plan(async_world.invoice, change, **async_world.kwargs)
    same_request(sync_world.last(), async_world.last())
    assert (sync_applied.applied, sync_applied.skipped) == (async_applied.applied, async_applied.skipped)
    assert planned == sync_world.plan(change)


# -- plan ------------------------------------------------------------------------------------------------


def check_plan_matches(plan: Any, request: httpx.Request, secrets: set[str]) -> None:
    (planned,) = plan.requests
    assert (planned.method, planned.url) == (request.method, str(request.url))
    shown = dict(planned.headers)
    assert shown.keys() == set(request.headers.keys())
    for name, value in request.headers.items():
        if name in secrets:
            assert shown[name] in ("***", "Bearer ***")
        elif name == "content-type":
            assert shown[name].split(";")[0] == value.split(";")[0]
        elif name == KEY_HEADER:  # generated per call unless the caller names it
            assert shown[name] == "<new for each call>"
            uuid.UUID(value)
        else:
            assert shown[name] == value
    assert planned.content_type == request.headers["content-type"].split(";")[0]
    assert planned.size == len(request.content)
    assert list(planned.fields) == field_names(request)


SECRET_HEADERS = {
    "upflow": {"x-api-key", "x-api-secret"},
    "salesbricks": {"x-salesbricks-key"},
    "payabli": {"requesttoken"},
    "invoro": {"authorization"},
    "whmcs": set(),
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_plan_shows_the_request_apply_sends_and_sends_nothing(provider: str) -> None:
    world = World(provider)
    plan = world.plan(FULL, on_unsupported="skip")
    assert world.fake.requests == []
    applied = world.apply(FULL, on_unsupported="skip")
    check_plan_matches(plan, world.last(), SECRET_HEADERS[provider])
    assert (plan.applied, plan.skipped) == (applied.applied, applied.skipped)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_plan_never_shows_a_secret(provider: str) -> None:
    world = World(provider)
    plan = world.plan(FULL, on_unsupported="skip")
    shown = repr(plan) + plan._repr_html_() + str(plan.requests)
    credentials = _credentials(world)
    assert credentials
    for value in credentials:
        assert value not in shown


def _credentials(world: World) -> list[str]:
    with world.client() as client:
        return [s.reveal() for s in client._auth.secrets()]


def test_plan_repr_is_readable() -> None:
    plan = World("salesbricks").plan(InvoiceChange(memo="m", pdf=File(PDF, filename="a.pdf")))
    text = repr(plan)
    assert text.splitlines()[0] == "Plan(salesbricks: applies memo, pdf)"
    assert f"PATCH https://api.salesbricks.com/api/v2/invoices/{SB_ID}  (idempotent-with-key)" in text
    assert "x-salesbricks-key: ***" in text
    assert "fields: invoice_memo, pdf_attachments" in text
    assert "file: pdf_attachments: a.pdf (application/pdf, 77 bytes)" in text
    assert "<table>" in plan._repr_html_()


# -- hypothesis: raise with nothing sent, or send exactly what plan showed --------------------------------

_values: dict[str, st.SearchStrategy[Any]] = {
    "due_date": st.dates(),
    "issue_date": st.dates(),
    "memo": st.text(min_size=1, max_size=30),
    "po_number": st.text(min_size=1, max_size=30),
    "pdf": st.sampled_from([PDF, OTHER_PDF, b"not a pdf"]),
    "customer_emails": st.lists(st.sampled_from(["a@x.example", "b@y.example"]), min_size=1, max_size=2),
}
changes = st.fixed_dictionaries(
    {}, optional={f: st.one_of(st.just(UNSET), st.none(), s) for f, s in _values.items()}
)


def _build(fields: dict[str, Any]) -> InvoiceChange | None:
    try:
        return InvoiceChange(**fields)
    except ValidationError:
        return None


@settings(max_examples=60)
@given(
    provider=st.sampled_from(PROVIDERS),
    fields=changes,
    skip=st.booleans(),
)
@example(provider="payabli", fields={"customer_emails": ["a@x.example", "b@y.example"]}, skip=False)
@example(provider="whmcs", fields={"due_date": None, "memo": "x"}, skip=True)
@example(provider="salesbricks", fields={"memo": "\0"}, skip=False)
@example(provider="invoro", fields={"pdf": None, "po_number": "x"}, skip=True)
def test_any_change_raises_with_nothing_sent_or_sends_what_plan_showed(
    provider: str, fields: dict[str, Any], skip: bool
) -> None:
    change = _build(fields)
    if change is None:  # refused at construction: provider-independent, nothing to send
        return
    world = World(provider)
    mode = "skip" if skip else "raise"
    try:
        plan = world.plan(change, on_unsupported=mode)
    except ValidationError:
        plan = None
    try:
        world.apply(change, on_unsupported=mode)
    except ValidationError:
        assert plan is None
        assert world.fake.requests == []
        return
    assert plan is not None
    assert len(world.fake.requests) == len(plan.requests) == 1
    check_plan_matches(plan, world.last(), SECRET_HEADERS[provider])


# -- InvoiceChange itself --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"due_date": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}, "due_date"),
        ({"issue_date": "2026-01-01"}, "issue_date"),
        ({"memo": 12}, "memo"),
        ({"memo": ""}, "memo"),
        ({"po_number": " "}, "po_number"),
        ({"pdf": 3}, "pdf"),
        ({"customer_emails": "a@x.example"}, "customer_emails"),
        ({"customer_emails": []}, "customer_emails"),
        ({"customer_emails": ["not an address"]}, "customer_emails[0]"),
    ],
)
def test_change_checks_types_at_construction(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        InvoiceChange(**kwargs)
    assert caught.value.field == field


def test_change_defaults_unset_and_repr_shows_what_is_set() -> None:
    change = InvoiceChange(memo=None, customer_emails=["a@x.example"])
    assert change.due_date is UNSET
    assert change.given() == {"memo": None, "customer_emails": ("a@x.example",)}
    assert repr(change) == "InvoiceChange(memo=None, customer_emails=('a@x.example',))"
    assert InvoiceChange(pdf=PDF).pdf.source == PDF  # type: ignore[union-attr]
    with pytest.raises(AttributeError):
        change.memo = "x"  # type: ignore[misc]


def test_public_names() -> None:
    assert invoicekit.InvoiceChange is InvoiceChange
    assert "InvoiceChange" in invoicekit.__all__
    assert "capabilities" in invoicekit.__all__


# -- the capability table: data, docs, and the native signatures ----------------------------------------


def test_capabilities_page_is_generated_from_the_data() -> None:
    assert (DOCS / "capabilities.md").read_text(encoding="utf-8") == page(), (
        "run: python -m invoicekit._capabilities docs"
    )


def test_unified_page_grid_is_generated_from_the_data() -> None:
    text = (DOCS / "unified.md").read_text(encoding="utf-8")
    assert with_grid(text) == text, "run: python -m invoicekit._capabilities docs"
    assert grid() in text


def test_capabilities_object() -> None:
    caps = invoicekit.capabilities()
    assert list(caps) == list(PROVIDERS)
    assert caps["payabli"]["pdf"].support == "set"
    assert caps["invoro"]["pdf"].support == "set + clear"
    assert caps["whmcs"]["pdf"].support == "not supported"
    assert repr(caps) == grid()
    html = caps._repr_html_()
    assert html.count("<tr>") == len(FIELDS) + 1
    assert "title=" in html


@pytest.mark.parametrize("provider", PROVIDERS)
def test_extra_lists_exactly_the_native_keyword_arguments(provider: str) -> None:
    module = __import__(f"invoicekit.{provider}._client", fromlist=["Invoices"])
    table = TABLES[provider]
    native = getattr(module.Invoices, table.native.split(".")[1])
    keywords = [p.name for p in inspect.signature(native).parameters.values() if p.kind is p.KEYWORD_ONLY]
    # extra_headers is apply's own keyword (every operation has it), not a native argument to merge
    assert [*table.extra, "extra_headers"] == keywords


@pytest.mark.parametrize("provider", PROVIDERS)
def test_targets_are_native_arguments(provider: str) -> None:
    """Each target names an argument of the native method (Invoro's: a part of the DraftInvoice)."""
    module = __import__(f"invoicekit.{provider}._client", fromlist=["Invoices"])
    table = TABLES[provider]
    native = inspect.signature(getattr(module.Invoices, table.native.split(".")[1])).parameters
    draft = {a.name for a in attrs.fields(invoro.DraftInvoice)}
    for field, cell in table.cells.items():
        if cell.target is not None:
            head = cell.target.split(".")[0]
            assert head in (draft if provider == "invoro" else native), field


def test_invoro_uuid_objects_work() -> None:
    world = World("invoro")
    with world.client() as client:
        applied = client.invoices.apply(uuid.UUID(INVORO_ID), InvoiceChange(memo="x"), base=BASE)
    assert applied.result.id == INVORO_ID
