r"""Derived bounds on the difference of two implementations of a kernel method (specref against a peer).

Each implementation of a kernel method has absolute error at most :math:`c\epsilon` per entry against the
exact result (in units of the entry's natural size), :math:`c` the sum of its stages' constants, as in
:mod:`specref.compare.bounds`: a sum or inner product of :math:`m` terms :math:`m + 1` (relative to the sum
of the absolute values of its terms), an elementwise stage (cos, sin, exp, a square root, a product, a
division, a scale) 4. Two implementations then differ by at most :math:`2c\epsilon`.

Unlike an FFT, the kernels' stages amplify errors by the size of their arguments: :math:`\cos(u)` with
:math:`u = x\cdot\omega + b` has the absolute error of :math:`u`, which is :math:`\gamma_{d+1}` times
:math:`U = \sum_k |x_k||\omega_k| + |b|`, and an exponential turns the absolute error of its argument
:math:`a` into a relative one. So :func:`measure` reads these sizes off the inputs, the loaded arrays and
specref's output (a comparison runs specref's forward before it asks for the bounds), and the forward bound
is the entries' absolute error divided by the largest output entry, which is what the normwise error
:math:`\max|peer - specref|/\max|specref|` measures. Gradients run the same stages' adjoints plus one
product and the longest reduction forming them (over the features, the other argument's rows, or the rows
of the batch for a parameter gradient); they are measured against their own largest entry and, as in
:mod:`specref.compare.bounds`, cancellation in those sums is not counted (random cotangents show none).

The spectral kernels (``FourierKernel``, ``LearnableSpectralKernel``, ``PolynomialSpectralKernel``,
``TruncatedSVDKernel``) use the error scales of their registered verification cases (derived beside them in
:mod:`specref.kernels.spectral` and :mod:`specref.kernels.spectral_eigen`): forward :math:`2c\epsilon`,
gradients :math:`4c\epsilon` (the same stages in reverse plus one reduction of the same lengths). The
truncations are amplified by the top eigenvalue over the gap at the cut; their cases bound that by 10
(``compute_attention``) and 20 (``TruncatedSVDKernel``) for their draws, and :func:`measure` takes the
measured ratio where it is larger.

Each bound is :math:`2c\epsilon` with :math:`\epsilon` the precision's epsilon (float32 inputs or a float32
peer: float32's), and its reason names the stages and the measured sizes.
"""

from __future__ import annotations

import math

import numpy as np

from specref.compare.bounds import eps_of
from specref.testing.tolerances import Bound

__all__ = ["kind_of", "measure", "kernel_bounds", "feature_scale"]

# (specref class, specref method) -> the kind of derivation; None: any method of the class not listed.
_KINDS: dict[tuple[str, str], str] = {
    ("CosineKernel", "compute"): "cosine",
    ("CosineKernel", "gram_matrix"): "cosine",
    ("PolynomialKernel", "compute"): "polynomial",
    ("PolynomialKernel", "gram_matrix"): "polynomial",
    ("GaussianRFFKernel", "spectral_density"): "density",
    ("LaplacianRFFKernel", "spectral_density"): "density",
    ("FourierKernel", "extract_features"): "fourier",
    ("LearnableSpectralKernel", "extract_features"): "learnable_features",
    ("PolynomialSpectralKernel", "compute_attention"): "pca_attention",
}
_BY_CLASS = {
    "GaussianRFFKernel": "shift_invariant",
    "LaplacianRFFKernel": "shift_invariant",
    "FourierKernel": "fourier",
    "LearnableSpectralKernel": "learnable",
    "PolynomialSpectralKernel": "poly_spectral",
    "TruncatedSVDKernel": "svd",
}


def kind_of(kernel, method: str) -> str:
    """The derivation that bounds ``method`` of the specref ``kernel`` (a feature map's ``forward`` is
    ``"features"``, its ``kernel_approximation`` ``"approximation"``).

    Raises
    ------
    KeyError
        For a method no bound is derived for (pass ``bound=`` to :func:`specref.compare.compare`).
    """
    name = type(kernel).__name__
    if method == "forward" and hasattr(kernel, "forward_vjp"):
        return "features"
    if method == "kernel_approximation":
        return "approximation"
    kind = _KINDS.get((name, method))
    if kind is None and method in ("compute", "gram_matrix", "evaluate_difference"):
        kind = _BY_CLASS.get(name)
    if kind is None:
        raise KeyError(f"no derived bound for {name}.{method}; pass bound=(forward, gradient) to "
                       "specref.compare.compare")
    return kind


# ----------------------------------------------------------------------------------------------------------
# measured sizes


