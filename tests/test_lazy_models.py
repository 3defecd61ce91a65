"""Models loaded on first use (issue 19, cold start): Invoro's and Payabli's rarely first-needed models live
in ``<provider>._parts``, imported on the first lookup of one of their names. Each behaviour a user relies on
is checked in a fresh interpreter (where the module is surely not loaded yet): public names, star import,
``dir()``, the registry, pickling, ``isinstance`` of a model made before and after, the checks a call makes
on a value of such a class before its module is loaded, and type hints. Also the private record class the
core's value classes are made of.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from typing import Any

import pytest

from invoicekit import _record
from invoicekit._answers import Failure
from invoicekit._client import Provider
from invoicekit._fields import JSON_NULL, Clears, Spec, cannot_clear, to

_SCRIPT = r"""
import json, pickle, sys, typing

out = {}
def loaded(provider):
    return f"invoicekit.{provider}._parts" in sys.modules

import invoicekit
from invoicekit import invoro, payabli, whmcs

out["parts at import"] = [loaded("invoro"), loaded("payabli"), loaded("whmcs")]
out["dir has lazy names"] = all(n in dir(invoro) for n in invoro.__all__) and "PayorData" in dir(payabli)
# a draft made before the parts load: the same class after, and it still writes
early = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
from invoicekit._fields import write
wrong = {}
for provider, call in (
    ("invoro", lambda: write(invoro.DraftInvoice(seller={"name": "x"}), "invoice")),
    ("payabli", lambda: payabli.Payabli(api_key="k", base_url="https://p.test").invoices.update(
        1, customer_data={"first_name": "x"})),
    ("whmcs", lambda: whmcs.Whmcs(url="https://w.test", identifier="i", secret="s").invoices.update(
        42, new_items=[{"description": "x"}])),
):
    try:
        call()
    except invoicekit.ValidationError as exc:
        wrong[provider] = [exc.field, exc.rule]
out["wrong type before load"] = wrong
out["parts after wrong types"] = [loaded("invoro"), loaded("payabli"), loaded("whmcs")]
out["early draft"] = write(early)

from invoicekit.invoro import *  # noqa: F403
from invoicekit.payabli import *  # noqa: F403
from invoicekit.whmcs import *  # noqa: F403
out["star import"] = [sorted(n for n in m.__all__ if n not in globals()) for m in (invoro, payabli, whmcs)]
out["parts after star import"] = [loaded("invoro"), loaded("payabli"), loaded("whmcs")]
out["whmcs"] = [whmcs.ItemChange is ItemChange is sys.modules["invoicekit.whmcs._parts"].ItemChange,
                whmcs.Invoice.__module__, "Invoice" in dir(whmcs)]
from invoicekit.invoro import _parts as iparts, _models as imodels
from invoicekit.payabli import _parts as pparts, _models as pmodels
out["same class everywhere"] = (
    invoro.Party is iparts.Party is imodels.Party is Party
    and payabli.PayorData is pparts.PayorData is pmodels.PayorData is PayorData
)
out["modules"] = [Party.__module__, PayorData.__module__, DraftInvoice.__module__]
late = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"),
                           seller=invoro.Party(name="ACME", address=invoro.Address(city="Gent")),
                           totals=invoro.Totals(line_total=12))
out["isinstance"] = [isinstance(early, invoro.DraftInvoice), isinstance(late.seller, invoro.Party),
                     type(early) is type(late)]
out["late draft"] = write(late)
out["hints"] = [str(typing.get_type_hints(invoro.DraftInvoice)["seller"]),
                str(typing.get_type_hints(payabli.PayorData)["customer_id"]),
                # attrs' generated methods keep a copy of the module's globals: the names are there too
                str(typing.get_type_hints(invoro.DraftInvoice.__init__)["seller"]),
                str(typing.get_type_hints(invoro.Line.__init__)["allowances"]),
                str(typing.get_type_hints(payabli.Payabli.__init__) is not None),
                str(typing.get_type_hints(sys.modules["invoicekit.payabli._client"].update_call)["customer_data"])]
