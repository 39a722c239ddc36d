#!/usr/bin/env bash
# bench/listing.sh -- throughput/latency/memory benchmark of the product listing.
#
# What it measures, for each database backend (SQLite, then PostgreSQL):
#   * a fresh server (target/release/api serve) on a free loopback port, with an empty
#     database, AUTH_RATE_LIMIT=0 and RUST_LOG=warn;
#   * 10,000 listed products loaded through the API by bench/load_catalogue.py;
#   * wrk (64 connections, 2 threads, $DURATION seconds, --latency) against
#       1. GET /healthz                      (the ceiling: no database work)
#       2. GET /api/v1/products?industry=pcb&stage=manufacturing&sort=price_asc&per_page=20
#     reporting requests/s, p50 and p99 latency, the listing's throughput as a percentage
#     of /healthz, and the server's memory: peak VmRSS sampled during the wrk runs and
#     VmHWM (peak resident set over the whole process life, loading included).
# A final table summarises both backends. Servers are stopped and the temporary
# PostgreSQL database and data directories are removed on exit (trap).
#
# Requirements: target/release/api (build it with `cargo build --release -p api`),
# python3, curl, wrk (installed with apt-get when missing), and for PostgreSQL a local
# cluster reachable as `psql -h 127.0.0.1 -U postgres` with trust auth (started with
# pg_ctlcluster when it is not running).
#
# Run from the repository root:
#     bash bench/listing.sh
# Knobs (environment): DURATION=15 (seconds per wrk run), WARMUP=3 (seconds of unmeasured
# listing load before measuring), CONNECTIONS=64, WRK_THREADS=2, PRODUCTS=10000,
# LOAD_THREADS=16, DATABASES="sqlite postgres", API_BIN=target/release/api,
# PG_HOST=127.0.0.1, PG_PORT=5432, PG_USER=postgres, LOAD_TIMEOUT=900 (seconds),
# KEEP_TMP=1 (keep server logs/data dirs).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)

API_BIN=${API_BIN:-target/release/api}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
PRODUCTS=${PRODUCTS:-10000}
LOAD_THREADS=${LOAD_THREADS:-16}
DATABASES=${DATABASES:-sqlite postgres}
LOAD_TIMEOUT=${LOAD_TIMEOUT:-900}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
LISTING_PATH='/api/v1/products?industry=pcb&stage=manufacturing&sort=price_asc&per_page=20'
HEALTH_PATH='/healthz'
ORG_EMAIL='bench-organiser@bench.example.com'
ORG_PASSWORD="bench-organiser-$RANDOM$RANDOM"

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- prerequisites -------------------------------------------------------------------
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

# ---- state + cleanup -----------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-listing.XXXXXX")
SERVER_PID=""
SAMPLER_PID=""
PG_DB=""

