"""Write docs/performance.md and its figures from the committed records in benchmarks/results/.

Reads the full (not ``--quick``) records of ``specref bench`` in benchmarks/results/, merged per kind (a later
record's row replaces an earlier one of the same component, size, dtype and mode): the timing runs at one
thread (``bench_<date>_t1[_<tag>].json``) and at the machine's cores (``bench_<date>_tall[_<tag>].json``), the
memory runs (``..._tall_memory[_<tag>].json``) and the sweep runs (``..._tall_sweep[_<tag>].json``), and writes the
ratio tables, the goal counts, the sweep table with one log-log figure per family, and the memory table with
its figure. The prose that explains the numbers is :data:`SUMMARY` below, kept beside the numbers it cites.
The docs build draws the figures (:func:`figures`, matplotlib) from the same records; no torch, no JAX.

Usage: python docs/scripts/performance.py  (after the runs that docs/performance.md names)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _plot import COLORS, bars, loglog  # noqa: E402  (docs/scripts is not a package)

from specref.bench.report import markdown_tables, sweep_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs"

SUMMARY = """\
Measured on a 2-core Skylake-X VM, 2026-12-03: specref on NumPy 2.4 and scipy.fft 1.17 (pocketfft), against
spectrans 0.1.0 on torch 2.13 CPU and the same math on JAX 0.10 (XLA). Ratios are specref/peer medians of the same
run; ranges below are over the grid (B = 8, N in {512, 2048}, D in {256, 768}, float32 and float64). Medians of
ratios, forward+backward, at one thread / at both cores:

- **FFT mixing layers (the seven FFT layers, 112 cells per setting): against JAX at goal (<= 0.8) in 90 cells at one
  thread and 93 at both cores; against torch in 56 of 96 and 35 of 96 (forward+backward 35 of 48 and 20 of 48; the
  forward alone is the weaker half).** GlobalFilterMixing 0.50 / 0.74 x torch and 0.47 / 0.62 x JAX;
  AdaptiveGlobalFilter 0.50 / 0.73 and 0.45 / 0.57; FourierMixing 0.79 / 1.18 x torch and 0.54 / 0.46 x JAX;
  FourierMixing1D 0.78 / 0.83 and 0.50 / 0.44; SeparableFourierMixing 0.59 / 0.99 and 0.61 / 0.65;
  GlobalFilterMixing2D 0.69 / 1.00 and 0.70 / 0.67. (Issue 17 started from 0.67-1.47 x torch and 1.00-1.88 x JAX for
  the global filter, 1.20-1.79 and 1.31-2.57 for FourierMixing.) The levers that did it: the real-input identities
  (irfft of the Hermitian half filter times rfft, instead of four complex FFTs; rfft2 plus the Hermitian rebuild for
  Re fft2), then a fused NumPy path (norm inside pocketfft, in-place updates of arrays the layer owns: half of the
  remaining time was page faults of fresh 100 MB arrays). The forward alone is slower against torch
  (GlobalFilterMixing 1.22 / 1.31): specref recomputes the filter's activation and Hermitian fold on every call (the
  sigmoid alone is 6% of forward+backward in a one-thread profile at B = 8, N = 2048, D = 256) and runs its
  elementwise passes one at a time.
- **Against the FFT-pass bound (the FFTs the math cannot avoid, scipy.fft): medians 1.2-1.3 at one thread, 1.4-1.8
  at both cores; goal 1.3 met in 66 of 112 cells at one thread, 20 of 112 at both cores.** What stays above the
  FFTs: the elementwise passes NumPy runs one at a time and single-threaded (the filter product, the Hermitian fold,
  the activation of the filter), while the FFTs themselves use both cores; at both cores the FFTs halve and those
  passes do not, so the ratio grows (GlobalFilterMixing 1.24 -> 1.58). The bound also allocates a fresh output per
  FFT; where specref works in place it can come out below 1 (0.48 at one point): the bound is what the FFTs cost,
  not a floor on memory traffic. The largest float64 cells (100 MB arrays) are dominated by page faults and vary by
  2x between rounds (a forward slower than forward+backward of the same run): read them as noise.
