"""Path building: an ID is always exactly one segment and can never change the route."""

from urllib.parse import unquote

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from invoicekit import ValidationError
from invoicekit._paths import render_path

TEMPLATE = "/invoices/{invoice}/pdf"
HOSTILE = [
    "a/b",
    "../x",
    "..%2F..",
    "%2e%2e",
    "a?admin=true",
    "a#frag",
    "a b",
    "100%",
    "a\\b",
    "external:A/B",
    "external:",
    "ünïcødé",
    "日本語",
    "a;b",
    "a,b",
    "@user",
    "x" * 2048,
    "+plus",
    "~tilde",
    "a&b=c",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_ids_stay_one_segment(raw: str) -> None:
    """Every hostile ID ends up as one segment that decodes back to itself."""
    path = render_path(TEMPLATE, {"invoice": raw})
    url = httpx.URL("https://api.example.test/v1" + path)
    segments = url.raw_path.decode().split("/")
    assert segments[:3] == ["", "v1", "invoices"]
    assert segments[4] == "pdf"
    assert len(segments) == 5
    assert unquote(segments[3]) == raw
    assert url.query == b""
    assert url.fragment == ""


def test_colon_and_at_stay_literal() -> None:
    """Upflow's `external:` prefix is kept as typed; `/` and space inside the ID are escaped."""
    assert render_path(TEMPLATE, {"invoice": "external:INV 7/b@x"}) == "/invoices/external:INV%207%2Fb@x/pdf"


@pytest.mark.parametrize("raw", ["", ".", "..", "   ", "a\nb", "a\rb", "a\0b", "\x7f", "x" * 2049])
def test_unusable_ids_are_refused(raw: str) -> None:
    """Empty, dot segments, control characters and overlong IDs raise ValidationError naming the ID."""
    with pytest.raises(ValidationError) as info:
        render_path(TEMPLATE, {"invoice": raw})
    assert info.value.field == "invoice"


@given(st.text(min_size=1, max_size=80).filter(lambda s: s.strip() not in {"", ".", ".."}))
def test_no_id_changes_the_route(raw: str) -> None:
    """For any text, the path either is refused or keeps the template's segments with the ID decoded back."""
    try:
        path = render_path(TEMPLATE, {"invoice": raw})
    except ValidationError:
        assert any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw)
        return
    url = httpx.URL("https://h.test" + path)
    parts = url.raw_path.decode().split("/")
    assert len(parts) == 4
    assert parts[1] == "invoices"
    assert parts[3] == "pdf"
    assert unquote(parts[2]) == raw


class _Loud(str):
    def __str__(self) -> str:
        return "evil"


class _Count(int):
    def __repr__(self) -> str:
        return "evil"


def _rendered(template: str, ids: dict[str, object]) -> str | tuple[str, str]:
    try:
        return render_path(template, ids)
    except ValidationError as exc:
        return (exc.field, exc.rule)


def _one_and_two(value: object) -> tuple[object, object]:
    """The ID rendered by a one-ID template (its own fast path) and by a two-ID one (the general loop),
    each path's ID part, or the refusal's field and rule."""
    one = _rendered("/a/{x}/b", {"x": value})
    two = _rendered("/a/{x}/{y}", {"x": value, "y": "b"})
    return one, two


@given(st.text(max_size=40) | st.integers() | st.builds(_Loud, st.text(max_size=10)))
@example("")
@example("..")
@example("a\nb")
@example("x" * 2049)
def test_a_one_id_template_renders_its_id_as_the_general_path_does(value: object) -> None:
    """One-ID templates skip the list and the per-segment call: the same path, or the same refusal."""
    one, two = _one_and_two(value)
    assert one == two


def test_a_str_or_int_subclass_is_sent_as_what_it_holds() -> None:
    assert _one_and_two(_Loud("a b")) == ("/a/a%20b/b", "/a/a%20b/b")
    assert _one_and_two(_Count(42)) == ("/a/42/b", "/a/42/b")
    assert _one_and_two(7) == ("/a/7/b", "/a/7/b")
