"""Shared command line, table, plot and JSON output for every demo.

A demo module defines ``NAME``, ``TITLE`` and ``CLAIM`` (dicts with "en" and "zh"), a ``Config``
dataclass of commented defaults (with ``seed``, ``quick`` and ``device`` fields), ``run(config) ->
DemoResult``, ``plot(result, fig)`` and ``PARAMS``, the teaching knobs a learner may turn (fields of
``Config``, each declared as a ``Param``). This module turns that into ``python -m gradlab.demos.<name>``:

    python -m gradlab.demos.gradient_vs_lag --quick --out demo-output/gradient_vs_lag
    python -m gradlab.demos.gradient_vs_lag --forget-bias 0 --seq-len 200

``validate_params`` / ``param_schema`` / ``run_with_params`` serve the same knobs to the CLI and the API.
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
from collections.abc import Mapping
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
    params: dict[str, Any] = dataclasses.field(default_factory=dict)  # the knobs' values in this run

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
    """Run one demo, write ``plot.png``, ``plot.zh.png`` and ``result.json`` under ``out``; return both."""
    torch.set_num_threads(1)  # small models: one thread is faster here than two fighting for 2 cores
    importlib.import_module("torch._dynamo")  # the first optimizer imports it lazily (~1 s): not part of the effect
    start = time.perf_counter()
    result = module.run(config)
    result.params = current_params(module, config)
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
        save_plot(module, result, out / "plot.zh.png", lang="zh")
        (out / "result.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return result, record


PLOT_DPI = 150
LEGEND_MIN_PT = 9
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK KR")


def cjk_font_family() -> str | None:
    """Return a CJK font family from the system's Noto fonts, registered with matplotlib; None when missing."""
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    if known() is None:  # the font cache may predate the install of fonts-noto-cjk: register the files
        for path in sorted(Path("/usr/share/fonts").rglob("NotoSansCJK*")):
            font_manager.fontManager.addfont(str(path))
    return known()


def translate_figure(fig, table: Mapping[str, str]) -> None:
    """Replace English phrases by their ``table`` entries in every text of ``fig`` (longest phrase first)."""
    from matplotlib.text import Text

    phrases = sorted(table, key=len, reverse=True)
    for text in fig.findobj(Text):
        content = text.get_text()
        for phrase in phrases:
            content = content.replace(phrase, table[phrase])
        text.set_text(content)


def save_plot(module: ModuleType, result: DemoResult, path: Path, lang: str = "en") -> None:
    """Draw the demo's figure (Chinese labels when ``lang`` is "zh" and a CJK font exists) and save it as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rc = {"legend.fontsize": LEGEND_MIN_PT, "axes.titlesize": 10, "mathtext.fontset": "dejavusans"}
    family = cjk_font_family() if lang == "zh" else None
    if lang == "zh" and family is None:
        print("note: no CJK font found (Debian: fonts-noto-cjk); the Chinese plot keeps English labels")
        lang = "en"
    if family:
        rc |= {"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"], "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):
        fig = plt.figure(figsize=getattr(module, "FIGSIZE", (8, 4.5)), dpi=PLOT_DPI)
        module.plot(result, fig)
        for legend in [ax.get_legend() for ax in fig.axes]:
            for text in legend.get_texts() if legend else ():
                text.set_fontsize(max(text.get_fontsize(), LEGEND_MIN_PT))
        if lang == "zh":
            translate_figure(fig, getattr(module, "PLOT_ZH", {}))
        takeaway = getattr(module, "TAKEAWAY", module.TITLE)[lang]
        fig.suptitle(takeaway, fontsize=11, fontweight="bold")
        fig.tight_layout()
        fig.savefig(path, dpi=PLOT_DPI)
        plt.close(fig)


class ParamError(ValueError):
    """Raised when demo parameters are unknown, of the wrong type or out of range; ``messages`` lists why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclasses.dataclass(frozen=True)
