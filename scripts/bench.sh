#!/usr/bin/env bash
# `make bench`: sigil's figures against references taken in the same run
# (docs/BENCHMARKS.md). Prints one table and writes bench/results.json.
#
# Everything runs on this machine, on loopback, on free ports, in a temp dir
# under the build dir (on the same disk as a real ./var, unlike a tmpfs /tmp).
# Every process started here is stopped on exit. Tunables (environment):
#   BENCH_BUILD (build-bench)  BENCH_WARMUP (1 s)  BENCH_DURATION (2 s)
#   BENCH_CONNS (64)           BENCH_KEYS (1000)   BENCH_OUT (bench/results.json)
#   BENCH_ROUNDS (7): each comparison is repeated, reference and sigil one
#   after the other in every round (the reference first in odd rounds,
#   sigil first in even ones, so that a drift of the machine's speed during
#   the run does not favour either), and the median round is reported.
#   BENCH_SLICES (3): the comparisons of one server with its reference
#   (generic, attestation, tz4) run in alternating slices of one second,
#   this many of each per round.  BENCH_TZ4_WARMUP (1 s): tz4's warm-up.
#   BENCH_RAW_S (2): seconds of each primitive, raw and through sigil, in
#   alternating 0.1 s slices (bench/raw.c).
#   BENCH_ENCLAVE_CONNS (2): the enclave vaults' connections to
#   their key holder (section 6), 1 to 32 (the default, as the vault's).
#   BENCH_P11_SLICES (1): one-second slices of each key per round in the
#   PKCS#11 section (7), where nine keys take turns.
#   BENCH_P11_POOL_TYPE (tz2): the type of the keys that compare the pkcs11
#   vault's pool sizes (sessions: 1, 2 and 4) in section 7.
#   BENCH_P11_MODULE (/usr/lib/softhsm/libsofthsm2.so): SoftHSM2's module;
#   section 7 is skipped, and says so, when it or softhsm2-util is missing.
#   BENCH_CHAIN_SLICES (2): one-second slices of each load per round in
#   sections 8 (Ethereum and Atto, each beside its bare server) and 9
#   (Solana, Polkadot and Bitcoin, each beside its raw primitive).
#   BENCH_ONLY (unset): 8, 9 or 10 runs that section alone (its setup, rounds,
#   table) and writes its figures to BENCH_OUT, by default
#   BENCH_BUILD/results-8.json, results-9.json or results-10.json (bench/results.json keeps
#   the whole run's).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BENCH_BUILD:-build-bench}
WARM=${BENCH_WARMUP:-1}
DUR=${BENCH_DURATION:-2}
CONNS=${BENCH_CONNS:-64}
NKEYS=${BENCH_KEYS:-1000}
OUT=${BENCH_OUT:-bench/results.json}
ROUNDS=${BENCH_ROUNDS:-7}
SLICES=${BENCH_SLICES:-3}
TZ4_WARM=${BENCH_TZ4_WARMUP:-1}
RAW_S=${BENCH_RAW_S:-2}
ENC_CONNS=${BENCH_ENCLAVE_CONNS:-2}
P11_SLICES=${BENCH_P11_SLICES:-1}
P11_POOL_TYPE=${BENCH_P11_POOL_TYPE:-tz2}
CHAIN_SLICES=${BENCH_CHAIN_SLICES:-2}
ONLY=${BENCH_ONLY:-}
case $ONLY in '') ;; 8|9|10) OUT=${BENCH_OUT:-$BUILD/results-$ONLY.json} ;;
	*) echo "bench: BENCH_ONLY is 8, 9 or 10 (or unset)"; exit 2 ;; esac
export SIGIL_PASSPHRASE="bench passphrase, not a secret"

echo "bench: building $BUILD (Release)"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSIGIL_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target sigil sigil-enclave bench_tools -j"$(nproc)" >/dev/null
B=$BUILD

source bench/lib.sh
source bench/chains.sh
source bench/chains2.sh
source bench/pgwm.sh

row() { printf '  %-42s %15s  %s\n' "$1" "$2" "$3"; }
ok() { awk "BEGIN { exit !($1) }" && echo "ok" || echo "MISSED"; }
json_list() { local IFS=,; echo "[$*]"; }

# section_json FILE PER_ROUND FIELD…: one section's figures alone
# (BENCH_ONLY), PER_ROUND the members of its "per_round".
section_json() {
	local file=$1 per_round=$2 i sep
	shift 2
	local -a f=("$@")
	{
		echo "{"
		printf '  "generated": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		printf '  "cpu": "%s",\n' "$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo | tr -d '"\\')"
		printf '  "cores": %s,\n  "connections": %s,\n  "rounds": %s,\n  "chain_slices": %s,\n' \
			"$(nproc)" "$CONNS" "$ROUNDS" "$CHAIN_SLICES"
		printf '  "load_average": %s,\n  "per_round": {%s},\n' "$LOADAVG" "$per_round"
		for i in "${!f[@]}"; do
			sep=","; [ "$i" -eq $((${#f[@]} - 1)) ] && sep=""
			printf '  "%s": %s%s\n' "${f[$i]}" "${R[${f[$i]}]}" "$sep"
		done
		echo "}"
	} >"$file.tmp"
	mv "$file.tmp" "$file"
}

case $ENC_CONNS in [1-9]|[12][0-9]|3[0-2]) ;; *) echo "bench: BENCH_ENCLAVE_CONNS is 1 to 32"; exit 2 ;; esac
case $P11_SLICES in [1-9]) ;; *) echo "bench: BENCH_P11_SLICES is 1 to 9"; exit 2 ;; esac
case $P11_POOL_TYPE in tz[123]) ;; *) echo "bench: BENCH_P11_POOL_TYPE is tz1, tz2 or tz3"; exit 2 ;; esac
case $CHAIN_SLICES in [1-9]) ;; *) echo "bench: BENCH_CHAIN_SLICES is 1 to 9"; exit 2 ;; esac

LOADAVG=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN { exit !($LOADAVG > $(nproc) / 2) }"; then
	echo "bench: WARNING: load average $LOADAVG on $(nproc) cores: other work will skew the figures"
fi

if [ -n "$ONLY" ]; then
	case $ONLY in 8) chains_run ;; 9) chains2_run ;; 10) pgwm_run ;; esac
	echo
	echo "sigil benchmarks, section $ONLY alone: $(nproc) cores, load average $LOADAVG at start,"
	echo "$CONNS connections, $CHAIN_SLICES alternating 1 s slices each, median of $ROUNDS rounds"
	row "figure" "value" "reference / goal"
	case $ONLY in 8) chains_table; chains_json "$OUT" ;;
	9) chains2_table; chains2_json "$OUT" ;;
	10) pgwm_table; pgwm_json "$OUT" ;; esac
	echo
	echo "bench: wrote $OUT"
	exit 0
fi

# ---- 1. references that need no server ------------------------------------
# Each primitive beside sigil's call of it with a prepared key, in
# alternating slices: sigil_*/raw_* is the cost of sigil's wrapper.
echo "bench: raw primitives"
run_tool "" "$B/bench_raw" "$RAW_S"
for ty in ed25519 secp256k1 p256; do
	R[sigil_${ty}_ratio]=$(calc "${R[sigil_${ty}_signs_per_s]} / ${R[raw_${ty}_signs_per_s]}")
done

one=$T/one; many=$T/many; bls=$T/bls; mix=$T/mix
mkdir -p "$one/watermarks" "$many/watermarks" "$bls/watermarks" "$mix/watermarks"

# The keys: one for the single-key runs, one of each of tz1-3 for the run
# that compares them, NKEYS for the many-key run.
"$B/bench_mkvault" "$one/keys.json" 1 >"$one/addrs"
"$B/bench_mkvault" "$bls/keys.json" 1 bls >"$bls/addrs"
"$B/bench_mkvault" "$mix/keys.json" 3 ed25519,secp256k1,p256 >"$mix/addrs"
for tz in tz1 tz2 tz3; do grep "^$tz" "$mix/addrs" >"$mix/$tz.addrs"; done
t0=$(date +%s%N)
"$B/bench_mkvault" "$many/keys.json" "$NKEYS" >"$many/addrs"
R[mkvault_ms]=$(( ($(date +%s%N) - t0) / 1000000 ))

# The load generator's payloads, checked by a decoder we did not write.
if [ -d tests/js/node_modules/@taquito/local-forging ]; then
	{ "$B/bench_load" -x 200 -k "$many/addrs" -m generic
	  "$B/bench_load" -x 200 -k "$many/addrs" -m attestation
	  "$B/bench_load" -x 200 -k "$mix/addrs" -m generic
	  "$B/bench_load" -x 200 -k "$bls/addrs" -m generic; } |
		node bench/check_payloads.mjs tests/js || { echo "bench: invalid payloads"; exit 1; }
fi

