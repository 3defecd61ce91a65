"""Meta-tests that keep the public surface honest and the sync/async twins in step."""

import asyncio
import inspect
import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import invoicekit
from invoicekit._client import AsyncClient, SyncClient
from support import PROVIDERS


def test_all_is_sorted_and_resolves() -> None:
    """__all__ is sorted (constants first, as ruff sorts it) and every name in it exists."""
    assert invoicekit.__all__ == sorted(invoicekit.__all__, key=lambda n: (not n.isupper(), n))
    for name in invoicekit.__all__:
        assert getattr(invoicekit, name) is not None


def test_public_names_say_invoicekit() -> None:
    """Errors and File present themselves as invoicekit.X, not invoicekit._module.X."""
    assert invoicekit.NotFoundError.__module__ == "invoicekit"
    assert invoicekit.File.__module__ == "invoicekit"


def test_import_is_light() -> None:
    """`import invoicekit` loads no provider, no httpx and no cattrs; they load on first use."""
    code = (
        "import sys, invoicekit\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in {'httpx', 'cattrs', 'httpcore'}"
        " or m.startswith('invoicekit.') and m.split('.')[1] in"
        f" {{*{PROVIDERS!r}, 'testing'}}]\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _twins() -> list[tuple[Any, Any]]:
    names = set(invoicekit.__all__)
    return [
        (getattr(invoicekit, n[5:]), getattr(invoicekit, n))
        for n in sorted(names)
        if n.startswith("Async") and n[5:] in names
    ]


def _public_methods(cls: type) -> dict[str, Any]:
    return {n: m for n, m in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


def _normalise(sig: inspect.Signature) -> inspect.Signature:
    params = [
        p.replace(annotation=str(p.annotation).replace("AsyncClient", "Client"))
        for p in sig.parameters.values()
    ]
    return sig.replace(parameters=params, return_annotation=inspect.Signature.empty)


def test_sync_and_async_twins_have_identical_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Async* client, and each of its resources, mirrors its sync twin exactly."""
    for name in _CREDENTIALS:
        monkeypatch.setenv(name, "https://billing.example.com" if name == "WHMCS_URL" else "k")
    checked = set()
    for sync_cls, async_cls in _twins():
        assert _normalise(inspect.signature(sync_cls.__init__)) == _normalise(
            inspect.signature(async_cls.__init__)
        )
        sync_client = _resources(sync_cls)
        async_client = _resources(async_cls)
        assert sync_client.keys() == async_client.keys(), sync_cls
        for name, sync_res in sync_client.items():
            sync_methods, async_methods = _public_methods(sync_res), _public_methods(async_client[name])
            assert sync_methods.keys() == async_methods.keys(), (sync_cls, name)
            for meth, fn in sync_methods.items():
                afn = async_methods[meth]
                assert inspect.iscoroutinefunction(afn), (async_cls, name, meth)
                assert not inspect.iscoroutinefunction(fn), (sync_cls, name, meth)
                assert inspect.signature(fn) == inspect.signature(afn), (sync_cls, name, meth)
                checked.add((sync_cls.__name__, name, meth))
        for meth, fn in _public_methods(sync_cls).items():
            afn = getattr(async_cls, "aclose" if meth == "close" else meth)  # httpx's naming
            assert _normalise(inspect.signature(fn)) == _normalise(inspect.signature(afn)), (sync_cls, meth)
    # the walk found every resource method (an empty walk would pass vacuously)
    assert {
        ("Upflow", "invoices", "upload_pdf"),
        ("Whmcs", "invoices", "get"),
        ("Invoro", "invoices", "apply"),
    } <= checked


_CREDENTIALS = ("UPFLOW_API_KEY", "UPFLOW_API_SECRET", "SALESBRICKS_API_KEY", "PAYABLI_API_KEY",
                "INVORO_API_KEY", "WHMCS_URL", "WHMCS_IDENTIFIER", "WHMCS_SECRET")  # fmt: skip


def _resources(cls: type) -> dict[str, type]:
    """The resource classes a client sets in __init__: an instance's (credentials from the environment)."""
    client = cls()
    try:
        return {n: type(v) for n, v in vars(client).items() if getattr(v, "_client", None) is client}
    finally:
        if hasattr(client, "close"):
            client.close()
        else:
            asyncio.run(client.aclose())


def test_twins_exist_for_every_provider_present() -> None:
    """Each provider client has an Async twin (the list grows as providers land)."""
    for sync_cls, async_cls in _twins():
        assert issubclass(async_cls, AsyncClient)
        assert issubclass(sync_cls, SyncClient)


PROVIDER_MODULES = tuple(sorted({*PROVIDERS, "bulk", "testing"}))


@pytest.mark.slow  # mypy on generated code (~10 s): the orjson pass cannot change it, the lowest has no mypy
def test_typos_fail_mypy_strict(tmp_path: Path) -> None:
    """A misspelt name is a type error, not `Any`: the lazy __getattr__ is hidden from type checkers."""
    pytest.importorskip("mypy")
    snippet = tmp_path / "typos.py"
    snippet.write_text(
        textwrap.dedent(
            """\
            import invoicekit

            invoicekit.Upflw()
            error = invoicekit.NotFoundErorr
            version: int = invoicekit.__version__
            ok: str = invoicekit.__version__
            data = invoicekit.payabli.BillData(notes="x")
            invoicekit.whmcs.Whmc
            """
        )
    )
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "c"),
         str(snippet)],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    errors = sorted(re.findall(r"typos\.py:(\d+): error: (.*?)  \[", out.stdout))
    assert errors == [
        ("3", 'Module has no attribute "Upflw"; maybe "Upflow"?'),
        ("4", 'Module has no attribute "NotFoundErorr"; maybe "NotFoundError"?'),
        ("5", 'Incompatible types in assignment (expression has type "str", variable has type "int")'),
        ("8", 'Module has no attribute "Whmc"; maybe "Whmcs"?'),
    ], out.stdout + out.stderr


