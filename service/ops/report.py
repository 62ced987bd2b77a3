"""The unanswered report: which questions the service declined or answered with low confidence, grouped.

Questions are grouped greedily, most frequent first: a question joins the first group whose representative
it resembles (cosine of the embeddings, or the overlap of lexical tokens for questions the English model
cannot read), so rewordings of one missing topic are counted together.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from gradlab.engine import Engine
from gradlab.ops.storage import Storage
from gradlab.retrieval import text


def similarity(a_vec: np.ndarray, b_vec: np.ndarray, a_tokens: set[str], b_tokens: set[str]) -> float:
    """Return the larger of the embedding cosine and the token Jaccard overlap."""
    jaccard = len(a_tokens & b_tokens) / len(a_tokens | b_tokens) if a_tokens | b_tokens else 0.0
    return max(float(a_vec @ b_vec), jaccard)


def unanswered(
    storage: Storage, engine: Engine, low_confidence: float | None = None, limit: int = 20, same_topic: float = 0.75
) -> list[dict]:
    """Return groups of declined or low-confidence questions, most asked first, with feedback counts."""
    # answers within 0.2 of the threshold are the shaky ones: right barely more often than wrong
    low = engine.settings["MIN_CONFIDENCE"] + 0.2 if low_confidence is None else low_confidence
    rows = [r for r in storage.query_rows() if not r["answered"] or r["confidence"] < low]
    if not rows:
        return []
    by_question: dict[str, list[dict]] = {}
    for row in rows:
        by_question.setdefault(text.normalize(row["question"]), []).append(row)
    votes = Counter((text.normalize(f["question"]), f["vote"]) for f in storage.feedback_rows())
    keys = sorted(by_question, key=lambda k: -len(by_question[k]))
    vectors = engine.embedder.encode(keys)  # (n_questions, dim), unit rows
    tokens = [set(engine.glossary.tokenizer.tokenize(k)) for k in keys]
    groups: list[dict] = []
    for i in range(len(keys)):
        home = next(
            (g for g in groups if similarity(vectors[g["rep"]], vectors[i], tokens[g["rep"]], tokens[i]) >= same_topic),
            None,
        )
        if home is None:
            home = {"rep": i, "members": []}
            groups.append(home)
        home["members"].append(i)
    report = []
    for g in groups:
        members = [keys[i] for i in g["members"]]
        logged = [r for k in members for r in by_question[k]]
        top_entries = Counter(r["top_entry"] for r in logged if r["top_entry"])
        report.append(
            {
                "example": by_question[members[0]][0]["question"],
                "count": len(logged),
                "questions": [by_question[k][0]["question"] for k in members],
                "langs": sorted({r["lang"] for r in logged}),
                "declined": sum(1 for r in logged if not r["answered"]),
                "mean_confidence": round(float(np.mean([r["confidence"] for r in logged])), 3),
                "closest_entry": top_entries.most_common(1)[0][0] if top_entries else None,
                "feedback": {
                    "up": sum(votes[(k, "up")] for k in members),
                    "down": sum(votes[(k, "down")] for k in members),
                },
            }
        )
    report.sort(key=lambda g: (-g["count"], -g["feedback"]["down"]))
    return report[:limit]
