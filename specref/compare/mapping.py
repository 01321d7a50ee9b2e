r"""How a peer's parameters become a specref component's, and specref's gradients the peer's.

A :class:`WeightMap` converts in both directions: ``to_specref`` builds specref's params from the peer's
(host NumPy arrays under the peer's names), ``grads_to_peer`` maps specref's parameter gradients back to
the peer's names and layout by the chain rule, so the comparison reads in the peer's own terms. Two maps
ship: :class:`SameNames` (spectrans's layout: specref's params *are* the peer's, by name) and
:class:`GFNetHalfSpectrum` (a GFNet layer's complex half-spectrum weight onto
:class:`~specref.layers.mixing.GlobalFilterMixing`'s full-length real filters), and
:class:`NeuralOperatorSpectralConv` (neuraloperator's ``SpectralConv`` weight and mode windows onto
:class:`~specref.layers.operators.spectral_conv.SpectralConv1d` and ``SpectralConv2dTwoCorners``).

A :class:`Pairing` is one peer bound to one specref component: the specref side (forward, then the
hand-written backward), the derived bounds, the peer's dropouts to read masks from, and a known difference
when one applies. :func:`layer_pairing` builds it for any specref layer; peer-specific modules
(:mod:`specref.compare.spectrans`) build theirs with a config read off the peer.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = ["WeightMap", "SameNames", "GFNetHalfSpectrum", "gfnet_half_spectrum", "NeuralOperatorSpectralConv",
           "Pairing", "layer_pairing", "OursRun", "weight_map"]


class WeightMap:
    """Peer params -> specref params, and specref gradients -> the peer's (override both)."""

    name = "weight map"

    def config(self, peer_params: Mapping, input_shape: tuple) -> dict:
        """Constructor arguments of the specref component implied by the peer's weights (shapes...)."""
        return {}

    def default_input_shape(self, peer_params: Mapping) -> tuple | None:
        """The input shape to draw when none is given, where the weights imply one (else None)."""
        return None

    def to_specref(self, peer_params: Mapping, input_shape: tuple) -> dict:
        raise NotImplementedError

    def grads_to_peer(self, grads: Mapping, peer_params: Mapping, input_shape: tuple) -> dict:
        raise NotImplementedError

    def complex_params(self, peer_params: Mapping) -> dict:
        """For diagnosis: peer param name -> how it holds complex values: ``"complex"`` (a complex array),
        ``"pair"`` (a real array with a trailing axis of 2), or ``("real", "imag")`` partner names."""
        out = {}
        for k, v in peer_params.items():
            if np.iscomplexobj(v):
                out[k] = "complex"
        return out


class SameNames(WeightMap):
    """specref's params are the peer's, name for name (spectrans's layout; specref mirrors it)."""

    name = "same names"

    def __init__(self, renames: Mapping | None = None):
        self.renames = dict(renames or {})  # peer name -> specref name

    def to_specref(self, peer_params, input_shape):
        return {self.renames.get(k, k): v for k, v in peer_params.items()}

    def grads_to_peer(self, grads, peer_params, input_shape):
        back = {v: k for k, v in self.renames.items()}
        return {back.get(k, k): v for k, v in grads.items()}

    def complex_params(self, peer_params):
        out = super().complex_params(peer_params)
        for k in peer_params:
            if k.endswith("_real") and k[:-5] + "_imag" in peer_params:
                out[k] = (k, k[:-5] + "_imag")
        return out


