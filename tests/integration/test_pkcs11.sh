#!/usr/bin/env bash
# The pkcs11 vault against a real SoftHSM2 token made by the test: key pairs
# of Ed25519, secp256k1 and P-256 generated in the token (by pkcs11-tool and
# by sigil generate) and imported into it (sigil import); the token itself
# (p11_probe, past sigil) refuses every private key's secret; sigil list
# shows them as addresses with their labels and ids; sigild signs with each
# over HTTP and every signature is verified with @taquito/utils (and by
# sigild itself first: verify_signatures is on by default for pkcs11). The
# token taken away mid-run: /healthz not ready and requests 503, both
# saying why; put back: signing again without a restart; a reload (SIGHUP)
# goes on signing. Bad set-ups are
# clear errors that never show the PIN: a wrong PIN, a missing module, a
# library that is not PKCS#11, a label no key has.
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
# sigil import writes a key of each type into the token, where it is
# sensitive and not extractable too.
declare -A SK=([tz1]=edsk3sDP6GEtZDNCNa7cAKHnRUVoN5i9K3baFkienK9LDq2yQzfhnA
	[tz2]=spsk1sFNjEhfZgMkK9K9Km2ahfMuD8s8iADcMuFdd8m4pyDr8NXxR2
	[tz3]=p2sk34NgUKTQG56xJt6UQCv2UaBajLuhDs29D479ffcaVF4LbhYvdA)
for t in tz1 tz2 tz3; do
	echo "${SK[$t]}" | "$SIGIL" -c "$T/boot.yaml" import -v hsm --name "imp-$t" - > "$T/imp-$t" \
		2>"$T/imp.err" || { cat "$T/imp.err"; fail "sigil import -v hsm ($t)"; }
	grep -q "^$t" "$T/imp-$t" || { cat "$T/imp-$t"; fail "import printed no $t address"; }
	grep -q "${SK[$t]}" "$T/imp-$t" "$T/imp.err" && fail "import printed the secret"
done
# The same key twice, or a label taken: refused, and nothing more on the token.
echo "${SK[tz2]}" | "$SIGIL" -c "$T/boot.yaml" import -v hsm --name again - >/dev/null 2>"$T/imp.err" &&
	fail "the same key imported twice"
grep -q "holds this key already" "$T/imp.err" || { cat "$T/imp.err"; fail "import twice: no reason"; }
"$SIGIL" -c "$T/boot.yaml" generate -v hsm -t tz1 --name imp-tz1 >/dev/null 2>"$T/imp.err" &&
	fail "a label taken twice"
grep -q "labelled imp-tz1 already" "$T/imp.err" || { cat "$T/imp.err"; fail "label taken: no reason"; }
# The token's own word, past sigil: no private key's secret can be read.
for l in ed k1 p256 gen-tz1 gen-tz2 gen-tz3 imp-tz1 imp-tz2 imp-tz3; do
	P11_PIN=$PIN "$SIGIL_BIN_DIR/p11_probe" "$MODULE" sigil-test "$l" > "$T/probe" 2>&1 ||
		{ cat "$T/probe"; fail "the secret of $l can be read from the token"; }
	grep -q "CKA_VALUE refused" "$T/probe" || { cat "$T/probe"; fail "p11_probe $l"; }
