"""Load and validate the knowledge base: one Markdown file per entry with a YAML header.

Every problem is reported as ``file: field: message``; nothing here raises a bare traceback at a user.
The format is described in knowledge/README.md. ``topics.yaml`` beside the entries groups them into the themes
of the topic map; every entry must be in exactly one theme.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Annotated

import yaml
from gradlab import demos
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

MIN_PHRASINGS = 5
MIN_RELATED = 2
SECTION_HEADINGS = {"en": "# English", "zh": "# 中文"}
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TOPICS_FILE = "topics.yaml"
LEAD_IN = re.compile(r"^\*\*(Short answer\.|简短回答。)\*\*\s*")
# libyaml's safe parser where PyYAML was built with it (its wheels are): the pure-Python parser took 0.8 s of
# every start-up for the entries' headers
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# a sentence ends at 。！？ or at . ! ? followed by a space and a capital (so "et al. (2000)" and "e.g. x" do not)
SENTENCE_END = re.compile(r"[。！？]|[.!?](?=\s+[A-Z\"“`$*]|\s*$)")


class Localized(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class Phrasings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: list[str] = Field(min_length=MIN_PHRASINGS)
    zh: list[str] = Field(min_length=MIN_PHRASINGS)

    @field_validator("en", "zh")
    @classmethod
    def no_blank_or_duplicate(cls, phrasings: list[str]) -> list[str]:
        cleaned = [p.strip() for p in phrasings]
        if any(not p for p in cleaned):
            raise ValueError("phrasings must not be empty strings")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("phrasings must not repeat")
        return cleaned


class Figure(BaseModel):
    """A number the text quotes from the linked demo's default run."""

    model_config = ConfigDict(extra="forbid")
    metric: str
    quoted: str
    factor: float = Field(default=3.0, gt=1.0)
    abs: float | None = Field(default=None, ge=0)


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    aliases: list[Annotated[str, StringConstraints(pattern=ID_PATTERN)]] = Field(default_factory=list)
    title: Localized
    # the concept's own names: each alone is a request for this entry ("LSTM", "感受野")
    names: list[str] = Field(min_length=2)
    phrasings: Phrasings
    demo: str = ""
    related: list[str] = Field(min_length=MIN_RELATED)
    references: list[str] = Field(min_length=1)
    figures: list[Figure] = Field(default_factory=list)
    body: Localized
    path: str

    @field_validator("names")
    @classmethod
    def names_in_both_languages(cls, names: list[str]) -> list[str]:
        cleaned = [n.strip() for n in names]
        if any(not n for n in cleaned) or len(set(cleaned)) != len(cleaned):
            raise ValueError("names must be non-empty and must not repeat")
        if not any(CJK.search(n) for n in cleaned) or all(CJK.search(n) for n in cleaned):
            raise ValueError("names need at least one English and one Chinese name")
        return cleaned

    def summary(self, lang: str) -> str:
        """Return the short direct answer: the first paragraph of the body in ``lang``."""
        text = getattr(self.body, lang).strip()
        return text.split("\n\n", 1)[0].strip()

    def one_line(self, lang: str) -> str:
        """Return the first sentence of the short answer as plain text (page descriptions, the topic map)."""
        return first_sentence(self.summary(lang))


class Topic(BaseModel):
    """A theme of the topic map: its titles, a question to start with, and its entries in reading order."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    title: Localized
    starter: Localized
    entries: list[str] = Field(min_length=1)


class TopicsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: list[Topic] = Field(min_length=1)


def first_sentence(markdown: str) -> str:
    """Return the first sentence of a short answer as plain text: no lead-in, emphasis, code or math marks."""
    text = LEAD_IN.sub("", " ".join(markdown.split()))
    text = re.sub(r"\$+([^$]*)\$+", r"\1", text)
    text = re.sub(r"\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`", "", text)
    match = SENTENCE_END.search(text)
    return (text[: match.end()] if match else text).strip()


@dataclasses.dataclass(frozen=True)
class KnowledgeBase:
    entries: dict[str, Entry]
    content_hash: str
    topics: list[Topic] = dataclasses.field(default_factory=list)
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)


class KnowledgeError(Exception):
    """The knowledge base has problems; ``problems`` lists them as 'file: field: message'."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def split_front_matter(text: str) -> tuple[str, str]:
    """Split ``---\\nyaml\\n---\\nbody`` into its header and body; raise ValueError when absent."""
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, flags=re.S)
    if not match:
        raise ValueError("the file must start with a YAML header between two '---' lines")
    return match.group(1), match.group(2)


def split_languages(body: str) -> dict[str, str]:
    """Return the English and Chinese sections of a body, keyed 'en' and 'zh'."""
    lines = body.splitlines()
    starts = {lang: [i for i, line in enumerate(lines) if line.strip() == h] for lang, h in SECTION_HEADINGS.items()}
    for lang, found in starts.items():
        if len(found) != 1:
            raise ValueError(f"the body needs exactly one '{SECTION_HEADINGS[lang]}' heading (found {len(found)})")
    en, zh = starts["en"][0], starts["zh"][0]
    if en > zh:
        raise ValueError("'# English' must come before '# 中文'")
    return {"en": "\n".join(lines[en + 1 : zh]).strip(), "zh": "\n".join(lines[zh + 1 :]).strip()}


def read_yaml(text: str):
    """Parse YAML into plain data (no Python objects), as ``yaml.safe_load`` does."""
    return yaml.load(text, Loader=YAML_LOADER)


