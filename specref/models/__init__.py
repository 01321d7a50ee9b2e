"""spectrans's models by hand: embeddings, positional encodings, heads, the model skeleton and every family;
losses with VJPs, optimisers as functions and the training loop."""

from specref.models import afno as _afno
from specref.models import base as _base
from specref.models import fnet as _fnet
from specref.models import fno as _fno
from specref.models import gfnet as _gfnet
from specref.models import heads as _heads
from specref.models import hybrid as _hybrid
from specref.models import losses as _losses
from specref.models import lst as _lst
from specref.models import optim as _optim
from specref.models import positional as _positional
from specref.models import spectral_attention as _spectral_attention
from specref.models import train as _train
from specref.models import wavelet as _wavelet
from specref.models.afno import *  # noqa: F403
from specref.models.base import *  # noqa: F403
from specref.models.fnet import *  # noqa: F403
from specref.models.fno import *  # noqa: F403
from specref.models.gfnet import *  # noqa: F403
from specref.models.heads import *  # noqa: F403
from specref.models.hybrid import *  # noqa: F403
from specref.models.losses import *  # noqa: F403
from specref.models.lst import *  # noqa: F403
from specref.models.optim import *  # noqa: F403
from specref.models.positional import *  # noqa: F403
from specref.models.spectral_attention import *  # noqa: F403
from specref.models.train import *  # noqa: F403
from specref.models.wavelet import *  # noqa: F403

__all__ = [
    *_base.__all__,
    *_positional.__all__,
    *_heads.__all__,
    *_fnet.__all__,
    *_gfnet.__all__,
    *_afno.__all__,
    *_lst.__all__,
    *_spectral_attention.__all__,
    *_wavelet.__all__,
    *_fno.__all__,
    *_hybrid.__all__,
    *_losses.__all__,
    *_optim.__all__,
    *_train.__all__,
]
