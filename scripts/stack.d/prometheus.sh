# shellcheck shell=bash disable=SC2016
# Prometheus: a private instance from Debian's `prometheus` package (which also brings promtool), not
# the package's prometheus.service. Config rendered from ops/prometheus/prometheus.yml into
# <stack>/prometheus/prometheus.yml on every 'up'; the alert rules are read straight from
# ops/prometheus/rules/, so editing them and running 'up' again reloads them (POST /-/reload).
# Scrapes the secured cluster's JMX exporters (scripts/cluster; their ports follow PULSE_CLUSTER_JMX_PORT),
# every Pulse process listed in a file of the targets directory, itself and the Alertmanager.
#
# Also the helpers alertmanager.sh uses: monitoring_http, render_template, debian_services_off.

PROM_TEMPLATE="$REPO_ROOT/ops/prometheus/prometheus.yml"
PROM_RULES_DIR="$REPO_ROOT/ops/prometheus/rules"
PROM_DIR="$STACK_DIR/prometheus"
PROM_CONF="$PROM_DIR/prometheus.yml"
PROM_DATA="$PROM_DIR/data"
PROM_TARGETS_DIR="$PROM_DIR/targets"
PROM_PIDFILE="$PROM_DIR/prometheus.pid"
PROM_LOG="$PROM_DIR/prometheus.log"
PROM_LOADED="$PROM_DIR/loaded.sha256"     # what the running server last loaded (config + rules)
PROM_SCRAPE_INTERVAL="${PULSE_STACK_PROMETHEUS_SCRAPE_INTERVAL:-2s}"
PROM_EVAL_INTERVAL="${PULSE_STACK_PROMETHEUS_EVAL_INTERVAL:-2s}"
PROM_RETENTION="${PULSE_STACK_PROMETHEUS_RETENTION:-2d}"
PROM_TIMEOUT="${PULSE_STACK_PROMETHEUS_TIMEOUT:-60}"
PROM_STOP_TIMEOUT="${PULSE_STACK_PROMETHEUS_STOP_TIMEOUT:-30}"
PROM_CLUSTER_JMX_PORT="${PULSE_CLUSTER_JMX_PORT:-19404}"   # scripts/cluster's default

prometheus_bin() { command -v prometheus 2>/dev/null || true; }
promtool_bin() { command -v promtool 2>/dev/null || true; }

prometheus_missing_pkgs() {
  if [[ -z $(prometheus_bin) || -z $(promtool_bin) ]]; then echo prometheus; fi
}

# ---- helpers shared with alertmanager.sh ---------------------------------------------------------

# monitoring_http PORT METHOD PATH: print the HTTP status code of a request to 127.0.0.1:PORT
# (plain bash, no curl needed); fails when nothing answers.
monitoring_http() {
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n" "$2" "$3" >&3
    IFS=" " read -r _ code _ <&3 || exit 1
    printf "%s" "$code"
  ' _ "$@" 2>/dev/null
}

# render_template SRC DST NAME=VALUE...: copy SRC to DST without its leading comment block and with every
# @NAME@ replaced; fails when a token is left over. Values are taken literally (no '&' expansion).
render_template() {
  local src=$1 dst=$2 text kv left; shift 2
  # without the template's leading comment block (it explains the tokens)
  text=$(sed '1,/^[^#]/{/^#/d}' "$src") || die "cannot read $src"
  for kv in "$@"; do
    text=${text//"@${kv%%=*}@"/"${kv#*=}"}
  done
  left=$(grep -o '@[A-Z][A-Z0-9_]*@' <<<"$text" | sort -u | paste -sd' ' - || true)
  [[ -z $left ]] || die "${src#"$REPO_ROOT"/}: no value for $left"
  mkdir -p "$(dirname "$dst")"
  printf '# Rendered by scripts/stack from %s on every '\''up'\''; do not edit.\n%s\n' "${src#"$REPO_ROOT"/}" "$text" >"$dst.tmp"
  mv "$dst.tmp" "$dst"
}

# debian_services_off PKG...: packages this run has just installed may have started their Debian service
# (on a machine with systemd or sysvinit and no policy-rc.d forbidding it): stop and disable it, this
# stack runs its own instances (their ports 9090/9093/9094 and /var/lib/prometheus would not clash with
# ours, but nobody asked for them). Services of packages installed before are left alone.
debian_services_off() {
  local pkg
  for pkg in "$@"; do
    [[ $pkg == prometheus || $pkg == prometheus-alertmanager ]] || continue
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
      systemctl is-active --quiet "$pkg" 2>/dev/null || continue
      say "$pkg: stopping and disabling the Debian service apt started (this stack runs its own instance)"
      systemctl disable --now "$pkg" >/dev/null 2>&1 || warn "could not stop $pkg.service (systemctl disable --now $pkg)"
    elif [[ -x /etc/init.d/$pkg ]]; then
      /etc/init.d/"$pkg" status >/dev/null 2>&1 </dev/null 8>&- 9>&- || continue
      say "$pkg: stopping and disabling the Debian service apt started (this stack runs its own instance)"
      /etc/init.d/"$pkg" stop >/dev/null 2>&1 </dev/null 8>&- 9>&- || warn "could not stop /etc/init.d/$pkg"
      if command -v update-rc.d >/dev/null 2>&1; then update-rc.d "$pkg" disable >/dev/null 2>&1 || true; fi
    fi
  done
  return 0
}

# ---- prometheus ------------------------------------------------------------------------------------

prometheus_pid() {
  local pid
  pid=$(read_pidfile "$PROM_PIDFILE") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *prometheus*"--config.file=$PROM_CONF"* ]] || return 1
  printf '%s' "$pid"
}

