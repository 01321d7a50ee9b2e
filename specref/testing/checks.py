"""The verification checks: VJPs against finite differences, adjoints by dot products and dense matrices,
no mutation of arguments, and normwise comparison.

Every check accepts arrays or (nested) lists/tuples of arrays from any supported backend, computes its
inner products on the host with float64/complex128 accumulation, and returns a :class:`CheckResult` holding
the error it measured, the bound it derived and the reason for that bound. ``result.raise_if_failed()``
turns a failure into an ``AssertionError`` with the details. See docs/verification.md for what each check
proves.

Inner product: ``<a, b> = sum(conj(a) * b)``; the checks use its real part ``Re<a, b>``, which is the inner
product of the underlying real vector space (real and imaginary parts as separate coordinates). With the
complex-gradient convention of specref (a gradient with respect to z = a + ib is dL/da + i dL/db), the
directional derivative of L along u is exactly ``Re<grad, u>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from specref.backend import (
    as_generator,
    device_of,
    dtype_name,
    finfo_eps,
    namespace,
    random_normal,
    to_numpy,
)
from specref.testing.tolerances import Bound, adjoint_bound, dense_adjoint_bound, summation_factor
from specref.testing.trees import leaves, same_structure, tree_map, tree_shape, tree_structure

__all__ = [
    "CheckResult",
    "ErrorReport",
    "error_report",
    "assert_close",
    "check_vjp",
    "check_adjoint",
    "check_dense_adjoint",
    "check_no_mutation",
    "random_like",
    "re_inner",
]

# Real dimension above which a dense materialisation is refused: a length-32 complex vector is 64 real
# coordinates; 256 leaves room for a small batch.
DENSE_MAX_REAL_DIM = 256


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check.

    ``passed`` is True, False, or None for a check that was skipped (``reason`` says why). ``max_error`` and
    ``bound`` are normwise relative quantities as each check defines them; ``reason`` is the derivation of
    the bound; ``detail`` says where the worst error is (entry, input) when it helps.
    """

    check: str
    max_error: float | None
    bound: float | None
    passed: bool | None
    reason: str = ""
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def raise_if_failed(self) -> CheckResult:
        if self.passed is False:
            raise AssertionError(self.message())
        return self

    def message(self) -> str:
        err = "n/a" if self.max_error is None else f"{self.max_error:.3e}"
        bound = "n/a" if self.bound is None else f"{self.bound:.3e}"
        text = f"{self.check}: max error {err} vs bound {bound} ({self.reason})"
        return f"{text}; {self.detail}" if self.detail else text


def skipped(check: str, reason: str) -> CheckResult:
    """A result for a check that does not apply, with the reason."""
    return CheckResult(check, None, None, None, reason)


# ----------------------------------------------------------------------------------------------------------
# host-side helpers


def _host(x) -> np.ndarray:
    h = to_numpy(x)
    if h.dtype.kind == "c":
        return h.astype(np.complex128)
    return h.astype(np.float64)


def re_inner(a, b) -> float:
    """``Re<a, b> = Re sum(conj(a) * b)`` over all leaves of two trees of the same structure."""
    if not same_structure(a, b):
        raise ValueError(f"inner product of trees of different structure: {tree_structure(a)} vs {tree_structure(b)}")
    return float(np.real(_vdot(a, b)))


def _vdot(a, b) -> complex:
    """``<a, b> = sum(conj(a) * b)`` over the leaves, accumulated in complex128 on the host."""
    pairs = zip(leaves(a), leaves(b), strict=True)
    return complex(sum(np.vdot(_host(x).ravel(), _host(y).ravel()) for x, y in pairs))


def _im_inner(a, b) -> float:
    return float(np.imag(_vdot(a, b)))


def _abs_inner(a, b) -> float:
    """``sum |a_i| |b_i|``: the size of an inner product without cancellation, the scale of its rounding."""
    return float(sum(np.sum(np.abs(_host(x)) * np.abs(_host(y))) for x, y in zip(leaves(a), leaves(b), strict=True)))


def _norm(a) -> float:
    return math.sqrt(sum(float(np.sum(np.abs(_host(x)) ** 2)) for x in leaves(a)))


