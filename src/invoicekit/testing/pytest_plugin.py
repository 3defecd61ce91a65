"""An opt-in pytest plugin: a fixture per fake, and a sync and an async client wired to each.

It is not loaded unless you ask for it, on the command line::

    pytest -p invoicekit.testing.pytest_plugin

or in your top-level ``conftest.py``::

    pytest_plugins = ["invoicekit.testing.pytest_plugin"]

Fixtures (function-scoped, so every test starts from an empty fake):

=====================  ==================================  ==========================================
fake                   sync client                         async client
=====================  ==================================  ==========================================
``fake_upflow``        ``upflow_client``                   ``async_upflow_client``
``fake_salesbricks``   ``salesbricks_client``              ``async_salesbricks_client``
``fake_payabli``       ``payabli_client``                  ``async_payabli_client``
``fake_invoro``        ``invoro_client``                   ``async_invoro_client``
``fake_whmcs``         ``whmcs_client``                    ``async_whmcs_client``
=====================  ==================================  ==========================================

The fixtures are made from the provider registry (``invoicekit/_registry.py``): each provider there has
its three, named after it. A client fixture talks to the fake of the same test (seed it through
``fake_<provider>``), carries the fake's credentials, retries with ``RetryPolicy(initial=0)`` so that
retries never sleep (a ``Retry-After`` you inject is still honoured), and is closed after the test. The
async clients are plain fixtures returning an ``Async*`` client, so they work with any async test runner
(anyio, pytest-asyncio).

Importing this module imports pytest; nothing else in invoicekit does.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import httpx
import pytest

from .. import RetryPolicy, _registry
from . import FakeProvider

#: The retry policy of the client fixtures: the default attempts, no backoff sleep.
NO_SLEEP = RetryPolicy(initial=0)


class _AsyncClosing(Protocol):
    async def aclose(self) -> None: ...


class _Fake(Protocol):
    @property
    def transport(self) -> FakeProvider: ...
    def client(self, **options: Any) -> Any: ...
    def async_client(self, **options: Any) -> Any: ...


def _client(fake: _Fake, asynchronous: bool) -> Iterator[Any]:
    """A client of *fake* (its ``Async*`` one when *asynchronous*) over the fake's transport, closed after."""
    http: Any = (httpx.AsyncClient if asynchronous else httpx.Client)(transport=fake.transport)
    client = (fake.async_client if asynchronous else fake.client)(http_client=http, retry=NO_SLEEP)
    try:
        yield client
    finally:
        if asynchronous:
            asyncio.run(_aclose(client, http))
        else:
            client.close()
            http.close()


async def _aclose(client: _AsyncClosing, http: httpx.AsyncClient) -> None:
    await client.aclose()
    await http.aclose()


def fixtures_for(spec: _registry.ProviderSpec) -> dict[str, Callable[..., Any]]:
    """The three fixtures of one provider, by name: ``fake_<name>``, ``<name>_client`` and
    ``async_<name>_client``. A conftest can add them for a provider it registers itself:
    ``globals().update(fixtures_for(spec))``.
    """
    fake_name = f"fake_{spec.name}"
    fake_class = spec.fake.partition(":")[2]

    def fake() -> Any:
        return spec.load_fake()()

    def sync_client(request: pytest.FixtureRequest) -> Iterator[Any]:
        yield from _client(request.getfixturevalue(fake_name), asynchronous=False)

    def async_client(request: pytest.FixtureRequest) -> Iterator[Any]:
        yield from _client(request.getfixturevalue(fake_name), asynchronous=True)

    fake.__doc__ = (
        f"A fresh :class:`~invoicekit.testing.{fake_class}` (no invoices; seed with ``add_invoice``)."
    )
    sync_client.__doc__ = (
        f"An :class:`invoicekit.{spec.client}` talking to ``{fake_name}``; closed after the test."
    )
    async_client.__doc__ = (
        f"An :class:`invoicekit.{spec.async_client}` talking to ``{fake_name}``; closed after it."
    )
    made: dict[str, Callable[..., Any]] = {}
    for name, function in (
        (fake_name, fake),
        (f"{spec.name}_client", sync_client),
        (f"async_{spec.name}_client", async_client),
    ):
        function.__name__ = function.__qualname__ = name
        made[name] = pytest.fixture(name=name)(function)
    return made


_FIXTURES = {name: f for spec in _registry.providers() for name, f in fixtures_for(spec).items()}
globals().update(_FIXTURES)
__all__ = ["fixtures_for", *sorted(_FIXTURES)]