- **AFNOMixing: 1.84 / 1.85 x torch, 1.15 / 1.58 x JAX (goal 1.0).** The 2-D FFTs now run only on the 32 kept hidden
  bins (rfft2_pruned: 115 -> 63 ms for the FFT pair at N = 2048, D = 256); a one-thread profile (B = 8, N = 2048, D
  = 256, float32) puts what remains in the layer norm and its VJP (~25%: NumPy's mean, centering, variance and
  scaling are separate passes where torch runs one fused kernel), the FFTs (~30%), crops, pads and norm scalings
  (~12%). BlockDiagonalAFNOMixing (no peer) is 5.7 / 7.4 x its bound (not profiled this session).
- **Operators: SpectralConv2d near par (1.13 / 1.45 x torch, 1.12 / 1.19 x JAX, 1.24 / 1.64 x bound), SpectralConv1d
  1.26 / 1.48 x torch, FourierNeuralOperator 1.76 / 1.66, FNOBlock 2.76 / 2.64.** The profile of FNOBlock (B = 8, N
  = 1024, C = 64, float32, one thread) shows why: 45% of its time is the exact GELU's normal CDF through
  `scipy.special.erfc` (a scalar loop): the exact GELU costs 18-19 ns per element in NumPy against torch's
  vectorized 0.4 ns (float32) and 4.4 ns (float64), one thread, 2M elements; FourierNeuralOperator spends 43% there.
  A vectorized erfc (rational approximations evaluated with NumPy, or a Numba loop) is the next lever; Numba's
  `math.erfc` measured only 2x faster, so it is not done here. SpectralConv1d (B = 8, C = 64, N = 1024): the FFTs
  are about 60% of its one-thread profile, the per-mode contraction about 20%, the chain's crops, pads and checks
  the rest.
- **WaveletMixing is 7-20x faster than spectrans forward+backward** (0.06 / 0.07 x torch; spectrans's side not
  profiled here); WaveletMixing2D 0.43 / 0.44 x torch.
- **Attention, transforms, kernels (medians at one thread / at both cores).** spectrans's LST attentions are slower
  than specref: LSTAttention 0.45 / 0.54 x torch, DCTAttention 0.43 / 0.42 (spectrans's DCT is a dense N x N
  matmul); SpectralAttention 1.26 / 1.81 x torch and 1.04 / 1.37 x JAX, PerformerAttention 1.20 / 1.51,
  KernelAttention 1.26 / 1.40 (goal 1.0; a one-thread profile puts ~60% of SpectralAttention's time in NumPy's
  matmul, the feature maps and the attention products; whether the batched products on transposed head views reach
  BLAS at full speed was not settled). Exact softmax attention is where NumPy is furthest behind: MultiheadAttention
  4.3 / 5.9 x torch (range 2.0-9.7), the encoder layer 4.4 / 5.9 x (torch's module calls its fused
  scaled-dot-product attention; specref materializes the N x N scores, their softmax and the VJP, as a reference
  should). The transforms run at 1.1-1.5 x the scipy.fft call they wrap at one thread and 1.0-1.4 x at both cores
  (outliers: fft2 forward+adjoint 1.78 at one thread, rfft forward 1.98 and rfft2 forward+adjoint 1.96 at both
  cores: a call's checks and the adjoint's chain on 64 x 64 images), 1.1-4.2 x torch.fft and 0.2-1.9 x JAX; the
  Hadamard transform is 20 x faster than the dense matmul at one thread (0.05, goal met) and 14 x at both cores, the
  slant 2.5-3 x; the wavelet transforms are 1.5-2.0 x pywt's C at one thread (goal 2.0 for wavedec met: 1.75; swt at
  2.00) and 1.1-1.7 x at both cores, waverec 4.6-4.8 x. Kernels: the random-feature maps are 2.5-2.7 x spectrans at
  one thread but 0.8-1.1 x at both cores: in float64 NumPy's `cos` is a scalar libm loop (the float64 cells are
  3.8-3.9 x, the float32 ones 1.3-1.5 x), torch's is vectorized (the same cost makes the neural kernels' LFF
  5.7-10.7 x torch in float64, 0.8-2.3 x in float32); Cosine/Polynomial kernels 1.2-1.5 x, FourierKernel 0.06 x
  (spectrans forms an N x N x rank complex tensor), LearnableSpectralKernel 1.5 / 2.0, TruncatedSVDKernel 3.2 / 3.1
  (neither profiled).
