"""Upflow wire tests: the exact requests `upload_pdf` sends, and how every answer is read."""

from __future__ import annotations

import base64
import email.message
import email.parser
import email.policy
import inspect
import json
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpx import HTTPXMock

import invoicekit
from invoicekit import (
    APIError,
    AsyncUpflow,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExternalId,
    File,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
    Upflow,
    ValidationError,
)
from invoicekit._call import Safety
from invoicekit.upflow import Encoding
from invoicekit.upflow import _client as upflow_client
from invoicekit.upflow._client import upload_pdf_call
from support import OneShot

KEY = "uf-key-0123456789"
SECRET = "uf-secret-abcdefghij"
BASE = "https://api.upflow.io/v1"
PDF = b"%PDF-1.7\r\n" + bytes(range(256)) * 8 + b"\r\n--not-a-boundary\r\n%%EOF\n"
FAST = RetryPolicy(initial=0, jitter=False)
KINDS = ["sync", "async"]


async def upload(kind: str, invoice: Any, pdf: Any, **kw: Any) -> object:
    """Run one upload through the sync or the async client, with the test credentials and no sleeping."""
    options: dict[str, Any] = {"retry": FAST}
    for name in ("sandbox", "base_url", "retry"):
        if name in kw:
            options[name] = kw.pop(name)
    if kind == "sync":
        with Upflow(KEY, SECRET, **options) as client:
            send: Callable[..., object] = client.invoices.upload_pdf
            return send(invoice, pdf, **kw)
    async with AsyncUpflow(KEY, SECRET, **options) as aclient:
        asend: Callable[..., Awaitable[object]] = aclient.invoices.upload_pdf
        return await asend(invoice, pdf, **kw)


def url_for(segment: str) -> str:
    return f"{BASE}/invoices/{segment}/pdf"


def only_request(httpx_mock: HTTPXMock) -> httpx.Request:
    requests = httpx_mock.get_requests()
    assert len(requests) == 1
    return requests[0]


def parse_multipart(request: httpx.Request) -> list[email.message.MIMEPart]:
    """Parse a multipart request body with the stdlib email parser (independent of the encoder)."""
    head = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    assert message.is_multipart()
    return list(message.iter_parts())


# -- routes ---------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_upflow_id_is_the_path_segment(kind: str, httpx_mock: HTTPXMock) -> None:
    """An Upflow id goes into the path as given: POST /v1/invoices/<id>/pdf."""
    httpx_mock.add_response(method="POST", url=url_for("3f0c9a1e-inv"), status_code=204)
    assert await upload(kind, "3f0c9a1e-inv", PDF) is None
    request = only_request(httpx_mock)
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/invoices/3f0c9a1e-inv/pdf"
    assert request.url.host == "api.upflow.io"
    assert request.url.scheme == "https"


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_external_id_is_addressed_as_external_prefix(kind: str, httpx_mock: HTTPXMock) -> None:
    """ExternalId("ERP-42") is sent as /invoices/external:ERP-42/pdf, colon literal."""
    httpx_mock.add_response(method="POST", url=url_for("external:ERP-42"), status_code=204)
    await upload(kind, ExternalId("ERP-42"), PDF)
    assert only_request(httpx_mock).url.raw_path == b"/v1/invoices/external:ERP-42/pdf"


