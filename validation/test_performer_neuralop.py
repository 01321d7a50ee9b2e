"""performer-pytorch and neuraloperator against specref and the math (peer venv; these tests write nothing).

- performer-pytorch: every case of its compare suite (FAVOR+ softmax and ReLU features, the kernel estimate,
  output and gradients with performer's own projection loaded into specref) passes or is explained by its
  finding; its orthogonal sampler ``gaussian_orthogonal_random_matrix`` against specref's
  ``sample_orthogonal_gaussian_frequencies``, statistically: chi_d row norms, orthogonal blocks, and the mean
  over seeds (zero for N(0, I) rows; performer's is not: ``performer_orthogonal_not_haar``), and the FAVOR+
  estimator's mean over seeds against exp(x.y).
- neuraloperator: its suite (specref's spectral convolutions through the weight map
  ``NeuralOperatorSpectralConv``) runs in validation/test_neuralop_spectralconv.py; here its ``SpectralConv`` against a
  NumPy oracle written from the math (FFT, the n_modes frequencies around 0, the complex weight product, the
  inverse FFT at the output resolution): agreement where it computes the math, and the findings
  ``neuralop_spectralconv_fftshift``, ``_resolution``, ``_complex64`` and ``_n_modes`` reproduced where it does
  not.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.compare import suites

torch = pytest.importorskip("torch")

# ----------------------------------------------------------------------------------------------------------
# performer-pytorch: the compare suite

pytest.importorskip("performer_pytorch")

PERFORMER_CASES = suites.cases("performer-pytorch")


@pytest.mark.parametrize("case", PERFORMER_CASES, ids=[c.id for c in PERFORMER_CASES])
def test_performer_suite_case(case):
    result = case.run()
    assert not result.peer_error, result.peer_error
    assert result.explained, result.message()
    names = [t.name for t in result.tensors]
    assert names[0] == "output" and len(names) >= 3, names  # the output and every input's gradient
    if result.known:  # performer's default epsilons: the output differs, far beyond rounding
        assert result.known == "performer_favor_eps"
        assert result.tensor("output").error > 1e3 * result.tensor("output").bound.value
    else:
        assert result.passed, result.message()


def test_performer_suite_covers_the_features_and_the_estimate():
    components = {c.component for c in PERFORMER_CASES}
    assert components == {"RFFAttentionKernel.forward[softmax]", "RFFAttentionKernel.forward[relu]",
                          "RFFAttentionKernel.kernel_approximation"}
    assert any("float32" in c.label for c in PERFORMER_CASES)


def test_performer_projection_leaves_torch_global_rng_alone():
    from specref.compare.suites.performer_pytorch import performer_projection

    state = torch.random.get_rng_state()
    a = performer_projection(8, 4, seed=3)
    assert torch.equal(state, torch.random.get_rng_state())
    assert np.array_equal(a, performer_projection(8, 4, seed=3)) and a.shape == (8, 4)


# ----------------------------------------------------------------------------------------------------------
# performer-pytorch: the orthogonal sampler, statistically

D, M, DRAWS = 4, 8, 4000  # two full blocks of d = 4 rows


@pytest.fixture(scope="module")
def draws():
    """(performer, specref) projections, each (DRAWS, m, d) with rows the frequencies."""
    from performer_pytorch.performer_pytorch import gaussian_orthogonal_random_matrix

    from specref.kernels.rff import sample_orthogonal_gaussian_frequencies

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        perf = np.stack([gaussian_orthogonal_random_matrix(M, D).double().numpy() for _ in range(DRAWS)])
    gen = np.random.default_rng(0)
    ours = np.stack([sample_orthogonal_gaussian_frequencies(gen, D, M).T for _ in range(DRAWS)])
    return perf, ours


def _chi_mean(d: int) -> float:
    return math.sqrt(2.0) * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2))


@pytest.mark.parametrize("side", [0, 1], ids=["performer", "specref"])
def test_sampler_row_norms_are_chi_d(draws, side):
    norms = np.linalg.norm(draws[side], axis=-1).ravel()
    n = norms.size
    # E chi_d, E chi_d^2 = d; Var chi_d = d - (E chi_d)^2: the sample means within 5 standard errors
    mean, var = _chi_mean(D), D - _chi_mean(D) ** 2
    assert abs(norms.mean() - mean) < 5 * math.sqrt(var / n)
    sq = norms**2  # chi-square(d): variance 2d
    assert abs(sq.mean() - D) < 5 * math.sqrt(2 * D / n)


@pytest.mark.parametrize("side", [0, 1], ids=["performer", "specref"])
def test_sampler_blocks_are_orthogonal(draws, side):
    w = draws[side]
    u = w / np.linalg.norm(w, axis=-1, keepdims=True)
    tol = 8 * np.finfo(np.float32 if side == 0 else np.float64).eps * D  # performer draws in float32
    for b in range(M // D):
        block = u[:, b * D:(b + 1) * D]
        gram = np.einsum("nid,njd->nij", block, block)
        assert np.max(np.abs(gram - np.eye(D))) < tol


def test_specref_sampler_rows_have_mean_zero(draws):
    w = draws[1]
    se = w.std(axis=0) / math.sqrt(DRAWS)
    assert np.max(np.abs(w.mean(axis=0)) / se) < 5.0  # 32 entries: 5 standard errors


def test_performer_sampler_rows_have_a_nonzero_mean(draws):
    """performer_orthogonal_not_haar: the Q of an unsigned QR is not Haar; row i of a block has mean
    about -0.4 E[chi_d] e_i (+ for the last), where an N(0, I) row has mean 0."""
    w = draws[0]
    se = w.std(axis=0) / math.sqrt(DRAWS)
    z = w.mean(axis=0) / se
    diag = np.array([z[b * D + i, i] for b in range(M // D) for i in range(D)])
    assert np.all(np.abs(diag) > 20.0), diag
    off = z.copy()
    for b in range(M // D):
        off[b * D:(b + 1) * D][np.eye(D, dtype=bool)] = 0.0
    assert np.max(np.abs(off)) < 5.0  # off the diagonal the mean is zero


@pytest.mark.parametrize("axis", [0, D - 1])
def test_favor_estimator_mean_over_seeds(draws, axis):
    """The FAVOR+ estimate of exp(x.y) for x = y = a e_axis: specref's draws average to exp(a^2) within 5
    standard errors; performer's do not (performer_orthogonal_not_haar)."""
    a = 0.5
    x = np.zeros(D)
    x[axis] = a
    target = math.exp(a * a)
    for side, unbiased in ((1, True), (0, False)):
        est = np.exp(draws[side] @ (2 * x) - a * a).mean(axis=-1)  # (1/m) sum_i exp(w_i.(x+y) - |x|^2/2 - |y|^2/2)
        z = (est.mean() - target) / (est.std() / math.sqrt(DRAWS))
        assert (abs(z) < 5.0) == unbiased, (side, est.mean(), target, z)


