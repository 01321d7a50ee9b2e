r"""Bench cases of the linear transforms (:mod:`specref.transforms`): each transform against the library it
mirrors.

Every case times ``forward`` (the transform) and ``forward_backward`` (the transform, then its adjoint
``<name>_adjoint(dy, input_shape=x.shape, **kw)`` on a random cotangent of the output's shape: the backward
of a linear map). The inputs are ``B = 64`` rows of ``n = 4096`` samples (``--quick``: ``n = 256``); the 2-D
transforms take ``B`` images of ``sqrt(n) x sqrt(n)`` pixels (64 x 64; quick 16 x 16), ``fftn`` the volumes
``4 x sqrt(n/4) x sqrt(n/4)``. The complex transforms (``fft``, ``fft2``, ``fftn``) draw complex inputs of the
dtype's precision (float32: complex64).

The peers, each the natural one for its transform:

* ``scipy``: the ``scipy.fft`` function specref wraps, with the ``workers`` specref uses; forward only has a
  one-library twin, so its ``forward_backward`` is the forward then scipy's inverse-type function of the same
  size (``irfft`` after ``rfft``, ``idct`` after ``dct``...), the closest adjoint scipy has. Goal: specref at
  most 1.3 x scipy (its chain of axis/length/norm steps around the same core should cost little);
* ``torch``: the ``torch.fft`` function under CPU autograd; ``jax``: the ``jnp.fft`` (``jax.scipy.fft``)
  function under ``jax.jit`` of ``jax.vjp``;
* ``pywt``: pywt's C code for the wavelet transforms (forward only: pywt has no adjoint). Goal for
  ``wavedec``: specref (Numba filter bank) at most 2 x pywt;
* ``dense``: ``x @ M`` with the transform's matrix prebuilt (Hadamard, slant; n <= 4096), what the fast
  transform replaces;
* ``scipy`` for the pruned 2-D transforms (``rfft2_pruned``, ``irfft2_pruned``) is the full ``rfft2``
  cropped (``irfft2`` of the padded spectrum), what they replace: goal at most 1.0;
* ``scipy`` for spectral pooling is ``scipy.signal.resample`` (the rule specref's pooling follows), and
  ``torch`` for the interpolations is ``torch.nn.functional.interpolate`` (the formula specref's follow).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

import specref.transforms as T
from specref.bench.case import BenchCase, PeerUnavailable, Run, Setup, Sweep

__all__ = ["CASES"]

GRID = ({"B": 64, "n": 4096},)
QUICK = ({"B": 64, "n": 256},)
WAVELET, MODE = "db4", "symmetric"
DENSE_MAX = 4096
FFT_GOALS = {"scipy": 1.3}
FFT_NOTE = ("scipy: the scipy.fft function specref wraps (same workers); its forward_backward is the forward "
            "then scipy's inverse-type function of the same size, the closest one-library adjoint; torch: "
            "torch.fft under CPU autograd; jax: the jnp.fft function under jax.jit(jax.vjp)")


def _sweep(claim: str) -> Sweep:
    """The length sweep n = 2^8 .. 2^16 at B = 16 rows."""
    return Sweep(param="n", values=tuple(2**k for k in range(8, 17)), quick=tuple(2**k for k in range(8, 13)),
                 base={"B": 16}, claim=claim)


# ----------------------------------------------------------------------------------------------------------
# inputs


def _complex_dtype(dtype: str):
    return np.complex64 if dtype == "float32" else np.complex128


def _draw(rng, shape, dtype, complex_=False):
    x = rng.standard_normal(shape)
    if complex_:
        return (x + 1j * rng.standard_normal(shape)).astype(_complex_dtype(dtype))
    return x.astype(dtype)


def _side(point) -> int:
    return math.isqrt(point["n"])


def _rows(point):
    return (point["B"], point["n"])


def _image(point):
    return (point["B"], _side(point), _side(point))


def _volume(point):
    r = math.isqrt(point["n"] // 4)
    return (point["B"], 4, r, r)


def _half(point):
    return (point["B"], point["n"] // 2 + 1)


def _half_image(point):
    return (point["B"], _side(point), _side(point) // 2 + 1)


def _like(rng, y):
    """A random cotangent of the structure of ``y`` (an array, or lists/tuples of arrays)."""
    if isinstance(y, (list, tuple)):
        return type(y)(_like(rng, a) for a in y)
    return _draw(rng, y.shape, np.finfo(y.dtype).dtype.name, np.iscomplexobj(y))


def _shapes(c):
    if isinstance(c, (list, tuple)):
        return [_shapes(a) for a in c]
    return c.shape


def _image_label(point):
    return f"B={point['B']} {_side(point)}x{_side(point)}"


def _volume_label(point):
    shape = _volume(point)
    return f"B={point['B']} {shape[1]}x{shape[2]}x{shape[3]}"


# ----------------------------------------------------------------------------------------------------------
# the case factory and the peers


def _case(name, fn, adjoint, shape, *, complex_=False, kw=lambda p: {}, make=None, peers=None, goals=None,
          sweep=None, label=None, note=""):
    """A transform's case: ``fn(x, **kw(point))`` and then ``adjoint(dy, input_shape=..., **kw(point))``.

    ``make(rng, point, dtype)`` draws the input when it is not one array of ``shape(point)`` (``waverec``
    takes coefficients).
    """

    def setup(point, dtype, rng):
        kwargs = kw(point)
        x = make(rng, point, dtype) if make else _draw(rng, shape(point), dtype, complex_)
        y = fn(x, **kwargs)
        dy = _like(rng, y)
        input_shape = _shapes(x)

        def forward():
            return fn(x, **kwargs)

        def forward_backward():
            fn(x, **kwargs)
            return adjoint(dy, input_shape=input_shape, **kwargs)

        return Setup(Run(forward, forward_backward, None), {"x": x, "dy": dy, "kw": kwargs})

    peers = dict(peers or {})
    return BenchCase(name=name, family="transforms", setup=setup, grid=GRID, quick=QUICK, peers=peers,
                     label=label, sweep=sweep, goals={k: v for k, v in (goals or {}).items() if k in peers},
                     peer_note=note)


def _torch(fn):
    """``fn(torch, t, point)`` under torch autograd (cotangent ``dy``)."""

    def build(setup, point, dtype):
        from specref.bench.peers import import_torch, torch_function_run

        torch = import_torch()
        return torch_function_run(lambda t: fn(torch, t, point), None, setup.data["x"], setup.data["dy"])

    return build


def _jax(fn):
    """``fn(jax, x, point)`` under ``jax.jit`` of ``jax.vjp`` (``jax.numpy`` and ``jax.scipy.fft`` loaded)."""

    def build(setup, point, dtype):
        from specref.bench.peers import import_jax, jax_function_run

        import_jax()  # x64 on; PeerUnavailable without JAX
        import jax.scipy.fft  # peer-only

        return jax_function_run(lambda x, p: fn(jax, x, point), setup.data["x"], {}, setup.data["dy"])

    return build


def _scipy(forward, inverse, axis=-1):
    """scipy.fft's ``forward(sf, x, point, workers)``; forward_backward adds ``inverse(sf, dy, point, workers)``."""

    def build(setup, point, dtype):
        import scipy.fft as sf

        from specref.transforms.fourier_core import _workers

        x, dy = setup.data["x"], setup.data["dy"]
        workers = _workers(x, axis)

        def run_forward():
            return forward(sf, x, point, workers)

        def run_forward_backward():
            forward(sf, x, point, workers)
            return inverse(sf, dy, point, workers)

        return Run(run_forward, run_forward_backward)

    return build


