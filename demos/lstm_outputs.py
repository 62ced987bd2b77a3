"""Where nn.LSTM's final states sit in `output`: output[-1] is h_n only for a unidirectional, unpadded batch.

Claim: for a unidirectional 2-layer LSTM, output[-1] equals h_n[-1] (the top layer's last state). For a
bidirectional LSTM the forward final state is output[-1, :, :H] but the backward direction's final state is
output[0, :, H:], not output[-1]. With packed variable-length sequences, output[:, -1] of a shorter sequence
is padding (zeros after unpacking) while h_n holds its state at its real last step; without packing, h_n is
the state after reading the padding.

    python -m gradlab.demos.lstm_outputs            # default run, well under 1 s of compute
    python -m gradlab.demos.lstm_outputs --quick    # the same, shorter sequences
"""

from __future__ import annotations

import dataclasses
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._harness import DemoResult, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "lstm_outputs"
TITLE = {"en": "LSTM output vs h_n: where the final states sit", "zh": "LSTM 的 output 与 h_n：最终状态在哪里"}
CLAIM = {
    "en": "A unidirectional LSTM's output[-1] equals h_n[-1] (difference 0); a bidirectional LSTM's backward "
    "final state is output[0], not output[-1]; with packed variable-length sequences output[:, -1] of a short "
    "sequence is zero padding while h_n holds its real last state.",
    "zh": "单向 LSTM 的 output[-1] 等于 h_n[-1]（差为 0）；"
    "双向 LSTM 反向那一路的最终状态在 output[0]，不在 output[-1]；"
    "打包的变长序列中，短序列的 output[:, -1] 是零填充，而 h_n 是它真实最后一步的状态。",
}
TAKEAWAY = {
    "en": "output[-1] is h_n only for a unidirectional LSTM on unpadded sequences",
    "zh": "只有单向 LSTM 且序列未填充时，output[-1] 才等于 h_n",
}  # the plot's title
PLOT_ZH = {
    "Bidirectional: backward half of output[t] vs h_n[-1]": "双向：output[t] 的反向一半与 h_n[-1]",
    "Packed, length ": "打包序列，长度 ",
    "time step t (0 = first token)": "时间步 t（0 = 第一个词元）",
    "time step t": "时间步 t",
    "padding": "填充",
}
TOL = 1e-6  # "equal" means equal up to float32 rounding


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    seq_len: int = 12  # padded length of the batch (8 with --quick)
    num_inputs: int = 5  # input features per step
    num_hiddens: int = 8  # hidden units per direction
    num_layers: int = 2  # stacked layers, so that h_n[-1] has to pick the top one
    short_lengths: tuple[int, ...] = (7, 4)  # real lengths of the shorter sequences (the first one is full)


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    """Return the largest absolute elementwise difference."""
    return (a - b).abs().max().item()


