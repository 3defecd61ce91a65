"""Adversary adv-inv5 on inv5's per-call readers and writers: a Reader that swaps its own class on its
first call (raced by threads, first call failing, copied after the swap), unknown keys gathered in C,
writers that test UNSET first (UNSET copied or pickled is still UNSET). No defect was found: these pin
what held, so a later change that breaks it fails here."""

from __future__ import annotations

import copy
import pickle
import threading
from typing import Any

import attrs
import pytest

from invoicekit import UNSET, DecodeError
from invoicekit._convert import extra
from invoicekit._fields import write_values
from invoicekit._read import Reader, reader
from invoicekit.salesbricks._models import _Update

SECRET = "sk_live_SECRETVALUE123"


@attrs.frozen
class Leaf:
    n: int


@attrs.frozen
class Node:
    name: str
    leaf: Leaf | None = None
    leaves: list[Leaf] = attrs.Factory(list)
    bag: dict[str, Any] = extra()


def _no_chain(exc: BaseException) -> None:
    assert exc.__cause__ is None
    assert exc.__context__ is None
    assert not exc.__suppress_context__


def _race(read: Reader[Node], barrier: threading.Barrier, got: dict[int, object], i: int) -> None:
    answer: Any = {"name": f"t{i}", "leaves": [{"n": i}], f"x{i}": i}
    if i % 3 == 0:
        answer = {"name": f"t{i}", "leaves": [{"n": SECRET}]}
    barrier.wait()
    try:
        got[i] = read(answer)
    except DecodeError as exc:
        got[i] = exc


def test_threads_racing_the_first_call_all_get_their_own_answer() -> None:
    for _ in range(20):
        read = reader(Node)
        barrier = threading.Barrier(8)
        got: dict[int, object] = {}
        threads = [threading.Thread(target=_race, args=(read, barrier, got, i)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(8):
            if i % 3 == 0:
                exc = got[i]
                assert isinstance(exc, DecodeError)
                assert "$.leaves[0].n" in str(exc)
                assert SECRET not in str(exc)
                _no_chain(exc)
            else:
                assert got[i] == Node(name=f"t{i}", leaves=[Leaf(i)], bag={f"x{i}": i})
        assert isinstance(read, Reader)
        assert read({"name": "after"}) == Node(name="after")


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        ({"name": 1}, "$.name"),
        ({"name": "a", "leaf": {"n": SECRET}}, "$.leaf.n"),
        ({"name": "a", "leaves": [{"n": 1}, {"n": True}]}, "$.leaves[1].n"),
        ([SECRET], "$"),
    ],
)
def test_a_first_call_that_fails_leaves_the_reader_whole(answer: Any, where: str) -> None:
    read = reader(Node)
    messages = []
    for _ in range(2):  # the failing first call (the swap) and the same answer again
        with pytest.raises(DecodeError) as caught:
            read(answer)
        _no_chain(caught.value)
        assert f"@ {where})" in str(caught.value)
        assert SECRET not in str(caught.value)
        again = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 (our own bytes)
        assert type(again) is DecodeError
        assert str(again) == str(caught.value)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert read({"name": "ok", "leaf": {"n": "7"}}) == Node(name="ok", leaf=Leaf(7))


def test_a_reader_copied_after_its_first_call_reads_the_same() -> None:
    read = reader(Node)
    assert read({"name": "a"}) == Node(name="a")
    for twin in (copy.copy(read), copy.deepcopy(read)):
        assert repr(twin) == "Reader(Node)"
        assert twin({"name": "b", "q": 1}) == Node(name="b", bag={"q": 1})
        with pytest.raises(DecodeError, match=r"@ \$\.name\)"):
            twin({"name": None})


def test_unknown_keys_keep_the_answers_order_and_each_result_its_own_bag() -> None:
    read = reader(Node)
    answer = {"z": 1, "NAME": 2, "name": "n", "__class__": 3, "__dict__": 4, "Leaf": 5, "a": 6}
    got = read(answer)
    assert list(got.bag.items()) == [
        ("z", 1),
        ("NAME", 2),
        ("__class__", 3),
        ("__dict__", 4),
        ("Leaf", 5),
        ("a", 6),
    ]
    first, second = read({"name": "a"}), read({"name": "b"})
    assert first.bag == second.bag == {}
    assert first.bag is not second.bag
    many = {"name": "n", **{f"k{i}": i for i in range(5000)}}
    assert list(read(many).bag) == [f"k{i}" for i in range(5000)]


@pytest.mark.parametrize(
    "unset",
    [UNSET, copy.copy(UNSET), copy.deepcopy(UNSET), pickle.loads(pickle.dumps(UNSET))],  # noqa: S301
)
def test_a_copied_or_pickled_unset_is_not_sent(unset: Any) -> None:
    values: dict[str, Any] = {a.name: unset for a in attrs.fields(_Update)}
    assert write_values(_Update, values) == {}
    values["invoice_memo"] = ""
    values["persist_memo"] = False
    assert write_values(_Update, values) == {"invoice_memo": "", "persist_memo": "false"}
