"""Retrieval quality on the dev set with the real model: floors a few points below the measured figures.

The figures themselves are in the README (``gradlab eval``); these floors catch a regression.
"""

import pytest
from gradlab.ops.evaluation import DEV_SET, evaluate_modes, format_report, read_questions

pytestmark = pytest.mark.slow

FLOORS = {  # hybrid, per language
    "en": {"top1": 0.89, "top3": 0.95, "mrr": 0.92, "decline_off_topic": 0.9},
    "zh": {"top1": 0.87, "top3": 0.94, "mrr": 0.91, "decline_off_topic": 0.90},
}
CEILINGS = {"en": {"false_decline": 0.08}, "zh": {"false_decline": 0.05}}


@pytest.fixture(scope="module")
def report(real_engine):
    return evaluate_modes(real_engine, read_questions(DEV_SET))


def test_dev_set_is_large_and_mixed():
    rows = read_questions(DEV_SET)
    assert len(rows) >= 200
    assert sum(1 for r in rows if not r["expected"]) >= 40
    assert {r["lang"] for r in rows} == {"en", "zh"}


def test_dev_set_labels_name_existing_entries(fake_engine):
    for row in read_questions(DEV_SET):
        assert set(row["expected"]) <= set(fake_engine.kb.entries), row


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hybrid_retrieval_meets_its_floors(report, lang):
    measured = report["modes"]["hybrid"][lang]
    for metric, floor in FLOORS[lang].items():
        assert measured[metric] >= floor, (lang, metric, measured[metric], format_report(report))
    for metric, ceiling in CEILINGS[lang].items():
        assert measured[metric] <= ceiling, (lang, metric, measured[metric])


def test_hybrid_is_at_least_as_good_as_either_ranker_alone_on_top3(report):
    for lang in ("en", "zh"):
        modes = report["modes"]
        assert modes["hybrid"][lang]["top3"] >= max(modes["dense"][lang]["top3"], modes["lexical"][lang]["top3"]) - 0.01


def test_chinese_is_within_five_points_of_english(report):
    en, zh = report["modes"]["hybrid"]["en"], report["modes"]["hybrid"]["zh"]
    for metric in ("top1", "top3"):
        assert zh[metric] >= en[metric] - 0.05, (metric, en[metric], zh[metric])
