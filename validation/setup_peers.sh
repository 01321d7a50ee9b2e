#!/usr/bin/env bash
# Build the peer venv of the comparisons and benchmarks from scratch (idempotent: what is installed is
# skipped): .venv-peers at the repository root, Python 3.11, with
#   torch 2.13.0 (CPU wheel), jax + jaxlib (CPU), numpy, scipy, pywavelets,
#   spectrans 0.1.0 (patched to import on Python 3.11), pytest, hypothesis, scikit-learn,
#   torch-dct, ptwt, performer-pytorch, neuraloperator (its spectral convolution),
#   specref installed editable with its base dependencies.
#
#   bash validation/setup_peers.sh                       # create or complete .venv-peers
#   PEERS_VENV=/tmp/peers bash validation/setup_peers.sh  # elsewhere
#
# Then: SPECREF_REQUIRE_PEERS=1 .venv-peers/bin/python -m pytest -q validation
#
# Pins and why:
# - torch==2.13.0 takes the CPU wheel kept on this machine's wheel directory; an unpinned torch pulls a
#   multi-GB CUDA build.
# - spectrans 0.1.0 declares Python >= 3.13, but its only newer syntax is the PEP 695 `type X = ...` alias
#   statements of spectrans/core/types.py: installed with --no-deps --ignore-requires-python (its runtime
#   dependencies torch, einops, numpy, pydantic, pywavelets, pyyaml, scipy are installed here first) and the
#   aliases rewritten as plain assignments by sed.
# - scikit-learn: the kernel benchmark compares with its RBFSampler.
# - mpmath: torch's sympy pins mpmath < 1.4; specref requires mpmath unpinned, so the older one stays.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PEERS_VENV:-$ROOT/.venv-peers}"
PYTHON="${PYTHON:-python3.11}"
start=$(date +%s)

echo "== peer venv: $VENV (python: $($PYTHON --version 2>&1))"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install -q --disable-pip-version-check)

has() {  # has MODULE [VERSION-PREFIX]: the module imports (and its __version__ starts with the prefix)
    (cd / && "$PY" - "$@" <<'PY' >/dev/null 2>&1
import importlib, sys
mod = importlib.import_module(sys.argv[1])
if len(sys.argv) > 2 and not str(getattr(mod, "__version__", "")).startswith(sys.argv[2]):
    sys.exit(1)
PY
    )
}

if has torch 2.13.0; then echo "== torch 2.13.0: present"; else
    echo "== torch 2.13.0 (CPU wheel)"; "${PIP[@]}" "torch==2.13.0"; fi
if has jax && has jaxlib; then echo "== jax: present"; else
    echo "== jax, jaxlib (CPU)"; "${PIP[@]}" jax jaxlib; fi

missing=()
for spec in numpy:numpy scipy:scipy pywt:pywavelets einops:einops pydantic:pydantic yaml:pyyaml \
            pytest:pytest hypothesis:hypothesis sklearn:scikit-learn; do
    has "${spec%%:*}" || missing+=("${spec##*:}")
done
if [ ${#missing[@]} -eq 0 ]; then echo "== numpy, scipy, pywavelets, einops, pydantic, pyyaml, pytest, hypothesis: present"
else echo "== ${missing[*]}"; "${PIP[@]}" "${missing[@]}"; fi

SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [ -f "$SITE/spectrans/core/types.py" ] && [ "$("$PY" -c 'import importlib.metadata as m; print(m.version("spectrans"))' \
        2>/dev/null)" = "0.1.0" ]; then echo "== spectrans 0.1.0: present"; else
    echo "== spectrans 0.1.0 (--no-deps --ignore-requires-python)"
    "${PIP[@]}" --no-deps --ignore-requires-python "spectrans==0.1.0"
fi
# PEP 695 aliases -> plain assignments (a no-op once applied).
sed -i -E 's/^type ([A-Za-z_][A-Za-z0-9_]*) = /\1 = /' "$SITE/spectrans/core/types.py"

# The peers of the comparison suites beyond spectrans (pinned; `specref compare PEER` names each):
# - torch-dct, ptwt, performer-pytorch with their dependencies (torch is already pinned above, so pip keeps it);
# - neuraloperator with --no-deps (its full dependency list pulls wandb, zencfg...): only what
#   neuralop.layers.spectral_convolution imports: tensorly, tensorly-torch (--no-deps) and requests.
if has torch_dct && has ptwt && has performer_pytorch; then echo "== torch-dct, ptwt, performer-pytorch: present"
else echo "== torch-dct 0.1.6, ptwt 1.0.1, performer-pytorch 1.1.4"
    "${PIP[@]}" "torch-dct==0.1.6" "ptwt==1.0.1" "performer-pytorch==1.1.4"; fi
if (cd / && "$PY" -c "import neuralop.layers.spectral_convolution") >/dev/null 2>&1; then
    echo "== neuraloperator (spectral convolution): present"
else
    echo "== neuraloperator 2.0.0 (--no-deps) + tensorly, tensorly-torch, requests"
    "${PIP[@]}" --no-deps "neuraloperator==2.0.0" "tensorly-torch==0.5.0"
    "${PIP[@]}" "tensorly==0.10.0" requests
fi

# Checked from / so that the working directory's specref/ does not stand in for an installed one.
if (cd / && "$PY" -c "import specref, sys; sys.exit(not specref.__file__.startswith('$ROOT/'))") >/dev/null 2>&1
then
    echo "== specref (editable): present"
else
    echo "== specref (editable, base dependencies)"; "${PIP[@]}" -e "$ROOT"
fi

(cd / && "$PY" - <<'PY'
import importlib.metadata as md
import jax, mpmath, numpy, pywt, scipy, spectrans, torch
import neuralop.layers.spectral_convolution, performer_pytorch, ptwt, torch_dct
import specref
extra = ", ".join(f"{d} {md.version(d)}" for d in ("torch-dct", "ptwt", "neuraloperator", "performer-pytorch"))
print(f"== installed: torch {torch.__version__}, jax {jax.__version__}, spectrans {spectrans.__version__}, "
      f"numpy {numpy.__version__}, scipy {scipy.__version__}, pywt {pywt.__version__}, mpmath {mpmath.__version__}, "
      f"{extra}, specref from {specref.__file__}")
PY
)
echo "== peer venv ready in $(( $(date +%s) - start ))s"
