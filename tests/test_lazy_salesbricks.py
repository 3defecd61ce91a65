"""Salesbricks' attachment-list items (Keep, Add) live in ``salesbricks._parts``, loaded on first use: a call
that sends no attachment list never creates their classes, and everything public about them is as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

_SCRIPT = r"""
import inspect, json, pickle, sys, typing
import httpx
import attrs
from invoicekit import ValidationError, salesbricks

PARTS = "invoicekit.salesbricks._parts"
out = {"loaded": {}}
out["loaded"]["import"] = PARTS in sys.modules
for name in ("Attachment", "InvoiceUpdateResult"):  # the public models' hints resolve before the load
    cls = vars(salesbricks)[name]
    typing.get_type_hints(cls), inspect.signature(cls, eval_str=True), attrs.resolve_types(cls)
out["loaded"]["hints"] = PARTS in sys.modules
seen = []
def answer(request):
    seen.append((request.method, str(request.url)))
    body = {"invoice_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "attachments": []}
    return httpx.Response(200, json=body)
client = salesbricks.Salesbricks(
    api_key="k", base_url="https://sb.test/api/v2",
    http_client=httpx.Client(transport=httpx.MockTransport(answer)),
)
result = client.invoices.update("3c90c3cc-0d44-4b50-8888-8dd25736052a", invoice_memo="Net 30")
out["result"] = [result.invoice_id, seen]
out["loaded"]["call"] = PARTS in sys.modules
try:
    client.invoices.update("3c90c3cc-0d44-4b50-8888-8dd25736052a", attachments=[{"attachment_id": "a"}])
except ValidationError as exc:
    out["wrong type"] = [exc.field, exc.rule]
out["loaded"]["wrong type"] = PARTS in sys.modules
sig = inspect.signature(type(client.invoices).update)
out["attachments annotation"] = str(sig.parameters["attachments"].annotation)
out["loaded"]["signature"] = PARTS in sys.modules
keep = salesbricks.Keep("att-1", target="subscription")
out["keep"] = [repr(keep), type(keep).__module__, pickle.loads(pickle.dumps(keep)) == keep]
from invoicekit.salesbricks._models import Add, Keep
out["one class"] = [Keep is salesbricks.Keep, Add is salesbricks.Add]
out["evolved"] = attrs.evolve(keep, target="invoice").target
ns = {}
exec("from invoicekit.salesbricks import *", ns)
out["star"] = sorted(n for n in salesbricks.__all__ if n not in ns)
sent = []
def answer2(request):
    sent.append(request.content)
    return httpx.Response(200, json={"invoice_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"})
client2 = salesbricks.Salesbricks(
    api_key="k", base_url="https://sb.test/api/v2",
    http_client=httpx.Client(transport=httpx.MockTransport(answer2)),
)
client2.invoices.update("3c90c3cc-0d44-4b50-8888-8dd25736052a", attachments=[keep])
out["kept"] = b'{"attachment_id":"att-1","target":"subscription"}' in sent[0]
sys.stdout.write(json.dumps(out))
"""


def _fresh() -> Any:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_keep_and_add_load_only_when_used_and_are_the_same_public_classes() -> None:
    out = _fresh()
    assert out["loaded"] == {
        "import": False,
        "hints": False,
        "call": False,
        "wrong type": False,  # a wrong item is named without loading them
        "signature": True,  # reading the update's signature evaluates Keep | Add
    }
    assert out["result"] == [
        "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        [["PATCH", "https://sb.test/api/v2/invoices/3c90c3cc-0d44-4b50-8888-8dd25736052a"]],
    ]
    assert out["wrong type"] == ["attachments[0]", "must be salesbricks.Keep or salesbricks.Add, not dict"]
    parts = "invoicekit.salesbricks._parts"
    assert f"collections.abc.Sequence[{parts}.Keep | {parts}.Add]" in out["attachments annotation"]
    assert out["keep"] == ["Keep(attachment_id='att-1', target='subscription')", parts, True]
    assert out["one class"] == [True, True]
    assert out["evolved"] == "invoice"
    assert out["star"] == []
    assert out["kept"] is True
