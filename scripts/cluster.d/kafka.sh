# shellcheck shell=bash disable=SC2016,SC2153,SC2034
# Kafka processes of scripts/cluster: jar cache, the one-JVM tool runner, and the KRaft nodes
# (broker-1..3 of the main cluster, backup). Sourced, never executed.

KAFKA_VERSION=4.1.2
JMX_EXPORTER_VERSION=1.0.1
CLUSTER_SRC_DIR="$REPO_ROOT/scripts/cluster.d"
CLUSTER_POM="$CLUSTER_SRC_DIR/pom.xml"
CLUSTER_LOG4J="$CLUSTER_SRC_DIR/log4j2.xml"
JMX_RULES="$REPO_ROOT/ops/jmx/kafka-rules.yml"
RUNNER_SRC="$CLUSTER_SRC_DIR/ToolBatch.java"

KCACHE="$CACHE_DIR/kafka-cluster-$KAFKA_VERSION"
KLIBS="$KCACHE/libs"
KAGENT="$KCACHE/agent/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar"
KRUNNER="$KCACHE/runner"

HEAP_OPTS="${PULSE_CLUSTER_HEAP_OPTS:--Xmx384m -Xms128m}"
BACKUP_HEAP_OPTS="${PULSE_CLUSTER_BACKUP_HEAP_OPTS:--Xmx256m -Xms64m}"
MIRROR_HEAP_OPTS="${PULSE_CLUSTER_MIRROR_HEAP_OPTS:--Xmx256m -Xms64m}"
TOOL_HEAP_OPTS="${PULSE_CLUSTER_TOOL_HEAP_OPTS:--Xmx512m}"
# JIT: C1 only. Five JVMs start at once on a small box; without C2 a node needs about half the
# CPU time (and ~40 MB less RSS) to come up, at some cost in peak throughput. Override with
# PULSE_CLUSTER_JVM_OPTS=-XX:TieredStopAtLevel=4 (later options win).
CLUSTER_JIT_OPTS=(-XX:TieredStopAtLevel=1)
START_TIMEOUT="${PULSE_CLUSTER_TIMEOUT:-90}"
STOP_TIMEOUT="${PULSE_CLUSTER_STOP_TIMEOUT:-30}"
TOOL_TIMEOUT="${PULSE_CLUSTER_TOOL_TIMEOUT:-120}"

java_cmd() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    printf '%s' "$JAVA_HOME/bin/java"
  else
    command -v java 2>/dev/null || true
  fi
}

javac_cmd() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/javac ]]; then
    printf '%s' "$JAVA_HOME/bin/javac"
  else
    command -v javac 2>/dev/null || true
  fi
}

# Debian packages the cluster needs that are missing on this machine.
cluster_missing_pkgs() {
  [[ -n $(java_cmd) ]] || echo openjdk-17-jre-headless
  command -v openssl >/dev/null 2>&1 || echo openssl
  if ! libs_ready && ! command -v mvn >/dev/null 2>&1; then echo maven; fi
  return 0
}

check_java() {
  local java spec
  java=$(java_cmd)
  [[ -n $java ]] || die "no java found (need Java 17+)"
  spec=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  spec=${spec#1.}
  if [[ ! $spec =~ ^[0-9]+$ ]] || (( spec < 17 )); then
    die "$java is Java ${spec:-?}; Kafka $KAFKA_VERSION needs Java 17+ (set JAVA_HOME)"
  fi
}

# ---- jar cache -------------------------------------------------------------------------------
pom_hash() { sha256sum "$CLUSTER_POM" | cut -d' ' -f1; }

libs_ready() {
  [[ -f $KCACHE/.complete && -d $KLIBS && -f $KAGENT ]] || return 1
  [[ $(<"$KCACHE/.complete") == "$(pom_hash)" ]]
}

# Resolve the jars into the cache once (again when scripts/cluster.d/pom.xml changes).
ensure_libs() {
  libs_ready && return 0
  mkdir -p "$KCACHE"
  exec 8>"$KCACHE/.lock"
  flock -w 600 8 || die "timed out waiting for $KCACHE/.lock (another resolution running?)"
  if libs_ready; then exec 8>&-; return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch the Kafka jars)"
  local tmp="$KCACHE/tmp.$$" logf="$KCACHE/mvn.log" start=$SECONDS n
  rm -rf "$tmp"
  say "resolving Kafka $KAFKA_VERSION + MirrorMaker 2 + JMX exporter $JMX_EXPORTER_VERSION jars from Maven Central into $KCACHE (first run only)"
  if ! run_bounded 600 "mvn dependency:copy-dependencies" "$logf" \
      mvn -B -q -f "$CLUSTER_POM" dependency:copy-dependencies@libs dependency:copy-dependencies@agent \
        "-Dpulse.libs.dir=$tmp/libs" "-Dpulse.agent.dir=$tmp/agent"; then
    show_tail 30 "$logf"
    rm -rf "$tmp"
    die "Maven could not resolve the jars (log: $logf)"
  fi
  local j
  for j in "libs/kafka_2.13-$KAFKA_VERSION.jar" "libs/kafka-tools-$KAFKA_VERSION.jar" \
           "libs/connect-mirror-$KAFKA_VERSION.jar" "libs/log4j-slf4j-impl-"*.jar \
           "agent/${KAGENT##*/}"; do
    compgen -G "$tmp/$j" >/dev/null || { rm -rf "$tmp"; die "Maven finished but $j is missing in $tmp"; }
  done
  rm -rf "$KLIBS" "${KAGENT%/*}" "$KRUNNER"
  mv "$tmp/libs" "$KLIBS"
  mv "$tmp/agent" "${KAGENT%/*}"
  rm -rf "$tmp"
  pom_hash >"$KCACHE/.complete"
  n=$(find "$KLIBS" -name '*.jar' | wc -l)
  say "$n jars + the JMX agent ready in $((SECONDS - start))s"
  exec 8>&-
}

