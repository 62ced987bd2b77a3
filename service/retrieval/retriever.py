"""Hybrid retrieval: dense faiss search and BM25, fused into one ranking with a calibrated confidence.

Dense search embeds the question (Chinese rewritten into English terms through the glossary, since the
bundled model reads English only) and keeps, per entry, its best cosine over titles and phrasings and, apart,
over passages of its answer. A long question is also embedded sentence by sentence, and its question
sentence counts when it matches better than the whole. BM25 scores each entry's bilingual document. A
question that is only a concept's name ("LSTM", "感受野", "what is pooling?") matches that entry's names.
The fused score is a weighted sum of these features; ``mode`` selects dense only, lexical only or hybrid, so
the evaluation can compare them. Confidence is a logistic function of the top entry's features, fitted on
labelled questions (``gradlab calibrate``) and stored in ``calibration.json`` beside this module.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
from pathlib import Path

import numpy as np
from gradlab.retrieval import text
from gradlab.retrieval.dense import DenseIndex
from gradlab.retrieval.embedder import Embedder
from gradlab.retrieval.glossary import Glossary
from gradlab.retrieval.lexical import LexicalIndex

MODES = ("dense", "lexical", "hybrid")
DENSE_ROWS = 256  # nearest texts fetched per question; entries below them score 0 on the dense side
SIGNALS = ("dense", "passage", "bm25", "coverage", "name")  # per-entry scores the fusion weighs
# the top entry's features the confidence reads; "dense_gap" (its cosine minus the best other entry's) stays near
# 0 when one shared word ("LSTM") brings several entries equally close, however high the cosine itself
FEATURES = ("dense", "passage", "coverage", "margin", "name", "dense_gap")
LONG_QUESTION = 100  # characters: above this a question's own question sentence is also embedded
QUESTION_CUE = re.compile(
    r"[?？]|\b(why|how|what|which|when|should|does|do|is|are|can)\b|为什么|怎么|如何|什么|吗|呢|哪|是否|能否"
)
FILLER = re.compile(
    r"^(?:(?:what|who)(?:'s| is| are)|whats|explain|define|describe|tell me about|(?:what|how) about|and|so)\s+"
    r"|^(?:什么是|啥是|请问|那么|那|介绍一下|解释一下|讲讲|说说)"
    r"|(?:是什么意思|是什么|是啥|呢|吗|please|pls)$"
)


@dataclasses.dataclass(frozen=True)
class Calibration:
    """Fusion weights, and per mode a logistic confidence model over FEATURES."""

    fusion: dict[str, float]
    models: dict[str, dict]  # mode -> {"intercept": float, "coefficients": {feature: float}}

    @classmethod
    def default(cls) -> Calibration:
        model = {
            "intercept": -6.0,
            "coefficients": {
                "dense": 6.0,
                "passage": 1.0,
                "coverage": 3.0,
                "margin": 4.0,
                "name": 4.0,
                "dense_gap": 4.0,
            },
        }
        fusion = {"dense": 0.6, "passage": 0.1, "bm25": 0.15, "coverage": 0.15, "name": 1.0}
        return cls(fusion=fusion, models={m: model for m in MODES})

    @classmethod
    def load(cls, path: Path | str) -> Calibration:
        """Read a calibration file; a missing one is an error: without it the threshold means nothing."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"calibration file {path} is missing; run 'gradlab calibrate' to write it")
        data = json.loads(path.read_text())
        return cls(fusion=data["fusion"], models=data["models"])

    def to_json(self) -> dict:
        return {"fusion": self.fusion, "models": self.models}

    def confidence(self, features: dict[str, float], mode: str = "hybrid") -> float:
        """Return the calibrated probability that the entry with these features is a right answer."""
        model = self.models[mode]
        z = model["intercept"] + sum(model["coefficients"].get(f, 0.0) * features[f] for f in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@dataclasses.dataclass
class Candidate:
    id: str
    score: float
    features: dict[str, float]
    confidence: float = 0.0


def fuse(signals: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Return the fused score of every entry: the weighted sum of its signals."""
    return sum(weights.get(name, 0.0) * signals[name] for name in SIGNALS)


def name_key(name: str) -> str:
    """Return the form in which names are compared: normalised, without spaces, dashes or punctuation."""
    return re.sub(r"[\s\-_.,;:!?？！，。、（）()\"'“”]+", "", text.normalize(name))


def concept_query(question: str) -> str:
    """Return the question stripped of question words and punctuation ("what is LSTM?" -> "lstm")."""
    stripped = re.sub(r"[?？!！.。,，]+", " ", text.normalize(question)).strip()
    for _ in range(3):  # "那 LSTM 是什么呢" loses 那, 呢 and 是什么 in turn
        shorter = FILLER.sub("", stripped).strip()
        if shorter == stripped:
            break
        stripped = shorter
    return name_key(stripped)


def question_sentences(question: str) -> list[str]:
    """Return the sentences of a long question that ask something (at most two, questions marks first)."""
    if len(question) < LONG_QUESTION:
        return []
    sentences = [s.strip() for s in re.split(r"(?<=[.?!。？！\n])\s*", question) if len(s.strip()) >= 15]
    asking = [s for s in sentences if QUESTION_CUE.search(s.lower())]
    asking.sort(key=lambda s: not ("?" in s or "？" in s))
    return [s for s in asking[:2] if s != question.strip()]


class Retriever:
    """Rank knowledge entries for a question."""

    def __init__(
        self,
        glossary: Glossary,
        embedder: Embedder,
        dense: DenseIndex,
        lexical: LexicalIndex,
        calibration: Calibration,
        cache_size: int = 1024,
        names: dict[str, list[str]] | None = None,
    ):
        self.glossary, self.embedder = glossary, embedder
        self.dense, self.lexical, self.calibration = dense, lexical, calibration
        self.ids = lexical.ids
        self.position = {entry_id: i for i, entry_id in enumerate(self.ids)}
        self.row_entry = np.array([self.position[owner] for owner in dense.owners], dtype=np.int64)  # row -> entry
        self.row_is_passage = np.array(dense.kinds, dtype=bool) if dense.kinds else np.zeros(len(dense.owners), bool)
        # name key -> entry position; the loader guarantees a name belongs to one entry
        self.names = {name_key(n): self.position[i] for i, ns in (names or {}).items() for n in ns}
        self._dense_cache = functools.lru_cache(maxsize=cache_size)(self._dense_scores_uncached)

    def dense_query(self, question: str) -> str:
        """Return the text the embedding model sees: a Chinese question becomes English glossary terms unless
        the model reads Chinese itself."""
        normalised = text.normalize(question)
        if text.CJK_RUN.search(normalised) and not self.embedder.reads_chinese:
            return self.glossary.to_english(question)
        return normalised

    def dense_scores(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """Return each entry's best cosine over its titles and phrasings, and over its answer's passages; a long
        question's question sentences are embedded too and count where they match better (cached)."""
        queries = tuple(dict.fromkeys(q for q in map(self.dense_query, [question, *question_sentences(question)])))
        return self._dense_cache(queries)

    def _dense_scores_uncached(self, queries: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        phrase = np.zeros(len(self.ids), dtype=np.float32)
        passage = np.zeros(len(self.ids), dtype=np.float32)
        queries = tuple(q for q in queries if q)
        if not queries:
            return phrase, passage
        vectors = self.embedder.encode(list(queries))  # (n_queries, dim), unit length
        sims, rows = self.dense.search(vectors, k=DENSE_ROWS)  # (n_queries, k) each, best first
        found = rows >= 0
        sims, rows = sims[found], rows[found]  # flattened over queries
        is_passage = self.row_is_passage[rows]
        # an entry scores its best-matching text of each kind, over all of the question's sentences
        np.maximum.at(phrase, self.row_entry[rows[~is_passage]], sims[~is_passage])
        np.maximum.at(passage, self.row_entry[rows[is_passage]], sims[is_passage])
        return np.clip(phrase, 0.0, 1.0), np.clip(passage, 0.0, 1.0)

    def features(self, question: str) -> dict[str, np.ndarray]:
        """Return the per-entry signal arrays: dense and passage cosines, relative BM25, coverage, name match."""
        tokens = self.lexical.query_tokens(question)
        bm25 = self.lexical.scores(tokens)
        top = float(bm25.max()) if len(bm25) else 0.0
        dense, passage = self.dense_scores(question)
        name = np.zeros(len(self.ids), dtype=np.float32)
        if (hit := self.names.get(concept_query(question))) is not None:
            name[hit] = 1.0
        return {
            "dense": dense,
            "passage": passage,
            "bm25": bm25 / top if top > 0 else bm25,
            "coverage": self.lexical.coverage(tokens),
            "name": name,
        }

    def rank(self, question: str, mode: str = "hybrid", limit: int = 10) -> list[Candidate]:
        """Return up to ``limit`` candidates, best first, each with its features and confidence."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        f = self.features(question)
        if mode == "dense":
            fused = f["dense"]
        elif mode == "lexical":
            fused = 0.5 * f["bm25"] + 0.5 * f["coverage"]
        else:
            fused = fuse(f, self.calibration.fusion)
        return self.candidates(f, fused, mode, limit)

    def candidates(self, f: dict[str, np.ndarray], fused: np.ndarray, mode: str = "hybrid", limit: int = 10):
        """Return the best ``limit`` entries by ``fused`` score with their features and confidence."""
        full_order = np.argsort(-fused, kind="stable")
        runner_up = float(fused[full_order[1]]) if len(full_order) > 1 else 0.0
        dense_order = np.argsort(-f["dense"], kind="stable")[:2]  # the two best dense cosines, for dense_gap
        order = full_order[:limit]
        candidates = []
        for rank, i in enumerate(order):
            best_other = runner_up if rank == 0 else float(fused[order[0]])
            best_other_dense = f["dense"][dense_order[1] if dense_order[0] == i else dense_order[0]]
            feats = {name: float(f[name][i]) for name in SIGNALS}
            feats["margin"] = float(fused[i] - best_other)
            feats["dense_gap"] = float(f["dense"][i] - best_other_dense)
            candidates.append(Candidate(id=self.ids[i], score=float(fused[i]), features=feats))
        for c in candidates:
            c.confidence = self.calibration.confidence(c.features, mode)
        return candidates