HOSTILE_EXTERNAL = [
    ("A/B", "external:A%2FB"),
    ("a?b=c", "external:a%3Fb=c"),
    ("a#frag", "external:a%23frag"),
    ("INV 7", "external:INV%207"),
    ("100%", "external:100%25"),
    ("%2F", "external:%252F"),
    ("..", "external:.."),
    ("../../customers", "external:..%2F..%2Fcustomers"),
    ("x\\y", "external:x%5Cy"),
    ("Fäktura-№1", "external:F%C3%A4ktura-%E2%84%961"),
    ("日本", "external:%E6%97%A5%E6%9C%AC"),
    ("a:b@c", "external:a:b@c"),
    ("external:x", "external:external:x"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("value", "segment"), HOSTILE_EXTERNAL)
async def test_hostile_external_ids_stay_one_segment(
    kind: str, value: str, segment: str, httpx_mock: HTTPXMock
) -> None:
    """`/ ? # % space`, dots and unicode in an external id are escaped inside the one segment."""
    httpx_mock.add_response(method="POST", status_code=204)
    await upload(kind, ExternalId(value), PDF)
    request = only_request(httpx_mock)
    assert request.url.raw_path == f"/v1/invoices/{segment}/pdf".encode()
    assert request.url.query == b""
    assert request.url.fragment == ""


@pytest.mark.anyio
@pytest.mark.parametrize(("value", "segment"), [("a/b", "a%2Fb"), ("a b?c#d", "a%20b%3Fc%23d"), ("%", "%25")])
async def test_hostile_upflow_ids_stay_one_segment(value: str, segment: str, httpx_mock: HTTPXMock) -> None:
    """A plain Upflow id is escaped the same way."""
    httpx_mock.add_response(method="POST", status_code=204)
    await upload("sync", value, PDF)
    assert only_request(httpx_mock).url.raw_path == f"/v1/invoices/{segment}/pdf".encode()


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_external_prefixed_string_is_that_external_id(kind: str, httpx_mock: HTTPXMock) -> None:
    """A str "external:A/B" (how Upflow's docs write it) sends exactly what ExternalId("A/B") sends."""
    httpx_mock.add_response(method="POST", status_code=204, is_reusable=True)
    await upload(kind, "external:A/B", PDF)
    await upload(kind, ExternalId("A/B"), PDF)
    first, second = httpx_mock.get_requests()
    assert first.url.raw_path == second.url.raw_path == b"/v1/invoices/external:A%2FB/pdf"


def _sent_path(invoice: str | ExternalId) -> httpx.URL:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(204)

    with Upflow(KEY, SECRET, http_client=httpx.Client(transport=httpx.MockTransport(handler))) as client:
        client.invoices.upload_pdf(invoice, b"%PDF-1.4 x")
    assert len(seen) == 1
    return seen[0]


_usable = st.text(min_size=1, max_size=60).filter(
    lambda s: s.strip() != "" and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in s)
)


@given(_usable)
@settings(max_examples=200)
def test_no_external_id_changes_the_route(value: str) -> None:
    """For any usable text, the request goes to /v1/invoices/<one segment>/pdf on the same host, and the
    segment decodes back to external:<value>.
    """
    url = _sent_path(ExternalId(value))
    assert url.host == "api.upflow.io"
    assert url.query == b""
    assert url.fragment == ""
    parts = url.raw_path.decode("ascii").split("/")
    assert parts[:3] == ["", "v1", "invoices"]
    assert parts[4:] == ["pdf"]
    assert parts[3].startswith("external:")
    assert unquote(parts[3]) == "external:" + value


@given(_usable.filter(lambda s: s not in {".", ".."} and not s.startswith("external:")))
@settings(max_examples=100)
def test_no_upflow_id_changes_the_route(value: str) -> None:
    """The same for Upflow ids: one segment that decodes back to the id."""
    url = _sent_path(value)
    parts = url.raw_path.decode("ascii").split("/")
    assert parts[:3] == ["", "v1", "invoices"]
    assert parts[4:] == ["pdf"]
    assert unquote(parts[3]) == value


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_sandbox_url(kind: str, httpx_mock: HTTPXMock) -> None:
    """sandbox=True sends to https://api.sandbox.upflow.io/v1."""
    httpx_mock.add_response(
        method="POST", url="https://api.sandbox.upflow.io/v1/invoices/i1/pdf", status_code=204
    )
    await upload(kind, "i1", PDF, sandbox=True)
    assert only_request(httpx_mock).url.host == "api.sandbox.upflow.io"


@pytest.mark.anyio
async def test_base_url_override(httpx_mock: HTTPXMock) -> None:
    """base_url= replaces the production URL, path kept under it."""
    httpx_mock.add_response(method="POST", url="http://127.0.0.1:8080/v1/invoices/i1/pdf", status_code=204)
    await upload("sync", "i1", PDF, base_url="http://127.0.0.1:8080/v1/")
    assert only_request(httpx_mock).url.raw_path == b"/v1/invoices/i1/pdf"


