#!/usr/bin/env bash
# bench/orders.sh -- throughput and latency of placing orders (POST /api/v1/orders).
#
# For each database backend (SQLite, then PostgreSQL):
#   * a fresh release server (target/release/api serve) on a free loopback port, with an empty
#     database, AUTH_RATE_LIMIT=0 (the set-up registers accounts quickly) and RUST_LOG=warn, in
#     the embedded mode: the API process also runs the job runner, so the supplier's
#     "new order" mail of every order is rendered and written (.eml) while the load runs;
#   * bench/orders_setup.py, through the HTTP API: an organiser, a vetted supplier with
#     $PRODUCTS listed products, an enterprise and its member;
#   * wrk ($CONNECTIONS connections, $WRK_THREADS threads, $DURATION s, --latency) with
#     bench/orders.lua: every request places a new order (one line, quantity 1-3) with a fresh
#     Idempotency-Key (run id, thread, sequence number);
#   * then it counts the orders, order lines and idempotency keys in the database and checks
#     them against what wrk saw: every 201 is an order, and at most the requests still in flight
#     when wrk stopped (sent - answered) may have added one more each.
# Prints orders/s, p50/p99, non-201 answers, and a final table; exits 1 if any answer was not
# 201 or the database disagrees. Goal (issue 5): >= 500 orders/s with p99 <= 50 ms on PostgreSQL.
#
# Requirements: target/release/api (`cargo build --release -p api`), python3, curl, wrk
# (installed with apt-get when missing), sqlite3 or python3 for the SQLite count, and for
# PostgreSQL a local cluster reachable as `psql -h 127.0.0.1 -U postgres` with trust auth
# (started with pg_ctlcluster when it is not running); a scratch database is created and dropped.
#
# Run from anywhere:
#     bash bench/orders.sh
# Knobs (environment): DURATION=20, WARMUP=3 (seconds of unmeasured ordering first),
# CONNECTIONS=32, WRK_THREADS=2, PRODUCTS=5, DATABASES="sqlite postgres",
# API_BIN=target/release/api, PG_HOST=127.0.0.1, PG_PORT=5432, PG_USER=postgres,
# PG_PARAMS (query of the database URL, e.g. sslmode=disable; by default the connection uses
# TLS when the server offers it, as Debian's does), SERVER_ENV="DB_MAX_CONNECTIONS=32 ..."
# (extra server variables), KEEP_TMP=1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)

API_BIN=${API_BIN:-target/release/api}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-2}
PRODUCTS=${PRODUCTS:-5}
DATABASES=${DATABASES:-sqlite postgres}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
PG_PARAMS=${PG_PARAMS:-}
SERVER_ENV=${SERVER_ENV:-}
ORG_EMAIL='bench-organiser@bench.example.com'
ORG_PASSWORD="bench-organiser-$RANDOM$RANDOM"
GOAL_RPS=500
GOAL_P99_MS=50

log() { printf '[orders %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ ! -x "$API_BIN" ]]; then
  echo "error: $API_BIN not found. Build it first with:" >&2
  echo "    cargo build --release -p api" >&2
  exit 1
fi
command -v python3 >/dev/null || die "python3 is required"
command -v curl >/dev/null || die "curl is required"
if ! command -v wrk >/dev/null; then
  log "wrk not found; installing it with apt-get"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get install -y wrk >/dev/null 2>&1 \
    || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; } \
    || die "could not install wrk (apt-get install -y wrk)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-orders.XXXXXX")
SERVER_PID=""
PG_DB=""

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      kill -TERM "$SERVER_PID" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

pg() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -qAt -v ON_ERROR_STOP=1 "$@"; }

drop_pg_db() {
  if [[ -n "$PG_DB" ]]; then
    pg -d postgres -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 \
      || log "warning: could not drop database $PG_DB"
    PG_DB=""
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server
  drop_pg_db
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_healthy() { # $1 = base url, $2 = log file
  local deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null --max-time 2 "$1/healthz" 2>/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 40 "$2" >&2 || true; die "server exited before becoming healthy"; }
    (( SECONDS < deadline )) || { tail -n 40 "$2" >&2 || true; die "server not healthy after 60 s"; }
    sleep 0.2
  done
}

ensure_postgres() {
  command -v psql >/dev/null || die "psql not found; install PostgreSQL or run with DATABASES=sqlite"
  if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
    log "PostgreSQL not running; starting it"
    local ver
    ver=$(ls /etc/postgresql | sort -V | tail -n 1)
    [[ -n "$ver" ]] || die "no PostgreSQL cluster under /etc/postgresql"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
    for _ in $(seq 1 50); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 0.2; done
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || die "PostgreSQL did not come up"
  fi
}

# wrk prints latencies as 812.00us / 1.23ms / 1.02s; normalise to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

