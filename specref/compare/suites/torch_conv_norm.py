r"""torch.nn.functional's conv2d and batch_norm against specref.ops (output and autograd gradients, float64),
and torch's running-statistics update (``BatchNorm1d/2d/3d`` buffers) against ``batch_norm_running_stats``.

- ``conv2d``: ``F.conv2d(x, weight, bias, padding=...)`` at kernel sizes 1x1 to 7x7 (spectrans's 3x3 with
  padding 1 among them), square and rectangular kernels, an int and a ``(ph, pw)`` padding (one larger than
  the kernel), odd and even spatial sizes, an unbatched input; the gradients of ``x``, ``weight`` and
  ``bias``. The bounds are ``2 c eps`` with ``c`` the verify case's claim for the longest dot product of the
  forward or the backward (:func:`_conv_bounds`).
- ``batch_norm`` (training: batch statistics, biased variance; ``F.batch_norm(..., training=True)`` without
  running buffers) and ``batch_norm_inference`` (``training=False`` with running statistics) at (N, C),
  (N, C, L), (N, C, H, W) and (N, C, D, H, W), with a mean offset and a larger ``eps``; the gradients of
  ``x``, ``weight`` and ``bias`` (through the statistics in training). Bounds from the verify cases
  (:func:`specref.compare.functions.function_pairing`). The inputs are the verify case's draws (each channel
  standardized: no near-zero variance).
- ``batch_norm_running_stats``: a ``BatchNorm`` module in training mode with its buffers set to the drawn
  running statistics and count, for momentum 0.1, 0.5 and None (the cumulative average), against
  specref's update: the new running mean, running variance (unbiased batch variance) and
  ``num_batches_tracked`` (exact).
"""

from __future__ import annotations

import math

import numpy as np

from specref.compare.suites import SuiteCase, one_torch_thread
from specref.testing.tolerances import Bound

__all__ = ["cases", "CONV_POINTS", "NORM_POINTS", "RUNNING_POINTS"]

# (batch shape, C_in, C_out, (H, W), (kh, kw), padding)
CONV_POINTS = (
    ((2,), 3, 4, (5, 6), (3, 3), 1),  # spectrans's CNN block: 3x3, same size
    ((), 2, 3, (7, 5), (1, 1), 0),  # unbatched (C, H, W), 1x1
    ((2,), 2, 2, (7, 9), (5, 5), (2, 1)),  # 5x5, a padding pair, odd sizes
    ((1,), 1, 2, (5, 4), (2, 3), 0),  # a rectangular kernel, no padding
    ((2,), 3, 2, (8, 9), (7, 7), 3),  # 7x7
    ((1,), 2, 2, (4, 3), (2, 2), 3),  # padding larger than the kernel
)

# (x shape (N, C, ...), keywords of the verify case's generator, eps)
NORM_POINTS = (
    ((4, 3), {}, 1e-5),  # BatchNorm1d on (N, C)
    ((2, 3, 5), {}, 1e-5),  # BatchNorm1d on (N, C, L)
    ((2, 2, 3, 5), {}, 1e-3),  # BatchNorm2d, a larger eps
    ((4, 2, 4), {"offset": 3.0}, 1e-5),  # a mean offset
    ((3, 4, 2, 2, 2), {}, 1e-5),  # BatchNorm3d
)

# (x shape, momentum, num_batches_tracked before)
RUNNING_POINTS = (
    ((4, 3), 0.1, 0),
    ((2, 3, 5), 0.5, 2),
    ((2, 2, 3, 3), None, 0),  # the cumulative average: factor 1 / (count + 1) = 1
    ((3, 4, 5), None, 5),  # factor 1/6
    ((2, 3, 2, 2, 2), 0.1, 7),
)


def _shape_text(shape) -> str:
    return f"x{tuple(shape)}".replace(" ", "")


