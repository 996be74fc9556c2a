#!/usr/bin/env bash
# Fails (exit 2) when prisma/schema.prisma has changes that no migration in prisma/migrations
# creates yet, printing the missing SQL. Offline, same route as migrate-new.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stand_in="$root/infra/prisma/engine-stand-in.sh"
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$stand_in}"
export PRISMA_QUERY_ENGINE_LIBRARY="${PRISMA_QUERY_ENGINE_LIBRARY:-$stand_in}"
export PRISMA_HIDE_UPDATE_MESSAGE=1
export PRISMA_DATABASE_URL="pglite:memory"
cd "$root"
set +e
npx --no-install prisma migrate diff --from-migrations prisma/migrations \
  --to-schema-datamodel prisma/schema.prisma --script --exit-code
status=$?
set -e
if [[ $status -eq 2 ]]; then
  echo "prisma/schema.prisma changed without a migration: run npm run db:migrate:new -- <name>" >&2
fi
exit $status
