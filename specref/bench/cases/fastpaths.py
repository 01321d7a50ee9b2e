r"""Bench cases of the hot loops (:mod:`specref._jit`, issue 17 item 4): each Numba loop, through its
dispatcher on NumPy arrays, against its array-API reference and its natural peer.

* ``fwht`` (:mod:`specref._jit.fwht`): the unnormalized natural-order FWHT ``fwht(x)`` of B = 256 rows
  (bench_fwht.py's batch; n = 2^10, 2^12, 2^14; ``--quick``: B = 16, n = 256). :math:`H_n` is symmetric, so
  its adjoint is the same loop: ``forward_backward`` transforms ``x`` and then the cotangent. Peers:
  ``reference`` (``fwht_reference``, the vectorized butterflies, on NumPy arrays) and ``dense``
  (``x @ H`` with ``H = scipy.linalg.hadamard(n)`` prebuilt, BLAS, for n <= 4096: the product the FWHT
  replaces; the issue's goal, FWHT at least 20 x faster at n = 4096, is specref/dense <= 0.05);
* ``dwt_filterbank`` (:mod:`specref._jit.dwt_filterbank`): one analysis level (extend, convolve with db4's
  two filters, downsample; symmetric mode) of B = 64 rows (bench_dwt.py's batch; n = 2^12, 2^16; quick
  n = 256), ``analysis`` then ``analysis_adjoint`` of a random cotangent. Peers: ``reference``
  (``analysis_reference`` / ``analysis_adjoint_reference``, gathers and a matmul) and ``pywt``
  (``pywt.dwt``, pywt's C filter bank, forward only: pywt has no adjoint; goal specref/pywt <= 2);
* ``causal_prefix`` (:mod:`specref._jit.causal_linear_attention`): the causal prefix product
  :math:`P(x, u, w)_i = \sum_{j \le i} (x_i \cdot u_j) w_j` of causal linear attention at bench_causal_scan.py's
  sizes (B H = 8 rows, m = 64 features, d_v = 32; the normaliser rides along as a column of ones, so
  ``w = [v, 1]``; N = 1024, 4096; quick 2 rows, N = 128, m = 16, d_v = 8), with positive features.
  ``forward_backward`` adds the VJP, three more scans (two in reverse):
  :math:`\bar x = P(\bar y, w, u)`, :math:`\bar u = P^{\mathrm{rev}}(w, \bar y, x)`,
  :math:`\bar w = P^{\mathrm{rev}}(u, x, \bar y)`. Peers: ``reference`` (``causal_prefix_reference``,
  blocked matmuls) and ``cumsum`` (the prefix states :math:`S_i = \sum_{j \le i} u_j w_j^T` formed by
  ``np.cumsum`` of outer products, an N x m x d_v tensor, and the suffix states of the backward the same way;
  the issue's goal, the scan at least 5 x faster, is specref/cumsum <= 0.2).
"""

from __future__ import annotations

import numpy as np
import pywt

from specref._jit.causal_linear_attention import causal_prefix, causal_prefix_reference
from specref._jit.dwt_filterbank import (
    analysis,
    analysis_adjoint,
    analysis_adjoint_reference,
    analysis_reference,
)
from specref._jit.fwht import fwht, fwht_reference
from specref.bench.case import BenchCase, PeerUnavailable, Run, Setup, Sweep
from specref.transforms.wavelet_bank import _analysis_extension, _as_bank

__all__ = ["CASES"]

FAMILY = "fast paths"
DENSE_MAX = 4096
WAVELET, MODE = "db4", "symmetric"


def _two(forward, backward):
    """forward() and forward() then backward(): the Run of a loop and its adjoint."""

    def forward_backward():
        forward()
        return backward()

    return forward, forward_backward


# ----------------------------------------------------------------------------------------------------------
# FWHT


