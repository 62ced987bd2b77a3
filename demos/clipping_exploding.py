"""Clipping tames exploding gradients: a ReLU RNN with W_hh = 1.1·I blows up at once without clipping and
trains with clip-by-norm.

Claim: on the adding problem (T = 50) with SGD + momentum, the unclipped run's gradient norm passes 1e4 and
its loss turns NaN/inf within a few steps (both, as the check requires); the same run with
torch.nn.utils.clip_grad_norm_(max_norm=1.0) reaches the last step with a finite loss lower than its initial loss.

    python -m gradlab.demos.clipping_exploding            # default run, 300 steps
    python -m gradlab.demos.clipping_exploding --quick    # 100 steps
    python -m gradlab.demos.clipping_exploding --max-norm 100   # a loose threshold no longer saves the run
"""

from __future__ import annotations

import copy
import dataclasses
import math
import sys

import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "clipping_exploding"
TITLE = {"en": "Gradient clipping tames exploding gradients", "zh": "梯度裁剪抑制梯度爆炸"}
CLAIM = {
    "en": "Without clipping, a ReLU RNN with W_hh = 1.1·I has gradient norms above 1e4 and a NaN/inf loss "
    "within a few steps; clipping the gradient norm to 1.0 lets the same run train to the end with a "
    "finite, falling loss.",
    "zh": "不做梯度裁剪时，W_hh = 1.1·I 的 ReLU 循环神经网络在几步之内梯度范数超过 1e4、loss 变成 NaN/inf"
    "（梯度爆炸）；把梯度范数裁剪到 1.0 后，同样的训练能跑完，loss 有限且下降。",
}

