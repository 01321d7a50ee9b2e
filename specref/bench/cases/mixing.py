"""Bench cases of the mixing layers (FNet, GFNet, AFNO, wavelet mixing): specref against spectrans with torch's
backward, the same math as a jitted JAX vjp, and the FFT-pass bound.

Sizes follow issue 17's table: B = 8, N in {512, 2048}, D in {256, 768} (``--quick``: B = 4, N = 256,
D = 128). AFNO keeps 32 x 32 modes (its default keeps all, whose dense MLP over the modes needs ~19 GB at
N = 2048, D = 768). The FFT-pass bound times the FFTs the math cannot avoid with scipy.fft and the workers
specref uses: for a global filter, ``rfft`` and ``irfft`` along the sequence in the forward and once more
each in the backward; for FNet, one ``rfft2`` forward and one ``irfft2``-sized pass backward (the real part
of a 2-D FFT of real data needs only the half spectrum). Goals (issue 17): specref/torch and specref/jax
at most 0.8 and specref/bound at most 1.3 for the FFT layers; AFNO at most 1.0 against the frameworks.
"""

from __future__ import annotations

from specref.bench.case import Run, Sweep
from specref.bench.cases._layers import layer_case
from specref.layers import (
    AdaptiveGlobalFilter,
    AFNOMixing,
    BlockDiagonalAFNOMixing,
    FourierMixing,
    FourierMixing1D,
    GlobalFilterMixing,
    GlobalFilterMixing2D,
    RealFourierMixing,
    SeparableFourierMixing,
    WaveletMixing,
    WaveletMixing2D,
)

__all__ = ["CASES", "fft_bound"]

GRID = tuple({"B": 8, "N": n, "D": d} for n in (512, 2048) for d in (256, 768))
QUICK = ({"B": 4, "N": 256, "D": 128},)
FFT_GOALS = {"torch": 0.8, "jax": 0.8, "bound": 1.3}
SWEEP_VALUES = tuple(2**k for k in range(8, 17))
SWEEP_QUICK = tuple(2**k for k in range(8, 13))
SPECTRANS_MIXING = "spectrans.layers.mixing"


def _sequence(point):
    return (point["B"], point["N"], point["D"])


def _label(point):
    return f"B={point['B']} N={point['N']} D={point['D']}"


def _sweep(claim="n log n"):
    """The sequence-length sweep at B = 1, D = 64 (memory allows N = 2^16 in float64 on a laptop)."""
    return Sweep(param="N", values=SWEEP_VALUES, quick=SWEEP_QUICK, base={"B": 1, "D": 64}, claim=claim)


def fft_bound(forward: tuple, backward: tuple):
    """The FFT-pass bound of a real-input FFT layer: ``forward`` and ``backward`` list its passes as
    ``(kind, axes)``, ``kind`` ``"r"`` (``rfft``/``rfft2`` over ``axes``) or ``"c"`` (``irfft``/``irfft2`` back to
    the input's size), each with norm "ortho" and specref's ``workers``, on the input's shape."""

    def build(setup, point, dtype):
        import scipy.fft as sf

        from specref.transforms.fourier_core import _workers

        x = setup.data["x"]

        def passes(kind, axes):
            workers = _workers(x, axes[0])
            if len(axes) == 1:
                half = sf.rfft(x, axis=axes[0], workers=workers)
                if kind == "r":
                    return lambda: sf.rfft(x, axis=axes[0], norm="ortho", workers=workers)
                return lambda: sf.irfft(half, n=x.shape[axes[0]], axis=axes[0], norm="ortho", workers=workers)
            half = sf.rfft2(x, axes=axes, workers=workers)
            if kind == "r":
                return lambda: sf.rfft2(x, axes=axes, norm="ortho", workers=workers)
            return lambda: sf.irfft2(half, s=[x.shape[a] for a in axes], axes=axes, norm="ortho", workers=workers)

        fwd = [passes(k, a) for k, a in forward]
        bwd = [passes(k, a) for k, a in backward]
        return Run(lambda: [f() for f in fwd], lambda: [f() for f in fwd + bwd])

    return build


_SEQ, _BOTH = (-2,), (-2, -1)
_GF_BOUND = fft_bound((("r", _SEQ), ("c", _SEQ)), (("r", _SEQ), ("c", _SEQ)))
_FNET_BOUND = fft_bound((("r", _BOTH),), (("c", _BOTH),))


