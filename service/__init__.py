"""gradlab: bilingual answers about RNN, CNN, GRU and LSTM, each backed by a runnable PyTorch demo.

The package's rooms: ``gradlab.web`` (the Flask app and its HTTP surface), ``gradlab.retrieval`` (from a question
to ranked entries), ``gradlab.knowledge`` (the entries, their rendering and the demos' results), ``gradlab.ops``
(settings, storage, reload, reports, evaluation), ``gradlab.demos`` (the runnable experiments), and at the top the
engine that loads it all once, the answer composer behind every interface, and the command line.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # Lazy, so that ``python -m gradlab.demos.<name>`` does not import Flask.
    if name == "create_app":
        from gradlab.web.app import create_app

        return create_app
    raise AttributeError(f"module 'gradlab' has no attribute {name!r}")
