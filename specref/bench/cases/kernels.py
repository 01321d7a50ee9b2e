r"""Bench cases of the kernels (:mod:`specref.kernels`): each kernel against its spectrans twin under torch
autograd, the Gaussian random Fourier features also against scikit-learn's ``RBFSampler``.

Two kinds of case:

* **feature maps** (Gaussian RFF with cos and with cos+sin features, Laplacian RFF, orthogonal random
  features, the FAVOR+ positive features of ``RFFAttentionKernel`` (:func:`~specref.kernels.positive_features`),
  the spectral features of ``LearnableSpectralKernel``): ``forward`` is the feature map
  :math:`\varphi(x)`, ``forward_backward`` the map and its hand-written VJP (``forward_vjp`` /
  ``extract_features_vjp``: the input's gradient and every trainable parameter's). x is (B, N, d) =
  (8, 1024, 64) with m = 256 features (``--quick``: (2, 64, 16), m = 32); spectral features have rank d/2;
* **kernel matrices** (cosine, polynomial, the spectral kernels without a feature map: Fourier, polynomial
  spectral, truncated SVD): ``forward`` is ``gram_matrix(x)`` (B, N, N), ``forward_backward`` adds
  ``gram_matrix_vjp``. N = 256 (quick 32; the truncated SVD, a full SVD per Gram matrix, N = d = 128): the Gram
  matrix is quadratic in N, and spectrans's Fourier kernel forms a (B, N, N, rank) complex tensor.

The ``torch`` peer is the spectrans class of the same name (spectrans 0.1.0) built with the same arguments and
given specref's arrays by their shared ``state_dict`` names (the random frequencies and projections too, as
:mod:`specref.compare.spectrans_kernels` does), so both compute the same map; ``torch.autograd.grad`` gives the
input's and the trainable parameters' gradients. The ``sklearn`` peer (Gaussian cos features only) is
``RBFSampler`` with ``random_weights_``/``random_offset_`` set to specref's frequencies and phases (2-D input:
x reshaped to (B N, d)); it has no gradient, so forward only (as benchmarks/bench_kernels.py).
"""

from __future__ import annotations

import inspect
from dataclasses import replace

import numpy as np

import specref.kernels as K
from specref.bench.case import BenchCase, PeerUnavailable, Run, Setup, Sweep

__all__ = ["CASES"]

FEATURE_GRID = ({"B": 8, "N": 1024, "d": 64, "m": 256},)
FEATURE_QUICK = ({"B": 2, "N": 64, "d": 16, "m": 32},)
GRAM_GRID = ({"B": 8, "N": 256, "d": 64, "r": 16},)
GRAM_QUICK = ({"B": 2, "N": 32, "d": 16, "r": 4},)
# A full SVD of each (N, N) Gram matrix and its VJP; d >= N keeps the Gram matrix of full rank (torch's SVD
# backward divides by differences of squared singular values: repeated zeros make its gradient NaN).
SVD_GRID = ({"B": 8, "N": 128, "d": 128, "r": 16},)
SVD_QUICK = ({"B": 2, "N": 16, "d": 16, "r": 4},)
SPECTRANS_KERNELS = "spectrans.kernels"
NOTE = ("torch: the spectrans 0.1.0 class of the same name with specref's arrays loaded (same frequencies), "
        "under torch CPU autograd (input and trainable parameters)")


def _feature_label(point):
    return f"B={point['B']} N={point['N']} d={point['d']} m={point['m']}"


def _gram_label(point):
    return f"B={point['B']} N={point['N']} d={point['d']}"


# ----------------------------------------------------------------------------------------------------------
# specref's side


# feature maps over the number of points N at B = 1, d = 64, m = 256 features: linear in N
FEATURE_SWEEP = Sweep(param="N", values=tuple(2**k for k in range(8, 17)), quick=tuple(2**k for k in range(8, 12)),
                      base={"B": 1, "d": 64, "m": 256}, claim="n")


