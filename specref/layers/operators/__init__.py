"""Neural-operator layers: the Fourier Neural Operator's spectral convolutions, the FNO layer and its block.

Every public name of the modules is re-exported here (``from specref.layers.operators import SpectralConv1d``);
each module's ``__all__`` is the one list, concatenated below: :mod:`~specref.layers.operators.spectral_conv`
(``SpectralConv1d``, spectrans's one-corner ``SpectralConv2d`` and the FNO paper's
``SpectralConv2dTwoCorners``) and :mod:`~specref.layers.operators.fno` (``FourierNeuralOperator`` and the
operators' ``FNOBlock``). The deep paths keep working.
"""

from specref.layers.operators import fno as _fno
from specref.layers.operators import spectral_conv as _spectral_conv
from specref.layers.operators.fno import *  # noqa: F403
from specref.layers.operators.spectral_conv import *  # noqa: F403

__all__ = [
    *_spectral_conv.__all__,
    *_fno.__all__,
]