class Param:
    """One teaching knob of a demo: a field of its Config, with labels, type, range and what to watch."""

    name: str  # a field of the demo's Config
    label: dict[str, str]  # {"en": ..., "zh": ...}
    kind: str  # "int" | "float" | "choice" | "bool"
    default: Any
    min: float | None = None  # inclusive bounds for "int" and "float"
    max: float | None = None
    log: bool = False  # a slider should move on a log scale
    choices: tuple = ()  # accepted values for "choice"
    hint: dict[str, str] = dataclasses.field(default_factory=dict)  # one line: what to watch

    def article(self) -> str:
        """Name the expected type with its article, for messages."""
        return "an integer" if self.kind == "int" else "a number"

    def describe_range(self) -> str:
        """Return the accepted values in words, for help texts and error messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.kind == "bool":
            return "true or false"
        return f"{self.kind} in [{self.min:g}, {self.max:g}]"

    def check(self, value: Any) -> tuple[Any, str | None]:
        """Return (cleaned value, None) or (None, message); no coercion from strings and no bool for numbers."""
        where = f"parameter {self.name!r}"
        if self.kind == "bool":
            return (value, None) if isinstance(value, bool) else (None, f"{where} must be true or false")
        if self.kind == "choice":
            ok = any(value == c and type(value) is type(c) for c in self.choices)
            return (value, None) if ok else (None, f"{where} must be {self.describe_range()}, got {value!r}")
        numeric = (int,) if self.kind == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            return None, f"{where} must be {self.article()}, got {type(value).__name__} {value!r}"
        if self.kind == "float" and not math.isfinite(value):
            return None, f"{where} must be a finite number, got {value!r}"
        if not self.min <= value <= self.max:
            return None, f"{where} must be in [{self.min:g}, {self.max:g}], got {value!r}"
        return (float(value) if self.kind == "float" else value), None

    def parse(self, text: str) -> Any:
        """Parse a command-line string by this parameter's kind (range checks come later)."""
        try:
            if self.kind == "int":
                return int(text)
            if self.kind == "float":
                return float(text)
        except ValueError:
            raise ParamError([f"parameter {self.name!r} must be {self.article()}, got {text!r}"]) from None
        if self.kind == "bool":
            words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
            if text.lower() not in words:
                raise ParamError([f"parameter {self.name!r} must be true or false, got {text!r}"])
            return words[text.lower()]
        return next((c for c in self.choices if str(c) == text), text)  # unmatched text fails the choice check

    def to_json(self) -> dict[str, Any]:
        """Return the declaration as JSON (for the page's controls)."""
        return json_safe(dataclasses.asdict(self))


def params_of(module: ModuleType) -> tuple[Param, ...]:
    """Return the demo's declared knobs (none for a demo without ``PARAMS``)."""
    return tuple(getattr(module, "PARAMS", ()))


