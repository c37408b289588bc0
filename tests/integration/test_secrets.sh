#!/usr/bin/env bash
# No secret leaves sigild or sigil: not in a log line at debug level (text or
# JSON), not in an HTTP answer, not in a CLI message, not in a core dump.
#
# Known secrets (an edsk, spsk, p2sk and BLsk, an encrypted spesk, the vault
# and import passphrases, the client's authentication key, bearer tokens
# from the environment, a file and a hash, and wrong ones) go through every
# kind of request, refused and malformed ones included, and every start-up
# and import error. secrets_scan.py then looks for each secret in base58, hex
# (both cases), raw bytes and derived forms, any 16-byte slice of them.
#
# Then a running sigild: non-dumpable (prctl), keys only in VM_DONTDUMP (and,
# when locking worked, mlocked) 64 KiB arena chunks, a core taken with gcore
# holds no secret, and a real crash writes no core at all. A sub-check the
# machine cannot do (no root for ptrace, a piped core_pattern, no gdb) is
# skipped with a SKIP line, never passed silently.
source "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; }
SCAN="python3 $SIGIL_SOURCE_DIR/tests/integration/secrets_scan.py"
# ASan turns core dumps off by default (RLIMIT_CORE = 0): that would pass the
# no-core check for the wrong reason. prctl(PR_SET_DUMPABLE) is what we test.
export ASAN_OPTIONS="$ASAN_OPTIONS:disable_coredump=0"