def _maxabs(a) -> float:
    return max((float(np.max(np.abs(_host(x)), initial=0.0)) for x in leaves(a)), default=0.0)


def _size(a) -> int:
    return sum(int(math.prod(x.shape)) for x in leaves(a))


def _eps_of(tree) -> float:
    return max(finfo_eps(dtype_name(x.dtype)) for x in leaves(tree))


def _is_complex_leaf(x) -> bool:
    return dtype_name(x.dtype).startswith("complex")


def random_like(rng, tree):
    """A tree of standard-normal draws with the structure, shapes, dtypes, namespace and device of ``tree``.

    Complex leaves get independent N(0, 1) real and imaginary parts. Drawn on the host (see
    ``specref.backend.random_normal``), so the draw does not depend on the backend.
    """
    gen = as_generator(rng)

    def draw(x):
        xp = namespace(x)
        return random_normal(gen, x.shape, dtype=dtype_name(x.dtype), xp=xp, device=device_of(x))

    return tree_map(draw, tree)


def _kinds_match(got, want) -> str:
    """Empty if ``got`` has the structure of ``want`` and the same real/complex kind per leaf, else why not."""
    if not same_structure(got, want):
        return f"structure {tree_structure(got)} differs from the expected {tree_structure(want)}"
    for i, (g, w) in enumerate(zip(leaves(got), leaves(want), strict=True)):
        if _is_complex_leaf(g) != _is_complex_leaf(w):
            return (
                f"leaf {i} has dtype {dtype_name(g.dtype)} where the space is "
                f"{'complex' if _is_complex_leaf(w) else 'real'} ({dtype_name(w.dtype)})"
            )
    return ""


# ----------------------------------------------------------------------------------------------------------
# comparison


@dataclass(frozen=True)
class ErrorReport:
    """Normwise comparison of two trees: ``max|a - b|``, ``max|a - b| / max|b|``, and where the worst entry is."""

    max_abs: float
    normwise: float
    leaf: int
    index: tuple
    actual: complex | float | None = None
    expected: complex | float | None = None

    def where(self) -> str:
        loc = f"index {self.index}" if self.leaf == 0 else f"leaf {self.leaf}, index {self.index}"
        return f"worst at {loc}: got {self.actual!r}, expected {self.expected!r}"


def error_report(actual, expected) -> ErrorReport:
    """Compare two trees normwise. NaN/Inf in the same places with the same values count as equal.

    Raises
    ------
    ValueError
        If the trees differ in structure or shape.
    """
    if not same_structure(actual, expected):
        raise ValueError(f"shapes differ: {tree_structure(actual)} vs {tree_structure(expected)}")
    scale = _maxabs_finite(expected)
    worst = ErrorReport(0.0, 0.0, 0, ())
    for i, (a, b) in enumerate(zip(leaves(actual), leaves(expected), strict=True)):
        ha, hb = _host(a), _host(b)
        if ha.size == 0:
            continue
        same_nonfinite = (~np.isfinite(ha)) & (~np.isfinite(hb)) & _same_nonfinite(ha, hb)
        with np.errstate(invalid="ignore"):  # inf - inf is handled by same_nonfinite
            diff = np.where(same_nonfinite, 0.0, np.abs(ha - hb))
        diff = np.where(np.isnan(diff), np.inf, diff)
        k = int(np.argmax(diff))
        d = float(diff.ravel()[k])
        if d > worst.max_abs or i == 0 and worst.index == ():
            idx = tuple(int(j) for j in np.unravel_index(k, ha.shape))
            worst = ErrorReport(d, 0.0, i, idx, ha.ravel()[k].item(), hb.ravel()[k].item())
    normwise = worst.max_abs / scale if scale > 0 else (0.0 if worst.max_abs == 0 else math.inf)
    return ErrorReport(worst.max_abs, normwise, worst.leaf, worst.index, worst.actual, worst.expected)


def _same_nonfinite(a, b):
    with np.errstate(invalid="ignore"):
        return (np.isnan(a) & np.isnan(b)) | (a == b)


