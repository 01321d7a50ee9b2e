"""The verification case factory of the linear-attention layers (:mod:`~specref.layers.attention.feature` and
:mod:`~specref.layers.attention.kernel` register their grids with it): every parameter redrawn O(1), the case's
keep-masks, and the redraws that keep central differences away from the kinks and the small normalisers."""

from __future__ import annotations

import math

import numpy as np

from specref.backend import device_of, namespace, to_numpy
from specref.layers.attention._linear_base import DEN_GAP, signed_features
from specref.layers.attention.softmax import _merge_heads
from specref.layers.base import layer_case
from specref.testing.draws import KINK_GAP, draw_away

__all__ = ["case_mask", "linear_case"]


# ----------------------------------------------------------------------------------------------------------
# verification cases: one factory for the three classes (this module's and kernel.py's grids)


def case_mask(shape, kind: str) -> np.ndarray:
    """The case's keep-mask (..., N): ``"some"``: the last token masked everywhere and the first past the first
    batch row (causal: query 0 there has no key); ``"empty"``: also every token of the first batch row."""
    keep = np.ones(shape, dtype=bool)
    keep[..., -1] = False
    keep[1:, 0] = False
    if kind == "empty":
        keep[0] = False
    return keep


def _redraw_params(layer, gen):
    """Every param redrawn O(1): weights N(0, 1/D), biases N(0, 1/4), eigenvectors N(0, 1/d), eigenvalues of
    modulus in [0.5, 1.5] and either sign (away from the kink of |lambda|), so each gradient is checked at a
    generic point."""
    new = {}
    for name, value in layer.params.items():
        shape = tuple(value.shape)
        if name == "kernel.eigenvalues":
            new[name] = np.sign(gen.standard_normal(shape)) * gen.uniform(0.5, 1.5, shape)
        elif name == "kernel.eigenvectors":
            new[name] = gen.standard_normal(shape) / math.sqrt(shape[0])
        elif name.endswith("bias"):
            new[name] = 0.5 * gen.standard_normal(shape)
        else:
            new[name] = gen.standard_normal(shape) / math.sqrt(layer.hidden_dim)
    return layer.with_params(new)


def _den(layer, x, mask):
    """The normalisers phi_q_i . sum_j phi_k_j (..., h, N) of a non-causal forward (host float64)."""
    mix = layer.forward(x, mask=mask)[1].mix
    lin_q, lin_k = to_numpy(mix.lin_q), to_numpy(mix.lin_k)
    return np.sum(lin_q * np.sum(lin_k, axis=-2, keepdims=True), axis=-1)


def _away(layer, x, rng, mask):
    """Redraws keeping finite differences meaningful: the ReLU features' pre-activations (generalized) at least
    ``KINK_GAP`` from 0 (rows f of ``q_proj.weight`` and ``k_proj.weight`` move feature f of q and k at every
    position), and the signed features' normalisers at least ``DEN_GAP`` times their median from 0 (the phases
    ``kernel.bias`` or the ``kernel.eigenvectors`` redrawn)."""
    xp = namespace(x)
    if getattr(layer, "generalized", False):
        e = layer.hidden_dim

        def image(draw):  # q, k at [..., i, f] watched from row f of both weights: (..., N, 2, D, D)
            ctx = layer.with_params({"q_proj.weight": draw[0], "k_proj.weight": draw[1]}).forward(x, mask=mask)[1]
            qk = np.stack([to_numpy(_merge_heads(xp, ctx.qh)), to_numpy(_merge_heads(xp, ctx.kh))], axis=-2)
            return np.broadcast_to(qk[..., None], (*qk.shape, e))

        w = draw_away(rng, (2, e, e), kinks=(0.0,), gap=KINK_GAP, scale=1.0 / math.sqrt(e), image=image)
        layer = layer.with_params({"q_proj.weight": w[0], "k_proj.weight": w[1]})
    if signed_features(layer):
        name = "kernel.bias" if layer.kernel_type == "gaussian" else "kernel.eigenvectors"
        arrays = layer.buffers if name in layer.buffers else layer.params
        shape = tuple(arrays[name].shape)

        def swap(draw):
            return layer.with_buffers({name: draw}) if name in layer.buffers else layer.with_params({name: draw})

        def den_image(draw):  # the normalisers in units of their median magnitude
            den = _den(swap(draw), x, mask)
            den = den / np.median(np.abs(den))
            return np.broadcast_to(den.reshape((*den.shape,) + (1,) * len(shape)), (*den.shape, *shape))

        scale = math.pi if name == "kernel.bias" else 1.0 / math.sqrt(shape[0])
        layer = swap(draw_away(rng, shape, kinks=(0.0,), gap=DEN_GAP, scale=scale, image=den_image))
    return layer


def _case_forward_kwargs(layer, x, rng):
    """The forward's keywords of a case: its mask and causal flag (kept on the built layer as ``_case_point``),
    injected dropout masks in training mode, a fixed integer rng for ``feature_redraw`` (the same projection at
    every evaluation)."""
    xp = namespace(x)
    point = layer._case_point
    out = {"causal": point["causal"]}
    if point["masked"] is not None:
        out["mask"] = xp.asarray(case_mask(tuple(x.shape[:-1]), point["masked"]), device=device_of(x))
    if layer.dropout:
        out["training"] = True
        out["masks"] = {k: xp.asarray(rng.random(s) >= layer.dropout, device=device_of(x))
                        for k, s in layer._dropout_shapes(tuple(x.shape)).items()}
    if getattr(layer, "feature_redraw", False):
        out["rng"] = int(rng.integers(2**31))
    return out


def _case_away(layer, x, rng):
    point = layer._case_point
    return _away(layer, x, rng, None if point["masked"] is None else case_mask(tuple(x.shape[:-1]), point["masked"]))


def linear_case(cls, name: str, ctor_keys: tuple, grid: tuple, full_grid: tuple | None = None):
    """The verify case of a linear-attention class over ``grid``: points hold constructor keys and ``L`` (N),
    ``batch``, ``masked`` (None, "some", "empty"), ``causal``; dropout > 0 runs in training mode with injected
    masks."""

    def build(seed, *, L, batch=(2,), masked=None, causal=False, **point):  # noqa: N803
        gen = np.random.default_rng(seed)
        layer = _redraw_params(cls(**{k: point[k] for k in ctor_keys if k in point}, seed=gen), gen)
        layer._case_point = {"masked": masked, "causal": causal}  # read by the case's forward keywords
        return layer

    def input_shape(point):
        return (*point.get("batch", (2,)), point["L"], point["hidden_dim"])

    def error_scale(point):
        return build(0, **point).error_scale(point["L"])

    return layer_case(cls, name=name, build=build, input_shape=input_shape, grid=grid, full_grid=full_grid,
                      error_scale=error_scale, error_reason="four length-D projections (1.5 D + 2), the feature "
                      "map's exponent or phase, linear attention's length-m dots and length-N sums (positive "
                      "terms; signed features: times 10, the normalisers' gap), the division: doubled",
                      forward_kwargs=_case_forward_kwargs, away_from_kinks=_case_away)