PASS="pZ7-kQ2v-Lm9x-Rt4w-Yb8n-Hc3j"   # no English: a slice must not match a message
IMPORT_PASS="sigil-test"        # opens SPESK below (the key test_cli.sh imports)
WRONG_PASS="Zr8 bogus vault secret Kp2 61f0"
export SIGIL_PASSPHRASE="$PASS"
# Fixed secrets, encoded by @taquito/utils 24.2.0 b58Encode from random bytes.
EDSK=edsk3e4zFjnHfTWCKRWBYrp3wquBZBXjqUFAJemkHSG3yq8dHfNexx
SPSK=spsk1sFNjEhfZgMkK9K9Km2ahfMuD8s8iADcMuFdd8m4pyDr8NXxR2
P2SK=p2sk34NgUKTQG56xJt6UQCv2UaBajLuhDs29D479ffcaVF4LbhYvdA
BLSK=BLsk2hMrTJrHoU8zso3nQM8zKYXeekryZBMgijpHk9XxtBCe2K4gTG
SPESK=spesk1sokXbX31a1AiqkR4LCqvUvzWS2W2AH9FsQ2AhJ7tSvwV7PJtdh9YYvdeQDaD5pxJKKYfRr49tyekGQmjKB
# Its plain form, and the authentication key's (auth_key.mjs: bytes 1..32).
SPESK_PLAIN=$(cd "$JS" && node --input-type=module -e "
import { InMemorySigner } from '@taquito/signer';
console.log(await (await InMemorySigner.fromSecretKey('$SPESK', '$IMPORT_PASS')).secretKey());")
AUTH_SK=$(cd "$JS" && node --input-type=module -e "
import { b58Encode, PrefixV2 } from '@taquito/utils';
console.log(b58Encode(new Uint8Array(32).map((_, i) => i + 1), PrefixV2.Ed25519Seed));")
[[ $SPESK_PLAIN == spsk* && $AUTH_SK == edsk* ]] || fail "taquito: $SPESK_PLAIN $AUTH_SK"
AUTH_PK=$(node "$JS/auth_key.mjs" pk)

# Bearer tokens: random letters and digits, no English.
TOK_ENV=$(head -c 30 /dev/urandom | base64 | tr -d '+/=' | head -c 36)
TOK_FILE=$(head -c 30 /dev/urandom | base64 | tr -d '+/=' | head -c 36)
TOK_HASHED=$(head -c 30 /dev/urandom | base64 | tr -d '+/=' | head -c 36)
TOK_WRONG=$(head -c 30 /dev/urandom | base64 | tr -d '+/=' | head -c 36)

cat > "$T/needles" <<EOF
all b58 edsk $EDSK
all b58 spsk $SPSK
all b58 p2sk $P2SK
all b58 BLsk $BLSK
all b58 spesk $SPESK_PLAIN
logs b58 auth $AUTH_SK
all text pass-vault $PASS
all text pass-import $IMPORT_PASS
all text pass-wrong $WRONG_PASS
logs text token-env $TOK_ENV
logs text token-file $TOK_FILE
logs text token-hashed $TOK_HASHED
logs text token-wrong $TOK_WRONG
EOF

# Every CLI run and HTTP answer is kept in $C and scanned at the end.
C="$T/collect"
mkdir -p "$C" "$T/var"
N=0
run() { # run WANT_RC NAME CMD...: output to $C/NAME.{out,err}
	local want=$1 name=$2 rc; shift 2
	set +e; "$@" >"$C/$name.out" 2>"$C/$name.err"; rc=$?; set -e
	[ "$rc" = "$want" ] || { cat "$C/$name.out" "$C/$name.err"; fail "$name: exit $rc, want $want"; }
}
http() { # http WANT METHOD URL [BODY]
	local want=$1 m=$2 url=$3 got
	N=$((N + 1))
	local args=(-s -o "$C/http.$N" -w '%{http_code}' -X "$m" "$url")
	[ $# -ge 4 ] && args+=(--data-binary "$4")
	got=$(curl "${args[@]}") || true
	[ "$got" = "$want" ] || fail "$m $url ${4:-}: $got, want $want: $(cat "$C/http.$N")"
}

bhttp() { # bhttp WANT AUTH-HEADER METHOD URL [BODY]: http with an Authorization
	local want=$1 hdr=$2 m=$3 url=$4 got
	case $hdr in Authorization:*) ;; *) hdr="Authorization: $hdr" ;; esac
	N=$((N + 1))
	local args=(-s -o "$C/http.$N" -w '%{http_code}' -H "$hdr" -X "$m" "$url")
	[ $# -ge 5 ] && args+=(-H 'Content-Type: application/json' --data-binary "$5")
	got=$(curl "${args[@]}") || true
	[ "$got" = "$want" ] || fail "$m $url (token): $got, want $want: $(cat "$C/http.$N")"
}

# --- the CLI: imports, good and bad -------------------------------------
cat > "$T/boot.yaml" <<YAML
base_dir: $T/var
log: {level: debug}
YAML
S() { "$SIGIL" -c "$T/boot.yaml" "$@"; }
run 0 imp-ed S import - --name ed <<<"$EDSK"
run 0 imp-sp S --json-log --log-level debug import - --name sp <<<"$SPSK"
run 0 imp-p2 S --log-level debug import - --name p2 <<<"$P2SK"
run 0 imp-bl S --json-log import - --name bl <<<"$BLSK"
SIGIL_IMPORT_PASSPHRASE=$IMPORT_PASS run 0 imp-spesk S import "$SPESK" --name spe
ED=$(cut -d' ' -f1 "$C/imp-ed.out"); SP=$(cut -d' ' -f1 "$C/imp-sp.out")
P2=$(cut -d' ' -f1 "$C/imp-p2.out"); BL=$(cut -d' ' -f1 "$C/imp-bl.out")
SPE=$(cut -d' ' -f1 "$C/imp-spesk.out")
[[ $ED == tz1* && $SP == tz2* && $P2 == tz3* && $BL == tz4* && $SPE == tz2* ]] ||
	fail "imports: $ED $SP $P2 $BL $SPE"
ED_PK=$(cut -d' ' -f2 "$C/imp-ed.out")
# Refused imports: the same key again, a bad checksum, a short key, a wrong
# key passphrase, a PEM that is not a key: none may echo what it was given.
run 1 imp-again S import - --name again <<<"$EDSK"
run 1 imp-again-json S --json-log import - --name again <<<"$SPSK"
run 1 imp-cksum S import - --name bad <<<"${EDSK%?}y"
run 1 imp-cksum-json S --json-log --log-level debug import - --name bad <<<"${P2SK%?}z"
run 1 imp-short S import - --name bad <<<"${BLSK:0:40}"
run 1 imp-arg S import "${SPSK}1" --name bad
SIGIL_IMPORT_PASSPHRASE=$WRONG_PASS run 1 imp-wrongpass S import "$SPESK" --name bad
grep -q "wrong passphrase" "$C/imp-wrongpass.err" || fail "wrong key passphrase message"
printf '%s\n' "$EDSK" > "$T/notpem"
run 1 imp-pem S import --pem "$T/notpem" --name bad
# Reading the vault: right and wrong passphrases, both log formats.
run 0 list S --log-level debug list
run 0 list-json S --json-log --log-level debug list
[ "$(wc -l < "$C/list.out")" -eq 5 ] || fail "list: $(cat "$C/list.out")"
for a in "$ED" "$SP" "$P2" "$BL" "$SPE"; do run 0 "pubkey-$a" S pubkey "$a"; done
run 0 pop S pop "$BL"
SIGIL_PASSPHRASE=$WRONG_PASS run 1 list-wrong S --log-level debug list
SIGIL_PASSPHRASE=$WRONG_PASS run 1 list-wrong-json S --json-log --log-level debug list

# --- sigild, text log at debug: every kind of request ------------------
API=$(free_port); UTIL=$(free_port)
write_config() { # write_config FILE JSON(true|false) AUTH(yes|no)
	cat > "$1" <<YAML
base_dir: $T/var
log: {level: debug, json: $2}
server:
  address: 127.0.0.1:$API
  utility_address: 127.0.0.1:$UTIL
  allow_list_known_keys: true
  max_body_bytes: 1024
$([ "$3" = yes ] && echo "  authorized_keys: [$AUTH_PK]")
tezos:
  $ED:
    log_payloads: true
    allow: {block: , preattestation: , attestation: , generic: [transaction]}
  $SP:
    allow: {generic: [transaction]}
  $P2:
    allow: {attestation: }
  $BL:
    allow_proof_of_possession: true
    allow: {attestation: , generic: [transaction]}
  $SPE:
    allow: {generic: [transaction]}
YAML
}
TX='"038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00"'
att() { printf '"137a06a770%s15%04x%08x%08x%s"' "$(printf 'ab%.0s' $(seq 32))" 0 "$1" "$2" "$3"; }
H1=$(printf '11%.0s' $(seq 32)); H2=$(printf '22%.0s' $(seq 32))
K="http://127.0.0.1:$API/keys"

drive() { # every request kind against a running sigild; LEVEL keeps marks fresh
	local lvl=$1
	for a in "$ED" "$SP" "$P2" "$BL" "$SPE"; do http 200 GET "$K/$a"; done
	http 404 GET "$K/tz1N7tYGMGs3GGjeJAJKtbycAWcvoPNSUYgu"
	http 404 GET "$K/not-a-key"
	http 404 GET "$K/$EDSK"                     # a secret where an address goes
	for a in "$ED" "$SP" "$BL" "$SPE"; do http 200 POST "$K/$a" "$TX"; done
	http 200 POST "$K/$BL?version=1" "$TX"
	http 400 POST "$K/$BL?version=0" "$TX"
	http 403 POST "$K/$P2" "$TX"                 # policy: no transactions
	http 200 POST "$K/$ED" "$(att "$lvl" 0 "$H1")"
	http 200 POST "$K/$P2" "$(att "$lvl" 0 "$H1")"
	http 409 POST "$K/$ED" "$(att "$lvl" 0 "$H2")" # watermark: same level, other payload
	http 409 POST "$K/$P2" "$(att $((lvl - 1)) 0 "$H1")"
	http 403 POST "$K/$SP" "$(att "$lvl" 0 "$H1")" # policy: no attestations
	http 404 POST "$K/tz1N7tYGMGs3GGjeJAJKtbycAWcvoPNSUYgu" "$TX"
	http 400 POST "$K/$ED" '"zz"'
	http 400 POST "$K/$ED" '"038fcf2"'
	http 400 POST "$K/$ED" 'not json'
	http 400 POST "$K/$ED" ''
	http 400 POST "$K/$ED" '"ff00"'
	http 400 POST "$K/$ED" '"13"'
	http 400 POST "$K/$ED?version=7" "$TX"
	http 413 POST "$K/$ED" "\"03$(printf 'ab%.0s' $(seq 1200))\""
	http 200 GET "http://127.0.0.1:$API/known_keys"
	http 200 GET "http://127.0.0.1:$API/authorized_keys"
	http 200 GET "http://127.0.0.1:$API/bls_prove_possession/$BL"
	http 400 GET "http://127.0.0.1:$API/bls_prove_possession/$ED"
	http 404 GET "http://127.0.0.1:$API/nothing"
	http 200 GET "http://127.0.0.1:$UTIL/healthz"
	http 200 GET "http://127.0.0.1:$UTIL/metrics"
}
write_config "$T/text.yaml" false no
start_sigild "$T/text.yaml" "$C/sigild-text.log"
drive 10
http 200 POST "$K/$ED?authentication=edsigBAD" "$TX"  # ignored while authentication is off
kill -HUP "$SIGILD_PID"
for _ in $(seq 1 100); do grep -q reloaded "$C/sigild-text.log" && break; sleep 0.1; done
echo "nonsense: [" >> "$T/text.yaml"
kill -HUP "$SIGILD_PID"
for _ in $(seq 1 100); do grep -q "reload failed" "$C/sigild-text.log" && break; sleep 0.1; done
grep -q "reload failed" "$C/sigild-text.log" || fail "bad reload not reported"
stop_sigild
grep -q "audit.*decision=refused" "$C/sigild-text.log" || fail "no refusals in the text log"

# --- sigild, JSON log at debug, authentication on ----------------------
write_config "$T/json.yaml" true yes
start_sigild "$T/json.yaml" "$C/sigild-json.log"
auth() { # auth ADDR HEX(no quotes): ?authentication= signed by the client key
	local tag h
	tag=$(case ${1:0:3} in tz1) echo 00 ;; tz2) echo 01 ;; tz3) echo 02 ;; esac)
	h=$(cd "$JS" && node -e "const u=require('@taquito/utils');
		console.log(Buffer.from(u.b58DecodeAndCheckPrefix('$1',[u.PrefixV2.Ed25519PublicKeyHash,
		u.PrefixV2.Secp256k1PublicKeyHash,u.PrefixV2.P256PublicKeyHash])[0]).toString('hex'))")
	echo "?authentication=$(node "$JS/auth_key.mjs" sign "0401$tag$h$2")"
}
TXH=${TX//\"/}
http 401 POST "$K/$ED" "$TX"
http 403 POST "$K/$ED?authentication=edsigBAD" "$TX"
http 403 POST "$K/$SP$(auth "$ED" "$TXH")" "$TX"   # signed for another key
http 200 POST "$K/$ED$(auth "$ED" "$TXH")" "$TX"
http 200 POST "$K/$SP$(auth "$SP" "$TXH")" "$TX"
http 200 POST "$K/$P2$(auth "$P2" "$(att 20 0 "$H1" | tr -d '"')")" "$(att 20 0 "$H1")"
http 409 POST "$K/$P2$(auth "$P2" "$(att 20 0 "$H2" | tr -d '"')")" "$(att 20 0 "$H2")"
http 400 POST "$K/$ED$(auth "$ED" ff00)" '"ff00"'
http 200 GET "http://127.0.0.1:$API/authorized_keys"
http 200 GET "http://127.0.0.1:$UTIL/metrics"
stop_sigild
node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n"))
	if (l.startsWith("{")) JSON.parse(l);' "$C/sigild-json.log" || fail "JSON log does not parse"
grep -q '"decision":"refused"' "$C/sigild-json.log" || fail "no refusals in the JSON log"

# --- sigild with bearer tokens: the v1 and JSON-RPC APIs --------------
# Tokens from the environment, a file and a hash; every one presented right,
# wrong, for the wrong capability or key, in the octez API too, at debug
# level in both log formats. Neither they nor the wrong ones presented may
# reach a log line, an answer or /metrics (the token's name may).
printf '%s\n' "$TOK_FILE" > "$T/tok.file"
chmod 600 "$T/tok.file"
TOK_SHA=$(printf '%s' "$TOK_HASHED" | sha256sum | cut -d' ' -f1)
write_tokens() { # write_tokens FILE JSON(true|false)
	write_config "$1" "$2" no
	cat >> "$1" <<YAML
auth:
  octez_requires_token: true
  tokens:
    envtok:
      secret_env: SIGIL_TEST_TOKEN_ENV
      capabilities: ['tezos:*', keys:read, sign:digest]
    filetok:
      secret_file: $T/tok.file
      capabilities: [keys:read]
    hashtok:
      secret_sha256: $TOK_SHA
      capabilities: [tezos:generic]
      keys: [$SP]
YAML
}
V1="http://127.0.0.1:$API/v1"
tokens_drive() {
	local b="Authorization: Bearer"
	http 401 GET "$V1/keys"
	bhttp 401 "$b $TOK_WRONG" GET "$V1/keys"
	bhttp 401 "$TOK_WRONG" GET "$V1/keys"
	bhttp 401 "$b ${TOK_ENV:0:20}" GET "$V1/keys"
	bhttp 200 "$b $TOK_ENV" GET "$V1/keys"
	bhttp 200 "$TOK_FILE" GET "$V1/keys"
	bhttp 403 "$b $TOK_HASHED" GET "$V1/keys"
	local txh=${TX//\"/} sign
	sign() { printf '{"chain":"tezos","key_id":"%s","payload":"%s","encoding":"hex"}' "$1" "$2"; }
	bhttp 200 "$b $TOK_ENV" POST "$V1/sign" "$(sign "$ED" "$txh")"
	bhttp 200 "$b $TOK_HASHED" POST "$V1/sign" "$(sign "$SP" "$txh")"
	bhttp 403 "$b $TOK_HASHED" POST "$V1/sign" "$(sign "$ED" "$txh")"   # not its key
	bhttp 403 "$b $TOK_FILE" POST "$V1/sign" "$(sign "$ED" "$txh")"     # no capability
	bhttp 401 "$b $TOK_WRONG" POST "$V1/sign" "$(sign "$ED" "$txh")"
	bhttp 400 "$b $TOK_ENV" POST "$V1/sign" "{\"chain\":\"tezos\",\"key_id\":\"$ED\",\"payload\":\"$TOK_ENV\"}"
	bhttp 401 "$b $TOK_WRONG" POST "http://127.0.0.1:$API/ethereum" '{"jsonrpc":"2.0","id":1,"method":"eth_accounts"}'
	http 401 POST "$K/$ED" "$TX"
	bhttp 401 "$b $TOK_WRONG" POST "$K/$ED" "$TX"
	bhttp 200 "$b $TOK_ENV" POST "$K/$ED" "$TX"
	bhttp 403 "$b $TOK_FILE" POST "$K/$ED" "$TX"
	http 200 GET "http://127.0.0.1:$UTIL/metrics"
	grep -q 'token="envtok"' "$C/http.$N" || fail "/metrics names no token: $(grep token "$C/http.$N")"
}
for js in false true; do
	write_tokens "$T/tokens-$js.yaml" "$js"
	SIGIL_TEST_TOKEN_ENV=$TOK_ENV start_sigild "$T/tokens-$js.yaml" "$C/sigild-tokens-$js.log"
	tr '\0' '\n' < "/proc/$SIGILD_PID/environ" > "$T/environ" 2>/dev/null || true
	grep -q "$TOK_ENV" "$T/environ" && fail "the token is still in sigild's environment"
	tokens_drive
	stop_sigild
	grep -q 'token=envtok\|"token":"envtok"' "$C/sigild-tokens-$js.log" ||
		fail "the audit log names no token ($js)"
done
SIGIL_TEST_TOKEN_ENV=$TOK_ENV run 0 config-tokens "$SIGIL" -c "$T/tokens-false.yaml" config check

# --- sigild that cannot start ------------------------------------------
# (text.yaml was left broken by the reload test above; json.yaml is whole.)
SIGIL_PASSPHRASE=$WRONG_PASS run 1 start-wrongpass "$SIGILD" -c "$T/json.yaml" --log-level debug
SIGIL_PASSPHRASE=$WRONG_PASS run 1 start-wrongpass-json "$SIGILD" -c "$T/json.yaml" --json-log
grep -qi passphrase "$C/start-wrongpass.err" || fail "wrong passphrase not said"
grep -q '^{' "$C/start-wrongpass-json.err" || fail "--json-log not applied to start-up errors"
run 1 start-badreload "$SIGILD" -c "$T/text.yaml"
printf 'base_dir: %s\nlog: {level: debug}\nserver:\n  adress: x\n' "$T/var" > "$T/bad1.yaml"
run 1 start-badfield "$SIGILD" -c "$T/bad1.yaml"
printf 'base_dir: %s\nlog: {level: debug, json: true}\nsecret: "%s\n' "$T/var" "$PASS" > "$T/bad2.yaml"
run 1 start-badyaml "$SIGILD" -c "$T/bad2.yaml"
run 1 check-badyaml "$SIGIL" -c "$T/bad2.yaml" config check
cat > "$T/bad3.yaml" <<YAML
base_dir: $T/var
log: {level: debug}
vaults:
  main:
    driver: file
    config: {path: keys.json, passphrase_file: nowhere}
YAML
(unset SIGIL_PASSPHRASE; run 1 start-nopassfile "$SIGILD" -c "$T/bad3.yaml" </dev/null)
cp "$T/var/keys.json" "$T/keys.bak"
# One character of one encrypted key changed: the vault fails to open.
python3 - "$T/var/keys.json" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
m = re.search(r'"ciphertext": *"(.)', s)
s = s[:m.start(1)] + ("1" if m.group(1) != "1" else "2") + s[m.end(1):]
open(p, "w").write(s)
PY
cmp -s "$T/var/keys.json" "$T/keys.bak" && fail "the vault was not changed"
run 1 start-corrupt "$SIGILD" -c "$T/json.yaml"
grep -q "keys.json" "$C/start-corrupt.err" || fail "corrupt vault not reported"
cp "$T/keys.bak" "$T/var/keys.json"

# --- nothing secret anywhere --------------------------------------------
# First prove the scan can fail: a 16-byte slice of a hex form is a hit.
python3 -c "import sys,hashlib
from importlib.machinery import SourceFileLoader as L
m=L('s',sys.argv[1]).load_module()
print('x'+m.b58decode(sys.argv[2])[-32:].hex()[5:21]+'x')" \
	"$SIGIL_SOURCE_DIR/tests/integration/secrets_scan.py" "$SPSK" > "$T/control"
if $SCAN "$T/needles" text "$T/control" >/dev/null; then fail "the scan misses a hex slice"; fi
$SCAN "$T/needles" text "$C"/* || fail "a secret reached a log, an answer or a message"
echo "logs and answers: $(ls "$C" | wc -l) files, no secret"

# --- memory and core dumps -----------------------------------------------
if [ -n "${SIGIL_WRAP:-}" ]; then
	echo "SKIP: memory and core checks under SIGIL_WRAP (a wrapped process's memory is the wrapper's)"
	echo "integration: secrets ok"; exit 0
fi
# A separate base dir for a sigild that reads its passphrase from a file, so
# that the passphrase is not in its environment (which every core holds).
# As root, it runs as nobody: a non-dumpable process's /proc files belong to
# root, which only shows when the process is not root itself.
NB="$T/nb"
mkdir -p "$NB"
cp -r "$T/var" "$NB/var"
printf '%s\n' "$PASS" > "$NB/var/passphrase"
chmod 600 "$NB/var/passphrase"
RUNAS=()
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
		chmod 711 "$T"
		chown -R nobody: "$NB"
		RUNAS=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups --)
	fi
fi
API=$(free_port); UTIL=$(free_port)
write_config "$NB/sigil.yaml" false no
sed -i "s|^base_dir: .*|base_dir: $NB/var|" "$NB/sigil.yaml"
cat >> "$NB/sigil.yaml" <<YAML
vaults:
  main:
    driver: file
    config: {path: keys.json, passphrase_file: passphrase}
YAML
# Cores from a real crash land in the working directory (core_pattern "core");
# RLIMIT_CORE is inherited, so it is raised before sigild starts.
CORE_OK=yes
PATTERN=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo "|unknown")
if [[ $PATTERN == \|* || $PATTERN == */* ]]; then
	CORE_OK="core_pattern is '$PATTERN' (a helper or another directory), not a file here"
