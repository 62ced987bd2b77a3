"""Runnable PyTorch demos, one file per effect; ``DEMOS`` lists them in the order the docs show them.

Run one with ``python -m gradlab.demos.<name>`` (``python -m gradlab.demos.<name>`` from the top of a clone) or
``gradlab demo run <name>``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

DEMOS: tuple[str, ...] = (
    "gradient_vs_lag",
    "spectral_radius",
    "clipping_exploding",
    "clipping_vanishing",
    "clip_norm_vs_value",
    "init_depth",
    "saturation",
    "batchnorm_both_sides",
    "bn_vs_ln",
    "residual_degradation",
    "lstm_gates",
    "lstm_vs_gru_cost",
    "truncated_bptt",
    "conv_vs_dense",
    "depthwise_separable",
    "receptive_field",
    "pooling_invariance",
    "cnn_vs_rnn_sequences",
    "bidirectional",
    "teacher_forcing",
    "lstm_outputs",
    "dropout_train_eval",
)


def load(name: str) -> ModuleType:
    """Import the demo module called ``name``; raise KeyError for a name not in ``DEMOS``."""
    if name not in DEMOS:
        raise KeyError(name)
    return importlib.import_module(f"{__name__}.{name}")
