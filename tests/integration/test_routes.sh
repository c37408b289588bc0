#!/usr/bin/env bash
# Routes (policy/routes.h) end to end over the v1 API (tests/js/routes_http.mjs):
# the amount and destination the chain decodes choose the route, a batch
# that hides a 2 tez transfer behind a 1 tez one is refused, a route that
# needs approvals refuses, a route bound to another vault refuses; then,
# with the vault made unable to serve (SIGIL_TEST_VAULT_DOWN, test builds),
# a defer route answers 503 with Retry-After and a fail_closed one 403.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="integration test passphrase"
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
"$SIGIL" -c "$T/boot.yaml" generate tz1 --name a >/dev/null
"$SIGIL" -c "$T/boot.yaml" generate tz1 --name b >/dev/null
"$SIGIL" -c "$T/boot.yaml" list > "$T/keys.tsv"
TZ1=$(awk -F'\t' '$6 == "a" {print $1}' "$T/keys.tsv")
TZ1B=$(awk -F'\t' '$6 == "b" {print $1}' "$T/keys.tsv")
TOKEN=routes-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
{
server_yaml "$T/var"
cat <<YAML
vaults:
  main:
    driver: file
    config: {path: keys.json}
  cold:
    driver: file
    config: {path: cold.json}
auth:
  tokens:
    ops:
      secret_sha256: $(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
      capabilities: ['tezos:*']
routes:
  - id: cold-only
    match: {chain: tezos, keys: [$TZ1B]}
    action: {vault: cold}
  - id: small
    match: {chain: tezos, kind: generic, amount_lt: '2000000'}
    action: {fail_mode: defer}
  - id: big
    match: {chain: tezos, kind: generic, amount_gte: '2000000'}
    action: {require_approvals: 2}
  - id: consensus
    match: {chain: tezos, kind: [attestation, preattestation, block]}
    action: {fail_mode: fail_closed}
tezos:
  $TZ1:
    allow: {attestation: , generic: [transaction]}
  $TZ1B:
    allow: {generic: [transaction]}
YAML
} > "$T/sigil.yaml"
"$SIGIL" -c "$T/sigil.yaml" generate -v cold tz1 --name cold-key >/dev/null # makes cold.json
start_sigild "$T/sigil.yaml" "$T/sigild.log"
TOKEN=$TOKEN node "$JS/routes_http.mjs" "http://127.0.0.1:$API" up "$TZ1" "$TZ1B" ||
	{ tail -20 "$T/sigild.log"; echo "FAIL: routes"; exit 1; }
grep -q 'route=small' "$T/sigild.log" || { echo "FAIL: no route in the audit line"; exit 1; }
stop_sigild
SIGIL_TEST_VAULT_DOWN=main start_sigild "$T/sigil.yaml" "$T/sigild.log"
TOKEN=$TOKEN node "$JS/routes_http.mjs" "http://127.0.0.1:$API" down "$TZ1" "$TZ1B" ||
	{ tail -20 "$T/sigild.log"; echo "FAIL: routes with the vault down"; exit 1; }
stop_sigild
echo "integration: routes ok"
