r"""Elementwise nonlinearities and their VJPs: exp, sigmoid, silu, tanh, relu, gelu, softshrink.

Every function here acts entry by entry, so its VJP is the cotangent times the derivative at the same entry:
:math:`\bar x = \bar y \odot f'(x)`. Each ``f_vjp(dy, x, y, **kw)`` takes the cotangent ``dy`` (the shape and
dtype of ``y``), the forward's input ``x`` and output ``y`` and the forward's keywords, and returns ``dx`` of
the shape and dtype of ``x``. Where the derivative is cheapest written through the output (exp, sigmoid,
tanh) the VJP reuses ``y``, as autograd does. At a kink (relu at 0, softshrink at :math:`\pm\lambda`) the
VJP uses PyTorch's one-sided choice, which each docstring states.

``exp`` is defined for complex input (it is holomorphic: the VJP is :math:`\bar y \odot \overline{f'(z)}`
in specref's gradient convention, docs/conventions.md); the others are real functions and refuse complex
input with a ``TypeError``.

GELU's exact form needs :math:`\operatorname{erfc}`, which the array API standard does not define: it comes
from ``scipy.special`` on NumPy and ``cupyx.scipy.special`` on CuPy (chosen by namespace, like
``backend.scipy_fft_for``), and on array-api-strict it raises ``NotImplementedError`` (a documented backend
limit; the tanh form runs everywhere). The exact form's entrywise work is the hot loop of
:mod:`specref._jit.gelu` (a fused Numba pass on NumPy beside its array-API reference); its VJP reads
:math:`\Phi(x) = y/x` off the forward's output instead of a second erfc.

The seven maps are one family (hence the module's length, over 600 lines): each forward beside its VJP,
sharing the entrywise VJP rule above, the input checks and the verification cases' drawing helpers.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_nonnegative_float
from specref._jit.gelu import gelu_exact, gelu_exact_vjp
from specref.backend import check_float_dtype, complex_dtype, from_host, namespace, random_normal
from specref.ops._common import check_cotangent, conj_if_complex, require_real
from specref.testing.case import Case, Inputs
from specref.testing.draws import draw_away

__all__ = [
    "exp",
    "exp_vjp",
    "sigmoid",
    "sigmoid_vjp",
    "silu",
    "silu_vjp",
    "tanh",
    "tanh_vjp",
    "relu",
    "relu_vjp",
    "gelu",
    "gelu_vjp",
    "softshrink",
    "softshrink_vjp",
]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEFF = 0.044715  # the cubic coefficient of the tanh approximation (Hendrycks & Gimpel; torch)


# ----------------------------------------------------------------------------------------------------------
# exp


def exp(x):
    r"""Exponential, entrywise, for real or complex input.

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128, any shape

    Returns
    -------
    y : array, the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For integer or bool input.

    Notes
    -----
    .. math:: y = e^{x}

    See Also
    --------
    exp_vjp
    """
    xp = namespace(x)
    check_float_dtype(x)
    return xp.exp(x)


def exp_vjp(dy, x, y):
    r"""VJP of :func:`exp`, reusing the output: ``dx = dy * conj(y)``.

    exp is holomorphic with :math:`f'(z) = e^z = y`; in specref's convention (gradient
    :math:`\partial L/\partial a + i\,\partial L/\partial b`) a holomorphic map pulls a cotangent back by
    the conjugate derivative. For real input the conjugate is the identity.

    .. math:: \bar x = \bar y \odot \overline{y}
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "exp_vjp")
    return dy * conj_if_complex(xp, y)


# ----------------------------------------------------------------------------------------------------------
# sigmoid


def sigmoid(x):
    r"""Logistic sigmoid, entrywise, evaluated without overflow for any real input.

    Parameters
    ----------
    x : array, float32 or float64, any shape

    Returns
    -------
    y : array in (0, 1), the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input.

    Notes
    -----
    .. math:: y = \sigma(x) = \frac{1}{1 + e^{-x}}

    Evaluated with :math:`e = e^{-|x|} \in (0, 1]`, which never overflows: :math:`\sigma(x) = 1/(1 + e)` for
    :math:`x \ge 0` and :math:`e/(1 + e)` for :math:`x < 0`; each branch has a relative error of a few
    roundings.

    See Also
    --------
    sigmoid_vjp
    """
    xp = namespace(x)
    require_real(x, "sigmoid")
    e = xp.exp(-xp.abs(x))
    one_plus = 1.0 + e
    return xp.where(x >= 0, 1.0 / one_plus, e / one_plus)


def sigmoid_vjp(dy, x, y):
    r"""VJP of :func:`sigmoid`, reusing the output: ``dx = dy * y * (1 - y)``.

    .. math:: \bar x = \bar y \odot \sigma(x)\,(1 - \sigma(x)) = \bar y \odot y \odot (1 - y)
    """
    namespace(dy, x, y)
    check_cotangent(dy, x, y, "sigmoid_vjp")
    return dy * (y * (1.0 - y))


