#!/usr/bin/env bash
# Several sigild instances, one watermark truth (issue 16): two sigild
# instances, each with its own base_dir and file vault holding the same
# keys, keep their watermarks in one PostgreSQL 15 database.
#
# 1. 10,000 conflicting consensus requests (8 races of 50 connections x 25
#    requests, every one different bytes at one key, kind, level and round;
#    the races of different (key, kind) at once), every other connection to
#    the other instance: exactly one signature per (key, kind, level, round)
#    across both audit logs, every 200 valid and one of those.
# 2. Faults, each refused with 503 and a reason and nothing signed, then
#    recovery without a restart: the database stopped (/healthz 503 too),
#    read-only, and slower than server.backend_timeout_ms (a session holds
#    an ACCESS EXCLUSIVE lock on sigil_watermarks); the refused request's
#    mark never advances, not even once the lock is let go; and hung
#    (SIGSTOP: connections and statements taken, nothing answered).
# 3. The verdicts themselves, on doctored logs: each must fail.
#
# WM_PG_SABOTAGE=split (a self-test of the whole harness): instance b keeps
# its marks in another database, i.e. two truths; the run must then fail
# with double signs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg.sh"
source "$(dirname "$0")/wm_pg_lib.sh"

TIMEOUT_MS=1000
LOCK_S=4
fail=0

pg_start "$T/pg" >/dev/null
wm_keys
# The race runs with the default deadline (5 s): under a loaded machine
# a request may wait in sigild's queue past 1 s, and a 503 there would be
# right but fail the race's count. The faults run with 1 s (a reload).
wm_instance a "$PG_CONNINFO" 5000
if [ "${WM_PG_SABOTAGE:-}" = split ]; then
	echo "SABOTAGE: instance b on a database of its own: this run must fail"
	pg_psql "$T/pg" -c "CREATE DATABASE sigil_split"
	wm_instance b "${PG_CONNINFO/dbname=postgres/dbname=sigil_split}" 5000
	"$SIGIL" -c "${WM_CFG[b]}" watermark init >/dev/null
else
	wm_instance b "$PG_CONNINFO" 5000
fi
# Four inits at once on the empty database: the advisory lock must let one
# create the schema, and the others find it made. To make them meet, a
# session holds the store's advisory lock (schema.c: classid 'sigl', objid
# 1) until all four wait for it (or 10 s: a changed lock only makes the
# meeting less likely). A failure here is reported, and the test goes on
# with the schema one init made.
PGAPPNAME=wm_lock_holder pg_psql "$T/pg" -c "SELECT pg_advisory_lock(1936287596, 1)" \
	-c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
_pg_wait_sql "$T/pg" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted" 1 ||
	{ echo "FAIL: no advisory lock holder"; exit 1; }
ipids=()
for i in 1 2 3 4; do
	"$SIGIL" -c "${WM_CFG[a]}" watermark init >"$T/init.$i.log" 2>&1 &
	ipids+=($!)
done
_pg_wait_sql "$T/pg" "SELECT count(*) >= 4 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted" \
	t 100 2>/dev/null || echo "note: the inits did not all wait for the advisory lock"
pg_terminate "$T/pg" "application_name = 'wm_lock_holder'" >/dev/null
wait "$holder" 2>/dev/null || true
for i in 1 2 3 4; do
	if ! wait "${ipids[$((i - 1))]}"; then
		echo "FAIL: watermark init $i of 4 at once: $(cat "$T/init.$i.log")"; fail=1
	fi
done
created=$(cat "$T"/init.?.log | grep -c '^created' || true)
if [ "$created" != 1 ]; then
	echo "FAIL: $created of 4 inits at once say they created the store:"
	cat "$T"/init.?.log; fail=1
fi
"$SIGIL" -c "${WM_CFG[b]}" watermark init >"$T/init.log" 2>&1 ||
	{ cat "$T/init.log"; echo "FAIL: watermark init, once more"; exit 1; }
grep -q '^kept the existing' "$T/init.log" ||
	{ cat "$T/init.log"; echo "FAIL: a second init did not keep the store"; fail=1; }
for t in sigil_watermarks sigil_signed sigil_schema; do
	[ "$(pg_psql "$T/pg" -tAc "SELECT to_regclass('$t') IS NOT NULL")" = t ] ||
		{ echo "FAIL: no table $t after watermark init"; exit 1; }
