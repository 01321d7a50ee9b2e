r"""Run a peer (a torch module or function, a JAX function, a NumPy function) forward and backward.

Every adapter computes the gradients of the same real scalar, :math:`L = \operatorname{Re}\sum \bar{dy}\,y`
(for real outputs :math:`\sum dy\,y`), so no framework's convention for the cotangent of a complex output
is involved, and returns them in specref's convention: for a complex leaf :math:`z = a + ib`,
:math:`\partial L/\partial a + i\,\partial L/\partial b` (PyTorch's; JAX returns the conjugate, which the JAX
adapter converts with :func:`specref.interop.gradients.from_jax_grad`). torch and JAX are imported inside
the adapters only, so importing :mod:`specref.compare` never imports them.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PeerRun", "FrameworkMismatch", "detect_framework", "peer_parameters", "run_peer", "describe_peer", "PIP"]

# The pip command of each peer named by `specref compare` (shown when it is not installed).
PIP = {
    "torch": "pip install torch==2.13.0",
    "jax": "pip install jax jaxlib",
    "spectrans": "pip install --no-deps --ignore-requires-python spectrans==0.1.0 einops pydantic pyyaml "
                 "(see validation/setup_peers.sh: spectrans 0.1.0 declares Python >= 3.13)",
    "scipy": "pip install scipy",
    "pywt": "pip install PyWavelets",
    "sklearn": "pip install scikit-learn",
    "torch-dct": "pip install torch-dct",
    "ptwt": "pip install ptwt",
    "neuraloperator": "pip install neuraloperator",
    "performer-pytorch": "pip install performer-pytorch",
}


@dataclass
class PeerRun:
    """What a peer computed: the output, the gradient of each input, of each parameter (peer names), and
    the dropout keep-masks it drew (name -> bool array), all as host NumPy arrays."""

    output: np.ndarray
    input_grads: tuple = ()
    param_grads: dict = field(default_factory=dict)
    masks: dict = field(default_factory=dict)
    has_grads: bool = True


def _mro_modules(obj) -> list[str]:
    return [c.__module__ for c in type(obj).__mro__]


def _is_torch_module(peer) -> bool:
    return any(m.startswith("torch.nn") for m in _mro_modules(peer))


def _leaf_framework(value) -> str | None:
    mods = _mro_modules(value)
    if any(m.startswith("torch") for m in mods):
        return "torch"
    if any(m.startswith(("jax", "jaxlib")) for m in mods):
        return "jax"
    return None


def detect_framework(peer, params: Mapping | None = None, inputs: tuple = ()) -> str:
    """``"torch"``, ``"jax"`` or ``"numpy"``: a torch module, else the type of the params or inputs, else
    the module the function is defined in (``torch.fft.rfft`` is torch), else NumPy."""
    owner = getattr(peer, "__self__", peer)
    if _is_torch_module(owner) or any(m.startswith("spectrans.") for m in _mro_modules(owner)):
        return "torch"  # spectrans's kernels that are not modules still compute in torch
    for value in list((params or {}).values()) + list(inputs):
        kind = _leaf_framework(value)
        if kind:
            return kind
    module = getattr(peer, "__module__", "") or ""
    if module.startswith("torch"):
        return "torch"
    if module.startswith(("jax", "jaxlib")):
        return "jax"
    return "numpy"


def describe_peer(peer) -> str:
    """A short name: the class of a module, the qualified name of a function."""
    if _is_torch_module(peer):
        return f"{type(peer).__module__.split('.')[0]}.{type(peer).__name__}"
    owner = getattr(peer, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):  # a bound method, not a builtin
        return f"{type(owner).__module__.split('.')[0]}.{type(owner).__name__}.{peer.__name__}"
    module = getattr(peer, "__module__", "") or ""
    name = getattr(peer, "__qualname__", None) or type(peer).__name__
    return f"{module}.{name}" if module and module != "__main__" else name


def to_host(value) -> np.ndarray:
    """A host NumPy copy of a torch tensor (any device: through ``.cpu()`` and DLPack), a JAX array or an
    array-like."""
    if _leaf_framework(value) == "torch":
        t = value.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        return np.from_dlpack(t.resolve_conj().resolve_neg().contiguous()).copy()
    return np.array(value, copy=True)


def _module_of(peer):
    """The torch module ``peer`` is (or is a bound method of), where ``nn.Module.__init__`` ran; else None
    (spectrans's FFT1D, FFT2D, RFFT, RFFT2D, SpectralPooling never call it and hold nothing)."""
    module = peer if _is_torch_module(peer) else getattr(peer, "__self__", None)
    if module is None or not _is_torch_module(module) or "_parameters" not in vars(module):
        return None
    return module


def peer_parameters(peer, framework: str, params: Mapping | None) -> dict:
    """The peer's parameters as host NumPy copies under its own names: a torch module's
    ``named_parameters()``, else ``params``."""
    module = _module_of(peer)
    if framework == "torch" and module is not None:
        return {k: to_host(v) for k, v in module.named_parameters()}
    return {k: to_host(v) for k, v in (params or {}).items()}


def run_peer(framework: str, peer, inputs: tuple, dy: np.ndarray, *, params: Mapping | None = None,
             training: bool = False, dropouts: Mapping | None = None, relu_before: Mapping | None = None,
             seed: int = 0, vjp: Callable | None = None, grads: bool = True) -> PeerRun:
    """Run ``peer`` on ``inputs`` and take the gradients of :math:`L` for the cotangent ``dy``."""
    if framework == "torch":
        return _run_torch(peer, inputs, dy, params=params, training=training, dropouts=dropouts,
                          relu_before=relu_before, seed=seed, grads=grads)
    if framework == "jax":
        return _run_jax(peer, inputs, dy, params=params, grads=grads)
    if framework == "numpy":
        return _run_numpy(peer, inputs, dy, params=params, vjp=vjp)
    raise ValueError(f"framework must be 'torch', 'jax' or 'numpy', got {framework!r}")


# ----------------------------------------------------------------------------------------------------------
# torch


class _DropoutRecorder:
    """Forward hooks on dropout modules: the keep-mask of each application, read back as ``output != 0``.

    A module applied more than once in one forward (spectrans's blocks apply their one ``dropout`` to every
    branch) gives one mask per application: ``name`` for the first, ``"<name>@<k>"`` for the k-th (k >= 2), the
    names specref's blocks take (:func:`specref.blocks.base.nth_application`); a module applied once gives
    ``name`` alone, as before.

    Exact where the dropout's input is non-zero. An input entry that is exactly 0 gives 0 whatever its bit;
    such zeros come from a ReLU before the dropout (``relu_before``, keyed by the mask name, ``"<name>@<k>"``
    included), which passes no gradient there (relu'(z) = 0 for z <= 0, torch's and specref's convention), or
    from an earlier dropout's dropped entries (a block's dropout after its layer's own, spectrans #28; no
    gradient passes there either), so the bit changes neither the output nor any gradient: it is set to True.
    Exact zeros without a ``relu_before`` flag raise (the mask is then unknowable).
    """

    def __init__(self, modules: Mapping, relu_before: Mapping | None = None):
        self.io: dict = {}
        self.calls: dict = {}
        self.relu_before = dict(relu_before or {})
        self.handles = [m.register_forward_hook(self._hook(name)) for name, m in modules.items()]

    def _hook(self, name):
        def hook(module, inputs, output):
            k = self.calls[name] = self.calls.get(name, 0) + 1
            self.io[name if k == 1 else f"{name}@{k}"] = (to_host(inputs[0]), to_host(output))

        return hook

    def masks(self) -> dict:
        out = {}
        for name, (inp, outp) in self.io.items():
            zeros = inp == 0
            if zeros.any() and not self.relu_before.get(name, False):
                raise ValueError(f"dropout {name!r}: exact zeros in its input, so its mask cannot be read back")
            out[name] = (outp != 0) | zeros
        return out

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def _torch_loss(torch, y, dy):
    dyt = torch.as_tensor(dy, device=y.device)
    if y.is_complex():
        return torch.real(torch.conj(dyt) * y).sum()
    if dyt.is_complex():
        raise ValueError("the peer's output is real where specref's is complex")
    return (dyt.to(y.dtype) * y).sum()


def _run_torch(peer, inputs, dy, *, params, training, dropouts, relu_before, seed, grads) -> PeerRun:
    import torch  # peer-only

    module = _module_of(peer)
    is_module = module is not None
    device = torch.device("cpu")
    if is_module:
        first = next(iter(module.parameters()), None)
        device = first.device if first is not None else device
        module.train(training)
        module.zero_grad(set_to_none=True)
    xs = []
    for x in inputs:
        t = torch.from_numpy(np.ascontiguousarray(x)).to(device)
        xs.append(t.requires_grad_(grads and t.is_floating_point() or t.is_complex()))
    pts = {}
    if not is_module:
        for k, v in (params or {}).items():
            t = v.detach().clone() if _leaf_framework(v) == "torch" else torch.from_numpy(np.array(v))
            pts[k] = t.requires_grad_(grads)
    recorder = _DropoutRecorder(dropouts, relu_before) if (training and dropouts) else None
    torch.manual_seed(seed)
    try:
        y = peer(*xs, **pts)
    finally:
        if recorder is not None:
            recorder.remove()
    masks = recorder.masks() if recorder is not None else {}
    if not grads:
        return PeerRun(to_host(y), masks=masks, has_grads=False)
    _torch_loss(torch, y, dy).backward()  # peer-only
    named = dict(module.named_parameters()) if is_module else pts

    def grad_of(t):
        return to_host(t.grad) if t.grad is not None else np.zeros(tuple(t.shape), dtype=to_host(t).dtype)

    return PeerRun(to_host(y), tuple(grad_of(t) for t in xs), {k: grad_of(t) for k, t in named.items()}, masks)


# ----------------------------------------------------------------------------------------------------------
# JAX


def _run_jax(peer, inputs, dy, *, params, grads) -> PeerRun:
    import jax  # peer-only
    import jax.numpy as jnp  # peer-only

    from specref.interop.gradients import from_jax_grad

    if any(np.asarray(a).dtype in (np.float64, np.complex128) for a in inputs) and not jax.config.jax_enable_x64:
        # Without x64 JAX silently computes a float64 input in float32.
        jax.config.update("jax_enable_x64", True)
        warnings.warn("specref.compare enabled jax_enable_x64 to run float64 inputs in float64", stacklevel=3)
    xs = tuple(jnp.asarray(x) for x in inputs)
    ps = {k: jnp.asarray(v) for k, v in (params or {}).items()}
    if not grads:
        return PeerRun(to_host(peer(*xs, **ps)), has_grads=False)
    dyj = jnp.asarray(dy)

    def loss(xs, ps):
        y = peer(*xs, **ps)
        return jnp.sum(jnp.real(jnp.conj(dyj) * y)), y

    value, pullback, y = jax.vjp(loss, xs, ps, has_aux=True)  # peer-only
    gx, gp = pullback(jnp.ones_like(value))
    convert = lambda g: from_jax_grad(to_host(g))  # noqa: E731 (JAX's conjugate convention -> specref's)
    return PeerRun(to_host(y), tuple(convert(g) for g in gx), {k: convert(g) for k, g in gp.items()})


# ----------------------------------------------------------------------------------------------------------
# NumPy


class FrameworkMismatch(Exception):
    """A peer taken for a NumPy function returned a torch or JAX array: ``framework`` names which."""

    def __init__(self, framework: str):
        super().__init__(framework)
        self.framework = framework


def _run_numpy(peer, inputs, dy, *, params, vjp) -> PeerRun:
    ps = dict(params or {})
    raw = peer(*inputs, **ps)
    kind = _leaf_framework(raw)
    if kind is not None:  # a torch or JAX function given NumPy arrays: its autograd must run, not vjp=None
        raise FrameworkMismatch(kind)
    y = np.asarray(raw)
    if vjp is None:
        return PeerRun(y, has_grads=False)
    got = vjp(dy, *inputs, **ps)
    input_grads, param_grads = got if (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], Mapping)) \
        else (got, {})
    if not isinstance(input_grads, (tuple, list)):
        input_grads = (input_grads,)
    return PeerRun(y, tuple(np.asarray(g) for g in input_grads),
                   {k: np.asarray(v) for k, v in param_grads.items()})
