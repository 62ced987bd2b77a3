"""Saturation: sigmoid's derivative is at most 0.25, so every sigmoid layer shrinks the gradient; tanh
(derivative up to 1) and ReLU with Kaiming init keep it.

Claim: in a 10-layer MLP (width 256, Xavier init for sigmoid and tanh, Kaiming for ReLU), the gradient
ratio ||dL/dW_1|| / ||dL/dW_10|| is below 1e-4 with sigmoid but above 1e-2 with tanh and with ReLU.

    python -m gradlab.demos.saturation            # default run, well under 1 s of compute
    python -m gradlab.demos.saturation --quick    # smaller batch

The sigmoid units here are not even saturated (mean sigma' ~0.23, near its maximum): the 0.25 bound alone
makes the gradient vanish; saturated units (|z| large, sigma' -> 0) make it worse. Layers have no bias and
run in float64; the loss is cross-entropy of a linear head on random labels.
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main
from .init_depth import weight_grad_norms

NAME = "saturation"
TITLE = {"en": "Saturating activations: sigmoid vs tanh vs ReLU", "zh": "激活函数饱和：sigmoid、tanh 与 ReLU"}
CLAIM = {
    "en": "Sigmoid's derivative is at most 0.25, so a 10-layer sigmoid MLP's first-layer gradient is <1e-4 "
    "of its last layer's; with tanh or ReLU + Kaiming the ratio stays above 1e-2.",
    "zh": "sigmoid 的导数最大只有 0.25，10 层 sigmoid 全连接网络第一层的梯度不到最后一层的 1e-4"
    "（梯度消失）；换成 tanh 或 ReLU + Kaiming 初始化，这个比值保持在 1e-2 以上。",
}
ACTIVATIONS = {  # activation, weight init
    "sigmoid": (nn.Sigmoid, nn.init.xavier_normal_),
    "tanh": (nn.Tanh, nn.init.xavier_normal_),
    "relu_kaiming": (nn.ReLU, lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
}


TAKEAWAY = {
    "en": "Sigmoid shrinks the gradient by a constant factor per layer; tanh and ReLU keep it",
    "zh": "sigmoid 每层把梯度缩小同一个因子；tanh 和 ReLU 能保住梯度",
}  # the plot's title
PLOT_ZH = {
    "Activations and their derivatives": "激活函数及其导数",
    "pre-activation": "激活前的值",
    "value": "值",
    "-layer MLP, gradient per layer": " 层 MLP，各层梯度",
    "layer": "层",
    "(log scale)": "（对数坐标）",
    "max": "最大",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "num_layers",
        {"en": "hidden layers", "zh": "隐藏层数"},
        "int",
        10,
        min=2,
        max=40,
        hint={
            "en": "sigmoid shrinks the gradient by a constant factor per layer",
            "zh": "sigmoid 每层把梯度缩小同一个因子",
        },
    ),
    Param(
        "num_hiddens",
        {"en": "width", "zh": "每层宽度"},
        "int",
        256,
        min=16,
        max=512,
        log=True,
        hint={"en": "width barely changes the per-layer factor", "zh": "宽度几乎不改变每层的缩小因子"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    num_layers: int = 10  # hidden layers, each Linear + activation
    num_hiddens: int = 256  # width of every layer (and input size)
    batch_size: int = 128  # inputs x ~ N(0, 1) with random labels out of 10 (32 with --quick)


def mlp(kind: str, config: Config) -> nn.Sequential:
    """Build num_layers bias-free Linear + activation layers and a 10-way linear head."""
    activation, init = ACTIVATIONS[kind]
    layers = []
    for _ in range(config.num_layers):
        linear = nn.Linear(config.num_hiddens, config.num_hiddens, bias=False)
        init(linear.weight)
        layers += [linear, activation()]
    return nn.Sequential(*layers, nn.Linear(config.num_hiddens, 10)).double()


def mean_sigmoid_derivative(model: nn.Sequential, x: torch.Tensor) -> float:
    """Return the mean of sigma'(z) = s(1 - s) over all units of all sigmoid layers."""
    derivatives, h = [], x
    with torch.no_grad():
        for module in model:
            h = module(h)
            if isinstance(module, nn.Sigmoid):
                derivatives.append((h * (1 - h)).mean())
    return torch.stack(derivatives).mean().item()


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    batch = 32 if config.quick else config.batch_size
    norms, metrics = {}, {}
    for kind in ACTIVATIONS:
        generator = seed_everything(config.seed)
        x = torch.randn(batch, config.num_hiddens, generator=generator, dtype=torch.float64).to(device)
        y = torch.randint(0, 10, (batch,), generator=generator).to(device)
        model = mlp(kind, config).to(device)
        grads = weight_grad_norms(model, x, y)
        norms[kind] = [g / grads[-1] for g in grads]
        metrics[f"grad_ratio_first_to_last_{kind}"] = norms[kind][0]
        if kind == "sigmoid":
            metrics["sigmoid_mean_derivative"] = mean_sigmoid_derivative(model, x)
    ratio = {kind: metrics[f"grad_ratio_first_to_last_{kind}"] for kind in ACTIVATIONS}
    metrics["sigmoid_shrink_per_layer"] = ratio["sigmoid"] ** (1 / (config.num_layers - 1))
    table = [
        {
            "activation": kind,
            "grad_ratio_first_to_last": ratio[kind],
            "per_layer_factor": ratio[kind] ** (1 / (config.num_layers - 1)),
        }
        for kind in ACTIVATIONS
    ]
    held = ratio["sigmoid"] < 1e-4 and ratio["tanh"] > 1e-2 and ratio["relu_kaiming"] > 1e-2
    headline = (
        f"||dL/dW_1|| / ||dL/dW_{config.num_layers}||: sigmoid {ratio['sigmoid']:.1e} "
        f"(x{metrics['sigmoid_shrink_per_layer']:.2f} per layer, "
        f"mean sigma' {metrics['sigmoid_mean_derivative']:.2f}), "
        f"tanh {ratio['tanh']:.2f}, ReLU + Kaiming {ratio['relu_kaiming']:.2f}"
    )
    z = torch.linspace(-6, 6, 121, dtype=torch.float64)
    s = torch.sigmoid(z)
    curves = {
        "z": z.tolist(),
        "sigmoid": s.tolist(),
        "sigmoid_derivative": (s * (1 - s)).tolist(),
        "tanh_derivative": (1 - torch.tanh(z) ** 2).tolist(),
    }
    return DemoResult(
        metrics=metrics, table=table, claim_held=held, headline=headline, series={"grad_norm": norms, "curves": curves}
    )


