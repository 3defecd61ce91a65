"""Files on the wire: exactly the bytes from the start position, in both encodings, on every attempt;
a file that changes, vanishes or breaks while it is sent raises a typed error; content types and
filenames cannot inject part headers.

Multipart bodies are read back with Werkzeug's parser and base64 bodies by decoding the JSON: never by
running our own encoder backwards. The mutation tests use real files on disk, changed by the reader
itself right after the first chunk was read (so the change lands mid-upload, deterministically), over
the in-process fakes and over a real loopback socket, sync and async.
"""

from __future__ import annotations

import base64
import io
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.formparser import parse_form_data

import invoicekit
from invoicekit import File, RetryPolicy, ValidationError
from invoicekit.testing import FakeSalesbricks, FakeUpflow
from invoicekit.testing._server import FakeServer

FAST = RetryPolicy(initial=0, jitter=False)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 3 + b"\n%%EOF\n"
JUNK = b"JUNK-BEFORE-THE-PDF\n" * 3
BIG = b"%PDF-1.7\n" + os.urandom(1_000_000) + b"\n%%EOF\n"  # many chunks: a change lands mid-body
KINDS = ("sync", "async")
SB_INVOICE = str(uuid.UUID(int=5))


# -- independent readers of what arrived ---------------------------------------------------------------


@attrs.frozen
class Upload:
    """One file part as Werkzeug read it."""

    filename: str | None
    content_type: str | None
    headers: dict[str, str]
    data: bytes


def werkzeug_parts(request: httpx.Request) -> tuple[MultiDict[str, str], dict[str, list[Upload]]]:
    """Parse a multipart request body with Werkzeug (a parser we did not write)."""
    body = request.content
    environ = {
        "REQUEST_METHOD": request.method,
        "CONTENT_TYPE": request.headers["content-type"],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    assert request.headers["content-length"] == str(len(body)), "the declared length is the real one"
    _, form, files = parse_form_data(environ)
    uploads: dict[str, list[Upload]] = {}
    for name, storage in files.items(multi=True):
        uploads.setdefault(name, []).append(_upload(storage))
        storage.close()
    return form, uploads


def _upload(storage: FileStorage) -> Upload:
    return Upload(storage.filename, storage.content_type, dict(storage.headers.items()), storage.read())


def base64_data(request: httpx.Request) -> bytes:
    assert request.headers["content-length"] == str(len(request.content))
    return base64.b64decode(json.loads(request.content)["data"], validate=True)


# -- clients ----------------------------------------------------------------------------------------------


@attrs.define
class Wire:
    """How a test's client reaches *fake*: in process (its transport, or a *transport* wrapping it),
    or over a real loopback socket (*base_url* on a FakeServer)."""

    fake: Any
    transport: Any = None
    base_url: str | None = None

    def http(self, kind: str) -> Any:
        transport = None if self.base_url else (self.transport or self.fake)
        return httpx.Client(transport=transport) if kind == "sync" else httpx.AsyncClient(transport=transport)

    def client(self, kind: str, http: Any, **options: Any) -> Any:
        if self.base_url:
            options.update(base_url=self.base_url, timeout=10.0)
        make = self.fake.client if kind == "sync" else self.fake.async_client
        return make(http_client=http, **options)


async def call(kind: str, wire: Wire, op: Callable[[Any], Any], **options: Any) -> Any:
    """Run *op* on a fresh sync or async client over *wire*, closing everything afterwards."""
    options.setdefault("retry", FAST)
    if kind == "sync":
        with wire.http(kind) as http, wire.client(kind, http, **options) as client:
            return op(client)
    async with wire.http(kind) as ahttp, wire.client(kind, ahttp, **options) as aclient:
        return await op(aclient)


def upflow_fake() -> tuple[FakeUpflow, str]:
    fake = FakeUpflow()
    return fake, fake.add_invoice("inv_1").id


def salesbricks_fake() -> FakeSalesbricks:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_INVOICE)
    return fake


