"""LSTM vs GRU cost: parameters and FLOPs are exactly 4 : 3 : 1 for LSTM : GRU : RNN; wall time is not.

Claim: at the same input and hidden size, an LSTM has exactly 4x and a GRU exactly 3x the parameters of a
tanh RNN (one weight block per gate), and their matrix-multiply FLOPs per step follow the same 4 : 3 : 1
ratio (about 2 FLOPs per parameter for each of them). Wall time need not follow the FLOPs: it depends on
the kernels, so it is measured and reported (median over repeats), never assumed.

    python -m gradlab.demos.lstm_vs_gru_cost            # default run, ~3 s of compute
    python -m gradlab.demos.lstm_vs_gru_cost --quick    # shorter sequences, fewer repeats
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "lstm_vs_gru_cost"
TITLE = {"en": "LSTM vs GRU vs RNN: parameters, FLOPs, wall time", "zh": "LSTM、GRU 与 RNN：参数量、计算量与实际耗时"}
CLAIM = {
    "en": "LSTM : GRU : RNN parameters are exactly 4 : 3 : 1 and so are their matmul FLOPs per step; "
    "wall time does not have to follow the FLOPs, so it is measured, not assumed.",
    "zh": "同样大小的长短期记忆网络（LSTM）、门控循环单元（GRU）与循环神经网络（RNN）的参数量恰为 4 : 3 : 1，"
    "每步矩阵乘法计算量也是 4 : 3 : 1；实际耗时不一定按计算量缩放，只能实测。",
}
KINDS = ("lstm", "gru", "rnn")
LAYERS = {"lstm": (nn.LSTM, nn.LSTMCell), "gru": (nn.GRU, nn.GRUCell), "rnn": (nn.RNN, nn.RNNCell)}


TAKEAWAY = {
    "en": "Parameters and FLOPs go 4 : 3 : 1 (LSTM : GRU : RNN); wall time need not",
    "zh": "参数量和浮点运算量为 4 : 3 : 1（LSTM : GRU : RNN）；实际耗时未必如此",
}  # the plot's title
PLOT_ZH = {
    "parameters": "参数量",
    "matmul FLOPs": "矩阵乘法 FLOPs",
    "median wall time": "耗时中位数",
    "relative to the RNN (RNN = 1)": "相对 RNN（RNN = 1）",
    "cost relative to a tanh RNN": "相对 tanh RNN 的开销",
    "forward + backward time per pass (ms)": "每次前向 + 反向耗时（毫秒）",
    "measured wall time (all repeats)": "实测耗时（全部重复）",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "num_hiddens",
        {"en": "hidden units", "zh": "隐藏单元数"},
        "int",
        64,
        min=8,
        max=256,
        log=True,
        hint={
            "en": "the 4 : 3 : 1 ratios hold at every size; the times need not",
            "zh": "4 : 3 : 1 的比例在任何规模都成立；耗时未必",
        },
    ),
    Param(
        "num_inputs",
        {"en": "input features", "zh": "输入特征数"},
        "int",
        32,
        min=8,
        max=256,
        log=True,
        hint={
            "en": "parameters per gate: (inputs + hiddens + 2) x hiddens",
            "zh": "每个门的参数量：(输入 + 隐藏 + 2) × 隐藏",
        },
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    num_inputs: int = 32  # input features per step
    num_hiddens: int = 64  # hidden units (the parameter counts 25,088 / 18,816 / 6,272 are for 32 / 64)
    seq_len: int = 100  # time steps per timed forward + backward pass (25 with --quick)
    batch_size: int = 32  # sequences per timed pass
    repeats: int = 25  # timed passes per layer, interleaved across layers (8 with --quick)


def matmul_flops_per_step(kind: str, config: Config, device: torch.device) -> float:
    """Count the FLOPs of one cell step for one example with torch's FLOP counter (matmuls only)."""
    cell = LAYERS[kind][1](config.num_inputs, config.num_hiddens).to(device)
    x = torch.randn(1, config.num_inputs, device=device)
    with FlopCounterMode(display=False) as counter:
        cell(x)
    return float(counter.get_total_flops())


