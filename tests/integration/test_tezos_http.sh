#!/usr/bin/env bash
# The octez-signer protocol end to end: real sigild, real sockets, signatures
# checked by Taquito (@taquito/utils, @taquito/remote-signer).
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="integration test passphrase"
API=$(free_port); UTIL=$(free_port)
mkdir -p "$T/var"
cat > "$T/boot.yaml" <<YAML
base_dir: $T/var
YAML
for t in tz1 tz2 tz3; do "$SIGIL" -c "$T/boot.yaml" generate "$t" --name "k-$t" >/dev/null; done
# A second tz1 whose policy allows only one chain and no generic operations.
"$SIGIL" -c "$T/boot.yaml" generate tz1 --name narrow >/dev/null
"$SIGIL" -c "$T/boot.yaml" list > "$T/keys.tsv"
TZ1=$(grep -P '\ted25519\t' "$T/keys.tsv" | head -1 | cut -f1)
TZ2=$(grep -P '\tsecp256k1\t' "$T/keys.tsv" | cut -f1)
TZ3=$(grep -P '\tp256\t' "$T/keys.tsv" | cut -f1)
NARROW=$(grep -P '\ted25519\t' "$T/keys.tsv" | cut -f1 | grep -v "$TZ1")
# The key that authenticates requests to the second instance (fixed test key).
AUTH_PK=$(node "$JS/auth_key.mjs" pk)

cat > "$T/sigil.yaml" <<YAML
base_dir: $T/var
server:
  address: 127.0.0.1:$API
  utility_address: 127.0.0.1:$UTIL
  allow_list_known_keys: true
tezos:
  $TZ1:
    allow: {block: , preattestation: , attestation: , attestation_with_dal: , generic: [transaction, reveal, delegation, "ballot:yay"]}
  $TZ2:
    allow: {block: , preattestation: , attestation: , generic: [transaction]}
  $TZ3:
    allow: {block: , preattestation: , attestation: , generic: [transaction]}
  $NARROW:
    allowed_chains: [NetXdQprcVkpaWU]
YAML
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/tezos_http.mjs" main "http://127.0.0.1:$API" "http://127.0.0.1:$UTIL" "$TZ1" "$TZ2" "$TZ3" "$NARROW"

# A restart keeps the watermarks and the last signatures.
stop_sigild
# Requests refused for their chain left no mark on that chain.
"$SIGIL" -c "$T/sigil.yaml" watermark show > "$T/marks.tsv"
grep -q "NetXdQprcVkpaWU" "$T/marks.tsv" || { echo "no marks shown"; cat "$T/marks.tsv"; exit 1; }
if grep -q "NetXnHfVqm9iesp" "$T/marks.tsv"; then echo "a refused request left a Ghostnet mark"; exit 1; fi
# One audit line per decision, with key, kind, level, round, decision and latency.
grep -E "audit.*key=\"?$TZ1\"?.*kind=\"?attestation\"?.*level=\"?100\"?.*round=\"?0\"?.*decision=\"?signed\"?.*latency_ms=" "$T/sigild.log" >/dev/null ||
	{ echo "no audit line for the signed attestation"; grep audit "$T/sigild.log" | head -5; exit 1; }
grep -E "audit.*key=\"?$TZ1\"?.*level=\"?99\"?.*decision=\"?refused\"?" "$T/sigild.log" >/dev/null ||
	{ echo "no audit line for the refused attestation"; exit 1; }
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/tezos_http.mjs" restart "http://127.0.0.1:$API" "http://127.0.0.1:$UTIL" "$TZ1" "$TZ2" "$TZ3" "$NARROW"
stop_sigild

# Authentication on: the same keys behind authorized_keys.
sed -i "s/^  allow_list_known_keys: true/  authorized_keys: [$AUTH_PK]/" "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/tezos_http.mjs" auth "http://127.0.0.1:$API" "http://127.0.0.1:$UTIL" "$TZ1" "$TZ2" "$TZ3" "$NARROW"
stop_sigild

# No secret reaches the log: neither the passphrase nor any key.
if grep -q "$SIGIL_PASSPHRASE" "$T/sigild.log"; then echo "passphrase in log"; exit 1; fi
if grep -E -q '(edsk|spsk|p2sk)[1-9A-HJ-NP-Za-km-z]{20,}' "$T/sigild.log"; then echo "secret key in log"; exit 1; fi
grep -q "audit" "$T/sigild.log"
echo "integration: tezos http ok"
