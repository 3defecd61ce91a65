"""Adversary of left5: a caller's transport raising an exception whose text is not (only) its ``args``.

left5 made any ``Exception`` from an attempt a broken send, "the cause chained and scrubbed". The scrub
rewrites the str items of each chained exception's ``args``; but an exception's text is whatever its own
``__str__`` computes: from attributes (a custom error holding the token it failed with, ``OSError``'s
``filename``), from a bytes arg, an ``ExceptionGroup``'s message and members, notes, or an
``httpx.Headers`` arg (whose repr masks ``Authorization`` only, not ``requestToken``). Each of those put
the credential in the TransportError's message (so in the bulk journal too), in its chained cause and in
its traceback. And an exception whose ``__str__`` raises let that exception out of the public call.
"""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
import enum
import json
import logging
import pickle
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

import invoicekit as ik
from invoicekit import RetryPolicy, invoro
from invoicekit.payabli import PayorData
from phpform import parse_str

from .test_left5_transport_raises import run_bulk_journal

FAST = RetryPolicy(initial=0, cap=0, jitter=False)
SECRET = "s3cr3t-Zq9-value"
_PAYOR = PayorData(first_name="Ana")


class Holding(Exception):
    """A caller's error that keeps what it failed with as an attribute, and shows it (a common shape)."""

    def __init__(self, token: str) -> None:
        super().__init__("the upstream refused")
        self.token = token

    def __str__(self) -> str:
        return f"the upstream refused {self.token}"


class Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("this exception cannot be shown")


class UnprintableRuntime(RuntimeError):
    def __str__(self) -> str:
        raise ValueError("this exception cannot be shown")


def _noted() -> Exception:
    error = ValueError("refused")
    error.__notes__ = [f"while sending with {SECRET}"]  # what add_note() does (Python 3.11+)
    return error


def _group(message: str, members: list[Exception]) -> Exception:
    return builtins.ExceptionGroup(message, members)


def _context() -> Exception:
    try:
        raise Holding(SECRET)
    except Holding:
        try:
            raise KeyError("lookup failed")  # chained implicitly as __context__
        except KeyError as exc:
            return exc


LEAKY: dict[str, Callable[[httpx.Request], Exception]] = {
    "attribute": lambda request: Holding(SECRET),
    "oserror-filename": lambda request: OSError(5, "cannot write", SECRET),
    "bytes-arg": lambda request: ValueError(SECRET.encode()),
    "note": lambda request: _noted(),
    "context": lambda request: _context(),
    "headers-arg": lambda request: ValueError("refused", request.headers),
}
if sys.version_info >= (3, 11):
    LEAKY["group-message"] = lambda request: _group(f"refused {SECRET}", [ValueError("x")])
    LEAKY["group-member"] = lambda request: _group(
        "two failed", [ValueError(f"refused {SECRET}"), KeyError("x")]
    )


