"""Initialisation over depth: with ReLU, Kaiming init keeps the signal alive through 50 layers; PyTorch's
default init lets it vanish, and a deep plain CNN at default init has vanishing (not exploding) gradients.

Claim: in a 50-layer ReLU MLP (width 256) the activation std at layer 50 stays of order 1 with Kaiming init
(0.26-1.5 over seeds 0-19; the check is [0.1, 10]) but falls below 1e-6 with PyTorch's default init (Var =
1/(3·fan_in)); in a 30-layer plain CNN at PyTorch's default init, ||dL/dW_1|| / ||dL/dW_30|| is below 1e-6.

    python -m gradlab.demos.init_depth            # default run, ~1 s of compute
    python -m gradlab.demos.init_depth --quick    # smaller batch and CNN
    python -m gradlab.demos.init_depth --depth 200 --init xavier   # one more MLP, drawn over the others

The MLP layers have no bias, so only the weight init is compared; the extra row with PyTorch's default
bias shows that the bias keeps the std near 0.02 while the part that depends on the input still vanishes.
Each run draws one random net: at width 256 the Kaiming std at layer 50 varies by about x2 from seed to
seed (finite width; Kaiming keeps E[h^2] = 1 in expectation, i.e. std ~0.83). Everything runs in float64:
the vanishing values underflow float32, and N(0, 1) weights (x11 per layer) pass float32's maximum 3.4e38
before layer 40.
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "init_depth"
TITLE = {"en": "Initialisation over depth: activations and gradients", "zh": "权重初始化与网络深度：激活值和梯度"}
CLAIM = {
    "en": "With ReLU, Kaiming init keeps the activation std of order 1 at layer 50 (0.26-1.5 over seeds) while "
    "PyTorch's default init lets it vanish (<1e-6); a 30-layer plain CNN at default init has vanishing gradients, "
    "not exploding.",
    "zh": "使用 ReLU 时，Kaiming 初始化让第 50 层的激活标准差保持在 1 的量级（不同随机种子下为 0.26–1.5），"
    "PyTorch 默认初始化则让它消失"
    "（<1e-6）；默认初始化的 30 层普通卷积网络出现的是梯度消失，而不是梯度爆炸。",
}
INITS = {
    "normal_001": lambda w: nn.init.normal_(w, 0.0, 0.01),
    "normal_1": lambda w: nn.init.normal_(w, 0.0, 1.0),
    "xavier": nn.init.xavier_normal_,
    "pytorch_default": None,  # keep what nn.Linear / nn.Conv2d draw: U(±1/√fan_in), i.e. Var = 1/(3·fan_in)
    "kaiming": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}

LABELS = {"normal_001": "N(0, 0.01²)", "normal_1": "N(0, 1)"}
FIGSIZE = (10, 5)  # a wide legend
TAKEAWAY = {
    "en": "With ReLU only Kaiming init keeps the signal alive through 50 layers",
    "zh": "使用 ReLU 时，只有 Kaiming 初始化能让信号穿过 50 层",
}  # the plot's title
PLOT_ZH = {
    "50-layer ReLU MLP, forward": "50 层 ReLU MLP，前向",
    "30-layer plain CNN, backward": "30 层普通 CNN，反向",
    "activation std at layer": "激活标准差，第",
    "(log scale)": "（对数坐标）",
    "conv layer": "卷积层",
    "layer": "层",
    "pytorch default with bias": "PyTorch 默认（含偏置）",
    "pytorch default": "PyTorch 默认",
    "chosen: ": "所选：",
    " layers": " 层",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "depth",
        {"en": "depth of the chosen MLP", "zh": "所选 MLP 的层数"},
        "int",
        50,
        min=2,
        max=200,
        log=True,
        hint={
            "en": "the std moves by a constant factor per layer: watch the slope",
            "zh": "每层乘以同一个因子：看斜率",
        },
    ),
    Param(
        "init",
        {"en": "init of the chosen MLP", "zh": "所选 MLP 的初始化"},
        "choice",
        "kaiming",
        choices=tuple(INITS),
        hint={
            "en": "only Kaiming keeps the std near 1 at any depth",
            "zh": "只有 Kaiming 在任意深度下让标准差保持在 1 附近",
        },
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    num_layers: int = 50  # ReLU layers in the MLP
    num_hiddens: int = 256  # MLP width (and input size)
    batch_size: int = 128  # MLP inputs, x ~ N(0, 1) (64 with --quick)
    cnn_layers: int = 30  # 3x3 conv + ReLU layers in the plain CNN
    cnn_channels: int = 16  # channels of every conv layer (8 with --quick)
    image_size: int = 16  # synthetic images are 3 x image_size x image_size (8 with --quick)
    cnn_batch_size: int = 16  # images with random labels out of 10 classes (8 with --quick)
    depth: int = 50  # layers of the chosen MLP, drawn over the 50-layer references
    init: str = "kaiming"  # init of the chosen MLP (a key of INITS)


def activation_stds(
    init: str, x: torch.Tensor, config: Config, bias: bool = False, num_layers: int | None = None
) -> tuple[list, float]:
    """Push x through the ReLU MLP; return the activation std per layer and the last layer's input spread."""
    h, stds = x, []
    for _ in range(num_layers or config.num_layers):
        layer = nn.Linear(config.num_hiddens, config.num_hiddens, bias=bias, dtype=x.dtype, device=x.device)
        if INITS[init] is not None:
            INITS[init](layer.weight)
        h = torch.relu(layer(h))
        stds.append(h.std().item())
    return stds, h.std(dim=0).mean().item()  # std over the batch: how much layer 50 depends on the input


