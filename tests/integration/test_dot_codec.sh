#!/usr/bin/env bash
# sigil's Polkadot codec against @polkadot/util and @polkadot/util-crypto
# 14.0.3: random signing payloads (balances transfers, transfer_all,
# force_transfer, utility batches, unknown calls; mortal and immortal
# eras; CheckMetadataHash on and off) built by hand with compactToU8a and
# u8aConcat for Polkadot, Kusama and Westend, SS58 addresses by
# encodeAddress, and compact integers, made by tests/js/dot_payload_check.mjs
# and checked by dot_check (operations, destinations, amounts, extra and
# additional, the bytes signed under the 256-byte rule, every cut refused).
# The vectors are kept when a check fails.
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; exit 1; }
N=${DOT_VECTORS:-300}
node "$JS/dot_payload_check.mjs" "$N" > "$T/vectors.jsonl" || fail "dot_payload_check.mjs"
[ "$(wc -l < "$T/vectors.jsonl")" -eq $((3 * N + 1)) ] || fail "expected $((3 * N + 1)) vectors"
if ! "$SIGIL_BIN_DIR/dot_check" "$T/vectors.jsonl"; then
	cp "$T/vectors.jsonl" "${TMPDIR:-/tmp}/dot_vectors.failed.jsonl"
	fail "dot_check (vectors kept in ${TMPDIR:-/tmp}/dot_vectors.failed.jsonl)"
fi
echo "integration: polkadot codec ok"
