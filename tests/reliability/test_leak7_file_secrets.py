"""A caller's file object (or path object) whose methods raise (leak7): what it raised never carries the
client's credentials into the error the call raises (its text, repr, args, attributes, chain, pickle, the
locals of invoicekit's frames in its traceback) or into the logs, whether it raised while the file was
checked (before the network), while the request was built, or while the body was sent; and whatever it
raises, nothing but an invoicekit error escapes (KeyboardInterrupt and SystemExit go on).

A caller's wrapper can quote anything: here it quotes a URL holding both Upflow credentials, raw,
URL-encoded and in base64, as a proxy's error would.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import io
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import invoicekit as ik
from invoicekit import File, InvoiceChange, _files, invoro, payabli
from invoicekit.salesbricks import Add
from invoicekit.testing import FakeInvoro, FakePayabli, FakeSalesbricks, FakeUpflow
from invoicekit.upflow._client import ENCODINGS, Encoding

from ._scenarios import FAST
from .test_secrets import assert_absent, debug_logs, error_texts

KEY = "uk_live/5fQ9+zR8"
SECRET = "us_live&Kx7Wm3p"
SECRETS = [KEY, SECRET]
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 1000 + b"\n%%EOF\n"  # over one 64 KiB chunk: streamed
SMALL = b"%PDF-1.7\n% small\n%%EOF\n"  # read whole when checked (a path's content is kept)
TEXT = (
    f"GET https://proxy.example/upload?key={quote(KEY, safe='')}&secret={SECRET} failed "
    f"(Authorization: Basic {base64.b64encode(f'{KEY}:{SECRET}'.encode()).decode()}, key {KEY})"
)


class _Odd(BaseException):
    """A BaseException of the caller's own, neither KeyboardInterrupt nor SystemExit."""


class _Unprintable(Exception):
    """An exception whose own __str__ raises (quoting the credentials as it does)."""

    def __str__(self) -> str:
        raise RuntimeError(TEXT)


ERRORS: dict[str, Callable[[], BaseException]] = {
    "RuntimeError": lambda: RuntimeError(TEXT),
    "OSError": lambda: OSError(errno.EIO, TEXT),  # its strerror is what an error quotes
    "RecursionError": lambda: RecursionError(TEXT),
    "BaseException": lambda: _Odd(TEXT),
    "CancelledError": lambda: asyncio.CancelledError(TEXT),  # no cancel made it: the file's own
    "unprintable": _Unprintable,
}


class Failing(io.RawIOBase):
    """A seekable binary file object of the caller's own that raises *error()* at one *stage* of a call:
    ``check`` its first tell(); ``build`` its second seek to the end (the first is the check's); ``build-
    seekable`` its second seekable(); ``send`` a read past 100,000 bytes (the body is being sent)."""

    def __init__(self, stage: str, error: Callable[[], BaseException], content: bytes = PDF) -> None:
        super().__init__()
        self._data = io.BytesIO(content)
        self._stage = stage
        self._error = error
        self._ends = 0
        self._seekables = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        self._seekables += 1
        if self._stage == "build-seekable" and self._seekables > 1:
            raise self._error()
        return True

    def tell(self) -> int:
        if self._stage == "check":
            raise self._error()
        return self._data.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            self._ends += 1
            if self._stage == "build" and self._ends > 1:
                raise self._error()
        return self._data.seek(offset, whence)

    def read(self, size: int | None = -1) -> bytes:
        if self._stage == "send" and self._data.tell() >= 100_000:
            raise self._error()
        return self._data.read(-1 if size is None else size)


class FailingPath(os.PathLike[str]):
    """A path object of the caller's own whose __fspath__ raises *error()*: from its first call (``check``),
    or from its third (``build``: the check asked twice, for the name and to open it)."""

    def __init__(self, path: Path, stage: str, error: Callable[[], BaseException]) -> None:
        self._path = path
        self._stage = stage
        self._error = error
        self.calls = 0

    def __fspath__(self) -> str:
        self.calls += 1
        if self._stage == "check" or self.calls > 2:
            raise self._error()
        return str(self._path)


def _upflow() -> tuple[FakeUpflow, str]:
    fake = FakeUpflow(api_key=KEY, api_secret=SECRET)
    return fake, fake.add_invoice("inv_1").id


