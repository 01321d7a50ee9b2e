"""Draw docs/figures/rff_kernel_approximation.svg: random Fourier features (RFF) approximating the Gaussian kernel.

The Gaussian kernel k(x, y) = exp(-|x - y|^2 / (2 sigma^2)) is, by Bochner's theorem, an average of cosines
over random frequencies w ~ N(0, sigma^-2 I):

    k(x, y) = E_w[cos(w . (x - y))].

Replacing the expectation by a mean over m sampled frequencies w_1 .. w_m (the columns of W, shape (d, m))
gives features phi(x) whose inner products estimate the kernel, K ~ Phi Phi^T:

    cos with random phase (the default):  phi(x) = sqrt(2/m) cos(x^T W + b),  b_j ~ U[0, 2 pi)
    cos and sin pairs (use_cos_sin=True): phi(x) = sqrt(1/m) [cos(x^T W), sin(x^T W)]   (2m outputs)

Each entry of Phi Phi^T is an unbiased mean of m bounded terms, so its error shrinks like m^(-1/2) (the
Monte Carlo rate; the gray dashed line has that slope). Orthogonal frequencies (Yu et al. 2016; blocks of d
orthogonal directions with chi_d lengths, so every column is still N(0, sigma^-2 I)) keep the estimate
unbiased and lower its variance: the same slope, a smaller constant.

The figure: 64 points x_i ~ N(0, I) in d = 8, sigma = 3 (off-diagonal kernel values from 0.05 to 0.93,
median 0.44). For m = 2^2 .. 2^12 frequencies it shows the largest entrywise error max_ij |(Phi Phi^T)_ij -
K_ij| between the RFF Gram matrix (``GaussianRFFKernel(8, m, sigma=3, orthogonal=..., use_cos_sin=...)``,
``forward``) and the exact Gram matrix K computed from the formula, averaged over 10 seeds, for i.i.d. and
orthogonal frequencies and both feature maps. Within a seed the estimates are nested: the m-feature estimate
uses the first m of the 4096 frequencies drawn for that seed (each is still an unbiased m-feature estimate; the
nesting only makes the curves smoother).

What to learn: to halve the error you need four times as many features; orthogonal frequencies help by a
constant factor at no extra cost, and more so for the cos/sin pairs, whose estimate has no random phase to
add noise (the phase term cos(w . (x + y) + 2b) averages to 0 only over many features; with cos/sin pairs
the diagonal phi(x) . phi(x) = 1 exactly). Per output column the two maps are about even: m cos/sin pairs
have 2m outputs, and their error is close to that of 2m cos features.

Usage: python docs/scripts/fig_rff_approximation.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _plot import COLORS, loglog, write_figures  # noqa: E402  (docs/scripts is not a package)

from specref.kernels import GaussianRFFKernel  # noqa: E402

D = 8  # input dimension
N = 64  # number of points
SIGMA = 3.0  # kernel length scale
POINTS_SEED = 0
TRIALS = 10  # seeds averaged per feature count
FEATURES = [2**k for k in range(2, 13)]  # m = 4 .. 4096
VARIANTS = [  # (legend, orthogonal, use_cos_sin, color)
    ("i.i.d. frequencies, cos(w.x + b)", False, False, COLORS[1]),
    ("orthogonal frequencies, cos(w.x + b)", True, False, COLORS[0]),
    ("i.i.d. frequencies, [cos, sin](w.x)", False, True, COLORS[4]),
    ("orthogonal frequencies, [cos, sin](w.x)", True, True, COLORS[2]),
]


def points() -> np.ndarray:
    return np.random.default_rng(POINTS_SEED).standard_normal((N, D))


def exact_gram(x: np.ndarray) -> np.ndarray:
    """K_ij = exp(-|x_i - x_j|^2 / (2 sigma^2)), from the differences."""
    diff = x[:, None, :] - x[None, :, :]
    return np.exp(-np.sum(diff**2, axis=-1) / (2.0 * SIGMA**2))


def errors(x, k, *, orthogonal: bool, use_cos_sin: bool) -> list[float]:
    """max_ij |Phi Phi^T - K| at each m of FEATURES, averaged over TRIALS seeds.

    Trial t draws M = FEATURES[-1] frequencies and phases once (the generator seeded with (t, orthogonal), the
    draws of ``GaussianRFFKernel(D, M, sigma=SIGMA, orthogonal=orthogonal, seed=...)``) and uses their first
    m for the m-feature estimate: the features of the first m frequencies are those of all M rescaled,
    sqrt(M/m) times their first m columns (cos) or the first m of each half (cos/sin).
    """
    m_max = FEATURES[-1]
    table = np.zeros((TRIALS, len(FEATURES)))
    for trial in range(TRIALS):
        features = GaussianRFFKernel(D, m_max, sigma=SIGMA, use_cos_sin=use_cos_sin, orthogonal=orthogonal,
                                     seed=np.random.default_rng([trial, int(orthogonal)]))
        phi_all = features.forward(x)
        for i, m in enumerate(FEATURES):
            cols = np.r_[0:m, m_max:m_max + m] if use_cos_sin else np.r_[0:m]
            phi = math.sqrt(m_max / m) * phi_all[:, cols]
            table[trial, i] = np.max(np.abs(phi @ phi.T - k))
    return table.mean(axis=0).tolist()


def curves() -> list:
    """(legend, FEATURES, mean max error per m, color) for each variant."""
    x = points()
    k = exact_gram(x)
    return [(name, FEATURES, errors(x, k, orthogonal=orth, use_cos_sin=cs), color)
            for name, orth, cs, color in VARIANTS]


def svg() -> str:
    series = curves()
    # the slope m^(-1/2), drawn below the curves: through 0.6 times the smallest error at the largest m
    end = 0.6 * min(ys[-1] for _, _, ys, _ in series)
    reference = ("slope m^(-1/2) (reference)", (FEATURES[0], end * math.sqrt(FEATURES[-1] / FEATURES[0])),
                 (FEATURES[-1], end))
    return loglog(series, xlabel="number of random frequencies m",
                  ylabel="max |RFF Gram - exact Gram| (mean of 10 seeds)", references=[reference], width=620)


def figures() -> dict[str, str]:
    """The figure (the docs build calls this)."""
    return {"rff_kernel_approximation.svg": svg()}


def main() -> None:
    write_figures(figures())


if __name__ == "__main__":
    main()
