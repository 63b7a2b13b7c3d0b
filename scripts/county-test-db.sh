#!/usr/bin/env bash
# A throwaway PostgreSQL for the county tests and benchmark: its own folder, a free loopback port, passwords
# checked with scram-sha-256 as a county server would. Debian's `postgresql` package provides the binaries.
#   county-test-db.sh start DIR [PID]  starts it and writes DIR/env (PARCEL_STATION_TEST_PG_*) to source;
#                                      with PID, it also stops by itself once that process has gone
#   county-test-db.sh stop DIR         stops it and removes DIR
set -euo pipefail
command=${1:?start or stop}
dir=${2:?folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "county-test-db: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
# initdb and postgres refuse to run as root: run them as the package's postgres user then.
as_server() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$command" in
start)
  mkdir -p "$dir"
  chmod 755 "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
  password="owner-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  as_server bash -c "umask 077; printf '%s\n' '$password' > '$dir/pwfile'"
  as_server "$bin/initdb" -D "$dir/data" -U county_owner --pwfile="$dir/pwfile" -A scram-sha-256 -E UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # The server outlives this script: it must hold none of the caller's files, or a caller reading a pipe to
  # its end (ours, or another test's it happened to inherit) would wait for the server to stop.
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c max_connections=200" start \
      </dev/null >"$dir/pg_ctl.log" 2>&1
  ) || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
  if [ -n "${3:-}" ]; then
    # A watcher that outlives this script, holding none of its files, stops the server when PID is gone.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec "$2" stop "$3"' watcher "$3" "$(readlink -f "$0")" "$dir" \
      </dev/null >/dev/null 2>&1 &
  fi
  cat >"$dir/env" <<ENV
export PARCEL_STATION_TEST_PG_HOST=127.0.0.1
export PARCEL_STATION_TEST_PG_PORT=$port
export PARCEL_STATION_TEST_PG_USER=county_owner
export PARCEL_STATION_TEST_PG_PASSWORD=$password
export PARCEL_STATION_TEST_PG_BIN=$bin
export PARCEL_STATION_TEST_PG_DIR=$dir
ENV
  echo "county-test-db: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
