#!/usr/bin/env bash
# Runs a command against a PostgreSQL cluster made here and now as Debian ships one: peer
# authentication on the socket, scram-sha-256 over TCP, no `test` database, no trust. The
# cluster gets its own port and data directory (pg_createcluster) and is dropped afterwards,
# whatever the command does. The command finds it through TEST_PG_ADMIN_DSN (a DSN that TCP
# refuses without a password: the suite gets in as tests/pg_admin.py describes) and is told
# TEST_PG_CONFIG=debian, so tests/deploy/test_postgres_config.py checks the server really is
# configured so.   Usage: bash scripts/debian-postgres.sh COMMAND [ARGS...]   (as root)
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
if [ "$(id -u)" != 0 ] || ! command -v pg_createcluster >/dev/null; then
  echo "$0: needs root and postgresql-common (pg_createcluster)" >&2
  exit 2
fi
# The newest PostgreSQL with PostGIS installed (scripts/system-deps.sh test installs 15's).
version=$(ls /usr/share/postgresql/*/extension/postgis.control 2>/dev/null \
  | awk -F/ '{print $5}' | sort -n | tail -n1)
[ -n "$version" ] || { echo "$0: no PostgreSQL with PostGIS installed" >&2; exit 2; }

# Clusters a killed run left behind (stopped ones only: a running one may be another run's).
pg_lsclusters --no-header 2>/dev/null | awk '$2 ~ /^jiefen_ci_/ && $4 == "down" {print $1, $2}' \
  | while read -r stale_version stale_name; do
      pg_dropcluster "$stale_version" "$stale_name" || true
    done

name="jiefen_ci_$$"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Debian's defaults, said out loud in case this machine's createcluster.conf was changed. The
# locale is the machine's, as Debian does, unless it is not UTF-8 (initdb would pick SQL_ASCII).
options=(--auth-local=peer --auth-host=scram-sha-256)
[ "$(locale charmap 2>/dev/null)" = UTF-8 ] || options+=(--locale=C.UTF-8)
pg_createcluster "$version" "$name" -p "$port" -- "${options[@]}" >/dev/null
trap 'pg_dropcluster --stop "$version" "$name" || echo "$0: could not drop cluster $version/$name" >&2' EXIT
pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done

dsn="postgresql://postgres@127.0.0.1:$port/postgres"
# What the suite used to assume must not hold here: TCP asks for a password.
if PGPASSWORD= PGPASSFILE=/dev/null psql -X -w -q -d "$dsn" -c "SELECT 1" >/dev/null 2>&1; then
  echo "$0: $dsn let us in without a password; not Debian's defaults" >&2
  exit 1
fi
echo "PostgreSQL $version as Debian ships it: cluster $name on 127.0.0.1:$port (peer, scram-sha-256)"
status=0
TEST_PG_ADMIN_DSN="$dsn" TEST_PG_CONFIG=debian "$@" || status=$?
exit "$status"
