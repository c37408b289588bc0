#!/usr/bin/env bash
# Runs every libFuzzer harness built in BUILD for SECONDS each on its corpus
# (fuzz/corpus/<name>, copied so the committed seeds stay as they are).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
secs=${2:-30}
fail=0
for bin in "$build"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin"); name=${name#fuzz_}
	work=$(mktemp -d)
	[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
	echo "fuzz $name: ${secs}s"
	if ! "$bin" -max_total_time="$secs" -print_final_stats=1 "$work" 2>"$work.log"; then
		fail=1; tail -40 "$work.log"
	fi
	grep -E "stat::number_of_executed_units|cov:" "$work.log" | tail -2
	rm -rf "$work" "$work.log"
done
exit $fail
