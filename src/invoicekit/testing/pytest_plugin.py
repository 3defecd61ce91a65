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

A client fixture talks to the fake of the same test (seed it through ``fake_<provider>``), carries the fake's
credentials, retries with ``RetryPolicy(initial=0)`` so that retries never sleep (a ``Retry-After`` you inject
is still honoured), and is closed after the test. The async clients are plain fixtures returning an
``Async*`` client, so they work with any async test runner (anyio, pytest-asyncio).

Importing this module imports pytest; nothing else in invoicekit does.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, Protocol

import httpx
import pytest

from .. import (
    AsyncInvoro,
    AsyncPayabli,
    AsyncSalesbricks,
    AsyncUpflow,
    AsyncWhmcs,
    Invoro,
    Payabli,
    RetryPolicy,
    Salesbricks,
    Upflow,
    Whmcs,
)
from . import FakeInvoro, FakePayabli, FakeProvider, FakeSalesbricks, FakeUpflow, FakeWhmcs

__all__ = [
    "async_invoro_client",
    "async_payabli_client",
    "async_salesbricks_client",
    "async_upflow_client",
    "async_whmcs_client",
    "fake_invoro",
    "fake_payabli",
    "fake_salesbricks",
    "fake_upflow",
    "fake_whmcs",
    "invoro_client",
    "payabli_client",
    "salesbricks_client",
    "upflow_client",
    "whmcs_client",
]

#: The retry policy of the client fixtures: the default attempts, no backoff sleep.
NO_SLEEP = RetryPolicy(initial=0)


class _Closing(Protocol):
    def close(self) -> None: ...


class _AsyncClosing(Protocol):
    async def aclose(self) -> None: ...


class _Fake(Protocol):
    @property
    def transport(self) -> FakeProvider: ...
    def client(self, **options: Any) -> Any: ...
    def async_client(self, **options: Any) -> Any: ...


def _sync_client(fake: _Fake) -> Iterator[Any]:
    http = httpx.Client(transport=fake.transport)
    client: _Closing = fake.client(http_client=http, retry=NO_SLEEP)
    try:
        yield client
    finally:
        client.close()
        http.close()


def _async_client(fake: _Fake) -> Iterator[Any]:
    http = httpx.AsyncClient(transport=fake.transport)
    client: _AsyncClosing = fake.async_client(http_client=http, retry=NO_SLEEP)
    try:
        yield client
    finally:
        asyncio.run(_aclose(client, http))


async def _aclose(client: _AsyncClosing, http: httpx.AsyncClient) -> None:
    await client.aclose()
    await http.aclose()


@pytest.fixture
def fake_upflow() -> FakeUpflow:
    """A fresh :class:`~invoicekit.testing.FakeUpflow` (no invoices; seed with ``add_invoice``)."""
    return FakeUpflow()


@pytest.fixture
def fake_salesbricks() -> FakeSalesbricks:
    """A fresh :class:`~invoicekit.testing.FakeSalesbricks` (no invoices; seed with ``add_invoice``)."""
    return FakeSalesbricks()


@pytest.fixture
def fake_payabli() -> FakePayabli:
    """A fresh :class:`~invoicekit.testing.FakePayabli` (no invoices; seed with ``add_invoice``)."""
    return FakePayabli()


@pytest.fixture
def fake_invoro() -> FakeInvoro:
    """A fresh :class:`~invoicekit.testing.FakeInvoro` (no invoices; seed with ``add_invoice``)."""
    return FakeInvoro()


@pytest.fixture
def fake_whmcs() -> FakeWhmcs:
    """A fresh :class:`~invoicekit.testing.FakeWhmcs` (no invoices; seed with ``add_invoice``)."""
    return FakeWhmcs()


@pytest.fixture
def upflow_client(fake_upflow: FakeUpflow) -> Iterator[Upflow]:
    """An :class:`invoicekit.Upflow` talking to ``fake_upflow``; closed after the test."""
    yield from _sync_client(fake_upflow)


@pytest.fixture
def async_upflow_client(fake_upflow: FakeUpflow) -> Iterator[AsyncUpflow]:
    """An :class:`invoicekit.AsyncUpflow` talking to ``fake_upflow``; closed after the test."""
    yield from _async_client(fake_upflow)


@pytest.fixture
def salesbricks_client(fake_salesbricks: FakeSalesbricks) -> Iterator[Salesbricks]:
    """An :class:`invoicekit.Salesbricks` talking to ``fake_salesbricks``; closed after the test."""
    yield from _sync_client(fake_salesbricks)


@pytest.fixture
def async_salesbricks_client(fake_salesbricks: FakeSalesbricks) -> Iterator[AsyncSalesbricks]:
    """An :class:`invoicekit.AsyncSalesbricks` talking to ``fake_salesbricks``; closed after the test."""
    yield from _async_client(fake_salesbricks)


@pytest.fixture
def payabli_client(fake_payabli: FakePayabli) -> Iterator[Payabli]:
    """An :class:`invoicekit.Payabli` talking to ``fake_payabli``; closed after the test."""
    yield from _sync_client(fake_payabli)


@pytest.fixture
def async_payabli_client(fake_payabli: FakePayabli) -> Iterator[AsyncPayabli]:
    """An :class:`invoicekit.AsyncPayabli` talking to ``fake_payabli``; closed after the test."""
    yield from _async_client(fake_payabli)


@pytest.fixture
def invoro_client(fake_invoro: FakeInvoro) -> Iterator[Invoro]:
    """An :class:`invoicekit.Invoro` talking to ``fake_invoro``; closed after the test."""
    yield from _sync_client(fake_invoro)


@pytest.fixture
def async_invoro_client(fake_invoro: FakeInvoro) -> Iterator[AsyncInvoro]:
    """An :class:`invoicekit.AsyncInvoro` talking to ``fake_invoro``; closed after the test."""
    yield from _async_client(fake_invoro)


@pytest.fixture
def whmcs_client(fake_whmcs: FakeWhmcs) -> Iterator[Whmcs]:
    """An :class:`invoicekit.Whmcs` talking to ``fake_whmcs``; closed after the test."""
    yield from _sync_client(fake_whmcs)


@pytest.fixture
def async_whmcs_client(fake_whmcs: FakeWhmcs) -> Iterator[AsyncWhmcs]:
    """An :class:`invoicekit.AsyncWhmcs` talking to ``fake_whmcs``; closed after the test."""
    yield from _async_client(fake_whmcs)
