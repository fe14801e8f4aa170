# shellcheck shell=bash
# PostgreSQL: a private instance (initdb into the stack dir), not the system service.

PG_LINK="$STACK_DIR/postgres"   # normally the real dir; a symlink when a fallback dir is used
PG_DIR="$PG_LINK"
PG_STOP_TIMEOUT="${PULSE_STACK_POSTGRES_STOP_TIMEOUT:-30}"

pg_set_paths() {
  PGDATA_DIR="$PG_DIR/data"
  PG_SOCK="$PG_DIR/run"
  PG_LOGFILE="$PG_DIR/postgres.log"
}
pg_set_paths

# Follow the fallback symlink if there is one (read-only; used by status/down).
pg_follow_link() {
  if [[ -L $PG_LINK ]]; then PG_DIR=$(readlink -f "$PG_LINK"); pg_set_paths; fi
}
pg_follow_link

# When running as root the server runs as `postgres`, which must be able to reach the data
# dir, and the socket path must fit in sun_path (107 bytes). If the stack dir is not usable
# (e.g. a checkout under /root, mode 0700), keep the postgres files under /var/tmp and leave
# a symlink at <stack>/postgres.
pg_choose_dir() {
  [[ -L $PG_LINK ]] && return 0
  local need_alt=0
  if (( ${#PG_LINK} + ${#PG_SOCK_SUFFIX} > 100 )); then need_alt=1; fi
  if is_root && ! (cd / && runuser -u postgres -- test -x "$STACK_DIR" 2>/dev/null); then need_alt=1; fi
  (( need_alt )) || return 0
  local alt
  alt="/var/tmp/pulse-stack-$(printf '%s' "$STACK_DIR" | sha256sum | cut -c1-12)/postgres"
  if [[ -e $alt ]]; then
    # left over from a stack dir that was wiped: stop whatever runs there and start fresh
    warn "postgres: removing stale fallback dir $alt"
    if [[ -f $alt/data/postmaster.pid ]]; then pg_stop_dir "$alt"; fi
    rm -rf "$alt"
  fi
  mkdir -p "$alt"
  [[ -e $PG_LINK ]] && rm -rf "$PG_LINK"
  ln -s "$alt" "$PG_LINK"
  say "postgres: $STACK_DIR is not usable by the postgres user; data lives in $alt (symlinked)"
  PG_DIR=$alt
  pg_set_paths
}
PG_SOCK_SUFFIX="/run/.s.PGSQL.65535"

pg_bindir() {
  local v d
  if [[ -f $PGDATA_DIR/PG_VERSION ]]; then
    read -r v <"$PGDATA_DIR/PG_VERSION"
    [[ -x /usr/lib/postgresql/$v/bin/pg_ctl ]] || die "postgres: $PGDATA_DIR was created by PostgreSQL $v, whose binaries are not installed (wipe $PG_DIR or install postgresql-$v)"
    printf '%s' "/usr/lib/postgresql/$v/bin"
    return 0
  fi
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  [[ -n $d && -x $d/initdb ]] || return 1
  printf '%s' "$d"
}

pg_missing_pkgs() {
  pg_bindir >/dev/null 2>&1 || echo postgresql
}

# Run a command as the postgres OS user when we are root (initdb/postgres refuse root).
as_pg() {
  if is_root; then
    (cd "$PG_DIR" && runuser -u postgres -- "$@")
  else
    (cd "$PG_DIR" && "$@")
  fi
}

# pid of the postmaster, if running
pg_pid() {
  local pid
  pid=$(read_pidfile "$PGDATA_DIR/postmaster.pid") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *postgres* ]] || return 1
  printf '%s' "$pid"
}

pg_ready() {
  local bin; bin=$(pg_bindir 2>/dev/null) || return 1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -t 2 >/dev/null 2>&1
}

pg_psql_admin() {
  local bin; bin=$(pg_bindir)
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$POSTGRES_PORT" -U postgres -d postgres
}

# Idempotently create role `pulse` (password `pulse`, CREATEDB) and database `pulse`.
pg_ensure_db() {
  pg_psql_admin >/dev/null <<'SQL' || die "postgres: could not create role/database pulse"
SELECT 'CREATE ROLE pulse LOGIN CREATEDB PASSWORD ''pulse'''
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pulse') \gexec
SELECT 'CREATE DATABASE pulse OWNER pulse'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'pulse') \gexec
SQL
}