def time_layers(layers: dict[str, nn.Module], x: torch.Tensor, repeats: int) -> dict[str, list[float]]:
    """Return milliseconds per forward + backward pass for each layer, interleaved so drift hits all alike."""
    samples: dict[str, list[float]] = {kind: [] for kind in layers}
    for i in range(repeats + 2):
        for kind, layer in layers.items():
            start = time.perf_counter()
            out, _ = layer(x)
            out.sum().backward()
            if i >= 2:  # the first two rounds warm up allocators and kernels
                samples[kind].append(1e3 * (time.perf_counter() - start))
    return samples


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    seq_len, repeats = (25, 8) if config.quick else (config.seq_len, config.repeats)
    layers = {kind: LAYERS[kind][0](config.num_inputs, config.num_hiddens).to(device) for kind in KINDS}
    params = {kind: float(sum(p.numel() for p in layers[kind].parameters())) for kind in KINDS}
    flops = {kind: matmul_flops_per_step(kind, config, device) for kind in KINDS}
    x = torch.randn(seq_len, config.batch_size, config.num_inputs, generator=generator).to(device)
    samples = time_layers(layers, x, repeats)
    ms = {kind: statistics.median(samples[kind]) for kind in KINDS}
    metrics = {f"params_{k}": params[k] for k in KINDS}
    metrics |= {f"param_ratio_{k}_to_rnn": params[k] / params["rnn"] for k in ("lstm", "gru")}
    metrics |= {f"flops_per_step_{k}": flops[k] for k in KINDS}
    metrics |= {f"flop_ratio_{k}_to_rnn": flops[k] / flops["rnn"] for k in ("lstm", "gru")}
    metrics |= {f"flops_per_param_{k}": flops[k] / params[k] for k in KINDS}
    metrics |= {f"median_ms_{k}": ms[k] for k in KINDS}
    metrics |= {f"time_ratio_{k}_to_rnn": ms[k] / ms["rnn"] for k in ("lstm", "gru")}
    metrics["time_ratio_gru_to_lstm"] = ms["gru"] / ms["lstm"]
    table = [
        {
            "layer": k.upper(),
            "parameters": int(params[k]),
            "param_ratio": params[k] / params["rnn"],
            "matmul_flops_per_step": int(flops[k]),
            "flop_ratio": flops[k] / flops["rnn"],
            "flops_per_param": flops[k] / params[k],
            "median_ms": ms[k],
            "time_ratio": ms[k] / ms["rnn"],
        }
        for k in KINDS
    ]
    exact_4_3_1 = params["lstm"] == 4 * params["rnn"] and params["gru"] == 3 * params["rnn"]
    flops_4_3_1 = abs(metrics["flop_ratio_lstm_to_rnn"] - 4) < 0.01 and abs(metrics["flop_ratio_gru_to_rnn"] - 3) < 0.01
    same_density = max(metrics[f"flops_per_param_{k}"] for k in KINDS) < 1.01 * min(
        metrics[f"flops_per_param_{k}"] for k in KINDS
    )
    r = {k: (params[k] / params["rnn"], flops[k] / flops["rnn"]) for k in KINDS}
    headline = (
        f"Parameters LSTM/GRU/RNN {int(params['lstm']):,} / {int(params['gru']):,} / {int(params['rnn']):,} "
        f"({r['lstm'][0]:g} : {r['gru'][0]:g} : 1), matmul FLOPs per step "
        f"{r['lstm'][1]:g} : {r['gru'][1]:g} : 1; measured median forward+backward "
        f"{ms['lstm']:.1f} / {ms['gru']:.1f} / {ms['rnn']:.1f} ms, so the GRU took "
        f"{metrics['time_ratio_gru_to_lstm']:.2f}x the LSTM's time with {flops['gru'] / flops['lstm']:.2f}x "
        "its FLOPs"
    )
    series = {"params": params, "flops_per_step": flops, "ms_samples": samples, "median_ms": ms}
    return DemoResult(
        metrics=metrics,
        table=table,
        claim_held=exact_4_3_1 and flops_4_3_1 and same_density,
        headline=headline,
        series=series,
    )


def plot(result: DemoResult, fig) -> None:
    s = result.series
    kinds = list(s["params"])
    left = fig.add_subplot(1, 2, 1)
    measures = [
        ("parameters", s["params"]),
        ("matmul FLOPs", s["flops_per_step"]),
        ("median wall time", s["median_ms"]),
    ]
    width = 0.8 / len(measures)
    for j, (label, values) in enumerate(measures):
        ratios = [values[k] / values["rnn"] for k in kinds]
        left.bar([i + (j - 1) * width for i in range(len(kinds))], ratios, width, label=label)
    left.set_xticks(range(len(kinds)), [k.upper() for k in kinds])
    left.set_ylabel("relative to the RNN (RNN = 1)")
    left.set_title("cost relative to a tanh RNN")
    left.axhline(1.0, color="grey", linestyle="--", linewidth=0.8)
    left.legend(fontsize=9)
    right = fig.add_subplot(1, 2, 2)
    right.boxplot([s["ms_samples"][k] for k in kinds])
    right.set_xticks(range(1, len(kinds) + 1), [k.upper() for k in kinds])
    right.set_ylim(bottom=0)
    right.set_ylabel("forward + backward time per pass (ms)")
    right.set_title("measured wall time (all repeats)")
    right.grid(True, axis="y", alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