def test_dir_shows_public_names_and_provider_modules() -> None:
    """dir(invoicekit) is what a user may type: the public names, the provider modules, __version__."""
    assert dir(invoicekit) == sorted({*invoicekit.__all__, *PROVIDER_MODULES, "__version__"})
    for noise in ("Any", "TYPE_CHECKING", "annotations", "importlib", "logging", "_LAZY"):
        assert noise not in dir(invoicekit)


def test_version_is_a_str() -> None:
    assert isinstance(invoicekit.__version__, str)
    assert invoicekit.__version__


def test_provider_modules_reachable_lazily_after_bare_import() -> None:
    """`import invoicekit` alone gives invoicekit.payabli etc., each loaded only when first touched."""
    code = (
        "import sys, invoicekit\n"
        "before = sorted(m for m in sys.modules if m.startswith('invoicekit.') and m.count('.') == 1"
        " and m.split('.')[1] in {'invoro','payabli','salesbricks','testing','upflow','whmcs'})\n"
        "bill = invoicekit.payabli.BillData\n"
        "after = sorted(m.split('.')[1] for m in sys.modules if m.startswith('invoicekit.')"
        " and m.split('.')[1] in {'invoro','payabli','salesbricks','testing','upflow','whmcs'})\n"
        "print(before, sorted(set(after)), bill.__module__)\n"
        "print(invoicekit.invoro.DraftInvoice.__name__, invoicekit.whmcs.NewItem.__name__,"
        " invoicekit.salesbricks.__name__, invoicekit.upflow.__name__,"
        " invoicekit.testing.FakeWhmcs.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "[] ['payabli'] invoicekit.payabli._models",
        "DraftInvoice NewItem invoicekit.salesbricks invoicekit.upflow FakeWhmcs",
    ]


def test_unknown_attribute_still_raises() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Upflw'"):
        _ = invoicekit.Upflw  # type: ignore[attr-defined]


def test_model_repr_shows_only_set_fields() -> None:
    """A model's repr leaves out UNSET fields and untouched factory defaults, and keeps None (= clear)."""
    bill = invoicekit.payabli.BillData(notes="x", invoice_amount=Decimal("1.00"), summary_commodity_code=None)
    assert repr(bill) == "BillData(invoice_amount=Decimal('1.00'), notes='x', summary_commodity_code=None)"
    assert repr(invoicekit.payabli.BillData()) == "BillData()"
    assert repr(invoicekit.invoro.DraftInvoice()) == "DraftInvoice()"
    draft = invoicekit.invoro.DraftInvoice(extra_fields={"a": 1})
    assert repr(draft) == "DraftInvoice(extra_fields={'a': 1})"
    item = invoicekit.whmcs.NewItem("Domain", Decimal("9.95"), taxed=False)
    assert repr(item) == "NewItem(description='Domain', amount=Decimal('9.95'), taxed=False)"
    assert repr(invoicekit.ExternalId("ERP-42")) == "ExternalId(value='ERP-42')"


def test_every_provider_model_uses_the_core_repr() -> None:
    """Every attrs class a provider exports has the one core repr (no provider writes its own)."""
    import attrs

    from invoicekit._repr import set_fields_repr

    reference = set_fields_repr.__code__
    checked = 0
    for provider in ("invoro", "payabli", "salesbricks", "upflow", "whmcs"):
        module = getattr(invoicekit, provider)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and attrs.has(obj) and "._models" in obj.__module__:
                assert obj.__repr__.__code__.co_filename == reference.co_filename, (provider, name)
                checked += 1
    assert checked >= 10
