r"""How well random-feature attention approximates exact softmax attention: the study behind the figure.

The estimator is the one :class:`~specref.layers.attention.feature.SpectralAttention` and
``PerformerAttention`` compute (variant ``"specref"``, kernel ``"softmax"``), written here from its
primitives so the study depends on nothing but them: with :math:`x' = d^{-1/4}x`,

.. math::

    (\varphi_q, \varphi_k) = \texttt{paired\_positive\_features}(q', k', W), \quad
    \hat y = \texttt{linear\_attention}(\varphi_q, \varphi_k, v, \epsilon = 0),

against :math:`y = \operatorname{softmax}(qk^{\mathsf T}/\sqrt d)\,v`
(:func:`specref.ops.attention.scaled_dot_product_attention`). Three claims are measured (pure NumPy/SciPy,
every draw from an explicit ``numpy.random.Generator``):

1. **Rate** (:func:`error_curve`, :func:`loglog_slope`). For one pair, :math:`\hat K = \varphi(x)\cdot
   \varphi(y)` is a mean of :math:`m` terms of mean :math:`K = e^{x\cdot y}`, so with i.i.d. columns
   :math:`\operatorname{Var}\hat K = \frac1m K^2 (e^{\|x+y\|^2} - 1)` (Choromanski et al., ICLR 2021,
   Lemma 2): :math:`O(1/m)`. The output :math:`\hat y_i = \sum_j \hat K_{ij} v_j / \sum_j \hat K_{ij}` is a
   smooth function of the :math:`\hat K_{ij}`; to first order (delta method) its error is linear in
   :math:`\hat K - K`, so :math:`\|\hat y - y\| / \|y\| = O_p(m^{-1/2})` and, since the law of
   :math:`\sqrt m\,(\hat y - y)` tends to a fixed Gaussian, :math:`\log` of the relative error is
   :math:`-\tfrac12 \log m` plus a noise of fixed law: ordinary least squares of :math:`\log e` on
   :math:`\log m` over independent draws estimates the slope :math:`-1/2` with a :math:`t` confidence
   interval. The second-order term is smaller by a factor of the relative error itself, so the law holds
   once the error is small; the variance factor :math:`e^{\|x+y\|^2}` sets where: for rows of norm
   :math:`r`, :math:`\|x'\|^2 = r^2/\sqrt d` and the logits :math:`q\cdot k/\sqrt d` lie in
   :math:`[-\rho, \rho]` with :math:`\rho = r^2/\sqrt d`, the factor is at most :math:`e^{4\rho}`.
   :class:`Sizes` draws q and k on that sphere (``logit_bound`` :math:`\rho`).
2. **Orthogonal features help** (:func:`orthogonal_gain`). Columns drawn as orthogonal blocks with
   :math:`\chi_d` norms (:func:`specref.kernels.rff.sample_orthogonal_gaussian_frequencies`) are each
   exactly :math:`N(0, I_d)`, so the estimate stays unbiased, and within a block they are negatively
   correlated in the sense that lowers the variance: for :math:`m \le d`, :math:`\mathrm{MSE}^{ort} \le
   \mathrm{MSE}^{iid} - \frac{2(m-1)}{m(d+2)}\big(K - e^{-(\|x\|^2 + \|y\|^2)/2}\big)^2` (Choromanski et
   al. 2021, Theorem 2; for random Fourier features Yu et al., NeurIPS 2016). Blocks are independent, so
   for :math:`m \ge d` the gain is a fixed fraction of the variance: the orthogonal curve is the i.i.d. one
   shifted down, with the same slope (below :math:`m = d` the gain grows with :math:`m` and the curve is
   steeper: slopes are fitted on :math:`m \ge d`). The test is paired: both kinds see the same
   :math:`q, k, v`; each draw's mean log error ratio over :math:`m` is one observation, and a one-sided
   :math:`t` test asks whether its mean is below 0.
3. **Unbiasedness** (:func:`kernel_estimate_mean`): without the stabiliser, the mean of
   :math:`\varphi(x)\cdot\varphi(y)` over independent projections is compared with
   :math:`e^{q\cdot k/\sqrt d}` in units of its standard error (a :math:`z` score; normal by the central
   limit theorem, the estimate having finite variance).

:func:`study` runs all three with fixed seeds; :func:`study_markdown` writes them for validation/REPORT.md
(:func:`specref.compare.report.render_markdown`) and docs/scripts/attention_approximation.py draws the figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from specref._loglog import SlopeFit, loglog_slope
from specref.kernels.attention_features import paired_positive_features, positive_features
from specref.kernels.rff import sample_gaussian_frequencies, sample_orthogonal_gaussian_frequencies
from specref.ops.attention import scaled_dot_product_attention
from specref.ops.linear_attention import linear_attention

__all__ = ["Sizes", "ErrorCurve", "SlopeFit", "OrthogonalGain", "KernelMean", "Study", "draw_inputs",
           "draw_projection", "favor_attention", "relative_error", "error_curve", "loglog_slope",
           "orthogonal_gain", "kernel_estimate_mean", "study", "study_markdown", "STUDY_SEED"]

#: the seed of :func:`study` as the report and the figure run it
STUDY_SEED = 0


@dataclass(frozen=True)
class Sizes:
    r"""The inputs of one draw: ``n`` tokens, head dimension ``d``, value dimension ``dv``; q and k rows on
    the sphere of radius :math:`(\rho\sqrt d)^{1/2}` so every logit :math:`q\cdot k/\sqrt d` lies in
    :math:`[-\rho, \rho]` (``logit_bound``) and :math:`\|x'+y'\|^2 \le 4\rho`; v standard normal.

    The default :math:`\rho = 1/2` lets attention weights differ by :math:`e^{2\rho} = e` across keys and
    keeps the variance factor :math:`e^{\|x'+y'\|^2} \le e^2`, so the relative error is below 0.2 from
    :math:`m = d = 16` on and the first-order (:math:`m^{-1/2}`) term dominates over the fitted range.
    """

    n: int = 64
    d: int = 16
    dv: int = 16
    logit_bound: float = 0.5

    @property
    def radius(self) -> float:
        return math.sqrt(self.logit_bound * math.sqrt(self.d))


def _sphere(rng, shape, radius):
    x = rng.standard_normal(shape)
    return x * (radius / np.linalg.norm(x, axis=-1, keepdims=True))


def draw_inputs(rng: np.random.Generator, sizes: Sizes = Sizes()):
    """One draw of ``(q, k, v)``, float64 arrays (n, d), (n, d), (n, dv), as :class:`Sizes` describes."""
    q = _sphere(rng, (sizes.n, sizes.d), sizes.radius)
    k = _sphere(rng, (sizes.n, sizes.d), sizes.radius)
    return q, k, rng.standard_normal((sizes.n, sizes.dv))


def draw_projection(rng: np.random.Generator, d: int, m: int, *, orthogonal: bool) -> np.ndarray:
    r"""A projection :math:`W` (d, m) with :math:`N(0, I_d)` columns: orthogonal blocks with :math:`\chi_d`
    norms (the layers' ``use_orthogonal=True``) or i.i.d."""
    if orthogonal:
        return sample_orthogonal_gaussian_frequencies(rng, d, m, norms="chi")
    return sample_gaussian_frequencies(rng, d, m)


def favor_attention(q, k, v, projection):
    r"""FAVOR+ attention :math:`\hat y` with the projection ``projection`` (d, m), as the layers compute it.

    The layers' stabilisers (:func:`~specref.kernels.attention_features.paired_positive_features`) cancel in
    the ratio because :math:`\epsilon = 0`, so :math:`\hat y` is the estimator of the module docstring exactly.
    """
    scale = q.shape[-1] ** -0.25
    phi_q, phi_k = paired_positive_features(scale * q, scale * k, projection)
    return linear_attention(phi_q, phi_k, v, eps=0.0)


def relative_error(approx, exact) -> float:
    r"""Normwise relative error :math:`\|\hat y - y\|_F / \|y\|_F`."""
    return float(np.linalg.norm(np.asarray(approx) - exact) / np.linalg.norm(exact))


@dataclass(frozen=True)
class ErrorCurve:
    """Relative errors per number of features (rows) and draw (columns), orthogonal and i.i.d., the two
    kinds on the same q, k, v in each column and every projection drawn independently."""

    num_features: tuple[int, ...]
    orthogonal: np.ndarray  # (M, S)
    iid: np.ndarray  # (M, S)
    sizes: Sizes

    def mean(self, orthogonal: bool) -> np.ndarray:
        """The mean relative error over the draws, per number of features."""
        return (self.orthogonal if orthogonal else self.iid).mean(axis=1)

    def errors(self, orthogonal: bool) -> np.ndarray:
        return self.orthogonal if orthogonal else self.iid


def error_curve(rng: np.random.Generator, num_features: Sequence[int], seeds: int,
                sizes: Sizes = Sizes()) -> ErrorCurve:
    r"""Relative error of FAVOR+ attention against exact softmax attention for each :math:`m` in
    ``num_features`` and ``seeds`` independent draws of :math:`(q, k, v)`.

    Draw order: for each draw, its q, k, v, then for each :math:`m` an orthogonal and an i.i.d. projection;
    all from ``rng``, so every point is independent of every other (a nested draw, the first columns of
    the largest projection, would correlate the errors across :math:`m` and void the regression's
    independence).

    Notes
    -----
    The curve is fitted with :func:`specref._loglog.loglog_slope` (``next_order=True`` with many draws). The
    next term of :math:`\mathbb E \log e` is :math:`O(1/m)`, not :math:`O(m^{-1/2})`: with
    :math:`\hat y - y = L + Q + \dots`, :math:`L` linear in the estimation errors :math:`\delta =
    O(m^{-1/2})` and :math:`Q` quadratic, :math:`\log\|L + Q\| = \log\|L\| + \langle L, Q\rangle /
    \|L\|^2 + O(\|Q\|^2/\|L\|^2)`; the middle term is odd in :math:`\delta`, so its mean is of the order of
    :math:`\delta`'s third cumulant, :math:`O(1/m)`, as is the last. Fitting :math:`c/m` removes that
    curvature, which a plain fit turns into a slope bias of order :math:`c` times the mean of :math:`1/m`
    over the range: negligible against the interval's width with few draws, visible with many.
    """
    ms = tuple(int(m) for m in num_features)
    out = {True: np.empty((len(ms), seeds)), False: np.empty((len(ms), seeds))}
    for s in range(seeds):
        q, k, v = draw_inputs(rng, sizes)
        exact = scaled_dot_product_attention(q, k, v)  # scale 1/sqrt(d)
        for i, m in enumerate(ms):
            for orthogonal in (True, False):
                w = draw_projection(rng, sizes.d, m, orthogonal=orthogonal)
                out[orthogonal][i, s] = relative_error(favor_attention(q, k, v, w), exact)
    return ErrorCurve(ms, out[True], out[False], sizes)


@dataclass(frozen=True)
class OrthogonalGain:
    r"""Paired comparison of orthogonal against i.i.d. features: ``ratio`` the geometric mean of
    :math:`e^{ort}/e^{iid}`, ``t`` and the one-sided ``p_value`` of :math:`H_0`: mean log ratio
    :math:`\ge 0` over ``draws`` independent draws (``num_features`` the values of m averaged in each)."""

    ratio: float
    t: float
    p_value: float
    draws: int
    num_features: tuple[int, ...]


def orthogonal_gain(curve: ErrorCurve, *, min_features: int | None = None) -> OrthogonalGain:
    r"""One-sided paired :math:`t` test that orthogonal features give smaller errors than i.i.d. ones.

    Each draw (a column of ``curve``) gives one observation, :math:`\ell_s = \operatorname{mean}_m
    \log(e^{ort}_{m,s}/e^{iid}_{m,s})` over :math:`m \ge` ``min_features`` (default :math:`d`, the
    complete blocks); the draws are independent, so the :math:`\ell_s` are i.i.d. and, as means of several
    log ratios, close to normal. :math:`H_1`: :math:`\mathbb E\,\ell < 0`.
    """
    from scipy import stats

    lo = curve.sizes.d if min_features is None else min_features
    rows = [i for i, m in enumerate(curve.num_features) if m >= lo]
    ell = np.log(curve.orthogonal[rows] / curve.iid[rows]).mean(axis=0)
    res = stats.ttest_1samp(ell, 0.0, alternative="less")
    return OrthogonalGain(float(np.exp(ell.mean())), float(res.statistic), float(res.pvalue), ell.size,
                          tuple(curve.num_features[i] for i in rows))


@dataclass(frozen=True)
class KernelMean:
    r"""Monte Carlo check of :math:`\mathbb E[\varphi(x)\cdot\varphi(y)] = e^{q\cdot k/\sqrt d}` per pair:
    the exact value, the mean over ``draws`` projections, its standard error (sample standard deviation /
    :math:`\sqrt{\text{draws}}`), :math:`z` = (mean - exact) / standard error, and for i.i.d. columns the
    standard error predicted by the closed-form variance (NaN for orthogonal ones)."""

    exact: np.ndarray
    mean: np.ndarray
    standard_error: np.ndarray
    z: np.ndarray
    predicted_standard_error: np.ndarray
    draws: int
    num_features: int
    orthogonal: bool


def kernel_estimate_mean(rng: np.random.Generator, q, k, num_features: int, draws: int, *,
                         orthogonal: bool) -> KernelMean:
    r"""The FAVOR+ estimate of :math:`e^{q_p\cdot k_p/\sqrt d}` for each pair :math:`p` (rows of ``q``, ``k``)
    averaged over ``draws`` independent projections of ``num_features`` columns (no stabiliser:
    :math:`c = 0`, the plain estimator).

    For i.i.d. columns :math:`\operatorname{Var} = \frac1m K^2(e^{\|x+y\|^2} - 1)` (:math:`x = d^{-1/4}q`),
    reported as ``predicted_standard_error``; orthogonal blocks have less (module docstring, claim 2).
    """
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    d = q.shape[-1]
    x, y = q * d ** -0.25, k * d ** -0.25
    est = np.empty((draws, q.shape[0]))
    for t in range(draws):
        w = draw_projection(rng, d, num_features, orthogonal=orthogonal)
        est[t] = np.sum(positive_features(x, w) * positive_features(y, w), axis=-1)
    exact = np.exp(np.sum(q * k, axis=-1) / math.sqrt(d))
    mean = est.mean(axis=0)
    se = est.std(axis=0, ddof=1) / math.sqrt(draws)
    if orthogonal:
        predicted = np.full_like(exact, np.nan)
    else:
        predicted = exact * np.sqrt(np.expm1(np.sum((x + y) ** 2, axis=-1)) / (num_features * draws))
    diff = mean - exact
    with np.errstate(divide="ignore", invalid="ignore"):  # zero spread (k = -q): z = 0 if exact, else inf
        z = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.copysign(np.inf, diff)))
    return KernelMean(exact, mean, se, z, predicted, draws, num_features, orthogonal)


