"""Benchmark: forward + backward of specref's SpectralAttention against spectrans (torch CPU autograd) and JAX.

Two parts, on the same inputs in the same process:

* **layer** (B = 8, h = 8, D = 256, N in {512, 4096}, float32 and float64): specref's ``SpectralAttention``
  with ``variant="spectrans"`` (loaded from the spectrans module's state_dict, so the three compute the same
  math) and with ``variant="specref"`` (stabilised FAVOR+, the default), forward + backward (every parameter's
  gradient), against spectrans's ``SpectralAttention`` under ``torch.autograd.grad`` and the same math as
  spectrans's under ``jax.jit(jax.vjp)`` (:func:`jax_spectral_attention`). Ratios: specref / peer (< 1:
  specref faster); the outputs of the first round are compared (normwise, printed).
* **sweep** (B = 1, h = 1, D = 64, N = 2^9 .. 2^14): specref's ``SpectralAttention`` (variant "specref")
  forward + backward and the exact reference (``scaled_dot_product_attention`` + its VJP, up to 2^13), with
  the log-log slope of time against N fitted over the sizes (linear cost: about 1; quadratic: about 2).

Threads: ``--threads 1`` pins every library and the CPU affinity to one core before numpy, torch and jax
load (pin_threads of bench_mixing_layers.py); ``--threads 0`` leaves the defaults. Settings are printed.

    .venv-peers/bin/python benchmarks/bench_feature_attention.py --threads 1
    .venv-peers/bin/python benchmarks/bench_feature_attention.py --threads 0

Results: benchmarks/results/feature_attention_<date>_t<threads>.{md,json}.
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
from bench_mixing_layers import fwd_bwd_runners, pin_threads, pin_torch, rounds  # noqa: E402  (the house's pinning and rounds)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="threads for every engine; 0 = the defaults (default 1)")
    p.add_argument("--sizes", type=int, nargs="+", default=[512, 4096], help="N of the layer part")
    p.add_argument("--sweep", type=int, nargs="+", default=[2 ** i for i in range(9, 15)], help="N of the sweep")
    p.add_argument("--exact-max", type=int, default=2 ** 13, help="largest N of the exact reference in the sweep")
    p.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    p.add_argument("--repeats", type=int, default=5, help="timed rounds (median reported)")
    p.add_argument("--no-affinity", action="store_true", help="keep the CPU affinity as it is")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument("--no-write", action="store_true", help="print only")
    return p.parse_args(argv)


def jax_spectral_attention(jnp, params, x, h):
    """spectrans's SpectralAttention('softmax') in JAX: projections, heads, phi = exp(qP - |q|^2/2)/sqrt(m),
    linear attention with the 1e-6 normaliser, output projection."""
    b, n, e = x.shape
    d = e // h

    def lin(name, a):
        return a @ params[f"{name}.weight"].T + params[f"{name}.bias"]

    def heads(a):
        return a.reshape(b, n, h, d).transpose(0, 2, 1, 3)

    q, k, v = (heads(lin(f"{c}_proj", x)) for c in "qkv")
    p = params["kernel.projection"]
    m = p.shape[1]

    def phi(a):
        return jnp.exp(a @ p - 0.5 * jnp.sum(a * a, axis=-1, keepdims=True)) / math.sqrt(m)

    fq, fk = phi(q), phi(k)
    o = (fq @ (jnp.swapaxes(fk, -1, -2) @ v)) / (fq @ jnp.sum(fk, axis=-2)[..., None] + 1e-6)
    return lin("out_proj", o.transpose(0, 2, 1, 3).reshape(b, n, e))


def make_layer(np, torch, jax, jnp, n, dtype):
    """The layer part's callables: specref (both variants), spectrans under torch autograd, JAX."""
    import spectrans.layers.attention.spectral as sa

    from specref.layers.attention import SpectralAttention

    torch.manual_seed(0)
    module = sa.SpectralAttention(256, 8).to(getattr(torch, dtype))
    state = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    ours = SpectralAttention.from_state_dict(state, hidden_dim=256, num_heads=8)  # variant="spectrans"
    favor = SpectralAttention(256, 8, seed=0).astype(dtype)
    gen = np.random.default_rng(0)
    x, dy = (gen.standard_normal((8, n, 256)).astype(dtype) for _ in range(2))

    run_ours, run_torch = fwd_bwd_runners(torch, ours, module, x, dy)
    run_favor = fwd_bwd_runners(torch, favor, module, x, dy)[0]
    jparams = {k: jnp.asarray(v) for k, v in state.items()}
    jvjp = jax.jit(lambda p, a, g: (lambda out: (out[0], out[1](g)))(
        jax.vjp(lambda pp, aa: jax_spectral_attention(jnp, pp, aa, 8), p, a)))
    jx, jdy = jnp.asarray(x), jnp.asarray(dy)

    def run_jax():
        y, (dp, dxx) = jvjp(jparams, jx, jdy)
        y.block_until_ready()
        return np.asarray(y), np.asarray(dxx)

    return {"specref": run_ours, "specref_favor": run_favor, "torch": run_torch, "jax": run_jax}


