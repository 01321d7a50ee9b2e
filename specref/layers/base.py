"""The Layer contract (docs/design.md, "Adding a layer") and the helper that registers a layer's verification case.

A layer is configuration plus arrays:

.. code-block:: python

    layer = GlobalFilterMixing(hidden_dim=64, sequence_length=128, seed=0)
    layer.params        # trainable arrays, names/shapes/layout of spectrans's named_parameters()
    layer.buffers       # non-trainable state, names of spectrans's buffers
    y, ctx = layer.forward(x, training=False, rng=None, masks=None)
    dx, grads = layer.backward(ctx, dy)        # grads has exactly the keys of layer.params
    layer2 = GlobalFilterMixing.from_state_dict(sd, prefix="", dtype=None, strict=True,
                                                hidden_dim=64, sequence_length=128)
    sd = layer.state_dict()                    # params and buffers, spectrans names; round-trips exactly

``forward`` returns what ``backward`` needs in a ``ctx``, a frozen dataclass per layer class with named
fields; nothing is stored on ``self``, so two forwards give two independent contexts. ``backward`` is the
forward's lines in reverse, each one a primitive VJP or adjoint.

Subclasses implement ``__init__`` (config, then ``self._init_arrays(params, buffers)``), ``forward`` and
``backward``; everything else (state_dict, astype, to, dropout masks, precision checks) is here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from specref._args import check_cotangent_precision, check_cotangent_shape
from specref.backend import (
    as_generator,
    backend_name,
    check_float_dtype,
    device_of,
    dtype_name,
    namespace,
    to_numpy,
)
from specref.interop.params import ParamContainer
from specref.ops.dropout import dropout_mask
from specref.testing.case import Case, Inputs

__all__ = ["Layer", "LayerCtx", "layer_case", "check_sequence_input", "check_keep_mask", "nest", "prefixed",
           "child_masks", "child_error_scale"]


@dataclass(frozen=True)
class LayerCtx:
    """The field every layer's ctx has (each layer's ctx class derives from it and adds its own).

    ``dtype`` is the name of the forward input's dtype: ``backward`` refuses a cotangent of another precision
    (:meth:`Layer._check_cotangent`), even for a layer whose ctx keeps no array of the input's precision.
    """

    dtype: str


class Layer(ParamContainer):
    """Base class of every specref layer: the forward/backward contract on top of the params/buffers container.

    ``params``, ``buffers``, ``state_dict``, ``from_state_dict``, ``astype``, ``to``, ``with_params``,
    ``with_buffers`` and ``dtype`` come from :class:`specref.interop.params.ParamContainer`.

    Attributes
    ----------
    params : dict
        Trainable arrays under spectrans's parameter names (real arrays: complex weights are stored as
        real/imaginary pairs as spectrans stores them).
    buffers : dict
        Non-trainable arrays under spectrans's buffer names.
    """

    #: names of the dropouts a layer applies, in the order it applies them (keys of ``masks=``)
    dropout_names: tuple[str, ...] = ()

    # ------------------------------------------------------------------------------------------------
    # the contract subclasses fill in

    def forward(self, x, *, training: bool = False, rng=None, masks: Mapping | None = None):
        """Return ``(y, ctx)``."""
        raise NotImplementedError

    def backward(self, ctx, dy):
        """Return ``(dx, grads)`` with ``grads`` keyed like ``params``."""
        raise NotImplementedError

    def __call__(self, x, **kwargs):
        """The forward output alone (``forward(x, **kwargs)[0]``)."""
        return self.forward(x, **kwargs)[0]

    # ------------------------------------------------------------------------------------------------
    # helpers for subclasses

    def _child(self, name: str) -> Layer:
        """Child ``name`` (a template in ``self._children``) holding this layer's arrays ``"<name>.*"``."""
        template = self._children[name]
        arrays = self._named_arrays()
        head = name + "."
        return template._replaced({k: arrays[head + k] for k in template._named_arrays()})

    def _check_cotangent(self, ctx: LayerCtx, dy, shape: tuple) -> None:
        """What every ``backward`` checks first: ``dy`` has the forward output's ``shape`` and the precision of
        the forward (``ctx.dtype``).

        Raises
        ------
        ValueError
            For a cotangent of another shape.
        TypeError
            For a non-float cotangent or one of the other precision (a float32 ``dy`` for a float64 forward),
            naming both dtypes.
        """
        what = f"{type(self).__name__}.backward"
        check_cotangent_precision(dy, ctx.dtype, what, forward_name="the forward's input")
        check_cotangent_shape(dy, tuple(shape), what, tuple(shape))

    def _check_input(self, x, *, allow_complex: bool = False, name: str = "x"):
        """dtype checks of the input: accepted dtype, same precision as the params, same backend."""
        check_float_dtype(x, allow_complex=allow_complex, name=name)
        self._check_against_arrays(x, name=name)

    def _dropout_mask(self, name: str, shape: tuple, p: float, *, x, training: bool, rng, masks):
        """The keep-mask of dropout ``name``: None when inactive, else injected (``masks[name]``) or drawn.

        A layer with several dropouts converts ``rng`` once at the top of ``forward``
        (``rng = as_generator(rng)`` when it is not None) and passes the Generator here, so an int seed gives
        one stream and independent masks, not the same mask twice.

        Raises
        ------
        ValueError
            In training mode with ``p > 0`` and neither ``rng`` nor an injected mask; for an injected mask of
            the wrong shape or dtype; for mask names the layer does not have.
        """
        if masks:
            unknown = [k for k in masks if k not in self.dropout_names]
            if unknown:
                raise ValueError(
                    f"{type(self).__name__} has no dropout named {', '.join(map(repr, unknown))}; "
                    f"its dropouts are: {', '.join(map(repr, self.dropout_names)) or 'none'}"
                )
        if not training or p == 0.0:
            return None
        xp = namespace(x)
        if masks and name in masks:
            mask = masks[name]
            if tuple(mask.shape) != tuple(shape):
                raise ValueError(
                    f"injected mask {name!r} has shape {tuple(mask.shape)}, the layer needs {tuple(shape)}"
                )
            if dtype_name(mask.dtype) != "bool":
                raise ValueError(f"injected mask {name!r} must be boolean (True = keep), got {dtype_name(mask.dtype)}")
            return xp.asarray(to_numpy(mask), device=device_of(x))
        if rng is None:
            raise ValueError(
                f"{type(self).__name__}: dropout {name!r} (p={p}) in training mode needs rng= (a seed or "
                f"numpy.random.Generator) or masks={{{name!r}: keep_mask}}"
            )
        return dropout_mask(as_generator(rng), shape, p, xp=xp, device=device_of(x))


