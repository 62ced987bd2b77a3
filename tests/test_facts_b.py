"""Facts the batch-B entries (RNNs in practice) must get right, pinned so that an edit that breaks one fails here."""

import re

import pytest

from tests.facts import body, refs


@pytest.mark.parametrize(
    ("entry_id", "lang", "pattern"),
    [
        # rnn-input-shape: PyTorch's default layout, batch_first, Keras, and h_0 unaffected by batch_first
        ("rnn-input-shape", "en", r"\(L, N, H_in\)"),
        ("rnn-input-shape", "en", r"\(N, L, H_in\)[^.]{0,40}batch_first=True"),
        ("rnn-input-shape", "zh", r"\(seq_len, batch, input_size\)"),
        ("rnn-input-shape", "en", r"\(batch, timesteps, features\)"),
        ("rnn-input-shape", "zh", r"\(batch, timesteps, features\)"),
        ("rnn-input-shape", "en", r"keep the shape `\(D\*num_layers, N, H_out\)`"),
        ("rnn-input-shape", "zh", r"形状始终是 `\(D\*num_layers, N, H_out\)`"),
        ("rnn-input-shape", "en", r"(?i)features per time step\*?, not the sequence length"),
        # lstm-outputs: the three shapes, output[-1] == h_n[-1], the bidirectional and padding exceptions
        ("lstm-outputs", "en", r"\(L, N, D\*H_out\)"),
        ("lstm-outputs", "en", r"\(D\*num_layers, N, H_out\)"),
        ("lstm-outputs", "zh", r"\(D\*num_layers, N, H_out\)"),
        ("lstm-outputs", "en", r"`batch_first` does not apply to `h_n`/`c_n`"),
        ("lstm-outputs", "en", r"`output\[-1\]` equals `h_n\[-1\]`"),
        ("lstm-outputs", "en", r"`output\[0, :, H:\]`, not in `output\[-1\]`"),
        ("lstm-outputs", "zh", r"`output\[0, :, H:\]`，不在 `output\[-1\]`"),
        ("lstm-outputs", "en", r"h_n\.view\(num_layers, D, N, H_out\)"),
        # rnn-task-shapes: the layouts, return_sequences, TimeDistributed, CrossEntropyLoss axis
        ("rnn-task-shapes", "en", r"(?i)many-to-one"),
        ("rnn-task-shapes", "zh", r"多对一[^。]*多对多|多对多[^。]*多对一"),
        ("rnn-task-shapes", "en", r"return_sequences=True"),
        ("rnn-task-shapes", "en", r"TimeDistributed\(Dense"),
        ("rnn-task-shapes", "en", r"\(N, C, L\)"),
        ("rnn-task-shapes", "zh", r"\(N, C, L\)"),
        ("rnn-task-shapes", "en", r"expected ndim=3, found ndim=2"),
        # stateful-rnn: zeros by default, same row continues, detach, fixed batch, Keras reset
        ("stateful-rnn", "en", r"(?i)uses zeros\s+when you pass no `\(h_0, c_0\)`"),
        ("stateful-rnn", "en", r"(?i)final state of sample \$i\$ in one batch as the initial state of sample \$i\$"),
        ("stateful-rnn", "en", r"h = h\.detach\(\)"),
        ("stateful-rnn", "zh", r"detach"),
        ("stateful-rnn", "en", r"shuffle=False"),
        ("stateful-rnn", "zh", r"shuffle=False"),
        ("stateful-rnn", "en", r"reset_state\(\)"),
        ("stateful-rnn", "en", r"(?i)truncated BPTT"),
        # time-series-lstm: windows, naive baseline, MASE, scaler leakage, direct vs recursive
        ("time-series-lstm", "en", r"\\hat y_\{t\+1\} = y_t"),
        ("time-series-lstm", "zh", r"\\hat y_\{t\+1\} = y_t"),
        ("time-series-lstm", "en", r"MASE \(Hyndman & Koehler 2006\)"),
        ("time-series-lstm", "en", r"(?i)fit the scaler on the training part only"),
        ("time-series-lstm", "zh", r"只在训练部分上拟合归一化器"),
        ("time-series-lstm", "en", r"(?i)\*direct\*.{0,80}\*recursive\*"),
        ("time-series-lstm", "en", r"`X\[i\] = y\[i:i\+L\]`, `Y\[i\] = y\[i\+L:i\+L\+H\]`"),
        # rnn-not-learning: overfit one batch, chance loss ln C = 0.693, logits not softmax, broadcasting warning
        ("rnn-not-learning", "en", r"(?i)one small batch"),
        ("rnn-not-learning", "zh", r"一个小批量"),
        ("rnn-not-learning", "en", r"\\ln C\$ \(0\.693 for two balanced"),
        ("rnn-not-learning", "zh", r"\\ln C\$（两个均衡类别时为 0\.693）"),
        ("rnn-not-learning", "en", r"(?i)expect raw logits"),
        ("rnn-not-learning", "zh", r"原始 logits"),
        ("rnn-not-learning", "en", r"`\(N, 1\)` and targets `\(N,\)` broadcasts to `\(N, N\)`"),
        # sigmoid-tanh-gates: ranges, the cell update, c_t unbounded, Greff et al., Keras arguments
        ("sigmoid-tanh-gates", "en", r"\$\(0, 1\)\$"),
        ("sigmoid-tanh-gates", "en", r"\$\(-1, 1\)\$"),
        ("sigmoid-tanh-gates", "zh", r"\$\(0, 1\)\$.*\$\(-1, 1\)\$"),
        ("sigmoid-tanh-gates", "en", r"h_t\s*=\s*o_t\s*\\odot\s*\\tanh\(c_t\)"),
        ("sigmoid-tanh-gates", "en", r"cell \$c_t\$ itself is \*not\* bounded"),
        ("sigmoid-tanh-gates", "zh", r"\$c_t\$ 本身\s*\*并不\*限制在"),
        ("sigmoid-tanh-gates", "en", r"Greff et al\. \(2017\).{0,120}forget\s+gate and this output activation"),
        ("sigmoid-tanh-gates", "en", r"recurrent_activation='sigmoid'"),
        # lstm-variants: peepholes, CIFG, projection, ConvLSTM, Greff et al.'s findings
        ("lstm-variants", "en", r"p_i\\odot c_\{t-1\}"),
        ("lstm-variants", "en", r"\$i_t = 1 - f_t\$"),
        ("lstm-variants", "zh", r"\$i_t = 1 - f_t\$"),
        ("lstm-variants", "en", r"proj_size=P"),
        ("lstm-variants", "en", r"Shi et al\. 2015"),
        ("lstm-variants", "en", r"(?i)none of eight variants clearly beats the vanilla LSTM"),
        ("lstm-variants", "en", r"(?i)forget gate and the output\s+activation"),
        ("lstm-variants", "zh", r"遗忘门和输出激活函数"),
        # embedding-layer: lookup = one-hot times matrix, shapes, padding_idx, init, from_pretrained
        ("embedding-layer", "en", r"\\mathrm\{onehot\}\(x\)\\,E"),
        ("embedding-layer", "zh", r"\\mathrm\{onehot\}\(x\)\\,E"),
        ("embedding-layer", "en", r"`\(N, L\)`\s+becomes `\(N, L, d\)`"),
        ("embedding-layer", "en", r"padding_idx=0`: that row starts at zeros and never receives a gradient"),
        ("embedding-layer", "zh", r"初始化为零且永远得不到梯度"),
        ("embedding-layer", "en", r"\\mathcal N\(0, 1\)"),
        ("embedding-layer", "en", r"from_pretrained\(vectors, freeze=True"),
        ("embedding-layer", "en", r"IndexError: index out of range in self"),
        # text-classification-rnn: pipeline, BiLSTM final state, packing, pooling, Keras pre-padding
        ("text-classification-rnn", "en", r"torch\.cat\(\[h_n\[-2\], h_n\[-1\]\], dim=-1\)"),
        ("text-classification-rnn", "zh", r"torch\.cat\(\[h_n\[-2\], h_n\[-1\]\], dim=-1\)"),
        ("text-classification-rnn", "en", r"padding='pre'"),
        ("text-classification-rnn", "zh", r"padding='pre'"),
        ("text-classification-rnn", "en", r"(?i)many-to-one"),
        ("text-classification-rnn", "en", r"Conneau et al\. \(2017\).{0,60}max pooling"),
        ("text-classification-rnn", "en", r"pack_padded_sequence\(emb, lengths"),
    ],
)
def test_entry_states_the_fact(entry_id, lang, pattern):
    assert re.search(pattern, body(entry_id, lang), re.S), f"{entry_id} ({lang}) must match {pattern!r}"


@pytest.mark.parametrize(
    ("entry_id", "pattern"),
    [
        ("rnn-input-shape", r"PyTorch documentation, torch\.nn\.LSTM"),
        ("lstm-outputs", r"PyTorch documentation, torch\.nn\.LSTM"),
        ("rnn-task-shapes", r"Karpathy"),
        ("stateful-rnn", r"Keras documentation, RNN layer"),
        ("time-series-lstm", r"Hyndman & Koehler \(2006\)"),
        ("rnn-not-learning", r"Karpathy \(2019\)"),
        ("sigmoid-tanh-gates", r"Greff"),
        ("lstm-variants", r"Greff"),
        ("lstm-variants", r"Shi"),
        ("embedding-layer", r"Pennington"),
        ("embedding-layer", r"Mikolov"),
        ("text-classification-rnn", r"Conneau"),
        ("text-classification-rnn", r"Kim \(2014\)"),
    ],
)
def test_entry_cites_the_source(entry_id, pattern):
    assert re.search(pattern, refs(entry_id)), entry_id
