"""Convolution vs dense: locality and weight sharing cut parameters ~53,000x and make the layer commute
with shifts.

Claim: Conv2d(1, 32, 3) has 320 parameters; a dense layer with the same 28x28 -> 32x26x26 shape has
16,981,120. Written as a dense matrix the convolution is ~99 % zeros with only 288 distinct weights, and it
commutes with shifts (shift-then-convolve equals convolve-then-shift, error 0 with circular padding) while
a dense layer does not.

    python -m gradlab.demos.conv_vs_dense            # default run, well under 1 s of compute
    python -m gradlab.demos.conv_vs_dense --quick    # the same, fewer images
"""

from __future__ import annotations

import dataclasses
import sys

import torch
import torch.nn.functional as F
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "conv_vs_dense"
TITLE = {"en": "Convolution vs dense layer: parameters and shifts", "zh": "卷积层与全连接层：参数量与平移"}
CLAIM = {
    "en": "Conv2d(1, 32, 3) has 320 parameters where a dense layer of the same shape has 16,981,120; the "
    "convolution is a sparse dense matrix with shared weights, and it commutes with shifts (error 0) while "
    "a dense layer does not.",
    "zh": "Conv2d(1, 32, 3) 只有 320 个参数，同样输入输出形状的全连接层有 16,981,120 个；卷积相当于一个稀疏且"
    "权重共享的全连接矩阵（局部性、权重共享），并且与平移可交换（误差为 0），全连接层则不然。",
}


