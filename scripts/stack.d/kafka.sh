# shellcheck shell=bash disable=SC2016,SC2153
# Kafka (KRaft, single node, combined broker+controller) from Apache's jars on Maven Central.

KAFKA_VERSION=4.1.2
KAFKA_SRC_DIR="$REPO_ROOT/scripts/kafka"
KAFKA_POM="$KAFKA_SRC_DIR/pom.xml"
KAFKA_LOG4J="$KAFKA_SRC_DIR/log4j2.xml"
KAFKA_TEMPLATE="$KAFKA_SRC_DIR/server.properties.template"
KAFKA_CACHE="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_CACHE/libs"

KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_PIDFILE="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/kafka.log"    # log4j2, WARN and up
KAFKA_OUT="$KAFKA_DIR/kafka.out"    # JVM stdout/stderr
KAFKA_TIMEOUT="${PULSE_STACK_KAFKA_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${PULSE_STACK_KAFKA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${PULSE_KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
KAFKA_TOOL_HEAP_OPTS="${PULSE_KAFKA_TOOL_HEAP_OPTS:--Xmx512m}"

java_cmd() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    printf '%s' "$JAVA_HOME/bin/java"
  else
    command -v java 2>/dev/null || true
  fi
}

# Packages the kafka service needs that are missing on this machine.
kafka_missing_pkgs() {
  local java; java=$(java_cmd)
  [[ -n $java ]] || echo openjdk-17-jre-headless
  if ! kafka_libs_ready && ! command -v mvn >/dev/null 2>&1; then echo maven; fi
}

kafka_check_java() {
  local java spec
  java=$(java_cmd)
  [[ -n $java ]] || die "kafka: no java found (need Java 17+)"
  spec=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  spec=${spec#1.}
  if [[ ! $spec =~ ^[0-9]+$ ]] || (( spec < 17 )); then
    die "kafka: $java is Java ${spec:-?}; Kafka $KAFKA_VERSION needs Java 17+ (set JAVA_HOME)"
  fi
}

kafka_pom_hash() { sha256sum "$KAFKA_POM" | cut -d' ' -f1; }

kafka_libs_ready() {
  [[ -f $KAFKA_CACHE/.complete && -d $KAFKA_LIBS ]] || return 1
  [[ $(<"$KAFKA_CACHE/.complete") == "$(kafka_pom_hash)" ]]
}

# Resolve the Kafka jars into the cache once (re-resolve when pom.xml changes).
ensure_kafka_libs() {
  kafka_libs_ready && return 0
  mkdir -p "$KAFKA_CACHE"
  # serialise concurrent resolutions (e.g. two `kafka-class` calls on a cold cache)
  exec 8>"$KAFKA_CACHE/.lock"
  flock 8
  if kafka_libs_ready; then exec 8>&-; return 0; fi
  command -v mvn >/dev/null 2>&1 || die "kafka: mvn not found (needed once to fetch the Kafka jars)"
  local tmp="$KAFKA_CACHE/libs.tmp.$$" logf="$KAFKA_CACHE/mvn.log" start=$SECONDS n
  rm -rf "$tmp"
  say "kafka: resolving Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS (first run only)"
  if ! run_logged "mvn dependency:copy-dependencies" "$logf" \
      mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies -DoutputDirectory="$tmp"; then
    show_tail 30 "$logf"
    rm -rf "$tmp"
    die "kafka: Maven could not resolve the Kafka jars (log: $logf)"
  fi
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar && -f $tmp/kafka-tools-$KAFKA_VERSION.jar ]] \
    || { rm -rf "$tmp"; die "kafka: Maven finished but the Kafka jars are missing in $tmp"; }
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  kafka_pom_hash >"$KAFKA_CACHE/.complete"
  n=$(find "$KAFKA_LIBS" -name '*.jar' | wc -l)
  say "kafka: $n jars ready in $((SECONDS - start))s"
  exec 8>&-
}

