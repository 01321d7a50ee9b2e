r"""Derived bounds on the difference of two correct implementations of one component.

Each implementation's result has normwise error at most :math:`c\epsilon` against the exact result, with
:math:`c` the sum of its stages' constants:

- an FFT over :math:`n` points, :math:`2(1 + \log_2 n)` (:func:`specref.testing.tolerances.fft_error_scale`;
  Higham, *Accuracy and Stability of Numerical Algorithms*, ch. 24);
- an elementwise stage (an activation, a complex product, an interpolation, a real part, a dropout scale), 4
  (a complex product is within :math:`\sqrt 2\gamma_2 < 3\epsilon`, an activation 2-3 eps);
- an inner product or sum of :math:`m` terms, :math:`m + 1` (worst-case recursive summation).

Two implementations then differ by at most :math:`2c\epsilon`. The gradients run the same stages' adjoints
plus the reductions that form a parameter gradient (over the batch, the interpolation weights, the layer
norm's positions), each adding its length. Measured normwise against the largest entry, a reduction with
heavy cancellation could exceed this; random data do not (the report shows each bound beside the measured
error). A float32 peer gets float32 bounds (the same constants with float32's epsilon).

Each ``*_bounds`` function returns ``(forward, gradient)`` :class:`~specref.testing.tolerances.Bound` s.
"""

from __future__ import annotations

import math

import numpy as np

from specref.testing.tolerances import Bound, fft_error_scale

__all__ = [
    "EPS",
    "pair_bounds",
    "eps_of",
    "fourier_mixing_bounds",
    "global_filter_bounds",
    "afno_constants",
    "afno_bounds",
    "wavelet_bounds",
    "operator_bounds",
    "layer_bounds",
]

EPS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}


def eps_of(dtype: str) -> float:
    """Machine epsilon of a precision: ``"float32"``/``"complex64"`` or ``"float64"``/``"complex128"``."""
    return EPS["float32"] if dtype in ("float32", "complex64") else EPS["float64"]


def pair_bounds(*, ffts: tuple = (), elementwise: int = 0, reduction: int = 0, extra: float = 0.0,
                eps: float = EPS["float64"], what: str = "") -> tuple[Bound, Bound]:
    """(forward, gradient) bounds on the normwise difference of two implementations: :math:`2c\\epsilon` each.

    ``c_fwd`` = sum over ``ffts`` (point counts) of :math:`2(1 + \\log_2 n)` + 4 per ``elementwise`` stage +
    ``extra`` (inner products and sums: m + 1 for m terms); ``c_grad`` = ``c_fwd`` (the adjoints of the same
    stages) + ``reduction`` + 1 (the longest sum forming a parameter gradient), or ``c_fwd`` without one.
    """
    c_fwd = sum(fft_error_scale(n) for n in ffts) + 4.0 * elementwise + extra
    c_grad = c_fwd + (reduction + 1.0 if reduction else 0.0)
    parts = []
    if ffts:
        parts.append(f"FFTs over {'+'.join(str(n) for n in ffts)} points")
    if elementwise:
        parts.append(f"{elementwise} elementwise stages")
    if extra:
        parts.append(f"sums {extra:.0f}")
    stages = (what + ": " if what else "") + (", ".join(parts) or "no rounding stage")
    tail = f"eps = {eps:.3g}"
    fwd = Bound(2.0 * c_fwd * eps, f"2 c eps, c = {c_fwd:.1f} ({stages}); {tail}")
    grad = Bound(2.0 * c_grad * eps, f"2 c eps, c = {c_grad:.1f} ({stages}"
                 + (f", reductions of {reduction} terms" if reduction else "") + f"); {tail}")
    return fwd, grad


def fourier_mixing_bounds(layer, input_shape: tuple, eps: float) -> tuple[Bound, Bound]:
    """The FNet mixings: their FFTs (FourierMixing, RealFourierMixing: N D points; FourierMixing1D: N;
    SeparableFourierMixing: N and D where mixed) and three elementwise stages (real part, dropout, cast)."""
    n, d = input_shape[-2], input_shape[-1]
    name = type(layer).__name__
    if name == "FourierMixing1D":
        ffts = (n,)
    elif name == "SeparableFourierMixing":
        ffts = ((n,) if layer.mix_sequence else ()) + ((d,) if layer.mix_features else ())
    else:
        ffts = (n * d,)
    return pair_bounds(ffts=ffts, elementwise=3, eps=eps, what=name)


