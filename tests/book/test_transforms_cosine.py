"""Guards of docs/transforms/cosine.md: each formula the page states, evaluated independently.

Expected values come from the page's formulas written out here: the eight DCT/DST matrices built entry by entry
from the definitions table, the norm and orthogonalize tables as diagonal matrices, the FFT algorithms of the
cores table run through a dense DFT, and the MDCT as a loop over frames and samples. The specref functions the
page names are only ever on the "got" side. Sizes are tiny (n <= 16), float64 throughout.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

from specref.oracle.dct import dct_oracle_bound
from specref.testing.tolerances import fft_error_scale
from specref.transforms import cosine as cs

md = importlib.import_module("specref.transforms.mdct")  # the package re-exports a function of that name
EPS = np.finfo(np.float64).eps
KINDS_TYPES = [(k, t) for k in ("dct", "dst") for t in (1, 2, 3, 4)]
R2 = math.sqrt(2.0)


def _matrix(kind, t, n):
    """The definitions table (norm=None), entry by entry: C_t or S_t of size n."""
    a = np.zeros((n, n))
    for k in range(n):
        for j in range(n):
            if kind == "dct" and t == 1:
                a[k, j] = (1.0 if j == 0 else (-1.0) ** k if j == n - 1 else 2 * math.cos(math.pi * k * j / (n - 1)))
            elif kind == "dct" and t == 2:
                a[k, j] = 2 * math.cos(math.pi * k * (2 * j + 1) / (2 * n))
            elif kind == "dct" and t == 3:
                a[k, j] = 1.0 if j == 0 else 2 * math.cos(math.pi * (2 * k + 1) * j / (2 * n))
            elif kind == "dct":
                a[k, j] = 2 * math.cos(math.pi * (2 * k + 1) * (2 * j + 1) / (4 * n))
            elif t == 1:
                a[k, j] = 2 * math.sin(math.pi * (k + 1) * (j + 1) / (n + 1))
            elif t == 2:
                a[k, j] = 2 * math.sin(math.pi * (k + 1) * (2 * j + 1) / (2 * n))
            elif t == 3:
                a[k, j] = (-1.0) ** k if j == n - 1 else 2 * math.sin(math.pi * (2 * k + 1) * (j + 1) / (2 * n))
            else:
                a[k, j] = 2 * math.sin(math.pi * (2 * k + 1) * (2 * j + 1) / (4 * n))
    return a


def _logical(kind, t, n):
    """M: 2(N-1) for DCT-I, 2(N+1) for DST-I, 2N otherwise."""
    if t == 1:
        return 2 * (n - 1) if kind == "dct" else 2 * (n + 1)
    return 2 * n


def _factor(norm, m, inverse):
    """The norm table: None/backward 1 and 1/M, ortho 1/sqrt M both, forward 1/M and 1."""
    if norm == "ortho":
        return 1 / math.sqrt(m)
    if norm == "forward":
        return 1.0 if inverse else 1 / m
    return 1 / m if inverse else 1.0


# orthogonalize table: (before the core, after the core) as (first, last) end weights
ORTH = {
    ("dct", 1): ((R2, R2), (1 / R2, 1 / R2)),
    ("dct", 2): ((1, 1), (1 / R2, 1)),
    ("dct", 3): ((R2, 1), (1, 1)),
    ("dst", 2): ((1, 1), (1, 1 / R2)),
    ("dst", 3): ((1, R2), (1, 1)),
}
INVERSE_CORE = {1: 1, 2: 3, 3: 2, 4: 4}


def _ends(n, weights):
    d = np.ones(n)
    d[0] *= weights[0]
    d[-1] *= weights[1]
    return np.diag(d)


def _full(kind, t, n, norm, orth, inverse=False):
    """The page's A = S_c D_post K_t D_pre (no axis move, no crop), K_t the core the transform uses."""
    core = INVERSE_CORE[t] if inverse else t
    pre, post = ORTH.get((kind, core), ((1, 1), (1, 1))) if orth else ((1, 1), (1, 1))
    c = _factor(norm, _logical(kind, t, n), inverse)
    return c * _ends(n, post) @ _matrix(kind, core, n) @ _ends(n, pre)


