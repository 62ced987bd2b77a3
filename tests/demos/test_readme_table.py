"""demos/README.md's table is what `gradlab demo table` prints from the built results: a stale figure fails."""

import re
from pathlib import Path

import pytest
from gradlab import demos

README = Path(demos.__file__).resolve().parent / "README.md"
TIMED = {
    "lstm_vs_gru_cost",
    "cnn_vs_rnn_sequences",
    "depthwise_separable",
}  # headlines quoting wall-clock times: compared as text shape


def readme_rows() -> dict[str, list[str]]:
    """Return demo name -> the cells of its row in demos/README.md's table."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| \[(\w+)\]\(\w+\.py\) \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = [c.replace("\\|", "|") for c in re.split(r"(?<!\\) \| ", match.group(2))]
    return rows


def test_readme_table_has_one_row_per_demo_with_its_current_claim():
    rows = readme_rows()
    assert list(rows) == list(demos.DEMOS)
    for name, cells in rows.items():
        assert cells[0] == demos.load(name).CLAIM["en"], name
        assert cells[1] == f"`python -m gradlab.demos.{name}`"


@pytest.mark.slow
@pytest.mark.parametrize("name", demos.DEMOS)
def test_readme_figures_equal_the_default_run(demo_result, name):
    measured = readme_rows()[name][2]
    headline = demo_result(name).headline
    if name in TIMED:  # times differ run to run; everything else in the sentence must match
        measured, headline = (re.sub(r"\d[\d.,]*", "#", text) for text in (measured, headline))
    assert measured == headline, "demos/README.md is stale: run 'gradlab build' then 'gradlab demo table'"
