r"""The spectrans kernel suite: every kernel class of ``spectrans.kernels`` against specref's, method by method.

Each case builds the spectrans object (float64: modules ``.double()``; parameters given random values where
their initialisation is special), draws its inputs from a fixed NumPy seed and runs
:func:`specref.compare.compare` on one bound method (``compute``, ``forward``, ``kernel_approximation``,
``compute_attention``, ``spectral_density``), so the random frequencies and projections are spectrans's own,
loaded verbatim (:mod:`specref.compare.spectrans_kernels`). The configurations are those
validation/test_spectrans_kernels_*.py check:

- exact kernels: ``CosineKernel`` (eps 1e-8, 0.3), ``PolynomialKernel`` (degrees 2, 3, 0);
- random Fourier features: ``GaussianRFFKernel`` and ``LaplacianRFFKernel`` (cos or [cos, sin], frozen or
  trainable, i.i.d. or orthogonal), each through ``forward``, ``kernel_approximation`` and ``compute``, and
  their ``spectral_density``;
- structured features: ``OrthogonalRandomFeatures`` (QR mode, Gaussian and Laplacian, frozen and trainable),
  ``RFFAttentionKernel`` (softmax, relu, elu; orthogonal or not);
- spectral kernels: ``FourierKernel`` (three filters), ``LearnableSpectralKernel`` (normalize, trainable
  eigenvectors), ``PolynomialSpectralKernel.compute`` (degrees 2, 3, 0), ``compute_attention`` at q = k,
  ``TruncatedSVDKernel`` (exact, three ranks).

and the known differences (each with the facts its finding documents in ``Comparison.extra``):
``spectrans_laplacian_spectral_density``, ``spectrans_orthogonal_rff_norms``, ``spectrans_kernel_global_seed``,
``spectrans_orf_structured_draws`` (Hadamard mode), ``spectrans_fourier_kernel_no_forward``,
``spectrans_polynomial_attention_bases`` and ``spectrans_randomized_svd``. The two findings about draws
(fixed norms, the global seed) concern no method's output: their cases compare nothing and record the
measured facts.

One case is built from compare's pieces: ``kernel_approximation`` of trainable ``[cos, sin]`` features, whose
exact bias gradient is 0 (the phase cancels in :math:`\cos a\cos b + \sin a\sin b = \cos(a - b)`), so both
sides return rounding noise and a normwise error against that noise means nothing; the bias gradient is
measured against the scale of the omega gradient, the gradient of the same features' phases.
torch and spectrans are imported inside the cases' ``run`` only.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from specref.compare.suites import SuiteCase

__all__ = ["cases"]

PEER = "spectrans"
EXACT = [
    ("CosineKernel", {"eps": 1e-8}),
    ("CosineKernel", {"eps": 0.3}),
    ("PolynomialKernel", {"degree": 2, "alpha": 1.0, "coef0": 0.0}),
    ("PolynomialKernel", {"degree": 3, "alpha": 0.5, "coef0": 1.0}),
    ("PolynomialKernel", {"degree": 0, "alpha": 1.0, "coef0": 0.0}),
]
RFF = [
    ("GaussianRFFKernel", {"sigma": 1.0}),
    ("GaussianRFFKernel", {"sigma": 0.7, "use_cos_sin": True}),
    ("GaussianRFFKernel", {"sigma": 1.5, "trainable": True}),
    ("GaussianRFFKernel", {"sigma": 1.2, "use_cos_sin": True, "trainable": True}),
    ("GaussianRFFKernel", {"sigma": 1.0, "orthogonal": True}),  # frequencies loaded: the draw does not matter
    ("LaplacianRFFKernel", {"sigma": 1.0}),
    ("LaplacianRFFKernel", {"sigma": 2.0, "use_cos_sin": True, "trainable": True}),
]
RFF_METHODS = ("forward", "kernel_approximation", "compute")


def _label(method: str, config: dict) -> str:
    return " ".join([method, *(f"{k}={v}" for k, v in config.items())])


def _normwise(a, b) -> float:
    from specref.testing.checks import error_report

    return float(error_report(np.asarray(a), np.asarray(b)).normwise)


def _known(component: str, slug: str, label: str, notes: tuple, extra: dict, peer: str):
    """A known-difference record about spectrans's draws: nothing compared, the measured facts in ``extra``."""
    from specref.compare.result import Comparison

    return Comparison(peer, component, {}, "float64", (), slug, notes, "", label, extra)


# ----------------------------------------------------------------------------------------------------------
# exact kernels and random Fourier features (validation/test_spectrans_kernels_rff.py)


