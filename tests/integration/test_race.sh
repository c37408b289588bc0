#!/usr/bin/env bash
# 10,000 different payloads at once for one key, kind, level and round
# (200 keep-alive connections x 50 requests): exactly one signed, the rest
# 409; for tz1, tz2 and tz3 and several (level, round). See tests/torture/race.sh.
set -euo pipefail
: "${SIGIL_BIN_DIR:?run through ctest (make check)}"
: "${SIGIL_SOURCE_DIR:?}"
TT_BIN="$SIGIL_BIN_DIR" exec bash "$SIGIL_SOURCE_DIR/tests/torture/race.sh" 200 50
