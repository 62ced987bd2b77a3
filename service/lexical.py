"""The lexical ranker: BM25 over each entry's titles, phrasings and short answers in both languages.

Queries are expanded through the glossary, so "感受野" also asks for "receptive field" and the reverse.
``coverage`` is the idf-weighted share of the query's distinct tokens that an entry contains: unlike a raw
BM25 score it lies in [0, 1] whatever the query length, which makes it usable for confidence.
"""

from __future__ import annotations

import dataclasses
import math

import bm25s
import numpy as np

from service import text
from service.glossary import Glossary
from service.knowledge import KnowledgeBase


def entry_document(entry) -> list[str]:
    """Return the tokens that describe one entry (titles count twice: they name the topic)."""
    parts = [entry.title.en, entry.title.zh] * 2
    parts += entry.phrasings.en + entry.phrasings.zh
    parts += [entry.summary("en"), entry.summary("zh")]
    return [tok for part in parts for tok in text.tokenize(part)]


@dataclasses.dataclass
class LexicalIndex:
    ids: list[str]
    bm25: bm25s.BM25
    vocab: dict[str, float]  # token -> idf
    doc_tokens: list[frozenset[str]]
    glossary: Glossary

    @classmethod
    def build(cls, kb: KnowledgeBase, glossary: Glossary) -> LexicalIndex:
        """Tokenise every entry and index the documents for BM25."""
        ids = list(kb.entries)
        docs = [entry_document(kb.entries[i]) for i in ids]
        bm25 = bm25s.BM25()
        bm25.index(docs, show_progress=False)
        n = len(docs)
        df: dict[str, int] = {}
        for doc in docs:
            for tok in set(doc):
                df[tok] = df.get(tok, 0) + 1
        vocab = {tok: math.log(1 + (n - d + 0.5) / (d + 0.5)) for tok, d in df.items()}
        return cls(ids=ids, bm25=bm25, vocab=vocab, doc_tokens=[frozenset(d) for d in docs], glossary=glossary)

    def query_tokens(self, question: str) -> list[str]:
        """Return the question's tokens plus glossary expansions, deduplicated in order."""
        return list(dict.fromkeys(self.glossary.expand(question)))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """Return the BM25 score of every entry (in ``ids`` order) for the given query tokens."""
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def coverage(self, tokens: list[str]) -> np.ndarray:
        """Return, per entry, the idf-weighted share of the query tokens found in its document."""
        weights = {t: self.vocab.get(t, max(self.vocab.values(), default=1.0)) for t in tokens}
        total = sum(weights.values())
        if not total:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.array([sum(w for t, w in weights.items() if t in doc) / total for doc in self.doc_tokens],
                        dtype=np.float32)
