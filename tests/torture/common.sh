# Sourced by tests/torture/run.sh and race.sh: a temp dir with four keys
# (tz1, tz2, tz3, tz1) in a file vault, a config with file watermarks on
# free ports, and helpers to start and kill sigild. Needs TT_BIN: the build
# directory holding sigil, sigild and torture_client.
#
# TT_VAULT_YAML and TT_KEYS (optional, both or neither): keys the caller
# already has in another vault (a PKCS#11 token, say) instead of the file
# vault's. TT_VAULT_YAML is a file holding a `vaults:` section, copied into
# the config as it is; TT_KEYS four of its addresses, tz1 tz2 tz3 tz1 in
# that order. Whatever the vault reads from the environment (PKCS11_PIN)
# the caller exports.
set -euo pipefail
: "${TT_BIN:?}"
SIGIL="$TT_BIN/sigil"
SIGILD="$TT_BIN/sigild"
TC="$TT_BIN/torture_client"
for b in "$SIGIL" "$SIGILD" "$TC"; do
	[ -x "$b" ] || { echo "torture: $b is missing (build it first)"; exit 2; }
done
# The server's threads are detached: ASan's leak check cannot follow them.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
export SIGIL_PASSPHRASE="torture test passphrase"

T=$(mktemp -d /tmp/sigil-torture.XXXXXX)
TT_PIDS=()
TT_KEEP=0 # set to 1 to keep $T (on failure)
tt_cleanup() {
	local p
	for p in "${TT_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${TT_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "$TT_KEEP" = 1 ]; then echo "torture: kept $T"; else rm -rf "$T"; fi
}
trap tt_cleanup EXIT

# tt_wait PID: reaps a child we started and forgets it, so that the cleanup
# never signals a process id the system may have handed to someone else.
# Sets TT_RC to its exit status.
tt_wait() {
	local p n=()
	TT_RC=0
	wait "$1" 2>/dev/null || TT_RC=$?
	for p in "${TT_PIDS[@]}"; do [ "$p" = "$1" ] || n+=("$p"); done
	TT_PIDS=("${n[@]}")
}

# A free TCP port on 127.0.0.1, never the well-known signer ports.
tt_free_port() {
	local p
	for _ in 1 2 3 4 5 6 7 8; do
		p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
		if [ "$p" != 6732 ] && [ "$p" != 9583 ]; then echo "$p"; return 0; fi
	done
	return 1
}

API=$(tt_free_port)
UTIL=$(tt_free_port)
while [ "$UTIL" = "$API" ]; do UTIL=$(tt_free_port); done
mkdir -p "$T/var"
printf 'base_dir: %s/var\n' "$T" > "$T/boot.yaml"
KEYS=()
if [ -n "${TT_KEYS:-}${TT_VAULT_YAML:-}" ]; then
	[ -n "${TT_KEYS:-}" ] && [ -r "${TT_VAULT_YAML:-}" ] ||
		{ echo "torture: TT_KEYS and TT_VAULT_YAML (a readable file) go together"; exit 2; }
	read -r -a KEYS <<<"$TT_KEYS"
	[[ "${KEYS[*]}" =~ ^tz1[^\ ]+\ tz2[^\ ]+\ tz3[^\ ]+\ tz1[^\ ]+$ ]] ||
		{ echo "torture: TT_KEYS is not four addresses, tz1 tz2 tz3 tz1: $TT_KEYS"; exit 2; }
else
	for t in ed25519 secp256k1 p256 ed25519; do
		KEYS+=("$("$SIGIL" -c "$T/boot.yaml" generate "$t" --name "k${#KEYS[@]}" 2>/dev/null | awk '{print $1}')")
	done
fi
{
	printf 'base_dir: %s/var\n' "$T"
	printf 'log:\n  level: info\n'
	printf 'server:\n  address: 127.0.0.1:%s\n  utility_address: 127.0.0.1:%s\n' "$API" "$UTIL"
	if [ -n "${TT_VAULT_YAML:-}" ]; then cat "$TT_VAULT_YAML"; fi
	printf 'watermark:\n  driver: file\n  dir: watermarks\n'
	printf 'tezos:\n'
	for k in "${KEYS[@]}"; do
		printf '  %s:\n    allow: {block: , preattestation: , attestation: }\n' "$k"
	done
} > "$T/sigil.yaml"
for k in "${KEYS[@]}"; do
	case "$k" in tz[123]*) ;; *) echo "torture: key generation failed: $k"; exit 2;; esac
done
"$SIGIL" -c "$T/sigil.yaml" watermark init >/dev/null

# tt_spawn LOG: starts sigild in the background (SPID), output to LOG. LOG
# is emptied first, here: the background shell would empty it only once it
# runs, and until then tt_ready could find the "ready" line of the sigild
# that used LOG two rounds ago, and send a SIGHUP to a sigild that has not
# yet blocked it (seen once in about 30 runs: status 129, an empty log).
tt_spawn() {
	: >"$1"
	"$SIGILD" -c "$T/sigil.yaml" >>"$1" 2>&1 &
	SPID=$!
	TT_PIDS+=("$SPID")
}

# tt_ready LOG: waits (up to 20 s) for sigild to say it serves.
tt_ready() {
	local i
	for ((i = 0; i < 2000; i++)); do
		grep -q "sigild ready" "$1" 2>/dev/null && return 0
		if ! kill -0 "$SPID" 2>/dev/null; then
			echo "torture: sigild exited during start-up:"; tail -20 "$1"; return 1
		fi
		sleep 0.01
	done
	echo "torture: sigild did not become ready:"; tail -20 "$1"; return 1
}

# tt_kill9 LOG: kill -9 sigild; fails if it had already died by itself.
tt_kill9() {
	if ! kill -0 "$SPID" 2>/dev/null; then
		tt_wait "$SPID"
		echo "torture: sigild died by itself (status $TT_RC) before the kill:"; tail -30 "$1"
		return 1
	fi
	# (stderr off: bash would print a "Killed" job notice for it)
	{ kill -9 "$SPID"; tt_wait "$SPID"; } 2>/dev/null
	if [ "$TT_RC" != 137 ]; then
		echo "torture: sigild ended with status $TT_RC, not by the kill:"; tail -30 "$1"
		return 1
	fi
}

# tt_stop LOG: SIGTERM, which must end sigild cleanly within 30 s.
tt_stop() {
	local i
	kill -TERM "$SPID"
	for ((i = 0; i < 300; i++)); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$SPID" 2>/dev/null && kill -9 "$SPID"
	tt_wait "$SPID"
	if [ "$TT_RC" != 0 ]; then
		echo "torture: sigild exited with status $TT_RC on SIGTERM:"; tail -30 "$1"; return 1
	fi
}

# tt_sanitizer_clean LOG: no sanitizer report in a sigild log.
tt_sanitizer_clean() {
	if grep -q -E 'ERROR: (Address|UndefinedBehavior|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$1"; then
		echo "torture: sanitizer report in $1:"; grep -A40 -E 'Sanitizer|runtime error:' "$1" | head -80
		return 1
	fi
}