def _forward_only(fn):
    """A peer without an adjoint: ``fn(x, point)`` forward only (pywt, scipy.signal)."""

    def build(setup, point, dtype):
        x = setup.data["x"]
        return Run(lambda: fn(x, point), None)

    return build


def _dense(matrix):
    """``x @ M`` with ``M = matrix(n, dtype)`` prebuilt (``y = x @ M``), backward ``dy @ M^T``."""

    def build(setup, point, dtype):
        n = setup.data["x"].shape[-1]
        if n > DENSE_MAX:
            raise PeerUnavailable(f"the dense {n} x {n} matrix is not built above n = {DENSE_MAX}")
        m = np.ascontiguousarray(matrix(n, dtype))
        mt = np.ascontiguousarray(m.T)
        x, dy = setup.data["x"], setup.data["dy"]

        def forward_backward():
            x @ m
            return dy @ mt

        return Run(lambda: x @ m, forward_backward)

    return build


def _hadamard_dense(n, dtype):
    import scipy.linalg

    return (scipy.linalg.hadamard(n) / math.sqrt(n)).astype(dtype)


def _slant_dense(n, dtype):
    return T.slant(np.eye(n)).astype(dtype)  # row i is slant(e_i): x @ M = slant(x)


def _pywt():
    import pywt

    return pywt


