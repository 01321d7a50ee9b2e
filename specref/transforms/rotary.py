r"""Rotary position embedding (RoPE, rotate-half pairing) as a linear operator, with its adjoint.

For hidden states :math:`x \in \mathbb{R}^{N \times D}` (D even, :math:`h = D/2`), position :math:`p` (counted
from ``offset``) and frequencies :math:`\omega_i` (``inv_freq``, :math:`\omega_i = b^{-2i/D}` with base
:math:`b = 10^4` in spectrans's ``RotaryPositionalEncoding``), each pair :math:`(x_{p,i}, x_{p,i+h})` is
rotated by the angle :math:`\theta_{p,i} = p\,\omega_i`:

.. math::

    y_{p,i} &= x_{p,i} \cos\theta_{p,i} - x_{p,i+h} \sin\theta_{p,i} \\
    y_{p,i+h} &= x_{p,i} \sin\theta_{p,i} + x_{p,i+h} \cos\theta_{p,i}, \qquad i < h.

This is spectrans's rotation of the *hidden states* (``x.chunk(2, -1)``: pairs :math:`(i, i + D/2)`, not the
interleaved pairs :math:`(2i, 2i+1)` of the RoFormer paper). Each pair is a plane rotation :math:`R(\theta)`, so
the operator is orthogonal and its adjoint is its inverse, the rotation by :math:`-\theta`:

.. math:: \bar x_{p,i} = \bar y_{p,i}\cos\theta + \bar y_{p,i+h}\sin\theta, \qquad
          \bar x_{p,i+h} = -\bar y_{p,i}\sin\theta + \bar y_{p,i+h}\cos\theta.

The angles are formed in float64 on the host (:math:`p\,\omega_i` exactly rounded once, then cos and sin) and
rounded once to the input's precision; spectrans forms them in the buffer's dtype (float32 unless the model is
cast), which differs from this by up to :math:`p\,\epsilon_{32}` in the angle for long float32 sequences.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_cotangent_shape, check_input_shape
from specref.backend import check_float_dtype, device_of, dtype_name, namespace, random_normal, to_numpy
from specref.testing.case import Case, Inputs

__all__ = ["rotary", "rotary_adjoint", "rotary_angles", "rotary_inv_freq"]


def rotary_inv_freq(hidden_dim: int, base: float = 10000.0) -> np.ndarray:
    r"""The frequencies :math:`\omega_i = b^{-2i/D}`, :math:`i < D/2` (float64 host array; spectrans's buffer
    ``inv_freq`` is the float32 rounding of these)."""
    if hidden_dim % 2:
        raise ValueError(f"rotary position embedding pairs features (i, i + D/2): hidden_dim must be even, "
                         f"got {hidden_dim}")
    return 1.0 / (float(base) ** (np.arange(0, hidden_dim, 2, dtype=np.float64) / hidden_dim))


def rotary_angles(n: int, inv_freq, offset: int = 0) -> np.ndarray:
    r""":math:`\theta_{p,i} = (p + \text{offset})\,\omega_i`, shape (n, D/2), float64 on the host."""
    return np.outer(np.arange(offset, offset + n, dtype=np.float64), np.asarray(to_numpy(inv_freq), np.float64))


def _check(x, inv_freq, name: str):
    check_float_dtype(x, allow_complex=False, name=name)
    if x.ndim < 2:
        raise ValueError(f"rotary needs input of shape (..., N, D); {name} has shape {tuple(x.shape)}")
    d = x.shape[-1]
    if d % 2 or tuple(inv_freq.shape) != (d // 2,):
        raise ValueError(f"rotary pairs features (i, i + D/2): D must be even and inv_freq of shape (D/2,); got "
                         f"D = {d} and inv_freq of shape {tuple(inv_freq.shape)}")


def _cos_sin(x, inv_freq, offset):
    xp = namespace(x)
    theta = rotary_angles(x.shape[-2], inv_freq, offset)
    dt = dtype_name(x.dtype)
    cos = xp.asarray(np.cos(theta).astype(dt), device=device_of(x))
    sin = xp.asarray(np.sin(theta).astype(dt), device=device_of(x))
    return xp, cos, sin


def _rotate(v, inv_freq, offset, sign):
    xp, cos, sin = _cos_sin(v, inv_freq, offset)
    h = v.shape[-1] // 2
    a, b = v[..., :h], v[..., h:]
    s = sign * sin
    return xp.concat([a * cos - b * s, a * s + b * cos], axis=-1)


def rotary(x, *, inv_freq, offset: int = 0):
    r"""Rotate the feature pairs :math:`(i, i + D/2)` of each position by :math:`\theta_{p,i}` (module docstring).

    Parameters
    ----------
    x : array, float32 or float64, shape (..., N, D), D even
    inv_freq : array (D/2,)
        The frequencies :math:`\omega_i` (spectrans's buffer; :func:`rotary_inv_freq` builds them).
    offset : int
        The position of the first row (a continuation of a sequence).

    Raises
    ------
    ValueError
        For fewer than 2 axes, an odd D, or ``inv_freq`` of another shape than (D/2,).
    TypeError
        For complex, integer or bool input.
    """
    _check(x, inv_freq, "x")
    return _rotate(x, inv_freq, int(offset), 1.0)


def rotary_adjoint(y, *, input_shape, inv_freq, offset: int = 0):
    r"""Adjoint (= inverse) of :func:`rotary`: the rotation by :math:`-\theta_{p,i}`."""
    shape = check_input_shape(input_shape)
    check_cotangent_shape(y, shape, "rotary_adjoint", shape)
    _check(y, inv_freq, "y")
    return _rotate(y, inv_freq, int(offset), -1.0)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make(rng, xp, dtype, *, shape, offset=0):
    x = random_normal(rng, shape, dtype=dtype, xp=xp)
    return Inputs((x,), {"inv_freq": xp.asarray(rotary_inv_freq(shape[-1]).astype(dtype)), "offset": offset})


def _reference(x, *, inv_freq, offset=0):
    """The rotation as a dense 2x2 product per pair, a loop over positions and pairs."""
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape[-2:]
    y = np.empty_like(x)
    for p in range(n):
        for i in range(d // 2):
            t = (p + offset) * float(np.asarray(inv_freq)[i])
            r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
            pair = np.stack([x[..., p, i], x[..., p, i + d // 2]], axis=-1)
            out = pair @ r.T
            y[..., p, i], y[..., p, i + d // 2] = out[..., 0], out[..., 1]
    return y


CASES = [
    Case(
        name="rotary",
        forward=rotary,
        adjoint=rotary_adjoint,
        make=_make,
        grid=({"shape": (2, 5, 4)}, {"shape": (3, 6), "offset": 7}, {"shape": (1, 2, 9, 8)}),
        # each output is a two-term dot product with cos and sin rounded once each: 2 (products) + 1 (sum)
        # + 2 (the rounded cos/sin) roundings; c = 6 leaves the angle's own rounding (p * w in float64) a unit
        error_scale=6.0,
        error_reason="a two-term dot product with rounded cos and sin: 5 roundings, plus the angle's",
        reference=_reference,
    ),
]
