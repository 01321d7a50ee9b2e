"""Neural-operator layers (FNO spectral convolutions): planned for a later issue; empty today."""

__all__: list[str] = []
