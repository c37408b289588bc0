#!/usr/bin/env bash
# The v1 API (api/v1.h) with bearer tokens, end to end: tokens from a hash,
# a file and an environment variable; 401 without or with a wrong token,
# 403 for a capability or key the token lacks, the error codes; keys listed
# with their ids and addresses; signatures by key id or address, hex or
# base64, verified by @taquito/utils (tests/js/v1_http.mjs); watermarks and
# policy as on the octez API, which is unchanged unless
# auth.octez_requires_token asks for a token there too. No secret in the
# log or /metrics.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="integration test passphrase"
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
"$SIGIL" -c "$T/boot.yaml" generate tz1 --name a >/dev/null
"$SIGIL" -c "$T/boot.yaml" generate tz2 --name b >/dev/null
"$SIGIL" -c "$T/boot.yaml" generate tz1 --name c >/dev/null
"$SIGIL" -c "$T/boot.yaml" list > "$T/keys.tsv"
TZ1=$(awk -F'\t' '$6 == "a" {print $1}' "$T/keys.tsv")
TZ2=$(awk -F'\t' '$6 == "b" {print $1}' "$T/keys.tsv")
OTHER=$(awk -F'\t' '$6 == "c" {print $1}' "$T/keys.tsv")
[ -n "$TZ1" ] && [ -n "$TZ2" ] && [ -n "$OTHER" ] || { cat "$T/keys.tsv"; echo "FAIL: keys"; exit 1; }

FULL=full-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
READ=read-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
ATT=att-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$READ" > "$T/read.token"
chmod 600 "$T/read.token"
ATT_SHA=$(printf '%s' "$ATT" | sha256sum | cut -d' ' -f1)
{
server_yaml "$T/var"
cat <<YAML
auth:
  tokens:
    full:
      secret_env: TEST_V1_FULL
      capabilities: ['tezos:*', keys:read, keys:admin, sign:digest]
    reader:
      secret_file: $T/read.token
      capabilities: [keys:read]
    attester:
      secret_sha256: $ATT_SHA
      capabilities: [tezos:attestation]
      keys: [$TZ1]
tezos:
  $TZ1:
    allow: {attestation: , generic: [transaction]}
  $TZ2:
    allow: {attestation: }
  $OTHER:
    allow: {attestation: }
YAML
} > "$T/sigil.yaml"
TEST_V1_FULL=$FULL start_sigild "$T/sigil.yaml" "$T/sigild.log"
FULL=$FULL READ=$READ ATT=$ATT node "$JS/v1_http.mjs" "http://127.0.0.1:$API" "$TZ1" "$TZ2" "$OTHER" ||
	{ tail -30 "$T/sigild.log"; echo "FAIL: v1_http.mjs"; exit 1; }
# The octez API is as it was: no token asked.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API/keys/$TZ1")
[ "$code" = 200 ] || { echo "FAIL: GET /keys on the octez API: $code"; exit 1; }
# /metrics counts requests by token name, and failed authentications.
curl -sf "http://127.0.0.1:$UTIL/metrics" > "$T/metrics" || { echo "FAIL: /metrics"; exit 1; }
grep -q '^token_requests_total{token="full",status="200"} [1-9]' "$T/metrics" &&
	grep -q '^token_requests_total{token="attester",status="403"} [1-9]' "$T/metrics" &&
	grep -q '^authentication_failure_total [1-9]' "$T/metrics" ||
	{ grep token_ "$T/metrics"; echo "FAIL: /metrics by token"; exit 1; }
for s in "$FULL" "$READ" "$ATT"; do
	grep -qF "$s" "$T/metrics" && { echo "FAIL: a token's secret is in /metrics"; exit 1; }
done
# The token's name is in the audit line; no secret anywhere in the log, and
# the variable's value is wiped from sigild's environment.
grep -q 'token=attester' "$T/sigild.log" || { echo "FAIL: no token name in the audit line"; exit 1; }
grep -q 'event=key_generated.*label=api-made.*token=full' "$T/sigild.log" &&
	grep -q 'event=key_deleted.*label=api-made.*token=full' "$T/sigild.log" ||
	{ grep -E 'key_generated|key_deleted' "$T/sigild.log"; echo "FAIL: key admin not audit-logged"; exit 1; }
for s in "$FULL" "$READ" "$ATT"; do
	grep -qF "$s" "$T/sigild.log" && { echo "FAIL: a token's secret is in the log"; exit 1; }
done
if tr '\0' '\n' < "/proc/$SIGILD_PID/environ" | grep -qF "$FULL"; then
	echo "FAIL: the token's secret is still in sigild's environment"; exit 1
fi
# auth.octez_requires_token (after a reload): the octez API wants a token
# too, with the capability for what it signs, besides its own checks.
sed -i 's/^auth:$/auth:\n  octez_requires_token: true/' "$T/sigil.yaml"
kill -HUP "$SIGILD_PID"
for _ in $(seq 1 50); do grep -q reloaded "$T/sigild.log" && break; sleep 0.1; done
grep -q reloaded "$T/sigild.log" || { echo "FAIL: no reload"; exit 1; }
TX=038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00
octez() { # octez AUTH-HEADER...: the status of POST /keys/TZ1 with the transaction
	curl -s -o "$T/octez.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@" \
		--data "\"$TX\"" "http://127.0.0.1:$API/keys/$TZ1"
}
[ "$(octez)" = 401 ] || { cat "$T/octez.out"; echo "FAIL: octez API without a token"; exit 1; }
[ "$(octez -H "Authorization: Bearer wrong-token-wrong-token")" = 401 ] ||
	{ echo "FAIL: octez API with a wrong token"; exit 1; }
[ "$(octez -H "Authorization: Bearer $ATT")" = 403 ] ||
	{ cat "$T/octez.out"; echo "FAIL: octez API, token without tezos:generic"; exit 1; }
[ "$(octez -H "Authorization: Bearer $FULL")" = 200 ] ||
	{ cat "$T/octez.out"; echo "FAIL: octez API with the full token"; exit 1; }
stop_sigild
echo "integration: v1 ok"