# ----------------------------------------------------------------------------------------------------------
# neuraloperator: the suite exists (validation/test_neuralop_spectralconv.py); SpectralConv against the math

neuralop = pytest.importorskip("neuralop")


def test_neuraloperator_suite_exists():
    assert suites.cases("neuraloperator")
    assert suites.peer_available("neuraloperator")[0]


def _conv(n_modes, ci=2, co=3, complex_data=False, seed=0, **kw):
    from neuralop.layers.spectral_convolution import SpectralConv

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return SpectralConv(ci, co, n_modes, complex_data=complex_data, **kw)


def _weight(conv) -> np.ndarray:
    w = conv.weight
    return (w.to_tensor() if hasattr(w, "to_tensor") else w).detach().numpy().astype(np.complex128)


def spectral_conv_oracle(x, weight, bias, out_shape, complex_data):
    r"""The math: :math:`y = \mathcal F^{-1}_{s}(W \odot \mathrm{trunc}(\mathcal F x)) + b`, norm "forward".

    ``weight`` (ci, co, K_1, ..., K_r): along a full-FFT axis index j multiplies frequency j - K // 2 (the
    K frequencies around 0); along a real transform's last axis frequency j. Frequency f is read from bin
    f mod N and written to bin f mod M of the output spectrum (every kept frequency must fit: |f| < M / 2).
    """
    r = weight.ndim - 2
    axes = tuple(range(-r, 0))
    xf = np.fft.fftn(x, axes=axes, norm="forward") if complex_data else np.fft.rfftn(x, axes=axes, norm="forward")
    freqs = []
    for a, k in enumerate(weight.shape[2:]):
        last_real = a == r - 1 and not complex_data
        freqs.append(np.arange(k) if last_real else np.arange(k) - k // 2)
    n_in = x.shape[2:]
    spec_out = list(out_shape)
    if not complex_data:
        spec_out[-1] = out_shape[-1] // 2 + 1
    read = np.ix_(*[f % n for f, n in zip(freqs, n_in, strict=True)])
    write = np.ix_(*[f % m for f, m in zip(freqs, out_shape, strict=True)])
    sel = xf[(slice(None), slice(None), *read)]
    prod = np.einsum("bi...,io...->bo...", sel, weight)
    yf = np.zeros((x.shape[0], weight.shape[1], *spec_out), dtype=np.complex128)
    yf[(slice(None), slice(None), *write)] = prod
    if complex_data:
        y = np.fft.ifftn(yf, s=out_shape, axes=axes, norm="forward")
    else:
        y = np.fft.irfftn(yf, s=out_shape, axes=axes, norm="forward")
    return y if bias is None else y + bias


def _bound(shape, ci) -> float:
    from specref.compare.bounds import eps_of
    from specref.testing.tolerances import fft_error_scale

    # forward and inverse FFT over each axis, the complex product (4), the sum over ci channels (ci + 1);
    # both sides: 2 c eps with float32's eps (neuraloperator computes in complex64)
    c = 2 * sum(fft_error_scale(n) for n in shape) + 4 + ci + 1
    return 2 * c * eps_of("float32")


def _run(conv, x, out_shape=None, complex_data=False):
    y = conv(torch.as_tensor(x), output_shape=out_shape).detach().numpy()
    bias = None if conv.bias is None else conv.bias.detach().numpy().astype(np.float64)
    want = spectral_conv_oracle(x.astype(np.complex128 if complex_data else np.float64), _weight(conv), bias,
                                tuple(out_shape or x.shape[2:]), complex_data)
    return float(np.max(np.abs(y - want)) / np.max(np.abs(want)))


def _real(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


AGREE = [  # (n_modes, input spatial shape): real data, even sizes on the axes but the last, same resolution
    ([4], (16,)), ([5], (15,)), ([16], (16,)),
    ([4, 6], (8, 10)), ([6, 5], (12, 9)), ([3, 4], (8, 7)), ([8, 8], (8, 8)),
    ([4, 4, 4], (6, 8, 5)), ([2, 3, 6], (4, 6, 9)),
]


@pytest.mark.parametrize("n_modes,shape", AGREE, ids=[f"{m}-{s}" for m, s in AGREE])
def test_spectral_conv_agrees_with_the_math(n_modes, shape):
    conv = _conv(n_modes)
    x = _real((2, 2, *shape))
    assert _run(conv, x) < _bound(shape, 2)


@pytest.mark.parametrize("n_in,n_out", [(16, 32), (16, 8), (15, 24)])
def test_spectral_conv_1d_resolution_change_agrees(n_in, n_out):
    conv = _conv([6])
    assert _run(conv, _real((2, 2, n_in)), (n_out,)) < _bound((n_in, n_out), 2)


def test_spectral_conv_last_axis_resolution_change_agrees():
    conv = _conv([4, 6])
    assert _run(conv, _real((2, 2, 8, 10)), (8, 20)) < _bound((8, 10, 20), 2)


@pytest.mark.parametrize("n_modes,shape", [([4, 4], (7, 8)), ([5, 4], (9, 6)), ([4, 4, 4], (6, 7, 8))])
def test_odd_size_off_the_last_axis_is_rotated(n_modes, shape):
    """neuralop_spectralconv_fftshift: fftshift twice (not fftshift then ifftshift) on an odd axis."""
    conv = _conv(n_modes)
    assert _run(conv, _real((2, 2, *shape))) > 0.05


@pytest.mark.parametrize("out_shape", [(16, 8), (6, 8), (12, 8)])
def test_resolution_change_off_the_last_axis_misplaces_negative_frequencies(out_shape):
    """neuralop_spectralconv_resolution: irfftn(s=...) pads/crops the end of the unshifted spectrum."""
    conv = _conv([4, 4])
    assert _run(conv, _real((2, 2, 8, 8)), out_shape) > 0.05


def test_resolution_scaling_factor_misplaces_negative_frequencies():
    conv = _conv([4, 4], resolution_scaling_factor=2)
    x = _real((2, 2, 8, 8))
    assert conv(torch.as_tensor(x)).shape[-2:] == (16, 16)
    assert _run(conv, x, (16, 16)) > 0.05  # the scaling factor's shape given explicitly computes the same


@pytest.mark.parametrize("n_modes,shape", [([4], (16,)), ([4, 4], (8, 8))])
def test_complex_data_keeps_the_wrong_frequencies(n_modes, shape):
    """neuralop_spectralconv_fftshift: the last axis is sliced like a real transform's (1-D: no negative
    frequencies; n-D: the most negative ones, never shifted back)."""
    conv = _conv(n_modes, complex_data=True)
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((2, 2, *shape)) + 1j * rng.standard_normal((2, 2, *shape))).astype(np.complex64)
    assert _run(conv, x, complex_data=True) > 0.05


def test_float64_is_computed_in_complex64():
    """neuralop_spectralconv_complex64: the spectrum buffer is complex64 whatever the dtypes: float64 input
    raises in the contraction (the weight is complex64) or, with the weight made complex128, returns float64
    of float32 accuracy."""
    from specref.compare.bounds import eps_of

    x = np.random.default_rng(2).standard_normal((2, 2, 8, 10))
    conv = _conv([4, 6])
    with pytest.raises(RuntimeError, match="ComplexDouble"):
        conv(torch.as_tensor(x))
    with torch.no_grad():
        conv.weight.tensor.data = conv.weight.tensor.data.to(torch.complex128)
        conv.bias.data = conv.bias.data.double()
    assert conv(torch.as_tensor(x)).dtype == torch.float64
    err = _run(conv, x)
    assert 1e3 * eps_of("float64") < err < _bound((8, 10), 2)


def test_odd_n_modes_are_not_rounded_to_even():
    """neuralop_spectralconv_n_modes: the docstring says odd n_modes are rounded to an even number; an odd
    count on an axis but the last keeps that many modes (the weight has that size)."""
    conv = _conv([5, 6])
    assert tuple(_weight(conv).shape[2:]) == (5, 4)
    assert _run(conv, _real((2, 2, 10, 8))) < _bound((10, 8), 2)  # and the 5 modes -2..2 are used


@pytest.mark.parametrize("used,aligned", [([6, 8], True), ([7, 8], False), ([5, 8], False)])
def test_fewer_modes_than_the_weight(used, aligned):
    """neuralop_spectralconv_n_modes: with max_n_modes (8, 8), using an odd number fewer modes on an axis but
    the last slides every weight by one frequency; the math truncates the filter (same weight per frequency)."""
    conv = _conv([8, 8], max_n_modes=[8, 8])
    full = _weight(conv)
    conv.n_modes = used
    x = _real((2, 2, 16, 16))
    freqs = np.arange(8) - 4
    keep = (freqs >= -(used[0] // 2)) & (freqs < used[0] - used[0] // 2)
    # max_n_modes is not halved on the last axis: the weight keeps 8 entries there, the first 8 // 2 + 1 used
    bias = conv.bias.detach().numpy().astype(np.float64)
    want = spectral_conv_oracle(x.astype(np.float64), full[:, :, keep, :used[-1] // 2 + 1], bias, (16, 16), False)
    err = float(np.max(np.abs(conv(torch.as_tensor(x)).detach().numpy() - want)) / np.max(np.abs(want)))
    assert (err < _bound((16, 16), 2)) == aligned, err
