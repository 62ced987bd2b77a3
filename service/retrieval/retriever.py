"""Hybrid retrieval: dense faiss search and BM25, fused into one ranking with a calibrated confidence.

Dense search embeds the question (Chinese rewritten into English terms through the glossary, since the
bundled model reads English only) and keeps each entry's best cosine. BM25 scores each entry's bilingual
document. The fused score is a weighted sum of the cosine, the BM25 score relative to the best entry's,
and the query's idf-weighted coverage; ``mode`` selects dense only, lexical only or hybrid, so the
evaluation can compare them. Confidence is a logistic function of the top entry's features, fitted on the
dev set (``gradlab calibrate``) and stored in ``eval/calibration.json``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from pathlib import Path

import numpy as np
from gradlab.retrieval import text
from gradlab.retrieval.dense import DenseIndex
from gradlab.retrieval.embedder import Embedder
from gradlab.retrieval.glossary import Glossary
from gradlab.retrieval.lexical import LexicalIndex

MODES = ("dense", "lexical", "hybrid")
DENSE_ROWS = 256  # nearest texts fetched per question; entries below them score 0 on the dense side
FEATURES = ("dense", "bm25", "coverage", "margin")


@dataclasses.dataclass(frozen=True)
class Calibration:
    """Fusion weights, and per mode a logistic confidence model over FEATURES."""

    fusion: dict[str, float]
    models: dict[str, dict]  # mode -> {"intercept": float, "coefficients": {feature: float}}

    @classmethod
    def default(cls) -> Calibration:
        model = {"intercept": -6.0, "coefficients": {"dense": 6.0, "bm25": 1.0, "coverage": 3.0, "margin": 4.0}}
        return cls(fusion={"dense": 0.7, "bm25": 0.15, "coverage": 0.15}, models={m: model for m in MODES})

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
        z = model["intercept"] + sum(model["coefficients"][f] * features[f] for f in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@dataclasses.dataclass
class Candidate:
    id: str
    score: float
    features: dict[str, float]
    confidence: float = 0.0


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
    ):
        self.glossary, self.embedder = glossary, embedder
        self.dense, self.lexical, self.calibration = dense, lexical, calibration
        self.ids = lexical.ids
        self.position = {entry_id: i for i, entry_id in enumerate(self.ids)}
        self.row_entry = np.array([self.position[owner] for owner in dense.owners], dtype=np.int64)  # row -> entry
        self._dense_cache = functools.lru_cache(maxsize=cache_size)(self._dense_scores_uncached)

    def dense_query(self, question: str) -> str:
        """Return the text the embedding model sees: a Chinese question becomes English glossary terms unless
        the model reads Chinese itself."""
        normalised = text.normalize(question)
        if text.CJK_RUN.search(normalised) and not self.embedder.reads_chinese:
            return self.glossary.to_english(question)
        return normalised

    def dense_scores(self, question: str) -> np.ndarray:
        """Return each entry's best cosine between the question and its titles and phrasings (cached)."""
        return self._dense_cache(self.dense_query(question))

    def _dense_scores_uncached(self, query: str) -> np.ndarray:
        scores = np.zeros(len(self.ids), dtype=np.float32)
        if not query:
            return scores
        vector = self.embedder.encode([query])  # (1, dim), unit length
        sims, rows = self.dense.search(vector, k=DENSE_ROWS)  # (1, k) each, best first
        found = rows[0] >= 0
        # an entry scores its best-matching title or phrasing
        np.maximum.at(scores, self.row_entry[rows[0][found]], sims[0][found])
        return np.clip(scores, 0.0, 1.0)

    def features(self, question: str) -> dict[str, np.ndarray]:
        """Return the per-entry feature arrays: dense cosine, relative BM25, coverage."""
        tokens = self.lexical.query_tokens(question)
        bm25 = self.lexical.scores(tokens)
        top = float(bm25.max()) if len(bm25) else 0.0
        return {
            "dense": self.dense_scores(question),
            "bm25": bm25 / top if top > 0 else bm25,
            "coverage": self.lexical.coverage(tokens),
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
            weights = self.calibration.fusion
            fused = sum(weights[name] * f[name] for name in ("dense", "bm25", "coverage"))
        full_order = np.argsort(-fused, kind="stable")
        runner_up = float(fused[full_order[1]]) if len(full_order) > 1 else 0.0
        order = full_order[:limit]
        candidates = []
        for rank, i in enumerate(order):
            best_other = runner_up if rank == 0 else float(fused[order[0]])
            feats = {name: float(f[name][i]) for name in ("dense", "bm25", "coverage")}
            feats["margin"] = float(fused[i] - best_other)
            candidates.append(Candidate(id=self.ids[i], score=float(fused[i]), features=feats))
        for c in candidates:
            c.confidence = self.calibration.confidence(c.features, mode)
        return candidates
