#!/usr/bin/env bash
# Slow and greedy clients must not take the API down (README, "Limits"):
# - slowloris: 1,100 connections that trickle a header line every 2 s from
#   11 loopback addresses (127.0.0.2-12, standing in for clients elsewhere);
#   meanwhile GET /keys/… from 127.0.0.1 is answered within 2 s, every time;
#   the trickling connections are closed at the head deadline, and so are
#   some that trickle their request line;
# - bodies: 300 connections that announce a large body and send half of it
#   leave sigild's RSS within a bound the limits imply (below), and requests
#   are answered meanwhile;
# - a body over max_body_bytes gets 413 and is never kept, one that would
#   take the bodies kept over max_buffered_bytes gets 503, and a body to an
#   unknown URL or method is not kept either.
# The attackers are one python3 process each (slow_clients.py), every one
# bounded in time; the EXIT trap (lib.sh) kills whatever is left.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="slow clients test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
ATTACK="$SIGIL_SOURCE_DIR/tests/integration/slow_clients.py"
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
A=$("$SIGIL" -c "$T/boot.yaml" generate tz1 | cut -d' ' -f1)
TX='"038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00"'

{
server_yaml "$T/var"
cat <<YAML
tezos:
  $A:
    allow: {generic: [transaction]}
YAML
} > "$T/sigil.yaml"
# The limits come from the environment (the overrides are part of what is
# tested); header_timeout_seconds (5) and max_body_bytes (128 KiB) keep
# their defaults. 512 connections, 64 per address: the 11 attacking
# addresses could hold 704, the per-address limit alone would let them
# take every slot, so the slots kept for 127.0.0.1 are what the probes use.
export SIGIL_SERVER__MAX_CONNECTIONS=512
export SIGIL_SERVER__MAX_CONNECTIONS_PER_IP=64
BUFFERED=$((8 << 20))
export SIGIL_SERVER__MAX_BUFFERED_BYTES=$BUFFERED
start_sigild "$T/sigil.yaml" "$T/sigild.log"

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$SIGILD_PID/status"; }
# probe WHAT: GET /keys/A from 127.0.0.1 must be answered (200) within 2 s.
probe() {
	local out
	out=$(curl -s -o /dev/null -m 2 -w '%{http_code} %{time_total}' \
		"http://127.0.0.1:$API/keys/$A" || true)
	echo "probe ($1): $out"
	[ "${out%% *}" = 200 ] || fail "probe during $1 not answered within 2 s: ${out:-nothing}"
}
# attack NAME ARGS...: starts an attacker in the background (killed on exit).
attack() {
	local name=$1
	shift
	python3 "$ATTACK" "$@" --port "$API" >"$T/$name.json" 2>"$T/$name.err" &
	ATTACKER=$!
	PIDS+=("$ATTACKER")
}
finish() { # finish NAME: waits for the attacker, prints its report
	wait "$ATTACKER" || { cat "$T/$1.err"; fail "attacker $1 failed"; }
	echo "$1: $(cat "$T/$1.json")"
}
probe "start"

# --- slowloris ----------------------------------------------------------
# Besides, 20 connections from 127.0.0.13 trickle their request line itself.
attack slowloris slowloris --sources 2-12 --per-source 100 --interval 2 --duration 19 \
	--line-source 13 --line-count 20
sleep 4 # the attacker has opened its connections
for i in 1 2 3 4 5 6; do
	probe "slowloris $i"
	sleep 2
done
finish slowloris
# The head deadline closed the trickling connections: none lived much past
# header_timeout_seconds (5 s; the sweep runs every 250 ms; slack for ASan
# and the other tests that ctest runs alongside).
life=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lifetime_max_s"] or 99)' \
	"$T/slowloris.json")
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 9 else 1)' "$life" ||
	fail "a trickling connection lived ${life}s (head deadline 5 s)"
# A request line is due within timeout_seconds + header_timeout_seconds
# (15 s) of the connection's start: all 20 were held, then closed.
python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
sys.exit(0 if j["line_closed"] == 20 and 10 <= j["line_lifetime_median_s"] and
         j["line_lifetime_max_s"] <= 18 else 1)' "$T/slowloris.json" ||
	fail "request-line tricklers not closed 15 s after they connected"
grep -q "request head" "$T/sigild.log" || fail "no warning about slow request heads"
grep -q "refused" "$T/sigild.log" || fail "no warning about refused connections"

