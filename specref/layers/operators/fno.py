r"""FourierNeuralOperator and the operators' FNOBlock: spectrans's FNO layer and its residual block.

:class:`FourierNeuralOperator` is spectrans 0.1.0's ``FourierNeuralOperator``
(``spectrans/layers/operators/fno.py``), with its constructor, parameter names, shapes and order of
operations. ``modes`` an int makes it 1-D (input (..., N, C), channels last), a pair makes it 2-D (input
(..., H, W, C)). With :math:`K` the spectral convolution (child ``"spectral_conv"``:
:class:`~specref.layers.operators.spectral_conv.SpectralConv1d` or
:class:`~specref.layers.operators.spectral_conv.SpectralConv2d`, acting on channels first), :math:`W` (C, C)
and :math:`b` (C,) the 1x1 convolution ``linear`` (torch's ``Conv1d``/``Conv2d`` of kernel size 1, weight
stored (C, C, 1) or (C, C, 1, 1)) and :math:`\phi` the activation:

.. math::

    s &= T^{-1} K(T x) \qquad (1) \\
    \ell &= x W^{\mathsf T} + b \qquad (2) \\
    z &= s + \ell \qquad (3) \\
    y &= \phi(z) \qquad (4)

:math:`T` moves the channel axis first (spectrans's ``transpose``/``permute``). A 1x1 convolution is :math:`W`
on the channel axis at every point: (2) is :func:`specref.ops.linear.linear` on the channels-last input;
:math:`\phi` is entrywise, so it commutes with :math:`T^{-1}`. ``use_spectral_conv``/``use_linear`` keep (1)/(2).

:class:`FNOBlock` is the operators' block ``spectrans.layers.operators.fno.FNOBlock`` (exported as
``spectrans.layers.FNOBlock``): with the norms :math:`N_1, N_2` (``"layernorm"``, ``"batchnorm"`` or none),
the FNO layer as child ``"fno"`` and the feed-forward network ``ffn`` (``ffn.0`` Linear, activation,
dropout ``"ffn.2"``, ``ffn.3`` Linear, dropout ``"ffn.4"``, spectrans's ``nn.Sequential`` indices):

.. math::

    h &= x + \operatorname{drop}(\operatorname{FNO}(N_1 x)) \qquad (5) \\
    y &= h + \operatorname{drop}_4\big(W_3\, \operatorname{drop}_2(\phi(W_0 N_2 h + b_0)) + b_3\big) \qquad (6)

(no FFN and no :math:`N_2` when ``mlp_ratio == 0``). It is *not* ``spectrans.blocks.FNOBlock``, a
``PreNormBlock`` with another layout (``mixing_layer.*``, ``ffn.fc1/fc2``; inventory #30), which belongs to the
blocks issue.

Departures from spectrans (DESIGN section 8; inventory #24): spectrans's ``forward`` replaces ``self.linear``
with a dtype-cast copy for an input of another dtype (a mutation that invalidates optimizer references);
specref never mutates a layer: the input must have the params' precision (``layer.astype``), else TypeError.
spectrans's batch norm is ``BatchNorm1d`` on the transposed (B, C, N) input, which torch refuses for other
ranks; specref normalises each channel over every other axis (``axis=-1``): the same for (B, N, C), and
defined for 2-D inputs and more batch axes. A negative ``mlp_ratio`` (spectrans: no FFN) is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specref._args import check_choice, check_flag, check_nonnegative_float, check_positive_int, check_probability
from specref.backend import as_generator, dtype_name, namespace
from specref.layers._init import torch_default_bias, torch_default_weight, xavier_uniform
from specref.layers.base import Layer, LayerCtx, check_sequence_input, layer_case, nest, prefixed
from specref.layers.feedforward import bias_away_from_kinks
from specref.layers.operators.spectral_conv import SpectralConv1d, SpectralConv2d
from specref.layers.operators.spectral_conv import _error_scale as _conv_error_scale
from specref.ops.activations import ACTIVATIONS
from specref.ops.batch_norm import (
    batch_norm,
    batch_norm_inference,
    batch_norm_inference_vjp,
    batch_norm_running_stats,
    batch_norm_vjp,
)
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.linear import linear, linear_vjp
from specref.ops.norm import layer_norm, layer_norm_vjp
from specref.testing.tolerances import summation_factor

__all__ = ["FourierNeuralOperator", "FNOCtx", "FNOBlock", "FNOBlockCtx", "FNO_ACTIVATIONS", "FNO_NORM_TYPES"]

#: the activations spectrans's FourierNeuralOperator and FNOBlock accept ("swish" is silu)
FNO_ACTIVATIONS = ("gelu", "relu", "silu", "swish", "tanh", "sigmoid", "identity")
#: FNOBlock's norm types
FNO_NORM_TYPES = ("layernorm", "batchnorm", "none")
_ALIASES = {"swish": "silu"}
_RUNNING = ("running_mean", "running_var", "num_batches_tracked")


def _activation(name: str) -> tuple:
    """``(f, f_vjp)`` of spectrans's activation ``name`` from the one table."""
    return ACTIVATIONS[_ALIASES.get(name, name)]


