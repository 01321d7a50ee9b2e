r"""The spectrans neural-operator suite: SpectralConv1d/2d, FourierNeuralOperator and the operators' FNOBlock.

Each case builds the spectrans module (``spectrans.layers.operators.fno``) in float64, gives every parameter
random N(0, 1) values (:func:`~specref.compare.suites.spectrans_mixing.random_params`: the initialisation's
zero biases and unit norms would hide terms of the gradients), draws the input from a seed fixed by the label
and calls :func:`specref.compare.compare`: the config is read off the module
(:func:`specref.compare.spectrans.read_config`), the ``state_dict`` loaded, the output and every gradient
compared against the derived bounds (:func:`specref.compare.bounds.operator_bounds`).

- ``SpectralConv1d``: odd and even N, C_in != C_out, modes below and at the limit N // 2 + 1 (at an even N the
  Nyquist bin is kept: both sides drop its imaginary part in the irfft).
- ``SpectralConv2d`` (spectrans's one corner, inventory #24; specref's class of the same name reproduces it):
  odd and even H, W, modes at the limits m1 = H, m2 = W // 2 + 1.
- ``FourierNeuralOperator``: 1-D (channels last, (B, N, D)) and 2-D ((B, H, W, D)), every activation,
  ``use_spectral_conv=False`` and ``use_linear=False``, modes at the limits.
- ``FNOBlock`` (the operators' block, not ``spectrans.blocks.FNOBlock``: inventory #30): every ``norm_type``
  in 1-D, 'layernorm' and 'none' in 2-D (spectrans's batch norm transposes axes 1 and 2 only, so it takes
  (B, N, D)), eval and train. In training the dropout masks ``"dropout"``, ``"ffn.2"`` and ``"ffn.4"`` are read
  back and injected (p = 0.3). Batch norm in eval uses random running statistics; in training it uses batch
  statistics, and a check compares specref's ``ctx.new_buffers`` with spectrans's ``running_mean`` /
  ``running_var`` / ``num_batches_tracked`` after one forward.

Modes above the limit are not cases here (spectrans raises inside ``einsum``, specref a ``ValueError``
giving the limit): validation/test_spectrans_operators.py checks both. torch and spectrans are imported
inside the run functions only.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specref.compare.api import compare
from specref.compare.suites import SuiteCase, one_torch_thread
from specref.compare.suites.spectrans_mixing import _draw, _gen, _normwise, random_params, with_check

__all__ = ["cases", "ACTIVATIONS", "NORMS"]

ACTIVATIONS = ("gelu", "relu", "silu", "tanh", "sigmoid", "identity")
NORMS = ("layernorm", "batchnorm", "none")
P_TRAIN = 0.3

# (C_in, C_out, modes, (B, C_in, N...)): odd and even sizes, modes below and at the limits
GRID_CONV1D = ((3, 5, 4, (2, 3, 16)), (3, 2, 8, (2, 3, 15)), (2, 3, 9, (2, 2, 16)), (4, 4, 1, (3, 4, 7)))
GRID_CONV2D = ((3, 2, (3, 2), (2, 3, 8, 8)), (2, 3, (7, 5), (2, 2, 7, 9)), (2, 2, (8, 5), (2, 2, 8, 8)),
               (3, 3, (2, 4), (2, 3, 5, 6)))
# (modes, (B, spatial..., D))
GRID_FNO = ((4, (2, 16, 4)), (8, (2, 15, 3)), ((3, 4), (2, 8, 6, 4)), ((7, 5), (2, 7, 9, 3)))


def _case(component: str, label: str, run, *args) -> SuiteCase:
    return SuiteCase("spectrans", component, label, partial(one_torch_thread, run, component, label, *args))


def _shape(shape) -> str:
    return "x".join(map(str, shape))


def _modes(modes) -> str:
    return f"m{modes}" if isinstance(modes, int) else "m" + "x".join(map(str, modes))


def _module(component: str, gen, **config):
    """The spectrans module in float64 with random N(0, s^2) parameters: s = 1, but 1 / sqrt(fan-in) (about)
    for the mixing weights, so that no activation's input reaches |z| > 8, where torch's GELU and SiLU round
    to exactly 0 and a dropout's mask after them could not be read back; batch norm's affine map near (1, 0)."""
    import spectrans.layers.operators.fno as so  # peer-only
    import torch  # peer-only

    torch.manual_seed(0)
    module = getattr(so, component)(**config).double()
    random_params(module, gen, {"weights": 0.5, "linear.weight": 0.5, "fno.linear.weight": 0.5, "ffn.0.weight": 0.5,
                                "ffn.3.weight": 0.35, "norm1.weight": 0.3, "norm2.weight": 0.3,
                                "_offset": {"norm1.weight": 1.0, "norm2.weight": 1.0}})
    return module


def _random_running_stats(module, gen) -> None:
    """Eval-mode batch norm with running statistics other than (0, 1): mean N(0, 1), variance in [0.5, 2]."""
    import torch  # peer-only

    with torch.no_grad():
        for norm in (module.norm1, module.norm2):
            if norm is not None:
                norm.running_mean.copy_(torch.from_numpy(gen.standard_normal(norm.num_features)))
                norm.running_var.copy_(torch.from_numpy(gen.uniform(0.5, 2.0, norm.num_features)))


def _running_stats_check(cmp, module, x):
    """One training forward of a copy of spectrans's block against specref's ``ctx.new_buffers``: the copy's
    dropout keep-masks are read off its dropouts' outputs (``output != 0``; an exact zero input, after a ReLU,
    changes nothing whatever its bit) and injected, since ``norm2``'s batch statistics depend on them."""
    import copy

    import torch  # peer-only

    from specref.compare.spectrans import read_config
    from specref.layers.operators.fno import FNOBlock

    peer = copy.deepcopy(module).train()
    before = {k: v.detach().numpy().copy() for k, v in peer.state_dict().items()}
    drops = {"dropout": peer.dropout, **({"ffn.2": peer.ffn[2], "ffn.4": peer.ffn[4]} if peer.ffn is not None
                                         else {})}
    masks, handles = {}, []
    for name, mod in drops.items():
        if mod.p > 0:
            handles.append(mod.register_forward_hook(
                lambda m, i, o, name=name: masks.__setitem__(name, (o != 0).numpy() | (i[0] == 0).numpy())))
    try:
        with torch.no_grad():
            peer(torch.from_numpy(x))
    finally:
        for h in handles:
            h.remove()
    after = {k: v.detach().numpy() for k, v in peer.state_dict().items() if "running" in k or "num_batches" in k}
    layer = FNOBlock.from_state_dict(before, **read_config(module, FNOBlock))
    _, ctx = layer.forward(x, training=True, masks=masks)
    new = {k: np.asarray(v) for k, v in ctx.new_buffers.items()}
    errs = [_normwise(new[k], after[k]) for k in after if "running" in k]
    counts = [int(new[k]) == int(after[k]) and new[k].dtype == np.int64 for k in after if "num_batches" in k]
    # one momentum update of a mean / unbiased variance over B N <= 45 values: (m + 8) eps ~ 1e-14 at most;
    # 1e-13 is far above that and far below any wrong update (O(1) differences)
    holds = set(new) >= set(after) and max(errs) <= 1e-13 and all(counts)
    return with_check(cmp, "ctx.new_buffers equal spectrans's running_mean/running_var and num_batches_tracked "
                      "(int64) after one training forward", holds, max(errs), 1e-13)