# -- item 1: the bytes from the start position, every attempt ----------------------------------------------


SIZES = {"small": PDF, "big": BIG}  # one chunk (read whole) and many chunks (streamed)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("source", ["bytesio", "disk-file"])
@pytest.mark.parametrize("size", list(SIZES))
async def test_upflow_multipart_sends_from_the_start_position_on_every_attempt(
    size: str, source: str, kind: str, tmp_path: Path
) -> None:
    """A file object 60 bytes in: each attempt (a 503, then the retry) sends exactly the bytes from
    there, as Werkzeug reads them, with a Content-Length that matches."""
    content = SIZES[size]
    fake, inv = upflow_fake()
    fake.fail_next(503)
    path = tmp_path / "with-junk.pdf"
    path.write_bytes(JUNK + content)
    handle: Any = io.BytesIO(JUNK + content) if source == "bytesio" else open(path, "rb")  # noqa: SIM115
    with handle:
        handle.seek(len(JUNK))
        await call(kind, Wire(fake), lambda c: c.invoices.upload_pdf(inv, handle))
    assert len(fake.requests) == 2
    for request in fake.requests:
        assert (request.method, request.url.path) == ("POST", "/v1/invoices/inv_1/pdf")
        form, files = werkzeug_parts(request)
        assert list(form) == []
        assert list(files) == ["file"]
        [upload] = files["file"]
        assert upload == Upload(
            "invoice.pdf",
            "application/pdf",
            {
                "Content-Disposition": 'form-data; name="file"; filename="invoice.pdf"',
                "Content-Type": "application/pdf",
            },
            content,
        )
    assert fake.pdfs[inv] == content


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", list(SIZES))
async def test_upflow_base64_sends_from_the_start_position_on_every_attempt(size: str, kind: str) -> None:
    """The same in base64: both attempts decode to exactly the bytes from the start position."""
    content = SIZES[size]
    fake, inv = upflow_fake()
    fake.fail_next(503)
    handle = io.BytesIO(JUNK + content)
    handle.seek(len(JUNK))
    await call(kind, Wire(fake), lambda c: c.invoices.upload_pdf(inv, handle, encoding="base64"))
    assert len(fake.requests) == 2
    assert [base64_data(r) for r in fake.requests] == [content, content]
    assert fake.pdfs[inv] == content


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_salesbricks_attachments_send_from_their_start_positions(kind: str, tmp_path: Path) -> None:
    """Two attachments from one file, at two positions, and one from a path: each part is exactly its
    own bytes, on the first attempt and on the retry after a 503 (the update is safe)."""
    other = b"%PDF-1.4\nsecond attachment\n%%EOF\n"
    path = tmp_path / "third.pdf"
    path.write_bytes(b"%PDF-1.5\nthird\n%%EOF\n")
    shared = io.BytesIO(JUNK + PDF + other)
    shared.seek(len(JUNK))
    first = File(shared)
    fake = salesbricks_fake()
    fake.fail_next(503)

    def op(client: Any) -> Any:
        return client.invoices.update(SB_INVOICE, invoice_memo="m", pdf_attachments=[first, path])

    await call(kind, Wire(fake), op)
    assert len(fake.requests) == 2
    for request in fake.requests:
        form, files = werkzeug_parts(request)
        assert form.getlist("invoice_memo") == ["m"]
        parts = files["pdf_attachments"]
        assert [p.data for p in parts] == [PDF + other, path.read_bytes()]
        assert [p.filename for p in parts] == ["attachment-1.pdf", "third.pdf"]


