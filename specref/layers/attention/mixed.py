r"""spectrans's ``MixedSpectralAttention``: heads that mix the sequence with the FFT, the DCT or the Hadamard
transform.

spectrans 0.1.0 (``spectrans/layers/attention/lst.py``): constructor arguments, parameter names, shapes and
order, order of operations. For input :math:`x` (..., N, D), h heads of :math:`d = D/h` features, the enabled
transform types in the order ("fft", "dct", "hadamard"), head :math:`t` using type
:math:`\tau_t = \mathrm{enabled}[t \bmod |\mathrm{enabled}|]` with its orthonormal transform :math:`T` along the
**sequence** axis (the DFT with ``norm="ortho"``, the DCT-II with ``norm="ortho"``, or the normalized
Walsh-Hadamard transform in natural order), one scale :math:`s_\tau \in \mathbb R^{1 \times 1 \times d}` per
type (``scales.<type>``, shared by that type's heads, broadcast over positions), keep-mask
:math:`m \in \{0,1\}^N` (all ones without a mask):

.. math::

    q &= m \odot \operatorname{Lin}_q(x), \quad k = m \odot \operatorname{Lin}_k(x),
         \quad v = m \odot \operatorname{Lin}_v(x) \qquad (1) \\
    \hat q_t &= T q_t, \quad \hat k_t = T k_t, \quad \hat v_t = T v_t \qquad (2) \\
    a_t &= \hat q_t \odot \overline{\hat k_t} \odot s_{\tau_t} \quad (\text{FFT heads; DCT and Hadamard heads:
         } \hat q_t \odot \hat k_t \odot s_{\tau_t}) \qquad (3) \\
    o_t &= a_t \odot \hat v_t \qquad (4) \\
    u_t &= \operatorname{Re} T^{-1} o_t \quad (\text{the real part for the FFT}) \qquad (5) \\
    y &= \operatorname{drop}(\operatorname{Lin}_o([u_1, \dots, u_h])) \qquad (6)

No normalisation (unlike :class:`~specref.layers.attention.lst.LSTAttention`). An FFT head is a sum of
circular correlations: with :math:`\hat a = \hat q\,\overline{\hat k}`, :math:`T^{-1}(\hat a \hat v)` is the
circular convolution of :math:`v` with the circular cross-correlation of q and k (times :math:`1/\sqrt N` per
product, the orthonormal scaling).

Backward (the complex-gradient convention of docs/conventions.md: for real L, :math:`\bar z = \partial L/
\partial\operatorname{Re} z + i\,\partial L/\partial\operatorname{Im} z`): (5) :math:`\bar o = (T^{-1})^H
\bar u` (the adjoint of the real part is the embedding), (4) :math:`\bar a = \bar o\,\overline{\hat v}`,
:math:`\bar{\hat v} = \bar o\,\bar{a}^{*}` with :math:`\bar a^* = \overline{a}`, (3) :math:`\bar{\hat q} =
\bar a\,\hat k\,s` and, :math:`a` depending on :math:`\overline{\hat k}`, :math:`\bar{\hat k} =
\overline{\bar a}\,\hat q\,s`; :math:`\bar s = \sum \operatorname{Re}(\overline{\bar a}\,\hat q\,
\overline{\hat k})` over batch, heads of the type and positions; (2) :math:`\bar q_t = \operatorname{Re}
T^H \bar{\hat q}_t`. DCT and Hadamard heads are real: the same lines without conjugates.

Where specref departs from spectrans (validation/FINDINGS.md, ``spectrans_mixed_attention``): spectrans
ignores its mask argument (``_mask``); specref's mask masks, zeroing the masked tokens' q, k, v before the
transforms, as its LSTAttention's. spectrans's ``use_fft=True`` (the default) cannot produce a state_dict
(inventory #3: its FFT submodule never calls ``nn.Module.__init__``); specref's can, with the names spectrans
gives when it works (``q_proj.*``, ``k_proj.*``, ``v_proj.*``, ``out_proj.*``, ``scales.<type>`` with the
types sorted, the order of its ``nn.ParameterDict``). The Hadamard transform needs a power-of-two N (refused
otherwise, with the allowed sizes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specref._args import check_flag, check_positive_int, check_probability
from specref.backend import as_generator, device_of, dtype_name, namespace
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.attention.lst import _FORWARD, _FORWARD_ADJOINT, _INVERSE, _INVERSE_ADJOINT, _apply
from specref.layers.attention.softmax import _merge_heads, _split_heads
from specref.layers.base import Layer, LayerCtx, check_keep_mask, check_sequence_input, layer_case
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.linear import linear, linear_vjp
from specref.testing.tolerances import fft_error_scale
from specref.transforms.fourier import fft, fft_adjoint, ifft, ifft_adjoint

__all__ = ["MixedSpectralAttention", "MixedSpectralAttentionCtx"]

#: the transform types in spectrans's order
TYPES = ("fft", "dct", "hadamard")


@dataclass(frozen=True)
class MixedSpectralAttentionCtx(LayerCtx):
    """What :meth:`MixedSpectralAttention.backward` reads; numbers are the module docstring's equations."""

    x: object  # (..., N, D) input
    keep: object | None  # (1) the keep-mask as the input's float dtype, (..., N, 1); None without a mask
    q_hat: tuple  # (2) per head, (..., N, d), complex for FFT heads
    k_hat: tuple  # (2)
    v_hat: tuple  # (2)
    a: tuple  # (3)
    merged: object  # (5) [u_1 .. u_h], (..., N, D)
    out: object  # (6) Lin_o(merged)
    drop_mask: object | None  # (6) keep-mask of dropout "dropout" (None when inactive)


