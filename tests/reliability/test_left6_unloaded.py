"""A module loaded on first use, inside a public call, that cannot be loaded: a process at its open-file
limit (EMFILE) cannot open the module's file, and the import raised ``OSError`` (or ``ImportError``) raw
out of the call. Now: nothing but an InvoiceKitError escapes (invoicekit._errors.unloaded, asked at the
call boundaries), orjson falls back to the standard library, and a later call loads what failed.

Each scenario runs in a fresh interpreter (the modules must not be loaded yet), against the in-memory
fakes; "blocked" is a meta-path finder raising EMFILE for every module not loaded yet (what the import
system meets at the limit), and one scenario lowers RLIMIT_NOFILE for real.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

import pytest

import invoicekit
from invoicekit._operations import _sync_call
from support import script_out

_PRELUDE = r"""
import asyncio, json, os, pickle, resource, sys
import invoicekit
from invoicekit import InvoiceChange
from invoicekit.testing import FakePayabli, FakeSalesbricks, FakeWhmcs

class NoFiles:
    def __init__(self, allow=0):
        self.allow, self.seen = allow, []
    def find_spec(self, name, path=None, target=None):
        self.seen.append(name)
        if len(self.seen) <= self.allow:
            return None  # the next finders look for it as ever
        raise OSError(24, "Too many open files")

def outcome(call):
    try:
        return ["ok", type(call()).__name__]
    except invoicekit.InvoiceKitError as exc:
        copy = pickle.loads(pickle.dumps(exc))
        return [type(exc).__name__, str(exc), getattr(exc, "attempts", None), exc.__cause__ is None,
                exc.__context__ is None, type(copy).__name__ == type(exc).__name__ and str(copy) == str(exc)]
    except BaseException as exc:
        return ["escaped", repr(exc)]

def blocked(call, allow=0):
    hook = NoFiles(allow)
    sys.meta_path.insert(0, hook)
    try:
        return outcome(call) + [hook.seen]
    finally:
        sys.meta_path.remove(hook)

def aio(make):
    return lambda: asyncio.run(make())

payabli = FakePayabli()
payabli.add_invoice(1001, invoice_status=1, invoice_data={"invoiceAmount": 100})
CHANGE = InvoiceChange(memo="Paid by wire")
out = {}
"""

_SCENARIOS = {
    # apply and plan build Payabli's models (invoicekit.payabli._parts) on first use, before sending
    "apply": r"""
sync, async_ = payabli.client(), payabli.async_client()
async def aapply(): return await async_.invoices.apply(1001, CHANGE)
async def aplan(): return await async_.invoices.plan(1001, CHANGE)
out["plan"] = blocked(lambda: sync.invoices.plan(1001, CHANGE))
out["apply"] = blocked(lambda: sync.invoices.apply(1001, CHANGE))
out["async plan"] = blocked(aio(aplan))
out["async apply"] = blocked(aio(aapply))
out["sent"] = len(payabli.requests)
out["later"] = [outcome(lambda: sync.invoices.apply(1001, CHANGE)), outcome(aio(aapply))]
out["sent after"] = len(payabli.requests)
parts = sys.modules["invoicekit.payabli._parts"]  # loaded whole by the later call: one class of each
from invoicekit.payabli import _models
out["one BillItem"] = invoicekit.payabli.BillItem is parts.BillItem is _models.BillItem
""",
    # a get reads its answer into models loaded on first use: after the answer came, so a DecodeError
    "get": r"""
whmcs = FakeWhmcs()
whmcs.add_invoice(42)
sync, reader = whmcs.client(), payabli.client()
out["payabli get"] = blocked(lambda: reader.invoices.get(1001))
out["whmcs get"] = blocked(lambda: sync.invoices.get(42))
out["later"] = [outcome(lambda: reader.invoices.get(1001)), outcome(lambda: sync.invoices.get(42))]
""",
    # orjson (the fast extra), imported on the first JSON encode or decode: the standard library instead
    "orjson": r"""
from invoicekit import _json
salesbricks = FakeSalesbricks()
invoice = salesbricks.add_invoice()
sync = salesbricks.client()
out["apply"] = blocked(lambda: sync.invoices.apply(invoice.invoice_id, CHANGE))
out["memo"] = invoice.invoice_memo
out["orjson loaded"] = "orjson" in sys.modules
out["later"] = outcome(lambda: sync.invoices.apply(invoice.invoice_id, CHANGE))
out["orjson in use"] = _json.orjson_in_use()
""",
    # a real open-file limit: every descriptor taken, then plan
    "rlimit": r"""
