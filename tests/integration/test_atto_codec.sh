#!/usr/bin/env bash
# sigil's Atto codec (src/chain/atto) against fresh random vectors from an
# implementation we did not write: tests/js/atto_vectors.mjs builds blocks,
# votes and challenges from attocash/commons' published layouts with
# @noble/hashes and @noble/curves; tools/atto_check decodes, hashes, writes
# back, checks the signatures and addresses, and refuses the broken copies.
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; exit 1; }
CHECK="$SIGIL_BIN_DIR/atto_check"
[ -x "$CHECK" ] || fail "no $CHECK (built with the tests)"
node "$JS/atto_vectors.mjs" 400 > "$T/vectors.jsonl" || fail "vector generation"
[ "$(wc -l < "$T/vectors.jsonl")" -eq 12400 ] || fail "vector count"
"$CHECK" < "$T/vectors.jsonl" || fail "codec disagrees with the vectors"
# The checker itself must notice a wrong hash.
head -1 "$T/vectors.jsonl" | sed -E 's/"hash":"0/"hash":"1/; t; s/"hash":"./"hash":"0/' > "$T/bad.jsonl"
cmp -s "$T/bad.jsonl" <(head -1 "$T/vectors.jsonl") && fail "wrong hash not made"
"$CHECK" < "$T/bad.jsonl" > "$T/bad.out" 2>&1 && fail "checker accepted a wrong hash"
grep -q "block hash differs" "$T/bad.out" || fail "checker refused for another reason"
echo "integration: atto codec ok"