prometheus_ready() { [[ $(monitoring_http "$PROMETHEUS_PORT" GET /-/ready) == 200 ]]; }

prometheus_running_port() {
  pid_cmdline "$1" | sed -n 's/.*--web.listen-address=127.0.0.1:\([0-9]*\).*/\1/p'
}

# A Go duration Prometheus accepts (2s, 500ms, 1m30s).
prometheus_check_duration() {
  [[ $2 =~ ^([0-9]+(ms|s|m|h|d|w|y))+$ ]] || die "invalid duration '$2' ($1; e.g. 2s, 15s, 1m)"
}

prometheus_render_config() {
  prometheus_check_duration PULSE_STACK_PROMETHEUS_SCRAPE_INTERVAL "$PROM_SCRAPE_INTERVAL"
  prometheus_check_duration PULSE_STACK_PROMETHEUS_EVAL_INTERVAL "$PROM_EVAL_INTERVAL"
  if [[ ! $PROM_CLUSTER_JMX_PORT =~ ^[0-9]{1,5}$ ]] || (( PROM_CLUSTER_JMX_PORT < 1 || PROM_CLUSTER_JMX_PORT + 4 > 65535 )); then
    die "invalid port '$PROM_CLUSTER_JMX_PORT' (PULSE_CLUSTER_JMX_PORT)"
  fi
  local j=$PROM_CLUSTER_JMX_PORT
  mkdir -p "$PROM_DIR" "$PROM_DATA" "$PROM_TARGETS_DIR"
  # the scrape timeout may not exceed the interval; 10s (Prometheus' default) is plenty beyond that
  local timeout=$PROM_SCRAPE_INTERVAL
  [[ $PROM_SCRAPE_INTERVAL =~ ^[0-9]+s$ ]] && (( ${PROM_SCRAPE_INTERVAL%s} > 10 )) && timeout=10s
  render_template "$PROM_TEMPLATE" "$PROM_CONF" \
    "SCRAPE_INTERVAL=$PROM_SCRAPE_INTERVAL" "SCRAPE_TIMEOUT=$timeout" "EVALUATION_INTERVAL=$PROM_EVAL_INTERVAL" \
    "PROMETHEUS_ADDRESS=127.0.0.1:$PROMETHEUS_PORT" "ALERTMANAGER_ADDRESS=127.0.0.1:$ALERTMANAGER_PORT" \
    "KAFKA_BROKER_1=127.0.0.1:$j" "KAFKA_BROKER_2=127.0.0.1:$((j + 1))" "KAFKA_BROKER_3=127.0.0.1:$((j + 2))" \
    "KAFKA_BACKUP=127.0.0.1:$((j + 3))" "KAFKA_MIRRORMAKER=127.0.0.1:$((j + 4))" \
    "PULSE_TARGETS_DIR=$PROM_TARGETS_DIR" "RULES_DIR=$PROM_RULES_DIR"
  local out
  if ! out=$("$(promtool_bin)" check config "$PROM_CONF" 2>&1); then
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    die "prometheus: promtool check config $PROM_CONF failed (template ${PROM_TEMPLATE#"$REPO_ROOT"/}, rules ${PROM_RULES_DIR#"$REPO_ROOT"/})"
  fi
}

# What a reload would change: the rendered config and the rule files.
prometheus_config_hash() {
  { cat "$PROM_CONF"; find "$PROM_RULES_DIR" -maxdepth 1 -name '*.yml' -print0 | sort -z | xargs -0r cat; } | sha256sum | cut -d' ' -f1
}

prometheus_fail() {
  show_tail 25 "$PROM_LOG"
  die "$*"
}

