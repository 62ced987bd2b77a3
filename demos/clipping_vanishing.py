"""Clipping does not fix vanishing gradients: a clipped tanh RNN stays at the trivial MSE on the adding
problem while a clipped GRU solves it.

Claim: on the adding problem (T = 50), with clip_grad_norm_(max_norm=1.0) on both, a tanh RNN ends no better
than 80 % of the MSE 1/6 of always predicting the mean (it learns nothing: 0.155-0.22 over seeds 0-19 in
--quick, sometimes above 1/6) while a GRU ends below 0.05. Clipping multiplies the whole gradient by one
factor min(1, θ/||g||), so the ratio between the gradient shares of the first and the last time step is
exactly what it was before clipping.

    python -m gradlab.demos.clipping_vanishing            # default run, 300 steps per model
    python -m gradlab.demos.clipping_vanishing --quick    # 150 steps at twice the learning rate
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main
from .clipping_exploding import TRIVIAL_MSE, adding_problem

NAME = "clipping_vanishing"
TITLE = {"en": "Gradient clipping does not fix vanishing gradients", "zh": "梯度裁剪解决不了梯度消失"}
CLAIM = {
    "en": "With gradient clipping, a tanh RNN still stays at the trivial MSE 1/6 on the adding problem "
    "(T = 50) while a GRU goes below 0.05: clipping scales the whole gradient by one factor, so the "
    "vanished long-range part stays vanished.",
    "zh": "即使做了梯度裁剪，tanh 循环神经网络在加法问题（T = 50）上仍停在平凡解的 MSE 1/6，而 GRU 降到 "
    "0.05 以下：梯度裁剪只把整个梯度乘以同一个系数，已经梯度消失的长程部分依旧消失。",
}


TAKEAWAY = {
    "en": "Clipping rescales the whole gradient: the tanh RNN still learns nothing, the GRU learns",
    "zh": "裁剪只整体缩放梯度：tanh RNN 仍然学不到东西，GRU 能学会",
}  # the plot's title
PLOT_ZH = {
    "tanh RNN, clipped": "tanh RNN，已裁剪",
    "GRU, clipped": "GRU，已裁剪",
    "predict the mean: 1/6": "预测均值：1/6",
    "Adding problem (T = 50): training loss": "加法问题（T = 50）：训练损失",
    "training step": "训练步数",
    "before clipping": "裁剪前",
    "after clipping": "裁剪后",
    "tanh RNN at init: gradient by time step": "初始化时的 tanh RNN：各时间步的梯度",
    "time step": "时间步",
    "(loss at": "（损失在",
    "share of": "分量",
    "step ": "第 ",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "max_norm",
        {"en": "clipping threshold (max norm)", "zh": "裁剪阈值（最大范数）"},
        "float",
        1.0,
        min=0.1,
        max=100.0,
        log=True,
        hint={
            "en": "no threshold rescues the tanh RNN: clipping only shrinks",
            "zh": "任何阈值都救不了 tanh RNN：裁剪只会缩小梯度",
        },
    ),
    Param(
        "seq_len",
        {"en": "sequence length T", "zh": "序列长度 T"},
        "int",
        50,
        min=10,
        max=100,
        hint={"en": "short sequences let even the tanh RNN learn", "zh": "序列很短时，tanh RNN 也能学会"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    seq_len: int = 50  # adding-problem length T
    num_hiddens: int = 32  # hidden units of both the tanh RNN and the GRU
    lr: float = 0.01  # Adam learning rate (doubled with --quick, which has half the steps)
    batch_size: int = 32  # sequences per step
    num_steps: int = 300  # training steps per model (150 with --quick)
    max_norm: float = 1.0  # clip_grad_norm_ threshold, applied to both models
    eval_size: int = 512  # held-out sequences for the final MSE


def build(kind: str, config: Config, device: torch.device) -> tuple[nn.Module, nn.Module, torch.Generator]:
    """Seed, then return a freshly initialised recurrent layer, its linear head and the data generator."""
    generator = seed_everything(config.seed)  # same init on every call; both models see the same batches
    rnn = nn.GRU(2, config.num_hiddens) if kind == "gru" else nn.RNN(2, config.num_hiddens)
    return rnn.to(device), nn.Linear(config.num_hiddens, 1).to(device), generator


def train(kind: str, config: Config, x_eval, y_eval, device) -> tuple[dict[str, list[float]], float]:
    """Train a clipped tanh RNN or GRU; return the per-step loss and gradient norm, and the held-out MSE."""
    rnn, head, generator = build(kind, config, device)
    params = [*rnn.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, lr=config.lr * (2 if config.quick else 1))
    log = {"loss": [], "grad_norm": []}
    for _ in range(config.num_steps // 2 if config.quick else config.num_steps):
        x, y = (t.to(device) for t in adding_problem(config.seq_len, config.batch_size, generator))
        loss = nn.functional.mse_loss(head(rnn(x)[0][-1]), y)
        optimizer.zero_grad()
        loss.backward()
        log["grad_norm"].append(nn.utils.clip_grad_norm_(params, config.max_norm).item())
        log["loss"].append(loss.item())
        optimizer.step()
    with torch.no_grad():
        mse = nn.functional.mse_loss(head(rnn(x_eval)[0][-1]), y_eval).item()
    return log, mse


def step_shares(rnn: nn.RNN, head: nn.Linear, x, y, max_norm: float) -> dict[str, list[float]]:
    """Return each time step's share of ||dL/dW_ih|| for a tanh RNN, before and after norm clipping."""
    # float64: the first step's share is many orders of magnitude below the last step's
    params = [p.detach().double().requires_grad_() for p in (*rnn.parameters(), *head.parameters())]
    w_ih, w_hh, b_ih, b_hh, w_out, b_out = params
    x, y = x.double(), y.double()
    # a zero added to W_ih at step t: its gradient is step t's share, and the shares sum to W_ih.grad
    shares = [torch.zeros_like(w_ih, requires_grad=True) for _ in range(len(x))]
    h = torch.zeros(x.shape[1], w_hh.shape[0], dtype=torch.float64, device=x.device)
    for x_t, share in zip(x, shares):  # x: (seq_len, batch, 2)
        h = torch.tanh(x_t @ (w_ih + share).T + b_ih + h @ w_hh.T + b_hh)
    nn.functional.mse_loss(h @ w_out.T + b_out, y).backward()
    before = [s.grad.norm().item() for s in shares]
    w_ih_before = w_ih.grad.norm().item()
    # clip_grad_norm_ = get_total_norm over the parameters, then clip_grads_with_norm_ with that norm;
    # passing the shares to the second half shows what clipping does to each of them
    total = nn.utils.get_total_norm([p.grad for p in params])
    nn.utils.clip_grads_with_norm_(params + shares, max_norm, total)
    after = [s.grad.norm().item() for s in shares]
    return {"unclipped": before, "clipped": after, "factor": [w_ih.grad.norm().item() / w_ih_before]}


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    # held-out data from its own generator, so it never overlaps the training stream
    eval_generator = torch.Generator().manual_seed(config.seed + 10_000)
    x_eval, y_eval = (t.to(device) for t in adding_problem(config.seq_len, config.eval_size, eval_generator))
    logs, mses = {}, {}
    for kind in ("rnn_tanh", "gru"):
        logs[kind], mses[kind] = train(kind, config, x_eval, y_eval, device)
    # measured at init, where the tanh RNN's gradient norm is several times max_norm, so clipping is active
    rnn, head, _ = build("rnn_tanh", config, device)
    batch = config.batch_size
    shares = step_shares(rnn, head, x_eval[:, :batch], y_eval[:batch], config.max_norm)
    active = {k: sum(n > config.max_norm for n in logs[k]["grad_norm"]) / len(logs[k]["loss"]) for k in logs}
    ratio = {k: shares[k][0] / shares[k][-1] for k in ("unclipped", "clipped")}
    metrics = {
        "trivial_mse": TRIVIAL_MSE,
        "rnn_tanh_final_mse": mses["rnn_tanh"],
        "gru_final_mse": mses["gru"],
        "rnn_tanh_clip_active_fraction": active["rnn_tanh"],
        "gru_clip_active_fraction": active["gru"],
        "rnn_tanh_clip_factor_at_init": shares["factor"][0],
        "rnn_tanh_grad_ratio_first_to_last_step_unclipped": ratio["unclipped"],
        "rnn_tanh_grad_ratio_first_to_last_step_clipped": ratio["clipped"],
    }
    # one-sided: "learns nothing" means no better than 80 % of the trivial MSE (ending above 1/6 is no better)
    held = mses["rnn_tanh"] >= 0.8 * TRIVIAL_MSE and mses["gru"] < 0.05
    held = held and shares["factor"][0] < 1 and abs(ratio["clipped"] / ratio["unclipped"] - 1) < 1e-9
    table = [
        {
            "model": name,
            "held_out_mse": mses[k],
            "mse_over_trivial": mses[k] / TRIVIAL_MSE,
            "clip_active_fraction": active[k],
        }
        for k, name in (("rnn_tanh", "tanh RNN"), ("gru", "GRU"))
    ]
    headline = (
        f"Both clipped at {config.max_norm}: tanh RNN held-out MSE {mses['rnn_tanh']:.3f} (trivial 1/6 = "
        f"{TRIVIAL_MSE:.3f}), GRU {mses['gru']:.4f}. At init clipping scaled the tanh RNN's gradient by "
        f"{shares['factor'][0]:.2f}; its first-to-last step gradient ratio stayed {ratio['clipped']:.1e}"
    )
    series = {
        "loss": {k: log["loss"] for k, log in logs.items()},
        "step_shares": shares,
        "trivial_mse": TRIVIAL_MSE,
        "gru_target": 0.05,
    }
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    loss_ax, share_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for kind, label in (("rnn_tanh", "tanh RNN, clipped"), ("gru", "GRU, clipped")):
        loss_ax.semilogy(result.series["loss"][kind], label=label, linewidth=1)
    loss_ax.axhline(result.series["trivial_mse"], color="grey", linestyle=":", label="predict the mean: 1/6")
    loss_ax.axhline(result.series["gru_target"], color="black", linestyle="--", linewidth=1, label="MSE 0.05")
    loss_ax.set(title="Adding problem (T = 50): training loss", xlabel="training step", ylabel="MSE (log)")
    shares = result.series["step_shares"]
    steps = range(1, len(shares["unclipped"]) + 1)
    share_ax.semilogy(steps, shares["unclipped"], label="before clipping")
    share_ax.semilogy(steps, shares["clipped"], "--", label=f"after clipping (x{shares['factor'][0]:.2f})")
    share_ax.set(
        title="tanh RNN at init: gradient by time step",
        xlabel=r"time step $t$ (loss at $t = T$)",
        ylabel=r"$\|\partial L/\partial W_{ih}\|$ from step $t$ (log)",
    )
    for ax in (loss_ax, share_ax):
        ax.legend(fontsize=9)
        ax.grid(True, which="major", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
