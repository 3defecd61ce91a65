"""Adversary (hot5): ``Call`` as a plain record (it was an attrs frozen class), bodies in memory read into
their request when built, and ``render_path``'s one-ID fast path.

What the attrs class gave a provider author that the plain record must still give: ``match`` by position
(``__match_args__``), ``copy.replace`` (attrs writes ``__replace__`` on Python 3.13+), and an evolved copy of
the same class. The fast path must render or refuse exactly as the general one does, reading each ID once.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from invoicekit import ValidationError
from invoicekit._call import Call, Json, Safety
from invoicekit._paths import render_path


def none(_: Any) -> None:
    return None


def _call() -> Call[None]:
    return Call("PUT", "/invoices/{id}", none, {"id": "inv_1"}, body=Json({"x": 1}), safety=Safety.UNSAFE)


def test_a_call_matches_by_position_as_the_attrs_record_did() -> None:
    # attrs gave __match_args__ (its init fields, in order); a provider author's `case Call("PUT", t)` then
    # matched. Without it Python raises TypeError ("accepts 0 positional sub-patterns").
    assert Call.__match_args__ == (
        "method", "template", "parse", "ids", "query", "headers", "body", "safety", "ignore_answer",
        "idempotency_key", "once_only", "extra_headers",
    )  # fmt: skip
    match _call():
        case Call("PUT", template, _, {"id": invoice}, safety=Safety.UNSAFE):
            assert (template, invoice) == ("/invoices/{id}", "inv_1")
        case _:
            pytest.fail("the call did not match")


def test_copy_replace_gives_a_new_call_as_attrs_did_on_python_3_13() -> None:
    # attrs writes __replace__ on 3.13+ (copy.replace(call, ...)); the record's replace() is the same thing.
    call = _call()
    replace = getattr(copy, "replace", None)
    changed = replace(call, ids={"id": "a b"}) if replace else call.__replace__(ids={"id": "a b"})
    assert changed.path == "/invoices/a%20b"
    assert changed == Call(
        "PUT", "/invoices/{id}", none, {"id": "a b"}, body=Json({"x": 1}), safety=Safety.UNSAFE
    )
    with pytest.raises(TypeError):
        call.__replace__(path="/elsewhere")


class _Traced(Call[Any]):
    """A provider author's own Call (say, one that logs): attrs.evolve kept its class."""


def test_replace_keeps_the_calls_own_class() -> None:
    call = _Traced("GET", "/invoices/{id}", none, {"id": "inv_1"})
    changed = call.replace(headers={"X-Trace": "1"})
    assert type(changed) is _Traced
    assert changed.headers == {"X-Trace": "1"}
    assert changed.path == "/invoices/inv_1"


class _Flipping:
    """An ID object whose text changes each time it is read: it must be read once, as before."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.reads = 0

    def __str__(self) -> str:
        self.reads += 1
        return self.texts.pop(0)


@pytest.mark.parametrize(
    ("texts", "wire"),
    [
        (("a/b", ".."), "/x/a%2Fb"),  # checked as "a/b" (escaped), sent as ".." unchecked: not any more
        (("a b", "ok"), "/x/a%20b"),
    ],
)
def test_the_one_id_fast_path_reads_an_id_once_as_the_general_path_does(
    texts: tuple[str, ...], wire: str
) -> None:
    one = _Flipping(*texts)
    assert render_path("/x/{id}", {"id": one}) == wire
    assert one.reads == 1
    both = _Flipping(*texts)  # the general path (two IDs): the same text, read once
    assert render_path("/x/{id}/{id2}", {"id": both, "id2": "y"}) == wire + "/y"
    assert both.reads == 1


@pytest.mark.parametrize(
    "value",
    ["", ".", "..", " ", "a\x00", "\ud800", "x" * 2049, True, -5, 10**30, "é", "%", "?#/", "external:E-1"],
)
def test_the_one_id_fast_path_renders_or_refuses_as_the_general_path(value: object) -> None:
    def outcome(template: str, ids: dict[str, object]) -> str:
        try:
            return render_path(template, ids).split("/")[2]
        except ValidationError as exc:
            return f"refused {exc.field}: {exc}"

    assert outcome("/x/{id}", {"id": value}) == outcome("/x/{id}/{other}", {"id": value, "other": "y"})
