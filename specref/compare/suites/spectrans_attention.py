r"""The spectrans feature-attention suite: SpectralAttention, PerformerAttention and KernelAttention against
spectrans 0.1.0, specref's ``variant="spectrans"`` (spectrans's features from its stored buffers); and
MixedSpectralAttention, whose parameters are read through its submodules (with ``use_fft=True`` spectrans's
``state_dict()`` raises: finding ``spectrans_mixed_attention``), bounded as LST attention
(:func:`specref.compare.bounds.pair_bounds` with the layer's stage constants).

Each case builds the spectrans module in float64 (its buffers ``kernel.projection``, ``kernel.omega``,
``kernel.bias`` drawn by spectrans), scales its projection weights so the head vectors are O(1)
(:func:`~specref.compare.suites.spectrans_mixing.random_params` with standard deviation
:math:`1/\sqrt D`; the spectral kernel's eigenvalues and eigenvectors N(0, 1)), loads its whole
``state_dict`` (buffers included) into the specref class with ``variant="spectrans"``, runs both on the same
input, keep-mask (bool (B, N), True = keep, on the cases that have one) and cotangent, and compares the
output, the input gradient and every trainable parameter's gradient (torch autograd against specref's
hand-written backward). No dropout (spectrans's polynomial path applies one ``nn.Dropout`` twice; eval mode).

Bounds (:func:`specref.compare.bounds.feature_attention_bounds`): the layer's claim :math:`c`
(``error_scale``, the sum of the stage constants, doubled) gives :math:`2c\epsilon` for the output. Signed
features (spectrans's cosine and spectral features, :math:`\varphi` of either sign) make the normaliser a
cancelling sum: the rounding of numerator and normaliser is relative to the sums of absolute values, so the
forward bound is multiplied by the measured condition :math:`\kappa = \max_i \sum_j |\varphi_{q,i}|\cdot
|\varphi_{k,j}| / |\sum_j \varphi_{q,i}\cdot\varphi_{k,j}|` (1 for positive features) and the gradients', which
divide by the normaliser twice, by :math:`\kappa^2`; the gradients add the B N-term sums of the projection
weights' gradients: :math:`2(2c + BN + 1)\epsilon`.

The comparisons of spectrans's arithmetic pass; where spectrans's math is wrong (its "softmax" features are not
softmax attention, its Gaussian normalisers cross 0, its redraw draws twice) the findings
``spectrans_spectral_attention_softmax`` and ``spectrans_gaussian_attention_normalizer`` record it, and
specref's default ``variant="specref"`` computes the math (docs/layers/attention.md).

torch and spectrans are imported inside the run functions only.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from specref.compare.suites import SuiteCase, one_torch_thread
from specref.compare.suites.spectrans_mixing import _gen, random_params

__all__ = ["cases", "GRID"]

# (class, constructor arguments, (B, N, D), masked)
GRID = (
    ("SpectralAttention", {"num_heads": 2}, (2, 7, 8), False),  # softmax, orthogonal
    ("SpectralAttention", {"num_heads": 2, "num_features": 6, "use_orthogonal": False}, (2, 6, 8), True),
    ("SpectralAttention", {"num_heads": 2, "use_bias": False, "num_features": 3}, (3, 5, 4), True),
    ("SpectralAttention", {"num_heads": 2, "kernel_type": "gaussian", "num_features": 6}, (2, 6, 4), False),
    ("SpectralAttention", {"num_heads": 1, "kernel_type": "gaussian", "use_orthogonal": False}, (2, 5, 4), True),
    ("PerformerAttention", {"num_heads": 2}, (2, 6, 8), True),
    ("PerformerAttention", {"num_heads": 2, "generalized": True}, (2, 7, 8), True),
    ("KernelAttention", {"num_heads": 2, "kernel_type": "gaussian", "num_features": 5}, (2, 6, 4), True),
    ("KernelAttention", {"num_heads": 2, "kernel_type": "spectral", "rank": 3}, (2, 6, 8), True),
    ("KernelAttention", {"num_heads": 2, "kernel_type": "polynomial"}, (2, 6, 8), False),
    ("KernelAttention", {"num_heads": 2, "kernel_type": "polynomial", "rank": 2}, (2, 5, 4), True),
)


def _label(name, cfg, shape, masked) -> str:
    parts = ["x".join(map(str, shape))] + [f"{k}={v}" for k, v in cfg.items()]
    return "-".join(parts + (["masked"] if masked else []))


def _module(name, cfg, d):
    import spectrans.layers.attention.spectral as sa  # peer-only
    import torch  # peer-only

    torch.manual_seed(0)  # spectrans draws its buffers from torch's global RNG (finding spectrans_kernel_global_seed)
    return getattr(sa, name)(hidden_dim=d, **cfg).double().eval()


def _keep(shape) -> np.ndarray:
    """The cases' keep-mask (B, N): the last token masked everywhere, token 1 in the rows past the first."""
    keep = np.ones(shape[:-1], dtype=bool)
    keep[:, -1] = False
    keep[1:, 1] = False
    return keep