# ---- 2 and 3. bare server and sigild (one tz1 key), round after round -------
echo "bench: bare server and sigild with 1 key, $ROUNDS rounds"
"$B/bench_bare" 0 >"$T/bare.port" 2>>"$T/tools.log" &
BARE_PID=$!
PIDS+=("$BARE_PID")
for _ in $(seq 1 100); do grep -qs '^port' "$T/bare.port" && break; sleep 0.02; done
BARE_PORT=$(awk '/^port/{print $2}' "$T/bare.port")
[ -n "$BARE_PORT" ] || { echo "bench: bare server did not start"; exit 1; }
API=$(free_port); UTIL=$(free_port)
write_config "$one" "$API" "$UTIL" "{attestation: , generic: [transaction]}" "$one/addrs"
start_sigild "$one" "$UTIL"

# The generic pair runs in alternating one-second slices, SLICES of each per
# round: this shared host's speed drifts within seconds, and slices side by
# side see the same machine. generic_pair ORDER sums them into R[bt_…] and
# R[gt_…] as one run of each would give (p50/p99: the median slice).
generic_pair() {
	local order=$1 i who p port pid okb=0 oks=0 sentb=0 sents=0 cpub=0 cpus=0
	local -a p50s p99s
	for i in $(seq 1 "$SLICES"); do
		for who in $order; do
			if [ "$who" = bare ]; then p=bs_ port=$BARE_PORT pid=$BARE_PID
			else p=gs_ port=$API pid=$SIGILD_PID; fi
			WARM=0 DUR=1 LOAD_PID=$pid load "$p" "$port" "$one/addrs" generic "$CONNS"
			if [ "$who" = bare ]; then
				okb=$((okb + R[bs_ok])); sentb=$((sentb + R[bs_sent]))
				cpub=$(calc "$cpub + ${R[bs_cpu_us]} * ${R[bs_sent]}" 1)
			else
				oks=$((oks + R[gs_ok])); sents=$((sents + R[gs_sent]))
				cpus=$(calc "$cpus + ${R[gs_cpu_us]} * ${R[gs_sent]}" 1)
				p50s+=("${R[gs_p50_ms]}"); p99s+=("${R[gs_p99_ms]}")
			fi
		done
	done
	R[bt_ok_per_s]=$((okb / SLICES)); R[bt_cpu_us]=$(calc "$cpub / $sentb" 1)
	R[gt_ok_per_s]=$((oks / SLICES)); R[gt_cpu_us]=$(calc "$cpus / $sents" 1)
	R[gt_p50_ms]=$(median "${p50s[@]}"); R[gt_p99_ms]=$(median "${p99s[@]}")
}

# The attestation pair likewise: one-second slices at 1 request in flight,
# alternating, SLICES of each; R[bl_p50_ms], R[al_p50_ms], R[al_p99_ms] are
# the median slices. att_pair ORDER ROUND (levels rise slice after slice).
att_pair() {
	local order=$1 round=$2 i who
	local -a b50 s50 s99
	for i in $(seq 1 "$SLICES"); do
		for who in $order; do
			if [ "$who" = bare ]; then
				WARM=0 DUR=1 LOAD_PID=$BARE_PID load bx_ "$BARE_PORT" "$one/addrs" attestation 1
				b50+=("${R[bx_p50_ms]}")
			else
				WARM=0 DUR=1 load ax_ "$API" "$one/addrs" attestation 1 \
					-l $((round * 100000000 + i * 1000000))
				s50+=("${R[ax_p50_ms]}"); s99+=("${R[ax_p99_ms]}")
			fi
		done
	done
	R[bl_p50_ms]=$(median "${b50[@]}")
	R[al_p50_ms]=$(median "${s50[@]}"); R[al_p99_ms]=$(median "${s99[@]}")
}

# Both servers warmed up once (connections, caches), outside the figures.
LOAD_PID=$BARE_PID load bw_ "$BARE_PORT" "$one/addrs" generic "$CONNS"
LOAD_PID=$SIGILD_PID load gw_ "$API" "$one/addrs" generic "$CONNS"

declare -a fs50 fs99 btp bcpu blat gtp gcpu g50 g99 a50 a99 gratio aratio
for r in $(seq 1 "$ROUNDS"); do
	echo "bench:   round $r"
	run_tool "" "$B/bench_fsync" "$one/watermarks" 2000 2
	fs50+=("${R[fdatasync_p50_ms]}"); fs99+=("${R[fdatasync_p99_ms]}")
	if [ $((r % 2)) = 1 ]; then
		generic_pair "bare sigil"
		att_pair "bare sigil" "$r"
	else
		att_pair "sigil bare" "$r"
		generic_pair "sigil bare"
	fi
	btp+=("${R[bt_ok_per_s]}"); bcpu+=("${R[bt_cpu_us]}"); blat+=("${R[bl_p50_ms]}")
	gtp+=("${R[gt_ok_per_s]}"); gcpu+=("${R[gt_cpu_us]}")
	g50+=("${R[gt_p50_ms]}"); g99+=("${R[gt_p99_ms]}")
	a50+=("${R[al_p50_ms]}"); a99+=("${R[al_p99_ms]}")
	gratio+=("$(calc "${R[gt_ok_per_s]} / ${R[bt_ok_per_s]}")")
	aratio+=("$(calc "${R[al_p50_ms]} / (${R[bl_p50_ms]} + ${R[fdatasync_p50_ms]})")")
done
R[sigild_1key_rss_mb]=$(rss_mb "$SIGILD_PID")
stop "$SIGILD_PID"
stop "$BARE_PID"

# ---- 2b. tz4: one BLS key over HTTP against blst's raw rate -----------------
# Each round measures blst alone on one core (and through sigil_bls_sign),
# then sigild under 64 connections signing distinct tz4 transactions (the
# source is the key's own tz4 address, tag 3). sigild uses every core and
# bench_raw one, so the fair figure is CPU per signature: raw µs ÷ sigild µs.
echo "bench: sigild with 1 tz4 key, $ROUNDS rounds"
API=$(free_port); UTIL=$(free_port)
write_config "$bls" "$API" "$UTIL" "{generic: [transaction]}" "$bls/addrs"
start_sigild "$bls" "$UTIL"
declare -a rbls sbls blsratio t4tp t4cpu t450 t499 t4ratio t4cratio
# Warm-up outside the figures, then in each round SLICES one-second slices of
# blst alone and of sigild, alternating, summed as for the generic pair.
WARM=$TZ4_WARM DUR=1 LOAD_PID=$SIGILD_PID load t4w_ "$API" "$bls/addrs" generic "$CONNS"
for r in $(seq 1 "$ROUNDS"); do
	echo "bench:   round $r"
	# blst beside sigil_key_bls_sign, alternating (bench/raw.c).
	run_tool "" "$B/bench_raw" 1 bls
	sbls+=("${R[sigil_bls_signs_per_s]}")
	blsratio+=("$(calc "${R[sigil_bls_signs_per_s]} / ${R[raw_bls_signs_per_s]}")")
	raw=0 ok=0 sent=0 cpu=0
	declare -a s450=() s499=()
	for i in $(seq 1 "$SLICES"); do
		run_tool "" "$B/bench_raw" 1 raw_bls
		raw=$(calc "$raw + ${R[raw_bls_signs_per_s]}" 1)
		WARM=0 DUR=1 LOAD_PID=$SIGILD_PID load t4_ "$API" "$bls/addrs" generic "$CONNS"
		ok=$((ok + R[t4_ok])); sent=$((sent + R[t4_sent]))
		cpu=$(calc "$cpu + ${R[t4_cpu_us]} * ${R[t4_sent]}" 1)
		s450+=("${R[t4_p50_ms]}"); s499+=("${R[t4_p99_ms]}")
	done
	R[raw_bls_signs_per_s]=$(calc "$raw / $SLICES" 0)
	R[t4_ok_per_s]=$((ok / SLICES)); R[t4_cpu_us]=$(calc "$cpu / $sent" 1)
	rbls+=("${R[raw_bls_signs_per_s]}")
	t4tp+=("${R[t4_ok_per_s]}"); t4cpu+=("${R[t4_cpu_us]}")
	t450+=("$(median "${s450[@]}")"); t499+=("$(median "${s499[@]}")")
	t4ratio+=("$(calc "${R[t4_ok_per_s]} / ${R[raw_bls_signs_per_s]}")")
	t4cratio+=("$(calc "1e6 / ${R[raw_bls_signs_per_s]} / ${R[t4_cpu_us]}")")
done
stop "$SIGILD_PID"

