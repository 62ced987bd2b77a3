"""Batch C facts (sequence decoding, training practice, convolution maths), pinned to the entries that state them."""

import re

import pytest

from tests.facts import KB, body, refs


@pytest.mark.parametrize(
    ("entry_id", "lang", "pattern"),
    [
        # attention in RNN encoder-decoders: additive score, softmax weights, weighted-sum context
        ("attention-rnn", "en", r"e_\{tj\}\s*=\s*v_a\^\\top\s*\\tanh\(W_a s_\{t-1\}\s*\+\s*U_a h_j\)"),
        ("attention-rnn", "en", r"c_t\s*=\s*\\sum_\{j=1\}\^\{S\}\s*\\alpha_\{tj\}\s*h_j"),
        ("attention-rnn", "en", r"(?i)fixed-size"),
        ("attention-rnn", "en", r"Luong et al\. use the\s+\*current\*"),
        ("attention-rnn", "en", r"dot[^.]{0,40}general[^.]{0,60}concat"),
        ("attention-rnn", "zh", r"e_\{tj\}\s*=\s*v_a\^\\top\s*\\tanh"),
        ("attention-rnn", "zh", r"定长向量"),
        ("attention-rnn", "zh", r"加性注意力[^。]{0,40}乘性注意力"),
        # RNN vs Transformer: sequential steps, path length, quadratic memory, only partly true
        ("rnn-vs-transformer", "en", r"RNN \| \$O\(nd\^2\)\$ \| \$O\(n\)\$ \| \$O\(n\)\$"),
        ("rnn-vs-transformer", "en", r"self-attention \| \$O\(n\^2d\)\$ \| \$O\(1\)\$ \| \$O\(1\)\$"),
        ("rnn-vs-transformer", "en", r"(?i)only partly true"),
        ("rnn-vs-transformer", "en", r"Vaswani et al\. 2017"),
        ("rnn-vs-transformer", "en", r"(?i)constant-size state"),
        ("rnn-vs-transformer", "zh", r"只说对了一部分"),
        ("rnn-vs-transformer", "zh", r"\$O\(n\^2\)\$"),
        # beam search: k best of k|V|, k=1 is greedy, length normalisation, larger beam not always better
        ("beam-search", "en", r"\$k=1\$ is greedy search"),
        ("beam-search", "en", r"k\\cdot\|V\|"),
        ("beam-search", "en", r"\\frac\{1\}\{L\^\{\\alpha\}\}\s*\\log P"),
        ("beam-search", "en", r"0\.75"),
        ("beam-search", "en", r"(?i)\*larger\* beam is not always better"),
        ("beam-search", "zh", r"\$k=1\$ 就是贪心搜索"),
        ("beam-search", "zh", r"\\frac\{1\}\{L\^\{\\alpha\}\}"),
        # CTC: blank, collapse rule, loss, PyTorch shapes and defaults, infeasible alignments
        ("ctc", "en", r"Graves et al\. 2006"),
        ("ctc", "en", r"`hh-e-ll-l-oo` becomes `hello`"),
        ("ctc", "en", r"-\\log \\sum_\{\\pi \\in \\mathcal\{B\}\^\{-1\}"),
        ("ctc", "en", r"`\(T, N, C\)`"),
        ("ctc", "en", r"blank=0"),
        ("ctc", "en", r"T \\ge U"),
        ("ctc", "en", r"2U\+1"),
        ("ctc", "zh", r"空白符"),
        ("ctc", "zh", r"`\(T, N, C\)`"),
        # CNN-LSTM: fold time into batch, TimeDistributed, ConvLSTM uses convolutions inside the gates
        ("cnn-lstm-hybrid", "en", r"x\.view\(N\*T, C, H, W\)"),
        ("cnn-lstm-hybrid", "en", r"TimeDistributed\(Conv2D"),
        ("cnn-lstm-hybrid", "en", r"ConvLSTM[^.]{0,80}convolutions replace the matrix products"),
        ("cnn-lstm-hybrid", "en", r"Donahue et al\. 2015"),
        ("cnn-lstm-hybrid", "en", r"PyTorch has no built-in\s+ConvLSTM"),
        ("cnn-lstm-hybrid", "zh", r"x\.view\(N\*T, C, H, W\)"),
        ("cnn-lstm-hybrid", "zh", r"矩阵乘法换成卷积"),
        # char-RNN: shifted targets, temperature formula, low temperature loops, perplexity
        ("char-rnn", "en", r"p_i = \\frac\{\\exp\(z_i/\\tau\)\}"),
        ("char-rnn", "en", r"input is `hello worl` and the target `ello world`"),
        ("char-rnn", "en", r"\\tau \\to 0\$ approaches arg-max"),
        ("char-rnn", "en", r"perplexity\s+\$\\exp\(\\ell\)\$"),
        ("char-rnn", "en", r"torch\.multinomial"),
        ("char-rnn", "zh", r"p_i = \\frac\{\\exp\(z_i/\\tau\)\}"),
        ("char-rnn", "zh", r"困惑度 \$\\exp\(\\ell\)\$"),
        # dropout: inverted scaling keeps the mean, p is the drop probability, F.dropout default, Dropout2d
        ("dropout", "en", r"y_i = \\frac\{m_i\\,x_i\}\{1-p\}"),
        ("dropout", "en", r"\\mathbb\{E\}\[y_i\][^$]*= x_i"),
        ("dropout", "en", r"`p` is the\s+\*drop\* probability"),
        ("dropout", "en", r"defaults to `training=True`"),
        ("dropout", "en", r"Dropout2d`[^;]{0,80}zeroes entire channels"),
        ("dropout", "en", r"(?i)only the mean is preserved"),
        ("dropout", "zh", r"y_i = \\frac\{m_i\\,x_i\}\{1-p\}"),
        ("dropout", "zh", r"\*\*丢弃\*\*\s*概率"),
        ("dropout", "zh", r"默认 `training=True`"),
        # overfitting: the gap, random labels, AdamW decoupling and defaults, early stopping
        ("overfitting", "en", r"(?i)validation loss stops\s+falling and rises"),
        ("overfitting", "en", r"Zhang et al\. \(2017\)[^.]{0,120}random"),
        ("overfitting", "en", r"`AdamW` decouples"),
        ("overfitting", "en", r"`Adam` 0,\s+`AdamW` 0\.01"),
        ("overfitting", "en", r"restore_best_weights` defaults to `False`"),
        ("overfitting", "en", r"(?i)validation loss can rise while validation accuracy still improves"),
        ("overfitting", "zh", r"`AdamW` 把衰减和自适应步长解耦"),
        ("overfitting", "zh", r"验证集损失停止下降并开始\s*上升"),
        # feature visualisation: layer hierarchy, conv1 shape, Grad-CAM formula, sanity checks
        ("feature-visualisation", "en", r"Zeiler & Fergus 2014"),
        ("feature-visualisation", "en", r"`\(64, 3, 7, 7\)`"),
        ("feature-visualisation", "en", r"\\alpha_k\^c = \\frac\{1\}\{Z\}\\sum_\{i\}\\sum_\{j\}"),
        ("feature-visualisation", "en", r"\\mathrm\{ReLU\}\\Big\(\\sum_k \\alpha_k\^c A\^k\\Big\)"),
        ("feature-visualisation", "en", r"Adebayo et al\. \(2018\)[^;]{0,140}randomised"),
        ("feature-visualisation", "zh", r"边缘检测器"),
        ("feature-visualisation", "zh", r"\\alpha_k\^c = \\frac\{1\}\{Z\}"),
        # convolution vs cross-correlation: the two formulas, 180-degree flip, scipy, Theano
        ("conv-vs-correlation", "en", r"I\(i-m,\\,j-n\)"),
        ("conv-vs-correlation", "en", r"I\(i\+m,\\,j\+n\)"),
        ("conv-vs-correlation", "en", r"180°"),
        ("conv-vs-correlation", "en", r"correlate2d\(x, w, 'valid'\)` matches `F\.conv2d`"),
        ("conv-vs-correlation", "en", r"filter_flip=True"),
        ("conv-vs-correlation", "en", r"(?i)for learning this makes no\s+difference"),
        ("conv-vs-correlation", "zh", r"互相关"),
        ("conv-vs-correlation", "zh", r"旋转 180°"),
        # im2col: matrix shapes, multiply-adds, k^2 memory, Winograd 16 vs 36, unfold
        ("im2col", "en", r"\(C_\\text\{in\}k\^2,\\;\s*H'W'\)"),
        ("im2col", "en", r"\(C_\\text\{out\},\\;\s*C_\\text\{in\}k\^2\)"),
        ("im2col", "en", r"C_\\text\{out\}\\,C_\\text\{in\}\\,k\^2\\,H'W'\$ multiply-adds"),
        ("im2col", "en", r"16 multiplications instead of 36"),
        ("im2col", "en", r"2\.25"),
        ("im2col", "en", r"F\.unfold"),
        ("im2col", "zh", r"16 次乘法（而不是 36 次）"),
        ("im2col", "zh", r"\$k\^2\$ 倍"),
    ],
)
def test_entry_states_the_fact(entry_id, lang, pattern):
    assert re.search(pattern, body(entry_id, lang), re.S), f"{entry_id} ({lang}) must match {pattern!r}"


