"""Pooling and shift invariance: max-pooling only partly absorbs a 1-pixel shift; a global pool removes it.

Claim: after a 1-pixel shift of the input, conv -> ReLU -> max-pool outputs change less as the pool grows
(no pool > 2x2 > 4x4 > 8x8), but only global max pooling is fully invariant (change 0). A 2x2 pool leaves
only a minority of its active outputs exactly unchanged, and a 2-pixel shift (the pool's stride) merely
moves the pooled map by one cell: equivariance, not invariance.

    python -m gradlab.demos.pooling_invariance            # default run, well under 1 s of compute
    python -m gradlab.demos.pooling_invariance --quick    # the same, fewer images
    python -m gradlab.demos.pooling_invariance --shift 2 --pool-size 4   # other shifts, another pool singled out
"""

from __future__ import annotations

import dataclasses
import sys

import torch
import torch.nn.functional as F
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "pooling_invariance"
TITLE = {"en": "Max-pooling and 1-pixel shifts: partial invariance", "zh": "汇聚层（池化层）与 1 像素平移：部分不变"}
CLAIM = {
    "en": "Max-pooling makes a conv layer only partly invariant to a 1-pixel shift: the change shrinks as "
    "the pool grows, a 2x2 pool leaves only a minority of active outputs unchanged, and only global pooling "
    "removes the change entirely.",
    "zh": "最大汇聚（最大池化）只让卷积层对 1 像素平移部分不变：汇聚窗口越大变化越小，2x2 汇聚后只有少数激活输出"
    "保持不变，只有全局汇聚才完全不变。",
}
IMAGES = ("smooth", "noise")
TAKEAWAY = {
    "en": "Max-pooling absorbs a shift only partly; only global pooling removes it",
    "zh": "最大汇聚只部分吸收平移；只有全局汇聚能完全消除",
}  # the plot's title
PLOT_ZH = {
    "smooth images (blurred noise)": "平滑图像（模糊后的噪声）",
    "white-noise images": "白噪声图像",
    "how much the output changes": "输出变化多少",
    "how many outputs stay exactly equal": "多少输出保持完全不变",
    "fraction of active outputs unchanged": "激活输出中不变的比例",
    "max-pool size after conv + ReLU": "卷积 + ReLU 之后的最大汇聚窗口",
    "none": "无",
    "global": "全局",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "pool_size",
        {"en": "pool size singled out", "zh": "重点查看的汇聚窗口"},
        "choice",
        2,
        choices=(2, 4, 8),
        hint={
            "en": "a shift by the pool's own size only moves the pooled map by one cell",
            "zh": "平移恰为窗口大小时，汇聚后的特征图只整体移动一格",
        },
    ),
    Param(
        "shift",
        {"en": "shift (pixels)", "zh": "平移（像素）"},
        "int",
        1,
        min=1,
        max=8,
        hint={"en": "the pool absorbs shifts smaller than itself only partly", "zh": "小于窗口的平移只被部分吸收"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    image_size: int = 32  # square single-channel images; a pool this large is global pooling
    num_channels: int = 16  # conv filters (3x3, circular padding so borders play no part)
    batch_size: int = 64  # images per kind (16 with --quick)
    blur_sigma: float = 1.0  # Gaussian blur (pixels) that turns white noise into smooth, image-like inputs
    pool_sizes: tuple[int, ...] = (1, 2, 4, 8, 32)  # 1 = no pooling, 32 = global max pooling
    pool_size: int = 2  # the pool whose unchanged fraction and equivariance the claim checks
    shift: int = 1  # pixels the input is shifted (circularly) in the sweep over pool sizes


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur (N, 1, H, W) images with a separable circular Gaussian of width ``sigma`` pixels."""
    radius = int(3 * sigma) + 1
    offsets = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-(offsets**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="circular"), kernel.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="circular"), kernel.view(1, 1, -1, 1))


def shift_change(features, x: torch.Tensor, shift: int) -> tuple[float, float]:
    """Return (||f(x') - f(x)|| / ||f(x)||, fraction of active outputs unchanged), x' = x shifted circularly."""
    a, b = features(x), features(torch.roll(x, shift, dims=-1))
    active = (a > 0) | (b > 0)  # ReLU zeros on both sides would count as "unchanged" without saying anything
    unchanged = (a - b).abs() <= 1e-5 * a.abs().max()
    return ((a - b).norm() / a.norm()).item(), ((unchanged & active).sum() / active.sum()).item()


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    conv = nn.Conv2d(1, config.num_channels, 3, padding=1, padding_mode="circular").to(device)
    batch = 16 if config.quick else config.batch_size
    noise = torch.randn(batch, 1, config.image_size, config.image_size, generator=generator).to(device)
    images = {"smooth": blur(noise, config.blur_sigma), "noise": noise}
    metrics, table, series = {}, [], {kind: {"rel_change": [], "unchanged_frac": []} for kind in IMAGES}
    with torch.no_grad():
        for pool in config.pool_sizes:
            row = {"pool": "none" if pool == 1 else f"{pool}x{pool}"}
            for kind in IMAGES:
                change, kept = shift_change(
                    lambda t, p=pool: F.max_pool2d(F.relu(conv(t)), p), images[kind], config.shift
                )
                label = {1: "no_pool", config.image_size: "global_pool"}.get(pool, f"pool{pool}")
                metrics[f"rel_change_{label}_{kind}"] = change
                metrics[f"unchanged_frac_{label}_{kind}"] = kept
                series[kind]["rel_change"].append(change)
                series[kind]["unchanged_frac"].append(kept)
                row |= {f"rel_change_{kind}": change, f"unchanged_frac_{kind}": kept}
            table.append(row)
        p = config.pool_size
        pooled = F.max_pool2d(F.relu(conv(images["smooth"])), p)
        shifted = F.max_pool2d(F.relu(conv(torch.roll(images["smooth"], p, dims=-1))), p)
        error = (shifted - torch.roll(pooled, 1, dims=-1)).abs().max()  # a shift by p = 1 pooled cell
        metrics["shift_by_pool_equivariance_error"] = error.item()
    series["pool_sizes"] = list(config.pool_sizes)
    held = (
        all(
            metrics[f"rel_change_pool2_{kind}"] < 0.9 * metrics[f"rel_change_no_pool_{kind}"]
            and metrics[f"rel_change_pool4_{kind}"] < 0.9 * metrics[f"rel_change_pool2_{kind}"]
            and metrics[f"rel_change_pool8_{kind}"] < 0.9 * metrics[f"rel_change_pool4_{kind}"]
            and metrics[f"rel_change_global_pool_{kind}"] < 1e-6
            and 0.05 < metrics[f"unchanged_frac_pool{config.pool_size}_{kind}"] < 0.6
            for kind in IMAGES
        )
        and metrics["shift_by_pool_equivariance_error"] < 1e-6
    )
    m = metrics
    headline = (
        f"{config.shift}-pixel shift, smooth images: relative change {m['rel_change_no_pool_smooth']:.2f} "
        "with no pool, "
        f"{m['rel_change_pool2_smooth']:.2f} with 2x2, {m['rel_change_pool4_smooth']:.2f} with 4x4, "
        f"{m['rel_change_global_pool_smooth']:.0f} with global pooling; 2x2 keeps "
        f"{100 * m['unchanged_frac_pool2_smooth']:.0f} % of active outputs unchanged "
        f"({100 * m['unchanged_frac_pool2_noise']:.0f} % on white noise); a {config.pool_size}-pixel shift "
        f"moves the {config.pool_size}x{config.pool_size}-pooled map by one cell "
        f"(error {m['shift_by_pool_equivariance_error']:.0e})"
    )
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    pools = result.series["pool_sizes"]
    labels = ["none" if p == 1 else ("global" if p == pools[-1] else f"{p}x{p}") for p in pools]
    names = {"smooth": "smooth images (blurred noise)", "noise": "white-noise images"}
    for i, (key, ylabel, title) in enumerate(
        (
            ("rel_change", r"$\|f(\mathrm{shift}(x)) - f(x)\| \,/\, \|f(x)\|$", "how much the output changes"),
            ("unchanged_frac", "fraction of active outputs unchanged", "how many outputs stay exactly equal"),
        )
    ):
        ax = fig.add_subplot(1, 2, i + 1)
        for kind, label in names.items():
            ax.plot(range(len(pools)), result.series[kind][key], marker="o", label=label)
        ax.set_xticks(range(len(pools)), labels)
        ax.set_xlabel("max-pool size after conv + ReLU")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0, top=1.05 if key == "unchanged_frac" else None)
        ax.set_title(title, fontsize=10)
        ax.grid(True, alpha=0.3)
        if key == "rel_change":
            ax.axhline(0, color="grey", linewidth=0.8)
            ax.annotate("global: 0", (len(pools) - 1, 0), xytext=(-40, 8), textcoords="offset points", fontsize=8)
        ax.legend(fontsize=9)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
