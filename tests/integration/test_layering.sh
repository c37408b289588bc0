#!/usr/bin/env bash
# The layers of docs/ARCHITECTURE.md hold: no #include under src/ points the
# wrong way (tests/layering/check_layers.py). The check is shown to fail
# first, on a copy of src/ with one forbidden include added per rule kind,
# and on an exception that no longer occurs.
set -euo pipefail
: "${SIGIL_SOURCE_DIR:?run through ctest (make check)}"
CHECK="python3 $SIGIL_SOURCE_DIR/tests/layering/check_layers.py"
EXC="$SIGIL_SOURCE_DIR/tests/layering/exceptions.txt"
T=$(mktemp -d /tmp/sigil-layers.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "layering: FAIL: $*"; exit 1; }

# Self-test: each of these added includes must be refused.
for bad in "base/x.c:core/sign.h" "crypto/x.c:chain/tezos/b58.h" "chain/tezos/x.c:vault/vault.h" \
	"vault/x.c:policy/policy.h" "watermark/x.c:vault/vault.h" "policy/x.c:vault/vault.h" \
	"core/x.c:api/server.h" "config/x.c:core/context.h" "newdir/x.c:base/errors.h" \
	"core/x.c:chain/tezos/keys.h" "watermark/x.c:chain/tezos/b58.h" "cli/x.c:chain/tezos/keys.h" "crypto/x.c:api/server.h"; do
	rm -rf "$T/src"
	cp -r "$SIGIL_SOURCE_DIR/src" "$T/src"
	file=${bad%%:*} inc=${bad#*:}
	mkdir -p "$(dirname "$T/src/$file")"
	printf '#include "%s"\n' "$inc" >> "$T/src/$file"
	if $CHECK "$T/src" "$EXC" >"$T/out" 2>&1; then
		cat "$T/out"; fail "an include of $inc from src/$file was not refused"
	fi
	grep -q "FORBIDDEN: $T/src/$file" "$T/out" || { cat "$T/out"; fail "no FORBIDDEN line for $file"; }
done
# An exception that no longer occurs is an error too.
rm -rf "$T/src"; cp -r "$SIGIL_SOURCE_DIR/src" "$T/src"
{ cat "$EXC"; echo "base -> crypto"; } > "$T/exc"
if $CHECK "$T/src" "$T/exc" >"$T/out" 2>&1; then cat "$T/out"; fail "a stale exception passed"; fi
grep -q "STALE exception.*base -> crypto" "$T/out" || { cat "$T/out"; fail "stale exception not named"; }
echo "layering: the check refuses each forbidden direction"

# The tree itself.
$CHECK "$SIGIL_SOURCE_DIR/src" "$EXC"
