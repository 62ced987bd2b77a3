"""The engine: knowledge base, glossary, embedder, indexes and retriever, loaded once per process.

Flask views, the CLI and the tests reach it through ``Engine.load``; the embedder is injected so unit tests
can pass a small fake while end-to-end tests use the real model.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path

from gradlab.knowledge import demo_results, render
from gradlab.knowledge.loader import KnowledgeBase, KnowledgeError, load_knowledge
from gradlab.ops.settings import package_path
from gradlab.retrieval import text
from gradlab.retrieval.dense import DenseIndex, load_or_build
from gradlab.retrieval.embedder import Embedder, SentenceTransformerEmbedder
from gradlab.retrieval.glossary import Glossary, load_glossary
from gradlab.retrieval.lexical import LexicalIndex
from gradlab.retrieval.retriever import Calibration, Retriever
from gradlab.retrieval.suggest import Suggester

log = logging.getLogger(__name__)
LANGS = ("en", "zh")
CALIBRATION_FILE = package_path("gradlab.retrieval") / "calibration.json"


def index_dir(settings: dict) -> Path:
    """Where the dense index and the rendered answers are kept."""
    return Path(settings["DATA_DIR"]) / "index"


def load_validated(knowledge_dir: Path | str) -> tuple[KnowledgeBase, Glossary]:
    """Load the entries and the glossary; raise one KnowledgeError listing the problems of both."""
    problems: list[str] = []
    kb = glossary = None
    try:
        kb = load_knowledge(knowledge_dir)
    except KnowledgeError as exc:
        problems += exc.problems
    try:
        glossary = load_glossary(Path(knowledge_dir) / "glossary.yaml")
    except KnowledgeError as exc:
        problems += exc.problems
    if problems:
        raise KnowledgeError(problems)
    return kb, glossary


@dataclasses.dataclass
class Engine:
    settings: dict
    kb: KnowledgeBase
    glossary: Glossary
    embedder: Embedder
    dense: DenseIndex
    retriever: Retriever
    timings: dict[str, float]
    demo_records: dict[str, dict | None]
    suggester: Suggester
    # (entry id, lang) -> the entry as an answer, rendered once: knowledge only changes with a new engine (reload)
    payloads: dict[tuple[str, str], dict] = dataclasses.field(default_factory=dict)

    @property
    def tokenizer(self) -> text.Tokenizer:
        """The engine's own tokeniser: jieba's dictionary plus this engine's glossary words."""
        return self.glossary.tokenizer

    @property
    def data_dir(self) -> Path:
        return Path(self.settings["DATA_DIR"])

    @classmethod
    def load(
        cls,
        settings: dict,
        embedder: Embedder | None = None,
        force_index: bool = False,
        progress: Callable[[int, int], None] | None = None,
        calibration: Calibration | None = None,
    ) -> Engine:
        """Validate the knowledge base, load the model, and load (or build when stale) the indexes."""
        timings = {}
        start = time.perf_counter()
        kb, glossary = load_validated(settings["KNOWLEDGE_DIR"])
        timings["knowledge_s"] = time.perf_counter() - start
        if embedder is None:
            start = time.perf_counter()
            embedder = SentenceTransformerEmbedder(settings["MODEL"], threads=settings["TORCH_THREADS"])
            timings["model_load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        dense, rebuilt = load_or_build(
            kb,
            glossary,
            embedder,
            index_dir(settings),
            force=force_index,
            progress=progress,
            approximate_above=settings["APPROXIMATE_ABOVE"],
        )
        timings["index_build_s" if rebuilt else "index_load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        lexical = LexicalIndex.build(kb, glossary)
        timings["lexical_build_s"] = time.perf_counter() - start
        calibration = calibration or Calibration.load(CALIBRATION_FILE)
        names = {entry.id: entry.names for entry in kb.entries.values()}
        retriever = Retriever(
            glossary, embedder, dense, lexical, calibration, cache_size=settings["CACHE_SIZE"], names=names
        )
        demo_records = demo_results.load_all(settings["DATA_DIR"])
        log.info("engine ready: %d entries, %d indexed texts, %s", len(kb), dense.index.ntotal, timings)
        suggester = Suggester.build(kb)
        engine = cls(settings, kb, glossary, embedder, dense, retriever, timings, demo_records, suggester)
        start = time.perf_counter()
        engine.prerender()
        timings["prerender_s"] = time.perf_counter() - start
        return engine

    def prerender(self) -> None:
        """Build every entry's answer in both languages now (HTML from the cache beside the index where it is
        fresh, demo modules imported): a server forks its workers after this, so no request renders or imports."""
        from gradlab.answer import entry_payload

        bodies = [getattr(entry.body, lang) for entry in self.kb.entries.values() for lang in LANGS]
        render.warm(bodies, index_dir(self.settings))
        for entry_id in self.kb.entries:
            for lang in LANGS:
                entry_payload(self, entry_id, lang)
