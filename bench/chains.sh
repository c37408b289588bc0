# shellcheck shell=bash
# shellcheck disable=SC2154 # R is bench/lib.sh's associative array
# Section 8 of scripts/bench.sh: Ethereum transactions over the v1 API and
# Atto votes over the Atto signer's API, each beside a bare server doing
# only that chain's hash and primitive (bench_bare eth: keccak-256 +
# libsecp256k1's recoverable signer; bench_bare atto: blake2b-256 of the
# 76 vote bytes + Ed25519), as sections 2 and 3 put tz1 beside bench_bare.
# Sourced by scripts/bench.sh after bench/lib.sh; uses its B, T, CONNS,
# ROUNDS and CHAIN_SLICES, and sets R[eth_…] and R[atto_…].
#
# One sigild holds a secp256k1 and an ed25519 key in a file vault; one token
# (auth.tokens, its secret_sha256) has ethereum:* and atto:*. The secp256k1
# key is listed under ethereum: (transfers on chain 1), the ed25519 key under
# atto: (votes) and serves atto_api on a port of its own. Per round,
# CHAIN_SLICES one-second slices of each of the four loads at CONNS
# connections, alternating: Ethereum bare/sigild, then Atto bare/sigild in
# odd rounds, the reverse of all four in even ones. Each request is distinct
# (a transaction's nonce, a vote's block hash and timestamp) and carries the
# token, which the bare servers ignore. R[eth_ratio] and R[atto_ratio] are
# sigild's requests ÷ the bare server's in the same round (median round);
# CPU per request is each server's own (user + system, LOAD_PID).

# chains_pair WHO…: one slice of each load named (eth_bare eth_sigil
# atto_bare atto_sigil), CHAIN_SLICES times, summed into CX_OK[who],
# CX_SENT[who], CX_CPU[who] (µs × requests) and CX_P50[who] (a list).
chains_pair() {
	local i who port keys mode pid auth
	for i in $(seq 1 "$CHAIN_SLICES"); do
		for who in "$@"; do
			case $who in
			eth_bare) port=$CH_BARE_ETH_PORT keys=$ch/eth.addrs mode=eth pid=$CH_BARE_ETH_PID ;;
			eth_sigil) port=$CH_API keys=$ch/eth.addrs mode=eth pid=$SIGILD_PID ;;
			atto_bare) port=$CH_BARE_ATTO_PORT keys=$ch/bare_atto.pk mode=atto pid=$CH_BARE_ATTO_PID ;;
			atto_sigil) port=$CH_ATTO_PORT keys=$ch/atto.pk mode=atto pid=$SIGILD_PID ;;
			esac
			auth="Bearer $CH_TOKEN"; [ "$mode" = atto ] && auth=$CH_TOKEN
			WARM=0 DUR=1 LOAD_PID=$pid load cx_ "$port" "$keys" "$mode" "$CONNS" -a "$auth"
			CX_OK[$who]=$(( ${CX_OK[$who]:-0} + R[cx_ok] ))
			CX_SENT[$who]=$(( ${CX_SENT[$who]:-0} + R[cx_sent] ))
			CX_CPU[$who]=$(calc "${CX_CPU[$who]:-0} + ${R[cx_cpu_us]} * ${R[cx_sent]}" 1)
			CX_P50[$who]="${CX_P50[$who]:-} ${R[cx_p50_ms]}"
			CX_P99[$who]="${CX_P99[$who]:-} ${R[cx_p99_ms]}"
		done
	done
}

# start_bare MODE: bench_bare in MODE on a free port; its pid, port and
# Ed25519 public key in BARE_PID, BARE_PORT and BARE_PK.
start_bare() {
	"$B/bench_bare" 0 "$1" >"$T/bare_$1.out" 2>>"$T/tools.log" &
	BARE_PID=$!
	PIDS+=("$BARE_PID")
	for _ in $(seq 1 100); do grep -qs '^public_key' "$T/bare_$1.out" && break; sleep 0.02; done
	BARE_PORT=$(awk '/^port/{print $2}' "$T/bare_$1.out")
	BARE_PK=$(awk '/^public_key/{print $2}' "$T/bare_$1.out")
	if [ -z "$BARE_PORT" ] || [ -z "$BARE_PK" ]; then
		echo "bench: bare server ($1) did not start"; exit 1
	fi
}

