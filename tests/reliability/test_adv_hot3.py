"""Adversary tests for hot3's per-call fast paths (commits 9fe51e9, 13adb16, 509919c).

Each case goes through the public clients against a real loopback server (127.0.0.1) and compares the
exact wire bytes, or the outcome, with what the provider reference says and with the full route the fast
path skips: the module-level loads on first use (a fresh process whose first action is an upload or a
WHMCS call, eight threads at once, sync and async), Invoro's quantities written in place (both JSON paths,
under a caller's ``prec=2`` context that traps ``Inexact``), Invoro's plain answers read in place (hostile
answers must give the same invoice, or the same DecodeError carrying the real status), line totals checked
only where given, and WHMCS's update counted once against ``max_input_vars``, judged by the
parse_str-faithful ``tests/phpform.py``.
"""

from __future__ import annotations

import enum
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, localcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from invoicekit import DecodeError, ValidationError, invoro
from invoicekit._money import EXACT
from invoicekit._unset import UNSET
from invoicekit.invoro import _answers as iv_answers
from phpform import parse_str

UUID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"


# -- a loopback server that records every request whole ------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: list[tuple[str, str, bytes]] = []
        self.answer: tuple[int, bytes] = (200, b"{}")
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _any(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.bodies.append((self.command, self.path, body))
        status, payload = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_PUT = do_POST = _any

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def _served() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def server(_served: _Server) -> _Server:
    _served.bodies.clear()
    _served.answer = (200, b"{}")
    return _served


@contextmanager
def _hostile_context(on: bool) -> Iterator[None]:
    """A caller's decimal context at its most hostile: two digits, every signal trapped (or the default)."""
    with localcontext() as ctx:
        if on:
            ctx.prec = 2
            for signal in list(ctx.traps):  # Inexact, Rounded, FloatOperation, Clamped...
                ctx.traps[signal] = True
        yield


# -- 1. the loads on first use: a fresh process, eight threads (or tasks) at once ------------------------

_FIRST_USE = r"""
import asyncio, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

bodies = []

class H(BaseHTTPRequestHandler):
    def _any(self):
        bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if self.path.endswith("/pdf"):
            self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers(); return
        out = b'{"result": "success", "invoiceid": "42"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_POST = _any
    def log_message(self, *a):
        pass

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{srv.server_address[1]}"
mode = sys.argv[1]
import invoicekit  # nothing else: the first use below loads what the call path needs
before = sorted(m for m in sys.modules if m in ("invoicekit._checks", "invoicekit._call"))
PDF = b"%PDF-1.4 first use"
out = []

def sync_job(i):
    try:
        if i % 2:
            with invoicekit.Upflow("k", "s", base_url=url) as c:
                out.append(repr(c.invoices.upload_pdf(f"inv-{i}", PDF)))
        else:
            with invoicekit.Whmcs(url, "ident", "sec", access_key="ak") as c:
                out.append(repr(c.invoices.update(42, notes=f"n{i}").invoice_id))
    except BaseException as exc:
        out.append("ESCAPED " + repr(exc))

async def async_job(i):
    try:
        if i % 2:
            async with invoicekit.AsyncUpflow("k", "s", base_url=url) as c:
                out.append(repr(await c.invoices.upload_pdf(f"inv-{i}", PDF)))
        else:
            async with invoicekit.AsyncWhmcs(url, "ident", "sec", access_key="ak") as c:
                out.append(repr((await c.invoices.update(42, notes=f"n{i}")).invoice_id))
    except BaseException as exc:
        out.append("ESCAPED " + repr(exc))

if mode == "refused first":  # the first use loads, then refuses (a lone surrogate): the next one works
    import os, tempfile
    from invoicekit._errors import ValidationError
    path = os.path.join(tempfile.mkdtemp(), os.fsdecode(b"a\x80.pdf"))  # not UTF-8: a lone surrogate
    with open(path, "wb") as f:
        f.write(PDF)
    with invoicekit.Upflow("k", "s", base_url=url) as c:
        try:
            c.invoices.upload_pdf("inv-0", path)  # File.check's first use refuses the name
        except ValidationError as exc:
            out.append(exc.field)
        out.append(repr(c.invoices.upload_pdf("inv-1", PDF)))
    import shutil
    shutil.rmtree(os.path.dirname(path))
    with invoicekit.Whmcs(url, "ident", "sec", access_key="ak") as c:
        try:
            c.call("UpdateInvoice", invoiceid=42, secret="x")  # a credential's name: refused, first use
        except ValidationError as exc:
            out.append(exc.field)
        out.append(repr(c.invoices.update(42, notes="n0").invoice_id))
elif mode == "sync":
    barrier = threading.Barrier(8)
    def run(i):
        barrier.wait()
        sync_job(i)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
else:
    async def main():
        await asyncio.gather(*(async_job(i) for i in range(8)))
    asyncio.run(main())
print(json.dumps({"before": before, "out": sorted(out), "requests": len(bodies),
                  "whmcs": sorted(b.decode() for b in bodies if b.startswith(b"action="))}))
"""


@pytest.mark.slow  # a fresh interpreter each: it cannot depend on the JSON library
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_fresh_process_whose_first_calls_are_uploads_and_whmcs_updates_at_once(mode: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_USE, mode], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["before"] == []  # the first use below really is the first: nothing loaded yet
    assert result["out"] == sorted(["None"] * 4 + ["42"] * 4)
    assert result["requests"] == 8
    for i, body in zip(range(0, 8, 2), result["whmcs"], strict=True):
        assert parse_str(body) == {
            "action": "UpdateInvoice",
            "invoiceid": "42",
            "notes": f"n{i}",
            "responsetype": "json",
            "identifier": "ident",
            "secret": "sec",
            "accesskey": "ak",
        }


@pytest.mark.slow
def test_a_fresh_process_whose_first_upload_and_whmcs_call_are_refused_then_work() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_USE, "refused first"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["before"] == []
    assert result["out"] == sorted(["pdf.filename", "None", "secret", "42"])
    assert result["requests"] == 2  # the refused calls sent nothing
    assert parse_str(result["whmcs"][0])["notes"] == "n0"


# -- 2. Invoro's quantities in place: the wire bytes, both JSON paths, a hostile decimal context ----------

_PLAIN_ANSWER = json.dumps({"success": True, "data": {"id": UUID, "state": "draft", "total": 300}}).encode()


class _Three(enum.IntEnum):
    THREE = 3


class _OddInt(int):
    def __str__(self) -> str:
        return "evil"

    def __repr__(self) -> str:
        return "evil"

    def __index__(self) -> int:
        return 99


class _OddDecimal(Decimal):
    def __str__(self) -> str:
        return "evil"

    def __repr__(self) -> str:
        return "evil"

    def __format__(self, spec: str, context: object = None, /) -> str:
        return "evil"


#: value -> the JSON number text Invoro must get (its exact digits, plain notation), or the rule refused.
_QUANTITIES: list[tuple[object, str | None, str | None]] = [
    # value, as quantity, as base_quantity (None: ValidationError naming the field)
    (True, None, None),
    (False, None, None),
    (_Three.THREE, "3", "3"),
    (_OddInt(3), "3", "3"),
    (_OddDecimal("3"), "3", "3"),
    (Decimal("-0"), "0", None),
    (Decimal("0E+5"), "0", None),
    (0, "0", None),
    (-1, "-1", None),
    (Decimal(-1), "-1", None),
    (Decimal("1E+2"), "100", "100"),
    (Decimal("100.0"), "100.0", "100.0"),
    (Decimal("1.5"), "1.5", "1.5"),
    (10**15, "1000000000000000", "1000000000000000"),
    (Decimal("1E+15"), "1000000000000000", "1000000000000000"),
    (-(10**15), "-1000000000000000", None),
    (Decimal("-1E+15"), "-1000000000000000", None),
    (10**15 + 1, None, None),
    (-(10**15) - 1, None, None),
    (Decimal("1E+16"), None, None),
    (Decimal("1000000000000001"), None, None),
    (2**63, None, None),
    (10**400, None, None),
    (Decimal("999999999999999.9"), "999999999999999.9", "999999999999999.9"),
    (Decimal("NaN"), None, None),
    (Decimal("-Infinity"), None, None),
    (1.0, None, None),
    ("1", None, None),
]


def _send_quantity(server: _Server, field: str, value: object) -> tuple[str, object]:
    line = invoro.Line(name="x", **{"quantity": 1, "base_quantity": 1, field: value})  # type: ignore[arg-type]
    server.bodies.clear()
    try:
        with invoro.Invoro("ak_test_x", base_url=server.url) as client:
            client.invoices.update_draft(UUID, invoro.DraftInvoice(lines=[line]))
    except ValidationError as exc:
        assert not server.bodies  # refused before any request
        return "refused", exc.field
    (method, path, body), *more = server.bodies
    assert not more
    assert (method, path) == ("PUT", f"/invoices/{UUID}")
    return "sent", body


@pytest.mark.parametrize("context", ["default", "prec=2, every signal trapped"])
@pytest.mark.parametrize(("value", "as_quantity", "as_base"), _QUANTITIES, ids=repr)
def test_an_invoro_quantity_goes_out_as_its_exact_digits(
    server: _Server,
    json_path: str,
    context: str,
    value: object,
    as_quantity: str | None,
    as_base: str | None,
) -> None:
    server.answer = (200, _PLAIN_ANSWER)
    for field, text in (("quantity", as_quantity), ("base_quantity", as_base)):
        with _hostile_context(context != "default"):
            outcome = _send_quantity(server, field, value)
        if text is None:
            assert outcome == ("refused", f"invoice.lines[0].{field}")
            continue
        other = "base_quantity" if field == "quantity" else "quantity"
        expected = f'{{"items":[{{"name":"x","quantity":{text if field == "quantity" else 1},'
        expected += f'"base_quantity":{text if field == "base_quantity" else 1}}}]}}'
        assert outcome == ("sent", expected.encode()), other
        assert json.loads(outcome[1], parse_float=Decimal)["items"][0][field] == Decimal(text)


# -- 3. Invoro's plain answer read in place: hostile answers, against the full route --------------------


def _full_route(data: Any) -> object:
    """parse_invoice as it was before the in-place read: every answer renamed, every total through _cents."""
    payload = data["data"]
    fields = iv_answers._rename(payload)
    total = fields.get("total")
    if total is not None:
        cents = iv_answers._cents(total)
        if cents is None:
            return "DecodeError"
        fields["total"] = Decimal(cents).scaleb(-2, EXACT)
    try:
        return iv_answers._READ(fields)
    except DecodeError:
        return "DecodeError"


_BASE = {"id": UUID, "currency": "EUR"}
_HOSTILE_ANSWERS: list[dict[str, Any]] = [
    {**_BASE, "total": 12100},
    {**_BASE, "total": 0},
    {**_BASE, "total": -12100},
    {**_BASE, "total": True},
    {**_BASE, "total": False},
    {**_BASE, "total": 121.0},
    {**_BASE, "total": 12100.0},
    {**_BASE, "total": 1.21e2},
    {**_BASE, "total": 10**40 - 1},
    {**_BASE, "total": 10**40},
    {**_BASE, "total": -(10**40) + 1},
    {**_BASE, "total": -(10**40)},
    {**_BASE, "total": 10**400},
    {**_BASE, "total": "12100"},
    {**_BASE, "total": ""},
    {**_BASE, "total": None},
    {**_BASE, "total": [12100]},
    {**_BASE, "total": {"cents": 12100}},
    {**_BASE, "total": 12100, "state": None, "id": None},
    {**_BASE, "total": 12100, "unknown": 1, "deep": {"x": [1]}},
    {**_BASE, "total_amount": 12100},
    {**_BASE, "total": 12100, "total_amount": 99},
    {**_BASE, "amount": True, "total": 12100},
    {**_BASE, "total": 12100, "status": "draft"},
    {**_BASE, "total": 12100, "state": "draft", "status": "sent"},
    {**_BASE, "total": 12100, "state": "not-a-state"},
    {**_BASE, "total": 12100, "state": 7},
    {**_BASE, "total": 12100, "created_at": "not a date"},
    {**_BASE, "total": 12100, "created_at": 5},
    {**_BASE, "total": 12100, "document": "not an object"},
    {**_BASE, "total": 12100, "currency": 978},
    {"total": 12100},
    {},
]


_U = UUID.encode()
_HOSTILE_RAW: list[bytes] = [
    *(json.dumps({"success": True, "data": p}).encode() for p in _HOSTILE_ANSWERS),
    b'{"success": true, "data": {"id": "%s", "total": 1, "total": true}}' % _U,  # duplicates: the last
    b'{"success": true, "data": {"id": "%s", "total": true, "total": 12100}}' % _U,
    b'{"success": true, "data": {"id": "%s", "total": 1}, "data": {"total": 2.5}}' % _U,
    b'{"success": true, "data": {"id": "%s", "total": -0}}' % _U,
    b'{"success": true, "data": {"id": "%s", "total": 1e2}}' % _U,
    b'{"success": true, "data": {"id": "%s", "total": 1.0E+2}}' % _U,
    b'{"success": true, "data": {"id": "%s", "total": 1E400}}' % _U,
    b'{"success": true, "data": {"id": "%s", "total": 12345678901234567890123}}' % _U,
    b'{"success": true, "data": {"id": "%s", "total": 9223372036854775808}}' % _U,
]


@pytest.mark.parametrize(("status", "hostile"), [(200, False), (201, True)])
@pytest.mark.parametrize("raw", _HOSTILE_RAW, ids=lambda raw: raw.decode()[66:116])
def test_a_hostile_invoro_answer_gives_what_the_full_route_gives(
    server: _Server, json_path: str, status: int, hostile: bool, raw: bytes
) -> None:
    server.answer = (status, raw)
    expected = _full_route(json.loads(raw, parse_float=Decimal))
    draft = invoro.DraftInvoice(lines=[invoro.Line(name="x")])
    with invoro.Invoro("ak_test_x", base_url=server.url) as client, _hostile_context(hostile):
        if expected == "DecodeError":
            with pytest.raises(DecodeError) as info:
                client.invoices.update_draft(UUID, draft)
            assert info.value.status_code == status  # the real status, not a made-up one
        else:
            assert client.invoices.update_draft(UUID, draft) == expected
    assert len(server.bodies) == 1  # a PUT that answered is never resent


# -- 4. line totals: checked only where given, as documented ----------------------------------------------


def _line(**kw: Any) -> invoro.Line:
    from invoicekit.invoro import AllowanceCharge

    for key in ("allowances", "charges"):
        if key in kw:
            kw[key] = [AllowanceCharge(amount=a) for a in kw[key]]
    return invoro.Line(name="x", **kw)


D = Decimal
#: (lines, totals.line_total or UNSET) -> None (sent) or the field refused when the totals are checked.
_TOTAL_CASES: list[tuple[list[dict[str, Any]], object, str | None]] = [
    ([{"quantity": 3, "price": D("1.50"), "line_total": D("4.50")}], UNSET, None),
    ([{"quantity": 3, "price": D("1.50"), "line_total": D("4.51")}], UNSET, "invoice.lines[0].line_total"),
    ([{"quantity": 3, "price": D("1.50")}], UNSET, None),  # no line_total: nothing to compare
    ([{"price": D("1.50"), "line_total": D("9.99")}], UNSET, None),  # no quantity: nothing computed
    ([{"quantity": 3, "line_total": D("9.99")}], UNSET, None),  # no price: nothing computed
    ([{"quantity": 3, "price": D("1.50"), "base_quantity": 2, "line_total": D("2.25")}], UNSET, None),
    (
        [{"quantity": 3, "price": D("1.50"), "base_quantity": D("2"), "line_total": D("2.26")}],
        UNSET,
        "invoice.lines[0].line_total",
    ),
    ([{"quantity": D("0.5"), "price": D("0.01"), "line_total": D("0.01")}], UNSET, None),  # half-up
    ([{"quantity": D("0.5"), "price": D("0.01"), "line_total": 0}], UNSET, "invoice.lines[0].line_total"),
    (
        [{"quantity": 2, "price": 10, "allowances": [D("1.50")], "charges": [3], "line_total": D("21.50")}],
        UNSET,
        None,
    ),
    (
        [{"quantity": 2, "price": 10, "allowances": [D("1.50")], "line_total": 20}],
        UNSET,
        "invoice.lines[0].line_total",
    ),
    ([{"quantity": -2, "price": 10, "line_total": -20}], UNSET, None),  # a returned item
    (
        [{"quantity": D("1E+15"), "price": D("1E+15"), "base_quantity": D("1E-12"), "line_total": 1}],
        UNSET,
        "invoice.lines[0].line_total",
    ),
    (
        [{"quantity": 3, "price": D("1.50")}, {"quantity": 1, "price": 2, "line_total": 2}],
        D("6.50"),
        "invoice.lines[0].line_total",  # totals.line_total needs every line's
    ),
    (
        [
            {"quantity": 3, "price": D("1.50"), "line_total": D("4.50")},
            {"quantity": 1, "price": 2, "line_total": 2},
        ],
        D("6.50"),
        None,
    ),
    (
        [
            {"quantity": 3, "price": D("1.50"), "line_total": D("4.50")},
            {"quantity": 1, "price": 2, "line_total": 2},
        ],
        D("6.51"),
        "invoice.totals.line_total",
    ),
]


@pytest.mark.parametrize("hostile", [False, True])
@pytest.mark.parametrize("calculate_totals", [UNSET, False, True])
@pytest.mark.parametrize(("lines", "sum_", "refused"), _TOTAL_CASES)
def test_invoro_line_totals_are_checked_where_given_unless_invoro_computes_them(
    server: _Server,
    hostile: bool,
    calculate_totals: Any,
    lines: list[dict[str, Any]],
    sum_: object,
    refused: str | None,
) -> None:
    from invoicekit.invoro import Totals

    server.answer = (200, _PLAIN_ANSWER)
    draft = invoro.DraftInvoice(
        lines=[_line(**dict(kw)) for kw in lines],
        totals=UNSET if sum_ is UNSET else Totals(line_total=sum_),  # type: ignore[arg-type]
    )
    with invoro.Invoro("ak_test_x", base_url=server.url) as client, _hostile_context(hostile):
        if refused is not None and calculate_totals is not True:
            with pytest.raises(ValidationError) as info:
                client.invoices.update_draft(UUID, draft, calculate_totals=calculate_totals)
            assert info.value.field == refused
            assert not server.bodies
            return
        client.invoices.update_draft(UUID, draft, calculate_totals=calculate_totals)
    (_, _, body), *more = server.bodies
    assert not more
    sent = json.loads(body, parse_float=Decimal)
    assert sent.get("calculate_totals", UNSET) == calculate_totals
    assert [item.get("line_total") for item in sent["items"]] == [
        None if "line_total" not in kw else int(D(kw["line_total"]) * 100) for kw in lines
    ]


# -- 5. WHMCS: the update counted once against max_input_vars, judged by PHP's own reading ----------------


def _pairs(body: bytes) -> int:
    """How many variables PHP counts against max_input_vars: each non-empty ``&``-separated pair."""
    return sum(1 for pair in body.split(b"&") if pair)


@pytest.mark.parametrize("access_key", ["ak", None])
@pytest.mark.parametrize("extra_ids", [0, 1, 2])
def test_a_whmcs_update_at_max_input_vars_is_read_whole_by_php_and_one_more_is_refused(
    server: _Server, access_key: str | None, extra_ids: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from invoicekit import whmcs

    monkeypatch.delenv("WHMCS_ACCESS_KEY", raising=False)
    server.answer = (200, b'{"result": "success", "invoiceid": "42"}')
    # action, invoiceid, responsetype, status, notes (cleared: "notes="), 3 for the changed line: 8;
    # with the 3 credentials of a client with an access key: 11; 329 new lines (987) and delete ids fill it
    # to 1000. Without an access key only 2 credentials are sent: one more delete id still fits.
    changes: dict[str, Any] = {
        "status": "Unpaid",
        "notes": None,
        "items": {7: whmcs.ItemChange(description="b", amount=D("2.00"), taxed=True)},
        "new_items": [whmcs.NewItem(description=f"n{i}", amount=i, taxed=False) for i in range(329)],
        "delete_line_ids": list(range(100, 102 + extra_ids)),
    }
    expected = 1000 + extra_ids - (0 if access_key else 1)  # exactly what is (or would be) sent
    with whmcs.Whmcs(server.url, "ident", "sec", access_key=access_key) as client:
        if expected > 1000:  # refused before any request, naming the exact count
            exact = rf"needs {expected} form fields|\({expected} with an access key\)"
            with pytest.raises(ValidationError, match=exact) as info:
                client.invoices.update(42, **changes)
            # Counted when the call is built (2 credentials; the message says how many with an access
            # key), and again when the auth adds an access key
            assert info.value.field == ("body" if access_key and extra_ids == 1 else "items")
            assert not server.bodies
            return
        client.invoices.update(42, **changes)
    ((method, path, body),) = server.bodies
    assert (method, path) == ("POST", "/includes/api.php")
    sent = _pairs(body)
    assert sent == expected  # the count is exact: 1000 fields are sent, with or without an access key
    whole = parse_str(body)
    assert parse_str(body, max_input_vars=1000) == whole  # PHP drops nothing
    assert len(whole["newitemdescription"]) == 329
    assert whole["deletelineids"] == {i: str(100 + i) for i in range(2 + extra_ids)}
    assert whole["notes"] == ""
    assert whole["itemdescription"] == {7: "b"}
    assert whole["responsetype"] == "json"
    assert ("accesskey" in whole) is (access_key is not None)