# -- item 15: content types and filenames ------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "application/pdf\r\nX-Evil: 1",
        "application/pdf\nX-Evil: 1",
        "application/pdf\r",
        "application/pdf\x00",
        "pdf",
        "",
        "application/",
        "/pdf",
        "application/pdf; charset",
        "application/pdf;charset=ü",
        "applicätion/pdf",
        " application/pdf",
        "application/pdf ",
        'text/plain; name="a\r\nb"',
        "text/plain; a=b c",
    ],
)
def test_content_type_must_be_a_media_type(bad: str) -> None:
    """Anything that is not type/subtype with token characters and well-formed parameters is refused
    when the File is made, naming content_type."""
    with pytest.raises(ValidationError) as caught:
        File(PDF, content_type=bad)
    assert caught.value.field == "content_type"


@pytest.mark.parametrize(
    "good",
    ["application/pdf", "text/plain; charset=utf-8", 'application/x-thing;a="b c";d=e', "image/svg+xml"],
)
def test_media_types_are_accepted_and_sent_as_given(good: str) -> None:
    fake, inv = upflow_fake()
    with fake.client() as client:
        client.invoices.upload_pdf(inv, File(PDF, content_type=good))
    _, files = werkzeug_parts(fake.requests[-1])
    [upload] = files["file"]
    assert (upload.headers["Content-Type"], upload.data) == (good, PDF)


def test_content_type_injection_attempt_never_reaches_the_wire() -> None:
    """The injection from the issue: refused, and no request was made."""
    fake, inv = upflow_fake()
    with fake.client() as client, pytest.raises(ValidationError, match="content_type"):
        client.invoices.upload_pdf(inv, File(PDF, content_type="application/pdf\r\nX-Evil: 1"))
    assert fake.requests == []


@pytest.mark.parametrize(
    "bad", ["a\r\nX-Evil: 1.pdf", "a\n.pdf", "a\r.pdf", "a\x00.pdf", "a\x1b[31m.pdf", "a\x7f"]
)
def test_filename_with_control_characters_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        File(PDF, filename=bad)
    assert caught.value.field == "filename"


def test_filename_quotes_and_backslashes_stay_inside_the_part_header() -> None:
    """Quotes and backslashes cannot end the filename parameter early: Werkzeug sees one part named
    ``file`` with exactly two headers, the exact content and the exact filename (the quote travels as
    %22, as browsers send it, the backslash escaped)."""
    fake, inv = upflow_fake()
    name = 'in"v"; name="evil\\.pdf'
    with fake.client() as client:
        client.invoices.upload_pdf(inv, File(PDF, filename=name))
    assert b'filename="in%22v%22; name=%22evil\\\\.pdf"' in fake.requests[-1].content
    form, files = werkzeug_parts(fake.requests[-1])
    assert list(form) == []
    assert list(files) == ["file"]
    [part] = files["file"]
    assert (part.data, part.filename) == (PDF, name)
    assert sorted(part.headers) == ["Content-Disposition", "Content-Type"]


# -- item 2: a file that changes while it is sent ----------------------------------------------------------


class MutatingFile(io.FileIO):
    """A real file on disk that runs *mutate* once a read has gone 300 KB into it (mid-upload of the
    1 MB file: chunks before were sent, chunks after are read after the change)."""

    def __init__(self, path: Path, mutate: Callable[[MutatingFile], None]) -> None:
        super().__init__(path, "rb")
        self.path = path
        self._mutate: Callable[[MutatingFile], None] | None = mutate

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        if self._mutate is not None and self.tell() > 300_000:  # mid-file: well past any probe
            mutate, self._mutate = self._mutate, None
            mutate(self)
        return data


def _truncate(f: MutatingFile) -> None:
    os.truncate(f.path, 200_000)


def _grow(f: MutatingFile) -> None:
    with open(f.path, "ab") as out:
        out.write(b"appended while the upload ran")


def _delete(f: MutatingFile) -> None:
    os.unlink(f.path)


def _replace(f: MutatingFile) -> None:
    fresh = f.path.with_suffix(".new")
    fresh.write_bytes(b"%PDF-1.7\nanother file\n%%EOF\n")
    os.replace(fresh, f.path)


def _close(f: MutatingFile) -> None:
    f.close()


