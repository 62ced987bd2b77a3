"""Depthwise separable vs standard 3x3 convolution: parameters, multiply-adds and measured CPU time.

Claim: with the same C_in and C_out (no biases), a depthwise separable convolution (3x3 with
groups=C_in, then 1x1) has exactly C_in(9 + C_out) weights where a standard 3x3 convolution has
9 C_in C_out, so the ratio is exactly 1/C_out + 1/9; its multiply-adds per output position (counted by
torch's FLOP counter) follow the same ratio. It is a standard convolution whose kernel is restricted to
W[o,c,u,v] = P[o,c] D[c,u,v]. Wall time is measured (median of repeats), never assumed from the FLOPs.

    python -m gradlab.demos.depthwise_separable            # default run, ~1 s of compute
    python -m gradlab.demos.depthwise_separable --quick    # smaller image, fewer repeats
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ._harness import DemoResult, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "depthwise_separable"
TITLE = {"en": "Depthwise separable vs standard convolution: cost", "zh": "深度可分离卷积与标准卷积：代价对比"}
CLAIM = {
    "en": "At equal in/out channels, a depthwise separable 3x3 convolution has exactly 1/C_out + 1/9 of a "
    "standard 3x3 convolution's parameters and multiply-adds per output position (far fewer: < 0.2 of them "
    "at 128 channels); its wall time is measured, not assumed.",
    "zh": "输入、输出通道数相同时，深度可分离 3x3 卷积的参数量和每个输出位置的乘加次数恰为标准 3x3 卷积的 "
    "1/C_out + 1/9（128 个通道时不到 0.2）；实际耗时是实测的，而不是由计算量推断。",
}
TAKEAWAY = {
    "en": "A depthwise separable 3x3 layer costs exactly 1/C_out + 1/9 of a standard one in parameters and MACs",
    "zh": "深度可分离 3x3 卷积的参数量与乘加数恰为标准卷积的 1/C_out + 1/9",
}  # the plot's title
PLOT_ZH = {
    "cost of the separable layer relative to standard": "可分离层相对标准层的代价",
    "forward time per pass (ms)": "每次前向耗时（毫秒）",
    "measured CPU wall time (all repeats)": "实测 CPU 耗时（全部重复）",
    "separable / standard": "可分离 / 标准",
    "MACs / position": "每个位置的乘加数",
    "median time": "中位耗时",
    "parameters": "参数量",
    "separable": "可分离",
    "standard": "标准",
}
KINDS = ("standard", "separable")


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    channels: int = 128  # C_in = C_out (ratio 1/128 + 1/9 = 0.1189)
    kernel_size: int = 3  # spatial kernel of both layers
    size: int = 32  # input height = width (16 with --quick)
    batch_size: int = 4  # images per timed forward pass
    repeats: int = 15  # timed forward passes per layer, interleaved (5 with --quick)


def build(kind: str, config: Config) -> nn.Module:
    """Return the standard k x k convolution or its depthwise + pointwise factorisation, without biases."""
    c, k = config.channels, config.kernel_size
    if kind == "standard":
        return nn.Conv2d(c, c, k, padding=k // 2, bias=False)
    return nn.Sequential(
        nn.Conv2d(c, c, k, padding=k // 2, groups=c, bias=False),  # depthwise: weight (c, 1, k, k)
        nn.Conv2d(c, c, 1, bias=False),  # pointwise: weight (c, c, 1, 1)
    )


def macs_per_position(layer: nn.Module, x: torch.Tensor) -> float:
    """Count multiply-adds per output position (all channels) with torch's FLOP counter (2 FLOPs per MAC)."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = layer(x)
    return counter.get_total_flops() / 2 / (out.shape[0] * out.shape[2] * out.shape[3])


