"""Each operation written once: a builder with the public signature and docstring, methods made by the core.

A tiny provider is declared here the way the five are (builder, generic resource, two mode-bound classes,
a generic client), then exercised sync and async over httpx.MockTransport, so the mechanism is checked
apart from any real provider. The ``assert_type`` lines are checked by ``mypy --strict tests``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from typing_extensions import assert_type

import invoicekit
from invoicekit import InvoiceChange, Plan, RawResponse, ValidationError
from invoicekit._auth import HeaderAuth, credential
from invoicekit._call import Call, Json, Safety
from invoicekit._client import AsyncClient, BaseClient, Provider, SyncClient
from invoicekit._operations import (
    HC,
    OPTIONS,
    Async,
    Client,
    M,
    Raw,
    Resource,
    Sync,
    operation,
)

if TYPE_CHECKING:
    from invoicekit._operations import Options, Unpack

TINY = Provider("tiny", "https://api.tiny.test/v1")
PDF = b"%PDF-1.7 tiny"
TRACE = {"X-Trace": "t1"}
KEY = "t0k3n"


def rename_call(
    invoice_id: str, name: str, /, *, note: str | None = None, extra_headers: Mapping[str, str] | None = None
) -> Call[dict[str, Any]]:
    """Rename invoice *invoice_id* to *name* (``PUT /invoices/{id}``); *note* goes along."""
    if not name:
        raise ValidationError("name", "must not be empty")
    return Call(
        "PUT",
        "/invoices/{invoice_id}",
        parse=lambda data: data,
        ids={"invoice_id": invoice_id},
        body=Json({"name": name, "note": note}),
        safety=Safety.IDEMPOTENT,
        extra_headers=extra_headers,
    )


class _Invoices(Resource[M]):
    rename = operation(rename_call)
    with_raw_response: _Invoices[Raw[M]]


class TinyInvoices(_Invoices[Sync]):
    pass


class AsyncTinyInvoices(_Invoices[Async]):
    pass


class _Tiny(Client[M, HC]):
    def __init__(self, token: str | None = None, **options: Unpack[Options[HC]]) -> None:
        super().__init__(
            TINY, HeaderAuth({"X-Token": credential(token, param="token", env="TINY_TOKEN")}), **options
        )
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Tiny(SyncClient, _Tiny[Sync, httpx.Client]):
    pass


class AsyncTiny(AsyncClient, _Tiny[Async, httpx.AsyncClient]):
    pass


def _echo(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"echo": json.loads(request.content)}, headers={"X-Request-Id": "r1"})

    return httpx.MockTransport(handle)


def _check_wire(request: httpx.Request) -> None:
    assert request.method == "PUT"
    assert str(request.url) == "https://api.tiny.test/v1/invoices/inv%201"
    assert request.headers["X-Token"] == "t0k3n"
    assert request.headers["X-Trace"] == "t1"
    assert json.loads(request.content) == {"name": "New", "note": "n"}


def test_the_sync_method_sends_what_the_builder_describes() -> None:
    seen: list[httpx.Request] = []
    with Tiny(KEY, http_client=httpx.Client(transport=_echo(seen))) as client:
        result = client.invoices.rename("inv 1", "New", note="n", extra_headers={"X-Trace": "t1"})
        assert_type(result, dict[str, Any])
        raw = client.invoices.with_raw_response.rename(
            "inv 1", "New", note="n", extra_headers={"X-Trace": "t1"}
        )
        assert_type(raw, RawResponse[dict[str, Any]])
    assert result == {"echo": {"name": "New", "note": "n"}}
    assert (raw.parsed, raw.status_code, raw.request_id) == (result, 200, "r1")
    assert len(seen) == 2
    for request in seen:
        _check_wire(request)


@pytest.mark.anyio
async def test_the_async_method_sends_the_same() -> None:
    seen: list[httpx.Request] = []
    async with AsyncTiny(KEY, http_client=httpx.AsyncClient(transport=_echo(seen))) as client:
        pending = client.invoices.rename("inv 1", "New", note="n", extra_headers={"X-Trace": "t1"})
        _ = assert_type(pending, Coroutine[Any, Any, dict[str, Any]])
        result = await pending
        raw = await client.invoices.with_raw_response.rename(
            "inv 1", "New", note="n", extra_headers={"X-Trace": "t1"}
        )
        assert_type(raw, RawResponse[dict[str, Any]])
    assert result == {"echo": {"name": "New", "note": "n"}}
    assert raw.parsed == result
    assert len(seen) == 2
    for request in seen:
        _check_wire(request)


@pytest.mark.anyio
async def test_bad_input_raises_before_any_request_sync_at_the_call_async_at_the_await() -> None:
    seen: list[httpx.Request] = []
    with Tiny(KEY, http_client=httpx.Client(transport=_echo(seen))) as client, pytest.raises(ValidationError):
        client.invoices.rename("inv 1", "")
    async with AsyncTiny(KEY, http_client=httpx.AsyncClient(transport=_echo(seen))) as aclient:
        pending = aclient.invoices.rename("inv 1", "")  # nothing runs until awaited, as with any async def
        with pytest.raises(ValidationError):
            await pending
    assert seen == []


def test_extra_headers_are_checked_against_the_clients_credentials() -> None:
    seen: list[httpx.Request] = []
    with (
        Tiny(KEY, http_client=httpx.Client(transport=_echo(seen))) as client,
        pytest.raises(ValidationError) as caught,
    ):
        client.invoices.rename("inv 1", "New", extra_headers={"x-token": "stolen"})
    assert caught.value.field == "extra_headers['x-token']"
    assert seen == []


def test_methods_are_real_functions_with_the_builders_signature_and_docstring() -> None:
    sync, asyn = TinyInvoices.rename, AsyncTinyInvoices.rename
    assert inspect.isfunction(sync)
    assert not inspect.iscoroutinefunction(sync)
    assert inspect.iscoroutinefunction(asyn)
    assert sync.__doc__ == asyn.__doc__ == rename_call.__doc__
    assert (sync.__name__, sync.__qualname__) == ("rename", "TinyInvoices.rename")
    assert asyn.__qualname__ == "AsyncTinyInvoices.rename"
    expected = "(self, invoice_id: str, name: str, /, *, note: str | None = None, "
    expected += "extra_headers: collections.abc.Mapping[str, str] | None = None) -> dict[str, typing.Any]"
    assert str(inspect.signature(sync)) == str(inspect.signature(asyn)) == expected
    bound = Tiny(KEY).invoices.rename
    assert str(inspect.signature(bound)).startswith("(invoice_id: str, name: str, /, *, note")


def test_arguments_reach_the_builder_as_python_binds_them() -> None:
    """The method is ``builder(*args, **kwargs)``: Python's own errors, no binding of our own."""
    client = Tiny(KEY)
    with pytest.raises(TypeError, match="positional-only"):
        client.invoices.rename(invoice_id="inv 1", name="New")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        client.invoices.rename("inv 1", "New", nope=1)  # type: ignore[call-arg]