def validate_params(module: ModuleType, params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the cleaned values of ``params``; raise ParamError listing every problem."""
    declared = {p.name: p for p in params_of(module)}
    if not isinstance(params, Mapping):
        raise ParamError([f"params must be an object, got {type(params).__name__}"])
    messages, cleaned = [], {}
    for name, value in params.items():
        if name not in declared:
            accepted = ", ".join(declared) or "none (this demo has no parameters)"
            messages.append(f"unknown parameter {name!r} for demo {module.NAME}; accepted: {accepted}")
            continue
        cleaned[name], problem = declared[name].check(value)
        if problem:
            messages.append(problem)
    if messages:
        raise ParamError(messages)
    return cleaned


def param_schema(module: ModuleType) -> dict[str, Any]:
    """Return a JSON Schema of the demo's parameters (for OpenAPI and request validation)."""
    types = {"int": "integer", "float": "number", "bool": "boolean"}
    properties = {}
    for p in params_of(module):
        prop: dict[str, Any] = {"title": p.label["en"], "description": p.hint.get("en", ""), "default": p.default}
        if p.kind == "choice":
            prop["type"] = "integer" if all(isinstance(c, int) for c in p.choices) else "string"
            prop["enum"] = list(p.choices)
        else:
            prop["type"] = types[p.kind]
        if p.kind in ("int", "float"):
            prop["minimum"], prop["maximum"] = p.min, p.max
        properties[p.name] = prop
    return {"type": "object", "additionalProperties": False, "properties": properties}


def current_params(module: ModuleType, config: Any) -> dict[str, Any]:
    """Return the values of the demo's knobs in ``config``."""
    return {p.name: getattr(config, p.name) for p in params_of(module)}


def run_with_params(
    module: ModuleType, params: Mapping[str, Any], *, quick: bool = True, seed: int = 0, out: Path | None = None
) -> DemoResult:
    """Validate ``params``, run the demo with them over its defaults, and return the result (params recorded)."""
    cleaned = validate_params(module, params)
    config = module.Config(seed=seed, quick=quick, **cleaned)
    result, _ = run_demo(module, config, out)
    return result


def add_param_flags(parser: argparse.ArgumentParser, module: ModuleType) -> None:
    """Add one ``--name-with-dashes`` flag per knob, typed by its kind, with default, range and hint in the help."""
    group = parser.add_argument_group("demo parameters (the knobs a learner may turn)")
    for p in params_of(module):

        def parse(text: str, p: Param = p) -> Any:
            try:
                value = p.parse(text)
            except ParamError as exc:
                raise argparse.ArgumentTypeError(exc.messages[0]) from None
            cleaned, problem = p.check(value)
            if problem:
                raise argparse.ArgumentTypeError(problem)
            return cleaned

        flag = "--" + p.name.replace("_", "-")
        hint = p.hint.get("en", "")
        help_text = f"{p.label['en']}: {hint} (default {p.default}; {p.describe_range()})".replace("%", "%%")
        # SUPPRESS: a flag not given leaves the Config default, and the help shows the default once
        group.add_argument(
            flag, dest=p.name, type=parse, default=argparse.SUPPRESS, metavar=p.kind.upper(), help=help_text
        )


def non_negative_int(text: str) -> int:
    """Parse a seed: an integer >= 0 (torch refuses negative seeds)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


DEVICES = ("cpu", "cuda", "mps")


def device_name(text: str) -> str:
    """Parse a torch device: cpu, cuda, cuda:N or mps."""
    base, _, index = text.partition(":")
    if base not in DEVICES or (index and not (base == "cuda" and index.isdigit())):
        raise argparse.ArgumentTypeError(f"must be one of cpu, cuda, cuda:N, mps; got {text!r}")
    return text


def main(module: ModuleType, argv: list[str] | None = None) -> int:
    """Parse the standard demo flags, run the demo, print its table and verdict."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {module.__spec__.name if module.__spec__ else module.__name__}",
        description=module.CLAIM["en"],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed for data and weights (>= 0)")
    parser.add_argument("--quick", action="store_true", help="smaller run (a few seconds) for tests")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output") / module.NAME,
        help="folder for plot.png, plot.zh.png and result.json",
    )
    parser.add_argument("--device", type=device_name, default="cpu", help="torch device: cpu, cuda, cuda:N or mps")
    add_param_flags(parser, module)
    args = parser.parse_args(argv)
    params = {p.name: getattr(args, p.name) for p in params_of(module) if hasattr(args, p.name)}
    config = module.Config(seed=args.seed, quick=args.quick, device=args.device, **params)
    result, record = run_demo(module, config, args.out)
    print(module.TITLE["en"])
    print(format_table(result.table))
    if result.params:
        print("\nparameters: " + ", ".join(f"{k}={v}" for k, v in result.params.items()))
    print(f"\n{result.headline}")
    print(f"compute time: {record['seconds']:.2f} s; wrote {args.out / 'plot.png'} and {args.out / 'result.json'}")
    print(f"Claim {'HELD' if result.claim_held else 'DID NOT HOLD'}: {module.CLAIM['en']}")
    return 0


if __name__ == "__main__":  # pragma: no cover - the harness is not a demo itself
    sys.exit("run a demo instead, e.g. python -m gradlab.demos.gradient_vs_lag")
