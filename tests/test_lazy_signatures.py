"""The signatures of generated operations and client ``__init__``s evaluate their annotation text when first
read, not when the method or class is made (each evaluation is a ``compile()`` on the cold path): read, they
must be exactly what evaluating at once gave, whatever is read first, in whatever order, from any thread.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import threading
import typing
from typing import Any

import pytest

from invoicekit import _registry
from invoicekit._call import Call
from invoicekit._operations import Operations, _late, _LateSignature, _Op, _with_self


def _eager(builder: Any) -> inspect.Signature:
    """The method's signature as the core made it before it was lazy: each annotation text evaluated in
    the builder's module (kept as text where that fails), ``self`` first, ``Call[R]`` returning R."""
    namespace = builder.__globals__

    def evaluated(a: Any) -> Any:
        if not isinstance(a, str):
            return a
        try:
            return eval(a, namespace)  # noqa: S307 (the module's own annotation)
        except Exception:
            return a

    sig = inspect.signature(builder)
    params = [p.replace(annotation=evaluated(p.annotation)) for p in sig.parameters.values()]
    returned = typing.get_args(evaluated(sig.return_annotation))
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    return inspect.Signature([self, *params], return_annotation=returned[0] if returned else sig.empty)


def _operation_classes() -> list[type[Operations[Any]]]:
    found = []
    for spec in _registry.providers(builtin_only=True):
        module = importlib.import_module(f"{spec.module}._client")
        for cls in vars(module).values():
            bound = isinstance(cls, type) and issubclass(cls, Operations) and "_modes" not in vars(cls)
            if bound and cls.__module__ == module.__name__:
                found.append(cls)  # binds the mode: its operations are methods
    return found


def _calls(cls: type) -> dict[str, _Op[Any, Any, Any, Any]]:
    return {n: v for k in cls.__mro__ for n, v in vars(k).items() if isinstance(v, _Op) and v.kind == "call"}


def test_every_providers_sync_and_async_operations_are_checked() -> None:
    with_calls = [c for c in _operation_classes() if _calls(c)]
    assert {c.__module__.split(".")[1] for c in with_calls} == {
        p.name for p in _registry.providers(builtin_only=True)
    }
    assert len([c for c in with_calls if c._async]) == len([c for c in with_calls if not c._async])


@pytest.mark.parametrize("cls", _operation_classes(), ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_each_operations_signature_read_late_is_the_one_evaluated_at_once(cls: type[Operations[Any]]) -> None:
    declared = {
        n: v for k in cls.__mro__ for n, v in vars(k).items() if isinstance(v, _Op) and v.kind == "call"
    }
    assert declared or cls.__name__.endswith(("Upflow", "Invoro", "Salesbricks", "Payabli")), cls
    for name, op in declared.items():
        builder = op.builder
        got = inspect.signature(getattr(cls, name))
        first = next(iter(got.parameters.values()))
        assert got == _eager(builder).replace(parameters=[first, *list(got.parameters.values())[1:]])
        assert [n for n, p in got.parameters.items() if isinstance(p.annotation, str)] == []
        assert not isinstance(got.return_annotation, str)
        assert typing.get_type_hints(builder)  # the builder's own hints resolve, as before


def test_a_call_signature_settles_once_to_the_result_type_from_any_number_of_threads() -> None:
    def builder(x: int, *, note: str | None = None) -> Call[dict[str, int]]:
        raise NotImplementedError

    sig = _late(_with_self(inspect.signature(builder)), builder, result=True)
    assert isinstance(sig, _LateSignature)
    assert sig._pending  # nothing evaluated when made
    barrier = threading.Barrier(8)
    seen: list[tuple[Any, ...]] = []

    def read() -> None:
        barrier.wait()
        params = sig.parameters
        seen.append((sig.return_annotation, params["x"].annotation, params["note"].annotation))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [(dict[str, int], int, str | None)] * 8  # R of Call[R], never taken twice
    assert sig.return_annotation == dict[str, int]
    assert str(sig) == "(self, x: int, *, note: str | None = None) -> dict[str, int]"
    assert sig == inspect.Signature(
        [
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=int),
            inspect.Parameter("note", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=str | None),
        ],
        return_annotation=dict[str, int],
    )


_SCRIPT = r"""
import inspect, json, sys
from invoicekit import invoro, salesbricks
sb = sys.modules["invoicekit.salesbricks._client"]
out = {}
made = invoro.Invoices.update_draft, sb.AsyncInvoices.update  # made now, at first lookup
out["pending when made"] = [
    m.__signature__._pending for m in (*made, invoro.Invoro.__init__, salesbricks.AsyncSalesbricks.__init__)
]
late_async = inspect.signature(invoro.AsyncInvoices.update_draft)  # the twin made second, read first
out["twins equal"] = [
    late_async == inspect.signature(invoro.Invoices.update_draft),
    inspect.signature(sb.AsyncInvoices.update) == inspect.signature(sb.Invoices.update),
]
out["returns"] = [
    inspect.signature(invoro.Invoices.update_draft).return_annotation is invoro.Invoice,
    inspect.signature(sb.AsyncInvoices.update).return_annotation.__name__,
]
init = inspect.signature(invoro.Invoro)
out["init"] = [repr(init.parameters["api_key"].annotation), repr(init.parameters["http_client"].annotation)]
out["init text left"] = [n for n, p in init.parameters.items() if isinstance(p.annotation, str)]
sys.stdout.write(json.dumps(out))
"""


def test_nothing_is_evaluated_when_made_and_reading_in_any_order_gives_the_evaluated_signature() -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["pending when made"] == [True, True, True, True]
    assert out["twins equal"] == [True, True]
    assert out["returns"] == [True, "InvoiceUpdateResult"]
    assert out["init"] == ["str | None", "httpx.Client | None"]
    assert out["init text left"] == []
