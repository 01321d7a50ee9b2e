"""The torch conv2d / batch_norm suite (specref.compare.suites.torch_conv_norm) case by case, in the peer venv.

Each case compares specref.ops's conv2d, batch_norm, batch_norm_inference (output and the gradients of every
input, torch autograd, float64) or batch_norm_running_stats (torch's BatchNorm buffers after one training
batch) with torch, every tensor within its derived bound and no peer error. A coverage test checks that the
suite holds what it promises: kernel sizes 1 to 7 with spectrans's 3x3, an int and a pair padding, every
BatchNorm rank, training and inference, momentum None. Nothing is written.
"""

from __future__ import annotations

import pytest

from specref.compare import suites

_INSTALLED, _PIP = suites.peer_available("torch")


def _params():
    if not _INSTALLED:
        return [pytest.param(None, id="torch-not-installed",
                             marks=pytest.mark.skip(reason=f"torch is not installed ({_PIP})"))]
    from specref.compare.suites import torch_conv_norm

    return [pytest.param(case, id=f"torch:{case.id}") for case in torch_conv_norm.cases()]


@pytest.mark.parametrize("case", _params())
def test_suite_case(case):
    result = case.run()
    assert not result.known and not result.peer_error, result.message()
    assert result.passed, result.message()
    assert result.dtype == "float64"
    names = {t.name for t in result.tensors}
    if case.component == "batch_norm_running_stats":
        assert names == {"running_mean", "running_var", "num_batches_tracked"}
    else:
        assert names == {"output", "grad x0", "grad x1", "grad x2"}, names  # x, weight and bias


def test_suite_coverage():
    if not _INSTALLED:
        pytest.skip(f"torch is not installed ({_PIP})")
    from specref.compare.suites import torch_conv_norm as suite

    kernels = {p[4] for p in suite.CONV_POINTS}
    assert {(1, 1), (3, 3), (5, 5), (7, 7)} <= kernels and any(kh != kw for kh, kw in kernels)
    paddings = [p[5] for p in suite.CONV_POINTS]
    assert any(isinstance(p, tuple) for p in paddings) and any(isinstance(p, int) and p > 0 for p in paddings)
    assert any(p[0] == () for p in suite.CONV_POINTS)  # unbatched
    assert {len(p[0]) for p in suite.NORM_POINTS} == {2, 3, 4, 5}
    assert {p[1] for p in suite.RUNNING_POINTS} >= {None, 0.1}
    components = {c.component for c in suite.cases()}
    assert components == {"conv2d", "batch_norm", "batch_norm_inference", "batch_norm_running_stats"}