def _upload(source: Any, encoding: Encoding, mode: str, how: str = "upload_pdf") -> BaseException:
    """The error an Upflow upload of *source* raised (sync or async; or through apply or plan)."""
    fake, invoice = _upflow()

    async def run_async() -> None:
        async with httpx.AsyncClient(transport=fake) as http, fake.async_client(http_client=http) as client:
            await client.with_options(retry=FAST).invoices.upload_pdf(invoice, source, encoding=encoding)

    try:
        if mode == "async":
            asyncio.run(run_async())
        else:
            with httpx.Client(transport=fake) as http, fake.client(http_client=http, retry=FAST) as client:
                if how == "upload_pdf":
                    client.invoices.upload_pdf(invoice, source, encoding=encoding)
                elif how == "apply":
                    client.invoices.apply(invoice, InvoiceChange(pdf=source), extra={"encoding": encoding})
                else:
                    client.invoices.plan(invoice, InvoiceChange(pdf=source), extra={"encoding": encoding})
    except ik.InvoiceKitError as exc:
        return exc
    pytest.fail("the call succeeded")


def _assert_clean(error: BaseException, logs: list[str] | None = None, secrets: list[str] = SECRETS) -> None:
    """No form of any of *secrets* anywhere in *error* (text, repr, args, attributes, chain, traceback
    with the locals of invoicekit's frames), its pickle, or *logs*; and it pickles back as it was."""
    assert_absent(secrets, error_texts(error), "the error")
    assert_absent(secrets, [pickle.dumps(error).decode("latin-1")], "the pickled error")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)
    assert_absent(secrets, logs or [], "the logs")


def _shown(error: BaseException, kind: str) -> None:
    """What the caller's object raised is named, its credentials masked (never the text dropped)."""
    if kind == "unprintable":
        assert "its __str__ raised" in str(error)
    else:
        assert "***" in str(error), str(error)


#: Each stage and what the object raises there. (A seekable() that raises OSError or ValueError says "not
#: seekable", as io's objects do: sent as a one-shot stream, not a failure.)
UNSENT = [
    (stage, kind)
    for stage in ("check", "build", "build-seekable")
    for kind in sorted(ERRORS)
    if not (stage == "build-seekable" and kind == "OSError")
]


@pytest.mark.parametrize(("stage", "kind"), UNSENT)
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_file_object_raising_before_anything_is_sent_is_a_scrubbed_validation_error(
    mode: str, encoding: Encoding, stage: str, kind: str
) -> None:
    with debug_logs() as logs:
        error = _upload(Failing(stage, ERRORS[kind]), encoding, mode)
    assert type(error) is ik.ValidationError, error
    assert error.field == "pdf"
    assert ("nothing was sent" in str(error)) is (stage != "check")
    assert error.__cause__ is None
    assert error.__context__ is None
    _shown(error, kind)
    _assert_clean(error, list(logs.texts()))


@pytest.mark.parametrize("kind", sorted(ERRORS))
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_file_object_raising_while_the_body_is_sent_is_a_scrubbed_transport_error(
    mode: str, encoding: Encoding, kind: str
) -> None:
    """The body broke off mid-way: a TransportError (an upload is safe), its log lines and its chained
    cause scrubbed too."""
    with debug_logs() as logs:
        error = _upload(Failing("send", ERRORS[kind]), encoding, mode)
    assert type(error) is ik.TransportError, error
    assert "upload broke off" in str(error)
    _shown(error, kind)
    _assert_clean(error, list(logs.texts()))


