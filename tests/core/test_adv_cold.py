"""Adversary tests for the cold-start wave's operation methods made on first lookup (``_operations._Later``).

A method must be the same thing whoever looks it up first, however: many threads at once, or a test
double (``unittest.mock.patch.object(..., autospec=True)``) reading the class before anything called it.
What users do with a method before any call is run in a fresh interpreter (here nothing has looked the
methods up yet); the thread race is forced on classes made fresh in the test.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import types
from typing import Any

import pytest

from invoicekit import _operations
from invoicekit._operations import Async, Sync
from invoicekit.payabli import _client as payabli_client
from invoicekit.whmcs import _client as whmcs_client

# -- a test double made before any lookup ----------------------------------------------------------------

_PATCHED = r"""
import asyncio, inspect, json
from unittest import mock

import httpx

import invoicekit as ik
from invoicekit import payabli

out = {}
http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
client = ik.Payabli(api_key="pk-test-0123", http_client=http)
# the public class, before anything looked its methods up (as a test module's decorator does)
with mock.patch.object(payabli.Invoices, "get", autospec=True) as get:
    get.return_value = "doubled"
    try:
        out["sync result"] = client.invoices.get(5)
        get.assert_called_once_with(client.invoices, 5)
        out["sync called with self"] = True
    except Exception as exc:
        out["sync error"] = f"{type(exc).__name__}: {exc}"
    try:
        client.invoices.get(5, 6)
        out["sync wrong call"] = "accepted"
    except TypeError:
        out["sync wrong call"] = "TypeError"

failing = httpx.MockTransport(lambda r: httpx.Response(500))
aclient = ik.AsyncPayabli(api_key="pk-test-0123", http_client=httpx.AsyncClient(transport=failing))
with mock.patch.object(payabli.AsyncInvoices, "get", autospec=True) as aget:
    aget.return_value = "doubled"
    try:
        out["async result"] = asyncio.run(aclient.invoices.get(5))
    except Exception as exc:
        out["async error"] = f"{type(exc).__name__}: {exc}"

# a client's own operation (WHMCS ``call``), patched on the public client class
whmcs = ik.Whmcs(url="https://billing.example", identifier="ident", secret="s3cr3t-value",
                 http_client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))))
with mock.patch.object(ik.Whmcs, "call", autospec=True) as call:
    call.return_value = {"result": "success"}
    try:
        out["client result"] = whmcs.call("GetInvoice", invoiceid=1)
    except Exception as exc:
        out["client error"] = f"{type(exc).__name__}: {exc}"

# what the class holds, read without running descriptors (inspect.getattr_static), before and after
static = inspect.getattr_static(payabli.Invoices, "update")
out["static is function"] = inspect.isfunction(static)
try:
    out["static signature"] = str(inspect.signature(static))
except TypeError as exc:
    out["static signature"] = f"TypeError: {exc}"
out["static name"] = getattr(static, "__qualname__", None)
out["looked up signature"] = str(inspect.signature(payabli.Invoices.update))
out["looked up name"] = payabli.Invoices.update.__qualname__
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def patched() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _PATCHED], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_patch_object_autospec_before_any_lookup_doubles_the_sync_method(patched: dict[str, Any]) -> None:
    """Before the fix, ``patch.object(Invoices, "get", autospec=True)`` read the class's ``_Later`` stand-in,
    not a function: the double was a NonCallableMagicMock and ``client.invoices.get(5)`` raised TypeError.
    """
    assert patched.get("sync error") is None
    assert patched["sync result"] == "doubled"
    assert patched["sync called with self"] is True
    assert patched["sync wrong call"] == "TypeError"  # autospec checks the real signature


def test_patch_object_autospec_before_any_lookup_doubles_the_async_method(patched: dict[str, Any]) -> None:
    assert patched.get("async error") is None
    assert patched["async result"] == "doubled"


def test_patch_object_autospec_before_any_lookup_doubles_a_client_operation(patched: dict[str, Any]) -> None:
    assert patched.get("client error") is None
    assert patched["client result"] == {"result": "success"}


def test_static_lookup_before_any_call_reads_as_the_method(patched: dict[str, Any]) -> None:
    """``inspect.getattr_static`` (and ``getmembers_static``) saw a ``_Later`` object, not a function."""
    assert patched["static is function"] is True
    assert patched["static signature"] == patched["looked up signature"]
    assert patched["static name"] == patched["looked up name"] == "Invoices.update"


# -- many threads looking a method up first ----------------------------------------------------------------


def _fresh(mode: type) -> type:
    """A class binding *mode* on Payabli's generic resource: its methods not made yet."""
    made: type = types.new_class("Invoices", (payabli_client._Invoices[mode],))  # type: ignore[valid-type]
    return made


def _fresh_client(mode: type) -> type:
    made: type = types.new_class("Actions", (whmcs_client._Actions[mode],))  # type: ignore[valid-type]
    return made


@pytest.mark.parametrize(
    ("make", "mode", "name"),
    [
        (_fresh, Sync, "update"),
        (_fresh, Async, "get"),
        (_fresh, Sync, "apply"),
        (_fresh, Async, "plan"),
        (_fresh_client, Sync, "call"),
    ],
)
def test_threads_looking_a_method_up_first_all_get_the_one_the_class_keeps(
    make: Any, mode: type, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads both found the stand-in, both made a method and each got its own: one of them then held
    a function the class no longer had (``cls.update is cls.update`` was False across the two lookups).
    Making is held at a barrier so both threads are inside it together, if the code lets them be.
    """
    cls = make(mode)
    made = _operations._Op.method
    barrier = threading.Barrier(2, timeout=1.0)

    def slow(self: Any, owner: type, op_name: str) -> Any:
        # broken when the other thread waits for this one to make it: as it should
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return made(self, owner, op_name)

    monkeypatch.setattr(_operations._Op, "method", slow)
    got: list[Any] = []

    def look() -> None:
        got.append(getattr(cls, name))

    threads = [threading.Thread(target=look) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    kept = getattr(cls, name)
    assert len(got) == 2
    assert got[0] is kept
    assert got[1] is kept
    assert vars(cls)[name] is kept
