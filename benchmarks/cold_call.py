"""One cold process: import, build a client, make one call through httpx.MockTransport. Time it from outside.

  python benchmarks/cold_call.py ik_upflow     # import invoicekit + Upflow(...) + one upload_pdf
  python benchmarks/cold_call.py raw_upflow    # import httpx + httpx.Client(...) + the same request by hand

CASE is a key of cases.CASES. Used by import_time.py, which times whole fresh processes.
"""

import sys

import cases

cases.build(sys.argv[1])()
