#!/usr/bin/env bash
# The crash test (`make torture`): builds sigild and tests/torture's client,
# then kills sigild with SIGKILL at random moments while many threads sign,
# ROUNDS times (tests/torture/run.sh says what is checked).
#
# usage: scripts/torture.sh [--asan | --tsan | --pg] [ROUNDS]
#   (none)  optimised build in build-torture, ROUNDS (default 1000) rounds
#   --pg    the PostgreSQL watermark store's crash test on the optimised
#           build: two sigild instances on one database, killed and cut off
#           from it, ROUNDS (default 200) rounds
#           (tests/integration/test_wm_pg_kill.sh), then its failover test
#   --asan  AddressSanitizer + UBSan build in build-torture-asan
#   --tsan  ThreadSanitizer build in build-tsan: the crash test (default 50
#           rounds) and the race test (tests/torture/race.sh), with
#           tests/tsan/suppressions.txt; any report fails the run
# Environment: TT_THREADS, TT_MIN_MS, TT_MAX_MS, TT_EARLY, TT_HUP (run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

mode=release
case "${1:-}" in
--asan) mode=asan; shift ;;
--tsan) mode=tsan; shift ;;
--pg) mode=pg; shift ;;
-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
esac
case "$mode" in
release) BUILD=build-torture; ROUNDS=${1:-1000}
	FLAGS=(-DCMAKE_BUILD_TYPE=Release -DSIGIL_SANITIZE=OFF -DSIGIL_TSAN=OFF) ;;
pg) BUILD=build-torture; ROUNDS=${1:-200}
	FLAGS=(-DCMAKE_BUILD_TYPE=Release -DSIGIL_SANITIZE=OFF -DSIGIL_TSAN=OFF) ;;
asan) BUILD=build-torture-asan; ROUNDS=${1:-200}
	FLAGS=(-DCMAKE_BUILD_TYPE=Debug -DSIGIL_SANITIZE=ON -DSIGIL_TSAN=OFF) ;;
tsan) BUILD=build-tsan; ROUNDS=${1:-50}
	FLAGS=(-DCMAKE_BUILD_TYPE=Debug -DSIGIL_SANITIZE=OFF -DSIGIL_TSAN=ON) ;;
esac
case "$ROUNDS" in ''|*[!0-9]*) echo "torture: ROUNDS must be a number"; exit 2 ;; esac

cmake -S . -B "$BUILD" "${FLAGS[@]}" -DSIGIL_FUZZ=OFF -DSIGIL_TESTS=ON >/dev/null
cmake --build "$BUILD" --target sigil sigil-enclave torture_client -j"$(nproc)" >/dev/null

if [ "$mode" = pg ]; then
	export SIGIL_BIN_DIR="$ROOT/$BUILD" SIGIL_SOURCE_DIR="$ROOT"
	status=0
	echo "== PostgreSQL watermarks: kill -9 and cut sessions, $ROUNDS rounds"
	WM_PG_KILL_ROUNDS=$ROUNDS bash tests/integration/test_wm_pg_kill.sh || status=1
	echo "== PostgreSQL watermarks: failover to a synchronous standby"
	bash tests/integration/test_wm_pg_failover.sh || status=1
	exit "$status"
fi
if [ "$mode" = tsan ]; then
	# halt_on_error: the first report ends sigild (status 66), which the
	# scripts see as a crash and print with its log.
	export TSAN_OPTIONS="suppressions=$ROOT/tests/tsan/suppressions.txt:halt_on_error=1:second_deadlock_stack=1:history_size=4"
	status=0
	echo "== crash test under ThreadSanitizer ($ROUNDS rounds)"
	TT_BIN="$ROOT/$BUILD" bash tests/torture/run.sh "$ROUNDS" || status=1
	echo "== race test under ThreadSanitizer"
	TT_BIN="$ROOT/$BUILD" bash tests/torture/race.sh 200 50 || status=1
	if [ "$status" = 0 ]; then echo "tsan: sigild is clean"; else echo "tsan: FAIL"; fi
	exit "$status"
fi
echo "== crash test, $mode build ($ROUNDS rounds)"
TT_BIN="$ROOT/$BUILD" bash tests/torture/run.sh "$ROUNDS"
if [ "$mode" = release ]; then
	# Without sanitizers a core of sigild is small enough to take: the key
	# holder test's gcore step runs here on this build too (make check runs
	# it on the release build, make release-secrets).
	echo "== sigild with its keys in sigil-enclave: memory, gcore, files, logs"
	SIGIL_BIN_DIR="$ROOT/$BUILD" SIGIL_SOURCE_DIR="$ROOT" \
		bash tests/integration/test_enclave_secrets.sh 2>&1 | grep -v '^20[0-9][0-9]-'
fi