@torch.no_grad()
def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    seq_len = 8 if config.quick else config.seq_len
    lengths = torch.tensor([seq_len, *config.short_lengths])  # first sequence uses the whole padded length
    batch, H, L = len(lengths), config.num_hiddens, config.num_layers
    x = torch.randn(batch, seq_len, config.num_inputs, generator=generator).to(device)  # (N, L, H_in)
    x = x * (torch.arange(seq_len) < lengths[:, None]).unsqueeze(-1).to(device)  # zero padding after each end

    uni = nn.LSTM(config.num_inputs, H, num_layers=L, batch_first=True).to(device)
    out, (h_n, _) = uni(x)  # out: (N, L, H); h_n: (L, N, H) -- batch_first does not touch h_n
    bi = nn.LSTM(config.num_inputs, H, num_layers=L, batch_first=True, bidirectional=True).to(device)
    out_bi, (h_bi, _) = bi(x)  # out_bi: (N, L, 2H); h_bi: (2L, N, H), the top layer's directions last

    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out_p, (h_p, _) = uni(packed)
    out_p, _ = pad_packed_sequence(out_p, batch_first=True, total_length=seq_len)
    short = lengths < seq_len
    real_last = out_p[torch.arange(batch), lengths - 1]  # each sequence's output at its own last step

    metrics = {
        "uni_output_last_vs_h_n_top": max_diff(out[:, -1], h_n[-1]),
        "uni_output_last_vs_h_n_bottom": max_diff(out[:, -1], h_n[0]),
        "bi_forward_output_last_vs_h_n": max_diff(out_bi[:, -1, :H], h_bi[-2]),
        "bi_backward_output_first_vs_h_n": max_diff(out_bi[:, 0, H:], h_bi[-1]),
        "bi_backward_output_last_vs_h_n": max_diff(out_bi[:, -1, H:], h_bi[-1]),
        "packed_h_n_vs_real_last_output": max_diff(h_p[-1], real_last),
        "packed_short_output_last_abs_max": out_p[short, -1].abs().max().item(),
        "packed_short_h_n_vs_output_last": max_diff(h_p[-1][short], out_p[short, -1]),
        "unpacked_short_h_n_vs_real_last": max_diff(h_n[-1][short], real_last[short]),
    }
    m = metrics
    held = (
        m["uni_output_last_vs_h_n_top"] < TOL
        and m["bi_forward_output_last_vs_h_n"] < TOL
        and m["bi_backward_output_first_vs_h_n"] < TOL
        and m["bi_backward_output_last_vs_h_n"] > 1e-2
        and m["packed_h_n_vs_real_last_output"] < TOL
        and m["packed_short_output_last_abs_max"] == 0.0
        and m["packed_short_h_n_vs_output_last"] > 1e-2
        and m["unpacked_short_h_n_vs_real_last"] > 1e-2
    )
    checks = [  # (what is compared, what the claim expects, metric)
        ("uni: output[:, -1] vs h_n[-1]", "equal", "uni_output_last_vs_h_n_top"),
        ("uni: output[:, -1] vs h_n[0] (bottom layer)", "differ", "uni_output_last_vs_h_n_bottom"),
        ("bi: output[:, -1, :H] vs h_n[-2] (forward)", "equal", "bi_forward_output_last_vs_h_n"),
        ("bi: output[:, 0, H:] vs h_n[-1] (backward)", "equal", "bi_backward_output_first_vs_h_n"),
        ("bi: output[:, -1, H:] vs h_n[-1] (backward)", "differ", "bi_backward_output_last_vs_h_n"),
        ("packed: h_n[-1] vs output at each real end", "equal", "packed_h_n_vs_real_last_output"),
        ("packed: |output[short, -1]| (padding)", "0", "packed_short_output_last_abs_max"),
        ("unpacked: h_n[-1] vs real last state (short)", "differ", "unpacked_short_h_n_vs_real_last"),
    ]
    table = [{"check": c, "expected": e, "max_abs_diff": m[k]} for c, e, k in checks]
    headline = (
        f"Unidirectional: |output[-1] - h_n[-1]| = {m['uni_output_last_vs_h_n_top']:.1g}; bidirectional backward "
        f"state vs output[0]: {m['bi_backward_output_first_vs_h_n']:.1g}, vs output[-1]: "
        f"{m['bi_backward_output_last_vs_h_n']:.2f}; packed: h_n vs real last output "
        f"{m['packed_h_n_vs_real_last_output']:.1g}, output[:, -1] of short sequences is "
        f"{m['packed_short_output_last_abs_max']:g} (padding); unpacked h_n misses the real last state by "
        f"{m['unpacked_short_h_n_vs_real_last']:.2f}"
    )
    series = {
        # distance of every time step's output from the state h_n reports, for one sequence each
        "bi_backward_distance": (out_bi[0, :, H:] - h_bi[-1][0]).norm(dim=-1).tolist(),
        "packed_short_distance": (out_p[-1] - h_p[-1][-1]).norm(dim=-1).tolist(),
        "short_length": int(lengths[-1]),
    }
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    s = result.series
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    left.plot(range(len(s["bi_backward_distance"])), s["bi_backward_distance"], "o-", color="C1")
    left.set_title("Bidirectional: backward half of output[t] vs h_n[-1]", fontsize=9)
    left.set_xlabel("time step t (0 = first token)")
    left.set_ylabel("||output[t, H:] - h_n[-1]||")
    steps = range(len(s["packed_short_distance"]))
    right.plot(steps, s["packed_short_distance"], "s-", color="C2")
    right.axvspan(s["short_length"] - 0.5, len(steps) - 0.5, color="grey", alpha=0.2, label="padding")
    right.set_title(f"Packed, length {s['short_length']}: output[t] vs h_n[-1]", fontsize=9)
    right.set_xlabel("time step t")
    right.set_ylabel("||output[t] - h_n[-1]||")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(True, alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
