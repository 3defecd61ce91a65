"""Answers -> attrs result classes: one function per class, generated (``exec``) on its first use.

A provider declares a reader once, ``READ = reader(InvoiceResponse, wire_name=camel)``, and its parser
calls ``READ(data)``. The first call generates, for the class and every class nested in it, a function
that reads a decoded JSON object in one pass: each field's wire key (the provider's naming rule, or
``wire("name")`` in the field's metadata), its type checked as written, a missing key -> the field's
default (a field without one is required), unknown keys -> the ``extra()`` bag when the class has one.
No cattrs: nothing is imported on the first answer, and a call pays a few dict lookups per field.
The reader a :class:`Reader` enters is generated for the keys of the answer it reads (in their order):
it holds code only for the fields present (an absent one takes its default; its annotation is not even
evaluated), so a call runs less code and the first call compiles less. An answer with other keys gets
its own (up to :data:`MAX_SHAPES` per reader), else the reader of every field: the same model, or the
same DecodeError, either way.

What each annotation accepts (a decoded JSON value; anything else is a mismatch):

- ``str``, ``bool``: exactly that JSON type; ``int``: a JSON integer (never ``true``) or its decimal text
  (WHMCS sends ids as text), at most :data:`~invoicekit._convert.MAX_DIGITS` digits.
- ``Decimal``: :func:`~invoicekit._convert.amount` (a number or its text, finite); ``datetime``: ISO 8601
  text (``Z`` read); ``date``: ISO text (the first 10 characters, so a date-time reads as its date).
- an ``Enum``: one of its values; ``list[T]``, ``tuple[T, ...]``, ``Sequence[T]``: a JSON list;
  ``dict[str, Any]`` / ``Mapping[str, Any]``: a JSON object (copied); ``Any``: the value as decoded.
- ``T | None``: null or a ``T``; a union of ``str``/``int``/``bool``(/``None``) takes exactly those JSON
  types, as they are (no text read as a number); ``Unset`` in a union is ignored (an answer never holds
  it); a nested attrs class: its own generated reader.

A mismatch is a :class:`DecodeError` "the answer does not fit X (why @ $.where)" naming the wire path
and the kind of value found (never the value: an answer may echo a credential), raised outside any
``except`` so nothing is chained. The client core re-raises it with the real status and provider.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Generic, TypeVar

import attrs

from ._convert import _EXTRA, _WIRE, MAX_DIGITS, amount, iso_datetime, json_kind
from ._errors import bad_answer
from ._unset import Unset

__all__ = ["Path", "Reader", "by_hand", "reader"]

T = TypeVar("T")
_MISSING: Any = object()
_LIMIT = 10**MAX_DIGITS
_WHOLE = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}").fullmatch
_unknown_keys = itertools.filterfalse


class _Mismatch(Exception):
    """Internal: where (wire keys and indexes, innermost last) and why an answer does not fit."""

    def __init__(self, why: str, where: tuple[str | int, ...]) -> None:
        super().__init__(why)
        self.why = why
        self.where = where

    def at(self, *outer: str | int) -> _Mismatch:
        self.where = (*outer, *self.where)
        return self

    def text(self) -> str:
        return f"{self.why} @ {_path_text(self.where)}"


def _path_text(where: Sequence[str | int]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where)


class Reader(Generic[T]):
    """Reads a decoded answer into *cls*; see :func:`reader`. Generated on the first call."""

    __slots__ = ("_fn", "_shapes", "cls", "wire_name")

    def __init__(self, cls: type[T], wire_name: Callable[[str], str]) -> None:
        self.cls = cls
        self.wire_name = wire_name
        self._fn: Callable[[Any, Any], T] | None = None  # the reader of any answer (every field's code)
        #: The readers of the answers' key lists seen (each with code only for the fields present).
        self._shapes: dict[tuple[str, ...], Callable[[Any, Any], T]] = {}

    def __repr__(self) -> str:
        return f"Reader({self.cls.__qualname__})"

    def __call__(self, data: Any) -> T:
        # The first call only: generate the reader, then make this instance's class a subclass whose
        # ``__call__`` IS the generated entry (see _generate's *entry*: the class's reader with the
        # DecodeError handler inside it), so every later call runs one generated frame, not this one too.
        # The entry is the reader of this first answer's keys, in their order (most endpoints answer
        # the same keys every time); an answer with other keys takes _other (see _generate's *keys*).
        keys = _keys(data)
        if keys is None:
            fn = self._fn = _generate(self.cls, self.wire_name, {}, entry=True)
        else:
            fn = self._shapes[keys] = _generate(self.cls, self.wire_name, {}, entry=True, keys=keys)
        self.__class__ = type("Reader", (Reader,), {"__slots__": (), "__call__": fn})
        return fn(self, data)  # type: ignore[no-any-return]


#: How many key lists of one reader get their own reader at most; answers with more (a server answering
#: different keys each time) are read by the reader of every field: compiled code stays bounded.
MAX_SHAPES = 16


#: An answer with more keys is read by the reader of every field: a reader of its keys would keep them
#: (a hostile answer's thousands of keys held for good) and compare them all on every call.
MAX_SHAPE_KEYS = 64


def _keys(data: Any) -> tuple[str, ...] | None:
    """*data*'s keys in order, when it is a dict of at most MAX_SHAPE_KEYS keys, all plain str."""
    if type(data) is not dict or len(data) > MAX_SHAPE_KEYS:
        return None
    keys = tuple(data)
    return keys if all(type(k) is str for k in keys) else None


