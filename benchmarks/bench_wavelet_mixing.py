"""Benchmark: forward + backward of specref's wavelet mixing layers against spectrans (torch CPU autograd).

Two layers, on the same inputs in the same process (issue 14's sizes):

* ``WaveletMixing``: B = 8, N = 512, D = 256, db4, 3 levels, ``mixing_mode="pointwise"``;
* ``WaveletMixing2D``: B = 4, C = 32, 64 x 64, db4, 2 levels, ``mixing_mode="subband"``;

float32 and float64, eval mode (no dropout; the 2-D batch norm on its running statistics), spectrans's
parameters set to random N(0, 1) values and, in float64, its float32 filter buffers replaced by pywt's float64
taps (``specref.compare.spectrans.exact_wavelet_filters``), so both sides compute the same math; specref's layer
is loaded from the module's ``state_dict``.

* specref: ``y, ctx = layer.forward(x)`` then ``dx, grads = layer.backward(ctx, dy)``;
* torch: the spectrans 0.1.0 module under CPU autograd, ``torch.autograd.grad(y, (x, *params), dy)``
  (spectrans loops over the channels in Python).

Rounds are interleaved (each implementation once per round, after one untimed call), the median per
implementation is reported with the ratio specref/torch (goal <= 0.5). The outputs of the first round are
compared (normwise max|a - b| / max|b| of y and dx): the timing is of agreeing code. ``--threads N`` pins every
thread knob (and the CPU affinity) before numpy and torch load, as ``bench_mixing_layers.py`` does;
``--threads 0`` pins nothing (the libraries' default thread counts, recorded).

    .venv-peers/bin/python benchmarks/bench_wavelet_mixing.py --threads 1
    .venv-peers/bin/python benchmarks/bench_wavelet_mixing.py --threads 0
    .venv-peers/bin/python benchmarks/bench_wavelet_mixing.py --layers WaveletMixing --dtypes float64 --no-write

Results: benchmarks/results/wavelet_mixing_<date>_t<threads or "default">.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mixing_layers import pin_threads, pin_torch, rounds  # noqa: E402  (the shared thread pinning and timing)

# name -> (spectrans/specref config, input shape, specref module)
LAYERS = {
    "WaveletMixing": ({"hidden_dim": 256, "wavelet": "db4", "levels": 3, "mixing_mode": "pointwise"},
                      (8, 512, 256), "specref.layers.mixing.wavelet"),
    "WaveletMixing2D": ({"channels": 32, "wavelet": "db4", "levels": 2, "mixing_mode": "subband"},
                        (4, 32, 64, 64), "specref.layers.mixing.wavelet2d"),
}
GOAL = 0.5


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="threads for every engine (default 1; 0: no pinning)")
    p.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    p.add_argument("--layers", nargs="+", default=list(LAYERS), choices=list(LAYERS))
    p.add_argument("--repeats", type=int, default=5, help="timed rounds (median reported)")
    p.add_argument("--no-affinity", action="store_true", help="keep the CPU affinity as it is")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument("--no-write", action="store_true", help="print only")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    pinned = pin_threads(args.threads, not args.no_affinity) if args.threads > 0 else {}

    import numpy as np
    import torch

    pinned["torch.get_num_threads()"] = pin_torch(torch, args.threads)
    import importlib

    import spectrans
    import spectrans.layers.mixing.wavelet as s_wavelet

    import specref
    from specref.compare.spectrans import exact_wavelet_filters
    from specref.testing.checks import error_report

    env = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "spectrans": spectrans.__version__,
        "specref": getattr(specref, "__version__", "dev"),
        "cpus": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load average at start": _load(),
    }
    print("pinned:", json.dumps(pinned))
    print("environment:", json.dumps(env))
    rows = []
    start = time.perf_counter()
    for name in args.layers:
        config, shape, module_path = LAYERS[name]
        cls = getattr(importlib.import_module(module_path), name)
        for dtype in args.dtypes:
            gen = np.random.default_rng(0)
            torch.manual_seed(0)
            module = getattr(s_wavelet, name)(**config)
            if dtype == "float64":
                module = module.double()
            with torch.no_grad():
                for p in module.parameters():
                    p.copy_(torch.from_numpy(gen.standard_normal(tuple(p.shape))))
            if dtype == "float64":
                exact_wavelet_filters(module)
            module.eval()
            sd = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
            layer = cls.from_state_dict(sd, **config)
            x = gen.standard_normal(shape).astype(dtype)
            dy = gen.standard_normal(shape).astype(dtype)

            def run_specref(layer=layer, x=x, dy=dy):
                y, ctx = layer.forward(x)
                dx, _ = layer.backward(ctx, dy)
                return np.asarray(y), np.asarray(dx)

            xt, dyt, params = torch.tensor(x, requires_grad=True), torch.tensor(dy), list(module.parameters())

            def run_torch(module=module, xt=xt, dyt=dyt, params=params):
                y = module(xt)
                grads = torch.autograd.grad(y, [xt, *params], dyt)
                return y.detach().numpy(), grads[0].numpy()

            fns = {"specref": run_specref, "torch": run_torch}
            for fn in fns.values():  # untimed first calls (caches, allocations)
                fn()
            med, counts, first = rounds(fns, repeats=args.repeats, quick=False, budget=0.0)
            agree = max(error_report(first["specref"][i], first["torch"][i]).normwise for i in (0, 1))
            row = {"layer": name, "shape": list(shape), "config": config, "dtype": dtype, "times_s": med,
                   "rounds": counts, "agreement": agree, "ratio_torch": med["specref"] / med["torch"],
                   "goal": GOAL}
            rows.append(row)
            print(format_row(row), flush=True)
    took = time.perf_counter() - start
    env["load average at end"] = _load()
    table = render(rows, args, pinned, env, took)
    print()
    print(table)
    if not args.no_write and rows:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = f"wavelet_mixing_{_dt.date.today().isoformat()}_t{args.threads or 'default'}"
        (args.out / f"{stem}.md").write_text(table, encoding="utf-8")
        record = {"args": {k: str(v) for k, v in vars(args).items()}, "pinned": pinned, "environment": env,
                  "rows": rows, "total_s": took}
        (args.out / f"{stem}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
        print(f"written: {args.out / stem}.md, .json")
    return 0


def _load() -> str:
    """The 1-minute load average (a busy machine slows torch's thread pool most: the ratios move with it)."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def _ratio(r) -> str:
    return f"{r:.3f} {'✓' if r <= GOAL else '✗'}"


def _config_text(row) -> str:
    c = row["config"]
    return f"{'x'.join(map(str, row['shape']))}, {c['wavelet']}, J = {c['levels']}, {c['mixing_mode']}"


def format_row(row) -> str:
    t = row["times_s"]
    return (f"{row['layer']:16s} {_config_text(row)} {row['dtype']}: specref {1e3 * t['specref']:9.1f} ms, "
            f"torch {1e3 * t['torch']:9.1f} ms | specref/torch {_ratio(row['ratio_torch'])} | "
            f"agreement {row['agreement']:.1e}")


def render(rows, args, pinned, env, took) -> str:
    threads = args.threads if args.threads > 0 else f"default ({pinned['torch.get_num_threads()']} torch threads)"
    lines = [
        "# Wavelet mixing layers: forward + backward, specref vs spectrans (torch autograd)",
        "",
        f"threads = {threads} ({args.repeats} rounds, medians), run {_dt.date.today().isoformat()}, {took:.0f} s "
        "in all.",
        f"Environment: {', '.join(f'{k} {v}' for k, v in env.items())}.",
        f"Pinned: {', '.join(f'{k}={v}' for k, v in pinned.items())}.",
        "",
        f"Eval mode, random N(0, 1) parameters, float64 with pywt's float64 filters on both sides. Ratio: specref's "
        f"median time over torch's (< 1: specref faster); ✓/✗ against the goal {GOAL}. Agreement: max normwise "
        "difference of y and dx (first round).",
        "",
        "| layer | input, wavelet, levels, mode | dtype | specref ms | torch ms | specref/torch | agreement |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        t = r["times_s"]
        lines.append(f"| {r['layer']} | {_config_text(r)} | {r['dtype']} | {1e3 * t['specref']:.1f} | "
                     f"{1e3 * t['torch']:.1f} | {_ratio(r['ratio_torch'])} | {r['agreement']:.0e} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
