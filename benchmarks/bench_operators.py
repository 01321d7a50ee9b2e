r"""Benchmark: forward + backward of specref's neural operators against spectrans (torch CPU autograd) and JAX.

Rows, on the same inputs and weights in the same process (the weights: spectrans's module's, loaded into
specref with ``from_state_dict``; JAX gets the same arrays):

* **conv1d**: ``SpectralConv1d`` (B = 8, C_in = C_out = 64, N = 1024, modes = 16), input (B, C, N);
* **fno1d**: ``FourierNeuralOperator(64, modes=16)`` (GELU), input (B, N, C) = (8, 1024, 64);
* **conv2d**: ``SpectralConv2d`` (B = 4, C = 32, 128 x 128, modes = (16, 16));
* **fno2d**: ``FourierNeuralOperator(32, modes=(16, 16))``, input (4, 128, 128, 32).

Each is timed three ways: specref's ``forward`` + hand-written ``backward`` (every parameter's gradient),
spectrans's module under ``torch.autograd.grad(y, (x, *params), dy)``, and the same math in JAX
(``rfft``/``irfft``, the mode-wise ``einsum``, the 1x1 convolution, exact GELU) under
``jax.jit(jax.vjp)`` (compiled before timing). The implementations run in interleaved rounds after one untimed
call each, the median is reported (``rounds`` of bench_mixing_layers.py), and the outputs of the first round
are compared (normwise difference of y and of the input gradient against spectrans's). Ratios are specref /
peer (< 1: specref faster; the issue's goal is <= 0.8).

The sweep (``--sweep``): specref's ``SpectralConv1d`` forward + backward at B = 8, C = 64, modes = 16 over
N = 256 ... 16384, and the least-squares slope of log(time) against log(N): the FFTs cost O(N log N) and the
mode-wise mixing O(modes), so the slope is about 1.0-1.1 once the FFTs dominate.

Threads: ``--threads 1`` pins every library and the CPU affinity to one core before numpy, torch and jax load
(pin_threads of bench_mixing_layers.py); ``--threads 0`` leaves the defaults.

    .venv-peers/bin/python benchmarks/bench_operators.py --threads 1 --sweep
    .venv-peers/bin/python benchmarks/bench_operators.py --threads 0
    .venv-peers/bin/python benchmarks/bench_operators.py --threads 1 --parts conv1d --repeats 2 --no-write

Results: benchmarks/results/operators_<date>_t<threads>.{md,json} (t0: default threads).
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
from bench_mixing_layers import fwd_bwd_runners, pin_threads, pin_torch, rounds  # noqa: E402  (the house's thread pinning and rounds)

PARTS = {  # part -> (spectrans class, constructor, input shape)
    "conv1d": ("SpectralConv1d", {"in_channels": 64, "out_channels": 64, "modes": 16}, (8, 64, 1024)),
    "fno1d": ("FourierNeuralOperator", {"hidden_dim": 64, "modes": 16}, (8, 1024, 64)),
    "conv2d": ("SpectralConv2d", {"in_channels": 32, "out_channels": 32, "modes": (16, 16)}, (4, 32, 128, 128)),
    "fno2d": ("FourierNeuralOperator", {"hidden_dim": 32, "modes": (16, 16)}, (4, 128, 128, 32)),
}
SWEEP = (256, 512, 1024, 2048, 4096, 8192, 16384)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="threads for every engine; 0 = the defaults (default 1)")
    p.add_argument("--parts", nargs="+", default=list(PARTS), choices=list(PARTS))
    p.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    p.add_argument("--repeats", type=int, default=5, help="timed rounds (median reported)")
    p.add_argument("--sweep", action="store_true", help="also the sweep over N (specref's SpectralConv1d)")
    p.add_argument("--no-jax", action="store_true")
    p.add_argument("--no-affinity", action="store_true", help="keep the CPU affinity as it is")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument("--no-write", action="store_true", help="print only")
    return p.parse_args(argv)


# ----------------------------------------------------------------------------------------------------------
# the math in JAX


def jax_forward(jnp, jax, name, cfg):
    """``f(x, params)``: spectrans's forward written in JAX (params named as spectrans's state_dict)."""

    def conv(x, w, modes):
        wc = w[..., 0] + 1j * w[..., 1]
        if isinstance(modes, int):
            spec = jnp.fft.rfft(x, axis=-1)
            mixed = jnp.einsum("...ik,iok->...ok", spec[..., :modes], wc)
            pad = [(0, 0)] * (mixed.ndim - 1) + [(0, spec.shape[-1] - modes)]
            return jnp.fft.irfft(jnp.pad(mixed, pad), n=x.shape[-1], axis=-1)
        m1, m2 = modes
        spec = jnp.fft.rfft2(x, axes=(-2, -1))
        mixed = jnp.einsum("...ihw,iohw->...ohw", spec[..., :m1, :m2], wc)
        pad = [(0, 0)] * (mixed.ndim - 2) + [(0, spec.shape[-2] - m1), (0, spec.shape[-1] - m2)]
        return jnp.fft.irfft2(jnp.pad(mixed, pad), s=x.shape[-2:], axes=(-2, -1))

    if name.startswith("SpectralConv"):
        return lambda x, p: conv(x, p["weights"], cfg["modes"])

    def fno(x, p):
        xc = jnp.moveaxis(x, -1, 1)  # channels first
        w = p["linear.weight"].reshape(p["linear.weight"].shape[:2])
        lin = jnp.einsum("oi,bi...->bo...", w, xc) + p["linear.bias"].reshape((-1,) + (1,) * (xc.ndim - 2))
        out = jax.nn.gelu(conv(xc, p["spectral_conv.weights"], cfg["modes"]) + lin, approximate=False)
        return jnp.moveaxis(out, 1, -1)

    return fno


def make_part(np, torch, jax, jnp, part, dtype, use_jax):
    """The three callables of one row: specref, spectrans (torch autograd), JAX (jit of the vjp)."""
    import spectrans.layers.operators.fno as so

    import specref.layers.operators.fno as rf
    import specref.layers.operators.spectral_conv as rc

    name, cfg, shape = PARTS[part]
    torch.manual_seed(0)
    module = getattr(so, name)(**cfg).to(getattr(torch, dtype))
    state = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    cls = getattr(rc if name.startswith("SpectralConv") else rf, name)
    layer = cls.from_state_dict(state, **cfg)
    gen = np.random.default_rng(0)
    x, dy = (gen.standard_normal(shape).astype(dtype) for _ in range(2))

    run_specref, run_torch = fwd_bwd_runners(torch, layer, module, x, dy)
    fns = {"specref": run_specref, "spectrans": run_torch}
    if use_jax:
        f = jax_forward(jnp, jax, name, cfg)

        @jax.jit
        def step(xj, pj, dyj):
            y, pull = jax.vjp(f, xj, pj)
            return y, pull(dyj)

        xj, dyj = jnp.asarray(x), jnp.asarray(dy)
        pj = {k: jnp.asarray(v) for k, v in state.items()}
        jax.block_until_ready(step(xj, pj, dyj))  # compile outside the timing

        def run_jax():
            y, (dxj, _dp) = jax.block_until_ready(step(xj, pj, dyj))
            return np.asarray(y), np.asarray(dxj)

        fns["jax"] = run_jax
    return fns


def sweep(np, repeats):
    """specref's SpectralConv1d forward + backward over N; the log-log slope of the medians."""
    from specref.layers.operators.spectral_conv import SpectralConv1d

    layer = SpectralConv1d(64, 64, 16)
    times = []
    for n in SWEEP:
        x, dy = (np.random.default_rng(n).standard_normal((8, 64, n)) for _ in range(2))

        def run(x=x, dy=dy):
            y, ctx = layer.forward(x)
            return layer.backward(ctx, dy)

        run()
        med, _, _ = rounds({"specref": run}, repeats=repeats, quick=False, budget=math.inf)
        times.append(med["specref"])
        print(f"sweep N={n}: {1e3 * med['specref']:.2f} ms", flush=True)
    slope = float(np.polyfit(np.log(SWEEP), np.log(times), 1)[0])
    return {"N": list(SWEEP), "times_s": times, "slope": slope}


