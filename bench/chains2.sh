# shellcheck shell=bash
# shellcheck disable=SC2154 # R is bench/lib.sh's associative array
# Section 9 of scripts/bench.sh: Solana, Polkadot and Bitcoin over the v1
# API, each beside its raw primitive measured in the same rounds: Ed25519
# of a 150-byte message (libsodium), sr25519 of a 114-byte payload
# (sigil_sr25519_sign) and a P2WPKH input's BIP-143 sighash with
# libsecp256k1's ECDSA. There is no bare server here (section 8 has them):
# the reference is the primitive alone on one core, and the figure that
# compares is CPU per request, sigild's µs against the primitive's.
# Sourced by scripts/bench.sh after bench/lib.sh; uses its B, T, CONNS,
# ROUNDS and CHAIN_SLICES, and sets R[sol_…], R[dot_…], R[dot_batch_…],
# R[btc_…] and the sr25519 comparison's R[sr25519_…].
#
# One sigild holds an ed25519, an sr25519 and a secp256k1 key in a file
# vault; one token has solana:*, polkadot:* and bitcoin:*. The ed25519 key
# is listed under solana: (transfers), the sr25519 key under polkadot:
# (transfer_keep_alive on Westend), the secp256k1 key under bitcoin: (PSBTs
# with outputs). Per round, CHAIN_SLICES times: a one-second slice of each
# chain's load at CONNS connections, each followed by a one-second run of
# its primitive alone (Polkadot's batch, over 256 bytes, has none of its
# own); Solana, Polkadot, its batch, Bitcoin in odd rounds, the reverse in
# even ones. Then once a round, sr25519 beside Ed25519 and one ristretto255
# base multiplication (bench_sr25519_raw), and the BIP-143 sighash alone.
# R[X_cpu_ratio] is the primitive's µs ÷ sigild's CPU µs per request in the
# same round (median round), as section 2b's tz4 figure.

# chains2_pair WHO…: one slice of each named (sol dot dot_batch btc: the
# v1 load; sol_raw dot_raw btc_raw: the primitive alone), CHAIN_SLICES
# times, summed into C2_OK[who], C2_SENT[who], C2_CPU[who] (µs × requests),
# C2_P50[who], C2_P99[who] (lists) and C2_RAW[chain] (µs, summed).
chains2_pair() {
	local who
	for _ in $(seq 1 "$CHAIN_SLICES"); do
		for who in "$@"; do
			case $who in
			sol_raw)
				run_tool "" "$B/bench_raw" 1 raw_sol_ed25519
				C2_RAW[sol]=$(calc "${C2_RAW[sol]:-0} + 1e6 / ${R[raw_sol_ed25519_signs_per_s]}" 3) ;;
			dot_raw)
				run_tool "" "$B/bench_sr25519_raw" 1 sr25519_sign
				C2_RAW[dot]=$(calc "${C2_RAW[dot]:-0} + ${R[sr25519_sign_us]}" 3) ;;
			btc_raw)
				run_tool "" "$B/bench_raw" 1 raw_btc_p2wpkh
				C2_RAW[btc]=$(calc "${C2_RAW[btc]:-0} + 1e6 / ${R[raw_btc_p2wpkh_signs_per_s]}" 3) ;;
			*)
				WARM=0 DUR=1 LOAD_PID=$SIGILD_PID load c9_ "$C2_API" "$c2/${who%_batch}.addrs" \
					"$who" "$CONNS" -a "Bearer $C2_TOKEN"
				C2_OK[$who]=$(( ${C2_OK[$who]:-0} + R[c9_ok] ))
				C2_SENT[$who]=$(( ${C2_SENT[$who]:-0} + R[c9_sent] ))
				C2_CPU[$who]=$(calc "${C2_CPU[$who]:-0} + ${R[c9_cpu_us]} * ${R[c9_sent]}" 1)
				C2_P50[$who]="${C2_P50[$who]:-} ${R[c9_p50_ms]}"
				C2_P99[$who]="${C2_P99[$who]:-} ${R[c9_p99_ms]}" ;;
			esac
		done
	done
}

