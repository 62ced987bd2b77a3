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

from service import text


@dataclasses.dataclass(frozen=True)
class Glossary:
    pairs: tuple[tuple[str, str], ...]  # (normalised zh term, en term), longest zh term first
    canonical: tuple[tuple[str, str], ...]  # (en term, its first zh term), one per glossary row
    digest: str

    def _pattern(self) -> re.Pattern | None:
        if not self.pairs:
            return None
        return re.compile("|".join(re.escape(zh) for zh, _ in self.pairs))

    def to_english(self, question: str) -> str:
        """Replace Chinese terms by their English equivalents and drop the Chinese left over."""
        normalised = text.normalize(question)
        lookup = dict(self.pairs)
        pattern = _compiled(self)
        replaced = pattern.sub(lambda m: f" {lookup[m.group(0)]} ", normalised) if pattern else normalised
        return " ".join(text.CJK_RUN.sub(" ", replaced).split())

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


_PATTERNS: dict[str, re.Pattern | None] = {}


def _compiled(glossary: Glossary) -> re.Pattern | None:
    if glossary.digest not in _PATTERNS:
        _PATTERNS[glossary.digest] = glossary._pattern()
    return _PATTERNS[glossary.digest]


def load_glossary(path: Path | str) -> Glossary:
    """Load a glossary file; a missing file gives an empty glossary, a malformed one raises ValueError."""
    path = Path(path)
    if not path.exists():
        return Glossary(pairs=(), canonical=(), digest="none")
    raw = path.read_bytes()
    rows = yaml.safe_load(raw) or []
    pairs, canonical = [], []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("en"), str) or not isinstance(row.get("zh"), list):
            raise ValueError(f"{path}: row {i + 1}: expected {{en: str, zh: [str, ...]}}")
        pairs += [(text.normalize(zh), row["en"]) for zh in row["zh"]]
        canonical.append((row["en"], text.normalize(row["zh"][0])))
    pairs.sort(key=lambda pair: -len(pair[0]))
    text.add_words([zh for zh, _ in pairs])
    return Glossary(pairs=tuple(pairs), canonical=tuple(canonical), digest=hashlib.sha256(raw).hexdigest())
