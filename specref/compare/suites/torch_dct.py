r"""torch-dct 0.1.6 against specref.transforms: dct/idct (types II and I), dct_2d/idct_2d, dct_3d/idct_3d and
the dense ``LinearDCT`` layer, output and autograd gradients.

torch-dct's functions transform the last axes and take ``norm`` in ``{None, "ortho"}`` (scipy.fftpack's
meaning, i.e. scipy.fft's ``"backward"`` and ``"ortho"``):

- ``dct(x, norm)`` is the DCT-II, :math:`y_k = 2\sum_j x_j\cos(\pi k(2j+1)/(2N))` (``norm=None``), and
  ``idct`` its inverse, a scaled DCT-III: specref ``dct``/``idct`` (``type=2``);
- ``dct1(x)`` is the DCT-I, :math:`y_k = x_0 + (-1)^k x_{N-1} + 2\sum_{j=1}^{N-2} x_j\cos(\pi jk/(N-1))`, and
  ``idct1 = dct1 / (2(N - 1))`` its inverse: specref ``dct``/``idct`` with ``type=1`` (no ``norm``: torch-dct
  has none for type I);
- ``dct_2d``/``idct_2d`` and ``dct_3d``/``idct_3d`` apply the 1-D transform along the last two and three
  axes: specref ``dctn``/``idctn`` with ``axes=(-2, -1)`` and ``(-3, -2, -1)``;
- ``LinearDCT(n, type, norm)`` stores the matrix of one of the four 1-D transforms as an ``nn.Linear``
  weight (computed by the functions above on ``torch.eye(n)``), compared here after ``.double()`` as torch
  users build a float64 layer: its weight is computed in the default dtype (float32) before the cast, which
  finding ``torch_dct_lineardct_float32`` records.

Inputs are float64 standard normal; odd and even lengths (and n = 1, 2 at the edges); the gradients are
torch autograd's against specref's adjoints, under the bounds of specref's verify cases (``2 c eps``).
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase, one_torch_thread

__all__ = ["cases", "POINTS", "LINEAR_POINTS", "LINEAR_DCT_KNOWN"]

NORMS = (None, "ortho")

# (torch-dct function, specref function, input shape, specref keywords without norm, takes norm)
POINTS = (
    ("dct", "dct", (3, 8), {}, True),
    ("dct", "dct", (3, 7), {}, True),
    ("dct", "dct", (2, 1), {}, True),  # N = 1: the DC term alone
    ("idct", "idct", (3, 8), {}, True),
    ("idct", "idct", (3, 7), {}, True),
    ("idct", "idct", (2, 2), {}, True),
    ("dct1", "dct", (3, 8), {"type": 1}, False),
    ("dct1", "dct", (3, 7), {"type": 1}, False),
    ("dct1", "dct", (2, 2), {"type": 1}, False),  # the smallest DCT-I
    ("idct1", "idct", (3, 8), {"type": 1}, False),
    ("idct1", "idct", (3, 9), {"type": 1}, False),
    ("dct_2d", "dctn", (2, 5, 6), {"axes": (-2, -1)}, True),
    ("dct_2d", "dctn", (7, 4), {"axes": (-2, -1)}, True),
    ("idct_2d", "idctn", (2, 5, 6), {"axes": (-2, -1)}, True),
    ("idct_2d", "idctn", (3, 7), {"axes": (-2, -1)}, True),
    ("dct_3d", "dctn", (2, 3, 4, 5), {"axes": (-3, -2, -1)}, True),
    ("dct_3d", "dctn", (5, 2, 7), {"axes": (-3, -2, -1)}, True),
    ("idct_3d", "idctn", (2, 3, 4, 5), {"axes": (-3, -2, -1)}, True),
    ("idct_3d", "idctn", (3, 6, 5), {"axes": (-3, -2, -1)}, True),
)

# (LinearDCT type, specref function, input shape, specref keywords): LinearDCT(n, type, norm).double()
LINEAR_POINTS = (
    ("dct", "dct", (3, 16), {"norm": None}),
    ("dct", "dct", (3, 15), {"norm": "ortho"}),
    ("idct", "idct", (3, 16), {"norm": "ortho"}),
    ("dct1", "dct", (3, 9), {"type": 1}),
    ("idct1", "idct", (3, 16), {"type": 1}),
)

LINEAR_DCT_KNOWN = "torch_dct_lineardct_float32"


def _label(peer_name: str, shape, keywords, norm, takes_norm: bool) -> str:
    """``dct_2d x(2,5,6) norm=ortho``: the torch-dct function, the input shape, the norm."""
    words = [peer_name, f"x{shape}".replace(" ", "")]
    if takes_norm:
        words.append(f"norm={norm}")
    return " ".join(words)


def _run(peer_name, name, shape, keywords, norm, takes_norm, label, seed):
    import numpy as np
    import torch_dct  # peer-only

    import specref.transforms as transforms
    from specref.compare import compare

    peer_fn = getattr(torch_dct, peer_name)
    peer_kw = {"norm": norm} if takes_norm else {}

    def peer(x):
        return peer_fn(x, **peer_kw)

    peer.__module__, peer.__qualname__ = "torch_dct", peer_name
    config = {**keywords, **({"norm": norm} if takes_norm else {})}
    x = np.random.default_rng(seed).standard_normal(shape)
    return compare(peer, getattr(transforms, name), x=x, config=config, framework="torch", label=label, seed=seed)


def _run_linear(kind, name, shape, keywords, label, seed):
    import dataclasses

    import numpy as np
    import torch_dct  # peer-only

    import specref.transforms as transforms
    from specref.compare import compare

    layer = torch_dct.LinearDCT(shape[-1], kind, norm=keywords.get("norm")).double()

    def peer(x):  # the layer as a function of x: its weight (requires_grad=False) is a constant
        return layer(x)

    peer.__module__, peer.__qualname__ = "torch_dct", f"LinearDCT({shape[-1]}, {kind!r}).double()"
    x = np.random.default_rng(seed).standard_normal(shape)
    out = compare(peer, getattr(transforms, name), x=x, config=keywords, framework="torch", label=label, seed=seed)
    # the weight is float32's rounding of the matrix (finding torch_dct_lineardct_float32): errors near 1e-7
    return out if out.passed else dataclasses.replace(out, known=LINEAR_DCT_KNOWN)



def cases() -> list[SuiteCase]:
    out = []
    seed = 0
    for peer_name, name, shape, keywords, takes_norm in POINTS:
        for norm in NORMS if takes_norm else (None,):
            label = _label(peer_name, shape, keywords, norm, takes_norm)

            def run(p=peer_name, n=name, s=shape, k=keywords, nm=norm, t=takes_norm, lb=label, sd=seed):
                return one_torch_thread(_run, p, n, s, k, nm, t, lb, sd)

            out.append(SuiteCase("torch-dct", name, label, run))
            seed += 1
    for kind, name, shape, keywords in LINEAR_POINTS:
        label = f"LinearDCT({kind!r}) x{shape}".replace(" ", "") + (
            f" norm={keywords['norm']}" if "norm" in keywords else "")

        def run(kd=kind, n=name, s=shape, k=keywords, lb=label, sd=seed):
            return one_torch_thread(_run_linear, kd, n, s, k, lb, sd)

        out.append(SuiteCase("torch-dct", name, label, run))
        seed += 1
    return out