def _maxabs_finite(tree) -> float:
    out = 0.0
    for x in leaves(tree):
        h = np.abs(_host(x))
        h = h[np.isfinite(h)]
        if h.size:
            out = max(out, float(np.max(h)))
    return out


def assert_close(actual, expected, *, rtol: float, atol: float = 0.0, reason: str = "", err_msg: str = ""):
    """Assert ``max|actual - expected| <= rtol * max|expected| + atol`` (normwise, per whole tree).

    Elementwise relative error is not used: exact zeros exist in correct results (the DC gradient of a
    global filter's imaginary part), where it is meaningless. ``reason`` should say where ``rtol`` comes from.

    Raises
    ------
    AssertionError
        Naming the max absolute error, the normwise relative error, the bound and the worst entry.
    """
    rep = error_report(actual, expected)
    scale = _maxabs_finite(expected)
    if not rep.max_abs <= rtol * scale + atol:
        why = f" ({reason})" if reason else ""
        msg = (
            f"arrays differ: max abs error {rep.max_abs:.3e}, normwise relative error {rep.normwise:.3e} > "
            f"rtol {rtol:.3e}{why}, atol {atol:.3e}; {rep.where()}"
        )
        raise AssertionError(f"{err_msg}: {msg}" if err_msg else msg)
    return rep


# ----------------------------------------------------------------------------------------------------------
# VJP against central differences


