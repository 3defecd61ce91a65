"""The providers invoicekit knows: one table, one line per provider. Everything that lists providers reads it.

Read by: the package's lazy exports (``invoicekit.Upflow`` …), ``invoicekit.testing``'s exports (the fakes and
their records), the fake server (``python -m invoicekit.testing``), the pytest plugin's fixtures and the test
suite's provider parametrisation. The core modules name no provider; only this table does.

This module is imported by ``import invoicekit``: it imports nothing and loads no provider. A name here is
a string (``"package.module:Name"`` for a fake) until something asks for it.

:func:`register` adds a provider at run time (a plugin, or a test's tiny provider) and returns a
:class:`Registration` that removes it again; see CONTRIBUTING.md, "Adding a provider".
"""

# No ``from __future__ import annotations`` here: ProviderSpec's field annotations are objects, not text
# that typing.NamedTuple would make a ForwardRef of (a ``compile()`` each, at ``import invoicekit``).
import importlib
import re
import sys
import threading
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

__all__ = [
    "ProviderSpec",
    "Registration",
    "by_name",
    "export_module",
    "fake_export",
    "lazy_package",
    "providers",
    "publish_parts",
    "register",
]


class ProviderSpec(NamedTuple):
    """One provider: where its code lives and what it exports.

    *name* is the provider's key everywhere (the capabilities table, the fake server's path, the pytest
    fixtures ``fake_<name>``, ``<name>_client``, ``async_<name>_client``). *module* is the package of its
    clients; *client*/*async_client* name them there; *exports* are more names ``invoicekit`` exports from
    it. *fake* is ``"module:Class"`` of its :class:`~invoicekit.testing.FakeProvider`; *fake_exports* are
    more names ``invoicekit.testing`` exports from that module. *env* pairs each environment variable the
    client reads with the constructor parameter it stands for (the fake server prints them).
    """

    name: str
    title: str
    module: str
    client: str
    async_client: str
    fake: str
    env: tuple[tuple[str, str], ...] = ()
    exports: tuple[str, ...] = ()
    fake_exports: tuple[str, ...] = ()
    #: The constructor parameter for the provider's address (WHMCS: ``url``).
    url_param: str = "base_url"
    #: The key of its table in ``invoicekit._capabilities`` (None: no unified apply/plan).
    capabilities: str | None = None
    #: The optional variable the client reads for its base URL when none is passed (its ``Provider``'s
    #: ``base_url_env``); the fake server prints it.
    url_env: str | None = None

    @property
    def package_exports(self) -> tuple[str, ...]:
        """Every name ``invoicekit`` exports from *module*."""
        return (self.client, self.async_client, *self.exports)

    @property
    def testing_exports(self) -> tuple[str, ...]:
        """Every name ``invoicekit.testing`` exports from the fake's module."""
        return (self.fake.partition(":")[2], *self.fake_exports)

    def load_fake(self) -> type[Any]:
        """The fake's class (imports its module)."""
        module, _, name = self.fake.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]

    def load_client(self, *, asynchronous: bool = False) -> type[Any]:
        """The sync (or async) client class (imports its module)."""
        name = self.async_client if asynchronous else self.client
        return getattr(importlib.import_module(self.module), name)  # type: ignore[no-any-return]


# -- the providers: one entry each, in the documentation's order ------------------------------------------
_PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            "upflow", "Upflow", "invoicekit.upflow", "Upflow", "AsyncUpflow",
            fake="invoicekit.testing._upflow:FakeUpflow",
            env=(("UPFLOW_API_KEY", "api_key"), ("UPFLOW_API_SECRET", "api_secret")),
            url_env="UPFLOW_BASE_URL",
            exports=("ExternalId",), fake_exports=("UpflowInvoice",), capabilities="upflow",
        ),
        ProviderSpec(
            "salesbricks", "Salesbricks", "invoicekit.salesbricks", "Salesbricks", "AsyncSalesbricks",
            fake="invoicekit.testing._salesbricks:FakeSalesbricks",
            env=(("SALESBRICKS_API_KEY", "api_key"),), url_env="SALESBRICKS_BASE_URL",
            fake_exports=("SalesbricksAttachment", "SalesbricksInvoice"), capabilities="salesbricks",
        ),
        ProviderSpec(
            "payabli", "Payabli", "invoicekit.payabli", "Payabli", "AsyncPayabli",
            fake="invoicekit.testing._payabli:FakePayabli",
            env=(("PAYABLI_API_KEY", "api_key"),), url_env="PAYABLI_BASE_URL",
            fake_exports=("PayabliAttachment", "PayabliInvoice"), capabilities="payabli",
        ),
        ProviderSpec(
            "invoro", "Invoro", "invoicekit.invoro", "Invoro", "AsyncInvoro",
            fake="invoicekit.testing._invoro:FakeInvoro",
            env=(("INVORO_API_KEY", "api_key"),), url_env="INVORO_BASE_URL",
            fake_exports=("InvoroInvoice",), capabilities="invoro",
        ),
        ProviderSpec(
            "whmcs", "WHMCS", "invoicekit.whmcs", "Whmcs", "AsyncWhmcs",
            fake="invoicekit.testing._whmcs:FakeWhmcs",
            env=(("WHMCS_URL", "url"), ("WHMCS_IDENTIFIER", "identifier"), ("WHMCS_SECRET", "secret")),
            fake_exports=("WhmcsInvoice", "WhmcsLine"), url_param="url", capabilities="whmcs",
        ),
    )
}  # fmt: skip
#: The providers that ship with invoicekit (their names), as opposed to ones registered at run time.
BUILTIN: tuple[str, ...] = tuple(_PROVIDERS)


