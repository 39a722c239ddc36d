#!/usr/bin/env bash
# scripts/schemathesis.sh -- property-based API fuzzing of the server's own OpenAPI document.
#
# What it checks: schemathesis (4.x) generates requests for every operation in
# GET /api/v1/openapi.json (valid and invalid inputs) and fails when the server answers
# with a 5xx (`not_a_server_error`: "never 500 for bad input") or with a body that does not
# match the documented response schema (`response_schema_conformance`).
#
# How: installs schemathesis 4.x with pip when missing, starts target/debug/api (or
# $API_BIN) on a free loopback port with a throw-away DATA_DIR (embedded SQLite),
# AUTH_RATE_LIMIT=0 and a bootstrap organiser, waits for /healthz, logs in as that organiser
# and fuzzes with the organiser's bearer token. Exits non-zero when schemathesis reports
# failures (or the server dies); the server is always stopped (trap).
#
# Run from the repository root (build first with `cargo build -p api`):
#     bash scripts/schemathesis.sh
#     MAX_EXAMPLES=50 bash scripts/schemathesis.sh --include-path-regex '^/products'
# Extra arguments are passed to `schemathesis run`. Knobs (environment):
#   API_BIN=target/debug/api  MAX_EXAMPLES=20  CHECKS=not_a_server_error,response_schema_conformance
#   PHASES= (e.g. examples,coverage,fuzzing; default: all phases)  WORKERS=1  SEED=
#   REPORT_DIR= (write a JUnit report there)  TIME_LIMIT=780 (seconds; tokens live 15 min)
#   KEEP_TMP=1 (keep the server log and data dir)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

API_BIN=${API_BIN:-target/debug/api}
MAX_EXAMPLES=${MAX_EXAMPLES:-20}
CHECKS=${CHECKS:-not_a_server_error,response_schema_conformance}
PHASES=${PHASES:-}
WORKERS=${WORKERS:-1}
SEED=${SEED:-}
REPORT_DIR=${REPORT_DIR:-}
TIME_LIMIT=${TIME_LIMIT:-780}
SCHEMATHESIS_SPEC='schemathesis>=4,<5'
ORG_EMAIL='fuzz-organiser@fuzz.example.com'
ORG_PASSWORD="fuzz-organiser-$RANDOM$RANDOM"

log() { printf '[schemathesis.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- prerequisites -------------------------------------------------------------------
if [[ ! -x "$API_BIN" ]]; then
  echo "error: $API_BIN not found. Build it first with:" >&2
  echo "    cargo build -p api" >&2
  exit 1
fi
command -v curl >/dev/null || die "curl is required"
command -v python3 >/dev/null || die "python3 is required"

st_major() { schemathesis --version 2>/dev/null | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p'; }
if [[ "$(st_major)" != 4 ]]; then
  log "installing $SCHEMATHESIS_SPEC"
  python3 -m pip install --quiet "$SCHEMATHESIS_SPEC"
  hash -r
  [[ "$(st_major)" == 4 ]] || die "schemathesis 4.x not on PATH after pip install"
fi
log "$(schemathesis --version)"

# ---- server --------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/schemathesis-api.XXXXXX")
SERVER_PID=""
SERVER_LOG="$WORK/server.log"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -s "$SERVER_LOG" ]]; then
    log "last lines of the server log:"
    tail -n 30 "$SERVER_LOG" >&2 || true
  fi
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"

log "starting $API_BIN serve on $BASE"
env -u DATABASE_URL -u JWT_SECRET -u REDIS_URL -u MEILI_URL -u SMTP_URL \
  BIND_ADDR="127.0.0.1:$PORT" DATA_DIR="$WORK/data" AUTH_RATE_LIMIT=0 \
  BOOTSTRAP_ORGANISER_EMAIL="$ORG_EMAIL" BOOTSTRAP_ORGANISER_PASSWORD="$ORG_PASSWORD" \
  RUST_LOG="${RUST_LOG:-warn}" "$API_BIN" serve >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null --max-time 2 "$BASE/healthz"; do
  kill -0 "$SERVER_PID" 2>/dev/null || die "server exited before becoming healthy"
  (( SECONDS < deadline )) || die "server not healthy after 60 s"
  sleep 0.2
done
log "server healthy (pid $SERVER_PID)"

# ---- organiser token -----------------------------------------------------------------
login_body=$(python3 -c 'import json,sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
  "$ORG_EMAIL" "$ORG_PASSWORD")
login_json=$(curl -fsS --max-time 10 -H 'Content-Type: application/json' \
  -d "$login_body" "$BASE/api/v1/auth/login") || die "organiser login failed"
TOKEN=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$login_json") \
  || die "no access_token in the login response"

# ---- fuzz ----------------------------------------------------------------------------
args=(
  run "$BASE/api/v1/openapi.json"
  # --origin keeps the schema's own base path (servers: [{url: "/api/v1"}] or full paths)
  --origin "$BASE"
  --checks "$CHECKS"
  --max-examples "$MAX_EXAMPLES"
  --workers "$WORKERS"
  --header "Authorization: Bearer $TOKEN"
  --request-timeout 10
  --generation-database none
)
[[ -n "$PHASES" ]] && args+=(--phases "$PHASES")
[[ -n "$SEED" ]] && args+=(--seed "$SEED")

# schemathesis keeps a crash cache in ./.schemathesis; run it from the temp dir so the
# repository stays clean (a schemathesis.toml at the repo root is still honoured).
global_args=()
[[ -f schemathesis.toml ]] && global_args+=(--config-file "$PWD/schemathesis.toml")
if [[ -n "$REPORT_DIR" ]]; then
  mkdir -p "$REPORT_DIR"
  args+=(--report junit --report-dir "$(cd "$REPORT_DIR" && pwd)")
fi

log "schemathesis ${global_args[*]} ${args[*]//$TOKEN/<token>} $*"
rc=0
(cd "$WORK" && timeout "$TIME_LIMIT" schemathesis "${global_args[@]}" "${args[@]}" "$@") || rc=$?

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  die "the server died during the run"
fi
case $rc in
  0) log "no failures" ;;
  124) die "schemathesis did not finish within ${TIME_LIMIT}s (TIME_LIMIT)" ;;
  *) die "schemathesis reported failures (exit code $rc)" ;;
esac
