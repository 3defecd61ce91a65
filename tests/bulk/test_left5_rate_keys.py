"""Bulk's rate limits are kept per account, and an account's name always starts with its provider
(``eu`` given for an Upflow job is ``upflow:eu``): two providers never share a limit, even through a shared
``redis://`` storage, whatever names the caller picks. (left5: why the key holds no digest of the
credential is in docs/reliability.md.)
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

pytest.importorskip("limits")

from invoicekit import InvoiceChange, ValidationError, bulk

from ._support import PDF, clients, fakes


def test_an_account_name_is_qualified_by_its_provider() -> None:
    change = InvoiceChange(memo="m")
    assert bulk.Job("upflow", "inv", change, account="eu").account == "upflow:eu"
    assert bulk.Job("whmcs", 1, change, account="eu").account == "whmcs:eu"
    assert bulk.Job("whmcs", 1, change).account == "whmcs"
    with pytest.raises(ValidationError) as caught:
        bulk.Job("whmcs", 1, change, account="upflow:eu")  # another provider's account
    assert caught.value.field == "account"


def test_two_providers_accounts_of_the_same_name_do_not_share_a_rate_limit(tmp_path: Path) -> None:
    """Each provider allows one call an hour: were the two ``eu`` accounts one limit, the second job would
    wait for the hour."""
    fks = fakes(1)
    built = clients(fks)
    jobs = [
        bulk.Job("upflow", "external:ERP-0", InvoiceChange(pdf=PDF), account="eu", id="up"),
        bulk.Job("whmcs", 1000, InvoiceChange(due_date=dt.date(2027, 1, 1)), account="eu", id="wh"),
    ]
    reports: list[bulk.Report] = []
    runner = threading.Thread(
        target=lambda: reports.append(
            bulk.run(
                jobs,
                tmp_path / "run.db",
                clients={"upflow:eu": built["upflow"], "whmcs:eu": built["whmcs"]},
                rate={"upflow": "1/hour", "whmcs": "1/hour"},
            )
        ),
        daemon=True,
    )
    runner.start()
    runner.join(60)  # each call is immediate; a shared limit would hold the second for an hour
    assert not runner.is_alive()
    assert reports[0].counts["done"] == 2