# chains2_setup: the keys, the config, sigild (SIGILD_PID); the load's key
# files (one address each) in $c2, their payloads checked when the decoders
# are installed.
chains2_setup() {
	local sol dot btc sha m
	c2=$T/chains2
	mkdir -p "$c2/watermarks"
	"$B/bench_mkvault" "$c2/keys.json" 3 ed25519,sr25519,secp256k1 >/dev/null
	printf 'base_dir: %s\nvaults:\n  main:\n    driver: file\n    config:\n      path: keys.json\n' \
		"$c2" >"$c2/boot.yaml"
	sol=$("$B/sigil" --log-level warn -c "$c2/boot.yaml" list --chain solana 2>>"$T/tools.log" |
		awk -F'\t' '$2=="ed25519" && !done {print $1; done = 1}')
	dot=$("$B/sigil" --log-level warn -c "$c2/boot.yaml" list --chain polkadot 2>>"$T/tools.log" |
		awk -F'\t' '$2=="sr25519" && !done {print $1; done = 1}')
	btc=$("$B/sigil" --log-level warn -c "$c2/boot.yaml" list --chain bitcoin 2>>"$T/tools.log" |
		awk -F'\t' '$2=="secp256k1" && !done {print $1; done = 1}')
	if [ -z "$sol" ] || [ -z "$dot" ] || [ -z "$btc" ]; then
		echo "bench: sigil list --chain failed:"; tail -5 "$T/tools.log"; exit 1
	fi
	echo "$sol" >"$c2/sol.addrs"; echo "$dot" >"$c2/dot.addrs"; echo "$btc" >"$c2/btc.addrs"
	# The load's payloads, checked by decoders we did not write (by hand
	# for Polkadot: see the script).
	if [ -d tests/js/node_modules/@solana/kit ] && [ -d tests/js/node_modules/@scure/btc-signer ] &&
		[ -d tests/js/node_modules/@polkadot/util ]; then
		for m in sol dot dot_batch btc; do
			"$B/bench_load" -x 200 -k "$c2/${m%_batch}.addrs" -m "$m" |
				node bench/check_chain_payloads.mjs tests/js "$m" "$(cat "$c2/${m%_batch}.addrs")" \
				>/dev/null || { echo "bench: invalid $m payloads"; exit 1; }
		done
	fi
	C2_TOKEN="bench-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	sha=$(printf '%s' "$C2_TOKEN" | sha256sum | cut -d' ' -f1)
	C2_API=$(free_port); C2_UTIL=$(free_port)
	cat >"$c2/sigil.yaml" <<-YAML
	base_dir: $c2
	server:
	  address: 127.0.0.1:$C2_API
	  utility_address: 127.0.0.1:$C2_UTIL
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
	      capabilities: ['solana:*', 'polkadot:*', 'bitcoin:*']
	solana:
	  $sol:
	    allow: {transaction: [transfer]}
	polkadot:
	  $dot:
	    allow: {extrinsic: [transfer_keep_alive]}
	    allowed_chains: [westend]
	bitcoin:
	  $btc:
	    allow: {psbt: [output]}
	YAML
	"$B/sigil" -c "$c2/sigil.yaml" watermark init >/dev/null
	start_sigild "$c2" "$C2_UTIL"
}

# chains2_round_figures: one round's sums into the per-round lists.
# shellcheck disable=SC2086 # the lists are space-separated numbers
chains2_round_figures() {
	local who cpu raw
	for who in sol dot dot_batch btc; do
		cpu=$(calc "${C2_CPU[$who]} / ${C2_SENT[$who]}" 1)
		C2_TP[$who]="${C2_TP[$who]:-} $((C2_OK[$who] / CHAIN_SLICES))"
		C2_CPUL[$who]="${C2_CPUL[$who]:-} $cpu"
		C2_P50L[$who]="${C2_P50L[$who]:-} $(median ${C2_P50[$who]})"
		C2_P99L[$who]="${C2_P99L[$who]:-} $(median ${C2_P99[$who]})"
		[ "$who" = dot_batch ] && continue
		raw=$(calc "${C2_RAW[$who]} / $CHAIN_SLICES" 2)
		C2_RAWL[$who]="${C2_RAWL[$who]:-} $raw"
		C2_RATIO[$who]="${C2_RATIO[$who]:-} $(calc "$raw / $cpu")"
		C2_OVER[$who]="${C2_OVER[$who]:-} $(calc "$cpu - $raw" 1)"
	done
	C2_BATCH_OVER+=("$(calc "${C2_CPU[dot_batch]} / ${C2_SENT[dot_batch]} - ${C2_CPU[dot]} / ${C2_SENT[dot]}" 1)")
	# sr25519 beside Ed25519 and ristretto255's base multiplication, and
	# the sighash alone: one core, 0.1 s slices alternating.
	run_tool "" "$B/bench_sr25519_raw" 1
	for who in sr25519_sign sr25519_verify ed25519_sign ed25519_verify ristretto_base; do
		C2_SR[$who]="${C2_SR[$who]:-} ${R[${who}_us]}"
	done
	C2_SR_TO_ED+=("$(calc "${R[sr25519_sign_us]} / ${R[ed25519_sign_us]}" 2)")
	run_tool "" "$B/bench_raw" 1 raw_btc_sighash
	C2_SIGHASH+=("$(calc "1e6 / ${R[raw_btc_sighash_per_s]}" 2)")
}