def _other(self: Reader[T], data: Any) -> T:
    """An answer whose keys are not the entry's: the reader of its keys (made once, up to MAX_SHAPES of
    them), else the reader of every field (which also says why a non-object does not fit)."""
    keys = _keys(data)
    if keys is not None:
        fn = self._shapes.get(keys)
        if fn is None and len(self._shapes) < MAX_SHAPES:
            fn = self._shapes[keys] = _generate(self.cls, self.wire_name, {}, entry=True, keys=keys)
        if fn is not None:
            return fn(self, data)
    full = self._fn
    if full is None:
        full = self._fn = _generate(self.cls, self.wire_name, {}, entry=True)
    return full(self, data)


def reader(cls: type[T], *, wire_name: Callable[[str], str] = str) -> Reader[T]:
    """A reader of answers into the attrs class *cls*; *wire_name* maps attribute names to wire keys
    (``camel`` for Payabli), for *cls* and the classes nested in it. Nothing is generated until it is
    first called.
    """
    return Reader(cls, wire_name)


#: The path a hand-written reader is at (wire keys and list indexes, outermost first), set as it goes.
Path = list[str | int]
#: What reading by hand may raise on an answer of the wrong shape (``int("x")``, ``None["k"]``, ``NaN`` ...).
_BY_HAND_ERRORS = (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError)


def by_hand(what: str, read: Callable[[Any, Path], T], data: Any) -> T:
    """``read(data, where)`` for an answer read by hand (not by a generated :class:`Reader`), *read* keeping
    *where* at the path it reads. A TypeError, ValueError, ArithmeticError, AttributeError, KeyError or
    IndexError it raises becomes the DecodeError "the answer does not fit *what* (ValueError @ $.items[0].x)":
    the exception's type name and the path, never its text (``int()``'s message quotes the value, and an
    answer may echo a credential). The DecodeError is raised after the handler has ended, so neither its
    ``__cause__`` nor its ``__context__`` holds the original (a context manager raising from ``__exit__``
    would chain it as ``__context__``: hence a function).
    """
    where: Path = []
    try:
        return read(data, where)
    except _BY_HAND_ERRORS as exc:
        why = type(exc).__name__
    raise bad_answer(f"the answer does not fit {what} ({why} @ {_path_text(where)})")


def _fail(why: str, value: Any, where: tuple[str | int, ...]) -> _Mismatch:
    return _Mismatch(f"expected {why}, got {json_kind(value)}", where)


def _decimal(value: Any, where: tuple[str | int, ...]) -> Decimal:
    if type(value) is Decimal and value.is_finite() and (not value or value.adjusted() < MAX_DIGITS):
        return value  # what amount() gives for it, without the round trip through text
    try:
        return amount(value)
    except (TypeError, ValueError, ArithmeticError):
        pass
    raise _fail("a finite number", value, where)  # outside the handler: nothing chained


