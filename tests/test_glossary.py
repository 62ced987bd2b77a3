"""The bilingual glossary: Chinese questions in English terms for the dense model, expansion both ways."""

from pathlib import Path

import pytest
from gradlab.retrieval.glossary import load_glossary

GLOSSARY = Path(__file__).resolve().parent.parent / "knowledge" / "glossary.yaml"


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(GLOSSARY)


def test_to_english_rewrites_chinese_terms_and_keeps_english_words(glossary):
    english = glossary.to_english("LSTM 的遗忘门有什么用")
    assert "lstm" in english and "forget gate" in english
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english)


def test_to_english_prefers_the_longest_term(glossary):
    assert "vanishing gradients" in glossary.to_english("梯度消失")
    assert glossary.to_english("梯度消失").count("gradient") == 1


def test_to_english_handles_traditional_input(glossary):
    assert "receptive field" in glossary.to_english("感受野是甚麼")
    assert "exploding gradients" in glossary.to_english("梯度爆炸怎麼處理")


def test_expand_adds_the_other_language(glossary):
    assert "receptive" in glossary.expand("感受野")
    assert "感受野" in glossary.expand("what is a receptive field")


def test_malformed_glossary_names_the_row(tmp_path):
    bad = tmp_path / "glossary.yaml"
    bad.write_text("- {en: ok, zh: [好]}\n- {en: missing zh}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2"):
        load_glossary(bad)


def test_missing_glossary_is_empty(tmp_path):
    assert load_glossary(tmp_path / "none.yaml").to_english("梯度 LSTM") == "lstm"
