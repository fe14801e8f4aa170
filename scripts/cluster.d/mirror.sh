# shellcheck shell=bash disable=SC2016
# MirrorMaker 2 (dedicated mode, org.apache.kafka.connect.mirror.MirrorMaker) of scripts/cluster:
# main -> backup as pulse-mirror over SASL_SSL. Sourced, never executed.

MIRROR_DIR="$CLUSTER_DIR/mirror"
MIRROR_PROPS="$MIRROR_DIR/mm2.properties"
MIRROR_PIDFILE="$MIRROR_DIR/mirror.pid"
MIRROR_LOG="$MIRROR_DIR/mirror.log"
MIRROR_OUT="$MIRROR_DIR/mirror.out"
MIRROR_TIMEOUT="${PULSE_CLUSTER_MIRROR_TIMEOUT:-90}"

mirror_pid() {
  local pid
  pid=$(read_pidfile "$MIRROR_PIDFILE") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *"org.apache.kafka.connect.mirror.MirrorMaker $MIRROR_PROPS"* ]] || return 1
  printf '%s' "$pid"
}

MIRROR_SECRETS="$MIRROR_DIR/mirror-secrets.properties"

# mirror_render [OUT]: the password file, and mm2.properties (or OUT) from its template.
mirror_render() {
  local out=${1:-$MIRROR_PROPS}
  mkdir -p "$MIRROR_DIR"
  local tmp="$MIRROR_SECRETS.tmp.$$"
  (umask 077; printf 'password=%s\n' "$(secret pulse-mirror)" >"$tmp") || exit 1
  mv -f "$tmp" "$MIRROR_SECRETS"
  render "$CLUSTER_SRC_DIR/mm2.properties.template" "$out" 600 \
    "MAIN_BOOTSTRAP=$(main_bootstrap)" "MIRROR_SECRETS=$MIRROR_SECRETS" "CA_PEM=$CA_PEM" \
    "BACKUP_BOOTSTRAP=127.0.0.1:$BACKUP_PORT"
}

# True when the running MirrorMaker's mm2.properties is what the template renders to now.
mirror_props_current() {
  local next="$MIRROR_DIR/mm2.properties.next" rc=0
  mirror_render "$next"
  cmp -s "$next" "$MIRROR_PROPS" || rc=1
  rm -f "$next"
  return "$rc"
}

# The last "replicating N topic-partitions main->backup" line since the last start, if any.
mirror_replicating() {
  [[ -f $MIRROR_LOG ]] || return 1
  local since=0
  [[ -f $MIRROR_DIR/started.at ]] && read -r since <"$MIRROR_DIR/started.at"
  [[ $since =~ ^[0-9]+$ ]] || since=0
  (( since <= $(stat -c %s "$MIRROR_LOG") )) || since=0   # the log rolled over
  awk -v since="$since" '
    /replicating [0-9]+ topic-partitions main->backup/ { last = $0 }
    END { if (last != "") print last; else exit 1 }' < <(tail -c +"$((since + 1))" "$MIRROR_LOG")
}

