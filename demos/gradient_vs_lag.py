"""Gradient vs time lag: a tanh RNN's gradient vanishes over time steps; an LSTM keeps it only while its
forget gate stays near 1.

Claim: at lag 50, an LSTM whose forget-gate bias is 3 keeps at least 100x more of the gradient
||dL/dh_{T-k}|| / ||dL/dh_T|| than a tanh RNN, and an LSTM with forget bias 0 (set exactly to 0 here;
PyTorch draws it around 0) does not.

    python -m gradlab.demos.gradient_vs_lag            # default run, ~1 s of compute
    python -m gradlab.demos.gradient_vs_lag --quick    # the same, smaller batch
    python -m gradlab.demos.gradient_vs_lag --forget-bias 0 --seq-len 200   # turn the knobs

The knobs (--cell, --forget-bias, --seq-len) set the "chosen" cell, drawn over the fixed references.
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "gradient_vs_lag"
TITLE = {"en": "Gradient vs time lag: RNN, GRU, LSTM", "zh": "梯度随时间步的衰减：RNN、GRU 与 LSTM"}
CLAIM = {
    "en": "A tanh RNN's gradient vanishes over time steps; an LSTM keeps it only while its forget gate "
    "is near 1 (forget bias 3 keeps >=100x more at lag 50 than the tanh RNN).",
    "zh": "tanh RNN 的梯度随时间步指数衰减；LSTM 只有在遗忘门接近 1 时才能保住梯度"
    "（遗忘门偏置为 3 时，滞后 50 步处的梯度比 tanh RNN 大 100 倍以上）。",
}
# reference curves, name -> (cell, forget bias); the knobs add one more, "chosen"
REFERENCES = {
    "rnn_tanh": ("rnn_tanh", 0.0),
    "gru": ("gru", 0.0),
    "lstm_fb0": ("lstm", 0.0),
    "lstm_fb1": ("lstm", 1.0),
    "lstm_fb3": ("lstm", 3.0),
}

TAKEAWAY = {
    "en": "Only an LSTM whose forget gate stays near 1 keeps the gradient over 50 steps",
    "zh": "只有遗忘门接近 1 的 LSTM 能把梯度保留 50 步",
}  # the plot's title
PLOT_ZH = {
    "time lag": "时间滞后",
    "(steps before the loss)": "（距损失的步数）",
    "(log scale)": "（对数坐标）",
    "tanh RNN": "tanh RNN",
    "LSTM, forget bias": "LSTM，遗忘门偏置",
    "(PyTorch: ≈ 0)": "（PyTorch 默认约为 0）",
    "chosen: ": "所选：",
    "kept: ": "保住：",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "cell",
        {"en": "cell", "zh": "循环单元"},
        "choice",
        "lstm",
        choices=("rnn_tanh", "gru", "lstm"),
        hint={"en": "only the LSTM's cell path can keep the gradient", "zh": "只有 LSTM 的记忆元通路能保住梯度"},
    ),
    Param(
        "forget_bias",
        {"en": "LSTM forget-gate bias", "zh": "LSTM 遗忘门偏置"},
        "float",
        3.0,
        min=-2.0,
        max=6.0,
        hint={
            "en": "each +1 keeps the forget gate nearer 1: watch the lag-50 value rise",
            "zh": "每加 1，遗忘门更接近 1：看滞后 50 步的值上升",
        },
    ),
    Param(
        "seq_len",
        {"en": "sequence length", "zh": "序列长度"},
        "int",
        100,
        min=60,
        max=300,
        hint={
            "en": "longer sequences reach further back; lag 50 stays marked",
            "zh": "序列越长回溯越远；滞后 50 步始终标出",
        },
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    seq_len: int = 100  # time steps unrolled; the loss is on the last one
    num_inputs: int = 32  # input features per step
    num_hiddens: int = 64  # hidden units in every cell
    batch_size: int = 32  # sequences averaged over (8 with --quick)
    lags: tuple[int, ...] = (1, 10, 25, 50, 75, 99)  # lags reported in the table (those below seq_len)
    cell: str = "lstm"  # the chosen cell, drawn over the references: rnn_tanh, gru or lstm
    forget_bias: float = 3.0  # the chosen LSTM's forget-gate bias


def make_cell(kind: str, config: Config, forget_bias: float = 0.0) -> nn.Module:
    """Build one recurrent cell at PyTorch's default init, with the LSTM forget bias set exactly."""
    if kind == "rnn_tanh":
        return nn.RNNCell(config.num_inputs, config.num_hiddens, nonlinearity="tanh")
    if kind == "gru":
        return nn.GRUCell(config.num_inputs, config.num_hiddens)
    cell = nn.LSTMCell(config.num_inputs, config.num_hiddens)
    with torch.no_grad():
        h = config.num_hiddens
        cell.bias_ih[h : 2 * h].fill_(forget_bias)  # gate order i, f, g, o: rows h..2h are the forget gate
        cell.bias_hh[h : 2 * h].zero_()
    return cell


