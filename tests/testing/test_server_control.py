"""The fake server's own paths (GET /, POST|DELETE /_faults/{name}) and the command line's --fault."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import invoicekit
from invoicekit import RetryPolicy
from invoicekit.testing import FakeUpflow, FakeWhmcs
from invoicekit.testing.__main__ import main
from invoicekit.testing._server import FakeServer, parse_fault
from support import Echo

NO_RETRY = RetryPolicy(attempts=1)


@pytest.fixture
def served() -> Iterator[tuple[FakeServer, Echo]]:
    fake = Echo()
    with FakeServer({"echo": fake}, stall=0.5) as server:
        yield server, fake


def put(server: FakeServer, **kw: Any) -> httpx.Response:
    return httpx.put(f"{server.base_url('echo')}/things/1", content=b"x", headers={"X-Key": "good"}, **kw)


def test_root_lists_the_fakes(served: tuple[FakeServer, Echo]) -> None:
    server, fake = served
    put(server)
    fake.drop_next()
    answer = httpx.get(f"{server.url}/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "fakes": {
            "echo": {"base_url": f"{server.url}/echo/v1", "class": "Echo", "requests": 1, "faults_queued": 1}
        }
    }
    assert httpx.post(f"{server.url}/").status_code == 405


@pytest.mark.parametrize(
    ("spec", "check"),
    [
        ({"kind": "status", "status": 429, "retry_after": 7}, "429:7"),
        ({"kind": "status", "body": {"message": "custom"}}, "503:custom"),
        ({"kind": "drop"}, "dropped"),
        ({"kind": "timeout"}, "timeout"),
        ({"kind": "refuse"}, "dropped"),  # over a socket a refused request cannot be told from a drop
    ],
)
def test_fault_injected_over_http(served: tuple[FakeServer, Echo], spec: dict[str, Any], check: str) -> None:
    server, fake = served
    queued = httpx.post(f"{server.url}/_faults/echo", json=spec)
    assert (queued.status_code, queued.json()) == (200, {"queued": 1})
    try:
        answer = put(server, timeout=0.2)
        got = f"{answer.status_code}:{answer.headers.get('retry-after') or answer.json()['message']}"
    except httpx.ReadTimeout:
        got = "timeout"
    except httpx.RemoteProtocolError:
        got = "dropped"
    assert got == check
    assert put(server).status_code == 200  # one time only
    assert fake.applied == ["1"]


def test_fault_after_apply_and_times(served: tuple[FakeServer, Echo]) -> None:
    server, fake = served
    httpx.post(f"{server.url}/_faults/echo", json={"kind": "drop", "after_apply": True, "times": 2})
    for _ in range(2):
        with pytest.raises(httpx.RemoteProtocolError):
            put(server)
    assert fake.applied == ["1", "1"]


def test_rate_limit_and_delete(served: tuple[FakeServer, Echo]) -> None:
    server, _ = served
    assert httpx.post(f"{server.url}/_faults/echo", json={"kind": "rate_limit", "limit": 1}).json() == {
        "queued": 0
    }
    httpx.post(f"{server.url}/_faults/echo", json={"kind": "status", "status": 500, "times": 5})
    assert put(server).status_code == 500
    cleared = httpx.delete(f"{server.url}/_faults/echo")
    assert cleared.json() == {"queued": 0}
    assert [put(server).status_code for _ in range(2)] == [200, 200]  # no faults, no limit


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "Expecting value"),
        (b"[]", "JSON object"),
        (b'{"kind": "explode"}', "kind must be one of"),
        (b'{"kind": "status", "status": 99}', "status must be"),
        (b'{"kind": "drop", "times": 0}', "times must be"),
        (b'{"kind": "slow"}', "slow needs seconds"),
        (b'{"kind": "drop", "oops": 1}', "unknown fault field(s): oops"),
    ],
)
def test_bad_fault_is_400(served: tuple[FakeServer, Echo], body: bytes, message: str) -> None:
    server, fake = served
    answer = httpx.post(f"{server.url}/_faults/echo", content=body)
    assert answer.status_code == 400
    assert message in answer.json()["message"]
    assert fake.faults_queued == 0


def test_fault_for_unknown_fake_is_404(served: tuple[FakeServer, Echo]) -> None:
    server, _ = served
    assert httpx.post(f"{server.url}/_faults/nobody", json={"kind": "drop"}).status_code == 404
    assert httpx.get(f"{server.url}/_faults/echo").status_code == 405


def test_injected_timeout_reaches_a_real_client() -> None:
    """The --stall promise: an injected timeout makes a real client time out (the read never answers)."""
    fake = FakeUpflow()
    fake.add_invoice("inv_1")
    with FakeServer({"upflow": fake}, stall=1.0) as server:
        httpx.post(f"{server.url}/_faults/upflow", json={"kind": "timeout"})
        with (
            invoicekit.Upflow(fake.api_key, fake.api_secret, base_url=server.base_url("upflow"), timeout=0.2,
                              retry=NO_RETRY) as client,
            pytest.raises(invoicekit.TransportError),
        ):  # fmt: skip
            client.invoices.upload_pdf("inv_1", b"%PDF-1.4\n%%EOF")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("whmcs:status:503*2", ("whmcs", {"kind": "status", "status": 503, "times": 2})),
        ("whmcs:status", ("whmcs", {"kind": "status"})),
        ("salesbricks:timeout-after-apply", ("salesbricks", {"kind": "timeout", "after_apply": True})),
        ("payabli:refuse*3", ("payabli", {"kind": "refuse", "times": 3})),
        ("invoro:slow:1.5", ("invoro", {"kind": "slow", "seconds": 1.5})),
        ("upflow:rate_limit:10", ("upflow", {"kind": "rate_limit", "limit": 10})),
    ],
)
def test_parse_fault(text: str, expected: tuple[str, dict[str, Any]]) -> None:
    assert parse_fault(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("whmcs", "is not NAME:KIND"),
        ("whmcs:drop:5", "drop takes no value"),
        ("whmcs:status:abc", "is not a number"),
        ("whmcs:drop*x", "TIMES must be a whole number"),
        ("nobody:drop", "no fake named 'nobody'"),
        ("whmcs:explode", "kind must be one of"),
    ],
)
def test_bad_command_line_fault_exits_2(text: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--fault", text])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_help_names_fault_and_a_stall_that_can_be_injected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--fault NAME:KIND[:VALUE][*TIMES]" in text
    assert "injected timeout (--fault NAME:timeout, or POST /_faults/NAME)" in text


def test_command_line_fault_applies_to_the_served_fake() -> None:
    """`--fault whmcs:status:503` then a real request: the first answer is the injected 503."""
    process = subprocess.Popen(
        [sys.executable, "-m", "invoicekit.testing", "--port", "0", "--fault", "whmcs:status:503"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        root = None
        for line in process.stdout:
            found = re.match(r"invoicekit fakes on (\S+)", line)
            if found:
                root = found.group(1)
                break
        assert root is not None
        listing = httpx.get(f"{root}/").json()["fakes"]
        assert listing["whmcs"]["faults_queued"] == 1
        assert set(listing) == {"upflow", "salesbricks", "payabli", "invoro", "whmcs"}
        wh = FakeWhmcs()
        with invoicekit.Whmcs(listing["whmcs"]["base_url"], wh.identifier, wh.secret, retry=NO_RETRY) as c:
            with pytest.raises(invoicekit.ServerError):
                c.invoices.get(1001)
            assert c.invoices.get(1001).status == "Draft"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
