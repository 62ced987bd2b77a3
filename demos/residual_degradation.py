"""Degradation and residuals: a deeper plain network trains *worse* than a shallow one, and residual
connections remove the gap.

Claim: with the same 100 Adam steps on a fixed random teacher, a 30-layer plain BN+ReLU MLP ends with a
training MSE higher than a 3-layer one's (higher *training* error, so not overfitting; 0.24-0.48 vs
0.030-0.055 over seeds 0-19, about 9x on seed 0; the ordering, not the factor, is what every seed shows), while the
30-layer pre-activation residual net (x + W·ReLU(BN(x))) ends below the 3-layer net. At initialisation the
30-layer plain net's first layer gets a *larger* gradient than its last one (BN makes it grow, see
demos.batchnorm_both_sides): the gap is not vanishing gradients, as He et al. 2016 argue.

    python -m gradlab.demos.residual_degradation            # default run, 100 steps, a few seconds of compute
    python -m gradlab.demos.residual_degradation --quick    # 40 steps

Given many more steps the plain net's loss keeps falling; the demo compares equal training budgets, a
small-scale version of the curves in He et al. 2016 (Fig. 1).
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "residual_degradation"
TITLE = {"en": "Degradation: deep plain nets vs residual nets", "zh": "退化问题：深层普通网络与残差网络"}
CLAIM = {
    "en": "With the same training budget a 30-layer plain BN+ReLU MLP has a higher training error than a "
    "3-layer one (degradation); with residual connections the 30-layer net trains best.",
    "zh": "相同训练步数下，30 层普通 BN+ReLU 全连接网络的训练误差反而比 3 层网络高（退化问题）；"
    "加上残差连接后，30 层网络训练得最好。",
}
NETS = {"plain_3": (3, False), "plain_30": (30, False), "residual_30": (30, True)}

TAKEAWAY = {
    "en": "Degradation: 30 plain layers train worse than 3; residual connections fix it",
    "zh": "退化问题：30 层普通网络训练得比 3 层差；残差连接解决了它",
}  # the plot's title
PLOT_ZH = {
    "plain, 3 layers": "普通，3 层",
    "plain, 30 layers": "普通，30 层",
    "residual (pre-activation), 30 layers": "残差（预激活），30 层",
    "Adam step": "Adam 步数",
    "training MSE (log scale; predicting the mean = 1)": "训练 MSE（对数坐标；预测均值 = 1）",
    "BN+ReLU MLPs fitting a fixed random teacher": "拟合固定随机教师网络的 BN+ReLU MLP",
}  # the plot's English phrases -> Chinese, for plot.zh.png


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    num_inputs: int = 16  # input features of the teacher and the students
    num_hiddens: int = 32  # width of every student layer
    num_examples: int = 1024  # fixed training set, used as one full batch
    num_steps: int = 100  # Adam steps for every student (40 with --quick)
    lr: float = 1e-3  # Adam learning rate


class Block(nn.Module):
    """Pre-activation block BN -> ReLU -> Linear, with or without the identity skip."""

    def __init__(self, num_hiddens: int, residual: bool):
        super().__init__()
        self.residual = residual
        self.body = nn.Sequential(nn.BatchNorm1d(num_hiddens), nn.ReLU(), nn.Linear(num_hiddens, num_hiddens))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x) if self.residual else self.body(x)


def student(num_layers: int, residual: bool, config: Config) -> nn.Sequential:
    """Build a net with num_layers Linear layers: a stem, num_layers - 2 blocks and a head."""
    h = config.num_hiddens
    blocks = [Block(h, residual) for _ in range(num_layers - 2)]
    head = [nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, 1)]
    return nn.Sequential(nn.Linear(config.num_inputs, h), *blocks, *head)


def train(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, config: Config) -> tuple[list, float]:
    """Train with full-batch Adam; return the loss per step and the first/last gradient ratio at init."""
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, foreach=True)  # fewer small ops
    hidden = [m for m in model.modules() if isinstance(m, nn.Linear)][:-1]
    losses, ratio = [], 0.0
    for step in range(40 if config.quick else config.num_steps):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        if step == 0:
            ratio = (hidden[0].weight.grad.norm() / hidden[-1].weight.grad.norm()).item()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        losses.append(nn.functional.mse_loss(model(x), y).item())  # training error after the last step
    return losses, ratio


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    teacher = nn.Sequential(nn.Linear(config.num_inputs, 64), nn.Tanh(), nn.Linear(64, 1))
    x = torch.randn(config.num_examples, config.num_inputs, generator=generator)
    with torch.no_grad():
        y = teacher(x)
        y = (y - y.mean()) / y.std()  # predicting the mean scores MSE 1
    x, y = x.to(device), y.to(device)
    curves, table, metrics = {}, [], {}
    for name, (num_layers, residual) in NETS.items():
        seed_everything(config.seed + 1)
        curves[name], ratio = train(student(num_layers, residual, config).to(device), x, y, config)
        metrics[f"train_mse_{name}"] = curves[name][-1]
        metrics[f"grad_ratio_at_init_{name}"] = ratio
        table.append(
            {
                "net": name,
                "layers": num_layers,
                "train_mse_final": curves[name][-1],
                "grad_ratio_first_to_last_at_init": ratio,
            }
        )
    m = metrics
    held = m["train_mse_plain_30"] > m["train_mse_plain_3"] > m["train_mse_residual_30"]
    headline = (
        f"Training MSE after {len(curves['plain_3']) - 1} Adam steps: "
        f"3-layer plain {m['train_mse_plain_3']:.4f}, "
        f"30-layer plain {m['train_mse_plain_30']:.4f}, 30-layer residual {m['train_mse_residual_30']:.4f}; "
        f"30-layer plain gradient ratio first/last layer at init {m['grad_ratio_at_init_plain_30']:.2f}"
    )
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=curves)


def plot(result: DemoResult, fig) -> None:
    ax = fig.add_subplot(1, 1, 1)
    labels = {
        "plain_3": "plain, 3 layers",
        "plain_30": "plain, 30 layers",
        "residual_30": "residual (pre-activation), 30 layers",
    }
    for name, losses in result.series.items():
        ax.semilogy(range(len(losses)), losses, label=labels[name])
    ax.set_xlabel("Adam step")
    ax.set_ylabel("training MSE (log scale; predicting the mean = 1)")
    ax.set_title("BN+ReLU MLPs fitting a fixed random teacher")
    for name in ("plain_3", "plain_30"):  # the two values the claim orders
        final = result.series[name][-1]
        ax.annotate(f"{final:.3f}", (len(result.series[name]) - 1, final), xytext=(4, 0), textcoords="offset points")
    ax.legend(fontsize=9)
    ax.grid(True, which="major", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
