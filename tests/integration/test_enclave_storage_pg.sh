# The enclave vault's postgres storage driver against a real PostgreSQL 15:
# the unit test's postgres cases (tests/unit/vault/test_enclave_storage.c)
# on a throw-away server, which then restarts; the rows stored before must
# still be there after, read by the driver and counted by psql.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg.sh"

BIN="$SIGIL_BIN_DIR/test_enclave_storage"
[ -x "$BIN" ] || { echo "no $BIN: build the test_enclave_storage target"; exit 1; }
# lib.sh turns the leak checker off for sigild's threads; this is a unit
# test binary, whose every PGresult must be cleared: on again.
export ASAN_OPTIONS="${ASAN_OPTIONS//detect_leaks=0/detect_leaks=1}"

pg_start "$T/pg" >/dev/null
export SIGIL_TEST_PG_CONNINFO="$PG_CONNINFO"

# Every postgres case must run: a skip here means the server was not used.
run_cases() {
	local log=$1
	if ! SIGIL_TEST_PG_KEEP=$2 "$BIN" >"$log" 2>&1; then
		cat "$log"
		echo "FAIL: test_enclave_storage (SIGIL_TEST_PG_KEEP=$2)"
		exit 1
	fi
	if grep -q SKIPPED "$log"; then
		cat "$log"
		echo "FAIL: postgres cases were skipped"
		exit 1
	fi
}

run_cases "$T/run1.log" put
echo "ok: postgres cases, rows left in enclave_keep"

pg_restart "$T/pg"
n=$(psql -tAc "SELECT count(*) FROM enclave_keep")
[ "$n" = 2 ] || { echo "FAIL: $n rows in enclave_keep after the restart, want 2"; exit 1; }
run_cases "$T/run2.log" expect
echo "ok: after a restart the driver reads the same rows"

# Nothing left behind but the kept table: every case drops its own.
left=$(psql -tAc "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'enclave_t%'")
[ "$left" = 0 ] || { echo "FAIL: $left test tables left behind"; exit 1; }
echo "PASS: test_enclave_storage_pg"
