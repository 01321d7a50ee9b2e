"""The spectrans suite: every configuration of every spectrans class that maps onto specref.

``cases()`` gives the mixing layers' cases (:mod:`specref.compare.suites.spectrans_mixing`: the Fourier
family, the global filters with interpolated lengths, AFNO in float32, dropout in training mode with the
masks read back, AdaptiveGlobalFilter's regularization loss, and for each known difference the spectrans
case plus specref against the correct math written in torch), then the wavelet mixing layers'
(:mod:`specref.compare.suites.spectrans_wavelet`: WaveletMixing and WaveletMixing2D in every mode, train and
eval, spectrans's filters replaced by pywt's float64 taps), the neural operators'
(:mod:`specref.compare.suites.spectrans_operators`: SpectralConv1d/2d, FourierNeuralOperator, the operators'
FNOBlock in every norm, train and eval), the blocks' (:mod:`specref.compare.suites.spectrans_blocks`: every
``spectrans.blocks`` class, eval and train), the models' (:mod:`specref.compare.suites.spectrans_models`: every
``spectrans.models`` class), then the kernels' and the transforms' cases
(:mod:`specref.compare.suites.spectrans_kernels`, :mod:`specref.compare.suites.spectrans_transforms`, each
where its module exists). Every case is a :class:`~specref.compare.suites.SuiteCase` with
``peer="spectrans"``; running one imports torch and spectrans, importing this module imports neither.
"""

from __future__ import annotations

import importlib
import importlib.util

from specref.compare.suites import SuiteCase

__all__ = ["cases", "weight_cases"]

_FAMILIES = ("specref.compare.suites.spectrans_kernels", "specref.compare.suites.spectrans_transforms")


def cases() -> list[SuiteCase]:
    """The mixing layers' cases (Fourier, global filters, AFNO, wavelets), the neural operators', LST attention's,
    the feature attentions' (:mod:`specref.compare.suites.spectrans_attention`),
    the block feed-forward network's (:func:`specref.compare.suites.torch_transformer.spectrans_cases`), the
    blocks' (:mod:`specref.compare.suites.spectrans_blocks`), the models'
    (:mod:`specref.compare.suites.spectrans_models`), then the kernels' and the transforms' (where their
    suite modules exist)."""
    from specref.compare.suites import (
        spectrans_attention,
        spectrans_blocks,
        spectrans_lst,
        spectrans_mixing,
        spectrans_models,
        spectrans_operators,
        spectrans_wavelet,
        torch_transformer,
    )

    out = (spectrans_mixing.cases() + spectrans_wavelet.cases() + spectrans_operators.cases()
           + spectrans_lst.cases() + spectrans_attention.cases() + torch_transformer.spectrans_cases()
           + spectrans_blocks.cases() + spectrans_models.cases())
    for family in _FAMILIES:
        if importlib.util.find_spec(family) is not None:
            out += list(importlib.import_module(family).cases())
    return out


def weight_cases(component: str, state_dict) -> list[SuiteCase]:
    """The cases of ``component`` built from a user's weights (:mod:`specref.compare.suites.spectrans_weights`)."""
    from specref.compare.suites.spectrans_weights import weight_cases as build

    return build(component, state_dict)