# ---- 2c. tz1, tz2 and tz3 side by side: one sigild, one key of each ---------
# The same generic transactions (from each key's own address) to one sigild
# holding a tz1, a tz2 and a tz3 key, in one-second slices alternating
# between the three (tz1 tz2 tz3 in odd rounds, tz3 tz2 tz1 in even ones),
# SLICES of each per round. What tz2 and tz3 requests pay beyond tz1 should
# be their primitives' cost and no more: R[mN_over_us] is sigild's CPU per
# request less the raw primitive's time for one signature (section 1).
echo "bench: sigild with a tz1, a tz2 and a tz3 key, $ROUNDS rounds"
API=$(free_port); UTIL=$(free_port)
write_config "$mix" "$API" "$UTIL" "{generic: [transaction]}" "$mix/addrs"
start_sigild "$mix" "$UTIL"
declare -A rawname=([tz1]=ed25519 [tz2]=secp256k1 [tz3]=p256)
declare -A mtp mcpu m50 m99 mover mrel
for tz in tz1 tz2 tz3; do
	WARM=1 DUR=1 LOAD_PID=$SIGILD_PID load mw_ "$API" "$mix/$tz.addrs" generic "$CONNS"
done
for r in $(seq 1 "$ROUNDS"); do
	echo "bench:   round $r"
	order="tz1 tz2 tz3"; [ $((r % 2)) = 0 ] && order="tz3 tz2 tz1"
	declare -A xok=() xsent=() xcpu=() x50=() x99=()
	for i in $(seq 1 "$SLICES"); do
		for tz in $order; do
			WARM=0 DUR=1 LOAD_PID=$SIGILD_PID load mx_ "$API" "$mix/$tz.addrs" generic "$CONNS"
			xok[$tz]=$(( ${xok[$tz]:-0} + R[mx_ok] ))
			xsent[$tz]=$(( ${xsent[$tz]:-0} + R[mx_sent] ))
			xcpu[$tz]=$(calc "${xcpu[$tz]:-0} + ${R[mx_cpu_us]} * ${R[mx_sent]}" 1)
			x50[$tz]="${x50[$tz]:-} ${R[mx_p50_ms]}"; x99[$tz]="${x99[$tz]:-} ${R[mx_p99_ms]}"
		done
	done
	# shellcheck disable=SC2086 # the lists are space-separated numbers
	for tz in tz1 tz2 tz3; do
		c=$(calc "${xcpu[$tz]} / ${xsent[$tz]}" 1)
		mtp[$tz]="${mtp[$tz]:-} $((xok[$tz] / SLICES))"
		mcpu[$tz]="${mcpu[$tz]:-} $c"
		m50[$tz]="${m50[$tz]:-} $(median ${x50[$tz]})"; m99[$tz]="${m99[$tz]:-} $(median ${x99[$tz]})"
		mover[$tz]="${mover[$tz]:-} $(calc "$c - 1e6 / ${R[raw_${rawname[$tz]}_signs_per_s]}" 1)"
		mrel[$tz]="${mrel[$tz]:-} $(calc "${xok[$tz]} / ${xok[tz1]}")"
	done
done
stop "$SIGILD_PID"

# ---- 2d. verify_signatures: the check's cost on the file vault -------------
# One sigild, two tz1 keys: one in the file vault "main" (no check, the
# default), one in a second file vault with verify_signatures: true. The
# generic load of 2, in one-second slices alternating between the two keys
# (plain checked in odd rounds, checked plain in even ones), SLICES of each
# per round. R[verify_tz1_ratio] is the checked key's signs/s ÷ the plain
# key's; the CPU figures show the verification's cost per request.
echo "bench: sigild with a tz1 key checked by verify_signatures and one not, $ROUNDS rounds"
vf=$T/verify
mkdir -p "$vf/watermarks"
"$B/bench_mkvault" "$vf/keys.json" 1 >"$vf/plain.addrs"
"$B/bench_mkvault" "$vf/checked.json" 1 >"$vf/checked.addrs"
cat "$vf/plain.addrs" "$vf/checked.addrs" >"$vf/addrs"
API=$(free_port); UTIL=$(free_port)
write_config "$vf" "$API" "$UTIL" "{generic: [transaction]}" "$vf/addrs" "  checked:
    driver: file
    verify_signatures: true
    config:
      path: checked.json"
start_sigild "$vf" "$UTIL"
declare -A vtp vcpu v50
for who in plain checked; do
	WARM=1 DUR=1 LOAD_PID=$SIGILD_PID load vw_ "$API" "$vf/$who.addrs" generic "$CONNS"
done
declare -a vratio
for r in $(seq 1 "$ROUNDS"); do
	echo "bench:   round $r"
	order="plain checked"; [ $((r % 2)) = 0 ] && order="checked plain"
	declare -A xok=() xsent=() xcpu=() x50=()
	for i in $(seq 1 "$SLICES"); do
		for who in $order; do
			WARM=0 DUR=1 LOAD_PID=$SIGILD_PID load vx_ "$API" "$vf/$who.addrs" generic "$CONNS"
			xok[$who]=$(( ${xok[$who]:-0} + R[vx_ok] ))
			xsent[$who]=$(( ${xsent[$who]:-0} + R[vx_sent] ))
			xcpu[$who]=$(calc "${xcpu[$who]:-0} + ${R[vx_cpu_us]} * ${R[vx_sent]}" 1)
			x50[$who]="${x50[$who]:-} ${R[vx_p50_ms]}"
		done
	done
	# shellcheck disable=SC2086 # the lists are space-separated numbers
	for who in plain checked; do
		vtp[$who]="${vtp[$who]:-} $((xok[$who] / SLICES))"
		vcpu[$who]="${vcpu[$who]:-} $(calc "${xcpu[$who]} / ${xsent[$who]}" 1)"
		v50[$who]="${v50[$who]:-} $(median ${x50[$who]})"
	done
	vratio+=("$(calc "${xok[checked]} / ${xok[plain]}")")
done
stop "$SIGILD_PID"

# ---- 4 and 5. NKEYS keys: start-up, memory, attestations over all -------
echo "bench: sigild with $NKEYS keys"
API=$(free_port); UTIL=$(free_port)
write_config "$many" "$API" "$UTIL" "{attestation: }" "$many/addrs"
run_tool "" "$B/bench_mkvault" --open "$many/keys.json"
run_tool "" "$B/bench_startup" -u "$UTIL" -o "$many/sigild.log" -r 5 -- \
	"$B/sigild" -c "$many/sigil.yaml"
start_sigild "$many" "$UTIL"
declare -a ktp kcpu k50 k99
for r in $(seq 1 "$ROUNDS"); do
	LOAD_PID=$SIGILD_PID load mk_ "$API" "$many/addrs" attestation "$CONNS" -l $((r * 100000000))
	ktp+=("${R[mk_ok_per_s]}"); kcpu+=("${R[mk_cpu_us]}")
	k50+=("${R[mk_p50_ms]}"); k99+=("${R[mk_p99_ms]}")
done
R[rss_1000_keys_mb]=$(rss_mb "$SIGILD_PID")
R[hwm_1000_keys_mb]=$(hwm_mb "$SIGILD_PID")
stop "$SIGILD_PID"

# ---- 6. tz1 through the key holder: file vault, unix socket, TCP ----------
# Two sigil-enclave processes, one on a unix socket and one on TCP
# (127.0.0.1, a free port), each holding a tz1 key made inside it (sigil
# generate -v). First bench_enclave_rpc times each holder alone, before
# sigild connects: a Sign round trip over one connection beside what it is
# made of (bench/enclave_rpc.c), then ENC_CONNS connections at once. Then
# one sigild holding three tz1 keys: one in the file vault (the reference,
# in process as in 2 and 3), one in an enclave vault per holder, each vault
# with a pool of ENC_CONNS connections. The generic load of 2 and the
# attestations of 3 (1 in flight), in one-second slices alternating between
# the three keys (file unix tcp in odd rounds, tcp unix file in even ones),
# SLICES of each per round: R[enclave_X_ratio] is X's signs/s ÷ the file
# key's in the same round, R[enclave_X_attestation_p50_diff_us] X's
# attestation p50 less the file key's, in µs. CPU per request is sigild's
# (_cpu_us_per_sign) and the holder's (_holder_cpu_us_per_sign).
echo "bench: sigild with a tz1 key in the file vault and one in each of 2 key holders, $ROUNDS rounds"
enc=$T/enc
mkdir -p "$enc/watermarks"
enclave_dir
HOLDER_TCP=127.0.0.1:$(free_port)
start_holder "$ENC_DIR/unix.log" --socket "$ENC_DIR/unix/holder.sock" \
	--state-dir "$ENC_DIR/unix-state"
