"""Typing help: which entry titles to suggest for the words typed so far.

Every title and phrasing of every entry, in both languages, is a choice. A choice that starts with the typed
text scores highest, one that contains it next; then typos ("gradiant cliping") are caught word by word with
rapidfuzz (the last word may be unfinished, so it is also compared with word beginnings), and Chinese, which
has no spaces, by rapidfuzz's partial ratio. Each entry scores as its best choice, with a
bonus for its titles. Text is normalised as for retrieval, so traditional Chinese and full-width forms match too.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
from gradlab.knowledge.loader import KnowledgeBase
from gradlab.retrieval import text
from rapidfuzz import fuzz, process

# a title beats a phrasing that matches about as well, and a title whose head (the part before ':' or '(') the
# typed text covers beats a longer one ("lstm" prefers "LSTM: gates…" to "LSTM vs GRU: …"); phrasings are many
# and sometimes misspelt on purpose, so they get no bonus
PREFIX, CONTAINS, TITLE_BONUS, COVERAGE_BONUS = 100.0, 90.0, 5.0, 5.0
FUZZY_MIN_CHARS = 3  # fuzzy matches of one or two characters are noise
FUZZY_CUTOFF = 75.0  # rapidfuzz ratios, 0-100
FUZZY_WEIGHT = 0.85  # a fuzzy match never outranks a prefix or substring match
WORD = re.compile(r"[a-z0-9_]+")
MAX_TYPED_WORDS = 6  # the last few words typed are what the learner is looking for; also bounds the work
TITLE_HEAD_END = re.compile(r"[:：(（,，、?？]")


def typed_words(query: str) -> list[str]:
    """Return the words of typed text worth matching: no stopwords, no repeats, at most MAX_TYPED_WORDS."""
    words = list(dict.fromkeys(w for w in WORD.findall(query) if w not in text.EN_STOPWORDS))
    return words[-MAX_TYPED_WORDS:]


@dataclasses.dataclass(frozen=True)
class Suggester:
    choices: list[str]  # normalised titles and phrasings
    vocabulary: list[str]  # every Latin word of the choices, once
    word_ids: list[np.ndarray]  # per choice, the vocabulary indices of its words
    owners: list[str]  # the entry id of each choice
    is_title: list[bool]
    order: dict[str, int]  # entry id -> position in the knowledge base, to break ties stably

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Suggester:
        """Collect every entry's titles and phrasings in both languages."""
        choices, owners, is_title = [], [], []
        for entry in kb.entries.values():
            texts = [(entry.title.en, True), (entry.title.zh, True)]
            texts += [(p, False) for p in entry.phrasings.en + entry.phrasings.zh]
            for raw, title in texts:
                choices.append(text.normalize(raw))
                owners.append(entry.id)
                is_title.append(title)
        vocabulary = sorted({w for choice in choices for w in WORD.findall(choice)})
        index = {w: i for i, w in enumerate(vocabulary)}
        word_ids = [np.array([index[w] for w in WORD.findall(choice)], dtype=np.int64) for choice in choices]
        order = {entry_id: i for i, entry_id in enumerate(kb.entries)}
        return cls(choices, vocabulary, word_ids, owners, is_title, order)

    def suggest(self, typed: str, limit: int = 5) -> list[str]:
        """Return the ids of up to ``limit`` entries matching ``typed``, best first."""
        query = text.normalize(typed).strip()
        if not any(ch.isalnum() for ch in query):
            return []
        best: dict[str, float] = {}

        def offer(i: int, score: float) -> None:
            if self.is_title[i]:
                head = TITLE_HEAD_END.split(self.choices[i], maxsplit=1)[0].strip() or self.choices[i]
                score += TITLE_BONUS + COVERAGE_BONUS * min(1.0, len(query) / len(head))
            owner = self.owners[i]
            best[owner] = max(best.get(owner, 0.0), score)

        for i, choice in enumerate(self.choices):
            if choice.startswith(query):
                offer(i, PREFIX)
            elif query in choice:
                offer(i, CONTAINS)
        if len(query) < FUZZY_MIN_CHARS:
            return self.top(best, limit)
        words = typed_words(query)
        if words and not text.CJK_RUN.search(query):
            for i, score in enumerate(self.word_scores(words)):
                if score >= FUZZY_CUTOFF:
                    offer(i, float(score) * FUZZY_WEIGHT)
        else:
            for _, score, i in process.extract(
                query, self.choices, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF, limit=limit * 10
            ):
                offer(i, score * FUZZY_WEIGHT)
        return self.top(best, limit)

    def word_scores(self, words: list[str]) -> np.ndarray:
        """Return, per choice, the mean over typed words of their best rapidfuzz ratio against its words."""
        # (n_typed, n_vocabulary) ratios; the last word may be unfinished, so it also meets word beginnings
        ratios = process.cdist(words, self.vocabulary, scorer=fuzz.ratio, dtype=np.float32)
        last = words[-1]
        beginnings = [w[: len(last)] for w in self.vocabulary]
        ratios[-1] = np.maximum(ratios[-1], process.cdist([last], beginnings, scorer=fuzz.ratio, dtype=np.float32)[0])
        scores = np.zeros(len(self.choices), dtype=np.float32)
        for i, ids in enumerate(self.word_ids):
            if len(ids):
                scores[i] = ratios[:, ids].max(axis=1).mean()
        return scores

    def top(self, best: dict[str, float], limit: int) -> list[str]:
        """Return the ``limit`` best-scoring entry ids, ties in knowledge-base order."""
        ranked = sorted(best, key=lambda entry_id: (-best[entry_id], self.order[entry_id]))
        return ranked[:limit]
