r"""The spectrans mixing-layer suite: every configuration that specref's mixing layers are compared in.

For each spectrans mixing layer (FourierMixing, FourierMixing1D, RealFourierMixing, SeparableFourierMixing,
GlobalFilterMixing, GlobalFilterMixing2D, AdaptiveGlobalFilter, AFNOMixing) a case builds the spectrans
module, gives its parameters random values (N(0, 1) filters, not the tiny initialisations, so activations are
exercised away from 0; AFNO's scaled like its fan-in), draws the input from a seed fixed by the case's label
(``zlib.crc32``, stable across runs), and calls :func:`specref.compare.compare`: the config is read off the
module, the ``state_dict`` loaded, the output and every gradient compared against the derived bounds
(:mod:`specref.compare.bounds`). The grid: every ``fft_norm`` and activation, odd and even lengths, lengths
other than a filter's ``sequence_length`` (the filter interpolated), complex inputs where spectrans accepts
them, ``keep_complex``, the ``mix_*`` flags, clamped AFNO modes, and training mode with spectrans's own
dropouts (their masks read back and injected into specref). AFNO is compared in float32, spectrans's only
precision.

Where spectrans computes something other than the math (a finding, :mod:`specref.compare.known`), two cases:
spectrans itself (the comparison reports the slug; its ``extra["checks"]`` confirm that spectrans still
behaves as the finding documents, e.g. its output is its input, or it raises), and ``"... vs torch math"``:
specref against the correct math written in torch, which must pass. Where a case's reference is itself a
re-implementation (AFNO's float64 math, the adaptive filter's math), a check confirms it equals spectrans
where spectrans runs. Each check is ``{"what", "measured", "bound", "holds"}`` and adds a note.

torch and spectrans are imported inside the run functions only.
"""

from __future__ import annotations

import math
import warnings
import zlib
from dataclasses import replace
from functools import partial

import numpy as np

from specref.compare.api import PrecisionWarning, compare
from specref.compare.bounds import EPS, afno_bounds, pair_bounds
from specref.compare.result import Comparison, TensorComparison
from specref.compare.suites import SuiteCase, one_torch_thread
from specref.testing.checks import error_report
from specref.testing.tolerances import Bound, fft_error_scale

__all__ = ["cases", "random_params", "with_check", "afno_torch_math", "gf_torch_math"]

SHAPES = ((2, 6, 4), (2, 7, 5), (3, 5, 8), (1, 9, 6))
NORMS = ("ortho", "backward", "forward")
AFNO_ACTIVATIONS = ("gelu", "relu", "silu", "tanh", "sigmoid", "identity")


# ----------------------------------------------------------------------------------------------------------
# shared pieces


def _gen(label: str) -> np.random.Generator:
    """The generator of a case: seeded by ``zlib.crc32`` of its label, stable across runs (``hash`` is salted
    per process). A "... vs torch math" case passes its twin's label, so both draw the same input."""
    return np.random.default_rng(zlib.crc32(label.encode()))


def _draw(gen, shape, complex_=False):
    v = gen.standard_normal(shape)
    return v + 1j * gen.standard_normal(shape) if complex_ else v


def _normwise(a, b) -> float:
    """max|a - b| / max|b|."""
    return float(error_report(np.asarray(a), np.asarray(b)).normwise)


def random_params(module, gen: np.random.Generator, scales: dict | None = None) -> None:
    """Overwrite every parameter of a torch module with N(0, s^2) values (s from ``scales`` by full or last
    name, else 1), plus ``scales["_offset"][name]`` where given."""
    import torch  # peer-only

    scales = scales or {}
    with torch.no_grad():
        for name, p in module.named_parameters():
            s = scales.get(name, scales.get(name.rsplit(".", 1)[-1], 1.0))
            values = gen.standard_normal(tuple(p.shape)) * s + scales.get("_offset", {}).get(name, 0.0)
            p.copy_(torch.from_numpy(values))


def with_check(cmp: Comparison, what: str, holds: bool, measured: float | None = None,
               bound: float | None = None) -> Comparison:
    """``cmp`` with one more check in ``extra["checks"]`` and a note saying whether it holds."""
    check = {"what": what, "measured": measured, "bound": bound, "holds": bool(holds)}
    text = what if measured is None else f"{what} ({measured:.1e}" + (f" vs {bound:.1e})" if bound else ")")
    note = ("confirmed: " if holds else "NOT confirmed: ") + text
    checks = list(cmp.extra.get("checks", ())) + [check]
    return replace(cmp, extra={**cmp.extra, "checks": checks}, notes=cmp.notes + (note,))