def check_vjp(
    f: Callable,
    f_vjp: Callable,
    args: tuple,
    *,
    kwargs: dict | None = None,
    argnums: tuple[int, ...] = (0,),
    rng=0,
    error_scale: float = 8.0,
    step: float | None = None,
) -> CheckResult:
    """Check ``f_vjp`` against central finite differences of ``f`` along a random direction.

    Calls ``y = f(*args, **kwargs)`` and ``f_vjp(v, *args, y, **kwargs)`` with a random cotangent ``v``
    (never all ones), which returns the gradient for ``args[argnums[0]]`` (or a tuple, one per argnum).
    For each differentiable input ``x_k`` and a random direction ``u`` (max|u| = 1):

    .. math::

        \\phi(t) = \\operatorname{Re}\\langle v, f(x_k + t u)\\rangle, \\qquad
        D(h) = \\frac{\\phi(h) - \\phi(-h)}{2h} = \\phi'(0) + \\frac{h^2}{6}\\phi'''(0) + O(h^4),

    and the analytic value is :math:`\\phi'(0) = \\operatorname{Re}\\langle \\bar\\partial_k, u\\rangle`.

    Step and tolerance (derived, not tuned):

    * step ``h = eps^(1/3) * max(1, max|x_k|)``, which balances truncation (~h^2) and rounding (~eps/h);
    * truncation error of ``D(h)``: estimated from ``D(2h) - D(h) = 3 (h^2/6) phi''' + O(h^4)``, i.e.
      ``|D(2h) - D(h)| / 3``;
    * rounding of ``D(h)``: each ``phi`` is off by at most ``(c + log2 N + 1) eps S`` with
      ``S = sum |v||f(x)|`` (operator error ``c eps``, then an N-term inner product), giving that over ``h``;
      the rounded perturbation ``fl(x + h u)`` moves each coordinate by up to ``eps |x_i|``, adding
      ``eps sum |g_i||x_i| / h``;
    * rounding of the analytic side: ``(c + log2 n + 1) eps sum |g_i||u_i|``.

    The bound is twice the FD estimates plus the analytic rounding; the error and the bound are reported
    relative to ``sum |g_i||u_i| + |D(h)|``, the size of the directional derivative without cancellation.
    A wrong VJP (a factor, a sign, a conjugation, a missing term) gives an O(1) relative error for a random
    direction with probability one, against a bound near 1e-10 in float64 (about 1e-4 in float32).

    Parameters
    ----------
    f, f_vjp : callables
        The primitive and its VJP with the signature ``f_vjp(dy, *args, y, **kwargs)``.
    args : tuple
        Primal inputs; leaves may be arrays or trees of arrays; non-differentiable ones are passed through.
    argnums : tuple of int
        Indices of the differentiable inputs, in the order ``f_vjp`` returns their gradients.
    rng : int or numpy.random.Generator
        Seed of the cotangent and directions.
    error_scale : float
        The case's claim ``c``: ``f`` is computed with relative error ``c eps``.
    step : float, optional
        Override of ``h``.
    """
    kwargs = dict(kwargs or {})
    gen = as_generator(rng)
    y = f(*args, **kwargs)
    v = random_like(gen, y)
    grads = f_vjp(v, *args, y, **kwargs)
    if len(argnums) == 1:
        grads = (grads,)
    if not isinstance(grads, tuple) or len(grads) != len(argnums):
        return CheckResult(
            "vjp", math.inf, 0.0, False, "VJP output",
            f"expected {len(argnums)} gradient(s) for argnums {argnums}, got {type(grads).__name__}",
        )
    results = []
    for k, g in zip(argnums, grads, strict=True):
        x = args[k]
        if not leaves(x):  # an absent optional input (bias=None) has no gradient
            if g is not None:
                return CheckResult("vjp", math.inf, 0.0, False, "gradient structure",
                                   f"input {k} is None but its gradient is {type(g).__name__}")
            continue
        bad = _kinds_match(g, x)
        if bad:
            return CheckResult("vjp", math.inf, 0.0, False, "gradient structure", f"input {k}: {bad}")
        u = random_like(gen, x)
        umax = _maxabs(u)
        u = tree_map(lambda a, m=umax: a / m, u)
        eps = _eps_of(x)
        h = step if step is not None else eps ** (1.0 / 3.0) * max(1.0, _maxabs(x))

        def phi(t, k=k, u=u):
            shifted = list(args)
            shifted[k] = tree_map(lambda a, du: a + t * du, args[k], u)
            return re_inner(v, f(*shifted, **kwargs))

        d1 = (phi(h) - phi(-h)) / (2 * h)
        d2 = (phi(2 * h) - phi(-2 * h)) / (4 * h)
        analytic = re_inner(g, u)
        gu = _abs_inner(g, u)
        trunc = abs(d2 - d1) / 3.0
        rounding = (error_scale + summation_factor(_size(y))) * eps * _abs_inner(v, y) / h
        rounding += eps * _abs_inner(g, x) / h
        analytic_rounding = (error_scale + summation_factor(_size(x))) * eps * gu
        tol = 2.0 * (trunc + rounding) + analytic_rounding
        scale = gu + abs(d1)
        if scale == 0.0:
            scale = 1.0
        err = abs(analytic - d1) / scale
        bound = tol / scale
        result = CheckResult(
            "vjp",
            err,
            bound,
            bool(err <= bound),
            f"central difference h = {h:.2e}: 2 (truncation {trunc:.1e} + rounding {rounding:.1e}) "
            f"+ analytic rounding {analytic_rounding:.1e}, c = {error_scale:.3g}",
            f"input {k}: analytic Re<g, u> = {analytic:.15e}, finite difference = {d1:.15e}",
        )
        results.append(result)
    if not results:
        return skipped("vjp", "no differentiable input is present (all are None)")
    failed = [r for r in results if not r.passed]
    if failed:
        return failed[0]
    return max(results, key=lambda r: r.max_error / r.bound if r.bound else 0.0)


# ----------------------------------------------------------------------------------------------------------
# adjoints


