"""Shared fixtures.

- ``fake_embedder``: a deterministic bag-of-words embedder for fast unit tests;
- ``app`` / ``client`` / ``runner``: the Flask trio over the real knowledge base with the fake embedder;
- ``real_engine`` / ``real_client``: the real model and real faiss index (marked slow where used);
- ``demo_result``: a demo's default run, computed once per session;
- ``stall_writes``: hold the query log's writer at its next write until released;
- ``served``: the app over the real engine on a loopback port, for the browser tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from gradlab import create_app, demos
from gradlab.engine import Engine
from gradlab.ops.settings import load_settings
from gradlab.retrieval import text

torch.set_num_threads(1)
REPO = Path(__file__).resolve().parent.parent


class FakeEmbedder:
    """Hash each token into one of 256 dimensions: texts sharing words get high cosines."""

    name = "fake-bag-of-words"
    dimension = 256
    reads_chinese = False

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, t in enumerate(texts):
            for token in text.tokenize(t):
                out[row, int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


@pytest.fixture(scope="session")
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def fake_engine(tmp_path_factory, fake_embedder) -> Engine:
    settings = load_settings({"DATA_DIR": str(tmp_path_factory.mktemp("data-fake"))})
    return Engine.load(settings, embedder=fake_embedder)


@pytest.fixture()
def app(fake_engine, tmp_path):
    return create_app(
        {"DATA_DIR": fake_engine.settings["DATA_DIR"], "DATABASE": str(tmp_path / "test.sqlite3")}, engine=fake_engine
    )


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


# the demos whose plots the browser tests show
BUILT_DEMOS = ("gradient_vs_lag", "lstm_vs_gru_cost", "clipping_exploding", "lstm_gates")


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory) -> Path:
    from gradlab.knowledge.demo_results import build_results

    data_dir = tmp_path_factory.mktemp("data-real")
    build_results(data_dir, names=BUILT_DEMOS)
    return data_dir


@pytest.fixture(scope="session")
def real_engine(real_data_dir) -> Engine:
    return Engine.load(load_settings({"DATA_DIR": str(real_data_dir)}))


@pytest.fixture()
def real_client(real_engine, tmp_path):
    app = create_app(
        {"DATA_DIR": real_engine.settings["DATA_DIR"], "DATABASE": str(tmp_path / "real.sqlite3")}, engine=real_engine
    )
    return app.test_client()


@pytest.fixture(scope="session")
def demo_result():
    """Return a function name -> DemoResult of that demo's default run, computed once per session."""
    cache = {}

    def get(name: str):
        if name not in cache:
            module = demos.load(name)
            cache[name] = module.run(module.Config())
        return cache[name]

    return get


def assert_error(response, status: int) -> dict:
    """Assert the one JSON error shape (with its optional list of problems) and the status; return the body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) - {"problems"} == {"ok", "status", "error", "message"}
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert all(isinstance(p, str) for p in body.get("problems", []))
    return body


@pytest.fixture(scope="session")
def postgres_url():
    """Start a throwaway PostgreSQL server (Debian's binaries) on a Unix socket; yield its SQLAlchemy URL."""
    import glob
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.fail("PostgreSQL server binaries are missing: 'make test' installs Debian's postgresql")
    bindir = Path(bins[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="gradlab-pg-"))  # not under pytest's 0700 tree: postgres must reach it
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as the postgres user
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "gradlab"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_user,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-w",
            "start",
            "-o",
            f"-k {root} -p {port} -c listen_addresses=''",
        ],
        check=True,
        capture_output=True,
    )
    yield f"postgresql+psycopg://gradlab@/postgres?host={root}&port={port}"
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url():
    """Start a throwaway Redis server (Debian's redis-server) on a loopback port; yield its URL."""
    import shutil
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: 'make test' installs Debian's redis-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


def stall_writes(storage, monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Make the query log's writer wait at its next write until ``release`` is set; return (writing, release):
    ``writing`` is set once the writer holds a batch it cannot write."""
    writing, release = threading.Event(), threading.Event()
    write = storage._write

    def stalled_write(rows: list[dict]) -> None:
        writing.set()
        release.wait()
        write(rows)

    monkeypatch.setattr(storage, "_write", stalled_write)
    return writing, release


@contextlib.contextmanager
def served(engine: Engine, database: Path):
    """Serve an app over ``engine`` (its query log in ``database``) on a free loopback port; yield (url, app)."""
    from werkzeug.serving import make_server

    app = create_app({"DATA_DIR": str(engine.data_dir), "DATABASE": str(database)}, engine=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
