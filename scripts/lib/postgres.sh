# A throwaway PostgreSQL server on a free loopback port in a temporary directory.
# start_scratch_postgres sets SCRATCH_PG_URL; stop_scratch_postgres removes it all.
# Beside it, start_scratch_standby starts a hot standby of it (SCRATCH_STANDBY_URL) and
# start_scratch_pgbouncer a pgbouncer in transaction pooling mode in front of it
# (SCRATCH_PGBOUNCER_URL); start_scratch_spare_standby a second standby that tests may restart and
# promote (SCRATCH_SPARE_URL); stop_scratch_postgres stops them too.
# PostgreSQL (and pgbouncer) refuse to run as root, so as root they run as the `postgres` user.

postgres_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null)
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

_as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_scratch_postgres() {
  local bin port locale
  bin=$(postgres_bindir) || return 1
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "running as root, and there is no postgres user to run PostgreSQL as" >&2
    return 1
  fi
  SCRATCH_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/credit-pg.XXXXXX")
  chmod 755 "$SCRATCH_PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$SCRATCH_PG_DIR"
  locale=C.UTF-8
  # A collating locale, as production servers have, when the machine has one.
  locale -a 2>/dev/null | grep -qix 'en_US.utf8' && locale=en_US.UTF-8
  _as_postgres "$bin/initdb" -D "$SCRATCH_PG_DIR/data" -U credit --auth=trust -E UTF8 \
    --locale="$locale" >"$SCRATCH_PG_DIR/initdb.log" 2>&1 || {
      cat "$SCRATCH_PG_DIR/initdb.log" >&2; return 1; }
  port=$(_free_port)
  # wal_level=replica and WAL senders: a standby can be made of it (start_scratch_standby).
  _as_postgres "$bin/pg_ctl" -D "$SCRATCH_PG_DIR/data" -l "$SCRATCH_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $SCRATCH_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200 -c wal_level=replica -c max_wal_senders=4" \
    start >/dev/null || { cat "$SCRATCH_PG_DIR/server.log" >&2; return 1; }
  SCRATCH_PG_BIN=$bin
  SCRATCH_PG_PORT=$port
  SCRATCH_PG_URL="postgresql+psycopg://credit@127.0.0.1:$port/postgres"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') started on port $port ($locale)"
}

_free_port() {
  .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A hot standby of the scratch server streaming from it (pg_basebackup -R), on another free port.
start_scratch_standby() {
  _scratch_standby standby || return 1
  SCRATCH_STANDBY_DIR=$SCRATCH_PG_DIR/standby
  SCRATCH_STANDBY_URL="postgresql+psycopg://credit@127.0.0.1:$_standby_port/postgres"
  echo "hot standby started on port $_standby_port"
}

# A second hot standby, for tests that restart and promote it (SCRATCH_SPARE_URL, its data
# folder SCRATCH_SPARE_DIR).
start_scratch_spare_standby() {
  _scratch_standby spare || return 1
  SCRATCH_SPARE_DIR=$SCRATCH_PG_DIR/spare
  SCRATCH_SPARE_URL="postgresql+psycopg://credit@127.0.0.1:$_standby_port/postgres"
  echo "spare hot standby started on port $_standby_port"
}

# _scratch_standby NAME: a standby in $SCRATCH_PG_DIR/NAME, its port in _standby_port.
_scratch_standby() {
  local name=$1
  [ -n "${SCRATCH_PG_DIR:-}" ] || return 1
  _as_postgres "$SCRATCH_PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$SCRATCH_PG_PORT" -U credit \
    -D "$SCRATCH_PG_DIR/$name" -R -X stream -c fast >"$SCRATCH_PG_DIR/$name-basebackup.log" 2>&1 || {
      cat "$SCRATCH_PG_DIR/$name-basebackup.log" >&2; return 1; }
  _standby_port=$(_free_port)
  _as_postgres "$SCRATCH_PG_BIN/pg_ctl" -D "$SCRATCH_PG_DIR/$name" -l "$SCRATCH_PG_DIR/$name.log" -w -t 60 \
    -o "-p $_standby_port -k $SCRATCH_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c hot_standby=on -c max_connections=200" \
    start >/dev/null || { cat "$SCRATCH_PG_DIR/$name.log" >&2; return 1; }
}

# pgbouncer in transaction pooling mode in front of the scratch server; every database name is
# passed through to it.
start_scratch_pgbouncer() {
  local port dir
  [ -n "${SCRATCH_PG_DIR:-}" ] || return 1
  command -v pgbouncer >/dev/null 2>&1 || return 1
  dir=$SCRATCH_PG_DIR/pgbouncer
  mkdir -p "$dir"
  port=$(_free_port)
  echo '"credit" ""' >"$dir/users.txt"
  printf '%s\n' \
    '[databases]' \
    "* = host=127.0.0.1 port=$SCRATCH_PG_PORT" \
    '[pgbouncer]' \
    'listen_addr = 127.0.0.1' \
    "listen_port = $port" \
    'unix_socket_dir =' \
    'auth_type = trust' \
    "auth_file = $dir/users.txt" \
    'pool_mode = transaction' \
    'max_client_conn = 400' \
    'default_pool_size = 20' \
    "logfile = $dir/pgbouncer.log" \
    "pidfile = $dir/pgbouncer.pid" >"$dir/pgbouncer.ini"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  _as_postgres pgbouncer -q -d "$dir/pgbouncer.ini" || { cat "$dir/pgbouncer.log" >&2; return 1; }
  # The daemon writes its pid file once it has detached.
  for _ in $(seq 50); do [ -s "$dir/pgbouncer.pid" ] && break; sleep 0.1; done
  SCRATCH_PGBOUNCER_PID=$(cat "$dir/pgbouncer.pid") || { cat "$dir/pgbouncer.log" >&2; return 1; }
  SCRATCH_PGBOUNCER_URL="postgresql+psycopg://credit@127.0.0.1:$port/postgres"
  echo "pgbouncer $(pgbouncer --version | awk 'NR == 1 {print $2}') started on port $port (transaction pooling)"
}

stop_scratch_postgres() {
  [ -n "${SCRATCH_PG_DIR:-}" ] || return 0
  if [ -n "${SCRATCH_PGBOUNCER_PID:-}" ]; then
    kill "$SCRATCH_PGBOUNCER_PID" 2>/dev/null || true
    SCRATCH_PGBOUNCER_PID=
  fi
  local standby
  for standby in "${SCRATCH_STANDBY_DIR:-}" "${SCRATCH_SPARE_DIR:-}"; do
    [ -n "$standby" ] || continue
    _as_postgres "$SCRATCH_PG_BIN/pg_ctl" -D "$standby" -m fast -w stop >/dev/null 2>&1 || true
  done
  SCRATCH_STANDBY_DIR= SCRATCH_SPARE_DIR=
  _as_postgres "$SCRATCH_PG_BIN/pg_ctl" -D "$SCRATCH_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$SCRATCH_PG_DIR"
  SCRATCH_PG_DIR=
}
