"""What the client trusts of a ``Call`` (leak7).

``Call`` is immutable against mistakes only: Python can always write an instance's ``__dict__`` (or use
``object.__setattr__``), as it could with the attrs frozen class ``Call`` was. That is no way around a
check, because no caller ever holds a Call the client sends: each operation builds its Call inside the
method and sends it at once, and no public result hands one out. What the client checks of a caller's
input while sending (``extra_headers=``) it copies into a new Call, so the caller's mapping changed after
the check (between attempts, from another thread, by a file object's read) changes nothing sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest

import invoicekit as ik
from invoicekit import InvoiceChange
from invoicekit._call import Call
from invoicekit.testing import FakeUpflow

FAST = ik.RetryPolicy(initial=0, jitter=False)
PDF = b"%PDF-1.7\n% leak7\n%%EOF\n"
URL = "https://api.upflow.test/v1"


class _ChangesTheCallersHeaders:
    """A transport that answers 503 to the first attempt after changing the caller's *headers* mapping (as
    another thread or a callback of the caller's could), then 204: what each attempt carried is kept."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers
        self.sent: list[httpx.Headers] = []

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.headers)
        if len(self.sent) > 1:
            return httpx.Response(204)
        self.headers["X-Trace"] = "changed"
        self.headers["X-Api-Key"] = "overridden"  # a credential header: refused had it been checked
        self.headers["Content-Length"] = "1"  # framing: refused too
        self.headers["X-Injected"] = "a\r\nX-Evil: 1"  # header injection: refused too
        return httpx.Response(503)

    def sync(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._answer)

    def asynchronous(self) -> httpx.MockTransport:
        async def answer(request: httpx.Request) -> httpx.Response:
            await request.aread()
            return self._answer(request)

        return httpx.MockTransport(answer)


@pytest.mark.parametrize("how", ["upload_pdf", "apply"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_extra_headers_changed_after_the_check_are_not_sent(mode: str, how: str) -> None:
    headers = {"X-Trace": "t-1"}
    transport = _ChangesTheCallersHeaders(headers)

    async def run_async() -> None:
        async with ik.AsyncUpflow(
            "k",
            "s",
            base_url=URL,
            retry=FAST,
            http_client=httpx.AsyncClient(transport=transport.asynchronous()),
        ) as client:
            await client.invoices.upload_pdf("inv_1", PDF, extra_headers=headers)

    if mode == "async":
        asyncio.run(run_async())
    else:
        with ik.Upflow(
            "k", "s", base_url=URL, retry=FAST, http_client=httpx.Client(transport=transport.sync())
        ) as client:
            if how == "apply":
                client.invoices.apply("inv_1", InvoiceChange(pdf=PDF), extra_headers=headers)
            else:
                client.invoices.upload_pdf("inv_1", PDF, extra_headers=headers)
    assert len(transport.sent) == 2  # the 503 was retried
    for sent in transport.sent:  # each attempt carries what was checked, nothing the caller added since
        assert sent["X-Trace"] == "t-1"
        assert sent["X-API-KEY"] == "k"
        assert "X-Injected" not in sent
        assert "X-Evil" not in sent
        assert sent["Content-Length"] != "1"
    assert transport.sent[0].raw == transport.sent[1].raw


def _calls_in(value: Any, depth: int = 0) -> Iterator[Any]:
    """Every Call reachable from *value* through attributes, mappings and sequences (a few levels)."""
    if isinstance(value, Call):
        yield value
        return
    if depth > 3 or isinstance(value, str | bytes | int | float | type(None)):
        return
    if isinstance(value, dict):
        children: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        children = list(value)
    elif attrs.has(type(value)):
        children = [getattr(value, f.name) for f in attrs.fields(type(value))]
    else:
        children = list(getattr(value, "__dict__", {}).values())
        children += [getattr(value, n) for n in getattr(type(value), "__slots__", ()) if hasattr(value, n)]
    for child in children:
        yield from _calls_in(child, depth + 1)


def test_no_public_result_hands_out_a_call() -> None:
    """A caller never gets the Call a send uses (or any Call): plain, raw, ``apply`` and ``plan`` results
    hold none. (Only the private ``_change.describe_send`` returns one, for the CLI's dry run: never sent.)
    """
    fake = FakeUpflow()
    invoice = fake.add_invoice("inv_1").id
    with httpx.Client(transport=fake) as http, fake.client(http_client=http) as client:
        results = [
            client.invoices.upload_pdf(invoice, PDF),
            client.invoices.with_raw_response.upload_pdf(invoice, PDF),
            client.invoices.apply(invoice, InvoiceChange(pdf=PDF)),
            client.invoices.plan(invoice, InvoiceChange(pdf=PDF)),
        ]
    for result in results:
        assert not list(_calls_in(result)), result


def test_the_call_an_operation_sends_is_made_for_that_send(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each operation builds its Call in the method and hands it straight to the send loop: two calls
    with the same arguments send two Calls, and no Call is kept by the client after its send."""
    fake = FakeUpflow()
    invoice = fake.add_invoice("inv_1").id
    sent: list[Call[Any]] = []
    with httpx.Client(transport=fake) as http, fake.client(http_client=http) as client:
        real = client._send

        def recording(call: Call[Any], extra_headers: Any = None) -> Any:
            sent.append(call)
            return real(call, extra_headers)

        monkeypatch.setattr(client.invoices, "_send", recording)
        client.invoices.upload_pdf(invoice, PDF)
        client.invoices.upload_pdf(invoice, PDF)
        assert len(sent) == 2
        assert sent[0] is not sent[1]
        assert (
            (sent[0].method, sent[0].path)
            == (sent[1].method, sent[1].path)
            == ("POST", "/invoices/inv_1/pdf")
        )
        assert not list(_calls_in(vars(client)))
        assert not list(_calls_in(vars(client.invoices)))
