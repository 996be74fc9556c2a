#!/usr/bin/env bash
# Prints the path of a `versitygw` binary (an S3-compatible server, Apache-2.0), building one if needed:
#   1. $AGIQA_VERSITYGW_BIN if set, 2. `versitygw` on PATH, 3. tools/.bin/versitygw,
#   4. `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0` into tools/.bin (about 2 minutes).
# The tests of the S3 artefact store and the crash test across machines run against it: a real
# server, never a mock. The Go module proxy answers even on machines without internet access.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="v1.8.0"
local_bin="$root/tools/.bin/versitygw"

if [[ -n "${AGIQA_VERSITYGW_BIN:-}" ]]; then
  [[ -x "$AGIQA_VERSITYGW_BIN" ]] || { echo "AGIQA_VERSITYGW_BIN=$AGIQA_VERSITYGW_BIN is not executable" >&2; exit 1; }
  echo "$AGIQA_VERSITYGW_BIN"; exit 0
fi
if command -v versitygw >/dev/null 2>&1; then command -v versitygw; exit 0; fi
if [[ -x "$local_bin" ]]; then echo "$local_bin"; exit 0; fi

command -v go >/dev/null 2>&1 || {
  echo "No versitygw found and Go is not installed: install Go (https://go.dev/dl) or put 'versitygw' on PATH." >&2
  exit 1
}
echo "Building versitygw $version with go install (one-off, about 2 minutes)..." >&2
mkdir -p "$root/tools/.bin"
GOBIN="$root/tools/.bin" GOFLAGS="${GOFLAGS:--trimpath}" go install "github.com/versity/versitygw/cmd/versitygw@$version" >&2
"$local_bin" --version >&2 || true
echo "$local_bin"
