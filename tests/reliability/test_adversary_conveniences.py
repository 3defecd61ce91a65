"""Adversary tests for issue 18's conveniences: response metadata and errors, Salesbricks generated
idempotency keys, the typed reads (WHMCS GetInvoice, Payabli GET /Invoice/{id}) under hostile answers,
and the fake server's control paths.

Each test failed on the code as merged (c5521d7); the finding is named in its docstring.
"""

from __future__ import annotations

import http.server
import json
import pickle
import runpy
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import invoicekit
from invoicekit import (
    DecodeError,
    OutcomeUnknownError,
    Payabli,
    RateLimit,
    RetryPolicy,
    Salesbricks,
    TransportError,
    ValidationError,
    Whmcs,
)
from invoicekit.testing import FakeServer, FakeWhmcs

FAST = RetryPolicy(initial=0, jitter=False)
URL = "https://billing.example.com"
ENDPOINT = f"{URL}/includes/api.php"
IDENTIFIER, SECRET = "api-identifier", "api-secret-0123456789"
PB_KEY = "pb-token-0123456789abcdef"
PB_URL = "https://api.payabli.com/api/Invoice/332"

GET_INVOICE: dict[str, Any] = {
    "result": "success",
    "invoiceid": "1001",
    "userid": "7",
    "date": "2026-01-05",
    "duedate": "2026-02-05",
    "datepaid": "0000-00-00 00:00:00",
    "subtotal": "19.95",
    "total": "19.95",
    "balance": "19.95",
    "status": "Unpaid",
    "items": "",
}
RECORD: dict[str, Any] = {"IdInvoice": 332, "InvoiceAmount": 19.95, "InvoiceDate": "2026-01-05"}


def _whmcs() -> Whmcs:
    return Whmcs(url=URL, identifier=IDENTIFIER, secret=SECRET, retry=FAST)


def _payabli() -> Payabli:
    return Payabli(PB_KEY, retry=FAST)


# -- errors pickle (a Celery task or a ProcessPoolExecutor ships them between processes) -----------------


def _roundtrip(err: BaseException) -> Any:
    return pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes


def test_validation_error_pickles() -> None:
    """Finding: no invoicekit error pickled (TypeError: __init__ missing 'rule' / 'provider')."""
    with pytest.raises(ValidationError) as info:
        _whmcs().invoices.get("x")  # type: ignore[arg-type]
    copy = _roundtrip(info.value)
    assert (type(copy), copy.field, copy.rule, str(copy)) == (
        ValidationError,
        info.value.field,
        info.value.rule,
        str(info.value),
    )