BROKEN: dict[str, tuple[Callable[[MutatingFile], None], str]] = {
    "truncated": (_truncate, "shrank"),
    "grown": (_grow, "grew"),
    "closed": (_close, "could not be read"),
}
# The open file keeps reading the content it had: the upload is whole and exactly the original.
HARMLESS: dict[str, Callable[[MutatingFile], None]] = {"deleted": _delete, "replaced": _replace}


@pytest.fixture
def big_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "big.pdf"
    path.write_bytes(BIG)
    return path


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer({}) as served:
        yield served


WIRES = ("in-process", "loopback")


def _wire(wire: str, server: FakeServer, fake: Any, name: str) -> Wire:
    if wire == "in-process":
        return Wire(fake)
    server.fakes[name] = fake
    return Wire(fake, base_url=server.base_url(name))


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("encoding", ["multipart", "base64"])
@pytest.mark.parametrize("change", list(BROKEN))
async def test_upflow_file_broken_mid_upload_is_a_transport_error(
    change: str, encoding: str, wire: str, kind: str, big_pdf: Path, server: FakeServer
) -> None:
    """A safe call whose file shrinks, grows or is closed mid-upload: TransportError (exactly, not
    ValidationError, since bytes were sent), no retry of a file in flux, nothing applied."""
    mutate, words = BROKEN[change]
    fake, inv = upflow_fake()
    with MutatingFile(big_pdf, mutate) as handle, pytest.raises(invoicekit.TransportError) as caught:
        await call(
            kind,
            _wire(wire, server, fake, "upflow"),
            lambda c: c.invoices.upload_pdf(inv, handle, encoding=encoding),
        )
    assert type(caught.value) is invoicekit.TransportError
    assert words in str(caught.value)
    assert "upload broke off" in str(caught.value)
    assert caught.value.attempts == 1
    assert fake.invoices[inv].uploads == 0
    assert fake.pdfs.get(inv) is None


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("change", list(BROKEN))
async def test_salesbricks_unsafe_file_broken_mid_upload_is_outcome_unknown(
    change: str, wire: str, kind: str, big_pdf: Path, server: FakeServer
) -> None:
    """An unsafe update (send_invoice=True, no idempotency key) whose attachment breaks mid-upload:
    OutcomeUnknownError, one request, nothing applied or sent."""
    mutate, words = BROKEN[change]
    fake = salesbricks_fake()
    with MutatingFile(big_pdf, mutate) as handle, pytest.raises(invoicekit.OutcomeUnknownError) as caught:
        await call(
            kind,
            _wire(wire, server, fake, "salesbricks"),
            lambda c: c.invoices.update(
                SB_INVOICE, send_invoice=True, idempotency_key=None, pdf_attachments=[handle]
            ),
        )
    assert words in str(caught.value)
    assert caught.value.attempts == 1
    invoice = fake.invoices[SB_INVOICE]
    assert (invoice.updates, invoice.times_sent, invoice.attachments) == (0, 0, [])


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("change", list(HARMLESS))
async def test_file_deleted_or_replaced_mid_upload_still_sends_the_original(
    change: str, wire: str, kind: str, big_pdf: Path, server: FakeServer
) -> None:
    """Unlinking or renaming over the path while the open file is read does not change what is read:
    the upload completes with exactly the original bytes."""
    fake, inv = upflow_fake()
    with MutatingFile(big_pdf, HARMLESS[change]) as handle:
        await call(kind, _wire(wire, server, fake, "upflow"), lambda c: c.invoices.upload_pdf(inv, handle))
    assert fake.pdfs[inv] == BIG