def _raises(cmp: Comparison, exc: str) -> Comparison:
    return with_check(cmp, f"spectrans raises {exc}", cmp.peer_error.startswith(exc + ":"))



def _torch_math(fn):
    """A torch function peer, named in reports by its own name (not ``<locals>``)."""
    fn.__qualname__ = fn.__name__
    return fn


def _case(component: str, label: str, run, *args) -> SuiteCase:
    return SuiteCase("spectrans", component, label, partial(one_torch_thread, run, component, label, *args))


# ----------------------------------------------------------------------------------------------------------
# Fourier mixing


def _fourier_grid():
    grid = []
    for name in ("FourierMixing", "FourierMixing1D", "SeparableFourierMixing"):
        grid += [(name, {"fft_norm": norm}, shape, False, 0.0) for shape in SHAPES for norm in NORMS]
        grid.append((name, {}, (2, 7, 5), True, 0.0))  # complex input (spectrans accepts it)
        grid.append((name, {}, (2, 6, 5), False, 0.3))  # dropout, training mode, torch's mask
    for name in ("FourierMixing", "FourierMixing1D"):
        grid += [(name, {"keep_complex": True, "fft_norm": "backward"}, shape, False, 0.0) for shape in SHAPES[:2]]
        grid.append((name, {"keep_complex": True}, (2, 7, 5), True, 0.0))
    for flags in ({"mix_features": False}, {"mix_sequence": False}):
        grid += [("SeparableFourierMixing", flags, shape, False, 0.0) for shape in SHAPES[:2]]
        grid.append(("SeparableFourierMixing", flags, (2, 7, 5), True, 0.0))
    grid += [("RealFourierMixing", {"use_real_fft": False, "fft_norm": "ortho"}, shape, False, 0.0) for shape in SHAPES]
    grid.append(("RealFourierMixing", {"use_real_fft": False}, (2, 6, 5), False, 0.3))
    return grid


def _shape_label(shape, cfg: dict, complex_=False, p=0.0) -> str:
    parts = ["x".join(map(str, shape))] + [f"{k}={v}" for k, v in cfg.items()]
    return "-".join(parts + (["complex"] if complex_ else []) + ([f"train_p{p}"] if p else []))


def _fourier(component, label, cfg, shape, complex_input, p):
    import spectrans.layers.mixing.fourier as sf  # peer-only

    gen = _gen(label)
    module = getattr(sf, component)(hidden_dim=shape[-1], **cfg, **({"dropout": p} if p else {})).double()
    return compare(module, x=_draw(gen, shape, complex_input), training=p > 0, seed=7, label=label)


def _complex_dropout(component, label, b=2, n=7, d=6, p=0.4):
    """spectrans raises in training mode with keep_complex and dropout (bernoulli on a complex tensor)."""
    import spectrans.layers.mixing.fourier as sf  # peer-only

    module = getattr(sf, component)(hidden_dim=d, keep_complex=True, dropout=p).double()
    cmp = compare(module, x=_draw(_gen(label), (b, n, d)), training=True, seed=11, label=label)
    return _raises(cmp, "NotImplementedError")


def _complex_dropout_math(component, label, b=2, n=7, d=6, p=0.4):
    """specref applies the real keep-mask to the complex output: fft * mask / (1 - p) in torch."""
    import torch  # peer-only

    gen = _gen(label.removesuffix(" vs torch math"))
    x = _draw(gen, (b, n, d))
    mask = gen.random((b, n, d)) >= p

    @_torch_math
    def fft_dropout(xt):
        z = torch.fft.fft2(xt, dim=(-2, -1), norm="ortho") if component == "FourierMixing" else \
            torch.fft.fft(xt, dim=-2, norm="ortho")
        return z * torch.as_tensor(mask) / (1 - p)

    bound = pair_bounds(ffts=(n * d,) if component == "FourierMixing" else (n,), elementwise=2,
                        what=f"{component} keep_complex: the FFT, the dropout scale")
    return compare(fft_dropout, component, x=x, config={"hidden_dim": d, "keep_complex": True, "dropout": p},
                   training=True, masks={"dropout": mask}, framework="torch", bound=bound, seed=11, label=label)


