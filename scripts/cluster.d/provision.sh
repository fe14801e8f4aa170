# shellcheck shell=bash
# Users, topics and ACLs of the main cluster (scripts/cluster). Sourced, never executed.
#
# Everything is done as the super user `admin` with the Kafka CLI tools from the jars
# (kafka.admin.ConfigCommand, org.apache.kafka.tools.TopicCommand, org.apache.kafka.tools.AclCommand),
# batched into one JVM (scripts/cluster.d/ToolBatch.java), and only what is missing:
#   1. probe: ConfigCommand --describe users, AclCommand --list, TopicCommand --list
#   2. apply: ConfigCommand --alter (users missing or whose password file changed),
#             TopicCommand --create (missing topics), AclCommand --add (missing ACLs)
# A marker (state/provisioned) records what was applied, so a warm `up` runs no tool at all;
# `scripts/cluster provision` re-checks against the cluster regardless of the marker.

# One SCRAM principal per Pulse service (plus the super user `admin`, which is not listed here).
PRINCIPALS=(pulse-ingest pulse-realtime pulse-warehouse pulse-generator pulse-dashboard pulse-shop pulse-search pulse-mirror)

PULSE_TOPICS=(user-activity mouse-coordinates page-views)   # the event pipeline's, each with a .dlq
TOPIC_PARTITIONS=3
TOPIC_REPLICAS=3
TOPIC_RETENTION_MS=604800000      # 7 days, as src/bus/topics.ts
DLQ_RETENTION_MS=2592000000       # 30 days

# Topics, one "name partitions config[,config...]" per line, as src/bus/topics.ts; all with
# replication factor TOPIC_REPLICAS. The event pipeline's (ingestTopicSpecs):
event_topic_specs() {
  local t
  for t in "${PULSE_TOPICS[@]}"; do
    printf '%s %s retention.ms=%s\n' "$t" "$TOPIC_PARTITIONS" "$TOPIC_RETENTION_MS" "$t.dlq" "$TOPIC_PARTITIONS" "$DLQ_RETENTION_MS"
  done
}

# The marketplace's (seed 003, shopTopicSpecs): catalog-like topics are compacted (the latest value
# per key kept for good), the ban list has a single partition, the query log is a stream.
shop_topic_specs() {
  local p=$TOPIC_PARTITIONS month="retention.ms=$DLQ_RETENTION_MS"
  cat <<EOF
products              $p cleanup.policy=compact
products.dlq          $p $month
filtered-products     $p cleanup.policy=compact
filtered-products.dlq $p $month
banned-products       1  cleanup.policy=compact
client-queries        $p $month
client-queries.dlq    $p $month
recommendations       $p cleanup.policy=compact
EOF
}

topic_specs() { event_topic_specs; shop_topic_specs; }
all_topics() { topic_specs | awk '{ print $1 }'; }

