"""The dense index: every title and phrasing embedded once, searched with faiss by inner product.

Vectors are L2-normalised float32, so inner products are cosines. The index is saved under
``DATA_DIR/index/`` with a manifest (model, knowledge hash, glossary hash, format); ``load_or_build`` reuses
it while the manifest matches and rebuilds it otherwise.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
from gradlab.knowledge.loader import KnowledgeBase
from gradlab.retrieval import text
from gradlab.retrieval.embedder import Embedder
from gradlab.retrieval.glossary import Glossary

FORMAT = 3
PHRASE, PASSAGE = 0, 1  # kinds of indexed text: a title or phrasing, or a passage of the English answer
MIN_REWRITTEN_WORDS = 3  # a Chinese phrasing whose English rewrite is shorter says only "lstm" or "gradient"
PASSAGE_WORDS = 60  # a long paragraph is cut into passages of about this many words
log = logging.getLogger(__name__)
HNSW_NEIGHBOURS = 32  # graph degree M
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 64  # measured by bench/run.py: recall@10 0.98 on 100k vectors at about 0.4 ms a search


def make_faiss_index(matrix: np.ndarray, approximate_above: int) -> faiss.Index:
    """Return an exact inner-product index, or an HNSW graph once there are more than ``approximate_above`` rows."""
    dim = matrix.shape[1]
    if len(matrix) > approximate_above:
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(matrix)
    return index


@dataclasses.dataclass
class DenseIndex:
    index: faiss.Index
    owners: list[str]  # owners[row] = id of the entry that row's text belongs to
    manifest: dict
    kinds: list[int] = dataclasses.field(default_factory=list)  # kinds[row] = PHRASE or PASSAGE

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, rows), each (n_queries, k), best first; rows are -1 past the index size."""
        return self.index.search(vectors, min(k, self.index.ntotal))


def answer_passages(body: str) -> list[str]:
    """Cut an answer's Markdown into passages: paragraphs without headings, long ones in runs of sentences."""
    passages = []
    for paragraph in re.split(r"\n\s*\n", body):
        lines = [line for line in paragraph.splitlines() if not line.lstrip().startswith(("#", "```"))]
        words = " ".join(" ".join(lines).replace("**", "").split()).split(" ")
        if len(words) < 6:
            continue
        sentences = re.split(r"(?<=[.?!])\s+", " ".join(words))
        chunk: list[str] = []
        for sentence in sentences:
            chunk.append(sentence)
            if sum(len(c.split()) for c in chunk) >= PASSAGE_WORDS:
                passages.append(" ".join(chunk))
                chunk = []
        if chunk:
            passages.append(" ".join(chunk))
    return passages


def index_texts(
    kb: KnowledgeBase, glossary: Glossary, reads_chinese: bool = False
) -> tuple[list[str], list[str], list[int]]:
    """Return (texts, owners, kinds): each entry's titles and phrasings, then passages of its English answer.

    For an English-only model the Chinese titles and phrasings are rewritten in English glossary terms; a
    rewrite of fewer than three words ("lstm", "cnn gradient") is left out, since it would meet every short
    question about that word with a cosine of 1 at whichever entry happened to own it. A model that reads
    Chinese gets them as they are, and the Chinese answer's passages too.
    """
    texts, owners, kinds = [], [], []
    for entry in kb.entries.values():
        candidates = [entry.title.en, *entry.phrasings.en]
        for zh in (entry.title.zh, *entry.phrasings.zh):
            rewritten = text.normalize(zh) if reads_chinese else glossary.to_english(zh)
            if reads_chinese or len(rewritten.split()) >= MIN_REWRITTEN_WORDS:
                candidates.append(rewritten)
        passages = answer_passages(entry.body.en) + (answer_passages(entry.body.zh) if reads_chinese else [])
        seen = set()
        for kind, group in ((PHRASE, candidates), (PASSAGE, passages)):
            for t in group:
                if t.strip() and t not in seen:  # keep order, drop repeats and blanks
                    seen.add(t)
                    texts.append(t)
                    owners.append(entry.id)
                    kinds.append(kind)
    return texts, owners, kinds


def manifest_for(kb: KnowledgeBase, glossary: Glossary, embedder: Embedder, approximate_above: int) -> dict:
    """Describe what an index was built from; a different manifest means the index is stale."""
    return {
        "format": FORMAT,
        "model": embedder.name,
        "knowledge": kb.content_hash,
        "glossary": glossary.digest,
        "approximate_above": approximate_above,
        "reads_chinese": embedder.reads_chinese,
    }


def build_index(
    kb: KnowledgeBase,
    glossary: Glossary,
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
    approximate_above: int = 50_000,
) -> DenseIndex:
    """Embed every text in batches and put the vectors in an inner-product index (exact while small)."""
    texts, owners, kinds = index_texts(kb, glossary, embedder.reads_chinese)
    batches = [texts[i : i + 64] for i in range(0, len(texts), 64)]
    vectors = []
    for done, batch in enumerate(batches, start=1):
        vectors.append(embedder.encode(batch))  # (len(batch), dim), rows of unit length
        if progress:
            progress(done, len(batches))
    matrix = np.vstack(vectors).astype(np.float32)  # (n_texts, dim)
    index = make_faiss_index(matrix, approximate_above)
    manifest = manifest_for(kb, glossary, embedder, approximate_above)
    return DenseIndex(index=index, owners=owners, manifest=manifest, kinds=kinds)


def save_index(dense: DenseIndex, folder: Path) -> None:
    """Write the index, its row owners and manifest; the manifest last, so a crash leaves it stale."""
    folder.mkdir(parents=True, exist_ok=True)
    faiss.write_index(dense.index, str(folder / "dense.faiss"))
    (folder / "owners.json").write_text(json.dumps({"owners": dense.owners, "kinds": dense.kinds}))
    (folder / "manifest.json").write_text(json.dumps(dense.manifest, indent=2))


def load_index(folder: Path, expected: dict) -> DenseIndex | None:
    """Return the saved index when its manifest equals ``expected``; None when missing, stale or unreadable."""
    if not (folder / "manifest.json").exists():
        log.info("no saved index in %s yet; building one", folder)
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest != expected:
            log.info("the index in %s was built from another knowledge base or model; rebuilding", folder)
            return None
        rows = json.loads((folder / "owners.json").read_text())
        owners, kinds = rows["owners"], rows["kinds"]
        index = faiss.read_index(str(folder / "dense.faiss"))
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        log.warning("index in %s is unreadable (%s); it will be rebuilt", folder, exc)
        return None
    if not index.ntotal == len(owners) == len(kinds):
        log.warning("index in %s has %d rows for %d owners; it will be rebuilt", folder, index.ntotal, len(owners))
        return None
    return DenseIndex(index=index, owners=owners, manifest=manifest, kinds=kinds)


def load_or_build(
    kb: KnowledgeBase,
    glossary: Glossary,
    embedder: Embedder,
    folder: Path,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    approximate_above: int = 50_000,
) -> tuple[DenseIndex, bool]:
    """Return (index, rebuilt): the saved index when fresh, else a new one, saved for next time."""
    if not force:
        dense = load_index(folder, manifest_for(kb, glossary, embedder, approximate_above))
        if dense is not None:
            return dense, False
    dense = build_index(kb, glossary, embedder, progress, approximate_above)
    try:
        save_index(dense, folder)
    except OSError as exc:  # serve from memory; the next start rebuilds
        log.warning(
            "could not save the index to %s (%s); serving it from memory. Fix: make GRADLAB_DATA_DIR a writable folder",
            folder,
            exc,
        )
    return dense, True
