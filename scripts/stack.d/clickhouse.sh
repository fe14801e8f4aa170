# shellcheck shell=bash disable=SC2016
# ClickHouse: a private instance (own config, data, logs under <stack>/clickhouse), not the
# system service. Debian 12 ships clickhouse-server 18.16; the generated config uses only what
# that version understands (and current versions still accept). It listens on 127.0.0.1 only,
# HTTP and native TCP, with no interserver port. 18.16 runs as root without complaint, so it
# runs as whoever calls the script and owns the files it writes.

CH_DIR="$STACK_DIR/clickhouse"
CH_CONF="$CH_DIR/config.xml"
CH_USERS="$CH_DIR/users.xml"
CH_DATA="$CH_DIR/data/"
CH_PIDFILE="$CH_DIR/clickhouse.pid"
CH_LOG="$CH_DIR/log/clickhouse-server.log"
CH_ERRLOG="$CH_DIR/log/clickhouse-server.err.log"
CH_OUT="$CH_DIR/clickhouse.out"   # the server's own stdout/stderr (start-up failures land here)
CH_TIMEOUT="${PULSE_STACK_CLICKHOUSE_TIMEOUT:-60}"
CH_STOP_TIMEOUT="${PULSE_STACK_CLICKHOUSE_STOP_TIMEOUT:-30}"

clickhouse_server_bin() { command -v clickhouse-server 2>/dev/null || true; }

clickhouse_missing_pkgs() {
  [[ -n $(clickhouse_server_bin) ]] || echo clickhouse-server
  command -v clickhouse-client >/dev/null 2>&1 || echo clickhouse-client
}

clickhouse_pid() {
  local pid
  pid=$(read_pidfile "$CH_PIDFILE") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *clickhouse*"--config-file=$CH_CONF"* ]] || return 1
  printf '%s' "$pid"
}

# `SELECT 1` over the HTTP interface, with plain bash (no curl needed).
clickhouse_ready() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /?query=SELECT%%201 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    resp=$(tr -d "\r" <&3)
    [[ $(head -n 1 <<<"$resp") == "HTTP/1."?" 200"* && $(tail -n 1 <<<"$resp") == 1 ]]
  ' _ "$CLICKHOUSE_HTTP_PORT" 2>/dev/null
}

