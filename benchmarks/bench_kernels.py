"""Random-feature maps: specref's forward+VJP against torch CPU autograd and scikit-learn's RBFSampler.

For x of shape (B, N, d) in float64 and m features, the median time of

* **specref fwd+vjp**: ``phi = kernel.forward(x)`` then ``kernel.forward_vjp(dphi, x, phi)`` (hand-written VJP);
* **torch fwd+bwd**: spectrans's twin module (``.double()``, the same frequencies) on a leaf tensor,
  ``phi.backward(dphi)``: torch CPU autograd;
* **specref fwd** and **sklearn fwd**: the forward alone, against ``sklearn.kernel_approximation.RBFSampler``
  whose ``random_weights_``/``random_offset_`` are set to specref's ``omega``/``bias`` (same weights; it takes
  2-D input, so x is reshaped to (B N, d); RBFSampler has no gradient), for GaussianRFFKernel with cos features.

Kernels: ``GaussianRFFKernel`` (cos features, and cos+sin) and, when ``specref/kernels/rff_structured.py``
exists, ``RFFAttentionKernel`` (softmax features; spectrans's projection loaded). The outputs are checked to
agree (normwise, printed) before timing. Ratios are specref / peer (below 1: specref faster). Thread variables
are set from ``--threads`` before NumPy and torch load, torch.set_num_threads too, and the process is pinned
to that many cores. Run in the peer venv (torch, spectrans and scikit-learn; ``setup_peers.sh`` must install
scikit-learn):

    .venv-peers/bin/python benchmarks/bench_kernels.py --threads 1
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fwht import interleaved_medians, pin_threads  # noqa: E402  (stdlib-only module: safe before numpy)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--shape", type=int, nargs=3, default=[8, 512, 64], metavar=("B", "N", "D"))
    p.add_argument("--features", type=int, default=256)
    p.add_argument("--budget", type=float, default=3.0, help="seconds of timed runs per kernel")
    p.add_argument("--min-repeats", type=int, default=5)
    p.add_argument("--max-repeats", type=int, default=41)
    p.add_argument("--no-affinity", action="store_true")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument("--no-write", action="store_true")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    pinned = pin_threads(args.threads, not args.no_affinity)

    import numpy as np
    import sklearn
    import spectrans.kernels.rff as sk_rff
    import torch
    from sklearn.kernel_approximation import RBFSampler

    from specref.kernels.rff import GaussianRFFKernel
    from specref.testing.checks import error_report

    torch.set_num_threads(args.threads)
    b, n, d = args.shape
    m = args.features
    rng = np.random.default_rng(0)
    x = rng.standard_normal((b, n, d))
    tx = torch.tensor(x, requires_grad=True)
    rows = []

    def err(a, c):
        return float(error_report(np.asarray(a), np.asarray(c)).normwise)

    def run(name, ours, theirs, fwd_ours, fwd_theirs, extra=None):
        phi = ours.forward(x)
        dphi = rng.standard_normal(phi.shape)
        tdphi = torch.tensor(dphi)
        agree = err(phi, theirs(tx).detach().numpy())

        def specref_fwd_vjp():
            p = ours.forward(x)
            ours.forward_vjp(dphi, x, p)

        def torch_fwd_bwd():
            tx.grad = None
            theirs(tx).backward(tdphi)

        fns = {"specref fwd+vjp": specref_fwd_vjp, "torch fwd+bwd": torch_fwd_bwd,
               "specref fwd": fwd_ours, "torch fwd": fwd_theirs}
        if extra:
            fns.update(extra)
        med, spread, reps = interleaved_medians(fns, budget=args.budget, min_repeats=args.min_repeats,
                                                max_repeats=args.max_repeats)
        row = {"kernel": name, "repeats": reps, "agreement_vs_torch": agree,
               "median_s": med, "iqr_rel": spread,
               "ratio_fwd_vjp_vs_torch": med["specref fwd+vjp"] / med["torch fwd+bwd"],
               "ratio_fwd_vs_torch": med["specref fwd"] / med["torch fwd"]}
        if "sklearn fwd" in med:
            row["ratio_fwd_vs_sklearn"] = med["specref fwd"] / med["sklearn fwd"]
        rows.append(row)
        print(json.dumps(row, indent=1))

    for use_cos_sin in (False, True):
        torch.manual_seed(0)
        theirs = sk_rff.GaussianRFFKernel(d, m, sigma=1.0, use_cos_sin=use_cos_sin).double()
        ours = GaussianRFFKernel.from_state_dict(theirs.state_dict(), input_dim=d, num_features=m,
                                                 use_cos_sin=use_cos_sin)
        extra = None
        if not use_cos_sin:
            sampler = RBFSampler(gamma=0.5, n_components=m, random_state=0).fit(x[0, :2])
            sampler.random_weights_ = np.array(ours.omega)
            sampler.random_offset_ = np.array(ours.bias)
            x2 = x.reshape(-1, d)
            agree_sk = err(ours.forward(x).reshape(-1, m), sampler.transform(x2))
            print(f"GaussianRFFKernel vs RBFSampler (same weights): normwise {agree_sk:.2e}")
            extra = {"sklearn fwd": lambda sampler=sampler, x2=x2: sampler.transform(x2)}
        run(f"GaussianRFFKernel(use_cos_sin={use_cos_sin})", ours, theirs,
            lambda ours=ours: ours.forward(x), _no_grad(torch, lambda theirs=theirs: theirs(torch.tensor(x))), extra)
        if extra:
            rows[-1]["agreement_vs_sklearn"] = agree_sk

    structured = Path(__file__).resolve().parents[1] / "specref" / "kernels" / "attention_features.py"
    if structured.exists():
        from specref.kernels.attention_features import RFFAttentionKernel

        torch.manual_seed(0)
        theirs = sk_rff.RFFAttentionKernel(d, m, kernel_type="softmax", use_orthogonal=True).double()
        ours = RFFAttentionKernel.from_state_dict(theirs.state_dict(), input_dim=d, num_features=m,
                                                  kernel_type="softmax", use_orthogonal=True)
        # the q/k scaling d^(-1/4) of attention keeps exp() in range, as a layer applies it
        x = x / np.sqrt(np.sqrt(d))
        tx = torch.tensor(x, requires_grad=True)
        run("RFFAttentionKernel(softmax)", ours, theirs, lambda: ours.forward(x),
            _no_grad(torch, lambda: theirs(torch.tensor(x))))

    env = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
           "sklearn": sklearn.__version__, "machine": platform.machine(), "threads": pinned,
           "shape": [b, n, d], "features": m, "dtype": "float64"}
    lines = [f"# Random-feature maps, {_dt.date.today()}, threads {args.threads}", "",
             f"x {b}x{n}x{d} float64, m = {m} frequencies; environment: {json.dumps(env)}", "",
             "| kernel | specref fwd+vjp / torch fwd+bwd | specref fwd / torch fwd | specref fwd / sklearn fwd "
             "| specref fwd+vjp (ms) | torch fwd+bwd (ms) | agreement |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        sk = f"{r['ratio_fwd_vs_sklearn']:.2f}" if "ratio_fwd_vs_sklearn" in r else "-"
        lines.append(f"| {r['kernel']} | {r['ratio_fwd_vjp_vs_torch']:.2f} | {r['ratio_fwd_vs_torch']:.2f} | {sk} | "
                     f"{1e3 * r['median_s']['specref fwd+vjp']:.2f} | {1e3 * r['median_s']['torch fwd+bwd']:.2f} | "
                     f"{r['agreement_vs_torch']:.1e} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = args.out / f"kernels_{_dt.date.today()}_t{args.threads}"
        stem.with_suffix(".md").write_text(text, encoding="utf-8")
        stem.with_suffix(".json").write_text(json.dumps({"env": env, "rows": rows}, indent=1), encoding="utf-8")
    return 0


def _no_grad(torch, fn):
    def wrapped():
        with torch.no_grad():
            return fn()

    return wrapped


if __name__ == "__main__":
    sys.exit(main())
