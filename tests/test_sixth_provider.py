"""CONTRIBUTING.md's walkthrough "Adding a provider", followed literally.

A tiny sixth provider, Tally (``PATCH /v2/invoices/{id}`` sets an invoice's memo; Bearer key; an HTTP-200
envelope ``{"ok": false, "error": ...}`` for refusals), is written here as its steps say: the client (step 1),
the fake (step 2) and the registry entry (step 3). Each test registers it, exercises it sync and async
through the fake (and once through the fake server, over a real socket), then drops it: the fixture checks
that nothing of it is left for any other test to see.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import httpx
import pytest

import invoicekit
from invoicekit import _registry
from invoicekit._answers import Failure, Hints
from invoicekit._answers import read_error as default_read_error
from invoicekit._auth import BearerAuth, credential
from invoicekit._call import Call, Json, Safety
from invoicekit._checks import int_id, text
from invoicekit._client import AsyncClient, Provider, SyncClient
from invoicekit._errors import bad_answer
from invoicekit._operations import HC, Async, Client, M, Raw, Resource, Sync, operation
from invoicekit._retry import RetryPolicy
from invoicekit.testing import FakeProvider, FakeServer
from invoicekit.testing.__main__ import demo_fakes, describe
from invoicekit.testing.pytest_plugin import fixtures_for

if TYPE_CHECKING:
    from invoicekit._operations import Options, Unpack

# -- step 1: the client (src/invoicekit/tally/_client.py) -------------------------------------------------

#: Messages that name their error class (first match wins): the one declared mechanism, _answers.Hints.
HINTS = Hints(("not a draft", 409), ("no such invoice", 404))


def read_error(status: int, data: Any) -> Failure:
    """Tally's error answers are ``{"error": "..."}``."""
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return Failure(data["error"], hint=HINTS(data["error"]) if status == 400 else None)
    return default_read_error(status, data)


def check_envelope(data: Any) -> Failure | None:
    """An HTTP-200 ``{"ok": false}`` is a failure, raised as its HTTP twin (hint from its message)."""
    if isinstance(data, dict) and data.get("ok") is False:
        message = str(data.get("error") or "the request failed")
        return Failure(message, hint=HINTS(message, default=400))
    return None


TALLY = Provider("tally", "https://api.tally.test/v2", read_error=read_error, check_envelope=check_envelope)


@attrs.frozen
class TallyInvoice:
    id: int
    memo: str


def parse_invoice(data: Any) -> TallyInvoice:
    invoice = data.get("invoice") if isinstance(data, dict) else None
    if not isinstance(invoice, dict) or not isinstance(invoice.get("id"), int):
        raise bad_answer("the answer holds no invoice")
    return TallyInvoice(invoice["id"], str(invoice.get("memo", "")))


def update_memo_call(
    invoice_id: int, memo: str, *, extra_headers: Mapping[str, str] | None = None
) -> Call[TallyInvoice]:
    """Set the invoice's memo (``PATCH /invoices/{id}``); returns the invoice as Tally stored it."""
    return Call(
        "PATCH",
        "/invoices/{id}",
        parse=parse_invoice,
        ids={"id": int_id(invoice_id, "invoice_id")},
        body=Json({"memo": text(memo, "memo")}),
        safety=Safety.IDEMPOTENT,  # setting a memo twice sets it once: retried after a 5xx or a timeout
        extra_headers=extra_headers,
    )


class _Invoices(Resource[M]):
    """Invoice operations, as ``client.invoices``."""

    update_memo = operation(update_memo_call)
    with_raw_response: _Invoices[Raw[M]]


class Invoices(_Invoices[Sync]): ...


class AsyncInvoices(_Invoices[Async]): ...


def _auth(api_key: str | None) -> BearerAuth:
    return BearerAuth(credential(api_key, param="api_key", env="TALLY_API_KEY"))


class _Tally(Client[M, HC]):
    """Tally's API. *api_key* defaults to the environment variable ``TALLY_API_KEY``."""

    def __init__(self, api_key: str | None = None, **options: Unpack[Options[HC]]) -> None:
        super().__init__(TALLY, _auth(api_key), **options)
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Tally(SyncClient, _Tally[Sync, httpx.Client]): ...


class AsyncTally(AsyncClient, _Tally[Async, httpx.AsyncClient]): ...


# -- step 2: the fake (src/invoicekit/testing/_tally.py) ---------------------------------------------------


