# Throwaway Redis and PostgreSQL servers on 127.0.0.1 for the tests (sourced by scripts/test),
# and Chromium for the install pages' browser test.
# Installs them from Debian packages when missing and we are root; exports REDIS_TEST_URL and
# POSTGRES_TEST_URL; stops them and removes their data on exit.

_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_engines() {
  if [ -n "${ENGINE_DIR:-}" ]; then
    if [ -f "$ENGINE_DIR/redis.pid" ]; then kill "$(cat "$ENGINE_DIR/redis.pid")" 2>/dev/null || true; fi
    if [ -d "$ENGINE_DIR/pg" ]; then _as_postgres "$(_pg_bin)/pg_ctl" -D "$ENGINE_DIR/pg" -m fast -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$ENGINE_DIR"
  fi
}

start_engines() {
  # chromium: the install pages are tested in a real headless browser
  if { ! command -v redis-server >/dev/null || [ -z "$(_pg_bin)" ] || ! command -v chromium >/dev/null; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing redis-server, postgresql and chromium (Debian packages)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql chromium >/dev/null
  fi
  ENGINE_DIR=$(mktemp -d /tmp/wolkvox-engines.XXXXXX)
  chmod 755 "$ENGINE_DIR"
  trap stop_engines EXIT

  if command -v redis-server >/dev/null; then
    local port; port=$(_free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --pidfile "$ENGINE_DIR/redis.pid" --dir "$ENGINE_DIR" --logfile "$ENGINE_DIR/redis.log"
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    export REDIS_TEST_URL="redis://127.0.0.1:$port/0"
    echo "== redis on $REDIS_TEST_URL"
  fi

  local bin; bin=$(_pg_bin)
  if [ -n "$bin" ]; then
    local port; port=$(_free_port)
    mkdir -p "$ENGINE_DIR/pg" "$ENGINE_DIR/pg_sock"
    if [ "$(id -u)" = 0 ]; then chown postgres "$ENGINE_DIR/pg" "$ENGINE_DIR/pg_sock"; fi
    _as_postgres "$bin/initdb" -D "$ENGINE_DIR/pg" -A trust -U postgres >/dev/null
    _as_postgres "$bin/pg_ctl" -D "$ENGINE_DIR/pg" -l "$ENGINE_DIR/pg_sock/log" -w \
      -o "-p $port -k $ENGINE_DIR/pg_sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    _as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres wolkvox_test
    export POSTGRES_TEST_URL="postgresql://postgres@127.0.0.1:$port/wolkvox_test"
    echo "== postgresql on $POSTGRES_TEST_URL"
  fi
}
