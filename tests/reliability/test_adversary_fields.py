"""Adversary tests for the field layer (``_fields.py``: one declaration per field, one generated writer per
model), read as a spec reader and a careless caller would.

Every request goes through a real client over ``httpx.MockTransport`` and is read back by parsers no one
here wrote: ``json.loads`` for Payabli and Invoro, Werkzeug for Salesbricks' multipart, tests/phpform.py
(PHP's ``parse_str``) for WHMCS forms.
"""

from __future__ import annotations

import builtins
import datetime as dt
import io
import json
import pickle
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest
from werkzeug.wrappers import Request as WerkzeugRequest

from invoicekit import (
    Invoro,
    Payabli,
    RetryPolicy,
    Salesbricks,
    ValidationError,
    Whmcs,
    invoro,
    payabli,
)
from invoicekit import _fields as fields
from invoicekit.payabli import BillData, BillItem, FileContent
from phpform import parse_str

FAST = RetryPolicy(initial=0, jitter=False)
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
SB_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
ANSWERS: dict[str, Any] = {
    "payabli": {
        "isSuccess": True,
        "responseCode": 1,
        "responseData": 332,
        "responseText": "Success",
        "roomId": 0,
    },
    "invoro": {"success": True, "data": {"id": INVORO_ID, "status": "draft", "total": 1000}},
    "whmcs": {"result": "success", "invoiceid": "42"},
    "salesbricks": {"invoice_id": SB_ID},
}


class Recorder(httpx.MockTransport):
    """Answers every request with the provider's success and keeps the requests, read."""

    def __init__(self, provider: str) -> None:
        self.requests: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return httpx.Response(200, json=ANSWERS[provider])

        super().__init__(answer)


@pytest.fixture
def pay() -> Iterator[tuple[Payabli, Recorder]]:
    wire = Recorder("payabli")
    with Payabli("tok", retry=FAST, http_client=httpx.Client(transport=wire)) as client:
        yield client, wire


@pytest.fixture
def inv() -> Iterator[tuple[Invoro, Recorder]]:
    wire = Recorder("invoro")
    with Invoro("ak_test_x", retry=FAST, http_client=httpx.Client(transport=wire)) as client:
        yield client, wire


@pytest.fixture
def sb() -> Iterator[tuple[Salesbricks, Recorder]]:
    wire = Recorder("salesbricks")
    with Salesbricks("sb-key", retry=FAST, http_client=httpx.Client(transport=wire)) as client:
        yield client, wire


@pytest.fixture
def whmcs() -> Iterator[tuple[Whmcs, Recorder]]:
    wire = Recorder("whmcs")
    client = Whmcs(
        "https://billing.example.com", "ident", "sec", retry=FAST, http_client=httpx.Client(transport=wire)
    )
    with client:
        yield client, wire


def multipart(request: httpx.Request) -> list[tuple[str, str]]:
    environ = {
        "REQUEST_METHOD": request.method,
        "CONTENT_TYPE": request.headers["Content-Type"],
        "CONTENT_LENGTH": str(len(request.content)),
        "wsgi.input": io.BytesIO(request.content),
    }
    return list(WerkzeugRequest(environ).form.items(multi=True))


def refused(call: Callable[[], object], wire: Recorder) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    assert wire.requests == []  # nothing sent
    return info.value


# -- odd values a careless caller passes ----------------------------------------------------------------


class Shouty(str):
    """A str subclass whose text form is not what it holds (what was checked must be what is sent)."""

    def __str__(self) -> str:
        return "SHOUTED"

    def __format__(self, spec: str) -> str:
        return "SHOUTED"


class OddDate(dt.date):
    """A date subclass (a pendulum/arrow-like type) whose isoformat is its own."""

    def isoformat(self) -> str:
        return "next tuesday"


class OddMoment(dt.datetime):
    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "whenever"


def test_a_str_subclass_is_sent_as_the_text_that_was_checked(sb: tuple[Salesbricks, Recorder]) -> None:
    client, wire = sb
    client.invoices.update(
        SB_ID,
        invoice_memo=Shouty("memo"),
        company_name=Shouty("ACME"),
        accounts_payable_emails=[Shouty("a@b.co")],
    )
    assert multipart(wire.requests[0]) == [
        ("company_name", "ACME"),
        ("accounts_payable_emails", "a@b.co"),
        ("invoice_memo", "memo"),
    ]