def _run_exact(name: str, config: dict, label: str):
    import spectrans.kernels.base as sk_base  # peer-only

    from specref.compare import compare

    gen = np.random.default_rng(0)
    x, y = gen.standard_normal((2, 5, 4)), gen.standard_normal((2, 3, 4))
    kernel = getattr(sk_base, name)(**config)  # not a module: name the framework
    return compare(kernel.compute, x=(x, y), framework="torch", label=label)


def _rff_module(name: str, config: dict, d: int = 6, m: int = 8):
    import spectrans.kernels.rff as sk_rff  # peer-only
    import torch  # peer-only

    torch.manual_seed(0)
    return getattr(sk_rff, name)(input_dim=d, num_features=m, **config).double()


def _run_rff(name: str, config: dict, method: str, label: str):
    from specref.compare import compare

    module = _rff_module(name, config)
    gen = np.random.default_rng(1)
    x, y = gen.standard_normal((2, 4, 6)), gen.standard_normal((2, 3, 6))
    if method == "kernel_approximation" and config.get("use_cos_sin") and config.get("trainable"):
        return _cos_sin_approximation(module, (x, y), label)
    return compare(getattr(module, method), x=(x,) if method == "forward" else (x, y), label=label)


def _cos_sin_approximation(module, inputs: tuple, label: str):
    """compare's steps, with the bias gradient (exactly 0) measured against the omega gradient's scale."""
    from specref.compare.frameworks import describe_peer, run_peer
    from specref.compare.result import Comparison, TensorComparison
    from specref.compare.spectrans_kernels import pairing
    from specref.testing.checks import error_report

    call = module.kernel_approximation
    pair = pairing(call, tuple(a.shape for a in inputs), dtype="float64")
    y, state = pair.forward(inputs, False, {})
    dy = np.random.default_rng(123).standard_normal(y.shape)
    peer = run_peer("torch", call, inputs, dy)
    fwd, grad = pair.bounds(tuple(a.shape for a in inputs), "float64")
    input_grads, param_grads = pair.backward(state, dy)
    pairs = [("output", peer.output, y, fwd), *((f"grad {n}", p, o, grad) for n, p, o in
                                                 zip(("x", "y"), peer.input_grads, input_grads, strict=True))]
    pairs += [(f"grad {k}", peer.param_grads[k], param_grads[k], grad) for k in param_grads]
    omega_scale = float(np.max(np.abs(param_grads["omega"])))
    tensors = []
    for name, theirs, ours, bound in pairs:
        rep = error_report(np.asarray(theirs), np.asarray(ours))
        error = rep.max_abs / omega_scale if name == "grad bias" else rep.normwise
        tensors.append(TensorComparison(name, float(error), tuple(rep.index), rep.actual, rep.expected, bound))
    note = ("the exact bias gradient is 0 (the phase cancels in [cos, sin] . [cos, sin]): its rounding noise "
            "is measured against the scale of the omega gradient")
    return Comparison(describe_peer(call), pair.component, pair.config, "float64", tuple(tensors), pair.known,
                      (*pair.notes, note), "", label)


def _run_density(name: str, label: str):
    import spectrans.kernels.rff as sk_rff  # peer-only
    import torch  # peer-only

    from specref.compare import compare
    from specref.kernels import LaplacianRFFKernel

    w = np.random.default_rng(2).standard_normal((7, 3)) * 2.0
    sigma = 1.3
    module = getattr(sk_rff, name)(3, 4, sigma=sigma)
    out = compare(module.spectral_density, x=w, label=label)
    if name != "LaplacianRFFKernel":
        return out
    peer = module.spectral_density(torch.tensor(w)).numpy()
    density = LaplacianRFFKernel(3, 4, sigma=sigma).spectral_density(w)
    error = _normwise(peer, 2**3 * density)  # the documented factor 2^d, d = 3
    return _replace(out, extra={"spectrans_vs_2^d_density": error},
                    notes=(*out.notes, f"spectrans = 2^d p to {error:.1e}"))


def _replace(comparison, **changes):
    import dataclasses

    return dataclasses.replace(comparison, **changes)


