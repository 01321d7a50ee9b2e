r"""BlockDiagonalAFNOMixing: the AFNO of Guibas et al. (ICLR 2022), a block-diagonal complex MLP per mode.

:class:`BlockDiagonalAFNOMixing` is the adaptive Fourier neural operator of J. Guibas, M. Mardani, Z. Li,
A. Tao, A. Anandkumar, B. Catanzaro, "Adaptive Fourier Neural Operators: Efficient Token Mixers for
Transformers" (ICLR 2022), eqs. (4)-(6) of its section 3 (the block-diagonal weight sharing, the soft
thresholding), on a sequence, as NVlabs's ``AFNO1D`` (``afno/afno1d.py`` of NVlabs/AFNO-transformer) writes
it. For input :math:`x` of shape (..., L, D):

.. math::

    X &= F x \quad \text{(rfft along the sequence, norm "ortho")} \qquad &(\mathrm{P1}) \\
    X^{\kappa} &= \text{the first } \kappa = \lfloor (\lfloor L/2\rfloor + 1) f\rfloor \text{ bins,
        channels split into } K \text{ blocks} \qquad &(\mathrm{P2}) \\
    O_1 &= \phi(\operatorname{Re} Z_1) + i\,\phi(\operatorname{Im} Z_1), \quad Z_1 = X^{\kappa} W_1 + b_1
        \qquad &(\mathrm{P3}) \\
    O_2 &= S_\lambda(\operatorname{Re} Z_2) + i\,S_\lambda(\operatorname{Im} Z_2), \quad Z_2 = O_1 W_2 + b_2
        \qquad &(\mathrm{P4}) \\
    y &= x + F^{-1} \operatorname{pad}(O_2) \qquad &(\mathrm{P5})\text{-}(\mathrm{P7})

with the same complex block-diagonal weights for every mode, :math:`\phi` the activation (ReLU) on the real
and imaginary parts separately and :math:`S_\lambda` the soft-shrinkage (``sparsity_threshold``
:math:`\lambda = 0.01`). No layer norm; params ``w1, b1, w2, b2`` with NVlabs's shapes (a leading axis of 2
holds the real and imaginary parts). The derivation is in docs/layers/afno.md ("block-diagonal AFNO").

This is not spectrans's ``AFNOMixing`` (:class:`specref.layers.mixing.afno.AFNOMixing`), which acts on a
2-D FFT with one dense MLP over all retained modes: the two layers share a name in the literature and
differ in their math and parameters (docs/design.md, "Adding a layer"). Precision: the input's (NVlabs
casts to float32).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specref._args import check_choice, check_nonnegative_float, check_positive_int
from specref.backend import as_generator, dtype_name, namespace, to_numpy
from specref.layers.base import LayerCtx, layer_case
from specref.layers.mixing.afno import AFNO_ACTIVATIONS, _builder, _case_error_scale, _input_shape
from specref.layers.mixing.base import MixingLayer
from specref.ops.activations import ACTIVATION_KINKS
from specref.ops.complex import imag, imag_adjoint, real, real_adjoint, view_as_complex, view_as_complex_adjoint
from specref.ops.elementwise import softshrink, softshrink_vjp
from specref.ops.linear import block_linear, block_linear_vjp
from specref.testing.draws import draw_away
from specref.testing.tolerances import fft_error_scale
from specref.transforms.fourier import irfft, irfft_adjoint, rfft, rfft_adjoint
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint

__all__ = ["BlockDiagonalAFNOMixing", "BlockDiagonalAFNOCtx"]


@dataclass(frozen=True)
class BlockDiagonalAFNOCtx(LayerCtx):
    """What :meth:`BlockDiagonalAFNOMixing.backward` reads; names follow eqs. (P1)-(P7) of the docs."""

    x: object  # (..., L, D) input
    spectrum_shape: tuple  # (P1) rfft along the sequence: (..., L//2+1, D)
    x_blocks: object  # (P2) kept bins, channels split into blocks: (..., kept, K, bs)
    w1: object  # complex (K, bs, bs f)
    b1: object  # complex (K, bs f)
    z1: object  # (P3) block_linear(x_blocks, w1, b1)
    r1: object  # (P3) act(Re z1)
    i1: object  # (P3) act(Im z1)
    o1: object  # (P3) r1 + i i1
    w2: object  # complex (K, bs f, bs)
    b2: object  # complex (K, bs)
    z2: object  # (P4) block_linear(o1, w2, b2)
    r2: object  # (P4) softshrink(Re z2)
    i2: object  # (P4) softshrink(Im z2)


class BlockDiagonalAFNOMixing(MixingLayer):
    r"""The AFNO of Guibas et al. (ICLR 2022) on a sequence, as NVlabs's ``AFNO1D``: a block-diagonal complex
    two-layer MLP shared by every retained rfft bin, with soft-shrinkage, and a residual.

    Parameters
    ----------
    hidden_dim : int
        D, the feature size of the input (..., L, D); any sequence length L.
    num_blocks : int
        K, the number of diagonal blocks (default 8, NVlabs's); must divide D.
    sparsity_threshold : float
        :math:`\lambda` of the soft-shrinkage (default 0.01, NVlabs's).
    hard_thresholding_fraction : float in [0, 1]
        The first ``int((L//2 + 1) * fraction)`` sequence bins are kept, the rest set to 0 (default 1.0: all
        kept).
    hidden_size_factor : int
        Each block's MLP hidden size is ``(D // K) * factor`` (default 1, NVlabs's).
    activation : {"relu", "gelu", "silu", "tanh", "sigmoid", "identity"}
        Applied to the real and imaginary parts separately (default ``"relu"``, the paper's; NVlabs
        hard-codes it).
    seed : int or numpy.random.Generator, keyword-only
        Initialisation with NVlabs's law: 0.02 N(0, 1) for every parameter, drawn in the order w1, b1, w2, b2.

    Attributes
    ----------
    params : dict
        NVlabs's ``AFNO1D`` names and shapes: ``w1`` (2, K, bs, bs f), ``b1`` (2, K, bs f), ``w2``
        (2, K, bs f, bs), ``b2`` (2, K, bs), with bs = D / K and index 0/1 the real/imaginary part.

    Raises
    ------
    ValueError
        For an unknown activation, sizes < 1, D not divisible by ``num_blocks``, a negative
        ``sparsity_threshold`` or a fraction outside [0, 1].
    TypeError
        For sizes that are not integers.

    Examples
    --------
    >>> import numpy as np
    >>> layer = BlockDiagonalAFNOMixing(hidden_dim=8, num_blocks=2)
    >>> [tuple(v.shape) for v in layer.params.values()]
    [(2, 2, 4, 4), (2, 2, 4), (2, 2, 4, 4), (2, 2, 4)]
    >>> y, ctx = layer.forward(np.random.default_rng(0).standard_normal((2, 11, 8)))
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> sorted(grads)
    ['b1', 'b2', 'w1', 'w2']
    """

    dropout_names = ()  # NVlabs's AFNO1D has no dropout

    def __init__(
        self,
        hidden_dim: int,
        num_blocks: int = 8,
        sparsity_threshold: float = 0.01,
        hard_thresholding_fraction: float = 1.0,
        hidden_size_factor: int = 1,
        activation: str = "relu",
        *,
        seed=0,
    ):
        self.activation = check_choice(activation, AFNO_ACTIVATIONS, "activation")
        super().__init__(hidden_dim)
        d = self.hidden_dim
        self.num_blocks = check_positive_int(num_blocks, "num_blocks")
        if d % self.num_blocks:
            raise ValueError(f"hidden_dim {d} is not divisible by num_blocks {self.num_blocks}")
        self.block_size = d // self.num_blocks
        self.hidden_size_factor = check_positive_int(hidden_size_factor, "hidden_size_factor")
        self.sparsity_threshold = check_nonnegative_float(sparsity_threshold, "sparsity_threshold")
        frac = check_nonnegative_float(hard_thresholding_fraction, "hard_thresholding_fraction")
        if frac > 1.0:
            raise ValueError(f"hard_thresholding_fraction must be in [0, 1], got {frac!r}")
        self.hard_thresholding_fraction = frac
        k, bs, f = self.num_blocks, self.block_size, self.hidden_size_factor
        gen = as_generator(seed)
        scale = 0.02  # NVlabs AFNO1D: self.scale * torch.randn(...) for all four
        self._init_arrays({
            "w1": scale * gen.standard_normal((2, k, bs, bs * f)),
            "b1": scale * gen.standard_normal((2, k, bs * f)),
            "w2": scale * gen.standard_normal((2, k, bs * f, bs)),
            "b2": scale * gen.standard_normal((2, k, bs)),
        })

    def get_spectral_properties(self) -> dict:
        """spectrans's property flags, each true for the layer as implemented, with the reasons."""
        return {
            "unitary": False,
            "real_output": True,
            "frequency_domain": True,
            "energy_preserving": False,
            "learnable_parameters": True,
            "translation_equivariant": False,
            "mode_truncation": self.hard_thresholding_fraction < 1.0,
            "adaptive": True,
            "notes": (
                "not unitary or energy preserving: an MLP acts on the modes; real output (irfft); not "
                "translation equivariant: a circular shift multiplies mode k by a phase, which the complex "
                "biases and the activation/softshrink on Re and Im separately do not commute with; adaptive: "
                "the weights acting on the modes are learned; mode_truncation only when "
                "hard_thresholding_fraction < 1"
            ),
        }

    def error_scale(self, input_shape) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for inputs of ``input_shape``.

        The sum of the constants of the stages, each the claim of its own registered primitive, doubled for
        the propagation through the MLP's Lipschitz constants: rfft and irfft of length L
        (``fft_error_scale(L)`` each), two complex block-linear maps :math:`2(1.5 n + 2)` (n = bs, bs f),
        activation and softshrink 4, residual 1.
        """
        length = int(input_shape[-2])
        bs, f = self.block_size, self.hidden_size_factor
        stages = (2.0 * fft_error_scale(length) + 2.0 * (1.5 * bs + 2.0) + 2.0 * (1.5 * bs * f + 2.0)
                  + 4.0 + 1.0)
        return 2.0 * stages

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: equations (P1)-(P7) of docs/layers/afno.md. No dropout: ``training`` and ``rng`` have
        no effect, and any name in ``masks`` is refused.

        Raises
        ------
        ValueError
            For fewer than three axes, a last axis other than D, or an injected mask.
        TypeError
            For complex, integer or bool input, or a precision other than the params'.
        """
        self._check_mixing_input(x)
        if masks:  # the layer has no dropout: every mask name is unknown
            self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)
        xp = namespace(x)
        p = self.params
        act = AFNO_ACTIVATIONS[self.activation][0]
        lam = self.sparsity_threshold
        length, batch, d = x.shape[-2], tuple(x.shape[:-2]), self.hidden_dim
        kept = int((length // 2 + 1) * self.hard_thresholding_fraction)  # NVlabs: int(total_modes * fraction)
        spectrum = rfft(x, axis=-2, norm="ortho")  # (P1)
        x_blocks = xp.reshape(crop_or_pad(spectrum, kept, axis=-2), (*batch, kept, self.num_blocks,
                                                                         self.block_size))  # (P2)
        w1, b1 = view_as_complex(p["w1"], axis=0), view_as_complex(p["b1"], axis=0)
        w2, b2 = view_as_complex(p["w2"], axis=0), view_as_complex(p["b2"], axis=0)
        z1 = block_linear(x_blocks, w1, b1)  # (P3)
        r1, i1 = act(real(z1)), act(imag(z1))
        o1 = real_adjoint(r1, input_shape=tuple(r1.shape)) + imag_adjoint(i1, input_shape=tuple(i1.shape))
        z2 = block_linear(o1, w2, b2)  # (P4)
        r2, i2 = softshrink(real(z2), lambd=lam), softshrink(imag(z2), lambd=lam)
        o2 = real_adjoint(r2, input_shape=tuple(r2.shape)) + imag_adjoint(i2, input_shape=tuple(i2.shape))
        o2_full = crop_or_pad(xp.reshape(o2, (*batch, kept, d)), length // 2 + 1, axis=-2)  # (P5)
        y = x + irfft(o2_full, n=length, axis=-2, norm="ortho")  # (P6), (P7)
        ctx = BlockDiagonalAFNOCtx(dtype=dtype_name(x.dtype), x=x, spectrum_shape=tuple(spectrum.shape),
                                   x_blocks=x_blocks, w1=w1, b1=b1,
                                   z1=z1, r1=r1, i1=i1, o1=o1, w2=w2, b2=b2, z2=z2, r2=r2, i2=i2)
        return y, ctx

    def backward(self, ctx: BlockDiagonalAFNOCtx, dy):
        """``(dx, grads)``: the forward's lines in reverse, (BP6) to (BP1) of docs/layers/afno.md."""
        self._check_cotangent(ctx, dy, tuple(ctx.x.shape))
        xp = namespace(dy)
        act_vjp = AFNO_ACTIVATIONS[self.activation][1]
        lam = self.sparsity_threshold
        length, batch, d = ctx.x.shape[-2], tuple(ctx.x.shape[:-2]), self.hidden_dim
        kept = ctx.x_blocks.shape[-3]
        # (BP6) y = x + s, s = irfft(O_full, n=L): irfft's adjoint on the mixing branch
        do2_full = irfft_adjoint(dy, input_shape=(*batch, length // 2 + 1, d), n=length, axis=-2, norm="ortho")
        # (BP6) zero-pad of the kept bins to L//2 + 1 (P5): its adjoint crops; unflatten the blocks
        do2 = xp.reshape(crop_or_pad_adjoint(do2_full, input_shape=(*batch, kept, d), n=length // 2 + 1, axis=-2),
                         tuple(ctx.z2.shape))
        # (BP4) O2 = softshrink(Re Z2) + i softshrink(Im Z2): split into Re and Im, each part's VJP, recombine
        dz2 = real_adjoint(softshrink_vjp(real(do2), real(ctx.z2), ctx.r2, lambd=lam), input_shape=ctx.r2.shape)
        dz2 = dz2 + imag_adjoint(softshrink_vjp(imag(do2), imag(ctx.z2), ctx.i2, lambd=lam),
                                 input_shape=ctx.i2.shape)
        do1, dw2, db2 = block_linear_vjp(dz2, ctx.o1, ctx.w2, ctx.b2, ctx.z2)  # (BP3)
        # (BP2) O1 = act(Re Z1) + i act(Im Z1), Z1 = block_linear(X_blocks, W1, b1)
        dz1 = real_adjoint(act_vjp(real(do1), real(ctx.z1), ctx.r1), input_shape=ctx.r1.shape)
        dz1 = dz1 + imag_adjoint(act_vjp(imag(do1), imag(ctx.z1), ctx.i1), input_shape=ctx.i1.shape)
        dx_blocks, dw1, db1 = block_linear_vjp(dz1, ctx.x_blocks, ctx.w1, ctx.b1, ctx.z1)
        # (BP1) hard thresholding = crop to the kept bins (P2): its adjoint zero-pads
        dspectrum = crop_or_pad_adjoint(xp.reshape(dx_blocks, (*batch, kept, d)), input_shape=ctx.spectrum_shape,
                                        n=kept, axis=-2)
        # (BP1) X = rfft(x) along the sequence (P1)
        dx_mix = rfft_adjoint(dspectrum, input_shape=tuple(ctx.x.shape), axis=-2, norm="ortho")
        dx = dy + dx_mix  # (BP1): the residual branch plus the mixing branch
        grads = {
            "w1": view_as_complex_adjoint(dw1, input_shape=(2, *dw1.shape), axis=0),
            "b1": view_as_complex_adjoint(db1, input_shape=(2, *db1.shape), axis=0),
            "w2": view_as_complex_adjoint(dw2, input_shape=(2, *dw2.shape), axis=0),
            "b2": view_as_complex_adjoint(db2, input_shape=(2, *db2.shape), axis=0),
        }
        return dx, grads


# ----------------------------------------------------------------------------------------------------------
# verification case


def _randomize(layer: BlockDiagonalAFNOMixing, gen) -> BlockDiagonalAFNOMixing:
    """Every param drawn O(1) (weights scaled by 1/sqrt(fan_in), biases 0.5 N(0, 1)), so that the mixing
    branch is as large as the residual and every gradient is checked at a generic point (NVlabs's init is
    0.02 N(0, 1))."""
    new = {}
    for name, value in layer.params.items():
        shape = tuple(value.shape)
        draw = gen.standard_normal(shape)
        new[name] = 0.5 * draw if name in ("b1", "b2") else draw / math.sqrt(shape[2])
    return layer.with_params(new)


def _real_and_imaginary(z) -> np.ndarray:
    """Host (..., 2, K, n) real array of Re z and Im z for a complex (..., K, n), the layout of b1 and b2."""
    z = to_numpy(z)
    return np.stack([z.real, z.imag], axis=-3)


def _away_from_kinks(layer: BlockDiagonalAFNOMixing, x, rng) -> BlockDiagonalAFNOMixing:
    r"""Biases redrawn so that central differences never straddle a kink: ``b1`` so that every part of
    :math:`Z_1` is at least ``KINK_GAP`` from the activation's kink (ReLU), then ``b2`` so that every part of
    :math:`Z_2` is that far from the soft-shrinkage's kinks :math:`\pm\lambda`."""
    kinks = ACTIVATION_KINKS.get(layer.activation, ())
    if kinks:
        b1 = layer.params["b1"]
        without_b1 = _real_and_imaginary(layer.forward(x)[1].z1) - to_numpy(b1)
        layer = layer.with_params({"b1": draw_away(rng, tuple(b1.shape), kinks=kinks, scale=0.5,
                                                   image=lambda b: without_b1 + b)})
    lam = layer.sparsity_threshold
    b2 = layer.params["b2"]
    without_b2 = _real_and_imaginary(layer.forward(x)[1].z2) - to_numpy(b2)
    return layer.with_params({"b2": draw_away(rng, tuple(b2.shape), kinks=(lam, -lam), scale=0.5,
                                              image=lambda b: without_b2 + b)})


CASES = [
    layer_case(
        BlockDiagonalAFNOMixing,
        build=_builder(BlockDiagonalAFNOMixing, _randomize),
        input_shape=_input_shape,
        grid=(
            # the paper's relu and lambda = 0.01, every bin kept, even L
            {"hidden_dim": 4, "num_blocks": 2, "L": 6},
            # odd L, 2 of 4 bins kept, hidden factor 2, tanh, lambda = 0.3 (a good share of entries shrunk to 0)
            {"hidden_dim": 6, "num_blocks": 3, "L": 7, "hidden_size_factor": 2, "hard_thresholding_fraction": 0.6,
             "activation": "tanh", "sparsity_threshold": 0.3},
            # odd L, 1 of 3 bins kept (int(3 * 0.4)), silu
            {"hidden_dim": 4, "num_blocks": 2, "L": 5, "hard_thresholding_fraction": 0.4, "activation": "silu"},
        ),
        error_scale=_case_error_scale(BlockDiagonalAFNOMixing),
        error_reason="rfft/irfft along L, two complex block-linear maps, activation, softshrink, residual: "
        "the sum of the stage constants, doubled for propagation",
        away_from_kinks=_away_from_kinks,
    ),
]