@dataclass(frozen=True)
class Study:
    """The three measurements with their settings (see :func:`study`)."""

    seed: int
    curve: ErrorCurve
    slopes: dict  # {"orthogonal": SlopeFit, "iid": SlopeFit}, fitted on m >= d
    gain: OrthogonalGain
    kernel: dict  # {"orthogonal": KernelMean, "iid": KernelMean}


def study(seed: int = STUDY_SEED, *, num_features: Sequence[int] = tuple(2 ** i for i in range(2, 11)),
          seeds: int = 16, pairs: int = 6, kernel_features: int = 16, draws: int = 2000,
          sizes: Sizes = Sizes()) -> Study:
    r"""Run the three measurements from one seed: the error curve (``seeds`` draws per :math:`m`), the
    slopes fitted on :math:`m \ge d`, the paired orthogonal/i.i.d. test, and the unbiasedness check on
    ``pairs`` (q, k) pairs drawn as :class:`Sizes` says, with ``draws`` projections of ``kernel_features``
    columns each. Independent streams: ``SeedSequence(seed).spawn(3)``."""
    curve_ss, pairs_ss, kernel_ss = np.random.SeedSequence(seed).spawn(3)
    curve = error_curve(np.random.default_rng(curve_ss), num_features, seeds, sizes)
    fitted = [i for i, m in enumerate(curve.num_features) if m >= sizes.d]
    ms = [curve.num_features[i] for i in fitted]
    slopes = {name: loglog_slope(ms, curve.errors(orth)[fitted])
              for name, orth in (("orthogonal", True), ("iid", False))}
    prng = np.random.default_rng(pairs_ss)
    q = _sphere(prng, (pairs, sizes.d), sizes.radius)
    k = _sphere(prng, (pairs, sizes.d), sizes.radius)
    krng = np.random.default_rng(kernel_ss)
    kernel = {name: kernel_estimate_mean(krng, q, k, kernel_features, draws, orthogonal=orth)
              for name, orth in (("orthogonal", True), ("iid", False))}
    return Study(seed, curve, slopes, orthogonal_gain(curve), kernel)


