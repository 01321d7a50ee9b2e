r"""The spectrans wavelet-mixing suite: WaveletMixing and WaveletMixing2D in every mode against spectrans 0.1.0.

Each case builds the spectrans module in float64, gives its parameters random N(0, 1) values (not the
initialisation: ones, identities and zero biases would hide whole terms of the gradients;
:func:`~specref.compare.suites.spectrans_mixing.random_params`), replaces its float32 filter buffers by pywt's
float64 taps (:func:`specref.compare.spectrans.exact_wavelet_filters`), so both sides compute the same float64
math, draws the input from a seed fixed by the label, and calls :func:`specref.compare.compare`: the config is
read off the module, the ``state_dict`` loaded, the output and every gradient compared against the derived
bounds (:func:`specref.compare.bounds.wavelet_bounds`).

- ``WaveletMixing``: every ``mixing_mode``, odd and even N, the wavelets db1, db2, db4, sym3, coif1, levels 1 to
  3 (every level's input at least F - 1 samples long, where spectrans's extension is pywt's), eval and train
  (levels above pywt's ``dwt_max_level`` included: specref's warning saying so is silenced here).
  In training, pointwise and channel modes run with dropout 0.3, their ``"dropout"`` mask read back and
  injected. The level mode trains with dropout 0: its attention-weight dropout (``level_mixer.dropout``) is
  applied functionally inside ``nn.MultiheadAttention`` and cannot be read back.
- ``WaveletMixing2D``: every mode on 8 x 8 and 7 x 9 images, db1 and db2, J = 1, 2, eval and train. Subband
  mode in eval uses random running statistics; in training it uses batch statistics, and a check compares
  specref's ``ctx.new_buffers`` with spectrans's ``running_mean``/``running_var``/``num_batches_tracked`` after
  one forward (spectrans's loop over channels updates them C times). Attention mode: spectrans never calls its
  encoder (``spectrans_wavelet2d_attention_unused``): the spectrans case reports the slug and checks that
  spectrans returns ``x + IDWT2(DWT2 x)``; ``encoder="spectrans_identity"`` must pass against spectrans; the
  documented encoder is compared (``"... vs torch math"``) with spectrans's ``subband_attention`` written out
  in torch ops with its parameters, applied to the flattened subbands. In training mode the LL convolution's
  bias has an exactly zero gradient (the batch norm removes it): that tensor is measured against the scale of
  the terms whose sum cancels (``_cancelled_bias``).
- Known differences of the filters (``spectrans_dwt_float32_filters``): spectrans with its float32 buffers
  (the comparison reports the slug; a check confirms the error is float32-filter-sized), and a sequence that a
  level leaves shorter than F - 2 (spectrans's symmetric extension is not pywt's where its filters read).

torch and spectrans are imported inside the run functions only.
"""

from __future__ import annotations

import copy
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import replace
from functools import partial

import numpy as np

from specref.compare.api import compare
from specref.compare.bounds import EPS
from specref.compare.mapping import SameNames
from specref.compare.result import TensorComparison
from specref.compare.suites import SuiteCase, one_torch_thread
from specref.compare.suites.spectrans_mixing import _draw, _gen, _normwise, random_params, with_check

__all__ = ["cases"]

MODES_1D = ("pointwise", "channel", "level")
MODES_2D = ("subband", "cross", "attention")
# (wavelet, levels, (B, N, D)): odd and even N; every level's input >= F - 1 samples (db4: 7, sym3/coif1: 5)
GRID_1D = (
    ("db1", 1, (2, 8, 3)),
    ("db1", 3, (2, 13, 2)),
    ("db2", 2, (2, 16, 3)),
    ("db2", 3, (3, 11, 2)),
    ("db4", 3, (2, 32, 3)),
    ("db4", 2, (2, 21, 2)),
    ("sym3", 2, (2, 17, 3)),
    ("coif1", 3, (1, 24, 2)),
)
# (wavelet, levels, (B, C, H, W))
GRID_2D = (
    ("db1", 1, (2, 2, 8, 8)),
    ("db2", 2, (2, 2, 8, 8)),
    ("db2", 1, (2, 3, 7, 9)),
    ("db1", 2, (3, 2, 7, 9)),
)
MATH = " vs torch math"


def _quietly(run, *args):
    with _deep_levels_quiet():
        return run(*args)