prometheus_start() {
  local pid bin
  bin=$(prometheus_bin)
  [[ -n $bin && -n $(promtool_bin) ]] || die "prometheus: prometheus/promtool not found (apt-get install -y prometheus)"
  if pid=$(prometheus_pid); then
    local port; port=$(prometheus_running_port "$pid")
    if [[ $port != "$PROMETHEUS_PORT" ]]; then
      die "prometheus: already running (pid $pid) on port ${port:-?}, not $PROMETHEUS_PORT; 'scripts/stack restart prometheus' moves it"
    fi
    local _
    for _ in $(seq 1 50); do prometheus_ready && break; sleep 0.2; done
    prometheus_ready || prometheus_fail "prometheus: running (pid $pid) but /-/ready does not answer 200 on 127.0.0.1:$PROMETHEUS_PORT (log: $PROM_LOG)"
    prometheus_render_config
    local hash; hash=$(prometheus_config_hash)
    if [[ ! -f $PROM_LOADED || $(<"$PROM_LOADED") != "$hash" ]]; then
      local code; code=$(monitoring_http "$PROMETHEUS_PORT" POST /-/reload || true)
      [[ $code == 200 ]] || prometheus_fail "prometheus: reloading the changed config/rules failed (HTTP ${code:-none}; log: $PROM_LOG)"
      printf '%s\n' "$hash" >"$PROM_LOADED"
      say "prometheus: already running (pid $pid) on 127.0.0.1:$PROMETHEUS_PORT; reloaded the changed config/rules"
    else
      say "prometheus: already running (pid $pid) on 127.0.0.1:$PROMETHEUS_PORT"
    fi
    return 0
  fi
  rm -f "$PROM_PIDFILE"
  require_port_free prometheus "$PROMETHEUS_PORT" PULSE_STACK_PROMETHEUS_PORT
  prometheus_render_config
  local hash; hash=$(prometheus_config_hash)

  say "prometheus: starting on 127.0.0.1:$PROMETHEUS_PORT (scrape every $PROM_SCRAPE_INTERVAL, rules every $PROM_EVAL_INTERVAL)"
  printf '\n==== %s starting %s ====\n' "$(date -Is)" "$bin" >>"$PROM_LOG"
  local start=$SECONDS next=5
  # setsid: own session, so a caller killing its process group does not take the server down.
  # The inner bash writes its own pid and then execs the server, so the pid file names it.
  nohup setsid bash -c 'cd "$1" || exit 1; echo $$ >"$2"; shift 2; exec "$@"' _ "$PROM_DIR" "$PROM_PIDFILE" \
    "$bin" "--config.file=$PROM_CONF" "--storage.tsdb.path=$PROM_DATA" \
    "--storage.tsdb.retention.time=$PROM_RETENTION" "--web.listen-address=127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle --log.level=info \
    >>"$PROM_LOG" 2>&1 </dev/null 8>&- 9>&- &
  disown $! 2>/dev/null || true
  pid=""
  while :; do
    [[ -n $pid ]] || pid=$(read_pidfile "$PROM_PIDFILE" || true)
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      rm -f "$PROM_PIDFILE"
      prometheus_fail "prometheus: server exited during start-up (log: $PROM_LOG)"
    fi
    if [[ -n $pid ]] && prometheus_ready; then
      printf '%s\n' "$hash" >"$PROM_LOADED"
      say "prometheus: ready on http://127.0.0.1:$PROMETHEUS_PORT (pid $pid, $((SECONDS - start))s)"
      return 0
    fi
    if (( SECONDS - start >= PROM_TIMEOUT )); then
      prometheus_fail "prometheus: /-/ready not 200 after ${PROM_TIMEOUT}s (still running as pid ${pid:-?}; 'scripts/stack down prometheus' stops it)"
    fi
    if (( SECONDS - start >= next )); then say "  ... prometheus: waiting for the server (${next}s)"; next=$((next + 5)); fi
    sleep 0.2
  done
}

prometheus_stop() {
  local pid
  if ! pid=$(prometheus_pid); then
    rm -f "$PROM_PIDFILE"
    say "prometheus: not running"
    return 0
  fi
  say "prometheus: stopping (pid $pid)"
  local start=$SECONDS
  stop_pid prometheus "$pid" "$PROM_STOP_TIMEOUT"
  rm -f "$PROM_PIDFILE" "$PROM_LOADED"
  say "prometheus: stopped ($((SECONDS - start))s)"
}

prometheus_status() {
  local pid state
  if pid=$(prometheus_pid); then
    if prometheus_ready; then state=running; else state="running (not ready)"; fi
    printf '%-12s %-20s 127.0.0.1:%-6s pid %s\n' prometheus "$state" "$PROMETHEUS_PORT" "$pid"
  else
    printf '%-12s %-20s 127.0.0.1:%-6s\n' prometheus stopped "$PROMETHEUS_PORT"
  fi
}