done
wm_start a
wm_start b
[ "$fail" = 0 ] && echo "ok: four inits at once made one schema"
echo "ok: two instances on one database ($(secs))"

# ---- 1. the race over both instances ----
pre_fail=$fail
fail=0
# key index, kind, level, round: one group per (key, kind), in order.
RACE_GROUPS=(
	"0 attestation 1000 0;0 attestation 1000 1;0 attestation 1001 0"
	"1 attestation 1000 0"
	"1 preattestation 52 2"
	"2 block 1000 0;2 block 1000 3"
	"3 preattestation 7 0"
)
race_group() {
	local spec ki kind level round rc=0
	IFS=';' read -r -a specs <<<"$1"
	for spec in "${specs[@]}"; do
		read -r ki kind level round <<<"$spec"
		"$TC" race --port "${WM_API[a]}" --port2 "${WM_API[b]}" --key "${KEYS[$ki]}" \
			--kind "$kind" --level "$level" --round "$round" --conns 50 --reqs 25 \
			--log "$T/acks.log" || rc=1
	done
	return "$rc"
}
# And identical bytes from every connection of both instances (tz2: ECDSA,
# with RFC 6979 nonces): all signed, with one signature.
same_race() {
	"$TC" race --port "${WM_API[a]}" --port2 "${WM_API[b]}" --key "${KEYS[1]}" --kind block \
		--level 77 --round 1 --conns 20 --reqs 10 --same --log "$T/acks.log"
}
gpids=() gouts=()
same_race >"$T/race.same.out" 2>&1 &
gpids+=($!) gouts+=("$T/race.same.out")
for g in "${!RACE_GROUPS[@]}"; do
	race_group "${RACE_GROUPS[$g]}" >"$T/race.$g.out" 2>&1 &
	gpids+=($!) gouts+=("$T/race.$g.out")
done
for g in "${!gpids[@]}"; do
	if ! wait "${gpids[$g]}"; then
		echo "FAIL: race ${gouts[$g]##*/}:"; cat "${gouts[$g]}"; fail=1
	fi
done
cat "$T/race."*.out | grep -E '^race:' | grep -v 'note:' || true
for n in a b; do
	kill -0 "${WM_PID[$n]}" 2>/dev/null || { echo "FAIL: sigild $n died"; tail -30 "$T/$n/sigild.log"; exit 1; }
done
sleep 0.3 # audit lines written after the reply
wm_check audit --acks "$T/acks.log" --acks-in-audit --slots 9 "$T/a/sigild.log" "$T/b/sigild.log" ||
	fail=1
"$TC" scan "$T/acks.log" || fail=1
echo "signed per instance: a $(grep -c 'decision=signed' "$T/a/sigild.log" || true)," \
	"b $(grep -c 'decision=signed' "$T/b/sigild.log" || true)"
[ "$fail" = 0 ] && echo "ok: 10,000 conflicting requests over two instances, one signature each;" \
	"200 identical ones, one signature ($(secs))"
fail=$((fail | pre_fail))

# ---- 2. faults ----
wm_timeout a "$TIMEOUT_MS"
wm_timeout b "$TIMEOUT_MS"
if grep -q 'backend_timeout_ms changed, but' "$T/a/sigild.log"; then
	echo "FAIL: server.backend_timeout_ms is not taken on reload"; fail=1
fi
signed_count() { cat "$T/a/sigild.log" "$T/b/sigild.log" | grep -c 'decision=signed' || true; }

# mark_of KEY KIND: "level round" of that (key, kind) in the database, or "none".
mark_of() {
	local kh kd
	kh=$(wm_check keyhex "$1")
	case "$2" in block) kd=0 ;; preattestation) kd=1 ;; attestation) kd=2 ;; esac
	pg_psql "$T/pg" -tA -F ' ' -c "SELECT level, round FROM sigil_watermarks
		WHERE key = '\\x$kh' AND kind = $kd AND level IS NOT NULL" | grep . || echo none
}

# refused NAME KEY KIND LEVEL ROUND PID WHAT: the request must get 503
# with a reason.
refused() {
	local name=$1 what=$7
	wm_once "$1" "$2" "$3" "$4" "$5" "$6" || { fail=1; return; }
	if [ "$WM_ST" != 503 ]; then
		echo "FAIL: $what: sigild $name answered $WM_ST, not 503: $WM_BODY"; fail=1
	elif ! grep -q '"msg":"[^"]' <<<"$WM_BODY"; then
		echo "FAIL: $what: 503 without a reason: $WM_BODY"; fail=1
	else
		echo "ok: $what: $name: 503 $WM_BODY"
	fi
}