# --- bodies ---------------------------------------------------------------
# What the limits imply: a body over max_body_bytes (128 KiB) is refused from
# its Content-Length and only drained, never kept; the bodies kept stay
# under max_buffered_bytes (8 MiB here); so 300 connections cost sigild at
# most that plus their connection memory (8 KiB of libmicrohttpd's each, a
# few more under ASan): 8 MiB + 24 MiB of margin. Before these limits, each
# of them kept what it sent, in a buffer that doubled as it grew (RSS went
# up by 270 MB in the first case below).
BOUND_KB=$(( (BUFFERED >> 10) + 24 * 1024 ))
base=$(rss_kb)
body_attack() { # body_attack NAME ANNOUNCE SEND
	rm -f "$T/$1.ready"
	attack "$1" body --sources 2-6 --count 300 --announce "$2" --send "$3" \
		--path "/keys/$A" --ready "$T/$1.ready" --duration 8
	for _ in $(seq 1 100); do [ -e "$T/$1.ready" ] && break; sleep 0.1; done
	[ -e "$T/$1.ready" ] || fail "$1: the attacker did not send its bodies within 10 s"
	sleep 0.5
	local rss
	rss=$(rss_kb)
	echo "$1: RSS ${base} kB before, ${rss} kB with 300 connections (bound +${BOUND_KB} kB)"
	[ $((rss - base)) -le "$BOUND_KB" ] || fail "$1: RSS grew by $((rss - base)) kB"
}
# 1 MiB announced, half sent: refused, drained (413 once all of it is in).
body_attack big $((1 << 20)) $((1 << 19))
probe "big bodies"
finish big
grep -Eq '"statuses": \{("(none|413)": [0-9]+(, )?)+\}' "$T/big.json" ||
	fail "bodies over max_body_bytes were answered otherwise than 413"

# 120 KiB announced (under max_body_bytes), half sent: the first 8 MiB are
# kept, the rest refused with 503 (once drained).
body_attack within $((120 << 10)) $((60 << 10))
probe "bodies within the ceiling"
out=$(python3 "$ATTACK" one --port "$API" --path "/keys/$A" --announce $((100 << 10)) \
	--send $((100 << 10)))
echo "another 100 KiB body: $out"
[ "${out%% *}" = 503 ] || fail "a body over max_buffered_bytes: $out"
grep -q '"id":"failure","kind":"temporary","msg":"' <<<"$out" || fail "503 body: $out"
out=$(python3 "$ATTACK" one --port "$API" --path "/keys/$A" --chunked $((100 << 10)))
echo "another 100 KiB body, chunked: $out"
[ "${out%% *}" = 503 ] || fail "a chunked body over max_buffered_bytes: $out"
# Small bodies (consensus requests, transactions) are not held up by it.
sig=$(curl -s -m 2 -X POST --data "$TX" "http://127.0.0.1:$API/keys/$A" || true)
grep -q '"signature":"edsig' <<<"$sig" || fail "sign during the body attack: $sig"
finish within
if grep -q '"200"' "$T/within.json"; then fail "a half-sent body was answered 200"; fi

# --- ceilings, checked before any body is kept -----------------------------
out=$(python3 "$ATTACK" one --port "$API" --path "/keys/$A" --announce $(( (128 << 10) + 1 )) \
	--send $(( (128 << 10) + 1 )))
echo "a body of 128 KiB + 1: $out"
[ "${out%% *}" = 413 ] || fail "a body over max_body_bytes: $out"
grep -q '"kind":"temporary"' <<<"$out" || fail "413 body: $out"
# Past what is worth draining, the 413 goes at once.
out=$(python3 "$ATTACK" one --port "$API" --path "/keys/$A" --announce $((32 << 20)))
[ "${out%% *}" = 413 ] || fail "32 MiB announced: $out"
out=$(python3 "$ATTACK" one --port "$API" --path "/nowhere" --announce 1000 --send 1000)
[ "${out%% *}" = 404 ] || fail "an unknown URL with a body: $out"
out=$(python3 "$ATTACK" one --port "$API" --method PUT --path "/keys/$A" --announce 10 --send 10)
[ "${out%% *}" = 405 ] || fail "PUT with a body: $out"
out=$(python3 "$ATTACK" one --port "$API" --method GET --path "/keys/$A" --announce 10 --send 10)
[ "${out%% *}" = 413 ] || fail "GET with a body: $out"
probe "end"

stop_sigild
if grep -q "ERROR: AddressSanitizer" "$T/sigild.log"; then cat "$T/sigild.log"; fail "ASan"; fi
echo "integration: slow clients ok"
