# shellcheck shell=bash disable=SC2016
# Redis: a private, non-persistent instance (not the system service).

REDIS_DIR="$STACK_DIR/redis"
REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
REDIS_LOGFILE="$REDIS_DIR/redis.log"
REDIS_STOP_TIMEOUT="${PULSE_STACK_REDIS_STOP_TIMEOUT:-15}"

redis_missing_pkgs() {
  command -v redis-server >/dev/null 2>&1 || echo redis-server
}

redis_pid() {
  local pid
  pid=$(read_pidfile "$REDIS_PIDFILE") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *redis-server* ]] || return 1
  printf '%s' "$pid"
}

# PING over the RESP protocol with plain bash (no redis-cli needed).
redis_ready() {
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 2 line <&3
    [[ $line == "+PONG"* ]]
  ' _ "$REDIS_PORT" 2>/dev/null
}

redis_start() {
  local pid
  if pid=$(redis_pid); then
    local _
    for _ in $(seq 1 50); do redis_ready && break; sleep 0.2; done
    redis_ready || die "redis: running (pid $pid) but not answering PING on 127.0.0.1:$REDIS_PORT (log: $REDIS_LOGFILE)"
    say "redis: already running (pid $pid) on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  rm -f "$REDIS_PIDFILE"
  require_port_free redis "$REDIS_PORT" PULSE_STACK_REDIS_PORT
  mkdir -p "$REDIS_DIR"
  cat >"$REDIS_CONF" <<EOF
# Rendered by scripts/stack on every 'up'; do not edit.
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile "$REDIS_PIDFILE"
logfile "$REDIS_LOGFILE"
loglevel warning
dir "$REDIS_DIR"
save ""
appendonly no
databases 16
EOF
  say "redis: starting on 127.0.0.1:$REDIS_PORT"
  local start=$SECONDS
  if ! redis-server "$REDIS_CONF" >"$REDIS_DIR/redis.out" 2>&1 </dev/null 8>&- 9>&-; then
    show_tail 20 "$REDIS_DIR/redis.out" "$REDIS_LOGFILE"
    die "redis: redis-server failed to start"
  fi
  local _
  for _ in $(seq 1 100); do
    if pid=$(redis_pid) && redis_ready; then
      say "redis: ready on 127.0.0.1:$REDIS_PORT (pid $pid, $((SECONDS - start))s)"
      return 0
    fi
    sleep 0.1
  done
  show_tail 20 "$REDIS_DIR/redis.out" "$REDIS_LOGFILE"
  die "redis: not answering PING on 127.0.0.1:$REDIS_PORT after 10s"
}

redis_stop() {
  local pid
  if ! pid=$(redis_pid); then
    rm -f "$REDIS_PIDFILE"
    say "redis: not running"
    return 0
  fi
  say "redis: stopping (pid $pid)"
  local start=$SECONDS
  stop_pid redis "$pid" "$REDIS_STOP_TIMEOUT"
  rm -f "$REDIS_PIDFILE"
  say "redis: stopped ($((SECONDS - start))s)"
}

redis_status() {
  local pid state
  if pid=$(redis_pid); then
    if redis_ready; then state=running; else state="running (not ready)"; fi
    printf '%-9s %-20s 127.0.0.1:%-6s pid %s\n' redis "$state" "$REDIS_PORT" "$pid"
  else
    printf '%-9s %-20s 127.0.0.1:%-6s\n' redis stopped "$REDIS_PORT"
  fi
}
