"""Benchmarks as a product: the cases, the runner and the report behind ``specref bench``.

``specref bench [COMPONENT...]`` times specref's forward and forward+backward of each component against its
peers in the same process (spectrans or torch under CPU autograd, the same math under ``jax.jit(jax.vjp)``,
the FFT-pass bound, and for the hot loops their array-API reference and natural peer), at one thread setting
(``--threads N|all``), and prints the ratios; ``--sweep`` fits the scaling slopes, ``--memory`` measures peak
memory. The cases live in :mod:`specref.bench.cases`; torch and JAX are imported only when a peer runs.
"""

from specref.bench.case import COMPLEXITIES, BenchCase, PeerUnavailable, Run, Setup, Sweep
from specref.bench.runner import MODES, SlopeFit, fit_slope, run_case, run_sweep
from specref.bench.timing import Timing, interleaved

__all__ = ["BenchCase", "PeerUnavailable", "Run", "Setup", "Sweep", "COMPLEXITIES", "MODES", "SlopeFit",
           "fit_slope", "run_case", "run_sweep", "Timing", "interleaved"]