def _case(component: str, label: str, run, *args) -> SuiteCase:
    return SuiteCase("spectrans", component, label,
                     partial(one_torch_thread, _quietly, run, component, label, *args))


def _label(wavelet, levels, shape, mode, extra="") -> str:
    return "-".join(["x".join(map(str, shape)), wavelet, f"J{levels}", mode] + ([extra] if extra else []))


@contextmanager
def _deep_levels_quiet():
    """Small inputs take levels above pywt's ``dwt_max_level`` on purpose: silence the warnings that say so
    (specref's layers and pywt's ``wavedec``/``wavedec2``), nothing else."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*above the maximum level", category=UserWarning)
        warnings.filterwarnings("ignore", message="Level value of", category=UserWarning)
        yield


def _module(component: str, gen, *, exact: bool = True, **config):
    """The spectrans module in float64 with random N(0, 1) parameters and (``exact``) pywt's float64 filters."""
    import spectrans.layers.mixing.wavelet as sw  # peer-only
    import torch  # peer-only

    from specref.compare.spectrans import exact_wavelet_filters

    torch.manual_seed(0)
    with warnings.catch_warnings():  # the attention mode's TransformerEncoder warns about nested tensors
        warnings.simplefilter("ignore", UserWarning)
        module = getattr(sw, component)(**config).double()
    # The LL batch norm's affine map near (1, 0): the ReLU after it then passes about half of its inputs (an
    # N(0, 1) weight and bias can switch it off for a whole small band, hiding the LL mixer's gradients).
    random_params(module, gen, {"ll_mixer.1.weight": 0.3, "ll_mixer.1.bias": 0.3,
                                "_offset": {"ll_mixer.1.weight": 1.0}})
    if exact:
        exact_wavelet_filters(module)
    return module


# ----------------------------------------------------------------------------------------------------------
# WaveletMixing


def _wavelet_1d(component, label, wavelet, levels, shape, mode, p, training):
    gen = _gen(label)
    module = _module(component, gen, hidden_dim=shape[-1], wavelet=wavelet, levels=levels, mixing_mode=mode,
                     dropout=p)
    return compare(module, x=_draw(gen, shape), training=training, seed=7, label=label)


def _float32_filters(component, label, wavelet="db4", levels=2, shape=(2, 21, 3), mode="pointwise"):
    """spectrans's own float32 filter buffers in a float64 module: the float64 comparison reports
    ``spectrans_dwt_float32_filters``; the error is float32-filter-sized (over 1e3 float64 bounds, under
    100 eps32), and with the exact taps the same module passes."""
    from specref.compare.spectrans import exact_wavelet_filters

    gen = _gen(label)
    module = _module(component, gen, exact=False, hidden_dim=shape[-1], wavelet=wavelet, levels=levels,
                     mixing_mode=mode)
    x = _draw(gen, shape)
    cmp = compare(module, x=x, seed=7, label=label)
    exact_wavelet_filters(module)
    exact = compare(module, x=x, seed=7, label=label)
    out = cmp.tensor("output")
    low, high = 1e3 * out.bound.value, 100 * EPS["float32"]
    cmp = with_check(cmp, "spectrans with its float32 filters differs by a float32-rounding-sized error "
                     f"(between {low:.1e} and {high:.1e})", low < out.error < high, out.error, high)
    return with_check(cmp, "with pywt's float64 taps the same module passes", exact.passed and not exact.known)


def _short_signal(component, label, wavelet="db4", levels=1, shape=(2, 5, 3), mode="pointwise"):
    """N = 5 < F - 2 = 6 (db4): spectrans's turning-walk extension is not pywt's symmetric extension in the
    samples its filters read, so the outputs differ by ~1e-2 relative; the comparison reports
    ``spectrans_dwt_float32_filters``."""
    gen = _gen(label)
    module = _module(component, gen, hidden_dim=shape[-1], wavelet=wavelet, levels=levels, mixing_mode=mode)
    cmp = compare(module, x=_draw(gen, shape), seed=7, label=label)
    err = cmp.tensor("output").error
    return with_check(cmp, "spectrans's output differs from pywt's DWT by more than 1e-3 (relative)", err > 1e-3,
                      err, 1e-3)


