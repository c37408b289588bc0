#!/usr/bin/env bash
# The point of the key holder: sigild never holds a secret key. Four known
# secrets (an edsk, spsk, p2sk and BLsk) are imported into sigil-enclave
# (sigil import -v, the plaintext passing once through the CLI), sigild signs
# with every one of them, and then sigild is searched for every form of them
# (secrets_scan.py: base58, hex, raw, derived forms, any 16-byte slice): its
# whole memory (don't-dump mappings too), a core taken with gcore, every file
# it wrote or read, its log and every answer. None may be found. As a control
# the same search finds them in the key holder, and only in its locked,
# don't-dump arena. The KEK is sealed by a TPM (swtpm), so that sigild holds
# no passphrase either.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/enclave_lib.sh"
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; }
SCAN="python3 $SIGIL_SOURCE_DIR/tests/integration/secrets_scan.py"
unset SIGIL_PASSPHRASE
# The same fixed secrets as test_secrets.sh (@taquito/utils b58Encode of random bytes).
EDSK=edsk3e4zFjnHfTWCKRWBYrp3wquBZBXjqUFAJemkHSG3yq8dHfNexx
SPSK=spsk1sFNjEhfZgMkK9K9Km2ahfMuD8s8iADcMuFdd8m4pyDr8NXxR2
P2SK=p2sk34NgUKTQG56xJt6UQCv2UaBajLuhDs29D479ffcaVF4LbhYvdA
BLSK=BLsk2hMrTJrHoU8zso3nQM8zKYXeekryZBMgijpHk9XxtBCe2K4gTG
cat > "$T/needles" <<EOF
all b58 edsk $EDSK
all b58 spsk $SPSK
all b58 p2sk $P2SK
all b58 BLsk $BLSK
EOF

tpm_start "$T/tpm"
SOCK="$T/run/enclave.sock"
enclave_start "$T/enclave.log" --socket "$SOCK" --state-dir "$T/enc-state" --tcti "$TCTI" \
	--log-level debug
C="$T/collect"
mkdir -p "$C" "$T/var"
vault_yaml() {
	cat <<YAML
log: {level: debug}
vaults:
  enc:
    driver: enclave
    config:
      socket: $SOCK
      credentials: {provider: tpm2, pcrs: "16"}
YAML
}
{ printf 'base_dir: %s\n' "$T/var"; vault_yaml; } > "$T/boot.yaml"
n=0
for k in "$EDSK" "$SPSK" "$P2SK" "$BLSK"; do
	n=$((n + 1))
	"$SIGIL" -c "$T/boot.yaml" import -v enc - <<<"$k" >"$C/imp$n.out" 2>"$C/imp$n.err" ||
		{ cat "$C/imp$n.err"; fail "import $n"; }
done
ED=$(cut -d' ' -f1 "$C/imp1.out"); SP=$(cut -d' ' -f1 "$C/imp2.out")
P2=$(cut -d' ' -f1 "$C/imp3.out"); BL=$(cut -d' ' -f1 "$C/imp4.out")
[[ $ED == tz1* && $SP == tz2* && $P2 == tz3* && $BL == tz4* ]] || fail "imports: $ED $SP $P2 $BL"
ED_PK=$(cut -d' ' -f2 "$C/imp1.out")
# The same key again: the holder gives the same key, the store refuses a second entry.
"$SIGIL" -c "$T/boot.yaml" import -v enc - <<<"$EDSK" >"$C/again.out" 2>"$C/again.err" &&
	fail "a key imported twice"

{
	server_yaml "$T/var"
	vault_yaml
	cat <<YAML
tezos:
  $ED: {allow: {attestation: , generic: [transaction]}}
  $SP: {allow: {attestation: , generic: [transaction]}}
  $P2: {allow: {attestation: , generic: [transaction]}}
  $BL: {allow_proof_of_possession: true, allow: {attestation: , generic: [transaction]}}
YAML
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 5 "$ED" "$SP" "$P2" "$BL" > "$C/sign.out" ||
	fail "sign"
curl -sf "http://127.0.0.1:$API/bls_prove_possession/$BL" > "$C/pop.out" || fail "proof of possession"
curl -sf "http://127.0.0.1:$UTIL/metrics" > "$C/metrics.out" || fail "metrics"

# 1. Logs, answers, and every file sigild reads or writes.
$SCAN "$T/needles" text "$C"/* "$T/sigild.log" "$T/enclave.log" "$T/sigil.yaml" \
	$(find "$T/var" -type f) || fail "a secret in a log, an answer or a file"

# 2. sigild's whole memory: no secret in any mapping, don't-dump ones included.
pk=$(python3 -c "from importlib.machinery import SourceFileLoader as L
import sys; m=L('s',sys.argv[1]).load_module(); print(m.b58decode(sys.argv[2])[-32:].hex())" \
	"$SIGIL_SOURCE_DIR/tests/integration/secrets_scan.py" "$ED_PK")
set +e; $SCAN "$T/needles" absent "$SIGILD_PID" "$pk"; rc=$?; set -e
case $rc in
0) echo "sigild memory: no secret anywhere" ;;
3) skip "sigild memory: cannot read it (needs ptrace rights)" ;;
*) fail "sigild holds a secret" ;;
esac

# 3. A core of sigild taken with gcore (not under AddressSanitizer, whose
#    allocator reservations make a core of terabytes: step 2 read the same
#    memory directly).
if grep -aq __asan_init "$SIGIL_BIN_DIR/sigil"; then
	skip "gcore: an AddressSanitizer process dumps terabytes; the memory scan above covered it (make check takes the core in the release build: make release-secrets)"
elif ! command -v gcore >/dev/null; then
	skip "gcore: gdb is not installed"
else
	gcore -o "$T/gcore" "$SIGILD_PID" > "$T/gcore.log" 2>&1 || true
	if [ ! -s "$T/gcore.$SIGILD_PID" ]; then
		cat "$T/gcore.log"; skip "gcore: no core written (ptrace refused here?)"
	else
		$SCAN "$T/needles" core "$T/gcore.$SIGILD_PID" "$pk" || fail "a secret in sigild's core"
		rm -f "$T/gcore.$SIGILD_PID"
	fi
fi

# 4. The control: the key holder does hold them, only in don't-dump mappings
#    (locked too, except under AddressSanitizer, whose mlock does nothing).
LOCKED=locked
grep -aq __asan_init "$ENCLAVE" && LOCKED=
grep -q "cannot be locked" "$T/enclave.log" && LOCKED=
set +e; $SCAN "$T/needles" mem "$ENC_PID" $LOCKED > "$T/mem.txt" 2>&1; rc=$?; set -e
cat "$T/mem.txt"
case $rc in
0) echo "key holder: every secret only in its locked, don't-dump arena" ;;
3) skip "key holder memory: cannot read it (needs ptrace rights)" ;;
*) fail "the key holder's secrets are not (only) in don't-dump memory" ;;
esac
stop_sigild
echo "integration: enclave secrets ok"
