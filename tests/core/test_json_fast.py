"""The `fast` extra: orjson and the standard library give the same bytes and the same values.

Each test runs both paths in one process by switching ``invoicekit._json``'s module (orjson or None). The
judge for encoding is the standard library path, which is what invoicekit writes without the extra (and
is pinned on its own by test_call.py); values are also read back with the standard library parser.
"""

from __future__ import annotations

import base64
import enum
import io
import json
import math
import os
import subprocess
import sys
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from invoicekit import File, ValidationError
from invoicekit import _json as ikjson
from invoicekit._call import JsonStream

orjson = pytest.importorskip("orjson", minversion="3.9")
pytestmark = pytest.mark.all_examples  # only the orjson pass runs these: full strength there


class Counting:
    """orjson, counting the calls that reach it (so a test knows which path answered)."""

    def __init__(self) -> None:
        self.loads_calls = 0
        self.dumps_ok = 0
        self.Fragment = orjson.Fragment
        self.JSONDecodeError = orjson.JSONDecodeError
        self.JSONEncodeError = orjson.JSONEncodeError
        self.OPT_PASSTHROUGH_SUBCLASS = orjson.OPT_PASSTHROUGH_SUBCLASS
        self.OPT_PASSTHROUGH_DATETIME = orjson.OPT_PASSTHROUGH_DATETIME
        self.OPT_PASSTHROUGH_DATACLASS = orjson.OPT_PASSTHROUGH_DATACLASS

    def loads(self, data: bytes) -> Any:
        self.loads_calls += 1
        return orjson.loads(data)

    def dumps(self, value: Any, **kw: Any) -> bytes:
        out: bytes = orjson.dumps(value, **kw)
        self.dumps_ok += 1
        return out


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> Counting:
    counting = Counting()
    monkeypatch.setattr(ikjson, "_orjson", counting)
    return counting


def encode(value: Any, module: Any) -> bytes:
    saved = ikjson._orjson
    ikjson._orjson = module
    try:
        with ExitStack() as stack:
            return b"".join(JsonStream(value, stack))
    finally:
        ikjson._orjson = saved


def decode(data: bytes, module: Any) -> Any:
    saved = ikjson._orjson
    ikjson._orjson = module
    try:
        return ikjson.loads(data)
    finally:
        ikjson._orjson = saved