# ----------------------------------------------------------------------------------------------------------
# silu


def silu(x):
    r"""Sigmoid linear unit (swish), entrywise: ``x * sigmoid(x)`` (torch's ``nn.SiLU``).

    .. math:: y = x\,\sigma(x)

    Parameters
    ----------
    x : array, float32 or float64, any shape

    Returns
    -------
    y : array of the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input (from :func:`sigmoid`).

    See Also
    --------
    silu_vjp
    """
    return x * sigmoid(x)


def silu_vjp(dy, x, y):
    r"""VJP of :func:`silu`, from :math:`\sigma' = \sigma(1 - \sigma)`, so :math:`(x\sigma)' = \sigma +
    x\sigma(1 - \sigma)`:

    .. math:: \bar x = \bar y \odot \sigma(x)\,\big(1 + x\,(1 - \sigma(x))\big)

    The sigmoid is re-evaluated from ``x`` (``y = x sigma(x)`` cannot give it back at ``x = 0``).
    """
    namespace(dy, x, y)
    check_cotangent(dy, x, y, "silu_vjp")
    s = sigmoid(x)
    return dy * (s * (1.0 + x * (1.0 - s)))


# ----------------------------------------------------------------------------------------------------------
# tanh


def tanh(x):
    r"""Hyperbolic tangent, entrywise, for real input.

    Parameters
    ----------
    x : array, float32 or float64, any shape

    Returns
    -------
    y : array in [-1, 1], the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input.

    Notes
    -----
    .. math:: y = \tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}

    See Also
    --------
    tanh_vjp
    """
    xp = namespace(x)
    require_real(x, "tanh")
    return xp.tanh(x)


def tanh_vjp(dy, x, y):
    r"""VJP of :func:`tanh`, reusing the output: ``dx = dy * (1 - y**2)``.

    .. math:: \bar x = \bar y \odot (1 - \tanh^2 x) = \bar y \odot (1 - y^2)
    """
    namespace(dy, x, y)
    check_cotangent(dy, x, y, "tanh_vjp")
    return dy * (1.0 - y * y)


# ----------------------------------------------------------------------------------------------------------
# relu


def relu(x):
    r"""Rectified linear unit, entrywise: ``max(x, 0)`` (NaN propagates, as in PyTorch).

    Parameters
    ----------
    x : array, float32 or float64, any shape

    Returns
    -------
    y : array, the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input (AFNO-style "ReLU of a complex number" applies it to the real and
        imaginary parts separately: call it on each).

    Notes
    -----
    .. math:: y = \max(x, 0)

    See Also
    --------
    relu_vjp
    """
    xp = namespace(x)
    require_real(x, "relu")
    return xp.maximum(x, xp.zeros_like(x))


