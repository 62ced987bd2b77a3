"""Truncated BPTT: detaching the hidden state cuts the backward pass, so no gradient reaches earlier steps.

Claim: unroll a tanh RNN for 30 steps with the loss on the last step and detach the hidden state after step
20: dL/dh_t is exactly 0 for t <= 20 and non-zero for t > 20, where full BPTT gives every step a non-zero
gradient. After the cut the two gradients are identical; the W_hh gradient changes only by the part that
would have come from before the cut (small here, because a default tanh RNN's gradient has mostly vanished
10 steps back anyway).

    python -m gradlab.demos.truncated_bptt            # default run, well under 1 s of compute
    python -m gradlab.demos.truncated_bptt --quick    # the same, smaller batch
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "truncated_bptt"
TITLE = {"en": "Truncated BPTT: detach cuts the gradient", "zh": "截断 BPTT：detach 切断梯度"}
CLAIM = {
    "en": "Detaching the hidden state after step 20 of 30 makes dL/dh_t exactly 0 for every step up to the "
    "cut and leaves the gradient after the cut unchanged; full BPTT reaches every step.",
    "zh": "在 30 步中的第 20 步之后 detach 隐状态：截断点及之前每一步的 dL/dh_t 都恰好为 0，截断点之后的梯度不变；"
    "完整的通过时间反向传播则能到达每一步。",
}


TAKEAWAY = {
    "en": "Truncated BPTT: no gradient reaches the steps before the cut; after it, nothing changes",
    "zh": "截断 BPTT：截断之前的步得不到任何梯度；截断之后与完整 BPTT 相同",
}  # the plot's title
PLOT_ZH = {
    "full BPTT": "完整 BPTT",
    "truncated (detach after the cut)": "截断（在截断处 detach）",
    "truncated: gradient exactly 0": "截断：梯度恰为 0",
    "detach after step": "在此步之后 detach：",
    "time step": "时间步",
    "(loss on the last step)": "（损失在最后一步）",
    "(log scale)": "（对数坐标）",
    "Gradient reaching each hidden state": "到达每个隐状态的梯度",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "cut",
        {"en": "detach after step", "zh": "截断位置（在此步之后断开）"},
        "int",
        20,
        min=1,
        max=29,
        hint={"en": "every step up to the cut gets exactly zero gradient", "zh": "截断位置之前的每一步梯度都恰好为 0"},
    ),
    Param(
        "seq_len",
        {"en": "sequence length", "zh": "序列长度"},
        "int",
        30,
        min=30,
        max=100,
        hint={"en": "steps after the cut keep the full-BPTT gradient", "zh": "截断之后的步与完整 BPTT 的梯度相同"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    seq_len: int = 30  # time steps unrolled; the loss is on the last one
    cut: int = 20  # the hidden state is detached after this step (steps are numbered 1..seq_len)
    num_inputs: int = 16  # input features per step
    num_hiddens: int = 32  # tanh RNN hidden units, PyTorch default init
    batch_size: int = 32  # sequences in the batch (8 with --quick)


def state_gradients(cell: nn.RNNCell, x: torch.Tensor, y: torch.Tensor, cut: int | None):
    """Return ||dL/dh_t|| for t = 1..T and dL/dW_hh; detach the hidden state after step ``cut`` if given."""
    h = torch.zeros(x.shape[1], cell.hidden_size, device=x.device)
    states = []
    for t in range(x.shape[0]):  # x: (seq_len, batch, num_inputs)
        h = cell(x[t], h)
        states.append(h)
        if cut is not None and t + 1 == cut:
            h = h.detach()  # what truncated BPTT does between chunks: keep the value, drop the history
    loss = nn.functional.mse_loss(h, y)
    # materialize_grads: a state the loss cannot reach gets an explicit zero gradient instead of None
    *grads, w_grad = torch.autograd.grad(loss, [*states, cell.weight_hh], allow_unused=True, materialize_grads=True)
    return [g.norm().item() for g in grads], w_grad


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    batch = 8 if config.quick else config.batch_size
    cell = nn.RNNCell(config.num_inputs, config.num_hiddens).to(device)
    x = torch.randn(config.seq_len, batch, config.num_inputs, generator=generator).to(device)
    y = torch.randn(batch, config.num_hiddens, generator=generator).to(device)
    full, w_full = state_gradients(cell, x, y, cut=None)
    truncated, w_trunc = state_gradients(cell, x, y, cut=config.cut)
    c = config.cut
    pairs = enumerate(zip(full, truncated), start=1)
    table = [{"step": t, "full_bptt": f, "truncated": tr} for t, (f, tr) in pairs]
    metrics = {
        "truncated_grad_before_cut_max": max(truncated[:c]),
        "truncated_grad_after_cut_min": min(truncated[c:]),
        "full_grad_before_cut_min": min(full[:c]),
        "after_cut_max_abs_difference": max(abs(a - b) for a, b in zip(full[c:], truncated[c:])),
        "w_hh_grad_rel_change": ((w_trunc - w_full).norm() / w_full.norm()).item(),
    }
    m = metrics
    held = (
        m["truncated_grad_before_cut_max"] == 0.0
        and m["truncated_grad_after_cut_min"] > 0
        and m["full_grad_before_cut_min"] > 0
        and m["after_cut_max_abs_difference"] == 0.0
    )
    headline = (
        f"Detach after step {c} of {config.seq_len}: ||dL/dh_t|| = "
        f"{m['truncated_grad_before_cut_max']:g} for t <= {c}, >= {m['truncated_grad_after_cut_min']:.1e} "
        f"after; full BPTT >= {m['full_grad_before_cut_min']:.1e} everywhere; W_hh gradient changed by "
        f"{100 * m['w_hh_grad_rel_change']:.2g} %"
    )
    series = {"cut": c, "full_bptt": full, "truncated": truncated}
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    s = result.series
    ax = fig.add_subplot(1, 1, 1)
    steps = list(range(1, len(s["full_bptt"]) + 1))
    ax.semilogy(steps, s["full_bptt"], "o-", label="full BPTT")
    reached = [(t, g) for t, g in zip(steps, s["truncated"]) if g > 0]
    ax.semilogy(*zip(*reached), "s--", label="truncated (detach after the cut)")
    # a log axis cannot show 0: mark the exact zeros along the bottom edge instead
    floor = min(g for g in s["full_bptt"] if g > 0) / 10
    zeros = [t for t, g in zip(steps, s["truncated"]) if g == 0]
    ax.semilogy(zeros, [floor] * len(zeros), "x", color="C1", label="truncated: gradient exactly 0")
    ax.axvline(s["cut"] + 0.5, color="grey", linestyle=":", label=f"detach after step {s['cut']}")
    ax.set_xlabel(r"time step $t$ (loss on the last step)")
    ax.set_ylabel(r"$\|\partial L/\partial h_t\|$ (log scale)")
    ax.set_title("Gradient reaching each hidden state")
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
