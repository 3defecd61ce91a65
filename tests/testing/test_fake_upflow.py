"""FakeUpflow: accepts exactly what the Upflow client sends, answers as Upflow does, fails on request."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicekit import (
    AuthenticationError,
    BadRequestError,
    ExternalId,
    File,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from invoicekit.testing import FakeUpflow
from invoicekit.upflow import Encoding

PDF = b"%PDF-1.7\r\n" + bytes(range(256)) * 4 + b"\r\n%%EOF"
FAST = RetryPolicy(initial=0, jitter=False)
URL = "https://api.upflow.io/v1/invoices/{}/pdf"
ENCODINGS: list[Encoding] = ["multipart", "base64"]


@pytest.fixture
def fake() -> FakeUpflow:
    fake = FakeUpflow()
    fake.add_invoice("inv_1", external_id="ERP-42")
    fake.add_invoice("inv_2", external_id="A/B ?#%é..")
    fake.add_invoice("inv_3")
    return fake


def raw(fake: FakeUpflow, path_segment: str, **kw: Any) -> httpx.Response:
    """A hand-written request, in Upflow's wire format, straight to the fake."""
    headers = {"X-API-KEY": fake.api_key, "X-API-SECRET": fake.api_secret}
    headers.update(kw.pop("headers", {}))
    with httpx.Client(transport=fake.transport) as http:
        return http.post(URL.format(path_segment), headers=headers, **kw)


# -- end to end with the client -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_upload_by_upflow_id(fake: FakeUpflow, encoding: Encoding) -> None:
    """The client's upload lands on the invoice, by Upflow id, with the exact bytes."""
    with fake.client() as client:
        client.invoices.upload_pdf("inv_3", PDF, encoding=encoding)
    invoice = fake.invoices["inv_3"]
    assert invoice.pdf == PDF
    assert invoice.encoding == encoding
    assert invoice.uploads == 1
    assert fake.pdfs["inv_3"] == PDF
    assert fake.invoices["inv_1"].pdf is None


@pytest.mark.anyio
@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_async_upload_by_external_id(fake: FakeUpflow, encoding: Encoding) -> None:
    """The async client addresses an invoice by its external id, hostile characters included."""
    async with fake.async_client() as client:
        await client.invoices.upload_pdf(ExternalId("A/B ?#%é.."), PDF, encoding=encoding)
        await client.invoices.upload_pdf("external:ERP-42", File(PDF, filename="ERP-42.pdf"))
    assert fake.pdfs[ExternalId("A/B ?#%é..")] == PDF
    assert fake.pdfs["external:A/B ?#%é.."] == PDF
    assert fake.pdfs["inv_2"] == PDF
    assert fake.invoices["inv_1"].filename == "ERP-42.pdf"
    assert fake.invoices["inv_1"].content_type == "application/pdf"
    paths = [r.url.raw_path for r in fake.requests]
    assert paths == [
        b"/v1/invoices/external:A%2FB%20%3F%23%25%C3%A9../pdf",
        b"/v1/invoices/external:ERP-42/pdf",
    ]


def test_replace_keeps_the_latest_pdf(fake: FakeUpflow, tmp_path: Path) -> None:
    """A second upload replaces the first; multipart metadata follows the latest upload."""
    path = tmp_path / "v2.pdf"
    path.write_bytes(PDF + b"v2")
    with fake.client() as client:
        client.invoices.upload_pdf("inv_1", PDF)
        client.invoices.upload_pdf(ExternalId("ERP-42"), path)
        assert fake.invoices["inv_1"].filename == "v2.pdf"
        client.invoices.upload_pdf("inv_1", PDF, encoding="base64")
    invoice = fake.invoices["inv_1"]
    assert (invoice.pdf, invoice.encoding, invoice.filename, invoice.uploads) == (PDF, "base64", None, 3)


@given(st.binary(max_size=5000), st.sampled_from(ENCODINGS))
@settings(max_examples=60)
def test_any_pdf_bytes_arrive_exactly(tail: bytes, encoding: Encoding) -> None:
    """Whatever the bytes (CRLFs, boundary look-alikes, NULs), the fake stores exactly what was given."""
    fake = FakeUpflow()
    fake.add_invoice("i", external_id="e")
    data = b"%PDF-" + tail
    with fake.client() as client:
        client.invoices.upload_pdf(ExternalId("e"), data, encoding=encoding)
    assert fake.pdfs["i"] == data