def _level(point, wavelet=WAVELET, levels=5) -> int:
    return max(1, min(levels, T.dwt_max_level(point["n"], wavelet)))


def _level2(point, levels=3) -> int:
    return max(1, min(levels, T.dwt_max_level(_side(point), WAVELET)))


def _wavedec_coeffs(rng, point, dtype):
    x = _draw(rng, _rows(point), dtype)
    return T.wavedec(x, WAVELET, mode=MODE, level=_level(point))


# ----------------------------------------------------------------------------------------------------------
# the cases

_FFT_PEERS = dict(note=FFT_NOTE, goals=FFT_GOALS)
_IMAGE = (-2, -1)
_VOL = (-3, -2, -1)


def _fourier_cases():
    s2 = lambda p: (_side(p), _side(p))  # noqa: E731
    return [
        _case("fft", T.fft, T.fft_adjoint, _rows, sweep=_sweep("n log n"), complex_=True, peers={
            "scipy": _scipy(lambda sf, x, p, w: sf.fft(x, workers=w), lambda sf, y, p, w: sf.ifft(y, workers=w)),
            "torch": _torch(lambda torch, t, p: torch.fft.fft(t)),
            "jax": _jax(lambda jax, x, p: jax.numpy.fft.fft(x)),
        }, **_FFT_PEERS),
        _case("rfft", T.rfft, T.rfft_adjoint, _rows, sweep=_sweep("n log n"), peers={
            "scipy": _scipy(lambda sf, x, p, w: sf.rfft(x, workers=w),
                            lambda sf, y, p, w: sf.irfft(y, n=p["n"], workers=w)),
            "torch": _torch(lambda torch, t, p: torch.fft.rfft(t)),
            "jax": _jax(lambda jax, x, p: jax.numpy.fft.rfft(x)),
        }, **_FFT_PEERS),
        _case("irfft", T.irfft, T.irfft_adjoint, _half, complex_=True, kw=lambda p: {"n": p["n"]}, peers={
            "scipy": _scipy(lambda sf, x, p, w: sf.irfft(x, n=p["n"], workers=w),
                            lambda sf, y, p, w: sf.rfft(y, workers=w)),
            "torch": _torch(lambda torch, t, p: torch.fft.irfft(t, n=p["n"])),
            "jax": _jax(lambda jax, x, p: jax.numpy.fft.irfft(x, n=p["n"])),
        }, **_FFT_PEERS),
        _case("fft2", T.fft2, T.fft2_adjoint, _image, complex_=True, label=_image_label, peers={
            "scipy": _scipy(lambda sf, x, p, w: sf.fft2(x, workers=w), lambda sf, y, p, w: sf.ifft2(y, workers=w),
                            axis=-2),
            "torch": _torch(lambda torch, t, p: torch.fft.fft2(t)),
            "jax": _jax(lambda jax, x, p: jax.numpy.fft.fft2(x)),
        }, **_FFT_PEERS),
        _case("rfft2", T.rfft2, T.rfft2_adjoint, _image, label=_image_label, peers={
            "scipy": _scipy(lambda sf, x, p, w: sf.rfft2(x, workers=w),
                            lambda sf, y, p, w: sf.irfft2(y, s=s2(p), workers=w), axis=-2),
            "torch": _torch(lambda torch, t, p: torch.fft.rfft2(t)),
            "jax": _jax(lambda jax, x, p: jax.numpy.fft.rfft2(x)),
        }, **_FFT_PEERS),
        _case("fftn", T.fftn, T.fftn_adjoint, _volume, complex_=True, kw=lambda p: {"axes": _VOL},
              label=_volume_label, peers={
                  "scipy": _scipy(lambda sf, x, p, w: sf.fftn(x, axes=_VOL, workers=w),
                                  lambda sf, y, p, w: sf.ifftn(y, axes=_VOL, workers=w), axis=-3),
                  "torch": _torch(lambda torch, t, p: torch.fft.fftn(t, dim=_VOL)),
                  "jax": _jax(lambda jax, x, p: jax.numpy.fft.fftn(x, axes=_VOL)),
              }, **_FFT_PEERS),
    ]


