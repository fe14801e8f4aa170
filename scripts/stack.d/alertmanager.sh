# shellcheck shell=bash disable=SC2016
# Alertmanager: a private instance from Debian's `prometheus-alertmanager` package (installed through apt:
# Debian's build reads its default notification template from /usr/share/prometheus/alertmanager, so the
# binary alone is not enough), not the package's service. No HA gossip (--cluster.listen-address=""), so
# it takes no port besides its own. Config rendered from ops/alertmanager/alertmanager.yml into
# <stack>/alertmanager/alertmanager.yml on every 'up' (reloaded when it changed); notification state
# (silences, notification log) under <stack>/alertmanager/data.
# Uses monitoring_http, render_template and debian_services_off from prometheus.sh.

AM_TEMPLATE="$REPO_ROOT/ops/alertmanager/alertmanager.yml"
AM_DIR="$STACK_DIR/alertmanager"
AM_CONF="$AM_DIR/alertmanager.yml"
AM_DATA="$AM_DIR/data"
AM_PIDFILE="$AM_DIR/alertmanager.pid"
AM_LOG="$AM_DIR/alertmanager.log"
AM_LOADED="$AM_DIR/loaded.sha256"
AM_GROUP_WAIT="${PULSE_STACK_ALERTMANAGER_GROUP_WAIT:-1s}"
AM_GROUP_INTERVAL="${PULSE_STACK_ALERTMANAGER_GROUP_INTERVAL:-2s}"
AM_REPEAT_INTERVAL="${PULSE_STACK_ALERTMANAGER_REPEAT_INTERVAL:-1h}"
AM_TIMEOUT="${PULSE_STACK_ALERTMANAGER_TIMEOUT:-60}"
AM_STOP_TIMEOUT="${PULSE_STACK_ALERTMANAGER_STOP_TIMEOUT:-30}"

alertmanager_bin() { command -v prometheus-alertmanager 2>/dev/null || true; }
amtool_bin() { command -v amtool 2>/dev/null || true; }

# Installed through dpkg, not only present as a binary (see above).
alertmanager_missing_pkgs() {
  if [[ -z $(alertmanager_bin) ]] || ! dpkg-query -W -f='${Status}' prometheus-alertmanager 2>/dev/null | grep -q 'ok installed'; then
    echo prometheus-alertmanager
  fi
}

alertmanager_pid() {
  local pid
  pid=$(read_pidfile "$AM_PIDFILE") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *alertmanager*"--config.file=$AM_CONF"* ]] || return 1
  printf '%s' "$pid"
}

alertmanager_ready() { [[ $(monitoring_http "$ALERTMANAGER_PORT" GET /-/ready) == 200 ]]; }

alertmanager_running_port() {
  pid_cmdline "$1" | sed -n 's/.*--web.listen-address=127.0.0.1:\([0-9]*\).*/\1/p'
}

