"""The JSON API blueprint: thin views that parse, call one service function and return JSON."""

from __future__ import annotations

import json
import time

from flask import Blueprint, current_app, jsonify, request, send_file, url_for
from gradlab import demos
from gradlab.answer import answer_question, entry_payload, entry_ref
from gradlab.knowledge.demo_results import DEMOS_DIR, demo_summary, result_dir
from gradlab.ops.storage import StorageError
from gradlab.web import models
from gradlab.web.errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_JSON_DEPTH = 32  # request bodies are flat objects; deeper nesting is an attack, not a question


def engine():
    return current_app.extensions["gradlab.engine"]


def json_object() -> dict:
    """Return the request body as a JSON object, or raise ApiError saying what is accepted."""
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with 'Content-Type: application/json'")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not valid UTF-8") from None
    except ValueError as exc:
        raise ApiError(400, f"the body is not valid JSON ({exc.msg} at position {exc.pos})") from None
    except RecursionError:
        raise ApiError(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"the body must be a JSON object, not {type(data).__name__}")
    check_json_values(data)
    return data


def check_json_values(data: dict) -> None:
    """Reject nesting deeper than MAX_JSON_DEPTH and strings that are not Unicode text (lone surrogates such as
    \\ud800, which JSON escapes allow but no UTF-8 log, database or response can hold)."""
    stack = [(data, 1)]
    while stack:  # iterative: the depth check must not itself recurse
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            stack += [(key, depth) for key in value] + [(item, depth + 1) for item in value.values()]
        elif isinstance(value, list):
            stack += [(item, depth + 1) for item in value]
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                message = "the body contains a lone surrogate (e.g. \\ud800): send valid Unicode text"
                raise ApiError(400, message) from None


def query_lang(default: str = "en") -> str:
    """Return the ``lang`` query parameter (en or zh)."""
    lang = request.args.get("lang", default)
    if lang not in ("en", "zh"):
        raise ApiError(400, "lang must be 'en' or 'zh'")
    return lang


@bp.post("/ask")
def ask():
    settings = current_app.config["GRADLAB"]
    body = models.parse(models.ask_model(settings["MAX_QUESTION_CHARS"]), json_object())
    question = models.strip(body.question)
    start = time.perf_counter()
    result = answer_question(engine(), question, lang=body.lang, top_k=body.top_k, context=body.context)
    demo = (result["answer"] or {}).get("demo")
    if demo:
        add_demo_links(demo, result["lang"])
    if settings["LOG_QUERIES"]:
        current_app.extensions["gradlab.storage"].log_query(
            question=question,
            lang=result["lang"],
            top_entry=(result["answer"] or {}).get("id"),
            confidence=result["confidence"],
            # small talk is handled, not a gap in the knowledge base: keep it out of the unanswered report
            answered=result["answered"] or result["kind"] == "smalltalk",
            latency_ms=(time.perf_counter() - start) * 1000,
        )
    return jsonify(result)


@bp.post("/feedback")
def feedback():
    model = models.feedback_model(current_app.config["GRADLAB"]["MAX_QUESTION_CHARS"])
    body = models.parse(model, json_object())
    if body.entry_id is not None and body.entry_id not in engine().kb.entries:
        raise ApiError(400, f"'entry_id' must be {model.model_fields['entry_id'].description}")
    row = {**body.model_dump(), "question": models.strip(body.question), "comment": models.strip(body.comment)}
    try:
        feedback_id = current_app.extensions["gradlab.storage"].add_feedback(**row)
    except StorageError as exc:
        raise ApiError(503, f"{exc}; please try again later", error="storage_unavailable") from None
    return jsonify({"ok": True, "id": feedback_id}), 201


@bp.get("/entries")
def entries():
    lang, eng = query_lang(), engine()
    return jsonify(
        {"entries": [{**entry_ref(eng, e.id, lang), "demo": e.demo or None} for e in eng.kb.entries.values()]}
    )


@bp.get("/entries/<entry_id>")
def entry(entry_id: str):
    lang, eng = query_lang(), engine()
    if entry_id not in eng.kb.entries:
        raise ApiError(404, f"no entry has id '{entry_id}'; GET /api/entries lists them")
    payload = entry_payload(eng, entry_id, lang)
    payload["related"] = [entry_ref(eng, rid, lang) for rid in eng.kb.entries[entry_id].related]
    return jsonify(payload)


@bp.get("/suggest")
def suggest():
    lang, eng = query_lang(), engine()
    typed = request.args.get("q")
    if typed is None:
        raise ApiError(400, "'q' is required: the text typed so far")
    limit = current_app.config["GRADLAB"]["MAX_QUESTION_CHARS"]
    if len(typed) > limit:
        raise ApiError(400, f"'q' is {len(typed)} characters; the limit is {limit}")
    suggestions = []
    for entry_id in eng.suggester.suggest(typed):
        title = eng.kb.entries[entry_id].title
        suggestions.append(
            {
                "id": entry_id,
                "title": getattr(title, lang),
                "titles": {"en": title.en, "zh": title.zh},
                "url": url_for("pages.entry", entry_id=entry_id, lang=lang),
            }
        )
    return jsonify({"q": typed, "suggestions": suggestions})


PLOT_FILES = {"en": "plot.png", "zh": "plot.zh.png"}  # written by every demo run


def add_demo_links(summary: dict, lang: str) -> dict:
    """Add the URLs of a demo summary's plot in ``lang`` (when built) and source."""
    name = summary["name"]
    query = {"lang": lang} if lang != "en" else {}
    summary["plot_url"] = url_for("api.demo_plot", name=name, **query) if summary["result"] else None
    summary["source_url"] = url_for("api.demo_source", name=name)
    return summary


def demo_payload(name: str, lang: str) -> dict:
    return add_demo_links(demo_summary(name, lang, engine().demo_records.get(name)), lang)


@bp.get("/demos")
def demo_list():
    lang = query_lang()
    return jsonify({"demos": [demo_payload(name, lang) for name in demos.DEMOS]})


@bp.get("/demos/<name>")
def demo(name: str):
    lang = query_lang()
    if name not in demos.DEMOS:
        raise ApiError(404, f"no demo is named '{name}'; GET /api/demos lists them")
    return jsonify(demo_payload(name, lang))


@bp.get("/demos/<name>/source")
def demo_source(name: str):
    if name not in demos.DEMOS:
        raise ApiError(404, f"no demo is named '{name}'; GET /api/demos lists them")
    return send_file(DEMOS_DIR / f"{name}.py", mimetype="text/plain", max_age=3600)


@bp.get("/demos/<name>/plot.png")
def demo_plot(name: str):
    lang, eng = query_lang(), engine()
    path = result_dir(eng.data_dir, name) / PLOT_FILES[lang] if name in demos.DEMOS else None
    if path is None or eng.demo_records.get(name) is None or not path.is_file():
        raise ApiError(404, f"no built {lang} plot for demo '{name}'; run 'gradlab build'")
    return send_file(path, mimetype="image/png", max_age=3600)
