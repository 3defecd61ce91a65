"""Adversary of left6 (a module loaded on first use that cannot be loaded; type hints; bulk.arun).

Each scenario that needs modules not loaded yet runs in a fresh interpreter, against the in-memory fakes,
as tests/reliability/test_left6_unloaded.py does: "blocked" is a meta-path finder raising EMFILE for the
modules named (what the import system meets at the open-file limit); one scenario takes every descriptor
for real while orjson's extension is opened (what another thread of a process at its limit does).
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import pytest

from support import script_out

_PRELUDE = r"""
import asyncio, json, os, sys, importlib.abc, importlib.machinery
import invoicekit
from invoicekit import InvoiceChange
from invoicekit.testing import FakeSalesbricks

class Blocked(importlib.abc.MetaPathFinder):
    def __init__(self, names, error=None):
        self.names, self.seen = names, []
        self.error = error or (lambda: OSError(24, "Too many open files"))
    def find_spec(self, name, path=None, target=None):
        if name in self.names or name.split(".")[0] + ".*" in self.names:
            self.seen.append(name)
            raise self.error()
        return None

def outcome(call):
    try:
        return ["ok", type(call()).__name__]
    except invoicekit.InvoiceKitError as exc:
        return [type(exc).__name__, str(exc)]
    except BaseException as exc:
        return ["escaped", repr(exc)]

def blocked(names, call, error=None):
    hook = Blocked(names, error)
    sys.meta_path.insert(0, hook)
    try:
        return outcome(call) + [hook.seen]
    finally:
        sys.meta_path.remove(hook)

salesbricks = FakeSalesbricks()
invoice = salesbricks.add_invoice()
sync = salesbricks.client()
CHANGE = InvoiceChange(memo="Paid by wire")
out = {"dataclasses loaded": "dataclasses" in sys.modules, "orjson loaded": "orjson" in sys.modules}
"""

_SCENARIOS = {
    # orjson's extension imports dataclasses (and datetime, enum, uuid, json) when it initialises, and
    # does not check that import: one that fails crashed the interpreter (SIGSEGV) on the first JSON call
    "orjson's own imports": r"""
out["apply"] = blocked({"dataclasses"}, lambda: sync.invoices.apply(invoice.invoice_id, CHANGE))
out["memo"] = invoice.invoice_memo
out["later"] = outcome(lambda: sync.invoices.apply(invoice.invoice_id, InvoiceChange(memo="Later")))
from invoicekit import _json
out["orjson in use"] = _json.orjson_in_use()
""",
    # orjson's own files, refused (dataclasses loads): the standard library, orjson again later
    "orjson refused": r"""
import dataclasses
out["apply"] = blocked({"orjson", "orjson.*"}, lambda: sync.invoices.apply(invoice.invoice_id, CHANGE))
out["memo"] = invoice.invoice_memo
out["later"] = outcome(lambda: sync.invoices.apply(invoice.invoice_id, InvoiceChange(memo="Later")))
from invoicekit import _json
out["orjson in use"] = _json.orjson_in_use()
""",
    # the same where that import raises ImportError (a sandbox refusing it): no crash either
    "orjson's own imports refused": r"""
out["apply"] = blocked(
    {"dataclasses"},
    lambda: sync.invoices.apply(invoice.invoice_id, CHANGE),
    error=lambda: ModuleNotFoundError("No module named 'dataclasses'", name="dataclasses"),
)
out["memo"] = invoice.invoice_memo
""",
    # a real EMFILE while orjson's extension is opened (its __init__.py was read: another thread took the
    # last descriptors meanwhile): dlopen's failure is an ImportError, "...: cannot open shared object
    # file: Too many open files". It was remembered as "orjson is not installed", for the whole process.
    "orjson's extension at the limit": r"""
import resource

class Exhaust(importlib.abc.MetaPathFinder):
    def __init__(self):
        self.errors = []
    def find_spec(self, name, path=None, target=None):
        if name != "orjson.orjson":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        real, errors = spec.loader, self.errors

        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                held = []
                try:
                    while True:
                        held.append(os.open(os.devnull, os.O_RDONLY))
                except OSError:
                    pass
                try:
                    return real.create_module(spec)
                except ImportError as exc:
                    errors.append(str(exc))
                    raise
                finally:
                    for fd in held:
                        os.close(fd)

            def exec_module(self, module):
                real.exec_module(module)

        spec.loader = Loader()
        return spec

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))
hook = Exhaust()
sys.meta_path.insert(0, hook)
try:
    out["apply"] = outcome(lambda: sync.invoices.apply(invoice.invoice_id, CHANGE))
finally:
    sys.meta_path.remove(hook)