def test_api_error_with_metadata_pickles(httpx_mock: HTTPXMock) -> None:
    """Finding: an APIError with .headers and .rate_limit did not survive pickle (the merged test pickled
    only the RateLimit)."""
    httpx_mock.add_response(
        method="GET",
        url=PB_URL,
        status_code=404,
        json={"isSuccess": False, "responseText": "Not found"},
        headers={"X-Request-Id": "r-9", "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "97"},
    )
    with _payabli() as client, pytest.raises(invoicekit.NotFoundError) as info:
        client.invoices.get(332)
    copy = _roundtrip(info.value)
    assert type(copy) is invoicekit.NotFoundError
    assert str(copy) == str(info.value)
    assert (copy.status_code, copy.request_id, copy.provider) == (404, "r-9", "payabli")
    assert copy.rate_limit == RateLimit(100, 97, None)
    assert copy.headers == info.value.headers


def test_outcome_unknown_error_with_key_pickles(httpx_mock: HTTPXMock) -> None:
    """Finding: OutcomeUnknownError (and its .idempotency_key) did not survive pickle."""
    httpx_mock.add_exception(httpx.ReadTimeout("late"))
    with (
        Salesbricks("sb-key-0123456789", retry=FAST) as client,
        pytest.raises(OutcomeUnknownError) as info,
    ):
        client.invoices.update("inv-1", send_invoice=True, idempotency_key=None)
    err = info.value
    err.idempotency_key = "k-1"  # the attribute the merged code added; a key must survive too
    copy = _roundtrip(err)
    assert type(copy) is OutcomeUnknownError
    assert (copy.provider, copy.attempts, copy.idempotency_key, copy.status_code) == (
        "salesbricks",
        1,
        "k-1",
        None,
    )
    assert str(copy) == str(err)


# -- Salesbricks: a 409 under the same key after an attempt that may have run ---------------------------


class _Scripted:
    """A loopback HTTP server answering each request per a script: ("hang", seconds) or (status, body)."""

    def __init__(self, script: list[tuple[Any, Any]]) -> None:
        self.script = list(script)
        self.seen: list[tuple[str, dict[str, str], bytes]] = []
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_PATCH(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.seen.append((self.path, dict(self.headers.items()), body))
                what, arg = outer.script.pop(0)
                if what == "hang":
                    outer.release.wait(arg)
                    self.close_connection = True
                    return
                data = json.dumps(arg).encode()
                self.send_response(what)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Scripted:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def test_salesbricks_409_after_a_timed_out_attempt_is_outcome_unknown() -> None:
    """Finding (nothing doubled): the first attempt times out while Salesbricks still processes it; the
    retry under the same key gets 409 ("a request with this key is in progress" [DOC U3]). That surfaced as
    ConflictError, which reads as "refused", and the docs tell the caller to let a new key be generated
    after a refused request: the customer could be emailed twice. It must be OutcomeUnknownError carrying
    the key, so the caller resends under the same key.
    """
    conflict = {"detail": "A request with this idempotency key is already being processed."}
    with (
        _Scripted([("hang", 5.0), (409, conflict)]) as server,
        Salesbricks("sb-key-0123456789", base_url=server.url, timeout=0.5, retry=FAST) as client,
        pytest.raises(OutcomeUnknownError) as info,
    ):
        client.invoices.update("inv-1", send_invoice=True)
    keys = [h["X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"] for _, h, _ in server.seen]
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert info.value.idempotency_key == keys[0]
    assert info.value.status_code == 409


def test_salesbricks_409_on_a_first_attempt_stays_a_conflict(httpx_mock: HTTPXMock) -> None:
    """Held: a 409 to the only attempt (nothing of this call ran before) is the provider's ConflictError."""
    httpx_mock.add_response(status_code=409, json={"detail": "Invoice is paid."})
    with (
        Salesbricks("sb-key-0123456789", retry=FAST) as client,
        pytest.raises(invoicekit.ConflictError),
    ):
        client.invoices.update("inv-1", invoice_memo="x")


# -- typed reads under hostile answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"invoiceid": "1e999999999999"},  # MemoryError escaped (int(Decimal) of a trillion-digit number)
        {"userid": "9e99999999999"},
        {"items": {"item": {"id": "1", "relid": "1e99999999999", "amount": "1"}}},
        {"items": {"item": {"id": "1e99999999999", "amount": "1"}}},
    ],
)
def test_whmcs_get_huge_exponent_is_decode_error(httpx_mock: HTTPXMock, change: dict[str, Any]) -> None:
    """Finding: an id such as "1e999999999999" made GetInvoice raise MemoryError (not an InvoiceKitError)."""
    httpx_mock.add_response(method="POST", url=ENDPOINT, json={**GET_INVOICE, **change})
    with _whmcs() as client, pytest.raises(DecodeError):
        client.invoices.get(1001)


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999999"])
def test_whmcs_get_non_finite_amount_is_decode_error(httpx_mock: HTTPXMock, amount: str) -> None:
    """Finding: "NaN" / "Infinity" balances were returned as Decimal('NaN'), which makes the documented
    reconciliation (``if invoice.balance > 0``) raise decimal.InvalidOperation in the caller's code."""
    httpx_mock.add_response(method="POST", url=ENDPOINT, json={**GET_INVOICE, "balance": amount})
    with _whmcs() as client, pytest.raises(DecodeError):
        client.invoices.get(1001)


def test_whmcs_get_line_amount_nan_is_decode_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST",
        url=ENDPOINT,
        json={**GET_INVOICE, "items": {"item": [{"id": "1", "amount": "NaN", "taxed": "0"}]}},
    )
    with _whmcs() as client, pytest.raises(DecodeError):
        client.invoices.get(1001)


