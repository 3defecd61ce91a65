"""Adversary (cold2): a generated operation's signature must not depend on whether the provider's lazily
loaded models were loaded when the method was first looked up.

A method made before ``<provider>._parts`` loaded kept the annotations naming its models as text
(``'PayorData | None | Unset'``); its twin made after held the classes: ``inspect.signature`` of the sync
and async twins then differed (tests/test_public_api.py failed or passed by test order).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

_SCRIPT = r"""
import inspect, json, sys
from invoicekit import payabli, whmcs

out = {}
early = {
    "payabli": inspect.signature(payabli.Invoices.update),
    "whmcs": inspect.signature(sys.modules["invoicekit.whmcs._client"].Invoices.update),
}
out["loaded before"] = [f"invoicekit.{p}._parts" in sys.modules for p in ("payabli", "whmcs")]
payabli.PayorData, whmcs.ItemChange  # the parts load now
late = {
    "payabli": inspect.signature(payabli.AsyncInvoices.update),
    "whmcs": inspect.signature(sys.modules["invoicekit.whmcs._client"].AsyncInvoices.update),
}
out["equal"] = {k: early[k] == late[k] for k in early}
out["text left"] = {
    k: [n for n, p in early[k].parameters.items() if isinstance(p.annotation, str)] for k in early
}
out["customer_data is PayorData"] = payabli.PayorData in getattr(
    early["payabli"].parameters["customer_data"].annotation, "__args__", ())
sys.stdout.write(json.dumps(out))
"""


def _fresh() -> Any:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_method_made_before_the_parts_loaded_has_the_signature_of_its_twin_made_after() -> None:
    out = _fresh()
    assert out["loaded before"] == [False, False]
    assert out["equal"] == {"payabli": True, "whmcs": True}
    assert out["text left"] == {"payabli": [], "whmcs": []}
    assert out["customer_data is PayorData"] is True