def relu_vjp(dy, x, y):
    r"""VJP of :func:`relu`: ``dx = dy`` where ``x > 0``, else 0.

    The derivative does not exist at exactly ``x = 0``; like PyTorch, specref uses 0 there (the
    subgradient of the left side), so ``relu_vjp(dy, 0, 0) == 0``.

    .. math:: \bar x = \bar y \odot \mathbb{1}[x > 0]
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "relu_vjp")
    return xp.where(x > 0, dy, xp.zeros_like(dy))


# ----------------------------------------------------------------------------------------------------------
# gelu


def _check_approximate(approximate: str):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' (exact erf form) or 'tanh', got {approximate!r}")


def gelu(x, *, approximate: str = "none"):
    r"""Gaussian error linear unit, entrywise, exact (erf) form by default, as ``torch.nn.functional.gelu``.

    Parameters
    ----------
    x : array, float32 or float64, any shape
    approximate : {"none", "tanh"}
        ``"none"``: :math:`x\,\Phi(x)` with the normal CDF through erfc (NumPy and CuPy only: the array API
        standard has no erf, so on array-api-strict this raises ``NotImplementedError``). ``"tanh"``: the
        tanh approximation, which runs on every backend.

    Returns
    -------
    y : array, the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input.
    ValueError
        For an unknown ``approximate``.
    NotImplementedError
        For ``approximate="none"`` on a backend without erf (array-api-strict).

    Notes
    -----
    .. math:: y = x\,\Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt 2}\right)

    :math:`\Phi` is evaluated as :math:`\tfrac12\operatorname{erfc}(-x/\sqrt2)`, the same value without the
    cancellation of :math:`1 + \operatorname{erf}` for negative x. The tanh form (``approximate="tanh"``):

    .. math:: y = \frac{x}{2}\left(1 + \tanh u\right), \qquad u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)

    See Also
    --------
    gelu_vjp
    """
    xp = namespace(x)
    require_real(x, "gelu")
    _check_approximate(approximate)
    if approximate == "tanh":
        u = _SQRT_2_OVER_PI * (x + _GELU_TANH_COEFF * (x * x * x))
        return 0.5 * x * (1.0 + xp.tanh(u))
    return gelu_exact(x)  # x Phi(x): specref._jit.gelu (a Numba loop on NumPy, the array-API reference else)


def gelu_vjp(dy, x, y, *, approximate: str = "none"):
    r"""VJP of :func:`gelu`: ``dx = dy * (Phi(x) + x * phi(x))`` (exact form) or the tanh form's derivative.

    ``y`` must be the forward's output: the exact form reads :math:`\Phi(x) = y / x` off it rather than
    evaluating erfc a second time.

    Exact form, with :math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}` the normal density:

    .. math:: \bar x = \bar y \odot \left(\Phi(x) + x\,\varphi(x)\right)

    Tanh form, :math:`t = \tanh u`, :math:`u = \sqrt{2/\pi}(x + 0.044715 x^3)`:

    .. math::

        \bar x = \bar y \odot \left(\tfrac12 (1 + t)
                 + \tfrac12 x (1 - t^2) \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\, x^2)\right)
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "gelu_vjp")
    _check_approximate(approximate)
    if approximate == "tanh":
        x2 = x * x
        t = xp.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_COEFF * (x2 * x)))
        du_dx = _SQRT_2_OVER_PI * (1.0 + (3.0 * _GELU_TANH_COEFF) * x2)
        return dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du_dx)
    # Phi(x) is read off the forward's output y = x Phi(x) (no second erfc): specref._jit.gelu
    return gelu_exact_vjp(dy, x, y)


# ----------------------------------------------------------------------------------------------------------
# softshrink


def softshrink(x, *, lambd: float = 0.5):
    r"""Soft shrinkage, entrywise, as torch's ``softshrink``: move toward 0 by ``lambd``, clip at 0.

    Parameters
    ----------
    x : array, float32 or float64, any shape
    lambd : float >= 0
        The threshold :math:`\lambda`, finite (torch also accepts ``inf``, which maps every entry to 0;
        specref refuses it, as every threshold argument, :func:`specref._args.check_nonnegative_float`).

    Returns
    -------
    y : array, the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input (AFNO applies it to real and imaginary parts separately), or a
        ``lambd`` that is not a real number.
    ValueError
        For ``lambd < 0``, infinite or NaN.

    Notes
    -----
    .. math:: y = \operatorname{sign}(x)\,\max(|x| - \lambda, 0)

    The middle branch is computed as ``x * 0`` (as PyTorch does), so NaN propagates.

    See Also
    --------
    softshrink_vjp
    """
    xp = namespace(x)
    require_real(x, "softshrink")
    lambd = check_nonnegative_float(lambd, "lambd")
    return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0.0))


def softshrink_vjp(dy, x, y, *, lambd: float = 0.5):
    r"""VJP of :func:`softshrink`: ``dx = dy`` where ``|x| > lambd``, else 0.

    At the kinks :math:`x = \pm\lambda` the derivative does not exist; specref uses 0 there, as PyTorch does.

    .. math:: \bar x = \bar y \odot \mathbb{1}[\,|x| > \lambda\,]
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "softshrink_vjp")
    lambd = check_nonnegative_float(lambd, "lambd")
    return xp.where((x > lambd) | (x < -lambd), dy, xp.zeros_like(dy))


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_exp(rng, xp, dtype, *, shape, complex=False):
    return Inputs((random_normal(rng, shape, dtype=complex_dtype(dtype, xp) if complex else dtype, xp=xp),))


def _make_real(rng, xp, dtype, *, shape, scale=1.0, kinks=(), **kwargs):
    return Inputs((from_host(draw_away(rng, shape, kinks=kinks, scale=scale), xp, dtype),), kwargs)


def _make_relu(rng, xp, dtype, *, shape):
    return _make_real(rng, xp, dtype, shape=shape, kinks=(0.0,))  # away from the kink at 0


def _make_softshrink(rng, xp, dtype, *, shape, lambd):
    # away from the kinks at +-lambd (for lambd = 0 both are at 0)
    return _make_real(rng, xp, dtype, shape=shape, kinks=(lambd, -lambd), lambd=lambd)


def _make_gelu_tanh(rng, xp, dtype, *, shape, scale=1.0):
    return _make_real(rng, xp, dtype, shape=shape, scale=scale, approximate="tanh")


def _ref_sigmoid(x):
    import scipy.special

    return scipy.special.expit(x)


def _ref_gelu(x, approximate="none"):
    import scipy.special

    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + scipy.special.erf(x / math.sqrt(2.0)))


def _ref_softshrink(x, lambd):
    return np.sign(x) * np.maximum(np.abs(x) - lambd, 0.0)


_SHAPES = ({"shape": (4, 5)}, {"shape": (2, 3, 4)})

CASES = [
    Case(
        name="exp",
        forward=exp,
        vjp=exp_vjp,
        make=_make_exp,
        grid=({"shape": (4, 5)}, {"shape": (3,), "complex": True}, {"shape": (2, 3, 4), "complex": True}),
        # libm/SIMD exp, cos, sin are within 4 ulp = 2 eps (tests/ops/test_elementwise.py asserts it:
        # test_libm_premise_of_the_exp_error_scale); the complex one is exp(a) (cos b + i sin b): 2 eps for exp,
        # 2 for cos or sin, 0.5 for the product, 4.5 eps < 8.
        error_scale=8.0,
        error_reason="exp within a few ulp (complex: exp, cos, sin and a product)",
        reference=np.exp,
    ),
    Case(
        name="sigmoid",
        forward=sigmoid,
        vjp=sigmoid_vjp,
        make=_make_real,
        grid=(*_SHAPES, {"shape": (16,), "scale": 10.0}),
        # exp(-|x|) (<= 2 eps, test_libm_premise_of_the_exp_error_scale) then one add and one divide (half an
        # ulp each), through 1 / (1 + t), whose relative condition t / (1 + t) is <= 1: <= 3 eps < 8
        error_scale=8.0,
        error_reason="exp (a few ulp), one add, one divide",
        reference=_ref_sigmoid,
    ),
    Case(
        name="silu",
        forward=silu,
        vjp=silu_vjp,
        make=_make_real,
        grid=({"shape": (4, 5)}, {"shape": (16,), "scale": 10.0}),
        # sigmoid (claimed within 8 eps above) times x: one more product, half an ulp
        error_scale=9.0,
        error_reason="sigmoid (claim 8 eps) and one product",
        reference=lambda x: x * _ref_sigmoid(x),
    ),
    Case(
        name="tanh",
        forward=tanh,
        vjp=tanh_vjp,
        make=_make_real,
        grid=(*_SHAPES, {"shape": (16,), "scale": 5.0}),
        error_scale=8.0,
        error_reason="libm/SIMD tanh is within a few ulp",
        reference=np.tanh,
    ),
    Case(
        name="relu",
        forward=relu,
        vjp=relu_vjp,
        make=_make_relu,
        grid=_SHAPES,
        error_scale=1.0,
        error_reason="max(x, 0) is exact",
        reference=lambda x: np.maximum(x, 0.0),
    ),
    Case(
        name="gelu",
        forward=gelu,
        vjp=gelu_vjp,
        make=_make_real,
        grid=(*_SHAPES, {"shape": (16,), "scale": 4.0}),
        # erfc within a few ulp, its argument scaled by a rounded 1/sqrt 2 (relative error eps/2 in the
        # argument, amplified by erfc's condition number 2 t^2 -- large only where Phi is tiny, i.e. where
        # the entry is negligible normwise), then two products.
        error_scale=8.0,
        error_reason="erfc (a few ulp), scaled argument, two products; normwise",
        reference=_ref_gelu,
        # The reference evaluates 1 + erf(x/sqrt 2), which cancels for negative x: its normwise error is
        # still a few eps (the cancelled entries are small), so the default 2 c eps bound holds.
        backend_limits={
            "strict": "the array API standard has no erf/erfc, so the exact GELU cannot run on "
            "array-api-strict (gelu_tanh covers the tanh form there)"
        },
    ),
    Case(
        name="gelu_tanh",
        forward=gelu,
        vjp=gelu_vjp,
        make=_make_gelu_tanh,
        grid=(*_SHAPES, {"shape": (16,), "scale": 4.0}),
        # tanh (a few ulp) of u = sqrt(2/pi) (x + 0.044715 x^3): u carries ~3 roundings; tanh's condition
        # number u (1 - t^2)/t <= 1 keeps that; then 1 + t, and two products.
        error_scale=8.0,
        error_reason="tanh (a few ulp), a cubic with ~3 roundings, two products",
        reference=lambda x, approximate: _ref_gelu(x, approximate),
    ),
    Case(
        name="softshrink",
        forward=softshrink,
        vjp=softshrink_vjp,
        make=_make_softshrink,
        grid=(
            {"shape": (4, 5), "lambd": 0.5},
            {"shape": (2, 3, 4), "lambd": 0.0},
            {"shape": (16,), "lambd": 1.5},
        ),
        error_scale=1.0,
        error_reason="one subtraction or addition: at most half an ulp",
        reference=_ref_softshrink,
    ),
]
