"""The peers' runners: a torch module under CPU autograd, a JAX function under ``jax.jit`` of ``jax.vjp``.

torch and JAX are imported here only when a peer builder runs (never by ``import specref``); a missing one
raises :class:`~specref.bench.case.PeerUnavailable` with the install line. torch runs on the thread count of
the applied setting (:func:`specref.bench.threads.current_threads`); JAX reads ``XLA_FLAGS``, set by
:func:`~specref.bench.threads.apply_threads` before it loads. JAX runs with 64-bit types enabled, so a
float64 input stays float64.

Each runner returns a :class:`~specref.bench.case.Run` whose callables block until the result exists
(``block_until_ready`` for JAX's asynchronous dispatch).
"""

from __future__ import annotations

import contextlib
import importlib

import numpy as np

from specref.bench.case import PeerUnavailable, Run
from specref.bench.threads import current_threads

__all__ = ["import_torch", "import_jax", "spectrans_class", "torch_module_run", "torch_function_run",
           "jax_function_run"]

_INTEROP_SET = []


def import_torch():
    """torch, on the applied setting's threads; PeerUnavailable when it is not installed."""
    try:
        import torch  # peer-only
    except ImportError:
        raise PeerUnavailable("torch is not installed (pip install torch==2.13.0, the CPU wheel)") from None
    torch.set_num_threads(current_threads())
    if not _INTEROP_SET:
        with contextlib.suppress(RuntimeError):  # settable once per process, before any parallel work
            torch.set_num_interop_threads(current_threads())
        _INTEROP_SET.append(True)
    return torch


def import_jax():
    """(jax, jax.numpy) with 64-bit types enabled; PeerUnavailable when JAX is not installed."""
    try:
        import jax  # peer-only
        import jax.numpy as jnp  # peer-only
    except ImportError:
        raise PeerUnavailable("JAX is not installed (pip install jax jaxlib)") from None
    jax.config.update("jax_enable_x64", True)
    return jax, jnp


def spectrans_class(module: str, name: str):
    """spectrans's class ``name`` of ``module`` (e.g. ``"spectrans.layers.mixing.fourier"``)."""
    import_torch()
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        raise PeerUnavailable("spectrans is not installed (bash validation/setup_peers.sh)") from None


def torch_module_run(module, x, dy, *, grads_of_params: bool = True, call=None) -> Run:
    """A torch module's forward (``no_grad``) and forward+backward (``torch.autograd.grad`` of the input and
    every trainable parameter, cotangent ``dy``), on copies of the NumPy arrays ``x`` and ``dy``; ``call(module,
    x) -> y`` when the module is not called as ``module(x)`` (``nn.MultiheadAttention``). A parameter the
    forward never uses (spectrans's blocks' ``norm3``, a hard gate's weights) gets ``None``, as torch gives it."""
    call = call or (lambda m, v: m(v))
    torch = import_torch()
    tx = torch.from_numpy(np.array(x, copy=True))
    tx_grad = tx.clone().requires_grad_(True)
    tdy = torch.from_numpy(np.array(dy, copy=True))
    params = [p for p in module.parameters() if p.requires_grad] if grads_of_params else []

    def forward():
        with torch.no_grad():
            return call(module, tx)

    def forward_backward():
        y = call(module, tx_grad)
        return torch.autograd.grad(y, [tx_grad, *params], tdy, allow_unused=True)

    return Run(forward, forward_backward)


def torch_function_run(fn, adjoint, x, dy) -> Run:
    """A torch function of one tensor: forward ``fn(x)`` and forward+backward (autograd with cotangent ``dy``);
    ``adjoint`` is unused by torch (autograd forms it) and kept for symmetry with the JAX runner."""
    torch = import_torch()
    tx = torch.from_numpy(np.array(x, copy=True))
    tx_grad = tx.clone().requires_grad_(True)
    tdy = torch.from_numpy(np.array(dy, copy=True))

    def forward():
        return fn(tx)

    def forward_backward():
        return torch.autograd.grad(fn(tx_grad), [tx_grad], tdy)

    return Run(forward, forward_backward)


def jax_function_run(fn, x, params, dy) -> Run:
    """``jax.jit`` of ``fn(x, params)`` and of its VJP with cotangent ``dy`` (every parameter's gradient).

    JAX's gradient of a complex input is the conjugate of specref's (docs/conventions.md); timing does not
    care, the comparisons (specref.compare) convert."""
    jax, jnp = import_jax()
    xj = jnp.asarray(x)
    dyj = jnp.asarray(dy)
    pj = {k: jnp.asarray(v) for k, v in params.items()}
    forward_jit = jax.jit(fn)

    def vjp(x_, p_, dy_):
        y, pullback = jax.vjp(fn, x_, p_)
        return y, pullback(dy_)

    vjp_jit = jax.jit(vjp)

    def forward():
        return jax.block_until_ready(forward_jit(xj, pj))

    def forward_backward():
        return jax.block_until_ready(vjp_jit(xj, pj, dyj))

    return Run(forward, forward_backward)