# -- headers and credentials ----------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_auth_headers(kind: str, httpx_mock: HTTPXMock) -> None:
    """Both credentials travel as X-API-KEY and X-API-SECRET; JSON is accepted back."""
    httpx_mock.add_response(method="POST", status_code=204)
    await upload(kind, "i1", PDF)
    headers = only_request(httpx_mock).headers
    assert headers["X-API-KEY"] == KEY
    assert headers["X-API-SECRET"] == SECRET
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("invoicekit/")
    assert "authorization" not in headers


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_credentials_from_environment(
    kind: str, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no arguments, UPFLOW_API_KEY and UPFLOW_API_SECRET are used."""
    monkeypatch.setenv("UPFLOW_API_KEY", "env-key-1234")
    monkeypatch.setenv("UPFLOW_API_SECRET", "env-secret-5678")
    httpx_mock.add_response(method="POST", status_code=204)
    if kind == "sync":
        with Upflow() as client:
            client.invoices.upload_pdf("i1", PDF)
    else:
        async with AsyncUpflow() as aclient:
            await aclient.invoices.upload_pdf("i1", PDF)
    headers = only_request(httpx_mock).headers
    assert (headers["X-API-KEY"], headers["X-API-SECRET"]) == ("env-key-1234", "env-secret-5678")


@pytest.mark.parametrize("cls", [Upflow, AsyncUpflow])
@pytest.mark.parametrize(
    ("args", "env", "field", "variable"),
    [
        ((None, SECRET), {}, "api_key", "UPFLOW_API_KEY"),
        ((KEY, None), {}, "api_secret", "UPFLOW_API_SECRET"),
        (("  ", SECRET), {}, "api_key", "UPFLOW_API_KEY"),
        ((None, None), {"UPFLOW_API_KEY": "k-from-env"}, "api_secret", "UPFLOW_API_SECRET"),
    ],
)
def test_missing_credentials(
    cls: type[Upflow | AsyncUpflow],
    args: tuple[str | None, str | None],
    env: dict[str, str],
    field: str,
    variable: str,
    monkeypatch: pytest.MonkeyPatch,
    httpx_mock: HTTPXMock,
) -> None:
    """A missing or blank credential is a ValidationError naming the parameter and environment variable."""
    monkeypatch.delenv("UPFLOW_API_KEY", raising=False)
    monkeypatch.delenv("UPFLOW_API_SECRET", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as info:
        cls(*args)
    assert info.value.field == field
    assert variable in info.value.rule
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
async def test_secrets_never_leak(httpx_mock: HTTPXMock) -> None:
    """An answer that echoes the credentials is redacted in the message, the body and the exception text."""
    httpx_mock.add_response(
        method="POST", status_code=401, json={"message": f"bad key {KEY} / {SECRET}", "key": KEY}
    )
    with Upflow(KEY, SECRET, retry=FAST) as client:
        assert KEY not in repr(client)
        assert SECRET not in repr(client)
        with pytest.raises(AuthenticationError) as info:
            client.invoices.upload_pdf("i1", PDF)
    error = info.value
    for text in (str(error), repr(error), error.message, json.dumps(error.body)):
        assert KEY not in text
        assert SECRET not in text
    assert error.message == "bad key *** / ***"


# -- multipart ------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_multipart_body(kind: str, httpx_mock: HTTPXMock) -> None:
    """Default encoding: one part named "file", filename invoice.pdf, application/pdf, the exact bytes."""
    httpx_mock.add_response(method="POST", status_code=204)
    await upload(kind, ExternalId("ERP-42"), PDF)
    request = only_request(httpx_mock)
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(request.headers["content-length"]) == len(request.content)
    parts = parse_multipart(request)
    assert len(parts) == 1
    (part,) = parts
    assert part.get_param("name", header="content-disposition") == "file"
    assert part.get_filename() == "invoice.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_payload(decode=True) == PDF


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_multipart_from_disk_keeps_file_name(kind: str, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    """A path is read from disk and announced by its own name; explicit File(filename=) wins."""
    big = b"%PDF-1.5\n" + bytes(range(256)) * 4096  # 1 MiB and a bit, read in chunks
    path = tmp_path / "ERP-42.pdf"
    path.write_bytes(big)
    httpx_mock.add_response(method="POST", status_code=204, is_reusable=True)
    await upload(kind, "i1", path)
    await upload(kind, "i1", File(str(path), filename="Facture 42.pdf"))
    first, second = (parse_multipart(r)[0] for r in httpx_mock.get_requests())
    assert first.get_filename() == "ERP-42.pdf"
    assert second.get_filename() == "Facture 42.pdf"
    assert first.get_payload(decode=True) == big
    assert second.get_payload(decode=True) == big


@pytest.mark.anyio
async def test_multipart_accepts_a_one_shot_stream(httpx_mock: HTTPXMock) -> None:
    """A non-seekable stream is sent (once), head included."""
    httpx_mock.add_response(method="POST", status_code=204)
    await upload("sync", "i1", OneShot(PDF))
    assert parse_multipart(only_request(httpx_mock))[0].get_payload(decode=True) == PDF


# -- base64 ---------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_base64_body(kind: str, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    """encoding="base64": application/json, exactly {"data": <base64>} decoding to the exact bytes."""
    path = tmp_path / "a.pdf"
    path.write_bytes(PDF * 100)
    httpx_mock.add_response(method="POST", url=url_for("external:ERP-42"), status_code=204)
    await upload(kind, ExternalId("ERP-42"), path, encoding="base64")
    request = only_request(httpx_mock)
    assert request.headers["content-type"] == "application/json"
    assert int(request.headers["content-length"]) == len(request.content)
    body = json.loads(request.content)
    assert list(body) == ["data"]
    assert base64.b64decode(body["data"], validate=True) == PDF * 100


@pytest.mark.anyio
async def test_base64_refuses_a_one_shot_stream(httpx_mock: HTTPXMock) -> None:
    """Base64 in JSON needs the length up front: a pipe is refused before sending (multipart takes it)."""
    with pytest.raises(ValidationError) as info:
        await upload("sync", "i1", OneShot(PDF), encoding="base64")
    assert info.value.field == "pdf"
    assert httpx_mock.get_requests() == []


class CountingSink(httpx.BaseTransport):
    """Reads the request body chunk by chunk, as a socket would, keeping only its length."""

    def __init__(self) -> None:
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        for chunk in request.stream:
            self.sent += len(chunk)
        return httpx.Response(204)


@pytest.mark.parametrize(("encoding", "wire_size"), [("multipart", 1.0), ("base64", 4 / 3)])
def test_large_pdf_is_streamed_not_copied(encoding: Encoding, wire_size: float, tmp_path: Path) -> None:
    """A 16 MiB PDF from disk goes out in chunks: peak memory stays far below the file, in both encodings."""
    size = 16 * 2**20
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(size - 9))
    sink = CountingSink()
    with Upflow(KEY, SECRET, http_client=httpx.Client(transport=sink)) as client:
        tracemalloc.start()
        try:
            client.invoices.upload_pdf("i1", path, encoding=encoding)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert sink.sent >= size * wire_size
    assert peak < 2 * 2**20


# -- bad input: ValidationError, nothing sent -------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "invoice",
    [
        "",
        ".",
        "..",
        "   ",
        "a\nb",
        "a\0b",
        "x" * 2049,
        "external:",
        "external:  ",
        "\ud800",
        42,
        None,
        ExternalId("a\nb"),
    ],
)
async def test_bad_invoice_ids(kind: str, invoice: Any, httpx_mock: HTTPXMock) -> None:
    """Unusable ids raise ValidationError("invoice", ...) and send nothing."""
    with pytest.raises(ValidationError) as info:
        await upload(kind, invoice, PDF)
    assert info.value.field == "invoice"
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("value", ["", "   ", "\t\n", 42, None, "\ud800"])
def test_external_id_refuses_blank_or_non_text(value: Any) -> None:
    """ExternalId must be non-blank text that UTF-8 can carry (a lone surrogate is refused here)."""
    with pytest.raises(ValidationError) as info:
        ExternalId(value)
    assert info.value.field == "external_id"


def test_external_id_renders_with_prefix() -> None:
    """str() is Upflow's addressing form, kept unescaped (escaping happens in the path)."""
    assert str(ExternalId("ERP-42")) == "external:ERP-42"
    assert str(ExternalId("A/B")) == "external:A/B"
    assert ExternalId("x") == ExternalId("x")
    assert invoicekit.ExternalId is ExternalId


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("pdf", "rule"),
    [
        (b"", "empty"),
        (b"hello, not a pdf", "not a PDF"),
        (b"%PDF", "not a PDF"),
        ("/nonexistent/dir/invoice.pdf", "cannot read"),
        (12345, "expected a path"),
    ],
)
async def test_bad_files(kind: str, pdf: Any, rule: str, httpx_mock: HTTPXMock) -> None:
    """Empty, non-PDF, missing or mistyped files raise ValidationError("pdf", ...) and send nothing."""
    for encoding in ("multipart", "base64"):
        with pytest.raises(ValidationError) as info:
            await upload(kind, "i1", pdf, encoding=encoding)
        assert info.value.field == "pdf"
        assert rule in info.value.rule
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["json", "MULTIPART", "form", "", None])
async def test_unknown_encoding(kind: str, encoding: Any, httpx_mock: HTTPXMock) -> None:
    """Only "multipart" and "base64" exist."""
    with pytest.raises(ValidationError) as info:
        await upload(kind, "i1", PDF, encoding=encoding)
    assert info.value.field == "encoding"
    assert httpx_mock.get_requests() == []


