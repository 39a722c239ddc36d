#!/usr/bin/env bash
# The one test command (README): every unit and end-to-end test on SQLite, and on PostgreSQL
# and with Redis too when this machine has them (started here if stopped), with a real SMTP
# server, then schemathesis against the generated OpenAPI document.
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
if [ -z "${TEST_REDIS_URL:-}" ]; then
  if start_redis; then
    export TEST_REDIS_URL=redis://127.0.0.1:6379
  else
    echo "Redis is not available here: the Redis transport tests will skip." >&2
  fi
fi
# Meilisearch, when installed: its variants of the search tests run against it.
start_meilisearch || true
# The tests' SMTP server (a real one: aiosmtpd from PyPI).
ensure_aiosmtpd
echo "TEST_DATABASE_URL=${TEST_DATABASE_URL:-<unset>} TEST_REDIS_URL=${TEST_REDIS_URL:-<unset>}"

cargo build --workspace --all-targets
cargo test --workspace --all-targets
bash scripts/schemathesis.sh
