"""Finding: spectrans's wavelet mixing layers compute something other than their docstrings say (inventory #9, #10).

Run in the peer venv (spectrans 0.1.0 + torch + pywt, see validation/README.md):

    python validation/findings/spectrans_wavelet_mixing_docs.py

Five places where the documentation of ``spectrans.layers.mixing.wavelet`` and the computation differ; specref
follows the computation (issue 14, DESIGN section 8: a coherent architecture, documented on specref's side):

1. ``WaveletMixing`` pointwise weights are documented as :math:`W \\in \\mathbb R^{1 \\times \\max(L) \\times D}`
   (one weight per coefficient position); the parameters are (1, 1, D): one scalar per channel and band.
2. ``'channel'`` mode is documented as "channel mixing with linear transformations across feature dimensions";
   it allocates (1, D, D) matrices and multiplies each channel by the diagonal entry only, so the
   off-diagonal entries get a zero gradient and no channel is mixed with another.
3. ``'level'`` mode is documented as "cross-level attention ... applied to all coefficients simultaneously";
   it runs one self-attention per band over the coefficient *positions* of that band, zero-padded to the
   longest band with no padding mask: the bands never see each other, and the padding zeros take part in the
   softmax of the shorter bands.
4. ``WaveletMixing2D``'s ``detail_mixers.{j}`` convolutions named ``"lh"`` and ``"hl"`` receive the bands that
   spectrans's own ``DWT2D`` calls HL and LH (its ``decompose`` returns (HL, LH, HH), the layer unpacks
   ``lh, hl, hh``): ``"lh"`` filters pywt's cH (detail along the rows' axis, -2).
5. ``WaveletMixing2D(channels)``: ``channels`` is stored and never used; any channel count runs.

Expected values, derived independently (NumPy/pywt, float64, spectrans's float32 filter buffers replaced by
pywt's taps): item 3 recomputes the level mixer's output from its captured input in NumPy (softmax over all
L_max positions of each band separately, the padding included) and shows that masking the padding changes it;
item 4 compares the input of the ``"lh"`` convolution with ``pywt.dwt2``'s cH and cV.

Exit status 0 when every item reproduces, 1 when one does not, 2 if spectrans/torch is not importable.
"""

from __future__ import annotations

import sys

import numpy as np
import pywt


def _exact_filters(dwt, wavelet, torch) -> None:
    wav = pywt.Wavelet(wavelet)
    with torch.no_grad():
        for name in ("dec_lo", "dec_hi", "rec_lo", "rec_hi"):
            getattr(dwt, name).copy_(torch.tensor(getattr(wav, name), dtype=torch.float64))


def _attention_rows(s, w_in, b_in, w_out, b_out, keep=None):
    """One-head attention of width 1 over the positions of each row of ``s`` (rows, L), in NumPy; ``keep``
    (rows, L) bool masks keys out of the softmax where False."""
    q, k, v = (s[..., None] * w_in[:, 0] + b_in).transpose(2, 0, 1)
    scores = q[:, :, None] * k[:, None, :]  # scale 1/sqrt(1)
    if keep is not None:
        scores = np.where(keep[:, None, :], scores, -np.inf)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return (p @ v[..., None])[..., 0] * w_out[0, 0] + b_out[0]