def test_size_limit_is_one_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    """MAX_PDF_BYTES is None (Upflow documents no limit); set, it refuses larger files before sending."""
    assert upflow_client.MAX_PDF_BYTES is None
    upload_pdf_call("i1", b"%PDF-" + b"x" * 10_000_000, encoding="multipart")
    monkeypatch.setattr(upflow_client, "MAX_PDF_BYTES", 10)
    upload_pdf_call("i1", b"%PDF-1.7x!", encoding="base64")
    with pytest.raises(ValidationError) as info:
        upload_pdf_call("i1", b"%PDF-1.7x!!", encoding="base64")
    assert info.value.field == "pdf"
    assert "limit of 10 bytes" in info.value.rule


def test_upload_is_idempotent() -> None:
    """Replacing a PDF is safe to repeat: the call is marked IDEMPOTENT and ignores the answer's body."""
    call = upload_pdf_call(ExternalId("E 1"), PDF, encoding="multipart")
    assert call.safety is Safety.IDEMPOTENT
    assert call.ignore_answer
    assert (call.method, call.path) == ("POST", "/invoices/external:E%201/pdf")


# -- answers -------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "content"), [(204, b""), (200, b'{"id": "i1"}'), (201, b""), (202, b"accepted"), (200, b"OK")]
)
async def test_any_2xx_is_success(kind: str, status: int, content: bytes, httpx_mock: HTTPXMock) -> None:
    """204 is the documented answer; any other 2xx, whatever its body, also returns None."""
    httpx_mock.add_response(method="POST", status_code=status, content=content)
    assert await upload(kind, "i1", PDF) is None
    assert len(httpx_mock.get_requests()) == 1