declare -A HPID=([unix]=$HOLDER_PID)
start_holder "$ENC_DIR/tcp.log" --listen "$HOLDER_TCP" --state-dir "$ENC_DIR/tcp-state"
HPID[tcp]=$HOLDER_PID
EVAULTS="$(enclave_vault enc_unix "$ENC_DIR/unix/holder.sock" "$ENC_CONNS")
$(enclave_vault enc_tcp "$HOLDER_TCP" "$ENC_CONNS")"
printf 'base_dir: %s\nvaults:\n%s\n' "$enc" "$EVAULTS" >"$enc/boot.yaml"
for who in unix tcp; do
	# The first Initialize derives the KEK (Argon2id, about a second).
	if ! "$B/sigil" -c "$enc/boot.yaml" generate -v "enc_$who" -t tz1 >"$enc/$who.gen" \
		2>>"$T/tools.log"; then
		echo "bench: sigil generate -v enc_$who failed:"
		tail -5 "$T/tools.log" "$ENC_DIR/$who.log"; exit 1
	fi
	cut -d' ' -f1 "$enc/$who.gen" >"$enc/$who.addrs"
done
run_tool rpc_unix_ "$B/bench_enclave_rpc" -s "$ENC_DIR/unix/holder.sock" -c "$ENC_CONNS"
run_tool rpc_tcp_ "$B/bench_enclave_rpc" -t "$HOLDER_TCP" -c "$ENC_CONNS"
"$B/bench_mkvault" "$enc/keys.json" 1 >"$enc/file.addrs"
cat "$enc/file.addrs" "$enc/unix.addrs" "$enc/tcp.addrs" >"$enc/addrs"
API=$(free_port); UTIL=$(free_port)
write_config "$enc" "$API" "$UTIL" "{attestation: , generic: [transaction]}" "$enc/addrs" "$EVAULTS"
start_sigild "$enc" "$UTIL"
declare -A etp ecpu ehcpu e50 e99 ea50 ea99 eratio ediff
for who in file unix tcp; do
	LOAD_PID2=${HPID[$who]:-} WARM=1 DUR=1 LOAD_PID=$SIGILD_PID load ew_ "$API" "$enc/$who.addrs" generic "$CONNS"
done
for r in $(seq 1 "$ROUNDS"); do
	echo "bench:   round $r"
	order="file unix tcp"; [ $((r % 2)) = 0 ] && order="tcp unix file"
	declare -A xok=() xsent=() xcpu=() xhcpu=() x50=() x99=() y50=() y99=()
	for i in $(seq 1 "$SLICES"); do
		for who in $order; do
			LOAD_PID2=${HPID[$who]:-} WARM=0 DUR=1 LOAD_PID=$SIGILD_PID \
				load ex_ "$API" "$enc/$who.addrs" generic "$CONNS"
			xok[$who]=$(( ${xok[$who]:-0} + R[ex_ok] ))
			xsent[$who]=$(( ${xsent[$who]:-0} + R[ex_sent] ))
			xcpu[$who]=$(calc "${xcpu[$who]:-0} + ${R[ex_cpu_us]} * ${R[ex_sent]}" 1)
			[ "$who" = file ] || xhcpu[$who]=$(calc "${xhcpu[$who]:-0} + ${R[ex_cpu2_us]} * ${R[ex_sent]}" 1)
			x50[$who]="${x50[$who]:-} ${R[ex_p50_ms]}"; x99[$who]="${x99[$who]:-} ${R[ex_p99_ms]}"
		done
	done
	for i in $(seq 1 "$SLICES"); do
		for who in $order; do
			WARM=0 DUR=1 load ey_ "$API" "$enc/$who.addrs" attestation 1 \
				-l $((r * 100000000 + i * 1000000))
			y50[$who]="${y50[$who]:-} ${R[ey_p50_ms]}"; y99[$who]="${y99[$who]:-} ${R[ey_p99_ms]}"
		done
	done
	# shellcheck disable=SC2086 # the lists are space-separated numbers
	for who in file unix tcp; do
		etp[$who]="${etp[$who]:-} $((xok[$who] / SLICES))"
		ecpu[$who]="${ecpu[$who]:-} $(calc "${xcpu[$who]} / ${xsent[$who]}" 1)"
		e50[$who]="${e50[$who]:-} $(median ${x50[$who]})"; e99[$who]="${e99[$who]:-} $(median ${x99[$who]})"
		ea50[$who]="${ea50[$who]:-} $(median ${y50[$who]})"; ea99[$who]="${ea99[$who]:-} $(median ${y99[$who]})"
		[ "$who" = file ] && continue
		ehcpu[$who]="${ehcpu[$who]:-} $(calc "${xhcpu[$who]} / ${xsent[$who]}" 1)"
		eratio[$who]="${eratio[$who]:-} $(calc "${xok[$who]} / ${xok[file]}")"
		ediff[$who]="${ediff[$who]:-} $(calc "($(median ${y50[$who]}) - $(median ${y50[file]})) * 1000" 1)"
	done
done
stop "$SIGILD_PID"
stop "${HPID[unix]}"
stop "${HPID[tcp]}"

# ---- 7. tz1, tz2 and tz3 in a PKCS#11 token (SoftHSM2) -----------------------
# A SoftHSM2 token made for the run (its own SOFTHSM2_CONF and token
# directory under $T), two of them in fact: "sigil-bench" with a tz1, a tz2
# and a tz3 key, "sigil-pool" with three keys of P11_POOL_TYPE labelled
# pool1, pool2 and pool4, all made inside the token (sigil generate -v).
# First bench_p11_raw times the token alone: C_SignInit + C_Sign on one
# session, then on 2 and 4 sessions from as many threads (and on nproc if
# that is neither). Then one sigild holding a tz1, a tz2 and a tz3 key in
# the file vault (bench_mkvault), the "sigil-bench" keys in a pkcs11 vault
# at its defaults (one session per core, verify_signatures on), and three
# more pkcs11 vaults, each with one pool key and sessions: 1, 2 and 4. The
# generic load of 2, in one-second slices: per round P11_SLICES of each
# key, the file key and the token key of one type side by side (tz1 file
# tz1 token tz2 file … in odd rounds, the reverse in even ones), then the
# pool keys likewise. R[p11_tzN_ratio] is the token key's signs/s ÷ the
# file key's in the same round. All five vaults share one SoftHSM2 (one
# C_Initialize for the process), as two vaults on one module always do;
# only one key is under load at a time, and the sessions of the others sit
# idle. A slice per key and round keeps the section near 80 s (90 on a
# busy host).
P11_MODULE=${BENCH_P11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
P11=0
if [ ! -e "$P11_MODULE" ] || ! command -v softhsm2-util >/dev/null; then
	echo "bench: SoftHSM2 is not installed ($P11_MODULE, softhsm2-util): section 7 (PKCS#11) skipped"
else
	P11=1
fi
if [ "$P11" = 1 ]; then
	echo "bench: sigild with tz1-3 keys in the file vault and in a SoftHSM2 token, $ROUNDS rounds"
	p11=$T/p11
	mkdir -p "$p11/watermarks" "$p11/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$p11/tokens" >"$p11/softhsm2.conf"
	export SOFTHSM2_CONF=$p11/softhsm2.conf
	export PKCS11_PIN="bench-pin-not-a-secret"
	for tok in sigil-bench sigil-pool; do
		softhsm2-util --init-token --free --label "$tok" --pin "$PKCS11_PIN" \
			--so-pin "bench-so-pin" >/dev/null 2>>"$T/tools.log" ||
			{ echo "bench: softhsm2-util --init-token failed:"; tail -5 "$T/tools.log"; exit 1; }
	done
	printf 'base_dir: %s\nvaults:\n%s\n%s\n' "$p11" "$(p11_vault hsm "$P11_MODULE" sigil-bench)" \
		"$(p11_vault pool "$P11_MODULE" sigil-pool)" >"$p11/boot.yaml"
	p11_gen() { # p11_gen VAULT TYPE LABEL WHO: the key's address in $p11/WHO.addrs
		if ! "$B/sigil" -c "$p11/boot.yaml" generate -v "$1" -t "$2" --name "$3" \
			>"$p11/$4.gen" 2>>"$T/tools.log" </dev/null; then
			echo "bench: sigil generate -v $1 -t $2 failed:"; tail -5 "$T/tools.log"; exit 1
		fi
		cut -d' ' -f1 "$p11/$4.gen" >"$p11/$4.addrs"
	}
	for tz in tz1 tz2 tz3; do p11_gen hsm "$tz" "$tz" "token_$tz"; done
	for n in 1 2 4; do p11_gen pool "$P11_POOL_TYPE" "pool$n" "pool$n"; done
	p11_threads="2,4"; case $(nproc) in 1|2|4) ;; *) p11_threads="2,4,$(nproc)" ;; esac
	if [ -x "$B/bench_p11_raw" ]; then
		run_tool p11raw_ "$B/bench_p11_raw" -m "$P11_MODULE" -t sigil-bench -d 1 \
			-c "$p11_threads" tz1 tz2 tz3
	fi
	"$B/bench_mkvault" "$p11/keys.json" 3 ed25519,secp256k1,p256 >"$p11/file.addrs"
	for tz in tz1 tz2 tz3; do grep "^$tz" "$p11/file.addrs" >"$p11/file_$tz.addrs"; done
	cat "$p11/file.addrs" "$p11"/token_tz[123].addrs "$p11"/pool[124].addrs >"$p11/addrs"
	P11VAULTS="$(p11_vault hsm "$P11_MODULE" sigil-bench)"
	for n in 1 2 4; do
		P11VAULTS="$P11VAULTS