def _forward(kind, x):
    """T along axis -2 (complex for the FFT)."""
    return fft(x, axis=-2, norm="ortho") if kind == "fft" else _apply(kind, _FORWARD, x)


def _forward_adjoint(kind, g):
    """T^H g along axis -2 (the FFT's a complex array: the caller takes the real part)."""
    if kind == "fft":
        return fft_adjoint(g, input_shape=tuple(g.shape), axis=-2, norm="ortho")
    return _apply(kind, _FORWARD_ADJOINT, g)


def _inverse(kind, o, xp):
    """Re T^{-1} o along axis -2."""
    return xp.real(ifft(o, axis=-2, norm="ortho")) if kind == "fft" else _apply(kind, _INVERSE, o)


def _inverse_adjoint(kind, du, xp):
    """The adjoint of ``_inverse``: (T^{-1})^H du, complex for the FFT (the real part's adjoint embeds)."""
    if kind == "fft":
        return ifft_adjoint(xp.astype(du, _complex(xp, du)), input_shape=tuple(du.shape), axis=-2, norm="ortho")
    return _apply(kind, _INVERSE_ADJOINT, du)


def _complex(xp, x):
    return xp.complex64 if dtype_name(x.dtype) == "float32" else xp.complex128


class MixedSpectralAttention(Layer):
    r"""Attention heads mixing along the sequence by the FFT, the DCT or the Hadamard transform (spectrans's
    ``MixedSpectralAttention``; equations of the module docstring).

    Parameters
    ----------
    hidden_dim : int
        D; divisible by ``num_heads``.
    num_heads : int
        h (default 9, spectrans's: three heads of each type).
    use_fft, use_dct, use_hadamard : bool
        The enabled transform types (at least one); head t uses ``enabled[t % len(enabled)]``.
    dropout : float
        p of the output dropout ``"dropout"``, in training mode.
    seed : int or numpy.random.Generator, keyword-only
        ``nn.Linear``'s init laws for the q, k, v, out projections (in that order); the scales are ones.

    Attributes
    ----------
    params : dict
        ``q_proj.weight`` (D, D), ``q_proj.bias`` (D,), likewise ``k_proj``, ``v_proj``, ``out_proj``, then
        ``scales.<type>`` (1, 1, d) for each enabled type, in sorted order ("dct", "fft", "hadamard": the order
        of spectrans's ``nn.ParameterDict``).

    Raises
    ------
    ValueError
        For sizes < 1, D not divisible by h, no transform enabled, dropout outside [0, 1).
    TypeError
        For sizes that are not integers, flags that are not bool.

    Examples
    --------
    >>> import numpy as np
    >>> layer = MixedSpectralAttention(6, 3)
    >>> layer.head_transforms, list(layer.params)[-3:]
    (('fft', 'dct', 'hadamard'), ['scales.dct', 'scales.fft', 'scales.hadamard'])
    >>> y, ctx = layer.forward(np.random.default_rng(0).standard_normal((2, 4, 6)))
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, list(grads) == list(layer.params)
    ((2, 4, 6), (2, 4, 6), True)
    """

    dropout_names = ("dropout",)

    def __init__(self, hidden_dim: int, num_heads: int = 9, use_fft: bool = True, use_dct: bool = True,
                 use_hadamard: bool = True, dropout: float = 0.0, *, seed=0):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.num_heads = check_positive_int(num_heads, "num_heads")
        if self.hidden_dim % self.num_heads:
            raise ValueError(f"hidden_dim {self.hidden_dim} must be divisible by num_heads {self.num_heads} "
                             "(each head gets hidden_dim // num_heads features)")
        self.head_dim = self.hidden_dim // self.num_heads
        self.use_fft = check_flag(use_fft, "use_fft")
        self.use_dct = check_flag(use_dct, "use_dct")
        self.use_hadamard = check_flag(use_hadamard, "use_hadamard")
        enabled = tuple(t for t, on in zip(TYPES, (self.use_fft, self.use_dct, self.use_hadamard), strict=True)
                        if on)
        if not enabled:
            raise ValueError("MixedSpectralAttention needs at least one of use_fft, use_dct, use_hadamard")
        self.enabled_transforms = enabled
        self.dropout = check_probability(dropout, "dropout")
        #: the transform of each head
        self.head_transforms = tuple(enabled[t % len(enabled)] for t in range(self.num_heads))
        gen = as_generator(seed)
        e = self.hidden_dim
        params = {}
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):  # spectrans's construction order
            params[f"{name}.weight"] = torch_default_weight(gen, (e, e))
            params[f"{name}.bias"] = torch_default_bias(gen, (e, e))
        for t in sorted(enabled):  # nn.ParameterDict's order: its keys sorted
            params[f"scales.{t}"] = np.ones((1, 1, self.head_dim))
        self._init_arrays(params, {})

    def error_scale(self, n: int) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for sequences of length n.

        The sum of the stages' constants, doubled for propagation through O(1)-conditioned stages: four
        length-D projections :math:`1.5 D + 2`, four length-N orthonormal transforms (``fft_error_scale(N)``
        each), the products 3 (complex products: 4), dropout 1.
        """
        stages = 4.0 * (1.5 * self.hidden_dim + 2.0) + 4.0 * fft_error_scale(n) + 4.0 + 1.0
        return 2.0 * stages

    def _check_length(self, n: int):
        if "hadamard" in self.head_transforms and n & (n - 1):
            low = 1 << (n.bit_length() - 1)
            raise ValueError(f"{type(self).__name__}: the Hadamard transform needs a power-of-two sequence length "
                             f"(1, 2, 4, 8, ...); got {n} (nearest allowed: {low} and {2 * low})")

    def forward(self, x, *, mask=None, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: equations (1)-(6) of the module docstring.

        Parameters
        ----------
        x : array, float32 or float64, shape (..., N, D) with at least three axes
        mask : bool array (..., N), optional
            True = keep; a masked token's q, k and v are zeroed before the transforms (spectrans ignores it).
        training : bool
            Apply the output dropout (``dropout > 0``).
        rng : int or numpy.random.Generator, optional
            Draws the dropout keep-mask.
        masks : dict, optional
            ``{"dropout": keep_mask}`` of shape (..., N, D), injected instead of drawn.
        """
        name = type(self).__name__
        check_sequence_input(x, self.hidden_dim, layer=name)
        self._check_input(x)
        check_keep_mask(x, mask, layer=name)
        self._check_length(x.shape[-2])
        xp = namespace(x)
        p = self.params
        keep = None
        if mask is not None:
            keep = xp.expand_dims(xp.astype(xp.asarray(mask, device=device_of(x)), x.dtype), axis=-1)
        proj = {c: linear(x, p[f"{c}_proj.weight"], p[f"{c}_proj.bias"]) for c in "qkv"}  # (1)
        if keep is not None:
            proj = {c: t * keep for c, t in proj.items()}  # (1) the masked tokens' q, k, v zeroed
        heads = {c: _split_heads(xp, proj[c], self.num_heads) for c in "qkv"}
        q_hat, k_hat, v_hat, a_all, u_all = [], [], [], [], []
        for t, kind in enumerate(self.head_transforms):
            qh, kh, vh = (_forward(kind, heads[c][..., t, :, :]) for c in "qkv")  # (2)
            s = p[f"scales.{kind}"][0, ...]  # (1, d)
            a = qh * (xp.conj(kh) if kind == "fft" else kh) * s  # (3)
            u_all.append(_inverse(kind, a * vh, xp))  # (4), (5)
            q_hat.append(qh), k_hat.append(kh), v_hat.append(vh), a_all.append(a)
        merged = _merge_heads(xp, xp.stack(u_all, axis=-3))  # (5)
        out = linear(merged, p["out_proj.weight"], p["out_proj.bias"])  # (6)
        drop = self._dropout_mask("dropout", tuple(out.shape), self.dropout, x=x, training=training, rng=rng,
                                  masks=masks)
        y = out if drop is None else dropout(out, mask=drop, p=self.dropout)
        ctx = MixedSpectralAttentionCtx(dtype=dtype_name(x.dtype), x=x, keep=keep, q_hat=tuple(q_hat),
                                        k_hat=tuple(k_hat), v_hat=tuple(v_hat), a=tuple(a_all), merged=merged,
                                        out=out, drop_mask=drop)
        return y, ctx

    def backward(self, ctx: MixedSpectralAttentionCtx, dy):
        """``(dx, grads)``: equations (6) to (1) in reverse (complex lines: the module docstring)."""
        self._check_cotangent(ctx, dy, tuple(ctx.x.shape))
        xp = namespace(dy)
        p = self.params
        # (6) y = drop(out); out = merged Wo^T + bo
        dout = dy if ctx.drop_mask is None else dropout_vjp(dy, ctx.out, ctx.out, mask=ctx.drop_mask, p=self.dropout)
        dmerged, dwo, dbo = linear_vjp(dout, ctx.merged, p["out_proj.weight"], p["out_proj.bias"], None)
        du = _split_heads(xp, dmerged, self.num_heads)
        dscales = {kind: None for kind in self.enabled_transforms}
        dheads = {c: [] for c in "qkv"}
        for t, kind in enumerate(self.head_transforms):
            qh, kh, vh, a = ctx.q_hat[t], ctx.k_hat[t], ctx.v_hat[t], ctx.a[t]
            s = p[f"scales.{kind}"][0, ...]
            # (5) u = Re T^-1 o: do = (T^-1)^H du
            do = _inverse_adjoint(kind, du[..., t, :, :], xp)
            fft_head = kind == "fft"
            # (4) o = a v^: da = do conj(v^), dv^ = do conj(a)
            da = do * (xp.conj(vh) if fft_head else vh)
            dvh = do * (xp.conj(a) if fft_head else a)
            # (3) a = q^ conj(k^) s (FFT) or q^ k^ s: dq^ = da k^ s, dk^ = conj(da) q^ s (FFT) or da q^ s,
            #     ds = sum Re(conj(da) q^ conj(k^)) (FFT) or sum da q^ k^
            dqh = da * kh * s
            dkh = (xp.conj(da) if fft_head else da) * qh * s
            ds = xp.real(xp.conj(da) * qh * xp.conj(kh)) if fft_head else da * qh * kh
            ds = xp.sum(xp.reshape(ds, (-1, self.head_dim)), axis=0)
            dscales[kind] = ds if dscales[kind] is None else dscales[kind] + ds
            # (2) c^ = T c: dc = Re T^H dc^
            for c, g in (("q", dqh), ("k", dkh), ("v", dvh)):
                back = _forward_adjoint(kind, g)
                dheads[c].append(xp.real(back) if fft_head else back)
        # (1) c = m (x Wc^T + bc): d(lin) = m dc; dx = sum_c d(lin) Wc
        dx = None
        grads = {}
        for c in "qkv":
            g = _merge_heads(xp, xp.stack(dheads[c], axis=-3))
            g = g if ctx.keep is None else g * ctx.keep
            dxc, dw, db = linear_vjp(g, ctx.x, p[f"{c}_proj.weight"], p[f"{c}_proj.bias"], None)
            dx = dxc if dx is None else dx + dxc
            grads[f"{c}_proj.weight"], grads[f"{c}_proj.bias"] = dw, db
        grads["out_proj.weight"], grads["out_proj.bias"] = dwo, dbo
        for kind in self.enabled_transforms:
            grads[f"scales.{kind}"] = xp.reshape(dscales[kind], (1, 1, self.head_dim))
        return dx, {k: grads[k] for k in self.params}


