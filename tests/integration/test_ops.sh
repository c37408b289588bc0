#!/usr/bin/env bash
# Operating sigild: TLS, SIGHUP reload, slow clients, JSON logs, the
# loud warning beyond loopback, SIGTERM drain.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="ops test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
A=$("$SIGIL" -c "$T/boot.yaml" generate tz1 | cut -d' ' -f1)
B=$("$SIGIL" --config "$T/boot.yaml" generate tz1 | cut -d' ' -f1)   # the long form
TX='"038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00"'

# --- TLS ---------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=localhost -keyout "$T/var/tls.key" -out "$T/var/tls.crt" 2>/dev/null
chmod 600 "$T/var/tls.key"
API=$(free_port); UTIL=$(free_port)
cat > "$T/tls.yaml" <<YAML
base_dir: $T/var
log: {json: true}
server:
  address: 127.0.0.1:$API
  utility_address: 127.0.0.1:$UTIL
  timeout_seconds: 2
  tls: {cert_file: tls.crt, key_file: tls.key}
tezos:
  $A:
    allow: {generic: [transaction]}
YAML
start_sigild "$T/tls.yaml" "$T/tls.log"
curl -sf --cacert "$T/var/tls.crt" "https://localhost:$API/keys/$A" | grep -q '"public_key":"edpk' ||
	fail "GET over TLS"
curl -sf --cacert "$T/var/tls.crt" -X POST --data "$TX" "https://localhost:$API/keys/$A" |
	grep -q '"signature":"edsig' || fail "sign over TLS"
if curl -s "http://127.0.0.1:$API/keys/$A" | grep -q public_key; then fail "plain HTTP on a TLS port"; fi

# A slow client is cut off after timeout_seconds, and others are served meanwhile.
exec 3<>"/dev/tcp/127.0.0.1/$UTIL"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3     # never finishes its headers
curl -sf "http://127.0.0.1:$UTIL/healthz" | grep -q ready || fail "served beside a slow client"
start=$(date +%s)
timeout 10 cat <&3 >/dev/null || true
took=$(( $(date +%s) - start ))
[ "$took" -le 6 ] || fail "slow client held for ${took}s"
exec 3<&-
# A client that trickles its body (a byte a second, never silent for
# timeout_seconds) is cut off too: the whole body must come within the timeout.
exec 3<>"/dev/tcp/127.0.0.1/$UTIL"
printf 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n' >&3
( for _ in $(seq 1 12); do printf a; sleep 1; done ) >&3 2>/dev/null &
trickler=$!
start=$(date +%s)
timeout 15 cat <&3 >/dev/null || true
took=$(( $(date +%s) - start ))
kill "$trickler" 2>/dev/null || true; wait "$trickler" 2>/dev/null || true
[ "$took" -le 6 ] || fail "trickling client held for ${took}s"
exec 3<&-
grep -q 'request body took over 2 s' "$T/tls.log" || fail "no warning for the trickling client"

# JSON logs: every line parses, and an audit record is there.
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(l => l.startsWith("{"));
if (!lines.length) throw new Error("no JSON lines");
let audit = 0;
for (const l of lines) { const j = JSON.parse(l); if (j.msg === "audit") audit++; }
if (!audit) throw new Error("no audit record");
' "$T/tls.log" || fail "json log"
stop_sigild

# --- SIGHUP reload keeps watermarks and applies the new policy ---------
API=$(free_port); UTIL=$(free_port)
cat > "$T/hup.yaml" <<YAML
base_dir: $T/var
server:
  address: 127.0.0.1:$API
  utility_address: 127.0.0.1:$UTIL
tezos:
  $A:
    allow: {attestation: }
YAML
start_sigild "$T/hup.yaml" "$T/hup.log"
att() { printf '"137a06a770%s15%04x%08x%08x%s"' "$(printf 'ab%.0s' $(seq 32))" 0 "$1" "$2" "$3"; }
code() { curl -s -o /dev/null -w '%{http_code}' -X POST --data "$2" "http://127.0.0.1:$API/keys/$1"; }
P1=$(printf '11%.0s' $(seq 32)); P2=$(printf '22%.0s' $(seq 32))
[ "$(code "$A" "$(att 10 0 "$P1")")" = 200 ] || fail "attestation before reload"
[ "$(code "$B" "$(att 10 0 "$P1")")" = 404 ] || fail "B not configured yet"
cat >> "$T/hup.yaml" <<YAML
  $B:
    allow: {attestation: }
