"""`python -m invoicekit.testing`: serves the five seeded fakes on one loopback port, stops cleanly."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal

import pytest

import invoicekit
from invoicekit import ExternalId, RetryPolicy, whmcs
from invoicekit.testing.__main__ import INVORO_DRAFT, main

FAST = RetryPolicy(initial=0, jitter=False)


def read_banner(process: subprocess.Popen[str]) -> dict[str, dict[str, str]]:
    """The printed sections, by provider title: NAME=value lines as a dict."""
    assert process.stdout is not None
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in process.stdout:
        line = line.rstrip("\n")
        if line.startswith("# "):
            current = sections.setdefault(line[2:].split(":")[0], {})
        elif "=" in line:
            name, _, value = line.partition("=")
            current[name] = value
            if "url" in sections.get("WHMCS", {}):  # the last line of the banner
                return sections
    raise AssertionError(f"the banner ended early: {sections}")


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], dict[str, dict[str, str]]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "invoicekit.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, read_banner(process)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_serves_all_five_and_stops_cleanly_on_ctrl_c(
    served: tuple[subprocess.Popen[str], dict[str, dict[str, str]]],
) -> None:
    """Every printed URL and credential works with a real client over 127.0.0.1; SIGINT exits 0, quietly."""
    process, env = served
    assert set(env) == {"Upflow", "Salesbricks", "Payabli", "Invoro", "WHMCS"}
    for section in env.values():
        url = section.get("base_url") or section["url"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\w+(/[\w-]+)*", url), url
    assert len({s.get("base_url", s.get("url", "")).split("/")[2] for s in env.values()}) == 1  # one port

    up = env["Upflow"]
    with invoicekit.Upflow(up["UPFLOW_API_KEY"], up["UPFLOW_API_SECRET"], base_url=up["base_url"]) as u:
        u.invoices.upload_pdf(ExternalId("ERP-42"), b"%PDF-1.7 served")
        with pytest.raises(invoicekit.NotFoundError):
            u.invoices.upload_pdf(ExternalId("ERP-404"), b"%PDF-1.7 served")
    inv = env["Invoro"]
    with invoicekit.Invoro(inv["INVORO_API_KEY"], base_url=inv["base_url"], retry=FAST) as i:
        draft = i.invoices.update_draft(
            INVORO_DRAFT,
            invoicekit.invoro.DraftInvoice(header=invoicekit.invoro.Header(invoice_number="INV-1")),
            calculate_totals=True,
        )
    assert (draft.id, draft.state) == (INVORO_DRAFT, "draft")
    wh = env["WHMCS"]
    with invoicekit.Whmcs(wh["WHMCS_URL"], wh["WHMCS_IDENTIFIER"], wh["WHMCS_SECRET"], retry=FAST) as w:
        w.invoices.update(1001, new_items=[whmcs.NewItem("Domain", Decimal("9.95"), taxed=False)])
        lines = w.call("GetInvoice", invoiceid=1001, idempotent=True)["items"]["item"]
    assert [line["description"] for line in lines] == ["Hosting", "Domain"]
    assert wh["url"] == wh["WHMCS_URL"]

    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert stderr == ""
    assert stdout.strip() == "stopped"


def test_sigterm_also_stops_cleanly(served: tuple[subprocess.Popen[str], dict[str, dict[str, str]]]) -> None:
    """SIGTERM (what a process manager sends) is a clean stop too."""
    process, _ = served
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    assert (process.returncode, stderr) == (0, "")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com"])  # noqa: S104
def test_only_loopback_unless_overridden(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A host that is not loopback is refused before anything is bound, naming the override."""
    with pytest.raises(SystemExit) as info:
        main(["--host", host])
    assert info.value.code == 2
    assert "--allow-non-loopback" in capsys.readouterr().err


def test_a_port_in_use_is_a_short_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A port that cannot be bound gives exit status 1 and one line, not a traceback."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in err
