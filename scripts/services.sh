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

ensure_aiosmtpd() {
  python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet 'aiosmtpd>=1.4,<2'
}
