r"""torch.nn.TransformerEncoderLayer / TransformerEncoder and spectrans's FeedForwardNetwork against specref.

:func:`cases` (peer torch): ``nn.TransformerEncoderLayer(batch_first=True)`` in post-norm and pre-norm, relu and
gelu, with and without a ``src_key_padding_mask``, and ``nn.TransformerEncoder(layer, num_layers=2)`` with and
without a final ``nn.LayerNorm``, against :class:`~specref.layers.attention.transformer.TransformerEncoderLayer`
and :class:`~specref.layers.attention.transformer.TransformerEncoder`, float64: the output and the autograd
gradients of the input and of every parameter (torch's names are specref's), in eval mode and in training mode
with dropout 0.0 (torch applies the attention-weight dropout inside ``F.multi_head_attention_forward``, where no
hook can read its mask back, so a training-mode comparison with dropout > 0 cannot reproduce torch's draw; the
dropouts themselves are checked by specref's verify cases with injected masks). Every torch parameter is
redrawn first (weights :math:`N(0, 1/\text{fan\_in})`, biases :math:`N(0, 1/4)`, norm weights
:math:`1 + N(0, 1/4)`), so the encoder's layers differ and no bias is 0.

Autograd forces torch's regular path. In eval mode without autograd torch takes its fused fast path
(``torch._transformer_encoder_layer_fwd``, for an even head count); the ``fastpath-*`` cases run torch under
``torch.no_grad()``, check that the fused kernel was called, and compare its output with specref's (output
only). The encoder is built with ``enable_nested_tensor=False``: with a padding mask its nested-tensor path
returns 0 at the padded positions (a storage choice; specref returns the regular path's values there).

:func:`spectrans_cases` (peer spectrans): spectrans's ``blocks.base.FeedForwardNetwork`` against
:class:`~specref.layers.feedforward.FeedForwardNetwork` (identical state_dict names) for each of its seven
activations in eval mode, and in training mode with dropout 0.25, its mask read back from spectrans's
``dropout`` module and injected into specref.

The padding mask is not an input of :func:`specref.compare.compare` (which pairs a layer with its one input):
each side binds it, the torch module through ``functools.partial`` of its ``forward``, specref's layer through a
subclass whose ``forward`` passes it (:func:`_bind`). Bounds: :math:`2c\epsilon` with :math:`c` the layer's
``error_scale`` (the forward), and :math:`2(2c + BL + 1)\epsilon` for the gradients (the backward's chain of
the same stages, plus the parameter gradients' sums over the B L positions).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from specref.compare.suites import SuiteCase, one_torch_thread
from specref.testing.tolerances import Bound

__all__ = ["cases", "spectrans_cases", "LAYER_POINTS", "ENCODER_POINTS", "FFN_ACTIVATIONS"]

B, L, E, H, F = 3, 5, 8, 2, 16
#: (norm_first, activation, padded) of the encoder-layer cases
LAYER_POINTS = [(nf, act, pad) for nf in (False, True) for act in ("relu", "gelu") for pad in (False, True)]
#: (norm_first, final_norm, padded) of the encoder cases (relu; num_layers = 2)
ENCODER_POINTS = [(False, False, True), (False, True, False), (True, True, True), (True, False, False)]
FFN_ACTIVATIONS = ("gelu", "relu", "silu", "tanh", "sigmoid", "elu", "leaky_relu")


def _padding() -> np.ndarray:
    """(B, L): sequence 1 has its last two positions padded, sequence 2 its last one, sequence 0 none."""
    mask = np.zeros((B, L), dtype=bool)
    mask[1, -2:] = True
    mask[2, -1] = True
    return mask


def _input(seed: int) -> np.ndarray:
    return np.random.default_rng([seed, 7]).standard_normal((B, L, E))


def _randomize(module, seed: int) -> None:
    """Redraw every parameter of a torch module in place (float64): see the module docstring."""
    import torch  # peer-only

    gen = np.random.default_rng([seed, 11])
    with torch.no_grad():
        for name, t in module.named_parameters():
            shape = tuple(t.shape)
            draw = gen.standard_normal(shape)
            if "norm" in name and name.endswith("weight"):
                draw = 1.0 + 0.5 * draw
            elif name.endswith("bias"):
                draw = 0.5 * draw
            else:
                draw = draw / math.sqrt(shape[1])
            t.copy_(torch.from_numpy(draw))


def _bind(cls, **forward_kwargs):
    """``cls`` with ``forward_kwargs`` (the padding mask) passed by every ``forward``; the class keeps its name."""
    if not forward_kwargs:
        return cls

    class Bound_(cls):
        def forward(self, src, **kw):
            return super().forward(src, **forward_kwargs, **kw)

    Bound_.__name__ = Bound_.__qualname__ = cls.__name__
    return Bound_


def _bounds(layer_like, length: int, batch: int, what: str) -> tuple[Bound, Bound]:
    eps = float(np.finfo(np.float64).eps)
    c = layer_like.error_scale(length)
    c_grad = 2.0 * c + batch * length + 1.0
    return (Bound(2.0 * c * eps, f"2 c eps, c = {c:.0f}: {what}.error_scale (each stage's claim); eps = {eps:.3g}"),
            Bound(2.0 * c_grad * eps, f"2 c_grad eps, c_grad = 2 c + B L + 1 = {c_grad:.0f} (the backward's chain "
                                      f"and the parameter gradients' sums over B L positions); eps = {eps:.3g}"))


# ----------------------------------------------------------------------------------------------------------
# torch's side


def _torch_layer(norm_first: bool, activation: str, seed: int):
    import torch  # peer-only

    torch.manual_seed(seed)
    layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, activation=activation,
                                             batch_first=True, norm_first=norm_first).double()
    _randomize(layer, seed)
    return layer


def _torch_encoder(norm_first: bool, final_norm: bool, seed: int):
    import torch  # peer-only

    torch.manual_seed(seed)
    layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, batch_first=True,
                                             norm_first=norm_first)
    norm = torch.nn.LayerNorm(E) if final_norm else None
    encoder = torch.nn.TransformerEncoder(layer, 2, norm=norm, enable_nested_tensor=False).double()
    _randomize(encoder, seed)
    return encoder


def _with_padding(module, padding, keyword: str):
    """The module, its ``forward`` bound to the padding mask (an instance attribute: ``module(x)`` calls it)."""
    import torch  # peer-only

    if padding is not None:
        module.forward = functools.partial(type(module).forward, module, **{keyword: torch.from_numpy(padding)})
    return module


def _fastpath_peer(module, padding, keyword: str):
    """A NumPy function: torch's eval-mode output under ``no_grad`` (its fused path), refusing to answer if the
    fused kernel ``torch._transformer_encoder_layer_fwd`` was not called."""

    def run(x, **_params):
        import torch  # peer-only

        calls = []
        fused = torch._transformer_encoder_layer_fwd

        def counted(*args, **kwargs):
            calls.append(1)
            return fused(*args, **kwargs)

        module.eval()
        kwargs = {} if padding is None else {keyword: torch.from_numpy(padding)}
        torch._transformer_encoder_layer_fwd = counted
        try:
            with torch.no_grad():
                y = module(torch.from_numpy(x), **kwargs)
        finally:
            torch._transformer_encoder_layer_fwd = fused
        if not calls:
            raise RuntimeError("torch did not take its fused path (torch._transformer_encoder_layer_fwd)")
        return y.numpy().copy()

    return run


# ----------------------------------------------------------------------------------------------------------
# the cases


def _layer_config(norm_first, activation):
    return {"d_model": E, "nhead": H, "dim_feedforward": F, "dropout": 0.0, "activation": activation,
            "norm_first": norm_first}


def _encoder_config(norm_first, final_norm):
    return {"num_layers": 2, "d_model": E, "nhead": H, "dim_feedforward": F, "dropout": 0.0,
            "norm_first": norm_first, "final_norm": final_norm}


def _run(kind, point, mode, seed):
    from specref.compare import compare
    from specref.layers.attention.transformer import TransformerEncoder, TransformerEncoderLayer

    if kind == "layer":
        norm_first, activation, padded = point
        module, cls, config = _torch_layer(norm_first, activation, seed), TransformerEncoderLayer, \
            _layer_config(norm_first, activation)
    else:
        norm_first, final_norm, padded = point
        module, cls, config = _torch_encoder(norm_first, final_norm, seed), TransformerEncoder, \
            _encoder_config(norm_first, final_norm)
    padding = _padding() if padded else None
    keyword = "src_key_padding_mask"  # torch's name and specref's, in the layer and the encoder
    target = _bind(cls, **({} if padding is None else {keyword: padding}))
    reference = cls(**config)
    x = _input(seed)
    bound = _bounds(reference, L, B, cls.__name__)
    label = f"{kind} {point} {mode}"
    if mode == "fastpath":
        params = {k: v.detach().numpy().copy() for k, v in module.named_parameters()}
        return compare(_fastpath_peer(module, padding, keyword), target, x=x, params=params, config=config,
                       framework="numpy", bound=bound, label=label)
    return compare(_with_padding(module, padding, keyword), target, x=x, config=config, training=mode == "train",
                   bound=bound, label=label)


def cases() -> list[SuiteCase]:
    """The encoder layer at every point of :data:`LAYER_POINTS` and the encoder at every point of
    :data:`ENCODER_POINTS`, each in eval mode, training mode (dropout 0.0) and torch's fused eval path."""
    out = []
    for kind, points in (("layer", LAYER_POINTS), ("encoder", ENCODER_POINTS)):
        component = "TransformerEncoderLayer" if kind == "layer" else "TransformerEncoder"
        for i, point in enumerate(points):
            for mode in ("eval", "train", "fastpath"):
                tag = "-".join(("pre" if point[0] else "post", str(point[1]).lower(),
                                "padded" if point[2] else "unpadded", mode))
                out.append(SuiteCase("torch", component, tag,
                                     functools.partial(one_torch_thread, _run, kind, point, mode, 100 + i)))
    return out