def global_filter_bounds(layer, input_shape: tuple, eps: float) -> tuple[Bound, Bound]:
    """A global filter: fft and ifft (over L, or L D for the 2-D layer), five elementwise stages
    (interpolation, activation, complex product, real part, dropout scale); the filter gradient sums the
    batch (B terms) and, when interpolated, up to ceil(2 N / L) + 1 rows per filter row."""
    length, d = input_shape[-2], input_shape[-1]
    batch = math.prod(input_shape[:-2])
    pts = length * d if type(layer).__name__ == "GlobalFilterMixing2D" else length
    seq_len = layer.sequence_length
    interp = 0 if length == seq_len else math.ceil(2 * seq_len / length) + 1
    return pair_bounds(ffts=(pts, pts), elementwise=5, reduction=batch + interp, eps=eps,
                       what=type(layer).__name__)


def afno_constants(layer, input_shape: tuple) -> tuple[float, float, str]:
    r"""The constants :math:`c_{fwd}, c_{grad}` of spectrans-style AFNO (bounds :math:`2c\epsilon`).

    With K = 2 ms mh (the first linear map's fan-in), H its width and N D the padded grid:
    c_fwd = LN (mean and variance: sums of D terms, (log2 D + 1) each, the square root and the division: 4)
    + rfft2 (2(1 + log2 ND)) + complex product (4) + Lin0 (K + 1) + activation (4) + Lin3 (H + 1) + irfft2
    (2(1 + log2 ND)) + residual (1). The gradients run the same chain's adjoints (c_fwd again for the
    cotangent, c_fwd for the stored forward values it multiplies) plus the reductions of the parameter
    gradients over the batch: the linear weights, biases and the fourier weight sum B terms, the layer norm's
    weight and bias B L terms: c_grad = 2 c_fwd + B L + 1. Inner products are counted at their full length.
    """
    b, length = math.prod(input_shape[:-2]), input_shape[-2]
    d, n_max = layer.hidden_dim, layer.max_sequence_length
    k, hidden = 2 * layer.modes_seq * layer.modes_hidden, layer.params["mlp.0.weight"].shape[0]
    c_ln = 2 * (math.log2(d) + 1) + 4
    c_fft = fft_error_scale(n_max * d)
    c_fwd = c_ln + c_fft + 4 + (k + 1) + 4 + (hidden + 1) + c_fft + 1
    c_grad = 2 * c_fwd + (b * length + 1)
    reason = (
        f"c_fwd = LN {c_ln:.0f} + 2 FFTs {2 * c_fft:.0f} + Lin {k + 1}+{hidden + 1} + 9 = {c_fwd:.0f}, "
        f"c_grad = 2 c_fwd + B L + 1 = {c_grad:.0f}"
    )
    return c_fwd, c_grad, reason


def afno_bounds(layer, input_shape: tuple, eps: float) -> tuple[Bound, Bound]:
    """AFNO: :math:`2c\\epsilon` with the constants of :func:`afno_constants`."""
    c_fwd, c_grad, reason = afno_constants(layer, input_shape)
    return (Bound(2 * c_fwd * eps, f"2 c_fwd eps: {reason}; eps = {eps:.3g}"),
            Bound(2 * c_grad * eps, f"2 c_grad eps: {reason}; eps = {eps:.3g}"))


def _coeff_lengths(n: int, f: int, levels: int) -> list[int]:
    """Coefficient lengths of levels 1..J (pywt's symmetric mode: floor((n + F - 1) / 2) per level)."""
    out = []
    for _ in range(levels):
        n = (n + f - 1) // 2
        out.append(n)
    return out


def _mha_constant(length: int) -> float:
    """One-head attention of width 1 over ``length`` positions: the in-projection (a product and a sum: 2),
    the score (1), the softmax (its sum, length + 1, and exp and division: 8), the weighted sum (length + 1),
    the out-projection (2)."""
    return 2 * (length + 1) + 13.0


