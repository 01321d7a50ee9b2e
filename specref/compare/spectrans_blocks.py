r"""spectrans's blocks (``spectrans.blocks``) onto :mod:`specref.blocks`: the wrapped layers' configs read off them.

Every ``spectrans.blocks`` class maps onto the specref block of the same name (:data:`CLASSES`;
``spectrans.blocks.FNOBlock`` is :class:`specref.blocks.FNOBlock`, not the operators' block of that name,
inventory #30). The pairing

1. reads each wrapped spectrans layer's configuration with :func:`specref.compare.spectrans.read_config` (so a
   block around any spectrans layer that specref maps works; an ``nn.Sequential`` of them becomes a
   :class:`~specref.layers.sequential.Sequential`) and builds the specref template layer;
2. reads the block's own arguments off the module (``ffn_hidden_dim`` and ``activation`` from its FFN,
   ``dropout`` from its ``nn.Dropout``, ``norm_eps`` from ``norm1``, the gate, fusion, ``share_norm`` and
   ``use_layer1`` choices) and, for the spectral blocks (which build their layer themselves), the block
   arguments that give the same wrapped layer (checked against the template's configuration);
3. builds the specref block with ``from_state_dict(module.state_dict(), **config)`` (the generic and hybrid
   blocks' ``config`` holds the template layers; ``CascadeBlock(share_norm=True)``'s alias keys are accepted).

Gradients are compared for the module's ``named_parameters()``: spectrans's unused ``norm3`` and, with a hard
gate, ``gate.*`` get ``None`` from torch (zeros in the comparison) and zeros from specref. In training mode
the masks are read back by module path: the block's ``dropout`` once per branch (``"dropout"``,
``"dropout@2"``, ...: :class:`specref.compare.frameworks._DropoutRecorder` records every application),
``"ffn.dropout"``, and each wrapped layer's own under its prefix (``"mixing_layer.dropout"``,
``"layers.0.mlp.2"``...). A hard gate runs each wrapped layer once per sample in spectrans, so a wrapped
layer's dropout is applied once per sample that selected it (``"layers.<j>.dropout"``, ``"...@2"``...);
specref runs the layer once on those samples together, so the pairing concatenates those masks in sample
order into the one mask specref's layer applies.

Bounds (:func:`block_bounds`) add up the parts: each wrapped layer's derived constants (its
:mod:`specref.compare.bounds` function; LST attention's stage constants; the feature attentions' with the
measured normaliser condition :math:`\kappa` of the last forward), the layer norms, the FFN, the gate or
fusion, the dropouts and residuals. Known differences are the wrapped layers' (AFNO in float64:
``spectrans_afno_float32``; wavelet filters: ``spectrans_dwt_float32_filters``...).
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
from collections.abc import Mapping

import numpy as np

from specref.compare.bounds import eps_of, feature_attention_bounds, layer_bounds, pair_bounds
from specref.compare.frameworks import to_host
from specref.compare.mapping import Pairing, SameNames
from specref.testing.tolerances import Bound

__all__ = ["CLASSES", "pairing", "block_bounds", "wrapped_constants"]

_GENERIC = ("TransformerBlock", "PreNormBlock", "PostNormBlock", "ParallelBlock")
_SPECTRAL = ("FNetBlock", "GFNetBlock", "AFNOBlock", "SpectralAttentionBlock", "LSTBlock", "WaveletBlock", "FNOBlock",
             "FNO2DBlock")
_HYBRID = ("AlternatingBlock", "AdaptiveBlock", "MultiscaleBlock", "CascadeBlock")

# spectrans block class name -> the specref block (specref.blocks keeps spectrans's names).
CLASSES: dict[str, str] = {name: name for name in _GENERIC + _SPECTRAL + _HYBRID}

_FFN_ACTIVATIONS = {"GELU": "gelu", "ReLU": "relu", "SiLU": "silu", "Tanh": "tanh", "Sigmoid": "sigmoid",
                    "ELU": "elu", "LeakyReLU": "leaky_relu"}
_LST = ("LSTAttention", "DCTAttention", "HadamardAttention")
_FEATURE = ("SpectralAttention", "PerformerAttention", "KernelAttention")


def _spectrans():
    return importlib.import_module("specref.compare.spectrans")


def _is_block(module) -> bool:
    return type(module).__name__ in CLASSES and type(module).__module__.startswith("spectrans.blocks")


# ----------------------------------------------------------------------------------------------------------
# the wrapped layers


def _wrapped(module) -> dict:
    """The block's wrapped spectrans layers by specref child name (``mixing_layer``, ``layer1``, ``layers.<i>``)."""
    name = type(module).__name__
    if name == "AlternatingBlock":
        return {"layer1": module.layer1, "layer2": module.layer2}
    if name in _HYBRID:
        return {f"layers.{i}": layer for i, layer in enumerate(module.layers)}
    return {"mixing_layer": module.mixing_layer}


