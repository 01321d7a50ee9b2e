"""Neural kernels (feature maps, Gram matrices, conjugate kernel, NTK): planned for a later issue; empty today."""

__all__: list[str] = []
