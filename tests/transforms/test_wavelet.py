"""specref.transforms.wavelet, the family's front door: it re-exports the public names of the three modules.

The transforms themselves are tested beside their modules: tests/transforms/test_wavelet_dwt.py,
test_wavelet_multilevel.py and test_wavelet_multilevel2d.py.
"""

from __future__ import annotations

from specref.transforms import wavelet, wavelet_dwt, wavelet_multilevel, wavelet_multilevel2d, wavelet_swt, wavelet_swt2

MODULES = (wavelet_dwt, wavelet_multilevel, wavelet_multilevel2d, wavelet_swt, wavelet_swt2)


def test_every_public_name_is_re_exported_as_the_same_object():
    defined = {name: getattr(m, name) for m in MODULES for name in m.__all__}
    assert sorted(wavelet.__all__) == sorted(defined)
    for name, obj in defined.items():
        assert getattr(wavelet, name) is obj, name


def test_the_front_door_registers_no_case():
    """Each case is registered once, by the module that defines the transform (the registry refuses twins)."""
    assert not hasattr(wavelet, "CASES")
    names = [c.name for m in MODULES for c in m.CASES]
    assert sorted(names) == sorted(
        ["dwt", "idwt", "dwt2", "idwt2", "wavedec", "waverec", "wavedec2", "waverec2", "swt", "iswt", "swt2", "iswt2"]
    )


def test_the_names_the_repository_imports_still_work():
    """What validation/, benchmarks/ and the docs read from specref.transforms.wavelet."""
    from specref.transforms.wavelet import MODES, _error_scale, dwt, wavedec, wavedec_adjoint, waverec  # noqa: F401

    assert wavelet._error_scale is wavelet_dwt._error_scale
