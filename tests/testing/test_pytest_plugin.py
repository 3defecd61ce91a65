"""The opt-in pytest plugin: fixtures appear only when asked for, talk to their fake, and are closed after."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import asyncio

import pytest
import invoicekit
from invoicekit import ExternalId, RetryPolicy
from invoicekit.testing import FakeInvoro, FakePayabli, FakeSalesbricks, FakeUpflow, FakeWhmcs

kept = []
DRAFT_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
DRAFT = invoicekit.invoro.DraftInvoice(header=invoicekit.invoro.Header(invoice_number="INV-1"))


@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_sync_clients_talk_to_their_fakes(
    fake_upflow, upflow_client, fake_salesbricks, salesbricks_client, fake_payabli, payabli_client,
    fake_invoro, invoro_client, fake_whmcs, whmcs_client,
):
    assert isinstance(upflow_client, invoicekit.Upflow)
    fake_upflow.add_invoice("inv_1", external_id="ERP-42")
    upflow_client.invoices.upload_pdf(ExternalId("ERP-42"), b"%PDF-1.7 x")
    assert fake_upflow.pdfs["inv_1"] == b"%PDF-1.7 x"

    invoice = fake_salesbricks.add_invoice()
    salesbricks_client.invoices.update(invoice.invoice_id, invoice_memo="memo")
    assert invoice.invoice_memo == "memo"

    fake_payabli.add_invoice(7)
    payabli_client.invoices.update(7, invoice_data=invoicekit.payabli.BillData(notes="n"))
    assert fake_payabli.invoices[7].invoice_data["notes"] == "n"

    draft = fake_invoro.add_invoice()
    invoro_client.invoices.update_draft(draft.id, DRAFT)
    assert draft.updates == 1

    fake_whmcs.add_invoice(42)
    whmcs_client.invoices.update(42, notes="hello")
    assert fake_whmcs.invoices[42].notes == "hello"
    kept.extend([upflow_client, salesbricks_client, payabli_client, invoro_client, whmcs_client])


def test_retries_do_not_sleep(fake_upflow, upflow_client):
    fake_upflow.add_invoice("inv_1")
    fake_upflow.fail_next(503, times=2)
    upflow_client.invoices.upload_pdf("inv_1", b"%PDF-1.7 x")
    assert len(fake_upflow.requests) == 3


def test_each_test_gets_fresh_fakes(fake_upflow, fake_whmcs):
    assert fake_upflow.invoices == {} and fake_upflow.requests == []
    assert fake_whmcs.invoices == {}


@pytest.mark.anyio
async def test_async_clients_talk_to_their_fakes(
    fake_upflow, async_upflow_client, fake_salesbricks, async_salesbricks_client, fake_payabli,
    async_payabli_client, fake_invoro, async_invoro_client, fake_whmcs, async_whmcs_client,
):
    assert isinstance(async_upflow_client, invoicekit.AsyncUpflow)
    fake_upflow.add_invoice("inv_1")
    await async_upflow_client.invoices.upload_pdf("inv_1", b"%PDF-1.7 a")
    assert fake_upflow.pdfs["inv_1"] == b"%PDF-1.7 a"
    invoice = fake_salesbricks.add_invoice()
    await async_salesbricks_client.invoices.update(invoice.invoice_id, invoice_memo="m")
    fake_payabli.add_invoice(7)
    await async_payabli_client.invoices.update(7, invoice_data=invoicekit.payabli.BillData(notes="n"))
    draft = fake_invoro.add_invoice()
    await async_invoro_client.invoices.update_draft(draft.id, DRAFT)
    fake_whmcs.add_invoice(42)
    await async_whmcs_client.invoices.update(42, notes="hello")
    assert (invoice.invoice_memo, draft.updates, fake_whmcs.invoices[42].notes) == ("m", 1, "hello")
    assert fake_payabli.invoices[7].updates == 1
    kept.append(async_upflow_client)


def test_clients_were_closed_after_their_test():
    assert len(kept) == 6
    upflow, sb, pb, io, wh, async_upflow = kept
    calls = [
        lambda: upflow.invoices.upload_pdf("inv_1", b"%PDF-1.7 x"),
        lambda: sb.invoices.update("x", invoice_memo="m"),
        lambda: pb.invoices.update(1, invoice_data=invoicekit.payabli.BillData(notes="x")),
        lambda: io.invoices.update_draft(DRAFT_ID, DRAFT),
        lambda: wh.invoices.update(1, notes="n"),
    ]
    for call in calls:
        with pytest.raises(Exception, match="closed"):
            call()
    with pytest.raises(Exception, match="closed"):
        asyncio.run(async_upflow.invoices.upload_pdf("inv_1", b"%PDF-1.7 x"))
"""


def test_fixtures_with_dash_p(pytester: pytest.Pytester) -> None:
    """With -p invoicekit.testing.pytest_plugin every fixture works, and clients are closed after the test."""
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "invoicekit.testing.pytest_plugin", "-p", "anyio")
    result.assert_outcomes(passed=5)


def test_fixtures_with_a_conftest_line(pytester: pytest.Pytester) -> None:
    """pytest_plugins = [...] in a conftest enables the same fixtures."""
    pytester.makeconftest('pytest_plugins = ["invoicekit.testing.pytest_plugin"]')
    pytester.makepyfile(test_user=USER_TESTS)
    pytester.runpytest_subprocess().assert_outcomes(passed=5)


def test_not_loaded_unless_asked(pytester: pytest.Pytester) -> None:
    """Without the opt-in the fixtures do not exist: installing invoicekit changes nobody's test run."""
    pytester.makepyfile(test_user="def test_x(fake_upflow):\n    pass\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'fake_upflow' not found*"])
    assert not [e for e in importlib.metadata.entry_points(group="pytest11") if "invoicekit" in e.value]


def test_the_library_never_imports_pytest() -> None:
    """Using every fake, a client and the CLI module loads no pytest; only the plugin module does."""
    code = (
        "import sys\n"
        "from invoicekit.testing import FakeUpflow, FakeSalesbricks, FakePayabli, FakeInvoro, FakeWhmcs\n"
        "import invoicekit.testing.__main__\n"
        "fake = FakeUpflow(); fake.add_invoice('i')\n"
        "fake.client().invoices.upload_pdf('i', b'%PDF-1.7')\n"
        "print('pytest' in sys.modules, end=' ')\n"
        "import invoicekit.testing.pytest_plugin\n"
        "print('pytest' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
