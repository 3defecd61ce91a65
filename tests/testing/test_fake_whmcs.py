"""FakeWhmcs: it accepts what the client sends, answers as WHMCS does, and keeps the invoice honest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from invoicekit import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RetryPolicy,
)
from invoicekit.testing import FakeWhmcs
from invoicekit.whmcs import ItemChange, NewItem

FAST = RetryPolicy(initial=0, jitter=False)


def seeded(status: str = "Unpaid") -> FakeWhmcs:
    fake = FakeWhmcs()
    fake.add_invoice(42, status=status, lines=[("Hosting", Decimal("10.00"), True), ("Setup", 5, False)])
    return fake


def lines(fake: FakeWhmcs, invoice: int = 42) -> list[tuple[int, str, Decimal, bool]]:
    return [(li.id, li.description, li.amount, li.taxed) for li in fake.invoices[invoice].lines.values()]


def raw_post(fake: FakeWhmcs, body: str) -> httpx.Response:
    with httpx.Client(transport=fake.transport) as http:
        return http.post(
            f"{fake.url}/includes/api.php",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )


def test_update_changes_exactly_what_was_asked() -> None:
    fake = seeded()
    with fake.client() as client:
        result = client.invoices.update(
            42,
            status="Paid",
            payment_method="paypal",
            tax_rate=Decimal("20"),
            credit=Decimal("1.50"),
            due_date=dt.date(2024, 2, 29),
            date_paid=dt.date(2024, 3, 1),
            notes="Paid by card",
            items={1: ItemChange("Hosting (annual)", Decimal("120.00"), True)},
            new_items=[NewItem("Domain", Decimal("9.95"), False)],
            delete_line_ids=[2],
        )
    assert result.invoice_id == 42
    invoice = fake.invoices[42]
    assert (invoice.status, invoice.payment_method, invoice.tax_rate, invoice.credit) == (
        "Paid",
        "paypal",
        Decimal("20"),
        Decimal("1.50"),
    )
    assert (invoice.due_date, invoice.date_paid, invoice.notes) == (
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
        "Paid by card",
    )
    assert lines(fake) == [
        (1, "Hosting (annual)", Decimal("120.00"), True),
        (3, "Domain", Decimal("9.95"), False),
    ]
    assert fake.emails == []


def test_get_invoice_through_call_reflects_the_update() -> None:
    fake = seeded()
    with fake.client() as client:
        client.invoices.update(
            42, notes=None, tax_rate=10, new_items=[NewItem("Extra", Decimal("0.05"), True)]
        )
        got = client.call("GetInvoice", invoiceid=42, idempotent=True)
    assert got["result"] == "success"
    assert (got["invoiceid"], got["notes"], got["subtotal"], got["tax"], got["total"]) == (
        "42",
        "",
        "15.05",
        "1.01",
        "16.06",
    )
    assert [(i["id"], i["description"], i["amount"], i["taxed"]) for i in got["items"]["item"]] == [
        ("1", "Hosting", "10.00", "1"),
        ("2", "Setup", "5.00", "0"),
        ("3", "Extra", "0.05", "1"),
    ]
    assert got["datepaid"] == "0000-00-00 00:00:00"


def test_an_invoice_without_lines_lists_items_as_an_empty_string() -> None:
    fake = FakeWhmcs()
    fake.add_invoice(7)
    with fake.client() as client:
        assert client.call("GetInvoice", invoiceid=7)["items"] == ""


@pytest.mark.anyio
async def test_async_client_end_to_end() -> None:
    fake = seeded(status="Draft")
    async with fake.async_client() as client:
        await client.invoices.update(
            42, items={2: ItemChange("Setup fee", 6, True)}, publish_and_send_email=True
        )
        got = await client.call("GetInvoice", invoiceid=42)
    assert got["status"] == "Unpaid"
    assert lines(fake)[1] == (2, "Setup fee", Decimal("6"), True)
    assert fake.emails == [42]
    assert fake.invoices[42].emails_sent == 1


def test_unknown_invoice_is_not_found_with_http_200() -> None:
    fake = seeded()
    with fake.client() as client, pytest.raises(NotFoundError) as info:
        client.invoices.update(43, notes="x")
    assert (info.value.status_code, info.value.message) == (200, "Invoice ID Not Found")


def test_wrong_credentials_are_refused_with_403() -> None:
    fake = seeded()
    with fake.client(secret="not-the-secret") as client, pytest.raises(AuthenticationError) as info:
        client.invoices.update(42, notes="x")
    assert info.value.status_code == 403
    assert fake.invoices[42].notes == ""


def test_access_key_stands_in_for_the_ip_allow_list() -> None:
    fake = FakeWhmcs(access_key="k3y!@#")
    fake.add_invoice(42)
    with fake.client(access_key=None) as client, pytest.raises(PermissionDeniedError, match="Invalid IP"):
        client.invoices.update(42, notes="x")
    with fake.client() as client:
        client.invoices.update(42, notes="x")
    assert fake.invoices[42].notes == "x"


def test_publishing_needs_a_draft() -> None:
    fake = seeded(status="Unpaid")
    with fake.client() as client, pytest.raises(ConflictError, match="Draft"):
        client.invoices.update(42, publish=True, notes="not applied")
    assert fake.invoices[42].notes == ""  # a refused update changes nothing
    fake.invoices[42].status = "Draft"
    with fake.client() as client:
        client.invoices.update(42, publish=True)
    assert fake.invoices[42].status == "Unpaid"
    assert fake.emails == []


def test_whmcs_rules_the_client_never_breaks_are_enforced() -> None:
    """What the client's checks spare us, the fake still refuses, as WHMCS does."""
    fake = seeded()
    with fake.client() as client:
        with pytest.raises(BadRequestError, match="Missing Variables"):
            client.call("UpdateInvoice", invoiceid=42, itemdescription={1: "x"}, itemamount={1: 1})
        with pytest.raises(BadRequestError, match="Invalid status Overdue"):
            client.call("UpdateInvoice", invoiceid=42, status="Overdue")
        with pytest.raises(BadRequestError, match="Invalid API Action"):
            client.call("NoSuchAction")
    assert lines(fake)[0] == (1, "Hosting", Decimal("10.00"), True)


