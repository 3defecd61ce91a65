"""Cold-start guard (issue 19): a plain call loads only what it needs.

One fresh interpreter per mode imports one provider, builds its client on an ``httpx.Client`` with a
``MockTransport`` and makes one call; then none of the modules below may be in ``sys.modules``. Each was
deferred to win cold-start time (docs/performance.md); a change that loads one again at import, at
construction or on the first call fails here, naming the provider and the module.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

#: What a plain call never needs, and what loads it when it is needed.
DEFERRED: dict[str, str] = {
    # httpx imports these when it makes a connection pool (a client given no transport); the deadline
    # backend that wraps a pool names httpcore's exceptions without importing it.
    "httpcore": "a connection pool",
    "h11": "a connection pool",
    "anyio": "a connection pool, or an async call off asyncio",
    "certifi": "a connection pool (the SSL context)",
    # the unified change: apply and plan are made when first looked up (_operations._Later)
    "invoicekit._change": "apply or plan",
    "invoicekit._capabilities": "apply, plan or invoicekit.capabilities()",
    # the retry policy: read only once a call has failed (a client given no retry= uses the default)
    "invoicekit._retry": "a failed call, retry=, max_retries= or invoicekit.RetryPolicy",
    # models a common first call does not need: loaded on first use of one of their names
    "invoicekit.invoro._parts": "invoro.Party, Address, Identifier, InvoicePeriod, ItemAttribute, "
    "AllowanceCharge, Totals, Payment or Attachment",
    "invoicekit.payabli._parts": "payabli.BillItem, FileContent, the enums, PayorData, BillOptions, "
    "InvoiceRecord(Item) or invoices.get",
    "invoicekit.whmcs._parts": "whmcs.ItemChange, NewItem, Invoice, InvoiceItem or invoices.get",
}

_SCRIPT = r"""
import json, os, sys, tempfile

import httpx

# httpx before 0.28 imports httpcore (and h11, anyio, certifi) itself: those are not invoicekit's doing
by_httpx = sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)

ANSWERS = {
    "upflow": (204, None),
    "salesbricks": (200, {"invoice_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
                          "signed_pdf_url": "https://files.example/i.pdf", "attachments": []}),
    "payabli": (200, {"isSuccess": True, "responseCode": 1, "responseData": 3625, "responseText": "Success",
                      "roomId": 0}),
    "invoro": (200, {"success": True, "data": {"id": "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", "state": "draft",
                     "direction": "outgoing", "total": 12100, "currency": "EUR", "network": None,
                     "invoice_number": "INV-42"}, "message": "ok", "errors": None}),
    "whmcs": (200, {"result": "success", "invoiceid": 42}),
}
mode, deferred = sys.argv[1], json.loads(sys.argv[2])
fd, pdf = tempfile.mkstemp(suffix=".pdf")
os.write(fd, b"%PDF-1.4\n%%EOF\n")
os.close(fd)
prefix = "Async" if mode == "async" else ""


def client_and_call(provider, http):
    if provider == "upflow":
        from invoicekit import upflow
        client = getattr(upflow, prefix + "Upflow")(api_key="k", api_secret="s", base_url="https://u.test/v1",
                                                    http_client=http)
        return lambda: client.invoices.upload_pdf("inv_123", pdf)
    if provider == "salesbricks":
        from invoicekit import salesbricks
        client = getattr(salesbricks, prefix + "Salesbricks")(api_key="k", base_url="https://s.test/api/v2",
                                                              http_client=http)
        return lambda: client.invoices.update("3c90c3cc-0d44-4b50-8888-8dd25736052a", invoice_memo="Net 30")
    if provider == "payabli":
        from invoicekit import payabli
        client = getattr(payabli, prefix + "Payabli")(api_key="k", base_url="https://p.test",
                                                      http_client=http)
        data = payabli.BillData(notes="Q3", invoice_number="INV-42")
        return lambda: client.invoices.update(3625, invoice_data=data)
    if provider == "invoro":
        import datetime as dt
        from decimal import Decimal
        from invoicekit import invoro
        client = getattr(invoro, prefix + "Invoro")(api_key="k", base_url="https://i.test/invoice-api",
                                                    http_client=http)
        draft = invoro.DraftInvoice(
            header=invoro.Header(invoice_number="INV-42", issue_date=dt.date(2025, 9, 30),
                                 due_date=dt.date(2025, 10, 30), currency="EUR"),
            lines=[invoro.Line(name="Q3 services", quantity=Decimal(1), price=Decimal("100.00"))],
        )
        return lambda: client.invoices.update_draft("7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", draft)
    from invoicekit import whmcs
    client = getattr(whmcs, prefix + "Whmcs")(url="https://w.test", identifier="i", secret="s",
                                              http_client=http)
    return lambda: client.invoices.update(42, status="Unpaid", notes="Q3")


