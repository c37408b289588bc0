#!/usr/bin/env bash
# A chain is one folder and one registration line: raw-ed25519, the tests'
# second chain (src/chain/raw/), signs over HTTP through the same pipeline as
# Tezos (key ring, policy, audit, metrics), with one secret serving both
# chains; @noble/curves checks every signature (second_chain.mjs).
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="second chain test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
TZ1=$(node "$JS/second_chain.mjs" edsk | "$SIGIL" -c "$T/boot.yaml" import - --name both | cut -d' ' -f1)
[[ $TZ1 == tz1* ]] || fail "import"
PK=$(node "$JS/second_chain.mjs" pk)
config() { # config RAW_POLICY
	server_yaml "$T/var"
	cat <<YAML
tezos:
  $TZ1:
    allow: {generic: [transaction]}
raw-ed25519:
  $PK: $1
YAML
}
config "" > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/second_chain.mjs" main "http://127.0.0.1:$API"

# The same secret still signs for Tezos, under its Tezos policy.
TX=038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00
out=$(curl -s -X POST -H 'content-type: application/json' -d "\"$TX\"" "http://127.0.0.1:$API/keys/$TZ1")
[[ $out == *'"signature":"edsig'* ]] || fail "tezos request for the same key: $out"
out=$(curl -s "http://127.0.0.1:$API/keys/$TZ1")
[[ $out == *'"public_key":"edpk'* ]] || fail "tezos public key: $out"
metrics=$(curl -s "http://127.0.0.1:$UTIL/metrics")
grep -q "signing_ops_total{address=\"$PK\",vault=\"main\",kind=\"message\"} 14" <<<"$metrics" ||
	fail "metrics: $(grep signing_ops_total <<<"$metrics")"
grep -q "signing_ops_total{address=\"$TZ1\",vault=\"main\",kind=\"generic\"} 1" <<<"$metrics" ||
	fail "tezos metrics"
grep -q "audit key=$PK kind=message .*decision=signed" "$T/sigild.log" || fail "audit line"
# Refused for a key that is not in the ring (the address written upper-case).
grep -qi "audit key=$PK decision=refused error=\"unknown key\"" "$T/sigild.log" || fail "audit refusal"
stop_sigild

# Policy applies to the second chain as to Tezos: nothing allowed, nothing signed.
config "{allow: {}}" > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
out=$(curl -s -w ' %{http_code}' -X POST -d '"00"' "http://127.0.0.1:$API/chains/raw-ed25519/keys/$PK")
[[ $out == *'request kind message not allowed'*' 403' ]] || fail "policy: $out"
# An unknown request kind in the chain's policy stops the start.
config "{allow: {block: }}" > "$T/bad.yaml"
if "$SIGILD" -c "$T/bad.yaml" >"$T/bad.log" 2>&1; then fail "bad policy accepted"; fi
grep -q "raw-ed25519.$PK.allow.block: unknown request kind" "$T/bad.log" || { cat "$T/bad.log"; fail "bad policy message"; }
stop_sigild
if grep -E -q 'edsk[1-9A-HJ-NP-Za-km-z]{20,}' "$T/sigild.log"; then fail "secret key in log"; fi
echo "integration: second chain ok"