@pytest.mark.parametrize("kind", sorted(ERRORS))
@pytest.mark.parametrize("stage", ["check", "build"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_path_object_whose_fspath_raises_is_a_scrubbed_validation_error(
    encoding: Encoding, stage: str, kind: str, tmp_path: Path
) -> None:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(SMALL)
    source = FailingPath(path, stage, ERRORS[kind])
    with debug_logs() as logs:
        error = _upload(source, encoding, "sync")
    assert type(error) is ik.ValidationError, error
    assert error.field == "pdf"
    assert error.__cause__ is None
    assert error.__context__ is None
    assert ("nothing was sent" in str(error)) is (stage == "build")
    _shown(error, kind)
    _assert_clean(error, list(logs.texts()))
    assert repr(File(source)) == "File(<FailingPath>, filename=None, content_type='application/pdf')"


@pytest.mark.parametrize("how", ["apply", "plan"])
@pytest.mark.parametrize("stage", ["check", "build"])
def test_apply_and_plan_scrub_it_too(how: str, stage: str) -> None:
    """plan reads the file's size (no request is built): it fails at the check either way."""
    error = _upload(Failing(stage, ERRORS["RuntimeError"]), "base64", "sync", how)
    assert type(error) is ik.ValidationError, error
    assert error.__cause__ is None
    assert error.__context__ is None
    _shown(error, "RuntimeError")
    _assert_clean(error)


def _salesbricks(source: Any) -> None:
    fake = FakeSalesbricks(api_key=KEY)
    invoice = "9d1e0000-0000-4000-8000-00000000000a"
    fake.add_invoice(invoice)
    with httpx.Client(transport=fake) as http, fake.client(http_client=http, retry=FAST) as client:
        client.invoices.update(invoice, attachments=[Add(source)])


def _payabli(source: Any) -> None:
    fake = FakePayabli(api_key=KEY)
    fake.add_invoice(1001)
    with httpx.Client(transport=fake) as http, fake.client(http_client=http, retry=FAST) as client:
        client.invoices.update(1001, invoice_data=payabli.BillData(attachments=[source]))


def _invoro(source: Any) -> None:
    fake = FakeInvoro(api_key=KEY)
    invoice = fake.add_invoice().id
    with httpx.Client(transport=fake) as http, fake.client(http_client=http, retry=FAST) as client:
        client.invoices.update_draft(
            invoice, invoro.DraftInvoice(attachments=[invoro.Attachment(content=source)])
        )


@pytest.mark.parametrize("stage", ["check", "build", "send"])
@pytest.mark.parametrize(
    "provider", [_salesbricks, _payabli, _invoro], ids=["salesbricks", "payabli", "invoro"]
)
def test_every_operation_taking_a_file_scrubs_it(provider: Callable[[Any], None], stage: str) -> None:
    with debug_logs() as logs, pytest.raises(ik.InvoiceKitError) as caught:
        provider(Failing(stage, ERRORS["RuntimeError"]))
    error = caught.value
    assert type(error) in (
        {ik.TransportError, ik.OutcomeUnknownError} if stage == "send" else {ik.ValidationError}
    )
    _shown(error, "RuntimeError")
    _assert_clean(error, list(logs.texts()), [KEY])  # (their one credential; the text quotes SECRET too)


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("stage", ["check", "build", "build-seekable", "send"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_interrupt_from_the_file_object_goes_on(
    mode: str, stage: str, interrupt: type[BaseException]
) -> None:
    with pytest.raises(interrupt):
        _upload(Failing(stage, interrupt), "multipart", mode)


def test_a_long_text_is_described_never_quoted_in_part() -> None:
    """A ValidationError shows a long rule by its two ends: a credential cut there would not be found
    whole, and half of it would show. So a caller's long text is not quoted at all."""
    long = "x" * 300 + TEXT + "y" * 300
    error = _upload(Failing("check", lambda: RuntimeError(long)), "multipart", "sync")
    assert isinstance(error, ik.ValidationError)
    assert "characters, is not shown" in error.rule
    assert "…[" not in error.rule  # not cut by ValidationError's bound
    assert KEY[:5] not in str(error)
    assert SECRET[:5] not in str(error)


class _Opaque:
    """An object whose __getattr__ raises something other than AttributeError (for ``read`` too)."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(TEXT)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_object_whose_getattr_raises_is_refused_as_no_file(mode: str) -> None:
    error = _upload(_Opaque(), "multipart", mode)
    assert type(error) is ik.ValidationError, error
    assert error.rule == "expected a path, bytes or a binary file, not _Opaque"
    _assert_clean(error)


def test_two_quotes_and_what_the_client_adds_stay_under_validation_errors_bound(tmp_path: Path) -> None:
    """The longest message a file's failure makes (a path and what opening it raised, each quoted whole,
    then the client's "(nothing was sent)" and apply's field) is never cut by ValidationError's bound."""
    path = tmp_path / ("p" * (_files._QUOTE - len(str(tmp_path)) - 3))
    assert len(repr(str(path))) == _files._QUOTE
    text = _files._path_failure(path, OSError(errno.EIO, "e" * _files._QUOTE))
    assert repr(str(path)) in text
    assert "e" * _files._QUOTE in text
    rule = ik.ValidationError("pdf", f"{text} (nothing was sent) (Upflow's attachments[0].content)").rule
    assert "…[" not in rule