out["dlopen"] = hook.errors
out["memo"] = invoice.invoice_memo
out["later"] = outcome(lambda: sync.invoices.apply(invoice.invoice_id, InvoiceChange(memo="Later")))
from invoicekit import _json
out["orjson in use"] = _json.orjson_in_use()
""",
    # the annotations of an operation, read first by inspect.get_annotations (the documented way to read
    # them since 3.10): {} while typing.get_type_hints had not run, the hints once it had
    "annotations": r"""
import inspect, typing
from invoicekit.testing import FakeWhmcs
resource = type(FakeWhmcs().client().invoices)
get, update = resource.get, resource.update
out["first"] = sorted(inspect.get_annotations(get))
out["len"] = len(get.__annotations__)
out["return" ] = "return" in update.__annotations__
out["invoice_id"] = repr(update.__annotations__.get("invoice_id"))
typing.get_type_hints(get)
out["second"] = sorted(inspect.get_annotations(get))
""",
    # bulk.run's first lookups load ``limits`` (the bulk extra) inside the call, before any job is sent
    "bulk": r"""
import tempfile
from invoicekit import bulk
from invoicekit.testing import FakeWhmcs
whmcs = FakeWhmcs()
whmcs.add_invoice(42)
client = whmcs.async_client()
jobs = [bulk.Job(provider="whmcs", invoice=42, change=InvoiceChange(memo="x"))]
journal = os.path.join(tempfile.mkdtemp(), "run.db")
out["run"] = blocked({"limits", "limits.*"}, lambda: bulk.run(jobs, journal, clients={"whmcs": client}))
out["arun"] = blocked({"limits", "limits.*"}, lambda: bulk.arun(jobs, journal, clients={"whmcs": client}))
out["sent"] = len(whmcs.requests)
out["journal"] = os.path.exists(journal)
""",
    # an async call's wait before a retry sleeps through anyio, loaded on a client's first wait: after an
    # attempt was answered (a 503 here, or a 429), so the call may have run. OSError escaped it raw.
    "async wait": r"""
from invoicekit import RetryPolicy
from invoicekit.testing import FakeWhmcs
whmcs = FakeWhmcs()
whmcs.add_invoice(42)
client = whmcs.async_client(retry=RetryPolicy(initial=0.01, cap=0.02))
out["anyio loaded"] = "anyio" in sys.modules
async def get(): return await client.invoices.get(42)
async def update(): return await client.invoices.update(42, notes="Paid by wire")
names = {"anyio", "anyio.*", "sniffio", "sniffio.*"}
whmcs.fail_next(503)
out["get"] = blocked(names, lambda: asyncio.run(get()))
out["sent get"] = len(whmcs.requests)
whmcs.fail_next(503)
out["update"] = blocked(names, lambda: asyncio.run(update()))
out["sent update"] = len(whmcs.requests)
whmcs.fail_next(503)
out["later"] = outcome(lambda: asyncio.run(get()))  # anyio loads: waits, retries, succeeds
""",
    # on trio each attempt runs in anyio's scope, anyio (and its trio backend) loaded in the attempt,
    # before the request is handed to httpx: nothing was sent when that load fails
    "trio attempt": r"""
import trio
from invoicekit.testing import FakeWhmcs
whmcs = FakeWhmcs()
whmcs.add_invoice(42)
client = whmcs.async_client()
out["anyio loaded"] = "anyio" in sys.modules
async def publish(): return await client.invoices.update(42, notes="Paid by wire", publish=True)
out["publish"] = blocked({"anyio", "anyio.*", "sniffio", "sniffio.*"}, lambda: trio.run(publish))
out["sent"] = len(whmcs.requests)
async def notes(): return await client.invoices.update(42, notes="Later")
out["later"] = outcome(lambda: trio.run(notes))
""",
}


def _run(name: str) -> dict[str, Any]:
    return script_out(_PRELUDE + _SCENARIOS[name])


_ORJSON = pytest.mark.skipif(importlib.util.find_spec("orjson") is None, reason="the fast extra is absent")


@_ORJSON
def test_orjson_whose_own_imports_cannot_be_loaded_does_not_crash_the_process() -> None:
    """It died of SIGSEGV (returncode -11) inside orjson's module init: now the call takes the standard
    library, as for orjson itself, and a later call loads orjson."""
    out = _run("orjson's own imports")
    if out["dataclasses loaded"]:  # what the scenario needs (another version of a dependency loads it)
        pytest.skip("dataclasses is loaded with invoicekit here")
    assert out["apply"] == ["ok", "Applied", ["dataclasses"]]
    assert out["memo"] == "Paid by wire"
    assert out["later"] == ["ok", "Applied"]
    assert out["orjson in use"] is True


@_ORJSON
def test_orjson_itself_refused_still_leaves_the_call_to_the_standard_library() -> None:
    out = _run("orjson refused")
    assert out["apply"] == ["ok", "Applied", ["orjson"]]
    assert out["memo"] == "Paid by wire"
    assert out["later"] == ["ok", "Applied"]
    assert out["orjson in use"] is True


@_ORJSON
def test_orjson_whose_own_imports_are_refused_does_not_crash_the_process() -> None:
    out = _run("orjson's own imports refused")
    if out["dataclasses loaded"]:
        pytest.skip("dataclasses is loaded with invoicekit here")
    assert out["apply"] == ["ok", "Applied", ["dataclasses"]]
    assert out["memo"] == "Paid by wire"


@_ORJSON
@pytest.mark.skipif(sys.platform != "linux", reason="dlopen's EMFILE, as glibc reports it")
def test_orjson_whose_extension_cannot_be_opened_at_the_limit_is_tried_again_later() -> None:
    """docs/errors.md: orjson that cannot be loaded leaves that call to the standard library, "a later call
    loads orjson"; a real EMFILE at dlopen was taken for "not installed" and orjson was never used again."""
    out = _run("orjson's extension at the limit")
    assert len(out["dlopen"]) == 1
    assert "Too many open files" in out["dlopen"][0]
    assert out["apply"] == ["ok", "Applied"]
    assert out["memo"] == "Paid by wire"
    assert out["later"] == ["ok", "Applied"]
    assert out["orjson in use"] is True


