"""Spectral-radius sweep: with W_hh = g*Q (Q orthogonal) a linear RNN's gradient scales exactly as g^(T-1);
a tanh RNN needs g well above 1 before it explodes; a Gaussian W_hh with spectral radius 1 still amplifies.

Claim: over 50 steps the linear RNN's ratio ||dL/dh_1|| / ||dL/dh_T|| equals g^49 (5.7e-3 at g=0.9, 107 at
g=1.1); the tanh RNN at g=1.1 still vanishes (ratio < 0.1) and explodes only at g=3 (ratio > 1e3), so a
largest singular value > 1 is not enough to make a tanh RNN explode. For nonlinear RNNs Pascanu et al. (2013)
state the conditions on the largest singular value, not on the spectral radius (which governs the asymptotics
only for a linear RNN); W = g*Q has both equal to g, so this sweep cannot separate them. A Gaussian W_hh
rescaled to spectral radius 1 has largest singular value ~1.9 and stretches some directions 2-4x over up
to 49 steps (more than 1.5x for every seed), where the orthogonal matrix never stretches any.
The non-normal case separates the two: W = [[1.5, 1], [-2, -1]] has rho = 0.71 but lambda_1 = 2.87; with
inputs that keep unit 1 at pre-activation 0 and saturate unit 2, the tanh RNN's ||dh_50/dh_0|| is ~7.7e8
(explodes) while the linear RNN with the same W vanishes (~9e-8): rho > 1 is not necessary for exploding.

    python -m gradlab.demos.spectral_radius            # default run, well under 1 s of compute
    python -m gradlab.demos.spectral_radius --quick    # the same, smaller batch
    python -m gradlab.demos.spectral_radius --gain 2 --matrix gaussian   # one more W_hh, "chosen"
"""

from __future__ import annotations

import dataclasses
import sys

import torch

from ._harness import DemoResult, Param, resolve_device, seed_everything
from ._harness import main as harness_main

NAME = "spectral_radius"
TITLE = {"en": "Spectral radius of W_hh: linear vs tanh RNN", "zh": "循环权重的谱半径：线性 RNN 与 tanh RNN"}
CLAIM = {
    "en": "With W_hh = g*Q (Q orthogonal) a linear RNN's gradient ratio over 49 steps is exactly g^49; a "
    "tanh RNN still vanishes at g=1.1 and explodes only at g=3: a largest singular value > 1 (here equal to "
    "the spectral radius g) is not enough to make a tanh RNN explode. "
    "A Gaussian W_hh with spectral radius 1 still amplifies some directions (largest singular value ~1.9), "
    "and a non-normal W_hh with spectral radius 0.71 (largest singular value 2.87) makes a tanh RNN explode: "
    "rho > 1 is not necessary.",
    "zh": "W_hh = g·Q（Q 为正交矩阵）时，线性循环神经网络 49 步的梯度比值恰为 g^49；tanh RNN 在 g=1.1 时仍然梯度消失，"
    "到 g=3 才梯度爆炸：最大奇异值大于 1（这里等于谱半径 g）并不足以让 tanh RNN 梯度爆炸。"
    "谱半径为 1 的高斯 W_hh 仍会放大某些方向（最大奇异值约 1.9）；谱半径仅 0.71（最大奇异值 2.87）的非正规 W_hh "
    "也能让 tanh RNN 梯度爆炸：谱半径大于 1 并不是必要条件。",
}
GAINS = (0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0)
FIGSIZE = (12, 4.5)  # three panels
TAKEAWAY = {
    "en": r"Exploding depends on the largest singular value $\lambda_1$, not on the spectral radius $\rho$ alone",
    "zh": r"梯度爆炸取决于最大奇异值 $\lambda_1$，而不只是谱半径 $\rho$",
}  # the plot's title
PLOT_ZH = {
    "linear RNN": "线性 RNN",
    "gain": "增益",
    "spectral radius": "谱半径",
    "largest singular value": "最大奇异值",
    "(log scale)": "（对数坐标）",
    "Gaussian": "高斯",
    "non-normal": "非正规",
    "steps": "步数",
    "steps back": "回溯步数",
    "largest stretch": "最大拉伸",
    "orthogonal": "正交",
    " vs ": " 与 ",
}  # the plot's English phrases -> Chinese, for plot.zh.png

