"""The version is written into the package (src/invoicekit/_version.py), the build reads it from there."""

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import httpx

import invoicekit
from invoicekit import _version

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_and_its_metadata_agree() -> None:
    assert invoicekit.__version__ == _version.__version__
    assert importlib.metadata.version("invoicekit") == invoicekit.__version__


def test_pyproject_takes_the_version_from_the_package() -> None:
    text = (ROOT / "pyproject.toml").read_text()  # tomllib is 3.11+; these lines are all that matter
    project = text.split("\n[project]\n", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^dynamic = \["version"\]$', project, re.MULTILINE)
    assert not re.search(r"^version\s*=", project, re.MULTILINE)
    hatch = text.split("\n[tool.hatch.version]\n", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^path = "src/invoicekit/_version.py"$', hatch, re.MULTILINE)


def test_the_user_agent_carries_it() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "isSuccess": True,
                "responseCode": 1,
                "responseData": 1,
                "responseText": "Success",
                "roomId": 0,
            },
        )

    http = httpx.Client(transport=httpx.MockTransport(answer))
    client = invoicekit.Payabli(api_key="k", base_url="https://payabli.test", http_client=http)
    client.invoices.update(1, invoice_data=invoicekit.payabli.BillData(notes="n"))
    assert seen[0].headers["User-Agent"] == f"invoicekit/{invoicekit.__version__} httpx/{httpx.__version__}"


FIRST_CALL = """
import sys, httpx, invoicekit, invoicekit.payabli
ok = {"isSuccess": True, "responseCode": 1, "responseData": 1, "responseText": "Ok", "roomId": 0}
answer = httpx.Response(200, json=ok)
http = httpx.Client(transport=httpx.MockTransport(lambda request: answer))
client = invoicekit.Payabli(api_key="k", base_url="https://payabli.test", http_client=http)
client.invoices.update(1, invoice_data=invoicekit.payabli.BillData(notes="n"))
print("importlib.metadata" in sys.modules)
"""


def test_a_first_call_does_not_look_the_version_up() -> None:
    """importlib.metadata scans sys.path for distributions: ~7 ms of every program's first call."""
    out = subprocess.run([sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
