"""Adversary tests for the command line's ``--input`` read by the one structurer (invoicekit._structure)."""

from __future__ import annotations

import json

from cli_support import Served, cli


def test_a_line_id_key_that_is_not_plain_digits_is_invalid_input_and_sends_nothing(served: Served) -> None:
    """``{"items": {"1_0": ...}}`` was read as line 10 (int() takes underscores): a typo edited another
    line."""
    before = served.requests()["whmcs"]
    change = {"items": {"1_0": {"description": "Hosting", "amount": "1.00", "taxed": False}}}
    done = cli(served, "whmcs", "update", "1001", "--input", "-", "--dry-run", stdin=json.dumps(change))
    assert done.code == 3, (done.out, done.err)
    assert "--input $.items: key '1_0' must be a whole number" in done.err
    assert done.out == ""
    assert served.requests()["whmcs"] == before


def test_extra_is_read_by_the_native_operations_annotations(served: Served) -> None:
    """``--extra`` (the same reading as a bulk job's ``extra``): money text and a date, as WHMCS fields."""
    extra = {"tax_rate": "7.5", "date_paid": "2026-01-02"}
    apply = ("apply", "whmcs", "1001", "--extra", "-", "--dry-run")
    done = cli(served, *apply, "--memo", "m", stdin=json.dumps(extra))
    assert done.code == 0, done.err
    (request,) = done.json["requests"]
    assert {"taxrate", "datepaid", "notes"} <= set(request["fields"])
    bad = cli(served, *apply, stdin='{"date_paid": "2026-13-01"}')
    assert bad.code == 3, bad.err
    assert "--extra $.date_paid: '2026-13-01' is not a date" in bad.err


def test_a_delete_line_id_that_is_not_plain_digits_is_invalid_input(served: Served) -> None:
    """``--delete-line-id 1_0`` deleted line 10 (int() takes underscores and any script's digits)."""
    before = served.requests()["whmcs"]
    for raw in ("1_0", "\u0663"):
        done = cli(served, "whmcs", "update", "1001", "--delete-line-id", raw, "--dry-run")
        assert done.code == 3, (done.out, done.err)
        assert f"invalid input: --delete-line-id: [{raw!r}] is not a whole number" in done.err
    assert served.requests()["whmcs"] == before


def test_payabli_input_takes_payablis_own_key_for_bill_additional_data(served: Served) -> None:
    """``--input`` holds Payabli's body, where a bill's additional data is ``AdditionalData`` (capital A,
    as the library sends it): that key was refused as "not a key of BillData" (the command line looked for
    a wire name where the field layer no longer keeps it) and ``additionalData`` taken instead.
    """
    body = {"invoiceData": {"AdditionalData": {"costCenter": "R&D"}}}
    done = cli(served, "payabli", "update", "1001", "--input", "-", "--dry-run", stdin=json.dumps(body))
    assert done.code == 0, done.err
    assert "invoiceData.AdditionalData.costCenter" in done.json["request"]["fields"]


def test_a_key_given_twice_in_input_is_invalid_input(served: Served) -> None:
    before = served.requests()["whmcs"]
    twice = '{"notes": "a", "notes": "b"}'
    done = cli(served, "whmcs", "update", "1001", "--input", "-", "--dry-run", stdin=twice)
    assert done.code == 3, (done.out, done.err)
    assert "'notes' given twice" in done.err
    assert served.requests()["whmcs"] == before
