#!/usr/bin/env bash
# The Atto signer's HTTP API (src/api/atto.c) end to end, as the Atto node
# and attocash/signer's own Cucumber feature use it (tests/js/atto_api.mjs:
# block, vote and challenge signed and valid by @noble/curves over hashes
# made by @noble/hashes from the published layouts; a missing capability
# refused; a wrong token 401):
# 1. sigild with ONLY the ATTO_SIGNER_* variables (no -c, an empty
#    directory): LOCAL seed, token, capabilities as "challenge, block, vote";
#    the token and the seed gone from /proc/PID/environ, in no log line and
#    not on /prometheus; /health UP.
# 2. capabilities "VOTE" only: block and challenge refused with the signer's
#    messages.
# 3. start-up refusals: an unknown capability, GCP, a missing variable.
# 4. a config file: a file vault named by ATTO_SIGNER_BACKEND and the key by
#    its public key; auth.tokens with atto:* capabilities accepted beside the
#    variable's token; a token restricted to another key refused (403);
#    a vault that is not ready (its signature failed verify_signatures) is
#    429, which the node retries, and /health DOWN (503).
source "$(dirname "$0")/lib.sh"

SEED=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
TOKEN=atto-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')

# start_env DIR LOG: sigild from the environment alone, in DIR; waits for
# the management port's /health (sets APORT, MPORT, SIGILD_PID).
start_env() {
	local dir=$1 log=$2
	APORT=$(free_port)
	MPORT=$(free_port)
	mkdir -p "$dir"
	(cd "$dir" && exec env ATTO_SIGNER_PORT="$APORT" ATTO_SIGNER_MANAGEMENT_PORT="$MPORT" \
		SIGIL_SERVER__ADDRESS="127.0.0.1:$(free_port)" \
		SIGIL_SERVER__UTILITY_ADDRESS="127.0.0.1:$(free_port)" "$SIGILD" >>"$log" 2>&1) &
	SIGILD_PID=$!
	PIDS+=("$SIGILD_PID")
	for _ in $(seq 1 "$READY_TRIES"); do
		curl -sf "http://127.0.0.1:$MPORT/health" >/dev/null 2>&1 && return 0
		kill -0 "$SIGILD_PID" 2>/dev/null || { echo "sigild exited early:"; cat "$log"; return 1; }
		sleep 0.05
	done
	echo "sigild did not become ready:"; cat "$log"; return 1
}

# ---- 1. the variables alone -------------------------------------------------
ATTO_SIGNER_TOKEN=$TOKEN ATTO_SIGNER_CAPABILITIES="challenge, block, vote" \
	ATTO_SIGNER_BACKEND=LOCAL ATTO_SIGNER_KEY=$SEED start_env "$T/env" "$T/env.log"
node "$JS/atto_api.mjs" "http://127.0.0.1:$APORT" "$TOKEN" \
	block vote challenge wrong_token wrong_key tokens malformed watermark ||
	{ tail -30 "$T/env.log"; echo "FAIL: atto_api.mjs (variables alone)"; exit 1; }