def _pad(n, m):
    p = np.zeros((n, m))
    for j in range(min(m, n)):
        p[j, j] = 1.0
    return p


def _dft(n, sign=-1):
    j = np.arange(n)
    return np.exp(sign * 2j * np.pi * (np.outer(j, j) % n) / n)


# ----------------------------------------------------------------------------------------------------------
# Definitions


@pytest.mark.parametrize("kind, t", KINDS_TYPES)
def test_definitions_table_norm_none(kind, t):
    """docs/transforms/cosine.md, Definitions: the eight sums of the table (norm=None), built entry by entry, for
    N = 1, 2, 3, 5, 8, against specref.transforms.cosine.dct / dst; DCT-I at N = 1 raises ValueError."""
    fn = cs.dct if kind == "dct" else cs.dst
    for n in (1, 2, 3, 5, 8):
        x = np.random.default_rng(n * 10 + t).standard_normal(n)
        if kind == "dct" and t == 1 and n == 1:
            with pytest.raises(ValueError):
                fn(x, type=1)
            continue
        expected = _matrix(kind, t, n) @ x
        atol = 4 * n * EPS * 2 * np.abs(x).sum()  # n-term sums of entries |a| <= 2 (loop) + FFT scale 2(1+log2 16)
        np.testing.assert_allclose(fn(x, type=t), expected, rtol=0, atol=atol)  # derived above