def plain_cnn(config: Config, init: str = "pytorch_default", batch_norm: bool = False) -> nn.Sequential:
    """Build conv(3x3) [+ BN] + ReLU layers, global average pool and a 10-way linear head."""
    channels = 8 if config.quick else config.cnn_channels
    layers, in_channels = [], 3
    for _ in range(config.cnn_layers):
        conv = nn.Conv2d(in_channels, channels, 3, padding=1)
        if INITS[init] is not None:
            INITS[init](conv.weight)
            nn.init.zeros_(conv.bias)
        layers += [conv, nn.BatchNorm2d(channels), nn.ReLU()] if batch_norm else [conv, nn.ReLU()]
        in_channels = channels
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10))


def weight_grad_norms(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """Return ||dL/dW|| of every hidden conv/linear layer (head excluded) under a cross-entropy loss."""
    nn.functional.cross_entropy(model(x), y).backward()
    weighted = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))][:-1]
    return [m.weight.grad.norm().item() for m in weighted]


def cnn_batch(config: Config, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Return random images (float64) and random labels for the CNN."""
    size, batch = (8, 8) if config.quick else (config.image_size, config.cnn_batch_size)
    x = torch.randn(batch, 3, size, size, generator=generator, dtype=torch.float64)
    return x, torch.randint(0, 10, (batch,), generator=generator)


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    batch = 64 if config.quick else config.batch_size
    stds, table, metrics = {}, [], {}
    for init in [*INITS, "pytorch_default_with_bias"]:
        generator = seed_everything(config.seed)
        x = torch.randn(batch, config.num_hiddens, generator=generator, dtype=torch.float64).to(device)
        with_bias = init == "pytorch_default_with_bias"
        stds[init], spread = activation_stds("pytorch_default" if with_bias else init, x, config, with_bias)
        metrics[f"act_std_layer50_{init}"] = stds[init][-1]
        table.append(
            {
                "init": init,
                "std_layer1": stds[init][0],
                "std_layer10": stds[init][9],
                "std_layer50": stds[init][-1],
                "input_spread_layer50": spread,
            }
        )
    metrics["input_spread_layer50_pytorch_default_with_bias"] = spread
    generator = seed_everything(config.seed)
    x = torch.randn(batch, config.num_hiddens, generator=generator, dtype=torch.float64).to(device)
    chosen, _ = activation_stds(config.init, x, config, num_layers=config.depth)
    metrics["chosen_act_std_last"] = chosen[-1]
    grads = {}
    for init in ("pytorch_default", "kaiming"):
        generator = seed_everything(config.seed)
        model = plain_cnn(config, init).double().to(device)
        x, y = cnn_batch(config, generator)
        grads[init] = weight_grad_norms(model, x.to(device), y.to(device))
        metrics[f"cnn30_grad_ratio_{init}"] = grads[init][0] / grads[init][-1]
    m = metrics
    held = (
        0.1 <= m["act_std_layer50_kaiming"] <= 10  # of order 1: 0.26-1.5 over seeds 0-19 at width 256
        and m["act_std_layer50_pytorch_default"] < 1e-6
        and m["cnn30_grad_ratio_pytorch_default"] < 1e-6
        and 0.1 <= m["chosen_act_std_last"] <= 10  # the chosen init keeps the signal of order 1 at its depth
    )
    headline = (
        f"Activation std at layer 50: Kaiming {m['act_std_layer50_kaiming']:.2f}, Xavier "
        f"{m['act_std_layer50_xavier']:.1e}, PyTorch default {m['act_std_layer50_pytorch_default']:.1e}; "
        f"30-layer CNN ||dL/dW_1||/||dL/dW_30||: default {m['cnn30_grad_ratio_pytorch_default']:.1e}, "
        f"Kaiming {m['cnn30_grad_ratio_kaiming']:.2f}"
    )
    series = {"act_std": stds, "chosen": {"init": config.init, "depth": config.depth, "act_std": chosen}}
    series |= {"cnn_grad_norm": {k: [g / v[-1] for g in v] for k, v in grads.items()}}
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for init, stds in result.series["act_std"].items():
        style = ":" if init.endswith("with_bias") else "-"
        left.semilogy(range(1, len(stds) + 1), stds, style, label=LABELS.get(init, init.replace("_", " ")))
    chosen = result.series["chosen"]
    label = f"chosen: {LABELS.get(chosen['init'], chosen['init'])}, {chosen['depth']} layers"
    left.semilogy(range(1, len(chosen["act_std"]) + 1), chosen["act_std"], "k--", linewidth=2, label=label)
    left.set_ylim(1e-30, 1e40)  # N(0, 1) reaches 1e52 and N(0, 0.01²) 1e-51: clipped so the others stay apart
    left.axhline(1.0, color="grey", linestyle="--", linewidth=0.8)
    left.axhline(1e-6, color="grey", linestyle=":", linewidth=0.8)
    for init in ("kaiming", "pytorch_default"):  # the two values the claim compares
        value = result.series["act_std"][init][-1]
        left.plot([len(result.series["act_std"][init])], [value], "ko", markersize=4)
        left.annotate(f"{value:.1e}", (50, value), xytext=(-44, 5), textcoords="offset points", fontsize=8)
    left.set_title("50-layer ReLU MLP, forward")
    left.set_xlabel(r"layer $l$")
    left.set_ylabel(r"activation std at layer $l$ (log scale)")
    left.legend(fontsize=9, ncol=2, loc="upper right", framealpha=0.9)
    for init, norms in result.series["cnn_grad_norm"].items():
        right.semilogy(range(1, len(norms) + 1), norms, marker=".", label=init.replace("_", " "))
    right.set_title("30-layer plain CNN, backward")
    right.axhline(1.0, color="grey", linestyle="--", linewidth=0.8)
    right.set_xlabel(r"conv layer $l$")
    right.set_ylabel(r"$\|\partial L/\partial W_l\| \,/\, \|\partial L/\partial W_{30}\|$ (log scale)")
    right.legend(fontsize=9)
    for ax in (left, right):
        ax.grid(True, which="major", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
