#!/usr/bin/env bash
# tests/ui/run.sh -- browser smoke test of the web UI (orders, needs, leads, facets).
#
# Starts `api serve --demo` on a free loopback port with a fresh data directory, installs
# playwright-core with npm (into tests/ui/node_modules) and drives Debian's Chromium headless
# with tests/ui/orders.mjs; screenshots land in $SHOTS (default: a temporary directory, printed).
# Not part of scripts/test.sh. Needs node/npm and /usr/bin/chromium (installed with apt-get
# when missing and running as root; set CHROMIUM to use another build).
#
#     cargo build -p api && bash tests/ui/run.sh        # API_BIN=target/release/api also works
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)
API_BIN=${API_BIN:-target/debug/api}
[[ -x "$API_BIN" ]] || { echo "error: $API_BIN not found; run cargo build -p api first" >&2; exit 1; }
command -v npm >/dev/null || { echo "error: node and npm are required" >&2; exit 1; }
if [[ -z "${CHROMIUM:-}" && ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
  else
    echo "error: /usr/bin/chromium not found (apt-get install chromium)" >&2; exit 1
  fi
fi
(cd tests/ui && npm install --no-audit --no-fund --silent >/dev/null)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ui-test.XXXXXX")
SHOTS=${SHOTS:-$WORK/shots}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -u DATABASE_URL -u REDIS_URL -u JWT_SECRET DATA_DIR="$WORK/data" BIND_ADDR="127.0.0.1:$PORT" RUST_LOG=warn \
  "$API_BIN" serve --demo >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done
BASE="http://127.0.0.1:$PORT" SHOTS="$SHOTS" node "$ROOT/tests/ui/orders.mjs"
echo "screenshots: $SHOTS"
