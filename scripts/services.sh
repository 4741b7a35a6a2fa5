#!/usr/bin/env bash
# Starts the local services the integration tests use, when they are not already running.
# Safe to run repeatedly. Used by .ci/run; handy on a fresh development machine too.
set -uo pipefail

up() { # name host port
  (exec 3<>"/dev/tcp/$2/$3") 2>/dev/null
}

wait_for() { # name host port
  for _ in $(seq 1 60); do up "$@" && return 0; sleep 0.5; done
  echo "service $1 did not come up on $2:$3" >&2
  return 1
}

if ! up postgres 127.0.0.1 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  wait_for postgres 127.0.0.1 5432
fi
if ! up redis 127.0.0.1 6379; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_for redis 127.0.0.1 6379
fi
if ! up nats 127.0.0.1 4222; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
  wait_for nats 127.0.0.1 4222
fi
if ! up mosquitto 127.0.0.1 1883; then
  mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
  wait_for mosquitto 127.0.0.1 1883
fi
echo "services: postgres redis nats mosquitto up"
