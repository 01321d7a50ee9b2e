"""Neural kernels (seed 004): feature maps and ReLU networks with hand-written backward passes and per-example
Jacobians, Gram matrices and their spectra, the conjugate kernel and the neural tangent kernel, against their
closed forms at infinite width; ``specref signature`` runs the study (docs/neural_kernels.md).

- :mod:`~specref.neural_kernels.features`: ``LFF`` (learned Fourier features) and ``RFF`` (frozen);
- :mod:`~specref.neural_kernels.mlp`: ``ReLUMLP`` (standard and NTK parameterisation) and ``RFFMLP``;
- :mod:`~specref.neural_kernels.jacobian`: factored per-example Jacobians of affine layers;
- :mod:`~specref.neural_kernels.gram`: Gram matrix, spectrum, effective rank, spectral decay;
- :mod:`~specref.neural_kernels.closed_forms`: the expected RFF kernel, the ReLU NNGP/CK/NTK recursions;
- :mod:`~specref.neural_kernels.ntk`: the empirical NTK (chunked) and conjugate kernel;
- :mod:`~specref.neural_kernels.signature`: the study behind ``specref signature``.
"""

from specref.neural_kernels import closed_forms as _closed_forms
from specref.neural_kernels import features as _features
from specref.neural_kernels import gram as _gram
from specref.neural_kernels import jacobian as _jacobian
from specref.neural_kernels import mlp as _mlp
from specref.neural_kernels import ntk as _ntk
from specref.neural_kernels import signature as _signature
from specref.neural_kernels.closed_forms import *  # noqa: F403
from specref.neural_kernels.features import *  # noqa: F403
from specref.neural_kernels.gram import *  # noqa: F403
from specref.neural_kernels.jacobian import *  # noqa: F403
from specref.neural_kernels.mlp import *  # noqa: F403
from specref.neural_kernels.ntk import *  # noqa: F403
from specref.neural_kernels.signature import *  # noqa: F403

__all__ = [
    *_features.__all__,
    *_mlp.__all__,
    *_jacobian.__all__,
    *_gram.__all__,
    *_closed_forms.__all__,
    *_ntk.__all__,
    *_signature.__all__,
]
