r"""The usual cause of a disagreement's pattern: each recognition a hypothesis, tested against the peer's run.

:func:`explain` is called once by :func:`specref.compare.compare` when a tensor fails. For each failing
tensor it tries, in order, the hypotheses below and names the first that reproduces the peer's tensor; a
hypothesis *reproduces* it when the remaining difference is rounding, judged against the comparison's own
derived bound :math:`\tau` of that tensor (so a generic disagreement, e.g. the output plus noise, gets no
cause). With :math:`p` the peer's tensor, :math:`o` specref's, :math:`N` the length along a spectral axis
and :math:`K = \lfloor N/2\rfloor + 1` the bins of a one-sided spectrum:

1. **conjugated weight**: specref rebuilt with :math:`\overline W` for one complex peer weight (a complex
   array, a real ``(..., 2)`` pair, or ``*_real``/``*_imag`` partners) reproduces the output, the input
   gradients, and the weight's gradient conjugated back (:math:`W \mapsto \overline W` conjugates the
   gradient in the convention :math:`\partial L/\partial a + i\,\partial L/\partial b`);
2. **norm mismatch**: :math:`p = c\,o` with :math:`c \in \{L, \sqrt L, 1/L, 1/\sqrt L\}`, :math:`L` the
   product of the lengths along any non-empty set of spectral axes (of the output or the first input);
3. **JAX's conjugate convention**: the output agrees and a complex gradient is :math:`p = \overline o`;
4. **dropped negative frequency**: along a spectral axis the output's spectrum (the output itself where it
   is indexed by frequency) is specref's on bins :math:`0 \le k \le N/2` and zero on the negative ones, or,
   after a real part, specref's at DC (and Nyquist) and half of it at every other bin:
   :math:`\operatorname{Re}\,\mathcal F^{-1}Z` with :math:`Z_k = 0` for :math:`k > N/2` has spectrum
   :math:`\tfrac12(Z_k + \overline{Z_{-k}})`; the gradients of that forward inherit the pattern;
5. **missing Hermitian weight**: a one-sided parameter gradient (an axis of :math:`K` bins) equals
   specref's at DC (and Nyquist for even :math:`N`) and is :math:`\tfrac12 o` (or :math:`2o`) at the
   interior bins :math:`0 < k < N/2`, whose Hermitian weight is 2 (bin :math:`k` stands for :math:`k` and
   :math:`N - k`);
6. **off-by-one mode count**: a tensor's shape is off by one along one axis, or the difference
   :math:`p - o` lives in one frequency bin (or a mirrored pair :math:`k, N - k`) at the edge of the
   retained modes: DC, the highest frequency :math:`\lfloor N/2\rfloor`, or a ``modes`` cut-off.

Tests 1-3 and 5 use the comparison's measure, :math:`\max|p - h| / \max|h| \le \tau` (:math:`h` the
hypothesis; a conjugation and a scaling by 2 or 1/2 are exact, a scaling by :math:`c` adds one rounding,
:math:`2\epsilon`). Tests 4 and 6 look at spectra (FFTs along an axis, ``norm="ortho"``: unitary) and use the
2-norm, :math:`\|P - H\|_2 / \|O\|_2 \le \sqrt{n}\,\tau + 2c_{fft}(N)\epsilon` with :math:`n` the tensor's
size: :math:`\|e\|_2 \le \sqrt n\max|e|` and :math:`\|o\|_2 \ge \max|o|` carry the bound over to the 2-norm,
a unitary FFT keeps 2-norms, and computing it adds :math:`c_{fft}(N)\epsilon` per side
(:func:`specref.testing.tolerances.fft_error_scale`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from specref.compare.bounds import eps_of
from specref.testing.checks import error_report
from specref.testing.tolerances import fft_error_scale

__all__ = ["Evidence", "explain"]

# Components whose output is indexed by frequency along their spectral axes (a spectrum, or its real part).
_SPECTRUM_OUTPUT = {"FourierMixing", "FourierMixing1D", "RealFourierMixing", "SeparableFourierMixing",
                    "fft", "fft2", "fftn"}
# One forward transform with ``norm`` (the output is the transform), or one inverse transform.
_FORWARD_FUNCTIONS = {"fft", "rfft", "fft2", "rfft2", "fftn", "rfftn"}
_FORWARD = {"FourierMixing", "FourierMixing1D", "RealFourierMixing", "SeparableFourierMixing"} | _FORWARD_FUNCTIONS
_INVERSE = {"ifft", "irfft", "ifft2", "irfft2", "ifftn", "irfftn"}
# A forward transform and its inverse around a product: only the product of their scales matters.
_PAIRED = {"GlobalFilterMixing", "GlobalFilterMixing2D", "AdaptiveGlobalFilter"}
# Components transforming along the last two axes (the pairing names only the sequence axis).
_TWO_D = {"FourierMixing", "RealFourierMixing", "SeparableFourierMixing", "GlobalFilterMixing2D"}
_NORMS = ("backward", "ortho", "forward")


@dataclass
class Evidence:
    """Everything a comparison saw: the pairing (to re-run specref under a hypothesis), the inputs, the
    cotangent, the peer's run and specref's output, the precision, and the comparison itself."""

    pairing: object
    framework: str
    inputs: tuple
    dy: object
    training: bool
    masks: dict
    peer: object
    output: object
    precision: str
    params: object
    peer_callable: object
    comparison: object


def explain(evidence: Evidence) -> dict:
    """Tensor name -> the usual cause of its pattern, for the failing tensors specref recognises.

    Each cause says what the pattern is, the usual bug behind it, and how to fix it. A tensor whose pattern
    no hypothesis reproduces (to within its bound) gets none.
    """
    failing = [t.name for t in evidence.comparison.failures()]
    if not failing:
        return {}
    try:
        case = _Case(evidence)
    except Exception:  # noqa: BLE001 -- specref could not be re-run for the hypotheses: no cause, the comparison stands
        return {}
    causes: dict = {}
    for recognise in (_conjugated_weight, _norm_mismatch, _jax_convention, _dropped_negative,
                      _hermitian_weight, _off_by_one):
        pending = [n for n in failing if n not in causes and n in case.peer and n in case.ours]
        if not pending:
            break
        try:
            causes.update(recognise(case, pending))
        except Exception:  # noqa: BLE001 -- a hypothesis that cannot be tested explains nothing; the comparison stands
            continue
    return causes


# ----------------------------------------------------------------------------------------------------------
# what the recognitions share


class _Case:
    """The peer's tensors, specref's (re-run: the evidence holds only the output), bounds, axes, kinds."""

    def __init__(self, ev: Evidence):
        from specref.compare.api import input_names

        self.ev = ev
        self.pairing = ev.pairing
        self.component = str(ev.pairing.component)
        self.eps = eps_of(ev.precision)
        self.bounds = {t.name: float(t.bound.value) for t in ev.comparison.tensors}
        self.output_failed = any(t.name == "output" for t in ev.comparison.failures())
        self.names = input_names(len(ev.inputs))
        self.peer = {"output": np.asarray(ev.peer.output)}
        self.peer.update({f"grad {n}": np.asarray(g) for n, g in zip(self.names, ev.peer.input_grads, strict=False)})
        self.peer.update({f"grad {k}": np.asarray(g) for k, g in ev.peer.param_grads.items()})
        self.grads = any(t.name.startswith("grad ") for t in ev.comparison.tensors)
        self.ours = self.run(self.pairing)
        try:
            self.kinds = dict(self.pairing.weight_map.complex_params(self.pairing.peer_params))
        except Exception:  # noqa: BLE001 -- a map that cannot say which weights are complex: none tested
            self.kinds = {}
        ndim = self.peer["output"].ndim
        axes = {a % ndim for a in self.pairing.spectral_axes or ()} if ndim else set()
        if self.component in _TWO_D and ndim >= 2:
            axes |= {ndim - 2, ndim - 1}
        self.axes = tuple(sorted(axes, reverse=True))  # the sequence axis (-2) before the hidden axis (-1)

    def run(self, pairing) -> dict:
        """specref's tensors under ``pairing``, by the comparison's names."""
        y, state = pairing.forward(self.ev.inputs, self.ev.training, self.ev.masks)
        out = {"output": np.asarray(y)}
        if self.grads:
            input_grads, param_grads = pairing.backward(state, self.ev.dy)
            out.update({f"grad {n}": np.asarray(g) for n, g in zip(self.names, input_grads, strict=False)
                        if g is not None})
            out.update({f"grad {k}": np.asarray(g) for k, g in param_grads.items()})
        return out

    def same_shape(self, name: str) -> bool:
        return self.peer[name].shape == self.ours[name].shape

    def close(self, name: str, p, h, extra: float = 0.0) -> bool:
        """The comparison's measure: max|p - h| / max|h| within the tensor's bound (+ ``extra``)."""
        p, h = np.asarray(p), np.asarray(h)
        return p.shape == h.shape and error_report(p, h).normwise <= self.bounds[name] + extra

    def threshold2(self, name: str, n: int) -> float:
        """The 2-norm residual of a spectral hypothesis allowed by rounding (module docstring)."""
        return math.sqrt(self.peer[name].size) * self.bounds[name] + 2.0 * fft_error_scale(n) * self.eps

    def norm(self) -> str | None:
        """specref's FFT normalisation: the layer's ``fft_norm``, a function's ``norm`` (default "backward")."""
        layer_norm = getattr(self.pairing.layer, "fft_norm", None)
        if layer_norm is not None:
            return layer_norm
        cfg = self.pairing.config or {}
        if "fft_norm" in cfg:
            return cfg["fft_norm"]
        if self.component in _FORWARD | _INVERSE:
            return cfg.get("norm") or "backward"
        return None

    def mode_edges(self) -> set:
        """Retained-mode cut-offs m in the config (keys naming modes): the edge bins m - 1 and m."""
        edges = set()
        for key, value in (self.pairing.config or {}).items():
            if "modes" in key and isinstance(value, int) and value > 0:
                edges |= {value - 1, value}
        return edges