def _real_fourier(component, label, shape, norm, complex_input):
    """spectrans computes irfft2(rfft2(x)): x itself for even D, an array with D - 1 columns for odd D; its
    complex input raises AttributeError (its fft2d is never built)."""
    import spectrans.layers.mixing.fourier as sf  # peer-only
    import torch  # peer-only

    b, n, d = shape
    x = _draw(_gen(label), shape, complex_input)
    module = sf.RealFourierMixing(hidden_dim=d, fft_norm=norm).double()
    cmp = compare(module, x=x, seed=13, label=label)
    if complex_input:
        return _raises(cmp, "AttributeError")
    y = module.eval()(torch.tensor(x)).detach().numpy()
    if d % 2 == 0:
        # x up to the rfft2/irfft2 round trip: two FFTs over N D points, 2 * 2(1 + log2 ND) eps
        bound = 2 * fft_error_scale(n * d) * EPS["float64"]
        err = _normwise(y, x)
        return with_check(cmp, "spectrans's output is its input (even D)", err <= bound, err, bound)
    holds = y.shape == (b, n, d - 1) and _normwise(y, x[..., : d - 1]) > 1e-3
    return with_check(cmp, f"spectrans's output has D - 1 columns (odd D), shape {y.shape}, and is not even x's "
                      "first D - 1 columns", holds)


def _real_fourier_math(component, label, shape, norm, complex_input):
    """specref computes Re fft2(x), the FNet mixing the class documents."""
    import torch  # peer-only

    x = _draw(_gen(label.removesuffix(" vs torch math")), shape, complex_input)
    n, d = shape[-2:]
    bound = pair_bounds(ffts=(n * d,), elementwise=2, what="fft2 over N D points, the real part") \
        if complex_input else None

    @_torch_math
    def fft2_real(xt):
        return torch.fft.fft2(xt, dim=(-2, -1), norm=norm).real

    return compare(fft2_real, component, x=x, config={"hidden_dim": d, "fft_norm": norm}, framework="torch",
                   bound=bound, seed=13, label=label)


def _fourier_cases() -> list[SuiteCase]:
    out = [_case(name, _shape_label(shape, cfg, cplx, p), _fourier, cfg, shape, cplx, p)
           for name, cfg, shape, cplx, p in _fourier_grid()]
    for name in ("FourierMixing", "FourierMixing1D"):
        label = "2x7x6-keep_complex-train_p0.4"
        out += [_case(name, label, _complex_dropout), _case(name, label + " vs torch math", _complex_dropout_math)]
    for shape, norm, cplx in [(s, norm, False) for s in SHAPES for norm in NORMS] + [((2, 6, 5), "ortho", True)]:
        label = _shape_label(shape, {} if cplx else {"fft_norm": norm}, cplx) + "-use_real_fft=True"
        out += [_case("RealFourierMixing", label, _real_fourier, shape, norm, cplx),
                _case("RealFourierMixing", label + " vs torch math", _real_fourier_math, shape, norm, cplx)]
    return out


# ----------------------------------------------------------------------------------------------------------
# global filters


def _gf_grid():
    grid = []
    for name in ("GlobalFilterMixing", "GlobalFilterMixing2D", "AdaptiveGlobalFilter"):
        for seq_len, lengths in ((8, (8, 7, 12, 5)), (7, (7, 6, 9))):
            grid += [(name, seq_len, length, {"activation": act}, 0.0)
                     for length in lengths for act in ("sigmoid", "tanh", "identity")]
        grid += [(name, 8, length, {"fft_norm": norm}, 0.0)
                 for norm in ("backward", "forward") for length in (8, 7, 11)]
        grid.append((name, 8, 8, {}, 0.3))
        grid.append((name, 8, 5, {"activation": "tanh"}, 0.3))
    grid.append(("AdaptiveGlobalFilter", 8, 7, {"spectral_dropout_p": 0.5}, 0.0))  # eval: no spectral dropout
    return grid