# refused_within MS NAME KEY KIND LEVEL ROUND PID WHAT: refused, and the
# answer came within MS ms (the deadline, not whatever holds the database).
refused_within() {
	local max=$1 s0 ms
	shift
	s0=$(date +%s%N)
	refused "$@"
	ms=$((($(date +%s%N) - s0) / 1000000))
	if [ "$ms" -gt "$max" ]; then
		echo "FAIL: $7: $1 answered after $ms ms (deadline $TIMEOUT_MS ms)"; fail=1
	else
		echo "ok: $7: $1 answered in $ms ms"
	fi
}

# recovers NAME KEY KIND LEVEL ROUND PID WHAT: /healthz comes back to 200
# (within 30 s), then the request is signed. A 503 after /healthz said 200
# is retried (noted: the store's pool still held a dead session).
recovers() {
	local name=$1 what=$7 i tries=0
	for ((i = 0; i < 300; i++)); do
		[ "$(wm_healthz "$name")" = 200 ] && break
		sleep 0.1
	done
	[ "$i" -lt 300 ] || { echo "FAIL: $what: $name's /healthz not 200 within 30 s"; fail=1; return; }
	for ((i = 0; i < 50; i++)); do
		wm_once "$1" "$2" "$3" "$4" "$5" "$6" || { fail=1; return; }
		[ "$WM_ST" = 503 ] || break
		tries=$((tries + 1))
		sleep 0.1
	done
	[ "$tries" = 0 ] ||
		echo "NOTE: $what: $name answered 503 $tries times after /healthz said 200 (first: see log)"
	if [ "$WM_ST" = 200 ]; then
		echo "ok: $what: $name signs again, no restart"
	else
		echo "FAIL: $what: after recovery $name answered $WM_ST: $WM_BODY"; fail=1
	fi
}

# healthz NAME WANT WHAT
healthz() {
	local got
	got=$(wm_healthz "$1")
	if [ "$got" = "$2" ]; then echo "ok: $3: $1's /healthz $got"
	else echo "FAIL: $3: $1's /healthz answered $got, not $2"; fail=1; fi
}

# 2a. The database stopped.
before=$(signed_count)
was=$(mark_of "${KEYS[0]}" block)
pg_halt "$T/pg"
refused a "${KEYS[0]}" block 2000 0 101 "database stopped"
if [ "$WM_ST" = 503 ] && ! grep -qi postgres <<<"$WM_BODY"; then
	echo "FAIL: database stopped: the reason does not name PostgreSQL: $WM_BODY"; fail=1
fi
refused b "${KEYS[0]}" block 2000 0 102 "database stopped"
healthz a 503 "database stopped"
healthz b 503 "database stopped"
pg_resume "$T/pg"
now=$(mark_of "${KEYS[0]}" block)
[ "$now" = "$was" ] ||
	{ echo "FAIL: database stopped: the refused request's mark advanced: $was -> $now"; fail=1; }
recovers a "${KEYS[0]}" block 2000 0 103 "database restarted"
wm_once b "${KEYS[0]}" block 2000 0 104
[ "$WM_ST" = 409 ] || { echo "FAIL: database restarted: b signed other bytes at a's block: $WM_ST $WM_BODY"; fail=1; }
recovers b "${KEYS[0]}" block 2001 0 105 "database restarted"
echo "   ($(secs))"

# 2b. The database read-only.
was=$(mark_of "${KEYS[1]}" block)
pg_read_only "$T/pg" on
refused a "${KEYS[1]}" block 3000 0 201 "database read-only"
refused b "${KEYS[1]}" block 3000 0 202 "database read-only"
healthz a 503 "database read-only"
healthz b 503 "database read-only"
now=$(mark_of "${KEYS[1]}" block)
[ "$now" = "$was" ] ||
	{ echo "FAIL: database read-only: the refused request's mark advanced: $was -> $now"; fail=1; }
pg_read_only "$T/pg" off
recovers b "${KEYS[1]}" block 3000 0 203 "database writable again"
recovers a "${KEYS[1]}" block 3001 0 204 "database writable again"
echo "   ($(secs))"

