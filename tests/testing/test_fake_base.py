"""The fake base: routing on the raw path, faults as named, a rate limiter, sync and async transports."""

import httpx
import pytest

from support import Echo


def client(fake: Echo) -> httpx.Client:
    return httpx.Client(transport=fake.transport, base_url="https://x.test", headers={"X-Key": "good"})


def test_routes_decode_params_and_log_requests() -> None:
    """A route sees the percent-decoded ID; the raw request is logged."""
    fake = Echo()
    r = client(fake).put("/v1/things/a%2Fb", content=b"hi")
    assert r.json() == {"id": "a/b", "body": "hi"}
    assert fake.applied == ["a/b"]
    assert fake.requests[0].url.raw_path == b"/v1/things/a%2Fb"


def test_unknown_route_method_and_auth() -> None:
    """404 for an unknown path, 405 for a known path with another method, 401 for a wrong key."""
    fake = Echo()
    c = client(fake)
    assert c.put("/v1/other/1").status_code == 404
    assert c.get("/v1/things/1").status_code == 405
    assert c.put("/v1/things/1", headers={"X-Key": "bad"}).status_code == 401
    assert c.put("/v2/things/1").status_code == 404


def test_fail_next_answers_then_recovers() -> None:
    """fail_next answers the given status (with Retry-After) the given number of times, without applying."""
    fake = Echo()
    fake.fail_next(503, retry_after=2, times=2)
    c = client(fake)
    first = c.put("/v1/things/1")
    assert (first.status_code, first.headers["Retry-After"]) == (503, "2")
    assert c.put("/v1/things/1").status_code == 503
    assert c.put("/v1/things/1").status_code == 200
    assert fake.applied == ["1"]


@pytest.mark.parametrize(
    ("inject", "exc", "applied"),
    [
        (lambda f: f.refuse_next(), httpx.ConnectError, []),
        (lambda f: f.drop_next(), httpx.RemoteProtocolError, []),
        (lambda f: f.drop_next(after_apply=True), httpx.RemoteProtocolError, ["1"]),
        (lambda f: f.timeout_next(), httpx.ReadTimeout, []),
        (lambda f: f.timeout_next(after_apply=True), httpx.ReadTimeout, ["1"]),
    ],
)
def test_transport_faults(inject, exc: type[Exception], applied: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Each fault raises the httpx error a real network would, applying the request only when asked."""
    fake = Echo()
    inject(fake)
    with pytest.raises(exc):
        client(fake).put("/v1/things/1")
    assert fake.applied == applied
    assert len(fake.requests) == (0 if exc is httpx.ConnectError else 1)


def test_rate_limit() -> None:
    """Above the limit the fake answers 429 with a Retry-After; lifting it restores service."""
    fake = Echo()
    fake.rate_limit(2, per=60)
    c = client(fake)
    answers = [c.put("/v1/things/1") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 0 < float(answers[2].headers["Retry-After"]) <= 60
    assert fake.applied == ["1", "1"]
    fake.rate_limit(None)
    assert c.put("/v1/things/1").status_code == 200


@pytest.mark.anyio
async def test_async_transport_and_slow_answer() -> None:
    """The same fake serves an AsyncClient; slow_next delays the answer."""
    fake = Echo()
    fake.slow_next(0.01)
    async with httpx.AsyncClient(transport=fake.transport, headers={"X-Key": "good"}) as c:
        r = await c.put("https://x.test/v1/things/z", content=b"a")
    assert r.json()["id"] == "z"
