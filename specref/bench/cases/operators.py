"""Bench cases of the neural operators: specref against spectrans's ``layers.operators.fno`` under CPU
autograd, the same math under ``jax.jit(jax.vjp)`` (:mod:`specref.bench.jax_math`), and the FFT-pass bound of
the spectral convolutions.

Sizes as benchmarks/bench_operators.py: SpectralConv1d B = 8, C = 64, N = 1024, 16 modes, input (B, C, N);
SpectralConv2d B = 4, C = 32, 128 x 128, (16, 16) modes, input (B, C, H, W); FourierNeuralOperator and
FNOBlock with channels last, (8, 1024, 64) and (4, 128, 128, 32). ``--quick`` takes a small point of each.
SpectralConv2dTwoCorners (the FNO paper's two corners) has no spectrans twin. Sweep: SpectralConv1d over N
(n log n). Goals (issue 17): 0.8 against torch and JAX, 1.3 against the bound.
"""

from __future__ import annotations

from specref.bench.case import Sweep
from specref.bench.cases._layers import layer_case
from specref.bench.cases.mixing import fft_bound
from specref.layers import FNOBlock, FourierNeuralOperator, SpectralConv1d, SpectralConv2d, SpectralConv2dTwoCorners

__all__ = ["CASES"]

FNO = "spectrans.layers.operators.fno"
GOALS = {"torch": 0.8, "jax": 0.8, "bound": 1.3}
NOTE = "torch: spectrans 0.1.0 under torch CPU autograd; jax: the same math; bound: rfft + irfft (scipy.fft)"
_LAST, _LAST2 = (-1,), (-2, -1)


def _conv(p):
    return {"in_channels": p["C"], "out_channels": p["C"], "modes": p["modes"]}


def _modes(p):
    return {"modes": p["modes"]}


def _case(name, cls, config, *, shape, label, grid, quick, jax=None, bound=None, module=FNO, sweep=None):
    return layer_case(name, "operators", cls=cls, config=config, input_shape=shape, grid=grid, quick=quick,
                      spectrans=(module, name) if module else None, jax=jax, jax_config=_modes if jax else None,
                      bound=bound, label=label, sweep=sweep, goals=GOALS, peer_note=NOTE)


def _label_1d(p):
    return f"B={p['B']} C={p['C']} N={p['N']} modes={p['modes']}"


def _label_2d(p):
    return f"B={p['B']} C={p['C']} {p['H']}x{p['H']} modes={p['modes']}"


_CONV1D_BOUND = fft_bound((("r", _LAST), ("c", _LAST)), (("r", _LAST), ("c", _LAST)))
_CONV2D_BOUND = fft_bound((("r", _LAST2), ("c", _LAST2)), (("r", _LAST2), ("c", _LAST2)))
_GRID_2D = ({"B": 4, "C": 32, "H": 128, "modes": (16, 16)},)
_QUICK_2D = ({"B": 2, "C": 8, "H": 32, "modes": (8, 8)},)

CASES = [
    _case("SpectralConv1d", SpectralConv1d, _conv, shape=lambda p: (p["B"], p["C"], p["N"]), label=_label_1d,
          grid=({"B": 8, "C": 64, "N": 1024, "modes": 16},), quick=({"B": 2, "C": 16, "N": 256, "modes": 8},),
          jax="SpectralConv1d", bound=_CONV1D_BOUND,
          sweep=Sweep(param="N", values=tuple(2**k for k in range(8, 15)), quick=tuple(2**k for k in range(8, 12)),
                      base={"B": 1, "C": 16, "modes": 16}, claim="n log n")),
    _case("SpectralConv2d", SpectralConv2d, _conv, shape=lambda p: (p["B"], p["C"], p["H"], p["H"]),
          label=_label_2d, grid=_GRID_2D, quick=_QUICK_2D, jax="SpectralConv2d", bound=_CONV2D_BOUND),
    _case("SpectralConv2dTwoCorners", SpectralConv2dTwoCorners, _conv,
          shape=lambda p: (p["B"], p["C"], p["H"], p["H"]), label=_label_2d, grid=_GRID_2D, quick=_QUICK_2D,
          bound=_CONV2D_BOUND, module=None),
    _case("FourierNeuralOperator", FourierNeuralOperator, lambda p: {"hidden_dim": p["C"], "modes": p["modes"]},
          shape=lambda p: (p["B"], p["N"], p["C"]), label=_label_1d, jax="FourierNeuralOperator",
          grid=({"B": 8, "C": 64, "N": 1024, "modes": 16},), quick=({"B": 2, "C": 16, "N": 256, "modes": 8},)),
    _case("FNOBlock", FNOBlock, lambda p: {"hidden_dim": p["C"], "modes": p["modes"]},
          shape=lambda p: (p["B"], p["N"], p["C"]), label=_label_1d,
          grid=({"B": 8, "C": 64, "N": 1024, "modes": 16},), quick=({"B": 2, "C": 16, "N": 256, "modes": 8},)),
]
