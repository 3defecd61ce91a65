"""Adversary tests for files, typed errors and RetryPolicy (issue 13 items 1, 2, 5, 15).

What arrived is read by a recording HTTP server on a real loopback socket (the stdlib's http.server,
its own framing) and by Werkzeug's multipart parser; base64 bodies are decoded with the stdlib.
"""

from __future__ import annotations

import asyncio
import base64
import http.server
import io
import json
import os
import socketserver
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from werkzeug.formparser import parse_form_data

from invoicekit import (
    File,
    NotFoundError,
    OutcomeUnknownError,
    RetryPolicy,
    TransportError,
    ValidationError,
    payabli,
)
from invoicekit.salesbricks import Salesbricks
from invoicekit.testing import FakePayabli, FakeSalesbricks, FakeUpflow, FakeWhmcs
from invoicekit.upflow import AsyncUpflow, Upflow
from phpform import parse_str

FAST = RetryPolicy(initial=0, jitter=False)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 3 + b"\n%%EOF\n"
BIG = b"%PDF-1.7\n" + bytes(range(256)) * 4000 + os.urandom(200_000) + b"\n%%EOF\n"  # many chunks
JUNK = b"JUNK-BEFORE-THE-PDF\n"
Encoding = Literal["multipart", "base64"]
ENCODINGS: tuple[Encoding, ...] = ("multipart", "base64")


class Recorder:
    """A loopback HTTP/1.1 server that records every request body it read in full and answers 204."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        record = self._record

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    body = b""
                    while size := int(self.rfile.readline().strip(), 16):
                        body += self.rfile.read(size)
                        self.rfile.readline()
                    self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers["content-length"]))
                record(self.headers["content-type"], body)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _record(self, content_type: str, body: bytes) -> None:
        with self._lock:
            self.bodies.append((content_type, body))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    served = Recorder()
    yield served
    served.close()


def uploaded(content_type: str, body: bytes, encoding: Encoding) -> bytes:
    """The file a request carried, read by an independent parser."""
    if encoding == "base64":
        return base64.b64decode(json.loads(body)["data"], validate=True)
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, _, files = parse_form_data(environ)
    (storage,) = files.getlist("file")
    data: bytes = storage.read()
    storage.close()
    return data


def at_offset(content: bytes) -> io.BytesIO:
    handle = io.BytesIO(JUNK + content)
    handle.seek(len(JUNK))
    return handle


# -- one File (one file object) in concurrent calls -----------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_one_file_in_concurrent_async_uploads_sends_its_bytes_to_each(
    encoding: Encoding, recorder: Recorder
) -> None:
    """The same PDF to three invoices at once (asyncio.gather): each upload streams from the one file
    object, so an upload must read its own position, not wherever another upload left the handle."""
    pdf = File(at_offset(BIG))
    async with AsyncUpflow(api_key="k", api_secret="s", base_url=recorder.url, retry=FAST) as client:
        results = await asyncio.gather(
            *(client.invoices.upload_pdf(f"inv_{n}", pdf, encoding=encoding) for n in range(3)),
            return_exceptions=True,
        )
    assert results == [None, None, None]
    assert len(recorder.bodies) == 3
    for content_type, body in recorder.bodies:
        assert uploaded(content_type, body, encoding) == BIG


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_one_file_in_concurrent_threads_never_sends_wrong_bytes(
    encoding: Encoding, recorder: Recorder
) -> None:
    """Three threads upload one File: each gets exactly the file's bytes (before the fix: some failed,
    and one could even succeed with bytes from the wrong place)."""
    pdf = File(at_offset(BIG))
    results: list[object] = []
    with Upflow(api_key="k", api_secret="s", base_url=recorder.url, retry=FAST) as client:

        def upload(n: int) -> None:
            try:
                client.invoices.upload_pdf(f"inv_{n}", pdf, encoding=encoding)
                results.append(None)
            except Exception as exc:  # recorded, asserted below
                results.append(exc)

        threads = [threading.Thread(target=upload, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [None, None, None]
    for content_type, body in recorder.bodies:
        assert uploaded(content_type, body, encoding) == BIG


@pytest.mark.parametrize("size", [64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 3 * 21_846 + 1, 300_000])
def test_same_file_object_twice_in_one_salesbricks_update(size: int) -> None:
    """One raw file object given twice in one update (two attachments): both parts are the whole file
    from its start position, on the first attempt and on the retry after a 503."""
    content = b"%PDF-1.7\n" + os.urandom(size - 9)
    handle = at_offset(content)
    fake = FakeSalesbricks()
    invoice = "00000000-0000-0000-0000-000000000005"
    fake.add_invoice(invoice)
    fake.fail_next(503)
    with httpx.Client(transport=fake) as http, fake.client(http_client=http, retry=FAST) as client:
        client.invoices.update(invoice, invoice_memo="m", pdf_attachments=[handle, handle])
    assert len(fake.requests) == 2
    for request in fake.requests:
        body = request.content
        environ = {
            "REQUEST_METHOD": "PATCH",
            "CONTENT_TYPE": request.headers["content-type"],
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        _, _, files = parse_form_data(environ)
        parts = files.getlist("pdf_attachments")
        assert [part.read() for part in parts] == [content, content]
        for part in parts:
            part.close()


# -- file objects a careless caller passes -----------------------------------------------------------------


def _upflow_upload(source: Any, encoding: Encoding) -> FakeUpflow:
    fake = FakeUpflow()
    invoice = fake.add_invoice("inv_1").id
    with httpx.Client(transport=fake) as http, fake.client(http_client=http, retry=FAST) as client:
        client.invoices.upload_pdf(invoice, source, encoding=encoding)
    return fake


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_text_mode_file_is_a_validation_error(encoding: Encoding, tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.7\nplain text\n")
    with open(path, encoding="latin-1") as text:
        with pytest.raises(ValidationError, match="binary") as caught:
            _upflow_upload(text, encoding)
        assert caught.value.field == "pdf"
        with pytest.raises(ValidationError, match="binary"):
            _upflow_upload(File(text), encoding)  # type: ignore[arg-type]  # what a careless caller does


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("how", ["closed", "write-only"])
def test_closed_or_write_only_file_object_is_a_validation_error(
    how: str, encoding: Encoding, tmp_path: Path
) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(PDF)
    handle = open(path, "rb") if how == "closed" else open(path, "ab")  # noqa: SIM115
    if how == "closed":
        handle.close()
    try:
        with pytest.raises(ValidationError) as caught:
            _upflow_upload(handle, encoding)
        assert caught.value.field == "pdf"
    finally:
        handle.close()


class _Broken(io.RawIOBase):
    """A file-like object of the caller's own making whose read fails with an arbitrary exception."""

    def __init__(self, fail_after: int) -> None:
        super().__init__()
        self._data = io.BytesIO(BIG)
        self._fail_after = fail_after

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._data.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._data.seek(offset, whence)

    def read(self, size: int | None = -1) -> bytes:
        if self._data.tell() >= self._fail_after:
            raise RuntimeError("the caller's reader broke")
        return self._data.read(-1 if size is None else size)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_file_object_raising_at_check_is_a_validation_error(encoding: Encoding) -> None:
    with pytest.raises(ValidationError) as caught:
        _upflow_upload(_Broken(fail_after=0), encoding)
    assert caught.value.field == "pdf"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_file_object_raising_mid_upload_is_a_transport_error(encoding: Encoding) -> None:
    """Checked fine, then breaks after 100 KB were sent: a typed TransportError (the upload is safe),
    never the caller's RuntimeError."""
    with pytest.raises(TransportError, match="upload broke off"):
        _upflow_upload(_Broken(fail_after=100_000), encoding)


