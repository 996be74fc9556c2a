#!/bin/sh
# Stand-in for Prisma's native engines, which Prisma downloads at install time (offline here).
# agiqa never needs them: the client runs with engineType="client" through driver adapters and
# migrations are applied through libs/db (see libs/db/README.md). If Prisma ever executes this,
# say so loudly instead of failing mysteriously.
echo "prisma native engine stand-in was executed: agiqa uses driver adapters (see libs/db/README.md)" >&2
exit 1
