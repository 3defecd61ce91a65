"""One field layer: every provider's request models declare their fields here, and the core checks and
writes them.

A field is declared once, with :meth:`Fields.field`: its *rule* (checks a set value and returns what the
wire carries: a cents integer, a decimal text, an ISO date, a nested model's object), its wire name, and
how ``None`` clears it in this provider (:class:`Clears`: JSON ``null``, ``""``, an empty object, or a
refusal naming why the provider cannot clear it). ``UNSET`` is never sent.

For each model class the core generates, on its first use, ONE function that checks every field and
writes the wire form in a single pass (a small function compiled with ``exec``: measured faster than a
loop over closures). The path of a field inside the document (``invoice_data.items[2].item_cost``) is
built only when a check fails: a rule names its own field, and each enclosing model or list prefixes it
on the way out (:func:`under`). A rule's usual case may be written into that function as code
(``rule.fast``, a test; ``rule.inline``, an :class:`Inline` test and value: text, cents, Invoro's dates and
quantities), so the usual value costs no call; anything else goes to the rule.

DESIGN.md decision 1 ("None clears, in each provider's own form") is this data: each provider's
:class:`Fields` has a default :class:`Clears`, a field may declare its own, and :func:`clearing` reads
them back for a model.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal
from keyword import iskeyword
from typing import Any, Final

import attrs

from . import _checks, _money
from ._errors import ValidationError
from ._files import File
from ._record import Record, _set
from ._unset import UNSET

__all__ = [
    "EMPTY",
    "EMPTY_LIST",
    "JSON_NULL",
    "Clears",
    "Fields",
    "Rule",
    "Spec",
    "cannot_clear",
    "choice",
    "clearing",
    "day",
    "file",
    "flag",
    "json_data",
    "json_key",
    "json_object",
    "member",
    "model",
    "models",
    "money",
    "passed",
    "sequence",
    "sets_something",
    "spec_of",
    "text",
    "text_map",
    "texts",
    "to",
    "under",
    "wire_key",
    "write",
    "write_from",
    "write_values",
    "writer",
]

Rule = Callable[[Any, str], Any]
"""``rule(value, field) -> wire value``: check a set value (never UNSET or None) and return what the wire
carries; raise ``ValidationError(field, rule)`` naming *field* as given (the path is prefixed later)."""

_SPEC: Final = "invoicekit.field"


# -- how None clears ----------------------------------------------------------------------------------------


class Clears(Record):
    """How ``None`` clears a field in one provider: the wire value it writes, or why it cannot.

    *value* is written for ``None`` (a list, tuple or dict is copied each time); *refused*, when set, is
    the rule of the ValidationError ``None`` raises instead (the provider has no way to clear the field).
    """

    __slots__ = ("value", "refused")  # noqa: RUF023 (__init__ order)
    value: Any
    refused: str | None

    def __init__(self, value: Any = None, refused: str | None = None) -> None:
        _set(self, "value", value)
        _set(self, "refused", refused)

    def __repr__(self) -> str:
        if self.refused is not None:
            return f"cannot_clear({self.refused!r})"
        names = {None: "JSON_NULL", "": "EMPTY", (): "EMPTY_LIST"}
        return (
            names.get(self.value, f"to({self.value!r})") if _hashable(self.value) else f"to({self.value!r})"
        )


def _hashable(value: Any) -> bool:
    return isinstance(value, str | tuple) or value is None


JSON_NULL: Final = Clears(None)
"""``None`` is written as JSON ``null`` (Payabli, Invoro's nullable fields)."""
EMPTY: Final = Clears("")
"""``None`` is written as the empty string (Salesbricks' text fields, WHMCS' notes)."""
EMPTY_LIST: Final = Clears(())
"""``None`` is written as an empty list (its encoding is the body's: Salesbricks sends ``[]``)."""


def to(value: Any) -> Clears:
    """``None`` is written as *value* (e.g. Salesbricks' empty object)."""
    return Clears(value)


def cannot_clear(why: str) -> Clears:
    """``None`` raises ValidationError(field, *why*): the provider documents no way to clear the field."""
    return Clears(refused=why)


# -- the declaration -------------------------------------------------------------------------------------


class Spec(Record):
    """One field, as declared: see :meth:`Fields.field`."""

    __slots__ = ("rule", "wire", "clears", "required", "when_unset", "spread", "merge")  # noqa: RUF023 (__init__ order)
    rule: Rule
    wire: str | None
    clears: Clears
    required: str | None
    #: Written after the other fields, when the field is UNSET: ``when_unset(model)`` (a default the
    #: provider needs, derived from another field).
    when_unset: Callable[[Any], Any] | None
    #: The rule returns several wire keys (a mapping), written in the field's place.
    spread: bool
    #: The field's value is a mapping merged into the model's object (``extra_fields``); its rule is
    #: called as ``rule(value, field, taken_keys, model_class)``.
    merge: bool

    def __init__(
        self,
        rule: Rule,
        wire: str | None,
        clears: Clears,
        required: str | None = None,
        when_unset: Callable[[Any], Any] | None = None,
        spread: bool = False,
        merge: bool = False,
    ) -> None:
        _set(self, "rule", rule)
        _set(self, "wire", wire)
        _set(self, "clears", clears)
        _set(self, "required", required)
        _set(self, "when_unset", when_unset)
        _set(self, "spread", spread)
        _set(self, "merge", merge)


class Fields(Record):
    """One provider's field declarations: its name (for messages such as ``must be a payabli.BillItem``),
    its wire naming rule and how ``None`` clears a field there by default.
    """

    __slots__ = ("provider", "clears", "wire_name")  # noqa: RUF023 (__init__ order)
    provider: str
    clears: Clears
    wire_name: Callable[[str], str]

    def __init__(self, provider: str, clears: Clears, wire_name: Callable[[str], str] = str) -> None:
        _set(self, "provider", provider)
        _set(self, "clears", clears)
        _set(self, "wire_name", wire_name)

    def field(
        self,
        rule: Rule,
        *,
        wire: str | None = None,
        clears: Clears | None = None,
        required: str | None = None,
        when_unset: Callable[[Any], Any] | None = None,
        spread: bool = False,
        default: Any = UNSET,
        **kwargs: Any,
    ) -> Any:
        """An attrs field checked by *rule*, sent as *wire* (else the provider's wire name of the
        attribute), ``None`` handled per *clears* (else the provider's default); *required* is the rule of
        the ValidationError a field left UNSET raises (reported after the set fields are checked);
        *spread* says the rule returns several wire keys (a mapping) to write in the field's place.
        Other keyword arguments go to ``attrs.field`` (``converter``, ``kw_only``).
        """
        meta = self.meta(
            rule, wire=wire, clears=clears, required=required, when_unset=when_unset, spread=spread
        )
        if default is attrs.NOTHING:
            return attrs.field(metadata=meta, **kwargs)
        return attrs.field(default=default, metadata=meta, **kwargs)

    def meta(
        self,
        rule: Rule,
        *,
        wire: str | None = None,
        clears: Clears | None = None,
        required: str | None = None,
        when_unset: Callable[[Any], Any] | None = None,
        spread: bool = False,
    ) -> dict[str, Any]:
        """The declaration as attrs metadata, for a field that must stay a literal ``attrs.field(...)``
        call (one with a ``converter``: type checkers read the converter's argument type from it)."""
        return {_SPEC: (self, Spec(rule, wire, clears or self.clears, required, when_unset, spread))}

    def merged(self, rule: Callable[[Any, str, frozenset[str], type], Mapping[str, Any]]) -> Any:
        """A mapping merged into the model's object after its fields (checked and copied by *rule*, which
        gets the keys the model's fields take, its ``reserved_keys`` included, and the model class). An
        empty plain dict (the default) merges nothing: the rule is not called for it."""
        spec = Spec(rule, None, self.clears, merge=True)  # type: ignore[arg-type]
        return attrs.field(factory=dict, kw_only=True, metadata={_SPEC: (self, spec)})


def spec_of(attribute: attrs.Attribute[Any]) -> tuple[Fields, Spec]:
    """The declaration of one attrs field (KeyError for a field not declared with :meth:`Fields.field`)."""
    return attribute.metadata[_SPEC]  # type: ignore[no-any-return]


def wire_key(attribute: attrs.Attribute[Any]) -> str:
    fields, spec = spec_of(attribute)
    return spec.wire or fields.wire_name(attribute.name)


def clearing(cls: type) -> dict[str, Clears]:
    """How ``None`` clears each field of the model *cls* (DESIGN.md decision 1, as data)."""
    return {a.name: spec_of(a)[1].clears for a in attrs.fields(cls) if not spec_of(a)[1].merge}


# -- paths, built only on failure ---------------------------------------------------------------------------


def under(error: ValidationError, prefix: str) -> ValidationError:
    """*error* with its field placed under *prefix* (``items[2]`` + ``amount`` -> ``items[2].amount``)."""
    if not prefix:
        return error
    field = error.field
    joined = prefix if not field else prefix + field if field[0] == "[" else f"{prefix}.{field}"
    return ValidationError(joined, error.rule)


# -- the compiled writer ----------------------------------------------------------------------------------

_WRITERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


class Inline(Record):
    """A rule's usual case as code for the generated writer (set as ``rule.inline``): *test* (a Python
    expression of ``{v}``) holds exactly when the rule would accept the value and give *value* (an
    expression of ``{v}``) for it; *names* are what both use (namespace entries, ``_ik_``-prefixed by
    convention). Any other value is given to the rule, so its checks and messages stay its own."""

    __slots__ = ("names", "test", "value")
    names: dict[str, Any]
    test: str
    value: str

    def __init__(self, test: str, value: str, names: Mapping[str, Any]) -> None:
        _set(self, "test", test)
        _set(self, "value", value)
        _set(self, "names", dict(names))


def inlined(rule: Rule, test: str, value: str, **names: Any) -> Rule:
    """*rule*, with its usual case written into the generated writer (see :class:`Inline`)."""
    rule.inline = Inline(test, value, names)  # type: ignore[attr-defined]
    return rule


#: How many classes the writer (and setter) caches hold at most (far more than the providers' models).
MAX_CACHED = 1024


def write(obj: Any, path: str = "") -> dict[str, Any]:
    """Check every field of the model *obj* (and the models inside it) and return its wire object.

    A bad value raises ValidationError naming its path under *path*; nothing is written halfway.
    """
    writer = _WRITERS.get(type(obj)) or _compile(type(obj))
    try:
        return writer(obj)
    except ValidationError as exc:
        raise under(exc, path) from None


def write_values(cls: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`write` gives for ``cls(**values)``, without making the instance: *values* names
    every field of *cls* (a private model of an operation's keywords, such as Salesbricks' update),
    read by *cls*'s writer from a plain namespace (a frozen attrs instance costs a setattr per field).
    """
    if values.keys() != _names(cls):
        return write(cls(**values))  # a field missing or unknown: the class itself says how
    return (_WRITERS.get(cls) or _compile(cls))(types.SimpleNamespace(**values))


_BY_KEY: dict[type, Callable[[Any], dict[str, Any]]] = {}


def write_from(cls: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`write_values` gives for *cls* and the items of *values* that name its fields: *values*
    holds every field of *cls* and may hold other keys (an operation's ``locals()``), read in place by a
    writer that takes each field by its key (no namespace made, no copy of the values).
    """
    names = _names(cls)
    fn = _BY_KEY.get(cls)
    if fn is None or not names <= values.keys():
        if not names <= values.keys() or not _by_key_ok(cls):
            return write_values(cls, {name: values[name] for name in names if name in values})
        fn = _compile(cls, by_key=True)
    return fn(values)


def _by_key_ok(cls: type) -> bool:
    """Whether every field of *cls* is declared and written from its own value alone."""
    for a in attrs.fields(cls):
        if _SPEC not in a.metadata or not a.name.isidentifier():
            return False
        spec = spec_of(a)[1]
        if spec.merge or spec.when_unset is not None:
            return False
    return True


_NAMES: dict[type, frozenset[str]] = {}


def _names(cls: type) -> frozenset[str]:
    names = _NAMES.get(cls)
    if names is None:
        if len(_NAMES) >= MAX_CACHED:
            _NAMES.clear()
        names = _NAMES[cls] = frozenset(a.name for a in attrs.fields(cls))
    return names


def writer(cls: type) -> Callable[[Any], dict[str, Any]]:
    """The one function that checks and writes a model of *cls* (generated on first use, then cached)."""
    return _WRITERS.get(cls) or _compile(cls)


def _literal(text: Any) -> str:
    """*text* (a field's name or wire key) as a Python string literal: ``str.__repr__`` of its plain str,
    never the object's own ``__repr__`` (a user's str subclass could make that code)."""
    if not isinstance(text, str):
        raise TypeError(f"a field's name and wire key must be str, not {type(text).__name__}")
    return str.__repr__(str.__str__(text))


def _compile(cls: type, *, by_key: bool = False) -> Callable[[Any], dict[str, Any]]:
    # The generated source holds only literals made by _literal() and names made here: nothing of a
    # model's own (a user's subclass declares names and wire keys) is ever written into it as code.
    ns: dict[str, Any] = {
        "UNSET": UNSET,
        "VE": ValidationError,
        "_copy": _copy,
        "_get": getattr,
        "_wget": _WRITERS.get,
        "_compile": _compile,
        "_under": under,
        "_many": _many,
    }
    body = ["def write(obj, UNSET=UNSET):", "    out = {}", "    missing = None"]  # UNSET: a local, read fast
    tail: list[str] = []
    merge: list[str] = []
    taken = set(getattr(cls, "reserved_keys", ()))
    for i, a in enumerate(attrs.fields(cls)):
        name = _literal(a.name)
        if by_key:  # a mapping of the field names (see write_from)
            get = f"obj[{name}]"
        else:
            get = f"obj.{a.name}" if a.name.isidentifier() and not iskeyword(a.name) else f"_get(obj, {name})"
        if _SPEC not in a.metadata:  # e.g. a field a user's subclass added: never sent silently, never lost
            ns[f"why{i}"] = f"is not a field {cls.__name__} declares for the wire, so it cannot be sent"
            body.append(f"    raise VE({name}, why{i})")
            continue
        _, spec = spec_of(a)
        if spec.merge:
            ns[f"r{i}"] = spec.rule
            merge.append(f"    v = {get}")
            merge.append(f"    if type(v) is not dict or v: out.update(r{i}(v, {name}, taken, cls))")
            continue
        wire = wire_key(a)
        key = _literal(wire)
        taken.add(str.__str__(wire))
        ns[f"r{i}"] = spec.rule
        # UNSET (most fields of most models) is tested first: it then costs one test, not two. The set
        # value's code is one expression where it can be (less source to compile on the first call).
        body.append(f"    v = {get}")
        if spec.required is not None:
            ns[f"req{i}"] = spec.required
            body.append("    if v is UNSET:")
            body.append(f"        if missing is None: missing = ({name}, req{i})")
            body.append("    else:")
        else:
            body.append("    if v is not UNSET:")
        many = getattr(spec.rule, "items", None)
        nested = many or getattr(spec.rule, "model", None)
        fast = getattr(spec.rule, "fast", None)
        inline: Inline | None = getattr(spec.rule, "inline", None)
        value: str | None = None  # the wire value of a set value that is not None, as one expression
        if spec.spread:
            pass
        elif isinstance(nested, type):
            # A nested model (or list of them) of exactly the declared class: its writer called from here,
            # the path prefixed as the rule would; anything else (a subclass, a wrong type) takes the rule.
            ns[f"m{i}"] = nested
            if many:  # one call for the list (its items written by their writer, from there)
                value = f"_many(v, m{i}, {name}, r{i}) if type(v) is list else r{i}(v, {name})"
        elif inline is not None:
            # The rule's usual case written as code (its test, the wire value it gives, the names they
            # use): no call, and the rule's own code is not run; anything else takes the rule.
            for known, obj in inline.names.items():
                if ns.setdefault(known, obj) is not obj:
                    raise TypeError(f"{cls.__name__}.{a.name}: the inline name {known!r} is taken")
            test, quick = inline.test.format(v="v"), inline.value.format(v="v")
            value = f"{quick} if {test} else r{i}(v, {name})"
        elif fast is not None:
            # The rule's usual value, checked here (the rule's own quick test, written as code): the value
            # goes out as it is; anything else takes the rule and its messages.
            value = f"v if {fast.format(v='v')} else r{i}(v, {name})"
        else:
            value = f"r{i}(v, {name})"
        if spec.clears.refused is not None:
            ns[f"why{i}"] = spec.clears.refused
            cleared = None
            body.append(f"        if v is None: raise VE({name}, why{i})")
        elif isinstance(spec.clears.value, list | tuple | dict):
            ns[f"c{i}"] = spec.clears.value
            cleared = f"_copy(c{i})"
        else:
            ns[f"c{i}"] = spec.clears.value
            cleared = f"c{i}"
        if value is not None:
            body.append(
                f"        out[{key}] = {value if cleared is None else f'{cleared} if v is None else {value}'}"
            )
        else:
            body.extend(_statements(i, key, name, cleared, spread=spec.spread))
        if spec.when_unset is not None:
            ns[f"d{i}"] = spec.when_unset
            tail.append(f"    if {get} is UNSET: out[{key}] = d{i}(obj)")
    body.append("    if missing is not None: raise VE(*missing)")
    ns["taken"] = frozenset(taken)
    ns["cls"] = cls
    source = "\n".join([*body, *tail, *merge, "    return out", ""])
    exec(compile(source, f"<invoicekit fields of {cls.__qualname__}>", "exec"), ns)  # noqa: S102
    fn: Callable[[Any], dict[str, Any]] = ns["write"]
    cache = _BY_KEY if by_key else _WRITERS
    if len(cache) >= MAX_CACHED:  # a program that makes classes without end: start again, bounded
        cache.clear()
    cache[cls] = fn
    return fn


def _statements(i: int, key: str, name: str, cleared: str | None, *, spread: bool) -> list[str]:
    """The generated writer's code for a set field whose value is written by a statement: a spread rule's
    keys, or a nested model (its writer, the path prefixed as the rule would); *cleared*: what None
    writes (None: None was refused before)."""
    ind = "        "
    lines = []
    if cleared is not None:
        lines += [f"        if v is None: out[{key}] = {cleared}", "        else:"]
        ind = "            "
    if spread:
        return [*lines, f"{ind}out.update(r{i}(v, {name}))"]
    return [
        *lines,
        f"{ind}if type(v) is m{i}:",
        f"{ind}    try:",
        f"{ind}        out[{key}] = (_wget(m{i}) or _compile(m{i}))(v)",
        f"{ind}    except VE as exc:",
        f"{ind}        raise _under(exc, {name}) from None",
        f"{ind}else:",
        f"{ind}    out[{key}] = r{i}(v, {name})",
    ]


def _many(value: list[Any], cls: type, field: str, rule: Rule) -> list[Any]:
    """A list of models of exactly *cls*, each written by its writer (an error's path as *rule* names it);
    a list holding anything else is written by *rule* itself."""
    write_ = _WRITERS.get(cls) or _compile(cls)
    items: list[Any] = []
    try:
        for item in value:
            if type(item) is not cls:
                break
            items.append(write_(item))
        else:
            return items
    except ValidationError as exc:
        raise under(exc, f"{field}[{len(items)}]") from None
    return rule(value, field)  # type: ignore[no-any-return]  # (its own paths, outside the handler)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else dict(value)


_SETTERS: dict[type, tuple[tuple[str, type | None, bool], ...]] = {}


def sets_something(obj: Any) -> bool:
    """Whether the model *obj* sets anything: a field not UNSET, a nested model that sets something, a
    field with a factory default (``extra_fields``) not equal to the empty value it starts with. The rule
    of :func:`invoicekit._checks.some_change`, read from the declarations once per class.
    """
    plan = _SETTERS.get(type(obj)) or _setters(type(obj))
    for name, nested, factory in plan:
        value = getattr(obj, name)
        if value is UNSET or (factory and not value):
            continue
        # A nested model (a user's subclass too) sets something only if one of its fields does.
        if nested is None or not isinstance(value, nested) or sets_something(value):
            return True
    return False


def _setters(cls: type) -> tuple[tuple[str, type | None, bool], ...]:
    plan = tuple(
        (
            a.name,
            getattr(spec_of(a)[1].rule, "model", None) if _SPEC in a.metadata else None,
            isinstance(a.default, attrs.Factory),  # type: ignore[arg-type]
        )
        for a in attrs.fields(cls)
    )
    # Plain fields first, nested models last (a stable sort): the answer is the same in any order, and a
    # plain field that is set ends the test before any nested model is walked.
    plan = tuple(sorted(plan, key=lambda entry: entry[1] is not None))
    if len(_SETTERS) >= MAX_CACHED:
        _SETTERS.clear()
    _SETTERS[cls] = plan
    return plan


# -- rules -----------------------------------------------------------------------------------------------


def sequence(value: object, field: str) -> Sequence[Any]:
    """*value* if it is a list (or another sequence, a str or bytes excepted): the one "must be a list"."""
    if type(value) is list or type(value) is tuple:
        return value
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValidationError(field, f"must be a list, not {type(value).__name__}")
    return value


def passed(value: Any, field: str) -> Any:
    """A value checked when the model was made (an attrs converter): written as it is."""
    return value


def member(value: enum.Enum, field: str) -> Any:
    """An enum member (converted when the model was made): written as its value. Anything else (a model
    changed behind its converter, ``object.__setattr__``) is refused, never sent unchecked."""
    if not isinstance(value, enum.Enum):
        raise ValidationError(field, f"must be a member of its enum, not {type(value).__name__}")
    return value.value


def file(value: Any, field: str) -> File:
    """A :class:`File` (made by the model's converter): anything else is refused, never sent unchecked."""
    if not isinstance(value, File):
        raise ValidationError(field, f"must be a file (set through the model), not {type(value).__name__}")
    return value


def text(max_len: int | None = None, *, allow_empty: bool = True) -> Rule:
    """A str (no NUL, no lone surrogate), at most *max_len* characters."""

    limit = -1 if max_len is None else max_len

    def rule(value: Any, field: str) -> str:
        # The usual value, checked in place: a plain ASCII str without NUL, within the limit, not blank
        # where that is refused. Anything else takes the full check (and its message).
        if (
            type(value) is str
            and value.isascii()
            and "\0" not in value
            and (limit < 0 or len(value) <= limit)
            and (allow_empty or (not value.isspace() and value))
        ):
            return value
        return _checks.text(value, field, max_len=max_len, allow_empty=allow_empty)

    # The same quick case, for the generated writer (no call for it).
    quick = "type({v}) is str and {v}.isascii() and '\\0' not in {v}"
    if limit >= 0:
        quick += f" and len({{v}}) <= {int(limit)}"
    if not allow_empty:
        quick += " and {v} and not {v}.isspace()"
    rule.fast = f"({quick})"  # type: ignore[attr-defined]
    return rule


def texts(value: Any, field: str) -> list[str]:
    """A list of str."""
    out = []
    for i, item in enumerate(sequence(value, field)):
        if type(item) is not str or "\0" in item or not item.isascii():
            item = _checks.text(item, f"{field}[{i}]")
        out.append(item)
    return out


def money(form: str = "number", *, allow_negative: bool = True) -> Rule:
    """An amount (Decimal or int, never a float), written as *form*: ``"number"`` (a JSON number in
    major units), ``"cents"`` (an integer of cents, a fraction of a cent refused) or ``"text"`` (plain
    decimal notation, as a form carries it).
    """
    if form == "cents":
        test, value, names = _money.cents_inline(allow_negative)
        return inlined(
            lambda value, field: _money.to_cents(value, field, allow_negative=allow_negative),
            test,
            value,
            **names,
        )
    if form == "number":
        return lambda value, field: _money.money(value, field, allow_negative=allow_negative)
    if form == "text":
        return lambda value, field: _money.decimal_text(
            _money.money(value, field, allow_negative=allow_negative)
        )
    raise ValueError(f"unknown money form {form!r}")


def _midnight_utc(value: dt.date) -> str:
    return f"{dt.date.isoformat(value)}T00:00:00Z"  # the date's, never a subclass's own isoformat


def day(form: str = "iso") -> Rule:
    """A calendar date (a datetime refused: its time would be lost), written ``YYYY-MM-DD`` (``"iso"``)
    or as midnight UTC (``"midnight_utc"``: ``YYYY-MM-DDT00:00:00Z``).
    """
    write_ = dt.date.isoformat if form == "iso" else _midnight_utc
    if form not in {"iso", "midnight_utc"}:
        raise ValueError(f"unknown date form {form!r}")
    return lambda value, field: write_(_checks.date(value, field))


def flag(form: str = "json") -> Rule:
    """A real bool, written as JSON true/false (``"json"``) or the text ``"true"``/``"false"``."""
    if form == "json":
        return _checks.boolean
    if form == "text":
        return lambda value, field: "true" if _checks.boolean(value, field) else "false"
    raise ValueError(f"unknown flag form {form!r}")


def choice(allowed: Collection[Any]) -> Rule:
    """One of *allowed*."""
    return lambda value, field: _checks.choice(value, field, allowed)


def model(cls: type, provider: str) -> Rule:
    """A nested model of *cls*, written by its own compiled function."""
    article = "an" if provider[:1] in "aeiou" else "a"

    def rule(value: Any, field: str) -> dict[str, Any]:
        if type(value) is not cls and not isinstance(value, cls):
            raise ValidationError(
                field, f"must be {article} {provider}.{cls.__name__}, not {type(value).__name__}"
            )
        kind = type(value)  # a user's subclass is written by its own writer (its fields, its rules)
        try:
            return (_WRITERS.get(kind) or _compile(kind))(value)
        except ValidationError as exc:
            raise under(exc, field) from None

    rule.model = cls  # type: ignore[attr-defined]  # read by sets_something
    return rule


def models(cls: type, provider: str) -> Rule:
    """A list of models of *cls*."""
    one = model(cls, provider)

    def rule(value: Any, field: str) -> list[Any]:
        return [_item(one, item, field, i) for i, item in enumerate(sequence(value, field))]

    rule.items = cls  # type: ignore[attr-defined]  # read by the generated writer
    return rule


def _item(rule: Rule, item: Any, field: str, index: int) -> Any:
    try:
        return rule(item, "")
    except ValidationError as exc:
        raise under(exc, f"{field}[{index}]") from None


def json_data(value: Any, field: str, depth: int = 0, *, files: bool = False, max_depth: int = 64) -> Any:
    """Pass-through JSON data (str, int, Decimal, bool, None, dict, list; a :class:`File` too when *files*),
    written as a plain copy. Floats, non-finite or oversized numbers, lone surrogates, non-str keys and
    nesting deeper than *max_depth* are refused.
    """
    kind = type(value)
    if kind is str:
        return value if value.isascii() else _checks.utf8(value, field)
    if value is None or kind is bool:
        return value
    if kind is int:
        return _checks.json_number(value, field)
    if depth > max_depth:
        raise ValidationError(field, f"nested more than {max_depth} levels deep")
    if isinstance(value, float):
        raise ValidationError(field, "floats are refused (money must be exact): use decimal.Decimal or int")
    if isinstance(value, str):
        return _checks.utf8(value, field)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return _checks.json_number(value, field)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(field, f"JSON object keys must be str, not {key!r}")
            key = json_key(key, field, out)
            try:
                out[key] = json_data(item, "", depth + 1, files=files, max_depth=max_depth)
            except ValidationError as exc:
                raise under(exc, f"{field}[{key!r}]") from None
        return out
    if isinstance(value, list | tuple):
        items = []
        for i, item in enumerate(value):
            try:
                items.append(json_data(item, "", depth + 1, files=files, max_depth=max_depth))
            except ValidationError as exc:
                raise under(exc, f"{field}[{i}]") from None
        return items
    if files and isinstance(value, File):
        return value
    raise ValidationError(field, f"{type(value).__name__} is not JSON data")


def json_key(key: str, field: str, taken: Collection[str]) -> str:
    """A JSON object key, as the plain str it spells (a subclass's own ``__eq__``/``__hash__`` could sit
    beside the same text in a dict, and JSON would carry the key twice); a key already in *taken* is refused.
    """
    key = key if type(key) is str else str.__str__(key)
    if not key.isascii():
        _checks.utf8(key, field)
    if key in taken:
        raise ValidationError(f"{field}[{key!r}]", "this key is given twice (as two keys with the same text)")
    return key


def text_map(value: Any, field: str, *, kind: str = "a dict", empty_keys: bool = True) -> dict[str, str]:
    """A mapping of str to str (*kind* names it in the refusal), each key once as the plain str it spells."""
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"must be {kind}, not {type(value).__name__}")
    out: dict[str, str] = {}
    for key, item in value.items():
        name = json_key(_checks.text(key, f"{field} key", allow_empty=empty_keys), field, out)
        out[name] = _checks.text(item, f"{field}[{name!r}]")
    return out


def json_object(value: Any, field: str) -> dict[str, Any]:
    """A mapping of str keys to JSON data."""
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"must be a dict, not {type(value).__name__}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        key = json_key(_checks.text(key, f"{field} key"), field, out)
        try:
            out[key] = json_data(item, "")
        except ValidationError as exc:
            raise under(exc, f"{field}[{key!r}]") from None
    return out
