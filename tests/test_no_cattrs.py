"""Issue 19: no call of any provider imports cattrs (answers are read by generated readers, _read.py).

A fresh interpreter makes one sync and one async call of each provider (and the two reads, Payabli's and
WHMCS' ``get``) through ``httpx.MockTransport`` answering each provider's documented success, checks what
each call returned, and reports whether cattrs was ever imported.
"""

import subprocess
import sys

SCRIPT = r"""
import asyncio, datetime as dt, json, sys
UTC = dt.timezone.utc
from decimal import Decimal
import httpx
import invoicekit
from invoicekit import invoro, payabli

ANSWERS = {
    "upflow": (204, None),
    "salesbricks": (200, {"invoice_id": "inv-1", "signed_pdf_url": None,
                          "attachments": [{"attachment_id": "a1", "created_at": "2026-01-02T03:04:05Z"}]}),
    "payabli": (200, {"isSuccess": True, "responseCode": 1, "responseData": 3625, "responseText": "Success",
                      "roomId": 0}),
    "payabli-get": (200, {"IdInvoice": 3625, "invoiceNumber": "INV-1", "invoiceAmount": 12.5, "items": []}),
    "invoro": (200, {"success": True, "data": {"id": "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", "total": 12100,
                                               "created_at": "2026-01-02T03:04:05Z"}}),
    "whmcs": (200, {"result": "success", "invoiceid": "42"}),
    "whmcs-get": (200, {"result": "success", "invoiceid": "42", "status": "Unpaid", "items": ""}),
}

def transport(name):
    status, body = ANSWERS[name]
    content = b"" if body is None else json.dumps(body).encode()
    return httpx.MockTransport(lambda request: httpx.Response(status, content=content,
                               headers={"content-type": "application/json"}))

def clients(name, asynchronous):
    http = (httpx.AsyncClient if asynchronous else httpx.Client)(transport=transport(name))
    provider = name.split("-")[0]
    kind = {"upflow": "Upflow", "salesbricks": "Salesbricks", "payabli": "Payabli", "invoro": "Invoro",
            "whmcs": "Whmcs"}[provider]
    cls = getattr(invoicekit, ("Async" if asynchronous else "") + kind)
    if provider == "upflow":
        return cls(api_key="k", api_secret="s", http_client=http)
    if provider == "whmcs":
        return cls("https://billing.example.test", "id", "secret", http_client=http)
    return cls(api_key="k", http_client=http)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DRAFT = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-42"))
CALLS = {
    "upflow": lambda c: c.invoices.upload_pdf("inv_1", PDF),
    "salesbricks": lambda c: c.invoices.update("inv-1", invoice_memo="m"),
    "payabli": lambda c: c.invoices.update(3625, invoice_data=payabli.BillData(notes="n")),
    "payabli-get": lambda c: c.invoices.get(3625),
    "invoro": lambda c: c.invoices.update_draft("7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", DRAFT),
    "whmcs": lambda c: c.invoices.update(42, notes="n"),
    "whmcs-get": lambda c: c.invoices.get(42),
}
EXPECT = {
    "upflow": lambda r: r is None,
    "salesbricks": lambda r: r.attachments[0].created_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    "payabli": lambda r: r.response_data == 3625 and r.is_success is True,
    "payabli-get": lambda r: r.invoice_amount == Decimal("12.5"),
    "invoro": lambda r: r.total == Decimal("121.00") and r.created_at.year == 2026,
    "whmcs": lambda r: r.invoice_id == 42,
    "whmcs-get": lambda r: r.invoice_id == 42 and r.items == (),
}

async def run_async(name):
    async with clients(name, True) as client:
        return await CALLS[name](client)

for name in CALLS:
    with clients(name, False) as client:
        assert EXPECT[name](CALLS[name](client)), name
    assert EXPECT[name](asyncio.run(run_async(name))), name
print(sorted(m for m in sys.modules if m == "cattrs" or m.startswith("cattrs.")))
"""


def test_no_call_of_any_provider_imports_cattrs() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "[]"