$(p11_vault "pool$n" "$P11_MODULE" sigil-pool "pool$n" "$n")"
	done
	API=$(free_port); UTIL=$(free_port)
	write_config "$p11" "$API" "$UTIL" "{generic: [transaction]}" "$p11/addrs" "$P11VAULTS"
	start_sigild "$p11" "$UTIL"
	# who: file_tzN (file vault), token_tzN (token), poolN (token, sessions N).
	p11_keys="file_tz1 token_tz1 file_tz2 token_tz2 file_tz3 token_tz3"
	p11_pools="pool1 pool2 pool4"
	# Warm-up outside the figures: connections, and the signing workers that
	# a vault that is not in process starts on first use.
	for who in file_tz1 token_tz1; do
		WARM=0 DUR=1 LOAD_PID=$SIGILD_PID load pw_ "$API" "$p11/$who.addrs" generic "$CONNS"
	done
	declare -A ptp pcpu p50 p99 pratio
	for r in $(seq 1 "$ROUNDS"); do
		echo "bench:   round $r"
		order="$p11_keys $p11_pools"
		# shellcheck disable=SC2086 # word lists
		[ $((r % 2)) = 0 ] && order=$(printf '%s\n' $order | tac | xargs)
		declare -A xok=() xsent=() xcpu=() x50=() x99=()
		for i in $(seq 1 "$P11_SLICES"); do
			for who in $order; do
				WARM=0 DUR=1 LOAD_PID=$SIGILD_PID load px_ "$API" "$p11/$who.addrs" generic "$CONNS"
				xok[$who]=$(( ${xok[$who]:-0} + R[px_ok] ))
				xsent[$who]=$(( ${xsent[$who]:-0} + R[px_sent] ))
				xcpu[$who]=$(calc "${xcpu[$who]:-0} + ${R[px_cpu_us]} * ${R[px_sent]}" 1)
				x50[$who]="${x50[$who]:-} ${R[px_p50_ms]}"; x99[$who]="${x99[$who]:-} ${R[px_p99_ms]}"
			done
		done
		# shellcheck disable=SC2086 # the lists are space-separated numbers
		for who in $p11_keys $p11_pools; do
			ptp[$who]="${ptp[$who]:-} $((xok[$who] / P11_SLICES))"
			pcpu[$who]="${pcpu[$who]:-} $(calc "${xcpu[$who]} / ${xsent[$who]}" 1)"
			p50[$who]="${p50[$who]:-} $(median ${x50[$who]})"; p99[$who]="${p99[$who]:-} $(median ${x99[$who]})"
		done
		for tz in tz1 tz2 tz3; do
			pratio[$tz]="${pratio[$tz]:-} $(calc "${xok[token_$tz]} / ${xok[file_$tz]}")"
		done
	done
	# Every request answered (load stops the run otherwise), but a session
	# lost and signed again on another would show here only.
	if grep -E '^[^ ]+ (warn|error) ' "$p11/sigild.log" | grep -q "vault"; then
		echo "bench: WARNING: the vaults logged warnings under load:"
		grep -E '^[^ ]+ (warn|error) ' "$p11/sigild.log" | grep "vault" | cut -d' ' -f2- |
			sort | uniq -c | sort -rn | head -5
	fi
	stop "$SIGILD_PID"
	unset SOFTHSM2_CONF PKCS11_PIN
fi

# ---- 8. Ethereum over /v1 and Atto votes, each beside its bare server ------
# bench/chains.sh: one sigild with a secp256k1 key (ethereum:, transfers on
# chain 1) and an ed25519 key (atto:, votes, atto_api on a port of its own),
# one token with ethereum:* and atto:*; bench_bare eth (keccak-256 +
# libsecp256k1 recoverable) and bench_bare atto (blake2b-256 + Ed25519) on
# the same HTTP library and threads. CHAIN_SLICES one-second slices of each
# of the four loads a round, alternating; R[eth_ratio], R[atto_ratio]:
# sigild ÷ bare in the same round.
chains_run

# ---- 9. Solana, Polkadot and Bitcoin over /v1, beside their primitives -----
# bench/chains2.sh: one sigild with an ed25519 (solana:), an sr25519
# (polkadot:, Westend) and a secp256k1 key (bitcoin:), one token with the
# three chains; each chain's load in one-second slices, each followed by its
# primitive alone on one core (bench_raw, bench_sr25519_raw); R[X_cpu_ratio]:
# the primitive's µs ÷ sigild's CPU µs per request in the same round.
chains2_run

# ---- 10. watermarks on PostgreSQL: one and two instances, file beside -----
# bench/pgwm.sh: a PostgreSQL cluster with fsync on; attestations over
# NKEYS keys on the file store, on the postgres store from one sigild, and
# from two sigild sharing the database, in one-second slices alternating.
pgwm_run

# ---- the figures: medians over the rounds ---------------------------------
R[fdatasync_p50_ms]=$(median "${fs50[@]}")
R[fdatasync_p99_ms]=$(median "${fs99[@]}")
R[bare_http_sign_per_s]=$(median "${btp[@]}")
R[bare_cpu_us_per_sign]=$(median "${bcpu[@]}")
R[bare_http_p50_ms]=$(median "${blat[@]}")
R[http_generic_tz1_signs_per_s]=$(median "${gtp[@]}")
R[http_generic_tz1_cpu_us_per_sign]=$(median "${gcpu[@]}")
R[http_generic_tz1_p50_ms]=$(median "${g50[@]}")
R[http_generic_tz1_p99_ms]=$(median "${g99[@]}")
R[http_generic_tz1_ratio]=$(median "${gratio[@]}")
R[http_generic_tz1_cpu_ratio]=$(calc "${R[bare_cpu_us_per_sign]} / ${R[http_generic_tz1_cpu_us_per_sign]}")
R[raw_bls_signs_per_s]=$(median "${rbls[@]}")
R[sigil_bls_signs_per_s]=$(median "${sbls[@]}")
R[sigil_bls_ratio]=$(median "${blsratio[@]}")
R[raw_bls_us_per_sign]=$(calc "1e6 / ${R[raw_bls_signs_per_s]}" 1)
R[http_tz4_signs_per_s]=$(median "${t4tp[@]}")
R[http_tz4_cpu_us_per_sign]=$(median "${t4cpu[@]}")
R[http_tz4_p50_ms]=$(median "${t450[@]}")
R[http_tz4_p99_ms]=$(median "${t499[@]}")
R[http_tz4_ratio]=$(median "${t4ratio[@]}")
R[http_tz4_cpu_ratio]=$(median "${t4cratio[@]}")
R[attestation_p50_ms]=$(median "${a50[@]}")
R[attestation_p99_ms]=$(median "${a99[@]}")
R[attestation_p50_ratio]=$(median "${aratio[@]}")
R[distinct_keys_attestations_per_s]=$(median "${ktp[@]}")
R[distinct_keys_cpu_us_per_sign]=$(median "${kcpu[@]}")
R[distinct_keys_p50_ms]=$(median "${k50[@]}")
R[distinct_keys_p99_ms]=$(median "${k99[@]}")
# shellcheck disable=SC2086 # space-separated lists of numbers
for tz in tz1 tz2 tz3; do
	R[http_${tz}_signs_per_s]=$(median ${mtp[$tz]})
	R[http_${tz}_cpu_us_per_sign]=$(median ${mcpu[$tz]})
	R[http_${tz}_cpu_us_over_raw]=$(median ${mover[$tz]})
	R[http_${tz}_p50_ms]=$(median ${m50[$tz]})
	R[http_${tz}_p99_ms]=$(median ${m99[$tz]})
	R[http_${tz}_to_tz1]=$(median ${mrel[$tz]})
done
# shellcheck disable=SC2086 # space-separated lists of numbers
for who in file unix tcp; do
	R[enclave_${who}_generic_signs_per_s]=$(median ${etp[$who]})
	R[enclave_${who}_cpu_us_per_sign]=$(median ${ecpu[$who]})
	R[enclave_${who}_generic_p50_ms]=$(median ${e50[$who]})
	R[enclave_${who}_generic_p99_ms]=$(median ${e99[$who]})
	R[enclave_${who}_attestation_p50_ms]=$(median ${ea50[$who]})
	R[enclave_${who}_attestation_p99_ms]=$(median ${ea99[$who]})
	[ "$who" = file ] && continue
	R[enclave_${who}_holder_cpu_us_per_sign]=$(median ${ehcpu[$who]})
	R[enclave_${who}_ratio]=$(median ${eratio[$who]})
	R[enclave_${who}_attestation_p50_diff_us]=$(median ${ediff[$who]})
