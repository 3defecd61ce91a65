"""Every body kind over a real socket on 127.0.0.1 (MockTransport forgives what a connection does not)."""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from invoicekit import File
from invoicekit._auth import FormAuth, HeaderAuth, Secret
from invoicekit._call import Call, Form, Json, Multipart
from invoicekit._client import AsyncClient, Provider, SyncClient
from invoicekit.testing import FakeProvider
from invoicekit.testing._server import FakeServer


class Mirror(FakeProvider):
    """Answers every POST with what it received: headers and body."""

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", r"/mirror", self._mirror)

    def _mirror(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        # "size" too: the client scrubs a credential an answer echoes (the form body's), shortening "body"
        received = {"headers": dict(request.headers), "body": request.content.decode("latin-1")}
        return self.json(200, {**received, "size": len(request.content)})


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer({"m": Mirror()}) as s:
        yield s


BODIES: list[Any] = [
    Json({"amount": Decimal("1.10"), "pdf": File(b"%PDF-1.7 abc")}),
    Form({"items": {13: "x"}}),
    Multipart([("a", "1")], [("file", File(b"%PDF-1.7 abc"), "i.pdf")]),
    Multipart([("a", "1")]),
]


@pytest.mark.parametrize("body", BODIES, ids=["json", "form", "multipart", "multipart-text"])
def test_sync_bodies_cross_a_real_socket(server: FakeServer, body: Any) -> None:
    """Host and Content-Length are set and the body arrives whole."""
    client = SyncClient(Provider("m", server.base_url("m")), HeaderAuth({"X-K": Secret("k" * 8)}))
    with client:
        got = client._send(Call("POST", "/mirror", parse=lambda d: d, body=body))
    assert got["headers"]["host"] == server.url.removeprefix("http://")
    assert int(got["headers"]["content-length"]) == got["size"]
    assert "transfer-encoding" not in got["headers"]


@pytest.mark.anyio
@pytest.mark.parametrize("body", BODIES, ids=["json", "form", "multipart", "multipart-text"])
async def test_async_bodies_cross_a_real_socket(server: FakeServer, body: Any) -> None:
    """The async client sends the same bytes over a real connection."""
    auth = (
        FormAuth({"secret": Secret("s" * 8)})
        if isinstance(body, Form)
        else HeaderAuth({"X-K": Secret("k" * 8)})
    )
    async with AsyncClient(Provider("m", server.base_url("m")), auth) as client:
        got = await client._send(Call("POST", "/mirror", parse=lambda d: d, body=body))
    assert int(got["headers"]["content-length"]) == got["size"]
    if isinstance(body, Json):
        assert json.loads(got["body"])["amount"] == 1.10