def _decimal_code(src: str, where: str) -> str:
    """:func:`_decimal` of *src* as generated code: its quick case (a plain finite Decimal, the JSON
    decoder's) written in place, anything else the call."""
    quick = (
        f"type({src}) is _Decimal and {src}.is_finite() and (not {src} or {src}.adjusted() < {MAX_DIGITS})"
    )
    return f"{src} if {quick} else _decimal({src}, {where})"


def _moment(read: Callable[[str], Any], what: str) -> Callable[[Any, tuple[str | int, ...]], Any]:
    def convert(value: Any, where: tuple[str | int, ...]) -> Any:
        if isinstance(value, str):
            try:
                return read(value)
            except ValueError:
                pass
        raise _fail(what, value, where)

    return convert


_datetime = _moment(iso_datetime, "an ISO 8601 date-time")
_date = _moment(lambda text: dt.date.fromisoformat(text[:10]), "an ISO 8601 date")


def _enum(kind: type[enum.Enum], value: Any, where: tuple[str | int, ...]) -> Any:
    if not isinstance(value, bool):
        try:
            return kind(value)
        except ValueError:
            pass
    raise _Mismatch(f"expected one of the values of {kind.__name__}, got {json_kind(value)}", where)


#: The annotations read by one function, by its name in the generated code.
_MADE_BY: dict[Any, str] = {Decimal: "_decimal", dt.datetime: "_datetime", dt.date: "_date"}

_SCALAR_CHECKS = {
    str: ("isinstance({v}, str)", "a string"),
    int: ("type({v}) is int", "an integer"),
    bool: ("type({v}) is bool", "true or false"),
    type(None): ("{v} is None", "null"),
}


def _hints(cls: type, only: frozenset[str] | None = None) -> dict[str, Any]:
    """``typing.get_type_hints(cls)``, each distinct annotation text of a class evaluated once (as typing
    does it: in the module of the class that declares it, over the class's own names), not once per field:
    each evaluation is a ``compile()`` on the first call, and a class repeats ``str | None`` a dozen times.
    *only*: the fields whose hints are needed (None: all); the others are not evaluated.
    """
    hints: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        annotations = vars(base).get("__annotations__")
        if not annotations:
            continue
        module = getattr(sys.modules.get(base.__module__), "__dict__", {})
        scope = dict(vars(base))
        seen: dict[str, Any] = {}
        for name, value in annotations.items():  # (reading a provider's lazy-model hints loads them)
            if only is not None and name not in only:
                continue
            if isinstance(value, str):
                if value not in seen:
                    seen[value] = eval(value, scope, module)  # noqa: S307 (the class's own annotation)
                value = seen[value]
            hints[name] = type(None) if value is None else value
    if any(_quoted(v) for v in hints.values()):  # text inside a type (``list["Line"]``): typing's own way
        return typing.get_type_hints(cls)
    return hints


def _quoted(kind: Any) -> bool:
    """Whether typing would give something else than *kind*: text inside it (``list["Line"]``, a Callable's
    parameter list included) or ``Annotated`` anywhere (which ``get_type_hints`` strips)."""
    if isinstance(kind, list):
        return any(_quoted(a) for a in kind)
    return (
        isinstance(kind, str | typing.ForwardRef)
        or typing.get_origin(kind) is typing.Annotated
        or any(_quoted(a) for a in typing.get_args(kind))
    )