class Hook(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Reads each request whole, runs *between* with its index (so a change lands between attempts),
    then lets the fake answer."""

    def __init__(self, fake: Any, between: Callable[[int], None]) -> None:
        self.fake, self.between, self.seen = fake, between, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen += 1
        self.between(self.seen)
        response: httpx.Response = self.fake.handle_request(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.seen += 1
        self.between(self.seen)
        response: httpx.Response = await self.fake.handle_async_request(request)
        return response


def _write_if_first(n: int, path: Path, content: bytes) -> None:
    if n == 1:
        path.write_bytes(content)


def hooked(fake: Any, between: Callable[[int], None]) -> Wire:
    return Wire(fake, transport=Hook(fake, between))


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_path_vanished_before_anything_was_sent_is_a_validation_error(kind: str, big_pdf: Path) -> None:
    """The first attempt never left (connection refused); the path is gone before the retry: nothing
    was ever sent, so ValidationError naming the file, and the fake saw no request."""
    fake, inv = upflow_fake()
    fake.refuse_next()
    make = hooked(fake, lambda n: big_pdf.unlink() if n == 1 else None)
    with pytest.raises(ValidationError) as caught:
        await call(kind, make, lambda c: c.invoices.upload_pdf(inv, big_pdf))
    assert caught.value.field == "pdf"
    assert "No such file" in str(caught.value)
    assert "nothing was sent" in str(caught.value)
    assert fake.requests == []


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_path_vanished_before_a_retry_is_a_transport_error(kind: str, big_pdf: Path) -> None:
    """The first attempt was sent (a 503); the path is gone before the retry: TransportError, never a
    ValidationError claiming nothing was sent."""
    fake, inv = upflow_fake()
    fake.fail_next(503)
    make = hooked(fake, lambda n: big_pdf.unlink() if n == 1 else None)
    with pytest.raises(invoicekit.TransportError) as caught:
        await call(kind, make, lambda c: c.invoices.upload_pdf(inv, big_pdf))
    assert type(caught.value) is invoicekit.TransportError
    assert "No such file" in str(caught.value)
    assert caught.value.attempts == 2
    assert len(fake.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_unsafe_path_vanished_after_a_send_is_outcome_unknown(kind: str, big_pdf: Path) -> None:
    """An unsafe update retried after a 429 (the only answer an unsafe call is resent after) whose
    attachment is gone: OutcomeUnknownError, not a ValidationError, not a raw FileNotFoundError."""
    fake = salesbricks_fake()
    fake.fail_next(429, retry_after=0)
    make = hooked(fake, lambda n: big_pdf.unlink() if n == 1 else None)
    with pytest.raises(invoicekit.OutcomeUnknownError, match="No such file"):
        await call(
            kind,
            make,
            lambda c: c.invoices.update(
                SB_INVOICE, send_invoice=True, idempotency_key=None, pdf_attachments=[big_pdf]
            ),
        )
    assert fake.invoices[SB_INVOICE].times_sent == 0


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_path_emptied_between_check_and_send_is_refused(kind: str, big_pdf: Path) -> None:
    """A checked file found empty when the attempt opens it is refused before sending."""
    fake, inv = upflow_fake()
    fake.refuse_next()
    make = hooked(fake, lambda n: _write_if_first(n, big_pdf, b""))
    with pytest.raises(ValidationError, match="empty now") as caught:
        await call(kind, make, lambda c: c.invoices.upload_pdf(inv, big_pdf))
    assert caught.value.field == "pdf"


def test_path_rewritten_between_attempts_is_read_whole_again(big_pdf: Path) -> None:
    """A retry re-reads a path (documented): a file rewritten with another size between attempts is
    sent whole, with its own Content-Length, not cut to or padded from the old size."""
    fake, inv = upflow_fake()
    fake.fail_next(503)
    smaller = b"%PDF-1.7\nsmaller now\n%%EOF\n"
    make = hooked(fake, lambda n: _write_if_first(n, big_pdf, smaller))
    with make.http("sync") as http, make.client("sync", http, retry=FAST) as client:
        client.invoices.upload_pdf(inv, big_pdf)
    assert fake.pdfs[inv] == smaller
    _, files = werkzeug_parts(fake.requests[-1])
    assert [f.data for f in files["file"]] == [smaller]
