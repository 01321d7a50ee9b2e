r"""AFNOMixing: spectrans's adaptive Fourier mixing (one dense MLP over truncated 2-D Fourier modes).

:class:`AFNOMixing` is spectrans 0.1.0's ``AFNOMixing`` (``spectrans/layers/mixing/afno.py``), with its
constructor, parameter names, shapes and order, and its order of operations. For input :math:`x` of shape
(..., L, D), :math:`L \le N` (``max_sequence_length``), :math:`m_s` / :math:`m_h` retained modes:

.. math::

    u &= \operatorname{LN}(x) \qquad (\epsilon = 10^{-5}) \\
    X &= \operatorname{rfft2}(\operatorname{pad}_N u) \quad \text{(axes (seq, hidden), norm "ortho")},
         \quad X \in \mathbb C^{N \times (D/2+1)} \\
    T_{sh} &= X_{sh}\, W_{sh}, \quad W = w_{\cdot\cdot 0} + i\, w_{\cdot\cdot 1},
         \quad 0 \le s < m_s,\ 0 \le h < m_h \\
    v_{2(s m_h + h) + c} &= (\operatorname{Re} T_{sh}, \operatorname{Im} T_{sh})_c
         \quad \text{(torch's view\_as\_real, then flatten)} \\
    o &= \operatorname{drop}_4\big(\operatorname{Lin}_3(\operatorname{drop}_2(\phi(\operatorname{Lin}_0 v)))\big) \\
    Z_{sh} &= o_{2(s m_h + h)} + i\, o_{2(s m_h + h) + 1}, \quad Z \text{ zero-padded to } N \times (D/2+1) \\
    y &= x + \operatorname{crop}_L \operatorname{irfft2}(Z, s = (N, D))

(equations (1)-(9) of docs/layers/afno.md). It is not the AFNO of Guibas et al.: one dense MLP acts on all
retained modes at once; specref follows spectrans here (a coherent choice of the peer, followed and stated).
The paper's operator (a block-diagonal complex MLP per mode, with soft-shrinkage) is a different layer with
its own parameters: :class:`specref.layers.mixing.afno_block_diagonal.BlockDiagonalAFNOMixing`.

Precision: specref computes in the input's precision (float32 or float64). spectrans casts every input to
float32 and back, so a float64 spectrans AFNOMixing is float32 arithmetic (and ``.double()`` raises):
validation/findings/spectrans_afno_float32.md.

Primitives from :mod:`specref.ops` besides the usual ones: the activation by name (the one table,
:mod:`specref.ops.activations`), ``view_as_real`` / ``view_as_complex`` (the R-linear isometries between
complex arrays and real (re, im) pairs, each the other's adjoint; :mod:`specref.ops.complex`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from specref._args import check_choice, check_nonnegative_float, check_positive_int
from specref.backend import as_generator, dtype_name, namespace, to_numpy
from specref.layers.base import LayerCtx, layer_case
from specref.layers.mixing.base import MixingLayer
from specref.ops.activations import ACTIVATION_KINKS, ACTIVATIONS
from specref.ops.complex import (
    cmul,
    cmul_vjp,
    view_as_complex,
    view_as_complex_adjoint,
    view_as_real,
    view_as_real_adjoint,
)
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.linear import linear, linear_vjp
from specref.ops.norm import layer_norm, layer_norm_vjp
from specref.testing.draws import draw_away
from specref.testing.tolerances import fft_error_scale, summation_factor
from specref.transforms.fourier_pruned import (
    irfft2_pruned,
    irfft2_pruned_adjoint,
    rfft2_pruned,
    rfft2_pruned_adjoint,
)
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint

__all__ = [
    "AFNOMixing",
    "AFNOCtx",
    "AFNO_ACTIVATIONS",
    "ACTIVATION_KINKS",
]


# ----------------------------------------------------------------------------------------------------------
# the activations both AFNO layers accept: spectrans's six names, from the one table (specref.ops.activations)

#: activation name -> (function, VJP): the names spectrans's AFNOMixing accepts (``ActivationType``), taken
#: from :data:`specref.ops.activations.ACTIVATIONS`; ``ACTIVATION_KINKS`` is that module's table, re-exported
AFNO_ACTIVATIONS = {name: ACTIVATIONS[name] for name in ("gelu", "relu", "silu", "tanh", "sigmoid", "identity")}


# ----------------------------------------------------------------------------------------------------------
# context


@dataclass(frozen=True)
class AFNOCtx(LayerCtx):
    """What :meth:`AFNOMixing.backward` reads; names follow eqs. (1)-(9) of docs/layers/afno.md.

    ``mask_hidden`` / ``mask_out`` are the keep-masks of dropouts ``"mlp.2"`` / ``"mlp.4"`` (None when
    inactive).
    """

    x: object  # (..., L, D) input
    u: object  # (1) layer norm of x
    spectrum_shape: tuple  # (2), (3) the m_h kept columns of X = rfft2(pad_N u): (..., N, mh)
    x_modes: object  # (3) X[..., :ms, :mh]
    weight: object  # (4) W = w[..., 0] + i w[..., 1], (ms, mh)
    t: object  # (4) T = X_modes * W
    v: object  # (5) flattened (re, im) pairs of T, (..., 2 ms mh)
    h: object  # (6) Lin0(v)
    a: object  # (6) act(h)
    mask_hidden: object | None  # (6) dropout "mlp.2"
    a_drop: object  # (6) drop(a)
    o: object  # (6) Lin3(a_drop)
    mask_out: object | None  # (6) dropout "mlp.4"
    o_drop: object  # (6) drop(o)
    s_full_shape: tuple  # (8) irfft2 output (..., N, D)


# ----------------------------------------------------------------------------------------------------------
# the layer


class AFNOMixing(MixingLayer):
    r"""Adaptive Fourier mixing as spectrans's ``AFNOMixing``: one dense MLP over truncated 2-D Fourier modes.

    Parameters
    ----------
    hidden_dim : int
        D, the feature size of the input (..., L, D).
    max_sequence_length : int
        N: every sequence is zero-padded to N before the 2-D FFT (L > N raises).
    modes_seq : int, optional
        :math:`m_s`, retained sequence bins (default ``N // 2``; clamped to N, as spectrans does).
    modes_hidden : int, optional
        :math:`m_h`, retained hidden-axis rfft bins (default ``D // 2``; clamped to ``D // 2 + 1``).
    mlp_ratio : float
        The MLP's hidden size is ``int(D * mlp_ratio)`` (spectrans: ``mlp_hidden_dim = int(hidden_dim *
        mlp_ratio)``).
    activation : {"gelu", "relu", "silu", "tanh", "sigmoid", "identity"}
        The MLP's activation (default ``"gelu"``, exact erf form, spectrans's default). GELU needs erf,
        which array-api-strict lacks (NotImplementedError there).
    dropout : float
        p of the two MLP dropouts, spectrans's ``mlp.2`` (after the activation) and ``mlp.4`` (after the
        second linear map); names ``"mlp.2"`` and ``"mlp.4"`` in ``masks=``. spectrans's base-class
        ``self.dropout`` is never applied, so specref has no such dropout.
    seed : int or numpy.random.Generator, keyword-only
        Initialisation with spectrans's laws (w ~ N(0,1)/(ms mh), MLP weights xavier-uniform, zero biases,
        layer norm 1/0), drawn in that order. Never the same numbers as torch's global generator: load a
        state_dict to compare.

    Attributes
    ----------
    params : dict
        In spectrans's ``named_parameters()`` order: ``fourier_weight`` (ms, mh, 2), ``mlp.0.weight``
        (H, 2 ms mh), ``mlp.0.bias`` (H,), ``mlp.3.weight`` (2 ms mh, H), ``mlp.3.bias`` (2 ms mh,),
        ``norm.weight`` (D,), ``norm.bias`` (D,), with H = ``int(D * mlp_ratio)``.

    Raises
    ------
    ValueError
        For an unknown activation, sizes < 1, a hidden size ``int(D * mlp_ratio) < 1``, or ``dropout``
        outside [0, 1).
    TypeError
        For sizes that are not integers.

    Notes
    -----
    ``forward(x, *, training=False, rng=None, masks=None) -> (y, ctx)`` and ``backward(ctx, dy) -> (dx,
    grads)``; the derivation of every backward line is in docs/layers/afno.md. Unlike spectrans, which casts
    to float32, specref computes in the input's precision (validation/findings/spectrans_afno_float32.md),
    and a too long sequence raises a ValueError rather than a shape error from inside torch.

    Examples
    --------
    >>> import numpy as np
    >>> layer = AFNOMixing(hidden_dim=8, max_sequence_length=16, modes_seq=4, modes_hidden=3)
    >>> [tuple(v.shape) for v in layer.params.values()]
    [(4, 3, 2), (16, 24), (16,), (24, 16), (24,), (8,), (8,)]
    >>> x = np.random.default_rng(0).standard_normal((2, 11, 8))
    >>> y, ctx = layer.forward(x)
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, sorted(grads) == sorted(layer.params)
    ((2, 11, 8), (2, 11, 8), True)
    """

    dropout_names = ("mlp.2", "mlp.4")
    #: eps of the layer norm: spectrans's nn.LayerNorm(hidden_dim) has torch's default 1e-5 (the base class's
    #: ``norm_eps``, also 1e-5, is another setting: spectrans uses it only in its verification methods)
    layer_norm_eps = 1e-5

    def __init__(
        self,
        hidden_dim: int,
        max_sequence_length: int,
        modes_seq: int | None = None,
        modes_hidden: int | None = None,
        mlp_ratio: float = 2.0,
        activation: str = "gelu",
        dropout: float = 0.0,
        *,
        seed=0,
    ):
        self.activation = check_choice(activation, AFNO_ACTIVATIONS, "activation")
        super().__init__(hidden_dim, dropout)  # hidden_dim and the dropout probability, checked there
        self.max_sequence_length = check_positive_int(max_sequence_length, "max_sequence_length")
        n, d = self.max_sequence_length, self.hidden_dim
        ms = n // 2 if modes_seq is None else check_positive_int(modes_seq, "modes_seq")
        mh = d // 2 if modes_hidden is None else check_positive_int(modes_hidden, "modes_hidden")
        # spectrans clamps: a full FFT has N sequence bins, an rfft D//2 + 1 hidden bins
        self.modes_seq, self.modes_hidden = min(ms, n), min(mh, d // 2 + 1)
        if self.modes_seq < 1 or self.modes_hidden < 1:
            raise ValueError(
                f"AFNOMixing keeps modes_seq = {self.modes_seq} and modes_hidden = {self.modes_hidden} modes "
                f"(defaults N // 2 and D // 2 with N = {n}, D = {d}); both must be >= 1"
            )
        self.mlp_ratio = check_nonnegative_float(mlp_ratio, "mlp_ratio")
        self.mlp_hidden_dim = int(d * self.mlp_ratio)  # spectrans: int(hidden_dim * mlp_ratio)
        if self.mlp_hidden_dim < 1:
            raise ValueError(f"the MLP hidden size int(hidden_dim * mlp_ratio) = {self.mlp_hidden_dim} must "
                             "be >= 1")
        ms, mh, hid = self.modes_seq, self.modes_hidden, self.mlp_hidden_dim
        n_modes = 2 * ms * mh
        # spectrans's init: randn / (ms mh); xavier_uniform (a = sqrt(6 / (fan_in + fan_out))); zero biases;
        # nn.LayerNorm's ones and zeros. Drawn in spectrans's order from one generator.
        gen = as_generator(seed)
        weight = gen.standard_normal((ms, mh, 2)) / (ms * mh)
        a0 = math.sqrt(6.0 / (n_modes + hid))
        w0 = gen.uniform(-a0, a0, (hid, n_modes))
        w3 = gen.uniform(-a0, a0, (n_modes, hid))  # same fan sum, so the same bound
        self._init_arrays({
            "fourier_weight": weight,
            "mlp.0.weight": w0,
            "mlp.0.bias": np.zeros(hid),
            "mlp.3.weight": w3,
            "mlp.3.bias": np.zeros(n_modes),
            "norm.weight": np.ones(d),
            "norm.bias": np.zeros(d),
        })

    # -- spectrans's MixingLayer methods ------------------------------------------------------------------

    def get_spectral_properties(self) -> dict:
        """spectrans's property flags, each true for the layer as implemented, with the reasons."""
        return {
            "unitary": False,
            "real_output": True,
            "frequency_domain": True,
            "energy_preserving": False,
            "learnable_parameters": True,
            "translation_equivariant": False,
            "mode_truncation": True,
            "adaptive": True,
            "notes": (
                "not unitary or energy preserving: modes are discarded and an MLP acts on the rest; real output "
                "(irfft); not translation equivariant: a circular shift multiplies mode k by a phase, which "
                "the dense MLP over all retained modes (and the zero-padding to max_sequence_length) does "
                "not commute with; adaptive: the weights acting on the modes are learned"
            ),
        }

    def error_scale(self, input_shape) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for inputs of ``input_shape``.

        The sum of the constants of the stages, each the claim of its own registered primitive, which bounds
        the first-order propagation when every stage is O(1)-conditioned (O(1) weights), doubled for the
        propagation through the MLP's Lipschitz constants: layer norm :math:`2(1.5(2 + \log_2 D) + 4)`,
        rfft2 and irfft2 of :math:`N \times D` (``fft_error_scale(N D)`` each), the complex product 2, the two
        linear maps :math:`1.5 n + 2` (n = 2 ms mh, H), activation and dropout 4, residual 1.
        """
        d = self.hidden_dim
        n, ms, mh, hid = self.max_sequence_length, self.modes_seq, self.modes_hidden, self.mlp_hidden_dim
        stages = (2.0 * (1.5 * (1.0 + summation_factor(d)) + 4.0) + 2.0 * fft_error_scale(n * d) + 2.0
                  + (1.5 * 2 * ms * mh + 2.0) + (1.5 * hid + 2.0) + 4.0 + 1.0)
        return 2.0 * stages

    # -- forward and backward ----------------------------------------------------------------------------

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: equations (1)-(9) of docs/layers/afno.md.

        Parameters
        ----------
        x : array, float32 or float64, shape (..., L, D) with at least three axes
        training : bool
            Apply the dropouts (``dropout > 0``).
        rng : int or numpy.random.Generator, optional
            Draws the dropout masks ("mlp.2" first, then "mlp.4").
        masks : dict, optional
            Injected keep-masks: ``"mlp.2"`` of shape (..., H), ``"mlp.4"`` of shape (..., 2 ms mh).

        Raises
        ------
        ValueError
            For fewer than three axes, a last axis other than D, L > max_sequence_length, dropout in training
            mode without rng or masks, an injected mask of the wrong name or shape.
        TypeError
            For complex, integer or bool input, or a precision other than the params'.
        """
        self._check_mixing_input(x)
        if masks:  # unknown mask names are refused even in eval mode
            self._dropout_mask("mlp.2", (), 0.0, x=x, training=False, rng=None, masks=masks)
        # one generator for both masks: an int seed would otherwise restart the stream for each
        rng = None if rng is None else as_generator(rng)
        xp = namespace(x)
        p = self.params
        n, d, ms, mh = self.max_sequence_length, self.hidden_dim, self.modes_seq, self.modes_hidden
        length, batch = x.shape[-2], tuple(x.shape[:-2])
        if length > n:
            raise ValueError(f"AFNOMixing has max_sequence_length {n} but x has {length} positions (shape "
                             f"{tuple(x.shape)}); the spectrans layer zero-pads shorter sequences to {n}")
        act = AFNO_ACTIVATIONS[self.activation][0]
        u = layer_norm(x, p["norm.weight"], p["norm.bias"], eps=self.layer_norm_eps)  # (1)
        # (2), (3): the m_h kept columns of rfft2 (s pads the sequence to N), the sequence FFT on those only
        spectrum = rfft2_pruned(u, s=(n, d), cols=mh, norm="ortho")
        x_modes = crop_or_pad(spectrum, ms, axis=-2)  # (3)
        weight = view_as_complex(p["fourier_weight"])  # (4)
        t = cmul(x_modes, weight)  # (4)
        v = xp.reshape(view_as_real(t), (*batch, 2 * ms * mh))  # (5) index (s mh + h) 2 + re/im
        h = linear(v, p["mlp.0.weight"], p["mlp.0.bias"])  # (6)
        a = act(h)
        mask_hidden = self._dropout_mask("mlp.2", tuple(a.shape), self.dropout, x=x, training=training, rng=rng,
                                         masks=masks)
        a_drop = a if mask_hidden is None else dropout(a, mask=mask_hidden, p=self.dropout)
        o = linear(a_drop, p["mlp.3.weight"], p["mlp.3.bias"])
        mask_out = self._dropout_mask("mlp.4", tuple(o.shape), self.dropout, x=x, training=training, rng=rng,
                                      masks=masks)
        o_drop = o if mask_out is None else dropout(o, mask=mask_out, p=self.dropout)
        z = view_as_complex(xp.reshape(o_drop, (*batch, ms, mh, 2)))  # (7)
        # (7), (8): irfft2 of Z scattered into zeros; the pruned inverse pads the rows and the columns itself
        s_full = irfft2_pruned(z, s=(n, d), norm="ortho")
        y = x + crop_or_pad(s_full, length, axis=-2)  # (9)
        ctx = AFNOCtx(dtype=dtype_name(x.dtype), x=x, u=u, spectrum_shape=tuple(spectrum.shape), x_modes=x_modes,
                      weight=weight, t=t, v=v,
                      h=h, a=a, mask_hidden=mask_hidden, a_drop=a_drop, o=o, mask_out=mask_out, o_drop=o_drop,
                      s_full_shape=tuple(s_full.shape))
        return y, ctx

    def backward(self, ctx: AFNOCtx, dy):
        """``(dx, grads)``: the forward's lines in reverse, (B9) to (B1) of docs/layers/afno.md."""
        self._check_cotangent(ctx, dy, tuple(ctx.x.shape))
        xp = namespace(dy)
        p = self.params
        n, d, ms, mh = self.max_sequence_length, self.hidden_dim, self.modes_seq, self.modes_hidden
        batch = tuple(ctx.x.shape[:-2])
        act_vjp = AFNO_ACTIVATIONS[self.activation][1]
        # (B9) y = x + crop_L(S): the residual passes dy through; the crop's adjoint zero-pads back to N rows
        ds_full = crop_or_pad_adjoint(dy, input_shape=ctx.s_full_shape, n=ctx.x.shape[-2], axis=-2)
        # (B8), (B7) S = irfft2(Z) of Z scattered into zeros: rfft2 of dS times weights 2 (1 at DC and even-D
        # Nyquist), cropped to the retained modes (the sequence DFT on the m_h kept columns only)
        dz = irfft2_pruned_adjoint(ds_full, input_shape=(*batch, ms, mh), s=(n, d), norm="ortho")
        # (B7) Z = view_as_complex(reshape o): its adjoint is view_as_real, then flatten
        do_drop = xp.reshape(view_as_complex_adjoint(dz, input_shape=(*batch, ms, mh, 2)), tuple(ctx.o.shape))
        # (B6) the MLP, backwards: dropout "mlp.4", Lin3, dropout "mlp.2", activation, Lin0
        do = do_drop if ctx.mask_out is None else dropout_vjp(do_drop, ctx.o, ctx.o_drop, mask=ctx.mask_out,
                                                              p=self.dropout)
        da_drop, dw3, db3 = linear_vjp(do, ctx.a_drop, p["mlp.3.weight"], p["mlp.3.bias"], ctx.o)
        da = da_drop if ctx.mask_hidden is None else dropout_vjp(da_drop, ctx.a, ctx.a_drop,
                                                                 mask=ctx.mask_hidden, p=self.dropout)
        dh = act_vjp(da, ctx.h, ctx.a)
        dv, dw0, db0 = linear_vjp(dh, ctx.v, p["mlp.0.weight"], p["mlp.0.bias"], ctx.h)
        # (B5) v = flatten(view_as_real(T)): unflatten, then view_as_real's adjoint view_as_complex
        dt = view_as_real_adjoint(xp.reshape(dv, (*batch, ms, mh, 2)), input_shape=tuple(ctx.t.shape))
        # (B4) T = X_modes * W: cmul's VJP; W's gradient summed over the batch, split into (re, im)
        dx_modes, dweight = cmul_vjp(dt, ctx.x_modes, ctx.weight, ctx.t)
        dfourier_weight = view_as_complex_adjoint(dweight, input_shape=(ms, mh, 2))
        # (B3) truncation of the rows; its adjoint zero-pads the discarded modes
        dspectrum = crop_or_pad_adjoint(dx_modes, input_shape=ctx.spectrum_shape, n=ms, axis=-2)
        # (B2), (B3) X's kept columns of rfft2 of u padded to N rows: the adjoint, which crops back to L rows
        du = rfft2_pruned_adjoint(dspectrum, input_shape=tuple(ctx.u.shape), s=(n, d), cols=mh, norm="ortho")
        # (B1) u = LN(x)
        dx_norm, dnorm_w, dnorm_b = layer_norm_vjp(du, ctx.x, p["norm.weight"], p["norm.bias"], ctx.u,
                                                   eps=self.layer_norm_eps)
        dx = dy + dx_norm  # (B9) + (B1): the residual branch plus the mixing branch
        grads = {
            "fourier_weight": dfourier_weight,
            "mlp.0.weight": dw0,
            "mlp.0.bias": db0,
            "mlp.3.weight": dw3,
            "mlp.3.bias": db3,
            "norm.weight": dnorm_w,
            "norm.bias": dnorm_b,
        }
        return dx, grads


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _randomize(layer: AFNOMixing, gen) -> AFNOMixing:
    """Every param drawn O(1) (weights scaled by 1/sqrt(fan_in), biases and the norm's affine non-trivial),
    so that the mixing branch is as large as the residual and every gradient is checked at a generic point
    (spectrans's init has zero biases and a small fourier_weight)."""
    new = {}
    for name, value in layer.params.items():
        shape = tuple(value.shape)
        draw = gen.standard_normal(shape)
        if name == "norm.weight":
            draw = 1.0 + 0.5 * draw
        elif name.endswith("bias"):
            draw = 0.5 * draw
        elif name in ("mlp.0.weight", "mlp.3.weight"):
            draw = draw / math.sqrt(shape[1])
        new[name] = draw
    return layer.with_params(new)


