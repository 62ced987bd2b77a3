"""Facts the batch-D entries must get right, pinned in both languages: an edit that breaks one fails here."""

import re

import pytest

from tests.facts import body, refs

# the CRF loss: log-partition minus the score of the gold sequence, and the forward recursion
CRF_LOSS = r"-\\log p\(y\\mid x\)=\\log Z\(x\)-s\(x,y\)"
FORWARD = r"\\alpha_t\(j\)=P_\{t,j\}\+\\log\\sum_i\\exp\(\\alpha_\{t-1\}\(i\)\+A_\{i,j\}\)"


@pytest.mark.parametrize(
    ("entry_id", "lang", "pattern"),
    [
        # BiLSTM-CRF: sequence-level loss via the forward algorithm; Viterbi only decodes; transitions are learned
        ("bilstm-crf", "en", CRF_LOSS),
        ("bilstm-crf", "zh", CRF_LOSS),
        ("bilstm-crf", "en", FORWARD),
        ("bilstm-crf", "zh", FORWARD),
        ("bilstm-crf", "en", r"O\(nK\^2\)"),
        ("bilstm-crf", "en", r"(?i)not \"just Viterbi\""),
        ("bilstm-crf", "zh", r"并不“只是维特比”"),
        ("bilstm-crf", "en", r"(?i)learned by backpropagation[^.]{0,80}not counted from the corpus"),
        ("bilstm-crf", "zh", r"反向传播学出来的参数[^。]{0,30}不是像 HMM 那样从语料里统计"),
        ("bilstm-crf", "en", r"`O I-PER`"),
        # LSTM on a GPU: sequential steps, cuDNN conditions in Keras, LSTMCell loops, flatten_parameters, timing
        ("rnn-gpu-speed", "en", r"\(B, H\)\\times\(H, 4H\)"),
        ("rnn-gpu-speed", "zh", r"\(B, H\)\\times\(H, 4H\)"),
        ("rnn-gpu-speed", "en", r"`recurrent_dropout=0`, `unroll=False`, `use_bias=True`"),
        ("rnn-gpu-speed", "zh", r"`recurrent_dropout=0`、\s*`unroll=False`、`use_bias=True`"),
        ("rnn-gpu-speed", "en", r"`reset_after=True`"),
        ("rnn-gpu-speed", "en", r"(?i)loop over `nn\.LSTMCell`[^.]{0,80}much slower"),
        ("rnn-gpu-speed", "zh", r"`nn\.LSTMCell`[^。]{0,30}慢得多"),
        ("rnn-gpu-speed", "en", r"flatten_parameters\(\)"),
        ("rnn-gpu-speed", "zh", r"torch\.cuda\.synchronize\(\)"),
        # skip connections: concat-then-conv generalises add; the U-Net parameter arithmetic; gradient paths
        ("skip-add-vs-concat", "en", r"W \* \[x, F\(x\)\] = W_1 \* x \+ W_2 \* F\(x\)"),
        ("skip-add-vs-concat", "zh", r"W \* \[x, F\(x\)\] = W_1 \* x \+ W_2 \* F\(x\)"),
        ("skip-add-vs-concat", "en", r"W_1 = W_2"),
        ("skip-add-vs-concat", "en", r"4\{?,\}?719\{?,\}?104.{0,120}2\{?,\}?359\{?,\}?808"),
        ("skip-add-vs-concat", "zh", r"4\{?,\}?719\{?,\}?104.{0,120}2\{?,\}?359\{?,\}?808"),
        ("skip-add-vs-concat", "en", r"k_0 \+ k\(\\ell-1\)"),
        ("skip-add-vs-concat", "en", r"\\partial y/\\partial x = I \+ \\partial F/\\partial x"),
        ("skip-add-vs-concat", "zh", r"torch\.cat\(\[up, skip\], dim=1\)"),
        # input normalisation: training statistics only, ImageNet constants, conditioning, BN is not a substitute
        ("input-normalisation", "en", r"\*\*training set only\*\*"),
        ("input-normalisation", "zh", r"\*\*只用训练集\*\*"),
        ("input-normalisation", "en", r"0\.485, 0\.456, 0\.406.{0,40}0\.229, 0\.224, 0\.225"),
        ("input-normalisation", "zh", r"0\.485, 0\.456, 0\.406.{0,40}0\.229, 0\.224, 0\.225"),
        ("input-normalisation", "en", r"103\.939, 116\.779, 123\.68"),
        ("input-normalisation", "en", r"\\lambda_\{\\max\}/\\lambda_\{\\min\}"),
        ("input-normalisation", "zh", r"条件数"),
        ("input-normalisation", "en", r"(?i)batch norm is not a substitute"),
        ("input-normalisation", "zh", r"批量规范化不能替代"),
        ("input-normalisation", "en", r"inverse_transform"),
    ],
)
def test_entry_states_the_fact(entry_id, lang, pattern):
    assert re.search(pattern, body(entry_id, lang), re.S), f"{entry_id} ({lang}) must match {pattern!r}"


@pytest.mark.parametrize(
    ("entry_id", "pattern"),
    [
        ("bilstm-crf", r"Huang, Xu & Yu \(2015\)"),
        ("bilstm-crf", r"Lample.{0,80}\(2016\)"),
        ("bilstm-crf", r"Lafferty"),
        ("rnn-gpu-speed", r"Appleyard"),
        ("skip-add-vs-concat", r"Ronneberger"),
        ("skip-add-vs-concat", r"Huang, Liu"),
        ("input-normalisation", r"LeCun"),
    ],
)
def test_entry_cites_the_source(entry_id, pattern):
    assert re.search(pattern, refs(entry_id)), entry_id
