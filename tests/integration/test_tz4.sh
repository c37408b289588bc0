#!/usr/bin/env bash
# tz4 (BLS12-381) end to end: signatures, versions, proofs of possession,
# consensus without slot, tz4 authentication; checked with @noble/curves.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="tz4 test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
TZ4=$("$SIGIL" -c "$T/boot.yaml" generate tz4 --name bls | cut -d' ' -f1)
NOPOP=$("$SIGIL" -c "$T/boot.yaml" generate bls --name bls2 | cut -d' ' -f1)
TZ1=$("$SIGIL" -c "$T/boot.yaml" generate tz1 | cut -d' ' -f1)
[[ $TZ4 == tz4* && $NOPOP == tz4* ]] || fail "generate tz4"
# Import of a BLsk pinned by @taquito/signer 24.2.0 (little-endian scalar).
echo BLsk35hsB3XLP5fyVSTrNp7u6xxiqMCECq2tPUuX3CPdMdAbcSmK3D | "$SIGIL" -c "$T/boot.yaml" import - \
	| grep -q "^tz4SbZzhMFSsTZTvQqzQ1BjvgTagwQp584sV BLpk1nk5oq6cY5mtSJVQXzmRtKs3sXnxFQNwsXoejbPi7NXECjfSdGyqPgrvTUR1GYvRgyqYGYzb " \
	|| fail "import BLsk"
# A BLsk of the wrong length is refused.
if echo BLsk35hsB3XLP5fyVSTrNp7u6xxiqMCECq2tPUuX3CPdMdAbcSmK | "$SIGIL" -c "$T/boot.yaml" import - 2>/dev/null; then
	fail "short BLsk accepted"; fi
{
server_yaml "$T/var"
cat <<YAML
tezos:
  $TZ4:
    allow_proof_of_possession: true
    allow: {preattestation: , attestation: , generic: [transaction]}
  $NOPOP:
    allow: {attestation: }
  $TZ1:
    allow: {attestation: }
YAML
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/tz4_http.mjs" main "http://127.0.0.1:$API" "$TZ4" "$NOPOP" "$TZ1" | tee "$T/out"
POP=$(awk '/^POP /{print $2}' "$T/out")
stop_sigild
# The CLI prints the same proof (BLS signatures are deterministic).
[ "$("$SIGIL" -c "$T/sigil.yaml" pop "$TZ4")" = "$POP" ] || fail "sigil pop differs from the API"
"$SIGIL" -c "$T/sigil.yaml" pop "$TZ1" >/dev/null 2>&1 && fail "sigil pop of a tz1 key"

AUTHPK=$(node "$JS/tz4_http.mjs" authpk)
sed -i "s|^  utility_address: .*|&\n  authorized_keys: [$AUTHPK]|" "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/tz4_http.mjs" auth "http://127.0.0.1:$API" "$TZ4" "$NOPOP" "$TZ1"
stop_sigild
echo "integration: tz4 ok"