# The ACLs, one line per (principal, resource type, pattern type, resource names, operations).
# Operations use Kafka's enum names (AclOperation); the cluster resource is named kafka-cluster.
acl_spec() {
  local all6 shop8
  all6=$(event_topic_specs | awk '{ print $1 }' | paste -sd, -)
  shop8=$(shop_topic_specs | awk '{ print $1 }' | paste -sd, -)
  cat <<EOF
pulse-ingest    TOPIC   LITERAL  $all6                                        WRITE,DESCRIBE
pulse-ingest    CLUSTER LITERAL  kafka-cluster                                IDEMPOTENT_WRITE,DESCRIBE
pulse-realtime  TOPIC   LITERAL  user-activity,mouse-coordinates              READ,DESCRIBE
pulse-realtime  GROUP   LITERAL  pulse-realtime                               READ
pulse-realtime  TOPIC   LITERAL  user-activity.dlq,mouse-coordinates.dlq      WRITE,DESCRIBE
pulse-realtime  CLUSTER LITERAL  kafka-cluster                                IDEMPOTENT_WRITE
pulse-warehouse TOPIC   LITERAL  user-activity,page-views                     READ,DESCRIBE
pulse-warehouse GROUP   PREFIXED pulse-warehouse-                             READ
pulse-warehouse TOPIC   LITERAL  user-activity.dlq,page-views.dlq             WRITE,DESCRIBE
pulse-warehouse CLUSTER LITERAL  kafka-cluster                                IDEMPOTENT_WRITE
pulse-generator TOPIC   LITERAL  page-views                                   WRITE,DESCRIBE
pulse-generator CLUSTER LITERAL  kafka-cluster                                IDEMPOTENT_WRITE
pulse-dashboard TOPIC   LITERAL  $all6                                        DESCRIBE
pulse-dashboard GROUP   PREFIXED pulse-                                       DESCRIBE
pulse-dashboard TOPIC   LITERAL  $shop8                                       DESCRIBE
pulse-dashboard TOPIC   LITERAL  client-queries,products,banned-products      WRITE
pulse-dashboard TOPIC   LITERAL  banned-products                              READ
pulse-dashboard GROUP   PREFIXED pulse-shop-bans-                             READ,DELETE
pulse-dashboard CLUSTER LITERAL  kafka-cluster                                IDEMPOTENT_WRITE
pulse-shop      TOPIC   LITERAL  products,filtered-products,banned-products,recommendations  READ,WRITE,DESCRIBE
pulse-shop      TOPIC   LITERAL  products.dlq                                 WRITE,DESCRIBE
pulse-shop      TOPIC   LITERAL  filtered-products.dlq                        DESCRIBE
pulse-shop      GROUP   PREFIXED pulse-shop-                                  READ,DELETE
pulse-shop      CLUSTER LITERAL  kafka-cluster                                IDEMPOTENT_WRITE
pulse-search    TOPIC   LITERAL  filtered-products,client-queries             READ,DESCRIBE
pulse-search    GROUP   PREFIXED pulse-search-                                READ
pulse-search    TOPIC   LITERAL  filtered-products.dlq,client-queries.dlq     WRITE,DESCRIBE
pulse-search    CLUSTER LITERAL  kafka-cluster                                IDEMPOTENT_WRITE
pulse-mirror    TOPIC   PREFIXED user-activity,mouse-coordinates,page-views   READ,DESCRIBE,DESCRIBE_CONFIGS
pulse-mirror    TOPIC   PREFIXED products,filtered-products,banned-products,client-queries,recommendations  READ,DESCRIBE,DESCRIBE_CONFIGS
pulse-mirror    GROUP   PREFIXED pulse-                                       DESCRIBE
EOF
}

# Desired ACLs, one "principal TYPE PATTERN name OPERATION" per line.
acl_desired() {
  acl_spec | awk '{
    n = split($4, names, ","); m = split($5, ops, ",")
    for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print "User:" $1, $2, $3, names[i], ops[j]
  }' | sort -u
}

# Parse `AclCommand --list` output into the same form (ALLOW entries for any host only).
acl_parse_list() {
  awk '
    /ResourcePattern\(/ {
      match($0, /resourceType=[A-Z_]+/); type = substr($0, RSTART + 13, RLENGTH - 13)
      match($0, /name=[^,]+/);           name = substr($0, RSTART + 5, RLENGTH - 5)
      match($0, /patternType=[A-Z]+/);   pat  = substr($0, RSTART + 12, RLENGTH - 12)
      next
    }
    /\(principal=/ && /permissionType=ALLOW/ && /host=\*/ {
      match($0, /principal=[^,]+/); pr = substr($0, RSTART + 10, RLENGTH - 10)
      match($0, /operation=[A-Z_]+/); op = substr($0, RSTART + 10, RLENGTH - 10)
      print pr, type, pat, name, op
    }' | sort -u
}

# IDEMPOTENT_WRITE -> IdempotentWrite (the spelling AclCommand --operation documents)
acl_op_arg() {
  local w out="" IFS=_
  for w in $1; do w=${w,,}; out+="${w^}"; done
  printf '%s' "$out"
}

# Turn missing-ACL lines into AclCommand --add batch lines: one command per
# (principal, type, pattern, operations), with all its resource names.
acl_add_lines() {
  local bootstrap=$1 cfg=$2
  awk '{ k = $1 " " $2 " " $3 " " $4; if (k in ops) ops[k] = ops[k] "," $5; else ops[k] = $5 }
       END { for (k in ops) { split(k, f, " "); print f[1], f[2], f[3], ops[k], f[4] } }' |
    sort |
    awk '{ k = $1 " " $2 " " $3 " " $4; if (k in names) names[k] = names[k] "," $5; else names[k] = $5 }
         END { for (k in names) print k, names[k] }' |
    sort |
    while read -r principal type pattern ops names; do
      local line="org.apache.kafka.tools.AclCommand"$'\t'"--bootstrap-server"$'\t'"$bootstrap"$'\t'"--command-config"$'\t'"$cfg"
      line+=$'\t'"--add"$'\t'"--allow-principal"$'\t'"$principal"$'\t'"--resource-pattern-type"$'\t'"${pattern,,}"
      local op name
      IFS=, read -r -a _ops <<<"$ops"
      for op in "${_ops[@]}"; do line+=$'\t'"--operation"$'\t'"$(acl_op_arg "$op")"; done
      case $type in
        TOPIC)   IFS=, read -r -a _names <<<"$names"; for name in "${_names[@]}"; do line+=$'\t'"--topic"$'\t'"$name"; done ;;
        GROUP)   IFS=, read -r -a _names <<<"$names"; for name in "${_names[@]}"; do line+=$'\t'"--group"$'\t'"$name"; done ;;
        CLUSTER) line+=$'\t'"--cluster" ;;
        *)       die "acl spec: unsupported resource type $type" ;;
      esac
      printf '%s\n' "$line"
    done
}