def _away_from_kinks(layer: AFNOMixing, x, rng) -> AFNOMixing:
    """For a kinked activation (ReLU), ``mlp.0.bias`` redrawn so that every pre-activation
    :math:`h = v W_0^T + b_0` of the input ``x`` is at least ``KINK_GAP`` from the kink (the layer unchanged,
    and ``rng`` untouched, otherwise): central differences across a kink are meaningless."""
    kinks = ACTIVATION_KINKS.get(layer.activation, ())
    if not kinks:
        return layer
    bias = layer.params["mlp.0.bias"]
    v_w0 = to_numpy(layer.forward(x)[1].h) - to_numpy(bias)  # v W0^T, the pre-activations without the bias
    return layer.with_params({"mlp.0.bias": draw_away(rng, tuple(bias.shape), kinks=kinks, scale=0.5,
                                                      image=lambda b: v_w0 + b)})


def _builder(cls, randomize):
    """The case's ``build(seed, L=..., batch=..., **point)``: ``cls(**point)`` with every param redrawn by
    ``randomize`` from the same generator (both AFNO layers); ``L`` and ``batch`` shape the input only."""

    def build(seed, *, L, batch=None, **point):  # noqa: N803  (L is the sequence length, as in the docs)
        gen = np.random.default_rng(seed)
        return randomize(cls(**point, seed=gen), gen)

    return build


