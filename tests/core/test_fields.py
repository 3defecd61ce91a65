"""The field layer (invoicekit._fields): one declaration per field, one compiled writer per model.

Bodies are read back by judges we did not write: ``json.loads`` for JSON, tests/phpform.py (PHP's
``parse_str``) for WHMCS forms, Werkzeug for Salesbricks' multipart.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.wrappers import Request as WerkzeugRequest

from invoicekit import (
    UNSET,
    Invoro,
    Payabli,
    RetryPolicy,
    Salesbricks,
    ValidationError,
    Whmcs,
    invoro,
    payabli,
    whmcs,
)
from invoicekit import _checks as checks
from invoicekit import _fields as fields
from invoicekit._fields import Fields, write
from invoicekit.salesbricks import _models as sb_models
from invoicekit.whmcs import _models as whmcs_models
from phpform import parse_str

FAST = RetryPolicy(initial=0, jitter=False)
PAYABLI_OK = {"isSuccess": True, "responseCode": 1, "responseData": 332, "responseText": "OK", "roomId": 0}
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"


class Kept(httpx.MockTransport):
    """Answers every request with *body* and keeps the requests, read."""

    def __init__(self, body: Any) -> None:
        self.requests: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return httpx.Response(200, json=body)

        super().__init__(answer)


PAYABLI_WIRE = Kept(PAYABLI_OK)
PAYABLI = Payabli("tok", retry=FAST, http_client=httpx.Client(transport=PAYABLI_WIRE))
WHMCS_WIRE = Kept({"result": "success", "invoiceid": "7"})
WHMCS = Whmcs(
    "https://billing.example.com", "ident", "sec", retry=FAST, http_client=httpx.Client(transport=WHMCS_WIRE)
)


def payabli_body(**kwargs: Any) -> Any:
    """What Payabli reads: the request body through json.loads (numbers as Decimal, digit for digit)."""
    PAYABLI.invoices.update(332, **kwargs)
    return json.loads(PAYABLI_WIRE.requests[-1].content, parse_float=Decimal)


def whmcs_form(**kwargs: Any) -> Any:
    """What WHMCS reads: the form body through PHP's parse_str."""
    WHMCS.invoices.update(7, **kwargs)
    return parse_str(WHMCS_WIRE.requests[-1].content)


# -- a tiny provider declared inside the test, so every rule is exercised on its own ----------------------

TOY = Fields("toy", fields.JSON_NULL, wire_name=str.upper)
SEEN: list[str] = []


def spy(value: Any, field: str) -> Any:
    """A rule that records the field name it is given, so a test sees what is built on success."""
    SEEN.append(field)
    if value == "bad":
        raise ValidationError(field, "must not be 'bad'")
    return value


@attrs.frozen(kw_only=True)
class Line:
    amount: Any = TOY.field(fields.money("cents"))
    note: Any = TOY.field(spy, clears=fields.EMPTY)


@attrs.frozen(kw_only=True)
class Doc:
    title: Any = TOY.field(fields.text(5), wire="Title")
    when: Any = TOY.field(fields.day("midnight_utc"), clears=fields.cannot_clear("a doc has a date"))
    lines: Any = TOY.field(fields.models(Line, "toy"))
    head: Any = TOY.field(fields.model(Line, "toy"))
    ref: Any = TOY.field(spy, required="is required here")
    name: Any = TOY.field(fields.text(), when_unset=lambda doc: f"doc-{doc.ref}")
    extra_fields: Any = TOY.merged(
        lambda value, field, taken, cls: {k: v for k, v in value.items() if k not in taken}
    )


def test_a_model_is_written_in_declaration_order_with_wire_names_defaults_last_then_extras() -> None:
    doc = Doc(
        title="T",
        when=dt.date(2026, 1, 31),
        lines=[Line(amount=Decimal("1.50"), note="n")],
        ref="r",
        extra_fields={"X": 1, "Title": "never over a field"},
    )
    assert list(write(doc).items()) == [
        ("Title", "T"),
        ("WHEN", "2026-01-31T00:00:00Z"),
        ("LINES", [{"AMOUNT": 150, "NOTE": "n"}]),
        ("REF", "r"),
        ("NAME", "doc-r"),
        ("X", 1),
    ]


