"""BN vs LN: batch norm's output for a sample depends on the other samples in its batch; layer norm's
does not.

Claim: the same sample, normalised inside two different training batches, gets outputs that differ by more
than 0.5 (max over features) under BatchNorm1d in training mode when the other samples are shifted, and by
more than 0.1 even when they come from the same N(0, 1); under LayerNorm they differ by less than 1e-6.
In eval mode BN uses its running averages, so it too stops depending on the batch.

    python -m gradlab.demos.bn_vs_ln            # default run, milliseconds of compute
    python -m gradlab.demos.bn_vs_ln --quick    # smaller batches

This is why RNNs use layer norm (Ba et al. 2016): it needs no batch statistics, works with batch size 1,
and computes the same thing at every time step, in training and at test time.
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "bn_vs_ln"
TITLE = {
    "en": "Batch norm vs layer norm: one sample, different batches",
    "zh": "批量规范化与层规范化：同一个样本，两个批量",
}
CLAIM = {
    "en": "Batch norm's output for a sample changes with the rest of its batch (by >0.5 here); layer norm's "
    "output does not change at all.",
    "zh": "批量规范化（BN）对一个样本的输出会随同一批量中的其他样本而变化（本例中超过 0.5）；"
    "层规范化（LN）的输出完全不变。",
}
BATCHES = ("same_distribution", "shifted")  # the other samples: N(0, 1) again, or N(shift, 1)


TAKEAWAY = {
    "en": "Batch norm's output for one sample depends on the batch; layer norm's does not",
    "zh": "批量规范化对同一样本的输出取决于批量；层规范化不会",
}  # the plot's title
PLOT_ZH = {
    "BatchNorm1d, training mode": "BatchNorm1d，训练模式",
    "LayerNorm (all coincide)": "LayerNorm（三条重合）",
    "in batch A": "在批量 A 中",
    "in batch B (same distribution)": "在批量 B 中（同分布）",
    "in batch C (the others shifted)": "在批量 C 中（其他样本平移）",
    "feature index of the same sample": "同一样本的特征序号",
    "normalised output (no units)": "规范化后的输出（无单位）",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "shift",
        {"en": "mean of the other samples", "zh": "其他样本的均值偏移"},
        "float",
        3.0,
        min=0.0,
        max=10.0,
        hint={
            "en": "batch norm's output for the same sample moves with the batch",
            "zh": "批量规范化对同一样本的输出随批量而变",
        },
    ),
    Param(
        "num_features",
        {"en": "features per sample", "zh": "每个样本的特征数"},
        "int",
        16,
        min=2,
        max=256,
        log=True,
        hint={"en": "layer norm uses only the sample's own features", "zh": "层规范化只用该样本自己的特征"},
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    num_features: int = 16  # features per sample
    batch_size: int = 32  # samples per batch, our sample included (8 with --quick)
    shift: float = 3.0  # mean of the other samples in the shifted batch


def outputs_for_sample(norm: nn.Module, sample: torch.Tensor, others: torch.Tensor) -> torch.Tensor:
    """Normalise the batch [sample; others] and return the row that belongs to the sample."""
    return norm(torch.cat([sample, others]))[0]


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    batch = 8 if config.quick else config.batch_size
    sample = torch.randn(1, config.num_features, generator=generator).to(device)
    base = torch.randn(batch - 1, config.num_features, generator=generator).to(device)
    others = {
        "reference": base,
        "same_distribution": torch.randn(batch - 1, config.num_features, generator=generator).to(device),
        "shifted": base + config.shift,
    }
    norms = {
        "batch_norm_train": nn.BatchNorm1d(config.num_features).to(device).train(),
        "batch_norm_eval": nn.BatchNorm1d(config.num_features).to(device).eval(),
        "layer_norm": nn.LayerNorm(config.num_features).to(device),
    }
    table, metrics, series = [], {}, {"sample": sample[0].tolist()}
    with torch.no_grad():
        for name, norm in norms.items():
            out = {k: outputs_for_sample(norm, sample, v) for k, v in others.items()}
            series[name] = {k: v.tolist() for k, v in out.items()}
            for k in BATCHES:
                change = (out[k] - out["reference"]).abs().max().item()
                metrics[f"{name}_change_{k}_batch"] = change
                table.append({"normaliser": name, "other_samples": k, "max_abs_change": change})
    m = metrics
    ln_change = max(m["layer_norm_change_same_distribution_batch"], m["layer_norm_change_shifted_batch"])
    held = (
        m["batch_norm_train_change_shifted_batch"] > 0.5
        and m["batch_norm_train_change_same_distribution_batch"] > 0.1
        and ln_change < 1e-6
    )
    headline = (
        f"Max change of one sample's output between two batches: BN (training mode) "
        f"{m['batch_norm_train_change_same_distribution_batch']:.2f} (another N(0,1) batch), "
        f"{m['batch_norm_train_change_shifted_batch']:.2f} (shifted batch); BN eval mode "
        f"{m['batch_norm_eval_change_shifted_batch']:.1e}; LN {m['layer_norm_change_shifted_batch']:.1e}"
    )
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    titles = {"batch_norm_train": "BatchNorm1d, training mode", "layer_norm": "LayerNorm (all coincide)"}
    labels = {
        "reference": "in batch A",
        "same_distribution": "in batch B (same distribution)",
        "shifted": "in batch C (the others shifted)",
    }
    for i, (name, title) in enumerate(titles.items(), start=1):
        ax = fig.add_subplot(1, 2, i)
        for (batch, values), size in zip(result.series[name].items(), (9, 6, 3)):  # overlaps visible
            ax.plot(range(len(values)), values, marker="o", markersize=size, linewidth=1, label=labels[batch])
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.45 * (high - low))  # headroom for the legend
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("feature index of the same sample")
        ax.set_ylabel("normalised output (no units)")
        ax.legend(fontsize=9, loc="upper center")
        ax.grid(True, alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