def parse_entry(path: Path) -> Entry:
    """Parse one entry file; raise KnowledgeError naming the file and field on any problem."""
    try:
        header, body = split_front_matter(path.read_text(encoding="utf-8"))
        data = read_yaml(header)
        if not isinstance(data, dict):
            raise ValueError("the YAML header must be a mapping of fields")
        data = {**data, "body": split_languages(body), "path": str(path)}
        if data.get("demo") is None:
            data["demo"] = ""
        entry = Entry.model_validate(data)
    except UnicodeDecodeError:
        raise KnowledgeError([f"{path}: file: not valid UTF-8"]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError([f"{path}: header: invalid YAML ({exc.__class__.__name__}: {exc})"]) from None
    except ValidationError as exc:
        problems = [f"{path}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise KnowledgeError(problems) from None
    except ValueError as exc:
        raise KnowledgeError([f"{path}: body: {exc}"]) from None
    if entry.id != path.stem:
        raise KnowledgeError([f"{path}: id: '{entry.id}' must equal the file name '{path.stem}'"])
    return entry


def entry_files(folder: Path) -> list[Path]:
    """Return the entry files of a knowledge folder (README.md is documentation, not an entry)."""
    return sorted(p for p in folder.glob("*.md") if p.name != "README.md")


def cross_check(entries: dict[str, Entry], demo_names: tuple[str, ...]) -> list[str]:
    """Return problems that span entries: dangling related ids and demos, demos no entry links."""
    problems = []
    for entry in entries.values():
        for rid in entry.related:
            if rid not in entries:
                problems.append(f"{entry.path}: related: no entry has id '{rid}'")
            elif rid == entry.id:
                problems.append(f"{entry.path}: related: an entry must not relate to itself")
        if entry.demo and entry.demo not in demo_names:
            problems.append(f"{entry.path}: demo: no demo is named '{entry.demo}' (known: {', '.join(demo_names)})")
        if entry.figures and not entry.demo:
            problems.append(f"{entry.path}: figures: figures need a linked demo")
        for figure in entry.figures:
            for lang in ("en", "zh"):
                if figure.quoted not in getattr(entry.body, lang):
                    problems.append(f"{entry.path}: figures: '{figure.quoted}' is not quoted in the {lang} text")
    owner_of_name: dict[str, str] = {}
    for entry in entries.values():
        for name in entry.names:
            key = " ".join(name.lower().split())
            other = owner_of_name.setdefault(key, entry.id)
            if other != entry.id:
                problems.append(f"{entry.path}: names: '{name}' is also a name of '{other}'")
    linked = {e.demo for e in entries.values()}
    for name in demo_names:
        if name not in linked:
            problems.append(f"demos/{name}.py: demo: no knowledge entry links this demo")
    return problems


def alias_map(entries: dict[str, Entry]) -> tuple[dict[str, str], list[str]]:
    """Return old id -> current id, and problems: an alias must name no entry and belong to one entry only."""
    aliases: dict[str, str] = {}
    problems = []
    for entry in entries.values():
        for alias in entry.aliases:
            if alias in entries:
                problems.append(f"{entry.path}: aliases: '{alias}' is the id of an entry; an alias names an old id")
            elif alias in aliases:
                problems.append(f"{entry.path}: aliases: '{alias}' is also an alias of '{aliases[alias]}'")
            else:
                aliases[alias] = entry.id
    return aliases, problems


def load_topics(path: Path, entries: dict[str, Entry], entry_ids: set[str]) -> tuple[list[Topic], list[str]]:
    """Load the topic map; return its topics and problems (unknown ids, entries in no topic or in two)."""
    if not path.is_file():
        return [], [f"{path}: file: missing; it groups the entries into the themes of the topic map"]
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
        topics = TopicsFile.model_validate(data).topics
    except yaml.YAMLError as exc:
        return [], [f"{path}: header: invalid YAML ({exc.__class__.__name__}: {exc})"]
    except ValidationError as exc:
        return [], [f"{path}: {'.'.join(str(p) for p in err['loc']) or 'topics'}: {err['msg']}" for err in exc.errors()]
    problems = []
    homes: dict[str, list[str]] = {}
    for i, topic in enumerate(topics):
        for entry_id in topic.entries:
            if entry_id not in entry_ids:
                problems.append(f"{path}: topics.{i}.entries: no entry has id '{entry_id}'")
            homes.setdefault(entry_id, []).append(topic.id)
    for entry_id, topic_ids in homes.items():
        if len(topic_ids) > 1:
            problems.append(f"{path}: entries: '{entry_id}' is listed in more than one topic ({', '.join(topic_ids)})")
    for entry in entries.values():
        if entry.id not in homes:
            problems.append(f"{path}: entries: '{entry.id}' ({Path(entry.path).name}) is in no topic; add it to one")
    return topics, problems


def load_knowledge(folder: Path | str, demo_names: tuple[str, ...] = demos.DEMOS) -> KnowledgeBase:
    """Load and validate every entry under ``folder``; raise KnowledgeError listing every problem."""
    folder = Path(folder)
    files = entry_files(folder)
    if not files:
        raise KnowledgeError([f"{folder}: no knowledge entries (*.md) found"])
    entries: dict[str, Entry] = {}
    problems: list[str] = []
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        try:
            entry = parse_entry(path)
        except KnowledgeError as exc:
            problems += exc.problems
            continue
        entries[entry.id] = entry
    problems += cross_check(entries, demo_names)
    aliases, alias_problems = alias_map(entries)
    # ids of files that failed to parse still count as known, so one broken entry is not reported twice
    topics, topic_problems = load_topics(folder / TOPICS_FILE, entries, set(entries) | {p.stem for p in files})
    problems += alias_problems + topic_problems
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(entries=entries, content_hash=digest.hexdigest(), topics=topics, aliases=aliases)
