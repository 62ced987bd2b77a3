"""Dropout in training vs eval mode: inverted scaling keeps the mean, eval mode is deterministic, Dropout2d
drops whole channels.

Claim: over many activations, nn.Dropout's training-mode mean is within 2 % of its eval-mode mean for
p = 0.1, 0.5 and 0.8, because survivors are scaled by exactly 1/(1-p); two eval-mode passes are identical
while two training-mode passes differ; nn.Dropout2d zeroes whole channels (no channel is partly zeroed),
where nn.Dropout zeroes single elements inside almost every channel.

    python -m gradlab.demos.dropout_train_eval            # default run, milliseconds of compute
    python -m gradlab.demos.dropout_train_eval --quick    # fewer samples
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "dropout_train_eval"
TITLE = {
    "en": "Dropout: training vs eval mode, and Dropout2d",
    "zh": "暂退法（dropout）：训练模式与评估模式，以及 Dropout2d",
}
CLAIM = {
    "en": "Inverted dropout keeps the mean activation: the training-mode mean is within 2 % of the eval-mode mean "
    "for p = 0.1, 0.5 and 0.8; eval mode is deterministic while training mode is not; Dropout2d zeroes whole "
    "channels.",
    "zh": "反向 dropout 保持激活的均值：p = 0.1、0.5、0.8 时，训练模式的均值与评估模式的均值相差不到 2 %；"
    "评估模式的输出是确定的，训练模式不是；Dropout2d 整通道置零。",
}
TAKEAWAY = {
    "en": "Inverted dropout keeps the mean: train-mode mean / eval-mode mean stays at 1 for every p",
    "zh": "反向暂退保持均值：任意 p 下训练模式均值 / 评估模式均值都约为 1",
}  # the plot's title
PLOT_ZH = {
    "nn.Dropout keeps the mean": "nn.Dropout 保持均值",
    "pixel index in the 8x8 map": "8x8 特征图中的像素序号",
    "ratio / fraction (no units)": "比值 / 比例（无单位）",
    "train mean / eval mean": "训练均值 / 评估均值",
    "channel of sample 0": "样本 0 的通道",
    "fraction zeroed": "置零比例",
    "white = kept": "白色 = 保留",
}
PROBS = {"p10": 0.1, "p50": 0.5, "p80": 0.8}


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    num_samples: int = 20_000  # rows of activations (2,000 with --quick)
    num_features: int = 64  # activations per row
    num_channels: int = 16  # channels of the feature maps for the Dropout2d check
    map_size: int = 8  # height and width of those feature maps


def channel_counts(out: torch.Tensor) -> tuple[float, float]:
    """Return the fractions of (sample, channel) maps that are entirely zero and partly zero."""
    zeros = (out == 0).flatten(2).float().mean(dim=2)  # (N, C): fraction of zeros in each map
    return (zeros == 1).float().mean().item(), ((zeros > 0) & (zeros < 1)).float().mean().item()


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    rows = 2_000 if config.quick else config.num_samples
    # positive activations, as after a ReLU or sigmoid, so no element is zero before dropout
    x = (0.5 + torch.rand(rows, config.num_features, generator=generator)).to(device)
    metrics, table, series = {}, [], {"p": [], "mean_ratio": [], "zero_frac": []}
    with torch.no_grad():
        for key, p in PROBS.items():
            drop = nn.Dropout(p)
            train_out = drop.train()(x)
            eval_out = drop.eval()(x)
            kept = train_out != 0
            metrics[f"mean_ratio_{key}"] = (train_out.mean() / eval_out.mean()).item()
            metrics[f"zero_frac_{key}"] = 1 - kept.float().mean().item()
            metrics[f"scale_error_{key}"] = (train_out[kept] / x[kept] - 1 / (1 - p)).abs().max().item()
            metrics[f"var_ratio_{key}"] = (train_out.var() / eval_out.var()).item()
            table.append(
                {
                    "p": p,
                    "train_mean / eval_mean": metrics[f"mean_ratio_{key}"],
                    "fraction_zeroed": metrics[f"zero_frac_{key}"],
                    "survivor_scale": 1 / (1 - p),
                    "train_var / eval_var": metrics[f"var_ratio_{key}"],
                }
            )
            series["p"].append(p)
            series["mean_ratio"].append(metrics[f"mean_ratio_{key}"])
            series["zero_frac"].append(metrics[f"zero_frac_{key}"])
        drop = nn.Dropout(0.5)
        metrics["eval_max_diff"] = (drop.eval()(x) - drop.eval()(x)).abs().max().item()
        metrics["train_frac_changed"] = (drop.train()(x) != drop.train()(x)).float().mean().item()
        maps = (0.5 + torch.rand(64, config.num_channels, config.map_size, config.map_size, generator=generator)).to(
            device
        )
        spatial = nn.Dropout2d(0.5).train()(maps)
        elementwise = nn.Dropout(0.5).train()(maps)
        metrics["dropout2d_zero_channel_frac"], metrics["dropout2d_partial_channel_frac"] = channel_counts(spatial)
        metrics["dropout_zero_channel_frac"], metrics["dropout_partial_channel_frac"] = channel_counts(elementwise)
    series["masks"] = {
        "Dropout2d": (spatial[0] != 0).flatten(1).float().tolist(),
        "Dropout": (elementwise[0] != 0).flatten(1).float().tolist(),
    }
    m = metrics
    held = (
        all(abs(m[f"mean_ratio_{k}"] - 1) < 0.02 for k in PROBS)
        and m["eval_max_diff"] == 0
        and m["train_frac_changed"] > 0.1
        and m["dropout2d_partial_channel_frac"] == 0
        and m["dropout_partial_channel_frac"] > 0.9
    )
    headline = (
        "Train/eval mean ratio "
        + " / ".join(f"{m[f'mean_ratio_{k}']:.3f}" for k in PROBS)
        + " at p = 0.1 / 0.5 / 0.8; eval passes differ by "
        f"{m['eval_max_diff']:.0f}, train passes in {100 * m['train_frac_changed']:.0f} % of elements; "
        f"Dropout2d zeroes {100 * m['dropout2d_zero_channel_frac']:.0f} % of channels entirely and "
        f"{100 * m['dropout2d_partial_channel_frac']:.0f} % partly (Dropout: "
        f"{100 * m['dropout_partial_channel_frac']:.0f} % partly)"
    )
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    s = result.series
    ax = fig.add_subplot(1, 3, 1)
    positions = range(len(s["p"]))
    ax.bar([i - 0.2 for i in positions], s["mean_ratio"], 0.4, label="train mean / eval mean")
    ax.bar([i + 0.2 for i in positions], s["zero_frac"], 0.4, label="fraction zeroed")
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xticks(list(positions), [f"p = {p}" for p in s["p"]])
    ax.set_ylim(0, 1.4)
    ax.set_ylabel("ratio / fraction (no units)")
    ax.set_title("nn.Dropout keeps the mean", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    for i, (name, mask) in enumerate(s["masks"].items(), start=2):
        ax = fig.add_subplot(1, 3, i)
        ax.imshow(mask, aspect="auto", cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{name}(0.5), white = kept", fontsize=10)
        ax.set_xlabel("pixel index in the 8x8 map")
        ax.set_ylabel("channel of sample 0")


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
