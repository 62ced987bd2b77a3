"""Storage for feedback and the query log: SQLite by default, any SQLAlchemy URL (e.g. PostgreSQL) by setting.

Logging a question must never fail or slow an answer: ``log_query`` only puts the row on a bounded queue, and a
background writer thread inserts queued rows in batches. A full queue drops the row and counts it (``dropped``);
a batch the database refuses is counted too (``failed``); ``close`` (run at process exit) writes what is still
queued. Feedback is what the user asked us to keep, so ``add_feedback`` writes at once, raises ``StorageError``
when it cannot, and the API says so.

Connections belong to one process: the process that creates a ``Storage`` keeps none open, and a process forked
from it (a gunicorn worker) drops the inherited pool and writer right after the fork and opens its own on first
use. SQLite runs
in WAL mode with ``synchronous=NORMAL``: readers never block the writer, and a commit does not wait for fsync.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import queue
import threading
import weakref
from pathlib import Path

import sqlalchemy as sa
from gradlab.ops.settings import mask_url

log = logging.getLogger(__name__)
metadata = sa.MetaData()
QUEUE_SIZE = 10_000  # rows waiting for the writer; about 10 s of the measured peak throughput
BATCH_SIZE = 256  # rows per insert transaction
_STOP = object()

queries = sa.Table(
    "queries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("top_entry", sa.String(100)),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("entry_id", sa.String(100)),
    sa.Column("confidence", sa.Float),
    sa.Column("vote", sa.String(8), nullable=False),
    sa.Column("comment", sa.Text, nullable=False, default=""),
)


class StorageError(Exception):
    """The database could not be written or read."""


def database_url(setting: str) -> str:
    """Turn the DATABASE setting into a SQLAlchemy URL: a URL passes through, a path becomes SQLite."""
    if "://" in setting:
        return setting
    Path(setting).parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{setting}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_engine(url: str) -> sa.Engine:
    """Create the SQLAlchemy engine: SQLite in WAL mode, PostgreSQL connections named after their process."""
    connect_args = {"timeout": 2} if url.startswith("sqlite") else {}
    engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def use_wal(dbapi_connection, connection_record):
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            except Exception as exc:  # a read-only file keeps its journal mode; reads still work
                log.debug("WAL not enabled (%s)", exc)
            finally:
                cursor.close()

    elif engine.dialect.name == "postgresql":

        @sa.event.listens_for(engine, "do_connect")
        def name_connection(dialect, connection_record, cargs, cparams):
            # pg_stat_activity then shows which process (gunicorn worker) holds each connection
            cparams.setdefault("application_name", f"gradlab[{os.getpid()}]")

    return engine


class Storage:
    def __init__(self, setting: str, queue_size: int = QUEUE_SIZE, batch_size: int = BATCH_SIZE):
        self.url = database_url(setting)
        self.engine = make_engine(self.url)
        self.queue_size, self.batch_size = queue_size, batch_size
        self.dropped = 0  # rows not logged because the queue was full
        self.failed = 0  # rows not logged because the database refused them
        self.ready = False
        self.ensure_schema()
        self.engine.dispose()  # keep no connection that a forked worker could inherit
        self._lock = threading.Lock()
        self._queue: queue.Queue | None = None
        self._writer: threading.Thread | None = None
        this = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (storage := this()) and storage._after_fork())

    def ensure_schema(self) -> bool:
        """Create the tables if missing; return False (and log why) when the database is unusable."""
        try:
            metadata.create_all(self.engine)
            self.ready = True
        except sa.exc.SQLAlchemyError as exc:
            log.warning("storage at %s is unavailable: %s", mask_url(self.url), exc.__class__.__name__)
            self.ready = False
        return self.ready

    def _after_fork(self) -> None:
        """In a forked child, before any of its threads runs: forget the parent's pooled connections and writer."""
        self.engine.dispose(close=False)  # closing would end the parent's connections too
        self._lock, self._queue, self._writer = threading.Lock(), None, None

    def _started_queue(self) -> queue.Queue:
        """Return this process's queue, starting the writer thread on first use."""
        rows_queue = self._queue
        if rows_queue is None:
            with self._lock:
                if self._queue is None:
                    self._queue = queue.Queue(maxsize=self.queue_size)
                    self._writer = threading.Thread(
                        target=self._run_writer, args=(self._queue,), name="gradlab-query-log", daemon=True
                    )
                    self._writer.start()
                    atexit.register(self.close)
                rows_queue = self._queue
        return rows_queue

    def log_query(
        self, *, question: str, lang: str, top_entry: str | None, confidence: float, answered: bool, latency_ms: float
    ) -> bool:
        """Queue one question for the writer; return False (and count it) when the queue is full."""
        row = dict(
            created_at=now(),
            question=question,
            lang=lang,
            top_entry=top_entry,
            confidence=confidence,
            answered=answered,
            latency_ms=latency_ms,
        )
        try:
            self._started_queue().put_nowait(row)
            return True
        except queue.Full:
            with self._lock:
                self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("query log queue full: %d questions not logged so far", self.dropped)
            return False

    def _run_writer(self, rows_queue: queue.Queue) -> None:
        """Insert queued rows in batches until the stop marker arrives."""
        stop = False
        while not stop:
            batch = [rows_queue.get()]
            while len(batch) < self.batch_size:
                try:
                    batch.append(rows_queue.get_nowait())
                except queue.Empty:
                    break
            rows = [row for row in batch if row is not _STOP]
            stop = len(rows) < len(batch)
            if rows:
                self._write(rows)
            for _ in batch:
                rows_queue.task_done()

    def _write(self, rows: list[dict]) -> None:
        """Insert one batch of query rows in one transaction; count the rows the database refuses as failed.

        A refused batch is retried row by row, so one bad row (or a missing table, created then) costs only itself.
        """
        try:
            with self.engine.begin() as conn:
                conn.execute(queries.insert(), rows)
            return
        except Exception as exc:  # whatever the driver raises, the writer thread must live on
            if not self.ready or "no such table" in str(exc):
                self.ensure_schema()
            error = exc
        failed = 0
        for row in rows:
            try:
                with self.engine.begin() as conn:
                    conn.execute(queries.insert(), [row])
            except Exception as exc:  # as above
                failed, error = failed + 1, exc
        if failed:
            self.failed += failed
            log.warning("%d questions not logged (%s)", failed, error.__class__.__name__)

    def flush(self) -> None:
        """Wait until every question queued so far in this process is written (or counted as failed)."""
        rows_queue = self._queue
        if rows_queue is not None:
            rows_queue.join()

    def close(self) -> None:
        """Write what is still queued, then stop the writer; logging afterwards starts a new one."""
        with self._lock:
            rows_queue, writer, self._queue, self._writer = self._queue, self._writer, None, None
        if writer is None:
            return
        atexit.unregister(self.close)
        rows_queue.put(_STOP)  # blocks only while the queue is full, i.e. until the writer takes a batch
        writer.join()
        if self.dropped or self.failed:
            log.warning("query log closed: %d dropped (queue full), %d failed", self.dropped, self.failed)

    def add_feedback(
        self, *, question: str, entry_id: str | None, confidence: float | None, vote: str, comment: str
    ) -> int:
        """Store one feedback row and return its id; raise StorageError when it cannot be stored."""
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    feedback.insert().values(
                        created_at=now(),
                        question=question,
                        entry_id=entry_id,
                        confidence=confidence,
                        vote=vote,
                        comment=comment,
                    )
                )
                return int(result.inserted_primary_key[0])
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"feedback could not be stored ({exc.__class__.__name__})") from exc

    def feedback_rows(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(sa.select(feedback).order_by(feedback.c.id))]

    def query_rows(self) -> list[dict]:
        """Return the query log, including every question queued so far in this process."""
        self.flush()
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(sa.select(queries).order_by(queries.c.id))]
