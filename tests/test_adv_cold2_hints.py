"""Adversary (cold2): type hints of the public models read *before* a provider's lazily loaded models are.

``typing.get_type_hints`` and ``inspect.signature(..., eval_str=True)`` of a public model (what cattrs,
pydantic, sphinx and typeguard read) must resolve in a fresh interpreter where no lazily loaded name was
touched yet, as they did before the models moved into ``<provider>._parts``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

_SCRIPT = r"""
import inspect, json, sys, typing
import attrs
from invoicekit import invoro, payabli, whmcs

out = {"failed": [], "loaded before": [], "seller": None}
out["loaded before"] = [f"invoicekit.{p}._parts" in sys.modules for p in ("invoro", "payabli", "whmcs")]
for module in (invoro, payabli, whmcs):
    for name in module.__all__:
        cls = vars(module).get(name)  # not getattr: that would load the parts first
        if not (isinstance(cls, type) and attrs.has(cls)):
            continue
        for what, read in (
            ("hints", lambda: typing.get_type_hints(cls)),
            ("init hints", lambda: typing.get_type_hints(cls.__init__)),
            ("signature", lambda: inspect.signature(cls, eval_str=True)),
            ("annotations", lambda: inspect.get_annotations(cls, eval_str=True)),
            ("resolve_types", lambda: attrs.resolve_types(cls)),
        ):
            try:
                read()
            except Exception as exc:
                out["failed"].append(f"{module.__name__}.{name} {what}: {type(exc).__name__}: {exc}")
try:
    seller = typing.get_type_hints(invoro.DraftInvoice)["seller"]
    out["seller"] = invoro.Party in typing.get_args(seller)
except NameError as exc:
    out["seller"] = str(exc)
sys.stdout.write(json.dumps(out))
"""


def _fresh() -> Any:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_hints_of_every_public_model_resolve_before_the_lazily_loaded_models_are_loaded() -> None:
    out = _fresh()
    assert out["loaded before"] == [False, False, False]
    assert out["failed"] == []
    assert out["seller"] is True