chains2_run() {
	local r who
	echo "bench: Solana, Polkadot and Bitcoin (v1) beside their raw primitives, $ROUNDS rounds"
	chains2_setup

	# sigild warmed up on each load once, outside the figures.
	declare -gA C2_OK C2_SENT C2_CPU C2_P50 C2_P99 C2_RAW
	CHAIN_SLICES=1 chains2_pair sol dot dot_batch btc
	declare -gA C2_TP C2_CPUL C2_P50L C2_P99L C2_RAWL C2_RATIO C2_OVER C2_SR
	C2_BATCH_OVER=() C2_SR_TO_ED=() C2_SIGHASH=()
	for r in $(seq 1 "$ROUNDS"); do
		echo "bench:   round $r"
		C2_OK=() C2_SENT=() C2_CPU=() C2_P50=() C2_P99=() C2_RAW=()
		if [ $((r % 2)) = 1 ]; then
			chains2_pair sol sol_raw dot dot_raw dot_batch btc btc_raw
		else
			chains2_pair btc_raw btc dot_batch dot_raw dot sol_raw sol
		fi
		chains2_round_figures
	done
	# Every request was answered (load stops the run otherwise); anything
	# sigild found worth a warning under load would show here only.
	if grep -qE '^[^ ]+ (warn|error) ' "$c2/sigild.log"; then
		echo "bench: WARNING: sigild logged warnings under the Solana/Polkadot/Bitcoin load:"
		grep -E '^[^ ]+ (warn|error) ' "$c2/sigild.log" | cut -d' ' -f2- | sort | uniq -c |
			sort -rn | head -5
	fi
	stop "$SIGILD_PID"

	# shellcheck disable=SC2086 # space-separated lists of numbers
	for who in sol dot dot_batch btc; do
		R[${who}_v1_signs_per_s]=$(median ${C2_TP[$who]})
		R[${who}_v1_cpu_us_per_sign]=$(median ${C2_CPUL[$who]})
		R[${who}_v1_p50_ms]=$(median ${C2_P50L[$who]})
		R[${who}_v1_p99_ms]=$(median ${C2_P99L[$who]})
		[ "$who" = dot_batch ] && continue
		R[${who}_raw_us_per_sign]=$(median ${C2_RAWL[$who]})
		R[${who}_cpu_ratio]=$(median ${C2_RATIO[$who]})
		R[${who}_cpu_us_over_raw]=$(median ${C2_OVER[$who]})
	done
	R[dot_batch_cpu_us_over_dot]=$(median "${C2_BATCH_OVER[@]}")
	# shellcheck disable=SC2086 # space-separated lists of numbers
	for who in sr25519_sign sr25519_verify ed25519_sign ed25519_verify ristretto_base; do
		R[${who}_us]=$(median ${C2_SR[$who]})
	done
	R[sr25519_to_ed25519_sign]=$(median "${C2_SR_TO_ED[@]}")
	R[sr25519_sign_over_base_us]=$(calc "${R[sr25519_sign_us]} - ${R[ristretto_base_us]}" 1)
	R[btc_sighash_us]=$(median "${C2_SIGHASH[@]}")
}

