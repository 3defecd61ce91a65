"""One call per provider, each twice: through invoicekit and through raw httpx building the same request by
hand (same method, URL, auth, body encoding, and the same check of the answer).

Every case is ``make_<name>(transport)`` returning a zero-argument callable that performs ONE call.
*transport* is an ``httpx.MockTransport`` answering the provider's canned success (see :data:`CANNED`),
so the figure is client overhead plus httpx, with no socket and no server. The official Payabli SDK case
runs in its own throwaway venv (``setup_payabli.py``); the project does not depend on it.

Imports happen inside the functions, so a case whose provider has not landed yet is reported as skipped
(``ImportError``/``AttributeError``) and the others still run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable

BASE = "https://api.test"  # only the mock transport ever sees it

#: A small but real PDF (one empty page), padded to ~2 KB like a tiny invoice.
SMALL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n" + b"%" + b"x" * 1800 + b"\n%%EOF\n"
)

#: The provider's canned success answer: (status, JSON body or None for no body).
CANNED: dict[str, tuple[int, object]] = {
    "upflow": (204, None),
    "salesbricks": (
        200,
        {
            "invoice_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
            "signed_pdf_url": "https://files.salesbricks.invalid/invoices/3c90c3cc.pdf",
            "attachments": [],
        },
    ),
    "payabli": (
        200,
        {"isSuccess": True, "responseCode": 1, "responseData": 3625, "responseText": "Success", "roomId": 0},
    ),
    "invoro": (
        200,
        {
            "success": True,
            "data": {
                "id": "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77",
                "state": "draft",
                "direction": "outgoing",
                "total": 12100,
                "currency": "EUR",
                "network": None,
                "invoice_number": "INV-42",
            },
            "message": "Invoice updated successfully",
            "errors": None,
        },
    ),
    "whmcs": (200, {"result": "success", "invoiceid": 42}),
}


def mock_transport(provider: str):  # -> httpx.MockTransport
    import httpx

    status, body = CANNED[provider]
    content = b"" if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"content-type": "application/json"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=content)

    return httpx.MockTransport(handler)  # MockTransport reads the request body, as a real transport would


_PDF_PATH: list[str] = []


def small_pdf_path() -> str:
    """A ~2 KB PDF on disk: ``$IK_BENCH_PDF`` when set (cold runs), else made once and removed at exit."""
    if not _PDF_PATH and os.environ.get("IK_BENCH_PDF"):
        _PDF_PATH.append(os.environ["IK_BENCH_PDF"])
    if not _PDF_PATH:
        import atexit
        import tempfile

        fd, path = tempfile.mkstemp(suffix=".pdf", prefix="ik-bench-")
        with os.fdopen(fd, "wb") as f:
            f.write(SMALL_PDF)
        atexit.register(os.remove, path)
        _PDF_PATH.append(path)
    return _PDF_PATH[0]


# -- Upflow: multipart upload of a small PDF from a path -------------------------------------------------


def make_ik_upflow(transport) -> Callable[[], object]:
    import httpx

    import invoicekit

    client = invoicekit.Upflow(
        api_key="k-test",
        api_secret="s-test",
        base_url=BASE + "/v1",
        http_client=httpx.Client(transport=transport),
    )
    path = small_pdf_path()

    def call() -> object:
        return client.invoices.upload_pdf("inv_123", path)

    return call


def make_raw_upflow(transport) -> Callable[[], object]:
    import httpx

    client = httpx.Client(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"X-API-KEY": "k-test", "X-API-SECRET": "s-test", "Accept": "application/json"}
    path = small_pdf_path()

    def call() -> object:
        with open(path, "rb") as f:
            files = {"file": ("invoice.pdf", f, "application/pdf")}
            r = client.post(BASE + "/v1/invoices/inv_123/pdf", files=files, headers=headers)
        r.raise_for_status()
        return None

    return call


# -- Salesbricks: PATCH multipart with two fields ------------------------------------------------------


def make_ik_salesbricks(transport) -> Callable[[], object]:
    import httpx

    from invoicekit.salesbricks import Salesbricks

    client = Salesbricks(
        api_key="sb-test", base_url=BASE + "/api/v2", http_client=httpx.Client(transport=transport)
    )

    def call() -> object:
        return client.invoices.update(
            "3c90c3cc-0d44-4b50-8888-8dd25736052a", invoice_memo="Net 30", purchase_order="PO-42"
        )

    return call


def make_raw_salesbricks(transport) -> Callable[[], object]:
    import httpx

    client = httpx.Client(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"X-SALESBRICKS-KEY": "sb-test", "Accept": "application/json"}
    url = BASE + "/api/v2/invoices/3c90c3cc-0d44-4b50-8888-8dd25736052a"

    def call() -> object:
        # multipart/form-data with text parts only: given data= alone httpx sends a urlencoded form, so the
        # parts go in files= with no filename, which httpx writes as plain form parts (same bytes).
        data = {
            "purchase_order": json.dumps({"code": "PO-42"}, separators=(",", ":")),
            "invoice_memo": "Net 30",
        }
        files = [(k, (None, v)) for k, v in data.items()]
        r = client.patch(url, files=files, headers=headers)
        r.raise_for_status()
        return r.json()

    return call


# -- Payabli: PUT JSON ------------------------------------------------------------------------------


def make_ik_payabli(transport) -> Callable[[], object]:
    import httpx

    from invoicekit import payabli
    from invoicekit.payabli import Payabli

    client = Payabli(api_key="pk-test", base_url=BASE, http_client=httpx.Client(transport=transport))
    data = payabli.BillData(notes="Q3 services", invoice_number="INV-42")

    def call() -> object:
        return client.invoices.update(3625, invoice_data=data)

    return call


def make_raw_payabli(transport) -> Callable[[], object]:
    import httpx

    client = httpx.Client(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"requestToken": "pk-test", "Accept": "application/json"}

    def call() -> object:
        body = {"invoiceData": {"invoiceNumber": "INV-42", "notes": "Q3 services"}}
        r = client.put(BASE + "/Invoice/3625", json=body, headers=headers)
        r.raise_for_status()
        data = r.json()
        if not data.get("isSuccess"):
            raise RuntimeError(data)
        return data

    return call


def make_sdk_payabli(transport) -> Callable[[], object]:
    """The official Payabli SDK (Fern) on the same update; runs only in the throwaway venv."""
    import httpx
    from payabli import payabli as PayabliSDK
    from payabli.types import BillData

    client = PayabliSDK(api_key="pk-test", base_url=BASE, httpx_client=httpx.Client(transport=transport))
    data = BillData(notes="Q3 services", invoice_number="INV-42")

    def call() -> object:
        return client.invoice.edit_invoice(3625, invoice_data=data)

    return call


# -- Invoro: PUT a draft (JSON, snake_case, cents) ----------------------------------------------------


def _invoro_draft():  # -> invoro.DraftInvoice
    import datetime as dt
    from decimal import Decimal

    from invoicekit import invoro

    return invoro.DraftInvoice(
        header=invoro.Header(
            invoice_number="INV-42",
            issue_date=dt.date(2025, 9, 30),
            due_date=dt.date(2025, 10, 30),
            currency="EUR",
        ),
        lines=[invoro.Line(name="Q3 services", quantity=Decimal(1), price=Decimal("100.00"))],
    )


def make_ik_invoro(transport) -> Callable[[], object]:
    import httpx

    from invoicekit.invoro import Invoro

    client = Invoro(
        api_key="iv-test", base_url=BASE + "/invoice-api", http_client=httpx.Client(transport=transport)
    )
    draft = _invoro_draft()

    def call() -> object:
        return client.invoices.update_draft(
            "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", draft, calculate_totals=True
        )

    return call


def make_raw_invoro(transport) -> Callable[[], object]:
    import httpx

    client = httpx.Client(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"Authorization": "Bearer iv-test", "Accept": "application/json"}
    url = BASE + "/invoice-api/invoices/7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"

    def call() -> object:
        body = {
            "calculate_totals": True,
            "header": {
                "invoice_number": "INV-42",
                "issue_date": "2025-09-30T00:00:00Z",
                "due_date": "2025-10-30T00:00:00Z",
                "currency": "EUR",
            },
            "items": [{"name": "Q3 services", "quantity": 1, "price": 10000}],
        }
        r = client.put(url, json=body, headers=headers)
        r.raise_for_status()
        data = r.json()
        if not data.get("success"):
            raise RuntimeError(data)
        return data["data"]

    return call


# -- WHMCS: POST form to /includes/api.php, credentials in the body -----------------------------------


def make_ik_whmcs(transport) -> Callable[[], object]:
    import httpx

    from invoicekit.whmcs import Whmcs

    client = Whmcs(
        url=BASE, identifier="wh-ident", secret="wh-secret", http_client=httpx.Client(transport=transport)
    )

    def call() -> object:
        return client.invoices.update(42, status="Unpaid", notes="Q3 services")

    return call


def make_raw_whmcs(transport) -> Callable[[], object]:
    import httpx

    client = httpx.Client(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"Accept": "application/json"}

    def call() -> object:
        form = {
            "action": "UpdateInvoice",
            "invoiceid": "42",
            "status": "Unpaid",
            "notes": "Q3 services",
            "responsetype": "json",
            "identifier": "wh-ident",
            "secret": "wh-secret",
        }
        r = client.post(BASE + "/includes/api.php", data=form, headers=headers)
        r.raise_for_status()
        data = r.json()
        if data.get("result") != "success":
            raise RuntimeError(data)
        return data

    return call


# -- async: the same calls through each provider's Async* client and through httpx.AsyncClient ----------


def make_aik_upflow(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    import invoicekit

    client = invoicekit.AsyncUpflow(
        api_key="k-test",
        api_secret="s-test",
        base_url=BASE + "/v1",
        http_client=httpx.AsyncClient(transport=transport),
    )
    path = small_pdf_path()

    async def call() -> object:
        return await client.invoices.upload_pdf("inv_123", path)

    return call


def make_araw_upflow(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    client = httpx.AsyncClient(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"X-API-KEY": "k-test", "X-API-SECRET": "s-test", "Accept": "application/json"}
    path = small_pdf_path()

    async def call() -> object:
        with open(path, "rb") as f:
            files = {"file": ("invoice.pdf", f, "application/pdf")}
            r = await client.post(BASE + "/v1/invoices/inv_123/pdf", files=files, headers=headers)
        r.raise_for_status()
        return None

    return call


def make_aik_salesbricks(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    from invoicekit.salesbricks import AsyncSalesbricks

    client = AsyncSalesbricks(
        api_key="sb-test", base_url=BASE + "/api/v2", http_client=httpx.AsyncClient(transport=transport)
    )

    async def call() -> object:
        return await client.invoices.update(
            "3c90c3cc-0d44-4b50-8888-8dd25736052a", invoice_memo="Net 30", purchase_order="PO-42"
        )

    return call


def make_araw_salesbricks(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    client = httpx.AsyncClient(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"X-SALESBRICKS-KEY": "sb-test", "Accept": "application/json"}
    url = BASE + "/api/v2/invoices/3c90c3cc-0d44-4b50-8888-8dd25736052a"

    async def call() -> object:
        data = {
            "purchase_order": json.dumps({"code": "PO-42"}, separators=(",", ":")),
            "invoice_memo": "Net 30",
        }
        files = [(k, (None, v)) for k, v in data.items()]
        r = await client.patch(url, files=files, headers=headers)
        r.raise_for_status()
        return r.json()

    return call


def make_aik_payabli(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    from invoicekit import payabli
    from invoicekit.payabli import AsyncPayabli

    client = AsyncPayabli(
        api_key="pk-test", base_url=BASE, http_client=httpx.AsyncClient(transport=transport)
    )
    data = payabli.BillData(notes="Q3 services", invoice_number="INV-42")

    async def call() -> object:
        return await client.invoices.update(3625, invoice_data=data)

    return call


def make_araw_payabli(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    client = httpx.AsyncClient(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"requestToken": "pk-test", "Accept": "application/json"}

    async def call() -> object:
        body = {"invoiceData": {"invoiceNumber": "INV-42", "notes": "Q3 services"}}
        r = await client.put(BASE + "/Invoice/3625", json=body, headers=headers)
        r.raise_for_status()
        data = r.json()
        if not data.get("isSuccess"):
            raise RuntimeError(data)
        return data

    return call


def make_aik_invoro(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    from invoicekit.invoro import AsyncInvoro

    client = AsyncInvoro(
        api_key="iv-test", base_url=BASE + "/invoice-api", http_client=httpx.AsyncClient(transport=transport)
    )
    draft = _invoro_draft()

    async def call() -> object:
        return await client.invoices.update_draft(
            "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", draft, calculate_totals=True
        )

    return call


def make_araw_invoro(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    client = httpx.AsyncClient(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"Authorization": "Bearer iv-test", "Accept": "application/json"}
    url = BASE + "/invoice-api/invoices/7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"

    async def call() -> object:
        body = {
            "calculate_totals": True,
            "header": {
                "invoice_number": "INV-42",
                "issue_date": "2025-09-30T00:00:00Z",
                "due_date": "2025-10-30T00:00:00Z",
                "currency": "EUR",
            },
            "items": [{"name": "Q3 services", "quantity": 1, "price": 10000}],
        }
        r = await client.put(url, json=body, headers=headers)
        r.raise_for_status()
        data = r.json()
        if not data.get("success"):
            raise RuntimeError(data)
        return data["data"]

    return call


def make_aik_whmcs(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    from invoicekit.whmcs import AsyncWhmcs

    client = AsyncWhmcs(
        url=BASE,
        identifier="wh-ident",
        secret="wh-secret",
        http_client=httpx.AsyncClient(transport=transport),
    )

    async def call() -> object:
        return await client.invoices.update(42, status="Unpaid", notes="Q3 services")

    return call


def make_araw_whmcs(transport) -> Callable[[], Awaitable[object]]:
    import httpx

    client = httpx.AsyncClient(transport=transport, timeout=60.0, follow_redirects=False)
    headers = {"Accept": "application/json"}

    async def call() -> object:
        form = {
            "action": "UpdateInvoice",
            "invoiceid": "42",
            "status": "Unpaid",
            "notes": "Q3 services",
            "responsetype": "json",
            "identifier": "wh-ident",
            "secret": "wh-secret",
        }
        r = await client.post(BASE + "/includes/api.php", data=form, headers=headers)
        r.raise_for_status()
        data = r.json()
        if data.get("result") != "success":
            raise RuntimeError(data)
        return data

    return call


PROVIDERS = ("upflow", "salesbricks", "payabli", "invoro", "whmcs")

#: case name -> (factory, provider whose canned answer it gets)
CASES: dict[str, tuple[Callable[..., Callable[[], object]], str]] = {
    **{f"ik_{p}": (globals()[f"make_ik_{p}"], p) for p in PROVIDERS},
    **{f"raw_{p}": (globals()[f"make_raw_{p}"], p) for p in PROVIDERS},
    **{f"ikfast_{p}": (globals()[f"make_ik_{p}"], p) for p in PROVIDERS},
    **{f"aik_{p}": (globals()[f"make_aik_{p}"], p) for p in PROVIDERS},
    **{f"araw_{p}": (globals()[f"make_araw_{p}"], p) for p in PROVIDERS},
    **{f"aikfast_{p}": (globals()[f"make_aik_{p}"], p) for p in PROVIDERS},
    "sdk_payabli": (make_sdk_payabli, "payabli"),
}


def build(case: str) -> Callable[[], object]:
    """One blocking call of *case* (an ``a…`` case runs its one call on a fresh event loop)."""
    if case.startswith("a"):
        run = build_block(case)
        return lambda: run(1)
    factory, provider = CASES[case]
    call = factory(mock_transport(provider))
    if case.startswith("ik"):
        return _json_path(call, fast=case.startswith("ikfast_"))
    return call


def build_block(case: str) -> Callable[[int], None]:
    """A function making *n* calls of *case* in a row. Async cases (``aik_``, ``araw_``, ``aikfast_``) run
    their *n* calls inside one coroutine on one event loop kept for the case, so the figure is the calls'
    cost, not the loop's start-up.
    """
    if not case.startswith("a"):
        call = build(case)

        def run(n: int) -> None:
            for _ in range(n):
                call()

        return run
    import asyncio

    factory, provider = CASES[case]
    acall = factory(mock_transport(provider))
    fast = case.startswith("aikfast_")
    json_module = _json_module(fast) if case.startswith("aik") else _NO_SWITCH
    loop = asyncio.new_event_loop()
    if json_module is _NO_SWITCH:

        async def many(n: int) -> None:
            for _ in range(n):
                await acall()

    else:
        # Set before every call, as _json_path does for the sync cases: one attribute store. (An import
        # statement per call, as before, cost the invoicekit side alone ~4,000 instructions a call.)
        from invoicekit import _json

        async def many(n: int) -> None:
            for _ in range(n):
                _json._orjson = json_module
                await acall()

    def run_async(n: int) -> None:
        loop.run_until_complete(many(n))

    return run_async


_NO_SWITCH = object()


def _json_module(fast: bool) -> object:
    """The orjson module (``fast``), None (the standard library), or _NO_SWITCH for a tree without _json."""
    try:
        from invoicekit import _json  # noqa: F401
    except ImportError:
        if fast:
            raise
        return _NO_SWITCH
    if fast:
        import orjson  # ImportError -> the case is reported as skipped

        return orjson
    return None


def _json_path(call: Callable[[], object], *, fast: bool) -> Callable[[], object]:
    """*call* with invoicekit's JSON on orjson (``ikfast_``: the ``fast`` extra) or on the standard library
    (``ik_``: the default install, the same code path as when orjson is not installed). Set before every
    call, so both can alternate in one process; it costs one attribute store.
    """
    try:
        from invoicekit import _json
    except ImportError:  # a tree from before the fast extra (percall_ab.py's "before"): stdlib only
        if fast:
            raise
        return call

    module = None
    if fast:
        import orjson  # ImportError -> the case is reported as skipped

        module = orjson

    def with_json() -> object:
        _json._orjson = module
        return call()

    return with_json
