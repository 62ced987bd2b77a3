"""Normalisation, language detection and tokenisation for Chinese, English, mixed and traditional text."""

import pytest
from gradlab.retrieval import text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＬＳＴＭ　梯度", "lstm 梯度"),  # full-width letters and space fold to ASCII
        ("請問為甚麼會梯度爆炸", "请问为甚么会梯度爆炸"),  # traditional -> simplified
        ("  Vanishing   Gradients ", "vanishing gradients"),
    ],
)
def test_normalize_folds_width_script_and_case(raw, expected):
    assert text.normalize(raw) == expected


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("why does my lstm loss go to nan", "en"),
        ("如何理解RNN和CNN中的梯度消失和梯度爆炸,如何解决?", "zh"),
        ("LSTM 的 forget gate 有什么用", "zh"),
        ("請問梯度裁剪是什麼", "zh"),
        ("what is BPTT", "en"),
    ],
)
def test_detect_lang_follows_the_grammar_language(question, lang):
    assert text.detect_lang(question) == lang


def test_tokenize_english_drops_stopwords_and_stems():
    assert text.tokenize("What are the exploding gradients?") == ["explod", "gradient"]


def test_tokenize_chinese_keeps_words_and_bigrams_of_long_words():
    tokens = text.tokenize("梯度消失怎么办")
    assert "梯度" in tokens and "消失" in tokens
    assert "怎么办" not in tokens


def test_tokenize_traditional_matches_simplified():
    assert text.tokenize("梯度爆炸怎麼處理") == text.tokenize("梯度爆炸怎么处理")


def test_tokenize_mixed_keeps_both_scripts():
    tokens = text.tokenize("LSTM 的 forget gate 有什么用")
    assert {"lstm", "forget", "gate"} <= set(tokens)
    assert "的" not in tokens


def test_glossary_words_stay_whole_in_the_engines_own_tokenizer(fake_engine):
    assert "感受野" in fake_engine.tokenizer.tokenize("感受野怎么算")
    # no engine touches jieba's process-wide dictionary: the plain tokenizer has never heard of the term
    assert "感受野" not in text.tokenize("感受野怎么算")
    assert "感受野" not in text.Tokenizer().tokenize("感受野怎么算")


def test_tokenizers_do_not_share_words_or_caches():
    plain = text.Tokenizer()
    assert "感受" in plain.tokenize("感受野怎么算")
    taught = text.Tokenizer(("感受野",))
    assert "感受野" in taught.tokenize("感受野怎么算")
    assert "感受野" not in plain.tokenize("感受野怎么算")
