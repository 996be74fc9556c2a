#!/usr/bin/env bash
# The README's first command: from a fresh clone to a finished 2 text encoders × 2 fusions sweep
# on the embedded default (PGlite + Temporal dev server + one worker + API/dashboard), Table 1
# printed and the dashboard URL shown. Re-running it reuses what is already installed and built.
# Extra arguments go to `agiqa demo` (e.g. --images 1000 --epochs 60; --ephemeral-ports or --port N
# to run beside another stack; --json for a machine-readable result).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`Node >= 20.19 is required, found ${process.versions.node}`); process.exit(1) }'

# onnxruntime-node's postinstall would download CUDA libraries; the CPU runtime is bundled.
export ONNXRUNTIME_NODE_INSTALL=skip
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "· installing dependencies (npm ci)"
  npm ci --no-fund --no-audit
fi

echo "· ensuring the Temporal CLI"
bash infra/ensure-temporal.sh >/dev/null

echo "· building"
NX_DAEMON=false npx --no-install nx run-many -t build --outputStyle=static >/dev/null

exec node apps/cli/bin/agiqa.js demo "$@"