elif ! ulimit -c unlimited 2>/dev/null; then
	CORE_OK="the hard core-size limit is $(ulimit -Hc)"
fi
launch() { # launch LOG CMD...: in $NB, as the test user or nobody; sets LPID
	local log=$1; shift
	(cd "$NB" && exec env -u SIGIL_PASSPHRASE "${RUNAS[@]}" "$@") >>"$log" 2>&1 &
	LPID=$!
	PIDS+=("$LPID")
}
(cd "$NB" && exec env -u SIGIL_PASSPHRASE "${RUNAS[@]}" "$SIGIL" -c "$NB/sigil.yaml" watermark init) >/dev/null
launch "$NB/sigild.log" "$SIGILD" -c "$NB/sigil.yaml"
SIGILD_PID=$LPID
for _ in $(seq 1 "$READY_TRIES"); do
	curl -sf "http://127.0.0.1:$UTIL/healthz" >/dev/null 2>&1 && break
	kill -0 "$SIGILD_PID" 2>/dev/null || { cat "$NB/sigild.log"; fail "nb sigild exited"; }
	sleep 0.05
done
curl -sf "http://127.0.0.1:$UTIL/healthz" >/dev/null || { cat "$NB/sigild.log"; fail "nb sigild not ready"; }
# Sign with every key first, so the signing code has run and left whatever
# it leaves on stacks and heaps.
K="http://127.0.0.1:$API/keys"
for a in "$ED" "$SP" "$BL" "$SPE"; do http 200 POST "$K/$a" "$TX"; done
http 200 POST "$K/$P2" "$(att 30 0 "$H1")"
http 200 POST "$K/$ED" "$(att 30 0 "$H1")"
http 200 GET "http://127.0.0.1:$API/bls_prove_possession/$BL"

