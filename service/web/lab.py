"""The demo lab API: a demo's knobs, and runs of it with a learner's values, computed off the request path.

``POST /api/demos/<name>/runs`` answers 200 with the result when it is cached, else 202 with the run to poll at
``GET /api/demos/<name>/runs/<id>``; a full queue gets 429 (an unreachable backend 503) with ``Retry-After``.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from gradlab import demos
from gradlab.ops import runs
from gradlab.ops.lab import describe, make_lab
from gradlab.web.errors import ApiError, error_response

bp = Blueprint("lab", __name__, url_prefix="/api/demos")
RUN_FIELDS = ("params",)
POLL_SECONDS = 1  # Retry-After of a 202: when the page should first poll


def init_app(app: Flask) -> None:
    """Create the lab from the settings, rate-limit its routes like the API's, and register them."""
    settings = app.config["GRADLAB"]
    app.extensions["gradlab.lab"] = make_lab(settings)
    limiter = app.extensions.get("gradlab.limiter")
    if limiter is not None:
        limiter.limit(settings["RATE_LIMIT"])(bp)
    app.register_blueprint(bp)

    @app.errorhandler(runs.RunError)
    def handle_run_error(exc: runs.RunError):
        status, error = (429, "queue_full") if isinstance(exc, runs.QueueFull) else (503, "lab_unavailable")
        response = error_response(status, error, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response


def known_demo(name: str) -> str:
    if name not in demos.DEMOS:
        raise ApiError(404, f"no demo is named '{name}'; GET /api/demos lists them")
    return name


def run_params() -> dict:
    """Return the ``params`` object of the request body, or raise ApiError saying what is accepted."""
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with 'Content-Type: application/json'")
    try:
        data = json.loads(request.get_data().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "the body is not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"the body must be a JSON object, not {type(data).__name__}")
    unknown = sorted(set(data) - set(RUN_FIELDS))
    if unknown:
        raise ApiError(400, f"unknown field(s): {', '.join(unknown)}; accepted: {', '.join(RUN_FIELDS)}")
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ApiError(400, f"'params' must be an object of knob values, not {type(params).__name__}")
    return params


def run_payload(run: runs.Run) -> dict:
    return {**run.to_json(), "poll_url": url_for("lab.run", name=run.demo, run_id=run.id)}


@bp.get("/<name>/lab")
def demo_lab(name: str):
    return jsonify({**describe(known_demo(name)), "runs_url": url_for("lab.start_run", name=name)})


@bp.post("/<name>/runs")
def start_run(name: str):
    from gradlab.demos._harness import ParamError

    known_demo(name)
    params = run_params()
    try:
        run = current_app.extensions["gradlab.lab"].start(name, params)
    except ParamError as exc:
        raise ApiError(400, "; ".join(exc.messages)) from None
    payload = run_payload(run)
    if run.status == "done":
        return jsonify(payload)
    return jsonify(payload), 202, {"Location": payload["poll_url"], "Retry-After": str(POLL_SECONDS)}


@bp.get("/<name>/runs/<run_id>")
def run(name: str, run_id: str):
    known_demo(name)
    found = current_app.extensions["gradlab.lab"].get(name, run_id) if run_id.isalnum() else None
    if found is None:
        raise ApiError(404, f"demo '{name}' has no run '{run_id}'; POST /api/demos/{name}/runs starts one")
    return jsonify(run_payload(found))
