"""RawResponse and RateLimit live in ``invoicekit._raw``, created on first use: a plain successful call never
makes them, and everything public about them (names, hints, raw responses, errors' rate limits, pickling,
attrs) is as before, whatever is used first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

_SCRIPT = r"""
import json, pickle, sys, typing
import attrs, httpx
import invoicekit
from invoicekit import invoro

RAW = "invoicekit._raw"
out = {"loaded": {}}
answers = []
def answer(request):
    return answers.pop(0)
def ok(**headers):
    body = {"success": True, "data": {"id": "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", "state": "draft"}}
    return httpx.Response(200, json=body, headers=headers)
client = invoro.Invoro(
    api_key="k", base_url="https://iv.test", http_client=httpx.Client(transport=httpx.MockTransport(answer)),
    max_retries=0,
)
draft = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
uid = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
answers.append(ok(**{"x-ratelimit-limit": "100"}))
client.invoices.update_draft(uid, draft, calculate_totals=True)
out["loaded"]["plain call"] = RAW in sys.modules
from invoicekit import _response
out["meta hints"] = str(typing.get_type_hints(_response.Meta)["rate_limit"])
out["loaded"]["hints"] = RAW in sys.modules
"""

_RAW_FIRST = r"""
answers.append(ok(**{"x-ratelimit-limit": "100", "x-ratelimit-remaining": "7", "x-request-id": "r-1"}))
raw = client.invoices.with_raw_response.update_draft(uid, draft, calculate_totals=True)
out["raw"] = [type(raw).__name__, raw.status_code, raw.request_id, repr(raw.rate_limit)]
out["public"] = [
    isinstance(raw, invoicekit.RawResponse), type(raw.rate_limit) is invoicekit.RateLimit,
    attrs.has(invoicekit.RawResponse), attrs.evolve(raw, attempts=5).attempts,
    pickle.loads(pickle.dumps(raw.rate_limit)) == raw.rate_limit,
    invoicekit.RawResponse is _response.RawResponse,
]
out["hints"] = str(typing.get_type_hints(invoicekit.RawResponse)["rate_limit"])
sys.stdout.write(json.dumps(out))
"""

_ERROR_FIRST = r"""
answers.append(httpx.Response(429, json={"success": False, "message": "slow down"},
                              headers={"x-ratelimit-limit": "100", "x-ratelimit-remaining": "0"}))
try:
    client.invoices.update_draft(uid, draft, calculate_totals=True)
except invoicekit.RateLimitError as exc:
    out["error"] = [repr(exc.rate_limit), type(exc.rate_limit) is invoicekit.RateLimit]
ns = {}
exec("from invoicekit import *", ns)
out["star"] = [ns["RawResponse"] is invoicekit.RawResponse, ns["RateLimit"] is invoicekit.RateLimit]
sys.stdout.write(json.dumps(out))
"""


def _fresh(tail: str) -> Any:
    done = subprocess.run([sys.executable, "-c", _SCRIPT + tail], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_plain_call_makes_no_raw_classes_and_a_raw_response_is_as_before() -> None:
    out = _fresh(_RAW_FIRST)
    assert out["loaded"] == {"plain call": False, "hints": True}  # reading Meta's hints loads them
    assert out["meta hints"] == "invoicekit._raw.RateLimit | None"
    assert out["raw"] == ["RawResponse", 200, "r-1", "RateLimit(limit=100, remaining=7, reset=None)"]
    assert out["public"] == [True, True, True, 5, True, True]
    assert out["hints"] == "invoicekit._raw.RateLimit | None"


def test_an_errors_rate_limit_made_first_is_the_public_class() -> None:
    out = _fresh(_ERROR_FIRST)
    assert out["error"] == ["RateLimit(limit=100, remaining=0, reset=None)", True]
    assert out["star"] == [True, True]