alertmanager_render_config() {
  [[ $ALERT_WEBHOOK_URL =~ ^https?://[^[:space:]\'\"]+$ ]] \
    || die "invalid webhook URL '$ALERT_WEBHOOK_URL' (PULSE_STACK_ALERT_WEBHOOK_URL; http(s)://host:port/path)"
  local v
  for v in AM_GROUP_WAIT AM_GROUP_INTERVAL AM_REPEAT_INTERVAL; do
    [[ ${!v} =~ ^([0-9]+(ms|s|m|h|d|w|y))+$ ]] || die "invalid duration '${!v}' (PULSE_STACK_ALERTMANAGER_${v#AM_}; e.g. 1s, 5m)"
  done
  mkdir -p "$AM_DIR" "$AM_DATA"
  render_template "$AM_TEMPLATE" "$AM_CONF" "PULSE_WEBHOOK_URL=$ALERT_WEBHOOK_URL" \
    "GROUP_WAIT=$AM_GROUP_WAIT" "GROUP_INTERVAL=$AM_GROUP_INTERVAL" "REPEAT_INTERVAL=$AM_REPEAT_INTERVAL"
  local amtool out; amtool=$(amtool_bin)
  if [[ -n $amtool ]] && ! out=$("$amtool" check-config "$AM_CONF" 2>&1); then
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    die "alertmanager: amtool check-config $AM_CONF failed (template ${AM_TEMPLATE#"$REPO_ROOT"/})"
  fi
}

alertmanager_fail() {
  show_tail 25 "$AM_LOG"
  die "$*"
}

alertmanager_start() {
  local pid bin
  bin=$(alertmanager_bin)
  [[ -n $bin ]] || die "alertmanager: prometheus-alertmanager not found (apt-get install -y prometheus-alertmanager)"
  if pid=$(alertmanager_pid); then
    local port; port=$(alertmanager_running_port "$pid")
    if [[ $port != "$ALERTMANAGER_PORT" ]]; then
      die "alertmanager: already running (pid $pid) on port ${port:-?}, not $ALERTMANAGER_PORT; 'scripts/stack restart alertmanager' moves it"
    fi
    local _
    for _ in $(seq 1 50); do alertmanager_ready && break; sleep 0.2; done
    alertmanager_ready || alertmanager_fail "alertmanager: running (pid $pid) but /-/ready does not answer 200 on 127.0.0.1:$ALERTMANAGER_PORT (log: $AM_LOG)"
    alertmanager_render_config
    local hash; hash=$(sha256sum "$AM_CONF" | cut -d' ' -f1)
    if [[ ! -f $AM_LOADED || $(<"$AM_LOADED") != "$hash" ]]; then
      local code; code=$(monitoring_http "$ALERTMANAGER_PORT" POST /-/reload || true)
      [[ $code == 200 ]] || alertmanager_fail "alertmanager: reloading the changed config failed (HTTP ${code:-none}; log: $AM_LOG)"
      printf '%s\n' "$hash" >"$AM_LOADED"
      say "alertmanager: already running (pid $pid) on 127.0.0.1:$ALERTMANAGER_PORT; reloaded the changed config"
    else
      say "alertmanager: already running (pid $pid) on 127.0.0.1:$ALERTMANAGER_PORT"
    fi
    return 0
  fi
  rm -f "$AM_PIDFILE"
  require_port_free alertmanager "$ALERTMANAGER_PORT" PULSE_STACK_ALERTMANAGER_PORT
  alertmanager_render_config
  local hash; hash=$(sha256sum "$AM_CONF" | cut -d' ' -f1)

  say "alertmanager: starting on 127.0.0.1:$ALERTMANAGER_PORT (notifies $ALERT_WEBHOOK_URL)"
  printf '\n==== %s starting %s ====\n' "$(date -Is)" "$bin" >>"$AM_LOG"
  local start=$SECONDS next=5
  nohup setsid bash -c 'cd "$1" || exit 1; echo $$ >"$2"; shift 2; exec "$@"' _ "$AM_DIR" "$AM_PIDFILE" \
    "$bin" "--config.file=$AM_CONF" "--storage.path=$AM_DATA" \
    "--web.listen-address=127.0.0.1:$ALERTMANAGER_PORT" "--web.external-url=http://127.0.0.1:$ALERTMANAGER_PORT" \
    --cluster.listen-address= --log.level=info \
    >>"$AM_LOG" 2>&1 </dev/null 8>&- 9>&- &
  disown $! 2>/dev/null || true
  pid=""
  while :; do
    [[ -n $pid ]] || pid=$(read_pidfile "$AM_PIDFILE" || true)
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      rm -f "$AM_PIDFILE"
      alertmanager_fail "alertmanager: exited during start-up (log: $AM_LOG)"
    fi
    if [[ -n $pid ]] && alertmanager_ready; then
      printf '%s\n' "$hash" >"$AM_LOADED"
      say "alertmanager: ready on http://127.0.0.1:$ALERTMANAGER_PORT (pid $pid, $((SECONDS - start))s)"
      return 0
    fi
    if (( SECONDS - start >= AM_TIMEOUT )); then
      alertmanager_fail "alertmanager: /-/ready not 200 after ${AM_TIMEOUT}s (still running as pid ${pid:-?}; 'scripts/stack down alertmanager' stops it)"
    fi
    if (( SECONDS - start >= next )); then say "  ... alertmanager: waiting for it (${next}s)"; next=$((next + 5)); fi
    sleep 0.2
  done
}

alertmanager_stop() {
  local pid
  if ! pid=$(alertmanager_pid); then
    rm -f "$AM_PIDFILE"
    say "alertmanager: not running"
    return 0
  fi
  say "alertmanager: stopping (pid $pid)"
  local start=$SECONDS
  stop_pid alertmanager "$pid" "$AM_STOP_TIMEOUT"
  rm -f "$AM_PIDFILE" "$AM_LOADED"
  say "alertmanager: stopped ($((SECONDS - start))s)"
}

alertmanager_status() {
  local pid state
  if pid=$(alertmanager_pid); then
    if alertmanager_ready; then state=running; else state="running (not ready)"; fi
    printf '%-12s %-20s 127.0.0.1:%-6s pid %s\n' alertmanager "$state" "$ALERTMANAGER_PORT" "$pid"
  else
    printf '%-12s %-20s 127.0.0.1:%-6s\n' alertmanager stopped "$ALERTMANAGER_PORT"
  fi
}
