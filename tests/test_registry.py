"""The provider registry (invoicekit/_registry.py) is true, and all that lists providers agrees with it.

The run-time lists (lazy exports, invoicekit.testing, the fake server, the pytest fixtures, the tests'
parametrisation) are read from the registry. What type checkers read cannot be: the ``TYPE_CHECKING`` imports
and ``__all__`` of ``invoicekit`` and ``invoicekit.testing`` are written out, and checked here against it.
"""

import ast
import inspect
from pathlib import Path

import pytest

import invoicekit
import invoicekit.testing
from invoicekit import _registry
from invoicekit._capabilities import TABLES
from invoicekit._client import AsyncClient, SyncClient
from invoicekit.testing import FakeProvider, pytest_plugin
from support import PROVIDERS

SPECS = _registry.providers(builtin_only=True)
CORE_NAMES = {
    *invoicekit._errors.__all__,
    *("UNSET", "Unset", "is_set", "File", "FileInput", "RetryPolicy", "RateLimit", "RawResponse"),
    *("Applied", "InvoiceChange", "Plan", "capabilities"),
}


def _type_checking_imports(module: object) -> dict[str, str]:
    """name -> module of every ``from X import name`` under ``if TYPE_CHECKING:`` in *module*'s source."""
    tree = ast.parse(Path(inspect.getfile(module)).read_text())  # type: ignore[arg-type]
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    for alias in statement.names:
                        found[alias.asname or alias.name] = statement.module
    return found


def test_the_registry_lists_the_five_providers_in_order() -> None:
    assert PROVIDERS == ("upflow", "salesbricks", "payabli", "invoro", "whmcs")
    assert _registry.BUILTIN == PROVIDERS


def test_invoicekit_all_is_the_core_and_the_registry_exports() -> None:
    exported = {name for spec in SPECS for name in spec.package_exports}
    assert set(invoicekit.__all__) == CORE_NAMES | exported
    seen = _type_checking_imports(invoicekit)
    for spec in SPECS:
        for name in spec.package_exports:
            assert seen.get(name) == spec.module.removeprefix("invoicekit."), (spec.name, name)


def test_invoicekit_testing_all_is_its_core_and_the_registry_fakes() -> None:
    exported = {name for spec in SPECS for name in spec.testing_exports}
    assert set(invoicekit.testing.__all__) == {"FakeProvider", "FakeServer", "Fault"} | exported
    seen = _type_checking_imports(invoicekit.testing)
    for spec in SPECS:
        for name in spec.testing_exports:
            assert seen.get(name) == spec.fake.partition(":")[0].removeprefix("invoicekit.testing."), name


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_each_entry_is_true(spec: _registry.ProviderSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its clients are clients, its fake is a fake wired to them, its names resolve, its capabilities key
    is a table, and its environment variables are the ones its client reads.
    """
    sync, asynchronous = spec.load_client(), spec.load_client(asynchronous=True)
    assert issubclass(sync, SyncClient)
    assert issubclass(asynchronous, AsyncClient)
    assert getattr(invoicekit, spec.client) is sync
    assert getattr(invoicekit, spec.async_client) is asynchronous
    for name in spec.testing_exports:
        assert getattr(invoicekit.testing, name) is not None
    fake = spec.load_fake()()
    assert isinstance(fake, FakeProvider)
    with fake.client() as client:  # type: ignore[attr-defined]  # every fake has one; the base does not
        assert type(client) is sync
    assert spec.capabilities in TABLES
    fixtures = {f"fake_{spec.name}", f"{spec.name}_client", f"async_{spec.name}_client"}
    assert fixtures <= set(pytest_plugin.__all__)

    def value(param: str) -> str:
        return "http://127.0.0.1:9" if param == spec.url_param else str(getattr(fake, param))

    for var, param in spec.env:
        monkeypatch.setenv(var, value(param))
    url = {} if any(p == spec.url_param for _, p in spec.env) else {"base_url": "http://127.0.0.1:9"}
    sync(**url).close()  # every credential (and WHMCS' URL) from the declared variables
    for var, param in spec.env:
        monkeypatch.delenv(var)
        with pytest.raises(invoicekit.ValidationError) as missing:
            sync(**url)
        assert var in str(missing.value)
        monkeypatch.setenv(var, value(param))


def test_import_invoicekit_stays_light_with_the_registry() -> None:
    """The registry is read by ``import invoicekit``: it loads no provider, no attrs and no httpx."""
    import subprocess
    import sys

    code = (
        "import sys, invoicekit\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'httpx', 'attrs', 'attr', 'cattrs'}"
        " or m.startswith('invoicekit.') and m.count('.') == 1 and not m.split('.')[1].startswith('_')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_lazy_error_names_are_exactly_the_error_module_s_exports() -> None:
    """`import invoicekit` names the error classes without loading _errors (for `invoicekit --help`): the
    list written in __init__ must stay the module's own __all__, each resolving to that class."""
    import invoicekit
    from invoicekit import _errors

    lazy = {name for name, module in invoicekit._LAZY.items() if module == "._errors"}
    assert lazy == set(_errors.__all__)
    for name in lazy:
        assert getattr(invoicekit, name) is getattr(_errors, name)
        assert getattr(invoicekit, name).__module__ == "invoicekit"
