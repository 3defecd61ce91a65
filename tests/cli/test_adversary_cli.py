"""Adversary tests for the ``invoicekit`` command: a shell user, a cron job and a hostile server.

Each test runs the installed console script against the session's fake server (tests/cli/conftest.py);
``cli()`` also checks that no credential reaches stdout or stderr and that no traceback is printed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cli_support import SCRIPT, Served, base_env, cli

#: What a hostile answer can carry into a terminal: an OSC window title, a screen clear, a colour, the
#: 8-bit CSI (U+009B) and a right-to-left override.
HOSTILE = "evil\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b2Jcsi\u202eright"


def test_deeply_nested_input_is_invalid_input_not_a_traceback(served: Served) -> None:
    """JSON nested deeper than the interpreter's stack: exit 3 naming --input, no RecursionError trace."""
    before = served.requests()["payabli"]
    done = cli(served, "payabli", "update", "1001", "--input", "-", stdin="[" * 100_000 + "]" * 100_000)
    assert done.code == 3, done.err
    assert "--input" in done.err
    assert done.out == ""
    assert served.requests()["payabli"] == before


def test_deeply_nested_bulk_job_line_is_invalid_input_not_a_traceback(served: Served, tmp_path: Path) -> None:
    jobs = tmp_path / "jobs.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    jobs.write_text(f'{{"id": "a", "provider": "upflow", "invoice": "x", "change": {deep}}}\n')
    done = cli(served, "bulk", "run", str(jobs), "--journal", str(tmp_path / "run.db"))
    assert done.code == 3, done.err
    assert "line 1" in done.err


def test_server_text_cannot_drive_the_terminal(served: Served) -> None:
    """A value from the provider (WHMCS notes here) holding escape sequences: the table (what a terminal
    shows by default) prints them visibly escaped, never raw; JSON escapes the C1 and bidi controls too,
    and still decodes to the exact value.
    """
    assert cli(served, "whmcs", "update", "1002", "--notes", HOSTILE).code == 0
    table = cli(served, "whmcs", "get", "1002", "--output", "table")
    assert table.code == 0, table.err
    notes = next(line for line in table.out.splitlines() if line.startswith("notes"))
    assert "\x1b" not in table.out
    assert "\x07" not in table.out
    assert "\x9b" not in table.out
    assert "\u202e" not in table.out
    assert notes.split(None, 1)[1] == "evil\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\x9b2Jcsi\\u202eright"
    raw = cli(served, "whmcs", "get", "1002", "--output", "json")
    assert raw.code == 0, raw.err
    assert "\x9b" not in raw.out
    assert "\u202e" not in raw.out
    assert json.loads(raw.out)["notes"] == HOSTILE


def test_whmcs_call_key_given_twice_is_a_usage_error_and_sends_nothing(served: Served) -> None:
    """``invoiceid=1001 invoiceid=1002``: exit 2 ("a value given twice"), not the last one silently."""
    before = served.requests()["whmcs"]
    done = cli(
        served, "whmcs", "call", "UpdateInvoice", "invoiceid=1001", "notes=a", "invoiceid=1002", "--yes"
    )
    assert done.code == 2, done.err
    assert "invoiceid" in done.err
    assert served.requests()["whmcs"] == before


def test_a_write_with_stdout_closed_exits_0_once_sent(served: Served) -> None:
    """``invoicekit ... >&-`` (a cron line that closes stdout): the write is sent once and succeeds; the
    command must not then crash with a traceback and exit 1 ("the call failed"), inviting a resend.
    """
    before = served.requests()["whmcs"]
    done = subprocess.run(
        ["/bin/sh", "-c", 'exec "$0" "$@" >&-', str(SCRIPT), "whmcs", "update", "1001", "--notes", "closed"],
        capture_output=False, stderr=subprocess.PIPE, text=True, env={**base_env(), **served.env}, timeout=60,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert served.requests()["whmcs"] == before + 1


def test_a_bad_whmcs_url_variable_is_named_not_the_flag(served: Served) -> None:
    """No --base-url given: a bad WHMCS_URL is reported as WHMCS_URL (docs/cli.md: "naming the variable")."""
    done = cli(served, "whmcs", "get", "1001", env={"WHMCS_URL": "garbage"})
    assert done.code == 3, done.err
    assert "WHMCS_URL" in done.err
    assert "--base-url" not in done.err


def test_error_messages_escape_control_characters_from_the_input(served: Served) -> None:
    """A key of an --input file (which may come from anywhere) holding ESC: stderr shows it escaped."""
    done = cli(served, "payabli", "update", "1001", "--input", "-", stdin='{"a\\u001b[2Jb": 1}')
    assert done.code == 3, done.err
    assert "\x1b" not in done.err
    assert "a\\x1b[2Jb" in done.err