- **Neural kernels (seed 004; n = 4096 points, m = 256, k = 16).** LFF forward+backward 0.82 / 0.07 x torch in
  float32 (the both-cores torch figure is an outlier of its thread pool) and 5.7 / 3.8 in float64 (libm `sin`,
  above); RFFMLP 1.5-2.3 x torch and 0.6-1.05 x JAX; ReLUMLP 0.9-1.6 x torch and 0.8-1.5 x JAX. The empirical NTK (n
  = 512) is 0.01 x JAX's jax.jacobian NTK: specref contracts the factored per-example Jacobians, JAX materializes
  them (what jax.jacobian gives).
- **The Numba hot loops (both float types, one thread / both cores).** FWHT: 0.07-0.17 / 0.05-0.25 x its vectorized
  reference; against the dense Hadamard matmul at n = 4096 0.04-0.07 / 0.09-0.16 (goal 0.05: met in float64 at one
  thread; BLAS's matmul gains more from the second core than the loop). DWT filter bank: 0.41-0.94 forward and
  0.15-0.50 forward+adjoint x its reference, 1.49-1.94 / 0.81-1.83 x pywt's C (goal 2.0 met). Causal prefix scan:
  0.02-0.07 x the cumulative-sum states (goal 0.2 met) and 1.0-1.6 x its reference of blocked matmuls (BLAS runs
  them well at these sizes; the loop's gain is memory: no N x m x d_v state).
- **Scaling (74 sweeps, every component, float64, both cores).** Over every size the fitted slope matches the
  claimed complexity in 29 of 74: at the small sizes a call's fixed cost (~0.1-1 ms of Python and checks) is most of
  the time and flattens the fit (rfft 0.76 where n log n claims 1.12). Over the sizes past ten times the smallest
  time (50 sweeps have three or more), 47 of 50 agree within their 95% interval; the three that do not: rfft (0.89,
  its largest size still only 8 ms), RFFAttentionKernel and LearnableSpectralKernel (1.15-1.16 against n's 1.0; not
  investigated: the (N, m) feature arrays reach 134 MB at N = 2^16, where memory traffic, not arithmetic, sets the
  time). The 24 sweeps whose time never reaches ten times the smallest need larger sizes than a 2-core CI machine
  affords (the 2-D transforms at 16 images of at most 256 x 256, the 2-D convolutions to 512 x 512, the Gram kernels
  to N = 2048, the truncated SVD to N = 512, where the N^2 d Gram product, not the N^3 SVD, dominates: slope 1.8;
  the empirical NTK to n = 1024, where the per-point Jacobian factors, linear in n, still weigh against the
  quadratic contraction: slope 1.2); their full-range slopes are in the table. Several intervals are wide (three
  points): they bound, not pin, the exponent.
- **Memory (forward+backward peak, both cores; float32 for the attention, kernel, transform and neural-kernel
  runs).** The FFT mixing layers peak at 0.43-0.75 x torch's RSS rise and 0.43-0.82 x JAX's where JAX's is
  measurable (GlobalFilterMixing at B = 8, N = 2048, D = 256, float32: 78 MB, of which 30 MB is the context the
  backward needs, against torch's 172 MB): the fused path updates the arrays it owns in place. AFNOMixing is at par
  (1.03-1.10 x torch, 0.92-1.08 x JAX); WaveletMixing takes 1.5-2.7 x torch (it keeps every level's coefficients for
  the backward: its context is half its peak) and FNOBlock 1.85-2.0 x. Exact attention takes 2.8-7.3 x torch (the N
  x N scores, softmax and their cotangents are materialized; torch's fused attention keeps none), the linear
  attentions 1.3 x (LST/DCT 0.5-1.1), the random-feature maps 0.66-0.75 x, the Gram kernels 0.8-1.1 x (FourierKernel
  0.03 x: spectrans's N x N x rank tensor), LearnableSpectralKernel 1.5 x; the FFTs 0.4-1.0 x torch; the neural
  kernels: LFF 0.75 x torch, RFFMLP 1.35-1.45 x, ReLUMLP 2.8-3.5 x (its context keeps each layer's scaled input,
  pre-activation and activation; not reduced this session), the empirical NTK far below JAX's (which materializes
  the Jacobians). The rise of the resident set cannot see a peak that reuses pages kept from the warm-up call: JAX's
  allocator pools, and glibc serves small cases (a few MB) from its heap; those cells are left empty with the
  reason, and tracemalloc's count stands for specref there.
- **Models (2026-12-04, a 2-core AMD EPYC VM; 4 layers, B = 8, N = 1024, D = 256, against spectrans's models under
  torch autograd).** Forward+backward, one thread / both cores: GFNetEncoder 1.10 / 1.45 (float32) and 0.84 / 1.19
  (float64), FNetEncoder 1.29 / 1.45 and 0.96 / 1.29: goal 0.8 missed. In a GFNet encoder's float32
  forward+backward (1.4 s) the dense products of the FFNs take 0.66 s, the exact GELU 0.43 s (a fused Numba pass;
  erfc from the C library costs ~5 ns an entry on two threads, torch's vectorised erf far less) and the layer norms
  0.17 s; the FFTs 0.06 s. A 12-layer GFNet encoder (N = 1024, D = 768, B = 8, float32) peaks at 1.10 x the
  arrays its contexts keep (5.1 GB against 4.6 GB; goal 1.5): benchmarks/memory_models.py.
- **Beyond spectrans (2026-12-04, same VM), forward+backward against the same math in torch / JAX, one thread /
  both cores.** Monarch FFT (B = 64, N = 4096 = 64 x 64): 0.84 / 0.49 x torch and 0.59 / 0.41 x JAX in float32
  (goal 0.8 met at both cores). Butterfly (B = 64, n = 4096, complex twiddles): 0.82 / 1.24 x torch, 0.42 / 0.67 x
  JAX (float32). Long convolution (B = 4, H = 64, N = 4096): 1.31 / 2.01 x torch and 1.14 / 1.86 x JAX in
  float32 (scipy's pocketfft at 2N against torch's MKL; three FFT passes each way are the whole cost); its sweep to
  N = 2^20 fits slope 1.14 (95% 1.03-1.25) against n log n's 1.10, 1.35 past N = 2^14 (16 MB padded arrays: memory
  traffic). S4D kernel (H = 64, M = 32, L = 4096): 1.42 / 2.04 x torch and 2.85 / 4.48 x JAX in float32 (the
  complex (H, M, L) Vandermonde tensor is formed twice in the backward, X and Y; XLA fuses the exponentials into
  the sums).
"""


def _kind(path: Path) -> tuple:
    """(setting, kind) of a record's file name ``bench_<date>_t<setting>[_quick][_memory][_sweep][_<tag>].json``."""
    parts = path.stem.split("_")
    setting = parts[2][1:]
    kind = "quick" if "quick" in parts else "memory" if "memory" in parts else "sweep" if "sweep" in parts else "time"
    return setting, kind


def load(setting: str, kind: str) -> tuple[dict | None, str]:
    """The records of one setting and kind merged in the order they were taken (their ``date``: a later
    record's row replaces an earlier one of the same component, size, dtype and mode), the newest record's
    header kept; the files named."""
    paths = [p for p in RESULTS.glob("bench_*.json") if _kind(p) == (setting, kind)]
    if not paths:
        return None, ""
    records = sorted(((json.loads(p.read_text(encoding="utf-8")), p) for p in paths), key=lambda rp: rp[0]["date"])
    paths = [p for _, p in records]
    merged, rows, sweeps = None, {}, {}
    for rec, _ in records:
        merged = rec
        for r in rec["rows"]:
            rows[(r["component"], r["label"], r["dtype"], r["mode"])] = r
        for sw in rec["sweeps"]:
            sweeps[sw["component"]] = sw
    merged = {**merged, "rows": list(rows.values()), "sweeps": list(sweeps.values())}
    return merged, ", ".join(f"`{p.relative_to(ROOT).as_posix()}`" for p in paths)


def goal_counts(rows) -> str:
    """``met/total`` per peer over the rows that state a goal for it."""
    counts = {}
    for r in rows:
        for peer, goal in r.get("goals", {}).items():
            if peer in r["ratios"]:
                met, total = counts.get(peer, (0, 0))
                counts[peer] = (met + (r["ratios"][peer] <= goal), total + 1)
    return ", ".join(f"specref/{p} at goal in {m} of {t} cells" for p, (m, t) in sorted(counts.items())) or "no goals"


def environment_line(rec: dict) -> str:
    env = rec["environment"]
    versions = env["versions"]
    names = ("specref", "numpy", "scipy", "numba", "torch", "jax", "spectrans")
    vs = ", ".join(f"{k} {versions[k]}" for k in names if k in versions)
    pools = rec["threads"].get("pools")
    blas = "; ".join(f"{p['internal_api']} {p.get('architecture') or ''} x{p['num_threads']}".replace("  ", " ")
                     for p in pools) if isinstance(pools, list) else str(pools)
    return (f"{rec['date']}, {env.get('cpu', '?')}, {len(rec['threads']['cpu_affinity'])} core(s) used; {vs}; "
            f"thread pools: {blas}")


def timing_section(rec: dict | None, path: str, title: str) -> list:
    if rec is None:
        return [f"## {title}", "", "No record yet: run the command above.", ""]
    return [f"## {title}", "", f"Records: {path} ({environment_line(rec)}).", "",
            f"Goals: {goal_counts(rec['rows'])}.", "", markdown_tables(rec["rows"]), ""]


def sweep_svgs(rec: dict) -> dict:
    """One log-log figure per family of the sweep record: {file name: SVG text}."""
    by_family = {}
    for s in rec["sweeps"]:
        by_family.setdefault(s["family"], []).append(s)
    out = {}
    for family, sweeps in by_family.items():
        series = [(s["component"], s["values"], [1e3 * t for t in s["times_s"]], COLORS[i % len(COLORS)])
                  for i, s in enumerate(sweeps)]
        params = sorted({s["param"] for s in sweeps})
        out[f"performance_scaling_{family.replace(' ', '_')}.svg"] = loglog(
            series, xlabel=" / ".join(params) + " (the swept size)",
            ylabel="forward+backward (a kernel matrix: forward), ms")
    return out


def memory_svg(rec: dict) -> str:
    rows = [r for r in rec["rows"] if r["dtype"] == "float32"] or rec["rows"]
    peers = [p for p in ("torch", "jax") if any(p in r["memory"] for r in rows)]
    names = ["floor (context)", "specref", *peers]
    mib = 1024.0**2
    groups = []
    for r in rows:
        values = [r.get("floor_bytes"), r["memory"]["specref"].get("rss")]
        values += [r["memory"].get(p, {}).get("rss") for p in peers]
        groups.append((f"{r['component']} ({r['label']})"[:36], [None if v is None else v / mib for v in values]))
    return bars(groups, xlabel=f"peak memory of forward+backward, MiB ({rows[0]['dtype']})", names=names)


def figures() -> dict:
    """The performance page's figures from the committed records (the docs build calls this)."""
    out = {}
    sweep, _ = load("all", "sweep")
    if sweep is not None:
        out.update(sweep_svgs(sweep))
    mem, _ = load("all", "memory")
    if mem is not None:
        out["performance_memory.svg"] = memory_svg(mem)
    return out


def main() -> None:
    t1, p1 = load("1", "time")
    tall, pall = load("all", "time")
    mem, pmem = load("all", "memory")
    sweep, psweep = load("all", "sweep")
    text = [
        "# Performance",
        "",
        "Generated by `python docs/scripts/performance.py` from the records of `specref bench` in",
        "`benchmarks/results/` (do not edit by hand; edit `SUMMARY` in the script). Every number is a ratio",
        "of medians measured in the same process run (specref / peer: below 1, specref is faster), at one",
        "pinned thread and at the machine's cores, as a user runs it. The runs:",
        "",
        "```bash",
        "bash validation/setup_peers.sh                       # torch 2.13 CPU, JAX, spectrans in .venv-peers",
        ".venv-peers/bin/specref bench --threads 1 all       # the two timing records",
        ".venv-peers/bin/specref bench --memory               # peak memory, a run of its own",
        ".venv-peers/bin/specref bench --sweep-only           # the scaling sweeps",
        ".venv-peers/bin/python docs/scripts/performance.py  # this page",
        "```",
        "",
        "Columns: `specref ms (spread)` is specref's median time and the interquartile range of its rounds",
        "over the median; each peer column gives the peer's median and, in parentheses, the ratio specref/peer,",
        "marked ✓/✗ where the issue set a goal (FFT layers: 0.8 against torch and JAX, 1.3 against the",
        "FFT-pass bound `bound`, the FFTs the math cannot avoid timed with scipy.fft). `torch` is spectrans",
        "0.1.0 (or torch's own module) under CPU autograd; `jax` the same math under `jax.jit(jax.vjp)`.",
        "`fwd+bwd` is the forward and every gradient (input and parameters).",
        "",
        "## Summary",
        "",
        SUMMARY,
        "",
    ]
    text += timing_section(tall, pall, "All cores (what a user gets)")
    text += timing_section(t1, p1, "One thread")
    text += ["## Scaling", ""]
    if sweep is None:
        text += ["No sweep record yet.", ""]
    else:
        text += [f"Records: {psweep} ({environment_line(sweep)}). specref's forward+backward (the empirical",
                 "NTK, a kernel matrix without a backward: its forward) over the swept size (the sequence length;",
                 "the pixel count of the 2-D transforms, the image side of the 2-D convolutions) in float64; the",
                 "slope is the least-squares slope of log(time) against log(size) with its 95%",
                 "confidence interval, beside the slope of the complexity the docs claim fitted over the same sizes",
                 "(so N log N claims about 1.1 over 2^8 .. 2^16). At the small sizes a call's fixed cost (Python,",
                 "argument checks, ~0.1-1 ms) dominates and flattens the slope over every size; the last four",
                 "columns fit only the sizes whose time is at least ten times the smallest size's, where that cost",
                 "is under a tenth, which is the exponent of the work.", "", sweep_markdown(sweep["sweeps"]), ""]
        text += [f"![scaling of the {name[20:-4].replace('_', ' ')} components](figures/{name})\n"
                 for name in sweep_svgs(sweep)]
    text += ["## Memory", ""]
    if mem is None:
        text += ["No memory record yet.", ""]
    else:
        text += [f"Records: {pmem} ({environment_line(mem)}). Peak memory of one forward+backward after a warm-up",
                 "call: `floor` is the bytes of the arrays specref's context keeps for the backward (what any",
                 "implementation of the same backward must keep), `traced` what tracemalloc sees NumPy allocate,",
                 "`RSS` the rise of the resident set (the same measure for every engine; glibc's malloc set to",
                 "return freed blocks, specref.bench.memory).", "", markdown_tables(mem["rows"]), ""]
        text += ["![peak memory](figures/performance_memory.svg)", ""]
    (DOCS / "performance.md").write_text("\n".join(text) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
