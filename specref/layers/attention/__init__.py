"""Attention layers (softmax, spectral and linear attention): planned for a later issue; empty today."""

__all__: list[str] = []
