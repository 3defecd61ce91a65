"""Each operation written once: a provider declares it as one builder, the core makes the methods.

A builder is a pure function with the operation's public signature and docstring (``extra_headers=``
included) that returns a :class:`~invoicekit._call.Call`. A provider lists its operations once, in a class
generic over the mode, and binds the mode in two one-line classes::

    class _Invoices(Resource[M]):
        upload_pdf = operation(upload_pdf_call)
        apply = applies(upload_pdf_call)
        plan = plans(upload_pdf_call)
        with_raw_response: _Invoices[Raw[M]]

    class Invoices(_Invoices[Sync]): ...        # upload_pdf(...) -> None
    class AsyncInvoices(_Invoices[Async]): ...  # async upload_pdf(...) -> None

When a class binds the mode, each declaration becomes a real method (``async def`` for :class:`Async`) with
the builder's signature and docstring, made once: a call runs the builder and sends its Call, nothing
more (no signature binding at call time). ``apply``, ``plan`` and ``with_raw_response`` are written here,
once, for every provider. For type checkers the declarations are descriptors whose type depends on the
mode: ``Callable[P, R]`` on a sync resource, ``Callable[P, Coroutine[Any, Any, R]]`` on an async one
(a coroutine, as an ``async def`` is: ``asyncio.run`` and ``create_task`` take it).

A client's options are declared once too: :class:`Options` types ``**options`` for mypy, and
:func:`client_signature` writes them out for ``inspect.signature``, ``help()`` and the docs.
"""

from __future__ import annotations

import copy
import functools
import inspect
import sys
import threading
import types
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

import httpx

from ._client import BaseClient, scrub_error
from ._errors import InvoiceKitError, ValidationError, unloaded
from ._files import release
from ._record import hints_later
from ._response import async_raw_response, raw_response
from ._unset import UNSET

if TYPE_CHECKING:
    from typing_extensions import Self, TypedDict
    from typing_extensions import Unpack as Unpack  # for the providers' ``**options``

    from ._auth import Auth
    from ._call import Call
    from ._change import Applied, InvoiceChange, OnUnsupported, Plan
    from ._client import Provider
    from ._raw import RawResponse
    from ._retry import RetryPolicy

__all__ = [
    "Async",
    "Client",
    "M",
    "Operations",
    "Raw",
    "Resource",
    "Sync",
    "applies",
    "operation",
    "plans",
    "written_out",
]

#: The mode a class of operations is generic over (:class:`Sync`, :class:`Async`, ``Raw[...]``).
M = TypeVar("M")
P = ParamSpec("P")
R = TypeVar("R")
I = TypeVar("I")  # noqa: E741 (the invoice id's type)
B = TypeVar("B")
H = TypeVar("H")
#: The httpx client class of a mode (httpx.Client or httpx.AsyncClient).
HC = TypeVar("HC", bound=httpx.Client | httpx.AsyncClient)  # a type, not text: no ForwardRef compile()
S_co = TypeVar("S_co", covariant=True)
A_co = TypeVar("A_co", covariant=True)
RS_co = TypeVar("RS_co", covariant=True)
RA_co = TypeVar("RA_co", covariant=True)
I_contra = TypeVar("I_contra", contravariant=True)
B_contra = TypeVar("B_contra", contravariant=True)
T_co = TypeVar("T_co", covariant=True)


class Sync:
    """The mode of a blocking resource: each operation returns its result."""


class Async:
    """The mode of an asyncio resource: each operation is ``async def``."""


class Raw(Generic[M]):
    """The mode of ``with_raw_response`` of a resource in mode *M*: results come in a RawResponse."""