@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
@pytest.mark.parametrize("kind, t", KINDS_TYPES)
def test_norm_uses_the_logical_length(kind, t, norm):
    """docs/transforms/cosine.md, Definitions (norm table): factors 1, 1/sqrt M, 1/M with M = 2(N-1) for DCT-I,
    2(N+1) for DST-I, 2N otherwise; idct/idst use the inverse column and the inverse core (II <-> III).
    orthogonalize=False isolates the factor. Against dct, idct, dst, idst."""
    n = 6
    x = np.random.default_rng(t).standard_normal(n)
    fwd, inv = (cs.dct, cs.idct) if kind == "dct" else (cs.dst, cs.idst)
    atol = 8 * n * EPS * np.abs(x).sum()  # n-term sums of |a| <= 2 + one factor + FFT scale 2(1 + log2 14) <= 8n
    np.testing.assert_allclose(fwd(x, type=t, norm=norm, orthogonalize=False),
                               _full(kind, t, n, norm, False) @ x, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(inv(x, type=t, norm=norm, orthogonalize=False),
                               _full(kind, t, n, norm, False, inverse=True) @ x, rtol=0, atol=atol)  # derived above


@pytest.mark.parametrize("n", [2, 3, 6])
@pytest.mark.parametrize("kind, t", KINDS_TYPES)
def test_orthogonalize_table_makes_ortho_orthogonal(kind, t, n):
    """docs/transforms/cosine.md, Definitions (orthogonalize table): the end weights before/after the core make
    every ortho matrix orthogonal (default orthogonalize=None means norm == "ortho"); the ortho DCT-II without
    orthogonalize is not; a string raises TypeError. Against dct / dst."""
    a = _full(kind, t, n, "ortho", True)
    np.testing.assert_allclose(a.T @ a, np.eye(n), rtol=0, atol=8 * n * EPS)  # n-term sums of entries <= 1
    x = np.random.default_rng(n + t).standard_normal(n)
    fn = cs.dct if kind == "dct" else cs.dst
    atol = 8 * n * EPS * np.abs(x).sum()  # n-term sums, a factor, two end weights, FFT scale 2(1 + log2 14)
    np.testing.assert_allclose(fn(x, type=t, norm="ortho"), a @ x, rtol=0, atol=atol)  # derived above
    if (kind, t) == ("dct", 2):
        b = _full(kind, t, n, "ortho", False)
        assert np.abs(b.T @ b - np.eye(n)).max() > 0.1  # entry (0, 0) is 2 instead of 1: O(1)
        with pytest.raises(TypeError):
            cs.dct(x, norm="ortho", orthogonalize="no")


@pytest.mark.parametrize("n", [2, 5, 8])
def test_inverses_from_the_definitions(n):
    """docs/transforms/cosine.md, Definitions (Inverses): C3 C2 = C2 C3 = 2N I, C1^2 = 2(N-1) I, C4^2 = 2N I,
    the same for S_t with 2(N+1) for S1 (dense matrices of the table); idct(type=2) = (1/(2Ns)) C3 D_post^{-1};
    idct/idst invert dct/dst under every norm and orthogonalize. Against idct, idst."""
    mats = {(k, t): _matrix(k, t, n) for k, t in KINDS_TYPES}
    tol = 16 * n * EPS * 4 * n  # n-term sums of products of entries <= 2, against entries of size 2N <= 4n
    for k in ("dct", "dst"):
        np.testing.assert_allclose(mats[k, 3] @ mats[k, 2], 2 * n * np.eye(n), rtol=0, atol=tol)  # derived above
        np.testing.assert_allclose(mats[k, 2] @ mats[k, 3], 2 * n * np.eye(n), rtol=0, atol=tol)  # derived above
        np.testing.assert_allclose(mats[k, 4] @ mats[k, 4], 2 * n * np.eye(n), rtol=0, atol=tol)  # derived above
    np.testing.assert_allclose(mats["dct", 1] @ mats["dct", 1], 2 * (n - 1) * np.eye(n),
                               rtol=0, atol=tol)  # derived above
    np.testing.assert_allclose(mats["dst", 1] @ mats["dst", 1], 2 * (n + 1) * np.eye(n),
                               rtol=0, atol=tol)  # derived above
    s = 1 / math.sqrt(2 * n)
    d_post_inv = np.diag([R2] + [1.0] * (n - 1))
    y = np.random.default_rng(n).standard_normal(n)
    atol = 8 * n * EPS * np.abs(y).sum()  # n-term sums of |a| <= 2 times 1/sqrt(2N), FFT scale <= 8n
    np.testing.assert_allclose(cs.idct(y, type=2, norm="ortho"), mats["dct", 3] @ d_post_inv @ y / (2 * n * s),
                               rtol=0, atol=atol)  # derived above
    for kind, t in KINDS_TYPES:
        fwd, inv = (cs.dct, cs.idct) if kind == "dct" else (cs.dst, cs.idst)
        for norm, orth in ((None, False), ("ortho", True), ("ortho", False), ("forward", False)):
            back = inv(fwd(y, type=t, norm=norm, orthogonalize=orth), type=t, norm=norm, orthogonalize=orth)
            np.testing.assert_allclose(back, y, rtol=0, atol=atol)  # two transforms, same per-step bound


# ----------------------------------------------------------------------------------------------------------
# The adjoint of each core, derived


@pytest.mark.parametrize("n", [2, 3, 7])
def test_core_transpose_derivations_and_table(n):
    """docs/transforms/cosine.md, The adjoint of each core: C2^T = C3 D, C3^T = D^{-1} C2, C1 = K W and
    C1^T = W C1 W^{-1}, S2^T = S3 D', S3^T = D'^{-1} S2, C4, S1, S4 symmetric (dense matrices of the
    definitions); the table's (pre, core, post) entries equal _CORE_TRANSPOSE and _core_adjoint is K_t^T."""
    c = {t: _matrix("dct", t, n) for t in (1, 2, 3, 4)}
    s = {t: _matrix("dst", t, n) for t in (1, 2, 3, 4)}
    d = np.diag([2.0] + [1.0] * (n - 1))
    dp = np.diag([1.0] * (n - 1) + [2.0])
    w = np.diag([0.5] + [1.0] * (n - 2) + [0.5])
    kk = np.array([[2 * math.cos(math.pi * k * j / (n - 1)) for j in range(n)] for k in range(n)])
    tol = 8 * n * EPS  # cosines/sines of exactly the same angles up to symmetry: a few ulps of entries <= 2
    np.testing.assert_allclose(c[2].T, c[3] @ d, rtol=0, atol=tol)  # derived above
    np.testing.assert_allclose(c[3].T, np.linalg.inv(d) @ c[2], rtol=0, atol=tol)  # derived above
    np.testing.assert_allclose(c[1], kk @ w, rtol=0, atol=tol)  # derived above
    np.testing.assert_allclose(c[1].T, w @ c[1] @ np.linalg.inv(w), rtol=0, atol=tol)  # derived above
    np.testing.assert_allclose(s[2].T, s[3] @ dp, rtol=0, atol=tol)  # derived above
    np.testing.assert_allclose(s[3].T, np.linalg.inv(dp) @ s[2], rtol=0, atol=tol)  # derived above
    for m in (c[4], s[1], s[4]):
        np.testing.assert_allclose(m, m.T, rtol=0, atol=tol)  # derived above
    page_table = {
        ("dct", 1): ((2, 2), 1, (0.5, 0.5)), ("dct", 2): ((2, 1), 3, None), ("dct", 3): (None, 2, (0.5, 1)),
        ("dct", 4): (None, 4, None), ("dst", 1): (None, 1, None), ("dst", 2): ((1, 2), 3, None),
        ("dst", 3): (None, 2, (1, 0.5)), ("dst", 4): (None, 4, None),
    }
    assert cs._CORE_TRANSPOSE == page_table
    y = np.random.default_rng(n).standard_normal(n)
    for kind, t in KINDS_TYPES:
        got = cs._core_adjoint(y, input_shape=(n,), kind=kind, type_=t)
        np.testing.assert_allclose(got, _matrix(kind, t, n).T @ y, rtol=0,
                                   atol=8 * n * EPS * np.abs(y).sum())  # n-term sums of |a| <= 2, FFT scale


@pytest.mark.parametrize("m, n, norm, orth", [(5, 5, "ortho", True), (7, 4, "forward", False),
                                              (3, 6, None, False), (4, 6, "ortho", True)])
@pytest.mark.parametrize("kind, t", KINDS_TYPES)
def test_adjoint_is_the_chain_transposed(kind, t, m, n, norm, orth):
    """docs/transforms/cosine.md, One core per type + "n composes": A = M^{-1} S_c D_post K_t D_pre P M along
    axis 0, its adjoint the dense A^T (cropped samples get zero gradient), for the forward and the inverse.
    Against dct_adjoint / dst_adjoint / idct_adjoint / idst_adjoint."""
    rng = np.random.default_rng(m * n + t)
    y = rng.standard_normal((n, 2))
    fwd_adj, inv_adj = ((cs.dct_adjoint, cs.idct_adjoint) if kind == "dct" else (cs.dst_adjoint, cs.idst_adjoint))
    atol = 8 * n * EPS * np.abs(y).sum()  # n-term sums of |a| <= 2, factor and weights, FFT scale <= 8n
    for adj, inverse in ((fwd_adj, False), (inv_adj, True)):
        a = _full(kind, t, n, norm, orth, inverse=inverse) @ _pad(n, m)
        got = adj(y, input_shape=(m, 2), type=t, n=n, axis=0, norm=norm, orthogonalize=orth)
        np.testing.assert_allclose(got, a.T @ y, rtol=0, atol=atol)  # derived above
        if n < m:
            assert np.all(got[n:] == 0.0)


@pytest.mark.parametrize("kind, t", KINDS_TYPES)
def test_ortho_orthogonalized_adjoint_equals_inverse(kind, t):
    """docs/transforms/cosine.md, The orthogonalize variants: with norm="ortho" and orthogonalize=True every type is
    orthogonal, so dct_adjoint(y, norm="ortho") = idct(y, norm="ortho") (and = A^T of the dense matrix)."""
    n = 5
    y = np.random.default_rng(t).standard_normal(n)
    adj, inv = (cs.dct_adjoint, cs.idct) if kind == "dct" else (cs.dst_adjoint, cs.idst)
    a = _full(kind, t, n, "ortho", True)
    atol = 8 * n * EPS * np.abs(y).sum()  # n-term sums of entries <= 1, FFT scale 2(1 + log2 12) <= 8n
    np.testing.assert_allclose(adj(y, input_shape=(n,), type=t, norm="ortho"), a.T @ y,
                               rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(inv(y, type=t, norm="ortho"), a.T @ y, rtol=0, atol=atol)  # derived above


# ----------------------------------------------------------------------------------------------------------
# The cores: the FFT algorithms of the table


def _page_algorithm(kind, t, x):
    """The cores table, each algorithm written out with a dense DFT."""
    n = len(x)
    if kind == "dct" and t == 1:
        u = np.concatenate([x, x[-2:0:-1]])
        return (_dft(len(u)) @ u).real[:n]
    if kind == "dct" and t == 2:
        v = np.concatenate([x[0::2], x[1::2][::-1]])
        return 2 * (np.exp(-1j * np.pi * np.arange(n) / (2 * n)) * (_dft(n) @ v)).real
    if kind == "dct" and t == 3:
        xn = np.concatenate([x, [0.0]])
        wk = np.exp(1j * np.pi * np.arange(n) / (2 * n)) * (x - 1j * xn[n - np.arange(n)])
        v = (_dft(n, +1) @ wk).real
        y = np.empty(n)
        half = (n + 1) // 2
        y[0::2] = v[:half]
        y[1::2] = v[::-1][: n // 2]
        return y
    if kind == "dct":
        pre = x * np.exp(-1j * np.pi * np.arange(n) / (2 * n))
        full = _dft(2 * n) @ np.concatenate([pre, np.zeros(n)])
        return 2 * (np.exp(-1j * np.pi * (2 * np.arange(n) + 1) / (4 * n)) * full[:n]).real
    if t == 1:
        u = np.concatenate([[0.0], x, [0.0], -x[::-1]])
        return -(_dft(len(u)) @ u).imag[1 : n + 1]
    sigma = (-1.0) ** np.arange(n)
    if t == 2:
        return _page_algorithm("dct", 2, sigma * x)[::-1]
    return sigma * _page_algorithm("dct", t, x[::-1])


@pytest.mark.parametrize("kind, t", KINDS_TYPES)
def test_fft_algorithms_of_the_cores_table(kind, t):
    """docs/transforms/cosine.md, The cores: each table row (even/odd extensions, Makhoul and its reverse, the
    twiddled 2N FFT of DCT-IV, S2 = R C2 Sigma, S_t = Sigma C_t R) run with a dense DFT equals the definition, for
    N = 1, 2, 3, 4, 7, 8; specref.transforms.cosine._core_fft equals it too."""
    for n in (1, 2, 3, 4, 7, 8):
        if kind == "dct" and t == 1 and n < 2:
            continue
        x = np.random.default_rng(n * 8 + t).standard_normal(n)
        expected = _matrix(kind, t, n) @ x
        atol = 8 * n * EPS * 2 * np.abs(x).sum()  # dense 2(n+1)-term sums and twiddles, entries <= 2: <= 16 n eps
        np.testing.assert_allclose(_page_algorithm(kind, t, x), expected, rtol=0, atol=atol)  # derived above
        np.testing.assert_allclose(cs._core_fft(x, kind, t), expected, rtol=0, atol=atol)  # derived above


# ----------------------------------------------------------------------------------------------------------
# dctn, idctn, dstn, idstn


@pytest.mark.parametrize("fn, adj, kind, inverse", [(cs.dctn, cs.dctn_adjoint, "dct", False),
                                                     (cs.idctn, cs.idctn_adjoint, "dct", True),
                                                     (cs.dstn, cs.dstn_adjoint, "dst", False),
                                                     (cs.idstn, cs.idstn_adjoint, "dst", True)])
def test_nd_is_the_1d_chain_along_each_axis(fn, adj, kind, inverse):
    """docs/transforms/cosine.md, dctn, idctn, dstn and idstn: the 1-D chain along each axis (they commute), the
    adjoint the concatenation backwards: A0 x A1^T dense, adjoint A0^T y A1; a repeated axis is refused."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4))
    for t, norm in ((2, "ortho"), (1, None), (4, "forward")):
        a0 = _full(kind, t, 3, norm, norm == "ortho", inverse=inverse)
        a1 = _full(kind, t, 4, norm, norm == "ortho", inverse=inverse)
        atol = 64 * EPS * np.abs(x).sum()  # two dense sums of <= 4 terms of |a| <= 2, FFT scale 2(1 + log2 10)
        np.testing.assert_allclose(fn(x, type=t, axes=(0, 1), norm=norm), a0 @ x @ a1.T,
                                   rtol=0, atol=atol)  # derived above
        np.testing.assert_allclose(adj(x, input_shape=(3, 4), type=t, axes=(0, 1), norm=norm), a0.T @ x @ a1,
                                   rtol=0, atol=atol)  # same sums transposed
    with pytest.raises(ValueError):
        fn(x, axes=(0, 0))


# ----------------------------------------------------------------------------------------------------------
# The MDCT


def _window(name, n2):
    """The page's windows: sine, vorbis, kbd (alpha = 4, beta = pi alpha), written out."""
    t = (np.arange(n2) + 0.5) / n2
    if name == "sine":
        return np.sin(np.pi * t)
    if name == "vorbis":
        return np.sin(np.pi / 2 * np.sin(np.pi * t) ** 2)
    if name == "hann":
        return np.sin(np.pi * t) ** 2
    n = n2 // 2
    kaiser = [np.i0(np.pi * 4.0 * math.sqrt(1 - (2 * j / n - 1) ** 2)) / np.i0(np.pi * 4.0) for j in range(n + 1)]
    half = [math.sqrt(sum(kaiser[: j + 1]) / sum(kaiser)) for j in range(n)]
    return np.array(half + half[::-1])


def _kernel(n):
    """M_{kn} = cos[pi/N (n + 1/2 + N/2)(k + 1/2)], N x 2N."""
    return np.array([[math.cos(math.pi / n * (j + 0.5 + n / 2) * (k + 0.5)) for j in range(2 * n)]
                     for k in range(n)])


def _mdct_loop(x, n, w):
    """Pad N zeros at both ends, F = m + 1 frames of 2N with hop N, X_k = sum_n w_n z_n cos[...] per frame."""
    padded = np.concatenate([np.zeros(n), x, np.zeros(n)])
    frames = len(x) // n + 1
    out = np.zeros((frames, n))
    for f in range(frames):
        z = padded[f * n : f * n + 2 * n]
        for k in range(n):
            out[f, k] = sum(w[j] * z[j] * math.cos(math.pi / n * (j + 0.5 + n / 2) * (k + 0.5)) for j in range(2 * n))
    return out


@pytest.mark.parametrize("window", ["sine", "vorbis", "kbd"])
@pytest.mark.parametrize("n, m", [(3, 2), (4, 3)])
def test_mdct_definition_framing_and_windows(n, m, window):
    """docs/transforms/cosine.md, The MDCT (Definition): the windows' formulas, N zeros at both ends, F = m + 1
    frames of 2N samples with hop N, X_k = sum_n w_n z_n cos[pi/N (n + 1/2 + N/2)(k + 1/2)], no scale.
    Against specref.transforms.mdct.mdct and mdct_window."""
    w = _window(window, 2 * n)
    np.testing.assert_allclose(md.mdct_window(window, 2 * n, like=np.zeros(1)), w, rtol=0,
                               atol=4 * n * EPS)  # kbd: n-term cumsum of O(1) Kaiser values, a sqrt
    x = np.random.default_rng(n * m).standard_normal(n * m)
    got = md.mdct(x, frame_length=2 * n, window=window)
    assert got.shape == (m + 1, n)
    np.testing.assert_allclose(got, _mdct_loop(x, n, w), rtol=0,
                               atol=8 * n * EPS * np.abs(x).sum())  # 2N-term sums, twiddled FFT of 2N <= 8n


@pytest.mark.parametrize("n", [1, 3, 4, 5])
def test_mdct_fft_kernel_and_tdac_identities(n):
    """docs/transforms/cosine.md, The MDCT (kernel, inverse and TDAC): X_k = Re(e^{-i pi (N+1)(2k+1)/4N}
    FFT_2N(z_n e^{-i pi n/2N})_k) equals the definition; M M^T = N I_N; (2/N) M^T M = I_2N + diag(-J, J).
    Dense, against specref.transforms.mdct._mdct_kernel_real / _mdct_kernel_transpose_real."""
    mat = _kernel(n)
    post = np.exp(-1j * np.pi * (n + 1) * (2 * np.arange(n) + 1) / (4 * n))
    pre = np.exp(-1j * np.pi * np.arange(2 * n) / (2 * n))
    via_fft = (post[:, None] * (_dft(2 * n) @ np.diag(pre))[:n]).real
    tol = 16 * n * EPS  # 2N-term dense sums of unit twiddles: <= 2N eps per entry, a few roundings more
    np.testing.assert_allclose(via_fft, mat, rtol=0, atol=tol)  # derived above
    np.testing.assert_allclose(mat @ mat.T, n * np.eye(n), rtol=0, atol=tol * n)  # 2N-term sums of cos products
    j = np.fliplr(np.eye(n))
    alias = np.block([[-j, np.zeros((n, n))], [np.zeros((n, n)), j]])
    np.testing.assert_allclose(2 / n * mat.T @ mat, np.eye(2 * n) + alias, rtol=0, atol=tol)  # N-term sums, 2/N
    rng = np.random.default_rng(n)
    z, big_x = rng.standard_normal((2, 2 * n)), rng.standard_normal((2, n))
    np.testing.assert_allclose(md._mdct_kernel_real(z), z @ mat.T, rtol=0, atol=tol * np.abs(z).max())  # per |z|
    np.testing.assert_allclose(md._mdct_kernel_transpose_real(big_x), big_x @ mat, rtol=0,
                               atol=tol * np.abs(big_x).max())  # same 2N-term bound per unit of |X|


@pytest.mark.parametrize("window", ["sine", "vorbis", "kbd", "hann"])
def test_mdct_princen_bradley_and_reconstruction(window):
    """docs/transforms/cosine.md, The MDCT (TDAC): w_n^2 + w_{n+N}^2 = 1 and w_n = w_{2N-1-n} for the named windows
    give imdct(mdct(x)) = x; a Hann window violates Princen-Bradley and fails. Against mdct, imdct."""
    n = 4
    w = _window(window, 2 * n)
    pb = w[:n] ** 2 + w[n:] ** 2
    x = np.random.default_rng(1).standard_normal(3 * n)
    arr = window if window != "hann" else w
    back = md.imdct(md.mdct(x, frame_length=2 * n, window=arr), frame_length=2 * n, window=arr)
    if window == "hann":
        assert np.abs(pb - 1).max() > 0.1  # sin^4 + cos^4 dips to 1/2: O(1)
        assert np.abs(back - x).max() > 0.1
        return
    np.testing.assert_allclose(pb, 1.0, rtol=0, atol=8 * EPS)  # two squares and a sum of values <= 1
    np.testing.assert_allclose(w, w[::-1], rtol=0, atol=4 * EPS)  # sin of mirrored angles: a few ulps
    np.testing.assert_allclose(back, x, rtol=0, atol=16 * n * EPS * np.abs(x).sum())  # two 2N-FFT kernels, 2 frames


@pytest.mark.parametrize("n, m", [(2, 3), (3, 2)])
def test_mdct_adjoints_and_tight_frame(n, m):
    """docs/transforms/cosine.md, The MDCT (chain and adjoint): mdct_adjoint is the dense transpose of the framed
    definition (overlap-add of M^T), = (N/2) imdct; imdct_adjoint = (2/N) mdct; ||mdct x||^2 = (N/2) ||x||^2."""
    w = _window("sine", 2 * n)
    length = n * m
    dense = np.stack([_mdct_loop(e, n, w).ravel() for e in np.eye(length)], axis=1)
    rng = np.random.default_rng(n + m)
    y = rng.standard_normal((m + 1, n))
    x = rng.standard_normal(length)
    atol = 16 * n * EPS * np.abs(y).sum()  # 2N-term sums, twiddled 2N FFT, overlap-add of 2 frames
    got = md.mdct_adjoint(y, input_shape=(length,), frame_length=2 * n)
    np.testing.assert_allclose(got, dense.T @ y.ravel(), rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(n / 2 * md.imdct(y, frame_length=2 * n), dense.T @ y.ravel(),
                               rtol=0, atol=atol)  # derived above
    assert md.imdct(y, frame_length=2 * n).shape == ((m + 1 - 1) * n,)
    np.testing.assert_allclose(md.imdct_adjoint(x, input_shape=y.shape, frame_length=2 * n),
                               2 / n * (dense @ x).reshape(y.shape), rtol=0,
                               atol=16 * n * EPS * np.abs(x).sum())  # same bound with |x|
    energy = np.sum((dense @ x) ** 2)
    assert math.isclose(energy, n / 2 * np.sum(x**2), rel_tol=64 * n * EPS)  # sums of 2N-term dot products


# ----------------------------------------------------------------------------------------------------------
# Verification and accuracy


@pytest.mark.parametrize("n", [1, 2, 7, 16])
def test_error_scales_of_the_page(n):
    """docs/transforms/cosine.md, Verification and accuracy: c = 2 (fft_error_scale(2n + 2) + 4) + 2
    (cosine._dct_error_scale) and the oracle bound 15 eps log2 max(n, 2) (specref.oracle.dct.dct_oracle_bound)."""
    assert cs._dct_error_scale(n) == pytest.approx(2 * (2 * (1 + math.log2(2 * n + 2)) + 4) + 2,
                                                   rel=8 * EPS)  # a log2, three adds, two products
    assert dct_oracle_bound(n, np.float64).value == pytest.approx(15 * EPS * math.log2(max(n, 2)),
                                                                  rel=8 * EPS)  # a log2 and two products
    assert fft_error_scale(2 * n + 2) == pytest.approx(2 * (1 + math.log2(2 * n + 2)), rel=4 * EPS)  # log2, add


def test_mdct_framing_shape_on_a_non_last_axis():
    """docs/transforms/cosine.md, The MDCT (Definition): the time axis (length L = mN, a positive multiple of the hop,
    else ValueError) is moved last; output shape x.shape without axis, then (F, N) with F = m + 1; imdct puts the
    (F - 1) N samples back at axis. Against mdct / imdct with axis=0."""
    n = 3
    x = np.random.default_rng(0).standard_normal((2 * n, 2))
    got = md.mdct(x, frame_length=2 * n, axis=0)
    assert got.shape == (2, 3, n)
    w = _window("sine", 2 * n)
    for b in range(2):
        np.testing.assert_allclose(got[b], _mdct_loop(x[:, b], n, w), rtol=0,
                                   atol=8 * n * EPS * np.abs(x).sum())  # 2N-term sums, twiddled FFT of 2N
    assert md.imdct(got, frame_length=2 * n, axis=0).shape == x.shape
    with pytest.raises(ValueError):
        md.mdct(np.ones(7), frame_length=2 * n)
    with pytest.raises(ValueError):
        md.mdct(np.ones(6), frame_length=5)