def test_a_doubled_append_is_visible() -> None:
    """New lines are appended by every call: what makes new_items unsafe to resend."""
    fake = seeded()
    with fake.client() as client:
        for _ in range(2):
            client.invoices.update(42, new_items=[NewItem("Extra", 1, False)])
    assert [d for _, d, _, _ in lines(fake)] == ["Hosting", "Setup", "Extra", "Extra"]


def test_unsafe_update_dropped_after_applying_is_not_resent() -> None:
    fake = seeded()
    fake.drop_next(after_apply=True)
    with fake.client(retry=FAST) as client, pytest.raises(OutcomeUnknownError):
        client.invoices.update(42, new_items=[NewItem("Extra", 1, False)])
    assert len(fake.requests) == 1
    assert [d for _, d, _, _ in lines(fake)] == ["Hosting", "Setup", "Extra"]  # applied once, not twice


def test_idempotent_update_is_retried_after_faults() -> None:
    fake = seeded()
    fake.drop_next(after_apply=True)
    fake.fail_next(503)
    with fake.client(retry=FAST) as client:
        client.invoices.update(
            42, items={1: ItemChange("Hosting", Decimal("11.00"), True)}, delete_line_ids=[2]
        )
    assert len(fake.requests) == 3
    assert lines(fake) == [(1, "Hosting", Decimal("11.00"), True)]


def test_php_reads_the_string_false_as_true() -> None:
    """Why booleans go as 1/0: PHP's truthiness makes "false" true (the fake applies PHP's rule)."""
    fake = seeded()
    body = (
        f"action=UpdateInvoice&invoiceid=42&itemdescription%5B2%5D=Setup&itemamount%5B2%5D=5&itemtaxed%5B2%5D=false"
        f"&responsetype=json&identifier={fake.identifier}&secret={fake.secret}"
    )
    assert raw_post(fake, body).json() == {"result": "success", "invoiceid": "42"}
    assert lines(fake)[1] == (2, "Setup", Decimal("5"), True)


def test_without_responsetype_json_the_answer_is_xml() -> None:
    fake = seeded()
    answer = raw_post(
        fake, f"action=GetInvoice&invoiceid=42&identifier={fake.identifier}&secret={fake.secret}"
    )
    assert answer.status_code == 200
    assert answer.text.startswith("<?xml")


def test_fields_past_max_input_vars_are_dropped_as_php_does() -> None:
    """PHP keeps the first max_input_vars fields; the client's credentials come last, so WHMCS refuses."""
    fake = FakeWhmcs(max_input_vars=5)
    fake.add_invoice(42)
    with fake.client() as client, pytest.raises(AuthenticationError):
        client.invoices.update(42, notes="a", status="Paid", payment_method="mailin")
    assert fake.form(fake.requests[0]).keys() == {"action", "invoiceid", "status", "paymentmethod", "notes"}