def test_a_class_that_binds_no_mode_has_no_methods() -> None:
    with pytest.raises(AttributeError, match="binds no mode"):
        _Invoices(Tiny(KEY)).rename  # noqa: B018


def test_with_options_rebinds_the_resources_to_the_copy() -> None:
    client = Tiny(KEY)
    copy = client.with_options(timeout=5.0)
    assert type(copy.invoices) is TinyInvoices
    assert copy.invoices._client is copy
    assert client.invoices._client is client


def test_the_written_out_options_are_the_ones_the_core_takes() -> None:
    """The one runtime list of options (names, defaults) is what BaseClient.__init__ accepts."""
    core = inspect.signature(BaseClient.__init__).parameters
    assert {name: default for name, default, _ in OPTIONS} == {
        name: core[name].default for name, _, _ in OPTIONS
    }
    assert set(core) - {name for name, _, _ in OPTIONS} == {"self", "provider", "auth"}
    for cls, http in ((Tiny, httpx.Client), (AsyncTiny, httpx.AsyncClient)):
        params = inspect.signature(cls).parameters
        assert list(params) == ["token", *(name for name, _, _ in OPTIONS)]
        assert params["http_client"].annotation == (http | None)
        assert all(params[name].kind is inspect.Parameter.KEYWORD_ONLY for name, _, _ in OPTIONS)


def test_every_public_client_shows_its_real_constructor() -> None:
    upflow = inspect.signature(invoicekit.Upflow).parameters
    assert list(upflow)[:3] == ["api_key", "api_secret", "base_url"]
    assert (upflow["timeout"].default, upflow["deadline"].default) == (60.0, 300.0)
    whmcs = inspect.signature(invoicekit.AsyncWhmcs).parameters
    assert list(whmcs)[:5] == ["url", "identifier", "secret", "access_key", "sandbox"]
    assert "base_url" not in whmcs  # WHMCS takes the install's url= instead
    assert whmcs["http_client"].annotation == (httpx.AsyncClient | None)
    invoro = inspect.signature(invoicekit.Invoro).parameters
    assert invoro["auth_scheme"].default == "bearer"


def test_apply_takes_base_only_where_the_provider_declares_it() -> None:
    upflow = invoicekit.Upflow("k", "s")
    with pytest.raises(TypeError, match="unexpected keyword argument 'base'"):
        upflow.invoices.apply("inv_1", InvoiceChange(pdf=PDF), base=None)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'base'"):
        upflow.invoices.plan("inv_1", InvoiceChange(pdf=PDF), base=None)  # type: ignore[call-arg]
    assert "base" in inspect.signature(invoicekit.invoro.Invoices.apply).parameters
    assert "base" not in inspect.signature(invoicekit.upflow.Invoices.apply).parameters
    params = inspect.signature(invoicekit.invoro.AsyncInvoices.plan).parameters
    assert list(params) == ["self", "invoice", "change", "base", "on_unsupported", "extra", "extra_headers"]


@pytest.mark.anyio
async def test_plan_is_typed_and_made_for_both_modes() -> None:
    change = InvoiceChange(pdf=PDF)
    plan = invoicekit.Upflow("k", "s").invoices.plan("inv_1", change, extra_headers={"X-Trace": "t1"})
    assert_type(plan, Plan)
    pending = invoicekit.AsyncUpflow("k", "s").invoices.plan("inv_1", change, extra_headers={"X-Trace": "t1"})
    _ = assert_type(pending, Coroutine[Any, Any, Plan])
    assert await pending == plan
    (request,) = plan.requests
    assert (request.method, request.url) == ("POST", "https://api.upflow.io/v1/invoices/inv_1/pdf")
    assert ("x-trace", "t1") in request.headers
    assert invoicekit.upflow.Invoices.apply.__doc__ is not None
    assert "``upload_pdf``" in invoicekit.upflow.Invoices.apply.__doc__