# chains_setup: the keys, the config, sigild (SIGILD_PID) and both bare
# servers (CH_BARE_ETH_PID/PORT, CH_BARE_ATTO_PID/PORT) started; the load's
# key files in $ch.
chains_setup() {
	local a eth atto_addr atto_pk sha
	ch=$T/chains
	mkdir -p "$ch/watermarks"
	"$B/bench_mkvault" "$ch/keys.json" 2 secp256k1,ed25519 >/dev/null
	printf 'base_dir: %s\nvaults:\n  main:\n    driver: file\n    config:\n      path: keys.json\n' \
		"$ch" >"$ch/boot.yaml"
	eth=$("$B/sigil" --log-level warn -c "$ch/boot.yaml" list --chain ethereum 2>>"$T/tools.log" |
		awk -F'\t' '!done {print $1; done = 1}')
	read -r atto_addr atto_pk < <("$B/sigil" --log-level warn -c "$ch/boot.yaml" list --chain atto \
		2>>"$T/tools.log" | awk -F'\t' '$2=="ed25519" && !done {print $1, $3; done = 1}')
	if [ -z "$eth" ] || [ -z "$atto_pk" ]; then
		echo "bench: sigil list --chain failed:"; tail -5 "$T/tools.log"; exit 1
	fi
	echo "$eth" >"$ch/eth.addrs"
	# The load's transactions, checked by a decoder we did not write.
	if [ -d tests/js/node_modules/ethers ]; then
		"$B/bench_load" -x 200 -k "$ch/eth.addrs" -m eth | node bench/check_eth_payloads.mjs tests/js \
			>/dev/null || { echo "bench: invalid Ethereum payloads"; exit 1; }
	fi
	echo "$atto_pk" >"$ch/atto.pk"
	CH_TOKEN="bench-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	sha=$(printf '%s' "$CH_TOKEN" | sha256sum | cut -d' ' -f1)
	CH_API=$(free_port); CH_UTIL=$(free_port); CH_ATTO_PORT=$(free_port); a=$(free_port)
	cat >"$ch/sigil.yaml" <<-YAML
	base_dir: $ch
	server:
	  address: 127.0.0.1:$CH_API
	  utility_address: 127.0.0.1:$CH_UTIL
	vaults:
	  main:
	    driver: file
	    config:
	      path: keys.json
	watermark:
	  driver: file
	  dir: watermarks
	auth:
	  tokens:
	    bench:
	      secret_sha256: $sha
	      capabilities: ['ethereum:*', 'atto:*']
	ethereum:
	  $eth:
	    allow: {transaction: [transfer]}
	    allowed_chains: ['1']
	atto_api:
	  address: 127.0.0.1:$CH_ATTO_PORT
	  management_address: 127.0.0.1:$a
	  key: $atto_addr
	atto:
	  $atto_addr:
	    allow:
	      vote:
	YAML
	"$B/sigil" -c "$ch/sigil.yaml" watermark init >/dev/null
	start_sigild "$ch" "$CH_UTIL"
	start_bare eth; CH_BARE_ETH_PID=$BARE_PID CH_BARE_ETH_PORT=$BARE_PORT
	start_bare atto; CH_BARE_ATTO_PID=$BARE_PID CH_BARE_ATTO_PORT=$BARE_PORT
	echo "$BARE_PK" >"$ch/bare_atto.pk"
}

