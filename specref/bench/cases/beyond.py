"""Bench cases beyond spectrans: the long causal convolution by FFT and the Monarch FFT, each against the same
math in torch (CPU autograd) and in JAX (``jax.jit`` of ``jax.vjp``).

* ``longconv``: u (B, H, N) convolved causally with k (H, N) by padding to 2N, rfft, product, irfft, crop;
  forward+backward gives both cotangents (u and k). B = 4, H = 64, N = 4096 (``--quick``: B = 1, H = 4,
  N = 256); the sweep runs N = 2^10 .. 2^20 at B = 1, H = 4 (issue 22's scaling to 2^20, claim n log n).
* ``monarch_fft``: the DFT of length N = N1 N2 (N1 = N2 = sqrt N) as two batched DFT matmuls and a twiddle, on
  B = 64 rows of N = 4096 complex samples (``--quick``: N = 256); forward+backward applies the adjoint. The
  peers compute the same matmuls; ``numpy.fft`` is not a peer of the same math (the point of the Monarch form
  is matmul hardware), and the FFT itself is timed in the transforms' cases.

* ``s4d_kernel``: the S4D convolution kernel (zero-order hold) of H = 64 channels, M = 32 modes, L = 4096
  (``--quick``: H = 4, M = 8, L = 256) from S4D's real parameters, forward+backward the gradient of every
  parameter; the peers write S4D's reference math (complex Vandermonde product), sweep over L (claim n).

* ``butterfly``: a product of log2 n butterfly factors with complex twiddles (the BP construction), B = 64 rows
  of n = 4096 (``--quick``: n = 256), forward+backward the input's and the twiddles' gradients; the peers write
  the stages as reshapes and batched 2 x 2 products. Sweep over n (claim n log n).

Goals: 0.8 against torch and JAX (issue 22). ``--quick`` times float32 only; the full grid both dtypes.
"""

from __future__ import annotations

import math

import numpy as np

from specref.bench.case import BenchCase, Run, Setup, Sweep
from specref.ops.longconv import longconv, longconv_vjp
from specref.ssm.s4d import s4d_kernel, s4d_kernel_vjp
from specref.transforms.butterfly import butterfly, butterfly_vjp
from specref.transforms.monarch import dft_matrix, monarch_fft, monarch_fft_adjoint, twiddles

__all__ = ["CASES"]

GOALS = {"torch": 0.8, "jax": 0.8}
NOTE = "torch: the same math under CPU autograd; jax: the same math under jax.jit(jax.vjp)"


def _longconv_setup(point, dtype, rng):
    b, h, n = point["B"], point["H"], point["N"]
    u = rng.standard_normal((b, h, n)).astype(dtype)
    k = rng.standard_normal((h, n)).astype(dtype)
    y = longconv(u, k)
    dy = rng.standard_normal(y.shape).astype(dtype)

    def forward_backward():
        return longconv_vjp(dy, u, k, longconv(u, k))

    return Setup(Run(lambda: longconv(u, k), forward_backward), {"u": u, "k": k, "dy": dy})


def _torch_longconv(setup, point, dtype):
    from specref.bench.peers import import_torch

    torch = import_torch()
    u, k, dy = (torch.from_numpy(np.array(setup.data[n], copy=True)) for n in ("u", "k", "dy"))
    n = u.shape[-1]

    def conv(a, b):
        return torch.fft.irfft(torch.fft.rfft(a, n=2 * n) * torch.fft.rfft(b, n=2 * n), n=2 * n)[..., :n]

    ug, kg = u.clone().requires_grad_(True), k.clone().requires_grad_(True)

    def forward():
        with torch.no_grad():
            return conv(u, k)

    def forward_backward():
        return torch.autograd.grad(conv(ug, kg), [ug, kg], dy)

    return Run(forward, forward_backward)


def _jax_longconv(setup, point, dtype):
    from specref.bench.peers import import_jax, jax_function_run

    _, jnp = import_jax()
    n = point["N"]

    def conv(u, p):
        return jnp.fft.irfft(jnp.fft.rfft(u, n=2 * n) * jnp.fft.rfft(p["k"], n=2 * n), n=2 * n)[..., :n]

    return jax_function_run(conv, setup.data["u"], {"k": setup.data["k"]}, setup.data["dy"])