def _conv_bounds(batch, c_in, c_out, size, kernel, padding) -> tuple[Bound, Bound]:
    """``2 c eps`` for the output (c of a length-K dot, K = C_in kh kw) and for the gradients (c of the
    longest dot of the backward: C_out kh kw for dx, N H_out W_out for dweight and dbias)."""
    from specref.ops.conv import CASES, _conv2d_error_scale

    (case,) = CASES
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    eps = float(np.finfo(np.float64).eps)
    c_fwd = _conv2d_error_scale({"c_in": c_in, "kernel": kernel})
    m = math.prod(batch) * (size[0] + 2 * ph - kernel[0] + 1) * (size[1] + 2 * pw - kernel[1] + 1)
    # the case's c for a length-L dot is L (2 + sqrt(L)/2)/2 + 2: give it L = max(K, C_out kh kw, M) as C_in
    length = max(c_in, c_out, math.ceil(m / (kernel[0] * kernel[1])))
    c_grad = max(c_fwd, _conv2d_error_scale({"c_in": length, "kernel": kernel}))
    fwd = Bound(2 * c_fwd * eps, f"2 c eps, c = {c_fwd:.3g} from specref's verify case 'conv2d' "
                                 f"({case.error_reason}); eps = {eps:.3g}")
    grad = Bound(2 * c_grad * eps, f"2 c eps, c = {c_grad:.3g}: the case's c for the backward's longest dot "
                                   f"(C_out kh kw for dx, N H_out W_out = {m} for dweight, dbias); eps = {eps:.3g}")
    return fwd, grad


def _run_conv(point, seed: int, case_label: str):
    import torch.nn.functional as F  # peer-only

    from specref.compare import compare
    from specref.ops.conv import conv2d

    batch, c_in, c_out, size, kernel, padding = point
    gen = np.random.default_rng(seed)
    k = c_in * kernel[0] * kernel[1]
    x = gen.standard_normal((*batch, c_in, *size))
    weight = gen.standard_normal((c_out, c_in, *kernel)) / math.sqrt(k)
    bias = gen.standard_normal(c_out)
    torch_padding = padding if isinstance(padding, int) else tuple(padding)

    def peer(x, weight, bias):
        return F.conv2d(x, weight, bias, padding=torch_padding)

    peer.__module__, peer.__qualname__ = "torch.nn.functional", "conv2d"
    return compare(peer, conv2d, x=(x, weight, bias), config={"padding": padding}, framework="torch",
                   label=case_label, seed=seed, bound=_conv_bounds(*point))


def _run_norm(point, training: bool, seed: int, case_label: str):
    import torch  # peer-only
    import torch.nn.functional as F  # peer-only

    from specref.compare import compare
    from specref.ops.batch_norm import (
        _make_batch_norm,
        _make_batch_norm_inference,
        batch_norm,
        batch_norm_inference,
    )

    shape, keywords, eps = point
    gen = np.random.default_rng(seed)
    if training:  # the verify case's draw: each channel standardized to std s_c in [0.5, 2], mean offset s_c
        x, weight, bias = _make_batch_norm(gen, np, "float64", shape=shape, **keywords).args
        stats = (None, None)
    else:
        drawn = _make_batch_norm_inference(gen, np, "float64", shape=shape)
        x, weight, bias = drawn.args
        running_mean, running_var = drawn.kwargs["running_mean"], drawn.kwargs["running_var"]
        stats = (torch.from_numpy(running_mean), torch.from_numpy(running_var))

    def peer(x, weight, bias):
        return F.batch_norm(x, *stats, weight, bias, training=training, eps=eps)

    peer.__module__, peer.__qualname__ = "torch.nn.functional", "batch_norm"
    if training:
        return compare(peer, batch_norm, x=(x, weight, bias), config={"eps": eps}, framework="torch",
                       label=case_label, seed=seed)
    config = {"running_mean": running_mean, "running_var": running_var, "eps": eps}
    return compare(peer, batch_norm_inference, x=(x, weight, bias), config=config, framework="torch",
                   label=case_label, seed=seed)


def _tensor(name, peer, ours, bound):
    from specref.compare.result import TensorComparison
    from specref.testing.checks import error_report

    rep = error_report(np.asarray(peer, dtype=np.float64), np.asarray(ours, dtype=np.float64))
    return TensorComparison(name, float(rep.normwise), tuple(rep.index), rep.actual, rep.expected, bound)