def wavelet_bounds(layer, input_shape: tuple, eps: float):
    r"""(forward, gradient) bounds of ``WaveletMixing`` / ``WaveletMixing2D``: :math:`2c\epsilon` each.

    c_fwd counts the filter bank: each analysis and synthesis pass along one axis is an inner product of
    F taps (F + 1), J levels, one axis (1-D) or two (2-D); then the mixing: a product per coefficient
    (pointwise, channel: 4), a width-1 attention over the positions it sees (level: L_max; cross: every
    subband coefficient S; documented attention: two encoder layers over S, each an attention, a 4-wide FFN
    (5 + 5) and two layer norms (8)), a 3 x 3 convolution (10) with batch normalisation over the B h w
    values of a band (mean and variance sums, 2 (m + 1), and 8 for the square root, division and affine map)
    (subband); the dropout scale and the residual (4 each). The gradients add the longest sum that forms a
    parameter gradient (the weights are shared by the batch, the positions and, in 2-D, the channels) and
    the batch-norm backward's sums over m.
    """
    name = type(layer).__name__
    f = next(v for k, v in layer.buffers.items() if k.endswith("dec_lo")).shape[0]
    levels, mode = layer.levels, layer.mixing_mode
    batch = math.prod(input_shape[:-2]) if name == "WaveletMixing" else math.prod(input_shape[:-3])
    if name == "WaveletMixing":
        lengths = _coeff_lengths(input_shape[-2], f, levels)
        c_bank = 2 * levels * (f + 1)
        d = input_shape[-1]
        if mode == "level":
            c_mix, reduction = _mha_constant(max(lengths)), batch * d * (levels + 1) * max(lengths)
        else:
            c_mix, reduction = 4.0, batch * max(lengths)
    else:
        rows = _coeff_lengths(input_shape[-2], f, levels)
        cols = _coeff_lengths(input_shape[-1], f, levels)
        sizes = [r * c for r, c in zip(rows, cols, strict=True)]
        total = sizes[-1] + 3 * sum(sizes)  # LL_J and three detail bands per level
        c_bank = 4 * levels * (f + 1)
        channels = input_shape[-3]
        if mode == "subband":
            m = batch * sizes[-1]  # the batch-norm statistics of LL_J
            c_mix, reduction = 10 + 2 * (m + 1) + 8.0, batch * channels * sizes[0] + 2 * (m + 1)
        elif mode == "cross":
            c_mix, reduction = _mha_constant(total), batch * channels * total
        elif getattr(layer, "encoder", "documented") == "documented":
            c_mix, reduction = 2 * (_mha_constant(total) + 18.0), batch * channels * total
        else:
            c_mix, reduction = 0.0, 0
    return pair_bounds(elementwise=2, extra=c_bank + c_mix, reduction=reduction, eps=eps,
                       what=f"{name}({mode}): filter bank over {levels} levels of {f} taps, the mixing")


def _spectral_conv_constant(weight_shape: tuple, points: int) -> float:
    """One spectral convolution: rfft and irfft over ``points`` (2 (1 + log2 n) each), the mode-wise channel
    sum of complex products (C_in + 1, and 4 for the product), counted at max(C_in, C_out) + 1 so that the
    input gradient's sum over C_out is covered too."""
    c_in, c_out = weight_shape[0], weight_shape[1]
    return 2 * fft_error_scale(points) + 4 + max(c_in, c_out) + 1.0


def operator_bounds(layer, input_shape: tuple, eps: float) -> tuple[Bound, Bound]:
    r"""(forward, gradient) bounds of the neural operators (:mod:`specref.layers.operators`): :math:`2c\epsilon`.

    ``SpectralConv1d``/``SpectralConv2d``/``SpectralConv2dTwoCorners`` (input channels first): the FFT stages
    and the mode-wise channel sums (:func:`_spectral_conv_constant`); the weight gradient sums the batch
    (B terms): c_grad = c_fwd + B + 1. ``FourierNeuralOperator`` (channels last): the spectral convolution
    (if used), the 1x1 convolution (an inner product of C terms: C + 1), the sum of both and the activation
    (4 each). ``FNOBlock``: two norms (layer norm over D: 2 (log2 D + 1) + 4; batch norm over the B P
    positions: 2 (B P + 1) + 8), the FNO, the FFN (Lin of D terms, activation, Lin of F terms: D + F + 6),
    the dropouts and residuals (4 each). For the FNO and the block the gradients run the chain's adjoints on
    the cotangent and on the stored values (2 c_fwd) and add the longest sum forming a parameter gradient,
    over the B P positions (the 1x1 convolution, the FFN, the norms; a batch norm's backward sums them too).
    """
    name = type(layer).__name__
    params = dict(layer.params)
    if name.startswith("SpectralConv"):
        weight = params.get("weights", params.get("weights1"))
        spatial = 1 if name == "SpectralConv1d" else 2
        points = math.prod(input_shape[-spatial:])
        batch = math.prod(input_shape[:-spatial - 1])
        return pair_bounds(extra=_spectral_conv_constant(tuple(weight.shape), points), reduction=batch, eps=eps,
                           what=f"{name}: rfft/irfft over {points} points, mode-wise channel sums")
    prefix = "fno." if name == "FNOBlock" else ""
    lin = params.get(prefix + "linear.weight")
    conv = params.get(prefix + "spectral_conv.weights")
    spatial = (lin.ndim if lin is not None else conv.ndim - 1) - 2
    points = math.prod(input_shape[-spatial - 1:-1])
    positions = math.prod(input_shape[:-1])
    d = input_shape[-1]
    c_fno = 8.0 + (_spectral_conv_constant(tuple(conv.shape), points) if conv is not None else 0.0) \
        + (d + 1.0 if lin is not None else 0.0)
    parts = [f"FNO {c_fno:.0f}"]
    c_fwd = c_fno
    if name == "FNOBlock":
        buffers = dict(getattr(layer, "buffers", {}) or {})
        if "norm1.running_mean" in buffers:
            c_norm = 2 * (positions + 1) + 8.0
        elif "norm1.weight" in params:
            c_norm = 2 * (math.log2(d) + 1) + 4
        else:
            c_norm = 0.0
        ffn = params.get("ffn.0.weight")
        c_ffn = d + ffn.shape[0] + 6.0 + 8.0 if ffn is not None else 0.0
        c_fwd += 2 * c_norm + c_ffn + 8.0
        parts += [f"norms 2 x {c_norm:.0f}", f"FFN {c_ffn:.0f}", "dropouts and residuals 8"]
    c_grad = 2 * c_fwd + positions + 1
    reason = (f"c_fwd = {' + '.join(parts)} = {c_fwd:.0f} ({name}, {points} points), c_grad = 2 c_fwd + B P + 1 "
              f"= {c_grad:.0f}")
    return (Bound(2 * c_fwd * eps, f"2 c_fwd eps: {reason}; eps = {eps:.3g}"),
            Bound(2 * c_grad * eps, f"2 c_grad eps: {reason}; eps = {eps:.3g}"))