TAKEAWAY = {
    "en": "A convolution is a sparse, weight-shared, shift-commuting dense layer",
    "zh": "卷积是稀疏、权重共享、与平移可交换的全连接层",
}  # the plot's title
PLOT_ZH = {
    "conv\nparameters": "卷积\n参数量",
    "dense\nparameters": "全连接\n参数量",
    "conv matrix\nnon-zeros": "卷积矩阵\n非零元",
    "conv matrix\ndistinct values": "卷积矩阵\n不同取值",
    "count (log scale)": "个数（对数坐标）",
    ": conv vs dense": "：卷积与全连接",
    "conv,\ncircular pad": "卷积，\n循环填充",
    "conv, no pad\n(interior)": "卷积，无填充\n（内部）",
    "dense": "全连接",
    "shift error": "平移误差",
    "does the layer commute with a shift?": "该层与平移可交换吗？",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "kernel_size",
        {"en": "kernel size", "zh": "卷积核大小"},
        "int",
        3,
        min=1,
        max=9,
        hint={
            "en": "the dense layer's parameter count barely moves; the conv's grows as k²",
            "zh": "全连接层参数量几乎不变；卷积层按 k² 增长",
        },
    ),
    Param(
        "num_channels",
        {"en": "output channels", "zh": "输出通道数"},
        "int",
        32,
        min=1,
        max=32,
        hint={"en": "both layers grow linearly with the channels", "zh": "两种层的参数量都随通道数线性增长"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    image_size: int = 28  # MNIST-sized single-channel input
    num_channels: int = 32  # output channels of the convolution
    kernel_size: int = 3  # 3x3 kernel, no padding: 26x26 output
    batch_size: int = 16  # random images the shift test averages over (4 with --quick)
    shift: tuple[int, int] = (3, 5)  # pixels down and right


def count(module: nn.Module) -> float:
    """Return the number of parameters of ``module``."""
    return float(sum(p.numel() for p in module.parameters()))


def conv_as_matrix(conv: nn.Conv2d, size: int) -> torch.Tensor:
    """Return the (outputs, inputs) matrix of x -> conv(x) - bias, built one basis image at a time."""
    basis = torch.eye(size * size, device=conv.weight.device).view(-1, 1, size, size)  # (784, 1, 28, 28)
    columns = F.conv2d(basis, conv.weight)  # (784, 32, 26, 26): column j is the response to pixel j
    return columns.flatten(1).T  # (21632, 784)


def shift_error(f, x: torch.Tensor, shift: tuple[int, int], interior: bool = False) -> float:
    """Return max |f(shift x) - shift f(x)| / max |f(x)|; ``interior`` skips outputs that saw the wrap."""

    def roll(t: torch.Tensor) -> torch.Tensor:
        return torch.roll(t, shifts=shift, dims=(-2, -1))

    diff = f(roll(x)) - roll(f(x))
    if interior:  # without padding, output rows/cols before the shift read pixels that wrapped around
        diff = diff[..., shift[0] :, shift[1] :]
    return (diff.abs().max() / f(x).abs().max()).item()


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    size, k, channels = config.image_size, config.kernel_size, config.num_channels
    out_size = size - k + 1
    conv = nn.Conv2d(1, channels, k).to(device)
    dense = nn.Linear(size * size, channels * out_size * out_size).to(device)  # 68 MB of float32
    batch = 4 if config.quick else config.batch_size
    x = torch.randn(batch, 1, size, size, generator=generator).to(device)
    with torch.no_grad():
        matrix = conv_as_matrix(conv, size)
        as_dense = (x.flatten(1) @ matrix.T).view(batch, channels, out_size, out_size)
        as_dense = as_dense + conv.bias.view(-1, 1, 1)
        errors = {
            "conv_circular": shift_error(lambda t: conv(F.pad(t, (k // 2,) * 4, mode="circular")), x, config.shift),
            "conv_valid_interior": shift_error(conv, x, config.shift, interior=True),
            "dense": shift_error(
                lambda t: dense(t.flatten(1)).view(batch, channels, out_size, out_size), x, config.shift
            ),
        }
        metrics = {
            "conv_params": count(conv),
            "dense_params": count(dense),
            "dense_to_conv_param_ratio": count(dense) / count(conv),
            "conv_matrix_nonzero_frac": (matrix != 0).float().mean().item(),
            "conv_matrix_distinct_weights": float(matrix[matrix != 0].unique().numel()),
            "conv_as_matrix_max_error": (as_dense - conv(x)).abs().max().item(),
            **{f"shift_error_{name}": value for name, value in errors.items()},
        }
    table = [
        {
            "layer": "Conv2d(1, 32, 3)",
            "parameters": int(metrics["conv_params"]),
            "shift_error": errors["conv_circular"],
        },
        {"layer": "dense 784 -> 21632", "parameters": int(metrics["dense_params"]), "shift_error": errors["dense"]},
    ]
    held = (
        metrics["dense_to_conv_param_ratio"] > 1e4
        and metrics["conv_matrix_nonzero_frac"] < 0.02
        and errors["conv_circular"] < 1e-6
        and errors["conv_valid_interior"] < 1e-6
        and errors["dense"] > 0.1
    )
    headline = (
        f"Conv {int(metrics['conv_params'])} vs dense {int(metrics['dense_params']):,} parameters "
        f"({metrics['dense_to_conv_param_ratio']:,.0f}x); as a matrix the conv is "
        f"{100 * metrics['conv_matrix_nonzero_frac']:.1f} % non-zero with "
        f"{int(metrics['conv_matrix_distinct_weights'])} distinct weights; relative shift error conv "
        f"{errors['conv_circular']:.1e}, dense {errors['dense']:.2f}"
    )
    series = {
        "params": {
            "conv": metrics["conv_params"],
            "dense": metrics["dense_params"],
            "conv_matrix_nonzeros": float((matrix != 0).sum()),
            "conv_matrix_distinct": metrics["conv_matrix_distinct_weights"],
        },
        "shift_error": errors,
    }
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    params = result.series["params"]
    names = {
        "conv": "conv\nparameters",
        "dense": "dense\nparameters",
        "conv_matrix_nonzeros": "conv matrix\nnon-zeros",
        "conv_matrix_distinct": "conv matrix\ndistinct values",
    }
    left = fig.add_subplot(1, 2, 1)
    left.bar(range(len(params)), list(params.values()), color=["C0", "C1", "C2", "C2"])
    left.set_xticks(range(len(params)), [names[name] for name in params], fontsize=8)
    for i, value in enumerate(params.values()):
        left.annotate(f"{value:,.0f}", (i, value), ha="center", va="bottom", fontsize=8)
    left.set_yscale("log")
    left.set_ylim(10, 1e8)
    left.set_ylabel("count (log scale)")
    left.set_title("28x28 -> 32x26x26: conv vs dense")
    errors = result.series["shift_error"]
    labels = {
        "conv_circular": "conv,\ncircular pad",
        "conv_valid_interior": "conv, no pad\n(interior)",
        "dense": "dense",
    }
    right = fig.add_subplot(1, 2, 2)
    right.bar(range(len(errors)), list(errors.values()), color=["C0", "C0", "C1"])
    right.set_xticks(range(len(errors)), [labels[name] for name in errors], fontsize=8)
    right.set_ylabel(r"shift error $\max|f(Sx) - Sf(x)| \,/\, \max|f(x)|$", fontsize=9)
    right.set_title("does the layer commute with a shift?")
    for i, value in enumerate(errors.values()):
        right.annotate(f"{value:.2g}", (i, value), ha="center", va="bottom")


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