YAML
kill -HUP "$SIGILD_PID"
for _ in $(seq 1 50); do grep -q reloaded "$T/hup.log" && break; sleep 0.1; done
grep -q reloaded "$T/hup.log" || fail "no reload"
[ "$(code "$B" "$(att 10 0 "$P1")")" = 200 ] || fail "B after reload"
[ "$(code "$A" "$(att 10 0 "$P2")")" = 409 ] || fail "watermark lost across reload"
# A broken config on reload keeps the running one.
echo "nonsense: [" >> "$T/hup.yaml"
kill -HUP "$SIGILD_PID"
for _ in $(seq 1 50); do grep -q "reload failed" "$T/hup.log" && break; sleep 0.1; done
grep -q "reload failed" "$T/hup.log" || fail "bad reload not reported"
[ "$(code "$A" "$(att 11 0 "$P1")")" = 200 ] || fail "serving after a failed reload"
# SIGTERM drains: a request in flight (half its body sent) is answered, and
# no new connection is taken meanwhile.
body=$(att 12 0 "$P1")
exec 3<>"/dev/tcp/127.0.0.1/$API"
printf 'POST /keys/%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
	"$A" "${#body}" "${body:0:40}" >&3
sleep 0.3
kill -TERM "$SIGILD_PID"
for _ in $(seq 1 50); do grep -q "draining" "$T/hup.log" && break; sleep 0.1; done
grep -q "draining" "$T/hup.log" || fail "no drain message"
if curl -s -m 2 -o /dev/null "http://127.0.0.1:$API/keys/$A"; then fail "a new connection was served while draining"; fi
# Meanwhile /healthz says not ready, so that a load balancer looks elsewhere.
hz=$(curl -s -m 2 -w ' %{http_code}' "http://127.0.0.1:$UTIL/healthz" || true)
[ "${hz##* }" = 503 ] || fail "healthz while draining: $hz"
grep -q '"not_ready":\["draining"\]' <<<"$hz" || fail "healthz does not say draining: $hz"
printf '%s' "${body:40}" >&3
reply=$(timeout 10 cat <&3 || true)
exec 3<&-
grep -q "^HTTP/1.1 200" <<<"$reply" || fail "request in flight not answered: $reply"
grep -q '"signature":"edsig' <<<"$reply" || fail "request in flight not signed: $reply"
wait "$SIGILD_PID" || fail "sigild exited with $?"
grep -q "stopped" "$T/hup.log" || fail "clean stop"

# --- Beyond loopback without TLS or authentication: a loud warning -----
API=$(free_port); UTIL=$(free_port)
cat > "$T/open.yaml" <<YAML
base_dir: $T/var
server:
  address: 0.0.0.0:$API
  utility_address: 127.0.0.1:$UTIL
YAML
start_sigild "$T/open.yaml" "$T/open.log"
stop_sigild
grep -q "WARNING: listening on 0.0.0.0" "$T/open.log" || fail "no warning beyond loopback"
# TLS does not authenticate clients: the warning stays, and says so.
API=$(free_port); UTIL=$(free_port)
cat > "$T/opentls.yaml" <<YAML
base_dir: $T/var
server:
  address: 0.0.0.0:$API
  utility_address: 127.0.0.1:$UTIL
  tls: {cert_file: tls.crt, key_file: tls.key}
YAML
start_sigild "$T/opentls.yaml" "$T/opentls.log"
stop_sigild
grep -q "WARNING: listening on 0.0.0.0.*does not authenticate clients" "$T/opentls.log" ||
	{ cat "$T/opentls.log"; fail "no warning beyond loopback with TLS alone"; }
if grep -q "$SIGIL_PASSPHRASE" "$T"/*.log; then fail "passphrase in a log"; fi
echo "integration: ops ok"
