#!/usr/bin/env bash
# The pkcs11 vault against a real SoftHSM2 token made by the test: key pairs
# of Ed25519, secp256k1 and P-256 generated in the token (pkcs11-tool), sigil
# list shows them as addresses, sigild signs with each over HTTP and every
# signature is verified with @taquito/utils (and by sigild itself first:
# verify_signatures is on by default for pkcs11). Bad set-ups are clear
# errors that never show the PIN: a wrong PIN, a missing module, a library
# that is not PKCS#11, a label no key has.
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; [ -f "$T/sigild.log" ] && { echo "--- sigild"; cat "$T/sigild.log"; }; exit 1; }
MODULE=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -e "$m" ] && MODULE=$m && break
done
if [ -z "$MODULE" ] || ! command -v softhsm2-util >/dev/null || ! command -v pkcs11-tool >/dev/null; then
	fail "SoftHSM2 or pkcs11-tool is not installed (scripts/deps.sh --test installs them)"
fi
PIN=4e3f-test-pin
mkdir -p "$T/tokens" "$T/var"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens" > "$T/softhsm2.conf"
export SOFTHSM2_CONF="$T/softhsm2.conf"
softhsm2-util --init-token --free --label sigil-test --pin "$PIN" --so-pin 8765-so >/dev/null \
	|| fail "softhsm2-util --init-token"
p11() { pkcs11-tool --module "$MODULE" --token-label sigil-test --login --pin "$PIN" "$@"; }
p11 --keypairgen --key-type EC:edwards25519 --label ed --id 01 >/dev/null 2>&1 || fail "keypairgen ed25519"
p11 --keypairgen --key-type EC:secp256k1 --label k1 --id 02 >/dev/null 2>&1 || fail "keypairgen secp256k1"
p11 --keypairgen --key-type EC:prime256v1 --label p256 --id 03 >/dev/null 2>&1 || fail "keypairgen p256"

vault_yaml() { # vault_yaml EXTRA-CONFIG-LINES
	printf 'vaults:\n  hsm:\n    driver: pkcs11\n    config:\n'
	printf '      library_path: %s\n      token_label: sigil-test\n' "$MODULE"
	printf '%s' "$1"
}
{ printf 'base_dir: %s\n' "$T/var"; vault_yaml "      pin: $PIN
"; } > "$T/boot.yaml"
# sigil generate makes a key pair of each type in the token: no passphrase
# asked, the private half sensitive and not extractable.
for t in tz1 tz2 tz3; do
	"$SIGIL" -c "$T/boot.yaml" generate -v hsm -t "$t" --name "gen-$t" > "$T/gen-$t" 2>"$T/gen.err" \
		< /dev/null || { cat "$T/gen.err"; fail "sigil generate -t $t"; }
	grep -q "^$t" "$T/gen-$t" || { cat "$T/gen-$t"; fail "generate printed no $t address"; }
	# The token's own word on it: CKA_SENSITIVE, CKA_ALWAYS_SENSITIVE,
	# CKA_NEVER_EXTRACTABLE, made on the token (CKA_LOCAL).
	p11 --list-objects --type privkey --label "gen-$t" > "$T/obj" 2>/dev/null
	grep -q "Access: *sensitive, always sensitive, never extractable, local" "$T/obj" ||
		{ cat "$T/obj"; fail "gen-$t is not sensitive and never extractable"; }
done
echo edsk3sDP6GEtZDNCNa7cAKHnRUVoN5i9K3baFkienK9LDq2yQzfhnA | "$SIGIL" -c "$T/boot.yaml" import -v hsm - > /dev/null 2>"$T/imp.err" && fail "import into a token"
grep -q "cannot import" "$T/imp.err" || { cat "$T/imp.err"; fail "import: no reason"; }
"$SIGIL" -c "$T/boot.yaml" list > "$T/list" 2>"$T/list.err" || { cat "$T/list.err"; fail "sigil list"; }
mapfile -t ADDRS < <(grep -o 'tz[123][1-9A-HJ-NP-Za-km-z]\{33\}' "$T/list" | sort -u)
[ ${#ADDRS[@]} = 6 ] || { cat "$T/list"; fail "sigil list shows ${#ADDRS[@]} keys, not 6"; }
for t in tz1 tz2 tz3; do grep -q "$(cut -d' ' -f1 "$T/gen-$t")" "$T/list" || fail "gen-$t not listed"; done
for p in tz1 tz2 tz3; do printf '%s\n' "${ADDRS[@]}" | grep -q "^$p" || fail "no $p key listed"; done

# The PIN from PKCS11_PIN (Signatory's variable), not the file.
{
server_yaml "$T/var"
vault_yaml ""
printf 'tezos:\n'
for a in "${ADDRS[@]}"; do
	printf '  %s:\n    allow: {attestation: , generic: [transaction]}\n' "$a"
done
} > "$T/sigil.yaml"
PKCS11_PIN=$PIN start_sigild "$T/sigil.yaml" "$T/sigild.log" || fail "sigild with the token"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 10 "${ADDRS[@]}" || fail "sign through the token"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 11 "${ADDRS[@]}" || fail "sign again"
stop_sigild
grep -q "$PIN" "$T/sigild.log" && fail "the PIN is in sigild's log"

# Bad set-ups: a clear error, never the PIN.
bad() { # bad NAME EXPECTED-TEXT ENV... -- (config from $T/bad.yaml)
	local name=$1 want=$2
	shift 2
	if env "$@" "$SIGIL" -c "$T/bad.yaml" list > "$T/bad.out" 2>&1; then
		cat "$T/bad.out"; fail "$name: accepted"
	fi
	grep -qi -- "$want" "$T/bad.out" || { cat "$T/bad.out"; fail "$name: no '$want' in the error"; }
	grep -q -- "$PIN\|wrong-pin-9" "$T/bad.out" && fail "$name: the PIN is in the error"
	echo "pkcs11: $name: $(grep -i -- "$want" "$T/bad.out" | head -1)"
}
{ printf 'base_dir: %s\n' "$T/var"; vault_yaml "      pin: wrong-pin-9
"; } > "$T/bad.yaml"
bad "wrong PIN" "wrong PIN"
{ printf 'base_dir: %s\n' "$T/var"; vault_yaml "      label: no-such-key
"; } > "$T/bad.yaml"
bad "missing label" "no private key" PKCS11_PIN=$PIN
printf 'base_dir: %s\nvaults:\n  hsm:\n    driver: pkcs11\n    config:\n      library_path: %s\n' \
	"$T/var" "$T/no-such-module.so" > "$T/bad.yaml"
bad "missing module" "cannot load" PKCS11_PIN=$PIN
NOTP11=$(ldconfig -p | awk '/libsodium\.so\.[0-9]+ .*x86-64/{print $NF; exit}')
printf 'base_dir: %s\nvaults:\n  hsm:\n    driver: pkcs11\n    config:\n      library_path: %s\n' \
	"$T/var" "$NOTP11" > "$T/bad.yaml"
bad "not a PKCS#11 library" "not a PKCS#11 module" PKCS11_PIN=$PIN
echo "integration: pkcs11 ok"
