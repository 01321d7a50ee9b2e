r"""spectrans's models (``spectrans.models``) onto :mod:`specref.models`: the configuration read off the module.

Every ``spectrans.models`` class maps onto the specref model of the same name (:data:`CLASSES`). The pairing

1. reads the constructor arguments off the module: the attributes spectrans stores under the argument's name
   (``hidden_dim``, ``num_layers``, ``max_sequence_length``, ``num_classes``, ``ffn_hidden_dim``, ``norm_eps``,
   ``output_type``, ``positional_encoding_type`` and the family's own: ``use_real_fft``, ``filter_activation``,
   ``modes_seq``, ``transform_type``, ``num_heads``, ``wavelet``, ``modes``, ``spectral_config``...),
   ``vocab_size`` from the embedding (the decoders' ``vocab_size_decoder``), ``dropout`` from the model's
   ``nn.Dropout``, ``use_positional_encoding`` from the encoding module being there (``'alibi'`` builds none);
2. builds the specref model with ``from_state_dict(module.state_dict(), **config)`` and
   ``spectrans_behaviour=True`` (spectrans's input dropout twice, ``"positional_encoding.dropout"`` then
   ``"dropout"``: finding ``spectrans_model_input_dropout``; the attention mask reaching the pooling head only:
   ``spectrans_model_attention_mask``; ``'alibi'`` as no encoding: ``spectrans_model_alibi``), the feature
   attentions with ``variant="spectrans"``, and the decoders with ``causal=False`` (spectrans stores
   ``causal=True`` and never applies it: ``spectrans_decoder_not_causal``; specref refuses the flag);
3. calls spectrans as ``module(input_ids=x)`` for integer ``x`` (B, N) and ``module(inputs_embeds=x)`` for float
   ``x`` (B, N, D); a second input is the ``attention_mask`` (bool (B, N), True = a real token), given to both.

Gradients are compared for the module's ``named_parameters()`` (the embedding's is zero on both sides when
embeddings are given) and for the input embeddings; token ids have none. In training mode every ``nn.Dropout``
with p > 0 is read back by its module path, which is specref's mask name (``"positional_encoding.dropout"``,
``"dropout"``, ``"blocks.<i>.dropout"`` and ``"...@2"`` for its second application, ``"blocks.<i>.ffn.dropout"``,
``"blocks.<i>.mixing_layer.dropout"``, ``"output_head.dropout"``...). ``nn.MultiheadAttention`` (the hybrids'
``attention``) applies its dropout functionally, so a training comparison of those blocks needs dropout 0 (the
pairing notes it otherwise).

Bounds (:func:`model_bounds`) add up the parts: each block's (:func:`specref.compare.spectrans_blocks.block_bounds`
for the pre-norm blocks, :func:`specref.compare.bounds.operator_bounds` for the FNO blocks), the input stages (the
encoding's sum and the dropouts, 4 each), the final layer norm and the head (pooling, dropout, linear map). Known
differences are the wrapped layers' (``spectrans_real_fourier_identity`` for ``RealFourierMixing``,
``spectrans_afno_float32`` for AFNO in float64, ``spectrans_dwt_float32_filters`` for wavelets with
spectrans's float32 filter buffers).
"""

from __future__ import annotations

import importlib
import math
import types
from collections.abc import Mapping

import numpy as np

from specref.compare.bounds import eps_of, layer_bounds
from specref.compare.frameworks import to_host
from specref.compare.mapping import Pairing, SameNames
from specref.testing.tolerances import Bound

__all__ = ["CLASSES", "pairing", "model_bounds", "read_model_config"]

_NAMES = ("FNet", "FNetEncoder", "GFNet", "GFNetEncoder", "AFNOModel", "AFNOEncoder", "LSTTransformer", "LSTEncoder",
          "LSTDecoder", "SpectralAttentionTransformer", "SpectralAttentionEncoder", "PerformerTransformer",
          "WaveletTransformer", "WaveletEncoder", "WaveletDecoder", "FNOTransformer", "FNOEncoder", "FNODecoder",
          "HybridTransformer", "HybridEncoder", "AlternatingTransformer")

