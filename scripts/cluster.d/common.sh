# shellcheck shell=bash disable=SC2016
# Shared helpers for scripts/cluster. The process and port helpers are scripts/stack's own
# (sourced from stack.d/common.sh); what follows overrides the messages' [cluster] prefix and adds
# what only the cluster needs. Sourced, never executed.

# shellcheck source=../stack.d/common.sh
. "$SCRIPT_DIR/stack.d/common.sh"

say()  { printf '[cluster] %s\n' "$*" >&2; }
warn() { printf '[cluster] warning: %s\n' "$*" >&2; }
die()  { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

# Hide secrets in anything we echo from logs: SCRAM/JAAS/store passwords.
mask_secrets() {
  sed -E 's/(password=)("?)[^],"[:space:];]*/\1\2***/Ig'
}

# Print the last lines of each existing file, indented and masked, to stderr.
show_tail() {
  local n=$1 f; shift
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf '[cluster] ---- last %s lines of %s ----\n' "$n" "$f" >&2
    tail -n "$n" "$f" | mask_secrets | sed 's/^/    /' >&2
  done
}



# require_port_free WHAT PORT ENVVAR: fail if a foreign process holds the port.
require_port_free() {
  local what=$1 port=$2 var=$3
  if port_open "$port"; then
    die "$what: port 127.0.0.1:$port is already in use by something that is not this cluster's $what ($(port_owner "$port")). Stop it, or move the cluster's ports with $var=<port>."
  fi
}



# pid_rss_kb PID: resident set size in kB (empty if unknown).
pid_rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || true; }

# human_kb KB: "412M" / "1.6G".
human_kb() {
  local kb=${1:-0}
  if (( kb >= 1048576 )); then
    printf '%d.%dG' $((kb / 1048576)) $(((kb % 1048576) * 10 / 1048576))
  else
    printf '%dM' $((kb / 1024))
  fi
}


# stop_pids TIMEOUT_S NAME=PID...: SIGTERM all of them at once, wait (bounded), SIGKILL the rest.
stop_pids() {
  local timeout=$1; shift
  local start=$SECONDS next=5 kv name pid alive
  for kv in "$@"; do kill -TERM "${kv#*=}" 2>/dev/null || true; done
  while :; do
    alive=()
    for kv in "$@"; do pid_alive "${kv#*=}" && alive+=("$kv"); done
    (( ${#alive[@]} )) || return 0
    if (( SECONDS - start >= timeout )); then
      for kv in "${alive[@]}"; do
        name=${kv%%=*}; pid=${kv#*=}
        warn "$name (pid $pid) did not stop within ${timeout}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      done
      local _
      for _ in $(seq 1 50); do
        alive=()
        for kv in "$@"; do pid_alive "${kv#*=}" && alive+=("$kv"); done
        (( ${#alive[@]} )) || return 0
        sleep 0.1
      done
      return 0
    fi
    if (( SECONDS - start >= next )); then
      say "  still stopping (${next}s): ${alive[*]%%=*}"
      next=$((next + 5))
    fi
    sleep 0.2
  done
}

# run_bounded TIMEOUT_S LABEL LOGFILE CMD...: run CMD in the background with output appended
# to LOGFILE, a progress line every 10 s, SIGTERM (then SIGKILL) after TIMEOUT_S.
# Returns CMD's exit status (124 on timeout).
run_bounded() {
  local limit=$1 label=$2 logf=$3; shift 3
  local start=$SECONDS next=10 rc=0 pid
  "$@" >>"$logf" 2>&1 </dev/null 9>&- 8>&- &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start >= limit )); then
      warn "$label: no result after ${limit}s; stopping it"
      kill -TERM "$pid" 2>/dev/null || true
      sleep 2
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 124
    fi
    if (( SECONDS - start >= next )); then say "  ... $label: ${next}s"; next=$((next + 10)); fi
    sleep 0.2
  done
  wait "$pid" || rc=$?
  return "$rc"
}

# render TEMPLATE OUT MODE KEY=VALUE...: replace @KEY@ tokens; write OUT atomically with MODE.
# Fails when a token is left unreplaced (a template/script mismatch).
render() {
  local tpl=$1 out=$2 mode=$3; shift 3
  local -a sedargs=()
  local kv k v
  for kv in "$@"; do
    k=${kv%%=*}; v=${kv#*=}
    [[ -n $v ]] || die "render $tpl: empty value for @$k@"
    v=${v//\\/\\\\}; v=${v//&/\\&}; v=${v//|/\\|}
    sedargs+=(-e "s|@${k}@|${v}|g")
  done
  [[ -f $tpl ]] || die "template $tpl is missing"
  local tmp="$out.tmp.$$"
  (umask 077; sed "${sedargs[@]}" "$tpl" >"$tmp")
  if grep -Eq '@[A-Z_]+@' "$tmp"; then
    local left; left=$(grep -Eo '@[A-Z_]+@' "$tmp" | sort -u | xargs echo)
    rm -f "$tmp"
    die "template $tpl: unreplaced token(s) $left"
  fi
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$out"
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
  mkdir -p "$CLUSTER_DIR"
  local logf="$CLUSTER_DIR/apt.log"
  if (( ! APT_UPDATED )); then
    say "apt-get update"
    run_bounded 300 "apt-get update" "$logf" apt-get update -q \
      || { show_tail 10 "$logf"; warn "apt-get update reported errors; trying the install anyway"; }
    APT_UPDATED=1
  fi
  say "apt-get install -y $* (missing on this machine)"
  run_bounded 600 "apt-get install" "$logf" apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" \
    || { show_tail 30 "$logf"; die "apt-get install $* failed"; }
}