def gradient_ratios(kind: str, x: torch.Tensor, config: Config, forget_bias: float = 0.0) -> list[float]:
    """Return ||dL/dh_{T-k}|| / ||dL/dh_T|| for k = 0..T-1, with L = sum(h_T)."""
    cell = make_cell(kind, config, forget_bias).to(
        x.device, torch.float64
    )  # float64: ratios reach 1e-30, below float32
    batch = x.shape[1]
    h = torch.zeros(batch, config.num_hiddens, device=x.device, dtype=x.dtype)
    c = torch.zeros_like(h)
    states = []
    for t in range(x.shape[0]):  # x: (seq_len, batch, num_inputs)
        if kind.startswith("lstm"):
            h, c = cell(x[t], (h, c))
        else:
            h = cell(x[t], h)
        h.retain_grad()
        states.append(h)
    h.sum().backward()
    norms = torch.stack([s.grad.norm() for s in states])  # (seq_len,)
    return (norms.flip(0) / norms[-1]).tolist()  # index k = lag


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    batch = 8 if config.quick else config.batch_size
    ratios = {}
    runs = {**REFERENCES, "chosen": (config.cell, config.forget_bias)}
    for name, (kind, forget_bias) in runs.items():
        generator = seed_everything(config.seed)  # every cell sees the same inputs
        x = torch.randn(config.seq_len, batch, config.num_inputs, generator=generator, dtype=torch.float64).to(device)
        ratios[name] = gradient_ratios(kind, x, config, forget_bias)
    table = [{"lag": k, **{name: ratios[name][k] for name in runs}} for k in config.lags if k < config.seq_len]
    metrics = {f"{name}_lag50": ratios[name][50] for name in runs}
    # judged for the chosen cell: it keeps >= 1e-3 of the gradient at lag 50, >= 100x the tanh RNN's
    held = metrics["chosen_lag50"] >= max(1e-3, 100 * metrics["rnn_tanh_lag50"]) and metrics["lstm_fb0_lag50"] < 1e-3
    headline = (
        f"At lag 50: tanh RNN {metrics['rnn_tanh_lag50']:.1e}, GRU {metrics['gru_lag50']:.1e}, LSTM forget "
        f"bias 0/1/3: {metrics['lstm_fb0_lag50']:.1e} / {metrics['lstm_fb1_lag50']:.1e} / "
        f"{metrics['lstm_fb3_lag50']:.1e}; chosen ({chosen_label(config.cell, config.forget_bias)}) "
        f"{metrics['chosen_lag50']:.1e}"
    )
    ratios["chosen_label"] = chosen_label(config.cell, config.forget_bias)
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=ratios)


def chosen_label(cell: str, forget_bias: float) -> str:
    """Name the chosen cell for the headline and the legend."""
    return f"LSTM, forget bias {forget_bias:g}" if cell == "lstm" else {"rnn_tanh": "tanh RNN", "gru": "GRU"}[cell]


def plot(result: DemoResult, fig) -> None:
    ax = fig.add_subplot(1, 1, 1)
    labels = {
        "rnn_tanh": "tanh RNN",
        "gru": "GRU",
        "lstm_fb0": "LSTM, forget bias 0 (PyTorch: ≈ 0)",
        "lstm_fb1": "LSTM, forget bias 1",
        "lstm_fb3": "LSTM, forget bias 3",
    }
    for kind in REFERENCES:
        ratios = result.series[kind]
        ax.semilogy(range(len(ratios)), ratios, label=labels[kind], linewidth=1)
    chosen = result.series["chosen"]
    ax.semilogy(range(len(chosen)), chosen, "k--", linewidth=2, label=f"chosen: {result.series['chosen_label']}")
    ax.set_xlabel(r"time lag $k$ (steps before the loss)")
    ax.set_ylabel(r"$\|\partial L/\partial h_{T-k}\| \,/\, \|\partial L/\partial h_T\|$ (log scale)")
    ax.axvline(50, color="grey", linestyle=":", linewidth=1)
    ax.axhline(1e-3, color="grey", linestyle="--", linewidth=0.8)
    ax.annotate(
        "kept: 1e-3", (len(chosen) * 0.6, 1e-3), xytext=(0, -11), textcoords="offset points", fontsize=8, color="grey"
    )
    for kind in ("rnn_tanh", "lstm_fb3"):  # the two values the claim compares
        value = result.series[kind][50]
        ax.plot([50], [value], "o", color="black", markersize=4)
        ax.annotate(f"{value:.1e}", (50, value), xytext=(6, 4), textcoords="offset points", fontsize=8)
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(True, which="major", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
