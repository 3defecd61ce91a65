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


def test_the_json_structurer_is_loaded_by_bulk_and_the_command_line_only() -> None:
    """``invoicekit._structure`` (JSON -> an operation's arguments) is not loaded by ``import invoicekit``
    nor by a provider call; bulk loads it for a native job read from JSON."""
    code = (
        "import sys, httpx, invoicekit\n"
        "answer = httpx.Response(200, json={'result': 'success', 'invoiceid': '7'})\n"
        "http = httpx.Client(transport=httpx.MockTransport(lambda request: answer))\n"
        "client = invoicekit.Whmcs('https://billing.example.com', 'i', 's', http_client=http)\n"
        "client.invoices.update(7, notes='x')\n"
        "print('invoicekit._structure' in sys.modules)\n"
        "from invoicekit import bulk\n"
        "print('invoicekit._structure' in sys.modules)\n"
        "bulk.job_from_json({'provider': 'whmcs', 'invoice': 7, 'change': {'op': 'update', 'args': {}}})\n"
        "print('invoicekit._structure' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]
