# Sourced by tests.sh: a throwaway PostgreSQL cluster for the test run (Debian's postgresql package).
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_DIR=${PG_DIR:-/tmp/kroniek-pg-$$}
PG_PORT=${PG_PORT:-54329}

start_postgres() {
  [ -n "$PG_BIN" ] || return 1
  rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"
  local run_as=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; run_as=(runuser -u postgres --); fi
  "${run_as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U kroniek >/dev/null || return 1
  "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
      -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || return 1
  export KRONIEK_TEST_PG="postgresql+psycopg://kroniek@127.0.0.1:$PG_PORT/postgres"
}

stop_postgres() {
  [ -d "$PG_DIR/data" ] || return 0
  local run_as=()
  if [ "$(id -u)" = 0 ]; then run_as=(runuser -u postgres --); fi
  "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null || true
  rm -rf "$PG_DIR"
}