def test_an_operations_annotations_are_the_same_whoever_reads_them_first() -> None:
    """left6 filled an operation's ``__annotations__`` (an empty dict before) only when iterated: read by
    ``inspect.get_annotations`` (which asks ``len`` first) or by key they were empty until something else
    had iterated them, then full: two answers to one question."""
    out = _run("annotations")
    assert out["first"] == ["extra_headers", "invoice_id", "return"]
    assert out["first"] == out["second"]
    assert out["len"] == 3
    assert out["return"] is True
    assert out["invoice_id"] == "<class 'int'>"


def test_bulk_run_that_cannot_load_limits_raises_a_typed_error_and_sends_nothing() -> None:
    """left6 named it: an OSError escaped bulk.run raw (the promise: nothing but an InvoiceKitError). A run
    loads limits first, before any job: that failure is the run's TransportError, nothing sent."""
    out = _run("bulk")
    for name in ("run", "arun"):  # arun checks its options when called, as run does: the same error there
        kind, *_ = out[name]
        assert kind == "TransportError", out[name]
    assert out["sent"] == 0
    assert not out["journal"]  # refused before the journal was made


@pytest.mark.parametrize("name", ["apply", "plan"])
def test_apply_and_plan_hints_name_only_their_signatures_parameters(name: str) -> None:
    """left6: "operations' hints are their signature's". apply's and plan's also held the hints of the
    function written in _operations (``options: Any``, for a ``**options`` no signature shows)."""
    import inspect
    import typing

    from invoicekit.testing import FakeWhmcs

    with FakeWhmcs().client() as client:
        method = getattr(type(client.invoices), name)
    hints = typing.get_type_hints(method)
    shown = inspect.signature(method)
    assert set(hints) == {p for p, v in shown.parameters.items() if v.annotation is not v.empty} | {"return"}
    assert hints["return"] is shown.return_annotation


def test_an_async_retry_whose_wait_cannot_be_loaded_ends_typed_with_what_it_has() -> None:
    """The wait's machinery (anyio, loaded on a client's first wait) that cannot be loaded: the call is
    not retried, as when the retry policy itself cannot be loaded, and ends as its own typed error (the
    503's), never a raw OSError; the update is not resent."""
    out = _run("async wait")
    if out["anyio loaded"]:  # what the scenario needs (another httpx may load it at import)
        pytest.skip("anyio is loaded with httpx here")
    kind, text, seen = out["get"]
    assert kind == "ServerError", out["get"]
    assert text.startswith("whmcs answered 503"), text
    assert seen
    assert out["sent get"] == 1
    assert out["update"][:2] == ["ServerError", "whmcs answered 503: injected 503"]  # the 503's, not resent
    assert out["sent update"] == 2
    assert out["later"] == ["ok", "Invoice"]


@pytest.mark.skipif(importlib.util.find_spec("trio") is None, reason="trio is not installed")
def test_an_unsafe_call_on_trio_whose_anyio_cannot_be_loaded_says_nothing_was_sent() -> None:
    """It said OutcomeUnknownError, "it may have been applied ... Check the invoice", with no request
    made (docs/errors.md, left6: before anything is sent, never an OutcomeUnknownError)."""
    out = _run("trio attempt")
    if out["anyio loaded"]:  # what the scenario needs (another httpx may load it at import)
        pytest.skip("anyio is loaded with httpx here")
    kind, text, seen = out["publish"]
    assert kind == "TransportError", out["publish"]
    assert "was never sent" in text
    assert "anyio" in text
    assert seen
    assert out["sent"] == 0
    assert out["later"] == ["ok", "UpdateInvoiceResult"]  # anyio loads: sent as ever
