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
"""

from __future__ import annotations

from specref._args import check_cotangent_shape, check_input_shape, check_length
from specref.backend import namespace
from specref.testing.case import Case, Inputs

__all__ = ["hermitian_real_2d", "hermitian_real_2d_adjoint"]


def _reverse_rows(v):
    r"""The permutation :math:`(Pv)_k = v_{(-k) \bmod N}` along axis -2 (an involution, so :math:`P^T = P`)."""
    xp = namespace(v)
    return xp.concat([v[..., :1, :], xp.flip(v[..., 1:, :], axis=-2)], axis=-2)


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
    tail = r[..., :, 1:n - h + 1]  # columns 1 .. n - h: the mirrors of columns n - 1 .. h
    return xp.concat([r, _reverse_rows(xp.flip(tail, axis=-1))], axis=-1)


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
    folded = xp.flip(_reverse_rows(y[..., :, h:]), axis=-1)  # lands on columns 1 .. n - h
    return xp.concat([y[..., :, :1], y[..., :, 1:n - h + 1] + folded, y[..., :, n - h + 1:h]], axis=-1)


# ----------------------------------------------------------------------------------------------------------
# verification case


def _make(rng, xp, dtype, *, shape, n):
    return Inputs((xp.asarray(rng.standard_normal(shape).astype(dtype)),), {"n": n})


CASES = [
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
]
