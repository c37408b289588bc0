#!/usr/bin/env bash
# sigil's Ethereum codec against ethers 6.17.0: fresh random transactions
# of every type (with ERC-20 calls, access lists, contract creations and
# the odd pre-EIP-155 one), keccak256 inputs, personal_sign messages and
# keys, made by tests/js/eth_vectors.mjs, checked by eth_check (decode,
# signing hash, re-encoding, ERC-20 reading, the signed serialisation
# under ethers' signature, sigil's own signature with the same secret,
# addresses and EIP-55 both ways). The vectors are kept when a check fails.
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; exit 1; }
N=${ETH_VECTORS:-300}
node "$JS/eth_vectors.mjs" "$N" > "$T/vectors.jsonl" || fail "eth_vectors.mjs"
[ "$(wc -l < "$T/vectors.jsonl")" -eq $((6 * N)) ] || fail "expected $((6 * N)) vectors"
if ! "$SIGIL_BIN_DIR/eth_check" "$T/vectors.jsonl"; then
	cp "$T/vectors.jsonl" "${TMPDIR:-/tmp}/eth_vectors.failed.jsonl"
	fail "eth_check (vectors kept in ${TMPDIR:-/tmp}/eth_vectors.failed.jsonl)"
fi
echo "integration: ethereum codec ok"
