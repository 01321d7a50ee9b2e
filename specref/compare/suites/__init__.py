"""The comparison suites: for each peer, every configuration of every component it implements.

A suite is a module ``specref.compare.suites.<module>`` whose ``cases()`` returns :class:`SuiteCase` s; each
case builds its peer (importing the peer inside ``run``) and returns a
:class:`~specref.compare.result.Comparison` from :func:`specref.compare.compare`. ``specref compare PEER``
runs a peer's suite, ``specref compare --all --report validation/REPORT.md`` every installed peer's (the one
writer of that report), and validation/ parametrizes its tests over the same cases (they write nothing).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from specref.compare.frameworks import PIP

__all__ = ["SuiteCase", "PEERS", "peer_available", "cases", "weight_cases", "summary", "one_torch_thread"]


@dataclass(frozen=True)
class SuiteCase:
    """One configuration of one component against one peer.

    ``run()`` returns the Comparison; ``component`` is the specref name (the CLI selects by it) and
    ``label`` the configuration; ``id`` (component and label) is unique within the peer's suite.
    """

    peer: str
    component: str
    label: str
    run: Callable

    @property
    def id(self) -> str:
        return f"{self.component}-{self.label}" if self.label else self.component


# peer name on the command line -> (the modules it needs to import, the suite module)
PEERS: dict[str, tuple[tuple[str, ...], str]] = {
    "spectrans": (("torch", "spectrans"), "specref.compare.suites.spectrans"),
    "torch": (("torch",), "specref.compare.suites.torch"),
    "jax": (("jax",), "specref.compare.suites.jax"),
    "scipy": (("scipy",), "specref.compare.suites.scipy"),
    "pywt": (("pywt",), "specref.compare.suites.pywt"),
    "sklearn": (("sklearn",), "specref.compare.suites.sklearn"),
    "torch-dct": (("torch", "torch_dct"), "specref.compare.suites.torch_dct"),
    "ptwt": (("torch", "ptwt"), "specref.compare.suites.ptwt"),
    "neuraloperator": (("torch", "neuralop"), "specref.compare.suites.neuraloperator"),
    "performer-pytorch": (("torch", "performer_pytorch"), "specref.compare.suites.performer_pytorch"),
}


def peer_available(peer: str) -> tuple[bool, str]:
    """(installed, how to install): whether every module the peer needs can be found, and the pip command
    of the first one missing."""
    if peer not in PEERS:
        raise ValueError(f"unknown peer {peer!r}; peers: {', '.join(PEERS)}")
    for module in PEERS[peer][0]:
        if importlib.util.find_spec(module) is None:
            name = {"torch_dct": "torch-dct", "neuralop": "neuraloperator",
                    "performer_pytorch": "performer-pytorch"}.get(module, module)
            return False, PIP.get(name, f"pip install {name}")
    return True, ""


def cases(peer: str) -> list[SuiteCase]:
    """Every case of a peer's suite (an empty list where no suite module exists yet)."""
    if peer not in PEERS:
        raise ValueError(f"unknown peer {peer!r}; peers: {', '.join(PEERS)}")
    module_name = PEERS[peer][1]
    if importlib.util.find_spec(module_name) is None:
        return []
    return list(importlib.import_module(module_name).cases())


def weight_cases(peer: str, component: str, state_dict) -> list[SuiteCase] | None:
    """The cases of ``component`` built from a user's weights, where the peer's suite defines
    ``weight_cases(component, state_dict)`` (else None); a ValueError says why weights do not fit."""
    if peer not in PEERS:
        raise ValueError(f"unknown peer {peer!r}; peers: {', '.join(PEERS)}")
    module_name = PEERS[peer][1]
    if importlib.util.find_spec(module_name) is None:
        return None
    build = getattr(importlib.import_module(module_name), "weight_cases", None)
    return None if build is None else list(build(component, state_dict))


def summary(peer: str) -> str:
    """The first line of a peer's suite module docstring (what it compares, or why it compares nothing yet)."""
    if peer not in PEERS or importlib.util.find_spec(PEERS[peer][1]) is None:
        return ""
    doc = importlib.import_module(PEERS[peer][1]).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def one_torch_thread(run, *args):
    """``run(*args)`` with one torch thread, then the caller's count restored: the suites' tensors are tiny, and
    on a few busy cores torch's thread pool makes each small FFT or convolution many times slower."""
    import torch  # peer-only

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run(*args)
    finally:
        torch.set_num_threads(threads)
