#!/usr/bin/env bash
# The crash test, short: 20 rounds of kill -9 and restart under load (the
# full 1,000 rounds are `make torture`). See tests/torture/run.sh.
set -euo pipefail
: "${SIGIL_BIN_DIR:?run through ctest (make check)}"
: "${SIGIL_SOURCE_DIR:?}"
RUN="$SIGIL_SOURCE_DIR/tests/torture/run.sh"
export TT_BIN="$SIGIL_BIN_DIR"

# The harness must be able to fail: a watermark file deleted between two
# rounds has to show up as a double sign.
if out=$(TT_SABOTAGE_ROUND=3 TT_EARLY=0 TT_NO_KEEP=1 bash "$RUN" 4 2>&1); then
	echo "$out"; echo "self-test: a run with its watermarks deleted passed"; exit 1
fi
if ! grep -q "DOUBLE SIGN" <<<"$out"; then
	echo "$out"; echo "self-test: the deleted watermarks were not reported as a double sign"; exit 1
fi
echo "self-test: deleted watermarks reported ($(grep -c 'DOUBLE SIGN' <<<"$out") double signs)"

bash "$RUN" "${SIGIL_TORTURE_ROUNDS:-20}"
