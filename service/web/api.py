"""The JSON API blueprint: thin views that parse, call one service function and return JSON."""

from __future__ import annotations

import json
import time

from flask import Blueprint, current_app, jsonify, request, send_file, url_for
from gradlab import demos
from gradlab.answer import LANGS, answer_question, entry_payload, entry_ref
from gradlab.knowledge.demo_results import DEMOS_DIR, demo_summary, result_dir
from gradlab.ops.storage import StorageError
from gradlab.web.errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api")
ASK_FIELDS = ("question", "lang", "top_k", "context")
FEEDBACK_FIELDS = ("question", "entry_id", "confidence", "vote", "comment")
MAX_COMMENT_CHARS = 1000


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
    if not isinstance(data, dict):
        raise ApiError(400, f"the body must be a JSON object, not {type(data).__name__}")
    return data


def query_lang(default: str = "en") -> str:
    """Return the ``lang`` query parameter (en or zh)."""
    lang = request.args.get("lang", default)
    if lang not in ("en", "zh"):
        raise ApiError(400, "lang must be 'en' or 'zh'")
    return lang


def parse_ask(data: dict, max_chars: int) -> tuple[str, str, int]:
    """Validate an ask request; return (question, lang, top_k, context)."""
    unknown = sorted(set(data) - set(ASK_FIELDS))
    if unknown:
        raise ApiError(400, f"unknown field(s): {', '.join(unknown)}; accepted: {', '.join(ASK_FIELDS)}")
    question = data.get("question")
    if not isinstance(question, str):
        raise ApiError(400, "'question' is required and must be a string")
    question = question.strip()
    if not question:
        raise ApiError(400, "'question' must not be empty")
    if len(question) > max_chars:
        raise ApiError(400, f"'question' is {len(question)} characters; the limit is {max_chars}")
    lang = data.get("lang", "auto")
    if lang not in LANGS:
        raise ApiError(400, f"'lang' must be one of {', '.join(LANGS)}")
    top_k = data.get("top_k", 3)
    if isinstance(top_k, float) and top_k.is_integer():  # JSON has one number type: 4.0 is the integer 4
        top_k = int(top_k)
    if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= 10:
        raise ApiError(400, "'top_k' must be an integer from 1 to 10")
    context = data.get("context")
    if context is not None and (not isinstance(context, str) or len(context) > 100):
        raise ApiError(400, "'context' must be an entry id (a string of at most 100 characters) or null")
    return question, lang, top_k, context


@bp.post("/ask")
def ask():
    settings = current_app.config["GRADLAB"]
    question, lang, top_k, context = parse_ask(json_object(), settings["MAX_QUESTION_CHARS"])
    start = time.perf_counter()
    result = answer_question(engine(), question, lang=lang, top_k=top_k, context=context)
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


def parse_feedback(data: dict, max_chars: int) -> dict:
    """Validate a feedback request; return the row to store."""
    unknown = sorted(set(data) - set(FEEDBACK_FIELDS))
    if unknown:
        raise ApiError(400, f"unknown field(s): {', '.join(unknown)}; accepted: {', '.join(FEEDBACK_FIELDS)}")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip() or len(question) > max_chars:
        raise ApiError(400, f"'question' is required: a non-empty string of at most {max_chars} characters")
    entry_id = data.get("entry_id")
    if entry_id is not None and entry_id not in engine().kb.entries:
        raise ApiError(400, "'entry_id' must be the id of an entry (GET /api/entries) or null")
    confidence = data.get("confidence")
    if confidence is not None and (
        isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1
    ):
        raise ApiError(400, "'confidence' must be a number from 0 to 1 or null")
    vote = data.get("vote")
    if vote not in ("up", "down"):
        raise ApiError(400, "'vote' must be 'up' or 'down'")
    comment = data.get("comment") or ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
        raise ApiError(400, f"'comment' must be a string of at most {MAX_COMMENT_CHARS} characters")
    return {
        "question": question.strip(),
        "entry_id": entry_id,
        "confidence": confidence,
        "vote": vote,
        "comment": comment.strip(),
    }


@bp.post("/feedback")
def feedback():
    row = parse_feedback(json_object(), current_app.config["GRADLAB"]["MAX_QUESTION_CHARS"])
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
