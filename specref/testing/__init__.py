"""The verification toolkit: checks, derived tolerances, the case type and registry, the runner.

The package re-exports the public names of :mod:`specref.testing.case` and :mod:`specref.testing.checks` (each
module's ``__all__`` is the one list) and the :class:`~specref.testing.tolerances.Bound` the checks return.
Hypothesis strategies live in :mod:`specref.testing.strategies`, which needs the ``test`` extra and is not
imported here. :func:`~specref.testing.matching.assert_matches` (a peer against a specref component) is
loaded on first use, so importing the toolkit never imports the component families.
"""

from specref.testing import case as _case
from specref.testing import checks as _checks
from specref.testing.case import *  # noqa: F403
from specref.testing.checks import *  # noqa: F403
from specref.testing.tolerances import Bound

__all__ = ["Bound", "assert_matches", *_case.__all__, *_checks.__all__]  # noqa: F405 (assert_matches: __getattr__)


def __getattr__(name):
    if name == "assert_matches":
        from specref.testing.matching import assert_matches

        return assert_matches
    raise AttributeError(f"module 'specref.testing' has no attribute {name!r}")
