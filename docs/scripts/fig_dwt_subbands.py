"""Draw docs/figures/dwt_subbands.svg: the subbands of a 2-level 2-D discrete wavelet transform (DWT).

One level of the 2-D DWT filters the image along each axis with the wavelet's low-pass filter g and high-pass
filter h and keeps every second sample (downsampling by 2), which gives four half-size subbands:

    cA = (g along axis 0, g along axis 1)   approximation: a smoothed, half-resolution copy
    cH = (h along axis 0, g along axis 1)   detail down the columns: responds to horizontal edges
    cV = (g along axis 0, h along axis 1)   detail along the rows: responds to vertical edges
    cD = (h along axis 0, h along axis 1)   diagonal detail: responds to corners and diagonal patterns

(pywt's naming; axis 0 is the row index, drawn downwards). Level 2 applies the same step to cA1 only:
``specref.transforms.wavedec2(image, "db2", mode="periodization", level=2)`` returns pywt's list
[cA2, (cH2, cV2, cD2), (cH1, cV1, cD1)]. With ``mode="periodization"`` a 64 x 64 image gives 32 x 32 level-1
subbands and 16 x 16 level-2 subbands: 16^2 * 4 + 32^2 * 3 = 64^2 coefficients, as many as pixels, and for an
orthogonal wavelet such as db2 the transform is orthogonal, so the sum of squares is preserved (the script
checks it).

Left: the synthetic 64 x 64 test image (a disk, a patch of diagonal stripes and a vertical step edge).
Right: |coefficients| in the classic square layout (pywt's ``coeffs_to_array``): cA2 top-left, the level-2
details around it (cH2 right of it, cV2 below it, cD2 diagonal), and the level-1 details in the three outer
quadrants (cH1 top-right, cV1 bottom-left, cD1 bottom-right). Each subband is divided by its own largest
|coefficient| (per-subband normalisation), otherwise the approximation, whose values are about 2^level
times larger, would hide the details.

What to learn: the DWT splits an image into scales and orientations. Most of the energy sits in the small
approximation cA2; the details are sparse and large only near edges: the vertical edge appears in cV, the
disk's rim in all three orientations according to the direction of the rim (cH at its top and bottom, cV
at its sides), the diagonal stripes in every orientation, strongest in cD1. Periodization treats the image as
periodic, so the jump from the last column (0.7) back to the first (0) is a second vertical edge: the line at
the right border of cV1 and cV2. This sparsity is what wavelet mixing layers and wavelet compression exploit.

Usage: python docs/scripts/fig_dwt_subbands.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _plot import figure, to_svg, write_figures  # noqa: E402  (docs/scripts is not a package)

from specref.transforms import wavedec2  # noqa: E402

SIZE = 64
WAVELET = "db2"
LEVEL = 2


def test_image() -> np.ndarray:
    """64 x 64, values in [0, 1]: a disk, diagonal stripes in a square patch and a vertical step edge."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(float)
    disk = ((rows - 20.0) ** 2 + (cols - 20.0) ** 2 <= 12.0**2).astype(float)
    patch = (rows >= 38) & (rows < 60) & (cols >= 6) & (cols < 34)
    stripes = 0.7 * patch * (np.sin(2 * np.pi * (rows + cols) / 8.0) > 0)
    edge = 0.7 * (cols >= 46)
    return disk + stripes + edge


def layout(coeffs) -> tuple[np.ndarray, list]:
    """|coefficients| in pywt's square layout, each subband divided by its largest |value|, and the labels:
    a list of (name, row, col, height, width) of each subband's block."""
    approx, *details = coeffs
    blocks = [("cA2", np.abs(approx), 0, 0)]
    for level, (ch, cv, cd) in zip(range(LEVEL, 0, -1), details, strict=True):
        n = ch.shape[0]  # the subbands of this level are n x n, placed around the n x n square at the origin
        blocks += [(f"cH{level}", np.abs(ch), 0, n), (f"cV{level}", np.abs(cv), n, 0), (f"cD{level}", np.abs(cd), n, n)]
    canvas = np.zeros((SIZE, SIZE))
    labels = []
    for name, values, row, col in blocks:
        h, w = values.shape
        canvas[row:row + h, col:col + w] = values / values.max()
        labels.append((name, row, col, h, w))
    return canvas, labels


def svg() -> str:
    image = test_image()
    coeffs = wavedec2(image, WAVELET, mode="periodization", level=LEVEL)
    energy = np.sum(coeffs[0] ** 2) + sum(np.sum(c**2) for level in coeffs[1:] for c in level)
    np.testing.assert_allclose(energy, np.sum(image**2), rtol=1e-12)  # orthogonal: energy preserved
    canvas, labels = layout(coeffs)

    fig, (ax_image, ax_coeffs) = figure(900, 440, ncols=2)
    shown = ax_image.imshow(image, cmap="gray", interpolation="nearest")
    ax_image.set_title("test image, 64 x 64 pixels")
    ax_image.set_xlabel("column (axis 1)")
    ax_image.set_ylabel("row (axis 0)")
    ax_image.grid(False)
    fig.colorbar(shown, ax=ax_image, fraction=0.046, pad=0.04, label="pixel value")

    shown = ax_coeffs.imshow(canvas, cmap="magma", interpolation="nearest", vmin=0, vmax=1)
    ax_coeffs.set_title(f"|wavedec2 coefficients|, '{WAVELET}', {LEVEL} levels")
    ax_coeffs.set_xlabel("coefficient column")
    ax_coeffs.set_ylabel("coefficient row")
    ax_coeffs.grid(False)
    for name, row, col, h, w in labels:
        ax_coeffs.add_patch(_rectangle(row, col, h, w))
        ax_coeffs.text(col + 0.8, row + 0.8, name, color="black", fontsize=8, fontweight="bold", va="top",
                       ha="left", bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.2})
    fig.colorbar(shown, ax=ax_coeffs, fraction=0.046, pad=0.04,
                 label="|coefficient| / largest |coefficient| of its subband")
    fig.tight_layout()
    return to_svg(fig)


def _rectangle(row, col, h, w):
    from matplotlib.patches import Rectangle

    return Rectangle((col - 0.5, row - 0.5), w, h, fill=False, edgecolor="white", linewidth=1.2)


def figures() -> dict[str, str]:
    """The figure (the docs build calls this)."""
    return {"dwt_subbands.svg": svg()}


def main() -> None:
    write_figures(figures())


if __name__ == "__main__":
    main()