def _mixing(name, cls, config, *, jax=None, jax_config=None, bound=None, module="fourier", goals=FFT_GOALS,
            torch_dtypes=("float32", "float64"), input_shape=_sequence, label=_label, grid=GRID, quick=QUICK,
            sweep=None):
    return layer_case(name, "mixing", cls=cls, config=config, input_shape=input_shape, grid=grid, quick=quick,
                      spectrans=(f"{SPECTRANS_MIXING}.{module}", name) if module else None, jax=jax,
                      jax_config=jax_config, bound=bound, torch_dtypes=torch_dtypes, label=label, sweep=sweep,
                      goals=goals, peer_note="torch: spectrans 0.1.0 with torch's CPU backward; jax: the same math "
                      "(specref.bench.jax_math) as a jitted JAX vjp; bound: the unavoidable FFTs (scipy.fft)")


def _hidden(point):
    return {"hidden_dim": point["D"]}


def _filter(point):
    return {"hidden_dim": point["D"], "sequence_length": point["N"]}


def _afno(point):
    return {"hidden_dim": point["D"], "max_sequence_length": point["N"], "modes_seq": min(32, point["N"]),
            "modes_hidden": min(32, point["D"] // 2 + 1)}


def _afno_jax(point):
    cfg = _afno(point)
    return {k: cfg[k] for k in ("max_sequence_length", "modes_seq", "modes_hidden")}


CASES = [
    _mixing("FourierMixing", FourierMixing, _hidden, jax="FourierMixing", bound=_FNET_BOUND, sweep=_sweep()),
    _mixing("FourierMixing1D", FourierMixing1D, _hidden, jax="FourierMixing1D",
            bound=fft_bound((("r", _SEQ),), (("c", _SEQ),)), sweep=_sweep()),
    _mixing("RealFourierMixing", RealFourierMixing, _hidden, jax="RealFourierMixing", bound=_FNET_BOUND,
            module=None, sweep=_sweep()),  # spectrans returns its input (spectrans_real_fourier_identity)
    _mixing("SeparableFourierMixing", SeparableFourierMixing, _hidden, jax="SeparableFourierMixing",
            bound=fft_bound((("r", _SEQ), ("r", (-1,))), (("c", (-1,)), ("c", _SEQ))), sweep=_sweep()),
    _mixing("GlobalFilterMixing", GlobalFilterMixing, _filter, jax="GlobalFilterMixing", bound=_GF_BOUND,
            module="global_filter", sweep=_sweep()),
    _mixing("GlobalFilterMixing2D", GlobalFilterMixing2D, _filter, jax="GlobalFilterMixing2D",
            bound=fft_bound((("r", _BOTH), ("c", _BOTH)), (("r", _BOTH), ("c", _BOTH))), module="global_filter",
            sweep=_sweep()),
    _mixing("AdaptiveGlobalFilter", AdaptiveGlobalFilter, _filter, jax="AdaptiveGlobalFilter", bound=_GF_BOUND,
            module="global_filter", sweep=_sweep()),
    _mixing("AFNOMixing", AFNOMixing, _afno, jax="AFNOMixing", jax_config=_afno_jax, module="afno",
            goals={"torch": 1.0, "jax": 1.0, "bound": 1.3}, torch_dtypes=("float32",),
            bound=fft_bound((("r", _BOTH), ("c", _BOTH)), (("r", _BOTH), ("c", _BOTH))), sweep=_sweep()),
    _mixing("BlockDiagonalAFNOMixing", BlockDiagonalAFNOMixing, lambda p: {"hidden_dim": p["D"]}, module=None,
            goals={"bound": 1.3}, bound=_GF_BOUND, sweep=_sweep()),
    _mixing("WaveletMixing", WaveletMixing, lambda p: {"hidden_dim": p["D"], "wavelet": "db4", "levels": 3},
            module="wavelet", goals={}, sweep=_sweep("n")),
    _mixing("WaveletMixing2D", WaveletMixing2D, lambda p: {"channels": p["C"], "wavelet": "db4", "levels": 2},
            module="wavelet", goals={}, input_shape=lambda p: (p["B"], p["C"], p["H"], p["H"]),
            label=lambda p: f"B={p['B']} C={p['C']} H=W={p['H']}",
            grid=({"B": 8, "C": 32, "H": 128}, {"B": 8, "C": 64, "H": 256}), quick=({"B": 2, "C": 8, "H": 64},),
            sweep=Sweep(param="H", values=tuple(2**k for k in range(5, 11)), quick=tuple(2**k for k in range(5, 8)),
                        base={"B": 1, "C": 8}, claim="n^2")),  # H x H images: the work grows as H^2
]
