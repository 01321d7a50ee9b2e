r"""The spectral signature of neural kernels: seed 004's study, finished (``specref signature --out DIR``).

On :math:`n` points of :math:`[0, 1)` (the seed's ``np.linspace(0, 1, 1001)``), for each ``scale``:

- the seed's frozen layer ``RFF(1, 100, scale)``: its Gram matrix :math:`\Phi\Phi^{\mathsf T}` (the seed's two
  figures: the matrix and the histogram of its spectrum) and the expected kernel it estimates
  (:func:`~specref.neural_kernels.closed_forms.rff_expected_kernel` times m); its CK is the Gram matrix over
  m and its NTK is empty (no trainable parameter);
- the learned layer ``LFF(1, 100, scale)`` (the same draws): its NTK :math:`\cos u(x)\cos u(x')^{\mathsf
  T}(\pi^2 x x' + 1)/m`;
- the RFF-MLP ``RFFMLP(1, scale, 256, 2, 16)``: the CK of its last hidden layer and its NTK.

Each kernel gets its eigenvalues (:func:`~specref.neural_kernels.gram.spectrum`), effective rank and fitted
power-law decay. What the study shows (spectral bias): a larger ``scale`` puts higher frequencies into the
features, so the kernel's eigenvalues decay more slowly and its effective rank grows: the network can fit
finer detail, and at small scales it sees only the smooth part of a target.

:func:`run_study` computes the kernels (NumPy, float64); :func:`write_report` writes ``summary.md`` and, with
matplotlib (``pip install 'specref[plot]'``), the PNG figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from specref.neural_kernels.closed_forms import rff_expected_kernel
from specref.neural_kernels.features import LFF, RFF
from specref.neural_kernels.gram import effective_rank, gram_matrix, spectral_decay, spectrum
from specref.neural_kernels.mlp import RFFMLP
from specref.neural_kernels.ntk import conjugate_kernel, empirical_ntk

__all__ = ["KernelResult", "run_study", "summary_markdown", "write_report", "STUDY_SCALES", "PLOT_HINT"]

#: the default scales: the seed's 10, one below, one above
STUDY_SCALES = (1.0, 10.0, 100.0)
PLOT_HINT = "the figures need matplotlib: pip install 'specref[plot]' (or matplotlib), or pass --no-figures"


@dataclass(frozen=True)
class KernelResult:
    """One kernel of the study: which model and kernel, at which scale, the matrix and what its spectrum says."""

    model: str  # "RFF", "LFF", "RFFMLP"
    kernel: str  # "gram", "expected", "ck", "ntk"
    scale: float
    matrix: np.ndarray
    eigenvalues: np.ndarray
    effective_rank: float
    decay: object  # SlopeFit or None

    @property
    def label(self) -> str:
        return f"{self.model} {self.kernel} (scale {self.scale:g})"


def _result(model, kernel, scale, matrix) -> KernelResult:
    lam = spectrum(matrix)
    return KernelResult(model, kernel, float(scale), matrix, lam, effective_rank(lam), spectral_decay(lam))


def run_study(*, points: int = 1001, scales: Sequence[float] = STUDY_SCALES, mapping_size: int = 100,
              latent: int = 256, seed: int = 0, progress: Callable[[str], None] | None = None) -> list:
    """Every kernel of the study (module docstring), in the order scale, then RFF, LFF, RFFMLP."""
    x = np.linspace(0.0, 1.0, int(points))[:, None]
    out = []
    for scale in scales:
        if progress:
            progress(f"scale {scale:g}: RFF and LFF")
        rff = RFF(1, mapping_size, scale, seed=seed)
        lff = LFF(1, mapping_size, scale, seed=seed)  # the same draws, trainable
        out.append(_result("RFF", "gram", scale, gram_matrix(rff.features(x))))
        out.append(_result("RFF", "expected", scale, mapping_size * rff_expected_kernel(x, scale=scale)))
        out.append(_result("LFF", "ntk", scale, empirical_ntk(lff, x)))
        if progress:
            progress(f"scale {scale:g}: RFFMLP")
        mlp = RFFMLP(1, scale, latent, 2, 16, seed=seed)
        out.append(_result("RFFMLP", "ck", scale, conjugate_kernel(mlp, x)))
        out.append(_result("RFFMLP", "ntk", scale, empirical_ntk(mlp, x)))
    return out


def _decay_text(fit) -> str:
    if fit is None:
        return "n/a"
    return f"{-fit.slope:.2f} [{-fit.ci[1]:.2f}, {-fit.ci[0]:.2f}]"


def summary_markdown(results, *, points: int) -> str:
    """The study's summary: one row per kernel, then what the numbers say."""
    lines = [
        "# The spectral signature of neural kernels",
        "",
        f"{points} points of [0, 1], float64; `specref signature` (docs/neural_kernels.md derives every kernel).",
        "",
        "| model | kernel | scale | largest eigenvalue | effective rank | eigenvalues above the rounding floor | "
        "decay exponent alpha [95% CI] |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        floor = r.eigenvalues.size * np.finfo(float).eps * r.eigenvalues[0]
        lines.append(f"| {r.model} | {r.kernel} | {r.scale:g} | {r.eigenvalues[0]:.4g} | {r.effective_rank:.2f} | "
                     f"{int(np.sum(r.eigenvalues > floor))} | {_decay_text(r.decay)} |")
    by = {(r.model, r.kernel, r.scale): r for r in results}
    scales = sorted({r.scale for r in results})
    lines += ["", "## What moves with scale (spectral bias)", ""]
    for model, kernel in (("RFF", "gram"), ("LFF", "ntk"), ("RFFMLP", "ck"), ("RFFMLP", "ntk")):
        ranks = ", ".join(f"{by[(model, kernel, s)].effective_rank:.2f}" for s in scales if (model, kernel, s) in by)
        lines.append(f"- {model} {kernel}: effective rank {ranks} at scales {', '.join(f'{s:g}' for s in scales)}.")
    lines += ["", "A larger scale draws higher frequencies: the spectrum decays more slowly and the effective rank "
              "grows, so the kernel (and a network trained in its regime) resolves finer detail; at a small scale "
              "only the smooth components carry weight. The frozen RFF layer has no trainable parameter: its NTK "
              "is empty, and its conjugate kernel is its Gram matrix divided by m.", ""]
    return "\n".join(lines)


def _figures(results, out: Path) -> list:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    seed_gram = next((r for r in results if r.model == "RFF" and r.kernel == "gram" and r.scale == 10.0), None)
    if seed_gram is not None:  # the seed's two figures, its configuration: RFF(1, 100, scale=10)
        fig, ax = plt.subplots(figsize=(5, 4.2))
        ax.imshow(seed_gram.matrix)
        ax.set_title("Gram matrix, RFF(1, 100, scale=10)")
        written.append(_save(fig, out / "gram_matrix.png", plt))
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.hist(np.abs(seed_gram.eigenvalues), bins=50)
        ax.set_xlabel("eigenvalue")
        ax.set_title("spectrum of the Gram matrix")
        written.append(_save(fig, out / "spectrum.png", plt))
    scales = sorted({r.scale for r in results})
    for model, kernel in (("RFF", "gram"), ("LFF", "ntk"), ("RFFMLP", "ck"), ("RFFMLP", "ntk")):
        rows = [r for r in results if r.model == model and r.kernel == kernel]
        if not rows:
            continue
        fig, axes = plt.subplots(1, len(rows) + 1, figsize=(3.6 * (len(rows) + 1), 3.4))
        for ax, r in zip(axes, rows, strict=False):
            ax.imshow(r.matrix)
            ax.set_title(f"scale {r.scale:g}")
            ax.set_xticks([])
            ax.set_yticks([])
        ax = axes[-1]
        for r in rows:
            lam = r.eigenvalues[r.eigenvalues > 0]
            ax.loglog(np.arange(1, lam.size + 1), lam / lam[0], label=f"scale {r.scale:g}")
        ax.set_xlabel("k")
        ax.set_ylabel("eigenvalue / largest")
        ax.legend(fontsize=7)
        fig.suptitle(f"{model} {kernel}: matrices and spectra (scales {', '.join(f'{s:g}' for s in scales)})")
        written.append(_save(fig, out / f"{model.lower()}_{kernel}.png", plt))
    return written


def _save(fig, path: Path, plt) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_report(results, out, *, points: int, figures: bool = True) -> list:
    """Write ``summary.md`` (and the figures) into ``out`` (created); return the paths written.

    Raises
    ------
    ModuleNotFoundError
        With :data:`PLOT_HINT` when ``figures`` is asked for and matplotlib is missing.
    """
    out = Path(out)
    if figures:
        try:
            import matplotlib  # noqa: F401
        except ModuleNotFoundError:
            raise ModuleNotFoundError(PLOT_HINT) from None
    out.mkdir(parents=True, exist_ok=True)
    summary = out / "summary.md"
    summary.write_text(summary_markdown(results, points=points), encoding="utf-8")
    return [summary, *(_figures(results, out) if figures else [])]