# spectrans model class name -> the specref model (specref.models keeps spectrans's names).
CLASSES: dict[str, str] = {name: name for name in _NAMES}

_DECODERS = ("LSTDecoder", "FNODecoder")
_ATTENTION_MODELS = ("SpectralAttentionTransformer", "SpectralAttentionEncoder", "PerformerTransformer")


def _spectrans():
    return importlib.import_module("specref.compare.spectrans")


def _blocks():
    return importlib.import_module("specref.compare.spectrans_blocks")


def _is_model(module) -> bool:
    return type(module).__name__ in CLASSES and type(module).__module__.startswith("spectrans.models")


def read_model_config(module, cls) -> dict:
    """The constructor arguments of specref model ``cls`` read off the spectrans ``module`` (module docstring)."""
    import inspect

    names = [p for p in inspect.signature(cls.__init__).parameters
             if p not in ("self", "seed", "memory_limit", "spectrans_behaviour", "variant")]
    own = vars(module)
    config = {}
    for name in names:
        if name == "vocab_size":
            emb = getattr(module, "embedding", None)
            config[name] = own.get("vocab_size_decoder") or (None if emb is None else int(emb.num_embeddings))
        elif name == "dropout":
            config[name] = float(module.dropout.p)
        elif name == "use_positional_encoding":
            config[name] = module.positional_encoding is not None or module.positional_encoding_type == "alibi"
        elif name in own and isinstance(own[name], (bool, int, float, str, dict, type(None))):
            config[name] = dict(own[name]) if isinstance(own[name], dict) else own[name]
    if "causal" in config:
        config["causal"] = False  # spectrans never applies it (spectrans_decoder_not_causal); specref refuses it
    if type(module).__name__ in _ATTENTION_MODELS:
        config["variant"] = "spectrans"  # the features from spectrans's buffers
    return config


def _mixing(block):
    """A spectrans block's wrapped layer (None for the operators' FNOBlock, which is the layer itself)."""
    return getattr(block, "mixing_layer", None)


def _known(module, precision: str, training: bool, shape) -> str:
    """The wrapped layers' known difference (the first one met), as the layers' pairings name it."""
    st = _spectrans()
    for block in module.blocks:
        leaf = _mixing(block)
        if leaf is None or not st._is_mixing(leaf):
            continue
        name = type(leaf).__name__
        cfg = st.read_config(leaf, st._layer(st.CLASSES[name]))
        known = st._known_mixing(leaf, name, cfg, precision, training, shape)
        if known:
            return known
    return ""


def _relu_before(module) -> dict:
    """The dropouts whose input can hold exact zeros through which no gradient passes (their bits are moot):
    the model's input dropout after the encoding's (spectrans's double dropout), each block's first ``dropout``
    after a wrapped layer whose output can be 0 (:func:`specref.compare.spectrans_blocks._zeros_out`), the
    FNO blocks' and AFNO's after a ReLU."""
    out = {"dropout": float(getattr(getattr(module.positional_encoding, "dropout", None), "p", 0.0)) > 0}
    for i, block in enumerate(module.blocks):
        leaf = _mixing(block)
        if leaf is None:  # the operators' FNOBlock: its FNO and FFN follow the activation
            relu = type(block.fno.activation).__name__ == "ReLU"
            out.update({f"blocks.{i}.dropout": relu, f"blocks.{i}.ffn.2": relu})
            continue
        if _spectrans()._is_mixing(leaf):
            out[f"blocks.{i}.dropout"] = _blocks()._zeros_out(leaf)
        if type(leaf).__name__ == "AFNOMixing":
            out[f"blocks.{i}.mixing_layer.mlp.2"] = type(leaf.mlp[1]).__name__ == "ReLU"
    return out


def _model_class(name: str):
    import specref.models as models

    return getattr(models, CLASSES[name])


# ----------------------------------------------------------------------------------------------------------
# bounds


def _block_constants(block, shape: tuple, precision: str, kappa: float) -> tuple[float, float, str]:
    """``(c_fwd, c_grad, what)`` of one specref block: its bound divided by :math:`2\\epsilon`."""
    eps = eps_of(precision)
    if type(block).__name__ == "FNOBlock":
        fwd, grad = layer_bounds(block, shape, precision)
    else:
        fwd, grad = _blocks().block_bounds(block, shape, precision, kappa)
    return fwd.value / (2 * eps), grad.value / (2 * eps), type(block).__name__


