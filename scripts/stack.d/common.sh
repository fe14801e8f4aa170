# shellcheck shell=bash disable=SC2016
# Shared helpers for scripts/stack. Sourced, never executed.

say()  { printf '[stack] %s\n' "$*" >&2; }
warn() { printf '[stack] warning: %s\n' "$*" >&2; }
die()  { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Print the last lines of each existing file, indented, to stderr.
show_tail() {
  local n=$1 f; shift
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf '[stack] ---- last %s lines of %s ----\n' "$n" "$f" >&2
    tail -n "$n" "$f" | sed 's/^/    /' >&2
  done
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Best-effort description of who listens on a port, for error messages.
port_owner() {
  local port=$1 out=""
  if command -v ss >/dev/null 2>&1; then
    out=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1)
  fi
  if [[ -z $out ]] && command -v fuser >/dev/null 2>&1; then
    out=$(fuser -n tcp "$port" 2>/dev/null | xargs echo -n || true)
    [[ -n $out ]] && out="pid(s) $out"
  fi
  printf '%s' "${out:-unknown process}"
}

# require_port_free SERVICE PORT ENVVAR: fail if a foreign process holds the port.
require_port_free() {
  local svc=$1 port=$2 var=$3
  if port_open "$port"; then
    die "$svc: port 127.0.0.1:$port is already in use by something that is not this stack's $svc ($(port_owner "$port")). Stop it, or pick another port with $var=<port>."
  fi
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
  [[ $state != Z ]]
}

# pid_cmdline PID: the process' argv joined by spaces.
pid_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# read_pidfile FILE: first line if it is a number.
read_pidfile() {
  local f=$1 pid=""
  [[ -f $f ]] || return 1
  read -r pid <"$f" || true
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  printf '%s' "$pid"
}

# stop_pid NAME PID TIMEOUT_S: SIGTERM, wait, SIGKILL after the timeout.
stop_pid() {
  local name=$1 pid=$2 timeout=$3 start=$SECONDS next=5
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while pid_alive "$pid"; do
    if (( SECONDS - start >= timeout )); then
      warn "$name (pid $pid) did not stop within ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      local _
      for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
      break
    fi
    if (( SECONDS - start >= next )); then say "  $name: still stopping (${next}s)"; next=$((next + 5)); fi
    sleep 0.1
  done
}

# run_logged LABEL LOGFILE CMD...: run CMD in the background with output to LOGFILE,
# printing a progress line every 10 s. Returns CMD's exit status.
run_logged() {
  local label=$1 logf=$2; shift 2
  local start=$SECONDS next=10 rc=0 pid
  "$@" >>"$logf" 2>&1 </dev/null 9>&- 8>&- &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start >= next )); then say "  ... $label: ${next}s"; next=$((next + 10)); fi
    sleep 0.2
  done
  wait "$pid" || rc=$?
  return "$rc"
}

# ---- Debian packages -------------------------------------------------------
APT_UPDATED=0
# apt_install PKG...: install packages (root only), running apt-get update once.
apt_install() {
  (( $# )) || return 0
  if ! is_root; then
    die "missing packages: $*. Install them first (sudo apt-get install -y $*)"
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing packages: $* (and no apt-get on this machine)"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$STACK_DIR"
  local logf="$STACK_DIR/apt.log"
  if (( ! APT_UPDATED )); then
    say "apt-get update"
    # a broken third-party source makes `update` fail; try the install anyway
    run_logged "apt-get update" "$logf" apt-get update -q \
      || { show_tail 10 "$logf"; warn "apt-get update reported errors; trying the install anyway"; }
    APT_UPDATED=1
  fi
  say "apt-get install -y $* (missing on this machine)"
  run_logged "apt-get install" "$logf" apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" \
    || { show_tail 30 "$logf"; die "apt-get install $* failed"; }
}