# ----------------------------------------------------------------------------------------------------------
# composition: a layer that holds sublayers (an attention inside a wavelet mixing, layers inside a block)
#
# A parent stores each child's arrays in its own ``params``/``buffers`` under ``"<child>.<name>"`` (torch's
# ``state_dict`` naming), keeps a template of each child (its configuration) in ``self._children``, and
# rebuilds the child from its own arrays at every forward (:meth:`Layer._child`), so ``astype``, ``to``,
# ``with_params`` and ``from_state_dict`` of the parent act on the children too. The child's gradients,
# masks and updated buffers travel with the prefix added or stripped by the two helpers below.


def prefixed(prefix: str, arrays: Mapping) -> dict:
    """``{"<prefix>.<name>": array}``: a child's params, grads or new buffers under the parent's names."""
    return {f"{prefix}.{k}": v for k, v in arrays.items()}


def nest(children: Mapping[str, Layer]) -> tuple[dict, dict]:
    """The params and buffers of ``children`` (name -> layer) under their prefixes, for ``_init_arrays``."""
    params, buffers = {}, {}
    for name, child in children.items():
        params.update(prefixed(name, child.params))
        buffers.update(prefixed(name, child.buffers))
    return params, buffers


def child_masks(masks: Mapping | None, prefix: str) -> dict | None:
    """The injected dropout masks of child ``prefix``, its prefix stripped (None when there are none)."""
    if not masks:
        return None
    head = prefix + "."
    out = {k[len(head):]: v for k, v in masks.items() if k.startswith(head)}
    return out or None


