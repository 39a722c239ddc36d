#!/usr/bin/env bash
# bench/search.sh -- the search and matching benchmark (issue 4).
#
# With the real release server on SQLite and the engine the environment chooses (embedded by
# default; set MEILI_URL/MEILI_MASTER_KEY for Meilisearch):
#   1. loads $PRODUCTS listed products through the API (bench/load_catalogue.py) and posts the
#      50 labelled needs of search/fixtures (bench/post_needs.py);
#   2. stops the server, deletes the index and times `api reindex`: indexing from empty;
#   3. restarts it (LISTING_CACHE_MS=0, so every request reaches the engine) and drives, with
#      wrk at $CONNECTIONS connections for $DURATION s each:
#        GET /api/v1/products?q=...        rotating over 40 queries (some with filters)
#        GET /api/v1/needs/{id}/matches    rotating over the 50 needs, as their enterprises
#      printing requests/s, p50 and p99.
# Goal (embedded engine, this machine): indexing <= 15 s, search p99 <= 15 ms, matches p99
# <= 30 ms.
#
# Requirements: target/release/api (cargo build --release -p api), python3, curl, wrk.
# Run from the repository root:   bash bench/search.sh
# Knobs: PRODUCTS=10000 DURATION=15 CONNECTIONS=32 WRK_THREADS=2 LOAD_THREADS=16 KEEP_TMP=1
#        PERF=1 (a perf profile of the server per run, kept with KEEP_TMP=1)
#        MATCH_CACHE_SECS=0 (every match computed: the cost of matching itself)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
API_BIN=${API_BIN:-target/release/api}
PRODUCTS=${PRODUCTS:-10000}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-2}
LOAD_THREADS=${LOAD_THREADS:-16}
ORG_EMAIL='bench-organiser@bench.example.com'
ORG_PASSWORD="bench-organiser-$RANDOM$RANDOM"

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ -x "$API_BIN" ]] || die "$API_BIN not found: cargo build --release -p api"
command -v wrk >/dev/null || { log "installing wrk"; apt-get install -y wrk >/dev/null 2>&1 || die "wrk missing"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-search.XXXXXX")
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() { local rc=$?; stop_server; [[ "${KEEP_TMP:-0}" == 1 ]] && log "kept $WORK" || rm -rf "$WORK"; exit "$rc"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
export BIND_ADDR="127.0.0.1:$PORT" DATA_DIR="$WORK/data" AUTH_RATE_LIMIT=0 RUST_LOG=warn \
  BOOTSTRAP_ORGANISER_EMAIL="$ORG_EMAIL" BOOTSTRAP_ORGANISER_PASSWORD="$ORG_PASSWORD" \
  ACCESS_TOKEN_TTL_SECS=7200 LISTING_CACHE_MS=0 \
  JWT_SECRET="bench-jwt-secret-$(date +%s%N)-0123456789abcdef"
unset DATABASE_URL REDIS_URL
ENGINE=embedded; [[ -n "${MEILI_URL:-}" ]] && { ENGINE=meilisearch; export MEILI_INDEX="bench_$(date +%s)_$$"; }

start_server() {
  "$API_BIN" serve >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  local deadline=$((SECONDS + 300))
  until curl -fsS -o /dev/null --max-time 2 "$BASE/healthz"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$WORK/server.log" >&2; die "server exited"; }
    (( SECONDS < deadline )) || die "server not healthy"
    sleep 0.2
  done
}

log "engine: $ENGINE; loading $PRODUCTS products"
start_server
python3 bench/load_catalogue.py --base-url "$BASE" --organiser-email "$ORG_EMAIL" \
  --organiser-password "$ORG_PASSWORD" --count "$PRODUCTS" --threads "$LOAD_THREADS" >&2
# The index sync jobs of the approvals run in the server: let them finish before the needs
# exist (each newly listed product is then matched against no open need).
ORG_TOKEN=$(curl -fsS "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$ORG_EMAIL\",\"password\":\"$ORG_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
for _ in $(seq 1 1200); do
  left=0
  for st in pending running; do
    n=$(curl -fsS "$BASE/api/v1/admin/jobs?status=$st&per_page=1" -H "authorization: Bearer $ORG_TOKEN" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
    left=$((left + n))
  done
  (( left == 0 )) && break
  sleep 0.5
done
python3 bench/post_needs.py --base-url "$BASE" >"$WORK/needs.txt"
stop_server

log "indexing from empty: api reindex"
rm -rf "$DATA_DIR/index"
t0=$(date +%s%N)
"$API_BIN" reindex | tee "$WORK/reindex.txt" >&2
INDEX_MS=$(( ($(date +%s%N) - t0) / 1000000 ))

start_server
python3 - "$WORK" <<'PY'
import json, sys, urllib.parse
work = sys.argv[1]
words = ["MES", "扫码报工", "设备联网", "质量追溯", "仓储管理", "WMS", "AOI", "视觉检测", "能耗监测",
         "排产", "ERP", "电子签章", "数据采集", "SCADA", "设备点检", "安灯", "看板", "PLM", "图纸管理",
         "供应商协同", "采购", "客户关系", "售后服务", "网络安全", "等保", "财务", "人力资源", "OEE",
         "注塑", "贴片", "印刷", "GMP", "批记录", "配电", "巡检", "预测性维护", "计件工资",
         "条码", "追溯", "质检"]
filters = ["", "&industry=pcb", "&stage=manufacturing", "&max_price_fen=5000000", "&sort=price_asc"]
with open(f"{work}/search_paths.txt", "w") as f:
    for i, w in enumerate(words):
        f.write(f"/api/v1/products?q={urllib.parse.quote(w)}{filters[i % len(filters)]}\n")
with open(f"{work}/match_paths.txt", "w") as f:
    for line in open(f"{work}/needs.txt"):
        need, token = line.split()
        f.write(f"/api/v1/needs/{need}/matches {token}\n")
PY

to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u); if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.2f", n }'; }
# CPU seconds the server has used (user + system): per request, a figure that other work on
# the machine does not distort the way it does latency.
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
run() { # label paths-file
  log "wrk $1: -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s"
  local ticks0; ticks0=$(server_cpu_ticks)
  local perf_pid=""
  if [[ "${PERF:-0}" == 1 ]]; then
    perf record -e cpu-clock -F 499 -g -o "$WORK/$1.perf" -p "$SERVER_PID" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  PATHS_FILE="$2" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency --timeout 10s \
    -s bench/rotate.lua "$BASE" >"$WORK/$1.txt" 2>&1 || { cat "$WORK/$1.txt" >&2; die "wrk failed"; }
  local ticks1; ticks1=$(server_cpu_ticks)
  if [[ -n "$perf_pid" ]]; then
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
    perf report -i "$WORK/$1.perf" --no-children --percent-limit 1.5 --stdio 2>/dev/null \
      | grep -v '^$' | head -n 120 >"$WORK/$1.perf.txt" || true
    log "profile: $WORK/$1.perf.txt"
  fi
  sed 's/^/    /' "$WORK/$1.txt" >&2
  local requests; requests=$(awk '/requests in/ {print $1}' "$WORK/$1.txt")
  printf '%-8s %10s req/s   p50 %8s ms   p99 %8s ms   server CPU %s ms/req   non-2xx %s\n' "$1" \
    "$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$1.txt")" \
    "$(to_ms "$(awk '$1 == "50%" {print $2; exit}' "$WORK/$1.txt")")" \
    "$(to_ms "$(awk '$1 == "99%" {print $2; exit}' "$WORK/$1.txt")")" \
    "$(awk -v t="$((ticks1 - ticks0))" -v n="$requests" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.2f", (n > 0 ? t * 1000 / hz / n : 0) }')" \
    "$(awk '/Non-2xx/ {print $NF}' "$WORK/$1.txt" | grep . || echo 0)"
}
# Warm the engine and the database caches, and (unless MATCH_CACHE_SECS=0) the remembered
# matches of the 50 needs, as a server that has been up a while has them (not measured).
PATHS_FILE="$WORK/search_paths.txt" wrk -t1 -c4 -d2s -s bench/rotate.lua "$BASE" >/dev/null 2>&1 || true
PATHS_FILE="$WORK/match_paths.txt" wrk -t1 -c4 -d2s -s bench/rotate.lua "$BASE" >/dev/null 2>&1 || true
S=$(run search "$WORK/search_paths.txt")
M=$(run matches "$WORK/match_paths.txt")
echo
echo "Search benchmark: engine $ENGINE, $PRODUCTS products, SQLite, wrk -c$CONNECTIONS -d${DURATION}s, $(nproc) CPUs"
echo "indexing from empty (api reindex, whole command): ${INDEX_MS} ms   [$(cat "$WORK/reindex.txt")]"
echo "$S"
echo "$M"