# ----------------------------------------------------------------------------------------------------------
# verification cases

_CTOR_KEYS = ("hidden_dim", "num_heads", "use_fft", "use_dct", "use_hadamard", "dropout")


def _build(seed, *, L, batch=None, masked=False, **point):  # noqa: N803  (L the sequence length)
    """The layer with every param redrawn O(1): weights N(0, 1/D), biases N(0, 1/4), scales of modulus in
    [0.5, 1.5] and either sign; ``L``, ``batch``, ``masked`` shape the input and the forward only."""
    gen = np.random.default_rng(seed)
    layer = MixedSpectralAttention(**point, seed=gen)
    new = {}
    for name, value in layer.params.items():
        draw = gen.standard_normal(tuple(value.shape))
        if name.startswith("scales."):
            new[name] = np.sign(draw) * gen.uniform(0.5, 1.5, tuple(value.shape))
        else:
            new[name] = 0.5 * draw if name.endswith("bias") else draw / math.sqrt(point["hidden_dim"])
    return layer.with_params(new)


def _forward_kwargs_for(masked):
    def forward_kwargs(layer, x, rng):
        xp = namespace(x)
        out = {}
        if masked:
            keep = np.ones(tuple(x.shape[:-1]), dtype=bool)
            keep[..., -1] = False
            out["mask"] = xp.asarray(keep, device=device_of(x))
        if layer.dropout:
            out["training"] = True
            out["masks"] = {"dropout": xp.asarray(rng.random(tuple(x.shape)) >= layer.dropout, device=device_of(x))}
        return out

    return forward_kwargs