def main(argv=None) -> int:
    args = parse_args(argv)
    pinned = {"threads": "defaults"} if args.threads <= 0 else pin_threads(args.threads, not args.no_affinity)
    import numpy as np  # after the pinning: the thread variables are read at import
    import torch

    pinned["torch.get_num_threads()"] = pin_torch(torch, args.threads)
    jax = jnp = None
    if not args.no_jax:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

    from specref.testing.checks import error_report

    env = {"python": platform.python_version(), "machine": platform.machine(), "numpy": np.__version__,
           "torch": torch.__version__, "jax": getattr(jax, "__version__", "-"), "cpus": os.cpu_count(),
           "load average": os.getloadavg()[0]}
    print(f"pinned: {json.dumps(pinned)}\nenvironment: {json.dumps(env)}")
    rows, start = [], time.perf_counter()
    for part in args.parts:
        for dtype in args.dtypes:
            fns = make_part(np, torch, jax, jnp, part, dtype, not args.no_jax)
            for fn in fns.values():  # untimed first call
                fn()
            med, counts, first = rounds(fns, repeats=args.repeats, quick=False, budget=math.inf)
            agree = {k: max(error_report(first["spectrans"][i], first[k][i]).normwise for i in (0, 1))
                     for k in first if k != "spectrans"}
            del first
            row = {"part": part, "shape": list(PARTS[part][2]), "dtype": dtype, "times_s": med, "rounds": counts,
                   "agreement": agree, "ratio_spectrans": med["specref"] / med["spectrans"],
                   "ratio_jax": med["specref"] / med["jax"] if "jax" in med else None}
            rows.append(row)
            print(format_row(row), flush=True)
            del fns
    swept = sweep(np, max(2, args.repeats)) if args.sweep else None
    if swept:
        print(f"sweep slope (log time vs log N): {swept['slope']:.2f}")
    took = time.perf_counter() - start
    table = render(rows, swept, args, pinned, env, took)
    print()
    print(table)
    if not args.no_write and (rows or swept):
        args.out.mkdir(parents=True, exist_ok=True)
        stem = f"operators_{_dt.date.today().isoformat()}_t{args.threads}"
        (args.out / f"{stem}.md").write_text(table, encoding="utf-8")
        (args.out / f"{stem}.json").write_text(json.dumps(
            {"args": {k: str(v) for k, v in vars(args).items()}, "pinned": pinned, "environment": env,
             "rows": rows, "sweep": swept, "total_s": took}, indent=1), encoding="utf-8")
        print(f"written: {args.out / stem}.md, .json")
    return 0


