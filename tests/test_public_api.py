"""Meta-tests that keep the public surface honest and the sync/async twins in step."""

import inspect
import re
import subprocess
import sys
from typing import Any

import invoicekit
from invoicekit._client import AsyncClient, SyncClient


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
        " {'upflow', 'salesbricks', 'payabli', 'invoro', 'whmcs', 'testing'}]\n"
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


def test_sync_and_async_twins_have_identical_signatures() -> None:
    """Every Async* client, and each of its resources, mirrors its sync twin exactly."""
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
        for meth, fn in _public_methods(sync_cls).items():
            afn = getattr(async_cls, "aclose" if meth == "close" else meth)  # httpx's naming
            assert _normalise(inspect.signature(fn)) == _normalise(inspect.signature(afn)), (sync_cls, meth)


def _resources(cls: type) -> dict[str, type]:
    """The resource classes a client sets in __init__, read from its annotations or an instance's vars."""
    hints = getattr(cls, "__annotations__", {})
    found = {n: t for n, t in hints.items() if isinstance(t, type) and not n.startswith("_")}
    if found:
        return found
    source = inspect.getsource(cls.__init__)  # type: ignore[misc]
    module = sys.modules[cls.__module__]
    return {m[1]: getattr(module, m[2]) for m in re.finditer(r"self\.(\w+) = (\w+)\(self\)", source)}


def test_twins_exist_for_every_provider_present() -> None:
    """Each provider client has an Async twin (the list grows as providers land)."""
    for sync_cls, async_cls in _twins():
        assert issubclass(async_cls, AsyncClient)
        assert issubclass(sync_cls, SyncClient)
