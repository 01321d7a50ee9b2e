"""Benchmark: peak memory of a GFNet encoder's forward+backward against its floor, the arrays its ctx keeps.

The floor is what any forward+backward of the same math must hold between the two passes: the sum of
``nbytes`` of the distinct arrays the forward's ctx tree keeps (:func:`specref.bench.memory.context_bytes`).
The peak is the rise of the process's resident set during one forward+backward after a warm-up call
(:func:`specref.bench.memory.peak_rss`, glibc's malloc first set to return every large block to the kernel,
:func:`specref.bench.memory.strict_allocator`), with tracemalloc's peak of NumPy's own allocations beside it.
Goal (issue 20): peak <= 1.5 x floor.

Sizes: issue 20's 12-layer GFNet encoder, N = 1024, D = 768, B = 8, float32 (``--small``: 2 layers, N = 128,
D = 64, B = 2, the configuration CI runs). Run in either venv:

    .venv/bin/python benchmarks/memory_models.py            # the full size (~6 GB floor, ~a minute)
    .venv/bin/python benchmarks/memory_models.py --small    # CI

Results: printed, and for the full size a JSON record in benchmarks/results/memory_models_<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
from pathlib import Path

import numpy as np

from specref.bench.memory import context_bytes, peak_rss, peak_traced, strict_allocator
from specref.models import GFNetEncoder

RESULTS = Path(__file__).resolve().parent / "results"
FULL = {"num_layers": 12, "N": 1024, "D": 768, "B": 8}
SMALL = {"num_layers": 2, "N": 128, "D": 64, "B": 2}
GOAL = 1.5


def measure(num_layers: int, N: int, D: int, B: int, dtype: str = "float32") -> dict:
    """Peak (RSS rise, tracemalloc) and floor of one forward+backward, in bytes, and their ratios."""
    model = GFNetEncoder(hidden_dim=D, num_layers=num_layers, max_sequence_length=N, dropout=0.0,
                         seed=0).astype(dtype)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, N, D)).astype(dtype)
    dy = rng.standard_normal((B, N, D)).astype(dtype)
    _, ctx = model.forward(x)
    floor = context_bytes(ctx)
    del ctx

    def forward_backward():
        _, c = model.forward(x)
        return model.backward(c, dy)

    returned = context_bytes(forward_backward())  # the warm-up; what the call hands back (dx and the grads)
    rss = peak_rss(forward_backward)
    traced = peak_traced(forward_backward)
    return {"config": {"num_layers": num_layers, "N": N, "D": D, "B": B, "dtype": dtype},
            "floor_bytes": floor, "returned_bytes": returned, "peak_rss_bytes": rss, "peak_traced_bytes": traced,
            "rss_over_floor": None if rss is None else rss / floor, "traced_over_floor": traced / floor,
            "goal": GOAL}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the small configuration (CI)")
    args = parser.parse_args(argv)
    strict = strict_allocator()
    result = measure(**(SMALL if args.small else FULL))
    result["strict_allocator"] = strict
    mib = 2.0**20
    cfg = result["config"]
    print(f"GFNetEncoder: {cfg['num_layers']} layers, B={cfg['B']} N={cfg['N']} D={cfg['D']} {cfg['dtype']}; "
          f"glibc strict allocator: {strict}")
    print(f"floor (ctx arrays): {result['floor_bytes'] / mib:.1f} MiB; returned (dx, grads): "
          f"{result['returned_bytes'] / mib:.1f} MiB")
    rss, ratio = result["peak_rss_bytes"], result["rss_over_floor"]
    rss_text = "n/a" if rss is None else f"{rss / mib:.1f} MiB ({ratio:.2f} x floor)"
    print(f"peak RSS rise: {rss_text}; tracemalloc peak: {result['peak_traced_bytes'] / mib:.1f} MiB "
          f"({result['traced_over_floor']:.2f} x floor); goal <= {GOAL}")
    if not args.small:
        result["machine"] = {"python": platform.python_version(), "numpy": np.__version__,
                             "processor": platform.processor() or platform.machine()}
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"memory_models_{_dt.date.today().isoformat()}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {path.relative_to(RESULTS.parents[1])}")
    return result


if __name__ == "__main__":
    main()
