# shellcheck shell=bash disable=SC2016
# Redis Cluster: private, non-persistent redis-server instances (3 masters, no replicas) on
# 127.0.0.1, one directory each under $STACK_DIR/redis-cluster/<port>. The cluster is created once
# (redis-cli --cluster create); its layout is kept in each node's nodes.conf, so a later `up` only
# restarts the nodes. Each node also listens on its cluster bus port, port + 10000.

REDIS_CLUSTER_DIR="$STACK_DIR/redis-cluster"
REDIS_CLUSTER_STOP_TIMEOUT="${PULSE_STACK_REDIS_STOP_TIMEOUT:-15}"
REDIS_CLUSTER_TIMEOUT="${PULSE_STACK_REDIS_CLUSTER_TIMEOUT:-30}"
IFS=',' read -r -a REDIS_CLUSTER_PORTS <<<"${PULSE_STACK_REDIS_CLUSTER_PORTS:-17001,17002,17003}"

(( ${#REDIS_CLUSTER_PORTS[@]} >= 3 )) || die "PULSE_STACK_REDIS_CLUSTER_PORTS needs at least 3 ports, comma-separated (a cluster has 3 masters or more)"
for _p in "${REDIS_CLUSTER_PORTS[@]}"; do
  if [[ ! $_p =~ ^[0-9]{1,5}$ ]] || (( _p < 1 || _p > 55535 )); then
    die "invalid port '$_p' in PULSE_STACK_REDIS_CLUSTER_PORTS (1-55535: the cluster bus uses port + 10000)"
  fi
done
[[ $(printf '%s\n' "${REDIS_CLUSTER_PORTS[@]}" | sort -u | wc -l) -eq ${#REDIS_CLUSTER_PORTS[@]} ]] \
  || die "PULSE_STACK_REDIS_CLUSTER_PORTS lists a port twice"
[[ $REDIS_CLUSTER_TIMEOUT =~ ^[0-9]+$ ]] || die "invalid PULSE_STACK_REDIS_CLUSTER_TIMEOUT '$REDIS_CLUSTER_TIMEOUT' (seconds)"

redis_cluster_missing_pkgs() {
  command -v redis-server >/dev/null 2>&1 || echo redis-server
  command -v redis-cli >/dev/null 2>&1 || echo redis-tools
  return 0
}

# The URL the tests use: every node as a seed.
redis_cluster_url() {
  local IFS=,
  printf 'redis://%s' "${REDIS_CLUSTER_PORTS[*]/#/127.0.0.1:}"
}

redis_cluster_node_pid() {
  local pid
  pid=$(read_pidfile "$REDIS_CLUSTER_DIR/$1/redis.pid") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *redis-server* ]] || return 1
  printf '%s' "$pid"
}

# redis_cluster_cli PORT ARGS...: one bounded redis-cli call against a node.
redis_cluster_cli() {
  local port=$1; shift
  timeout 5 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

redis_cluster_node_ready() { [[ $(redis_cluster_cli "$1" PING || true) == PONG ]]; }

# redis_cluster_info PORT FIELD: one field of CLUSTER INFO (e.g. cluster_state).
redis_cluster_info() {
  { redis_cluster_cli "$1" CLUSTER INFO || true; } | tr -d '\r' | sed -n "s/^$2://p"
}

redis_cluster_ok() {
  local port
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    [[ $(redis_cluster_info "$port" cluster_state) == ok ]] || return 1
  done
}

# redis_cluster_wait_ok SECONDS: true once every node reports cluster_state:ok.
redis_cluster_wait_ok() {
  local deadline=$((SECONDS + $1))
  while (( SECONDS < deadline )); do
    redis_cluster_ok && return 0
    sleep 0.5
  done
  redis_cluster_ok
}

redis_cluster_start_node() {
  local port=$1 dir="$REDIS_CLUSTER_DIR/$1" pid
  if pid=$(redis_cluster_node_pid "$port"); then
    say "redis-cluster: node 127.0.0.1:$port already running (pid $pid)"
    return 0
  fi
  rm -f "$dir/redis.pid"
  require_port_free redis-cluster "$port" PULSE_STACK_REDIS_CLUSTER_PORTS
  require_port_free redis-cluster "$((port + 10000))" PULSE_STACK_REDIS_CLUSTER_PORTS
  mkdir -p "$dir"
  cat >"$dir/redis.conf" <<EOF
# Rendered by scripts/stack on every 'up'; do not edit.
bind 127.0.0.1
port $port
protected-mode yes
daemonize yes
pidfile "$dir/redis.pid"
logfile "$dir/redis.log"
loglevel warning
dir "$dir"
save ""
appendonly no
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 5000
EOF
  if ! redis-server "$dir/redis.conf" >"$dir/redis.out" 2>&1 </dev/null 8>&- 9>&-; then
    show_tail 20 "$dir/redis.out" "$dir/redis.log"
    die "redis-cluster: redis-server failed to start on 127.0.0.1:$port"
  fi
}

redis_cluster_start() {
  local port _ start=$SECONDS
  say "redis-cluster: starting nodes on 127.0.0.1 ports ${REDIS_CLUSTER_PORTS[*]}"
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do redis_cluster_start_node "$port"; done
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    for _ in $(seq 1 100); do
      redis_cluster_node_pid "$port" >/dev/null && redis_cluster_node_ready "$port" && break
      sleep 0.1
    done
    if ! redis_cluster_node_ready "$port"; then
      show_tail 20 "$REDIS_CLUSTER_DIR/$port/redis.out" "$REDIS_CLUSTER_DIR/$port/redis.log"
      die "redis-cluster: node 127.0.0.1:$port not answering PING after 10s"
    fi
  done

  # Nodes restarted from their nodes.conf find each other again within seconds.
  local formed=0
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    [[ $(redis_cluster_info "$port" cluster_slots_assigned) == 0 ]] || formed=1
  done
  if (( formed )) && redis_cluster_wait_ok 15; then
    say "redis-cluster: ready on 127.0.0.1 ports ${REDIS_CLUSTER_PORTS[*]} (cluster_state:ok, $((SECONDS - start))s)"
    return 0
  fi
  if (( formed )); then
    # A half-formed cluster (a node's directory removed, ports changed): the data is not persistent
    # anyway, so start the layout afresh.
    warn "redis-cluster: cluster_state is not ok; resetting the nodes and creating the cluster again"
    for port in "${REDIS_CLUSTER_PORTS[@]}"; do
      redis_cluster_cli "$port" FLUSHALL >/dev/null || true
      redis_cluster_cli "$port" CLUSTER RESET HARD >/dev/null || die "redis-cluster: CLUSTER RESET failed on 127.0.0.1:$port"
    done
  fi

  say "redis-cluster: creating the cluster (${#REDIS_CLUSTER_PORTS[@]} masters, no replicas)"
  local logf="$REDIS_CLUSTER_DIR/create.log"
  if ! timeout 60 redis-cli --cluster create "${REDIS_CLUSTER_PORTS[@]/#/127.0.0.1:}" \
      --cluster-replicas 0 --cluster-yes >"$logf" 2>&1 </dev/null 8>&- 9>&-; then
    show_tail 30 "$logf"
    die "redis-cluster: redis-cli --cluster create failed"
  fi
  if ! redis_cluster_wait_ok "$REDIS_CLUSTER_TIMEOUT"; then
    show_tail 30 "$logf"
    die "redis-cluster: cluster_state not ok on every node after ${REDIS_CLUSTER_TIMEOUT}s (PULSE_STACK_REDIS_CLUSTER_TIMEOUT)"
  fi
  say "redis-cluster: created and ready on 127.0.0.1 ports ${REDIS_CLUSTER_PORTS[*]} ($((SECONDS - start))s)"
}

redis_cluster_stop() {
  local port pid
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    if ! pid=$(redis_cluster_node_pid "$port"); then
      rm -f "$REDIS_CLUSTER_DIR/$port/redis.pid"
      say "redis-cluster: node 127.0.0.1:$port not running"
      continue
    fi
    say "redis-cluster: stopping node 127.0.0.1:$port (pid $pid)"
    stop_pid "redis-cluster node $port" "$pid" "$REDIS_CLUSTER_STOP_TIMEOUT"
    rm -f "$REDIS_CLUSTER_DIR/$port/redis.pid"
  done
  return 0
}

redis_cluster_status() {
  local port pid state
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    if pid=$(redis_cluster_node_pid "$port"); then
      state=$(redis_cluster_info "$port" cluster_state)
      printf '%-13s %-20s 127.0.0.1:%-6s pid %s\n' redis-cluster "running (${state:-?})" "$port" "$pid"
    else
      printf '%-13s %-20s 127.0.0.1:%-6s\n' redis-cluster stopped "$port"
    fi
  done
}
