# A throwaway PostgreSQL server on a free loopback port in a temporary directory.
# start_scratch_postgres sets SCRATCH_PG_URL; stop_scratch_postgres removes it all.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.

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
  port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  _as_postgres "$bin/pg_ctl" -D "$SCRATCH_PG_DIR/data" -l "$SCRATCH_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $SCRATCH_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200" \
    start >/dev/null || { cat "$SCRATCH_PG_DIR/server.log" >&2; return 1; }
  SCRATCH_PG_BIN=$bin
  SCRATCH_PG_URL="postgresql+psycopg://credit@127.0.0.1:$port/postgres"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') started on port $port ($locale)"
}

stop_scratch_postgres() {
  [ -n "${SCRATCH_PG_DIR:-}" ] || return 0
  _as_postgres "$SCRATCH_PG_BIN/pg_ctl" -D "$SCRATCH_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$SCRATCH_PG_DIR"
  SCRATCH_PG_DIR=
}