def _input_shape(point) -> tuple:
    """``(*batch, L, hidden_dim)``; the leading axes are ``point["batch"]``, ``(2,)`` by default."""
    return (*point.get("batch", (2,)), point["L"], point["hidden_dim"])


def _case_error_scale(cls):
    """The case's error scale at a grid point: ``cls.error_scale``, the sum of the stage constants, doubled
    (its docstring derives it)."""
    return lambda point: cls(**{k: v for k, v in point.items() if k not in ("L", "batch")}).error_scale(
        _input_shape(point))


_build = _builder(AFNOMixing, _randomize)


def _train_with_masks(layer, x, rng):
    """Training mode with injected masks (drawn from the case's rng) when the layer has dropout."""
    if layer.dropout == 0.0:
        return {}
    batch = tuple(x.shape[:-2])
    shapes = {"mlp.2": (*batch, layer.mlp_hidden_dim), "mlp.4": (*batch, 2 * layer.modes_seq * layer.modes_hidden)}
    return {"training": True, "masks": {k: rng.random(s) > layer.dropout for k, s in shapes.items()}}


_REASON = ("LN, rfft2/irfft2 of N x D, cmul, two linear maps (1.5 n + 2), activation, dropout, "
           "residual: the sum of the stage constants, doubled for propagation")

