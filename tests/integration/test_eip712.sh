#!/usr/bin/env bash
# sigil's EIP-712 hashing (src/chain/ethereum/eip712.c) against ethers 6.17.0:
# fresh random typed-data documents (random struct graphs, nested and fixed
# arrays, every atomic type in every written form sigil takes, random
# domains) from tests/js/eip712_vectors.mjs; tools/eip712_check must give
# ethers' domain separator, struct hash, type hash and digest, and refuse
# the documents ethers refuses. The vectors are kept when a check fails;
# EIP712_SEED replays a run (the seed is printed).
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; exit 1; }
CHECK="$SIGIL_BIN_DIR/eip712_check"
[ -x "$CHECK" ] || fail "no $CHECK (built with the tests)"
N=${EIP712_VECTORS:-300}
node "$JS/eip712_vectors.mjs" "$N" ${EIP712_SEED:+"$EIP712_SEED"} > "$T/vectors.jsonl" ||
	fail "eip712_vectors.mjs"
[ "$(wc -l < "$T/vectors.jsonl")" -eq "$N" ] || fail "expected $N vectors"
grep -q '"refused"' "$T/vectors.jsonl" || fail "no refused documents among the vectors"
if ! "$CHECK" < "$T/vectors.jsonl"; then
	cp "$T/vectors.jsonl" "${TMPDIR:-/tmp}/eip712_vectors.failed.jsonl"
	fail "eip712_check (vectors kept in ${TMPDIR:-/tmp}/eip712_vectors.failed.jsonl)"
fi

# The checker itself must notice a wrong digest, and a document that ethers
# refused but sigil took.
grep -m1 '"digest"' "$T/vectors.jsonl" |
	sed -E 's/"digest":"0x0/"digest":"0x1/; t; s/"digest":"0x./"digest":"0x0/' > "$T/bad.jsonl"
"$CHECK" < "$T/bad.jsonl" > "$T/bad.out" 2>&1 && fail "checker accepted a wrong digest"
grep -q "hashes differ" "$T/bad.out" || fail "checker refused the digest for another reason"
grep -m1 '"digest"' "$T/vectors.jsonl" | sed -E 's/,"domainSeparator".*/,"refused":"test"}/' \
	> "$T/bad2.jsonl"
"$CHECK" < "$T/bad2.jsonl" > "$T/bad2.out" 2>&1 && fail "checker missed an accepted refusal"
grep -q "ethers refused it" "$T/bad2.out" || fail "checker missed it for another reason"
echo "integration: eip712 ok"