# 1. Non-dumpable: /proc/PID/* of a non-dumpable process belongs to root.
uid=$(awk '/^Uid:/{print $2}' "/proc/$SIGILD_PID/status")
if [ "$uid" = 0 ]; then
	skip "non-dumpable: sigild runs as root (no setpriv or nobody), /proc ownership cannot tell"
else
	launch "$NB/sleep.log" sleep 300
	sleep 0.2
	[ "$(stat -c %u "/proc/$LPID/status")" = "$uid" ] ||
		fail "control: a dumpable process's /proc files are not its own"
	kill "$LPID"; wait "$LPID" 2>/dev/null || true
	[ "$(stat -c %u "/proc/$SIGILD_PID/status")" = 0 ] ||
		fail "sigild is dumpable: /proc/$SIGILD_PID/status belongs to uid $(stat -c %u "/proc/$SIGILD_PID/status")"
	echo "non-dumpable: sigild (uid $uid) has root-owned /proc files"
fi
echo "coredump_filter: $(cat "/proc/$SIGILD_PID/coredump_filter")"

# 2. Where the keys are: only in VM_DONTDUMP mappings (locked too, unless
#    sigild warned that locking failed).
LOCKED=locked
grep -q "not locked\|could not lock" "$NB/sigild.log" && LOCKED=
# ASan's mlock interceptor does nothing and returns 0: sigild cannot know.
ASAN=
grep -aq __asan_init "$SIGIL_BIN_DIR/sigil" && ASAN=yes
if [ -n "$ASAN" ]; then
	LOCKED=
	skip "mlock: AddressSanitizer makes mlock a no-op, the arena is not locked in this build"
