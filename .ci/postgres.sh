#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on 127.0.0.1 for the database tests and prints
# its DATABASE_URL. Installs the server from Debian when missing.
# Usage: eval "$(bash .ci/postgres.sh)"   (exports DATABASE_URL_PG)
set -euo pipefail
PGPORT=${PGPORT:-54329}
PGDATA_DIR=${PGDATA_DIR:-/tmp/masklab-pg}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ]; then
  echo "installing postgresql from Debian..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
# PostgreSQL refuses to run as root: use the postgres system user (or create one).
run_as() { if [ "$(id -u)" = 0 ]; then su -s /bin/bash postgres -c "$*"; else bash -c "$*"; fi; }
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --home /var/lib/postgresql postgres; fi
if ! run_as "$bindir/pg_ctl -D $PGDATA_DIR status" >/dev/null 2>&1; then
  rm -rf "$PGDATA_DIR"; mkdir -p "$PGDATA_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR"
  run_as "$bindir/initdb -D $PGDATA_DIR -U masklab --auth=trust -E UTF8 >/dev/null"
  run_as "$bindir/pg_ctl -D $PGDATA_DIR -o '-h 127.0.0.1 -p $PGPORT -k /tmp' -l $PGDATA_DIR/log -w start >/dev/null"
fi
echo "export DATABASE_URL_PG=postgresql://masklab@127.0.0.1:$PGPORT/postgres"
