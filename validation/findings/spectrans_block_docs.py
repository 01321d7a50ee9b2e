"""Finding: spectrans's blocks compute something other than their docstrings say, and the hybrid blocks carry
parameters that never train (inventory #25, #26).

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_block_docs.py

Documented (the blocks' docstrings): ``TransformerBlock``'s FFN hidden size "Default is 4 * hidden_dim";
``AFNOBlock``'s frequency-domain MLP "Default is hidden_dim"; ``SpectralAttentionBlock``'s ``num_features``
"Default is 256" and ``kernel_type`` "'gaussian' or 'laplacian'"; ``AdaptiveBlock`` "uses a gating mechanism to
dynamically choose ... between different mixing strategies" (a gate that learns). Measured: ``TransformerBlock``
without ``ffn_hidden_dim`` has no FFN at all; the AFNO MLP is 2 * hidden_dim wide; ``num_features`` defaults to
the head dimension; ``"laplacian"`` builds the Gaussian kernel (the same buffers and output as ``"gaussian"``);
with ``gate_type="hard"`` the gate's parameters get no gradient (``None``: argmax is piecewise constant), so the
gate never trains; every hybrid block allocates ``norm3`` and never uses it (gradient ``None``);
``CascadeBlock(share_norm=True)`` lists one tensor under ``norm1.*`` and every ``norms.<i>.*`` key of its
state_dict; ``MultiscaleBlock`` accepts an unknown ``fusion_type`` and raises only in the forward.
specref builds what spectrans computes (so its state_dicts load), documents each point (docs/blocks.md), gives
``norm3`` and the hard gate zero gradients (the derivative of a piecewise-constant selection where it exists),
exports and checks the aliased keys, and refuses an unknown fusion or kernel type at construction.

Exit status 0 when the finding reproduces, 1 if spectrans now matches its documentation, 2 if spectrans is not
importable.
"""

from __future__ import annotations

import sys


def main() -> int:
    try:
        import torch
        from spectrans.blocks import (
            AdaptiveBlock,
            AFNOBlock,
            CascadeBlock,
            MultiscaleBlock,
            SpectralAttentionBlock,
            TransformerBlock,
        )
        from spectrans.layers.mixing.global_filter import GlobalFilterMixing
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    seen = []
    torch.manual_seed(0)
    block = TransformerBlock(GlobalFilterMixing(8, 16), 8)
    seen.append(block.ffn is None)
    print(f"TransformerBlock without ffn_hidden_dim: ffn = {block.ffn} (documented: 4 * hidden_dim = 32)")
    afno = AFNOBlock(8, 16)
    hidden = afno.mixing_layer.mlp[0].weight.shape[0]  # the MLP's width (its input is the 2 ms mh mode values)
    seen.append(hidden == 16)
    print(f"AFNOBlock MLP width {hidden} = 2 * hidden_dim (documented: hidden_dim = 8)")
    attention = SpectralAttentionBlock(8, 2)
    features = attention.mixing_layer.kernel.omega.shape[1]
    seen.append(features == 4)
    torch.manual_seed(1)
    laplacian = SpectralAttentionBlock(8, 2, kernel_type="laplacian")
    torch.manual_seed(1)
    gaussian = SpectralAttentionBlock(8, 2, kernel_type="gaussian")
    same = all(torch.equal(a, b) for a, b in zip(laplacian.state_dict().values(), gaussian.state_dict().values(),
                                                 strict=True))
    x = torch.randn(2, 6, 8)
    same = same and torch.equal(laplacian(x), gaussian(x))
    seen.append(same)
    print(f"SpectralAttentionBlock: num_features {features} (documented 256); 'laplacian' equals 'gaussian': {same}")
    torch.manual_seed(2)
    hard = AdaptiveBlock([GlobalFilterMixing(8, 6), GlobalFilterMixing(8, 6)], 8, gate_type="hard")
    hard(torch.randn(3, 6, 8)).sum().backward()
    gate_none = hard.gate.weight.grad is None and hard.gate.bias.grad is None
    norm3_none = hard.norm3.weight.grad is None
    seen += [gate_none, norm3_none]
    print(f"AdaptiveBlock(hard): gate gradients None: {gate_none}; norm3 gradient None: {norm3_none}")
    cascade = CascadeBlock([GlobalFilterMixing(8, 6), GlobalFilterMixing(8, 6)], 8, share_norm=True)
    sd = cascade.state_dict()
    aliased = sd["norms.1.weight"].data_ptr() == sd["norm1.weight"].data_ptr()
    listed = [k for k, _ in cascade.named_parameters() if k.startswith("norms.")]
    seen.append(aliased and not listed)
    print(f"CascadeBlock(share_norm): norms.1.weight is norm1.weight: {aliased}; named_parameters lists norms.*: "
          f"{bool(listed)}")
    multiscale = MultiscaleBlock([GlobalFilterMixing(8, 6)], 8, fusion_type="max")  # accepted
    try:
        multiscale(torch.randn(1, 6, 8))
        raised = False
    except ValueError as exc:
        raised = True
        print(f"MultiscaleBlock(fusion_type='max') constructed; the forward raises: {exc}")
    seen.append(raised)
    reproduces = all(seen)
    print("finding reproduces" if reproduces else f"spectrans changed: {seen}")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
