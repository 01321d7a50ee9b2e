"""Thread settings of a benchmark run: one setting for every engine, applied and reported.

``specref bench --threads N`` runs every engine on N threads: the process's CPU affinity is restricted to N
cores (specref's scipy.fft ``workers`` follow the affinity), the BLAS and OpenMP pools are limited with
threadpoolctl, Numba's threads are set, and the settings torch and JAX read are prepared: the environment
variables (``OMP_NUM_THREADS``..., read when torch loads) and ``XLA_FLAGS`` (read when JAX loads, so a peer
imported afterwards runs on N threads), and :func:`current_threads` for the torch peer's
``torch.set_num_threads``. ``--threads all`` keeps the machine's cores, every engine at its default: what a
user gets. A setting cannot be undone within a process (JAX reads its flags once), so each setting is one
process.
"""

from __future__ import annotations

import os
import sys

__all__ = ["apply_threads", "current_threads", "thread_report", "available_cores"]

_STATE: dict = {"threads": None, "limiter": None}
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                     "NUMEXPR_NUM_THREADS")


def available_cores() -> list:
    """The cores this process may run on (its affinity; all CPUs where affinity is not supported)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def apply_threads(spec) -> dict:
    """Apply a thread setting (an int >= 1, or ``"all"``); return what was set, for the report.

    Raises
    ------
    ValueError
        If ``spec`` is neither ``"all"`` nor a positive integer.
    """
    cores = available_cores()
    if spec == "all" or spec is None:
        _STATE["threads"] = len(cores)
        return {"setting": "all", "threads": len(cores), "cpu_affinity": cores}
    try:
        n = int(spec)
    except (TypeError, ValueError):
        raise ValueError(f"threads must be a positive integer or 'all', got {spec!r}") from None
    if n < 1:
        raise ValueError(f"threads must be a positive integer or 'all', got {spec!r}")
    n = min(n, len(cores))
    settings = {"setting": str(n), "threads": n}
    for var in _THREAD_VARIABLES:
        os.environ[var] = str(n)
    os.environ["NUMBA_NUM_THREADS"] = os.environ.get("NUMBA_NUM_THREADS", str(len(cores)))
    if "jax" not in sys.modules:
        xla = f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={n}"
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + xla).strip()
        settings["XLA_FLAGS"] = os.environ["XLA_FLAGS"]
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cores[:n])
        settings["cpu_affinity"] = cores[:n]
    try:
        from threadpoolctl import threadpool_limits

        _STATE["limiter"] = threadpool_limits(limits=n)  # kept: the limits hold while the object lives
    except ImportError:
        settings["threadpoolctl"] = "not installed: BLAS/OpenMP pools not limited"
    import numba

    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    _STATE["threads"] = n
    return settings


def current_threads() -> int:
    """The thread count of the applied setting (the available cores when none was applied)."""
    return _STATE["threads"] or len(available_cores())


def thread_report() -> dict:
    """What every engine runs on now: the affinity, the BLAS/OpenMP pools (threadpoolctl: library, kernel
    architecture, threads), Numba's threads, scipy.fft's workers rule, torch's threads and XLA_FLAGS when
    loaded."""
    import numba

    report = {"cpu_affinity": available_cores(), "numba_threads": numba.get_num_threads(),
              "scipy_fft_workers": "specref: the affinity's cores for arrays of >= 2^18 entries, else 1"}
    try:
        from threadpoolctl import threadpool_info

        report["pools"] = [{k: info.get(k) for k in ("user_api", "internal_api", "version", "architecture",
                                                     "num_threads", "threading_layer")}
                           for info in threadpool_info()]
    except ImportError:
        report["pools"] = "threadpoolctl not installed"
    if "torch" in sys.modules:
        report["torch_threads"] = sys.modules["torch"].get_num_threads()
    if os.environ.get("XLA_FLAGS"):
        report["XLA_FLAGS"] = os.environ["XLA_FLAGS"]
    return report