CASES = [
    layer_case(
        AFNOMixing,
        build=_build,
        input_shape=_input_shape,
        grid=(
            # L < N, even L; D = 4 (D//2 + 1 = 3 hidden bins, 2 kept); relu, every pre-activation at least
            # KINK_GAP from the kink (mlp.0.bias redrawn where needed)
            {"hidden_dim": 4, "max_sequence_length": 8, "modes_seq": 3, "modes_hidden": 2, "L": 6,
             "activation": "relu"},
            # odd D and L, silu
            {"hidden_dim": 5, "max_sequence_length": 8, "modes_seq": 3, "modes_hidden": 2, "L": 7,
             "activation": "silu"},
            # L = N, training with injected masks for both dropouts, sigmoid
            {"hidden_dim": 4, "max_sequence_length": 8, "modes_seq": 3, "modes_hidden": 2, "L": 8,
             "activation": "sigmoid", "dropout": 0.25},
            # modes clamped (ms = N, mh = D // 2 + 1: every bin kept), odd L, identity, mlp_ratio 1.5
            {"hidden_dim": 4, "max_sequence_length": 6, "modes_seq": 9, "modes_hidden": 5, "L": 5,
             "activation": "identity", "mlp_ratio": 1.5},
            # odd L < N, tanh
            {"hidden_dim": 4, "max_sequence_length": 8, "modes_seq": 3, "modes_hidden": 2, "L": 5,
             "activation": "tanh"},
            # default modes (ms = 3, mh = 3), two leading batch axes (the modes MLP sees a (2, 1) batch)
            {"hidden_dim": 6, "max_sequence_length": 6, "L": 4, "activation": "tanh", "batch": (2, 1)},
        ),
        error_scale=_case_error_scale(AFNOMixing),
        error_reason=_REASON,
        forward_kwargs=_train_with_masks,
        away_from_kinks=_away_from_kinks,
    ),
    replace(
        layer_case(
            AFNOMixing,
            name="AFNOMixingGelu",
            build=_build,
            input_shape=_input_shape,
            grid=(
                {"hidden_dim": 4, "max_sequence_length": 8, "modes_seq": 3, "modes_hidden": 2, "L": 7,
                 "activation": "gelu"},
                {"hidden_dim": 5, "max_sequence_length": 8, "modes_seq": 3, "modes_hidden": 2, "L": 8,
                 "activation": "gelu", "dropout": 0.25},
            ),
            error_scale=_case_error_scale(AFNOMixing),
            error_reason=_REASON,
            forward_kwargs=_train_with_masks,
        ),
        backend_limits={"strict": "GELU's exact (erf) form needs erf/erfc, which the array API standard does "
                        "not define (specref.ops.elementwise); the other activations run on strict"},
    ),
]