def _run_orthogonal_norms(label: str):
    import spectrans.kernels.rff as sk_rff  # peer-only
    import torch  # peer-only

    from specref.kernels import GaussianRFFKernel

    d, m, sigma = 4, 12, 1.5
    torch.manual_seed(0)
    omega = sk_rff.GaussianRFFKernel(d, m, sigma=sigma, orthogonal=True).omega.double().numpy()
    spread = float(np.max(np.abs(np.linalg.norm(omega, axis=0) - math.sqrt(d) / sigma)))
    ours = float(np.std(np.linalg.norm(GaussianRFFKernel(d, m, sigma=sigma, orthogonal=True, seed=0).omega, axis=0)))
    notes = (f"spectrans's orthogonal columns all have norm sqrt(d)/sigma = {math.sqrt(d) / sigma:.4f} (largest "
             f"deviation {spread:.1e}); specref's chi_d norms have SD {ours:.2f}",)
    return _known("GaussianRFFKernel", "spectrans_orthogonal_rff_norms", label, notes,
                  {"spectrans_norm_deviation": spread, "specref_norm_sd": ours}, "spectrans.GaussianRFFKernel")


def _run_global_seed(label: str):
    import spectrans.kernels.rff as sk_rff  # peer-only
    import torch  # peer-only

    torch.manual_seed(0)
    sk_rff.GaussianRFFKernel(3, 4, seed=1234)
    seed = int(torch.initial_seed())
    return _known("GaussianRFFKernel", "spectrans_kernel_global_seed", label,
                  (f"after GaussianRFFKernel(3, 4, seed=1234) torch.initial_seed() is {seed}",),
                  {"torch_initial_seed": seed}, "spectrans.GaussianRFFKernel")


# ----------------------------------------------------------------------------------------------------------
# structured features (validation/test_spectrans_kernels_structured.py)


def _run_orf(config: dict, label: str):
    import spectrans.kernels.rff as sk_rff  # peer-only
    import torch  # peer-only

    from specref.compare import compare

    torch.manual_seed(0)
    module = sk_rff.OrthogonalRandomFeatures(6, 10, sigma=1.3, **config).double()
    x = np.random.default_rng(0).standard_normal((2, 5, 6)) * 0.5
    return compare(module.forward, x=x, label=label)


def _run_attention_features(config: dict, label: str):
    import spectrans.kernels.rff as sk_rff  # peer-only
    import torch  # peer-only

    from specref.compare import compare

    torch.manual_seed(0)
    module = sk_rff.RFFAttentionKernel(4, 9, **config).double()
    x = np.random.default_rng(0).standard_normal((2, 5, 4)) * 0.5
    return compare(module.forward, x=x, label=label)


def _run_orf_hadamard(trainable: bool, label: str):
    """spectrans's 'Hadamard' is the all-ones matrix; specref's and spectrans's features against the SORF
    formula written with scipy.linalg.hadamard."""
    import scipy.linalg
    import spectrans.kernels.rff as sk_rff  # peer-only
    import torch  # peer-only

    from specref.compare import compare
    from specref.kernels import OrthogonalRandomFeatures

    torch.manual_seed(0)
    d, m = 5, 6
    module = sk_rff.OrthogonalRandomFeatures(d, m, use_hadamard=True, trainable=trainable).double()
    state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    x = np.random.default_rng(0).standard_normal((2, 3, d)) * 0.5
    out = compare(module.forward, x=x, label=label)
    diags = [state[k] for k in sorted(state) if k.startswith("diagonal")]
    n = diags[0].shape[0]
    h = scipy.linalg.hadamard(n) / math.sqrt(n)
    w = np.diag(diags[0]) @ h @ np.diag(diags[1]) @ h @ np.diag(diags[2]) @ h
    expected = math.sqrt(2 / m) * np.cos(x @ w[:d, :m] + state["bias"])
    ours = OrthogonalRandomFeatures.from_state_dict(state, input_dim=d, num_features=m, use_hadamard=True,
                                                    trainable=trainable).forward(x)
    extra = {"specref_vs_sorf": _normwise(ours, expected),
             "spectrans_vs_sorf": _normwise(module(torch.tensor(x)).detach().numpy(), expected)}
    return _replace(out, extra=extra, notes=(*out.notes, f"spectrans vs the SORF formula: "
                                                         f"{extra['spectrans_vs_sorf']:.2f}"))


# ----------------------------------------------------------------------------------------------------------
# spectral kernels (validation/test_spectrans_kernels_spectral.py)


def _randomize(module, gen, offset=0.0):
    import torch  # peer-only

    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(gen.standard_normal(tuple(p.shape)) * 0.5 + offset))


def _fourier_module(rank, d, filter_type):
    import spectrans.kernels.spectral as sk_spectral  # peer-only

    gen = np.random.default_rng(rank)
    module = sk_spectral.FourierKernel(rank, d, filter_type=filter_type).double()
    _randomize(module, gen, offset=1.0)
    return module, gen


