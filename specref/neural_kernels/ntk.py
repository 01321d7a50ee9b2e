r"""The empirical neural tangent kernel and conjugate kernel of the study's networks.

**NTK.** For a network :math:`f(x; \theta)` with k outputs, :math:`\Theta_{oo'}(x, x') = \sum_p
\partial_p f_o(x)\, \partial_p f_{o'}(x')`, the sum over every trainable parameter: :math:`J(x) J(x')^{\mathsf
T}` with the per-example Jacobians :math:`J`. :func:`empirical_ntk` takes them from the model's hand-derived
factored Jacobians (``model.affine_jacobians``, :mod:`specref.neural_kernels.jacobian`; no autograd), in
chunks of points so that memory stays bounded: the bytes one point's Jacobian factors take are measured on
the first point, the chunk is sized to fit, and a request whose result or single chunk cannot fit is refused
with the estimate before anything large is allocated. ``outputs="mean"`` returns
:math:`\frac1k\sum_o\Theta_{oo}` (n1, n2), the quantity whose infinite-width limit is
:func:`~specref.neural_kernels.closed_forms.relu_kernels`'s ``ntk`` (the limit is that times
:math:`\delta_{oo'}`); ``"full"`` every output pair (n1, k, n2, k). ``method="dense"`` multiplies the
Jacobians out first (:func:`~specref.neural_kernels.jacobian.dense_jacobian`) and contracts them: the
definition written plainly, for checking the factored contraction on small networks.

**CK.** :func:`conjugate_kernel` is :math:`\varphi(x)\cdot\varphi(x')/n` with :math:`\varphi` the last
hidden layer (``model.features``: the RFF/LFF features themselves for those layers, so their CK is their
Gram matrix divided by m), whose limit is :func:`~specref.neural_kernels.closed_forms.relu_kernels`' ``ck``
for a ReLU MLP and :func:`~specref.neural_kernels.closed_forms.rff_expected_kernel` for the RFF layer.

A frozen network (:class:`~specref.neural_kernels.features.RFF`) has no trainable parameter: its NTK is the
empty sum, a zero matrix.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_allocation, check_choice, check_positive_int, memory_limit
from specref.backend import backend_name, dtype_name, finfo_eps, from_host, namespace, to_numpy
from specref.neural_kernels.jacobian import OUTPUT_MODES, check_points, dense_jacobian, tangent_kernel_block
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult

__all__ = ["empirical_ntk", "conjugate_kernel", "ntk_chunk_size", "NTK_METHODS"]

NTK_METHODS = ("factored", "dense")


def _point_bytes(model, x, method: str) -> int:
    """Bytes the Jacobian factors (or, ``dense``, the multiplied-out Jacobian) of one point take."""
    _, terms = model.affine_jacobians(x[:1, ...])
    arrays = list(dense_jacobian(terms).values()) if method == "dense" else [
        a for t in terms for a in (t.inputs, t.delta)]
    return int(sum(math.prod(a.shape) * _itemsize(a) for a in arrays))


def _itemsize(a) -> int:
    return np.dtype(dtype_name(a.dtype)).itemsize  # array-api-strict's dtypes have no itemsize


def ntk_chunk_size(model, x1, x2, *, outputs: str = "mean", method: str = "factored", chunk_size: int | None = None,
                   limit: int | None = None) -> int:
    r"""The number of points per chunk :func:`empirical_ntk` uses, after refusing what cannot fit.

    The working set of a pair of chunks of c points is :math:`2 c B + c^2 P` bytes, B the bytes of one point's
    Jacobian factors (measured), P the bytes of one entry pair of the block (:math:`k^2` entries for
    ``"full"``); it must fit in half of what the result leaves of ``limit`` (default: the machine's total
    memory, :func:`specref._args.memory_limit`). The chunk is ``chunk_size`` (default 256) or less.

    Raises
    ------
    ValueError
        If the (n1, n2) result cannot fit, or a chunk of a single point cannot: the message gives the estimate.
    """
    k = int(model.out_features)
    itemsize = _itemsize(x1)
    shape = (x1.shape[0], x2.shape[0]) if outputs == "mean" else (x1.shape[0], k, x2.shape[0], k)
    limit = memory_limit() if limit is None else int(limit)
    result = check_allocation(shape, itemsize, f"empirical_ntk({x1.shape[0]} x {x2.shape[0]} points)", limit=limit)
    per_point = _point_bytes(model, x1, method)
    pair = itemsize * (1 if outputs == "mean" else k * k) * (1 if method == "factored" else 2)
    want = 256 if chunk_size is None else check_positive_int(chunk_size, "chunk_size")
    if limit is None:
        return want
    budget = (limit - result) // 2
    one = 2 * per_point + pair
    if one > budget:
        raise ValueError(f"empirical_ntk: one point's Jacobian factors take {per_point} bytes, so a chunk of one point "
                         f"needs {one} bytes beside the {result}-byte result; the limit is {limit} bytes "
                         f"(half of what the result leaves: {budget}); accepted: fewer parameters or outputs, or "
                         "more memory")
    chunk = want
    while chunk > 1 and 2 * chunk * per_point + chunk * chunk * pair > budget:
        chunk //= 2
    return max(chunk, 1)


def empirical_ntk(model, x1, x2=None, *, outputs: str = "mean", method: str = "factored",
                  chunk_size: int | None = None, limit: int | None = None):
    r"""The empirical NTK of ``model`` between points ``x1`` (n1, d) and ``x2`` (n2, d) (default ``x1``).

    Parameters
    ----------
    model : LFF, RFF, ReLUMLP or RFFMLP
        Anything with ``affine_jacobians(x) -> (f, terms)``, ``in_features`` and ``out_features``.
    outputs : {"mean", "full"}
        Module docstring.
    method : {"factored", "dense"}
        Contract the factored Jacobians (default) or the multiplied-out ones.
    chunk_size : int, optional
        At most this many points per chunk (default 256; less where memory requires).
    limit : int, optional
        Memory limit in bytes (default: the machine's total memory).

    Returns
    -------
    array (n1, n2) or (n1, k, n2, k), the points' dtype and backend

    Raises
    ------
    ValueError
        For points of another dimension, an unknown ``outputs`` or ``method``, or a request that cannot fit
        (:func:`ntk_chunk_size`).
    """
    outputs = check_choice(outputs, OUTPUT_MODES, "outputs")
    method = check_choice(method, NTK_METHODS, "method")
    x2 = x1 if x2 is None else x2
    xp = namespace(x1, x2)
    who = f"empirical_ntk({type(model).__name__})"
    check_points(x1, model.in_features, who, matrix=True)
    check_points(x2, model.in_features, who, matrix=True)
    chunk = ntk_chunk_size(model, x1, x2, outputs=outputs, method=method, chunk_size=chunk_size, limit=limit)
    n1, n2, k = x1.shape[0], x2.shape[0], int(model.out_features)
    rows = []
    for i in range(0, n1, chunk):
        xa = x1[i:min(i + chunk, n1), ...]  # array-api-strict refuses a stop past the end
        _, terms_a = model.affine_jacobians(xa)
        blocks = []
        for j in range(0, n2, chunk):
            xb = x2[j:min(j + chunk, n2), ...]
            _, terms_b = model.affine_jacobians(xb)
            blocks.append(_block(xp, terms_a, terms_b, outputs, method, xa, xb, k))
        rows.append(xp.concat(blocks, axis=1 if outputs == "mean" else 2))
    return xp.concat(rows, axis=0)


def _block(xp, terms_a, terms_b, outputs, method, xa, xb, k):
    if not terms_a:  # no trainable parameter: the empty sum
        shape = (xa.shape[0], xb.shape[0]) if outputs == "mean" else (xa.shape[0], k, xb.shape[0], k)
        return xp.zeros(shape, dtype=xa.dtype)
    if method == "factored":
        return tangent_kernel_block(terms_a, terms_b, outputs=outputs)
    ja, jb = dense_jacobian(terms_a), dense_jacobian(terms_b)
    total = None
    for name in ja:
        a = xp.reshape(ja[name], (xa.shape[0] * k, -1))
        b = xp.reshape(jb[name], (xb.shape[0] * k, -1))
        full = xp.reshape(a @ b.T, (xa.shape[0], k, xb.shape[0], k))
        total = full if total is None else total + full
    if outputs == "full":
        return total
    return xp.sum(xp.stack([total[:, o, :, o] for o in range(k)]), axis=0) / k


def conjugate_kernel(model, x1, x2=None):
    r"""The conjugate kernel :math:`\varphi(x)\cdot\varphi(x')/n` of the last hidden layer (module docstring),
    (n1, n2).

    Raises
    ------
    ValueError
        For points of another dimension.
    """
    x2 = x1 if x2 is None else x2
    namespace(x1, x2)
    who = f"conjugate_kernel({type(model).__name__})"
    check_points(x1, model.in_features, who, matrix=True)
    check_points(x2, model.in_features, who, matrix=True)
    phi1, phi2 = model.features(x1), model.features(x2)
    return (phi1 @ phi2.T) / phi1.shape[-1]


# ----------------------------------------------------------------------------------------------------------
# verification case: the factored contraction against the definition (dense Jacobians), on every backend


def _model(name: str, seed: int):
    from specref.neural_kernels.features import LFF
    from specref.neural_kernels.mlp import RFFMLP, ReLUMLP

    return {"LFF": lambda: LFF(2, 4, 3.0, seed=seed),
            "ReLUMLP": lambda: ReLUMLP(2, 5, 2, 3, parameterization="ntk", seed=seed),
            "RFFMLP": lambda: RFFMLP(1, 10.0, 6, 2, 2, seed=seed)}[name]()


def _make_ntk(rng, xp, dtype, *, model, n):
    net = _model(model, int(rng.integers(2**31))).astype(dtype).to(backend_name(xp))
    x = from_host(rng.standard_normal((n, net.in_features)), xp, dtype)
    return Inputs((net, x))


def _check_factored_vs_dense(inputs, *, xp, dtype, params, rng):
    net, x = inputs.args
    ours = to_numpy(empirical_ntk(net, x, outputs="full")).astype(np.float64)
    dense = to_numpy(empirical_ntk(net, x, outputs="full", method="dense")).astype(np.float64)
    p = sum(int(v.size) for v in net.params.values())
    # the same P products per entry summed in two orders (plus the factors' own roundings, L + 1 per product)
    bound = 4.0 * (p + 8) * finfo_eps(dtype)
    err = float(np.max(np.abs(ours - dense)) / np.max(np.abs(dense)))
    return CheckResult("factored_vs_dense", err, bound, err <= bound,
                       "the same P Jacobian products per entry in two orders: 4 (P + 8) eps")


CASES = [
    Case(name="empirical_ntk", forward=lambda net, x: empirical_ntk(net, x), make=_make_ntk,
         extra_checks=(_check_factored_vs_dense,),
         grid=({"model": "LFF", "n": 5}, {"model": "ReLUMLP", "n": 6}, {"model": "RFFMLP", "n": 4})),
]
