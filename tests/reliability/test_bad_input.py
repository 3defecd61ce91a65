"""Bad input never reaches the network: a catalogue of invalid inputs across the five clients, each
raising ValidationError that names the field, with a transport that fails the test on any request.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import invoicekit
from invoicekit import ExternalId, invoro, payabli, salesbricks, whmcs
from support import PROVIDERS

from ._scenarios import PDF, NoNetwork

KINDS = ("sync", "async")
UUID = str(uuid.UUID(int=42))
NOW = dt.datetime(2024, 1, 1, 12, 0)
HTML = b"<!DOCTYPE html><html><title>Error</title></html>"


def make_client(provider: str, kind: str, transport: NoNetwork) -> Any:
    http: Any = (
        httpx.Client(transport=transport) if kind == "sync" else httpx.AsyncClient(transport=transport)
    )
    cls: Any = {
        "upflow": invoicekit.Upflow if kind == "sync" else invoicekit.AsyncUpflow,
        "salesbricks": invoicekit.Salesbricks if kind == "sync" else invoicekit.AsyncSalesbricks,
        "payabli": invoicekit.Payabli if kind == "sync" else invoicekit.AsyncPayabli,
        "invoro": invoicekit.Invoro if kind == "sync" else invoicekit.AsyncInvoro,
        "whmcs": invoicekit.Whmcs if kind == "sync" else invoicekit.AsyncWhmcs,
    }[provider]
    if provider == "upflow":
        return cls(api_key="key-12345678", api_secret="secret-12345678", http_client=http)
    if provider == "whmcs":
        return cls(
            url="https://billing.example.com", identifier="ident-1234", secret="s3cret-1234", http_client=http
        )
    if provider == "payabli":
        return cls(api_key="token-12345678", sandbox=True, http_client=http)
    return cls(api_key="key-12345678", http_client=http)


Op = Callable[..., Any]
Row = tuple[str, str, Op, str]  # provider, label, operation on a client, the field it must name
ROWS: list[Row] = []


def row(provider: str, label: str, field: str) -> Callable[[Op], Op]:
    def add(op: Op) -> Op:
        ROWS.append((provider, label, op, field))
        return op

    return add


def add(provider: str, label: str, field: str, op: Op) -> None:
    ROWS.append((provider, label, op, field))


BAD_INT_IDS: list[Any] = [
    0,
    -1,
    -(2**63),
    2**63,
    2**64,
    True,
    False,
    "1",
    "abc",
    1.0,
    Decimal(1),
    None,
    b"1",
    [1],
]
BAD_TEXT_IDS: list[Any] = [
    "",
    " ",
    "\t",
    ".",
    "..",
    "a\r\nb",
    "a\nb",
    "a\0b",
    "x" * 2049,
    123,
    None,
    b"abc",
    ["a"],
]
BAD_UUIDS: list[Any] = [
    "",
    "not-a-uuid",
    "1234",
    "..",
    "/",
    UUID + "0",
    UUID[:-1],
    "g" * 32,
    123,
    None,
    b"x" * 16,
]
BAD_MONEY: list[Any] = [
    1.5,
    0.1,
    True,
    False,
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    Decimal("sNaN"),
    "10.00",
    [1],
]
BAD_DATES: list[Any] = [NOW, NOW.replace(tzinfo=dt.timezone.utc), "2024-01-01", 20240101, "0000-00-00", 1.5]
BAD_BOOLS: list[Any] = ["true", "false", 1, 0, "", "False"]
BAD_EMAIL_LISTS: list[Any] = [
    ["no-at-sign"],
    ["a@b"],
    ["a b@c.com"],
    ["a@b.c"],
    [""],
    ["x@y.com", 1],
    ["x@y.com,z@y.com"],
    "x@y.com",
]
BAD_PDFS: list[Any] = [b"", b"hello", HTML, "/nonexistent/invoice.pdf", 12, None, 1.5]
BAD_KEYS: list[Any] = ["", " k", "k ", "k\u00e9y", "a" * 256, 5, "a\nb"]

bad: Any  # the loop variables below hold values of every type
field: Any

# -- upflow -------------------------------------------------------------------------------------------
for i, bad in enumerate([*BAD_TEXT_IDS, "external:", "external:   "]):
    add("upflow", f"invoice-{i}", "invoice", lambda c, bad=bad: c.invoices.upload_pdf(bad, PDF))
for i, bad in enumerate(["", "   ", "a\0b"]):
    add(
        "upflow",
        f"external-id-{i}",
        "external_id",
        lambda c, bad=bad: c.invoices.upload_pdf(ExternalId(bad), PDF),
    )
for i, bad in enumerate(BAD_PDFS):
    add("upflow", f"pdf-{i}", "pdf", lambda c, bad=bad: c.invoices.upload_pdf("inv_1", bad))
    add(
        "upflow",
        f"pdf-b64-{i}",
        "pdf",
        lambda c, bad=bad: c.invoices.upload_pdf("inv_1", bad, encoding="base64"),
    )
for i, bad in enumerate(["gzip", "", None, "MULTIPART", "json"]):
    add(
        "upflow",
        f"encoding-{i}",
        "encoding",
        lambda c, bad=bad: c.invoices.upload_pdf("inv_1", PDF, encoding=bad),
    )

# -- salesbricks --------------------------------------------------------------------------------------
for i, bad in enumerate(BAD_TEXT_IDS[:8] + BAD_TEXT_IDS[9:]):  # an overlong id is a legal (escaped) segment
    add(
        "salesbricks",
        f"invoice_id-{i}",
        "invoice_id",
        lambda c, bad=bad: c.invoices.update(bad, invoice_memo="m"),
    )
for i, bad in enumerate(BAD_DATES):
    add("salesbricks", f"due_at-{i}", "due_at", lambda c, bad=bad: c.invoices.update(UUID, due_at=bad))
for field, limit in (
    ("invoice_memo", 2000),
    ("company_name", 255),
    ("tax_id", 255),
    ("reason_for_updating", 500),
):
    for i, bad in enumerate(["x" * (limit + 1), 12, b"bytes", "a\0b"]):
        add(
            "salesbricks",
            f"{field}-{i}",
            field,
            lambda c, f=field, bad=bad: c.invoices.update(UUID, **{f: bad}),
        )
for field in ("persist_memo", "persist_purchase_order", "show_brick_descriptions", "send_invoice"):
    for i, bad in enumerate(BAD_BOOLS):
        add(
            "salesbricks",
            f"{field}-{i}",
            field,
            lambda c, f=field, bad=bad: c.invoices.update(UUID, **{f: bad}),
        )
for i, bad in enumerate(BAD_EMAIL_LISTS):
    field = "accounts_payable_emails" + ("" if isinstance(bad, str) else f"[{len(bad) - 1}]")
    add(
        "salesbricks",
        f"emails-{i}",
        field,
        lambda c, bad=bad: c.invoices.update(UUID, accounts_payable_emails=bad),
    )
for i, bad in enumerate(BAD_KEYS):
    add(
        "salesbricks",
        f"idempotency_key-{i}",
        "idempotency_key",
        lambda c, bad=bad: c.invoices.update(UUID, invoice_memo="m", idempotency_key=bad),
    )
for i, bad in enumerate(BAD_PDFS[:3]):
    add(
        "salesbricks",
        f"pdf_attachments-{i}",
        "pdf_attachments[0]",
        lambda c, bad=bad: c.invoices.update(UUID, pdf_attachments=[bad]),
    )
add("salesbricks", "nothing-to-change", "update", lambda c: c.invoices.update(UUID))
add("salesbricks", "tax_id-none", "tax_id", lambda c: c.invoices.update(UUID, tax_id=None))
add("salesbricks", "due_at-none", "due_at", lambda c: c.invoices.update(UUID, due_at=None))
add(
    "salesbricks",
    "keep-twice",
    "attachments[1]",
    lambda c: c.invoices.update(UUID, attachments=[salesbricks.Keep("a1"), salesbricks.Keep("a1")]),
)
add(
    "salesbricks",
    "attachments-object",
    "attachments[0]",
    lambda c: c.invoices.update(UUID, attachments=[object()]),
)

# -- payabli ------------------------------------------------------------------------------------------
for i, bad in enumerate(BAD_INT_IDS):
    add(
        "payabli",
        f"id_invoice-{i}",
        "id_invoice",
        lambda c, bad=bad: c.invoices.update(bad, invoice_data=payabli.BillData(notes="n")),
    )
for field in ("invoice_amount", "discount", "tax", "freight_amount", "duty_amount"):
    for i, bad in enumerate(BAD_MONEY):
        add(
            "payabli",
            f"{field}-{i}",
            f"invoice_data.{field}",
            lambda c, f=field, bad=bad: c.invoices.update(1, invoice_data=payabli.BillData(**{f: bad})),
        )
for i, bad in enumerate(BAD_MONEY):
    add(
        "payabli",
        f"item_cost-{i}",
        "invoice_data.items[0].item_cost",
        lambda c, bad=bad: c.invoices.update(
            1, invoice_data=payabli.BillData(items=[payabli.BillItem(item_cost=bad)])
        ),
    )
for field in ("invoice_date", "invoice_due_date"):
    for i, bad in enumerate(BAD_DATES):
        add(
            "payabli",
            f"{field}-{i}",
            f"invoice_data.{field}",
            lambda c, f=field, bad=bad: c.invoices.update(1, invoice_data=payabli.BillData(**{f: bad})),
        )
for i, bad in enumerate(["no-at", "a@b", "a b@c.com", "", 7]):
    add(
        "payabli",
        f"billing_email-{i}",
        "customer_data.billing_email",
        lambda c, bad=bad: c.invoices.update(1, customer_data=payabli.PayorData(billing_email=bad)),
    )
for i, bad in enumerate([-1, 2**31, True, "3", 1.0]):
    add(
        "payabli",
        f"invoice_status-{i}",
        "invoice_data.invoice_status",
        lambda c, bad=bad: c.invoices.update(1, invoice_data=payabli.BillData(invoice_status=bad)),
    )
for i, bad in enumerate(BAD_BOOLS):
    add(
        "payabli",
        f"force-{i}",
        "force_customer_creation",
        lambda c, bad=bad: c.invoices.update(1, force_customer_creation=bad),
    )
for i, bad in enumerate([{"invoiceNumber": "x"}, "x", 1, payabli.PayorData()]):
    add(
        "payabli",
        f"invoice_data-type-{i}",
        "invoice_data",
        lambda c, bad=bad: c.invoices.update(1, invoice_data=bad),
    )

# -- invoro -------------------------------------------------------------------------------------------
for i, bad in enumerate(BAD_UUIDS):
    add(
        "invoro",
        f"invoice_id-{i}",
        "invoice_id",
        lambda c, bad=bad: c.invoices.update_draft(
            bad, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
        ),
    )
for i, bad in enumerate([{}, None, "draft", invoro.Header()]):
    add("invoro", f"invoice-type-{i}", "invoice", lambda c, bad=bad: c.invoices.update_draft(UUID, bad))
for i, bad in enumerate(BAD_BOOLS):
    add(
        "invoro",
        f"calculate_totals-{i}",
        "calculate_totals",
        lambda c, bad=bad: c.invoices.update_draft(
            UUID, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), calculate_totals=bad
        ),
    )
for i, bad in enumerate(BAD_MONEY):
    add(
        "invoro",
        f"rounding_amount-{i}",
        "invoice.header.rounding_amount",
        lambda c, bad=bad: c.invoices.update_draft(
            UUID, invoro.DraftInvoice(header=invoro.Header(rounding_amount=bad))
        ),
    )
for i, bad in enumerate(["x" * 256, 5]):
    add(
        "invoro",
        f"invoice_number-{i}",
        "invoice.header.invoice_number",
        lambda c, bad=bad: c.invoices.update_draft(
            UUID, invoro.DraftInvoice(header=invoro.Header(invoice_number=bad))
        ),
    )
for i, bad in enumerate(["EURO", "E", 978]):
    add(
        "invoro",
        f"currency-{i}",
        "invoice.header.currency",
        lambda c, bad=bad: c.invoices.update_draft(
            UUID, invoro.DraftInvoice(header=invoro.Header(currency=bad))
        ),
    )

# -- whmcs --------------------------------------------------------------------------------------------
for i, bad in enumerate(BAD_INT_IDS):
    add("whmcs", f"invoice_id-{i}", "invoice_id", lambda c, bad=bad: c.invoices.update(bad, notes="n"))
for field in ("credit", "tax_rate", "tax_rate2"):
    for i, bad in enumerate([*BAD_MONEY, Decimal("-1"), None]):
        add("whmcs", f"{field}-{i}", field, lambda c, f=field, bad=bad: c.invoices.update(1, **{f: bad}))
add("whmcs", "credit-fraction-of-cent", "credit", lambda c: c.invoices.update(1, credit=Decimal("1.001")))
for field in ("date", "due_date", "date_paid"):
    for i, bad in enumerate([*BAD_DATES, None]):
        add("whmcs", f"{field}-{i}", field, lambda c, f=field, bad=bad: c.invoices.update(1, **{f: bad}))
for i, bad in enumerate(["Open", "", "paid", None, 1]):
    add("whmcs", f"status-{i}", "status", lambda c, bad=bad: c.invoices.update(1, status=bad))
for i, bad in enumerate(["", "   ", None, 5]):
    add(
        "whmcs",
        f"payment_method-{i}",
        "payment_method",
        lambda c, bad=bad: c.invoices.update(1, payment_method=bad),
    )
for i, bad in enumerate([5, b"x", "a\0b"]):
    add("whmcs", f"notes-{i}", "notes", lambda c, bad=bad: c.invoices.update(1, notes=bad))
for field in ("publish", "publish_and_send_email"):
    for i, bad in enumerate([*BAD_BOOLS, None]):
        add("whmcs", f"{field}-{i}", field, lambda c, f=field, bad=bad: c.invoices.update(1, **{f: bad}))
for i, bad in enumerate([*BAD_MONEY, Decimal("0.001")]):
    add(
        "whmcs",
        f"new_item_amount-{i}",
        "new_items[0].amount",
        lambda c, bad=bad: c.invoices.update(1, new_items=[whmcs.NewItem("d", bad, False)]),
    )
    add(
        "whmcs",
        f"item_amount-{i}",
        "items[7].amount",
        lambda c, bad=bad: c.invoices.update(1, items={7: whmcs.ItemChange("d", bad, False)}),
    )
for i, bad in enumerate(["x", [1], None, {"a": 1}]):
    field = "new_items[0]" if isinstance(bad, list) else "new_items"
    add("whmcs", f"new_items-{i}", field, lambda c, bad=bad: c.invoices.update(1, new_items=bad))
for i, bad in enumerate([[1, 1], [0], "1", None, [True]]):
    field = "delete_line_ids" + (f"[{0}]" if bad in ([0], [True]) else "")
    add("whmcs", f"delete_line_ids-{i}", field, lambda c, bad=bad: c.invoices.update(1, delete_line_ids=bad))
for i, (bad, field) in enumerate(
    [
        ({0: whmcs.ItemChange("d", 1, False)}, "items[0]"),
        ({"1": whmcs.ItemChange("d", 1, False)}, "items['1']"),
        ({1: "x"}, "items[1]"),
        ([], "items"),
        (None, "items"),
    ]
):
    add("whmcs", f"items-{i}", field, lambda c, bad=bad: c.invoices.update(1, items=bad))
add(
    "whmcs",
    "publish-both",
    "publish",
    lambda c: c.invoices.update(1, publish=True, publish_and_send_email=True),
)
add(
    "whmcs",
    "changed-and-deleted",
    "delete_line_ids",
    lambda c: c.invoices.update(1, items={3: whmcs.ItemChange("d", 1, False)}, delete_line_ids=[3]),
)


def _rows() -> Iterator[Any]:
    for provider, label, op, field in ROWS:
        yield pytest.param(provider, op, field, id=f"{provider}-{label}")


def test_catalogue_is_large_and_distinct() -> None:
    labels = [(provider, label) for provider, label, _, _ in ROWS]
    assert len(set(labels)) == len(labels)
    assert len(labels) >= 200
    assert {provider for provider, *_ in ROWS} == set(PROVIDERS)  # every provider of the registry


async def _expect_refused(provider: str, kind: str, op: Op, field: str) -> None:
    transport = NoNetwork()
    client = make_client(provider, kind, transport)

    async def attempt() -> None:
        result = op(client)
        if kind == "async":
            await result

    with pytest.raises(invoicekit.ValidationError) as caught:
        await attempt()
    assert caught.value.field == field, str(caught.value)
    assert transport.requests == []
    if kind == "sync":
        client.close()
    else:
        await client.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("provider", "op", "field"), list(_rows()))
async def test_bad_input_is_refused_before_sending(provider: str, op: Op, field: str, kind: str) -> None:
    await _expect_refused(provider, kind, op, field)


# -- generated ----------------------------------------------------------------------------------------

_not_int_id = st.one_of(
    st.integers(max_value=0),
    st.integers(min_value=2**63),
    st.booleans(),
    st.floats(),
    st.text(max_size=5),
    st.decimals(),
    st.none(),
)
_not_money = st.one_of(
    st.floats(),
    st.booleans(),
    st.text(max_size=5),
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")]),
)


@settings(max_examples=200)
@given(bad=_not_int_id, provider=st.sampled_from(["payabli", "whmcs"]))
def test_generated_int_ids(bad: Any, provider: str) -> None:
    transport = NoNetwork()

    def attempt(client: Any) -> None:
        if provider == "payabli":
            client.invoices.update(bad, invoice_data=payabli.BillData(notes="n"))
        else:
            client.invoices.update(bad, notes="n")

    with (
        make_client(provider, "sync", transport) as client,
        pytest.raises(invoicekit.ValidationError) as caught,
    ):
        attempt(client)
    assert caught.value.field in ("id_invoice", "invoice_id")
    assert transport.requests == []


@settings(max_examples=200)
@given(bad=_not_money, where=st.sampled_from(["payabli", "whmcs-credit", "whmcs-new-item", "invoro"]))
def test_generated_money(bad: Any, where: str) -> None:
    provider = where.split("-")[0]
    transport = NoNetwork()

    def attempt(client: Any) -> None:
        if where == "payabli":
            client.invoices.update(1, invoice_data=payabli.BillData(invoice_amount=bad))
        elif where == "whmcs-credit":
            client.invoices.update(1, credit=bad)
        elif where == "whmcs-new-item":
            client.invoices.update(1, new_items=[whmcs.NewItem("d", bad, False)])
        else:
            client.invoices.update_draft(UUID, invoro.DraftInvoice(header=invoro.Header(rounding_amount=bad)))

    with (
        make_client(provider, "sync", transport) as client,
        pytest.raises(invoicekit.ValidationError) as caught,
    ):
        attempt(client)
    assert caught.value.field in (
        "invoice_data.invoice_amount",
        "credit",
        "new_items[0].amount",
        "invoice.header.rounding_amount",
    )
    assert transport.requests == []


@settings(max_examples=200)
@given(
    field=st.sampled_from(["invoice_memo", "company_name", "tax_id", "reason_for_updating"]),
    extra=st.integers(min_value=1, max_value=3000),
    char=st.characters(exclude_categories=["Cs"], exclude_characters="\0"),
)
def test_generated_overlong_text(field: str, extra: int, char: str) -> None:
    limit = {"invoice_memo": 2000, "company_name": 255, "tax_id": 255, "reason_for_updating": 500}[field]
    transport = NoNetwork()
    with (
        make_client("salesbricks", "sync", transport) as client,
        pytest.raises(invoicekit.ValidationError) as caught,
    ):
        client.invoices.update(UUID, **{field: char * (limit + extra)})
    assert caught.value.field == field
    assert transport.requests == []
