#!/usr/bin/env bash
# make-local-ca.sh — create a local certificate authority and a server
# certificate so aisled can serve HTTPS on a LAN (phones need a secure
# context for service workers, offline mode and persistent storage).
# See docs/phone.md.
set -euo pipefail

PROG=${0##*/}
OUT=./certs
NAME=
SERVER_DAYS=397        # iOS/macOS reject TLS server certs valid > 398 days
CA_DAYS=3650           # 10 years

usage() {
    cat <<EOF
Usage: $PROG [--out DIR] [--name NAME] HOST_OR_IP...

Creates a local certificate authority (CA) and a TLS server certificate for
running aisled over HTTPS on a local network, e.g.:

    $PROG 192.168.1.23 pos.local

Files written to DIR (default: ./certs):
  aisle-local-ca.key   CA private key (mode 600). KEEP PRIVATE: anyone holding
                       it can impersonate ANY website to devices that trust
                       this CA.
  aisle-local-ca.crt   CA certificate (PEM). Install on iOS (AirDrop/mail it).
  aisle-local-ca.der   Same CA certificate in DER form (for Android).
  server.key           Server private key (mode 600).
  server.crt           Server certificate, valid $SERVER_DAYS days, signed by the CA.

The CA (EC P-256, valid 10 years, named "Aisle Local CA (NAME)") is created
only if it does not exist yet; running the script again keeps the CA (so
phones that already trust it keep working) and issues a fresh server key and
certificate.

The server certificate's subjectAltName contains every HOST_OR_IP given
(IPv4 and IPv6 literals become IP: entries, everything else DNS:), plus
localhost and 127.0.0.1.

Options:
  --out DIR     Output directory (created if missing). Default: ./certs
  --name NAME   Label used in the CA name, when the CA is created.
                Default: this machine's short hostname.
  -h, --help    Show this help.

Requires: openssl (1.1.1 or newer).
EOF
}

die() { echo "$PROG: error: $*" >&2; exit 1; }

HOSTS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --out) [[ $# -ge 2 ]] || die "--out needs a directory"; OUT=$2; shift 2 ;;
        --out=*) OUT=${1#--out=}; shift ;;
        --name) [[ $# -ge 2 ]] || die "--name needs a value"; NAME=$2; shift 2 ;;
        --name=*) NAME=${1#--name=}; shift ;;
        --) shift; HOSTS+=("$@"); break ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) HOSTS+=("$1"); shift ;;
    esac
done

if [[ ${#HOSTS[@]} -eq 0 ]]; then
    usage >&2
    echo >&2
    die "give at least one host name or IP address the phones will use (e.g. your LAN IP from 'hostname -I')"
fi

command -v openssl >/dev/null 2>&1 || die "openssl not found in PATH"
[[ -n $OUT ]] || die "--out must not be empty"
OUT=${OUT%/}
[[ -n $OUT ]] || OUT=/

if [[ -z $NAME ]]; then
    NAME=$(hostname -s 2>/dev/null || uname -n 2>/dev/null || echo localhost)
    NAME=${NAME%%.*}
fi
# Keep the name safe for an OpenSSL config file and within the 64-char CN limit.
[[ $NAME =~ ^[A-Za-z0-9][A-Za-z0-9\ ._-]*$ ]] || die "--name may only contain letters, digits, space, '.', '_' and '-'"
NAME=${NAME:0:40}

# ---------------------------------------------------------------- SAN list
is_ipv4() {
    local ip=$1 o
    [[ $ip =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
    IFS=. read -r -a o <<<"$ip"
    for x in "${o[@]}"; do (( 10#$x <= 255 )) || return 1; done
}
is_ipv6() {
    [[ $1 == *:* && $1 =~ ^[0-9A-Fa-f:.]+$ ]]
}
is_dns() {
    [[ ${#1} -le 253 && $1 =~ ^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$ ]]
}

# (kept compatible with bash 3.2, the default on macOS: no associative arrays)
SEEN=" "
DNS_SANS=()
IP_SANS=()
add_san() {
    local h=$1
    h=${h#[}; h=${h%]}                      # allow [IPv6] notation
    [[ $h != *%* ]] || die "'$1': IPv6 zone ids (%iface) are not allowed in certificates; use a global or ULA address"
    h=$(printf '%s' "$h" | tr '[:upper:]' '[:lower:]')
    h=${h%.}                                # "pos.local." -> "pos.local"
    if is_ipv4 "$h" || is_ipv6 "$h"; then
        [[ $SEEN != *" IP:$h "* ]] || return 0
        SEEN="$SEEN IP:$h "; IP_SANS+=("$h")
    elif is_dns "$h"; then
        [[ $SEEN != *" DNS:$h "* ]] || return 0
        SEEN="$SEEN DNS:$h "; DNS_SANS+=("$h")
    else
        die "'$1' is neither an IP address nor a valid host name"
    fi
}
for h in "${HOSTS[@]}"; do add_san "$h"; done
add_san localhost
add_san 127.0.0.1

# CN of the server cert: first given host (informational; browsers use SANs).
SERVER_CN=${HOSTS[0]#[}; SERVER_CN=${SERVER_CN%]}
(( ${#SERVER_CN} <= 64 )) || SERVER_CN="Aisle server"

# ---------------------------------------------------------------- setup
mkdir -p -- "$OUT"
CA_KEY=$OUT/aisle-local-ca.key
CA_CRT=$OUT/aisle-local-ca.crt
CA_DER=$OUT/aisle-local-ca.der
SRV_KEY=$OUT/server.key
SRV_CRT=$OUT/server.crt

TMP=$(mktemp -d "${TMPDIR:-/tmp}/aisle-ca.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT
umask 077   # keys are never world-readable, not even briefly

genkey() {  # EC P-256: small, fast, supported by iOS, Android, all browsers
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null
}

# ---------------------------------------------------------------- CA
if [[ -e $CA_KEY && -e $CA_CRT ]]; then
    # Make sure the existing pair belongs together.
    if [[ $(openssl pkey -in "$CA_KEY" -pubout 2>/dev/null) != "$(openssl x509 -in "$CA_CRT" -noout -pubkey 2>/dev/null)" ]]; then
        die "$CA_KEY does not match $CA_CRT; move them away to create a new CA"
    fi
    echo "Using existing CA: $CA_CRT"
    if ! openssl x509 -in "$CA_CRT" -noout -checkend $((SERVER_DAYS * 86400)) >/dev/null; then
        echo "$PROG: warning: the CA expires within $SERVER_DAYS days; move $CA_KEY and $CA_CRT away to create a new one" >&2
    fi
elif [[ -e $CA_KEY || -e $CA_CRT ]]; then
    die "only one of $CA_KEY / $CA_CRT exists; restore the other or move both away"
else
    echo "Creating CA \"Aisle Local CA ($NAME)\" in $OUT"
    cat >"$TMP/ca.cnf" <<EOF
[req]
prompt             = no
distinguished_name = dn
x509_extensions    = v3_ca
[dn]
O  = Aisle (local testing)
CN = Aisle Local CA ($NAME)
[v3_ca]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
    genkey "$TMP/ca.key"
    openssl req -new -x509 -sha256 -days "$CA_DAYS" -config "$TMP/ca.cnf" \
        -key "$TMP/ca.key" -set_serial "0x$(openssl rand -hex 16)" -out "$TMP/ca.crt"
    chmod 600 "$TMP/ca.key"; chmod 644 "$TMP/ca.crt"
    mv -- "$TMP/ca.key" "$CA_KEY"
    mv -- "$TMP/ca.crt" "$CA_CRT"
fi
chmod 600 "$CA_KEY"
openssl x509 -in "$CA_CRT" -outform DER -out "$TMP/ca.der"
chmod 644 "$TMP/ca.der"
mv -f -- "$TMP/ca.der" "$CA_DER"

# ---------------------------------------------------------------- server cert
{
    cat <<EOF
[req]
prompt             = no
distinguished_name = dn
[dn]
O  = Aisle (local testing)
CN = $SERVER_CN
[v3_srv]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = @alt
[alt]
EOF
    i=0; for d in "${DNS_SANS[@]}"; do i=$((i + 1)); echo "DNS.$i = $d"; done
    i=0; for a in "${IP_SANS[@]}";  do i=$((i + 1)); echo "IP.$i = $a"; done
} >"$TMP/srv.cnf"

genkey "$TMP/server.key"
openssl req -new -sha256 -config "$TMP/srv.cnf" -key "$TMP/server.key" -out "$TMP/server.csr"
openssl x509 -req -sha256 -days "$SERVER_DAYS" -in "$TMP/server.csr" \
    -CA "$CA_CRT" -CAkey "$CA_KEY" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$TMP/srv.cnf" -extensions v3_srv -out "$TMP/server.crt" 2>/dev/null
openssl verify -CAfile "$CA_CRT" "$TMP/server.crt" >/dev/null \
    || die "internal error: the new server certificate does not verify against the CA"
chmod 600 "$TMP/server.key"; chmod 644 "$TMP/server.crt"
mv -f -- "$TMP/server.key" "$SRV_KEY"
mv -f -- "$TMP/server.crt" "$SRV_CRT"

# ---------------------------------------------------------------- summary
SANS=()
for d in "${DNS_SANS[@]}"; do SANS+=("DNS:$d"); done
for a in "${IP_SANS[@]}";  do SANS+=("IP:$a"); done
FPR=$(openssl x509 -in "$CA_CRT" -noout -fingerprint -sha256 | cut -d= -f2)
EXPIRES=$(openssl x509 -in "$SRV_CRT" -noout -enddate | cut -d= -f2)
URL_HOST=${HOSTS[0]#[}; URL_HOST=${URL_HOST%]}
[[ $URL_HOST != *:* ]] || URL_HOST="[$URL_HOST]"

cat <<EOF

Server certificate: $SRV_CRT (expires $EXPIRES)
             names: ${SANS[*]}
        server key: $SRV_KEY

CA certificate to install on the phones (see docs/phone.md):
    iOS:     $CA_CRT
    Android: $CA_DER
    SHA-256 fingerprint: $FPR
Keep $CA_KEY private; never copy it to a phone or share it.

Start the server with:
    build/aisled --bind 0.0.0.0 --port 8443 --tls-cert $SRV_CRT --tls-key $SRV_KEY --demo

then open https://$URL_HOST:8443 on the phone.
EOF