def child_error_scale(layer: Layer, input_shape) -> float:
    """``layer.error_scale`` for an input of ``input_shape``: the mixing layers and operators take the shape,
    the attention layers the sequence length (axis -2); the claim a parent adds up over its children."""
    first = next(iter(inspect.signature(layer.error_scale).parameters))
    shape = tuple(input_shape)
    if first in ("input_shape",):
        return float(layer.error_scale(shape))
    if first in ("lq",):  # query and key lengths: self-attention
        return float(layer.error_scale(shape[-2], shape[-2]))
    return float(layer.error_scale(shape[-2]))


def check_sequence_input(x, hidden_dim: int | None, *, name: str = "x", layer: str = "layer"):
    """Require an array of shape (..., N, D): at least (B, N, D) dimensions, a sequence length N >= 1, and D
    equal to ``hidden_dim`` (any D >= 1 when ``hidden_dim`` is None: a layer that interpolates along D).

    The one rule of every layer for an empty sequence: a length of 0 is refused (the FFT of length 0 is
    undefined, and a filter of ``sequence_length`` rows has nothing to be resized to), so no layer returns an
    empty output for one input and an error for the other.

    Raises
    ------
    TypeError
        If ``x`` is not an array (a Python list or scalar): layers accept arrays only and never convert
        (docs/conventions.md).
    ValueError
        For fewer than 3 dimensions, a sequence of length 0, or a last axis other than ``hidden_dim``
        (of length 0 when ``hidden_dim`` is None).
    """
    try:
        namespace(x)
    except TypeError:
        raise TypeError(
            f"{layer} accepts an array for {name} (NumPy, CuPy or array-api-strict), got {type(x).__name__}; "
            f"convert it first, e.g. numpy.asarray({name}, dtype=numpy.float64): layers do not convert their input"
        ) from None
    if x.ndim < 3:
        raise ValueError(f"{layer} needs input of shape (B, N, D) (any leading batch shape); {name} has shape "
                         f"{tuple(x.shape)}")
    if x.shape[-2] < 1:
        raise ValueError(f"{layer} needs a sequence length >= 1 (axis -2); {name} has shape {tuple(x.shape)}, "
                         f"a sequence of length {x.shape[-2]}")
    if hidden_dim is None:
        if x.shape[-1] < 1:
            raise ValueError(f"{layer} needs a last axis of length >= 1; {name} has shape {tuple(x.shape)}")
    elif x.shape[-1] != hidden_dim:
        raise ValueError(f"{layer} has hidden_dim {hidden_dim} but {name} has {x.shape[-1]} features "
                         f"(shape {tuple(x.shape)})")


def check_keep_mask(x, mask, *, layer: str = "layer"):
    """Require a padding mask for a sequence input ``x`` (..., N, D): a boolean array of shape (..., N), True =
    keep (spectrans's convention), on the backend of ``x``; None passes.

    Raises
    ------
    TypeError
        For a mask that is not boolean (spectrans takes bool; a float 0/1 mask is refused, not guessed).
    ValueError
        For a mask of another shape than the input's batch shape and sequence length.
    """
    if mask is None:
        return
    namespace(x, mask)  # one backend
    if dtype_name(mask.dtype) != "bool":
        raise TypeError(f"{layer}: mask must be boolean (True = keep, spectrans's convention), "
                        f"got dtype {dtype_name(mask.dtype)}")
    if tuple(mask.shape) != tuple(x.shape[:-1]):
        raise ValueError(f"{layer}: mask has shape {tuple(mask.shape)}; it must be {tuple(x.shape[:-1])} "
                         "(the input's batch shape and sequence length)")


