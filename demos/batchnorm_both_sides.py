"""Batch norm, both sides: BN rescues a deep plain CNN from vanishing gradients, yet BN itself makes the
gradients of a deep plain ReLU MLP grow going backward.

Claim: in the 30-layer plain CNN of demos.init_depth at PyTorch's default init, ||dL/dW_1|| / ||dL/dW_30||
rises from below 1e-6 without BN to above 1e-2 with BN; in a 50-layer plain ReLU MLP with BN (no skip
connections) ||dL/dW_1|| / ||dL/dW_50|| at initialisation is above 100, where a Kaiming MLP without BN
stays near 1 (Yang et al. 2019: batch norm itself causes gradient explosion in deep plain nets).

    python -m gradlab.demos.batchnorm_both_sides            # default run, ~1 s of compute
    python -m gradlab.demos.batchnorm_both_sides --quick    # smaller batches and CNN

With BN the CNN's first layers even get larger gradients than its last one (the ratio is ~10-100): the
same BN-driven growth, milder over 30 layers. BN normalises each layer over the batch, not over time
steps, so it does nothing for an RNN's explosion through W_hh; that side is argued in the text, not
measured here. Everything runs in float64.
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from . import init_depth
from ._harness import DemoResult, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "batchnorm_both_sides"
TITLE = {"en": "Batch norm, both sides: rescue and explosion", "zh": "批量规范化的两面：解决梯度消失，也会引起梯度爆炸"}
CLAIM = {
    "en": "BN lifts a 30-layer plain CNN's first-to-last gradient ratio from <1e-6 to >1e-2, but a 50-layer "
    "plain ReLU MLP with BN has first-layer gradients >100x its last layer's at init (BN-caused explosion).",
    "zh": "批量规范化让 30 层普通卷积网络首末层梯度比从 <1e-6 回升到 >1e-2（缓解梯度消失）；"
    "但没有残差连接的 50 层 ReLU 全连接网络加上 BN 后，"
    "初始化时第一层梯度是最后一层的 100 倍以上（BN 引起的梯度爆炸）。",
}

TAKEAWAY = {
    "en": "Batch norm rescues a deep plain CNN but makes a deep ReLU MLP's gradient explode",
    "zh": "批量规范化救活了深层普通 CNN，却让深层 ReLU MLP 的梯度爆炸",
}  # the plot's title
PLOT_ZH = {
    "30-layer plain CNN: BN rescues": "30 层普通 CNN：BN 救活",
    "50-layer plain ReLU MLP: BN explodes": "50 层普通 ReLU MLP：BN 引发爆炸",
    "no BN": "无 BN",
    "with BN": "有 BN",
    "PyTorch default init": "PyTorch 默认初始化",
    "Kaiming init": "Kaiming 初始化",
    "layer": "层",
    "(input side = 1)": "（输入端为 1）",
    "(log scale)": "（对数坐标）",
}  # the plot's English phrases -> Chinese, for plot.zh.png


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    num_layers: int = 50  # hidden Linear layers of the MLP (the CNN's sizes come from demos.init_depth)
    num_hiddens: int = 256  # MLP width (and input size)
    batch_size: int = 128  # MLP inputs x ~ N(0, 1) with random labels out of 10 (32 with --quick)


def mlp(batch_norm: bool, config: Config) -> nn.Sequential:
    """Build Linear [+ BN] + ReLU layers, 10-way head; default init with BN, Kaiming without."""
    layers = []
    for _ in range(config.num_layers):
        linear = nn.Linear(config.num_hiddens, config.num_hiddens, bias=not batch_norm)  # BN cancels a bias
        if not batch_norm:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            nn.init.zeros_(linear.bias)
        norm = [nn.BatchNorm1d(config.num_hiddens)] if batch_norm else []
        layers += [linear, *norm, nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(config.num_hiddens, 10)).double()


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    cnn_config = init_depth.Config(seed=config.seed, quick=config.quick)
    norms = {}
    for batch_norm in (False, True):
        generator = seed_everything(config.seed)
        model = init_depth.plain_cnn(cnn_config, batch_norm=batch_norm).double().to(device)
        x, y = init_depth.cnn_batch(cnn_config, generator)
        name = "cnn_bn" if batch_norm else "cnn_no_bn"
        norms[name] = init_depth.weight_grad_norms(model, x.to(device), y.to(device))
    batch = 32 if config.quick else config.batch_size
    for batch_norm in (False, True):
        generator = seed_everything(config.seed)
        x = torch.randn(batch, config.num_hiddens, generator=generator, dtype=torch.float64).to(device)
        y = torch.randint(0, 10, (batch,), generator=generator).to(device)
        norms["mlp_bn" if batch_norm else "mlp_kaiming_no_bn"] = init_depth.weight_grad_norms(
            mlp(batch_norm, config).to(device), x, y
        )
    ratios = {name: g[0] / g[-1] for name, g in norms.items()}
    metrics = {
        "cnn30_grad_ratio_no_bn": ratios["cnn_no_bn"],
        "cnn30_grad_ratio_bn": ratios["cnn_bn"],
        "mlp50_grad_ratio_bn": ratios["mlp_bn"],
        "mlp50_grad_ratio_kaiming_no_bn": ratios["mlp_kaiming_no_bn"],
        "mlp50_bn_growth_per_layer": ratios["mlp_bn"] ** (1 / (config.num_layers - 1)),
    }
    table = [
        {"net": name, "layers": len(g), "grad_first": g[0], "grad_last": g[-1], "ratio_first_to_last": ratios[name]}
        for name, g in norms.items()
    ]
    held = (
        metrics["cnn30_grad_ratio_no_bn"] < 1e-6
        and metrics["cnn30_grad_ratio_bn"] > 1e-2
        and metrics["mlp50_grad_ratio_bn"] > 100
    )
    headline = (
        f"First-to-last gradient ratio: 30-layer CNN {metrics['cnn30_grad_ratio_no_bn']:.1e} without BN, "
        f"{metrics['cnn30_grad_ratio_bn']:.1f} with BN; 50-layer ReLU MLP with BN "
        f"{metrics['mlp50_grad_ratio_bn']:.1e} "
        f"(x{metrics['mlp50_bn_growth_per_layer']:.2f} per layer going backward), Kaiming without BN "
        f"{metrics['mlp50_grad_ratio_kaiming_no_bn']:.2f}"
    )
    series = {name: [v / g[-1] for v in g] for name, g in norms.items()}
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    labels = {
        "cnn_no_bn": "no BN (PyTorch default init)",
        "cnn_bn": "with BN (PyTorch default init)",
        "mlp_kaiming_no_bn": "no BN (Kaiming init)",
        "mlp_bn": "with BN (PyTorch default init)",
    }
    panels = [
        ("30-layer plain CNN: BN rescues", ("cnn_no_bn", "cnn_bn")),
        ("50-layer plain ReLU MLP: BN explodes", ("mlp_kaiming_no_bn", "mlp_bn")),
    ]
    for i, (title, names) in enumerate(panels, start=1):
        ax = fig.add_subplot(1, 2, i)
        for name in names:
            norms = result.series[name]
            ax.semilogy(range(1, len(norms) + 1), norms, marker=".", markersize=3, label=labels[name])
        ax.axhline(1, color="grey", linestyle=":", linewidth=1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(r"layer $l$ (input side = 1)")
        ax.set_ylabel(r"$\|\partial L/\partial W_l\| \,/\, \|\partial L/\partial W_{\mathrm{last}}\|$ (log scale)")
        ax.legend(fontsize=9)
        ax.grid(True, which="major", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
