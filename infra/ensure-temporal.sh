#!/usr/bin/env bash
# Prints the path of a `temporal` CLI (server included), building one if needed:
#   1. $AGIQA_TEMPORAL_BIN if set, 2. `temporal` on PATH, 3. tools/.bin/temporal,
#   4. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into tools/.bin.
# v1.5.1 is the newest tag whose go.mod has no `replace` directive; later tags refuse `go install`.
# npm cannot provide the server; the Go module proxy can, even on machines without internet access.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="v1.5.1"
local_bin="$root/tools/.bin/temporal"

if [[ -n "${AGIQA_TEMPORAL_BIN:-}" ]]; then
  [[ -x "$AGIQA_TEMPORAL_BIN" ]] || { echo "AGIQA_TEMPORAL_BIN=$AGIQA_TEMPORAL_BIN is not executable" >&2; exit 1; }
  echo "$AGIQA_TEMPORAL_BIN"; exit 0
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [[ -x "$local_bin" ]]; then echo "$local_bin"; exit 0; fi

command -v go >/dev/null 2>&1 || {
  echo "No temporal CLI found and Go is not installed: install Go (https://go.dev/dl) or put 'temporal' on PATH." >&2
  exit 1
}
echo "Building the Temporal CLI $version with go install (one-off, a few minutes)..." >&2
mkdir -p "$root/tools/.bin"
GOBIN="$root/tools/.bin" GOFLAGS="${GOFLAGS:--trimpath}" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
"$local_bin" --version >&2
echo "$local_bin"
