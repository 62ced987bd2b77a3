"""Compose the answer to one question: the one function behind the API, the CLI and the chat page."""

from __future__ import annotations

import re

from gradlab import smalltalk
from gradlab.engine import Engine
from gradlab.knowledge.demo_results import demo_summary
from gradlab.knowledge.render import markdown_to_html
from gradlab.retrieval import text
from gradlab.retrieval.retriever import Candidate, concept_query

LANGS = ("auto", "en", "zh")
# "what about GRU?", "and its parameters?", "那 GRU 呢？", "它的参数量呢": a question that leans on the previous answer
FOLLOW_UP = re.compile(
    r"^(?:what|how) about\b|^and\b|\b(?:it|its|this one|that one|they|them)\b|^那|呢\s*[?？]?$|它|这个|那个"
)
FOLLOW_UP_WORDS = 8  # longer questions stand on their own


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


def in_context(engine: Engine, question: str, context: str | None) -> str:
    """Return the question to rank: a short follow-up that names no concept of its own borrows the previous
    answer's concept ("那它的参数量呢" after the LSTM entry asks about the LSTM's parameters); one that names a
    concept ("what about GRU?") is about that concept, and any other question stands on its own."""
    if not context or context not in engine.kb.entries:
        return question
    normalised = text.normalize(question)
    short = len(text.tokenize(normalised)) <= FOLLOW_UP_WORDS and len(normalised) <= 60
    if not short or not FOLLOW_UP.search(normalised) or concept_query(question) in engine.retriever.names:
        return question
    # the concept's first name is its short one ("LSTM"); a spelled-out name ("长短期记忆网络", "long short-term
    # memory") would pull the question towards the entry about full names
    return f"{question} {engine.kb.entries[context].names[0]}"


def starters(engine: Engine, lang: str) -> list[dict]:
    """Return one question to start with per theme of the topic map, in ``lang``."""
    return [
        {"topic": getattr(topic.title, lang), "question": getattr(topic.starter, lang)} for topic in engine.kb.topics
    ]


def decide(
    engine: Engine, question: str, mode: str = "hybrid", limit: int = 4, exclude: str | None = None
) -> tuple[list[Candidate], bool]:
    """Rank the entries for ``question`` (without ``exclude``) and decide whether the best one is good enough."""
    candidates = [c for c in engine.retriever.rank(question, mode=mode, limit=limit + 1) if c.id != exclude][:limit]
    return candidates, candidates[0].confidence >= engine.settings["MIN_CONFIDENCE"]


def answer_question(
    engine: Engine,
    question: str,
    lang: str = "auto",
    top_k: int = 3,
    mode: str = "hybrid",
    context: str | None = None,
) -> dict:
    """Answer ``question`` from the knowledge base, reply to small talk, or decline with the closest topics;
    ``context`` is the id of the entry that answered the previous question, for follow-ups."""
    lang = text.detect_lang(question) if lang == "auto" else lang
    result = {
        "question": question,
        "lang": lang,
        "kind": "smalltalk",
        "answered": False,
        "confidence": 1.0,
        "answer": None,
        "related": [],
        "alternatives": [],
        "suggestions": [],
        "reply": None,
        "starters": [],
    }
    chat = smalltalk.detect(question)
    if chat is not None:
        result.update(reply=smalltalk.reply(chat, lang), starters=starters(engine, lang))
        return result
    settings = engine.settings
    ranked_question = in_context(engine, question, context)
    # a follow-up that borrowed the previous answer's concept asks something else about it, not that answer again
    exclude = context if ranked_question != question else None
    candidates, answered = decide(engine, ranked_question, mode=mode, limit=max(top_k, 3) + 1, exclude=exclude)
    best = candidates[0]
    result.update(kind="answer" if answered else "decline", answered=answered, confidence=round(best.confidence, 3))
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