def _run_fourier(rank, d, filter_type, method, label):
    from specref.compare import compare

    module, gen = _fourier_module(rank, d, filter_type)
    x, y = gen.standard_normal((2, 3, d)), gen.standard_normal((2, 4, d))
    if method == "forward":  # spectrans defines none: the module raises
        return compare(module, x=x, label=label)
    return compare(module.compute, x=(x, y), label=label)


def _run_learnable(normalize, trainable, method, label):
    import spectrans.kernels.spectral as sk_spectral  # peer-only
    import torch  # peer-only

    from specref.compare import compare

    gen = np.random.default_rng(int(normalize) + 2 * int(trainable))
    d, r = 5, 3
    module = sk_spectral.LearnableSpectralKernel(d, r, trainable_eigenvectors=trainable, normalize=normalize).double()
    _randomize(module, gen)
    if not trainable:
        with torch.no_grad():
            module.eigenvectors.copy_(torch.from_numpy(gen.standard_normal((d, r))))
    x, y = gen.standard_normal((2, 3, d)), gen.standard_normal((2, 4, d))
    return compare(module.forward, x=(x, y) if method == "compute" else x, label=label)


def _run_poly_spectral(degree, normalize, label):
    import spectrans.kernels.spectral as sk_spectral  # peer-only

    from specref.compare import compare

    gen = np.random.default_rng(degree)
    kernel = sk_spectral.PolynomialSpectralKernel(2, degree=degree, coef0=0.5, alpha=0.8, normalize=normalize)
    x, y = gen.standard_normal((2, 3, 5)), gen.standard_normal((2, 4, 5))
    return compare(kernel.compute, x=(x, y), framework="torch", label=label)


def _run_attention_q_equal_k(rank, normalize, label):
    """At q = k both definitions project on the same basis, so the outputs agree (the gradients do not:
    spectrans's basis of q moves with q alone)."""
    import spectrans.kernels.spectral as sk_spectral  # peer-only

    from specref.compare import compare

    gen = np.random.default_rng(rank)
    q = gen.standard_normal((2, 6, 4)) * np.array([3.0, 2.0, 1.2, 0.6])
    kernel = sk_spectral.PolynomialSpectralKernel(rank, degree=2, normalize=normalize)
    return compare(kernel.compute_attention, x=(q, q), framework="torch", label=label)


def _run_attention_bases(label):
    """rank = d: nothing is truncated, so the documented 'Q K^T' must be the centred Q K^T exactly."""
    import spectrans.kernels.spectral as sk_spectral  # peer-only
    import torch  # peer-only

    from specref.compare import compare
    from specref.kernels import PolynomialSpectralKernel

    gen = np.random.default_rng(11)
    d = 4
    q, k = gen.standard_normal((5, d)), gen.standard_normal((6, d))
    kernel = sk_spectral.PolynomialSpectralKernel(d, degree=1, coef0=0.0, normalize=False)
    out = compare(kernel.compute_attention, x=(q, k), framework="torch", label=label)
    expected = (q - q.mean(0)) @ (k - k.mean(0)).T
    ours = PolynomialSpectralKernel(d, degree=1, coef0=0.0, normalize=False).compute_attention(q, k)
    extra = {"specref_vs_centred_qk": _normwise(ours, expected),
             "spectrans_vs_centred_qk": _normwise(kernel.compute_attention(torch.tensor(q), torch.tensor(k)).numpy(),
                                                  expected)}
    return _replace(out, extra=extra, notes=(*out.notes, "spectrans differs from the centred Q K^T by "
                                                         f"{extra['spectrans_vs_centred_qk']:.2f}"))


def _run_svd(rank, normalize, n, m, label):
    import spectrans.kernels.spectral as sk_spectral  # peer-only

    from specref.compare import compare

    gen = np.random.default_rng(rank + n)
    scales = np.array([4.0, 2.0, 1.0, 0.5])
    x, y = gen.standard_normal((2, n, 4)) * scales, gen.standard_normal((m, 4)) * scales
    kernel = sk_spectral.TruncatedSVDKernel(rank, normalize=normalize)
    return compare(kernel.compute, x=(x, y), framework="torch", label=label)


