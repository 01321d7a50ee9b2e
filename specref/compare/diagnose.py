"""The usual cause of a disagreement's pattern (filled in by the diagnosis work)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Evidence", "explain"]


@dataclass
class Evidence:
    """Everything a comparison saw: the pairing (to re-run specref under a hypothesis), the inputs, the
    cotangent, the peer's run and specref's output, the precision, and the comparison itself."""

    pairing: object
    framework: str
    inputs: tuple
    dy: object
    training: bool
    masks: dict
    peer: object
    output: object
    precision: str
    params: object
    peer_callable: object
    comparison: object


def explain(evidence: Evidence) -> dict:
    """Tensor name -> the usual cause of its pattern, for the failing tensors specref recognises."""
    return {}
