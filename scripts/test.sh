#!/usr/bin/env bash
# The one test command (README): every unit and end-to-end test on SQLite, and on PostgreSQL
# too when this machine has it (started here if stopped), then schemathesis against the
# generated OpenAPI document.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if start_postgres; then
    export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
  else
    echo "PostgreSQL is not available here: the PostgreSQL variants of the tests will skip." >&2
  fi
fi
echo "TEST_DATABASE_URL=${TEST_DATABASE_URL:-<unset>}"

cargo build --workspace --all-targets
cargo test --workspace --all-targets
bash scripts/schemathesis.sh
