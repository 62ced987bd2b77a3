"""The bilingual glossary: Chinese domain terms and their English equivalents (knowledge/glossary.yaml).

The bundled embedding model reads English only, so ``to_english`` rewrites a Chinese question as the English
terms it contains (plus the English words already in it) before dense search; ``expand`` adds the other
language's tokens of every term found, so lexical search matches entries in either language.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from pathlib import Path

import yaml
from gradlab.retrieval import text


@dataclasses.dataclass(frozen=True)
class Glossary:
    pairs: tuple[tuple[str, str], ...]  # (normalised zh term, en term), longest zh term first
    canonical: tuple[tuple[str, str], ...]  # (en term, its first zh term), one per glossary row
    generic: frozenset[str]  # English terms that only ask (why, what is), saying nothing about the topic
    digest: str
    lookup: dict[str, str] = dataclasses.field(default_factory=dict)  # zh term -> en term
    pattern: re.Pattern | None = None  # any zh term, longest first

    def to_english(self, question: str) -> str:
        """Replace Chinese terms by their English equivalents and drop the Chinese left over.

        Returns "" when nothing topical survives (only question words such as 为什么 / 是什么 were known).
        """
        normalised = text.normalize(question)
        found: list[str] = []

        def swap(match: re.Match) -> str:
            found.append(self.lookup[match.group(0)])
            return f" {found[-1]} "

        replaced = self.pattern.sub(swap, normalised) if self.pattern else normalised
        english = " ".join(text.CJK_RUN.sub(" ", replaced).split())
        own_words = text.LATIN_WORD.findall(text.CJK_RUN.sub(" ", normalised))
        if not own_words and all(term in self.generic for term in found):
            return ""
        return english

    def expand(self, question: str) -> list[str]:
        """Return lexical tokens of the question plus those of the glossary terms it mentions in either language."""
        normalised = text.normalize(question)
        tokens = text.tokenize(normalised)
        present = set(tokens)
        extra = [en for zh, en in self.pairs if zh in normalised]
        extra += [zh for en, zh in self.canonical if set(_en_tokens(en)) <= present]
        return tokens + text.tokenize(" ".join(extra))


@functools.lru_cache(maxsize=4096)
def _en_tokens(term: str) -> tuple[str, ...]:
    return tuple(text.tokenize(term)) or ("\0",)


def load_glossary(path: Path | str) -> Glossary:
    """Load a glossary file; a missing file gives an empty glossary, a malformed one raises ValueError."""
    path = Path(path)
    if not path.exists():
        return Glossary(pairs=(), canonical=(), generic=frozenset(), digest="none")
    raw = path.read_bytes()
    rows = yaml.safe_load(raw) or []
    pairs, canonical, generic = [], [], set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("en"), str) or not isinstance(row.get("zh"), list):
            raise ValueError(f"{path}: row {i + 1}: expected {{en: str, zh: [str, ...]}}")
        pairs += [(text.normalize(zh), row["en"]) for zh in row["zh"]]
        canonical.append((row["en"], text.normalize(row["zh"][0])))
        if row.get("generic"):
            generic.add(row["en"])
    pairs.sort(key=lambda pair: -len(pair[0]))
    text.add_words([zh for zh, _ in pairs])
    return Glossary(
        pairs=tuple(pairs),
        canonical=tuple(canonical),
        generic=frozenset(generic),
        digest=hashlib.sha256(raw).hexdigest(),
        lookup=dict(pairs),
        pattern=re.compile("|".join(re.escape(zh) for zh, _ in pairs)) if pairs else None,
    )