def main() -> int:
    try:
        import torch
        from spectrans.layers.mixing.wavelet import WaveletMixing as PeerWaveletMixing
        from spectrans.layers.mixing.wavelet import WaveletMixing2D as PeerWaveletMixing2D
    except ImportError as exc:
        print(f"spectrans/torch not importable: {exc}")
        return 2
    rng = np.random.default_rng(0)
    ok = {}
    b, n, d, levels = 2, 32, 4, 2

    # 1. the pointwise weights' shape
    pointwise = PeerWaveletMixing(d, wavelet="db2", levels=levels).double()
    shapes = {k: tuple(v.shape) for k, v in pointwise.named_parameters()}
    print(f"1. pointwise parameters {shapes} (documented: (1, max L, D) each)")
    ok[1] = all(s == (1, 1, d) for s in shapes.values())

    # 2. 'channel': only the diagonal is read
    channel = PeerWaveletMixing(d, wavelet="db2", levels=levels, mixing_mode="channel").double()
    with torch.no_grad():
        for p in channel.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape))))
    _exact_filters(channel.dwt, "db2", torch)
    channel(torch.from_numpy(rng.standard_normal((b, n, d)))).sum().backward()
    off = max(float((p.grad[0] - torch.diag(torch.diag(p.grad[0]))).abs().max()) for p in channel.parameters())
    diag = min(float(torch.diag(p.grad[0]).abs().max()) for p in channel.parameters())
    print(f"2. channel mode: max |off-diagonal gradient| = {off:.1e}, diagonal gradients up to {diag:.1e}")
    ok[2] = off == 0.0 and diag > 0.0

    # 3. 'level': per-band attention over positions, zero padding unmasked
    level = PeerWaveletMixing(d, wavelet="db2", levels=levels, mixing_mode="level").double().eval()
    with torch.no_grad():
        for p in level.parameters():
            p.copy_(torch.from_numpy(0.7 * rng.standard_normal(tuple(p.shape))))
    _exact_filters(level.dwt, "db2", torch)
    seen = []

    def capture(module, args, out):  # returns None: the output is kept
        seen.append((args[0].detach().numpy()[..., 0].copy(), out[0].detach().numpy()[..., 0].copy()))

    handle = level.level_mixer.register_forward_hook(capture)
    with torch.no_grad():
        level(torch.from_numpy(rng.standard_normal((b, n, d))))
    handle.remove()
    sd = {k: v.numpy() for k, v in level.level_mixer.state_dict().items()}
    params = (sd["in_proj_weight"], sd["in_proj_bias"], sd["out_proj.weight"], sd["out_proj.bias"])
    lengths = [len(c) for c in pywt.wavedec(np.zeros(n), "db2", mode="symmetric", level=levels)]
    band_lengths = [lengths[0]] + lengths[1:][::-1]  # spectrans's order: approx, finest detail, ...
    s_in, s_out = seen[0]  # channel 0: (B (J + 1), L_max)
    per_band = _attention_rows(s_in, *params)
    keep = np.arange(s_in.shape[-1])[None, :] < np.tile(band_lengths, b)[:, None]
    masked = _attention_rows(s_in, *params, keep=keep)
    err = float(np.max(np.abs(s_out - per_band)) / np.max(np.abs(s_out)))
    short = keep.sum(-1) < keep.shape[-1]
    diff = float(np.max(np.abs((s_out - masked)[short][keep[short]])) / np.max(np.abs(s_out)))
    print(f"3. level mode: band lengths {band_lengths} padded to {s_in.shape[-1]}; spectrans's mixer output vs "
          f"NumPy per-band attention over all padded positions: {err:.1e}; vs padding masked out: {diff:.2f}")
    ok[3] = err < 1e-14 and diff > 1e-3

    # 4. WaveletMixing2D's "lh" convolution receives pywt's cH
    image = PeerWaveletMixing2D(1, wavelet="db2", levels=1).double().eval()
    _exact_filters(image.dwt.dwt1d, "db2", torch)
    got = []

    def capture_lh(module, args, out):  # returns None: the output is kept
        got.append(args[0].detach().numpy()[:, 0].copy())

    handle = image.detail_mixers[0]["lh"].register_forward_hook(capture_lh)
    x = rng.standard_normal((2, 1, 8, 10))
    with torch.no_grad():
        image(torch.from_numpy(x))
    handle.remove()
    _, (c_h, c_v, _) = pywt.dwt2(x[:, 0], "db2", mode="symmetric")
    e_h, e_v = (float(np.max(np.abs(got[0] - c)) / np.max(np.abs(c))) for c in (c_h, c_v))
    print(f"4. 2-D subband mode: the 'lh' convolution's input vs pywt cH: {e_h:.1e}, vs pywt cV: {e_v:.2f} "
          "(spectrans's DWT2D docstring: LH = approximation on rows, detail on columns = pywt's cV)")
    ok[4] = e_h < 1e-14 and e_v > 0.1

    # 5. channels unused
    try:
        with torch.no_grad():
            out = PeerWaveletMixing2D(3, wavelet="db2", levels=1).double().eval()(torch.zeros(1, 5, 8, 8,
                                                                                              dtype=torch.float64))
        print(f"5. WaveletMixing2D(channels=3) on 5 channels: runs, output {tuple(out.shape)}")
        ok[5] = tuple(out.shape) == (1, 5, 8, 8)
    except Exception as exc:  # noqa: BLE001 (any refusal means the finding does not reproduce)
        print(f"5. WaveletMixing2D(channels=3) on 5 channels: {type(exc).__name__}: {exc}")
        ok[5] = False
    print("reproduced:", {k: bool(v) for k, v in ok.items()})
    return 0 if all(ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