def _gf_label(seq_len, length, cfg, p=0.0) -> str:
    parts = [f"N{seq_len}", f"L{length}"] + [f"{k}={v}" for k, v in cfg.items()]
    return "-".join(parts + ([f"train_p{p}"] if p else []))


def _gf_module(component, gen, config):
    import spectrans.layers.mixing.global_filter as sg  # peer-only
    import torch  # peer-only

    torch.manual_seed(0)
    module = getattr(sg, component)(**config).double()
    random_params(module, gen)  # N(0, 1) filters: the activation is exercised away from its value at 0
    return module


def _global_filter(component, label, seq_len, length, cfg, p, b=2, d=4):
    gen = _gen(label)
    config = {"hidden_dim": d, "sequence_length": seq_len, **cfg, **({"dropout": p} if p else {})}
    module = _gf_module(component, gen, config)
    return compare(module, x=_draw(gen, (b, length, d)), training=p > 0, seed=3, label=label)


def gf_torch_math(xt, filter_real, filter_imag, *, activation, seq_len, spectral_mask, ps, norm="ortho"):
    """spectrans's GlobalFilterMixing forward written in torch, with the spectral dropout spectrans intends
    (Dropout2d on the 2-D (L, D) filter: each entry its own channel, kept with 1 - ps, scaled 1/(1 - ps))."""
    import torch  # peer-only

    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda v: v}[activation]
    length = xt.shape[-2]

    def resize(w):
        if length == seq_len:
            return w
        return torch.nn.functional.interpolate(w.T.unsqueeze(0), size=length, mode="linear",
                                               align_corners=False).squeeze(0).T

    h = torch.complex(act(resize(filter_real)), act(resize(filter_imag)))
    h = h * torch.as_tensor(spectral_mask) / (1 - ps)
    return torch.fft.ifft(torch.fft.fft(xt, dim=-2, norm=norm) * h, dim=-2, norm=norm).real


_ADAPTIVE = {"hidden_dim": 4, "sequence_length": 8, "spectral_dropout_p": 0.5, "activation": "tanh"}


def _adaptive_dropout(component, label, length, b=2):
    """spectrans raises in training mode with spectral_dropout_p > 0 (Dropout2d on a complex tensor)."""
    gen = _gen(label)
    module = _gf_module(component, gen, _ADAPTIVE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's "2-D input to dropout2d" deprecation warning
        cmp = compare(module, x=_draw(gen, (b, length, 4)), training=True, seed=3, label=label)
    return _raises(cmp, "NotImplementedError")


def _adaptive_dropout_math(component, label, length, b=2):
    """specref drops filter entries: compared with that math in torch, with the same mask."""
    import torch  # peer-only

    gen = _gen(label.removesuffix(" vs torch math"))
    module = _gf_module(component, gen, _ADAPTIVE)
    x = _draw(gen, (b, length, 4))
    mask = gen.random((length, 4)) >= _ADAPTIVE["spectral_dropout_p"]
    sd = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}

    @_torch_math
    def adaptive_filter_math(xt, filter_real, filter_imag):
        return gf_torch_math(xt, filter_real, filter_imag, activation="tanh", seq_len=8, spectral_mask=mask,
                             ps=_ADAPTIVE["spectral_dropout_p"])

    cmp = compare(adaptive_filter_math, component, x=x, params=sd, config=_ADAPTIVE, training=True,
                  masks={"spectral_dropout": mask}, framework="torch", seed=3, label=label)
    # The torch math equals spectrans where spectrans runs (eval mode, the mask all True): the same kind of
    # ops, within the derived forward bound.
    y_eval = module.eval()(torch.tensor(x)).detach().numpy()
    with torch.no_grad():
        y_math = gf_torch_math(torch.tensor(x), torch.tensor(sd["filter_real"]), torch.tensor(sd["filter_imag"]),
                               activation="tanh", seq_len=8, spectral_mask=np.ones((length, 4), bool), ps=0.0).numpy()
    err, bound = _normwise(y_math, y_eval), cmp.tensor("output").bound.value
    return with_check(cmp, "the torch math equals spectrans in eval mode", err <= bound, err, bound)


