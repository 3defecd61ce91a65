"""Typed errors where raw ones escaped (issue 13, item 5): a closed client, a client closed under an
in-flight call, a nonsense RetryPolicy, and absurd amounts on the money paths of Payabli, Invoro and
WHMCS. Each raises an InvoiceKitError subclass; bad input is a ValidationError naming the field and no
request is made.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import anyio
import httpx
import pytest

import invoicekit
from invoicekit import RetryPolicy, ValidationError, invoro, payabli, whmcs
from invoicekit.testing import FakePayabli
from invoicekit.testing._server import FakeServer

from ._scenarios import FAST, PROVIDERS, SCENARIOS, NoNetwork
from .test_bad_input import make_client

KINDS = ("sync", "async")
UUID = str(uuid.UUID(int=42))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def own_pool_client(provider: str, kind: str, base: str, **options: Any) -> Any:
    """A provider client that owns its connection pool (no http_client given), so close() closes it."""
    sync = kind == "sync"
    if provider == "upflow":
        cls: Any = invoicekit.Upflow if sync else invoicekit.AsyncUpflow
        return cls(api_key="key-12345678", api_secret="secret-12345678", base_url=base, **options)
    if provider == "whmcs":
        cls = invoicekit.Whmcs if sync else invoicekit.AsyncWhmcs
        return cls(url=base, identifier="ident-1234", secret="s3cret-1234", **options)
    cls = {
        "salesbricks": (invoicekit.Salesbricks, invoicekit.AsyncSalesbricks),
        "payabli": (invoicekit.Payabli, invoicekit.AsyncPayabli),
        "invoro": (invoicekit.Invoro, invoicekit.AsyncInvoro),
    }[provider][0 if sync else 1]
    return cls(api_key="key-12345678", base_url=base, **options)


async def _close(client: Any, kind: str) -> None:
    if kind == "sync":
        client.close()
    else:
        await client.aclose()


async def _run(kind: str, result: Any) -> Any:
    return (await result) if kind == "async" else result


# -- a closed client -------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_closed_client_raises_validation_error(provider: str, unsafe: bool, kind: str) -> None:
    """Calling a closed client (it owned its pool) is a ValidationError naming the client, not httpx's
    RuntimeError; nothing is sent (the base URL is a closed port: a send would be a TransportError)."""
    scenario = SCENARIOS[provider]
    invoice = scenario.seed(scenario.fake(), 1)
    client = own_pool_client(provider, kind, f"http://127.0.0.1:{_closed_port()}/x", retry=FAST)
    await _close(client, kind)
    with pytest.raises(ValidationError) as caught:
        await _run(kind, scenario.call(client, invoice, 1, unsafe))
    assert caught.value.field == "client"
    assert "closed" in str(caught.value)
    assert "nothing was sent" in str(caught.value)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_copy_of_a_closed_client_and_a_closed_http_client(kind: str) -> None:
    """with_options() shares the pool: once the original is closed, the copy refuses too; so does a
    client whose caller-supplied http_client was closed by the caller."""
    scenario = SCENARIOS["upflow"]
    fake: Any = scenario.fake()
    invoice = scenario.seed(fake, 1)
    original = own_pool_client("upflow", kind, f"http://127.0.0.1:{_closed_port()}")
    copy = original.with_options(retry=FAST)
    await _close(original, kind)
    with pytest.raises(ValidationError, match="closed"):
        await _run(kind, scenario.call(copy, invoice, 1, False))
    http: Any = httpx.Client(transport=fake) if kind == "sync" else httpx.AsyncClient(transport=fake)
    client = fake.client(http_client=http) if kind == "sync" else fake.async_client(http_client=http)
    await _close(http, kind)
    with pytest.raises(ValidationError, match="closed"):
        await _run(kind, scenario.call(client, invoice, 1, False))
    assert fake.requests == []


# -- closed under an in-flight call -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer({}) as served:
        yield served


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_client_closed_under_an_in_flight_call(unsafe: bool, kind: str, server: FakeServer) -> None:
    """The pool is closed while a request waits for its answer. A safe call is not resent on the closed
    client: TransportError saying it is closed. An unsafe call may have run: OutcomeUnknownError. Never
    httpx's RuntimeError."""
    scenario = SCENARIOS["salesbricks"]
    fake: Any = scenario.fake()
    invoice = scenario.seed(fake, 1)
    fake.slow_next(3.0)
    server.fakes["salesbricks"] = fake
    timeout = httpx.Timeout(5.0, read=1.0)
    client = own_pool_client("salesbricks", kind, server.base_url("salesbricks"), retry=FAST, timeout=timeout)
    expected = invoicekit.OutcomeUnknownError if unsafe else invoicekit.TransportError
    if kind == "sync":
        closer = threading.Timer(0.3, client.close)
        closer.start()
        with pytest.raises(expected) as caught:
            scenario.call(client, invoice, 1, unsafe)
        closer.join()
    else:

        async def close_soon() -> None:
            await anyio.sleep(0.3)
            await client.aclose()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(close_soon)
            with pytest.raises(expected) as caught:
                await scenario.call(client, invoice, 1, unsafe)
    assert type(caught.value) is expected
    if unsafe:
        assert caught.value.attempts == 1
    else:
        assert "closed" in str(caught.value)


