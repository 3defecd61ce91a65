"""Adversary tests for the operations written once (twins): the methods, views and options the core makes.

Each test is a defect found by calling the generated surface as a careless caller or a type-checking user
would. Lines marked ``mypy:`` are checked by ``mypy --strict tests``: they fail type-checking where the
typed surface lies.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine
from typing import Any

import httpx
import pytest
from typing_extensions import assert_type

import invoicekit
from invoicekit import InvoiceChange, RawResponse
from invoicekit.testing import FakeUpflow, FakeWhmcs

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# -- WHMCS' client.with_raw_response: a view of call(), not a second client -------------------------------


def test_whmcs_raw_view_cannot_close_the_clients_pool() -> None:
    """``with client.with_raw_response as raw:`` (or ``raw.close()``) closed the pool the client owns: the
    view was a copy of the whole client, close() and __exit__ included. The previous release's view had
    ``call`` only; closing anything through it must leave the client working.
    """
    client = invoicekit.Whmcs(url="https://billing.example.test", identifier="i", secret="s")
    view: Any = client.with_raw_response
    close = getattr(view, "close", None)
    if close is not None:
        close()
    assert not client._http.is_closed
    client.close()


def test_whmcs_raw_view_has_call_only() -> None:
    """The view typed ``_Whmcs[Raw[M], HC]`` offered ``.invoices`` (typed as raw views, returning plain
    models at runtime), ``with_options`` and ``close``: only ``call`` is a raw operation there.
    """
    fake = FakeWhmcs()
    fake.seed_demo()
    with fake.client() as client:
        view = client.with_raw_response
        public = {name for name in dir(view) if not name.startswith("_")}
        assert public == {"call"}
        answer = view.call("GetInvoice", invoiceid=1001)
        assert isinstance(answer, RawResponse)
        assert answer.status_code == 200
        assert answer.parsed["invoiceid"] in (1001, "1001")


def test_whmcs_raw_view_invoices_are_not_plain_models_typed_as_raw() -> None:
    """``client.with_raw_response.invoices.get(1001)`` was typed ``RawResponse[Invoice]`` and returned an
    ``Invoice`` (the copy's ``invoices`` were the client's own): ``.status_code`` raised AttributeError.
    """
    fake = FakeWhmcs()
    fake.seed_demo()
    with fake.client() as client:
        view: Any = client.with_raw_response
        invoices = getattr(view, "invoices", None)
        if invoices is not None:
            assert isinstance(invoices.get(1001), RawResponse)


def test_whmcs_raw_view_never_sends_through_old_options() -> None:
    """``client.with_raw_response.with_options(default_headers=...)`` (typed fine) sent through the
    original client's options: the copy kept the view's ``_send``, bound to the original client.
    """
    fake = FakeWhmcs()
    fake.seed_demo()
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-o"))
        return fake.handle_request(request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with fake.client(http_client=http, default_headers={"X-O": "old"}) as client:
        view: Any = client.with_raw_response
        with_options = getattr(view, "with_options", None)
        if with_options is not None:
            with_options(default_headers={"X-O": "new"}).call("GetInvoice", invoiceid=1001)
            assert seen == ["new"]
        client.with_options(default_headers={"X-O": "new"}).with_raw_response.call(
            "GetInvoice", invoiceid=1001
        )
        assert seen[-1] == "new"


@pytest.mark.anyio
async def test_async_whmcs_raw_view_has_call_only() -> None:
    fake = FakeWhmcs()
    fake.seed_demo()
    async with fake.async_client() as client:
        view = client.with_raw_response
        assert {name for name in dir(view) if not name.startswith("_")} == {"call"}
        answer = await view.call("GetInvoice", invoiceid=1001)
        assert isinstance(answer, RawResponse)
        assert answer.status_code == 200


# -- async operations are coroutines for type checkers too ---------------------------------------------


def test_async_operations_are_typed_as_coroutines() -> None:
    """Async operations were typed ``Awaitable[R]``: ``asyncio.run(client.invoices.upload_pdf(...))`` and
    ``asyncio.create_task(...)`` (which take a Coroutine) failed ``mypy --strict`` where the previous
    release's ``async def`` methods passed. The ``assert_type`` and ``asyncio.run`` lines are the proof
    (mypy: they are errors on the Awaitable typing).
    """
    fake = FakeUpflow()
    invoice = "inv_1"
    fake.add_invoice(invoice)
    client = fake.async_client()
    upload = client.invoices.upload_pdf(invoice, PDF)
    _ = assert_type(upload, Coroutine[Any, Any, None])  # mypy: Awaitable[None] is not a Coroutine
    assert asyncio.iscoroutine(upload)
    assert asyncio.run(upload) is None  # mypy: asyncio.run takes a Coroutine
    applied = client.invoices.apply(invoice, InvoiceChange(pdf=PDF))
    _ = assert_type(applied, Coroutine[Any, Any, invoicekit.Applied[None]])
    assert asyncio.run(applied).result is None
    plan = client.invoices.plan(invoice, InvoiceChange(pdf=PDF))
    _ = assert_type(plan, Coroutine[Any, Any, invoicekit.Plan])
    asyncio.run(plan)
    raw = client.invoices.with_raw_response.upload_pdf(invoice, PDF)
    _ = assert_type(raw, Coroutine[Any, Any, RawResponse[None]])
    assert asyncio.run(raw).status_code == 204


@pytest.mark.anyio
async def test_async_whmcs_call_is_a_task_for_type_checkers() -> None:
    fake = FakeWhmcs()
    fake.seed_demo()
    async with fake.async_client() as client:
        task = asyncio.create_task(client.call("GetInvoice", invoiceid=1001))  # mypy: needs a Coroutine
        assert (await task)["result"] == "success"


# -- a misused method is named as the caller wrote it -------------------------------------------------


@pytest.mark.parametrize(
    ("misuse", "message"),
    [
        (lambda c: c.invoices.upload_pdf("inv", PDF, "base64"), "upload_pdf() takes 3 positional arguments"),
        (
            lambda c: c.invoices.upload_pdf("inv"),
            "upload_pdf() missing 1 required positional argument: 'pdf'",
        ),
        (lambda c: c.invoices.upload_pdf("inv", PDF, encodng="base64"), "upload_pdf() got an unexpected"),
        (lambda c: c.invoices.upload_pdf("inv", PDF, invoice="x"), "upload_pdf() got multiple values"),
    ],
)
def test_positional_and_keyword_misuse_names_the_method(misuse: Any, message: str) -> None:
    """A wrong call raised the builder's TypeError: "upload_pdf_call() takes 2 positional arguments but 3
    were given", naming a function the caller never called, with counts off by one. The previous
    release said "Invoices.upload_pdf() takes 3 positional arguments but 4 were given".
    """
    client = invoicekit.Upflow("k", "s", http_client=httpx.Client(transport=httpx.MockTransport(_unreached)))
    with pytest.raises(TypeError) as info:
        misuse(client)
    assert message in str(info.value)
    assert "_call" not in str(info.value)


@pytest.mark.anyio
async def test_async_misuse_names_the_method() -> None:
    fake = FakeWhmcs()
    async with fake.async_client() as client:
        with pytest.raises(TypeError) as info:
            await client.invoices.update(1001, "Paid")  # type: ignore[call-arg]
        assert "update() takes 2 positional arguments but 3 were given" in str(info.value)
        with pytest.raises(TypeError) as info:
            await client.call()  # type: ignore[call-arg]
        assert "call() missing 1 required positional argument: 'action'" in str(info.value)


def _unreached(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be sent: {request.method} {request.url}")


# -- user subclasses of a client ------------------------------------------------------------------------

CLIENTS = [
    invoicekit.Upflow,
    invoicekit.AsyncUpflow,
    invoicekit.Salesbricks,
    invoicekit.AsyncSalesbricks,
    invoicekit.Payabli,
    invoicekit.AsyncPayabli,
    invoicekit.Invoro,
    invoicekit.AsyncInvoro,
    invoicekit.Whmcs,
    invoicekit.AsyncWhmcs,
]


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_a_user_subclass_of_a_client_can_be_made(client_class: type[Any]) -> None:
    """``class MyUpflow(invoicekit.Upflow): ...`` raised ValueError("duplicate parameter name: 'base_url'")
    at class creation: the options were written out a second time onto the client's written-out __init__.
    The subclass takes (and shows) exactly the client's signature.
    """
    mine: Any = type(f"My{client_class.__name__}", (client_class,), {"hello": lambda self: "hi"})
    assert inspect.signature(mine) == inspect.signature(client_class)
    assert mine.hello(object()) == "hi"


def test_a_user_subclass_of_a_client_keeps_its_own_init_signature() -> None:
    """A subclass's own ``__init__(self, tenant, **kwargs)`` had its signature rewritten to
    ``(tenant, *, base_url=..., ...)``: the credentials it forwards hidden, options claimed it may not take.
    """

    class Tenant(invoicekit.Upflow):
        def __init__(self, tenant: str, **kwargs: Any) -> None:
            self.tenant = tenant
            super().__init__(**kwargs)

    assert str(inspect.signature(Tenant)) == "(tenant: 'str', **kwargs: 'Any') -> 'None'"
    client = Tenant("acme", api_key="k", api_secret="s")
    assert client.tenant == "acme"
    assert type(client.invoices).__name__ == "Invoices"
    client.close()


def test_a_user_override_of_call_is_what_the_raw_view_runs() -> None:
    """A subclass overriding ``call`` and calling ``super()`` (held: its raw view runs the override)."""
    calls: list[str] = []

    class Audited(invoicekit.Whmcs):
        def call(self, action: str, /, **params: Any) -> dict[str, Any]:
            calls.append(action)
            return super().call(action, **params)

    fake = FakeWhmcs()
    fake.seed_demo()
    http = httpx.Client(transport=fake)
    with Audited(fake.url, fake.identifier, fake.secret, http_client=http) as client:
        assert client.call("GetInvoice", invoiceid=1001)["result"] == "success"
        raw: Any = client.with_raw_response.call("GetInvoice", invoiceid=1002)
        assert isinstance(raw, RawResponse)
        assert raw.status_code == 200
    assert calls == ["GetInvoice", "GetInvoice"]


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_a_resources_raw_view_has_its_native_operations_only(client_class: type[Any]) -> None:
    """``client.invoices.with_raw_response.apply(...)`` (typed as not callable) ran and returned an Applied
    whose ``.result`` was a RawResponse: neither ``RawResponse[Applied]`` nor what ``apply`` documents.
    The view has the native operations only, as the previous release's ``InvoicesWithRawResponse`` had.
    """
    native = {
        "Upflow": {"upload_pdf"},
        "Salesbricks": {"update"},
        "Payabli": {"update", "get"},
        "Invoro": {"update_draft"},
        "Whmcs": {"update", "get"},
    }[client_class.__name__.removeprefix("Async")]
    kwargs: dict[str, Any] = {
        "Upflow": {"api_key": "k", "api_secret": "s"},
        "Whmcs": {"url": "https://billing.example.test", "identifier": "i", "secret": "s"},
    }.get(client_class.__name__.removeprefix("Async"), {"api_key": "k"})
    client = client_class(**kwargs)
    view = client.invoices.with_raw_response
    assert {name for name in dir(view) if not name.startswith("_")} == native


# -- constructors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_an_http_client_of_the_other_mode_is_refused_when_the_client_is_made(client_class: type[Any]) -> None:
    """``invoicekit.Upflow(http_client=httpx.AsyncClient())`` was accepted; its first call then raised
    AttributeError ('coroutine' object has no attribute 'status_code'), not an InvoiceKitError, and left
    a never-awaited coroutine (``AsyncUpflow`` with an ``httpx.Client`` blocked the event loop instead).
    """
    kwargs: dict[str, Any] = {
        "Upflow": {"api_key": "k", "api_secret": "s"},
        "Whmcs": {"url": "https://billing.example.test", "identifier": "i", "secret": "s"},
    }.get(client_class.__name__.removeprefix("Async"), {"api_key": "k"})
    wrong = httpx.Client() if client_class.__name__.startswith("Async") else httpx.AsyncClient()
    with pytest.raises(invoicekit.ValidationError) as info:
        client_class(**kwargs, http_client=wrong)
    assert info.value.field == "http_client"
    assert type(wrong).__name__ in str(info.value)


@pytest.mark.parametrize("client_class", CLIENTS[:8], ids=lambda c: c.__name__)
def test_a_client_without_operations_of_its_own_has_no_raw_view(client_class: type[Any]) -> None:
    """``invoicekit.Upflow().with_raw_response`` (not typed; AttributeError in the previous release) was a
    copy of the whole client, whose ``close()`` closed the pool the client owns.
    """
    kwargs: dict[str, Any] = {"api_key": "k", "api_secret": "s"} if "Upflow" in client_class.__name__ else {}
    client = client_class(**(kwargs or {"api_key": "k"}))
    assert not hasattr(client, "with_raw_response")


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_an_unknown_option_is_named_on_the_client(client_class: type[Any]) -> None:
    """``invoicekit.Upflow(timout=5)`` said "BaseClient.__init__() got an unexpected keyword argument
    'timout'" (a private class). The previous release named the client the caller made.
    """
    kwargs: dict[str, Any] = {
        "Upflow": {"api_key": "k", "api_secret": "s"},
        "Whmcs": {"url": "https://billing.example.test", "identifier": "i", "secret": "s"},
    }.get(client_class.__name__.removeprefix("Async"), {"api_key": "k"})
    name = client_class.__name__
    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'timout'$"):
        client_class(**kwargs, timout=5)
