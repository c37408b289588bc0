#!/usr/bin/env bash
# Every connection ready at once: each HTTP thread finds all of its
# connections with a request waiting and nothing else coming until it
# answers (burst.py stops sigild, sends on every connection, lets it go).
# libmicrohttpd 0.9.75 reads epoll events 128 at a time and, after a full
# 128, waited again for the whole timeout before answering them: with
# max_connections at 128 per CPU (two threads of 128 here) a burst sat 10 s
# and its connections were then closed as idle. sigild gives each thread
# at most API_CONNS_PER_THREAD (120) connections, so every request of the
# burst must be answered, none closed.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="burst test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
"$SIGIL" -c "$T/boot.yaml" generate tz1 >/dev/null
server_yaml "$T/var" > "$T/sigil.yaml"
CONNS=$((128 * $(nproc)))
export SIGIL_SERVER__MAX_CONNECTIONS=$CONNS
start_sigild "$T/sigil.yaml" "$T/sigild.log"
for round in 1 2 3; do
	out=$(python3 "$SIGIL_SOURCE_DIR/tests/integration/burst.py" --port "$API" \
		--pid "$SIGILD_PID" --conns "$CONNS") || fail "burst $round: $out"
	echo "burst $round: $out"
done
kill -0 "$SIGILD_PID" || fail "sigild died"
stop_sigild
echo "integration: burst ok"
