r"""Token embedding (a row lookup) and its VJP, a scatter-add of the cotangent rows.

For a table :math:`W \in \mathbb{R}^{V \times D}` and integer ids :math:`t`, ``embedding`` gathers rows,
:math:`y_{\dots, :} = W_{t_{\dots}, :}` (``torch.nn.Embedding``). The map is linear in :math:`W`; its VJP adds
each cotangent row into the row it was read from,

.. math:: \bar W_{v,:} = \sum_{\dots : t_{\dots} = v} \bar y_{\dots,:},

so a token that occurs k times receives the sum of its k cotangent rows and an unused row receives zero. The ids
are not differentiable. NumPy adds with ``numpy.add.at`` (unbuffered: repeated ids accumulate), CuPy with
``cupyx.scatter_add``, any other namespace with a one-hot product (the array API has no scatter-add).
"""

from __future__ import annotations

import numpy as np

from specref.backend import backend_name, check_float_dtype, dtype_name, namespace, random_normal
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs

__all__ = ["embedding", "embedding_vjp", "check_token_ids"]

_INTEGER = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def check_token_ids(ids, num_embeddings: int, *, name: str = "ids") -> None:
    """Require an integer array with every id in ``[0, num_embeddings)``.

    Raises
    ------
    TypeError
        For a non-integer array (a float or bool array of ids is refused, not rounded).
    IndexError
        For an id out of range, naming the first one.
    """
    if dtype_name(ids.dtype) not in _INTEGER:
        raise TypeError(f"{name} must be an integer array of token ids, got dtype {dtype_name(ids.dtype)}")
    host = np.asarray(ids.get() if hasattr(ids, "get") else ids)
    bad = (host < 0) | (host >= num_embeddings)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise IndexError(f"{name}{list(where)} = {int(host[where])} is out of range for an embedding table of "
                         f"{num_embeddings} rows (ids must be in [0, {num_embeddings}))")


def embedding(ids, weight):
    r"""Rows of ``weight`` selected by ``ids``.

    .. math:: y_{\dots,:} = W_{t_\dots,:}

    Parameters
    ----------
    ids : integer array, any shape
        Token ids in ``[0, V)``.
    weight : array (V, D), float32 or float64

    Returns
    -------
    y : array ``ids.shape + (D,)`` of ``weight``'s dtype

    Raises
    ------
    TypeError, IndexError
        As :func:`check_token_ids`; for a ``weight`` that is not a real float matrix.
    """
    xp = namespace(ids, weight)
    check_float_dtype(weight, name="weight")
    if weight.ndim != 2:
        raise ValueError(f"weight must be a (V, D) table, got shape {tuple(weight.shape)}")
    check_token_ids(ids, weight.shape[0])
    rows = xp.take(weight, xp.reshape(ids, (-1,)), axis=0)
    return xp.reshape(rows, (*ids.shape, weight.shape[1]))


def embedding_vjp(dy, ids, weight, y):
    r"""VJP of :func:`embedding` in ``weight``: the scatter-add of the cotangent rows (``y`` is unused).

    .. math:: \bar W_{v,:} = \sum_{\dots :\, t_\dots = v} \bar y_{\dots,:}
    """
    xp = namespace(dy, weight)
    check_cotangent(dy, weight, y, "embedding_vjp", names=("dy", "weight", "y"))
    v, d = weight.shape
    rows = xp.reshape(dy, (-1, d))
    flat = xp.reshape(ids, (-1,))
    name = backend_name(xp)
    if name == "numpy":
        out = np.zeros((v, d), dtype=dy.dtype)
        np.add.at(out, np.asarray(flat), np.asarray(rows))
        return out
    if name == "cupy":  # pragma: no cover - needs a GPU
        import cupyx

        out = xp.zeros((v, d), dtype=dy.dtype)
        cupyx.scatter_add(out, flat, rows)
        return out
    one_hot = xp.astype(xp.reshape(flat, (-1, 1)) == xp.reshape(xp.arange(v), (1, v)), dy.dtype)
    return xp.matmul(xp.matrix_transpose(one_hot), rows)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_embedding(rng, xp, dtype, *, ids_shape, vocab, dim):
    ids = xp.asarray(rng.integers(0, vocab, size=ids_shape), dtype=xp.int64)
    return Inputs((ids, random_normal(rng, (vocab, dim), dtype=dtype, xp=xp)))


CASES = [
    Case(
        name="embedding",
        forward=embedding,
        vjp=embedding_vjp,
        make=_make_embedding,
        argnums=(1,),
        grid=({"ids_shape": (2, 7), "vocab": 5, "dim": 3}, {"ids_shape": (11,), "vocab": 13, "dim": 4}),
        # the forward copies rows exactly; the VJP sums at most len(ids) rows per table row: <= n - 1
        # roundings of a sum of n terms, n <= 14 here, below 16
        error_scale=16.0,
        error_reason="a copy (exact) forward; the VJP sums at most 14 rows per table row",
        reference=lambda ids, weight: np.asarray(weight)[np.asarray(ids)],
    ),
]
