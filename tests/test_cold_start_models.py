"""Provider models compare and hash by their fields through one shared ``_record.fields_eq`` (issue 19, cold
start): attrs does not compile an ``__eq__`` and a ``__hash__`` per class when the models' module is imported.
attrs itself is the judge: a twin class with attrs' own methods must give the same answers.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from invoicekit import invoro, payabli
from invoicekit._record import fields_eq


def _generated(cls: type, name: str) -> bool:
    code = getattr(vars(cls).get(name), "__code__", None)
    return code is not None and code.co_filename.startswith("<attrs generated")


def _models(module: Any) -> list[type]:
    classes = (getattr(module, name) for name in module.__all__)  # the lazily loaded ones included
    return [cls for cls in classes if isinstance(cls, type) and attrs.has(cls)]


@pytest.mark.parametrize("module", [payabli, invoro], ids=["payabli", "invoro"])
def test_the_models_use_the_shared_equality_not_attrs_generated_methods(module: Any) -> None:
    models = _models(module)
    assert len(models) >= 8
    assert [c.__name__ for c in models if _generated(c, "__eq__") or _generated(c, "__hash__")] == []
    assert [c.__name__ for c in models if vars(c)["__eq__"].__module__ != "invoicekit._record"] == []


def test_fields_eq_refuses_a_class_with_attrs_own_equality() -> None:
    with pytest.raises(TypeError, match=r"Model: write @attrs.frozen\(eq=False\) under @fields_eq"):

        @fields_eq
        @attrs.frozen
        class Model:
            x: int = 1


@attrs.frozen
class _Judge:
    a: Any = None
    b: Any = None
    hidden: Any = attrs.field(default=None, eq=False)
    keyed: Any = attrs.field(default=None, eq=str.lower)


@fields_eq
@attrs.frozen(eq=False)
class _Shared:
    a: Any = None
    b: Any = None
    hidden: Any = attrs.field(default=None, eq=False)
    keyed: Any = attrs.field(default=None, eq=str.lower)


@fields_eq
@attrs.frozen(eq=False)
class _Other:  # the same fields, another class
    a: Any = None
    b: Any = None
    hidden: Any = None
    keyed: Any = None


_VALUES = st.one_of(
    st.none(),
    st.integers(-2, 2),
    st.sampled_from([Decimal("NaN"), Decimal(1), Decimal("1.0"), 1.0, True, "x", (1,), (1, 2)]),
)
_FIELDS = st.tuples(_VALUES, _VALUES, _VALUES, st.sampled_from(["a", "A", "b"]))


def _holds_nan(fields: tuple[Any, ...]) -> bool:
    """Whether a compared field (a, b; not ``hidden``, which is ``eq=False``) is not equal to itself."""
    return any(value != value for value in fields[:2])


@given(_FIELDS, _FIELDS)
@example((1, 2, 3, "a"), (1, 2, 4, "A"))  # a field left out, a key applied: equal
@example((Decimal("NaN"),) * 3 + ("a",), (Decimal("NaN"),) * 3 + ("a",))  # NaN is not equal to itself
@example((1, True, None, "a"), (1.0, 1, None, "a"))  # equal values of other types
def test_equality_and_hash_are_attrs_own(one: tuple[Any, ...], two: tuple[Any, ...]) -> None:
    j1, j2, s1, s2 = _Judge(*one), _Judge(*two), _Shared(*one), _Shared(*two)
    if _holds_nan(one) or _holds_nan(two):
        # attrs' own answer here depends on its version: attrs 23 compares tuples, whose identity shortcut
        # takes a NaN object as equal to itself; newer attrs compares field by field with ==, as fields_eq
        # does (its rule, pinned here): a compared NaN is equal to nothing, itself included.
        assert (s1 == s2) is False
        assert (s1 != s2) is True
        assert (s1 == s1) is not _holds_nan(one)
    else:
        assert (s1 == s2) is (j1 == j2)
        assert (s1 != s2) is (j1 != j2)
        assert (s1 == s1) is (j1 == j1)
    if j1 == j2 and not (_holds_nan(one) or _holds_nan(two)):
        assert hash(s1) == hash(s2)
    assert (hash(s1) == hash(_Shared(*one))) is True
    # another class is never equal, whatever its fields (attrs: NotImplemented, then identity)
    assert _Shared(*one) != _Other(*one)  # type: ignore[comparison-overlap]
    assert _Shared(*one).__eq__(_Other(*one)) is NotImplemented
    assert _Shared(*one).__ne__(_Other(*one)) is NotImplemented


def test_a_model_compares_hashes_pickles_and_evolves_by_its_fields() -> None:
    bill = payabli.BillData(notes="Q3", invoice_number="INV-42")
    assert bill == payabli.BillData(invoice_number="INV-42", notes="Q3")
    assert bill != payabli.BillData(notes="Q4", invoice_number="INV-42")
    assert hash(bill) == hash(payabli.BillData(notes="Q3", invoice_number="INV-42"))
    assert {bill: 1}[payabli.BillData(notes="Q3", invoice_number="INV-42")] == 1
    assert pickle.loads(pickle.dumps(bill)) == bill  # noqa: S301 (our own bytes)
    assert attrs.evolve(bill, notes="Q4") == payabli.BillData(notes="Q4", invoice_number="INV-42")
    assert bill != payabli.BillItem()  # type: ignore[comparison-overlap]
    header = invoro.Header(invoice_number="INV-1", extra_fields={"k": 1})
    assert header == invoro.Header(invoice_number="INV-1", extra_fields={"k": 1})
    assert header != invoro.Header(invoice_number="INV-1", extra_fields={"k": 2})
    with pytest.raises(TypeError, match="unhashable"):  # a dict field: unhashable, as with attrs' hash
        hash(header)
    answer = payabli.InvoiceResponse(is_success=True, extra={"x": 1})
    assert answer == payabli.InvoiceResponse(is_success=True, extra={"x": 1})
    assert answer != payabli.InvoiceResponse(is_success=True)


_PAYABLI_SCRIPT = r"""
import base64, json, sys
import httpx
from invoicekit import payabli
from invoicekit.payabli import _models

