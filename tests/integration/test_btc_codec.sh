#!/usr/bin/env bash
# sigil's Bitcoin codec against @scure/btc-signer 2.4.1: random PSBTs
# (P2WPKH, P2TR key-path and P2PKH inputs of a key, inputs of other keys,
# outputs of every form with change, sighash types other than ALL now and
# then, three networks) made by tests/js/btc_psbt_check.mjs; btc_check
# finds the key's inputs with btc-signer's sighashes, the outputs and the
# fee, signs and adds the signatures; btc_psbt_check.mjs verifies every
# signature (@noble/curves) and lets btc-signer finalise and extract. The
# vectors are kept when a check fails.
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; exit 1; }
N=${BTC_VECTORS:-200}
node "$JS/btc_psbt_check.mjs" make "$N" > "$T/vectors.jsonl" || fail "btc_psbt_check.mjs make"
[ "$(wc -l < "$T/vectors.jsonl")" -eq "$N" ] || fail "expected $N vectors"
keep() { cp "$T/vectors.jsonl" "${TMPDIR:-/tmp}/btc_vectors.failed.jsonl"; fail "$1 (vectors kept in ${TMPDIR:-/tmp}/btc_vectors.failed.jsonl)"; }
"$SIGIL_BIN_DIR/btc_check" "$T/vectors.jsonl" > "$T/signed.jsonl" || keep "btc_check"
node "$JS/btc_psbt_check.mjs" verify "$T/vectors.jsonl" "$T/signed.jsonl" || keep "btc_psbt_check.mjs verify"
echo "integration: bitcoin codec ok"
