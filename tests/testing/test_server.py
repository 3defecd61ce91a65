"""The loopback server: fakes answer over real sockets on 127.0.0.1, faults included."""

from collections.abc import Iterator

import httpx
import pytest

from invoicekit.testing._server import FakeServer
from support import Echo


@pytest.fixture
def served() -> Iterator[tuple[FakeServer, Echo]]:
    fake = Echo()
    with FakeServer({"echo": fake}, stall=0.5) as server:
        yield server, fake


def test_serves_a_fake_under_its_name(served: tuple[FakeServer, Echo]) -> None:
    """/echo/v1/things/x reaches the fake as /v1/things/x, raw path and body intact."""
    server, fake = served
    assert server.base_url("echo") == f"{server.url}/echo/v1"
    assert server.url.startswith("http://127.0.0.1:")
    with httpx.Client(headers={"X-Key": "good"}) as c:
        r = c.put(f"{server.base_url('echo')}/things/a%2Fb", content=b"body")
        chunked = c.put(f"{server.base_url('echo')}/things/c", content=iter([b"bo", b"dy"]))
    assert r.status_code == 200
    assert r.json() == {"id": "a/b", "body": "body"}
    assert chunked.json() == {"id": "c", "body": "body"}
    assert fake.requests[0].url.raw_path == b"/v1/things/a%2Fb"


def test_unknown_fake_is_404(served: tuple[FakeServer, Echo]) -> None:
    """A name that is not served answers 404."""
    server, _ = served
    assert httpx.get(f"{server.url}/nobody/v1/x").status_code == 404


def test_drop_closes_without_answer(served: tuple[FakeServer, Echo]) -> None:
    """An injected drop closes the socket with no answer; after_apply applies first."""
    server, fake = served
    fake.drop_next(after_apply=True)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.put(f"{server.base_url('echo')}/things/1", headers={"X-Key": "good"})
    assert fake.applied == ["1"]


def test_timeout_stalls_past_the_client(served: tuple[FakeServer, Echo]) -> None:
    """An injected timeout holds the request longer than the client waits."""
    server, fake = served
    fake.timeout_next()
    with pytest.raises(httpx.ReadTimeout):
        httpx.put(f"{server.base_url('echo')}/things/1", headers={"X-Key": "good"}, timeout=0.1)
    assert fake.applied == []


def test_status_fault_and_headers(served: tuple[FakeServer, Echo]) -> None:
    """Injected statuses and their Retry-After cross the socket unchanged."""
    server, fake = served
    fake.fail_next(429, retry_after=3)
    r = httpx.put(f"{server.base_url('echo')}/things/1", headers={"X-Key": "good"})
    assert (r.status_code, r.headers["Retry-After"]) == (429, "3")