class FakeTally(FakeProvider):
    """Tally in memory: ``PATCH /v2/invoices/{id}`` with ``{"memo": ...}``; only drafts may change."""

    prefix = "/v2"

    def __init__(self, api_key: str = "tally-test-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.invoices: dict[int, dict[str, Any]] = {}
        self.route("PATCH", r"/invoices/(?P<id>\d+)", self._patch)

    def add_invoice(self, id: int, *, state: str = "draft", memo: str = "") -> dict[str, Any]:
        self.invoices[id] = {"id": id, "state": state, "memo": memo}
        return self.invoices[id]

    def seed_demo(self) -> str:
        self.add_invoice(1)
        self.add_invoice(2, state="sent")
        return "invoices 1 (draft), 2 (sent: refused)"

    def client(self, **options: Any) -> Tally:
        return Tally(**self.client_kwargs({"api_key": self.api_key}, options, asynchronous=False))

    def async_client(self, **options: Any) -> AsyncTally:
        return AsyncTally(**self.client_kwargs({"api_key": self.api_key}, options, asynchronous=True))

    def authenticate(self, request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self.json(401, {"error": "bad key"})
        return None

    def _patch(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        invoice = self.invoices.get(int(params["id"]))
        if invoice is None:
            return self.json(400, {"error": f"no such invoice {params['id']}"})
        if invoice["state"] != "draft":
            return self.json(200, {"ok": False, "error": "invoice is not a draft"})
        invoice["memo"] = json.loads(request.content)["memo"]
        return self.json(200, {"ok": True, "invoice": {"id": invoice["id"], "memo": invoice["memo"]}})


# -- step 3: the registry entry (one entry in src/invoicekit/_registry.py) -------------------------------

SPEC = _registry.ProviderSpec(
    "tally", "Tally", __name__, "Tally", "AsyncTally",
    fake=f"{__name__}:FakeTally", env=(("TALLY_API_KEY", "api_key"),),
)  # fmt: skip


@pytest.fixture
def registered() -> Iterator[_registry.Registration]:
    """Tally registered for one test, then dropped; nothing of it may remain."""
    with _registry.register(SPEC) as registration:
        yield registration
    assert "tally" not in {spec.name for spec in _registry.providers()}
    assert not hasattr(invoicekit, "Tally")
    assert not hasattr(invoicekit.testing, "FakeTally")
    assert "Tally" not in dir(invoicekit)


# -- the tests --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("registered")
def test_registered_it_is_everywhere_providers_are_listed() -> None:
    assert _registry.by_name("tally") is SPEC
    assert [spec.name for spec in _registry.providers()][-1] == "tally"
    assert invoicekit.Tally is Tally  # type: ignore[attr-defined]  # the lazy export, found in the registry
    assert invoicekit.AsyncTally is AsyncTally  # type: ignore[attr-defined]
    assert invoicekit.testing.FakeTally is FakeTally  # type: ignore[attr-defined]
    assert "Tally" in dir(invoicekit)
    assert SPEC.load_fake() is FakeTally
    assert sorted(fixtures_for(SPEC)) == ["async_tally_client", "fake_tally", "tally_client"]


@pytest.mark.usefixtures("registered")
def test_sync_through_the_fake() -> None:
    fake = invoicekit.testing.FakeTally()  # type: ignore[attr-defined]
    fake.add_invoice(7)
    fake.add_invoice(8, state="sent")
    with fake.client(retry=RetryPolicy(initial=0)) as client:
        assert client.invoices.update_memo(7, "Net 30") == TallyInvoice(7, "Net 30")
        request = fake.requests[-1]
        assert (request.method, str(request.url)) == ("PATCH", "https://api.tally.test/v2/invoices/7")
        assert request.headers["authorization"] == "Bearer tally-test-key"
        assert request.headers["content-type"] == "application/json"
        assert request.content == b'{"memo":"Net 30"}'
        with pytest.raises(invoicekit.ConflictError, match="not a draft") as refused:  # HTTP 200 + hint 409
            client.invoices.update_memo(8, "x")
        assert refused.value.status_code == 200
        with pytest.raises(invoicekit.NotFoundError):  # HTTP 400 + hint 404
            client.invoices.update_memo(9, "x")
        with pytest.raises(invoicekit.ValidationError, match="invoice_id"):
            client.invoices.update_memo(0, "x")
        fake.fail_next(524)  # may have run; the call is idempotent: retried
        assert client.invoices.update_memo(7, "again").memo == "again"
    assert len(fake.requests) == 5
    assert fake.invoices[7]["memo"] == "again"


@pytest.mark.anyio
@pytest.mark.usefixtures("registered")
async def test_async_through_the_fake() -> None:
    fake = FakeTally()
    fake.add_invoice(7)
    async with fake.async_client(retry=RetryPolicy(initial=0)) as client:
        assert await client.invoices.update_memo(7, "Net 45") == TallyInvoice(7, "Net 45")
        with pytest.raises(invoicekit.NotFoundError):
            await client.invoices.update_memo(9, "x")
    assert [r.method for r in fake.requests] == ["PATCH", "PATCH"]


@pytest.mark.usefixtures("registered")
def test_the_fake_server_serves_it_with_its_demo_invoices(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = demo_fakes()
    assert list(demo)[-1] == "tally"
    fakes = {name: fake for name, (fake, _) in demo.items()}
    with FakeServer(fakes) as server:
        printed = describe(demo, server)
        tally = ["# Tally: invoices 1 (draft), 2 (sent: refused)", "TALLY_API_KEY=tally-test-key"]
        assert "\n".join([*tally, f"base_url={server.base_url('tally')}"]) in printed
        monkeypatch.setenv("TALLY_API_KEY", "tally-test-key")  # the env var the registry entry declares
        with Tally(base_url=server.base_url("tally")) as client:
            assert client.invoices.update_memo(1, "over a socket") == TallyInvoice(1, "over a socket")
    assert fakes["tally"].invoices[1]["memo"] == "over a socket"  # type: ignore[attr-defined]


def test_a_registration_never_shadows_and_undoes_once() -> None:
    with pytest.raises(invoicekit.ValidationError, match="already"):
        _registry.register(_registry.by_name("upflow"))
    for clash in (SPEC._replace(client="Upflow"), SPEC._replace(fake=f"{__name__}:FakeServer")):
        with pytest.raises(invoicekit.ValidationError, match="shadow"):
            _registry.register(clash)
    registration = _registry.register(SPEC)
    registration.undo()
    registration.undo()  # a second undo does nothing
    assert "tally" not in {spec.name for spec in _registry.providers()}
    assert [spec.name for spec in _registry.providers()] == list(_registry.BUILTIN)