# ----------------------------------------------------------------------------------------------------------
# the verification case of a layer


def _layer_forward(x, *values, layer, forward_kwargs):
    return layer.with_params(values).forward(x, **forward_kwargs)[0]


def _layer_vjp(dy, x, *values_and_y, layer, forward_kwargs):
    values = values_and_y[:-1]
    bound = layer.with_params(values)
    _, ctx = bound.forward(x, **forward_kwargs)
    dx, grads = bound.backward(ctx, dy)
    if set(grads) != set(bound.params):
        raise AssertionError(f"backward returned grads for {sorted(grads)}, params are {sorted(bound.params)}")
    if not bound.params:  # one differentiable input: check_vjp expects the bare gradient
        return dx
    return (dx, *(grads[k] for k in bound.params))


def layer_case(
    cls,
    *,
    build: Callable[..., Layer],
    input_shape: Callable[[dict], tuple],
    grid: tuple,
    full_grid: tuple | None = None,
    error_scale: float | Callable = 16.0,
    error_reason: str = "",
    complex_input: bool = False,
    forward_kwargs: Callable[[Layer, object, np.random.Generator], dict] | None = None,
    away_from_kinks: Callable[[Layer, np.ndarray, np.random.Generator], Layer] | None = None,
    extra_checks: tuple = (),
    name: str | None = None,
    dtypes: tuple = ("float64", "float32"),
    backend_limits: Mapping | None = None,
) -> Case:
    """The registry case of a layer: the VJP with respect to the input and every parameter.

    Parameters
    ----------
    cls : type
        The layer class; its name is the case name unless ``name`` is given.
    build : callable
        ``build(seed=int, **point) -> Layer`` for one grid point (float64 NumPy layer).
    input_shape : callable
        ``input_shape(point) -> shape`` of the random input.
    forward_kwargs : callable, optional
        ``forward_kwargs(layer, x, rng) -> dict`` of keywords for ``forward`` (e.g. training mode with
        injected masks); by default inference mode.
    away_from_kinks : callable, optional
        ``away_from_kinks(layer, x, rng) -> layer``, for a layer with a kinked nonlinearity (ReLU,
        soft-shrinkage): given the float64 NumPy layer and the drawn host input, it returns the layer with
        parameters redrawn (:func:`specref.testing.draws.draw_away`) so that no pre-activation lies within
        a finite-difference step of a kink; central differences across a kink are meaningless.
    """

    def make(rng, xp, dtype, **point):
        layer = build(seed=int(rng.integers(2**31)), **point)
        shape = input_shape(point)
        host = rng.standard_normal(shape)
        if away_from_kinks is not None:
            layer = away_from_kinks(layer, host, rng)
        layer = layer.astype(dtype).to(backend_name(xp))
        if complex_input:
            host = host + 1j * rng.standard_normal(shape)
            dt = "complex64" if dtype == "float32" else "complex128"
        else:
            dt = dtype
        x = xp.asarray(host.astype(dt))
        kwargs = forward_kwargs(layer, x, rng) if forward_kwargs else {}
        return Inputs((x, *layer.params.values()), {"layer": layer, "forward_kwargs": kwargs})

    # The number of params is fixed per class and grid point; take it from the first point.
    n_params = len(build(seed=0, **grid[0]).params)
    return Case(
        name=name or cls.__name__,
        forward=_layer_forward,
        vjp=_layer_vjp,
        make=make,
        argnums=tuple(range(1 + n_params)),
        grid=grid,
        full_grid=full_grid,
        error_scale=error_scale,
        error_reason=error_reason or "FFTs, products and elementwise maps along the layer's forward",
        extra_checks=extra_checks,
        dtypes=dtypes,
        backend_limits=dict(backend_limits or {}),
    )
