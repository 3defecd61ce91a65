"""JSON data -> the keyword arguments of an operation of ``client.invoices``: the library's own models, dates,
Decimals, lists and mappings, by the type hints of the method and the models.

One structurer for the two places that take an operation's arguments as JSON: the command line
(``--input``, ``--extra``, ``--base``; keys are the provider's wire names) and bulk's native jobs
(``{"op": "update", "args": {...}}``; keys are the Python names). Every error is a ValidationError whose
field is the JSON path under the caller's prefix (``--input $.invoiceData.items[0].itemCost``,
``change.args.new_items[0].amount``). The values are then checked by the library itself (the models'
converters, the method's checks), as if typed in Python. Imported by the command line and by bulk only:
never by ``import invoicekit`` nor by a provider call.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import os
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from ._convert import iso_date
from ._errors import ValidationError
from ._files import File
from ._unset import UNSET

__all__ = ["Naming", "Structurer", "extra_hints", "keywords", "loads", "python_names"]

#: How the JSON names a model's field (or, with None, an argument): its Python name, or a wire name.
Naming = Callable[[str, "attrs.Attribute[Any] | None"], str]


def loads(text: str) -> Any:
    """JSON text as the command line and bulk read it: a number with a fraction or an exponent is its exact
    Decimal (never a float's rounding); NaN, the infinities and a key given twice in one object (JSON
    leaves its meaning undefined: the last one would win, silently) raise ValueError.
    """
    return json.loads(text, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_unique)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"{key!r} given twice in one object")
            seen.add(key)
    return out


def python_names(name: str, attribute: attrs.Attribute[Any] | None) -> str:
    """The Python name as it is (``new_items``, ``invoice_data``)."""
    return name


def keywords(method: Callable[..., Any]) -> dict[str, Any]:
    """The keyword arguments of *method* (an operation of ``client.invoices``, read off its class) and their
    resolved annotations, in order: its signature's parameters but ``self``, the first (the invoice) and
    ``extra_headers``. Generated operations declare the signature they present.
    """
    builder = inspect.unwrap(method)
    _load_parts(getattr(builder, "__module__", None))
    parameters = list(inspect.signature(method, eval_str=True).parameters.values())
    if parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    # A method made (on first lookup) before its provider's lazily loaded models were: the annotations
    # naming them were left as text then; they resolve now, in the builder's module.
    namespace = getattr(builder, "__globals__", {})
    return {
        p.name: eval(p.annotation, namespace) if isinstance(p.annotation, str) else p.annotation  # noqa: S307
        for p in parameters[1:]
        if p.name != "extra_headers"
    }


def extra_hints(provider: str, invoices: type) -> dict[str, Any]:
    """The keyword arguments ``apply`` takes in ``extra=`` for *provider*: those of the native operation it
    calls (Upflow's ``upload_pdf``, Invoro's ``update_draft``, the others' ``update``); *invoices* is the
    class of the client's ``invoices``.
    """
    return keywords(
        getattr(invoices, {"upflow": "upload_pdf", "invoro": "update_draft"}.get(provider, "update"))
    )


_SEQUENCES = {list, tuple, Sequence, typing.get_origin(Sequence[int])}
_MAPPINGS = {dict, Mapping, typing.get_origin(Mapping[str, int])}


def _is_unset(hint: Any) -> bool:
    return typing.get_origin(hint) is typing.Literal and all(v is UNSET for v in typing.get_args(hint))


def _alternatives(hint: Any) -> list[Any]:
    if typing.get_origin(hint) in {typing.Union, types.UnionType}:
        return [h for h in typing.get_args(hint) if h is not type(None) and not _is_unset(h)]
    return [hint]


def _load_parts(module: str | None) -> None:
    """A provider's models that load on first use (``<provider>._models.PARTS``), loaded now: the annotations
    of its models and operations name them, and are about to be resolved."""
    package = (module or "").rpartition(".")[0]
    parts = getattr(sys.modules.get(f"{package}._models"), "PARTS", None)
    if isinstance(parts, str):
        importlib.import_module(parts)


def _hints(cls: type) -> dict[str, Any]:
    _load_parts(cls.__module__)
    return {a.name: a.type for a in attrs.fields(attrs.resolve_types(cls))}


def _bag(cls: type) -> str | None:
    """The model's field that takes keys it does not name (Invoro's ``extra_fields``), if any."""
    return next((a.name for a in attrs.fields(cls) if a.name == "extra_fields"), None)


def _item(hint: Any) -> Any:
    """What ``[i]`` or ``[key]`` holds in a *hint* of a list, a tuple or a mapping."""
    args = typing.get_args(hint)
    return args[-1] if typing.get_origin(hint) in _MAPPINGS else args[0]


def _at(path: str, key: object) -> str:
    """*path* and one key more: ``.key``, or ``['…']`` (escaped) for a key that would not print as it is
    (CR/LF, ESC, a lone surrogate: the error is printed and logged).
    """
    shown = str(key)
    return f"{path}.{shown}" if shown.isprintable() else f"{path}[{shown!r}]"


def _date(data: Any, kind: Any, path: str) -> Any:
    if not isinstance(data, str):
        raise ValidationError(path, "must be a date as text (YYYY-MM-DD)")
    try:
        return iso_date(data) if kind is dt.date else kind.fromisoformat(data)
    except ValueError:
        raise ValidationError(path, f"{data!r} is not a date (YYYY-MM-DD)") from None


def _decimal(data: float | str, path: str) -> Decimal:
    """A JSON number read as a float (its shortest text, never its binary value), or money as text; never
    NaN nor an infinity (``"NaN"`` is text Decimal reads, not a number).
    """
    try:
        number = Decimal(str(data) if isinstance(data, float) else data.strip())
    except InvalidOperation:
        raise ValidationError(path, f"{data!r} is not a number") from None
    if not number.is_finite():
        raise ValidationError(path, f"{data!r} is not a number")
    return number


class Structurer:
    """JSON data -> the library's models and argument types; *naming* says how the JSON names the fields
    (:func:`python_names`, or a provider's wire names); a relative path given for a file is read from the
    folder *root* (bulk: the job file's folder), else from the working directory. Each method takes the
    JSON *path* of its data and raises ValidationError naming the path below it.
    """

    def __init__(self, naming: Naming = python_names, root: str | os.PathLike[str] | None = None) -> None:
        self.naming = naming
        self.root = root

    def arguments(
        self, data: Mapping[str, Any], hints: Mapping[str, Any], path: str, what: str
    ) -> dict[str, Any]:
        """*data* (a JSON object of keyword arguments) as the keyword arguments of *hints* (see
        :func:`keywords`), by their Python names; a key that is none of them is refused, naming *what*
        takes them (``whmcs invoices.update``).
        """
        names = {self.naming(name, None): name for name in hints}
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = names.get(key)
            if name is None:
                raise ValidationError(
                    _at(path, key), f"is not an argument of {what} (one of: {', '.join(names)})"
                )
            out[name] = self.value(value, hints[name], _at(path, key))
        return out

    def apply_extra(self, data: Mapping[str, Any], hints: Mapping[str, Any], path: str) -> dict[str, Any]:
        """*data* (a JSON object for ``apply``'s ``extra=``) by *hints* (:func:`extra_hints`); a key they do
        not name is kept as it is (``apply`` refuses it, naming it).
        """
        return {k: self.value(v, hints.get(k, Any), _at(path, k)) for k, v in data.items()}

    def value(self, data: Any, hint: Any, path: str) -> Any:
        if data is None:
            return None
        alts = _alternatives(hint)
        if isinstance(data, float | str) and Decimal in alts and str not in alts:
            return _decimal(data, path)
        if isinstance(data, str) and File in alts and self.root is not None:
            return os.path.join(self.root, data)  # an absolute path stays as it is
        if len(alts) > 1:
            return self._union(data, alts, path)
        hint = alts[0]
        origin = typing.get_origin(hint)
        if isinstance(hint, type) and attrs.has(hint):
            return self.model(data, hint, path)
        if origin in _SEQUENCES and not isinstance(data, str):
            if not isinstance(data, list):
                raise ValidationError(path, "must be a JSON array")
            item = typing.get_args(hint)[0] if typing.get_args(hint) else Any
            return [self.value(v, item, f"{path}[{i}]") for i, v in enumerate(data)]
        if origin in _MAPPINGS:
            if not isinstance(data, dict):
                raise ValidationError(path, "must be a JSON object")
            key, item = typing.get_args(hint) or (str, Any)
            return {self._key(k, key, path): self.value(v, item, _at(path, k)) for k, v in data.items()}
        if hint is dt.date or hint is dt.datetime:
            return _date(data, hint, path)
        return data  # str, bool, int, Decimal, files (a path), enums by value: the library checks them

    def _union(self, data: Any, alts: list[Any], path: str) -> Any:
        models = [h for h in alts if isinstance(h, type) and attrs.has(h)]
        if isinstance(data, dict) and models:
            for cls in models:
                keys = {self.naming(a.name, a) for a in attrs.fields(cls)}
                if set(data) <= keys and all(
                    self.naming(a.name, a) in data for a in attrs.fields(cls) if a.default is attrs.NOTHING
                ):
                    return self.model(data, cls, path)
            names = " or ".join(c.__name__ for c in models)
            raise ValidationError(path, f"fits none of {names} (check the keys)")
        if isinstance(data, str) and (dt.date in alts or dt.datetime in alts):
            return _date(data, dt.date if dt.date in alts else dt.datetime, path)
        sequences = [h for h in alts if typing.get_origin(h) in _SEQUENCES]
        if isinstance(data, list) and sequences:
            return self.value(data, sequences[0], path)
        return data

    @staticmethod
    def _key(key: object, hint: Any, path: str) -> Any:
        if hint is int:
            if isinstance(key, int) and not isinstance(key, bool):  # a Python mapping's own int keys
                return key
            if not (isinstance(key, str) and key.isascii() and key.isdigit()):  # int() reads "1_0", " 1"
                raise ValidationError(path, f"key {key!r} must be a whole number (a line id)")
            return int(key)
        return key

    def model(self, data: Any, cls: type, path: str) -> Any:
        if not isinstance(data, dict):
            raise ValidationError(path, f"must be a JSON object ({cls.__name__})")
        hints = _hints(cls)
        bag = _bag(cls)
        by_key = {self.naming(a.name, a): a for a in attrs.fields(cls) if a.init and a.name != bag}
        kwargs: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        for key, item in data.items():
            a = by_key.get(key)
            if a is None:
                unknown[key] = item
                continue
            kwargs[a.name] = self.value(item, hints[a.name], _at(path, key))
        if unknown:
            if bag is None:
                first = next(iter(unknown))
                known = ", ".join(by_key)
                raise ValidationError(_at(path, first), f"not a key of {cls.__name__} (one of: {known})")
            kwargs[bag] = unknown
        missing = [k for k, a in by_key.items() if a.default is attrs.NOTHING and a.name not in kwargs]
        if missing:
            raise ValidationError(path, f"missing key {missing[0]!r} ({cls.__name__})")
        try:
            return cls(**kwargs)
        except ValidationError as exc:
            raise ValidationError(self.path(exc.field, cls, path), exc.rule) from None

    def path(self, field: str, root: Any, prefix: str) -> str:
        """A library field path (``invoice_data.items[0].item_cost``) as the JSON path of the input,
        walking *root* (a model class, or a dict of argument hints); what cannot be walked is kept.
        """
        tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\]", field)
        hint: Any = root
        out = prefix
        for i, token in enumerate(tokens):
            if token.startswith("["):
                out += token.replace("'", "") if not token[1:-1].strip("'").isdigit() else token
                hint = next((_item(h) for h in _alternatives(hint) if typing.get_args(h)), Any)
                continue
            names: dict[str, Any]
            attribute = None
            if isinstance(hint, dict):
                names = hint
            else:
                cls = next((h for h in _alternatives(hint) if isinstance(h, type) and attrs.has(h)), None)
                if cls is None:
                    return out + "." + ".".join(tokens[i:]).replace(".[", "[")
                names = _hints(cls)
                attribute = attrs.fields_dict(cls).get(token)
            if token not in names:
                return out + "." + ".".join(tokens[i:]).replace(".[", "[")
            out += "." + self.naming(token, attribute)
            hint = names[token]
        return out
