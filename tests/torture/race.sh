#!/usr/bin/env bash
# The race test: for several keys (tz1, tz2, tz3), kinds and (level, round),
# CONNS keep-alive connections send REQS requests each, all at once, every
# one with different bytes for the same key, kind, level and round: exactly
# one may be signed, all the others refused with 409. The first race of each
# (key, kind) also races the creation of its watermark record.
#
# usage: TT_BIN=build-dir tests/torture/race.sh [CONNS [REQS]]   (200 x 50)
#   TT_VAULT_YAML, TT_KEYS   race keys held by another vault, e.g. a PKCS#11
#                token, instead of the file vault's (see common.sh)
set -euo pipefail
source "$(dirname "$0")/common.sh"

CONNS=${1:-200}
REQS=${2:-50}
TT_KEEP=1
fail=0

tt_spawn "$T/sigild.log"
tt_ready "$T/sigild.log"

# key index, kind, level, round
RACES=(
	"0 attestation 1000 0"     # tz1, new record
	"0 attestation 1000 1"     # tz1, one round up
	"0 attestation 1001 0"     # tz1, next level
	"1 attestation 1000 0"     # tz2, new record
	"1 preattestation 52 2"    # tz2
	"2 block 1000 0"           # tz3, new record
	"2 block 1000 3"           # tz3
	"3 preattestation 7 0"     # second tz1
)
for spec in "${RACES[@]}"; do
	read -r ki kind level round <<<"$spec"
	"$TC" race --port "$API" --key "${KEYS[$ki]}" --kind "$kind" --level "$level" \
		--round "$round" --conns "$CONNS" --reqs "$REQS" --log "$T/acks.log" || fail=1
	if ! kill -0 "$SPID" 2>/dev/null; then
		echo "race: sigild died"; tail -30 "$T/sigild.log"; fail=1; break
	fi
done
if kill -0 "$SPID" 2>/dev/null; then
	tt_stop "$T/sigild.log" || fail=1
fi
tt_sanitizer_clean "$T/sigild.log" || fail=1
"$TC" scan "$T/acks.log" || fail=1
# What sigild itself says it signed, answers lost or not: per (key, kind,
# level, round), the winner and its one re-sign after the race, no more.
if ! awk '/decision=signed/ {
		k = ""
		for (i = 1; i <= NF; i++)
			if ($i ~ /^(key|kind|level|round)=/) k = k " " $i
		if (++n[k] > 2) { print "race: sigild signed more than once for" k; bad = 1 }
	}
	END { exit bad }' "$T/sigild.log"; then
	fail=1
fi
if [ "$fail" = 0 ]; then
	TT_KEEP=0
	echo "race: PASS"
else
	echo "race: FAIL (logs in $T)"
	exit 1
fi