def _run_running(point, seed: int, case_label: str):
    import torch  # peer-only

    from specref.compare.result import Comparison
    from specref.ops.batch_norm import _draw_batch, _running_stats_error_scales, batch_norm_running_stats

    shape, momentum, count = point
    c = shape[1]
    gen = np.random.default_rng(seed)
    x = _draw_batch(gen, shape, 1, 1.0)
    running_mean, running_var = gen.standard_normal(c), gen.uniform(0.5, 2.0, c)
    module = {2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm1d, 4: torch.nn.BatchNorm2d,
              5: torch.nn.BatchNorm3d}[len(shape)](c, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        module.running_mean.copy_(torch.from_numpy(running_mean))
        module.running_var.copy_(torch.from_numpy(running_var))
        module.num_batches_tracked.fill_(count)
        module.train()
        module(torch.from_numpy(x))
    peer = {k: getattr(module, k).numpy().copy() for k in ("running_mean", "running_var", "num_batches_tracked")}
    new_mean, new_var, new_count = batch_norm_running_stats(x, running_mean, running_var, np.int64(count),
                                                            momentum=momentum)
    n = math.prod(shape) // c
    c_m, c_v = _running_stats_error_scales(n)
    eps = float(np.finfo(np.float64).eps)
    s_m = np.max(np.abs(x)) + np.max(np.abs(running_mean))
    s_v = np.max(np.abs(x)) ** 2 * n / (n - 1) + np.max(np.abs(running_var))
    # each within c eps S of the exact update (c_m, c_v and S: specref.ops.batch_norm._check_running_stats);
    # normwise relative to max|new|, so the bound is 2 c eps S / max|new|
    tensors = (
        _tensor("running_mean", peer["running_mean"], new_mean,
                Bound(2 * c_m * eps * s_m / np.max(np.abs(new_mean)),
                      f"2 c_m eps S_m / max|new mean|, c_m = {c_m:.3g}, S_m = max|x| + max|m| = {s_m:.3g}")),
        _tensor("running_var", peer["running_var"], new_var,
                Bound(2 * c_v * eps * s_v / np.max(np.abs(new_var)),
                      f"2 c_v eps S_v / max|new var|, c_v = {c_v:.3g}, S_v = max|x|^2 n/(n-1) + max|v| = "
                      f"{s_v:.3g}")),
        _tensor("num_batches_tracked", peer["num_batches_tracked"], new_count, Bound(0.0, "an integer count: exact")),
    )
    notes = ()
    if np.asarray(new_count).dtype != peer["num_batches_tracked"].dtype:
        notes = (f"num_batches_tracked dtypes differ: torch {peer['num_batches_tracked'].dtype}, specref "
                 f"{np.asarray(new_count).dtype}",)
        tensors = (*tensors[:2], _tensor("num_batches_tracked", 0.0, 1.0, Bound(0.0, "the dtype must be int64")))
    return Comparison(f"torch.nn.{type(module).__name__}(momentum={momentum}) buffers", "batch_norm_running_stats",
                      {"momentum": momentum}, "float64", tensors, notes=notes, label=case_label)


def _bind(fn, *args):
    def run():
        return one_torch_thread(fn, *args)

    return run


def cases() -> list[SuiteCase]:
    out = []
    for seed, point in enumerate(CONV_POINTS):
        batch, c_in, _, size, kernel, padding = point
        lab = f"{_shape_text((*batch, c_in, *size))} k={kernel[0]}x{kernel[1]} padding={padding}".replace(", ", ",")
        out.append(SuiteCase("torch", "conv2d", lab, _bind(_run_conv, point, seed, lab)))
    for seed, point in enumerate(NORM_POINTS):
        shape, keywords, eps = point
        words = [_shape_text(shape)] + [f"{k}={v}" for k, v in keywords.items()] + [f"eps={eps:g}"]
        for training, component in ((True, "batch_norm"), (False, "batch_norm_inference")):
            if keywords and not training:
                continue  # the offset is a training-mode condition (the centring); inference has no statistics
            lab = " ".join(words)
            out.append(SuiteCase("torch", component, lab, _bind(_run_norm, point, training, seed, lab)))
    for seed, point in enumerate(RUNNING_POINTS):
        shape, momentum, count = point
        lab = f"{_shape_text(shape)} momentum={momentum} count={count}"
        out.append(SuiteCase("torch", "batch_norm_running_stats", lab, _bind(_run_running, point, seed, lab)))
    return out