def _cases_1d() -> list[SuiteCase]:
    out = []
    for mode in MODES_1D:
        for wavelet, levels, shape in GRID_1D:
            out.append(_case("WaveletMixing", _label(wavelet, levels, shape, mode), _wavelet_1d, wavelet, levels,
                             shape, mode, 0.0, False))
        for wavelet, levels, shape in GRID_1D[2::3]:
            if mode == "level":  # the attention-weight dropout cannot be read back: train with p = 0
                extra, p = "train_p0-attention_dropout_unreadable", 0.0
            else:
                extra, p = "train_p0.3", 0.3
            out.append(_case("WaveletMixing", _label(wavelet, levels, shape, mode, extra), _wavelet_1d, wavelet,
                             levels, shape, mode, p, True))
    out.append(_case("WaveletMixing", "2x21x3-db4-J2-pointwise-float32_filters", _float32_filters))
    out.append(_case("WaveletMixing", "2x5x3-db4-J1-pointwise-short_signal", _short_signal))
    return out


# ----------------------------------------------------------------------------------------------------------
# WaveletMixing2D


def _random_running_stats(module, gen) -> None:
    """Eval-mode batch norm with running statistics other than (0, 1): mean N(0, 1), variance in [0.5, 2]."""
    import torch  # peer-only

    bn = module.ll_mixer[1]
    with torch.no_grad():
        bn.running_mean.copy_(torch.from_numpy(gen.standard_normal(1)))
        bn.running_var.copy_(torch.from_numpy(gen.uniform(0.5, 2.0, 1)))


def _cancelled_bias(cmp, module, x, seed: int):
    """Training-mode batch norm subtracts the batch mean, so the LL convolution's bias has an exactly zero
    gradient: each side returns a rounding residue of the sum over the C B h w entries of dL/dz (z the
    convolution's output), and the normwise error of two residues means nothing. That tensor is compared
    instead as |peer - specref| / sum|dL/dz| (the scale of the sum's terms, read off spectrans with a hook for
    compare's own cotangent; a check confirms the rerun reproduces spectrans's value), against the same bound.
    """
    import torch  # peer-only

    name = "grad ll_mixer.0.bias"
    t = cmp.tensor(name)
    # compare's cotangent: the first draw of its generator (the inputs are given), standard normal
    dy = np.random.default_rng([seed, zlib.crc32(b"WaveletMixing2D")]).standard_normal(x.shape)
    peer = copy.deepcopy(module).train()
    peer.zero_grad(set_to_none=True)
    terms = []
    def keep_cotangent(mod, args, out):  # returns None: the output is kept as it is
        out.register_hook(terms.append)

    handle = peer.ll_mixer[0].register_forward_hook(keep_cotangent)
    try:
        (peer(torch.from_numpy(x)) * torch.from_numpy(dy)).sum().backward()  # peer-only
    finally:
        handle.remove()
    scale = sum(float(g.abs().sum()) for g in terms)
    if scale == 0:
        raise ValueError("the ReLU after the LL batch norm passes nothing: choose other parameters")
    rerun = float(peer.ll_mixer[0].bias.grad[0])
    error = abs(t.peer_value - t.specref_value) / scale
    tensors = tuple(TensorComparison(name, error, t.index, t.peer_value, t.specref_value, t.bound) if u is t else u
                    for u in cmp.tensors)
    note = (f"{name}: zero in exact arithmetic (batch norm removes the bias); compared as |difference| / "
            f"sum|dL/dz| = {abs(t.peer_value - t.specref_value):.1e} / {scale:.1e}")
    cmp = replace(cmp, tensors=tensors, notes=cmp.notes + (note,))
    return with_check(cmp, "the rerun for the scale reproduces spectrans's bias gradient", rerun == t.peer_value,
                      abs(rerun - t.peer_value))


def _running_stats_check(cmp, module, x, config):
    """One training forward of a copy of spectrans's module against specref's ``ctx.new_buffers``."""
    import torch  # peer-only

    from specref.compare.spectrans import pairing

    peer = copy.deepcopy(module).train()
    before = {k: v.detach().numpy().copy() for k, v in peer.state_dict().items()}
    with torch.no_grad():
        peer(torch.from_numpy(x))
    after = {k: v.detach().numpy() for k, v in peer.state_dict().items() if "running" in k or "num_batches" in k}
    layer = pairing(copy.deepcopy(module), (x.shape,), config=config, dtype="float64", training=True).layer
    layer = type(layer).from_state_dict(before, **config)
    _, ctx = layer.forward(x, training=True)
    new = {k: np.asarray(v) for k, v in ctx.new_buffers.items()}
    errs = [_normwise(new[k], after[k]) for k in after if "running" in k]
    counts = [int(new[k]) == int(after[k]) and np.asarray(new[k]).dtype == np.int64 for k in after
              if "num_batches" in k]
    # C sequential momentum updates, each a few roundings of a B h w-term mean or variance: 1e-13 is far above
    # (m + 8) C eps for the sizes here (m <= 3 x 5 x 5) and far below any wrong update (O(1) differences)
    holds = set(new) >= set(after) and max(errs) <= 1e-13 and all(counts)
    return with_check(cmp, "ctx.new_buffers equal spectrans's running_mean/running_var and num_batches_tracked "
                      "(int64) after one training forward", holds, max(errs), 1e-13)


