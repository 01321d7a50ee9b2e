"""Bench cases of the neural operators: specref against spectrans's ``layers.operators.fno`` under CPU
autograd, the same math under ``jax.jit(jax.vjp)`` (:mod:`specref.bench.jax_math`), and the FFT-pass bound of
the spectral convolutions.

Each case times the layer's forward (inference) and its forward + hand-written backward (the input's and every
parameter's gradient). spectrans 0.1.0 is the natural torch peer: specref's operators follow its classes
(same constructor, same ``state_dict`` names, loaded with ``strict=True``), so both compute the same map on
the same weights. The JAX column writes that map with ``rfft``/``irfft``, the mode-wise ``einsum`` and the
1x1 convolution (benchmarks/bench_operators.py). The bound times the FFTs a spectral convolution cannot avoid
(scipy.fft with specref's workers): ``rfft`` and ``irfft`` over the transformed axes in the forward, and once
more each in the backward; specref/bound near 1 says nothing else costs time.

Sizes as benchmarks/bench_operators.py: SpectralConv1d B = 8, C = 64, N = 1024, 16 modes, input (B, C, N);
SpectralConv2d B = 4, C = 32, 128 x 128, (16, 16) modes, input (B, C, H, W); FourierNeuralOperator and
FNOBlock with channels last, (8, 1024, 64) with 16 modes and (4, 128, 128, 32) with (16, 16) modes.
``--quick`` takes one small point of each (FNOBlock's 1-D, FourierNeuralOperator's 2-D). SpectralConv2dTwoCorners
(the FNO paper's two corners) has no spectrans twin and no torch column. Sweep: SpectralConv1d over N at
B = 8, C = 64, 16 modes (n log n). Goals (issue 17): 0.8 against torch and JAX, 1.3 against the bound.
"""

from __future__ import annotations

from specref.bench.case import Sweep
from specref.bench.cases._layers import layer_case
from specref.bench.cases.mixing import fft_bound
from specref.layers import FNOBlock, FourierNeuralOperator, SpectralConv1d, SpectralConv2d, SpectralConv2dTwoCorners

__all__ = ["CASES"]

FNO = "spectrans.layers.operators.fno"
GOALS = {"torch": 0.8, "jax": 0.8, "bound": 1.3}
NOTE = ("torch: spectrans 0.1.0 under torch CPU autograd (specref's weights); jax: the same math under "
        "jax.jit(jax.vjp); bound: rfft + irfft (scipy.fft) forward, and again backward")
_LAST, _LAST2 = (-1,), (-2, -1)

GRID_1D = ({"B": 8, "C": 64, "N": 1024, "modes": 16},)
QUICK_1D = ({"B": 2, "C": 16, "N": 256, "modes": 8},)
GRID_2D = ({"B": 4, "C": 32, "H": 128, "modes": (16, 16)},)
QUICK_2D = ({"B": 2, "C": 8, "H": 32, "modes": (8, 8)},)


def _conv(p):
    return {"in_channels": p["C"], "out_channels": p["C"], "modes": p["modes"]}


def _hidden(p):
    return {"hidden_dim": p["C"], "modes": p["modes"]}


def _modes(p):
    return {"modes": p["modes"]}


def _channels_first(p):
    """(B, C, N) or (B, C, H, W): the spectral convolutions' layout."""
    return (p["B"], p["C"], p["H"], p["H"]) if "H" in p else (p["B"], p["C"], p["N"])


def _channels_last(p):
    """(B, N, C) or (B, H, W, C): the FNO's and the FNO block's layout."""
    return (p["B"], p["H"], p["H"], p["C"]) if "H" in p else (p["B"], p["N"], p["C"])


def _label(p):
    size = f"{p['H']}x{p['H']}" if "H" in p else f"N={p['N']}"
    return f"B={p['B']} C={p['C']} {size} modes={p['modes']}"


def _case(name, cls, config, *, shape, grid, quick, jax=None, bound=None, module=FNO, sweep=None, note=NOTE):
    return layer_case(name, "operators", cls=cls, config=config, input_shape=shape, grid=grid, quick=quick,
                      spectrans=(module, name) if module else None, jax=jax, jax_config=_modes if jax else None,
                      bound=bound, label=_label, sweep=sweep, goals=GOALS, peer_note=note)


# the 1-D layers over N at B = 8, C = 64, 16 modes
_SWEEP_1D = Sweep(param="N", values=tuple(2**k for k in range(8, 15)), quick=tuple(2**k for k in range(8, 12)),
                  base={"B": 8, "C": 64, "modes": 16}, claim="n log n")
# the 2-D convolutions over the image side H at B = 1, C = 32, (16, 16) modes: H^2 log H
_SWEEP_2D = Sweep(param="H", values=tuple(2**k for k in range(5, 10)), quick=tuple(2**k for k in range(5, 8)),
                  base={"B": 1, "C": 32, "modes": (16, 16)}, claim="n^2 log n")
_CONV1D_BOUND = fft_bound((("r", _LAST), ("c", _LAST)), (("r", _LAST), ("c", _LAST)))
_CONV2D_BOUND = fft_bound((("r", _LAST2), ("c", _LAST2)), (("r", _LAST2), ("c", _LAST2)))

CASES = [
    _case("SpectralConv1d", SpectralConv1d, _conv, shape=_channels_first, grid=GRID_1D, quick=QUICK_1D,
          jax="SpectralConv1d", bound=_CONV1D_BOUND,
          sweep=_SWEEP_1D),
    _case("SpectralConv2d", SpectralConv2d, _conv, shape=_channels_first, grid=GRID_2D, quick=QUICK_2D,
          jax="SpectralConv2d", bound=_CONV2D_BOUND, sweep=_SWEEP_2D),
    _case("SpectralConv2dTwoCorners", SpectralConv2dTwoCorners, _conv, shape=_channels_first, grid=GRID_2D,
          quick=QUICK_2D, bound=_CONV2D_BOUND, module=None, sweep=_SWEEP_2D,
          note="no torch or jax column (spectrans has no two-corner convolution); bound: rfft2 + irfft2 (scipy.fft) "
               "forward, and again backward"),
    _case("FourierNeuralOperator", FourierNeuralOperator, _hidden, shape=_channels_last, grid=GRID_1D + GRID_2D,
          quick=QUICK_2D, jax="FourierNeuralOperator", sweep=_SWEEP_1D,
          note="torch: spectrans 0.1.0 under torch CPU autograd (specref's weights); jax: the same math under "
               "jax.jit(jax.vjp)"),
    _case("FNOBlock", FNOBlock, _hidden, shape=_channels_last, grid=GRID_1D + GRID_2D, quick=QUICK_1D, sweep=_SWEEP_1D,
          note="torch: spectrans 0.1.0 under torch CPU autograd (specref's weights)"),
]
