r"""The positional encodings of spectrans's models: sinusoidal, learned and rotary, forward and backward.

For hidden states :math:`x` of shape (..., N, D) and positions :math:`p < N`:

.. math::

    \text{sinusoidal:}\quad y &= \delta(x + P_{:N}), \qquad P_{p,2i} = \sin(p\,\omega_i),\;
        P_{p,2i+1} = \cos(p\,\omega_i),\; \omega_i = 10^{4\,(-2i/D)} \qquad &(1) \\
    \text{learned:}\quad y &= \delta(x + E_{:N}) \qquad &(2) \\
    \text{rotary:}\quad y &= R_\theta\, x \qquad &(3)

with :math:`P` the buffer ``pe`` (1, N_max, D), :math:`E` the parameter ``position_embeddings.weight``
(N_max, D), :math:`R_\theta` the rotation of :mod:`specref.transforms.rotary` (buffer ``inv_freq``) and
:math:`\delta` the encoding's dropout ``"dropout"`` (p = ``dropout``; spectrans's rotary encoding has none).

**Backward.** (1) and (2) add a constant or a parameter: :math:`\bar x = \delta^*(\bar y)` and
:math:`\bar E_{p} = \sum_{\text{batch}} \delta^*(\bar y)_p` for :math:`p < N` (zero for the rows beyond N).
(3) is orthogonal: :math:`\bar x = R_\theta^T \bar y`.

**Limits.** A sequence longer than N_max is refused for (1) and (2) (the table has no row for it); the rotary
encoding has no table and takes any length. An odd D is refused for (1) (spectrans's ``pe[:, 1::2]`` has one
column fewer than its frequencies and crashes) and for (3) (pairs (i, i + D/2) need an even D).

**Double dropout.** spectrans applies :math:`\delta` here and the model's own input dropout right after it
(finding ``spectrans_model_input_dropout``); a specref model builds its encoding with ``dropout=0`` and
applies the input dropout once, unless it reproduces spectrans (``spectrans_behaviour=True``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specref._args import check_positive_float, check_positive_int, check_probability
from specref.backend import dtype_name
from specref.layers._init import xavier_uniform
from specref.layers.base import Layer, LayerCtx, check_sequence_input, layer_case
from specref.ops.dropout import dropout, dropout_vjp
from specref.transforms.rotary import rotary, rotary_adjoint, rotary_inv_freq

__all__ = ["PositionalEncoding", "LearnedPositionalEncoding", "RotaryPositionalEncoding", "PositionalCtx",
           "sinusoidal_table", "POSITIONAL_ENCODINGS"]


def sinusoidal_table(max_sequence_length: int, hidden_dim: int) -> np.ndarray:
    r"""The table :math:`P` of eq. (1), float64 (N_max, D), angles formed in float64.

    spectrans builds it in float32 (its buffer is the float32 rounding of products formed in float32); load its
    ``pe`` buffer to compare bit for bit.

    Raises
    ------
    ValueError
        For an odd ``hidden_dim``.
    """
    n, d = check_positive_int(max_sequence_length, "max_sequence_length"), check_positive_int(hidden_dim,
                                                                                              "hidden_dim")
    if d % 2:
        raise ValueError(f"the sinusoidal positional encoding needs an even hidden_dim (sin and cos columns in "
                         f"pairs), got {d}; use positional_encoding_type='learned' or 'none' for an odd size")
    omega = np.exp(np.arange(0, d, 2, dtype=np.float64) * -(math.log(10000.0) / d))
    angle = np.outer(np.arange(n, dtype=np.float64), omega)
    table = np.zeros((n, d))
    table[:, 0::2], table[:, 1::2] = np.sin(angle), np.cos(angle)
    return table


@dataclass(frozen=True)
class PositionalCtx(LayerCtx):
    """``s`` is :math:`x + P_{:N}` (or :math:`x + E_{:N}`) before the dropout ``mask``; ``y`` the output."""

    s: object
    mask: object
    y: object


class _AdditiveEncoding(Layer):
    """Eqs. (1)/(2): add rows :math:`T_{:N}` of a table, then the dropout."""

    def _init_common(self, hidden_dim, max_sequence_length, dropout_p):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.max_sequence_length = check_positive_int(max_sequence_length, "max_sequence_length")
        self.dropout = check_probability(dropout_p, "dropout")
        self.dropout_names = ("dropout",) if self.dropout > 0 else ()

    def _table(self):
        raise NotImplementedError

    def error_scale(self, input_shape=None) -> float:
        """One addition and the dropout's scale: 2 roundings; 4 with the backward's batch sum of rows."""
        return 4.0

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: eq. (1) or (2) on x of shape (..., N, D), N <= N_max."""
        name = type(self).__name__
        check_sequence_input(x, self.hidden_dim, layer=name)
        self._check_input(x)
        n = x.shape[-2]
        if n > self.max_sequence_length:
            raise ValueError(f"{name}: the sequence has length {n}, the encoding has rows for "
                             f"max_sequence_length = {self.max_sequence_length}")
        s = x + self._table()[:n, :]
        mask = self._dropout_mask("dropout", tuple(s.shape), self.dropout, x=x, training=training, rng=rng,
                                  masks=masks)
        y = s if mask is None else dropout(s, mask=mask, p=self.dropout)
        return y, PositionalCtx(dtype=dtype_name(x.dtype), s=s, mask=mask, y=y)

    def _dx(self, ctx, dy):
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        return dy if ctx.mask is None else dropout_vjp(dy, ctx.s, ctx.y, mask=ctx.mask, p=self.dropout)