def _kernel_case(name, cls_name, config, method, *, scale=lambda p: 1.0, grid=FEATURE_GRID, quick=FEATURE_QUICK,
                 label=_feature_label, torch_method=None, sklearn=False, note=NOTE, sweep=FEATURE_SWEEP):
    """A kernel method's case: ``kernel.<method>(x)`` and ``kernel.<method>_vjp(dy, x, y)``.

    ``config(point)`` gives the constructor arguments of specref's class and of spectrans's; ``scale(point)``
    multiplies the standard normal input (attention features take ``d^{-1/4}``-scaled queries);
    ``torch_method`` is spectrans's method (default ``method``; ``"forward"`` calls the module).
    """

    def setup(point, dtype, rng):
        cls = getattr(K, cls_name)
        cfg = config(point)
        kernel = cls(**cfg)
        if hasattr(kernel, "astype"):
            kernel = kernel.astype(dtype)
        x = (scale(point) * rng.standard_normal((point["B"], point["N"], point["d"]))).astype(dtype)
        fn = getattr(kernel, method)
        vjp = getattr(kernel, method + "_vjp")
        y = fn(x)
        dy = rng.standard_normal(y.shape).astype(dtype)

        def forward():
            return fn(x)

        def forward_backward():
            return vjp(dy, x, fn(x))

        # the VJP reads the input and the output of the forward
        return Setup(Run(forward, forward_backward, x.nbytes + y.nbytes),
                     {"kernel": kernel, "x": x, "dy": dy, "config": cfg})

    peers = {"torch": _spectrans_peer(cls_name, torch_method or method)}
    if sklearn:
        peers["sklearn"] = _sklearn_peer
    return BenchCase(name=name, family="kernels", setup=setup, grid=grid, quick=quick, peers=peers, label=label,
                     sweep=sweep,
                     peer_note=note + ("; sklearn: RBFSampler with specref's weights, forward only" if sklearn
                                       else ""))


# ----------------------------------------------------------------------------------------------------------
# the peers


def _torch_method_run(obj, call, x, dy) -> Run:
    """``call(t)`` of a spectrans kernel: forward under ``no_grad``, forward+backward by ``torch.autograd.grad``
    of the input and every trainable parameter of ``obj`` (a module; other kernels have none)."""
    from specref.bench.peers import import_torch

    torch = import_torch()
    tx = torch.from_numpy(np.array(x, copy=True))
    tx_grad = tx.clone().requires_grad_(True)
    tdy = torch.from_numpy(np.array(dy, copy=True))
    params = [p for p in obj.parameters() if p.requires_grad] if isinstance(obj, torch.nn.Module) else []

    def forward():
        with torch.no_grad():
            return call(tx)

    def forward_backward():
        return torch.autograd.grad(call(tx_grad), [tx_grad, *params], tdy)

    return Run(forward, forward_backward)


def _spectrans_peer(cls_name: str, method: str):
    def build(setup, point, dtype):
        from specref.bench.peers import import_torch, spectrans_class

        torch = import_torch()
        cls = spectrans_class(SPECTRANS_KERNELS, cls_name)
        accepted = inspect.signature(cls.__init__).parameters
        torch.manual_seed(0)
        obj = cls(**{k: v for k, v in setup.data["config"].items() if k in accepted})
        if isinstance(obj, torch.nn.Module):
            obj = obj.double() if dtype == "float64" else obj.float()
            state = {k: torch.from_numpy(np.array(v, copy=True)) for k, v in setup.data["kernel"].state_dict().items()}
            obj.load_state_dict(state, strict=True)
        call = obj if method == "forward" else getattr(obj, method)
        return _torch_method_run(obj, call, setup.data["x"], setup.data["dy"])

    return build


