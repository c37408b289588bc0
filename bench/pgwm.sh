# shellcheck shell=bash
# shellcheck disable=SC2154 # R is bench/lib.sh's associative array
# Section 10 of scripts/bench.sh: watermarked attestations on the postgres
# watermark store, one and two sigild instances on one database, beside the
# file store, in the same rounds. Sourced by scripts/bench.sh after
# bench/lib.sh; uses its B, T, CONNS, NKEYS, ROUNDS and CHAIN_SLICES, and
# sets R[pgwm_…].
#
# A PostgreSQL 15 cluster is made for the run (tests/integration/pg.sh) with
# fsync on and synchronous_commit on: every committed mark is on disk before
# its signature leaves, as in production. NKEYS keys in one file vault,
# copied to three sigild: F on the file store, A and B on the postgres
# store. The keys are split in two halves, A's and B's, so that the two
# instances sign distinct keys (an operator's load balancer may send any
# key anywhere: the database decides, and distinct keys are the load that
# scales). Per round, CHAIN_SLICES times, one-second slices: F at CONNS
# connections; A at CONNS; A and B at once at CONNS each; then F and A at
# one request in flight (the p50 of one consensus request, round trip and
# commit included). Each load starts every key at its own new level.

PGWM_FIELDS=(pgwm_file_per_s pgwm_one_per_s pgwm_two_per_s pgwm_file_p50_1_ms pgwm_one_p50_1_ms
	pgwm_one_p50_ms pgwm_two_p50_ms pgwm_file_cpu_us pgwm_one_cpu_us pgwm_commits_per_s
	pgwm_marks_per_commit)

# pgwm_setup: the cluster, the vault, the three configs and sigilds
# (PGWM_F, PGWM_A, PGWM_B pids; ports in PGWM_PORT[f|a|b]).
pgwm_setup() {
	local x util
	pg=$T/pgwm
	mkdir -p "$pg/f" "$pg/a" "$pg/b"
	# pg.sh wants lib.sh's free_port; bench/lib.sh has one of the same use.
	# shellcheck source=tests/integration/pg.sh
	source tests/integration/pg.sh
	pg_start "$pg/db" >/dev/null
	psql -qc "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET synchronous_commit = on" \
		-c "ALTER SYSTEM SET full_page_writes = on" \
		-c "SELECT pg_reload_conf()" >/dev/null
	"$B/bench_mkvault" "$pg/f/keys.json" "$NKEYS" >"$pg/f/addrs"
	cp "$pg/f/keys.json" "$pg/a/keys.json"
	cp "$pg/f/keys.json" "$pg/b/keys.json"
	head -n $((NKEYS / 2)) "$pg/f/addrs" >"$pg/a/addrs"
	tail -n +$((NKEYS / 2 + 1)) "$pg/f/addrs" >"$pg/b/addrs"
	declare -gA PGWM_PORT PGWM_PID PGWM_UTIL
	for x in f a b; do
		PGWM_PORT[$x]=$(free_port)
		util=$(free_port)
		PGWM_UTIL[$x]=$util
		write_config "$pg/$x" "${PGWM_PORT[$x]}" "$util" "{attestation: }" "$pg/f/addrs"
		if [ "$x" != f ]; then
			sed -i '/^watermark:/,/^  dir:/c\watermark:\n  driver: postgres\n  conninfo: "'"$PG_CONNINFO"'"' \
				"$pg/$x/sigil.yaml"
			"$B/sigil" -c "$pg/$x/sigil.yaml" watermark init >/dev/null
		fi
		start_sigild "$pg/$x" "$util"
		PGWM_PID[$x]=$SIGILD_PID
	done
	PGWM_LEVEL=1000
}

# pgwm_load WHO PREFIX CONNS: one slice of sigild WHO's keys at CONNS.
pgwm_load() {
	PGWM_LEVEL=$((PGWM_LEVEL + 1000000))
	WARM=0 DUR=1 LOAD_PID=${PGWM_PID[$1]} load "$2" "${PGWM_PORT[$1]}" "$pg/$1/addrs" \
		attestation "$3" -l "$PGWM_LEVEL"
}

# pgwm_two: A and B at once, CONNS each; R[pw2_ok_per_s] their sum and
# R[pw2_p50_ms] the mean of their medians.
pgwm_two() {
	local la=$((PGWM_LEVEL + 1000000)) lb=$((PGWM_LEVEL + 2000000))
	PGWM_LEVEL=$lb
	"$B/bench_load" -p "${PGWM_PORT[a]}" -k "$pg/a/addrs" -m attestation -c "$CONNS" \
		-w 0 -d 1 -l "$la" >"$pg/two_a" 2>>"$T/tools.log" &
	local ja=$!
	"$B/bench_load" -p "${PGWM_PORT[b]}" -k "$pg/b/addrs" -m attestation -c "$CONNS" \
		-w 0 -d 1 -l "$lb" >"$pg/two_b" 2>>"$T/tools.log" || { echo "bench: two instances: B failed"; exit 1; }
	wait "$ja" || { echo "bench: two instances: A failed"; exit 1; }
	collect pwa_ <"$pg/two_a"
	collect pwb_ <"$pg/two_b"
	if [ "${R[pwa_errors]}" != 0 ] || [ "${R[pwb_errors]}" != 0 ]; then
		echo "bench: two instances had failed requests (${R[pwa_errors]}, ${R[pwb_errors]})"; exit 1
	fi
	R[pw2_ok_per_s]=$(calc "${R[pwa_ok_per_s]} + ${R[pwb_ok_per_s]}" 0)
	R[pw2_p50_ms]=$(calc "(${R[pwa_p50_ms]} + ${R[pwb_p50_ms]}) / 2" 3)
}