def test_pdfs_view(fake: FakeUpflow) -> None:
    """`pdfs` lists invoices that have a PDF, by Upflow id; others are a KeyError."""
    assert len(fake.pdfs) == 0
    with fake.client() as client:
        client.invoices.upload_pdf("inv_2", PDF)
    assert list(fake.pdfs) == ["inv_2"]
    assert len(fake.pdfs) == 1
    for missing in ("inv_1", "nope", ExternalId("ERP-42"), "external:nope"):
        with pytest.raises(KeyError):
            fake.pdfs[missing]


# -- what Upflow refuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("invoice", ["nope", ExternalId("nope"), ExternalId("inv_1"), "external:inv_1"])
def test_unknown_invoice_is_404(fake: FakeUpflow, invoice: str | ExternalId) -> None:
    """An unknown id (or an Upflow id used as an external id) is NotFoundError; nothing is stored."""
    with fake.client() as client, pytest.raises(NotFoundError) as info:
        client.invoices.upload_pdf(invoice, PDF)
    assert "not found" in info.value.message
    assert all(i.pdf is None for i in fake.invoices.values())


@pytest.mark.parametrize("override", [{"api_key": "wrong-key"}, {"api_secret": "wrong-secret"}])
def test_wrong_credentials_are_401(fake: FakeUpflow, override: dict[str, str]) -> None:
    """A wrong key or secret is AuthenticationError, and the request is not applied."""
    with fake.client(**override) as client, pytest.raises(AuthenticationError):
        client.invoices.upload_pdf("inv_1", PDF)
    assert fake.invoices["inv_1"].pdf is None


def test_missing_credential_headers_are_401(fake: FakeUpflow) -> None:
    """No auth headers at all: 401 with a JSON message."""
    with httpx.Client(transport=fake.transport) as http:
        response = http.post(URL.format("inv_1"), files={"file": ("a.pdf", PDF, "application/pdf")})
    assert response.status_code == 401
    assert "message" in response.json()


def test_the_documented_wire_examples_are_accepted(fake: FakeUpflow) -> None:
    """The two request shapes of Upflow's docs, written by hand, are accepted with 204 and no body."""
    boundary = "b1"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="INV-2024-001.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    multipart = raw(
        fake,
        "external:ERP-42",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert (multipart.status_code, multipart.content) == (204, b"")
    assert fake.invoices["inv_1"].filename == "INV-2024-001.pdf"
    assert fake.pdfs["inv_1"] == PDF
    as_json = raw(fake, "inv_3", json={"data": base64.b64encode(PDF + b"j").decode()})
    assert as_json.status_code == 204
    assert fake.pdfs["inv_3"] == PDF + b"j"


