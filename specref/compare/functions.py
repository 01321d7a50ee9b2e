r"""specref functions (transforms, ops) as comparison targets: the forward, the registered backward, the bound.

A specref function ``fn`` (``specref.transforms.rfft``, ``specref.ops.gelu``...) is paired with a peer that
computes the same map: :func:`function_pairing` calls ``fn(*inputs, **config)`` (``config`` holds the
function's keywords: ``n``, ``axis``, ``norm``, ``wavelet``...) and takes its backward and its error scale
from the function's verify :class:`~specref.testing.case.Case`, the registered case whose name is
``fn.__name__``:

- backward: a linear function's adjoint, :math:`\bar x = A^*\bar y` (``adjoint(dy, input_shape=...,
  **config)``), or a nonlinear one's VJP (``vjp(dy, *inputs, y, **config)``, one gradient per ``argnums``);
  without a case, the module's ``<name>_adjoint`` or ``<name>_vjp`` of the same signatures;
- bounds: the case claims :math:`\|\hat y - y\| \le c\,\epsilon\,\|y\|`, so two correct implementations
  differ by at most :math:`2c\epsilon` (:func:`specref.testing.tolerances.reference_bound`). The gradient
  gets the same :math:`c`: an adjoint runs the forward's stages reversed, with the same constants. ``c`` is
  the case's ``error_scale`` at the point ``{"shape": inputs[0].shape, **defaults, **config}`` (the
  function's keyword defaults filled in); a function without a case, or whose scale needs parameters the
  call does not show, needs ``bound=`` in :func:`specref.compare.compare`.

A function returning a sequence (``dwt``'s ``(cA, cD)``, ``wavedec``'s coefficient list) is compared as one
array, :func:`pack`: its leaves stacked when they share a shape (what ``numpy.asarray`` makes of the peer's
tuple), else raveled and concatenated; a peer returning a ragged list is wrapped the same way
(``lambda x: pack(pywt.wavedec(x, "db2"))``). The cotangent is split back into the output's structure
before the backward runs.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Callable, Mapping

import numpy as np

from specref.compare.bounds import eps_of
from specref.compare.mapping import Pairing
from specref.testing.tolerances import Bound
from specref.testing.trees import is_leaf, leaves, tree_shape

__all__ = ["function_pairing", "find_case", "pack", "unpack"]


def pack(tree) -> np.ndarray:
    """One array from an array or a (nested) sequence of arrays: the leaves stacked along a new first axis
    when they share a shape, else each raveled and concatenated (C order, depth first)."""
    if is_leaf(tree):
        return np.asarray(tree)
    parts = [np.asarray(a) for a in leaves(tree)]
    if not parts:
        raise ValueError("cannot pack an output with no arrays")
    if all(p.shape == parts[0].shape for p in parts):
        return np.stack(parts)
    return np.concatenate([p.ravel() for p in parts])


def unpack(flat, like):
    """The inverse of :func:`pack`: ``flat`` split into the structure of ``like`` (an array or a sequence)."""
    if is_leaf(like):
        return flat
    parts = [np.asarray(a) for a in leaves(like)]
    flat = np.asarray(flat)
    if all(p.shape == parts[0].shape for p in parts):
        pieces = list(flat)
    else:
        bounds = np.cumsum([0] + [p.size for p in parts])
        pieces = [flat[a:b].reshape(p.shape) for a, b, p in zip(bounds[:-1], bounds[1:], parts, strict=True)]
    it = iter(pieces)

    def rebuild(node):
        if is_leaf(node):
            return None if node is None else next(it)
        items = [rebuild(t) for t in node]
        return tuple(items) if isinstance(node, tuple) else items

    return rebuild(like)


@functools.cache
def _registry() -> dict:
    from specref.testing.registry import collect

    return {c.name: c for c in collect()}


def find_case(fn: Callable):
    """The verify Case registered under ``fn.__name__``: looked up in ``fn``'s own module first (its
    ``CASES``), then in the whole registry; None when there is none."""
    name = getattr(fn, "__name__", None)
    if not name:
        return None
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    for case in getattr(module, "CASES", ()) or ():
        if case.name == name:
            return case
    return _registry().get(name)


def _sibling(fn: Callable, suffix: str):
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    if module is None:
        try:
            module = importlib.import_module(fn.__module__)
        except Exception:
            return None
    return getattr(module, f"{fn.__name__}{suffix}", None)


def _keyword_defaults(fn: Callable) -> dict:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def function_pairing(fn: Callable, peer_params: Mapping, input_shapes, *, config: Mapping | None = None,
                     dtype: str | None = None) -> Pairing:
    """Bind the specref function ``fn`` to a peer that computes it.

    Parameters
    ----------
    fn : callable
        The specref function (``specref.transforms.rfft``...).
    peer_params : mapping
        The peer's parameters: must be empty (a function's arrays are its inputs: pass them in ``x=``).
    input_shapes : tuple of tuples or None
        The shapes of the inputs; None draws them from the case's first grid point (with ``config``).
    config : mapping, optional
        ``fn``'s keyword arguments.
    dtype : str, optional
        The precision of drawn inputs.

    Returns
    -------
    Pairing
        ``forward`` calls ``fn(*inputs, **config)`` (its output :func:`pack` ed); ``backward`` returns the
        input gradients (None for an input the backward does not differentiate) and no parameter gradients.

    Raises
    ------
    ValueError
        ``peer_params`` given; no backward to be found (adjoint, VJP) when asked for a gradient; no case to
        draw inputs from and no ``x`` given.
    """
    name = getattr(fn, "__name__", type(fn).__name__)
    cfg = dict(config or {})
    if peer_params:
        raise ValueError(
            f"specref.{getattr(fn, '__module__', '')}.{name} is a function: its arrays are inputs; pass them in "
            f"x=(...) instead of params= (got params {sorted(peer_params)})")
    case = find_case(fn)
    notes = []
    if case is None:
        sibling = _sibling(fn, "_adjoint") or _sibling(fn, "_vjp")
        notes.append(f"{name} has no verify case of its own: "
                     + (f"its backward is {sibling.__module__}.{sibling.__name__}" if sibling else "no backward")
                     + ", the bounds are the caller's")
    elif case.forward is not fn:
        notes.append(f"bounds from the verify case {case.name!r} (its forward wraps {name})")

    def forward(inputs, training, masks):
        y = fn(*inputs, **cfg)
        return pack(y), (tuple(inputs), y)

    def backward(state, dy):
        inputs, y = state
        dy_tree = unpack(np.asarray(dy), y)
        adjoint = case.adjoint if case is not None else _sibling(fn, "_adjoint")
        vjp = case.vjp if case is not None else _sibling(fn, "_vjp")
        grads: list = [None] * len(inputs)
        if adjoint is not None:  # linear in its first input
            grads[0] = adjoint(dy_tree, input_shape=tree_shape(inputs[0]), **cfg)
        elif vjp is not None:
            argnums = tuple(case.argnums) if case is not None else tuple(range(len(inputs)))
            got = vjp(dy_tree, *inputs, y, **cfg)
            got = (got,) if len(argnums) == 1 else tuple(got)
            for k, g in zip(argnums, got, strict=True):
                if k < len(grads):
                    grads[k] = g
        else:
            raise ValueError(f"{name} has no registered adjoint or VJP (no verify case, no {name}_adjoint or "
                             f"{name}_vjp in {fn.__module__}): compare its output only (a NumPy peer without vjp=)")
        return tuple(None if g is None else pack(g) for g in grads), {}

    def bounds(shapes, prec):
        if case is None:
            raise ValueError(f"no verify case is registered for {name}, so no bound can be derived: pass "
                             "bound=(forward, gradient) to specref.compare.compare")
        point = {**_keyword_defaults(fn), **({"shape": tuple(shapes[0])} if shapes else {}), **cfg}
        try:
            c = case.scale_for(point)
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"the error scale of case {case.name!r} needs parameters this call does not show "
                             f"({type(exc).__name__}: {exc}); pass bound= to specref.compare.compare") from exc
        eps = eps_of(prec)
        fwd = Bound(2.0 * c * eps, f"2 c eps, c = {c:.3g} from specref's verify case {case.name!r} "
                                   f"({case.error_reason}); eps = {eps:.3g}")
        grad = Bound(2.0 * c * eps, f"2 c eps with the forward's c = {c:.3g} (the {case.kind} backward runs the "
                                    f"forward's stages reversed, with their constants; case {case.name!r}); "
                                    f"eps = {eps:.3g}")
        return fwd, grad

    shapes, complex_ = _default_inputs(case, cfg, dtype, input_shapes)
    if input_shapes is None and not shapes:
        raise ValueError(f"cannot draw inputs for {name} with config {cfg}: pass x=(...) to specref.compare.compare")
    axes = cfg.get("axes", (cfg["axis"],) if "axis" in cfg else (-1,))
    axes = (axes,) if isinstance(axes, (int, np.integer)) else axes  # scipy's dctn takes an int axes
    return Pairing(name, cfg, forward, backward, bounds, notes=notes, default_input_shapes=shapes,
                   input_complex=complex_, spectral_axes=tuple(axes) if axes is not None else ())


def _default_inputs(case, cfg: dict, dtype: str | None, input_shapes) -> tuple[tuple, tuple]:
    """Shapes and complexness of the inputs to draw when none are given: the case's first grid point."""
    if input_shapes is not None or case is None:
        return (), ()
    point = {**case.points()[0], **cfg}
    try:
        drawn = case.make(np.random.default_rng(0), np, dtype or "float64", **point)
    except Exception:  # the case's generator does not take this config: the caller must give x
        return (), ()
    args = tuple(drawn.args)
    if not all(isinstance(a, np.ndarray) for a in args):
        return (), ()
    return tuple(a.shape for a in args), tuple(bool(np.iscomplexobj(a)) for a in args)