MIRROR_NEEDS_WAIT=0
mirror_start() {
  local pid
  if pid=$(mirror_pid); then
    if mirror_props_current; then
      say "mirror: already running (pid $pid)"
      return 0
    fi
    # e.g. more topics to replicate: MirrorMaker reads its settings only at start
    say "mirror: $MIRROR_PROPS is out of date (mm2.properties.template changed); restarting MirrorMaker (pid $pid)"
    stop_pids "$STOP_TIMEOUT" "mirror=$pid"
  fi
  rm -f "$MIRROR_PIDFILE"
  local jmx; jmx=$(node_jmx_port mirror)
  require_port_free "mirror JMX exporter" "$jmx" PULSE_CLUSTER_JMX_PORT
  mirror_render
  local -a jcmd; mapfile -d '' -t jcmd < <(kjava_cmd)
  # shellcheck disable=SC2206
  local -a heap=($MIRROR_HEAP_OPTS) extra=(${PULSE_CLUSTER_JVM_OPTS:-})
  # where this start's log lines begin (mirror_replicating looks only after it)
  stat -c %s "$MIRROR_LOG" 2>/dev/null >"$MIRROR_DIR/started.at" || echo 0 >"$MIRROR_DIR/started.at"
  say "mirror: starting MirrorMaker 2 main -> backup (as pulse-mirror; IdentityReplicationPolicy)"
  printf '\n==== %s starting MirrorMaker ====\n' "$(date -Is)" >>"$MIRROR_OUT"
  nohup setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$MIRROR_PIDFILE" \
    "${jcmd[@]}" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    "${CLUSTER_JIT_OPTS[@]}" \
    "-javaagent:$KAGENT=127.0.0.1:$jmx:$JMX_RULES" \
    -Dpulse.kafka.appender=FILE "-Dpulse.kafka.logFile=$MIRROR_LOG" "-Dkafka.logs.dir=$MIRROR_DIR" \
    "${extra[@]}" org.apache.kafka.connect.mirror.MirrorMaker "$MIRROR_PROPS" \
    >>"$MIRROR_OUT" 2>&1 </dev/null 8>&- 9>&- &
  disown $! 2>/dev/null || true
  MIRROR_START_TIME=$SECONDS
  MIRROR_NEEDS_WAIT=1
}

# Topic-partitions MirrorMaker should replicate: those of every provisioned topic (the regex in
# mm2.properties.template covers them all; partitions added later only raise the count).
mirror_expected_partitions() { topic_specs | awk '{ n += $2 } END { print n + 0 }'; }

# Wait until the MirrorSourceTask reports the topic-partitions it replicates, all of them: after a
# settings change its first report can still be under the previous settings (read back from the
# backup's mm2-configs topic) until the new ones are applied a few seconds later.
mirror_wait() {
  (( MIRROR_NEEDS_WAIT )) || return 0
  local start=${MIRROR_START_TIME:-$SECONDS} next=10 pid="" line n want short_since=""
  want=$(mirror_expected_partitions)
  while :; do
    [[ -n $pid ]] || pid=$(read_pidfile "$MIRROR_PIDFILE" || true)
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      rm -f "$MIRROR_PIDFILE"
      show_tail 25 "$MIRROR_LOG" "$MIRROR_OUT"
      die "mirror: MirrorMaker exited during startup (logs: $MIRROR_LOG, $MIRROR_OUT)"
    fi
    if line=$(mirror_replicating); then
      line=$(grep -o 'replicating [0-9]* topic-partitions main->backup' <<<"$line" || true)
      n=${line#replicating }; n=${n%% *}; [[ $n =~ ^[0-9]+$ ]] || n=0
      if (( n >= want )); then
        say "mirror: ready (pid $pid, $((SECONDS - start))s), ${line:-replicating main->backup}"
        MIRROR_NEEDS_WAIT=0
        return 0
      fi
      short_since=${short_since:-$SECONDS}
      if (( SECONDS - short_since >= 20 )); then
        warn "mirror: replicating $n of the $want topic-partitions of the provisioned topics after 20s (a topic deleted on main?); going on"
        MIRROR_NEEDS_WAIT=0
        return 0
      fi
    fi
    if (( SECONDS - start >= MIRROR_TIMEOUT )); then
      show_tail 25 "$MIRROR_LOG" "$MIRROR_OUT"
      die "mirror: MirrorMaker not replicating after ${MIRROR_TIMEOUT}s (still running as pid ${pid:-?}; logs: $MIRROR_LOG)"
    fi
    if (( SECONDS - start >= next )); then say "  ... mirror: waiting for MirrorMaker's source task (${next}s)"; next=$((next + 10)); fi
    sleep 0.5
  done
}
