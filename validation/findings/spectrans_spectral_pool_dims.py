"""Finding: spectrans's SpectralPooling pools the wrong bins along any axis but the last (inventory #22).

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_spectral_pool_dims.py

``SpectralPooling.transform(x, dim)`` documents ``dim`` as "Dimensions to pool along" (int or tuple). The code
(src/spectrans/transforms/fourier.py:328-390):

- int ``dim = k``: ``irfft(rfft(x, dim=k)[..., : m // 2 + 1], n=m, dim=k)``. The slice is on the *last* axis,
  whatever k: along k the result is pooled, and the last axis (not transformed) is cropped to its first
  m // 2 + 1 entries;
- tuple ``dim = (a, ..., b)``: ``rfftn`` over the axes, then bins ``0 .. size - 1`` on every axis but the
  last listed one (``0 .. size // 2`` there), then ``irfftn(s=output_size)``. On those axes this keeps the
  non-negative frequencies only and drops the negative ones: it is not a low-pass, and a real image's
  diagonal content is kept in one direction and erased in the other. Zero-padding along such an axis
  (size > n) moves the negative frequencies to high positive ones.

Expected values, derived here without specref: with ``norm="forward"`` pooling is the trigonometric
interpolant sampled on the new grid, so for an input band-limited below half the new length along the pooled
axes, truncation by 2 is decimation (``x[::2]`` along each pooled axis) and zero-padding by 2 interpolates
(``y[::2] = x``, and a cosine of k cycles stays a cosine of k cycles on the finer grid). The bands used here
leave the Nyquist bins empty, so spectrans's Nyquist convention (spectrans_spectral_pool_nyquist) plays no
part; the control ``dim=(k,)`` (a 1-tuple, whose one axis is the last listed) pools along k correctly.

Exit status 0 when the finding reproduces, 1 if spectrans now agrees with the expected values, 2 if spectrans
is not importable.
"""

from __future__ import annotations

import sys

import numpy as np


def pool(x: np.ndarray, size, dim, norm: str = "forward") -> np.ndarray:
    import torch
    from spectrans.transforms import SpectralPooling

    return SpectralPooling(size, norm=norm).transform(torch.from_numpy(x), dim=dim).numpy()


def main() -> int:
    try:
        import spectrans.transforms  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    rng = np.random.default_rng(0)

    print("1. int dim: pool a (16, 10) input to 8 along dim=0 (columns band-limited to |k| <= 3)")
    t = np.arange(16)[:, None] / 16
    x = sum(rng.standard_normal((1, 10)) * np.cos(2 * np.pi * k * t + rng.uniform(0, 6.3, (1, 10)))
            for k in range(4))
    got = pool(x, 8, 0)
    expected = x[::2]  # decimation along axis 0, every column kept
    print(f"   expected shape {expected.shape}, spectrans shape {tuple(got.shape)}")
    crop = float(np.max(np.abs(got - expected[:, : got.shape[1]])))
    print(f"   spectrans equals the expected result with the last axis cropped to 8 // 2 + 1 = 5 columns: "
          f"max difference {crop:.1e}")
    same = pool(x, 8, -2)
    print(f"   dim=-2: shape {tuple(same.shape)}; control dim=(0,): shape {tuple(pool(x, 8, (0,)).shape)}, "
          f"max |result - x[::2]| = {np.max(np.abs(pool(x, 8, (0,)) - expected)):.1e}")
    int_wrong = tuple(got.shape) != expected.shape and crop < 1e-12

    print("\n2. tuple dims: pool an 8 x 8 image to 4 x 4 over dim=(0, 1) (frequencies |k| <= 1 on each axis)")
    h, w = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    rows = []
    for name, img in (("cos 2pi(h + w)/8", np.cos(2 * np.pi * (h + w) / 8)),
                      ("cos 2pi(h - w)/8", np.cos(2 * np.pi * (h - w) / 8)),
                      ("cos 2pi h/8", np.cos(2 * np.pi * h / 8)),
                      ("cos 2pi w/8", np.cos(2 * np.pi * w / 8))):
        z = pool(img, (4, 4), (0, 1))
        ratio = float(np.max(np.abs(z)) / np.max(np.abs(img[::2, ::2])))
        err = float(np.max(np.abs(z - img[::2, ::2])))
        rows.append((ratio, err))
        print(f"   {name:<17} expected img[::2, ::2] (amplitude 1); spectrans amplitude {ratio:.3f}, "
              f"max error {err:.3f}")
    tuple_wrong = rows[1][0] < 1e-12 and abs(rows[2][0] - 0.5) < 1e-12 and rows[0][1] < 1e-12 and rows[3][1] < 1e-12

    print("\n3. tuple dims, zero-padding along the first axis: (8, 6) -> (16, 6) over dim=(0, 1), x = cos 2pi h/8")
    img = np.cos(2 * np.pi * np.arange(8)[:, None] / 8) * np.ones((1, 6))
    z = pool(img, (16, 6), (0, 1))
    expected_pad = np.cos(2 * np.pi * np.arange(16)[:, None] / 16) * np.ones((1, 6))
    pad_err = float(np.max(np.abs(z - expected_pad)))
    hh = np.arange(16)[:, None] * np.ones((1, 6))
    half_moved = 0.5 * np.cos(2 * np.pi * hh / 16) + 0.5 * np.cos(2 * np.pi * 7 * hh / 16)
    print(f"   expected cos 2pi h/16 (one cycle); spectrans column 0 {np.round(z[:, 0], 3)}\n"
          f"   max error {pad_err:.3f}; at the original samples max |z[::2] - x| = "
          f"{np.max(np.abs(z[::2] - img)):.1e}: the bin of frequency -1 became frequency +7, so z = "
          f"(cos 2pi h/16 + cos 2pi 7h/16) / 2, max |z - that| = {np.max(np.abs(z - half_moved)):.1e}")

    try:
        from specref.transforms import spectral_pool, spectral_pool2d

        diag = np.cos(2 * np.pi * (h - w) / 8)
        one = float(np.max(np.abs(spectral_pool(x, size=8, axis=0) - expected)))
        two = float(np.max(np.abs(spectral_pool2d(diag, size=(4, 4)) - diag[::2, ::2])))
        print(f"\nspecref: spectral_pool(axis=0) vs x[::2]: {one:.1e}; spectral_pool2d of cos 2pi(h - w)/8 vs "
              f"img[::2, ::2]: {two:.1e}")
    except ImportError:
        pass

    reproduces = int_wrong and tuple_wrong and pad_err > 1e-3
    print(f"\nfinding {'reproduces' if reproduces else 'does NOT reproduce'}: int dim crops the last axis, "
          "tuple dims drop negative frequencies")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