# pgwm_commits: instance A's committed batches (its /metrics).
pgwm_commits() {
	curl -s "http://127.0.0.1:${PGWM_UTIL[a]}/metrics" | awk '/^watermark_fsync_total /{print $2}'
}

pgwm_run() {
	local r s c0 t0
	echo "bench: postgres watermarks, 1 and 2 instances beside the file store, $ROUNDS rounds"
	pgwm_setup
	pgwm_load f pw_ "$CONNS"; pgwm_load a pw_ "$CONNS" # warm-up
	declare -ga PW_F PW_A PW_2 PW_F1 PW_A1 PW_A50 PW_250 PW_FC PW_AC PW_COMMITS PW_PER
	for r in $(seq 1 "$ROUNDS"); do
		echo "bench:   round $r"
		for s in $(seq 1 "$CHAIN_SLICES"); do
			pgwm_load f pwf_ "$CONNS"
			PW_F+=("${R[pwf_ok_per_s]}"); PW_FC+=("${R[pwf_cpu_us]}")
			c0=$(pgwm_commits); t0=$(date +%s%N)
			pgwm_load a pwa1_ "$CONNS"
			PW_COMMITS+=("$(calc "($(pgwm_commits) - $c0) * 1e9 / ($(date +%s%N) - $t0)" 0)")
			PW_PER+=("$(calc "${R[pwa1_sent]} / ($(pgwm_commits) - $c0)" 1)")
			PW_A+=("${R[pwa1_ok_per_s]}"); PW_AC+=("${R[pwa1_cpu_us]}"); PW_A50+=("${R[pwa1_p50_ms]}")
			pgwm_two
			PW_2+=("${R[pw2_ok_per_s]}"); PW_250+=("${R[pw2_p50_ms]}")
			pgwm_load f pwf1_ 1
			PW_F1+=("${R[pwf1_p50_ms]}")
			pgwm_load a pwa11_ 1
			PW_A1+=("${R[pwa11_p50_ms]}")
		done
	done
	for x in f a b; do stop "${PGWM_PID[$x]}"; done
	pg_stop "$pg/db"
	R[pgwm_file_per_s]=$(median "${PW_F[@]}")
	R[pgwm_one_per_s]=$(median "${PW_A[@]}")
	R[pgwm_two_per_s]=$(median "${PW_2[@]}")
	R[pgwm_file_p50_1_ms]=$(median "${PW_F1[@]}")
	R[pgwm_one_p50_1_ms]=$(median "${PW_A1[@]}")
	R[pgwm_one_p50_ms]=$(median "${PW_A50[@]}")
	R[pgwm_two_p50_ms]=$(median "${PW_250[@]}")
	R[pgwm_file_cpu_us]=$(median "${PW_FC[@]}")
	R[pgwm_one_cpu_us]=$(median "${PW_AC[@]}")
	R[pgwm_commits_per_s]=$(median "${PW_COMMITS[@]}")
	R[pgwm_marks_per_commit]=$(median "${PW_PER[@]}")
}

pgwm_per_round() {
	printf '"pgwm_two_per_s": %s, "pgwm_one_p50_1_ms": %s' \
		"$(json_list "${PW_2[@]}")" "$(json_list "${PW_A1[@]}")"
}

pgwm_table() {
	row "attestations/s, file store" "${R[pgwm_file_per_s]}" \
		"$CONNS connections, $NKEYS keys [$(range "${PW_F[@]}")]"
	row "  postgres store, 1 instance" "${R[pgwm_one_per_s]}" \
		"p50 ${R[pgwm_one_p50_ms]} ms [$(range "${PW_A[@]}")]"
	row "  postgres store, 2 instances" "${R[pgwm_two_per_s]}" \
		"goal >= 5000: $(ok "${R[pgwm_two_per_s]} >= 5000") [$(range "${PW_2[@]}")]"
	row "  sigild CPU us/request file; postgres" \
		"${R[pgwm_file_cpu_us]}; ${R[pgwm_one_cpu_us]}" ""
	row "  commits/s; marks per commit (1 inst.)" \
		"${R[pgwm_commits_per_s]}; ${R[pgwm_marks_per_commit]}" "one statement per batch"
	row "p50 ms at 1 in flight, file; postgres" \
		"${R[pgwm_file_p50_1_ms]}; ${R[pgwm_one_p50_1_ms]}" \
		"goal <= 1 ms: $(ok "${R[pgwm_one_p50_1_ms]} <= 1") [$(range "${PW_A1[@]}")]"
}

pgwm_json() {
	section_json "$1" "$(pgwm_per_round)" "${PGWM_FIELDS[@]}"
}
