#!/usr/bin/env bash
# Two sigild instances on one PostgreSQL watermark database, under load
# (torture_client load: 8 threads, four keys, both instances, contended
# (level, round)s), while each round either kills one instance with
# SIGKILL and starts it again, or cuts the database sessions of both
# (pg_terminate_backend) in the middle of their transactions; some rounds
# do both at once. After every round:
#
# - no mark in sigil_watermarks went down (psql, before and after);
# - every 200 the client has received is backed by a committed mark: the
#   mark of its (key, kind) is at or above the answered (level, round);
# - the client saw no regression and no double sign (its own checks).
#
# At the end: no two payloads at one (key, kind, level, round) in the
# audit logs of both instances (the killed ones' included) and the
# client's signature log together. Then the verdicts are shown to fail on
# doctored input.
#
# Rounds: WM_PG_KILL_ROUNDS (6 for make check; make torture-pg runs 200).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg.sh"
source "$(dirname "$0")/wm_pg_lib.sh"

ROUNDS=${WM_PG_KILL_ROUNDS:-6}
case "$ROUNDS" in '' | *[!0-9]*) echo "WM_PG_KILL_ROUNDS must be a number"; exit 2 ;; esac
fail=0
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

pg_start "$T/pg" >/dev/null
wm_keys
wm_pair "$PG_CONNINFO" 2000

# The client stops by itself long after the rounds should have ended.
"$TC" load --port "${WM_API[a]}" --port "${WM_API[b]}" --log "$T/acks.log" \
	--stop-file "$T/stop" --threads 8 --max-seconds $((120 + ROUNDS * 5)) \
	--final "$T/final.tsv" "${KEYS[@]}" >"$T/load.out" 2>&1 &
LOAD=$!
PIDS+=("$LOAD")

# snapshot N: the client's signatures since the last snapshot (whole lines
# only), then the marks: every signature in the first was answered before
# the marks were read. The older ones need no second look: they were
# backed by the previous marks, and no mark may go down.
ACKS_SEEN=0
snapshot() {
	local n
	n=$(wc -l <"$T/acks.log" 2>/dev/null || echo 0)
	sed -n "$((ACKS_SEEN + 1)),${n}p" "$T/acks.log" 2>/dev/null >"$T/acks.$1" || : >"$T/acks.$1"
	ACKS_SEEN=$n
	wm_marks "$T/pg" "$T/marks.$1"
}

# terminate: every session of both instances, wherever it is.
terminate() {
	pg_terminate "$T/pg" "application_name IN ('sigild-a', 'sigild-b')"
}

kills=0 cuts=0 cut_sessions=0
sleep 1 # some marks first
snapshot 0
for ((r = 1; r <= ROUNDS; r++)); do
	rt0=$(date +%s%N)
	sleep_ms $((100 + RANDOM % 300))
	what=$((RANDOM % 4))
	case $what in
	0 | 1)
		n=$([ "$what" = 0 ] && echo a || echo b)
		wm_kill9 "$n" || { fail=1; break; }
		kills=$((kills + 1))
		# One kill in two also cuts the survivor's sessions at once.
		if [ $((RANDOM % 2)) = 0 ]; then
			c=$(terminate)
			cut_sessions=$((cut_sessions + c))
			cuts=$((cuts + 1))
		fi
		sleep_ms $((RANDOM % 200))
		wm_start "$n" || { fail=1; break; }
		;;
	*)
		c=$(terminate)
		cut_sessions=$((cut_sessions + c))
		cuts=$((cuts + 1))
		;;
	esac
	for n in a b; do
		if ! kill -0 "${WM_PID[$n]}" 2>/dev/null; then
			echo "FAIL: round $r: sigild $n died:"; tail -30 "$T/$n/sigild.log"; fail=1
		fi
	done
	kill -0 "$LOAD" 2>/dev/null || { echo "FAIL: round $r: the client stopped"; fail=1; }
	[ "$fail" = 0 ] || break
	rt1=$(date +%s%N)
	snapshot "$r"
	wm_check round "$T/marks.$((r - 1))" "$T/marks.$r" "$T/acks.$r" >"$T/round.out" ||
		{ cat "$T/round.out"; echo "FAIL: round $r: a mark went down or a 200 is above its" \
			"committed mark"; fail=1; break; }
	rm -f "$T/marks.$((r - 1))" "$T/acks.$r"
	echo "round $r: action $what, $((($rt1 - rt0) / 1000000)) ms, checks" \
		"$((($(date +%s%N) - rt1) / 1000000)) ms" >>"$T/rounds.log"
	if [ $((r % 50)) = 0 ]; then
		echo "round $r: $(wc -l <"$T/acks.log") signatures so far ($(secs))"
	fi