def time_layers(layers: dict[str, nn.Module], x: torch.Tensor, repeats: int) -> dict[str, list[float]]:
    """Return milliseconds per forward pass for each layer, interleaved so drift hits both alike."""
    samples: dict[str, list[float]] = {kind: [] for kind in layers}
    with torch.no_grad():
        for i in range(repeats + 2):
            for kind, layer in layers.items():
                start = time.perf_counter()
                layer(x)
                if i >= 2:  # the first two rounds warm up allocators and kernels
                    samples[kind].append(1e3 * (time.perf_counter() - start))
    return samples


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    size, repeats = (16, 5) if config.quick else (config.size, config.repeats)
    c, k = config.channels, config.kernel_size
    layers = {kind: build(kind, config).to(device) for kind in KINDS}
    x = torch.randn(config.batch_size, c, size, size, generator=generator).to(device)
    params = {kind: float(sum(p.numel() for p in layers[kind].parameters())) for kind in KINDS}
    macs = {kind: macs_per_position(layers[kind], x) for kind in KINDS}
    # the separable layer is the standard one with kernel W[o, c, u, v] = P[o, c] * D[c, u, v]
    depthwise, pointwise = layers["separable"][0].weight, layers["separable"][1].weight
    factorised = pointwise[:, :, 0, 0, None, None] * depthwise[:, 0][None]  # (c_out, c_in, k, k)
    with torch.no_grad():
        reference = nn.functional.conv2d(x, factorised, padding=k // 2)
        equivalence_error = float((layers["separable"](x) - reference).abs().max() / reference.abs().max())
    samples = time_layers({**layers, "depthwise": layers["separable"][0]}, x, repeats)
    ms = {kind: statistics.median(samples[kind]) for kind in samples}
    formula = 1 / c + 1 / k**2
    metrics = {f"params_{kind}": params[kind] for kind in KINDS}
    metrics |= {f"macs_per_position_{kind}": macs[kind] for kind in KINDS}
    metrics |= {f"median_ms_{kind}": ms[kind] for kind in KINDS}
    metrics |= {
        "param_ratio": params["separable"] / params["standard"],
        "mac_ratio": macs["separable"] / macs["standard"],
        "ratio_formula": formula,
        "time_ratio": ms["separable"] / ms["standard"],
        "factorised_kernel_error": equivalence_error,
        "median_ms_depthwise": ms["depthwise"],
        "depthwise_share_of_macs": k * k / (k * k + c),
        "depthwise_share_of_time": ms["depthwise"] / ms["separable"],
    }
    table = [
        {
            "layer": kind,
            "parameters": int(params[kind]),
            "macs_per_position": int(macs[kind]),
            "median_ms": ms[kind],
            "ratio_to_standard_params": params[kind] / params["standard"],
            "ratio_to_standard_ms": ms[kind] / ms["standard"],
        }
        for kind in KINDS
    ]
    exact_params = params["standard"] == k * k * c * c and params["separable"] == c * (k * k + c)
    exact_macs = macs["standard"] == k * k * c * c and macs["separable"] == c * (k * k + c)
    claim_held = exact_params and exact_macs and metrics["mac_ratio"] < 0.2 and equivalence_error < 1e-5
    headline = (
        f"C_in = C_out = {c}, {k}x{k}: parameters {int(params['standard']):,} vs {int(params['separable']):,} "
        f"(ratio {metrics['param_ratio']:.4f} = 1/{c} + 1/{k * k}), multiply-adds per output position "
        f"{int(macs['standard']):,} vs {int(macs['separable']):,} (same ratio); measured median forward "
        f"{ms['standard']:.1f} vs {ms['separable']:.1f} ms (time ratio {metrics['time_ratio']:.2f}); "
        f"the depthwise step does {metrics['depthwise_share_of_macs']:.0%} of the separable layer's "
        f"multiply-adds but takes {metrics['depthwise_share_of_time']:.0%} of its time"
    )
    series = {"params": params, "macs": macs, "ms_samples": samples, "median_ms": ms}
    return DemoResult(metrics=metrics, table=table, claim_held=claim_held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    s = result.series
    left = fig.add_subplot(1, 2, 1)
    measures = [("parameters", s["params"]), ("MACs / position", s["macs"]), ("median time", s["median_ms"])]
    for j, (label, values) in enumerate(measures):
        left.bar(j, values["separable"] / values["standard"], 0.6, label=label)
    left.axhline(result.metrics["ratio_formula"], color="k", ls="--", lw=1, label="1/C_out + 1/9")
    left.set_xticks(range(len(measures)), [m[0] for m in measures])
    left.set_ylabel("separable / standard")
    left.set_title("cost of the separable layer relative to standard")
    left.legend(fontsize=8)
    right = fig.add_subplot(1, 2, 2)
    right.boxplot([s["ms_samples"][kind] for kind in KINDS])
    right.set_xticks(range(1, len(KINDS) + 1), list(KINDS))
    right.set_ylim(bottom=0)
    right.set_ylabel("forward time per pass (ms)")
    right.set_title("measured CPU wall time (all repeats)")
    right.grid(True, axis="y", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