def _check_operator_input(x, dim: int, channels: int, layer: str) -> None:
    """(..., N, C) with at least 3 axes (1-D) or (..., H, W, C) with at least 4 axes (2-D), C = ``channels``."""
    check_sequence_input(x, channels, layer=layer)  # an array, at least 3 axes, axis -2 >= 1, C checked
    if dim == 2 and (x.ndim < 4 or x.shape[-3] < 1):
        raise ValueError(f"{layer} (2-D: modes is a pair) needs input of shape (B, H, W, C) (any leading batch "
                         f"shape, channels last); x has shape {tuple(x.shape)}")


@dataclass(frozen=True)
class FNOCtx(LayerCtx):
    """What :meth:`FourierNeuralOperator.backward` reads; numbers are those of the module docstring."""

    x: object  # input, channels last
    conv: object | None  # (1) the spectral convolution's ctx (None without it)
    z: object  # (3) s + l, the activation's input
    y: object  # (4) phi(z)


class FourierNeuralOperator(Layer):
    r"""spectrans's ``FourierNeuralOperator``: :math:`y = \phi(K x + x W^{\mathsf T} + b)`, channels last.

    Parameters
    ----------
    hidden_dim : int
        C, the channels (the input's last axis).
    modes : int or pair of ints
        An int: 1-D layer, input (..., N, C), :class:`SpectralConv1d` keeping ``modes`` rfft bins (at most
        N // 2 + 1). A pair (m1, m2): 2-D layer, input (..., H, W, C), spectrans's one-corner
        :class:`SpectralConv2d` (m1 <= H, m2 <= W // 2 + 1). Default 16.
    activation : {"gelu", "relu", "silu", "swish", "tanh", "sigmoid", "identity"}
        spectrans's names (``"swish"`` is silu); ``"gelu"`` is the exact erf form (not on array-api-strict).
    use_spectral_conv, use_linear : bool
        Keep the spectral convolution / the 1x1 convolution (not both False).
    seed : int or numpy.random.Generator, keyword-only
        The spectral weights first (:class:`SpectralConv1d`'s law), then ``linear.weight`` xavier-uniform
        and ``linear.bias`` 0, as spectrans's ``_init_weights``. Never torch's numbers: load a state_dict.

    Attributes
    ----------
    params : dict
        ``spectral_conv.weights`` (C, C, modes, 2) or (C, C, m1, m2, 2); ``linear.weight`` (C, C, 1) or
        (C, C, 1, 1); ``linear.bias`` (C,): spectrans's ``named_parameters()``. ``dim``: 1 or 2.

    Raises
    ------
    ValueError
        For both parts disabled, ``modes`` neither an int nor a pair, an unknown activation, sizes < 1.
    TypeError
        For sizes that are not integers, flags that are not bool.

    Notes
    -----
    No dropout (``training`` changes nothing). The modes limit is checked at the forward against the input's
    sizes (spectrans fails inside ``einsum``); the layer is never mutated (#24, module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> fno = FourierNeuralOperator(hidden_dim=3, modes=4)
    >>> [(k, tuple(v.shape)) for k, v in fno.params.items()]
    [('spectral_conv.weights', (3, 3, 4, 2)), ('linear.weight', (3, 3, 1)), ('linear.bias', (3,))]
    >>> x = np.random.default_rng(0).standard_normal((2, 10, 3))
    >>> y, ctx = fno.forward(x)
    >>> dx, grads = fno.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, list(grads) == list(fno.params)
    ((2, 10, 3), (2, 10, 3), True)
    """

    def __init__(self, hidden_dim: int, modes=16, activation: str = "gelu", use_spectral_conv: bool = True,
                 use_linear: bool = True, *, seed=0):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        if isinstance(modes, tuple | list):
            if len(modes) != 2:
                raise ValueError(f"FourierNeuralOperator: unsupported modes {modes!r}: an int (1-D) or a pair of "
                                 "ints (2-D), as spectrans")
            self.modes = tuple(check_positive_int(m, "modes entry") for m in modes)
            self.dim = 2
        else:
            self.modes = check_positive_int(modes, "modes")
            self.dim = 1
        self.activation = check_choice(activation, FNO_ACTIVATIONS, "activation")
        self.use_spectral_conv = check_flag(use_spectral_conv, "use_spectral_conv")
        self.use_linear = check_flag(use_linear, "use_linear")
        if not (self.use_spectral_conv or self.use_linear):
            raise ValueError("FourierNeuralOperator: at least one of use_spectral_conv and use_linear must be True")
        c, gen = self.hidden_dim, as_generator(seed)
        conv_cls = SpectralConv1d if self.dim == 1 else SpectralConv2d
        self._children = {"spectral_conv": conv_cls(c, c, self.modes, seed=gen)} if self.use_spectral_conv else {}
        params, _ = nest(self._children)
        if self.use_linear:  # nn.Conv{1,2}d(C, C, 1), re-initialised: xavier_uniform_ weight, zero bias
            params["linear.weight"] = xavier_uniform(gen, (c, c) + (1,) * self.dim)
            params["linear.bias"] = np.zeros(c)
        self._init_arrays(params)

    def error_scale(self, input_shape) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for inputs of ``input_shape``:
        the spectral convolution's (:mod:`specref.layers.operators.spectral_conv`'s claim for the :math:`P`
        points and their bins), the 1x1 convolution :math:`1.5 C + 2`, the sum 1 and the activation 8, summed
        and doubled for the propagation through O(1)-conditioned stages.
        """
        shape = tuple(input_shape)
        c = self.hidden_dim
        points = math.prod(shape[-1 - self.dim:-1])
        bins = points // shape[-2] * (shape[-2] // 2 + 1)  # rfft along the last spatial axis
        conv = _conv_error_scale(points, bins, c, c) if self.use_spectral_conv else 0.0
        lin = 1.5 * c + 2.0 if self.use_linear else 0.0
        return 2.0 * (conv + lin + 1.0 + 8.0)

    def _channels_first(self, xp, a, inverse: bool = False):
        """T: (..., N, C) -> (..., C, N), (..., H, W, C) -> (..., C, H, W); T^{-1} with ``inverse``."""
        return xp.moveaxis(a, -1 - self.dim, -1) if inverse else xp.moveaxis(a, -1, -1 - self.dim)

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: equations (1)-(4) of the module docstring.

        ``x``: float32 or float64, (..., N, C) (1-D, at least three axes) or (..., H, W, C) (2-D, at least
        four axes). ``training``, ``rng``, ``masks``: the Layer contract's (no dropout: a mask name raises).

        Raises
        ------
        ValueError
            For too few axes, a channel count other than ``hidden_dim``, an axis of length 0, modes above the
            spectrum's limit for the input's sizes (the message gives the limit), a mask name.
        TypeError
            For a non-array, complex, integer or bool input, or a precision other than the params'.
        """
        _check_operator_input(x, self.dim, self.hidden_dim, "FourierNeuralOperator")
        self._check_input(x)
        self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)  # refuses any mask name
        xp = namespace(x)
        p = self.params
        z, conv = None, None
        if self.use_spectral_conv:
            s_first, conv = self._child("spectral_conv").forward(self._channels_first(xp, x))  # (1) K(T x)
            z = self._channels_first(xp, s_first, inverse=True)  # (1) s = T^{-1} K(T x)
        if self.use_linear:
            c = self.hidden_dim
            lin = linear(x, xp.reshape(p["linear.weight"], (c, c)), p["linear.bias"])  # (2) l = x W^T + b
            z = lin if z is None else z + lin  # (3) z = s + l
        y = _activation(self.activation)[0](z)  # (4) y = phi(z)
        return y, FNOCtx(dtype=dtype_name(x.dtype), x=x, conv=conv, z=z, y=y)

    def backward(self, ctx: FNOCtx, dy):
        """``(dx, grads)``: (4*) to (1*), the forward's lines in reverse."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        xp = namespace(dy)
        p = self.params
        grads = {}
        # (4*) y = phi(z): dz = phi'(z) dy
        dz = _activation(self.activation)[1](dy, ctx.z, ctx.y)
        dx = None
        if self.use_linear:
            c = self.hidden_dim
            # (3*) z = s + l: dl = dz; (2*) l = x W^T + b: dx = dl W, dW = sum dl^T x, db = sum dl
            dx, dw, db = linear_vjp(dz, ctx.x, xp.reshape(p["linear.weight"], (c, c)), p["linear.bias"], None)
            grads["linear.weight"] = xp.reshape(dw, tuple(p["linear.weight"].shape))  # (C, C) -> (C, C, 1[, 1])
            grads["linear.bias"] = db
        if self.use_spectral_conv:
            # (3*) ds = dz; (1*) s = T^{-1} K(T x): dx = T^{-1} K*(T ds), T's adjoint is T^{-1} (a permutation)
            dx_first, conv_grads = self._child("spectral_conv").backward(ctx.conv, self._channels_first(xp, dz))
            dx_conv = self._channels_first(xp, dx_first, inverse=True)
            dx = dx_conv if dx is None else dx + dx_conv  # the two branches' gradients add
            grads.update(prefixed("spectral_conv", conv_grads))
        return dx, {k: grads[k] for k in p}


@dataclass(frozen=True)
class FNOBlockCtx(LayerCtx):
    """What :meth:`FNOBlock.backward` reads; numbers are those of the module docstring. ``new_buffers``: batch
    norm in training mode, the running statistics of ``norm1``/``norm2`` after this batch (the updated
    layer is ``layer.with_buffers(ctx.new_buffers)``); ``{}`` otherwise."""

    training: bool
    x: object  # (5) input
    u1: object  # (5) N1(x)
    fno: object  # (5) the FNO's ctx
    f: object  # (5) FNO(u1)
    mask: object | None  # (5) keep-mask of "dropout"
    h: object  # (5) x + drop(f)
    u2: object | None  # (6) N2(h) (None without FFN)
    a0: object | None  # (6) W0 u2 + b0
    a1: object | None  # (6) phi(a0)
    mask2: object | None  # (6) keep-mask of "ffn.2"; a2 = drop2(a1)
    a2: object | None
    a3: object | None  # (6) W3 a2 + b3, then the keep-mask of "ffn.4"
    mask4: object | None
    y: object  # (6) output
    new_buffers: dict


class FNOBlock(Layer):
    r"""The operators' ``FNOBlock`` (``spectrans.layers.FNOBlock``): a pre-norm residual FNO layer and a
    pre-norm residual feed-forward network, equations (5), (6) of the module docstring.

    Not ``spectrans.blocks.FNOBlock`` (another class and layout, inventory #30: the blocks issue's).

    Parameters
    ----------
    hidden_dim : int
        C, the channels (the input's last axis).
    modes : int or pair of ints
        The FNO layer's (:class:`FourierNeuralOperator`): an int for (..., N, C), a pair for (..., H, W, C).
    mlp_ratio : float >= 0
        The FFN's hidden size is ``int(hidden_dim * mlp_ratio)``; 0: no FFN and no ``norm2``.
    activation : {"gelu", "relu", "silu", "swish", "tanh", "sigmoid", "identity"}
        The FNO layer's and the FFN's activation.
    dropout : float in [0, 1)
        p of the dropouts ``"dropout"`` (after the FNO), ``"ffn.2"`` and ``"ffn.4"``.
    norm_type : {"layernorm", "batchnorm", "none"}
        ``nn.LayerNorm(C)`` or ``nn.BatchNorm1d(C)`` (eps 1e-5, momentum 0.1) for ``norm1``/``norm2``.
    seed : int or numpy.random.Generator, keyword-only
        The FNO layer's laws, the norms (1, 0; running statistics 0, 1, count 0), then ``ffn.0`` and
        ``ffn.3`` as ``nn.Linear``: spectrans's construction order.

    Attributes
    ----------
    params : dict
        ``fno.*`` (:class:`FourierNeuralOperator`'s names), ``norm1.weight``, ``norm1.bias``, ``norm2.weight``,
        ``norm2.bias`` (C,) (not with ``"none"``; no ``norm2`` without FFN), ``ffn.0.weight`` (F, C),
        ``ffn.0.bias`` (F,), ``ffn.3.weight`` (C, F), ``ffn.3.bias`` (C,).
    buffers : dict
        ``"batchnorm"``: ``norm{1,2}.running_mean``, ``.running_var`` (C,), ``.num_batches_tracked`` () int64.

    Raises
    ------
    ValueError
        For an unknown ``norm_type`` or activation, a negative ``mlp_ratio`` or one giving a hidden size of 0,
        ``dropout`` outside [0, 1), and as :class:`FourierNeuralOperator`.

    Notes
    -----
    Training-mode batch norm: each channel's statistics over every other axis, the updated running statistics
    in ``ctx.new_buffers`` (the layer is never mutated); eval mode uses the running statistics.

    Examples
    --------
    >>> import numpy as np
    >>> block = FNOBlock(hidden_dim=4, modes=3, norm_type="batchnorm")
    >>> x = np.random.default_rng(0).standard_normal((2, 8, 4))
    >>> y, ctx = block.forward(x, training=True)
    >>> dx, grads = block.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, int(ctx.new_buffers["norm1.num_batches_tracked"])
    ((2, 8, 4), (2, 8, 4), 1)
    """

    #: the norms' eps and the batch norm's momentum (torch's defaults, which spectrans keeps)
    norm_eps = 1e-5
    bn_momentum = 0.1

    def __init__(self, hidden_dim: int, modes=16, mlp_ratio: float = 2.0, activation: str = "gelu",
                 dropout: float = 0.0, norm_type: str = "layernorm", *, seed=0):
        self.norm_type = check_choice(norm_type, FNO_NORM_TYPES, "norm_type")
        self.mlp_ratio = check_nonnegative_float(mlp_ratio, "mlp_ratio")
        self.dropout = check_probability(dropout, "dropout")
        gen = as_generator(seed)
        fno = FourierNeuralOperator(hidden_dim, modes, activation, seed=gen)  # spectrans builds the FNO first
        self.hidden_dim, self.modes, self.activation, self.dim = fno.hidden_dim, fno.modes, fno.activation, fno.dim
        c = self.hidden_dim
        self.ffn_hidden_dim = int(c * self.mlp_ratio) if self.mlp_ratio > 0 else 0
        if self.mlp_ratio > 0 and self.ffn_hidden_dim == 0:
            raise ValueError(f"FNOBlock: mlp_ratio={mlp_ratio} gives an FFN of hidden size int({c} * {mlp_ratio}) "
                             "= 0; use mlp_ratio=0 for no FFN")
        self.has_ffn = self.ffn_hidden_dim > 0
        self._children = {"fno": fno}
        params, buffers = nest(self._children)
        self.norms = () if norm_type == "none" else (("norm1", "norm2") if self.has_ffn else ("norm1",))
        for name in self.norms:
            params[f"{name}.weight"], params[f"{name}.bias"] = np.ones(c), np.zeros(c)
            if norm_type == "batchnorm":
                buffers.update({f"{name}.running_mean": np.zeros(c), f"{name}.running_var": np.ones(c),
                                f"{name}.num_batches_tracked": np.zeros((), dtype=np.int64)})
        if self.has_ffn:  # nn.Linear(C, F), nn.Linear(F, C): weight then bias, torch's default laws
            f = self.ffn_hidden_dim
            for name, shape in (("ffn.0", (f, c)), ("ffn.3", (c, f))):
                params[f"{name}.weight"] = torch_default_weight(gen, shape)
                params[f"{name}.bias"] = torch_default_bias(gen, shape)
        self.dropout_names = ("dropout", "ffn.2", "ffn.4") if self.has_ffn else ("dropout",)
        self._init_arrays(params, buffers)

    def error_scale(self, input_shape) -> float:
        r"""The claim :math:`c`: the FNO layer's (:meth:`FourierNeuralOperator.error_scale`), two norms
        :math:`2(1.5(1 + \log_2 n + 1) + 4)` each (n = C for a layer norm, the values per channel for a batch
        norm), the FFN's two linear maps :math:`1.5 n + 2` (n = C, F), activation 8, three dropouts and two
        residuals 1 each, summed and doubled for the propagation through O(1)-conditioned stages."""
        shape = tuple(input_shape)
        n = self.hidden_dim if self.norm_type == "layernorm" else math.prod(shape[:-1])
        norm = 2.0 * (1.5 * (1.0 + summation_factor(n)) + 4.0) if self.norms else 0.0
        ffn = (1.5 * self.hidden_dim + 2.0) + 8.0 + (1.5 * self.ffn_hidden_dim + 2.0) if self.has_ffn else 0.0
        return 2.0 * (self._children["fno"].error_scale(shape) + 2.0 * norm + ffn + 5.0)

    # -- the norms ---------------------------------------------------------------------------------------

    def _norm(self, name: str, x, training: bool, new_buffers: dict):
        """``N_name(x)``; batch norm in training mode puts its updated running statistics in ``new_buffers``."""
        if name not in self.norms:
            return x
        p, b = self.params, self.buffers
        w, bias = p[f"{name}.weight"], p[f"{name}.bias"]
        if self.norm_type == "layernorm":
            return layer_norm(x, w, bias, eps=self.norm_eps)
        if training:  # batch statistics; the running statistics' update goes to new_buffers
            stats = batch_norm_running_stats(x, *(b[f"{name}.{k}"] for k in _RUNNING), momentum=self.bn_momentum,
                                                axis=-1)
            new_buffers.update({f"{name}.{k}": v for k, v in zip(_RUNNING, stats, strict=True)})
            return batch_norm(x, w, bias, eps=self.norm_eps, axis=-1)
        mean, var = b[f"{name}.running_mean"], b[f"{name}.running_var"]
        return batch_norm_inference(x, w, bias, running_mean=mean, running_var=var, eps=self.norm_eps, axis=-1)

    def _norm_vjp(self, name: str, dy, x, y, training: bool, grads: dict):
        """The VJP of :meth:`_norm` (``dy`` itself without the norm); the norm's grads go into ``grads``."""
        if name not in self.norms:
            return dy
        p, b = self.params, self.buffers
        w, bias = p[f"{name}.weight"], p[f"{name}.bias"]
        if self.norm_type == "layernorm":
            dx, dw, db = layer_norm_vjp(dy, x, w, bias, y, eps=self.norm_eps)
        elif training:  # through the batch statistics
            dx, dw, db = batch_norm_vjp(dy, x, w, bias, y, eps=self.norm_eps, axis=-1)
        else:  # the running statistics are constants
            mean, var = b[f"{name}.running_mean"], b[f"{name}.running_var"]
            dx, dw, db = batch_norm_inference_vjp(dy, x, w, bias, y, running_mean=mean, running_var=var,
                                                     eps=self.norm_eps, axis=-1)
        grads[f"{name}.weight"], grads[f"{name}.bias"] = dw, db
        return dx

    def _drop(self, name, x, *, training, rng, masks):
        mask = self._dropout_mask(name, tuple(x.shape), self.dropout, x=x, training=training, rng=rng, masks=masks)
        return mask, (x if mask is None else dropout(x, mask=mask, p=self.dropout))

    # -- forward and backward ----------------------------------------------------------------------------

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: equations (5), (6) of the module docstring.

        ``x`` as the FNO layer's; ``training``: batch statistics (``"batchnorm"``) and the dropouts; ``rng``
        draws the masks in the order of ``dropout_names``; ``masks``: injected keep-masks, ``"dropout"`` and
        ``"ffn.4"`` of the input's shape, ``"ffn.2"`` (..., F).

        Raises
        ------
        ValueError
            As :meth:`FourierNeuralOperator.forward`; masks of the wrong shape or name; dropout in training
            mode without rng or masks; a training batch norm with one value per channel.
        TypeError
            For a non-array, complex, integer or bool input, or a precision other than the params'.
        """
        _check_operator_input(x, self.dim, self.hidden_dim, "FNOBlock")
        self._check_input(x)
        training = check_flag(training, "training")
        if masks:  # unknown mask names are refused even in eval mode
            self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)
        rng = None if rng is None else as_generator(rng)  # one stream for the three masks
        drop = {"training": training, "rng": rng, "masks": masks}
        p, new_buffers = self.params, {}
        u1 = self._norm("norm1", x, training, new_buffers)  # (5) N1(x)
        f, fno_ctx = self._child("fno").forward(u1)  # (5) FNO(u1)
        mask, f_drop = self._drop("dropout", f, **drop)
        h = x + f_drop  # (5)
        u2 = a0 = a1 = mask2 = a2 = a3 = mask4 = None
        y = h
        if self.has_ffn:
            u2 = self._norm("norm2", h, training, new_buffers)  # (6) N2(h)
            a0 = linear(u2, p["ffn.0.weight"], p["ffn.0.bias"])
            a1 = _activation(self.activation)[0](a0)
            mask2, a2 = self._drop("ffn.2", a1, **drop)
            a3 = linear(a2, p["ffn.3.weight"], p["ffn.3.bias"])
            mask4, a3_drop = self._drop("ffn.4", a3, **drop)
            y = h + a3_drop  # (6)
        ctx = FNOBlockCtx(dtype=dtype_name(x.dtype), training=training, x=x, u1=u1, fno=fno_ctx, f=f, mask=mask,
                          h=h, u2=u2, a0=a0, a1=a1, mask2=mask2, a2=a2, a3=a3, mask4=mask4, y=y,
                          new_buffers=new_buffers)
        return y, ctx

    def backward(self, ctx: FNOBlockCtx, dy):
        """``(dx, grads)``: (6*) then (5*), the forward's lines in reverse."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        p = self.params
        grads = {}
        dh = dy  # (6*) y = h + ffn(N2 h): the residual passes dy to h
        if self.has_ffn:
            # (6*) y = h + drop4(a3): da3 = m4 dy / (1 - p)
            da3 = dy if ctx.mask4 is None else dropout_vjp(dy, ctx.a3, None, mask=ctx.mask4, p=self.dropout)
            # (6*) a3 = a2 W3^T + b3: da2 = da3 W3, dW3 = sum da3^T a2, db3 = sum da3
            da2, grads["ffn.3.weight"], grads["ffn.3.bias"] = linear_vjp(da3, ctx.a2, p["ffn.3.weight"],
                                                                         p["ffn.3.bias"], ctx.a3)
            # (6*) a2 = drop2(a1): da1 = m2 da2 / (1 - p)
            da1 = da2 if ctx.mask2 is None else dropout_vjp(da2, ctx.a1, ctx.a2, mask=ctx.mask2, p=self.dropout)
            # (6*) a1 = phi(a0): da0 = phi'(a0) da1
            da0 = _activation(self.activation)[1](da1, ctx.a0, ctx.a1)
            # (6*) a0 = u2 W0^T + b0: du2 = da0 W0, dW0 = sum da0^T u2, db0 = sum da0
            du2, grads["ffn.0.weight"], grads["ffn.0.bias"] = linear_vjp(da0, ctx.u2, p["ffn.0.weight"],
                                                                         p["ffn.0.bias"], ctx.a0)
            # (6*) u2 = N2(h); dh = dy + N2*(du2)
            dh = dy + self._norm_vjp("norm2", du2, ctx.h, ctx.u2, ctx.training, grads)
        # (5*) h = x + drop(f): df = m dh / (1 - p), and the residual passes dh to x
        df = dh if ctx.mask is None else dropout_vjp(dh, ctx.f, None, mask=ctx.mask, p=self.dropout)
        # (5*) f = FNO(u1): the FNO layer's backward
        du1, fno_grads = self._child("fno").backward(ctx.fno, df)
        grads.update(prefixed("fno", fno_grads))
        # (5*) u1 = N1(x): dx = dh + N1*(du1)
        dx = dh + self._norm_vjp("norm1", du1, ctx.x, ctx.u1, ctx.training, grads)
        return dx, {k: grads[k] for k in p}


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _randomize(layer: Layer, gen) -> Layer:
    """Params O(1), a generic point: spectral weights N(0, 1/C_in), other weights N(0, 1/fan_in), biases
    N(0, 1/4), norm weights 1 + N(0, 1/4); running mean N(0, 1/4), variance U(0.5, 2)."""
    params = {}
    for name, value in layer.params.items():
        shape = tuple(value.shape)
        draw = gen.standard_normal(shape)
        if len(shape) >= 2:  # fan in: C_in for the spectral weights (C_in, C_out, ...), else prod(shape[1:])
            draw = draw / math.sqrt(shape[0] if name.endswith("spectral_conv.weights") else math.prod(shape[1:]))
        params[name] = draw if len(shape) >= 2 else (1.0 if name.startswith("norm") and name.endswith("weight")
                                                     else 0.0) + 0.5 * draw
    layer = layer.with_params(params)
    running, c = {}, layer.hidden_dim
    for name in layer.norms if getattr(layer, "norm_type", "") == "batchnorm" else ():
        running[f"{name}.running_mean"], running[f"{name}.running_var"] = (0.5 * gen.standard_normal(c),
                                                                           gen.uniform(0.5, 2.0, c))
    return layer.with_buffers(running)


_SHAPE_KEYS = ("spatial", "batch")  # grid keys that are not constructor arguments


def _build(cls):
    def build(seed, **point):
        gen = np.random.default_rng(seed)
        return _randomize(cls(**{k: v for k, v in point.items() if k not in _SHAPE_KEYS}, seed=gen), gen)
    return build


def _input_shape(point) -> tuple:
    return (*point.get("batch", (2,)), *point["spatial"], point["hidden_dim"])


def _error_scale(cls):
    return lambda point: cls(**{k: v for k, v in point.items() if k not in _SHAPE_KEYS}).error_scale(
        _input_shape(point))


def _fno_away_from_kinks(layer, x, rng):
    """For relu, ``linear.bias`` redrawn so that no pre-activation z = s + x W^T + b is within a finite-difference
    step of 0 (:func:`~specref.layers.feedforward.bias_away_from_kinks`; z is affine in the bias)."""
    return bias_away_from_kinks(layer, "linear.bias", layer.forward(x)[1].z, rng) if layer.use_linear else layer


def _train(layer, x, rng):
    """Training mode (batch statistics) with every dropout's mask injected, drawn from the case's rng."""
    shapes = {"dropout": tuple(x.shape), "ffn.2": (*tuple(x.shape[:-1]), layer.ffn_hidden_dim), "ffn.4": x.shape}
    masks = {k: rng.random(shapes[k]) > layer.dropout for k in layer.dropout_names} if layer.dropout > 0 else None
    return {"training": True, "masks": masks}


_GELU_LIMIT = {"strict": "GELU's exact (erf) form needs erf/erfc, which the array API standard does not define "
               "(specref.ops.elementwise); the other activations run on strict"}
_REASON_FNO = "the spectral convolution's claim, the 1x1 convolution, sum and activation, doubled for propagation"
_REASON_BLOCK = ("the FNO layer's claim, two norms, the FFN's two linear maps and activation, dropouts and "
                 "residuals, summed and doubled for propagation")
_FNO_GRID = (
    {"hidden_dim": 3, "modes": 3, "activation": "tanh", "spatial": (6,)},  # even N, truncated
    {"hidden_dim": 2, "modes": 4, "activation": "relu", "spatial": (7,), "batch": (2, 1)},  # odd N at the limit
    {"hidden_dim": 2, "modes": (2, 2), "activation": "silu", "spatial": (4, 5)},  # 2-D, odd W
    {"hidden_dim": 3, "modes": (3, 2), "activation": "identity", "spatial": (3, 2), "batch": (1, 2)},
)
_ONE_PART_GRID = (
    {"hidden_dim": 3, "modes": 2, "activation": "swish", "spatial": (5,)},
    {"hidden_dim": 2, "modes": (2, 3), "activation": "sigmoid", "spatial": (3, 4)},
)
_BLOCK = {"hidden_dim": 3, "modes": 2, "mlp_ratio": 2.0, "activation": "tanh"}
_TRAIN_GRID = (  # training mode: batch statistics, injected dropout masks
    {**_BLOCK, "spatial": (5,), "dropout": 0.25},  # layernorm
    {**_BLOCK, "spatial": (6,), "norm_type": "batchnorm", "dropout": 0.25},
    {**_BLOCK, "modes": (2, 2), "spatial": (4, 3), "norm_type": "batchnorm", "activation": "silu"},  # 2-D
    {**_BLOCK, "modes": (2, 2), "spatial": (3, 4), "dropout": 0.25, "batch": (1, 2)},  # 2-D layernorm
)
_EVAL_GRID = (  # eval mode: the running statistics
    {**_BLOCK, "spatial": (6,), "norm_type": "batchnorm", "activation": "silu"},
    {**_BLOCK, "modes": (2, 2), "spatial": (3, 4), "norm_type": "batchnorm", "dropout": 0.25},
    {**_BLOCK, "spatial": (5,), "norm_type": "layernorm", "activation": "identity", "dropout": 0.25},
)


def _case(cls, name, grid, **kwargs):
    return layer_case(cls, name=name, build=_build(cls), input_shape=_input_shape, grid=grid,
                      error_scale=_error_scale(cls),
                      error_reason=_REASON_FNO if cls is FourierNeuralOperator else _REASON_BLOCK, **kwargs)


CASES = [
    _case(FourierNeuralOperator, "FourierNeuralOperator", _FNO_GRID, away_from_kinks=_fno_away_from_kinks),
    _case(FourierNeuralOperator, "FourierNeuralOperatorSpectralOnly",
          tuple({**p, "use_linear": False} for p in _ONE_PART_GRID)),
    _case(FourierNeuralOperator, "FourierNeuralOperatorLinearOnly",
          tuple({**p, "use_spectral_conv": False} for p in _ONE_PART_GRID)),
    _case(FourierNeuralOperator, "FourierNeuralOperatorGelu", ({"hidden_dim": 2, "modes": 3, "spatial": (6,)},
          {"hidden_dim": 2, "modes": (2, 2), "spatial": (4, 4)}), backend_limits=_GELU_LIMIT),
    _case(FNOBlock, "FNOBlock", _TRAIN_GRID, forward_kwargs=_train),
    _case(FNOBlock, "FNOBlockEval", _EVAL_GRID),
    _case(FNOBlock, "FNOBlockNoNorm", ({**_BLOCK, "spatial": (5,), "norm_type": "none", "mlp_ratio": 1.0,
                                        "activation": "sigmoid", "dropout": 0.5},), forward_kwargs=_train),
    _case(FNOBlock, "FNOBlockNoFFN", (  # mlp_ratio 0: no FFN and no norm2
        {**_BLOCK, "spatial": (4,), "mlp_ratio": 0.0, "norm_type": "batchnorm", "dropout": 0.25},
        {**_BLOCK, "modes": (2, 2), "spatial": (3, 4), "mlp_ratio": 0.0, "norm_type": "batchnorm"}),
        forward_kwargs=_train),
    _case(FNOBlock, "FNOBlockGelu", ({**_BLOCK, "activation": "gelu", "spatial": (6,), "dropout": 0.25},),
          forward_kwargs=_train, backend_limits=_GELU_LIMIT),
]