report = {}
for provider in sys.argv[3:]:  # one after another: a module is charged to the first provider that loads it
    status, body = ANSWERS[provider]
    seen = []

    def handler(request, status=status, body=body, seen=seen):
        seen.append(request.method)
        content = b"" if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"content-type": "application/json"}
        return httpx.Response(status, content=content, headers=headers)

    transport = httpx.MockTransport(handler)
    http = httpx.AsyncClient(transport=transport) if mode == "async" else httpx.Client(transport=transport)
    call = client_and_call(provider, http)
    if mode == "async":
        import asyncio

        async def main():
            await call()

        asyncio.run(main())
    else:
        call()
    report[provider] = {"requests": seen, "loaded": sorted(m for m in deferred if m in sys.modules)}
os.remove(pdf)

import re

from invoicekit import _answers, _auth, _checks, _errors, _files, _limits, _operations, _registry

# patterns compiled on first use: re's cache holds each once compiled (absent from it: never compiled)
cache = {key[1] for key in getattr(re, "_cache", {})}
lazy = {"_errors._ESCAPES": _errors._ESCAPES, "_errors._CONTROLS": _errors._CONTROLS,
        "_answers._TITLE_OPEN": _answers._TITLE_OPEN, "_limits._APP_INFO": _limits._APP_INFO,
        "_checks._EMAIL": _checks._EMAIL, "_registry._NAME": _registry._NAME,
        "_files._MEDIA_TYPE": _files._MEDIA_TYPE, "_auth._ESCAPE_HINT": _auth._ESCAPE_HINT}
report["compiled patterns"] = sorted(name for name, pattern in lazy.items() if pattern in cache)
tables = {"payabli": "_TEXT_HINTS", "invoro": "_MESSAGE_HINTS", "whmcs": "_HINTS"}
hints = {p: getattr(sys.modules[f"invoicekit.{p}._answers"], t) for p, t in tables.items() if p in sys.argv}
report["compiled hints"] = sorted(p for p, table in hints.items() if table._compiled is not None)
# operations: made on first lookup; the ones this program never looked up are still _Later
made = set()
for provider in sys.argv[3:]:
    for cls in vars(sys.modules[f"invoicekit.{provider}._client"]).values():
        if isinstance(cls, type) and issubclass(cls, _operations.Operations) and _operations._bound_mode(cls):
            for name, value in vars(cls).items():
                if not name.startswith("_") and callable(value) and not isinstance(value, _operations._Later):
                    made.add(f"{provider}:{'async' if cls._async else 'sync'}:{name}")