PARAMS = (
    Param(
        "gain",
        {"en": "spectral radius g of the chosen W_hh", "zh": "所选 W_hh 的谱半径 g"},
        "float",
        1.1,
        min=0.5,
        max=4.0,
        hint={
            "en": "the linear RNN follows g^49; the tanh RNN stays below it",
            "zh": "线性 RNN 沿 g^49 变化；tanh RNN 始终在其下方",
        },
    ),
    Param(
        "matrix",
        {"en": "kind of W_hh", "zh": "W_hh 的类型"},
        "choice",
        "orthogonal",
        choices=("orthogonal", "gaussian"),
        hint={
            "en": "a Gaussian W with the same g has a larger largest singular value",
            "zh": "相同 g 时，高斯 W 的最大奇异值更大",
        },
    ),
)


@dataclasses.dataclass
class Config:
    seed: int = 0
    quick: bool = False
    device: str = "cpu"
    seq_len: int = 50  # time steps; the loss is sum(h_T), the ratio is taken at lag seq_len - 1
    num_inputs: int = 32  # input features per step
    num_hiddens: int = 64  # hidden units (W_hh is num_hiddens x num_hiddens)
    batch_size: int = 32  # sequences averaged over (8 with --quick)
    gain: float = 1.1  # spectral radius of the chosen W_hh,
    matrix: str = "orthogonal"  # which is g*Q or a Gaussian rescaled to spectral radius g


def orthogonal(n: int, generator: torch.Generator) -> torch.Tensor:
    """Return a random orthogonal matrix (QR of a Gaussian, signs fixed so the draw is uniform)."""
    q, r = torch.linalg.qr(torch.randn(n, n, generator=generator, dtype=torch.float64))
    return q * torch.sign(torch.diagonal(r))


def first_step_ratio(w_hh: torch.Tensor, w_ih: torch.Tensor, x: torch.Tensor, linear: bool) -> float:
    """Return ||dL/dh_1|| / ||dL/dh_T|| for h_t = act(W_ih x_t + W_hh h_{t-1}), L = sum(h_T)."""
    h = torch.zeros(x.shape[1], w_hh.shape[0], dtype=torch.float64, device=x.device)
    states = []
    for t in range(x.shape[0]):  # x: (seq_len, batch, num_inputs)
        pre = x[t] @ w_ih.T + h @ w_hh.T
        h = pre if linear else torch.tanh(pre)
        h.retain_grad()
        states.append(h)
    h.sum().backward()
    return (states[0].grad.norm() / states[-1].grad.norm()).item()


def peak_amplification(w: torch.Tensor, steps: int) -> list[float]:
    """Return ||W^k||_2 for k = 1..steps: the most any direction is stretched by k steps of BPTT."""
    power, norms = torch.eye(w.shape[0], dtype=torch.float64, device=w.device), []
    for _ in range(steps):
        power = power @ w
        norms.append(torch.linalg.matrix_norm(power, 2).item())
    return norms


NON_NORMAL = ((1.5, 1.0), (-2.0, -1.0))  # rho = 1/sqrt(2) = 0.71, largest singular value 2.87


def non_normal_jacobians(steps: int) -> dict[str, list[float]]:
    """Return ||dh_k/dh_0||_2 for k = 1..steps under W = NON_NORMAL, for the tanh and the linear RNN.

    The inputs keep unit 1 at pre-activation 0 (tanh' = 1) and saturate unit 2 (tanh' ~ 0), so each tanh
    step multiplies by diag(1, 0) W, whose eigenvalue 1.5 compounds, though W's own eigenvalues are 0.71.
    """
    w = torch.tensor(NON_NORMAL, dtype=torch.float64)
    h, jac, lin, norms = (
        torch.tensor([0.0, 1.0], dtype=torch.float64),
        torch.eye(2, dtype=torch.float64),
        torch.eye(2, dtype=torch.float64),
        {"tanh": [], "linear": []},
    )
    for _ in range(steps):
        pre = w @ h + torch.tensor([-(w @ h)[0].item(), 10.0], dtype=torch.float64)
        h = torch.tanh(pre)
        jac = torch.diag(1 - h**2) @ w @ jac  # chain rule: dh_k/dh_0 = diag(tanh'(pre_k)) W dh_{k-1}/dh_0
        lin = w @ lin
        norms["tanh"].append(torch.linalg.matrix_norm(jac, 2).item())
        norms["linear"].append(torch.linalg.matrix_norm(lin, 2).item())
    return norms