def _trig_cases():
    """DCT-II, DST-II and the inverse DCT-II (scipy's type 2; torch has no DCT, JAX no DST)."""
    return [
        _case("dct", T.dct, T.dct_adjoint, _rows, sweep=_sweep("n log n"), peers={
            "scipy": _scipy(lambda sf, x, p, w: sf.dct(x, workers=w), lambda sf, y, p, w: sf.idct(y, workers=w)),
            "jax": _jax(lambda jax, x, p: jax.scipy.fft.dct(x)),
        }, **_FFT_PEERS),
        _case("dst", T.dst, T.dst_adjoint, _rows, sweep=_sweep("n log n"), peers={
            "scipy": _scipy(lambda sf, x, p, w: sf.dst(x, workers=w), lambda sf, y, p, w: sf.idst(y, workers=w)),
        }, **_FFT_PEERS),
        _case("idct", T.idct, T.idct_adjoint, _rows, sweep=_sweep("n log n"), peers={
            "scipy": _scipy(lambda sf, x, p, w: sf.idct(x, workers=w), lambda sf, y, p, w: sf.dct(y, workers=w)),
            "jax": _jax(lambda jax, x, p: jax.scipy.fft.idct(x)),
        }, **_FFT_PEERS),
        _case("mdct", T.mdct, T.mdct_adjoint, _rows, kw=lambda p: {"frame_length": 64},
              note="no peer: scipy, torch and JAX have no MDCT (frames of 64 samples, sine window)"),
    ]


def _structured_cases():
    """Hadamard (FWHT) and slant against their dense matrices."""
    return [
        _case("hadamard", T.hadamard, T.hadamard_adjoint, _rows, sweep=_sweep("n log n"),
              peers={"dense": _dense(_hadamard_dense)},
              note="dense: x @ (scipy.linalg.hadamard(n) / sqrt(n)) prebuilt (n <= 4096), BLAS: the n^2 product "
                   "the n log n FWHT replaces"),
        _case("slant", T.slant, T.slant_adjoint, _rows, sweep=_sweep("n log n"), peers={"dense": _dense(_slant_dense)},
              note="dense: x @ M with the slant matrix prebuilt (n <= 4096), BLAS"),
    ]


def _wavelet_cases():
    """pywt's transforms, db4, symmetric mode (bench_dwt's setting): forward only on pywt's side."""
    wv = {"wavelet": WAVELET, "mode": MODE}
    note = "pywt: pywt's C code, forward only (pywt has no adjoint)"
    level = lambda p: {**wv, "level": _level(p)}  # noqa: E731
    level2 = lambda p: {**wv, "level": _level2(p)}  # noqa: E731
    swt_kw = lambda p: {"wavelet": WAVELET, "level": 3}  # noqa: E731
    swt2_kw = lambda p: {"wavelet": WAVELET, "level": 2}  # noqa: E731
    return [
        _case("dwt", T.dwt, T.dwt_adjoint, _rows, sweep=_sweep("n"), kw=lambda p: wv, note=note,
              peers={"pywt": _forward_only(lambda x, p: _pywt().dwt(x, WAVELET, MODE))}),
        _case("dwt2", T.dwt2, T.dwt2_adjoint, _image, kw=lambda p: wv, label=_image_label, note=note,
              peers={"pywt": _forward_only(lambda x, p: _pywt().dwt2(x, WAVELET, MODE))}),
        _case("wavedec", T.wavedec, T.wavedec_adjoint, _rows, kw=level, sweep=_sweep("n"), goals={"pywt": 2.0},
              note=note + "; 5 levels (fewer where pywt's maximum is lower)",
              peers={"pywt": _forward_only(lambda x, p: _pywt().wavedec(x, WAVELET, MODE, _level(p)))}),
        _case("waverec", T.waverec, T.waverec_adjoint, None, kw=lambda p: wv, make=_wavedec_coeffs, note=note,
              peers={"pywt": _forward_only(lambda c, p: _pywt().waverec(c, WAVELET, MODE))}),
        _case("wavedec2", T.wavedec2, T.wavedec2_adjoint, _image, kw=level2, label=_image_label, note=note,
              peers={"pywt": _forward_only(lambda x, p: _pywt().wavedec2(x, WAVELET, MODE, _level2(p)))}),
        _case("swt", T.swt, T.swt_adjoint, _rows, sweep=_sweep("n"), kw=swt_kw, note=note + "; 3 levels",
              peers={"pywt": _forward_only(lambda x, p: _pywt().swt(x, WAVELET, level=3))}),
        _case("swt2", T.swt2, T.swt2_adjoint, _image, kw=swt2_kw, label=_image_label, note=note + "; 2 levels",
              peers={"pywt": _forward_only(lambda x, p: _pywt().swt2(x, WAVELET, level=2))}),
    ]