def _along(a, axis: int):
    """``a`` with ``axis`` moved first, as complex."""
    return np.moveaxis(np.asarray(a), axis, 0).astype(complex)


def _spectrum(a, axis: int, domain: str):
    """Along ``axis``, first: the unitary DFT of a signal, or the array itself where it is a spectrum."""
    a = _along(a, axis)
    return np.fft.fft(a, axis=0, norm="ortho") if domain == "signal" else a


def _bins(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of n bins: the non-negative frequencies 0..N//2, the negative ones, and the edges (DC, Nyquist)."""
    k = np.arange(n)
    nonneg = k[k <= n // 2]
    edges = np.array([0, n // 2]) if n % 2 == 0 else np.array([0])
    return nonneg, k[k > n // 2], edges


def _rel2(a, b, ref) -> float:
    scale = float(np.linalg.norm(ref))
    return float(np.linalg.norm(a - b)) / scale if scale > 0 else math.inf


def _axis_text(axis: int, ndim: int) -> str:
    return f"axis {axis - ndim}"


def _hz(n: int, k: int) -> str:
    return "DC" if k == 0 else ("the Nyquist bin" if 2 * k == n else f"bin {k}")


# ----------------------------------------------------------------------------------------------------------
# 1. a conjugated weight


def _conjugate(params: dict, name, kind) -> dict:
    """``params`` with weight ``name`` conjugated (held as ``kind``; a missing entry is left out)."""
    out = dict(params)
    key = kind[1] if isinstance(kind, tuple) else name  # the array whose sign flips
    if key not in params:
        return out
    w = np.array(params[key], copy=True)
    if kind == "complex":
        w = np.conj(w)
    elif kind == "pair":
        w[..., 1] = -w[..., 1]
    else:  # (real, imag) partners
        w = -w
    out[key] = w
    return out


def _conjugate_grads(tensors: dict, name, kind) -> dict:
    """The gradient of W from the gradient at conj(W): conjugated (in the ``dL/da + i dL/db`` convention)."""
    grads = {f"grad {k}": v for k, v in _conjugate({k[5:]: v for k, v in tensors.items() if k.startswith("grad ")},
                                                   name, kind).items()}
    return {**tensors, **grads}


def _conjugated_weight(case: _Case, pending: list) -> dict:
    if "output" not in pending or getattr(case.pairing, "rebuild", None) is None:
        return {}
    for name, kind in case.kinds.items():
        params = _conjugate(case.pairing.peer_params, name, kind)
        hyp = _conjugate_grads(case.run(case.pairing.rebuild(params)), name, kind)
        if not case.close("output", case.peer["output"], hyp["output"]):
            continue
        label = name if kind in ("complex", "pair") else f"{kind[0]} + i {kind[1]}"
        cause = (f"the peer uses the complex conjugate of weight {label!r}: specref rebuilt with conj({label}) "
                 "reproduces the peer within the bound. Usual bug: the imaginary part's sign (W_re - i W_im, a "
                 "(re, im) pair read as (re, -im)), or the spectrum multiplied by conj(W) (a correlation where "
                 "the layer is a convolution). Fix: multiply the spectrum by W as stored.")
        return {n: cause for n in pending if n in hyp and case.close(n, case.peer[n], hyp[n])}
    return {}


# ----------------------------------------------------------------------------------------------------------
# 2. a norm mismatch


def _inverse_scale(norm: str, length: int) -> float:
    return {"backward": 1.0 / length, "ortho": length ** -0.5, "forward": 1.0}[norm]


def _forward_scale(norm: str, length: int) -> float:
    return {"backward": 1.0, "ortho": length ** -0.5, "forward": 1.0 / length}[norm]


def _lengths(case: _Case) -> list[tuple[int, str]]:
    """Candidate transform lengths L: products over non-empty sets of spectral axes, of the output's and
    the first input's shape (an rfft's length is its input's)."""
    shapes = [case.peer["output"].shape]
    if case.ev.inputs and np.ndim(case.ev.inputs[0]) == len(shapes[0]):
        shapes.append(np.shape(case.ev.inputs[0]))
    out, seen = [], set()
    for shape in shapes:
        for r in range(1, len(case.axes) + 1):
            for axes in itertools.combinations(case.axes, r):
                length = math.prod(shape[a] for a in axes)
                if length > 1 and length not in seen:
                    seen.add(length)
                    where = " x ".join(f"{shape[a]} along {_axis_text(a, len(shape))}" for a in axes)
                    out.append((length, where))
    return out


def _norm_text(case: _Case, c: float, label: str, length: int) -> str:
    ours = case.norm()
    if ours in _NORMS and case.component in _FORWARD | _INVERSE:
        scale = _inverse_scale if case.component in _INVERSE else _forward_scale
        peer = [n for n in _NORMS if math.isclose(scale(n, length), c * scale(ours, length), rel_tol=1e-9)]
        if peer:
            key = "fft_norm" if case.component not in _FORWARD_FUNCTIONS | _INVERSE else "norm"
            return (f"the peer's FFT uses norm={peer[0]!r} where specref's {case.component} has {key}={ours!r}. "
                    "Usual bug: the framework's default norm ('backward') where the model means another, or a "
                    f"scale applied twice. Fix: pass norm={ours!r} to the peer's FFT (or, if the peer's is the "
                    f"intended normalisation, compare with config={{{key!r}: {peer[0]!r}}}).")
    if case.component in _PAIRED:
        target = c / length  # a consistent pair scales by 1/L whatever its norm
        pairs = [(f, i) for f in _NORMS for i in _NORMS
                 if math.isclose(_forward_scale(f, length) * _inverse_scale(i, length), target, rel_tol=1e-9)]
        examples = " or ".join(f"forward norm={f!r} with inverse norm={i!r}" for f, i in pairs[:2])
        return ("the peer's forward and inverse FFTs do not pair their normalisations: their scales multiply to "
                f"{label}/N instead of 1/N{', as with ' + examples if examples else ''}. Usual bug: norm= passed to "
                "one of the two transforms only, or a different one to each. Fix: the same norm on both (any of "
                "'backward', 'ortho', 'forward' then gives the same layer).")
    return ("a different FFT normalisation. Usual bug: the framework's default norm ('backward') where the model "
            "means 'ortho' (or 'forward'), or a scale applied twice. Fix: use specref's normalisation"
            f"{f' ({ours!r})' if ours else ''}.")


def _norm_mismatch(case: _Case, pending: list) -> dict:
    lengths = _lengths(case)
    found = {}
    for name in pending:
        if not case.same_shape(name):
            continue
        p, o = case.peer[name], case.ours[name]
        for length, where in lengths:
            for c, label in ((length, "N"), (math.sqrt(length), "sqrt(N)"), (1.0 / length, "1/N"),
                             (1.0 / math.sqrt(length), "1/sqrt(N)")):
                if case.close(name, p, c * o, extra=2.0 * case.eps):  # c * o: one more rounding
                    found[name] = (f"{name} is {label} = {c:.6g} times specref's (N = {where}): "
                                   + _norm_text(case, c, label, length))
                    break
            if name in found:
                break
    return found


# ----------------------------------------------------------------------------------------------------------
# 3. JAX's conjugate convention


def _jax_convention(case: _Case, pending: list) -> dict:
    if case.output_failed:
        return {}
    if case.ev.framework == "jax":
        tail = ("compare() already converted JAX's convention, so the peer's gradient was conjugated twice: "
                "e.g. a jax.custom_vjp written in PyTorch's convention, or a from_jax_grad inside the peer. "
                "Fix: drop the extra conjugation.")
    else:
        tail = ("Usual bug: gradients from JAX's grad or vjp handed back through a NumPy peer's vjp= (compare() "
                "converts a JAX peer's gradients itself, not those of a vjp= it is given). Fix: conjugate them "
                "(specref.interop.gradients.from_jax_grad), or pass the JAX function itself as the peer.")
    found = {}
    for name in pending:
        o = case.ours[name]
        if name != "output" and case.same_shape(name) and np.iscomplexobj(o) \
                and case.close(name, case.peer[name], np.conj(o)):
            found[name] = (f"{name} is the complex conjugate of specref's while the forward agrees: JAX's "
                           "convention (dL/da - i dL/db for z = a + ib) where specref and PyTorch use "
                           f"dL/da + i dL/db. {tail}")
    return found


# ----------------------------------------------------------------------------------------------------------
# 4. a dropped negative frequency


def _one_sided(p, o, thr: float) -> str:
    """Along the first axis of full-length spectra ``p``, ``o``: "missing" (specref's on 0..N//2, zero on
    the negative bins), "halved" (specref's at the edges, half elsewhere), or ""."""
    n = o.shape[0]
    if n < 3:
        return ""
    nonneg, neg, edges = _bins(n)
    if _rel2(p[nonneg], o[nonneg], o) <= thr and _rel2(p[neg], 0.0, o) <= thr:
        return "missing"
    interior = np.setdiff1d(np.arange(n), edges)
    if _rel2(p[edges], o[edges], o) <= thr and _rel2(p[interior], 0.5 * o[interior], o) <= thr:
        return "halved"
    return ""


def _half_ratio(case: _Case, name: str, axis: int, n: int) -> float:
    """For a one-sided axis (K = N//2 + 1 bins): r in {1/2, 2} when the tensor is specref's at DC (and
    Nyquist) and r times it at the interior bins, else 0."""
    p, o = np.moveaxis(case.peer[name], axis, 0), np.moveaxis(case.ours[name], axis, 0)
    k = o.shape[0]
    edges = [0, k - 1] if n % 2 == 0 else [0]
    interior = [j for j in range(k) if j not in edges]
    if not interior:
        return 0.0
    scale = float(np.max(np.abs(o))) if o.size else 0.0
    if scale == 0 or np.max(np.abs(p[edges] - o[edges])) / scale > case.bounds[name]:
        return 0.0
    for r in (0.5, 2.0):  # exact scalings
        if np.max(np.abs(p[interior] - r * o[interior])) / scale <= case.bounds[name]:
            return r
    return 0.0


def _mode_axes(case: _Case, name: str) -> list[tuple[int, int, bool]]:
    """Axes of a parameter gradient that index frequency: (axis, N, one-sided) for each axis of length N or
    N//2 + 1, N the output's length along a spectral axis (the first match for each)."""
    out = []
    o = case.ours[name]
    for a in case.axes:
        n = case.peer["output"].shape[a]
        if n < 3:
            continue
        for axis, size in enumerate(o.shape):
            if size in (n, n // 2 + 1):
                out.append((axis, n, size != n))
                break
    return out


def _dropped_negative(case: _Case, pending: list) -> dict:
    if "output" not in pending or not case.same_shape("output"):
        return {}
    ndim = case.peer["output"].ndim
    domain = "spectrum" if case.component in _SPECTRUM_OUTPUT else "signal"
    for axis in case.axes:
        n = case.peer["output"].shape[axis]
        thr = case.threshold2("output", n)
        pattern = _one_sided(_spectrum(case.peer["output"], axis, domain),
                             _spectrum(case.ours["output"], axis, domain), thr)
        if not pattern:
            continue
        where = f"{_axis_text(axis, ndim)} (N = {n})"
        what = ("the output's spectrum" if domain == "signal" else "the output") + f" along {where}"
        if pattern == "missing":
            cause = (f"{what} is specref's on the non-negative frequencies 0..N//2 and zero on the negative ones: "
                     "the peer drops the negative frequencies. Usual bug: a one-sided (rfft-style) spectrum "
                     "treated as a full one, its negative bins zeroed or never filled, where a real signal needs "
                     "them as the conjugate mirror of the positive ones. Fix: fill bin N - k with the conjugate of "
                     "bin k, or keep the full FFT.")
        else:
            cause = (f"{what} is specref's at DC{' and Nyquist' if n % 2 == 0 else ''} and half of it at every "
                     "other bin: the negative frequencies were dropped before a real part (Re of a signal holding "
                     "only the non-negative half of a spectrum is half the real signal at each interior bin). "
                     "Usual bug: fft, the bins N//2+1..N-1 zeroed (or never filled), ifft, .real. Fix: irfft of the "
                     "half spectrum (it counts the interior bins twice), or keep the mirrored bins.")
        found = {"output": cause}
        follow = (f"the gradient of the same forward (negative frequencies dropped along {where}; see the "
                  "output's cause): fixing the forward fixes it.")
        for name in pending:
            if name == "output" or not case.same_shape(name):
                continue
            p, o = case.peer[name], case.ours[name]
            if name.removeprefix("grad ") in case.names and o.ndim == ndim:  # an input gradient: a signal
                if _one_sided(_spectrum(p, axis, "signal"), _spectrum(o, axis, "signal"),
                              case.threshold2(name, o.shape[axis])):
                    found[name] = f"{name} is {follow}"
                continue
            for m_axis, m, half in _mode_axes(case, name):
                hit = _half_ratio(case, name, m_axis, m) == 0.5 if half else \
                    _one_sided(_along(p, m_axis), _along(o, m_axis), case.threshold2(name, m))
                if hit:
                    found[name] = f"{name} is {follow}"
                    break
        return found
    return {}


# ----------------------------------------------------------------------------------------------------------
# 5. a missing Hermitian weight


def _hermitian_weight(case: _Case, pending: list) -> dict:
    found = {}
    complex_grads = {f"grad {k}" for k, kind in case.kinds.items() if kind in ("complex", "pair")}
    for name in pending:
        if name not in complex_grads or not case.same_shape(name):
            continue
        for axis, n, half in _mode_axes(case, name):
            r = _half_ratio(case, name, axis, n) if half else 0.0
            if not r:
                continue
            edges = "DC and Nyquist (k = 0, N/2)" if n % 2 == 0 else "DC (k = 0)"
            if r == 0.5:
                found[name] = (
                    f"{name} is specref's at {edges} but half of it at the interior bins 0 < k < N/2 (N = {n}, "
                    f"axis {axis} of the weight): the interior bins of a one-sided (rfft) spectrum count twice "
                    "(bin k stands for k and its mirror N - k) and the peer's backward counts them once. Usual "
                    "bug: a hand-written backward of irfft taking its adjoint as rfft without the Hermitian "
                    "weights (1 at DC and Nyquist, 2 between); the input gradient can still be right, the weights "
                    "cancel there. Fix: multiply the interior bins of the cotangent's rfft by 2 before forming "
                    "the weight's gradient (or let autograd differentiate irfft).")
            else:
                found[name] = (
                    f"{name} is specref's at {edges} but twice it at the interior bins 0 < k < N/2 (N = {n}, "
                    f"axis {axis} of the weight): the Hermitian weight 2 of the interior bins of a one-sided "
                    "spectrum is applied twice. Usual bug: the weight 2 in irfft's adjoint and again when folding "
                    "the mirrored bins N - k onto k. Fix: apply it once.")
            break
    return found


# ----------------------------------------------------------------------------------------------------------
# 6. an off-by-one mode count


def _off_by_one_shape(case: _Case, name: str) -> str:
    ps, os_ = case.peer[name].shape, case.ours[name].shape
    if len(ps) != len(os_):
        return ""
    diff = [a for a in range(len(ps)) if ps[a] != os_[a]]
    if len(diff) != 1 or abs(ps[diff[0]] - os_[diff[0]]) != 1:
        return ""
    a = diff[0]
    return (f"{name} has shape {ps} where specref's is {os_}: one {'more' if ps[a] > os_[a] else 'fewer'} along "
            f"axis {a}, an off-by-one in the number of modes. Usual bug: N // 2 rows where a length-N rfft has "
            f"N // 2 + 1 bins, or modes + 1 where modes are kept. Fix: size axis {a} as specref does "
            f"({os_[a]}).")


def _edge_text(case: _Case, n: int, k: int) -> str:
    fk = min(k, n - k)
    if fk == 0:
        return "DC, the first retained mode"
    if fk == n // 2:
        return f"{_hz(n, k)}, the highest frequency" if 2 * fk == n else "the highest frequency"
    return f"the cut-off of the retained modes (modes = {', '.join(str(m) for m in sorted(case.mode_edges()))})"


def _concentrated(case: _Case, name: str, d, o, n: int, full: bool) -> int:
    """The bin (first axis of the spectra ``d`` = p - o and ``o``) holding the whole difference, alone or
    with its mirror N - k, at an edge of the retained modes; -1 if none."""
    energy = np.sum(np.abs(d.reshape(d.shape[0], -1)) ** 2, axis=1)
    k = int(np.argmax(energy))
    keep = {k, (n - k) % n} if full else {k}
    rest = np.array([j for j in range(d.shape[0]) if j not in keep], dtype=int)
    thr = case.threshold2(name, n)
    if _rel2(d[rest], 0.0, o) > thr or _rel2(d[sorted(keep)], 0.0, o) <= thr:
        return -1
    fk = min(k, n - k) if full else k
    return k if fk in {0, n // 2} | case.mode_edges() else -1


def _off_by_one(case: _Case, pending: list) -> dict:
    found = {}
    ndim = case.peer["output"].ndim
    domain = "spectrum" if case.component in _SPECTRUM_OUTPUT else "signal"
    for name in pending:
        if not case.same_shape(name):
            text = _off_by_one_shape(case, name)
            if text:
                found[name] = text
            continue
        p, o = case.peer[name], case.ours[name]
        if name == "output" or (name.removeprefix("grad ") in case.names and o.ndim == ndim):
            tries = [(a, o.shape[a], True, domain if name == "output" else "signal") for a in case.axes]
        else:
            tries = [(a, n, not half, "spectrum") for a, n, half in _mode_axes(case, name)]
        for axis, n, full, dom in tries:
            if n < 3:
                continue
            d, ref = _spectrum(p - o, axis, dom), _spectrum(o, axis, dom)
            k = _concentrated(case, name, d, ref, n, full)
            if k < 0:
                continue
            mirror = full and 0 < k and 2 * k != n
            bins = f"bin {min(k, n - k)} and its mirror {n - min(k, n - k)}" if mirror else f"bin {k}"
            found[name] = (
                f"{name} differs from specref's only in frequency {bins} along "
                f"{_axis_text(axis, o.ndim) if name == 'output' or full else f'axis {axis}'} (N = {n}), "
                f"{_edge_text(case, n, k)}: an off-by-one in the number of modes kept. Usual bug: "
                "range(N // 2) or [:N // 2] where the rfft has N // 2 + 1 bins (the Nyquist bin of an even N, the "
                "last bin of an odd one), a loop starting at 1, or [:modes + 1]. Fix: keep exactly the bins "
                "specref keeps (0..N//2 of a one-sided spectrum, or the first `modes`).")
            break
    return found
