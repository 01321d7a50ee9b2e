r"""The S4D convolution kernel: a diagonal state-space model discretised and unrolled through a Vandermonde
product, with its hand-derived VJP; and the recurrent scan it must equal.

S4D stores, per channel h and mode m (:math:`M = N/2` modes, one of each conjugate pair), the real parameters
``log_A_real``, ``A_imag``, ``C`` (real pairs, shape (H, M, 2)), ``log_dt`` (H,) and optionally ``B`` (real
pairs; S4D's minimal kernel fixes B = 1):

.. math::

    a = -e^{\text{log\_A\_real}} + i\,\text{A\_imag}, \qquad \Delta = e^{\text{log\_dt}}, \qquad z = \Delta a .

**Discretisation.** Zero-order hold: :math:`\bar A = e^{z}`, :math:`\bar B = (e^{z} - 1)\,b / a`. Bilinear:
:math:`\bar A = (1 + z/2)/(1 - z/2)`, :math:`\bar B = \Delta b / (1 - z/2)`. With :math:`\ell = \log \bar A`
(:math:`\ell = z`, or :math:`\log(1 + z/2) - \log(1 - z/2)`) and :math:`w = c \bar B`, the kernel is

.. math:: K_l = 2\,\mathrm{Re} \sum_m w_m\, e^{\ell_m l} = 2\,\mathrm{Re}\,(w\, V)_l, \qquad V_{ml} = e^{\ell_m l},
          \quad l = 0, \dots, L-1,

the output of the recurrence :math:`x_t = \bar A x_{t-1} + \bar B u_t`, :math:`y_t = 2\,\mathrm{Re}(c\, x_t)` to an
impulse (:func:`ssm_scan` runs that recurrence); ``2 Re`` adds each mode's conjugate partner. Since
:math:`\mathrm{Re}\, a < 0` and :math:`\Delta > 0`, :math:`|\bar A| < 1` under both rules: the kernel decays.

**VJP** (specref's convention: the gradient of a real loss in a complex :math:`\zeta` is
:math:`\partial/\partial \mathrm{Re}\,\zeta + i\,\partial/\partial \mathrm{Im}\,\zeta`; a holomorphic step passes it
back through the conjugate derivative). With :math:`X_m = \sum_l \bar K_l e^{\ell_m l}` and
:math:`Y_m = \sum_l \bar K_l\, l\, e^{\ell_m l}` (two transposed Vandermonde products):

.. math::

    \bar w = 2\,\overline{X}, \qquad \bar\ell = 2\,\overline{w Y}.

Zero-order hold, :math:`w = c\,b\,(e^z - 1)/a`, :math:`\ell = z = \Delta a`:

.. math::

    \bar c &= \bar w\, \overline{b (e^z - 1)/a}, \quad \bar b = \bar w\, \overline{c (e^z - 1)/a}, \quad
    \bar z = \bar\ell + \bar w\, \overline{c b e^z / a}, \\
    \bar a &= -\bar w\, \overline{c b (e^z - 1)/a^2} + \Delta\, \bar z, \qquad
    \bar\Delta = \textstyle\sum_m \mathrm{Re}(\overline{\bar z_m}\, a_m).

Bilinear, :math:`w = c\,b\,\Delta/(1 - z/2)`, :math:`d\ell/dz = 1/(1 - z^2/4)`:

.. math::

    \bar c &= \bar w\, \overline{b\Delta/(1 - z/2)}, \quad \bar b = \bar w\, \overline{c\Delta/(1 - z/2)}, \quad
    \bar z = \bar\ell\, \overline{1/(1 - z^2/4)} + \bar w\, \overline{c b \Delta / (2 (1 - z/2)^2)}, \\
    \bar a &= \Delta\, \bar z, \qquad
    \bar\Delta = \textstyle\sum_m \mathrm{Re}(\overline{\bar z_m}\, a_m)
                 + \mathrm{Re}(\overline{\bar w_m}\, c_m b_m/(1 - z_m/2)).

Then the real parameters: :math:`\overline{\text{log\_A\_real}} = -e^{\text{log\_A\_real}}\,\mathrm{Re}\,\bar a`,
:math:`\overline{\text{A\_imag}} = \mathrm{Im}\,\bar a`, :math:`\overline{\text{log\_dt}} = \Delta\,\bar\Delta`, and
C's and B's pairs :math:`(\mathrm{Re}, \mathrm{Im})` of :math:`\bar c, \bar b`.

Cost: :math:`O(HML)` for the kernel and the VJP (the Vandermonde products), as S4D's reference code.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_choice, check_positive_int
from specref.backend import check_float_dtype, complex_dtype, dtype_name, namespace, random_normal, to_numpy
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs

__all__ = ["s4d_kernel", "s4d_kernel_vjp", "ssm_scan", "DISCRETIZATIONS"]

DISCRETIZATIONS = ("zoh", "bilinear")


def _check(log_a_real, a_imag, c, log_dt, b, length, discretization):
    arrays = [x for x in (log_a_real, a_imag, c, log_dt, b) if x is not None]
    xp = namespace(*arrays)
    names = ("log_A_real", "A_imag", "C", "log_dt", "B")
    for name, x in zip(names, (log_a_real, a_imag, c, log_dt, b), strict=True):
        if x is not None:
            check_float_dtype(x, allow_complex=False, name=name)
    if len({dtype_name(x.dtype) for x in arrays}) > 1:
        raise TypeError("s4d_kernel: every parameter must have one precision, got "
                        + ", ".join(dtype_name(x.dtype) for x in arrays))
    if log_a_real.ndim != 2 or tuple(a_imag.shape) != tuple(log_a_real.shape):
        raise ValueError(f"s4d_kernel: log_A_real and A_imag must both be (H, M), got {tuple(log_a_real.shape)} and "
                         f"{tuple(a_imag.shape)}")
    h, m = log_a_real.shape
    for name, x in (("C", c), ("B", b)):
        if x is not None and tuple(x.shape) != (h, m, 2):
            raise ValueError(f"s4d_kernel: {name} must be (H, M, 2) = ({h}, {m}, 2) real pairs, got {tuple(x.shape)}")
    if tuple(log_dt.shape) != (h,):
        raise ValueError(f"s4d_kernel: log_dt must be (H,) = ({h},), got {tuple(log_dt.shape)}")
    host = np.asarray(to_numpy(log_dt), dtype=np.float64)
    if not np.all(np.isfinite(host)) or not np.all(np.isfinite(np.exp(host))) or np.any(np.exp(host) <= 0):
        raise ValueError("s4d_kernel: every step dt = exp(log_dt) must be finite and positive; got log_dt = "
                         f"{host.tolist()} (an infinite or zero step has no discretisation)")
    if not np.all(np.isfinite(np.asarray(to_numpy(log_a_real), dtype=np.float64))):
        raise ValueError("s4d_kernel: log_A_real must be finite (Re A = -exp(log_A_real) < 0 keeps the SSM stable)")
    check_positive_int(length, "length")
    check_choice(discretization, DISCRETIZATIONS, "discretization")
    return xp


def _complex(xp, pairs):
    return pairs[..., 0] + 1j * pairs[..., 1]


def _parts(log_a_real, a_imag, c, log_dt, b, discretization):
    """The complex quantities of the module docstring: a, Delta (H, 1), z, c, b, w and ell."""
    xp = namespace(log_a_real)
    a = -xp.exp(log_a_real) + 1j * a_imag
    delta = xp.exp(log_dt)[:, None]
    z = delta * a
    cc = _complex(xp, c)
    bb = xp.ones_like(a) if b is None else _complex(xp, b)
    if discretization == "zoh":
        ez = xp.exp(z)
        b_bar = bb * (ez - 1.0) / a
        return {"a": a, "delta": delta, "z": z, "c": cc, "b": bb, "b_bar": b_bar, "w": cc * b_bar, "ell": z,
                "ez": ez}
    den = 1.0 - z / 2.0
    b_bar = bb * delta / den
    ell = xp.log(1.0 + z / 2.0) - xp.log(den)
    return {"a": a, "delta": delta, "z": z, "c": cc, "b": bb, "b_bar": b_bar, "w": cc * b_bar, "ell": ell,
            "den": den}


def _vandermonde(xp, ell, length, real_dtype):
    """:math:`V_{ml} = e^{\\ell_m l}` (..., M, L)."""
    steps = xp.astype(xp.arange(length), real_dtype)
    return xp.exp(ell[..., None] * steps)


def s4d_kernel(log_A_real, A_imag, C, log_dt, B=None, *, length: int, discretization: str = "zoh"):
    r"""The S4D kernel :math:`K_l = 2\,\mathrm{Re}\sum_m w_m e^{\ell_m l}` (module docstring), shape (H, L).

    .. math:: K_l = 2\,\mathrm{Re} \sum_m c_m \bar B_m \bar A_m^{\,l}

    Parameters
    ----------
    log_A_real, A_imag : arrays (H, M), float32 or float64
    C : array (H, M, 2)
        Real and imaginary parts of C.
    log_dt : array (H,)
    B : array (H, M, 2), optional
        Real pairs of B (S4D's minimal kernel: all ones).
    length : int
        L, the kernel's length.
    discretization : {"zoh", "bilinear"}

    Raises
    ------
    ValueError
        For a non-finite step (log_dt), a non-finite log_A_real, mismatched shapes, length < 1, an unknown rule.
    TypeError
        For complex, integer or bool parameters, or mixed precisions.
    """
    xp = _check(log_A_real, A_imag, C, log_dt, B, length, discretization)
    p = _parts(log_A_real, A_imag, C, log_dt, B, discretization)
    v = _vandermonde(xp, p["ell"], length, log_A_real.dtype)
    return 2.0 * xp.real(xp.sum(p["w"][..., None] * v, axis=-2))


def s4d_kernel_vjp(dK, log_A_real, A_imag, C, log_dt, B, K, *, length: int, discretization: str = "zoh"):
    r"""VJP of :func:`s4d_kernel`: ``(dlog_A_real, dA_imag, dC, dlog_dt)``, and ``dB`` when B is given.

    .. math:: \bar w = 2\,\overline{X}, \quad \bar\ell = 2\,\overline{wY}, \quad
              X_m = \sum_l \bar K_l e^{\ell_m l}, \quad Y_m = \sum_l \bar K_l\, l\, e^{\ell_m l}

    and the chain of the module docstring.
    """
    xp = _check(log_A_real, A_imag, C, log_dt, B, length, discretization)
    check_cotangent(dK, log_A_real, K, "s4d_kernel_vjp", names=("dK", "log_A_real", "K"))
    p = _parts(log_A_real, A_imag, C, log_dt, B, discretization)
    real = log_A_real.dtype
    v = _vandermonde(xp, p["ell"], length, real)
    steps = xp.astype(xp.arange(length), real)
    dk = xp.astype(dK, complex_dtype(real, xp))[:, None, :]
    x = xp.sum(dk * v, axis=-1)  # X_m
    y = xp.sum(dk * (steps * v), axis=-1)  # Y_m
    a, delta, z, c, b, w = p["a"], p["delta"], p["z"], p["c"], p["b"], p["w"]
    gw = 2.0 * xp.conj(x)
    gell = 2.0 * xp.conj(w * y)
    if discretization == "zoh":
        frac = (p["ez"] - 1.0) / a
        gc = gw * xp.conj(b * frac)
        gb = gw * xp.conj(c * frac)
        gz = gell + gw * xp.conj(c * b * p["ez"] / a)
        ga = -gw * xp.conj(c * b * frac / a) + delta * gz
        gdelta = xp.sum(xp.real(xp.conj(gz) * a), axis=-1)
    else:
        den = p["den"]
        gc = gw * xp.conj(b * delta / den)
        gb = gw * xp.conj(c * delta / den)
        gz = gell * xp.conj(1.0 / (1.0 - z * z / 4.0)) + gw * xp.conj(c * b * delta / (2.0 * den * den))
        ga = delta * gz
        gdelta = xp.sum(xp.real(xp.conj(gz) * a) + xp.real(xp.conj(gw) * c * b / den), axis=-1)
    out = [-xp.exp(log_A_real) * xp.real(ga), xp.imag(ga), xp.stack([xp.real(gc), xp.imag(gc)], axis=-1),
           xp.exp(log_dt) * gdelta]
    if B is not None:
        out.append(xp.stack([xp.real(gb), xp.imag(gb)], axis=-1))
    return tuple(out)


def ssm_scan(u, log_A_real, A_imag, C, log_dt, B=None, *, discretization: str = "zoh"):
    r"""The recurrence the kernel unrolls, step by step: :math:`x_t = \bar A x_{t-1} + \bar B u_t`,
    :math:`y_t = 2\,\mathrm{Re} \sum_m c_m x_{t,m}`, for u (H, T) (a reference: O(HMT) in a Python loop over t).

    Its output equals the causal convolution of u with :func:`s4d_kernel` of length T.
    """
    xp = _check(log_A_real, A_imag, C, log_dt, B, u.shape[-1], discretization)
    p = _parts(log_A_real, A_imag, C, log_dt, B, discretization)
    a_bar, b_bar = xp.exp(p["ell"]), p["b_bar"]
    state = xp.zeros_like(a_bar)
    out = []
    for t in range(u.shape[-1]):
        state = a_bar * state + b_bar * u[:, t][:, None]
        out.append(2.0 * xp.real(xp.sum(p["c"] * state, axis=-1)))
    return xp.stack(out, axis=-1)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make(rng, xp, dtype, *, h, m, length, discretization, with_b=True):
    log_a_real = xp.asarray(np.log(0.5 + rng.random((h, m))).astype(dtype))
    a_imag = xp.asarray((math.pi * np.arange(m) + 0.3 * rng.standard_normal((h, m))).astype(dtype))
    c = random_normal(rng, (h, m, 2), dtype=dtype, xp=xp)
    log_dt = xp.asarray(np.log(10.0 ** rng.uniform(-2.5, -0.5, h)).astype(dtype))
    args = (log_a_real, a_imag, c, log_dt)
    if with_b:
        args = (*args, random_normal(rng, (h, m, 2), dtype=dtype, xp=xp))
    return Inputs(args, {"length": length, "discretization": discretization})


def _reference(log_a_real, a_imag, c, log_dt, b=None, *, length, discretization):
    """The kernel by powers of A-bar, mode by mode, in complex128."""
    a = -np.exp(np.asarray(log_a_real, np.float64)) + 1j * np.asarray(a_imag, np.float64)
    delta = np.exp(np.asarray(log_dt, np.float64))[:, None]
    cc = np.asarray(c, np.float64) @ np.array([1.0, 1j])
    bb = np.ones_like(a) if b is None else np.asarray(b, np.float64) @ np.array([1.0, 1j])
    z = delta * a
    if discretization == "zoh":
        a_bar, b_bar = np.exp(z), (np.exp(z) - 1.0) / a * bb
    else:
        a_bar, b_bar = (1 + z / 2) / (1 - z / 2), delta * bb / (1 - z / 2)
    return np.stack([2.0 * np.real(np.sum(cc * b_bar * a_bar**l, axis=-1)) for l in range(length)], axis=-1)


def _scale(p) -> float:
    # per entry: exp or log of the step (a few ulp, its argument |ell l| <= L |ell| amplifies: the relative error of
    # e^{ell l} is ~ l |ell| eps, at most ~L), the discretised weights (~6 roundings), a sum over M modes
    return float(p["length"] + 6 + p["m"])


_GRID = ({"h": 2, "m": 3, "length": 8, "discretization": "zoh"},
         {"h": 3, "m": 2, "length": 12, "discretization": "bilinear"},
         {"h": 1, "m": 4, "length": 5, "discretization": "zoh"})

CASES = [
    Case(name="s4d_kernel", forward=s4d_kernel, vjp=s4d_kernel_vjp, make=_make, argnums=(0, 1, 2, 3, 4),
         grid=_GRID, error_scale=_scale,
         error_reason="the step's exp/log and its powers (~L), the discretised weights (~6), a sum over M modes",
         reference=_reference),
]
