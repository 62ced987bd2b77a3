"""The demo lab as a service: validate a learner's knob values, answer from the disk cache, else start a run.

Also the knob grid that ``gradlab build`` precomputes: the defaults, and each knob moved alone through a few
values (the positions of the page's sliders), so most moves on the page are answered from the cache.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gradlab import demos
from gradlab.ops import runs

BACKENDS = ("local", "rq", "off")
GRID_POINTS = 5  # slider positions per numeric knob, the default added


@dataclasses.dataclass
class Lab:
    store: runs.RunStore
    backend: runs.Backend | None  # None: the lab is turned off

    def start(self, name: str, params: Mapping[str, Any]) -> runs.Run:
        """Validate ``params`` for demo ``name`` (KeyError, ParamError) and return the cached or started run."""
        from gradlab.demos._harness import validate_params

        module = demos.load(name)
        values = runs.full_params(module, validate_params(module, params))
        key = runs.run_key(name, values)
        cached = self.store.load(name, key)
        if cached is not None:
            return cached
        if self.backend is None:
            raise runs.BackendUnavailable("the lab is turned off here (GRADLAB_LAB_BACKEND=off)", 3600)
        return self.backend.submit(name, values, key)

    def get(self, name: str, key: str) -> runs.Run | None:
        """Return run ``key`` of demo ``name`` from the backend (a run it just computed) or the cache, else None."""
        return (self.backend.get(name, key) if self.backend else None) or self.store.load(name, key)

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


def make_lab(settings: Mapping[str, Any], target: str = runs.DEFAULT_TARGET) -> Lab:
    """Build the lab the settings ask for; backends start their workers lazily, on the first run."""
    store = runs.RunStore(settings["DATA_DIR"])
    kind = settings["LAB_BACKEND"]
    if kind not in BACKENDS:
        raise ValueError(f"GRADLAB_LAB_BACKEND must be one of {', '.join(BACKENDS)}, got {kind!r}")
    limits = {
        "queue_size": settings["LAB_QUEUE_SIZE"],
        "cpu_seconds": settings["LAB_CPU_SECONDS"],
        "memory_mb": settings["LAB_MEMORY_MB"],
        "target": target,
    }
    if kind == "local":
        from gradlab.ops.run_pool import LocalPool

        return Lab(store, LocalPool(store, workers=settings["LAB_WORKERS"], **limits))
    if kind == "rq":
        from gradlab.ops.run_queue import RQBackend

        if not settings["LAB_REDIS_URL"]:
            raise ValueError("GRADLAB_LAB_BACKEND=rq needs GRADLAB_LAB_REDIS_URL, e.g. redis://localhost:6379/0")
        return Lab(store, RQBackend(store, settings["LAB_REDIS_URL"], **limits))
    return Lab(store, None)


def round_value(value: float) -> float:
    return float(f"{value:.3g}")


def grid_values(param) -> list[Any]:
    """Return the positions of a knob's control: every choice, or a few values from min to max with the default."""
    if param.kind == "choice":
        return list(param.choices)
    if param.kind == "bool":
        return [False, True]
    if param.log:
        ratio = (param.max / param.min) ** (1 / (GRID_POINTS - 1))
        points = [param.min * ratio**i for i in range(GRID_POINTS)]
    else:
        points = [param.min + (param.max - param.min) * i / (GRID_POINTS - 1) for i in range(GRID_POINTS)]
    if param.kind == "int":
        values = {int(round(v)) for v in points}
    else:
        values = {round_value(v) for v in points}
    values = {min(max(v, param.min), param.max) for v in values} | {param.default}
    return sorted(values)


def describe(name: str) -> dict[str, Any]:
    """Return the demo's knobs for the page: declarations with their control positions, and the JSON schema."""
    from gradlab.demos._harness import param_schema, params_of

    module = demos.load(name)
    knobs = [{**p.to_json(), "grid": grid_values(p)} for p in params_of(module)]
    return {"name": name, "title": module.TITLE, "claim": module.CLAIM, "params": knobs, "schema": param_schema(module)}


def grid(module) -> list[dict[str, Any]]:
    """Return the knob settings to precompute: the defaults, then each knob alone at each of its positions."""
    defaults = runs.full_params(module, {})
    settings = [defaults]
    for param in getattr(module, "PARAMS", ()):
        for value in grid_values(param):
            candidate = {**defaults, param.name: value}
            if candidate not in settings:
                settings.append(candidate)
    return settings


def precompute(
    data_dir: Path | str,
    names: tuple[str, ...] = demos.DEMOS,
    workers: int = 2,
    cpu_seconds: float = 120,
    progress: Callable[[str, str], None] | None = None,
) -> dict[str, int]:
    """Compute every uncached grid run of the demos with knobs in a local pool; return demo -> runs computed."""
    from gradlab.ops.run_pool import LocalPool

    store = runs.RunStore(data_dir)
    todo = []
    for name in names:
        module = demos.load(name)
        for params in grid(module) if getattr(module, "PARAMS", ()) else ():
            key = runs.run_key(name, params)
            if store.load(name, key) is None:
                todo.append((name, key, params))
    pool = LocalPool(store, workers=workers, queue_size=len(todo), cpu_seconds=cpu_seconds, memory_mb=0)
    try:
        for name, key, params in todo:
            pool.submit(name, params, key)
        computed = {name: 0 for name in names}
        for name, key, params in todo:
            run = pool.wait(key, timeout=None)
            if run.status == "done":
                computed[name] += 1
            elif progress:  # one failing setting must not stop the grid; the page will run it live
                progress(name, f"lab grid run {params} {run.status}: {run.error}")
    finally:
        pool.close()
    if progress:
        for name in names:
            if computed[name]:
                progress(name, f"lab grid: {computed[name]} runs computed")
    return computed