stop_server() {
  if [[ -n "$SAMPLER_PID" ]]; then
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
  fi
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

drop_pg_db() {
  if [[ -n "$PG_DB" ]]; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qAt -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 \
      || psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qAt -v ON_ERROR_STOP=1 \
           -c "DROP DATABASE IF EXISTS \"$PG_DB\"" >/dev/null 2>&1 \
      || log "warning: could not drop database $PG_DB"
    PG_DB=""
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server
  drop_pg_db
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
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
  until curl -fsS -o /dev/null --max-time 2 "$1$HEALTH_PATH"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 40 "$2" >&2 || true
      die "server exited before becoming healthy (log above)"
    fi
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

# Samples VmRSS of $1 every 0.2 s into $2 (one kB value per line) until killed.
rss_sampler() {
  local pid=$1 out=$2
  while kill -0 "$pid" 2>/dev/null; do
    awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null >>"$out" || true
    sleep 0.2
  done
}

proc_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
max_kb() { sort -n "$1" 2>/dev/null | tail -n 1; }
mib() { awk -v kb="${1:-0}" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# wrk prints latencies as 812.00us / 1.23ms / 1.02s; normalise to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

# run_wrk <label> <url> <outfile>: runs wrk, leaves the raw output in <outfile>,
# prints "rps p50_ms p99_ms non2xx socket_errors".
run_wrk() {
  local label=$1 url=$2 out=$3
  log "wrk $label: -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s $url"
  timeout $((DURATION + 60)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
    --timeout 10s --latency "$url" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
  sed 's/^/    /' "$out" >&2
  local rps p50 p99 non2xx sockerr
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2; exit}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2; exit}' "$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out"); non2xx=${non2xx:-0}
  sockerr=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out"); sockerr=${sockerr:-0}
  [[ -n "$rps" ]] || die "could not parse wrk output"
  echo "$rps $p50 $p99 $non2xx $sockerr"
}

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
T_START=$SECONDS

# ---- one backend -----------------------------------------------------------------------
bench_backend() {
  local db=$1
  local data_dir="$WORK/$db-data" port base srv_log
  mkdir -p "$data_dir"
  port=$(free_port)
  base="http://127.0.0.1:$port"
  srv_log="$WORK/$db-server.log"

  local -a env_vars=(
    "BIND_ADDR=127.0.0.1:$port" "DATA_DIR=$data_dir" "AUTH_RATE_LIMIT=0" "RUST_LOG=warn"
    "BOOTSTRAP_ORGANISER_EMAIL=$ORG_EMAIL" "BOOTSTRAP_ORGANISER_PASSWORD=$ORG_PASSWORD"
  )
  case "$db" in
    sqlite)
      ;;  # no DATABASE_URL: the embedded SQLite file under DATA_DIR
    postgres)
      ensure_postgres
      PG_DB="bench_listing_$(date +%s)_$$"
      psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qAt -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE \"$PG_DB\"" >/dev/null || die "could not create database $PG_DB"
      env_vars+=("DATABASE_URL=postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
                 "JWT_SECRET=bench-jwt-secret-$(date +%s%N)-0123456789abcdef")
      ;;
    *) die "unknown database '$db' (expected sqlite or postgres)" ;;
  esac

  log "[$db] starting $API_BIN serve on $base"
  # drop DATABASE_URL etc. inherited from the caller; the backend is chosen above
  env -u DATABASE_URL -u JWT_SECRET -u REDIS_URL -u MEILI_URL "${env_vars[@]}" "$API_BIN" serve >"$srv_log" 2>&1 &
  SERVER_PID=$!
  wait_healthy "$base" "$srv_log"
  log "[$db] healthy (pid $SERVER_PID); loading $PRODUCTS products"

  local t0=$SECONDS
  timeout "$LOAD_TIMEOUT" python3 "$REPO_ROOT/bench/load_catalogue.py" \
    --base-url "$base" --organiser-email "$ORG_EMAIL" --organiser-password "$ORG_PASSWORD" \
    --count "$PRODUCTS" --threads "$LOAD_THREADS" >&2 \
    || die "[$db] loading products failed (server log: $srv_log)"
  local load_s=$((SECONDS - t0))

  # sanity check: the listing must answer 200 before we measure it
  local code total
  code=$(curl -sS -o "$WORK/$db-listing.json" -w '%{http_code}' "$base$LISTING_PATH") || code=000
  [[ "$code" == 200 ]] || { head -c 600 "$WORK/$db-listing.json" >&2 || true; die "[$db] listing returned HTTP $code"; }
  total=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("total", "?"))' "$WORK/$db-listing.json" 2>/dev/null || echo '?')
  log "[$db] listing query matches $total products"

  local rss_after_load
  rss_after_load=$(proc_kb "$SERVER_PID" VmRSS)

  if (( WARMUP > 0 )); then
    log "[$db] warm-up ${WARMUP}s (not measured)"
    timeout $((WARMUP + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$base$LISTING_PATH" >/dev/null 2>&1 || true
  fi

  local samples="$WORK/$db-rss.txt"
  : >"$samples"
  rss_sampler "$SERVER_PID" "$samples" &
  SAMPLER_PID=$!

  local h l
  h=$(run_wrk "[$db] healthz" "$base$HEALTH_PATH" "$WORK/$db-wrk-healthz.txt")
  l=$(run_wrk "[$db] listing" "$base$LISTING_PATH" "$WORK/$db-wrk-listing.txt")

  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
  kill -0 "$SERVER_PID" 2>/dev/null || die "[$db] server died during the benchmark (log: $srv_log)"
  local peak_rss hwm
  peak_rss=$(max_kb "$samples"); peak_rss=${peak_rss:-0}
  hwm=$(proc_kb "$SERVER_PID" VmHWM); hwm=${hwm:-0}
  # the kernel updates the high-water mark lazily; never report it below a sample
  (( peak_rss > hwm )) && hwm=$peak_rss

  local h_rps h_p50 h_p99 h_bad h_sock l_rps l_p50 l_p99 l_bad l_sock pct
  read -r h_rps h_p50 h_p99 h_bad h_sock <<<"$h"
  read -r l_rps l_p50 l_p99 l_bad l_sock <<<"$l"
  pct=$(awk -v a="$l_rps" -v b="$h_rps" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "n/a" }')

  echo
  echo "== $db: $PRODUCTS products loaded in ${load_s}s; listing matches $total =="
  printf '  /healthz : %10s req/s   p50 %8s ms   p99 %8s ms   non-2xx %s  socket errors %s\n' \
    "$h_rps" "$h_p50" "$h_p99" "$h_bad" "$h_sock"
  printf '  listing  : %10s req/s   p50 %8s ms   p99 %8s ms   non-2xx %s  socket errors %s\n' \
    "$l_rps" "$l_p50" "$l_p99" "$l_bad" "$l_sock"
  printf '  listing throughput = %s%% of /healthz\n' "$pct"
  printf '  RSS: after load %s MiB, peak during wrk %s MiB, VmHWM (process peak) %s MiB\n' \
    "$(mib "$rss_after_load")" "$(mib "$peak_rss")" "$(mib "$hwm")"
  echo
  if [[ "$h_bad" != 0 || "$l_bad" != 0 || "$h_sock" != 0 || "$l_sock" != 0 ]]; then
    log "[$db] WARNING: non-2xx responses or socket errors during the runs (see wrk output above)"
  fi

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$db" "$h_rps" "$h_p50" "$h_p99" "$l_rps" "$l_p50" "$l_p99" "$pct" \
    "$(mib "$peak_rss")" "$(mib "$hwm")" "$((l_bad + h_bad + l_sock + h_sock))" >>"$RESULTS"

  stop_server
  drop_pg_db
}

for db in $DATABASES; do
  bench_backend "$db"
done

# ---- final table -----------------------------------------------------------------------
echo "Listing benchmark: $PRODUCTS products, wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) CPUs"
echo "Listing: GET $LISTING_PATH"
printf '%-9s | %11s %9s %9s | %11s %9s %9s | %8s | %10s %10s | %6s\n' \
  backend 'healthz r/s' 'p50 ms' 'p99 ms' 'listing r/s' 'p50 ms' 'p99 ms' '% health' 'RSS pk MiB' 'HWM MiB' errors
printf -- '----------+-------------------------------+-------------------------------+----------+-----------------------+-------\n'
while IFS=$'\t' read -r db h_rps h_p50 h_p99 l_rps l_p50 l_p99 pct peak hwm errs; do
  printf '%-9s | %11s %9s %9s | %11s %9s %9s | %7s%% | %10s %10s | %6s\n' \
    "$db" "$h_rps" "$h_p50" "$h_p99" "$l_rps" "$l_p50" "$l_p99" "$pct" "$peak" "$hwm" "$errs"
done <"$RESULTS"
echo "(total time $((SECONDS - T_START))s)"