def check_adjoint(
    op: Callable,
    adjoint: Callable,
    x,
    *,
    kwargs: dict | None = None,
    rng=0,
    error_scale: float = 8.0,
    complex_linear: bool = False,
) -> CheckResult:
    """Dot-product test ``Re<A x, y> == Re<x, A* y>`` with a random ``y`` in the codomain.

    ``op(x, **kwargs)`` is the forward and ``adjoint(y, input_shape=shape_of(x), **kwargs)`` the adjoint
    (docs/design.md). The real inner product is the right one for R-linear maps (rfft, irfft, real,
    imag, conj), whose adjoint is taken in ``Re<u, v>``; for C-linear maps (``complex_linear=True``) the
    imaginary parts must agree as well. ``x`` should be random (the case's generator draws it); complex
    where the domain is complex.

    The error is ``|lhs - rhs| / (||Ax|| ||y|| + ||x|| ||A*y||)``; its bound is
    :func:`specref.testing.tolerances.adjoint_bound`. The adjoint's output must have the structure, shapes
    and real/complex kind of ``x``.
    """
    kwargs = dict(kwargs or {})
    gen = as_generator(rng)
    ax = op(x, **kwargs)
    y = random_like(gen, ax)
    aty = adjoint(y, input_shape=tree_shape(x), **kwargs)
    bad = _kinds_match(aty, x)
    if bad:
        return CheckResult("adjoint", math.inf, 0.0, False, "adjoint output", f"adjoint output {bad}")
    lhs, rhs = re_inner(ax, y), re_inner(x, aty)
    denom = _norm(ax) * _norm(y) + _norm(x) * _norm(aty)
    denom = denom if denom > 0 else 1.0
    err = abs(lhs - rhs) / denom
    detail = f"Re<Ax, y> = {lhs:.15e}, Re<x, A*y> = {rhs:.15e}"
    if complex_linear:
        ilhs, irhs = _im_inner(ax, y), _im_inner(x, aty)
        err = max(err, abs(ilhs - irhs) / denom)
        detail += f"; Im: {ilhs:.15e} vs {irhs:.15e}"
    bound = adjoint_bound(error_scale, _eps_of(x), max(_size(x), _size(ax)))
    return CheckResult("adjoint", err, bound.value, bool(err <= bound.value), bound.reason, detail)


def _real_coordinates(tree) -> np.ndarray:
    """Host float64 vector of the real coordinates of a tree: (Re, Im) interleaved for complex leaves."""
    parts = []
    for x in leaves(tree):
        h = _host(x).ravel()
        if np.iscomplexobj(h):
            h = np.stack([h.real, h.imag], axis=-1).ravel()
        parts.append(h)
    return np.concatenate(parts) if parts else np.zeros(0)


def _coordinate_names(tree) -> list[str]:
    names = []
    all_leaves = leaves(tree)
    for i, x in enumerate(all_leaves):
        prefix = f"leaf {i}, " if len(all_leaves) > 1 else ""
        for flat in range(int(math.prod(x.shape))):
            idx = tuple(int(j) for j in np.unravel_index(flat, x.shape)) if x.shape else ()
            if _is_complex_leaf(x):
                names += [f"{prefix}{idx} real", f"{prefix}{idx} imag"]
            else:
                names.append(f"{prefix}{idx}")
    return names


def _basis(tree, j: int):
    """The j-th real basis vector of the space of ``tree`` (1 or 1j at one entry), as a tree like ``tree``."""
    count = 0
    out = []
    for x in leaves(tree):
        n = int(math.prod(x.shape))
        per = 2 if _is_complex_leaf(x) else 1
        host = np.zeros(x.shape, dtype=dtype_name(x.dtype))
        if count <= j < count + per * n:
            local = j - count
            flat, part = divmod(local, per)
            host.ravel()[flat] = 1j if part == 1 else 1.0
        count += per * n
        xp = namespace(x)
        out.append(xp.asarray(host, device=device_of(x)))
    it = iter(out)
    return tree_map(lambda _: next(it), tree)


