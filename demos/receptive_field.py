"""Receptive field: stacked 3x3 convolutions see 1 + L(k-1) pixels; dilation and stride grow it faster.

Claim: the input pixels that one output pixel depends on (the support of its gradient) span exactly
1 + sum_l (k_l - 1) d_l prod_{j<l} s_j pixels: 3 / 7 / 11 for 1 / 3 / 5 stacked 3x3 convolutions
(1 + L(k-1) at stride 1), 13 for three 3x3 layers with dilation 2, 15 for three with stride 2. Dilation 2
in every layer leaves holes: only 49 of the 13x13 pixels are touched.

    python -m gradlab.demos.receptive_field            # default run, well under 1 s of compute
    python -m gradlab.demos.receptive_field --quick    # the same, fewer channels
    python -m gradlab.demos.receptive_field --layers 4 --stride 2 --dilation 3   # one more stack, "chosen"
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "receptive_field"
TITLE = {"en": "Receptive field of stacked, dilated and strided convolutions", "zh": "感受野：堆叠、空洞与步幅卷积"}
CLAIM = {
    "en": "One output pixel of L stacked 3x3 convolutions depends on exactly 1 + 2L input pixels per side "
    "(3 / 7 / 11 for 1 / 3 / 5 layers); dilation 2 gives 13 and stride 2 gives 15 with three layers.",
    "zh": "L 层 3x3 卷积堆叠后，一个输出像素恰好依赖每边 1 + 2L 个输入像素（1 / 3 / 5 层时感受野为 3 / 7 / 11）；"
    "三层空洞率为 2 时为 13，三层步幅为 2 时为 15。",
}
# name -> (num_layers, dilation, stride); every layer is a 3x3 convolution without padding
STACKS = {
    "1_layer": (1, 1, 1),
    "3_layers": (3, 1, 1),
    "5_layers": (5, 1, 1),
    "3_layers_dilation2": (3, 2, 1),
    "3_layers_stride2": (3, 1, 2),
}

TAKEAWAY = {
    "en": "Receptive field = 1 + sum of (k-1)·d·(earlier strides): measured equals the formula",
    "zh": "感受野 = 1 + Σ(k-1)·d·(之前步幅之积)：实测与公式一致",
}  # the plot's title
PLOT_ZH = {
    "measured vs formula": "实测与公式",
    "measured": "实测",
    "formula": "公式",
    "receptive field (input pixels per side)": "感受野（每边输入像素数）",
    "dilation": "空洞率",
    "stride": "步幅",
    "chosen: ": "所选：",
    " layers": " 层",
    " layer": " 层",
    "input column (pixels)": "输入列（像素）",
    "input row (pixels)": "输入行（像素）",
    "0 drawn at": "0 画在",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "layers",
        {"en": "layers of the chosen stack", "zh": "所选堆叠的层数"},
        "int",
        3,
        min=1,
        max=6,
        hint={
            "en": "each layer adds (k-1)·d·(product of earlier strides)",
            "zh": "每层增加 (k-1)·d·(之前各层步幅之积)",
        },
    ),
    Param(
        "stride",
        {"en": "stride of every layer", "zh": "每层的步幅"},
        "int",
        1,
        min=1,
        max=2,
        hint={"en": "stride multiplies the growth of every later layer", "zh": "步幅让之后每一层的增长成倍放大"},
    ),
    Param(
        "dilation",
        {"en": "dilation of every layer", "zh": "每层的空洞率"},
        "int",
        1,
        min=1,
        max=4,
        hint={"en": "dilation widens the field but leaves holes", "zh": "空洞卷积扩大感受野，但会留下空洞"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    kernel_size: int = 3  # every layer is k x k
    num_channels: int = 8  # channels between layers (2 with --quick)
    image_size: int = 64  # input height and width, large enough that no field reaches the border
    crop: int = 17  # side of the gradient map kept for the plot (at least the chosen stack's field)
    layers: int = 3  # the chosen stack: number of layers,
    stride: int = 1  # stride of each of its layers,
    dilation: int = 1  # and dilation of each of its layers


def formula(num_layers: int, kernel_size: int, dilation: int, stride: int) -> int:
    """Return 1 + sum_l (k - 1) * d * prod_{j<l} s_j, the receptive field of a uniform stack."""
    return 1 + sum((kernel_size - 1) * dilation * stride**layer for layer in range(num_layers))


def input_gradient(stack: nn.Module, size: int, device: torch.device) -> torch.Tensor:
    """Return |d y_centre / d x| for the centre output pixel of channel 0, as an (H, W) float64 map."""
    x = torch.randn(1, 1, size, size, dtype=torch.float64, device=device)
    x.requires_grad_(True)
    y = stack(x)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    return x.grad[0, 0].abs()


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    seed_everything(config.seed)
    channels = 2 if config.quick else config.num_channels
    k, metrics, table, maps = config.kernel_size, {}, [], {}
    stacks = {**STACKS, "chosen": (config.layers, config.dilation, config.stride)}
    for name, (num_layers, dilation, stride) in stacks.items():
        # no nonlinearity: a ReLU could zero some paths and hide part of the field
        stack = nn.Sequential(
            *[
                nn.Conv2d(1 if i == 0 else channels, channels, k, stride=stride, dilation=dilation)
                for i in range(num_layers)
            ]
        ).to(device=device, dtype=torch.float64)
        expected = formula(num_layers, k, dilation, stride)
        size = max(config.image_size, expected + 2 * stride**num_layers + 2)  # the whole field inside the image
        grad = input_gradient(stack, size, device)
        rows, cols = torch.nonzero(grad, as_tuple=True)
        span = int(rows.max() - rows.min() + 1)
        square = span == int(cols.max() - cols.min() + 1)
        touched = int((grad > 0).sum())
        metrics[f"rf_{name}"] = float(span) if square else float("nan")  # square kernels, square field
        metrics[f"rf_formula_{name}"] = float(expected)
        metrics[f"pixels_touched_{name}"] = float(touched)
        table.append(
            {
                "stack": name,
                "layers": num_layers,
                "dilation": dilation,
                "stride": stride,
                "measured_rf": span,
                "formula_rf": expected,
                "pixels_touched": touched,
            }
        )
        centre_r, centre_c = int(rows.float().mean().round()), int(cols.float().mean().round())
        half = max(config.crop, expected + 2) // 2
        crop = grad[centre_r - half : centre_r + half + 1, centre_c - half : centre_c + half + 1]
        factor = -(-crop.shape[0] // 65)  # a large field is max-pooled down to <= 65 pixels a side for the plot
        crop = torch.nn.functional.max_pool2d(crop[None, None], factor, ceil_mode=True)[0, 0]
        maps[name] = (crop / crop.max()).tolist()
    held = all(metrics[f"rf_{n}"] == metrics[f"rf_formula_{n}"] for n in stacks)
    headline = (
        "Measured receptive fields "
        + " / ".join(f"{int(metrics[f'rf_{n}'])}" for n in STACKS)
        + f" for {', '.join(STACKS)}, equal to the formula; dilation 2 touches only "
        f"{int(metrics['pixels_touched_3_layers_dilation2'])} of the 13x13 pixels; chosen stack "
        f"({config.layers} layers, stride {config.stride}, dilation {config.dilation}): measured "
        f"{metrics['rf_chosen']:.0f}, formula {metrics['rf_formula_chosen']:.0f}"
    )
    series = {
        "measured": {n: metrics[f"rf_{n}"] for n in stacks},
        "formula": {n: metrics[f"rf_formula_{n}"] for n in stacks},
        "chosen": {"layers": config.layers, "stride": config.stride, "dilation": config.dilation},
        "gradient_maps": maps,
    }
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    measured, expected = result.series["measured"], result.series["formula"]
    labels = {
        "1_layer": "1 layer",
        "3_layers": "3 layers",
        "5_layers": "5 layers",
        "3_layers_dilation2": "3 layers,\ndilation 2",
        "3_layers_stride2": "3 layers,\nstride 2",
        "chosen": "chosen: {layers} layers,\nstride {stride}, dilation {dilation}".format(**result.series["chosen"]),
    }
    grid = fig.add_gridspec(1, 3, width_ratios=[1.4, 1, 1])
    bars = fig.add_subplot(grid[0])
    positions = range(len(measured))
    bars.barh([p - 0.2 for p in positions], list(measured.values()), 0.4, label="measured")
    bars.barh([p + 0.2 for p in positions], list(expected.values()), 0.4, label="formula")
    bars.set_yticks(list(positions), [labels[n] for n in measured], fontsize=9)
    bars.invert_yaxis()
    bars.set_xlabel("receptive field (input pixels per side)")
    bars.set_title("measured vs formula", fontsize=10)
    bars.set_xlim(0, 1.3 * max(expected.values()))
    for p, value in zip(positions, measured.values()):
        bars.annotate(
            f"{value:.0f}", (value, p - 0.2), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
        )
    bars.legend(fontsize=9, loc="lower right")
    for i, name in enumerate(("chosen", "3_layers_dilation2")):
        ax = fig.add_subplot(grid[i + 1])
        values = np.asarray(result.series["gradient_maps"][name])
        image = ax.imshow(np.log10(np.maximum(values, 1e-6)), cmap="viridis", vmin=-6, vmax=0)
        ax.set_title(rf"$|\partial y/\partial x|$, {labels[name].replace(chr(10), ' ')}", fontsize=10)
        ax.set_xlabel("input column (pixels)")
        ax.set_ylabel("input row (pixels)")
    fig.colorbar(image, ax=ax, fraction=0.046, label=r"$\log_{10}(|\mathrm{grad}|/\max)$; 0 drawn at $-6$")


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