class Operations(Generic[M]):
    """What declares operations. A subclass that binds the mode gets them as methods, made once here."""

    _send: Callable[..., Any]
    #: True in a class bound to :class:`Async` (set when the class is made).
    _async: ClassVar[bool] = False
    #: In a class generic over the mode: its subclass bound to each mode.
    _modes: ClassVar[dict[type, type]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        mode = _bound_mode(cls)
        if mode is None:
            cls._modes = {}
            return
        cls._async = mode is Async
        for base in cls.__bases__:
            if "_modes" in vars(base):
                vars(base)["_modes"].setdefault(mode, cls)
                if cls.__doc__ is None:  # ``class Invoices(_Invoices[Sync]): ...`` reads as its generic class
                    cls.__doc__ = base.__doc__
        written_out(cls)
        done: set[str] = set()
        for klass in cls.__mro__:
            for name, value in vars(klass).items():
                if name not in done and isinstance(value, _Op):
                    # made when first looked up: a program pays only for the operations it uses, and
                    # never loads the unified change (_change.py) unless it applies or plans one
                    setattr(cls, name, _Later(value, cls, name))
                done.add(name)

    if not TYPE_CHECKING:  # each class declares its own, typed ``with_raw_response: _X[Raw[M]]``

        @property
        def with_raw_response(self) -> Any:
            """The same operations, each returning a :class:`~invoicekit.RawResponse` (not ``apply`` or
            ``plan``, whose results carry their own request; nor, on a client, ``close()`` or resources).
            """
            names = _operation_names(type(self))
            if not names:  # a client whose operations are all on its resources (Upflow): no view
                raise AttributeError(
                    f"{type(self).__name__} has no operations of its own: no with_raw_response"
                )
            return _RawView(self, names)


class _Later:
    """Strictly private: an operation of a class that binds the mode, until first looked up; then the
    method (made as :meth:`_Op.method` makes it) replaces this in the class, as if made with it.

    Made once, under a lock: threads looking it up first together all get the one method the class keeps.
    Until then this stands for that method to whatever reads the class without looking it up
    (``inspect.getattr_static``, ``unittest.mock.patch.object(..., autospec=True)``): it reads as a
    function, and any attribute read or call makes the method and answers with it.
    """

    __slots__ = ("made", "name", "op", "owner")

    def __init__(self, op: _Op[Any, Any, Any, Any], owner: type[Operations[Any]], name: str) -> None:
        self.op, self.owner, self.name = op, owner, name
        self.made: Callable[..., Any] | None = None

    def method(self) -> Any:
        """The method, made on the first call of this (by one thread), and put in the class for this."""
        get = object.__getattribute__
        method = get(self, "made")
        if method is None:
            with _MAKING:
                method = get(self, "made")
                if method is None:
                    owner, name = get(self, "owner"), get(self, "name")
                    method = self.made = get(self, "op").method(owner, name)
        owner, name = get(self, "owner"), get(self, "name")
        if vars(owner).get(name) is self:  # (not over a test double put in its place since)
            setattr(owner, name, method)
        return method

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        return _Later.method(self).__get__(obj, owner)

    def __getattribute__(self, attr: str) -> Any:
        if attr == "__class__":  # what it stands for (an isinstance check against any class makes nothing)
            return types.FunctionType
        return getattr(_Later.method(self), attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _Later.method(self)(*args, **kwargs)

    def __repr__(self) -> str:
        return repr(_Later.method(self))


#: Held while an operation's method is made (re-entrant: making one may look another up).
_MAKING = threading.RLock()


def _bound_mode(cls: type) -> type | None:
    for base in getattr(cls, "__orig_bases__", ()):
        for arg in getattr(base, "__args__", ()):
            if arg is Sync or arg is Async:
                return arg
    return None


class Resource(Operations[M]):
    """A group of operations (``client.invoices``) bound to one client; they send through :meth:`_send`."""

    @classmethod
    def _of(cls, client: Operations[Any]) -> Self:
        """This resource in *client*'s mode (Sync or Async), bound to it."""
        bound: Self = cls._modes[Async if client._async else Sync](client)
        return bound

    def __init__(self, client: Any) -> None:
        self._client = client
        self._provider_name: str = client._provider.name
        #: The client's send loop, bound once (a call pays no lookup through the client).
        self._send = client._send


class Client(BaseClient, Operations[M], Generic[M, HC]):
    """A provider's client, written once for both modes: ``class _Upflow(Client[M, HC])`` takes the
    provider's credentials and ``**options: Unpack[Options[HC]]``, and makes its resources with
    ``Resource._of``; ``class Upflow(SyncClient, _Upflow[Sync, httpx.Client])`` binds the mode.
    """

    #: Whether ``base_url=`` is an option (False where the URL is the first argument: WHMCS ``url=``).
    _base_url_option: ClassVar[bool] = True

    def __init__(self, provider: Provider, auth: Auth, **options: Any) -> None:
        unknown = sorted(options.keys() - _OPTION_NAMES)
        if unknown:  # named on the client made (the caller's), not on a private class
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {unknown[0]!r}")
        given = options.get("http_client")
        if isinstance(given, (httpx.Client, httpx.AsyncClient)) and not isinstance(given, self._http_type):
            raise ValidationError(
                "http_client",
                f"{type(self).__name__} sends through an httpx.{self._http_type.__name__}, "
                f"not an httpx.{type(given).__name__}",
            )
        super().__init__(provider, auth, **options)


class _RawView:
    """``with_raw_response`` of a resource or client: its operations, each returning a RawResponse, bound
    to a private copy that sends through a raw_response wrapper of the send loop (so a subclass's override,
    and its ``super()`` call, work as on the original); nothing else of it (no ``close()`` of a client's
    pool through the view, no ``with_options()`` sending with the original's options).
    """

    def __init__(self, of: Operations[Any], names: tuple[str, ...]) -> None:
        twin = copy.copy(of)
        twin._send = (async_raw_response if of._async else raw_response)(of._send)
        for name in names:
            setattr(self, name, getattr(twin, name))


_NAMES: dict[type, tuple[str, ...]] = {}


def _operation_names(cls: type) -> tuple[str, ...]:
    """The names of the operations *cls* declares (``call``), not ``apply``/``plan``: no raw view of those."""
    names = _NAMES.get(cls)
    if names is None:
        found = {
            n for k in cls.__mro__ for n, v in vars(k).items() if isinstance(v, _Op) and v.kind == "call"
        }
        names = _NAMES[cls] = tuple(sorted(found))
    return names


# -- declarations ----------------------------------------------------------------------------------------


class _Op(Generic[S_co, A_co, RS_co, RA_co]):
    """A declared operation: *kind* is ``call`` (send the builder's Call), ``apply`` or ``plan``."""

    def __init__(self, kind: str, builder: Callable[..., Call[Any]], base: type | None = None) -> None:
        self.kind = kind
        self.builder = builder
        #: The type of apply's ``base=`` (the whole invoice the change is applied onto), if it takes one.
        self.base = base

    @overload
    def __get__(self, obj: None, owner: Any) -> Callable[..., Any]: ...  # the method, unbound
    @overload
    def __get__(self, obj: Operations[Sync], owner: Any) -> S_co: ...
    @overload
    def __get__(self, obj: Operations[Async], owner: Any) -> A_co: ...
    @overload
    def __get__(self, obj: Operations[Raw[Sync]], owner: Any) -> RS_co: ...
    @overload
    def __get__(self, obj: Operations[Raw[Async]], owner: Any) -> RA_co: ...
    def __get__(self, obj: object, owner: Any) -> Any:
        raise AttributeError(f"{type(obj).__name__} binds no mode: subclass it with [Sync] or [Async]")

    def method(self, owner: type[Operations[Any]], name: str) -> Callable[..., Any]:
        """The method for *owner* (its mode is bound), with the public signature and docstring."""
        make = _MAKERS[self.kind, owner._async]
        if self.kind == "call":
            builder_sig = inspect.signature(self.builder)  # read once: the method's parameters and signature
            fn = make(self.builder, builder_sig)
            # the builder returns Call[R], the method R; its annotations are evaluated when first read
            sig = _with_self(builder_sig)
            fn.__signature__ = _late(sig, self.builder, result=True)  # type: ignore[attr-defined]
            fn.__doc__ = self.builder.__doc__
            fn.__wrapped__ = self.builder  # type: ignore[attr-defined]  # (typing.get_type_hints' globals)
        else:
            fn = make(self.base is not None)
            native = _native_name(owner, self.builder)
            sig = _unified_signature(self.kind, self.builder, self.base)
            fn.__signature__ = _late(sig, self.builder)  # type: ignore[attr-defined]
            fn.__doc__ = (_APPLY_DOC if self.kind == "apply" else _PLAN_DOC).format(
                native=native, onto="" if self.base is None else _ONTO_DOC
            )
        # the signature's are the real ones: typing.get_type_hints reads them from it, when first read (not
        # those of the function written here: apply's ``**options: Any``, shown by no signature)
        fn.__annotations__ = {}
        hints_later(fn, fill=functools.partial(_hints_of, fn.__signature__))  # type: ignore[attr-defined]
        fn.__name__ = name
        fn.__qualname__ = f"{owner.__qualname__}.{name}"
        named: dict[str, Any] = {"co_name": name}  # tracebacks and profilers name the method too
        if _QUALNAMED:
            named["co_qualname"] = fn.__qualname__
        fn.__code__ = fn.__code__.replace(**named)
        fn.__module__ = owner.__module__
        return fn


_QUALNAMED = sys.version_info >= (3, 11)  # code objects carry co_qualname


def _hints_of(sig: inspect.Signature, annotations: dict[str, Any]) -> None:
    """*annotations*, filled from *sig* (evaluated when read): what typing.get_type_hints gives."""
    annotations.update({n: p.annotation for n, p in sig.parameters.items() if p.annotation is not p.empty})
    if sig.return_annotation is not sig.empty:
        annotations["return"] = sig.return_annotation


def operation(
    builder: Callable[P, Call[R]],
) -> _Op[
    Callable[P, R],
    Callable[P, Coroutine[Any, Any, R]],
    Callable[P, RawResponse[R]],
    Callable[P, Coroutine[Any, Any, RawResponse[R]]],
]:
    """Declare the operation *builder* describes: the method runs it and sends the Call it returns."""
    return _Op("call", builder)


if TYPE_CHECKING:  # annotations only (the overloads below): a cold start does not make the Protocol classes

    class _Unified(Protocol[I_contra, T_co]):
        def __call__(
            self,
            invoice: I_contra,
            change: InvoiceChange,
            *,
            on_unsupported: OnUnsupported = "raise",
            extra: Mapping[str, Any] | None = None,
            extra_headers: Mapping[str, str] | None = None,
        ) -> T_co: ...

    class _Onto(Protocol[I_contra, B_contra, T_co]):
        def __call__(
            self,
            invoice: I_contra,
            change: InvoiceChange,
            *,
            base: B_contra | None = None,
            on_unsupported: OnUnsupported = "raise",
            extra: Mapping[str, Any] | None = None,
            extra_headers: Mapping[str, str] | None = None,
        ) -> T_co: ...


@overload
def applies(
    native: Callable[Concatenate[I, P], Call[R]], *, base: None = None
) -> _Op[_Unified[I, Applied[R]], _Unified[I, Coroutine[Any, Any, Applied[R]]], None, None]: ...
@overload
def applies(
    native: Callable[Concatenate[I, P], Call[R]], *, base: type[B]
) -> _Op[_Onto[I, B, Applied[R]], _Onto[I, B, Coroutine[Any, Any, Applied[R]]], None, None]: ...
def applies(native: Callable[..., Call[Any]], *, base: type | None = None) -> _Op[Any, Any, None, None]:
    """Declare ``apply``: an :class:`~invoicekit.InvoiceChange` sent through the operation *native*
    builds. *base*: the type of the ``base=`` the change is applied onto (a provider whose update
    replaces the whole invoice).
    """
    return _Op("apply", native, base)


@overload
def plans(
    native: Callable[Concatenate[I, P], Call[Any]], *, base: None = None
) -> _Op[_Unified[I, Plan], _Unified[I, Coroutine[Any, Any, Plan]], None, None]: ...
@overload
def plans(
    native: Callable[Concatenate[I, P], Call[Any]], *, base: type[B]
) -> _Op[_Onto[I, B, Plan], _Onto[I, B, Coroutine[Any, Any, Plan]], None, None]: ...
def plans(native: Callable[..., Call[Any]], *, base: type | None = None) -> _Op[Any, Any, None, None]:
    """Declare ``plan``: what ``apply`` would send, sending nothing (see :func:`applies`)."""
    return _Op("plan", native, base)


# -- the methods: made once per class, nothing but the call at call time -----------------------------------


#: A builder that raises after checking a file (another argument is refused) leaves what the check kept
#: on it: released, from the arguments, before the error goes on (no cost when it does not raise). A
#: module it could not load (see _refused) is the typed error, raised outside the handler: nothing chained.
_BUILT = (
    "try:\n        __call = __builder({0})\n"
    "    except BaseException as __exc:\n        __release([{1}])\n"
    "        __error = __refused(self, __exc)\n        if __error is None:\n            raise\n"
    "    else:\n        SEND\n    raise __error\n"
)


def _sync_call(builder: Callable[..., Call[Any]], sig: inspect.Signature) -> Callable[..., Any]:
    return _forwarding(builder, sig, _BUILT.replace("SEND", "return self._send(__call)"))


def _async_call(builder: Callable[..., Call[Any]], sig: inspect.Signature) -> Callable[..., Any]:
    return _forwarding(builder, sig, _BUILT.replace("SEND", "return await self._send(__call)"), is_async=True)


def _refused(operations: Any, exc: BaseException) -> Exception | None:
    """What a call raises when building it (before anything is sent) raised *exc*: the TransportError of a
    module loaded on first use that could not be loaded (see invoicekit._errors.unloaded), or None: *exc*
    goes on as it is, an invoicekit error scrubbed of the client's credentials first (a file's check
    quotes what the caller's file object raised: see invoicekit._client.scrub_error). One check for every
    operation, ``apply`` and ``plan``, whatever the module.
    """
    if isinstance(exc, InvoiceKitError):
        client = getattr(operations, "_client", operations)  # a resource's client, or the client itself
        scrub_error(exc, client._redactor.text)
        return None
    name = getattr(operations, "_provider_name", None) or operations._provider.name
    return unloaded(exc, name)


def _forwarding(
    builder: Callable[..., Call[Any]], sig: inspect.Signature, body: str, is_async: bool = False
) -> Callable[..., Any]:
    """A method taking *builder*'s own parameters (*sig*: its signature, so a wrong call is Python's
    TypeError naming the method, not the builder) and passing them on as they came: compiled once, no
    binding at call time.
    """
    params, passed, values, defaults = [], [], [], {}
    star = False
    for p in sig.parameters.values():
        if p.default is not p.empty:
            defaults[p.name] = p.default
        default = "" if p.default is p.empty else f"=__defaults[{p.name!r}]"
        if p.kind is p.VAR_POSITIONAL:
            params.append(f"*{p.name}")
            passed.append(f"*{p.name}")
            star = True
        elif p.kind is p.VAR_KEYWORD:
            params.append(f"**{p.name}")
            passed.append(f"**{p.name}")
            values.append(f"*{p.name}.values()")
            continue
        elif p.kind is p.KEYWORD_ONLY:
            if not star:
                params.append("*")
                star = True
            params.append(p.name + default)
            passed.append(f"{p.name}={p.name}")
        else:
            params.append(p.name + default)
            passed.append(p.name)
        values.append(passed[-1].partition("=")[2] or passed[-1])
    only = [p for p in sig.parameters.values() if p.kind is p.POSITIONAL_ONLY]
    # self is positional-only: a builder's own ``self=`` (WHMCS ``**params``) stays the builder's
    params.insert(len(only), "/")
    source = "{}def method(self, {}):\n    {}\n".format(
        "async " if is_async else "", ", ".join(params), body.format(", ".join(passed), ", ".join(values))
    )
    namespace: dict[str, Any] = {
        "__builder": builder,
        "__defaults": defaults,
        "__release": release,
        "__refused": _refused,
    }
    exec(compile(source, f"<invoicekit operation {builder.__qualname__}>", "exec"), namespace)  # noqa: S102
    method: Callable[..., Any] = namespace["method"]
    return method


def _prepared(self: Any, invoice: object, change: object, options: dict[str, Any], onto: bool) -> Any:
    """The checked change and its native Call, from ``apply``'s or ``plan``'s keyword *options*."""
    on_unsupported, extra = options.pop("on_unsupported", "raise"), options.pop("extra", None)
    base = options.pop("base", UNSET) if onto else UNSET
    if options:
        raise TypeError(f"got an unexpected keyword argument {next(iter(options))!r}")
    try:
        from ._change import prepare  # loaded with the method (see _Later)

        return prepare(self._provider_name, invoice, change, on_unsupported, extra, base)
    except BaseException as exc:
        release([change, extra])  # refused after a file was checked: what the check kept goes now
        error = _refused(self, exc)  # a provider's models, say, that could not be loaded
        if error is None:
            raise
    raise error


# The made functions take **options (not keywords with defaults): their signature is the one written out.


def _sync_apply(onto: bool) -> Callable[..., Any]:
    def apply(self: Any, invoice: object, change: object, **options: Any) -> Any:
        headers = options.pop("extra_headers", None)
        prepared = _prepared(self, invoice, change, options, onto)
        return prepared.done(self._send(prepared.call, headers))

    return apply


def _async_apply(onto: bool) -> Callable[..., Any]:
    async def apply(self: Any, invoice: object, change: object, **options: Any) -> Any:
        headers = options.pop("extra_headers", None)
        prepared = _prepared(self, invoice, change, options, onto)
        return prepared.done(await self._send(prepared.call, headers))

    return apply


def _plan(self: Any, invoice: object, change: object, options: dict[str, Any], onto: bool) -> Plan:
    headers = options.pop("extra_headers", None)
    prepared = _prepared(self, invoice, change, options, onto)
    try:  # sends nothing: a module its description needs that could not be loaded is the typed error
        from ._change import plan as plan_change

        return plan_change(self._client, prepared, headers)
    except Exception as exc:
        error = _refused(self, exc)
        if error is None:
            raise
    raise error


def _sync_plan(onto: bool) -> Callable[..., Any]:
    def plan(self: Any, invoice: object, change: object, **options: Any) -> Plan:
        return _plan(self, invoice, change, options, onto)

    return plan


def _async_plan(onto: bool) -> Callable[..., Any]:
    async def plan(self: Any, invoice: object, change: object, **options: Any) -> Plan:
        return _plan(self, invoice, change, options, onto)

    return plan


_MAKERS: dict[tuple[str, bool], Callable[..., Callable[..., Any]]] = {
    ("call", False): _sync_call,
    ("call", True): _async_call,
    ("apply", False): _sync_apply,
    ("apply", True): _async_apply,
    ("plan", False): _sync_plan,
    ("plan", True): _async_plan,
}

_APPLY_DOC = """Apply a provider-independent :class:`~invoicekit.InvoiceChange` through ``{native}``.

A field this provider cannot set (see ``invoicekit.capabilities()``) raises ValidationError naming every
such field, before any request; ``on_unsupported="skip"`` applies the rest and lists the skipped fields in
the result. *extra* passes native arguments of ``{native}`` through (checked by it).{onto}
Returns :class:`~invoicekit.Applied`, whose ``.result`` is what ``{native}`` returns; raises what it
raises. *extra_headers* are added to the request (checked as every operation's are).
"""
_PLAN_DOC = """The request ``apply`` would send for the same arguments (method, URL, headers with secrets
masked, body summary) and the fields it would apply and skip; sends nothing. See docs/unified.md.{onto}
"""
_ONTO_DOC = """
*base* is the invoice as it is now: this provider's update replaces the whole invoice, so the change is
applied onto *base* and the result sent (without it, ValidationError)."""


# -- signatures: what inspect.signature(), help() and the docs show ------------------------------------


def _resolved(fn: Callable[..., Any]) -> inspect.Signature:
    """*fn*'s signature with its annotations evaluated where they can be (so the docs link the types)."""
    sig = inspect.signature(fn)
    namespace = getattr(fn, "__globals__", {})
    params = [p.replace(annotation=_evaluated(p.annotation, namespace)) for p in sig.parameters.values()]
    return sig.replace(parameters=params, return_annotation=_evaluated(sig.return_annotation, namespace))


class _Elsewhere(str):
    """Annotation text evaluated in the namespace of *module* (imported then), not in that of the function
    whose signature shows it: a client option's type defined in a module a cold start does not load."""

    module: str

    def __new__(cls, text: str, module: str) -> _Elsewhere:
        self = super().__new__(cls, text)
        self.module = module
        return self


def _evaluated(annotation: Any, namespace: dict[str, Any]) -> Any:
    """*annotation* evaluated in its module's *namespace* when it is text and can be; else as it is."""
    if not isinstance(annotation, str):
        return annotation
    if isinstance(annotation, _Elsewhere):
        import importlib

        namespace = vars(importlib.import_module(annotation.module))
    try:
        return eval(annotation, namespace)  # noqa: S307 (the module's own annotation)
    except Exception:  # a name imported for type checkers only: the text stays
        return annotation


class _LateSignature(inspect.Signature):
    """A signature whose annotation text is evaluated when it is first read, not when it is made: a
    method's and a client's ``__init__``'s are made on first use and at import, and evaluating each
    annotation costs a ``compile()``. Read, it evaluates that text in its module's namespace (first
    loading its provider's lazily loaded models, ``<provider>._parts``, when they are not yet), so it equals
    the signature evaluated at once, whenever it is read (a sync method made first equals its async twin
    made later). With *result*, the return annotation read is the first argument of the evaluated one
    (``Call[R]``: the method returns R).
    """

    __slots__ = ("_namespace", "_parts", "_pending", "_raw", "_result")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._namespace: dict[str, Any] = {}
        self._parts: str | None = None
        self._result = False
        self._raw = (self._parameters, self._return_annotation)  # type: ignore[has-type]
        self._pending = True

    def _settle(self) -> None:
        if not self._pending:
            return
        parts = self._parts
        if parts is not None:
            import importlib

            # publishes the models' names into the builder's module; imported even when in sys.modules:
            # another thread may be part-way through it (the import waits for it to finish publishing)
            importlib.import_module(parts)
        namespace = self._namespace
        raw, returned = self._raw  # (from the text as made: settling twice, in two threads, gives the same)
        parameters = types.MappingProxyType(
            {name: p.replace(annotation=_evaluated(p.annotation, namespace)) for name, p in raw.items()}
        )
        returned = _evaluated(returned, namespace)
        if self._result:
            returned = getattr(returned, "__args__", (inspect.Signature.empty,))[0]
        self._parameters, self._return_annotation = parameters, returned
        self._pending = False  # last: a reader in another thread meanwhile settles it again, to the same

    @property
    def parameters(self) -> types.MappingProxyType[str, inspect.Parameter]:
        self._settle()
        return super().parameters

    @property
    def return_annotation(self) -> Any:
        self._settle()
        return super().return_annotation

    def __repr__(self) -> str:
        return f"<Signature {self}>"

    def _plain(self) -> inspect.Signature:
        return inspect.Signature(list(self.parameters.values()), return_annotation=self.return_annotation)

    def replace(self, **changes: Any) -> inspect.Signature:  # type: ignore[override]
        # a plain signature of the one read: Signature's own would make one of this class, which would
        # evaluate the caller's annotation text again (in no namespace)
        return self._plain().replace(**changes)

    __replace__ = replace  # type: ignore[assignment]  # copy.replace (3.13)

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle: the signature as read (Signature's own would rebuild one of this class
        # from the attributes, without its namespace, and lose the return annotation when settled)
        state = {"_return_annotation": self.return_annotation}
        return (inspect.Signature, (tuple(self.parameters.values()),), state)


def _late(
    sig: inspect.Signature, fn: Callable[..., Any], *, result: bool = False, parts: bool = True
) -> inspect.Signature:
    """*sig* (of *fn*, or made from it), its annotation text evaluated in *fn*'s module when first read;
    with *parts*, after loading the lazily loaded models of *fn*'s provider."""
    annotations = [p.annotation for p in sig.parameters.values()] + [sig.return_annotation]
    if not result and not any(isinstance(a, str) for a in annotations):
        return sig
    late = _LateSignature(list(sig.parameters.values()), return_annotation=sig.return_annotation)
    late._namespace = getattr(inspect.unwrap(fn), "__globals__", {})
    late._result = result
    if parts:
        package = getattr(fn, "__module__", "").rpartition(".")[0]
        named = getattr(sys.modules.get(f"{package}._models"), "PARTS", None)
        late._parts = named if isinstance(named, str) else None
    return late


def _with_self(sig: inspect.Signature) -> inspect.Signature:
    params = list(sig.parameters.values())
    only = bool(params) and params[0].kind is inspect.Parameter.POSITIONAL_ONLY
    self = inspect.Parameter(
        "self", inspect.Parameter.POSITIONAL_ONLY if only else inspect.Parameter.POSITIONAL_OR_KEYWORD
    )
    return sig.replace(parameters=[self, *params])


def _unified_signature(kind: str, native: Callable[..., Any], base: type | None) -> inspect.Signature:
    from ._change import InvoiceChange, OnUnsupported, Plan

    resolved = _resolved(native)
    first = next(iter(resolved.parameters.values()))
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("invoice", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=first.annotation),
        inspect.Parameter("change", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=InvoiceChange),
    ]
    if base is not None:
        params.append(inspect.Parameter("base", kw, default=None, annotation=base | None))
    params += [
        inspect.Parameter("on_unsupported", kw, default="raise", annotation=OnUnsupported),
        inspect.Parameter("extra", kw, default=None, annotation=Mapping[str, Any] | None),
        inspect.Parameter("extra_headers", kw, default=None, annotation=Mapping[str, str] | None),
    ]
    result = resolved.return_annotation
    returns = Plan if kind == "plan" else _applied(getattr(result, "__args__", (Any,))[0])
    return _with_self(inspect.Signature(params, return_annotation=returns))


def _applied(result: Any) -> Any:
    from ._change import Applied

    return Applied[result]


def _native_name(owner: type, builder: Callable[..., Any]) -> str:
    """The name under which *owner* declares the operation *builder* makes (``update``)."""
    for klass in owner.__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, _Op) and value.kind == "call" and value.builder is builder:
                return name
    return builder.__name__


# -- client options, declared once -----------------------------------------------------------------------

if TYPE_CHECKING:

    class InstallOptions(TypedDict, Generic[H], total=False):
        """The options of a client whose URL is the customer's own install (WHMCS: ``url=``)."""

        sandbox: bool
        timeout: float | httpx.Timeout
        retry: RetryPolicy | None
        http_client: H | None
        deadline: float
        max_response_bytes: int
        max_retries: int | None
        default_headers: Mapping[str, str] | None
        app_info: str | None

    class Options(InstallOptions[H], total=False):
        """The options every client takes, as keywords: ``**options: Unpack[Options[httpx.Client]]``."""

        base_url: str | None


#: Every client option in signature order, with its default and type: the one runtime declaration
#: (``Options`` above types the same keywords for mypy; a test keeps the two equal).
OPTIONS: tuple[tuple[str, object, object], ...] = (
    ("base_url", None, str | None),
    ("sandbox", False, bool),
    ("timeout", 60.0, float | httpx.Timeout),
    # RetryPolicy is created on first use (a successful call never needs it): read with the signature
    ("retry", None, _Elsewhere("RetryPolicy | None", "invoicekit._retry")),
    ("http_client", None, None),  # httpx.Client or httpx.AsyncClient: see client_signature
    ("deadline", 300.0, float),
    ("max_response_bytes", 16 << 20, int),
    ("max_retries", None, int | None),
    ("default_headers", None, Mapping[str, str] | None),
    ("app_info", None, str | None),
)


_OPTION_NAMES = frozenset(name for name, _, _ in OPTIONS)


def written_out(cls: type) -> None:
    """Give the ``__init__`` of a client class that binds the mode, and takes ``**options``, the signature
    with the options written out as the keyword-only parameters they are (for inspect.signature(),
    help() and the docs). Where the class inherits its ``__init__`` (written once for both modes), it gets
    its own, calling that one, since the sync and async signatures differ in *http_client*.
    """
    http: type | None = getattr(cls, "_http_type", None)
    init: Any = getattr(cls, "__init__")  # noqa: B009 (mypy refuses cls.__init__)
    code = getattr(init, "__code__", None)
    if http is None or code is None or not code.co_flags & inspect.CO_VARKEYWORDS:
        return
    if hasattr(init, "__signature__"):  # written out already: a subclass (a user's) inherits it as it is
        return
    sig = inspect.signature(init)  # its annotation text evaluated when first read (see _LateSignature)
    if not any(p.kind is p.VAR_KEYWORD and "Options[" in str(p.annotation) for p in sig.parameters.values()):
        return  # ``**kwargs`` of a user's own __init__: not the declared ``**options: Unpack[Options[...]]``
    base_url = getattr(cls, "_base_url_option", True)
    own = init
    if "__init__" not in vars(cls):
        shared = init

        def init(self: Any, /, *args: Any, **kwargs: Any) -> None:
            shared(self, *args, **kwargs)

        init.__doc__, init.__module__ = shared.__doc__, cls.__module__
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = init  # type: ignore[misc]
    kw = inspect.Parameter.KEYWORD_ONLY
    options = [
        inspect.Parameter(name, kw, default=value, annotation=http | None if name == "http_client" else kind)
        for name, value, kind in OPTIONS
        if base_url or name != "base_url"
    ]
    params = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
    init.__signature__ = _late(sig.replace(parameters=[*params, *options]), own, parts=False)
