r"""Inverted dropout with an explicit keep-mask, its VJP, and the host-drawn mask.

Randomness is an argument and a record: :func:`dropout` never draws; it takes the boolean
``mask`` (True = keep), so a comparison can inject the mask a peer used, and a layer keeps the mask it drew
in its ``ctx``. :func:`dropout_mask` draws one on the host from a seed or ``numpy.random.Generator``
(``backend.as_generator``) and moves it to the target namespace and device, so one seed gives the same mask
on NumPy, array-api-strict and CuPy.

As PyTorch's training-mode dropout, the kept entries are scaled by :math:`1/(1-p)` so the expectation of
the output is the input.
"""

from __future__ import annotations

from specref._args import check_probability
from specref.backend import as_generator, check_float_dtype, dtype_name, namespace, random_normal, to_numpy
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs

__all__ = ["dropout", "dropout_vjp", "dropout_mask"]


def _check_mask(x, mask):
    namespace(x, mask)
    if dtype_name(mask.dtype) != "bool":
        raise TypeError(f"mask must be a boolean array (True = keep), got dtype {dtype_name(mask.dtype)}")
    if tuple(mask.shape) != tuple(x.shape):
        raise ValueError(
            f"mask has shape {tuple(mask.shape)} but x has shape {tuple(x.shape)}; they must be equal"
        )


def _keep_scale(xp, x, mask, p):
    """The multiplier of each entry: ``1/(1-p)`` where kept, 0 where dropped, in x's real precision.

    ``1/(1-p)`` is formed in double and rounded once to the working precision; the product with x is the
    second rounding (PyTorch likewise multiplies x by a tensor of 0 and 1/(1-p)).
    """
    real = xp.float32 if dtype_name(x.dtype) in ("float32", "complex64") else xp.float64
    return xp.astype(mask, real) * (1.0 / (1.0 - p))


def dropout(x, *, mask, p: float):
    r"""Inverted dropout with the given keep-mask: ``y = x * mask / (1 - p)``.

    Parameters
    ----------
    x : array, float32/float64 (complex accepted too: the map is linear), any shape
    mask : bool array of the shape of ``x``
        True keeps the entry; draw one with :func:`dropout_mask` or inject a peer's.
    p : float in [0, 1)
        The drop probability the mask was drawn with (it sets the scale of the kept entries).

    Returns
    -------
    y : array of the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For integer or bool ``x``, a mask that is not boolean, or a non-numeric ``p``.
    ValueError
        For ``p`` outside [0, 1), or a mask whose shape differs from ``x``'s (naming both).

    Notes
    -----
    .. math:: y = \frac{m \odot x}{1 - p}, \qquad m_i \in \{0, 1\}

    See Also
    --------
    dropout_vjp, dropout_mask
    """
    xp = namespace(x, mask)
    check_float_dtype(x)
    p = check_probability(p)
    _check_mask(x, mask)
    return x * _keep_scale(xp, x, mask, p)


def dropout_vjp(dy, x, y, *, mask, p: float):
    r"""VJP of :func:`dropout`: the same mask and scale applied to the cotangent.

    The map is linear and diagonal with real entries, so it is its own adjoint:

    .. math:: \bar x = \frac{m \odot \bar y}{1 - p}

    Parameters
    ----------
    dy : array of the shape of ``y``
    x, y : arrays, the forward's input and output
    mask, p : as in the forward

    Returns
    -------
    dx : array of the shape and dtype of ``x``
    """
    xp = namespace(dy, x, mask)
    check_cotangent(dy, x, y, "dropout_vjp")
    p = check_probability(p)
    _check_mask(x, mask)
    return dy * _keep_scale(xp, dy, mask, p)


def dropout_mask(rng, shape, p: float, *, xp, device=None):
    r"""Draw a keep-mask on the host: each entry True (kept) with probability ``1 - p``, independently.

    Parameters
    ----------
    rng : int, SeedSequence or numpy.random.Generator
        The randomness (``None`` is refused: specref's randomness is explicit).
    shape : tuple of int
    p : float in [0, 1)
        Drop probability.
    xp : namespace
        The target array namespace (numpy, array_api_strict, cupy...).
    device : optional
        The target device (default: the namespace's default).

    Returns
    -------
    mask : bool array of ``shape`` in ``xp``

    Notes
    -----
    :math:`m_i = [u_i \ge p]` with :math:`u_i \sim U[0, 1)` drawn by ``Generator.random`` in float64 on the
    host, so :math:`P(m_i = 1) = 1 - p` and the same seed gives the same mask on every backend.
    """
    p = check_probability(p)
    gen = as_generator(rng)
    host = gen.random(tuple(shape)) >= p
    if device is None:
        return xp.asarray(host, dtype=xp.bool)
    return xp.asarray(host, dtype=xp.bool, device=device)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_dropout(rng, xp, dtype, *, shape, p):
    x = random_normal(rng, shape, dtype=dtype, xp=xp)
    return Inputs((x,), {"mask": dropout_mask(rng, shape, p, xp=xp), "p": p})


def _ref_dropout(x, mask, p):
    # the runner hands the reference host copies of the positional inputs; the mask is a keyword
    return x * to_numpy(mask) / (1.0 - p)


CASES = [
    Case(
        name="dropout",
        forward=dropout,
        vjp=dropout_vjp,
        make=_make_dropout,
        grid=({"shape": (4, 5), "p": 0.1}, {"shape": (2, 3, 4), "p": 0.5}, {"shape": (8,), "p": 0.0}),
        # two roundings (1/(1-p) to the working precision, then the product): <= 2u = eps; the reference
        # divides by a rounded 1 - p: also <= eps. c = 2 leaves a factor 2.
        error_scale=2.0,
        error_reason="two roundings: the scale 1/(1-p) and the product",
        reference=_ref_dropout,
    ),
]