def plot(result: DemoResult, fig) -> None:
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    curves = result.series["curves"]
    left.plot(curves["z"], curves["sigmoid"], label="sigmoid σ(z)")
    left.plot(curves["z"], curves["sigmoid_derivative"], label="σ′(z), max 0.25")
    left.plot(curves["z"], curves["tanh_derivative"], label="tanh′(z), max 1")
    left.set_title("Activations and their derivatives")
    left.set_xlabel("pre-activation z")
    left.set_ylabel("value")
    left.axhline(0.25, color="grey", linestyle=":", linewidth=0.8)
    left.legend(fontsize=9)
    labels = {"sigmoid": "sigmoid (Xavier)", "tanh": "tanh (Xavier)", "relu_kaiming": "ReLU (Kaiming)"}
    for kind, norms in result.series["grad_norm"].items():
        right.semilogy(range(1, len(norms) + 1), norms, marker=".", label=labels[kind])
    right.axhline(1.0, color="grey", linestyle="--", linewidth=0.8)
    first = result.series["grad_norm"]["sigmoid"][0]
    right.annotate(f"{first:.1e}", (1, first), xytext=(6, 0), textcoords="offset points", fontsize=8)
    right.set_title(f"{len(result.series['grad_norm']['sigmoid'])}-layer MLP, gradient per layer")
    right.set_xlabel(r"layer $l$")
    right.set_ylabel(r"$\|\partial L/\partial W_l\| \,/\, \|\partial L/\partial W_{\mathrm{last}}\|$ (log scale)")
    right.legend(fontsize=9)
    for ax in (left, right):
        ax.grid(True, which="major", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