pg_start() {
  local pid bin
  if pid=$(pg_pid); then
    local _
    for _ in $(seq 1 100); do pg_ready && break; sleep 0.3; done
    pg_ready || die "postgres: running (pid $pid) but not accepting connections on 127.0.0.1:$POSTGRES_PORT (log: $PG_LOGFILE)"
    pg_ensure_db
    say "postgres: already running (pid $pid) on 127.0.0.1:$POSTGRES_PORT"
    return 0
  fi
  require_port_free postgres "$POSTGRES_PORT" PULSE_STACK_POSTGRES_PORT
  if is_root; then
    id postgres >/dev/null 2>&1 || die "postgres: OS user 'postgres' does not exist (it comes with the postgresql package)"
  fi
  mkdir -p "$STACK_DIR"
  pg_choose_dir
  mkdir -p "$PG_DIR" "$PG_SOCK"
  bin=$(pg_bindir) || die "postgres: no PostgreSQL binaries in /usr/lib/postgresql/*/bin"
  if is_root; then chown postgres:postgres "$PG_DIR" "$PG_SOCK"; fi
  chmod 0755 "$PG_SOCK"

  if [[ ! -f $PGDATA_DIR/PG_VERSION ]]; then
    say "postgres: initdb $PGDATA_DIR ($(basename "$(dirname "$bin")"))"
    rm -rf "$PGDATA_DIR"
    as_pg "$bin/initdb" -D "$PGDATA_DIR" -U postgres --encoding=UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync \
        >"$PG_DIR/initdb.log" 2>&1 </dev/null \
      || { show_tail 20 "$PG_DIR/initdb.log"; die "postgres: initdb failed"; }
    as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<'CONF'

# ---- scripts/stack (Pulse dev/test instance) ----
# listen address, port and socket dir are passed on the command line by scripts/stack
synchronous_commit = off
max_connections = 200
shared_buffers = 128MB
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
CONF
  fi

  say "postgres: starting on 127.0.0.1:$POSTGRES_PORT"
  local start=$SECONDS
  if ! as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOGFILE" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $POSTGRES_PORT -k '$PG_SOCK'" start \
        >"$PG_DIR/pg_ctl.log" 2>&1 </dev/null 8>&- 9>&-; then
    show_tail 20 "$PG_DIR/pg_ctl.log" "$PG_LOGFILE"
    die "postgres: pg_ctl start failed"
  fi
  pg_ensure_db
  say "postgres: ready on 127.0.0.1:$POSTGRES_PORT (pid $(pg_pid || echo ?), $((SECONDS - start))s)"
}

# pg_stop_dir DIR: stop the instance whose files are in DIR.
pg_stop_dir() {
  local dir=$1 pid bin
  pid=$(read_pidfile "$dir/data/postmaster.pid") || return 0
  pid_alive "$pid" || return 0
  bin=$(pg_bindir 2>/dev/null || true)
  # shellcheck disable=SC2030,SC2031  # PG_DIR is meant to change only in the subshell
  if [[ -n $bin ]] && (PG_DIR=$dir; as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t "$PG_STOP_TIMEOUT" stop \
        >/dev/null 2>&1 </dev/null); then
    return 0
  fi
  warn "postgres: pg_ctl stop failed; killing pid $pid"
  stop_pid postgres "$pid" 5
}

pg_stop() {
  local pid
  if ! pid=$(pg_pid); then
    say "postgres: not running"
    return 0
  fi
  say "postgres: stopping (pid $pid)"
  local start=$SECONDS
  # shellcheck disable=SC2031
  pg_stop_dir "$PG_DIR"
  say "postgres: stopped ($((SECONDS - start))s)"
}

pg_status() {
  local pid state
  if pid=$(pg_pid); then
    if pg_ready; then state=running; else state="running (not ready)"; fi
    printf '%-9s %-20s 127.0.0.1:%-6s pid %s\n' postgres "$state" "$POSTGRES_PORT" "$pid"
  else
    printf '%-9s %-20s 127.0.0.1:%-6s\n' postgres stopped "$POSTGRES_PORT"
  fi
}
