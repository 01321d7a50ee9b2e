"""The wavelet mixing layers' one check of spectrans's stored DWT filters (1-D and 2-D layers share it).

spectrans stores pywt's analysis and synthesis filters as float32 buffers (``dwt.dec_lo`` ... in
``WaveletMixing``, ``dwt.dwt1d.dec_lo`` ... in ``WaveletMixing2D``); specref computes with pywt's exact
float64 taps, after checking that the loaded buffers are those taps to float32 rounding
(validation/FINDINGS.md, ``spectrans_dwt_float32_filters``).
"""

from __future__ import annotations

import numpy as np

from specref.backend import device_of, dtype_name, namespace, to_numpy
from specref.interop.state_dict import StateDictError
from specref.transforms.wavelet_bank import _as_bank

__all__ = ["exact_filter_buffers"]


def exact_filter_buffers(buffers, head: str, wavelet, *, prefix: str = "") -> dict:
    """pywt's exact taps for the filter buffers ``head + {dec_lo, dec_hi, rec_lo, rec_hi}`` of ``buffers``, in
    each loaded buffer's precision and namespace, after checking that each holds pywt's filter of ``wavelet``
    to float32 rounding: every tap within half a float32 ulp of pywt's float64 value (spectrans stores
    ``float()`` of pywt's taps; a float64 copy of those passes too). For a layer's ``from_state_dict``.

    Raises
    ------
    StateDictError
        For a buffer that is not pywt's filter to float32 rounding, naming the key (with ``prefix``), the
        wavelet and the first entry off.
    """
    bank = _as_bank(wavelet)
    exact_buffers = {}
    for name in ("dec_lo", "dec_hi", "rec_lo", "rec_hi"):
        key, exact = head + name, getattr(bank, name)
        loaded = buffers[key]
        host = to_numpy(loaded).astype(np.float64)
        half_ulp = 0.5 * np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
        off = ~(np.abs(host - exact) <= half_ulp)  # NaN counts as off
        if np.any(off):
            i = int(np.argmax(off))
            raise StateDictError(
                f"buffer {prefix + key!r} is not pywt's {name} filter of wavelet {bank.name!r} to float32 rounding: "
                f"entry {i} is {host[i]!r}, pywt's is {exact[i]!r} (allowed |difference| <= {half_ulp[i]:.3g}, half "
                "a float32 ulp); specref computes with pywt's filters")
        exact_buffers[key] = namespace(loaded).asarray(exact.astype(dtype_name(loaded.dtype)), device=device_of(loaded))
    return exact_buffers