def run(config: Config) -> DemoResult:
    device = resolve_device(config.device)
    generator = seed_everything(config.seed)
    n, steps = config.num_hiddens, config.seq_len - 1
    batch = 8 if config.quick else config.batch_size
    q = orthogonal(n, generator).to(device)
    gauss = torch.randn(n, n, generator=generator, dtype=torch.float64).to(device)
    gauss = gauss / torch.linalg.eigvals(gauss).abs().max()  # rescale to spectral radius exactly 1
    # float64 throughout: g^49 spans 1e-15 .. 1e29, beyond float32's comfortable range
    uniform = torch.rand(n, config.num_inputs, generator=generator, dtype=torch.float64)
    w_ih = ((uniform * 2 - 1) * n**-0.5).to(device)  # PyTorch's default RNN init, U(+-1/sqrt(num_hiddens))
    x = torch.randn(config.seq_len, batch, config.num_inputs, generator=generator, dtype=torch.float64)
    x = x.to(device)
    linear = [first_step_ratio((g * q).requires_grad_(), w_ih, x, linear=True) for g in GAINS]
    tanh = [first_step_ratio((g * q).requires_grad_(), w_ih, x, linear=False) for g in GAINS]
    chosen_w = config.gain * (q if config.matrix == "orthogonal" else gauss)
    chosen = {
        "linear": first_step_ratio(chosen_w.clone().requires_grad_(), w_ih, x, linear=True),
        "tanh": first_step_ratio(chosen_w.clone().requires_grad_(), w_ih, x, linear=False),
        "sigma_max": torch.linalg.matrix_norm(chosen_w, 2).item(),
    }
    non_normal = non_normal_jacobians(config.seq_len)
    w_nn = torch.tensor(NON_NORMAL, dtype=torch.float64)
    gauss_amp = peak_amplification(gauss.T, steps)  # BPTT multiplies by W_hh^T
    orth_amp = peak_amplification(q.T, steps)
    table = [
        {"g": g, "linear_ratio": lin, "g_power_49": g**steps, "tanh_ratio": th}
        for g, lin, th in zip(GAINS, linear, tanh)
    ]
    metrics = {
        "linear_lag49_g0_9": linear[GAINS.index(0.9)],
        "linear_lag49_g1_1": linear[GAINS.index(1.1)],
        "linear_max_rel_error": max(abs(r / g**steps - 1) for g, r in zip(GAINS, linear)),
        "tanh_lag49_g1_1": tanh[GAINS.index(1.1)],
        "tanh_lag49_g3": tanh[GAINS.index(3.0)],
        "gaussian_sigma_max": torch.linalg.matrix_norm(gauss, 2).item(),
        "gaussian_peak_amplification": max(gauss_amp),
        "orthogonal_peak_amplification": max(orth_amp),
        "non_normal_rho": torch.linalg.eigvals(w_nn).abs().max().item(),
        "non_normal_sigma_max": torch.linalg.matrix_norm(w_nn, 2).item(),
        "non_normal_tanh_jacobian": non_normal["tanh"][-1],
        "non_normal_linear_jacobian": non_normal["linear"][-1],
        "chosen_linear_ratio": chosen["linear"],
        "chosen_tanh_ratio": chosen["tanh"],
        "chosen_sigma_max": chosen["sigma_max"],
    }
    m = metrics
    held = (
        m["linear_max_rel_error"] < 1e-6
        and m["linear_lag49_g1_1"] > 10
        and m["tanh_lag49_g1_1"] < 0.1
        and m["tanh_lag49_g3"] > 1e3
        and m["gaussian_peak_amplification"] > 1.5
        and m["orthogonal_peak_amplification"] < 1 + 1e-9
        and m["non_normal_rho"] < 1 < m["non_normal_sigma_max"]
        and m["non_normal_tanh_jacobian"] > 1e6 > 1e-3 > m["non_normal_linear_jacobian"]
        # the chosen W: the tanh RNN stays under Pascanu's bound sigma_max^(T-1) (|tanh'| <= 1)
        and m["chosen_tanh_ratio"] <= (1 + 1e-9) * m["chosen_sigma_max"] ** steps
    )
    headline = (
        f"Linear RNN: ratio = g^49 (rel. error {m['linear_max_rel_error']:.0e}), {m['linear_lag49_g0_9']:.1e}"
        f" at g=0.9, {m['linear_lag49_g1_1']:.0f} at g=1.1; tanh RNN: {m['tanh_lag49_g1_1']:.1e} at g=1.1,"
        f" {m['tanh_lag49_g3']:.1e} at g=3; Gaussian W (rho=1, sigma_max {m['gaussian_sigma_max']:.2f})"
        f" stretches up to {m['gaussian_peak_amplification']:.1f}x, orthogonal 1.0x; non-normal W (rho "
        f"{m['non_normal_rho']:.2f}, sigma_max {m['non_normal_sigma_max']:.2f}): ||dh_{config.seq_len}/dh_0|| "
        f"{m['non_normal_tanh_jacobian']:.1e} (tanh) vs {m['non_normal_linear_jacobian']:.1e} (linear)"
    )
    series = {
        "gains": list(GAINS),
        "linear": linear,
        "tanh": tanh,
        "gaussian_amplification": gauss_amp,
        "orthogonal_amplification": orth_amp,
        "non_normal": non_normal,
        "chosen": {"gain": config.gain, "matrix": config.matrix, **chosen},
    }
    return DemoResult(metrics=metrics, table=table, claim_held=held, headline=headline, series=series)