done
# shellcheck disable=SC2086 # space-separated lists of numbers
for who in plain checked; do
	R[verify_${who}_signs_per_s]=$(median ${vtp[$who]})
	R[verify_${who}_cpu_us_per_sign]=$(median ${vcpu[$who]})
	R[verify_${who}_p50_ms]=$(median ${v50[$who]})
done
R[verify_tz1_ratio]=$(median "${vratio[@]}")
R[enclave_connections]=$ENC_CONNS
if [ "$P11" = 1 ]; then
	# shellcheck disable=SC2086 # space-separated lists of numbers
	for who in $p11_keys $p11_pools; do
		R[p11_${who}_signs_per_s]=$(median ${ptp[$who]})
		R[p11_${who}_cpu_us_per_sign]=$(median ${pcpu[$who]})
		R[p11_${who}_p50_ms]=$(median ${p50[$who]})
		R[p11_${who}_p99_ms]=$(median ${p99[$who]})
	done
	# shellcheck disable=SC2086 # space-separated lists of numbers
	for tz in tz1 tz2 tz3; do
		R[p11_${tz}_ratio]=$(median ${pratio[$tz]})
		[ -n "${R[p11raw_${tz}_1_signs_per_s]:-}" ] || continue
		# SoftHSM2 alone against the library the file vault signs with
		# (section 1), and what sigild spends on a token request beyond
		# the token's own time for one signature (the check included).
		R[p11raw_${tz}_to_lib]=$(calc "${R[p11raw_${tz}_1_signs_per_s]} / ${R[raw_${rawname[$tz]}_signs_per_s]}")
		R[p11_token_${tz}_cpu_us_over_raw]=$(calc "${R[p11_token_${tz}_cpu_us_per_sign]} - 1e6 / ${R[p11raw_${tz}_1_signs_per_s]}" 1)
	done
	R[p11_pool_type]="\"$P11_POOL_TYPE\""
fi
R[rss_ready_1000_keys_mb]=$(calc "${R[rss_ready_kb]} / 1024" 1)
R[argon2id_share_of_startup]=$(calc "${R[argon2id_interactive_ms]} / ${R[startup_ms]}")
R[load_average]=$LOADAVG

# ---- the table ----------------------------------------------------------
echo
echo "sigil benchmarks: $(nproc) cores, load average $LOADAVG at start, $CONNS connections,"
echo "${WARM} s warm-up + ${DUR} s per run, comparisons in $SLICES alternating 1 s slices each,"
echo "median of $ROUNDS rounds (range in brackets)"
row "figure" "value" "reference / goal"
row "raw Ed25519 signs/s (1 core)" "${R[raw_ed25519_signs_per_s]}" "libsodium, 32-byte digest"
row "raw secp256k1 signs/s (1 core)" "${R[raw_secp256k1_signs_per_s]}" "libsecp256k1"
row "raw P-256 signs/s (1 core)" "${R[raw_p256_signs_per_s]}" "OpenSSL EVP, one context"
row "sigil Ed25519 / secp / P-256 signs/s" \
	"${R[sigil_ed25519_signs_per_s]}/${R[sigil_secp256k1_signs_per_s]}/${R[sigil_p256_signs_per_s]}" \
	"prepared key (crypto/sig.h), 1 core"
ratios_ok="${R[sigil_ed25519_ratio]} >= 0.95 && ${R[sigil_secp256k1_ratio]} >= 0.95 &&"
ratios_ok="$ratios_ok ${R[sigil_p256_ratio]} >= 0.95 && ${R[sigil_bls_ratio]} >= 0.95"
row "  sigil/raw Ed25519 / secp / P-256 / BLS" \
	"${R[sigil_ed25519_ratio]}/${R[sigil_secp256k1_ratio]}/${R[sigil_p256_ratio]}/${R[sigil_bls_ratio]}" \
	"goal each >= 0.95: $(ok "$ratios_ok") [BLS $(range "${blsratio[@]}")]"
row "fdatasync p50 / p99 ms" "${R[fdatasync_p50_ms]} / ${R[fdatasync_p99_ms]}" "256 B in place [$(range "${fs50[@]}")]"
row "bare server signs/s" "${R[bare_http_sign_per_s]}" "MHD epoll pool 2 [$(range "${btp[@]}")]"
row "bare server CPU us/sign" "${R[bare_cpu_us_per_sign]}" ""
row "bare server p50 ms (1 in flight)" "${R[bare_http_p50_ms]}" "[$(range "${blat[@]}")]"
row "tz1 generic signs/s" "${R[http_generic_tz1_signs_per_s]}" "[$(range "${gtp[@]}")]"
row "  ratio to bare server" "${R[http_generic_tz1_ratio]}" "goal >= 0.9: $(ok "${R[http_generic_tz1_ratio]} >= 0.9") [$(range "${gratio[@]}")]"
row "  CPU us/sign (bare/sigil ratio)" "${R[http_generic_tz1_cpu_us_per_sign]} (${R[http_generic_tz1_cpu_ratio]})" "less disturbed by other load"
row "raw BLS signs/s (1 core)" "${R[raw_bls_signs_per_s]}" "blst, POP hash-to-G2 + sign, 100 B [$(range "${rbls[@]}")]"
row "  us/sign; via sigil_key_bls_sign signs/s" "${R[raw_bls_us_per_sign]}; ${R[sigil_bls_signs_per_s]}" "prepared key, 1 core"
row "tz4 generic signs/s ($(nproc) cores)" "${R[http_tz4_signs_per_s]}" "$SLICES x 1 s a round [$(range "${t4tp[@]}")]"
row "  ratio to raw BLS (1 core)" "${R[http_tz4_ratio]}" "server on $(nproc) cores [$(range "${t4ratio[@]}")]"
row "  CPU us/sign (raw/sigil ratio)" "${R[http_tz4_cpu_us_per_sign]} (${R[http_tz4_cpu_ratio]})" "goal >= 0.9: $(ok "${R[http_tz4_cpu_ratio]} >= 0.9") [$(range "${t4cratio[@]}")]"
row "  p50 / p99 ms" "${R[http_tz4_p50_ms]} / ${R[http_tz4_p99_ms]}" ""
row "tz1 / tz2 / tz3 generic signs/s" "${R[http_tz1_signs_per_s]}/${R[http_tz2_signs_per_s]}/${R[http_tz3_signs_per_s]}" \
	"one sigild, one key of each, $SLICES x 1 s each a round"
# shellcheck disable=SC2086 # space-separated lists of numbers
row "  tz2 / tz3 to tz1, same rounds" "${R[http_tz2_to_tz1]} / ${R[http_tz3_to_tz1]}" \
	"[tz2 $(range ${mrel[tz2]}), tz3 $(range ${mrel[tz3]})]"
row "  CPU us/sign tz1 / tz2 / tz3" \
	"${R[http_tz1_cpu_us_per_sign]}/${R[http_tz2_cpu_us_per_sign]}/${R[http_tz3_cpu_us_per_sign]}" ""
row "  less the primitive's us" \
	"${R[http_tz1_cpu_us_over_raw]}/${R[http_tz2_cpu_us_over_raw]}/${R[http_tz3_cpu_us_over_raw]}" \
	"what HTTP and sigil add to one signature"
row "  p50 ms tz1 / tz2 / tz3" "${R[http_tz1_p50_ms]}/${R[http_tz2_p50_ms]}/${R[http_tz3_p50_ms]}" \
	"p99 ${R[http_tz1_p99_ms]}/${R[http_tz2_p99_ms]}/${R[http_tz3_p99_ms]}"
row "tz1 signs/s, verify_signatures off / on" "${R[verify_plain_signs_per_s]}/${R[verify_checked_signs_per_s]}" \
	"file vault, one sigild, 3 x 1 s each a round"
row "  on / off, same rounds" "${R[verify_tz1_ratio]}" "[$(range "${vratio[@]}")]"
row "  CPU us/sign off / on" "${R[verify_plain_cpu_us_per_sign]}/${R[verify_checked_cpu_us_per_sign]}" \
	"p50 ms ${R[verify_plain_p50_ms]}/${R[verify_checked_p50_ms]}"