#: Held while the table changes (register, undo); readers take a snapshot of it (``tuple(...values())``), so
#: a registration from another thread never breaks a loop over it.
_LOCK = threading.Lock()
#: What a provider's name may be: it keys the fake server's path, fixtures and the CLI's faults.
_NAME = r"[A-Za-z][A-Za-z0-9_]*"  # compiled on first use (re's cache): only register() reads it


def providers(*, builtin_only: bool = False) -> tuple[ProviderSpec, ...]:
    """Every provider known now, in the table's order (then in the order registered)."""
    specs = tuple(_PROVIDERS.values())
    return tuple(s for s in specs if s.name in BUILTIN) if builtin_only else specs


def by_name(name: str) -> ProviderSpec:
    """The provider called *name*; KeyError when there is none."""
    return _PROVIDERS[name]


def export_module(name: str) -> str | None:
    """The module ``invoicekit.<name>`` comes from, when a provider exports *name*."""
    for spec in tuple(_PROVIDERS.values()):
        if name in spec.package_exports:
            return spec.module
    return None


def fake_export(name: str) -> str | None:
    """The module ``invoicekit.testing.<name>`` comes from, when a provider's fake exports *name*."""
    for spec in tuple(_PROVIDERS.values()):
        if name in spec.testing_exports:
            return spec.fake.partition(":")[0]
    return None


class Registration:
    """A provider added by :func:`register`; :meth:`undo` (or leaving its ``with`` block) removes it and
    every name it made reachable (``invoicekit.<Client>``, ``invoicekit.testing.<Fake>``).
    """

    __slots__ = ("_active", "spec")

    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec
        self._active = True

    def undo(self) -> None:
        """Remove the provider (again: nothing, even when the same spec was registered again since: that
        registration is its own handle's to undo). Names already bound elsewhere by the caller stay there.
        """
        with _LOCK:
            if not self._active or _PROVIDERS.get(self.spec.name) is not self.spec:
                return
            self._active = False
            del _PROVIDERS[self.spec.name]
        for package, names in (
            ("invoicekit", self.spec.package_exports),
            ("invoicekit.testing", self.spec.testing_exports),
        ):
            module = sys.modules.get(package)
            for name in names if module is not None else ():
                vars(module).pop(name, None)  # cached by the lazy __getattr__ on first use

    def __enter__(self) -> "Self":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: "TracebackType | None"
    ) -> None:
        self.undo()


def register(spec: ProviderSpec) -> Registration:
    """Add *spec* to the table, so ``invoicekit.<Client>``, ``invoicekit.testing.<Fake>`` and everything
    else that lists providers see it; returns the :class:`Registration` that removes it (a context manager).

    Refused (``ValidationError``) when the name is not an ASCII identifier starting with a letter, or it (or
    a name it exports) is taken: a provider never shadows another, or a name of the package or of
    ``invoicekit.testing`` (private ones too), which it imports to know them.
    """
    import invoicekit
    import invoicekit.testing  # its own names (FakeServer, …) are taken too, even before anyone imports it

    from ._errors import ValidationError

    if not re.fullmatch(_NAME, spec.name):
        raise ValidationError(
            "spec.name",
            "must be an ASCII identifier starting with a letter (it names the fake server's path, the "
            "fixtures fake_<name>, and NAME:KIND faults)",
        )
    with _LOCK:
        if spec.name in _PROVIDERS:
            raise ValidationError("spec.name", f"a provider named {spec.name!r} is registered already")
        specs = tuple(_PROVIDERS.values())
        # vars(), not dir(): the package's __dir__ lists only public names, and undo() would delete a
        # private one (invoicekit._registry) that a provider had been let to shadow.
        taken = {*dir(invoicekit), *vars(invoicekit)} | {n for s in specs for n in s.package_exports}
        taken_in_testing = {*vars(invoicekit.testing)} | {n for s in specs for n in s.testing_exports}
        clash = sorted({*spec.package_exports} & taken | {*spec.testing_exports} & taken_in_testing)
        if clash:
            raise ValidationError(
                "spec", f"provider {spec.name!r} would shadow existing names: {', '.join(clash)}"
            )
        _PROVIDERS[spec.name] = spec
    return Registration(spec)


def lazy_package(space: dict[str, Any], models: Any) -> None:
    """Give a provider package (*space*: its globals, ``__all__`` set) its module ``__getattr__`` and
    ``__dir__``: the public names its *models* module keeps in a module loaded on first use
    (``models.PARTS``, the names ``models.PART_NAMES``: what a common first call does not need) are
    reachable in the package too, loaded when first asked for; ``dir()`` lists what is defined and what is
    public. Set at run time, so type checkers see no module ``__getattr__`` (which would make every
    misspelt name ``Any``).
    """
    from ._record import later_names

    public = space["__all__"]

    def __dir__() -> list[str]:
        return sorted({*space, *public})

    space["__getattr__"] = later_names(space, models.PARTS, [n for n in models.PART_NAMES if n in public])
    space["__dir__"] = __dir__


def publish_parts(space: dict[str, Any], models: Any) -> None:
    """The end of a provider's module of models loaded on first use (``_parts``; *space*: its globals):
    its names (``models.PART_NAMES``) become names of *models* and, when it is loaded, of the package's
    ``_client`` (whose signatures name them), so annotations resolve where they are written
    (:func:`invoicekit._record.publish`).
    """
    from ._record import publish

    package = space["__name__"].rpartition(".")[0]
    publish({name: space[name] for name in models.PART_NAMES}, models, sys.modules.get(f"{package}._client"))