# sql <db> <data_dir> <query>: one number from the backend's database.
sql() {
  case "$1" in
    sqlite)
      python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])' \
        "$2/marketplace.db" "$3" ;;
    postgres) pg -d "$PG_DB" -c "$3" ;;
  esac
}

# CPU time (clock ticks) used so far by the given processes.
ticks() {
  local t=0 pid v
  for pid in "$@"; do
    v=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || v=0
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
pg_pids() { pgrep -x postgres 2>/dev/null || pgrep -f '^postgres:' 2>/dev/null || true; }

# settle <db> <data_dir>: waits until the order count stops moving (requests wrk abandoned at
# its stop still finish on the server), then prints it.
settle() {
  local prev=-1 cur deadline=$((SECONDS + 30))
  while :; do
    cur=$(sql "$1" "$2" "SELECT count(*) FROM orders")
    [[ "$cur" == "$prev" ]] && break
    (( SECONDS < deadline )) || break
    prev=$cur
    sleep 1
  done
  echo "$cur"
}

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
FAILED=0
T_START=$SECONDS

bench_backend() {
  local db=$1
  local data_dir="$WORK/$db-data" port base srv_log
  mkdir -p "$data_dir"
  port=$(free_port)
  base="http://127.0.0.1:$port"
  srv_log="$WORK/$db-server.log"

  local -a env_vars=(
    "BIND_ADDR=127.0.0.1:$port" "DATA_DIR=$data_dir" "AUTH_RATE_LIMIT=0" "RUST_LOG=warn"
    "ACCESS_TOKEN_TTL_SECS=86400"
    "BOOTSTRAP_ORGANISER_EMAIL=$ORG_EMAIL" "BOOTSTRAP_ORGANISER_PASSWORD=$ORG_PASSWORD"
  )
  case "$db" in
    sqlite) ;;
    postgres)
      ensure_postgres
      PG_DB="bench_orders_$(date +%s)_$$"
      pg -d postgres -c "CREATE DATABASE \"$PG_DB\"" >/dev/null || die "could not create database $PG_DB"
      env_vars+=("DATABASE_URL=postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB${PG_PARAMS:+?$PG_PARAMS}"
                 "JWT_SECRET=bench-jwt-secret-$(date +%s%N)-0123456789abcdef")
      ;;
    *) die "unknown database '$db' (expected sqlite or postgres)" ;;
  esac
  # shellcheck disable=SC2206 # word splitting of SERVER_ENV is intended
  env_vars+=($SERVER_ENV)

  log "[$db] starting $API_BIN serve on $base ${SERVER_ENV:+($SERVER_ENV)}"
  env -u DATABASE_URL -u JWT_SECRET -u REDIS_URL -u MEILI_URL -u SMTP_URL "${env_vars[@]}" \
    "$API_BIN" serve >"$srv_log" 2>&1 &
  SERVER_PID=$!
  wait_healthy "$base" "$srv_log"

  log "[$db] setting up a vetted supplier with $PRODUCTS listed products and an enterprise"
  python3 "$REPO_ROOT/bench/orders_setup.py" --base-url "$base" \
    --organiser-email "$ORG_EMAIL" --organiser-password "$ORG_PASSWORD" \
    --products "$PRODUCTS" >"$WORK/$db-setup.json" \
    || die "[$db] set-up failed (server log: $srv_log)"
  local token products
  token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$WORK/$db-setup.json")
  products=$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["product_ids"]))' "$WORK/$db-setup.json")

  local -a wrk_env=("TOKEN=$token" "PRODUCT_IDS=$products")
  if (( WARMUP > 0 )); then
    log "[$db] warm-up ${WARMUP}s (not measured; its orders are counted below)"
    env "${wrk_env[@]}" RUN_ID="warm$$$(date +%s)" OUT="$WORK/$db-warmup.txt" \
      timeout $((WARMUP + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s \
      -s "$REPO_ROOT/bench/orders.lua" "$base" >/dev/null 2>&1 || true
  fi
  local before
  before=$(settle "$db" "$data_dir")

  local out="$WORK/$db-wrk.txt" tally="$WORK/$db-tally.txt"
  local srv0 pg0 all0 hz
  hz=$(getconf CLK_TCK)
  srv0=$(ticks "$SERVER_PID")
  # shellcheck disable=SC2046 # one pid per word
  pg0=$(ticks $(pg_pids))
  all0=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)
  log "[$db] wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s POST /api/v1/orders"
  env "${wrk_env[@]}" RUN_ID="run$$$(date +%s)" OUT="$tally" \
    timeout $((DURATION + 60)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s \
    --latency -s "$REPO_ROOT/bench/orders.lua" "$base" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
  sed 's/^/    /' "$out" >&2
  kill -0 "$SERVER_PID" 2>/dev/null || die "[$db] server died during the run (log: $srv_log)"
  local srv1 pg1 all1
  srv1=$(ticks "$SERVER_PID")
  # shellcheck disable=SC2046
  pg1=$(ticks $(pg_pids))
  all1=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)

  local rps p50 p99 sockerr sent ok bad
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2; exit}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2; exit}' "$out")")
  sockerr=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out"); sockerr=${sockerr:-0}
  sent=$(awk '$1 == "sent" {print $2}' "$tally")
  ok=$(awk '$1 == "ok" {print $2}' "$tally")
  bad=$(awk '$1 == "bad" {print $2}' "$tally")
  [[ -n "$rps" && -n "$ok" ]] || die "could not parse wrk output"

  local after lines keys in_flight made verdict
  after=$(settle "$db" "$data_dir")
  lines=$(sql "$db" "$data_dir" "SELECT count(*) FROM order_items")
  local jobs_all jobs_done
  jobs_all=$(sql "$db" "$data_dir" "SELECT count(*) FROM jobs")
  jobs_done=$(sql "$db" "$data_dir" "SELECT count(*) FROM jobs WHERE status = 'done'")
  keys=$(sql "$db" "$data_dir" "SELECT count(*) FROM idempotency_keys")
  made=$((after - before))
  in_flight=$((sent - ok - bad))
  verdict=ok
  if (( bad != 0 || made < ok || made > ok + in_flight || lines != after || keys != after )); then
    verdict=MISMATCH
    FAILED=1
  fi
  local placed_rps
  placed_rps=$(awk -v n="$ok" -v d="$DURATION" 'BEGIN { printf "%.1f", n / d }')

  echo
  echo "== $db: POST /api/v1/orders, $CONNECTIONS connections, ${DURATION}s =="
  printf '  %s orders/s (wrk %s req/s)   p50 %s ms   p99 %s ms\n' "$placed_rps" "$rps" "$p50" "$p99"
  printf '  answers: %s x 201, %s non-201, %s socket errors; %s still in flight at the stop\n' \
    "$ok" "$bad" "$sockerr" "$in_flight"
  [[ "$bad" != 0 ]] && grep '^status' "$tally" | sed 's/^/    /'
  # CPU per order: the server (orders and, embedded, their mail jobs), PostgreSQL, and the whole
  # machine's busy time (wrk and anything else running included).
  awk -v s=$((srv1 - srv0)) -v p=$((pg1 - pg0)) -v a=$((all1 - all0)) -v n="$ok" -v hz="$hz" -v db="$db" 'BEGIN {
    if (n == 0) exit
    printf "  CPU per order: server %.2f ms", 1000 * s / hz / n
    if (db == "postgres") printf ", PostgreSQL %.2f ms", 1000 * p / hz / n
    printf ", whole machine %.2f ms\n", 1000 * a / hz / n }'
  printf '  mail jobs: %s of %s done when the run ended (the rest are sent afterwards)\n' "$jobs_done" "$jobs_all"
  printf '  database: %s new orders (expected %s..%s), %s order lines and %s keys for %s orders: %s\n' \
    "$made" "$ok" "$((ok + in_flight))" "$lines" "$keys" "$after" "$verdict"
  echo

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$db" "$placed_rps" "$p50" "$p99" "$bad" "$made" "$verdict" >>"$RESULTS"
  stop_server
  drop_pg_db
}