provision_fingerprint() {
  {
    cat "$STATE_DIR/main.cluster.id" 2>/dev/null || true
    acl_spec
    topic_specs
    printf '%s\n' "$TOPIC_REPLICAS"
    local p
    for p in admin "${PRINCIPALS[@]}"; do printf '%s %s\n' "$p" "$(secret_hash "$p")"; done
  } | sha256sum | cut -d' ' -f1
}

provisioned() {
  [[ -f $STATE_DIR/provisioned && $(<"$STATE_DIR/provisioned") == "$(provision_fingerprint)" ]]
}

# provision [force]: make users, topics and ACLs match the spec.
provision() {
  local force=${1:-}
  if [[ -z $force ]] && provisioned; then
    say "provision: users, topics and ACLs already in place"
    return 0
  fi
  local start=$SECONDS bootstrap cfg out="$CLUSTER_DIR/provision.log" batch="$STATE_DIR/provision.batch"
  bootstrap=$(main_bootstrap); cfg=$(client_props_file admin)
  local applied="$STATE_DIR/scram.applied"
  [[ -f $applied ]] || : >"$applied"
  local p want
  want=$(grep -E '^admin ' "$applied" | cut -d' ' -f2 || true)
  if [[ -n $want && $want != "$(secret_hash admin)" ]]; then
    die "$(secret_file admin) changed after the cluster was formatted with another admin password; put the old password back, or 'scripts/cluster reset' to start over"
  fi

  # ---- 1. probe (skipped right after a fresh format: only the bootstrap users exist) ---------
  local users_present="" acls_present="" topics_present=""
  if (( FRESH_MAIN )) && [[ -z $force ]]; then
    users_present=$(printf '%s\n' admin "${PRINCIPALS[@]}")
  else
    local probe="$STATE_DIR/probe.batch" pout="$CLUSTER_DIR/probe.log"
    printf '%s\n' \
      "kafka.admin.ConfigCommand"$'\t'"--bootstrap-server"$'\t'"$bootstrap"$'\t'"--command-config"$'\t'"$cfg"$'\t'"--describe"$'\t'"--entity-type"$'\t'"users" \
      "org.apache.kafka.tools.AclCommand"$'\t'"--bootstrap-server"$'\t'"$bootstrap"$'\t'"--command-config"$'\t'"$cfg"$'\t'"--list" \
      "org.apache.kafka.tools.TopicCommand"$'\t'"--bootstrap-server"$'\t'"$bootstrap"$'\t'"--command-config"$'\t'"$cfg"$'\t'"--list" \
      >"$probe"
    say "provision: checking users, topics and ACLs (one JVM)"
    run_batch "provision check" "$probe" "$pout" || batch_fail "provision check" "$probe" "$pout"
    rm -f "$probe"
    users_present=$(batch_output "$pout" 1 | sed -n "s/^SCRAM credential configs for user-principal '\([^']*\)' are .*SCRAM-SHA-512.*/\1/p")
    acls_present=$(batch_output "$pout" 2 | acl_parse_list)
    topics_present=$(batch_output "$pout" 3 | grep -v '^\[' | sed 's/[[:space:]]*$//')
  fi

  # ---- 2. apply what is missing ----------------------------------------------------------------
  (umask 077; : >"$batch")
  local -a set_users=() new_topics=()
  for p in "${PRINCIPALS[@]}"; do
    if ! grep -qxF "$p" <<<"$users_present"; then
      set_users+=("$p")
    elif [[ $(grep -E "^$p " "$applied" | cut -d' ' -f2 || true) != "$(secret_hash "$p")" ]]; then
      set_users+=("$p")   # the password file changed: rotate
    fi
  done
  for p in "${set_users[@]}"; do
    local cf="$STATE_DIR/scram-$p.properties"
    # a properties file: the value is taken as is (no [...] as on the command line), and the
    # password stays off every command line
    (umask 077; printf 'SCRAM-SHA-512=password=%s\n' "$(secret "$p")" >"$cf")
    printf '%s\n' "kafka.admin.ConfigCommand"$'\t'"--bootstrap-server"$'\t'"$bootstrap"$'\t'"--command-config"$'\t'"$cfg"$'\t'"--alter"$'\t'"--entity-type"$'\t'"users"$'\t'"--entity-name"$'\t'"$p"$'\t'"--add-config-file"$'\t'"$cf" >>"$batch"
  done
  local t partitions configs c
  local -a cfgs
  while read -r t partitions configs; do
    grep -qxF "$t" <<<"$topics_present" && continue
    new_topics+=("$t")
    local line="org.apache.kafka.tools.TopicCommand"$'\t'"--bootstrap-server"$'\t'"$bootstrap"$'\t'"--command-config"$'\t'"$cfg"
    line+=$'\t'"--create"$'\t'"--if-not-exists"$'\t'"--topic"$'\t'"$t"$'\t'"--partitions"$'\t'"$partitions"$'\t'"--replication-factor"$'\t'"$TOPIC_REPLICAS"
    IFS=, read -r -a cfgs <<<"$configs"
    for c in "${cfgs[@]}"; do line+=$'\t'"--config"$'\t'"$c"; done
    printf '%s\n' "$line" >>"$batch"
  done < <(topic_specs)
  local missing_acls n_acl_cmds n_missing=0
  missing_acls=$(comm -23 <(acl_desired) <(printf '%s\n' "$acls_present" | sed '/^$/d' | sort -u))
  if [[ -n $missing_acls ]]; then
    acl_add_lines "$bootstrap" "$cfg" <<<"$missing_acls" >>"$batch"
  fi
  n_acl_cmds=$(grep -c 'AclCommand' "$batch" || true)
  [[ -z $missing_acls ]] || n_missing=$(wc -l <<<"$missing_acls")

  # ACLs for the Pulse principals that the spec does not grant (left alone, but said)
  local extra
  extra=$(comm -13 <(acl_desired) <(printf '%s\n' "$acls_present" | sed '/^$/d' | sort -u) |
          grep -E "^User:($(IFS='|'; echo "${PRINCIPALS[*]}")) " || true)
  if [[ -n $extra ]]; then
    warn "ACLs not in the spec for Pulse principals (left in place; remove with AclCommand --remove):"
    printf '    %s\n' "${extra//$'\n'/$'\n'    }" >&2
  fi

  if [[ -s $batch ]]; then
    say "provision: ${#set_users[@]} user(s) to set${set_users[*]:+ (${set_users[*]})}, ${#new_topics[@]} topic(s) to create, $n_missing ACL(s) to add in $n_acl_cmds AclCommand call(s) (one JVM)"
    if ! run_batch "provision" "$batch" "$out"; then
      rm -f "$STATE_DIR"/scram-*.properties
      batch_fail "provision" "$batch" "$out"
    fi
    rm -f "$STATE_DIR"/scram-*.properties
  fi
  rm -f "$batch"
  # record what the cluster now holds
  local line=""
  for p in admin "${PRINCIPALS[@]}"; do line+="$p $(secret_hash "$p")"$'\n'; done
  printf '%s' "$line" >"$applied"
  provision_fingerprint >"$STATE_DIR/provisioned"
  say "provision: done ($((SECONDS - start))s): principals ${PRINCIPALS[*]}; topics $(all_topics | paste -sd' ' -) (RF $TOPIC_REPLICAS)"
}
