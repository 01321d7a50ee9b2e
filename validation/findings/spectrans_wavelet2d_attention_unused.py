"""Finding: spectrans's WaveletMixing2D(mixing_mode="attention") never calls its TransformerEncoder (inventory #10).

Run in the peer venv (spectrans 0.1.0 + torch + pywt, see validation/README.md):

    python validation/findings/spectrans_wavelet2d_attention_unused.py

``WaveletMixing2D(channels, mixing_mode="attention")`` builds ``subband_attention``, a 2-layer
``nn.TransformerEncoder`` of model width ``d_model=1`` ("Attention-based mixing across all subbands"), and its
forward's attention branch passes the subbands through unchanged (``ll_mixed = ll; details_mixed = details``).
So the layer computes ``y = x + IDWT2(DWT2(x))`` (= 2x up to the crop), and the encoder's 24 parameters never
receive a gradient. Calling the encoder would not help: a layer norm over one feature subtracts the feature
from itself, so each post-norm encoder layer returns its ``norm2.bias`` whatever its input, and the documented
layer is ``y = x + IDWT2(b, ..., b)`` for the last layer's bias ``b``, with input gradient the identity.

Expected values, derived independently in NumPy/pywt (float64; spectrans's float32 filter buffers replaced by
pywt's float64 filters, so the comparison is exact, validation/findings/spectrans_dwt_float32_filters.md):

1. spectrans's output equals ``x + pywt.waverec2(pywt.wavedec2(x))[:H, :W]`` per channel (to ~1e-15), and after
   a backward pass every ``subband_attention`` parameter has ``.grad is None``;
2. a layer norm over one feature: mean = v, variance = 0, ``(v - v) / sqrt(0 + eps) * w + b = b``, so torch's
   ``subband_attention`` applied to any (B, S, 1) sequence returns ``layers[1].norm2.bias`` at every position,
   with a zero input gradient (torch's layer-norm backward leaves values of order 1e-53 where the exact
   derivative is 0: its vectorised mean can leave a residue of that size in ``v - mean``);
3. the documented layer is ``x + pywt.waverec2`` of coefficient arrays filled with that bias (cropped to
   (H, W)); where specref's ``WaveletMixing2D`` is importable, its default (``encoder="documented"``) is checked
   against it and ``encoder="spectrans_identity"`` against item 1.

Exit status 0 when the finding reproduces, 1 when it does not, 2 if spectrans/torch is not importable.
"""

from __future__ import annotations

import sys

import numpy as np
import pywt


def _waverec2_crop(coeffs, h: int, w: int) -> np.ndarray:
    return pywt.waverec2(coeffs, WAVELET, mode="symmetric")[..., :h, :w]


WAVELET, LEVELS = "db2", 2


def _relative(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / max(np.max(np.abs(np.asarray(b))), 1e-300))


def _exact_filters(module, torch) -> None:
    """Replace spectrans's float32 filter buffers by pywt's float64 taps (stored order dec_lo, dec_hi, rec_lo,
    rec_hi, as spectrans's get_wavelet_filters reads them)."""
    wav = pywt.Wavelet(WAVELET)
    with torch.no_grad():
        for name in ("dec_lo", "dec_hi", "rec_lo", "rec_hi"):
            getattr(module.dwt.dwt1d, name).copy_(torch.tensor(getattr(wav, name), dtype=torch.float64))


def main() -> int:
    try:
        import torch
        from spectrans.layers.mixing.wavelet import WaveletMixing2D as PeerWaveletMixing2D
    except ImportError as exc:
        print(f"spectrans/torch not importable: {exc}")
        return 2
    try:
        from specref.layers.mixing.wavelet2d import WaveletMixing2D
    except ImportError:
        WaveletMixing2D = None  # noqa: N806 (the class, where this checkout has it)

    rng = np.random.default_rng(0)
    reproduced = True
    for b, c, h, w in ((2, 3, 8, 8), (2, 2, 7, 9)):
        torch.manual_seed(0)
        module = PeerWaveletMixing2D(c, wavelet=WAVELET, levels=LEVELS, mixing_mode="attention").double().eval()
        with torch.no_grad():
            for p in module.parameters():
                p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape))))
        _exact_filters(module, torch)
        x = rng.standard_normal((b, c, h, w))
        xt = torch.from_numpy(x).requires_grad_(True)
        y = module(xt)
        y.backward(torch.from_numpy(rng.standard_normal(y.shape)))
        identity = x + _waverec2_crop(pywt.wavedec2(x, WAVELET, mode="symmetric", level=LEVELS), h, w)
        err = _relative(y.detach().numpy(), identity)
        unused = [k for k, p in module.subband_attention.named_parameters() if p.grad is None]
        n_params = len(list(module.subband_attention.parameters()))
        print(f"{b}x{c}x{h}x{w}: spectrans output vs x + waverec2(wavedec2(x)) (pywt): {err:.1e}; "
              f"{len(unused)} of {n_params} encoder parameters have no gradient")
        reproduced &= err < 1e-13 and len(unused) == n_params

        # 2. the documented encoder on the flattened subbands: a constant, zero input gradient
        seq = torch.from_numpy(rng.standard_normal((b * c, 4 * h * w // 3, 1))).requires_grad_(True)
        out = module.subband_attention(seq)
        bias = float(module.subband_attention.layers[-1].norm2.bias)
        gx, = torch.autograd.grad(out, seq, torch.from_numpy(rng.standard_normal(tuple(out.shape))))
        spread = float((out - bias).abs().max())
        print(f"  torch encoder on a random (B C, S, 1) sequence: max |out - layers[1].norm2.bias| = {spread:.1e}, "
              f"max |d out / d in| = {float(gx.abs().max()):.1e}")
        v = rng.standard_normal((5, 1))  # NumPy: the layer norm over one feature (weight 1.7, bias 0.3)
        ln = (v - v.mean(-1, keepdims=True)) / np.sqrt(np.zeros_like(v) + 1e-5) * 1.7 + 0.3
        # 1e-30: torch's residue (~1e-53) is 1e-23 of anything a non-zero derivative of O(1) data could give
        reproduced &= spread == 0.0 and float(gx.abs().max()) < 1e-30 and bool(np.all(ln == 0.3))

        # 3. the documented layer: x + IDWT2 of constant coefficients
        shapes = pywt.wavedec2(np.zeros((h, w)), WAVELET, mode="symmetric", level=LEVELS)
        const = [np.full((b, c) + shapes[0].shape, bias)] + [
            tuple(np.full((b, c) + d.shape, bias) for d in level) for level in shapes[1:]]
        documented = x + _waverec2_crop(const, h, w)
        print(f"  documented layer: x + waverec2(constant {bias:+.3f}) differs from spectrans's output by "
              f"{_relative(documented, y.detach().numpy()):.2f} (relative)")
        if WaveletMixing2D is not None:
            sd = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
            cfg = dict(channels=c, wavelet=WAVELET, levels=LEVELS, mixing_mode="attention")
            ours = np.asarray(WaveletMixing2D.from_state_dict(sd, **cfg).forward(x)[0])
            ours_id = np.asarray(WaveletMixing2D.from_state_dict(sd, encoder="spectrans_identity", **cfg).forward(x)[0])
            e_doc, e_id = _relative(ours, documented), _relative(ours_id, identity)
            print(f"  specref encoder='documented' vs x + waverec2(constant): {e_doc:.1e}; "
                  f"encoder='spectrans_identity' vs x + waverec2(wavedec2(x)): {e_id:.1e}")
            reproduced &= e_doc < 1e-13 and e_id < 1e-13
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
