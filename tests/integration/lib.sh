# Shared by the integration tests: temp dirs, free ports, starting sigild.
set -euo pipefail
: "${SIGIL_BIN_DIR:?run through ctest (make check)}"
: "${SIGIL_SOURCE_DIR:?}"
SIGIL="$SIGIL_BIN_DIR/sigil"
SIGILD="$SIGIL_BIN_DIR/sigild"
JS="$SIGIL_SOURCE_DIR/tests/js"
# ASan's leak checker cannot follow the server's detached threads at exit;
# leaks are checked by the unit tests and the valgrind run instead.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"

T=$(mktemp -d /tmp/sigil-it.XXXXXX)
# SIGIL_WRAP (scripts/valgrind.sh sets it to a valgrind command line): every
# sigil and sigild run goes through it. $SIGIL and $SIGILD stay plain
# executables, so the tests use them unchanged; the wrapper execs, so a
# started sigild's pid is the wrapped process's own.
READY_TRIES=200
if [ -n "${SIGIL_WRAP:-}" ]; then
	mkdir -p "$T/wrap"
	for _b in sigil sigild; do
		printf '#!/bin/sh\nexec %s %q "$@"\n' "$SIGIL_WRAP" "$SIGIL_BIN_DIR/$_b" >"$T/wrap/$_b"
		chmod +x "$T/wrap/$_b"
	done
	SIGIL="$T/wrap/sigil"
	SIGILD="$T/wrap/sigild"
	READY_TRIES=2400 # valgrind runs 20-50x slower: up to two minutes
fi
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

# free_port: a port nothing listens on, never a quick-start port (6732, 9583)
# and never one this test was given before (API and utility ports differ).
# It is drawn below the kernel's ephemeral range (ip_local_port_range), so
# that the client connections of tests running alongside cannot take it
# before sigild binds it, and it must bind on every address (a test may
# listen on 0.0.0.0).
free_port() {
	python3 - "$T/ports" <<'PY'
import random, socket, sys
try:
    used = set(open(sys.argv[1]).read().split())
except FileNotFoundError:
    used = set()
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
low = max(low, 12000)
def free(p):
    for host in ("0.0.0.0", "127.0.0.1"):
        s = socket.socket()
        try:
            s.bind((host, p))
        except OSError:
            return False
        finally:
            s.close()
    return True
while True:
    p = random.randint(10000, low - 1)
    if p not in (6732, 9583) and str(p) not in used and free(p):
        break
open(sys.argv[1], "a").write(f"{p}\n")
print(p)
PY
}

# server_yaml BASE_DIR: the top of a config, the API and utility servers on
# two free loopback ports (sets API and UTIL); the caller appends the rest.
server_yaml() {
	API=$(free_port)
	UTIL=$(free_port)
	printf 'base_dir: %s\nserver:\n  address: 127.0.0.1:%s\n  utility_address: 127.0.0.1:%s\n' \
		"$1" "$API" "$UTIL"
}

# start_sigild CONFIG LOG: creates the watermark store if there is none yet
# (sigild never does), starts sigild, waits until /healthz answers.
start_sigild() {
	local cfg=$1 log=$2 util
	"$SIGIL" -c "$cfg" watermark init >>"$log" 2>&1
	"$SIGILD" -c "$cfg" >>"$log" 2>&1 &
	SIGILD_PID=$!
	PIDS+=("$SIGILD_PID")
	util=$(awk '/utility_address:/{print $2}' "$cfg")
	for _ in $(seq 1 "$READY_TRIES"); do
		if curl -sf "http://$util/healthz" >/dev/null 2>&1; then return 0; fi
		if ! kill -0 "$SIGILD_PID" 2>/dev/null; then
			echo "sigild exited early:"; cat "$log"; return 1
		fi
		sleep 0.05
	done
	echo "sigild did not become ready:"; cat "$log"; return 1
}

stop_sigild() {
	kill -TERM "$SIGILD_PID"
	wait "$SIGILD_PID" || { echo "sigild exited with $?"; return 1; }
}