def _leaves(sub, prefix: str) -> dict:
    """The mapped spectrans layers inside a wrapped layer (an ``nn.Sequential`` opened) by path."""
    if type(sub).__name__ == "Sequential" and type(sub).__module__.startswith("torch.nn"):
        out = {}
        for i, child in enumerate(sub):
            out.update(_leaves(child, f"{prefix}.{i}"))
        return out
    return {prefix: sub}


def _template(sub):
    """The specref layer a wrapped spectrans layer maps onto, built from the config read off it (its arrays are
    loaded with the block's state_dict)."""
    st = _spectrans()
    if type(sub).__name__ == "Sequential" and type(sub).__module__.startswith("torch.nn"):
        from specref.layers.sequential import Sequential

        return Sequential(*(_template(child) for child in sub))
    name = type(sub).__name__
    if not st._is_mixing(sub):
        raise ValueError(f"the block wraps spectrans.{name} ({type(sub).__module__}), which specref does not map; "
                         f"mapped layers: {sorted(st.CLASSES)}")
    cls = st._layer(st.CLASSES[name])
    return cls(**st.read_config(sub, cls))


def _layer_dropouts(sub, prefix: str) -> dict:
    """A wrapped layer's dropout modules by mask path (spectrans.py's rules under the child's prefix)."""
    st = _spectrans()
    out = {}
    for path, leaf in _leaves(sub, prefix).items():
        rule = st._DROPOUTS.get(type(leaf).__name__, lambda m: {"dropout": m.dropout} if hasattr(m, "dropout") else {})
        out.update({f"{path}.{k}": v for k, v in rule(leaf).items()})
    return out


def _zeros_out(sub) -> bool:
    """The wrapped layer's output can hold exact zeros through which it passes no gradient: it follows a ReLU (a
    FourierNeuralOperator with ``activation="relu"``, the last of a Sequential) or the layer's own dropout with
    p > 0 (the LST and attention layers: spectrans applies p twice in series, #28). The block's dropout bit at
    such a zero is moot (its output is 0 and the gradient through it is 0 whatever the bit), so it is read as
    kept (``relu_before``, :class:`specref.compare.frameworks._DropoutRecorder`)."""
    leaves = list(_leaves(sub, "").values())
    if not leaves:
        return False
    last = leaves[-1]
    own = _layer_dropouts(last, "x")
    return type(getattr(last, "activation", None)).__name__ == "ReLU" or \
        any(float(getattr(m, "p", 0)) > 0 for m in own.values())


# ----------------------------------------------------------------------------------------------------------
# the block's configuration


def _common(module) -> dict:
    ffn = getattr(module, "ffn", None)
    norm = getattr(module, "norm1", None) or module.norm
    out = {"hidden_dim": int(module.hidden_dim), "dropout": float(module.dropout.p), "norm_eps": float(norm.eps),
           "ffn_hidden_dim": None if ffn is None else int(ffn.fc1.out_features)}
    out["activation"] = "gelu" if ffn is None else _FFN_ACTIVATIONS[type(ffn.activation).__name__]
    return out