def _condition(ctx) -> float:
    """kappa: the largest ratio over queries of sum_j |phi_q,i| . |phi_k,j| to |sum_j phi_q,i . phi_k,j|."""
    mix = ctx.mix
    if not hasattr(mix, "lin_q"):  # the polynomial path: a softmax, no feature normaliser
        return 1.0
    q, k = np.asarray(mix.lin_q), np.asarray(mix.lin_k)
    num = np.abs(q) @ np.swapaxes(np.abs(k), -1, -2)
    den = np.abs((q @ np.swapaxes(k, -1, -2)).sum(axis=-1))
    ok = den > 0
    return float(max(1.0, np.max(num.sum(axis=-1)[ok] / den[ok]))) if np.any(ok) else 1.0


def _run(component, label, cfg, shape, masked):
    import torch  # peer-only

    from specref.compare.api import _tensor
    from specref.compare.bounds import eps_of, feature_attention_bounds
    from specref.compare.result import Comparison
    from specref.compare.spectrans import _layer

    gen = _gen(label)
    module = _module(component, cfg, shape[-1])
    random_params(module, gen, {"weight": 1.0 / math.sqrt(shape[-1]), "bias": 0.5})
    state = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    layer = _layer(component).from_state_dict(state, hidden_dim=shape[-1], variant="spectrans",
                                               **{k: v for k, v in cfg.items()})
    x = gen.standard_normal(shape)
    keep = _keep(shape) if masked else None
    x_t = torch.tensor(x, requires_grad=True)
    y_t = module(x_t, mask=None if keep is None else torch.from_numpy(keep))
    y, ctx = layer.forward(x, mask=keep)
    dy = gen.standard_normal(y.shape)
    y_t.backward(torch.from_numpy(dy))
    dx, grads = layer.backward(ctx, dy)
    fwd, grad = feature_attention_bounds(layer, shape, eps_of("float64"), _condition(ctx))
    tensors = [_tensor("output", y_t.detach().numpy(), y, fwd), _tensor("grad x", x_t.grad.numpy(), dx, grad)]
    peer_params = dict(module.named_parameters())
    if sorted(peer_params) != sorted(grads):
        raise AssertionError(f"parameter names differ: spectrans {list(peer_params)}, specref {list(grads)}")
    tensors += [_tensor(f"grad {k}", p.grad.numpy(), grads[k], grad) for k, p in peer_params.items()]
    notes = ("variant='spectrans': spectrans's features from its stored buffers (specref's default variant "
             "computes the stabilised FAVOR+ / positive features)",) + (("keep-mask (B, N) passed to both",)
                                                                       if masked else ())
    config = {"hidden_dim": shape[-1], **cfg, "variant": "spectrans"}
    return Comparison(f"spectrans.{component}", component, config, "float64", tuple(tensors), notes=notes,
                      label=label)