def _fmt(r) -> str:
    return "-" if r is None else f"{r:.2f}"


def format_row(row) -> str:
    t = row["times_s"]
    jax_ms = f"  jax {1e3 * t['jax']:8.1f} ms" if "jax" in t else ""
    return (f"{row['part']:6s} {'x'.join(map(str, row['shape']))} {row['dtype']}: specref {1e3 * t['specref']:8.1f} ms"
            f"  spectrans {1e3 * t['spectrans']:8.1f} ms{jax_ms} | /spectrans {row['ratio_spectrans']:.2f} /jax "
            f"{_fmt(row['ratio_jax'])} | agreement " + ", ".join(f"{k} {v:.1e}" for k, v in row["agreement"].items()))


def render(rows, swept, args, pinned, env, took) -> str:
    threads = "defaults (unpinned)" if args.threads == 0 else str(args.threads)
    lines = [
        "# Neural operators: forward + backward, specref vs spectrans (torch CPU autograd) and JAX (jit of vjp)",
        "",
        f"threads = {threads}, {args.repeats} rounds (medians), run {_dt.date.today().isoformat()}, "
        f"{took:.0f} s in all.",
        f"Environment: {', '.join(f'{k} {v}' for k, v in env.items())}.",
        f"Pinned: {', '.join(f'{k}={v}' for k, v in pinned.items())}.",
        "",
        "conv1d: SpectralConv1d (8, 64, 1024), modes 16; fno1d: FourierNeuralOperator(64, modes=16) on (8, 1024, 64);",
        "conv2d: SpectralConv2d (4, 32, 128, 128), modes (16, 16); fno2d: FourierNeuralOperator(32, (16, 16)) on",
        "(4, 128, 128, 32). Ratios: specref / peer (< 1: specref faster; goal <= 0.8). Agreement: max normwise",
        "difference of y and the input gradient against spectrans (first round).",
        "",
        "| part | dtype | specref ms | spectrans ms | jax ms | specref/spectrans | specref/jax | agreement |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        t = r["times_s"]
        jax_ms = f"{1e3 * t['jax']:.1f}" if "jax" in t else "-"
        agree = ", ".join(f"{k} {v:.0e}" for k, v in r["agreement"].items())
        lines.append(f"| {r['part']} | {r['dtype']} | {1e3 * t['specref']:.1f} | {1e3 * t['spectrans']:.1f} | "
                     f"{jax_ms} | {r['ratio_spectrans']:.2f} | {_fmt(r['ratio_jax'])} | {agree} |")
    if swept:
        lines += ["", "Sweep: specref SpectralConv1d forward + backward, B = 8, C = 64, modes = 16, float64.", "",
                  "| N | " + " | ".join(map(str, swept["N"])) + " |",
                  "| --- |" + " --- |" * len(swept["N"]),
                  "| ms | " + " | ".join(f"{1e3 * t:.2f}" for t in swept["times_s"]) + " |", "",
                  f"Fitted log-log slope: {swept['slope']:.2f} (O(N log N): about 1.0-1.1)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
