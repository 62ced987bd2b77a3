"""Fusion, confidence and the answer/decline decision, on the real knowledge base with the fake embedder."""

import dataclasses

import pytest
from gradlab.answer import answer_question
from gradlab.retrieval.dense import PASSAGE, PHRASE, index_texts
from gradlab.retrieval.retriever import FEATURES, MODES, SIGNALS, Calibration, concept_query, question_sentences


def test_every_mode_ranks_every_entry_once(fake_engine):
    for mode in MODES:
        ranked = fake_engine.retriever.rank("lstm forget gate bias", mode=mode, limit=100)
        assert sorted(c.id for c in ranked) == sorted(fake_engine.kb.entries)


def test_unknown_mode_is_refused(fake_engine):
    with pytest.raises(ValueError):
        fake_engine.retriever.rank("lstm", mode="psychic")


def test_fused_score_is_the_calibrated_weighted_sum(fake_engine):
    retriever = fake_engine.retriever
    best = retriever.rank("感受野 receptive field dilation", mode="hybrid", limit=1)[0]
    weights = retriever.calibration.fusion
    expected = sum(weights.get(name, 0.0) * best.features[name] for name in SIGNALS)
    assert set(weights) <= set(SIGNALS)
    assert best.score == pytest.approx(expected, abs=1e-6)


def test_margin_is_positive_for_the_best_and_negative_for_the_rest(fake_engine):
    ranked = fake_engine.retriever.rank("gradient clipping by norm", limit=3)
    assert ranked[0].features["margin"] >= 0
    assert all(c.features["margin"] <= 0 for c in ranked[1:])


def test_margin_does_not_depend_on_how_many_candidates_are_asked_for(fake_engine):
    one = fake_engine.retriever.rank("gradient clipping by norm", limit=1)[0]
    five = fake_engine.retriever.rank("gradient clipping by norm", limit=5)[0]
    assert one.features == five.features and one.confidence == five.confidence


def test_confidence_rises_with_every_positive_feature():
    calibration = Calibration.default()
    base = {name: 0.3 for name in FEATURES}
    for name in FEATURES:
        assert calibration.confidence({**base, name: 0.9}) > calibration.confidence(base)


def test_confidence_stays_in_the_unit_interval_for_extreme_features():
    calibration = Calibration.default()
    assert 0.0 <= calibration.confidence({f: -1e9 for f in FEATURES}) <= 1.0
    assert 0.0 <= calibration.confidence({f: 1e9 for f in FEATURES}) <= 1.0


def test_question_with_no_known_words_scores_zero(fake_engine):
    best = fake_engine.retriever.rank("今天天气怎么样", limit=1)[0]
    assert best.features["bm25"] == 0 and best.features["coverage"] == 0 and best.features["dense"] == 0


def with_settings(engine, **changes):
    return dataclasses.replace(engine, settings={**engine.settings, **changes})


def test_below_the_threshold_the_service_declines_with_suggestions(fake_engine):
    result = answer_question(with_settings(fake_engine, MIN_CONFIDENCE=1.01), "lstm forget gate bias")
    assert result["answered"] is False and result["answer"] is None
    assert len(result["suggestions"]) == 3 and result["related"] == []


def test_above_the_threshold_the_service_answers_with_related(fake_engine):
    result = answer_question(with_settings(fake_engine, MIN_CONFIDENCE=0.0), "lstm forget gate bias")
    assert result["answered"] is True and result["suggestions"] == []
    entry = fake_engine.kb.entries[result["answer"]["id"]]
    assert [r["id"] for r in result["related"]] == entry.related


def test_alternatives_are_close_runners_up_only(fake_engine):
    loose = answer_question(with_settings(fake_engine, MIN_CONFIDENCE=0.0, ALTERNATIVE_GAP=1.0), "gradient", top_k=3)
    tight = answer_question(with_settings(fake_engine, MIN_CONFIDENCE=0.0, ALTERNATIVE_GAP=0.0), "gradient", top_k=3)
    assert len(loose["alternatives"]) == 2
    assert tight["alternatives"] == []
    assert loose["answer"]["id"] not in {a["id"] for a in loose["alternatives"]}


def test_a_model_that_reads_chinese_gets_the_chinese_question_itself(fake_engine, monkeypatch):
    retriever = fake_engine.retriever
    assert retriever.dense_query("感受野是什麼") == retriever.glossary.to_english("感受野是什麼")
    monkeypatch.setattr(retriever.embedder, "reads_chinese", True)
    assert retriever.dense_query("感受野是什麼") == "感受野是什么"


def test_reads_chinese_probe_tells_vocabularies_apart():
    from gradlab.retrieval.embedder import reads_chinese

    class Tokenizer:
        unk_token_id = 0

        def __init__(self, known_chinese):
            self.known_chinese = known_chinese

        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": [5 if self.known_chinese else 0 for _ in text]}

    assert reads_chinese(Tokenizer(True)) is True
    assert reads_chinese(Tokenizer(False)) is False


def test_missing_calibration_is_an_error_not_a_silent_default(tmp_path):
    with pytest.raises(FileNotFoundError, match="gradlab calibrate"):
        Calibration.load(tmp_path / "calibration.json")


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("LSTM", "lstm"),
        ("what is LSTM?", "lstm"),
        ("What about GRU?", "gru"),
        ("那 GRU 呢？", "gru"),
        ("什么是感受野", "感受野"),
        ("池化是什么意思", "池化"),
        ("long short-term memory", "longshorttermmemory"),
        ("why does my LSTM forget", "whydoesmylstmforget"),
    ],
)
def test_concept_query_strips_question_words_only(question, key):
    assert concept_query(question) == key


def test_a_bare_concept_name_goes_to_its_entry(fake_engine):
    for question, entry_id in [("LSTM", "lstm"), ("池化", "pooling"), ("感受野", "receptive-field"), ("GRU?", "gru")]:
        best = fake_engine.retriever.rank(question, limit=1)[0]
        assert (best.id, best.features["name"]) == (entry_id, 1.0), question


def test_long_question_yields_its_question_sentence():
    question = (
        "I train an LSTM on daily prices with a window of 50 steps and the loss goes down nicely. "
        "But the plot of predictions looks like the input shifted by one day. Why does it only copy the last value?"
    )
    assert question_sentences(question) == ["Why does it only copy the last value?"]
    assert question_sentences("why does my LSTM loss go to NaN?") == []


def test_short_glossary_rewrites_are_not_indexed_but_answer_passages_are(fake_engine):
    texts, owners, kinds = index_texts(fake_engine.kb, fake_engine.glossary, reads_chinese=False)
    phrases = [t for t, k in zip(texts, kinds) if k == PHRASE]
    # a Chinese phrasing rewritten to one or two English words would meet every short question with cosine 1
    assert all(
        len(t.split()) >= 3
        for t in phrases
        if t not in {e.title.en for e in fake_engine.kb.entries.values()}
        and not any(t in e.phrasings.en for e in fake_engine.kb.entries.values())
    )
    passages = {o for o, k in zip(owners, kinds) if k == PASSAGE}
    assert passages == set(fake_engine.kb.entries)
