#!/usr/bin/env bash
# verify_signatures: every signature of a vault checked against its key
# before it leaves sigild. With the check on, signatures of all four key
# types still verify outside (@taquito/utils, @noble/curves); a vault made to
# return a wrong signature (the test hook SIGIL_TEST_CORRUPT_SIGNATURES, at
# the vault's boundary) gets the request refused, nothing returned, the
# metric counted, /healthz not ready with the reason, every later request
# refused with 503 and no watermark moved for it, and a reload (SIGHUP) that
# opens the vault again signs again. With the check off, the same hook
# lets the wrong signature out, which the outside verifier catches: the
# check is what stops it.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="verify test passphrase"
fail() { echo "FAIL: $*"; echo "--- sigild"; cat "$T/sigild.log"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
ADDRS=()
for t in tz1 tz2 tz3 tz4; do
	ADDRS+=("$("$SIGIL" -c "$T/boot.yaml" generate "$t" | cut -d' ' -f1)")
done
config() { # config VERIFY
	server_yaml "$T/var"
	printf 'vaults:\n  main:\n    driver: file\n    verify_signatures: %s\n' "$1"
	printf '    config: {path: keys.json}\ntezos:\n'
	for a in "${ADDRS[@]}"; do
		printf '  %s:\n    allow: {attestation: , generic: [transaction]}\n' "$a"
	done
}
att() { # att LEVEL: an attestation (tag 21, slot 0) at LEVEL, round 0, as hex
	node -e 'const i32=(n)=>(n>>>0).toString(16).padStart(8,"0");
console.log("137a06a770"+"ab".repeat(32)+"150000"+i32(+process.argv[1])+i32(0)+Buffer.from("v".padEnd(32,".")).toString("hex"))' "$1"
}
post() { # post ADDR HEX OUT: the status
	curl -s -o "$3" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "\"$2\"" "http://127.0.0.1:$API/keys/$1"
}

# 1. The check on, a sound vault: every type signs, and verifies outside.
config true > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 10 "${ADDRS[@]}" || fail "sign with the check on"
curl -s "http://$(awk '/utility_address:/{print $2}' "$T/sigil.yaml")/metrics" > "$T/m0"
grep -q '^vault_bad_signatures_total{vault="main"} 0$' "$T/m0" || fail "metric missing or not 0"
stop_sigild

# 2. The check on, a vault that returns wrong signatures.
U() { echo "http://$(awk '/utility_address:/{print $2}' "$T/sigil.yaml")"; }
SIGIL_TEST_CORRUPT_SIGNATURES=main start_sigild "$T/sigil.yaml" "$T/sigild.log"
code=$(post "${ADDRS[0]}" "$(att 20)" "$T/r1")
[ "$code" = 500 ] || { cat "$T/r1"; fail "a wrong signature gave $code"; }
grep -q "failed verification" "$T/r1" || { cat "$T/r1"; fail "no reason"; }
grep -q '"signature"' "$T/r1" && { cat "$T/r1"; fail "a signature was returned"; }
grep -q '^vault_bad_signatures_total{vault="main"} 1$' <(curl -s "$(U)/metrics") || fail "metric did not move"
hz=$(curl -s -o "$T/hz" -w '%{http_code}' "$(U)/healthz")
[ "$hz" = 503 ] && grep -q "vault main: a signature failed its check" "$T/hz" || { cat "$T/hz"; fail "/healthz: $hz"; }
grep -q "failed its check and was not returned" "$T/sigild.log" || fail "not logged"
# Every later request is refused before its watermark: level 21 is refused
# now, and signs later.
code=$(post "${ADDRS[1]}" "$(att 21)" "$T/r2")
[ "$code" = 503 ] && grep -q "signs nothing more until it is reloaded" "$T/r2" || { cat "$T/r2"; fail "after the fault: $code"; }
# A reload opens the vault again (the hook still corrupts: it fails again).
kill -HUP "$SIGILD_PID"
for _ in $(seq 1 100); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$(U)/healthz")" = 200 ] && break; sleep 0.05
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$(U)/healthz")" = 200 ] || fail "not ready after the reload"
code=$(post "${ADDRS[2]}" "$(att 22)" "$T/r3")
[ "$code" = 500 ] || { cat "$T/r3"; fail "after the reload: $code"; }
grep -q '^vault_bad_signatures_total{vault="main"} 2$' <(curl -s "$(U)/metrics") || fail "metric after the reload"
stop_sigild

# 3. A sound vault again: level 21 (refused above before its mark) signs.
start_sigild "$T/sigil.yaml" "$T/sigild.log"
code=$(post "${ADDRS[1]}" "$(att 21)" "$T/r4")
[ "$code" = 200 ] || { cat "$T/r4"; fail "level 21 afterwards: $code"; }
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 30 "${ADDRS[@]}" || fail "sign afterwards"
stop_sigild

# 4. The check off: the same fault lets a wrong signature out.
config false > "$T/sigil.yaml"
SIGIL_TEST_CORRUPT_SIGNATURES=main start_sigild "$T/sigil.yaml" "$T/sigild.log"
if node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 40 "${ADDRS[0]}" > "$T/off.out" 2>&1; then
	fail "with the check off a corrupted signature was not caught outside either (is the hook on?)"
fi
grep -q "AssertionError\|invalid\|false" "$T/off.out" || { cat "$T/off.out"; fail "the outside check failed for another reason"; }
stop_sigild
echo "integration: verify_signatures ok"
