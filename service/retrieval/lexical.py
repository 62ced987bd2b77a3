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
from gradlab.knowledge.loader import KnowledgeBase
from gradlab.retrieval import text
from gradlab.retrieval.glossary import Glossary
from scipy import sparse


def entry_document(entry, tokenizer: text.Tokenizer) -> list[str]:
    """Return the tokens that describe one entry (titles count twice: they name the topic)."""
    parts = [entry.title.en, entry.title.zh] * 2
    parts += entry.phrasings.en + entry.phrasings.zh
    parts += [entry.summary("en"), entry.summary("zh")]
    return [tok for part in parts for tok in tokenizer.tokenize(part)]


@dataclasses.dataclass
class LexicalIndex:
    ids: list[str]
    bm25: bm25s.BM25
    vocab: dict[str, float]  # token -> idf
    columns: dict[str, int]  # token -> column of ``presence``
    presence: sparse.csc_matrix  # (n_entries, n_tokens), 1 where the entry's document has the token
    glossary: Glossary
    unknown_weight: float  # idf given to a word no entry has: the rarest known word's

    @classmethod
    def build(cls, kb: KnowledgeBase, glossary: Glossary) -> LexicalIndex:
        """Tokenise every entry and index the documents for BM25."""
        ids = list(kb.entries)
        docs = [entry_document(kb.entries[i], glossary.tokenizer) for i in ids]
        bm25 = bm25s.BM25()
        bm25.index(docs, show_progress=False)
        n = len(docs)
        df: dict[str, int] = {}
        for doc in docs:
            for tok in set(doc):
                df[tok] = df.get(tok, 0) + 1
        vocab = {tok: math.log(1 + (n - d + 0.5) / (d + 0.5)) for tok, d in df.items()}
        columns = {tok: j for j, tok in enumerate(vocab)}
        rows, cols = [], []
        for i, doc in enumerate(docs):
            for tok in set(doc):
                rows.append(i)
                cols.append(columns[tok])
        presence = sparse.csc_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(columns)))
        return cls(
            ids=ids,
            bm25=bm25,
            vocab=vocab,
            columns=columns,
            presence=presence,
            glossary=glossary,
            unknown_weight=max(vocab.values(), default=1.0),
        )

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
        weights = {t: self.vocab.get(t, self.unknown_weight) for t in tokens}
        total = sum(weights.values())
        known = [t for t in weights if t in self.columns]
        if not total or not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        columns = [self.columns[t] for t in known]
        w = np.array([weights[t] for t in known], dtype=np.float32)
        return np.asarray(self.presence[:, columns] @ w, dtype=np.float32).ravel() / total  # (n_entries,)
