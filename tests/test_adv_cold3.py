"""Adversary (cold3): the cold-start branch's lazy paths, attacked.

Signatures whose annotation text is evaluated when first read (``_operations._LateSignature``), Salesbricks'
``Keep``/``Add`` in ``salesbricks._parts``, ``RawResponse``/``RateLimit`` in ``_raw``, and ``_read._hints``:
each must give what the eager code gave, read in any order, copied, pickled, from any thread, in a fresh
interpreter. Fresh-interpreter checks run in subprocesses.
"""

from __future__ import annotations

import copy
import inspect
import json
import pickle
import subprocess
import sys
import typing
from pathlib import Path
from typing import Annotated, Any, Optional

import attrs

from invoicekit._call import Call
from invoicekit._operations import _late, _with_self
from invoicekit._read import _hints, reader

_BENCHMARKS = str(Path(__file__).resolve().parent.parent / "benchmarks")


def _fresh(script: str, *args: str, stdin: bytes | None = None) -> Any:
    command = [sys.executable, "-c", script, *args]
    done = subprocess.run(command, capture_output=True, input=stdin, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


# -- a signature read while another thread is loading the provider's parts ---------------------------------

_RACE = r"""
import inspect, json, sys, threading, time
import invoicekit._record as record
from invoicekit import salesbricks
sb = sys.modules["invoicekit.salesbricks._client"]
method = sb.Invoices.update  # made now: its signature is still text
started, go = threading.Event(), threading.Event()
publish = record.publish
def held(*args, **kwargs):  # _parts is in sys.modules, its classes made, its names not yet published
    started.set()
    go.wait(10)
    return publish(*args, **kwargs)
record.publish = held
loader = threading.Thread(target=lambda: salesbricks.Keep)  # another thread's first use of Keep
loader.start()
started.wait(10)
result = {}
def read():
    result["annotation"] = inspect.signature(method).parameters["attachments"].annotation
reader = threading.Thread(target=read)
reader.start()
def importing():  # the reader is in the import system (waiting for the loader's import, as it should)
    frame = sys._current_frames().get(reader.ident)
    while frame is not None and not frame.f_code.co_filename.startswith("<frozen importlib"):
        frame = frame.f_back
    return frame is not None
deadline = time.monotonic() + 30
while reader.is_alive() and not importing() and time.monotonic() < deadline:
    time.sleep(0.001)
go.set()  # the reader has read (wrong: before the names were published) or waits for the import
loader.join()
reader.join()
annotation = result["annotation"]
again = inspect.signature(method).parameters["attachments"].annotation
sys.stdout.write(json.dumps([isinstance(annotation, str), isinstance(again, str), repr(again)]))
"""


def test_a_signature_read_while_another_thread_loads_the_parts_is_evaluated_not_left_as_text() -> None:
    # A signature settled while another thread is part-way through importing the provider's _parts found the
    # module in sys.modules, skipped the import (and its lock), evaluated before Keep was published and kept
    # the text for good.
    text_then, text_later, shown = _fresh(_RACE)
    assert (text_then, text_later) == (False, False), shown
    assert "invoicekit.salesbricks._parts.Keep" in shown


# -- copying or pickling a signature -----------------------------------------------------------------------


def test_a_copied_or_pickled_operation_signature_equals_the_original() -> None:
    from invoicekit import invoro

    for sig in (inspect.signature(invoro.Invoices.update_draft), inspect.signature(invoro.Invoro)):
        for clone in (copy.copy(sig), copy.deepcopy(sig), pickle.loads(pickle.dumps(sig))):  # noqa: S301 (our own)
            assert clone == sig
            assert clone.return_annotation == sig.return_annotation
            assert clone.parameters == sig.parameters
    assert inspect.signature(invoro.Invoices.update_draft).return_annotation is invoro.Invoice


def _builder(x: int, *, note: str | None = None) -> Call[dict[str, int]]:
    raise NotImplementedError


def test_a_signature_copied_before_it_was_read_evaluates_as_the_original() -> None:
    sig = _late(_with_self(inspect.signature(_builder)), _builder, result=True)
    clone = copy.deepcopy(sig)  # copied while its annotations are still text
    assert clone == sig
    assert clone.return_annotation == dict[str, int]
    assert clone.parameters["note"].annotation == str | None


def test_a_replaced_signature_keeps_the_annotation_text_it_is_given() -> None:
    # Signature.replace() makes one of this class from the evaluated annotations: it must not evaluate again
    # (in no namespace) the text a caller puts in, as a plain signature keeps it.
    from invoicekit import invoro

    sig = inspect.signature(invoro.Invoices.update_draft)
    replaced = sig.replace(return_annotation="int")
    assert replaced.return_annotation == "int"
    invoice = sig.parameters["invoice"].replace(annotation="list")
    replaced = sig.replace(parameters=[next(iter(sig.parameters.values())), invoice])
    assert replaced.parameters["invoice"].annotation == "list"
    assert replaced.return_annotation is invoro.Invoice
    assert sig.replace() == sig


# -- Salesbricks' Add: its constructor's hints -------------------------------------------------------------


def test_salesbricks_add_constructor_hints_resolve_as_before_the_move() -> None:
    from invoicekit import salesbricks
    from invoicekit._files import FileInput

    # attrs' __init__ names the converter's parameter type, FileInput: it must resolve in the new module too
    assert typing.get_type_hints(salesbricks.Add.__init__)["file"] == FileInput
    sig = inspect.signature(salesbricks.Add, eval_str=True)
    assert sig.parameters["file"].annotation == FileInput
    assert inspect.get_annotations(salesbricks.Add.__init__, eval_str=True)["file"] == FileInput


# -- _read._hints is typing.get_type_hints -----------------------------------------------------------------


class _Marker:
    pass


_MARK = _Marker()


@attrs.frozen
class _Marked:
    count: Annotated[int, _MARK]
    note: Optional[Annotated[str, _MARK]] = None  # noqa: UP045 (typing's own spelling, as typing keeps it)


def test_annotated_hints_are_stripped_as_typing_strips_them_and_the_reader_reads_them() -> None:
    assert _hints(_Marked) == typing.get_type_hints(_Marked) == {"count": int, "note": Optional[str]}  # noqa: UP045
    assert reader(_Marked)({"count": 3, "note": "x"}) == _Marked(3, "x")


# -- what held: pickles, classes made once, concurrent first calls -----------------------------------------

_MAKE = r"""
import pickle, sys
import invoicekit
from invoicekit import salesbricks
rate = invoicekit.RateLimit(100, 0, 30.0)
error = invoicekit.RateLimitError("slow down", provider="invoro", status_code=429, rate_limit=rate,
                                  retry_after=2.0)
raw = invoicekit.RawResponse({"a": 1}, 200, {"x-request-id": "r-1"}, "r-1", rate, None, 2)
sys.stdout.buffer.write(pickle.dumps([error, raw, rate, salesbricks.Keep("att_1", target="subscription"),
                                      salesbricks.Add(b"%PDF-1.4 x")]))
"""

_LOAD = r"""
import json, pickle, sys
# pickles written before the move name the classes' old modules: loaded first, in a fresh process
old = [pickle.loads(b"c" + path.encode() + b".") for path in (
    "invoicekit.salesbricks._models\nKeep\n", "invoicekit._response\nRawResponse\n",
    "invoicekit._response\nRateLimit\n", "invoicekit.salesbricks._models\nAdd\n")]
error, raw, rate, keep, add = pickle.loads(sys.stdin.buffer.read())
import invoicekit
from invoicekit import _raw, _response, salesbricks
from invoicekit.salesbricks import _models, _parts
sys.stdout.write(json.dumps({
    "error": [type(error) is invoicekit.RateLimitError, error.retry_after, repr(error.rate_limit),
              type(error.rate_limit) is invoicekit.RateLimit is _response.RateLimit is _raw.RateLimit],
    "raw": [isinstance(raw, invoicekit.RawResponse), raw.parsed, raw.attempts, raw.rate_limit == rate],
    "parts": [type(keep) is salesbricks.Keep is _models.Keep is _parts.Keep, keep.target,
              isinstance(add, salesbricks.Add), add.file.content_type],
    "modules": [invoicekit.RawResponse.__module__, salesbricks.Keep.__module__],
    "old paths": [old[0] is salesbricks.Keep, old[1] is invoicekit.RawResponse,
                  old[2] is invoicekit.RateLimit, old[3] is salesbricks.Add],
}))
"""


def test_pickles_of_errors_raw_responses_and_attachment_items_new_and_old_load_in_a_fresh_process() -> None:
    done = subprocess.run([sys.executable, "-c", _MAKE], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    out = _fresh(_LOAD, stdin=done.stdout)
    assert out["error"] == [True, 2.0, "RateLimit(limit=100, remaining=0, reset=30.0)", True]
    assert out["raw"] == [True, {"a": 1}, 2, True]
    assert out["parts"] == [True, "subscription", True, "application/pdf"]
    assert out["modules"] == ["invoicekit._raw", "invoicekit.salesbricks._parts"]
    assert out["old paths"] == [True, True, True, True]


_RAW_RACE = r"""
import json, sys, threading
import httpx
import invoicekit
from invoicekit import invoro
uid = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
def answer(request):
    body = {"success": True, "data": {"id": uid, "state": "draft"}}
    return httpx.Response(200, json=body, headers={"x-ratelimit-limit": "100"})
client = invoro.Invoro(api_key="k", base_url="https://iv.test",
                       http_client=httpx.Client(transport=httpx.MockTransport(answer)), max_retries=0)
draft = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
barrier = threading.Barrier(8)
got = []
def first(i):
    barrier.wait()
    if i % 2:
        raw = client.invoices.with_raw_response.update_draft(uid, draft)
        got.append((type(raw), type(raw.rate_limit)))
    else:
        got.append((invoicekit.RawResponse, invoicekit.RateLimit))
threads = [threading.Thread(target=first, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
from invoicekit import _raw
sys.stdout.write(json.dumps([len(got), len(set(got)), set(got) == {(_raw.RawResponse, _raw.RateLimit)}]))
"""


def test_eight_threads_making_the_first_raw_response_get_one_class() -> None:
    assert _fresh(_RAW_RACE) == [8, 1, True]


_FIRST_CALLS = r"""
import asyncio, json, sys, threading
sys.path.insert(0, sys.argv[1])
import cases
providers = sys.argv[2:]
barrier = threading.Barrier(8 * len(providers))
results, errors = {p: [] for p in providers}, []
def first(provider, i):
    try:
        barrier.wait()
        if i % 2:
            call = getattr(cases, f"make_aik_{provider}")(cases.mock_transport(provider))
            result = asyncio.run(call())
        else:
            result = getattr(cases, f"make_ik_{provider}")(cases.mock_transport(provider))()
        results[provider].append(type(result).__name__)
    except BaseException as exc:
        errors.append(f"{provider}: {type(exc).__name__}: {exc}")
threads = [threading.Thread(target=first, args=(p, i)) for p in providers for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
lazy = ["invoicekit._raw", *(f"invoicekit.{p}._parts" for p in providers)]
sys.stdout.write(json.dumps({"results": {p: sorted(set(r)) for p, r in results.items()},
                             "counts": [len(r) for r in results.values()], "errors": errors,
                             "loaded": [m for m in lazy if m in sys.modules]}))
"""


def test_eight_threads_per_provider_making_a_fresh_processes_first_calls_sync_and_async_all_succeed() -> None:
    providers = ["upflow", "salesbricks", "payabli", "invoro", "whmcs"]
    out = _fresh(_FIRST_CALLS, _BENCHMARKS, *providers)
    assert out["errors"] == []
    assert out["counts"] == [8] * 5
    assert out["results"] == {
        "upflow": ["NoneType"],
        "salesbricks": ["InvoiceUpdateResult"],
        "payabli": ["InvoiceResponse"],
        "invoro": ["Invoice"],
        "whmcs": ["UpdateInvoiceResult"],
    }
    assert out["loaded"] == []  # a plain first call makes no raw-response class and loads no parts
