# Sourced by the PostgreSQL watermark tests (test_wm_pg*.sh) after lib.sh
# and pg.sh: several sigild instances, each with its own base_dir and file
# vault holding the same four keys (tz1 tz2 tz3 tz1, as the torture
# harness's), all with their watermarks in one database.
#
#   wm_keys                   makes the keys (KEYS), once
#   wm_instance NAME CONNINFO [TIMEOUT_MS]
#                             $T/NAME: base_dir, config (WM_CFG[NAME]), ports
#                             (WM_API[NAME], WM_UTIL[NAME]); its database
#                             sessions carry application_name=sigild-NAME
#   wm_start NAME             starts it, returns once /healthz answers 200
#   wm_pair CONNINFO TIMEOUT_MS
#                             instances a and b on one database, its schema
#                             made (sigil watermark init), both started
#   wm_kill9 NAME, wm_stop NAME
#   wm_timeout NAME MS        server.backend_timeout_ms := MS, by a reload
#                             (SIGHUP), returns once sigild says it reloaded
#   wm_once NAME KEY KIND LEVEL ROUND PID
#                             one request; sets WM_ST (status, 0: no answer)
#                             and WM_BODY
#   wm_healthz NAME           prints /healthz's status
#   wm_marks DIR FILE         the rows of sigil_watermarks (psql) into FILE
#   wm_check ARGS...          tests/integration/wm_pg_check.py
#   secs                      the time since this file was sourced, "1.234 s"
: "${T:?source lib.sh first}"
declare -F pg_psql >/dev/null || { echo "wm_pg_lib.sh: source pg.sh first" >&2; return 1; }
TC="$SIGIL_BIN_DIR/torture_client"
[ -x "$TC" ] || { echo "no $TC: build the torture_client target"; exit 1; }
export SIGIL_PASSPHRASE="watermark pg test passphrase"
declare -A WM_CFG WM_API WM_UTIL WM_PID
KEYS=()
WM_T0=$(date +%s%N)

secs() {
	local ms=$((($(date +%s%N) - WM_T0) / 1000000))
	printf '%d.%03d s' $((ms / 1000)) $((ms % 1000))
}

wm_check() {
	python3 "$SIGIL_SOURCE_DIR/tests/integration/wm_pg_check.py" "$@"
}

wm_keys() {
	local t
	mkdir -p "$T/keys"
	printf 'base_dir: %s/keys\n' "$T" >"$T/keys/boot.yaml"
	for t in ed25519 secp256k1 p256 ed25519; do
		KEYS+=("$("$SIGIL" -c "$T/keys/boot.yaml" generate "$t" --name "k${#KEYS[@]}" \
			2>/dev/null | awk '{print $1}')")
	done
	[[ "${KEYS[*]}" =~ ^tz1[^\ ]+\ tz2[^\ ]+\ tz3[^\ ]+\ tz1[^\ ]+$ ]] ||
		{ echo "key generation failed: ${KEYS[*]}"; return 1; }
}

# log_payloads: the audit lines then carry the bytes signed, so that the
# logs of all instances can be checked for two payloads at one slot.
wm_instance() {
	local name=$1 conninfo=$2 timeout=${3:-5000} d=$T/$1 k
	mkdir -p "$d/var"
	cp "$T/keys/keys.json" "$d/var/keys.json"
	{
		server_yaml "$d/var"
		printf '  backend_timeout_ms: %s\n' "$timeout"
		printf 'log:\n  level: info\n'
		printf 'watermark:\n  driver: postgres\n'
		printf '  conninfo: "%s application_name=sigild-%s"\n' "$conninfo" "$name"
		printf 'tezos:\n'
		for k in "${KEYS[@]}"; do
			printf '  %s:\n    log_payloads: true\n' "$k"
			printf '    allow: {block: , preattestation: , attestation: }\n'
		done
	} >"$d/sigil.yaml"
	WM_CFG[$name]=$d/sigil.yaml
	WM_API[$name]=$API
	WM_UTIL[$name]=$UTIL
}

wm_healthz() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:${WM_UTIL[$1]}/healthz" ||
		true
}

# _wm_forget PID: reaped, so lib.sh's cleanup never kills a pid the system
# has given to another process since.
_wm_forget() {
	local p n=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || n+=("$p"); done
	PIDS=("${n[@]}")
}

wm_start() {
	local name=$1 log=$T/$1/sigild.log i
	"$SIGILD" -c "${WM_CFG[$name]}" >>"$log" 2>&1 &
	WM_PID[$name]=$!
	PIDS+=("${WM_PID[$name]}")
	for ((i = 0; i < 600; i++)); do
		[ "$(wm_healthz "$name")" = 200 ] && return 0
		if ! kill -0 "${WM_PID[$name]}" 2>/dev/null; then
			echo "sigild $name exited early:"; tail -20 "$log"; return 1
		fi
		sleep 0.05
	done
	echo "sigild $name did not become ready:"; tail -20 "$log"; return 1
}

wm_pair() {
	wm_instance a "$1" "$2"
	wm_instance b "$1" "$2"
	"$SIGIL" -c "${WM_CFG[a]}" watermark init >"$T/init.log" 2>&1 ||
		{ cat "$T/init.log"; echo "FAIL: watermark init"; exit 1; }
	wm_start a
	wm_start b
}

wm_kill9() {
	local rc=0
	{ kill -9 "${WM_PID[$1]}"; wait "${WM_PID[$1]}" || rc=$?; } 2>/dev/null
	_wm_forget "${WM_PID[$1]}"
	[ "$rc" = 137 ] || { echo "sigild $1 ended with $rc, not by the kill:"; tail -20 "$T/$1/sigild.log"; return 1; }
}

wm_stop() {
	local rc=0
	kill -TERM "${WM_PID[$1]}"
	wait "${WM_PID[$1]}" || rc=$?
	_wm_forget "${WM_PID[$1]}"
	[ "$rc" = 0 ] || { echo "sigild $1 exited with $rc on SIGTERM:"; tail -20 "$T/$1/sigild.log"; return 1; }
}

wm_timeout() {
	local name=$1 log=$T/$1/sigild.log n i
	sed -i "s/^  backend_timeout_ms: .*/  backend_timeout_ms: $2/" "${WM_CFG[$name]}"
	n=$(grep -c 'reloaded' "$log" || true)
	kill -HUP "${WM_PID[$name]}"
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c 'reloaded' "$log" || true)" -gt "$n" ] && return 0
		sleep 0.05
	done
	echo "sigild $name did not reload:"; tail -5 "$log"; return 1
}

wm_once() {
	local out
	out=$("$TC" once --port "${WM_API[$1]}" --key "$2" --kind "$3" --level "$4" --round "$5" \
		--pid "$6") || { echo "FAIL: once: $out"; return 1; }
	WM_ST=${out%% *}
	WM_BODY=${out#* }
}

wm_marks() {
	pg_psql "$1" -tA -F $'\t' -c "SELECT encode(chain, 'hex'), encode(key, 'hex'), kind, level,
		round FROM sigil_watermarks WHERE level IS NOT NULL ORDER BY 1, 2, 3" >"$2"
}

# wm_sanitizer_clean LOG: no sanitizer report in a sigild log.
wm_sanitizer_clean() {
	if grep -q -E 'ERROR: (Address|UndefinedBehavior|Leak)Sanitizer|runtime error:' "$1"; then
		echo "FAIL: sanitizer report in $1:"; grep -A30 -E 'Sanitizer|runtime error:' "$1" | head -60
		return 1
	fi
}