class Raising(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, make: Callable[[httpx.Request], Exception]) -> None:
        self.make = make
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise self.make(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise self.make(request)


def _everything_shown(error: BaseException) -> str:
    """What a user, a log handler or an error tracker sees of *error* and its chain."""
    shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
    cause = error.__cause__
    if cause is not None:
        shown += [repr(cause), str(cause), repr(getattr(cause, "args", ""))]
    shown.append(repr(pickle.dumps(error)))
    return "\n".join(shown)


def _client(transport: Raising, provider: str) -> Any:
    http = httpx.Client(transport=transport)
    if provider == "payabli":
        return ik.Payabli(SECRET, retry=FAST, http_client=http)
    return ik.Whmcs("http://127.0.0.1:1", "ident", SECRET, retry=FAST, http_client=http)


def _call(client: Any, provider: str, safe: bool) -> None:
    if provider == "payabli":
        if safe:
            client.invoices.get(5)
        else:
            client.invoices.update(5, customer_data=_PAYOR, force_customer_creation=True)  # unsafe
    else:
        client.call("GetInvoice", idempotent=safe, invoiceid=1)


@pytest.mark.parametrize("safe", [True, False], ids=["safe", "unsafe"])
@pytest.mark.parametrize("make", list(LEAKY.values()), ids=list(LEAKY))
def test_a_raising_transport_s_credential_is_in_no_text_of_the_error_or_its_chain(
    make: Callable[[httpx.Request], Exception], safe: bool
) -> None:
    provider = "payabli" if make is LEAKY["headers-arg"] else "whmcs"
    transport = Raising(make)
    with pytest.raises(ik.TransportError) as caught:
        _call(_client(transport, provider), provider, safe)
    error = caught.value
    assert type(error) is (ik.TransportError if safe else ik.OutcomeUnknownError)
    assert transport.calls == 1  # neither resent nor retried
    assert error.__cause__ is not None  # something of the original is kept, for whoever debugs it
    assert SECRET not in _everything_shown(error)


@pytest.mark.parametrize("make", list(LEAKY.values()), ids=list(LEAKY))
def test_the_async_client_s_error_holds_no_credential_either(
    make: Callable[[httpx.Request], Exception],
) -> None:
    provider = "payabli" if make is LEAKY["headers-arg"] else "whmcs"
    transport = Raising(make)

    async def main() -> None:
        http = httpx.AsyncClient(transport=transport)
        if provider == "payabli":
            async with ik.AsyncPayabli(SECRET, retry=FAST, http_client=http) as payabli:
                await payabli.invoices.update(5, customer_data=_PAYOR, force_customer_creation=True)
        else:
            async with ik.AsyncWhmcs(
                "http://127.0.0.1:1", "ident", SECRET, retry=FAST, http_client=http
            ) as c:
                await c.call("AddInvoicePayment", invoiceid=1)

    with pytest.raises(ik.OutcomeUnknownError) as caught:
        asyncio.run(main())
    assert transport.calls == 1
    assert SECRET not in _everything_shown(caught.value)


def test_a_kept_cause_is_still_the_caller_s_own_exception_when_its_args_were_all_it_showed() -> None:
    """The fix must not cost what left5 gave: a plain KeyError is still the cause itself, scrubbed."""
    raised = KeyError(f"broke with {SECRET}")
    transport = Raising(lambda request: raised)
    with pytest.raises(ik.TransportError) as caught:
        _client(transport, "whmcs").call("GetInvoice", idempotent=True, invoiceid=1)
    assert caught.value.__cause__ is raised
    assert SECRET not in _everything_shown(caught.value)


@pytest.mark.parametrize("debug", [False, True], ids=["quiet", "debug-log"])
@pytest.mark.parametrize("kind", [Unprintable, UnprintableRuntime], ids=lambda k: k.__name__)
@pytest.mark.parametrize("safe", [True, False], ids=["safe", "unsafe"])
def test_an_exception_whose_str_raises_is_still_a_typed_error(
    kind: type[Exception], safe: bool, debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: the ValueError raised by its ``__str__`` (read for the message, and for a RuntimeError by the
    closed-client check) escaped the public call."""
    transport = Raising(lambda request: kind())
    caplog.set_level(logging.DEBUG if debug else logging.WARNING, logger="invoicekit")
    with pytest.raises(ik.TransportError) as caught:
        _call(_client(transport, "whmcs"), "whmcs", safe)
    assert type(caught.value) is (ik.TransportError if safe else ik.OutcomeUnknownError)
    assert kind.__name__ in str(caught.value)
    assert transport.calls == 1
    "".join(traceback.format_exception(caught.value))  # shows, whatever the cause's own __str__ does
    pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own bytes


def test_the_async_client_types_an_exception_whose_str_raises() -> None:
    transport = Raising(lambda request: UnprintableRuntime())

    async def main() -> None:
        http = httpx.AsyncClient(transport=transport)
        async with ik.AsyncWhmcs("http://127.0.0.1:1", "ident", SECRET, retry=FAST, http_client=http) as c:
            await c.call("AddInvoicePayment", invoiceid=1)

    with pytest.raises(ik.OutcomeUnknownError):
        asyncio.run(main())
    assert transport.calls == 1


def test_bulk_journals_no_credential_from_a_raising_transport(tmp_path: Path) -> None:
    pytest.importorskip("limits")
    _, rows, dump = run_bulk_journal(Raising(lambda request: Holding(SECRET)), tmp_path / "run.db")
    assert rows["fee"][:2] == ("unknown", "OutcomeUnknownError")
    assert rows["due"][:2] == ("failed", "TransportError")
    assert "Holding" in rows["fee"][2]
    assert SECRET not in dump


# -- WHMCS call(): bytes-like values ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [bytearray(b"ab"), memoryview(b"ab")], ids=["bytearray", "memoryview"])
def test_whmcs_call_refuses_bytes_like_values_as_it_refuses_bytes(value: object) -> None:
    """``bytes`` is refused (a form carries text); a ``bytearray`` or ``memoryview`` (Sequences of ints)
    was sent as ``x[0]=97&x[1]=98``: the byte values as a PHP array, silently."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"result": "success"})

    client = ik.Whmcs(
        "http://127.0.0.1:1", "ident", SECRET, http_client=httpx.Client(transport=httpx.MockTransport(answer))
    )
    with pytest.raises(ik.ValidationError) as caught:
        client.call("GetX", x=value, idempotent=True)
    assert caught.value.field == "x"
    assert "cannot be sent in a form" in caught.value.rule
    assert sent == []


# -- WHMCS call(): a parameter's name given as a str subclass ---------------------------------------------


class Field(str, enum.Enum):
    """A caller's names for WHMCS parameters (a common way to avoid typos)."""

    INVOICE_ID = "invoiceid"


def _spying_key() -> str:
    def boom(self: str, *args: object) -> NoReturn:
        raise RuntimeError("the caller's own method")

    names = ["lower", "isascii", "isidentifier", "__str__", "__format__", "encode", "__repr__", "startswith"]
    return type("SpyingKey", (str,), dict.fromkeys(names, boom))("invoiceid")  # type: ignore[no-any-return]


def _recording_whmcs() -> tuple[ik.Whmcs, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        return httpx.Response(200, json={"result": "success"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return ik.Whmcs("http://127.0.0.1:1", "ident", SECRET, http_client=http), sent


@pytest.mark.parametrize("name", [Field.INVOICE_ID, _spying_key()], ids=["str-enum-mixin", "spying-str"])
def test_whmcs_call_sends_a_parameter_name_as_the_text_it_holds(name: str) -> None:
    """A ``(str, Enum)`` name was written through its own ``__format__`` (``Field.INVOICE_ID``, which PHP
    reads as ``Field_INVOICE_ID``: WHMCS never saw the invoice id), while the same enum as an array key
    was sent as ``invoiceid`` (left5's ``_key``); a str subclass's own ``lower()`` escaped the call."""
    client, sent = _recording_whmcs()
    params: dict[str, Any] = {name: 42}
    client.call("GetInvoice", idempotent=True, **params)
    form = parse_str(sent[0].content)
    assert form["invoiceid"] == "42"
    assert set(form) == {"action", "invoiceid", "responsetype", "identifier", "secret"}


# -- Invoro: an aware datetime is read through the base type too -----------------------------------------

DRAFT_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"


class OwnOffset(dt.datetime):
    """A datetime subclass whose own methods raise: left5 read dates "through the base type, as Invoro's
    ``_moment`` already did"; ``_moment`` called the subclass's own ``utcoffset()``."""

    def utcoffset(self) -> NoReturn:
        raise RuntimeError("the caller's own utcoffset")

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> NoReturn:
        raise RuntimeError("the caller's own isoformat")


class RaisingZone(dt.tzinfo):
    def utcoffset(self, moment: dt.datetime | None) -> NoReturn:
        raise RuntimeError("the caller's tzinfo")

    def dst(self, moment: dt.datetime | None) -> None:
        return None

    def tzname(self, moment: dt.datetime | None) -> str:
        return "Z?"


class FlippingZone(dt.tzinfo):
    """Aware when asked once (the check), naive when asked again (the writing)."""

    def __init__(self) -> None:
        self.asked = 0

    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta | None:
        self.asked += 1
        return dt.timedelta(hours=1) if self.asked == 1 else None

    def dst(self, moment: dt.datetime | None) -> None:
        return None

    def tzname(self, moment: dt.datetime | None) -> str:
        return "Z?"


def _invoro() -> tuple[ik.Invoro, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        data = {"id": DRAFT_ID, "status": "draft"}
        return httpx.Response(200, json={"success": True, "data": data, "message": "", "errors": None})

    return ik.Invoro("key", http_client=httpx.Client(transport=httpx.MockTransport(answer))), sent


def _issue(client: ik.Invoro, moment: dt.datetime) -> None:
    client.invoices.update_draft(DRAFT_ID, invoro.DraftInvoice(header=invoro.Header(issue_date=moment)))


@pytest.mark.parametrize(
    "moment",
    [
        OwnOffset(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=FlippingZone()),
    ],
    ids=["subclass", "flipping-tzinfo"],
)
def test_invoro_sends_an_aware_datetime_as_the_moment_it_holds(moment: dt.datetime) -> None:
    """Was: the subclass's own ``utcoffset()`` escaped the call; a tzinfo asked twice (the check, then
    ``isoformat``) got the offset checked and a naive time written (``2024-01-02T03:04:05``)."""
    client, sent = _invoro()
    _issue(client, moment)
    offset = "+02:00" if isinstance(moment, OwnOffset) else "+01:00"
    assert json.loads(sent[0].content)["header"]["issue_date"] == f"2024-01-02T03:04:05{offset}"


def test_invoro_refuses_a_datetime_whose_tzinfo_raises_naming_the_field() -> None:
    client, sent = _invoro()
    with pytest.raises(ik.ValidationError) as caught:
        _issue(client, dt.datetime(2024, 1, 2, tzinfo=RaisingZone()))
    assert caught.value.field == "invoice.header.issue_date"
    assert "utcoffset" in caught.value.rule
    assert sent == []
