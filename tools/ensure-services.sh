#!/usr/bin/env bash
# Starts Postgres and NATS JetStream on this machine when they are not already running.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  echo "ensure-services: starting Postgres"
  if ! ls /etc/postgresql >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  if [ ! -d "/var/lib/postgresql/$ver/main" ]; then
    su postgres -c "pg_createcluster $ver main" || true
  fi
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for i in $(seq 1 30); do port_open 5432 && break; sleep 1; done
  # trust auth on loopback for the test user
  hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if [ -f "$hba" ] && ! grep -q '127.0.0.1/32 *trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main reload || true
  fi
fi
port_open 5432 || { echo "ensure-services: Postgres is not reachable on 127.0.0.1:5432" >&2; exit 1; }

if ! port_open 4222; then
  echo "ensure-services: starting NATS with JetStream"
  if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  fi
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  for i in $(seq 1 30); do port_open 4222 && break; sleep 1; done
fi
port_open 4222 || { echo "ensure-services: NATS is not reachable on 127.0.0.1:4222" >&2; exit 1; }
echo "ensure-services: Postgres and NATS are up"
