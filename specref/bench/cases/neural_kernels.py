r"""Bench cases of the neural-kernel study (:mod:`specref.neural_kernels`): the feature maps and networks against
the seed's torch modules with torch's backward and the same math as a jitted JAX vjp, and the empirical NTK
against the NTK contracted from ``jax.jacobian`` under ``jax.jit``.

- ``LFF``: :math:`\sin(\pi x W^{\mathsf T} + b)` on n points of dimension d with m features;
- ``RFFMLP``: the seed's network, frozen RFF features then two affine layers with a ReLU (the torch twin's RFF
  parameters are frozen with ``requires_grad_(False)``, so both sides differentiate the same parameters: the
  seed's own ``requires_grad = False`` line freezes nothing);
- ``ReLUMLP``: two hidden layers, NTK parameterisation (torch: ``nn.Linear`` layers holding the scaled weights,
  the same function);
- ``empirical_ntk``: the (n, n) NTK of that ReLUMLP, forward only (a kernel, no backward).
"""

from __future__ import annotations

import math

import numpy as np

from specref.bench.case import BenchCase, PeerUnavailable, Run, Setup, Sweep
from specref.bench.cases._layers import layer_case, torch_peer
from specref.neural_kernels import LFF, RFFMLP, ReLUMLP, empirical_ntk

__all__ = ["CASES"]

GRID = ({"n": 4096, "d": 2, "m": 256, "k": 16},)
QUICK = ({"n": 128, "d": 2, "m": 16, "k": 2},)
NTK_GRID = ({"n": 512, "d": 2, "m": 256, "k": 4},)
NTK_QUICK = ({"n": 32, "d": 2, "m": 16, "k": 2},)
# the layers over the number of points (linear), the NTK over it too (an (n, n) kernel: quadratic)
SWEEP = Sweep(param="n", values=tuple(2**k for k in range(8, 17)), quick=tuple(2**k for k in range(8, 11)),
              base={"d": 2, "m": 256, "k": 16}, claim="n")
NTK_SWEEP = Sweep(param="n", values=tuple(2**k for k in range(5, 11)), quick=tuple(2**k for k in range(5, 8)),
                  base={"d": 2, "m": 256, "k": 4}, claim="n^2")
NOTE = ("torch: the seed's modules (nn.Linear called linear, sin; nn.Sequential) with specref's state_dict, under "
        "torch's CPU backward; jax: the same equations as a jitted JAX vjp")


def _label(p):
    return f"n={p['n']} d={p['d']} m={p['m']} k={p['k']}"


def _input(p):
    return (p["n"], p["d"])


# ----------------------------------------------------------------------------------------------------------
# torch twins (the seed's modules) and the JAX math


