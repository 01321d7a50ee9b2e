r"""The real part of a full 2-D spectrum of real data, rebuilt from its ``rfft2`` half: a linear operator pair.

For real :math:`x` of shape (..., N, n) the 2-D DFT :math:`X = \mathcal F_{N,n} x` is Hermitian,

.. math:: X_{k,l} = \overline{X_{(-k) \bmod N,\; (-l) \bmod n}}, \qquad\text{so}\qquad
          \operatorname{Re} X_{k,l} = \operatorname{Re} X_{(-k) \bmod N,\; (-l) \bmod n},

and ``rfft2`` keeps only the columns :math:`l < h = \lfloor n/2 \rfloor + 1`. :func:`hermitian_real_2d` is the
real linear map :math:`E` that rebuilds :math:`\operatorname{Re} X` (all :math:`n` columns) from
:math:`R = \operatorname{Re} X_{:, :h}`:

.. math::

    (E R)_{k,l} = R_{k,l} \quad (l < h), \qquad (E R)_{k,l} = R_{(-k) \bmod N,\; n - l} \quad (h \le l < n).

The source columns :math:`n - l` run over :math:`1, \dots, n - h`, never DC nor the even-n Nyquist column,
for odd and even n. :math:`E` is copies and one permutation :math:`P` (:math:`(Pv)_k = v_{(-k) \bmod N}`
along the rows, an involution, so :math:`P^T = P`); its transpose :func:`hermitian_real_2d_adjoint` keeps
:math:`\bar Y_{:, :h}` and adds the mirrored columns back onto columns :math:`1, \dots, n - h`:

.. math:: (E^T \bar Y)_{k,j} = \bar Y_{k,j} + [1 \le j \le n - h]\; \bar Y_{(-k) \bmod N,\; n - j}.

:class:`specref.layers.mixing.fourier.RealFourierMixing` uses the pair (docs/layers/fourier_mixing.md,
eqs. (12) and (13)). Real arrays only: the map is between real spaces.

:func:`hermitian_half` is the other map a real-data FFT layer needs: the **Hermitian part of a filter on the
half spectrum**. For a complex :math:`H` over the frequency grid of ``axes`` (lengths :math:`n_a`) and
:math:`(PH)_k = H_{(-k) \bmod n}` (every axis reversed modulo its length),

.. math:: \hat H = C\,\tfrac12\big(H + \overline{P H}\big),

with :math:`C` the crop of the last of ``axes`` to its first :math:`\lfloor n/2 \rfloor + 1` bins. For real
:math:`x`, :math:`\operatorname{Re} F^{-1}(H \odot F x) = \operatorname{irfft}(\hat H \odot
\operatorname{rfft} x)` (docs/layers/global_filter.md): the global filters compute their output this way,
with two real FFTs instead of two complex ones. The map is R-linear (it conjugates); its adjoint in the real
inner product :math:`\operatorname{Re}\langle u, v\rangle` is :math:`\tfrac12 (I + \overline{P\,\cdot}\,)
C^T` (:func:`hermitian_half_adjoint`: zero-pad, then the same symmetrisation), because :math:`P` is a
permutation with :math:`P^T = P` that commutes with conjugation.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_cotangent_shape, check_input_shape, check_length, normalize_axes
from specref.backend import device_of, namespace
from specref.testing.case import Case, Inputs
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint

__all__ = ["hermitian_real", "hermitian_real_adjoint", "hermitian_real_2d", "hermitian_real_2d_adjoint",
           "hermitian_half", "hermitian_half_adjoint", "reverse_frequencies"]


def _along(ndim: int, axis: int, sl: slice) -> tuple:
    return tuple(sl if i == axis else slice(None) for i in range(ndim))


def hermitian_real(r, *, n: int, axis: int = -1):
    r"""The real part of a full 1-D spectrum of real data from the real part of its ``rfft`` half, along ``axis``.

    For real :math:`x`, :math:`X = F_n x` satisfies :math:`X_k = \overline{X_{n-k}}`, so with
    :math:`R = \operatorname{Re} X_{:h}`, :math:`h = \lfloor n/2 \rfloor + 1`:

    .. math:: Y_k = R_k \quad (k < h), \qquad Y_k = R_{n-k} \quad (h \le k < n).

    The 1-D sibling of :func:`hermitian_real_2d` (there the other axis is reversed too). Its transpose,
    :func:`hermitian_real_adjoint`, adds the mirrored entries back onto :math:`1, \dots, n - h`.

    Parameters
    ----------
    r : real array with ``n // 2 + 1`` entries along ``axis``
    n : int
    axis : int, default -1

    Returns
    -------
    real array with ``n`` entries along ``axis``
    """
    n = check_length(n)
    xp = namespace(r)
    axis = normalize_axes((axis,), r.ndim)[0]
    h = n // 2 + 1
    if r.shape[axis] != h:
        raise ValueError(f"hermitian_real: r must have {h} entries along axis {axis} for n = {n}, got "
                         f"{tuple(r.shape)}")
    out = xp.empty(tuple(n if i == axis else s for i, s in enumerate(r.shape)), dtype=r.dtype, device=device_of(r))
    out[_along(r.ndim, axis, slice(0, h))] = r
    out[_along(r.ndim, axis, slice(h, n))] = xp.flip(r[_along(r.ndim, axis, slice(1, n - h + 1))], axis=axis)
    return out


def hermitian_real_adjoint(y, *, input_shape, n: int, axis: int = -1):
    r"""Adjoint (transpose) of :func:`hermitian_real`: keep the first ``h`` entries and add entry
    :math:`n - j` onto entry :math:`j \in [1, n - h]`."""
    n = check_length(n)
    xp = namespace(y)
    input_shape = check_input_shape(input_shape)
    axis = normalize_axes((axis,), len(input_shape))[0]
    h = n // 2 + 1
    if input_shape[axis] != h:
        raise ValueError(f"hermitian_real_adjoint: input_shape {input_shape} must have {h} entries along axis "
                         f"{axis} for n = {n}")
    check_cotangent_shape(y, tuple(n if i == axis else s for i, s in enumerate(input_shape)),
                          "hermitian_real_adjoint", input_shape)
    out = xp.asarray(y[_along(y.ndim, axis, slice(0, h))], copy=True)
    out[_along(y.ndim, axis, slice(1, n - h + 1))] += xp.flip(y[_along(y.ndim, axis, slice(h, n))], axis=axis)
    return out


def hermitian_real_2d(r, *, n: int):
    r"""The real part of a full 2-D spectrum of real data from the real part of its ``rfft2`` half.

    Given :math:`R = \operatorname{Re} X_{:, :h}` with :math:`X = \mathcal F_{N,n} x` for a real :math:`x`
    and :math:`h = \lfloor n/2\rfloor + 1`, returns :math:`Y = E R = \operatorname{Re} X`:

    .. math::

        Y_{k,l} = R_{k,l} \quad (l < h), \qquad Y_{k,l} = R_{(-k) \bmod N,\; n - l} \quad (h \le l < n).

    Parameters
    ----------
    r : real array (..., N, n // 2 + 1)
    n : int
        The length of the last axis of the full spectrum.

    Returns
    -------
    real array (..., N, n)

    Raises
    ------
    ValueError
        If ``r`` has fewer than 2 axes or a last axis other than ``n // 2 + 1``, or ``n < 1``.

    See Also
    --------
    hermitian_real_2d_adjoint
    """
    n = check_length(n)
    xp = namespace(r)
    h = n // 2 + 1
    if r.ndim < 2 or r.shape[-1] != h:
        raise ValueError(f"hermitian_real_2d: r must have shape (..., N, {h}) for n = {n}, got {tuple(r.shape)}")
    out = xp.empty((*r.shape[:-1], n), dtype=r.dtype, device=device_of(r))
    out[..., :h] = r
    tail = xp.flip(r[..., :, 1:n - h + 1], axis=-1)  # columns n - h .. 1: the mirrors of columns h .. n - 1
    out[..., :1, h:] = tail[..., :1, :]  # row 0 is its own mirror
    out[..., 1:, h:] = xp.flip(tail[..., 1:, :], axis=-2)  # row k reads row N - k
    return out


def hermitian_real_2d_adjoint(y, *, input_shape, n: int):
    r"""Adjoint (transpose) of :func:`hermitian_real_2d`: fold the mirrored columns back.

    :math:`E^T \bar Y` keeps :math:`\bar Y_{:, :h}` and adds to column :math:`j \in [1, n - h]` the entries
    :math:`\bar Y_{(-k) \bmod N,\; n - j}`; the flip along each axis is its own transpose.

    Parameters
    ----------
    y : real array (..., N, n)
    input_shape : tuple
        The shape of the forward's input, (..., N, n // 2 + 1).
    n : int

    Returns
    -------
    real array of shape ``input_shape``

    Raises
    ------
    ValueError
        If ``input_shape`` does not end in ``n // 2 + 1``, or ``y`` is not the forward's output shape.
    """
    n = check_length(n)
    xp = namespace(y)
    input_shape = check_input_shape(input_shape)
    h = n // 2 + 1
    if len(input_shape) < 2 or input_shape[-1] != h:
        raise ValueError(f"hermitian_real_2d_adjoint: input_shape {input_shape} must be (..., N, {h}) for n = {n}")
    check_cotangent_shape(y, (*input_shape[:-1], n), "hermitian_real_2d_adjoint", input_shape)
    out = xp.asarray(y[..., :, :h], copy=True)
    mirrored = xp.flip(y[..., :, h:], axis=-1)  # column n - 1 - i lands on column 1 + i
    out[..., :1, 1:n - h + 1] += mirrored[..., :1, :]  # row 0 is its own mirror
    out[..., 1:, 1:n - h + 1] += xp.flip(mirrored[..., 1:, :], axis=-2)  # row N - k lands on row k
    return out


def reverse_frequencies(v, axes):
    r"""The permutation :math:`(Pv)_k = v_{(-k) \bmod n}` along each of ``axes`` (frequency :math:`k \to -k`).

    An involution (:math:`P^2 = I`, so :math:`P^T = P`): index 0 stays, the others are reversed.
    """
    xp = namespace(v)
    for ax in axes:
        n = v.shape[ax]
        index = xp.asarray(np.array([(-k) % n for k in range(n)]), device=device_of(v))
        v = xp.take(v, index, axis=ax)
    return v


def hermitian_half(h, *, axes=(-1,)):
    r"""The Hermitian part of ``h`` over ``axes``, on the half spectrum of the last of them.

    .. math:: \hat H_k = \tfrac12\big(H_k + \overline{H_{(-k) \bmod n}}\big), \qquad
              k_{\text{last}} < \lfloor n_{\text{last}}/2 \rfloor + 1,

    the filter that, multiplied into ``rfft``/``rfftn`` of real data over the same axes and transformed back by
    ``irfft``/``irfftn``, gives :math:`\operatorname{Re} F^{-1}(H \odot F x)`.

    Parameters
    ----------
    h : complex array
    axes : tuple of int, default (-1,)
        The frequency axes; the last is the one halved (as ``rfftn``'s ``axes``).

    Returns
    -------
    complex array, the shape of ``h`` with ``axes[-1]`` of length ``n // 2 + 1``

    See Also
    --------
    hermitian_half_adjoint, reverse_frequencies
    """
    xp = namespace(h)
    axes = normalize_axes(axes, h.ndim)
    sym = (h + xp.conj(reverse_frequencies(h, axes))) * 0.5
    return crop_or_pad(sym, h.shape[axes[-1]] // 2 + 1, axis=axes[-1])


def hermitian_half_adjoint(g, *, input_shape, axes=(-1,)):
    r"""Adjoint of :func:`hermitian_half` in the real inner product: zero-pad, then symmetrise.

    .. math:: \bar H = \tfrac12\big(C^T \bar{\hat H} + \overline{P\, C^T \bar{\hat H}}\big)

    Parameters
    ----------
    g : complex array, the forward's output shape
    input_shape : tuple
        The shape of the forward's input ``h``.
    axes : tuple of int, default (-1,)

    Returns
    -------
    complex array of shape ``input_shape``
    """
    xp = namespace(g)
    input_shape = check_input_shape(input_shape)
    axes = normalize_axes(axes, len(input_shape))
    last = axes[-1]
    half = tuple(s if i != last else s // 2 + 1 for i, s in enumerate(input_shape))
    check_cotangent_shape(g, half, "hermitian_half_adjoint", input_shape)
    full = crop_or_pad_adjoint(g, input_shape=input_shape, n=half[last], axis=last)
    return (full + xp.conj(reverse_frequencies(full, axes))) * 0.5


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_complex(rng, xp, dtype, *, shape, axes):
    ctype = "complex128" if str(dtype) == "float64" else "complex64"
    z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return Inputs((xp.asarray(z.astype(ctype)),), {"axes": axes})


def _make(rng, xp, dtype, *, shape, n, **kw):
    return Inputs((xp.asarray(rng.standard_normal(shape).astype(dtype)),), {"n": n, **kw})


CASES = [
    Case(
        name="hermitian_real",
        forward=hermitian_real,
        adjoint=hermitian_real_adjoint,
        make=_make,
        grid=({"shape": (4, 3), "n": 6, "axis": 0}, {"shape": (2, 4, 3), "n": 7, "axis": -2}, {"shape": (1,), "n": 1},
              {"shape": (5, 3), "n": 4}, {"shape": (3, 2), "n": 2}),
        error_scale=1.0,
        error_reason="copies and one addition per folded entry: at most one rounding",
    ),
    Case(
        name="hermitian_real_2d",
        forward=hermitian_real_2d,
        adjoint=hermitian_real_2d_adjoint,
        make=_make,
        grid=({"shape": (4, 3), "n": 4}, {"shape": (2, 5, 3), "n": 5}, {"shape": (3, 1), "n": 1},
              {"shape": (5, 4), "n": 7}),
        error_scale=1.0,
        error_reason="copies and one addition per folded entry: at most one rounding",
    ),
    Case(
        name="hermitian_half",
        forward=hermitian_half,
        adjoint=hermitian_half_adjoint,
        make=_make_complex,
        grid=({"shape": (6, 3), "axes": (0,)}, {"shape": (7, 3), "axes": (0,)}, {"shape": (2, 5, 4), "axes": (-2, -1)},
              {"shape": (4, 1), "axes": (0, 1)}, {"shape": (3, 9), "axes": (-1,)}),
        error_scale=2.0,
        error_reason="one addition and one exact halving per entry: at most one rounding",
    ),
]