# ----------------------------------------------------------------------------------------------------------
# spectrans's FeedForwardNetwork


def _run_ffn(activation: str, training: bool, seed: int):
    import torch  # peer-only
    from spectrans.blocks.base import FeedForwardNetwork as SpectransFFN  # peer-only

    from specref.compare import compare
    from specref.layers.feedforward import FeedForwardNetwork

    p = 0.25 if training else 0.0
    torch.manual_seed(seed)
    ffn = SpectransFFN(E, F, activation=activation, dropout=p).double()
    _randomize(ffn, seed)
    x = np.random.default_rng([seed, 3]).standard_normal((B, L, E))
    config = {"hidden_dim": E, "ffn_hidden_dim": F, "activation": activation, "dropout": p}
    params = {k: v.detach().clone().requires_grad_(True) for k, v in ffn.named_parameters()}
    masks = {}
    ffn.train(training)
    if training:  # read the mask back: the peer run below re-seeds torch with the same seed and draws it again
        seen = {}
        handle = ffn.dropout.register_forward_hook(lambda m, i, o: seen.update(io=(i[0], o)))
        torch.manual_seed(seed)
        with torch.no_grad():
            ffn(torch.from_numpy(x))
        handle.remove()
        inp, out = (t.numpy() for t in seen["io"])
        masks = {"dropout": (out != 0) | (inp == 0)}  # an exact 0 in (relu) passes no gradient: its bit is moot

    def peer(x, **named):
        return torch.func.functional_call(ffn, named, (x,))

    # the peer is a function of (x, params) so that compare pairs it by the given class (spectrans's module
    # itself would be looked up among the spectrans mixing layers, where the FFN is not)
    reference = FeedForwardNetwork(**config)
    bound = _bounds(_ScaleOf(reference), L, B, "FeedForwardNetwork")
    label = f"ffn {activation} {'train' if training else 'eval'}"
    return compare(peer, FeedForwardNetwork, x=x, params=params, config=config, training=training, masks=masks,
                   framework="torch", seed=seed, bound=bound, label=label)


class _ScaleOf:
    """``error_scale(length)`` of a layer whose claim does not depend on the length."""

    def __init__(self, layer):
        self.layer = layer

    def error_scale(self, length):
        return self.layer.error_scale()


def spectrans_cases() -> list[SuiteCase]:
    """spectrans's FeedForwardNetwork for each activation in eval mode, and in training mode (dropout 0.25)."""
    out = []
    for i, act in enumerate(FFN_ACTIVATIONS):
        for training in (False, True):
            out.append(SuiteCase("spectrans", "FeedForwardNetwork", f"{act}-{'train' if training else 'eval'}",
                                 functools.partial(one_torch_thread, _run_ffn, act, training, 200 + i)))
    return out