NO_RETRY = RetryPolicy(attempts=1, rate_limit_attempts=1, initial=0)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "answer", "cls", "message"),
    [
        (400, {"json": {"message": "Invalid PDF file"}}, BadRequestError, "Invalid PDF file"),
        (400, {"json": {"error": "data is mandatory"}}, BadRequestError, "data is mandatory"),
        (401, {"json": {"message": "Unauthorized"}}, AuthenticationError, "Unauthorized"),
        (403, {"text": "Forbidden"}, PermissionDeniedError, "Forbidden"),
        (404, {"json": {"message": "Invoice not found"}}, NotFoundError, "Invoice not found"),
        (404, {"content": b""}, NotFoundError, "HTTP 404 with no message"),
        (409, {"json": {"message": "locked"}}, ConflictError, "locked"),
        (422, {"json": {"detail": "bad"}}, BadRequestError, "bad"),
        (
            429,
            {"json": {"message": "Too many requests"}, "headers": {"Retry-After": "7"}},
            RateLimitError,
            "Too many requests",
        ),
        (
            500,
            {"html": "<html><title>Internal Error</title></html>"},
            ServerError,
            "an HTML page (Internal Error) instead of JSON",
        ),
        (502, {"text": "Bad gateway\n upstream"}, ServerError, "Bad gateway upstream"),
    ],
)
async def test_error_mapping(
    kind: str, status: int, answer: dict[str, Any], cls: type[APIError], message: str, httpx_mock: HTTPXMock
) -> None:
    """Each status raises its class with the body's message (JSON or not), status and request id."""
    answer = dict(answer)  # the parameter is shared between the sync and async runs
    headers = {"X-Request-Id": "req-77", **answer.pop("headers", {})}
    httpx_mock.add_response(method="POST", status_code=status, headers=headers, **answer)
    with pytest.raises(cls) as info:
        await upload(kind, "i1", PDF, retry=NO_RETRY)
    error = info.value
    assert type(error) is cls
    assert (error.provider, error.status_code, error.message) == ("upflow", status, message)
    assert error.request_id == "req-77"
    if isinstance(error, RateLimitError):
        assert error.retry_after == 7.0
    if "json" in answer:
        assert error.body == answer["json"]
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["multipart", "base64"])
async def test_retry_after_503_then_204(kind: str, encoding: str, httpx_mock: HTTPXMock) -> None:
    """A 503 is retried (replace is idempotent); the retry sends the same bytes, boundary included."""
    httpx_mock.add_response(method="POST", status_code=503, json={"message": "maintenance"})
    httpx_mock.add_response(method="POST", status_code=204)
    assert await upload(kind, ExternalId("ERP-42"), PDF, encoding=encoding) is None
    first, second = httpx_mock.get_requests()
    assert first.url == second.url == url_for("external:ERP-42")
    assert first.content == second.content
    assert first.headers["content-type"] == second.headers["content-type"]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_retry_after_read_timeout(kind: str, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    """A timeout after sending is retried too, re-reading the file from disk."""
    path = tmp_path / "x.pdf"
    path.write_bytes(PDF)
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    httpx_mock.add_response(method="POST", status_code=204)
    await upload(kind, "i1", path)
    first, second = httpx_mock.get_requests()
    assert first.content == second.content
    assert parse_multipart(second)[0].get_payload(decode=True) == PDF


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_retry_after_429(kind: str, httpx_mock: HTTPXMock) -> None:
    """A 429 is waited out (Retry-After honoured) and retried."""
    httpx_mock.add_response(method="POST", status_code=429, headers={"Retry-After": "0"})
    httpx_mock.add_response(method="POST", status_code=204)
    await upload(kind, "i1", PDF)
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_gives_up_after_the_policys_attempts(kind: str, httpx_mock: HTTPXMock) -> None:
    """Three 500s (the default attempts) raise ServerError; a 4xx is never retried."""
    httpx_mock.add_response(method="POST", status_code=500, is_reusable=True)
    with pytest.raises(ServerError):
        await upload(kind, "i1", PDF)
    assert len(httpx_mock.get_requests()) == 3


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_400_is_not_retried(kind: str, httpx_mock: HTTPXMock) -> None:
    """A refusal is final: one request."""
    httpx_mock.add_response(method="POST", status_code=400, json={"message": "no"})
    with pytest.raises(BadRequestError):
        await upload(kind, "i1", PDF)
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_connection_errors_surface_as_transport_error(kind: str, httpx_mock: HTTPXMock) -> None:
    """Refused connections are retried, then raise TransportError (not OutcomeUnknownError)."""
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    with pytest.raises(TransportError) as info:
        await upload(kind, "i1", PDF)
    assert type(info.value) is TransportError
    assert info.value.attempts == 3


@pytest.mark.anyio
async def test_redirects_are_not_followed(httpx_mock: HTTPXMock) -> None:
    """A 302 is an APIError naming the target host; the upload is not re-sent elsewhere."""
    httpx_mock.add_response(method="POST", status_code=302, headers={"Location": "https://evil.test/x"})
    with pytest.raises(APIError) as info:
        await upload("sync", "i1", PDF)
    assert "evil.test" in str(info.value)
    assert len(httpx_mock.get_requests()) == 1


# -- sync and async are twins ----------------------------------------------------------------------------


def test_sync_and_async_signatures_match() -> None:
    """upload_pdf and the constructors have identical signatures (only the httpx client type differs)."""
    sync_method = inspect.signature(upflow_client.Invoices.upload_pdf)
    async_method = inspect.signature(upflow_client.AsyncInvoices.upload_pdf)
    assert sync_method == async_method
    sync_init = inspect.signature(Upflow.__init__).parameters
    async_init = inspect.signature(AsyncUpflow.__init__).parameters
    assert list(sync_init) == list(async_init)
    for name in sync_init:
        if name != "http_client":
            assert sync_init[name] == async_init[name]
    assert inspect.iscoroutinefunction(upflow_client.AsyncInvoices.upload_pdf)