chains_run() {
	local r who
	echo "bench: Ethereum (v1) and Atto votes beside their bare servers, $ROUNDS rounds"
	chains_setup

	# Every server warmed up once (connections, caches), outside the figures.
	declare -gA CX_OK CX_SENT CX_CPU CX_P50 CX_P99
	CHAIN_SLICES=1 chains_pair eth_bare eth_sigil atto_bare atto_sigil
	declare -gA CH_TP CH_CPU CH_P50 CH_P99
	CH_ETH_RATIO=() CH_ATTO_RATIO=()
	for r in $(seq 1 "$ROUNDS"); do
		echo "bench:   round $r"
		CX_OK=() CX_SENT=() CX_CPU=() CX_P50=() CX_P99=()
		if [ $((r % 2)) = 1 ]; then
			chains_pair eth_bare eth_sigil atto_bare atto_sigil
		else
			chains_pair atto_sigil atto_bare eth_sigil eth_bare
		fi
		# shellcheck disable=SC2086 # the lists are space-separated numbers
		for who in eth_bare eth_sigil atto_bare atto_sigil; do
			CH_TP[$who]="${CH_TP[$who]:-} $((CX_OK[$who] / CHAIN_SLICES))"
			CH_CPU[$who]="${CH_CPU[$who]:-} $(calc "${CX_CPU[$who]} / ${CX_SENT[$who]}" 1)"
			CH_P50[$who]="${CH_P50[$who]:-} $(median ${CX_P50[$who]})"
			CH_P99[$who]="${CH_P99[$who]:-} $(median ${CX_P99[$who]})"
		done
		CH_ETH_RATIO+=("$(calc "${CX_OK[eth_sigil]} / ${CX_OK[eth_bare]}")")
		CH_ATTO_RATIO+=("$(calc "${CX_OK[atto_sigil]} / ${CX_OK[atto_bare]}")")
	done
	# Every request was answered (load stops the run otherwise); anything
	# sigild found worth a warning under load would show here only.
	if grep -qE '^[^ ]+ (warn|error) ' "$ch/sigild.log"; then
		echo "bench: WARNING: sigild logged warnings under the Ethereum/Atto load:"
		grep -E '^[^ ]+ (warn|error) ' "$ch/sigild.log" | cut -d' ' -f2- | sort | uniq -c |
			sort -rn | head -5
	fi
	stop "$SIGILD_PID"
	stop "$CH_BARE_ETH_PID"
	stop "$CH_BARE_ATTO_PID"

	# sigild's own work per Ethereum request without HTTP (bench/inproc.c):
	# its v1 handler on the same config, now that sigild has let go of it,
	# against the bare server's work in the same process.
	local inproc
	if ! inproc=$("$B/bench_inproc" "$ch/sigil.yaml" "$CH_TOKEN" "$(head -1 "$ch/eth.addrs")" \
		2>>"$ch/inproc.log"); then
		echo "bench: bench_inproc failed:"; tail -5 "$ch/inproc.log"; exit 1
	fi
	R[eth_inproc_v1_us]=$(awk '$1 == "v1_us" {print $2}' <<<"$inproc")
	R[eth_inproc_bare_us]=$(awk '$1 == "bare_us" {print $2}' <<<"$inproc")
	R[eth_inproc_diff_us]=$(awk '$1 == "diff_us" {print $2}' <<<"$inproc")

	# shellcheck disable=SC2086 # space-separated lists of numbers
	{
	R[eth_bare_signs_per_s]=$(median ${CH_TP[eth_bare]})
	R[eth_v1_signs_per_s]=$(median ${CH_TP[eth_sigil]})
	R[eth_bare_cpu_us_per_sign]=$(median ${CH_CPU[eth_bare]})
	R[eth_v1_cpu_us_per_sign]=$(median ${CH_CPU[eth_sigil]})
	R[eth_bare_p50_ms]=$(median ${CH_P50[eth_bare]})
	R[eth_v1_p50_ms]=$(median ${CH_P50[eth_sigil]})
	R[eth_v1_p99_ms]=$(median ${CH_P99[eth_sigil]})
	R[atto_bare_votes_per_s]=$(median ${CH_TP[atto_bare]})
	R[atto_votes_per_s]=$(median ${CH_TP[atto_sigil]})
	R[atto_bare_cpu_us_per_vote]=$(median ${CH_CPU[atto_bare]})
	R[atto_cpu_us_per_vote]=$(median ${CH_CPU[atto_sigil]})
	R[atto_bare_p50_ms]=$(median ${CH_P50[atto_bare]})
	R[atto_p50_ms]=$(median ${CH_P50[atto_sigil]})
	R[atto_p99_ms]=$(median ${CH_P99[atto_sigil]})
	}
	R[eth_ratio]=$(median "${CH_ETH_RATIO[@]}")
	R[atto_ratio]=$(median "${CH_ATTO_RATIO[@]}")
	R[eth_cpu_ratio]=$(calc "${R[eth_bare_cpu_us_per_sign]} / ${R[eth_v1_cpu_us_per_sign]}")
	R[atto_cpu_ratio]=$(calc "${R[atto_bare_cpu_us_per_vote]} / ${R[atto_cpu_us_per_vote]}")
}

