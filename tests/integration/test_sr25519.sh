#!/usr/bin/env bash
# sigil's sr25519 (src/crypto/sr25519.c) against @scure/sr25519 2.3.0 and
# @polkadot/util-crypto 14.0.3, both ways: tests/js/sr25519_check.mjs makes
# fresh random mini secrets and messages (empty, across STROBE's block and
# past 256 bytes), has tools/sr25519_check derive, sign and verify, and
# checks keys, signatures (accepted by both libraries, byte for byte
# @scure's with sigil's fixed witness) and the libraries' own signatures
# in sigil's verify, flipped bits refused everywhere.
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; exit 1; }
CHECK="$SIGIL_BIN_DIR/sr25519_check"
[ -x "$CHECK" ] || fail "no $CHECK (built with the tests)"
node "$JS/sr25519_check.mjs" "$CHECK" "${SR25519_VECTORS:-300}" || fail "sr25519 disagrees with @scure/sr25519 or polkadot-js"
# The checker itself must notice a tool that answers wrongly.
cat > "$T/liar" <<EOF
#!/bin/sh
"$CHECK" | awk 'NR == 1 { c = substr(\$0, 1, 1); \$0 = (c == "0" ? "1" : "0") substr(\$0, 2) } { print }'
EOF
chmod +x "$T/liar"
node "$JS/sr25519_check.mjs" "$T/liar" 3 > "$T/liar.out" 2>&1 && fail "checker accepted a wrong public key"
grep -q "public key differs" "$T/liar.out" || fail "checker refused the liar for another reason"
echo "integration: sr25519 ok"