TAKEAWAY = {
    "en": "Without clipping the loss is NaN within steps; clipping the norm lets the run train",
    "zh": "不裁剪时几步之内损失就变成 NaN；裁剪梯度范数后训练能正常进行",
}  # the plot's title
PLOT_ZH = {
    "clipped, max_norm": "裁剪，max_norm",
    "no clipping: NaN/inf": "不裁剪：NaN/inf",
    "no clipping": "不裁剪",
    "predict the mean: 1/6": "预测均值：1/6",
    "clipping threshold": "裁剪阈值",
    "Training loss": "训练损失",
    "training step": "训练步数",
    "(log scale)": "（对数坐标）",
    "Gradient norm before clipping": "裁剪前的梯度范数",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "max_norm",
        {"en": "clipping threshold (max norm)", "zh": "裁剪阈值（最大范数）"},
        "float",
        1.0,
        min=0.01,
        max=1000.0,
        log=True,
        hint={"en": "too loose and the clipped run blows up too", "zh": "阈值太大时，裁剪后的训练也会爆炸"},
    ),
    Param(
        "recurrent_gain",
        {"en": "recurrent gain g (W_hh = g·I)", "zh": "循环增益 g（W_hh = g·I）"},
        "float",
        1.1,
        min=0.8,
        max=1.3,
        hint={"en": "below 1 the unclipped run no longer explodes", "zh": "g 小于 1 时，不裁剪也不会梯度爆炸"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    seq_len: int = 50  # adding-problem length T
    num_hiddens: int = 32  # ReLU RNN hidden units
    recurrent_gain: float = 1.1  # W_hh = gain · I: each step scales active units' state and gradient by 1.1
    lr: float = 0.01  # SGD learning rate
    momentum: float = 0.9  # SGD momentum
    batch_size: int = 32  # sequences per step
    num_steps: int = 300  # training steps (100 with --quick)
    max_norm: float = 1.0  # clip_grad_norm_ threshold for the clipped run
    eval_size: int = 256  # held-out sequences for the initial / final loss


TRIVIAL_MSE = 1 / 6  # Var(U1 + U2) for two U(0, 1) values: the MSE of always predicting their mean, 1


def adding_problem(seq_len: int, batch: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Return inputs (seq_len, batch, 2) of [value, marker] and targets (batch, 1): the marked values' sum."""
    values = torch.rand(seq_len, batch, generator=generator)
    markers = torch.zeros(seq_len, batch)
    rows = torch.arange(batch)
    markers[torch.randint(0, seq_len // 2, (batch,), generator=generator), rows] = 1.0  # one in each half
    markers[torch.randint(seq_len // 2, seq_len, (batch,), generator=generator), rows] = 1.0
    return torch.stack([values, markers], dim=-1), (values * markers).sum(0).unsqueeze(-1)


def train(clip: bool, config: Config, steps: int, device: torch.device) -> dict[str, list[float]]:
    """Train one ReLU RNN; log per-step loss and pre-clipping gradient norm until the loss is non-finite."""
    generator = seed_everything(config.seed)  # both runs see the same init and the same batches
    rnn = nn.RNN(2, config.num_hiddens, nonlinearity="relu").to(device)
    head = nn.Linear(config.num_hiddens, 1).to(device)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(config.recurrent_gain * torch.eye(config.num_hiddens))
    params = [*rnn.parameters(), *head.parameters()]
    optimizer = torch.optim.SGD(params, lr=config.lr, momentum=config.momentum)
    x_eval, y_eval = (t.to(device) for t in adding_problem(config.seq_len, config.eval_size, generator))

    def eval_loss() -> float:
        with torch.no_grad():
            return nn.functional.mse_loss(head(rnn(x_eval)[0][-1]), y_eval).item()

    log = {"loss": [], "grad_norm": [], "eval_loss": [eval_loss()]}
    last_good = (copy.deepcopy(rnn.state_dict()), copy.deepcopy(head.state_dict()))
    for _ in range(steps):
        x, y = (t.to(device) for t in adding_problem(config.seq_len, config.batch_size, generator))
        loss = nn.functional.mse_loss(head(rnn(x)[0][-1]), y)
        optimizer.zero_grad()
        loss.backward()
        # max_norm=inf measures the same total norm without scaling anything
        norm = nn.utils.clip_grad_norm_(params, config.max_norm if clip else math.inf).item()
        if not (math.isfinite(loss.item()) and math.isfinite(norm)):
            # NaN/inf: the run is dead; go back to the last weights with a finite loss, keep finite values only
            rnn.load_state_dict(last_good[0])
            head.load_state_dict(last_good[1])
            break
        log["loss"].append(loss.item())
        log["grad_norm"].append(norm)
        last_good = (copy.deepcopy(rnn.state_dict()), copy.deepcopy(head.state_dict()))
        optimizer.step()
    log["eval_loss"].append(eval_loss())
    return log


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    steps = 100 if config.quick else config.num_steps
    runs = {"unclipped": train(False, config, steps, device), "clipped": train(True, config, steps, device)}
    unclipped, clipped = runs["unclipped"], runs["clipped"]
    metrics = {
        # the unclipped run stops at its first non-finite loss, so its length is that step's index
        "unclipped_nonfinite_step": float(len(unclipped["loss"])),
        "unclipped_max_grad_norm": max(unclipped["grad_norm"], default=math.nan),
        "clipped_steps_completed": float(len(clipped["loss"])),
        "clipped_max_grad_norm": max(clipped["grad_norm"], default=math.nan),
        "clipped_clip_active_fraction": sum(n > config.max_norm for n in clipped["grad_norm"]) / steps,
        "clipped_initial_loss": clipped["eval_loss"][0],
        "clipped_final_loss": clipped["eval_loss"][-1],
    }
    blew_up = metrics["unclipped_nonfinite_step"] < steps and metrics["unclipped_max_grad_norm"] > 1e4
    clipped_ok = (
        metrics["clipped_steps_completed"] == steps
        and math.isfinite(metrics["clipped_final_loss"])
        and metrics["clipped_final_loss"] < metrics["clipped_initial_loss"]
    )
    table = [
        {
            "run": name,
            "steps_finite": len(log["loss"]),
            "max_grad_norm": max(log["grad_norm"], default=math.nan),
            "first_loss": log["loss"][0] if log["loss"] else math.nan,
            "last_finite_loss": log["loss"][-1] if log["loss"] else math.nan,
        }
        for name, log in runs.items()
    ]
    headline = (
        f"Unclipped: gradient norm up to {metrics['unclipped_max_grad_norm']:.1e}, loss non-finite at step "
        f"{metrics['unclipped_nonfinite_step']:.0f}; clipped (max_norm {config.max_norm}, active on "
        f"{metrics['clipped_clip_active_fraction']:.0%} of steps): held-out MSE "
        f"{metrics['clipped_initial_loss']:.3g} -> {metrics['clipped_final_loss']:.3g} after {steps} steps"
    )
    series = {name: {"loss": log["loss"], "grad_norm": log["grad_norm"]} for name, log in runs.items()}
    series.update(max_norm=config.max_norm, trivial_mse=TRIVIAL_MSE)
    return DemoResult(metrics, table, blew_up and clipped_ok, headline, series)


def plot(result: DemoResult, fig) -> None:
    loss_ax, norm_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    # unclipped is drawn last so its one or two finite points stay visible on top
    clip_label = f"clipped, max_norm {result.series['max_norm']:g}"
    styles = {"clipped": ("tab:blue", 3, clip_label), "unclipped": ("tab:red", 8, "no clipping")}
    for name, (color, size, label) in styles.items():
        for ax, key in ((loss_ax, "loss"), (norm_ax, "grad_norm")):
            ax.semilogy(result.series[name][key], color=color, label=label, marker=".", markersize=size)
    nonfinite_step = len(result.series["unclipped"]["loss"])
    for ax in (loss_ax, norm_ax):
        ax.axvline(nonfinite_step, color="tab:red", linestyle="--", linewidth=1, label="no clipping: NaN/inf")
    loss_ax.axhline(result.series["trivial_mse"], color="grey", linestyle=":", label="predict the mean: 1/6")
    norm_ax.axhline(result.series["max_norm"], color="grey", linestyle=":", label="clipping threshold")
    loss_ax.set(title="Training loss", xlabel="training step", ylabel="MSE (log scale)")
    norm_ax.axhline(1e4, color="black", linestyle="--", linewidth=0.8, label=r"$10^4$")
    norm_ax.set(title="Gradient norm before clipping", xlabel="training step", ylabel=r"$\|g\|$ (log scale)")
    for ax in (loss_ax, norm_ax):
        ax.legend(fontsize=9)
        ax.grid(True, which="major", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
