"""Feedback and the query log behind one storage module: SQLite by default, PostgreSQL by URL."""

import threading

import pytest
import sqlalchemy as sa
from gradlab.ops.storage import Storage, StorageError, database_url

from tests.conftest import stall_writes


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "gradlab.sqlite3")
    return request.getfixturevalue("postgres_url")


def test_a_path_becomes_a_sqlite_url_and_a_url_passes_through(tmp_path):
    assert database_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_feedback_round_trips(url):
    storage = Storage(url)
    feedback_id = storage.add_feedback(
        question="为什么 loss 会变成 NaN", entry_id="nan-loss", confidence=0.9, vote="up", comment="清楚"
    )
    row = next(r for r in storage.feedback_rows() if r["id"] == feedback_id)
    assert row["question"] == "为什么 loss 会变成 NaN" and row["comment"] == "清楚" and row["vote"] == "up"


def test_query_log_round_trips(url):
    storage = Storage(url)
    assert storage.log_query(
        question="what is bptt", lang="en", top_entry="bptt", confidence=0.97, answered=True, latency_ms=12.5
    )
    row = storage.query_rows()[-1]
    assert row["question"] == "what is bptt" and row["answered"] is True and row["latency_ms"] == 12.5


def test_two_replicas_share_one_postgresql_log(postgres_url):
    first, second = Storage(postgres_url), Storage(postgres_url)
    first.log_query(
        question="from replica one", lang="en", top_entry=None, confidence=0.1, answered=False, latency_ms=1.0
    )
    second.log_query(
        question="from replica two", lang="en", top_entry=None, confidence=0.1, answered=False, latency_ms=1.0
    )
    second.flush()  # each replica writes its own log in the background; first.query_rows() flushes only first's
    questions = {r["question"] for r in first.query_rows()}
    assert {"from replica one", "from replica two"} <= questions


def test_read_only_database_degrades_logging_but_feedback_says_so(tmp_path):
    path = tmp_path / "ro.sqlite3"
    Storage(str(path)).close()
    storage = Storage(f"sqlite:///file:{path}?mode=ro&uri=true")  # read-only even for root
    storage.log_query(question="q", lang="en", top_entry=None, confidence=0.1, answered=False, latency_ms=1.0)
    storage.flush()
    assert storage.failed == 1 and storage.query_rows() == []
    with pytest.raises(StorageError):
        storage.add_feedback(question="q", entry_id=None, confidence=None, vote="up", comment="")


def test_locked_database_degrades_logging_and_feedback_raises(tmp_path):
    import sqlite3

    path = tmp_path / "locked.sqlite3"
    storage = Storage(str(path))
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert storage.log_query(
            question="q", lang="en", top_entry=None, confidence=0.1, answered=False, latency_ms=1.0
        )  # queued: the answer never waits for the lock
        storage.flush()
        assert storage.failed == 1
        with pytest.raises(StorageError):
            storage.add_feedback(question="q", entry_id=None, confidence=None, vote="up", comment="")
    finally:
        holder.rollback()
        holder.close()


def test_sqlite_runs_in_wal_mode_with_synchronous_normal(tmp_path):
    storage = Storage(str(tmp_path / "wal.sqlite3"))
    with storage.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def log(storage: Storage, question: str) -> bool:
    return storage.log_query(question=question, lang="en", top_entry=None, confidence=0.5, answered=True, latency_ms=1)


def test_logging_never_waits_for_the_database_and_counts_what_a_full_queue_drops(tmp_path, monkeypatch):
    storage = Storage(str(tmp_path / "log.sqlite3"), queue_size=4, batch_size=2)
    writing, release = stall_writes(storage, monkeypatch)
    assert log(storage, "first")
    writing.wait()  # the writer holds "first" and is stuck in the database
    accepted = [log(storage, f"q{i}") for i in range(10)]
    assert accepted == [True] * 4 + [False] * 6
    assert storage.dropped == 6
    release.set()
    storage.flush()
    assert [r["question"] for r in storage.query_rows()] == ["first", "q0", "q1", "q2", "q3"]


def test_the_writer_batches_rows_and_close_flushes_them(tmp_path):
    path = tmp_path / "log.sqlite3"
    storage = Storage(str(path), batch_size=50)
    for i in range(120):
        log(storage, f"q{i}")
    storage.close()
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM queries").scalar() == 120
    assert storage.dropped == 0 and storage.failed == 0


def test_a_forked_process_opens_its_own_connection_and_writer(tmp_path):
    import json
    import os
    import select
    import signal

    storage = Storage(str(tmp_path / "fork.sqlite3"))
    log(storage, "from the parent")
    assert storage.query_rows()  # the parent now holds a pooled connection and a running writer
    parent_connection = storage.engine.pool.checkedin()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it inherited, then log through its own writer
        try:
            inherited = storage.engine.pool.checkedin()
            log(storage, "from the child")
            storage.flush()
            report = {"inherited": inherited, "rows": len(storage.query_rows())}
        except BaseException as exc:  # the parent must hear of any failure
            report = {"error": repr(exc)}
        os.write(write, json.dumps(report).encode())
        os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 60)
    if not ready:  # a child still using the parent's writer (a thread that did not survive the fork) waits forever
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        assert ready, "the child's question was never written: it has no writer of its own"
        report = json.loads(pipe.read())
    assert parent_connection == 1
    assert report == {"inherited": 0, "rows": 2}


def test_a_row_the_database_refuses_costs_only_itself(tmp_path, monkeypatch):
    storage = Storage(str(tmp_path / "log.sqlite3"), batch_size=10)
    writing, release = stall_writes(storage, monkeypatch)
    log(storage, "first")
    writing.wait()  # the next three rows queue up behind "first" and are written as one batch
    for question in ("before", "\ud800 a lone surrogate", "after"):
        log(storage, question)
    release.set()
    flushing = threading.Thread(target=storage.flush, daemon=True)
    flushing.start()
    flushing.join(timeout=60)
    assert not flushing.is_alive(), "the writer thread died: nothing after the bad row would ever be logged"
    assert [r["question"] for r in storage.query_rows()] == ["first", "before", "after"]
    assert storage.failed == 1
