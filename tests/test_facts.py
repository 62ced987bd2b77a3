"""Facts the answers must get right, pinned to the entries that state them: an edit that breaks one fails here."""

import re

import pytest

from tests.facts import KB, body, refs


@pytest.mark.parametrize(
    ("entry_id", "lang", "pattern"),
    [
        # full names, authors and years
        ("names-and-family", "en", r"Long Short-Term Memory"),
        ("names-and-family", "en", r"Gated Recurrent Unit"),
        ("names-and-family", "en", r"Recurrent Neural Network"),
        ("names-and-family", "en", r"Convolutional Neural Network"),
        ("names-and-family", "en", r"Hochreiter.{0,40}1997"),
        ("names-and-family", "en", r"Cho et al\.?.{0,20}2014"),
        ("names-and-family", "en", r"Gers.{0,30}2000"),
        ("names-and-family", "zh", r"长短期记忆"),
        ("names-and-family", "zh", r"门控循环单元"),
        ("names-and-family", "zh", r"循环神经网络"),
        ("names-and-family", "zh", r"ConvLSTM"),
        ("names-and-family", "en", r"ConvLSTM"),
        # the LSTM cell update and PyTorch's gate order
        ("lstm", "en", r"c_t\s*=\s*f_t\s*\\odot\s*c_\{t\s*-\s*1\}\s*\+\s*i_t\s*\\odot"),
        ("lstm", "en", r"h_t\s*=\s*o_t\s*\\odot\s*\\tanh\(c_t\)"),
        ("lstm", "zh", r"c_t\s*=\s*f_t\s*\\odot\s*c_\{t\s*-\s*1\}"),
        ("lstm", "en", r"i, f, g, o"),
        # the GRU convention
        ("gru", "en", r"h_t\s*=\s*\(1\s*-\s*z_t\)\s*\\odot\s*n_t\s*\+\s*z_t\s*\\odot\s*h_\{t\s*-\s*1\}"),
        ("gru", "zh", r"h_t\s*=\s*\(1\s*-\s*z_t\)\s*\\odot\s*n_t"),
        # clipping does not fix vanishing; it keeps the direction
        ("gradient-clipping", "en", r"(?i)(does not|doesn't|cannot|can't|does nothing|never)[^.]{0,60}vanish"),
        (
            "gradient-clipping",
            "zh",
            r"梯度消失[^。]{0,10}(毫无作用|没有作用|无效)|(不能|无法|解决不了|帮不了)[^。]{0,20}梯度消失",
        ),
        ("myths", "en", r"(?i)clipping[^.]{0,80}(does not|doesn't|cannot|can't)[^.]{0,40}vanish"),
        ("myths", "en", r"(?i)especially common in CNNs"),
        ("myths", "zh", r"梯度裁剪"),
        ("vanishing-exploding-overview", "en", r"(?i)clipping[^.]{0,120}(not|n't)[^.]{0,60}vanish"),
        ("gradient-clipping", "en", r"\\min\s*\\?\(?\s*1\s*,\s*\\?f?r?a?c?\{?\s*\\theta"),
        # Pascanu et al. conditions
        ("spectral-radius", "en", r"(?i)necessary"),
        ("spectral-radius", "en", r"(?i)sufficient"),
        ("spectral-radius", "en", r"Pascanu"),
        # initialisation formulas
        ("weight-init", "en", r"2\s*/\s*\(?\s*(n_\{?\\?(text\{)?in\}?\}?|fan_\{?in\}?)\s*\+\s*"),
        ("weight-init", "en", r"2\s*/\s*\\?(text\{)?(fan_\{?\\?(text\{)?in|n_\{?\\?(text\{)?in)"),
        ("weight-init", "en", r"(?i)symmetr"),
        # normalisation
        ("batch-norm", "en", r"(?i)santurkar"),
        ("batch-norm", "en", r"(?i)running"),
        ("layer-norm", "en", r"(?i)per[- ](example|sample)|each (example|sample)"),
        ("layer-norm", "en", r"(?i)time step"),
        # residual: degradation, not vanishing
        ("residual", "en", r"(?i)degradation"),
        ("residual", "en", r"(?i)training error"),
        ("depth-vanishing-exploding", "en", r"(?i)vanish"),
        ("depth-vanishing-exploding", "en", r"(?i)degradation"),
        # complexity and Bai et al.
        ("cnn-rnn-applications", "en", r"Bai"),
        ("cnn-rnn-applications", "en", r"O\(n\^?\{?2\}?"),
        # 循环神经网络, never 递归神经网络, as the name of an RNN
        ("rnn-basics", "zh", r"循环神经网络"),
    ],
)
def test_entry_states_the_fact(entry_id, lang, pattern):
    assert re.search(pattern, body(entry_id, lang), re.S), f"{entry_id} ({lang}) must match {pattern!r}"


@pytest.mark.parametrize(
    ("entry_id", "pattern"),
    [
        ("names-and-family", r"Hochreiter"),
        ("gru", r"Cho"),
        ("spectral-radius", r"Pascanu"),
        ("batch-norm", r"Ioffe"),
        ("layer-norm", r"Ba"),
        ("residual", r"He"),
        ("weight-init", r"Glorot"),
    ],
)
def test_entry_cites_the_source(entry_id, pattern):
    assert re.search(pattern, refs(entry_id)), entry_id


def test_no_entry_calls_an_rnn_a_recursive_network_in_chinese():
    for entry in KB.entries.values():
        for match in re.finditer(r"递归神经网络", entry.body.zh):
            context = entry.body.zh[max(0, match.start() - 80) : match.end() + 80]
            assert re.search(r"recursive|树|不是|并非|误|混|常被|通常指", context, re.I), (entry.id, context)


def test_no_entry_claims_clipping_fixes_vanishing():
    bad = re.compile(r"(?i)clipping (fixes|solves|cures) (the )?vanishing")
    for entry in KB.entries.values():
        for sentence in re.split(r"(?<=[.!?])\s", entry.body.en):
            if bad.search(sentence):
                assert re.search(r"(?i)\b(not|myth|wrong|claim|n't)\b", sentence), (entry.id, sentence)