done
echo "pkcs11: $(cat "$T/probe")"
"$SIGIL" -c "$T/boot.yaml" list > "$T/list" 2>"$T/list.err" || { cat "$T/list.err"; fail "sigil list"; }
mapfile -t ADDRS < <(grep -o 'tz[123][1-9A-HJ-NP-Za-km-z]\{33\}' "$T/list" | sort -u)
[ ${#ADDRS[@]} = 9 ] || { cat "$T/list"; fail "sigil list shows ${#ADDRS[@]} keys, not 9"; }
for t in tz1 tz2 tz3; do
	for w in gen imp; do
		a=$(cut -d' ' -f1 "$T/$w-$t")
		# address, type, key, vault, configured, label, id
		grep -q "^$a	.*	hsm	not-configured	$w-$t	id=[0-9a-f]\{32\}$" "$T/list" ||
			{ cat "$T/list"; fail "$w-$t not listed with its label and id"; }
	done
done
grep -q "	ed	id=01$" "$T/list" || { cat "$T/list"; fail "pkcs11-tool's key ed not listed with id 01"; }
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

# The token taken away mid-run (its directory moved: SoftHSM2 then answers
# for no object): /healthz not ready and requests 503, both with the reason.
# Put back: sigild signs again, with no restart.
TOKDIR=$(find "$T/tokens" -mindepth 1 -maxdepth 1 -type d | head -1)
mv "$TOKDIR" "$T/token-away"
HZ="http://127.0.0.1:$UTIL/healthz"
KEY1=$(cut -d' ' -f1 "$T/imp-tz1")
# A transaction (as enclave_http.mjs sends): no watermark is involved.
TX_HEX=038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00
code=$(curl -s -o "$T/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data "\"$TX_HEX\"" "http://127.0.0.1:$API/keys/$KEY1")
[ "$code" = 503 ] || { cat "$T/resp"; fail "a request with the token gone: $code, not 503"; }
grep -q "not ready: .*token" "$T/resp" || { cat "$T/resp"; fail "the 503 does not say why"; }
echo "pkcs11: token gone: request $code $(cat "$T/resp")"
code=$(curl -s -o "$T/hz" -w '%{http_code}' "$HZ")
[ "$code" = 503 ] && grep -q '"vault hsm: ' "$T/hz" || { cat "$T/hz"; fail "/healthz with the token gone: $code"; }
echo "pkcs11: token gone: /healthz $code $(cat "$T/hz")"
for _ in 1 2 3; do # still gone, asked again: still refused, no crash
	curl -s -o /dev/null "$HZ"
	sleep 0.4
done
kill -0 "$SIGILD_PID" || fail "sigild died with the token gone"
mv "$T/token-away" "$TOKDIR"
ok=0
for _ in $(seq 1 50); do # back within P11_RETRY_MS of a look; 10 s at most
	[ "$(curl -s -o "$T/hz" -w '%{http_code}' "$HZ")" = 200 ] && { ok=1; break; }
	sleep 0.2
done
[ $ok = 1 ] || { cat "$T/hz"; fail "/healthz not ready after the token came back"; }
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 12 "${ADDRS[@]}" || fail "sign after the token came back"
grep -q "token is out of reach" "$T/sigild.log" || fail "sigild did not log the token going"
grep -q "the token answers again" "$T/sigild.log" || fail "sigild did not log the token's return"
grep -E "out of reach|answers again" "$T/sigild.log" | sed 's/^/pkcs11: log: /'
# A reload (SIGHUP) opens the vault anew on the same module while the old
# one closes: signing goes on, with every key.
kill -HUP "$SIGILD_PID"
for _ in $(seq 1 50); do grep -q reloaded "$T/sigild.log" && break; sleep 0.1; done
grep -q reloaded "$T/sigild.log" || fail "no reload"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 13 "${ADDRS[@]}" || fail "sign after a reload"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$HZ")" = 200 ] || fail "/healthz after a reload"
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
# awk reads ldconfig's list to its end: leaving at the first match killed
# ldconfig with SIGPIPE in about one run in ten, and pipefail ended the test
# there without a word.
NOTP11=$(ldconfig -p | awk '/libsodium\.so\.[0-9]+ .*x86-64/ && !done {print $NF; done = 1}')
printf 'base_dir: %s\nvaults:\n  hsm:\n    driver: pkcs11\n    config:\n      library_path: %s\n' \
	"$T/var" "$NOTP11" > "$T/bad.yaml"
bad "not a PKCS#11 library" "not a PKCS#11 module" PKCS11_PIN=$PIN
echo "integration: pkcs11 ok"
