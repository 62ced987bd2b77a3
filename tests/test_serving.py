"""The production server (gunicorn, 2 workers) and the database: each worker opens its own connections after
the fork, and every answered question is logged exactly once, even under concurrent load and at shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow
GRADLAB = Path(sys.executable).parent / "gradlab"


class Served:
    """``gradlab serve`` in a subprocess on a free port, with the given settings."""

    def __init__(self, data_dir: Path, log: Path, **settings: str):
        self.log = log
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "GRADLAB_DATA_DIR": str(data_dir), "GRADLAB_RATE_LIMIT": "", "GRADLAB_WORKERS": "2"}
        env.update({f"GRADLAB_{name}": value for name, value in settings.items()})
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [str(GRADLAB), "serve", "--port", str(self.port)], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                assert self.proc.poll() is None, self.output()
                assert time.monotonic() < deadline, "server did not become ready"
                time.sleep(0.2)

    def ask(self, question: str) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/ask",
            json.dumps({"question": question}).encode(),
            {"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{exc}; server output:\n{self.output()}") from None

    def worker_pids(self, expected: int) -> set[int]:
        """Return the pids of the gunicorn workers once all ``expected`` have forked."""
        deadline = time.monotonic() + 60
        while True:
            out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
            pids = {int(pid) for pid in out.split()}
            if len(pids) == expected:
                return pids
            assert time.monotonic() < deadline, f"{len(pids)} workers running, expected {expected}"
            time.sleep(0.1)

    def stop(self) -> int:
        """Stop gracefully (SIGTERM) and return the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture()
def serve(real_data_dir, tmp_path):
    servers: list[Served] = []

    def start(**settings: str) -> Served:
        server = Served(real_data_dir, tmp_path / f"server-{len(servers)}.log", **settings)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.kill()


def test_every_answered_question_is_logged_once_even_at_shutdown(serve, tmp_path):
    database = tmp_path / "log.sqlite3"
    server = serve(DATABASE=str(database))
    questions = [f"what is an lstm? #{i}" for i in range(64)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(server.ask, questions))
    assert len(answers) == len(questions)
    assert server.stop() == 0  # no wait for the writer first: stopping must flush what it still holds
    with sa.create_engine(f"sqlite:///{database}").connect() as conn:
        logged = [row[0] for row in conn.execute(sa.text("SELECT question FROM queries"))]
    assert sorted(logged) == sorted(questions)


def test_each_worker_opens_its_own_database_connection(serve, postgres_url):
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a database of its own: other tests' connections must not count
        conn.exec_driver_sql("DROP DATABASE IF EXISTS gradlab_served")
        conn.exec_driver_sql("CREATE DATABASE gradlab_served")
    server = serve(DATABASE=postgres_url.replace("/postgres?", "/gradlab_served?"))
    master, workers = server.proc.pid, server.worker_pids(2)
    query = sa.text(
        "SELECT application_name FROM pg_stat_activity "
        "WHERE datname = 'gradlab_served' AND application_name LIKE 'gradlab[%'"
    )
    owners: set[int] = set()
    deadline = time.monotonic() + 120
    with ThreadPoolExecutor(max_workers=8) as pool:
        # both workers must have answered (and so logged) something; which one takes a request is up to them
        while owners != workers:
            assert time.monotonic() < deadline, f"connections owned by {owners}, workers are {workers}"
            list(pool.map(server.ask, [f"what is gradient clipping #{i}" for i in range(16)]))
            with admin.connect() as conn:
                owners = {int(name[len("gradlab[") : -1]) for (name,) in conn.execute(query)}
            assert master not in owners, "the master's connection is still open and inherited by the workers"
            assert owners <= workers, f"a connection belongs to neither worker: {owners - workers}"
    assert server.stop() == 0
    admin.dispose()
