r"""Base classes of the mixing layers, with verification methods that measure instead of claim.

spectrans's ``spectrans.layers.mixing.base`` (seed 002) defines three classes, kept here with the same
constructor arguments and method names:

- :class:`MixingLayer` (``hidden_dim, dropout=0.0, norm_eps=1e-5``): ``get_spectral_properties``,
  ``verify_shape_consistency``, ``compute_spectral_norm``;
- :class:`UnitaryMixingLayer` (adds ``energy_tolerance=1e-4``): ``verify_energy_preservation``,
  ``verify_orthogonality``;
- :class:`FilterMixingLayer` (adds ``sequence_length``, ``learnable_filters=True``): ``get_filter_response``,
  ``analyze_frequency_response``.

Where spectrans's base classes *claim* a property (``UnitaryMixingLayer.get_spectral_properties`` returns
``unitary: True`` for every subclass, ``verify_energy_preservation`` compares per-token energies against a
fixed ``1e-4``), specref's methods *measure* it with a tolerance derived from the working precision and say
how: every ``verify_*`` method returns a :class:`Verification` (truthy exactly when the check passed) that
carries the measured defect, the tolerance and the sentence deriving it. What each method computes, and
where the seed's claims are false, is on the docs page ``docs/layers/mixing_base.md``.

Helpers for subclasses: :meth:`MixingLayer._check_mixing_input` (shape, dtype and precision checks),
:meth:`MixingLayer._output_dropout` / :meth:`MixingLayer._output_dropout_backward` (the layer's one dropout,
named ``"dropout"``, applied to the output as spectrans does), and :meth:`MixingLayer.linear_map_matrix` (the
dense matrix of a layer whose forward is linear in its input, materialised on a basis).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from specref._args import (
    check_allocation,
    check_flag,
    check_nonnegative_float,
    check_positive_int,
    check_probability,
    normalize_axis,
)
from specref.backend import (
    backend_name,
    device_of,
    dtype_name,
    finfo_eps,
    get_namespace,
    is_complex,
    namespace,
    real_dtype,
    to_numpy,
)
from specref.layers.base import Layer, check_sequence_input
from specref.ops.dropout import dropout as _dropout
from specref.ops.dropout import dropout_vjp as _dropout_vjp
from specref.testing.checks import CheckResult
from specref.testing.tolerances import fft_error_scale, summation_factor

__all__ = ["Verification", "MixingLayer", "UnitaryMixingLayer", "FilterMixingLayer"]


class Verification(CheckResult):
    """The outcome of a ``verify_*`` method: a :class:`specref.testing.checks.CheckResult` that is truthy
    exactly when the check passed.

    Built as ``Verification(passed, measured, tolerance, reason)``; ``check`` names the method's check
    (``"energy_preservation"``, ``"orthogonality"``). ``message()`` and ``raise_if_failed()`` come from
    ``CheckResult``.

    Attributes
    ----------
    passed : bool
        ``measured <= tolerance``.
    measured : float
        The defect measured (e.g. the largest relative energy change, or ``max |Q^H Q - I|``); the
        ``max_error`` of ``CheckResult``.
    tolerance : float
        The bound the defect is compared with; the ``bound`` of ``CheckResult``.
    reason : str
        What was measured and how the tolerance is derived.
    """

    def __init__(self, passed: bool, measured: float, tolerance: float, reason: str, *,
                 check: str = "verification"):
        super().__init__(check, measured, tolerance, bool(passed), reason)

    @property
    def measured(self) -> float:
        return self.max_error

    @property
    def tolerance(self) -> float:
        return self.bound

    def __bool__(self) -> bool:
        return bool(self.passed)


def _resolve_xp(xp):
    """A namespace from a namespace, a backend name ("numpy", "strict", "cupy") or None (NumPy)."""
    if xp is None:
        return get_namespace("numpy")
    if isinstance(xp, str):
        return get_namespace(xp)
    return xp


def _abs2(xp, x):
    """|x|^2 entrywise, real, in the precision of x."""
    if is_complex(x):
        return xp.real(x) ** 2 + xp.imag(x) ** 2
    return x * x


class MixingLayer(Layer):
    r"""Base class of the token-mixing layers: hidden size, the output dropout, and shape/norm checks.

    Parameters
    ----------
    hidden_dim : int
        The feature size D of inputs (B, N, D) (any leading batch shape).
    dropout : float in [0, 1), default 0.0
        Probability of the dropout applied to the layer's output (named ``"dropout"`` in ``masks=``).
        spectrans stores an ``nn.Dropout`` module under this name; specref stores the probability.
    norm_eps : float, default 1e-5
        Kept for spectrans compatibility. spectrans's base class uses it only as the ``+ eps`` in the
        denominators of its verification methods; specref's verification methods handle zero energy
        explicitly and do not use it.

    Attributes
    ----------
    hidden_dim : int
    dropout : float
    norm_eps : float
    linear_in_input : bool (class attribute)
        True for layers whose inference-mode forward is a linear map of ``x`` (the Fourier mixings,
        global filters); enables :meth:`linear_map_matrix` and the operator-norm and orthogonality checks.
    """

    dropout_names = ("dropout",)
    linear_in_input: bool = False

    def __init__(self, hidden_dim: int, dropout: float = 0.0, norm_eps: float = 1e-5):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.dropout = check_probability(dropout, "dropout")
        self.norm_eps = check_nonnegative_float(norm_eps, "norm_eps")
        self._init_arrays({}, {})

    # ------------------------------------------------------------------------------------------------
    # helpers for subclasses

    def _check_mixing_input(self, x, *, allow_complex: bool = False, name: str = "x") -> None:
        """Shape (..., N, D) with at least 3 dimensions and D = ``hidden_dim``; dtype and precision checks.

        Raises
        ------
        ValueError
            Fewer than 3 dimensions, or a last axis different from ``hidden_dim``.
        TypeError
            Integer/bool input, complex input when ``allow_complex`` is False, a precision different from
            the params', or arrays of another backend.
        """
        check_sequence_input(x, self.hidden_dim, name=name, layer=type(self).__name__)
        self._check_input(x, allow_complex=allow_complex, name=name)

    def _output_dropout(self, h, *, x, training: bool, rng, masks: Mapping | None):
        r"""Apply the layer's dropout ``"dropout"`` to ``h`` (the pre-dropout output); return ``(y, mask)``.

        ``mask`` is None when the dropout is inactive (inference mode or ``dropout == 0``), else the keep-mask
        (drawn from ``rng`` or injected through ``masks={"dropout": mask}``), of ``h``'s shape. A complex
        ``h`` gets the same real mask on its real and imaginary parts:
        :math:`y = m \odot h / (1 - p)`.
        """
        mask = self._dropout_mask("dropout", tuple(h.shape), self.dropout, x=x, training=training, rng=rng,
                                  masks=masks)
        if mask is None:
            return h, None
        return _dropout(h, mask=mask, p=self.dropout), mask

    def _output_dropout_backward(self, dy, mask):
        r"""VJP of :meth:`_output_dropout`: :math:`\bar h = m \odot \bar y / (1 - p)` (identity if no mask)."""
        if mask is None:
            return dy
        return _dropout_vjp(dy, dy, None, mask=mask, p=self.dropout)

    # ------------------------------------------------------------------------------------------------
    # spectrans's MixingLayer methods

    def get_spectral_properties(self) -> dict:
        """Mathematical properties of the layer's operation, each one true for the layer as implemented.

        Returns
        -------
        dict
            At least ``"unitary"``, ``"real_output"``, ``"frequency_domain"``, ``"energy_preserving"``
            (bools, stated for generic sizes) and ``"notes"`` (a str saying why each holds or fails, and the
            exceptions at degenerate sizes).
        """
        raise NotImplementedError(f"{type(self).__name__} must state its spectral properties")

    def verify_shape_consistency(self, input_tensor, output_tensor) -> bool:
        """True when the output has the input's shape (the (B, N, D) checks of spectrans follow from it).

        Any leading batch shape is allowed; the two arrays may have different dtypes (a complex output of
        a real input is shape-consistent).

        Raises
        ------
        TypeError
            If either argument is not an array (a list, a scalar).
        """
        namespace(input_tensor, output_tensor)
        return tuple(input_tensor.shape) == tuple(output_tensor.shape)

    def compute_spectral_norm(self, tensor):
        r"""The spectral norm (largest singular value) of ``tensor`` viewed as a matrix of D columns.

        As spectrans: ``tensor`` of shape (..., D) is reshaped to the :math:`M \times D` matrix
        :math:`A` with :math:`M` the product of the leading dimensions (for (B, N, D): one row per token of
        every batch element), and the result is

        .. math:: \|A\|_2 = \sigma_{\max}(A) = \max_{\|v\| = 1} \|A v\|,

        equal to ``numpy.linalg.norm(tensor.reshape(-1, D), ord=2)``. This is a norm of the *data*, not
        of the layer; the layer's own operator norm is :meth:`compute_operator_norm`.

        Parameters
        ----------
        tensor : array (..., D), real or complex, with at least 2 dimensions

        Returns
        -------
        0-d real array of ``tensor``'s namespace and precision
        """
        xp = namespace(tensor)
        if tensor.ndim < 2:
            raise ValueError(f"compute_spectral_norm needs an array with >= 2 dimensions, got shape "
                             f"{tuple(tensor.shape)}")
        matrix = xp.reshape(tensor, (-1, tensor.shape[-1]))
        return xp.max(xp.linalg.svdvals(matrix))

    # ------------------------------------------------------------------------------------------------
    # specref additions: the dense matrix of a linear mixing, its operator norm, the forward's error claim

    def error_scale(self, input_shape) -> float:
        r"""The claim :math:`c` that the forward's normwise relative error is at most :math:`c\,\epsilon`.

        Default: one FFT over the :math:`N D` points of a (N, D) slice,
        ``specref.testing.tolerances.fft_error_scale(N * D)`` :math:`= 2(1 + \log_2 ND)`. Layers with more
        arithmetic override it. The verification tolerances below are derived from it.
        """
        n, d = int(input_shape[-2]), int(input_shape[-1])
        return fft_error_scale(n * d)

    def linear_map_matrix(self, sequence_length: int, *, xp=None, dtype: str = "float64"):
        r"""The dense matrix :math:`M` of :math:`x \mapsto` ``self(x)`` on real inputs of shape (N, D).

        Column :math:`i` is the inference-mode output for the :math:`i`-th standard basis input
        :math:`e_i` (entries in row-major (N, D) order), so ``(M @ x.reshape(-1)).reshape(N, D)`` equals
        ``self(x[None])[0]`` for every real ``x``. All :math:`ND` basis inputs run as one batch, which
        costs :math:`ND` forwards: use small sizes.

        Parameters
        ----------
        sequence_length : int
            N.
        xp : namespace or backend name, optional
            Where to build it (default NumPy).
        dtype : {"float64", "float32"}

        Returns
        -------
        M : array (N*D, N*D), real, or complex when the layer's output is complex

        Raises
        ------
        TypeError
            If the layer's forward is not linear in its input (``linear_in_input`` is False).
        """
        if not self.linear_in_input:
            raise TypeError(f"{type(self).__name__} is not linear in its input; it has no matrix")
        xp = _resolve_xp(xp)
        n = check_positive_int(sequence_length, "sequence_length")
        size = n * self.hidden_dim
        # the basis batch and its complex image: (ND)^2 entries of up to 16 bytes each
        check_allocation((size, size), 16, f"{type(self).__name__}.linear_map_matrix(sequence_length={n})")
        basis = xp.reshape(xp.eye(size, dtype=getattr(xp, dtype)), (size, n, self.hidden_dim))
        layer = self if self.dtype is None else self.astype(dtype).to(backend_name(xp))
        images = layer.forward(basis)[0]
        return xp.matrix_transpose(xp.reshape(images, (size, size)))

    def compute_operator_norm(self, sequence_length: int, *, xp=None, dtype: str = "float64"):
        r"""The operator 2-norm of the layer's linear map at sequence length N: :math:`\sigma_{\max}(M)`.

        :math:`M` is :meth:`linear_map_matrix` (inference mode, real inputs), so this is the largest factor
        by which the layer can stretch the Euclidean norm of an (N, D) input: 1 for a unitary map, and
        also 1 for the real part of an orthonormal FFT (a projection; see docs/layers/mixing_base.md).
        """
        matrix = self.linear_map_matrix(sequence_length, xp=xp, dtype=dtype)
        xp_m = namespace(matrix)
        return xp_m.max(xp_m.linalg.svdvals(matrix))


class UnitaryMixingLayer(MixingLayer):
    r"""Base class of the mixing layers spectrans files as unitary: energy and orthogonality checks.

    A layer deriving from this class is *not* thereby unitary: the FNet mixings take the real part of a
    unitary FFT, which is a projection, not a unitary map. The checks measure, and say so.

    Parameters
    ----------
    hidden_dim, dropout, norm_eps
        As :class:`MixingLayer`.
    energy_tolerance : float, default 1e-4
        spectrans's fixed tolerance for energy checks. Kept as an attribute; specref's checks use a
        tolerance derived from the precision unless ``tolerance=self.energy_tolerance`` is passed.
    """

    def __init__(self, hidden_dim: int, dropout: float = 0.0, norm_eps: float = 1e-5,
                 energy_tolerance: float = 1e-4):
        super().__init__(hidden_dim, dropout, norm_eps)
        self.energy_tolerance = check_nonnegative_float(energy_tolerance, "energy_tolerance")

    def verify_energy_preservation(self, input_tensor, output_tensor=None, *, tolerance: float | None = None
                                   ) -> Verification:
        r"""Measure whether :math:`\|y\|^2 = \|x\|^2` for each (N, D) slice, within a derived tolerance.

        With :math:`E_x = \sum_{n,d} |x_{nd}|^2` per batch element (the energy Parseval's theorem is
        about: a token-mixing unitary map moves energy between tokens, so spectrans's per-token comparison
        fails even for a unitary map), the measured defect is

        .. math:: \delta = \max_{\text{batch}} \frac{|E_y - E_x|}{E_x}

        (0 where both energies are 0, infinite where only :math:`E_x` is). The tolerance: if the forward
        has normwise relative error :math:`c\epsilon` (:meth:`error_scale`), then
        :math:`|\|\hat y\|^2 - \|y\|^2| \le (2c\epsilon + c^2\epsilon^2)\|y\|^2`, and each energy, a
        pairwise sum of :math:`m = ND` non-negative squares, carries relative error
        :math:`(\log_2 m + 3)\epsilon` (two roundings per square, ``summation_factor(m)`` for the sum), so

        .. math:: \tau = \left(2c + 2(\log_2 m + 3)\right)\epsilon + c^2\epsilon^2 .

        Parameters
        ----------
        input_tensor : array (..., N, D)
        output_tensor : array of the same shape, optional
            Default: the layer's inference-mode output ``self(input_tensor)``.
        tolerance : float, optional
            Replace the derived tolerance (e.g. ``self.energy_tolerance`` for spectrans's 1e-4).

        Returns
        -------
        Verification
            Truthy when :math:`\delta \le \tau`.
        """
        x = input_tensor
        y = self(x) if output_tensor is None else output_tensor
        xp = namespace(x, y)
        if tuple(x.shape) != tuple(y.shape):
            raise ValueError(f"input and output shapes differ: {tuple(x.shape)} and {tuple(y.shape)}")
        if x.ndim < 2:
            raise ValueError(f"energies are taken over (N, D) slices; got shape {tuple(x.shape)}")
        e_x = xp.sum(_abs2(xp, x), axis=(-2, -1))
        e_y = xp.sum(_abs2(xp, y), axis=(-2, -1))
        host_x, host_y = to_numpy(e_x), to_numpy(e_y)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(host_x > 0, np.abs(host_y - host_x) / np.where(host_x > 0, host_x, 1.0),
                           np.where(host_y > 0, np.inf, 0.0))
        measured = float(np.max(rel)) if rel.size else 0.0
        m = int(x.shape[-2]) * int(x.shape[-1])
        if tolerance is None:
            eps = max(finfo_eps(x.dtype), finfo_eps(y.dtype))
            c = self.error_scale(tuple(x.shape))
            s = summation_factor(m) + 2.0
            tol = (2.0 * c + 2.0 * s) * eps + (c * eps) ** 2
            reason = (f"max over batch of |E_y - E_x| / E_x (energies over (N, D) = {tuple(x.shape[-2:])}); "
                      f"tolerance (2c + 2(log2 m + 3)) eps + (c eps)^2 with c = {c:.3g} (forward error scale), "
                      f"m = {m}, eps = {eps:.3g}")
        else:
            tol = check_nonnegative_float(tolerance, "tolerance")
            reason = f"max over batch of |E_y - E_x| / E_x; tolerance {tol:.3g} given by the caller"
        return Verification(measured <= tol, measured, tol, reason, check="energy_preservation")

    def verify_orthogonality(self, transform_matrix=None, *, sequence_length: int | None = None,
                             tolerance: float | None = None) -> Verification:
        r"""Measure whether a matrix, or the layer's own linear map, satisfies :math:`Q^H Q = I`.

        With ``transform_matrix`` given, :math:`Q` is that matrix (m columns). Otherwise :math:`Q` is
        :meth:`linear_map_matrix` at ``sequence_length`` (the layer's inference-mode map on real (N, D)
        inputs, :math:`m = ND`). :math:`Q^H Q = I` says the columns are orthonormal, i.e. the map preserves
        every norm and inner product; for a square :math:`Q` it is equivalent to :math:`Q Q^H = I` (the
        seed's :math:`T T^H`). The measured defect is :math:`\delta = \max_{ij} |(Q^H Q - I)_{ij}|`.

        Tolerance: each entry of :math:`Q^H Q` is an inner product of two columns of norm 1 (when the
        claim holds), computed by a matrix product with error at most :math:`(m + 2)\epsilon` (recursive
        summation of m products, worst case). A materialised layer matrix also carries the forward's error
        :math:`c\epsilon` per column (:meth:`error_scale`), which perturbs each inner product by at most
        :math:`(2c + c^2\epsilon)\epsilon`, so :math:`\tau = (2c + m + 2)\epsilon + c^2\epsilon^2`
        (:math:`c = 0` for a matrix given as data).

        Returns
        -------
        Verification
            Truthy when :math:`\delta \le \tau`.
        """
        if transform_matrix is None:
            if sequence_length is None:
                raise ValueError("give transform_matrix, or sequence_length to materialise the layer's map")
            q = self.linear_map_matrix(sequence_length)
            c = self.error_scale((sequence_length, self.hidden_dim))
            what = f"the layer's map at N = {sequence_length}, D = {self.hidden_dim}"
        else:
            q, c, what = transform_matrix, 0.0, "the given matrix"
        xp = namespace(q)
        if q.ndim != 2:
            raise ValueError(f"verify_orthogonality needs a 2-D matrix, got shape {tuple(q.shape)}")
        m = int(q.shape[1])
        qh = xp.conj(xp.matrix_transpose(q)) if is_complex(q) else xp.matrix_transpose(q)
        gram = xp.matmul(qh, q)
        eye = xp.eye(m, dtype=real_dtype(q.dtype, xp))
        measured = float(np.max(np.abs(to_numpy(gram) - to_numpy(eye)))) if m else 0.0
        eps = finfo_eps(q.dtype)
        if tolerance is None:
            tol = (2.0 * c + m + 2.0) * eps + (c * eps) ** 2
            reason = (f"max |Q^H Q - I| for {what}; tolerance (2c + m + 2) eps + (c eps)^2 with c = {c:.3g}, "
                      f"m = {m}, eps = {eps:.3g}")
        else:
            tol = check_nonnegative_float(tolerance, "tolerance")
            reason = f"max |Q^H Q - I| for {what}; tolerance {tol:.3g} given by the caller"
        return Verification(measured <= tol, measured, tol, reason, check="orthogonality")


class FilterMixingLayer(MixingLayer):
    r"""Base class of the layers that multiply a spectrum by a filter: response and its analysis.

    Parameters
    ----------
    hidden_dim, dropout, norm_eps
        As :class:`MixingLayer`.
    sequence_length : int
        The sequence length the filter is initialised for.
    learnable_filters : bool, default True
        Whether the filters are trainable (spectrans's flag; subclasses say what they do with it).
    """

    def __init__(self, hidden_dim: int, sequence_length: int, dropout: float = 0.0, norm_eps: float = 1e-5,
                 learnable_filters: bool = True):
        super().__init__(hidden_dim, dropout, norm_eps)
        self.sequence_length = check_positive_int(sequence_length, "sequence_length")
        self.learnable_filters = check_flag(learnable_filters, "learnable_filters")

    def get_spectral_properties(self) -> dict:
        """Properties of a frequency-domain filter, as spectrans states them (subclasses refine them)."""
        return {
            "unitary": False,
            "real_output": True,
            "frequency_domain": True,
            "energy_preserving": False,
            "learnable_filters": self.learnable_filters,
            "selective_filtering": True,
            "complex_valued": True,
            "notes": ("a filter H scales each frequency by |H_k|; energy is preserved only if |H_k| = 1 at every "
                      "bin (and no real part is taken afterwards), which a learned filter does not satisfy"),
        }

    def get_filter_response(self):
        """The complex frequency response :math:`H` (bins in FFT order along the frequency axis)."""
        raise NotImplementedError(f"{type(self).__name__} must return its filter response")

    def analyze_frequency_response(self, *, axis: int = -2, cutoff: float = 0.5) -> dict:
        r"""Magnitude, phase, group delay and passband energy of :meth:`get_filter_response`.

        The response :math:`H` has its frequency bins along ``axis`` (default -2: a (sequence_length, D)
        filter indexed by sequence frequency, as spectrans's GlobalFilterMixing stores it), in FFT order:
        bin :math:`k = 0, \dots, n-1` is the angular frequency :math:`\omega_k = 2\pi k / n`, the same as
        :math:`2\pi (k - n) / n` for :math:`k > n/2` (signed frequency :math:`\tilde k`). The frequency
        axis is therefore circular, and the differences below wrap around it.

        - ``"frequencies"``: :math:`2\pi\tilde k / n \in [-\pi, \pi)` (shape (n,));
        - ``"magnitude"``: :math:`|H_k|`;
        - ``"phase"``: :math:`\varphi_k = \arg H_k \in (-\pi, \pi]` (0 where :math:`H_k = 0`);
        - ``"unwrapped_phase"``: :math:`\varphi_0 + \sum_{j=1}^{k} W(\varphi_j - \varphi_{j-1})`;
        - ``"group_delay"``: :math:`\tau_k = -\bigl(W(\varphi_{k+1} - \varphi_k) + W(\varphi_k -
          \varphi_{k-1})\bigr) / (2\,\Delta\omega)`, indices mod n;
        - ``"total_energy"``: :math:`\sum_k |H_k|^2` (``axis`` summed away);
        - ``"passband_energy"``: :math:`\sum_{|\tilde k| \le \mathrm{cutoff}\cdot n/2} |H_k|^2 \big/
          \sum_k |H_k|^2` (0 where the total is 0),

        with :math:`W(d) = d - 2\pi\,\mathrm{round}(d / 2\pi)` the wrap to :math:`[-\pi, \pi]` and
        :math:`\Delta\omega = 2\pi / n`. The group delay is the central difference of the unwrapped phase,
        :math:`-d\varphi/d\omega`, in samples: a pure delay :math:`H_k = e^{-i\omega_k t}` by an integer
        :math:`|t| < n/2` gives :math:`\tau_k = t` at every bin. ``cutoff`` is the passband edge as a
        fraction of the Nyquist frequency :math:`\pi` (default 0.5: the lower half of the band).

        Returns
        -------
        dict of arrays (the filter's namespace; real, precision of :math:`H`)
        """
        h = self.get_filter_response()
        xp = namespace(h)
        if not 0.0 <= float(cutoff) <= 1.0:
            raise ValueError(f"cutoff is a fraction of the Nyquist frequency in [0, 1], got {cutoff!r}")
        axis = normalize_axis(axis, h.ndim)
        n = int(h.shape[axis])
        two_pi = 2.0 * math.pi
        hc = h if is_complex(h) else xp.astype(h, xp.complex128 if dtype_name(h.dtype) == "float64"
                                             else xp.complex64)
        rdt = real_dtype(hc.dtype, xp)
        magnitude = xp.abs(hc)
        phase = xp.atan2(xp.imag(hc), xp.real(hc))

        def wrap(d):
            return d - two_pi * xp.round(d / two_pi)

        forward_diff = wrap(xp.roll(phase, -1, axis=axis) - phase)  # W(phi_{k+1} - phi_k), circular
        backward_diff = xp.roll(forward_diff, 1, axis=axis)  # W(phi_k - phi_{k-1})
        group_delay = -(forward_diff + backward_diff) / (2.0 * (two_pi / n))
        steps = xp.concat([xp.zeros_like(xp.take(phase, xp.asarray([0]), axis=axis)),
                           xp.take(backward_diff, xp.arange(1, n), axis=axis)], axis=axis)
        unwrapped = xp.take(phase, xp.asarray([0]), axis=axis) + xp.cumulative_sum(steps, axis=axis)
        signed = np.fft.fftfreq(n) * n  # signed bin index k~ in FFT order
        shape = [1] * h.ndim
        shape[axis] = n
        in_band = xp.reshape(xp.asarray(np.abs(signed) <= cutoff * n / 2.0, device=device_of(h)), tuple(shape))
        power = magnitude * magnitude
        total = xp.sum(power, axis=axis)
        passed = xp.sum(xp.where(in_band, power, xp.zeros_like(power)), axis=axis)
        ratio = xp.where(total > 0, passed / xp.where(total > 0, total, xp.ones_like(total)),
                         xp.zeros_like(total))
        return {
            "frequencies": xp.asarray(two_pi * signed / n, dtype=rdt, device=device_of(h)),
            "magnitude": magnitude,
            "phase": phase,
            "unwrapped_phase": unwrapped,
            "group_delay": group_delay,
            "total_energy": total,
            "passband_energy": ratio,
        }
