"""Verify another implementation against specref: ``specref.compare.compare(peer, component, ...)``.

A peer is a torch module (spectrans's map onto specref by their own names and config), a torch or JAX
function with its params, or a NumPy function. Both sides run on the same inputs and the same random
cotangent; the result gives, per tensor (output, input gradient, each parameter gradient), the normwise
error, the worst index, the derived bound with its reason and the verdict, and for a failure the usual
cause of its pattern. Importing this package imports neither torch nor JAX (the adapters do, when run).
"""

from specref.compare.api import PrecisionWarning, compare
from specref.compare.known import KNOWN
from specref.compare.mapping import GFNetHalfSpectrum, SameNames, WeightMap, gfnet_half_spectrum
from specref.compare.result import Comparison, ComparisonError, TensorComparison

__all__ = [
    "compare",
    "Comparison",
    "TensorComparison",
    "ComparisonError",
    "PrecisionWarning",
    "WeightMap",
    "SameNames",
    "GFNetHalfSpectrum",
    "gfnet_half_spectrum",
    "KNOWN",
]
