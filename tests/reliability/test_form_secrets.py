"""WHMCS' form credentials stay masked between the auth and the encoded bytes: no frame of a call holds one in
the clear (what a tool capturing frame locals, such as Sentry, would record), and PHP's ``max_input_vars`` is
counted with exactly the credential fields a client sends.

The frames are watched with ``sys.settrace``: every local of every invoicekit frame at every line of a call,
and, when the encoder fails, every frame on the stack (the standard library's too) and every frame of the
exception's traceback chain, as a crash reporter walks it. Only the encoded body itself (the bytes httpx
sends, which must carry the credentials) is exempt.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest

from invoicekit import InvoiceKitError, whmcs
from invoicekit._call import Form
from invoicekit._forms import php_form, urlencoded
from invoicekit.whmcs._client import update_invoice_call
from phpform import parse_str

IDENT = "wh-ident-7c1"
SECRET = "s3cr+t/wh=9"
ACCESS = "ak-5ee"
#: Each credential as given and as the form writes it.
LEAKS = [v for c in (IDENT, SECRET, ACCESS) for v in {c, quote_plus(c)}]
SRC = "invoicekit"


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"result": "success", "invoiceid": 42})


class _Watch:
    """Records the repr of every local of the frames it is shown (the sent body excepted)."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.body: bytes | None = None
        self.frames = 0

    def frame(self, frame: FrameType, event: str) -> None:
        if frame.f_code.co_filename == __file__:
            return  # this test's own frames (which keep the bytes sent, to compare)
        if event != "exception" and type(frame.f_locals.get("self")).__name__ == "Redactor":
            # The scrubber looks for the credentials in answers and log text, so it holds them while it
            # runs; nothing it does raises. Its frames are checked when anything does (exception events).
            return
        self.frames += 1
        for name, value in frame.f_locals.items():
            if isinstance(value, bytes) and self.body is not None and value == self.body:
                continue  # the encoded body: the one place the credentials must be
            shown = _repr(value)
            for leak in LEAKS:
                if leak in shown:
                    where = f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}"
                    self.found.append(f"{event} {where}: {name} = {shown[:200]}")

    def traceback(self, exc: BaseException | None) -> None:
        seen: set[int] = set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            tb: TracebackType | None = exc.__traceback__
            while tb is not None:
                self.frame(tb.tb_frame, "traceback")
                tb = tb.tb_next
            for text in (repr(exc), str(exc)):
                self.found += [f"exception text: {text}" for leak in LEAKS if leak in text]
            exc = exc.__cause__ or exc.__context__


def _repr(value: object) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a half-built object: what a crash reporter would show
        return f"<repr failed: {type(exc).__name__}>"


@contextmanager
def _traced(watch: _Watch) -> Iterator[None]:
    """Every line of every invoicekit frame; on an exception, every frame on the stack."""

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "exception":
            at: FrameType | None = frame
            while at is not None and at.f_code.co_filename != __file__:  # up to the test: not the harness
                watch.frame(at, "exception")
                at = at.f_back
        else:
            watch.frame(frame, event)
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if SRC in frame.f_code.co_filename:
            return local(frame, event, arg)
        return exceptions_only

    def exceptions_only(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "exception":
            return local(frame, event, arg)
        return exceptions_only

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(before)


def _client(access_key: str | None, sent: list[bytes]) -> whmcs.Whmcs:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return _answer(request)

    return whmcs.Whmcs(
        "https://billing.test",
        IDENT,
        SECRET,
        access_key=access_key,
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
    )


@pytest.mark.parametrize("access_key", [None, ACCESS], ids=["no-key", "key"])
def test_no_frame_of_a_whmcs_call_holds_a_credential_in_the_clear(
    access_key: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WHMCS_ACCESS_KEY", raising=False)
    sent: list[bytes] = []
    client = _client(access_key, sent)
    client.invoices.update(42, status="Unpaid", notes="Q3 services")  # warm: one-time loads untraced
    watch = _Watch()
    watch.body = sent[0]  # the same bytes each call
    with _traced(watch):
        result = client.invoices.update(42, status="Unpaid", notes="Q3 services")
    assert result.invoice_id == 42
    assert watch.frames > 50  # the tracer saw the call
    assert watch.found == []
    # The wire is unchanged: PHP reads every credential back
    form = parse_str(sent[1])
    assert (form["identifier"], form["secret"], form.get("accesskey")) == (IDENT, SECRET, access_key)
    assert sent[1] == sent[0]


def test_no_frame_of_an_async_whmcs_call_holds_a_credential_in_the_clear() -> None:
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return _answer(request)

    async def run(watch: _Watch | None) -> None:
        async with whmcs.AsyncWhmcs(
            "https://billing.test",
            IDENT,
            SECRET,
            access_key=ACCESS,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
        ) as client:
            await client.invoices.update(42, status="Unpaid")
            if watch is not None:
                watch.body = sent[-1]
                with _traced(watch):
                    await client.invoices.update(42, status="Unpaid")

    watch = _Watch()
    asyncio.run(run(watch))
    assert watch.frames > 50
    assert watch.found == []


def _cannot_quote(text: str) -> str:
    """The encoder fails in the middle of the form (left5: a date subclass's raising isoformat did this,
    until the encoder stopped calling a subclass's own isoformat)."""
    raise RuntimeError("cannot write this text")


@pytest.mark.parametrize("access_key", [None, ACCESS], ids=["no-key", "key"])
def test_a_failure_while_the_form_is_encoded_leaves_no_credential_in_any_frame(
    access_key: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WHMCS_ACCESS_KEY", raising=False)
    client = _client(access_key, [])
    client.call("GetInvoice", invoiceid=42, idempotent=True)  # warm
    monkeypatch.setattr("invoicekit._forms.quote_plus", _cannot_quote)  # quotes text beyond ASCII
    watch = _Watch()
    caught: BaseException | None = None
    with _traced(watch):
        try:
            client.call("GetInvoice", invoiceid=42, when="d\u00e9j\u00e0", idempotent=True)
        except (InvoiceKitError, RuntimeError) as exc:
            caught = exc
    assert caught is not None  # the encoder did fail
    watch.traceback(caught)
    assert watch.found == []


def test_the_form_with_credentials_shows_none_in_its_repr_nor_in_its_pairs() -> None:
    client = _client(ACCESS, [])
    call = update_invoice_call(42, notes="x")
    body = client._auth.apply_body(call.body)
    assert isinstance(body, Form)
    pairs = php_form(body.fields)
    for shown in (repr(body), repr(pairs), repr(client._auth), str(body)):
        assert not [leak for leak in LEAKS if leak in shown], shown
    # ...and the encoder writes them, byte for byte as urllib would
    form = parse_str(urlencoded(pairs))
    assert (form["identifier"], form["secret"], form["accesskey"]) == (IDENT, SECRET, ACCESS)
