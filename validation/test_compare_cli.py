"""`specref compare` against the real peers (peer venv): the torch, jax, scipy, pywt and sklearn suites run green
in-process, and .pt weight files go through torch.load(weights_only=True).

These tests write nothing (validation/REPORT.md has one writer, `specref compare --all --report`); the JSON
of one run goes to a temporary folder.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from specref.cli import main
from specref.compare.weights_file import load_weights

# The CLI's exit status over whole suites; the cheap ones suffice (validation/test_peer_suites.py runs every
# case of every suite, torch's and JAX's included, and `specref compare --all` runs them again in CI).
SUITE_PEERS = {"scipy": "scipy", "pywt": "pywt", "sklearn": "sklearn"}


@pytest.mark.parametrize("peer", sorted(SUITE_PEERS))
def test_peer_suite_exits_0(peer, tmp_path, capsys):
    pytest.importorskip(SUITE_PEERS[peer])
    path = tmp_path / f"{peer}.json"
    code = main(["compare", peer, "--no-progress", "--json", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "Traceback" not in out + err and "FAILED" not in out
    got = json.loads(path.read_text())
    assert got["comparisons"] and all(c["passed"] or c["known"] for c in got["comparisons"])
    assert {c["suite_peer"] for c in got["comparisons"]} == {peer}


def test_torch_suite_compares_gradients_and_one_component_selects(capsys):
    pytest.importorskip("torch")
    from specref.compare import suites

    cases = [c for c in suites.cases("torch") if c.component == "irfft"]
    result = cases[0].run()
    assert [t.name for t in result.tensors] == ["output", "grad x"] and result.passed, result.message()
    assert main(["compare", "torch", "irfft", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"{len(cases)} comparisons: {len(cases)} passed" in out


class Opaque:
    """A custom object: torch.save pickles it by reference, which weights_only loading refuses."""

    def __init__(self):
        self.payload = [1, 2, 3]


def test_pt_state_dict_loads_with_weights_only(tmp_path):
    torch = pytest.importorskip("torch")
    module = torch.nn.Linear(3, 2).double()
    path = tmp_path / "linear.pt"
    torch.save(module.state_dict(), path)
    got = load_weights(path)
    assert sorted(got) == ["bias", "weight"]
    assert np.array_equal(got["weight"], module.weight.detach().numpy())
    assert got["weight"].dtype == np.float64


def test_pth_nested_complex_and_bfloat16(tmp_path):
    torch = pytest.importorskip("torch")
    w = torch.randn(4, 3, dtype=torch.complex128)
    half = torch.tensor([1.0, -2.5, 0.15625], dtype=torch.bfloat16)
    path = tmp_path / "nested.pth"
    torch.save({"encoder": {"filter": w.conj(), "scale": half}}, path)
    got = load_weights(path)
    assert sorted(got) == ["encoder.filter", "encoder.scale"]
    assert np.array_equal(got["encoder.filter"], np.conj(w.numpy()))  # the lazy conjugate resolved
    assert got["encoder.scale"].dtype == np.float32
    assert np.array_equal(got["encoder.scale"], np.array([1.0, -2.5, 0.15625], dtype=np.float32))


def test_pt_with_a_custom_object_is_refused_with_the_reason(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "evil.pt"
    torch.save({"weight": torch.ones(2), "extra": Opaque()}, path)
    with pytest.raises(ValueError, match=r"refused: it needs unpickling arbitrary objects.*weights_only"):
        load_weights(path)


def test_pt_checkpoint_with_non_tensor_entries_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "checkpoint.pt"
    torch.save({"model": {"weight": torch.ones(2)}, "epoch": 3}, path)
    with pytest.raises(ValueError, match=r"entry 'epoch' is of type int, not a tensor"):
        load_weights(path)


def test_cli_refuses_a_pickled_pt_as_a_usage_error(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    path = tmp_path / "evil.pt"
    torch.save({"extra": Opaque()}, path)
    code = main(["compare", "torch", "rfft", "--weights", str(path), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "bad weights file" in err and "weights_only" in err and "Traceback" not in err


@pytest.mark.parametrize("suffix", [".pt", ".npz"])
def test_spectrans_global_filter_with_the_users_weights(tmp_path, capsys, suffix):
    """``specref compare spectrans GlobalFilterMixing --weights FILE``: the configuration is read off the
    weights' shapes, both sides load them, every activation and the lengths either side are compared."""
    torch = pytest.importorskip("torch")
    gen = np.random.default_rng(5)
    sd = {"filter_real": gen.standard_normal((9, 3)), "filter_imag": gen.standard_normal((9, 3))}
    path = tmp_path / f"gf{suffix}"
    if suffix == ".pt":
        torch.save({k: torch.from_numpy(v) for k, v in sd.items()}, path)
    else:
        np.savez(path, **sd)
    out = tmp_path / "gf.json"
    code = main(["compare", "spectrans", "GlobalFilterMixing", "--weights", str(path), "--no-progress",
                 "--json", str(out)])
    assert code == 0, capsys.readouterr().out
    rows = json.loads(out.read_text())["comparisons"]
    assert "9 comparisons: 9 passed" in capsys.readouterr().out
    assert len(rows) == 9 and {r["config"]["sequence_length"] for r in rows} == {9}
    assert {r["config"]["activation"] for r in rows} == {"sigmoid", "tanh", "identity"}


def test_weights_that_do_not_fit_the_component_exit_2(tmp_path, capsys):
    path = tmp_path / "w.npz"
    np.savez(path, filter_real=np.ones((8, 3)))
    assert main(["compare", "spectrans", "GlobalFilterMixing", "--weights", str(path), "--no-progress"]) == 2
    assert "filter_imag" in capsys.readouterr().err
    assert main(["compare", "spectrans", "AFNOMixing", "--weights", str(path), "--no-progress"]) == 2