def _regularization(component, label, rho=0.37, dl=1.7):
    """get_regularization_loss and its gradient (for the cotangent dl) against spectrans's (autograd)."""
    import spectrans.layers.mixing.global_filter as sg  # peer-only

    from specref.layers.mixing import AdaptiveGlobalFilter

    config = {"hidden_dim": 5, "sequence_length": 9, "filter_regularization": rho}
    module = sg.AdaptiveGlobalFilter(**config).double()
    random_params(module, _gen(label))
    loss = module.get_regularization_loss()
    (dl * loss).backward()  # peer-only
    layer = AdaptiveGlobalFilter.from_state_dict({k: v.detach().numpy() for k, v in module.state_dict().items()},
                                                 **config)
    ours, grads = np.asarray(layer.get_regularization_loss()), layer.get_regularization_loss_vjp(dl)
    terms = 2 * 9 * 5
    # The sum of 2 N D squares: pairwise summation <= (log2 m + 1) eps relative per side, plus spectrans's
    # norm()**2 (a square root, then a square: 2 more roundings): 2 (log2 m + 4) eps.
    fwd = Bound(2 * (math.log2(terms) + 4) * EPS["float64"],
                f"2 (log2 {terms} + 4) eps: sums of {terms} squares, spectrans's sqrt and square")
    grad = Bound(2 * 2 * EPS["float64"], "2 rho dl W: 2 roundings a side")

    def tensor(name, peer, spec, bound):
        rep = error_report(np.asarray(peer), np.asarray(spec))
        return TensorComparison(name, float(rep.normwise), tuple(rep.index), rep.actual, rep.expected, bound)

    tensors = [tensor("output", loss.detach().numpy(), ours, fwd)]
    tensors += [tensor(f"grad {k}", p.grad.numpy(), grads[k], grad) for k, p in module.named_parameters()]
    return Comparison("spectrans.AdaptiveGlobalFilter.get_regularization_loss", component, config, "float64",
                      tuple(tensors), notes=(f"the loss value and its gradient for the cotangent {dl}",), label=label)


def _gf_cases() -> list[SuiteCase]:
    out = [_case(name, _gf_label(seq_len, length, cfg, p), _global_filter, seq_len, length, cfg, p)
           for name, seq_len, length, cfg, p in _gf_grid()]
    for length in (8, 7, 12):
        label = f"N8-L{length}-spectral_dropout_p=0.5-train"
        out += [_case("AdaptiveGlobalFilter", label, _adaptive_dropout, length),
                _case("AdaptiveGlobalFilter", label + " vs torch math", _adaptive_dropout_math, length)]
    out.append(_case("AdaptiveGlobalFilter", "N9-D5-get_regularization_loss", _regularization))
    return out


# ----------------------------------------------------------------------------------------------------------
# AFNO


def _afno_configs():
    """(config, batch, length): odd and even lengths, L = N and L < N, clamped and default modes."""
    out = []
    for act in AFNO_ACTIVATIONS:
        cfg = {"hidden_dim": 8, "max_sequence_length": 16, "modes_seq": 4, "modes_hidden": 3, "activation": act}
        out += [(cfg, 2, 16), (cfg, 2, 11)]
    out.append(({"hidden_dim": 6, "max_sequence_length": 10}, 3, 10))  # default modes N//2, D//2
    out.append(({"hidden_dim": 6, "max_sequence_length": 10}, 3, 7))
    # modes clamped to N and D//2 + 1, odd D and N
    out.append(({"hidden_dim": 5, "max_sequence_length": 9, "modes_seq": 20, "modes_hidden": 9, "mlp_ratio": 1.5},
                2, 8))
    out.append(({"hidden_dim": 7, "max_sequence_length": 12, "modes_seq": 5, "modes_hidden": 2, "mlp_ratio": 0.5,
                 "activation": "tanh"}, 1, 12))
    return out


_AFNO_SHORT = {"hidden_dim": "D", "max_sequence_length": "N", "modes_seq": "ms", "modes_hidden": "mh",
               "mlp_ratio": "r", "activation": ""}


def _afno_label(cfg, b, length) -> str:
    return "-".join(f"{_AFNO_SHORT[k]}{cfg[k]}" for k in _AFNO_SHORT if k in cfg) + f"-B{b}-L{length}"


