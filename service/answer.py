"""Compose the answer to one question: the one function behind the API, the CLI and the chat page."""

from __future__ import annotations

from gradlab.engine import Engine
from gradlab.knowledge.demo_results import demo_summary
from gradlab.knowledge.render import markdown_to_html
from gradlab.retrieval import text
from gradlab.retrieval.retriever import Candidate

LANGS = ("auto", "en", "zh")


def entry_ref(engine: Engine, entry_id: str, lang: str, confidence: float | None = None) -> dict:
    """Return the short reference to an entry that lists of related questions and suggestions use."""
    ref = {"id": entry_id, "title": getattr(engine.kb.entries[entry_id].title, lang)}
    if confidence is not None:
        ref["confidence"] = round(confidence, 3)
    return ref


def entry_payload(engine: Engine, entry_id: str, lang: str) -> dict:
    """Return an entry as an answer: title, Markdown text, its HTML, demo and references, in ``lang``.

    Rendered once per entry and language for the engine's lifetime; each call gets its own copy to extend.
    """
    payload = engine.payloads.get((entry_id, lang))
    if payload is None:
        entry = engine.kb.entries[entry_id]
        body = getattr(entry.body, lang)
        payload = engine.payloads[(entry_id, lang)] = {
            "id": entry.id,
            "title": getattr(entry.title, lang),
            "summary": entry.summary(lang),
            "text": body,
            "html": markdown_to_html(body),
            "demo": demo_summary(entry.demo, lang, engine.demo_records.get(entry.demo)) if entry.demo else None,
            "references": list(entry.references),
        }
    return {**payload, "demo": dict(payload["demo"]) if payload["demo"] else None}


def decide(engine: Engine, question: str, mode: str = "hybrid", limit: int = 4) -> tuple[list[Candidate], bool]:
    """Rank the entries for ``question`` and decide whether the best one is good enough to answer with."""
    candidates = engine.retriever.rank(question, mode=mode, limit=limit)
    return candidates, candidates[0].confidence >= engine.settings["MIN_CONFIDENCE"]


def answer_question(engine: Engine, question: str, lang: str = "auto", top_k: int = 3, mode: str = "hybrid") -> dict:
    """Answer ``question`` from the knowledge base, or decline with the closest topics as suggestions."""
    lang = text.detect_lang(question) if lang == "auto" else lang
    settings = engine.settings
    candidates, answered = decide(engine, question, mode=mode, limit=max(top_k, 3) + 1)
    best = candidates[0]
    result = {
        "question": question,
        "lang": lang,
        "answered": answered,
        "confidence": round(best.confidence, 3),
        "answer": None,
        "related": [],
        "alternatives": [],
        "suggestions": [],
    }
    if not answered:
        result["suggestions"] = [entry_ref(engine, c.id, lang, c.confidence) for c in candidates[:top_k]]
        return result
    result["answer"] = entry_payload(engine, best.id, lang)
    result["related"] = [entry_ref(engine, rid, lang) for rid in engine.kb.entries[best.id].related]
    gap = settings["ALTERNATIVE_GAP"]
    result["alternatives"] = [
        entry_ref(engine, c.id, lang, c.confidence)
        for c in candidates[1:top_k]
        if c.confidence >= settings["MIN_CONFIDENCE"] and best.score - c.score <= gap
    ]
    return result