def typed(value: Any) -> Any:
    """A value with every scalar's type made visible, so Decimal("1") != 1 and 1.0 != 1; NaN == NaN."""
    if isinstance(value, dict):
        return ("dict", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    return (type(value).__name__, value)


class Colour(str, enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


class Money(Decimal):
    pass


scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: beyond 64 bits orjson refuses and the standard library writes them
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats()  # 1e-05 ... written as json.dumps writes them; NaN and infinities refused on both paths
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from([Colour.RED, Size.BIG, Money("1.50")])
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        | st.dictionaries(st.integers() | st.booleans() | st.none(), inner, max_size=2)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(documents)
@example({"amount": Decimal("12.50"), "n": 1, "s": 'é\u2028\x00\x1f"\\/', "ok": True, "no": None})
@example([2**64, -(2**63) - 1, 2**63, 18446744073709551615])
@example([1e-05, 1e-07, 2.5e-9, 1e16, 1e22, -0.0, 5e-324])
@example({"d": [Decimal("1E+2"), Decimal("-0"), Decimal("0.00001"), Decimal("-1.000"), Decimal("1e-7")]})
@example({1: "int key", None: "none key"})
@example({True: "bool key", False: "another"})
@example([Colour.RED, Size.BIG, Money("1.50")])
@example({"note": "null 0.00001 1e-5 3e-4f2a"})
@example({"e": "no exponent", "f": [1e-05, 3e-09, 2.5e-7]})  # "e-" only in the floats
def test_encoding_is_byte_identical(document: Any) -> None:
    try:
        standard = encode(document, None)
    except ValidationError:  # NaN, infinities: not JSON, refused the same way on both paths
        with pytest.raises(ValidationError, match=r"^body: "):
            encode(document, orjson)
        return
    assert encode(document, orjson) == standard
    # and it is JSON that keeps every Decimal's digits (the standard library parser, independent of us)
    json.loads(standard, parse_float=Decimal, parse_constant=float)


@pytest.mark.parametrize(
    "number", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Inf")]
)
def test_non_finite_numbers_are_refused_on_both_paths(number: Any) -> None:
    """NaN and infinities are not JSON: neither path writes them (orjson would write null)."""
    for module in (None, orjson):
        with pytest.raises(ValidationError):
            encode({"x": [number]}, module)


@pytest.mark.parametrize("mantissa", [1.0, 1.5, 9.999999999999998, 1.2345678901234567, 2.2250738585072014])
def test_floats_of_every_exponent_are_written_as_json_dumps_writes_them(mantissa: float) -> None:
    for exponent in range(-330, 309):
        value = mantissa * 10.0**exponent if exponent > -300 else mantissa * 1e-300 * 10.0 ** (exponent + 300)
        if not math.isfinite(value):
            continue  # past the largest double: refused on both paths (see above)
        for number in (value, -value):
            if math.isfinite(number):  # an infinity is refused on both paths (test_adversary_perfdocs.py)
                assert encode([number, "x"], orjson) == encode([number, "x"], None), number


def test_decimals_are_written_exactly_by_orjson(fast: Counting) -> None:
    with ExitStack() as stack:
        body = b"".join(JsonStream({"a": Decimal("0.1000000000000000055511151231257827"), "b": [1]}, stack))
    assert body == b'{"a":0.1000000000000000055511151231257827,"b":[1]}'
    assert fast.dumps_ok == 1  # orjson wrote it, no fallback


def test_files_are_still_streamed_in_base64(fast: Counting) -> None:
    data = os.urandom(100_000)
    with ExitStack() as stack:
        stream = JsonStream({"pdf": File(data), "amount": Decimal("1.10")}, stack)
        chunks = list(stream)
    assert fast.dumps_ok == 1
    assert len(chunks) > 3  # the file arrives in pieces, never as one base64 string
    body = b"".join(chunks)
    assert len(body) == stream.length
    parsed = json.loads(body, parse_float=Decimal)
    assert base64.b64decode(parsed["pdf"]) == data
    assert parsed["amount"] == Decimal("1.10")
    assert body.endswith(b',"amount":1.10}')


@pytest.mark.parametrize(
    "document",
    [
        {"x": 1e-05},  # orjson writes 0.00001
        {"x": 1e-07},  # orjson writes 1e-7
        {"x": 2**64},  # orjson refuses
        {1: "x"},  # orjson refuses non-str keys
        {"x": Colour.RED},  # a str subclass goes to default, which refuses it
    ],
)
def test_what_orjson_writes_differently_falls_back(fast: Counting, document: Any) -> None:
    with ExitStack() as stack:
        body = b"".join(JsonStream(document, stack))
    assert body == json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


class CountingReads(io.BytesIO):
    """A seekable file object that counts its reads (so a test sees a file read for nothing)."""

    reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        return super().read(size)


def test_a_file_is_read_once_when_orjson_falls_back() -> None:
    """A document orjson cannot write (an int beyond 64 bits) is written again by the standard library,
    which marks each file a second time: the first, unused mark must not read (or open) the file too.
    """
    reads = {}
    for name, module in (("stdlib", None), ("orjson", orjson)):
        source = CountingReads(b"%PDF-1.4 tiny")
        body = encode({"pdf": File(source), "n": 2**70}, module)  # orjson meets the file first
        assert body == b'{"pdf":"' + base64.b64encode(b"%PDF-1.4 tiny") + b'","n":1180591620717411303424}'
        reads[name] = source.reads
    assert reads["orjson"] == reads["stdlib"]


@pytest.mark.parametrize("module", [None, orjson], ids=["stdlib", "orjson"])
def test_a_number_refused_while_written_is_named_once(module: Any) -> None:
    """The backstop's ValidationError (a ValueError too) is not wrapped as "not JSON: body: ..."."""
    with pytest.raises(ValidationError) as caught:
        encode({"amount": Decimal("1.5E+400")}, module)
    assert str(caught.value) == "body: numbers must be below 1e308 in magnitude (and above 1e-308)"


def test_refused_values_raise_the_same_error_on_both_paths() -> None:
    for module in (None, orjson):
        with pytest.raises(TypeError, match="set cannot be written as JSON"):
            encode({"x": {1, 2}}, module)


answers = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def render(value: Any) -> str:
    """The answer as a server would send it: Decimals as the JSON numbers they spell (1E+400, 0.10)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}: {render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@settings(max_examples=400, deadline=None)
@given(answers, st.sampled_from(["", " ", "\n\t"]))
@example({"total": 12100, "id": "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", "x": None}, "")
@example({"amount": 1.10, "big": 2**64, "neg": -(2**63) - 1, "u": 2**64 - 1}, "")
@example({"text": "1.5 and 2e3 and 12345678901234567890 in a string"}, "")
@example([Decimal("1E+400"), Decimal("-0.0"), 1e16], " ")
@example({"quoted": 'say "1.5"', "n": 2.5, "after": 'a\\"'}, "")
@example({"version": "v1.0", "hex": "9e9", "n": 7, "big": 10**18}, "")  # digits then ./e in strings only
@example({"plain": "no digits", "n": 1.5, "m": 2e3, "big": 10**19}, "")  # outside only
def test_decoding_gives_the_same_values(value: Any, pad: str) -> None:
    data = (pad + render(value) + pad).encode()
    assert typed(decode(data, orjson)) == typed(decode(data, None))


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf{}",  # UTF-8 BOM: json.loads(bytes) reads it
        '{"a": 1}'.encode("utf-16"),  # json.loads(bytes) detects UTF-16
        b'"\\ud800"',  # a lone surrogate
        b'{"a": 1, "a": 2}',
        b"[1.5e400]",
        b"18446744073709551616",
        b"-9223372036854775809",
    ],
)
def test_what_orjson_reads_differently_gives_the_standard_answer(data: bytes) -> None:
    assert typed(decode(data, orjson)) == typed(json.loads(data, parse_float=Decimal))


@pytest.mark.parametrize("data", [b"", b"{", b'{"a": 1,}', b"\xff", b"[1, 2", b"NaN", b'{"a": Infinity}'])
def test_bad_json_raises_the_standard_error(data: bytes) -> None:
    with pytest.raises(ValueError, match=r".") as fast_error:  # JSONDecodeError, or ValueError: bytes/NaN
        decode(data, orjson)
    with pytest.raises(type(fast_error.value)) as std_error:
        decode(data, None)
    assert str(fast_error.value) == str(std_error.value)


def test_orjson_answers_what_it_can_and_floats_stay_exact(fast: Counting) -> None:
    assert ikjson.loads(b'{"id": "a.5e3", "n": [1, 2], "ok": true}') == {
        "id": "a.5e3",
        "n": [1, 2],
        "ok": True,
    }
    assert fast.loads_calls == 1
    value = ikjson.loads(b'{"total": 12.50, "rate": 1E-7}')
    assert fast.loads_calls == 1  # numbers with a fraction went to the standard library
    assert typed(value) == typed({"total": Decimal("12.50"), "rate": Decimal("1E-7")})


def run(code: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "INVOICEKIT_NO_ORJSON"} | env
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environ
    )
    return out.stdout.strip()


CALL = """
import sys, httpx, invoicekit
from invoicekit import _json
ok = {"isSuccess": True, "responseCode": 1, "responseData": 1, "responseText": "Ok", "roomId": 0}
answer = httpx.Response(200, json=ok)
transport = httpx.MockTransport(lambda request: answer)
http = httpx.Client(transport=transport)
client = invoicekit.Payabli(api_key="t", base_url="https://payabli.test", http_client=http)
before = "orjson" in sys.modules
client.invoices.update(1, invoice_data=invoicekit.payabli.BillData(notes="n"))
print(before, "orjson" in sys.modules, _json.orjson_in_use())
"""


def test_orjson_is_imported_on_the_first_call_not_at_import() -> None:
    assert run(CALL) == "False True True"


def test_an_environment_variable_keeps_the_standard_library() -> None:
    assert run(CALL, INVOICEKIT_NO_ORJSON="1") == "False False False"