def _fwht_setup(point, dtype, rng):
    x = rng.standard_normal((point["B"], point["n"])).astype(dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    run = Run(*_two(lambda: fwht(x), lambda: fwht(dy)))  # H is symmetric: its own adjoint
    return Setup(run, {"x": x, "dy": dy})


def _fwht_reference(setup, point, dtype):
    x, dy = setup.data["x"], setup.data["dy"]
    return Run(*_two(lambda: fwht_reference(x), lambda: fwht_reference(dy)))


def _fwht_dense(setup, point, dtype):
    import scipy.linalg

    x, dy = setup.data["x"], setup.data["dy"]
    n = x.shape[-1]
    if n > DENSE_MAX:
        raise PeerUnavailable(f"the dense {n} x {n} Hadamard matrix is not built above n = {DENSE_MAX}")
    h = scipy.linalg.hadamard(n).astype(dtype)
    return Run(*_two(lambda: x @ h, lambda: dy @ h))


FWHT = BenchCase(
    name="fwht", family=FAMILY, setup=_fwht_setup,
    grid=tuple({"B": 256, "n": 2**k} for k in (10, 12, 14)), quick=({"B": 16, "n": 256},),
    peers={"reference": _fwht_reference, "dense": _fwht_dense}, goals={"dense": 0.05},
    sweep=Sweep(param="n", values=tuple(2**k for k in range(8, 17)), quick=tuple(2**k for k in range(8, 12)),
                base={"B": 64}, claim="n log n"),
    peer_note="reference: fwht_reference (array-API butterflies) on NumPy arrays; dense: x @ scipy.linalg."
              "hadamard(n) prebuilt (n <= 4096), BLAS; goal: the issue's >= 20x over dense (at n = 4096)",
)


# ----------------------------------------------------------------------------------------------------------
# DWT filter bank


def _dwt_setup(point, dtype, rng):
    bank = _as_bank(WAVELET)
    ext = _analysis_extension(point["n"], bank.length, MODE)
    lo, hi = bank.dec_lo, bank.dec_hi
    x = rng.standard_normal((point["B"], point["n"])).astype(dtype)
    a, d = analysis(x, ext, lo, hi)
    da = rng.standard_normal(a.shape).astype(dtype)
    dd = rng.standard_normal(d.shape).astype(dtype)
    run = Run(*_two(lambda: analysis(x, ext, lo, hi), lambda: analysis_adjoint(da, dd, ext, lo, hi)))
    return Setup(run, {"x": x, "da": da, "dd": dd, "ext": ext, "lo": lo, "hi": hi})


def _dwt_reference(setup, point, dtype):
    s = setup.data
    x, da, dd, ext, lo, hi = s["x"], s["da"], s["dd"], s["ext"], s["lo"], s["hi"]
    return Run(*_two(lambda: analysis_reference(x, ext, lo, hi),
                     lambda: analysis_adjoint_reference(da, dd, ext, lo, hi)))


def _dwt_pywt(setup, point, dtype):
    x = setup.data["x"]
    return Run(lambda: pywt.dwt(x, WAVELET, MODE), None)


DWT = BenchCase(
    name="dwt_filterbank", family=FAMILY, setup=_dwt_setup,
    grid=({"B": 64, "n": 2**12}, {"B": 64, "n": 2**16}), quick=({"B": 64, "n": 256},),
    peers={"reference": _dwt_reference, "pywt": _dwt_pywt}, goals={"pywt": 2.0},
    sweep=Sweep(param="n", values=tuple(2**k for k in range(8, 17)), quick=tuple(2**k for k in range(8, 12)),
                base={"B": 64}, claim="n"),
    peer_note="one analysis level, db4, symmetric mode; reference: analysis_reference / "
              "analysis_adjoint_reference on NumPy arrays; pywt: pywt.dwt (C), forward only",
)


# ----------------------------------------------------------------------------------------------------------
# causal prefix scan


def _scan_vjp(prefix, x, u, w, dy):
    """The three scans of the VJP of ``prefix(x, u, w)`` (see the module docstring)."""
    return prefix(dy, w, u), prefix(w, dy, x, reverse=True), prefix(u, x, dy, reverse=True)


def _scan_setup(point, dtype, rng):
    shape = (point["R"], point["N"])
    x = np.exp(0.5 * rng.standard_normal((*shape, point["m"]))).astype(dtype)  # positive features
    u = np.exp(0.5 * rng.standard_normal((*shape, point["m"]))).astype(dtype)
    w = np.concatenate([rng.standard_normal((*shape, point["dv"])), np.ones((*shape, 1))], axis=-1).astype(dtype)
    dy = rng.standard_normal(w.shape).astype(dtype)
    run = Run(*_two(lambda: causal_prefix(x, u, w), lambda: _scan_vjp(causal_prefix, x, u, w, dy)),
              floor_bytes=x.nbytes + u.nbytes + w.nbytes)  # the VJP reads the three inputs
    return Setup(run, {"x": x, "u": u, "w": w, "dy": dy})


def _scan_reference(setup, point, dtype):
    s = setup.data
    x, u, w, dy = s["x"], s["u"], s["w"], s["dy"]
    return Run(*_two(lambda: causal_prefix_reference(x, u, w),
                     lambda: _scan_vjp(causal_prefix_reference, x, u, w, dy)))


def _cumsum_forward(x, u, w):
    s = np.cumsum(u[..., :, None] * w[..., None, :], axis=-3)  # S_i = sum_{j<=i} u_j w_j^T, (N, m, d)
    return (x[..., None, :] @ s)[..., 0, :], s


def _cumsum_backward(x, u, w, dy, s):
    dx = (s @ dy[..., :, None])[..., 0]  # S_i dy_i
    t = np.cumsum((x[..., :, None] * dy[..., None, :])[..., ::-1, :, :], axis=-3)[..., ::-1, :, :]  # suffix
    return dx, (t @ w[..., :, None])[..., 0], (u[..., None, :] @ t)[..., 0, :]


def _scan_cumsum(setup, point, dtype):
    s = setup.data
    x, u, w, dy = s["x"], s["u"], s["w"], s["dy"]

    def forward_backward():
        _, states = _cumsum_forward(x, u, w)
        return _cumsum_backward(x, u, w, dy, states)

    return Run(lambda: _cumsum_forward(x, u, w)[0], forward_backward)


def _scan_label(point):
    return f"BH={point['R']} N={point['N']} m={point['m']} dv={point['dv']}"


SCAN = BenchCase(
    name="causal_prefix", family=FAMILY, setup=_scan_setup,
    grid=tuple({"R": 8, "N": n, "m": 64, "dv": 32} for n in (1024, 4096)),
    quick=({"R": 2, "N": 128, "m": 16, "dv": 8},), label=_scan_label,
    peers={"reference": _scan_reference, "cumsum": _scan_cumsum}, goals={"cumsum": 0.2},
    sweep=Sweep(param="N", values=tuple(2**k for k in range(8, 15)), quick=tuple(2**k for k in range(8, 11)),
                base={"R": 8, "m": 64, "dv": 32}, claim="n"),
    peer_note="reference: causal_prefix_reference (blocked matmuls) on NumPy arrays; cumsum: np.cumsum of the "
              "outer products (an N x m x dv tensor of prefix states; the backward's suffix states alike); "
              "goal: the issue's >= 5x over cumsum",
)

CASES = [FWHT, DWT, SCAN]