def test_unset_is_never_written_and_none_clears_as_declared() -> None:
    assert write(Doc(ref="r", name="n")) == {"REF": "r", "NAME": "n"}
    assert write(Line(amount=None, note=None)) == {"AMOUNT": None, "NOTE": ""}
    with pytest.raises(ValidationError) as caught:
        write(Doc(ref="r", when=None), "doc")
    assert (caught.value.field, caught.value.rule) == ("doc.when", "a doc has a date")


def test_the_path_is_built_only_when_a_check_fails() -> None:
    SEEN.clear()
    doc = Doc(ref="r", lines=[Line(note="a"), Line(note="b"), Line(note="c")], head=Line(note="h"))
    write(doc, "doc")
    assert SEEN == ["note", "note", "note", "note", "ref"]  # bare names: no "doc.lines[1].note" made
    with pytest.raises(ValidationError) as caught:
        write(attrs.evolve(doc, lines=[Line(note="a"), Line(note="a"), Line(note="bad")]), "doc")
    assert caught.value.field == "doc.lines[2].note"
    assert caught.value.rule == "must not be 'bad'"
    assert str(caught.value) == "doc.lines[2].note: must not be 'bad'"
    with pytest.raises(ValidationError) as caught:
        write(attrs.evolve(doc, head=Line(amount=Decimal("0.001"))), "doc")
    assert caught.value.field == "doc.head.amount"
    assert "fraction of a cent" in caught.value.rule


def test_a_required_field_is_reported_after_the_set_fields_are_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        write(Doc(title="too long"))
    assert caught.value.field == "title"
    with pytest.raises(ValidationError) as caught:
        write(Doc(title="ok"))
    assert (caught.value.field, caught.value.rule) == ("ref", "is required here")


def test_a_nested_model_and_list_of_the_wrong_kind_are_named() -> None:
    with pytest.raises(ValidationError) as caught:
        write(Doc(ref="r", lines=[Line(), "x"]), "doc")
    assert (caught.value.field, caught.value.rule) == ("doc.lines[1]", "must be a toy.Line, not str")
    with pytest.raises(ValidationError) as caught:
        write(Doc(ref="r", lines="abc"), "doc")
    assert (caught.value.field, caught.value.rule) == ("doc.lines", "must be a list, not str")
    with pytest.raises(ValidationError) as caught:
        write(Doc(ref="r", head=Doc(ref="r")))
    assert caught.value.rule == "must be a toy.Line, not Doc"


def test_a_field_nobody_declared_is_refused_not_dropped() -> None:
    @attrs.frozen
    class Mine(payabli.BillItem):
        mine: int = 1

    with pytest.raises(ValidationError) as caught:
        write(Mine(item_cost=1), "item")
    assert caught.value.field == "item.mine"
    assert "cannot be sent" in caught.value.rule


def test_one_writer_per_model_generated_once() -> None:
    assert fields.writer(Doc) is fields.writer(Doc)
    assert fields._WRITERS[Doc] is fields.writer(Doc)


