#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis the test suite needs are up on localhost: starts them when
# they are installed but down, and fails with a clear message when they are missing.
set -u
PGHOST=${PGHOST:-127.0.0.1}

wait_for() { # name, command
  for _ in $(seq 1 30); do eval "$2" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "ensure_services: $1 did not come up" >&2; return 1
}

if ! pg_isready -h "$PGHOST" -p 5432 >/dev/null 2>&1; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "ensure_services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    wait_for PostgreSQL "pg_isready -h $PGHOST -p 5432" || exit 1
  else
    echo "ensure_services: PostgreSQL is not running on $PGHOST:5432 and is not installed." >&2
    echo "  Install it (apt-get install postgresql) or set DATABASE_URL to a reachable server." >&2
    exit 1
  fi
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "ensure_services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for Redis "redis-cli -h 127.0.0.1 -p 6379 ping"|| exit 1
  else
    echo "ensure_services: Redis is not running on 127.0.0.1:6379 and is not installed." >&2
    echo "  Install it (apt-get install redis-server) or set REDIS_URL to a reachable server." >&2
    exit 1
  fi
fi

# The database named by the test settings (pytest creates test_<name> itself; `manage.py`
# checks connect to <name>).
DB_NAME=${TEST_DB_NAME:-ticketing}
if ! psql -h "$PGHOST" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" 2>/dev/null | grep -q 1; then
  createdb -h "$PGHOST" -U postgres "$DB_NAME" 2>/dev/null || true
fi
echo "ensure_services: PostgreSQL and Redis are up"
