"""Laziness guard: using one provider loads that provider only (test_public_api covers bare `import`)."""

import importlib.util
import subprocess
import sys

import pytest

from support import PROVIDERS


@pytest.mark.parametrize("provider", PROVIDERS)
def test_one_provider_loads_no_other(provider: str) -> None:
    """Importing invoicekit.<provider> pulls in no other provider and not the testing fakes."""
    if importlib.util.find_spec(f"invoicekit.{provider}") is None:
        pytest.skip(f"invoicekit.{provider} has not landed yet")
    code = (
        "import sys, importlib\n"
        f"importlib.import_module('invoicekit.{provider}')\n"
        "loaded = {m.split('.')[1] for m in sys.modules if m.startswith('invoicekit.')}\n"
        f"others = set({PROVIDERS!r}) - {{{provider!r}}}\n"
        "print(sorted(loaded & (others | {'testing'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
