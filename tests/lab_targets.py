"""Run targets for the lab's backend tests, called in the demo worker processes instead of a demo.

``gated`` blocks on the FIFO named by GRADLAB_TEST_GATE until the test opens it for writing, and logs each
call, so a test decides when a run ends and counts how many ran. ``spin`` burns CPU until the limit stops it.
"""

from __future__ import annotations

import os
from pathlib import Path


def gated(name: str, params: dict) -> dict:
    gate = Path(os.environ["GRADLAB_TEST_GATE"])
    with open(gate.with_suffix(".log"), "a") as log:
        log.write(f"{name} {sorted(params.items())}\n")
    with open(gate) as fifo:  # blocks until the test opens the FIFO for writing, returns when it closes it
        fifo.read()
    return {"metrics": {"gated": 1.0}, "table": [], "claim_held": True, "headline": "gated", "series": {}, "seconds": 0}


def spin(name: str, params: dict) -> dict:
    total = 0
    while True:
        total += 1