def _run_randomized_svd(precision, label):
    """float64: spectrans raises. float32: its output is the rank-r range finder Q_r Q_r^T A (the 10
    oversampling columns unused), re-computed here from its own draw (same torch seed)."""
    import spectrans.kernels.spectral as sk_spectral  # peer-only
    import torch  # peer-only

    from specref.compare import compare
    from specref.kernels import TruncatedSVDKernel

    gen = np.random.default_rng(3)
    n, m, d, r = 40, 30, 12, 3
    x, y = gen.standard_normal((n, d)), gen.standard_normal((m, d))
    kernel = sk_spectral.TruncatedSVDKernel(r, normalize=False, use_randomized=True)
    if precision == "float64":
        return compare(kernel.compute, x=(x, y), framework="torch", label=label)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    out = compare(kernel.compute, x=(x32, y32), framework="torch", seed=0, label=label)
    torch.manual_seed(0)
    theirs = kernel.compute(torch.tensor(x32), torch.tensor(y32)).numpy().astype(np.float64)
    torch.manual_seed(0)
    omega = torch.randn(m, r + 10).numpy().astype(np.float64)
    a = x32.astype(np.float64) @ y32.astype(np.float64).T
    basis, _ = np.linalg.qr(a @ omega[:, :r])  # only the first r columns of Omega matter
    exact = TruncatedSVDKernel(r, normalize=False).compute(x, y)
    halko = TruncatedSVDKernel(r, normalize=False, use_randomized=True).compute(x, y, rng=0)
    extra = {"spectrans_vs_range_finder": _normwise(theirs, basis @ (basis.T @ a)),
             "specref_randomized_vs_exact": _normwise(halko, exact)}
    return _replace(out, extra=extra, notes=(*out.notes, "spectrans's float32 result is the rank-r range finder "
                                                         f"to {extra['spectrans_vs_range_finder']:.1e}"))


# ----------------------------------------------------------------------------------------------------------


def cases() -> list[SuiteCase]:
    """Every kernel case of the spectrans suite; a label is ``<class>.<method> <configuration>`` (unique)."""
    out = []

    def add(component, label, run, *args):
        out.append(SuiteCase(PEER, component, f"{component}.{label}", partial(run, *args, f"{component}.{label}")))

    for name, config in EXACT:
        add(name, _label("compute", config), _run_exact, name, config)
    for name, config in RFF:
        for method in RFF_METHODS:
            add(name, _label(method, config), _run_rff, name, config, method)
    for name in ("GaussianRFFKernel", "LaplacianRFFKernel"):
        add(name, "spectral_density sigma=1.3", _run_density, name)
    add("GaussianRFFKernel", "__init__ orthogonal=True (column norms)", _run_orthogonal_norms)
    add("GaussianRFFKernel", "__init__ seed=1234 (torch's global generator)", _run_global_seed)
    for kind in ("gaussian", "laplacian"):
        for trainable in (False, True):
            config = {"kernel_type": kind, "trainable": trainable}
            add("OrthogonalRandomFeatures", _label("forward", config), _run_orf, config)
    for trainable in (False, True):
        add("OrthogonalRandomFeatures", _label("forward", {"use_hadamard": True, "trainable": trainable}),
            _run_orf_hadamard, trainable)
    for kind in ("softmax", "relu", "elu"):
        for orthogonal in (True, False):
            config = {"kernel_type": kind, "use_orthogonal": orthogonal}
            add("RFFAttentionKernel", _label("forward", config), _run_attention_features, config)
    for rank, d, filter_type in ((3, 7, "gaussian"), (5, 8, "butterworth"), (4, 6, "ideal")):
        config = {"rank": rank, "input_dim": d, "filter_type": filter_type}
        for method in ("compute", "forward"):
            add("FourierKernel", _label(method, config), _run_fourier, rank, d, filter_type, method)
    for normalize, trainable in ((True, True), (False, True), (True, False)):
        config = {"normalize": normalize, "trainable_eigenvectors": trainable}
        for method, label in (("compute", "forward(x, y)"), ("extract_features", "forward(x)")):
            add("LearnableSpectralKernel", _label(label, config), _run_learnable, normalize, trainable, method)
    for degree, normalize in ((2, True), (3, False), (0, True)):
        add("PolynomialSpectralKernel", _label("compute", {"degree": degree, "normalize": normalize}),
            _run_poly_spectral, degree, normalize)
    for rank, normalize in ((2, True), (3, False)):
        add("PolynomialSpectralKernel", _label("compute_attention q=k", {"rank": rank, "normalize": normalize}),
            _run_attention_q_equal_k, rank, normalize)
    add("PolynomialSpectralKernel", "compute_attention q!=k rank=d", _run_attention_bases)
    for rank, normalize, n, m in ((2, True, 5, 4), (1, False, 3, 6), (3, True, 6, 5)):
        add("TruncatedSVDKernel", _label("compute", {"rank": rank, "normalize": normalize, "n": n, "m": m}),
            _run_svd, rank, normalize, n, m)
    for precision in ("float64", "float32"):
        add("TruncatedSVDKernel", f"compute use_randomized=True {precision}", _run_randomized_svd, precision)
    return out
