# Sourced by `make test`: real PostgreSQL and Redis for the scale-out tests.
#
# Given CALLBOARD_TEST_POSTGRES_URL and CALLBOARD_TEST_REDIS_URL, uses those. Otherwise, as
# root on Debian (CI), installs postgresql and redis-server from apt, starts them on
# loopback and exports the two URLs: the tests then run, and fail if a server is
# unreachable. Anywhere else the scale-out tests are skipped, with this said.

_cb_services() {
  if [ -n "${CALLBOARD_TEST_POSTGRES_URL:-}" ] && [ -n "${CALLBOARD_TEST_REDIS_URL:-}" ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "test-services: not root on Debian: PostgreSQL/Redis tests will be skipped" \
         "(set CALLBOARD_TEST_POSTGRES_URL and CALLBOARD_TEST_REDIS_URL to run them)" >&2
    return 0
  fi
  if ! command -v redis-server >/dev/null || ! command -v pg_ctlcluster >/dev/null; then
    echo "test-services: installing postgresql and redis-server from apt" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
       postgresql redis-server) >/dev/null || return 1
  fi
  redis-cli -p 6379 ping >/dev/null 2>&1 \
    || redis-server --port 6379 --bind 127.0.0.1 --save '' --daemonize yes >/dev/null || return 1
  local version
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version main"; then
    pg_createcluster "$version" main >/dev/null || return 1
  fi
  pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
  local tries=0
  until su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1; do
    tries=$((tries + 1)); [ "$tries" -gt 50 ] && return 1; sleep 0.2
  done
  su postgres -c "psql -qAtc \"SELECT 1 FROM pg_roles WHERE rolname = 'callboard_test'\"" \
    | grep -q 1 \
    || su postgres -c "psql -qc \"CREATE ROLE callboard_test LOGIN CREATEDB PASSWORD 'callboard_test'\"" \
    >/dev/null || return 1
  su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname = 'callboard_test'\"" \
    | grep -q 1 || su postgres -c "createdb -O callboard_test callboard_test" || return 1
  export CALLBOARD_TEST_POSTGRES_URL="postgresql://callboard_test:callboard_test@127.0.0.1:5432/callboard_test"
  export CALLBOARD_TEST_REDIS_URL="redis://127.0.0.1:6379/0"
  echo "test-services: PostgreSQL $version and Redis on 127.0.0.1" >&2
}

_cb_services || { echo "test-services: could not start PostgreSQL/Redis" >&2; false; }
