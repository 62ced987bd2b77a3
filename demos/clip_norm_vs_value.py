"""Clipping by norm vs by value: clip-by-norm only shortens the gradient, clip-by-value also turns it.

Claim: for g = [100, 1, 0.01] and threshold 1, clip_grad_norm_ returns a vector with cosine 1.0 to g,
clip_grad_value_ returns [1, 1, 0.01] with cosine ~0.71. On the real gradient of an exploding ReLU RNN
(W_hh = 1.1*I, adding problem, 50 steps), clipping by norm keeps cosine 1.0 at every threshold while clipping
by value at 1 % of the largest gradient entry turns it to cosine ~0.7 (below 0.9 for every seed).

    python -m gradlab.demos.clip_norm_vs_value            # default run, well under 1 s of compute
    python -m gradlab.demos.clip_norm_vs_value --quick    # the same, smaller batch
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "clip_norm_vs_value"
TITLE = {"en": "Gradient clipping: by norm vs by value", "zh": "梯度裁剪：按范数与按值"}
CLAIM = {
    "en": "Clipping by norm rescales the whole gradient and keeps its direction (cosine 1.0); clipping by "
    "value clamps each entry and turns it (g = [100, 1, 0.01], threshold 1: cosine ~0.71).",
    "zh": "按范数裁剪整体缩放梯度、方向不变（余弦相似度 1.0）；按值裁剪逐元素截断、改变方向"
    "（g = [100, 1, 0.01]，阈值 1：余弦相似度约 0.71）。",
}
FRACTIONS = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)  # value thresholds, as a fraction of max |g_i|


TAKEAWAY = {
    "en": "Clipping by norm keeps the gradient's direction; clipping by value bends it",
    "zh": "按范数裁剪保持梯度方向；按值裁剪会改变方向",
}  # the plot's title
PLOT_ZH = {
    "original g": "原始 g",
    "clip by norm": "按范数裁剪",
    "clip by value": "按值裁剪",
    "by norm": "按范数",
    "by value": "按值",
    "threshold": "阈值",
    "fraction of": "占",
    "gradient component": "梯度分量",
    "component value (log scale)": "分量值（对数坐标）",
    "Exploding RNN gradient": "爆炸的 RNN 梯度",
    " or of ": " 或 ",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "threshold",
        {"en": "clipping threshold for the hand-made gradient", "zh": "手工梯度的裁剪阈值"},
        "float",
        1.0,
        min=0.01,
        max=100.0,
        log=True,
        hint={
            "en": "by value bends the direction once the threshold is below the largest entry",
            "zh": "阈值小于最大分量时，按值裁剪会改变方向",
        },
    ),
    Param(
        "seq_len",
        {"en": "sequence length of the RNN", "zh": "RNN 的序列长度"},
        "int",
        50,
        min=10,
        max=100,
        hint={"en": "longer sequences make the RNN gradient explode more", "zh": "序列越长，RNN 的梯度爆炸越严重"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    toy_grad: tuple[float, ...] = (100.0, 1.0, 0.01)  # the hand-made gradient
    threshold: float = 1.0  # clipping threshold for the hand-made gradient (max norm / max value)
    seq_len: int = 50  # adding-problem length for the RNN gradient
    num_hiddens: int = 32  # ReLU RNN hidden units
    batch_size: int = 64  # sequences in the one batch the gradient is taken on (16 with --quick)


def clipped(params: list[nn.Parameter], grads: list[torch.Tensor], how: str, threshold: float):
    """Return the flattened gradient after torch's clip_grad_norm_ or clip_grad_value_ at ``threshold``."""
    for p, g in zip(params, grads):
        p.grad = g.clone()
    if how == "norm":
        nn.utils.clip_grad_norm_(params, threshold)  # one total norm over all parameters
    else:
        nn.utils.clip_grad_value_(params, threshold)  # each entry clamped to [-threshold, threshold]
    return torch.cat([p.grad.flatten() for p in params]).double()


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Return the cosine similarity of two flat vectors."""
    return (a @ b / (a.norm() * b.norm())).item()


def rnn_gradient(config: Config, generator: torch.Generator, device: torch.device):
    """Return parameters and gradient of an exploding ReLU RNN (W_hh = 1.1*I) on an adding-problem batch."""
    batch = 16 if config.quick else config.batch_size
    values = torch.rand(batch, config.seq_len, generator=generator)
    marks = torch.zeros(batch, config.seq_len)
    half = config.seq_len // 2
    first = torch.randint(0, half, (batch,), generator=generator)
    second = torch.randint(half, config.seq_len, (batch,), generator=generator)
    marks[torch.arange(batch), first] = 1.0
    marks[torch.arange(batch), second] = 1.0
    x = torch.stack([values, marks], dim=-1).to(device)  # (batch, seq_len, 2)
    y = (values * marks).sum(1, keepdim=True).to(device)
    rnn = nn.RNN(2, config.num_hiddens, nonlinearity="relu", batch_first=True).to(device)
    head = nn.Linear(config.num_hiddens, 1).to(device)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(1.1 * torch.eye(config.num_hiddens))  # spectral radius 1.1: exploding
    out, _ = rnn(x)
    nn.functional.mse_loss(head(out[:, -1]), y).backward()
    params = [*rnn.parameters(), *head.parameters()]
    return params, [p.grad.clone() for p in params]


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    toy = nn.Parameter(torch.tensor(config.toy_grad, device=device))
    g = toy.detach().clone()
    by_norm = clipped([toy], [g], "norm", config.threshold)
    by_value = clipped([toy], [g], "value", config.threshold)
    params, grads = rnn_gradient(config, generator, device)
    full = torch.cat([gr.flatten() for gr in grads]).double()
    peak = full.abs().max().item()
    rows = []
    for frac in FRACTIONS:
        by_norm_rnn = clipped(params, grads, "norm", frac * full.norm().item())
        by_value_rnn = clipped(params, grads, "value", frac * peak)
        rows.append(
            {
                "threshold_fraction": frac,
                "cosine_by_norm": cosine(by_norm_rnn, full),
                "cosine_by_value": cosine(by_value_rnn, full),
            }
        )
    metrics = {
        "toy_cosine_by_norm": cosine(by_norm, g.double()),
        "toy_cosine_by_value": cosine(by_value, g.double()),
        "toy_norm_after_clip_by_norm": by_norm.norm().item(),
        "rnn_grad_norm": full.norm().item(),
        "rnn_cosine_by_norm_min": min(r["cosine_by_norm"] for r in rows),
        "rnn_cosine_by_value_at_1pct": rows[FRACTIONS.index(0.01)]["cosine_by_value"],
    }
    m = metrics
    held = (
        m["toy_cosine_by_norm"] > 0.9999
        and abs(m["toy_cosine_by_value"] - 0.71) < 0.02
        and m["rnn_cosine_by_norm_min"] > 0.9999
        and m["rnn_cosine_by_value_at_1pct"] < 0.9
    )
    headline = (
        f"g = {list(config.toy_grad)}: by norm -> {[round(v, 4) for v in by_norm.tolist()]} (cosine "
        f"{m['toy_cosine_by_norm']:.3f}), by value -> {[round(v, 4) for v in by_value.tolist()]} (cosine "
        f"{m['toy_cosine_by_value']:.3f}); exploding RNN gradient (norm {m['rnn_grad_norm']:.1e}): "
        f"by value at 1 % of the largest entry cosine {m['rnn_cosine_by_value_at_1pct']:.2f}, "
        f"by norm {m['rnn_cosine_by_norm_min']:.3f} at every threshold"
    )
    series = {
        "threshold": config.threshold,
        "toy_grad": g.tolist(),
        "toy_by_norm": by_norm.tolist(),
        "toy_by_value": by_value.tolist(),
        "fractions": list(FRACTIONS),
        "rnn_cosine_by_norm": [r["cosine_by_norm"] for r in rows],
        "rnn_cosine_by_value": [r["cosine_by_value"] for r in rows],
    }
    return DemoResult(metrics=metrics, table=rows, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    s = result.series
    ax = fig.add_subplot(1, 2, 1)
    index = range(len(s["toy_grad"]))
    width = 0.27
    bars = (("toy_grad", "original g"), ("toy_by_norm", "clip by norm"), ("toy_by_value", "clip by value"))
    for offset, (key, label) in zip((-width, 0, width), bars):
        ax.bar([i + offset for i in index], s[key], width, label=label)
    ax.set_yscale("log")
    ax.set_xticks(list(index), [f"g[{i}]" for i in index])
    components = ", ".join(f"{v:g}" for v in s["toy_grad"])
    ax.set_title(f"g = [{components}], threshold {s['threshold']:g}")
    ax.set_xlabel("gradient component")
    ax.set_ylabel("component value (log scale)")
    ax.axhline(s["threshold"], color="grey", linestyle=":", linewidth=1, label="threshold")
    ax.legend(fontsize=9)
    ax = fig.add_subplot(1, 2, 2)
    ax.semilogx(s["fractions"], s["rnn_cosine_by_norm"], "o-", label=r"by norm (threshold $\times \|g\|$)")
    ax.semilogx(s["fractions"], s["rnn_cosine_by_value"], "s-", label=r"by value (threshold $\times \max|g_i|$)")
    ax.axhline(1.0, color="grey", linestyle="--", linewidth=0.8)
    at = s["fractions"].index(0.01)
    ax.annotate(
        f"{s['rnn_cosine_by_value'][at]:.2f}",
        (0.01, s["rnn_cosine_by_value"][at]),
        xytext=(6, -4),
        textcoords="offset points",
        fontsize=8,
    )
    ax.set_title(r"Exploding RNN gradient ($W_{hh} = 1.1 I$)")
    ax.set_xlabel(r"threshold (fraction of $\|g\|$ or of $\max|g_i|$)")
    ax.set_ylabel(r"$\cos(\mathrm{clipped}\ g,\ g)$")
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
