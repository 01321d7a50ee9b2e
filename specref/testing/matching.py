"""``assert_matches``: a pytest-ready check that a peer implements a specref component.

Kept apart from the rest of :mod:`specref.testing` (which must not import the component families):
:mod:`specref.compare` is imported when the function runs.
"""

from __future__ import annotations

__all__ = ["assert_matches"]


def assert_matches(peer, component=None, *, allow_known: bool = False, **kwargs):
    """Compare ``peer`` with the specref ``component`` and raise if any tensor exceeds its derived bound.

    ``kwargs`` go to :func:`specref.compare.compare` (``x``, ``params``, ``weights``, ``config``,
    ``training``, ``seed``...). The :class:`~specref.compare.ComparisonError` (an ``AssertionError``, so
    pytest shows it as a failed assertion) says which tensor is off, by how much, at which index, the bound
    and its reason, and the usual cause of the pattern where specref recognises it.

    Parameters
    ----------
    allow_known : bool
        Accept a disagreement that a known difference of the peer explains (``specref.compare.KNOWN``).

    Returns
    -------
    Comparison
        The passing comparison (for further inspection).

    Examples
    --------
    >>> from specref.testing import assert_matches                       # doctest: +SKIP
    >>> assert_matches(my_gfnet, "GlobalFilterMixing", x=x, weights="gfnet_half_spectrum")  # doctest: +SKIP
    """
    from specref.compare import ComparisonError, compare

    result = compare(peer, component, **kwargs)
    if result.passed or (allow_known and result.known):
        return result
    raise ComparisonError(result.message())