# XML text escaping for paths written into the config.
clickhouse_xml() {
  local s=$1
  s=${s//&/&amp;}
  s=${s//</&lt;}
  s=${s//>/&gt;}
  printf '%s' "$s"
}

clickhouse_render_config() {
  mkdir -p "$CH_DATA" "$CH_DIR/tmp" "$CH_DIR/log" "$CH_DIR/user_files" "$CH_DIR/format_schemas"
  local d; d=$(clickhouse_xml "$CH_DIR")
  cat >"$CH_CONF.tmp" <<EOF
<?xml version="1.0"?>
<!-- Rendered by scripts/stack on every 'up'; do not edit. -->
<yandex>
    <logger>
        <level>warning</level>
        <log>$(clickhouse_xml "$CH_LOG")</log>
        <errorlog>$(clickhouse_xml "$CH_ERRLOG")</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$CLICKHOUSE_HTTP_PORT</http_port>
    <tcp_port>$CLICKHOUSE_TCP_PORT</tcp_port>
    <!-- no interserver_http_port: no replication, nothing else to listen on -->
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$(clickhouse_xml "$CH_USERS")</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mlock_executable>false</mlock_executable>
</yandex>
EOF
  cat >"$CH_USERS.tmp" <<'EOF'
<?xml version="1.0"?>
<!-- Rendered by scripts/stack on every 'up'; do not edit. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
  mv "$CH_CONF.tmp" "$CH_CONF"
  mv "$CH_USERS.tmp" "$CH_USERS"
}

clickhouse_fail() {
  show_tail 25 "$CH_ERRLOG" "$CH_OUT"
  die "$*"
}

# The ports the running instance was started with (from its rendered config).
clickhouse_running_ports() {
  sed -n -e 's|.*<http_port>\([0-9]*\)</http_port>.*|\1|p' -e 's|.*<tcp_port>\([0-9]*\)</tcp_port>.*|\1|p' "$CH_CONF" 2>/dev/null | paste -sd/ -
}

clickhouse_start() {
  local pid bin
  if pid=$(clickhouse_pid); then
    local ports; ports=$(clickhouse_running_ports)
    if [[ $ports != "$CLICKHOUSE_HTTP_PORT/$CLICKHOUSE_TCP_PORT" ]]; then
      die "clickhouse: already running (pid $pid) on ports ${ports:-?} (HTTP/native), not $CLICKHOUSE_HTTP_PORT/$CLICKHOUSE_TCP_PORT; 'scripts/stack restart clickhouse' moves it"
    fi
    local _
    for _ in $(seq 1 50); do clickhouse_ready && break; sleep 0.2; done
    clickhouse_ready || clickhouse_fail "clickhouse: running (pid $pid) but not answering SELECT 1 on http://127.0.0.1:$CLICKHOUSE_HTTP_PORT (log: $CH_ERRLOG)"
    say "clickhouse: already running (pid $pid) on 127.0.0.1:$CLICKHOUSE_HTTP_PORT (native :$CLICKHOUSE_TCP_PORT)"
    return 0
  fi
  rm -f "$CH_PIDFILE"
  require_port_free "clickhouse (HTTP)" "$CLICKHOUSE_HTTP_PORT" PULSE_STACK_CLICKHOUSE_HTTP_PORT
  require_port_free "clickhouse (native)" "$CLICKHOUSE_TCP_PORT" PULSE_STACK_CLICKHOUSE_TCP_PORT
  bin=$(clickhouse_server_bin)
  [[ -n $bin ]] || die "clickhouse: clickhouse-server not found (apt-get install -y clickhouse-server clickhouse-client)"
  mkdir -p "$CH_DIR"
  clickhouse_render_config

  say "clickhouse: starting on 127.0.0.1:$CLICKHOUSE_HTTP_PORT (HTTP) and :$CLICKHOUSE_TCP_PORT (native)"
  printf '\n==== %s starting %s ====\n' "$(date -Is)" "$bin" >>"$CH_OUT"
  local start=$SECONDS next=5
  # setsid: own session, so a caller killing its process group does not take the server down.
  # The inner bash writes its own pid and then execs the server, so the pid file names it.
  nohup setsid bash -c 'cd "$1" || exit 1; echo $$ >"$2"; shift 2; exec "$@"' _ "$CH_DIR" "$CH_PIDFILE" \
    "$bin" "--config-file=$CH_CONF" >>"$CH_OUT" 2>&1 </dev/null 8>&- 9>&- &
  disown $! 2>/dev/null || true
  pid=""
  while :; do
    [[ -n $pid ]] || pid=$(read_pidfile "$CH_PIDFILE" || true)
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      rm -f "$CH_PIDFILE"
      clickhouse_fail "clickhouse: server exited during start-up (logs: $CH_ERRLOG, $CH_OUT)"
    fi
    if [[ -n $pid ]] && clickhouse_ready; then
      say "clickhouse: ready on 127.0.0.1:$CLICKHOUSE_HTTP_PORT (pid $pid, $((SECONDS - start))s)"
      return 0
    fi
    if (( SECONDS - start >= CH_TIMEOUT )); then
      clickhouse_fail "clickhouse: not answering SELECT 1 after ${CH_TIMEOUT}s (still running as pid ${pid:-?}; 'scripts/stack down clickhouse' stops it)"
    fi
    if (( SECONDS - start >= next )); then say "  ... clickhouse: waiting for the server (${next}s)"; next=$((next + 5)); fi
    sleep 0.2
  done
}

clickhouse_stop() {
  local pid
  if ! pid=$(clickhouse_pid); then
    rm -f "$CH_PIDFILE"
    say "clickhouse: not running"
    return 0
  fi
  say "clickhouse: stopping (pid $pid)"
  local start=$SECONDS
  stop_pid clickhouse "$pid" "$CH_STOP_TIMEOUT"
  rm -f "$CH_PIDFILE"
  say "clickhouse: stopped ($((SECONDS - start))s)"
}

clickhouse_status() {
  local pid state
  if pid=$(clickhouse_pid); then
    if clickhouse_ready; then state=running; else state="running (not ready)"; fi
    printf '%-9s %-20s 127.0.0.1:%-6s pid %s\n' clickhouse "$state" "$CLICKHOUSE_HTTP_PORT" "$pid"
  else
    printf '%-9s %-20s 127.0.0.1:%-6s\n' clickhouse stopped "$CLICKHOUSE_HTTP_PORT"
  fi
}