def _sides(point):
    n1 = 2 ** (int(math.log2(point["N"])) // 2)
    return n1, point["N"] // n1


def _monarch_setup(point, dtype, rng):
    n1, n2 = _sides(point)
    cdt = np.complex64 if dtype == "float32" else np.complex128
    shape = (point["B"], point["N"])
    x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(cdt)
    dy = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(cdt)

    def forward_backward():
        monarch_fft(x, n1=n1, n2=n2)
        return monarch_fft_adjoint(dy, input_shape=shape, n1=n1, n2=n2)

    return Setup(Run(lambda: monarch_fft(x, n1=n1, n2=n2), forward_backward), {"x": x, "dy": dy})


def _monarch_math(xp_matmul, transpose, reshape, x, f1, t, f2, n1, n2):
    a = reshape(x, (*x.shape[:-1], n1, n2))
    return reshape(transpose(xp_matmul(t * xp_matmul(f1, a), f2)), x.shape)


def _constants(point, cdt):
    n1, n2 = _sides(point)
    return n1, n2, dft_matrix(n1).astype(cdt), twiddles(n1, n2).astype(cdt), dft_matrix(n2).astype(cdt)


def _torch_monarch(setup, point, dtype):
    from specref.bench.peers import import_torch, torch_function_run

    torch = import_torch()
    x = setup.data["x"]
    n1, n2, f1, t, f2 = _constants(point, x.dtype)
    f1, t, f2 = (torch.from_numpy(a) for a in (f1, t, f2))

    def fn(v):
        return _monarch_math(torch.matmul, lambda a: a.transpose(-1, -2), torch.reshape, v, f1, t, f2, n1, n2)

    return torch_function_run(fn, None, x, setup.data["dy"])


def _jax_monarch(setup, point, dtype):
    from specref.bench.peers import import_jax, jax_function_run

    _, jnp = import_jax()
    x = setup.data["x"]
    n1, n2, f1, t, f2 = _constants(point, x.dtype)

    def fn(v, p):
        return _monarch_math(jnp.matmul, lambda a: jnp.swapaxes(a, -1, -2), jnp.reshape, v, f1, t, f2, n1, n2)

    return jax_function_run(fn, x, {}, setup.data["dy"])


def _s4d_params(point, dtype, rng):
    h, m = point["H"], point["M"]
    return {"log_A_real": np.log(0.5 + rng.random((h, m))).astype(dtype),
            "A_imag": (np.pi * np.arange(m) + rng.standard_normal((h, m))).astype(dtype),
            "C": rng.standard_normal((h, m, 2)).astype(dtype),
            "log_dt": np.log(10.0 ** rng.uniform(-3, -1, h)).astype(dtype),
            "B": rng.standard_normal((h, m, 2)).astype(dtype)}


def _s4d_setup(point, dtype, rng):
    p = _s4d_params(point, dtype, rng)
    args = (p["log_A_real"], p["A_imag"], p["C"], p["log_dt"], p["B"])
    length = point["L"]
    k = s4d_kernel(*args, length=length)
    dk = rng.standard_normal(k.shape).astype(dtype)

    def forward_backward():
        return s4d_kernel_vjp(dk, *args, s4d_kernel(*args, length=length), length=length)

    return Setup(Run(lambda: s4d_kernel(*args, length=length), forward_backward), {**p, "dk": dk})


def _s4d_math(lib, exp, real, p, length):
    a = -exp(p["log_A_real"]) + 1j * p["A_imag"]
    dt = exp(p["log_dt"])[:, None]
    c = p["C"][..., 0] + 1j * p["C"][..., 1]
    b = p["B"][..., 0] + 1j * p["B"][..., 1]
    z = dt * a
    w = c * b * (exp(z) - 1.0) / a
    return 2.0 * real(lib.sum(w[..., None] * exp(z[..., None] * lib.arange(length)), -2))  # over the modes


def _torch_s4d(setup, point, dtype):
    from specref.bench.peers import import_torch

    torch = import_torch()
    names = ("log_A_real", "A_imag", "C", "log_dt", "B")
    leaves = [torch.from_numpy(np.array(setup.data[n], copy=True)).requires_grad_(True) for n in names]
    dk = torch.from_numpy(setup.data["dk"])

    def run():
        return _s4d_math(torch, torch.exp, torch.real, dict(zip(names, leaves, strict=True)), point["L"])

    def forward():
        with torch.no_grad():
            return run()

    return Run(forward, lambda: torch.autograd.grad(run(), leaves, dk))


def _jax_s4d(setup, point, dtype):
    from specref.bench.peers import import_jax, jax_function_run

    _, jnp = import_jax()
    params = {n: setup.data[n] for n in ("A_imag", "C", "log_dt", "B")}
    return jax_function_run(lambda lar, p: _s4d_math(jnp, jnp.exp, jnp.real, {**p, "log_A_real": lar}, point["L"]),
                            setup.data["log_A_real"], params, setup.data["dk"])


def _butterfly_setup(point, dtype, rng):
    n = point["N"]
    m = int(math.log2(n))
    x = rng.standard_normal((point["B"], n)).astype(dtype)
    tw = (rng.standard_normal((m, n // 2, 2, 2, 2)) / math.sqrt(2.0)).astype(dtype)
    y = butterfly(x, tw)
    dy = (rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)).astype(y.dtype)

    def forward_backward():
        return butterfly_vjp(dy, x, tw, butterfly(x, tw))

    return Setup(Run(lambda: butterfly(x, tw), forward_backward), {"x": x, "tw": tw, "dy": dy})


def _butterfly_math(lib, x, tw, permute):
    """The stages as reshapes and batched 2 x 2 products (the same math as specref's reference)."""
    n = x.shape[-1]
    t = tw[..., 0] + 1j * tw[..., 1]
    v = permute(x) + 0j
    for s in range(t.shape[0]):
        h = 2**s
        vb = v.reshape(*v.shape[:-1], n // (2 * h), 2, h)
        tb = t[s].reshape(n // (2 * h), h, 2, 2)
        y0 = tb[..., 0, 0] * vb[..., 0, :] + tb[..., 0, 1] * vb[..., 1, :]
        y1 = tb[..., 1, 0] * vb[..., 0, :] + tb[..., 1, 1] * vb[..., 1, :]
        v = lib.stack([y0, y1], -2).reshape(v.shape)
    return v


def _bitrev(n):
    from specref.transforms.hadamard import _bit_reversal

    return _bit_reversal(int(math.log2(n)))


def _torch_butterfly(setup, point, dtype):
    from specref.bench.peers import import_torch

    torch = import_torch()
    order = torch.from_numpy(_bitrev(point["N"]))
    x = torch.from_numpy(np.array(setup.data["x"], copy=True)).requires_grad_(True)
    tw = torch.from_numpy(np.array(setup.data["tw"], copy=True)).requires_grad_(True)
    dy = torch.from_numpy(setup.data["dy"])

    def run():
        return _butterfly_math(torch, x, tw, lambda v: v[..., order])

    def forward():
        with torch.no_grad():
            return run()

    return Run(forward, lambda: torch.autograd.grad(run(), [x, tw], dy))


def _jax_butterfly(setup, point, dtype):
    from specref.bench.peers import import_jax, jax_function_run

    _, jnp = import_jax()
    order = _bitrev(point["N"])
    return jax_function_run(lambda x, p: _butterfly_math(jnp, x, p["tw"], lambda v: v[..., order]),
                            setup.data["x"], {"tw": setup.data["tw"]}, setup.data["dy"])


CASES = [
    BenchCase(name="longconv", family="beyond spectrans", setup=_longconv_setup,
              grid=({"B": 4, "H": 64, "N": 4096},), quick=({"B": 1, "H": 4, "N": 256},),
              peers={"torch": _torch_longconv, "jax": _jax_longconv}, goals=GOALS, peer_note=NOTE,
              quick_dtypes=("float32",),
              label=lambda p: f"B={p['B']} H={p['H']} N={p['N']}",
              sweep=Sweep(param="N", values=tuple(2**j for j in range(10, 21)),
                          quick=tuple(2**j for j in range(10, 14)), base={"B": 1, "H": 4}, claim="n log n")),
    BenchCase(name="monarch_fft", family="beyond spectrans", setup=_monarch_setup,
              grid=({"B": 64, "N": 4096},), quick=({"B": 64, "N": 256},),
              peers={"torch": _torch_monarch, "jax": _jax_monarch}, goals=GOALS, peer_note=NOTE,
              quick_dtypes=("float32",),
              label=lambda p: "B={} N={}={}x{}".format(p["B"], p["N"], *_sides(p)),
              sweep=Sweep(param="N", values=tuple(4**j for j in range(4, 9)), quick=tuple(4**j for j in range(4, 7)),
                          base={"B": 16}, claim="n^1.5")),
    BenchCase(name="s4d_kernel", family="beyond spectrans", setup=_s4d_setup,
              grid=({"H": 64, "M": 32, "L": 4096},), quick=({"H": 4, "M": 8, "L": 256},),
              peers={"torch": _torch_s4d, "jax": _jax_s4d}, goals=GOALS, peer_note=NOTE,
              quick_dtypes=("float32",),
              label=lambda p: f"H={p['H']} M={p['M']} L={p['L']}",
              sweep=Sweep(param="L", values=tuple(2**j for j in range(8, 15)), quick=tuple(2**j for j in range(8, 11)),
                          base={"H": 4, "M": 16}, claim="n")),
    BenchCase(name="butterfly", family="beyond spectrans", setup=_butterfly_setup,
              grid=({"B": 64, "N": 4096},), quick=({"B": 64, "N": 256},),
              peers={"torch": _torch_butterfly, "jax": _jax_butterfly}, goals=GOALS, peer_note=NOTE,
              quick_dtypes=("float32",),
              label=lambda p: f"B={p['B']} n={p['N']}",
              sweep=Sweep(param="N", values=tuple(2**j for j in range(8, 15)), quick=tuple(2**j for j in range(8, 11)),
                          base={"B": 16}, claim="n log n")),
]
