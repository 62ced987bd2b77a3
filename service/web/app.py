"""The Flask app factory.

``create_app`` takes settings from the registry (environment ``GRADLAB_*``, then the ``config`` mapping), loads
the engine once (or takes one passed in, e.g. with a fake embedder in unit tests), and registers the blueprints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify
from gradlab.ops.settings import load_settings

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def public_name(model: str) -> str:
    """Return a model's name without the server's folders (MODEL may be a local path)."""
    return model.replace("\\", "/").rsplit("/", 1)[-1]


def create_app(config: Mapping[str, Any] | None = None, engine=None) -> Flask:
    """Build the Flask app; load the engine now unless one is passed in."""
    from gradlab.engine import Engine
    from gradlab.ops import reload
    from gradlab.ops.storage import Storage
    from gradlab.web import api, errors, lab, limits, pages

    settings = load_settings(config)
    app = Flask(__name__)
    app.config["GRADLAB"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["gradlab.engine"] = engine or Engine.load(settings)
    app.extensions["gradlab.storage"] = Storage(settings["DATABASE"])
    errors.init_app(app)
    app.extensions["gradlab.limiter"] = limits.init_app(app, [api.bp, reload.bp], settings)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    lab.init_app(app)
    reload.init_app(app)

    @app.get("/healthz")
    def healthz():
        return jsonify({"ok": True})

    @app.get("/openapi.json")
    def openapi():
        from gradlab.web.openapi import spec

        eng = app.extensions["gradlab.engine"]
        return jsonify(spec(settings["MAX_QUESTION_CHARS"], list(eng.kb.entries)))

    @app.get("/readyz")
    def readyz():
        eng = app.extensions["gradlab.engine"]
        storage = app.extensions["gradlab.storage"]
        not_ready = []
        if not eng.dense.index.ntotal:
            not_ready.append("the dense index is empty")
        if not (storage.ready or storage.ensure_schema()):
            not_ready.append("the database of feedback and the query log cannot be used")
        if not_ready:
            return errors.error_response(503, "not_ready", "; ".join(not_ready))
        problems = app.extensions["gradlab.reload"]["last_error"]
        knowledge_dir = str(settings["KNOWLEDGE_DIR"]).rstrip("/") + "/"
        return jsonify(
            {
                "ok": True,
                "entries": len(eng.kb),
                "indexed_texts": int(eng.dense.index.ntotal),
                "model": public_name(eng.embedder.name),
                # public: file names only, never where the server keeps them
                "last_reload_error": [p.replace(knowledge_dir, "") for p in problems] if problems else None,
            }
        )

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app