# java + classpath + logging, NUL-separated (read with mapfile -d '').
kjava_cmd() {
  printf '%s\0' "$(java_cmd)" -cp "$KLIBS/*" -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$CLUSTER_LOG4J"
}

# ---- running several CLI tools in one JVM ------------------------------------------------------
RUNNER_OK=""
# Compile ToolBatch.java once into the cache (needs a JDK; without javac every command of a
# batch runs in its own JVM instead, which is slower but equivalent).
ensure_runner() {
  [[ -n $RUNNER_OK ]] && return 0
  local h javac; h=$(sha256sum "$RUNNER_SRC" | cut -d' ' -f1)
  if [[ -f $KRUNNER/ToolBatch.class && -f $KRUNNER/.hash && $(<"$KRUNNER/.hash") == "$h" ]]; then
    RUNNER_OK=1; return 0
  fi
  javac=$(javac_cmd)
  if [[ -z $javac ]]; then
    warn "no javac (JDK) found: every tool call runs in its own JVM (~2 s each). Install openjdk-17-jdk-headless for faster provisioning."
    RUNNER_OK=0; return 0
  fi
  mkdir -p "$KRUNNER"
  local tmp="$KRUNNER.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  if ! "$javac" -nowarn -d "$tmp" -cp "$KLIBS/*" "$RUNNER_SRC" >"$KCACHE/javac.log" 2>&1; then
    show_tail 20 "$KCACHE/javac.log"
    rm -rf "$tmp"
    warn "could not compile $RUNNER_SRC: every tool call runs in its own JVM"
    RUNNER_OK=0; return 0
  fi
  mv -f "$tmp/ToolBatch.class" "$tmp"/ToolBatch\$*.class "$KRUNNER/"
  rm -rf "$tmp"
  printf '%s\n' "$h" >"$KRUNNER/.hash"
  RUNNER_OK=1
}

TOOL_JVM_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto)

# run_batch LABEL BATCH_FILE OUT_FILE: run the commands of BATCH_FILE (see ToolBatch.java),
# all output into OUT_FILE. Returns 0 when all commands exited 0.
run_batch() {
  local label=$1 batch=$2 out=$3 rc=0
  ensure_runner
  local -a jcmd; mapfile -d '' -t jcmd < <(kjava_cmd)
  : >"$out"; chmod 600 "$out"
  if [[ $RUNNER_OK == 1 ]]; then
    jcmd[2]="$KLIBS/*:$KRUNNER"
    run_bounded "$TOOL_TIMEOUT" "$label" "$out" "${jcmd[@]}" -Xmx512m "${TOOL_JVM_OPTS[@]}" ToolBatch "$batch" || rc=$?
  else
    local line n=0 st
    local -a f
    while IFS= read -r line; do
      [[ -z ${line//[[:space:]]/} || $line == \#* ]] && continue
      n=$((n + 1))
      IFS=$'\t' read -r -a f <<<"$line"
      printf '@@pulse-batch %d begin %s\n' "$n" "${f[0]}" >>"$out"
      st=0
      run_bounded "$TOOL_TIMEOUT" "$label ($n)" "$out" "${jcmd[@]}" -Xmx512m "${TOOL_JVM_OPTS[@]}" "${f[@]}" || st=$?
      printf '@@pulse-batch %d exit %d\n' "$n" "$st" >>"$out"
      (( st == 0 )) || rc=1
    done <"$batch"
  fi
  return "$rc"
}

# batch_output OUT_FILE N: the output of command N of a batch.
batch_output() {
  awk -v n="$2" '
    $1 == "@@pulse-batch" && $2 == n && $3 == "begin" { on = 1; next }
    $1 == "@@pulse-batch" && $2 == n && $3 == "exit"  { on = 0; next }
    on' "$1"
}

# batch_exit OUT_FILE N: exit status of command N ("" when it never finished).
batch_exit() {
  awk -v n="$2" '$1 == "@@pulse-batch" && $2 == n && $3 == "exit" { print $4 }' "$1"
}

# batch_fail LABEL BATCH_FILE OUT_FILE [remove]: report the failed commands of a batch (masked)
# and die; "remove" deletes BATCH_FILE once reported (it may hold passwords).
batch_fail() {
  local label=$1 batch=$2 out=$3 remove=${4:-} n=0 line st
  local -a f
  while IFS= read -r line; do
    [[ -z ${line//[[:space:]]/} || $line == \#* ]] && continue
    n=$((n + 1))
    st=$(batch_exit "$out" "$n")
    [[ $st == 0 ]] && continue
    IFS=$'\t' read -r -a f <<<"$line"
    printf '[cluster] ---- %s: command %d (%s) %s ----\n' "$label" "$n" "${f[0]##*.}" \
      "$([[ -n $st ]] && echo "exited $st" || echo "did not finish")" >&2
    printf '    args: %s\n' "${f[*]:1}" | mask_secrets >&2
    batch_output "$out" "$n" | grep -v '^\s*at ' | tail -n 15 | mask_secrets | sed 's/^/    /' >&2
  done <"$batch"
  [[ $remove == remove ]] && rm -f "$batch"
  die "$label failed (full output: $out)"
}

# ---- nodes -----------------------------------------------------------------------------------
MAIN_NODES=(broker-1 broker-2 broker-3)

node_id() { [[ $1 == broker-* ]] && printf '%s' "${1#broker-}" || printf '1'; }

# client (application) port of a node
node_port() {
  case $1 in
    broker-[123]) printf '%s' $((MAIN_PORT + 100 * ($(node_id "$1") - 1))) ;;
    backup)       printf '%s' "$BACKUP_PORT" ;;
  esac
}
node_controller_port() { printf '%s' $(($(node_port "$1") + 1)); }
node_internal_port()   { printf '%s' $(($(node_port "$1") + 2)); }
node_jmx_port() {
  case $1 in
    broker-[123]) printf '%s' $((JMX_PORT + $(node_id "$1") - 1)) ;;
    backup)       printf '%s' $((JMX_PORT + 3)) ;;
    mirror)       printf '%s' $((JMX_PORT + 4)) ;;
  esac
}

node_dir()     { printf '%s' "$CLUSTER_DIR/$1"; }
node_props()   { printf '%s' "$CLUSTER_DIR/$1/server.properties"; }
node_pidfile() { printf '%s' "$CLUSTER_DIR/$1/$1.pid"; }
node_log()     { printf '%s' "$CLUSTER_DIR/$1/$1.log"; }
node_out()     { printf '%s' "$CLUSTER_DIR/$1/$1.out"; }
node_data()    { printf '%s' "$CLUSTER_DIR/$1/data"; }

main_bootstrap() {
  local n out=""
  for n in "${MAIN_NODES[@]}"; do out+="${out:+,}127.0.0.1:$(node_port "$n")"; done
  printf '%s' "$out"
}

# Pid of this cluster's JVM for NAME, if it is running.
node_pid() {
  local pid
  pid=$(read_pidfile "$(node_pidfile "$1")") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *"kafka.Kafka $(node_props "$1")"* ]] || return 1
  printf '%s' "$pid"
}

# TLS handshake (broker certificate verified against the cluster CA, for IP 127.0.0.1) and a
# Kafka ApiVersions answer. A broker's client listener only accepts connections once the broker
# has caught up with the metadata log and been unfenced, so this means "ready".
tls_api_ready() {
  local port=$1 resp
  resp=$(timeout 5 bash -c '
    trap "" PIPE
    coproc S { exec openssl s_client -connect "127.0.0.1:$1" -CAfile "$2" -verify_return_error \
                 -verify_ip 127.0.0.1 -quiet 2>/dev/null; }
    # coproc fds are not inherited by pipeline subshells: duplicate them first
    exec 3<&"${S[0]}" 4>&"${S[1]}"
    # size=10 | api_key=18 (ApiVersions) | api_version=0 | correlation_id=42 | client_id=null
    printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x2a\xff\xff" >&4
    head -c 8 <&3 | od -An -tx1 | tr -d " \n"
    [[ -n ${S_PID:-} ]] && kill "$S_PID"
    exit 0
  ' _ "$port" "$CA_PEM" 2>/dev/null) || true
  [[ ${resp:8:8} == 0000002a ]]
}

plain_api_ready() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x2a\xff\xff" >&3
    resp=$(head -c 8 <&3 | od -An -tx1 | tr -d " \n")
    [[ ${resp:8:8} == 0000002a ]]
  ' _ "$1" 2>/dev/null
}

node_ready() {
  case $1 in
    backup) plain_api_ready "$(node_port backup)" ;;
    *)      tls_api_ready "$(node_port "$1")" ;;
  esac
}

render_node_props() {
  local name=$1 dir; dir=$(node_dir "$name")
  mkdir -p "$(node_data "$name")"
  if [[ $name == backup ]]; then
    render "$CLUSTER_SRC_DIR/backup.properties.template" "$(node_props backup)" 644 \
      "BROKER_PORT=$BACKUP_PORT" "CONTROLLER_PORT=$(node_controller_port backup)" \
      "LOG_DIRS=$(node_data backup)"
  else
    local id n voters=""
    id=$(node_id "$name")
    for n in "${MAIN_NODES[@]}"; do voters+="${voters:+,}$(node_id "$n")@127.0.0.1:$(node_controller_port "$n")"; done
    render "$CLUSTER_SRC_DIR/broker.properties.template" "$(node_props "$name")" 600 \
      "NODE_ID=$id" "VOTERS=$voters" "CLIENT_PORT=$(node_port "$name")" \
      "INTERNAL_PORT=$(node_internal_port "$name")" "CONTROLLER_PORT=$(node_controller_port "$name")" \
      "KEYSTORE=$TLS_DIR/$name.p12" "STORE_PASSWORD=$(secret tls-store)" "CA_PEM=$CA_PEM" \
      "LOG_DIRS=$(node_data "$name")"
  fi
}

node_formatted() { [[ -f $(node_data "$1")/meta.properties ]]; }

# A Kafka cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid
# prints), made here to spare a JVM start. Like Kafka's Uuid.randomUuid, never one starting with
# '-': StorageTool would read `-t -Yg…` as a missing id and an unknown option (1 run in 64 failed).
new_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ && $id != AAAAAAAAAAAAAAAAAAAAA[AQ] ]] && break
  done
  printf '%s' "$id"
}

cluster_id_for() {
  local file="$STATE_DIR/$1.cluster.id" id=""
  [[ -s $file ]] && read -r id <"$file"
  if [[ -z $id ]]; then
    id=$(new_cluster_id)
    printf '%s\n' "$id" >"$file"
  fi
  printf '%s' "$id"
}

# Format the storage of every node in NAMES that is not formatted yet, in one JVM. The main
# cluster's bootstrap metadata carries the SCRAM-SHA-512 credentials of admin and of every Pulse
# principal (StorageTool --add-scram), so they exist from the first start.
FRESH_MAIN=0
format_nodes() {
  local -a todo=() ; local name
  for name in "$@"; do node_formatted "$name" || todo+=("$name"); done
  (( ${#todo[@]} )) || return 0
  local batch="$STATE_DIR/format.batch" out="$CLUSTER_DIR/format.log" main_id backup_id p fresh=0
  main_id=$(cluster_id_for main); backup_id=$(cluster_id_for backup)
  (umask 077; : >"$batch")
  for name in "${todo[@]}"; do
    if [[ $name == backup ]]; then
      printf 'kafka.tools.StorageTool\tformat\t-t\t%s\t-c\t%s\n' "$backup_id" "$(node_props backup)" >>"$batch"
    else
      {
        printf 'kafka.tools.StorageTool\tformat\t-t\t%s\t-c\t%s' "$main_id" "$(node_props "$name")"
        for p in admin "${PRINCIPALS[@]}"; do
          printf '\t--add-scram\tSCRAM-SHA-512=[name=%s,password=%s]' "$p" "$(secret "$p")"
        done
        printf '\n'
      } >>"$batch"
      fresh=$((fresh + 1))
    fi
  done
  # a new main cluster (rather than one node whose data was lost, which re-syncs from the others)
  (( fresh == ${#MAIN_NODES[@]} )) && FRESH_MAIN=1
  say "formatting storage: ${todo[*]} (main cluster id $main_id, backup $backup_id)"
  run_batch "format" "$batch" "$out" || batch_fail "storage format" "$batch" "$out" remove
  rm -f "$batch"
  if (( FRESH_MAIN )); then
    # the credentials the bootstrap metadata holds (provision() compares against this)
    local line=""
    for p in admin "${PRINCIPALS[@]}"; do line+="$p $(secret_hash "$p")"$'\n'; done
    printf '%s' "$line" >"$STATE_DIR/scram.applied"
    rm -f "$STATE_DIR/provisioned"
  fi
}

# Start NAME's JVM (does not wait; see wait_ready). The props must be rendered and formatted.
node_start() {
  local name=$1 dir pid port jmx heap_str
  dir=$(node_dir "$name")
  port=$(node_port "$name"); jmx=$(node_jmx_port "$name")
  rm -f "$(node_pidfile "$name")"
  require_port_free "$name" "$port" "$(port_var "$name")"
  require_port_free "$name controller" "$(node_controller_port "$name")" "$(port_var "$name")"
  [[ $name == backup ]] || require_port_free "$name inter-broker" "$(node_internal_port "$name")" "$(port_var "$name")"
  require_port_free "$name JMX exporter" "$jmx" PULSE_CLUSTER_JMX_PORT
  if [[ $name == backup ]]; then heap_str=$BACKUP_HEAP_OPTS; else heap_str=$HEAP_OPTS; fi
  local -a jcmd; mapfile -d '' -t jcmd < <(kjava_cmd)
  # shellcheck disable=SC2206
  local -a heap=($heap_str) extra=(${PULSE_CLUSTER_JVM_OPTS:-})
  printf '\n==== %s starting kafka.Kafka ====\n' "$(date -Is)" >>"$(node_out "$name")"
  # setsid: own session, so a caller killing its process group does not take the node down.
  # The inner bash writes its own pid and then execs java, so the pid file names the JVM.
  nohup setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$(node_pidfile "$name")" \
    "${jcmd[@]}" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
    "${CLUSTER_JIT_OPTS[@]}" \
    "-javaagent:$KAGENT=127.0.0.1:$jmx:$JMX_RULES" \
    -Dpulse.kafka.appender=FILE "-Dpulse.kafka.logFile=$(node_log "$name")" "-Dkafka.logs.dir=$dir" \
    "${extra[@]}" kafka.Kafka "$(node_props "$name")" \
    >>"$(node_out "$name")" 2>&1 </dev/null 8>&- 9>&- &
  disown $! 2>/dev/null || true
}

port_var() { [[ $1 == backup ]] && echo PULSE_CLUSTER_BACKUP_PORT || echo PULSE_CLUSTER_PORT; }

# wait_ready NAME...: until every node answers (bounded by PULSE_CLUSTER_TIMEOUT).
wait_ready() {
  local start=$SECONDS next=5 name pid
  local -a pending=("$@") still
  local -A seen=()
  while (( ${#pending[@]} )); do
    still=()
    for name in "${pending[@]}"; do
      pid=$(read_pidfile "$(node_pidfile "$name")" || true)
      if [[ -n $pid ]] && ! pid_alive "$pid"; then
        rm -f "$(node_pidfile "$name")"
        show_tail 25 "$(node_log "$name")" "$(node_out "$name")"
        die "$name exited during startup (logs: $(node_log "$name"), $(node_out "$name"))"
      fi
      if [[ -n $pid ]] && node_ready "$name"; then
        [[ -n ${seen[$name]:-} ]] || say "$name: ready on 127.0.0.1:$(node_port "$name") (pid $pid, $((SECONDS - start))s)"
        seen[$name]=1
      else
        still+=("$name")
      fi
    done
    pending=("${still[@]}")
    (( ${#pending[@]} )) || break
    if (( SECONDS - start >= START_TIMEOUT )); then
      for name in "${pending[@]}"; do show_tail 15 "$(node_log "$name")" "$(node_out "$name")"; done
      die "not ready after ${START_TIMEOUT}s: ${pending[*]} ('scripts/cluster down' stops everything; raise PULSE_CLUSTER_TIMEOUT on a slow machine)"
    fi
    if (( SECONDS - start >= next )); then say "  ... waiting for ${pending[*]} (${next}s)"; next=$((next + 5)); fi
    sleep 0.5
  done
}