@pytest.mark.parametrize(
    "answer", [{"IdInvoice": "1e999999999999"}, {**RECORD, "InvoiceType": "9e99999999999"}]
)
def test_payabli_get_huge_exponent_is_decode_error(httpx_mock: HTTPXMock, answer: dict[str, Any]) -> None:
    """Finding: MemoryError escaped Payabli.invoices.get."""
    httpx_mock.add_response(method="GET", url=PB_URL, json=answer)
    with _payabli() as client, pytest.raises(DecodeError):
        client.invoices.get(332)


@pytest.mark.parametrize(
    "change",
    [{"InvoiceAmount": "NaN"}, {"InvoicePaidAmount": "Infinity"}, {"items": [{"itemCost": "NaN"}]}],
)
def test_payabli_get_non_finite_amount_is_decode_error(httpx_mock: HTTPXMock, change: dict[str, Any]) -> None:
    httpx_mock.add_response(method="GET", url=PB_URL, json={**RECORD, **change})
    with _payabli() as client, pytest.raises(DecodeError):
        client.invoices.get(332)


@pytest.mark.parametrize(
    ("change", "attribute"),
    [
        ({"InvoiceDueDate": ""}, "invoice_due_date"),
        ({"InvoicePaidAmount": ""}, "paid_amount"),
        ({"InvoiceStatus": ""}, "invoice_status"),
        ({"InvoiceDueDate": "0000-00-00"}, "invoice_due_date"),
    ],
)
def test_payabli_get_empty_optional_values_are_none(
    httpx_mock: HTTPXMock, change: dict[str, Any], attribute: str
) -> None:
    """Finding: an optional date or number sent as "" (or the 0000-00-00 "never") made the whole record a
    DecodeError, so reconciliation after OutcomeUnknownError could not read the invoice at all."""
    httpx_mock.add_response(method="GET", url=PB_URL, json={**RECORD, **change})
    with _payabli() as client:
        record = client.invoices.get(332)
    assert getattr(record, attribute) is None
    assert record.id_invoice == 332


def test_whmcs_get_scrubs_an_echoed_secret(httpx_mock: HTTPXMock) -> None:
    """Finding: a GetInvoice answer echoing the API secret (in notes, or in an unknown key) put it in the
    typed result: ``invoice.notes`` and ``invoice.extra``."""
    httpx_mock.add_response(
        method="POST",
        url=ENDPOINT,
        json={**GET_INVOICE, "notes": f"debug: secret={SECRET}", "echo": {"secret": SECRET}},
    )
    with _whmcs() as client:
        invoice = client.invoices.get(1001)
    assert SECRET not in repr(invoice) + repr(invoice.extra) + invoice.notes
    assert invoice.notes == "debug: secret=***"


def test_payabli_get_scrubs_an_echoed_token(httpx_mock: HTTPXMock) -> None:
    """Finding: Payabli's record echoing the requestToken kept it in ``record.extra`` and ``.notes``."""
    httpx_mock.add_response(
        method="GET", url=PB_URL, json={**RECORD, "requestToken": PB_KEY, "Notes": f"tok {PB_KEY}"}
    )
    with _payabli() as client:
        record = client.invoices.get(332)
    assert PB_KEY not in repr(record) + repr(record.extra) + str(record.notes)


def test_raw_whmcs_call_scrubs_an_echoed_secret(httpx_mock: HTTPXMock) -> None:
    """The same for the raw ``Whmcs.call`` result (a dict handed to the caller)."""
    httpx_mock.add_response(method="POST", url=ENDPOINT, json={"result": "success", "echo": SECRET})
    with _whmcs() as client:
        answer = client.call("GetInvoice", invoiceid=1, idempotent=True)
    assert SECRET not in repr(answer)


# -- the fake server's control paths ------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[FakeServer]:
    with FakeServer({"whmcs": FakeWhmcs()}, stall=0.2) as server:
        yield server