def test_the_per_class_caches_stay_bounded_when_a_program_makes_classes_without_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A writer and a setter plan are cached per class; a program that makes a subclass of a model per
    call must not grow them (nor keep its classes alive) without limit."""
    import gc
    import weakref

    monkeypatch.setattr(fields, "MAX_CACHED", 8)
    first: weakref.ref[type] | None = None
    for n in range(40):
        sub = type(f"Line{n}", (Line,), {})
        first = first or weakref.ref(sub)
        assert write(sub(amount=Decimal("1.5"), note=UNSET)) == {"AMOUNT": 150}
        assert fields.sets_something(sub(amount=UNSET, note=UNSET)) is False
        assert len(fields._WRITERS) <= 8
        assert len(fields._SETTERS) <= 8
    del sub
    gc.collect()
    assert first is not None
    assert first() is None
    assert write(Line(amount=Decimal(2), note="n")) == {"AMOUNT": 200, "NOTE": "n"}


def test_errors_from_the_layer_pickle() -> None:
    with pytest.raises(ValidationError) as caught:
        write(Doc(ref="r", lines=[Line(note="bad")]), "doc")
    again = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own bytes
    assert (type(again), again.field, again.rule) == (
        ValidationError,
        "doc.lines[0].note",
        "must not be 'bad'",
    )


# -- every rule -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "value", "wire"),
    [
        (fields.text(3), "abc", "abc"),
        (fields.texts, ("a", "b"), ["a", "b"]),
        (fields.money("number"), 5, Decimal(5)),
        (fields.money("number"), Decimal("1.25"), Decimal("1.25")),
        (fields.money("cents"), Decimal("12.34"), 1234),
        (fields.money("cents"), -3, -300),
        (fields.money("text"), Decimal("1E+2"), "100"),
        (fields.day("iso"), dt.date(2026, 2, 3), "2026-02-03"),
        (fields.day("midnight_utc"), dt.date(2026, 2, 3), "2026-02-03T00:00:00Z"),
        (fields.flag("json"), False, False),
        (fields.flag("text"), True, "true"),
        (fields.flag("text"), False, "false"),
        (fields.choice(("a", "b")), "b", "b"),
        (fields.member, payabli.Frequency.MONTHLY, "monthly"),
        (fields.passed, object, object),
        (
            fields.json_object,
            {"k": [1, Decimal("2.5"), None, True, {"n": "x"}]},
            {"k": [1, Decimal("2.5"), None, True, {"n": "x"}]},
        ),
    ],
)
def test_each_rule_writes_its_wire_form(rule: Any, value: Any, wire: Any) -> None:
    assert rule(value, "f") == wire
    assert type(rule(value, "f")) is type(wire)


@pytest.mark.parametrize(
    ("rule", "value", "words"),
    [
        (fields.text(3), "abcd", "at most 3 characters (4 given)"),
        (fields.text(), 3, "must be a str, not int"),
        (fields.text(allow_empty=False), " ", "must not be empty"),
        (fields.text(), "a\0b", "must not contain NUL"),
        (fields.text(), "\ud800", "lone surrogate (U+D800)"),
        (fields.texts, "abc", "must be a list, not str"),
        (fields.texts, {"a": 1}, "must be a list, not dict"),
        (fields.money("number"), 1.5, "money must be a decimal.Decimal or an int, not float"),
        (fields.money("number"), True, "not bool"),
        (fields.money("number"), Decimal("NaN"), "finite"),
        (fields.money("number", allow_negative=False), -1, "must not be negative"),
        (fields.money("cents"), Decimal("0.005"), "fraction of a cent"),
        (fields.money("number"), Decimal(10) ** 16, "at most 10**15"),
        (fields.day("iso"), dt.datetime(2026, 1, 1), "must be a datetime.date, not datetime"),
        (fields.day("iso"), "2026-01-01", "must be a datetime.date, not str"),
        (fields.flag("text"), "true", "must be True or False, not str"),
        (fields.flag("json"), 1, "must be True or False, not int"),
        (fields.choice(("a", "b")), "c", "'c' is not one of 'a', 'b'"),
        (fields.json_object, [1], "must be a dict, not list"),
        (fields.json_object, {1: "x"}, "must be a str, not int"),
        (fields.json_object, {"k": 1.5}, "floats are refused"),
        (fields.json_object, {"k": {"n": Decimal("Infinity")}}, "numbers must be finite"),
        (fields.json_object, {"k": [dt.date(2026, 1, 1)]}, "date is not JSON data"),
        (fields.json_object, {"k": {"n": 10**400}}, "below 1e308"),
    ],
)
def test_each_rule_refuses_with_its_words(rule: Any, value: Any, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        rule(value, "f")
    assert caught.value.field.startswith("f")
    assert words in caught.value.rule


def test_json_data_names_the_path_of_the_bad_value_and_its_depth_limit() -> None:
    with pytest.raises(ValidationError) as caught:
        fields.json_object({"a": {"b": [1, 2, 1.5]}}, "meta")
    assert caught.value.field == "meta['a']['b'][2]"
    deep: Any = "x"
    for _ in range(70):
        deep = [deep]
    with pytest.raises(ValidationError, match="nested more than 64 levels deep"):
        fields.json_data(deep, "meta")


def test_the_one_list_check_takes_any_sequence_but_text() -> None:
    assert fields.sequence(range(2), "f") == range(2)
    for bad in ("ab", b"ab", {"a": 1}, {1, 2}, 3):
        with pytest.raises(ValidationError, match=f"must be a list, not {type(bad).__name__}"):
            fields.sequence(bad, "f")


def test_under_joins_paths_as_written() -> None:
    base = ValidationError("amount", "r")
    assert fields.under(base, "items[2]").field == "items[2].amount"
    assert fields.under(ValidationError("[3]", "r"), "notes").field == "notes[3]"
    assert fields.under(ValidationError("", "r"), "items[0]").field == "items[0]"
    assert fields.under(base, "") is base


# -- None clears, per provider (DESIGN.md decision 1, as data) ---------------------------------------------


def test_each_provider_declares_how_none_clears() -> None:
    assert fields.clearing(payabli.BillData)["notes"] == fields.JSON_NULL
    assert fields.clearing(payabli.BillItem)["item_cost"].refused is not None
    assert fields.clearing(invoro.Header)["due_date"] == fields.JSON_NULL
    assert fields.clearing(invoro.Header)["document_type"].refused is not None
    sb = fields.clearing(sb_models._Update)
    assert (sb["company_name"], sb["invoice_memo"]) == (fields.EMPTY, fields.EMPTY)
    assert sb["purchase_order"] == fields.to("{}")
    assert sb["accounts_payable_emails"] == fields.EMPTY_LIST
    assert [repr(sb[name]) for name in ("company_name", "accounts_payable_emails", "purchase_order")] == [
        "EMPTY",
        "EMPTY_LIST",
        "to('{}')",
    ]
    assert (
        sb["tax_id"].refused == "Salesbricks documents no way to clear this field; leave it UNSET to keep it"
    )
    wh = fields.clearing(whmcs_models._Update)
    assert wh["notes"] == fields.EMPTY
    assert all(c.refused for name, c in wh.items() if name != "notes")


def test_payabli_none_is_json_null_on_the_wire() -> None:
    body = payabli_body(invoice_data=payabli.BillData(notes=None, invoice_date=None, frequency=None))
    assert body == {"invoiceData": {"notes": None, "invoiceDate": None, "frequency": None}}


def test_invoro_none_is_json_null_where_nullable_and_refused_elsewhere() -> None:
    transport = Kept({"success": True, "data": {"id": INVORO_ID, "state": "draft"}})
    with Invoro("ak_test_x", retry=FAST, http_client=httpx.Client(transport=transport)) as client:
        draft = invoro.DraftInvoice(header=invoro.Header(invoice_number="1", due_date=None))
        client.invoices.update_draft(INVORO_ID, draft)
        header = invoro.Header(document_type=None)  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as caught:
            client.invoices.update_draft(INVORO_ID, invoro.DraftInvoice(header=header))
    assert json.loads(transport.requests[0].content) == {"header": {"invoice_number": "1", "due_date": None}}
    assert caught.value.field == "invoice.header.document_type"
    assert "cannot be None here" in caught.value.rule
    assert len(transport.requests) == 1


def test_salesbricks_none_clears_as_a_form_server_reads_it() -> None:
    transport = Kept({"invoice_id": "i"})
    with Salesbricks("k", retry=FAST, http_client=httpx.Client(transport=transport)) as client:
        client.invoices.update(
            "i", purchase_order=None, company_name=None, accounts_payable_emails=None, invoice_memo=None
        )
    request = transport.requests[-1]
    form = WerkzeugRequest.from_values(
        input_stream=__import__("io").BytesIO(request.content),
        content_length=len(request.content),
        content_type=request.headers["Content-Type"],
        method="PATCH",
    ).form
    assert list(form.items(multi=True)) == [
        ("purchase_order", "{}"),
        ("company_name", ""),
        ("accounts_payable_emails", "[]"),
        ("invoice_memo", ""),
    ]


def test_whmcs_none_clears_notes_as_empty_text_and_nothing_else() -> None:
    assert whmcs_form(notes=None)["notes"] == ""
    with pytest.raises(ValidationError) as caught:
        whmcs_form(due_date=None)
    assert caught.value.rule == (
        "None would clear it, and WHMCS cannot clear it: an invoice always has its date and due date"
    )


# -- round trips against independent judges -----------------------------------------------------------------

_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"), max_size=12)
_MONEY = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(
    notes=_TEXT,
    costs=st.lists(_MONEY, min_size=1, max_size=4),
    qty=st.integers(0, 2**31 - 1),
    when=st.dates(),
    extra=st.dictionaries(_TEXT, _TEXT | st.integers(-(10**18), 10**18) | st.none(), max_size=3),
)
@example(
    notes='é\u2028"\\', costs=[Decimal("-0.00"), Decimal("1E+2")], qty=0, when=dt.date(1, 1, 1), extra={}
)
def test_payabli_json_round_trips_through_json_loads(
    notes: str, costs: list[Decimal], qty: int, when: dt.date, extra: dict[str, Any]
) -> None:
    items = [payabli.BillItem(item_cost=c, item_qty=qty) for c in costs]
    body = payabli_body(
        invoice_data=payabli.BillData(notes=notes, invoice_date=when, items=items),
        customer_data=payabli.PayorData(additional_data=extra),
    )
    assert body == {
        "customerData": {"additionalData": extra},
        "invoiceData": {
            "invoiceDate": when.isoformat(),
            "items": [{"itemCost": c, "itemQty": qty} for c in costs],
            "notes": notes,
        },
    }
    written = [i["itemCost"] for i in body["invoiceData"]["items"]]
    assert [Decimal(str(c)).is_signed() for c in written] == [c.is_signed() for c in costs]  # -0.00 too


@settings(max_examples=40, deadline=None)
@given(
    lines=st.dictionaries(st.integers(1, 2**40), st.tuples(_TEXT, _MONEY, st.booleans()), max_size=4),
    new=st.lists(st.tuples(_TEXT, _MONEY, st.booleans()), max_size=3),
    notes=_TEXT,
)
@example(lines={13: ("a[b]=&c", Decimal("-1.50"), True)}, new=[("", Decimal("0"), False)], notes="")
def test_whmcs_form_round_trips_through_php_parse_str(
    lines: dict[int, tuple[str, Decimal, bool]], new: list[tuple[str, Decimal, bool]], notes: str
) -> None:
    form = whmcs_form(
        notes=notes,
        items={k: whmcs.ItemChange(*v) for k, v in lines.items()},
        new_items=[whmcs.NewItem(*v) for v in new],
    )
    assert form["notes"] == notes

    def text(number: Decimal) -> str:
        return format(number, "f")

    if lines:
        assert form["itemdescription"] == {k: v[0] for k, v in lines.items()}
        assert {k: Decimal(v) for k, v in form["itemamount"].items()} == {k: v[1] for k, v in lines.items()}
        assert form["itemtaxed"] == {k: "1" if v[2] else "0" for k, v in lines.items()}
        assert all(form["itemamount"][k] == text(v[1]) for k, v in lines.items())
    if new:
        assert form["newitemdescription"] == {i: v[0] for i, v in enumerate(new)}
        assert form["newitemamount"] == {i: text(v[1]) for i, v in enumerate(new)}
        assert form["newitemtaxed"] == {i: "1" if v[2] else "0" for i, v in enumerate(new)}


def test_the_php_form_size_is_counted_as_php_form_writes_it() -> None:
    from invoicekit._forms import form_size, php_form

    doc = {
        "a": "x",
        "b": None,
        "c": UNSET,
        "d": {"1": ["p", "q"], "2": {}},
        "e": (1, Decimal("2")),
        "f": b"raw",
    }
    assert form_size(doc) == len(php_form(doc)) == 6


def test_writing_requests_never_loads_cattrs_reading_an_answer_neither() -> None:
    """Issue 19: requests are written by the field layer and answers read by generated readers: no cattrs."""
    import subprocess
    import sys

    script = """
