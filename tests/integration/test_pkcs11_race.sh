#!/usr/bin/env bash
# The pkcs11 vault under concurrency, on a SoftHSM2 token made by the test
# with keys generated in it (tz1, tz2, tz3, tz1) and a pool of 4 sessions,
# so that requests queue for a session:
# - 64 transactions at once for each key, then 64 at once over the three
#   types: every one answered 200 with a signature that @taquito/utils and
#   @noble/curves verify (tests/js/p11_parallel.mjs); /metrics then shows
#   every signature went through the vault and none failed sigild's own
#   check (vault_bad_signatures_total); nothing in the log about a lost
#   session or a refusal, no sanitizer report. Then 64 identical blocks at
#   once for each key: one signature for all of them.
# - The race test (tests/torture/race.sh) on the token's keys: for each key,
#   kind and (level, round), 64 connections x 20 requests with different
#   bytes at once: exactly one signed, the rest 409; the winner's bytes again
#   get the same signature (stored: the token's ECDSA is not reproducible).
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; [ -f "$T/sigild.log" ] && { echo "--- sigild"; tail -60 "$T/sigild.log"; }; exit 1; }
MODULE=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -e "$m" ] && MODULE=$m && break
done
if [ -z "$MODULE" ] || ! command -v softhsm2-util >/dev/null; then
	fail "SoftHSM2 is not installed (scripts/deps.sh --test installs it)"
fi
PARALLEL=64
SESSIONS=4
export PKCS11_PIN=51c2-race-pin
mkdir -p "$T/tokens" "$T/var"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens" > "$T/softhsm2.conf"
export SOFTHSM2_CONF="$T/softhsm2.conf"
softhsm2-util --init-token --free --label sigil-race --pin "$PKCS11_PIN" --so-pin 9123-so >/dev/null \
	|| fail "softhsm2-util --init-token"
printf 'vaults:\n  hsm:\n    driver: pkcs11\n    config:\n      library_path: %s\n' "$MODULE" > "$T/vault.yaml"
printf '      token_label: sigil-race\n      sessions: %s\n' "$SESSIONS" >> "$T/vault.yaml"
{ printf 'base_dir: %s\n' "$T/var"; cat "$T/vault.yaml"; } > "$T/boot.yaml"
KEYS=()
for t in tz1 tz2 tz3 tz1; do
	"$SIGIL" -c "$T/boot.yaml" generate -v hsm -t "$t" --name "race-${#KEYS[@]}" > "$T/gen" \
		2>"$T/gen.err" < /dev/null || { cat "$T/gen.err"; fail "sigil generate -t $t"; }
	KEYS+=("$(awk '{print $1; exit}' "$T/gen")")
	[[ "${KEYS[-1]}" == "$t"* ]] || { cat "$T/gen"; fail "generate printed no $t address"; }
done

# metric NAME{LABELS}: its value in $T/metrics, 0 when the series is absent.
metric() { awk -v s="$1" '$1 == s {v = $2} END {print v + 0}' "$T/metrics"; }

# 1. Many at once on one token.
{
	server_yaml "$T/var"
	cat "$T/vault.yaml"
	printf 'tezos:\n'
	for k in "${KEYS[@]:0:3}"; do
		printf '  %s:\n    allow: {block: , generic: [transaction]}\n' "$k"
	done
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log" || fail "sigild with the token"
timeout -k 5 120 node "$JS/p11_parallel.mjs" "http://127.0.0.1:$API" "$PARALLEL" "${KEYS[@]:0:3}" \
	> "$T/par.out" 2>&1 || { cat "$T/par.out"; fail "$PARALLEL requests at once on the token"; }
grep -v '^KEY ' "$T/par.out"
want=$((PARALLEL * 4)) # a batch for each of the three keys, and the mixed one
signed=$(awk '$2 == "SIGNED" {print $3}' "$T/par.out")
[ "$signed" = "$want" ] || { cat "$T/par.out"; fail "$signed signed, not $want"; }
curl -sf "http://127.0.0.1:$UTIL/metrics" > "$T/metrics" || fail "GET /metrics"
bad=$(metric 'vault_bad_signatures_total{vault="hsm"}')
calls=$(metric 'vault_sign_request_duration_milliseconds_count{vault="hsm"}')
ok=$(metric 'sign_handler_requests_total{status="200"}')
grep -q '^vault_bad_signatures_total{vault="hsm"}' "$T/metrics" || fail "no vault_bad_signatures_total for hsm"
[ "$bad" = 0 ] || fail "vault_bad_signatures_total{vault=\"hsm\"} is $bad"
[ "$calls" = "$want" ] || fail "the vault was called $calls times for $want signatures"
[ "$ok" = "$want" ] || fail "/metrics counts $ok answers 200, not $want"
while read -r _ addr n; do
	got=$(metric "signing_ops_total{address=\"$addr\",vault=\"hsm\",kind=\"generic\"}")
	[ "$got" = "$n" ] || fail "/metrics counts $got signatures by $addr, the client $n"
done < <(grep '^KEY ' "$T/par.out")
# The requests were in the vault together, most of them waiting for one of
# its sessions: the time they spent there adds up to more than the batches
# took from first request to last answer.
in_vault=$(metric 'vault_sign_request_duration_milliseconds_sum{vault="hsm"}')
wall=$(awk '/ at once, / {ms += $(NF - 1)} END {print ms + 0}' "$T/par.out")
awk -v v="$in_vault" -v w="$wall" 'BEGIN {exit !(v > w)}' ||
	fail "$in_vault ms in the vault over $wall ms: the requests did not overlap"
echo "pkcs11 race: metrics: $calls vault signatures, $bad bad, $in_vault ms in the vault in $wall ms"
# Identical blocks at once (16 connections x 4): all get one and the same
# signature. SoftHSM2's ECDSA is not reproducible, so for tz2 and tz3 it is
# the one stored with the mark, never a second one made by the token.
for k in "${KEYS[@]:0:3}"; do
	timeout -k 5 60 "$SIGIL_BIN_DIR/torture_client" race --same --port "$API" --key "$k" \
		--kind block --level 100 --round 0 --conns 16 --reqs 4 || fail "identical blocks, $k"
done
stop_sigild || fail "sigild did not stop cleanly"
grep -E 'session lost|refused to sign|wrong form|answers again|Sanitizer|runtime error:' "$T/sigild.log" &&
	fail "sigild's log tells of trouble with the token"
grep -q "$PKCS11_PIN" "$T/sigild.log" && fail "the PIN is in sigild's log"
mv "$T/sigild.log" "$T/sigild-parallel.log" # race.sh shows its own log

# 2. The race test on the token's keys (its own sigild, config and temp dir).
TT_BIN="$SIGIL_BIN_DIR" TT_VAULT_YAML="$T/vault.yaml" TT_KEYS="${KEYS[*]}" \
	timeout -k 5 150 bash "$SIGIL_SOURCE_DIR/tests/torture/race.sh" 64 20 || fail "race.sh on the token"
echo "integration: pkcs11 race ok"