@pytest.mark.parametrize(
    "retry_after",
    ["1\r\nX-Evil: 1", "1\nX-Evil: 1", "\u00e9", "1\x00"],
    ids=["crlf", "lf", "non-ascii", "nul"],
)
def test_fault_retry_after_must_be_a_header_value(served: FakeServer, retry_after: str) -> None:
    """Finding: POST /_faults/whmcs {"kind": "status", "retry_after": "1\\r\\nX-Evil: 1"} was queued, and the
    fake then answered with an injected ``X-Evil`` header; a non-ASCII value made the server drop the next
    request without an answer (a silent, unasked-for "drop" fault and a traceback on stderr)."""
    answer = httpx.post(
        f"{served.url}/_faults/whmcs", json={"kind": "status", "retry_after": retry_after}, timeout=5
    )
    assert answer.status_code == 400
    assert "retry_after" in answer.json()["message"]
    assert served.fakes["whmcs"].faults_queued == 0


def test_fault_deeply_nested_json_is_400(served: FakeServer) -> None:
    """Finding: a deeply nested JSON body raised RecursionError in the handler: the connection was dropped
    without an answer instead of a 400."""
    answer = httpx.post(f"{served.url}/_faults/whmcs", content=b"[" * 100_000 + b"]" * 100_000, timeout=5)
    assert answer.status_code == 400


@pytest.mark.parametrize("per", [b"NaN", b"Infinity"])
def test_fault_rate_limit_per_must_be_finite(served: FakeServer, per: bytes) -> None:
    """Finding: ``"per": NaN`` (which Python's json reads) was accepted as a rate-limit window."""
    body = b'{"kind": "rate_limit", "limit": 1, "per": ' + per + b"}"
    answer = httpx.post(f"{served.url}/_faults/whmcs", content=body, timeout=5)
    assert answer.status_code == 400


def test_root_with_a_query_lists_the_fakes(served: FakeServer) -> None:
    """Finding: ``GET /?x=1`` answered 404 "no fake named '?x=1'" instead of the listing."""
    answer = httpx.get(f"{served.url}/?format=json", timeout=5)
    assert answer.status_code == 200
    assert list(answer.json()["fakes"]) == ["whmcs"]


@pytest.mark.parametrize("length", [b"-1", b"abc"])
def test_bad_content_length_is_400(served: FakeServer, length: bytes) -> None:
    """Finding: ``Content-Length: -1`` held the handler thread reading until the client gave up (no answer);
    ``Content-Length: abc`` dropped the connection with a traceback."""
    port = httpx.URL(served.url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /_faults/whmcs HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}")
        head = sock.recv(100)
    assert head.startswith(b"HTTP/1.1 400")


def test_transport_error_keeps_its_key_type() -> None:
    """Held: a TransportError built with a key keeps it (the attribute the docs name)."""
    err = TransportError("m", provider="salesbricks", idempotency_key="k")
    assert err.idempotency_key == "k"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_salesbricks_send_ending_on_a_5xx_is_outcome_unknown(httpx_mock: HTTPXMock, status: int) -> None:
    """Finding (nothing doubled): ``send_invoice=True`` with the generated key ended as ServerError after
    every retry got a 5xx (Salesbricks stores and replays a 500 under the key [DOC U3]). Without a key the
    same call ended as OutcomeUnknownError; with one, the caller read "failed", and the docs tell them to let
    a new key be generated after a failure: the customer may be emailed twice. It stays OutcomeUnknownError,
    with the key, after the retries the key made safe.
    """
    httpx_mock.add_response(method="PATCH", status_code=status, json={"detail": "boom"}, is_reusable=True)
    with (
        Salesbricks("sb-key-0123456789", retry=FAST) as client,
        pytest.raises(OutcomeUnknownError) as info,
    ):
        client.invoices.update("inv-1", send_invoice=True)
    requests = httpx_mock.get_requests()
    assert len(requests) == FAST.attempts
    key = requests[0].headers["X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"]
    assert {r.headers["X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"] for r in requests} == {key}
    assert (info.value.status_code, info.value.idempotency_key) == (status, key)


