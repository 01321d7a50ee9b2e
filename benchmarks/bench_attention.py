"""Benchmark: forward + backward of specref's exact softmax attention against torch (CPU autograd).

Two rows per precision, on the same inputs in the same process:

* **core**: specref's ``scaled_dot_product_attention`` then ``scaled_dot_product_attention_vjp`` (both by
  blocks of query rows, the VJP recomputing each block's weights, so no (B, h, N, N) array is held)
  against ``torch.nn.functional.scaled_dot_product_attention`` under ``torch.autograd.grad(y, (q, k, v),
  dy)``, on q, k, v of shape (B, h, N, d);
* **layer**: specref's ``MultiheadAttention`` forward + backward (self-attention, every parameter's gradient)
  against ``torch.nn.MultiheadAttention(batch_first=True)`` with ``need_weights=False`` (its
  scaled_dot_product_attention path), the same weights, ``torch.autograd.grad(y, (x, *params), dy)``.

Defaults: B = 8, h = 8 heads, N = 1024, D = 256 (head dim d = 32), float32 and float64, no mask, no dropout.
The implementations run in interleaved rounds after one untimed call each, and the median is reported
(``rounds`` of bench_mixing_layers.py); the outputs of the first round are compared (normwise max|a - b| /
max|b| of y and of the input gradient, printed): the timing is of agreeing code. Ratios are specref / torch
(< 1: specref faster). Threads: ``--threads 1`` pins every library and the CPU affinity to one core before
numpy and torch load (pin_threads of bench_mixing_layers.py); ``--threads 0`` leaves the defaults (torch uses
every core, OpenBLAS its default). The settings are printed and written.

    .venv-peers/bin/python benchmarks/bench_attention.py --threads 1
    .venv-peers/bin/python benchmarks/bench_attention.py --threads 0
    .venv-peers/bin/python benchmarks/bench_attention.py --threads 1 --sizes 256 --repeats 3 --no-write

Results: benchmarks/results/attention_<date>_t<threads>.{md,json} (t0: default threads).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mixing_layers import pin_threads, pin_torch, rounds  # noqa: E402  (the house's thread pinning and rounds)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="threads for every engine; 0 = the defaults (default 1)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--sizes", type=int, nargs="+", default=[1024], help="sequence lengths N")
    p.add_argument("--hidden", type=int, default=256, help="D = heads x head dim")
    p.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    p.add_argument("--parts", nargs="+", default=["core", "layer"], choices=["core", "layer"])
    p.add_argument("--repeats", type=int, default=5, help="timed rounds (median reported)")
    p.add_argument("--no-affinity", action="store_true", help="keep the CPU affinity as it is")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument("--no-write", action="store_true", help="print only")
    return p.parse_args(argv)


def make_core(np, torch, F, ops, args, n, dtype):
    """The core pair: specref's sdpa + VJP and torch's sdpa under autograd, on (B, h, N, d)."""
    d = args.hidden // args.heads
    gen = np.random.default_rng(0)
    q, k, v, dy = (gen.standard_normal((args.batch, args.heads, n, d)).astype(dtype) for _ in range(4))

    def run_specref():
        y = ops.scaled_dot_product_attention(q, k, v)
        dq, dk, dv = ops.scaled_dot_product_attention_vjp(dy, q, k, v, y)  # P recomputed block by block
        return y, dq

    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    tdy = torch.tensor(dy)

    def run_torch():
        y = F.scaled_dot_product_attention(tq, tk, tv)
        dq, dk, dv = torch.autograd.grad(y, (tq, tk, tv), tdy)
        return y.detach().numpy(), dq.numpy()

    return {"specref": run_specref, "torch": run_torch}


def make_layer(np, torch, MultiheadAttention, args, n, dtype):  # noqa: N803  (the class)
    """The layer pair: specref's MultiheadAttention and torch's, the same weights, self-attention."""
    torch.manual_seed(0)
    module = torch.nn.MultiheadAttention(args.hidden, args.heads, batch_first=True, dtype=getattr(torch, dtype))
    layer = MultiheadAttention.from_state_dict({k: v.numpy() for k, v in module.state_dict().items()},
                                               embed_dim=args.hidden, num_heads=args.heads)
    gen = np.random.default_rng(0)
    x, dy = (gen.standard_normal((args.batch, n, args.hidden)).astype(dtype) for _ in range(2))

    def run_specref():
        y, ctx = layer.forward(x)
        dx, grads = layer.backward(ctx, dy)
        return y, dx

    tx = torch.tensor(x, requires_grad=True)
    tdy = torch.tensor(dy)
    params = list(module.parameters())

    def run_torch():
        y = module(tx, tx, tx, need_weights=False)[0]
        grads = torch.autograd.grad(y, [tx, *params], tdy)
        return y.detach().numpy(), grads[0].numpy()

    return {"specref": run_specref, "torch": run_torch}


def main(argv=None) -> int:
    args = parse_args(argv)
    pinned = pin_threads(args.threads, not args.no_affinity) if args.threads > 0 else {"threads": "defaults"}

    import numpy as np
    import torch
    import torch.nn.functional as F

    pinned["torch.get_num_threads()"] = pin_torch(torch, args.threads)

    import specref.ops.attention as ops
    from specref.layers.attention import MultiheadAttention
    from specref.testing.checks import error_report

    env = {"python": platform.python_version(), "machine": platform.machine(), "numpy": np.__version__,
           "torch": torch.__version__, "cpus": os.cpu_count(), "load average": os.getloadavg()[0]}
    print("pinned:", json.dumps(pinned))
    print("environment:", json.dumps(env))
    rows = []
    start = time.perf_counter()
    for part in args.parts:
        for n in args.sizes:
            for dtype in args.dtypes:
                if part == "core":
                    fns = make_core(np, torch, F, ops, args, n, dtype)
                else:
                    fns = make_layer(np, torch, MultiheadAttention, args, n, dtype)
                for fn in fns.values():  # untimed first call
                    fn()
                med, counts, first = rounds(fns, repeats=args.repeats, quick=False, budget=math.inf)
                agree = max(error_report(first["torch"][i], first["specref"][i]).normwise for i in (0, 1))
                del first
                row = {"part": part, "B": args.batch, "heads": args.heads, "N": n, "D": args.hidden,
                       "dtype": dtype, "times_s": med, "rounds": counts, "agreement": agree,
                       "ratio_torch": med["specref"] / med["torch"]}
                rows.append(row)
                print(format_row(row), flush=True)
                del fns
    took = time.perf_counter() - start
    table = render(rows, args, pinned, env, took)
    print()
    print(table)
    if not args.no_write and rows:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = f"attention_{_dt.date.today().isoformat()}_t{args.threads}"
        (args.out / f"{stem}.md").write_text(table, encoding="utf-8")
        (args.out / f"{stem}.json").write_text(json.dumps(
            {"args": {k: str(v) for k, v in vars(args).items()}, "pinned": pinned, "environment": env,
             "rows": rows, "total_s": took}, indent=1), encoding="utf-8")
        print(f"written: {args.out / stem}.md, .json")
    return 0


def format_row(row) -> str:
    t = row["times_s"]
    return (f"{row['part']:5s} B={row['B']} h={row['heads']} N={row['N']} D={row['D']} {row['dtype']}: "
            f"specref {1e3 * t['specref']:9.1f} ms  torch {1e3 * t['torch']:9.1f} ms | specref/torch "
            f"{row['ratio_torch']:.2f} | agreement {row['agreement']:.1e}")


def render(rows, args, pinned, env, took) -> str:
    threads = "defaults (unpinned)" if args.threads == 0 else str(args.threads)
    lines = [
        "# Exact softmax attention: forward + backward, specref vs torch (CPU autograd)",
        "",
        f"B = {args.batch}, h = {args.heads}, D = {args.hidden} (head dim {args.hidden // args.heads}), "
        f"threads = {threads}, {args.repeats} rounds (medians), run {_dt.date.today().isoformat()}, "
        f"{took:.0f} s in all.",
        f"Environment: {', '.join(f'{k} {v}' for k, v in env.items())}.",
        f"Pinned: {', '.join(f'{k}={v}' for k, v in pinned.items())}.",
        "",
        "core: `scaled_dot_product_attention` + VJP on (B, h, N, d) vs `F.scaled_dot_product_attention` +",
        "`torch.autograd.grad`; layer: `MultiheadAttention` forward + backward vs `nn.MultiheadAttention`",
        "(need_weights=False) + autograd. Ratio: specref / torch (< 1: specref faster). Agreement: max normwise",
        "difference of y and the input gradient (first round).",
        "",
        "| part | N | dtype | specref ms | torch ms | specref/torch | agreement |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        t = r["times_s"]
        lines.append(f"| {r['part']} | {r['N']} | {r['dtype']} | {1e3 * t['specref']:.1f} | {1e3 * t['torch']:.1f} "
                     f"| {r['ratio_torch']:.2f} | {r['agreement']:.0e} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
