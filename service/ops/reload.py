"""Swap in a new knowledge base and index without stopping the service.

``POST /admin/reload`` (with ``Authorization: Bearer $GRADLAB_ADMIN_TOKEN``) loads the edited knowledge base
into a new engine while the old one keeps answering, then swaps the reference; a knowledge base that fails
validation leaves the old engine serving and the response says why. The reload also stamps
``DATA_DIR/reload-stamp``: every other worker process sees the newer stamp on its next request and reloads
itself, so all gunicorn workers move to the new knowledge base.
"""

from __future__ import annotations

import hmac
import threading
import time
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, request
from gradlab.engine import Engine
from gradlab.knowledge.loader import KnowledgeError
from gradlab.web.errors import ApiError, error_response

bp = Blueprint("admin", __name__, url_prefix="/admin")
_lock = threading.Lock()
STAMP_CHECK_SECONDS = 1.0


def stamp_path(app: Flask) -> Path:
    return Path(app.config["GRADLAB"]["DATA_DIR"]) / "reload-stamp"


def read_stamp(app: Flask) -> float:
    try:
        return stamp_path(app).stat().st_mtime
    except OSError:
        return 0.0


def reload_engine(app: Flask) -> dict:
    """Load a new engine beside the current one and swap it in; on failure keep serving the old one."""
    with _lock:
        old = app.extensions["gradlab.engine"]
        start = time.perf_counter()
        try:
            new = Engine.load(app.config["GRADLAB"], embedder=old.embedder)
        except KnowledgeError as exc:
            app.extensions["gradlab.reload"]["last_error"] = exc.problems
            return {"ok": False, "reloaded": False, "problems": exc.problems, "entries": len(old.kb)}
        app.extensions["gradlab.engine"] = new
        app.extensions["gradlab.reload"].update(last_error=None, seen_stamp=read_stamp(app))
        return {"ok": True, "reloaded": True, "entries": len(new.kb), "seconds": round(time.perf_counter() - start, 3)}


def follow_stamp(app: Flask) -> None:
    """Reload this process when another one has reloaded since (checked at most once a second)."""
    state = app.extensions["gradlab.reload"]
    now = time.monotonic()
    if now - state["checked_at"] < STAMP_CHECK_SECONDS:
        return
    state["checked_at"] = now
    stamp = read_stamp(app)
    if stamp > state["seen_stamp"]:
        state["seen_stamp"] = stamp
        state["follower"] = threading.Thread(target=reload_engine, args=(app,), daemon=True)
        state["follower"].start()


def bearer_token() -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header (the scheme is case-insensitive), else None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.post("/reload")
def reload():
    token = current_app.config["GRADLAB"]["ADMIN_TOKEN"]
    if not token:
        raise ApiError(404, "the admin endpoint is off; set GRADLAB_ADMIN_TOKEN to enable it")
    given = bearer_token()
    if given is None or not hmac.compare_digest(given.encode(), token.encode()):
        raise ApiError(
            401,
            "send 'Authorization: Bearer <GRADLAB_ADMIN_TOKEN>'",
            error="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="gradlab admin"'},
        )
    result = reload_engine(current_app._get_current_object())
    if result["reloaded"]:
        path = stamp_path(current_app)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        current_app.extensions["gradlab.reload"]["seen_stamp"] = read_stamp(current_app)
        return jsonify(result)
    return error_response(
        422,
        "invalid_knowledge_base",
        f"the knowledge base has {len(result['problems'])} problem(s); still serving the last good one",
        problems=result["problems"],
    )


def init_app(app: Flask) -> None:
    app.extensions["gradlab.reload"] = {
        "last_error": None,
        "seen_stamp": read_stamp(app),
        "checked_at": 0.0,
        "follower": None,  # the thread of the last reload started by another process's stamp
    }
    app.before_request(lambda: follow_stamp(app))
    app.register_blueprint(bp)