PARTS = "invoicekit.payabli._parts"
LAZY = ("BillItem", "FileContent", "FileType", "Frequency", "PaymentTerms")
sent = []
def answer(request):
    sent.append(json.loads(request.content))
    return httpx.Response(200, json={"isSuccess": True, "responseCode": 1, "responseData": 3625,
                                     "responseText": "Success", "roomId": 0})
client = payabli.Payabli(api_key="k", base_url="https://p.test",
                         http_client=httpx.Client(transport=httpx.MockTransport(answer)))
client.invoices.update(3625, invoice_data=payabli.BillData(notes="Q3", invoice_number="INV-42"))
out = {"plain call": [PARTS in sys.modules, sorted(n for n in LAZY if n in vars(_models))]}
# values of the lazily made classes given as plain values: BillData's converters load them
bill = payabli.BillData(frequency="monthly", payment_terms="NET30", attachments=[b"%PDF-1.4 x"])
out["made by BillData"] = [PARTS in sys.modules, type(bill.frequency) is payabli.Frequency,
                           type(bill.payment_terms) is payabli.PaymentTerms,
                           type(bill.attachments[0]) is payabli.FileContent]
bill = payabli.BillData(items=[payabli.BillItem(item_cost=1, item_qty=2)], attachments=bill.attachments,
                        frequency=payabli.Frequency.MONTHLY)
client.invoices.update(3625, invoice_data=bill)
attachment = sent[-1]["invoiceData"].pop("attachments")[0]
attachment["fContent"] = base64.b64decode(attachment["fContent"]).decode()
out["sent"] = [sent[-1], attachment]
try:
    payabli.BillData(frequency="daily")
except Exception as exc:
    out["refused"] = [type(exc).__name__, exc.field, exc.rule]
sys.stdout.write(json.dumps(out))
"""


def test_payablis_lines_files_and_enums_are_made_on_first_use_and_work_as_before() -> None:
    """A plain update does not create BillItem, FileContent nor the enums (payabli._parts); a BillData
    given their plain values makes them then, and the update sends them as before."""
    done = subprocess.run(
        [sys.executable, "-c", _PAYABLI_SCRIPT], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["plain call"] == [False, []]
    assert out["made by BillData"] == [True, True, True, True]
    body, attachment = out["sent"]
    assert body == {"invoiceData": {"frequency": "monthly", "items": [{"itemCost": 1, "itemQty": 2}]}}
    assert attachment == {"fContent": "%PDF-1.4 x", "filename": "attachment.pdf", "ftype": "pdf"}
    refused = "'daily' is not one of 'onetime', 'weekly', 'every2weeks', 'every6months', 'monthly', "
    assert out["refused"][:2] == ["ValidationError", "frequency"]
    assert out["refused"][2].startswith(refused)
