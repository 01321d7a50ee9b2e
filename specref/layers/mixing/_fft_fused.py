r"""The FFT mixing layers' fused fast paths on NumPy: the same maps as their chains, in fewer passes.

**Global filters.**
:class:`~specref.layers.mixing.global_filter.GlobalFilterMixing` (and the 2-D and adaptive layers) compute

.. math:: \hat x = \operatorname{rfft}(x), \qquad \hat y = \hat H \odot \hat x, \qquad y = \operatorname{irfft}(\hat y)

and, backward, :math:`\bar{\hat y} = \operatorname{irfft}^*(\bar y)`, :math:`\bar{\hat H} = \sum_{\text{batch}}
\bar{\hat y}\,\overline{\hat x}`, :math:`\bar{\hat x} = \bar{\hat y}\,\overline{\hat H}`,
:math:`\bar x = \operatorname{rfft}^*(\bar{\hat x})`, one public transform or primitive per line. On NumPy
the same maps run here with:

* the norm factor inside pocketfft (``scipy.fft``'s ``norm=``) instead of a separate scaling pass;
* ``irfft``'s adjoint as :math:`w \odot c\, \operatorname{rfft}(\bar y)` with the Hermitian weights
  :math:`w_k` (2 for the bins that stand for themselves and their mirror, 1 for DC and Nyquist), and
  ``rfft``'s adjoint as :math:`c\, \operatorname{c2r}(\bar{\hat x} / w)`: the weights cancel on the way to
  :math:`\bar x`, so they are applied only to the small filter gradient (multiplying by 2 is exact);
* the batch sum of :math:`\bar{\hat H}` by slices of the batch (temporaries of a few MiB, which the
  allocator reuses, instead of two batch-sized ones), and :math:`\bar{\hat x}` written into the array that
  holds :math:`\bar{\hat y}`, which this path allocated.

A forward and backward then allocate five input-sized arrays instead of ten and make no scaling passes.

**The real part of a Fourier transform of real data** (FourierMixing, FourierMixing1D, RealFourierMixing,
SeparableFourierMixing: docs/layers/fourier_mixing.md eqs. (10)-(15)): :func:`real_part_forward` takes
``rfft``/``rfft2`` with the norm inside the engine and rebuilds the full real part
(:func:`~specref.transforms.hermitian.hermitian_real`, :func:`~specref.transforms.hermitian.hermitian_real_2d`);
:func:`real_part_backward` folds the cotangent back, embeds it in the complex numbers and runs ``rfft``'s
adjoint as :math:`c\,\operatorname{c2r}(\bar H / w)`, dividing by the weights in place.

The results equal the chains' up to rounding (the norm factor is applied inside the engine instead of after
it, and the batch sum runs in another order): tests/layers/mixing/test_fft_fused.py compares both within the
layers' error bounds. Outside NumPy the layers run their chains.
"""

from __future__ import annotations

import numpy as np

from specref.backend import backend_name, complex_dtype, namespace
from specref.transforms.fourier import dual_norm
from specref.transforms.fourier_core import _weigh_in_place, _workers
from specref.transforms.hermitian import (
    hermitian_real,
    hermitian_real_2d,
    hermitian_real_2d_adjoint,
    hermitian_real_adjoint,
)

__all__ = ["on_numpy", "fused_forward", "fused_backward", "batch_sum_conj_product", "real_part_forward",
           "real_part_backward"]

_SLICE_BYTES = 1 << 22  # batch slices of about 4 MiB: below glibc's mmap threshold, so reused, not re-faulted


def on_numpy(x) -> bool:
    """Whether the fused paths apply: NumPy arrays (scipy.fft is the engine)."""
    return backend_name(namespace(x)) == "numpy"


