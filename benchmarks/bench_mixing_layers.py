"""Benchmark: forward + backward of specref's mixing layers against spectrans (torch autograd) and JAX.

For every mixing layer (FourierMixing, FourierMixing1D, RealFourierMixing, SeparableFourierMixing,
GlobalFilterMixing, GlobalFilterMixing2D, AdaptiveGlobalFilter, AFNOMixing), on the same inputs in the same
process:

* specref: ``y, ctx = layer.forward(x)`` then ``dx, grads = layer.backward(ctx, dy)``, the layer loaded from
  the spectrans module's state_dict;
* torch: the spectrans 0.1.0 module under CPU autograd, ``torch.autograd.grad(y, (x, *params), dy)``;
  RealFourierMixing runs spectrans's ``use_real_fft=False`` path (Re fft2, the map specref computes: with
  ``use_real_fft=True`` spectrans returns its input, validation/findings/spectrans_real_fourier_identity.md);
  AFNOMixing has no float64 peer (spectrans computes in float32 only);
* jax: the same math written in JAX (``specref/bench/jax_math.py``) under ``jax.jit`` of ``jax.vjp``.

Inference mode (no dropout), norm "ortho", random real x and cotangent dy of shape (B, N, D); global filters
with sequence_length = N (no interpolation), AFNO with max_sequence_length = N and modes_seq = modes_hidden
= 32 (its default modes would make the dense MLP over all modes ~19 GB at N = 2048, D = 768).

The implementations run in interleaved rounds (each once per round, in the same order) after an untimed
first call (JAX's compilation; with ``--quick`` only JAX gets one), and the median per implementation is
reported. The outputs of the first round are compared with specref's (normwise max|a - b| / max|b| of y and
dx, printed): the timing is of agreeing code. The report gives the medians and
the ratios specref/torch and specref/jax (< 1: specref faster). Goals: <= 0.8 against both for the FFT
mixers and global filters, <= 1.0 for AFNO. Threads are pinned before numpy/torch/jax load (``--threads``,
default 1) and printed.

    .venv-peers/bin/python benchmarks/bench_mixing_layers.py --quick          # ~5 minutes on 2 cores
    .venv-peers/bin/python benchmarks/bench_mixing_layers.py --threads 2 --repeats 7
    .venv-peers/bin/python benchmarks/bench_mixing_layers.py --layers FourierMixing AFNOMixing --sizes 512

Results: benchmarks/results/mixing_layers_<date>_t<threads>[_quick].{md,json}.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

LAYERS = (
    "FourierMixing",
    "FourierMixing1D",
    "RealFourierMixing",
    "SeparableFourierMixing",
    "GlobalFilterMixing",
    "GlobalFilterMixing2D",
    "AdaptiveGlobalFilter",
    "AFNOMixing",
)
MODULE_OF = {
    "AFNOMixing": "afno",
    "GlobalFilterMixing": "global_filter",
    "GlobalFilterMixing2D": "global_filter",
    "AdaptiveGlobalFilter": "global_filter",
}
GOAL = {name: (1.0 if name == "AFNOMixing" else 0.8) for name in LAYERS}
AFNO_MODES = 32


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="threads for every engine (default 1)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--sizes", type=int, nargs="+", default=[512, 2048], help="sequence lengths N")
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 768], help="hidden sizes D")
    p.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    p.add_argument("--layers", nargs="+", default=list(LAYERS), choices=LAYERS)
    p.add_argument("--repeats", type=int, default=5, help="timed rounds (median reported)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="up to 3 rounds, none after --budget seconds; no untimed first call except JAX's",
    )
    p.add_argument("--budget", type=float, default=2.0, help="--quick: seconds of rounds per measurement")
    p.add_argument("--peers", nargs="+", default=["torch", "jax"], choices=["torch", "jax"])
    p.add_argument("--no-affinity", action="store_true", help="keep the CPU affinity as it is")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument("--no-write", action="store_true", help="print only")
    return p.parse_args(argv)


def pin_torch(torch, threads: int) -> int:
    """torch's intra- and inter-op threads set to ``threads`` (0: torch's defaults kept); return
    ``torch.get_num_threads()``. torch sets its interop threads once per process, so a second call keeps them."""
    if threads > 0:
        torch.set_num_threads(threads)
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(threads)
    return torch.get_num_threads()


def fwd_bwd_runners(torch, layer, module, x, dy):
    """``(run_specref, run_torch)``: forward + backward of a specref layer and of a torch module (every
    parameter's gradient, ``torch.autograd.grad``) on ``x`` with cotangent ``dy``; each returns (y, dx) on the
    host, for the agreement check."""

    def run_specref():
        y, ctx = layer.forward(x)
        dx, _grads = layer.backward(ctx, dy)
        return y, dx

    tx, tdy = torch.tensor(x, requires_grad=True), torch.tensor(dy)
    params = list(module.parameters())

    def run_torch():
        y = module(tx)
        grads = torch.autograd.grad(y, [tx, *params], tdy)
        return y.detach().numpy(), grads[0].numpy()

    return run_specref, run_torch


def pin_threads(threads: int, affinity: bool) -> dict:
    """Set every thread knob before the numerical libraries load; return what was set."""
    pinned = {}
    for var in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "NUMBA_NUM_THREADS",
    ):
        os.environ[var] = pinned[var] = str(threads)
    xla = f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}"
    os.environ["XLA_FLAGS"] = pinned["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + xla).strip()
    if affinity and hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))[:threads]
        os.sched_setaffinity(0, cores)
        pinned["cpu_affinity"] = cores
    return pinned


def rounds(fns: dict, *, repeats: int, quick: bool, budget: float) -> tuple[dict, dict, dict]:
    """Median wall time of each zero-argument callable, run in interleaved rounds (each once per round).

    Returns the medians, the number of rounds, and each callable's output of the first round (for the
    agreement check). With ``quick``: at most 3 rounds, and no more once ``budget`` seconds have passed.
    """
    times = {name: [] for name in fns}
    first = {}
    start = time.perf_counter()
    for r in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            out = fn()
            times[name].append(time.perf_counter() - t0)
            if r == 0:
                first[name] = out
        if quick and (r + 1 >= 3 or time.perf_counter() - start > budget):
            break
    return (
        {name: statistics.median(t) for name, t in times.items()},
        {k: len(v) for k, v in times.items()},
        first,
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    pinned = pin_threads(args.threads, not args.no_affinity)

    import numpy as np
    import torch

    pinned["torch.get_num_threads()"] = pin_torch(torch, args.threads)
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import spectrans
    from spectrans.layers.mixing import afno as s_afno
    from spectrans.layers.mixing import fourier as s_fourier
    from spectrans.layers.mixing import global_filter as s_gf

    import specref
    from specref.bench import jax_math as jax_mixing
    from specref.testing.checks import error_report

    env = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "jax": jax.__version__,
        "spectrans": spectrans.__version__,
        "specref": specref.__version__ if hasattr(specref, "__version__") else "dev",
        "cpus": os.cpu_count(),
    }
    print("pinned:", json.dumps(pinned))
    print("environment:", json.dumps(env))

    def spectrans_module(name, n, d):
        torch.manual_seed(0)
        if name == "AFNOMixing":
            config = dict(hidden_dim=d, max_sequence_length=n, modes_seq=AFNO_MODES, modes_hidden=AFNO_MODES)
            module = s_afno.AFNOMixing(**config)  # modes clamped to N and D//2 + 1, as spectrans does
            return (
                module,
                config,
                dict(max_sequence_length=n, modes_seq=module.modes_seq, modes_hidden=module.modes_hidden),
            )
        if name in ("GlobalFilterMixing", "GlobalFilterMixing2D", "AdaptiveGlobalFilter"):
            config = dict(hidden_dim=d, sequence_length=n)
            return getattr(s_gf, name)(**config), config, {}
        config = dict(hidden_dim=d)
        peer_config = dict(config, use_real_fft=False) if name == "RealFourierMixing" else config
        return getattr(s_fourier, name)(**peer_config), config, {}

    rows = []
    total_start = time.perf_counter()
    for name in args.layers:
        try:
            mod = __import__(f"specref.layers.mixing.{MODULE_OF.get(name, 'fourier')}", fromlist=[name])
            cls = getattr(mod, name)
        except (ImportError, AttributeError) as exc:
            print(f"{name}: specref layer not available ({exc}); skipped")
            continue
        for n in args.sizes:
            for d in args.hidden:
                for dtype in args.dtypes:
                    module, config, jax_config = spectrans_module(name, n, d)
                    peer_ok = not (name == "AFNOMixing" and dtype == "float64")
                    if dtype == "float64" and peer_ok:
                        module = module.double()
                    module.eval()
                    layer = cls.from_state_dict(module.state_dict(), dtype=dtype, **config)
                    gen = np.random.default_rng(0)
                    x = gen.standard_normal((args.batch, n, d)).astype(dtype)
                    dy = gen.standard_normal((args.batch, n, d)).astype(dtype)

                    def run_specref(layer=layer, x=x, dy=dy):
                        y, ctx = layer.forward(x)
                        dx, grads = layer.backward(ctx, dy)
                        return y, dx

                    fns = {"specref": run_specref}
                    if "torch" in args.peers and peer_ok:
                        xt = torch.tensor(x, requires_grad=True)
                        dyt = torch.tensor(dy)
                        params = list(module.parameters())

                        def run_torch(module=module, xt=xt, dyt=dyt, params=params):
                            y = module(xt)
                            grads = torch.autograd.grad(y, [xt, *params], dyt)
                            return y.detach().numpy(), grads[0].numpy()

                        fns["torch"] = run_torch
                    if "jax" in args.peers:
                        step = jax_mixing.make_vjp(name, **jax_config)
                        xj, dyj = jnp.asarray(x), jnp.asarray(dy)
                        pj = {k: jnp.asarray(np.asarray(v)) for k, v in layer.params.items()}

                        def run_jax(step=step, xj=xj, pj=pj, dyj=dyj):
                            out = jax.block_until_ready(step(xj, pj, dyj))
                            return np.asarray(out[0]), np.asarray(out[1])

                        fns["jax"] = run_jax
                    # Untimed first calls: JAX's compilation always; every implementation's unless --quick
                    # (specref and torch compile nothing: their first call differs from later ones only by
                    # FFT plan caching, milliseconds against seconds at the large sizes).
                    for k, fn in fns.items():
                        if k == "jax" or not args.quick:
                            fn()
                    med, counts, first = rounds(
                        fns, repeats=args.repeats, quick=args.quick, budget=args.budget
                    )
                    agree = {}
                    for k in fns:
                        if k != "specref":
                            agree[k] = max(
                                error_report(first["specref"][0], first[k][0]).normwise,
                                error_report(first["specref"][1], first[k][1]).normwise,
                            )
                    del first
                    row = {
                        "layer": name,
                        "B": args.batch,
                        "N": n,
                        "D": d,
                        "dtype": dtype,
                        "times_s": med,
                        "rounds": counts,
                        "agreement": agree,
                        "ratio_torch": med["specref"] / med["torch"] if "torch" in med else None,
                        "ratio_jax": med["specref"] / med["jax"] if "jax" in med else None,
                        "goal": GOAL[name],
                    }
                    rows.append(row)
                    print(format_row(row), flush=True)
                    del fns, layer, module, x, dy
    took = time.perf_counter() - total_start
    table = render(rows, args, pinned, env, took)
    print()
    print(table)
    if not args.no_write and rows:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = f"mixing_layers_{_dt.date.today().isoformat()}_t{args.threads}" + (
            "_quick" if args.quick else ""
        )
        (args.out / f"{stem}.md").write_text(table, encoding="utf-8")
        (args.out / f"{stem}.json").write_text(
            json.dumps(
                {
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "pinned": pinned,
                    "environment": env,
                    "rows": rows,
                    "total_s": took,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        print(f"written: {args.out / stem}.md, .json")
    return 0


def _ratio(r, goal):
    if r is None:
        return "-"
    return f"{r:.2f} {'✓' if r <= goal else '✗'}"


def format_row(row) -> str:
    t = row["times_s"]
    ms = " ".join(f"{k} {1e3 * v:8.1f} ms" for k, v in t.items())
    agree = " ".join(f"{k} {v:.1e}" for k, v in row["agreement"].items())
    return (
        f"{row['layer']:23s} N={row['N']:5d} D={row['D']:4d} {row['dtype']}: {ms} | "
        f"specref/torch {_ratio(row['ratio_torch'], row['goal'])}  "
        f"specref/jax {_ratio(row['ratio_jax'], row['goal'])}"
        f" | agreement {agree}"
    )


def render(rows, args, pinned, env, took) -> str:
    lines = [
        "# Mixing layers: forward + backward, specref vs spectrans (torch autograd) and JAX (jit)",
        "",
        f"B = {args.batch}, threads = {args.threads} "
        f"({'quick: up to 3 rounds' if args.quick else f'{args.repeats} rounds'},"
        f" medians), run {_dt.date.today().isoformat()}, {took:.0f} s in all.",
        f"Environment: {', '.join(f'{k} {v}' for k, v in env.items())}.",
        f"Pinned: {', '.join(f'{k}={v}' for k, v in pinned.items())}.",
        "",
        "Ratios are specref's median time over the peer's (< 1: specref faster); ✓/✗ against the goal",
        "(0.8 for the FFT mixers and global filters, 1.0 for AFNO). Agreement: max normwise difference of",
        "y and dx to specref's (first round). '-': no such peer (spectrans AFNO has no float64 mode).",
        "RealFourierMixing's torch column is spectrans's `use_real_fft=False` path (Re fft2, specref's map).",
        "",
        "| layer | N | D | dtype | specref ms | torch ms | jax ms | specref/torch | specref/jax "
        "| agreement torch, jax |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        t = r["times_s"]
        ms = [f"{1e3 * t[k]:.1f}" if k in t else "-" for k in ("specref", "torch", "jax")]
        agree = ", ".join(
            f"{r['agreement'][k]:.0e}" if k in r["agreement"] else "-" for k in ("torch", "jax")
        )
        lines.append(
            f"| {r['layer']} | {r['N']} | {r['D']} | {r['dtype']} | {' | '.join(ms)} | "
            f"{_ratio(r['ratio_torch'], r['goal'])} | {_ratio(r['ratio_jax'], r['goal'])} | {agree} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
