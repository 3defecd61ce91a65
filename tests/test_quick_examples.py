"""CI's quick passes (INVOICEKIT_TEST_EXAMPLES=quick, tests/conftest.py): each property test draws a fifth of
its examples, once per test function, unless it is marked all_examples; the first pass keeps full strength.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import conftest


class _Item:
    """What the hook reads of a collected test: its function and its markers."""

    def __init__(self, obj: Any, *markers: str) -> None:
        self.obj = obj
        self._markers = markers

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self._markers else None


def _max_examples(test: Any) -> int:
    return int(test._hypothesis_internal_use_settings.max_examples)


def _property_tests() -> tuple[list[int], Any, Any, Any]:
    drawn: list[int] = []

    @settings(max_examples=300)
    @given(st.integers())
    @example(-12345)
    def explicit(value: int) -> None:
        drawn.append(value)

    @given(st.integers())
    def default(value: int) -> None:
        pass

    @settings(max_examples=300)
    @given(st.integers())
    def orjson_only(value: int) -> None:
        pass

    return drawn, explicit, default, orjson_only


@pytest.mark.parametrize("quick", [False, True])
def test_a_quick_pass_draws_a_fifth_of_each_property_tests_examples(
    quick: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn, explicit, default, orjson_only = _property_tests()
    full = settings().max_examples  # what a test without its own max_examples draws (the profile's)
    monkeypatch.setattr(conftest, "QUICK_EXAMPLES", quick)
    plain = _Item(lambda: None)  # not a property test: left alone
    # A parametrized test is collected as several items of one function: it is scaled once, not per item.
    conftest.pytest_collection_modifyitems(
        [_Item(explicit), _Item(explicit), _Item(default), _Item(orjson_only, "all_examples"), plain]  # type: ignore[list-item]
    )
    assert _max_examples(explicit) == (60 if quick else 300)
    assert _max_examples(default) == (conftest.quick_examples(full) if quick else full)
    assert _max_examples(orjson_only) == 300
    assert not hasattr(plain.obj, "_hypothesis_internal_use_settings")
    explicit()
    assert drawn[0] == -12345  # the explicit @example always runs
    assert 10 < len(drawn) <= (61 if quick else 301)  # hypothesis draws what the settings now say


def test_the_quick_count() -> None:
    assert [conftest.quick_examples(n) for n in (1, 10, 30, 60, 100, 300, 10_000)] == [
        1,
        10,
        10,
        12,
        20,
        60,
        2000,
    ]