def test_salesbricks_update_without_send_ending_on_a_5xx_stays_server_error(httpx_mock: HTTPXMock) -> None:
    """Held: a keyed update that emails no one is repeatable, so a persisting 5xx is ServerError."""
    httpx_mock.add_response(method="PATCH", status_code=503, json={"detail": "boom"}, is_reusable=True)
    with (
        Salesbricks("sb-key-0123456789", retry=FAST) as client,
        pytest.raises(invoicekit.ServerError),
    ):
        client.invoices.update("inv-1", tax_id="x")


# -- response headers and extra_headers ---------------------------------------------------------------------


def test_secret_echoed_as_a_header_name_is_scrubbed(httpx_mock: HTTPXMock) -> None:
    """Finding: a token is a valid header name; an answer echoing it as one kept it in ``err.headers`` and
    ``RawResponse.headers`` (only values were scrubbed)."""
    httpx_mock.add_response(
        method="GET", url=PB_URL, status_code=404, json={"isSuccess": False}, headers={PB_KEY: "1"}
    )
    httpx_mock.add_response(method="GET", url=PB_URL, json=RECORD, headers={PB_KEY: "1"})
    with _payabli() as client:
        with pytest.raises(invoicekit.NotFoundError) as info:
            client.invoices.get(332)
        raw = client.invoices.with_raw_response.get(332)
    assert PB_KEY not in repr(info.value.headers)
    assert PB_KEY not in repr(dict(raw.headers))
    assert raw.parsed.id_invoice == 332


@pytest.mark.parametrize(
    "name",
    [
        "Content-Encoding",
        "content-encoding",
        "Connection",
        "Upgrade",
        "TE",
        "Trailer",
        "Keep-Alive",
        "Expect",
    ],
)
def test_extra_headers_cannot_set_body_encoding_or_hop_by_hop_headers(
    httpx_mock: HTTPXMock, name: str
) -> None:
    """Finding: ``extra_headers={"Content-Encoding": "gzip"}`` (the body is not gzip: the provider misreads
    or refuses every attempt) and the connection-level headers the transport owns (``Upgrade: h2c`` asks the
    server to switch protocols mid-call) were sent. They are refused, naming the header, before a request."""
    with _payabli() as client, pytest.raises(ValidationError) as info:
        client.invoices.get(332, extra_headers={name: "gzip"})
    assert name in info.value.field
    assert httpx_mock.get_requests() == []


# -- examples: --live without credentials -------------------------------------------------------------------

EXAMPLES_DIR = Path(__file__).parent.parent.parent / "examples"
LIVE_RUNS = {  # example -> (valid --live arguments, the environment variable the message must name)
    "whmcs": (["12"], "WHMCS_URL"),
    "payabli": (["12", "invoice.pdf"], "PAYABLI_API_KEY"),
    "salesbricks": (["inv-1"], "SALESBRICKS_API_KEY"),
    "upflow": (["ext-1", "invoice.pdf"], "UPFLOW_API_KEY"),
    "invoro": (["0b7d9a0e-3c5e-4f7e-9a57-2f1d6a9b8c11"], "INVORO_API_KEY"),
}
CREDENTIAL_VARIABLES = (
    "WHMCS_URL",
    "WHMCS_IDENTIFIER",
    "WHMCS_SECRET",
    "WHMCS_ACCESS_KEY",
    "PAYABLI_API_KEY",
    "SALESBRICKS_API_KEY",
    "UPFLOW_API_KEY",
    "UPFLOW_API_SECRET",
    "INVORO_API_KEY",
)


@pytest.mark.parametrize("name", sorted(LIVE_RUNS))
def test_example_live_without_credentials_names_the_variable(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding: ``--live`` with its arguments but without the credentials ended in a ValidationError
    traceback (exit 1) from deep inside the client, instead of a message naming what is missing."""
    argv, variable = LIVE_RUNS[name]
    for var in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    path = EXAMPLES_DIR / f"{name}.py"
    monkeypatch.setattr(sys, "argv", [str(path), "--live", *argv])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(path), run_name="__main__")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert variable in err
    assert "--live" in err