row "attestation p50 / p99 ms (1 in flight)" "${R[attestation_p50_ms]} / ${R[attestation_p99_ms]}" "durable file watermark"
row "  p50 / (bare p50 + fdatasync p50)" "${R[attestation_p50_ratio]}" "goal <= 1.2: $(ok "${R[attestation_p50_ratio]} <= 1.2") [$(range "${aratio[@]}")]"
row "attestations/s, $NKEYS keys, $CONNS in flight" "${R[distinct_keys_attestations_per_s]}" "goal >= 20000: $(ok "${R[distinct_keys_attestations_per_s]} >= 20000") [$(range "${ktp[@]}")]"
row "  CPU us/sign; p50 / p99 ms" "${R[distinct_keys_cpu_us_per_sign]}; ${R[distinct_keys_p50_ms]} / ${R[distinct_keys_p99_ms]}" ""
row "RSS MB, $NKEYS keys, after load" "${R[rss_1000_keys_mb]}" "goal <= 32: $(ok "${R[rss_1000_keys_mb]} <= 32") (peak ${R[hwm_1000_keys_mb]})"
row "RSS MB, $NKEYS keys, just ready" "${R[rss_ready_1000_keys_mb]}" ""
row "start-up ms, $NKEYS keys (median of 5)" "${R[startup_ms]}" "goal <= 200: $(ok "${R[startup_ms]} <= 200") [${R[startup_min_ms]}-${R[startup_max_ms]}]"
row "  Argon2id (64 MiB) / whole vault open ms" "${R[argon2id_interactive_ms]} / ${R[vault_open_ms]}" "Argon2id share ${R[argon2id_share_of_startup]}"
echo "tz1 keys in the key holder (sigil-enclave) beside one in the file vault, one sigild,"
echo "each vault's pool $ENC_CONNS connections; file / unix socket / TCP, $SLICES x 1 s each a round:"
# shellcheck disable=SC2086 # space-separated lists of numbers
{
row "tz1 generic signs/s file / unix / tcp" \
	"${R[enclave_file_generic_signs_per_s]}/${R[enclave_unix_generic_signs_per_s]}/${R[enclave_tcp_generic_signs_per_s]}" \
	"$CONNS connections [file $(range ${etp[file]})]"
row "  enclave / file, unix" "${R[enclave_unix_ratio]}" \
	"goal >= 0.8: $(ok "${R[enclave_unix_ratio]} >= 0.8") [$(range ${eratio[unix]})]"
row "  enclave / file, tcp" "${R[enclave_tcp_ratio]}" \
	"goal >= 0.8: $(ok "${R[enclave_tcp_ratio]} >= 0.8") [$(range ${eratio[tcp]})]"
row "  sigild CPU us/sign file / unix / tcp" \
	"${R[enclave_file_cpu_us_per_sign]}/${R[enclave_unix_cpu_us_per_sign]}/${R[enclave_tcp_cpu_us_per_sign]}" \
	"+ the holder's: unix ${R[enclave_unix_holder_cpu_us_per_sign]}, tcp ${R[enclave_tcp_holder_cpu_us_per_sign]}"
row "  p50 ms file / unix / tcp" \
	"${R[enclave_file_generic_p50_ms]}/${R[enclave_unix_generic_p50_ms]}/${R[enclave_tcp_generic_p50_ms]}" \
	"p99 ${R[enclave_file_generic_p99_ms]}/${R[enclave_unix_generic_p99_ms]}/${R[enclave_tcp_generic_p99_ms]}"
row "attestation p50 ms file / unix / tcp" \
	"${R[enclave_file_attestation_p50_ms]}/${R[enclave_unix_attestation_p50_ms]}/${R[enclave_tcp_attestation_p50_ms]}" \
	"1 in flight; p99 ${R[enclave_file_attestation_p99_ms]}/${R[enclave_unix_attestation_p99_ms]}/${R[enclave_tcp_attestation_p99_ms]}"
row "  p50 less the file key's, us, unix" "${R[enclave_unix_attestation_p50_diff_us]}" \
	"goal <= 50: $(ok "${R[enclave_unix_attestation_p50_diff_us]} <= 50") [$(range ${ediff[unix]})]"
row "  p50 less the file key's, us, tcp" "${R[enclave_tcp_attestation_p50_diff_us]}" \
	"goal <= 50: $(ok "${R[enclave_tcp_attestation_p50_diff_us]} <= 50") [$(range ${ediff[tcp]})]"
}
row "key holder alone, unix / tcp:" "" "bench_enclave_rpc, one connection"
row "  Sign round trip p50 / p99 us" \
	"${R[rpc_unix_sign_rtt_p50_us]}/${R[rpc_unix_sign_rtt_p99_us]}, ${R[rpc_tcp_sign_rtt_p50_us]}/${R[rpc_tcp_sign_rtt_p99_us]}" \
	"signs/s ${R[rpc_unix_signs_per_s]} / ${R[rpc_tcp_signs_per_s]}"
row "  PublicKey round trip p50 us" "${R[rpc_unix_pk_rtt_p50_us]} / ${R[rpc_tcp_pk_rtt_p50_us]}" \
	"the same without a signature"
row "  echo to a process / a thread p50 us" \
	"${R[rpc_unix_echo_proc_rtt_p50_us]}/${R[rpc_unix_echo_thread_rtt_p50_us]}, ${R[rpc_tcp_echo_proc_rtt_p50_us]}/${R[rpc_tcp_echo_thread_rtt_p50_us]}" \
	"the floor of any round trip"
row "  CBOR, both ends; Ed25519 in process us" \
	"${R[rpc_unix_codec_us]}; ${R[rpc_unix_local_sign_us]}" "per Sign"
row "  signs/s over $ENC_CONNS connections" "${R[rpc_unix_par_signs_per_s]} / ${R[rpc_tcp_par_signs_per_s]}" \
	"as many as the vault's, one call at a time"
row "  the same, 32 calls in flight on each" "${R[rpc_unix_pipe_signs_per_s]} / ${R[rpc_tcp_pipe_signs_per_s]}" \
	"as the vault keeps them"

if [ "$P11" = 1 ]; then
	pt=$P11_POOL_TYPE
	echo "tz1-3 keys in a SoftHSM2 token (pkcs11 vault at its defaults: $(nproc) sessions, one a core,"
	echo "verify_signatures on) beside the same types in the file vault, one sigild, $P11_SLICES x 1 s each a round:"
	if [ -n "${R[p11raw_tz1_1_signs_per_s]:-}" ]; then
		row "SoftHSM2 alone signs/s tz1 / tz2 / tz3" \
			"${R[p11raw_tz1_1_signs_per_s]}/${R[p11raw_tz2_1_signs_per_s]}/${R[p11raw_tz3_1_signs_per_s]}" \
			"bench_p11_raw, 1 session, 1 thread"
		row "  C_SignInit + C_Sign us tz1" "${R[p11raw_tz1_init_us]} + ${R[p11raw_tz1_sign_us]}" \
			"tz2 ${R[p11raw_tz2_init_us]} + ${R[p11raw_tz2_sign_us]}, tz3 ${R[p11raw_tz3_init_us]} + ${R[p11raw_tz3_sign_us]}"
		row "  ÷ the raw primitive (section 1)" \
			"${R[p11raw_tz1_to_lib]}/${R[p11raw_tz2_to_lib]}/${R[p11raw_tz3_to_lib]}" \
			"libsodium / libsecp256k1 / OpenSSL"
		row "  2 / 4 sessions, threads: tz1" "${R[p11raw_tz1_2_signs_per_s]}/${R[p11raw_tz1_4_signs_per_s]}" \
			"tz2 ${R[p11raw_tz2_2_signs_per_s]}/${R[p11raw_tz2_4_signs_per_s]}, tz3 ${R[p11raw_tz3_2_signs_per_s]}/${R[p11raw_tz3_4_signs_per_s]}"
	fi
	# shellcheck disable=SC2086 # space-separated lists of numbers
	for tz in tz1 tz2 tz3; do
		row "$tz generic signs/s file / token" \
			"${R[p11_file_${tz}_signs_per_s]}/${R[p11_token_${tz}_signs_per_s]}" \
			"$CONNS connections [token $(range ${ptp[token_$tz]})]"
		row "  token / file, same rounds" "${R[p11_${tz}_ratio]}" "[$(range ${pratio[$tz]})]"
		row "  sigild CPU us/sign file / token" \
			"${R[p11_file_${tz}_cpu_us_per_sign]}/${R[p11_token_${tz}_cpu_us_per_sign]}" \
			"${R[p11_token_${tz}_cpu_us_over_raw]:+token less SoftHSM2 alone: ${R[p11_token_${tz}_cpu_us_over_raw]}}"
		row "  p50 ms file / token" "${R[p11_file_${tz}_p50_ms]}/${R[p11_token_${tz}_p50_ms]}" \
			"p99 ${R[p11_file_${tz}_p99_ms]}/${R[p11_token_${tz}_p99_ms]}"
	done
	row "$pt token key, sessions 1 / 2 / 4 signs/s" \
		"${R[p11_pool1_signs_per_s]}/${R[p11_pool2_signs_per_s]}/${R[p11_pool4_signs_per_s]}" \
		"${R[p11raw_${pt}_1_signs_per_s]:+SoftHSM2 alone, 1/2/4 threads: ${R[p11raw_${pt}_1_signs_per_s]}/${R[p11raw_${pt}_2_signs_per_s]}/${R[p11raw_${pt}_4_signs_per_s]}}"
	row "  sigild CPU us/sign" \
		"${R[p11_pool1_cpu_us_per_sign]}/${R[p11_pool2_cpu_us_per_sign]}/${R[p11_pool4_cpu_us_per_sign]}" ""
	row "  p50 ms" "${R[p11_pool1_p50_ms]}/${R[p11_pool2_p50_ms]}/${R[p11_pool4_p50_ms]}" \
		"p99 ${R[p11_pool1_p99_ms]}/${R[p11_pool2_p99_ms]}/${R[p11_pool4_p99_ms]}"
