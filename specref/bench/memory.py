"""Peak memory of one call, and the memory floor of a backward: the arrays its context keeps.

Two measures, because no one measure sees every allocator:

* :func:`peak_traced`: the peak of :mod:`tracemalloc` during the call, which counts NumPy's array data
  (NumPy reports its allocations to tracemalloc) but not a C library's own buffers (pocketfft's scratch) nor
  torch's or JAX's allocators;
* :func:`peak_rss`: the rise of the process's resident set during the call (Linux: the high-water mark
  ``VmHWM`` reset through ``/proc/self/clear_refs`` before the call), which sees every allocator alike, so it
  is the measure for a ratio against a peer; None where the kernel interface is missing. An allocator that
  keeps freed memory for reuse hides it, so :func:`strict_allocator` first makes glibc's malloc return every
  block of 64 KiB or more to the kernel when freed (``mallopt(M_MMAP_THRESHOLD)``, ``malloc_trim``); numpy,
  torch and XLA all allocate through it. That setting makes every large allocation fault its pages in
  again, which slows the calls, so ``specref bench --memory`` measures memory in a run of its own and
  times nothing.

:func:`context_bytes` sums the arrays a forward's context holds for the backward (each array once): the
floor any forward+backward of the same math must keep between the two passes.
"""

from __future__ import annotations

import ctypes
import dataclasses
import tracemalloc
from collections.abc import Callable

__all__ = ["peak_traced", "peak_rss", "context_bytes", "strict_allocator"]

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
_STRICT_THRESHOLD = 64 * 1024


def strict_allocator() -> bool:
    """Make glibc's malloc map every block of >= 64 KiB on its own and unmap it when freed, and release the
    memory it keeps now; True when applied (glibc), False elsewhere. Irreversible within the process."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        applied = bool(libc.mallopt(_M_MMAP_THRESHOLD, _STRICT_THRESHOLD))
        libc.malloc_trim(0)
        return applied
    except (OSError, AttributeError):
        return False


def peak_traced(fn: Callable) -> int:
    """Peak bytes traced by :mod:`tracemalloc` while ``fn()`` runs, above what was traced before it."""
    started = tracemalloc.is_tracing()
    if not started:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return max(0, tracemalloc.get_traced_memory()[1] - before)
    finally:
        if not started:
            tracemalloc.stop()


def _status() -> dict:
    out = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def peak_rss(fn: Callable) -> int | None:
    """The rise of the resident set's high-water mark while ``fn()`` runs (bytes), or None where Linux's
    ``/proc/self/clear_refs`` cannot reset it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")  # resets VmHWM to the current VmRSS
        before = _status()["VmRSS"]
    except (OSError, KeyError):
        return None
    fn()
    try:
        return max(0, _status()["VmHWM"] - before)
    except (OSError, KeyError):
        return None


def context_bytes(ctx) -> int:
    """Bytes of the arrays a context holds (dataclass fields, tuples, lists and dicts searched; each array
    counted once)."""
    seen, total = set(), 0

    def visit(v):
        nonlocal total
        if v is None or isinstance(v, str | bytes | int | float | bool):
            return
        if hasattr(v, "nbytes") and hasattr(v, "shape"):
            if id(v) not in seen:
                seen.add(id(v))
                total += int(v.nbytes)
            return
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            for f in dataclasses.fields(v):
                visit(getattr(v, f.name))
        elif isinstance(v, dict):
            for item in v.values():
                visit(item)
        elif isinstance(v, tuple | list):
            for item in v:
                visit(item)

    visit(ctx)
    return total