# The figures' names in results.json.
CHAIN2_FIELDS=(
	sol_v1_signs_per_s sol_v1_cpu_us_per_sign sol_raw_us_per_sign sol_cpu_ratio
	sol_cpu_us_over_raw sol_v1_p50_ms sol_v1_p99_ms
	dot_v1_signs_per_s dot_v1_cpu_us_per_sign dot_raw_us_per_sign dot_cpu_ratio
	dot_cpu_us_over_raw dot_v1_p50_ms dot_v1_p99_ms
	dot_batch_v1_signs_per_s dot_batch_v1_cpu_us_per_sign dot_batch_cpu_us_over_dot
	dot_batch_v1_p50_ms dot_batch_v1_p99_ms
	btc_v1_signs_per_s btc_v1_cpu_us_per_sign btc_raw_us_per_sign btc_cpu_ratio
	btc_cpu_us_over_raw btc_v1_p50_ms btc_v1_p99_ms btc_sighash_us
	sr25519_sign_us sr25519_verify_us ed25519_sign_us ed25519_verify_us ristretto_base_us
	sr25519_to_ed25519_sign sr25519_sign_over_base_us)

# chains2_per_round: results.json's per_round members of this section.
# shellcheck disable=SC2086 # space-separated lists of numbers
chains2_per_round() {
	printf '"sol_cpu_ratio": %s, "dot_cpu_ratio": %s, "btc_cpu_ratio": %s, "sr25519_to_ed25519_sign": %s' \
		"$(json_list ${C2_RATIO[sol]})" "$(json_list ${C2_RATIO[dot]})" \
		"$(json_list ${C2_RATIO[btc]})" "$(json_list "${C2_SR_TO_ED[@]}")"
}

# shellcheck disable=SC2086 # space-separated lists of numbers
chains2_table() {
	local who name what
	for who in sol dot btc; do
		case $who in
		sol) name="Solana transfer" what="Ed25519, 150 B message (libsodium)" ;;
		dot) name="Polkadot transfer_keep_alive" what="sr25519, 114 B payload (sigil_sr25519_sign)" ;;
		btc) name="Bitcoin PSBT, 1 P2WPKH input" what="BIP-143 sighash + ECDSA (libsecp256k1)" ;;
		esac
		row "$name signs/s over v1" "${R[${who}_v1_signs_per_s]}" \
			"$CONNS connections [$(range ${C2_TP[$who]})]"
		row "  sigild CPU us/sign; raw us" \
			"${R[${who}_v1_cpu_us_per_sign]}; ${R[${who}_raw_us_per_sign]}" "$what"
		row "  raw / sigild CPU (sigild less raw)" \
			"${R[${who}_cpu_ratio]} (${R[${who}_cpu_us_over_raw]})" "[$(range ${C2_RATIO[$who]})]"
		row "  p50 / p99 ms" "${R[${who}_v1_p50_ms]} / ${R[${who}_v1_p99_ms]}" ""
		if [ "$who" = dot ]; then
			row "Polkadot batch_all of 6, signs/s" "${R[dot_batch_v1_signs_per_s]}" \
				"296-320 B: blake2b-256, then sr25519 [$(range ${C2_TP[dot_batch]})]"
			row "  sigild CPU us/sign (less 1 transfer)" \
				"${R[dot_batch_v1_cpu_us_per_sign]} (${R[dot_batch_cpu_us_over_dot]})" \
				"p50 / p99 ms ${R[dot_batch_v1_p50_ms]} / ${R[dot_batch_v1_p99_ms]}"
		fi
	done
	row "  BIP-143 sighash alone us" "${R[btc_sighash_us]}" "libsodium SHA-256, as sigil's"
	row "sr25519 / Ed25519 sign us (ratio)" \
		"${R[sr25519_sign_us]}/${R[ed25519_sign_us]} (${R[sr25519_to_ed25519_sign]})" \
		"114 B, one core [$(range "${C2_SR_TO_ED[@]}")]"
	row "  ristretto255 base mult us" "${R[ristretto_base_us]}" \
		"sr25519 less it: ${R[sr25519_sign_over_base_us]} (Merlin/STROBE, scalars)"
	row "  verify us sr25519 / Ed25519" "${R[sr25519_verify_us]}/${R[ed25519_verify_us]}" ""
}

# chains2_json FILE: this section's figures alone (BENCH_ONLY=9).
chains2_json() {
	section_json "$1" "$(chains2_per_round)" "${CHAIN2_FIELDS[@]}"
}