@pytest.mark.parametrize(
    "request_kw",
    [
        {"content": PDF, "headers": {"Content-Type": "application/pdf"}},
        {"content": b"data=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        {"json": {"file": base64.b64encode(PDF).decode()}},
        {"json": {"data": base64.b64encode(PDF).decode(), "extra": 1}},
        {"json": {"data": "not base64!"}},
        {"json": {"data": ""}},
        {"json": {"data": 42}},
        {"json": ["data"]},
        {"files": {"document": ("a.pdf", PDF, "application/pdf")}},
        {"files": {"file": ("a.pdf", b"", "application/pdf")}},
        {"files": [("file", ("a.pdf", PDF, "application/pdf")), ("file", ("b.pdf", PDF, "application/pdf"))]},
        {"content": b"--x\r\nno end", "headers": {"Content-Type": "multipart/form-data; boundary=x"}},
        {"content": b"", "headers": {"Content-Type": "multipart/form-data"}},
    ],
)
def test_a_body_that_is_neither_encoding_is_400(fake: FakeUpflow, request_kw: dict[str, Any]) -> None:
    """Anything but one non-empty multipart "file" part or JSON exactly {"data": base64} is 400."""
    response = raw(fake, "inv_1", **request_kw)
    assert response.status_code == 400
    assert isinstance(json.loads(response.content)["message"], str)
    assert fake.invoices["inv_1"].pdf is None


def test_client_maps_the_fakes_400(fake: FakeUpflow) -> None:
    """The fake's 400 reaches the client as BadRequestError with the fake's message."""
    fake.fail_next(400, body={"message": "Invalid PDF"})
    with fake.client() as client, pytest.raises(BadRequestError) as info:
        client.invoices.upload_pdf("inv_1", PDF)
    assert info.value.message == "Invalid PDF"


def test_unknown_route_and_method(fake: FakeUpflow) -> None:
    """Other routes are 404; GET on the PDF route is 405."""
    headers = {"X-API-KEY": fake.api_key, "X-API-SECRET": fake.api_secret}
    with httpx.Client(transport=fake.transport, headers=headers) as http:
        assert http.post("https://api.upflow.io/v1/invoices/inv_1/pdf/extra").status_code == 404
        assert http.get(URL.format("inv_1")).status_code == 405


# -- faults -------------------------------------------------------------------------------------------------


def test_503_is_retried_and_applied_once(fake: FakeUpflow) -> None:
    """fail_next(503): the client retries and the PDF lands."""
    fake.fail_next(503)
    with fake.client(retry=FAST) as client:
        client.invoices.upload_pdf("inv_1", PDF)
    assert len(fake.requests) == 2
    assert fake.invoices["inv_1"].uploads == 1
    assert fake.pdfs["inv_1"] == PDF


@pytest.mark.anyio
async def test_persistent_503_raises_server_error(fake: FakeUpflow) -> None:
    """Three 503s exhaust the default three attempts."""
    fake.fail_next(503, times=3)
    async with fake.async_client(retry=FAST) as client:
        with pytest.raises(ServerError):
            await client.invoices.upload_pdf("inv_1", PDF)
    assert len(fake.requests) == 3
    assert fake.invoices["inv_1"].pdf is None


@pytest.mark.parametrize("fault", ["drop", "timeout"])
def test_lost_answer_after_apply_is_retried_safely(fake: FakeUpflow, fault: str) -> None:
    """The answer is lost after the PDF was stored: the retry replaces it with the same bytes."""
    if fault == "drop":
        fake.drop_next(after_apply=True)
    else:
        fake.timeout_next(after_apply=True)
    with fake.client(retry=FAST) as client:
        client.invoices.upload_pdf(ExternalId("ERP-42"), PDF, encoding="base64")
    assert fake.invoices["inv_1"].uploads == 2
    assert fake.pdfs["inv_1"] == PDF


def test_refused_connections_raise_transport_error(fake: FakeUpflow) -> None:
    """refuse_next(3): never reached Upflow; TransportError after the attempts, nothing stored."""
    fake.refuse_next(times=3)
    with fake.client(retry=FAST) as client, pytest.raises(TransportError):
        client.invoices.upload_pdf("inv_1", PDF)
    assert fake.invoices["inv_1"].pdf is None


def test_rate_limit(fake: FakeUpflow) -> None:
    """Above the limit the fake answers 429 with Retry-After; a wait beyond the policy's cap is raised."""
    fake.rate_limit(1, per=60.0)
    with fake.client(retry=RetryPolicy(initial=0, max_retry_after=1.0)) as client:
        client.invoices.upload_pdf("inv_1", PDF)
        with pytest.raises(RateLimitError) as info:
            client.invoices.upload_pdf("inv_3", PDF)
    assert info.value.retry_after is not None
    assert 59.0 < info.value.retry_after <= 60.0
    assert fake.invoices["inv_3"].pdf is None


def test_custom_credentials() -> None:
    """A fake made with other credentials accepts only those."""
    fake = FakeUpflow(api_key="k-2", api_secret="s-2")
    fake.add_invoice("x")
    with fake.client() as client:
        client.invoices.upload_pdf("x", PDF)
    assert fake.requests[-1].headers["X-API-KEY"] == "k-2"
    assert fake.requests[-1].headers["X-API-SECRET"] == "s-2"
    assert fake.pdfs["x"] == PDF