[ "$(curl -s "http://127.0.0.1:$MPORT/health")" = '{"status":"UP"}' ] || { echo "FAIL: /health"; exit 1; }
curl -sf "http://127.0.0.1:$MPORT/prometheus" > "$T/prom" || { echo "FAIL: /prometheus"; exit 1; }
grep -q '^token_requests_total{token="atto-signer",status="200"} [1-9]' "$T/prom" &&
	grep -q '^authentication_failure_total [1-9]' "$T/prom" ||
	{ grep token_ "$T/prom"; echo "FAIL: /prometheus by token"; exit 1; }
# Into a file first: grep -q leaving early could kill curl with SIGPIPE, and
# pipefail would call that a failure.
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$T/metrics" && grep -q '^signing_ops_total' "$T/metrics" ||
	{ echo "FAIL: /metrics"; exit 1; }
for s in "$TOKEN" "$SEED"; do
	grep -qiF "$s" "$T/prom" && { echo "FAIL: a secret on /prometheus"; exit 1; }
	grep -qiF "$s" "$T/env.log" && { echo "FAIL: a secret in the log"; exit 1; }
	tr '\0' '\n' < "/proc/$SIGILD_PID/environ" | grep -qiF "$s" &&
		{ echo "FAIL: a secret still in sigild's environment"; exit 1; }
done
grep -q 'token=atto-signer' "$T/env.log" || { echo "FAIL: no token name in the audit line"; exit 1; }
grep -q 'watermark store created' "$T/env.log" || { echo "FAIL: the store was not made"; exit 1; }
# A reload keeps the variables' token and key (both wiped from the
# environment by now).
kill -HUP "$SIGILD_PID"
sleep 0.5
node "$JS/atto_api.mjs" "http://127.0.0.1:$APORT" "$TOKEN" vote ||
	{ tail -20 "$T/env.log"; echo "FAIL: signing after a reload"; exit 1; }
stop_sigild

# ---- 2. one capability --------------------------------------------------------
ATTO_SIGNER_TOKEN=mock_token ATTO_SIGNER_CAPABILITIES=VOTE ATTO_SIGNER_BACKEND=local \
	ATTO_SIGNER_KEY=$SEED start_env "$T/vote" "$T/vote.log"
node "$JS/atto_api.mjs" "http://127.0.0.1:$APORT" mock_token vote no_capability_block \
	no_capability_challenge || { tail -20 "$T/vote.log"; echo "FAIL: capability VOTE only"; exit 1; }
stop_sigild

# ---- 3. start-up refusals -------------------------------------------------------
refuse() {
	local want=$1
	shift
	if (cd "$T/env" && env "$@" ATTO_SIGNER_TOKEN=t ATTO_SIGNER_KEY="$SEED" "$SIGILD" >"$T/refuse.log" 2>&1); then
		echo "FAIL: sigild started with $*"; exit 1
	fi
	grep -q "$want" "$T/refuse.log" || { cat "$T/refuse.log"; echo "FAIL: no '$want'"; exit 1; }
	grep -qiF "$SEED" "$T/refuse.log" && { echo "FAIL: the seed in an error"; exit 1; }
	return 0
}
refuse "'bogus' is not a capability" ATTO_SIGNER_CAPABILITIES="vote, bogus" ATTO_SIGNER_BACKEND=LOCAL
refuse "not supported" ATTO_SIGNER_CAPABILITIES=VOTE ATTO_SIGNER_BACKEND=GCP
refuse "ATTO_SIGNER_CAPABILITIES" ATTO_SIGNER_BACKEND=LOCAL
refuse "neither LOCAL nor a vault" ATTO_SIGNER_CAPABILITIES=VOTE ATTO_SIGNER_BACKEND=nosuch

# ---- 4. a config file, a vault of sigil's -------------------------------------
export SIGIL_PASSPHRASE="integration test passphrase"
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
"$SIGIL" -c "$T/boot.yaml" generate tz1 --name a >/dev/null
EDPK=$("$SIGIL" -c "$T/boot.yaml" list 2>/dev/null | awk -F'\t' '$6 == "a" {print $3}')
PKHEX=$(python3 - "$EDPK" <<'PY'
import sys
abc = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
n = 0
for ch in sys.argv[1]:
    n = n * 58 + abc.index(ch)
raw = n.to_bytes((n.bit_length() + 7) // 8, 'big')
print(raw[4:-4].hex().upper())  # edpk prefix (4 bytes) and checksum off
PY
)
# atto_up PORT: start_sigild waits for the utility address; the Atto API's
# own servers start after it (slowly under a sanitizer): wait for /health
# to answer at all (200 or 503), 10 s at most.
atto_up() {
	for _ in $(seq 1 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health")" != 000 ] && return 0
		sleep 0.1
	done
	echo "FAIL: the Atto management port $1 never answered"; exit 1
}
V1=v1-atto-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
NARROW=narrow-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
AP=$(free_port)
MP=$(free_port)
{
server_yaml "$T/var"
cat <<YAML
vaults:
  hot:
    driver: file
    verify_signatures: true
    config: {path: keys.json}
atto_api:
  address: 127.0.0.1:$AP
  management_address: 127.0.0.1:$MP
auth:
  tokens:
    custody:
      secret_sha256: $(printf '%s' "$V1" | sha256sum | cut -d' ' -f1)
      capabilities: ['atto:vote', keys:read]
    narrow:
      secret_sha256: $(printf '%s' "$NARROW" | sha256sum | cut -d' ' -f1)
      capabilities: ['atto:*']
      keys: [tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb]
YAML
} > "$T/sigil.yaml"
export ATTO_SIGNER_TOKEN=$TOKEN ATTO_SIGNER_CAPABILITIES=VOTE,challenge ATTO_SIGNER_BACKEND=hot \
	ATTO_SIGNER_KEY=$PKHEX
start_sigild "$T/sigil.yaml" "$T/cfg.log"
unset ATTO_SIGNER_TOKEN
atto_up "$MP"
[ "$(curl -s "http://127.0.0.1:$AP/public-keys")" = "{\"publicKey\":\"$PKHEX\"}" ] ||
	{ echo "FAIL: the vault's key is not the one served"; exit 1; }
node "$JS/atto_api.mjs" "http://127.0.0.1:$AP" "$TOKEN" vote challenge no_capability_block ||
	{ tail -20 "$T/cfg.log"; echo "FAIL: atto_api.mjs (file vault)"; exit 1; }
node "$JS/atto_api.mjs" "http://127.0.0.1:$AP" "$V1" vote no_capability_challenge ||
	{ tail -20 "$T/cfg.log"; echo "FAIL: a config token with atto:vote"; exit 1; }
code=$(curl -s -o "$T/narrow.out" -w '%{http_code}' -H "Authorization: $NARROW" -X POST \
	-d '{"target":"'"$(printf '0%.0s' $(seq 128))"'","timestamp":1}' "http://127.0.0.1:$AP/challenges")
[ "$code" = 403 ] && grep -q 'may not use key' "$T/narrow.out" ||
	{ cat "$T/narrow.out"; echo "FAIL: a token for another key: $code"; exit 1; }
for s in "$TOKEN" "$V1" "$NARROW"; do
	grep -qF "$s" "$T/cfg.log" && { echo "FAIL: a token in the log"; exit 1; }
done
stop_sigild
# The vault's signatures fail their check: it is not ready, and the node
# is told to come back (429), not to give up; /health says DOWN.
export ATTO_SIGNER_TOKEN=$TOKEN
SIGIL_TEST_CORRUPT_SIGNATURES=hot start_sigild "$T/sigil.yaml" "$T/cfg.log"
atto_up "$MP"
unset ATTO_SIGNER_TOKEN
atto_up "$MP"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $TOKEN" -X POST \
	-d '{"target":"'"$(printf '0%.0s' $(seq 128))"'","timestamp":1}' "http://127.0.0.1:$AP/challenges")
[ "$code" = 500 ] || { echo "FAIL: a bad signature: $code"; exit 1; }
node "$JS/atto_api.mjs" "http://127.0.0.1:$AP" "$TOKEN" not_ready ||
	{ tail -20 "$T/cfg.log"; echo "FAIL: 429"; exit 1; }
code=$(curl -s -o "$T/health" -w '%{http_code}' "http://127.0.0.1:$MP/health")
[ "$code" = 503 ] && [ "$(cat "$T/health")" = '{"status":"DOWN"}' ] ||
	{ echo "FAIL: /health of a vault not ready: $code"; exit 1; }
stop_sigild
echo "PASS: the Atto signer's API"