# -- RetryPolicy --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"attempts": 0}, "RetryPolicy.attempts"),
        ({"attempts": -1}, "RetryPolicy.attempts"),
        ({"attempts": "3"}, "RetryPolicy.attempts"),
        ({"attempts": 2.0}, "RetryPolicy.attempts"),
        ({"attempts": True}, "RetryPolicy.attempts"),
        ({"rate_limit_attempts": 0}, "RetryPolicy.rate_limit_attempts"),
        ({"initial": -1}, "RetryPolicy.initial"),
        ({"initial": "0.5"}, "RetryPolicy.initial"),
        ({"cap": float("nan")}, "RetryPolicy.cap"),
        ({"cap": float("inf")}, "RetryPolicy.cap"),
        ({"max_retry_after": -0.1}, "RetryPolicy.max_retry_after"),
        ({"jitter": 1}, "RetryPolicy.jitter"),
    ],
)
def test_retry_policy_refuses_nonsense_when_made(options: dict[str, Any], field: str) -> None:
    """attempts=0 (and every other nonsense value) is refused at construction, naming the field."""
    with pytest.raises(ValidationError) as caught:
        RetryPolicy(**options)
    assert caught.value.field == field


def test_retry_policy_bounds_are_inclusive() -> None:
    policy = RetryPolicy(attempts=1, rate_limit_attempts=1, initial=0, cap=0, max_retry_after=0)
    assert (policy.attempts, policy.rate_limit_attempts) == (1, 1)


# -- absurd amounts ---------------------------------------------------------------------------------------

HUGE: list[Any] = [
    10**5000,
    -(10**5000),
    10**15 + 1,
    Decimal("1E+999999999"),
    Decimal("-1E+999999999"),
    Decimal("-1000000000000000.01"),
    Decimal("1E-999999999"),
    Decimal("0E+1000"),
    Decimal("0.0000000000001"),
]

Op = Callable[[Any, Any], Any]
MONEY_PATHS: list[tuple[str, str, Op]] = [
    (
        "payabli",
        "invoice_data.invoice_amount",
        lambda c, v: c.invoices.update(1, invoice_data=payabli.BillData(invoice_amount=v)),
    ),
    (
        "payabli",
        "invoice_data.items[0].item_cost",
        lambda c, v: c.invoices.update(
            1, invoice_data=payabli.BillData(items=[payabli.BillItem(item_cost=v)])
        ),
    ),
    (
        "invoro",
        "invoice.header.rounding_amount",
        lambda c, v: c.invoices.update_draft(
            UUID, invoro.DraftInvoice(header=invoro.Header(rounding_amount=v))
        ),
    ),
    (
        "invoro",
        "invoice.lines[0].price",
        lambda c, v: c.invoices.update_draft(
            UUID, invoro.DraftInvoice(lines=[invoro.Line(name="x", price=v)])
        ),
    ),
    (
        "invoro",
        "invoice.lines[0].quantity",
        lambda c, v: c.invoices.update_draft(
            UUID, invoro.DraftInvoice(lines=[invoro.Line(name="x", quantity=v)])
        ),
    ),
    ("whmcs", "credit", lambda c, v: c.invoices.update(1, credit=v)),
    ("whmcs", "tax_rate", lambda c, v: c.invoices.update(1, tax_rate=v)),
    (
        "whmcs",
        "new_items[0].amount",
        lambda c, v: c.invoices.update(1, new_items=[whmcs.NewItem("d", v, False)]),
    ),
    (
        "whmcs",
        "items[7].amount",
        lambda c, v: c.invoices.update(1, items={7: whmcs.ItemChange("d", v, False)}),
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", HUGE, ids=lambda v: f"{type(v).__name__}-{Decimal(v):.3E}")
@pytest.mark.parametrize(
    ("provider", "field", "op"), MONEY_PATHS, ids=[f"{p}:{f}" for p, f, _ in MONEY_PATHS]
)
async def test_absurd_amounts_are_validation_errors(
    provider: str, field: str, op: Op, value: Any, kind: str
) -> None:
    """10**5000 and Decimal("1E+999999999") (and tiny or zero-padded cousins) are refused naming the
    field: never decimal.Overflow, never ValueError from int-to-str, never a billion-digit body."""
    transport = NoNetwork()
    client = make_client(provider, kind, transport)
    try:
        with pytest.raises(ValidationError) as caught:
            await _run(kind, op(client, value))
    finally:
        await _close(client, kind)
    assert caught.value.field == field, str(caught.value)
    assert "at most 10**15" in caught.value.rule or "decimal places" in caught.value.rule
    assert transport.requests == []


def test_largest_amount_still_goes_out_digit_for_digit() -> None:
    """At the bounds (10**15, 12 places) a free-form money field is sent exactly as given."""
    fake = FakePayabli()
    fake.add_invoice(1)
    amount = Decimal("1000000000000000.00")
    with fake.client() as client:
        client.invoices.update(
            1, invoice_data=payabli.BillData(invoice_amount=amount, discount=Decimal("0.000000000001"))
        )
    body = fake.requests[-1].content
    assert b'"invoiceAmount":1000000000000000.00' in body
    assert b'"discount":0.000000000001' in body


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_whmcs_call_pass_through_number_is_bounded_by_length(kind: str) -> None:
    """Whmcs.call() takes any action's numbers, not only money, so they are not held to the money
    bounds; a number that would be written with a billion digits is still refused, naming the param."""
    transport = NoNetwork()
    client = make_client("whmcs", kind, transport)
    try:
        with pytest.raises(ValidationError) as caught:
            await _run(kind, client.call("GetInvoice", weight=Decimal("1E+999999999")))
    finally:
        await _close(client, kind)
    assert caught.value.field == "weight"
    assert transport.requests == []