def _sklearn_peer(setup, point, dtype):
    """``RBFSampler.transform`` with specref's ``omega`` and ``bias`` (gamma = 1 / (2 sigma^2) = 0.5)."""
    try:
        from sklearn.kernel_approximation import RBFSampler  # peer-only
    except ImportError:
        raise PeerUnavailable("scikit-learn is not installed (bash validation/setup_peers.sh)") from None
    kernel, x = setup.data["kernel"], setup.data["x"]
    x2 = x.reshape(-1, x.shape[-1])
    sampler = RBFSampler(gamma=0.5, n_components=point["m"], random_state=0).fit(x2[:2])
    sampler.random_weights_ = np.array(kernel.omega)
    sampler.random_offset_ = np.array(kernel.bias)
    return Run(lambda: sampler.transform(x2), None)


# ----------------------------------------------------------------------------------------------------------
# the cases


def _rff(**extra):
    return lambda p: {"input_dim": p["d"], "num_features": p["m"], **extra}


def _spectral_features(p):
    return {"input_dim": p["d"], "rank": p["d"] // 2}


def _feature_cases():
    return [
        _kernel_case("GaussianRFFKernel", "GaussianRFFKernel", _rff(), "forward", sklearn=True),
        _kernel_case("GaussianRFFKernel[cos+sin]", "GaussianRFFKernel", _rff(use_cos_sin=True), "forward"),
        _kernel_case("LaplacianRFFKernel", "LaplacianRFFKernel", _rff(), "forward"),
        _kernel_case("OrthogonalRandomFeatures", "OrthogonalRandomFeatures", _rff(), "forward"),
        # FAVOR+: positive_features(x, projection) on queries scaled by d^(-1/4), as attention applies them
        _kernel_case("RFFAttentionKernel", "RFFAttentionKernel", _rff(kernel_type="softmax"), "forward",
                     scale=lambda p: p["d"] ** -0.25),
        _kernel_case("LearnableSpectralKernel", "LearnableSpectralKernel", _spectral_features, "extract_features",
                     label=lambda p: f"B={p['B']} N={p['N']} d={p['d']} rank={p['d'] // 2}"),
    ]


# Gram matrices over N at B = 1, d = 64, rank 16: quadratic in N (the Fourier kernel's (N, N, rank) complex
# tensor caps it at N = 512); the truncated SVD, a full SVD of the (N, N) Gram matrix, is cubic (d = 512 >= N
# keeps the Gram matrix of full rank)
GRAM_SWEEP = Sweep(param="N", values=tuple(2**k for k in range(6, 12)), quick=tuple(2**k for k in range(6, 9)),
                   base={"B": 1, "d": 64, "r": 16}, claim="n^2")
FOURIER_SWEEP = replace(GRAM_SWEEP, values=tuple(2**k for k in range(6, 10)))
SVD_SWEEP = Sweep(param="N", values=tuple(2**k for k in range(5, 10)), quick=tuple(2**k for k in range(5, 8)),
                  base={"B": 1, "d": 512, "r": 16}, claim="n^3")


def _gram(name, config, grid=GRAM_GRID, quick=GRAM_QUICK, sweep=GRAM_SWEEP):
    return _kernel_case(name, name, config, "gram_matrix", grid=grid, quick=quick, label=_gram_label, sweep=sweep,
                        note=NOTE + "; both time gram_matrix(x), (B, N, N)")


def _gram_cases():
    return [
        _gram("CosineKernel", lambda p: {}),
        _gram("PolynomialKernel", lambda p: {"degree": 2}),
        _gram("FourierKernel", lambda p: {"rank": p["r"], "input_dim": p["d"]}, sweep=FOURIER_SWEEP),
        _gram("PolynomialSpectralKernel", lambda p: {"rank": p["r"]}),
        _gram("TruncatedSVDKernel", lambda p: {"rank": p["r"]}, grid=SVD_GRID, quick=SVD_QUICK, sweep=SVD_SWEEP),
    ]


CASES = [*_feature_cases(), *_gram_cases()]
