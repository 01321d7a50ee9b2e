r"""ReLU networks for the neural-kernel study: the plain MLP in standard and NTK parameterisation, and the
seed's RFF-MLP (frozen random Fourier features, then dense layers).

Both are a stack of affine layers with ReLU between them (none after the last). With :math:`a_0` the stack's
input, for :math:`l = 1, \dots, L+1`:

.. math::

    h_l &= \alpha_l\, a_{l-1} W_l^{\mathsf T} + \beta_l\, b_l \qquad &(1) \\
    a_l &= \max(h_l, 0) \quad (l \le L), \qquad f = h_{L+1} \qquad &(2)

- **standard** parameterisation: :math:`\alpha_l = \beta_l = 1`, :math:`W_l \sim N(0,
  \sigma_w^2/n_{l-1})`, :math:`b_l \sim N(0, \sigma_b^2)` (a ``torch.nn.Linear`` with Gaussian init);
- **NTK** parameterisation (Jacot et al. 2018): :math:`W_l, b_l \sim N(0, 1)`, :math:`\alpha_l =
  \sigma_w/\sqrt{n_{l-1}}`, :math:`\beta_l = \sigma_b`. The two give the same function at initialisation
  (so the same conjugate kernel) but different gradients: only in the NTK parameterisation does the
  tangent kernel converge as the widths grow (:func:`specref.neural_kernels.closed_forms.relu_ntk`).

The backward (2*) :math:`\bar h_l = \bar a_l \odot 1[h_l > 0]`, (1*) :math:`\bar W_l = \alpha_l\, \bar
h_l^{\mathsf T} a_{l-1}`, :math:`\bar b_l = \beta_l \sum \bar h_l`, :math:`\bar a_{l-1} = \alpha_l\,
\bar h_l W_l` (:func:`specref.ops.relu_vjp`, :func:`specref.ops.linear_vjp`). Run with the one-hot
cotangents :math:`\bar f = e_o` for every point separately, the same recursion gives the per-example
:math:`\delta_{l,o} = \partial f_o / \partial h_l` of the factored Jacobians
(:mod:`specref.neural_kernels.jacobian`).

Parameter names are ``torch.nn.Sequential``'s: ReLUMLP ``0.weight``, ``0.bias``, ``2.weight``... (the
ReLUs at the odd indices); RFFMLP ``0.linear.weight``/``0.linear.bias`` (the RFF layer's, buffers here:
:mod:`specref.neural_kernels.features` says why) then ``1.weight``, ``1.bias``, ``3.weight``...
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from specref._args import check_choice, check_nonnegative_float, check_positive_float, check_positive_int
from specref.backend import as_generator, dtype_name, namespace, to_numpy
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.base import Layer, LayerCtx, layer_case, nest
from specref.neural_kernels.features import RFF
from specref.neural_kernels.jacobian import AffineJacobian, check_points, one_hot_cotangents
from specref.ops.elementwise import relu, relu_vjp
from specref.ops.linear import linear, linear_vjp
from specref.testing.draws import draw_away

__all__ = ["ReLUMLP", "RFFMLP", "MLPCtx", "PARAMETERIZATIONS"]

PARAMETERIZATIONS = ("standard", "ntk")


@dataclass(frozen=True)
class MLPCtx(LayerCtx):
    """What the backward reads; names follow eqs. (1)-(2) of the module docstring."""

    inputs: tuple  # alpha_l a_{l-1}, the scaled input of each affine layer
    h: tuple  # (1) h_l, l = 1..L+1 (the last is the output)
    a: tuple  # (2) a_l, l = 1..L
    rff: object | None  # the RFF layer's ctx (RFFMLP), None for ReLUMLP


class _AffineReLUStack(Layer):
    """The stack (1)-(2) shared by both models: subclasses give ``_layers()`` as (weight, bias, alpha, beta)
    names and scales, and the stack's input."""

    def _layers(self) -> list:
        raise NotImplementedError

    def _stack_forward(self, a0):
        p = self.params
        layers = self._layers()
        inputs, hs, acts = [], [], []
        a = a0
        for i, (w, b, alpha, beta) in enumerate(layers):
            a_in = a if alpha == 1.0 else alpha * a
            bias = p[b] if beta == 1.0 else beta * p[b]
            h = linear(a_in, p[w], bias)  # (1)
            inputs.append(a_in)
            hs.append(h)
            if i < len(layers) - 1:
                a = relu(h)  # (2)
                acts.append(a)
        return tuple(inputs), tuple(hs), tuple(acts)

    def _stack_backward(self, ctx: MLPCtx, dy):
        """``(d a_0, grads)``: (2*) and (1*) from the last layer down."""
        p = self.params
        grads = {}
        dh = dy
        layers = self._layers()
        for i in reversed(range(len(layers))):
            w, b, alpha, beta = layers[i]
            bias = p[b] if beta == 1.0 else beta * p[b]
            da_in, dw, dbias = linear_vjp(dh, ctx.inputs[i], p[w], bias, ctx.h[i])  # (1*)
            grads[w] = dw
            grads[b] = dbias if beta == 1.0 else beta * dbias
            da = da_in if alpha == 1.0 else alpha * da_in
            if i > 0:
                dh = relu_vjp(da, ctx.h[i - 1], ctx.a[i - 1])  # (2*) dh = da 1[h > 0]
        return da, {k: grads[k] for k in self.params}

    def _stack_jacobians(self, ctx: MLPCtx) -> tuple:
        """The factored Jacobians of every affine layer: the backward's recursion on one-hot cotangents."""
        xp = namespace(ctx.h[-1])
        layers = self._layers()
        delta = one_hot_cotangents(xp, ctx.h[-1])  # (n, k, k): d f_o / d h_{L+1} = e_o
        terms = []
        for i in reversed(range(len(layers))):
            w, b, alpha, beta = layers[i]
            if i < len(layers) - 1:
                # (2*) per point and output: delta_l = (alpha_{l+1} delta_{l+1} W_{l+1}) 1[h_l > 0]
                w_next, _, alpha_next, _ = layers[i + 1]
                back = alpha_next * (delta @ self.params[w_next])
                shape = tuple(back.shape)
                delta = relu_vjp(back, xp.broadcast_to(ctx.h[i][:, None, :], shape),
                                 xp.broadcast_to(ctx.a[i][:, None, :], shape))
            a_prev = ctx.inputs[i] if alpha == 1.0 else ctx.inputs[i] / alpha
            terms.append(AffineJacobian(w, b, alpha, beta, a_prev, delta))
        return tuple(reversed(terms))

    def affine_jacobians(self, x) -> tuple:
        """``(f, terms)``: the outputs (n, k) at (n, d) points and the factored per-example Jacobian of every
        affine layer (:mod:`specref.neural_kernels.jacobian`), first layer first."""
        check_points(x, self.in_features, type(self).__name__, matrix=True)
        y, ctx = self.forward(x)
        return y, self._stack_jacobians(ctx)

    def features(self, x):
        """The last hidden layer's activations :math:`a_L` (the input of the last affine layer): the features
        of the conjugate kernel."""
        _, ctx = self.forward(x)
        layers = self._layers()
        alpha = layers[-1][2]
        return ctx.inputs[-1] if alpha == 1.0 else ctx.inputs[-1] / alpha


