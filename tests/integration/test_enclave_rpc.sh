#!/usr/bin/env bash
# sigil-enclave in its own protocol, spoken by a CBOR implementation we did
# not write (cbor-x) over a unix socket and over TCP: every request, the
# errors the protocol names, frames that close only their connection
# (tests/js/enclave_rpc.mjs). Then its hardening: a forbidden system call
# once confined kills it (SIGSYS), it cannot be traced, it runs as nobody
# when started as root, and it stops cleanly on SIGTERM.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/enclave_lib.sh"
fail() { echo "FAIL: $*"; cat "$T"/enc*.log; exit 1; }
export SIGIL_ENCLAVE_ARGON2_FAST=1 # Argon2id at its test cost (test builds)
PASS="rpc test passphrase"

enclave_start "$T/enc1.log" --socket "$T/run/enc.sock" --state-dir "$T/state1"
[ "$(stat -c %a "$T/run/enc.sock")" = 600 ] || fail "the socket is not 0600"
[ "$(stat -c %a "$T/state1")" = 700 ] || fail "the state directory is not 0700"
if [ "$(id -u)" = 0 ]; then
	[ "$(awk '/^Uid:/{print $2}' "/proc/$ENC_PID/status")" = "$(id -u nobody)" ] ||
		fail "started as root, the holder did not drop to nobody"
	[ "$(awk '/^Gid:/{print $2}' "/proc/$ENC_PID/status")" = "$(id -g nobody)" ] || fail "gid"
fi
# Non-dumpable: its /proc files belong to root, and gdb cannot attach.
[ "$(stat -c %u "/proc/$ENC_PID/status")" = 0 ] || fail "the holder is dumpable"
if command -v gdb >/dev/null && [ "$(id -u)" != 0 ]; then
	gdb -p "$ENC_PID" -batch -ex 'info registers' >/dev/null 2>&1 && fail "gdb attached"
fi
node "$JS/enclave_rpc.mjs" "$T/run/enc.sock" "$PASS" || fail "over the unix socket"
grep -q "seccomp filter installed" "$T/enc1.log" || fail "no seccomp filter"
grep -q "$PASS" "$T/enc1.log" && fail "the passphrase in the log"
kill -TERM "$ENC_PID"; wait "$ENC_PID" || fail "SIGTERM: exit $?"
grep -q "keys wiped" "$T/enc1.log" || fail "no clean stop"

PORT=$(free_port)
enclave_start "$T/enc2.log" --listen "127.0.0.1:$PORT" --state-dir "$T/state2"
node "$JS/enclave_rpc.mjs" "127.0.0.1:$PORT" "$PASS" || fail "over TCP"
kill -TERM "$ENC_PID"; wait "$ENC_PID" || fail "SIGTERM: exit $?"

# A forbidden call once confined kills the holder (the hook opens a file).
SIGIL_TEST_ENCLAVE_FORBIDDEN=1 enclave_start "$T/enc3.log" --socket "$T/run/enc3.sock" --state-dir "$T/state3"
node "$JS/enclave_rpc.mjs" "$T/run/enc3.sock" "$PASS" forbidden || fail "forbidden call"
set +e; wait "$ENC_PID"; rc=$?; set -e
[ "$rc" = $((128 + 31)) ] || fail "the holder exited with $rc, not by SIGSYS (159)"
# Without the filter (--no-seccomp) the same call is harmless: the check is the filter.
SIGIL_TEST_ENCLAVE_FORBIDDEN=1 enclave_start "$T/enc4.log" --socket "$T/run/enc4.sock" \
	--state-dir "$T/state3" --no-seccomp
node "$JS/enclave_rpc.mjs" "$T/run/enc4.sock" "$PASS" forbidden && fail "the control died too"
kill -0 "$ENC_PID" || fail "the control holder died"
kill -TERM "$ENC_PID"; wait "$ENC_PID" || fail "SIGTERM: exit $?"
echo "integration: enclave rpc ok"