def test_a_date_subclass_is_sent_as_the_date_that_was_checked(inv: tuple[Invoro, Recorder]) -> None:
    client, wire = inv
    moment = OddMoment(2025, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    header = invoro.Header(invoice_number="N", issue_date=OddDate(2025, 1, 2), due_date=moment)
    client.invoices.update_draft(INVORO_ID, invoro.DraftInvoice(header=header))
    assert json.loads(wire.requests[0].content) == {
        "header": {
            "invoice_number": "N",
            "issue_date": "2025-01-02T00:00:00Z",
            "due_date": "2025-01-02T03:04:00+00:00",
        }
    }


def test_a_date_subclass_at_midnight_utc_through_the_field_layer() -> None:
    assert fields.day("midnight_utc")(OddDate(2025, 1, 2), "when") == "2025-01-02T00:00:00Z"
    assert fields.day("iso")(OddDate(2025, 1, 2), "when") == "2025-01-02"


# -- user subclasses of the models ----------------------------------------------------------------------


@attrs.frozen
class NotedItem(BillItem):
    """A user's subclass adding a field of its own: no declaration covers it, so it cannot be sent."""

    internal_note: str = "for us only"


@attrs.frozen
class ShortItem(BillItem):
    """A user's subclass re-declaring a field with a stricter rule."""

    item_description: object = payabli._models.FIELDS.field(fields.text(5))  # type: ignore[assignment]


def test_a_subclass_field_inside_a_list_is_refused_not_silently_dropped(
    pay: tuple[Payabli, Recorder],
) -> None:
    """The writer of the nested model is the item's own class's, as for a top-level model."""
    client, wire = pay
    data = BillData(items=[BillItem(item_cost=1), NotedItem(item_cost=2)])
    error = refused(lambda: client.invoices.update(332, invoice_data=data), wire)
    assert error.field == "invoice_data.items[1].internal_note"
    assert "cannot be sent" in error.rule


def test_a_subclass_field_inside_a_nested_model_is_refused(inv: tuple[Invoro, Recorder]) -> None:
    @attrs.frozen(kw_only=True)
    class TaggedAddress(invoro.Address):
        tag: str = "mine"

    client, wire = inv
    draft = invoro.DraftInvoice(seller=invoro.Party(name="S", address=TaggedAddress(city="Gent")))
    error = refused(lambda: client.invoices.update_draft(INVORO_ID, draft), wire)
    assert error.field == "invoice.seller.address.tag"


def test_a_subclass_rule_applies_inside_a_list_as_at_the_top(pay: tuple[Payabli, Recorder]) -> None:
    client, wire = pay
    top = refused(lambda: fields.write(ShortItem(item_cost=1, item_description="too long")), wire)
    assert top.field == "item_description"
    data = BillData(items=[ShortItem(item_cost=1, item_description="too long")])
    error = refused(lambda: client.invoices.update(332, invoice_data=data), wire)
    assert (error.field, error.rule) == ("invoice_data.items[0].item_description", top.rule)


# -- the generated code is never built from user data ----------------------------------------------------


class CodeKey(str):
    """A wire name whose repr is Python code: the generated writer must not be built from it."""

    def __repr__(self) -> str:
        return "'x': __import__('builtins').__dict__.setdefault('_invoicekit_injected', 1), 'y'"


def test_a_wire_name_in_a_users_subclass_never_becomes_code() -> None:
    @attrs.frozen
    class Coded(BillItem):
        cost_center: object = payabli._models.FIELDS.field(fields.text(), wire=CodeKey("costCenter"))

    try:
        written = fields.write(Coded(item_cost=1, cost_center="CC-1"))
        assert not hasattr(builtins, "_invoicekit_injected")
        assert written == {"itemCost": Decimal(1), "costCenter": "CC-1"}
        assert [type(key) for key in written] == [str, str]
    finally:
        vars(builtins).pop("_invoicekit_injected", None)


def test_wire_names_with_quotes_and_newlines_are_written_as_given() -> None:
    odd = "a'\"\n)\\b"

    @attrs.frozen
    class Quoted(BillItem):
        odd_one: object = payabli._models.FIELDS.field(fields.text(), wire=odd)

    assert fields.write(Quoted(item_cost=1, odd_one="v")) == {"itemCost": Decimal(1), odd: "v"}


# -- models mutated after they were made -----------------------------------------------------------------


def test_an_enum_field_set_behind_the_converters_back_is_a_validation_error(
    pay: tuple[Payabli, Recorder],
) -> None:
    client, wire = pay
    data = BillData(frequency="monthly")
    object.__setattr__(data, "frequency", "weekly")  # a frozen model mutated: the converter never ran
    error = refused(lambda: client.invoices.update(332, invoice_data=data), wire)
    assert error.field == "invoice_data.frequency"


def test_a_file_field_set_behind_the_converters_back_is_a_validation_error(
    pay: tuple[Payabli, Recorder],
) -> None:
    client, wire = pay
    attachment = FileContent(filename="a.pdf")
    object.__setattr__(attachment, "f_content", b"%PDF-1.4 x")  # raw bytes, never made a File
    error = refused(
        lambda: client.invoices.update(332, invoice_data=BillData(attachments=[attachment])), wire
    )
    assert error.field == "invoice_data.attachments[0].f_content"


def test_attrs_evolve_runs_the_converters_again(pay: tuple[Payabli, Recorder]) -> None:
    client, wire = pay
    data = attrs.evolve(BillData(frequency="monthly"), frequency="weekly")
    client.invoices.update(332, invoice_data=data)
    assert json.loads(wire.requests[0].content) == {"invoiceData": {"frequency": "weekly"}}


# -- messages name the field and never hold a huge value whole ---------------------------------------------

HUGE = 100_000
BIG_STATUS: Any = "P" * HUGE
BIG_KEY: Any = {"k" * HUGE: 1}


def test_a_huge_bad_choice_is_not_quoted_whole(whmcs: tuple[Whmcs, Recorder]) -> None:
    client, wire = whmcs
    error = refused(lambda: client.invoices.update(42, status=BIG_STATUS), wire)
    assert error.field == "status"
    assert len(str(error)) < 1000


def test_a_huge_bad_code_or_uuid_is_not_quoted_whole(inv: tuple[Invoro, Recorder]) -> None:
    client, wire = inv
    draft = invoro.DraftInvoice(header=invoro.Header(currency="E" * HUGE))
    error = refused(lambda: client.invoices.update_draft(INVORO_ID, draft), wire)
    assert error.field == "invoice.header.currency"
    assert len(str(error)) < 1000
    draft = invoro.DraftInvoice(business_entity_id="u" * HUGE)
    error = refused(lambda: client.invoices.update_draft(INVORO_ID, draft), wire)
    assert error.field == "invoice.business_entity_id"
    assert len(str(error)) < 1000


def test_a_huge_bad_enum_value_is_not_quoted_whole() -> None:
    with pytest.raises(ValidationError) as info:
        BillData(payment_terms="N" * HUGE)
    assert info.value.field == "payment_terms"
    assert len(str(info.value)) < 1000


def test_a_huge_key_is_not_quoted_whole_in_the_path(sb: tuple[Salesbricks, Recorder]) -> None:
    client, wire = sb
    error = refused(lambda: client.invoices.update(SB_ID, billing_address=BIG_KEY), wire)
    assert error.field.startswith("billing_address[")
    assert len(str(error)) < 1000


# -- many values: linear work, refused before anything is sent ----------------------------------------------


def test_many_deleted_lines_are_checked_in_linear_time(whmcs: tuple[Whmcs, Recorder]) -> None:
    """60,000 ids: a duplicate check by ``list.count`` is 3.6e9 comparisons (minutes); a set is instant.
    The call must end (refused: PHP's max_input_vars) well within the generous watchdog."""
    client, wire = whmcs
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            client.invoices.update(42, delete_line_ids=list(range(1, 60_001)))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the duplicate check is quadratic"
    assert len(outcome) == 1
    assert isinstance(outcome[0], ValidationError)
    assert "max_input_vars" in outcome[0].rule
    assert wire.requests == []


def test_duplicate_and_changed_deleted_lines_are_still_refused(whmcs: tuple[Whmcs, Recorder]) -> None:
    client, wire = whmcs
    error = refused(lambda: client.invoices.update(42, delete_line_ids=[3, 9, 3]), wire)
    assert (error.field, error.rule) == ("delete_line_ids", "line 3 is listed more than once")
    item = payabli_free_item()
    error = refused(lambda: client.invoices.update(42, items={9: item}, delete_line_ids=[9]), wire)
    assert (error.field, error.rule) == ("delete_line_ids", "line 9 is both changed (items) and deleted")


def payabli_free_item() -> Any:
    from invoicekit.whmcs import ItemChange

    return ItemChange("d", Decimal("1.00"), True)


def test_the_whmcs_form_as_php_reads_it(whmcs: tuple[Whmcs, Recorder]) -> None:
    from invoicekit.whmcs import ItemChange, NewItem

    client, wire = whmcs
    client.invoices.update(
        42,
        items={5: ItemChange(Shouty("desc"), Decimal("1E+2"), True)},
        new_items=(NewItem("n", Decimal("-3.50"), False),),
        delete_line_ids=range(7, 9),
        notes="a\r\nb&c=d[e]",
        tax_rate=Decimal("-0"),
    )
    form = parse_str(wire.requests[0].content)
    assert form == {
        "action": "UpdateInvoice",
        "invoiceid": "42",
        "taxrate": "0",
        "notes": "a\r\nb&c=d[e]",
        "itemdescription": {5: "desc"},
        "itemamount": {5: "100"},
        "itemtaxed": {5: "1"},
        "newitemdescription": {0: "n"},
        "newitemamount": {0: "-3.50"},
        "newitemtaxed": {0: "0"},
        "deletelineids": {0: "7", 1: "8"},
        "responsetype": "json",
        "identifier": "ident",
        "secret": "sec",
    }


# -- what held: the cache under threads, pickling, exact paths, canonical ids ------------------------------


def test_first_use_from_eight_threads_writes_the_same_bytes() -> None:
    @attrs.frozen
    class Fresh(BillItem):  # a class no writer was generated for yet
        pass

    barrier = threading.Barrier(8)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(fields.write(Fresh(item_cost=Decimal("1.50"), item_qty=2, item_description="d")))
        except BaseException as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [{"itemCost": Decimal("1.50"), "itemDescription": "d", "itemQty": 2}] * 8


def test_a_deep_bad_item_names_its_exact_path_and_pickles(pay: tuple[Payabli, Recorder]) -> None:
    client, wire = pay
    items = [BillItem(item_cost=1), BillItem(item_cost=1), BillItem(item_cost=1.5)]  # type: ignore[arg-type]
    error = refused(lambda: client.invoices.update(332, invoice_data=BillData(items=items)), wire)
    assert error.field == "invoice_data.items[2].item_cost"
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (type(copy), copy.field, copy.rule, str(copy)) == (
        ValidationError,
        error.field,
        error.rule,
        str(error),
    )
    data = BillData(items=items, frequency="monthly")
    assert pickle.loads(pickle.dumps(data)) == data  # noqa: S301 - our own bytes


def test_a_uuid_is_sent_in_its_canonical_form(inv: tuple[Invoro, Recorder]) -> None:
    """A byte change of the field layer (documented in its report): the checked, canonical form is sent."""
    client, wire = inv
    draft = invoro.DraftInvoice(business_entity_id="{" + INVORO_ID.upper() + "}")
    client.invoices.update_draft(INVORO_ID, draft)
    assert json.loads(wire.requests[0].content) == {"business_entity_id": INVORO_ID}


# -- an empty draft is never sent, whatever class its parts are ----------------------------------------------


def test_an_empty_header_of_a_users_subclass_never_erases_the_draft(inv: tuple[Invoro, Recorder]) -> None:
    """``PUT`` replaces the stored draft: ``{"header": {}}`` would erase it. A user's subclass of Header
    that sets nothing sets nothing, as a Header does."""

    @attrs.frozen(kw_only=True)
    class MyHeader(invoro.Header):
        pass

    client, wire = inv
    error = refused(
        lambda: client.invoices.update_draft(INVORO_ID, invoro.DraftInvoice(header=MyHeader())), wire
    )
    assert error.field == "invoice"
    assert "sets nothing" in error.rule
    client.invoices.update_draft(INVORO_ID, invoro.DraftInvoice(header=MyHeader(invoice_number="N")))
    assert json.loads(wire.requests[0].content) == {"header": {"invoice_number": "N"}}


class SlyKey(str):
    """A str key equal to nothing but itself: a dict holds it beside the plain key of the same text."""

    def __hash__(self) -> int:
        return 12345

    def __eq__(self, other: object) -> bool:
        return other is self


def test_an_extra_key_that_spells_a_modelled_field_is_refused_whatever_its_class(
    inv: tuple[Invoro, Recorder],
) -> None:
    client, wire = inv
    header = invoro.Header(invoice_number="A", extra_fields={SlyKey("invoice_number"): "B"})
    error = refused(lambda: client.invoices.update_draft(INVORO_ID, invoro.DraftInvoice(header=header)), wire)
    assert error.field == "invoice.header.extra_fields['invoice_number']"


def test_json_data_never_writes_one_key_twice(pay: tuple[Payabli, Recorder]) -> None:
    client, wire = pay
    data: Any = {SlyKey("a"): 1, "a": 2}
    error = refused(
        lambda: client.invoices.update(332, customer_data=payabli.PayorData(additional_data=data)), wire
    )
    assert error.field.startswith("customer_data.additional_data")
    assert "twice" in error.rule
    nested: Any = {"x": {SlyKey("a"): 1, "a": 2}}
    error = refused(
        lambda: client.invoices.update(332, customer_data=payabli.PayorData(additional_data=nested)), wire
    )
    assert error.field.startswith("customer_data.additional_data['x']")


def test_text_mappings_never_lose_or_double_a_key(
    sb: tuple[Salesbricks, Recorder], pay: tuple[Payabli, Recorder]
) -> None:
    client, wire = sb
    address: Any = {SlyKey("line1"): "a", "line1": "b"}
    error = refused(lambda: client.invoices.update(SB_ID, billing_address=address), wire)
    assert error.field == "billing_address['line1']"
    assert "twice" in error.rule
    payabli_client, payabli_wire = pay
    data = BillData(additional_data=address)
    error = refused(lambda: payabli_client.invoices.update(332, invoice_data=data), payabli_wire)
    assert error.field == "invoice_data.additional_data['line1']"
