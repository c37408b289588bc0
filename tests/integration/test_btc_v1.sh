#!/usr/bin/env bash
# Bitcoin through the v1 API (tests/js/btc_v1.mjs), end to end: a secp256k1
# key of the file vault under its P2WPKH address; PSBTs built by
# @scure/btc-signer, signed by sigild for every input the key owns (P2WPKH,
# P2TR key path, P2PKH), verified and finalised by btc-signer and
# @noble/curves; routes by what leaves, from the bytes.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="integration test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
"$SIGIL" -c "$T/boot.yaml" generate tz2 --name btc >/dev/null
read -r ADDR PK < <("$SIGIL" -c "$T/boot.yaml" list --chain bitcoin 2>/dev/null | awk -F'\t' '{print $1, $3}')
[[ $ADDR == bc1q* && ${#PK} == 66 ]] || fail "sigil list --chain bitcoin: $ADDR $PK"
P2TR=$("$SIGIL" -c "$T/boot.yaml" list --chain bitcoin:p2tr 2>/dev/null | cut -f1)
[[ $P2TR == bc1p* ]] || fail "sigil list --chain bitcoin:p2tr: $P2TR"
TOKEN=btc-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
{
server_yaml "$T/var"
cat <<YAML
auth:
  tokens:
    wallet:
      secret_sha256: $(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
      capabilities: ['bitcoin:*', keys:read]
routes:
  - id: small
    match: {chain: bitcoin, kind: [psbt], amount_lt: '1000000'}
  - id: unknown-effect
    match: {chain: bitcoin, kind: [unknown]}
    action: {require_approvals: 2}
bitcoin:
  $ADDR:
    allow: {psbt: [output]}
YAML
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API/v1/keys" |
	grep -q "\"bitcoin:p2tr\":\"$P2TR\"" || fail "/v1/keys has no bitcoin:p2tr $P2TR"
TOKEN=$TOKEN node "$JS/btc_v1.mjs" "http://127.0.0.1:$API" "$ADDR" "$PK" "$P2TR" ||
	{ tail -20 "$T/sigild.log"; fail "btc_v1.mjs"; }
grep -q "audit key=$ADDR kind=psbt .*decision=signed .*route=small" "$T/sigild.log" ||
	{ grep audit "$T/sigild.log" | tail -5; fail "audit line"; }
stop_sigild
echo "integration: bitcoin over v1 ok"
