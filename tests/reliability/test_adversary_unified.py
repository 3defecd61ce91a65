"""Adversary tests for the unified change (issue 15): InvoiceChange, invoices.apply / invoices.plan.

Each test is a defect found by attacking what was merged; the bytes that reached the fake are read back
by Werkzeug (multipart), never by invoicekit's own encoder.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pytest
from werkzeug.formparser import parse_form_data

from invoicekit import ExternalId, File, InvoiceChange, ValidationError, invoro
from invoicekit.testing import FakeInvoro, FakePayabli, FakeSalesbricks, FakeUpflow

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JUNK = b"HEADER-BYTES-THE-CALLER-SKIPPED\n"
SB_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
BASE_WITH_TERMS = invoro.DraftInvoice(
    header=invoro.Header(invoice_number="INV-1", currency="EUR"),
    attachments=[invoro.Attachment(content=b"terms", mime_type="text/plain", filename="terms.txt")],
)


def file_parts(request: httpx.Request) -> list[tuple[str, bytes]]:
    """(name, content) of each file part, as Werkzeug reads the body."""
    body = request.content
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": request.headers["content-type"],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, _, files = parse_form_data(environ)
    out = []
    for name, stored in files.lists():
        for f in stored:
            out.append((name, f.read()))
            f.close()
    return out


class Pipe(io.RawIOBase):
    """A one-shot stream (not seekable), like a pipe or a socket."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.fixture(params=["bytesio", "disk"])
def at_offset(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BinaryIO]:
    """A seekable binary file whose PDF starts after JUNK; the caller has seeked past JUNK."""
    if request.param == "bytesio":
        handle: BinaryIO = io.BytesIO(JUNK + PDF)
    else:
        path = tmp_path / "bundle.bin"
        path.write_bytes(JUNK + PDF)
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    handle.seek(len(JUNK))
    yield handle
    handle.close()


# -- a seekable file at an offset: the docs promise it is read from the position it had ---------------


def test_salesbricks_apply_sends_a_file_object_from_its_position(at_offset: BinaryIO) -> None:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_ID)
    with fake.client() as client:
        change = InvoiceChange(pdf=at_offset)
        client.invoices.plan(SB_ID, change)  # a plan first, as a careful caller would
        client.invoices.apply(SB_ID, change)
    request = fake.requests[-1]
    assert file_parts(request) == [("pdf_attachments", PDF)]
    assert int(request.headers["content-length"]) == len(request.content)


def test_salesbricks_native_update_sends_a_file_object_from_its_position(at_offset: BinaryIO) -> None:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_ID)
    with fake.client() as client:
        client.invoices.update(SB_ID, pdf_attachments=[at_offset])
    request = fake.requests[-1]
    assert file_parts(request) == [("pdf_attachments", PDF)]
    assert int(request.headers["content-length"]) == len(request.content)


def test_upflow_apply_multipart_sends_a_file_object_from_its_position(at_offset: BinaryIO) -> None:
    fake = FakeUpflow()
    fake.add_invoice("inv_8f3a", external_id="ERP-42")
    with fake.client() as client:
        client.invoices.apply(ExternalId("ERP-42"), InvoiceChange(pdf=File(at_offset, filename="inv.pdf")))
    request = fake.requests[-1]
    assert file_parts(request) == [("file", PDF)]
    assert int(request.headers["content-length"]) == len(request.content)


def test_plan_leaves_a_file_objects_position_alone(at_offset: BinaryIO) -> None:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_ID)
    with fake.client() as client:
        plan = client.invoices.plan(SB_ID, InvoiceChange(pdf=at_offset))
    assert at_offset.tell() == len(JUNK)
    assert fake.requests == []
    described = f"pdf_attachments: attachment-1.pdf (application/pdf, {len(PDF)} bytes)"
    assert plan.requests[0].files == (described,)


# -- a one-shot stream sent once cannot be sent again: refuse before the second request -----------------


def test_one_shot_stream_applied_twice_is_refused_before_the_second_request() -> None:
    salesbricks, upflow = FakeSalesbricks(), FakeUpflow()
    salesbricks.add_invoice(SB_ID)
    upflow.add_invoice("inv_8f3a", external_id="ERP-42")
    change = InvoiceChange(pdf=Pipe(PDF))
    with salesbricks.client() as client:
        client.invoices.apply(SB_ID, change)
    assert file_parts(salesbricks.requests[-1]) == [("pdf_attachments", PDF)]
    with upflow.client() as client, pytest.raises(ValidationError) as caught:
        client.invoices.apply(ExternalId("ERP-42"), change)
    assert caught.value.field == "pdf"
    assert "already" in str(caught.value)
    assert upflow.requests == []


def test_one_shot_stream_applied_twice_to_the_same_provider_is_refused() -> None:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_ID)
    change = InvoiceChange(pdf=Pipe(PDF))
    with fake.client() as client:
        client.invoices.apply(SB_ID, change)
        with pytest.raises(ValidationError):
            client.invoices.apply(SB_ID, change)
    assert len(fake.requests) == 1


