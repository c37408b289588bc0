#!/usr/bin/env bash
# tz3 (P-256) end to end: an imported key of known secret signs through a
# real sigild, and every signature must equal the RFC 6979 low-S one that
# @noble/curves and @taquito/signer compute from that secret (p256_det.mjs),
# in one process and again after a restart.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="p256 det test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
TZ3=$(node "$JS/p256_det.mjs" p2sk | "$SIGIL" -c "$T/boot.yaml" import - --name det | cut -d' ' -f1)
[[ $TZ3 == tz3* ]] || fail "import p2sk"
{
server_yaml "$T/var"
cat <<YAML
tezos:
  $TZ3:
    allow: {block: , preattestation: , attestation: , generic: [transaction]}
YAML
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/p256_det.mjs" main "http://127.0.0.1:$API" "$TZ3"
stop_sigild
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/p256_det.mjs" restart "http://127.0.0.1:$API" "$TZ3"
stop_sigild
if grep -E -q 'p2sk[1-9A-HJ-NP-Za-km-z]{20,}' "$T/sigild.log"; then fail "secret key in log"; fi
echo "integration: p256 deterministic ok"
