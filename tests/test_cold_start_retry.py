"""The default RetryPolicy is made when a call first fails (issue 19): a client given neither ``retry=`` nor
``max_retries=`` does not import ``invoicekit._retry`` (an attrs class, compiled at import) to make a call
that succeeds, and still retries, with the default policy, one that fails.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from typing import Any

import pytest

from invoicekit import RetryPolicy, payabli
from invoicekit._operations import OPTIONS, _Elsewhere, _evaluated

_SCRIPT = r"""
import json, sys
import httpx
import invoicekit
from invoicekit import payabli

# a 503 asking for no wait (Retry-After: 0): the policy's own backoff would only slow the test down
BUSY = httpx.Response(503, json={"isSuccess": False, "responseText": "busy"}, headers={"Retry-After": "0"})
OK = httpx.Response(200, json={"isSuccess": True, "responseCode": 1, "responseData": 3625,
                               "responseText": "Success", "roomId": 0})
answers, seen = [], []
def answer(request):
    seen.append((request.method, str(request.url), json.loads(request.content)))
    return answers.pop(0)
client = payabli.Payabli(api_key="k", base_url="https://p.test",
                         http_client=httpx.Client(transport=httpx.MockTransport(answer)))
out = {"made": "invoicekit._retry" in sys.modules}
for name, failures in (("success", 0), ("two 503s", 2), ("three 503s", 3)):  # in this order
    answers[:] = [BUSY] * failures + [OK]
    seen.clear()
    try:
        client.invoices.update(3625, invoice_data=payabli.BillData(notes="Q3"))  # a PUT: safe to repeat
        error = None
    except invoicekit.APIError as exc:
        error = [type(exc).__name__, exc.status_code]
    out[name] = {"loaded": "invoicekit._retry" in sys.modules, "error": error, "requests": list(seen)}
out["policy"] = repr(client._retry)
out["shared"] = client._retry is payabli.Payabli(api_key="k2")._retry  # one default for every client
sys.stdout.write(json.dumps(out))
"""
_SENT = ["PUT", "https://p.test/Invoice/3625", {"invoiceData": {"notes": "Q3"}}]


@pytest.fixture(scope="module")
def fresh() -> Any:
    """One fresh interpreter: a successful call, then one failing twice, then one failing three times."""
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_successful_call_never_imports_the_retry_policy(fresh: Any) -> None:
    assert fresh["made"] is False
    assert fresh["success"] == {"loaded": False, "error": None, "requests": [_SENT]}


def test_a_failed_call_is_retried_under_the_default_policy_made_then(fresh: Any) -> None:
    """Made on the first failure, the default policy retries the 503s of a PUT (DESIGN.md decision 4)."""
    assert fresh["two 503s"] == {"loaded": True, "error": None, "requests": [_SENT, _SENT, _SENT]}
    assert fresh["policy"] == repr(RetryPolicy())
    assert fresh["shared"] is True


def test_the_default_policy_made_late_gives_up_after_its_attempts(fresh: Any) -> None:
    """Three 503s: the default's 3 attempts are spent, the caller gets the error, no fourth request."""
    assert fresh["three 503s"] == {"loaded": True, "error": ["ServerError", 503], "requests": [_SENT] * 3}


def test_a_client_given_a_policy_keeps_its_own() -> None:
    own = RetryPolicy(attempts=1)
    assert payabli.Payabli(api_key="k", retry=own)._retry is own
    assert payabli.Payabli(api_key="k", max_retries=0)._retry == RetryPolicy(
        attempts=1, rate_limit_attempts=1
    )
    assert payabli.Payabli(api_key="k")._retry == RetryPolicy()


def test_the_retry_option_is_typed_as_before() -> None:
    """Its type is text in OPTIONS (no import of _retry), read as RetryPolicy | None with the signature."""
    assert inspect.signature(payabli.Payabli).parameters["retry"].annotation == (RetryPolicy | None)
    assert inspect.signature(payabli.AsyncPayabli).parameters["retry"].annotation == (RetryPolicy | None)
    kind = next(kind for name, _, kind in OPTIONS if name == "retry")
    assert isinstance(kind, _Elsewhere)
    assert _evaluated(kind, {}) == (RetryPolicy | None)  # in _retry's namespace, not the one given
    assert _evaluated("RetryPolicy | None", {}) == "RetryPolicy | None"  # plain text: the one given
