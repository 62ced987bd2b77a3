"""LSTM gate trace: trained on the adding problem, an LSTM writes into its cell at the two marked steps and
holds its forget gate near 1 between them.

Claim: after training a tiny LSTM (8 hidden units) on the adding problem, the unit whose final cell state
carries the answer writes |i_t * tanh(g_t)| >= 3x more at the marked steps than at unmarked ones, and keeps
a forget gate above 0.9 between the two marks (up from ~0.73 = sigmoid(1) at initialisation), while the
test MSE is far below the 1/6 of always predicting the mean. Most seeds write through the input gate i_t
(0.7 vs 0.04 on seed 0); some write through the candidate g_t instead (seed 19: i_t only 1.6x, the write
22x), so the claim is about the write. Training often sits on the 1/6 plateau for 500-1000 steps first,
hence the budget.

    python -m gradlab.demos.lstm_gates            # default run (20 steps, 2000 Adam steps), ~4 s of compute
    python -m gradlab.demos.lstm_gates --quick    # 12 steps, 1000 Adam steps, ~2.5 s
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "lstm_gates"
TITLE = {"en": "LSTM gates on the adding problem", "zh": "LSTM 门控在加法问题上的轨迹"}
CLAIM = {
    "en": "A trained LSTM's memory unit writes into its cell at the marked steps (|i·tanh g| >= 3x its value "
    "elsewhere) and keeps its forget gate above 0.9 between the marks, so the marked values survive until the end.",
    "zh": "训练后的 LSTM 中负责记忆的单元在被标记的时间步写入记忆元（|i·tanh g| 至少是其他时间步的 3 倍），"
    "并在两个标记之间让遗忘门保持在 0.9 以上，使被标记的值保留到序列末尾。",
}

TAKEAWAY = {
    "en": "A trained LSTM writes at the marked steps and holds its forget gate near 1 between them",
    "zh": "训练后的 LSTM 在标记步写入记忆，并在两个标记之间让遗忘门接近 1",
}  # the plot's title
PLOT_ZH = {
    "input value (gold = marked)": "输入值（金色 = 被标记）",
    "input gate": "输入门",
    "forget gate": "遗忘门",
    "write": "写入",
    "Memory unit on one test sequence": "一条测试序列上的记忆单元",
    "time step": "时间步",
    "gate value / input value (0..1)": "门值 / 输入值（0..1）",
    "LSTM training MSE": "LSTM 训练 MSE",
    "predict the mean": "预测均值",
    "Training on the adding problem": "在加法问题上训练",
    "training step": "训练步数",
    "(log scale)": "（对数坐标）",
}  # the plot's English phrases -> Chinese, for plot.zh.png


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    seq_len: int = 20  # adding-problem length: one mark in each half (12 with --quick)
    num_hiddens: int = 8  # LSTM hidden units
    forget_bias: float = 1.0  # initial forget-gate bias (common practice; PyTorch's default is 0)
    batch_size: int = 64  # fresh random sequences per step
    num_steps: int = 2000  # Adam steps (1000 with --quick); some seeds sit on a plateau for ~1000 steps
    lr: float = 1e-2  # Adam learning rate
    test_size: int = 512  # held-out sequences for the MSE and the gate statistics


def adding_batch(n: int, seq_len: int, generator: torch.Generator, device: torch.device):
    """Return inputs (n, seq_len, 2) = (value, mark), targets (n, 1) and the two mark positions."""
    values = torch.rand(n, seq_len, generator=generator)
    first = torch.randint(0, seq_len // 2, (n,), generator=generator)
    second = torch.randint(seq_len // 2, seq_len, (n,), generator=generator)
    marks = torch.zeros(n, seq_len)
    marks[torch.arange(n), first] = 1.0
    marks[torch.arange(n), second] = 1.0
    x = torch.stack([values, marks], dim=-1)
    return x.to(device), (values * marks).sum(1, keepdim=True).to(device), first.to(device), second.to(device)


@torch.no_grad()
def gate_trace(lstm: nn.LSTM, x: torch.Tensor):
    """Recompute the LSTM step by step; return input gates, forget gates (n, seq_len, hidden), final cell."""
    w_ih, w_hh, b = lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0 + lstm.bias_hh_l0
    h = c = torch.zeros(x.shape[0], lstm.hidden_size, device=x.device)
    inputs, forgets, writes = [], [], []
    for t in range(x.shape[1]):
        i, f, g, o = (x[:, t] @ w_ih.T + h @ w_hh.T + b).chunk(4, dim=1)  # PyTorch gate order i, f, g, o
        i, f, o = i.sigmoid(), f.sigmoid(), o.sigmoid()
        c = f * c + i * g.tanh()
        h = o * c.tanh()
        inputs.append(i)
        forgets.append(f)
        writes.append((i * g.tanh()).abs())  # what is written into the cell: the gate times the candidate
    return torch.stack(inputs, 1), torch.stack(forgets, 1), torch.stack(writes, 1), c


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    seq_len, num_steps = (12, 1000) if config.quick else (config.seq_len, config.num_steps)
    h = config.num_hiddens
    lstm, head = nn.LSTM(2, h, batch_first=True).to(device), nn.Linear(h, 1).to(device)
    with torch.no_grad():  # gate order i, f, g, o: rows h..2h are the forget gate
        lstm.bias_ih_l0[h : 2 * h].fill_(config.forget_bias)
        lstm.bias_hh_l0[h : 2 * h].zero_()
    x_test, y_test, first, second = adding_batch(config.test_size, seq_len, generator, device)
    _, forget_init, _, _ = gate_trace(lstm, x_test)
    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=config.lr)
    losses = []
    for _ in range(num_steps):
        x, y, _, _ = adding_batch(config.batch_size, seq_len, generator, device)
        out, _ = lstm(x)
        loss = nn.functional.mse_loss(head(out[:, -1]), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        out, _ = lstm(x_test)
        test_mse = nn.functional.mse_loss(head(out[:, -1]), y_test).item()
        inputs, forgets, writes, cell = gate_trace(lstm, x_test)
        # the memory unit: the one whose final cell state tracks the target best (not chosen by its gates)
        corr = torch.stack([torch.corrcoef(torch.stack([cell[:, k], y_test[:, 0]]))[0, 1] for k in range(h)])
        unit = corr.abs().argmax().item()
        marked = x_test[..., 1].bool()
        steps = torch.arange(seq_len, device=device)[None]
        between = (steps > first[:, None]) & (steps < second[:, None])
        metrics = {
            "test_mse": test_mse,
            "baseline_mse": y_test.var().item(),  # always predicting the mean
            "memory_unit_corr": corr[unit].abs().item(),
            "input_gate_marked": inputs[..., unit][marked].mean().item(),
            "input_gate_unmarked": inputs[..., unit][~marked].mean().item(),
            "write_marked": writes[..., unit][marked].mean().item(),
            "write_unmarked": writes[..., unit][~marked].mean().item(),
            "forget_gate_between_marks": forgets[..., unit][between].mean().item(),
            "forget_gate_between_marks_init": forget_init[..., unit][between].mean().item(),
        }
    m = metrics
    held = (
        m["test_mse"] < 0.1 * m["baseline_mse"]
        and m["forget_gate_between_marks"] > 0.9
        and m["write_marked"] >= 3 * m["write_unmarked"]
    )
    headline = (
        f"Test MSE {m['test_mse']:.4f} (baseline {m['baseline_mse']:.3f}); memory unit {unit}: input gate "
        f"{m['input_gate_marked']:.2f} at marked steps vs {m['input_gate_unmarked']:.2f} elsewhere, forget "
        f"gate {m['forget_gate_between_marks']:.3f} between the marks "
        f"({m['forget_gate_between_marks_init']:.2f} at init)"
    )
    table = [
        {
            "step": t + 1,
            "value": x_test[0, t, 0].item(),
            "marked": bool(marked[0, t]),  # test sequence 0
            "input_gate": inputs[0, t, unit].item(),
            "forget_gate": forgets[0, t, unit].item(),
            "write": writes[0, t, unit].item(),
        }
        for t in range(seq_len)
    ]
    series = {"losses": losses, "baseline_mse": m["baseline_mse"], "trace": table}
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    s = result.series
    ax = fig.add_subplot(1, 2, 1)
    steps = [row["step"] for row in s["trace"]]
    colors = ["gold" if row["marked"] else "lightgrey" for row in s["trace"]]
    ax.bar(steps, [row["value"] for row in s["trace"]], color=colors, label="input value (gold = marked)")
    ax.plot(steps, [row["input_gate"] for row in s["trace"]], "o-", label=r"input gate $i_t$")
    ax.plot(steps, [row["write"] for row in s["trace"]], "^-", label=r"write $|i_t \tanh g_t|$")
    ax.plot(steps, [row["forget_gate"] for row in s["trace"]], "s-", label=r"forget gate $f_t$")
    ax.axhline(0.9, color="grey", linestyle=":", linewidth=0.8)
    ax.set_ylim(0, 1.5)  # headroom for the legend above the forget gate
    ax.set_title("Memory unit on one test sequence")
    ax.set_xlabel(r"time step $t$")
    ax.set_ylabel("gate value / input value (0..1)")
    ax.legend(fontsize=9, loc="upper center", ncol=2)
    ax = fig.add_subplot(1, 2, 2)
    ax.semilogy(range(1, len(s["losses"]) + 1), s["losses"], linewidth=0.8, label="LSTM training MSE")
    ax.axhline(s["baseline_mse"], color="grey", linestyle=":", label="predict the mean")
    ax.set_title("Training on the adding problem")
    ax.set_xlabel("training step")
    ax.set_ylabel("MSE (log scale)")
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
