# Sourced after lib.sh by the tests that run sigil-enclave: a software TPM
# and the key holder, each started by the test, on loopback or a socket in
# the test's own directory, and killed with it (PIDS).
ENCLAVE="$SIGIL_BIN_DIR/sigil-enclave"

# wait_port PORT: until something accepts on 127.0.0.1:PORT (5 s).
wait_port() {
	for _ in $(seq 1 100); do
		if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',int(sys.argv[1])),0.2)" "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "nothing listens on port $1"; return 1
}

# tpm_start DIR: a swtpm with its state in DIR; sets TPM_PID and TCTI.
tpm_start() {
	local dir=$1 port ctrl
	command -v swtpm >/dev/null || { echo "swtpm is not installed (scripts/deps.sh --test)"; return 1; }
	mkdir -p "$dir"
	# The swtpm TCTI finds the control channel on the next port.
	for _ in $(seq 1 50); do
		port=$(free_port)
		ctrl=$((port + 1))
		python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',int(sys.argv[1])))" "$ctrl" 2>/dev/null && break
	done
	swtpm socket --tpm2 --tpmstate dir="$dir" \
		--server type=tcp,port="$port",bindaddr=127.0.0.1 \
		--ctrl type=tcp,port="$ctrl",bindaddr=127.0.0.1 \
		--flags not-need-init,startup-clear >>"$T/swtpm.log" 2>&1 &
	TPM_PID=$!
	PIDS+=("$TPM_PID")
	wait_port "$port"
	TCTI="swtpm:host=127.0.0.1,port=$port"
}

# enclave_start LOG ARGS...: starts sigil-enclave with ARGS (which name its
# socket with --socket or its port with --listen) and waits until it
# answers; sets ENC_PID. Started as root, it drops to nobody, who must be
# able to reach its state directory through the test's own.
enclave_start() {
	local log=$1
	shift
	[ "$(id -u)" != 0 ] || chmod 711 "$T"
	# SIGIL_ENCLAVE_ARGS: more options for every holder (a ThreadSanitizer
	# run gives --no-seccomp: its runtime opens files the filter forbids).
	# shellcheck disable=SC2086
	"$ENCLAVE" "$@" ${SIGIL_ENCLAVE_ARGS:-} >>"$log" 2>&1 &
	ENC_PID=$!
	PIDS+=("$ENC_PID")
	for _ in $(seq 1 200); do
		if grep -q "sigil-enclave listening" "$log" 2>/dev/null; then return 0; fi
		if ! kill -0 "$ENC_PID" 2>/dev/null; then echo "sigil-enclave exited early:"; cat "$log"; return 1; fi
		sleep 0.05
	done
	echo "sigil-enclave did not start:"; cat "$log"; return 1
}

# healthz UTIL: the HTTP status of /healthz.
healthz() {
	curl -s -o /dev/null -w '%{http_code}' "http://$1/healthz" || true
}

# wait_healthz UTIL STATUS: until /healthz answers STATUS (10 s).
wait_healthz() {
	for _ in $(seq 1 200); do
		[ "$(healthz "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	echo "/healthz never answered $2 (last: $(healthz "$1"))"; return 1
}