def _ci(fit: SlopeFit) -> str:
    return f"{fit.slope:.3f} [{fit.ci[0]:.3f}, {fit.ci[1]:.3f}]"


def study_markdown(s: Study, *, heading: str = "##") -> list[str]:
    """The study as markdown lines: settings, the error table, the slopes with their intervals, the
    orthogonal/i.i.d. ratio with its p-value and the unbiasedness z-scores."""
    c, z = s.curve, s.curve.sizes
    fit_o, fit_i = s.slopes["orthogonal"], s.slopes["iid"]
    lines = [
        f"{heading} Approximation quality of random-feature attention",
        "",
        f"FAVOR+ softmax attention (the `SpectralAttention`/`PerformerAttention` estimator, variant \"specref\") "
        f"against exact softmax attention on the same q, k, v: n = {z.n} tokens, head dimension d = {z.d}, "
        f"q and k rows on the sphere that bounds every logit q.k/sqrt(d) by {z.logit_bound:g}, v standard normal; "
        f"{c.orthogonal.shape[1]} independent draws per number of features m, every projection drawn "
        f"independently (seed {s.seed}, `specref.layers.attention.approximation.study`). Error: "
        "`|y_favor - y|_F / |y|_F`.",
        "",
        "| m | mean error, orthogonal | mean error, i.i.d. | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for m, eo, ei in zip(c.num_features, c.mean(True), c.mean(False), strict=True):
        lines.append(f"| {m} | {eo:.4f} | {ei:.4f} | {eo / ei:.3f} |")
    g = s.gain
    lines += [
        "",
        f"- log-log slope of the error on m >= d (ordinary least squares over every draw, "
        f"{fit_o.level:.0%} t interval; theory -1/2): orthogonal {_ci(fit_o)}, i.i.d. {_ci(fit_i)}.",
        f"- orthogonal / i.i.d. error (geometric mean of the paired ratios over m = {g.num_features[0]}.."
        f"{g.num_features[-1]}): {g.ratio:.3f}; one-sided paired t test over {g.draws} draws: t = {g.t:.2f}, "
        f"p = {g.p_value:.1e}.",
    ]
    for name, km in s.kernel.items():
        zs = ", ".join(f"{v:+.2f}" for v in km.z)
        label = "i.i.d." if name == "iid" else name
        lines.append(f"- unbiasedness, {label} features (m = {km.num_features}, {km.draws} projections, no "
                     f"stabiliser): z = (mean - exp(q.k/sqrt(d))) / standard error per pair: {zs} "
                     f"(max |z| = {np.max(np.abs(km.z)):.2f}).")
    return lines
