"""The study (specref/neural_kernels/signature.py) and `specref signature`: kernels, summary, figures, and the
message without matplotlib. The full run at the seed's 1001 points is a CI step (.ci/run), with its time."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from specref.cli import main
from specref.neural_kernels.signature import PLOT_HINT, run_study, summary_markdown, write_report


@pytest.fixture(scope="module")
def results():
    return run_study(points=41, scales=(1.0, 30.0), latent=16)


def test_study_kernels_and_spectral_bias(results):
    assert [(r.model, r.kernel) for r in results[:5]] == [("RFF", "gram"), ("RFF", "expected"), ("LFF", "ntk"),
                                                         ("RFFMLP", "ck"), ("RFFMLP", "ntk")]
    for r in results:
        assert r.matrix.shape == (41, 41) and np.all(np.diff(r.eigenvalues) <= 0)
    by = {(r.model, r.kernel, r.scale): r for r in results}
    for model, kernel in (("RFF", "gram"), ("LFF", "ntk"), ("RFFMLP", "ntk")):
        # the claim of the study: a larger scale, a flatter spectrum
        assert by[(model, kernel, 30.0)].effective_rank > by[(model, kernel, 1.0)].effective_rank
    text = summary_markdown(results, points=41)
    assert "| RFF | gram | 1 |" in text and "effective rank" in text


def test_summary_without_figures_and_the_command(tmp_path, results, monkeypatch, capsys):
    written = write_report(results, tmp_path / "a", points=41, figures=False)
    assert [p.name for p in written] == ["summary.md"]
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    with pytest.raises(ModuleNotFoundError, match="pip install 'specref\\[plot\\]'"):
        write_report(results, tmp_path / "b", points=41)
    assert main(["signature", "--out", str(tmp_path / "c"), "--points", "21", "--no-progress"]) == 2
    assert PLOT_HINT in capsys.readouterr().err
    assert main(["signature", "--out", str(tmp_path / "c"), "--points", "21", "--scales", "2", "--no-figures",
                 "--no-progress"]) == 0
    assert (tmp_path / "c" / "summary.md").exists()
    assert main(["signature", "--out", str(tmp_path / "d"), "--points", "1", "--no-figures"]) == 2
    assert main(["signature", "--out", str(tmp_path / "d"), "--scales", "0", "--no-figures"]) == 2


def test_figures(tmp_path, results):
    pytest.importorskip("matplotlib", reason="the figures need the plot extra (the CI step runs them)")
    written = write_report(results, tmp_path, points=41)
    # scale 10 is not in this run, so the seed's two figures (its scale=10 configuration) are not drawn
    assert sorted(p.name for p in written) == ["lff_ntk.png", "rff_gram.png", "rffmlp_ck.png", "rffmlp_ntk.png",
                                               "summary.md"]
