"""The bilingual glossary: Chinese domain terms and their English equivalents (knowledge/glossary.yaml).

The bundled embedding model reads English only, so ``to_english`` rewrites a Chinese question as the English
terms it contains (plus the English words already in it) before dense search; ``expand`` adds the other
language's tokens of every term found, so lexical search matches entries in either language.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Annotated

import yaml
from gradlab.knowledge.loader import KnowledgeError, read_yaml
from gradlab.retrieval import text
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError


class GlossaryRow(BaseModel):
    """One row: an English term and the Chinese terms that mean it."""

    model_config = ConfigDict(extra="forbid", strict=True)
    en: str = Field(min_length=1)
    zh: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] = Field(min_length=1)
    generic: bool = False


@dataclasses.dataclass(frozen=True)
class Glossary:
    pairs: tuple[tuple[str, str], ...]  # (normalised zh term, en term), longest zh term first
    canonical: tuple[tuple[str, str], ...]  # (en term, its first zh term), one per glossary row
    generic: frozenset[str]  # English terms that only ask (why, what is), saying nothing about the topic
    digest: str
    lookup: dict[str, str] = dataclasses.field(default_factory=dict)  # zh term -> en term
    pattern: re.Pattern | None = None  # any zh term, longest first
    tokenizer: text.Tokenizer = dataclasses.field(default_factory=text.Tokenizer)  # knows the zh terms
    canonical_tokens: tuple[tuple[frozenset[str], str], ...] = ()  # (tokens of the en term, its first zh term)

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
        tokens = self.tokenizer.tokenize(normalised)
        present = set(tokens)
        extra = [en for zh, en in self.pairs if zh in normalised]
        extra += [zh for en_tokens, zh in self.canonical_tokens if en_tokens <= present]
        return tokens + self.tokenizer.tokenize(" ".join(extra))


def read_rows(path: Path, raw: bytes) -> list[GlossaryRow]:
    """Parse and validate the glossary file; raise KnowledgeError listing every problem as 'file: row N: field'."""
    try:
        data = read_yaml(raw.decode("utf-8")) or []
    except UnicodeDecodeError:
        raise KnowledgeError([f"{path}: file: not valid UTF-8"]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError([f"{path}: file: invalid YAML ({exc.__class__.__name__}: {exc})"]) from None
    if not isinstance(data, list):
        raise KnowledgeError([f"{path}: file: expected a list of rows {{en: str, zh: [str, ...]}}"])
    rows, problems = [], []
    for i, row in enumerate(data, start=1):
        try:
            rows.append(GlossaryRow.model_validate(row))
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "row"
                problems.append(f"{path}: row {i}: {field}: {err['msg']}")
    if problems:
        raise KnowledgeError(problems)
    return rows


def load_glossary(path: Path | str) -> Glossary:
    """Load a glossary file; a missing file gives an empty glossary, a malformed one raises KnowledgeError."""
    path = Path(path)
    if not path.exists():
        return Glossary(pairs=(), canonical=(), generic=frozenset(), digest="none")
    raw = path.read_bytes()
    pairs, canonical, generic = [], [], set()
    for row in read_rows(path, raw):
        pairs += [(text.normalize(zh), row.en) for zh in row.zh]
        canonical.append((row.en, text.normalize(row.zh[0])))
        if row.generic:
            generic.add(row.en)
    pairs.sort(key=lambda pair: -len(pair[0]))
    tokenizer = text.Tokenizer(tuple(zh for zh, _ in pairs))
    return Glossary(
        pairs=tuple(pairs),
        canonical=tuple(canonical),
        generic=frozenset(generic),
        digest=hashlib.sha256(raw).hexdigest(),
        lookup=dict(pairs),
        pattern=re.compile("|".join(re.escape(zh) for zh, _ in pairs)) if pairs else None,
        tokenizer=tokenizer,
        # an English term with no tokens ("the") must never count as present
        canonical_tokens=tuple((frozenset(tokenizer.tokenize(en)) or frozenset({"\0"}), zh) for en, zh in canonical),
    )
