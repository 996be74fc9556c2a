#!/usr/bin/env bash
# `prisma generate`, offline. Prisma's CLI looks for its native engines before generating and
# tries to download them when missing; pointing the engine variables at a stand-in skips the
# download. Generation itself runs on Prisma's bundled wasm and needs no engine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stand_in="$root/infra/prisma/engine-stand-in.sh"
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$stand_in}"
export PRISMA_QUERY_ENGINE_LIBRARY="${PRISMA_QUERY_ENGINE_LIBRARY:-$stand_in}"
export PRISMA_HIDE_UPDATE_MESSAGE=1
cd "$root"
exec npx --no-install prisma generate --schema prisma/schema.prisma "$@"