sys.stdout.write(json.dumps(out))
sys.stdout.flush()
"""


def _fresh(script: str, *args: str) -> Any:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    out: dict[str, Any] = _fresh(_SCRIPT)
    return out


def test_the_parts_load_only_when_a_name_of_theirs_is_used(report: dict[str, Any]) -> None:
    assert report["parts at import"] == [False, False, False]
    assert report["dir has lazy names"] is True
    # a wrong type where a lazily loaded model belongs is named before the module loads, and loads nothing
    assert report["wrong type before load"] == {
        "invoro": ["invoice.seller", "must be an invoro.Party, not dict"],
        "payabli": ["customer_data", "must be a payabli.PayorData, not dict"],
        "whmcs": ["new_items[0]", "must be a whmcs.NewItem(description, amount, taxed)"],
    }
    assert report["parts after wrong types"] == [False, False, False]
    assert report["early draft"] == {"header": {"invoice_number": "INV-1"}}


def test_star_import_and_every_public_name_give_the_one_class(report: dict[str, Any]) -> None:
    assert report["star import"] == [[], [], []]
    assert report["parts after star import"] == [True, True, True]
    assert report["whmcs"] == [True, "invoicekit.whmcs._parts", True]
    assert report["same class everywhere"] is True
    assert report["modules"] == [
        "invoicekit.invoro._parts",
        "invoicekit.payabli._parts",
        "invoicekit.invoro._models",
    ]


def test_models_made_before_and_after_the_load_are_one_class_and_write(report: dict[str, Any]) -> None:
    assert report["isinstance"] == [True, True, True]
    assert report["late draft"] == {
        "header": {"invoice_number": "INV-1"},
        "seller": {"name": "ACME", "address": {"city": "Gent"}},
        "totals": {"line_total": 1200},
    }
    assert report["hints"] == [
        "typing.Union[invoicekit.invoro._parts.Party, typing.Literal[UNSET]]",
        "typing.Union[int, NoneType, typing.Literal[UNSET]]",
        "typing.Union[invoicekit.invoro._parts.Party, typing.Literal[UNSET]]",
        "typing.Union[collections.abc.Sequence[invoicekit.invoro._parts.AllowanceCharge], "
        "typing.Literal[UNSET]]",
        "True",
        "typing.Union[invoicekit.payabli._parts.PayorData, NoneType, typing.Literal[UNSET]]",
    ]


_UNPICKLE = r"""
import pickle, sys
value = pickle.loads(bytes.fromhex(sys.argv[1]))
print(type(value).__module__, type(value).__name__, repr(value))
"""


def test_a_lazily_loaded_model_pickles_and_unpickles_in_a_fresh_process() -> None:
    from invoicekit import invoro, payabli

    party = invoro.Party(name="ACME", address=invoro.Address(city="Gent"))
    payor = payabli.PayorData(first_name="Ada", customer_id=7)
    assert pickle.loads(pickle.dumps(party)) == party  # noqa: S301
    assert pickle.loads(pickle.dumps(payor)) == payor  # noqa: S301
    out = subprocess.run(
        [sys.executable, "-c", _UNPICKLE, pickle.dumps(party).hex()],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split(" ", 2)[:2] == ["invoicekit.invoro._parts", "Party"]
    assert out.stdout.split(" ", 2)[2].strip() == repr(party)


def test_the_lazy_names_are_in_the_provider_packages_all() -> None:
    from invoicekit import invoro, payabli
    from invoicekit.invoro import _models as imodels
    from invoicekit.payabli import _models as pmodels

    assert set(imodels.PART_NAMES) - {"DEFAULT_ATTACHMENT_NAME"} <= set(invoro.__all__)
    assert set(pmodels.PART_NAMES) <= set(payabli.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        invoro.Nope  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        pmodels.Nope  # type: ignore[attr-defined]  # noqa: B018


def test_a_later_class_reference_checks_instances_only_once_its_module_is_loaded() -> None:
    later: Any = _record.Later("invoicekit.invoro._parts", "Party")  # isinstance takes it (__instancecheck__)
    from invoicekit import invoro

    assert later.resolve() is invoro.Party
    assert isinstance(invoro.Party(name="x"), later)
    assert not isinstance({"name": "x"}, later)
    absent: Any = _record.Later("no_such_module_here", "Party")
    assert not isinstance(1, absent)
    assert later.__name__ == "Party"
    assert repr(later) == "Later('invoicekit.invoro._parts', 'Party')"


# -- the core's private records ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "same", "other"),
    [
        (Failure("no", 404, {"a": ["b"]}), Failure("no", hint=404, errors={"a": ["b"]}), Failure("no")),
        (Provider("demo", "https://d.test"), Provider("demo", "https://d.test"), Provider("demo", None)),
        (to(()), Clears(()), JSON_NULL),
        (Spec(str, "w", JSON_NULL), Spec(str, "w", JSON_NULL), Spec(str, None, JSON_NULL)),
    ],
)
def test_a_record_compares_pickles_and_is_frozen_as_the_attrs_class_was(
    one: Any, same: Any, other: Any
) -> None:
    assert one == same
    assert (one != same) is False
    assert one != other
    assert (one == other) is False
    assert one != 1
    assert (one == 1) is False
    if not isinstance(one, Failure):  # a Failure holds a dict: unhashable, as the attrs class was
        assert hash(one) == hash(same)
    assert pickle.loads(pickle.dumps(one)) == one  # noqa: S301
    name = type(one).__slots__[0]
    with pytest.raises(AttributeError, match="is immutable"):
        setattr(one, name, None)
    with pytest.raises(AttributeError, match="is immutable"):
        delattr(one, name)


def test_a_record_repr_names_its_fields_in_order() -> None:
    assert repr(Failure("no", 404)) == "Failure(message='no', hint=404, errors={})"
    assert repr(cannot_clear("why")) == "cannot_clear('why')"  # Clears keeps its own repr
    assert Failure("x").errors == {}
    assert Failure("x").errors is not Failure("x").errors


_STRUCTURE = r"""
import json, sys
from invoicekit import whmcs
from invoicekit._structure import Structurer, keywords

method = type(whmcs.Whmcs(url="https://w.test", identifier="i", secret="s").invoices).update  # made now
before = "invoicekit.whmcs._parts" in sys.modules
args = Structurer().arguments({"new_items": [{"description": "Fee", "amount": "15.00", "taxed": False}]},
                              keywords(method), "change.args", "whmcs invoices.update")
print(json.dumps([before, type(args["new_items"][0]).__name__, str(args["new_items"][0].amount)]))
"""


def test_a_method_made_before_the_parts_loaded_still_structures_their_models() -> None:
    """The command line and bulk jobs make models from JSON by the method's annotations: a method made on
    first lookup before its provider's parts loaded kept those annotations as text; they resolve later."""
    assert _fresh(_STRUCTURE) == [False, "NewItem", "15.00"]
