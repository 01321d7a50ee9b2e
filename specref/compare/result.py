"""The result of a comparison: per tensor, the normwise error, where it is worst, the derived bound, the verdict.

A :class:`Comparison` holds one :class:`TensorComparison` per compared tensor: the output, the gradient of
each input, the gradient of each parameter (under the peer's names). Errors are normwise,
``max|peer - specref| / max|specref|`` (exact zeros exist, e.g. the DC gradient of a filter's imaginary part,
so an elementwise relative error is meaningless there); specref is the reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from specref.testing.tolerances import Bound

__all__ = ["TensorComparison", "Comparison", "ComparisonError"]


class ComparisonError(AssertionError):
    """A peer disagrees with specref beyond the derived bound (raised by ``assert_matches``)."""


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.1e}"


@dataclass(frozen=True)
class TensorComparison:
    """One compared tensor.

    Attributes
    ----------
    name : str
        ``"output"``, ``"grad x"`` (the gradient of input ``x``) or ``"grad <param>"`` with the peer's name.
    error : float
        ``max|peer - specref| / max|specref|``.
    index : tuple
        Where ``|peer - specref|`` is largest.
    peer_value, specref_value
        The two entries there.
    bound : Bound
        The derived bound on the normwise difference of two correct implementations, with its reason.
    cause : str
        The usual cause of the pattern of the difference, where specref recognises it (empty otherwise).
    """

    name: str
    error: float
    index: tuple
    peer_value: complex | float | None
    specref_value: complex | float | None
    bound: Bound
    cause: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.error <= self.bound.value)

    def describe(self) -> str:
        """One paragraph: which tensor, how far off, at which index, the bound and its reason, the cause."""
        verdict = "within" if self.passed else "exceeds"
        text = (
            f"{self.name}: normwise error {self.error:.3e} {verdict} the bound {self.bound.value:.1e} "
            f"(worst at index {self.index}: peer {self.peer_value!r}, specref {self.specref_value!r}); "
            f"bound: {self.bound.reason}"
        )
        if self.cause:
            text += f"\n  likely cause: {self.cause}"
        return text

    def to_json(self) -> dict:
        def num(v):
            if v is None:
                return None
            if isinstance(v, complex):
                return [v.real, v.imag]
            return v if math.isfinite(v) else str(v)

        return {
            "name": self.name,
            "error": num(self.error),
            "index": list(self.index),
            "peer_value": num(self.peer_value),
            "specref_value": num(self.specref_value),
            "bound": self.bound.value,
            "bound_reason": self.bound.reason,
            "passed": self.passed,
            "cause": self.cause,
        }


@dataclass(frozen=True)
class Comparison:
    """Everything one comparison measured.

    ``passed`` is true when every tensor is within its bound. ``known`` names the finding (a slug of
    ``specref.compare.known.KNOWN``) when the peer is known to compute something other than the math here;
    such a comparison is ``explained`` even where it does not pass. ``notes`` say what was converted or
    assumed (a float32 peer's bounds, JAX's conjugate convention, injected dropout masks...).
    """

    peer: str
    component: str
    config: dict
    dtype: str
    tensors: tuple[TensorComparison, ...]
    known: str = ""
    notes: tuple[str, ...] = ()
    peer_error: str = ""  # the peer raised: its exception (then no tensor was compared)
    label: str = ""  # a configuration label for reports
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.peer_error and all(t.passed for t in self.tensors)

    @property
    def explained(self) -> bool:
        """Passed, or a known difference (a finding) explains the disagreement."""
        return self.passed or bool(self.known)

    @property
    def verdict(self) -> str:
        if self.known:
            return f"known: {self.known}"
        return "pass" if self.passed else "FAIL"

    def tensor(self, name: str) -> TensorComparison:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(f"no tensor {name!r}; compared: {[t.name for t in self.tensors]}")

    @property
    def worst(self) -> TensorComparison | None:
        """The tensor with the largest error relative to its bound."""
        if not self.tensors:
            return None
        return max(self.tensors, key=lambda t: t.error / t.bound.value if t.bound.value > 0 else math.inf)

    def failures(self) -> list[TensorComparison]:
        return [t for t in self.tensors if not t.passed]

    def message(self) -> str:
        """The full report: the header, every tensor's line, the failures in detail, the notes."""
        head = f"{self.peer} vs specref {self.component}"
        if self.label:
            head += f" [{self.label}]"
        lines = [f"{head} ({self.dtype}): {self.verdict}"]
        if self.peer_error:
            lines.append(f"  the peer raised: {self.peer_error}")
        width = max((len(t.name) for t in self.tensors), default=6)
        for t in self.tensors:
            mark = "ok" if t.passed else "FAIL"
            lines.append(f"  {t.name:<{width}}  error {_fmt(t.error)}  bound {_fmt(t.bound.value)}  {mark}")
        for t in self.failures():
            lines.append("  " + t.describe().replace("\n", "\n  "))
        if self.known:
            lines.append(f"  known difference {self.known}: {_known_summary(self.known)}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message()

    def to_json(self) -> dict:
        return {
            "peer": self.peer,
            "component": self.component,
            "label": self.label,
            "config": {k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
                       for k, v in self.config.items()},
            "dtype": self.dtype,
            "verdict": self.verdict,
            "passed": self.passed,
            "known": self.known,
            "peer_error": self.peer_error,
            "notes": list(self.notes),
            "tensors": [t.to_json() for t in self.tensors],
        }


def _known_summary(slug: str) -> str:
    from specref.compare.known import KNOWN

    return KNOWN.get(slug, "(not in specref.compare.known)")