def make_sweep(np, n, exact: bool):
    import specref.ops.attention as ops
    from specref.layers.attention import SpectralAttention

    layer = SpectralAttention(64, 1, seed=0)
    gen = np.random.default_rng(0)
    x, dy = (gen.standard_normal((1, n, 64)) for _ in range(2))
    q, k, v = (gen.standard_normal((1, 1, n, 64)) for _ in range(3))

    def run_linear():
        y, ctx = layer.forward(x)
        return layer.backward(ctx, dy)[0]

    def run_exact():
        y = ops.scaled_dot_product_attention(q, k, v)
        return ops.scaled_dot_product_attention_vjp(dy[None], q, k, v, y)[0]

    return {"linear": run_linear, **({"exact": run_exact} if exact else {})}


def slope(ns, ts) -> float:
    import numpy as np

    return float(np.polyfit(np.log(ns), np.log(ts), 1)[0])


def main(argv=None) -> int:
    args = parse_args(argv)
    pinned = pin_threads(args.threads, not args.no_affinity) if args.threads > 0 else {"threads": "defaults"}

    import jax
    import jax.numpy as jnp
    import numpy as np
    import torch

    jax.config.update("jax_enable_x64", True)
    pinned["torch.get_num_threads()"] = pin_torch(torch, args.threads)
    from specref.testing.checks import error_report

    env = {"python": platform.python_version(), "machine": platform.machine(), "numpy": np.__version__,
           "torch": torch.__version__, "jax": jax.__version__, "cpus": os.cpu_count(),
           "load average": os.getloadavg()[0]}
    print("pinned:", json.dumps(pinned))
    print("environment:", json.dumps(env))
    start = time.perf_counter()
    layer_rows, sweep_rows = [], []
    for n in args.sizes:
        for dtype in args.dtypes:
            fns = make_layer(np, torch, jax, jnp, n, dtype)
            for fn in fns.values():
                fn()
            med, counts, first = rounds(fns, repeats=args.repeats, quick=False, budget=math.inf)
            agree = {peer: max(error_report(first[peer][i], first["specref"][i]).normwise for i in (0, 1))
                     for peer in ("torch", "jax")}
            row = {"N": n, "dtype": dtype, "times_s": med, "agreement": agree,
                   "ratio_torch": med["specref"] / med["torch"], "ratio_jax": med["specref"] / med["jax"],
                   "favor_ratio_torch": med["specref_favor"] / med["torch"]}
            layer_rows.append(row)
            print(f"layer N={n} {dtype}: " + ", ".join(f"{k} {1e3 * v:.1f} ms" for k, v in med.items())
                  + f" | specref/torch {row['ratio_torch']:.2f}, specref/jax {row['ratio_jax']:.2f}, "
                  f"favor/torch {row['favor_ratio_torch']:.2f} | agreement {agree}", flush=True)
            del fns, first
    for n in args.sweep:
        fns = make_sweep(np, n, n <= args.exact_max)
        for fn in fns.values():
            fn()
        med, _, _ = rounds(fns, repeats=max(1, args.repeats // 2), quick=False, budget=math.inf)
        sweep_rows.append({"N": n, "times_s": med})
        print(f"sweep N={n}: " + ", ".join(f"{k} {1e3 * v:.1f} ms" for k, v in med.items()), flush=True)
    slopes = {kind: slope([r["N"] for r in sweep_rows if kind in r["times_s"]],
                          [r["times_s"][kind] for r in sweep_rows if kind in r["times_s"]])
              for kind in ("linear", "exact")}
    took = time.perf_counter() - start
    table = render(layer_rows, sweep_rows, slopes, args, pinned, env, took)
    print()
    print(table)
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = f"feature_attention_{_dt.date.today().isoformat()}_t{args.threads}"
        (args.out / f"{stem}.md").write_text(table, encoding="utf-8")
        (args.out / f"{stem}.json").write_text(json.dumps(
            {"args": {k: str(v) for k, v in vars(args).items()}, "pinned": pinned, "environment": env,
             "layer": layer_rows, "sweep": sweep_rows, "slopes": slopes, "total_s": took}, indent=1),
            encoding="utf-8")
        print(f"written: {args.out / stem}.md, .json")
    return 0


def render(layer_rows, sweep_rows, slopes, args, pinned, env, took) -> str:
    threads = "defaults (unpinned)" if args.threads == 0 else str(args.threads)
    lines = [
        "# SpectralAttention: forward + backward, specref vs spectrans (torch CPU autograd) and JAX",
        "",
        f"Layer: B = 8, h = 8, D = 256 (head dim 32, m = 32 features); threads = {threads}; {args.repeats} "
        f"rounds (medians); run {_dt.date.today().isoformat()}, {took:.0f} s in all.",
        f"Environment: {', '.join(f'{k} {v}' for k, v in env.items())}.",
        f"Pinned: {', '.join(f'{k}={v}' for k, v in pinned.items())}.",
        "",
        "specref: `SpectralAttention(variant='spectrans')` loaded from the spectrans module (the same math as the",
        "peers); favor: the default `variant='specref'` (stabilised FAVOR+). Ratios specref / peer (< 1: specref",
        "faster; goal <= 0.8). Agreement: normwise difference of y and dx (first round).",
        "",
        "| N | dtype | specref ms | favor ms | torch ms | jax ms | specref/torch | specref/jax | favor/torch "
        "| agreement torch, jax |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in layer_rows:
        t = r["times_s"]
        lines.append(f"| {r['N']} | {r['dtype']} | {1e3 * t['specref']:.1f} | {1e3 * t['specref_favor']:.1f} | "
                     f"{1e3 * t['torch']:.1f} | {1e3 * t['jax']:.1f} | {r['ratio_torch']:.2f} | {r['ratio_jax']:.2f} "
                     f"| {r['favor_ratio_torch']:.2f} | {r['agreement']['torch']:.0e}, {r['agreement']['jax']:.0e} |")
    lines += ["", "Sweep (B = 1, h = 1, D = 64, float64): time against N, and the log-log slope.", "",
              "| N | SpectralAttention ms | exact sdpa + VJP ms |", "| --- | --- | --- |"]
    for r in sweep_rows:
        t = r["times_s"]
        exact = f"{1e3 * t['exact']:.1f}" if "exact" in t else "-"
        lines.append(f"| {r['N']} | {1e3 * t['linear']:.1f} | {exact} |")
    lines += ["", f"Slopes: SpectralAttention {slopes['linear']:.2f} (goal <= 1.15), exact {slopes['exact']:.2f}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