# -- text that cannot be sent: a lone surrogate escaped as UnicodeEncodeError ----------------------------


@pytest.mark.parametrize("field", ["memo", "po_number"])
def test_a_lone_surrogate_is_a_validation_error_naming_the_field(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        InvoiceChange(**{field: "Paid by wire \ud800"})
    assert caught.value.field == field
    assert "surrogate" in str(caught.value)


def test_native_text_with_a_lone_surrogate_is_refused_before_any_request() -> None:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_ID)
    with fake.client() as client, pytest.raises(ValidationError) as caught:
        client.invoices.update(SB_ID, invoice_memo="memo \udcff")
    assert caught.value.field == "invoice_memo"
    assert fake.requests == []


# -- extra= for Payabli: a dict with a key that is not a model field escaped as TypeError ----------------


@pytest.mark.parametrize(
    ("key", "change"),
    [
        ("invoice_data", InvoiceChange(customer_emails=["ap@customer.example"])),  # the change sets the other
        ("customer_data", InvoiceChange(due_date=dt.date(2026, 1, 31))),
    ],
)
def test_payabli_extra_dict_with_an_unknown_key_is_refused(key: str, change: InvoiceChange) -> None:
    fake = FakePayabli()
    fake.add_invoice(1001, invoice_status=1, invoice_data={"invoiceAmount": 100})
    with fake.client() as client:
        with pytest.raises(ValidationError) as caught:
            client.invoices.plan(1001, change, extra={key: {"bogus": 1}})
        assert caught.value.field == f"extra[{key!r}]"
        assert "bogus" in str(caught.value)
        with pytest.raises(ValidationError):
            client.invoices.apply(1001, change, extra={key: {"bogus": 1}})
    assert fake.requests == []


@pytest.mark.anyio
async def test_async_apply_sends_a_file_object_from_its_position(at_offset: BinaryIO) -> None:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_ID)
    async with fake.async_client() as client:
        change = InvoiceChange(pdf=at_offset)
        await client.invoices.plan(SB_ID, change)
        await client.invoices.apply(SB_ID, change)
    request = fake.requests[-1]
    assert file_parts(request) == [("pdf_attachments", PDF)]
    assert int(request.headers["content-length"]) == len(request.content)


# -- a value the change set, refused by the native builder, was named by its native path ---------------


@pytest.mark.parametrize(
    ("provider", "change", "field", "native"),
    [
        ("salesbricks", InvoiceChange(pdf=b"not a pdf"), "pdf", "pdf_attachments[0]"),
        ("payabli", InvoiceChange(pdf=b"not a pdf"), "pdf", "invoice_data.attachments[0].f_content"),
        ("invoro", InvoiceChange(pdf=b"not a pdf"), "pdf", "invoice.attachments[1].content"),
        ("salesbricks", InvoiceChange(memo="m" * 2001), "memo", "invoice_memo"),
        ("salesbricks", InvoiceChange(po_number="p" * 256), "po_number", "purchase_order"),
    ],
)
def test_a_change_value_the_provider_refuses_is_named_by_the_change_field(
    provider: str, change: InvoiceChange, field: str, native: str
) -> None:
    fake: Any = {"salesbricks": FakeSalesbricks, "payabli": FakePayabli, "invoro": FakeInvoro}[provider]()
    invoice: Any = {"salesbricks": SB_ID, "payabli": 1001, "invoro": INVORO_ID}[provider]
    kwargs = {"base": BASE_WITH_TERMS} if provider == "invoro" else {}
    with fake.client() as client, pytest.raises(ValidationError) as caught:
        client.invoices.apply(invoice, change, **kwargs)
    assert caught.value.field == field
    assert native in caught.value.rule  # the native path is kept in the message
    assert fake.requests == []


def test_an_invoro_base_error_keeps_its_native_name(tmp_path: Path) -> None:
    missing = File(tmp_path / "gone.txt", content_type="text/plain")
    base = invoro.DraftInvoice(
        header=invoro.Header(invoice_number="INV-1"),
        attachments=[invoro.Attachment(content=missing, mime_type="text/plain")],
    )
    fake = FakeInvoro()
    with fake.client() as client, pytest.raises(ValidationError) as caught:
        client.invoices.apply(INVORO_ID, InvoiceChange(pdf=PDF), base=base)
    assert caught.value.field == "invoice.attachments[0].content"
    assert fake.requests == []


def test_an_external_id_with_a_lone_surrogate_is_refused_when_made() -> None:
    """The core text check now refuses it where it is made (it used to wait for the call)."""
    with pytest.raises(ValidationError) as caught:
        ExternalId("\ud800")
    assert caught.value.field == "external_id"


def test_a_retry_resends_a_file_object_from_its_position(at_offset: BinaryIO) -> None:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_ID)
    fake.fail_next(503)  # Salesbricks' PATCH carries an idempotency key: resent with the same bytes
    with fake.client() as client:
        client.invoices.apply(SB_ID, InvoiceChange(pdf=at_offset))
    assert len(fake.requests) == 2
    first, second = fake.requests
    assert first.content == second.content
    assert file_parts(second) == [("pdf_attachments", PDF)]
