"""The ``invoicekit`` console script, run as a user runs it: the installed entry point in a subprocess,
against ``invoicekit fakes serve`` on 127.0.0.1 (started once per session, tests/cli/conftest.py). Every run
checks that no credential from the environment reaches stdout or stderr.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from cli_support import SCRIPT, Served, base_env, cli

SALESBRICKS_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
INVORO_DRAFT = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
INVORO_SENT = "0c2b7c1e-8f1d-4a55-9d62-5e3c4b2a1f00"

# -- the command itself ---------------------------------------------------------------------------------


def test_help_imports_neither_httpx_nor_attrs_nor_cattrs() -> None:
    """``invoicekit --help`` builds the whole parser on the standard library alone."""
    code = (
        "import sys\n"
        "from invoicekit._cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'httpx', 'attrs', 'cattrs'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "exit codes:" in out.stdout
    assert "UPFLOW_API_KEY" in out.stdout


def test_console_script_usage_errors_exit_2(served: Served) -> None:
    assert cli(served).code == 2  # no command: the help, on stderr
    bad = cli(served, "upflow", "no-such-operation")
    assert bad.code == 2
    assert "invalid choice" in bad.err


def test_fakes_serve_and_its_alias_share_one_parser() -> None:
    """``invoicekit-fakes`` stays, as ``invoicekit fakes serve``."""
    if not SCRIPT.exists():
        pytest.skip("the invoicekit console script is not installed (pip install -e .)")
    alias = subprocess.run([str(SCRIPT) + "-fakes", "--help"], capture_output=True, text=True, check=True)
    serve = subprocess.run(
        [str(SCRIPT), "fakes", "serve", "--help"], capture_output=True, text=True, check=True
    )
    assert "--fault" in alias.stdout
    assert serve.stdout.startswith("usage: invoicekit fakes serve")
    assert serve.stdout == alias.stdout


# -- Upflow ---------------------------------------------------------------------------------------------


def test_upflow_upload_pdf(served: Served, pdf: Path) -> None:
    before = served.requests()["upflow"]
    done = cli(served, "upflow", "upload-pdf", "external:ERP-42", str(pdf))
    assert (done.code, done.json, done.err) == (0, {"ok": True}, "")
    assert served.requests()["upflow"] == before + 1


def test_upflow_dry_run_sends_nothing_and_masks_the_credentials(served: Served, pdf: Path) -> None:
    before = served.requests()
    done = cli(
        served, "upflow", "upload-pdf", "external:ERP-42", str(pdf), "--encoding", "base64", "--dry-run"
    )
    assert done.code == 0
    request = done.json["request"]
    assert done.json["dry_run"] is True
    assert request["method"] == "POST"
    assert request["url"] == served.env["UPFLOW_BASE_URL"] + "/invoices/external:ERP-42/pdf"
    assert request["headers"]["x-api-key"] == request["headers"]["x-api-secret"] == "***"
    assert request["content_type"] == "application/json"
    assert request["fields"] == ["data"]
    assert served.requests() == before


def test_upflow_errors_map_to_exit_codes(served: Served, pdf: Path, tmp_path: Path) -> None:
    before = served.requests()["upflow"]
    missing = cli(served, "upflow", "upload-pdf", "inv_demo_1", str(tmp_path / "nope.pdf"))
    assert missing.code == 3
    assert "pdf" in missing.err
    assert "nothing was sent" in missing.err
    not_pdf = tmp_path / "a.pdf"
    not_pdf.write_bytes(b"hello")
    assert cli(served, "upflow", "upload-pdf", "inv_demo_1", str(not_pdf)).code == 3
    assert served.requests()["upflow"] == before
    unknown = cli(served, "upflow", "upload-pdf", "external:ERP-404", str(pdf))
    assert unknown.code == 1
    assert "NotFoundError" in unknown.err
    assert unknown.out == ""


def test_a_missing_credential_names_the_variable(served: Served, pdf: Path) -> None:
    before = served.requests()
    done = cli(served, "upflow", "upload-pdf", "inv_demo_1", str(pdf), drop=("UPFLOW_API_SECRET",))
    assert done.code == 4
    assert "UPFLOW_API_SECRET" in done.err
    assert "UPFLOW_API_KEY" not in done.err  # the one that is set is not blamed
    whmcs = cli(served, "whmcs", "get", "1001", drop=("WHMCS_URL",))
    assert whmcs.code == 4
    assert "WHMCS_URL" in whmcs.err
    assert served.requests() == before


def test_wrong_credentials_exit_4(served: Served) -> None:
    done = cli(served, "payabli", "get", "1001", env={"PAYABLI_API_KEY": "not-the-token"})
    assert done.code == 4
    assert "AuthenticationError" in done.err
    assert "not-the-token" not in done.err


def test_base_url_flag_and_env(served: Served, pdf: Path) -> None:
    """--base-url wins over <PROVIDER>_BASE_URL; a bad URL from either is named (exit 3)."""
    good = served.env["UPFLOW_BASE_URL"]
    flag = cli(served, "upflow", "upload-pdf", "inv_demo_1", str(pdf), "--dry-run", "--base-url", good + "/")
    assert flag.json["request"]["url"] == good + "/invoices/inv_demo_1/pdf"
    bad_env = cli(served, "upflow", "upload-pdf", "inv_demo_1", str(pdf), env={"UPFLOW_BASE_URL": "ftp://x"})
    assert bad_env.code == 3
    assert "UPFLOW_BASE_URL" in bad_env.err
    bad_flag = cli(served, "upflow", "upload-pdf", "inv_demo_1", str(pdf), "--base-url", "ftp://x")
    assert bad_flag.code == 3
    assert "--base-url: must be an http(s) URL" in bad_flag.err


# -- Salesbricks ----------------------------------------------------------------------------------------


def test_salesbricks_update_with_flags_and_attachments(served: Served, pdf: Path) -> None:
    done = cli(
        served, "salesbricks", "update", SALESBRICKS_ID,
        "--invoice-memo", "Paid by wire", "--due-at", "2026-02-01", "--attach", str(pdf),
        "--idempotency-key", "cli-key-1",
    )  # fmt: skip
    assert done.code == 0, done.err
    result = done.json
    assert result["invoice_id"] == SALESBRICKS_ID
    assert result["idempotency_key"] == "cli-key-1"
    assert [a["file_name"] for a in result["attachments"]] == ["invoice.pdf"]


def test_salesbricks_input_from_stdin_builds_keep_and_add(served: Served, pdf: Path) -> None:
    first = cli(served, "salesbricks", "update", SALESBRICKS_ID, "--attach", str(pdf))
    kept = first.json["attachments"][0]["attachment_id"]
    change = {
        "attachments": [{"attachment_id": kept}, {"file": str(pdf), "target": "subscription"}],
        "company_name": "Acme SAS",
    }
    done = cli(served, "salesbricks", "update", SALESBRICKS_ID, "--input", "-", stdin=json.dumps(change))
    assert done.code == 0, done.err
    targets = [(a["attachment_id"] == kept, a["target"]) for a in done.json["attachments"]]
    assert targets == [(True, "invoice"), (False, "subscription")]


def test_salesbricks_send_invoice_needs_yes_when_not_a_terminal(served: Served) -> None:
    before = served.requests()["salesbricks"]
    refused = cli(served, "salesbricks", "update", SALESBRICKS_ID, "--send-invoice")
    assert refused.code == 2
    assert "--yes" in refused.err
    assert served.requests()["salesbricks"] == before
    done = cli(served, "salesbricks", "update", SALESBRICKS_ID, "--send-invoice", "--yes")
    assert done.code == 0, done.err
    assert served.requests()["salesbricks"] == before + 1


def test_salesbricks_input_errors_name_the_json_path(served: Served) -> None:
    before = served.requests()
    bad_date = cli(
        served, "salesbricks", "update", SALESBRICKS_ID, "-i", "-", stdin='{"due_at": "31/01/2026"}'
    )
    assert bad_date.code == 3
    assert "--input $.due_at" in bad_date.err
    unknown = cli(served, "salesbricks", "update", SALESBRICKS_ID, "-i", "-", stdin='{"memo": "x"}')
    assert unknown.code == 3
    refused = "invalid input: --input $.memo: is not an argument of salesbricks invoices.update (one of: "
    assert refused in unknown.err
    assert "invoice_memo" in unknown.err  # the keys it takes are listed
    twice = cli(
        served, "salesbricks", "update", SALESBRICKS_ID, "-i", "-", "--tax-id", "1", stdin='{"tax_id": "2"}'
    )
    assert twice.code == 2
    assert served.requests() == before


# -- Payabli --------------------------------------------------------------------------------------------


def test_payabli_update_from_stdin_then_get(served: Served) -> None:
    body = """{"invoiceData": {"notes": "from the shell", "invoiceDueDate": "2026-03-31",
               "items": [{"itemProductName": "Hosting", "itemCost": 10.50, "itemQty": 2}]}}"""
    done = cli(served, "payabli", "update", "1001", "--input", "-", stdin=body)
    assert done.code == 0, done.err
    assert done.json["is_success"] is True
    assert done.json["response_data"] == 1001
    read = cli(served, "payabli", "get", "1001")
    assert read.code == 0
    assert read.json["notes"] == "from the shell"
    assert read.json["invoice_due_date"] == "2026-03-31"
    assert "10.50" in read.out  # Decimals are written digit for digit, never through a float
    assert read.json["items"][0]["item_cost"] == 10.5


def test_payabli_invalid_input_names_the_json_path_and_sends_nothing(served: Served, tmp_path: Path) -> None:
    before = served.requests()["payabli"]
    required = cli(
        served, "payabli", "update", "1001", "-i", "-", stdin='{"invoiceData": {"items": [{"itemQty": 1}]}}'
    )
    assert required.code == 3
    assert "--input $.invoiceData.items[0].itemCost" in required.err
    enum = cli(
        served, "payabli", "update", "1001", "-i", "-", stdin='{"invoiceData": {"frequency": "daily"}}'
    )
    assert enum.code == 3
    assert "$.invoiceData.frequency" in enum.err
    broken = tmp_path / "body.json"
    broken.write_text('{"invoiceData": ', encoding="utf-8")
    bad_json = cli(served, "payabli", "update", "1001", "--input", str(broken))
    assert bad_json.code == 3
    assert "not JSON" in bad_json.err
    assert "line 1" in bad_json.err
    absent = cli(served, "payabli", "update", "1001", "--input", str(tmp_path / "absent.json"))
    assert absent.code == 3
    assert "cannot read" in absent.err
    assert served.requests()["payabli"] == before


def test_payabli_refusal_exits_1(served: Served) -> None:
    done = cli(served, "payabli", "update", "1002", "-i", "-", stdin='{"invoiceData": {"notes": "x"}}')
    assert done.code == 1
    assert "ConflictError" in done.err


# -- Invoro ---------------------------------------------------------------------------------------------


def test_invoro_update_draft(served: Served, tmp_path: Path) -> None:
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({
        "header": {"invoice_number": "INV-7", "currency": "EUR", "due_date": "2026-01-31"},
        "items": [{"name": "Hosting", "quantity": 2, "price": 12.50}],
    }), encoding="utf-8")  # fmt: skip
    done = cli(served, "invoro", "update-draft", INVORO_DRAFT, "--input", str(draft), "--calculate-totals")
    assert done.code == 0, done.err
    assert (done.json["id"], done.json["state"]) == (INVORO_DRAFT, "draft")
    assert done.json["document"]["items"][0]["price"] == 1250  # cents on the wire, as Invoro keeps them
    refused = cli(served, "invoro", "update-draft", INVORO_SENT, "--input", str(draft), "--calculate-totals")
    assert refused.code == 1
    assert "ConflictError" in refused.err
    bad = cli(
        served, "invoro", "update-draft", INVORO_DRAFT, "-i", "-", stdin='{"header": {"currency": "EURO"}}'
    )
    assert bad.code == 3
    assert "--input $.header.currency" in bad.err


# -- WHMCS ----------------------------------------------------------------------------------------------


def test_whmcs_update_get_and_call(served: Served) -> None:
    done = cli(served, "whmcs", "update", "1001", "--notes", "from the shell", "--due-date", "2026-02-02")
    assert (done.code, done.json) == (0, {"invoice_id": 1001})
    lines = '{"new_items": [{"description": "Domain", "amount": 9.95, "taxed": false}]}'
    unconfirmed = cli(served, "whmcs", "update", "1001", "-i", "-", stdin=lines)
    assert unconfirmed.code == 2  # appending lines must not run twice: --yes
    assert cli(served, "whmcs", "update", "1001", "-i", "-", "--yes", stdin=lines).code == 0
    read = cli(served, "whmcs", "get", "1001")
    assert read.json["notes"] == "from the shell"
    assert read.json["due_date"] == "2026-02-02"
    assert [i["description"] for i in read.json["items"]].count("Domain") == 1  # appended once
    raw = cli(served, "whmcs", "call", "GetInvoice", "invoiceid=1001", "--idempotent")
    assert (raw.code, raw.json["result"], raw.json["notes"]) == (0, "success", "from the shell")
    assert cli(served, "whmcs", "call", "UpdateInvoice", "invoiceid=1001", "notes=x").code == 2
    assert cli(served, "whmcs", "call", "GetInvoice", "invoiceid").code == 2
    unknown = cli(served, "whmcs", "update", "1001", "--clear", "memo")
    assert unknown.code == 2
    assert "notes" in unknown.err  # the arguments it takes are listed
    bad_id = cli(served, "whmcs", "update", "abc", "--notes", "x")
    assert bad_id.code == 3
    assert "INVOICE" in bad_id.err


def test_whmcs_dry_run_masks_form_credentials(served: Served) -> None:
    before = served.requests()["whmcs"]
    done = cli(served, "whmcs", "call", "UpdateInvoice", "invoiceid=1001", "notes=x", "--dry-run")
    assert done.code == 0
    request = done.json["request"]
    assert (request["method"], request["safety"]) == ("POST", "unsafe")
    assert {"action", "invoiceid", "notes", "identifier", "secret"} <= set(request["fields"])
    assert served.requests()["whmcs"] == before


def test_outcome_unknown_exits_5(served: Served) -> None:
    served.fault("whmcs", {"kind": "drop", "after_apply": True})
    done = cli(served, "whmcs", "call", "UpdateInvoice", "invoiceid=1002", "notes=y", "--yes")
    assert done.code == 5
    assert "OutcomeUnknownError" in done.err


# -- apply and capabilities -----------------------------------------------------------------------------


def test_apply(served: Served, pdf: Path) -> None:
    done = cli(served, "apply", "whmcs", "1002", "--due-date", "2026-04-01", "--memo", "paid by wire")
    assert done.code == 0, done.err
    assert done.json == {"provider": "whmcs", "result": {"invoice_id": 1002}, "applied": ["due_date", "memo"],
                         "skipped": [], "calls": 1}  # fmt: skip
    strict = cli(served, "apply", "whmcs", "1002", "--memo", "m", "--pdf", str(pdf))
    assert strict.code == 3
    assert "--skip-unsupported" in strict.err
    skip = cli(served, "apply", "whmcs", "1002", "--memo", "m", "--pdf", str(pdf), "--skip-unsupported")
    assert (skip.json["applied"], skip.json["skipped"]) == (["memo"], ["pdf"])
    no_base = cli(served, "apply", "invoro", INVORO_DRAFT, "--memo", "m")
    assert no_base.code == 3
    assert "--base" in no_base.err


def test_apply_dry_run_prints_the_plan_and_sends_nothing(served: Served, pdf: Path) -> None:
    before = served.requests()
    done = cli(served, "apply", "payabli", "1001", "--memo", "m", "--pdf", str(pdf), "--dry-run")
    assert done.code == 0
    assert done.json["applied"] == ["memo", "pdf"]
    (request,) = done.json["requests"]
    assert (request["method"], request["safety"]) == ("PUT", "unsafe")
    assert request["headers"]["requesttoken"] == "***"
    assert "invoiceData.notes" in request["fields"]
    unconfirmed = cli(served, "apply", "payabli", "1001", "--memo", "m", "--pdf", str(pdf))
    assert unconfirmed.code == 2  # Payabli adds the file: never sent twice, so --yes
    assert served.requests() == before


def test_capabilities(served: Served) -> None:
    done = cli(served, "capabilities")
    assert done.code == 0
    assert done.json["payabli"]["pdf"]["support"] == "set"
    assert done.json["whmcs"]["memo"]["native"] == "notes"
    table = cli(served, "capabilities", "--output", "table")
    assert table.out.startswith("| field | Upflow |")


# -- the terminal ---------------------------------------------------------------------------------------


def on_a_terminal(
    served: Served, args: list[str], answer: bytes = b"", env: Mapping[str, str] | None = None
) -> tuple[int, str]:
    """Run the command with stdin, stdout and stderr on a pseudo-terminal; type *answer*."""
    pty = pytest.importorskip("pty")  # POSIX only
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [str(SCRIPT), *args], stdin=secondary, stdout=secondary, stderr=secondary,
        env={**base_env(), **served.env, "TERM": "xterm", **(env or {})}, close_fds=True,
    )  # fmt: skip
    os.close(secondary)
    output = b""
    typed = False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            output += chunk
            if answer and not typed and b"[y/N]" in output:
                os.write(primary, answer)
                typed = True
        elif process.poll() is not None:
            break
    os.close(primary)
    code = process.wait(timeout=10)
    text = output.decode(errors="replace")
    for secret in served.secrets:
        assert secret not in text
    return code, text


def test_a_terminal_confirms_unsafe_calls_and_shows_tables(served: Served) -> None:
    before = served.requests()["salesbricks"]
    code, text = on_a_terminal(served, ["salesbricks", "update", SALESBRICKS_ID, "--send-invoice"], b"n\n")
    assert code == 2
    assert "[y/N]" in text
    assert served.requests()["salesbricks"] == before
    code, text = on_a_terminal(served, ["salesbricks", "update", SALESBRICKS_ID, "--send-invoice"], b"y\n")
    assert code == 0
    assert served.requests()["salesbricks"] == before + 1
    assert re.search(rf"\ninvoice_id +{SALESBRICKS_ID}\r", text.replace("\x1b[1m", "").replace("\x1b[0m", ""))


def test_no_color_is_honoured(served: Served) -> None:
    code, coloured = on_a_terminal(served, ["payabli", "get", "1001"], env={"PAYABLI_API_KEY": ""})
    assert code == 4
    assert "\x1b[31m" in coloured
    code, plain = on_a_terminal(
        served, ["payabli", "get", "1001"], env={"PAYABLI_API_KEY": "", "NO_COLOR": "1"}
    )
    assert code == 4
    assert "\x1b[" not in plain
    assert "PAYABLI_API_KEY" in plain


def test_ctrl_c_exits_130(served: Served) -> None:
    # 10 s (an interrupted call ends at once): far longer than a loaded machine's gap between two polls below
    served.fault("payabli", {"kind": "slow", "seconds": 10})
    before = served.requests()["payabli"]  # before the process starts: its request cannot be counted in it
    # As from a terminal: a run started as a shell's background job (CI often is) inherits SIGINT ignored,
    # and Python then keeps ignoring it, so Ctrl-C would never reach the command.
    process = subprocess.Popen(
        [str(SCRIPT), "payabli", "get", "1001"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**base_env(), **served.env},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while served.requests()["payabli"] == before and time.monotonic() < deadline:
        time.sleep(0.05)  # until the request is in flight
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert "interrupted" in err
    assert "Traceback" not in err
    assert out == ""


def test_every_write_command_has_a_dry_run_that_sends_nothing(served: Served, pdf: Path) -> None:
    """The request each would send (method, URL, body fields, safety), and not a request reached a fake."""
    before = served.requests()
    draft = '{"header": {"invoice_number": "INV-8"}}'
    runs = {
        ("PATCH", "SALESBRICKS_BASE_URL", f"/invoices/{SALESBRICKS_ID}", "idempotent-with-key"): (
            ["salesbricks", "update", SALESBRICKS_ID, "--tax-id", "FR1", "--attach", str(pdf)], ""),
        ("PUT", "PAYABLI_BASE_URL", "/Invoice/1001", "idempotent"): (
            ["payabli", "update", "1001", "-i", "-"], '{"invoiceData": {"notes": "n"}}'),
        ("PUT", "INVORO_BASE_URL", f"/invoices/{INVORO_DRAFT}", "idempotent"): (
            ["invoro", "update-draft", INVORO_DRAFT, "-i", "-", "--calculate-totals"], draft),
        ("POST", "WHMCS_URL", "/includes/api.php", "idempotent"): (
            ["whmcs", "update", "1001", "--notes", "n"], ""),
    }  # fmt: skip
    fields = [
        ["tax_id", "pdf_attachments"],
        ["invoiceData.notes"],
        ["calculate_totals", "header.invoice_number"],
    ]
    for (method, env, path, safety), (args, stdin) in runs.items():
        done = cli(served, *args, "--dry-run", stdin=stdin)
        assert done.code == 0, done.err
        request = done.json["request"]
        assert (request["method"], request["url"], request["safety"]) == (
            method,
            served.env[env] + path,
            safety,
        )
        if fields:
            assert request["fields"] == fields.pop(0)
    assert served.requests() == before