def _wavelet_2d(component, label, wavelet, levels, shape, mode, training, config=None):
    gen = _gen(label.removesuffix(MATH))
    module = _module(component, gen, channels=shape[1], wavelet=wavelet, levels=levels, mixing_mode=mode)
    if mode == "subband" and not training:
        _random_running_stats(module, gen)
    x = _draw(gen, shape)
    cmp = compare(module, x=x, training=training, config=config, seed=7, label=label)
    if mode == "subband" and training:
        cmp = _cancelled_bias(cmp, module, x, seed=7)
        cmp = _running_stats_check(cmp, module, x, {"channels": shape[1], "wavelet": wavelet, "levels": levels,
                                                    "mixing_mode": mode})
    if cmp.known == "spectrans_wavelet2d_attention_unused":
        cmp = _identity_check(cmp, module, x)
    return cmp


def _identity_check(cmp, module, x):
    """spectrans's attention mode returns x + IDWT2(DWT2 x) (cropped), pywt's transforms in float64, and its
    encoder parameters get no gradient."""
    import pywt
    import torch  # peer-only

    h, w = x.shape[-2:]
    coeffs = pywt.wavedec2(x, module.wavelet, mode="symmetric", level=module.levels)
    expected = x + pywt.waverec2(coeffs, module.wavelet, mode="symmetric")[..., :h, :w]
    module.zero_grad(set_to_none=True)
    xt = torch.from_numpy(x).requires_grad_(True)
    y = module.eval()(xt)
    y.sum().backward()  # peer-only
    err = _normwise(y.detach().numpy(), expected)
    bound = cmp.tensor("output").bound.value
    cmp = with_check(cmp, "spectrans's output is x + IDWT2(DWT2 x) (pywt)", err <= bound, err, bound)
    unused = all(p.grad is None for p in module.subband_attention.parameters())
    return with_check(cmp, "spectrans's encoder parameters get no gradient (never called)", unused)


class _WithBuffers(SameNames):
    """Same names, plus the layer's buffers (pywt's filters), which a torch-math peer holds as constants."""

    name = "same names and the filter buffers"

    def __init__(self, buffers):
        super().__init__()
        self.buffers = dict(buffers)

    def to_specref(self, peer_params, input_shape):
        return {**super().to_specref(peer_params, input_shape), **self.buffers}


def _layer_norm(v, weight, bias, eps=1e-5):
    """torch's layer norm over the last axis written out (biased variance), so that autograd differentiates
    ``v - mean(v)``: over one feature exactly 0, with an exactly zero derivative (``F.layer_norm``'s backward
    leaves residues of order 1e-53 there)."""
    import torch  # peer-only

    centred = v - v.mean(-1, keepdim=True)
    return centred / torch.sqrt((centred * centred).mean(-1, keepdim=True) + eps) * weight + bias


def _encoder_layer(v, p: dict, prefix: str):
    """torch's post-norm ``TransformerEncoderLayer`` (relu, eval mode) on (batch, S, E): self-attention with
    one head, the residual and ``norm1``, the feed-forward network, the residual and ``norm2``."""
    import torch  # peer-only

    def g(name):
        return p[prefix + name]

    q, k, val = (v @ g("self_attn.in_proj_weight").T + g("self_attn.in_proj_bias")).split(v.shape[-1], dim=-1)
    weights = torch.softmax(q @ k.transpose(-2, -1) / v.shape[-1] ** 0.5, dim=-1)
    attended = (weights @ val) @ g("self_attn.out_proj.weight").T + g("self_attn.out_proj.bias")
    v = _layer_norm(v + attended, g("norm1.weight"), g("norm1.bias"))
    ff = torch.relu(v @ g("linear1.weight").T + g("linear1.bias")) @ g("linear2.weight").T + g("linear2.bias")
    return _layer_norm(v + ff, g("norm2.weight"), g("norm2.bias"))


