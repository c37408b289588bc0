#!/usr/bin/env bash
# Solana through the v1 API (tests/js/solana_v1.mjs), end to end: an Ed25519
# key of the file vault under its Solana address (base58 of the public
# key), messages compiled by @solana/kit and signed by sigild, every
# signature checked by kit; the intent (System transfer, SPL
# TransferChecked, a v0 message with an address table) and the routes it
# chooses, a hidden second transfer refused.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="integration test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
"$SIGIL" -c "$T/boot.yaml" generate tz1 --name sol >/dev/null
TOKEN=sol-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
{
server_yaml "$T/var"
cat <<YAML
auth:
  tokens:
    wallet:
      secret_sha256: $(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
      capabilities: ['solana:*', keys:read]
YAML
} > "$T/base.yaml"
start_sigild "$T/base.yaml" "$T/sigild.log"
ADDR=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API/v1/keys" |
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).keys[0].addresses.solana))')
stop_sigild
[[ "$ADDR" =~ ^[1-9A-HJ-NP-Za-km-z]{32,44}$ ]] || fail "no Solana address in /v1/keys: $ADDR"
"$SIGIL" -c "$T/base.yaml" list --chain solana | grep -q "^$ADDR	ed25519	$ADDR" ||
	{ "$SIGIL" -c "$T/base.yaml" list --chain solana; fail "sigil list --chain solana"; }
MINT=EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v
{
cat "$T/base.yaml"
cat <<YAML
routes:
  - id: small-sol
    match: {chain: solana, kind: [transaction], asset: "", amount_lt: '1000000000'}
  - id: big-sol
    match: {chain: solana, kind: [transaction], asset: "", amount_gte: '1000000000'}
    action: {require_approvals: 2}
  - id: usdc
    match: {chain: solana, asset: $MINT, amount_lt: '10000000'}
  - id: unknown-effect
    match: {chain: solana, kind: [unknown]}
solana:
  $ADDR:
    allow: {transaction: [transfer, spl_transfer_checked, compute_budget]}
YAML
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
TOKEN=$TOKEN node "$JS/solana_v1.mjs" "http://127.0.0.1:$API" "$ADDR" ||
	{ tail -20 "$T/sigild.log"; fail "solana_v1.mjs"; }
grep -q "audit key=$ADDR kind=transaction decision=signed .*route=small-sol" "$T/sigild.log" ||
	{ grep audit "$T/sigild.log" | tail -5; fail "audit line"; }
stop_sigild
echo "integration: solana over v1 ok"