import sys, datetime as dt
from decimal import Decimal
from invoicekit import UNSET, invoro, payabli
from invoicekit.payabli._client import update_call
from invoicekit.payabli._answers import parse_update as _parse
from invoicekit.invoro._client import update_draft_call
from invoicekit.salesbricks._client import update_call as salesbricks_call
from invoicekit.whmcs._client import update_invoice_call
update_call(1, invoice_data=payabli.BillData(items=[payabli.BillItem(item_cost=Decimal(1))]))
draft = invoro.DraftInvoice(header=invoro.Header(due_date=dt.date(2026, 1, 1)))
update_draft_call("7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", draft)
salesbricks_call("i", invoice_memo="m", idempotency_key=None)
update_invoice_call(7, notes="n")
print("cattrs" in sys.modules)
_parse({"isSuccess": True, "responseCode": 1, "responseData": 1, "responseText": "OK", "roomId": 0})
print("cattrs" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


class _Shouty(str):
    def __len__(self) -> int:
        return 0


@given(
    st.text(max_size=12) | st.sampled_from(["", " ", "\t\x1c", "a\0b", "\ud800", "é", "x" * 11, 5, None]),
    st.sampled_from([None, 0, 3, 10]),
    st.booleans(),
)
@example("", None, False)
@example(" \t", 10, False)
@example("a\0", None, True)
@example("abcd", 3, True)
@example("\ud800", None, True)
@example(_Shouty("abcdef"), 3, True)
def test_text_rule_fast_path_agrees_with_the_check(value: object, max_len: int | None, empty: bool) -> None:
    """The text rule's in-place check of a plain ASCII str gives what the full check gives: the same
    value, or the same refusal (a str subclass always takes the full check)."""
    rule = fields.text(max_len, allow_empty=empty)
    try:
        expected: object = checks.text(value, "f", max_len=max_len, allow_empty=empty)
    except ValidationError as exc:
        expected = exc
    if isinstance(expected, ValidationError):
        with pytest.raises(ValidationError) as caught:
            rule(value, "f")
        assert (caught.value.field, caught.value.rule) == (expected.field, expected.rule)
    else:
        got = rule(value, "f")
        assert got == expected
        assert type(got) is str


@pytest.mark.parametrize(
    "given",
    [
        {"invoice_memo": "Net 30", "purchase_order": "PO-42"},
        {"invoice_memo": None, "accounts_payable_emails": []},
        {"company_name": 5},  # refused: the same field and rule either way
        {"due_at": dt.datetime(2026, 1, 1)},
        {},
    ],
)
def test_write_values_is_write_of_the_instance(given: dict[str, Any]) -> None:
    """Writing a private model's keywords without making the instance gives what writing the instance
    gives: the same wire object, or the same refusal."""
    values = {name: UNSET for name in sb_models.UPDATE_FIELDS} | given

    def outcome(fn: Any) -> Any:
        try:
            return fn()
        except ValidationError as exc:
            return (exc.field, exc.rule)

    expected = outcome(lambda: write(sb_models._Update(**values)))
    assert outcome(lambda: fields.write_values(sb_models._Update, values)) == expected


def test_write_values_with_a_missing_or_unknown_name_goes_through_the_class() -> None:
    """A mapping that does not name exactly the model's fields is the class's to judge (its defaults,
    its TypeError for an unknown keyword), never read from a namespace missing an attribute."""
    assert fields.write_values(sb_models._Update, {"invoice_memo": "x"}) == {"invoice_memo": "x"}
    with pytest.raises(TypeError):
        fields.write_values(sb_models._Update, {"nope": 1})


@pytest.mark.parametrize(
    ("changes", "changed"),
    [
        ([("invoice_memo", "x")], True),
        (["", 0, None, (), {}], True),
        ([], False),
        ([UNSET], False),
        ([UNSET, "x"], True),
    ],
)
def test_some_change_reads_plain_data_as_a_change(changes: list[Any], changed: bool) -> None:
    if changed:
        checks.some_change(changes)
    else:
        with pytest.raises(ValidationError, match="nothing to change"):
            checks.some_change(changes)