report["made methods"] = sorted(made)
report["loaded by httpx"] = by_httpx
print(json.dumps(report))
"""

PROVIDERS = ("upflow", "salesbricks", "payabli", "invoro", "whmcs")
_CALLED = {"upflow": "upload_pdf", "salesbricks": "update", "payabli": "update", "invoro": "update_draft",
           "whmcs": "update"}  # fmt: skip
_METHODS = {"upflow": "POST", "salesbricks": "PATCH", "payabli": "PUT", "invoro": "PUT", "whmcs": "POST"}


def _run(mode: str, deferred: list[str], providers: tuple[str, ...] = PROVIDERS) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode, json.dumps(deferred), *providers],
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, Any] = json.loads(out.stdout)
    return report


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_plain_call_loads_none_of_the_deferred_modules(mode: str) -> None:
    report = _run(mode, list(DEFERRED))
    # regular expressions of failure and rare paths, compiled on first use (not at import)
    assert report.pop("compiled patterns") == []
    assert report.pop("compiled hints") == []
    # each operation's method is made on first lookup: only the one called was
    assert report.pop("made methods") == sorted(f"{p}:{mode}:{_CALLED[p]}" for p in PROVIDERS)
    by_httpx = set(report.pop("loaded by httpx"))  # httpx < 0.28 loads httpcore & co. at its own import
    assert list(report) == list(PROVIDERS)
    for provider, seen in report.items():
        assert seen["requests"] == [_METHODS[provider]], (provider, seen)  # the call was made, once
        loaded = {m: DEFERRED[m] for m in seen["loaded"] if m not in by_httpx}
        assert loaded == {}, f"after one {mode} {provider} call: {loaded}"


def test_the_guard_sees_a_loaded_module() -> None:
    """The script reports what is loaded (so an empty report means absent, not unchecked)."""
    report = _run("sync", ["httpx", "invoicekit._client", "nope"], ("payabli",))
    assert report["payabli"]["loaded"] == ["httpx", "invoicekit._client"]


def test_a_provider_model_with_attrs_own_repr_is_refused() -> None:
    """set_fields_repr replaces the repr: a model must not pay for attrs generating one (repr=False)."""
    import attrs

    from invoicekit._repr import set_fields_repr

    with pytest.raises(TypeError, match=r"Model: write @attrs.frozen\(repr=False\) under @set_fields_repr"):

        @set_fields_repr
        @attrs.frozen
        class Model:
            x: int = 1

    @set_fields_repr
    @attrs.frozen(repr=False)
    class Quiet:
        x: int = 1
        y: str = "a"

    assert (
        repr(Quiet(y="b"))
        == "test_a_provider_model_with_attrs_own_repr_is_refused.<locals>.Quiet(x=1, y='b')"
    )


def test_the_cores_private_value_classes_are_not_attrs_classes() -> None:
    """Each attrs class costs its module's import a compile() of generated methods: the core's private
    value classes are plain records (invoicekit._record); the public ones (RetryPolicy, RawResponse...) stay
    attrs. ``Call`` is a plain record too: it lives in the private ``invoicekit._call`` (provider authors
    build it with keywords, which still works, and ``Call.replace`` does what ``attrs.evolve`` did), and
    its attrs class cost ~8.6M instructions at import.
    """
    import attrs

    from invoicekit import _answers, _auth, _call, _client, _fields, _response, _retry

    private = [
        *(_answers.Failure, _auth.HeaderAuth, _auth.BearerAuth, _auth.FormAuth, _call.Json, _call.Form),
        *(_call.Multipart, _client.Provider, _client._Attempts, _fields.Clears, _fields.Spec, _fields.Fields),
        *(_response.Meta, _call.Call),
    ]
    assert [c.__name__ for c in private if attrs.has(c)] == []
    public = [_response.RateLimit, _response.RawResponse, _retry.RetryPolicy]
    assert [c.__name__ for c in public if not attrs.has(c)] == []


@pytest.mark.parametrize(
    "name",
    [
        "GetInvoice",
        "a",
        "A1",
        "UpdateInvoice2",
        "",
        "1Get",
        "Get-Invoice",
        "Get_Invoice",
        "Gét",
        "Get\n",
        "\uff27et",
        "Get\u0661",
        "get invoice",
        "ª",
        "²",
    ],
)
def test_the_whmcs_action_name_check_without_a_pattern_agrees_with_it(name: str) -> None:
    """whmcs._rules checks an action name with str methods (no pattern compiled at import): the same
    verdict as the ``[A-Za-z][A-Za-z0-9]*`` it replaced, for non-ASCII letters and digits too."""
    import re

    from invoicekit import ValidationError
    from invoicekit.whmcs._rules import action_name

    if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
        assert action_name(name) == name
    else:
        with pytest.raises(ValidationError):
            action_name(name)


def test_the_private_meta_record_compares_hashes_shows_and_pickles_by_its_fields() -> None:
    """_response.Meta is a Record (no attrs compile at import): what the core reads of it is unchanged."""
    import pickle

    from invoicekit._response import Meta, RateLimit

    def meta(**changed: object) -> Meta:
        fields: dict[str, object] = {
            "status_code": 200,
            "headers": {"x-request-id": "r1"},
            "request_id": "r1",
            "rate_limit": RateLimit(100, 99, 1.0),
            "idempotency_key": None,
            "attempts": 2,
        }
        return Meta(**{**fields, **changed})  # type: ignore[arg-type]

    a = meta()
    assert (a.status_code, a.request_id, a.attempts, a.rate_limit) == (200, "r1", 2, RateLimit(100, 99, 1.0))
    assert a == meta()
    assert a != meta(attempts=3)
    assert repr(a) == (
        "Meta(status_code=200, headers={'x-request-id': 'r1'}, request_id='r1', "
        "rate_limit=RateLimit(limit=100, remaining=99, reset=1.0), idempotency_key=None, attempts=2)"
    )
    assert pickle.loads(pickle.dumps(a)) == a  # noqa: S301 (our own bytes)
    with pytest.raises(AttributeError):
        a.attempts = 3
