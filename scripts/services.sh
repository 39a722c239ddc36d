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
