# shellcheck shell=bash
# Secrets, TLS material and client property files of scripts/cluster. Sourced, never executed.
#
#   <cluster>/secrets/<principal>.password   random password, one line, mode 600 (dir 700)
#   <cluster>/secrets/tls-store.password      password of the nodes' PKCS12 key stores
#   <cluster>/tls/ca.pem                      the cluster CA certificate (give this to clients)
#   <cluster>/tls/ca.key                      its private key (mode 600)
#   <cluster>/tls/broker-N.{key,crt,p12}      node N's key pair: CN=pulse-broker-N,
#                                             SAN IP:127.0.0.1 + DNS:localhost, server+client auth
#   <cluster>/client-<principal>.properties   Kafka client settings (SASL_SSL, SCRAM-SHA-512), mode 600

SECRETS_DIR="$CLUSTER_DIR/secrets"
TLS_DIR="$CLUSTER_DIR/tls"
CA_PEM="$TLS_DIR/ca.pem"
CERT_DAYS="${PULSE_CLUSTER_CERT_DAYS:-825}"

secret_file() { printf '%s' "$SECRETS_DIR/$1.password"; }

# secret NAME: the password (first line of its file).
secret() {
  local f v=""; f=$(secret_file "$1")
  [[ -s $f ]] || die "secret $f is missing (run 'scripts/cluster up')"
  IFS= read -r v <"$f" || true
  [[ -n $v ]] || die "secret $f is empty"
  printf '%s' "$v"
}

secret_hash() { secret "$1" | sha256sum | cut -d' ' -f1; }

# Create the password files that are missing: 32 random alphanumerics (safe inside JAAS quotes,
# SCRAM bracket syntax and properties files), generated once and kept.
ensure_secrets() {
  mkdir -p "$SECRETS_DIR"
  chmod 700 "$SECRETS_DIR"
  local p f pw made=()
  for p in admin "${PRINCIPALS[@]}" tls-store; do
    f=$(secret_file "$p")
    [[ -s $f ]] && continue
    pw=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
    [[ ${#pw} -eq 32 ]] || die "could not read random bytes for $f"
    (umask 077; printf '%s\n' "$pw" >"$f.tmp.$$")
    mv -f "$f.tmp.$$" "$f"
    made+=("$p")
  done
  chmod 600 "$SECRETS_DIR"/*.password
  (( ${#made[@]} )) && say "generated passwords in $SECRETS_DIR: ${made[*]}"
  return 0
}

# openssl with its output in the TLS log; dies with the log on failure.
ossl() {
  openssl "$@" >>"$TLS_DIR/openssl.log" 2>&1 || { show_tail 15 "$TLS_DIR/openssl.log"; die "openssl $1 failed (log: $TLS_DIR/openssl.log)"; }
}

# One CA, then per main node a key pair signed by it, packed as PKCS12 for the broker.
# Existing material is kept; a node certificate that expires within a day is re-issued.
ensure_tls() {
  mkdir -p "$TLS_DIR"
  chmod 755 "$TLS_DIR"   # ca.pem and the certificates are public; keys and key stores are 600
  local made=()
  if [[ ! -s $CA_PEM || ! -s $TLS_DIR/ca.key ]]; then
    rm -f "$TLS_DIR"/broker-*.{key,crt,p12}
    (umask 077; ossl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem.tmp" -subj "/CN=Pulse test cluster CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign") || exit 1
    chmod 644 "$TLS_DIR/ca.pem.tmp"
    mv -f "$TLS_DIR/ca.pem.tmp" "$CA_PEM"
    made+=(CA)
  fi
  local n name key crt p12 ext="$TLS_DIR/node.ext"
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$ext"
  for name in "${MAIN_NODES[@]}"; do
    key="$TLS_DIR/$name.key" crt="$TLS_DIR/$name.crt" p12="$TLS_DIR/$name.p12"
    if [[ -s $key && -s $crt && -s $p12 ]] && openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null 2>&1; then
      continue
    fi
    n=${name#broker-}
    (umask 077
     ossl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$key" -out "$TLS_DIR/$name.csr" -subj "/CN=pulse-broker-$n"
     ossl x509 -req -in "$TLS_DIR/$name.csr" -CA "$CA_PEM" -CAkey "$TLS_DIR/ca.key" -CAcreateserial \
       -days "$CERT_DAYS" -sha256 -extfile "$ext" -out "$crt"
     ossl pkcs12 -export -in "$crt" -inkey "$key" -certfile "$CA_PEM" -name "pulse-broker-$n" \
       -out "$p12.tmp" -passout "file:$(secret_file tls-store)") || exit 1
    mv -f "$p12.tmp" "$p12"
    chmod 644 "$crt"
    rm -f "$TLS_DIR/$name.csr"
    made+=("$name")
  done
  (( ${#made[@]} )) && say "TLS: issued ${made[*]} in $TLS_DIR (CA for clients: $CA_PEM)"
  return 0
}

client_props_file() { printf '%s' "$CLUSTER_DIR/client-$1.properties"; }

# Client property files, one per principal (and one for the backup cluster).
write_client_props() {
  local p
  for p in admin "${PRINCIPALS[@]}"; do
    render "$CLUSTER_SRC_DIR/client.properties.template" "$(client_props_file "$p")" 600 \
      "PRINCIPAL=$p" "PASSWORD=$(secret "$p")" "BOOTSTRAP=$(main_bootstrap)" "CA_PEM=$CA_PEM"
  done
  printf '%s\n' "# Backup cluster (scripts/cluster): PLAINTEXT on 127.0.0.1, no authentication." \
    "bootstrap.servers=127.0.0.1:$BACKUP_PORT" "security.protocol=PLAINTEXT" >"$CLUSTER_DIR/client-backup.properties"
}