# 2c. The database slower than the deadline: a session holds the table.
slow_before=$(mark_of "${KEYS[2]}" preattestation)
pg_hold_lock "$T/pg" sigil_watermarks "$LOCK_S"
# The deadline is 1 s; the lock is held 4 s. An answer after 3 s waited
# for the lock, not for the deadline.
for n in a b; do
	refused_within 3000 "$n" "${KEYS[2]}" preattestation 4000 0 "30$n" "database slow"
done
echo "   /healthz while the table is locked: a $(wm_healthz a), b $(wm_healthz b)"
wait "$PG_LOCK_PID" || { echo "FAIL: the lock holder failed: $(cat "$T/pg/lock.err")"; fail=1; }
sleep 1 # whatever was queued behind the lock runs now
slow_after=$(mark_of "${KEYS[2]}" preattestation)
if [ "$slow_after" != "$slow_before" ]; then
	echo "FAIL: database slow: the refused request's mark advanced once the lock went:" \
		"$slow_before -> $slow_after"; fail=1
else
	echo "ok: database slow: no mark advanced for the refused requests ($slow_after)"
fi
# Other bytes at the refused (level, round): signed, since nothing holds it.
recovers a "${KEYS[2]}" preattestation 4000 0 305 "lock released"
echo "   ($(secs))"

# 2d. The database hung (every process stopped): connections are taken
# by the kernel, statements sent, nothing answers.
was=$(mark_of "${KEYS[3]}" block)
pg_freeze "$T/pg"
for n in a b; do
	refused_within 4000 "$n" "${KEYS[3]}" block 5000 0 "40$n" "database hung"
done
healthz a 503 "database hung"
pg_thaw "$T/pg"
sleep 1
now=$(mark_of "${KEYS[3]}" block)
# A statement the server had taken before it hung runs on once it wakes:
# the refused request's mark may then be committed after its 503. Safe
# (nothing was signed; the same bytes again get the same signature, other
# bytes a 409), and the store says so (store.c); noted, not failed.
[ "$now" = "$was" ] ||
	echo "NOTE: database hung: a refused request's mark was committed once the server woke: $was -> $now"
recovers a "${KEYS[3]}" block 5001 0 405 "database woke"
recovers b "${KEYS[3]}" block 5002 0 406 "database woke"
echo "   ($(secs))"

after=$(signed_count)
# Signed since 2a: exactly the seven recoveries.
if [ $((after - before)) != 7 ]; then
	echo "FAIL: $((after - before)) signatures during the faults, want the 7 recoveries"; fail=1
fi
sleep 0.3
wm_check audit "$T/a/sigild.log" "$T/b/sigild.log" || fail=1

for n in a b; do
	kill -0 "${WM_PID[$n]}" 2>/dev/null && { wm_stop "$n" || fail=1; }
	wm_sanitizer_clean "$T/$n/sigild.log" || fail=1
done

# ---- 3. the verdicts can fail ----
# A signed audit line again with one payload byte changed: a double sign.
line=$(grep -m1 'decision=signed' "$T/a/sigild.log")
forged=$(python3 -c 'import sys; l = sys.argv[1]; print(l[:-1] + ("1" if l[-1] == "0" else "0"))' "$line")
{ cat "$T/b/sigild.log"; echo "$forged"; } >"$T/doctored.log"
if wm_check audit "$T/a/sigild.log" "$T/doctored.log" >"$T/self.out"; then
	echo "FAIL: self-check: a forged second payload passed the audit verdict"; fail=1
else
	grep -q 'DOUBLE SIGN' "$T/self.out" && echo "ok: self-check: the audit verdict catches a second payload"
fi
# A 200 the audit logs never saw (at a level no race used).
awk 'NR == 1 { $3 = 999999 } 1' "$T/acks.log" >"$T/acks.doctored"
if wm_check audit --acks "$T/acks.doctored" --acks-in-audit "$T/a/sigild.log" "$T/b/sigild.log" \
	>"$T/self.out"; then
	echo "FAIL: self-check: a signature in no audit line passed"; fail=1
else
	echo "ok: self-check: a client signature in no audit line fails"
fi

if [ "$fail" = 0 ]; then
	echo "PASS: test_wm_pg ($(secs))"
else
	echo "FAIL: test_wm_pg ($(secs); sigild logs: $T/a/sigild.log $T/b/sigild.log)"
	exit 1
fi
