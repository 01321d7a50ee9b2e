"""Transformer blocks composing the layers (pre/post-norm, parallel, hybrid): planned for a later issue; empty today."""

__all__: list[str] = []