fi
set +e; $SCAN "$T/needles" mem "$SIGILD_PID" $LOCKED > "$T/mem.txt" 2>&1; rc=$?; set -e
cat "$T/mem.txt"
case $rc in
0) echo "memory: every copy of every secret is in a don't-dump mapping" ;;
3) skip "memory scan: cannot read the memory of a non-dumpable process (needs root)" ;;
*) fail "secrets in memory that a core dump would hold" ;;
esac

# 3. gcore: a core taken by a debugger honours VM_DONTDUMP as the kernel's does.
if [ "$rc" = 3 ]; then
	skip "gcore: needs the same ptrace rights"
elif [ -n "$ASAN" ]; then
	skip "gcore: an AddressSanitizer process dumps gigabytes; the memory scan above covered it"
elif ! command -v gcore >/dev/null; then
	skip "gcore: gdb is not installed"
else
	gcore -o "$T/gcore" "$SIGILD_PID" > "$T/gcore.log" 2>&1 || true
	if [ ! -s "$T/gcore.$SIGILD_PID" ]; then
		cat "$T/gcore.log"; skip "gcore: no core written (ptrace refused here?)"
	else
		# The public key sits beside the seed in the arena and in the heap:
		# found only in the heap copy, it shows the core holds the heap.
		pk=$(python3 -c "from importlib.machinery import SourceFileLoader as L
import sys; m=L('s',sys.argv[1]).load_module(); print(m.b58decode(sys.argv[2])[-32:].hex())" \
			"$SIGIL_SOURCE_DIR/tests/integration/secrets_scan.py" "$ED_PK")
		$SCAN "$T/needles" core "$T/gcore.$SIGILD_PID" "$pk" || fail "a secret is in the gcore core"
		rm -f "$T/gcore.$SIGILD_PID"
	fi
fi

# 4. A real crash writes no core: a dumpable control crashes beside it first.
if [ "$CORE_OK" != yes ]; then
	skip "crash core: $CORE_OK"
else
	launch "$NB/sleep.log" sleep 300
	sleep 0.2
	kill -ABRT "$LPID"; wait "$LPID" 2>/dev/null || true
	sleep 0.5
	if ! ls "$NB"/core* >/dev/null 2>&1; then
		skip "crash core: a dumpable process wrote no core here either (core_pattern '$PATTERN')"
	else
		rm -f "$NB"/core*
		kill -ABRT "$SIGILD_PID"; wait "$SIGILD_PID" 2>/dev/null || true
		sleep 0.5
		if ls "$NB"/core* >/dev/null 2>&1; then
			$SCAN "$T/needles" core "$NB"/core* || true
			fail "sigild wrote a core file when it crashed"
		fi
		echo "crash core: none written (the control process wrote one)"
	fi
fi
kill -TERM "$SIGILD_PID" 2>/dev/null || true
echo "integration: secrets ok"
