"""Storage for feedback and the query log: SQLite by default, any SQLAlchemy URL (e.g. PostgreSQL) by setting.

Logging a question must never fail an answer: ``log_query`` swallows and reports storage errors. Feedback
is what the user asked us to keep, so ``add_feedback`` raises ``StorageError`` and the API says so.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import sqlalchemy as sa
from gradlab.ops.settings import mask_url

log = logging.getLogger(__name__)
metadata = sa.MetaData()

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


class Storage:
    def __init__(self, setting: str):
        self.url = database_url(setting)
        connect_args = {"timeout": 2} if self.url.startswith("sqlite") else {}
        self.engine = sa.create_engine(self.url, connect_args=connect_args, pool_pre_ping=True)
        self.ready = False
        self.ensure_schema()

    def ensure_schema(self) -> bool:
        """Create the tables if missing; return False (and log why) when the database is unusable."""
        try:
            metadata.create_all(self.engine)
            self.ready = True
        except sa.exc.SQLAlchemyError as exc:
            log.warning("storage at %s is unavailable: %s", mask_url(self.url), exc.__class__.__name__)
            self.ready = False
        return self.ready

    def log_query(
        self, *, question: str, lang: str, top_entry: str | None, confidence: float, answered: bool, latency_ms: float
    ) -> bool:
        """Record one question; return False instead of raising when the database is unusable."""
        row = dict(question=question, lang=lang, top_entry=top_entry, confidence=confidence, answered=answered)
        try:
            self._insert(queries, latency_ms=latency_ms, **row)
            return True
        except sa.exc.SQLAlchemyError as exc:
            if not self.ready or "no such table" in str(exc):
                self.ensure_schema()
            log.warning("query not logged (%s)", exc.__class__.__name__)
            return False
        except Exception as exc:  # e.g. text the database cannot encode: logging must never fail an answer
            log.warning("query not logged (%s)", exc.__class__.__name__)
            return False

    def add_feedback(
        self, *, question: str, entry_id: str | None, confidence: float | None, vote: str, comment: str
    ) -> int:
        """Store one feedback row and return its id; raise StorageError when it cannot be stored."""
        try:
            return self._insert(
                feedback, question=question, entry_id=entry_id, confidence=confidence, vote=vote, comment=comment
            )
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"feedback could not be stored ({exc.__class__.__name__})") from exc

    def _insert(self, table: sa.Table, **values) -> int:
        """Insert one row stamped with the current time, in its own transaction; return its id."""
        with self.engine.begin() as conn:
            result = conn.execute(table.insert().values(created_at=now(), **values))
            return int(result.inserted_primary_key[0])

    def feedback_rows(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(sa.select(feedback).order_by(feedback.c.id))]

    def query_rows(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(sa.select(queries).order_by(queries.c.id))]
