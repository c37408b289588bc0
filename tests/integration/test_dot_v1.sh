#!/usr/bin/env bash
# Polkadot through the v1 API (tests/js/dot_v1.mjs), end to end: an sr25519
# key and an Ed25519 key of the file vault under their SS58 addresses, an
# sr25519 key imported from a polkadot-js seed, and one imported from a
# polkadot-js key pair's 64-byte secretKey alone (the seed derived along
# /sigil, which has no seed of its own: tests/js/sr25519_pair.mjs), whose
# address sigil lists as polkadot-js computes it; signing payloads signed
# by sigild and verified by @scure/sr25519 and @polkadot/util-crypto; the
# intent read from the bytes, and the routes it chooses (a hidden large
# transfer refused, an unreadable call only taken as unknown).
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="integration test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
SR=$("$SIGIL" -c "$T/boot.yaml" generate sr25519 --name dot | cut -d' ' -f1)
"$SIGIL" -c "$T/boot.yaml" generate tz1 --name ed >/dev/null
SEED=0x$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
SEEDED=$(printf 'sr25519:%s\n' "$SEED" | "$SIGIL" -c "$T/boot.yaml" import - --name seeded | cut -d' ' -f1)
ED=$("$SIGIL" -c "$T/boot.yaml" list --chain polkadot 2>/dev/null | awk -F'\t' '$2=="ed25519" {print $1}')
[[ $SR == 5* && $SEEDED == 5* && $ED == 5* ]] || fail "keys: sr $SR seeded $SEEDED ed $ED"
# The 64-byte secretKey (sr25519:0x and 128 digits): a derived key's, and
# the seed's own, which is the seeded key again (the same public key).
read -r EXP_SECRET EXP_PJS < <(node "$JS/sr25519_pair.mjs" "$SEED" /sigil)
EXPANDED=$(printf 'sr25519:%s\n' "$EXP_SECRET" | "$SIGIL" -c "$T/boot.yaml" import - --name expanded |
	cut -d' ' -f1)
[[ -n $EXP_PJS && $EXPANDED == "$EXP_PJS" ]] || fail "64-byte secretKey: sigil $EXPANDED, polkadot-js $EXP_PJS"
grep -q '"secret_form": "expanded"' "$T/var/keys.json" || fail "no tagged entry in the vault"
read -r PLAIN_SECRET PLAIN_PJS < <(node "$JS/sr25519_pair.mjs" "$SEED" --plain)
[[ $PLAIN_PJS == "$SEEDED" ]] || fail "polkadot-js's address of the seed: $PLAIN_PJS, sigil's $SEEDED"
printf 'sr25519:%s\n' "$PLAIN_SECRET" | "$SIGIL" -c "$T/boot.yaml" import - --name again \
	> "$T/again.out" 2>&1 && fail "the seed's secretKey imported beside the seed itself"
grep -q "public key exists" "$T/again.out" || { cat "$T/again.out"; fail "duplicate refused for another reason"; }
# Not a key in the ed25519 form: refused with the reason, nothing stored.
BAD=0x$(printf 'f8%.0s' 1)$(printf 'ff%.0s' $(seq 31))${EXP_SECRET:66}
printf 'sr25519:%s\n' "$BAD" | "$SIGIL" -c "$T/boot.yaml" import - --name bad > "$T/bad.out" 2>&1 &&
	fail "a non-canonical scalar imported"
grep -q "not below the group order" "$T/bad.out" || { cat "$T/bad.out"; fail "no reason for the bad scalar"; }
grep -q '"bad"' "$T/var/keys.json" && fail "the refused key is in the vault"
"$SIGIL" -c "$T/boot.yaml" list --chain polkadot 2>/dev/null | grep -q "^$SR	sr25519	0x" ||
	fail "sigil list --chain polkadot"
TOKEN=dot-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
{
server_yaml "$T/var"
cat <<YAML
auth:
  tokens:
    wallet:
      secret_sha256: $(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
      capabilities: ['polkadot:*', keys:read]
polkadot_networks:
  mine:
    genesis: 0x$(printf '07%.0s' $(seq 32))
    ss58_prefix: 5
    balances: 10
    utility: 40
routes:
  - id: small
    match: {chain: polkadot, kind: [extrinsic], asset: "", amount_lt: '100000000000000'}
  - id: big
    match: {chain: polkadot, kind: [extrinsic], asset: "", amount_gte: '100000000000000'}
    action: {require_approvals: 2}
  - id: unknown-effect
    match: {chain: polkadot, kind: [unknown]}
    action: {require_approvals: 1}
polkadot:
  $SR:
    allow: {extrinsic: [transfer_keep_alive, transfer_allow_death, unknown_call]}
    allowed_chains: [westend, '0x$(printf '07%.0s' $(seq 32))']
  $SEEDED:
    allow: {extrinsic: [transfer_keep_alive]}
  $EXPANDED:
    allow: {extrinsic: [transfer_keep_alive]}
  $ED:
    allow: {extrinsic: [transfer_allow_death]}
    allowed_chains: [polkadot]
YAML
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API/v1/keys" | grep -q "\"polkadot\":\"$SR\"" ||
	fail "/v1/keys has no polkadot address for $SR"
TOKEN=$TOKEN node "$JS/dot_v1.mjs" "http://127.0.0.1:$API" "$SR" "$ED" "$SEEDED" "$SEED" "$EXPANDED" ||
	{ tail -20 "$T/sigild.log"; fail "dot_v1.mjs"; }
grep -q "audit key=$SR kind=extrinsic chain=westend .*decision=signed .*route=small" "$T/sigild.log" ||
	{ grep audit "$T/sigild.log" | tail -5; fail "audit line"; }
stop_sigild
echo "integration: polkadot over v1 ok"
