#!/usr/bin/env bash
# The watermark stores' shared suite (tests/unit/watermark/test_wm_stores.c)
# with its postgres half on a throw-away PostgreSQL 15: every case must run
# there, none skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg.sh"

BIN="$SIGIL_BIN_DIR/test_wm_stores"
[ -x "$BIN" ] || { echo "no $BIN: build the test_wm_stores target"; exit 1; }
# A unit test binary: every PGresult must be cleared, so the leak check is on.
export ASAN_OPTIONS="${ASAN_OPTIONS//detect_leaks=0/detect_leaks=1}"

pg_start "$T/pg" >/dev/null
if ! SIGIL_TEST_PG_CONNINFO="$PG_CONNINFO" "$BIN" >"$T/run.log" 2>&1; then
	cat "$T/run.log"; echo "FAIL: test_wm_stores against PostgreSQL"; exit 1
fi
if grep -q SKIPPED "$T/run.log"; then
	cat "$T/run.log"; echo "FAIL: postgres cases were skipped"; exit 1
fi
grep -c '^\[       OK \]' "$T/run.log" | sed 's/^/ok: cases passed on both stores: /'
