"""``typing.get_type_hints`` (Sphinx autodoc, pydantic-style tools) on every public callable of API.md's
surface: it raised NameError where a hint names what its module imports for type checkers only
(``BaseClient.with_options``: RetryPolicy, Self; ``APIError.__init__``: RateLimit; the fakes' ``client()``),
and gave ``{}`` for every operation (``client.invoices.update``): now the hints are the signature's,
resolved when read, with nothing more loaded at import (tests/test_cold_start*.py)."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest
import typing_extensions

import invoicekit
from invoicekit import RateLimit, RetryPolicy, payabli, upflow, whmcs
from invoicekit._client import BaseClient
from invoicekit.testing import FakePayabli, FakeUpflow, FakeWhmcs

_MODULES = [
    "invoicekit",
    "invoicekit.upflow",
    "invoicekit.salesbricks",
    "invoicekit.payabli",
    "invoicekit.invoro",
    "invoicekit.whmcs",
    "invoicekit.bulk",
    "invoicekit.testing",
]


def _methods(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        value = inspect.getattr_static(cls, name)
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if callable(value) and not isinstance(value, type):
            yield name, getattr(cls, name)


def _public() -> Iterator[tuple[str, Any]]:
    for module_name in _MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type):
                yield f"{module_name}.{name}", value
                for method, fn in _methods(value):
                    yield f"{module_name}.{name}.{method}", fn
            elif inspect.isroutine(value):  # (type aliases such as FileInput are not callables)
                yield f"{module_name}.{name}", value
    fakes = [
        FakePayabli,
        FakeUpflow,
        FakeWhmcs,
        invoicekit.testing.FakeInvoro,
        invoicekit.testing.FakeSalesbricks,
    ]
    for fake in fakes:
        for client in (fake().client(), fake().async_client()):
            for method, fn in _methods(type(client.invoices)):
                yield f"{type(client).__name__}.invoices.{method}", fn


def test_every_public_callable_has_type_hints_that_resolve() -> None:
    failed, empty, seen = [], [], 0
    for label, value in _public():
        seen += 1
        try:
            hints = typing.get_type_hints(value)
        except Exception as exc:
            failed.append(f"{label}: {exc!r}")
            continue
        if ".invoices." in label and not label.endswith("with_raw_response") and "return" not in hints:
            empty.append(label)
    assert failed == []
    assert empty == []  # an operation's hints were {}
    assert seen > 500


def test_client_options_and_error_hints_are_the_classes() -> None:
    for cls in (upflow.Upflow, upflow.AsyncUpflow, whmcs.Whmcs):
        hints = typing.get_type_hints(cls.with_options)
        assert hints["retry"] == RetryPolicy | None
        assert hints["return"] is typing_extensions.Self
        assert hints["timeout"] == float | httpx.Timeout | None
    assert typing.get_type_hints(BaseClient.__init__)["retry"] == RetryPolicy | None
    assert typing.get_type_hints(invoicekit.NotFoundError.__init__)["rate_limit"] == RateLimit | None
    assert typing.get_type_hints(FakeUpflow.client)["return"] is upflow.Upflow
    assert typing.get_type_hints(FakeUpflow.async_client)["return"] is upflow.AsyncUpflow
    assert typing.get_type_hints(FakeUpflow.find)["ref"] == str | upflow.ExternalId


def test_operation_hints_are_their_signatures() -> None:
    """The hints of ``client.invoices.update`` are what inspect.signature shows (the builder's own,
    its ``Call[R]`` read as R), for the sync and async twins alike."""
    for fake in (FakePayabli(), FakeWhmcs()):
        for client in (fake.client(), fake.async_client()):
            update = type(client.invoices).update
            sig = inspect.signature(update)
            hints = typing.get_type_hints(update)
            expected = {n: p.annotation for n, p in sig.parameters.items() if p.annotation is not p.empty}
            assert hints == {**expected, "return": sig.return_annotation}
    assert typing.get_type_hints(FakePayabli().client().invoices.update)["return"] is payabli.InvoiceResponse
    apply = typing.get_type_hints(type(FakeWhmcs().client().invoices).apply)
    assert apply["change"] is invoicekit.InvoiceChange
    assert apply["extra_headers"] == Mapping[str, str] | None


_COLD = r"""
import json, sys
import invoicekit
from invoicekit import upflow
client = upflow.Upflow(api_key="k", api_secret="s")
loaded = {m: m in sys.modules for m in ("invoicekit._retry", "invoicekit._response", "typing_extensions")}
import typing
typing.get_type_hints(upflow.Upflow.with_options)
print(json.dumps([loaded, "invoicekit._retry" in sys.modules]))
"""


def test_the_hints_load_what_they_name_only_when_read() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _COLD], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout)
    assert before["invoicekit._retry"] is False
    assert after is True


@pytest.mark.parametrize("mode", [httpx.Client, httpx.AsyncClient])
def test_signature_unchanged(mode: type) -> None:
    cls = upflow.Upflow if mode is httpx.Client else upflow.AsyncUpflow
    assert str(inspect.signature(cls.with_options)).startswith("(self, *, ")