def _host(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _rows(a) -> int:
    return int(math.prod(np.shape(a)[:-1]))


def _max(a) -> float:
    a = np.abs(_host(a))
    return float(np.max(a)) if a.size else 0.0


def feature_scale(kernel) -> float:
    r"""The scale :math:`s` of a cosine feature map: :math:`\sqrt{1/m}` for ``[cos, sin]`` features,
    :math:`\sqrt{2/m}` otherwise (:math:`\varphi = s\cos(u)`, so :math:`|\varphi| \le s`)."""
    m = kernel.num_features
    return math.sqrt(1.0 / m) if getattr(kernel, "use_cos_sin", False) else math.sqrt(2.0 / m)


def _feature_error(kernel, x) -> tuple[float, str]:
    r"""``(e, what)``: the absolute error of each feature of ``x`` is at most :math:`e\epsilon`."""
    x = _host(x)
    d = x.shape[-1]
    state = {k: _host(v) for k, v in kernel.state_dict().items()}
    name = type(kernel).__name__
    if name == "RFFAttentionKernel":
        w = state["projection"]
        z_abs = np.abs(x) @ np.abs(w)
        s = 1.0 / math.sqrt(kernel.num_features)
        if kernel.kernel_type == "softmax":
            # t = x.w - |x|^2/2: absolute error (d + 2) T; exp makes it relative, the scale adds 1 ulp
            t = float(np.max(z_abs + 0.5 * np.sum(x * x, axis=-1, keepdims=True))) if x.size else 0.0
            phi_max = _max(kernel.forward(x))
            return phi_max * ((d + 2) * t + 8.0), f"exp of x.w - |x|^2/2 of size T = {t:.3g} ((d + 2) T + 8, relative)"
        size = float(np.max(z_abs)) if x.size else 0.0
        if kernel.kernel_type == "relu":
            s = math.sqrt(2.0 / kernel.num_features)
            return s * ((d + 1) * size + 4.0), f"z = x.w of size Z = {size:.3g} ((d + 1) Z), relu and scale"
        return s * ((d + 1) * size + 8.0), f"z = x.w of size Z = {size:.3g} ((d + 1) Z), elu or exp + 1, scale"
    s = feature_scale(kernel)
    bias = state["bias"]
    if name == "OrthogonalRandomFeatures" and kernel.use_hadamard:
        diags = [state[k] for k in sorted(state) if k.startswith("diagonal")]
        n = diags[0].shape[0]
        # three stages (diagonal product, transform: log2 n + 2 for the FWHT, n + 1 for a dense H), each
        # relative to its 2-norm <= |x|_2 prod max|D_i| (H / sqrt(n) is orthogonal)
        z = float(np.max(np.linalg.norm(x, axis=-1))) * math.prod(_max(dg) for dg in diags) if x.size else 0.0
        u = z + _max(bias)
        return s * (3 * (n + 2) * z + u + 8.0), (f"three diagonal and {n}-point Hadamard stages of size "
                                                 f"Z = {z:.3g} (3 (n + 2) Z), the phase (size {u:.3g}), cos, scale")
    w = state["omega"] if "omega" in state else state["projection"]
    u = float(np.max(np.abs(x) @ np.abs(w) + np.abs(bias))) if x.size else 0.0
    return s * ((d + 1) * u + 8.0), f"argument x.omega + b of size U = {u:.3g} ((d + 1) U), cos/sin, scale"


def _gap_ratio(values_desc: np.ndarray, cut: int) -> float:
    """Top value over the gap at the cut (values sorted in decreasing order, ``cut`` values kept)."""
    if cut >= values_desc.shape[-1]:
        return 1.0
    gap = values_desc[..., cut - 1] - values_desc[..., cut]
    with np.errstate(divide="ignore"):
        return float(np.max(np.where(gap > 0, values_desc[..., 0] / np.where(gap > 0, gap, 1.0), np.inf)))


def measure(kernel, method: str, inputs: tuple, output) -> dict:
    """The sizes a kernel method's bound depends on, read off the inputs, the kernel's arrays and
    specref's ``output`` (see the module docstring): a dict for :func:`kernel_bounds`."""
    kind = kind_of(kernel, method)
    inputs = tuple(_host(a) for a in inputs)
    x = inputs[0]
    y = inputs[1] if len(inputs) > 1 else x
    out = _host(output)
    sizes = {"kind": kind, "output_max": _max(out), "d": x.shape[-1], "n": x.shape[-2] if x.ndim > 1 else 1,
             "m": y.shape[-2] if y.ndim > 1 else 1, "rows": _rows(x) + (_rows(y) if len(inputs) > 1 else 0)}
    if kind == "features":
        sizes["error"], sizes["what"] = _feature_error(kernel, x)
        sizes["features"] = out.shape[-1]
    elif kind == "approximation":
        ex, what = _feature_error(kernel, x)
        ey, _ = _feature_error(kernel, y)
        phi_x, phi_y = np.abs(_host(kernel.forward(x))), np.abs(_host(kernel.forward(y)))
        sizes.update(error=max(ex, ey), what=what, features=phi_x.shape[-1],
                     phi_max=max(_max(phi_x), _max(phi_y)),
                     row_sums=_max(np.sum(phi_x, axis=-1)) + _max(np.sum(phi_y, axis=-1)),
                     dot_max=_max(phi_x @ np.swapaxes(phi_y, -1, -2)))
    elif kind in ("shift_invariant", "density"):
        k = out
        with np.errstate(divide="ignore"):
            arg = np.where(k > 0, -np.log(np.where(k > 0, k, 1.0)), 0.0)
        if kind == "density":
            arg = 0.5 * kernel.sigma**2 * np.sum(x * x, axis=-1)
        c = (sizes["d"] + 3) * arg + (12.0 if kind == "density" else 8.0)
        if kind == "density" and type(kernel).__name__ == "LaplacianRFFKernel":
            c = np.full_like(k, 5.0 * sizes["d"] + 4.0)  # d factors sigma / (pi (1 + (sigma w)^2)): 4 each, product
        sizes["weighted"] = _max(k * c) / sizes["output_max"] if sizes["output_max"] > 0 else 0.0
        sizes["argument"] = _max(arg)
    elif kind == "polynomial":
        t = abs(kernel.alpha) * (np.abs(x) @ np.swapaxes(np.abs(y), -1, -2)) + abs(kernel.coef0)
        sizes["t"] = _max(t)
    elif kind == "svd":
        r = kernel.rank
        s = np.linalg.svd(x @ np.swapaxes(y, -1, -2), compute_uv=False)
        sizes["gap_ratio"] = 1.0 if r >= min(sizes["n"], sizes["m"], sizes["d"]) else _gap_ratio(s, r)
    elif kind == "pca_attention":
        qc = x - x.mean(axis=-2, keepdims=True)
        kc = y - y.mean(axis=-2, keepdims=True)
        cov = (np.swapaxes(qc, -1, -2) @ qc + np.swapaxes(kc, -1, -2) @ kc) / (qc.shape[-2] + kc.shape[-2])
        mu = np.linalg.eigvalsh(cov)[..., ::-1]
        sizes["gap_ratio"] = _gap_ratio(mu, kernel.rank)
    return sizes


# ----------------------------------------------------------------------------------------------------------
# bounds


def _bounds(c_fwd: float, c_grad: float, eps: float, what: str, grad_what: str) -> tuple[Bound, Bound]:
    tail = f"eps = {eps:.3g}"
    return (Bound(2.0 * c_fwd * eps, f"2 c eps, c = {c_fwd:.1f} ({what}); {tail}"),
            Bound(2.0 * c_grad * eps, f"2 c eps, c = {c_grad:.1f} ({grad_what}); {tail}"))


def _relative(value: float, largest: float) -> float:
    """``value`` (an absolute error bound) relative to the largest output entry."""
    return value / largest if largest > 0 else (0.0 if value == 0 else math.inf)


def kernel_bounds(kernel, method: str, sizes: dict, dtype: str) -> tuple[Bound, Bound]:
    r"""The (forward, gradient) bounds of specref's ``kernel.method`` against a peer's, in precision ``dtype``.

    ``sizes`` are what :func:`measure` read off the comparison's inputs, the kernel's arrays and specref's
    output (the argument sizes, the largest entry, the lengths of the sums).

    Raises
    ------
    KeyError
        For a method no bound is derived for.
    """
    eps = eps_of(dtype)
    kind = sizes.get("kind") or kind_of(kernel, method)
    d, n, m, big = sizes["d"], sizes["n"], sizes["m"], sizes["output_max"]
    if kind == "features":
        e, feats = sizes["error"], sizes["features"]
        c_rel = _relative(e, big)
        longest = max(feats, sizes["rows"] if kernel.params else 0)
        return _bounds(c_rel, c_rel + 4.0 + longest + 1.0, eps,
                       f"features: {sizes['what']}; against max|phi| = {big:.3g}",
                       f"the features' stages, a product and sums of {longest} terms (features or rows)")
    if kind == "approximation":
        e, feats = sizes["error"], sizes["features"]
        # |dK_ij| <= e (sum_l |phi_x,il| + sum_l |phi_y,jl|) + (D + 1) sum_l |phi_x,il phi_y,jl|
        c_fwd = _relative(e * sizes["row_sums"] + (feats + 1.0) * sizes["dot_max"], big)
        c_feat = _relative(e, sizes["phi_max"])
        longest = max(feats, sizes["rows"])
        return _bounds(c_fwd, 2.0 * c_feat + feats + 2.0 + 4.0 + longest + 1.0, eps,
                       f"features ({sizes['what']}) and a {feats}-term dot; against max|K| = {big:.3g}",
                       f"the features' stages on both sides, the dot, a product and sums of {longest} terms")
    if kind == "cosine":
        c_abs = 3.0 * d + 23.0  # dot (d + 1), two norms (d + 1 and a square root each), eps, product, division
        longest = max(n, m)
        return _bounds(_relative(c_abs, big), c_abs + 8.0 + longest + 1.0, eps,
                       f"a {d}-term dot, two {d}-term norms, the shifts, product and division (3d + 23 absolute, "
                       f"entries <= 1); against max|K| = {big:.3g}",
                       f"the same stages, two products and sums of {longest} terms")
    if kind == "polynomial":
        p, t = kernel.degree, sizes["t"]
        c_entry = p * (d + 2.0) + 4.0  # t = alpha x.y + c0 ((d + 2) T absolute), p-th power, relative to T^p
        scale = t**p if p else 1.0
        longest = max(n, m)
        return _bounds(_relative(c_entry * scale, big), c_entry + 8.0 + longest + 1.0, eps,
                       f"t = alpha x.y + c0 of size T = {t:.3g} ((d + 2) T), its {p}-th power (p (d + 2) + 4 "
                       f"relative to T^p); against max|K| = {big:.3g}",
                       f"the same stages, two products and sums of {longest} terms")
    if kind in ("shift_invariant", "density"):
        w = sizes["weighted"]
        longest = 0 if method in ("evaluate_difference", "spectral_density") else max(n, m)
        if kind == "shift_invariant":
            what = (f"exp of an argument a <= {sizes['argument']:.3g} (differences and a {d}-term sum): relative "
                    "error (d + 3) a + 8, weighted by the entries")
        elif type(kernel).__name__ == "LaplacianRFFKernel":
            what = "d factors sigma / (pi (1 + (sigma w)^2)) of 4 roundings each and their product: 5d + 4, relative"
        else:
            what = (f"exp of -sigma^2 |w|^2 / 2 <= {sizes['argument']:.3g} ((d + 3) a relative), the constant and "
                    "the product: (d + 3) a + 12, weighted by the entries")
        return _bounds(w, w + 8.0 + (longest + 1.0 if longest else 0.0), eps, what,
                       "the same stages, two products" + (f" and sums of {longest} terms" if longest else ""))
    # the spectral kernels: the registered cases' error scales, forward 2 c eps, gradients 4 c eps
    c, what = _spectral_scale(kernel, kind, d, n, m, sizes)
    return _bounds(c, 2.0 * c, eps, what, "the same stages in reverse plus one reduction of the same lengths: 2 c")


def _spectral_scale(kernel, kind: str, d: int, n: int, m: int, sizes: dict) -> tuple[float, str]:
    from specref.kernels import spectral, spectral_eigen

    if kind == "fourier":
        return (spectral._fourier_scale({"d": d, "rank": kernel.rank}),
                f"rfft over {d} points (2(1 + log2 d)) and the filter product per side, then a 2r-term dot")
    if kind == "learnable":
        return (spectral._learnable_scale({"d": d, "rank": kernel.rank, "m": m}),
                "d-term projections, r-term dot, m-term row norm (gamma_k each) and a few roundings")
    if kind == "learnable_features":
        return 2.0 * d + 6.0, "a d-term projection (gamma_d), the square root and the product"
    if kind == "poly_spectral":
        return (spectral_eigen._poly_scale({"degree": kernel.degree, "d": d}),
                "length-d dot then the p-th power (p (d + 2)), two length-d norms and a division")
    if kind == "pca_attention":
        ratio = sizes["gap_ratio"]
        p = {"n": n, "m": m, "d": d, "degree": kernel.degree}
        c = spectral_eigen._attention_scale(p)
        if ratio > 10.0:  # the case bounds ||C|| / gap by 10 for its draws
            c = (c - 4.0) * ratio / 10.0 + 4.0
        return c, (f"centring, covariance, eigh amplified by max(10, ||C|| / gap = {ratio:.3g}), projected dot, "
                   "power, softmax")
    ratio = sizes["gap_ratio"]
    c = spectral_eigen._svd_scale({"n": n, "m": m, "d": d}) * max(1.0, ratio / 20.0)  # the case: s_1 / gap <= 20
    return c, (f"matmul, SVD (backward stable, amplified by max(20, s_1 / gap = {ratio:.3g})) and the "
               "normalization")
