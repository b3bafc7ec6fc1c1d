#!/usr/bin/env bash
# Checks that PostgreSQL and Redis answer on 127.0.0.1 and starts them if they do not.
set -euo pipefail

answers() { # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

wait_for() { # name port
  for _ in $(seq 1 30); do
    answers 127.0.0.1 "$2" && return 0
    sleep 1
  done
  echo "$1 did not start on 127.0.0.1:$2" >&2
  return 1
}

if ! answers 127.0.0.1 5432; then
  echo "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  wait_for PostgreSQL 5432
fi

if ! answers 127.0.0.1 6379; then
  echo "Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis 6379
fi

# The database the console's own settings name; pytest creates its test_ copy beside it.
if ! psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname='opsconsole'" \
  | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres opsconsole
fi