sync = payabli.client()
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(128, hard), hard))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
out["plan"] = outcome(lambda: sync.invoices.plan(1001, CHANGE))
for fd in held:
    os.close(fd)
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
out["later"] = outcome(lambda: sync.invoices.plan(1001, CHANGE))
""",
}


def _run(name: str) -> dict[str, Any]:
    return script_out(_PRELUDE + _SCENARIOS[name])


_PARTS = (
    "payabli: nothing was sent: invoicekit.payabli._parts could not be loaded "
    "(OSError: [Errno 24] Too many open files); the process may be at its open-file limit"
)


def test_apply_and_plan_that_cannot_load_the_models_are_a_transport_error_and_send_nothing() -> None:
    """They raised ``OSError: [Errno 24] Too many open files`` raw; the error pickles, chains nothing."""
    out = _run("apply")
    for key in ("plan", "apply", "async plan", "async apply"):
        assert out[key] == ["TransportError", _PARTS, 0, True, True, True, ["invoicekit.payabli._parts"]], key
    assert out["sent"] == 0
    assert out["later"] == [["ok", "Applied"], ["ok", "Applied"]]  # the files are back: loaded, sent
    assert out["sent after"] == 2
    assert out["one BillItem"] is True


def test_a_get_whose_answer_models_cannot_be_loaded_is_a_decode_error_naming_them() -> None:
    """The answer came (the call was sent): a DecodeError, its reason naming the module (was: "(OSError)"
    after orjson's OSError escaped raw first)."""
    out = _run("get")
    for key, provider in (("payabli get", "payabli"), ("whmcs get", "whmcs")):
        kind, text, *_, seen = out[key]
        assert kind == "DecodeError"
        assert text == (
            f"{provider} answered 200, but the answer could not be read (invoicekit.{provider}._parts "
            "could not be loaded (OSError: [Errno 24] Too many open files))"
        )
        assert f"invoicekit.{provider}._parts" in seen
    assert out["later"] == [["ok", "InvoiceRecord"], ["ok", "Invoice"]]


@pytest.mark.skipif(importlib.util.find_spec("orjson") is None, reason="the fast extra is not installed")
def test_orjson_that_cannot_be_loaded_leaves_the_call_to_the_standard_library() -> None:
    """orjson is an accelerator of the same bytes: the call succeeds, and a later one loads it."""
    out = _run("orjson")
    # the first module refused: dataclasses, which orjson's extension needs, is loaded before orjson (a
    # failure inside orjson's init crashed the interpreter: tests/reliability/test_adv_left6.py)
    assert out["apply"] == ["ok", "Applied", ["dataclasses"]]
    assert out["memo"] == "Paid by wire"
    assert out["orjson loaded"] is False
    assert out["later"] == ["ok", "Applied"]
    assert out["orjson in use"] is True


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX")
def test_a_real_open_file_limit() -> None:
    out = _run("rlimit")
    kind, text, attempts, *_ = out["plan"]
    assert (kind, attempts) == ("TransportError", 0)
    assert text.startswith("payabli: nothing was sent: invoicekit.payabli._parts could not be loaded (OSErr")
    assert "Too many open files" in text
    assert out["later"] == ["ok", "Plan"]


# -- the boundary of every operation, and the check itself, in this process --------------------------------


class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "invoicekit_left6_absent":
            raise OSError(24, "Too many open files")
        return None


def _import_absent() -> None:
    sys.meta_path.insert(0, _Absent())
    try:
        importlib.import_module("invoicekit_left6_absent")
    finally:
        del sys.meta_path[0]


def test_an_operation_whose_builder_cannot_load_a_module_raises_the_typed_error_unsent() -> None:
    """The generated method of every native operation: its builder's import failure, not the OSError."""
    sent: list[object] = []

    def builder(invoice_id: int) -> Any:
        _import_absent()

    method = _sync_call(builder, __import__("inspect").signature(builder))
    resource = types.SimpleNamespace(_provider_name="upflow", _send=sent.append)
    with pytest.raises(invoicekit.TransportError) as caught:
        method(resource, 1)
    assert str(caught.value) == (
        "upflow: nothing was sent: invoicekit_left6_absent could not be loaded "
        "(OSError: [Errno 24] Too many open files); the process may be at its open-file limit"
    )
    assert caught.value.attempts == 0
    assert caught.value.provider == "upflow"
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
    assert sent == []

    def refusing(invoice_id: int) -> Any:
        raise OSError(5, "a file of the caller's")  # not an import: goes on as it was

    with pytest.raises(OSError, match="a file of the caller's"):
        _sync_call(refusing, __import__("inspect").signature(refusing))(resource, 1)


def test_a_request_whose_encoding_cannot_load_a_module_is_the_typed_error_unsent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The client's request building (each attempt's body encoding): its import failure before anything
    was sent is the same TransportError, and nothing reaches the provider."""
    from invoicekit import _client
    from invoicekit.testing import FakeWhmcs

    fake = FakeWhmcs()
    fake.add_invoice(42)
    real = vars(_client)["encode"]

    def encode(*args: Any) -> Any:
        _import_absent()
        return real(*args)

    monkeypatch.setattr(_client, "encode", encode)
    with fake.client() as client, pytest.raises(invoicekit.TransportError) as caught:
        client.invoices.get(42)
    assert type(caught.value) is invoicekit.TransportError
    assert caught.value.attempts == 0
    assert str(caught.value).startswith("whmcs: nothing was sent: invoicekit_left6_absent could not be")
    assert caught.value.__context__ is None
    assert fake.requests == []


def test_what_counts_as_a_failed_import() -> None:
    from invoicekit._errors import not_loaded, unloaded

    with pytest.raises(OSError, match="Too many") as caught:
        _import_absent()
    assert not_loaded(caught.value) == (
        "invoicekit_left6_absent could not be loaded (OSError: [Errno 24] Too many open files)"
    )
    assert not_loaded(ModuleNotFoundError("No module named 'x'", name="x")) == (
        "x could not be loaded (ModuleNotFoundError: No module named 'x')"
    )
    assert not_loaded(OSError(24, "Too many open files")) is None  # raised by the call itself: not an import
    assert not_loaded(ValueError("x")) is None
    assert unloaded(ValueError("x"), "upflow") is None
