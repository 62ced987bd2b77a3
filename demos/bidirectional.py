"""Bidirectional RNN: when the label at step t depends on a later token, only a bidirectional RNN learns it.

Claim: with the label at step t being the token at t+2 (8 symbols), a unidirectional GRU stays at chance
(~12.5 % test accuracy) while a bidirectional GRU of the same hidden size reaches > 90 %. The same
unidirectional GRU learns the mirror task (the token at t-2) to > 90 %: what it lacks is the future, not
capacity.

    python -m gradlab.demos.bidirectional            # default run, ~2.5 s of compute
    python -m gradlab.demos.bidirectional --quick    # fewer training steps, ~2 s
"""

from __future__ import annotations

import dataclasses
import math
import sys

import torch
from torch import nn

from ._harness import DemoResult, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "bidirectional"
TITLE = {"en": "Bidirectional GRU: labels that depend on the future", "zh": "双向循环神经网络：依赖未来输入的标签"}
CLAIM = {
    "en": "When the label at step t is the token at t+2, a unidirectional GRU stays at chance (~12.5 %) and "
    "a bidirectional GRU reaches > 90 %; the unidirectional GRU learns the mirror task (token at t-2) fine.",
    "zh": "当第 t 步的标签是第 t+2 步的词元时，单向 GRU 停留在随机水平（约 12.5%），双向 GRU 准确率超过 90%；"
    "同一个单向 GRU 在镜像任务（第 t-2 步的词元）上学得很好。",
}
RUNS = (("unidirectional", False, 2), ("bidirectional", True, 2), ("unidirectional_past", False, -2))

TAKEAWAY = {
    "en": "Only a bidirectional RNN can use tokens that come later in the sequence",
    "zh": "只有双向 RNN 能利用序列中后面的词元",
}  # the plot's title
PLOT_ZH = {
    "unidirectional": "单向",
    "bidirectional": "双向",
    "label t+2": "标签 t+2",
    "label t-2": "标签 t-2",
    "chance": "随机猜测",
    "Training loss": "训练损失",
    "training step": "训练步数",
    "cross-entropy (nats, log scale)": "交叉熵（奈特，对数坐标）",
    "Test accuracy": "测试准确率",
    "accuracy (%)": "准确率（%）",
}  # the plot's English phrases -> Chinese, for plot.zh.png


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    vocab_size: int = 8  # symbols; chance accuracy is 1 / vocab_size
    seq_len: int = 12  # tokens per sequence; the first/last 2 steps have no label
    num_hiddens: int = 32  # GRU hidden units per direction
    embed_size: int = 16  # token embedding size
    batch_size: int = 64  # fresh random sequences per step
    num_steps: int = 150  # Adam steps (80 with --quick)
    lr: float = 2e-2  # Adam learning rate
    test_size: int = 1024  # held-out sequences for the accuracy


def batch_and_labels(config: Config, n: int, offset: int, generator: torch.Generator, device: torch.device):
    """Return random tokens (n, seq_len) and labels: the token ``offset`` steps later (earlier if < 0)."""
    x = torch.randint(0, config.vocab_size, (n, config.seq_len), generator=generator).to(device)
    k = abs(offset)
    return x, x[:, k:] if offset > 0 else x[:, :-k]


def predict(model: nn.ModuleDict, x: torch.Tensor, offset: int) -> torch.Tensor:
    """Return logits at the steps that have a label."""
    out, _ = model["gru"](model["embed"](x))  # (batch, seq_len, num_hiddens * directions)
    k = abs(offset)
    return model["head"](out[:, :-k] if offset > 0 else out[:, k:])


def train(config: Config, bidirectional: bool, offset: int, device: torch.device):
    """Train one GRU tagger; return its training-loss curve and its test accuracy."""
    generator = seed_everything(config.seed)
    directions = 2 if bidirectional else 1
    model = nn.ModuleDict(
        {
            "embed": nn.Embedding(config.vocab_size, config.embed_size),
            "gru": nn.GRU(config.embed_size, config.num_hiddens, batch_first=True, bidirectional=bidirectional),
            "head": nn.Linear(directions * config.num_hiddens, config.vocab_size),
        }
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    for _ in range(80 if config.quick else config.num_steps):
        x, y = batch_and_labels(config, config.batch_size, offset, generator, device)
        loss = nn.functional.cross_entropy(predict(model, x, offset).flatten(0, 1), y.flatten())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    x, y = batch_and_labels(config, config.test_size, offset, generator, device)
    with torch.no_grad():
        accuracy = (predict(model, x, offset).argmax(-1) == y).float().mean().item()
    return losses, accuracy


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    curves, table, metrics = {}, [], {}
    for name, bidirectional, offset in RUNS:
        curves[name], accuracy = train(config, bidirectional, offset, device)
        metrics[f"{name}_accuracy"] = accuracy
        table.append(
            {
                "model": name,
                "label": f"token at t{offset:+d}",
                "test_accuracy": accuracy,
                "final_train_loss": curves[name][-1],
            }
        )
    metrics["chance_accuracy"] = 1 / config.vocab_size
    m = metrics
    held = (
        m["unidirectional_accuracy"] < m["chance_accuracy"] + 0.05
        and m["bidirectional_accuracy"] > 0.9
        and m["unidirectional_past_accuracy"] > 0.9
    )
    headline = (
        f"Label = token at t+2: unidirectional GRU {100 * m['unidirectional_accuracy']:.1f} % (chance "
        f"{100 * m['chance_accuracy']:.1f} %), bidirectional GRU {100 * m['bidirectional_accuracy']:.1f} %; "
        f"unidirectional on token at t-2: {100 * m['unidirectional_past_accuracy']:.1f} %"
    )
    series = {
        "losses": curves,
        "accuracy": {name: m[f"{name}_accuracy"] for name, _, _ in RUNS},
        "chance_loss": math.log(config.vocab_size),
        "chance_accuracy": m["chance_accuracy"],
    }
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    s = result.series
    labels = {
        "unidirectional": "unidirectional, label t+2",
        "bidirectional": "bidirectional, label t+2",
        "unidirectional_past": "unidirectional, label t-2",
    }
    ax = fig.add_subplot(1, 2, 1)
    for name, losses in s["losses"].items():
        ax.plot(range(1, len(losses) + 1), losses, label=labels[name])
    chance = f"chance (ln {1 / s['chance_accuracy']:.0f})"
    ax.axhline(s["chance_loss"], color="grey", linestyle=":", label=chance)
    ax.set_yscale("log")
    ax.set_title("Training loss")
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy (nats, log scale)")
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)
    ax = fig.add_subplot(1, 2, 2)
    names = list(s["accuracy"])
    ax.bar(range(len(names)), [100 * s["accuracy"][n] for n in names], color=["C0", "C1", "C2"])
    ax.axhline(100 * s["chance_accuracy"], color="grey", linestyle=":", label="chance")
    ax.set_xticks(range(len(names)), [labels[n].replace(", ", "\n") for n in names], fontsize=9)
    for i, name in enumerate(names):
        ax.annotate(f"{100 * s['accuracy'][name]:.0f} %", (i, 100 * s["accuracy"][name]), ha="center", va="bottom")
    ax.set_title("Test accuracy")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 110)
    ax.legend(fontsize=9)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
