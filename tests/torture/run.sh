#!/usr/bin/env bash
# The crash test: torture_client drives sigild from many threads while this
# script kills it with SIGKILL at a random moment and starts it again, ROUNDS
# times. Passes only if the client saw no watermark regression, every
# restart kept the watermark at or above everything acknowledged, the
# signature log holds no double sign, and the watermarks on disk at the end
# (read through `sigil watermark show`) cover every acknowledged mark.
#
# usage: TT_BIN=build-dir tests/torture/run.sh ROUNDS
#   TT_THREADS   client threads (16)
#   TT_MIN_MS, TT_MAX_MS   the kill comes this long after sigild is ready (50, 500)
#   TT_EARLY     one round in TT_EARLY kills sigild 0-40 ms after it is
#                spawned, usually during start-up (10; 0 = never)
#   TT_HUP       one round in TT_HUP sends SIGHUP (reload) at a random moment
#                before the kill (4; 0 = never)
#   TT_SABOTAGE_ROUND  self-test of this harness: deletes the watermark file
#                before that round's start, which must make the run fail
#   TT_NO_KEEP   1: remove the temp dir even when the run fails
set -euo pipefail
source "$(dirname "$0")/common.sh"

ROUNDS=${1:-20}
THREADS=${TT_THREADS:-16}
MIN_MS=${TT_MIN_MS:-50}
MAX_MS=${TT_MAX_MS:-500}
EARLY=${TT_EARLY:-10}
HUP=${TT_HUP:-4}
TT_KEEP=1 # until the verdict

sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
rand_ms() { echo $(($1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1))); }

# Generous bounds: the client must stop by itself long before these.
MAX_S=$((120 + ROUNDS * 5))
"$TC" drive --port "$API" --log "$T/acks.log" --stop-file "$T/stop" --final "$T/final.tsv" \
	--threads "$THREADS" --max-seconds "$MAX_S" --down-wait-ms 60000 --util-port "$UTIL" \
	"${KEYS[@]}" \
	>"$T/client.out" 2>&1 &
CLIENT=$!
TT_PIDS+=("$CLIENT")

fail=0
t0=$(date +%s%N)
early=0
hups=0
for ((r = 1; r <= ROUNDS; r++)); do
	log="$T/sigild.$((r % 2)).log"
	if [ "$r" = "${TT_SABOTAGE_ROUND:-0}" ]; then
		# The lock goes too, and a new store is made: sigild (rightly)
		# refuses a store whose db vanished and never makes one itself, so
		# only an operator's deliberate reset gets this far.
		echo "torture: sabotage: deleting the watermark store before round $r"
		rm -f "$T/var/watermarks/watermarks.db" "$T/var/watermarks/lock"
		"$SIGIL" -c "$T/sigil.yaml" watermark init >/dev/null
	fi
	tt_spawn "$log"
	if [ "$EARLY" -gt 0 ] && [ $((RANDOM % EARLY)) = 0 ]; then
		sleep_ms "$(rand_ms 0 40)"
		early=$((early + 1))
	else
		tt_ready "$log" || { fail=1; break; }
		delay=$(rand_ms "$MIN_MS" "$MAX_MS")
		if [ "$HUP" -gt 0 ] && [ $((RANDOM % HUP)) = 0 ]; then
			first=$(rand_ms 0 "$delay")
			sleep_ms "$first"
			kill -HUP "$SPID"
			hups=$((hups + 1))
			delay=$((delay - first))
		fi
		sleep_ms "$delay"
	fi
	tt_kill9 "$log" || { fail=1; break; }
	tt_sanitizer_clean "$log" || { fail=1; break; }
	grep -E ' (error|warn) ' "$log" | sed "s/^/round $r: /" >>"$T/sigild-errors.txt" || true
	if ! kill -0 "$CLIENT" 2>/dev/null; then
		echo "torture: the client stopped early (round $r)"; fail=1; break
	fi
	if [ $((r % 100)) = 0 ]; then
		echo "torture: $r rounds, $(wc -l <"$T/acks.log") signatures so far"
	fi
done
t1=$(date +%s%N)

# A last start: the client checks it, then stops; sigild must stop cleanly.
log="$T/sigild.final.log"
final_up=0
if [ "$fail" = 0 ]; then
	tt_spawn "$log"
	final_up=1
	tt_ready "$log" || fail=1
fi
touch "$T/stop"
for ((i = 0; i < 1200; i++)); do kill -0 "$CLIENT" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$CLIENT" 2>/dev/null; then
	echo "torture: the client did not stop"; kill -9 "$CLIENT"; fail=1
fi
tt_wait "$CLIENT"
[ "$TT_RC" = 0 ] || fail=1
cat "$T/client.out"
if [ "$final_up" = 1 ]; then
	tt_stop "$log" || fail=1
	tt_sanitizer_clean "$log" || fail=1
fi

# The verdict on everything ever signed.
"$TC" scan "$T/acks.log" || fail=1

# The store itself, read without the daemon: every acknowledged mark is
# at or below the stored one.
if [ "$fail" = 0 ]; then
	"$SIGIL" -c "$T/sigil.yaml" watermark show >"$T/show.tsv" 2>"$T/show.err" || fail=1
	while IFS=$'\t' read -r pkh kind level round; do
		read -r slevel sround < <(awk -F'\t' -v k="$pkh" -v t="$kind" \
			'$1 == k && $3 == t { print $4, $5 }' "$T/show.tsv") || true
		if [ -z "${slevel:-}" ] || [ "$slevel" -lt "$level" ] ||
			{ [ "$slevel" = "$level" ] && [ "$sround" -lt "$round" ]; }; then
			echo "FAIL: stored watermark for $pkh $kind is '${slevel:-none} ${sround:-}'," \
				"below the acknowledged $level $round"
			fail=1
		fi
		slevel=""
	done <"$T/final.tsv"
fi

ms=$(((t1 - t0) / 1000000))
echo "torture: $((r > ROUNDS ? ROUNDS : r)) of $ROUNDS rounds (kill -9 and restart each," \
	"$early during start-up, $hups reloads under load) in $((ms / 1000)).$(printf %03d $((ms % 1000))) s;" \
	"$(wc -l <"$T/acks.log") signatures logged"
if [ -s "$T/sigild-errors.txt" ]; then
	echo "torture: sigild warnings and errors ($(wc -l <"$T/sigild-errors.txt") lines), first:"
	head -5 "$T/sigild-errors.txt"
fi
if [ "$fail" = 0 ]; then
	TT_KEEP=0
	echo "torture: PASS"
else
	if [ "${TT_NO_KEEP:-0}" = 1 ]; then TT_KEEP=0; fi
	echo "torture: FAIL (signature log, client output and sigild logs are in $T)"
	exit 1
fi