def test_fifo_path_is_refused_not_waited_on(tmp_path: Path) -> None:
    """A path that is a FIFO (nobody writing) would block the check forever in open(): refuse it."""
    fifo = tmp_path / "a.pdf"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def upload() -> None:
        try:
            _upflow_upload(str(fifo), "multipart")
            outcome.append(None)
        except BaseException as exc:  # recorded, asserted below
            outcome.append(exc)

    thread = threading.Thread(target=upload, daemon=True)
    thread.start()
    thread.join(10)
    hung = thread.is_alive()
    if hung:  # unblock the reader so the thread ends
        with open(fifo, "wb"):
            pass
        thread.join(10)
    assert not hung, "the check waited for a writer on the FIFO"
    assert isinstance(outcome[0], ValidationError)
    assert outcome[0].field == "pdf"
    assert "regular file" in str(outcome[0])


# -- RetryPolicy --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["initial", "cap", "max_retry_after"])
def test_retry_policy_huge_int_seconds_is_a_validation_error(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RetryPolicy(**{name: 10**400})  # type: ignore[arg-type]
    assert caught.value.field == f"RetryPolicy.{name}"


# -- numbers and text of a subclass: what is checked is what is sent -----------------------------------------


class LoudDecimal(Decimal):
    """A Decimal subclass (as ORMs and money libraries make) that writes itself its own way."""

    def __format__(self, spec: str, context: object = None, /) -> str:
        return "1e999"

    def __str__(self) -> str:
        return "evil"


class LoudInt(int):
    def __str__(self) -> str:
        return "evil"

    def __repr__(self) -> str:
        return "evil"

    def __format__(self, spec: str) -> str:
        return "evil"


class LoudStr(str):
    __slots__ = ()

    def __str__(self) -> str:
        return "evil"


def test_decimal_subclass_amount_is_sent_as_its_value() -> None:
    """Payabli JSON: the amount checked (12.5) is the amount written, not the subclass's own text."""
    fake = FakePayabli()
    fake.add_invoice(6)
    with httpx.Client(transport=fake) as http, fake.client(http_client=http) as client:
        client.invoices.update(6, invoice_data=payabli.BillData(invoice_amount=LoudDecimal("12.5")))
    (request,) = fake.requests
    assert request.content == b'{"invoiceData":{"invoiceAmount":12.5}}'


def test_int_and_str_subclasses_are_sent_as_their_values_in_whmcs_forms() -> None:
    fake = FakeWhmcs()
    with (
        httpx.Client(transport=fake) as http,
        fake.client(http_client=http) as client,
        pytest.raises(NotFoundError),  # no invoice 42 in the fake: only the request matters here
    ):
        client.invoices.update(LoudInt(42), notes=LoudStr("hello"))
    (request,) = fake.requests
    form = parse_str(request.content)
    assert form["invoiceid"] == "42"
    assert form["notes"] == "hello"


def test_int_and_str_subclass_ids_are_sent_as_their_values_in_paths() -> None:
    fake = FakePayabli()
    fake.add_invoice(6)
    with httpx.Client(transport=fake) as http, fake.client(http_client=http) as client:
        client.invoices.update(LoudInt(6), invoice_data=payabli.BillData(invoice_number="INV-6"))
    upflow = FakeUpflow()
    invoice = upflow.add_invoice("inv_1").id
    with httpx.Client(transport=upflow) as http, upflow.client(http_client=http) as up:
        up.invoices.upload_pdf(LoudStr(invoice), PDF)
    assert fake.requests[0].url.path.endswith("/Invoice/6")
    assert upflow.requests[0].url.path.endswith(f"/invoices/{invoice}/pdf")


# -- names and media types: checked however they are given ---------------------------------------------


@pytest.mark.parametrize("path", ["a\x00b.pdf", "\ud800.pdf"], ids=["nul", "lone-surrogate"])
def test_unusable_path_is_a_validation_error(path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _upflow_upload(path, "multipart")
    assert caught.value.field in ("pdf", "pdf.filename")  # a surrogate name is caught as the part's name


def test_filename_with_a_lone_surrogate_is_refused_when_made() -> None:
    with pytest.raises(ValidationError) as caught:
        File(PDF, filename="\ud800.pdf")
    assert caught.value.field == "filename"


def test_content_type_and_filename_set_later_are_checked_too() -> None:
    """Setting the attributes after File() was made cannot inject a part header either."""
    pdf = File(PDF)
    with pytest.raises(ValidationError) as caught:
        pdf.content_type = "application/pdf\r\nX-Evil: 1"
    assert caught.value.field == "content_type"
    with pytest.raises(ValidationError) as caught:
        pdf.filename = "a\r\nX-Evil: 1"
    assert caught.value.field == "filename"
    fake = _upflow_upload(pdf, "multipart")
    (request,) = fake.requests
    assert b"X-Evil" not in request.content
    assert b"Content-Type: application/pdf\r\n\r\n" in request.content


@pytest.mark.parametrize("option", ["timeout", "deadline"])
def test_huge_int_seconds_option_is_a_validation_error(option: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Upflow(api_key="k", api_secret="s", **{option: 10**400})  # type: ignore[arg-type]
    assert caught.value.field == option


# -- RuntimeErrors from the send: typed, and "closed" in a message is not a closed client --------------------

SB_INVOICE = "00000000-0000-0000-0000-000000000005"


@pytest.mark.parametrize(
    "message", ["Event loop is closed", "Task got Future attached to a different loop", "boom"]
)
def test_runtime_error_from_the_send_is_typed_by_safety(message: str) -> None:
    """A RuntimeError raised while sending may come after the bytes left: an unsafe call is
    OutcomeUnknownError, a safe one TransportError; never the raw RuntimeError, and never "the client is
    closed" because the text happens to say "closed"."""

    def explode(request: httpx.Request) -> httpx.Response:
        request.read()  # the whole body went out
        raise RuntimeError(message)

    def update(idempotency_key: str | None) -> None:
        with (
            httpx.Client(transport=httpx.MockTransport(explode)) as http,
            Salesbricks(api_key="sk", http_client=http, retry=FAST) as client,
        ):
            client.invoices.update(
                SB_INVOICE, pdf_attachments=[PDF], send_invoice=True, idempotency_key=idempotency_key
            )

    with pytest.raises(OutcomeUnknownError) as unsafe:
        update(None)
    assert "client is closed" not in str(unsafe.value)
    with pytest.raises(TransportError) as safe:
        update("key-1")
    assert type(safe.value) is TransportError
    assert "client is closed" not in str(safe.value)


class _Overreader(io.BytesIO):
    """A file object whose read() returns more than it was asked for."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        return data + b"EXTRA" if size is not None and size > 5 and data else data


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_reader_returning_more_than_asked_is_typed(encoding: Encoding, recorder: Recorder) -> None:
    """Over a real socket, the extra bytes overran the declared Content-Length: h11's raw
    LocalProtocolError escaped. It is a TransportError (the upload is safe), and nothing extra is sent."""
    with (
        Upflow(api_key="k", api_secret="s", base_url=recorder.url, retry=FAST) as client,
        pytest.raises(TransportError, match="upload broke off"),
    ):
        client.invoices.upload_pdf("inv_1", _Overreader(BIG), encoding=encoding)
    assert all(b"EXTRA" not in body for _, body in recorder.bodies)