def feature_attention_bounds(layer, input_shape: tuple, eps: float, kappa: float = 1.0) -> tuple[Bound, Bound]:
    r"""(forward, gradient) of SpectralAttention, PerformerAttention, KernelAttention on (..., N, D).

    :math:`2c\kappa\epsilon` and :math:`2(2c + P + 1)\kappa^2\epsilon`: c the layer's claim
    (``error_scale(N)``: projections, features, linear attention's dots and sums, doubled), P the positions
    (the projection weights' gradients are P-term sums), :math:`\kappa` the normaliser's condition
    :math:`\max_i \sum_j |\varphi_{q,i}|\cdot|\varphi_{k,j}| / |\sum_j \varphi_{q,i}\cdot\varphi_{k,j}|` (1 for
    positive features; for signed ones the claim assumes normalisers a tenth of their median from 0, and a
    caller who measured :math:`\kappa` passes it). The gradients divide by the normaliser twice:
    :math:`\kappa^2`.
    """
    shape = tuple(input_shape)
    c = layer.error_scale(shape[-2])
    positions = math.prod(shape[:-1])
    c_grad = 2 * c + positions + 1
    what = f"{type(layer).__name__}.error_scale(N={shape[-2]}) = {c:.3g}, kappa = {kappa:.3g}"
    return (Bound(2 * c * kappa * eps, f"2 c kappa eps: {what}; eps = {eps:.3g}"),
            Bound(2 * c_grad * kappa ** 2 * eps, f"2 (2 c + {positions} + 1) kappa^2 eps: {what}, the weights' "
                                                 f"{positions}-term sums, two divisions by the normaliser; "
                                                 f"eps = {eps:.3g}"))


_LAYER_BOUNDS = {
    "SpectralAttention": feature_attention_bounds,
    "PerformerAttention": feature_attention_bounds,
    "KernelAttention": feature_attention_bounds,
    "FourierMixing": fourier_mixing_bounds,
    "FourierMixing1D": fourier_mixing_bounds,
    "RealFourierMixing": fourier_mixing_bounds,
    "SeparableFourierMixing": fourier_mixing_bounds,
    "GlobalFilterMixing": global_filter_bounds,
    "GlobalFilterMixing2D": global_filter_bounds,
    "AdaptiveGlobalFilter": global_filter_bounds,
    "AFNOMixing": afno_bounds,
    "WaveletMixing": wavelet_bounds,
    "WaveletMixing2D": wavelet_bounds,
    "SpectralConv1d": operator_bounds,
    "SpectralConv2d": operator_bounds,
    "SpectralConv2dTwoCorners": operator_bounds,
    "FourierNeuralOperator": operator_bounds,
    "FNOBlock": operator_bounds,
}


def layer_bounds(layer, input_shape: tuple, dtype: str) -> tuple[Bound, Bound]:
    """The (forward, gradient) bounds of a specref layer on inputs of ``input_shape`` in precision ``dtype``.

    Raises
    ------
    KeyError
        If no bound is derived for the layer's class (pass ``bound=`` to :func:`specref.compare.compare`).
    """
    name = type(layer).__name__
    if name not in _LAYER_BOUNDS:
        raise KeyError(
            f"no derived bound for {name}; pass bound=(forward, gradient) to specref.compare.compare"
        )
    return _LAYER_BOUNDS[name](layer, tuple(input_shape), eps_of(dtype))
