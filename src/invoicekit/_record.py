"""Strictly private: a small frozen record for the core's private value classes.

The core's private classes (a body, an auth, a provider's declaration, a field's declaration) were attrs
classes; each costs attrs several ``compile()`` calls when its module is imported, paid by every program's
cold start. A :class:`Record` subclass lists its fields in ``__slots__`` and writes its own ``__init__``
(setting them with ``object.__setattr__``); this base gives it what attrs gave: equality and a hash by
field values, a repr naming the fields, immutability, and pickling. Public classes stay attrs classes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from typing import Any, TypeVar

__all__ = ["Later", "Record", "fields_eq"]

C = TypeVar("C", bound=type)

_set = object.__setattr__


class Record:
    """Equality, hash, repr, immutability and pickling by the fields named in ``__slots__``."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The fields are the one ``__slots__`` a record's class names: a subclass adding its own would hide
        # its parent's from equality, hash, repr and pickling.
        declared = {id(names): names for klass in cls.__mro__ if (names := klass.__dict__.get("__slots__"))}
        if len(declared) > 1:
            raise TypeError(f"{cls.__qualname__}: a Record's fields are declared in one class's __slots__")
        if declared and cls.__dict__.get("__slots__", None) == ():
            # A subclass adding no field: self.__slots__ would be () and hide its parent's fields from
            # equality, hash, repr and pickling. The class names them (the same tuple: no new slot).
            cls.__slots__ = next(iter(declared.values()))

    def _values(self) -> tuple[Any, ...]:
        names: tuple[str, ...] = self.__slots__
        return tuple([getattr(self, name) for name in names])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((self.__class__, *self._values()))

    def __repr__(self) -> str:
        names: tuple[str, ...] = self.__slots__
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(names, self._values(), strict=True))
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self.__class__.__qualname__} is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self.__class__.__qualname__} is immutable (cannot delete {name!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, self._values())


def fields_eq(cls: C) -> C:
    """Class decorator, written above ``@attrs.frozen(eq=False)`` (and under ``@set_fields_repr``): equality
    and a hash by the fields, as attrs writes them, without attrs compiling an ``__eq__`` and a ``__hash__``
    for each class when its module is imported (half the source it generates for a model: cold start).

    As attrs': instances of the very same class, compared field by field with ``==`` (a field's
    ``eq=False`` left out, its ``eq_key`` applied), ``__ne__`` the negation; the hash is that of the class
    and of the hashed fields' values (``hash=``, else ``eq=``; ``eq_key`` applied). A class with attrs'
    own ``__eq__`` is refused: attrs must not write one (``eq=False``).
    """
    if getattr(getattr(vars(cls).get("__eq__"), "__code__", None), "co_filename", "").startswith("<attrs"):
        raise TypeError(f"{cls.__qualname__}: write @attrs.frozen(eq=False) under @fields_eq")
    fields = cls.__attrs_attrs__  # type: ignore[attr-defined]
    compared = tuple((a.name, a.eq_key) for a in fields if a.eq)
    hashed = tuple((a.name, a.eq_key) for a in fields if (a.eq if a.hash is None else a.hash))

    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        for name, key in compared:
            mine, theirs = getattr(self, name), getattr(other, name)
            if key is not None:
                mine, theirs = key(mine), key(theirs)
            if not mine == theirs:
                return False
        return True

    def __ne__(self: Any, other: object) -> Any:
        result = __eq__(self, other)
        return result if result is NotImplemented else not result

    def __hash__(self: Any) -> int:
        values = [getattr(self, name) if key is None else key(getattr(self, name)) for name, key in hashed]
        return hash((cls, *values))

    for method in (__eq__, __ne__, __hash__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    return cls


class Later:
    """Strictly private: a model class named before its module is loaded (a provider's rarely first-needed
    models live in a module imported on first use).

    It stands where a field rule needs the class: ``isinstance(value, later)`` is false while the module is
    not loaded (no instance of the class can exist yet) and the class's own check once it is; ``__name__``
    is the class's name, for messages. :meth:`resolve` loads the module and gives the class.
    """

    __slots__ = ("__name__", "module")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.__name__ = name

    def __repr__(self) -> str:
        return f"Later({self.module!r}, {self.__name__!r})"

    def resolve(self) -> type:
        import importlib

        cls: type = getattr(importlib.import_module(self.module), self.__name__)
        return cls

    def __instancecheck__(self, obj: object) -> bool:
        module = sys.modules.get(self.module)
        cls = getattr(module, self.__name__, None) if module is not None else None
        return cls is not None and isinstance(obj, cls)


def later_names(space: dict[str, Any], module: str, names: Collection[str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of a module (its globals: *space*) that also offers *names* from *module*,
    loaded on first use: a name asked for is taken from *module* (imported then) and kept in *space*, so the
    next lookup is a plain attribute. Any other name is an AttributeError, as for any module.
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            import importlib

            value = getattr(importlib.import_module(module), name)
            space[name] = value
            return value
        raise AttributeError(f"module {space['__name__']!r} has no attribute {name!r}")

    return __getattr__


def publish(names: dict[str, Any], *modules: Any) -> None:
    """Make a module loaded on first use (a provider's ``_parts``) look as if its *names* had been defined
    in each of *modules* (its ``_models``, its ``_client``): set there, and in the globals attrs gave the
    methods it generated for the classes defined there (a copy of the module's globals when the class was
    made), so ``typing.get_type_hints`` of a model or of its ``__init__`` resolves them as before the split.
    """
    for module in modules:
        if module is None:
            continue
        space = vars(module)
        space.update(names)
        for value in list(space.values()):
            if isinstance(value, type) and value.__module__ == module.__name__:
                for member in vars(value).values():
                    scope = getattr(member, "__globals__", None)
                    if isinstance(scope, dict) and scope is not space:
                        scope.update(names)


class _LoadingHints(dict[str, Any]):
    """Annotations that name models loaded on first use: reading them (``typing.get_type_hints``,
    ``inspect.signature(eval_str=True)``, ``attrs.resolve_types``: each iterates or copies them) loads
    *module* first, which publishes the names they need into the globals they are evaluated in.
    """

    __slots__ = ("fill", "module")

    def __init__(
        self, annotations: dict[str, Any], module: str, fill: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        super().__init__(annotations)
        self.module = module
        #: Called once, after *module* is loaded, with these annotations (to complete them), when given.
        self.fill = fill

    def _load(self) -> None:
        import importlib

        if self.module:
            importlib.import_module(self.module)
        fill = self.fill
        if fill is not None:
            fill(self)
            self.fill = None

    def __iter__(self) -> Any:
        self._load()
        return super().__iter__()

    def keys(self) -> Any:
        self._load()
        return super().keys()

    def values(self) -> Any:
        self._load()
        return super().values()

    def items(self) -> Any:
        self._load()
        return super().items()

    # Completed by *fill* (an operation's are empty until then): read by size or by key too, as
    # ``inspect.get_annotations`` (``len`` first) and ``fn.__annotations__["return"]`` do, they are whole.

    def __len__(self) -> int:
        if self.fill is not None:
            self._load()
        return super().__len__()

    def __contains__(self, key: object) -> bool:
        if self.fill is not None:
            self._load()
        return super().__contains__(key)

    def __getitem__(self, key: str) -> Any:
        if self.fill is not None:
            self._load()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        if self.fill is not None:
            self._load()
        return super().get(key, default)


def hints_later(fn: Any, module: str = "", fill: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Make the annotations of function *fn* load *module* and call *fill* with them when first read
    (``typing.get_type_hints``, ``inspect.signature(eval_str=True)``): nothing is loaded before."""
    fn.__annotations__ = _LoadingHints(fn.__annotations__, module, fill)


def names_for_hints(cls: type, sources: dict[str, tuple[str, ...]]) -> None:
    """Make ``typing.get_type_hints`` of each function *cls* defines resolve the names it annotates with
    that are imported for type checkers only (*sources*: module -> names), so absent from the globals its
    hints are evaluated in: reading its annotations loads those modules and sets the names there.
    """
    names = [name for named in sources.values() for name in named]
    for fn in vars(cls).values():
        space = getattr(fn, "__globals__", None)
        annotations = getattr(fn, "__annotations__", None)
        if not isinstance(space, dict) or type(annotations) is not dict:
            continue
        text = " ".join(value for value in annotations.values() if isinstance(value, str))
        if not any(name in text for name in names):
            continue

        def fill(_: dict[str, Any], space: dict[str, Any] = space) -> None:
            import importlib

            for module, named in sources.items():
                loaded = importlib.import_module(module)
                for name in named:
                    space.setdefault(name, getattr(loaded, name))

        hints_later(fn, fill=fill)


def load_for_hints(space: dict[str, Any], module: str, names: Any) -> None:
    """Make the annotations of the classes defined in the module whose globals are *space* (and of the
    ``__init__`` attrs wrote for each) load *module* when read, where they name one of *names*
    (models that module defines): their type hints then resolve before the models were first used.
    """
    wanted = frozenset(names)

    def mentions(annotations: object) -> bool:
        if not isinstance(annotations, dict) or isinstance(annotations, _LoadingHints):
            return False
        # A name found inside a longer one only makes reading these hints load the module too: harmless.
        text = " ".join([value for value in annotations.values() if isinstance(value, str)])
        return any(name in text for name in wanted)

    for value in list(space.values()):
        if not (isinstance(value, type) and value.__module__ == space.get("__name__")):
            continue
        own = vars(value).get("__annotations__")
        if isinstance(own, dict) and mentions(own):
            value.__annotations__ = _LoadingHints(own, module)
        init = vars(value).get("__init__")  # what inspect.signature(cls) reads
        annotations = getattr(init, "__annotations__", None)
        if isinstance(annotations, dict) and mentions(annotations):
            init.__annotations__ = _LoadingHints(annotations, module)
