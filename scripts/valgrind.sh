#!/usr/bin/env bash
# The integration tests once under valgrind memcheck: every sigil and sigild
# they start runs wrapped (tests/integration/lib.sh, SIGIL_WRAP). Fails on
# any invalid access, any use of uninitialised memory, and any definite or
# indirect leak, in any process, whatever that process's exit status was
# (several tests expect a failing exit, which would hide valgrind's).
#
# A plain Debug build in its own tree: valgrind and ASan do not mix.
# The torture and race tests are left out: thousands of requests and
# kill -9 rounds take hours at valgrind's speed and prove nothing more here.
#
# Usage: scripts/valgrind.sh [test_name ...]   (default: the five below)
#   VG_BUILD=dir   build tree (default build-vg)
#   VG_KEEP=1      keep the valgrind logs even when everything is clean
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${VG_BUILD:-$root/build-vg}
supp=$root/tests/valgrind/suppressions.txt
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_tezos_http test_cli test_ops test_tz4 test_secrets)

command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 1; }
case $root in *[[:space:]]*) echo "valgrind: the source path must not contain spaces" >&2; exit 1 ;; esac

echo "valgrind: building $build (Debug, no sanitizers)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSIGIL_TESTS=OFF \
	-DSIGIL_SANITIZE=OFF -DSIGIL_TSAN=OFF -DSIGIL_FUZZ=OFF >/dev/null
cmake --build "$build" --target sigil -j"$(nproc)" >/dev/null

logs=$(mktemp -d /tmp/sigil-vg.XXXXXX)
# %p: one log per process, so a log is never shared by two runs.
export SIGIL_WRAP="valgrind --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
--track-fds=no --num-callers=30 --suppressions=$supp --log-file=$logs/vg.%p.log"
export SIGIL_BIN_DIR=$build SIGIL_SOURCE_DIR=$root

status=0
start=$(date +%s)
for t in "${tests[@]}"; do
	t0=$(date +%s)
	if bash "$root/tests/integration/$t.sh" >"$logs/$t.out" 2>&1; then
		echo "valgrind: $t passed ($(( $(date +%s) - t0 ))s)"
	else
		echo "valgrind: $t FAILED ($(( $(date +%s) - t0 ))s); its output:"
		sed 's/^/    /' "$logs/$t.out"
		status=1
	fi
done

# Every process must have ended with a clean summary. A log without one is a
# process that was killed (kill -9 by a test's cleanup, or a timeout) and so
# was never checked for leaks: that is reported, not taken as clean.
n=0 bad=0 unfinished=0
for f in "$logs"/vg.*.log; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if ! grep -q 'ERROR SUMMARY:' "$f"; then
		unfinished=$((unfinished + 1))
		echo "valgrind: $f: no summary (process killed?): $(grep -m1 'Command:' "$f" || true)"
	elif ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
		bad=$((bad + 1))
		echo "valgrind: errors in $f:"
		sed 's/^/    /' "$f"
	fi
done
echo "valgrind: $n processes checked, $bad with errors, $unfinished unfinished," \
	"$(( $(date +%s) - start ))s"
[ "$n" -gt 0 ] || { echo "valgrind: no process ran under valgrind"; status=1; }
[ "$bad" -eq 0 ] || status=1
if [ "$status" -eq 0 ] && [ -z "${VG_KEEP:-}" ]; then
	rm -rf "$logs"
else
	echo "valgrind: logs in $logs"
fi
exit "$status"