def _seed_lff(in_features, mapping_size, *, frozen=False):
    from specref.bench.peers import import_torch

    torch = import_torch()

    class SeedLFF(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(in_features, mapping_size)

        def forward(self, x):
            return torch.sin(self.linear(math.pi * x))

    module = SeedLFF()
    if frozen:
        module.requires_grad_(False)
    return module


def _make_lff(cls, p):
    return _seed_lff(p["d"], p["m"])


def _make_rffmlp(cls, p):
    from specref.bench.peers import import_torch

    nn = import_torch().nn
    return nn.Sequential(_seed_lff(p["d"], p["m"], frozen=True), nn.Linear(p["m"], p["m"]), nn.ReLU(),
                         nn.Linear(p["m"], p["k"]))


def _mlp_state(layer):
    """The NTK-parameterised MLP as plain ``nn.Linear`` weights of the same function: alpha W and beta b."""
    out = {}
    for w, b, alpha, beta in layer._layers():
        out[w] = alpha * np.asarray(layer.params[w])
        out[b] = beta * np.asarray(layer.params[b])
    return out


def _mlp_torch(setup, point, dtype):
    from specref.bench.peers import import_torch, torch_module_run

    torch = import_torch()
    nn = torch.nn
    layer = setup.data["layer"]
    sizes = [point["d"], point["m"], point["m"], point["k"]]
    mods = []
    for i in range(3):
        mods += [nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU()]
    module = nn.Sequential(*mods[:-1])
    if dtype == "float64":
        module = module.double()
    module.load_state_dict({k: torch.from_numpy(np.array(v, copy=True)) for k, v in _mlp_state(layer).items()})
    return torch_module_run(module, setup.data["x"], setup.data["dy"])


def _jax_lff(x, p):
    from specref.bench.peers import import_jax

    _, jnp = import_jax()
    return jnp.sin(math.pi * x @ p["linear.weight"].T + p["linear.bias"])


def _jax_stack(layers, a, p):
    from specref.bench.peers import import_jax

    _, jnp = import_jax()
    for i, (w, b, alpha, beta) in enumerate(layers):
        a = alpha * a @ p[w].T + beta * p[b]
        if i < len(layers) - 1:
            a = jnp.maximum(a, 0.0)
    return a


def _jax_peer(kind):
    def build(setup, point, dtype):
        from specref.bench.peers import jax_function_run

        layer = setup.data["layer"]
        params = {k: np.asarray(v) for k, v in layer.params.items()}
        layers = layer._layers() if kind != "LFF" else None
        if kind == "LFF":
            fn = _jax_lff
        elif kind == "RFFMLP":
            rff = {k: np.asarray(v) for k, v in layer._child("0").buffers.items()}
            fn = lambda x, p: _jax_stack(layers, _jax_lff(x, rff), p)  # noqa: E731
        else:
            fn = lambda x, p: _jax_stack(layers, x, p)  # noqa: E731
        return jax_function_run(fn, setup.data["x"], params, setup.data["dy"])

    return build


# ----------------------------------------------------------------------------------------------------------
# the NTK


def _ntk_setup(point, dtype, rng):
    model = ReLUMLP(point["d"], point["m"], 2, point["k"], parameterization="ntk", seed=0).astype(dtype)
    x = rng.standard_normal((point["n"], point["d"])).astype(dtype)
    return Setup(Run(lambda: empirical_ntk(model, x), None), {"layer": model, "x": x})


def _ntk_jax(setup, point, dtype):
    from specref.bench.peers import import_jax

    jax, jnp = import_jax()
    layer = setup.data["layer"]
    layers = layer._layers()
    params = {k: jnp.asarray(np.asarray(v)) for k, v in layer.params.items()}
    x = jnp.asarray(setup.data["x"])
    k = point["k"]

    @jax.jit
    def ntk(p, xs):
        jac = jax.jacobian(lambda q: _jax_stack(layers, xs, q))(p)  # {name: (n, k, *shape)}
        flat = [j.reshape(j.shape[0], k, -1) for j in jac.values()]
        return sum(jnp.einsum("aop,bop->ab", f, f) for f in flat) / k

    def forward():
        return jax.block_until_ready(ntk(params, x))

    return Run(forward, None)


def _no_torch(setup, point, dtype):
    raise PeerUnavailable("torch has no per-example Jacobian contraction of its own to compare (torch.func is "
                          "the JAX-style path; the JAX column times it)")


CASES = [
    layer_case("LFF", "neural kernels", cls=LFF, config=lambda p: {"in_features": p["d"], "mapping_size": p["m"],
                                                                    "scale": 10.0},
               input_shape=_input, grid=GRID, quick=QUICK, label=_label, peer_note=NOTE, sweep=SWEEP,
               peers={"torch": torch_peer("torch.nn", "Module", None, make=_make_lff), "jax": _jax_peer("LFF")}),
    layer_case("RFFMLP", "neural kernels", cls=RFFMLP,
               config=lambda p: {"in_features": p["d"], "in_scale": 10.0, "latent_features": p["m"],
                                 "latent_layers": 2, "out_features": p["k"]},
               input_shape=_input, grid=GRID, quick=QUICK, label=_label, peer_note=NOTE, sweep=SWEEP,
               peers={"torch": torch_peer("torch.nn", "Module", None, make=_make_rffmlp), "jax": _jax_peer("RFFMLP")}),
    layer_case("ReLUMLP", "neural kernels", cls=ReLUMLP,
               config=lambda p: {"in_features": p["d"], "hidden_features": p["m"], "depth": 2,
                                 "out_features": p["k"], "parameterization": "ntk"},
               input_shape=_input, grid=GRID, quick=QUICK, label=_label, peer_note=NOTE, sweep=SWEEP,
               peers={"torch": _mlp_torch, "jax": _jax_peer("ReLUMLP")}),
    BenchCase(name="empirical_ntk", family="neural kernels", setup=_ntk_setup, grid=NTK_GRID, quick=NTK_QUICK,
              peers={"jax": _ntk_jax, "torch": _no_torch}, label=_label, sweep=NTK_SWEEP,
              peer_note="jax: jax.jit of the NTK contracted from jax.jacobian (same network, same points)"),
]