def _conv(component, label, c_in, c_out, modes, shape):
    gen = _gen(label)
    module = _module(component, gen, in_channels=c_in, out_channels=c_out, modes=modes)
    return compare(module, x=_draw(gen, shape), seed=7, label=label)


def _fno(component, label, modes, shape, activation, spectral, linear):
    gen = _gen(label)
    module = _module(component, gen, hidden_dim=shape[-1], modes=modes, activation=activation,
                     use_spectral_conv=spectral, use_linear=linear)
    return compare(module, x=_draw(gen, shape), seed=7, label=label)


def _fno_block(component, label, modes, shape, norm, activation, training, mlp_ratio=2.0):
    gen = _gen(label)
    p = P_TRAIN if training else 0.0
    module = _module(component, gen, hidden_dim=shape[-1], modes=modes, mlp_ratio=mlp_ratio,
                     activation=activation, dropout=p, norm_type=norm)
    if norm == "batchnorm" and not training:
        _random_running_stats(module, gen)
    x = _draw(gen, shape)
    cmp = compare(module, x=x, training=training, seed=7, label=label)
    if norm == "batchnorm" and training:
        cmp = _running_stats_check(cmp, module, x)
    return cmp


def _conv_cases() -> list[SuiteCase]:
    out = []
    for c_in, c_out, modes, shape in GRID_CONV1D:
        out.append(_case("SpectralConv1d", f"{_shape(shape)}-{c_in}to{c_out}-{_modes(modes)}", _conv, c_in, c_out,
                         modes, shape))
    for c_in, c_out, modes, shape in GRID_CONV2D:
        out.append(_case("SpectralConv2d", f"{_shape(shape)}-{c_in}to{c_out}-{_modes(modes)}", _conv, c_in, c_out,
                         modes, shape))
    return out


def _fno_cases() -> list[SuiteCase]:
    out = []
    for i, (modes, shape) in enumerate(GRID_FNO):
        for activation in ACTIVATIONS if i in (0, 2) else ("gelu",):
            out.append(_case("FourierNeuralOperator", f"{_shape(shape)}-{_modes(modes)}-{activation}", _fno, modes,
                             shape, activation, True, True))
        out.append(_case("FourierNeuralOperator", f"{_shape(shape)}-{_modes(modes)}-no_spectral_conv", _fno, modes,
                         shape, "gelu", False, True))
        out.append(_case("FourierNeuralOperator", f"{_shape(shape)}-{_modes(modes)}-no_linear", _fno, modes, shape,
                         "tanh", True, False))
    return out


def _block_cases() -> list[SuiteCase]:
    out = []
    grid = [(4, (2, 16, 4), NORMS), (8, (3, 15, 3), NORMS), ((3, 4), (2, 8, 6, 4), ("layernorm", "none")),
            ((7, 5), (2, 7, 9, 3), ("layernorm", "none"))]
    for modes, shape, norms in grid:
        for norm in norms:
            for training in (False, True):
                activation = "relu" if training and len(shape) == 3 else "gelu"
                label = f"{_shape(shape)}-{_modes(modes)}-{norm}-{activation}" + (f"-train_p{P_TRAIN}" if training
                                                                                   else "")
                out.append(_case("FNOBlock", label, _fno_block, modes, shape, norm, activation, training))
    out.append(_case("FNOBlock", "2x16x4-m4-layernorm-gelu-mlp_ratio1.5", _fno_block, 4, (2, 16, 4), "layernorm",
                     "gelu", False, 1.5))
    out.append(_case("FNOBlock", "2x16x4-m4-batchnorm-gelu-mlp_ratio0-train_p0.3", _fno_block, 4, (2, 16, 4),
                     "batchnorm", "gelu", True, 0.0))
    return out


def cases() -> list[SuiteCase]:
    """Every case of the neural-operator suite."""
    return _conv_cases() + _fno_cases() + _block_cases()