def _engine(axes: tuple, size: tuple, x):
    """``(r2c, c2r)`` over ``axes`` (one axis, or two: the last halved) with specref's ``workers``: ``r2c(v,
    norm)`` and ``c2r(v, norm)`` back to the lengths ``size`` (the second may overwrite its input)."""
    import scipy.fft as sp

    workers = _workers(x, axes[0])
    if len(axes) == 1:
        return (lambda v, nm: sp.rfft(v, axis=axes[0], norm=nm, workers=workers),
                lambda v, nm: sp.irfft(v, n=size[0], axis=axes[0], norm=nm, workers=workers, overwrite_x=True))
    return (lambda v, nm: sp.rfft2(v, axes=axes, norm=nm, workers=workers),
            lambda v, nm: sp.irfft2(v, s=tuple(size), axes=axes, norm=nm, workers=workers, overwrite_x=True))


def fused_forward(x, h_half, *, axes: tuple, size: tuple, norm: str):
    """Equations (1), (7), (8) on NumPy: return ``(y, x_hat)``; ``size`` is the transformed axes' lengths."""
    r2c, c2r = _engine(axes, size, x)
    x_hat = r2c(x, norm)  # (1)
    return c2r(x_hat * h_half, norm), x_hat  # (7), (8): the product is this path's own array


def batch_sum_conj_product(g, a):
    r""":math:`\sum_{\text{batch}} g \odot \overline{a}` over the leading axes of two arrays of one shape
    ``(..., K, D)``, by slices of the batch (no batch-sized temporary)."""
    k, d = g.shape[-2:]
    gg, aa = g.reshape(-1, k, d), a.reshape(-1, k, d)
    rows = gg.shape[0]
    step = max(1, _SLICE_BYTES // max(1, k * d * g.itemsize))
    total = np.zeros((k, d), dtype=g.dtype)
    for start in range(0, rows, step):
        part = np.conjugate(aa[start:start + step])
        part *= gg[start:start + step]
        total += part.sum(axis=0)
    return total


def fused_backward(dy, x_hat, h_half, *, axes: tuple, size: tuple, norm: str):
    """The adjoints of (8), (7), (1) on NumPy: return ``(dx, dh_half)``."""
    r2c, c2r = _engine(axes, size, dy)
    n_halved, halved_axis = (size[0], -2) if len(axes) == 1 else (size[1], -1)  # the sequence, or the hidden axis
    g = r2c(dy, dual_norm(norm))  # (8)*: c rfft(dy); irfft's adjoint is w times this
    # (7)*: sum_batch (w g) conj(x_hat), the weights applied once, to the filter-sized sum
    dh_half = _weigh_in_place(batch_sum_conj_product(g, x_hat), n_halved, halved_axis, inverse=False)
    g *= np.conjugate(h_half)  # (7)*: dx_hat / w = g conj(H_half), in place
    return c2r(g, dual_norm(norm)), dh_half  # (1)*: rfft's adjoint c c2r(dx_hat / w)


def real_part_forward(x, *, axes: tuple, norm: str):
    """:math:`\\operatorname{Re} F x` over ``axes`` ((-2,), (-1,) or (-2, -1)) of real ``x``: eqs. (10)-(12)."""
    r2c, _ = _engine(axes, [x.shape[a] for a in axes], x)
    n = x.shape[axes[-1]]
    real_half = r2c(x, norm).real  # (10), (11): a view of the engine's new array
    if len(axes) == 1:
        return hermitian_real(real_half, n=n, axis=axes[0])  # (12) in 1-D
    return hermitian_real_2d(real_half, n=n)  # (12)


def real_part_backward(dh, *, input_shape: tuple, axes: tuple, norm: str):
    """The adjoint of :func:`real_part_forward`: eqs. (13)-(15)."""
    n = input_shape[axes[-1]]
    half_shape = tuple(n // 2 + 1 if i == axes[-1] % len(input_shape) else s for i, s in enumerate(input_shape))
    if len(axes) == 1:
        dr = hermitian_real_adjoint(dh, input_shape=half_shape, n=n, axis=axes[0])  # (13) in 1-D
    else:
        dr = hermitian_real_2d_adjoint(dh, input_shape=half_shape, n=n)  # (13)
    z = dr.astype(complex_dtype(dr.dtype, np))  # (14): dr + 0i (any byte order)
    _, c2r = _engine(axes, [input_shape[a] for a in axes], z)
    return c2r(_weigh_in_place(z, n, axes[-1], inverse=True), dual_norm(norm))  # (15): c c2r(z / w)