def _afno_modes(cfg: dict, d: int):
    """The block's ``modes`` that gives AFNOMixing's (clamped) modes: None (N // 2, D // 2) or an int (clamped
    to N and D // 2 + 1 by the layer)."""
    n, ms, mh = cfg["max_sequence_length"], cfg["modes_seq"], cfg["modes_hidden"]
    for modes in (None, ms, mh, max(ms, mh)):
        got = (n // 2, d // 2) if modes is None else (min(modes, n), min(modes, d // 2 + 1))
        if got == (ms, mh):
            return modes
    raise ValueError(f"AFNOBlock: AFNOMixing's modes ({ms}, {mh}) come from no single 'modes' argument")


def _spectral_config(name: str, template, d: int) -> dict:
    """The spectral block's own arguments that build ``template`` (the wrapped layer read off spectrans)."""
    from specref.interop.params import config_of

    if name == "FNOBlock" or name == "FNO2DBlock":
        layers = getattr(template, "layers", (template,))
        modes = layers[0].modes
        out = {"num_layers": len(layers)}
        if name == "FNOBlock":
            return {**out, "modes": int(modes)}
        return {**out, "modes_h": int(modes[0]), "modes_w": int(modes[1])}
    cfg = config_of(template)
    if name == "GFNetBlock":
        return {"sequence_length": cfg["sequence_length"], "filter_activation": cfg["activation"]}
    if name == "AFNOBlock":
        width = template.params["mlp.0.weight"].shape[0]
        ratio = cfg.get("mlp_ratio", 2.0)
        return {"sequence_length": cfg["max_sequence_length"], "modes": _afno_modes(cfg, d),
                "mlp_hidden_dim": None if ratio == 2.0 else int(round(ratio * d)) or width}
    if name == "SpectralAttentionBlock":
        return {"num_heads": cfg["num_heads"], "num_features": cfg["num_features"], "kernel_type": cfg["kernel_type"],
                "variant": "spectrans"}
    if name == "LSTBlock":
        return {"num_heads": cfg["num_heads"], "transform_type": cfg["transform_type"],
                "use_scaling": cfg["learnable_scale"]}
    if name == "WaveletBlock":
        return {"wavelet": cfg["wavelet"], "levels": cfg["levels"]}
    return {}


def _block_config(module, templates: dict) -> dict:
    name = type(module).__name__
    cfg = _common(module)
    if name in _GENERIC:
        cfg["mixing_layer"] = templates["mixing_layer"]
        if name == "TransformerBlock":
            cfg["use_pre_norm"] = bool(module.use_pre_norm)
        if name != "TransformerBlock" and cfg["ffn_hidden_dim"] == 4 * cfg["hidden_dim"]:
            cfg["ffn_hidden_dim"] = None
    elif name in _SPECTRAL:
        cfg.update(_spectral_config(name, templates["mixing_layer"], cfg["hidden_dim"]))
    elif name == "AlternatingBlock":
        cfg.update(layer1=templates["layer1"], layer2=templates["layer2"], use_layer1=bool(module.use_layer1))
    else:
        cfg["layers"] = [templates[f"layers.{i}"] for i in range(len(templates))]
        cfg.update({"AdaptiveBlock": {"gate_type": getattr(module, "gate_type", "soft")},
                    "MultiscaleBlock": {"fusion_type": getattr(module, "fusion_type", "add")},
                    "CascadeBlock": {"share_norm": bool(getattr(module, "share_norm", False))}}[name])
    return cfg


def _check_wrapped(block, templates: dict) -> None:
    """A spectral block builds its own layer: it must be the one read off spectrans (same configuration)."""
    from specref.interop.params import config_of

    for child, template in templates.items():
        ours, theirs = config_of(block._children[child]), config_of(template)
        diff = {k: (ours[k], theirs[k]) for k in theirs if k in ours and ours[k] != theirs[k]}
        if diff:
            raise ValueError(f"specref {type(block).__name__} builds {child} with {diff} (specref, spectrans)")


def _block_class(name: str):
    import specref.blocks as blocks

    return getattr(blocks, CLASSES[name])


# ----------------------------------------------------------------------------------------------------------
# bounds


def _kappa(ctx, seen=None) -> float:
    """The largest normaliser condition of the feature attentions in a forward's ctx tree (1 where none):
    :math:`\\max_i \\sum_j |\\varphi_{q,i}|\\cdot|\\varphi_{k,j}| / |\\sum_j \\varphi_{q,i}\\cdot\\varphi_{k,j}|`."""
    seen = set() if seen is None else seen
    if ctx is None or id(ctx) in seen or isinstance(ctx, (np.ndarray, str, int, float)):
        return 1.0
    seen.add(id(ctx))
    if hasattr(ctx, "lin_q") and hasattr(ctx, "lin_k"):
        q, k = np.asarray(ctx.lin_q), np.asarray(ctx.lin_k)
        num = (np.abs(q) @ np.swapaxes(np.abs(k), -1, -2)).sum(axis=-1)
        den = np.abs((q @ np.swapaxes(k, -1, -2)).sum(axis=-1))
        ok = den > 0
        return float(max(1.0, np.max(num[ok] / den[ok]))) if np.any(ok) else 1.0
    if isinstance(ctx, (tuple, list)):
        return max([_kappa(c, seen) for c in ctx] + [1.0])
    if dataclasses.is_dataclass(ctx):
        return max([_kappa(getattr(ctx, f.name), seen) for f in dataclasses.fields(ctx)] + [1.0])
    return 1.0


def wrapped_constants(layer, input_shape: tuple, precision: str, kappa: float = 1.0) -> tuple[float, float, str]:
    """``(c_fwd, c_grad, what)`` of one wrapped specref layer: its derived bound :math:`2c\\epsilon` divided by
    :math:`2\\epsilon` (:func:`specref.compare.bounds.layer_bounds`; a Sequential the sum of its layers'; LST
    attention its stage constants, half its doubled claim, and the B N-term parameter-gradient sums; the feature
    attentions with the normaliser condition ``kappa``)."""
    name, eps, shape = type(layer).__name__, eps_of(precision), tuple(input_shape)
    if name == "Sequential":
        parts = [wrapped_constants(child, shape, precision, kappa) for child in layer.layers]
        return sum(p[0] for p in parts), sum(p[1] for p in parts), " + ".join(p[2] for p in parts)
    if name in _LST or name == "StandardAttention":  # the hybrid models' nn.MultiheadAttention: its claim too
        fwd, grad = pair_bounds(extra=layer.error_scale(shape[-2]) / 2.0, reduction=math.prod(shape[:-1]), eps=eps)
    elif name in _FEATURE:
        fwd, grad = feature_attention_bounds(layer, shape, eps, kappa)
    else:
        fwd, grad = layer_bounds(layer, shape, precision)
    c_fwd, c_grad = fwd.value / (2 * eps), grad.value / (2 * eps)
    return c_fwd, c_grad, f"{name} {c_fwd:.0f}/{c_grad:.0f}"


def _used(block) -> list:
    """The wrapped layers a forward runs (AlternatingBlock: the selected one)."""
    if type(block).__name__ == "AlternatingBlock":
        return ["layer1" if block.use_layer1 else "layer2"]
    return [k for k in block._children if k != "ffn"]


def block_bounds(block, input_shape: tuple, precision: str, kappa: float = 1.0) -> tuple[Bound, Bound]:
    r"""(forward, gradient) bounds of a specref block, :math:`2c\epsilon`, from its parts.

    c_fwd = the wrapped layers' c_fwd (:func:`wrapped_constants`, each layer the forward runs) + c_own, with
    c_own: each layer norm applied, :math:`2(\log_2 D + 1) + 4` (mean and variance sums of D terms, the square
    root, division and affine map); the FFN, :math:`(D + 1) + (F + 1) + 8` (two inner products, the activation
    and the dropout scale); 8 per residual branch (its dropout scale and the sum); the parallel block's sum of
    its two branches, 4; the soft gate, :math:`(P + 1) + (D + 1) + (k + 1) + 8 + (k + 1) + 4` (the sequence
    mean, the logits, the softmax's sum, exp and division, the k-term weighted sum and its products); the
    fusion: ``add`` (k + 1) + 4, ``weighted`` a softmax and a weighted sum, ``concat`` an inner product of kD
    terms. The hard gate's argmax is exact (both sides select the same layer where the logits' gap exceeds
    their rounding). c_grad = the wrapped layers' c_grad + 2 c_own (the adjoints of the block's stages on the
    cotangent and on the stored values they multiply) + the longest sum forming a parameter gradient + 1: the
    B P positions (norms, FFN, fusion projection), the soft gate's P D-term products then B samples, the
    weighted fusion's B P D terms.
    """
    shape = tuple(input_shape)
    name, eps = type(block).__name__, eps_of(precision)
    d, positions = shape[-1], math.prod(shape[:-1])
    points = positions // shape[0]  # P: the positions of one sample (N, or H W)
    wrapped = [wrapped_constants(block._children[c], shape, precision, kappa) for c in _used(block)]
    c_ln = 2 * (math.log2(d) + 1) + 4  # a layer norm: mean and variance sums of D terms, sqrt, division, affine
    ffn = block._children.get("ffn")
    # the FFN: inner products of D and F terms, the activation (4) and the dropout scale (4)
    c_ffn = (d + 1) + (ffn.ffn_hidden_dim + 1) + 8.0 if ffn is not None else 0.0
    n_norms = len(block.norms) if name != "CascadeBlock" else len(block.layer_norms) + 1
    branches = (1 if name == "ParallelBlock" else (len(block.layers) if name == "CascadeBlock" else 1)
                + (1 if ffn is not None else 0))
    k = len(getattr(block, "layers", ())) or 1
    c_mix, reduction = 0.0, positions
    if name == "ParallelBlock":
        c_mix = 4.0  # the sum of the two branches
    elif name == "AdaptiveBlock" and block.gate_type == "soft":
        # the sequence mean, the logits, the softmax (its sum, exp and division), the weighted sum and products
        c_mix = (points + 1) + (d + 1) + (k + 1) + 8 + (k + 1) + 4.0
        reduction = max(reduction, points * d + shape[0])  # <dm, o_i> over P D entries, then the B samples
    elif name == "MultiscaleBlock":
        # add: a k-term sum and the 1/k; weighted: a softmax and a weighted sum; concat: kD-term inner products
        c_mix = {"add": k + 1 + 4.0, "weighted": (k + 1) + 8 + (k + 1) + 4.0, "concat": k * d + 1.0}[block.fusion_type]
        if block.fusion_type == "weighted":
            reduction = max(reduction, positions * d)  # d fusion_weights_i = <dm, o_i> over all B P D entries
    c_own = n_norms * c_ln + c_ffn + 8.0 * branches + c_mix  # 8 a branch: its dropout scale (4) and residual sum (4)
    c_fwd = sum(w[0] for w in wrapped) + c_own
    # the adjoints of the block's own stages on the cotangent and on the stored values (2 c_own), the longest sum
    c_grad = sum(w[1] for w in wrapped) + 2 * c_own + reduction + 1
    reason = (f"wrapped {' + '.join(w[2] for w in wrapped)} (fwd/grad); {n_norms} LN x {c_ln:.0f}, FFN {c_ffn:.0f}, "
              f"{branches} branches x 8, mix {c_mix:.0f}: c_own {c_own:.0f}; reductions of {reduction} terms")
    return (Bound(2 * c_fwd * eps, f"2 c_fwd eps, c_fwd = {c_fwd:.0f} ({reason}); eps = {eps:.3g}"),
            Bound(2 * c_grad * eps, f"2 c_grad eps, c_grad = wrapped + 2 c_own + {reduction} + 1 = {c_grad:.0f} "
                                    f"({reason}); eps = {eps:.3g}"))


# ----------------------------------------------------------------------------------------------------------
# the pairing


_APPLICATION = re.compile(r"^(.*?)(?:@(\d+))?$")


def _merge_hard_gate(masks: Mapping, children: tuple) -> dict:
    """A hard gate's per-sample masks of a wrapped layer's dropout (``"layers.<j>.<path>"``, ``"...@<k>"``: the
    k-th sample that selected layer j) concatenated along the batch axis in sample order, as specref applies
    them to the samples that selected it."""
    out, groups = {}, {}
    for key, mask in masks.items():
        base, k = _APPLICATION.match(key).groups()
        if any(base.startswith(c + ".") for c in children):
            groups.setdefault(base, []).append((int(k or 1), mask))
        else:
            out[key] = mask
    for base, items in groups.items():
        out[base] = np.concatenate([m for _, m in sorted(items, key=lambda t: t[0])], axis=0)
    return out


def _default_shape(block) -> tuple:
    d = block.hidden_dim
    if type(block).__name__ == "FNO2DBlock":
        return (2, max(8, block.modes_h or 16), max(8, 2 * ((block.modes_w or 16) - 1)), d)
    lengths = [getattr(layer, a, None) for layer in block._children.values()
               for a in ("sequence_length", "max_sequence_length")]
    modes = [2 * (int(m) - 1) for layer in block._children.values() for m in [getattr(layer, "modes", 0)]
             if isinstance(m, (int, np.integer))]
    return (2, max([v for v in lengths if v] + modes + [16]), d)


def pairing(peer, input_shapes, *, component=None, config: Mapping | None = None, dtype=None,
            training: bool = False) -> Pairing:
    """The pairing of a spectrans block with the specref block of its name (``component`` must agree).

    ``config`` overrides the block's arguments read off the module. Raises ``ValueError`` for a class without
    a mapping, a wrapped layer specref does not map, or another ``component``.
    """
    module = getattr(peer, "__self__", peer)
    name = type(module).__name__
    if not _is_block(module):
        raise ValueError(f"no specref mapping for spectrans.{name}; mapped blocks: {sorted(CLASSES)}")
    cls = _block_class(name)
    if component is not None:  # a name, a class or an instance; the operators' FNOBlock is another class (#30)
        target = _block_class(component) if isinstance(component, str) and component in CLASSES else component
        target = target if isinstance(target, (type, str)) else type(target)
        if target is not cls:
            what = target if isinstance(target, str) else f"{target.__module__}.{target.__name__}"
            raise ValueError(f"spectrans.{name} maps onto specref.blocks.{cls.__name__}, not {what}")
    spectrans_layers = _wrapped(module)
    templates = {child: _template(sub) for child, sub in spectrans_layers.items()}
    cfg = {**_block_config(module, templates), **dict(config or {})}
    state = {k: to_host(v) for k, v in module.state_dict().items()}
    trainable = [k for k, _ in module.named_parameters()]
    return _build(module, cls, cfg, state, trainable, spectrans_layers, templates, input_shapes, dtype, training)


def _build(module, cls, cfg, state, trainable, spectrans_layers, templates, input_shapes, dtype, training):
    st = _spectrans()
    block = cls.from_state_dict(state, dtype=dtype, **cfg)
    if cls.__name__ in _SPECTRAL:
        _check_wrapped(block, templates)
    shape = tuple(input_shapes[0]) if input_shapes else _default_shape(block)
    hard = getattr(block, "gate_type", "") == "hard"
    last = {}

    def forward(inputs, training_, masks):
        if hard and masks:
            masks = _merge_hard_gate(masks, tuple(spectrans_layers))
        y, ctx = block.forward(inputs[0], training=training_, masks=masks or None)
        last["ctx"] = ctx
        return y, ctx

    def backward(ctx, dy):
        dx, grads = block.backward(ctx, dy)
        return (dx,), {k: np.asarray(grads[k]) for k in trainable}

    def bounds(shapes, precision):
        return block_bounds(block, shapes[0], precision, _kappa(last.get("ctx")))

    def rebuild(new_params):
        return _build(module, cls, cfg, {**state, **dict(new_params)}, trainable, spectrans_layers, templates,
                      input_shapes, dtype, training)

    notes, known = [], ""
    precision = dtype or "float64"
    for child, sub in spectrans_layers.items():
        for path, leaf in _leaves(sub, child).items():
            leaf_cls = st._layer(st.CLASSES[type(leaf).__name__])
            leaf_cfg = st.read_config(leaf, leaf_cls)
            known = known or st._known_mixing(leaf, type(leaf).__name__, leaf_cfg, precision, training, shape)
            if training and leaf_cfg.get("mixing_mode") == "level" and leaf_cfg.get("dropout", 0) > 0:
                notes.append(f"{path}.level_mixer.dropout (nn.MultiheadAttention's, applied functionally) cannot "
                             "be read back: compare the 'level' mode in training with dropout=0")
    if "norm3.weight" in trainable:
        notes.append("norm3 is never used by spectrans (spectrans_block_docs): zero gradient on both sides")
    if hard:
        notes.append("hard gate: argmax selection, gate.weight/gate.bias get no gradient (torch None, specref "
                     "zeros; spectrans_block_docs); spectrans runs the wrapped layers once per sample: their "
                     "per-sample masks are concatenated in sample order")
    if getattr(block, "share_norm", False):
        notes.append("share_norm: spectrans's state_dict holds norm1 under every norms.<i> key too (one tensor)")
    dropouts = {"dropout": module.dropout}
    if getattr(module, "ffn", None) is not None:
        dropouts["ffn.dropout"] = module.ffn.dropout
    for child, sub in spectrans_layers.items():
        dropouts.update(_layer_dropouts(sub, child))
    relu = any(_zeros_out(sub) for sub in spectrans_layers.values())
    relu_before = {"ffn.dropout": cfg.get("activation") == "relu"}
    if cls.__name__ != "ParallelBlock":  # the mixing branches' dropouts follow the wrapped layers' outputs
        relu_before.update({n: relu for n in block.dropout_names if n.startswith("dropout")})
    for child, sub in spectrans_layers.items():
        for path, leaf in _leaves(sub, child).items():
            if type(leaf).__name__ == "AFNOMixing":
                relu_before[f"{path}.mlp.2"] = type(leaf.mlp[1]).__name__ == "ReLU"
    return Pairing(cls.__name__, cfg, forward, backward, bounds, weight_map=SameNames(), peer_params=dict(state),
                   peer_call=module, dropouts={k: v for k, v in dropouts.items() if float(getattr(v, "p", 0)) > 0},
                   relu_before=relu_before, known=known, notes=notes, default_input_shapes=(shape,),
                   input_complex=(False,), spectral_axes=(-3, -2) if len(shape) == 4 else (-2,), rebuild=rebuild,
                   layer=block)
