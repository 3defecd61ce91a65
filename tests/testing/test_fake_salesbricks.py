"""FakeSalesbricks: accepts what the client sends, applies Salesbricks' semantics, and fails on request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from invoicekit import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OutcomeUnknownError,
    RetryPolicy,
    ValidationError,
)
from invoicekit.salesbricks import Add, InvoiceUpdateResult, Keep
from invoicekit.testing import FakeSalesbricks
from invoicekit.testing._salesbricks import Part, SalesbricksAttachment, parse_multipart

PDF_A = b"%PDF-1.7\r\nfirst\r\n--x\r\n%%EOF"
PDF_B = b"%PDF-1.4\n\x00\xffsecond\n%%EOF"
FAST = RetryPolicy(initial=0, jitter=False)
KINDS = ["sync", "async"]


@pytest.fixture
def fake() -> FakeSalesbricks:
    return FakeSalesbricks()


async def update(fake: FakeSalesbricks, kind: str, invoice_id: str, **kw: Any) -> InvoiceUpdateResult:
    options: dict[str, Any] = {"retry": FAST}
    if "api_key" in kw:
        options["api_key"] = kw.pop("api_key")
    if kind == "sync":
        with fake.client(**options) as client:
            return client.invoices.update(invoice_id, **kw)
    async with fake.async_client(**options) as aclient:
        return await aclient.invoices.update(invoice_id, **kw)


def raw_patch(fake: FakeSalesbricks, invoice_id: str, **kw: Any) -> httpx.Response:
    """A hand-made request, to see what the fake does with input the client would never send."""
    headers = {"X-SALESBRICKS-KEY": fake.api_key, **kw.pop("headers", {})}
    with httpx.Client(transport=fake.transport) as http:
        return http.patch(f"https://api.salesbricks.com/api/v2/invoices/{invoice_id}", headers=headers, **kw)


# -- the parser ----------------------------------------------------------------------------------------------


def test_parse_multipart_reads_a_hand_written_body() -> None:
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="company_name"\r\n\r\n'
        b"Acm\xc3\xa9\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="empty"\r\n\r\n'
        b"\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="pdf_attachments"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF_A + b"\r\n"
        b"--XyZ--\r\n"
    )
    assert parse_multipart("multipart/form-data; boundary=XyZ", body) == [
        Part("company_name", None, "text/plain", "Acmé".encode()),
        Part("empty", None, "text/plain", b""),
        Part("pdf_attachments", "a.pdf", "application/pdf", PDF_A),
    ]


@pytest.mark.parametrize(
    ("ctype", "body"),
    [
        ("application/x-www-form-urlencoded", b"a=1"),
        ("multipart/form-data", b"--x--"),
        ("multipart/form-data; boundary=XyZ", b"a=1"),
    ],
)
def test_parse_multipart_refuses_other_bodies(ctype: str, body: bytes) -> None:
    with pytest.raises(ValueError, match="multipart"):
        parse_multipart(ctype, body)


# -- end to end ----------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_every_field_end_to_end(kind: str, fake: FakeSalesbricks) -> None:
    terms = SalesbricksAttachment("terms.pdf", target="subscription")
    old = SalesbricksAttachment("old.pdf")
    invoice = fake.add_invoice(attachments=[terms, old], line_item_overrides={"li_0": "Kept"})
    result = await update(
        fake,
        kind,
        invoice.invoice_id,
        due_at=dt.date(2024, 7, 31),
        purchase_order="PO-778",
        persist_purchase_order=True,
        billing_address={"line1": "1 Main St", "city": "Springfield"},
        company_name="Acmé",
        accounts_payable_emails=["ap@acme.example", "cfo@acme.example"],
        invoice_memo="Net 30",
        persist_memo=True,
        line_item_overrides={"li_1": "Seats"},
        show_brick_descriptions=False,
        tax_id="FR40303265045",
        reason_for_updating="New PO",
        attachments=[
            Add(PDF_A, target="subscription"),
            Keep(terms.attachment_id, target="invoice"),
            Add(PDF_B),
        ],
    )
    assert invoice.due_at == dt.date(2024, 7, 31)
    assert invoice.purchase_order == "PO-778"
    assert invoice.billing_address == {"line1": "1 Main St", "city": "Springfield"}
    assert invoice.company_name == "Acmé"
    assert invoice.accounts_payable_emails == ["ap@acme.example", "cfo@acme.example"]
    assert invoice.invoice_memo == "Net 30"
    assert invoice.line_item_overrides == {"li_0": "Kept", "li_1": "Seats"}
    assert invoice.show_brick_descriptions is False
    assert invoice.tax_id == "FR40303265045"
    assert invoice.reasons == ["New PO"]
    assert invoice.subscription == {
        "billing_address": {"line1": "1 Main St", "city": "Springfield"},
        "company_name": "Acmé",
        "accounts_payable_emails": ["ap@acme.example", "cfo@acme.example"],
        "tax_id": "FR40303265045",
        "invoice_memo": "Net 30",
        "purchase_order": "PO-778",
    }
    assert invoice.times_sent == 0
    stored = invoice.attachments
    assert [(a.file_name, a.target, a.content) for a in stored] == [
        ("attachment-1.pdf", "subscription", PDF_A),
        ("terms.pdf", "invoice", terms.content),
        ("attachment-2.pdf", "invoice", PDF_B),
    ]
    assert stored[1].attachment_id == terms.attachment_id  # kept, not re-created; "old.pdf" is gone
    assert result.invoice_id == invoice.invoice_id
    assert [(a.attachment_id, a.target, a.file_name, a.created_at) for a in result.attachments] == [
        (a.attachment_id, a.target, a.file_name, a.created_at) for a in stored
    ]
    assert result.signed_pdf_url is not None
    assert invoice.invoice_id in result.signed_pdf_url


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_absent_is_no_change_and_none_clears(kind: str, fake: FakeSalesbricks) -> None:
    invoice = fake.add_invoice(
        company_name="Acme",
        invoice_memo="memo",
        purchase_order="PO-1",
        tax_id="T1",
        accounts_payable_emails=["ap@acme.example"],
        due_at=dt.date(2024, 1, 1),
        attachments=["a.pdf"],
    )
    await update(fake, kind, invoice.invoice_id, tax_id="T2")
    assert (invoice.company_name, invoice.invoice_memo, invoice.purchase_order) == ("Acme", "memo", "PO-1")
    assert (invoice.accounts_payable_emails, invoice.due_at) == (["ap@acme.example"], dt.date(2024, 1, 1))
    assert [a.file_name for a in invoice.attachments] == ["a.pdf"]
    assert invoice.tax_id == "T2"
    await update(
        fake,
        kind,
        invoice.invoice_id,
        company_name=None,
        invoice_memo=None,
        purchase_order=None,
        accounts_payable_emails=None,
    )
    assert (invoice.company_name, invoice.invoice_memo, invoice.purchase_order) == ("", "", None)
    assert invoice.accounts_payable_emails == []
    assert invoice.subscription["accounts_payable_emails"] == []
    assert invoice.updates == 2


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_pdf_attachments_replace_invoice_level_only(kind: str, fake: FakeSalesbricks) -> None:
    terms = SalesbricksAttachment("terms.pdf", target="subscription")
    invoice = fake.add_invoice(attachments=["old1.pdf", terms, "old2.pdf"])
    await update(fake, kind, invoice.invoice_id, pdf_attachments=[PDF_A, PDF_B])
    assert [(a.file_name, a.target) for a in invoice.attachments] == [
        ("terms.pdf", "subscription"),
        ("attachment-1.pdf", "invoice"),
        ("attachment-2.pdf", "invoice"),
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_empty_attachment_list_deletes_everything(kind: str, fake: FakeSalesbricks) -> None:
    invoice = fake.add_invoice(attachments=["a.pdf", SalesbricksAttachment("t.pdf", target="subscription")])
    result = await update(fake, kind, invoice.invoice_id, attachments=[])
    assert invoice.attachments == []
    assert result.attachments == []


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_unknown_attachment_is_refused_and_nothing_changes(kind: str, fake: FakeSalesbricks) -> None:
    invoice = fake.add_invoice(attachments=["a.pdf"], company_name="Acme")
    with pytest.raises(BadRequestError) as info:
        await update(fake, kind, invoice.invoice_id, company_name="New", attachments=[Keep("nope")])
    assert list(info.value.errors) == ["pdf_attachments_config.0"]
    assert "does not belong" in info.value.message
    assert invoice.company_name == "Acme"
    assert [a.file_name for a in invoice.attachments] == ["a.pdf"]
    assert invoice.updates == 0


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_wrong_key_and_unknown_invoice(kind: str, fake: FakeSalesbricks) -> None:
    invoice = fake.add_invoice()
    with pytest.raises(AuthenticationError, match="Invalid API key"):
        await update(fake, kind, invoice.invoice_id, tax_id="x", api_key="wrong-key-123")
    with pytest.raises(NotFoundError, match="Not found"):
        await update(fake, kind, "00000000-0000-4000-8000-000000000000", tax_id="x")
    assert invoice.updates == 0


# -- sending and idempotency ---------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_send_with_key_survives_a_drop_after_apply(kind: str, fake: FakeSalesbricks) -> None:
    """The first attempt is applied, then the connection drops; the retry under the same key is replayed."""
    invoice = fake.add_invoice()
    fake.drop_next(after_apply=True)
    result = await update(
        fake, kind, invoice.invoice_id, send_invoice=True, invoice_memo="m", idempotency_key="op-42"
    )
    assert invoice.times_sent == 1
    assert invoice.updates == 1
    assert fake.replays == 1
    assert len(fake.requests) == 2
    assert result.invoice_id == invoice.invoice_id


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_send_without_a_key_given_survives_a_drop_after_apply(kind: str, fake: FakeSalesbricks) -> None:
    """No key given: one is generated, so a dropped send is retried under it and emails exactly once."""
    invoice = fake.add_invoice()
    fake.drop_next(after_apply=True)
    result = await update(fake, kind, invoice.invoice_id, send_invoice=True, invoice_memo="m")
    assert (invoice.times_sent, invoice.updates, fake.replays, len(fake.requests)) == (1, 1, 1, 2)
    assert result.idempotency_key is not None
    assert {r.headers["X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"] for r in fake.requests} == {
        result.idempotency_key
    }


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_send_without_key_is_not_sent_twice(kind: str, fake: FakeSalesbricks) -> None:
    invoice = fake.add_invoice()
    fake.drop_next(after_apply=True)
    with pytest.raises(OutcomeUnknownError):
        await update(fake, kind, invoice.invoice_id, send_invoice=True, idempotency_key=None)
    assert invoice.times_sent == 1
    assert len(fake.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_injected_503_is_not_stored_under_the_key(kind: str, fake: FakeSalesbricks) -> None:
    """A 503 from in front of Salesbricks never reached it: the retry under the key is applied once."""
    invoice = fake.add_invoice()
    fake.fail_next(503)
    await update(fake, kind, invoice.invoice_id, send_invoice=True, idempotency_key="op-7")
    assert (invoice.times_sent, fake.replays, len(fake.requests)) == (1, 0, 2)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_key_reuse(kind: str, fake: FakeSalesbricks) -> None:
    """Same key, same payload (a new call, so a new boundary): replayed. Same key, other payload: 400."""
    invoice = fake.add_invoice()
    first = await update(
        fake, kind, invoice.invoice_id, send_invoice=True, idempotency_key="op-1", attachments=[Add(PDF_A)]
    )
    again = await update(
        fake, kind, invoice.invoice_id, send_invoice=True, idempotency_key="op-1", attachments=[Add(PDF_A)]
    )
    assert again == first
    assert (invoice.times_sent, fake.replays) == (1, 1)
    with pytest.raises(BadRequestError, match="different request payload"):
        await update(
            fake,
            kind,
            invoice.invoice_id,
            send_invoice=True,
            idempotency_key="op-1",
            attachments=[Add(PDF_B)],
        )
    assert invoice.times_sent == 1


# -- what the real API refuses, sent by hand -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "files", "errors"),
    [
        (
            {"company_name": "x" * 256},
            None,
            {"company_name": ["Ensure this field has no more than 255 characters."]},
        ),
        (
            {"invoice_memo": "x" * 2001},
            None,
            {"invoice_memo": ["Ensure this field has no more than 2000 characters."]},
        ),
        (
            {"accounts_payable_emails": ["a@b.co", "nope"]},
            None,
            {"accounts_payable_emails": {"1": ["Enter a valid email address."]}},
        ),
        ({"send_invoice": "maybe"}, None, {"send_invoice": ["Must be a valid boolean."]}),
        (
            {"due_at": "2024-07-31T00:00:00"},
            None,
            {"due_at": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"purchase_order": "PO-1"}, None, {"purchase_order": ["Value must be valid JSON."]}),
        (
            {"pdf_attachments_config": '[{"new_file_index": 0}]'},
            [("pdf_attachments", ("a.pdf", PDF_A))],
            {"pdf_attachments_config": {"0": ['Each item needs a "target": "invoice" or "subscription".']}},
        ),
        (
            {"pdf_attachments_config": "[]"},
            [("pdf_attachments", ("a.pdf", PDF_A))],
            {"pdf_attachments_config": ["Files [0] are not referenced."]},
        ),
        (
            {"tax_id": "x"},
            [("pdf_attachments", ("a.gif", b"GIF89a"))],
            {"pdf_attachments": ["File 0 (a.gif) is not a PDF."]},
        ),
    ],
)
def test_fake_refuses_what_salesbricks_refuses(
    data: dict[str, Any], files: Any, errors: dict[str, Any], fake: FakeSalesbricks
) -> None:
    invoice = fake.add_invoice()
    response = raw_patch(fake, invoice.invoice_id, data=data, files=files or [("unused", ("u.txt", b"x"))])
    assert response.status_code == 400
    assert response.json() == errors
    assert invoice.updates == 0


def test_fake_refuses_a_body_that_is_not_multipart(fake: FakeSalesbricks) -> None:
    invoice = fake.add_invoice()
    response = raw_patch(fake, invoice.invoice_id, json={"tax_id": "x"})
    assert response.status_code == 415
    assert raw_patch(fake, invoice.invoice_id, headers={"X-SALESBRICKS-KEY": ""}).status_code == 401


def test_client_refuses_before_the_fake_sees_anything(fake: FakeSalesbricks) -> None:
    invoice = fake.add_invoice()
    with fake.client() as client, pytest.raises(ValidationError):
        client.invoices.update(invoice.invoice_id, company_name="x" * 256)
    assert fake.requests == []