class PositionalEncoding(_AdditiveEncoding):
    r"""spectrans's sinusoidal ``PositionalEncoding``: eq. (1), buffer ``pe`` (1, N_max, D).

    Parameters
    ----------
    hidden_dim : int
        D (even).
    max_sequence_length : int
        N_max, the rows of the table (spectrans's default 5000).
    dropout : float in [0, 1)
        p of the dropout ``"dropout"`` after the addition.
    seed : ignored
        Accepted for a uniform constructor; the table is deterministic.
    """

    def __init__(self, hidden_dim: int, max_sequence_length: int = 5000, dropout: float = 0.1, *, seed=0):
        self._init_common(hidden_dim, max_sequence_length, dropout)
        self._init_arrays({}, {"pe": sinusoidal_table(self.max_sequence_length, self.hidden_dim)[None]})

    def _table(self):
        return self.buffers["pe"][0, ...]

    def backward(self, ctx: PositionalCtx, dy):
        """``(dx, {})``: :math:`\\bar x = \\delta^*(\\bar y)` (the table is a buffer)."""
        return self._dx(ctx, dy), {}


class LearnedPositionalEncoding(_AdditiveEncoding):
    r"""spectrans's ``LearnedPositionalEncoding``: eq. (2), parameter ``position_embeddings.weight`` (N_max, D)
    (xavier-uniform init). Parameters as :class:`PositionalEncoding`; ``seed`` draws the table."""

    def __init__(self, hidden_dim: int, max_sequence_length: int = 5000, dropout: float = 0.1, *, seed=0):
        self._init_common(hidden_dim, max_sequence_length, dropout)
        gen = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed
        shape = (self.max_sequence_length, self.hidden_dim)
        self._init_arrays({"position_embeddings.weight": xavier_uniform(gen, shape)})

    def _table(self):
        return self.params["position_embeddings.weight"]

    def backward(self, ctx: PositionalCtx, dy):
        r"""``(dx, grads)``: :math:`\bar x = \delta^*(\bar y)`, :math:`\bar E_p = \sum_{\text{batch}}\bar x_p`
        for :math:`p < N`, zero beyond."""
        dx = self._dx(ctx, dy)
        xp = self.xp
        n = dx.shape[-2]
        rows = xp.sum(xp.reshape(dx, (-1, n, self.hidden_dim)), axis=0)
        tail = xp.zeros((self.max_sequence_length - n, self.hidden_dim), dtype=dx.dtype)
        return dx, {"position_embeddings.weight": xp.concat([rows, tail], axis=0)}


@dataclass(frozen=True)
class RotaryCtx(LayerCtx):
    shape: tuple


class RotaryPositionalEncoding(Layer):
    r"""spectrans's ``RotaryPositionalEncoding`` on the hidden states: eq. (3), buffer ``inv_freq`` (D/2,).

    Parameters
    ----------
    hidden_dim : int
        D (even).
    max_sequence_length : int
        Kept for spectrans's signature; the rotation takes any length.
    base : float
        b of :math:`\omega_i = b^{-2i/D}`.
    """

    def __init__(self, hidden_dim: int, max_sequence_length: int = 5000, base: float = 10000.0, *, seed=0,
                 dropout: float = 0.0):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.max_sequence_length = check_positive_int(max_sequence_length, "max_sequence_length")
        self.base = check_positive_float(base, "base")
        self._init_arrays({}, {"inv_freq": rotary_inv_freq(self.hidden_dim, self.base)})

    def error_scale(self, input_shape=None) -> float:
        """The rotation's claim (:mod:`specref.transforms.rotary`)."""
        return 6.0

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: eq. (3)."""
        check_sequence_input(x, self.hidden_dim, layer="RotaryPositionalEncoding")
        self._check_input(x)
        if masks:
            self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)
        y = rotary(x, inv_freq=self.buffers["inv_freq"])
        return y, RotaryCtx(dtype=dtype_name(x.dtype), shape=tuple(x.shape))

    def backward(self, ctx: RotaryCtx, dy):
        r"""``(dx, {})``: :math:`\bar x = R_\theta^T \bar y`."""
        self._check_cotangent(ctx, dy, ctx.shape)
        return rotary_adjoint(dy, input_shape=ctx.shape, inv_freq=self.buffers["inv_freq"]), {}


#: spectrans's ``positional_encoding_type`` names -> class ('none' and 'alibi' have none)
POSITIONAL_ENCODINGS = {"sinusoidal": PositionalEncoding, "learned": LearnedPositionalEncoding,
                        "rotary": RotaryPositionalEncoding}


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _train(layer, x, rng):
    if not layer.dropout_names:
        return {}
    return {"training": True, "masks": {"dropout": rng.random(tuple(x.shape)) > layer.dropout}}


def _case(cls, grid):
    return layer_case(
        cls,
        build=lambda seed, **p: cls(p["d"], p["nmax"], **({} if cls is RotaryPositionalEncoding else
                                                          {"dropout": p.get("p", 0.0)}), seed=seed),
        input_shape=lambda p: (2, p["n"], p["d"]),
        grid=grid,
        error_scale=lambda p: 6.0,
        error_reason="one addition and the dropout's scale (2 roundings), or the rotation's 6",
        forward_kwargs=_train,
    )


CASES = [
    _case(PositionalEncoding, ({"d": 4, "nmax": 7, "n": 5}, {"d": 6, "nmax": 3, "n": 3, "p": 0.25})),
    _case(LearnedPositionalEncoding, ({"d": 4, "nmax": 7, "n": 5}, {"d": 3, "nmax": 4, "n": 4, "p": 0.25})),
    _case(RotaryPositionalEncoding, ({"d": 4, "nmax": 7, "n": 5}, {"d": 6, "nmax": 2, "n": 9})),
]