def _afno_module(cfg: dict, gen, dropout: float = 0.0):
    """spectrans's AFNOMixing (float32) with random params: the fourier weight O(1) (its init 1/(ms mh) would
    make the branch tiny), MLP weights scaled like xavier (1/sqrt(fan_in)), biases and the layer norm's affine
    map non-trivial."""
    import spectrans.layers.mixing.afno as sa  # peer-only
    import torch  # peer-only

    torch.manual_seed(0)
    module = sa.AFNOMixing(**cfg, dropout=dropout)
    scales = {"fourier_weight": 1.0, "mlp.0.weight": 1 / math.sqrt(2 * module.modes_seq * module.modes_hidden),
              "mlp.3.weight": 1 / math.sqrt(module.mlp[0].out_features), "bias": 0.3, "norm.weight": 0.2,
              "_offset": {"norm.weight": 1.0}}
    random_params(module, gen, scales)
    return module


def _specref_afno(module, config, dtype=None):
    from specref.layers.mixing import AFNOMixing

    sd = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    return AFNOMixing.from_state_dict(sd, dtype=dtype, **config)


def _afno(component, label, cfg, b, length, p):
    """float32 against spectrans (which computes in float32 whatever the input), with the derived bound."""
    gen = _gen(label)
    module = _afno_module(cfg, gen, p)
    x = _draw(gen, (b, length, cfg["hidden_dim"])).astype(np.float32)
    cmp = compare(module, x=x, training=p > 0, seed=5, label=label)
    y = _specref_afno(module, {**cfg, "dropout": p}).forward(x)[0]
    return with_check(cmp, f"specref computes float32 in float32 (its output: {y.dtype})", y.dtype == np.float32)


