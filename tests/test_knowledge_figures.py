"""The numbers the knowledge base quotes agree with what the demos measure, so text and experiment cannot drift."""

import re

import pytest
from gradlab.knowledge.loader import load_knowledge
from gradlab.ops.settings import load_settings

KB = load_knowledge(load_settings()["KNOWLEDGE_DIR"])
FIGURES = [(e.id, e.demo, f) for e in KB.entries.values() for f in e.figures]


def quoted_value(quoted: str) -> float:
    """Parse a number as written in the text: '16,981,120', '4e-2', '~0.71', '87 %'."""
    cleaned = re.sub(r"[,\s~≈×%]", "", quoted).replace("−", "-")
    return float(cleaned)


def test_the_knowledge_base_quotes_measured_figures():
    assert len(FIGURES) >= 20
    assert len({demo for _, demo, _ in FIGURES}) >= 12


@pytest.mark.slow
@pytest.mark.parametrize(("entry_id", "demo", "figure"), FIGURES, ids=[f"{e}:{f.metric}" for e, _, f in FIGURES])
def test_quoted_figure_matches_the_demo_measurement(demo_result, entry_id, demo, figure):
    metrics = demo_result(demo).metrics
    assert figure.metric in metrics, f"{entry_id} quotes {figure.metric!r}, which {demo} does not measure"
    measured, quoted = float(metrics[figure.metric]), quoted_value(figure.quoted)
    if figure.abs is not None:
        assert abs(measured - quoted) <= figure.abs, (measured, quoted)
    else:
        assert quoted != 0 and measured / quoted > 0, (measured, quoted)
        assert max(measured / quoted, quoted / measured) <= figure.factor, (measured, quoted)
