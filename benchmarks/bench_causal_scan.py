"""Causal linear attention: specref's Numba prefix scan vs a cumulative-sum-of-outer-products form.

At N = 4096, B*H = 8, m = 64 features, dv = 32, float64, one thread (default), the median time of

* **scan**: ``linear_attention(phi_q, phi_k, v, causal=True)`` and ``linear_attention_vjp(...)`` on NumPy
  arrays, i.e. the Numba scan of :mod:`specref._jit.causal_linear_attention` (one m x dv state per row;
  the backward is three more scans, two of them in reverse);
* **cumsum**: the same math with ``np.cumsum(phi_k[..., :, None] * v[..., None, :], axis=-3)``, an
  N x m x dv tensor of prefix states (537 MB here), contracted with matmuls; its backward reuses the
  forward's prefix states (favouring it) and forms the suffix sums of ``phi_q g^T`` the same way.

The contenders run interleaved; medians of repeats; the ratio cumsum / scan is printed (the issue's goal:
the scan >= 5x faster at N = 4096). Results go to benchmarks/results/causal_scan_<date>_t<threads>.md/.json.

    .venv/bin/python benchmarks/bench_causal_scan.py --threads 1
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fwht import _load, interleaved_medians, pin_threads  # noqa: E402  (the timing helpers)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n", type=int, default=4096)
    p.add_argument("--rows", type=int, default=8, help="B * H (default 8)")
    p.add_argument("--m", type=int, default=64)
    p.add_argument("--dv", type=int, default=32)
    p.add_argument("--budget", type=float, default=20.0, help="seconds of timed runs (default 20)")
    p.add_argument("--min-repeats", type=int, default=3)
    p.add_argument("--max-repeats", type=int, default=11)
    p.add_argument("--no-affinity", action="store_true")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument("--no-write", action="store_true")
    return p.parse_args(argv)


def cumsum_forward(np, q, k, v):
    """y with prefix states from np.cumsum of outer products; returns (y, states) for the backward."""
    s = np.cumsum(k[..., :, None] * v[..., None, :], axis=-3)  # S_i = sum_{j<=i} k_j v_j^T (N, m, dv)
    z = np.cumsum(k, axis=-2)  # z_i
    num = (q[..., None, :] @ s)[..., 0, :]
    den = np.sum(q * z, axis=-1, keepdims=True)
    return num / den, (s, z, den)


def cumsum_backward(np, dy, q, k, v, y, states):
    s, z, den = states
    g = dy / den
    dden = -np.sum(g * y, axis=-1, keepdims=True)
    dq = (s @ g[..., :, None])[..., 0] + z * dden  # S_i g_i + z_i d(den)_i
    ds = np.cumsum((q[..., :, None] * g[..., None, :])[..., ::-1, :, :], axis=-3)[..., ::-1, :, :]  # suffix
    dz = np.cumsum((q * dden)[..., ::-1, :], axis=-2)[..., ::-1, :]
    dk = (ds @ v[..., :, None])[..., 0] + dz
    dv = (k[..., None, :] @ ds)[..., 0, :]
    return dq, dk, dv


def main(argv=None) -> int:
    args = parse_args(argv)
    pinned = pin_threads(args.threads, not args.no_affinity)

    import numba
    import numpy as np

    from specref.ops.linear_attention import linear_attention, linear_attention_vjp

    numba.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    shape = (args.rows, args.n)
    q = np.exp(0.5 * rng.standard_normal((*shape, args.m)))
    k = np.exp(0.5 * rng.standard_normal((*shape, args.m)))
    v = rng.standard_normal((*shape, args.dv))
    dy = rng.standard_normal((*shape, args.dv))

    y_scan = linear_attention(q, k, v, causal=True)
    y_cum, states = cumsum_forward(np, q, k, v)
    g_scan = linear_attention_vjp(dy, q, k, v, y_scan, causal=True)
    g_cum = cumsum_backward(np, dy, q, k, v, y_cum, states)
    agree = max(float(np.max(np.abs(a - b)) / np.max(np.abs(b))) for a, b in zip((y_scan, *g_scan),
                                                                                   (y_cum, *g_cum), strict=True))
    fns = {
        "scan_forward": lambda: linear_attention(q, k, v, causal=True),
        "scan_backward": lambda: linear_attention_vjp(dy, q, k, v, y_scan, causal=True),
        "cumsum_forward": lambda: cumsum_forward(np, q, k, v),
        "cumsum_backward": lambda: cumsum_backward(np, dy, q, k, v, y_cum, states),
    }
    medians, spread, repeats = interleaved_medians(fns, budget=args.budget, min_repeats=args.min_repeats,
                                                   max_repeats=args.max_repeats)
    fwd = medians["cumsum_forward"] / medians["scan_forward"]
    bwd = medians["cumsum_backward"] / medians["scan_backward"]
    both = ((medians["cumsum_forward"] + medians["cumsum_backward"])
            / (medians["scan_forward"] + medians["scan_backward"]))
    print(f"causal scan benchmark: B*H {args.rows}, N {args.n}, m {args.m}, dv {args.dv}, float64, "
          f"threads {args.threads} (numba {numba.get_num_threads()})")
    for name, t in medians.items():
        print(f"  {name:>16}: {1e3 * t:10.1f} ms (iqr/median {spread[name]:.2f})")
    print(f"  cumsum / scan: forward {fwd:.1f}x, backward {bwd:.1f}x, forward+backward {both:.1f}x "
          f"(goal >= 5x: {'met' if both >= 5 else 'not met'}); max relative difference {agree:.1e}")
    if args.no_write:
        return 0
    date = _dt.date.today().isoformat()
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"causal_scan_{date}_t{args.threads}"
    env = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
           "machine": platform.machine(), "cpu_count": os.cpu_count(), "thread_env": pinned, "load": _load()}
    record = {"env": env, "params": vars(args) | {"out": str(args.out)}, "medians_s": medians,
              "iqr_over_median": spread, "repeats": repeats, "ratio_forward": fwd, "ratio_backward": bwd,
              "ratio_total": both, "max_relative_difference": agree}
    stem.with_suffix(".json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    lines = [
        f"# Causal linear attention scan benchmark ({date}, {args.threads} thread(s))", "",
        f"`python benchmarks/bench_causal_scan.py --threads {args.threads}`: B*H = {args.rows}, N = {args.n}, "
        f"m = {args.m}, dv = {args.dv}, float64, numpy {np.__version__}, numba {numba.__version__}. "
        f"Medians of {repeats} interleaved repeats (ms).", "",
        "| pass | Numba scan | cumsum of outer products | cumsum / scan |", "|---|---:|---:|---:|",
        f"| forward | {1e3 * medians['scan_forward']:.1f} | {1e3 * medians['cumsum_forward']:.1f} | {fwd:.1f}x |",
        f"| backward | {1e3 * medians['scan_backward']:.1f} | {1e3 * medians['cumsum_backward']:.1f} | "
        f"{bwd:.1f}x |",
        f"| forward + backward | {1e3 * (medians['scan_forward'] + medians['scan_backward']):.1f} | "
        f"{1e3 * (medians['cumsum_forward'] + medians['cumsum_backward']):.1f} | {both:.1f}x |", "",
        f"- goal (issue 15): scan >= 5x faster at N = 4096: {'met' if both >= 5 else 'not met'} ({both:.1f}x).",
        "- the cumsum backward reuses the forward's N x m x dv prefix states (not timed in its backward).",
        f"- max relative difference between the two (normwise per output): {agree:.1e}.",
        f"- load average at end {env['load']} on {os.cpu_count()} cores (a shared machine: read the ratios).",
    ]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"wrote {stem}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