# MixedSpectralAttention: (constructor arguments, (B, N, D)); no mask (spectrans ignores it: a finding)
MIXED_GRID = (
    ({"num_heads": 3}, (2, 8, 6)),  # fft, dct, hadamard
    ({"num_heads": 2, "use_hadamard": False}, (2, 5, 4)),  # odd N
    ({"num_heads": 2, "use_fft": False}, (2, 4, 4)),
)


def _mixed_params(module) -> dict:
    """spectrans's parameters by name, read through the submodules: with ``use_fft=True`` the module's own
    ``named_parameters()``/``state_dict()`` raise (its FFT submodule never ran ``nn.Module.__init__``,
    finding ``spectrans_mixed_attention``); the names are those it gives when they work."""
    subs = {name: getattr(module, name) for name in ("q_proj", "k_proj", "v_proj", "out_proj")}
    params = {f"{n}.{k}": p for n, sub in subs.items() for k, p in sub.named_parameters()}
    params.update({f"scales.{k}": p for k, p in module.scales.items()})
    return params


def _run_mixed(label, cfg, shape):
    import spectrans.layers.attention.lst as sl  # peer-only
    import torch  # peer-only

    from specref.compare.api import _tensor
    from specref.compare.bounds import pair_bounds
    from specref.compare.result import Comparison
    from specref.layers.attention.mixed import MixedSpectralAttention

    gen = _gen(label)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # .double() raises with use_fft=True (it calls .to)
    try:
        module = sl.MixedSpectralAttention(shape[-1], **cfg)
    finally:
        torch.set_default_dtype(previous)
    params = _mixed_params(module)
    with torch.no_grad():
        for name, p in params.items():
            scale = 1.0 / math.sqrt(shape[-1]) if name.endswith("weight") else 0.5 if name.endswith("bias") else 1.0
            p.copy_(torch.from_numpy(gen.standard_normal(tuple(p.shape)) * scale))
    layer = MixedSpectralAttention.from_state_dict({k: v.detach().numpy().copy() for k, v in params.items()},
                                                   hidden_dim=shape[-1], **cfg)
    x = gen.standard_normal(shape)
    x_t = torch.tensor(x, requires_grad=True)
    y_t = module(x_t)
    y, ctx = layer.forward(x)
    dy = gen.standard_normal(y.shape)
    y_t.backward(torch.from_numpy(dy))
    dx, grads = layer.backward(ctx, dy)
    fwd, grad = pair_bounds(extra=layer.error_scale(shape[-2]) / 2.0, reduction=shape[0] * shape[1],
                            what=f"MixedSpectralAttention: projections, length-{shape[-2]} transforms, products")
    tensors = [_tensor("output", y_t.detach().numpy(), y, fwd), _tensor("grad x", x_t.grad.numpy(), dx, grad)]
    tensors += [_tensor(f"grad {k}", p.grad.numpy(), grads[k], grad) for k, p in params.items()]
    notes = ("parameters read through the submodules (spectrans's state_dict raises with use_fft=True: "
             "spectrans_mixed_attention); no mask (spectrans ignores it)",)
    return Comparison("spectrans.MixedSpectralAttention", "MixedSpectralAttention",
                      {"hidden_dim": shape[-1], **cfg}, "float64", tuple(tensors), notes=notes, label=label)


def cases() -> list[SuiteCase]:
    """Every feature-attention case of the spectrans suite, then MixedSpectralAttention's."""
    out = []
    for name, cfg, shape, masked in GRID:
        label = _label(name, cfg, shape, masked)
        run = partial(one_torch_thread, _run, name, label, cfg, shape, masked)
        out.append(SuiteCase("spectrans", name, label, run))
    for cfg, shape in MIXED_GRID:
        label = _label("MixedSpectralAttention", cfg, shape, False)
        out.append(SuiteCase("spectrans", "MixedSpectralAttention", label,
                             partial(one_torch_thread, _run_mixed, label, cfg, shape)))
    return out