@pytest.mark.parametrize(
    ("entry_id", "pattern"),
    [
        ("attention-rnn", r"Bahdanau, Cho & Bengio \(2015\)"),
        ("attention-rnn", r"Luong, Pham & Manning \(2015\)"),
        ("rnn-vs-transformer", r"Vaswani"),
        ("beam-search", r"Koehn & Knowles \(2017\)"),
        ("ctc", r"Graves, Fernández, Gomez & Schmidhuber \(2006\)"),
        ("ctc", r"Shi, Bai & Yao \(2017\)"),
        ("cnn-lstm-hybrid", r"Shi, Chen, Wang"),
        ("char-rnn", r"Karpathy \(2015\)"),
        ("dropout", r"Srivastava"),
        ("overfitting", r"Loshchilov & Hutter \(2019\)"),
        ("feature-visualisation", r"Selvaraju"),
        ("conv-vs-correlation", r"Goodfellow"),
        ("im2col", r"Lavin & Gray \(2016\)"),
    ],
)
def test_entry_cites_the_source(entry_id, pattern):
    assert re.search(pattern, refs(entry_id)), entry_id


TRANSFORMER_INTERNALS = (
    "multi-head",
    "multihead",
    "positional",
    "bert",
    "gpt",
    "query",
    "key",
    "value",
    "q、k、v",
    "多头",
)


def test_rnn_transformer_entries_stay_off_transformer_internals():
    """The knowledge base declines Transformer internals; these two entries must not invite those questions."""
    for entry_id in ("attention-rnn", "rnn-vs-transformer"):
        entry = KB.entries[entry_id]
        phrasings = " ".join((*entry.phrasings.en, *entry.phrasings.zh)).lower()
        for word in TRANSFORMER_INTERNALS:
            assert word not in phrasings, (entry_id, word)