# kafka_java [JVM options...] MAIN [args...]: run a class on the Kafka classpath.
kafka_java_cmd() {
  printf '%s\0' "$(java_cmd)" -cp "$KAFKA_LIBS/*" -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$KAFKA_LOG4J"
}

# Pid of this stack's broker, if it is running.
kafka_pid() {
  local pid
  pid=$(read_pidfile "$KAFKA_PIDFILE") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *"kafka.Kafka $KAFKA_PROPS"* ]] || return 1
  printf '%s' "$pid"
}

# The broker answers a Kafka ApiVersions request. The broker only processes requests
# after it has caught up with the metadata log and been unfenced, so this means "ready".
kafka_ready() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    # size=10 | api_key=18 (ApiVersions) | api_version=0 | correlation_id=42 | client_id=null
    printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x2a\xff\xff" >&3
    resp=$(head -c 8 <&3 | od -An -tx1 | tr -d " \n")
    [[ ${resp:8:8} == 0000002a ]]
  ' _ "$KAFKA_PORT" 2>/dev/null
}

kafka_render_props() {
  mkdir -p "$KAFKA_DATA"
  local esc_dirs=${KAFKA_DATA//\\/\\\\}
  esc_dirs=${esc_dirs//&/\\&}
  esc_dirs=${esc_dirs//|/\\|}
  sed -e "s|@BROKER_PORT@|$KAFKA_PORT|g" \
      -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@LOG_DIRS@|$esc_dirs|g" \
      "$KAFKA_TEMPLATE" >"$KAFKA_PROPS.tmp"
  mv "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
}

kafka_format_if_needed() {
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  local -a jcmd; mapfile -d '' -t jcmd < <(kafka_java_cmd)
  local cid=""
  [[ -s $KAFKA_DIR/cluster.id ]] && read -r cid <"$KAFKA_DIR/cluster.id"
  if [[ -z $cid ]]; then
    cid=$("${jcmd[@]}" -Xmx128m kafka.tools.StorageTool random-uuid 2>>"$KAFKA_DIR/format.log" </dev/null | tail -n1)
    [[ $cid =~ ^[A-Za-z0-9_-]{22}$ ]] || { show_tail 20 "$KAFKA_DIR/format.log"; die "kafka: could not generate a cluster id"; }
    printf '%s\n' "$cid" >"$KAFKA_DIR/cluster.id"
  fi
  say "kafka: formatting storage in $KAFKA_DATA (cluster id $cid)"
  if ! "${jcmd[@]}" -Xmx256m kafka.tools.StorageTool format --standalone -t "$cid" -c "$KAFKA_PROPS" \
        >>"$KAFKA_DIR/format.log" 2>&1 </dev/null; then
    show_tail 20 "$KAFKA_DIR/format.log"
    die "kafka: storage format failed (log: $KAFKA_DIR/format.log)"
  fi
}

# Start the broker process (does not wait for readiness; see kafka_wait).
# Sets KAFKA_NEEDS_WAIT=1 when kafka_wait has something to wait for.
KAFKA_NEEDS_WAIT=0
kafka_start() {
  local pid
  if pid=$(kafka_pid); then
    if kafka_ready; then
      say "kafka: already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
    else
      say "kafka: process $pid is up but not ready yet; waiting for it"
      KAFKA_NEEDS_WAIT=1
    fi
    return 0
  fi
  rm -f "$KAFKA_PIDFILE"
  require_port_free kafka "$KAFKA_PORT" PULSE_STACK_KAFKA_PORT
  require_port_free "kafka controller" "$KAFKA_CONTROLLER_PORT" PULSE_STACK_KAFKA_CONTROLLER_PORT
  kafka_check_java
  ensure_kafka_libs
  mkdir -p "$KAFKA_DIR"
  kafka_render_props
  kafka_format_if_needed

  local -a jcmd; mapfile -d '' -t jcmd < <(kafka_java_cmd)
  # shellcheck disable=SC2206
  local -a heap=($KAFKA_HEAP_OPTS) extra=(${PULSE_KAFKA_OPTS:-})
  say "kafka: starting broker on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
  printf '\n==== %s starting kafka.Kafka ====\n' "$(date -Is)" >>"$KAFKA_OUT"
  # setsid: own session, so a caller killing its process group does not take the broker down.
  # The inner bash writes its own pid and then execs java, so the pid file names the JVM.
  nohup setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$KAFKA_PIDFILE" \
    "${jcmd[@]}" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -Dpulse.kafka.appender=FILE "-Dpulse.kafka.logFile=$KAFKA_LOG" "-Dkafka.logs.dir=$KAFKA_DIR" \
    "${extra[@]}" kafka.Kafka "$KAFKA_PROPS" \
    >>"$KAFKA_OUT" 2>&1 </dev/null 8>&- 9>&- &
  disown $! 2>/dev/null || true
  KAFKA_START_TIME=$SECONDS
  KAFKA_NEEDS_WAIT=1
}

kafka_fail() {
  show_tail 25 "$KAFKA_LOG" "$KAFKA_OUT"
  die "$*"
}

# Wait until the broker answers requests (timeout PULSE_STACK_KAFKA_TIMEOUT, default 90 s).
kafka_wait() {
  (( KAFKA_NEEDS_WAIT )) || return 0
  local start=${KAFKA_START_TIME:-$SECONDS} next=5 pid=""
  while :; do
    # pid file is written by the child a moment after the fork
    [[ -n $pid ]] || pid=$(read_pidfile "$KAFKA_PIDFILE" || true)
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      rm -f "$KAFKA_PIDFILE"
      kafka_fail "kafka: broker exited during startup (logs: $KAFKA_LOG, $KAFKA_OUT)"
    fi
    if [[ -n $pid ]] && kafka_ready; then
      say "kafka: ready on 127.0.0.1:$KAFKA_PORT (pid $pid, $((SECONDS - start))s)"
      KAFKA_NEEDS_WAIT=0
      return 0
    fi
    if (( SECONDS - start >= KAFKA_TIMEOUT )); then
      kafka_fail "kafka: broker not ready after ${KAFKA_TIMEOUT}s (still running as pid ${pid:-?}; 'scripts/stack down kafka' stops it)"
    fi
    if (( SECONDS - start >= next )); then say "  ... kafka: waiting for the broker (${next}s)"; next=$((next + 5)); fi
    sleep 0.3
  done
}

kafka_stop() {
  local pid
  if ! pid=$(kafka_pid); then
    rm -f "$KAFKA_PIDFILE"
    say "kafka: not running"
    return 0
  fi
  say "kafka: stopping (pid $pid)"
  local start=$SECONDS
  stop_pid kafka "$pid" "$KAFKA_STOP_TIMEOUT"
  rm -f "$KAFKA_PIDFILE"
  say "kafka: stopped ($((SECONDS - start))s)"
}

kafka_status() {
  local pid state
  if pid=$(kafka_pid); then
    if kafka_ready; then state=running; else state="running (not ready)"; fi
    printf '%-9s %-20s 127.0.0.1:%-6s pid %s\n' kafka "$state" "$KAFKA_PORT" "$pid"
  else
    printf '%-9s %-20s 127.0.0.1:%-6s\n' kafka stopped "$KAFKA_PORT"
  fi
}

# scripts/stack kafka-class MAIN [args...]
kafka_class() {
  (( $# )) || die "usage: scripts/stack kafka-class <main-class> [args...]"
  local -a missing; mapfile -t missing < <(kafka_missing_pkgs)
  apt_install "${missing[@]}"
  ensure_kafka_libs
  local -a jcmd; mapfile -d '' -t jcmd < <(kafka_java_cmd)
  # shellcheck disable=SC2206
  local -a heap=($KAFKA_TOOL_HEAP_OPTS) extra=(${PULSE_KAFKA_TOOL_OPTS:-})
  exec "${jcmd[@]}" "${heap[@]}" "${extra[@]}" "$@"
}