done
rounds_done=$((r > ROUNDS ? ROUNDS : r))

touch "$T/stop"
rc=0
wait "$LOAD" || rc=$?
_wm_forget "$LOAD"
cat "$T/load.out"
[ "$rc" = 0 ] || { echo "FAIL: the client reported failures (status $rc)"; fail=1; }
signed=$(wc -l <"$T/acks.log" 2>/dev/null || echo 0)
[ "$signed" -gt 0 ] || { echo "FAIL: nothing was signed"; fail=1; }

# The last word of the database, after everything has settled.
snapshot final
wm_check backed "$T/acks.log" "$T/marks.final" || fail=1
"$TC" scan "$T/acks.log" || fail=1
for n in a b; do
	kill -0 "${WM_PID[$n]}" 2>/dev/null && { wm_stop "$n" || fail=1; }
	wm_sanitizer_clean "$T/$n/sigild.log" || fail=1
done
# Audit lines may be lost with a kill -9 (they are written after the
# reply), so the client's signatures need not all be in them: counted,
# not required.
wm_check audit --acks "$T/acks.log" "$T/a/sigild.log" "$T/b/sigild.log" || fail=1
grep -h -E ' (error|warn) ' "$T/a/sigild.log" "$T/b/sigild.log" |
	sed -E 's/^[^ ]+ //' | sort | uniq -c | sort -rn | head -8 >"$T/errors.txt" || true
if [ -s "$T/errors.txt" ]; then
	echo "sigild's errors and warnings, most frequent first:"
	cat "$T/errors.txt"
fi

# ---- the verdicts can fail ----
if [ "$signed" -gt 0 ]; then
	# A mark lowered by one level.
	awk -F'\t' -v OFS='\t' 'NR == 1 { $4 = $4 - 1 } 1' "$T/marks.final" >"$T/marks.lowered"
	if wm_check regress "$T/marks.final" "$T/marks.lowered" >/dev/null; then
		echo "FAIL: self-check: a lowered mark passed"; fail=1
	else
		echo "ok: self-check: a lowered mark fails"
	fi
	# A signature above every committed mark.
	awk 'NR == 1 { $3 = 999999 } 1' "$T/acks.log" >"$T/acks.above"
	if wm_check backed "$T/acks.above" "$T/marks.final" >/dev/null; then
		echo "FAIL: self-check: a 200 above its mark passed"; fail=1
	else
		echo "ok: self-check: a 200 above its mark fails"
	fi
	# A second payload at a signed slot (the client's log, as the killed
	# instance's lost audit line would have shown it).
	awk 'NR == 1 { $5 = (substr($5, 1, 2) == "ff" ? "00" : "ff") substr($5, 3) } 1' "$T/acks.log" >"$T/acks.double"
	if wm_check audit --acks "$T/acks.double" "$T/a/sigild.log" "$T/b/sigild.log" >/dev/null; then
		echo "FAIL: self-check: a second payload passed"; fail=1
	else
		echo "ok: self-check: a second payload fails"
	fi
fi

[ -s "$T/rounds.log" ] && awk '{ ms += $5; ck += $8; if ($5 > max) max = $5 }
	END { printf "rounds: %d ms on average (longest %d ms), checks %d ms on average\n",
		ms / NR, max, ck / NR }' "$T/rounds.log"
echo "kill: $rounds_done of $ROUNDS rounds: $kills kill -9 and restart, $cuts cuts" \
	"($cut_sessions sessions terminated), $signed signatures, $(secs)"
if [ "$fail" = 0 ]; then
	echo "PASS: test_wm_pg_kill"
else
	echo "FAIL: test_wm_pg_kill"
	exit 1
fi
