"""One factory for the layers' bench cases: a specref layer, its spectrans twin under torch autograd, its math
in JAX, and (FFT layers) the FFT-pass bound.

specref's layer is built with its constructor (seed 0) and cast to the dtype; spectrans's module is built
with the same arguments (those its constructor takes), cast, and given specref's weights by their shared
``state_dict`` names (``load_state_dict(strict=True)``), so both compute on the same weights and inputs.
The JAX peer is a function ``f(x, params, **jax_config)`` of the layer's parameters by name
(:mod:`specref.bench.jax_math`), under ``jax.jit`` of ``jax.vjp``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

import numpy as np

from specref.bench.case import BenchCase, PeerUnavailable, Run, Setup
from specref.bench.memory import context_bytes

__all__ = ["layer_case", "layer_setup", "torch_peer"]


def layer_setup(cls, config: Callable, input_shape: Callable) -> Callable:
    """``setup(point, dtype, rng)`` of a layer: forward, and forward + hand-written backward, on a random input
    and a random cotangent of the output's shape; the floor is the bytes of the forward's context."""

    def setup(point, dtype, rng):
        kw = dict(config(point))
        if "seed" in inspect.signature(cls.__init__).parameters:
            kw.setdefault("seed", 0)
        layer = cls(**kw).astype(dtype)
        x = rng.standard_normal(input_shape(point)).astype(dtype)
        y, ctx = layer.forward(x)
        dy = rng.standard_normal(y.shape).astype(dtype)

        def forward():
            return layer.forward(x)

        def forward_backward():
            out, c = layer.forward(x)
            return layer.backward(c, dy)

        return Setup(Run(forward, forward_backward, context_bytes(ctx)), {"layer": layer, "x": x, "dy": dy})

    return setup


def torch_peer(module_path: str, class_name: str, config: Callable, torch_dtypes: tuple = ("float32", "float64"),
               *, make: Callable | None = None, call: Callable | None = None) -> Callable:
    """The ``"torch"`` peer: the class ``class_name`` of ``module_path`` (spectrans's, or ``torch.nn``'s) built
    with the arguments of ``config(point)`` it accepts (or by ``make(cls, point)``), cast, given specref's
    ``state_dict`` (``strict=True``: the names are shared) and run under autograd (``call``: how to call it)."""

    def build(setup, point, dtype):
        from specref.bench.peers import import_torch, spectrans_class, torch_module_run

        if dtype not in torch_dtypes:
            raise PeerUnavailable(f"{class_name} of {module_path} runs in {', '.join(torch_dtypes)} only")
        torch = import_torch()
        if module_path.startswith("torch"):
            cls = getattr(importlib.import_module(module_path), class_name)
        else:
            cls = spectrans_class(module_path, class_name)
        torch.manual_seed(0)
        if make is not None:
            module = make(cls, point)
        else:
            accepted = inspect.signature(cls.__init__).parameters
            module = cls(**{k: v for k, v in config(point).items() if k in accepted})
        module = module.eval()
        if dtype == "float64":
            module = module.double()
        state = {k: torch.from_numpy(np.array(v, copy=True)) for k, v in setup.data["layer"].state_dict().items()}
        module.load_state_dict(state, strict=True)
        return torch_module_run(module, setup.data["x"], setup.data["dy"], call=call)

    return build


def _jax_peer(forward: Callable, jax_config: Callable) -> Callable:
    def build(setup, point, dtype):
        from specref.bench.peers import jax_function_run

        layer = setup.data["layer"]
        cfg = jax_config(point)
        params = {k: np.asarray(v) for k, v in layer.params.items()}
        return jax_function_run(lambda x, p: forward(x, p, **cfg), setup.data["x"], params, setup.data["dy"])

    return build


def layer_case(name: str, family: str, *, cls, config: Callable, input_shape: Callable, grid: tuple,
               quick: tuple, spectrans: tuple | None = None, jax: str | None = None,
               jax_config: Callable | None = None, bound: Callable | None = None,
               torch_dtypes: tuple = ("float32", "float64"), label: Callable | None = None,
               sweep=None, goals=None, peer_note: str = "", peers: dict | None = None,
               quick_dtypes: tuple | None = None) -> BenchCase:
    """A layer's :class:`~specref.bench.case.BenchCase`.

    Parameters
    ----------
    cls : type
        The specref layer.
    config, input_shape : callable
        ``point -> constructor kwargs`` and ``point -> input shape``.
    spectrans : (str, str), optional
        spectrans's module path and class name: the ``"torch"`` peer.
    jax : str, optional
        The name of the layer's function in :data:`specref.bench.jax_math.FORWARDS`: the ``"jax"`` peer,
        called with ``jax_config(point)`` (default: no keywords).
    bound : callable, optional
        ``bound(setup, point, dtype) -> Run``: the FFT-pass bound.
    torch_dtypes : tuple of str
        The dtypes spectrans runs in (AFNO: float32 only).
    peers : dict, optional
        Further peer builders by column name (a ``torch.nn`` twin: :func:`torch_peer`).
    """
    peers = dict(peers or {})  # extra peers (e.g. a torch.nn twin built by torch_peer)
    if spectrans is not None:
        peers["torch"] = torch_peer(spectrans[0], spectrans[1], config, torch_dtypes)
    if jax is not None:
        def forward(x, p, **kw):
            from specref.bench.jax_math import FORWARDS

            return FORWARDS[jax](x, p, **kw)

        peers["jax"] = _jax_peer(forward, jax_config or (lambda point: {}))
    if bound is not None:
        peers["bound"] = bound
    return BenchCase(name=name, family=family, setup=layer_setup(cls, config, input_shape), grid=grid, quick=quick,
                     peers=peers, label=label, sweep=sweep, quick_dtypes=quick_dtypes,
                     goals={k: v for k, v in (goals or {}).items() if k in peers}, peer_note=peer_note)
