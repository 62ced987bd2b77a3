"""Demo results for the service: run every demo at build time and cache the result by its source hash.

The server only reads these files; it never runs code because of a request. ``gradlab build`` (run by
``make serve``) reruns exactly the demos whose source changed since their cached result.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from gradlab import demos

log = logging.getLogger(__name__)
DEMOS_DIR = Path(demos.__file__).resolve().parent


def source_hash(name: str) -> str:
    """Hash the demo's file and the shared harness: either changing means the result must be rerun."""
    digest = hashlib.sha256()
    for path in (DEMOS_DIR / f"{name}.py", DEMOS_DIR / "_harness.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def result_dir(data_dir: Path | str, name: str) -> Path:
    return Path(data_dir) / "demos" / name


def load_result(data_dir: Path | str, name: str) -> dict | None:
    """Return the cached result of ``name`` when it matches the current source, else None."""
    path = result_dir(data_dir, name) / "result.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if record.get("source_hash") != source_hash(name):
        return None
    return record


def build_results(
    data_dir: Path | str,
    names: tuple[str, ...] = demos.DEMOS,
    force: bool = False,
    progress: Callable[[str, str], None] | None = None,
) -> dict[str, str]:
    """Run each demo whose cached result is missing or stale; return name -> 'cached' | 'ran' | 'failed: …'."""
    from gradlab.demos import _harness  # the server never runs demos: only building needs the harness

    status = {}
    for name in names:
        if not force and load_result(data_dir, name) is not None:
            status[name] = "cached"
        else:
            try:
                module = demos.load(name)
                out = result_dir(data_dir, name)
                _harness.run_demo(module, module.Config(), out)
                record = json.loads((out / "result.json").read_text())
                record["source_hash"] = source_hash(name)
                (out / "result.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
                status[name] = "ran"
            except Exception as exc:  # one broken demo must not stop the others from building
                log.exception("demo %s failed", name)
                status[name] = f"failed: {exc.__class__.__name__}: {exc}"
        if progress:
            progress(name, status[name])
    return status


def load_all(data_dir: Path | str) -> dict[str, dict | None]:
    """Return every demo's current result (None where not built), read once when the engine loads."""
    return {name: load_result(data_dir, name) for name in demos.DEMOS}


def demo_summary(name: str, lang: str, record: dict | None = None) -> dict:
    """Return what an answer shows of a demo: titles, claim, commands, and its measured result if built."""
    module = demos.load(name)
    summary = {
        "name": name,
        "title": module.TITLE[lang],
        "claim": module.CLAIM[lang],
        "command": f"python -m gradlab.demos.{name}",
        "cli_command": f"gradlab demo run {name}",
        "source": f"demos/{name}.py",
        "result": None,
    }
    if record is not None:
        summary["result"] = {
            "metrics": record["metrics"],
            "headline": record["headline"],
            "claim_held": record["claim_held"],
            "seconds": record["seconds"],
            "table": record["table"],
        }
    return summary