for db in $DATABASES; do
  bench_backend "$db"
done

echo "Orders benchmark: POST /api/v1/orders, wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) CPUs${SERVER_ENV:+, $SERVER_ENV}"
printf '%-9s | %9s %9s %9s | %8s | %10s %8s\n' backend 'orders/s' 'p50 ms' 'p99 ms' 'non-201' 'DB orders' check
printf -- '----------+-------------------------------+----------+--------------------\n'
while IFS=$'\t' read -r db r p50 p99 bad made verdict; do
  printf '%-9s | %9s %9s %9s | %8s | %10s %8s\n' "$db" "$r" "$p50" "$p99" "$bad" "$made" "$verdict"
  if [[ "$db" == postgres ]]; then
    if awk -v r="$r" -v p="$p99" -v gr="$GOAL_RPS" -v gp="$GOAL_P99_MS" 'BEGIN { exit !(r >= gr && p <= gp) }'; then
      echo "  PostgreSQL goal (>= $GOAL_RPS orders/s, p99 <= $GOAL_P99_MS ms): met"
    else
      echo "  PostgreSQL goal (>= $GOAL_RPS orders/s, p99 <= $GOAL_P99_MS ms): NOT met"
    fi
  fi
done <"$RESULTS"
echo "(total time $((SECONDS - T_START))s)"
exit "$FAILED"