# The figures' names in results.json.
CHAIN_FIELDS=(eth_v1_signs_per_s eth_bare_signs_per_s eth_ratio eth_v1_cpu_us_per_sign
	eth_bare_cpu_us_per_sign eth_cpu_ratio eth_v1_p50_ms eth_bare_p50_ms eth_v1_p99_ms
	eth_inproc_v1_us eth_inproc_bare_us eth_inproc_diff_us
	atto_votes_per_s atto_bare_votes_per_s atto_ratio atto_cpu_us_per_vote
	atto_bare_cpu_us_per_vote atto_cpu_ratio atto_p50_ms atto_bare_p50_ms atto_p99_ms)

# chains_per_round: results.json's per_round members of this section.
chains_per_round() {
	printf '"eth_ratio": %s, "atto_ratio": %s' "$(json_list "${CH_ETH_RATIO[@]}")" \
		"$(json_list "${CH_ATTO_RATIO[@]}")"
}

chains_table() {
	# shellcheck disable=SC2086 # space-separated lists of numbers
	{
	row "Ethereum tx signs/s, v1 / bare" "${R[eth_v1_signs_per_s]}/${R[eth_bare_signs_per_s]}" \
		"EIP-1559 transfers, $CONNS connections [v1 $(range ${CH_TP[eth_sigil]})]"
	row "  ratio to bare server" "${R[eth_ratio]}" \
		"goal >= 0.9: $(ok "${R[eth_ratio]} >= 0.9") [$(range "${CH_ETH_RATIO[@]}")]"
	row "  CPU us/sign v1 / bare (bare/v1)" \
		"${R[eth_v1_cpu_us_per_sign]}/${R[eth_bare_cpu_us_per_sign]} (${R[eth_cpu_ratio]})" \
		"keccak-256 + libsecp256k1 recoverable"
	row "  p50 ms v1 / bare" "${R[eth_v1_p50_ms]}/${R[eth_bare_p50_ms]}" "v1 p99 ${R[eth_v1_p99_ms]}"
	row "  in-process CPU us v1 / bare work" \
		"${R[eth_inproc_v1_us]}/${R[eth_inproc_bare_us]}" \
		"sigild's own: ${R[eth_inproc_diff_us]} us a request, no HTTP (bench_inproc)"
	row "Atto votes/s, sigild / bare" "${R[atto_votes_per_s]}/${R[atto_bare_votes_per_s]}" \
		"POST /votes, $CONNS connections [sigild $(range ${CH_TP[atto_sigil]})]"
	row "  ratio to bare server" "${R[atto_ratio]}" \
		"goal >= 0.9: $(ok "${R[atto_ratio]} >= 0.9") [$(range "${CH_ATTO_RATIO[@]}")]"
	row "  CPU us/vote sigild / bare (bare/sigild)" \
		"${R[atto_cpu_us_per_vote]}/${R[atto_bare_cpu_us_per_vote]} (${R[atto_cpu_ratio]})" \
		"blake2b-256 + Ed25519"
	row "  p50 ms sigild / bare" "${R[atto_p50_ms]}/${R[atto_bare_p50_ms]}" "sigild p99 ${R[atto_p99_ms]}"
	}
}

# chains_json FILE: this section's figures alone (BENCH_ONLY=8).
chains_json() {
	section_json "$1" "$(chains_per_round)" "${CHAIN_FIELDS[@]}"
}