def _resample(x, sizes, axes):
    import scipy.signal

    for size, axis in zip(sizes, axes, strict=True):
        x = scipy.signal.resample(x, size, axis=axis)
    return x


def _interpolate(torch, t, size, mode):
    return torch.nn.functional.interpolate(t[:, None], size=size, mode=mode, align_corners=False)[:, 0]


def _resampling_cases():
    """Spectral pooling (halving) against scipy.signal.resample, interpolation (doubling) against torch."""
    half = lambda p: p["n"] // 2  # noqa: E731
    half2 = lambda p: (_side(p) // 2, _side(p) // 2)  # noqa: E731
    twice2 = lambda p: (2 * _side(p), 2 * _side(p))  # noqa: E731
    pool_note = "scipy: scipy.signal.resample (the Nyquist rule specref's pooling follows), forward only"
    interp_note = "torch: torch.nn.functional.interpolate (align_corners=False) under CPU autograd"
    return [
        _case("spectral_pool", T.spectral_pool, T.spectral_pool_adjoint, _rows, kw=lambda p: {"size": half(p)},
              note=pool_note, peers={"scipy": _forward_only(lambda x, p: _resample(x, (half(p),), (-1,)))}),
        _case("spectral_pool2d", T.spectral_pool2d, T.spectral_pool2d_adjoint, _image,
              kw=lambda p: {"size": half2(p)}, label=_image_label, note=pool_note,
              peers={"scipy": _forward_only(lambda x, p: _resample(x, half2(p), _IMAGE))}),
        _case("interpolate_linear", T.interpolate_linear, T.interpolate_linear_adjoint, _rows,
              kw=lambda p: {"size": 2 * p["n"]}, note=interp_note,
              peers={"torch": _torch(lambda torch, t, p: _interpolate(torch, t, 2 * p["n"], "linear"))}),
        _case("interpolate_bilinear", T.interpolate_bilinear, T.interpolate_bilinear_adjoint, _image,
              kw=lambda p: {"size": twice2(p)}, label=_image_label, note=interp_note,
              peers={"torch": _torch(lambda torch, t, p: _interpolate(torch, t, twice2(p), "bilinear"))}),
        _case("interpolate_periodic", T.interpolate_periodic, T.interpolate_periodic_adjoint, _rows,
              kw=lambda p: {"size": 2 * p["n"]}, note="no peer: no library has the periodic variant"),
    ]


def _hermitian_cases():
    """The Hermitian maps of the FFT layers (gathers): specref alone, no library has them."""
    note = "no peer: specref's own structural maps (gathers), timed for their share of an FFT layer"
    return [
        _case("hermitian_real", T.hermitian_real, T.hermitian_real_adjoint, _half, kw=lambda p: {"n": p["n"]},
              note=note),
        _case("hermitian_real_2d", T.hermitian_real_2d, T.hermitian_real_2d_adjoint, _half_image,
              kw=lambda p: {"n": _side(p)}, label=_image_label, note=note),
        _case("hermitian_half", T.hermitian_half, T.hermitian_half_adjoint, _rows, complex_=True, note=note),
    ]


def _kept_columns(point) -> int:
    """The pruned transforms keep 1/8 of the image's columns (AFNO at D = 256 keeps 32 of 129 bins)."""
    return max(1, _side(point) // 8)


def _kept_image(point):
    return (point["B"], _side(point), _kept_columns(point))


def _padded_columns(y, point):
    """``y`` (..., H, m) zero-padded to the rfft's W // 2 + 1 columns."""
    full = np.zeros((*y.shape[:-1], _side(point) // 2 + 1), dtype=y.dtype)
    full[..., : y.shape[-1]] = y
    return full


def _pruned_cases():
    """The first columns of rfft2 and back (AFNO, the 2-D spectral convolutions) against scipy's full rfft2
    cropped and irfft2 of the padded spectrum, what they replace."""
    note = ("scipy: the full scipy.fft.rfft2 then the crop (forward_backward: irfft2 of the padded cotangent), "
            "what the pruned transforms replace")
    s2 = lambda p: (_side(p), _side(p))  # noqa: E731
    return [
        _case("rfft2_pruned", T.rfft2_pruned, T.rfft2_pruned_adjoint, _image, label=_image_label, note=note,
              kw=lambda p: {"s": s2(p), "cols": _kept_columns(p)}, goals={"scipy": 1.0}, peers={
                  "scipy": _scipy(lambda sf, x, p, w: sf.rfft2(x, workers=w)[..., : _kept_columns(p)],
                                  lambda sf, y, p, w: sf.irfft2(_padded_columns(y, p), s=s2(p), workers=w), axis=-2),
              }),
        _case("irfft2_pruned", T.irfft2_pruned, T.irfft2_pruned_adjoint, _kept_image, complex_=True,
              label=_image_label, note=note, kw=lambda p: {"s": s2(p)}, goals={"scipy": 1.0}, peers={
                  "scipy": _scipy(lambda sf, z, p, w: sf.irfft2(_padded_columns(z, p), s=s2(p), workers=w),
                                  lambda sf, y, p, w: sf.rfft2(y, workers=w)[..., : _kept_columns(p)], axis=-2),
              }),
    ]


def _sequence(point):
    """(B, n / 64, 64): sequences of 64 features (rotary pairs features i, i + 32)."""
    return (point["B"], max(1, point["n"] // 64), 64)


def _rotate_half(xp, x, cos, sin):
    h = x.shape[-1] // 2
    a, b = x[..., :h], x[..., h:]
    return xp.cat([a * cos - b * sin, a * sin + b * cos], dim=-1) if hasattr(xp, "cat") else xp.concatenate(
        [a * cos - b * sin, a * sin + b * cos], axis=-1)


def _rotary_tables(point, dtype):
    theta = T.rotary_angles(_sequence(point)[1], T.rotary_inv_freq(64))
    return np.cos(theta).astype(dtype), np.sin(theta).astype(dtype)


def _rotary_cases():
    """The rotary position embedding against the same rotate-half formula in torch and JAX (tables prebuilt)."""
    note = ("torch: the rotate-half formula under CPU autograd; jax: the same under jax.jit(jax.vjp); both with "
            "the cos/sin tables prebuilt (specref forms them per call)")

    def torch_peer(torch, t, p):
        dtype = "float32" if t.dtype == torch.float32 else "float64"
        cos, sin = (torch.from_numpy(a) for a in _rotary_tables(p, dtype))
        return _rotate_half(torch, t, cos, sin)

    def jax_peer(jax, x, p):
        cos, sin = _rotary_tables(p, x.dtype.name)
        return _rotate_half(jax.numpy, x, cos, sin)

    return [
        _case("rotary", T.rotary, T.rotary_adjoint, _sequence, kw=lambda p: {"inv_freq": T.rotary_inv_freq(64)},
              label=lambda p: "B={} N={} D=64".format(*_sequence(p)[:2]), note=note,
              peers={"torch": _torch(torch_peer), "jax": _jax(jax_peer)}, sweep=_sweep("n")),
    ]


def _image_sweep(claim: str) -> Sweep:
    """The pixel-count sweep n = 4^4 .. 4^8 at B = 16: even powers of two, so images are square (16x16 ..
    256x256) and volumes 4 x r x r."""
    return Sweep(param="n", values=tuple(4**k for k in range(4, 9)), quick=tuple(4**k for k in range(4, 7)),
                 base={"B": 16}, claim=claim)


# the claimed cost of the cases built without a sweep above: rows sweep n, images and volumes their pixel count
_LATER_SWEEPS = {
    "irfft": _sweep("n log n"), "mdct": _sweep("n log n"), "spectral_pool": _sweep("n log n"),
    "interpolate_linear": _sweep("n"), "interpolate_periodic": _sweep("n log n"), "waverec": _sweep("n"),
    "hermitian_real": _sweep("n"), "hermitian_half": _sweep("n"),
    "fft2": _image_sweep("n log n"), "rfft2": _image_sweep("n log n"), "fftn": _image_sweep("n log n"),
    "dwt2": _image_sweep("n"), "wavedec2": _image_sweep("n"), "swt2": _image_sweep("n"),
    "spectral_pool2d": _image_sweep("n log n"), "interpolate_bilinear": _image_sweep("n"),
    "hermitian_real_2d": _image_sweep("n"), "rfft2_pruned": _image_sweep("n log n"),
    "irfft2_pruned": _image_sweep("n log n"),
}

CASES = [c if c.sweep is not None else replace(c, sweep=_LATER_SWEEPS[c.name])
         for c in [*_fourier_cases(), *_trig_cases(), *_structured_cases(), *_wavelet_cases(), *_resampling_cases(),
                   *_hermitian_cases(), *_pruned_cases(), *_rotary_cases()]]