def plot(result: DemoResult, fig) -> None:
    s = result.series
    ax = fig.add_subplot(1, 3, 1)
    ax.semilogy(s["gains"], s["linear"], "o-", label="linear RNN")
    ax.semilogy(s["gains"], s["tanh"], "s-", label="tanh RNN")
    steps = len(s["gaussian_amplification"])
    ax.semilogy(s["gains"], [g**steps for g in s["gains"]], "k:", label=f"$g^{{{steps}}}$")
    ax.axvline(1.0, color="grey", linewidth=1)
    ax.axhline(1.0, color="grey", linewidth=1, linestyle="--")
    for g in (1.1, 3.0):  # the two tanh points the claim is about
        value = s["tanh"][s["gains"].index(g)]
        ax.annotate(f"g={g:g}: {value:.0e}", (g, value), xytext=(6, -10), textcoords="offset points", fontsize=8)
    ax.set_title(r"$W_{hh} = gQ$, $Q$ orthogonal: $\rho = \lambda_1 = g$")
    ax.set_xlabel(r"gain $g$")
    ax.set_ylabel(rf"$\|\partial L/\partial h_1\| \,/\, \|\partial L/\partial h_{{{steps + 1}}}\|$ (log scale)")
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)
    ax = fig.add_subplot(1, 3, 2)
    lags = range(1, steps + 1)
    ax.plot(lags, s["gaussian_amplification"], label=r"Gaussian $W$, $\rho = 1$")
    ax.plot(lags, s["orthogonal_amplification"], label=r"orthogonal $W$")
    ax.axhline(1.0, color="grey", linewidth=1, linestyle="--")
    ax.set_title(r"$\rho = 1$: Gaussian vs orthogonal")
    ax.set_xlabel(r"steps back $k$")
    ax.set_ylabel(r"largest stretch $\|W^k\|_2$")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)
    ax = fig.add_subplot(1, 3, 3)
    norms = s["non_normal"]
    ks = range(1, len(norms["tanh"]) + 1)
    ax.semilogy(ks, norms["tanh"], label="tanh RNN")
    ax.semilogy(ks, norms["linear"], label="linear RNN")
    ax.axhline(1.0, color="grey", linewidth=1, linestyle="--")
    ax.annotate(f"{norms['tanh'][-1]:.1e}", (ks[-1], norms["tanh"][-1]), xytext=(-40, -14), textcoords="offset points")
    ax.set_title(r"non-normal $W$: $\rho = 0.71$, $\lambda_1 = 2.87$")
    ax.set_xlabel(r"steps $k$")
    ax.set_ylabel(r"$\|\partial h_k/\partial h_0\|_2$ (log scale)")
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)


def main(argv: list[str] | None = None) -> int:
    return harness_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