def _generate(
    cls: type,
    wire_name: Callable[[str], str],
    done: dict[type, str],
    *,
    entry: bool = False,
    keys: tuple[str, ...] | None = None,
) -> Callable[..., Any]:
    """Write and exec one reader for *cls* (and, first, for the attrs classes its fields hold).

    *entry*: the reader a :class:`Reader` calls, ``read(self, data)``, its body inside the one handler
    that turns a mismatch into the DecodeError (raised after the handler ends: nothing chained), so a
    call costs one frame.

    *keys* (an entry only): the reader of answers holding exactly these keys, in this order; it has code
    only for the fields they hold (an absent field takes its default, its annotation not even read, and
    a required one is missing at its place in the order, as in the reader of every field), and its
    unknown keys are known. An answer with other keys goes to :func:`_other`.
    """
    ns: dict[str, Any] = {
        "_M": _Mismatch,
        "_fail": _fail,
        "_MISSING": _MISSING,
        "_LIMIT": _LIMIT,
        "_WHOLE": _WHOLE,
        "_decimal": _decimal,
        "_Decimal": Decimal,
        "_datetime": _datetime,
        "_date": _date,
        "_enum": _enum,
        "cls": cls,
    }
    done[cls] = "busy"
    fields = [a for a in attrs.fields(cls) if a.init]
    bag = next((a for a in fields if a.metadata.get(_EXTRA)), None)
    present = None if keys is None else frozenset(keys)
    if present is None:
        hints = _hints(cls)
        lines = [
            "def read(data):",
            "    if type(data) is not dict:",
            "        raise _fail('an object', data, ())",
        ]
    else:
        hints = _hints(cls, frozenset(a.name for a in fields if _key(a, wire_name) in present))
        ns["_KEYS"] = keys
        ns["_other"] = _other
        lines = [
            "def read(data):",
            "    if type(data) is not dict or tuple(data) != _KEYS:",
            "        return _other(self, data)",
        ]
    known: set[str] = set()
    args: list[str] = []
    sets: list[tuple[str, str]] = []  # (attribute, the local holding its value)
    counter = iter(range(1_000_000))

    def convert(kind: Any, src: str, dst: str, where: str, ind: str) -> list[str]:
        origin, params = typing.get_origin(kind), typing.get_args(kind)
        if kind is Any or kind is object:
            return [f"{ind}{dst} = {src}"]
        if origin in (typing.Union, types.UnionType):
            members = [p for p in params if p is not Unset]
            rest = [p for p in members if p is not type(None)]
            if len(rest) == 1 and len(members) == 2:
                one = rest[0]
                if one is str or one is bool:  # null or the one type, in one test
                    test = f"not isinstance({src}, str)" if one is str else f"type({src}) is not bool"
                    what = "a string" if one is str else "true or false"
                    done_ = [
                        f"{ind}if {src} is not None and {test}:",
                        f"{ind}    raise _fail({what!r}, {src}, {where})",
                    ]
                    return done_ if src == dst else [*done_, f"{ind}{dst} = {src}"]
                if one is Decimal:
                    return [f"{ind}{dst} = None if {src} is None else {_decimal_code(src, where)}"]
                if one in _MADE_BY:
                    return [f"{ind}{dst} = None if {src} is None else {_MADE_BY[one]}({src}, {where})"]
                inner = convert(one, src, dst, where, ind + "    ")
                if src == dst:  # null stays as it is
                    return [f"{ind}if {src} is not None:", *inner]
                return [f"{ind}if {src} is None:", f"{ind}    {dst} = None", f"{ind}else:", *inner]
            if len(rest) == 1:
                return convert(rest[0], src, dst, where, ind)
            if all(p in _SCALAR_CHECKS for p in members):
                test = " or ".join(_SCALAR_CHECKS[p][0].format(v=src) for p in members)
                what = " or ".join(_SCALAR_CHECKS[p][1] for p in members)
                return [
                    f"{ind}if not ({test}):",
                    f"{ind}    raise _fail({what!r}, {src}, {where})",
                    f"{ind}{dst} = {src}",
                ]
            raise TypeError(f"{cls.__name__}: no reader for the union {kind}")
        if kind is str:
            return [
                f"{ind}if not isinstance({src}, str):",
                f"{ind}    raise _fail('a string', {src}, {where})",
                f"{ind}{dst} = {src}",
            ]
        if kind is bool:
            return [
                f"{ind}if type({src}) is not bool:",
                f"{ind}    raise _fail('true or false', {src}, {where})",
                f"{ind}{dst} = {src}",
            ]
        if kind is int:
            return [
                f"{ind}if type({src}) is int and -_LIMIT < {src} < _LIMIT:",
                f"{ind}    {dst} = {src}",
                f"{ind}elif type({src}) is str and _WHOLE({src}):",
                f"{ind}    {dst} = int({src})",
                f"{ind}else:",
                f"{ind}    raise _fail('a whole number of at most {MAX_DIGITS} digits', {src}, {where})",
            ]
        if kind is Decimal:
            return [f"{ind}{dst} = {_decimal_code(src, where)}"]
        if kind is dt.datetime:
            return [f"{ind}{dst} = _datetime({src}, {where})"]
        if kind is dt.date:
            return [f"{ind}{dst} = _date({src}, {where})"]
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            name = f"e{next(counter)}"
            ns[name] = kind
            return [f"{ind}{dst} = _enum({name}, {src}, {where})"]
        if isinstance(kind, type) and attrs.has(kind):
            if done.get(kind) == "busy":
                raise TypeError(f"{cls.__name__}: a class that holds itself ({kind.__name__}) has no reader")
            name = f"r{next(counter)}"
            ns[name] = _generate(kind, wire_name, done)
            return [
                f"{ind}try:",
                f"{ind}    {dst} = {name}({src})",
                f"{ind}except _M as exc:",
                f"{ind}    raise exc.at(*{where})",
            ]
        if origin in (dict, Mapping) or kind is dict:
            if params and (params[0] is not str or params[1] not in (Any, object)):
                raise TypeError(f"{cls.__name__}: no reader for {kind} (only dict[str, Any])")
            return [
                f"{ind}if type({src}) is not dict:",
                f"{ind}    raise _fail('an object', {src}, {where})",
                f"{ind}{dst} = dict({src})",
            ]
        if origin in (list, tuple, Sequence) or kind in (list, tuple):
            item = params[0] if params else Any
            if origin is tuple and not (len(params) == 2 and params[1] is Ellipsis):
                raise TypeError(f"{cls.__name__}: no reader for {kind} (only tuple[T, ...])")
            make = "tuple" if origin is tuple or kind is tuple else "list"
            head = [f"{ind}if type({src}) is not list:", f"{ind}    raise _fail('a list', {src}, {where})"]
            if item in (Any, object):
                return [*head, f"{ind}{dst} = {make}({src})"]
            i, x, out = (f"{s}{next(counter)}" for s in ("i", "x", "out"))
            body = convert(item, x, x, f"(*{where}, {i})", ind + "    ")
            return [
                *head,
                f"{ind}{out} = []",
                f"{ind}for {i}, {x} in enumerate({src}):",
                *body,
                f"{ind}    {out}.append({x})",
                f"{ind}{dst} = {out if make == 'list' else f'tuple({out})'}",
            ]
        raise TypeError(f"{cls.__name__}: no reader for {kind!r}")

    for a in fields:
        if a is bag:
            continue
        key = _key(a, wire_name)
        if key in known:  # two fields reading one key: a declaration error
            raise TypeError(f"{cls.__name__}.{a.name}: another field reads the key {key!r}")
        known.add(key)
        var = f"a{next(counter)}"
        where = f"({key!r},)"
        if present is not None and key not in present:  # absent: what the reader of every field does
            lines.append(_absent(cls, a, var, where, ns, "    "))
            args.append(f"{a.alias}={var}")
            sets.append((a.name, var))
            continue
        kind = hints.get(a.name, a.type)
        if a.default is None and _takes_none(kind):  # absent reads as null: one lookup, no sentinel
            lines.append(f"    {var} = data.get({key!r})")
            lines.extend(convert(kind, var, var, where, "    "))
        else:
            lines.append(f"    v = data.get({key!r}, _MISSING)")
            lines.append("    if v is _MISSING:")
            lines.append(_absent(cls, a, var, where, ns, "        "))
            lines.append("    else:")
            lines.extend(convert(kind, "v", var, where, "        "))
        args.append(f"{a.alias}={var}")
        sets.append((a.name, var))
    if bag is not None and keys is not None:
        # The unknown keys of this key list, in the answer's order, known now.
        ns["_EXTRA"] = extra_keys = tuple(k for k in keys if k not in known)
        bag_of = "dict(zip(_EXTRA, map(data.__getitem__, _EXTRA)))" if extra_keys else "{}"
        lines.append(f"    bag = {bag_of}")
        args.append(f"{bag.alias}=bag")
        sets.append((bag.name, "bag"))
    elif bag is not None:
        ns["_KNOWN"] = frozenset(known)
        ns["_unknown"] = _unknown_keys
        # The unknown keys in the answer's order, found by C code (a comprehension is a frame of its own).
        lines.append("    if _KNOWN.issuperset(data):")
        lines.append("        bag = {}")
        lines.append("    else:")
        lines.append("        keys = list(_unknown(_KNOWN.__contains__, data))")
        lines.append("        bag = dict(zip(keys, map(data.__getitem__, keys)))")
        args.append(f"{bag.alias}=bag")
        sets.append((bag.name, "bag"))
    if _fusable(cls, fields):
        # The instance made here, each slot set directly (what the attrs ``__init__`` does, without the
        # keyword call and its per-field ``object.__setattr__``): only for a class whose ``__init__`` is
        # attrs' own and does nothing else (no validator, converter, hook or cached hash).
        ns["_new"] = object.__new__
        lines.append("    obj = _new(cls)")
        for name, value in sets:
            setter = _slot_setter(cls, name)
            if setter is None:
                ns["_osa"] = object.__setattr__
                lines.append(f"    _osa(obj, {name!r}, {value})")
            else:
                ns[f"s_{value}"] = setter
                lines.append(f"    s_{value}(obj, {value})")
        lines.append("    return obj")
    else:
        lines.append(f"    return cls({', '.join(args)})")
    if entry:
        ns["_bad"] = bad_answer
        ns["_WHAT"] = f"the answer does not fit {cls.__name__}"
        lines = [
            "def read(self, data):",
            "  try:",
            *(" " + line for line in lines[1:]),
            "  except _M as exc:",
            "    why = exc.text()",
            # Raised outside the handler: no __cause__, no __context__ (the answer may echo a secret).
            "  raise _bad(f'{_WHAT} ({why})')",
        ]
    exec(compile("\n".join(lines), f"<invoicekit reader of {cls.__qualname__}>", "exec"), ns)  # noqa: S102
    done[cls] = "done"
    fn: Callable[..., Any] = ns["read"]
    return fn