def _case(name, grid, masked):
    return layer_case(
        MixedSpectralAttention,
        name=name,
        build=_build,
        input_shape=lambda point: (*point.get("batch", (2,)), point["L"], point["hidden_dim"]),
        grid=grid,
        error_scale=lambda point: MixedSpectralAttention(
            **{k: point[k] for k in _CTOR_KEYS if k in point}).error_scale(point["L"]),
        error_reason="four projections (1.5 D + 2), four length-N orthonormal transforms, the (complex) "
        "products: the sum of the stage constants, doubled for propagation",
        forward_kwargs=_forward_kwargs_for(masked),
    )


# layer_case reads the number of params from a case's first point: one case per set of enabled types
CASES = [
    _case("MixedSpectralAttention", (
        {"hidden_dim": 6, "num_heads": 3, "L": 4},  # fft, dct, hadamard
        {"hidden_dim": 6, "num_heads": 3, "L": 8, "dropout": 0.25, "batch": (2, 1)},
    ), False),
    _case("MixedSpectralAttentionFFTDCT", (
        {"hidden_dim": 4, "num_heads": 2, "use_hadamard": False, "L": 5},  # odd N
        {"hidden_dim": 6, "num_heads": 3, "use_hadamard": False, "L": 6},  # fft, dct, fft
    ), False),
    _case("MixedSpectralAttentionFFT", (
        {"hidden_dim": 4, "num_heads": 2, "use_dct": False, "use_hadamard": False, "L": 7},
    ), False),
    _case("MixedSpectralAttentionMasked", (
        {"hidden_dim": 6, "num_heads": 3, "L": 4},
    ), True),
    _case("MixedSpectralAttentionMaskedDCTHadamard", (
        {"hidden_dim": 4, "num_heads": 2, "use_fft": False, "L": 4},
    ), True),
]