def model_bounds(model, input_shape: tuple, precision: str, kappa: float = 1.0) -> tuple[Bound, Bound]:
    r"""(forward, gradient) bounds of a specref model, :math:`2c\epsilon`, from its parts.

    c_fwd = the blocks' c_fwd (:func:`_block_constants`, each at the (B, N, D) hidden states) + c_own, with
    c_own: the encoding's sum (sinusoidal, learned) or rotation (rotary: a product and a sum) 4 and each input
    dropout's scale 4 (two in spectrans's order), the final layer norm :math:`2(\log_2 D + 1) + 4`, the head:
    pooling (mean: a sum of N terms and the division, N + 5; cls: exact), its dropout 4 and linear map D + 1 (a
    top-level ``lm_head``: D + 1). c_grad = the blocks' c_grad + 2 c_own (the adjoints on the cotangent and on
    the stored values) + the longest sum forming a parameter gradient outside the blocks + 1: the B N positions
    (the final norm, a sequence head, the embedding's scatter-add of a token's rows), the B samples of a pooled
    head.
    """
    shape = tuple(input_shape)
    d = model.hidden_dim
    hidden = shape + (d,) if len(shape) == 2 else shape
    positions = math.prod(hidden[:-1])
    eps = eps_of(precision)
    blocks = [_block_constants(model._child(f"blocks.{i}"), hidden, precision, kappa)
              for i in range(model.num_layers)]
    c_in = (4.0 if model.pe_type != "none" else 0.0) + 4.0 * sum(1 for n in model.dropout_names
                                                                 if n in ("dropout", "positional_encoding.dropout"))
    c_ln = 2 * (math.log2(d) + 1) + 4  # the final layer norm: mean and variance sums of D terms, sqrt, division
    kind, c_head = model._head_kind, 0.0
    if kind == "lm_top":
        c_head = d + 1.0  # the top-level lm_head: inner products of D terms
    elif kind is not None:
        head = model._child("output_head")
        pooling = getattr(head, "pooling", "none")
        c_pool = {"mean": hidden[-2] + 5.0, "max": 0.0, "cls": 0.0}.get(pooling, 0.0)  # a sum of N terms, division
        c_head = c_pool + 4.0 + d + 1.0  # the dropout's scale and the linear map's D-term inner products
    c_own = c_in + c_ln + c_head
    c_fwd = sum(b[0] for b in blocks) + c_own
    reduction = positions
    c_grad = sum(b[1] for b in blocks) + 2 * c_own + reduction + 1
    parts = " + ".join(f"{b[2]} {b[0]:.0f}/{b[1]:.0f}" for b in blocks)
    reason = (f"blocks {parts} (fwd/grad); input {c_in:.0f}, final LN {c_ln:.0f}, head {c_head:.0f}: c_own "
              f"{c_own:.0f}; reductions of {reduction} terms")
    return (Bound(2 * c_fwd * eps, f"2 c_fwd eps, c_fwd = {c_fwd:.0f} ({reason}); eps = {eps:.3g}"),
            Bound(2 * c_grad * eps, f"2 c_grad eps, c_grad = blocks + 2 c_own + {reduction} + 1 = {c_grad:.0f} "
                                    f"({reason}); eps = {eps:.3g}"))


# ----------------------------------------------------------------------------------------------------------
# the pairing


def _peer_call(module):
    """spectrans's forward on specref's inputs: ids or embeddings, then an optional attention mask."""

    def forward(self, x, attention_mask=None):
        if x.is_floating_point():
            return self(inputs_embeds=x, attention_mask=attention_mask)
        return self(input_ids=x, attention_mask=attention_mask)

    return types.MethodType(forward, module)


def _default_shape(model) -> tuple:
    """Embeddings (2, N, D), N = min(8, N_max), when no input is given (every model takes them)."""
    return (2, min(8, model.max_sequence_length), model.hidden_dim)


