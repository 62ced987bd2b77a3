"""Shared command line, table, plot and JSON output for every demo.

A demo module defines ``NAME``, ``TITLE`` and ``CLAIM`` (dicts with "en" and "zh"), a ``Config``
dataclass of commented defaults (with ``seed``, ``quick`` and ``device`` fields), ``run(config) ->
DemoResult`` and ``plot(result, fig)``. This module turns that into ``python -m gradlab.demos.<name>`` (or
``python -m gradlab.demos.<name>`` from the top of a clone):

    python -m gradlab.demos.gradient_vs_lag --quick --out demo-output/gradient_vs_lag
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import random
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch


@dataclasses.dataclass
class DemoResult:
    """What one run measured: headline metrics, a table to print, series to plot, the verdict."""

    metrics: dict[str, float]
    table: list[dict[str, Any]]
    claim_held: bool
    headline: str
    series: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-ready form (series included, so a plot can be redrawn); NaN and inf become strings."""
        return json_safe(dataclasses.asdict(self))


def json_safe(value: Any) -> Any:
    """Replace non-finite floats by "nan" / "inf" / "-inf" so the JSON is valid for every parser."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch; return a torch generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def resolve_device(device: str) -> torch.device:
    """Return the requested device, refusing cuda when this machine has none."""
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda was requested but no CUDA device is available")
    return torch.device(device)


def format_value(value: Any) -> str:
    """Format a table cell: floats compactly, everything else as text."""
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if value == 0 or math.isnan(value) or math.isinf(value):
        return str(value)
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.2e}"


def format_table(rows: list[dict[str, Any]]) -> str:
    """Render rows of dicts as a fixed-width text table."""
    if not rows:
        return ""
    columns = list(rows[0])
    cells = [[format_value(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def run_demo(module: ModuleType, config: Any, out: Path | None) -> tuple[DemoResult, dict[str, Any]]:
    """Run one demo, write ``plot.png`` and ``result.json`` under ``out``; return result and record."""
    torch.set_num_threads(1)  # small models: one thread is faster here than two fighting for 2 cores
    importlib.import_module("torch._dynamo")  # the first optimizer imports it lazily (~1 s): not part of the effect
    start = time.perf_counter()
    result = module.run(config)
    seconds = time.perf_counter() - start
    record = {
        "name": module.NAME,
        "title": module.TITLE,
        "claim": module.CLAIM,
        "config": dataclasses.asdict(config),
        "seconds": round(seconds, 3),
        **result.to_json(),
    }
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        save_plot(module, result, out / "plot.png")
        (out / "result.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return result, record


def save_plot(module: ModuleType, result: DemoResult, path: Path) -> None:
    """Draw the demo's figure with a non-interactive backend and save it as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8, 4.5), dpi=100)
    module.plot(result, fig)
    fig.suptitle(module.TITLE["en"], fontsize=12)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(module: ModuleType, argv: list[str] | None = None) -> int:
    """Parse the standard demo flags, run the demo, print its table and verdict."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {module.__spec__.name if module.__spec__ else module.__name__}",
        description=module.CLAIM["en"],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed for data and weights")
    parser.add_argument("--quick", action="store_true", help="smaller run (a few seconds) for tests")
    parser.add_argument(
        "--out", type=Path, default=Path("demo-output") / module.NAME, help="folder for plot.png and result.json"
    )
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    args = parser.parse_args(argv)
    config = module.Config(seed=args.seed, quick=args.quick, device=args.device)
    result, record = run_demo(module, config, args.out)
    print(module.TITLE["en"])
    print(format_table(result.table))
    print(f"\n{result.headline}")
    print(f"compute time: {record['seconds']:.2f} s; wrote {args.out / 'plot.png'} and {args.out / 'result.json'}")
    print(f"Claim {'HELD' if result.claim_held else 'DID NOT HOLD'}: {module.CLAIM['en']}")
    return 0


if __name__ == "__main__":  # pragma: no cover - the harness is not a demo itself
    sys.exit("run a demo instead, e.g. python -m gradlab.demos.gradient_vs_lag")
