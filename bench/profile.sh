#!/usr/bin/env bash
# Where sigild's time goes under one of the benchmark loads.
#
# usage: bench/profile.sh [generic|attestation|many] [perf|callgrind] [seconds]
#   generic      64 connections of tz1 transactions, one key
#   attestation  1 request in flight, one key, durable watermarks
#   many         64 connections of attestations over BENCH_KEYS (1000) keys
#   perf         perf record -e cpu-clock -g on the running sigild (the
#                software clock works in VMs without hardware counters)
#   callgrind    sigild under valgrind --tool=callgrind (slow: fewer requests)
# Writes the report to $BENCH_BUILD/profile-<load>-<tool>.txt and prints its
# head. Build first (make bench, or scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD=${1:-generic}
TOOL=${2:-perf}
SECS=${3:-5}
B=${BENCH_BUILD:-build-bench}
NKEYS=${BENCH_KEYS:-1000}
CONNS=${BENCH_CONNS:-64}
WARM=1
DUR=$SECS
export SIGIL_PASSPHRASE="bench passphrase, not a secret"
[ -x "$B/sigild" ] && [ -x "$B/bench_load" ] || { echo "build $B first (scripts/bench.sh)"; exit 1; }
case $LOAD in generic | attestation | many) ;; *) echo "unknown load $LOAD"; exit 2 ;; esac
case $TOOL in perf | callgrind) ;; *) echo "unknown tool $TOOL"; exit 2 ;; esac
source bench/lib.sh

REPORT="$B/profile-$LOAD-$TOOL.txt"
d=$T/p
mkdir -p "$d/watermarks"
n=1; allow="{attestation: , generic: [transaction]}"; mode=generic; conns=$CONNS
[ "$LOAD" = many ] && { n=$NKEYS; allow="{attestation: }"; mode=attestation; }
[ "$LOAD" = attestation ] && { mode=attestation; conns=1; }
"$B/bench_mkvault" "$d/keys.json" "$n" >"$d/addrs"
API=$(free_port); UTIL=$(free_port)
write_config "$d" "$API" "$UTIL" "$allow" "$d/addrs"

if [ "$TOOL" = perf ]; then
	start_sigild "$d" "$UTIL"
	# perf follows only the threads that exist when it attaches: a short
	# load first, so that the ones made on first use (the watermark
	# store's syncer) are there.
	DUR=1 WARM=0 load w_ "$API" "$d/addrs" "$mode" "$conns"
	perf record -q -e cpu-clock -F 2000 -g -p "$SIGILD_PID" -o "$T/perf.data" -- \
		sleep $((SECS + 1)) 2>>"$T/tools.log" &
	PERF_PID=$!
	PIDS+=("$PERF_PID")
	load r_ "$API" "$d/addrs" "$mode" "$conns" -l 100000000
	wait "$PERF_PID" || true
	perf report -i "$T/perf.data" --no-children --sort dso,symbol --stdio \
		>"$T/self.txt" 2>/dev/null || true
	perf report -i "$T/perf.data" --children --sort symbol --stdio -g none \
		>"$T/incl.txt" 2>/dev/null || true
	{
		echo "# $LOAD load, $conns connections: ${R[r_ok_per_s]} signs/s, p50 ${R[r_p50_ms]} ms"
		echo "# self time by symbol"
		grep -E '^ +[0-9]' "$T/self.txt" | head -60 || true
		echo "# inclusive time by symbol"
		grep -E '^ +[0-9]' "$T/incl.txt" | head -80 || true
	} >"$REPORT"
	[ -n "${BENCH_KEEP_PERF:-}" ] && cp "$T/perf.data" "$B/profile-$LOAD.perf.data"
	stop "$SIGILD_PID"
else
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$B/sigild" \
		-c "$d/sigil.yaml" >>"$d/sigild.log" 2>&1 &
	SIGILD_PID=$!
	PIDS+=("$SIGILD_PID")
	"$B/bench_startup" -W -u "$UTIL" -t 120 || { tail "$d/sigild.log"; exit 1; }
	load r_ "$API" "$d/addrs" "$mode" "$conns"
	stop "$SIGILD_PID"
	{
		echo "# $LOAD load under callgrind, $conns connections: ${R[r_ok]} requests"
		callgrind_annotate --inclusive=no "$T/cg.out" 2>/dev/null | head -70 || true
		echo "# inclusive"
		callgrind_annotate --inclusive=yes "$T/cg.out" 2>/dev/null | head -70 || true
	} >"$REPORT"
fi
head -50 "$REPORT" || true
echo "profile: full report in $REPORT"
