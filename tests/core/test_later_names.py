"""``_record.later_names``: the one module ``__getattr__`` of the provider packages and their ``_models`` (the
models a common first call does not need, loaded on first use)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from typing import Any

import pytest

from invoicekit._record import later_names


def test_a_name_offered_is_taken_from_its_module_on_first_use_then_kept() -> None:
    space: dict[str, Any] = {"__name__": "somewhere"}
    getattr_ = later_names(space, "json.decoder", ("JSONDecodeError",))
    import json.decoder

    assert getattr_("JSONDecodeError") is json.decoder.JSONDecodeError
    assert space["JSONDecodeError"] is json.decoder.JSONDecodeError  # the next lookup is a plain attribute


def test_any_other_name_is_an_attribute_error_naming_the_module() -> None:
    getattr_ = later_names({"__name__": "invoicekit.somewhere"}, "json", ("loads",))
    with pytest.raises(AttributeError, match=r"module 'invoicekit.somewhere' has no attribute 'dumps'"):
        getattr_("dumps")  # in the module, but not offered


def test_a_module_using_it_answers_hasattr_and_getattr_as_any_module() -> None:
    module = types.ModuleType("invoicekit.fake_package")
    module.__getattr__ = later_names(vars(module), "json", ("loads",))  # type: ignore[method-assign]
    import json

    assert module.loads is json.loads
    assert not hasattr(module, "Loads")


@pytest.mark.parametrize(
    ("package", "name"), [("invoro", "Party"), ("payabli", "PayorData"), ("whmcs", "ItemChange")]
)
def test_the_providers_offer_their_parts_and_keep_the_helper_out_of_sight(package: str, name: str) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from invoicekit import {package} as p
        assert "invoicekit.{package}._parts" not in sys.modules
        assert "later_names" not in dir(p) and "_later_names" not in p.__all__
        cls = getattr(p, {name!r})
        assert "invoicekit.{package}._parts" in sys.modules
        assert cls is sys.modules["invoicekit.{package}._parts"].{name} is p._models.{name}
        assert vars(p)[{name!r}] is cls  # kept: the next lookup is a plain attribute
        try:
            p.NoSuchModel
        except AttributeError as exc:
            assert "invoicekit.{package}" in str(exc), exc
        else:
            raise AssertionError("a misspelt name was found")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
