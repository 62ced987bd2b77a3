"""Feedback and the query log behind one storage module: SQLite by default, PostgreSQL by URL."""

import pytest
from gradlab.ops.storage import Storage, StorageError, database_url


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
    questions = {r["question"] for r in first.query_rows()}
    assert {"from replica one", "from replica two"} <= questions


def test_read_only_database_degrades_logging_but_feedback_says_so(tmp_path):
    path = tmp_path / "ro.sqlite3"
    Storage(str(path))
    storage = Storage(f"sqlite:///file:{path}?mode=ro&uri=true")  # read-only even for root
    assert (
        storage.log_query(question="q", lang="en", top_entry=None, confidence=0.1, answered=False, latency_ms=1.0)
        is False
    )
    with pytest.raises(StorageError):
        storage.add_feedback(question="q", entry_id=None, confidence=None, vote="up", comment="")


def test_locked_database_degrades_logging_and_feedback_raises(tmp_path):
    import sqlite3

    path = tmp_path / "locked.sqlite3"
    storage = Storage(str(path))
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert (
            storage.log_query(question="q", lang="en", top_entry=None, confidence=0.1, answered=False, latency_ms=1.0)
            is False
        )
        with pytest.raises(StorageError):
            storage.add_feedback(question="q", entry_id=None, confidence=None, vote="up", comment="")
    finally:
        holder.rollback()
        holder.close()
