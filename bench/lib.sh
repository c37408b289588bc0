# shellcheck shell=bash
# Shared by scripts/bench.sh and bench/profile.sh: the temp dir, process
# bookkeeping, configs, starting sigild and running the tools. The caller sets
# B (build dir), WARM and DUR (seconds) and SIGIL_PASSPHRASE.
T=$(mktemp -d "$(cd "$B" && pwd)/bench-run.XXXXXX")
PIDS=()
DIRS=() # removed on exit too (enclave_dir)
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$T" "${DIRS[@]}"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Results: R[name]=value, filled from the tools' "name value" lines.
declare -A R
collect() { # collect PREFIX < lines
	local k v
	while read -r k v; do R["$1$k"]=$v; done
}
run_tool() { # run_tool PREFIX cmd… (stderr goes to the log)
	local prefix=$1 out
	shift
	if ! out=$("$@" 2>>"$T/tools.log"); then
		echo "bench: $* failed:"; tail -5 "$T/tools.log"; exit 1
	fi
	collect "$prefix" <<<"$out"
}
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }

# stop PID: SIGTERM, wait (bounded), then SIGKILL.
stop() {
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 1 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	kill -9 "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

rss_mb() { awk '/^VmRSS:/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/^VmHWM:/{printf "%.1f", $2/1024}' "/proc/$1/status"; }

# write_config DIR API UTIL ALLOW ADDRFILE [VAULTS]: VAULTS, YAML lines
# of more vaults (enclave_vault), after the file vault "main".
write_config() {
	local dir=$1 api=$2 util=$3 allow=$4 addrs=$5 more=${6:-}
	{
		echo "base_dir: $dir"
		echo "server:"
		echo "  address: 127.0.0.1:$api"
		echo "  utility_address: 127.0.0.1:$util"
		echo "vaults:"
		echo "  main:"
		echo "    driver: file"
		echo "    config:"
		echo "      path: keys.json"
		[ -z "$more" ] || echo "$more"
		echo "watermark:"
		echo "  driver: file"
		echo "  dir: watermarks"
		echo "tezos:"
		while read -r a; do
			echo "  $a:"
			echo "    allow: $allow"
		done <"$addrs"
	} >"$dir/sigil.yaml"
	"$B/sigil" -c "$dir/sigil.yaml" watermark init >/dev/null
}

# start_sigild DIR UTIL: in the background, until /healthz answers.
start_sigild() {
	"$B/sigild" -c "$1/sigil.yaml" >>"$1/sigild.log" 2>&1 &
	SIGILD_PID=$!
	PIDS+=("$SIGILD_PID")
	if ! "$B/bench_startup" -W -u "$2" -t 60; then
		echo "bench: sigild did not start:"; tail -20 "$1/sigild.log"; exit 1
	fi
}

# load PREFIX PORT KEYFILE MODE CONNS [extra…]: one bench_load run, its
# figures in R[PREFIX…]. With LOAD_PID set, also R[PREFIXcpu_us]: CPU time
# (user + system) that process spent per request sent; with LOAD_PID2 set
# (a key holder), R[PREFIXcpu2_us], the same for that process.
load() {
	local prefix=$1 port=$2 keys=$3 mode=$4 conns=$5 c0=0 d0=0
	shift 5
	[ -n "${LOAD_PID:-}" ] && c0=$(cpu_ticks "$LOAD_PID")
	[ -n "${LOAD_PID2:-}" ] && d0=$(cpu_ticks "$LOAD_PID2")
	run_tool "$prefix" "$B/bench_load" -p "$port" -k "$keys" -m "$mode" -c "$conns" \
		-w "$WARM" -d "$DUR" "$@"
	if [ "${R[${prefix}errors]}" != 0 ]; then
		echo "bench: $prefix had ${R[${prefix}errors]} failed requests"; exit 1
	fi
	if [ -n "${LOAD_PID:-}" ]; then
		R[${prefix}cpu_us]=$(calc "($(cpu_ticks "$LOAD_PID") - $c0) * 1e6 / $CLK_TCK / ${R[${prefix}sent]}" 1)
	fi
	if [ -n "${LOAD_PID2:-}" ]; then
		R[${prefix}cpu2_us]=$(calc "($(cpu_ticks "$LOAD_PID2") - $d0) * 1e6 / $CLK_TCK / ${R[${prefix}sent]}" 1)
	fi
}

# median V…: the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# range V…: "min-max".
range() { printf '%s\n' "$@" | sort -g | awk 'NR==1{a=$1} {b=$1} END {print a "-" b}'; }

# cpu_ticks PID: user + system CPU time of a process so far, in clock ticks.
# CPU time per request is far less disturbed by other work on the machine
# than requests per second are.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

# ---- the key holder (sigil-enclave) ----------------------------------------
# enclave_dir: sets ENC_DIR, a directory for the holders' sockets and state.
# A holder started as root drops to nobody, who must reach its state
# directory: under $T when every directory above lets others through (the
# usual case; $T itself is made so), else a directory of its own under /tmp
# (a private temp dir above, as bench_compare.sh's), removed on exit too.
enclave_dir() {
	ENC_DIR=$T/enclave
	mkdir -p "$ENC_DIR"
	[ "$(id -u)" = 0 ] || return 0
	chmod 711 "$T"
	# A unix socket's path has 107 bytes at most.
	if [ ${#ENC_DIR} -gt 80 ] || ! runuser -u nobody -- test -x "$ENC_DIR" 2>/dev/null; then
		ENC_DIR=$(mktemp -d /tmp/sigil-bench-enclave.XXXXXX)
		DIRS+=("$ENC_DIR")
		chmod 711 "$ENC_DIR"
	fi
}

# start_holder LOG ARGS…: sigil-enclave with ARGS (--socket or --listen,
# --state-dir), as nobody when started as root; returns once it listens, its
# pid in HOLDER_PID.
start_holder() {
	local log=$1
	shift
	"$B/sigil-enclave" "$@" >>"$log" 2>&1 &
	HOLDER_PID=$!
	PIDS+=("$HOLDER_PID")
	for _ in $(seq 1 200); do
		grep -q "sigil-enclave listening" "$log" 2>/dev/null && return 0
		kill -0 "$HOLDER_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "bench: sigil-enclave did not start:"; tail -20 "$log"; exit 1
}

# enclave_vault NAME ENDPOINT CONNS: the YAML lines of an enclave vault
# (for write_config's VAULTS) whose holder is ENDPOINT: a socket path, or
# HOST:PORT. Its keys are stored in NAME_keys.json.
enclave_vault() {
	local name=$1 ep=$2 conns=$3
	echo "  $name:"
	echo "    driver: enclave"
	echo "    config:"
	if [ "${ep#/}" != "$ep" ]; then
		echo "      socket: $ep"
	else
		echo "      host: ${ep%:*}"
		echo "      port: ${ep##*:}"
	fi
	echo "      credentials: {provider: passphrase}"
	echo "      storage: {driver: file, config: ${name}_keys.json}"
	echo "      connections: $conns"
}

# ---- a PKCS#11 token (SoftHSM2) --------------------------------------------
# p11_vault NAME MODULE TOKEN [LABEL SESSIONS]: the YAML lines of a pkcs11
# vault (for write_config's VAULTS) on the token labelled TOKEN, with only
# the keys labelled LABEL and a pool of SESSIONS sessions when given. The
# PIN comes from PKCS11_PIN; verify_signatures stays at its default (on).
p11_vault() {
	local name=$1 module=$2 token=$3 label=${4:-} sessions=${5:-}
	echo "  $name:"
	echo "    driver: pkcs11"
	echo "    config:"
	echo "      library_path: $module"
	echo "      token_label: $token"
	[ -z "$label" ] || echo "      label: $label"
	[ -z "$sessions" ] || echo "      sessions: $sessions"
}
