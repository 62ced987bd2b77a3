"""Demo lab runs: a demo at the quick size with a learner's knob values, computed off the request path.

A run is named by its key, a hash of (demo, every knob's value, the demo's source hash): identical requests
share one run, and a finished run is cached on disk under ``DATA_DIR/lab/<demo>/<key>.json``. The backends
(``gradlab.ops.run_pool`` in local processes, ``gradlab.ops.run_queue`` over Redis with RQ) compute runs with
``execute``, which caps the CPU time and memory of the process it runs in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import os
import resource
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from gradlab import demos
from gradlab.knowledge.demo_results import source_hash

SEED = 0  # every lab run is seeded alike, so a key names exactly one result
DEFAULT_TARGET = "gradlab.ops.runs:compute"
STATUSES = ("queued", "running", "done", "failed", "killed")


class RunError(Exception):
    """A run could not be accepted now; ``retry_after`` says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueueFull(RunError):
    """Every worker is busy and the queue holds as many runs as it may."""


class BackendUnavailable(RunError):
    """The run backend cannot be reached (e.g. Redis is down) or the lab is turned off."""


@dataclasses.dataclass
class Run:
    """One run as the API reports it."""

    id: str
    demo: str
    params: dict[str, Any]
    status: str  # one of STATUSES
    result: dict[str, Any] | None = None
    error: str | None = None
    cached: bool = False

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Backend(Protocol):
    """Where runs are computed: accepts a run (or joins the identical one in flight) and reports on it."""

    def submit(self, name: str, params: dict[str, Any], key: str) -> Run: ...

    def get(self, name: str, key: str) -> Run | None: ...

    def close(self) -> None: ...


def full_params(module, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Return every knob's value: the declared defaults overlaid with the cleaned request values."""
    return {p.name: cleaned.get(p.name, p.default) for p in getattr(module, "PARAMS", ())}


def run_key(name: str, params: Mapping[str, Any]) -> str:
    """Hash (demo, knob values, source hash, size, seed) into the run's id."""
    identity = {"demo": name, "params": dict(params), "source": source_hash(name), "quick": True, "seed": SEED}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]


class RunStore:
    """Finished runs on disk, one JSON file per key; a changed demo source changes every key."""

    def __init__(self, data_dir: Path | str) -> None:
        self.root = Path(data_dir) / "lab"

    def path(self, name: str, key: str) -> Path:
        return self.root / name / f"{key}.json"

    def load(self, name: str, key: str) -> Run | None:
        try:
            record = json.loads(self.path(name, key).read_text())
        except (OSError, ValueError):
            return None
        return Run(key, name, record["params"], "done", result=record["result"], cached=True)

    def save(self, name: str, key: str, params: Mapping[str, Any], result: dict[str, Any]) -> None:
        """Write atomically, so a reader in another process never sees half a file."""
        path = self.path(name, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"params": dict(params), "result": result}, ensure_ascii=False))
        os.replace(tmp, path)


def compute(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Run demo ``name`` at the quick size with ``params``; return its JSON result and compute seconds."""
    from gradlab.demos._harness import run_with_params

    start = time.perf_counter()
    result = run_with_params(demos.load(name), params, quick=True, seed=SEED)
    return {**result.to_json(), "seconds": round(time.perf_counter() - start, 3)}


def resolve(target: str):
    """Return the function named ``module:function``."""
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def limit_cpu(seconds: float | None) -> None:
    """Let this process use ``seconds`` more CPU time before the kernel kills it (SIGXCPU); None lifts it."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = hard if seconds is None else math.ceil(cpu_used() + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space; an allocation past it fails with MemoryError. 0 leaves it as is."""
    if megabytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def warm_up() -> None:
    """Import torch and the harness once per worker process, before limits apply, so runs start fast."""
    import torch

    torch.set_num_threads(1)
    importlib.import_module("torch._dynamo")
    importlib.import_module("gradlab.demos._harness")


def out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or "can't allocate memory" in str(exc)


def execute(target: str, name: str, params: dict[str, Any], cpu_seconds: float, memory_mb: int) -> dict[str, Any]:
    """Compute one run inside the calling worker process, under its CPU-time and memory limits (RQ's job)."""
    warm_up()
    limit_memory(memory_mb)
    limit_cpu(cpu_seconds)
    try:
        return resolve(target)(name, params)
    except Exception as exc:
        if out_of_memory(exc):
            raise MemoryError(f"over its memory limit of {memory_mb} MB") from None
        raise
    finally:
        limit_cpu(None)


def retry_after(mean_seconds: float, waiting: int, workers: int) -> int:
    """Estimate the seconds until a queue slot frees: the waiting runs ahead, shared by the workers."""
    return max(1, math.ceil(mean_seconds * (waiting + 1) / max(1, workers)))
