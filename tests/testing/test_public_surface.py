"""invoicekit.testing is documented like structlog.testing, and the five fakes share one surface."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest

import invoicekit
import invoicekit.testing
from invoicekit import _registry
from invoicekit.testing import FakeInvoro, FakePayabli, FakeProvider, FakeSalesbricks, FakeUpflow, FakeWhmcs

# Every fake and its clients, from the provider registry.
SPECS = _registry.providers(builtin_only=True)
FAKES: list[type[Any]] = [spec.load_fake() for spec in SPECS]
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
CLIENTS = {spec.load_fake(): (spec.load_client(), spec.load_client(asynchronous=True)) for spec in SPECS}


def test_all_is_sorted_and_resolves() -> None:
    """__all__ is sorted and complete: every public name of the module is in it."""
    names = invoicekit.testing.__all__
    assert names == sorted(names)
    public = {n for n, v in vars(invoicekit.testing).items() if not n.startswith("_") and isinstance(v, type)}
    assert public == set(names)


def test_every_public_name_and_member_has_a_docstring() -> None:
    """The module, each exported name, and each of their public methods and properties say what they are."""
    assert len(inspect.getdoc(invoicekit.testing) or "") > 500
    missing = []
    for name in invoicekit.testing.__all__:
        obj = getattr(invoicekit.testing, name)
        if not inspect.getdoc(obj):
            missing.append(name)
        for member, value in vars(obj).items():
            if member.startswith("_") or not (callable(value) or isinstance(value, property)):
                continue
            if not inspect.getdoc(getattr(obj, member)):
                missing.append(f"{name}.{member}")
    assert missing == []


@pytest.mark.parametrize("fake_type", FAKES)
def test_every_fake_has_the_same_surface(fake_type: type[Any]) -> None:
    """Seed, inspect, fault and wire up the same way on every fake."""
    fake = fake_type()
    assert isinstance(fake_type(), FakeProvider)
    assert fake.transport is fake
    for name in ("add_invoice", "client", "async_client", "fail_next", "drop_next", "rate_limit"):
        assert callable(getattr(fake, name)), name
    assert fake.invoices == {}
    assert fake.requests == []
    sync_cls, async_cls = CLIENTS[fake_type]
    with fake.client() as client:
        assert isinstance(client, sync_cls)
    assert isinstance(fake.async_client(), async_cls)


@pytest.mark.parametrize("fake_type", FAKES)
def test_client_options_override_everything(fake_type: type[Any]) -> None:
    """client(**options) wins over the fake's defaults, http_client included, on every fake."""
    fake = fake_type()
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer: httpx.Response = fake.handle_request(request)
        return answer

    http = httpx.Client(transport=httpx.MockTransport(record))
    credential = "identifier" if fake_type is FakeWhmcs else "api_key"
    calls: dict[type[Any], Any] = {
        FakeUpflow: lambda c: c.invoices.upload_pdf("x", b"%PDF-1.7"),
        FakeSalesbricks: lambda c: c.invoices.update("x", invoice_memo="m"),
        FakePayabli: lambda c: c.invoices.update(1, invoice_data=invoicekit.payabli.BillData(notes="x")),
        FakeInvoro: lambda c: c.invoices.update_draft(
            INVORO_ID, invoicekit.invoro.DraftInvoice(header=invoicekit.invoro.Header(invoice_number="INV-1"))
        ),
        FakeWhmcs: lambda c: c.invoices.update(1, notes="n"),
    }
    with (
        fake.client(http_client=http, **{credential: "not-the-fake-s"}) as client,
        pytest.raises(invoicekit.APIError) as info,
    ):
        calls[fake_type](client)
    assert isinstance(info.value, invoicekit.AuthenticationError | invoicekit.PermissionDeniedError)
    assert len(seen) == 1  # through the given http_client