def _attention_math(component, label, wavelet, levels, shape, mode, training, config=None):
    """specref's documented encoder against the math in torch: spectrans's ``subband_attention`` (two post-norm
    encoder layers of width 1, eval mode), written out in torch ops with its parameters, applied per channel to
    the flattened subbands (LL_J, then each level's three detail bands, finest first, as spectrans's cross mode
    orders them), spectrans's DWT2D
    around it, the residual. Its output does not depend on the subbands (a layer norm over one feature returns
    its bias), which the comparison confirms on both sides."""
    import torch  # peer-only

    gen = _gen(label.removesuffix(MATH))
    module = _module(component, gen, channels=shape[1], wavelet=wavelet, levels=levels, mixing_mode=mode).eval()
    x = _draw(gen, shape)
    dwt, layers = module.dwt, len(module.subband_attention.layers)

    def documented_encoder(xt, **params):
        b, c, h, w = xt.shape
        ll, details = dwt.decompose(xt.reshape(b * c, 1, h, w), dim=(-2, -1))
        bands = [ll] + [band for level in details for band in level]  # spectrans's order: finest level first
        seq = torch.cat([t.flatten(1) for t in bands], dim=1).unsqueeze(-1)
        for i in range(layers):
            seq = _encoder_layer(seq, params, f"subband_attention.layers.{i}.")
        out, pieces, start = seq.squeeze(-1), [], 0
        for t in bands:
            pieces.append(out[:, start:start + t[0].numel()].reshape(t.shape))
            start += t[0].numel()
        mixed = [tuple(pieces[1 + 3 * j + k] for k in range(3)) for j in range(levels)]
        rec = dwt.reconstruct((pieces[0], mixed), dim=(-2, -1))[..., :h, :w]
        return xt + rec.reshape(b, c, h, w)

    documented_encoder.__qualname__ = documented_encoder.__name__
    params = {k: v.detach().clone() for k, v in module.named_parameters()}
    buffers = {k: v.detach().numpy().copy() for k, v in module.state_dict().items() if k.startswith("dwt.")}
    cfg = {"channels": shape[1], "wavelet": wavelet, "levels": levels, "mixing_mode": mode}
    from specref.compare.bounds import wavelet_bounds
    from specref.layers.mixing.wavelet2d import WaveletMixing2D  # the class (the package may not re-export it)

    bound = wavelet_bounds(WaveletMixing2D(**cfg), shape, EPS["float64"])
    cmp = compare(documented_encoder, WaveletMixing2D, x=x, params=params, weights=_WithBuffers(buffers), config=cfg,
                  framework="torch", bound=bound, seed=7, label=label)
    with torch.no_grad():  # the torch math's encoder is spectrans's module: same output on a random sequence
        seq = torch.from_numpy(gen.standard_normal((2, 11, 1)))
        err = _normwise(module.subband_attention(seq).numpy(), _encoder_seq(seq, params, layers))
    return with_check(cmp, "the written-out encoder equals spectrans's subband_attention module", err <= 1e-15,
                      err, 1e-15)


def _encoder_seq(seq, params, layers):
    """The written-out encoder layers on a (batch, S, 1) sequence (as a NumPy array)."""
    for i in range(layers):
        seq = _encoder_layer(seq, params, f"subband_attention.layers.{i}.")
    return seq.numpy()


def _cases_2d() -> list[SuiteCase]:
    out = []
    for mode in MODES_2D:
        for wavelet, levels, shape in GRID_2D:
            base = _label(wavelet, levels, shape, mode)
            for training in (False, True):
                label = base + ("-train" if training else "")
                if not (mode == "attention" and training):  # spectrans's unused encoder: eval (and its twin)
                    out.append(_case("WaveletMixing2D", label, _wavelet_2d, wavelet, levels, shape, mode, training))
                if mode == "attention":
                    out.append(_case("WaveletMixing2D", label + "-encoder=spectrans_identity", _wavelet_2d,
                                     wavelet, levels, shape, mode, training, {"encoder": "spectrans_identity"}))
            if mode == "attention":
                out.append(_case("WaveletMixing2D", base + MATH, _attention_math, wavelet, levels, shape, mode,
                                 False))
    return out


def cases() -> list[SuiteCase]:
    """Every case of the wavelet-mixing suite."""
    return _cases_1d() + _cases_2d()
