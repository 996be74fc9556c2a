#!/usr/bin/env bash
# Runs the project's Python (AGIQA_PYTHON, else tools/.venv) with the given arguments: the Nx
# targets of libs/torch-engine go through this. Without a Python the target is skipped with the
# reason, unless AGIQA_REQUIRE_PYTHON=1 (CI), where that is an error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${AGIQA_PYTHON:-}"
if [[ -z "$python" && -x "$root/tools/.venv/bin/python" ]]; then
  python="$root/tools/.venv/bin/python"
fi
if [[ -z "$python" ]]; then
  if [[ "${AGIQA_REQUIRE_PYTHON:-}" == 1 ]]; then
    echo "AGIQA_REQUIRE_PYTHON=1 but there is no Python for the torch engine: set AGIQA_PYTHON or run bash tools/setup-python.sh" >&2
    exit 1
  fi
  echo "skipped: no Python for the torch engine (set AGIQA_PYTHON or run bash tools/setup-python.sh)"
  exit 0
fi
exec "$python" "$@"