fi
echo "Ethereum over /v1 and Atto votes, one sigild, each beside its bare server (same HTTP"
echo "library and threads, only that chain's hash and primitive), $CHAIN_SLICES x 1 s each a round:"
chains_table
echo "Solana, Polkadot and Bitcoin over /v1, one sigild, each beside its primitive alone on"
echo "one core, $CHAIN_SLICES x 1 s of each a round:"
chains2_table
echo "Watermarked attestations on the postgres store (fsync on) beside the file store,"
echo "$CHAIN_SLICES x 1 s of each a round:"
pgwm_table

# ---- results.json ---------------------------------------------------------
fields=(raw_ed25519_signs_per_s raw_secp256k1_signs_per_s raw_p256_signs_per_s
	sigil_ed25519_signs_per_s sigil_secp256k1_signs_per_s sigil_p256_signs_per_s
	sigil_ed25519_ratio sigil_secp256k1_ratio sigil_p256_ratio sigil_bls_ratio
	bare_http_sign_per_s bare_cpu_us_per_sign bare_http_p50_ms fdatasync_p50_ms fdatasync_p99_ms
	http_generic_tz1_signs_per_s http_generic_tz1_ratio http_generic_tz1_cpu_us_per_sign
	http_generic_tz1_cpu_ratio http_generic_tz1_p50_ms http_generic_tz1_p99_ms
	raw_bls_signs_per_s sigil_bls_signs_per_s raw_bls_us_per_sign
	http_tz4_signs_per_s http_tz4_ratio http_tz4_cpu_us_per_sign http_tz4_cpu_ratio
	http_tz4_p50_ms http_tz4_p99_ms
	http_tz1_signs_per_s http_tz2_signs_per_s http_tz3_signs_per_s
	http_tz2_to_tz1 http_tz3_to_tz1
	http_tz1_cpu_us_per_sign http_tz2_cpu_us_per_sign http_tz3_cpu_us_per_sign
	http_tz1_cpu_us_over_raw http_tz2_cpu_us_over_raw http_tz3_cpu_us_over_raw
	http_tz1_p50_ms http_tz2_p50_ms http_tz3_p50_ms http_tz1_p99_ms http_tz2_p99_ms http_tz3_p99_ms
	attestation_p50_ms attestation_p99_ms attestation_p50_ratio
	distinct_keys_attestations_per_s distinct_keys_cpu_us_per_sign distinct_keys_p50_ms
	distinct_keys_p99_ms rss_1000_keys_mb hwm_1000_keys_mb rss_ready_1000_keys_mb
	sigild_1key_rss_mb startup_ms startup_min_ms startup_max_ms argon2id_interactive_ms
	vault_open_ms argon2id_share_of_startup mkvault_ms
	enclave_connections
	enclave_file_generic_signs_per_s enclave_unix_generic_signs_per_s enclave_tcp_generic_signs_per_s
	enclave_unix_ratio enclave_tcp_ratio
	enclave_file_cpu_us_per_sign enclave_unix_cpu_us_per_sign enclave_tcp_cpu_us_per_sign
	enclave_unix_holder_cpu_us_per_sign enclave_tcp_holder_cpu_us_per_sign
	enclave_file_generic_p50_ms enclave_unix_generic_p50_ms enclave_tcp_generic_p50_ms
	enclave_file_generic_p99_ms enclave_unix_generic_p99_ms enclave_tcp_generic_p99_ms
	enclave_file_attestation_p50_ms enclave_unix_attestation_p50_ms enclave_tcp_attestation_p50_ms
	enclave_file_attestation_p99_ms enclave_unix_attestation_p99_ms enclave_tcp_attestation_p99_ms
	enclave_unix_attestation_p50_diff_us enclave_tcp_attestation_p50_diff_us
	rpc_unix_sign_rtt_p50_us rpc_unix_sign_rtt_p99_us rpc_unix_signs_per_s rpc_unix_pk_rtt_p50_us
	rpc_unix_echo_proc_rtt_p50_us rpc_unix_echo_thread_rtt_p50_us rpc_unix_codec_us
	rpc_unix_local_sign_us rpc_unix_par_signs_per_s rpc_unix_pipe_signs_per_s
	rpc_tcp_sign_rtt_p50_us rpc_tcp_sign_rtt_p99_us rpc_tcp_signs_per_s rpc_tcp_pk_rtt_p50_us
	rpc_tcp_echo_proc_rtt_p50_us rpc_tcp_echo_thread_rtt_p50_us rpc_tcp_codec_us
	rpc_tcp_local_sign_us rpc_tcp_par_signs_per_s rpc_tcp_pipe_signs_per_s
	verify_plain_signs_per_s verify_checked_signs_per_s verify_tz1_ratio
	verify_plain_cpu_us_per_sign verify_checked_cpu_us_per_sign verify_plain_p50_ms
	verify_checked_p50_ms
	"${CHAIN_FIELDS[@]}"
	"${CHAIN2_FIELDS[@]}"
	"${PGWM_FIELDS[@]}"
	load_average)
# Section 7's figures, when it ran.
p11_round=""
if [ "$P11" = 1 ]; then
	fields+=(p11_pool_type)
	for who in $p11_keys $p11_pools; do
		for f in signs_per_s cpu_us_per_sign p50_ms p99_ms; do fields+=("p11_${who}_$f"); done
	done
	for tz in tz1 tz2 tz3; do
		fields+=("p11_${tz}_ratio")
		[ -n "${R[p11raw_${tz}_1_signs_per_s]:-}" ] || continue
		fields+=("p11_token_${tz}_cpu_us_over_raw" "p11raw_${tz}_to_lib" "p11raw_${tz}_init_us"
			"p11raw_${tz}_sign_us")
		for n in 1 ${p11_threads//,/ }; do fields+=("p11raw_${tz}_${n}_signs_per_s"); done
	done
	# shellcheck disable=SC2086 # space-separated lists of numbers
	p11_round=$(printf ', "p11_tz1_ratio": %s, "p11_tz2_ratio": %s, "p11_tz3_ratio": %s' \
		"$(json_list ${pratio[tz1]})" "$(json_list ${pratio[tz2]})" "$(json_list ${pratio[tz3]})")
fi
{
	echo "{"
	printf '  "generated": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '  "cpu": "%s",\n' "$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo | tr -d '"\\')"
	printf '  "cores": %s,\n' "$(nproc)"
	printf '  "connections": %s,\n  "keys": %s,\n  "warmup_s": %s,\n  "duration_s": %s,\n  "rounds": %s,\n' \
		"$CONNS" "$NKEYS" "$WARM" "$DUR" "$ROUNDS"
	printf '  "slices": %s,\n  "slice_s": 1,\n  "tz4_warmup_s": %s,\n  "raw_s": %s,\n' \
		"$SLICES" "$TZ4_WARM" "$RAW_S"
	# shellcheck disable=SC2086 # space-separated lists of numbers
	printf '  "per_round": {"http_generic_tz1_ratio": %s, "attestation_p50_ratio": %s, "distinct_keys_attestations_per_s": %s, "http_tz4_ratio": %s, "http_tz4_cpu_ratio": %s, "sigil_bls_ratio": %s, "http_tz2_to_tz1": %s, "http_tz3_to_tz1": %s, "enclave_unix_ratio": %s, "enclave_tcp_ratio": %s, "enclave_unix_attestation_p50_diff_us": %s, "enclave_tcp_attestation_p50_diff_us": %s, %s%s},\n' \
		"$(json_list "${gratio[@]}")" "$(json_list "${aratio[@]}")" "$(json_list "${ktp[@]}")" \
		"$(json_list "${t4ratio[@]}")" "$(json_list "${t4cratio[@]}")" "$(json_list "${blsratio[@]}")" \
		"$(json_list ${mrel[tz2]})" "$(json_list ${mrel[tz3]})" \
		"$(json_list ${eratio[unix]})" "$(json_list ${eratio[tcp]})" \
		"$(json_list ${ediff[unix]})" "$(json_list ${ediff[tcp]})" \
		"$(chains_per_round), $(chains2_per_round), $(pgwm_per_round)" "$p11_round"
	for i in "${!fields[@]}"; do
		sep=","; [ "$i" -eq $((${#fields[@]} - 1)) ] && sep=""
		printf '  "%s": %s%s\n' "${fields[$i]}" "${R[${fields[$i]}]}" "$sep"
	done
	echo "}"
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo
echo "bench: wrote $OUT"
