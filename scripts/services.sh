# Sourced by the test and CI scripts: starts this machine's services when they are stopped.
# Each function returns non-zero when the service is not installed here.

start_postgres() {
  command -v pg_isready >/dev/null 2>&1 || return 1
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    [ -n "$version" ] || return 1
    echo "starting PostgreSQL $version" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || return 1
  fi
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && return 0
    sleep 1
  done
  return 1
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || return 1
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "starting Redis" >&2
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || return 1
  fi
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

# A scratch Meilisearch for this shell's tests, when one is installed and MEILI_URL is unset:
# on a free port of 127.0.0.1, a database in a temporary directory, a generated master key;
# exports MEILI_URL and MEILI_MASTER_KEY. It stops, and its directory goes, when the shell
# that started it exits.
start_meilisearch() {
  if [ -n "${MEILI_URL:-}" ]; then
    echo "Meilisearch: using MEILI_URL=$MEILI_URL" >&2
    return 0
  fi
  if ! command -v meilisearch >/dev/null 2>&1; then
    echo "Meilisearch is not installed here: the Meilisearch variants of the tests will skip." >&2
    return 1
  fi
  local port="" p
  for p in $(seq 7700 7799); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
  done
  if [ -z "$port" ]; then
    echo "No free port for Meilisearch: the Meilisearch variants of the tests will skip." >&2
    return 1
  fi
  local dir key pid
  dir=$(mktemp -d -t meili-test.XXXXXX)
  key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "starting Meilisearch on 127.0.0.1:$port (data in $dir)" >&2
  meilisearch --http-addr "127.0.0.1:$port" --db-path "$dir/data.ms" \
    --dump-dir "$dir/dumps" --snapshot-dir "$dir/snapshots" \
    --master-key "$key" --no-analytics >"$dir/meilisearch.log" 2>&1 &
  pid=$!
  local parent=$$
  (
    while kill -0 "$parent" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 2; done
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    rm -rf "$dir"
  ) >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    if meili_health "$port"; then
      export MEILI_URL="http://127.0.0.1:$port" MEILI_MASTER_KEY="$key"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "Meilisearch did not start (see $dir/meilisearch.log): its test variants will skip." >&2
  return 1
}

# Whether the Meilisearch on 127.0.0.1:$1 answers /health.
meili_health() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS "http://127.0.0.1:$1/health" 2>/dev/null | grep -q available
  else
    (
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
      grep -q available <&3
    ) 2>/dev/null
  fi
}

ensure_aiosmtpd() {
  python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet 'aiosmtpd>=1.4,<2'
}