class GFNetHalfSpectrum(WeightMap):
    r"""A GFNet global filter stored as its half spectrum onto GlobalFilterMixing's full-length filters.

    A GFNet layer computes :math:`y = \mathrm{irfft}(\mathrm{rfft}(x)\odot W)` along the sequence axis with a
    complex weight :math:`W` of shape ``(N//2 + 1, D)`` (a complex array, or real with a trailing axis of 2).
    :class:`~specref.layers.mixing.GlobalFilterMixing` with ``activation="identity"`` computes
    :math:`\operatorname{Re}\,\mathrm{ifft}(\mathrm{fft}(x)\odot H)` with a full-length filter
    :math:`H` of shape ``(N, D)``. They agree for the Hermitian extension

    .. math:: H_k = W_k \ (0 \le k \le N/2), \qquad H_{N-k} = \overline{W_k} \ (0 < k < N/2),

    i.e. ``filter_real[k] = Re W[k]``, ``filter_real[N-k] = Re W[k]``, ``filter_imag[k] = Im W[k]``,
    ``filter_imag[N-k] = -Im W[k]`` (the imaginary parts of the DC and, for even N, Nyquist bins are dropped
    by both: irfft ignores them, and the real part of the output annihilates them). By the chain rule the
    gradient of :math:`W` (PyTorch's convention, :math:`\partial L/\partial\operatorname{Re}W + i\,\partial
    L/\partial\operatorname{Im}W`) collects both bins that a half-spectrum entry feeds:

    .. math:: \partial W_k = (\partial H^{re}_k + \partial H^{re}_{N-k})
              + i\,(\partial H^{im}_k - \partial H^{im}_{N-k}) \quad (0 < k < N/2),

    and :math:`\partial H^{re}_k + i\,\partial H^{im}_k` at the DC and Nyquist bins: the Hermitian weights
    (interior bins count twice for real data) that a hand-written backward most often misses.

    Parameters
    ----------
    param : str or None
        The peer's name of the weight (default: its only parameter).
    """

    name = "gfnet_half_spectrum"

    def __init__(self, param: str | None = None):
        self.param = param

    def _key(self, peer_params: Mapping) -> str:
        if self.param is not None:
            if self.param not in peer_params:
                raise KeyError(f"gfnet_half_spectrum: the peer has no parameter {self.param!r}; it has "
                               f"{_shapes(peer_params)}")
            return self.param
        if len(peer_params) != 1:
            raise KeyError(f"gfnet_half_spectrum: name the weight with GFNetHalfSpectrum(param=...); the peer "
                           f"has {_shapes(peer_params)}")
        return next(iter(peer_params))

    def _complex(self, w: np.ndarray) -> np.ndarray:
        if np.iscomplexobj(w):
            return w
        if w.ndim == 3 and w.shape[-1] == 2:
            return w[..., 0] + 1j * w[..., 1]
        raise ValueError(f"gfnet_half_spectrum: the weight must be complex (K, D) or real (K, D, 2), got "
                         f"{w.dtype} {w.shape}")

    def default_input_shape(self, peer_params):
        """(2, 2 (K - 1), D): the even length a half spectrum of K bins comes from (2K - 1 would fit too)."""
        w = self._complex(peer_params[self._key(peer_params)])
        return (2, 2 * (w.shape[0] - 1) or 1, w.shape[1])

    def config(self, peer_params, input_shape):
        w = self._complex(peer_params[self._key(peer_params)])
        n = input_shape[-2]
        if w.shape[0] != n // 2 + 1:
            raise ValueError(
                f"gfnet_half_spectrum: a sequence of length N = {n} has N//2 + 1 = {n // 2 + 1} rfft bins, but "
                f"the weight has {w.shape[0]} rows (an off-by-one in the number of modes?)")
        return {"hidden_dim": w.shape[1], "sequence_length": n, "activation": "identity"}

    def to_specref(self, peer_params, input_shape):
        w = self._complex(peer_params[self._key(peer_params)])
        n = input_shape[-2]
        k = np.arange(n)
        rows = np.minimum(k, n - k)  # bin k reads W[min(k, N - k)]
        sign = np.where(k <= n // 2, 1.0, -1.0)[:, None]  # the mirrored bins take the conjugate
        real_dtype = np.real(w).dtype
        return {"filter_real": np.real(w)[rows].astype(real_dtype),
                "filter_imag": (sign * np.imag(w)[rows]).astype(real_dtype)}

    def grads_to_peer(self, grads, peer_params, input_shape):
        key = self._key(peer_params)
        w = peer_params[key]
        n = input_shape[-2]
        dr, di = np.asarray(grads["filter_real"]), np.asarray(grads["filter_imag"])
        half = n // 2 + 1
        gr, gi = dr[:half].copy(), di[:half].copy()
        mirrored = np.arange(1, (n + 1) // 2)  # 0 < k < N/2: the bin N - k reads W[k] conjugated
        gr[mirrored] += dr[n - mirrored]
        gi[mirrored] -= di[n - mirrored]
        if np.iscomplexobj(w):
            return {key: gr + 1j * gi}
        return {key: np.stack([gr, gi], axis=-1)}

    def complex_params(self, peer_params):
        key = self._key(peer_params)
        return {key: "complex" if np.iscomplexobj(peer_params[key]) else "pair"}


gfnet_half_spectrum = GFNetHalfSpectrum()


class NeuralOperatorSpectralConv(WeightMap):
    r"""neuraloperator 2.0.0's ``SpectralConv`` (dense, real data) onto specref's spectral convolutions.

    neuraloperator keeps one complex weight ``weight.tensor`` (its ``DenseTensor``; ``factorization=None``
    means dense) of shape ``(C_in, C_out, n_1, ..., n_{d-1}, K)`` with :math:`K = n_d // 2 + 1` for
    ``n_modes = (n_1, ..., n_d)`` (the setter rounds the last axis to the rfft's half spectrum). With
    ``fft_norm="forward"`` its transforms are :math:`\tfrac1N` rfft and :math:`N` irfft, so the product is
    torch's default ("backward") pair, which specref uses: no scale to map.

    - 1-D (:class:`~specref.layers.operators.spectral_conv.SpectralConv1d`, ``modes = K``): bins
      :math:`k = 0..K-1` along the last axis, ``weights[i, o, k] = (Re W[i, o, k], Im W[i, o, k])``.
    - 2-D (:class:`~specref.layers.operators.spectral_conv.SpectralConv2dTwoCorners`, ``modes = (m_1, K)``):
      neuraloperator ``fftshift`` s the first axis, keeps the :math:`n_1` rows around the zero frequency and
      shifts back, so weight row :math:`r` holds frequency :math:`r - \lfloor n_1/2 \rfloor` along H: the
      :math:`\lfloor n_1/2 \rfloor` negative frequencies and :math:`\lceil n_1/2 \rceil` non-negative ones.
      With :math:`m_1 = \lceil n_1/2 \rceil`, ``weights1[:, :, j] = W[:, :, \lfloor n_1/2 \rfloor + j]``
      (frequencies :math:`0..m_1-1`) and ``weights2[:, :, j] = W[:, :, j - m_1 + \lfloor n_1/2 \rfloor]``
      (frequency :math:`j - m_1`; zero where that row index is negative, i.e. the row of frequency
      :math:`-m_1` for odd :math:`n_1`, which neuraloperator does not keep).

    The gradients (PyTorch's convention :math:`\partial L/\partial\operatorname{Re}W + i\,\partial
    L/\partial\operatorname{Im}W`, specref's too) follow by the chain rule: the map is a selection, so each
    entry of W takes the gradient of the one specref entry it fills (``weights``' pair recombined as
    :math:`g_{re} + i g_{im}`), and the zero-filled row's gradient is dropped.

    Only what neuraloperator computes as documented is mapped (validation/FINDINGS.md): even sizes on every
    axis but the last in 2-D (``neuralop_spectralconv_fftshift``), the output at the input's resolution
    (``neuralop_spectralconv_resolution``), ``n_modes`` within the spectrum, no bias (construct it with
    ``bias=False``: specref's layers have none) and the weight complex64 (``neuralop_spectralconv_complex64``:
    compare in float32).
    """

    name = "neuraloperator_spectral_conv"

    @staticmethod
    def _weight(peer_params: Mapping) -> tuple[str, np.ndarray]:
        extra = sorted(set(peer_params) - {"weight.tensor", "weight"})
        if extra:
            raise ValueError(f"neuraloperator_spectral_conv: only the dense weight is mapped (construct the "
                             f"SpectralConv with bias=False, factorization=None); the peer also has {extra}")
        key = "weight.tensor" if "weight.tensor" in peer_params else "weight"
        if key not in peer_params or not np.iscomplexobj(peer_params[key]) or np.ndim(peer_params[key]) not in (3, 4):
            raise ValueError(f"neuraloperator_spectral_conv: expected a complex weight (C_in, C_out, K) or "
                             f"(C_in, C_out, n_1, K); the peer has {_shapes(peer_params)}")
        return key, np.asarray(peer_params[key])

    def default_input_shape(self, peer_params):
        """(2, C_in, N) with N = 2 (K - 1) (even), or (2, C_in, H, W) with H = 2 m_1 and W = 2 (K - 1)."""
        w = self._weight(peer_params)[1]
        last = max(2 * (w.shape[-1] - 1), 2)
        return (2, w.shape[0], last) if w.ndim == 3 else (2, w.shape[0], 2 * ((w.shape[2] + 1) // 2), last)

    def config(self, peer_params, input_shape):
        w = self._weight(peer_params)[1]
        k = w.shape[-1]
        if k > input_shape[-1] // 2 + 1:
            raise ValueError(f"neuraloperator_spectral_conv: {k} modes along the last axis, but N = "
                             f"{input_shape[-1]} has N//2 + 1 = {input_shape[-1] // 2 + 1} rfft bins")
        if w.ndim == 3:
            return {"in_channels": w.shape[0], "out_channels": w.shape[1], "modes": k}
        n1, h = w.shape[2], input_shape[-2]
        if h % 2 or n1 > h:
            raise ValueError(f"neuraloperator_spectral_conv: H = {h} must be even (an odd H is "
                             f"neuralop_spectralconv_fftshift) and at least n_1 = {n1}")
        return {"in_channels": w.shape[0], "out_channels": w.shape[1], "modes": ((n1 + 1) // 2, k)}

    def to_specref(self, peer_params, input_shape):
        w = self._weight(peer_params)[1]
        real = np.real(w).dtype

        def pair(c):
            return np.stack([np.real(c), np.imag(c)], axis=-1).astype(real)

        if w.ndim == 3:
            return {"weights": pair(w)}
        n1 = w.shape[2]
        neg, m1 = n1 // 2, (n1 + 1) // 2
        second = np.zeros((w.shape[0], w.shape[1], m1, w.shape[3]), dtype=w.dtype)
        second[:, :, m1 - neg:] = w[:, :, :neg]  # frequencies -neg..-1; -m1 is not kept for odd n_1
        return {"weights1": pair(w[:, :, neg:]), "weights2": pair(second)}

    def grads_to_peer(self, grads, peer_params, input_shape):
        key, w = self._weight(peer_params)

        def cplx(g):
            g = np.asarray(g)
            return (g[..., 0] + 1j * g[..., 1]).astype(w.dtype)

        if w.ndim == 3:
            return {key: cplx(grads["weights"])}  # dW = g_re + i g_im, entry for entry
        n1 = w.shape[2]
        neg, m1 = n1 // 2, (n1 + 1) // 2
        # each W row feeds exactly one specref row: W[neg + j] <- weights1[j], W[r] <- weights2[r - neg + m1]
        return {key: np.concatenate([cplx(grads["weights2"])[:, :, m1 - neg:], cplx(grads["weights1"])], axis=2)}

    def complex_params(self, peer_params):
        return {self._weight(peer_params)[0]: "complex"}


_NAMED_MAPS = {"gfnet_half_spectrum": GFNetHalfSpectrum, "same_names": SameNames,
               "neuraloperator_spectral_conv": NeuralOperatorSpectralConv}


def weight_map(spec) -> WeightMap:
    """A :class:`WeightMap` from an instance, a name (``"gfnet_half_spectrum"``, ``"same_names"``,
    ``"neuraloperator_spectral_conv"``), a dict of
    renames (peer name -> specref name) or None (same names)."""
    if spec is None:
        return SameNames()
    if isinstance(spec, WeightMap):
        return spec
    if isinstance(spec, str):
        if spec not in _NAMED_MAPS:
            raise ValueError(f"unknown weight map {spec!r}; known: {sorted(_NAMED_MAPS)}")
        return _NAMED_MAPS[spec]()
    if isinstance(spec, Mapping):
        return SameNames(spec)
    raise TypeError(f"weights must be a WeightMap, a name or a dict of renames, got {type(spec).__name__}")


def _shapes(params: Mapping) -> str:
    return ", ".join(f"{k} {tuple(np.shape(v))} {np.asarray(v).dtype}" for k, v in params.items()) or "none"


@dataclass
class OursRun:
    """specref's side of one comparison: output, input gradients, parameter gradients (peer names)."""

    output: np.ndarray
    input_grads: tuple = ()
    param_grads: dict = field(default_factory=dict)


@dataclass
class Pairing:
    """One peer bound to one specref component.

    ``forward(inputs, training, masks)`` returns ``(output, state)`` and ``backward(state, dy)`` returns
    ``(input_grads, param_grads)`` with the peer's parameter names. ``bounds(input_shapes, dtype)`` gives the
    (forward, gradient) :class:`~specref.testing.tolerances.Bound` s. ``rebuild(peer_params)`` gives the
    pairing of the same component with other peer weights (the diagnosis tests hypotheses with it, e.g. a
    conjugated weight).
    """

    component: str
    config: dict
    forward: Callable
    backward: Callable
    bounds: Callable
    weight_map: WeightMap = field(default_factory=SameNames)
    peer_params: dict = field(default_factory=dict)
    peer_call: Callable | None = None  # what to call on the peer side (the module, or one of its methods)
    dropouts: dict = field(default_factory=dict)  # mask name -> torch dropout module
    relu_before: dict = field(default_factory=dict)
    known: str = ""
    notes: list = field(default_factory=list)
    default_input_shapes: tuple = ()  # shapes of the inputs drawn when none are given
    input_complex: tuple = ()  # per input: whether it is drawn complex
    spectral_axes: tuple = ()  # output axes along which FFTs run (diagnosis)
    rebuild: Callable | None = None
    layer: object = None


def layer_pairing(cls_or_layer, peer_params: Mapping, input_shape: tuple, *, config: Mapping | None = None,
                  weights=None, dtype: str | None = None) -> Pairing:
    """Bind a specref layer class (or instance: its config is kept) to a peer's weights.

    The layer is built from ``config`` plus what the weight map reads off the weights, and its params are
    the weight map's image of ``peer_params`` (cast to ``dtype`` when given).
    """
    from specref.compare.bounds import layer_bounds
    from specref.interop.params import config_of

    wmap = weight_map(weights)
    cls = cls_or_layer if isinstance(cls_or_layer, type) else type(cls_or_layer)
    base = {} if isinstance(cls_or_layer, type) else config_of(cls_or_layer)
    given = dict(config or {})
    if input_shape is None:
        input_shape = wmap.default_input_shape(peer_params)
    if input_shape is None:
        merged = {**base, **given}
        length = merged.get("sequence_length") or merged.get("max_sequence_length") or 8
        input_shape = (2, length, merged.get("hidden_dim", 4))
    cfg = {**base, **wmap.config(peer_params, input_shape), **given}
    init = inspect.signature(cls.__init__).parameters
    if "hidden_dim" in init and "hidden_dim" not in cfg and input_shape:
        cfg["hidden_dim"] = input_shape[-1]  # the input's last axis (sequence inputs are (..., N, D))
    if "sequence_length" in init and "sequence_length" not in cfg and input_shape and len(input_shape) >= 2:
        cfg["sequence_length"] = input_shape[-2]
    missing = [k for k, p in init.items() if k != "self" and p.default is inspect.Parameter.empty
               and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and k not in cfg]
    if missing:
        raise TypeError(f"{cls.__name__} needs {missing} to be built: pass config={{{missing[0]!r}: ...}}")
    mapped = wmap.to_specref(peer_params, input_shape)
    try:
        layer = cls.from_state_dict(mapped, dtype=dtype, **cfg)
    except Exception as exc:
        expected = cls(**cfg).state_dict()
        raise ValueError(
            f"the peer's parameters do not map onto {cls.__name__}: expected {_shapes(expected)}; found "
            f"{_shapes(peer_params)} (mapped by {wmap.name} to {_shapes(mapped)}): {exc}") from exc

    def forward(inputs, training, masks):
        y, ctx = layer.forward(inputs[0], training=training, masks=masks or None)
        return y, ctx

    def backward(ctx, dy):
        dx, grads = layer.backward(ctx, dy)
        return (dx,), wmap.grads_to_peer({k: np.asarray(v) for k, v in grads.items()}, peer_params, input_shape)

    def bounds(shapes, prec):
        return layer_bounds(layer, shapes[0], prec)

    def rebuild(new_params):
        return layer_pairing(cls_or_layer, new_params, input_shape, config=config, weights=wmap, dtype=dtype)

    return Pairing(cls.__name__, cfg, forward, backward, bounds, weight_map=wmap, peer_params=dict(peer_params),
                   default_input_shapes=(tuple(input_shape),), input_complex=(False,), spectral_axes=(-2,),
                   rebuild=rebuild, layer=layer)