def check_dense_adjoint(
    op: Callable,
    adjoint: Callable,
    x,
    *,
    kwargs: dict | None = None,
    error_scale: float = 8.0,
    max_real_dim: int = DENSE_MAX_REAL_DIM,
    skip_large: bool = False,
) -> CheckResult:
    """Materialise ``A`` and ``A*`` column by column and check ``A*`` equals the transpose of ``A``.

    Both are materialised as real matrices over the real coordinates of their spaces (real and imaginary
    parts separate), which is the conjugate transpose for C-linear maps and the only meaningful statement
    for R-linear ones. Unlike the dot test, a failure names the wrong entry: "output (3,) imag, input (5,)".
    ``x`` only fixes the domain's shapes and dtypes; both spaces must have at most ``max_real_dim`` real
    coordinates (a length-32 complex vector has 64); with ``skip_large=True`` a larger space gives a skipped
    result instead (the dot test of :func:`check_adjoint` covers it), as `specref verify` reports it.

    The error is ``max|M*^T - M| / max|M|`` with bound :func:`dense_adjoint_bound`.

    Raises
    ------
    ValueError
        When a space is larger than ``max_real_dim`` (and ``skip_large`` is False).
    """
    kwargs = dict(kwargs or {})
    y0 = op(x, **kwargs)
    n_in = _real_coordinates(x).size
    n_out = _real_coordinates(y0).size
    if max(n_in, n_out) > max_real_dim and skip_large:
        return skipped(
            "dense_adjoint",
            f"spaces of {n_in} and {n_out} real coordinates exceed {max_real_dim}; the dot test covers this size",
        )
    if max(n_in, n_out) > max_real_dim:
        raise ValueError(
            f"dense adjoint check needs at most {max_real_dim} real coordinates per space; "
            f"domain has {n_in}, codomain {n_out}"
        )
    forward_matrix = np.stack([_real_coordinates(op(_basis(x, j), **kwargs)) for j in range(n_in)], axis=1)
    shape = tree_shape(x)
    adjoint_cols = []
    for i in range(n_out):
        col = adjoint(_basis(y0, i), input_shape=shape, **kwargs)
        bad = _kinds_match(col, x)
        if bad:
            return CheckResult("dense_adjoint", math.inf, 0.0, False, "adjoint output", f"adjoint output {bad}")
        adjoint_cols.append(_real_coordinates(col))
    adjoint_matrix = np.stack(adjoint_cols, axis=1)  # (n_in, n_out)
    diff = np.abs(adjoint_matrix.T - forward_matrix)
    scale = float(np.max(np.abs(forward_matrix), initial=0.0)) or 1.0
    k = int(np.argmax(diff)) if diff.size else 0
    err = float(diff.ravel()[k]) / scale if diff.size else 0.0
    bound: Bound = dense_adjoint_bound(error_scale, _eps_of(x))
    detail = ""
    if diff.size:
        r, c = np.unravel_index(k, diff.shape)
        detail = (
            f"worst entry: output {_coordinate_names(y0)[r]}, input {_coordinate_names(x)[c]}: "
            f"A = {forward_matrix[r, c]:.15e}, (A*)^T = {adjoint_matrix[c, r]:.15e}"
        )
    return CheckResult("dense_adjoint", err, bound.value, bool(err <= bound.value), bound.reason, detail)


# ----------------------------------------------------------------------------------------------------------
# mutation


def check_no_mutation(fn: Callable, *args, **kwargs) -> CheckResult:
    """Call ``fn(*args, **kwargs)`` and check that no array among the arguments changed, bit for bit.

    FFT engines have destroyed their input (FFTW's c2r, JAX's GPU irfft2); a VJP must never mutate its
    cotangent. Comparison is exact (NaNs compare equal to NaNs); the bound is 0.
    """
    tree = (tuple(args), tuple(kwargs.values()))
    arrays = [a for a in leaves(tree) if hasattr(a, "shape") and hasattr(a, "dtype")]
    before = [to_numpy(a) for a in arrays]
    fn(*args, **kwargs)
    worst, where = 0.0, ""
    for i, (a, b) in enumerate(zip(arrays, before, strict=True)):
        after = to_numpy(a)
        if after.shape != b.shape or after.dtype != b.dtype:
            return CheckResult(
                "no_mutation", math.inf, 0.0, False, "exact comparison",
                f"argument array {i} changed shape or dtype: {b.shape} {b.dtype} -> {after.shape} {after.dtype}",
            )
        if not np.array_equal(after, b, equal_nan=True):
            d = np.abs(after.astype(np.complex128) - b.astype(np.complex128))
            d = np.where(np.isnan(d), np.inf, d)
            m = float(np.max(d))
            if m >= worst:
                worst = m if m > 0 else math.inf
                where = f"argument array {i} changed at {np.unravel_index(int(np.argmax(d)), d.shape)}"
    return CheckResult("no_mutation", worst, 0.0, worst == 0.0, "exact: arguments must be unchanged", where)
