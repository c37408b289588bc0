#!/usr/bin/env bash
# One signature per request: identical requests (same key, level, round and
# bytes) all get the same signature, for every key type, even when they
# arrive at once; and a crash between signing and storing never yields a
# second signature for a retry.
#
# Keys that sign reproducibly (sigil's file vault: RFC 8032, RFC 6979) are
# simply signed again. SIGIL_TEST_VAULT_RANDOM=1 (core/testhook.h) makes the
# file vault's keys unreproducible, as an HSM's may be, and its tz2 key
# hedged (a fresh signature each time): then sigild must store the one
# signature durably before answering, and refuse an identical request that
# finds none. SIGIL_TEST_CRASH_AT=after_sign kills sigild right after the
# vault has signed, before the signature is stored or answered.
set -euo pipefail
: "${SIGIL_BIN_DIR:?run through ctest (make check)}"
: "${SIGIL_SOURCE_DIR:?}"
TT_BIN="$SIGIL_BIN_DIR"
source "$SIGIL_SOURCE_DIR/tests/torture/common.sh"
TT_KEEP=1
fail() { echo "identical: FAIL: $*"; tail -20 "$T/sigild.log"; exit 1; }

# same LEVEL: 16 connections x 4 identical requests, block and attestation,
# for each key (tz1, tz2, tz3, tz1).
same() {
	local level=$1 ki kind
	for ki in 0 1 2 3; do
		for kind in block attestation; do
			"$TC" race --same --port "$API" --key "${KEYS[$ki]}" --kind "$kind" \
				--level "$level" --round 0 --conns 16 --reqs 4 ||
				fail "identical requests: ${KEYS[$ki]} $kind"
		done
	done
}
once() { "$TC" once --port "$API" --key "$1" --kind block --level "$2" --pid "${3:-1}"; }
spawn() { tt_spawn "$T/sigild.log"; tt_ready "$T/sigild.log" || fail "start"; }
# crash_after_sign KEY LEVEL: a sigild with the crash point signs a block
# for KEY at LEVEL, and must die of it (SIGKILL) before answering.
crash_after_sign() {
	SIGIL_TEST_CRASH_AT=after_sign tt_spawn "$T/sigild.log"
	tt_ready "$T/sigild.log" || fail "start with the crash point"
	local out
	out=$(once "$1" "$2")
	[ "${out%% *}" = 0 ] || fail "the crash point did not stop sigild: $out"
	tt_wait "$SPID"
	[ "$TT_RC" = 137 ] || fail "sigild ended with status $TT_RC, not at its crash point"
}

# 1. Reproducible keys.
spawn
same 100
tt_stop "$T/sigild.log" || fail "stop"

# 2. Unreproducible keys: stored before the reply, returned to every copy.
export SIGIL_TEST_VAULT_RANDOM=1
spawn
same 200
# tz2's hedged signatures differ every time: with the store path switched
# off, this part fails with DOUBLE SIGN (checked when it was written).
tt_stop "$T/sigild.log" || fail "stop"

# 3. A crash between signing and storing, unreproducible key: the retry
# is refused (409 with the reason), never signed afresh; the next level is
# signed.
crash_after_sign "${KEYS[1]}" 300
spawn
out=$(once "${KEYS[1]}" 300)
case "$out" in
409*"no signature is stored"*) echo "identical: retry after a crash, unreproducible key: $out" ;;
*) fail "retry after a crash between signing and storing: $out" ;;
esac
out=$(once "${KEYS[1]}" 301)
[ "${out%% *}" = 200 ] || fail "next level after the refusal: $out"
tt_stop "$T/sigild.log" || fail "stop"
unset SIGIL_TEST_VAULT_RANDOM

# 4. The same crash, reproducible keys (tz2, tz3): the retry gets a
# signature, and every later copy the very same one.
for ki in 1 2; do
	crash_after_sign "${KEYS[$ki]}" 400
	spawn
	a=$(once "${KEYS[$ki]}" 400)
	b=$(once "${KEYS[$ki]}" 400)
	[ "${a%% *}" = 200 ] && [ "$a" = "$b" ] || fail "retry after a crash, ${KEYS[$ki]}: $a / $b"
	echo "identical: retry after a crash, reproducible key ${KEYS[$ki]}: $a"
	tt_stop "$T/sigild.log" || fail "stop"
done

tt_sanitizer_clean "$T/sigild.log" || fail "sanitizer"
TT_KEEP=0
echo "identical: PASS"
