#!/usr/bin/env bash
# Creates (or updates) the project's Python environment, tools/.venv, from tools/requirements.txt:
# the torch training engine (libs/torch-engine), its tests, bench/reference, schemathesis.
# Needs Python >= 3.11 with venv. Idempotent: reinstalls only when the requirements changed since the
# last successful run.
# Usage: bash tools/setup-python.sh [python executable, default python3]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${1:-${AGIQA_PYTHON_FOR_VENV:-python3}}"
venv="$here/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "tools/setup-python.sh: $python not found; install Python >= 3.11 (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "tools/setup-python.sh: $python is $("$python" --version 2>&1); the torch engine needs Python >= 3.11" >&2
  exit 1
fi
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "tools/setup-python.sh: $python cannot create virtual environments (on Debian: apt-get install python3-venv)" >&2
  exit 1
fi
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "tools/.venv is up to date ($requirements)"
  exit 0
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
echo "$wanted" > "$stamp"
"$venv/bin/python" -c 'import torch, transformers; print(f"tools/.venv ready: torch {torch.__version__}, transformers {transformers.__version__}")'