def afno_torch_math(xt, *, n_max: int, ms: int, mh: int, activation: str, masks=None, p=0.0, **params):
    """spectrans's AFNOMixing forward written in torch in the input's precision (spectrans forces float32)."""
    import torch  # peer-only

    fn = torch.nn.functional
    act = {"gelu": fn.gelu, "relu": torch.relu, "silu": fn.silu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
           "identity": lambda v: v}[activation]
    b, length, d = xt.shape
    u = fn.layer_norm(xt, (d,), params["norm.weight"], params["norm.bias"], eps=1e-5)
    u = fn.pad(u, (0, 0, 0, n_max - length))
    spec = torch.fft.rfft2(u, dim=(1, 2), norm="ortho")
    v = torch.view_as_real(spec[:, :ms, :mh] * torch.view_as_complex(params["fourier_weight"])).reshape(b, -1)
    h = act(fn.linear(v, params["mlp.0.weight"], params["mlp.0.bias"]))
    if masks and "mlp.2" in masks:
        h = h * torch.as_tensor(masks["mlp.2"]) / (1 - p)
    o = fn.linear(h, params["mlp.3.weight"], params["mlp.3.bias"])
    if masks and "mlp.4" in masks:
        o = o * torch.as_tensor(masks["mlp.4"]) / (1 - p)
    full = torch.zeros((b, n_max, d // 2 + 1), dtype=spec.dtype)
    full[:, :ms, :mh] = torch.view_as_complex(o.reshape(b, ms, mh, 2))
    return xt + torch.fft.irfft2(full, s=(n_max, d), dim=(1, 2), norm="ortho")[:, :length, :]


def _afno_math(component, label, cfg, b, length, p):
    """float64: specref against spectrans's AFNO math written in torch in float64 (spectrans itself cannot
    run float64). The torch math is first checked against spectrans in float32: the same float32 ops in the
    same order (rounding differences from kernel choices only), within half the derived float32 bounds (one
    side's c eps32)."""
    from specref.compare.frameworks import run_peer

    gen = _gen(label.removesuffix("-float64 vs torch math"))
    module = _afno_module(cfg, gen, p)
    x32 = _draw(gen, (b, length, cfg["hidden_dim"])).astype(np.float32)
    dy32 = _draw(gen, x32.shape).astype(np.float32)
    spectrans_run = run_peer("torch", module, (x32,), dy32, training=p > 0, seed=5,
                             dropouts={"mlp.2": module.mlp[2], "mlp.4": module.mlp[4]},
                             relu_before={"mlp.2": cfg.get("activation") == "relu"})
    masks = spectrans_run.masks

    @_torch_math
    def afno_math(xt, **params):
        return afno_torch_math(xt, n_max=module.max_sequence_length, ms=module.modes_seq, mh=module.modes_hidden,
                               activation=cfg.get("activation", "gelu"), masks=masks, p=p, **params)

    sd = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    same = run_peer("torch", afno_math, (x32,), dy32, params=sd)
    config = {**cfg, "dropout": p}
    fwd32, grad32 = afno_bounds(_specref_afno(module, config), x32.shape, EPS["float32"])
    fwd_err = _normwise(same.output, spectrans_run.output)
    grad_err = max([_normwise(a, b) for a, b in zip(same.input_grads, spectrans_run.input_grads, strict=True)]
                   + [_normwise(same.param_grads[k], spectrans_run.param_grads[k]) for k in sd])
    sd64 = {k: v.astype(np.float64) for k, v in sd.items()}
    cmp = compare(afno_math, component, x=x32.astype(np.float64), params=sd64, config=config, training=p > 0,
                  masks=masks, framework="torch", seed=5, label=label)
    cmp = with_check(cmp, "the torch math equals spectrans in float32 (output)", fwd_err <= fwd32.value / 2, fwd_err,
                     fwd32.value / 2)
    return with_check(cmp, "the torch math equals spectrans in float32 (gradients)", grad_err <= grad32.value / 2,
                      grad_err, grad32.value / 2)


def _afno_float64_input(component, label, cfg, b, length):
    """spectrans casts float64 input to float32 (its float64 output is float32 arithmetic; float32-accurate,
    so within the float32 bounds) and a .double() module raises; specref computes in float64."""
    import torch  # peer-only

    gen = _gen(label)
    module = _afno_module(cfg, gen)
    x = _draw(gen, (b, length, cfg["hidden_dim"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionWarning)  # the note says it
        cmp = compare(module, x=x, seed=5, label=label)
    cmp = with_check(cmp, "spectrans's float64 output is float32-accurate (within the float32 bounds)", cmp.passed)
    sd = {k: v.detach().numpy().astype(np.float64) for k, v in module.state_dict().items()}
    layer = _specref_afno(module, cfg, dtype="float64")
    with torch.no_grad():
        truth = afno_torch_math(torch.tensor(x), n_max=module.max_sequence_length, ms=module.modes_seq,
                                mh=module.modes_hidden, activation=cfg["activation"],
                                **{k: torch.tensor(v) for k, v in sd.items()}).numpy()
        y_spectrans = module.eval()(torch.tensor(x)).numpy()
    fwd64 = afno_bounds(layer, x.shape, EPS["float64"])[0].value
    err_spectrans, err_ours = _normwise(y_spectrans, truth), _normwise(np.asarray(layer.forward(x)[0]), truth)
    cmp = with_check(cmp, "spectrans's float64 output is float32 arithmetic: over 10 x the float64 bound from the "
                     "float64 truth (eps32 = 2^29 eps64)", err_spectrans > 10 * fwd64, err_spectrans, 10 * fwd64)
    cmp = with_check(cmp, "specref's float64 output is within the float64 bound of the float64 truth",
                     err_ours <= fwd64, err_ours, fwd64)
    try:
        module.double()(torch.tensor(x))
        raised = False
    except RuntimeError:
        raised = True
    return with_check(cmp, "a .double() spectrans module raises RuntimeError on float64 input", raised)


def _afno_cases() -> list[SuiteCase]:
    configs = _afno_configs()
    out = [_case("AFNOMixing", _afno_label(*item), _afno, *item, 0.0) for item in configs]
    item = ({"hidden_dim": 8, "max_sequence_length": 16, "modes_seq": 4, "modes_hidden": 3, "activation": "gelu"}, 2)
    out += [_case("AFNOMixing", _afno_label(*item, length) + "-train_p0.3", _afno, *item, length, 0.3)
            for length in (16, 11)]
    for item in configs[::2] + configs[1:2]:
        for p in (0.0, 0.3):
            label = _afno_label(*item) + ("-train_p0.3" if p else "") + "-float64 vs torch math"
            out.append(_case("AFNOMixing", label, _afno_math, *item, p))
    out.append(_case("AFNOMixing", _afno_label(*configs[0]) + "-float64 input", _afno_float64_input, *configs[0]))
    return out


def cases() -> list[SuiteCase]:
    """Every mixing-layer case of the spectrans suite."""
    return _fourier_cases() + _gf_cases() + _afno_cases()