def _absent(cls: type, a: attrs.Attribute[Any], var: str, where: str, ns: dict[str, Any], ind: str) -> str:
    """The generated line for the field *a* absent from an answer: its default into *var* (a factory
    called), or the mismatch of a required field."""
    if a.default is attrs.NOTHING:
        return f"{ind}raise _M('required field missing', {where})"
    default: Any = a.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            raise TypeError(f"{cls.__name__}.{a.name}: a default that takes self has no reader")
        ns[f"f_{var}"] = default.factory
        return f"{ind}{var} = f_{var}()"
    ns[f"d_{var}"] = a.default
    return f"{ind}{var} = d_{var}"


def _key(a: attrs.Attribute[Any], wire_name: Callable[[str], str]) -> str:
    """The wire key the field *a* is read from."""
    return str(a.metadata.get(_WIRE, wire_name(a.name)))


def _takes_none(kind: Any) -> bool:
    """Whether the annotation *kind* is a union holding ``None`` (read as null before anything else)."""
    return typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in typing.get_args(kind)


def _fusable(cls: type, fields: list[attrs.Attribute[Any]]) -> bool:
    """Whether making *cls* is only setting its fields: attrs' own ``__init__`` (generated, not a user's),
    every field an ``__init__`` argument with no validator, converter or alias trick beyond the name,
    no ``__attrs_pre_init__``/``__attrs_post_init__``, no cached hash, ``object.__new__`` (and
    ``type.__call__``), no ``__setattr__`` of the class's own that ``__init__`` would run."""
    kind: Any = cls
    init = getattr(kind.__init__, "__code__", None)
    return (
        init is not None
        and init.co_filename.startswith("<attrs generated")
        and kind.__new__ is object.__new__
        and type(kind).__call__ is type.__call__  # no metaclass making the instances
        # attrs' __init__ sets fields through object.__setattr__ (frozen, on_setattr hooks) or by
        # ``self.x = x``: then a class's own __setattr__ runs, and it must be object's
        and ("_cached_setattr_get" in init.co_names or kind.__setattr__ is object.__setattr__)
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and not any("_attrs_cached_hash" in str(c) for c in (*init.co_names, *init.co_consts))
        and len(fields) == len(attrs.fields(cls))
        and all(a.validator is None and a.converter is None for a in fields)
    )


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None] | None:
    """The ``__set__`` of the slot *name* of *cls* (None when it is not a plain slot)."""
    for base in cls.__mro__:
        if name in vars(base):
            slot = vars(base)[name]
            return slot.__set__ if isinstance(slot, types.MemberDescriptorType) else None
    return None