class ReLUMLP(_AffineReLUStack):
    r"""A ReLU MLP of ``depth`` hidden layers of width ``hidden_features``, in standard or NTK
    parameterisation (module docstring).

    Parameters
    ----------
    in_features, hidden_features, out_features : int
        :math:`n_0 = d`, the hidden width :math:`n`, the outputs k.
    depth : int
        L >= 1, the number of hidden layers (L + 1 affine layers).
    parameterization : {"standard", "ntk"}
    sigma_w : float > 0
        The weight scale :math:`\sigma_w` (default :math:`\sqrt 2`, He's choice: ReLU halves the second
        moment, :math:`\mathbb E\, a^2 = \mathbb E\, h^2 / 2`, and :math:`\sigma_w^2 = 2` restores it).
    sigma_b : float >= 0
        The bias scale :math:`\sigma_b` (default 0.1).
    seed : int or numpy.random.Generator, keyword-only
        Draws each layer's weight then bias, first layer first, on the host in float64.

    Examples
    --------
    >>> import numpy as np
    >>> mlp = ReLUMLP(2, 16, depth=2, parameterization="ntk", seed=0)
    >>> sorted(mlp.params)
    ['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight']
    >>> y, ctx = mlp.forward(np.ones((3, 2)))
    >>> y.shape
    (3, 1)
    """

    def __init__(self, in_features: int, hidden_features: int, depth: int = 1, out_features: int = 1, *,
                 parameterization: str = "standard", sigma_w: float = math.sqrt(2.0), sigma_b: float = 0.1,
                 seed=0):
        self.in_features = check_positive_int(in_features, "in_features")
        self.hidden_features = check_positive_int(hidden_features, "hidden_features")
        self.depth = check_positive_int(depth, "depth")
        self.out_features = check_positive_int(out_features, "out_features")
        self.parameterization = check_choice(parameterization, PARAMETERIZATIONS, "parameterization")
        self.sigma_w = check_positive_float(sigma_w, "sigma_w")
        self.sigma_b = check_nonnegative_float(sigma_b, "sigma_b")
        gen = as_generator(seed)
        params = {}
        for i, (n_in, n_out) in enumerate(self._sizes()):
            w = gen.standard_normal((n_out, n_in))
            b = gen.standard_normal((n_out,))
            if self.parameterization == "standard":
                w, b = self.sigma_w / math.sqrt(n_in) * w, self.sigma_b * b
            params[f"{2 * i}.weight"], params[f"{2 * i}.bias"] = w, b
        self._init_arrays(params)

    def _sizes(self) -> list:
        widths = [self.in_features] + [self.hidden_features] * self.depth + [self.out_features]
        return list(zip(widths[:-1], widths[1:], strict=True))

    def _layers(self) -> list:
        out = []
        for i, (n_in, _) in enumerate(self._sizes()):
            if self.parameterization == "ntk":
                alpha, beta = self.sigma_w / math.sqrt(n_in), self.sigma_b
            else:
                alpha, beta = 1.0, 1.0
            out.append((f"{2 * i}.weight", f"{2 * i}.bias", alpha, beta))
        return out

    def error_scale(self, input_shape=None) -> float:
        """The claim: each affine layer's :math:`1.5 n + 2` (ReLU is exact), summed over the layers."""
        return float(sum(1.5 * n_in + 3.0 for n_in, _ in self._sizes()))

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(f, ctx)``: eqs. (1)-(2) for x of shape (..., d)."""
        self._dropout_mask("", (), 0.0, x=x, training=training, rng=rng, masks=masks)  # no dropout: refuses masks
        self._check_input(x)
        check_points(x, self.in_features, "ReLUMLP")
        inputs, hs, acts = self._stack_forward(x)
        return hs[-1], MLPCtx(dtype=dtype_name(x.dtype), inputs=inputs, h=hs, a=acts, rff=None)

    def backward(self, ctx: MLPCtx, dy):
        """``(dx, grads)``: (2*) and (1*) from the last layer down."""
        self._check_cotangent(ctx, dy, tuple(ctx.h[-1].shape))
        return self._stack_backward(ctx, dy)


class RFFMLP(_AffineReLUStack):
    r"""The seed's RFF-MLP: frozen random Fourier features (:class:`~specref.neural_kernels.features.RFF`),
    then ``latent_layers`` affine layers with ReLU between them (none after the last).

    Parameters
    ----------
    in_features : int
        d.
    in_scale : float > 0
        The RFF layer's ``scale``.
    latent_features : int
        The RFF layer's m and the width of the hidden affine layers.
    latent_layers : int >= 1
        The number of affine layers (the last maps to ``out_features``).
    out_features : int
    seed : int or numpy.random.Generator, keyword-only
        Draws the RFF's weight and bias (its law), then each affine layer's weight and bias with torch's
        ``nn.Linear`` law (:mod:`specref.layers._init`), in the order torch constructs them.

    Attributes
    ----------
    params : dict
        ``1.weight``, ``1.bias``, ``3.weight``... (``nn.Sequential``'s indices).
    buffers : dict
        ``0.linear.weight``, ``0.linear.bias``: the frozen features.
    """

    def __init__(self, in_features: int, in_scale: float, latent_features: int, latent_layers: int,
                 out_features: int, *, seed=0):
        self.in_features = check_positive_int(in_features, "in_features")
        self.in_scale = check_positive_float(in_scale, "in_scale")
        self.latent_features = check_positive_int(latent_features, "latent_features")
        self.latent_layers = check_positive_int(latent_layers, "latent_layers")
        self.out_features = check_positive_int(out_features, "out_features")
        gen = as_generator(seed)
        rff = RFF(self.in_features, self.latent_features, self.in_scale, seed=gen)
        self._children = {"0": rff}
        params, buffers = nest(self._children)
        for name, (n_in, n_out) in zip(self._names(), self._sizes(), strict=True):
            params[f"{name}.weight"] = torch_default_weight(gen, (n_out, n_in))
            params[f"{name}.bias"] = torch_default_bias(gen, (n_out, n_in))
        self._init_arrays(params, buffers)

    def _names(self) -> list:
        return [str(1 + 2 * i) for i in range(self.latent_layers)]

    def _sizes(self) -> list:
        m = self.latent_features
        return [(m, m)] * (self.latent_layers - 1) + [(m, self.out_features)]

    def _layers(self) -> list:
        return [(f"{name}.weight", f"{name}.bias", 1.0, 1.0) for name in self._names()]

    def error_scale(self, input_shape=None) -> float:
        """The claim: the RFF layer's (at unit-size inputs) plus each affine layer's :math:`1.5 n + 2`."""
        rff = self._children["0"].error_scale()
        return float(rff * 4.0 + sum(1.5 * n_in + 3.0 for n_in, _ in self._sizes()))

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(f, ctx)``: the RFF features, then eqs. (1)-(2)."""
        self._dropout_mask("", (), 0.0, x=x, training=training, rng=rng, masks=masks)  # no dropout: refuses masks
        self._check_input(x)
        check_points(x, self.in_features, "RFFMLP")
        z, rff_ctx = self._child("0").forward(x)
        inputs, hs, acts = self._stack_forward(z)
        return hs[-1], MLPCtx(dtype=dtype_name(x.dtype), inputs=inputs, h=hs, a=acts, rff=rff_ctx)

    def backward(self, ctx: MLPCtx, dy):
        """``(dx, grads)``: the stack's backward, then the frozen RFF layer's input VJP."""
        self._check_cotangent(ctx, dy, tuple(ctx.h[-1].shape))
        dz, grads = self._stack_backward(ctx, dy)
        dx, _ = self._child("0").backward(ctx.rff, dz)
        return dx, grads


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _away_from_kinks(layer: _AffineReLUStack, x, rng) -> _AffineReLUStack:
    """Each hidden layer's bias redrawn, first layer first, so that no pre-activation lies within a
    finite-difference step of ReLU's kink (:func:`specref.testing.draws.draw_away`)."""
    layers = layer._layers()
    for i, (_, b, _, beta) in enumerate(layers[:-1]):
        _, ctx = layer.forward(x)
        base = to_numpy(ctx.h[i]) - beta * to_numpy(layer.params[b])
        new = draw_away(rng, tuple(layer.params[b].shape), kinks=(0.0,), scale=0.5,
                        image=lambda v, base=base, beta=beta: base + beta * v)
        layer = layer.with_params({b: new})
    return layer


def _build_mlp(seed, *, parameterization, **point):
    return ReLUMLP(point["in_features"], point["hidden_features"], point["depth"], point["out_features"],
                   parameterization=parameterization, sigma_b=0.5, seed=seed)


def _build_rffmlp(seed, **point):
    return RFFMLP(point["in_features"], point["in_scale"], point["latent_features"], point["latent_layers"],
                  point["out_features"], seed=seed)


def _input_shape(point) -> tuple:
    return (*point.get("batch", (4,)), point["in_features"])


_MLP_GRID = ({"in_features": 2, "hidden_features": 5, "depth": 2, "out_features": 3, "parameterization": "ntk"},
             {"in_features": 3, "hidden_features": 4, "depth": 2, "out_features": 2, "parameterization": "standard",
              "batch": (2, 3)})  # one depth per case: layer_case fixes the parameter count from the first point
_RFFMLP_GRID = ({"in_features": 1, "in_scale": 10.0, "latent_features": 6, "latent_layers": 2, "out_features": 3},
                {"in_features": 2, "in_scale": 1.0, "latent_features": 5, "latent_layers": 2, "out_features": 2,
                 "batch": (2, 3)})

CASES = [
    layer_case(ReLUMLP, build=_build_mlp, input_shape=_input_shape, grid=_MLP_GRID,
               error_scale=lambda p: _build_mlp(0, **p).error_scale(),
               error_reason="affine layers (1.5 n + 2 each); ReLU exact", away_from_kinks=_away_from_kinks),
    layer_case(RFFMLP, build=_build_rffmlp, input_shape=_input_shape, grid=_RFFMLP_GRID,
               error_scale=lambda p: _build_rffmlp(0, **p).error_scale(),
               error_reason="the RFF layer at |x| <= ~3 (4x its unit-input claim), then affine layers",
               away_from_kinks=_away_from_kinks),
]