def pairing(peer, input_shapes, *, component=None, config: Mapping | None = None, dtype=None,
            training: bool = False) -> Pairing:
    """The pairing of a spectrans model with the specref model of its name (``component`` must agree).

    ``config`` overrides the arguments read off the module. A float32 module (spectrans's AFNO) given token ids
    is compared in float32 (ids carry no precision). Raises ``ValueError`` for a class without a mapping or
    another ``component``.
    """
    module = getattr(peer, "__self__", peer)
    name = type(module).__name__
    if not _is_model(module):
        raise ValueError(f"no specref mapping for spectrans.{name}; mapped models: {sorted(CLASSES)}")
    cls = _model_class(name)
    if component is not None:
        target = _model_class(component) if isinstance(component, str) and component in CLASSES else component
        target = target if isinstance(target, (type, str)) else type(target)
        if target is not cls:
            raise ValueError(f"spectrans.{name} maps onto specref.models.{cls.__name__}, not {target}")
    cfg = {**read_model_config(module, cls), **dict(config or {})}
    state = {k: to_host(v) for k, v in module.state_dict().items()}
    holds32 = any(to_host(p).dtype == np.float32 for p in module.parameters())
    ids = bool(input_shapes) and len(input_shapes[0]) == 2
    if holds32 and (ids or not input_shapes):
        dtype = "float32"
    trainable = [k for k, _ in module.named_parameters()]
    return _build(module, cls, cfg, state, trainable, input_shapes, dtype, training)


def _build(module, cls, cfg, state, trainable, input_shapes, dtype, training):
    from specref.compare.spectrans_blocks import _kappa

    model = cls.from_state_dict(state, dtype=dtype, spectrans_behaviour=True, **cfg)
    shape = tuple(input_shapes[0]) if input_shapes else _default_shape(model)
    last = {}

    def forward(inputs, training_, masks):
        mask = inputs[1] if len(inputs) > 1 else None
        y, ctx = model.forward(inputs[0], attention_mask=mask, training=training_, masks=masks or None)
        last["ctx"] = ctx
        return y, ctx

    def backward(ctx, dy):
        dx, grads = model.backward(ctx, dy)
        return (dx, None), {k: np.asarray(grads[k]) for k in trainable}

    def bounds(shapes, precision):
        return model_bounds(model, shapes[0], precision, _kappa(last.get("ctx")))

    def rebuild(new_params):
        return _build(module, cls, cfg, {**state, **dict(new_params)}, trainable, input_shapes, dtype, training)

    precision = dtype or "float64"
    hidden = shape + (model.hidden_dim,) if len(shape) == 2 else shape
    notes = ["spectrans_behaviour=True: spectrans's input dropout twice (spectrans_model_input_dropout), the "
             "attention mask to the pooling head only (spectrans_model_attention_mask)"]
    if getattr(module, "causal", False):
        notes.append("spectrans stores causal=True and never applies it (spectrans_decoder_not_causal): compared "
                     "with specref's causal=False")
    if module.positional_encoding_type == "alibi":
        notes.append("positional_encoding_type='alibi' builds no encoding in spectrans (spectrans_model_alibi): "
                     "compared with spectrans_behaviour's 'none'")
    dropouts = {path: m for path, m in module.named_modules()
                if type(m).__name__ == "Dropout" and float(m.p) > 0}
    functional = [path for path, m in module.named_modules()
                  if type(m).__name__ == "MultiheadAttention" and float(m.dropout) > 0]
    if training and functional:
        notes.append(f"{', '.join(functional)}: nn.MultiheadAttention applies its dropout functionally, so its "
                     "masks cannot be read back: compare these blocks in training with dropout=0")
    known = _known(module, precision, training, hidden)
    return Pairing(cls.__name__, {**cfg, "spectrans_behaviour": True}, forward, backward, bounds,
                   weight_map=SameNames(), peer_params=dict(state), peer_call=_peer_call(module), dropouts=dropouts,
                   relu_before=_relu_before(module), known=known, notes=notes, default_input_shapes=(shape,),
                   input_complex=(False,), spectral_axes=(-2,) if model._head_kind in (None, "lm_top", "sequence",
                                                                                      "lm") else (),
                   rebuild=rebuild, layer=model)
